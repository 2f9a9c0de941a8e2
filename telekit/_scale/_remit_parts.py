"""A bucket's remittances and patient payments as the bounded-memory audit reads them back
(``RemitParts``, ``PaymentParts``); the routing that writes them is ``telekit._scale._remits``
and ``telekit._scale._payments``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from telekit._core._columns import ADJUSTMENTS, REMITTANCE_LINES, TABLES
from telekit._core._remittances import (
    CLAIMS_SCHEMA,
    PAYMENTS_SCHEMA,
    PROVIDER_ADJUSTMENTS_SCHEMA,
    REMARKS_SCHEMA,
    Remittances,
    derive_claims,
)
from telekit._core._table import empty_issues, empty_rejects

ORDER = "__order"  # input order (sources in turn, rows within)
PAYMENT_ORDER = "__order"  # a patient payment's input order
GIVEN = "__given"  # a row of an 835 file or a Remittances given: its claims row is not derived
SCHEMAS = {
    "lines": REMITTANCE_LINES.schema,
    "adjustments": ADJUSTMENTS.schema,
    "claims": CLAIMS_SCHEMA,
    "remarks": REMARKS_SCHEMA,
}


@dataclass(frozen=True)
class RemitParts:
    """Remittances cut into buckets under ``folder`` (``Router.finish``)."""

    folder: Path
    latest_payment_date: date | None

    def _read(self, kind: str, k: int) -> pl.DataFrame:
        files = sorted(self.folder.glob(f"*/{kind}/{k:05d}/*.parquet"))
        frames = [pl.read_parquet(f) for f in files]
        if not frames:
            empty = pl.DataFrame(schema=SCHEMAS[kind])
            return empty.with_columns(
                pl.lit(None, pl.Int64).alias(ORDER), pl.lit(None, pl.Boolean).alias(GIVEN)
            )
        return pl.concat(frames, how="diagonal").sort(GIVEN, ORDER)

    def bucket(self, k: int) -> Remittances:
        """The remittances of bucket ``k``'s claims, in input order."""
        lines = self._read("lines", k)
        adjustments = self._read("adjustments", k)
        derived = derive_claims(
            lines.filter(~pl.col(GIVEN)).select(REMITTANCE_LINES.schema.names()),
            adjustments.filter(~pl.col(GIVEN)).select(ADJUSTMENTS.schema.names()),
        )
        given = self._read("claims", k).drop(ORDER, GIVEN)
        return Remittances(
            lines=lines.drop(ORDER, GIVEN),
            adjustments=adjustments.drop(ORDER, GIVEN),
            claims=pl.concat([derived, given], how="diagonal"),
            payments=pl.DataFrame(schema=PAYMENTS_SCHEMA),
            remarks=self._read("remarks", k).drop(ORDER, GIVEN),
            provider_adjustments=pl.DataFrame(schema=PROVIDER_ADJUSTMENTS_SCHEMA),
            issues=empty_issues(),
            rejects=empty_rejects(),
            rows_in=lines.height + adjustments.height,
            sources=(),
        )


@dataclass(frozen=True)
class PaymentParts:
    """Patient payments cut into buckets under ``folder`` (``PaymentRouter``)."""

    folder: Path

    def bucket(self, k: int) -> pl.DataFrame:
        """The patient payments of bucket ``k``'s claims, in input order (canonical columns)."""
        files = sorted(self.folder.glob(f"*/{k:05d}/*.parquet"))
        if not files:
            return pl.DataFrame(schema=TABLES["patient_payments"].schema)
        frames = [pl.read_parquet(f) for f in files]
        return pl.concat(frames, how="diagonal_relaxed").sort(PAYMENT_ORDER).drop(PAYMENT_ORDER)
