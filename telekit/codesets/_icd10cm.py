"""ICD-10-CM billable codes by fiscal year: the sets telekit ships (FY2019–FY2026) and a reader
for NCHS/CDC's order file of a later year.

A fiscal year N runs from 1 October of N−1 to 30 September of N. A code is *billable* ("valid
for submission on HIPAA-covered transactions", flag 1 in the order file) or a *header* (flag 0:
a category such as F41 or E11 with more specific codes below it).

Shipped: one row per code and run of consecutive billable fiscal years (``first_fiscal_year``,
``last_fiscal_year``), not one copy per year, plus the interim additions dated inside a fiscal
year (U07.1, billable from 2020-04-01). No descriptions are shipped.

``icd10cm_billable()`` turns that into a frame a claim-line frame can join to: ``code``,
``valid_start_date``, ``valid_end_date`` (both inclusive), one row per run.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

import polars as pl

from telekit._core._exceptions import InputError
from telekit.codesets._parquet import package_parquet

CODE = "code"
BILLABLE = "billable"
FISCAL_YEAR = "fiscal_year"
FIRST_FISCAL_YEAR = "first_fiscal_year"
LAST_FISCAL_YEAR = "last_fiscal_year"
VALID_START_DATE = "valid_start_date"
VALID_END_DATE = "valid_end_date"
SOURCE = "source"

ORDER_SCHEMA = pl.Schema({FISCAL_YEAR: pl.Int32(), CODE: pl.String(), BILLABLE: pl.Boolean()})
RUNS_SCHEMA = pl.Schema(
    {CODE: pl.String(), FIRST_FISCAL_YEAR: pl.Int32(), LAST_FISCAL_YEAR: pl.Int32()}
)
BILLABLE_SCHEMA = pl.Schema(
    {CODE: pl.String(), VALID_START_DATE: pl.Date(), VALID_END_DATE: pl.Date()}
)

SHIPPED_FISCAL_YEARS = range(2019, 2027)
# Changes dated inside a fiscal year, which a one-file-per-year set cannot show:
# - billable on these extra dates (the year's shipped file predates or postdates the change):
#   U07.1 from 2020-04-01 (FY2020's file is the October 2019 release); Z28.3 until 2022-03-31
#   (FY2022's file is the April 2022 update, in which Z28.3 became a header).
INTERIM_ADDITIONS = pl.DataFrame(
    {
        CODE: ["U071", "Z283"],
        VALID_START_DATE: [dt.date(2020, 4, 1), dt.date(2021, 10, 1)],
        VALID_END_DATE: [dt.date(2020, 9, 30), dt.date(2022, 3, 31)],
    },
    schema=BILLABLE_SCHEMA,
)
# - billable only from a date after the fiscal year's 1 October: the April 2022 additions
#   Z28.310, Z28.311, Z28.39 (in FY2022's shipped file, which is the April update).
LATE_STARTS = pl.DataFrame(
    {
        CODE: ["Z28310", "Z28311", "Z2839"],
        FISCAL_YEAR: [2022, 2022, 2022],
        VALID_START_DATE: [dt.date(2022, 4, 1)] * 3,
    },
    schema={CODE: pl.String(), FISCAL_YEAR: pl.Int32(), VALID_START_DATE: pl.Date()},
)
_RELEASE = {
    2019: "FY2019 (October 1, 2018 release)",
    2020: "FY2020 (October 1, 2019 release; U07.1 added from 2020-04-01)",
    2021: "FY2021 (January 1, 2021 update)",
    2022: "FY2022 (April 1, 2022 update)",
    2023: "FY2023 (April 1, 2023 update)",
    2024: "FY2024 (October 1, 2023 release; the April 2024 update is identical)",
    2025: "FY2025 (October 1, 2024 release; the April 2025 update is identical)",
    2026: "FY2026 (October 1, 2025 release)",
}

_ORDER_LINE = r"^([0-9]{5}) ([A-Z][0-9][0-9A-Z][0-9A-Z ]{0,4}) +([01]) "


def fiscal_year_start(expr: pl.Expr) -> pl.Expr:
    """1 October of the year before fiscal year ``expr``."""
    return pl.date(expr - 1, 10, 1)


def fiscal_year_end(expr: pl.Expr) -> pl.Expr:
    """30 September of fiscal year ``expr``."""
    return pl.date(expr, 9, 30)


def read_icd10cm_order(path: str | os.PathLike[str], fiscal_year: int) -> pl.DataFrame:
    """Read NCHS/CDC's ICD-10-CM order file (``icd10cm_order_2027.txt``) for ``fiscal_year``.

    The file is fixed-width: order number (columns 1–5), code (7–13, no dot), billable flag
    (15: 1 billable, 0 header), then short and long descriptions, which are not read. Returns
    ``fiscal_year``, ``code``, ``billable``, one row per code, in the file's order.

    Raises ``InputError`` naming the file and line when a line is not in that layout, or when
    a code appears twice.
    """
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
        msg = f"fiscal_year must be an int such as 2027, got {type(fiscal_year).__name__}"
        raise TypeError(msg)
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        msg = f"{p.name}: cannot open the ICD-10-CM order file ({exc.strerror})."
        raise InputError(msg) from exc
    lines = pl.Series("line", data.decode("utf-8", errors="replace").split("\n"))
    parsed = (
        pl.DataFrame(lines)
        .with_row_index("_line", offset=1)
        .with_columns(pl.col("line").str.strip_chars_end("\r"))
        .filter(pl.col("line").str.strip_chars() != "")
        .with_columns(pl.col("line").str.extract_groups(_ORDER_LINE).alias("_m"))
        .unnest("_m")
        .rename({"1": "_order", "2": CODE, "3": "_flag"})
    )
    bad = parsed.filter(pl.col(CODE).is_null())
    if not bad.is_empty():
        msg = (
            f"{p.name}: line {bad.get_column('_line')[0]} is not in the ICD-10-CM order-file "
            "layout (order number in columns 1-5, code in 7-13, billable flag 0/1 in 15)."
        )
        raise InputError(msg)
    if parsed.is_empty():
        msg = f"{p.name}: the ICD-10-CM order file has no code."
        raise InputError(msg)
    out = parsed.select(
        pl.lit(fiscal_year, dtype=pl.Int32).alias(FISCAL_YEAR),
        pl.col(CODE).str.strip_chars(),
        (pl.col("_flag") == "1").alias(BILLABLE),
        "_line",
    )
    dup = out.filter(pl.col(CODE).is_duplicated())
    if not dup.is_empty():
        msg = f"{p.name}: line {dup.get_column('_line')[1]} repeats a code listed above it."
        raise InputError(msg)
    return out.drop("_line")


@functools.cache
def _shipped_runs() -> pl.DataFrame:
    return package_parquet("icd10cm_billable.parquet", RUNS_SCHEMA)


def _years(runs: pl.DataFrame) -> pl.DataFrame:
    return runs.select(
        CODE,
        pl.int_ranges(FIRST_FISCAL_YEAR, pl.col(LAST_FISCAL_YEAR) + 1, dtype=pl.Int32).alias(
            FISCAL_YEAR
        ),
    ).explode(FISCAL_YEAR)


def _merge(ranges: pl.DataFrame) -> pl.DataFrame:
    """Merge each code's overlapping or adjacent date ranges into one row."""
    ordered = ranges.sort(CODE, VALID_START_DATE)
    reach = pl.col(VALID_END_DATE).cum_max().shift(1).over(CODE)
    new_run = reach.is_null() | (pl.col(VALID_START_DATE) > reach + pl.duration(days=1))
    return (
        ordered.with_columns(new_run.cum_sum().over(CODE).alias("_run"))
        .group_by(CODE, "_run", maintain_order=True)
        .agg(pl.col(VALID_START_DATE).min(), pl.col(VALID_END_DATE).max())
        .drop("_run")
        .sort(CODE, VALID_START_DATE)
    )


