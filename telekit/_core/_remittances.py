"""The ``Remittances`` model: what was paid, adjusted and why, as frames (no reading here).

``lines`` and ``adjustments`` are the two canonical tables (``REMITTANCE_LINES``,
``ADJUSTMENTS``); ``claims`` and ``payments`` are derived from them (``derive_claims``,
``derive_payments``) for CSV exports, or read from 835 files; ``remarks`` and
``provider_adjustments`` only exist in 835 files. The readers live in ``telekit._read``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from telekit._core._columns import (
    AMOUNT,
    CHECK_NUMBER,
    CLAIM_ID,
    CLAIM_STATUS_CODE,
    GROUP_CODE,
    LINE_CHARGE_AMOUNT,
    MONEY,
    PAID_AMOUNT,
    PAYER,
    PAYER_CLAIM_CONTROL_NUMBER,
    PAYMENT_DATE,
    REASON_CODE,
    REMIT_CLAIM_SEQ,
    REMIT_ID,
    SVC_SEQ,
)

__all__ = [
    "CLAIMS_SCHEMA",
    "PATIENT_RESPONSIBILITY",
    "PATIENT_RESPONSIBILITY_AMOUNT",
    "PAYMENTS_SCHEMA",
    "PROVIDER_ADJUSTMENTS_SCHEMA",
    "REFERENCE",
    "REMARKS_SCHEMA",
    "REMARK_CODE",
    "TOTAL_CHARGE_AMOUNT",
    "TOTAL_PAID_AMOUNT",
    "Remittances",
    "derive_claims",
    "derive_payments",
]

TOTAL_CHARGE_AMOUNT = "total_charge_amount"
PATIENT_RESPONSIBILITY_AMOUNT = "patient_responsibility_amount"
TOTAL_PAID_AMOUNT = "total_paid_amount"
REMARK_CODE = "remark_code"
REFERENCE = "reference"
PATIENT_RESPONSIBILITY = "PR"

CLAIMS_SCHEMA = pl.Schema(
    {
        REMIT_ID: pl.String(),
        REMIT_CLAIM_SEQ: pl.Int32(),
        CLAIM_ID: pl.String(),
        CLAIM_STATUS_CODE: pl.String(),
        PAYER_CLAIM_CONTROL_NUMBER: pl.String(),
        PAYER: pl.String(),
        PAYMENT_DATE: pl.Date(),
        TOTAL_CHARGE_AMOUNT: MONEY,
        PAID_AMOUNT: MONEY,
        PATIENT_RESPONSIBILITY_AMOUNT: MONEY,
    }
)
PAYMENTS_SCHEMA = pl.Schema(
    {
        REMIT_ID: pl.String(),
        PAYER: pl.String(),
        PAYMENT_DATE: pl.Date(),
        CHECK_NUMBER: pl.String(),
        TOTAL_PAID_AMOUNT: MONEY,
    }
)
REMARKS_SCHEMA = pl.Schema(
    {
        REMIT_ID: pl.String(),
        REMIT_CLAIM_SEQ: pl.Int32(),
        SVC_SEQ: pl.Int32(),
        REMARK_CODE: pl.String(),
    }
)
PROVIDER_ADJUSTMENTS_SCHEMA = pl.Schema(
    {REMIT_ID: pl.String(), REASON_CODE: pl.String(), REFERENCE: pl.String(), AMOUNT: MONEY}
)


@dataclass(frozen=True)
class Remittances:
    """Remittance advice as frames keyed by ``remit_id``, ``remit_claim_seq``, ``svc_seq``.

    - ``lines``: one row per service line (``REMITTANCE_LINES`` columns);
    - ``adjustments``: one row per group/reason/amount (``ADJUSTMENTS``; amount signed);
    - ``claims``: one row per (remit_id, remit_claim_seq): claim_id, claim_status_code,
      payer_claim_control_number, payer, payment_date, total_charge_amount (Σ line charges),
      paid_amount (Σ line payments), patient_responsibility_amount (Σ PR adjustments);
    - ``payments``: one row per remit_id: payer, payment_date, check_number, total_paid_amount;
    - ``remarks``, ``provider_adjustments``: from 835 files (empty for CSV exports);
    - ``issues``, ``rejects`` (both tables'), ``rows_in`` (both tables'), ``sources``,
      ``dropped_columns``.
    """

    lines: pl.DataFrame
    adjustments: pl.DataFrame
    claims: pl.DataFrame
    payments: pl.DataFrame
    remarks: pl.DataFrame
    provider_adjustments: pl.DataFrame
    issues: pl.DataFrame
    rejects: pl.DataFrame
    rows_in: int
    sources: tuple[str, ...]
    dropped_columns: tuple[str, ...] = ()  # source headers no table maps (names only)
    rows_skipped: int = 0  # empty rows of CSV/XLSX sources (counted in rows_in)

    @property
    def rows_rejected(self) -> int:
        return self.rejects.height

    def __repr__(self) -> str:
        return (
            f"Remittances(lines={self.lines.height}, adjustments={self.adjustments.height}, "
            f"claims={self.claims.height}, rows_in={self.rows_in}, "
            f"rejected={self.rejects.height}, sources={list(self.sources)!r})"
        )


# --- derived frames ----------------------------------------------------------------------------


def derive_claims(lines: pl.DataFrame, adjustments: pl.DataFrame) -> pl.DataFrame:
    """One row per (remit_id, remit_claim_seq), totals summed from lines and PR adjustments."""
    keys = [REMIT_ID, REMIT_CLAIM_SEQ]
    firsts = [CLAIM_ID, CLAIM_STATUS_CODE, PAYER_CLAIM_CONTROL_NUMBER, PAYER, PAYMENT_DATE]
    claims = lines.group_by(keys, maintain_order=True).agg(
        *(pl.col(c).drop_nulls().first() for c in firsts),
        pl.col(LINE_CHARGE_AMOUNT).sum().alias(TOTAL_CHARGE_AMOUNT),
        pl.col(PAID_AMOUNT).sum(),
    )
    responsibility = (
        adjustments.filter(pl.col(GROUP_CODE) == PATIENT_RESPONSIBILITY)
        .group_by(keys)
        .agg(pl.col(AMOUNT).sum().alias(PATIENT_RESPONSIBILITY_AMOUNT))
    )
    return (
        claims.join(responsibility, on=keys, how="left", maintain_order="left")
        .with_columns(pl.col(PATIENT_RESPONSIBILITY_AMOUNT).fill_null(0))
        .select(list(CLAIMS_SCHEMA))
        .cast(CLAIMS_SCHEMA)
    )


def derive_payments(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per remit_id: who paid, when, the check and the total paid on its lines."""
    return (
        lines.group_by(REMIT_ID, maintain_order=True)
        .agg(
            *(pl.col(c).drop_nulls().first() for c in (PAYER, PAYMENT_DATE, CHECK_NUMBER)),
            pl.col(PAID_AMOUNT).sum().alias(TOTAL_PAID_AMOUNT),
        )
        .select(list(PAYMENTS_SCHEMA))
        .cast(PAYMENTS_SCHEMA)
    )
