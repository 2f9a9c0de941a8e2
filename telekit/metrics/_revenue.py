"""``revenue_cycle``: telekit's revenue-cycle figures per group of claims (or claim lines)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._core._dates import as_date
from telekit._engine import _ledger as lg
from telekit._policies._model import Policies
from telekit._read._arguments import as_frame, as_remittances
from telekit.metrics import _units as u
from telekit.metrics._inputs import (
    RemittancesLike,
    TableLike,
    line_unit,
    parse_by,
)

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult

DAYS_IN_AR_WINDOW = 90
ERROR = "error"

COUNT_COLUMNS = (
    "claims_submitted",
    "claims_missing_submitted_date",
    "claims_adjudicated",
)
MONEY_COLUMNS = ("ar_outstanding", "ar_0_30", "ar_31_60", "ar_61_90", "ar_91_120", "ar_over_120")
# (name, lowest age in days, highest age in days or None)
AGING_BUCKETS = (
    ("ar_0_30", 0, 30),
    ("ar_31_60", 31, 60),
    ("ar_61_90", 61, 90),
    ("ar_91_120", 91, 120),
    ("ar_over_120", 121, None),
)
RESULT_COLUMNS = (
    *COUNT_COLUMNS,
    "initial_denial_rate",
    "initial_denial_rate_dollars",
    "first_pass_resolution_rate",
    "gross_collection_rate",
    "net_collection_rate",
    *MONEY_COLUMNS,
    "pct_ar_over_90",
    "pct_ar_over_120",
    "days_in_ar",
    "median_submission_lag_days",
    "median_payment_lag_days",
    "clean_claim_rate",
)


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator ÷ denominator as Float64 in [0, 1]; null when the denominator is 0."""
    den = denominator.cast(pl.Float64)
    return (
        pl.when(den != 0)
        .then((numerator.cast(pl.Float64) / den).clip(0.0, 1.0))
        .otherwise(pl.lit(None, pl.Float64))
    )


def _sums(as_of: dt.date) -> list[pl.Expr]:
    submitted = pl.col(lg.SUBMITTED).is_not_null()
    adjudicated = submitted & pl.col(u.ADJUDICATED)
    denied = adjudicated & pl.col(u.INITIALLY_DENIED)
    age = (pl.lit(as_of) - pl.col(lg.SUBMITTED)).dt.total_days()
    recent = (
        submitted
        & (pl.col(u.UNIT_DOS) > pl.lit(as_of - dt.timedelta(days=DAYS_IN_AR_WINDOW)))
        & (pl.col(u.UNIT_DOS) <= pl.lit(as_of))
    )
    billed = pl.col(u.BILLED)
    buckets = []
    for name, low, high in AGING_BUCKETS:
        inside = submitted & (age >= low) if high is None else submitted & age.is_between(low, high)
        buckets.append(pl.col(u.AR).filter(inside).sum().alias(name))
    return [
        submitted.sum().cast(pl.Int64).alias("claims_submitted"),
        (~submitted).sum().cast(pl.Int64).alias("claims_missing_submitted_date"),
        adjudicated.sum().cast(pl.Int64).alias("claims_adjudicated"),
        denied.sum().alias("_denied"),
        (adjudicated & pl.col(u.RESOLVED_FIRST)).sum().alias("_first_pass"),
        billed.filter(adjudicated).sum().alias("_billed_adjudicated"),
        billed.filter(denied).sum().alias("_billed_denied"),
        billed.filter(submitted).sum().alias("_billed"),
        pl.col(lg.PAID).filter(submitted).sum().alias("_paid"),
        pl.col(lg.CO).filter(submitted).sum().alias("_co"),
        pl.col(u.PATIENT_PAID).filter(submitted).sum().alias("_patient_paid"),
        pl.col(u.AR).filter(submitted).sum().alias("ar_outstanding"),
        *buckets,
        billed.filter(recent).sum().alias("_billed_recent"),
        (pl.col(lg.SUBMITTED) - pl.col(u.UNIT_DOS))
        .dt.total_days()
        .filter(submitted)
        .median()
        .cast(pl.Float64)
        .alias("median_submission_lag_days"),
        (pl.col(u.PAY_DATE) - pl.col(lg.SUBMITTED))
        .dt.total_days()
        .filter(submitted)
        .median()
        .cast(pl.Float64)
        .alias("median_payment_lag_days"),
        (submitted & pl.col(u.CLEAN).is_not_null()).sum().alias("_audited"),
        (submitted & pl.col(u.CLEAN).fill_null(False)).sum().alias("_clean"),
    ]


