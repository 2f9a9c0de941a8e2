"""Read CMS's "List of Telehealth Services" file (CSV, tab- or pipe-delimited text, or XLSX)
into telekit's list schema.

CMS posts the Medicare Telehealth Services List once a year (a ZIP holding a spreadsheet). The
layout drifts between years, so the reader relies on content, not positions:

- a few title rows sit above the column header; the header is the first row, among the first
  ``HEADER_SCAN_ROWS``, with a cell reading ``HCPCS``, ``CPT``, ``HCPCS Code``, ``CPT/HCPCS Code``
  or ``Code``;
- the other columns are optional and matched loosely: a cell containing ``status`` is the status,
  a cell containing ``audio`` is "Can Audio-only Interaction Meet the Requirements?". The
  descriptor column is not kept (CMS's short descriptors are AMA CPT text);
- rows whose code is not a HCPCS/CPT shape (``^[0-9A-Z][0-9]{3}[0-9A-Z]$`` after trimming,
  upper-casing and turning a whole-number float such as ``99213.0`` into ``99213``) are blank,
  footnote or section rows and are skipped.

Status text maps onto ``LIST_STATUSES``: "Temporary Addition for the PHE…" → ``temporary_phe``;
"Category 3" / "Available (up) through …" → ``category_3``; "Provisional" → ``provisional``;
"Permanent", "Category 1/2" or blank (pre-2020 lists and the CY 2026 list have no status
distinctions: every listed service is permanent) → ``permanent``; anything else → ``other``.
Audio-only: "Yes", "Y", "X" or "True" → true; anything else → false when the file has the
column; null when it has none.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from telekit._core._columns import HCPCS_CODE
from telekit._core._exceptions import InputError, UnsupportedFormatError
from telekit.codesets._cms_values import CODE_SHAPE, normalise_code
from telekit.codesets._grid import (
    EXCEL_SUFFIXES,
    OLE_MAGIC,
    TEXT_SUFFIXES,
    ZIP_MAGIC,
    decode,
    sniff_delimiter,
    workbook_sheets,
)

YEAR = "year"
STATUS = "status"
AUDIO_ONLY = "audio_only"

LIST_STATUSES = ("permanent", "provisional", "temporary_phe", "category_3", "other")
TELEHEALTH_LIST_SCHEMA = pl.Schema(
    {YEAR: pl.Int32(), HCPCS_CODE: pl.String(), STATUS: pl.String(), AUDIO_ONLY: pl.Boolean()}
)

# telekit's copy (telehealth_list.csv) also names each row's source (keys explained in
# telekit/codesets/SOURCES.md); ``telehealth_list()`` drops it so that a given CMS file's rows and
# the shipped ones stack
SOURCE = "source"
SHIPPED_TELEHEALTH_LIST_SCHEMA = pl.Schema({**TELEHEALTH_LIST_SCHEMA, SOURCE: pl.String()})

HEADER_SCAN_ROWS = 30
# a header cell naming the code column: HCPCS, CPT, HCPCS Code, CPT/HCPCS Code, Code ...
CODE_HEADER = r"^\s*(?:(?:hcpcs|cpt)(?:\s*/\s*(?:hcpcs|cpt))?(?:\s+codes?)?|codes?)\s*$"


def _status(expr: pl.Expr) -> pl.Expr:
    s = expr.str.strip_chars().str.to_lowercase()
    return (
        pl.when(s.is_null() | (s == ""))
        .then(pl.lit("permanent"))
        .when(s.str.contains("temporary"))
        .then(pl.lit("temporary_phe"))
        .when(s.str.contains(r"category\s*(?:3|iii|three)|cat\.?\s*3|available (?:up )?through"))
        .then(pl.lit("category_3"))
        .when(s.str.contains("provisional"))
        .then(pl.lit("provisional"))
        .when(s.str.contains(r"permanent|category\s*(?:1|2|i|ii|one|two)\b"))
        .then(pl.lit("permanent"))
        .when(s.str.contains(r"\bphe\b|public health emergency"))
        .then(pl.lit("temporary_phe"))
        .otherwise(pl.lit("other"))
    )


def _audio(expr: pl.Expr) -> pl.Expr:
    a = expr.str.strip_chars().str.to_lowercase()
    return a.str.contains(r"^(?:yes|y|x|true)\b").fill_null(False)


def _grid_from_rows(rows: Sequence[Sequence[str]]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {
        f"column_{i}": [r[i] if i < len(r) and r[i] != "" else None for r in rows]
        for i in range(width)
    }
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


def _text_rows(text: str) -> list[list[str]]:
    """Rows of a comma-, tab- or pipe-delimited export: the delimiter is the one found on the
    most of the first lines (ties: tab, pipe, comma) — CMS's "508" text export is tab-separated."""
    delimiter = sniff_delimiter(text.split("\n", HEADER_SCAN_ROWS)[:HEADER_SCAN_ROWS])
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _read_grids(path: Path) -> list[pl.DataFrame]:
    """Every sheet (or the one CSV table) as a header-less grid of String columns."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        msg = f"{path.name}: cannot open the telehealth list file ({exc.strerror})."
        raise InputError(msg) from exc
    suffix = path.suffix.lower()
    is_excel = suffix in EXCEL_SUFFIXES or magic in (ZIP_MAGIC, OLE_MAGIC)
    if is_excel:
        what = "the CMS List of Telehealth Services as .xlsx or .csv"
        return list(workbook_sheets(path, what).values())
    if suffix and suffix not in TEXT_SUFFIXES:
        msg = (
            f"{path.name}: unsupported file type {suffix!r}; expected the CMS List of "
            "Telehealth Services as .csv or .xlsx (unzip CMS's download first)."
        )
        raise UnsupportedFormatError(msg)
    text = decode(path.read_bytes())
    return [_grid_from_rows(_text_rows(text))]


def _header_cells(grid: pl.DataFrame, row: int) -> list[str]:
    values = grid.row(row)
    return [("" if v is None else re.sub(r"\s+", " ", str(v)).strip().lower()) for v in values]


def _locate_header(grid: pl.DataFrame) -> tuple[int, str, str | None, str | None] | None:
    """(header row, code column, status column, audio column), or None when there is none."""
    head = grid.head(HEADER_SCAN_ROWS)
    if head.width == 0 or head.height == 0:
        return None
    hits = (
        head.with_row_index("_r")
        .filter(
            pl.any_horizontal(pl.all().exclude("_r").str.to_lowercase().str.contains(CODE_HEADER))
        )
        .get_column("_r")
    )
    if hits.is_empty():
        return None
    row = int(hits[0])
    cells = _header_cells(grid, row)
    names = grid.columns
    code_col = next(n for n, v in zip(names, cells, strict=True) if re.match(CODE_HEADER, v))
    status_col = next((n for n, v in zip(names, cells, strict=True) if "status" in v), None)
    audio_col = next((n for n, v in zip(names, cells, strict=True) if "audio" in v), None)
    return row, code_col, status_col, audio_col


def read_cms_telehealth_list(path: str | os.PathLike[str], *, year: int) -> pl.DataFrame:
    """Read one year's CMS "List of Telehealth Services" as telekit's list: XLSX, or text
    delimited by commas, tabs (CMS's "508" export) or pipes.

    Returns a frame with the schema of ``telekit.codesets.telehealth_list()`` (``year`` Int32,
    ``hcpcs_code``, ``status``, ``audio_only``), one row per code, sorted by code. Pass it to
    ``telehealth_list(extra=...)`` (or to the audit) to replace the shipped list for that year.

    Raises ``InputError`` naming the file when no header row is found or no code is listed.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        msg = f"year must be an int such as 2026, got {type(year).__name__}"
        raise TypeError(msg)
    p = Path(path)
    for grid in _read_grids(p):
        found = _locate_header(grid)
        if found is None:
            continue
        row, code_col, status_col, audio_col = found
        body = grid.slice(row + 1)
        listed = (
            body.select(
                pl.lit(year, dtype=pl.Int32).alias(YEAR),
                normalise_code(pl.col(code_col)).alias(HCPCS_CODE),
                _status(pl.col(status_col) if status_col else pl.lit(None, dtype=pl.String)).alias(
                    STATUS
                ),
                (_audio(pl.col(audio_col)) if audio_col else pl.lit(None, dtype=pl.Boolean)).alias(
                    AUDIO_ONLY
                ),
            )
            .filter(pl.col(HCPCS_CODE).str.contains(CODE_SHAPE))
            .unique(subset=[HCPCS_CODE], keep="first", maintain_order=True)
            .sort(HCPCS_CODE)
        )
        if listed.is_empty():
            msg = (
                f"{p.name}: found the header row (row {row + 1}) but no HCPCS/CPT code below "
                "it; expected 5-character codes such as 99213 or G2211 in its code column."
            )
            raise InputError(msg)
        return listed.cast(TELEHEALTH_LIST_SCHEMA)
    msg = (
        f"{p.name}: no header row found in the first {HEADER_SCAN_ROWS} rows of any sheet; "
        "expected a cell reading 'HCPCS', 'CPT' or 'Code' above the codes, as in CMS's List "
        "of Telehealth Services (columns HCPCS, Short Descriptor, Status, Can Audio-only "
        "Interaction Meet the Requirements?)."
    )
    raise InputError(msg)


def coerce_telehealth_list(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Validate and normalise a user-supplied list frame to ``TELEHEALTH_LIST_SCHEMA``.

    ``year`` and ``hcpcs_code`` are required; a missing ``status`` means ``permanent`` and a
    missing ``audio_only`` means null (no per-code flag). Codes are trimmed and upper-cased;
    (year, code) duplicates keep the first row.
    """
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    missing = [name for name in (YEAR, HCPCS_CODE) if name not in df.columns]
    if missing:
        msg = (
            f"telehealth list: column {missing[0]!r} is missing (found: "
            f"{', '.join(df.columns) or 'none'}); expected year, hcpcs_code and optionally "
            "status and audio_only, as read_cms_telehealth_list returns."
        )
        raise InputError(msg)
    status = (
        pl.col(STATUS).cast(pl.String).str.strip_chars().str.to_lowercase()
        if STATUS in df.columns
        else pl.lit("permanent")
    )
    audio = pl.col(AUDIO_ONLY).cast(pl.Boolean) if AUDIO_ONLY in df.columns else pl.lit(None)
    try:
        out = df.select(
            pl.col(YEAR).cast(pl.Int32, strict=True).alias(YEAR),
            normalise_code(pl.col(HCPCS_CODE)).alias(HCPCS_CODE),
            status.fill_null("permanent").alias(STATUS),
            audio.cast(pl.Boolean).alias(AUDIO_ONLY),
        )
    except pl.exceptions.PolarsError as exc:
        msg = (
            "telehealth list: year must be an integer and audio_only a boolean "
            f"({type(exc).__name__})."
        )
        raise InputError(msg) from exc
    if out.select(pl.col(YEAR).is_null().any() | pl.col(HCPCS_CODE).is_null().any()).item():
        msg = "telehealth list: year and hcpcs_code must not be empty."
        raise InputError(msg)
    bad_status = out.filter(~pl.col(STATUS).is_in(LIST_STATUSES)).height
    if bad_status:
        msg = (
            f"telehealth list: {bad_status} row(s) have a status outside "
            f"{', '.join(LIST_STATUSES)}."
        )
        raise InputError(msg)
    return out.unique(subset=[YEAR, HCPCS_CODE], keep="first", maintain_order=True).sort(
        YEAR, HCPCS_CODE
    )
