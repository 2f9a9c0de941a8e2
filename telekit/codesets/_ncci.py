"""NCCI practitioner edits: procedure-to-procedure (PTP) pairs, medically unlikely edits (MUE)
and add-on code (AOC) edits — CMS's quarterly files and the edition telekit ships.

CMS publishes each quarter's edits as ZIPs of tab-delimited text (the PTP table split into
several files) or XLSX, with title and AMA copyright rows above the column header. The reader
finds each file's kind by its header:

- PTP: ``Column 1``, ``Column 2``, ``*=in existence prior to 1996``, ``Effective Date``,
  ``Deletion Date *=no data``, ``Modifier 0=not allowed 1=allowed 9=not applicable``,
  ``PTP Edit Rationale`` (dates ``YYYYMMDD``; ``*`` = no deletion date);
- MUE: ``HCPCS/CPT Code``, ``Practitioner Services MUE Values``, ``MUE Adjudication
  Indicator`` (text such as "2 Date of Service Edit: Policy": the leading digit is kept),
  ``MUE Rationale``;
- AOC: ``Add-on Code``, ``Primary Code``, ``AOC Edit Type`` and the add-on, primary and edit
  effective/deletion dates (the edit's own dates are kept); primary ``CCCCC`` = any primary
  the MAC accepts (edit type 2).

Rationale text and descriptors are not kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from telekit._core._columns import HCPCS_CODE
from telekit._core._exceptions import InputError
from telekit.codesets._cms_values import CODE_SHAPE, check_parsed, cms_date, normalise_code
from telekit.codesets._grid import EXCEL_SUFFIXES, TEXT_SUFFIXES, Grid, header_text, read_grids
from telekit.codesets._parquet import package_parquet

COLUMN_1_CODE = "column_1_code"
COLUMN_2_CODE = "column_2_code"
EFFECTIVE_DATE = "effective_date"
DELETION_DATE = "deletion_date"
MODIFIER_INDICATOR = "modifier_indicator"
MUE_VALUE = "mue_value"
MUE_ADJUDICATION_INDICATOR = "mue_adjudication_indicator"
ADD_ON_CODE = "add_on_code"
PRIMARY_CODE = "primary_code"
AOC_EDIT_TYPE = "aoc_edit_type"

PTP_SCHEMA = pl.Schema(
    {
        COLUMN_1_CODE: pl.String(),
        COLUMN_2_CODE: pl.String(),
        EFFECTIVE_DATE: pl.Date(),
        DELETION_DATE: pl.Date(),
        MODIFIER_INDICATOR: pl.String(),
    }
)
MUE_SCHEMA = pl.Schema(
    {HCPCS_CODE: pl.String(), MUE_VALUE: pl.Int32(), MUE_ADJUDICATION_INDICATOR: pl.String()}
)
ADD_ON_SCHEMA = pl.Schema(
    {
        ADD_ON_CODE: pl.String(),
        PRIMARY_CODE: pl.String(),
        AOC_EDIT_TYPE: pl.String(),
        EFFECTIVE_DATE: pl.Date(),
        DELETION_DATE: pl.Date(),
    }
)
ANY_PRIMARY = "CCCCC"


@dataclass(frozen=True)
class NcciEdition:
    """One quarter's NCCI practitioner edits. A kind the files did not hold is ``None``.

    ``edition`` is the first day of the quarter the edits are for (2024-07-01).
    """

    edition: dt.date
    ptp: pl.DataFrame | None
    mue: pl.DataFrame | None
    add_on: pl.DataFrame | None
    source: str

    @property
    def quarter_end(self) -> dt.date:
        """The last day of the edition's quarter."""
        month = self.edition.month + 3
        year = self.edition.year + (month > 12)
        return dt.date(year, (month - 1) % 12 + 1, 1) - dt.timedelta(days=1)


# kind -> {column -> header pattern}; the first two columns of each kind locate the header
_KINDS: dict[str, dict[str, str]] = {
    "ptp": {
        COLUMN_1_CODE: r"^column ?1\b",
        COLUMN_2_CODE: r"^column ?2\b",
        EFFECTIVE_DATE: r"^effective",
        DELETION_DATE: r"^deletion",
        MODIFIER_INDICATOR: r"^modifier",
    },
    "mue": {
        HCPCS_CODE: r"^(?:hcpcs|cpt)(?: ?/ ?(?:hcpcs|cpt))?(?: codes?)?$",
        MUE_VALUE: r"mue values?$",
        MUE_ADJUDICATION_INDICATOR: r"adjudication indicator|^mai$",
    },
    "add_on": {
        ADD_ON_CODE: r"^add[- ]?on code$",
        PRIMARY_CODE: r"^primary code$",
        AOC_EDIT_TYPE: r"edit type$",
        EFFECTIVE_DATE: r"^aoc edit effective",
        DELETION_DATE: r"^aoc edit deletion",
    },
}
_OPTIONAL = {(k, c) for k in ("add_on",) for c in (EFFECTIVE_DATE, DELETION_DATE)}


