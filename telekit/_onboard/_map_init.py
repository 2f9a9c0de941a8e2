"""``telekit map --init FILE``: a first ``map.toml`` written from a file's headers.

The header row is found by content, as the readers find it (the first of the first rows where
several cells name a column of some table), so a practice-management export with title rows
above its header gets ``header_row = N``. The table is ``--table`` or, failing that, the one
whose columns the headers name most (required columns count double). Each header is matched to
a canonical column by its name or an alias (what the reader does without a map), else by
similarity of its normalised spelling to every spelling of every column (difflib): a close
match is written as an entry, a weaker one as a commented-out suggestion, with its score.
Headers matched to nothing and required columns nothing matched are listed as comments
saying what to do. Only header names are written, never a cell value.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from telekit._core._columns import (
    CLAIM_ID,
    CLAIM_LINE_START_DATE,
    ENCOUNTER_ID,
    PERSON_ID,
    TABLES,
    TableSpec,
)
from telekit._core._exceptions import InputError
from telekit._io._build import spellings
from telekit._io._maps import OPTIONS, delimited_columns, load_map, normalize_header
from telekit._io._source import ROW, RawSource, known_headers, load_source
from telekit._onboard._contract import derived_columns, table_spec

ENTRY_SCORE = 0.85  # a similarity from which a match is written as an entry
SUGGEST_SCORE = 0.6  # from which it is written as a commented-out suggestion
FILL_DOWN_SHARE = 0.1  # a key column empty on more than this share of data rows: a grouped
# export (a visit of 2 lines prints its keys once; a real export rarely lacks 1 claim id in 10)
# a second choice when the first column is taken: a "Visit #" beside a "Claim #" is the visit
SECOND_CHOICE = {CLAIM_ID: ENCOUNTER_ID}
# key columns a grouped export prints once per group
FILL_DOWN_CANDIDATES = (
    CLAIM_ID,
    PERSON_ID,
    CLAIM_LINE_START_DATE,
    "payer",
    "payer_type",
    "rendering_npi",
    "billing_npi",
    "claim_submitted_date",
)


@dataclass(frozen=True)
class Match:
    header: str
    column: str
    confidence: str | float  # "name", "alias" or a similarity 0–1


@dataclass
class MapDraft:
    """What ``map --init`` found in a file: the table, header row, matches and the rest."""

    file: str
    table: str
    header_row: int | None
    matches: list[Match] = field(default_factory=list)
    suggestions: list[Match] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    fill_down: list[str] = field(default_factory=list)


def _all_known() -> set[str]:
    known: set[str] = set()
    for spec in TABLES.values():
        known |= known_headers(spec, {})
    return known


def _exact(spec: TableSpec) -> dict[str, tuple[str, str]]:
    """normalised header → (column, "name" | "alias")."""
    found = {normalize_header(k): (v, "alias") for k, v in spec.aliases.items()}
    names = (*spec.names, *delimited_columns(spec))
    found.update({normalize_header(n): (n, "name") for n in names})
    return found


def guess_table(headers: Sequence[str]) -> str:
    """The table whose columns the headers name most; required columns count double."""
    keys = {normalize_header(h) for h in headers if h.strip()}
    best, best_score = "claims", 0
    for name, spec in TABLES.items():
        required = set(spec.required)
        score = sum(
            2 if target in required else 1 for k, (target, _) in _exact(spec).items() if k in keys
        )
        if score > best_score:
            best, best_score = name, score
    return best


def _similar(spec: TableSpec, header: str) -> tuple[str, float] | None:
    key = normalize_header(header)
    best: tuple[str, float] | None = None
    for column in (*spec.names, *delimited_columns(spec)):
        for spelling in spellings(spec, column):
            score = difflib.SequenceMatcher(None, key, normalize_header(spelling)).ratio()
            if score >= SUGGEST_SCORE and (best is None or score > best[1]):
                best = (column, score)
    return best


def match_headers(
    spec: TableSpec, headers: Sequence[str]
) -> tuple[list[Match], list[Match], list[str]]:
    """(entries, suggestions, unmatched headers): names and aliases first, then the closest
    spellings, best first; a column goes to one header only."""
    exact = _exact(spec)
    seen: set[str] = set()
    candidates: list[tuple[float, int, str, str, str | float]] = []
    for position, header in enumerate(headers):
        if not header.strip() or header in seen:
            continue
        seen.add(header)
        key = normalize_header(header)
        if key in exact:
            column, how = exact[key]
            candidates.append((2.0 if how == "name" else 1.5, position, header, column, how))
        elif (close := _similar(spec, header)) is not None:
            candidates.append((close[1], position, header, close[0], round(close[1], 2)))
    taken: dict[str, str] = {}
    entries: list[Match] = []
    suggestions: list[Match] = []
    for rank, _, header, column, confidence in sorted(candidates, key=lambda c: (-c[0], c[1])):
        target = column
        if target in taken:
            second = SECOND_CHOICE.get(target)
            free = second is not None and second not in taken and second in spec.names
            if confidence != "alias" or not free or second is None:
                continue
            target = second
        match = Match(header, target, confidence)
        if rank >= ENTRY_SCORE:
            taken[target] = header
            entries.append(match)
        else:
            suggestions.append(match)
    used = {m.header for m in (*entries, *suggestions)}
    order = {h: i for i, h in enumerate(headers)}
    unmatched = [h for h in dict.fromkeys(headers) if h.strip() and h not in used]
    entries.sort(key=lambda m: order[m.header])
    suggestions.sort(key=lambda m: order[m.header])
    return entries, suggestions, unmatched


def _header_row(raw: RawSource) -> int | None:
    """The 1-based row (XLSX sheet row, CSV line) of the header: the row before the first record."""
    if raw.frame.height == 0:
        return None
    first = raw.frame.get_column(ROW).min()
    return int(first) - 1 if isinstance(first, int) and first > 1 else None


def _fill_down(raw: RawSource, entries: Sequence[Match]) -> list[str]:
    """Key columns empty on most data lines: a grouped export printing a key once per group.
    A data line fills at least 3 mapped columns (a grouped export's later lines fill only the
    line's own: code, units, place, charge, diagnoses), so totals rows (a label and an amount)
    and printed footers do not count."""
    position = {h: i for i, h in reversed(list(enumerate(raw.headers)))}
    mapped = {m.column: f"c{position[m.header]}" for m in entries}
    if not mapped:
        return []

    def is_filled(name: str) -> pl.Expr:
        text = pl.col(name).cast(pl.String)
        return text.is_not_null() & (text.str.strip_chars() != "")

    count = pl.sum_horizontal([is_filled(c).cast(pl.Int32) for c in mapped.values()])
    lines = raw.frame.filter(count >= min(3, len(mapped)))
    if lines.height < 2:
        return []
    keys = [column for column in FILL_DOWN_CANDIDATES if column in mapped]
    empty = lines.select(is_filled(mapped[k]).not_().mean().alias(k) for k in keys).row(0)
    return [k for k, share in zip(keys, empty, strict=True) if share > FILL_DOWN_SHARE]


def draft_map(file: Path, table: str | None = None) -> MapDraft:
    """Read ``file``'s header (CSV, XLSX, Parquet) and match it to ``table`` (guessed if None)."""
    spec = table_spec(table) if table else TABLES["claims"]
    known = known_headers(spec, {}) if table else _all_known()
    raw = load_source(file, spec, {}, {}, known=known)
    if isinstance(raw, bytes):
        msg = f"{file.name}: is an X12 file; X12 is read as it is, without a map"
        raise InputError(msg)
    name = table or guess_table(raw.headers)
    spec = TABLES[name]
    entries, suggestions, unmatched = match_headers(spec, raw.headers)
    given = {m.column for m in entries}
    for delimited, slots in delimited_columns(spec).items():
        if delimited in given:
            given |= set(slots)
    derived = derived_columns(spec)
    missing = [c for c in spec.required if c not in given and c not in derived]
    is_text = file.suffix.lower() not in (".parquet",) and not file.is_dir()
    return MapDraft(
        file=file.name,
        table=name,
        header_row=_header_row(raw) if is_text else None,
        matches=entries,
        suggestions=suggestions,
        unmatched=unmatched,
        missing=missing,
        derived=[c for c in spec.names if c in derived and c not in given],
        fill_down=_fill_down(raw, entries),
    )


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text)


