"""Claim-line facts every layer shares: which lines are superseded and which encounter a line
belongs to (DESIGN §3, §5). One home, so the audit and the metrics cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY

SUPERSEDED = "superseded"
SUPERSEDING_FREQUENCIES = ("7", "8")
VOID_FREQUENCY = "8"

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def superseded(frame: Frame, name: str = SUPERSEDED) -> Frame:
    """``frame`` plus a Boolean column ``name``: True for the lines of a claim that a frequency 7
    or 8 claim names as original_claim_id, and for the lines of a frequency 8 claim (a void).
    A null frequency is neither."""
    # the originals are a few claims: a membership test keeps the lines' order (a join on
    # claim_id reordered them, and the caller sorted them back)
    originals = (
        pl.col(c.ORIGINAL_CLAIM_ID)
        .filter(pl.col(c.CLAIM_FREQUENCY_CODE).is_in(SUPERSEDING_FREQUENCIES))
        .drop_nulls()
        .unique()
        .implode()
    )
    return frame.with_columns(
        (
            pl.col(c.CLAIM_ID).is_in(originals).fill_null(False)
            | (pl.col(c.CLAIM_FREQUENCY_CODE) == VOID_FREQUENCY).fill_null(False)
        ).alias(name)
    )


def current_lines(frame: Frame) -> Frame:
    """The lines that are not superseded (``superseded`` false), in their order."""
    mark = "_superseded"
    return superseded(frame, mark).filter(~pl.col(mark)).drop(mark)


def link_encounters(
    lines: pl.LazyFrame,
    encounters: pl.LazyFrame,
    fields: Sequence[str],
    *,
    prefix: str = "",
    found: str | None = None,
) -> pl.LazyFrame:
    """``lines`` plus each ``fields`` column of the line's encounter, named ``prefix + field``,
    and, when ``found`` is given, a Boolean column of that name (the lines are linked by their
    position: no row index is needed).

    DESIGN §3: the encounter with the same encounter_id; when the line has no encounter_id, the
    single encounter of the same person_id and rendering_npi whose encounter_date is the line's
    DOS. Zero or several candidates: the encounter is missing (fields null, ``found`` false).
    Lines keep their order.
    """
    out = [prefix + f for f in fields]
    date, index, by_key, at = "_link_date", "_link_encounter", "_link_by_key", "_link_at"
    # each line is first linked to its encounter's position (joins of narrow keys), then the
    # fields are gathered once by that position: joining the fields themselves, then joining
    # them back onto the lines by row, gathered every field twice
    enc = encounters.with_row_index(index)
    keys = [c.PERSON_ID, c.RENDERING_NPI, date]
    # the lines without an encounter_id, with their position among the lines (``at``)
    no_id = (
        lines.select(c.ENCOUNTER_ID, c.PERSON_ID, c.RENDERING_NPI, c.CLAIM_LINE_START_DATE)
        .with_row_index(at)
        .filter(pl.col(c.ENCOUNTER_ID).is_null())
        .select(at, c.PERSON_ID, c.RENDERING_NPI, pl.col(c.CLAIM_LINE_START_DATE).alias(date))
    )
    # only the encounters some line without an encounter_id could match are counted (a semi
    # join keeps every encounter of a matching key, so the counts are the same)
    single = (
        enc.select(index, c.PERSON_ID, c.RENDERING_NPI, pl.col(c.ENCOUNTER_DATE).alias(date))
        .filter(pl.col(date).is_not_null())
        .join(no_id.select(keys), on=keys, how="semi")
        .filter(pl.len().over(keys) == 1)
        .select(*keys, index)
    )
    keyed = no_id.join(single, on=keys, how="inner").select(at, pl.col(index).alias(by_key))
    # a line with an encounter_id takes the encounter of that id (a null id matches none), one
    # without takes the single encounter of its key: set at its position (``scatter``), not
    # joined back onto every line by row
    by_id = lines.select(c.ENCOUNTER_ID).join(
        enc.select(c.ENCOUNTER_ID, index), on=c.ENCOUNTER_ID, how="left", maintain_order="left"
    )
    fields_plan = encounters.select(*(pl.col(f).alias(o) for f, o in zip(fields, out, strict=True)))
    by_id_frame, keyed_frame, enc_fields = pl.collect_all(
        [by_id, keyed, fields_plan], engine=IN_MEMORY
    )
    position = by_id_frame.get_column(index)
    if keyed_frame.height:
        position = position.scatter(keyed_frame.get_column(at), keyed_frame.get_column(by_key))
    # the fields gathered by that position from the encounters in one chunk (a gather across
    # chunks, or a join on the position, costs several times more)
    fetched = enc_fields.rechunk().select(pl.all().gather(position))
    if found is not None:
        fetched = fetched.with_columns(position.is_not_null().alias(found))
    return pl.concat([lines, fetched.lazy()], how="horizontal")
