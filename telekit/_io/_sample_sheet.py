"""The "sample" sheet of a ``telekit sample-visits`` abstraction workbook: one home for its
layout (the writer in ``telekit._sampling`` and the encounters reader both use it).

The sheet is two columns, field and value, under a first cell ``MARKER``::

    telekit sample-visits
    field          value
    frame          claim lines with a telehealth indicator ...
    frame_size     1203
    n              50
    seed           11
    method         simple random
    ...

A workbook whose first sheet holds the encounters and which has such a sheet is a documentation
sample (DESIGN §5 "Sampled encounters"): ``sample_of(path)`` returns its ``EncounterSample``.
"""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl

from telekit._core._exceptions import InputError
from telekit._core._table import EncounterSample
from telekit._io._xlsx import check_workbook

SHEET = "sample"
MARKER = "telekit sample-visits"
#: the fields ``EncounterSample`` is read from (the sheet holds more: generated at, version ...)
FIELDS = ("frame", "frame_size", "n", "seed", "method")


def sample_of(path: Path) -> EncounterSample | None:
    """The sample an abstraction workbook records, or None when ``path`` is not one (not an
    XLSX file, no "sample" sheet, or a "sample" sheet telekit did not write). A sheet that
    starts with ``MARKER`` but lacks a field is an error naming the file and the field."""
    frame = _sheet(path)
    if frame is None or frame.width < 2 or frame.height == 0 or frame.item(0, 0) != MARKER:
        return None
    keys, cells = frame.get_column(frame.columns[0]), frame.get_column(frame.columns[1])
    values = {
        str(k).strip(): "" if v is None else str(v).strip()
        for k, v in zip(keys, cells, strict=True)
        if k is not None
    }
    for field in FIELDS:
        if not values.get(field):
            msg = f"{path.name}: sheet {SHEET!r} has no {field}; expected the sheet as telekit "
            msg += "sample-visits wrote it"
            raise InputError(msg)
    try:
        return EncounterSample(
            frame=values["frame"],
            frame_size=_whole(values["frame_size"]),
            n=_whole(values["n"]),
            seed=_whole(values["seed"]),
            method=values["method"],
        )
    except ValueError:
        msg = f"{path.name}: sheet {SHEET!r}: frame_size, n and seed must be whole numbers"
        raise InputError(msg) from None


def _sheet(path: Path) -> pl.DataFrame | None:
    """The "sample" sheet of ``path`` as text cells, or None (not an XLSX file, no such sheet,
    or an empty one)."""
    try:
        with path.open("rb") as f:
            is_zip = f.read(4) == b"PK\x03\x04"
        data = path.read_bytes() if is_zip else b""
    except OSError:
        return None
    try:
        reader = fastexcel.read_excel(data) if data else None
    except Exception:  # not a workbook calamine reads: the reader has said so already
        return None
    if reader is None or SHEET not in reader.sheet_names:
        return None
    check_workbook(data, path.name, SHEET)
    try:
        return reader.load_sheet(SHEET, header_row=None, dtypes="string").to_polars()
    except Exception:  # an empty sheet
        return None


def _whole(text: str) -> int:
    """``"50"`` or ``"50.0"`` (a number cell read as text) → 50."""
    if text.lstrip("-").isdigit():
        return int(text)
    number = float(text)
    if not number.is_integer():
        raise ValueError(text)
    return int(number)
