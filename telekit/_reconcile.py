"""Shim: ``tk.reconcile`` lives in ``telekit.metrics._reconcile``."""

from telekit.metrics._reconcile import (
    LINES_SCHEMA,
    MATCH_METHODS,
    UNMATCHED_REASONS,
    Reconciliation,
    reconcile,
)

__all__ = ["LINES_SCHEMA", "MATCH_METHODS", "UNMATCHED_REASONS", "Reconciliation", "reconcile"]
