"""Each claim line's status as of ``as_of`` (DESIGN §5 "Fixes follow the line's status"), the
exposure of a finding on it, and the suggested fix that follows that exposure.

``line_status`` is decided in this order:

1. when remittances are given and one adjudicated the line on or before ``as_of`` — matched as
   the metrics match it (``telekit._engine._ledger``: CLP01 → claim, REF*6R or code, modifiers
   and date → line), reversals (CLP02 22) netted: an adjudication counts until a reversal
   cancels it —
   ``denied`` when the line's net payment is 0 and its latest adjudication denied it (paid 0
   with an adjustment other than PR 1/2/3, CO 45 or CO 253, the metrics' denied line, or a
   CLP02 4 claim), else ``paid`` (also a line whose allowed amount went to the deductible);
2. ``not_submitted``: the line's claim has no claim_submitted_date;
3. ``unknown``: no remittances were given;
4. ``pending``: otherwise (submitted, no adjudication as of ``as_of``).

``paid_amount`` is the net payer payment on the line (every remittance's, reversals negative),
null without remittances. A line of a replacement claim (frequency 7) has the status of its own
remittances: the 835 answers a replacement under its own CLP01.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import polars as pl

from telekit._core import _columns as c
from telekit._core._remittances import REMARK_CODE, Remittances
from telekit._engine import _ledger as lg
from telekit._engine import _vocabulary as v
from telekit._engine._pricing import (
    EXPECTED_ALLOWED,
    EXPECTED_FEE,
    PFS_NON_FACILITY,
)

ROW = v.ROW

LINE_STATUS = "line_status"
PAID_AMOUNT = "paid_amount"
# the latest adjudication denied the line as unprocessable (CO-16 or MA130): a new claim
LINE_UNPROCESSABLE = "line_unprocessable"
# the latest adjudication denied the line with CARC 4 (the procedure code is inconsistent with
# the modifier): MD004's finding is then a denial
LINE_DENIED_CARC_4 = "line_denied_carc_4"
# the allowed amount (AMT*B6) of the line's latest standing adjudication, null when not given
ALLOWED_AMOUNT = "allowed_amount"
# the patient's responsibility on the line: the group PR adjustments of its latest standing
# adjudication (a crossover's secondary payer paid the coinsurance: none left)
PATIENT_RESPONSIBILITY = "patient_responsibility"
#: the columns ``line_status`` adds beside ``_row``
STATUS_COLUMNS = (
    LINE_STATUS,
    PAID_AMOUNT,
    ALLOWED_AMOUNT,
    PATIENT_RESPONSIBILITY,
    LINE_UNPROCESSABLE,
    LINE_DENIED_CARC_4,
)
EXPOSURE = "exposure"

PAID, DENIED, NOT_SUBMITTED, PENDING, UNKNOWN = (
    "paid",
    "denied",
    "not_submitted",
    "pending",
    "unknown",
)
LINE_STATUSES = (PAID, DENIED, NOT_SUBMITTED, PENDING, UNKNOWN)
OVERPAYMENT, AT_RISK, UNDERPAYMENT, NONE = "overpayment", "at_risk", "underpayment", "none"
EXPOSURES = (OVERPAYMENT, DENIED, AT_RISK, UNDERPAYMENT, NONE)

UNPROCESSABLE_ADJUSTMENT = ("CO", "16")
UNPROCESSABLE_REMARK = "MA130"
MODIFIER_DENIAL_REASON = "4"  # CARC 4, any group

_ADJUDICATED = "_adjudicated"
_NET_PAID = "_net_paid"
_LAST_DENIED = "_last_denied"
_LAST_RC = "_last_rc"
_LATEST = "_latest"


def _line_keys(claims: pl.DataFrame, ledger: lg.Ledger) -> pl.Series:
    """The ledger's key (``LK``) of each of ``claims``' lines, null for a line the ledger does
    not hold (its claim submitted after as_of). The ledger's lines are the claims in their order,
    less those claims: when none is left out and the two agree line by line on claim_id and
    claim_line_number, the keys are the ledger's column as is; otherwise they are joined on
    claim_id and claim_line_number (a string join of every line)."""
    lines = ledger.lines
    ids = [c.CLAIM_ID, c.CLAIM_LINE_NUMBER]
    if lines.height == claims.height and lines.select(ids).equals(claims.select(ids)):
        return lines.get_column(lg.LK)
    keys = lines.select(*ids, lg.LK).unique(ids)
    return claims.select(ids).join(keys, on=ids, how="left", maintain_order="left")[lg.LK]


def _empty(claims: pl.DataFrame) -> pl.DataFrame:
    status = (
        pl.when(pl.col(c.CLAIM_SUBMITTED_DATE).is_null())
        .then(pl.lit(NOT_SUBMITTED))
        .otherwise(pl.lit(UNKNOWN))
    )
    return claims.select(
        ROW,
        status.alias(LINE_STATUS),
        pl.lit(None, dtype=c.MONEY).alias(PAID_AMOUNT),
        pl.lit(None, dtype=c.MONEY).alias(ALLOWED_AMOUNT),
        pl.lit(None, dtype=c.MONEY).alias(PATIENT_RESPONSIBILITY),
        pl.lit(False).alias(LINE_UNPROCESSABLE),
        pl.lit(False).alias(LINE_DENIED_CARC_4),
    )


def unknown_status(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` with the status columns of a run without remittances (``unknown``), for lines
    that have none."""
    return lines.with_columns(
        pl.lit(UNKNOWN).alias(LINE_STATUS),
        pl.lit(None, dtype=c.MONEY).alias(PAID_AMOUNT),
        pl.lit(None, dtype=c.MONEY).alias(ALLOWED_AMOUNT),
        pl.lit(None, dtype=c.MONEY).alias(PATIENT_RESPONSIBILITY),
        pl.lit(False).alias(LINE_UNPROCESSABLE),
        pl.lit(False).alias(LINE_DENIED_CARC_4),
    )


