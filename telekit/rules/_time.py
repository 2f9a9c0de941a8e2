"""Time and level rules (TM001–TM005): the documented minutes, MDM and device days must support
the code billed. Every rule here reads the line's encounter (DESIGN §5 "Missing inputs")."""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._engine._windows import DOS
from telekit.rules._addon import SD_99205, SD_99215, same_day_codes


def tm004_99417() -> pl.Expr:
    """DESIGN §5 precedence: where TM004 fires on a 99417 line, TH001 gives no finding."""
    return pl.col(c.HCPCS_CODE) == "99417"


CODE = pl.col(c.HCPCS_CODE)
MINUTES = v.enc_total_minutes
DEVICE_DAYS = v.enc_device_days
FOUND = v.enc_found
EM_TIME_START = pl.date(2021, 1, 1)
NEW_CODES_2026 = pl.date(2026, 1, 1)

# DESIGN §5 "Office E/M": each family is four consecutive codes of MDM levels 1..4 (straightforward,
# low, moderate, high); minimum minutes 15/30/45/60 for new patients, 10/20/30/40 established.
_EM_FAMILIES = (
    (99202, 15),  # 99202–99205 new
    (99212, 10),  # 99212–99215 established
    (98000, 15),  # 98000–98003 new, audio-video
    (98004, 10),  # 98004–98007 established, audio-video
    (98008, 15),  # 98008–98011 new, audio-only
    (98012, 10),  # 98012–98015 established, audio-only
)
EM_LEVEL: dict[str, int] = {str(base + i): i + 1 for base, _ in _EM_FAMILIES for i in range(4)}
EM_MIN_MINUTES: dict[str, int] = {
    str(base + i): step * (i + 1) for base, step in _EM_FAMILIES for i in range(4)
}
MDM_NAMES = {1: "straightforward", 2: "low", 3: "moderate", 4: "high"}

# DESIGN TM003: online digital E/M, minimum cumulative minutes per code (5/11/21)
ONLINE_DIGITAL_MIN: dict[str, int] = {
    "99421": 5, "99422": 11, "99423": 21, "98970": 5, "98971": 11, "98972": 21,
}  # fmt: skip


def _level() -> pl.Expr:
    return CODE.replace_strict(EM_LEVEL, default=None, return_dtype=pl.Int32)


def _min_minutes() -> pl.Expr:
    return CODE.replace_strict(EM_MIN_MINUTES, default=None, return_dtype=pl.Int32)


