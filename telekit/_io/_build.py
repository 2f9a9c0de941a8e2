"""Building a canonical ``Table`` from a ``RawSource``: header mapping, the delimited columns
split into their slots, one coercion expression per canonical column over the whole frame
(``telekit._io._coerce``), and the rejects (one row per rejected input row, duplicates of the
table's key last).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from telekit._core._columns import (
    DIAGNOSES,
    DIAGNOSES_DELIMITED,
    MODIFIERS,
    MODIFIERS_DELIMITED,
    RECORD_KEY,
    RECORD_KEY_OPTIONAL,
    RECORD_KEYS,
    REJECTS_SCHEMA,
    TableSpec,
)
from telekit._core._engine import IN_MEMORY
from telekit._core._exceptions import InputError, MissingColumnError
from telekit._core._table import Table, contiguous, cut_alike, empty_issues, record_key
from telekit._io import _coerce, _derive
from telekit._io._maps import (
    MapSpec,
    TableMap,
    check_table_map,
    delimited_columns,
    load_map,
    normalize_header,
)
from telekit._io._source import FRAME, ROW, ROW_REASON, RawSource

_DELIMITED_REASON = {
    MODIFIERS_DELIMITED: f"more than {len(MODIFIERS)} modifiers",
    DIAGNOSES_DELIMITED: f"more than {len(DIAGNOSES)} diagnosis codes",
}


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


def spellings(spec: TableSpec, column: str) -> list[str]:
    """The headers that name ``column`` without a map: the canonical name, then its aliases
    (shown with spaces; case, spaces, ``-``, ``.`` and ``/`` do not matter)."""
    aliases = [k.replace("_", " ") for k, v in spec.aliases.items() if v == column]
    return [column, *dict.fromkeys(aliases)]


def closest_header(
    spec: TableSpec, column: str, unmapped: Sequence[str], cutoff: float = 0.6
) -> tuple[str, float] | None:
    """The unmapped header most like one of ``column``'s spellings, and how alike (0–1)."""
    best: tuple[str, float] | None = None
    names = [normalize_header(s) for s in spellings(spec, column)]
    for header in unmapped:
        key = normalize_header(header)
        score = max(difflib.SequenceMatcher(None, key, n).ratio() for n in names)
        if score >= cutoff and (best is None or score > best[1]):
            best = (header, score)
    return best


def missing_column_error(
    spec: TableSpec,
    missing: Sequence[str],
    headers: Sequence[str],
    unmapped: Sequence[str],
    name: str,
) -> MissingColumnError:
    """One line naming every missing required column, the spellings each accepts, the closest
    unmapped header, the headers found and the fix (headers only, never a cell value)."""
    found = ", ".join(h for h in headers if h.strip()) or "no columns"
    left = list(unmapped)
    parts: list[str] = []
    example: tuple[str, str] | None = None
    for column in missing:
        part = f"{column!r} (accepted: {', '.join(spellings(spec, column))}"
        close = closest_header(spec, column, left)
        if close is not None:
            left.remove(close[0])
            part += f"; closest header: {close[0]!r}"
            example = example or (close[0], column)
        parts.append(part + ")")
    header, target = example or ("<a header>", missing[0])
    what = f"column {parts[0]} is" if len(parts) == 1 else f"columns {', '.join(parts)} are"
    fix = f'rename={{"{header}": "{target}"}}'
    if name != FRAME:
        fix = (
            f'a [{spec.name}.rename] entry "{header}" = "{target}" in map.toml (or --map, or '
            f"{fix}); `telekit map --init {name}` writes such a map"
        )
    msg = f"{name}: {what} missing (found: {found}). Map with {fix}."
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


def given_columns(
    spec: TableSpec, raw: RawSource, mapped: Mapping[int, str]
) -> set[str]:  # fmt: skip
    """The canonical columns the source supplies; a missing required one is an error."""
    given = set(mapped.values())
    for dname, slots in delimited_columns(spec).items():
        if dname in given:
            given |= set(slots)
    missing = [c for c in spec.required if c not in given]
    if missing:
        unmapped = [h for i, h in enumerate(raw.headers) if i not in mapped and h.strip()]
        raise missing_column_error(spec, missing, raw.headers, unmapped, raw.name)
    return given


def split_delimited(frame: pl.LazyFrame, spec: TableSpec, present: set[str]) -> pl.LazyFrame:
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
class CoercionPlan:
    """The expressions that coerce a source, in three stages, and what rejects are made of."""

    texts: list[pl.Expr]
    values: list[pl.Expr]
    reasons: list[pl.Expr]
    checks: list[tuple[str, str, str]]  # (canonical column, reason column, raw-text column)
    outputs: list[pl.Expr]


