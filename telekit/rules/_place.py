"""Place-of-service rules (PS): does the POS (and the telehealth indicators) match the encounter?

Every rule but PS004 reads the line's encounter (modality, patient_location) and needs the
encounters table; a line whose encounter is missing gets no finding from them (DC003 fires).
CD001 and CD002 suppress every PS finding on their line (declared on those rules).
"""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule

DOS = pl.col(c.CLAIM_LINE_START_DATE)
POS = pl.col(c.PLACE_OF_SERVICE_CODE)
CODE = pl.col(c.HCPCS_CODE)
LOCATION = v.enc_patient_location
MODALITY = v.enc_modality

POS_02_10_FROM = pl.date(2022, 1, 1)
MEDICARE_02_10_FROM = pl.date(2024, 1, 1)
MEDICARE_IN_PERSON_POS = (pl.date(2020, 3, 1), pl.date(2023, 12, 31))
# CY 2024 PFS final rule: a hospital-based clinician treating a patient at home, and outpatient
# therapy by hospital PT/OT/SLP, keep the hospital outpatient POS with modifier 95
HOSPITAL_OUTPATIENT_POS = ("19", "22")


def _convention_02_10() -> pl.Expr:
    return v.policy_telehealth_pos == "02/10"


def _medicare_from_2024() -> pl.Expr:
    return v.is_medicare & (DOS >= MEDICARE_02_10_FROM)


def _pos_by_location() -> pl.Expr:
    """What the 02/10 convention asks for, from the encounter's patient_location."""
    return (
        pl.when(LOCATION == "home")
        .then(pl.lit("use POS 10 (telehealth, patient at home)"))
        .when(LOCATION == "facility")
        .then(pl.lit("use POS 02 (telehealth, patient not at home)"))
        .otherwise(
            pl.lit("use POS 10 if the patient was at home, else POS 02 (telehealth not at home)")
        )
    )


def _indicators_found() -> pl.Expr:
    """The line's telehealth indicators as text: "POS 10 and modifier 95"."""
    return pl.concat_str(
        [
            pl.when(v.pos_telehealth).then(pl.format("POS {}", POS)),
            *(
                pl.when(pl.col(f"has_mod_{m}")).then(pl.lit(f"modifier {m}"))
                for m in ("95", "93", "GT", "GQ", "FQ", "G0")
            ),
        ],
        separator=" and ",
        ignore_nulls=True,
    )


# --- PS001 -------------------------------------------------------------------------------------


def _ps001_hospital_exception() -> pl.Expr:
    """Medicare from 2024-01-01, POS 19 or 22 with modifier 95: the hospital outpatient POS that
    CMS lets hospital-based clinicians and outpatient therapists keep."""
    return _medicare_from_2024() & POS.is_in(HOSPITAL_OUTPATIENT_POS) & v.has_mod_95


@rule(
    code="PS001",
    severity="error",
    message=lambda: pl.format(
        "telehealth line ({}) on an encounter of modality {} billed with POS {}; the convention of "
        "{} on {} is POS 02/10, expected POS 02 or 10",
        _indicators_found(),
        MODALITY,
        POS,
        v.payer_shown,
        DOS,
    ),
    fix=_pos_by_location,
    tables=("encounters",),
)
def telehealth_encounter_with_in_person_pos() -> pl.Expr:
    """Telehealth visit billed with an in-person place of service where the payer wants 02/10.

    What it checks: telehealth lines (lines with a telehealth modifier 95, 93, GT, GQ, FQ or G0,
    not CTBS, not Q3014) on a telehealth encounter (modality audio_video, audio_only or
    store_and_forward) whose POS is not 02 or 10, when the payer's convention on the DOS
    (``telehealth_pos`` in policies.toml) is ``02/10``. Built in: Medicare from 2024-01-01;
    commercial payers from 2022-01-01. Exception: a Medicare line from 2024-01-01 with POS 19 or
    22 (outpatient hospital) and modifier 95 gives no finding.

    Why: POS 02 and 10 are the telehealth places of service of the CMS Place of Service Code Set
    (CMS Transmittal 11045, CR 12427, MLN Matters MM12427, effective 2022-01-01). For Medicare the
    COVID-era instruction to report the in-person POS with modifier 95 ended on 2023-12-31; from
    2024-01-01 a professional telehealth claim carries POS 02 or 10 (CY 2024 Physician Fee
    Schedule final rule, 88 FR 78818, telehealth at 78874-78876; CMS Transmittal 12671). The same
    rule keeps modifier 95 with the hospital POS for a hospital-based clinician whose patient is at
    home and for outpatient therapy furnished by hospital PT, OT or SLP staff, hence the POS 19/22
    exception. Commercial plans (e.g. UnitedHealthcare, Anthem) moved to 02/10 on 2022-01-01. An
    in-person POS on a telehealth visit is denied (CARC 5 or 58 with RARC M77) or paid at the wrong
    rate.

    Example: ``99213`` POS 11 + 95, audio_video encounter at home, Medicare, 2024-03-15 → error;
    the same on 2023-12-31 → no finding; ``99213`` POS 22 + 95, Medicare, 2024-03-15 → no
    finding.

    Instead: POS 10 when the patient was at home, POS 02 when not.

    Sources:
    - CMS Transmittal 11045 / CR 12427, "New/Modifications to the Place of Service (POS) Codes
      for Telehealth" (2021-10-13), https://www.cms.gov/files/document/r11045cp.pdf
    - CY 2024 PFS final rule, 88 FR 78818 (2023-11-16), https://www.federalregister.gov/d/2023-24184
    - CMS Transmittal 12671 (Pub. 100-04, 2024), https://www.cms.gov/files/document/r12671cp.pdf
    - CMS Place of Service Code Set,
      https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets
    - NGS Medicare, "Telehealth Changes for 2024 - Modifier 95 and Place of Service Codes",
      https://www.ngsmedicare.com/web/ngs/news-article-details?selectedArticleId=10638446
    """
    return (
        v.telehealth_line
        & v.telehealth_encounter
        & ~v.pos_telehealth
        & _convention_02_10()
        & ~_ps001_hospital_exception()
    )


