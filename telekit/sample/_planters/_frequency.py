"""Planters, FQ: frequency and windows (FQ001–FQ005)."""

from __future__ import annotations

from datetime import date, timedelta

from telekit.sample import _model as m
from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    MAIN,
    Y23,
    Y24,
    D,
    _by_type,
    _em,
    _therapist,
    planter,
)

# === FQ: frequency and windows =================================================================


@planter("FQ001")
def plant_fq001_seven_day_periods(p: Plant) -> None:
    """One person's e-visits (same billing NPI, two rendering NPIs) on days 0, 6, 7, 13, 14:
    day 0 opens, 6 flagged, 7 opens (6 never opened one), 13 flagged, 14 opens."""
    per = p.person("MEDICARE")
    start = p.pick_date(D(2023, 2, 1), D(2026, 8, 31))
    docs = m.providers_with(role="primary")[:2]
    for i, offset in enumerate((0, 6, 7, 13, 14)):
        code = ("99421", "99422")[i % 2]
        c = p.visit(
            per,
            code,
            dos=start + timedelta(days=offset),
            npi=docs[i % 2],
            modality="portal",
            submitted=offset + 3,
        )
        if offset in (6, 13):
            p.expect(c, 1, "FQ001")


@planter("FQ001")
def plant_fq001_same_day(p: Plant) -> None:
    """Two e-visits on one day (99422 submitted first, then 99421) by two rendering NPIs of one
    billing NPI: the second is flagged (by two NPIs, so no NCCI pair 99422/99421: NC001)."""
    per = p.person("CIGNA")
    dos = p.pick_date(*MAIN)
    doc = _em(p)
    other = next(x for x in m.providers_with(role="primary") if x.npi != doc.npi)
    p.visit(per, "99422", dos=dos, npi=doc, modality="portal", submitted=2)
    c = p.visit(per, "99421", dos=dos, npi=other, modality="portal", submitted=5)
    p.expect(c, 1, "FQ001")


@planter()
def plant_fq001_other_billing_npi(p: Plant) -> None:
    """Negative: e-visits 3 days apart under two billing NPIs (separate sequences)."""
    per = p.person("MEDICARE")
    dos = p.pick_date(*MAIN)
    doc = _em(p)
    p.visit(per, "99422", dos=dos, npi=doc, modality="portal")
    p.visit(
        per,
        "99421",
        dos=dos + timedelta(days=3),
        npi=doc,
        modality="portal",
        billing_npi=m.OTHER_BILLING_NPI,
    )


def _em_then(
    p: Plant, payer: str, ctbs: str, offset: int, *, flagged: bool, same_npi: bool = True
) -> None:
    """An in-person office E/M on day 0 and a CTBS line ``offset`` days later (negative =
    before) for a fresh person."""
    per = p.person(payer)
    doc = _em(p)
    other = next(x for x in m.providers_with(role="primary") if x.npi != doc.npi)
    day0 = p.pick_date(D(2023, 2, 1), D(2026, 8, 31))
    p.visit(per, "99213", dos=day0, npi=doc)
    modality = "portal" if ctbs in m.ONLINE_DIGITAL else "audio_only"
    if ctbs in ("99457",):
        modality = "audio_video"
    c = p.visit(
        per,
        ctbs,
        dos=day0 + timedelta(days=offset),
        npi=doc if same_npi else other,
        modality=modality,
    )
    if flagged:
        p.expect(c, 1, "FQ002")


@planter("FQ002")
def plant_fq002_after_office_em(p: Plant) -> None:
    """CTBS 0–7 days after an office E/M by the same NPI: G2252 on day 0, 99422 on day 7 and
    a virtual check-in on day 3 flagged; 99422 on day 8 not."""
    _em_then(p, "MEDICARE", "G2252", 0, flagged=True)
    _em_then(p, "MEDICARE", "99422", 7, flagged=True)
    _em_then(p, "MEDICARE", "99422", 8, flagged=False)
    _em_then(p, "CIGNA", "G2252", 3, flagged=True)


