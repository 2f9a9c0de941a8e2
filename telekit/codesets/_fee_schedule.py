"""The Medicare physician fee schedule: CMS's national RVU file and GPCI table, and the
releases telekit ships.

``read_cms_rvu`` reads the PPRRVU CSV of CMS's yearly RVU zip as CMS publishes it: five title
rows, a header spread over five rows (``STATUS`` above ``CODE``, ``WORK`` above ``RVU`` …), then
one row per code and modifier, and a Ctrl-Z end-of-file row. Columns are found by their joined
header text, not position, so the 2026 layout (``PRIC IND`` inserted before ``ENDO BASE``, which
moves the conversion factor one column right) reads the same. The descriptor column (AMA CPT
text) is never read.

``read_cms_gpci`` reads CMS's GPCI table (Addendum E: a title row, a header naming the MAC,
state, locality number and name and the year's PW/PE/MP GPCIs, then footnotes), or the same
columns without title rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from telekit._core._columns import HCPCS_CODE
from telekit._core._exceptions import InputError
from telekit.codesets._cms_values import CODE_SHAPE, check_parsed, decimal, normalise_code
from telekit.codesets._grid import Grid, header_text, read_grids
from telekit.codesets._parquet import package_parquet

RELEASE = "release"
YEAR = "year"
MODIFIER = "modifier"
STATUS = "status"
WORK_RVU = "work_rvu"
NON_FACILITY_PE_RVU = "non_facility_pe_rvu"
FACILITY_PE_RVU = "facility_pe_rvu"
MP_RVU = "mp_rvu"
CONVERSION_FACTOR = "conversion_factor"
PCTC_INDICATOR = "pctc_indicator"
GLOBAL_DAYS = "global_days"
MULTIPLE_PROCEDURE_INDICATOR = "multiple_procedure_indicator"
NON_FACILITY_PE_NA = "non_facility_pe_na"
FACILITY_PE_NA = "facility_pe_na"
VALID_START_DATE = "valid_start_date"
VALID_END_DATE = "valid_end_date"
SOURCE = "source"
MAC = "mac"
STATE = "state"
LOCALITY = "locality"
LOCALITY_NAME = "locality_name"
WORK_GPCI = "work_gpci"
PE_GPCI = "pe_gpci"
MP_GPCI = "mp_gpci"

RVU = pl.Decimal(18, 2)
CF = pl.Decimal(18, 4)
GPCI = pl.Decimal(18, 3)

RVU_SCHEMA = pl.Schema(
    {
        HCPCS_CODE: pl.String(),
        MODIFIER: pl.String(),
        STATUS: pl.String(),
        WORK_RVU: RVU,
        NON_FACILITY_PE_RVU: RVU,
        FACILITY_PE_RVU: RVU,
        MP_RVU: RVU,
        CONVERSION_FACTOR: CF,
        PCTC_INDICATOR: pl.String(),
        GLOBAL_DAYS: pl.String(),
        MULTIPLE_PROCEDURE_INDICATOR: pl.String(),
        NON_FACILITY_PE_NA: pl.Boolean(),
        FACILITY_PE_NA: pl.Boolean(),
    }
)
GPCI_SCHEMA = pl.Schema(
    {
        MAC: pl.String(),
        STATE: pl.String(),
        LOCALITY: pl.String(),
        LOCALITY_NAME: pl.String(),
        WORK_GPCI: GPCI,
        PE_GPCI: GPCI,
        MP_GPCI: GPCI,
    }
)
RELEASES_SCHEMA = pl.Schema(
    {
        RELEASE: pl.String(),
        YEAR: pl.Int32(),
        VALID_START_DATE: pl.Date(),
        VALID_END_DATE: pl.Date(),
        CONVERSION_FACTOR: CF,
        SOURCE: pl.String(),
    }
)

# joined header text (lower case) -> output column; the first five are required
_RVU_HEADERS: dict[str, str] = {
    r"^hcpcs(?: code)?$": HCPCS_CODE,
    r"^mod(?:ifier)?$": MODIFIER,
    r"^status(?: code| ind(?:icator)?)?$": STATUS,
    r"^work rvu$": WORK_RVU,
    r"^non-?fac(?:ility)? pe rvu$": NON_FACILITY_PE_RVU,
    r"^facility pe rvu$": FACILITY_PE_RVU,
    r"^(?:mp|malpractice|pli) rvu$": MP_RVU,
    r"^conv(?:ersion)? factor$": CONVERSION_FACTOR,
    r"^pc ?/? ?tc ind": PCTC_INDICATOR,
    r"^glob(?:al)? days$": GLOBAL_DAYS,
    r"^mult(?:iple)? proc": MULTIPLE_PROCEDURE_INDICATOR,
    r"^non-?fac(?:ility)? na ind": NON_FACILITY_PE_NA,
    r"^facility na ind": FACILITY_PE_NA,
}
_RVU_DECIMALS = {
    WORK_RVU: 2,
    NON_FACILITY_PE_RVU: 2,
    FACILITY_PE_RVU: 2,
    MP_RVU: 2,
    CONVERSION_FACTOR: 4,
}
_HEADER_DEPTH = 5  # CMS spreads each column's name over up to five rows


def _joined_header(grid: Grid, row: int) -> list[str]:
    rows = grid.head[max(0, row - _HEADER_DEPTH + 1) : row + 1]
    width = max(len(r) for r in rows)
    return [header_text(" ".join(r[j] for r in rows if j < len(r) and r[j])) for j in range(width)]


def _match_columns(names: list[str], patterns: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for j, name in enumerate(names):
        for pattern, out in patterns.items():
            if out not in found and re.search(pattern, name):
                found[out] = j
                break
    return found


def _locate_rvu(grid: Grid) -> tuple[int, dict[str, int]] | None:
    for r, cells in enumerate(grid.head):
        lower = [header_text(c) for c in cells]
        if lower and re.fullmatch(r"hcpcs(?: code)?", lower[0]) and "mod" in lower:
            return r, _match_columns(_joined_header(grid, r), _RVU_HEADERS)
    return None


def _row_numbers(start: int) -> pl.Expr:
    """1-based file row of each body row read from index ``start``."""
    return (pl.int_range(pl.len(), dtype=pl.Int64) + start + 1).alias("_row")


def read_cms_rvu(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read CMS's national physician fee schedule RVU file (``PPRRVU*.csv`` or its XLSX).

    Returns one row per (``hcpcs_code``, ``modifier``) — modifier null, ``26``, ``TC`` or
    ``53`` — with ``status`` (PFS status indicator: A, B, C, E, I, J, M, N, P, R, T, X …),
    ``work_rvu``, ``non_facility_pe_rvu``, ``facility_pe_rvu``, ``mp_rvu`` (Decimal, 2
    places), ``conversion_factor`` (Decimal, 4 places), ``pctc_indicator``, ``global_days``,
    ``multiple_procedure_indicator`` (CMS's codes, as text) and ``non_facility_pe_na`` /
    ``facility_pe_na`` (true where CMS marks the PE RVU "NA" in that setting), sorted by code
    and modifier. The descriptor is not read.

    Raises ``InputError`` naming the file (and row and column) when no header row is found, a
    required column is missing or a number does not parse.
    """
    return _read_rvu(Path(path))[0]


