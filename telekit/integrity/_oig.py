"""``oig_measures``: the OIG's seven telehealth integrity measures per (rendering NPI, year).

Every step is a polars join or group-by over whole frames (no Python per line): the claim lines
are annotated once with DESIGN §5's definitions (``_engine._annotate``), filtered to the lines in
scope, and each measure is one group-by per (rendering NPI, calendar year).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final

import polars as pl

from telekit import codesets
from telekit._core import _columns as c
from telekit._core._exceptions import InputError, MissingColumnError
from telekit._engine import _vocabulary as v
from telekit._engine._annotate import annotate_lines
from telekit._policies._model import BUILTIN_POLICIES
from telekit._read._arguments import TableInput, as_frame
from telekit.integrity._data import equipment_codes, highest_level_codes
from telekit.integrity._measures import (
    BENEFICIARIES,
    DUAL_FFS_MA_SHARE,
    EQUIPMENT_ORDER_SHARE,
    FACILITY_FEE_SHARE,
    HIGHEST_LEVEL_SHARE,
    MEASURES,
    MINUTES_PER_VISIT,
    OPERATORS,
    TELEHEALTH_DAYS,
    Threshold,
    resolve_thresholds,
)

__all__ = ["OIG_PAYER_TYPES", "YEAR", "oig_finish", "oig_measures", "oig_parts", "oig_schema"]

YEAR = "year"
TELEHEALTH_VISITS = "telehealth_visits"
MEASURES_EXCEEDED = "measures_exceeded"
#: The brief's data: Medicare fee-for-service claims and Medicare Advantage encounter data.
OIG_PAYER_TYPES: Final = ("medicare", "medicare_advantage")

NPI = c.RENDERING_NPI
PERSON = c.PERSON_ID
DOS = c.CLAIM_LINE_START_DATE
CODE = c.HCPCS_CODE
KEY: Final = (NPI, YEAR)
VISIT: Final = (NPI, YEAR, PERSON, DOS)

_NUM = "_num"
_DEN = "_den"
_REASON = "_reason"
_TELEHEALTH = "_telehealth"
_MINUTES = "_minutes"


def oig_schema() -> pl.Schema:
    """The columns of ``oig_measures``' result, in order."""
    cols: dict[str, pl.DataType] = {
        NPI: pl.String(),
        YEAR: pl.Int32(),
        TELEHEALTH_VISITS: pl.Int64(),
    }
    for m in MEASURES:
        cols[m.name] = pl.Float64()
        cols[f"{m.name}_numerator"] = pl.Float64()
        cols[f"{m.name}_denominator"] = pl.Int64()
        cols[f"{m.name}_threshold"] = pl.Float64()
        cols[f"{m.name}_exceeded"] = pl.Boolean()
        cols[f"{m.name}_percentile"] = pl.Float64()
        cols[f"{m.name}_reason"] = pl.String()
    cols[MEASURES_EXCEEDED] = pl.Int32()
    return pl.Schema(cols)


def _years(year: int | Iterable[int] | None) -> list[int] | None:
    if year is None:
        return None
    if isinstance(year, bool):
        msg = "oig_measures: year must be an int, an iterable of ints or None"
        raise ValueError(msg)
    if isinstance(year, int):
        return [year]
    years = list(year)
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        msg = "oig_measures: year must be an int, an iterable of ints or None"
        raise ValueError(msg)
    return years


def _minutes_table(minutes_per_code: pl.DataFrame | pl.LazyFrame | None) -> pl.DataFrame:
    """(hcpcs_code, minutes Float64) — the given table or the shipped default."""
    if minutes_per_code is None:
        table = codesets.minutes_per_code()
    else:
        table = minutes_per_code.lazy().collect()
    missing = [col for col in (CODE, "minutes") if col not in table.columns]
    if missing:
        msg = (
            f"minutes_per_code has no column {', '.join(missing)} (found: "
            f"{', '.join(table.columns)}); give one row per code with hcpcs_code and minutes "
            "(see telekit.codesets.minutes_per_code())"
        )
        raise MissingColumnError(msg)
    if not table.schema["minutes"].is_numeric():
        msg = f"minutes_per_code.minutes must be numeric, found {table.schema['minutes']}"
        raise InputError(msg)
    out = table.select(
        pl.col(CODE).cast(pl.String).str.strip_chars().str.to_uppercase(),
        pl.col("minutes").cast(pl.Float64).alias(_MINUTES),
    ).drop_nulls()
    if out.filter(pl.col(_MINUTES) < 0).height:
        msg = "minutes_per_code.minutes must be >= 0"
        raise InputError(msg)
    repeated = out.height - out.get_column(CODE).n_unique()
    if repeated:
        msg = f"minutes_per_code repeats {repeated} hcpcs_code value(s); keep one row per code"
        raise InputError(msg)
    return out


