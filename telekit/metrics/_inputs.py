"""What the metrics take in: ``by`` keys and the claim line's encounter modality. Tables come
through ``telekit._read._arguments`` (``as_frame``, ``as_remittances``) and ``as_of``
through ``telekit._core._dates.as_date``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._core._claims import link_encounters
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read._arguments import RemittancesInput, TableInput

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult

# the names the metrics' signatures spell (the public API pins them)
TableLike = TableInput
RemittancesLike = RemittancesInput

MONTH = "month"
# ``by`` keys of the claim itself (the unit stays the claim) and of the claim line (the unit
# becomes the claim line).
CLAIM_KEYS = (MONTH, c.PAYER, c.PAYER_TYPE)
LINE_KEYS = (c.RENDERING_NPI, c.HCPCS_CODE, c.PLACE_OF_SERVICE_CODE, c.MODALITY)
BY_KEYS = CLAIM_KEYS + LINE_KEYS
# ``revenue_cycle`` also splits balances by financial class (DESIGN §6): payer balances under
# the claim's payer_type, patient balances of insured claims under ``patient``
FINANCIAL_CLASS = "financial_class"
REVENUE_KEYS = (*BY_KEYS, FINANCIAL_CLASS)


# The shims below keep ``telekit.dashboard``'s imports working until they read the one home of
# table arguments, ``telekit._read._arguments``, themselves.


def parse_by(
    by: str | Sequence[str] | None,
    *,
    allowed: Sequence[str] = BY_KEYS,
    encounters_given: bool,
) -> list[str]:
    """``by`` as a list of distinct keys, checked against ``allowed``."""
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by)
    out: list[str] = []
    for key in keys:
        if not isinstance(key, str) or key not in allowed:
            shown = key if isinstance(key, str) else type(key).__name__
            msg = f"by: unknown key {shown!r} (expected one or a list of: {', '.join(allowed)})"
            raise ValueError(msg)
        if key not in out:
            out.append(key)
    if c.MODALITY in out and not encounters_given:
        msg = "by='modality' needs the encounters: pass encounters=... (a Table, frame or path)"
        raise ValueError(msg)
    return out


def line_unit(keys: Sequence[str]) -> bool:
    """Whether the unit is the claim line (``by`` has a line-level key)."""
    return any(k in LINE_KEYS for k in keys)


def with_modality(lines: pl.DataFrame, encounters: pl.DataFrame) -> pl.DataFrame:
    """Add each claim line's encounter ``modality`` (DESIGN §3): the encounter with the same
    encounter_id; else the single encounter of the same person, rendering NPI and date = DOS.
    Zero or several candidates: the encounter is missing and the modality null."""
    return link_encounters(lines.lazy(), encounters.lazy(), (c.MODALITY,)).collect()


def canonical_policies(policies: Policies | None, audit: AuditResult | None = None) -> Policies:
    """The policies payers are made canonical through (DESIGN §6 "Payers are always
    canonical"): ``policies``, else the audit's, else the built-ins (trimmed and upper-cased,
    no aliases)."""
    if policies is not None:
        return policies
    if audit is not None:
        return audit.policies
    return load_policies(None)
