"""The abstraction workbook of ``telekit sample-visits`` (xlsxwriter).

- "visits" (first, so ``tk.read_encounters`` reads it without a map): one row per sampled
  visit — sample_number, frame_number, the keys linking it to its lines (encounter_id,
  person_id, rendering_npi, encounter_date), its claim lines as text — then the encounters
  contract's documentation columns, empty, each with a drop-down or a whole-number check;
- "lines": the sampled visits' claim lines with the keys;
- "sample" (``telekit._io._sample_sheet``): the frame, its size, n, seed, method (and the
  allocation when stratified), when and by which telekit, the claims file's SHA-256.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from telekit._core import _columns as c
from telekit._core._version import VERSION
from telekit._io._sample_sheet import MARKER, SHEET
from telekit._sampling._draw import (
    DOS,
    FRAME_NUMBER,
    FRAME_TEXT,
    GENERATOR_NOTE,
    SAMPLE_NUMBER,
    VISIT_KEY,
    VisitSample,
)

# USPS codes of the states, DC and the territories (patient_state, provider_state)
USPS = (
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
    "VI",
    "GU",
    "AS",
    "MP",
)
KEYS = (c.ENCOUNTER_ID, c.PERSON_ID, c.RENDERING_NPI, c.ENCOUNTER_DATE)
CLAIM_LINES = "claim_lines"
#: the documentation columns the abstractor fills, in this order, and what each accepts
DOCUMENTATION: dict[str, tuple[str, ...] | str] = {
    c.MODALITY: c.MODALITIES,
    c.PATIENT_LOCATION: c.PATIENT_LOCATIONS,
    c.CONSENT_DOCUMENTED: ("yes", "no"),
    c.TOTAL_MINUTES: "whole",
    c.MDM_LEVEL: c.MDM_LEVELS,
    c.PSYCHOTHERAPY_MINUTES: "whole",
    c.AUDIO_ONLY_REASON: "text",
    c.DEVICE_DAYS: "whole",
    c.PATIENT_STATE: USPS,
    c.PROVIDER_STATE: USPS,
}
LINE_COLUMNS = (
    c.CLAIM_ID,
    c.CLAIM_LINE_NUMBER,
    c.CLAIM_LINE_START_DATE,
    c.HCPCS_CODE,
    *c.MODIFIERS,
    c.PLACE_OF_SERVICE_CODE,
    c.SERVICE_UNIT_QUANTITY,
    c.PAYER,
    c.PAYER_TYPE,
)


def _line_text() -> pl.Expr:
    """``C0001:1 99213-95 POS 02 x1``: one claim line as the abstractor reads it."""
    mods = pl.concat_list([pl.col(m) for m in c.MODIFIERS]).list.drop_nulls().list.join("-")
    code = pl.when(mods.str.len_chars() > 0).then(
        pl.concat_str(pl.col(c.HCPCS_CODE).fill_null(""), pl.lit("-"), mods)
    )
    units = pl.col(c.SERVICE_UNIT_QUANTITY).cast(pl.Float64).fill_null(1.0)
    return pl.concat_str(
        pl.col(c.CLAIM_ID),
        pl.lit(":"),
        pl.col(c.CLAIM_LINE_NUMBER).cast(pl.String),
        pl.lit(" "),
        code.otherwise(pl.col(c.HCPCS_CODE).fill_null("")),
        pl.lit(" POS "),
        pl.col(c.PLACE_OF_SERVICE_CODE).fill_null("?"),
        pl.lit(" x"),
        pl.when(units == units.round(0))
        .then(units.cast(pl.Int64).cast(pl.String))
        .otherwise(units.cast(pl.String)),
    )


def sampled_tables(sample: VisitSample) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(visits sheet, lines sheet) as frames, before formatting."""
    keyed = sample.drawn.select(SAMPLE_NUMBER, FRAME_NUMBER, VISIT_KEY, *KEYS)
    lines = (
        sample.lines.join(keyed.select(SAMPLE_NUMBER, VISIT_KEY, c.ENCOUNTER_ID), on=VISIT_KEY)
        .drop(c.ENCOUNTER_ID)
        .rename({f"{c.ENCOUNTER_ID}_right": c.ENCOUNTER_ID}, strict=False)
        .sort(SAMPLE_NUMBER, DOS, c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
    )
    text = lines.group_by(VISIT_KEY, maintain_order=True).agg(
        _line_text().str.join("; ").alias(CLAIM_LINES)
    )
    visits = (
        keyed.join(text, on=VISIT_KEY, how="left")
        .sort(SAMPLE_NUMBER)
        .drop(VISIT_KEY)
        .with_columns(pl.lit(None, dtype=pl.String).alias(col) for col in DOCUMENTATION)
    )
    lines_sheet = lines.select(
        SAMPLE_NUMBER, c.ENCOUNTER_ID, c.PERSON_ID, c.RENDERING_NPI, *LINE_COLUMNS
    )
    return visits, lines_sheet


def write_workbook(
    sample: VisitSample, out: Path, *, source: Path, source_sha256: str, by: str | None
) -> None:
    """Write the abstraction workbook ``out`` (see the module docstring)."""
    visits, lines = sampled_tables(sample)
    wb = xlsxwriter.Workbook(str(out))
    try:
        fmt = {
            "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "fill": wb.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
            "bold": wb.add_format({"bold": True}),
        }
        _visits_sheet(wb, visits, fmt)
        _frame_sheet(wb.add_worksheet("lines"), lines, fmt)
        _sample_sheet(wb, sample, fmt, source=source, source_sha256=source_sha256, by=by)
    finally:
        wb.close()


def _cell(ws: Any, row: int, col: int, value: Any, fmt: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, date):  # a date or a datetime
        ws.write_datetime(row, col, value, fmt["date"])
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        ws.write_number(row, col, float(value))
    else:
        ws.write_string(row, col, str(value))


def _frame_sheet(ws: Any, frame: pl.DataFrame, fmt: dict[str, Any]) -> None:
    """A plain sheet of ``frame``: bold header, frozen header row, widths from the values."""
    for j, name in enumerate(frame.columns):
        ws.write_string(0, j, name, fmt["head"])
        width = max([len(name), *(len(str(x)) for x in frame.get_column(name).head(200))])
        ws.set_column(j, j, min(max(width + 2, 8), 40))
    for i, row in enumerate(frame.iter_rows(), start=1):
        for j, value in enumerate(row):
            _cell(ws, i, j, value, fmt)
    ws.freeze_panes(1, 0)


def _visits_sheet(wb: Any, visits: pl.DataFrame, fmt: dict[str, Any]) -> None:
    ws = wb.add_worksheet("visits")
    fixed = [col for col in visits.columns if col not in DOCUMENTATION]
    for j, name in enumerate(visits.columns):
        ws.write_string(0, j, name, fmt["fill"] if name in DOCUMENTATION else fmt["head"])
    for i, row in enumerate(visits.select(fixed).iter_rows(), start=1):
        for j, value in enumerate(row):
            _cell(ws, i, j, value, fmt)
    widths = {SAMPLE_NUMBER: 9, FRAME_NUMBER: 9, CLAIM_LINES: 60, c.ENCOUNTER_DATE: 12}
    for j, name in enumerate(visits.columns):
        default = 22 if name in DOCUMENTATION else 16
        ws.set_column(j, j, widths.get(name, max(default, len(name) + 2)))
    last = max(visits.height, 1)
    for name, accepts in DOCUMENTATION.items():
        j = visits.columns.index(name)
        ws.data_validation(1, j, last, j, _validation(name, accepts))
    ws.freeze_panes(1, fixed.index(c.ENCOUNTER_ID) + 1)


def _validation(name: str, accepts: tuple[str, ...] | str) -> dict[str, Any]:
    """The data validation of one documentation column."""
    if accepts == "whole":
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_title": name,
            "error_message": f"{name}: a whole number, 0 or more",
        }
    if accepts == "text":
        return {
            "validate": "any",
            "input_title": name,
            "input_message": "why the visit was audio-only, as the record states it",
        }
    return {
        "validate": "list",
        "source": list(accepts),
        "error_title": name,
        "error_message": f"{name}: one of the list",
    }