def clean_text_columns(
    spec: TableSpec, frame: pl.LazyFrame, names: set[str], entries: TableMap
) -> set[str]:
    """The String columns among ``names`` (no value map) whose every cell already reads as
    itself (``_coerce.clean_check``): a clean typed source skips their text coercion. One
    query over the frame finds, per column, the cells to read (codes and enumerations: their
    distinct cells; identifiers and free text: the cells whose edge bytes could be blanks,
    ``_coerce.edge_suspect``), and one more query over that one row reads them."""
    schema = frame.collect_schema()
    columns = [
        column.name
        for column in spec.columns
        if column.name in names
        and not entries.values.get(column.name)
        and schema.get(column.name) == pl.String()
        and column.dtype == pl.String()
    ]
    if not columns:
        return set()
    # a column mostly null is read on its distinct cells, which skip the nulls
    nulls = frame.select(pl.len().alias(ROW), *(pl.col(n).null_count() for n in columns))
    counts = nulls.collect(engine=IN_MEMORY).row(0, named=True)
    sparse = {n for n in columns if 2 * counts[n] > counts[ROW]}
    checks: dict[str, pl.Expr] = {}
    for name in columns:
        form = "distinct" if name in sparse else "edges"
        check = _coerce.clean_check(spec.column(name), pl.col(name), form=form)
        if check is not None:
            checks[name] = check.alias(name)
    if not checks:
        return set()
    row = frame.select(checks.values()).collect(engine=IN_MEMORY)
    verdicts = row.select(
        _coerce.read_as_themselves(spec.column(name), pl.col(name).explode()).alias(name)
        for name in checks
    )
    return {name for name, ok in verdicts.row(0, named=True).items() if ok}


def coercion_plan(
    spec: TableSpec, schema: pl.Schema, entries: TableMap, clean: set[str] | None = None
) -> CoercionPlan:
    """``clean`` names String columns known to read as themselves: kept as is, like a column
    already in its canonical dtype."""
    date_format = entries.options.get("date_format")
    fmt = date_format if isinstance(date_format, str) else None
    over = {slots[0]: dname for dname, slots in delimited_columns(spec).items() if dname in schema}
    plan = CoercionPlan([], [], [], [], [])
    for i, column in enumerate(spec.columns):
        value_col, reason_col, text_col = f"__v{i}", f"__r{i}", f"__t{i}"
        plan.outputs.append(pl.col(value_col).cast(column.dtype).alias(column.name))
        if column.name not in schema:  # absent: all-null (a default fills empty cells only)
            plan.values.append(pl.lit(None, column.dtype).alias(value_col))
            continue
        source, dtype = pl.col(column.name), schema[column.name]
        values_map = entries.values.get(column.name)
        typed = dtype == column.dtype and dtype != pl.String() and not values_map
        if typed or column.name in (clean or ()):
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


def _record_key(table: str, columns: Mapping[str, str]) -> pl.Expr:
    """The ``record_key`` of a reject from the raw cells: ``columns`` maps a canonical column
    to the frame's column holding its cells."""
    parts = RECORD_KEYS.get(table, ())
    return record_key(
        [pl.col(columns[k]) if k in columns else None for k in parts],
        [k in RECORD_KEY_OPTIONAL for k in parts],
    )


def source_records(
    spec: TableSpec, raw: RawSource, entries: TableMap, mapped: Mapping[int, str]
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int], dict[str, str]]:
    """The source's rows as the audit takes them, before coercion: (records, rejects of whole
    rows, rows skipped per reason, columns filled down and how). Empty rows of a text source,
    totals and footer rows are skipped; a row wider than its header is rejected whole; the
    map's ``fill_down`` is applied to what is left."""
    cells = {target: f"c{position}" for position, target in mapped.items()}
    records, row_rejects, blank = _row_problems(raw, spec.name, _record_key(spec.name, cells))
    records, skipped_by = _derive.skip_report_rows(spec, records, mapped)
    skipped_by = {_derive.BLANK: blank, **skipped_by} if blank else skipped_by
    fill = entries.options.get("fill_down")
    records, derived = _derive.fill_down(
        records, mapped, fill if isinstance(fill, list | tuple) else []
    )
    return records, row_rejects, skipped_by, derived


