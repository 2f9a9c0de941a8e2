"""Streaming a table's source in batches, for the bounded-memory path (``telekit._scale``).

Parquet (a file or a folder of parts), UTF-8 delimited text and frames are streamed: a first
pass reads only the key columns (coerced exactly as the reader does), a second hands each
batch's raw cells on with the row number the reader would give (Parquet: the index; CSV: the
physical line where the record starts), so that the reader's own ``build_table`` reads any part
of it with the reader's coercion, rejects and row numbers. Delimited text in another encoding
(cp1252, latin-1, UTF-16, an ``encoding`` option) or with a lone CR among its line ends is first
transcoded to a UTF-8 text file with the same physical lines, which keeps the reject row numbers
of the original. Rows wider than the header carry their reason (``ROW_REASON``). XLSX, X12 and
CSV whose records the line scan cannot align (``_MisalignedError``) are not streamed: the reader
reads them whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from telekit._core._columns import TABLES
from telekit._core._exceptions import InputError
from telekit._io._build import coercion_plan as _plan
from telekit._io._build import given_columns as _given_columns
from telekit._io._build import map_headers
from telekit._io._build import split_delimited as _split_delimited
from telekit._io._maps import TableMap
from telekit._io._source import OLE_MAGIC as _OLE_MAGIC
from telekit._io._source import PARQUET_MAGIC as _PARQUET_MAGIC
from telekit._io._source import (
    ROW_REASON,
    LineScan,
    RawSource,
    check_header_width,
    has_lone_cr,
    is_x12,
    known_headers,
    malformed_error,
    quote_counts,
    ragged_reason,
    record_cells,
    scan_lines,
    sniff,
    unclosed_quote_error,
)
from telekit._io._source import SNIFF_CHARS as _SNIFF_CHARS
from telekit._io._source import ZIP_MAGIC as _ZIP_MAGIC
from telekit._io._source import bomless_utf16 as _bomless_utf16
from telekit._io._source import line_offset as _text_line_offset

ROW = "__row"  # the reader's row-number column (RawSource.frame)
BATCH_ROWS = 1_000_000  # rows per batch of a stream
_BLOCK = 1 << 24  # bytes read at a time when scanning text


@dataclass
class _Stream:
    """A table read in batches: raw cells ``c0..cN`` as the reader's ``RawSource.frame`` holds
    them, the header excluded, with ``__row``."""

    table: str
    name: str
    path: str
    headers: tuple[str, ...]
    entries: TableMap
    lazy: pl.LazyFrame  # c0..cN (for CSV: the header record first, no __row yet)
    csv: _CsvLayout | None = None
    parts: list[pl.LazyFrame] | None = None  # Parquet: each part, cast to the relaxed schema

    def _raw_batches(self) -> Iterator[pl.DataFrame]:
        """Slices of at most ``BATCH_ROWS`` rows in order. Parquet parts are sliced one by one
        (the reader decodes only the row groups of the slice): streaming the whole scan
        prefetches several parts at once and holds more memory."""
        with self.reading():
            if self.parts is None:
                yield from self.lazy.collect_batches(chunk_size=BATCH_ROWS)
                return
            for part in self.parts:
                rows = part.select(pl.len()).collect().item()
                for offset in range(0, rows, BATCH_ROWS):
                    yield part.slice(offset, BATCH_ROWS).collect()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A parser error while the source is read: one line naming the file, never the text of
        the error (polars quotes the cells)."""
        try:
            yield
        except pl.exceptions.PolarsError as exc:
            if self.csv is not None:
                raise malformed_error(self.name, exc) from None
            kind = "as Parquet" if self.parts is not None else "as a table"
            msg = f"{self.name}: cannot be read {kind} ({type(exc).__name__})"
            raise InputError(msg) from None

    def key_frame(self, keys: tuple[str, ...]) -> pl.LazyFrame:
        """The coerced ``keys`` columns of every record (no row numbers: for the link pass)."""
        body = self.lazy.slice(1) if self.csv is not None else self.lazy
        return _coerced_keys(self, body.with_columns(pl.lit(0, pl.Int64).alias(ROW)), keys)

    def batches(self) -> Iterator[pl.DataFrame]:
        """Raw batches with ``__row`` (the reader's row number), in input order."""
        offset = 0  # records seen, the CSV header included
        for batch in self._raw_batches():
            n = batch.height
            if self.csv is None:
                rows = pl.int_range(offset + 1, offset + n + 1, eager=True, dtype=pl.Int64)
                out = batch.with_columns(rows.alias(ROW))
            else:  # empty rows stay: build_table skips and counts them
                out = batch.with_columns(
                    self.csv.rows(offset, n).alias(ROW), self.csv.reasons(offset, n)
                )
                if offset == 0:
                    out = out.slice(1)  # the header record
            offset += n
            yield out
        if self.csv is not None:
            self.csv.check(offset)