def _locate(grid: Grid) -> tuple[str, int, dict[str, int]] | None:
    for r, cells in enumerate(grid.head):
        names = [header_text(c) for c in cells]
        for kind, patterns in _KINDS.items():
            found: dict[str, int] = {}
            for column, pattern in patterns.items():
                j = next((j for j, n in enumerate(names) if re.search(pattern, n)), None)
                if j is not None:
                    found[column] = j
            if all(c in found for c in list(patterns)[:2]):
                missing = [c for c in patterns if c not in found and (kind, c) not in _OPTIONAL]
                if missing:
                    msg = (
                        f"{grid.label}: the NCCI {kind.upper()} header (row {r + 1}) has no "
                        f"column for {missing[0]!r}; expected CMS's quarterly file layout."
                    )
                    raise InputError(msg)
                return kind, r, found
    return None


def _column(body: pl.DataFrame, columns: dict[str, int], name: str) -> pl.Expr:
    src = f"column_{columns[name]}" if name in columns else None
    if src is None or src not in body.columns:
        return pl.lit(None, dtype=pl.String).alias(name)
    return pl.col(src).alias(name)


def _dates(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.strip_chars().is_in(["", "*"]).not_()).then(expr)


_DATE_EXPECTED = "a date as YYYYMMDD, YYYY-MM-DD or MM/DD/YYYY, or * for none"


def _read_kind(grid: Grid, kind: str, row: int, columns: dict[str, int]) -> pl.DataFrame:
    body = grid.body(row + 1)
    names = list(_KINDS[kind])
    raw = body.select(
        (pl.int_range(pl.len(), dtype=pl.Int64) + row + 2).alias("_row"),
        *(_column(body, columns, n) for n in names),
    )
    first = names[0]
    raw = raw.with_columns(normalise_code(pl.col(first)).alias(first)).filter(
        pl.col(first).str.contains(CODE_SHAPE)
    )
    label = grid.label
    if kind == "ptp":
        raw = raw.with_columns(
            normalise_code(pl.col(COLUMN_2_CODE)).alias(COLUMN_2_CODE),
            _dates(pl.col(EFFECTIVE_DATE)).alias(EFFECTIVE_DATE),
            _dates(pl.col(DELETION_DATE)).alias(DELETION_DATE),
        )
        typed = check_parsed(
            raw,
            {
                COLUMN_2_CODE: pl.col(COLUMN_2_CODE).str.extract(f"({CODE_SHAPE})"),
                EFFECTIVE_DATE: cms_date(pl.col(EFFECTIVE_DATE)),
                DELETION_DATE: cms_date(pl.col(DELETION_DATE)),
                MODIFIER_INDICATOR: pl.col(MODIFIER_INDICATOR).str.extract(r"^([019])$"),
            },
            label=label,
            row_of=pl.col("_row"),
            expected={
                COLUMN_2_CODE: "a 5-character HCPCS/CPT code",
                EFFECTIVE_DATE: _DATE_EXPECTED,
                DELETION_DATE: _DATE_EXPECTED,
                MODIFIER_INDICATOR: "0, 1 or 9",
            },
        )
        schema = PTP_SCHEMA
    elif kind == "mue":
        typed = check_parsed(
            raw,
            {
                MUE_VALUE: pl.col(MUE_VALUE)
                .str.strip_chars()
                .str.replace(r"\.0+$", "")
                .str.extract(r"^([0-9]+)$")
                .cast(pl.Int32, strict=False),
                MUE_ADJUDICATION_INDICATOR: pl.col(MUE_ADJUDICATION_INDICATOR)
                .str.strip_chars()
                .str.extract(r"^([123])(?:\.0+)?\b"),
            },
            label=label,
            row_of=pl.col("_row"),
            expected={
                MUE_VALUE: "a whole number of units",
                MUE_ADJUDICATION_INDICATOR: "1, 2 or 3 (optionally followed by its wording)",
            },
        )
        schema = MUE_SCHEMA
    else:
        raw = raw.with_columns(
            normalise_code(pl.col(PRIMARY_CODE)).alias(PRIMARY_CODE),
            _dates(pl.col(EFFECTIVE_DATE)).alias(EFFECTIVE_DATE),
            _dates(pl.col(DELETION_DATE)).alias(DELETION_DATE),
        )
        typed = check_parsed(
            raw,
            {
                PRIMARY_CODE: pl.col(PRIMARY_CODE).str.extract(f"({CODE_SHAPE}|^{ANY_PRIMARY}$)"),
                AOC_EDIT_TYPE: pl.col(AOC_EDIT_TYPE).str.strip_chars().str.extract(r"^([123])"),
                EFFECTIVE_DATE: cms_date(pl.col(EFFECTIVE_DATE)),
                DELETION_DATE: cms_date(pl.col(DELETION_DATE)),
            },
            label=label,
            row_of=pl.col("_row"),
            expected={
                PRIMARY_CODE: f"a 5-character HCPCS/CPT code or {ANY_PRIMARY}",
                AOC_EDIT_TYPE: "1, 2 or 3",
                EFFECTIVE_DATE: _DATE_EXPECTED,
                DELETION_DATE: _DATE_EXPECTED,
            },
        )
        schema = ADD_ON_SCHEMA
    required = [n for n in names if n not in (EFFECTIVE_DATE, DELETION_DATE)]
    if kind == "ptp":
        required.append(EFFECTIVE_DATE)
    empty = typed.filter(pl.any_horizontal(pl.col(required).is_null()))
    if not empty.is_empty():
        blank = next(n for n in required if empty.get_column(n)[0] is None)
        msg = f"{label}: row {empty.get_column('_row')[0]}, column {blank!r} is empty."
        raise InputError(msg)
    return typed.select(schema.names()).cast(schema)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        suffixes = (*TEXT_SUFFIXES, *EXCEL_SUFFIXES)
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
    return [path]


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


