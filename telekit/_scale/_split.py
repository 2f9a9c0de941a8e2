"""The split: the inputs cut into buckets of whole persons, as raw per-bucket Parquet pieces that
the reader's ``build_table`` reads back (streamed tables), or coerced pieces (tables read whole).
See ``telekit._scale._partitioned``."""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._columns import REJECTS_SCHEMA, TABLES
from telekit._core._table import Table
from telekit._io import _stream
from telekit._io._build import build_table, resolve_map
from telekit._io._maps import MapSpec, TableMap
from telekit._io._source import RawSource
from telekit._io._stream import (
    ROW,
    _check_columns,
    _coerced_keys,
    _MisalignedError,
    _Stream,
    _stream_of,
)
from telekit._read._arguments import TableInput, as_table
from telekit._read._tables import read_table
from telekit._scale._links import _HC, _HE, _HP, _KEYS, Links, _claim_hashes, _h, _links

if TYPE_CHECKING:
    from telekit._scale._remit_parts import PaymentParts, RemitParts

BUCKET = "__bucket"
POS = "__pos"  # order of a table read whole
ROW_INDEX = "__index"  # a row's position in the frame being routed
#: each row's position (``ROW_INDEX``), as ``write_routed`` takes it
ROW_POSITIONS = pl.int_range(pl.len(), dtype=pl.get_index_type()).alias(ROW_INDEX)
_ROW_SPAN = 2**32  # (bucket, row) as one key: bucket * _ROW_SPAN + row (a frame has < 2**32 rows)
BUCKET_LINES = 500_000  # claim lines per bucket (about 2 GB of audit working memory)
# the work files' compression: lz4 writes a batch of remittance lines in two thirds of zstd's
# CPU time and reads it back faster, for files 1.5x larger (they live only as long as the run)
WORK_COMPRESSION: Final = "lz4"


def write_work(frame: pl.DataFrame, path: Path) -> None:
    """``frame`` as a work file (a bucket's piece, a remittance map, staged rows): read back
    whole by this run only, so no statistics and a fast compression."""
    frame.write_parquet(path, statistics=False, compression=WORK_COMPRESSION)


@dataclass(frozen=True)
class Part:
    """One table as the buckets read it: raw pieces (``build_table`` per bucket) or, for a
    table read whole, coerced pieces whose rejects were taken once (``rejects``)."""

    table: str
    folder: Path
    name: str
    path: str
    headers: tuple[str, ...]
    entries: TableMap
    schema: pl.Schema  # of a piece
    coerced: bool = False
    columns_given: tuple[str, ...] = ()
    dropped_columns: tuple[str, ...] = ()
    rows_in: int = 0  # coerced: the whole table's rows_in
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTS_SCHEMA))
    skip_empty: bool = False  # raw text pieces: empty rows are skipped (and counted) per bucket
    rows_skipped: int = 0  # coerced: the whole table's rows_skipped
    payer_types: Mapping[str, str] = field(default_factory=dict)  # raw: derive payer_type
    skipped: dict[str, int] = field(default_factory=dict)  # coerced: the whole table's
    derived: dict[str, str] = field(default_factory=dict)  # coerced: the whole table's

    def bucket_table(self, k: int) -> Table:
        """The table of bucket ``k``, in input order."""
        files = sorted((self.folder / f"{k:05d}").glob("*.parquet"))
        frame = pl.read_parquet(files) if files else pl.DataFrame(schema=self.schema)
        if self.coerced:
            data = frame.sort(POS).drop(POS)
            return Table(
                name=self.table,
                data=data,
                rows_in=data.height,
                source=self.path,
                columns_given=self.columns_given,
                dropped_columns=self.dropped_columns,
            )
        raw = RawSource(self.name, self.path, self.headers, frame.sort(ROW), self.skip_empty)
        return build_table(TABLES[self.table], raw, self.entries, payer_types=self.payer_types)


