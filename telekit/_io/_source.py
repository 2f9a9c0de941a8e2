"""Raw reading: a source's headers and cells, before any mapping (``RawSource``).

CSV/TSV/TXT, XLSX (and legacy .xls), Parquet (a file or a folder of parts) and frames; the
format is recognised by content. Every cell is read as text (CSV, XLSX) or as stored (Parquet,
frames), the header row is found by content, and each record gets a 1-based ``__row`` (CSV: the
physical line where the record starts; XLSX: the sheet row; Parquet and frames: the index). X12
content is recognised (``is_x12``) and handed back as bytes for the X12 readers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from telekit._core._columns import TableSpec
from telekit._core._exceptions import InputError, MissingColumnError, UnsupportedFormatError
from telekit._io._maps import delimited_columns, normalize_header
from telekit._io._xlsx import check_workbook

Source = str | Path | pl.DataFrame | pl.LazyFrame
FRAME = "<frame>"
ROW = "__row"
HEADER_SCAN_ROWS = 20
DELIMITERS = (",", ";", "\t", "|")
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, which calamine also reads
SNIFF_CHARS = 4_000_000
MAX_COLUMNS = 2_000  # a header wider than this is refused before any frame is built
ROW_REASON = "__row_reason"  # a whole-row problem found while reading (a reject, column null)


@dataclass(frozen=True)
class RawSource:
    """A source read but not interpreted: its headers and its cells.

    ``frame`` has one column per source column, named ``c0``, ``c1`` ... in source order
    (headers may repeat or be blank), plus ``__row``, the 1-based row number of each record.
    """

    name: str  # base name of the file, or "<frame>"
    path: str  # what Table.source reports
    headers: tuple[str, ...]
    frame: pl.DataFrame
    skip_empty: bool = False  # text sources: a row whose every cell is empty is skipped


def source_name(source: Source) -> str:
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return FRAME
    return Path(source).name


# --- header detection --------------------------------------------------------------------------


def known_headers(spec: TableSpec, rename: Mapping[str, str]) -> set[str]:
    """Normalised names that mark a header row: canonical, aliases, delimited, rename keys."""
    names = {*spec.names, *spec.aliases, *delimited_columns(spec)}
    return {normalize_header(n) for n in names} | {normalize_header(k) for k in rename}


def header_tier(cells: Sequence[str | None], known: set[str]) -> tuple[int, int]:
    """(tier, matches) of a row as a header candidate: tier 0 when at least two cells match,
    1 when the row has one non-empty cell and it matches, 2 when some cell matches, 3 else."""
    filled = [c for c in cells if c is not None and c.strip()]
    matches = sum(normalize_header(c) in known for c in filled)
    if matches >= 2:
        return 0, matches
    if matches and len(filled) == 1:
        return 1, matches
    return (2 if matches else 3), matches


def find_header(
    rows: Sequence[Sequence[str | None]], known: set[str]
) -> tuple[int, int, int] | None:
    """(tier, index, matches) of the header among the first rows, by content: the first row
    where at least two cells name columns; failing that, the first one-cell row naming a
    column (so a one-word title above a real header loses to it); failing that, the first
    row naming any column."""
    candidates = [
        (*header_tier(cells, known), i) for i, cells in enumerate(rows[:HEADER_SCAN_ROWS])
    ]
    found = [(tier, i, matches) for tier, matches, i in candidates if tier < 3]
    return min(found) if found else None


def no_header_error(name: str, spec: TableSpec) -> MissingColumnError:
    msg = (
        f"{name}: no header row found in the first {HEADER_SCAN_ROWS} rows (a header names "
        f"{spec.name} columns such as {', '.join(spec.required[:4])}). Map the headers with "
        f'rename={{...}} or --map, or give options={{"header_row": N}}.'
    )
    return MissingColumnError(msg)


# --- CSV ---------------------------------------------------------------------------------------


def bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when the text is UTF-16 without a BOM (mostly ASCII text, so
    every other byte is NUL: odd bytes for little-endian, even bytes for big-endian), else None."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0 : 2 * half : 2].count(0), sample[1 : 2 * half : 2].count(0)
    if odd >= 0.9 * half and even <= 0.1 * half:
        return "utf-16-le"
    if even >= 0.9 * half and odd <= 0.1 * half:
        return "utf-16-be"
    return None


def decode(data: bytes, name: str, encoding: str | None) -> str:
    """UTF-8 (BOM stripped), UTF-16 (with a BOM, or without one when every other byte is NUL),
    else cp1252, else latin-1; or the encoding given."""
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            msg = f"{name}: cannot be decoded as {encoding}"
            raise InputError(msg) from None
        return text.removeprefix("\ufeff")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError:
            pass
    utf16 = bomless_utf16(data)
    if utf16 is not None:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            pass
    data = data.removeprefix(codecs.BOM_UTF8)
    for candidate in ("utf-8", "cp1252"):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def has_lone_cr(text: str) -> bool:
    """True when some CR is not the first half of a CRLF (classic-Mac or mixed line ends)."""
    cr = text.count("\r")
    return bool(cr) and cr != text.count("\r\n")


def normalize_line_ends(text: str) -> str:
    """LF, CRLF and a lone CR each end one physical line: a text with a lone CR gets LF only
    (two C-level replacements; a CRLF-only text is left as is, the CSV parser reads it)."""
    if has_lone_cr(text):
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _first_records(text: str, delimiter: str, count: int) -> list[tuple[int, list[str]]]:
    """The first ``count`` records as (0-based physical start line, cells); a record's cells are
    cut at ``MAX_COLUMNS + 1`` (enough to tell a header too wide)."""
    prefix = text[:SNIFF_CHARS]
    reader = csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        while len(records) < count:
            start = reader.line_num
            cells = next(reader)
            records.append((start, cells[: MAX_COLUMNS + 1]))
    except (StopIteration, csv.Error):
        pass
    return records


def sniff(
    text: str, known: set[str], header_row: int | None, name: str, spec: TableSpec
) -> tuple[int, str]:
    """(0-based physical line of the header, delimiter) of delimited text."""
    if header_row is not None:
        best: tuple[int, str] | None = None
        widest = 0
        for delimiter in DELIMITERS:
            for start, cells in _first_records(text, delimiter, header_row):
                if start == header_row - 1 and len(cells) > widest:
                    best, widest = (start, delimiter), len(cells)
        if best is None:
            msg = f"{name}: header_row {header_row} is not the start of a row of the file"
            raise InputError(msg)
        return best
    # (tier, record index, -matches, delimiter order, line)
    found: list[tuple[int, int, int, int, int]] = []
    for order, delimiter in enumerate(DELIMITERS):
        records = _first_records(text, delimiter, HEADER_SCAN_ROWS)
        hit = find_header([cells for _, cells in records], known)
        if hit is not None:
            tier, index, matches = hit
            found.append((tier, index, -matches, order, records[index][0]))
    if not found:
        raise no_header_error(name, spec)
    *_, order, line = min(found)
    return line, DELIMITERS[order]


def check_header_width(text: str, delimiter: str, name: str) -> None:
    """A header of more than ``MAX_COLUMNS`` cells is refused (``text`` starts at the header)."""
    records = _first_records(text, delimiter, 1)
    if records and len(records[0][1]) > MAX_COLUMNS:
        msg = (
            f"{name}: the header has more than {MAX_COLUMNS:,} columns; telekit reads at most "
            f"{MAX_COLUMNS:,} (check the delimiter, or drop the extra columns)"
        )
        raise InputError(msg)


def line_offset(text: str, line: int, name: str) -> int:
    offset = 0
    for _ in range(line):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            msg = f"{name}: the header row could not be located in the text"
            raise InputError(msg)
    return offset


def split_lines(text: str) -> pl.Series:
    """The physical lines of ``text`` (LF-separated; a final LF ends the last line)."""
    lines = pl.Series([text]).str.split("\n").explode()
    return lines.head(-1) if text.endswith("\n") else lines


def quote_counts(lines: pl.Series) -> pl.Series:
    return lines.str.count_matches('"', literal=True).cast(pl.Int64)


@dataclass(frozen=True)
class LineScan:
    """Per physical line: whether a record starts on it and the cell delimiters it holds outside
    quotes, trailing empty cells left out (``quotes_after``: the running quote count)."""

    starts: pl.Series  # Boolean
    delimiters: pl.Series  # Int64
    quotes_after: int


def scan_lines(lines: pl.Series, delimiter: str, quotes_before: int = 0) -> LineScan:
    """Vectorised: a line starts a record when the quotes before it are even in number; quoted
    text (a line continuing a quoted field is read as if it opened one) becomes one mark, then
    trailing delimiters and blanks are dropped and the delimiters counted."""
    quotes = quote_counts(lines)
    before = quotes.cum_sum() - quotes + quotes_before
    inside = before % 2 == 1
    starts = inside.not_()
    text = lines
    if quotes.sum():
        text = (
            pl.select(pl.when(inside).then(pl.lit('"') + lines).otherwise(lines))
            .to_series()
            .str.replace_all(r'"[^"]*(?:"|$)', "Q")
        )
    trimmed = text.str.strip_chars_end(delimiter + " \t\r")
    delimiters = trimmed.str.count_matches(delimiter, literal=True).cast(pl.Int64)
    total = quotes_before + int(quotes.sum() or 0)
    return LineScan(starts.alias("start"), delimiters.alias("delimiters"), total)


def record_cells(scan: LineScan) -> tuple[pl.Series, pl.Series]:
    """(0-based start line, cells up to the last non-empty one) of each record of ``scan``."""
    starts = scan.starts.arg_true().cast(pl.Int64)
    if not starts.len():
        return starts, pl.Series([], dtype=pl.Int64)
    running = scan.delimiters.cum_sum()
    before = (running - scan.delimiters).gather(starts)
    ends = starts.shift(-1, fill_value=scan.starts.len()) - 1
    cells = running.gather(ends) - before + 1
    return starts, cells


def unclosed_quote_line(lines: pl.Series) -> int | None:
    """0-based line where a quote opens that is never closed, or None when quotes pair up."""
    quotes = quote_counts(lines)
    if int(quotes.sum() or 0) % 2 == 0:
        return None
    before = quotes.cum_sum() - quotes
    opening = ((before % 2 == 0) & (quotes % 2 == 1)).arg_true()
    return int(opening[-1]) if opening.len() else None


def unclosed_quote_error(name: str, line: int) -> InputError:
    msg = (
        f"{name}: a quote opens on line {line} and is never closed (the file may be truncated); "
        "close or remove that quote"
    )
    return InputError(msg)


def malformed_error(name: str, exc: Exception) -> InputError:
    """The parser's error as one line naming the file; its text (which quotes cells) is dropped."""
    msg = (
        f"{name}: cannot be read as delimited text ({type(exc).__name__}: a quoted cell is "
        "malformed, e.g. a quote inside an unquoted cell or text after a closing quote)"
    )
    return InputError(msg)