# --- PS002 -------------------------------------------------------------------------------------


def _ps002_pos02_at_home() -> pl.Expr:
    return (POS == "02") & (LOCATION == "home")


def _ps002_severity() -> pl.Expr:
    """POS 02 at home is a warning (the practice, if anyone, was underpaid); POS 10 at a facility
    is an error (paid the higher non-facility rate)."""
    return pl.when(_ps002_pos02_at_home()).then(pl.lit("warning")).otherwise(pl.lit("error"))


def _ps002_message() -> pl.Expr:
    medicare_rate = (
        pl.when(_medicare_from_2024() & _ps002_pos02_at_home())
        .then(
            pl.lit(
                "; for Medicare from 2024 the practice was underpaid by the non-facility minus "
                "facility amount (POS 02 is paid the facility rate, POS 10 the non-facility rate)"
            )
        )
        .when(_medicare_from_2024())
        .then(pl.lit("; for Medicare from 2024 POS 10 is paid the higher non-facility rate"))
    )
    return pl.concat_str(
        [
            pl.format(
                "POS {} on a telehealth visit whose encounter has patient_location {}; expected {}",
                POS,
                LOCATION,
                pl.when(POS == "02")
                .then(pl.lit("POS 10 for a patient at home"))
                .otherwise(pl.lit("POS 02 for a patient not at home")),
            ),
            medicare_rate,
        ],
        ignore_nulls=True,
    )


def _ps002_fix() -> pl.Expr:
    return (
        pl.when(_ps002_pos02_at_home() & _medicare_from_2024())
        .then(
            pl.lit(
                "POS 10 (telehealth, patient at home) was the POS to bill; a reopening within one "
                "year of the initial determination can recover the non-facility rate, otherwise "
                "no action"
            )
        )
        .when(POS == "02")
        .then(pl.lit("use POS 10 (telehealth, patient at home)"))
        .otherwise(pl.lit("use POS 02 (telehealth, patient not at home)"))
    )