def _is_equipment(code: pl.Expr) -> pl.Expr:
    ranges = equipment_codes()
    tests = [
        (code.str.len_chars() == len(lo)) & code.is_between(pl.lit(lo), pl.lit(hi))
        for lo, hi in zip(
            ranges.get_column("hcpcs_code_from"), ranges.get_column("hcpcs_code_to"), strict=True
        )
    ]
    return pl.any_horizontal(tests).fill_null(False) if tests else pl.lit(False)


def _share(frame: pl.DataFrame, flag: str) -> pl.DataFrame:
    """Per (NPI, year): how many rows have ``flag`` (numerator) out of all rows (denominator)."""
    return frame.group_by(KEY).agg(
        pl.col(flag).sum().cast(pl.Float64).alias(_NUM), pl.len().cast(pl.Int64).alias(_DEN)
    )


def oig_measures(
    claims: TableInput,
    encounters: TableInput | None = None,
    *,
    year: int | Iterable[int] | None = None,
    thresholds: Mapping[str, Threshold | float | int] | None = None,
    minutes_per_code: pl.DataFrame | pl.LazyFrame | None = None,
    payer_types: Collection[str] | None = OIG_PAYER_TYPES,
    include_virtual_care: bool = False,
) -> pl.DataFrame:
    """The OIG's seven telehealth program-integrity measures per (rendering NPI, calendar year).

    Source: HHS-OIG data brief OEI-02-20-00720 (2022) and toolkit OEI-02-20-00723 (2023), known
    only through secondary sources (``oig-integrity-measures.md``); every point marked
    [unverified] below is telekit's choice where OIG's exact method is not known.

    Inputs: ``claims`` (``Table``, frame or path, coerced like ``tk.read_claims``; reader
    rejects are left out), ``encounters`` optional (a line on an ``in_person`` encounter is not
    telehealth). ``year``: a calendar year, several, or ``None`` for every year in the data.
    ``thresholds``: ``{measure: Threshold(value, operator, min_volume) | number}`` over the
    defaults (a number keeps the default operator). ``minutes_per_code``: a frame with
    ``hcpcs_code`` and ``minutes`` (per billed unit) replacing the shipped
    ``telekit.codesets.minutes_per_code()``. ``payer_types``: the lines in scope — by default
    Medicare FFS and Medicare Advantage, the brief's data (``None`` = every payer, the toolkit's
    "your own program" use). ``include_virtual_care``: also count CTBS (virtual check-ins,
    e-visits, remote monitoring, telephone assessment) as telehealth services, as the toolkit
    suggests considering ([unverified] whether OIG's brief did; default off, DESIGN's telehealth
    line).

    Lines in scope: payer_type in ``payer_types``, DOS in ``year``, rendering NPI and person
    present, not superseded (a claim replaced or voided by a frequency 7/8 claim, and the voids
    themselves, are left out: final action only). **Telehealth service**: DESIGN §5's telehealth
    line (a POS 02/10 or a 95/93/GT/GQ/FQ/G0 modifier, not CTBS, not Q3014, encounter not
    in person). **Visit** [unverified]: one (rendering NPI, person, DOS) with a telehealth service.
    One row per (rendering NPI, calendar year) with at least one telehealth service (OIG's
    universe: providers who billed telehealth; the brief's review year was March 2020 – February
    2021, telekit uses calendar years). ``telehealth_visits`` counts the visits.

    For each measure m: ``m`` (Float64), ``m_numerator``, ``m_denominator`` (null for the two
    counts), ``m_threshold``, ``m_exceeded`` (``m <operator> threshold`` and the denominator —
    for a count, the count — at least ``min_volume``), ``m_percentile`` (percentile rank among the
    providers of the same year with a computable value: 100 × (providers below + half of those
    equal, itself included) ÷ providers; all equal → 50, the highest of 10 distinct → 95)
    and ``m_reason`` (why the measure is not computable; null otherwise). A measure that cannot
    be computed from the data is null with its reason, never zero. ``measures_exceeded`` counts
    the measures exceeded.

    1. ``facility_fee_share`` (default ≥ 0.75): telehealth visits for which the same rendering
       NPI billed Q3014 (originating-site facility fee) for the same person and DOS ÷ telehealth
       visits. Q3014 as OIG's code and the match key are [unverified].
    2. ``highest_level_share`` (default = 1.0, "every time"): telehealth visits with an E/M code
       at the top of its family ÷ telehealth visits with an E/M code of the office, nursing
       facility, domiciliary and home families (``highest_level_codes()``; OIG's code list and
       the new/established split are [unverified]; 98000–98015 are included as a telekit
       extension). Not computable without such visits.
    3. ``telehealth_days`` (default > 300): distinct DOS with a telehealth service.
    4. ``dual_ffs_ma_share`` (default > 0.20): telehealth services — distinct (person, DOS,
       hcpcs_code) of the provider, the "same service" key being [unverified] — billed to both
       payer_type ``medicare`` and ``medicare_advantage`` ÷ the provider's telehealth services
       billed to either. Needs payer_type per person across lines: not computable when
       ``payer_types`` leaves one of the two out, when the year's lines in scope hold no
       Medicare FFS or no MA line, or when the provider has no FFS/MA telehealth service.
    5. ``avg_minutes_per_visit`` (default > 120, "more than 2 hours"): Σ minutes_per_code ×
       service_unit_quantity over the telehealth lines of the visits ÷ those visits. OIG's time
       source is [unverified] (the shipped table is telekit's, ``oig_verified`` false). A visit
       counts when at least one of its lines has minutes; lines without minutes add none (so
       the average is a lower bound and never overstated). Not computable when no visit has a
       timed code.
    6. ``beneficiaries`` (default > 2,000, the brief; the toolkit says ≥ 2,000): distinct
       persons with a telehealth service.
    7. ``equipment_order_share`` (default ≥ 0.50): telehealth beneficiaries who also have a
       medical-equipment line (DMEPOS HCPCS ranges, ``equipment_codes()``) with the same
       rendering NPI in the year ÷ telehealth beneficiaries. OIG measured the provider as the
       *ordering* provider on DMEPOS suppliers' claims; claim lines carry no ordering provider,
       so this is a proxy computed only when the year's lines in scope hold DMEPOS codes; without
       them it is not computable. The time window is [unverified] (same calendar year here).
    """
    parts = oig_parts(
        claims,
        encounters,
        year=year,
        minutes_per_code=minutes_per_code,
        payer_types=payer_types,
        include_virtual_care=include_virtual_care,
    )
    return oig_finish([parts], thresholds=thresholds, payer_types=payer_types)


