"""Time and level rules (TM001–TM007): the documented minutes, MDM, device days and the patient's
history with the practice must support the code billed. TM001–TM003, TM005, TM006 and TM004's G2212
clause read the line's encounter (DESIGN §5 "Missing inputs"); TM004's 99417 clause and TM007 read
the claim lines (and, for TM007's group clause, the roster)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._engine._windows import DOS
from telekit.rules._addon import SD_99205, SD_99215, same_day_codes

if TYPE_CHECKING:
    pass


def tm004_99417() -> pl.Expr:
    """DESIGN §5 precedence: where TM004 fires on a 99417 line, TH001 and CD006 give none."""
    return pl.col(c.HCPCS_CODE) == "99417"


CODE = pl.col(c.HCPCS_CODE)
MINUTES = v.enc_total_minutes
DEVICE_DAYS = v.enc_device_days
FOUND = v.enc_found
EM_TIME_START = pl.date(2021, 1, 1)
NEW_CODES_2026 = pl.date(2026, 1, 1)
# the status part of a fix may point here; the rules' own fixes never ask for documentation now
AMENDED = (
    "documentation amended later must be identified and dated as such (PIM 100-08 ch. 3 §3.3.2.5)"
)

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


def _level(code: pl.Expr = CODE) -> pl.Expr:
    return code.replace_strict(EM_LEVEL, default=None, return_dtype=pl.Int32)


def _min_minutes(code: pl.Expr = CODE) -> pl.Expr:
    return code.replace_strict(EM_MIN_MINUTES, default=None, return_dtype=pl.Int32)


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


def _em_dated() -> pl.Expr:
    """An office E/M line from 2021 (the rules' scope, with the code one of the families': that
    look-up over the code's text costs more, so TM001 and TM002 make it only on the lines their
    other clauses select, ``v.on_rows``)."""
    return v.is_office_em & (pl.col(DOS) >= EM_TIME_START)


# --- sources the pages cite -------------------------------------------------------------------
# CPT E/M guidelines: AMA, "CPT Evaluation and Management (E/M) Services Guidelines" (office E/M
#   revisions effective 2021-01-01, the whole E/M section from 2023-01-01),
#   https://www.ama-assn.org/system/files/2023-e-m-descriptors-guidelines.pdf
# CY2021 PFS final rule: 85 FR 84472 (2020-12-28), https://www.federalregister.gov/d/2020-26815
# CY2024 PFS final rule: 88 FR 78818 (2023-11-16), https://www.federalregister.gov/d/2023-24184
# MLN E/M guide: CMS MLN "Evaluation and Management Services Guide" (MLN006764),
#   https://www.cms.gov/files/document/mln006764-evaluation-management-services.pdf
# Claims Processing Manual: Medicare Claims Processing Manual (Pub. 100-04), ch. 12,
#   https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/clm104c12.pdf


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
                "bill {} (the level {} min supports) unless the MDM recorded at the visit "
                "supports {}",
                _family_code(rank),
                _text(MINUTES),
                CODE,
            )
        )
        .otherwise(
            pl.format(
                "{} min supports no level of the family: bill {} only if the MDM recorded at "
                "the visit supports it, else no office E/M by time",
                _text(MINUTES),
                CODE,
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

    Why: since 2021 an office E/M level is chosen by medical decision making or by the total time
    on the date of the encounter; a level chosen by time needs the code's time met or exceeded
    (the 2021–2023 time ranges start at the same minimums CPT 2024 states alone). Auditors
    down-code or recoup a visit whose time does not reach the level.

    Sources: AMA, CPT Evaluation and Management (E/M) Services Guidelines, "Guidelines for
    selecting level of service based on time",
    https://www.ama-assn.org/system/files/2023-e-m-descriptors-guidelines.pdf; CY 2021 Medicare
    Physician Fee Schedule final rule, 85 FR 84472 (Dec. 28, 2020), office E/M time,
    https://www.federalregister.gov/d/2020-26815; CMS MLN "Evaluation and
    Management Services Guide" (MLN006764),
    https://www.cms.gov/files/document/mln006764-evaluation-management-services.pdf; for
    98000–98015, AMA CPT 2025 Telemedicine Services guidelines,
    https://www.ama-assn.org/practice-management/cpt.

    Example: 99214 (established, 30 min) on 2024-03-15, encounter total_minutes 25, no
    mdm_level → fires; 25 min supports 99213 (20 min).

    Instead: the level the documented time supports (99213 above), unless the MDM recorded
    at the visit supports the billed level.
    """
    return v.on_rows(
        _em_dated() & FOUND & MINUTES.is_not_null() & v.enc_mdm_level.is_null(),
        lambda col: (
            _level(col(c.HCPCS_CODE)).is_not_null()
            & col(v.ENC_TOTAL_MINUTES).lt(_min_minutes(col(c.HCPCS_CODE)))
        ),
        (c.HCPCS_CODE, v.ENC_TOTAL_MINUTES),
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
        "bill {} (the level the documented MDM or time supports: {} MDM, {})",
        _family_code(supported),
        _text(v.enc_mdm_level),
        _minutes_text(),
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

    Why: the level of an office E/M is supported by medical decision making or by total time; a
    level that neither supports is up-coding, the first thing an E/M audit looks for.

    Sources: AMA, CPT Evaluation and Management (E/M) Services Guidelines, "Levels of medical
    decision making" and the time guidelines,
    https://www.ama-assn.org/system/files/2023-e-m-descriptors-guidelines.pdf; CMS MLN
    "Evaluation and Management Services Guide" (MLN006764),
    https://www.cms.gov/files/document/mln006764-evaluation-management-services.pdf; CY 2021
    Medicare Physician Fee Schedule final rule, 85 FR 84472 (Dec. 28, 2020),
    https://www.federalregister.gov/d/2020-26815.

    Example: 99214 (moderate) on 2024-03-15, encounter mdm_level low and total_minutes 25 (99214
    needs 30) → fires; low MDM and 25 min support 99213.

    Instead: the level the documentation supports, the higher of the MDM level and the time
    level (99213 above).
    """
    # (a code outside the families has no level: the comparison with it is null, no finding)
    return v.on_rows(
        _em_dated() & FOUND & v.enc_mdm_rank.is_not_null(),
        lambda col: (
            (col(v.ENC_MDM_RANK).cast(pl.Int32) < _level(col(c.HCPCS_CODE)))
            & (
                col(v.ENC_TOTAL_MINUTES).is_null()
                | col(v.ENC_TOTAL_MINUTES).lt(_min_minutes(col(c.HCPCS_CODE)))
            )
        ),
        (c.HCPCS_CODE, v.ENC_MDM_RANK, v.ENC_TOTAL_MINUTES),
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

    Why: the online digital E/M codes are reported by the clinician's cumulative time over 7 days:
    5–10, 11–20 and 21 or more minutes; under 5 minutes is not reportable. Billing a higher time
    band than documented is up-coding.

    Sources: AMA CPT Professional, Evaluation and Management, "Online Digital Evaluation and
    Management Services" guidelines (99421–99423) and Medicine, "Qualified Nonphysician Health
    Care Professional Online Digital Assessment and Management Service" (98970–98972),
    https://www.ama-assn.org/practice-management/cpt; CMS MLN "Telehealth & Remote
    Patient Monitoring" (MLN901705),
    https://www.cms.gov/files/document/mln901705-telehealth-remote-patient-monitoring.pdf.

    Example: 99422 on 2024-03-15 with total_minutes 8 → fires (11 needed); 8 min supports 99421.

    Instead: the code of the band the documented time reaches (99421 above); nothing under
    5 minutes.
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
        .then(pl.lit("99417 billed to Medicare, which does not pay it (Medicare's prolonged "
                     "office or outpatient E/M code is G2212)"))
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
        .then(pl.lit("bill G2212 instead of 99417 where the total time reaches 89 min with "
                     "99205 or 69 min with 99215 (one unit per further 15 min); else bill the "
                     "E/M alone"))
        .otherwise(pl.lit("remove G2212: the total time does not reach the prolonged-service "
                          "threshold; bill the E/M alone"))
    )  # fmt: skip


@rule(
    code="TM004",
    suppresses={
        "TH001": tm004_99417,
        "CD006": tm004_99417,
        # NC001 and NC002 declare that TM004 suppresses them (telekit.rules._ncci)
    },
    severity="error",
    message=_tm004_message,
    fix=_tm004_fix,
    partial_tables=("encounters",),
    prepare=(same_day_codes,),
)
def prolonged_service_threshold_not_met() -> pl.Expr:
    """Prolonged office service billed below its time threshold, or 99417 billed to Medicare.

    Checks G2212 lines whose encounter total_minutes are under 89 when 99205 is billed for the
    same person, DOS and rendering NPI, or under 69 when 99215 is; and every 99417 line billed to
    Medicare (payer_type medicare), whether or not its encounter is found. Lines of superseded
    claims are never flagged and never count as the 99205/99215. The G2212 clause reads the
    encounter (a missing encounter or empty minutes: no finding; without encounters the clause
    is skipped and the rule is partial); the 99417 clause reads no encounter. Where this rule
    flags 99417, TH001 and CD006 give no finding on that line (the fix is to bill G2212, not to
    look the code up on the telehealth list or in the fee schedule); NCCI findings on a line this
    rule flags are suppressed too.

    Why: Medicare does not pay CPT 99417; since 2021 it pays G2212, whose first unit needs 15
    minutes beyond the maximum of the old time range of the level-5 visit: 89 minutes in total
    with 99205, 69 with 99215 (one more unit per further 15 minutes). CMS kept these thresholds
    when CPT replaced the time ranges with single minimums in 2024.

    Sources: CY 2021 Medicare Physician Fee Schedule final rule, 85 FR 84472 (Dec. 28, 2020),
    prolonged office/outpatient E/M (G2212),
    https://www.federalregister.gov/d/2020-26815; CY 2024 Medicare Physician
    Fee Schedule final rule, 88 FR 78818 (Nov. 16, 2023),
    https://www.federalregister.gov/d/2023-24184; CMS MLN "Evaluation and
    Management Services Guide" (MLN006764), prolonged services table,
    https://www.cms.gov/files/document/mln006764-evaluation-management-services.pdf.

    Example: 99215 and G2212 on 2024-03-15, same patient and NPI, encounter total_minutes 60 →
    fires on G2212 (69 needed). 99205 + 99417 to payer_type medicare → fires on 99417.

    Instead: the E/M alone when the time does not reach the threshold; to Medicare, G2212
    instead of 99417 where the total time reaches 89 min (99205) or 69 min (99215).
    """
    return _g2212_short() | _99417_to_medicare()


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


def _tm005_clauses(col: v.Column = pl.col) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    code, device_days, minutes = (
        col(c.HCPCS_CODE), col(v.ENC_DEVICE_DAYS), col(v.ENC_TOTAL_MINUTES)
    )  # fmt: skip
    return (
        code.is_in(DEVICE_16_PLUS) & (device_days < 16),
        code.is_in(DEVICE_2_TO_15) & ~device_days.is_between(2, 15),
        code.is_in(MANAGEMENT_20_PLUS) & (minutes < 20),
        code.is_in(MANAGEMENT_10_TO_19) & ~minutes.is_between(10, 19),
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

    Why: RPM device supply (99454) needs 16–30 days of data in the 30-day period and, from 2026,
    99445 2–15 days; management 99457 is the first 20 minutes of the calendar month and, from
    2026, 99470 10–19 minutes. The RTM codes follow the same thresholds: 98976–98978 16–30 days,
    98984–98986 2–15 days, 98980 20 minutes, 98979 10–19 minutes.

    Sources: AMA CPT Professional, Medicine, "Remote Physiologic Monitoring" and "Remote
    Therapeutic Monitoring" guidelines, https://www.ama-assn.org/practice-management/cpt; CMS MLN
    "Telehealth & Remote Patient Monitoring" (MLN901705),
    https://www.cms.gov/files/document/mln901705-telehealth-remote-patient-monitoring.pdf; CY 2026
    Medicare Physician Fee Schedule final rule (CMS-1832-F), remote monitoring codes 99445,
    99470, 98979 and 98984–98986, listed at
    https://www.cms.gov/medicare/payment/fee-schedules/physician/federal-regulation-notices.

    Example: 99454 on 2026-02-01 with device_days 10 → fires; 10 days support 99445 from
    2026-01-01. 99470 with 25 min → fires; 25 min support 99457.

    Instead: the code of the band the documentation supports (99445/98984–98986 for 2–15
    days, 99470/98979 for 10–19 min from 2026-01-01), or nothing for the period.
    """
    # the four code look-ups only on the lines of the rule's codes (v.on_rows)
    codes = (*DEVICE_16_PLUS, *DEVICE_2_TO_15, *MANAGEMENT_20_PLUS, *MANAGEMENT_10_TO_19)
    return v.on_rows(
        FOUND & CODE.is_in(codes),
        lambda col: pl.any_horizontal(_tm005_clauses(col)),
        (c.HCPCS_CODE, v.ENC_DEVICE_DAYS, v.ENC_TOTAL_MINUTES),
    )


# --- TM006 -------------------------------------------------------------------------------------

# DESIGN TM006: the minimum psychotherapy minutes per code (the CPT time rule: a unit of time is
# attained when the midpoint is passed: 16 of 30, 38 of 45, 53 of 60; crisis 90839 from 30 min)
PSYCHOTHERAPY_MIN: dict[str, int] = {
    "90832": 16, "90833": 16, "90834": 38, "90836": 38, "90837": 53, "90838": 53,
    "90839": 30, "90845": 45,
}  # fmt: skip
PSYCHOTHERAPY_STANDALONE = ("90832", "90834", "90837", "90839", "90845")
# 90845 (psychoanalysis) states no time in its CPT descriptor: below 45 min is a warning with no
# amount (a wrong rule is worse than no rule), the other codes are errors
PSYCHOTHERAPY_UNTIMED_DESCRIPTOR = ("90845",)
# the psychotherapy code each documented time supports (standalone; add-on with an E/M)
_PSY_BANDS_STANDALONE = ((53, "90837"), (38, "90834"), (16, "90832"))
_PSY_BANDS_ADDON = ((53, "90838"), (38, "90836"), (16, "90833"))
PSY_ADDONS = ("90833", "90836", "90838")


def _psy_minutes() -> pl.Expr:
    """The psychotherapy minutes: the encounter's psychotherapy_minutes, else the total minutes for
    a standalone code (an add-on is not judged without psychotherapy_minutes)."""
    return pl.coalesce(
        v.enc_psychotherapy_minutes,
        pl.when(CODE.is_in(PSYCHOTHERAPY_STANDALONE)).then(MINUTES),
    )


def _psy_min() -> pl.Expr:
    return CODE.replace_strict(PSYCHOTHERAPY_MIN, default=None, return_dtype=pl.Int32)


def _psy_supported(bands: tuple[tuple[int, str], ...]) -> pl.Expr:
    """The code of the highest band (``(floor, code)``, highest first) the minutes reach."""
    (hi, hi_code), (mid, mid_code), (lo, lo_code) = bands
    minutes = _psy_minutes()
    return (
        pl.when(minutes >= hi).then(pl.lit(hi_code))
        .when(minutes >= mid).then(pl.lit(mid_code))
        .when(minutes >= lo).then(pl.lit(lo_code))
        .otherwise(pl.lit(None, dtype=pl.String))
    )  # fmt: skip


def _tm006_message() -> pl.Expr:
    source = (
        pl.when(v.enc_psychotherapy_minutes.is_not_null())
        .then(pl.lit("psychotherapy time"))
        .otherwise(pl.lit("total time"))
    )
    return pl.format(
        "{} with {} min of {} documented; {} needs at least {} min of psychotherapy",
        CODE,
        _text(_psy_minutes()),
        source,
        CODE,
        _text(_psy_min()),
    )


def _tm006_fix() -> pl.Expr:
    addon = _psy_supported(_PSY_BANDS_ADDON)
    standalone = _psy_supported(_PSY_BANDS_STANDALONE)
    minutes = _text(_psy_minutes())
    return (
        pl.when(CODE.is_in(PSY_ADDONS) & addon.is_not_null())
        .then(pl.format("bill {} with the E/M (the add-on {} min of psychotherapy supports)",
                        addon, minutes))
        .when(CODE.is_in(PSY_ADDONS))
        .then(pl.format("bill the E/M alone: {} min of psychotherapy is under the 16 min an "
                        "add-on needs", minutes))
        .when((CODE == "90839") & standalone.is_not_null())
        .then(pl.format("bill {} (crisis psychotherapy under 30 min is reported with 90832 or "
                        "90834)", standalone))
        .when(standalone.is_not_null())
        .then(pl.format("bill {} (the psychotherapy code {} min supports)", standalone, minutes))
        .otherwise(pl.format("do not bill psychotherapy: {} min is under the 16 min the "
                             "shortest code needs", minutes))
    )  # fmt: skip


def _tm006_severity() -> pl.Expr:
    return pl.when(CODE.is_in(PSYCHOTHERAPY_UNTIMED_DESCRIPTOR)).then(pl.lit("warning"))


@rule(
    code="TM006",
    severity="error",
    message=_tm006_message,
    fix=_tm006_fix,
    tables=("encounters",),
    line_severity=_tm006_severity,
)
def psychotherapy_time_below_code_minimum() -> pl.Expr:
    """Psychotherapy billed with fewer minutes of psychotherapy than its code needs.

    Checks 90832 and 90833 under 16 minutes, 90834 and 90836 under 38, 90837 and 90838 under 53,
    90839 (psychotherapy for crisis) under 30 and 90845 (psychoanalysis) under 45. The minutes are
    the encounter's psychotherapy_minutes (the psychotherapy time alone, when an E/M and
    psychotherapy share the visit); without them, the total_minutes of the encounter for the
    standalone codes 90832, 90834, 90837, 90839 and 90845. The add-on codes 90833, 90836 and 90838
    are not judged without psychotherapy_minutes (their visit's total time includes the E/M). A
    line whose encounter is missing, or whose minutes are empty, gets no finding. 90845 is a
    warning with no amount: its CPT descriptor states no time, so 45 minutes is a payer
    convention, not a CPT rule.

    Why: the psychotherapy codes are timed (30, 45 and 60 minutes with the patient) and CPT's time
    rule says a unit of time is attained when the midpoint is passed: 16 minutes for the 30-minute
    codes, 38 for the 45-minute codes, 53 for the 60-minute codes; under 16 minutes no
    psychotherapy is reported. Crisis psychotherapy 90839 is reported for the first 30–74
    minutes; a crisis under 30 minutes is reported with 90832 or 90834. With an E/M on the same
    day, only the time spent on psychotherapy counts toward the add-on, never the E/M's time.

    Sources: AMA CPT Professional, Introduction ("Time": a unit of time is attained when the
    midpoint is passed) and Psychiatry, "Psychotherapy" and "Psychotherapy for Crisis"
    guidelines, https://www.ama-assn.org/practice-management/cpt; CMS MLN booklet "Medicare &
    Mental Health Coverage" (MLN1986542),
    https://www.cms.gov/files/document/mln1986542-medicare-mental-health-coverage.pdf.

    Example: 90837 on 2024-03-15 with total_minutes 50 and no psychotherapy_minutes → fires (53
    needed); 50 min supports 90834. 99214 + 90836 with psychotherapy_minutes 30 → fires on 90836;
    30 min supports 90833.

    Instead: the psychotherapy code the documented minutes support (90832 16–37, 90834 38–52,
    90837 53 or more; the add-ons 90833/90836/90838 likewise with the E/M), or no psychotherapy
    under 16 minutes.
    """
    return FOUND & _psy_minutes().lt(_psy_min())
