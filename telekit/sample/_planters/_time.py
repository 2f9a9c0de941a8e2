"""Planters, TM: time, thresholds and new-patient codes (TM001–TM007)."""

from __future__ import annotations

from datetime import date, timedelta

from telekit.sample import _model as m
from telekit.sample._case import AUTO, Auto, Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    Y26,
    D,
    _by_type,
    _em,
    planter,
)

# === TM: time and thresholds ===================================================================


@planter("TM001")
def plant_tm001_minutes_below_minimum(p: Plant) -> None:
    """99214 in person, MDM empty: 29 minutes TM001; 30 minutes (another person) no finding."""
    c = p.visit(p.person("CIGNA"), "99214", dos=p.pick_date(*MAIN), minutes=29, mdm=None)
    p.expect(c, 1, "TM001")
    p.visit(p.person("CIGNA"), "99214", dos=p.pick_date(*MAIN), minutes=30, mdm=None)


@planter("TM001")
def plant_tm001_new_patient_by_video(p: Plant) -> None:
    """99203 to Medicare by video (2024+), 25 minutes, MDM empty: TM001."""
    c = p.visit(
        p.person("MEDICARE"),
        "99203",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        minutes=25,
        mdm=None,
    )
    p.expect(c, 1, "TM001")


@planter("TM001")
def plant_tm001_cpt_telemedicine(p: Plant) -> None:
    """98006 (office E/M from 2025, 30 min) to Aetna, 22 minutes, MDM empty: TM001."""
    c = p.visit(
        p.person("AETNA"),
        "98006",
        dos=p.pick_date(*FROM25),
        modality="audio_video",
        minutes=22,
        mdm=None,
    )
    p.expect(c, 1, "TM001")


@planter()
def plant_tm001_negatives(p: Plant) -> None:
    """Negatives: 99214 in 2020 with 12 minutes and no MDM (TM rules start 2021); 99214 with 20
    minutes and MDM moderate (the MDM supports the level)."""
    p.visit(
        p.person("CIGNA"),
        "99214",
        dos=p.pick_date(D(2020, 6, 1), D(2020, 12, 30)),
        minutes=12,
        mdm=None,
    )
    p.visit(p.person("CIGNA"), "99214", dos=p.pick_date(*MAIN), minutes=20, mdm="moderate")


@planter("TM002")
def plant_tm002_mdm_below_no_minutes(p: Plant) -> None:
    """99215 with MDM moderate and no minutes: TM002."""
    c = p.visit(p.person("MEDICARE"), "99215", dos=p.pick_date(*MAIN), minutes=None, mdm="moderate")
    p.expect(c, 1, "TM002")


@planter("TM002")
def plant_tm002_mdm_below_minutes_below(p: Plant) -> None:
    """99204 with MDM low and 40 minutes (< 45): TM002."""
    c = p.visit(p.person("CIGNA"), "99204", dos=p.pick_date(*MAIN), minutes=40, mdm="low")
    p.expect(c, 1, "TM002")


@planter("TM002")
def plant_tm002_by_video(p: Plant) -> None:
    """99213 to NY Medicaid by video, MDM straightforward, 15 minutes (< 20): TM002."""
    c = p.visit(
        p.person("NY MEDICAID"),
        "99213",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        minutes=15,
        mdm="straightforward",
    )
    p.expect(c, 1, "TM002")


@planter()
def plant_tm002_negatives(p: Plant) -> None:
    """Negatives: 99215 with MDM moderate and 40 minutes (time supports it); 99214 with MDM high
    and no minutes."""
    p.visit(p.person("MEDICARE"), "99215", dos=p.pick_date(*MAIN), minutes=40, mdm="moderate")
    p.visit(p.person("CIGNA"), "99214", dos=p.pick_date(*MAIN), minutes=None, mdm="high")


@planter("TM003", runs=3)
def plant_tm003_evisit_minutes_below_range(p: Plant) -> None:
    """An online digital E/M one minute under its range (99421/98970 4, 99422/98971 10,
    99423/98972 20): TM003."""
    code = p.pick(("99421", "99422", "99423", "98970", "98971", "98972"))
    minutes = m.ONLINE_DIGITAL_MINUTES[code][0] - 1
    c = p.visit(
        p.person("MEDICARE"), code, dos=p.pick_date(*MAIN), modality="portal", minutes=minutes
    )
    p.expect(c, 1, "TM003")


