"""Layer 2: getting a practice's files in — maps, coercion, sources (CSV, XLSX, Parquet, frames),
building canonical tables and streaming them in batches. ``telekit.x12`` sits on these modules;
``telekit._read`` (format dispatch and one reader per table) sits on both."""