@dataclass(frozen=True)
class Split:
    """The inputs cut into ``buckets`` buckets of whole persons under ``work``."""

    work: Path
    buckets: int
    parts: dict[str, Part]  # claims, and encounters / coverage when given
    providers: Table | None
    lines: int  # claim rows in the input (rejected ones included)
    # claim_id hash (__hc) -> bucket, one row per claim and bucket: where remittances go
    claim_buckets: pl.DataFrame | None = None
    remittances: RemitParts | None = None  # the remittances cut into the buckets
    patient_payments: PaymentParts | None = None  # the patient payments cut into the buckets


def _write_pieces(frame: pl.DataFrame, folder: Path, batch: int) -> None:
    """One Parquet piece per bucket present in ``frame`` (its ``BUCKET`` column)."""
    rows = frame.select(ROW_POSITIONS, BUCKET)
    write_routed(frame.drop(BUCKET), rows, folder, batch)


def write_routed(frame: pl.DataFrame, routes: pl.DataFrame, folder: Path, batch: int) -> None:
    """One Parquet piece per bucket of ``routes`` (``ROW_INDEX``: a row of ``frame``; ``BUCKET``:
    a bucket it goes to, a row may go to several). The narrow routes are sorted by bucket, then
    row (one 64-bit key: a sort on two columns costs twice as much), and ``frame`` is gathered
    once in that order and sliced: each piece keeps its rows in input order, so a bucket read
    back in input order sorts rows already sorted (4x faster than a shuffle), and the wide rows
    are copied once (a join to the map, then a sort by bucket, copied them twice, and the
    join's copy cost more per row the larger the batch). ``frame`` is made one chunk first (a
    staged group is several files; a Parquet batch, several row groups): a gather across
    chunks costs 1.6x, and more per row the more rows (2M-4M staged adjustments, gathered and
    written: 0.46-0.51 s per million rows, one chunk 0.29-0.31 with the copy)."""
    key = pl.col(BUCKET).cast(pl.UInt64) * _ROW_SPAN + pl.col(ROW_INDEX).cast(pl.UInt64)
    order = routes.select(key.sort()).to_series()
    ordered = frame.rechunk()[(order % _ROW_SPAN).cast(pl.get_index_type())]
    offset = 0
    for run in (order // _ROW_SPAN).rle().struct.unnest().iter_rows(named=True):  # per bucket
        target = folder / f"{run['value']:05d}"
        target.mkdir(parents=True, exist_ok=True)
        write_work(ordered.slice(offset, run["len"]), target / f"{batch:05d}.parquet")
        offset += run["len"]


def _bucket_expr(table: str, links: Links) -> pl.Expr:
    if table == "encounters":
        return links.encounter_bucket(_h(c.PERSON_ID), _h(c.ENCOUNTER_ID))
    return links.person_bucket(_h(c.PERSON_ID))


def _split_stream(
    stream: _Stream, bucket_of: pl.Expr, folder: Path, note: Callable[[str], None]
) -> Part:
    """Write ``stream`` as per-bucket raw pieces under ``folder``; ``bucket_of`` is computed
    over the coerced key columns (``_KEYS``)."""
    rows = 0
    schema: pl.Schema | None = None
    note(f"splitting {stream.table}")
    for i, batch in enumerate(stream.batches()):
        keys = _coerced_keys(stream, batch.lazy(), _KEYS[stream.table])
        bucket = keys.select(bucket_of.alias(BUCKET)).collect()
        _write_pieces(batch.hstack(bucket), folder, i)
        schema = batch.schema
        rows += batch.height
        note(f"splitting {stream.table}: {rows:,} rows")
    if schema is None:
        schema = pl.Schema({**stream.lazy.collect_schema(), ROW: pl.Int64()})
    return Part(
        stream.table,
        folder,
        stream.name,
        stream.path,
        stream.headers,
        stream.entries,
        schema,
        skip_empty=stream.csv is not None,
    )


def _split_whole(table: Table, links: Links, folder: Path) -> Part:
    data = table.data.with_row_index(POS)
    bucket = data.select(_bucket_expr(table.name, links).alias(BUCKET))
    data = data.hstack(bucket)
    for start in range(0, max(data.height, 1), _stream.BATCH_ROWS):
        _write_pieces(data.slice(start, _stream.BATCH_ROWS), folder, start // _stream.BATCH_ROWS)
    return Part(
        table.name,
        folder,
        Path(table.source).name,
        table.source,
        (),
        TableMap(),
        data.drop(BUCKET).schema,
        coerced=True,
        columns_given=table.columns_given,
        dropped_columns=table.dropped_columns,
        rows_in=table.rows_in,
        rejects=table.rejects,
        rows_skipped=table.rows_skipped,
        skipped=dict(table.skipped),
        derived=dict(table.derived),
    )


Opened = _Stream | Table


@contextmanager
def work_folder(work_dir: str | Path | None, prefix: str) -> Iterator[Path]:
    """``work_dir`` (created if missing and left in place), or a temporary folder named
    ``prefix…`` that is removed at the end."""
    if work_dir is not None:
        work = Path(work_dir)
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _open(
    table: str,
    source: TableInput,
    mapping: str | Path | MapSpec | None,
    work: Path,
    payer_types: Mapping[str, str],
) -> Opened:
    """A stream when the source can be streamed, else the reader's whole ``Table`` (XLSX, X12,
    a missing file: the reader's own error; a map's ``fill_down``, which needs each row's
    neighbour in file order)."""
    if isinstance(source, Table):
        given = as_table(table, source)  # another table's Table is refused, as everywhere
        assert given is not None
        return given
    entries = resolve_map(TABLES[table], None, None, mapping, None)
    stream = None if entries.options.get("fill_down") else _stream_of(table, source, entries, work)
    if stream is None:
        return read_table(table, source, map=mapping, payer_types=payer_types)
    return stream


def _key_hashes(opened: Opened) -> pl.DataFrame:
    if isinstance(opened, Table):
        keys = opened.data.lazy().select(*_KEYS[opened.name])
        reading: Any = contextlib.nullcontext()
    else:
        keys = opened.key_frame(_KEYS[opened.table])
        reading = opened.reading()
    with reading:
        if opened_table(opened) == "claims":
            return _claim_hashes(keys).collect(engine="streaming")
        return keys.select(_h(c.PERSON_ID).alias(_HP), _h(c.ENCOUNTER_ID).alias(_HE)).collect(
            engine="streaming"
        )


def sorted_distinct(frame: pl.DataFrame, first: str, second: str) -> pl.DataFrame:
    """The distinct rows of the two-column ``frame`` sorted by (``first``, ``second``), with
    ``first``'s sorted flag (a join against it then skips hashing it). Sorted first, then each
    row equal to the one before dropped: on a map of ~9M rows, 0.5 s against 1.3-1.6 s for a
    hash ``unique``, whose table outgrows the CPU caches (0.05 s either way at 0.9M rows).
    Sorted by ``first`` alone when every value of it has one ``second`` (a claim or a
    remittance claim in one bucket: 1.3 s for 10.6M rows against 1.7 s on both columns),
    else on both."""
    same = pl.col(first).eq_missing(pl.col(first).shift(1))
    ordered = frame.sort(first)  # eager: a lazy sort's result loses the sorted flag
    if ordered.select((same & pl.col(second).ne_missing(pl.col(second).shift(1))).any()).item():
        ordered = frame.sort(first, second)
    repeat = same & pl.col(second).eq_missing(pl.col(second).shift(1))
    return ordered.filter(~repeat).with_columns(pl.col(first).set_sorted())


def join_sorted(keys: pl.DataFrame, on: str, sorted_map: pl.DataFrame) -> pl.DataFrame:
    """``keys`` (narrow: a key and row positions) inner-joined to ``sorted_map`` (sorted by
    ``on``, with the flag). The keys are sorted first (eagerly: the result carries the flag), so
    polars merges two sorted columns: at 2-4M keys and an 8M-row map, half the CPU of probing
    the sorted map with unsorted keys, whose cost grows with the map (the cost of a 1M-row
    practice's map, 0.8M rows). Null keys match nothing and are dropped first."""
    ordered = keys.filter(pl.col(on).is_not_null()).sort(on)
    return ordered.join(sorted_map, on=on, how="inner")


def _claim_buckets(claim_keys: pl.DataFrame, links: Links) -> pl.DataFrame:
    """Each claim's bucket(s): __hc -> __bucket (its persons are linked, so one bucket unless a
    line has no person), sorted by __hc: a batch joined to it (``Router``, ``PaymentRouter``)
    costs the batch's rows, not the map's (polars joins on a sorted right key without
    hashing it; unsorted, every batch paid for the whole map, which grows with the input)."""
    buckets = (
        claim_keys.lazy()
        .filter(pl.col(_HC).is_not_null())
        .select(_HC, links.person_bucket(pl.col(_HP)).alias(BUCKET))
        .collect()
    )
    return sorted_distinct(buckets, _HC, BUCKET)


def opened_table(opened: Opened) -> str:
    return opened.name if isinstance(opened, Table) else opened.table


def split_inputs(
    claims: TableInput,
    *,
    encounters: TableInput | None = None,
    coverage: TableInput | None = None,
    providers: TableInput | None = None,
    map: str | Path | MapSpec | None = None,
    work: Path,
    buckets: int | None = None,
    min_buckets: int = 1,
    bucket_lines: int = BUCKET_LINES,
    progress: Callable[[str], None] = lambda _: None,
    claim_buckets: bool = False,
    payer_types: Mapping[str, str] | None = None,
) -> Split:
    """Cut the inputs into buckets of whole persons under ``work`` (see the module doc); with
    ``claim_buckets`` the split keeps each claim's bucket (for ``split_remittances``)."""
    given = {"claims": claims, "encounters": encounters, "coverage": coverage}
    opened: dict[str, Opened] = {}
    for table, source in given.items():
        if source is None:
            continue
        one = _open(table, source, map, work, payer_types or {})
        if isinstance(one, _Stream):
            _check_columns(one)
        opened[table] = one
    progress("reading keys of claims")
    claim_keys = _key_hashes(opened["claims"])
    lines = claim_keys.height
    if buckets is None:
        buckets = math.ceil(lines / bucket_lines)
    buckets = max(buckets, min_buckets, 1)
    encounter_keys = None
    if "encounters" in opened:
        progress("reading keys of encounters")
        encounter_keys = _key_hashes(opened["encounters"])
    links = _links(claim_keys, encounter_keys, buckets)
    claim_map = _claim_buckets(claim_keys, links) if claim_buckets else None
    del claim_keys, encounter_keys
    parts: dict[str, Part] = {}
    for table, one in opened.items():
        folder = work / table
        if isinstance(one, Table):
            parts[table] = _split_whole(one, links, folder)
            continue
        try:
            parts[table] = replace(
                _split_stream(one, _bucket_expr(table, links), folder, progress),
                payer_types=payer_types or {},
            )
        except _MisalignedError:  # records the line scan cannot number: the reader reads it whole
            shutil.rmtree(folder, ignore_errors=True)
            whole = read_table(table, Path(str(given[table])), map=map, payer_types=payer_types)
            parts[table] = _split_whole(whole, links, folder)
    provider_table = None
    if providers is not None:
        provider_table = (
            providers
            if isinstance(providers, Table)
            else read_table("providers", providers, map=map)
        )
    return Split(
        work=work,
        buckets=buckets,
        parts=parts,
        providers=provider_table,
        lines=lines,
        claim_buckets=claim_map,
    )
