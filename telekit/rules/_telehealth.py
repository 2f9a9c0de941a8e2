"""Telehealth-list rules (TH): is the service payable as Medicare telehealth, in that form?

TH001-TH003 read the Medicare Telehealth Services List in force for the DOS year, as annotated by
``telekit._engine._annotate._telehealth_list``: telekit's copy
(``telekit/codesets/telehealth_list.csv``) or the CMS file given for that year
(``--telehealth-list``, ``tk.audit(telehealth_lists=...)``), else the latest earlier list
(``list_year_used``). A code absent from that list is ``list_known_absent`` (in telekit's curated
HCPCS table, or the year's list came from a CMS file) or ``list_unknown`` (anything else, and
every code judged against an earlier year's list): DESIGN §5 "Unknown codes".
"""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule

DOS = pl.col(c.CLAIM_LINE_START_DATE)
CODE = pl.col(c.HCPCS_CODE)

# Medicare Advantage lines of these rules are warnings unless the plan's policy asks for errors
MA_NOTE = (
    " (Medicare Advantage: the plan may cover more telehealth as a supplemental benefit, "
    "42 CFR 422.135; check the plan's terms)"
)


def _ma_note() -> pl.Expr:
    return pl.when(v.ma_ffs_warning).then(pl.lit(MA_NOTE)).otherwise(pl.lit(""))


def _payer_word() -> pl.Expr:
    return (
        pl.when(pl.col(c.PAYER_TYPE) == "medicare_advantage")
        .then(pl.lit("Medicare Advantage"))
        .otherwise(pl.lit("Medicare"))
    )


# TH003: no audio-only Medicare telehealth before the PHE waiver (2020-03-01); from 2020-03-01 to
# 2024-12-31 at least these codes are allowed audio-only ...
AUDIO_ONLY_PHE_START = pl.date(2020, 3, 1)
AUDIO_ONLY_ALLOWED = (
    "99441", "99442", "99443",
    "90785", "90791", "90792",
    *(str(n) for n in range(90832, 90839)),
    "90845", "90846", "90847", "90853",
)  # fmt: skip
# ... and office E/M 99202-99215 are not (99206-99210 do not exist).
AUDIO_ONLY_NOT_ALLOWED = (
    "99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215",
)  # fmt: skip
# from 2025-01-01 any telehealth service may be audio-only, for a patient at home
AUDIO_ONLY_AT_HOME_FROM = pl.date(2025, 1, 1)


# --- TH001 -------------------------------------------------------------------------------------


def _th001_message() -> pl.Expr:
    used = v.list_year_used.cast(pl.String)
    fallback = (
        pl.when(~v.list_year_shipped)
        .then(pl.format(" (there is no CY{} list: judged against CY{})", DOS.dt.year(), used))
        .otherwise(pl.lit(""))
    )
    return (
        pl.when(v.list_unknown)
        .then(
            pl.format(
                "{} billed as {} telehealth is not on telekit's copy of the CY{} list; check "
                "CMS's list or pass it with --telehealth-list{}",
                CODE,
                _payer_word(),
                used,
                fallback,
            )
        )
        .otherwise(
            pl.format(
                "{} billed as {} telehealth is not on the Medicare Telehealth Services List for "
                "CY{}{}; expected a service on that year's list",
                CODE,
                _payer_word(),
                used,
                pl.when(v.list_from_cms_file)
                .then(pl.lit(" (the CMS file given)"))
                .otherwise(pl.lit("")),
            )
        )
    )


def _th001_fix() -> pl.Expr:
    unknown = pl.format(
        "look the code up on CMS's List of Telehealth Services for CY{} (or pass that list with "
        "--telehealth-list); if it is not listed, it is payable only when furnished in person",
        DOS.dt.year(),
    )
    absent = pl.lit(
        "not payable as Medicare telehealth: bill it only when it was furnished in person "
        "(in-person POS, no telehealth modifier), or bill the listed service that was furnished"
    )
    return pl.concat_str(
        [pl.when(v.list_unknown).then(unknown).otherwise(absent), _ma_note()],
    )


