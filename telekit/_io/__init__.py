"""Layer 2: getting a practice's files in — maps, coercion, sources (CSV, XLSX, Parquet, frames),
building canonical tables, streaming, and (``_io._read``) the per-table readers with format
dispatch. ``telekit.x12`` sits between the lower modules and ``_read``."""