class _MisalignedError(Exception):
    """The line scan does not give one start line per CSV record: read the file whole."""


@dataclass
class _CsvLayout:
    """Where each CSV record starts and which records have more cells than the header (the
    reader's ``record_layout``, computed by streaming)."""

    header_line: int  # 0-based physical line of the header
    lines_total: int  # physical lines from the header on
    starts: pl.Series | None  # 0-based line (from the header) of each record; None: one per line
    width: int = 0  # cells of the header
    over: pl.DataFrame = field(  # records (index from the header's, 0) with more cells
        default_factory=lambda: pl.DataFrame(schema={"__rec": pl.Int64, "__cells": pl.Int64})
    )

    def reasons(self, offset: int, n: int) -> pl.Series:
        """``ROW_REASON`` of records ``offset`` .. ``offset + n`` (null but for wider rows)."""
        if not self.over.height:
            return pl.repeat(None, n, dtype=pl.String, eager=True).alias(ROW_REASON)
        index = pl.DataFrame({"__rec": pl.int_range(offset, offset + n, eager=True)})
        cells = index.join(self.over, on="__rec", how="left", maintain_order="left")
        return cells.select(ragged_reason(pl.col("__cells"), self.width).alias(ROW_REASON))[
            ROW_REASON
        ]

    def rows(self, offset: int, n: int) -> pl.Series:
        if self.starts is None:
            first = offset + self.header_line + 1
            return pl.int_range(first, first + n, eager=True, dtype=pl.Int64)
        if offset + n > self.starts.len():
            raise _MisalignedError
        return self.starts.slice(offset, n) + (self.header_line + 1)

    def check(self, records: int) -> None:
        expected = self.lines_total if self.starts is None else self.starts.len()
        if records != expected:
            raise _MisalignedError


def _raw_lazy(lf: pl.LazyFrame) -> tuple[tuple[str, ...], pl.LazyFrame]:
    names = lf.collect_schema().names()
    return tuple(names), lf.rename({n: f"c{i}" for i, n in enumerate(names)})


def _parquet_stream(table: str, path: Path, entries: TableMap) -> _Stream:
    """The reader's ``read_parquet_parts`` as a scan: parts in name order, relaxed to one
    schema, the index as row number."""
    parts = sorted(p for p in path.rglob("*.parquet") if p.is_file()) if path.is_dir() else [path]
    if not parts:
        msg = f"{path.name}: the directory holds no .parquet files"
        raise InputError(msg)
    try:
        scans = [pl.scan_parquet(p, hive_partitioning=False) for p in parts]
        schemas = [scan.collect_schema() for scan in scans]
        relaxed = pl.concat(
            [pl.DataFrame(schema=schema) for schema in schemas], how="diagonal_relaxed"
        ).schema
        same = all(schema == relaxed for schema in schemas)
    except pl.exceptions.PolarsError as exc:
        msg = f"{path.name}: cannot be read as Parquet ({type(exc).__name__})"
        raise InputError(msg) from None
    cast = [
        [
            pl.col(n).cast(dtype) if n in schema else pl.lit(None, dtype).alias(n)
            for n, dtype in relaxed.items()
        ]
        for schema in schemas
    ]
    lazy = (
        pl.scan_parquet(parts, hive_partitioning=False)
        if same
        else pl.concat([scan.select(c) for scan, c in zip(scans, cast, strict=True)])
    )
    headers, lazy = _raw_lazy(lazy)
    renamed = [_raw_lazy(scan.select(c))[1] for scan, c in zip(scans, cast, strict=True)]
    return _Stream(table, path.name, str(path), headers, entries, lazy, parts=renamed)


def _frame_stream(table: str, frame: pl.DataFrame | pl.LazyFrame, entries: TableMap) -> _Stream:
    headers, lazy = _raw_lazy(frame.lazy())
    return _Stream(table, "<frame>", "<frame>", headers, entries, lazy)


@dataclass
class _TextScan:
    encoding: str | None  # None: UTF-8 as is; else transcode from this codec
    mac: bool = False  # a lone CR (classic-Mac or mixed line ends): transcode with LF only


