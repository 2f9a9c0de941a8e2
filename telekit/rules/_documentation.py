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
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule

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
        .unique(subset=[c.PERSON_ID, c.RENDERING_NPI, DOS])
        .sort(DOS)
    )
    ctbs = (
        lf.filter(v.is_ctbs & ~v.superseded)
        .select(ROW, c.PERSON_ID, c.RENDERING_NPI, DOS)
        .sort(DOS)
    )
    found = ctbs.join_asof(
        consented,
        on=DOS,
        by=[c.PERSON_ID, c.RENDERING_NPI],
        strategy="backward",
        check_sortedness=False,  # both sides are sorted on the DOS just above
    ).select(ROW, LAST_CONSENT)
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
        "document the patient's verbal or written consent to communication-technology-based "
        "services (once a year) in an encounter by NPI {rendering_npi}, then bill {hcpcs_code}"
    ),
    tables=(ENCOUNTERS,),
    prepare=(dc001_consent_look_back,),
)
def ctbs_consent_not_documented() -> pl.Expr:
    """CTBS line with no documented patient consent in the year through the date of service.

    What it checks: a communication-technology-based service (online digital E/M 99421–99423,
    98970–98972, G2061–G2063; virtual check-ins G2012, G2252, 98016, G2010, G2250, G2251;
    telephone assessment 98966–98968; remote monitoring; interprofessional consults 99446–99452)
    where no encounter of the same patient with the same rendering NPI, dated from DOS − 365 days
    through the DOS, has consent_documented true. All the patient's encounters count, not only the
    line's own; an encounter exactly 365 days before the DOS still counts, one 366 days before
    does not.

    Why: Medicare requires beneficiary consent for CTBS — verbal is enough, obtained at least once
    a year and documented in the record (reference §2.3 and §8, [S65]; interprofessional consults
    §2.9, [S35], [S36]). A CTBS line without it is not payable and is a common audit take-back.

    Example: G2252 on 2024-03-15 by NPI 1234567893; the patient's only consented encounter with
    that NPI is dated 2023-03-14 (367 days earlier) — flagged.

    Fix: document consent (date, who obtained it, verbal or written) in the encounter by the
    billing practitioner before billing; renew it every year.

    References: DESIGN §5 DC001; telehealth-billing-rules.md §2.3, §2.9, §8 ([S65]).
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
        "document where the patient was during the visit (home, facility or other); it decides "
        "POS 10 (home) or 02 (elsewhere) and Medicare home eligibility"
    ),
    tables=(ENCOUNTERS,),
)
def patient_location_not_documented() -> pl.Expr:
    """Telehealth line whose encounter does not document where the patient was.

    What it checks: a telehealth line (a telehealth indicator — POS 02/10 or modifier 95, 93, GT,
    GQ, FQ, G0 — not CTBS, not Q3014, encounter not in person) whose encounter has an empty
    patient_location. A line whose encounter is missing gets DC003 instead.

    Why: the patient's physical location at the time of service is a condition of payment: it
    decides POS 10 (home) or 02 (other than home), Medicare originating-site and home
    eligibility, and which state's licence applies (reference §8 "Patient location", [S63], [S64];
    NGS [S9]).

    Example: 99213 with POS 10 and modifier 95 on 2024-03-15; its encounter has modality
    audio_video and no patient_location — flagged.

    Fix: document the patient's location (home, facility or other; city and state for licensure)
    in the note; then check the POS matches it (PS002).

    References: DESIGN §5 DC002; telehealth-billing-rules.md §3, §8.
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
        "link the line to its encounter (encounter_id) and document how the visit took place "
        "(audio_video, audio_only, store_and_forward); bill in person without telehealth "
        "POS/modifiers if it was in person"
    ),
    tables=(ENCOUNTERS,),
)
def modality_not_documented() -> pl.Expr:
    """Line with a telehealth indicator whose encounter is missing or has no modality.

    What it checks: a line with a telehealth indicator (POS 02 or 10; modifier 95, 93, GT, GQ, FQ
    or G0), not CTBS and not Q3014, when encounters are given and the line's encounter is missing
    (no encounter with its encounter_id; without one, not exactly one encounter of the same
    person, rendering NPI and date) or has an empty modality.

    Why: the modality (audio-video or audio-only) decides the modifier (95 vs 93/FQ), whether the
    service may be furnished audio-only at all, and is the first thing an auditor asks for
    (reference §8 "Modality", [S64], [S26]). Without an encounter none of the documentation rules
    can vouch for the line.

    Example: 99214 with POS 10 and modifier 95 on 2024-05-02, encounter_id E77 absent from the
    encounters — flagged (and no other encounter-reading rule fires on it).

    Fix: link the line to its encounter and document the modality; if the visit was in person,
    remove the telehealth POS and modifiers.

    References: DESIGN §5 DC003 and "Missing inputs"; telehealth-billing-rules.md §4, §8.
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
        "document the total time on the date of the encounter or the medical decision making "
        "that supports {hcpcs_code}; bill the level the documentation supports"
    ),
    tables=(ENCOUNTERS,),
)
def em_level_basis_not_documented() -> pl.Expr:
    """Office E/M line whose encounter documents neither total time nor MDM.

    What it checks: an office E/M line (99202–99205, 99212–99215; from 2025-01-01 also the CPT
    telemedicine codes 98000–98015), telehealth or not, whose encounter has an empty
    total_minutes and an empty mdm_level. A line whose encounter is missing gets no finding here.

    Why: since 2021 the office E/M level is chosen by medical decision making or by total time on
    the date of the encounter; a note with neither cannot support any level and the whole line is
    at risk in an audit (reference §2.1, §8 "Time" and "MDM", [S18], [S63]).

    Example: 99214 on 2024-03-15 whose encounter has modality audio_video, no total_minutes and
    no mdm_level — flagged.

    Fix: document the MDM elements (problems, data, risk) or the total time; bill the level they
    support.

    References: DESIGN §5 DC004; telehealth-billing-rules.md §2.1, §8.
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
        "bill under a practitioner licensed in {}, or add that licence to the roster if NPI {} "
        "holds one",
        v.enc_patient_state,
        pl.col(c.RENDERING_NPI),
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

    What it checks: a telehealth line or a CTBS line whose encounter's patient_state is not among
    the licensed_states the provider roster lists for the line's rendering NPI. Only when the
    roster lists that NPI with at least one state; a line whose encounter or patient_state is
    missing gets no finding.

    Why: the practitioner must be licensed where the patient is at the time of service; the
    record must carry the patient's city and state for that reason (reference §8 "Patient
    location", [S63], [S64]). A service by an unlicensed practitioner is not payable and is a
    licensure board matter.

    Example: 99213 with POS 10 and modifier 95 on 2024-03-15; the patient was in PA; the
    roster lists NPI 1234567893 as licensed in NY;NJ — flagged.

    Fix: bill under a practitioner licensed in the patient's state (or an interstate compact
    licence), or correct the roster.

    References: DESIGN §5 DC005; telehealth-billing-rules.md §8.
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
        "document that the patient could not use or did not consent to video and that the "
        "practitioner was able to use video"
    ),
    tables=(ENCOUNTERS,),
)
def audio_only_reason_not_documented() -> pl.Expr:
    """Medicare audio-only telehealth line without the reason video was not used.

    What it checks: a Medicare (payer_type medicare) telehealth line whose encounter modality is
    audio_only, DOS from 2022-01-01, and whose encounter has an empty audio_only_reason.

    Why: from 2022 Medicare pays audio-only telehealth (modifier 93, or FQ for RHC/FQHC) only when
    the practitioner is able to use video and the patient cannot or does not consent to it; the
    note should say so (reference §4 and §8 "Modality", [S17], [S26], [S49]).

    Example: 99213 with POS 10 and modifier 93 on 2024-03-15, modality audio_only, no
    audio_only_reason — flagged (a warning: the claim is coded right, the note is thin).

    Fix: document the reason (patient has no video device, declined video, ...) and that the
    practitioner was video-capable.

    References: DESIGN §5 DC006; telehealth-billing-rules.md §4, §8.
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
    fix="document the patient's informed consent to telehealth in the encounter",
    tables=(ENCOUNTERS,),
)
def telehealth_consent_not_documented() -> pl.Expr:
    """Telehealth line whose encounter does not document the patient's consent.

    What it checks: a telehealth line whose encounter has consent_documented false or empty. A
    line whose encounter is missing gets DC003 instead.

    Why: many states and Medicaid programs require informed consent to telehealth to be obtained
    and documented before or during the first telehealth visit (California B&P Code §2290.5, New
    York and Texas Medicaid; reference §8, [S65]); payers and auditors look for it.

    Example: 99213 with POS 10 and modifier 95 on 2024-03-15; the encounter has
    consent_documented false — flagged (a warning: the rule depends on the state and payer).

    Fix: document the patient's informed consent (verbal or written, as the state requires) in
    the encounter.

    References: DESIGN §5 DC007; telehealth-billing-rules.md §8.
    """
    return v.telehealth_line & v.enc_found & ~v.enc_consent_documented.fill_null(False)