def _figures() -> list[pl.Expr]:
    recent_per_day = pl.col("_billed_recent").cast(pl.Float64) / DAYS_IN_AR_WINDOW
    return [
        ratio(pl.col("_denied"), pl.col("claims_adjudicated")).alias("initial_denial_rate"),
        ratio(pl.col("_billed_denied"), pl.col("_billed_adjudicated")).alias(
            "initial_denial_rate_dollars"
        ),
        ratio(pl.col("_first_pass"), pl.col("claims_adjudicated")).alias(
            "first_pass_resolution_rate"
        ),
        ratio(pl.col("_paid"), pl.col("_billed")).alias("gross_collection_rate"),
        ratio(pl.col("_paid") + pl.col("_patient_paid"), pl.col("_billed") - pl.col("_co")).alias(
            "net_collection_rate"
        ),
        ratio(pl.col("ar_91_120") + pl.col("ar_over_120"), pl.col("ar_outstanding")).alias(
            "pct_ar_over_90"
        ),
        ratio(pl.col("ar_over_120"), pl.col("ar_outstanding")).alias("pct_ar_over_120"),
        pl.when(recent_per_day != 0)
        .then(pl.col("ar_outstanding").cast(pl.Float64) / recent_per_day)
        .otherwise(pl.lit(None, pl.Float64))
        .alias("days_in_ar"),
        ratio(pl.col("_clean"), pl.col("_audited")).alias("clean_claim_rate"),
    ]


def aggregate(units: pl.DataFrame, keys: list[str], as_of: dt.date) -> pl.DataFrame:
    """The figures per group of ``keys`` (one row when there are none)."""
    sums = _sums(as_of)
    raw = units.group_by(keys).agg(sums).sort(keys, nulls_last=True) if keys else units.select(sums)
    return raw.with_columns(_figures()).select(
        *keys,
        *(pl.col(n).cast(c.MONEY) if n in MONEY_COLUMNS else pl.col(n) for n in RESULT_COLUMNS),
    )


def _audit_frames(audit: AuditResult | None) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    if audit is None:
        return None, None
    keys = [c.CLAIM_ID, c.CLAIM_LINE_NUMBER]
    errors = audit.findings.filter(pl.col("severity") == ERROR).select(keys)
    return audit.claims.select(keys), errors


