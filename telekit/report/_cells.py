"""Text cells safe to open: every CSV telekit writes goes through ``write_csv``, every workbook
sheet through ``excel_safe`` and every HTML text through ``strip_controls_in``.

- **Control characters**: NUL, ESC and the other C0 control characters (tab, LF and CR kept) are
  removed from text cells: a terminal, a spreadsheet or a browser may act on them.
- **Formula injection** (OWASP "CSV Injection"): a CSV text cell starting with ``=``, ``+``,
  ``-``, ``@``, tab or CR is written with a leading apostrophe, so that a spreadsheet shows it as
  text instead of running it. Numeric and date columns are written as they are; null stays empty.
  (The workbook is safe without it: xlsxwriter writes text as strings, never as formulas.)
- **Excel's cell limit**: a text longer than 32,767 characters is cut to fit and says so.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Final

import polars as pl

#: C0 control characters except tab (\x09), LF (\x0A) and CR (\x0D)
CONTROLS: Final = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"
_CONTROLS_RE: Final = re.compile(CONTROLS)
#: what a spreadsheet may read as the start of a formula
FORMULA_START: Final = r"^[=+\-@\t\r]"
#: the most characters an Excel cell holds
EXCEL_CELL_MAX: Final = 32_767
CUT_MARK: Final = "… [cut at 32,767 characters]"


def strip_controls(text: pl.Expr) -> pl.Expr:
    """``text`` without C0 control characters (tab, LF and CR kept)."""
    return text.str.replace_all(CONTROLS, "")


def strip_controls_in(text: str) -> str:
    """``strip_controls`` for one string (HTML text)."""
    return _CONTROLS_RE.sub("", text)


def _text_columns(frame: pl.DataFrame) -> list[str]:
    return [
        col
        for col, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its text cells cleaned of control characters and a leading apostrophe on
    each that a spreadsheet would read as a formula; other columns unchanged."""
    exprs = []
    for col in _text_columns(frame):
        text = strip_controls(pl.col(col).cast(pl.String))
        exprs.append(
            pl.when(text.str.contains(FORMULA_START))
            .then(pl.lit("'") + text)
            .otherwise(text)
            .alias(col)
        )
    return frame.with_columns(exprs) if exprs else frame


def write_csv(frame: pl.DataFrame, target: Path | IO[bytes]) -> None:
    """The one CSV writer of telekit's outputs (findings, rejects, the pseudonym key): UTF-8
    without BOM, a header row, null empty, text cells made safe by ``csv_safe``."""
    csv_safe(frame).write_csv(target)


def excel_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its text cells cleaned of control characters and cut, with
    ``CUT_MARK`` at the end, when longer than an Excel cell holds."""
    keep = EXCEL_CELL_MAX - len(CUT_MARK)
    exprs = []
    for col in _text_columns(frame):
        text = strip_controls(pl.col(col).cast(pl.String))
        exprs.append(
            pl.when(text.str.len_chars() > EXCEL_CELL_MAX)
            .then(text.str.slice(0, keep) + pl.lit(CUT_MARK))
            .otherwise(text)
            .alias(col)
        )
    return frame.with_columns(exprs) if exprs else frame
