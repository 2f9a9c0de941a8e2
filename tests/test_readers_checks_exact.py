"""The readers' cheap checks against their plain definitions (issue 13 item 4): each faster form
must pick exactly the cells the slower one did, over all of Unicode and short and long cells
(a String cell of up to 12 bytes lives in its view, a longer one in a buffer)."""

from __future__ import annotations

import polars as pl

from telekit._core._table import contiguous
from telekit._io import _coerce, _source
from telekit._read._tables import read_table


def _by_bytes(cell: pl.Expr) -> pl.Expr:
    """``edge_suspect`` as first defined: empty, or the first or last byte outside printable
    ASCII (read byte by byte)."""
    data = cell.cast(pl.Binary)
    return (
        (data.bin.size() == 0)
        | _coerce.outside_graphic_ascii(data.bin.get(0, null_on_oob=True))
        | _coerce.outside_graphic_ascii(data.bin.get(-1, null_on_oob=True))
    )


def test_edge_suspect_is_the_byte_definition_over_all_of_unicode() -> None:
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    frame = pl.DataFrame({"ch": chars}).with_columns(
        (pl.col("ch") + pl.lit("a")).alias("first"),
        (pl.lit("a") + pl.col("ch")).alias("last"),
        (pl.col("ch") + pl.lit("x" * 20)).alias("first_long"),
        (pl.lit("x" * 20) + pl.col("ch")).alias("last_long"),
        (pl.col("ch") + pl.lit("x" * 20) + pl.col("ch")).alias("both_long"),
    )
    for name in frame.columns:
        c = pl.col(name)
        out = frame.select(_coerce.edge_suspect(c).alias("new"), _by_bytes(c).alias("old"))
        assert out.get_column("new").equals(out.get_column("old")), name
    edge = pl.Series(["", None, "!", "~", "\x7f", " x", "x ", "é", "x" * 13, ""], dtype=pl.String)
    out = edge.to_frame("c").select(
        _coerce.edge_suspect(pl.col("c")).alias("new"), _by_bytes(pl.col("c")).alias("old")
    )
    assert out.get_column("new").to_list() == out.get_column("old").to_list()


def test_row_numbers_follow_the_chunks_and_count_from_one() -> None:
    parts = [
        pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]}),
        pl.DataFrame({"a": [4], "b": ["z"]}),
    ]
    frame = pl.concat(parts, rechunk=False)
    assert frame.n_chunks("all") == [2, 2]
    out = _source.with_row_numbers(frame)
    assert out.get_column(_source.ROW).to_list() == [1, 2, 3, 4]
    assert out.get_column(_source.ROW).dtype == pl.Int64
    assert out.n_chunks("all") == [2, 2, 2]
    # columns chunked unlike each other: one chunk of row numbers
    uneven = frame.with_columns(pl.Series("c", [1, 2, 3, 4]))
    assert _source.with_row_numbers(uneven).get_column(_source.ROW).to_list() == [1, 2, 3, 4]
    assert _source.with_row_numbers(frame.clear()).get_column(_source.ROW).len() == 0


def test_contiguous_keeps_every_value_and_dtype() -> None:
    parts = [
        pl.DataFrame(
            {"a": [1, None], "s": [None, None], "d": [None, None], "t": ["x", None]},
            schema={"a": pl.Int32, "s": pl.String, "d": pl.Decimal(12, 2), "t": pl.String},
        )
        for _ in range(3)
    ]
    frame = pl.concat(parts, rechunk=False)
    out = contiguous(frame)
    assert out.n_chunks("all") == [1, 1, 1, 1]
    assert out.schema == frame.schema
    assert out.equals(frame)
    assert contiguous(out) is out


def _chunked_claims() -> pl.DataFrame:
    parts = [
        pl.DataFrame(
            {
                "claim_id": [f"C{i}{j}" for j in range(3)],
                "claim_line_number": [1, 2, 3],
                "person_id": ["P1", "P2", "P3"],
                "payer": ["Medicare"] * 3,
                "payer_type": ["medicare"] * 3,
                "claim_line_start_date": ["2024-01-02"] * 3,
                "hcpcs_code": ["99213"] * 3,
                "hcpcs_modifiers": ["95,GT", None, "95"],
                "place_of_service_code": ["10"] * 3,
                "rendering_npi": ["1234567893"] * 3,
                "billing_npi": ["1234567893"] * 3,
                "charge_amount": ["100.00"] * 3,
            }
        )
        for i in range(3)
    ]
    return pl.concat(parts, rechunk=False)


def test_a_table_keeps_its_source_chunks_cut_alike() -> None:
    """The readers keep a chunked source's chunks (no copy), every column cut alike, so no
    query over the table rechunks it; a delimited column's split is made one chunk."""
    frame = _chunked_claims()
    table = read_table("claims", frame.drop("hcpcs_modifiers"))
    assert set(table.data.n_chunks("all")) == {3}
    assert table.data.height == 9
    split = read_table("claims", frame)
    assert set(split.data.n_chunks("all")) == {1}
    assert split.data.get_column("hcpcs_modifier_2").to_list() == ["GT", None, None] * 3
    assert contiguous(table.data).equals(table.data)