def _read_rvu(p: Path) -> tuple[pl.DataFrame, list[str]]:
    """``read_cms_rvu``'s frame and the non-empty cells of the rows above its header (CMS's
    title rows: year, release month)."""
    what = "CMS's national physician fee schedule RVU file (PPRRVU*.csv)"
    for grid in read_grids(p, what):
        located = _locate_rvu(grid)
        if located is None:
            continue
        row, columns = located
        missing = [c for c in RVU_SCHEMA.names() if c not in columns]
        if missing:
            msg = (
                f"{grid.label}: the RVU header (row {row + 1}) has no {missing[0]!r} column; "
                "expected CMS's PPRRVU layout (HCPCS, MOD, STATUS CODE, WORK RVU, NON-FAC PE "
                "RVU, FACILITY PE RVU, MP RVU, PCTC IND, GLOB DAYS, MULT PROC, CONV FACTOR)."
            )
            raise InputError(msg)
        body = grid.body(row + 1)
        raw = body.select(
            _row_numbers(row + 1),
            *(
                pl.col(f"column_{columns[name]}").alias(name)
                if f"column_{columns[name]}" in body.columns
                else pl.lit(None, dtype=pl.String).alias(name)
                for name in RVU_SCHEMA.names()
            ),
        ).with_columns(normalise_code(pl.col(HCPCS_CODE)).alias(HCPCS_CODE))
        raw = raw.filter(pl.col(HCPCS_CODE).str.contains(CODE_SHAPE))
        if raw.is_empty():
            msg = f"{grid.label}: found the RVU header (row {row + 1}) but no code below it."
            raise InputError(msg)
        typed = check_parsed(
            raw,
            {name: decimal(pl.col(name), scale) for name, scale in _RVU_DECIMALS.items()},
            label=grid.label,
            row_of=pl.col("_row"),
            expected={
                name: f"a number with at most {scale} decimals"
                for name, scale in _RVU_DECIMALS.items()
            },
        )
        title = [cell for cells in grid.head[:row] for cell in cells if cell]
        return (
            typed.with_columns(
                pl.col(MODIFIER).str.to_uppercase(),
                pl.col(STATUS).str.to_uppercase(),
                pl.col(NON_FACILITY_PE_NA).is_not_null(),
                pl.col(FACILITY_PE_NA).is_not_null(),
            )
            .select(RVU_SCHEMA.names())
            .cast(RVU_SCHEMA)
            .sort(HCPCS_CODE, MODIFIER, nulls_last=False)
        ), title
    msg = (
        f"{p.name}: no RVU header row found in the first rows of any sheet; expected CMS's "
        "PPRRVU layout, a row starting 'HCPCS', 'MOD' under the title rows."
    )
    raise InputError(msg)