@rule(
    code="TH001",
    skip_self_pay=True,
    severity="error",
    message=_th001_message,
    fix=_th001_fix,
    line_severity=lambda: (
        pl.when(v.list_unknown).then(pl.lit("warning")).otherwise(v.ffs_severity())
    ),
    partial_when=lambda: (
        v.is_medicare_or_ma & v.telehealth_line & v.list_year_used.is_null() & ~v.superseded
    ),
    partial_reason=(
        "Medicare telehealth lines dated before the earliest telehealth list telekit has "
        "(CY2019); pass that year's CMS list with --telehealth-list"
    ),
)
def service_not_on_telehealth_list() -> pl.Expr:
    """Medicare telehealth line whose code is not on the Medicare Telehealth Services List.

    What it checks: Medicare and Medicare Advantage telehealth lines (a telehealth indicator —
    POS 02 or 10, or modifier 95, 93, GT, GQ, FQ or G0 — on a line that is not a
    communication-technology-based service, not Q3014, and whose encounter is not in-person)
    whose code is not on the Medicare Telehealth Services List in force for the calendar year of
    the date of service. The list in force is telekit's copy of CMS's list, or the CMS list file
    you pass for that year (``--telehealth-list FILE``, one per year), which then replaces
    telekit's copy.

    - Error: the code is *known absent* — it is in telekit's curated code table, or the year's
      list came from a CMS file you passed — and it is not on the list. Temporary PHE additions
      count from 2020-03-01.
    - Warning, no amount: the code is *unknown to the list* — telekit's copy does not have it
      and telekit's code table does not know it (e.g. a Category III code such as 0998T), or
      the DOS year has no list and the code is not on the latest earlier one. The message says
      "not on telekit's copy of the CY{year} list; check CMS's list or pass it with
      --telehealth-list".
    - Medicare Advantage lines are warnings with no amount, unless the plan's policy entry says
      ``ffs_telehealth_rules = "error"``.
    - Dates of service before the earliest list (CY2019) are not judged; the rule is
      ``partial`` with their count.

    Why: Medicare pays a service furnished by telehealth only when it is on the list of
    telehealth services (Social Security Act §1834(m)(4)(F),
    https://www.ssa.gov/OP_Home/ssact/title18/1834.htm; 42 CFR 410.78(f),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78).
    CMS adds and removes services each calendar year in the Physician Fee Schedule final rule
    and publishes the list at https://www.cms.gov/medicare/coverage/telehealth/list-services
    (the CY 2026 rule, CMS-1832-F, added 90849, G0473, G0545, 92622 and 92623 and ended the
    provisional category; summary: https://privacylawrules.com/?p=1507). The Medicare Claims
    Processing Manual (Pub. 100-04), ch. 12 §190,
    https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/clm104c12.pdf,
    describes how telehealth services are billed. Medicare Advantage plans may offer more
    telehealth as a supplemental benefit (42 CFR 422.135,
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-422/subpart-C/section-422.135).

    Example: ``90849`` (multiple-family group psychotherapy) to Medicare with POS 10 on
    2025-12-31 → error; on 2026-01-01 (added for CY 2026) → no finding. ``0998T`` with POS 10 on
    2024-06-03 → warning, no amount.

    Instead: bill the service only when it was furnished in person, or bill the listed service
    that was actually furnished; for a warning, look the code up on CMS's list for the year.
    """
    return v.is_medicare_or_ma & v.telehealth_line & (v.list_known_absent | v.list_unknown)


# --- TH002 -------------------------------------------------------------------------------------


def _th002_found() -> pl.Expr:
    return pl.concat_str(
        [
            pl.when(v.pos_telehealth).then(pl.format("POS {}", pl.col(c.PLACE_OF_SERVICE_CODE))),
            *(
                pl.when(pl.col(f"has_mod_{m}")).then(pl.lit(f"modifier {m}"))
                for m in ("95", "93", "GT")
            ),
        ],
        separator=" and ",
        ignore_nulls=True,
    )