_MONTHS = {
    name: i
    for i, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"),
        start=1,
    )
}  # fmt: skip
_DATE_PATTERNS = (
    # 2024Q3, 2024-Q3, 2024_q3 (the add-on code file names)
    (re.compile(r"(?<!\d)(20\d\d)[-_ ]?q([1-4])(?![0-9])"), "yq"),
    # 07-01-2024, 07/01/2024, 07_01_2024 (MUE file names and titles)
    (re.compile(r"(?<!\d)(\d{1,2})[-/_](\d{1,2})[-/_](20\d\d)(?!\d)"), "mdy"),
    # 2024-07-01, 20240701
    (re.compile(r"(?<!\d)(20\d\d)-?(\d\d)-?(\d\d)(?!\d)"), "ymd"),
    # July 1, 2024
    (re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2}),?\s+(20\d\d)\b"), "month"),
)


def _date_in(text: str) -> dt.date | None:
    low = text.lower()
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.search(low)
        if m is None:
            continue
        a, b, c = (m.group(1), m.group(2), m.group(3) if m.lastindex == 3 else "")
        try:
            if kind == "yq":
                return dt.date(int(a), 3 * int(b) - 2, 1)
            if kind == "mdy":
                return dt.date(int(c), int(a), int(b))
            if kind == "ymd":
                return dt.date(int(a), int(b), int(c))
            return dt.date(int(c), _MONTHS[a], int(b))
        except ValueError:
            continue
    return None


def _edition_of(day: dt.date) -> dt.date:
    """The quarter a dated NCCI file is for: the quarter it starts, or else the next one (CMS
    posts each quarter's files some weeks before it: the add-on edits of 2024-06-03 are the
    2024-07-01 edition's)."""
    start = _quarter_start(day)
    if day == start:
        return start
    return _quarter_start(start + dt.timedelta(days=95))


def _edition_hint(file: Path, grid: Grid, header_row: int) -> dt.date | None:
    """The edition a file names: in its title rows (above the header), else in its name."""
    for cells in grid.head[:header_row]:
        found = _date_in(" ".join(cells))
        if found is not None:
            return _edition_of(found)
    found = _date_in(file.stem)
    return None if found is None else _edition_of(found)