def _adjustment_rows(ledger: lg.Ledger, which: pl.Expr) -> pl.DataFrame:
    """(rc, claim_line_number) of the ledger's adjustments where ``which`` holds;
    claim_line_number null at claim level (or for an unmatched service)."""
    rows = ledger.adjustments.filter(which)
    return rows.join(_matched(ledger, rows), on=lg.SK, how="left").select(
        lg.RC, c.CLAIM_LINE_NUMBER
    )


def _matched(ledger: lg.Ledger, rows: pl.DataFrame) -> pl.DataFrame:
    """The ledger's ``matched`` (one row per matched service line) narrowed to the service lines
    of ``rows`` (a few): a left join of ``rows`` reads no other, and would otherwise hash every
    matched service line."""
    return ledger.matched.filter(pl.col(lg.SK).is_in(rows.get_column(lg.SK).drop_nulls().implode()))


def _unprocessable_rows(ledger: lg.Ledger, remits: Remittances) -> pl.DataFrame:
    """(rc, claim_line_number) of every CO-16 adjustment and MA130 remark of the ledger's
    remittance claims; claim_line_number null at claim level (or for an unmatched service)."""
    group, reason = UNPROCESSABLE_ADJUSTMENT
    adjustments = _adjustment_rows(
        ledger, (pl.col(c.GROUP_CODE) == group) & (pl.col(c.REASON_CODE) == reason)
    )
    keys = ledger.remit_claims.select(c.REMIT_ID, c.REMIT_CLAIM_SEQ, lg.RC)
    remarks = (
        remits.remarks.filter(
            pl.col(REMARK_CODE).str.strip_chars().str.to_uppercase() == UNPROCESSABLE_REMARK
        )
        .join(keys, on=[c.REMIT_ID, c.REMIT_CLAIM_SEQ], how="inner")
        .with_columns(lg.pair_key(lg.RC, c.SVC_SEQ).alias(lg.SK))
    )
    remarks = remarks.join(_matched(ledger, remarks), on=lg.SK, how="left").select(
        lg.RC, c.CLAIM_LINE_NUMBER
    )
    return pl.concat([adjustments, remarks.cast(adjustments.schema)])


