"""Remittances and patient payments, tallied in bounded memory: what ``telekit audit`` reports of
a table it does not audit line by line (accounting, rejects, the latest payment date), read by
the reader's ``build_table`` one batch or one bucket of keys at a time."""

from __future__ import annotations

import gc
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from telekit._core import _columns as c
from telekit._core._columns import REJECTS_SCHEMA, TABLES
from telekit._core._progress import status_callback
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._io import _stream
from telekit._io._build import build_table, resolve_map
from telekit._io._maps import MapSpec
from telekit._io._source import RawSource
from telekit._io._stream import _check_columns, _MisalignedError, _Stream, _stream_of
from telekit._read._remittances import is_adjustments as _is_adjustments
from telekit._read._remittances import plan_sources, read_source
from telekit._read._tables import read_table
from telekit._scale._links import _h
from telekit._scale._split import _split_stream, work_folder


class Sink(Protocol):
    """What also receives the rows a tally reads (``telekit._scale._remits``): each source is
    begun, then given its parts (a table of the reader's accepted rows, or an 835 file's
    ``Remittances``); a source whose stream turns out misaligned is discarded and read again
    whole."""

    def begin(self) -> None: ...

    def add(self, part: Table | Remittances) -> None: ...

    def discard(self) -> None: ...


@dataclass(frozen=True)
class Tally:
    """What ``telekit audit`` reports of a table it does not audit line by line (remittances,
    patient payments) on the partitioned path: its accounting, its rejects and the latest
    remittance payment date (the default ``as_of``). The rows themselves are not kept."""

    rows_in: int = 0
    rows_audited: int = 0
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTS_SCHEMA))
    latest_payment_date: date | None = None
    dropped_columns: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    rows_skipped: int = 0

    @classmethod
    def of_table(cls, table: Table) -> Tally:
        """The tally of a table read whole (remittance lines: with their latest payment date)."""
        latest = None
        if table.name == "remittances" and table.data.height:
            latest = table.data.get_column(c.PAYMENT_DATE).max()
        return cls(
            table.rows_in,
            table.data.height,
            table.rejects,
            latest,  # type: ignore[arg-type]
            table.dropped_columns,
            (table.source,),
            table.rows_skipped,
        )

    @classmethod
    def of_remittances(cls, remits: Remittances) -> Tally:
        """The tally of remittances read whole (``read_remittances``)."""
        lines = remits.lines
        latest = lines.get_column(c.PAYMENT_DATE).max() if lines.height else None
        return cls(
            remits.rows_in,
            lines.height + remits.adjustments.height,
            remits.rejects,
            latest,  # type: ignore[arg-type]
            remits.dropped_columns,
            remits.sources,
            remits.rows_skipped,
        )

    def __add__(self, other: Tally) -> Tally:
        dates = [d for d in (self.latest_payment_date, other.latest_payment_date) if d]
        return Tally(
            self.rows_in + other.rows_in,
            self.rows_audited + other.rows_audited,
            pl.concat([self.rejects, other.rejects]),
            max(dates) if dates else None,
            tuple(dict.fromkeys(self.dropped_columns + other.dropped_columns)),
            tuple(dict.fromkeys(self.sources + other.sources)),
            self.rows_skipped + other.rows_skipped,
        )


def _stream_rows(stream: _Stream) -> int:
    """Records in ``stream`` (an estimate for CSV: blank physical lines count)."""
    if stream.parts is not None:
        return sum(part.select(pl.len()).collect().item() for part in stream.parts)
    if stream.csv is not None:
        layout = stream.csv
        return layout.lines_total if layout.starts is None else layout.starts.len()
    return int(stream.lazy.select(pl.len()).collect().item())