@rule(
    code="TH002",
    skip_self_pay=True,
    suppresses=("MD004",),  # DESIGN §5 precedence: PS003 and TH002 suppress MD004
    severity="error",
    message=lambda: pl.format(
        "{} is a communication-technology-based service (not telehealth) billed to {} with {}; "
        "expected no telehealth POS or modifier",
        CODE,
        _payer_word(),
        _th002_found(),
    ),
    fix=lambda: pl.concat_str(
        [
            pl.lit(
                "bill the CTBS code without modifiers 95/93/GT and with the POS where the "
                "practitioner was (e.g. 11 office)"
            ),
            _ma_note(),
        ]
    ),
    line_severity=v.ffs_severity,
)
def ctbs_billed_as_telehealth() -> pl.Expr:
    """Medicare or MA communication-technology-based service billed like a telehealth visit.

    What it checks: communication-technology-based services (CTBS: online digital E/M
    99421-99423, 98970-98972, G2061-G2063; virtual check-ins G2012, G2252, 98016, G2010, G2250,
    G2251; telephone assessment 98966-98968; remote monitoring 99453, 99454, 99445, 99457, 99458,
    99470, 99091, 98975-98981, 98984-98986; interprofessional consultations 99446-99452) billed
    to Medicare or Medicare Advantage with POS 02 or 10, or with modifier 95, 93 or GT — unless
    the code is on the Medicare Telehealth Services List for the DOS year. The one such case:
    telephone assessment 98966-98968 was on the list from 2020-03-01 to 2024-12-31 (a PHE
    addition). Medicare Advantage lines are warnings with no amount unless the plan's policy
    says ``ffs_telehealth_rules = "error"``.

    Why: CTBS are not Medicare telehealth services: they are paid as their own codes, not under
    Social Security Act §1834(m), and are not billed with a telehealth POS or modifier. CMS
    created them in the CY 2019 Physician Fee Schedule final rule (CMS-1693-F; summary:
    https://beta.idsociety.org/idsa-newsletter/january-23-2019/new-in-2019-medicare-payment-for-communication-technology-based-services/);
    online digital E/M: https://codingintel.com/cpt-codes-online-digital-evaluation-and-management-services/;
    virtual check-ins and 98016 replacing G2012 from 2025:
    https://codingintel.com/virtual-communication-codes. The list itself:
    https://www.cms.gov/medicare/coverage/telehealth/list-services. Billed like telehealth they
    are denied or paid wrongly.

    Example: ``99422`` (online digital E/M) with POS 10 to Medicare → error; with POS 11 and no
    modifier → no finding. ``98966`` with POS 02 on 2022-05-02 → no finding (on the list then);
    on 2025-02-03 → error.

    Instead: bill the CTBS code with the POS where the practitioner was (e.g. 11) and no 95, 93
    or GT.
    """
    return (
        v.is_medicare_or_ma
        & v.is_ctbs
        & (v.pos_telehealth | v.has_mod_95 | v.has_mod_93 | v.has_mod_gt)
        & ~v.on_telehealth_list
    )


# --- TH003 -------------------------------------------------------------------------------------


def _before_2025_not_allowed(col: v.Column = pl.col) -> pl.Expr:
    """The list in force does not allow the code audio-only (DOS before 2025-01-01).

    Before 2020-03-01 Medicare allowed no audio-only telehealth; from 2020-03-01 to 2024-12-31
    DESIGN's named codes decide, then the list's audio-only flag (a code without a flag is not
    judged), and a code known absent from the list is not allowed; a code unknown to the list is
    TH001's warning, not judged here. (``col`` reads the columns: ``_TH003_COLUMNS``.)
    """
    code = col(c.HCPCS_CODE)
    return (
        pl.when(col(c.CLAIM_LINE_START_DATE) < AUDIO_ONLY_PHE_START)
        .then(pl.lit(value=True))
        .when(code.is_in(AUDIO_ONLY_ALLOWED))
        .then(pl.lit(value=False))
        .when(code.is_in(AUDIO_ONLY_NOT_ALLOWED))
        .then(pl.lit(value=True))
        .when(col(v.ON_TELEHEALTH_LIST))
        .then(~col(v.LIST_AUDIO_ONLY).fill_null(value=True))
        .otherwise(col(v.LIST_KNOWN_ABSENT))
    )