#: The partial frames of ``oig_parts``: what is summed per (NPI, year) across parts, and the
#: two that are not summable (distinct DOS per NPI; per-year flags), merged by ``oig_finish``.
_SUMMED: Final = (
    TELEHEALTH_VISITS,
    FACILITY_FEE_SHARE,
    HIGHEST_LEVEL_SHARE,
    BENEFICIARIES,
    DUAL_FFS_MA_SHARE,
    MINUTES_PER_VISIT,
    EQUIPMENT_ORDER_SHARE,
)
_DAYS: Final = "_days"  # (NPI, year, DOS) with a telehealth service
_YEARS: Final = "_years"  # per year: any Medicare FFS, any MA, any DMEPOS line in scope


def oig_parts(
    claims: TableInput,
    encounters: TableInput | None = None,
    *,
    year: int | Iterable[int] | None = None,
    minutes_per_code: pl.DataFrame | pl.LazyFrame | None = None,
    payer_types: Collection[str] | None = OIG_PAYER_TYPES,
    include_virtual_care: bool = False,
) -> dict[str, pl.DataFrame]:
    """The mergeable parts of ``oig_measures`` for claim lines of whole persons (the
    bounded-memory audit gives each bucket's; ``oig_finish`` merges them): per (NPI, year) the
    counts that sum across persons (visits, numerators and denominators of the shares,
    beneficiaries, visit minutes), and the two that do not — the (NPI, year, DOS) of telehealth
    services (distinct days) and per year whether any Medicare FFS, MA or DMEPOS line is in
    scope."""
    years = _years(year)
    minutes = _minutes_table(minutes_per_code)
    # a canonical frame is taken as is; anything else is read (rejected rows left out)
    claim_lines = as_frame("claims", claims)
    encounter_rows = None if encounters is None else as_frame("encounters", encounters)
    scope_types = None if payer_types is None else sorted(set(payer_types))

    annotated = annotate_lines(claim_lines, encounter_rows, BUILTIN_POLICIES)
    telehealth = v.telehealth_line
    if include_virtual_care:
        telehealth = telehealth | v.is_ctbs
    lines = annotated.select(
        NPI,
        PERSON,
        DOS,
        pl.col(DOS).dt.year().cast(pl.Int32).alias(YEAR),
        CODE,
        c.PAYER_TYPE,
        pl.col(c.SERVICE_UNIT_QUANTITY).cast(pl.Float64).fill_null(1.0).alias("_units"),
        telehealth.fill_null(False).alias(_TELEHEALTH),
        v.is_q3014.fill_null(False).alias("_q3014"),
        v.superseded,
    ).filter(
        ~v.superseded
        & pl.col(NPI).is_not_null()
        & pl.col(PERSON).is_not_null()
        & pl.col(DOS).is_not_null()
    )
    if scope_types is not None:
        lines = lines.filter(pl.col(c.PAYER_TYPE).is_in(scope_types))
    if years is not None:
        lines = lines.filter(pl.col(YEAR).is_in(years))
    scoped = lines.drop(v.SUPERSEDED).collect()
    tele = scoped.filter(pl.col(_TELEHEALTH))
    ffs, ma = OIG_PAYER_TYPES
    ptype = pl.col(c.PAYER_TYPE)

    visits = tele.select(VISIT).unique()
    parts: dict[str, pl.DataFrame] = {
        TELEHEALTH_VISITS: tele.group_by(KEY).agg(
            pl.struct(PERSON, DOS).n_unique().cast(pl.Int64).alias(_NUM)
        ),
        _DAYS: tele.select(NPI, YEAR, DOS).unique(),
        _YEARS: scoped.group_by(YEAR).agg(
            (ptype == ffs).any().alias("_year_ffs"),
            (ptype == ma).any().alias("_year_ma"),
            _is_equipment(pl.col(CODE)).any().alias("_year_has"),
        ),
    }

    # 1 facility fee: Q3014 by the same NPI for the same person and DOS
    fee = scoped.filter(pl.col("_q3014")).select(NPI, PERSON, DOS).unique()
    parts[FACILITY_FEE_SHARE] = _share(
        visits.join(
            fee.with_columns(pl.lit(True).alias("_fee")), on=[NPI, PERSON, DOS], how="left"
        ).with_columns(pl.col("_fee").fill_null(False)),
        "_fee",
    )

    # 2 highest level: visits with a family E/M code, those with a top code
    levels = highest_level_codes().select(CODE, "highest")
    em_visits = tele.join(levels, on=CODE, how="inner").group_by(VISIT).agg(pl.col("highest").any())
    parts[HIGHEST_LEVEL_SHARE] = _share(em_visits, "highest")

    # 6 beneficiaries: persons never span parts, so their distinct count sums
    parts[BENEFICIARIES] = tele.group_by(KEY).agg(
        pl.col(PERSON).n_unique().cast(pl.Float64).alias(_NUM)
    )

    # 4 services billed to both Medicare FFS and MA (a service is one person's)
    services = (
        tele.filter(ptype.is_in([ffs, ma]))
        .group_by(NPI, YEAR, PERSON, DOS, CODE)
        .agg((ptype == ffs).any().alias("_ffs"), (ptype == ma).any().alias("_ma"))
        .with_columns((pl.col("_ffs") & pl.col("_ma")).alias("_both"))
    )
    parts[DUAL_FFS_MA_SHARE] = _share(services, "_both")

    # 5 minutes per visit over visits with at least one timed line
    parts[MINUTES_PER_VISIT] = (
        tele.join(minutes, on=CODE, how="left")
        .group_by(VISIT)
        .agg(
            pl.col(_MINUTES).is_not_null().any().alias("_timed"),
            (pl.col(_MINUTES) * pl.col("_units")).sum().alias("_visit_minutes"),
        )
        .filter(pl.col("_timed"))
        .group_by(KEY)
        .agg(
            pl.col("_visit_minutes").sum().alias(_NUM),
            pl.len().cast(pl.Int64).alias(_DEN),
        )
    )

    # 7 telehealth beneficiaries with a DMEPOS line of the same NPI
    given = (
        scoped.filter(_is_equipment(pl.col(CODE)))
        .select(NPI, YEAR, PERSON)
        .unique()
        .with_columns(pl.lit(True).alias("_eq"))
    )
    benes = (
        tele.select(NPI, YEAR, PERSON)
        .unique()
        .join(given, on=[NPI, YEAR, PERSON], how="left")
        .with_columns(pl.col("_eq").fill_null(False))
    )
    parts[EQUIPMENT_ORDER_SHARE] = _share(benes, "_eq")
    return parts


