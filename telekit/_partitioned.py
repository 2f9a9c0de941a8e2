"""Shim: the bounded-memory audit lives in ``telekit._scale`` (entry points in
``telekit._scale._partitioned``, tallies in ``telekit._scale._tally``)."""

from telekit._scale._merge import PartitionedAuditResult
from telekit._scale._partitioned import audit_partitioned, should_partition
from telekit._scale._tally import Tally, tally_patient_payments, tally_remittances

__all__ = [
    "PartitionedAuditResult",
    "Tally",
    "audit_partitioned",
    "should_partition",
    "tally_patient_payments",
    "tally_remittances",
]