def _named_edition(
    root: Path, hints: dict[dt.date, str], frames: dict[str, pl.DataFrame | None]
) -> dt.date:
    """The edition the files name (one quarter), else the quarter of their latest effective
    date."""
    if len(hints) > 1:
        (a, label_a), (b, label_b) = sorted(hints.items())[:2]
        msg = (
            f"{root.name}: files of two NCCI editions ({label_a}: {a}, {label_b}: {b}); "
            "expected one quarter's files, or pass edition= (the first day of the quarter)."
        )
        raise InputError(msg)
    if hints:
        return next(iter(hints))
    dated = [
        f.get_column(EFFECTIVE_DATE).max()
        for k in ("ptp", "add_on")
        if (f := frames[k]) is not None
    ]
    latest = max((d for d in dated if isinstance(d, dt.date)), default=None)
    if latest is None:
        msg = (
            f"{root.name}: cannot tell the NCCI edition (no effective dates in the files); "
            "pass edition= (the first day of the quarter, e.g. 2024-07-01)."
        )
        raise InputError(msg)
    return _quarter_start(latest)


def read_ncci(path: str | os.PathLike[str], *, edition: dt.date | None = None) -> NcciEdition:
    """Read one quarter's NCCI practitioner edits from a folder of CMS's files (unzipped) or
    one file: PTP (every part file is concatenated), MUE and add-on edits, each found by its
    header; files of no known kind in a folder are ignored.

    ``edition`` is the first day of the quarter; without it, the quarter the files name in their
    title rows or file names ("effective July 1, 2024", ``..._Eff_07-01-2024``, ``2024Q3``; a
    date that is not a quarter's first day, such as a posting date, names the next quarter), else
    the quarter of the latest effective date in the PTP and add-on files. Files naming two
    different quarters are refused. Frames: PTP ``column_1_code``,
    ``column_2_code``, ``effective_date``, ``deletion_date`` (null = in force),
    ``modifier_indicator`` (``0``/``1``/``9``); MUE ``hcpcs_code``, ``mue_value``,
    ``mue_adjudication_indicator`` (``1`` per line, ``2`` per day by policy, ``3`` per day,
    clinical); add-on ``add_on_code``, ``primary_code``, ``aoc_edit_type``, ``effective_date``,
    ``deletion_date``.
    """
    root = Path(path)
    if not root.exists():
        msg = f"{root.name}: no such NCCI file or folder."
        raise InputError(msg)
    parts: dict[str, list[pl.DataFrame]] = {"ptp": [], "mue": [], "add_on": []}
    hints: dict[dt.date, str] = {}
    for file in _files(root):
        what = "one of CMS's NCCI practitioner PTP, MUE or add-on code files"
        for grid in read_grids(file, what):
            located = _locate(grid)
            if located is not None:
                kind, row, columns = located
                parts[kind].append(_read_kind(grid, kind, row, columns))
                hint = _edition_hint(file, grid, row)
                if hint is not None:
                    hints.setdefault(hint, grid.label)
    if not any(parts.values()):
        msg = (
            f"{root.name}: no NCCI file found; expected CMS's practitioner PTP (header "
            "'Column 1', 'Column 2' …), MUE ('HCPCS/CPT Code', 'Practitioner Services MUE "
            "Values' …) or add-on code ('Add-on Code', 'Primary Code' …) files."
        )
        raise InputError(msg)
    frames = {
        kind: pl.concat(found).unique(maintain_order=True) if found else None
        for kind, found in parts.items()
    }
    if edition is None:
        edition = _named_edition(root, hints, frames)
    return NcciEdition(edition, frames["ptp"], frames["mue"], frames["add_on"], root.name)


# --- what telekit ships ------------------------------------------------------------------------

SHIPPED_NCCI_EDITION = dt.date(2024, 7, 1)


@functools.cache
def ncci() -> NcciEdition:
    """The NCCI practitioner edits telekit ships: edition 2024-07-01.

    PTP: the pairs of CMS's file still in force on 2019-01-01 or later (deletion date empty or
    on/after 2019-01-01); the copy has no effective dates (null). MUE and add-on edits: all
    rows (the add-on file is CMS's 2024-06-03 release; its dates are not in the copy).
    """
    return NcciEdition(
        SHIPPED_NCCI_EDITION,
        package_parquet("ncci_ptp_practitioner.parquet", PTP_SCHEMA),
        package_parquet("ncci_mue_practitioner.parquet", MUE_SCHEMA),
        package_parquet("ncci_add_on.parquet", ADD_ON_SCHEMA),
        "CMS NCCI practitioner edits, 2024-07-01 (shipped)",
    )