_GPCI_REQUIRED = (MAC, STATE, LOCALITY, LOCALITY_NAME, WORK_GPCI, PE_GPCI, MP_GPCI)


# (words the header cell must hold, words it must also hold one of, words it must not hold)
_GPCI_HEADERS: tuple[tuple[str, frozenset[str], frozenset[str], frozenset[str]], ...] = (
    (WORK_GPCI, frozenset({"gpci"}), frozenset({"pw", "work"}), frozenset()),
    (PE_GPCI, frozenset({"gpci", "pe"}), frozenset(), frozenset()),
    (MP_GPCI, frozenset({"gpci"}), frozenset({"mp", "malpractice", "pli"}), frozenset()),
    (MAC, frozenset(), frozenset({"mac", "contractor"}), frozenset({"gpci"})),
    (STATE, frozenset({"state"}), frozenset(), frozenset({"gpci", "locality"})),
    (LOCALITY_NAME, frozenset({"locality", "name"}), frozenset(), frozenset({"gpci"})),
    (LOCALITY, frozenset({"locality"}), frozenset(), frozenset({"gpci", "name"})),
)


def _gpci_column(text: str) -> str | None:
    words = set(re.split(r"[^a-z0-9]+", text))
    for name, every, some, none in _GPCI_HEADERS:
        if every <= words and (not some or words & some) and not words & none:
            return name
    return None


def _locate_gpci(grid: Grid) -> tuple[int, dict[str, int]] | None:
    for r, cells in enumerate(grid.head):
        found: dict[str, int] = {}
        for j, cell in enumerate(cells):
            name = _gpci_column(header_text(cell))
            if name is not None and name not in found:
                found[name] = j
        if all(c in found for c in _GPCI_REQUIRED):
            return r, found
    return None