def oig_finish(
    parts: Sequence[Mapping[str, pl.DataFrame]],
    *,
    thresholds: Mapping[str, Threshold | float | int] | None = None,
    payer_types: Collection[str] | None = OIG_PAYER_TYPES,
) -> pl.DataFrame:
    """``oig_measures``' result from the ``oig_parts`` of claim lines of disjoint persons (one
    part: the whole claims; ``payer_types`` the parts' own): the summable counts summed per
    (NPI, year), distinct days counted over every part's (NPI, year, DOS), per-year flags
    or-ed; then the measures, ``thresholds`` and percentiles, once."""
    limits = resolve_thresholds(thresholds)
    scope_types = None if payer_types is None else sorted(set(payer_types))

    def merged(name: str) -> pl.DataFrame:
        return pl.concat([p[name] for p in parts], how="vertical")

    universe = (
        merged(TELEHEALTH_VISITS)
        .group_by(KEY)
        .agg(pl.col(_NUM).sum().cast(pl.Int64).alias(TELEHEALTH_VISITS))
    )
    if universe.is_empty():
        return pl.DataFrame(schema=oig_schema())
    summed = {
        name: merged(name).group_by(KEY).agg(pl.all().sum())
        for name in _SUMMED
        if name != TELEHEALTH_VISITS
    }
    per_year = merged(_YEARS).group_by(YEAR).agg(pl.col("_year_ffs", "_year_ma", "_year_has").any())
    days = merged(_DAYS).unique().group_by(KEY).agg(pl.len().cast(pl.Float64).alias(_NUM))
    no_reason = pl.lit(None, dtype=pl.String).alias(_REASON)
    measures: dict[str, pl.DataFrame] = {
        FACILITY_FEE_SHARE: summed[FACILITY_FEE_SHARE].with_columns(no_reason),
        HIGHEST_LEVEL_SHARE: summed[HIGHEST_LEVEL_SHARE].with_columns(no_reason),
    }
    for name, counted in ((TELEHEALTH_DAYS, days), (BENEFICIARIES, summed[BENEFICIARIES])):
        measures[name] = counted.select(
            *KEY, _NUM, pl.lit(None, dtype=pl.Int64).alias(_DEN), no_reason
        )
    keys = universe.select(KEY)
    measures[DUAL_FFS_MA_SHARE] = _dual(keys, summed[DUAL_FFS_MA_SHARE], per_year, scope_types)
    measures[MINUTES_PER_VISIT] = _minutes(keys, summed[MINUTES_PER_VISIT])
    measures[EQUIPMENT_ORDER_SHARE] = _equipment(summed[EQUIPMENT_ORDER_SHARE], per_year)

    out = universe
    for m in MEASURES:
        out = out.join(
            measures[m.name].select(
                *KEY,
                pl.col(_NUM).alias(f"{m.name}_numerator"),
                pl.col(_DEN).alias(f"{m.name}_denominator"),
                pl.col(_REASON).alias(f"{m.name}_reason"),
            ),
            on=list(KEY),
            how="left",
        )
    out = out.with_columns(
        expr for m in MEASURES for expr in _finish(m.name, m.is_count, limits[m.name])
    )
    out = out.with_columns(
        (
            (pl.col(m.name).rank("average").over(YEAR).cast(pl.Float64) - 0.5)
            / pl.col(m.name).count().over(YEAR).cast(pl.Float64)
            * 100.0
        ).alias(f"{m.name}_percentile")
        for m in MEASURES
    ).with_columns(
        pl.sum_horizontal(
            pl.col(f"{m.name}_exceeded").fill_null(False).cast(pl.Int32) for m in MEASURES
        ).alias(MEASURES_EXCEEDED)
    )
    schema = oig_schema()
    return out.select(schema.names()).cast(schema).sort(YEAR, NPI)


