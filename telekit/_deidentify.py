"""Shim (issue 16): Safe Harbor de-identification lives in ``telekit.report._deidentify``."""

from telekit.report._deidentify import (
    Deidentifier,
    file_names,
    is_inside,
    reduce_dates,
    reduce_dates_in,
    source_name,
    year_column,
)

__all__ = [
    "Deidentifier",
    "file_names",
    "is_inside",
    "reduce_dates",
    "reduce_dates_in",
    "source_name",
    "year_column",
]
