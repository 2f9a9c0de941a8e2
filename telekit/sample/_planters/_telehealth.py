"""Planters, TH: the telehealth list and CTBS (TH001–TH004)."""

from __future__ import annotations

from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    Y23,
    Y24,
    Y26,
    D,
    _by_type,
    planter,
)

# === TH: telehealth list and CTBS ===============================================================


@planter("TH001", runs=3)
def plant_th001_code_added_to_list_in_2026(p: Plant) -> None:
    """Known absent: 90849 (in the curated table; on the list from 2026) to Medicare by
    telehealth in 2024–2025: TH001 error. A second person has the same service in 2026: no
    finding."""
    lcsw = _by_type("LCSW")
    c = p.visit(
        p.person("MEDICARE"),
        "90849",
        dos=p.pick_date(D(2024, 1, 2), D(2025, 12, 31)),
        npi=lcsw,
        modality="audio_video",
    )
    p.expect(c, 1, "TH001")
    p.visit(p.person("MEDICARE"), "90849", dos=p.pick_date(*Y26), npi=lcsw, modality="audio_video")


@planter("TH001", runs=3)
def plant_th001_unknown_code_by_telehealth(p: Plant) -> None:
    """Unknown to the list: a code telekit does not know (0998T) on a Medicare telehealth line is
    not on telekit's copy of the list: TH001 warning with no amount; never CD001."""
    c = p.visit(
        p.person("MEDICARE"),
        "0998T",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        charges=(18000,),
    )
    p.expect(c, 1, "TH001")


@planter("TH001", runs=3)
def plant_th001_ma_warning(p: Plant) -> None:
    """90849 by telehealth to Humana MA in 2024: TH001 as a warning with no amount (MA plans may
    cover more telehealth; the sample's policy does not ask for FFS errors)."""
    c = p.visit(
        p.person("HUMANA MA"),
        "90849",
        dos=p.pick_date(*Y24),
        npi=_by_type("LCSW"),
        modality="audio_video",
    )
    p.expect(c, 1, "TH001")


@planter("TH001", "TH003", runs=3)
def plant_th001_phe_addition_before_march_2020(p: Plant) -> None:
    """99441 (a PHE addition, on the list from 2020-03-01) by telephone to Medicare in February
    2020, patient at a facility, POS 02: TH001 (not yet on the list) and TH003 (no audio-only
    Medicare telehealth before 2020-03-01)."""
    c = p.visit(
        p.person("MEDICARE"),
        "99441",
        dos=p.pick_date(D(2020, 2, 3), D(2020, 2, 28)),
        modality="audio_only",
        location="facility",
        pos="02",
        mods=(),
    )
    p.expect(c, 1, "TH001", "TH003")


@planter("TH002", runs=3)
def plant_th002_evisit_on_pos10(p: Plant) -> None:
    """An e-visit (99422) to Medicare on POS 10, 2024+: TH002 (CTBS, never a telehealth line)."""
    c = p.visit(
        p.person("MEDICARE"), "99422", dos=p.pick_date(*FROM24), modality="portal", pos="10"
    )
    p.expect(c, 1, "TH002")


@planter("TH002", runs=3)
def plant_th002_virtual_check_in_with_95(p: Plant) -> None:
    """G2252 to Humana MA with modifier 95 on POS 11: TH002 (a warning: Medicare Advantage)."""
    c = p.visit(
        p.person("HUMANA MA"), "G2252", dos=p.pick_date(*MAIN), modality="audio_only", mods=("95",)
    )
    p.expect(c, 1, "TH002")


@planter("TH002")
def plant_th002_rpm_with_93(p: Plant) -> None:
    """99457 (20+ min) to Medicare with modifier 93: TH002."""
    c = p.visit(
        p.person("MEDICARE"), "99457", dos=p.pick_date(*MAIN), modality="audio_only", mods=("93",)
    )
    p.expect(c, 1, "TH002")


@planter("TH002")
def plant_th002_check_in_with_gt(p: Plant) -> None:
    """98016 to Medicare (2025+) with GT on an audio-only encounter: TH002, which suppresses
    MD004 (DESIGN §5 precedence)."""
    c = p.visit(
        p.person("MEDICARE"), "98016", dos=p.pick_date(*FROM25), modality="audio_only", mods=("GT",)
    )
    p.expect(c, 1, "TH002")


@planter("TH002", runs=3)
def plant_th002_telephone_assessment_after_2024(p: Plant) -> None:
    """98966 with 93 to Medicare in 2025-2026: TH002 (on the telehealth list only 2020-03-01 to
    2024-12-31). The same service in 2023 for another person: no finding (on the list then)."""
    c = p.visit(
        p.person("MEDICARE"),
        "98966",
        dos=p.pick_date(*FROM25),
        modality="audio_only",
        mods=("93",),
        charges=(4500,),
    )
    p.expect(c, 1, "TH002")
    p.visit(
        p.person("MEDICARE"),
        "98966",
        dos=p.pick_date(*Y23),
        modality="audio_only",
        mods=("93",),
        charges=(4500,),
    )