#: Why a measure has no value for a provider when its own step gave no specific reason.
_NO_DATA: Final = {
    HIGHEST_LEVEL_SHARE: (
        "no telehealth E/M visit of the office, nursing facility, domiciliary or home families"
    ),
}


def _finish(name: str, is_count: bool, limit: Threshold) -> list[pl.Expr]:
    """Value, numerator/denominator (null when not computable), reason, threshold, exceeded."""
    num, den, reason = (
        pl.col(f"{name}_numerator"),
        pl.col(f"{name}_denominator"),
        pl.col(f"{name}_reason"),
    )
    if is_count:
        computable = reason.is_null() & num.is_not_null()
        value = num
        volume = num
    else:
        computable = reason.is_null() & num.is_not_null() & (den > 0).fill_null(False)
        value = num / den.cast(pl.Float64)
        volume = den.cast(pl.Float64)
    value = pl.when(computable).then(value)
    exceeded = OPERATORS[limit.operator](value, limit.value) & (volume >= limit.min_volume)
    return [
        value.alias(name),
        pl.when(computable).then(num).alias(f"{name}_numerator"),
        pl.when(computable).then(den).alias(f"{name}_denominator"),
        pl.lit(limit.value, dtype=pl.Float64).alias(f"{name}_threshold"),
        pl.when(value.is_not_null()).then(exceeded).alias(f"{name}_exceeded"),
        pl.when(computable)
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(reason.fill_null(pl.lit(_NO_DATA.get(name, "no data for this measure"))))
        .alias(f"{name}_reason"),
    ]