@planter("FQ002")
def plant_fq002_check_in_before_office_em(p: Plant) -> None:
    """A virtual check-in 1 day before an office E/M flagged; 2 days before not."""
    _em_then(p, "MEDICARE", "G2252", -1, flagged=True)
    _em_then(p, "MEDICARE", "G2252", -2, flagged=False)


@planter("FQ002")
def plant_fq002_evisit_before_office_em(p: Plant) -> None:
    """An e-visit 7 days before an office E/M flagged; 8 days before not."""
    _em_then(p, "CIGNA", "99421", -7, flagged=True)
    _em_then(p, "CIGNA", "99421", -8, flagged=False)


@planter("FQ002")
def plant_fq002_after_cpt_telemedicine_em(p: Plant) -> None:
    """98004 (office E/M from 2025) by video to Cigna, then 99421 3 days later: flagged."""
    per = p.person("CIGNA")
    doc = _em(p)
    day0 = p.pick_date(D(2025, 1, 2), D(2026, 9, 20))
    p.visit(per, "98004", dos=day0, npi=doc, modality="audio_video")
    c = p.visit(per, "99421", dos=day0 + timedelta(days=3), npi=doc, modality="portal")
    p.expect(c, 1, "FQ002")


@planter()
def plant_fq002_negatives(p: Plant) -> None:
    """Negatives: an e-visit 2 days after an office E/M by another NPI; RPM management (not an
    e-visit or check-in) 2 days after an office E/M by the same NPI."""
    _em_then(p, "MEDICARE", "99422", 2, flagged=False, same_npi=False)
    _em_then(p, "MEDICARE", "99457", 2, flagged=False)


@planter("FQ003")
def plant_fq003_thirty_day_periods(p: Plant) -> None:
    """One person's device supply across two NPIs: 99454 day 0 (opens), 98977 by the PT day 10
    (flagged), 99454 day 29 (flagged), 99454 day 30 (opens), 98977 day 59 (flagged), 99454
    day 60 (opens)."""
    per = p.person("MEDICARE")
    doc = p.provider(role="primary", types=("MD", "DO", "NP"))
    pt = _by_type("PT")
    start = p.pick_date(D(2023, 2, 1), D(2026, 6, 30))
    for offset, code in (
        (0, "99454"),
        (10, "98977"),
        (29, "99454"),
        (30, "99454"),
        (59, "98977"),
        (60, "99454"),
    ):
        c = p.visit(
            per,
            code,
            dos=start + timedelta(days=offset),
            npi=pt if code == "98977" else doc,
            modality="audio_video",
        )
        if offset in (10, 29, 59):
            p.expect(c, 1, "FQ003")


@planter("FQ003")
def plant_fq003_short_supply_codes(p: Plant) -> None:
    """2026 short-supply codes: 99445 day 0, 98984 by the PT day 20: flagged."""
    per = p.person("MEDICARE")
    start = p.pick_date(D(2026, 1, 2), D(2026, 9, 5))
    p.visit(per, "99445", dos=start, npi=_em(p), modality="audio_video")
    c = p.visit(
        per, "98984", dos=start + timedelta(days=20), npi=_by_type("PT"), modality="audio_video"
    )
    p.expect(c, 1, "FQ003")


@planter("FQ004")
def plant_fq004_resubmitted_as_original(p: Plant) -> None:
    """The same visit billed twice as frequency 1, 14 days apart: the later claim flagged."""
    per = p.person("CIGNA")
    dos = p.pick_date(*MAIN)
    doc = _em(p)
    first = p.visit(per, "99213", dos=dos, npi=doc, submitted=5)
    c = p.visit(
        per,
        "99213",
        dos=dos,
        npi=doc,
        submitted=19,
        encounter=first.encounter_key,
        dx=("I10",),
        remit_hint="deny_line:18",
    )
    p.expect(c, 1, "FQ004")


@planter("FQ004")
def plant_fq004_same_submission_date(p: Plant) -> None:
    """Two identical claims submitted the same day: the larger claim_id is flagged."""
    per = p.person("MEDICARE")
    dos = p.pick_date(*MAIN)
    doc = _em(p)
    first = p.visit(per, "99214", dos=dos, npi=doc, submitted=6)
    c = p.visit(
        per,
        "99214",
        dos=dos,
        npi=doc,
        submitted=6,
        encounter=first.encounter_key,
        remit_hint="deny_line:18",
    )
    p.expect(c, 1, "FQ004")


