"""Read a Parquet table shipped inside ``telekit.codesets`` and check its schema."""

from __future__ import annotations

import io
from importlib import resources

import polars as pl


def package_parquet(filename: str, schema: pl.Schema) -> pl.DataFrame:
    """Read ``filename`` of ``telekit.codesets``; its schema must be ``schema`` exactly."""
    data = resources.files("telekit.codesets").joinpath(filename).read_bytes()
    frame = pl.read_parquet(io.BytesIO(data))
    if frame.schema != schema:
        msg = (
            f"telekit code set {filename} has schema {dict(frame.schema)}, expected "
            f"{dict(schema)} (the package data is damaged or out of date)"
        )
        raise RuntimeError(msg)
    return frame
