"""Package data of ``telekit.integrity`` (provenance in ``SOURCES.md`` beside the CSVs)."""

from __future__ import annotations

import functools
from importlib import resources

import polars as pl

from telekit._columns import HCPCS_CODE

__all__ = [
    "EQUIPMENT_CODES_SCHEMA",
    "HIGHEST_LEVEL_CODES_SCHEMA",
    "equipment_codes",
    "highest_level_codes",
]

HIGHEST_LEVEL_CODES_SCHEMA = pl.Schema(
    {
        "family": pl.String(),
        "setting": pl.String(),
        "patient_status": pl.String(),
        HCPCS_CODE: pl.String(),
        "level": pl.Int32(),
        "highest": pl.Boolean(),
        "valid_start_date": pl.Date(),
        "valid_end_date": pl.Date(),
        "oig_setting": pl.Boolean(),
        "provenance": pl.String(),
    }
)
EQUIPMENT_CODES_SCHEMA = pl.Schema(
    {
        "category": pl.String(),
        "hcpcs_code_from": pl.String(),
        "hcpcs_code_to": pl.String(),
        "description": pl.String(),
        "provenance": pl.String(),
    }
)


def _load(filename: str, schema: pl.Schema) -> pl.DataFrame:
    data = resources.files("telekit.integrity").joinpath(filename).read_bytes()
    raw = pl.read_csv(data, infer_schema=False)
    if raw.columns != schema.names():
        msg = (
            f"telekit.integrity data {filename} has columns {raw.columns}, expected "
            f"{schema.names()} (the package data is damaged or out of date)"
        )
        raise RuntimeError(msg)
    exprs: list[pl.Expr] = []
    for name, dtype in schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            exprs.append(col.str.to_date("%Y-%m-%d", strict=True))
        elif dtype == pl.Boolean:
            exprs.append(
                col.replace_strict({"true": True, "false": False}, return_dtype=pl.Boolean)
            )
        elif dtype == pl.Int32:
            exprs.append(col.cast(pl.Int32, strict=True))
        else:
            exprs.append(col)
    return raw.select(exprs)


@functools.cache
def highest_level_codes() -> pl.DataFrame:
    """E/M code families with levels, for OIG measure 2: one row per code; ``highest`` marks the
    top code of its family. OIG's own list is UNVERIFIED; see ``SOURCES.md``."""
    return _load("highest_level_codes.csv", HIGHEST_LEVEL_CODES_SCHEMA)


@functools.cache
def equipment_codes() -> pl.DataFrame:
    """HCPCS Level II ranges counted as medical equipment and supplies (DMEPOS) for OIG
    measure 7 (``hcpcs_code_from`` .. ``hcpcs_code_to``, inclusive, same length)."""
    return _load("equipment_codes.csv", EQUIPMENT_CODES_SCHEMA)