def _csv_module_layout(body: str, delimiter: str) -> tuple[list[int], list[int]] | None:
    """(start line, cells up to the last non-empty one) of each record by the csv module."""
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    found: list[int] = []
    cells: list[int] = []
    start = 0
    try:
        for row in reader:  # the rare text the scan cannot align: one pass over its records
            n = len(row)
            while n and not row[n - 1].strip():
                n -= 1
            found.append(start)
            cells.append(max(n, 1))
            start = reader.line_num
    except csv.Error:
        return None
    return found, cells


def record_layout(body: str, n_records: int, delimiter: str) -> tuple[pl.Series, pl.Series]:
    """(0-based physical line within ``body`` where each of its records starts, its cells up to
    the last non-empty one; null when unknown).

    One vectorised scan of the lines (see ``scan_lines``); the csv module is the fallback for
    text the scan cannot align with the parser's records."""
    starts, cells = record_cells(scan_lines(split_lines(body), delimiter))
    if starts.len() == n_records:
        return starts, cells
    found = _csv_module_layout(body, delimiter)
    if found is not None and len(found[0]) == n_records:
        return pl.Series(found[0], dtype=pl.Int64), pl.Series(found[1], dtype=pl.Int64)
    return (
        pl.int_range(n_records, eager=True, dtype=pl.Int64),
        pl.repeat(None, n_records, dtype=pl.Int64, eager=True),
    )


