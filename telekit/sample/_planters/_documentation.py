"""Planters, DC: documentation (DC001–DC007)."""

from __future__ import annotations

from datetime import timedelta

from telekit.sample import _model as m
from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    Y23,
    D,
    _by_type,
    _em,
    planter,
)

# === DC: documentation =========================================================================


@planter("DC001")
def plant_dc001_no_consent(p: Plant) -> None:
    """An e-visit whose encounter has consent false, and no other encounter: DC001."""
    c = p.visit(
        p.person("MEDICARE"), "99422", dos=p.pick_date(*MAIN), modality="portal", consent=False
    )
    p.expect(c, 1, "DC001")


@planter("DC001")
def plant_dc001_consent_a_year_back(p: Plant) -> None:
    """Consent documented at an office visit by the same NPI 366 days before an e-visit without
    consent: DC001; 365 days before (another person): no finding."""
    for back, flagged in ((366, True), (365, False)):
        per = p.person("MEDICARE")
        doc = _em(p)
        dos = p.pick_date(D(2024, 3, 1), D(2026, 9, 30))
        p.visit(per, "99213", dos=dos - timedelta(days=back), npi=doc, consent=True)
        c = p.visit(per, "99423", dos=dos, npi=doc, modality="portal", consent=None)
        if flagged:
            p.expect(c, 1, "DC001")


@planter("DC001")
def plant_dc001_consent_by_other_npi_or_later(p: Plant) -> None:
    """Consent only with another NPI (30 days before a check-in), or only on a visit the day
    after the RPM month: DC001 on each."""
    per = p.person("MEDICARE")
    doc = _em(p)
    other = next(x for x in m.providers_with(role="primary") if x.npi != doc.npi)
    dos = p.pick_date(D(2023, 3, 1), D(2026, 9, 1))
    p.visit(per, "99213", dos=dos - timedelta(days=30), npi=other, consent=True)
    c = p.visit(per, "G2252", dos=dos, npi=doc, modality="audio_only", consent=False)
    p.expect(c, 1, "DC001")
    per = p.person("MEDICARE")
    dos = p.pick_date(D(2023, 3, 1), D(2026, 9, 1))
    c = p.visit(per, "99457", dos=dos, npi=doc, modality="audio_video", consent=False)
    p.visit(per, "99213", dos=dos + timedelta(days=1), npi=doc, consent=True)
    p.expect(c, 1, "DC001")


@planter("DC001")
def plant_dc001_ctbs_without_encounter(p: Plant) -> None:
    """An e-visit with no encounter at all and no consent anywhere: DC001 only (DC003 is not for
    CTBS; TM003 needs the encounter)."""
    c = p.visit(
        p.person("CIGNA"), "99422", dos=p.pick_date(*MAIN), modality="portal", encounter=False
    )
    p.expect(c, 1, "DC001")


@planter("DC002")
def plant_dc002_patient_location_missing(p: Plant) -> None:
    """Telehealth lines whose encounter has no patient_location (Medicare 2024+ POS 10 + 95,
    Cigna POS 02 + 95, NY Medicaid audio-only POS 10 + 93): DC002 on each."""
    for payer, code, modality, pos in (
        ("MEDICARE", "99213", "audio_video", "10"),
        ("CIGNA", "99214", "audio_video", "02"),
        ("NY MEDICAID", "90834", "audio_only", "10"),
    ):
        dos = p.pick_date(*FROM24)
        mods = ("93",) if modality == "audio_only" else ("95",)
        c = p.visit(
            p.person(payer), code, dos=dos, modality=modality, location=None, pos=pos, mods=mods
        )
        p.expect(c, 1, "DC002")


@planter("DC003")
def plant_dc003_modality_missing(p: Plant) -> None:
    """A Cigna line on POS 10 + 95 whose encounter has no modality: DC003 (not audio-video, so
    no MD003; not a telehealth encounter, so no PS001/PS002)."""
    c = p.visit(
        p.person("CIGNA"),
        "99213",
        dos=p.pick_date(*MAIN),
        modality=None,
        location="home",
        pos="10",
        mods=("95",),
    )
    p.expect(c, 1, "DC003")


@planter("DC003")
def plant_dc003_encounter_missing(p: Plant) -> None:
    """Telehealth lines with no encounter at all (Cigna POS 10 + 95; Medicare 2024+ POS 10 + 95,
    on the list): DC003 on each."""
    c = p.visit(
        p.person("CIGNA"),
        "99214",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="home",
        encounter=False,
    )
    p.expect(c, 1, "DC003")
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        location="home",
        encounter=False,
    )
    p.expect(c, 1, "DC003")