def read_cms_gpci(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read CMS's GPCI table (Addendum E, ``GPCI20xx.csv`` or its XLSX).

    Returns one row per Medicare locality: ``mac`` (5 digits), ``state``, ``locality`` (2
    digits, as text), ``locality_name`` (footnote asterisks removed), ``work_gpci`` (the PW
    GPCI as CMS applies it, with the 1.0 floor where the year has one), ``pe_gpci``,
    ``mp_gpci`` (Decimal, 3 places), sorted by mac and locality.
    """
    return _read_gpci(Path(path))[0]


def _read_gpci(p: Path) -> tuple[pl.DataFrame, list[str]]:
    """``read_cms_gpci``'s frame and the non-empty cells of its title and header rows."""
    what = "CMS's GPCI table (Addendum E, GPCI*.csv)"
    decimals = {WORK_GPCI: 3, PE_GPCI: 3, MP_GPCI: 3}
    for grid in read_grids(p, what):
        located = _locate_gpci(grid)
        if located is None:
            continue
        row, columns = located
        body = grid.body(row + 1)
        raw = (
            body.select(
                _row_numbers(row + 1),
                *(pl.col(f"column_{columns[name]}").alias(name) for name in _GPCI_REQUIRED),
            )
            .with_columns(pl.col(MAC).str.replace(r"\.0+$", "").str.zfill(5))
            .filter(pl.col(MAC).str.contains(r"^[0-9]{5}$"))
        )
        if raw.is_empty():
            msg = f"{grid.label}: found the GPCI header (row {row + 1}) but no locality below it."
            raise InputError(msg)
        typed = check_parsed(
            raw,
            {name: decimal(pl.col(name), scale) for name, scale in decimals.items()},
            label=grid.label,
            row_of=pl.col("_row"),
            expected=dict.fromkeys(decimals, "a number with at most 3 decimals"),
        )
        return (
            typed.with_columns(
                pl.col(STATE).str.to_uppercase(),
                pl.col(LOCALITY).str.replace(r"\.0+$", "").str.zfill(2),
                pl.col(LOCALITY_NAME).str.replace(r"\*+$", "").str.strip_chars(),
            )
            .select(GPCI_SCHEMA.names())
            .cast(GPCI_SCHEMA)
            .sort(MAC, LOCALITY)
        ), [cell for cells in grid.head[: row + 1] for cell in cells if cell]
    msg = (
        f"{p.name}: no GPCI header row found; expected CMS's Addendum E layout (columns "
        "Medicare Administrative Contractor, State, Locality Number, Locality Name, PW GPCI, "
        "PE GPCI, MP GPCI)."
    )
    raise InputError(msg)


@dataclass(frozen=True)
class FeeScheduleRelease:
    """One Medicare PFS release: the RVU rows (``read_cms_rvu``'s schema) and the DOS range it
    prices (both inclusive)."""

    release: str
    valid_start_date: dt.date
    valid_end_date: dt.date
    rvu: pl.DataFrame
    source: str
    shipped: bool
    # from 2026 CMS publishes one RVU file per conversion factor: "qualifying" (APM
    # participants), "non_qualifying", or None (one conversion factor for everyone)
    apm: str | None = None


@dataclass(frozen=True)
class GpciFile:
    """One year's GPCIs (``read_cms_gpci``'s schema: mac, state, locality, locality_name,
    work_gpci, pe_gpci, mp_gpci)."""

    year: int
    table: pl.DataFrame
    source: str
    shipped: bool


# --- a release or GPCI file given by the user (``--fee-schedule F``, ``--gpci F``) ------------

QUALIFYING, NON_QUALIFYING = "qualifying", "non_qualifying"
#: CMS publishes one conversion factor for everyone until 2025, two from 2026 (APM)
FIRST_APM_YEAR = 2026

D = dt.date
#: (year, conversion factor) -> the first and last DOS it was in force and, from 2026, the
#: clinicians it is for. From the PFS final rules (CMS-1784-F, CMS-1807-F, CMS-1832-F) and the
#: Consolidated Appropriations Act, 2024 (33.2875 from 2024-03-09); checked 2026-12-07.
CONVERSION_FACTORS: dict[tuple[int, Decimal], tuple[dt.date, dt.date, str | None]] = {
    (2021, Decimal("34.8931")): (D(2021, 1, 1), D(2021, 12, 31), None),
    (2022, Decimal("34.6062")): (D(2022, 1, 1), D(2022, 12, 31), None),
    (2023, Decimal("33.8872")): (D(2023, 1, 1), D(2023, 12, 31), None),
    (2024, Decimal("32.7442")): (D(2024, 1, 1), D(2024, 3, 8), None),
    (2024, Decimal("33.2875")): (D(2024, 3, 9), D(2024, 12, 31), None),
    (2025, Decimal("32.3465")): (D(2025, 1, 1), D(2025, 12, 31), None),
    (2026, Decimal("33.5675")): (D(2026, 1, 1), D(2026, 12, 31), QUALIFYING),
    (2026, Decimal("33.4009")): (D(2026, 1, 1), D(2026, 12, 31), NON_QUALIFYING),
}

_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b", re.IGNORECASE)
_TITLE = re.compile(
    r"(?<![0-9])(20[0-9]{2})(?![0-9]).*(?:fee schedule|relative value)", re.IGNORECASE
)
#: PPRRVU24_JUL.csv, PPRRVU2026_JUL_nonQPP.csv
_PPRRVU_NAME = re.compile(r"PPRRVU(20[0-9]{2}|[0-9]{2})(?![0-9])_?([A-Z]{3})?", re.IGNORECASE)
#: RVU24C (CMS's zip: A January, B April, C July, D October)
_RVU_ZIP_NAME = re.compile(r"(?<![A-Z])RVU([0-9]{2})([A-D])(?![A-Z])", re.IGNORECASE)
_QUARTER_MONTH = {"A": 1, "B": 4, "C": 7, "D": 10}
_YEAR_IN_NAME = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9])")
_NON_QUALIFYING = re.compile(r"non[-_ ]?(?:qpp|qp|qualifying)(?![a-z])", re.IGNORECASE)
_QUALIFYING = re.compile(r"(?<![a-z])(?:qpp|qp|qualifying)(?![a-z])", re.IGNORECASE)