def record_lines(body: str, n_records: int, delimiter: str) -> pl.Series:
    """0-based physical line (within ``body``) where each of its records starts."""
    return record_layout(body, n_records, delimiter)[0]


def ragged_reason(cells: pl.Expr, width: int) -> pl.Expr:
    """The whole-row reason of a record with more (non-empty) cells than the header."""
    return pl.when(cells > width).then(
        pl.format("row has {} cells; the header has {}", cells, pl.lit(width))
    )


def read_delimited(
    data: bytes, *, name: str, path: str, options: Mapping[str, object], known: set[str],
    spec: TableSpec,
) -> RawSource:  # fmt: skip
    encoding = options.get("encoding")
    text = decode(data, name, encoding if isinstance(encoding, str) else None)
    del data
    if not text.strip():
        msg = f"{name}: the file is empty"
        raise InputError(msg)
    text = normalize_line_ends(text)
    header_row = options.get("header_row")
    line, delimiter = sniff(
        text, known, header_row if isinstance(header_row, int) else None, name, spec
    )
    body = text[line_offset(text, line, name) :]
    del text
    check_header_width(body, delimiter, name)
    lines = split_lines(body)
    unclosed = unclosed_quote_line(lines)
    if unclosed is not None:
        raise unclosed_quote_error(name, unclosed + line + 1)
    scan = scan_lines(lines, delimiter)
    del lines
    try:
        frame = pl.read_csv(
            body.encode("utf-8"),
            has_header=False,
            separator=delimiter,
            infer_schema=False,
            truncate_ragged_lines=True,  # a longer row is a reject (its cells are counted below)
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise malformed_error(name, exc) from None
    starts, cells = record_cells(scan)
    if starts.len() != frame.height:
        starts, cells = record_layout(body, frame.height, delimiter)
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    frame = frame.with_columns(
        (starts + (line + 1)).alias(ROW),
        ragged_reason(pl.lit(cells), frame.width).alias(ROW_REASON),
    )
    return _split_header(frame, name, path)


def _split_header(frame: pl.DataFrame, name: str, path: str) -> RawSource:
    """The first row is the header; later rows whose every cell is empty are skipped (counted
    by ``build_table``)."""
    cells = [c for c in frame.columns if not c.startswith("__")]
    headers = tuple("" if h is None else str(h) for h in frame.select(cells).row(0))
    body = frame.slice(1)
    if ROW_REASON in body.columns and body.get_column(ROW_REASON).null_count() == body.height:
        body = body.drop(ROW_REASON)
    return RawSource(name=name, path=path, headers=headers, frame=body, skip_empty=True)


# --- XLSX --------------------------------------------------------------------------------------


def read_xlsx(
    data: bytes, *, name: str, path: str, options: Mapping[str, object], known: set[str],
    spec: TableSpec,
) -> RawSource:  # fmt: skip
    if data.startswith(ZIP_MAGIC):  # stray far cells and zip bombs are refused before calamine
        check_workbook(data, name, options.get("sheet"))
    try:
        reader = fastexcel.read_excel(data)
    except Exception:  # fastexcel raises its own error classes for a corrupt workbook
        msg = f"{name}: cannot be read as an XLSX workbook"
        raise UnsupportedFormatError(msg) from None
    sheets = list(reader.sheet_names)
    sheet = options.get("sheet")
    if sheet is None:
        chosen: int | str = 0
    elif isinstance(sheet, int) and not isinstance(sheet, bool) and 1 <= sheet <= len(sheets):
        chosen = sheet - 1
    elif isinstance(sheet, str) and sheet in sheets:
        chosen = sheet
    else:
        msg = f"{name}: no sheet {sheet!r} (sheets: {', '.join(sheets)})"
        raise InputError(msg)
    try:
        frame = reader.load_sheet(chosen, header_row=None, skip_rows=0, dtypes="string").to_polars()
    except Exception:  # an empty sheet or an unreadable cell range
        msg = f"{name}: sheet {sheets[chosen] if isinstance(chosen, int) else chosen!r} is empty"
        raise InputError(msg) from None
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    # date cells arrive as "2024-01-05 00:00:00": keep the date
    frame = frame.with_columns(
        pl.all().cast(pl.String).str.replace(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}) 00:00:00$", "${1}")
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW))
    header_row = options.get("header_row")
    if isinstance(header_row, int):
        index = header_row - 1
        if index >= frame.height:
            msg = f"{name}: header_row {header_row} is past the last row of the sheet"
            raise InputError(msg)
    else:
        scan = frame.head(HEADER_SCAN_ROWS).drop(ROW).rows()
        hit = find_header(scan, known)
        if hit is None:
            raise no_header_error(name, spec)
        index = hit[1]
    return _split_header(frame.slice(index), name, path)