def _dual(
    keys: pl.DataFrame,
    share: pl.DataFrame,
    per_year: pl.DataFrame,
    scope_types: list[str] | None,
) -> pl.DataFrame:
    """Measure 4: services billed to both Medicare FFS and MA, with the reasons it cannot be."""
    ffs, ma = OIG_PAYER_TYPES
    left_out = [t for t in (ffs, ma) if scope_types is not None and t not in scope_types]
    if left_out:
        why = (
            f"payer_types leaves out {' and '.join(left_out)}: billing both Medicare FFS and MA "
            "for one service cannot be seen"
        )
        reason = pl.lit(why)
    else:
        missing = (
            pl.when(~pl.col("_year_ffs") & ~pl.col("_year_ma"))
            .then(pl.lit("no Medicare FFS and no Medicare Advantage"))
            .when(~pl.col("_year_ffs"))
            .then(pl.lit("no Medicare FFS"))
            .when(~pl.col("_year_ma"))
            .then(pl.lit("no Medicare Advantage"))
        )
        reason = (
            pl.when(missing.is_not_null())
            .then(
                pl.format(
                    "the claims of {} hold {} lines: billing both FFS and MA for one service "
                    "cannot be seen (needs payer_type per person across lines)",
                    pl.col(YEAR).cast(pl.String),
                    missing,
                )
            )
            .when(pl.col(_DEN).fill_null(0) == 0)
            .then(pl.lit("no Medicare FFS or Medicare Advantage telehealth services"))
        )
    return (
        keys.join(share, on=list(KEY), how="left")
        .join(per_year, on=YEAR, how="left")
        .with_columns(reason.alias(_REASON))
        .select(*KEY, _NUM, _DEN, _REASON)
    )


def _minutes(keys: pl.DataFrame, timed: pl.DataFrame) -> pl.DataFrame:
    """Measure 5: minutes per visit over visits with at least one timed line."""
    return keys.join(timed, on=list(KEY), how="left").with_columns(
        pl.when(pl.col(_DEN).is_null())
        .then(
            pl.lit(
                "no telehealth visit has a code in the minutes-per-code table "
                "(pass minutes_per_code= for the codes billed)"
            )
        )
        .alias(_REASON)
    )


def _equipment(share: pl.DataFrame, per_year: pl.DataFrame) -> pl.DataFrame:
    """Measure 7 (proxy): telehealth beneficiaries with a DMEPOS line of the same NPI."""
    reason = pl.format(
        "the claims of {} hold no medical-equipment (DMEPOS) lines and claim lines name no "
        "ordering provider: equipment orders cannot be seen (they are billed on suppliers' claims)",
        pl.col(YEAR).cast(pl.String),
    )
    return (
        share.join(per_year, on=YEAR, how="left")
        .with_columns(pl.when(~pl.col("_year_has").fill_null(False)).then(reason).alias(_REASON))
        .select(*KEY, _NUM, _DEN, _REASON)
    )