def line_status(
    claims: pl.DataFrame, remittances: Remittances | None, as_of: dt.date | None
) -> pl.DataFrame:
    """``_row`` and ``STATUS_COLUMNS`` (line_status, paid_amount, allowed_amount,
    patient_responsibility, line_unprocessable, line_denied_carc_4) for every row of ``claims``
    (canonical claim lines with ``_row``), in ``claims``' order (see the module doc)."""
    if remittances is None or as_of is None:
        return _empty(claims)
    # a claim with no submitted date that a remittance answers was submitted all the same: the
    # ledger keeps only submitted claims' remittances, so it sees such a claim as submitted on
    # as_of (the status still says not_submitted when nothing adjudicated it)
    seen = claims.with_columns(
        pl.col(c.CLAIM_SUBMITTED_DATE).fill_null(pl.lit(as_of, dtype=pl.Date))
    )
    ledger = lg.build(seen, remittances, as_of)
    reversal = pl.col(c.CLAIM_STATUS_CODE) == lg.REVERSAL
    denied = pl.col(lg.DENIED) | (
        (pl.col(c.CLAIM_STATUS_CODE) == lg.DENIED_STATUS) & (pl.col(lg.PAID) == 0)
    )
    # the entries in rc order (a remittance's adjudication after an earlier one); per line (its
    # integer key ``LK``: one per claim_id and claim_line_number) the net count and payment,
    # and the position of its latest entry that is not a reversal, whose values are gathered:
    # sums and a max over one integer key, not a filter and ``last`` per group on the strings
    entries = ledger.entries.sort(lg.RC).with_columns(
        denied.alias(_LAST_DENIED),
        pl.when(~reversal).then(pl.int_range(pl.len(), dtype=pl.UInt32)).alias(_LATEST),
    )
    per_line = entries.group_by(lg.LK).agg(
        ((~reversal).sum().cast(pl.Int64) - reversal.sum().cast(pl.Int64) > 0).alias(_ADJUDICATED),
        pl.col(lg.PAID).sum().alias(_NET_PAID),
        pl.col(_LATEST).max(),
    )
    latest = pl.col(_LATEST)
    adjudicated_lines = per_line.filter(pl.col(_ADJUDICATED)).select(
        lg.LK,
        pl.lit(entries.get_column(lg.RC)).gather(latest).alias(_LAST_RC),
        pl.lit(entries.get_column(c.CLAIM_LINE_NUMBER)).gather(latest).alias(c.CLAIM_LINE_NUMBER),
    )

    def on_latest(rows: pl.DataFrame) -> pl.Series:
        # the lines whose latest standing adjudication has one of ``rows`` (on the line or the
        # claim), by their key
        return (
            adjudicated_lines.join(
                rows.rename({c.CLAIM_LINE_NUMBER: "_at"}), left_on=_LAST_RC, right_on=lg.RC
            )
            .filter(pl.col("_at").is_null() | (pl.col("_at") == pl.col(c.CLAIM_LINE_NUMBER)))
            .get_column(lg.LK)
            .unique()
        )

    unprocessable = on_latest(_unprocessable_rows(ledger, remittances))
    carc_4 = on_latest(_adjustment_rows(ledger, pl.col(c.REASON_CODE) == MODIFIER_DENIAL_REASON))
    joined = (
        claims.select(ROW, c.CLAIM_SUBMITTED_DATE)
        .with_columns(_line_keys(claims, ledger))
        .join(per_line, on=lg.LK, how="left", maintain_order="left")
        .with_columns(
            # what the patient owes now: the PR of the latest adjudication (a secondary payer
            # that paid the coinsurance of a crossover claim leaves none); its allowed amount
            *(
                pl.lit(entries.get_column(name)).gather(latest).alias(name)
                for name in (lg.PR, lg.ALLOWED, _LAST_DENIED)
            ),
            pl.col(lg.LK).is_in(unprocessable.implode()).alias(LINE_UNPROCESSABLE),
            pl.col(lg.LK).is_in(carc_4.implode()).alias(LINE_DENIED_CARC_4),
        )
        .rename({lg.PR: PATIENT_RESPONSIBILITY, lg.ALLOWED: ALLOWED_AMOUNT})
    )
    adjudicated = pl.col(_ADJUDICATED).fill_null(False)
    status = (
        pl.when(adjudicated & (pl.col(_NET_PAID) == 0) & pl.col(_LAST_DENIED).fill_null(False))
        .then(pl.lit(DENIED))
        .when(adjudicated)
        .then(pl.lit(PAID))
        .when(pl.col(c.CLAIM_SUBMITTED_DATE).is_null())
        .then(pl.lit(NOT_SUBMITTED))
        .otherwise(pl.lit(PENDING))
    )
    return joined.select(
        ROW,
        status.alias(LINE_STATUS),
        pl.col(_NET_PAID).fill_null(0).cast(c.MONEY).alias(PAID_AMOUNT),
        pl.when(adjudicated).then(pl.col(ALLOWED_AMOUNT)).cast(c.MONEY).alias(ALLOWED_AMOUNT),
        pl.when(adjudicated)
        .then(pl.col(PATIENT_RESPONSIBILITY))
        .otherwise(0)
        .fill_null(0)
        .cast(c.MONEY)
        .alias(PATIENT_RESPONSIBILITY),
        (pl.col(LINE_UNPROCESSABLE).fill_null(False) & (status == DENIED)).alias(
            LINE_UNPROCESSABLE
        ),
        (pl.col(LINE_DENIED_CARC_4).fill_null(False) & (status == DENIED)).alias(
            LINE_DENIED_CARC_4
        ),
    )


