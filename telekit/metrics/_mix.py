"""``telehealth_mix``: how much of the work is telehealth — shares of lines and charges by the
DESIGN §5 telehealth definition, by place-of-service class (02, 10, other) and by encounter
modality."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from telekit._core import _columns as c
from telekit._core._claims import current_lines
from telekit._engine import _vocabulary as v
from telekit._engine._annotate import annotate_lines
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read._arguments import as_frame
from telekit.metrics._inputs import (
    CLAIM_KEYS,
    MONTH,
    TableLike,
    parse_by,
)

MIX_KEYS = (*CLAIM_KEYS, c.RENDERING_NPI, c.HCPCS_CODE, c.PLACE_OF_SERVICE_CODE)
DIMENSION = "dimension"
CATEGORY = "category"
LINES = "lines"
CHARGES = "charges"
LINE_SHARE = "line_share"
CHARGE_SHARE = "charge_share"
TELEHEALTH_CLASS = "telehealth_class"
POS_CLASS = "pos_class"
UNKNOWN = "unknown"
TELEHEALTH = "telehealth"
NOT_TELEHEALTH = "not_telehealth"


def telehealth_service() -> pl.Expr:
    """DESIGN §6 "Telehealth mix": True where an annotated line (``_engine._annotate``) is
    telehealth work — a §5 telehealth line (a telehealth indicator, POS 02/10 or modifier 95, 93,
    GT, GQ, FQ or G0; not CTBS, not Q3014; its encounter, when known, not ``in_person``), or a line
    without a telehealth indicator whose encounter's modality is ``audio_video``, ``audio_only``
    or ``store_and_forward`` (a telehealth encounter), CTBS and Q3014 excepted (§5: never
    telehealth lines).

    Not by POS alone: Medicare telehealth from 2020-03 through 2023 was billed with the
    in-person POS and modifier 95, and an audio-only visit may carry no indicator at all.
    """
    not_ctbs_q = ~v.is_ctbs & ~v.is_q3014
    by_encounter = ~v.telehealth_indicator & not_ctbs_q & v.telehealth_encounter
    return (v.telehealth_line | by_encounter).fill_null(value=False)


def telehealth_mix(
    claims: TableLike,
    encounters: TableLike | None = None,
    *,
    by: str | Sequence[str] | None = MONTH,
    policies: Policies | None = None,
) -> pl.DataFrame:
    """Share of claim lines and of charges that are telehealth, by POS class and by modality,
    per group.

    One row per (group, ``dimension``, ``category``):

    - ``dimension`` ``telehealth``: ``category`` ``telehealth`` or ``not_telehealth`` — a line is
      telehealth when it is a DESIGN §5 telehealth line (a telehealth indicator, POS 02/10 or
      modifier 95, 93, GT, GQ, FQ or G0; not CTBS, not Q3014; its encounter, when known, not
      ``in_person``), or, without a telehealth indicator, when its encounter's modality is
      ``audio_video``, ``audio_only`` or ``store_and_forward`` (CTBS and Q3014 never are). So a
      2021 Medicare video visit billed POS 11 with modifier 95 is telehealth, and so is an
      audio-only encounter billed without an indicator; a virtual check-in (G2012) is not;
    - ``dimension`` ``place_of_service``: ``category`` ``02`` (telehealth other than in the
      patient's home), ``10`` (telehealth in the patient's home) or ``other`` — the billing
      convention, not the telehealth share (in-person POS + 95 falls under ``other``);
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
    among month, payer, payer_type, rendering_npi, hcpcs_code, place_of_service_code. ``payer``
    is the canonical payer: trimmed, upper-cased and through ``policies``' aliases (a
    ``telekit.Policies``; the built-in ones when None). A policy file whose payer_type
    contradicts the lines is refused (``PolicyError``), as by ``tk.audit``.
    """
    keys = parse_by(by, allowed=MIX_KEYS, encounters_given=encounters is not None)
    return finish_mix([mix_counts(claims, encounters, keys=keys, policies=policies)], keys)


def mix_counts(
    claims: TableLike,
    encounters: TableLike | None = None,
    *,
    keys: Sequence[str] = (),
    policies: Policies | None = None,
) -> pl.DataFrame:
    """The mergeable part of ``telehealth_mix`` for claims of whole persons (the bounded-memory
    audit gives each bucket's; ``finish_mix`` sums them): per (keys, dimension, category) the
    lines and Σ charges, the shares left to ``finish_mix``."""
    return mix_counts_by(claims, encounters, key_sets=[keys], policies=policies)[0]


def mix_counts_by(
    claims: TableLike,
    encounters: TableLike | None = None,
    *,
    key_sets: Sequence[Sequence[str]],
    policies: Policies | None = None,
) -> list[pl.DataFrame]:
    """``mix_counts`` for each of ``key_sets`` (e.g. none and the month), from one annotation
    of the lines (annotating is most of the cost)."""
    policy = load_policies(policies)
    claim_lines = current_lines(as_frame("claims", claims))
    encounter_rows = None if encounters is None else as_frame("encounters", encounters)
    annotated = annotate_lines(claim_lines, encounter_rows, policy)
    lines = annotated.select(
        pl.col(c.CLAIM_LINE_START_DATE).dt.month_start().alias(MONTH),
        v.payer_key.alias(c.PAYER),
        c.PAYER_TYPE,
        c.RENDERING_NPI,
        c.HCPCS_CODE,
        c.PLACE_OF_SERVICE_CODE,
        c.CHARGE_AMOUNT,
        pl.when(telehealth_service())
        .then(pl.lit(TELEHEALTH))
        .otherwise(pl.lit(NOT_TELEHEALTH))
        .alias(TELEHEALTH_CLASS),
        pl.when(pl.col(c.PLACE_OF_SERVICE_CODE).is_in(["02", "10"]))
        .then(pl.col(c.PLACE_OF_SERVICE_CODE))
        .otherwise(pl.lit("other"))
        .alias(POS_CLASS),
        v.enc_modality.cast(pl.String).fill_null(UNKNOWN).alias(c.MODALITY),
    ).collect()
    dimensions = {"telehealth": TELEHEALTH_CLASS, "place_of_service": POS_CLASS}
    if encounters is not None:
        dimensions["modality"] = c.MODALITY
    return [_counts(lines, list(keys), dimensions) for keys in key_sets]


def _counts(lines: pl.DataFrame, keys: list[str], dimensions: dict[str, str]) -> pl.DataFrame:
    """Per (keys, dimension, category) of the annotated ``lines``: lines and Σ charges."""
    return pl.concat(
        [
            lines.group_by(*keys, column)
            .agg(
                pl.len().cast(pl.Int64).alias(LINES),
                pl.col(c.CHARGE_AMOUNT).sum().alias(CHARGES),
            )
            .select(
                *keys,
                pl.lit(dimension).alias(DIMENSION),
                pl.col(column).alias(CATEGORY),
                LINES,
                CHARGES,
            )
            for dimension, column in dimensions.items()
        ],
        how="vertical",
    )


def finish_mix(parts: Sequence[pl.DataFrame], keys: Sequence[str] = ()) -> pl.DataFrame:
    """``telehealth_mix``' frame from the ``mix_counts`` of disjoint claims: lines and charges
    summed per (keys, dimension, category), then each share of its group and dimension."""
    group = [*keys, DIMENSION]
    counts = (
        pl.concat(list(parts), how="vertical")
        .group_by(*group, CATEGORY)
        .agg(pl.col(LINES, CHARGES).sum())
    )
    all_lines = pl.col(LINES).sum().cast(pl.Float64).over(group)
    all_charges = pl.col(CHARGES).sum().cast(pl.Float64).over(group)
    return counts.select(
        *keys,
        DIMENSION,
        CATEGORY,
        LINES,
        pl.col(CHARGES).cast(c.MONEY),
        (pl.col(LINES).cast(pl.Float64) / all_lines).alias(LINE_SHARE),
        pl.when(all_charges != 0)
        .then(pl.col(CHARGES).cast(pl.Float64) / all_charges)
        .otherwise(None)
        .alias(CHARGE_SHARE),
    ).sort(*keys, DIMENSION, CATEGORY, nulls_last=True)
