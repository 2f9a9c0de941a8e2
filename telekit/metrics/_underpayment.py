"""``underpayment``: remittance lines paid on an allowed amount below the contracted fee."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit._core._matching import match_service_lines
from telekit._engine import _ledger as lg
from telekit._policies._expected_fees import EXPECTED_ALLOWED, MODIFIER, load_expected_fees
from telekit._policies._model import Policies
from telekit._read._arguments import as_frame, as_remittances
from telekit.metrics._inputs import RemittancesLike, TableLike

SHORTFALL = "shortfall"
PRIMARY = ("1", "19")  # CLP02: processed as primary (and forwarded)
PAYER_KEY = "payer_key"

ExpectedFees = pl.DataFrame | str | os.PathLike[str] | Mapping[str, Any]


def _fees(expected_fees: ExpectedFees, policies: Policies | None) -> pl.DataFrame:
    if isinstance(expected_fees, pl.DataFrame):
        missing = [
            n for n in (c.PAYER, c.HCPCS_CODE, MODIFIER, EXPECTED_ALLOWED)
            if n not in expected_fees.columns
        ]  # fmt: skip
        if missing:
            msg = (
                f"expected_fees: column {', '.join(missing)} is missing (found: "
                f"{', '.join(expected_fees.columns)}); build it with tk.load_expected_fees(...)"
            )
            raise InputError(msg)
        fees = expected_fees
    else:
        fees = load_expected_fees(expected_fees, policies=policies)
    return fees.select(
        _payer_key(pl.col(c.PAYER), policies).alias(PAYER_KEY),
        pl.col(c.HCPCS_CODE).str.strip_chars().str.to_uppercase(),
        pl.col(MODIFIER).str.strip_chars().str.to_uppercase(),
        pl.col(EXPECTED_ALLOWED).cast(lg.WORK),
    )


def _payer_key(expr: pl.Expr, policies: Policies | None) -> pl.Expr:
    if policies is not None:
        return policies.payer_key(expr)
    return expr.str.strip_chars().str.to_uppercase()


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
    expected_fees: ExpectedFees,
    *,
    policies: Policies | None = None,
) -> pl.DataFrame:
    """Remittance lines whose allowed amount (AMT*B6) is below the expected allowed amount.

    ``expected_fees`` is what ``telekit.load_expected_fees`` returns (payer, hcpcs_code,
    modifier, expected_allowed), or a path / mapping it reads (with ``policies``' aliases).
    A claim line's expected fee is the one of its payer (trimmed, upper-cased, through
    ``policies``' aliases when given) and hcpcs_code whose modifier is one of the line's
    modifiers (the first such modifier in hcpcs_modifier_1..4 order), else the one with no
    modifier.

    Lines looked at: remittance service lines matched to a claim line (as in
    ``revenue_cycle``) in remittance claims processed as primary (CLP02 1 or 19) that no later
    reversal (CLP02 22) cancelled, with a paid amount above 0 and an allowed amount given. A
    line is listed when allowed < expected_allowed; ``shortfall`` = expected_allowed − allowed
    (Decimal(12, 2)). The comparison is per line, whatever its units. Rows are sorted by
    claim_id, claim_line_number, payment_date, remit_id.
    """
    lines = as_frame("claims", claims)
    remits = as_remittances(remittances)
    fees = _fees(expected_fees, policies)
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
    paid = (
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
                c.CLAIM_ID,
                c.CLAIM_LINE_NUMBER,
                c.PAYER,
                _payer_key(pl.col(c.PAYER), policies).alias(PAYER_KEY),
                c.HCPCS_CODE,
                *c.MODIFIERS,
            ),
            on=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER],
            how="inner",
        )
    )
    general = fees.filter(pl.col(MODIFIER).is_null()).select(
        PAYER_KEY, c.HCPCS_CODE, pl.col(EXPECTED_ALLOWED).alias("_general")
    )
    specific = fees.filter(pl.col(MODIFIER).is_not_null())
    paid = paid.join(general, on=[PAYER_KEY, c.HCPCS_CODE], how="left", maintain_order="left")
    for i, column in enumerate(c.MODIFIERS):
        paid = paid.join(
            specific.select(
                PAYER_KEY,
                c.HCPCS_CODE,
                pl.col(MODIFIER).alias(column),
                pl.col(MODIFIER).alias(f"_modifier_{i}"),
                pl.col(EXPECTED_ALLOWED).alias(f"_fee_{i}"),
            ),
            on=[PAYER_KEY, c.HCPCS_CODE, column],
            how="left",
            maintain_order="left",
        )
    n = len(c.MODIFIERS)
    return (
        paid.with_columns(
            pl.coalesce(*(f"_modifier_{i}" for i in range(n))).alias(MODIFIER),
            pl.coalesce(*(f"_fee_{i}" for i in range(n)), "_general").alias(EXPECTED_ALLOWED),
        )
        .filter(pl.col(c.ALLOWED_AMOUNT).cast(lg.WORK) < pl.col(EXPECTED_ALLOWED))
        .select(
            c.CLAIM_ID,
            c.CLAIM_LINE_NUMBER,
            c.PAYER,
            c.HCPCS_CODE,
            MODIFIER,
            c.REMIT_ID,
            c.REMIT_CLAIM_SEQ,
            c.PAYMENT_DATE,
            c.PAID_AMOUNT,
            c.ALLOWED_AMOUNT,
            pl.col(EXPECTED_ALLOWED).cast(c.MONEY),
            (pl.col(EXPECTED_ALLOWED) - pl.col(c.ALLOWED_AMOUNT).cast(lg.WORK))
            .cast(c.MONEY)
            .alias(SHORTFALL),
        )
        .sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.PAYMENT_DATE, c.REMIT_ID)
    )