def _billable(years: pl.DataFrame, *, shipped_years: pl.Series) -> pl.DataFrame:
    """``years`` (code, fiscal_year) as merged date ranges; the interim changes apply to the
    fiscal years in ``shipped_years`` (a given file for that year replaces them)."""
    late = LATE_STARTS.filter(pl.col(FISCAL_YEAR).is_in(shipped_years.implode()))
    interim = INTERIM_ADDITIONS.filter(
        (pl.col(VALID_START_DATE).dt.offset_by("3mo").dt.year()).is_in(shipped_years.implode())
    )
    fy = years.join(late, on=[CODE, FISCAL_YEAR], how="left").select(
        CODE,
        pl.coalesce(VALID_START_DATE, fiscal_year_start(pl.col(FISCAL_YEAR))).alias(
            VALID_START_DATE
        ),
        fiscal_year_end(pl.col(FISCAL_YEAR)).alias(VALID_END_DATE),
    )
    return _merge(pl.concat([fy, interim])).cast(BILLABLE_SCHEMA)


def _billable_runs(runs: pl.DataFrame, *, shipped_years: pl.Series) -> pl.DataFrame:
    """``_billable(_years(runs), ...)`` without one row per code and year: a run of
    consecutive fiscal years is already one date range, so only the codes with a late start
    go through the years, and only the codes with more than one range are merged."""
    late = LATE_STARTS.filter(pl.col(FISCAL_YEAR).is_in(shipped_years.implode()))
    interim = INTERIM_ADDITIONS.filter(
        (pl.col(VALID_START_DATE).dt.offset_by("3mo").dt.year()).is_in(shipped_years.implode())
    )
    touched = pl.col(CODE).is_in(late.get_column(CODE).implode())
    by_year = _years(runs.filter(touched)).join(late, on=[CODE, FISCAL_YEAR], how="left")
    ranges = pl.concat(
        [
            runs.filter(~touched).select(
                CODE,
                fiscal_year_start(pl.col(FIRST_FISCAL_YEAR)).alias(VALID_START_DATE),
                fiscal_year_end(pl.col(LAST_FISCAL_YEAR)).alias(VALID_END_DATE),
            ),
            by_year.select(
                CODE,
                pl.coalesce(VALID_START_DATE, fiscal_year_start(pl.col(FISCAL_YEAR))).alias(
                    VALID_START_DATE
                ),
                fiscal_year_end(pl.col(FISCAL_YEAR)).alias(VALID_END_DATE),
            ),
            interim,
        ]
    )
    several = pl.col(CODE).is_duplicated()
    return (
        pl.concat([ranges.filter(~several), _merge(ranges.filter(several))])
        .sort(CODE, VALID_START_DATE)
        .cast(BILLABLE_SCHEMA)
    )