@rule(
    code="PS002",
    severity="error",
    message=_ps002_message,
    fix=_ps002_fix,
    tables=("encounters",),
    line_severity=_ps002_severity,
)
def telehealth_pos_contradicts_patient_location() -> pl.Expr:
    """Telehealth POS 02/10 that contradicts where the patient was.

    What it checks: telehealth lines on a telehealth encounter with DOS from 2022-01-01 where the
    payer's convention on the DOS is ``02/10``. POS 10 (patient at home) on an encounter whose
    patient_location is ``facility`` is an error; POS 02 (patient not at home) on an encounter
    whose patient_location is ``home`` is a warning with no amount. patient_location ``other``
    never fires (a car or a workplace may count as home); an empty location is DC002's finding.

    Why: since 2022-01-01 POS 02 means telehealth "other than in the patient's home" and POS 10
    telehealth "in the patient's home", a home being a place other than a hospital or other
    facility where the patient receives care (CMS Transmittal 11045, CR 12427). From 2024-01-01
    Medicare pays POS 10 at the non-facility rate and POS 02 at the lower facility rate (CY 2024
    Physician Fee Schedule final rule, 88 FR 78818; CMS Transmittal 12671). POS 10 for a patient
    at a facility is therefore paid more than the service was worth (an overpayment for
    Medicare); POS 02 for a patient at home was paid less (an underpayment of the non-facility
    minus the facility amount), which harms only the practice, hence a warning.

    Example: ``99213`` POS 10, encounter at a facility, Medicare, 2024-03-15 → error; ``99213``
    POS 02, encounter at home, Medicare, 2024-03-15 → warning; POS 10 with location ``other`` →
    no finding.

    Instead: POS 10 at a facility → POS 02. POS 02 at home → POS 10; for Medicare a reopening
    within one year of the initial determination may recover the difference.

    Sources:
    - CMS Transmittal 11045 / CR 12427 (POS 02 and 10, effective 2022-01-01),
      https://www.cms.gov/files/document/r11045cp.pdf
    - CY 2024 PFS final rule, 88 FR 78818 (2023-11-16), https://www.federalregister.gov/d/2023-24184
    - Medicare Claims Processing Manual (Pub. 100-04), ch. 26 §10.5 (place of service codes),
      https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/clm104c26pdf.pdf
    - 42 CFR 405.980(b)(1) (reopening within one year of the initial determination),
      https://www.ecfr.gov/current/title-42/section-405.980
    """
    return (
        v.telehealth_line
        & v.telehealth_encounter
        & (DOS >= POS_02_10_FROM)
        & _convention_02_10()
        & (((POS == "10") & (LOCATION == "facility")) | _ps002_pos02_at_home())
    )


# --- PS003 -------------------------------------------------------------------------------------


@rule(
    code="PS003",
    severity="error",
    message=lambda: pl.format(
        "{} billed with {}, but the encounter's modality is in_person; expected no telehealth "
        "POS or modifier on an in-person visit",
        CODE,
        _indicators_found(),
    ),
    fix="bill the in-person POS (e.g. 11 office) without modifiers 95, 93, GT, GQ, FQ or G0; "
    "or correct the encounter's modality if the visit was telehealth",
    tables=("encounters",),
    suppresses=("MD004",),  # DESIGN §5 precedence: PS003 and TH002 suppress MD004
)
def telehealth_billing_on_in_person_encounter() -> pl.Expr:
    """Telehealth POS or modifier billed for an in-person encounter.

    What it checks: lines with a telehealth indicator (POS 02 or 10; modifier 95, 93, GT, GQ, FQ
    or G0) that are not CTBS and not Q3014, whose encounter has modality ``in_person``. For every
    other rule such a line is not a telehealth line and has no telehealth indicator, so it draws
    this one finding rather than a cascade.

    Why: POS 02/10 and the telehealth modifiers attest that the service was furnished through
    an interactive telecommunications system (42 CFR 410.78; CMS Place of Service Code Set; CPT
    modifiers 95 and 93). On a visit documented as in person they misstate the service and, for
    Medicare from 2024, change the rate (POS 02 is paid the facility rate; CY 2024 Physician Fee
    Schedule final rule, 88 FR 78818).

    Example: ``99213`` POS 10, encounter modality in_person → error.

    Instead: the in-person POS (e.g. 11) without telehealth modifiers; or, if the visit was in
    fact telehealth, the encounter's modality is wrong: documentation amended later must be
    identified and dated as such (Medicare Program Integrity Manual, Pub. 100-08, ch. 3
    §3.3.2.5).

    Sources:
    - CMS Place of Service Code Set,
      https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets
    - Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §190 (Medicare payment for
      telehealth services),
      https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/clm104c12.pdf
    - 42 CFR 410.78 (telehealth services), https://www.ecfr.gov/current/title-42/section-410.78
    - Medicare Program Integrity Manual (Pub. 100-08), ch. 3 §3.3.2.5,
      https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/pim83c03.pdf
    """
    return v.indicator_on_in_person_encounter


# --- PS004 -------------------------------------------------------------------------------------