def _scan_encoding(path: Path, options: Mapping[str, object]) -> _TextScan:
    """The reader's ``decode`` and ``normalize_line_ends`` decisions, made by streaming: UTF-8
    (BOM allowed) with LF or CRLF line ends is read as is; anything else is transcoded."""
    given = options.get("encoding")
    with path.open("rb") as f:
        head = f.read(4096)
    if isinstance(given, str):
        normal = codecs.lookup(given).name if _known_codec(given) else given
        if normal != "utf-8":
            ok, lone = _decode_scan(path, given)
            if not ok:
                msg = f"{path.name}: cannot be decoded as {given}"
                raise InputError(msg)
            return _TextScan(given, lone)
    else:
        candidates = []
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            candidates.append("utf-16")
        bomless = _bomless_utf16(head)
        if bomless is not None:
            candidates.append(bomless)
        for codec in candidates:
            ok, lone = _decode_scan(path, codec)
            if ok:
                return _TextScan(codec, lone)
    utf8, lone = _decode_scan(path, "utf-8")
    if not utf8 and isinstance(given, str):
        msg = f"{path.name}: cannot be decoded as {given}"
        raise InputError(msg)
    if utf8:
        return _TextScan(None, lone)
    encoding = "cp1252" if _decode_scan(path, "cp1252")[0] else "latin-1"
    return _TextScan(encoding, _decode_scan(path, encoding)[1])