def _year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


def _release_of(name: str, title: list[str]) -> tuple[int | None, int | None]:
    """(year, month) of a PPRRVU file: its title row ("2026 National Physician Fee Schedule
    Relative Value File July Release"), else its file name; None where neither says."""
    for cell in title:
        found = _TITLE.search(cell)
        if found is not None:
            named = _MONTH.search(cell[found.end(1) :])
            index = _MONTHS.index(named.group(1).lower()) if named else None
            return int(found.group(1)), None if index is None else index + 1
    pprrvu = _PPRRVU_NAME.search(name)
    if pprrvu is not None:
        month_text = (pprrvu.group(2) or "").lower()
        shorts = [m[:3] for m in _MONTHS]
        month = shorts.index(month_text) + 1 if month_text in shorts else None
        return _year(pprrvu.group(1)), month
    zipped = _RVU_ZIP_NAME.search(name)
    if zipped is not None:
        return _year(zipped.group(1)), _QUARTER_MONTH[zipped.group(2).upper()]
    years = set(_YEAR_IN_NAME.findall(name))
    return (int(years.pop()), None) if len(years) == 1 else (None, None)


def _apm_of(name: str, title: list[str]) -> str | None:
    """qualifying / non_qualifying when the file name or title says so, else None."""
    for text in (name, *title):
        if _NON_QUALIFYING.search(text):
            return NON_QUALIFYING
        if _QUALIFYING.search(text):
            return QUALIFYING
    return None


