"""The window helpers of FQ/AD/TM004: ``greedy_periods`` against a plain-Python reference, and the
period preparation that FQ001/FQ003 build on it (flags and the opening line of each period)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._core import _columns as c
from telekit._engine._windows import DOS, ROW, SORT_KEYS, greedy_periods
from telekit.rules._frequency import _periods

BASE = dt.date(2024, 1, 1)
SUBMITTED = c.CLAIM_SUBMITTED_DATE

SCHEMA = {
    ROW: pl.UInt32,
    c.PERSON_ID: pl.String,
    c.BILLING_NPI: pl.String,
    DOS: pl.Date,
    SUBMITTED: pl.Date,
    c.CLAIM_ID: pl.String,
    c.CLAIM_LINE_NUMBER: pl.Int32,
    c.HCPCS_CODE: pl.String,
}


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def _line(row: int, dos: str, *, person: str | None = "P1", npi: str | None = "N1",
          submitted: str | None = None, claim: str | None = None, line: int = 1,
          code: str = "99421") -> dict[str, Any]:  # fmt: skip
    return {
        ROW: row,
        c.PERSON_ID: person,
        c.BILLING_NPI: npi,
        DOS: dt.date.fromisoformat(dos),
        SUBMITTED: dt.date.fromisoformat(submitted) if submitted else None,
        c.CLAIM_ID: claim or f"C{row}",
        c.CLAIM_LINE_NUMBER: line,
        c.HCPCS_CODE: code,
    }


def _flags(out: pl.DataFrame) -> dict[int, bool]:
    return dict(zip(out[ROW].to_list(), out["flagged"].to_list(), strict=True))


# --- plain-Python reference -----------------------------------------------------------------


def reference_periods(
    rows: list[dict[str, Any]], group: list[str], days: int
) -> dict[int, tuple[bool, dict[str, Any]]]:
    """Per group, in (DOS, claim_submitted_date nulls last, claim_id, claim_line_number) order: a
    line at least ``days`` after the current period's opener opens a new period, any other line is
    flagged. Returns ``_row -> (flagged, opener of its period)``."""

    def order(r: dict[str, Any]) -> tuple[Any, ...]:
        sub = r[SUBMITTED]
        return (r[DOS], sub is None, sub or dt.date.min, r[c.CLAIM_ID], r[c.CLAIM_LINE_NUMBER])

    openers: dict[tuple[Any, ...], dict[str, Any]] = {}
    out: dict[int, tuple[bool, dict[str, Any]]] = {}
    for r in sorted(rows, key=order):
        g = tuple(r[k] for k in group)
        opener = openers.get(g)
        if opener is None or (r[DOS] - opener[DOS]).days >= days:
            openers[g] = r
            out[r[ROW]] = (False, r)
        else:
            out[r[ROW]] = (True, opener)
    return out


line_strategy = st.tuples(
    st.sampled_from(["P1", "P2", "P3", None]),  # person
    st.sampled_from(["N1", "N2"]),  # billing NPI
    st.integers(0, 120),  # DOS offset
    st.one_of(st.none(), st.integers(0, 150)),  # submitted offset
    st.integers(0, 6),  # claim
    st.integers(1, 3),  # line number
)


def _rows(specs: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [
        {
            ROW: i,
            c.PERSON_ID: person,
            c.BILLING_NPI: npi,
            DOS: BASE + dt.timedelta(days=dos),
            SUBMITTED: None if sub is None else BASE + dt.timedelta(days=sub),
            c.CLAIM_ID: f"C{claim}",
            c.CLAIM_LINE_NUMBER: line,
            c.HCPCS_CODE: f"9942{i % 3 + 1}",
        }
        for i, (person, npi, dos, sub, claim, line) in enumerate(specs)
    ]


# --- greedy_periods -----------------------------------------------------------------------------


def test_greedy_periods_empty() -> None:
    out = greedy_periods(_frame([]), [c.PERSON_ID], 7)
    assert out.height == 0
    assert out.schema == pl.Schema({ROW: pl.UInt32, "flagged": pl.Boolean})


def test_greedy_periods_day_6_flagged_day_7_opens() -> None:
    lines = _frame([
        _line(0, "2024-03-01"),
        _line(1, "2024-03-07"),  # day 6 of the first period
        _line(2, "2024-03-08"),  # day 7: opens the next one
        _line(3, "2024-03-14"),  # day 6 of the second
        _line(4, "2024-03-15"),  # day 7 of the second: opens a third
    ])  # fmt: skip
    assert _flags(greedy_periods(lines, [c.PERSON_ID], 7)) == {
        0: False, 1: True, 2: False, 3: True, 4: False,
    }  # fmt: skip


def test_greedy_periods_flagged_lines_never_open_a_period() -> None:
    lines = _frame([
        _line(0, "2024-03-01"),
        _line(1, "2024-03-06"),  # flagged
        _line(2, "2024-03-12"),  # 6 days after the flagged line, 11 after the opener: opens
        _line(3, "2024-03-13"),  # inside the period opened by line 2
    ])  # fmt: skip
    assert _flags(greedy_periods(lines, [c.PERSON_ID], 7)) == {
        0: False, 1: True, 2: False, 3: True,
    }  # fmt: skip


def test_greedy_periods_same_day_order_submitted_nulls_last_then_claim_and_line() -> None:
    lines = _frame([
        _line(0, "2024-03-01", submitted=None, claim="A"),
        _line(1, "2024-03-01", submitted="2024-03-09", claim="B", line=2),
        _line(2, "2024-03-01", submitted="2024-03-09", claim="B", line=1),
        _line(3, "2024-03-01", submitted="2024-03-10", claim="A"),
    ])  # fmt: skip
    # the opener is line 2: earliest submission, then claim B, then line number 1
    assert _flags(greedy_periods(lines, [c.PERSON_ID], 7)) == {
        0: True, 1: True, 2: False, 3: True,
    }  # fmt: skip


def test_greedy_periods_groups_are_independent_and_null_is_a_group() -> None:
    lines = _frame([
        _line(0, "2024-03-01", person="P1"),
        _line(1, "2024-03-02", person="P2"),
        _line(2, "2024-03-03", person=None),
        _line(3, "2024-03-04", person=None),
        _line(4, "2024-03-05", person="P1", npi="N2"),
    ])  # fmt: skip
    assert _flags(greedy_periods(lines, [c.PERSON_ID], 7)) == {
        0: False, 1: False, 2: False, 3: True, 4: True,
    }  # fmt: skip
    by_npi = greedy_periods(lines, [c.PERSON_ID, c.BILLING_NPI], 7)
    assert _flags(by_npi)[4] is False


def test_greedy_periods_long_chain_of_daily_lines() -> None:
    # 100 daily lines: periods open on days 0, 30, 60, 90 (many rounds inside one chain)
    lines = _frame([_line(i, (BASE + dt.timedelta(days=i)).isoformat()) for i in range(100)])
    flags = _flags(greedy_periods(lines, [c.PERSON_ID], 30))
    assert [i for i, f in sorted(flags.items()) if not f] == [0, 30, 60, 90]


@settings(max_examples=300, deadline=None)
@given(
    specs=st.lists(line_strategy, max_size=40, unique_by=lambda t: (t[4], t[5])),
    days=st.sampled_from([1, 2, 7, 30]),
    group=st.sampled_from([[], [c.PERSON_ID], [c.PERSON_ID, c.BILLING_NPI]]),
)
def test_greedy_periods_matches_reference(
    specs: list[tuple[Any, ...]], days: int, group: list[str]
) -> None:
    rows = _rows(specs)
    out = greedy_periods(_frame(rows).select(ROW, *group, *SORT_KEYS), group, days)
    expected = {row: flagged for row, (flagged, _) in reference_periods(rows, group, days).items()}
    assert out.height == len(rows)
    assert _flags(out) == expected


# --- the FQ001/FQ003 period preparation ---------------------------------------------------------


def _lazy(rows: list[dict[str, Any]], superseded: set[int] | None = None) -> pl.LazyFrame:
    return (
        _frame(rows)
        .with_columns(pl.col(ROW).is_in(sorted(superseded or set())).alias("superseded"))
        .lazy()
    )


@settings(max_examples=150, deadline=None)
@given(
    specs=st.lists(line_strategy, max_size=30, unique_by=lambda t: (t[4], t[5])),
    days=st.sampled_from([7, 30]),
)
def test_periods_flags_and_openers_match_reference(specs: list[tuple[Any, ...]], days: int) -> None:
    rows = _rows(specs)
    group = [c.PERSON_ID, c.BILLING_NPI]
    out = _periods(_lazy(rows), "x", pl.lit(value=True), group, days).collect().sort(ROW)
    taking_part = [r for r in rows if r[c.PERSON_ID] is not None]  # null group: no finding
    ref = reference_periods(taking_part, group, days)
    expected = pl.DataFrame(
        {
            ROW: [r[ROW] for r in rows],
            "x_flagged": [ref[r[ROW]][0] if r[ROW] in ref else None for r in rows],
            "x_anchor_code": [ref[r[ROW]][1][c.HCPCS_CODE] if r[ROW] in ref else None
                              for r in rows],
            "x_anchor_dos": [ref[r[ROW]][1][DOS] if r[ROW] in ref else None for r in rows],
        },
        schema={ROW: pl.UInt32, "x_flagged": pl.Boolean, "x_anchor_code": pl.String,
                "x_anchor_dos": pl.Date},
    )  # fmt: skip
    assert_frame_equal(out.select(expected.columns), expected)


def test_periods_ignore_superseded_and_unselected_lines() -> None:
    rows = [
        _line(0, "2024-03-01"),  # superseded: never opens
        _line(1, "2024-03-03", code="G2012"),  # not selected
        _line(2, "2024-03-04"),
        _line(3, "2024-03-06"),
    ]
    out = (
        _periods(_lazy(rows, {0}), "x", pl.col(c.HCPCS_CODE) != "G2012", [c.PERSON_ID], 7)
        .collect()
        .sort(ROW)
    )
    assert out["x_flagged"].to_list() == [None, None, False, True]
    assert out["x_anchor_dos"].to_list()[3] == dt.date(2024, 3, 4)


@pytest.mark.parametrize("days", [7, 30])
def test_periods_with_no_line_taking_part(days: int) -> None:
    rows = [_line(0, "2024-03-01", code="G2012")]
    out = _periods(_lazy(rows), "x", pl.col(c.HCPCS_CODE) == "99421", [c.PERSON_ID], days)
    assert out.collect()["x_flagged"].to_list() == [None]


# --- what the findings say about the window -----------------------------------------------------


def _claims(rows: list[dict[str, str]]) -> pl.DataFrame:
    base = {
        c.PERSON_ID: "P1",
        c.PAYER: "MEDICARE",
        c.PAYER_TYPE: "medicare",
        c.RENDERING_NPI: "1234567893",
        c.BILLING_NPI: "1245319599",
        c.CLAIM_SUBMITTED_DATE: "2024-04-01",
        c.PLACE_OF_SERVICE_CODE: "11",
        c.CHARGE_AMOUNT: "40.00",
        c.CLAIM_LINE_NUMBER: "1",
        c.CLAIM_FREQUENCY_CODE: "1",
    }
    return pl.DataFrame([{**base, **r} for r in rows])


def test_findings_name_the_period_opener_and_the_original() -> None:
    claims = _claims([
        {c.CLAIM_ID: "A", DOS: "2024-03-01", c.HCPCS_CODE: "99421"},
        {c.CLAIM_ID: "B", DOS: "2024-03-05", c.HCPCS_CODE: "99422"},
        {c.CLAIM_ID: "C", DOS: "2024-03-05", c.HCPCS_CODE: "99422"},
    ])  # fmt: skip
    findings = tk.audit(claims).findings.filter(pl.col("rule_code").is_in(["FQ001", "FQ004"]))
    got = {
        (r["rule_code"], r[c.CLAIM_ID]): (r["message"], r["suggested_fix"])
        for r in findings.iter_rows(named=True)
    }
    assert set(got) == {("FQ001", "B"), ("FQ001", "C"), ("FQ004", "C")}
    assert "opened by 99421 on 2024-03-01" in got["FQ001", "B"][0]
    assert "duplicate of claim B line 1" in got["FQ004", "C"][0]
    assert "claim B" in got["FQ004", "C"][1]
