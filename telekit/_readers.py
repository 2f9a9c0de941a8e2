"""Readers: CSV, Parquet, XLSX and frames → a canonical ``Table`` with its rejects.

Every source goes through the same steps:

1. **raw read** (``load_source``): every cell as text (CSV, XLSX) or as stored (Parquet,
   frames), the header row found by content, a 1-based ``row_number`` per record (CSV: the
   physical line where the record starts; XLSX: the sheet row; Parquet and frames: the index);
2. **header mapping** (``map_headers``): ``rename`` keys, then normalised headers against
   rename keys, canonical names and the table's built-in aliases;
3. **coercion** (``telekit._coerce``): one expression per canonical column over the whole frame;
4. **rejects**: one row per rejected input row, duplicates of the table's key last.

X12 content is recognised and handed to ``read_x12`` (the hook ``telekit.x12`` plugs into).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastexcel
import polars as pl

from telekit import _coerce
from telekit._columns import (
    CLAIMS,
    COVERAGE,
    DIAGNOSES,
    DIAGNOSES_DELIMITED,
    ENCOUNTERS,
    MODIFIERS,
    MODIFIERS_DELIMITED,
    PATIENT_PAYMENTS,
    PROVIDERS,
    TABLES,
    TableSpec,
)
from telekit._exceptions import InputError, MissingColumnError, UnsupportedFormatError
from telekit._maps import (
    MapSpec,
    TableMap,
    check_table_map,
    delimited_columns,
    load_map,
    normalize_header,
)
from telekit._table import Table, empty_issues
from telekit._xlsx import check_workbook

if TYPE_CHECKING:
    from telekit._remittances import Remittances

__all__ = [
    "FRAME",
    "RawSource",
    "Source",
    "load_map",
    "load_source",
    "read_claims",
    "read_coverage",
    "read_encounters",
    "read_patient_payments",
    "read_providers",
    "read_remittances",
    "read_table",
    "read_x12",
    "resolve_map",
]

Source = str | Path | pl.DataFrame | pl.LazyFrame
FRAME = "<frame>"
ROW = "__row"
HEADER_SCAN_ROWS = 20
DELIMITERS = (",", ";", "\t", "|")
_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, which calamine also reads
_SNIFF_CHARS = 4_000_000
_DELIMITED_REASON = {
    MODIFIERS_DELIMITED: f"more than {len(MODIFIERS)} modifiers",
    DIAGNOSES_DELIMITED: f"more than {len(DIAGNOSES)} diagnosis codes",
}


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


def decode(data: bytes, name: str, encoding: str | None) -> str:
    """UTF-8 (BOM stripped), else cp1252, else latin-1; or the encoding given."""
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
    data = data.removeprefix(codecs.BOM_UTF8)
    for candidate in ("utf-8", "cp1252"):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _first_records(text: str, delimiter: str, count: int) -> list[tuple[int, list[str]]]:
    """The first ``count`` records as (0-based physical start line, cells)."""
    prefix = text[:_SNIFF_CHARS]
    reader = csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        while len(records) < count:
            start = reader.line_num
            cells = next(reader)
            records.append((start, cells))
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


def _line_offset(text: str, line: int, name: str) -> int:
    offset = 0
    for _ in range(line):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            msg = f"{name}: the header row could not be located in the text"
            raise InputError(msg)
    return offset


def record_lines(body: str, n_records: int, delimiter: str) -> pl.Series:
    """0-based physical line (within ``body``) where each of its records starts.

    Without quotes every line is a record. With quotes, a line starts a record when the
    quotes before it are even in number (one vectorised scan); the csv module is the fallback
    for text the scan cannot align."""
    lines_total = body.count("\n") + (0 if body.endswith("\n") else 1)
    if '"' not in body and lines_total == n_records:
        return pl.int_range(n_records, eager=True, dtype=pl.Int64)
    lines = pl.Series([body]).str.split("\n").explode()
    if body.endswith("\n"):
        lines = lines.head(-1)
    quotes = lines.str.count_matches('"', literal=True).cast(pl.Int64)
    before = quotes.cum_sum() - quotes
    starts = (before % 2 == 0).arg_true().cast(pl.Int64)
    if starts.len() == n_records:
        return starts
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    found: list[int] = []
    start = 0
    try:
        for _ in reader:  # the rare text the scan cannot align: one pass over its records
            found.append(start)
            start = reader.line_num
    except csv.Error:
        found = []
    if len(found) == n_records:
        return pl.Series(found, dtype=pl.Int64)
    return pl.int_range(n_records, eager=True, dtype=pl.Int64)


def read_delimited(
    data: bytes, *, name: str, path: str, options: Mapping[str, object], known: set[str],
    spec: TableSpec,
) -> RawSource:  # fmt: skip
    encoding = options.get("encoding")
    text = decode(data, name, encoding if isinstance(encoding, str) else None)
    if not text.strip():
        msg = f"{name}: the file is empty"
        raise InputError(msg)
    if "\r" in text and "\n" not in text:  # classic Mac line ends
        text = text.replace("\r", "\n")
    header_row = options.get("header_row")
    line, delimiter = sniff(
        text, known, header_row if isinstance(header_row, int) else None, name, spec
    )
    body = text[_line_offset(text, line, name) :]
    try:
        frame = pl.read_csv(
            body.encode("utf-8"),
            has_header=False,
            separator=delimiter,
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        msg = f"{name}: cannot be read as delimited text ({type(exc).__name__})"
        raise InputError(msg) from None
    starts = record_lines(body, frame.height, delimiter) + (line + 1)
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    frame = frame.with_columns(starts.alias(ROW))
    return _split_header(frame, name, path)


def _split_header(frame: pl.DataFrame, name: str, path: str) -> RawSource:
    """The first row is the header; later rows whose every cell is empty are not records."""
    cells = [c for c in frame.columns if c != ROW]
    headers = tuple("" if h is None else str(h) for h in frame.select(cells).row(0))
    body = frame.slice(1)
    empty = pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells]
    )
    return RawSource(name=name, path=path, headers=headers, frame=body.filter(empty.not_()))


# --- XLSX --------------------------------------------------------------------------------------


def read_xlsx(
    data: bytes, *, name: str, path: str, options: Mapping[str, object], known: set[str],
    spec: TableSpec,
) -> RawSource:  # fmt: skip
    if data.startswith(_ZIP_MAGIC):  # stray far cells and zip bombs are refused before calamine
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
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)}).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)
    )
    return RawSource(name=name, path=path, headers=headers, frame=frame)


def read_parquet_parts(path: Path, name: str) -> pl.DataFrame:
    """One Parquet file, or a directory of parts read in name order."""
    parts = sorted(p for p in path.rglob("*.parquet") if p.is_file()) if path.is_dir() else [path]
    if not parts:
        msg = f"{name}: the directory holds no .parquet files"
        raise InputError(msg)
    try:
        frames = [pl.read_parquet(p) for p in parts]
    except pl.exceptions.PolarsError as exc:
        msg = f"{name}: cannot be read as Parquet ({type(exc).__name__})"
        raise InputError(msg) from None
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")


# --- dispatch ----------------------------------------------------------------------------------


def is_x12(data: bytes) -> bool:
    return data[:64].removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"ISA")


def read_x12(table_name: str, data: bytes, name: str) -> Table:
    """The hook for X12 input: an 837P for claims, a 271 for coverage (``telekit.x12``).

    Other tables have no X12 form (835 remittances go through ``read_remittances``)."""
    from telekit.x12 import _271, _837p  # noqa: PLC0415 - telekit.x12 imports this module

    if table_name == CLAIMS.name:
        return _837p.read_837p(data, name=name).table()
    if table_name == COVERAGE.name:
        return _271.read_271(data, name=name)
    msg = (
        f"{name}: X12 content cannot be read as {table_name}; telekit reads an 837P as claims, "
        "a 271 as coverage and an 835 as remittances. Export the data as CSV, Parquet or XLSX"
    )
    raise UnsupportedFormatError(msg)


def read_bytes(path: Path, name: str) -> bytes:
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
    data = read_bytes(path, name)
    if known is None:
        known = known_headers(spec, rename)
    if data.startswith(_PARQUET_MAGIC):
        return read_typed(read_parquet_parts(path, name), name, str(path))
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return read_xlsx(data, name=name, path=str(path), options=options, known=known, spec=spec)
    if is_x12(data):
        return data
    return read_delimited(data, name=name, path=str(path), options=options, known=known, spec=spec)


# --- header mapping ----------------------------------------------------------------------------


def map_headers(
    spec: TableSpec, headers: Sequence[str], rename: Mapping[str, str], name: str
) -> tuple[dict[int, str], tuple[str, ...]]:
    """{source position: canonical or delimited name} and the dropped header names."""
    normalized_rename = {normalize_header(k): v for k, v in rename.items()}
    canonical = {normalize_header(n): n for n in (*spec.names, *delimited_columns(spec))}
    aliases = {normalize_header(k): v for k, v in spec.aliases.items()}
    mapped: dict[int, str] = {}
    seen: dict[str, str] = {}
    dropped: list[str] = []
    for position, header in enumerate(headers):
        key = normalize_header(header)
        target = (
            rename.get(header)
            or normalized_rename.get(key)
            or canonical.get(key)
            or aliases.get(key)
        )
        if target is None:
            if header.strip():
                dropped.append(header)
            continue
        if target in seen:
            msg = (
                f"{name}: columns {seen[target]!r} and {header!r} both map to {target!r}; "
                "drop one or rename it to another column"
            )
            raise InputError(msg)
        seen[target] = header
        mapped[position] = target
    for delimited, slots in delimited_columns(spec).items():
        numbered = [seen[s] for s in slots if s in seen]
        if delimited in seen and numbered:
            msg = (
                f"{name}: columns {seen[delimited]!r} and {numbered[0]!r} both give "
                f"{slots[0].rsplit('_', 1)[0]}_N; keep one of them"
            )
            raise InputError(msg)
    return mapped, tuple(dropped)


def missing_column_error(
    spec: TableSpec, column: str, headers: Sequence[str], unmapped: Sequence[str], name: str
) -> MissingColumnError:
    found = ", ".join(h for h in headers if h.strip()) or "no columns"
    by_key = {normalize_header(h): h for h in unmapped}
    close = difflib.get_close_matches(column, list(by_key), n=1, cutoff=0.6)
    suggestion = by_key[close[0]] if close else "<a header>"
    msg = (
        f"{name}: column {column!r} is missing (found: {found}). "
        f'Map it with rename={{"{suggestion}": "{column}"}} or --map.'
    )
    return MissingColumnError(msg)


# --- the table ---------------------------------------------------------------------------------


def resolve_map(
    spec: TableSpec,
    rename: Mapping[str, str] | None,
    values: Mapping[str, Mapping[str, str]] | None,
    map: str | Path | MapSpec | None,
    options: Mapping[str, object] | None,
) -> TableMap:
    """The map file's entries for ``spec`` with the explicit arguments merged over them."""
    base = TableMap()
    if map is not None:
        spec_map = map if isinstance(map, MapSpec) else load_map(map)
        base = spec_map.for_table(spec.name)
    merged = base.merged(rename, values, options)
    return check_table_map(spec, merged, "rename=/values=/options=")


