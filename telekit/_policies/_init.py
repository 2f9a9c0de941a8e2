"""A first ``policies.toml`` written from a practice's claims (``telekit policies init``).

Every distinct payer of the claims (canonical: trimmed, upper-cased) becomes a ``[payer."X"]``
table with its raw spelling(s), its row count and its payer_type: the claims' own payer_type
column when it gives one, else the built-in name table (``telekit._core._payer_names``), else an
empty ``payer_type = ""`` with a TODO (a file left so fails to load, naming that line). Under each
payer, as comments, the built-in defaults it gets for its payer_type (``Policies.describe()`` of
the built-ins), so a consultant sees what to override.

The claims are read as raw cells (the map's header renames and payer_type value map applied),
not through the full reader: a practice-management export may lack payer_type, claim numbers and
the rest, and its payers must still be listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from telekit._core._columns import CLAIMS, PAYER, PAYER_TYPE, PAYER_TYPES
from telekit._core._exceptions import InputError
from telekit._core._payer_names import builtin_payer_type
from telekit._io._build import map_headers, missing_column_error, resolve_map, source_records
from telekit._io._coerce import prepare_text
from telekit._io._discovery import find_table
from telekit._io._maps import MapSpec
from telekit._io._source import load_source
from telekit._policies._show import default_lines
from telekit._policies._toml import _key_path
from telekit._read._tables import read_x12

#: the tables ``telekit audit DIR`` takes as claims, in order (DESIGN §4)
TODO: Final = "TODO: " + " | ".join(PAYER_TYPES)

#: columns of ``claims_payers``
SPELLINGS = "spellings"
ROWS = "rows"
LINE_TYPES = "line_payer_types"


def claims_payers(source: str | Path, map: str | Path | MapSpec | None = None) -> pl.DataFrame:
    """One row per distinct payer of a claims file: ``payer`` (trimmed, upper-cased),
    ``spellings`` (the raw values, trimmed, sorted), ``rows``, and ``line_payer_types`` (the
    payer_types the lines give, most rows first; empty without a payer_type column). Sorted by
    rows, most first. Rows without a payer are left out."""
    entries = resolve_map(CLAIMS, None, None, map, None)
    raw = load_source(source, CLAIMS, entries.rename, entries.options)
    if isinstance(raw, bytes):  # an 837P
        data = read_x12(CLAIMS.name, raw, Path(source).name).data
        payer, payer_type = pl.col(PAYER).cast(pl.String), pl.col(PAYER_TYPE).cast(pl.String)
        frame = data.select(payer.alias(PAYER), payer_type.alias(PAYER_TYPE))
    else:
        mapped, _ = map_headers(CLAIMS, raw.headers, entries.rename, raw.name)
        where = {target: position for position, target in mapped.items()}
        if PAYER not in where:
            unmapped = [h for i, h in enumerate(raw.headers) if i not in mapped and h.strip()]
            raise missing_column_error(CLAIMS, [PAYER], raw.headers, unmapped, raw.name)
        # count every line as the audit does: blank, totals and footer rows left out, a
        # grouped export's payer (printed on a visit's first line) filled down by the map
        records, *_ = source_records(CLAIMS, raw, entries, mapped)
        types = entries.values.get(PAYER_TYPE)
        line_type = (
            prepare_text(pl.col(f"c{where[PAYER_TYPE]}").cast(pl.String), types)
            .str.to_lowercase()
            .str.strip_chars()
            if PAYER_TYPE in where
            else pl.lit(None, pl.String)
        )
        frame = records.select(
            pl.col(f"c{where[PAYER]}").cast(pl.String).alias(PAYER), line_type.alias(PAYER_TYPE)
        )
    spelled = pl.col(PAYER).str.strip_chars()
    key = spelled.str.to_uppercase()
    known = pl.col(PAYER_TYPE).is_in(list(PAYER_TYPES))
    frame = frame.filter(spelled.str.len_chars() > 0).with_columns(
        spelled.alias(PAYER), key.alias("__key"), pl.when(known).then(pl.col(PAYER_TYPE))
    )
    by_type = (
        frame.filter(pl.col(PAYER_TYPE).is_not_null())
        .group_by("__key", PAYER_TYPE)
        .len()
        .sort("len", PAYER_TYPE, descending=[True, False])
        .group_by("__key", maintain_order=True)
        .agg(pl.col(PAYER_TYPE).alias(LINE_TYPES))
    )
    return (
        frame.group_by("__key")
        .agg(pl.col(PAYER).unique().sort().alias(SPELLINGS), pl.len().cast(pl.Int64).alias(ROWS))
        .join(by_type, on="__key", how="left")
        .with_columns(pl.col(LINE_TYPES).fill_null(pl.lit([], pl.List(pl.String))))
        .sort([ROWS, "__key"], descending=[True, False])
        .select(pl.col("__key").alias(PAYER), SPELLINGS, ROWS, LINE_TYPES)
    )


@dataclass(frozen=True)
class _Choice:
    payer_type: str | None  # None: left to the lines (several), or "" for the TODO
    why: str


def _payer_type_of(key: str, line_types: list[str]) -> _Choice:
    if len(line_types) == 1:
        return _Choice(line_types[0], "from the claims' payer_type column")
    if len(line_types) > 1:
        return _Choice(
            None,
            "not set: the claims give several (" + ", ".join(line_types) + "), so each line "
            "keeps its own; set one only if they are all the same plan",
        )
    named = builtin_payer_type(key)
    if named is not None:
        return _Choice(named, "from telekit's built-in table of unambiguous payer names")
    return _Choice("", "unknown: the claims do not say and the name is not unambiguous")


_HEADER: Final = """\
# Payer policies (DESIGN.md §3), written by `telekit policies init` from {source}.
#
# Precedence, field by field (the most specific wins):
#   a [[payer."X".periods]] covering the date of service
#   > a field of [payer."X"]
#   > a [[payer_type.T.periods]] covering the date of service
#   > a field of [payer_type.T]
#   > telekit's built-in default for payer_type T (listed under each payer below).
# A payer is matched trimmed and upper-cased; add other spellings or payer ids to `aliases`.
# Fill every `payer_type = ""`: the file does not load until each is one of
#   {types}.
# See what applies with `telekit policies show --policies FILE [--payer P] [--on DATE]`.

