"""Add-on codes: billed without their primary service (AD001), G2211 with a modifier-25 E/M
(AD002), and the same-day / same-month primary look-ups AD001 shares with TM004 (preparation
``same_day_codes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._engine._windows import DOS, ROW
from telekit.codesets._ncci import (
    ADD_ON_CODE,
    ANY_PRIMARY,
    DELETION_DATE,
    EFFECTIVE_DATE,
    PRIMARY_CODE,
)
from telekit.rules._keys import join_on_key
from telekit.rules._ncci import edition_per_line, in_force, stacked_editions

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

CODE = pl.col(c.HCPCS_CODE)

PSYCH_ADDONS = ("90833", "90836", "90838")
# DESIGN AD001: 90785 needs 90791, 90792, 90832–90838 or 90853
INTERACTIVE_COMPLEXITY_PRIMARIES = (
    "90791", "90792", *(str(x) for x in range(90832, 90839)), "90853",
)  # fmt: skip
SAME_DAY_ADDONS = ("G2211", "G2212", "99417", *PSYCH_ADDONS, "90785")
SAME_MONTH_PAIRS = {"99458": "99457", "98981": "98980"}  # add-on: primary

# columns added by the ``same_day_codes`` preparation: same person, DOS and rendering NPI ...
SD_OFFICE_EM = "sd_office_em"
SD_99211 = "sd_99211"
SD_99205 = "sd_99205"
SD_99215 = "sd_99215"
SD_PSYCH_PRIMARY = "sd_psych_primary"
# ... and same person and calendar month (any NPI)
SM_99457 = "sm_99457"
SM_98980 = "sm_98980"


def same_day_codes(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """Flags of the primaries billed for the same person, DOS and rendering NPI (``sd_*``) and for
    the same person and calendar month (``sm_*``), on the add-on lines that read them.

    Only lines that can take part are looked at: the add-ons, and the primaries of the days (months)
    that have an add-on; superseded lines are never add-ons nor primaries. Lines that are no add-on
    get nulls (no rule reads them).
    """
    live = lf.filter(v.not_superseded)
    day_key = [c.PERSON_ID, DOS, c.RENDERING_NPI]
    day_addons = live.filter(CODE.is_in(SAME_DAY_ADDONS)).select(ROW, *day_key)
    day_primaries = live.filter(
        v.is_office_em | CODE.is_in(("99211", *INTERACTIVE_COMPLEXITY_PRIMARIES))
    ).select(*day_key, c.HCPCS_CODE, v.IS_OFFICE_EM)
    # per add-on line, over the primaries of its day (joined on the day key's hash)
    day_flags = (
        join_on_key(day_addons, day_primaries, day_key)
        .group_by(ROW)
        .agg(
            v.is_office_em.any().alias(SD_OFFICE_EM),
            (CODE == "99211").any().alias(SD_99211),
            (CODE == "99205").any().alias(SD_99205),
            (CODE == "99215").any().alias(SD_99215),
            CODE.is_in(INTERACTIVE_COMPLEXITY_PRIMARIES).any().alias(SD_PSYCH_PRIMARY),
        )
    )
    day_cols = [SD_OFFICE_EM, SD_99211, SD_99205, SD_99215, SD_PSYCH_PRIMARY]
    day = (
        day_addons.select(ROW)
        .join(day_flags, on=ROW, how="left")
        .select(ROW, pl.col(day_cols).fill_null(value=False))
    )
    month_key = [c.PERSON_ID, "_month"]
    month = pl.col(DOS).dt.month_start().alias("_month")
    month_addons = live.filter(CODE.is_in(tuple(SAME_MONTH_PAIRS))).select(ROW, c.PERSON_ID, month)
    month_primaries = live.filter(CODE.is_in(tuple(SAME_MONTH_PAIRS.values()))).select(
        c.PERSON_ID, month, c.HCPCS_CODE
    )
    month_flags = (
        join_on_key(month_addons, month_primaries, month_key)
        .group_by(ROW)
        .agg((CODE == "99457").any().alias(SM_99457), (CODE == "98980").any().alias(SM_98980))
    )
    month_lines = (
        month_addons.select(ROW)
        .join(month_flags, on=ROW, how="left")
        .select(ROW, pl.col(SM_99457, SM_98980).fill_null(value=False))
    )
    return lf.join(day, on=ROW, how="left").join(month_lines, on=ROW, how="left")


# --- AD001: the primaries DESIGN names, together with the NCCI add-on code edits in force -------

# E/M primaries of psychotherapy with E/M (90833/90836/90838) besides the office E/M: 99211,
# hospital inpatient and observation, consultations, nursing facility, home or residence,
# telephone E/M and the CPT telemedicine codes
PSYCH_EM_PRIMARIES = (
    "99211",
    *(str(x) for x in range(99217, 99227)),  # observation (to 2022) and initial hospital
    *(str(x) for x in range(99231, 99240)),  # subsequent hospital, observation same day, discharge
    *(str(x) for x in range(99241, 99246)),  # office consultations
    *(str(x) for x in range(99251, 99256)),  # inpatient consultations
    *(str(x) for x in range(99304, 99311)), "99315", "99316", "99318",  # nursing facility
    *(str(x) for x in range(99324, 99338)),  # domiciliary (to 2022)
    *(str(x) for x in range(99341, 99351)),  # home or residence
    "99441", "99442", "99443",  # telephone E/M (to 2024)
    *(str(x) for x in range(98000, 98016)),
)  # fmt: skip
G2212_PRIMARIES = ("99205", "99215", "99483")
CPT_PROLONGED_PRIMARIES = ("99205", "99215", "99245", "99345", "99350", "99483")
NCCI_CHECKED_ADDONS = SAME_DAY_ADDONS
AD_PRIMARY_FOUND = "ad_primary_found"
AD_PRIMARY = "_ad_primary"


def _design_primary() -> pl.Expr:
    """Whether the same-day line (``_ad_primary``, ``_ad_office``) is a primary DESIGN names for
    the add-on (``hcpcs_code``)."""
    primary = pl.col(AD_PRIMARY)
    office = pl.col("_ad_office")
    return (
        pl.when(CODE == "G2211")
        .then(office | (primary == "99211"))
        .when(CODE == "G2212")
        .then(primary.is_in(G2212_PRIMARIES))
        .when(CODE == "99417")
        .then(primary.is_in(CPT_PROLONGED_PRIMARIES))
        .when(CODE.is_in(PSYCH_ADDONS))
        .then(office | primary.is_in(PSYCH_EM_PRIMARIES))
        .when(CODE == "90785")
        .then(primary.is_in(INTERACTIVE_COMPLEXITY_PRIMARIES))
        .otherwise(pl.lit(value=False))
    )


def add_on_primaries_found(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """``ad_primary_found`` on the same-day add-on lines (G2211, G2212, 99417, 90833, 90836,
    90838, 90785): whether a line of the same person, DOS and rendering NPI is one of its
    primaries — those DESIGN names, or those the NCCI add-on code edits of the line's edition
    (its quarter's, else the nearest within 365 days) list in force on the DOS (``CCCCC``, "any
    primary the contractor accepts", lists none). Superseded lines are never add-ons nor
    primaries; other lines get null."""
    live = lf.filter(v.not_superseded)
    day_key = [c.PERSON_ID, DOS, c.RENDERING_NPI]
    addons = live.filter(CODE.is_in(NCCI_CHECKED_ADDONS)).select(ROW, *day_key, c.HCPCS_CODE)
    primaries = live.select(
        *day_key, CODE.alias(AD_PRIMARY), v.is_office_em.fill_null(value=False).alias("_ad_office")
    )
    pairs = join_on_key(addons, primaries, day_key)
    # every edition's add-on table stacked with its index; each (add-on line, same-day line) pair
    # is looked up in its line's edition (not every primary an edit lists for each add-on line:
    # 17 a line on average, 1.2M rows on the 1M practice)
    table = stacked_editions(
        inputs,
        "add_on",
        "aoc_edition_index",
        ADD_ON_CODE,
        PRIMARY_CODE,
        EFFECTIVE_DATE,
        DELETION_DATE,
    )
    if table is not None:
        chosen = edition_per_line(addons, inputs, "add_on", "aoc").select(ROW, "aoc_edition_index")
        listed = (
            pairs.select(ROW, DOS, c.HCPCS_CODE, AD_PRIMARY)
            .join(chosen, on=ROW)
            .join(
                table,
                left_on=["aoc_edition_index", c.HCPCS_CODE, AD_PRIMARY],
                right_on=["aoc_edition_index", ADD_ON_CODE, PRIMARY_CODE],
            )
            .filter(in_force(pl.col(DOS)) & (pl.col(AD_PRIMARY) != ANY_PRIMARY))
            .select(ROW, AD_PRIMARY, pl.lit(value=True).alias("_ncci"))
            .unique()
        )
        pairs = pairs.join(listed, on=[ROW, AD_PRIMARY], how="left")
        ncci_ok = pl.col("_ncci").fill_null(value=False)
    else:
        ncci_ok = pl.lit(value=False)
    found = (
        pairs.with_columns((_design_primary() | ncci_ok).alias(AD_PRIMARY_FOUND))
        .group_by(ROW)
        .agg(pl.col(AD_PRIMARY_FOUND).any())
    )
    addon_rows = addons.select(ROW).join(found, on=ROW, how="left")
    return lf.join(
        addon_rows.with_columns(pl.col(AD_PRIMARY_FOUND).fill_null(value=False)), on=ROW, how="left"
    )


# add-on code -> its primary, as the message and the fix say it
_SAME_DAY = " for the same person, DOS and rendering NPI"
_SAME_MONTH = " for the same person in the same calendar month"
_OFFICE_EM = "an office E/M (99202–99205, 99212–99215; 98000–98015 from 2025-01-01)"
_OR_NCCI = ", or a primary the NCCI add-on code edits list for it"
_PSYCH_EM = (
    "an E/M (office, 99211, hospital inpatient or observation, consultation, nursing facility, "
    "home or residence, telephone, 98000–98015)"
)
_PRIMARY_TEXT = {
    "G2211": f"{_OFFICE_EM} or 99211{_SAME_DAY}",
    "G2212": f"99205, 99215 or 99483{_SAME_DAY}",
    "99417": f"99205, 99215, 99245, 99345, 99350 or 99483{_SAME_DAY}",
    "90833": f"{_PSYCH_EM}{_SAME_DAY}",
    "90836": f"{_PSYCH_EM}{_SAME_DAY}",
    "90838": f"{_PSYCH_EM}{_SAME_DAY}",
    "90785": f"90791, 90792, 90832–90838 or 90853{_SAME_DAY}",
    "99458": f"99457{_SAME_MONTH}",
    "98981": f"98980{_SAME_MONTH}",
}


def _primary_text() -> pl.Expr:
    text = CODE.replace_strict(_PRIMARY_TEXT, default="its primary service", return_dtype=pl.String)
    return pl.when(CODE.is_in(NCCI_CHECKED_ADDONS)).then(text + _OR_NCCI).otherwise(text)


def _message() -> pl.Expr:
    return pl.format(
        "add-on {} on {} billed without its primary service; expected {}",
        CODE,
        pl.col(DOS).cast(pl.String),
        _primary_text(),
    )


def _fix() -> pl.Expr:
    return pl.format(
        "bill {} on the claim of its primary ({}) where that primary was performed and billed "
        "under another date or NPI by mistake; otherwise remove {} (an add-on is never paid alone)",
        CODE,
        _primary_text(),
        CODE,
    )


@rule(
    code="AD001",
    severity="error",
    message=_message,
    fix=_fix,
    prepare=(add_on_primaries_found, same_day_codes),
)
def add_on_code_without_primary() -> pl.Expr:
    """An add-on code billed without the primary service it must accompany.

    What it checks, for the same person, DOS and rendering NPI: G2211 (visit complexity) without an
    office E/M (99202–99205, 99212–99215; 98000–98015 from 2025-01-01) or 99211; G2212 (Medicare
    prolonged) without 99205, 99215 or 99483; 99417 (CPT prolonged) without 99205, 99215, 99245,
    99345, 99350 or 99483; 90833/90836/90838 (psychotherapy with E/M) without an E/M (office,
    99211, hospital inpatient or observation, consultation, nursing facility, home or residence,
    telephone, 98000–98015); 90785 (interactive complexity) without 90791, 90792, 90832–90838 or
    90853. For each of these add-ons, a primary the NCCI add-on code edits in force on the DOS
    list also counts (the edits of the DOS's quarter, else the nearest loaded edition within 365
    days; telekit ships the 2024 edits, CMS's quarterly files are passed with --ncci), and a
    primary named above counts even where the loaded edition predates it. For the same person and
    calendar month, with any NPI: 99458 (RPM, each additional 20 min) without 99457, and 98981
    (RTM, each additional 20 min) without 98980. Lines of replaced or voided claims are never
    add-ons nor primaries; a line whose code is outside its validity on the DOS still counts as a
    primary.

    Why: an add-on code describes work on top of a primary service and is payable only with it;
    billed alone it is denied.

    Sources: CPT add-on code guidelines (CPT Professional, Introduction, "Add-on Codes"); NCCI
    Policy Manual for Medicare Services, ch. I "General Correct Coding Policies" (add-on codes) and
    ch. XI "Medicine: Evaluation and Management Services" (psychotherapy with E/M, prolonged
    services),
    https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medicare-ncci-policy-manual;
    CMS "Medicare NCCI Add-on Code Edits",
    https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/medicare-ncci-add-code-edits;
    Medicare Claims Processing Manual (Pub. 100-04) ch. 12 §30.6.15
    (prolonged services, G2212),
    https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/clm104c12.pdf;
    CY 2024 PFS final rule, 88 FR 78818 (G2211).

    Example: G2211 on 2024-03-15 for P1 by NPI 1234567893 with no office E/M that day for P1 by
    that NPI (the visit was billed under a colleague's NPI, or only G2211 was keyed). 99232 with
    90833 passes (the NCCI edits list hospital care as a primary of 90833), and 99245 with 99417
    passes.

    Instead: bill the add-on with its primary, same date and NPI, where the primary was performed;
    otherwise remove the add-on.
    """
    # a clause fires only where its window column says no primary: the code look-ups run on
    # those lines alone (v.on_rows)
    without_primary = (
        ~pl.col(AD_PRIMARY_FOUND).fill_null(value=True) | ~pl.col(SM_99457) | ~pl.col(SM_98980)
    )
    return v.on_rows(
        without_primary,
        lambda col: (
            (
                col(c.HCPCS_CODE).is_in(NCCI_CHECKED_ADDONS)
                & ~col(AD_PRIMARY_FOUND).fill_null(value=True)
            )
            | ((col(c.HCPCS_CODE) == "99458") & ~col(SM_99457))
            | ((col(c.HCPCS_CODE) == "98981") & ~col(SM_98980))
        ),
        (c.HCPCS_CODE, AD_PRIMARY_FOUND, SM_99457, SM_98980),
    )


# --- AD002: G2211 with a modifier-25 E/M (Medicare) ---------------------------------------------

G2211_START = pl.date(2024, 1, 1)
G2211_25_ALLOWED_FROM = pl.date(2025, 1, 1)
# from 2025 G2211 is paid with a modifier-25 E/M when the other same-day service is an annual
# wellness visit, a vaccine administration or a Part B preventive service
G2211_25_COMPANIONS = (
    "G0438", "G0439",  # annual wellness visit
    "G0008", "G0009", "G0010", "90471", "90472", "90473", "90474",  # vaccine administration
    "G0402", "G0442", "G0443", "G0444", "99497",  # Part B preventive services
)  # fmt: skip
AD002_EM_25 = "ad002_em_25"
AD002_COMPANION = "ad002_companion"


def g2211_same_day(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """On G2211 lines: the E/M of the same person, DOS and rendering NPI that carries modifier 25
    (``ad002_em_25``, its code; the smallest when several, null when none) and whether that day
    has an AWV, vaccine administration or Part B preventive service (``ad002_companion``).
    Superseded lines never take part; other lines get null."""
    live = lf.filter(v.not_superseded)
    day_key = [c.PERSON_ID, DOS, c.RENDERING_NPI]
    g2211 = live.filter(CODE == "G2211").select(ROW, *day_key)
    # per G2211 line, over the lines of its day (joined on the day key's hash)
    em25 = (
        join_on_key(
            g2211,
            live.filter(
                (v.is_office_em.fill_null(value=False) | (CODE == "99211"))
                & v.modifiers.list.contains("25").fill_null(value=False)
            ).select(*day_key, c.HCPCS_CODE),
            day_key,
        )
        .group_by(ROW)
        .agg(CODE.min().alias(AD002_EM_25))
    )
    companion = (
        join_on_key(g2211, live.filter(CODE.is_in(G2211_25_COMPANIONS)).select(day_key), day_key)
        .select(ROW)
        .unique()
        .with_columns(pl.lit(value=True).alias(AD002_COMPANION))
    )
    day = (
        g2211.select(ROW)
        .join(em25, on=ROW, how="left")
        .join(companion, on=ROW, how="left")
        .select(ROW, AD002_EM_25, pl.col(AD002_COMPANION).fill_null(value=False))
    )
    return lf.join(day, on=ROW, how="left")


def _ad002_message() -> pl.Expr:
    why = (
        pl.when(pl.col(DOS) < G2211_25_ALLOWED_FROM)
        .then(pl.lit("in 2024 Medicare did not pay G2211 with an E/M reported with modifier 25"))
        .otherwise(
            pl.lit(
                "from 2025 Medicare pays G2211 with a modifier-25 E/M only when the other same-day "
                "service is an annual wellness visit, a vaccine administration or a Part B "
                "preventive service, and none is billed that day"
            )
        )
    )
    return pl.format(
        "G2211 on {} billed with {}-25 for the same person and rendering NPI: {}",
        pl.col(DOS).cast(pl.String),
        pl.col(AD002_EM_25),
        why,
    )


@rule(
    code="AD002",
    severity="error",
    message=_ad002_message,
    fix="remove G2211 from the claim: it is not payable with this modifier-25 E/M (the E/M "
    "itself stays as billed)",
    prepare=(g2211_same_day,),
)
def g2211_with_modifier_25_em() -> pl.Expr:
    """Medicare G2211 (visit complexity add-on) billed with an E/M that carries modifier 25.

    What it checks: a Medicare (fee-for-service) G2211 line whose same-day office E/M or 99211
    (same person, rendering NPI and DOS; replaced or voided claims excepted) carries modifier 25.
    With a DOS in 2024 it always fires; from 2025-01-01 it fires unless the same day (same person,
    rendering NPI) has an annual wellness visit (G0438, G0439), a vaccine administration (G0008,
    G0009, G0010, 90471–90474) or a Part B preventive service (G0402, G0442–G0444, 99497). G2211
    before 2024 is not judged here (it was not payable at all; see the fee-schedule status).

    Why: CMS pays G2211 for the longitudinal relationship of an office/outpatient E/M; for 2024 it
    made G2211 not payable when the E/M is reported with modifier 25 (a same-day procedure or
    other service), and from 2025 allowed it only where the modifier-25 service is an AWV, a
    vaccine administration or a Part B preventive service.

    Sources: CY 2024 Medicare Physician Fee Schedule final rule, 88 FR 78818 (Nov. 16, 2023),
    https://www.federalregister.gov/documents/2023/11/16/2023-24184; CY 2025 Medicare Physician Fee
    Schedule final rule, 89 FR 97710 (Dec. 9, 2024),
    https://www.federalregister.gov/documents/2024/12/09/2024-25382;
    MLN MM13473 "How to Use the Office & Outpatient Evaluation and
    Management Visit Complexity Add-on Code G2211",
    https://www.cms.gov/files/document/mm13473-how-use-office-and-outpatient-evaluation-and-management-visit-complexity-add-code-g2211.pdf.

    Example: 99214-25 with a joint injection (20610) and G2211 for one patient by one NPI on
    2024-05-02: G2211 is flagged; 99214-25 with G0439 and G2211 on 2025-05-02 passes, on
    2024-05-02 it is flagged.

    Instead: remove G2211 (the E/M and the other service stay as billed).
    """
    return (
        (CODE == "G2211")
        & v.is_medicare
        & (pl.col(DOS) >= G2211_START)
        & pl.col(AD002_EM_25).is_not_null()
        & ((pl.col(DOS) < G2211_25_ALLOWED_FROM) | ~pl.col(AD002_COMPANION))
    )
