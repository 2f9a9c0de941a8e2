"""Filing rules (FL001–FL002): was the claim filed in time, and does a corrected claim say which
claim it corrects.

FL002 is the only rule of the catalog that evaluates superseded lines (the engine exempts it).
"""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule

DOS = c.CLAIM_LINE_START_DATE


def filing_deadline() -> pl.Expr:
    """The last day the payer accepts the claim (Date), from the policy on the DOS.

    ``calendar_year`` (Medicare): the same calendar date one year after the DOS — 28 February for
    a DOS of 29 February; ``days``: the DOS plus ``policy_timely_filing_days``; ``none``: null (no
    limit).
    """
    rule_ = v.policy_timely_filing_rule
    return (
        pl.when(rule_ == "calendar_year")
        .then(_year_after(pl.col(DOS)))
        .when(rule_ == "days")
        .then(_days_after(pl.col(DOS)))
        .otherwise(pl.lit(None, dtype=pl.Date))
    )


def _year_after(dos: pl.Expr) -> pl.Expr:
    """The ``calendar_year`` deadline: the same calendar date a year later (29 Feb → 28 Feb)."""
    return dos.dt.offset_by("1y")


def _days_after(dos: pl.Expr) -> pl.Expr:
    """The ``days`` deadline: the DOS plus the policy's ``timely_filing_days``."""
    return dos + pl.duration(days=v.policy_timely_filing_days)


def _fl001_message() -> pl.Expr:
    limit = (
        pl.when(v.policy_timely_filing_rule == "calendar_year")
        .then(pl.lit("one calendar year after the DOS"))
        .otherwise(pl.format("{} days after the DOS", v.policy_timely_filing_days.cast(pl.String)))
    )
    return pl.format(
        "claim submitted {} for DOS {}, after {}'s filing limit ({}: last day {}); expected "
        "submission on or before {}",
        pl.col(c.CLAIM_SUBMITTED_DATE).cast(pl.String),
        pl.col(DOS).cast(pl.String),
        v.payer_shown,
        limit,
        filing_deadline().cast(pl.String),
        filing_deadline().cast(pl.String),
    )


@rule(
    code="FL001",
    skip_self_pay=True,
    severity="error",
    message=_fl001_message,
    fix=(
        "a late claim cannot be rebilled: keep proof of timely submission (clearinghouse "
        "acceptance report) or a filing-limit exception and appeal with it; otherwise write the "
        "line off (the patient cannot be billed)"
    ),
    claim_columns=(c.CLAIM_SUBMITTED_DATE,),
)
def timely_filing_limit_exceeded() -> pl.Expr:
    """Original claim submitted after the payer's timely-filing limit.

    What it checks: a frequency 1 (original) claim line whose claim_submitted_date is after the
    payer's limit on the DOS. Medicare (policy ``timely_filing_rule = "calendar_year"``): after
    the same calendar date one year after the DOS — a DOS of 2024-03-15 may be filed through
    2025-03-15, and a DOS of 29 February through 28 February of the next year. Other payers:
    more than ``timely_filing_days`` after the DOS (built-in: Medicare Advantage and Medicaid 365,
    commercial and other 90; a policy file overrides them). Self-pay (``"none"``) never fires.
    Replacement and void claims (7, 8) are not checked; a line without a submitted date gets no
    finding; the rule is skipped when the claims have no claim_submitted_date column.

    Why: Medicare requires Part B claims within one calendar year of the date of service (42 CFR
    424.44, as amended by Affordable Care Act §6404; for a line the From date); a claim denied as
    untimely (CARC 29 with RARC N211) gets no initial determination and cannot be appealed; the
    exceptions are administrative error and retroactive entitlement or disenrollment.
    Commercial limits are contractual, often 90–180 days. Sources: Medicare Claims Processing
    Manual (Pub. 100-04), ch. 1 §70,
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c01.pdf
    CGS Medicare, "Timely filing", https://cgsmedicare.com/parta/claims/timely.html
    MedClaims LLC, commercial payers' limits,
    https://www.medclaimsllc.com/blogs/timely-filing-is-vital-for-physicians-and-medical-billing-companies/

    Example: 99213 with DOS 2024-02-29 billed to Medicare, submitted 2025-03-01 — flagged (the
    last day was 2025-02-28).

    Instead: nothing on the claim fixes it. Appeal only with proof of timely
    submission (the clearinghouse acceptance report) or a filing-limit exception; otherwise write
    the line off — the patient cannot be billed for a payer's timely-filing denial.
    """
    # ``filing_deadline`` over every line costs most in its calendar year (an ``offset_by`` of
    # every DOS): that deadline is read only on the lines submitted more than 365 days after the
    # DOS (v.on_rows; a calendar year after a date is never fewer days: 29 February to 28
    # February is 365); both deadlines are ``filing_deadline``'s (``_days_after``, ``_year_after``)
    original = pl.col(c.CLAIM_FREQUENCY_CODE).fill_null("1") == "1"
    submitted = pl.col(c.CLAIM_SUBMITTED_DATE)
    rule_ = v.policy_timely_filing_rule
    # a date's physical value is its day number
    days_late = submitted.cast(pl.Int64) - pl.col(DOS).cast(pl.Int64)
    by_days = (rule_ == "days") & (submitted > _days_after(pl.col(DOS)))
    by_year = v.on_rows(
        original & (rule_ == "calendar_year") & (days_late > 365),
        lambda col: col(c.CLAIM_SUBMITTED_DATE) > _year_after(col(DOS)),
        (c.CLAIM_SUBMITTED_DATE, DOS),
    )
    return original & (by_days | by_year)


