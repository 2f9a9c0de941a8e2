"""Units: the claim (or the claim line, when ``by`` has a line-level key) with everything the
revenue-cycle figures need, computed once from the ledger."""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._core._remittances import Remittances
from telekit._engine import _ledger as lg
from telekit.metrics._inputs import MONTH, with_modality

# --- unit columns ----------------------------------------------------------------------------
UNIT_DOS = "unit_dos"
BILLED = "billed"
PATIENT_PAID = "patient_paid"
AR = "ar"
ADJUDICATED = "adjudicated"
INITIALLY_DENIED = "initially_denied"
RESOLVED_FIRST = "resolved_first"
PAY_DATE = "pay_date"  # payment_date of the first remittance that paid more than zero
CLEAN = "clean"  # no error finding (null: not audited)

FIRST_RC = "first_rc"
FIRST_DATE = "first_date"
FIRST_STATUS = "first_status"
FIRST_CLP_PAID = "first_clp_paid"
FIRST_PAID = "first_paid"
FIRST_DENIED = "first_denied"
REVERSED = "reversed"
REPLACED = "replaced"
CLAIM_PAY_DATE = "claim_pay_date"
LINE_PAY_DATE = "line_pay_date"


def _claim_events(ledger: lg.Ledger, remits: Remittances) -> pl.DataFrame:
    """Per claim (ck): its first adjudication (rc, date, CLP02, CLP04), whether a reversal or a
    replacement dated on or after it exists on or before as_of, and the first date a remittance
    paid more than 0."""
    adjudication = pl.col(c.CLAIM_STATUS_CODE) != lg.REVERSAL
    date = pl.col(c.PAYMENT_DATE)
    # remit_claims is ordered by (ck, payment_date, remit_id, remit_claim_seq): the first
    # non-reversal row of a claim is its first adjudication
    events = (
        ledger.remit_claims.group_by(lg.CK)
        .agg(
            pl.col(lg.RC).filter(adjudication).first().alias(FIRST_RC),
            date.filter(adjudication).first().alias(FIRST_DATE),
            pl.col(c.CLAIM_STATUS_CODE).filter(adjudication).first().alias(FIRST_STATUS),
            pl.col(lg.CLP_PAID).filter(adjudication).first().alias(FIRST_CLP_PAID),
            date.filter(~adjudication).max().alias("_last_reversal"),
            date.filter(pl.col(lg.CLP_PAID) > 0).min().alias(CLAIM_PAY_DATE),
        )
        .with_columns((pl.col("_last_reversal") >= pl.col(FIRST_DATE)).alias(REVERSED))
        .drop("_last_reversal")
    )
    icn_claim = "_icn_claim"
    icns = (
        remits.claims.filter(pl.col(c.PAYER_CLAIM_CONTROL_NUMBER).is_not_null())
        .select(c.PAYER_CLAIM_CONTROL_NUMBER, pl.col(c.CLAIM_ID).alias(icn_claim))
        .unique(c.PAYER_CLAIM_CONTROL_NUMBER, keep="first", maintain_order=True)
    )
    claim_keys = ledger.lines.filter(pl.col(lg.IS_LAST)).select(c.CLAIM_ID, lg.CK)
    replaced = (
        ledger.lines.filter(
            pl.col(c.CLAIM_FREQUENCY_CODE) == lg.REPLACEMENT, pl.col(lg.SUBMITTED).is_not_null()
        )
        .select(c.ORIGINAL_CLAIM_ID, c.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER, lg.SUBMITTED)
        .unique()
        .join(
            icns,
            left_on=c.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER,
            right_on=c.PAYER_CLAIM_CONTROL_NUMBER,
            how="left",
        )
        .select(
            pl.coalesce(c.ORIGINAL_CLAIM_ID, icn_claim).alias(c.CLAIM_ID),
            pl.col(lg.SUBMITTED).alias("_replaced_on"),
        )
        .join(claim_keys, on=c.CLAIM_ID)
        .join(events.select(lg.CK, FIRST_DATE), on=lg.CK)
        .filter(pl.col("_replaced_on") >= pl.col(FIRST_DATE))
        .select(lg.CK)
        .unique()
        .with_columns(pl.lit(True).alias(REPLACED))
    )
    return events.join(replaced, on=lg.CK, how="left").with_columns(
        pl.col(REVERSED, REPLACED).fill_null(False)
    )