def _th003_before_2025(col: v.Column = pl.col) -> pl.Expr:
    return (
        (col(c.CLAIM_LINE_START_DATE) < AUDIO_ONLY_AT_HOME_FROM)
        & col(v.LIST_YEAR_USED).is_not_null()
        & _before_2025_not_allowed(col)
    )


def _th003_not_home(col: v.Column = pl.col) -> pl.Expr:
    return (col(c.CLAIM_LINE_START_DATE) >= AUDIO_ONLY_AT_HOME_FROM) & (
        col(v.ENC_PATIENT_LOCATION) != "home"
    )


#: the columns TH003's clauses read
_TH003_COLUMNS = (
    c.CLAIM_LINE_START_DATE,
    c.HCPCS_CODE,
    v.ON_TELEHEALTH_LIST,
    v.LIST_AUDIO_ONLY,
    v.LIST_KNOWN_ABSENT,
    v.LIST_YEAR_USED,
    v.ENC_PATIENT_LOCATION,
)


def _th003_message() -> pl.Expr:
    return (
        pl.when(DOS >= AUDIO_ONLY_AT_HOME_FROM)
        .then(
            pl.format(
                "{} furnished audio-only on {} to a patient whose location is {}, not home: "
                "Medicare accepts audio-only telehealth only for a patient at home; expected "
                "audio-video",
                CODE,
                DOS,
                v.enc_patient_location,
            )
        )
        .when(DOS < AUDIO_ONLY_PHE_START)
        .then(
            pl.format(
                "{} furnished audio-only on {}: Medicare telehealth required audio-video before "
                "2020-03-01; expected audio-video",
                CODE,
                DOS,
            )
        )
        .otherwise(
            pl.format(
                "{} furnished audio-only on {}: the CY{} Medicare Telehealth Services List does "
                "not allow it audio-only; expected audio-video, or a code the list allows "
                "audio-only",
                CODE,
                DOS,
                DOS.dt.year(),
            )
        )
    )


def _th003_fix() -> pl.Expr:
    own = (
        pl.when(DOS >= AUDIO_ONLY_AT_HOME_FROM)
        .then(
            pl.lit(
                "a patient away from home is seen by audio-video; if the patient was in fact at "
                "home, the encounter's patient location is wrong, and documentation amended "
                "later must be identified and dated as such (PIM 100-08 ch. 3 §3.3.2.5)"
            )
        )
        .when(DOS < AUDIO_ONLY_PHE_START)
        .then(
            pl.lit(
                "Medicare did not pay audio-only telehealth before 2020-03-01: not payable as "
                "telehealth"
            )
        )
        .otherwise(
            pl.lit(
                "not payable audio-only: for a telephone visit bill the telephone E/M "
                "99441-99443 by time (2020-03-01 to 2024-12-31), or a code the list allows "
                "audio-only"
            )
        )
    )
    return pl.concat_str([own, _ma_note()])


