"""Planters, FL: filing (FL001, FL002) and superseded claims."""

from __future__ import annotations

from datetime import timedelta

from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    D,
    planter,
)

# === FL: filing ================================================================================


@planter("FL001")
def plant_fl001_medicare_leap_day(p: Plant) -> None:
    """Medicare DOS 2024-02-29: submitted 2025-03-01 FL001; 2025-02-28 (another person) no
    finding."""
    c = p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=D(2024, 2, 29),
        submitted=D(2025, 3, 1),
        remit_hint="deny_claim:29",
    )
    p.expect(c, 1, "FL001")
    p.visit(p.person("MEDICARE"), "99213", dos=D(2024, 2, 29), submitted=D(2025, 2, 28))


@planter("FL001")
def plant_fl001_medicare_one_year(p: Plant) -> None:
    """Medicare submitted the day after the same date a year later: FL001; on that date: no
    finding."""
    dos = p.pick_date(D(2023, 3, 1), D(2025, 8, 31))
    if dos.month == 2 and dos.day == 29:
        dos = dos - timedelta(days=1)
    year_later = dos.replace(year=dos.year + 1)
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=dos,
        submitted=year_later + timedelta(days=1),
        remit_hint="deny_claim:29",
    )
    p.expect(c, 1, "FL001")
    p.visit(p.person("MEDICARE"), "99214", dos=dos, submitted=year_later)


def _late(p: Plant, payer: str, limit: int) -> None:
    dos = p.pick_date(D(2023, 1, 2), D(2025, 9, 1))
    c = p.visit(p.person(payer), "99213", dos=dos, submitted=limit + 1, remit_hint="deny_claim:29")
    p.expect(c, 1, "FL001")
    p.visit(p.person(payer), "99213", dos=dos, submitted=limit)


@planter("FL001")
def plant_fl001_days_limits(p: Plant) -> None:
    """Day-count limits, N+1 flagged and N not: Cigna 120 (payer_type override), UHC 90 (payer
    override), Humana MA 365, NY Medicaid 365."""
    _late(p, "CIGNA", 120)
    _late(p, "UHC", 90)
    _late(p, "HUMANA MA", 365)
    _late(p, "NY MEDICAID", 365)


@planter()
def plant_fl001_negatives(p: Plant) -> None:
    """Negatives: self-pay submitted 400 days late (FL skips self-pay); a frequency 7 claim 200
    days after the DOS naming its original (FL001 is for frequency 1)."""
    p.visit(
        p.person("SELF PAY"), "99213", dos=p.pick_date(D(2023, 1, 2), D(2025, 6, 1)), submitted=400
    )
    per = p.person("CIGNA")
    dos = p.pick_date(D(2023, 1, 2), D(2025, 6, 1))
    first = p.visit(per, "99213", dos=dos, submitted=10, pay_lag=20)
    p.visit(
        per,
        "99213",
        dos=dos,
        submitted=200,
        freq="7",
        original=first,
        encounter=first.encounter_key,
        dx=("E11.9",),
    )


@planter("FL002")
def plant_fl002_replacement_without_reference(p: Plant) -> None:
    """A frequency 7 claim (99214 + G2211, Medicare 2024+) naming no original, after an identical
    frequency 1 claim: FL002 on both lines of the 7; the 1 stays live (not superseded) and is not
    a duplicate target (7/8 lines are never anchors)."""
    per = p.person("MEDICARE")
    dos = p.pick_date(D(2024, 1, 2), D(2026, 7, 31))
    first = p.visit(per, ("99214", "G2211"), dos=dos, submitted=5, pay_lag=20)
    c = p.visit(
        per,
        ("99214", "G2211"),
        dos=dos,
        submitted=45,
        freq="7",
        original=None,
        icn_of=None,
        encounter=first.encounter_key,
    )
    p.expect_all(c, "FL002")


@planter("FL002")
def plant_fl002_void_without_reference(p: Plant) -> None:
    """A frequency 8 claim naming no original: FL002 (its lines get no other rule)."""
    per = p.person("CIGNA")
    dos = p.pick_date(D(2023, 1, 2), D(2026, 7, 31))
    first = p.visit(per, "99213", dos=dos, submitted=5, pay_lag=20)
    c = p.visit(
        per, "99213", dos=dos, submitted=50, freq="8", icn_of=None, encounter=first.encounter_key
    )
    p.expect(c, 1, "FL002")


@planter("FL002")
def plant_fl002_replacement_of_video_visit(p: Plant) -> None:
    """A frequency 7 for a Cigna video visit naming nothing: FL002."""
    per = p.person("CIGNA")
    dos = p.pick_date(D(2023, 1, 2), D(2026, 7, 31))
    first = p.visit(per, "99213", dos=dos, modality="audio_video", submitted=4, pay_lag=25)
    c = p.visit(
        per,
        "99213",
        dos=dos,
        modality="audio_video",
        submitted=40,
        freq="7",
        icn_of=None,
        encounter=first.encounter_key,
        dx=("I10", "E78.5"),
    )
    p.expect(c, 1, "FL002")


@planter()
def plant_superseded_claims(p: Plant) -> None:
    """Negatives for superseded claims: an original with a defect (MD003, missing 95) replaced by a
    7 that fixes it; an original with a defect (DC004) voided by an 8 naming it; a 99201
    (CD001) original voided by an 8 that repeats its lines (superseded lines and 8 lines get
    only FL002); a clean original and a 7 naming it only by the payer's claim control number
    (REF*F8): neither is superseded by claim_id, both are clean, and the 7 is no FQ004
    target."""
    per = p.person("CIGNA")
    dos = p.pick_date(D(2023, 1, 2), D(2026, 6, 30))
    first = p.visit(per, "99213", dos=dos, modality="audio_video", mods=(), submitted=5, pay_lag=20)
    p.visit(
        per,
        "99213",
        dos=dos,
        modality="audio_video",
        submitted=40,
        freq="7",
        original=first,
        encounter=first.encounter_key,
    )
    per = p.person("MEDICARE")
    dos = p.pick_date(D(2023, 1, 2), D(2026, 6, 30))
    first = p.visit(per, "99214", dos=dos, minutes=None, mdm=None, submitted=5, pay_lag=20)
    p.visit(
        per, "99214", dos=dos, submitted=40, freq="8", original=first, encounter=first.encounter_key
    )
    per = p.person("CIGNA")
    dos = p.pick_date(D(2023, 1, 2), D(2026, 6, 30))
    first = p.visit(per, "99201", dos=dos, submitted=5, pay_lag=20)
    p.visit(
        per, "99201", dos=dos, submitted=40, freq="8", original=first, encounter=first.encounter_key
    )
    per = p.person("AETNA")
    dos = p.pick_date(D(2023, 1, 2), D(2026, 6, 30))
    first = p.visit(per, "99213", dos=dos, submitted=5, pay_lag=20)
    p.visit(
        per,
        "99213",
        dos=dos,
        submitted=40,
        freq="7",
        original=None,
        icn_of=first,
        encounter=first.encounter_key,
        dx=("I10", "E66.9"),
    )
