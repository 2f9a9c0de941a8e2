"""Shim: the readers moved to ``telekit._io`` — raw reading to ``_io._source``, building a
table to ``_io._build``, the per-table readers and X12 dispatch to ``_io._read._tables``, the
remittances reader to ``_io._read._remittances`` (deleted once every import is rewritten)."""

from telekit._io._build import (
    build_table,
    coercion_plan,
    given_columns,
    map_headers,
    resolve_map,
    split_delimited,
)
from telekit._io._read._remittances import read_remittances
from telekit._io._read._tables import (
    load_map,
    read_claims,
    read_coverage,
    read_encounters,
    read_patient_payments,
    read_providers,
    read_table,
    read_x12,
)
from telekit._io._source import (
    FRAME,
    MAX_COLUMNS,
    OLE_MAGIC,
    PARQUET_MAGIC,
    ROW,
    ROW_REASON,
    SNIFF_CHARS,
    ZIP_MAGIC,
    LineScan,
    RawSource,
    Source,
    bomless_utf16,
    check_header_width,
    has_lone_cr,
    is_x12,
    known_headers,
    line_offset,
    load_source,
    malformed_error,
    quote_counts,
    ragged_reason,
    record_cells,
    scan_lines,
    sniff,
    source_name,
    unclosed_quote_error,
)

# the old private spellings, still imported by telekit._partitioned
_OLE_MAGIC = OLE_MAGIC
_PARQUET_MAGIC = PARQUET_MAGIC
_SNIFF_CHARS = SNIFF_CHARS
_ZIP_MAGIC = ZIP_MAGIC
_bomless_utf16 = bomless_utf16
_given_columns = given_columns
_line_offset = line_offset
_plan = coercion_plan
_split_delimited = split_delimited

__all__ = [
    "FRAME",
    "MAX_COLUMNS",
    "ROW",
    "ROW_REASON",
    "LineScan",
    "RawSource",
    "Source",
    "build_table",
    "check_header_width",
    "has_lone_cr",
    "is_x12",
    "known_headers",
    "load_map",
    "load_source",
    "malformed_error",
    "map_headers",
    "quote_counts",
    "ragged_reason",
    "read_claims",
    "read_coverage",
    "read_encounters",
    "read_patient_payments",
    "read_providers",
    "read_remittances",
    "read_table",
    "read_x12",
    "record_cells",
    "resolve_map",
    "scan_lines",
    "sniff",
    "source_name",
    "unclosed_quote_error",
]