def _conversion_factor(rvu: pl.DataFrame, name: str) -> Decimal:
    """The release's conversion factor: the one most of its rows carry (CMS prints it on every
    row)."""
    counts = (
        rvu.filter(pl.col(CONVERSION_FACTOR) > 0)
        .group_by(CONVERSION_FACTOR)
        .len()
        .sort("len", CONVERSION_FACTOR, descending=True)
    )
    if counts.is_empty():
        msg = (
            f"{name}: no row has a conversion factor (CONV FACTOR); expected CMS's PPRRVU file "
            "as published"
        )
        raise InputError(msg)
    value = counts.item(0, CONVERSION_FACTOR)
    return Decimal(value).quantize(Decimal("0.0001"))


def read_fee_schedule_release(
    path: str | os.PathLike[str],
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> FeeScheduleRelease:
    """A fee-schedule release from CMS's PPRRVU file (``read_cms_rvu``), dated for pricing.

    - ``release`` is ``YYYY-MM``: the year and month of the title row ("2026 National Physician
      Fee Schedule Relative Value File July Release"), else of the file name (``PPRRVU24_JUL``,
      ``PPRRVU2026_JUL_nonQPP``, ``RVU24C``: A January, B April, C July, D October; a name with
      no month takes the month of the first DOS it prices).
    - ``apm`` (from 2026): ``non_qualifying`` when the name or title says nonQPP or
      non-qualifying, ``qualifying`` for QPP or qualifying, else the one of its conversion factor
      when CMS's is known; None before 2026 (one conversion factor for everyone).
    - DOS range: the dates its conversion factor was in force (``CONVERSION_FACTORS``: the 2024
      release with 33.2875 prices 2024-03-09..2024-12-31), else its calendar year.
      ``valid_from`` / ``valid_to`` replace the first / last DOS.

    Raises ``InputError`` naming the file when neither the title nor the name gives the year
    (unless ``valid_from`` does: give ``--fee-schedule-from DATE``) or the range is empty.
    """
    p = Path(path)
    rvu, title = _read_rvu(p)
    year, month = _release_of(p.name, title)
    if year is None and valid_from is not None:
        year = valid_from.year
    if year is None:
        msg = (
            f"{p.name}: cannot tell which year this fee-schedule release is for (neither its "
            "title rows nor its file name name one, as in PPRRVU2026_JUL.csv); give the first "
            "date of service it prices with --fee-schedule-from DATE (valid_from=)"
        )
        raise InputError(msg)
    cf = _conversion_factor(rvu, p.name)
    known = CONVERSION_FACTORS.get((year, cf))
    start, end = (known[0], known[1]) if known else (dt.date(year, 1, 1), dt.date(year, 12, 31))
    start, end = valid_from or start, valid_to or end
    if end < start:
        msg = (
            f"{p.name}: the dates it would price are empty (first {start}, last {end}; its "
            f"conversion factor {cf} was in force until {end} unless a last date is given)"
        )
        raise InputError(msg)
    apm = None
    if year >= FIRST_APM_YEAR:
        apm = _apm_of(p.name, title) or (known[2] if known else None)
    month = month or start.month
    who = {
        QUALIFYING: ", for qualifying APM participants",
        NON_QUALIFYING: ", for clinicians not in a qualifying APM",
        None: "",
    }[apm]
    source = (
        f"CMS PFS national RVU file, {year} {_MONTHS[month - 1].capitalize()} release "
        f"({p.name}; conversion factor {cf}{who}), given"
    )
    return FeeScheduleRelease(
        release=f"{year}-{month:02d}",
        valid_start_date=start,
        valid_end_date=end,
        rvu=rvu,
        source=source,
        shipped=False,
        apm=apm,
    )


def read_gpci_file(path: str | os.PathLike[str], year: int | None = None) -> GpciFile:
    """A year's GPCIs from CMS's GPCI table (``read_cms_gpci``). ``year`` defaults to the one
    the file name gives (``GPCI2026.csv``), else the one its title and header rows give
    ("FINAL CY 2026 GEOGRAPHIC PRACTICE COST INDICES", "2026 PW GPCI"); a file naming none, or
    several, is an ``InputError`` asking for the year."""
    p = Path(path)
    table, head = _read_gpci(p)
    if year is None:
        in_name = set(_YEAR_IN_NAME.findall(p.name))
        in_head = {y for cell in head for y in _YEAR_IN_NAME.findall(cell)}
        for years in (in_name, in_head):
            if len(years) == 1:
                year = int(years.pop())
                break
    if year is None:
        msg = (
            f"{p.name}: cannot tell which calendar year its GPCIs are for (neither the file "
            "name nor its title names one year); rename it with the year, e.g. GPCI2026.csv, "
            "or pass year="
        )
        raise InputError(msg)
    return GpciFile(
        year=year,
        table=table,
        source=f"CMS PFS GPCIs, CY{year} ({p.name}, {table.height} localities), given",
        shipped=False,
    )


# --- what telekit ships ------------------------------------------------------------------------

_RELEASES = pl.DataFrame(
    {
        RELEASE: ["2023-01", "2024-07"],
        YEAR: [2023, 2024],
        VALID_START_DATE: [dt.date(2023, 1, 1), dt.date(2024, 3, 9)],
        VALID_END_DATE: [dt.date(2023, 12, 31), dt.date(2024, 12, 31)],
        CONVERSION_FACTOR: ["33.8872", "33.2875"],
        SOURCE: [
            "CMS PFS national RVU file, 2023 January release (PPRRVU23_JAN.csv, RVU23A)",
            "CMS PFS national RVU file, 2024 July release (PPRRVU24_JUL.csv, RVU24C)",
        ],
    }
).cast(RELEASES_SCHEMA)


def fee_schedule_releases() -> pl.DataFrame:
    """The fee-schedule releases telekit ships, one row each: ``release`` (``YYYY-MM``),
    ``year``, the DOS range it prices (``valid_start_date``..``valid_end_date``, inclusive),
    its ``conversion_factor`` and ``source``.

    CY2023 January prices 2023-01-01..2023-12-31; CY2024 July prices 2024-03-09..2024-12-31,
    the dates its conversion factor 33.2875 was in force (2024-01-01..2024-03-08 had 32.7442,
    a release telekit does not ship).
    """
    return _RELEASES


PFS_RVU_SCHEMA = pl.Schema({RELEASE: pl.String(), **dict(RVU_SCHEMA)})


@functools.cache
def _shipped_rvu() -> pl.DataFrame:
    return package_parquet("pfs_rvu.parquet", PFS_RVU_SCHEMA)


def _check_release(release: str) -> None:
    known = _RELEASES.get_column(RELEASE).to_list()
    if release not in known:
        msg = f"no fee-schedule release {release!r} is shipped; shipped: {', '.join(known)}"
        raise ValueError(msg)


def pfs_rvu(release: str) -> pl.DataFrame:
    """The shipped national RVU rows of ``release`` (see ``fee_schedule_releases()``), in
    ``read_cms_rvu``'s schema, sorted by code and modifier."""
    _check_release(release)
    return _shipped_rvu().filter(pl.col(RELEASE) == release).drop(RELEASE)


def pfs_status(release: str) -> pl.DataFrame:
    """PFS status indicator per code in ``release``: ``hcpcs_code``, ``status``, one row per
    code, taken from the code's unmodified row (the 26/TC rows of a code whose unmodified row
    is absent — 86153 — give its status). Sorted by code."""
    return (
        pfs_rvu(release)
        .sort(HCPCS_CODE, MODIFIER, nulls_last=False)
        .unique(HCPCS_CODE, keep="first", maintain_order=True)
        .select(HCPCS_CODE, STATUS)
    )


GPCI_YEAR_SCHEMA = pl.Schema({YEAR: pl.Int32(), **dict(GPCI_SCHEMA)})


@functools.cache
def gpci() -> pl.DataFrame:
    """The shipped GPCIs (CY2024, 109 localities) with their ``year``, in ``read_cms_gpci``'s
    schema, sorted by mac and locality."""
    return package_parquet("pfs_gpci.parquet", GPCI_YEAR_SCHEMA)