def _tally_stream(
    stream: _Stream, work: Path, note: Callable[[str], None], sink: Sink | None = None
) -> Tally:
    """Read ``stream`` by the reader's ``build_table`` one batch (no duplicate key) or one
    bucket of key hashes (remittance lines: duplicates of remit_id + remit_claim_seq + svc_seq
    meet in one bucket) at a time, so that rejects and their row numbers are the reader's."""
    _check_columns(stream)
    spec = TABLES[stream.table]
    total = Tally()
    if not spec.key:
        note(f"reading {stream.table}")  # each progress text is given before its work
        for batch in stream.batches():
            raw = RawSource(stream.name, stream.path, stream.headers, batch, stream.csv is not None)
            table = build_table(spec, raw, stream.entries)
            if sink is not None:
                sink.add(table)
            total += Tally.of_table(table)
            note(f"reading {stream.table}: {total.rows_in:,} rows")
        return total
    buckets = max(1, math.ceil(_stream_rows(stream) / _stream.BATCH_ROWS))
    folder = Path(tempfile.mkdtemp(prefix=f"{stream.table}-", dir=work))
    try:
        bucket_of = (_h(spec.key[0]) % buckets).fill_null(0).cast(pl.UInt32)
        part = _split_stream(stream, bucket_of, folder, note)
        for k in range(buckets):
            note(f"reading {stream.table}: bucket {k + 1} of {buckets}")
            table = part.bucket_table(k)
            if sink is not None:
                sink.add(table)
            total += Tally.of_table(table)
            del table
            gc.collect()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return total


def _tally_or_whole(
    stream: _Stream | None,
    whole: Callable[[], Tally],
    work: Path,
    note: Callable[[str], None],
    sink: Sink | None = None,
) -> Tally:
    if stream is None:
        return whole()
    try:
        return _tally_stream(stream, work, note, sink)
    except _MisalignedError:  # records the line scan cannot number: the reader reads it whole
        if sink is not None:
            sink.discard()
        return whole()


def tally_remittances(
    source: str | Path | list[str | Path],
    *,
    adjustments: str | Path | list[str | Path] | None = None,
    map: str | Path | MapSpec | None = None,
    work_dir: str | Path | None = None,
    progress: bool | Callable[[str], None] = False,
    sink: Sink | None = None,
) -> Tally:
    """``read_remittances`` in bounded memory, for its accounting only: rows in, rows read (lines
    and adjustments), rejects (the reader's, with its row numbers) and the latest payment date.
    Sources are classified as ``read_remittances`` does; Parquet and delimited text stream,
    XLSX and X12 files are read whole (one file at a time). ``sink`` is also given the rows
    read (the bounded-memory audit routes them to its buckets)."""

    note = status_callback(progress)
    plan = plan_sources(source, adjustments, map=map)
    total = Tally()
    with work_folder(work_dir, "telekit-remits-") as work:
        for item, forced in plan.items:

            def whole(item: Any = item, forced: bool = forced) -> Tally:
                part = read_source(item, forced, plan)
                if sink is not None:
                    sink.add(part)
                if isinstance(part, Remittances):
                    return Tally.of_remittances(part)
                return Tally.of_table(part)

            table, entries = (
                ("adjustments", plan.adj_entries) if forced else ("remittances", plan.line_entries)
            )
            stream = _stream_of(table, item, entries, work, note)
            if stream is not None and not forced:
                header_only = RawSource(stream.name, stream.path, stream.headers, pl.DataFrame())
                if _is_adjustments(header_only, plan.adj_entries):
                    stream = _stream_of("adjustments", item, plan.adj_entries, work, note)
            if sink is not None:
                sink.begin()
            total += _tally_or_whole(stream, whole, work, note, sink)
    return total


def tally_patient_payments(
    source: str | Path,
    *,
    map: str | Path | MapSpec | None = None,
    work_dir: str | Path | None = None,
    progress: bool | Callable[[str], None] = False,
    sink: Sink | None = None,
) -> Tally:
    """``read_patient_payments`` in bounded memory, for its accounting and rejects only;
    ``sink`` is also given the rows read (the bounded-memory audit routes them to its
    buckets)."""
    note = status_callback(progress)
    entries = resolve_map(TABLES["patient_payments"], None, None, map, None)
    with work_folder(work_dir, "telekit-payments-") as work:
        stream = _stream_of("patient_payments", source, entries, work, note)

        def whole() -> Tally:
            table = read_table("patient_payments", source, map=map)
            if sink is not None:
                sink.add(table)
            return Tally.of_table(table)

        return _tally_or_whole(stream, whole, work, note, sink)