def _given_columns(
    spec: TableSpec, raw: RawSource, mapped: Mapping[int, str]
) -> set[str]:  # fmt: skip
    """The canonical columns the source supplies; a missing required one is an error."""
    given = set(mapped.values())
    for dname, slots in delimited_columns(spec).items():
        if dname in given:
            given |= set(slots)
    for required in spec.required:
        if required not in given:
            unmapped = [h for i, h in enumerate(raw.headers) if i not in mapped and h.strip()]
            raise missing_column_error(spec, required, raw.headers, unmapped, raw.name)
    return given


def _split_delimited(frame: pl.LazyFrame, spec: TableSpec, present: set[str]) -> pl.LazyFrame:
    """``hcpcs_modifiers`` → ``hcpcs_modifier_1..4`` (and diagnoses), plus ``__over_<name>``
    where the source gives more parts than there are slots."""
    for dname, slots in delimited_columns(spec).items():
        if dname not in present:
            continue
        parts = f"__parts_{dname}"
        frame = frame.with_columns(
            pl.col(dname).cast(pl.String).str.extract_all(r"[^;,|\s]+").alias(parts)
        ).with_columns(
            *(pl.col(parts).list.get(i, null_on_oob=True).alias(s) for i, s in enumerate(slots)),
            (pl.col(parts).list.len() > len(slots)).fill_null(value=False).alias(f"__over_{dname}"),
        )
    return frame


