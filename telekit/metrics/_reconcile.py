"""Reconciliation: what each claim line was billed, allowed, paid and adjusted, from remittances.

Remittance service lines are matched to claim lines in two passes over whole frames:

1. ``line_control_number``: same ``claim_id`` (CLP01 = CLM01) and the line item control number
   the 837 sent in REF*6R and the 835 echoes (only where it names one claim line);
2. ``code_modifiers_date``: same ``claim_id``, submitted code and modifiers (SVC06, else the
   adjudicated SVC01 code and modifiers), modifier set (order ignored) and date of service (any
   date when the remittance gives none); the k-th such line of one remittance claim goes to the
   k-th such claim line (by ``claim_line_number``).

A claim line is matched at most once per remittance claim. This is the matching of the metrics'
ledger (``telekit._core._matching``).

Every remittance that matches a line counts: an original payment, its reversal (CLP02 ``22``,
amounts negated) and the re-adjudication all add up, so ``paid`` is the net paid. Claim-level
adjustments (CAS in loop 2100) are never spread over lines; they are listed in
``claim_level_adjustments``. Remittance lines that match no claim line are in ``unmatched``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from telekit._core import _matching
from telekit._core._columns import (
    ADJUSTMENTS,
    ALLOWED_AMOUNT,
    AMOUNT,
    CHARGE_AMOUNT,
    CLAIM_ID,
    CLAIM_LINE_NUMBER,
    GROUP_CODE,
    LEVEL,
    MONEY,
    PAID_AMOUNT,
    PAYMENT_DATE,
    REASON_CODE,
    REMIT_CLAIM_SEQ,
    REMIT_ID,
    REMITTANCE_LINES,
    SVC_SEQ,
)
from telekit._core._dates import as_optional_date
from telekit._core._matching import MATCH_METHOD, match_service_lines
from telekit._core._remittances import PATIENT_RESPONSIBILITY_AMOUNT, Remittances
from telekit._core._table import Table
from telekit._io._source import Source
from telekit._read._arguments import as_table
from telekit._read._remittances import read_remittances

__all__ = [
    "LINES_SCHEMA",
    "MATCH_METHODS",
    "UNMATCHED_REASONS",
    "Reconciliation",
    "reconcile",
]

BILLED_AMOUNT = "billed_amount"
CO_AMOUNT = "co_amount"
OA_AMOUNT = "oa_amount"
PI_AMOUNT = "pi_amount"
PR_AMOUNT = "pr_amount"
DENIED = "denied"
FIRST_ADJUDICATION_DATE = "first_adjudication_date"
REMITTANCE_COUNT = "remittance_count"
UNMATCHED_REASON = "unmatched_reason"

MATCH_METHODS = (*_matching.MATCH_METHODS, "unmatched")
UNMATCHED_REASONS = ("claim_not_found", "no_matching_line", "claim_level_only")
GROUP_COLUMNS = {"CO": CO_AMOUNT, "OA": OA_AMOUNT, "PI": PI_AMOUNT, "PR": PR_AMOUNT}
# a line paid nothing is denied unless every adjustment is one of these (contract write-off,
# deductible, coinsurance, copay, sequestration)
NOT_DENIALS = (("PR", "1"), ("PR", "2"), ("PR", "3"), ("CO", "45"), ("CO", "253"))

LINES_SCHEMA = pl.Schema(
    {
        CLAIM_ID: pl.String(),
        CLAIM_LINE_NUMBER: pl.Int32(),
        BILLED_AMOUNT: MONEY,
        ALLOWED_AMOUNT: MONEY,
        PAID_AMOUNT: MONEY,
        PATIENT_RESPONSIBILITY_AMOUNT: MONEY,
        CO_AMOUNT: MONEY,
        OA_AMOUNT: MONEY,
        PI_AMOUNT: MONEY,
        PR_AMOUNT: MONEY,
        DENIED: pl.Boolean(),
        FIRST_ADJUDICATION_DATE: pl.Date(),
        REMITTANCE_COUNT: pl.Int32(),
        MATCH_METHOD: pl.String(),
    }
)
UNMATCHED_SCHEMA = pl.Schema({**REMITTANCE_LINES.schema, UNMATCHED_REASON: pl.String()})
CLAIM_LEVEL_SCHEMA = pl.Schema(
    {**ADJUSTMENTS.schema, CLAIM_ID: pl.String(), PAYMENT_DATE: pl.Date()}
)

_RK = "__rk"  # a remittance line's row key
_REMIT_KEY = [REMIT_ID, REMIT_CLAIM_SEQ, SVC_SEQ]


@dataclass(frozen=True)
class Reconciliation:
    """Claim lines against remittances.

    - ``lines``: one row per claim line (``LINES_SCHEMA``): billed, allowed, paid, patient
      responsibility (= PR), CO/OA/PI/PR adjustment totals, denied, first adjudication date,
      remittance count, match method (``line_control_number``, ``code_modifiers_date`` or
      ``unmatched``, whose amounts are null);
    - ``unmatched``: remittance lines matching no claim line, with ``unmatched_reason``
      (``claim_not_found``, ``no_matching_line``, ``claim_level_only`` for a claim without SVC);
    - ``claim_level_adjustments``: claim-level CAS with the remittance's claim_id and payment
      date, never allocated to lines;
    - ``as_of``: remittances paid after it were left out (``None``: all were used).
    """

    lines: pl.DataFrame
    unmatched: pl.DataFrame
    claim_level_adjustments: pl.DataFrame
    as_of: dt.date | None = None

    def __repr__(self) -> str:
        methods = self.lines[MATCH_METHOD].value_counts(sort=True).rows()
        counts = ", ".join(f"{m}={n}" for m, n in methods)
        return (
            f"Reconciliation(lines={self.lines.height} ({counts}), "
            f"unmatched={self.unmatched.height}, "
            f"claim_level_adjustments={self.claim_level_adjustments.height}, as_of={self.as_of})"
        )


def reconcile(
    claims: Table | Source,
    remittances: Remittances | Source | Sequence[Source],
    *,
    as_of: dt.date | str | None = None,
) -> Reconciliation:
    """Match remittance lines to claim lines and total what each line was paid and adjusted.

    ``claims`` is a ``Table`` (``read_claims``), a frame or a path; ``remittances`` a
    ``Remittances`` (``read_remittances``, from 835 files or CSV exports) or what
    ``read_remittances`` reads. With ``as_of``, only remittances with a payment_date on or
    before it are used (a remittance without a payment date is then left out).
    """
    claim_table = as_table("claims", claims)
    assert claim_table is not None
    claim_lines = claim_table.data
    # frames too (``read_remittances`` reads them), which ``as_remittances`` does not take
    remits = remittances if isinstance(remittances, Remittances) else read_remittances(remittances)
    cutoff = as_optional_date(as_of)
    lines = remits.lines.with_row_index(_RK)
    if cutoff is not None:
        lines = lines.filter(pl.col(PAYMENT_DATE) <= cutoff)
    kept = lines.select(REMIT_ID, REMIT_CLAIM_SEQ).unique()
    adjustments = remits.adjustments.join(kept, on=[REMIT_ID, REMIT_CLAIM_SEQ], how="semi")

    pairs = _match(claim_lines, lines)
    return Reconciliation(
        lines=_line_totals(claim_lines, lines, adjustments, pairs),
        unmatched=_unmatched(claim_lines, lines, pairs),
        claim_level_adjustments=_claim_level(lines, adjustments),
        as_of=cutoff,
    )


# --- matching ----------------------------------------------------------------------------------


def _match(claim_lines: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """(remittance row key, claim_id, claim_line_number, match method), one row per match
    (``telekit._core._matching``, the matching the metrics use)."""
    service = lines.filter(pl.col(SVC_SEQ).is_not_null(), pl.col(CLAIM_ID).is_not_null())
    remit_claim = [REMIT_ID, REMIT_CLAIM_SEQ, CLAIM_ID]
    pairs = match_service_lines(service, claim_lines, remit_key=remit_claim, claim_key=CLAIM_ID)
    return pairs.join(
        service.select(*_REMIT_KEY, _RK), on=_REMIT_KEY, how="inner", maintain_order="left"
    ).select(_RK, CLAIM_ID, CLAIM_LINE_NUMBER, MATCH_METHOD)


# --- totals ------------------------------------------------------------------------------------


def _line_totals(
    claim_lines: pl.DataFrame,
    lines: pl.DataFrame,
    adjustments: pl.DataFrame,
    pairs: pl.DataFrame,
) -> pl.DataFrame:
    keys = [CLAIM_ID, CLAIM_LINE_NUMBER]
    matched = pairs.join(
        lines.select(_RK, *_REMIT_KEY, PAID_AMOUNT, ALLOWED_AMOUNT, PAYMENT_DATE), on=_RK
    )
    allowed = pl.col(ALLOWED_AMOUNT)
    remit_totals = matched.group_by(keys).agg(
        pl.col(PAID_AMOUNT).sum(),
        pl.when(allowed.count() > 0).then(allowed.sum()).alias(ALLOWED_AMOUNT),
        pl.col(PAYMENT_DATE).min().alias(FIRST_ADJUDICATION_DATE),
        pl.struct(REMIT_ID, REMIT_CLAIM_SEQ).n_unique().cast(pl.Int32).alias(REMITTANCE_COUNT),
        pl.when((pl.col(MATCH_METHOD) == MATCH_METHODS[0]).any())
        .then(pl.lit(MATCH_METHODS[0]))
        .otherwise(pl.lit(MATCH_METHODS[1]))
        .alias(MATCH_METHOD),
    )
    line_adj = matched.select(*keys, *_REMIT_KEY).join(
        adjustments.filter(pl.col(LEVEL) == "line").select(
            *_REMIT_KEY, GROUP_CODE, REASON_CODE, AMOUNT
        ),
        on=_REMIT_KEY,
    )
    net = line_adj.group_by(*keys, GROUP_CODE, REASON_CODE).agg(pl.col(AMOUNT).sum())
    benign = pl.concat_str(GROUP_CODE, REASON_CODE, separator=" ").is_in(
        [f"{g} {r}" for g, r in NOT_DENIALS]
    )
    adj_totals = net.group_by(keys).agg(
        *(
            pl.col(AMOUNT).filter(pl.col(GROUP_CODE) == group).sum().alias(name)
            for group, name in GROUP_COLUMNS.items()
        ),
        ((pl.col(AMOUNT) != 0) & ~benign).any().alias("__other"),
    )
    zero = pl.lit(0, MONEY)
    found = pl.col(REMITTANCE_COUNT).is_not_null()
    money = [CO_AMOUNT, OA_AMOUNT, PI_AMOUNT, PR_AMOUNT]
    return (
        claim_lines.select(*keys, pl.col(CHARGE_AMOUNT).alias(BILLED_AMOUNT))
        .join(remit_totals, on=keys, how="left", maintain_order="left")
        .join(adj_totals, on=keys, how="left", maintain_order="left")
        .with_columns(
            *(pl.when(found).then(pl.col(c).fill_null(zero)).alias(c) for c in money),
            pl.when(found)
            .then((pl.col(PAID_AMOUNT) == 0) & pl.col("__other").fill_null(False))
            .alias(DENIED),
            pl.col(REMITTANCE_COUNT).fill_null(0),
            pl.col(MATCH_METHOD).fill_null(MATCH_METHODS[2]),
        )
        .with_columns(pl.col(PR_AMOUNT).alias(PATIENT_RESPONSIBILITY_AMOUNT))
        .select(list(LINES_SCHEMA))
        .cast(LINES_SCHEMA)
    )


def _unmatched(claim_lines: pl.DataFrame, lines: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    known = claim_lines.select(CLAIM_ID).unique().with_columns(pl.lit(True).alias("__known"))
    return (
        lines.join(pairs.select(_RK), on=_RK, how="anti")
        .join(known, on=CLAIM_ID, how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("__known").is_null())
            .then(pl.lit(UNMATCHED_REASONS[0]))
            .when(pl.col(SVC_SEQ).is_null())
            .then(pl.lit(UNMATCHED_REASONS[2]))
            .otherwise(pl.lit(UNMATCHED_REASONS[1]))
            .alias(UNMATCHED_REASON)
        )
        .select(list(UNMATCHED_SCHEMA))
        .cast(UNMATCHED_SCHEMA)
    )


def _claim_level(lines: pl.DataFrame, adjustments: pl.DataFrame) -> pl.DataFrame:
    heads = (
        lines.group_by(REMIT_ID, REMIT_CLAIM_SEQ)
        .agg(pl.col(CLAIM_ID).drop_nulls().first(), pl.col(PAYMENT_DATE).drop_nulls().first())
        .unique([REMIT_ID, REMIT_CLAIM_SEQ])
    )
    return (
        adjustments.filter(pl.col(LEVEL) == "claim")
        .join(heads, on=[REMIT_ID, REMIT_CLAIM_SEQ], how="left", maintain_order="left")
        .select(list(CLAIM_LEVEL_SCHEMA))
        .cast(CLAIM_LEVEL_SCHEMA)
    )