def line_table(
    ledger: lg.Ledger,
    remits: Remittances,
    *,
    patient_payments: pl.DataFrame | None,
) -> pl.DataFrame:
    """One row per claim line of the ledger with its totals as of ``as_of`` and its claim's
    first-adjudication facts."""
    adjudication = pl.col(c.CLAIM_STATUS_CODE) != lg.REVERSAL
    # entries are ordered by rc: within a line, the first non-reversal entry is the one of its
    # claim's first adjudication
    totals = ledger.entries.group_by(lg.LK).agg(
        pl.col(lg.PAID).sum(),
        pl.col(lg.ADJ).sum(),
        pl.col(lg.CO).sum(),
        pl.col(c.PAYMENT_DATE).filter(pl.col(lg.PAID) > 0).min().alias(LINE_PAY_DATE),
        pl.col(lg.PAID).filter(adjudication).first().alias(FIRST_PAID),
        pl.col(lg.DENIED).filter(adjudication).first().alias(FIRST_DENIED),
    )
    events = _claim_events(ledger, remits)
    zero = pl.lit(0, lg.WORK)
    lines = (
        ledger.lines.join(totals, on=lg.LK, how="left", maintain_order="left")
        .join(events, on=lg.CK, how="left", maintain_order="left")
        .with_columns(
            pl.col(lg.PAID, lg.ADJ, lg.CO).fill_null(zero),
            pl.col(REVERSED, REPLACED).fill_null(False),
            pl.col(c.CHARGE_AMOUNT).cast(lg.WORK).alias(BILLED),
        )
    )
    claim_paid = "_claim_patient_paid"
    if patient_payments is not None and patient_payments.height:
        paid = (
            patient_payments.filter(
                pl.col(c.PAYMENT_DATE).is_not_null(), pl.col(c.PAYMENT_DATE) <= ledger.as_of
            )
            .group_by(c.CLAIM_ID)
            .agg(pl.col(c.AMOUNT).cast(lg.WORK).sum().alias(claim_paid))
        )
        spread = (
            lines.select(c.CLAIM_ID, lg.CK, lg.LK, lg.SHARE, lg.IS_LAST)
            .join(paid, on=c.CLAIM_ID, how="inner")
            .select(lg.LK, lg.allocate(pl.col(claim_paid), lg.CK).alias(PATIENT_PAID))
        )
        lines = lines.join(spread, on=lg.LK, how="left", maintain_order="left").with_columns(
            pl.col(PATIENT_PAID).fill_null(zero)
        )
    else:
        lines = lines.with_columns(zero.alias(PATIENT_PAID))
    return lines.with_columns(
        pl.max_horizontal(zero, pl.col(BILLED) - pl.col(lg.PAID) - pl.col(lg.ADJ)).alias(AR),
        pl.col(FIRST_RC).is_not_null().alias(ADJUDICATED),
    )