@dataclass
class _Plan:
    """The expressions that coerce a source, in three stages, and what rejects are made of."""

    texts: list[pl.Expr]
    values: list[pl.Expr]
    reasons: list[pl.Expr]
    checks: list[tuple[str, str, str]]  # (canonical column, reason column, raw-text column)
    outputs: list[pl.Expr]


def _plan(spec: TableSpec, schema: pl.Schema, entries: TableMap) -> _Plan:
    date_format = entries.options.get("date_format")
    fmt = date_format if isinstance(date_format, str) else None
    over = {slots[0]: dname for dname, slots in delimited_columns(spec).items() if dname in schema}
    plan = _Plan([], [], [], [], [])
    for i, column in enumerate(spec.columns):
        value_col, reason_col, text_col = f"__v{i}", f"__r{i}", f"__t{i}"
        plan.outputs.append(pl.col(value_col).cast(column.dtype).alias(column.name))
        if column.name not in schema:  # absent: all-null (a default fills empty cells only)
            plan.values.append(pl.lit(None, column.dtype).alias(value_col))
            continue
        source, dtype = pl.col(column.name), schema[column.name]
        values_map = entries.values.get(column.name)
        if dtype == column.dtype and dtype != pl.String() and not values_map:
            value: pl.Expr = source  # already canonical: kept as is
            if column.default is not None:
                value = value.fill_null(pl.lit(column.default).cast(column.dtype))
            plan.values.append(value.alias(value_col))
            why = _coerce.typed_reason(column, pl.col(value_col))
        else:
            text = source if dtype == pl.String() else source.cast(pl.String)
            prepared = _coerce.prepare_text(text, values_map, column.default)
            plan.texts.append(prepared.alias(text_col))
            plan.values.append(_coerce.parse(column, pl.col(text_col), fmt).alias(value_col))
            why = _coerce.reason(column, pl.col(text_col), pl.col(value_col), fmt)
        if column.name in over:
            dname = over[column.name]
            flag = pl.col(f"__over_{dname}")
            why = pl.when(flag).then(pl.lit(_DELIMITED_REASON[dname])).otherwise(why)
        plan.reasons.append(why.alias(reason_col))
        plan.checks.append((column.name, reason_col, over.get(column.name, column.name)))
    return plan


