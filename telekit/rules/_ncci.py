"""NCCI practitioner edits: procedure-to-procedure pairs (NC001) and medically unlikely edits
(NC002), judged with the NCCI edition of the line's quarter, else the nearest loaded one.

Every rule here reads ``inputs.reference.ncci`` (the shipped 2024-07-01 edition first, then the
editions the user gave) through a window preparation. Superseded lines are never anchors or
targets; NC001 and NC002 give no finding on a line CD001, TM004 or FQ004 flags (the catalog's
precedence, declared here with ``suppressed_where``; FQ004 is telekit's addition: a duplicate
of another claim's line is the same service billed twice, judged by FQ004, not a further unit or
a further procedure of the day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._engine._windows import DOS, ROW, SORT_KEYS
from telekit.codesets._ncci import (
    COLUMN_1_CODE,
    COLUMN_2_CODE,
    DELETION_DATE,
    EFFECTIVE_DATE,
    MODIFIER_INDICATOR,
    MUE_ADJUDICATION_INDICATOR,
    MUE_VALUE,
    NcciEdition,
)
from telekit.rules._keys import KEY_HASH, key_hash, repeated

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

CODE = pl.col(c.HCPCS_CODE)
DAY_KEY = [c.PERSON_ID, c.RENDERING_NPI, DOS]
# an edition judges DOS up to this many days outside its quarter (as a warning)
NEAREST_EDITION_DAYS = 365

# NCCI-associated modifiers that may bypass an edit with modifier indicator 1 (NCCI Policy
# Manual for Medicare Services, ch. I §E): 59, X{EPSU}, 91, 27, 58, 78, 79 and the anatomic ones
BYPASS_MODIFIERS = (
    "59", "XE", "XS", "XP", "XU", "91", "27", "58", "78", "79",
    "E1", "E2", "E3", "E4", "FA", *(f"F{i}" for i in range(1, 10)),
    "TA", *(f"T{i}" for i in range(1, 10)), "LT", "RT", "LC", "LD", "LM", "RC", "RI",
)  # fmt: skip
EM_BYPASS_MODIFIERS = ("24", "25", "57")  # on a column-2 E/M 99202–99499


# --- the edition each line is judged with -------------------------------------------------------


def ncci_editions(inputs: Inputs, kind: str) -> list[tuple[int, NcciEdition]]:
    """The loaded editions that hold ``kind`` (``ptp``, ``mue``, ``add_on``), with their index in
    ``inputs.reference.ncci``."""
    return [(i, e) for i, e in enumerate(inputs.reference.ncci) if getattr(e, kind) is not None]


def stacked_editions(
    inputs: Inputs, kind: str, index: str, *columns: str | pl.Expr
) -> pl.LazyFrame | None:
    """Every loaded edition's ``kind`` table (``ptp``, ``mue``, ``add_on``) as ``columns``, stacked
    with the edition's index in ``inputs.reference.ncci`` as ``index`` (Int32): one join against
    it looks each line up in its own edition. None when no loaded edition holds ``kind``."""
    tables = [
        getattr(edition, kind).lazy().select(pl.lit(i, dtype=pl.Int32).alias(index), *columns)
        for i, edition in ncci_editions(inputs, kind)
    ]
    return pl.concat(tables) if tables else None


def edition_per_dos(lf: pl.LazyFrame, inputs: Inputs, kind: str, prefix: str) -> pl.LazyFrame:
    """Per distinct non-null DOS of ``lf`` that some loaded edition judges, the edition it is
    judged with: ``{prefix}_edition_index`` (into ``inputs.reference.ncci``), ``{prefix}_edition``
    (its first day), ``{prefix}_exact`` (the edition is the DOS's quarter's). The edition of the
    DOS's quarter wins, else the nearest quarter within 365 days; among equals the one given
    last. A DOS no edition is near has no row."""
    editions = ncci_editions(inputs, kind)
    if not editions:
        return pl.LazyFrame(
            schema={
                DOS: pl.Date,
                f"{prefix}_edition_index": pl.Int32,
                f"{prefix}_edition": pl.Date,
                f"{prefix}_exact": pl.Boolean,
            }
        )
    table = pl.LazyFrame(
        {
            "_index": [i for i, _ in editions],
            "_start": [e.edition for _, e in editions],
            "_end": [e.quarter_end for _, e in editions],
        },
        schema={"_index": pl.Int32, "_start": pl.Date, "_end": pl.Date},
    )
    days = pl.col(DOS)
    distance = (
        pl.when(days < pl.col("_start"))
        .then((pl.col("_start") - days).dt.total_days())
        .when(days > pl.col("_end"))
        .then((days - pl.col("_end")).dt.total_days())
        .otherwise(0)
    )
    dates = lf.select(DOS).unique().filter(pl.col(DOS).is_not_null())
    return (
        dates.join(table, how="cross")
        .with_columns(distance.alias("_distance"))
        .filter(pl.col("_distance") <= NEAREST_EDITION_DAYS)
        .sort([DOS, "_distance", "_index"], descending=[False, False, True])
        .group_by(DOS, maintain_order=True)
        .first()
        .select(
            DOS,
            pl.col("_index").alias(f"{prefix}_edition_index"),
            pl.col("_start").alias(f"{prefix}_edition"),
            (pl.col("_distance") == 0).alias(f"{prefix}_exact"),
        )
    )


def _edition_join(lf: pl.LazyFrame, inputs: Inputs, kind: str, prefix: str) -> pl.LazyFrame:
    """``lf`` with the three columns of ``edition_per_dos`` (nulls and ``{prefix}_exact`` false
    where no loaded edition judges the DOS), joined on the DOS (a few hundred dates), not per
    line."""
    return lf.join(
        edition_per_dos(lf, inputs, kind, prefix), on=DOS, how="left", nulls_equal=False
    ).with_columns(pl.col(f"{prefix}_exact").fill_null(value=False))


# the most days from the lines' first DOS to their last for which the editions are gathered by
# the day's position (`Editions`); a wider span is joined on the DOS
DAYS_GATHERED = 100_000


class Editions:
    """The edition every DOS of ``lf`` is judged with (``edition_per_dos``), set beside lines
    by the day's position from the lines' first DOS: one edition per calendar day from the
    first DOS to the last, so a line's columns are three gathers at ``DOS - first`` days (a
    null DOS gathers nulls) instead of a join of every line on its DOS (0.005 against 0.03 s
    on a million lines). When the span is wider than ``DAYS_GATHERED`` days the columns are
    joined on the DOS (``edition_per_dos``), as they would be without it."""

    def __init__(self, lf: pl.LazyFrame, inputs: Inputs, kind: str, prefix: str) -> None:
        self.inputs, self.kind, self.prefix = inputs, kind, prefix
        self.names = (f"{prefix}_edition_index", f"{prefix}_edition", f"{prefix}_exact")
        bounds = lf.select(pl.col(DOS).min().alias("lo"), pl.col(DOS).max().alias("hi"))
        lo, hi = bounds.collect(engine=IN_MEMORY).row(0)
        self.first = lo
        self.by_day: pl.DataFrame | None = None
        if lo is not None and (hi - lo).days < DAYS_GATHERED:
            days = pl.DataFrame({DOS: pl.date_range(lo, hi, eager=True)})
            self.by_day = (
                _edition_join(days.lazy(), inputs, kind, prefix).sort(DOS).collect(engine=IN_MEMORY)
            )

    def of(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """``lf`` (whose DOS are among the lines') with the three columns, as ``_edition_join``
        adds them."""
        if self.by_day is None:
            return _edition_join(lf, self.inputs, self.kind, self.prefix)
        day = (pl.col(DOS) - pl.lit(self.first)).dt.total_days()
        index, edition, exact = (self.by_day.get_column(n) for n in self.names)
        return lf.with_columns(
            pl.lit(index).gather(day).alias(index.name),
            pl.lit(edition).gather(day).alias(edition.name),
            pl.lit(exact).gather(day).fill_null(value=False).alias(exact.name),
        )


def edition_per_line(lf: pl.LazyFrame, inputs: Inputs, kind: str, prefix: str) -> pl.LazyFrame:
    """``_row`` with the edition each line's DOS is judged with: ``{prefix}_edition_index`` (into
    ``inputs.reference.ncci``; null when no loaded edition's quarter is within 365 days of the
    DOS), ``{prefix}_edition`` (its first day), ``{prefix}_exact`` (the edition is the DOS's
    quarter's): ``edition_per_dos``, per line (joined on the DOS: ``lf`` stays lazy)."""
    return _edition_join(lf.select(ROW, DOS), inputs, kind, prefix).select(
        ROW, f"{prefix}_edition_index", f"{prefix}_edition", f"{prefix}_exact"
    )


def in_force(dos: pl.Expr) -> pl.Expr:
    """An edit row in force on ``dos``: deletion date empty or after it, effective date empty (the
    shipped copy has none) or on or before it."""
    return (pl.col(DELETION_DATE).is_null() | (pl.col(DELETION_DATE) > dos)) & (
        pl.col(EFFECTIVE_DATE).is_null() | (pl.col(EFFECTIVE_DATE) <= dos)
    )


def _live(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.filter(v.not_superseded)


def _any_modifier(codes: tuple[str, ...]) -> pl.Expr:
    return v.modifiers.list.eval(pl.element().is_in(codes)).list.any().fill_null(value=False)


# --- NC001 --------------------------------------------------------------------------------------

NC001_COLUMN_1 = "nc001_column_1"
NC001_INDICATOR = "nc001_indicator"
PTP_EDITION = "ptp_edition"
PTP_EXACT = "ptp_exact"
PTP_EDITION_INDEX = "ptp_edition_index"


def ncci_ptp_pairs(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """NC001's columns: the PTP edition of each line's DOS (``ptp_edition``, ``ptp_exact``,
    ``ptp_edition_index``) and, on a column-2 line no modifier bypasses, the column-1 code it is
    paired with (``nc001_column_1``, the smallest when several) and the edit's modifier indicator
    (``nc001_indicator``). Other lines get nulls."""
    empty = pl.LazyFrame(
        schema={ROW: pl.UInt32, NC001_COLUMN_1: pl.String, NC001_INDICATOR: pl.String}
    )
    # every edition's PTP table stacked with its index: one join for all editions
    table = stacked_editions(
        inputs,
        "ptp",
        PTP_EDITION_INDEX,
        COLUMN_1_CODE,
        COLUMN_2_CODE,
        EFFECTIVE_DATE,
        DELETION_DATE,
        MODIFIER_INDICATOR,
    )
    editions = Editions(lf, inputs, "ptp", "ptp")
    flagged = empty if table is None else _ptp_flagged(lf, editions, table)
    row_type = lf.collect_schema()[ROW]
    return editions.of(lf).join(
        flagged.with_columns(pl.col(ROW).cast(row_type)), on=ROW, how="left"
    )


def _ptp_flagged(lf: pl.LazyFrame, editions: Editions, ptp: pl.LazyFrame) -> pl.LazyFrame:
    """``_row``, ``nc001_column_1`` and ``nc001_indicator`` of the column-2 lines NC001 flags.

    The pairs of lines of one day (person, rendering NPI, DOS; null keys never pair) are found
    by a join on a 64-bit hash of the day's key with only the rows and codes (a day key's three
    columns copied into every pair cost three times the join); the pairs whose codes are an edit
    of the day's edition are then checked on the real key (a hash collision is no pair) and on
    the edit's dates and modifier indicator.

    Only the lines of a day key whose hash is repeated can pair (`repeated`: a line alone in its
    hash is alone in its day; 313k of 1M lines on the 1M practice), and of those only the lines
    of a code some edit names as column 1 meet the lines of a code some edit names as column 2.
    """
    lines = (
        _live(lf)
        .filter(pl.all_horizontal(pl.col(k).is_not_null() for k in [*DAY_KEY, c.HCPCS_CODE]))
        .select(ROW, *DAY_KEY, c.HCPCS_CODE, key_hash(DAY_KEY).alias("_day"))
        .collect(engine=IN_MEMORY)
    )
    lines = lines.filter(repeated(lines.get_column("_day")))
    # the edits between codes the lines hold (a few hundred of two million rows)
    codes = lines.get_column(c.HCPCS_CODE).unique().implode()
    # (the column-2 test only on the rows the column-1 test keeps: 0.014 against 0.031 s for both
    # tests over the 2.1M rows)
    edits = (
        ptp.filter(pl.col(COLUMN_1_CODE).is_in(codes))
        .collect(engine=IN_MEMORY)
        .filter(pl.col(COLUMN_2_CODE).is_in(codes))
    )
    # the lines whose DOS some loaded edition judges, with its index
    keyed = editions.of(lines.lazy()).filter(pl.col(PTP_EDITION_INDEX).is_not_null())
    column_1 = edits.get_column(COLUMN_1_CODE).unique().implode()
    column_2 = edits.get_column(COLUMN_2_CODE).unique().implode()
    pairs = (
        keyed.filter(pl.col(c.HCPCS_CODE).is_in(column_1))
        .select("_day", pl.col(c.HCPCS_CODE).alias(COLUMN_1_CODE), pl.col(ROW).alias("_r1"))
        .join(
            keyed.filter(pl.col(c.HCPCS_CODE).is_in(column_2)).select(
                "_day", ROW, c.HCPCS_CODE, PTP_EDITION_INDEX
            ),
            on="_day",
            how="inner",
        )
        .filter(pl.col("_r1") != pl.col(ROW))
        .join(
            edits.lazy(),
            left_on=[PTP_EDITION_INDEX, COLUMN_1_CODE, c.HCPCS_CODE],
            right_on=[PTP_EDITION_INDEX, COLUMN_1_CODE, COLUMN_2_CODE],
            how="inner",
        )
        .collect(engine=IN_MEMORY)
    )
    day = lines.lazy()
    day_1 = day.select(pl.col(ROW).alias("_r1"), *(pl.col(k).alias(f"_1{k}") for k in DAY_KEY))
    modifiers = lf.select(ROW, v.MODIFIERS)
    return (
        pairs.lazy()
        .join(day.select(ROW, *DAY_KEY), on=ROW, how="inner")
        .join(day_1, on="_r1", how="inner")
        .filter(*(pl.col(f"_1{k}") == pl.col(k) for k in DAY_KEY))
        .filter(in_force(pl.col(DOS)))
        .join(modifiers, on=ROW, how="inner")
        .filter(
            (pl.col(MODIFIER_INDICATOR) == "0")
            | (
                (pl.col(MODIFIER_INDICATOR) == "1")
                & ~_any_modifier(BYPASS_MODIFIERS)
                & ~(
                    CODE.str.contains(r"^99[2-4][0-9]{2}$")
                    & (CODE >= "99202")
                    & _any_modifier(EM_BYPASS_MODIFIERS)
                )
            )
        )
        .sort(COLUMN_1_CODE)
        .group_by(ROW)
        .agg(
            pl.col(COLUMN_1_CODE).first().alias(NC001_COLUMN_1),
            pl.col(MODIFIER_INDICATOR).first().alias(NC001_INDICATOR),
        )
    )


def _edition_note(edition: str, exact: str) -> pl.Expr:
    return (
        pl.when(pl.col(exact))
        .then(pl.format("NCCI edition {}", pl.col(edition).cast(pl.String)))
        .otherwise(
            pl.format(
                "no NCCI edition for this DOS's quarter is loaded; judged with the nearest, {}",
                pl.col(edition).cast(pl.String),
            )
        )
    )


def _nc001_message() -> pl.Expr:
    return pl.format(
        "{} on {} is the column-2 code of the NCCI PTP edit {}/{} (modifier indicator {}), "
        "billed with {} for the same person and rendering NPI ({})",
        CODE,
        pl.col(DOS).cast(pl.String),
        pl.col(NC001_COLUMN_1),
        CODE,
        pl.col(NC001_INDICATOR),
        pl.col(NC001_COLUMN_1),
        _edition_note(PTP_EDITION, PTP_EXACT),
    )


def _nc001_fix() -> pl.Expr:
    return (
        pl.when(pl.col(NC001_INDICATOR) == "0")
        .then(
            pl.format(
                "{} is not separately payable with {} on the same day by the same practitioner "
                "(indicator 0: no modifier bypasses the edit): bill {} alone",
                CODE,
                pl.col(NC001_COLUMN_1),
                pl.col(NC001_COLUMN_1),
            )
        )
        .otherwise(
            pl.format(
                "bill {} alone; only if {} was a distinct service (separate encounter, "
                "anatomic site or session) that the record made at the time shows, bill it with "
                "the NCCI-associated modifier that applies (XE, XS, XP, XU or 59; 25 on a "
                "significant, separately identifiable E/M)",
                pl.col(NC001_COLUMN_1),
                CODE,
            )
        )
    )


def _ncci_severity(exact: str) -> pl.Expr:
    """Error for Medicare with the DOS's quarter's edition; warning otherwise (another quarter's
    edition, or a payer not bound by Medicare's NCCI files)."""
    return pl.when(pl.col(exact) & v.is_medicare).then(pl.lit("error")).otherwise(pl.lit("warning"))


def _ptp_unjudged() -> pl.Expr:
    return pl.col(PTP_EDITION).is_null() & ~v.superseded


@rule(
    code="NC001",
    severity="error",
    message=_nc001_message,
    fix=_nc001_fix,
    prepare=(ncci_ptp_pairs,),
    suppressed_where=("CD001", "TM004", "FQ004"),
    line_severity=lambda: _ncci_severity(PTP_EXACT),
    partial_when=_ptp_unjudged,
    partial_reason="DOS more than 365 days from the quarter of every loaded NCCI PTP edition",
)
def ncci_procedure_pair() -> pl.Expr:
    """Two codes billed together that the NCCI procedure-to-procedure (PTP) edits do not pay
    together: the column-2 code is flagged.

    What it checks: two lines of one person, one rendering NPI and one DOS (on any claims, lines
    of replaced or voided claims excepted) whose codes are a column-1/column-2 pair of the NCCI
    practitioner PTP edits in force on the DOS (deletion date empty or after the DOS, effective
    date on or before it where the file gives one). The column-2 line is flagged unless the
    edit's modifier indicator is 9 (not applicable), or it is 1 and the column-2 line carries an
    NCCI-associated modifier: 59, XE, XS, XP, XU, 91, 27, 58, 78, 79, an anatomic modifier (E1–E4,
    FA, F1–F9, TA, T1–T9, LT, RT, LC, LD, LM, RC, RI), or, on an E/M 99202–99499, 24, 25 or 57.
    With indicator 0 no modifier bypasses the edit. The edits of the DOS's quarter are used when
    that edition is loaded (telekit ships 2024-07-01; pass CMS's quarterly files with --ncci);
    otherwise the nearest loaded edition judges it as a warning (the message names it), and a DOS
    more than 365 days outside every loaded edition's quarter is not judged (the rule is
    partial). Medicare lines are errors; other payers' lines are warnings with no amount (their
    contracts decide whether they apply Medicare's NCCI edits; Medicaid has its own files). A line
    CD001 or TM004 flags gets no NC001 finding.

    Why: CMS's National Correct Coding Initiative bundles a column-2 code into its column-1 code
    when both are reported by the same practitioner for the same beneficiary on the same date;
    the column-2 line is denied (CARC 97/B15-type) or, if paid, overpaid.

    Sources: NCCI Policy Manual for Medicare Services, ch. I "General Correct Coding Policies"
    (§E modifiers and modifier indicators),
    https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medicare-ncci-policy-manual;
    CMS "Medicare
    NCCI Procedure to Procedure (PTP) Edits",
    https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medicare-ncci-procedure-procedure-ptp-edits
    (the edit tables and their modifier indicators 0/1/9).

    Example: 99214 and 99213 for one patient by one NPI on 2024-08-12 (edit 99214/99213,
    indicator 1, no modifier): the 99213 line is flagged; 90834 with 90832 the same day (edit
    90834/90832, indicator 0) is flagged whatever the modifiers.

    Instead: bill the column-1 code alone; with indicator 1, the column-2 code is billable with
    XE/XS/XP/XU or 59 (25 on an E/M) only when it was a distinct service the record made at the
    time shows.
    """
    return pl.col(NC001_COLUMN_1).is_not_null()


# --- NC002 --------------------------------------------------------------------------------------

NC002_MUE = "nc002_mue"
NC002_MAI = "nc002_mai"
NC002_UNITS = "nc002_units"  # the units judged: the line's (MAI 1) or the day's so far (2, 3)
NC002_OVER = "nc002_over"
MUE_EDITION = "mue_edition"
MUE_EXACT = "mue_exact"
MUE_EDITION_INDEX = "mue_edition_index"


def ncci_mue_units(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """NC002's columns: the MUE edition of each line's DOS (``mue_edition``, ``mue_exact``), the
    code's MUE value and adjudication indicator (``nc002_mue``, ``nc002_mai``), the units judged
    (``nc002_units``: the line's for MAI 1, the running sum of the code's units for the person,
    rendering NPI and DOS in sort order for MAI 2 and 3) and whether they exceed the value
    (``nc002_over``)."""
    editions = Editions(lf, inputs, "mue", "mue")
    # the live lines whose DOS some loaded edition judges
    units = pl.col(c.SERVICE_UNIT_QUANTITY).fill_null(0)
    group = [*DAY_KEY, c.HCPCS_CODE]
    # only what every line needs goes through the join with the table (the row, the join's keys,
    # the units and the group's hash: the day's key and the sort keys, gathered through the join
    # for 686k lines, were a third of its cost); the few lines not alone in their group take
    # them afterwards
    lines = (
        editions.of(_live(lf).select(ROW, *DAY_KEY, c.HCPCS_CODE, c.SERVICE_UNIT_QUANTITY))
        .filter(pl.col(MUE_EDITION_INDEX).is_not_null())
        .select(ROW, MUE_EDITION_INDEX, c.HCPCS_CODE, c.SERVICE_UNIT_QUANTITY, key_hash(group))
    )
    # one join on (edition, code) against every edition's MUE table stacked
    table = stacked_editions(
        inputs,
        "mue",
        MUE_EDITION_INDEX,
        c.HCPCS_CODE,
        pl.col(MUE_VALUE).alias(NC002_MUE),
        pl.col(MUE_ADJUDICATION_INDICATOR).alias(NC002_MAI),
    )
    if table is None:
        return editions.of(lf).with_columns(
            pl.lit(None, dtype=pl.Int32).alias(NC002_MUE),
            pl.lit(None, dtype=pl.String).alias(NC002_MAI),
            pl.lit(None, dtype=c.UNITS).alias(NC002_UNITS),
            pl.lit(None, dtype=pl.Boolean).alias(NC002_OVER),
        )
    matched = lines.join(table, on=[MUE_EDITION_INDEX, c.HCPCS_CODE], how="inner").collect(
        engine=IN_MEMORY
    )
    # a line whose group's hash is unique is alone in its group (lines of one group share their
    # hash): its day's units are its own. Only the other lines (a few thousand of a million)
    # need the sort and the running sum. (`repeated`: one sort of the hashes, not a hash table.)
    matched = matched.with_columns((~repeated(matched.get_column(KEY_HASH))).alias("_alone"))
    alone = matched.filter(pl.col("_alone")).select(
        ROW, NC002_MUE, NC002_MAI, units.cast(c.UNITS).alias(NC002_UNITS)
    )
    # The frame is sorted by the day's group (person, NPI, code, DOS) then the sort keys, so a
    # group starts where a key differs from the previous row's: the running sum within the group
    # is the running sum of the frame less its value before the group's first row (exact:
    # Decimal), without a window over many small groups.
    starts = pl.any_horizontal([pl.col(g).ne_missing(pl.col(g).shift(1)) for g in group]).fill_null(
        True
    )
    running = units.cum_sum()
    day_sum = running - pl.when(starts).then(running - units).forward_fill()
    rest = matched.filter(~pl.col("_alone")).select(ROW, NC002_MUE, NC002_MAI)
    keys = (
        lf.filter(pl.col(ROW).is_in(rest.get_column(ROW).implode()))
        .select(ROW, *DAY_KEY, *SORT_KEYS[1:], c.HCPCS_CODE, c.SERVICE_UNIT_QUANTITY)
        .collect(engine=IN_MEMORY)
    )
    together = (
        rest.join(keys, on=ROW, how="left")
        .sort([*DAY_KEY[:2], c.HCPCS_CODE, *SORT_KEYS], nulls_last=True)
        .select(
            ROW,
            NC002_MUE,
            NC002_MAI,
            pl.when(pl.col(NC002_MAI) == "1")
            .then(units)
            .otherwise(day_sum)
            .cast(c.UNITS)
            .alias(NC002_UNITS),
        )
    )
    judged = (
        pl.concat([alone, together])
        .lazy()
        .with_columns((pl.col(NC002_UNITS) > pl.col(NC002_MUE).cast(c.UNITS)).alias(NC002_OVER))
    )
    return editions.of(lf).join(judged, on=ROW, how="left")


def _nc002_message() -> pl.Expr:
    per = (
        pl.when(pl.col(NC002_MAI) == "1")
        .then(pl.lit("on this line (MUE adjudication indicator 1: per line)"))
        .otherwise(
            pl.format(
                "for the same person, rendering NPI and DOS up to this line (MUE adjudication "
                "indicator {}: per day)",
                pl.col(NC002_MAI),
            )
        )
    )
    return pl.format(
        "{} units of {} {} exceed the practitioner MUE of {} ({})",
        pl.col(NC002_UNITS)
        .cast(pl.Int64, strict=False)
        .cast(pl.String)
        .fill_null(pl.col(NC002_UNITS).cast(pl.String)),
        CODE,
        per,
        pl.col(NC002_MUE),
        _edition_note(MUE_EDITION, MUE_EXACT),
    )


def _nc002_fix() -> pl.Expr:
    return (
        pl.when(pl.col(NC002_MAI) == "1")
        .then(
            pl.format(
                "bill at most {} units of {} per line; units furnished beyond it on the same day "
                "go on a separate line only with the modifier that shows why (e.g. 76, 91, XE, "
                "anatomic)",
                pl.col(NC002_MUE),
                CODE,
            )
        )
        .otherwise(
            pl.format(
                "bill at most {} units of {} for the day (per-day edit); correct the units to what "
                "was furnished",
                pl.col(NC002_MUE),
                CODE,
            )
        )
    )


def _mue_unjudged() -> pl.Expr:
    return pl.col(MUE_EDITION).is_null() & ~v.superseded


@rule(
    code="NC002",
    severity="error",
    message=_nc002_message,
    fix=_nc002_fix,
    prepare=(ncci_mue_units,),
    suppressed_where=("CD001", "TM004", "FQ004"),
    line_severity=lambda: _ncci_severity(MUE_EXACT),
    partial_when=_mue_unjudged,
    partial_reason="DOS more than 365 days from the quarter of every loaded NCCI MUE edition",
)
def mue_units_exceeded() -> pl.Expr:
    """Units of service above the practitioner medically unlikely edit (MUE) for the code.

    What it checks: the units of a line against the practitioner MUE value in force on the DOS.
    MUE adjudication indicator (MAI) 1: the line's own units. MAI 2 (per day, absolute policy) and
    3 (per day, clinical): the code's units summed for the same person, rendering NPI and DOS,
    lines taken in order (DOS, submission date, claim, line; replaced or voided claims excepted):
    every line at which the running sum passes the value is flagged. Editions as NC001: the DOS's
    quarter's edition when loaded, else the nearest (a warning naming it), none beyond 365 days
    (partial). Medicare lines are errors; other payers' are warnings with no amount. A line
    CD001 or TM004 flags gets no NC002 finding.

    Why: an MUE is the most units of a code a practitioner reports for one beneficiary on one
    date in almost every case; units above it are denied (MAI 1: the line; MAI 2 and 3: the
    day's units), and MAI 2 values are set by policy, so they are not appealable on clinical
    grounds.

    Sources: NCCI Policy Manual for Medicare Services, ch. I "General Correct Coding Policies"
    (medically unlikely edits),
    https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medicare-ncci-policy-manual;
    CMS "Medically Unlikely Edits",
    https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medically-unlikely-edits
    (the practitioner services MUE table and the MAI definitions);
    Medicare Program Integrity Manual (Pub. 100-08) ch. 3 (MUE denials).

    Example: 99213 has a practitioner MUE of 2 with MAI 3 (2024-07-01); three 99213 lines for one
    patient by one NPI on 2024-08-12 flag the third. G0514 has MUE 1 with MAI 1: a line with 2
    units is flagged.

    Instead: bill the units furnished, within the MUE; for MAI 1 codes, units on a separate line
    with the modifier that shows a distinct service.
    """
    return pl.col(NC002_OVER).fill_null(value=False)
