"""Shim: ``tk.eligibility`` moved to ``telekit._engine._eligibility`` (the lead removes this)."""

from telekit._engine._eligibility import ELIGIBILITY_COLUMNS, eligibility

__all__ = ["ELIGIBILITY_COLUMNS", "eligibility"]
