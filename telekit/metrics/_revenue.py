"""``revenue_cycle``: revenue-cycle figures per group of claims (or claim lines), per MGMA/HFMA."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from telekit._core import _columns as c
from telekit._core._dates import as_date
from telekit._engine import _ledger as lg
from telekit._policies._model import Policies
from telekit._read._arguments import as_frame, as_remittances
from telekit.metrics import _units as u
from telekit.metrics._inputs import (
    FINANCIAL_CLASS,
    MONTH,
    REVENUE_KEYS,
    RemittancesLike,
    TableLike,
    canonical_policies,
    line_unit,
    parse_by,
)

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult

DAYS_IN_AR_WINDOW = 90
ERROR = "error"
DAYS_IN_AR_LABEL = "Days in A/R (gross, MGMA)"

COUNT_COLUMNS = (
    "claims_submitted",
    "claims_missing_submitted_date",
    "claims_adjudicated",
)
MONEY_COLUMNS = (
    "ar_outstanding",
    "ar_payer",
    "ar_patient",
    "ar_0_30",
    "ar_31_60",
    "ar_61_90",
    "ar_91_120",
    "ar_over_120",
)
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
    "audit_clean_rate",
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
    counted = submitted & pl.col(u.COUNTED)
    adjudicated = counted & pl.col(u.ADJUDICATED)
    denied = adjudicated & pl.col(u.INITIALLY_DENIED)
    age = (pl.lit(as_of) - pl.col(lg.SUBMITTED)).dt.total_days()
    first_day = as_of - dt.timedelta(days=DAYS_IN_AR_WINDOW - 1)
    recent = counted & pl.col(u.UNIT_DOS).is_between(pl.lit(first_day), pl.lit(as_of))
    billed = pl.col(u.BILLED)
    buckets = []
    for name, low, high in AGING_BUCKETS:
        inside = submitted & (age >= low) if high is None else submitted & age.is_between(low, high)
        buckets.append(pl.col(u.AR).filter(inside).sum().alias(name))
    return [
        counted.sum().cast(pl.Int64).alias("claims_submitted"),
        (pl.col(u.COUNTED) & ~submitted)
        .sum()
        .cast(pl.Int64)
        .alias("claims_missing_submitted_date"),
        adjudicated.sum().cast(pl.Int64).alias("claims_adjudicated"),
        denied.sum().alias("_denied"),
        (adjudicated & pl.col(u.RESOLVED_FIRST)).sum().alias("_first_pass"),
        billed.filter(adjudicated).sum().alias("_billed_adjudicated"),
        billed.filter(denied).sum().alias("_billed_denied"),
        billed.filter(counted).sum().alias("_billed"),
        (pl.col(lg.PAID) + pl.col(u.PATIENT_PAID)).filter(counted).sum().alias("_collected"),
        pl.col(u.CONTRACTUAL).filter(counted).sum().alias("_contractual"),
        pl.col(u.AR).filter(submitted).sum().alias("ar_outstanding"),
        pl.col(u.AR_PAYER).filter(submitted).sum().alias("ar_payer"),
        pl.col(u.AR_PATIENT).filter(submitted).sum().alias("ar_patient"),
        *buckets,
        billed.filter(recent).sum().alias("_billed_recent"),
        (pl.col(lg.SUBMITTED) - pl.col(u.UNIT_DOS))
        .dt.total_days()
        .filter(counted)
        .median()
        .cast(pl.Float64)
        .alias("median_submission_lag_days"),
        (pl.col(u.PAY_DATE) - pl.col(lg.SUBMITTED))
        .dt.total_days()
        .filter(counted)
        .median()
        .cast(pl.Float64)
        .alias("median_payment_lag_days"),
        (counted & pl.col(u.CLEAN).is_not_null()).sum().alias("_audited"),
        (counted & pl.col(u.CLEAN).fill_null(False)).sum().alias("_clean"),
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
        ratio(pl.col("_collected"), pl.col("_billed")).alias("gross_collection_rate"),
        ratio(pl.col("_collected"), pl.col("_billed") - pl.col("_contractual")).alias(
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
        ratio(pl.col("_clean"), pl.col("_audited")).alias("audit_clean_rate"),
    ]


def aggregate(units: pl.DataFrame, keys: list[str], as_of: dt.date) -> pl.DataFrame:
    """The figures per group of ``keys`` (one row when there are none)."""
    if u.COUNTED not in units.columns:
        units = units.with_columns(pl.lit(True).alias(u.COUNTED))
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
    """Revenue-cycle figures from claim lines, remittances (835s) and patient payments, one row
    per group, aligned with MGMA and HFMA where they define the measure (DESIGN §6).

    **Inputs.** ``claims``: a ``Table``, a frame or a path (read with ``telekit.read_claims``;
    a frame already in the canonical schema is used as is). ``remittances``: a
    ``telekit.Remittances`` (or a path for ``telekit.read_remittances``). ``patient_payments``
    (claim_id, payment_date, amount, optional ``kind``: ``payment`` by default, ``discount``,
    ``write_off``, ``refund``) and ``encounters`` likewise. ``audit``: a ``telekit.AuditResult``
    of the same claims, for ``audit_clean_rate``. Payers are always canonical: trimmed,
    upper-cased and through the policy file's aliases — ``policies`` when given, else
    ``audit.policies``, else no aliases. ``policies.settings.contractual_carcs`` (``[metrics]
    contractual_carcs``) replaces the contractual CARCs (CO 45 and 253 by default).

    **Groups.** ``by`` is None (one row), a key or a list of keys among ``month`` (first day of
    the unit's DOS month, a Date), ``payer``, ``payer_type``, ``financial_class`` (claim-level
    keys) and ``rendering_npi``, ``hcpcs_code``, ``place_of_service_code``, ``modality``
    (line-level keys; ``modality`` is the line's encounter's, DESIGN §3, and needs
    ``encounters``). Rows are sorted by the keys, nulls last.

    ``financial_class``: a claim's payer balance, its counts and rates fall under its
    payer_type (a self-pay claim's balance under ``self_pay``); the patient balance (PR not yet
    paid) of an insured claim falls under ``patient``. The ``patient`` rows carry the A/R
    columns only (ar_outstanding = ar_patient, its aging and pct_ar_over_90/120): their counts
    are 0 and their rates, days in A/R and lags null.

    **One receivable per service** (see ``telekit.metrics._units``): a void (frequency 8) and
    the claim it voids leave A/R and every count; a replacement (frequency 7) supersedes the
    claim it names (original_claim_id, or original_payer_claim_control_number = a CLP07 of the
    original's remittances), whose lines leave A/R and every count. The original's remittances
    are re-attributed to the replacement — line by line when a line has the same hcpcs_code and
    DOS, else spread over the replacement's lines by charge — and so are its patient payments.
    The service's first adjudication is the earliest in the chain; a service that replaced a
    claim is never resolved on the first pass. Its submission date (for aging and lags) is the
    earliest in the chain.

    **Unit.** The claim: its DOS is its earliest line's, its payer and payer_type its first
    line's (lowest claim_line_number). When ``by`` has a line-level key the unit is the claim
    line (its own DOS, payer, payer_type) and every ``claims_*`` count counts lines. A unit is
    *submitted* when its claim_submitted_date is on or before ``as_of``; units submitted after
    ``as_of`` are left out, units with no claim_submitted_date are only counted in
    ``claims_missing_submitted_date``; every other figure covers the submitted units. Only
    remittances and patient payments dated on or before ``as_of`` count.

    **Matching.** See ``telekit._engine._ledger``: a remittance claim (CLP) belongs to the claim
    named by CLP01; a service line matches a claim line by line_control_number, else by
    (hcpcs_code, modifiers, service date); claim-level amounts are spread over the claim's lines
    by charge. A claim's patient payments, discounts and write-offs are spread over its lines in
    proportion to what the patient owes on each (its PR, or its charge on a self-pay claim; by
    charge while nothing is owed), the cents to the line owing the most: a copay paid in full
    leaves no balance on a line that carried none. PR is the patient responsibility of the
    line's latest adjudication that no reversal cancelled: a secondary payer (a crossover) that
    paid the coinsurance leaves the patient nothing to owe.

    **Definitions.**

    - first adjudication: the remittance claim with the earliest payment_date, ties broken by
      the lowest remit_id (then remit_claim_seq); reversals (CLP02 = 22) never are;
    - denied line (in a remittance): paid 0 with a line- or claim-level adjustment other than
      PR 1, PR 2, PR 3, CO 45 or CO 253; initially denied claim: CLP02 = 4 in its first
      adjudication, or CLP04 = 0 there and every line denied; initially denied line: its
      claim's first adjudication has CLP02 = 4, or the line is denied in it;
    - charges = Σ charge_amount; payer paid = Σ remittance paid amounts (reversals negative);
      CO/OA/PI = Σ adjustments of every group but PR (the retired CR included); PR = Σ group PR
      adjustments (deductible, coinsurance, copay: the patient's share); contractual = Σ CO
      adjustments with a CARC in ``contractual_carcs`` (never denial write-offs such as CO 16,
      29, 50, 96, 97, 167, 204); patient payments = payments − refunds; patient relief =
      discounts + write-offs (reduce A/R, are not payments).

    **Figures.** Counts are Int64, rates Float64 in [0, 1] (clipped) and null when the
    denominator is 0, money Decimal(12, 2), days Float64.

    - ``claims_submitted`` = submitted units; ``claims_missing_submitted_date`` = units with no
      claim_submitted_date; ``claims_adjudicated`` = submitted units with a first adjudication;
    - ``initial_denial_rate`` = initially denied ÷ adjudicated (the HFMA Claim Integrity Task
      Force's initial denial rate by volume, over the units adjudicated rather than a 3-month
      average of submissions); ``initial_denial_rate_dollars`` = charges of the initially
      denied ÷ charges of the adjudicated (its rate in dollars);
    - ``first_pass_resolution_rate`` = adjudicated units whose first adjudication paid more
      than 0 (CLP04; the line's paid amount for a line unit), with no reversal dated on or after
      it and no claim replaced ÷ adjudicated;
    - ``gross_collection_rate`` = (payer paid + patient payments) ÷ charges (MGMA's gross
      FFS collection rate: net FFS revenue ÷ gross FFS charges);
    - ``net_collection_rate`` = (payer paid + patient payments) ÷ (charges − contractual
      adjustments) (per MGMA's adjusted (net) FFS collection rate: payments net of refunds ÷
      charges less contractual adjustments; close to HFMA's "cash collection as a % of net
      patient service revenue");
    - per line, payer A/R = max(0, charge − payer paid − CO/OA/PI − PR) (0 for a self-pay
      claim); patient A/R = max(0, PR − patient payments − patient relief), or for a self-pay
      claim max(0, charge − patient payments − patient relief). ``ar_payer`` and ``ar_patient``
      sum them, ``ar_outstanding`` = ar_payer + ar_patient (billed A/R, credit balances left
      out as HFMA advises): PR stays in A/R until the patient pays or it is written off. A
      negative part (a payer's or a patient's overpayment) is a credit, not netted against the
      other part or another line;
    - ``ar_0_30`` … ``ar_over_120`` split ar_outstanding by the days from claim_submitted_date
      to as_of (MGMA's buckets, aged from the claim's submission; a replacement keeps its
      chain's first submission); ``pct_ar_over_90`` = (ar_91_120 + ar_over_120) ÷
      ar_outstanding (HFMA MAP Key "aged A/R as a % of total billed A/R", over 90 days; by
      payer group with ``by="payer"``), ``pct_ar_over_120`` = ar_over_120 ÷ ar_outstanding
      (MGMA's over-120 bucket);
    - ``days_in_ar`` (shown as "Days in A/R (gross, MGMA)") = ar_outstanding ÷ (charges of
      units with a DOS from as_of − 89 through as_of, both included, ÷ 90): MGMA's gross days
      in A/R (total A/R ÷ average daily gross charges), the daily charges averaged over 90 days
      (DESIGN §6) rather than a year; null when those charges are 0;
    - ``median_submission_lag_days`` = median of claim_submitted_date − DOS per unit;
    - ``median_payment_lag_days`` = median of (payment_date of the first remittance that paid
      more than 0 − claim_submitted_date) per unit that has one;
    - ``audit_clean_rate`` (with ``audit``; null otherwise) = audited units with no error
      finding ÷ audited units (units present in ``audit.claims``). It is not HFMA's clean-claim
      rate, which needs the clearinghouse's edits.
    """
    day = as_date(as_of)
    keys = parse_by(by, allowed=REVENUE_KEYS, encounters_given=encounters is not None)
    common: dict[str, Any] = {
        "as_of": day,
        "audit": audit,
        "patient_payments": patient_payments,
        "policies": policies,
    }
    if line_unit(keys):
        enc = None
        if encounters is not None and c.MODALITY in keys:
            enc = as_frame("encounters", encounters)
        units = _units_of(claims, remittances, line_units=True, encounters=enc, **common)
    else:
        units = claim_units(claims, remittances, **common)
    return finish_revenue(units, keys, day)


#: The columns of a claim unit ``finish_revenue`` reads: the figures' inputs and the claim-level
#: ``by`` keys (month, payer, payer_type; financial_class comes from payer_type).
CLAIM_UNIT_COLUMNS = (
    lg.SUBMITTED,
    u.UNIT_DOS,
    MONTH,
    c.PAYER,
    c.PAYER_TYPE,
    u.BILLED,
    lg.PAID,
    u.PATIENT_PAID,
    u.CONTRACTUAL,
    u.AR,
    u.AR_PAYER,
    u.AR_PATIENT,
    u.ADJUDICATED,
    u.INITIALLY_DENIED,
    u.RESOLVED_FIRST,
    u.PAY_DATE,
    u.CLEAN,
)


def claim_units(
    claims: TableLike,
    remittances: RemittancesLike,
    *,
    as_of: dt.date,
    audit: AuditResult | None = None,
    patient_payments: TableLike | None = None,
    policies: Policies | None = None,
    ledger: lg.Ledger | None = None,
) -> pl.DataFrame:
    """The claim units of ``revenue_cycle`` (one row per service, ``CLAIM_UNIT_COLUMNS``) of
    claims of whole persons with their remittances and patient payments: what the
    bounded-memory audit keeps of each bucket, ``finish_revenue`` aggregating their
    concatenation (medians are not mergeable, so the units are kept, not partial sums). A claim,
    its replacements, voids, remittances and payments are one person's, so one receivable per
    service holds within the part. ``ledger``: the ledger of these claims and remittances as of
    ``as_of`` through the canonical policies, when the caller built it already (the report
    shares one with ``denial_counts``)."""
    units = _units_of(
        claims,
        remittances,
        as_of=as_of,
        audit=audit,
        patient_payments=patient_payments,
        policies=policies,
        ledger=ledger,
    )
    return units.select(CLAIM_UNIT_COLUMNS)


def _units_of(
    claims: TableLike,
    remittances: RemittancesLike,
    *,
    as_of: dt.date,
    audit: AuditResult | None,
    patient_payments: TableLike | None,
    policies: Policies | None,
    line_units: bool = False,
    encounters: pl.DataFrame | None = None,
    ledger: lg.Ledger | None = None,
) -> pl.DataFrame:
    remits = as_remittances(remittances)
    payments = None if patient_payments is None else as_frame("patient_payments", patient_payments)
    canonical = canonical_policies(policies, audit)
    carcs = canonical.settings.contractual_carcs or u.DEFAULT_CONTRACTUAL_CARCS
    if ledger is None:
        ledger = lg.build(as_frame("claims", claims), remits, as_of, policies=canonical)
    lines = u.line_table(ledger, remits, patient_payments=payments, contractual_carcs=carcs)
    audited, errors = _audit_frames(audit)
    if line_units:
        return u.line_units(lines, encounters=encounters, audited=audited, errors=errors)
    claim_audited = None if audited is None else audited.select(c.CLAIM_ID)
    claim_errors = None if errors is None else errors.select(c.CLAIM_ID)
    return u.claim_units(lines, audited=claim_audited, errors=claim_errors)


def finish_revenue(units: pl.DataFrame, keys: Sequence[str], as_of: dt.date) -> pl.DataFrame:
    """``revenue_cycle``'s figures per group of ``keys`` from its units (``claim_units`` of
    disjoint claims concatenated, or the line units): split by financial class when asked,
    then aggregated once."""
    keys = list(keys)
    if FINANCIAL_CLASS in keys:
        units = u.by_financial_class(units)
    return aggregate(units, keys, as_of)