@planter("FQ004")
def plant_fq004_three_copies(p: Plant) -> None:
    """Three copies of a psychotherapy line: the second and third are flagged."""
    per = p.person("AETNA")
    dos = p.pick_date(*MAIN)
    doc = _therapist(p)
    first = p.visit(per, "90834", dos=dos, npi=doc, submitted=4)
    for sub in (15, 30):
        c = p.visit(
            per,
            "90834",
            dos=dos,
            npi=doc,
            submitted=sub,
            encounter=first.encounter_key,
            remit_hint="deny_line:18",
        )
        p.expect(c, 1, "FQ004")


@planter("FQ004")
def plant_fq004_modifier_order(p: Plant) -> None:
    """Aetna video visit billed with modifiers 95, 25 and again with 25, 95 (the same modifier
    set): the later one flagged."""
    per = p.person("AETNA")
    dos = p.pick_date(*Y24)
    doc = _em(p)
    first = p.visit(
        per, "99214", dos=dos, npi=doc, modality="audio_video", mods=("95", "25"), submitted=5
    )
    c = p.visit(
        per,
        "99214",
        dos=dos,
        npi=doc,
        modality="audio_video",
        mods=("25", "95"),
        submitted=21,
        encounter=first.encounter_key,
        remit_hint="deny_line:18",
    )
    p.expect(c, 1, "FQ004")


@planter()
def plant_fq004_negatives(p: Plant) -> None:
    """Negatives: the same visit billed twice with different charges; a frequency 7 claim
    identical to the original it names (superseded, never an anchor or a target)."""
    per = p.person("CIGNA")
    dos = p.pick_date(*MAIN)
    doc = _em(p)
    first = p.visit(per, "99213", dos=dos, npi=doc, submitted=5)
    p.visit(
        per,
        "99213",
        dos=dos,
        npi=doc,
        submitted=20,
        encounter=first.encounter_key,
        charges=(14500,),
    )
    per = p.person("MEDICARE")
    dos = p.pick_date(D(2023, 1, 2), D(2026, 6, 30))
    first = p.visit(per, "99214", dos=dos, npi=doc, submitted=5, pay_lag=20)
    p.visit(
        per,
        "99214",
        dos=dos,
        npi=doc,
        submitted=40,
        freq="7",
        original=first,
        encounter=first.encounter_key,
    )


def _same_day_pair(
    p: Plant,
    payer: str,
    dos: date,
    in_person: str,
    tele: str,
    *,
    modality: str,
    same_npi: bool = True,
) -> None:
    per = p.person(payer)
    doc = _em(p)
    other = next(x for x in m.providers_with(role="primary") if x.npi != doc.npi)
    p.visit(per, in_person, dos=dos, npi=doc)
    c = p.visit(per, tele, dos=dos, npi=doc if same_npi else other, modality=modality)
    if same_npi:
        p.expect(c, 1, "FQ005")


@planter("FQ005")
def plant_fq005_same_day_in_person_and_telehealth(p: Plant) -> None:
    """Same person, NPI and day: an in-person office E/M and a telehealth one (Cigna by video,
    Medicare 2023 by video on POS 11 + 95, NY Medicaid by phone): the telehealth line flagged."""
    # one code for both lines: two levels would also be an NCCI PTP pair (99213/99212: NC001)
    _same_day_pair(p, "CIGNA", p.pick_date(*MAIN), "99213", "99213", modality="audio_video")
    _same_day_pair(p, "MEDICARE", p.pick_date(*Y23), "99214", "99214", modality="audio_video")
    _same_day_pair(p, "NY MEDICAID", p.pick_date(*MAIN), "99213", "99213", modality="audio_only")


@planter()
def plant_fq005_other_npi(p: Plant) -> None:
    """Negative: the same pair by two rendering NPIs."""
    dos = p.pick_date(*MAIN)
    _same_day_pair(p, "CIGNA", dos, "99213", "99212", modality="audio_video", same_npi=False)
