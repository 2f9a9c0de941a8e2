"""Reading ``Remittances`` — from 835 files or CSV/Parquet/XLSX exports.

The CSV form is two tables: ``remittances`` (one row per service line, the ``REMITTANCE_LINES``
columns) and ``adjustments`` (one row per group/reason/amount, the ``ADJUSTMENTS`` columns).
``.claims`` and ``.payments`` are derived from them; ``.remarks`` and ``.provider_adjustments``
only exist in 835 files and are empty here. 835 X12 content is read by ``telekit.x12.read_835``
(``read_x12_remittances``). The model itself is ``telekit._core._remittances``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from telekit._core._columns import (
    ADJUSTMENTS,
    GROUP_CODE,
    ISSUES_SCHEMA,
    REASON_CODE,
    REMIT_ID,
    REMITTANCE_LINES,
    TableSpec,
)
from telekit._core._exceptions import InputError
from telekit._core._remittances import (
    PROVIDER_ADJUSTMENTS_SCHEMA,
    REMARKS_SCHEMA,
    Remittances,
    derive_claims,
    derive_payments,
)
from telekit._core._table import Table, empty_issues, empty_rejects
from telekit._io._build import build_table, map_headers
from telekit._io._maps import MapSpec, TableMap, check_table_map, load_map, rename_targets
from telekit._io._source import RawSource, Source, is_x12, known_headers, load_source, source_name
from telekit.x12._835 import read_835

__all__ = [
    "SourcePlan",
    "is_adjustments",
    "plan_sources",
    "read_remittances",
    "read_source",
    "read_x12_remittances",
]

_SIBLINGS = ("adjustments.parquet", "adjustments", "adjustments.csv", "adjustments.xlsx")


# --- reading -----------------------------------------------------------------------------------


def read_x12_remittances(data: bytes, name: str) -> Remittances:
    """The hook for 835 X12 files: ``telekit.x12.read_835``."""
    return read_835(data, name=name)


def _merge(csv: Remittances | None, x12: list[Remittances], names: list[str]) -> Remittances:
    """The CSV form and 835 files read together as one ``Remittances``.

    835 frames carry a few columns the CSV form lacks (null for CSV rows). A ``remit_id``
    (ISA13-GS06-ST02) read from more than one 835 file is a warning: keys no longer tell the
    files apart."""
    parts = ([csv] if csv is not None else []) + x12
    if len(parts) == 1:
        return replace(parts[0], sources=tuple(names))
    issues = [p.issues for p in parts]
    seen: set[str] = set()
    for part in x12:
        ids = set(part.payments[REMIT_ID].drop_nulls().to_list())
        repeated = ids & seen
        seen |= ids
        if repeated:
            source = Path(part.sources[0]).name
            msg = (
                f"{source}: {len(repeated)} transaction set(s) have a remit_id (ISA13-GS06-ST02) "
                "already read from another file; their rows share keys with that file's."
            )
            row = (source, None, "ST", "warning", msg)
            issues.append(pl.DataFrame([row], schema=ISSUES_SCHEMA, orient="row"))

    def concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
        return pl.concat(frames, how="diagonal")

    return Remittances(
        lines=concat([p.lines for p in parts]),
        adjustments=concat([p.adjustments for p in parts]),
        claims=concat([p.claims for p in parts]),
        payments=concat([p.payments for p in parts]),
        remarks=concat([p.remarks for p in parts]),
        provider_adjustments=concat([p.provider_adjustments for p in parts]),
        issues=concat(issues),
        rejects=concat([p.rejects for p in parts]),
        rows_in=sum(p.rows_in for p in parts),
        rows_skipped=sum(p.rows_skipped for p in parts),
        sources=tuple(names),
        dropped_columns=tuple(dict.fromkeys(c for p in parts for c in p.dropped_columns)),
    )


def _looks_x12(source: Source) -> bool:
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return False
    try:
        with Path(source).open("rb") as fh:
            return is_x12(fh.read(64))
    except OSError:
        return False


def _split_entries(
    rename: Mapping[str, str] | None,
    values: Mapping[str, Mapping[str, str]] | None,
    spec: TableSpec,
    other: TableSpec,
) -> tuple[dict[str, str], dict[str, Mapping[str, str]]]:
    """The explicit rename/values entries that belong to ``spec`` (targets of ``other`` go
    there; a target of neither is left in so that validation names it)."""
    mine = set(rename_targets(spec))
    theirs = set(rename_targets(other))
    rename_part = {
        k: v for k, v in (rename or {}).items() if v in mine or v not in theirs
    }  # fmt: skip
    values_part = {
        k: v for k, v in (values or {}).items() if k in spec.names or k not in other.names
    }
    return rename_part, values_part


def _entries(
    spec: TableSpec,
    other: TableSpec,
    *,
    file_map: MapSpec | None,
    rename: Mapping[str, str] | None,
    values: Mapping[str, Mapping[str, str]] | None,
    options: Mapping[str, object] | None,
) -> TableMap:
    base = file_map.for_table(spec.name) if file_map is not None else TableMap()
    rename_part, values_part = _split_entries(rename, values, spec, other)
    merged = base.merged(rename_part, values_part, options)
    return check_table_map(spec, merged, "rename=/values=/options=")


def _as_list(source: Source | Sequence[Source] | None) -> list[Source]:
    if source is None:
        return []
    if isinstance(source, list | tuple):
        return list(source)
    return [source]  # type: ignore[list-item]


def _sibling_adjustments(source: Source) -> Path | None:
    """``adjustments.{parquet,csv,xlsx}`` or ``adjustments/`` beside a ``remittances`` file."""
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return None
    path = Path(source)
    if path.stem != "remittances":
        return None
    for candidate in _SIBLINGS:
        sibling = path.parent / candidate
        if sibling.exists():
            return sibling
    return None


def is_adjustments(raw: RawSource, entries: TableMap) -> bool:
    mapped, _ = map_headers(ADJUSTMENTS, raw.headers, entries.rename, raw.name)
    targets = set(mapped.values())
    return GROUP_CODE in targets and REASON_CODE in targets


def _combine(tables: list[Table], spec: TableSpec) -> pl.DataFrame:
    if not tables:
        return pl.DataFrame(schema=spec.schema)
    return pl.concat([t.data for t in tables])


@dataclass(frozen=True)
class SourcePlan:
    """What ``read_remittances`` reads: the map entries of each table, each source with whether
    it is adjustments by order (``adjustments=`` or the sibling file; else by its header), and
    the headers either table knows (to find the header row)."""

    line_entries: TableMap
    adj_entries: TableMap
    items: list[tuple[Source, bool]]
    known: set[str]


def plan_sources(
    source: Source | Sequence[Source],
    adjustments: Source | Sequence[Source] | None = None,
    *,
    map: str | Path | MapSpec | None = None,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    options: Mapping[str, Any] | None = None,
) -> SourcePlan:
    """The sources of ``read_remittances`` (and of its bounded-memory tally) and their maps."""
    file_map = None
    if map is not None:
        file_map = map if isinstance(map, MapSpec) else load_map(map)
    line_entries, adj_entries = (
        _entries(spec, other, file_map=file_map, rename=rename, values=values, options=options)
        for spec, other in ((REMITTANCE_LINES, ADJUSTMENTS), (ADJUSTMENTS, REMITTANCE_LINES))
    )
    sources = _as_list(source)
    explicit = _as_list(adjustments)
    if not sources and not explicit:
        msg = "read_remittances needs at least one source"
        raise InputError(msg)
    if len(sources) == 1 and not explicit:
        sibling = _sibling_adjustments(sources[0])
        if sibling is not None and not _looks_x12(sources[0]):
            explicit = [sibling]
    known = known_headers(REMITTANCE_LINES, line_entries.rename) | known_headers(
        ADJUSTMENTS, adj_entries.rename
    )
    items = [(s, False) for s in sources] + [(s, True) for s in explicit]
    return SourcePlan(line_entries, adj_entries, items, known)


def read_source(source: Source, forced: bool, plan: SourcePlan) -> Table | Remittances:
    """One source of ``plan``, read whole: an 835 file as ``Remittances``, anything else as the
    lines or the adjustments table (``forced``: adjustments by order, else by its header)."""
    entries = plan.adj_entries if forced else plan.line_entries
    raw = load_source(source, REMITTANCE_LINES, entries.rename, entries.options, plan.known)
    if isinstance(raw, bytes):
        return replace(read_x12_remittances(raw, source_name(source)), sources=(str(source),))
    if forced or is_adjustments(raw, plan.adj_entries):
        return build_table(ADJUSTMENTS, raw, plan.adj_entries)
    return build_table(REMITTANCE_LINES, raw, plan.line_entries)


def read_remittances(
    source: Source | Sequence[Source],
    *,
    adjustments: Source | Sequence[Source] | None = None,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
) -> Remittances:
    """Read remittance lines and adjustments into a ``Remittances``.

    ``source`` is one path or frame, or a list of them; each is classified by its mapped
    header (``group_code`` and ``reason_code`` make an adjustments file, anything else is
    remittance lines). ``adjustments=`` names the adjustments explicitly. A single
    ``remittances.*`` path also reads the ``adjustments.*`` beside it. ``rename`` / ``values``
    entries go to the table that has the target column; ``map`` sections ``[remittances.*]``
    and ``[adjustments.*]`` apply to each.
    """
    plan = plan_sources(source, adjustments, map=map, rename=rename, values=values, options=options)
    line_tables: list[Table] = []
    adj_tables: list[Table] = []
    names: list[str] = []
    x12: list[Remittances] = []
    for item, forced in plan.items:
        part = read_source(item, forced, plan)
        if isinstance(part, Remittances):
            names.append(str(item))
            x12.append(part)
            continue
        names.append(part.source)
        (adj_tables if part.name == ADJUSTMENTS.name else line_tables).append(part)

    tables = line_tables + adj_tables
    if x12 and not tables:
        return _merge(None, x12, names)
    lines = _combine(line_tables, REMITTANCE_LINES)
    adjustment_rows = _combine(adj_tables, ADJUSTMENTS)
    csv = Remittances(
        lines=lines,
        adjustments=adjustment_rows,
        claims=derive_claims(lines, adjustment_rows),
        payments=derive_payments(lines),
        remarks=pl.DataFrame(schema=REMARKS_SCHEMA),
        provider_adjustments=pl.DataFrame(schema=PROVIDER_ADJUSTMENTS_SCHEMA),
        issues=pl.concat([empty_issues(), *(t.issues for t in tables)]),
        rejects=pl.concat([empty_rejects(), *(t.rejects for t in tables)]),
        rows_in=sum(t.rows_in for t in tables),
        rows_skipped=sum(t.rows_skipped for t in tables),
        sources=tuple(names),
        dropped_columns=tuple(dict.fromkeys(c for t in tables for c in t.dropped_columns)),
    )
    return _merge(csv, x12, names) if x12 else csv