@planter()
def plant_tm003_at_range_floor(p: Plant) -> None:
    """Negative: 99422 with exactly 11 minutes."""
    p.visit(p.person("MEDICARE"), "99422", dos=p.pick_date(*MAIN), modality="portal", minutes=11)


@planter("TM004")
def plant_tm004_g2212_with_99205(p: Plant) -> None:
    """99205 + G2212 to Medicare: 88 minutes TM004 on G2212; 89 minutes (another person) no
    finding."""
    c = p.visit(p.person("MEDICARE"), ("99205", "G2212"), dos=p.pick_date(*MAIN), minutes=88)
    p.expect(c, 2, "TM004")
    p.visit(p.person("MEDICARE"), ("99205", "G2212"), dos=p.pick_date(*MAIN), minutes=89)


@planter("TM004")
def plant_tm004_g2212_with_99215(p: Plant) -> None:
    """99215 + G2212 to Medicare: 68 minutes TM004; 69 minutes (another person) no finding."""
    c = p.visit(p.person("MEDICARE"), ("99215", "G2212"), dos=p.pick_date(*MAIN), minutes=68)
    p.expect(c, 2, "TM004")
    p.visit(p.person("MEDICARE"), ("99215", "G2212"), dos=p.pick_date(*MAIN), minutes=69)


@planter("TM004")
def plant_tm004_99417_to_medicare(p: Plant) -> None:
    """99215 + 99417 to Medicare in person (60 minutes): TM004 on 99417 (AD001 satisfied)."""
    c = p.visit(p.person("MEDICARE"), ("99215", "99417"), dos=p.pick_date(*MAIN), minutes=60)
    p.expect(c, 2, "TM004")


@planter("TM004")
def plant_tm004_99417_by_telehealth(p: Plant) -> None:
    """99205 + 99417 to Medicare by video (2024+, POS 10 + 95): TM004 on 99417, which
    suppresses TH001 (99417 is not on the list)."""
    c = p.visit(
        p.person("MEDICARE"),
        ("99205", "99417"),
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        minutes=80,
    )
    p.expect(c, 2, "TM004")


@planter("TM004", runs=3)
def plant_tm004_99417_without_encounter(p: Plant) -> None:
    """99215 + 99417 to Medicare in person with no encounter documented (none linked, none that
    day): TM004 on 99417 all the same (the 99417 clause reads no encounter; no DC rule fires
    for an in-person line without an encounter)."""
    c = p.visit(p.person("MEDICARE"), ("99215", "99417"), dos=p.pick_date(*MAIN), encounter=False)
    p.expect(c, 2, "TM004")


def _monitoring(
    p: Plant, code: str, *, dos: date, device_days: int | Auto = AUTO, minutes: int | Auto = AUTO
) -> None:
    """One remote-monitoring line with ``device_days`` / ``minutes`` as given (else clean)."""
    npi = _by_type("PT") if code.startswith("989") else _em(p)
    p.visit(
        p.person("MEDICARE"),
        code,
        dos=dos,
        npi=npi,
        modality="audio_video",
        device_days=device_days,
        minutes=minutes,
    )


def _flagged_monitoring(
    p: Plant, code: str, *, dos: date, device_days: int | Auto = AUTO, minutes: int | Auto = AUTO
) -> None:
    before = p.claims_used
    _monitoring(p, code, dos=dos, device_days=device_days, minutes=minutes)
    key = p.claim_base + before
    p.truth.append((key, 1, "TM005"))