@rule(
    code="FL002",
    skip_self_pay=True,
    judges_superseded=True,
    severity="error",
    message=(
        "frequency {claim_frequency_code} claim {claim_id} has neither original_claim_id nor "
        "original_payer_claim_control_number; expected the claim it replaces or voids"
    ),
    fix=lambda: (
        pl.when(v.is_medicare)
        .then(
            pl.lit(
                "Medicare Part B takes no frequency-7 or -8 claims: request a reopening of the "
                "original claim (or appeal it) instead of sending a corrected claim"
            )
        )
        .otherwise(
            pl.format(
                "put the payer's claim control number of the original claim (CLP07 of its 835) "
                "in 2300 REF*F8 (original_payer_claim_control_number) and keep frequency {}",
                pl.col(c.CLAIM_FREQUENCY_CODE),
            )
        )
    ),
    claim_columns=(c.CLAIM_FREQUENCY_CODE,),
)
def replacement_without_original_claim() -> pl.Expr:
    """Replacement or void claim that does not say which claim it replaces.

    What it checks: a line of a frequency 7 (replacement) or 8 (void) claim with neither an
    original_claim_id nor an original_payer_claim_control_number (837 2300 REF*F8). It is the
    only rule that evaluates superseded claims (voids and the claims they replace). Skipped when
    the claims have no claim_frequency_code column (every claim is then an original).

    Why: a corrected claim (frequency 7) or a void (8) must carry the payer's claim control
    number of the original in 2300 REF*F8; without it the payer cannot find the original and
    rejects the correction or denies it as a duplicate (CARC 18). Medicare Part B does not take
    frequency 7 or 8 claims at all: a Part B claim is corrected through a reopening (clerical
    errors) or an appeal. Sources: Medi-Cal, "Electronic claim resubmission (frequency 7 and
    8)", https://files.medi-cal.ca.gov/pubsdoco/newsroom/newsroom_31265_02.aspx ; Palmetto GBA,
    "CARC 18 duplicate claim",
    http://www.palmettogba.com/palmetto/jmb.nsf/DIDC/PCAF563WNL~Claims~Denial%20Resolution
    Medicare Claims Processing Manual (Pub. 100-04), ch. 34 (reopening and revision of claim
    determinations),
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c34.pdf

    Example: claim C9 billed to AETNA with frequency 7, no original_claim_id and no REF*F8 —
    every line of C9 is flagged.

    Instead: the same correction with the original claim's payer control number
    (CLP07 of its 835) in REF*F8; for Medicare Part B, a reopening of the original claim instead
    of a frequency 7/8 claim.
    """
    return (
        pl.col(c.CLAIM_FREQUENCY_CODE).is_in(["7", "8"])
        & pl.col(c.ORIGINAL_CLAIM_ID).is_null()
        & pl.col(c.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER).is_null()
    )