# --- Parquet and frames ------------------------------------------------------------------------


def read_typed(frame: pl.DataFrame, name: str, path: str) -> RawSource:
    """Parquet and frames: headers are the column names; cells keep their dtypes."""
    if not all(isinstance(c, str) for c in frame.columns):
        msg = f"{name}: column names must be text"
        raise InputError(msg)
    headers = tuple(frame.columns)
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    return RawSource(name=name, path=path, headers=headers, frame=with_row_numbers(frame))


def with_row_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``ROW`` (1..n), cut into the same chunks as its columns when they all
    share one chunking (a Parquet read comes in a few chunks a column). A frame whose columns
    are chunked unlike each other is rechunked whole by every in-memory query over it (~90 ms
    for the 1M-line claims): ``pl.int_range`` alone would be one chunk against the file's 8."""
    lengths = {
        tuple(len(chunk) for chunk in frame.get_column(c).get_chunks()) for c in frame.columns
    }
    if len(lengths) != 1 or frame.height == 0:
        return frame.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW))
    parts, start = [], 1
    for length in lengths.pop():
        parts.append(pl.int_range(start, start + length, dtype=pl.Int64, eager=True))
        start += length
    return frame.with_columns(pl.concat(parts, rechunk=False).alias(ROW))


def read_parquet_parts(path: Path, name: str) -> pl.DataFrame:
    """One Parquet file, or a directory of parts read in name order."""
    parts = sorted(p for p in path.rglob("*.parquet") if p.is_file()) if path.is_dir() else [path]
    if not parts:
        msg = f"{name}: the directory holds no .parquet files"
        raise InputError(msg)
    try:
        frames = [pl.read_parquet(p) for p in parts]
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        msg = f"{name}: cannot be read as Parquet ({type(exc).__name__}; a truncated file?)"
        raise InputError(msg) from None
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")


