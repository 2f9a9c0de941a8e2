"""Shim (issue 16): the safe CSV/XLSX cell helpers live in ``telekit.report._cells``."""

from telekit.report._cells import (
    CONTROLS,
    CUT_MARK,
    EXCEL_CELL_MAX,
    FORMULA_START,
    csv_safe,
    excel_safe,
    strip_controls,
    strip_controls_in,
    write_csv,
)

__all__ = [
    "CONTROLS",
    "CUT_MARK",
    "EXCEL_CELL_MAX",
    "FORMULA_START",
    "csv_safe",
    "excel_safe",
    "strip_controls",
    "strip_controls_in",
    "write_csv",
]