def _clean_flags(
    units: pl.DataFrame, audited: pl.DataFrame, errors: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    return (
        units.join(
            audited.select(keys).unique().with_columns(pl.lit(True).alias("_audited")),
            on=keys,
            how="left",
            maintain_order="left",
        )
        .join(
            errors.select(keys).unique().with_columns(pl.lit(True).alias("_error")),
            on=keys,
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.when(pl.col("_audited").fill_null(False))
            .then(pl.col("_error").is_null())
            .otherwise(None)
            .alias(CLEAN)
        )
        .drop("_audited", "_error")
    )


def line_units(
    lines: pl.DataFrame,
    *,
    encounters: pl.DataFrame | None,
    audited: pl.DataFrame | None,
    errors: pl.DataFrame | None,
) -> pl.DataFrame:
    """Units = claim lines. A line is initially denied when its claim's first adjudication has
    CLP02 4 or the line is denied in it; first pass when the line was paid more than 0 in it and
    its claim has no later reversal or replacement."""
    out = lines.with_columns(
        pl.col(c.CLAIM_LINE_START_DATE).alias(UNIT_DOS),
        pl.col(c.CLAIM_LINE_START_DATE).dt.month_start().alias(MONTH),
        (
            pl.col(ADJUDICATED)
            & ((pl.col(FIRST_STATUS) == lg.DENIED_STATUS) | pl.col(FIRST_DENIED).fill_null(False))
        ).alias(INITIALLY_DENIED),
        (
            pl.col(ADJUDICATED)
            & (pl.col(FIRST_PAID).fill_null(0) > 0)
            & ~pl.col(REVERSED)
            & ~pl.col(REPLACED)
        ).alias(RESOLVED_FIRST),
        pl.col(LINE_PAY_DATE).alias(PAY_DATE),
    )
    if encounters is not None:
        out = with_modality(out, encounters)
    if audited is not None and errors is not None:
        out = _clean_flags(out, audited, errors, [c.CLAIM_ID, c.CLAIM_LINE_NUMBER])
    else:
        out = out.with_columns(pl.lit(None, pl.Boolean).alias(CLEAN))
    return out


def claim_units(
    lines: pl.DataFrame, *, audited: pl.DataFrame | None, errors: pl.DataFrame | None
) -> pl.DataFrame:
    """Units = claims: DOS its earliest line's, payer and payer_type its first line's. A claim is
    initially denied when its first adjudication has CLP02 4, or CLP04 0 and every one of its
    lines denied; first pass when that adjudication paid more than 0 and no later reversal or
    replacement exists."""
    claims = lines.group_by(lg.CK).agg(
        pl.col(c.CLAIM_ID).first(),
        pl.col(lg.SUBMITTED).first(),
        pl.col(lg.CLAIM_DOS).first().alias(UNIT_DOS),
        pl.col(lg.CLAIM_PAYER).first().alias(c.PAYER),
        pl.col(lg.CLAIM_PAYER_TYPE).first().alias(c.PAYER_TYPE),
        pl.col(BILLED).sum(),
        pl.col(lg.PAID).sum(),
        pl.col(lg.CO).sum(),
        pl.col(PATIENT_PAID).sum(),
        pl.col(AR).sum(),
        pl.col(ADJUDICATED).first(),
        pl.col(FIRST_STATUS).first(),
        pl.col(FIRST_CLP_PAID).first(),
        pl.col(FIRST_DENIED).fill_null(False).all().alias(FIRST_DENIED),
        pl.col(REVERSED).first(),
        pl.col(REPLACED).first(),
        pl.col(CLAIM_PAY_DATE).first().alias(PAY_DATE),
    )
    out = claims.with_columns(
        pl.col(UNIT_DOS).dt.month_start().alias(MONTH),
        (
            pl.col(ADJUDICATED)
            & (
                (pl.col(FIRST_STATUS) == lg.DENIED_STATUS)
                | ((pl.col(FIRST_CLP_PAID) == 0) & pl.col(FIRST_DENIED))
            )
        ).alias(INITIALLY_DENIED),
        (
            pl.col(ADJUDICATED)
            & (pl.col(FIRST_CLP_PAID).fill_null(0) > 0)
            & ~pl.col(REVERSED)
            & ~pl.col(REPLACED)
        ).alias(RESOLVED_FIRST),
    )
    if audited is not None and errors is not None:
        return _clean_flags(out, audited, errors, [c.CLAIM_ID])
    return out.with_columns(pl.lit(None, pl.Boolean).alias(CLEAN))
