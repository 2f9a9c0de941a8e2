"""Shim: the ``Remittances`` model moved to ``telekit._core._remittances`` and its readers to
``telekit._io._read._remittances`` (deleted once every import is rewritten)."""

from telekit._core._remittances import (
    CLAIMS_SCHEMA,
    PATIENT_RESPONSIBILITY,
    PATIENT_RESPONSIBILITY_AMOUNT,
    PAYMENTS_SCHEMA,
    PROVIDER_ADJUSTMENTS_SCHEMA,
    REFERENCE,
    REMARK_CODE,
    REMARKS_SCHEMA,
    TOTAL_CHARGE_AMOUNT,
    TOTAL_PAID_AMOUNT,
    Remittances,
    derive_claims,
    derive_payments,
)
from telekit._io._read._remittances import (
    SourcePlan,
    is_adjustments,
    plan_sources,
    read_remittances,
    read_source,
    read_x12_remittances,
)

_is_adjustments = is_adjustments  # the old private spelling, still imported by _partitioned

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
    "SourcePlan",
    "derive_claims",
    "derive_payments",
    "plan_sources",
    "read_remittances",
    "read_source",
    "read_x12_remittances",
]