def build_table(spec: TableSpec, raw: RawSource, entries: TableMap) -> Table:
    """Map, split, coerce and validate a raw source into the canonical table."""
    mapped, dropped = map_headers(spec, raw.headers, entries.rename, raw.name)
    given = _given_columns(spec, raw, mapped)
    for position, target in mapped.items():
        dtype = raw.frame.schema[f"c{position}"]
        if dtype.is_nested() or dtype == pl.Object():
            msg = (
                f"{raw.name}: column {raw.headers[position]!r} holds {dtype}, which cannot be "
                f"read as {target}; give it as text or as the contract's dtype"
            )
            raise InputError(msg)
    frame = raw.frame.lazy().select(
        ROW, *(pl.col(f"c{i}").alias(target) for i, target in mapped.items())
    )
    frame = _split_delimited(frame, spec, set(mapped.values()))
    plan = _plan(spec, frame.collect_schema(), entries)
    coerced = (
        frame.with_columns(plan.texts)
        .with_columns(plan.values)
        .with_columns(plan.reasons)
        .collect()
    )
    key = [(k, f"__v{spec.names.index(k)}") for k in spec.key]
    good, rejects = _coerce.split_rejects(
        coerced, checks=plan.checks, key=key, table=spec.name, source_file=raw.name, row=ROW
    )
    return Table(
        name=spec.name,
        data=good.select(plan.outputs),
        rejects=rejects,
        issues=empty_issues(),
        rows_in=raw.frame.height,
        source=raw.path,
        columns_given=tuple(n for n in spec.names if n in given),
        dropped_columns=dropped,
    )


def read_table(
    table_name: str,
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Table:
    """Read ``source`` as the canonical table ``table_name`` (see ``telekit._columns.TABLES``).

    ``source`` is a CSV/TSV/TXT, Parquet (file or directory of parts) or XLSX path, or a
    ``pl.DataFrame`` / ``pl.LazyFrame``; the format is recognised by content. ``rename`` maps
    source headers to canonical columns, ``values`` maps source values to contract values per
    column, ``options`` takes ``date_format``, ``sheet``, ``header_row`` and ``encoding``;
    each is merged over the ``map`` file's entries for the table.
    """
    if table_name not in TABLES:
        msg = f"unknown table {table_name!r} (tables: {', '.join(TABLES)})"
        raise InputError(msg)
    spec = TABLES[table_name]
    entries = resolve_map(spec, rename, values, map, options)
    raw = load_source(source, spec, entries.rename, entries.options)
    if isinstance(raw, bytes):
        return read_x12(table_name, raw, source_name(source))
    return build_table(spec, raw, entries)


def read_claims(
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Table:
    """Read claim lines (``CLAIMS``); see ``read_table``."""
    return read_table(CLAIMS.name, source, rename=rename, values=values, map=map, options=options)


def read_encounters(
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Table:
    """Read encounters (``ENCOUNTERS``); see ``read_table``."""
    return read_table(
        ENCOUNTERS.name, source, rename=rename, values=values, map=map, options=options
    )


def read_coverage(
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Table:
    """Read coverage spans (``COVERAGE``); see ``read_table``."""
    return read_table(COVERAGE.name, source, rename=rename, values=values, map=map, options=options)


def read_providers(
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Table:
    """Read the provider roster (``PROVIDERS``); see ``read_table``."""
    return read_table(
        PROVIDERS.name, source, rename=rename, values=values, map=map, options=options
    )


def read_patient_payments(
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Table:
    """Read patient payments (``PATIENT_PAYMENTS``); see ``read_table``."""
    return read_table(
        PATIENT_PAYMENTS.name, source, rename=rename, values=values, map=map, options=options
    )


def read_remittances(
    source: Source | Sequence[Source],
    *,
    adjustments: Source | Sequence[Source] | None = None,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Remittances:
    """Read remittance lines and adjustments; see ``telekit._remittances.read_remittances``."""
    from telekit._remittances import read_remittances as read  # noqa: PLC0415 - import cycle

    return read(
        source, adjustments=adjustments, rename=rename, values=values, map=map, options=options
    )