# --- exposure ------------------------------------------------------------------------------

#: DESIGN §4 "underpayment": the findings whose correction would pay more, for Medicare,
#: whatever their severity — PS002's clause of POS 02 for a patient at home (POS 02 is priced
#: at the facility rate, POS 10 at the non-facility rate) and PS004 (POS 02/10 in 2020–2023, paid
#: at the facility rate where the in-person POS + 95 was paid the non-facility rate). Keyed by
#: rule code: the clause's condition.
#: DESIGN §4: "MD004 with a CARC 4 denial is denied" — a warning whose line the payer denied
#: for the modifier
DENIED_WITH_CARC_4 = ("MD004",)

UNDERPAYMENT_CLAUSES: dict[str, Callable[[], pl.Expr]] = {
    "PS002": lambda: (pl.col(c.PLACE_OF_SERVICE_CODE) == "02") & (v.enc_patient_location == "home"),
    "PS004": lambda: pl.lit(True),
}


def exposure(code: str, severity: pl.Expr) -> pl.Expr:
    """The exposure of a finding of rule ``code`` with ``severity`` on the line (reads
    ``line_status``): underpayment for the clauses of ``UNDERPAYMENT_CLAUSES`` on Medicare lines
    not denied; denied for ``DENIED_WITH_CARC_4`` rules on a line denied with CARC 4; otherwise
    overpayment (error, paid), denied (error, denied), at_risk (error,
    not_submitted/pending/unknown), none (warnings and info)."""
    status = pl.col(LINE_STATUS)
    by_status = (
        pl.when(severity != "error")
        .then(pl.lit(NONE))
        .when(status == PAID)
        .then(pl.lit(OVERPAYMENT))
        .when(status == DENIED)
        .then(pl.lit(DENIED))
        .otherwise(pl.lit(AT_RISK))
    )
    if code in DENIED_WITH_CARC_4:
        by_status = (
            pl.when(pl.col(LINE_DENIED_CARC_4).fill_null(False))
            .then(pl.lit(DENIED))
            .otherwise(by_status)
        )
    clause = UNDERPAYMENT_CLAUSES.get(code)
    if clause is None:
        return by_status
    underpaid = v.is_medicare.fill_null(False) & clause().fill_null(False) & (status != DENIED)
    return pl.when(underpaid).then(pl.lit(UNDERPAYMENT)).otherwise(by_status)


