"""Window preparations shared by FQ, AD and TM004 rules: polars window and as-of joins that add
columns to the annotated lines. Each preparation is registered by name; a rule lists the names
it reads in ``prepare=``. Superseded lines never take part (never anchors, primaries or targets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from telekit import _columns as c

if TYPE_CHECKING:
    from telekit._annotate import Inputs

Preparation = Callable[[pl.LazyFrame, "Inputs"], pl.LazyFrame]
PREPARATIONS: dict[str, Preparation] = {}

ROW = "_row"
DOS = c.CLAIM_LINE_START_DATE

# DESIGN §5 "Sort order": (DOS, claim_submitted_date nulls last, claim_id, claim_line_number)
SORT_KEYS = [DOS, c.CLAIM_SUBMITTED_DATE, c.CLAIM_ID, c.CLAIM_LINE_NUMBER]


def sort_lines(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.sort(SORT_KEYS, nulls_last=True)


def preparation(name: str) -> Callable[[Preparation], Preparation]:
    def register(fn: Preparation) -> Preparation:
        if name in PREPARATIONS:
            msg = f"window preparation {name!r} registered twice"
            raise ValueError(msg)
        PREPARATIONS[name] = fn
        return fn

    return register


def greedy_periods(lines: pl.DataFrame, group: list[str], days: int) -> pl.DataFrame:
    """Flag lines inside another line's period (FQ001, FQ003).

    ``lines`` holds ``_row``, the group columns and the sort keys. Per group, in sort order, the
    first line opens a period of days 0..days-1; later lines inside it are flagged; flagged lines
    never open a period; the first line after it opens the next. Evaluated in rounds (one period per
    group per round) with whole-frame expressions — no per-row Python.
    Returns ``_row`` and ``flagged`` for every input line.
    """
    # A line at least `days` after the previous line of its group opens a period whatever came
    # before (every earlier anchor is earlier still): cut chains there, so rounds are needed only
    # inside chains of closely spaced lines.
    pending = (
        lines.sort([*group, *SORT_KEYS], nulls_last=True)
        .with_columns(pl.int_range(pl.len()).alias("_order"))
        .with_columns(
            ((pl.col(DOS) - pl.col(DOS).shift(1).over(group)).dt.total_days() >= days)
            .fill_null(True)
            .cum_sum()
            .over(group)
            .alias("_chain")
        )
    )
    group = [*group, "_chain"]
    done: list[pl.DataFrame] = []
    while pending.height:
        anchors = pending.group_by(group).agg(
            pl.col("_order").min().alias("_anchor_order"),
            pl.col(DOS).sort_by("_order").first().alias("_anchor_dos"),
        )
        joined = pending.join(anchors, on=group, how="left", nulls_equal=True)
        in_period = (pl.col(DOS) - pl.col("_anchor_dos")).dt.total_days() < days
        assigned = joined.filter(in_period).select(
            ROW, (pl.col("_order") != pl.col("_anchor_order")).alias("flagged")
        )
        done.append(assigned)
        pending = joined.filter(~in_period).drop("_anchor_order", "_anchor_dos")
    if not done:
        return pl.DataFrame(schema={ROW: pl.UInt32, "flagged": pl.Boolean})
    return pl.concat(done)
