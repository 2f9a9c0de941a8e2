"""CD001's fix suggests only codes that exist on the DOS (telekit's code table)."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from telekit import codesets
from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit.rules import _coding

_CODE = re.compile(r"\b([0-9]{5}|[A-Z][0-9]{4})\b(?:-([0-9]{5}))?")


def _validity() -> dict[str, list[tuple[dt.date | None, dt.date | None]]]:
    out: dict[str, list[tuple[dt.date | None, dt.date | None]]] = {}
    for row in codesets.hcpcs().iter_rows(named=True):
        out.setdefault(row[c.HCPCS_CODE], []).append(
            (row["valid_start_date"], row["valid_end_date"])
        )
    return out


def _valid(code: str, dos: dt.date) -> bool:
    return any(
        (start is None or start <= dos) and (end is None or dos <= end)
        for start, end in _validity().get(code, [])
    )


def _suggested(fix: str) -> list[str]:
    """The codes a fix asks to bill: each "bill ..." clause up to its first parenthesis."""
    codes: list[str] = []
    for clause in re.findall(r"\bbill ([^(;]*)", fix):
        for first, last in _CODE.findall(clause):
            if last:
                codes.extend(str(n) for n in range(int(first), int(last) + 1))
            else:
                codes.append(first)
    return codes


def _dates() -> list[dt.date]:
    out = []
    for year in range(2007, 2028):
        out += [dt.date(year, 1, 1), dt.date(year, 6, 30), dt.date(year, 12, 31)]
    return out


CODES = sorted({*_coding._CD001_FIXES, *_coding._TELEPHONE_EM})


@pytest.mark.parametrize("code", CODES)
def test_cd001_fix_suggests_only_codes_valid_on_the_dos(code: str) -> None:
    dates = [d for d in _dates() if not _valid(code, d)]
    assert dates, f"{code} is never invalid in 2007-2027"
    frame = pl.DataFrame(
        {
            c.HCPCS_CODE: [code] * len(dates) * 2,
            c.CLAIM_LINE_START_DATE: dates * 2,
            v.POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES: [True] * len(dates) + [False] * len(dates),
        }
    )
    fixes = frame.select(_coding._cd001_fix().alias("fix"), c.CLAIM_LINE_START_DATE)
    suggested_somewhere = False
    for fix, dos in fixes.iter_rows():
        assert fix
        for suggestion in _suggested(fix):
            suggested_somewhere = True
            assert _valid(suggestion, dos), (code, dos, fix)
    assert suggested_somewhere, f"the fix of {code} never names a code"


def test_no_replacement_before_a_replacement_exists() -> None:
    frame = pl.DataFrame(
        {
            c.HCPCS_CODE: ["G2061", "G2061", "98016", "98016", "98984", "98984"],
            c.CLAIM_LINE_START_DATE: [
                dt.date(2019, 6, 1),
                dt.date(2021, 6, 1),
                dt.date(2018, 6, 1),
                dt.date(2024, 6, 1),
                dt.date(2021, 6, 1),
                dt.date(2025, 6, 1),
            ],
            v.POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES: [False] * 6,
        }
    )
    fixes = frame.select(_coding._cd001_fix()).to_series().to_list()
    assert fixes[0].startswith("no code in telekit's code table replaces it")  # 98970 from 2020
    assert fixes[1].startswith("bill 98970")
    assert fixes[2].startswith("no code")  # G2012 from 2019
    assert fixes[3].startswith("bill G2012")
    assert fixes[4].startswith("no code")  # 98976 from 2022
    assert fixes[5].startswith("bill 98976")
