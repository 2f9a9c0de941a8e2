"""The ledger every metric reads: claim lines as of a date, each remittance claim (CLP) matched
to its claim, each remittance service line (SVC) matched to its claim line, and one entry per
(remittance claim, claim line) with what that remittance paid and adjusted on the line.

Matching (DESIGN §3 remittances; ``telekit._core._matching``): a remittance claim belongs to
the claim with its CLP01 (``claim_id``). A service line matches the claim line with the same
``line_control_number`` (REF*6R; used when it is unique within the claim); otherwise the claim
line with the same hcpcs_code, modifier set (order ignored) and service date (any date when the
remittance gives none) — SVC06, the submitted code and modifiers, when the remittance has it —
paired in svc_seq / claim_line_number order when several qualify. A claim line is matched at
most once within one remittance claim.

Claim-level money: the paid amount and adjustments of a remittance claim with no service line
(``svc_seq`` null), claim-level adjustments (CAS in loop 2100), and the service lines that match
no claim line, apply to the claim. Where a figure is per line (A/R, line denial, a line-level
``by``) they are spread over the claim's lines in proportion to the lines' charges (equally
when the claim's charges are 0), rounded to the cent, the last line taking the remainder so that
the parts add up exactly to the claim-level amount. A claim-level adjustment counts as an
adjustment of every line of the claim for the denial test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from telekit._core import _columns as c
from telekit._core._matching import match_service_lines
from telekit._core._remittances import Remittances
from telekit._policies._model import Policies

WORK = pl.Decimal(38, 2)  # money while summing; outputs are cast to ``MONEY``

# --- internal column names -------------------------------------------------------------------
RC = "rc"  # integer id of a remittance claim (remit_id, remit_claim_seq)
CK = "ck"  # integer id of a claim (claim_id)
SUBMITTED = "submitted"  # the claim's submission date (earliest of its lines)
CLAIM_DOS = "claim_dos"  # the claim's DOS: its earliest line's
CLAIM_PAYER = "claim_payer"  # the claim's payer: its first line's
CLAIM_PAYER_TYPE = "claim_payer_type"
SHARE = "share"  # the line's share of its claim's charges
IS_LAST = "is_last"  # the claim's last line (takes the rounding remainder)
CLP_PAID = "clp_paid"  # CLP04: what the remittance claim paid
PAID = "paid"
ADJ = "adjusted"
CO = "co_adjusted"
PR = "pr_adjusted"  # patient responsibility (group PR): deductible, coinsurance, copay
ALLOWED = "allowed"  # AMT*B6 of the service lines matched to the line (null when none gives it)
DENIAL_ADJ = "denial_adjustment"  # an adjustment other than PR 1/2/3, CO 45, CO 253
DENIED = "denied"
ADJ_ROW = "adjustment_row"
SK = "svc_key"  # one key for (rc, svc_seq)
EK = "entry_key"  # one key for (rc, claim_line_number)
LK = "line_key"  # one key for (ck, claim_line_number)
_SHIFT = 2**32
_OFFSET = 2**31

REVERSAL = "22"  # CLP02: reversal of previous payment
DENIED_STATUS = "4"  # CLP02: denied
REPLACEMENT = "7"  # claim frequency: replacement of a prior claim
EXEMPT_ADJUSTMENTS = ("PR|1", "PR|2", "PR|3", "CO|45", "CO|253")
CONTRACTUAL = "CO"
PATIENT = "PR"


@dataclass(frozen=True)
class Ledger:
    """Claim lines and remittances as of ``as_of``.

    - ``lines``: claim lines of claims submitted on or before ``as_of`` or with no submission
      date, with ``ck`` (an integer per claim), the claim's submitted date, DOS, payer and
      payer_type, and the line's charge share;
    - ``remit_claims``: remittance claims of those (submitted) claims paid on or before
      ``as_of``, with ``rc`` (ordered by ck, payment_date, remit_id, remit_claim_seq, so that
      within a claim a lower rc is an earlier remittance);
    - ``entries``: one row per (remittance claim, line of its claim), ordered by rc: rc, ck,
      claim_id, claim_line_number, payment_date, claim_status_code, share, is_last, paid,
      adjusted (every group), co_adjusted, pr_adjusted, allowed (AMT*B6 of the matched
      service lines; claim-level money has none), denied;
    - ``adjustments``: adjustments of those remittance claims: adjustment_row, rc, svc_key
      (null at claim level), group_code, reason_code, amount, denial_adjustment;
    - ``matched``: svc_key → claim_line_number for the service lines that match a claim line
      (an adjustment or service line whose svc_key is not here counts at claim level).
    """

    as_of: dt.date
    lines: pl.DataFrame
    remit_claims: pl.DataFrame
    entries: pl.DataFrame
    adjustments: pl.DataFrame
    matched: pl.DataFrame


def pair_key(high: str, low: str) -> pl.Expr:
    """One UInt64 key for a pair (a row index, an Int32 number): joins and groups on one
    integer column are much faster than on two."""
    return pl.col(high).cast(pl.UInt64) * _SHIFT + (pl.col(low).cast(pl.Int64) + _OFFSET).cast(
        pl.UInt64
    )


def non_exempt(group: pl.Expr, reason: pl.Expr) -> pl.Expr:
    """True for an adjustment that marks a zero-paid line as denied."""
    return ~pl.concat_str(group, pl.lit("|"), reason).is_in(EXEMPT_ADJUSTMENTS)


def allocate(amount: pl.Expr, group: str | list[str]) -> pl.Expr:
    """Spread ``amount`` (the same on every row of ``group``) over the rows by ``SHARE``, to the
    cent, the ``IS_LAST`` row taking the remainder: the parts add up to ``amount`` exactly."""
    prov = (amount.cast(pl.Float64) * pl.col(SHARE)).round(2).cast(WORK)
    rest = amount.cast(WORK) - (prov.sum().over(group) - prov)
    return pl.when(pl.col(IS_LAST)).then(rest).otherwise(prov)


def _claim_lines(claims: pl.DataFrame, as_of: dt.date, policies: Policies | None) -> pl.DataFrame:
    lines = claims.select(
        c.CLAIM_ID,
        c.CLAIM_LINE_NUMBER,
        c.PERSON_ID,
        c.PAYER,
        c.PAYER_TYPE,
        c.CLAIM_FREQUENCY_CODE,
        c.ORIGINAL_CLAIM_ID,
        c.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER,
        c.RENDERING_NPI,
        c.CLAIM_LINE_START_DATE,
        c.CLAIM_SUBMITTED_DATE,
        c.PLACE_OF_SERVICE_CODE,
        c.HCPCS_CODE,
        *c.MODIFIERS,
        c.CHARGE_AMOUNT,
        c.ENCOUNTER_ID,
        c.LINE_CONTROL_NUMBER,
    )
    if policies is not None:
        lines = lines.with_columns(policies.payer_key(c.PAYER).alias(c.PAYER))
    weight = pl.max_horizontal(pl.col(c.CHARGE_AMOUNT).cast(pl.Float64), pl.lit(0.0))
    first = pl.col(c.CLAIM_LINE_NUMBER).arg_min()
    heads = (
        lines.group_by(c.CLAIM_ID)
        .agg(
            pl.col(c.CLAIM_SUBMITTED_DATE).min().alias(SUBMITTED),
            pl.col(c.CLAIM_LINE_START_DATE).min().alias(CLAIM_DOS),
            pl.col(c.PAYER).get(first).alias(CLAIM_PAYER),
            pl.col(c.PAYER_TYPE).get(first).alias(CLAIM_PAYER_TYPE),
            weight.sum().alias("_total"),
            pl.len().alias("_n"),
            pl.col(c.CLAIM_LINE_NUMBER).max().alias("_last"),
        )
        .filter(pl.col(SUBMITTED).is_null() | (pl.col(SUBMITTED) <= as_of))
        .with_row_index(CK)
    )
    return lines.join(heads, on=c.CLAIM_ID, how="inner", maintain_order="left").select(
        pl.exclude("_total", "_n", "_last"),
        pl.when(pl.col("_total") > 0)
        .then(weight / pl.col("_total"))
        .otherwise(1.0 / pl.col("_n"))
        .alias(SHARE),
        (pl.col(c.CLAIM_LINE_NUMBER) == pl.col("_last")).alias(IS_LAST),
        pair_key(CK, c.CLAIM_LINE_NUMBER).alias(LK),
    )


def _remit_claims(remits: Remittances, lines: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    # one row per claim: its last line
    submitted = lines.filter(pl.col(IS_LAST), pl.col(SUBMITTED).is_not_null()).select(
        c.CLAIM_ID, CK
    )
    return (
        remits.claims.select(
            c.REMIT_ID,
            c.REMIT_CLAIM_SEQ,
            c.CLAIM_ID,
            c.CLAIM_STATUS_CODE,
            c.PAYER_CLAIM_CONTROL_NUMBER,
            c.PAYMENT_DATE,
            pl.col(c.PAID_AMOUNT).cast(WORK).fill_null(0).alias(CLP_PAID),
        )
        .filter(pl.col(c.PAYMENT_DATE).is_not_null(), pl.col(c.PAYMENT_DATE) <= as_of)
        .join(submitted, on=c.CLAIM_ID, how="inner")
        .sort(CK, c.PAYMENT_DATE, c.REMIT_ID, c.REMIT_CLAIM_SEQ)
        .with_row_index(RC)
    )


def build(
    claims: pl.DataFrame,
    remits: Remittances,
    as_of: dt.date,
    *,
    policies: Policies | None = None,
) -> Ledger:
    """The ledger of ``claims`` (canonical claim lines) and ``remits`` as of ``as_of``; with
    ``policies`` the lines' payer is the payer key (trimmed, upper-cased, aliases mapped)."""
    lines = _claim_lines(claims, as_of, policies)
    rc = _remit_claims(remits, lines, as_of)
    rc_keys = rc.select(c.REMIT_ID, c.REMIT_CLAIM_SEQ, RC, CK)
    zero = pl.lit(0, WORK)

    services = (
        remits.lines.filter(pl.col(c.SVC_SEQ).is_not_null())
        .select(
            c.REMIT_ID,
            c.REMIT_CLAIM_SEQ,
            c.SVC_SEQ,
            c.LINE_CONTROL_NUMBER,
            c.HCPCS_CODE,
            *c.MODIFIERS,
            c.SUBMITTED_HCPCS_CODE,
            *c.SUBMITTED_MODIFIERS,
            c.SERVICE_DATE,
            pl.col(c.PAID_AMOUNT).cast(WORK).fill_null(0).alias(PAID),
            pl.col(c.ALLOWED_AMOUNT).cast(WORK).alias(ALLOWED),
        )
        .join(rc_keys, on=[c.REMIT_ID, c.REMIT_CLAIM_SEQ], how="inner")
    )
    matched = match_service_lines(services, lines, remit_key=(RC,), claim_key=CK).select(
        pair_key(RC, c.SVC_SEQ).alias(SK), c.CLAIM_LINE_NUMBER
    )
    claim_rows = (  # remittance claims without service lines: their paid amount
        remits.lines.filter(pl.col(c.SVC_SEQ).is_null())
        .select(c.REMIT_ID, c.REMIT_CLAIM_SEQ, pl.col(c.PAID_AMOUNT).cast(WORK).fill_null(0))
        .join(rc_keys, on=[c.REMIT_ID, c.REMIT_CLAIM_SEQ], how="inner")
        .select(RC, pl.col(c.PAID_AMOUNT).alias(PAID))
    )

    adjustments = (
        remits.adjustments.select(
            c.REMIT_ID,
            c.REMIT_CLAIM_SEQ,
            c.SVC_SEQ,
            c.LEVEL,
            c.GROUP_CODE,
            c.REASON_CODE,
            pl.col(c.AMOUNT).cast(WORK),
        )
        .join(rc_keys.drop(CK), on=[c.REMIT_ID, c.REMIT_CLAIM_SEQ], how="inner")
        .with_row_index(ADJ_ROW)
        .select(
            ADJ_ROW,
            RC,
            pl.when((pl.col(c.LEVEL) != "claim") & pl.col(c.SVC_SEQ).is_not_null())
            .then(pair_key(RC, c.SVC_SEQ))
            .otherwise(None)
            .alias(SK),
            c.GROUP_CODE,
            c.REASON_CODE,
            c.AMOUNT,
            non_exempt(pl.col(c.GROUP_CODE), pl.col(c.REASON_CODE)).alias(DENIAL_ADJ),
        )
    )
    co_amount = pl.when(pl.col(c.GROUP_CODE) == CONTRACTUAL).then(pl.col(c.AMOUNT)).otherwise(zero)
    pr_amount = pl.when(pl.col(c.GROUP_CODE) == PATIENT).then(pl.col(c.AMOUNT)).otherwise(zero)
    sums = [pl.col(PAID, ADJ, CO, PR).sum(), pl.col(DENIAL_ADJ).any()]

    # per service line: paid, adjusted, CO-adjusted, a denial adjustment; then its claim line
    by_service = (
        services.select(pair_key(RC, c.SVC_SEQ).alias(SK), PAID, ALLOWED)
        .join(
            adjustments.filter(pl.col(SK).is_not_null())
            .group_by(SK)
            .agg(
                pl.col(c.AMOUNT).sum().alias(ADJ),
                co_amount.sum().alias(CO),
                pr_amount.sum().alias(PR),
                pl.col(DENIAL_ADJ).any(),
            ),
            on=SK,
            how="full",
            coalesce=True,
        )
        .join(matched, on=SK, how="left")
        .with_columns(
            (pl.col(SK) // _SHIFT).cast(pl.UInt32).alias(RC),
            pl.col(PAID, ADJ, CO, PR).fill_null(zero),
            pl.col(DENIAL_ADJ).fill_null(False),
        )
    )
    direct = (
        by_service.filter(pl.col(c.CLAIM_LINE_NUMBER).is_not_null())
        .group_by(pair_key(RC, c.CLAIM_LINE_NUMBER).alias(EK))
        .agg(
            *sums,
            pl.col(ALLOWED).sum().alias(ALLOWED),
            pl.col(ALLOWED).is_not_null().any().alias("_has_allowed"),
        )
        .with_columns(pl.when(pl.col("_has_allowed")).then(pl.col(ALLOWED)).alias(ALLOWED))
        .drop("_has_allowed")
    )
    pool = (
        pl.concat(
            [
                by_service.filter(pl.col(c.CLAIM_LINE_NUMBER).is_null()).select(
                    RC, PAID, ADJ, CO, PR, DENIAL_ADJ
                ),
                claim_rows.select(
                    RC, PAID, zero.alias(ADJ), zero.alias(CO), zero.alias(PR),
                    pl.lit(False).alias(DENIAL_ADJ),
                ),
                adjustments.filter(pl.col(SK).is_null()).select(
                    RC, zero.alias(PAID), pl.col(c.AMOUNT).alias(ADJ), co_amount.alias(CO),
                    pr_amount.alias(PR), DENIAL_ADJ,
                ),
            ]
        )
        .group_by(RC)
        .agg(sums)
    )  # fmt: skip

    slots = (
        rc.select(RC, CK, c.CLAIM_ID, c.PAYMENT_DATE, c.CLAIM_STATUS_CODE)
        .join(
            lines.select(CK, c.CLAIM_LINE_NUMBER, LK, SHARE, IS_LAST),
            on=CK,
            how="inner",
            maintain_order="left",
        )
        .with_columns(pair_key(RC, c.CLAIM_LINE_NUMBER).alias(EK))
    )
    spread = (
        slots.select(RC, EK, SHARE, IS_LAST)
        .join(pool, on=RC, how="inner")
        .select(
            EK,
            *(allocate(pl.col(m), RC).alias(f"_pool_{m}") for m in (PAID, ADJ, CO, PR)),
            pl.col(DENIAL_ADJ).alias(f"_pool_{DENIAL_ADJ}"),
        )
    )
    entries = (
        slots.join(direct, on=EK, how="left", maintain_order="left")
        .join(spread, on=EK, how="left", maintain_order="left")
        .select(
            RC,
            CK,
            LK,
            c.CLAIM_ID,
            c.CLAIM_LINE_NUMBER,
            c.PAYMENT_DATE,
            c.CLAIM_STATUS_CODE,
            SHARE,
            IS_LAST,
            *(
                (pl.col(m).fill_null(zero) + pl.col(f"_pool_{m}").fill_null(zero)).alias(m)
                for m in (PAID, ADJ, CO, PR)
            ),
            pl.col(ALLOWED),
            (
                pl.col(DENIAL_ADJ).fill_null(False) | pl.col(f"_pool_{DENIAL_ADJ}").fill_null(False)
            ).alias(DENIAL_ADJ),
        )
        .with_columns(((pl.col(PAID) == 0) & pl.col(DENIAL_ADJ)).alias(DENIED))
        .drop(DENIAL_ADJ)
    )
    return Ledger(
        as_of=as_of,
        lines=lines,
        remit_claims=rc,
        entries=entries,
        adjustments=adjustments,
        matched=matched,
    )
