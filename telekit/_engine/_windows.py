"""Window preparations: polars window and as-of joins that add columns to the annotated lines
(FQ, AD, DC001, EL and TM004 rules). A preparation is a function beside the rules that read it;
a rule lists the functions in ``prepare=``, and the run calls each once, in the order of their
names. Superseded lines never take part (never anchors, primaries or targets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

Preparation = Callable[[pl.LazyFrame, "Inputs"], pl.LazyFrame]

ROW = v.ROW
DOS = c.CLAIM_LINE_START_DATE

# DESIGN §5 "Sort order": (DOS, claim_submitted_date nulls last, claim_id, claim_line_number)
SORT_KEYS = [DOS, c.CLAIM_SUBMITTED_DATE, c.CLAIM_ID, c.CLAIM_LINE_NUMBER]


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
    # inside chains of closely spaced lines. The frame is sorted by group, so group and chain
    # starts are comparisons with the previous row (no `.over`: a window over many small groups is
    # far slower), and a chain id is unique across groups.
    new_group = (
        pl.any_horizontal([pl.col(g).ne_missing(pl.col(g).shift(1)) for g in group])
        if group
        else pl.lit(value=False)
    )
    gap = (pl.col(DOS) - pl.col(DOS).shift(1)).dt.total_days() >= days
    pending = lines.sort([*group, *SORT_KEYS], nulls_last=True).select(
        ROW, DOS, (new_group | gap).fill_null(True).cum_sum().alias("_chain")
    )
    # Each round: the first pending line of each chain opens a period; the lines inside it are
    # assigned (flagged unless the opener); the rest stay pending, still in order.
    first = pl.col("_chain").ne_missing(pl.col("_chain").shift(1))
    opener_dos = pl.when(first).then(pl.col(DOS)).forward_fill()
    done: list[pl.DataFrame] = []
    while pending.height:
        step = pending.with_columns(
            first.alias("_first"),
            ((pl.col(DOS) - opener_dos).dt.total_days() < days).alias("_in"),
        )
        done.append(step.filter("_in").select(ROW, (~pl.col("_first")).alias("flagged")))
        pending = step.filter(~pl.col("_in")).select(ROW, DOS, "_chain")
    if not done:
        return pl.DataFrame(schema={ROW: pl.UInt32, "flagged": pl.Boolean})
    return pl.concat(done)
