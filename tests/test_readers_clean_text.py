"""Typed sources whose String columns already read as themselves skip text coercion
(``telekit._io._build.clean_text_columns``) and a key sorted strictly increasing skips the
duplicate hash (``telekit._io._coerce._strictly_increasing``): the table, rejects, reasons
and row numbers are the same as through the full text path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from telekit._core._columns import CLAIMS, MONEY
from telekit._core._table import Table
from telekit._io import _build, _coerce, _derive
from telekit._io._maps import TableMap
from telekit._read._tables import read_table

# a value map no cell matches sends a column down the full text path, changing nothing else
NO_MATCH = "no cell holds this"
TEXT_COLUMNS = ("claim_id", "person_id", "payer", "payer_type", "rendering_npi")
CODE_COLUMNS = ("place_of_service_code", "hcpcs_code", "hcpcs_modifier_1")
FULL_PATH = {
    "claim_id": {NO_MATCH: "x"},
    "person_id": {NO_MATCH: "x"},
    "payer": {NO_MATCH: "x"},
    "payer_type": {NO_MATCH: "medicare"},
    "rendering_npi": {NO_MATCH: "x"},
    "place_of_service_code": {NO_MATCH: "02"},
    "hcpcs_code": {NO_MATCH: "99213"},
    "hcpcs_modifier_1": {NO_MATCH: "95"},
}


def claims(**columns: list[object]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, object] = {
        "claim_id": [f"C{i:03d}" for i in range(n)],
        "claim_line_number": pl.Series([1] * n, dtype=pl.Int32),
        "person_id": ["P1"] * n,
        "payer": ["Acme"] * n,
        "payer_type": ["medicare"] * n,
        "rendering_npi": ["1234567893"] * n,
        "claim_line_start_date": [dt.date(2025, 3, 1)] * n,
        "place_of_service_code": ["02"] * n,
        "hcpcs_code": ["99213"] * n,
        "hcpcs_modifier_1": ["95"] * n,
        "charge_amount": pl.Series([Decimal("100.00")] * n, dtype=MONEY),
    }
    base.update(columns)
    return pl.DataFrame(base)


def both(frame: pl.DataFrame) -> tuple[Table, Table]:
    return read_table("claims", frame), read_table("claims", frame, values=FULL_PATH)


def assert_same(fast: Table, full: Table) -> None:
    assert_frame_equal(fast.data, full.data)
    assert_frame_equal(fast.rejects, full.rejects)


def test_clean_columns_are_found_and_kept_as_is() -> None:
    frame = claims(hcpcs_code=["99213", "G2012", "99214"])
    lazy = frame.lazy()
    clean = _build.clean_text_columns(CLAIMS, lazy, set(frame.columns), TableMap())
    assert clean == {*TEXT_COLUMNS, *CODE_COLUMNS}
    fast, full = both(frame)
    assert fast.data.get_column("hcpcs_code").to_list() == ["99213", "G2012", "99214"]
    assert_same(fast, full)


@pytest.mark.parametrize(
    ("column", "cells", "expected"),
    [
        ("claim_id", [" C1", "C2 ", "C3"], ["C1", "C2", "C3"]),  # blanks around an id
        ("hcpcs_code", ["99213", "g2012", "99214"], ["99213", "G2012", "99214"]),  # lower case
        ("place_of_service_code", ["02", "2", "10.0"], ["02", "02", "10"]),  # POS as a number
        ("payer_type", ["Medicare", "medicare", "Medicare Advantage"], None),  # enum spelling
        ("hcpcs_modifier_1", ["95", "", None], ["95", None, None]),  # an empty cell
    ],
)
def test_a_column_needing_work_goes_down_the_text_path(
    column: str, cells: list[object], expected: list[str] | None
) -> None:
    frame = claims(**{column: cells})
    clean = _build.clean_text_columns(CLAIMS, frame.lazy(), set(frame.columns), TableMap())
    assert column not in clean
    fast, full = both(frame)
    if expected is not None:
        assert fast.data.get_column(column).to_list() == expected
    else:
        assert fast.data.get_column(column).to_list() == [
            "medicare",
            "medicare",
            "medicare_advantage",
        ]
    assert_same(fast, full)


def test_missing_and_bad_values_reject_the_same_rows_with_the_same_reasons() -> None:
    frame = claims(
        claim_id=["C1", None, "C3", "C4"],
        payer_type=["medicare", "medicare", "martian", "medicare"],
        hcpcs_code=["99213", "99213", "99213", None],
    )
    fast, full = both(frame)
    assert fast.rejects.select("row_number", "column", "reason").rows() == [
        (2, "claim_id", "missing required value"),
        (3, "payer_type", "expected one of: " + ", ".join(CLAIMS.column("payer_type").values)),
        (4, "hcpcs_code", "missing required value"),
    ]
    assert_same(fast, full)


@pytest.mark.parametrize(
    ("ids", "lines", "dup_rows"),
    [
        (["C1", "C2", "C3"], [1, 1, 1], []),  # sorted: no hash needed, no duplicate
        (["C1", "C1", "C2"], [1, 2, 1], []),  # sorted by both parts
        (["C1", "C1", "C2"], [1, 1, 1], [2]),  # sorted, not strictly: a duplicate
        (["C2", "C1", "C2"], [1, 1, 1], [3]),  # unsorted: the hash finds it
        (["C1", "C2", "C1"], [2, 1, 2], [3]),
    ],
)
def test_duplicate_keys_sorted_or_not(
    ids: list[str], lines: list[int], dup_rows: list[int]
) -> None:
    frame = claims(claim_id=ids, claim_line_number=pl.Series(lines, dtype=pl.Int32))
    table = read_table("claims", frame)
    dups = table.rejects.filter(pl.col("reason").str.starts_with("duplicate key"))
    assert dups.get_column("row_number").to_list() == dup_rows
    assert table.data.height == len(ids) - len(dup_rows)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1, 2, 3], ["x", "x", "x"], True),
        ([1, 1, 2], ["a", "b", "a"], True),
        ([1, 1, 2], ["b", "a", "a"], False),  # (1, b) then (1, a): not increasing
        ([1, 1, 2], ["a", "a", "b"], False),  # a repeat
        ([1, None, 2], ["a", "b", "c"], False),  # a null part: the hash decides
        ([2, 1], ["a", "a"], False),
        ([5], [None], True),  # one row never repeats
    ],
)
def test_strictly_increasing(a: list[int | None], b: list[str | None], expected: bool) -> None:
    frame = pl.DataFrame({"a": a, "b": b}, schema={"a": pl.Int64, "b": pl.String})
    assert _coerce._strictly_increasing(frame, ["a", "b"]) is expected


def test_reads_as_themselves_on_distinct_values() -> None:
    pos = CLAIMS.column("place_of_service_code")
    assert _coerce.reads_as_themselves(pos, pl.Series("p", ["02", "10", None]))
    assert not _coerce.reads_as_themselves(pos, pl.Series("p", ["02", "2"]))
    kind = CLAIMS.column("payer_type")
    assert _coerce.reads_as_themselves(kind, pl.Series("k", ["medicare", "self_pay"]))
    assert not _coerce.reads_as_themselves(kind, pl.Series("k", ["medicare", "Self Pay"]))


# cells that need trimming, are empty or blank, or hold inner, Unicode or control blanks
TANGLED = [
    "C1",
    " C2",
    "C3 ",
    "\tC4",
    "C5\n",
    "\u00a0C6",
    "C7\u3000",
    "C 8",
    "",
    "   ",
    None,
    "c9",
    "Total",
    "  total:",
    "Grand Total",
    "subtotal for visit 1",
    "\u2003",
]


@pytest.mark.parametrize("cells", [[t] * 3 + ["C0"] for t in TANGLED] + [TANGLED, ["C1"], [None]])
@pytest.mark.parametrize("column", ["claim_id", "person_id", "payer", "rendering_npi"])
def test_ids_read_on_distinct_cells_or_cell_by_cell_agree(
    monkeypatch: pytest.MonkeyPatch, column: str, cells: list[str | None]
) -> None:
    """An identifier with few distinct cells is checked on them (``_build._few_distinct``),
    others cell by cell: both forms give the same verdict, and the same table."""
    frame = claims(**{column: cells})
    names = set(frame.columns)
    verdicts, tables = [], []
    for few in (True, False):
        monkeypatch.setattr(
            _build, "_few_distinct", lambda _f, n, few=few: set(n) if few else set()
        )
        verdicts.append(
            column in _build.clean_text_columns(CLAIMS, frame.lazy(), names, TableMap())
        )
        tables.append(read_table("claims", frame))
    assert verdicts[0] == verdicts[1]
    assert_same(tables[0], tables[1])
    assert_same(tables[0], read_table("claims", frame, values=FULL_PATH))


def test_few_distinct_samples_the_whole_frame() -> None:
    n = 20_000
    frame = pl.LazyFrame(
        {
            "payer": ["Acme", "Zeta"] * (n // 2),
            "claim_id": [f"C{i}" for i in range(n)],
            # the same value through the first rows, then a new one each row
            "late": ["X"] * 5_000 + [f"L{i}" for i in range(n - 5_000)],
            "empty": pl.Series([None] * n, dtype=pl.String),
        }
    )
    assert _build._few_distinct(frame, ["payer", "claim_id", "late", "empty"]) == {
        "payer",
        "empty",
    }
    assert _build._few_distinct(frame.head(3), ["payer", "empty"]) == {"empty"}
    assert _build._few_distinct(frame, []) == set()


@pytest.mark.parametrize("cells", [[t, "99213"] for t in TANGLED] + [TANGLED, ["99213", "G2012"]])
@pytest.mark.parametrize("column", ["claim_id", "hcpcs_code"])
def test_report_row_candidates_on_distinct_cells_match_cell_by_cell(
    column: str, cells: list[str | None]
) -> None:
    """``_derive.any_candidate`` reads a code's key column on its distinct cells: the same
    answer as the row test over every cell."""
    frame = pl.DataFrame({"c0": cells}, schema={"c0": pl.String})
    k = pl.col("c0")
    by_cell = frame.select((k.is_null() | k.str.contains(_derive._NOT_A_KEY)).any()).item()
    assert frame.select(_derive.any_candidate(CLAIMS, [(column, "c0")])).item() == by_cell


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (None, True),  # sorted throughout
        ((9_000, "C08999"), False),  # a repeat after the first rows
        ((9_000, "C00001"), False),  # out of order after the first rows
        ((10, "C00001"), False),  # out of order within the first rows
        ((0, None), False),  # a null part
    ],
)
def test_strictly_increasing_past_the_first_rows(
    late: tuple[int, str | None] | None, expected: bool
) -> None:
    ids: list[str | None] = [f"C{i:05d}" for i in range(10_000)]
    if late is not None:
        ids[late[0]] = late[1]
    frame = pl.DataFrame({"a": ids, "b": [1] * len(ids)})
    assert _coerce._strictly_increasing(frame, ["a", "b"]) is expected
    assert _coerce._strictly_increasing(frame.head(_coerce._HEAD_ROWS + 1), ["a", "b"]) is (
        expected or late is None or late[0] > _coerce._HEAD_ROWS
    )
