"""telekit — audit telehealth billing.

Read a practice's claim lines, encounters, coverage, provider roster and remittances; audit every
telehealth line against the payer rules in force on its date of service; measure the revenue cycle.

    import telekit as tk
    claims = tk.read_claims("claims.csv")
    result = tk.audit(claims, encounters="encounters.csv", coverage="coverage.csv")
    result.summary()
"""

from __future__ import annotations

from telekit import metrics
from telekit._audit import audit
from telekit._core._exceptions import (
    InputError,
    MapError,
    MissingColumnError,
    PolicyError,
    TelekitError,
    UnsupportedFormatError,
    X12Error,
)
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._core._version import VERSION
from telekit._engine._eligibility import eligibility
from telekit._engine._result import AuditResult
from telekit._policies._expected_fees import load_expected_fees
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read._remittances import read_remittances
from telekit._read._tables import (
    load_map,
    read_claims,
    read_coverage,
    read_encounters,
    read_patient_payments,
    read_providers,
    read_table,
)
from telekit._scale._merge import PartitionedAuditResult
from telekit._scale._partitioned import audit_partitioned
from telekit.metrics._reconcile import Reconciliation, reconcile
from telekit.report._folder import audit_folder

__version__ = VERSION

__all__ = [
    "AuditResult",
    "InputError",
    "MapError",
    "MissingColumnError",
    "PartitionedAuditResult",
    "Policies",
    "PolicyError",
    "Reconciliation",
    "Remittances",
    "Table",
    "TelekitError",
    "UnsupportedFormatError",
    "X12Error",
    "__version__",
    "audit",
    "audit_folder",
    "audit_partitioned",
    "eligibility",
    "load_expected_fees",
    "load_map",
    "load_policies",
    "metrics",
    "read_claims",
    "read_coverage",
    "read_encounters",
    "read_patient_payments",
    "read_providers",
    "read_remittances",
    "read_table",
    "reconcile",
]
