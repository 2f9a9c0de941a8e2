"""``Table``: what every reader returns — the canonical frame, its rejects and its accounting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from telekit._core._columns import ISSUES_SCHEMA, REJECTS_SCHEMA


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECTS_SCHEMA)


def record_key(cells: Sequence[pl.Expr | None], optional: Sequence[bool] = ()) -> pl.Expr:
    """A reject's ``record_key`` (DESIGN §4 "Rejects name the record"): the raw cells of the
    table's ``RECORD_KEYS`` columns, trimmed and joined by ":"; null when a part is absent
    (``None``), null or empty, unless ``optional`` says that part may be empty (it is then
    left empty: ``R1:2:``)."""
    if not cells or any(c is None for c in cells):
        return pl.lit(None, pl.String)
    parts = []
    for i, cell in enumerate(cells):
        assert cell is not None
        text = cell.cast(pl.String).str.strip_chars()
        part = pl.when(text.str.len_bytes() > 0).then(text)
        parts.append(part.fill_null("") if i < len(optional) and optional[i] else part)
    return pl.concat_str(parts, separator=":")


def contiguous(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with each column in one chunk. A Parquet read comes in one chunk per row
    group, and the readers keep them (a table only written out or filtered needs no copy); the
    audit's windows and rules cost more over chunked columns than this one copy (~0.4 s CPU on
    the 1M practice against ~0.1 s). A column of nulls only is made anew (nothing to copy)."""
    chunked = [name for name, n in zip(frame.columns, frame.n_chunks("all"), strict=True) if n > 1]
    if not chunked:
        return frame
    counts = frame.select(pl.col(chunked).null_count()).row(0)
    schema = frame.schema
    nulls = [
        pl.Series(name, dtype=schema[name]).extend_constant(None, frame.height)
        for name, count in zip(chunked, counts, strict=True)
        if count == frame.height
    ]
    return frame.with_columns(nulls).rechunk() if nulls else frame.rechunk()


def in_one_chunk(table: Table) -> Table:
    """``table`` with its data ``contiguous``, as the audit takes it (its windows and rules
    cost more over chunked columns than this copy)."""
    return replace(table, data=contiguous(table.data))


def cut_alike(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every column cut into the same chunks. A column made whole over a chunked
    frame (a literal: an absent column, a default) comes in one chunk; it is cut like the
    others by zero-copy slices. A frame whose columns are cut unlike each other is rechunked
    whole by every in-memory query over it; chunked in more than one way, it is made
    ``contiguous``."""
    counts = frame.n_chunks("all")
    if len(set(counts)) <= 1:
        return frame
    cuts = {
        tuple(len(chunk) for chunk in frame.get_column(name).get_chunks())
        for name, n in zip(frame.columns, counts, strict=True)
        if n > 1
    }
    if len(cuts) != 1:
        return contiguous(frame)
    lengths = cuts.pop()
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    whole = [
        frame.get_column(name) for name, n in zip(frame.columns, counts, strict=True) if n == 1
    ]
    return frame.with_columns(
        pl.concat(
            [column.slice(start, length) for start, length in zip(starts, lengths, strict=True)],
            rechunk=False,
        )
        for column in whole
    )


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUES_SCHEMA)


@dataclass(frozen=True)
class EncounterSample:
    """What a documentation sample of encounters was drawn from (DESIGN §5 "Sampled
    encounters"): the abstraction workbook of ``telekit sample-visits`` records it on its
    "sample" sheet.

    - ``frame``: the frame's definition, as text;
    - ``frame_size``: visits in the frame;
    - ``n``: visits drawn;
    - ``seed``: the seed they were drawn with;
    - ``method``: ``simple random`` or ``stratified by provider``.
    """

    frame: str
    frame_size: int
    n: int
    seed: int
    method: str


@dataclass(frozen=True)
class Table:
    """One canonical table read from a source.

    - ``data``: a ``pl.DataFrame`` with every canonical column of the table, in contract order
      (absent optional columns are all-null);
    - ``rejects``: one row per rejected input row (table, source_file, row_number, record_key,
      column, value, reason);
    - ``issues``: X12 problems kept as data (file, segment_number, segment_id, severity, message);
    - ``rows_in``: input rows seen, always ``data.height + rejects.height + rows_skipped``;
    - ``rows_skipped``: rows neither kept nor rejected because they hold no record (empty
      rows, and the totals, subtotal and footer rows of report exports);
    - ``skipped``: ``rows_skipped`` per reason (``blank``, ``totals``, ``footer``);
    - ``derived``: each column telekit derived or filled and how, one sentence each (DESIGN §3
      "Derived when absent"), e.g. ``{"claim_line_number": "numbered within each claim …"}``;
    - ``source``: the path read (or ``"<frame>"``);
    - ``columns_given``: the canonical columns the source supplied (after maps and aliases);
    - ``dropped_columns``: source headers that map to no canonical column (names only);
    - ``sample``: for encounters read from a ``telekit sample-visits`` workbook, the sample they
      are (``EncounterSample``), else None.

    It unpacks as ``data, rejects = tk.read_claims(...)``.
    """

    name: str
    data: pl.DataFrame
    rejects: pl.DataFrame = field(default_factory=empty_rejects)
    issues: pl.DataFrame = field(default_factory=empty_issues)
    rows_in: int = 0
    source: str = "<frame>"
    columns_given: tuple[str, ...] = ()
    dropped_columns: tuple[str, ...] = ()
    rows_skipped: int = 0
    sample: EncounterSample | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[pl.DataFrame]:
        yield self.data
        yield self.rejects

    @property
    def rows_rejected(self) -> int:
        return self.rejects.height

    def __repr__(self) -> str:
        return (
            f"Table({self.name!r}, source={self.source!r}, rows_in={self.rows_in}, "
            f"kept={self.data.height}, rejected={self.rejects.height}, "
            f"skipped={self.rows_skipped})"
        )