def _row_problems(
    raw: RawSource, table: str, record: pl.Expr
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(the records to coerce, rejects of whole rows, rows skipped): an empty row of a text
    source is skipped (counted, never a reject); a row with a ``ROW_REASON`` is rejected whole
    (column and value null; ``record`` names the record)."""
    frame = raw.frame
    skipped = 0
    if raw.skip_empty and frame.height:
        cells = [c for c in frame.columns if not c.startswith("__")]
        empty = frame.select(
            pl.all_horizontal(
                [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells]
            )
            if cells
            else pl.repeat(True, frame.height)
        ).to_series()
        skipped = int(empty.sum())
        if skipped:
            frame = frame.filter(empty.not_())
    rejects = pl.DataFrame(schema=REJECTS_SCHEMA)
    if ROW_REASON in frame.columns:
        bad = frame.get_column(ROW_REASON).is_not_null()
        if bad.any():
            rejects = frame.filter(bad).select(
                pl.lit(table).alias("table"),
                pl.lit(raw.name).alias("source_file"),
                pl.col(ROW).cast(pl.Int64).alias("row_number"),
                record.alias(RECORD_KEY),
                pl.lit(None, pl.String).alias("column"),
                pl.lit(None, pl.String).alias("value"),
                pl.col(ROW_REASON).alias("reason"),
            )
            frame = frame.filter(bad.not_())
        frame = frame.drop(ROW_REASON)
    return frame, rejects.cast(REJECTS_SCHEMA), skipped


def build_table(
    spec: TableSpec,
    raw: RawSource,
    entries: TableMap,
    *,
    payer_types: Mapping[str, str] | None = None,
) -> Table:
    """Map, split, coerce and validate a raw source into the canonical table.

    ``payer_types`` (trimmed, upper-cased payer or alias -> payer_type: the policy file's
    declared payer types) derive an absent payer_type (``telekit._io._derive``)."""
    mapped, dropped = map_headers(spec, raw.headers, entries.rename, raw.name)
    given = given_columns(spec, raw, mapped)
    rows_in = raw.frame.height
    records, row_rejects, skipped_by, derived = source_records(spec, raw, entries, mapped)
    schema = records.schema  # built once: each ``.schema`` makes a new Schema
    for position, target in mapped.items():
        dtype = schema[f"c{position}"]
        if dtype.is_nested() or dtype == pl.Object():
            msg = (
                f"{raw.name}: column {raw.headers[position]!r} holds {dtype}, which cannot be "
                f"read as {target}; give it as text or as the contract's dtype"
            )
            raise InputError(msg)
    # the Parquet read's chunks (one per row group) are kept: a copy into one chunk is made by
    # the audit, which needs it (``telekit._core._table.contiguous``), not by every read
    frame = records.select(ROW, *(pl.col(f"c{i}").alias(target) for i, target in mapped.items()))
    # the delimited columns split once (collected before the clean check reads them; the
    # collect cuts the new columns unlike the source's chunks, so the frame is made one chunk)
    split = frame
    if any(name in mapped.values() for name in delimited_columns(spec)):
        lazy = split_delimited(frame.lazy(), spec, set(mapped.values()))
        split = contiguous(lazy.collect(engine=IN_MEMORY))
    clean = clean_text_columns(spec, split.lazy(), set(mapped.values()), entries)
    plan = coercion_plan(spec, split.schema, entries, clean)
    coerced = split.with_columns(plan.texts).with_columns(plan.values).with_columns(plan.reasons)
    coerced = _derive.derive_columns(spec, coerced, given, plan.checks, payer_types or {})
    coerced = cut_alike(coerced)  # an absent column, a literal, came in one chunk
    key = [(k, f"__v{spec.names.index(k)}") for k in spec.key]
    present = {name: name for name in mapped.values()}
    good, rejects = _coerce.split_rejects(
        coerced,
        checks=plan.checks,
        key=key,
        table=spec.name,
        source_file=raw.name,
        row=ROW,
        record=_record_key(spec.name, present),
    )
    derived |= _derive.derived_notes(spec, coerced, good, given)
    if row_rejects.height:
        rejects = pl.concat([rejects, row_rejects]).sort("row_number", maintain_order=True)
    return Table(
        name=spec.name,
        data=good.select(plan.outputs),
        rejects=rejects,
        issues=empty_issues(),
        rows_in=rows_in,
        rows_skipped=sum(skipped_by.values()),
        skipped=skipped_by,
        derived=derived,
        source=raw.path,
        columns_given=tuple(n for n in spec.names if n in given),
        dropped_columns=dropped,
    )
