"""The shipped ICD-10-CM billable set is built from its runs of fiscal years directly (no row
per code and year); it must give what the year-by-year build gives."""

from __future__ import annotations

import polars as pl
import pytest

from telekit.codesets import _icd10cm as m

TANGLED = pl.DataFrame(
    {
        # a code with a gap, a late-start code whose late year falls inside a run and starts
        # another, an interim addition's code, a one-year code
        "code": ["A00", "A00", "Z28310", "Z28310", "B01", "U071"],
        "first_fiscal_year": [2019, 2023, 2019, 2024, 2020, 2021],
        "last_fiscal_year": [2020, 2026, 2022, 2026, 2020, 2026],
    },
    schema=m.RUNS_SCHEMA,
)


@pytest.mark.parametrize(
    "years", [list(m.SHIPPED_FISCAL_YEARS), [2020, 2022, 2025], [2019, 2021, 2023, 2024]]
)
def test_runs_build_equals_the_year_by_year_build(years: list[int]) -> None:
    shipped = pl.Series(years, dtype=pl.Int32)
    expected = m._billable(m._years(TANGLED), shipped_years=shipped)
    got = m._billable_runs(TANGLED, shipped_years=shipped)
    assert got.equals(expected)
    # the late start and the gap really are there (the test would pass on two empty frames)
    if 2022 in years:
        assert got.filter(pl.col("code") == "Z28310").height == 3
    assert got.filter(pl.col("code") == "A00").height == 2


def test_shipped_set_equals_the_year_by_year_build() -> None:
    shipped = pl.Series(list(m.SHIPPED_FISCAL_YEARS), dtype=pl.Int32)
    expected = m._billable(m._years(m._shipped_runs()), shipped_years=shipped)
    got = m._shipped_billable()
    assert got.height == expected.height > 70_000
    assert got.equals(expected)
