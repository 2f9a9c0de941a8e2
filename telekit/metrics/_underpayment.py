"""``underpayment``: remittance lines paid on an allowed amount below what the line should be
allowed — the payer's dated expected fee, else, for Medicare, the physician fee schedule —
priced by the audit's one pricing function (``telekit._engine._pricing.price_lines``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import polars as pl

from telekit._core import _columns as c
from telekit._core._matching import match_service_lines
from telekit._engine import _ledger as lg
from telekit._engine._pricing import EXPECTED_ALLOWED, EXPECTED_FEE, ROW, price_lines
from telekit._engine._pricing_inputs import ExpectedFeesInput, pricing_of
from telekit._engine._reference import reference
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read._arguments import as_frame, as_remittances
from telekit.codesets._fee_schedule import FeeScheduleRelease
from telekit.metrics._inputs import RemittancesLike, TableLike

SHORTFALL = "shortfall"
AMOUNT_BASIS = "amount_basis"
PRIMARY = ("1", "19")  # CLP02: processed as primary (and forwarded)
#: a line is listed when its allowed amount is below the expected amount by more than this
TOLERANCE = Decimal("0.01")

ExpectedFees = ExpectedFeesInput


def _standing(remits: pl.DataFrame) -> pl.DataFrame:
    """Remittance claims not reversed: a reversal (CLP02 22) cancels the latest earlier
    adjudication of the same claim (order: payment_date, remit_id, remit_claim_seq)."""
    idx = "_idx"
    ordered = remits.sort(c.CLAIM_ID, c.PAYMENT_DATE, c.REMIT_ID, c.REMIT_CLAIM_SEQ).with_row_index(
        idx
    )
    is_reversal = pl.col(c.CLAIM_STATUS_CODE) == lg.REVERSAL
    reversed_ = ordered.with_columns(
        pl.when(~is_reversal).then(pl.col(idx)).forward_fill().over(c.CLAIM_ID).alias("_target")
    ).filter(is_reversal)
    return ordered.join(
        reversed_.select(pl.col("_target").alias(idx)).drop_nulls(), on=idx, how="anti"
    ).drop(idx)


def underpayment(
    claims: TableLike,
    remittances: RemittancesLike,
    expected_fees: ExpectedFees | None = None,
    *,
    policies: Policies | None = None,
    locality: str | None = None,
    fee_schedules: Sequence[FeeScheduleRelease] = (),
) -> pl.DataFrame:
    """Remittance lines whose allowed amount (AMT*B6) is below what the line should be allowed.

    The expected amount of a claim line is the one the audit's findings use
    (``telekit._engine._pricing.price_lines``, DESIGN §3 "Expected fees", §4 "Medicare fee
    schedule"): the payer's expected fee whose dates hold the DOS (payer through ``policies``'
    aliases; the fee whose modifier is one of the line's, the first in hcpcs_modifier_1..4
    order, else the one with no modifier) × the line's units, else, for a Medicare line, the
    fee-schedule amount of the release covering the DOS (with ``policies``' ``[medicare]``
    locality, or ``locality=``; the shipped releases plus ``fee_schedules``) — units included;
    else the line is not compared. The comparison is per line × units (it used to ignore
    units).

    ``expected_fees`` is what ``telekit.load_expected_fees`` returns, or a path / mapping it
    reads, or None (Medicare lines are still priced by the fee schedule).

    Lines looked at: remittance service lines matched to a claim line (as in
    ``revenue_cycle``) in remittance claims processed as primary (CLP02 1 or 19) that no later
    reversal (CLP02 22) cancelled, with a paid amount above 0 and an allowed amount given. A
    line is listed when allowed < expected − $0.01: expected_allowed (``Decimal(12, 2)``),
    amount_basis (``expected_fee`` or ``fee_schedule``), ``shortfall`` = expected_allowed −
    allowed. Rows are sorted by claim_id, claim_line_number, payment_date, remit_id.
    """
    policies = policies if policies is not None else load_policies()
    lines = as_frame("claims", claims)
    remits = as_remittances(remittances)
    pricing = pricing_of(
        reference(fee_schedules=fee_schedules),
        policies,
        locality=locality,
        expected_fees=expected_fees,
    )
    lines = lines.with_row_index(ROW)
    priced = price_lines(lines, pricing, policies.payer_key(c.PAYER))
    keys = lines.select(c.CLAIM_ID).unique().with_row_index(lg.CK)
    lines = lines.join(keys, on=c.CLAIM_ID, how="inner")
    rc = (
        _standing(remits.claims)
        .filter(pl.col(c.CLAIM_STATUS_CODE).is_in(PRIMARY))
        .join(keys, on=c.CLAIM_ID, how="inner")
        .with_row_index(lg.RC)
        .select(lg.RC, lg.CK, c.REMIT_ID, c.REMIT_CLAIM_SEQ, c.CLAIM_ID, c.PAYMENT_DATE)
    )
    svc = (
        remits.lines.filter(pl.col(c.SVC_SEQ).is_not_null())
        .drop(c.CLAIM_ID, c.PAYMENT_DATE)
        .join(rc, on=[c.REMIT_ID, c.REMIT_CLAIM_SEQ], how="inner")
    )
    matched = match_service_lines(svc, lines, remit_key=(lg.RC,), claim_key=lg.CK)
    expected = pl.coalesce(EXPECTED_FEE, EXPECTED_ALLOWED)
    allowed = pl.col(c.ALLOWED_AMOUNT).cast(lg.WORK)
    return (
        svc.join(matched, on=[lg.RC, c.SVC_SEQ], how="inner")
        .filter(pl.col(c.PAID_AMOUNT) > 0, pl.col(c.ALLOWED_AMOUNT).is_not_null())
        .select(
            c.CLAIM_ID,
            c.CLAIM_LINE_NUMBER,
            c.REMIT_ID,
            c.REMIT_CLAIM_SEQ,
            c.PAYMENT_DATE,
            c.PAID_AMOUNT,
            c.ALLOWED_AMOUNT,
        )
        .join(
            lines.select(
                ROW,
                c.CLAIM_ID,
                c.CLAIM_LINE_NUMBER,
                c.PAYER,
                c.HCPCS_CODE,
                c.MODIFIERS[0],
                c.SERVICE_UNIT_QUANTITY,
            ),
            on=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER],
            how="inner",
        )
        .join(priced, on=ROW, how="inner")
        .filter(expected.is_not_null(), allowed < expected.cast(lg.WORK) - TOLERANCE)
        .select(
            c.CLAIM_ID,
            c.CLAIM_LINE_NUMBER,
            c.PAYER,
            c.HCPCS_CODE,
            c.MODIFIERS[0],
            c.SERVICE_UNIT_QUANTITY,
            c.REMIT_ID,
            c.REMIT_CLAIM_SEQ,
            c.PAYMENT_DATE,
            c.PAID_AMOUNT,
            c.ALLOWED_AMOUNT,
            expected.cast(c.MONEY).alias(EXPECTED_ALLOWED),
            pl.when(pl.col(EXPECTED_FEE).is_not_null())
            .then(pl.lit("expected_fee"))
            .otherwise(pl.lit("fee_schedule"))
            .alias(AMOUNT_BASIS),
            (expected.cast(lg.WORK) - allowed).cast(c.MONEY).alias(SHORTFALL),
        )
        .sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.PAYMENT_DATE, c.REMIT_ID)
    )
