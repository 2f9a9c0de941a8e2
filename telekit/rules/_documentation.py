"""Documentation rules (DC001–DC007): what the encounter note must hold for the line to stand.

Every rule here reads the documentation facts of the encounters table (DESIGN §3 "encounters"),
so each is ``skipped`` when no encounters are given. A line whose encounter is missing gets DC003
(when it has a telehealth indicator) and nothing else from this module except DC001, which looks
back over all of the patient's encounters with the same rendering NPI.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit.rules._keys import KEY_HASH, asof_on_key, key_hash

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

ROW = v.ROW
DOS = c.CLAIM_LINE_START_DATE
ENCOUNTERS = "encounters"
PROVIDERS = "providers"

# DC001: consent for CTBS is valid for a year (ref §2.3, §8: "once annually, documented" [S65])
CONSENT_LOOK_BACK_DAYS = 365
LAST_CONSENT = "dc001_last_consent_date"
DC006_START = dt.date(2022, 1, 1)
#: The one thing a fix may say about the record (DESIGN §5 "Fixes follow the line's status"): a
#: retrospective audit never asks to add documentation after the fact.
AMENDED_LATER = (
    "documentation amended later must be identified and dated as such (PIM 100-08 ch. 3 §3.3.2.5)"
)


def _dos_text() -> pl.Expr:
    return pl.col(DOS).cast(pl.String)


# --- DC001 ---------------------------------------------------------------------------------


def dc001_consent_look_back(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """Add ``dc001_last_consent_date``: for each CTBS line, the latest encounter_date on or before
    the DOS of an encounter of the same person and rendering NPI with consent_documented true
    (an as-of join backward on the raw encounters; null when there is none)."""
    if inputs.encounters is None:
        return lf.with_columns(pl.lit(None, dtype=pl.Date).alias(LAST_CONSENT))
    consented = (
        inputs.encounters.lazy()
        .filter(
            pl.col(c.CONSENT_DOCUMENTED).fill_null(False)
            & pl.col(c.ENCOUNTER_DATE).is_not_null()
            & pl.col(c.PERSON_ID).is_not_null()
            & pl.col(c.RENDERING_NPI).is_not_null()
        )
        .select(
            c.PERSON_ID,
            c.RENDERING_NPI,
            pl.col(c.ENCOUNTER_DATE).alias(DOS),
            pl.col(c.ENCOUNTER_DATE).alias(LAST_CONSENT),
        )
    )
    ctbs = (
        lf.filter(v.is_ctbs & ~v.superseded)
        .select(ROW, c.PERSON_ID, c.RENDERING_NPI, DOS)
        .sort(DOS)
        .collect(engine=IN_MEMORY)
    )
    # only the (person, NPI) pairs some CTBS line has can match: the others are dropped before
    # the sort, by the pair's hash (an `is_in` of 64-bit values, half the semi join on the two
    # strings; a collision keeps an encounter of another pair, which `asof_on_key` never takes:
    # it falls back to the join by the keys when a matched key differs). Encounters of one
    # (person, NPI, date) are not de-duplicated: the as-of join takes one of them and each gives
    # the same date.
    pairs = [c.PERSON_ID, c.RENDERING_NPI]
    wanted = ctbs.select(key_hash(pairs)).get_column(KEY_HASH).implode()
    consented = consented.filter(key_hash(pairs).is_in(wanted)).sort(DOS)
    # the (person, NPI) groups found by the pair's hash, exactly (`asof_on_key`)
    found = (
        asof_on_key(
            ctbs.lazy(),
            consented,
            pairs,
            on=DOS,
            strategy="backward",
            check_sortedness=False,  # both sides are sorted on the DOS just above
        )
        .lazy()
        .select(ROW, LAST_CONSENT)
    )
    return lf.join(found, on=ROW, how="left")


def _consent_window_start() -> pl.Expr:
    return pl.col(DOS) - pl.duration(days=CONSENT_LOOK_BACK_DAYS)


def _dc001_message() -> pl.Expr:
    return pl.format(
        "CTBS {} on {}: no encounter of this patient with NPI {} from {} through {} has "
        "consent_documented true (last consent on file: {}); expected documented consent "
        "within the 365 days through the DOS",
        pl.col(c.HCPCS_CODE),
        _dos_text(),
        pl.col(c.RENDERING_NPI),
        _consent_window_start().cast(pl.String),
        _dos_text(),
        pl.col(LAST_CONSENT).cast(pl.String).fill_null("none"),
    )


@rule(
    code="DC001",
    severity="error",
    message=_dc001_message,
    fix=(
        "{hcpcs_code} stands only where the patient's consent was obtained by the DOS: point to "
        "the encounter of NPI {rendering_npi} that records it, else the line is not supported; "
        + AMENDED_LATER
    ),
    tables=(ENCOUNTERS,),
    prepare=(dc001_consent_look_back,),
)
def ctbs_consent_not_documented() -> pl.Expr:
    """CTBS line with no documented patient consent in the year through the date of service.

    What it checks: a communication-technology-based service (online digital E/M 99421-99423,
    98970-98972, G2061-G2063; virtual check-ins G2012, G2252, 98016, G2010, G2250, G2251;
    telephone assessment 98966-98968; remote monitoring; interprofessional consults
    99446-99452) where no encounter of the same patient with the same rendering NPI, dated from
    DOS - 365 days through the DOS, has consent_documented true. All the patient's encounters
    count, not only the line's own; an encounter exactly 365 days before the DOS still counts,
    one 366 days before does not.

    Why: Medicare pays virtual check-ins, e-visits, remote monitoring and interprofessional
    consultations only with the beneficiary's consent, verbal or written, documented in the
    record; for most of them CMS accepts one consent a year (the CY2019 and CY2021 physician fee
    schedule final rules). The consent also tells the patient about cost sharing. A CTBS line
    without it is not supported and is a common audit take-back.

    Sources: MLN fact sheet "Telehealth Services" (MLN901705, communication technology-based
    services), https://www.cms.gov/files/document/mln901705-telehealth-services.pdf ; CY2019 PFS
    final rule, CMS-1693-F, 83 FR 59452 (23 Nov 2018), https://www.federalregister.gov/d/2018-24170
    Center for Connected Health Policy, "Consent requirements",
    https://cchpca.org/topic/consent-requirements-medicaid-medicare ; Medicare Program Integrity
    Manual (Pub. 100-08), ch. 3 §3.3.2.5 (amendments to the record), https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/pim83c03.pdf

    Example: G2252 on 2024-03-15 by NPI 1234567893; the patient's only consented encounter with
    that NPI is dated 2023-03-14 (367 days earlier) → error.

    Instead: the line stands where the record shows consent obtained by the DOS; otherwise it
    is not supported. Consent recorded after the fact does not cure the line, and any
    amendment must be identified and dated as such.
    """
    days = (pl.col(DOS) - pl.col(LAST_CONSENT)).dt.total_days()
    return v.is_ctbs & ~(days <= CONSENT_LOOK_BACK_DAYS).fill_null(False)


# --- DC002 ---------------------------------------------------------------------------------


@rule(
    code="DC002",
    severity="error",
    message=(
        "telehealth {hcpcs_code} on {claim_line_start_date}: the encounter has no "
        "patient_location; expected home, facility or other"
    ),
    fix=(
        "bill the POS the record supports (10 home, 02 elsewhere): without the patient's "
        "location neither the POS nor Medicare home eligibility can be shown; " + AMENDED_LATER
    ),
    tables=(ENCOUNTERS,),
)
def patient_location_not_documented() -> pl.Expr:
    """Telehealth line whose encounter does not document where the patient was.

    What it checks: a telehealth line (a telehealth indicator, POS 02/10 or modifier 95, 93,
    GT, GQ, FQ, G0; not CTBS, not Q3014; encounter not in person) whose encounter has an empty
    patient_location. A line whose encounter is missing gets DC003 instead.

    Why: the patient's location at the time of service is a condition of payment: it decides
    POS 10 (patient's home) or 02 (other than home), the Medicare originating-site and home
    rules of 42 CFR 410.78, and which state's licence applies.

    Sources: CMS Transmittal 11045 / CR 12427 (POS 02 and 10),
    https://www.cms.gov/files/document/r11045cp.pdf ; CMS Place of Service code set,
    https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets ; 42 CFR
    410.78, https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78
    MATRC, "How to document a telehealth visit", https://matrc.org/?p=7941

    Example: 99213 with POS 10 and modifier 95 on 2024-03-15; its encounter has modality
    audio_video and no patient_location → error.

    Instead: the POS the record supports; where the record does not say where the patient
    was, the line is not supported as billed (an amendment must be identified and dated as
    such).
    """
    return v.telehealth_line & v.enc_found & v.enc_patient_location.is_null()


# --- DC003 ---------------------------------------------------------------------------------


def _dc003_message() -> pl.Expr:
    return (
        pl.when(~v.enc_found)
        .then(
            pl.format(
                "{} on {} carries a telehealth indicator but its encounter is missing (no "
                "encounter_id match, or not exactly one encounter of this patient and NPI on the "
                "DOS); expected an encounter documenting the modality",
                pl.col(c.HCPCS_CODE),
                _dos_text(),
            )
        )
        .otherwise(
            pl.format(
                "{} on {} carries a telehealth indicator but its encounter has no modality; "
                "expected audio_video, audio_only, store_and_forward, portal or in_person",
                pl.col(c.HCPCS_CODE),
                _dos_text(),
            )
        )
    )


@rule(
    code="DC003",
    severity="error",
    message=_dc003_message,
    fix=(
        "link the line to its encounter (encounter_id) where one exists; the telehealth "
        "POS/modifiers stand only where the record shows how the visit took place; an "
        "in-person visit is billed without them; " + AMENDED_LATER
    ),
    tables=(ENCOUNTERS,),
)
def modality_not_documented() -> pl.Expr:
    """Line with a telehealth indicator whose encounter is missing or has no modality.

    What it checks: a line with a telehealth indicator (POS 02 or 10; modifier 95, 93, GT, GQ,
    FQ or G0), not CTBS and not Q3014, when encounters are given and the line's encounter is
    missing (no encounter with its encounter_id; without one, not exactly one encounter of the
    same person, rendering NPI and date) or has an empty modality.

    Why: Medicare telehealth must use an interactive telecommunications system (real-time audio
    and video, or audio-only where allowed; 42 CFR 410.78(a)(3)); the modality decides the
    modifier (95 or 93/FQ) and whether the service may be furnished audio-only at all. Without
    an encounter none of the documentation rules can vouch for the line.

    Sources: 42 CFR 410.78(a)(3),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78
    MLN fact sheet "Telehealth Services" (MLN901705),
    https://www.cms.gov/files/document/mln901705-telehealth-services.pdf ; Medicare Program
    Integrity Manual (Pub. 100-08), ch. 3 §3.3.2.5, https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/pim83c03.pdf

    Example: 99214 with POS 10 and modifier 95 on 2024-05-02, encounter_id E77 absent from the
    encounters → error (and no other encounter-reading rule fires on it).

    Instead: link the line to its encounter; where the visit was in person, bill it without
    telehealth POS and modifiers; a modality the record never documented cannot support them.
    """
    # Where the modality is empty or the encounter missing, the encounter is not in person, so the
    # raw indicator is the line's telehealth indicator (DESIGN §5 "Telehealth line").
    return (
        v.telehealth_indicator_raw
        & ~v.is_ctbs
        & ~v.is_q3014
        & (~v.enc_found | v.enc_modality.is_null())
    )


# --- DC004 ---------------------------------------------------------------------------------


@rule(
    code="DC004",
    severity="error",
    message=(
        "office E/M {hcpcs_code} on {claim_line_start_date}: the encounter documents neither "
        "total_minutes nor mdm_level; expected one of them to support the level billed"
    ),
    fix=(
        "bill the level the record supports: a note with neither total time nor medical "
        "decision making supports no level of {hcpcs_code}; " + AMENDED_LATER
    ),
    tables=(ENCOUNTERS,),
)
def em_level_basis_not_documented() -> pl.Expr:
    """Office E/M line whose encounter documents neither total time nor MDM.

    What it checks: an office E/M line (99202-99205, 99212-99215; from 2025-01-01 also the CPT
    telemedicine codes 98000-98015), telehealth or not, whose encounter has an empty
    total_minutes and an empty mdm_level. A line whose encounter is missing gets no finding
    here.

    Why: since 2021 the office E/M level is selected by medical decision making or by the
    total time on the date of the encounter (CPT 2021 E/M guidelines, adopted by Medicare in the
    CY2021 physician fee schedule final rule); a note with neither supports no level, and the
    whole line is at risk in an audit.

    Sources: CMS "Evaluation and Management Services Guide" (MLN006764),
    https://www.cms.gov/outreach-and-education/medicare-learning-network-mln/mlnproducts/downloads/eval-mgmt-serv-guide-icn006764.pdf
    CY2021 PFS final rule, CMS-1734-F, 85 FR 84472 (28 Dec 2020),
    https://www.federalregister.gov/d/2020-26815 ; Medicare Program Integrity Manual (Pub.
    100-08), ch. 3 §3.3.2.5, https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/pim83c03.pdf

    Example: 99214 on 2024-03-15 whose encounter has modality audio_video, no total_minutes and
    no mdm_level → error.

    Instead: the level the recorded time or MDM supports; with neither, the line is not
    supported as billed.
    """
    return v.is_office_em & v.enc_found & v.enc_total_minutes.is_null() & v.enc_mdm_level.is_null()


# --- DC005 ---------------------------------------------------------------------------------


def _licensed_states() -> pl.Expr:
    return v.prov_licensed_states.list.join(";")


def _dc005_message() -> pl.Expr:
    return pl.format(
        "{} on {}: the patient was in {} but NPI {} is licensed in {} (roster); expected a "
        "licence in the patient's state",
        pl.col(c.HCPCS_CODE),
        _dos_text(),
        v.enc_patient_state,
        pl.col(c.RENDERING_NPI),
        _licensed_states(),
    )


def _dc005_fix() -> pl.Expr:
    return pl.format(
        "if NPI {} held a licence (or compact privilege) in {} on the DOS, add it to the "
        "roster's licensed_states; otherwise the service is not billable by this practitioner "
        "(refund if paid), never by re-billing under another NPI",
        pl.col(c.RENDERING_NPI),
        v.enc_patient_state,
    )


@rule(
    code="DC005",
    severity="error",
    message=_dc005_message,
    fix=_dc005_fix,
    tables=(ENCOUNTERS, PROVIDERS),
)
def provider_not_licensed_in_patient_state() -> pl.Expr:
    """Telehealth or CTBS line by a practitioner not licensed in the patient's state.

    What it checks: a telehealth line or a CTBS line whose encounter's patient_state is not
    among the licensed_states the provider roster lists for the line's rendering NPI. Only when
    the roster lists that NPI with at least one state; a line whose encounter or patient_state
    is missing gets no finding.

    Why: a practitioner furnishes a telehealth service where the patient is, and must be
    licensed (or hold an interstate compact privilege) in that state; Medicare pays only for
    services a practitioner is legally authorized to furnish in the state (42 CFR 410.20,
    Medicare Benefit Policy Manual ch. 15). A service by an unlicensed practitioner is not
    payable and is a licensing board matter.

    Sources: 42 CFR 410.20,
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.20
    Center for Connected Health Policy, "Cross-state licensing",
    https://www.cchpca.org/topic/cross-state-licensing-professional-requirements/ ; MATRC,
    "How to document a telehealth visit", https://matrc.org/?p=7941

    Example: 99213 with POS 10 and modifier 95 on 2024-03-15; the patient was in PA; the
    roster lists NPI 1234567893 as licensed in NY;NJ → error.

    Instead: correct the roster where the practitioner held the licence; otherwise the service
    is not billable by this practitioner.
    """
    states = v.prov_licensed_states
    return (
        (v.telehealth_line | v.is_ctbs)
        & v.enc_found
        & v.enc_patient_state.is_not_null()
        & v.prov_listed
        & (states.list.len() > 0)
        & ~states.list.contains(v.enc_patient_state)
    )


# --- DC006 ---------------------------------------------------------------------------------


@rule(
    code="DC006",
    severity="warning",
    message=(
        "Medicare audio-only {hcpcs_code} on {claim_line_start_date}: no audio_only_reason "
        "documented; expected why video was not used"
    ),
    fix=(
        "the audio-only line stands where the record shows the practitioner could use video and "
        "the patient could not or did not consent to it; " + AMENDED_LATER
    ),
    tables=(ENCOUNTERS,),
)
def audio_only_reason_not_documented() -> pl.Expr:
    """Medicare audio-only telehealth line without the reason video was not used.

    What it checks: a Medicare (payer_type medicare) telehealth line whose encounter modality
    is audio_only, DOS from 2022-01-01, and whose encounter has an empty audio_only_reason.
    Severity warning.

    Why: Medicare pays audio-only telehealth (modifier 93, FQ for RHC/FQHC) only when the
    distant-site practitioner is capable of video and the patient is not capable of, or does
    not consent to, video (42 CFR 410.78(a)(3); CY2022 PFS final rule for mental health, CY2025
    for every service to a patient at home); the record should say so. A warning: the claim may
    be coded right while the note is thin.

    Sources: 42 CFR 410.78(a)(3),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78
    CY2022 PFS final rule, CMS-1751-F, https://www.federalregister.gov/d/2021-23972 ; CY2025
    PFS final rule, CMS-1807-F, https://www.federalregister.gov/d/2024-25382 ; First Coast,
    "Telehealth services", https://medicare.fcso.com/EM/0459457.asp

    Example: 99213 with POS 10 and modifier 93 on 2024-03-15, modality audio_only, no
    audio_only_reason → warning.

    Instead: nothing to re-bill; the line stands where the record shows why video was not
    used, and is at risk where it does not.
    """
    return (
        v.is_medicare
        & v.audio_only_line
        & (pl.col(DOS) >= DC006_START)
        & v.enc_audio_only_reason.is_null()
    )


# --- DC007 ---------------------------------------------------------------------------------


@rule(
    code="DC007",
    severity="warning",
    message=(
        "telehealth {hcpcs_code} on {claim_line_start_date}: consent_documented is "
        "{enc_consent_documented}; expected true"
    ),
    fix="the line stands where consent was obtained as the state and payer require; "
    + AMENDED_LATER,
    tables=(ENCOUNTERS,),
)
def telehealth_consent_not_documented() -> pl.Expr:
    """Telehealth line whose encounter does not document the patient's consent.

    What it checks: a telehealth line whose encounter has consent_documented false or empty. A
    line whose encounter is missing gets DC003 instead. Severity warning.

    Why: many states and Medicaid programs require informed consent to telehealth, obtained and
    documented before or during the first telehealth visit (California Business and
    Professions Code §2290.5; New York and Texas Medicaid), and payers and auditors look for
    it. Medicare itself asks consent for communication-technology-based services (DC001), not
    for every telehealth visit, hence a warning.

    Sources: Center for Connected Health Policy, "Consent requirements",
    https://cchpca.org/topic/consent-requirements-medicaid-medicare ; California Business and
    Professions Code §2290.5,
    https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=BPC&sectionNum=2290.5
    Medicare Program Integrity Manual (Pub. 100-08), ch. 3 §3.3.2.5, https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/pim83c03.pdf

    Example: 99213 with POS 10 and modifier 95 on 2024-03-15; the encounter has
    consent_documented false → warning.

    Instead: nothing to re-bill; the line stands where consent was obtained as the state
    requires.
    """
    return v.telehealth_line & v.enc_found & ~v.enc_consent_documented.fill_null(False)