# [payer_type.commercial]          # overrides the built-in default for every commercial payer
# timely_filing_days = 120

# [medicare]
# locality = ""                    # MAC + locality, 7 digits as in CMS's GPCI file: "1320201"
"""


def policies_toml(payers: pl.DataFrame, *, source: str) -> str:
    """The text of a first policies.toml for ``claims_payers``' payers."""
    defaults: dict[str, list[str]] = {t: default_lines(t) for t in PAYER_TYPES}
    out = [_HEADER.format(source=source, types=", ".join(PAYER_TYPES))]
    if payers.is_empty():
        out.append("# no payer found in the claims\n")
    out.extend(_payer_table(row, defaults) for row in payers.iter_rows(named=True))
    return "\n".join(out)


def _payer_table(row: Mapping[str, object], defaults: Mapping[str, list[str]]) -> str:
    key = str(row[PAYER])
    spellings = [str(s) for s in row[SPELLINGS]]  # type: ignore[attr-defined]
    line_types = [str(t) for t in row[LINE_TYPES]]  # type: ignore[attr-defined]
    rows = int(row[ROWS])  # type: ignore[call-overload]
    choice = _payer_type_of(key, line_types)
    lines = [
        f"[payer.{_key_path(key)}]",
        f"# {rows:,} claim line(s); spelled " + ", ".join(repr(s) for s in spellings),
        f"# payer_type {choice.why}",
    ]
    if choice.payer_type == "":
        lines.append(f'payer_type = ""  # {TODO}')
    elif choice.payer_type is not None:
        lines.append(f'payer_type = "{choice.payer_type}"')
    lines.append("# aliases = []                   # other spellings or payer ids of this payer")
    shown = [choice.payer_type] if choice.payer_type else line_types
    for payer_type in shown:
        lines.append(f"# built-in defaults for {payer_type} (set a field here to override):")
        lines.extend(f"#   {text}" for text in defaults[payer_type])
    if not shown:
        lines.append(
            "# built-in defaults: those of the payer_type you choose "
            f'(`telekit policies show --payer "{key}"` once it is set)'
        )
    return "\n".join(lines) + "\n"


def init_policies(source: Path, out: Path, *, map_file: Path | None = None) -> pl.DataFrame:
    """``telekit policies init DIR --out F``: write F from the claims (``source``: a claims file,
    or DIR holding claims as ``telekit audit DIR`` finds them) read through ``map_file`` (default:
    ``map.toml`` beside them when present); return ``claims_payers`` with the ``payer_type``
    written ("" to fill, null when left to the lines). Refuses to overwrite F."""
    claims = source if source.is_file() else None
    if source.is_dir():
        claims = find_table(source, "claims")
        if claims is None:
            msg = f"{source}: no claims found (claims.parquet, claims/, claims.csv or claims.xlsx)"
            raise InputError(msg)
    if claims is None:
        msg = f"{source}: not found (give a claims file, or DIR holding claims.csv|.parquet|.xlsx)"
        raise InputError(msg)
    if out.exists() or out.is_symlink():
        msg = f"{out}: already exists; telekit policies init never overwrites (remove it first)"
        raise InputError(msg)
    if map_file is None:
        beside = claims.parent / "map.toml"
        map_file = beside if beside.is_file() else None
    payers = claims_payers(claims, map_file)
    text = policies_toml(payers, source=claims.name)
    chosen = [_payer_type_of(k, t).payer_type for k, t in payers.select(PAYER, LINE_TYPES).rows()]
    try:
        with out.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        msg = f"{out}: already exists; telekit policies init never overwrites (remove it first)"
        raise InputError(msg) from None
    return payers.with_columns(pl.Series(PAYER_TYPE, chosen, dtype=pl.String))
