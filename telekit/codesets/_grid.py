"""Read CMS's published files (CSV, tab- or pipe-delimited text, XLSX) as grids of text.

CMS posts its reference files with title and copyright rows above the column header, sometimes
a header spread over several rows, footnotes below the data and, in text exports, any of
comma, tab or pipe as the delimiter. The loaders (RVU, GPCI, NCCI, the telehealth list) find
their header by content; this module only turns a file into:

- ``head``: the first ``HEAD_ROWS`` rows as lists of trimmed strings (``""`` for empty), in
  which a loader looks for its header, and
- ``body(start)``: every row from index ``start`` (0-based) as a frame of String columns
  ``column_0`` … (null for empty), read by polars, so a 600,000-line NCCI file costs no
  per-row Python.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from telekit._core._exceptions import InputError, UnsupportedFormatError
from telekit._io._xlsx import check_workbook_file

HEAD_ROWS = 30
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".dat")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
DELIMITERS = ("\t", "|", ",")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _cells(values: Sequence[object]) -> list[str]:
    return ["" if v is None else str(v).strip() for v in values]


def header_text(cell: str) -> str:
    """A header cell as lower-case words separated by single spaces (``_`` counts as a space)."""
    return re.sub(r"[\s_]+", " ", cell).strip().lower()


@dataclass(frozen=True)
class Grid:
    """One sheet, or one text file, of a CMS file."""

    label: str  # the file name, and the sheet when a workbook has several
    head: list[list[str]]
    _body: Callable[[int], pl.DataFrame]

    def body(self, start: int) -> pl.DataFrame:
        """Rows from index ``start`` on, as String columns ``column_0`` … (null when empty)."""
        frame = self._body(start)
        return frame.select(
            pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(f"column_{i}")
            for i, c in enumerate(frame.columns)
        )


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter found on the most of ``lines`` (ties: tab, then pipe, then comma)."""
    filled = [line for line in lines if line.strip()]
    best = max(DELIMITERS, key=lambda d: (sum(d in line for line in filled), -DELIMITERS.index(d)))
    return best if any(best in line for line in filled) else ","


def _text_grid(path: Path, data: bytes) -> Grid:
    text = decode(data)
    # split as polars counts lines (on "\n" only), so ``skip_lines`` lands on the same row
    lines = [line.rstrip("\r") for line in text.split("\n", HEAD_ROWS)[:HEAD_ROWS]]
    delimiter = sniff_delimiter(lines)
    head = [_cells(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
    raw = text.encode("utf-8")

    def body(start: int) -> pl.DataFrame:
        return pl.read_csv(
            raw,
            separator=delimiter,
            has_header=False,
            skip_lines=start,
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            quote_char='"',
        )

    return Grid(path.name, head, body)


def workbook_sheets(path: Path, what: str) -> dict[str, pl.DataFrame]:
    """Every sheet of a workbook as a header-less grid of String columns, by sheet name, after
    the far-corner check (a sheet whose used range reaches a far corner would abort calamine).
    ``what`` names the expected content in the error message."""
    check_workbook_file(path)
    try:
        sheets = pl.read_excel(
            path,
            sheet_id=0,
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception as exc:  # calamine/fastexcel raise their own types
        msg = f"{path.name}: cannot read the workbook ({type(exc).__name__}); expected {what}."
        raise InputError(msg) from exc
    return {name: sheet.select(pl.all().cast(pl.String)) for name, sheet in sheets.items()}


def _excel_grids(path: Path, what: str) -> list[Grid]:
    sheets = workbook_sheets(path, what)
    grids = []
    for name, frame in sheets.items():
        head = [_cells(r) for r in frame.head(HEAD_ROWS).iter_rows()]
        label = path.name if len(sheets) == 1 else f"{path.name} (sheet {name})"
        grids.append(Grid(label, head, frame.slice))
    return grids


def read_grids(path: Path, what: str) -> list[Grid]:
    """Every sheet of a workbook, or the one table of a text file, as a ``Grid``.

    ``what`` names the expected content in error messages ("CMS's national RVU file").
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{path.name}: cannot open {what} ({exc.strerror})."
        raise InputError(msg) from exc
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES or data[:4] in (ZIP_MAGIC, OLE_MAGIC):
        return _excel_grids(path, what)
    if suffix and suffix not in TEXT_SUFFIXES:
        msg = (
            f"{path.name}: unsupported file type {suffix!r}; expected {what} as .csv, .txt "
            "or .xlsx (unzip CMS's download first)."
        )
        raise UnsupportedFormatError(msg)
    return [_text_grid(path, data)]