@rule(
    code="TH003",
    skip_self_pay=True,
    severity="error",
    message=_th003_message,
    fix=_th003_fix,
    tables=("encounters",),
    line_severity=lambda: (
        pl.when(DOS >= AUDIO_ONLY_AT_HOME_FROM).then(pl.lit("warning")).otherwise(v.ffs_severity())
    ),
)
def audio_only_not_allowed_for_code() -> pl.Expr:
    """Medicare or MA audio-only telehealth line the Medicare rules do not allow audio-only.

    What it checks: Medicare and Medicare Advantage telehealth lines whose encounter modality is
    ``audio_only``.

    - DOS before 2025-01-01 (error): the Medicare Telehealth Services List of the DOS year does
      not allow the code audio-only. Before 2020-03-01 no code was allowed. From 2020-03-01 to
      2024-12-31 the telephone E/M 99441-99443 and the behavioral codes 90785, 90791, 90792,
      90832-90838, 90845-90847 and 90853 are allowed and the office E/M 99202-99215 are not,
      whatever the list; other codes follow the list's "audio-only" flag (a code on the list
      without a flag is not judged), and a code known absent from the list is not allowed. A
      code unknown to the list is left to TH001's warning.
    - DOS from 2025-01-01 (warning, no amount): the encounter's patient_location is given and is
      not ``home`` — Medicare's definition of an interactive telecommunications system accepts
      audio-only only for a patient at home. It is a warning because the statutory telehealth
      flexibilities (through 2027-12-31) may allow more.
    - Medicare Advantage lines are warnings with no amount unless the plan's policy says
      ``ffs_telehealth_rules = "error"``.

    Why: until CY 2025 Medicare telehealth required real-time audio and video, except for the
    services the list marked as allowed audio-only during the PHE and, from 2022, mental-health
    services to a patient at home (42 CFR 410.78(a)(3),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78;
    CMS's list: https://www.cms.gov/medicare/coverage/telehealth/list-services). The CY 2025
    Physician Fee Schedule final rule (CMS-1807-F) made two-way real-time audio-only acceptable
    for any telehealth service to a patient at home when the practitioner can offer video and
    the patient cannot or does not consent to it (First Coast Service Options, "Telehealth
    services", https://medicare.fcso.com/EM/0459457.asp; AAFP, "Medicare telehealth 2025",
    https://aafp.org/pubs/fpm/blogs/gettingpaid/entry/medicare-telehealth-2025.html).

    Example: ``99213`` with POS 10 and 93, encounter audio_only, Medicare, 2024-03-15 → error;
    ``90834`` the same day → no finding; ``99213`` audio-only on 2025-03-03 with patient_location
    home → no finding, with patient_location facility → warning.

    Instead: furnish the visit by audio-video; for a telephone visit from 2020-03-01 to
    2024-12-31 bill the telephone E/M 99441-99443 by time.
    """
    # the clauses (two code look-ups) only on the Medicare audio-only lines (v.on_rows)
    return v.on_rows(
        v.is_medicare_or_ma & v.audio_only_line,
        lambda col: (_th003_before_2025(col) | _th003_not_home(col)).fill_null(value=False),
        _TH003_COLUMNS,
    )


# --- TH004 -------------------------------------------------------------------------------------


def _th004_pos10() -> pl.Expr:
    return pl.col(c.PLACE_OF_SERVICE_CODE) == "10"


def _th004_home() -> pl.Expr:
    return v.enc_found & (v.enc_patient_location == "home")


@rule(
    code="TH004",
    skip_self_pay=True,
    severity="error",
    message=lambda: pl.format(
        "Q3014 (telehealth originating-site facility fee) billed for a patient at home ({}); "
        "expected the patient at an originating-site facility",
        pl.concat_str(
            [
                pl.when(_th004_pos10()).then(pl.lit("POS 10")),
                pl.when(_th004_home()).then(pl.lit("encounter patient_location home")),
            ],
            separator=", ",
            ignore_nulls=True,
        ),
    ),
    fix="remove the Q3014 line: no originating-site fee is paid when the patient is at home",
    partial_tables=("encounters",),
)
def originating_site_fee_for_home() -> pl.Expr:
    """Originating-site facility fee (Q3014) billed when the patient was at home.

    What it checks: a Q3014 line with POS 10 (telehealth in the patient's home), or a Q3014 line
    whose encounter has patient_location ``home``. The second clause needs encounters; without
    them the rule is partial. Any payer.

    Why: Q3014 pays the facility where the patient is (the originating site: a practitioner's
    office, hospital, critical access hospital, rural health clinic, FQHC, skilled nursing
    facility, community mental health center …); no facility fee is paid when the originating
    site is the patient's home, even where home telehealth is allowed (Social Security Act
    §1834(m)(2)(B), https://www.ssa.gov/OP_Home/ssact/title18/1834.htm; Medicare Benefit Policy
    Manual (Pub. 100-02), ch. 15 §270,
    https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/bp102c15.pdf;
    Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §190.5,
    https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/clm104c12.pdf;
    SUPPORT Act home-site rule: https://www.klgates.com/SUPPORT-for-Patients-and-Communities-Act-Utilizing-Telehealth-Technology-to-Provide-Substance-Use-Disorder-and-Treatments-11-14-2018).

    Example: ``Q3014`` with POS 10 → error; ``Q3014`` with POS 11 for a patient at a facility →
    no finding.

    Instead: remove the Q3014 line; only the distant-site practitioner's service is billed for a
    patient at home.
    """
    return v.is_q3014 & (_th004_pos10() | _th004_home())