@rule(
    code="PS004",
    severity="info",
    message="POS {place_of_service_code} was paid at the facility rate; the in-person POS + 95 "
    "was paid the non-facility rate (possible underpayment)",
    fix="a reopening within one year of the initial determination, otherwise no action (for "
    "these dates Medicare paid the in-person POS with modifier 95 at the non-facility rate)",
)
def pos_02_during_in_person_pos_period() -> pl.Expr:
    """Medicare telehealth billed with POS 02/10 while Medicare wanted the in-person POS + 95.

    What it checks: Medicare (payer_type ``medicare``) telehealth lines with POS 02 or 10 and a
    DOS from 2020-03-01 to 2023-12-31. Severity info: such claims were paid, at the facility
    rate; the finding carries no amount.

    Why: from the COVID-19 public health emergency through CY 2023, CMS told practitioners to
    report the POS that would have applied in person, with modifier 95, so that the telehealth
    visit was paid at the non-facility rate; POS 02 (and, from 2022, POS 10) was paid the lower
    facility rate (CMS-1744-IFC, 85 FR 19230, retroactive to 2020-03-01; extended through the end
    of CY 2023 by the CY 2023 Physician Fee Schedule final rule, 87 FR 69404). From 2024-01-01
    POS 02/10 are the rule again (CY 2024 PFS final rule, 88 FR 78818).

    Example: ``99213`` POS 02, Medicare, 2021-06-01 → info; on 2024-01-01 → no finding.

    Instead: nothing is wrong with the claim's payability; the practice may have been underpaid.
    A reopening within one year of the initial determination can ask for the non-facility rate;
    past that year, no action.

    Sources:
    - CMS-1744-IFC, 85 FR 19230 (2020-04-06), https://www.federalregister.gov/d/2020-06990
    - CY 2023 PFS final rule, 87 FR 69404 (2022-11-18), https://www.federalregister.gov/d/2022-23873
    - CY 2024 PFS final rule, 88 FR 78818 (2023-11-16), https://www.federalregister.gov/d/2023-24184
    - 42 CFR 405.980(b)(1) (reopening within one year of the initial determination),
      https://www.ecfr.gov/current/title-42/section-405.980
    """
    return (
        v.is_medicare
        & v.telehealth_line
        & v.pos_telehealth
        & DOS.is_between(*MEDICARE_IN_PERSON_POS)
    )


# --- PS005 -------------------------------------------------------------------------------------


def _ps005_fix() -> pl.Expr:
    convention = v.policy_telehealth_pos
    audio_only_93 = (MODALITY == "audio_only") & v.policy_requires_modifier_93.fill_null(
        value=False
    )
    # the modifier the payer asks for: 93 for audio-only where required, else its first listed
    # telehealth modifier (null when it lists none)
    modifier = (
        pl.when(audio_only_93)
        .then(pl.lit("93"))
        .otherwise(v.policy_telehealth_modifiers.list.first())
    )
    with_modifier = pl.format(" with modifier {}", modifier)
    return (
        pl.when(convention == "02/10")
        .then(
            pl.concat_str(
                [
                    _pos_by_location(),
                    pl.when(audio_only_93).then(pl.lit(" with modifier 93 (audio-only)")),
                ],
                ignore_nulls=True,
            )
        )
        .when(convention == "02")
        .then(pl.concat_str([pl.lit("use POS 02"), with_modifier], ignore_nulls=True))
        .when(convention == "in_person+95")
        .then(
            pl.format(
                "keep the in-person POS and add modifier {} (telehealth)",
                pl.when(audio_only_93).then(pl.lit("93")).otherwise(pl.lit("95")),
            )
        )
        .otherwise(
            pl.format(
                "bill as the payer requires for telehealth (e.g. modifier {}); check its policy",
                modifier.fill_null(pl.lit("95")),
            )
        )
    )


def _no_indicator_on_telehealth_encounter() -> pl.Expr:
    """A line (not CTBS, not Q3014) with no telehealth indicator on a telehealth encounter."""
    return ~v.telehealth_indicator & v.telehealth_encounter & ~v.is_ctbs & ~v.is_q3014


def _telehealth_service_code() -> pl.Expr:
    """An office E/M, or a code on the Medicare telehealth list for the DOS year: a service that
    can be furnished by telehealth."""
    return v.is_office_em | v.on_telehealth_list