@planter("TM005")
def plant_tm005_device_supply_16_days(p: Plant) -> None:
    """Device supply needing 16 days: 99454 with 15 days TM005 (16: no finding); 98976/98977
    with 10–15 days TM005; 98978 (2025+) with 15 days TM005."""
    _flagged_monitoring(p, "99454", dos=p.pick_date(*MAIN), device_days=15)
    _monitoring(p, "99454", dos=p.pick_date(*MAIN), device_days=16)
    _flagged_monitoring(
        p, p.pick(("98976", "98977")), dos=p.pick_date(*MAIN), device_days=p.rng.randint(10, 15)
    )
    _flagged_monitoring(p, "98978", dos=p.pick_date(*FROM25), device_days=15)


@planter("TM005")
def plant_tm005_device_supply_2_to_15_days(p: Plant) -> None:
    """Short device supply (2026): 99445 with 1 and with 16 days TM005 (2 and 15: no finding);
    one of 98984–98986 with 16 days TM005 and another with 1 day TM005."""
    _flagged_monitoring(p, "99445", dos=p.pick_date(*Y26), device_days=1)
    _flagged_monitoring(p, "99445", dos=p.pick_date(*Y26), device_days=16)
    _monitoring(p, "99445", dos=p.pick_date(*Y26), device_days=2)
    _monitoring(p, "99445", dos=p.pick_date(*Y26), device_days=15)
    _flagged_monitoring(
        p, p.pick(("98984", "98985", "98986")), dos=p.pick_date(*Y26), device_days=16
    )
    _flagged_monitoring(
        p, p.pick(("98984", "98985", "98986")), dos=p.pick_date(*Y26), device_days=1
    )


@planter("TM005")
def plant_tm005_management_20_minutes(p: Plant) -> None:
    """Management needing 20 minutes: 99457 with 19 TM005 (20: no finding); 98980 with 15
    TM005."""
    _flagged_monitoring(p, "99457", dos=p.pick_date(*MAIN), minutes=19)
    _monitoring(p, "99457", dos=p.pick_date(*MAIN), minutes=20)
    _flagged_monitoring(p, "98980", dos=p.pick_date(*MAIN), minutes=15)


@planter("TM005")
def plant_tm005_management_10_to_19_minutes(p: Plant) -> None:
    """Short management (2026): 99470 with 9 and with 20 minutes TM005 (10 and 19: no finding);
    98979 with 20 TM005 and 9 TM005."""
    _flagged_monitoring(p, "99470", dos=p.pick_date(*Y26), minutes=9)
    _flagged_monitoring(p, "99470", dos=p.pick_date(*Y26), minutes=20)
    _monitoring(p, "99470", dos=p.pick_date(*Y26), minutes=10)
    _monitoring(p, "99470", dos=p.pick_date(*Y26), minutes=19)
    _flagged_monitoring(p, "98979", dos=p.pick_date(*Y26), minutes=20)
    _flagged_monitoring(p, "98979", dos=p.pick_date(*Y26), minutes=9)


# --- TM006: psychotherapy minutes ---------------------------------------------------------------

# standalone code -> (minimum minutes, the code the minute below it supports)
_STANDALONE_SHORT = {"90832": 16, "90834": 38, "90837": 53}
_ADDON_SHORT = {"90833": 16, "90836": 38, "90838": 53}


@planter("TM006", runs=3)
def plant_tm006_standalone_total_minutes(p: Plant) -> None:
    """A standalone psychotherapy code (90832/90834/90837) by a psychologist or LCSW in person,
    with total minutes one under its minimum and no psychotherapy_minutes: TM006. The same code
    at its minimum (another person): no finding."""
    code = p.pick(tuple(_STANDALONE_SHORT))
    floor = _STANDALONE_SHORT[code]
    payer = p.pick(("MEDICARE", "CIGNA", "NY MEDICAID"))
    c = p.visit(p.person(payer), code, dos=p.pick_date(*MAIN), minutes=floor - 1)
    p.expect(c, 1, "TM006")
    p.visit(p.person(payer), code, dos=p.pick_date(*MAIN), minutes=floor)