# --- the amount of an exposure (DESIGN §4 "Money: what at risk means") ----------------------

EXPOSURE_AMOUNT = "exposure_amount"
AMOUNT_BASIS = "amount_basis"
BASES = ("paid", "allowed", "expected_fee", "fee_schedule", "charge", "none")
_ZERO = pl.lit(Decimal("0.00"), dtype=c.MONEY)


def _non_negative(amount: pl.Expr) -> pl.Expr:
    return pl.when(amount > 0).then(amount).otherwise(_ZERO)


def exposure_amount(exposure_: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The amount of a finding's exposure and what it was computed from (``amount_basis``).

    Reads the line's status columns and ``telekit._engine._pricing``'s columns:

    - overpayment: paid_amount + the patient's responsibility on the line (``paid``);
    - denied, at_risk: the expected fee (``expected_fee``), else the Medicare fee-schedule amount
      (``fee_schedule``), else the charge (``charge``);
    - underpayment: the code's non-facility fee-schedule amount (what the correct billing pays)
      minus the line's allowed amount (``allowed``), or minus its own fee-schedule amount when
      it has no allowed amount (``fee_schedule``), never below 0; 0 (``none``) when the fee
      schedule does not price the code on the DOS;
    - none: 0 (``none``).
    """
    charge = pl.col(c.CHARGE_AMOUNT).cast(c.MONEY)
    fee, schedule = pl.col(EXPECTED_FEE), pl.col(EXPECTED_ALLOWED)
    correct = pl.col(PFS_NON_FACILITY)
    allowed = pl.col(ALLOWED_AMOUNT)
    paid_back = pl.col(PAID_AMOUNT).fill_null(0) + pl.col(PATIENT_RESPONSIBILITY).fill_null(0)
    open_amount = pl.coalesce(fee, schedule, charge)
    open_basis = (
        pl.when(fee.is_not_null())
        .then(pl.lit("expected_fee"))
        .when(schedule.is_not_null())
        .then(pl.lit("fee_schedule"))
        .otherwise(pl.lit("charge"))
    )
    base = pl.coalesce(allowed, schedule)
    under_basis = (
        pl.when(correct.is_null() | base.is_null())
        .then(pl.lit("none"))
        .when(allowed.is_not_null())
        .then(pl.lit("allowed"))
        .otherwise(pl.lit("fee_schedule"))
    )
    amount = (
        pl.when(exposure_ == OVERPAYMENT)
        .then(paid_back)
        .when(exposure_.is_in([DENIED, AT_RISK]))
        .then(open_amount)
        .when((exposure_ == UNDERPAYMENT) & correct.is_not_null() & base.is_not_null())
        .then(_non_negative(correct - base))
        .otherwise(_ZERO)
        .cast(c.MONEY)
    )
    basis = (
        pl.when(exposure_ == OVERPAYMENT)
        .then(pl.lit("paid"))
        .when(exposure_.is_in([DENIED, AT_RISK]))
        .then(open_basis)
        .when(exposure_ == UNDERPAYMENT)
        .then(under_basis)
        .otherwise(pl.lit("none"))
    )
    return amount, basis


# --- the suggested fix ---------------------------------------------------------------------

AT_RISK_FIX = "correct the line before (re)submission"
DENIED_NEW_CLAIM_FIX = (
    "denied as unprocessable (CO-16/MA130), which has no appeal rights: submit a new claim with "
    "the line corrected"
)
DENIED_MEDICARE_FIX = (
    "denied: Medicare Part B takes no frequency-7 corrections; correct the line through a "
    "reopening (clerical error) or an appeal (redetermination, within 120 days of the notice, "
    "42 CFR 405.942)"
)
DENIED_OTHER_FIX = (
    "denied: correct the line and send a replacement claim (frequency 7, the payer's claim "
    "number in REF*F8)"
)
_RETURN = "report and return the overpayment within 60 days of identifying it"
OVERPAYMENT_MEDICARE_FIX = (
    f"paid in error: {_RETURN} (SSA §1128J(d), 42 CFR 401.305) through a voluntary refund or a "
    "reopening, and refund the patient's share (coinsurance, deductible) collected"
)
OVERPAYMENT_FEDERAL_FIX = (
    f"paid in error: {_RETURN} (SSA §1128J(d)) as the plan directs, and refund the patient's "
    "share collected"
)
OVERPAYMENT_OTHER_FIX = (
    "paid in error: refund the overpayment to the payer as its contract requires, and refund "
    "the patient's share collected"
)
UNDERPAYMENT_PAID_FIX = (
    "paid less than the correct billing pays: request a reopening to be paid correctly "
    "(Medicare Part B: within one year of the initial determination); otherwise nothing is owed"
)
UNDERPAYMENT_OPEN_FIX = "correct the line before (re)submission to be paid correctly"


def _then(prefix: str, fix: pl.Expr) -> pl.Expr:
    """``prefix``, then ``": "`` and the rule's own fix when it has one."""
    return (
        pl.when(fix.is_null())
        .then(pl.lit(prefix))
        .otherwise(pl.concat_str(pl.lit(prefix + ". Correct billing: "), fix))
        if prefix.startswith(("paid", "denied"))
        else pl.when(fix.is_null())
        .then(pl.lit(prefix))
        .otherwise(pl.concat_str(pl.lit(prefix + ": "), fix))
    )


def suggested_fix(exposure_: pl.Expr, fix: pl.Expr) -> pl.Expr:
    """The rule's own ``fix`` composed with what the finding's exposure asks (DESIGN §5): at_risk
    — correct before (re)submission; denied — a new claim (CO-16/MA130), a reopening or appeal
    (Medicare Part B) or a replacement claim (frequency 7); overpayment — report and return, and
    refund the patient's share; underpayment — a reopening to be paid correctly; none — the
    rule's fix. Reads line_status, line_unprocessable and payer_type."""
    payer_type = pl.col(c.PAYER_TYPE)
    status = pl.col(LINE_STATUS)
    return (
        pl.when(exposure_ == AT_RISK)
        .then(_then(AT_RISK_FIX, fix))
        .when((exposure_ == DENIED) & pl.col(LINE_UNPROCESSABLE).fill_null(False))
        .then(_then(DENIED_NEW_CLAIM_FIX, fix))
        .when((exposure_ == DENIED) & (payer_type == "medicare"))
        .then(_then(DENIED_MEDICARE_FIX, fix))
        .when(exposure_ == DENIED)
        .then(_then(DENIED_OTHER_FIX, fix))
        .when((exposure_ == OVERPAYMENT) & (payer_type == "medicare"))
        .then(_then(OVERPAYMENT_MEDICARE_FIX, fix))
        .when((exposure_ == OVERPAYMENT) & payer_type.is_in(["medicare_advantage", "medicaid"]))
        .then(_then(OVERPAYMENT_FEDERAL_FIX, fix))
        .when(exposure_ == OVERPAYMENT)
        .then(_then(OVERPAYMENT_OTHER_FIX, fix))
        .when((exposure_ == UNDERPAYMENT) & status.is_in([PAID, DENIED]))
        .then(_then(UNDERPAYMENT_PAID_FIX, fix))
        .when(exposure_ == UNDERPAYMENT)
        .then(_then(UNDERPAYMENT_OPEN_FIX, fix))
        .otherwise(fix)
    )