@rule(
    code="PS005",
    severity="error",
    message=lambda: pl.format(
        "{} with POS {} and no telehealth modifier, but the encounter's modality is {}; expected "
        "the payer's telehealth POS or modifier",
        CODE,
        POS,
        MODALITY,
    ),
    fix=_ps005_fix,
    claim_columns=(c.MODIFIERS[0],),
    tables=("encounters",),
)
def telehealth_encounter_billed_as_in_person() -> pl.Expr:
    """Telehealth encounter billed as if in person (no telehealth POS or modifier).

    What it checks: lines that are not CTBS and not Q3014, whose code is an office E/M (99202-99205,
    99212-99215, and 98000-98015 from 2025) or is on the Medicare Telehealth Services List for the
    DOS year (whatever the payer), whose encounter is a telehealth encounter (modality
    audio_video, audio_only or store_and_forward), and that carry no telehealth indicator: neither
    POS 02/10 nor modifier 95, 93, GT, GQ, FQ or G0. Other codes on such an encounter (a lab draw,
    a drug, an injection) are PS006's. Skipped when the source has no modifier column (the
    absence of a modifier could not be told).

    Why: a telehealth service billed as in person misrepresents how it was furnished: payers pay
    telehealth under their own conditions (the service list, the originating site, audio-only
    rules) and the POS sets the rate (Medicare Claims Processing Manual, Pub. 100-04, ch. 12
    §190; CY 2024 Physician Fee Schedule final rule, 88 FR 78818). OIG audits of Medicare
    telehealth recover payments for services whose claim did not show how they were furnished.

    Example: ``99213`` POS 11 with no modifier, encounter audio_video → error; ``90834`` (on the
    list) likewise → error; ``36415`` → no PS005 (PS006's warning).

    Instead: the payer's telehealth convention on the DOS: POS 10 (home) or 02 (not home) from
    2024 for Medicare, from 2022 for most commercial payers; the in-person POS + 95 for Medicare
    2020-03-01 to 2023-12-31; modifier 93 for audio-only where required.

    Sources:
    - Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §190,
      https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/clm104c12.pdf
    - Medicare Telehealth Services List,
      https://www.cms.gov/medicare/coverage/telehealth/list-services
    - CMS Transmittal 11045 / CR 12427 (POS 02 and 10),
      https://www.cms.gov/files/document/r11045cp.pdf
    - CY 2024 PFS final rule, 88 FR 78818 (2023-11-16), https://www.federalregister.gov/d/2023-24184
    """
    return _no_indicator_on_telehealth_encounter() & _telehealth_service_code()


# --- PS006 -------------------------------------------------------------------------------------


@rule(
    code="PS006",
    severity="warning",
    message=lambda: pl.format(
        "{} with POS {} and no telehealth modifier on an encounter of modality {}: an in-person "
        "service (not an office E/M, not on the Medicare telehealth list) billed on a telehealth "
        "encounter",
        CODE,
        POS,
        MODALITY,
    ),
    fix="confirm a separate in-person service that day (e.g. a lab draw or an injection at the "
    "office) and link the line to that in-person encounter; or correct the encounter link",
    claim_columns=(c.MODIFIERS[0],),
    tables=("encounters",),
)
def in_person_service_on_telehealth_encounter() -> pl.Expr:
    """In-person-only service (lab, drug, injection, procedure) linked to a telehealth encounter.

    What it checks: lines that are not CTBS and not Q3014, whose code is neither an office E/M nor
    on the Medicare Telehealth Services List for the DOS year, with no telehealth indicator (no
    POS 02/10, no modifier 95, 93, GT, GQ, FQ or G0), whose encounter is a telehealth encounter
    (modality audio_video, audio_only or store_and_forward). A warning with no amount: the
    service may well have been furnished in person the same day (a blood draw before a video
    visit) and only linked to the wrong encounter. Skipped when the source has no modifier
    column. Responsibility: clinician (what the documentation supports).

    Why: a venipuncture, a drug or an injection, or a procedure needs the patient in front of
    the clinician and cannot be furnished through an interactive telecommunications system; only
    the services on the Medicare Telehealth Services List are payable as telehealth (42 CFR
    410.78(f); Medicare Claims Processing Manual, Pub. 100-04, ch. 12 §190.3). Billing such a
    code with an in-person POS is right when it was done in person; the defect, if any, is that
    the record ties it to a virtual visit, which an auditor reads as a service not rendered.
    Telling PS006 apart from PS005 keeps a lab draw on a video-visit day from being told to
    "bill it with POS 10".

    Example: ``36415`` POS 11, no modifier, on the audio_video encounter of a ``99213`` POS 10
    visit → warning (not PS005).

    Instead: confirm that the service was furnished in person that day (its own in-person
    encounter, POS 11) and link the line to it; if it was not furnished, it should not have been
    billed. Documentation amended later must be identified and dated as such (Medicare Program
    Integrity Manual, Pub. 100-08, ch. 3 §3.3.2.5).

    Sources:
    - Medicare Telehealth Services List,
      https://www.cms.gov/medicare/coverage/telehealth/list-services
    - Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §190.3,
      https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/clm104c12.pdf
    - 42 CFR 410.78 (telehealth services), https://www.ecfr.gov/current/title-42/section-410.78
    - Medicare Program Integrity Manual (Pub. 100-08), ch. 3 §3.3.2.5,
      https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/pim83c03.pdf
    """
    return _no_indicator_on_telehealth_encounter() & ~_telehealth_service_code()