@planter("TM006", runs=3)
def plant_tm006_addon_psychotherapy_minutes(p: Plant) -> None:
    """99214 + a psychotherapy add-on (90833/90836/90838) by a psychiatric prescriber, total
    minutes ample but psychotherapy_minutes one under the add-on's minimum: TM006 on the add-on.
    The same visit with psychotherapy_minutes at the minimum (another person): no finding."""
    code = p.pick(tuple(_ADDON_SHORT))
    floor = _ADDON_SHORT[code]
    doc = p.provider(role="psychiatry")
    c = p.visit(
        p.person("MEDICARE"),
        ("99214", code),
        dos=p.pick_date(*MAIN),
        npi=doc,
        minutes=30 + floor + 10,
        psy_minutes=floor - 1,
    )
    p.expect(c, 2, "TM006")
    p.visit(
        p.person("MEDICARE"),
        ("99214", code),
        dos=p.pick_date(*MAIN),
        npi=doc,
        minutes=30 + floor + 10,
        psy_minutes=floor,
    )


@planter()
def plant_tm006_addon_not_judged(p: Plant) -> None:
    """Negative: 99213 + 90833 with 25 total minutes and no psychotherapy_minutes (an add-on is
    not judged without them)."""
    p.visit(
        p.person("AETNA"),
        ("99213", "90833"),
        dos=p.pick_date(*MAIN),
        npi=p.provider(role="psychiatry"),
        minutes=25,
        psy_minutes=None,
    )


# --- TM007: new-patient code for an established patient -----------------------------------------

LOOK_BACK_DAYS = 3 * 365


def _two_visits(p: Plant, *, gap: int) -> tuple[date, date]:
    """The dates of an established visit and of a new-patient visit ``gap`` days later."""
    dos1 = p.pick_date(D(2023, 1, 2), D(2026, 9, 30) - timedelta(days=gap))
    return dos1, dos1 + timedelta(days=gap)


@planter("TM007", runs=3)
def plant_tm007_same_rendering_npi(p: Plant) -> None:
    """99213 then, 40 days to three years later, 99202–99205 by the same MD/DO/NP/PA for the same
    person (in person, commercial or Medicare): TM007 on the new-patient line."""
    doc = _em(p)
    payer = p.pick(("CIGNA", "MEDICARE", "AETNA"))
    person = p.person(payer)
    gap = p.rng.randint(40, LOOK_BACK_DAYS - 10)
    dos1, dos2 = _two_visits(p, gap=gap)
    p.visit(person, "99213", dos=dos1, npi=doc)
    c = p.visit(person, p.pick(("99202", "99203", "99204", "99205")), dos=dos2, npi=doc)
    p.expect(c, 1, "TM007")


@planter("TM007", runs=3)
def plant_tm007_same_group_same_type(p: Plant) -> None:
    """99214 by one clinician, then 99203/99204 by another of the same provider_type (MD, DO, NP
    or PA) under the practice's billing NPI, within three years: TM007."""
    ptype = p.pick(("MD", "DO", "NP", "PA"))
    first, second = m.providers_with(role="primary", types=(ptype,))[:2]
    person = p.person(p.pick(("CIGNA", "UHC", "MEDICARE")))
    gap = p.rng.randint(40, 900)
    dos1, dos2 = _two_visits(p, gap=gap)
    p.visit(person, "99214", dos=dos1, npi=first)
    c = p.visit(person, p.pick(("99203", "99204")), dos=dos2, npi=second)
    p.expect(c, 1, "TM007")


@planter()
def plant_tm007_negatives(p: Plant) -> None:
    """Negatives: 99213 and then 99203 by the same MD exactly three years (same calendar date)
    later; 99213 by an MD and then 99203 by an NP of the same group (another provider_type)."""
    doc = _by_type("MD")
    person = p.person("CIGNA")
    dos1 = p.pick_date(D(2023, 1, 2), D(2023, 9, 30))
    p.visit(person, "99213", dos=dos1, npi=doc)
    p.visit(person, "99203", dos=dos1.replace(year=dos1.year + 3), npi=doc)
    nurse = m.providers_with(role="primary", types=("NP",))[0]
    other = p.person("CIGNA")
    dos1 = p.pick_date(D(2023, 1, 2), D(2025, 6, 30))
    p.visit(other, "99213", dos=dos1, npi=doc)
    p.visit(other, "99203", dos=dos1 + timedelta(days=p.rng.randint(40, 400)), npi=nurse)
