"""Package data of ``telekit.integrity`` (provenance in ``SOURCES.md`` beside the CSVs)."""

from __future__ import annotations

import functools

import polars as pl

from telekit._core._columns import HCPCS_CODE
from telekit._core._package_data import read_package_csv

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
    return read_package_csv("telekit.integrity", filename, schema, "telekit.integrity data")


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