def _sample_sheet(
    wb: Any,
    sample: VisitSample,
    fmt: dict[str, Any],
    *,
    source: Path,
    source_sha256: str,
    by: str | None,
) -> None:
    ws = wb.add_worksheet(SHEET)
    ws.write_string(0, 0, MARKER, fmt["bold"])
    ws.write_string(1, 0, "field", fmt["head"])
    ws.write_string(1, 1, "value", fmt["head"])
    rows: list[tuple[str, str]] = [
        ("frame", FRAME_TEXT),
        ("frame_size", str(sample.frame.height)),
        ("n", str(sample.drawn.height)),
        ("n_requested", str(sample.n_requested)),
        ("seed", str(sample.seed)),
        ("method", sample.method),
        ("stratified_by", "rendering_npi" if by == "provider" else ""),
        ("generated_at", datetime.now(UTC).replace(microsecond=0).isoformat()),
        ("telekit_version", VERSION),
        ("input_file", source.name),
        ("input_sha256", source_sha256),
        ("generator", GENERATOR_NOTE),
        (
            "how to fill",
            "Fill the yellow columns of the visits sheet from each chart (leave a cell empty "
            "where the record is silent), then audit with --encounters visits.xlsx: encounter "
            "rules judge the sampled lines only, and nothing is extrapolated.",
        ),
    ]
    for i, (field, value) in enumerate(rows, start=2):
        ws.write_string(i, 0, field)
        ws.write_string(i, 1, value, fmt["wrap"])
    row = len(rows) + 3
    if sample.allocation:
        ws.write_string(row, 0, "allocation (rendering_npi)", fmt["head"])
        ws.write_string(row, 1, "frame visits", fmt["head"])
        ws.write_string(row, 2, "drawn", fmt["head"])
        for i, (stratum, (size, k)) in enumerate(sample.allocation.items(), start=row + 1):
            ws.write_string(i, 0, stratum)
            ws.write_number(i, 1, size)
            ws.write_number(i, 2, k)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)
    ws.set_column(2, 2, 10)
    ws.freeze_panes(2, 0)
