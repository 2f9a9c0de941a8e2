"""Readers: CSV, Parquet, XLSX, X12 and frames → a canonical ``Table`` with its rejects.

Every source goes through the same steps:

1. **raw read** (``telekit._io._source.load_source``): every cell as text (CSV, XLSX) or as
   stored (Parquet, frames), the header row found by content, a 1-based ``row_number`` per
   record (CSV: the physical line where the record starts; XLSX: the sheet row; Parquet and
   frames: the index);
2. **header mapping** (``telekit._io._build.map_headers``): ``rename`` keys, then normalised
   headers against rename keys, canonical names and the table's built-in aliases;
3. **coercion** (``telekit._io._coerce``): one expression per canonical column over the whole frame;
4. **rejects**: one row per rejected input row, duplicates of the table's key last.

X12 content is recognised and handed to ``read_x12``: an 837P for claims, a 271 for coverage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from telekit._core._columns import (
    CLAIMS,
    COVERAGE,
    ENCOUNTERS,
    PATIENT_PAYMENTS,
    PROVIDERS,
    TABLES,
)
from telekit._core._exceptions import InputError, UnsupportedFormatError
from telekit._core._table import Table
from telekit._io._build import build_table, resolve_map
from telekit._io._discovery import x12_folder_files
from telekit._io._maps import MapSpec, load_map
from telekit._io._sample_sheet import sample_of
from telekit._io._source import Source, is_x12, load_source, read_head, source_name
from telekit.x12 import _271, _837p

__all__ = [
    "load_map",
    "read_claims",
    "read_coverage",
    "read_encounters",
    "read_patient_payments",
    "read_providers",
    "read_table",
    "read_x12",
]


def _x12_file(source: str | Path) -> bool:
    """Whether ``source`` is a path to a regular file that starts as X12."""
    if not Path(source).is_file():
        return False
    return is_x12(read_head(Path(source), source_name(source), 64))


def read_x12(table_name: str, data: bytes | Path, name: str) -> Table:
    """The hook for X12 input: an 837P for claims, a 271 for coverage (``telekit.x12``).

    Other tables have no X12 form (835 remittances go through ``read_remittances``)."""
    if table_name == CLAIMS.name:  # Table.source is the file's name, as for bytes
        return replace(_837p.read_837p_lines(data, name=name).table(), source=name)
    if table_name == COVERAGE.name:
        return _271.read_271(data, name=name)
    msg = (
        f"{name}: X12 content cannot be read as {table_name}; telekit reads an 837P as claims, "
        "a 271 as coverage and an 835 as remittances. Export the data as CSV, Parquet or XLSX"
    )
    raise UnsupportedFormatError(msg)


def read_table(
    table_name: str,
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
    payer_types: Mapping[str, str] | None = None,
) -> Table:
    """Read ``source`` as the canonical table ``table_name`` (``telekit._core._columns.TABLES``).

    ``source`` is a CSV/TSV/TXT, Parquet (file or directory of parts) or XLSX path, or a
    ``pl.DataFrame`` / ``pl.LazyFrame``; the format is recognised by content. ``rename`` maps
    source headers to canonical columns, ``values`` maps source values to contract values per
    column, ``options`` takes ``date_format``, ``sheet``, ``header_row``, ``encoding`` and
    ``fill_down``; each is merged over the ``map`` file's entries for the table.

    A source without ``payer_type`` (claims, coverage) has it derived from the payer:
    ``payer_types`` (payer name or alias, trimmed and upper-cased -> payer_type: what a policy
    file declares; ``tk.audit`` passes its policies'), then the built-in payer names, else the
    row is rejected naming the payer. ``Table.derived`` says how each derived column was made.
    """
    if table_name not in TABLES:
        msg = f"unknown table {table_name!r} (tables: {', '.join(TABLES)})"
        raise InputError(msg)
    spec = TABLES[table_name]
    entries = resolve_map(spec, rename, values, map, options)
    if isinstance(source, str | Path) and _x12_file(source):  # streamed in chunks (issue 13)
        return read_x12(table_name, Path(source), source_name(source))
    if isinstance(source, str | Path) and table_name == CLAIMS.name:
        files = x12_folder_files(Path(source))  # a folder of 837Ps, read file by file
        if files is not None:
            x837p = _837p.read_837p_folder(Path(source), files, keep_claims=False)
            return replace(x837p.table(), source=source_name(source))
    raw = load_source(source, spec, entries.rename, entries.options)
    if isinstance(raw, bytes):
        return read_x12(table_name, raw, source_name(source))
    table = build_table(spec, raw, entries, payer_types=payer_types)
    if table_name == ENCOUNTERS.name and isinstance(source, str | Path):
        # a `telekit sample-visits` workbook: the encounters are a documentation sample
        sample = sample_of(Path(source))
        if sample is not None:
            table = replace(table, sample=sample)
    return table


def read_claims(
    source: Source,
    *,
    rename: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    map: str | Path | MapSpec | None = None,
    options: Mapping[str, Any] | None = None,
    payer_types: Mapping[str, str] | None = None,
) -> Table:
    """Read claim lines (``CLAIMS``); see ``read_table``."""
    return read_table(
        CLAIMS.name,
        source,
        rename=rename,
        values=values,
        map=map,
        options=options,
        payer_types=payer_types,
    )


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
    payer_types: Mapping[str, str] | None = None,
) -> Table:
    """Read coverage spans (``COVERAGE``); see ``read_table``."""
    return read_table(
        COVERAGE.name,
        source,
        rename=rename,
        values=values,
        map=map,
        options=options,
        payer_types=payer_types,
    )


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