def _decode_scan(path: Path, encoding: str) -> tuple[bool, bool]:
    """(the file decodes as ``encoding``, its text holds a lone CR) by streaming."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lone = False
    carry = ""  # a CR at the end of a block: its LF may start the next
    try:
        for block in _blocks(path):
            text = carry + decoder.decode(block)
            carry = "\r" if text.endswith("\r") else ""
            lone = lone or has_lone_cr(text.removesuffix("\r"))
        lone = lone or has_lone_cr(carry + decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False, False
    return True, lone


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _blocks(path: Path, offset: int = 0) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(offset)
        while block := f.read(_BLOCK):
            yield block


def _transcode(path: Path, scan: _TextScan, work: Path) -> Path:
    """The text as UTF-8 without BOM, with the same physical lines (with ``scan.mac``, each of
    LF, CRLF and a lone CR written as LF, as the reader's ``normalize_line_ends``)."""
    target = work / f"{path.name}.utf8.txt"
    decoder = codecs.getincrementaldecoder(scan.encoding or "utf-8")()
    first = True
    carry = ""  # a CR at the end of a block: its LF may start the next
    with target.open("w", encoding="utf-8", newline="") as out:
        for block in _blocks(path):
            text = decoder.decode(block)
            if first and text:
                text, first = text.removeprefix("\ufeff"), False
            if scan.mac:
                text = carry + text
                carry = "\r" if text.endswith("\r") else ""
                text = text.removesuffix("\r").replace("\r\n", "\n").replace("\r", "\n")
            out.write(text)
        rest = carry + decoder.decode(b"", final=True)
        out.write(rest.replace("\r\n", "\n").replace("\r", "\n") if scan.mac else rest)
    return target


def _prefix(path: Path) -> str:
    """The first ``_SNIFF_CHARS`` characters (BOM removed), what the reader sniffs."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = ""
    for block in _blocks(path):
        text += decoder.decode(block)
        if len(text) > _SNIFF_CHARS:
            break
    return text.removeprefix("\ufeff")


def _line_offset(path: Path, line: int) -> int:
    """Byte offset of the 0-based physical ``line`` (the header is in the first 4M characters)."""
    found, position = 0, 0
    for block in _blocks(path):
        start = 0
        while found < line:
            nxt = block.find(b"\n", start)
            if nxt < 0:
                break
            found, start = found + 1, nxt + 1
        if found == line:
            return position + start
        position += len(block)
    return position


def _csv_layout(path: Path, header_line: int, delimiter: str, width: int) -> _CsvLayout:
    """Lines from the header on, where each record starts when the text has quotes (a record
    starts on a line with an even number of quotes before it, as ``record_layout``) and the
    records with more cells than the header; an unclosed quote is refused with its line."""
    offset = _line_offset(path, header_line)
    newlines = quotes = 0
    last = b""
    for block in _blocks(path, offset):
        newlines += block.count(b"\n")
        quotes += block.count(b'"')
        last = block[-1:]
    lines_total = newlines + (0 if last == b"\n" else 1)
    seen = before = 0  # lines and quotes of the chunks scanned
    opening: int | None = None
    starts_parts: list[pl.Series] = []
    delimiter_parts: list[pl.Series] = []
    over: list[pl.DataFrame] = []
    for chunk in _line_chunks(path, offset):
        lines = pl.Series([chunk]).str.split("\n").explode()
        if quotes % 2:  # only the line where the unclosed quote opens is wanted
            q = quote_counts(lines)
            prior = q.cum_sum() - q + before
            found = ((prior % 2 == 0) & (q % 2 == 1)).arg_true()
            if found.len():
                opening = seen + int(found[-1])
            before += int(q.sum() or 0)
        elif quotes:
            scan = scan_lines(lines, delimiter, before)
            before = scan.quotes_after
            starts_parts.append(scan.starts)
            delimiter_parts.append(scan.delimiters)
        else:  # one record per line
            cells = scan_lines(lines, delimiter).delimiters + 1
            wide = (cells > width).arg_true()
            if wide.len():
                over.append(
                    pl.DataFrame(
                        {"__rec": wide.cast(pl.Int64) + seen, "__cells": cells.gather(wide)}
                    )
                )
        seen += lines.len()
    if opening is not None:
        raise unclosed_quote_error(path.name, header_line + opening + 1)
    starts = None
    if quotes:
        scanned = LineScan(pl.concat(starts_parts), pl.concat(delimiter_parts), before)
        starts, cells = record_cells(scanned)
        wide = (cells > width).arg_true()
        over.append(pl.DataFrame({"__rec": wide.cast(pl.Int64), "__cells": cells.gather(wide)}))
    layout = _CsvLayout(header_line, lines_total, starts, width)
    if over:
        layout.over = pl.concat(over).cast({"__rec": pl.Int64, "__cells": pl.Int64})
    return layout


def _line_chunks(path: Path, offset: int) -> Iterator[str]:
    """The text from ``offset`` (a line start) on, in chunks of whole lines without their final
    newline; the text after the last newline, if any, is the last chunk."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    rest = ""
    for block in _blocks(path, offset):
        text = rest + decoder.decode(block)
        cut = text.rfind("\n")
        if cut < 0:
            rest = text
            continue
        yield text[:cut]
        rest = text[cut + 1 :]
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def _csv_stream(table: str, path: Path, entries: TableMap, work: Path) -> _Stream:
    scan = _scan_encoding(path, entries.options)
    text_path = path if scan.encoding is None and not scan.mac else _transcode(path, scan, work)
    prefix = _prefix(text_path)
    if not prefix.strip():
        msg = f"{path.name}: the file is empty"
        raise InputError(msg)
    spec = TABLES[table]
    header_row = entries.options.get("header_row")
    line, delimiter = sniff(
        prefix,
        known_headers(spec, entries.rename),
        header_row if isinstance(header_row, int) else None,
        path.name,
        spec,
    )
    check_header_width(prefix[_text_line_offset(prefix, line, path.name) :], delimiter, path.name)
    lazy = pl.scan_csv(
        text_path,
        has_header=False,
        separator=delimiter,
        infer_schema=False,
        truncate_ragged_lines=True,
        raise_if_empty=False,
        skip_lines=line,
    )
    try:
        first = lazy.head(1).collect()
    except pl.exceptions.PolarsError as exc:
        raise malformed_error(path.name, exc) from None
    layout = _csv_layout(text_path, line, delimiter, first.width)
    lazy = lazy.rename({n: f"c{i}" for i, n in enumerate(first.columns)})
    headers = tuple("" if h is None else str(h) for h in first.row(0)) if first.height else ()
    return _Stream(table, path.name, str(path), headers, entries, lazy, layout)


def _coerced_keys(stream: _Stream, raw: pl.LazyFrame, keys: tuple[str, ...]) -> pl.LazyFrame:
    """``__row`` and the ``keys`` columns, coerced exactly as ``build_table`` coerces them."""
    spec = TABLES[stream.table]
    mapped, _ = map_headers(spec, stream.headers, stream.entries.rename, stream.name)
    frame = raw.select(ROW, *(pl.col(f"c{i}").alias(target) for i, target in mapped.items()))
    frame = _split_delimited(frame, spec, set(mapped.values()))
    plan = _plan(spec, frame.collect_schema(), stream.entries)
    return (
        frame.with_columns(plan.texts)
        .with_columns(plan.values)
        .select(ROW, *(pl.col(f"__v{spec.names.index(k)}").alias(k) for k in keys))
    )


def _check_columns(stream: _Stream) -> None:
    """A missing required column fails now, with the reader's message."""
    spec = TABLES[stream.table]
    mapped, _ = map_headers(spec, stream.headers, stream.entries.rename, stream.name)
    header_only = RawSource(stream.name, stream.path, stream.headers, pl.DataFrame())
    _given_columns(spec, header_only, mapped)


def _stream_of(
    table: str,
    source: str | Path | pl.DataFrame | pl.LazyFrame,
    entries: TableMap,
    work: Path,
    note: Callable[[str], None] = lambda _: None,
) -> _Stream | None:
    """A stream of ``source`` as ``table``, or None when the reader reads it whole (XLSX, X12,
    an empty or missing file: the reader's own error)."""
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return _frame_stream(table, source, entries)
    path = Path(source)
    head = b""
    if path.is_file():
        with path.open("rb") as f:
            head = f.read(64)
    if path.is_dir() or head.startswith(_PARQUET_MAGIC):
        return _parquet_stream(table, path, entries)
    if not head or head.startswith((_ZIP_MAGIC, _OLE_MAGIC)) or is_x12(head):
        return None
    note(f"scanning {path.name}")
    return _csv_stream(table, path, entries, work)
