"""Telehealth-list rules (TH): is the service payable as Medicare telehealth, in that form?

TH001 and TH003 read the Medicare Telehealth Services List for the DOS year
(``telekit/codesets/telehealth_list.csv``, or the list given to ``tk.audit(telehealth_list=)``):
``on_telehealth_list``, ``list_audio_only`` and ``list_year_shipped`` of the annotated lines. For a
DOS year no list ships for, they give no finding (nothing to compare with) rather than calling
every code unlisted.
"""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule

DOS = pl.col(c.CLAIM_LINE_START_DATE)
CODE = pl.col(c.HCPCS_CODE)

# TH003 (DESIGN §5): from 2020-03-01 to 2024-12-31 at least these are allowed audio-only ...
AUDIO_ONLY_PHE_START = pl.date(2020, 3, 1)
AUDIO_ONLY_WINDOW = (AUDIO_ONLY_PHE_START, pl.date(2024, 12, 31))
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
AUDIO_ONLY_ANY_SERVICE_FROM = pl.date(2025, 1, 1)


# --- TH001 -------------------------------------------------------------------------------------


@rule(
    code="TH001",
    skip_self_pay=True,
    severity="error",
    message=lambda: pl.format(
        "{} billed as Medicare telehealth is not on the Medicare Telehealth Services List for "
        "{}; expected a service on that year's list",
        CODE,
        DOS.dt.year(),
    ),
    fix=lambda: pl.lit(
        "not payable as Medicare telehealth: bill it only when furnished in person (in-person "
        "POS, no telehealth modifier), or bill the listed service that was furnished"
    ),
    partial_when=lambda: v.is_medicare & v.telehealth_line & ~v.list_year_shipped & ~v.superseded,
    partial_reason=(
        "Medicare telehealth lines in a year telekit ships no telehealth list for; pass that "
        "year's CMS list (telekit.codesets.read_cms_telehealth_list) as telehealth_list="
    ),
)
def service_not_on_telehealth_list() -> pl.Expr:
    """Medicare telehealth line whose code is not on the Medicare Telehealth Services List.

    Checks Medicare (payer_type ``medicare``; not Medicare Advantage) telehealth lines — a
    telehealth indicator (POS 02/10 or modifier 95, 93, GT, GQ, FQ, G0), not CTBS, not Q3014, on
    an encounter that is not in-person — and fires when the code is not on the list in force for
    the DOS year. A code absent from the year's list is not on it; the shipped list holds the
    add-on codes (G2211, G2212, 90785, 90833/90836/90838). For a DOS year telekit ships no list
    for (and none was given through ``tk.audit(telehealth_list=)``), no finding is made.

    Why: only services on the list are payable as telehealth under SSA §1834(m); the list changes
    each calendar year through the PFS final rule (ref §1 [S6], [S2], [S5]). An unlisted service
    billed as telehealth is denied (CARC 96 or 5, ref §6).

    Example: ``90849`` (multiple-family group psychotherapy) with POS 10 on 2025-12-31 → error; on
    2026-01-01 (added for CY 2026) → no finding.

    Instead: bill the service only when furnished in person, or bill the listed service that was
    actually furnished; CTBS (virtual check-ins, e-visits) are billed without telehealth POS or
    modifiers.
    """
    return v.is_medicare & v.telehealth_line & v.list_year_shipped & ~v.on_telehealth_list


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
        "{} is a communication-technology-based service (not telehealth) billed with {}; "
        "expected no telehealth POS or modifier",
        CODE,
        _th002_found(),
    ),
    fix=lambda: pl.lit(
        "bill the CTBS code without modifiers 95/93/GT and with the POS where the practitioner "
        "was (e.g. 11 office)"
    ),
)
def ctbs_billed_as_telehealth() -> pl.Expr:
    """Medicare or MA communication-technology-based service billed like a telehealth visit.

    Checks CTBS lines (online digital E/M 99421-99423, 98970-98972, G2061-G2063; virtual
    check-ins G2012, G2252, 98016, G2010, G2250, G2251; telephone assessment 98966-98968; remote
    monitoring; interprofessional consultations 99446-99452) billed to Medicare or Medicare
    Advantage, and fires when the line carries POS 02 or 10, or modifier 95, 93 or GT.

    Why: CTBS are not Medicare telehealth services (they are not on the Telehealth Services List
    and are paid as their own codes); they are not billed with POS 02/10 or telehealth modifiers
    (ref §1 "Not on the list", §2.3 [S22], [S27]). Billed like telehealth they are denied
    (CARC 5 or 4, ref §6).

    Example: ``99422`` (online digital E/M) with POS 10 → error; with POS 11 and no modifier →
    no finding.

    Instead: bill the CTBS code with the POS where the practitioner was (e.g. 11) and no 95, 93
    or GT.
    """
    return (
        v.is_medicare_or_ma
        & v.is_ctbs
        & (v.pos_telehealth | v.has_mod_95 | v.has_mod_93 | v.has_mod_gt)
    )


