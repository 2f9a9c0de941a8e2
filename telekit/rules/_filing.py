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
        .then(pl.col(DOS).dt.offset_by("1y"))
        .when(rule_ == "days")
        .then(pl.col(DOS) + pl.duration(days=v.policy_timely_filing_days))
        .otherwise(pl.lit(None, dtype=pl.Date))
    )


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
        pl.col(c.PAYER),
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

    Why: Medicare requires Part B claims within 12 months (one calendar year) of the DOS (42 CFR
    424.44; the From date per line); an untimely denial (CO-29, N211) is not an initial
    determination and cannot be appealed (reference §9, [S66], [S67]). Commercial limits are
    contractual, often 90–180 days ([S68]).

    Example: 99213 with DOS 2024-02-29 billed to Medicare, submitted 2025-03-01 — flagged (the
    last day was 2025-02-28).

    Fix: nothing on the claim fixes it: appeal with proof of timely filing or an exception
    (administrative error, retroactive entitlement), or write the line off.

    References: DESIGN §3 "payer policies" (timely filing), §5 FL001; telehealth-billing-rules.md
    §9.
    """
    return (pl.col(c.CLAIM_FREQUENCY_CODE).fill_null("1") == "1") & (
        pl.col(c.CLAIM_SUBMITTED_DATE) > filing_deadline()
    )


@rule(
    code="FL002",
    skip_self_pay=True,
    judges_superseded=True,
    severity="error",
    message=(
        "frequency {claim_frequency_code} claim {claim_id} has neither original_claim_id nor "
        "original_payer_claim_control_number; expected the claim it replaces or voids"
    ),
    fix=(
        "put the payer's claim control number of the original claim in 2300 REF*F8 "
        "(original_payer_claim_control_number) and keep frequency {claim_frequency_code}"
    ),
    claim_columns=(c.CLAIM_FREQUENCY_CODE,),
)
def replacement_without_original_claim() -> pl.Expr:
    """Replacement or void claim that does not say which claim it replaces.

    What it checks: a line of a frequency 7 (replacement) or 8 (void) claim with neither an
    original_claim_id nor an original_payer_claim_control_number (837 2300 REF*F8). It is the
    only rule that evaluates superseded claims (voids and the claims they replace). Skipped when
    the claims have no claim_frequency_code column (every claim is then an original).

    Why: a corrected claim must carry frequency code 7 or 8 with the original payer claim number
    in REF*F8; without it the payer cannot find the original and rejects the correction or
    treats it as a duplicate (CARC 18) (reference §9 "Corrected claims", §10.1, [S54], [S70]).

    Example: claim C9 with frequency 7, no original_claim_id and no REF*F8 — every line of C9 is
    flagged.

    Fix: add the original claim's payer control number (REF*F8) — from the 835 (CLP07) of the
    original claim.

    References: DESIGN §3 (claim_frequency_code, original_claim_id), §5 FL002;
    telehealth-billing-rules.md §9, §10.1.
    """
    return (
        pl.col(c.CLAIM_FREQUENCY_CODE).is_in(["7", "8"])
        & pl.col(c.ORIGINAL_CLAIM_ID).is_null()
        & pl.col(c.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER).is_null()
    )
