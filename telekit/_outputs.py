"""Shim (issue 16): the OUT folder is written by ``telekit.report._out`` and findings.xlsx by
``telekit.report._workbook``. Patch those modules, not this one."""

from telekit.report._out import (
    check_out,
    inputs_record,
    replaced_file,
    sha256_of,
    staged_folder,
    write_audit,
)
from telekit.report._workbook import EXCEL_MAX_ROWS, MONEY_COLUMNS, decisions_sheet, write_xlsx

__all__ = [
    "EXCEL_MAX_ROWS",
    "MONEY_COLUMNS",
    "check_out",
    "decisions_sheet",
    "inputs_record",
    "replaced_file",
    "sha256_of",
    "staged_folder",
    "write_audit",
    "write_xlsx",
]