@functools.cache
def _shipped_billable() -> pl.DataFrame:
    shipped = pl.Series(list(SHIPPED_FISCAL_YEARS), dtype=pl.Int32)
    return _billable_runs(_shipped_runs(), shipped_years=shipped)


def _given_years(given: tuple[pl.DataFrame, ...]) -> pl.DataFrame:
    frames = []
    for frame in given:
        missing = [c for c in ORDER_SCHEMA.names() if c not in frame.columns]
        if missing:
            msg = (
                f"ICD-10-CM set: column {missing[0]!r} is missing; expected fiscal_year, code "
                "and billable, as read_icd10cm_order returns."
            )
            raise InputError(msg)
        frames.append(frame.select(ORDER_SCHEMA.names()).cast(ORDER_SCHEMA))
    return pl.concat(frames)


def icd10cm_billable(*given: pl.DataFrame) -> pl.DataFrame:
    """Billable ICD-10-CM codes as ``code`` (no dot, upper case), ``valid_start_date``,
    ``valid_end_date`` (inclusive), one row per run of consecutive billable days, sorted.

    A code is billable on a date D when a row has ``valid_start_date <= D <= valid_end_date``.
    The shipped sets cover FY2019–FY2026 (2018-10-01..2026-09-30): a date outside every set
    (see ``icd10cm_fiscal_years``) says nothing about a code. ``given`` (frames from
    ``read_icd10cm_order``) replace the shipped set of each fiscal year they hold.
    """
    if not given:
        return _shipped_billable()
    extra = _given_years(given)
    replaced = set(extra.get_column(FISCAL_YEAR).to_list())
    kept = pl.Series([fy for fy in SHIPPED_FISCAL_YEARS if fy not in replaced], dtype=pl.Int32)
    shipped = _years(_shipped_runs()).filter(pl.col(FISCAL_YEAR).is_in(kept.implode()))
    years = pl.concat([shipped, extra.filter(BILLABLE).select(CODE, FISCAL_YEAR).unique()])
    return _billable(years, shipped_years=kept)


def icd10cm_fiscal_years(*given: pl.DataFrame) -> pl.DataFrame:
    """The fiscal years with an ICD-10-CM set: ``fiscal_year``, its dates and ``source``
    (the release shipped, or "given"). ``given`` as for ``icd10cm_billable``."""
    years = {fy: f"NCHS/CDC ICD-10-CM order file, {_RELEASE[fy]} (shipped)" for fy in _RELEASE}
    if given:
        for fy in _given_years(given).get_column(FISCAL_YEAR).unique().to_list():
            years[fy] = f"FY{fy} order file (given)"
    return (
        pl.DataFrame({FISCAL_YEAR: list(years), SOURCE: list(years.values())})
        .cast({FISCAL_YEAR: pl.Int32})
        .select(
            FISCAL_YEAR,
            fiscal_year_start(pl.col(FISCAL_YEAR)).alias(VALID_START_DATE),
            fiscal_year_end(pl.col(FISCAL_YEAR)).alias(VALID_END_DATE),
            SOURCE,
        )
        .sort(FISCAL_YEAR)
    )
