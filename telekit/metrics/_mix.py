"""``telehealth_mix``: how much of the work is telehealth — shares of lines and charges by
encounter modality and by place-of-service class (02, 10, other)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from telekit._core import _columns as c
from telekit._core._claims import current_lines
from telekit._read._arguments import as_frame
from telekit.metrics._inputs import (
    CLAIM_KEYS,
    MONTH,
    TableLike,
    parse_by,
    with_modality,
)

MIX_KEYS = (*CLAIM_KEYS, c.RENDERING_NPI, c.HCPCS_CODE, c.PLACE_OF_SERVICE_CODE)
DIMENSION = "dimension"
CATEGORY = "category"
LINES = "lines"
CHARGES = "charges"
LINE_SHARE = "line_share"
CHARGE_SHARE = "charge_share"
POS_CLASS = "pos_class"
UNKNOWN = "unknown"


def telehealth_mix(
    claims: TableLike,
    encounters: TableLike | None = None,
    *,
    by: str | Sequence[str] | None = MONTH,
) -> pl.DataFrame:
    """Share of claim lines and of charges by modality and by POS class, per group.

    One row per (group, ``dimension``, ``category``):

    - ``dimension`` ``place_of_service``: ``category`` ``02`` (telehealth other than in the
      patient's home), ``10`` (telehealth in the patient's home) or ``other``;
    - ``dimension`` ``modality`` (only when ``encounters`` are given): the line's encounter
      modality (DESIGN §3 linking: same encounter_id, else the single encounter of the person,
      rendering NPI and DOS), ``unknown`` when the line has no encounter or it has no modality.

    ``lines`` (Int64) and ``charges`` (Σ charge_amount, Decimal(12, 2)) per category;
    ``line_share`` = lines ÷ the group's lines and ``charge_share`` = charges ÷ the group's
    charges (Float64; null when the group's charges are 0) — each dimension's shares add up to
    1 within a group.

    Lines counted: every claim line except those of voids (frequency 8) and of claims that a
    frequency 7 or 8 claim names as original_claim_id, so that a corrected service counts once.
    ``by`` (default ``month``, the first day of the line's DOS month) is None, a key or a list
    among month, payer, payer_type, rendering_npi, hcpcs_code, place_of_service_code.
    """
    keys = parse_by(by, allowed=MIX_KEYS, encounters_given=encounters is not None)
    lines = current_lines(as_frame("claims", claims)).with_columns(
        pl.col(c.CLAIM_LINE_START_DATE).dt.month_start().alias(MONTH),
        pl.when(pl.col(c.PLACE_OF_SERVICE_CODE).is_in(["02", "10"]))
        .then(pl.col(c.PLACE_OF_SERVICE_CODE))
        .otherwise(pl.lit("other"))
        .alias(POS_CLASS),
    )
    dimensions = {"place_of_service": POS_CLASS}
    if encounters is not None:
        lines = with_modality(lines, as_frame("encounters", encounters)).with_columns(
            pl.col(c.MODALITY).fill_null(UNKNOWN)
        )
        dimensions["modality"] = c.MODALITY
    parts = []
    for dimension, column in dimensions.items():
        counts = lines.group_by(*keys, column).agg(
            pl.len().cast(pl.Int64).alias(LINES),
            pl.col(c.CHARGE_AMOUNT).sum().alias(CHARGES),
        )
        all_lines = pl.col(LINES).sum().cast(pl.Float64)
        all_charges = pl.col(CHARGES).sum().cast(pl.Float64)
        if keys:
            all_lines, all_charges = all_lines.over(keys), all_charges.over(keys)
        parts.append(
            counts.select(
                *keys,
                pl.lit(dimension).alias(DIMENSION),
                pl.col(column).alias(CATEGORY),
                LINES,
                pl.col(CHARGES).cast(c.MONEY),
                (pl.col(LINES).cast(pl.Float64) / all_lines).alias(LINE_SHARE),
                pl.when(all_charges != 0)
                .then(pl.col(CHARGES).cast(pl.Float64) / all_charges)
                .otherwise(None)
                .alias(CHARGE_SHARE),
            )
        )
    return pl.concat(parts).sort(*keys, DIMENSION, CATEGORY, nulls_last=True)