# --- dispatch ----------------------------------------------------------------------------------


X12_WITHOUT_ISA = re.compile(rb"(?:ST\*[0-9]{3}|GS\*[A-Z0-9]{2})\*")
"""The start of X12 without an interchange header (``ST*837*``, ``GS*HC*``), as some
clearinghouse exports write it: read with the standard delimiters ``* ~ : ^``."""


def is_x12(data: bytes) -> bool:
    """Whether ``data`` starts as X12: an ``ISA`` header, or an ``ST``/``GS`` segment with the
    standard element separator (``X12_WITHOUT_ISA``)."""
    head = data[:64].removeprefix(codecs.BOM_UTF8).lstrip()
    return head.startswith(b"ISA") or X12_WITHOUT_ISA.match(head) is not None


def check_regular(path: Path, name: str) -> None:
    """A path read as a table must be a regular file (a symlink to one is fine): a FIFO, a
    device or a socket would hang or never end, and is refused before it is opened."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        broken = "a broken link (the file it names does not exist)"
        msg = f"{name}: {broken if path.is_symlink() else 'file not found'}"
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"{name}: cannot be read ({exc.strerror})"
        raise InputError(msg) from None
    if not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        msg = f"{name}: is {what}, not a file telekit can read as a table"
        raise InputError(msg)


def read_head(path: Path, name: str, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (to recognise Parquet before reading it)."""
    check_regular(path, name)
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError as exc:
        msg = f"{name}: cannot be read ({exc.strerror})"
        raise InputError(msg) from None


def read_bytes(path: Path, name: str) -> bytes:
    check_regular(path, name)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        msg = f"{name}: file not found"
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"{name}: cannot be read ({exc.strerror})"
        raise InputError(msg) from None


def load_source(
    source: Source,
    spec: TableSpec,
    rename: Mapping[str, str],
    options: Mapping[str, object],
    known: set[str] | None = None,
) -> RawSource | bytes:
    """The raw cells of ``source``; X12 content comes back as its bytes, for ``read_x12``.

    ``known`` (normalised header names that mark the header row) defaults to ``spec``'s."""
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, pl.DataFrame):
        return read_typed(source, FRAME, FRAME)
    if not isinstance(source, str | Path):
        msg = f"a source must be a path, a pl.DataFrame or a pl.LazyFrame, not {type(source)}"
        raise InputError(msg)
    path = Path(source)
    name = path.name
    if path.is_dir():
        return read_typed(read_parquet_parts(path, name), name, str(path))
    if read_head(path, name, len(PARQUET_MAGIC)) == PARQUET_MAGIC:  # read once, by polars
        return read_typed(read_parquet_parts(path, name), name, str(path))
    data = read_bytes(path, name)
    if known is None:
        known = known_headers(spec, rename)
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return read_xlsx(data, name=name, path=str(path), options=options, known=known, spec=spec)
    if is_x12(data):
        return data
    return read_delimited(data, name=name, path=str(path), options=options, known=known, spec=spec)