def _time_rank() -> pl.Expr:
    """The highest level of the code's family the documented minutes reach (0: none; null: no
    minutes)."""
    step = _min_minutes() // _level()
    return (MINUTES // step).clip(0, 4)


def _family_code(rank: pl.Expr) -> pl.Expr:
    """The code of the line's family at level ``rank``."""
    return (CODE.cast(pl.Int32, strict=False) - _level() + rank).cast(pl.String)


def _mdm_name(rank: pl.Expr) -> pl.Expr:
    return rank.replace_strict(MDM_NAMES, default=None, return_dtype=pl.String)


def _text(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.String).fill_null("(none)")


def _minutes_text() -> pl.Expr:
    return (
        pl.when(MINUTES.is_null())
        .then(pl.lit("no total time"))
        .otherwise(pl.format("{} min", MINUTES))
    )


def _em_in_scope() -> pl.Expr:
    return v.is_office_em & (pl.col(DOS) >= EM_TIME_START) & _level().is_not_null()


# --- TM001 -------------------------------------------------------------------------------------


def _tm001_message() -> pl.Expr:
    return pl.format(
        "{} billed on time alone: {} min documented and no MDM level; {} needs at least {} min",
        CODE,
        _text(MINUTES),
        CODE,
        _text(_min_minutes()),
    )


def _tm001_fix() -> pl.Expr:
    rank = _time_rank()
    return (
        pl.when(rank >= 1)
        .then(
            pl.format(
                "bill {} (supported by {} min), or document the MDM that supports {}",
                _family_code(rank),
                _text(MINUTES),
                CODE,
            )
        )
        .otherwise(
            pl.format(
                "document the MDM supporting {} ({} min supports no level of its family)",
                CODE,
                _text(MINUTES),
            )
        )
    )


@rule(
    code="TM001",
    severity="error",
    message=_tm001_message,
    fix=_tm001_fix,
    tables=("encounters",),
)
def em_time_below_code_minimum() -> pl.Expr:
    """Office E/M chosen by time whose documented minutes are below the code's minimum.

    Checks office E/M lines (99202–99205, 99212–99215; the CPT telemedicine codes 98000–98015
    from 2025-01-01) with a DOS from 2021-01-01 whose encounter documents total_minutes but no
    mdm_level, so the level can only rest on time, and the minutes are below the code's minimum:
    15/30/45/60 for new patients (99202–99205, 98000–98003, 98008–98011) and 10/20/30/40 for
    established patients (99212–99215, 98004–98007, 98012–98015). A line whose encounter is
    missing gets no finding (DC003 / DC004 speak for it).

    Why: since 2021 an office E/M level is chosen by MDM or by total time on the date of the
    encounter; a level chosen by time needs the minimum time met or exceeded (reference §2.1,
    [S18], [S19]; the 2021–2023 range floors equal the 2024 minimums; 98000–98015 §2.5 [S24]).
    Auditors down-code or recoup a visit whose time does not reach the level.

    Example: 99214 (established, 30 min) on 2024-03-15, encounter total_minutes 25, no
    mdm_level → fires; 25 min supports 99213 (20 min).

    Fix: bill the level the documented time supports (99213 above), or document the MDM that
    supports the billed level.
    """
    return (
        _em_in_scope()
        & FOUND
        & MINUTES.is_not_null()
        & v.enc_mdm_level.is_null()
        & MINUTES.lt(_min_minutes())
    )


# --- TM002 -------------------------------------------------------------------------------------


def _tm002_message() -> pl.Expr:
    return pl.format(
        "{} billed (needs {} MDM or at least {} min); documented: {} MDM, {}",
        CODE,
        _mdm_name(_level()),
        _text(_min_minutes()),
        _text(v.enc_mdm_level),
        _minutes_text(),
    )


def _tm002_fix() -> pl.Expr:
    supported = pl.max_horizontal(v.enc_mdm_rank.cast(pl.Int32), _time_rank())
    return pl.format(
        "bill {} (the level the documented MDM or time supports), or document the {} MDM or "
        "the time (at least {} min) that supports {}",
        _family_code(supported),
        _mdm_name(_level()),
        _text(_min_minutes()),
        CODE,
    )


@rule(
    code="TM002",
    severity="error",
    message=_tm002_message,
    fix=_tm002_fix,
    tables=("encounters",),
)
def em_level_above_documented_mdm() -> pl.Expr:
    """Office E/M level above both the documented MDM and the documented time.

    Checks office E/M lines (99202–99205, 99212–99215; 98000–98015 from 2025-01-01) with a DOS
    from 2021-01-01 whose encounter documents an mdm_level below the code's MDM level, and whose
    total_minutes are empty or below the code's minimum. Code levels: 99202/99212 and
    98000/98004/98008/98012 straightforward; 99203/99213, 98001/98005/98009/98013 low;
    99204/99214, 98002/98006/98010/98014 moderate; 99205/99215, 98003/98007/98011/98015 high.
    Minimum minutes: 15/30/45/60 new, 10/20/30/40 established. A line whose encounter is missing
    gets no finding.

    Why: the level of an office E/M is supported by MDM or by total time (reference §2.1, [S18],
    [S19], [S20]; 98000–98015 §2.5 [S24]); a level that neither supports is up-coding, the
    first thing an E/M audit looks for.

    Example: 99214 (moderate) on 2024-03-15, encounter mdm_level low and total_minutes 25 (99214
    needs 30) → fires; low MDM and 25 min support 99213.

    Fix: bill the level the documentation supports (the higher of the MDM level and the time
    level: 99213 above), or complete the documentation if more was done.
    """
    return (
        _em_in_scope()
        & FOUND
        & (v.enc_mdm_rank.cast(pl.Int32) < _level())
        & (MINUTES.is_null() | MINUTES.lt(_min_minutes()))
    )


# --- TM003 -------------------------------------------------------------------------------------


def _od_min() -> pl.Expr:
    return CODE.replace_strict(ONLINE_DIGITAL_MIN, default=None, return_dtype=pl.Int32)


def _tm003_message() -> pl.Expr:
    return pl.format(
        "{} with {} min of cumulative time documented; {} needs at least {} min in the 7 days",
        CODE,
        _text(MINUTES),
        CODE,
        _text(_od_min()),
    )


def _tm003_fix() -> pl.Expr:
    rank = (
        pl.when(MINUTES >= 21).then(3).when(MINUTES >= 11).then(2).when(MINUTES >= 5).then(1)
        .otherwise(0)
    )  # fmt: skip
    base = pl.when(CODE.str.starts_with("9942")).then(99421).otherwise(98970)
    return (
        pl.when(rank >= 1)
        .then(pl.format("bill {} (supported by {} min)", (base + rank - 1).cast(pl.String),
                        _text(MINUTES)))
        .otherwise(pl.lit("do not bill: under 5 minutes of cumulative time is not reportable"))
    )  # fmt: skip


@rule(
    code="TM003",
    severity="error",
    message=_tm003_message,
    fix=_tm003_fix,
    tables=("encounters",),
)
def online_digital_em_minutes_below_range() -> pl.Expr:
    """Online digital E/M (e-visit) billed with less cumulative time than its code needs.

    Checks 99421/98970 with total_minutes under 5, 99422/98971 under 11 and 99423/98972 under 21
    (the minutes of the line's encounter: cumulative time over the 7-day period). A line whose
    encounter is missing, or whose minutes are empty, gets no finding.

    Why: the online digital E/M codes are reported by cumulative time over 7 days: 5–10, 11–20
    and 21 or more minutes; under 5 minutes is not reportable (reference §2.3, [S22], [S23]).
    Billing a higher time band than documented is up-coding.

    Example: 99422 on 2024-03-15 with total_minutes 8 → fires (11 needed); 8 min supports 99421.

    Fix: bill the code of the band the documented time reaches (99421 above), or do not bill an
    e-visit under 5 minutes.
    """
    return FOUND & MINUTES.lt(_od_min())


# --- TM004 -------------------------------------------------------------------------------------


def _g2212_short() -> pl.Expr:
    return (CODE == "G2212") & (
        (pl.col(SD_99205) & (MINUTES < 89)) | (pl.col(SD_99215) & (MINUTES < 69))
    )


def _99417_to_medicare() -> pl.Expr:
    return (CODE == "99417") & v.is_medicare


def _tm004_message() -> pl.Expr:
    return (
        pl.when(_99417_to_medicare())
        .then(pl.lit("99417 billed to Medicare, which does not accept it (Medicare's prolonged "
                     "office code is G2212)"))
        .otherwise(
            pl.format(
                "G2212 with {} min total time; its first unit needs at least {}",
                _text(MINUTES),
                pl.when(pl.col(SD_99205) & (MINUTES < 89))
                .then(pl.lit("89 min with 99205"))
                .otherwise(pl.lit("69 min with 99215")),
            )
        )
    )  # fmt: skip


def _tm004_fix() -> pl.Expr:
    return (
        pl.when(_99417_to_medicare())
        .then(pl.lit("bill G2212 instead of 99417 (89+ min with 99205, 69+ min with 99215)"))
        .otherwise(pl.lit("remove G2212: the total time does not reach the prolonged-service "
                          "threshold"))
    )  # fmt: skip


@rule(
    code="TM004",
    suppresses={"TH001": tm004_99417},
    severity="error",
    message=_tm004_message,
    fix=_tm004_fix,
    partial_tables=("encounters",),
    prepare=(same_day_codes,),
)
def prolonged_service_threshold_not_met() -> pl.Expr:
    """Prolonged office service billed below its time threshold, or 99417 billed to Medicare.

    Checks G2212 lines whose encounter total_minutes are under 89 when 99205 is billed for the
    same person, DOS and rendering NPI, or under 69 when 99215 is; and 99417 on a Medicare line
    (payer_type medicare). Lines of superseded claims never count as the 99205/99215. The G2212
    clause reads the encounter (skipped without encounters: the rule is then partial); as DESIGN
    §5 "Missing inputs" lists TM004 among the rules that read the encounter, a line whose
    encounter is missing (encounters given) gets no finding from either clause.

    Why: Medicare does not accept CPT 99417; it pays G2212, whose first unit needs 15 minutes
    beyond the maximum of the old time range: 89 minutes in total with 99205, 69 with 99215
    (reference §2.2, [S21], [S25]). A TM004 finding for 99417 suppresses TH001 on that line.

    Example: 99215 and G2212 on 2024-03-15, same patient and NPI, encounter total_minutes 60 →
    fires on G2212 (69 needed). 99417 to payer_type medicare → fires.

    Fix: remove G2212 when the time does not reach the threshold; bill G2212 instead of 99417 to
    Medicare.
    """
    encounter_ok = FOUND | ~v.encounters_given
    return (_g2212_short() | _99417_to_medicare()) & encounter_ok


# --- TM005 -------------------------------------------------------------------------------------

DEVICE_16_PLUS = ("99454", "98976", "98977", "98978")
DEVICE_2_TO_15 = ("99445", "98984", "98985", "98986")
MANAGEMENT_20_PLUS = ("99457", "98980")
MANAGEMENT_10_TO_19 = ("99470", "98979")
# the code of the same service for the other band (the 2026 codes exist from 2026-01-01)
_ALTERNATIVE = {
    "99454": "99445", "98976": "98984", "98977": "98985", "98978": "98986",
    "99445": "99454", "98984": "98976", "98985": "98977", "98986": "98978",
    "99457": "99470", "98980": "98979",
    "99470": "99457", "98979": "98980",
}  # fmt: skip
_NEW_2026 = (*DEVICE_2_TO_15, *MANAGEMENT_10_TO_19)


def _tm005_clauses() -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    return (
        CODE.is_in(DEVICE_16_PLUS) & (DEVICE_DAYS < 16),
        CODE.is_in(DEVICE_2_TO_15) & ~DEVICE_DAYS.is_between(2, 15),
        CODE.is_in(MANAGEMENT_20_PLUS) & (MINUTES < 20),
        CODE.is_in(MANAGEMENT_10_TO_19) & ~MINUTES.is_between(10, 19),
    )


def _tm005_message() -> pl.Expr:
    is_device = CODE.is_in((*DEVICE_16_PLUS, *DEVICE_2_TO_15))
    found = (
        pl.when(is_device)
        .then(pl.format("{} device days", _text(DEVICE_DAYS)))
        .otherwise(pl.format("{} min", _text(MINUTES)))
    )
    expected = (
        pl.when(CODE.is_in(DEVICE_16_PLUS)).then(pl.lit("at least 16 days of data in the 30 days"))
        .when(CODE.is_in(DEVICE_2_TO_15)).then(pl.lit("2–15 days of data in the 30 days"))
        .when(CODE.is_in(MANAGEMENT_20_PLUS)).then(pl.lit("at least 20 min in the month"))
        .otherwise(pl.lit("10–19 min in the month"))
    )  # fmt: skip
    return pl.format("{} with {} documented; {} needs {}", CODE, found, CODE, expected)


def _tm005_fix() -> pl.Expr:
    alt = CODE.replace_strict(_ALTERNATIVE, default=None, return_dtype=pl.String)
    is_device = CODE.is_in((*DEVICE_16_PLUS, *DEVICE_2_TO_15))
    value = pl.when(is_device).then(DEVICE_DAYS).otherwise(MINUTES)
    alt_fits = (
        pl.when(alt.is_in(DEVICE_16_PLUS)).then(value >= 16)
        .when(alt.is_in(DEVICE_2_TO_15)).then(value.is_between(2, 15))
        .when(alt.is_in(MANAGEMENT_20_PLUS)).then(value >= 20)
        .otherwise(value.is_between(10, 19))
    )  # fmt: skip
    alt_exists = ~alt.is_in(_NEW_2026) | (pl.col(DOS) >= NEW_CODES_2026)
    return (
        pl.when(alt_fits & alt_exists)
        .then(pl.format("bill {} (the band the documentation supports)", alt))
        .otherwise(pl.format("do not bill {}: the documented threshold is not met", CODE))
    )


@rule(
    code="TM005",
    severity="error",
    message=_tm005_message,
    fix=_tm005_fix,
    tables=("encounters",),
)
def remote_monitoring_threshold_not_met() -> pl.Expr:
    """Remote monitoring (RPM/RTM) billed without the device days or minutes its code needs.

    Checks, from the line's encounter: device supply 99454, 98976–98978 with device_days under 16;
    the 2026 short-period device codes 99445, 98984–98986 with device_days outside 2–15;
    treatment management 99457, 98980 with total_minutes under 20; the 2026 short management
    codes 99470, 98979 with total_minutes outside 10–19. A line whose encounter is missing, or
    whose days/minutes are empty, gets no finding.

    Why: RPM device supply (99454) needs 16–30 days of data per 30-day period and 99445 2–15;
    management 99457 is the first 20 minutes of the month and 99470 10–19 minutes (reference
    §2.7, [S31], [S32], [S33]); the RTM codes follow the same thresholds (§2.8, [S33], [S34]).

    Example: 99454 on 2026-02-01 with device_days 10 → fires; 10 days support 99445 from
    2026-01-01. 99470 with 25 min → fires; 25 min support 99457.

    Fix: bill the code of the band the documentation supports (99445/98984–98986 for 2–15 days,
    99470/98979 for 10–19 min from 2026-01-01), or do not bill the period.
    """
    return FOUND & pl.any_horizontal(_tm005_clauses())