# --- TH003 -------------------------------------------------------------------------------------


def _audio_only_allowed() -> pl.Expr:
    in_window = DOS.is_between(*AUDIO_ONLY_WINDOW)
    return (
        pl.when(in_window & CODE.is_in(AUDIO_ONLY_ALLOWED))
        .then(pl.lit(value=True))
        .when(in_window & CODE.is_in(AUDIO_ONLY_NOT_ALLOWED))
        .then(pl.lit(value=False))
        .otherwise(v.list_audio_only.fill_null(value=False))
    )


def _th003_known() -> pl.Expr:
    """The list for the year is shipped, or DESIGN names the code for that date."""
    return v.list_year_shipped | (
        DOS.is_between(*AUDIO_ONLY_WINDOW) & CODE.is_in(AUDIO_ONLY_NOT_ALLOWED)
    )


def _th003_fix() -> pl.Expr:
    return (
        pl.when(DOS >= AUDIO_ONLY_PHE_START)
        .then(
            pl.lit(
                "furnish and bill the visit by audio-video; for a telephone visit bill the "
                "telephone E/M 99441-99443 by time"
            )
        )
        .otherwise(
            pl.lit(
                "Medicare did not pay audio-only telehealth before 2020-03-01: furnish the "
                "visit by audio-video"
            )
        )
    )


@rule(
    code="TH003",
    skip_self_pay=True,
    severity="error",
    message=lambda: pl.format(
        "{} furnished audio-only on {}: the {} Medicare Telehealth Services List does not allow "
        "it audio-only; expected audio-video, or a code the list allows audio-only",
        CODE,
        DOS,
        DOS.dt.year(),
    ),
    fix=_th003_fix,
    tables=("encounters",),
)
def audio_only_not_allowed_for_code() -> pl.Expr:
    """Medicare or MA audio-only telehealth line, before 2025, for a code not allowed audio-only.

    Checks telehealth lines to Medicare or Medicare Advantage whose encounter modality is
    ``audio_only`` and whose DOS is before 2025-01-01, and fires when the Telehealth Services List
    of the DOS year does not allow the code audio-only (the list's audio-only flag; a code not on
    the list is not allowed). From 2020-03-01 to 2024-12-31 the telephone E/M 99441-99443 and the
    behavioral codes 90785, 90791, 90792, 90832-90838, 90845-90847, 90853 are always allowed and
    the office E/M 99202-99215 never are, whatever the list. For an earlier year telekit ships no
    list for, no finding is made. From 2025 any listed service may be audio-only at home, so the
    rule does not apply.

    Why: until CY 2025 Medicare required real-time audio-video for telehealth except for the
    services the list marked "Can audio-only interaction meet the requirements?" (PHE and
    post-PHE mental-health audio-only, ref §4 "Audio-only rules" [S49], [S26], [S44]); the CY 2025
    PFS made audio-only acceptable for any service to a patient at home (ref §4 [S49]).

    Example: ``99213`` POS 10 + 93, encounter audio_only, payer_type medicare, 2024-03-15 →
    error; ``90834`` the same day → no finding; ``99213`` on 2025-01-01 → no finding.

    Instead: furnish the visit by audio-video, or bill the telephone E/M 99441-99443 by time for a
    telephone visit (2020-03-01 to 2024-12-31).
    """
    return (
        v.is_medicare_or_ma
        & v.audio_only_line
        & (DOS < AUDIO_ONLY_ANY_SERVICE_FROM)
        & _th003_known()
        & ~_audio_only_allowed()
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

    Two clauses: a Q3014 line with POS 10 (telehealth in the patient's home), or a Q3014 line
    whose encounter has patient_location ``home``. The second clause needs encounters; without
    them the rule is partial. Any payer.

    Why: Q3014 pays the facility where the patient is (the originating site: office, hospital,
    CAH, RHC, FQHC, SNF, CMHC …); it is never paid when the originating site is the patient's
    home, even while the flexibilities allow home telehealth (ref §2.10, MBPM ch.15 §270.5, [S46]).

    Example: ``Q3014`` with POS 10 → error; ``Q3014`` with POS 11 for a patient at a facility →
    no finding.

    Instead: remove the Q3014 line; only the distant-site practitioner's service is billed for a
    patient at home.
    """
    return v.is_q3014 & (_th004_pos10() | _th004_home())