@planter("DC003")
def plant_dc003_encounter_ambiguous(p: Plant) -> None:
    """A line without encounter_id and two encounters of the same person, NPI and date: the
    encounter is missing, DC003. A line without encounter_id and exactly one candidate (another
    person) is linked: no finding."""
    per = p.person("AETNA")
    doc = _em(p)
    dos = p.pick_date(*MAIN)
    first = p.visit(per, "99213", dos=dos, npi=doc, modality="audio_video", link=False)
    p.encounter(
        per,
        doc.npi,
        dos,
        modality="audio_video",
        location="home",
        patient_state=doc.home_state,
        provider_state=doc.home_state,
        consent=True,
        minutes=25,
        mdm="low",
        reason=None,
        device_days=None,
    )
    p.expect(first, 1, "DC003")
    p.visit(p.person("AETNA"), "99213", dos=p.pick_date(*MAIN), modality="audio_video", link=False)


@planter("DC004")
def plant_dc004_level_basis_missing(p: Plant) -> None:
    """Office E/M with neither minutes nor MDM: in person (Cigna), by video (Medicare 2024+), a
    CPT telemedicine code (Aetna 2025+): DC004 on each (TM001/TM002 need one of them)."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), minutes=None, mdm=None)
    p.expect(c, 1, "DC004")
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        minutes=None,
        mdm=None,
    )
    p.expect(c, 1, "DC004")
    c = p.visit(
        p.person("AETNA"),
        "98005",
        dos=p.pick_date(*FROM25),
        modality="audio_video",
        minutes=None,
        mdm=None,
    )
    p.expect(c, 1, "DC004")


@planter("DC005")
def plant_dc005_patient_out_of_state(p: Plant) -> None:
    """Patients in states their provider is not licensed in: a Cigna video visit (FL), an
    e-visit (PA), Medicare audio-only psychotherapy (CT): DC005 on each."""
    doc = next(x for x in m.PROVIDERS if x.states == ("NY", "NJ") and x.role == "primary")
    therapist = next(x for x in m.PROVIDERS if x.provider_type == "LCSW" and "CT" not in x.states)
    c = p.visit(
        p.person("CIGNA"),
        "99213",
        dos=p.pick_date(*MAIN),
        npi=doc,
        modality="audio_video",
        patient_state="FL",
    )
    p.expect(c, 1, "DC005")
    c = p.visit(
        p.person("MEDICARE"),
        "99422",
        dos=p.pick_date(*MAIN),
        npi=doc,
        modality="portal",
        patient_state="PA",
    )
    p.expect(c, 1, "DC005")
    c = p.visit(
        p.person("MEDICARE"),
        "90834",
        dos=p.pick_date(*FROM24),
        npi=therapist,
        modality="audio_only",
        patient_state="CT",
    )
    p.expect(c, 1, "DC005")


@planter()
def plant_dc005_negatives(p: Plant) -> None:
    """Negatives: an e-visit by the RD (roster gives no states) to a patient in FL; an in-person
    visit by a patient from CT (not telehealth or CTBS)."""
    rd = _by_type("RD")
    p.visit(
        p.person("CIGNA"),
        "98971",
        dos=p.pick_date(*MAIN),
        npi=rd,
        modality="portal",
        patient_state="FL",
    )
    doc = next(x for x in m.PROVIDERS if "CT" not in x.states and x.role == "primary")
    p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), npi=doc, patient_state="CT")


@planter("DC006")
def plant_dc006_audio_only_reason_missing(p: Plant) -> None:
    """Medicare audio-only lines without audio_only_reason: psychotherapy 2024+ (POS 10 + 93),
    2023 (POS 11 + 93), and 99213 in 2025+: DC006 on each."""
    for code, lo, hi in (("90834", *FROM24), ("90832", *Y23), ("99213", *FROM25)):
        c = p.visit(
            p.person("MEDICARE"), code, dos=p.pick_date(lo, hi), modality="audio_only", reason=None
        )
        p.expect(c, 1, "DC006")


@planter()
def plant_dc006_negatives(p: Plant) -> None:
    """Negatives: Humana MA audio-only without a reason (DC006 is Medicare only); Medicare
    audio-only in 2021 without a reason (DC006 from 2022)."""
    p.visit(
        p.person("HUMANA MA"), "90834", dos=p.pick_date(*FROM24), modality="audio_only", reason=None
    )
    p.visit(
        p.person("MEDICARE"),
        "90834",
        dos=p.pick_date(D(2021, 2, 1), D(2021, 12, 30)),
        modality="audio_only",
        reason=None,
    )


@planter("DC007")
def plant_dc007_consent_missing(p: Plant) -> None:
    """Telehealth lines whose encounter has consent false or empty (Cigna video false, Medicare
    video empty, NY Medicaid audio-only false): DC007 on each."""
    for payer, code, modality, consent in (
        ("CIGNA", "99213", "audio_video", False),
        ("MEDICARE", "99214", "audio_video", None),
        ("NY MEDICAID", "90834", "audio_only", False),
    ):
        c = p.visit(
            p.person(payer), code, dos=p.pick_date(*FROM24), modality=modality, consent=consent
        )
        p.expect(c, 1, "DC007")
