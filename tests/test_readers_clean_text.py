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

from telekit._core._columns import CLAIMS, MONEY, Column
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
    "\x85C10",  # NEL, a Unicode blank
    "C11\x1f",  # a control character that is not a blank
    "\u00c9C12",  # a non-ASCII letter first: suspect, not a blank
    "C13\u00e9",
    "C14\u200b",  # a zero-width space: not a blank strip_chars removes
    "\x7fC15",
    "\u017fubtotal",  # a long s, which a case-insensitive s matches
    "SUB-TOTAL",
    "grand  total:",
    "Totals",
    "tC16",
    "GC17",
]


def verdict(column: str, cells: pl.Series, form: str) -> bool:
    check = _coerce.clean_check(CLAIMS.column(column), pl.col("c"), form=form)
    assert check is not None
    listed = cells.to_frame("c").select(check)
    return bool(
        listed.select(
            _coerce.read_as_themselves(CLAIMS.column(column), pl.col("c").explode())
        ).item()
    )


@pytest.mark.parametrize(
    "cells",
    [[t] * 3 + ["C0"] for t in TANGLED]
    + [TANGLED, ["C1"], [None], [None, None], ["", ""], [" ", "\t"], ["\u3000"] * 2],
)
@pytest.mark.parametrize("column", ["claim_id", "person_id", "payer", "rendering_npi"])
def test_ids_read_on_edges_distinct_cells_or_every_cell_agree(
    monkeypatch: pytest.MonkeyPatch, column: str, cells: list[str | None]
) -> None:
    """An identifier is checked on the cells whose edge bytes could be blanks
    (``_coerce.edge_suspect``), on its distinct cells (a mostly-null column) or on every cell:
    the three forms give the verdict of a trim of every cell, and the same table."""
    series = pl.Series("c", cells, dtype=pl.String)
    c = pl.col("c")
    trimmed = (c.str.strip_chars() != c) | (c.str.len_bytes() == 0)
    by_trim = not series.to_frame().select(trimmed.any()).item()
    assert [verdict(column, series, form) for form in _coerce.TEXT_FORMS] == [by_trim] * 3
    frame = claims(**{column: series})
    tables = []
    original = _coerce.clean_check
    for form in _coerce.TEXT_FORMS:

        def forced(col: Column, source: pl.Expr, *, form: str = form, **_: object) -> object:
            return original(col, source, form=form)

        monkeypatch.setattr(_coerce, "clean_check", forced)
        clean = _build.clean_text_columns(CLAIMS, frame.lazy(), set(frame.columns), TableMap())
        assert (column in clean) is by_trim
        tables.append(read_table("claims", frame))
        monkeypatch.setattr(_coerce, "clean_check", original)
    for table in tables[1:]:
        assert_same(tables[0], table)
    assert_same(tables[0], read_table("claims", frame, values=FULL_PATH))


def test_edge_suspect_covers_every_blank_strip_chars_removes() -> None:
    """Every character ``strip_chars`` removes, first or last in a cell, makes the cell
    ``edge_suspect`` (checked over all of Unicode), and so do empty cells; nulls stay null."""
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    frame = pl.DataFrame({"ch": chars}).with_columns(
        (pl.lit("a") + pl.col("ch")).alias("last"), (pl.col("ch") + pl.lit("a")).alias("first")
    )
    for cell in ("last", "first"):
        c = pl.col(cell)
        out = frame.select(
            (c.str.strip_chars() != c).alias("blank"), _coerce.edge_suspect(c).alias("suspect")
        )
        blanks = out.filter(pl.col("blank"))
        assert 20 <= blanks.height <= 40  # the Unicode White_Space characters
        assert blanks.get_column("suspect").all()
        # printable ASCII but space is never suspect: an id like C0001 costs no trim
        ascii_ = out.slice(0x21, 0x7E - 0x21 + 1)
        assert not ascii_.get_column("suspect").any()
    cells = pl.Series(["", None, "a", " "], dtype=pl.String).to_frame("c")
    assert cells.select(_coerce.edge_suspect(pl.col("c"))).to_series().to_list() == [
        True,
        None,
        False,
        True,
    ]


def test_a_mostly_null_column_is_read_on_its_distinct_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``clean_text_columns`` takes the ``distinct`` form for a column more than half null and
    ``edges`` for the others."""
    seen: dict[str, str] = {}
    original = _coerce.clean_check

    def spy(col: Column, source: pl.Expr, *, form: str = "edges") -> pl.Expr | None:
        seen[col.name] = form
        return original(col, source, form=form)

    monkeypatch.setattr(_coerce, "clean_check", spy)
    frame = claims(person_id=["P1", None, None], payer=["A", "B", None])
    clean = _build.clean_text_columns(CLAIMS, frame.lazy(), set(frame.columns), TableMap())
    assert {"person_id", "payer", "claim_id"} <= clean
    assert (seen["person_id"], seen["payer"], seen["claim_id"]) == ("distinct", "edges", "edges")


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


@pytest.mark.parametrize("rest", ["otal", "OTALS:", "ubtotal", "ub-total", "rand total", "", " "])
def test_could_say_total_covers_every_first_character_of_a_match(rest: str) -> None:
    """Over all of Unicode as a cell's first character: every cell ``_NOT_A_KEY`` matches is
    picked by ``_derive._could_say_total`` (a case-insensitive ``s`` also matches the long s)."""
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    cell = pl.col("ch") + pl.lit(rest)
    out = pl.DataFrame({"ch": chars}).select(
        cell.str.contains(_derive._NOT_A_KEY).alias("match"),
        _derive._could_say_total(cell).alias("picked"),
    )
    assert out.get_column("match").any()
    assert out.filter(pl.col("match")).get_column("picked").all()


def test_a_three_part_key_unsorted_finds_its_duplicates() -> None:
    """Coverage's key (person_id, payer, enrollment_start_date), not sorted: the folded hash of
    its parts sees a repeat, and the keys compared find the duplicates (a null part never
    duplicates; the same parts in another order are another key)."""
    start = [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]
    frame = pl.DataFrame(
        {
            "person_id": ["P2", "P1", "P2", "P1", None, None, "Acme"],
            "payer": ["Acme", "Acme", "Acme", "Acme", "Acme", "Acme", "P2"],
            "payer_type": ["commercial"] * 7,
            "enrollment_start_date": [
                start[0],
                start[0],
                start[0],
                start[1],
                start[0],
                start[0],
                start[0],
            ],
        }
    )
    table = read_table("coverage", frame)
    dups = table.rejects.filter(pl.col("reason").str.starts_with("duplicate key"))
    assert dups.get_column("row_number").to_list() == [3]
    assert dups.get_column("reason").to_list() == [
        "duplicate key (person_id, payer, enrollment_start_date); first seen at row 1"
    ]
    assert _coerce._unique_keys(frame, ["person_id", "payer"]) is False
    assert _coerce._unique_keys(frame.slice(3), ["person_id", "payer"]) is False  # nulls
    assert _coerce._unique_keys(frame.head(2), ["person_id", "payer"]) is True