@planter()
def plant_th002_commercial_not_checked(p: Plant) -> None:
    """Negative: an e-visit to Cigna on POS 10 (TH002 is Medicare or MA only)."""
    p.visit(p.person("CIGNA"), "99422", dos=p.pick_date(*FROM24), modality="portal", pos="10")


@planter("TH003")
def plant_th003_office_em_audio_only_medicare(p: Plant) -> None:
    """99213 audio-only to Medicare in 2024 (POS 10 + 93, reason): TH003."""
    c = p.visit(p.person("MEDICARE"), "99213", dos=p.pick_date(*Y24), modality="audio_only")
    p.expect(c, 1, "TH003")


@planter("TH003")
def plant_th003_office_em_audio_only_ma(p: Plant) -> None:
    """99214 audio-only to Humana MA in 2023 (POS 11 + 93): TH003."""
    c = p.visit(p.person("HUMANA MA"), "99214", dos=p.pick_date(*Y23), modality="audio_only")
    p.expect(c, 1, "TH003")


@planter("TH003")
def plant_th003_new_patient_audio_only_2022(p: Plant) -> None:
    """99204 audio-only to Medicare in 2022 (POS 11 + 93, no 95): TH003."""
    c = p.visit(
        p.person("MEDICARE"),
        "99204",
        dos=p.pick_date(D(2022, 1, 3), D(2022, 12, 30)),
        modality="audio_only",
    )
    p.expect(c, 1, "TH003")


@planter("TH003")
def plant_th003_last_day_before_2025(p: Plant) -> None:
    """99213 audio-only to Medicare on 2024-12-31: TH003; the same on 2025-01-02 for another
    person: no finding (any listed service may be audio-only from 2025)."""
    c = p.visit(p.person("MEDICARE"), "99213", dos=D(2024, 12, 31), modality="audio_only")
    p.expect(c, 1, "TH003")
    p.visit(p.person("MEDICARE"), "99213", dos=D(2025, 1, 2), modality="audio_only")


@planter("TH003", runs=3)
def plant_th003_audio_only_not_at_home_2025(p: Plant) -> None:
    """99213 audio-only to Medicare in 2025-2026 with the patient at a facility (POS 02 + 93):
    TH003 warning (from 2025 audio-only only for a patient at home). The same at home for another
    person: no finding."""
    c = p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=p.pick_date(*FROM25),
        modality="audio_only",
        location="facility",
    )
    p.expect(c, 1, "TH003")
    p.visit(p.person("MEDICARE"), "99213", dos=p.pick_date(*FROM25), modality="audio_only")


@planter("TH003")
def plant_th003_audio_only_other_location_ma(p: Plant) -> None:
    """90834 audio-only to Humana MA in 2025-2026 with patient_location other: TH003 warning."""
    c = p.visit(
        p.person("HUMANA MA"),
        "90834",
        dos=p.pick_date(*FROM25),
        npi=_by_type("LCSW"),
        modality="audio_only",
        location="other",
    )
    p.expect(c, 1, "TH003")


@planter("TH004", runs=2)
def plant_th004_q3014_on_pos10(p: Plant) -> None:
    """Q3014 on POS 10 with the patient at a facility: TH004 (POS clause)."""
    c = p.visit(
        p.person("MEDICARE"),
        "Q3014",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="facility",
        pos="10",
    )
    p.expect(c, 1, "TH004")


@planter("TH004", runs=2)
def plant_th004_q3014_patient_at_home(p: Plant) -> None:
    """Q3014 on POS 11 with the patient at home: TH004 (location clause)."""
    c = p.visit(
        p.person("MEDICARE"),
        "Q3014",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="home",
    )
    p.expect(c, 1, "TH004")


@planter("TH004")
def plant_th004_q3014_both_clauses(p: Plant) -> None:
    """Q3014 to Humana MA on POS 10 with the patient at home: one TH004."""
    c = p.visit(
        p.person("HUMANA MA"),
        "Q3014",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        location="home",
        pos="10",
    )
    p.expect(c, 1, "TH004")


@planter()
def plant_th004_negatives(p: Plant) -> None:
    """Negatives: Q3014 self-pay on POS 10 (TH rules skip self-pay); Q3014 on POS 11 with no
    encounter (the location clause needs the encounter; Q3014 never gets DC003)."""
    p.visit(
        p.person("SELF PAY"),
        "Q3014",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        location="home",
        pos="10",
    )
    p.visit(p.person("MEDICARE"), "Q3014", dos=p.pick_date(*MAIN), encounter=False)