def _confidence(match: Match) -> str:
    return match.confidence if isinstance(match.confidence, str) else f"{match.confidence:.2f}"


def render(draft: MapDraft) -> str:
    """The map.toml text of a draft."""
    spec = TABLES[draft.table]
    lines = [
        f"# map.toml written by `telekit map --init {draft.file}` for the {draft.table} table.",
        "# Each entry: source header = canonical column  # how it matched (name, alias or a",
        "# similarity 0-1). Check the entries, uncomment a suggestion to take it, then run",
        "# `telekit audit DIR` (DIR/map.toml is read) or pass --map.",
        "",
        f"[{draft.table}.rename]",
    ]
    width = max((len(_q(m.header)) for m in (*draft.matches, *draft.suggestions)), default=0)
    lines += [
        f"{_q(m.header):<{width}} = {_q(m.column)}  # {_confidence(m)}" for m in draft.matches
    ]
    if draft.suggestions:
        lines.append("# suggestions, weaker matches (uncomment to take one):")
        lines += [
            f"# {_q(m.header):<{width}} = {_q(m.column)}  # {_confidence(m)}"
            for m in draft.suggestions
        ]
    if draft.unmatched:
        lines.append("# headers matched to no column (dropped by the audit; map one if it holds")
        lines.append("# a column listed by `telekit columns " + draft.table + "`):")
        lines += [f"#   {_q(h)}" for h in draft.unmatched]
    for column in draft.missing:
        accepted = ", ".join(spellings(spec, column))
        lines.append(
            f"# REQUIRED {column}: no header matches it (accepted: {accepted}); add "
            f'"<your header>" = {_q(column)} above, or add the column to the file'
        )
    for column in draft.derived:
        lines.append(f"# {column}: no header; derived when absent (see the audit's summary)")
    options: list[str] = []
    if draft.header_row is not None and draft.header_row > 1:
        options.append(
            f"header_row = {draft.header_row}  # the header is on row {draft.header_row}"
        )
    if draft.fill_down:
        listed = ", ".join(_q(c) for c in draft.fill_down)
        note = "  # grouped export: these are empty below their first row"
        prefix = "" if "fill_down" in OPTIONS else "# "
        options.append(f"{prefix}fill_down = [{listed}]{note}")
    if options:
        lines += ["", f"[{draft.table}.options]", *options]
    return "\n".join(lines) + "\n"


def init_map(file: Path, out: Path, table: str | None = None) -> MapDraft:
    """Write ``out`` (refusing an existing one) from ``file``'s headers; it loads with
    ``load_map``."""
    if out.exists():
        msg = f"{out.name}: already exists; choose another --out or delete it"
        raise InputError(msg)
    draft = draft_map(file, table)
    text = render(draft)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_map(tmp)  # what is written must load
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return draft


def summary_line(draft: MapDraft, out: Path) -> str:
    used = len(draft.matches)
    total = used + len(draft.suggestions) + len(draft.unmatched)
    parts = [f"wrote {out}: {draft.table}", f"{used} of {total} headers mapped"]
    if draft.header_row and draft.header_row > 1:
        parts.append(f"header on row {draft.header_row}")
    if draft.suggestions:
        parts.append(f"{len(draft.suggestions)} suggestions to check")
    if draft.missing:
        parts.append("required with no header: " + ", ".join(draft.missing))
    return "; ".join(parts)
