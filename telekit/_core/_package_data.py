"""The CSV tables shipped inside the package (code sets, OIG data, CARC wording), read strictly."""

from __future__ import annotations

from importlib import resources

import polars as pl

__all__ = ["read_package_csv"]


def _parse(name: str, dtype: pl.DataType) -> pl.Expr:
    raw = pl.col(name)
    if dtype == pl.Date:
        return raw.str.to_date("%Y-%m-%d", strict=True).alias(name)
    if dtype == pl.Boolean:
        return raw.replace_strict({"true": True, "false": False}, return_dtype=pl.Boolean).alias(
            name
        )
    if dtype == pl.Int32:
        return raw.cast(pl.Int32, strict=True).alias(name)
    return raw


def read_package_csv(package: str, filename: str, schema: pl.Schema, label: str) -> pl.DataFrame:
    """Read ``filename`` of ``package`` (every cell as text) and type it by ``schema``, strictly;
    ``label`` names the data in the error raised when its columns are not the schema's."""
    data = resources.files(package).joinpath(filename).read_bytes()
    raw = pl.read_csv(data, infer_schema=False)
    if raw.columns != schema.names():
        msg = (
            f"{label} {filename} has columns {raw.columns}, expected "
            f"{schema.names()} (the package data is damaged or out of date)"
        )
        raise RuntimeError(msg)
    return raw.select(_parse(name, dtype) for name, dtype in schema.items())
