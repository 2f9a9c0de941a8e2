"""Planters, TM: time and thresholds (TM001–TM005)."""

from __future__ import annotations

from datetime import date

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
