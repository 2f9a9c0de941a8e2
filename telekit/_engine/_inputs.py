"""What the audit was given, after reading: the tables (None when not given) and the payer
policies, already resolved onto the claim lines (``prepare``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._reference import Reference, reference
from telekit._policies._model import Policies


@dataclass(frozen=True)
class Inputs:
    """What the audit was given: each table, or None when not given (None differs from empty).

    ``lines`` are the claim lines with their input row (``_row``), payer key and ``policy_*``
    columns (``prepare`` builds them; the rules' window preparations read the tables).
    """

    claims: pl.DataFrame
    encounters: pl.DataFrame | None
    coverage: pl.DataFrame | None
    providers: pl.DataFrame | None
    policies: Policies
    claim_columns: frozenset[str]  # canonical claim columns the source supplied
    lines: pl.LazyFrame
    reference: Reference = field(default_factory=reference)
    # DESIGN §5 "Sampled encounters": the encounters are a documentation sample
    encounters_sample: bool = False

    def given(self, table: str) -> bool:
        return getattr(self, table) is not None


def prepare(
    claims: pl.DataFrame,
    *,
    encounters: pl.DataFrame | None,
    coverage: pl.DataFrame | None,
    providers: pl.DataFrame | None,
    policies: Policies,
    claim_columns: frozenset[str],
    ref: Reference | None = None,
    encounters_sample: bool = False,
) -> Inputs:
    """The inputs of a run: lines whose payer_type contradicts the policies are refused
    (``PolicyError``); each line gets its row and its payer's policy on its DOS."""
    policies.check_lines(claims)
    base = claims.with_row_index(v.ROW)
    # the policy columns come from payer, payer_type and DOS alone: resolved on those columns and
    # set beside the lines, so the resolving join copies none of the lines' other columns
    read = [v.ROW, c.PAYER, c.PAYER_TYPE, c.CLAIM_LINE_START_DATE]
    resolved = policies.resolve(base.select(read))
    if resolved.height == base.height and resolved.get_column(v.ROW).equals(base.get_column(v.ROW)):
        lines = base.hstack(resolved.drop(read)).lazy()
    else:
        lines = policies.resolve(base.lazy())
    return Inputs(
        claims=claims,
        encounters=encounters,
        coverage=coverage,
        providers=providers,
        policies=policies,
        claim_columns=claim_columns,
        lines=lines,
        reference=ref if ref is not None else reference(),
        encounters_sample=encounters_sample and encounters is not None,
    )