def revenue_cycle(
    claims: TableLike,
    remittances: RemittancesLike,
    *,
    as_of: dt.date | str,
    by: str | Sequence[str] | None = None,
    encounters: TableLike | None = None,
    audit: AuditResult | None = None,
    patient_payments: TableLike | None = None,
    policies: Policies | None = None,
) -> pl.DataFrame:
    """Revenue-cycle figures from claim lines and remittances (835s), one row per group.

    telekit's own definitions, close to HFMA/MGMA but computable from claims and 835s alone.

    **Inputs.** ``claims``: a ``Table``, a frame or a path (read with ``telekit.read_claims``;
    a frame already in the canonical schema is used as is). ``remittances``: a
    ``telekit.Remittances`` (or a path for ``telekit.read_remittances``). ``patient_payments``
    (claim_id, payment_date, amount) and ``encounters`` likewise. ``audit``: a
    ``telekit.AuditResult`` of the same claims, for ``clean_claim_rate``. ``policies`` (a
    ``telekit.Policies``): when given, ``payer`` is compared and grouped as its payer key
    (trimmed, upper-cased, aliases mapped to their payer, DESIGN §3); otherwise as written.

    **Groups.** ``by`` is None (one row), a key or a list of keys among ``month`` (first day of
    the unit's DOS month, a Date), ``payer``, ``payer_type`` (claim-level keys) and
    ``rendering_npi``, ``hcpcs_code``, ``place_of_service_code``, ``modality`` (line-level keys;
    ``modality`` is the line's encounter's, DESIGN §3, and needs ``encounters``). Rows are
    sorted by the keys, nulls last.

    **Unit.** The claim: its DOS is its earliest line's, its payer and payer_type its first
    line's (lowest claim_line_number), its submission date its lines' earliest. When ``by`` has
    a line-level key the unit is the claim line (its own DOS, payer, payer_type) and every
    ``claims_*`` count counts lines. A unit is *submitted* when its claim_submitted_date is on
    or before ``as_of``; units submitted after ``as_of`` are left out, units with no
    claim_submitted_date are only counted in ``claims_missing_submitted_date``; every other
    figure covers the submitted units of the group. Only remittances whose payment_date is on or
    before ``as_of`` count.

    **Matching.** See ``telekit._engine._ledger``: a remittance claim (CLP) belongs to the claim
    named by CLP01; a service line matches a claim line by line_control_number, else by
    (hcpcs_code, modifiers, service date); claim-level amounts apply to the claim and are
    spread over its lines by charge where a figure is per line.

    **Definitions.**

    - first adjudication of a claim: its remittance claim with the earliest payment_date, ties
      broken by the lowest remit_id (then remit_claim_seq); reversals (CLP02 = 22) are never a
      first adjudication;
    - denied line (in a remittance): its paid amount is 0 and it has a line- or claim-level
      adjustment other than PR 1, PR 2, PR 3, CO 45 or CO 253;
    - initially denied claim: in its first adjudication CLP02 = 4, or CLP04 = 0 and every one
      of its lines is denied. Initially denied line (line unit): its claim's first adjudication
      has CLP02 = 4, or the line is denied in it;
    - billed = Σ charge_amount; paid = Σ remittance paid amounts (all remittances on or before
      as_of, reversals negative, every payer); CO adjustments = Σ CO adjustment amounts; patient
      payments = Σ amounts paid on or before as_of (spread over a claim's lines by charge).

    **Figures.** Counts are Int64, rates Float64 in [0, 1] (clipped) and null when the
    denominator is 0, money Decimal(12, 2), days Float64.

    - ``claims_submitted`` = submitted units; ``claims_missing_submitted_date`` = units with no
      claim_submitted_date; ``claims_adjudicated`` = submitted units whose claim has a first
      adjudication;
    - ``initial_denial_rate`` = initially denied ÷ adjudicated;
    - ``initial_denial_rate_dollars`` = billed of the initially denied ÷ billed of the
      adjudicated;
    - ``first_pass_resolution_rate`` = adjudicated units whose first adjudication paid more
      than 0 (CLP04; the line's paid amount for a line unit) and whose claim has no reversal
      (CLP02 = 22) dated on or after the first adjudication and no replacement (a frequency 7
      claim naming it by original_claim_id, or by original_payer_claim_control_number = a CLP07
      of its remittances) submitted on or after the first adjudication, both on or before
      as_of ÷ adjudicated;
    - ``gross_collection_rate`` = paid ÷ billed;
    - ``net_collection_rate`` = (paid + patient payments) ÷ (billed − CO adjustments);
    - ``ar_outstanding`` = Σ per line of max(0, billed − paid − all adjustments of every
      group); ``ar_0_30``, ``ar_31_60``, ``ar_61_90``, ``ar_91_120``, ``ar_over_120`` split it
      by the days from claim_submitted_date to as_of (0–30, 31–60, 61–90, 91–120, 121 and
      more);
    - ``pct_ar_over_90`` = (ar_91_120 + ar_over_120) ÷ ar_outstanding; ``pct_ar_over_120`` =
      ar_over_120 ÷ ar_outstanding;
    - ``days_in_ar`` = ar_outstanding ÷ (billed of units with a DOS after as_of − 90 days and on
      or before as_of ÷ 90); null when that is 0;
    - ``median_submission_lag_days`` = median of claim_submitted_date − DOS per unit;
    - ``median_payment_lag_days`` = median of (payment_date of the first remittance that paid
      more than 0 − claim_submitted_date) per unit that has one (CLP04 > 0 for a claim, the
      line's paid amount > 0 for a line);
    - ``clean_claim_rate`` (with ``audit``; null otherwise) = audited units with no error
      finding ÷ audited units (units present in ``audit.claims``).
    """
    day = as_date(as_of)
    keys = parse_by(by, encounters_given=encounters is not None)
    frame = as_frame("claims", claims)
    remits = as_remittances(remittances)
    payments = None if patient_payments is None else as_frame("patient_payments", patient_payments)
    ledger = lg.build(frame, remits, day, policies=policies)
    lines = u.line_table(ledger, remits, patient_payments=payments)
    audited, errors = _audit_frames(audit)
    if line_unit(keys):
        enc = None
        if encounters is not None and c.MODALITY in keys:
            enc = as_frame("encounters", encounters)
        units = u.line_units(lines, encounters=enc, audited=audited, errors=errors)
    else:
        claim_audited = None if audited is None else audited.select(c.CLAIM_ID)
        claim_errors = None if errors is None else errors.select(c.CLAIM_ID)
        units = u.claim_units(lines, audited=claim_audited, errors=claim_errors)
    return aggregate(units, keys, day)
