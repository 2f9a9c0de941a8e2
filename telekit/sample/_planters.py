"""One hand-written planter per clause of every rule of DESIGN.md §5.

Each planter builds isolated cases — a fresh person per case, so no FQ/AD/DC001 window ever
reaches another case or the clean baseline — and declares every finding DESIGN §5 implies for
its lines: the target rule, any other rule the defect necessarily triggers, and nothing that a
precedence rule suppresses. Lines a case adds without declaring a finding are clean under all 45
rules (boundary negatives: "day 7 opens a new period", "consent 365 days back", ...).

The notes under each planter name the rules that could plausibly fire on its lines and why they
do not. Conventions used by every case (from ``_model.telehealth_coding``): Medicare/MA
telehealth is POS 02 before 2020-03-01, POS 11 + 95 (93 for audio-only from 2022) until
2023-12-31, POS 02/10 + 95/93 from 2024; commercial and Medicaid use POS 02 (02/10 where the
policy says so) + 95, or 93 for audio-only from 2022.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from telekit.sample import _model as m
from telekit.sample._case import AUTO, Auto, Plant


@dataclass(frozen=True)
class Planter:
    name: str
    rules: tuple[str, ...]  # rules it plants findings of ("" for boundary negatives only)
    fn: Callable[[Plant], None]
    runs: int  # runs in the base plan (the default size, 1,500 encounters)


PLANTERS: list[Planter] = []


def planter(
    *rules: str, runs: int = 1
) -> Callable[[Callable[[Plant], None]], Callable[[Plant], None]]:
    def register(fn: Callable[[Plant], None]) -> Callable[[Plant], None]:
        if any(p.name == fn.__name__ for p in PLANTERS):
            msg = f"planter {fn.__name__} registered twice"
            raise ValueError(msg)
        PLANTERS.append(Planter(fn.__name__, rules, fn, runs))
        return fn

    return register


D = date
Y23 = (D(2023, 1, 2), D(2023, 12, 30))
Y24 = (D(2024, 1, 2), D(2024, 12, 30))
Y25 = (D(2025, 1, 2), D(2025, 12, 30))
Y26 = (D(2026, 1, 2), D(2026, 9, 30))
MAIN = (D(2023, 1, 2), D(2026, 9, 30))
FROM24 = (D(2024, 1, 2), D(2026, 9, 30))
FROM25 = (D(2025, 1, 2), D(2026, 9, 30))
PHE_ERA = (D(2021, 1, 4), D(2023, 12, 29))  # Medicare: in-person POS + 95


def _em(p: Plant) -> m.Provider:
    return p.provider(role="primary")


def _therapist(p: Plant) -> m.Provider:
    return p.provider(role="therapist", types=("PSYCHOLOGIST", "LCSW"))


def _by_type(provider_type: str) -> m.Provider:
    return next(x for x in m.PROVIDERS if x.provider_type == provider_type)


# === CD: code validity =========================================================================


@planter("CD001")
def plant_cd001_99201_after_2020(p: Plant) -> None:
    """99201 (deleted 2021-01-01) billed in person: CD001 only (DC004/TM/PR: 99201 is not an
    office E/M of DESIGN's definition, and CD001 suppresses TM/PR anyway)."""
    c = p.visit(p.person("CIGNA"), "99201", dos=p.pick_date(*MAIN))
    p.expect(c, 1, "CD001")


@planter("CD001")
def plant_cd001_telephone_em_after_2024(p: Plant) -> None:
    """99442 (ended 2024-12-31) audio-only to Medicare in 2025+, POS 10 + 93, reason given:
    CD001; it suppresses TH/PS/MD; DC002/DC003/DC006/DC007 are satisfied; EL003 in window."""
    c = p.visit(p.person("MEDICARE"), "99442", dos=p.pick_date(*FROM25), modality="audio_only")
    p.expect(c, 1, "CD001")


@planter("CD001")
def plant_cd001_g2012_after_2024(p: Plant) -> None:
    """G2012 (ended 2024-12-31) as a virtual check-in in 2025+: CD001; consent documented on
    its own encounter (DC001 runs and passes)."""
    c = p.visit(p.person("MEDICARE"), "G2012", dos=p.pick_date(*FROM25), modality="audio_only")
    p.expect(c, 1, "CD001")


@planter("CD001")
def plant_cd001_g206x_outside_2020(p: Plant) -> None:
    """G2061–G2063 (valid only in 2020) by the PT, one case in 2019 and one in 2023+: CD001.
    CTBS, so never a telehealth line (PR002's second clause does not apply)."""
    pt = _by_type("PT")
    for lo, hi in ((D(2019, 2, 1), D(2019, 12, 20)), MAIN):
        c = p.visit(
            p.person("MEDICARE"),
            p.pick(("G2061", "G2062", "G2063")),
            dos=p.pick_date(lo, hi),
            npi=pt,
            modality="portal",
        )
        p.expect(c, 1, "CD001")


@planter("CD001")
def plant_cd001_cpt_telemedicine_before_2025(p: Plant) -> None:
    """98005 (valid from 2025) audio-video to Cigna in 2023–2024, POS by location, no modifier:
    CD001 (it suppresses MD, and 98000–98015 are exempt from MD003 anyway; not an office E/M
    before 2025, so no TM/DC004/PR001)."""
    c = p.visit(
        p.person("CIGNA"),
        "98005",
        dos=p.pick_date(D(2023, 1, 2), D(2024, 12, 30)),
        modality="audio_video",
    )
    p.expect(c, 1, "CD001")


@planter("CD001")
def plant_cd001_98016_before_2025(p: Plant) -> None:
    """98016 (valid from 2025) as a Medicare virtual check-in in 2023–2024: CD001."""
    c = p.visit(
        p.person("MEDICARE"),
        "98016",
        dos=p.pick_date(D(2023, 1, 2), D(2024, 12, 30)),
        modality="audio_only",
    )
    p.expect(c, 1, "CD001")


@planter("CD001", runs=2)
def plant_cd001_2026_monitoring_codes_early(p: Plant) -> None:
    """99445, 99470, 98979, 98984–98986 (valid from 2026) billed in 2025: CD001 (suppresses
    TM005/FQ003 on the line; its device days and minutes are in range anyway)."""
    code = p.pick(("99445", "99470", "98979", "98984", "98985", "98986"))
    npi = _by_type("PT") if code.startswith("989") else _em(p)
    c = p.visit(p.person("MEDICARE"), code, dos=p.pick_date(*Y25), npi=npi, modality="audio_video")
    p.expect(c, 1, "CD001")


@planter("CD001", "CD004")
def plant_cd001_with_icd9_diagnosis(p: Plant) -> None:
    """99201 in 2024 with an ICD-9 code (250.00) as second diagnosis: CD001 and CD004 (CD001
    does not suppress CD rules)."""
    c = p.visit(p.person("CIGNA"), "99201", dos=p.pick_date(*Y24), dx=("E11.9", "250.00"))
    p.expect(c, 1, "CD001", "CD004")


@planter("CD002")
def plant_cd002_unassigned_pos(p: Plant) -> None:
    """POS 38 (unassigned) on an in-person office visit: CD002."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), pos="38")
    p.expect(c, 1, "CD002")


@planter("CD002")
def plant_cd002_pos10_before_2022(p: Plant) -> None:
    """POS 10 (from 2022-01-01) in 2021: a Cigna and a Medicare audio-video visit at home with
    95. CD002; it suppresses PS (PS004 would fire on the Medicare line)."""
    for payer in ("CIGNA", "MEDICARE"):
        c = p.visit(
            p.person(payer),
            "99213",
            dos=p.pick_date(D(2021, 3, 1), D(2021, 12, 31)),
            modality="audio_video",
            location="home",
            pos="10",
            mods=("95",),
        )
        p.expect(c, 1, "CD002")


@planter("CD002")
def plant_cd002_pos02_before_2017(p: Plant) -> None:
    """POS 02 (from 2017-01-01) in late 2016, Cigna, patient at a facility, 95: CD002."""
    c = p.visit(
        p.person("CIGNA"),
        "99213",
        dos=p.pick_date(D(2016, 9, 1), D(2016, 12, 30)),
        modality="audio_video",
        location="facility",
    )
    p.expect(c, 1, "CD002")


@planter("CD002")
def plant_cd002_suppresses_ps(p: Plant) -> None:
    """NY Medicaid telehealth at home in 2024+ on POS 38 + 95: PS001 would fire (convention
    02/10) but CD002 suppresses PS rules: CD002 only."""
    c = p.visit(
        p.person("NY MEDICAID"), "99214", dos=p.pick_date(*FROM24), modality="audio_video", pos="38"
    )
    p.expect(c, 1, "CD002")


@planter("CD003")
def plant_cd003_cpt_telemedicine_to_medicare(p: Plant) -> None:
    """98005 to Medicare (2025+, audio-video at home, POS 10): CD003; it suppresses TH001 (not
    on the list), TM and MD; minutes and MDM are documented (no DC004)."""
    c = p.visit(p.person("MEDICARE"), "98005", dos=p.pick_date(*FROM25), modality="audio_video")
    p.expect(c, 1, "CD003")


@planter("CD003")
def plant_cd003_cpt_telemedicine_to_ma(p: Plant) -> None:
    """98012 (audio-only by descriptor) to Humana MA, 2025+: CD003 (TH003 is only before 2025;
    DC006 is Medicare only)."""
    c = p.visit(p.person("HUMANA MA"), "98012", dos=p.pick_date(*FROM25), modality="audio_only")
    p.expect(c, 1, "CD003")


@planter("CD003")
def plant_cd003_audio_only_to_medicare(p: Plant) -> None:
    """98015 audio-only to Medicare in 2026, reason documented: CD003."""
    c = p.visit(p.person("MEDICARE"), "98015", dos=p.pick_date(*Y26), modality="audio_only")
    p.expect(c, 1, "CD003")


@planter("CD003", "DC004")
def plant_cd003_with_undocumented_level(p: Plant) -> None:
    """98006 to Medicare in 2025+ with neither minutes nor MDM: CD003 and DC004 (CD003
    suppresses TM001/TM002, not DC rules)."""
    c = p.visit(
        p.person("MEDICARE"),
        "98006",
        dos=p.pick_date(*FROM25),
        modality="audio_video",
        minutes=None,
        mdm=None,
    )
    p.expect(c, 1, "CD003", "DC004")


@planter("CD004")
def plant_cd004_claim_without_diagnosis(p: Plant) -> None:
    """A two-line Medicare claim (99214 + G2211, 2024+, in person) with no diagnosis on any
    line: CD004 on both lines."""
    c = p.visit(p.person("MEDICARE"), ("99214", "G2211"), dos=p.pick_date(*FROM24), dx=())
    p.expect_all(c, "CD004")


@planter("CD004")
def plant_cd004_single_line_without_diagnosis(p: Plant) -> None:
    """A one-line Cigna claim with no diagnosis: CD004."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), dx=())
    p.expect(c, 1, "CD004")


@planter("CD004")
def plant_cd004_malformed_diagnosis(p: Plant) -> None:
    """One malformed diagnosis among valid ones: 250.00 (ICD-9), F4 (too short) or F32.12345
    (too long): CD004."""
    bad = p.pick(("250.00", "F4", "F32.12345"))
    c = p.visit(p.person("MEDICARE"), "99213", dos=p.pick_date(*MAIN), dx=("I10", bad))
    p.expect(c, 1, "CD004")


@planter()
def plant_cd004_add_on_line_without_diagnosis(p: Plant) -> None:
    """Negative: line 2 (90785) has no diagnosis but line 1 does, so the claim has a diagnosis
    and no line is malformed: no finding."""
    p.visit(
        p.person("CIGNA"),
        ("90834", "90785"),
        dos=p.pick_date(*MAIN),
        line_overrides={2: {"dx": ()}},
    )


@planter("CD005")
def plant_cd005_billing_npi_check_digit(p: Plant) -> None:
    """Billing NPI with a wrong check digit on a two-line claim: CD005 on both lines."""
    c = p.visit(
        p.person("MEDICARE"),
        ("99214", "G2211"),
        dos=p.pick_date(*FROM24),
        billing_npi=m.bad_npi("175418293"),
    )
    p.expect_all(c, "CD005")


@planter("CD005")
def plant_cd005_rendering_npi_nine_digits(p: Plant) -> None:
    """Rendering NPI of nine digits (not on the roster, so no DC005/PR): CD005."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), npi="124587310")
    p.expect(c, 1, "CD005")


@planter("CD005")
def plant_cd005_rendering_npi_typo(p: Plant) -> None:
    """Rendering NPI with a wrong check digit (a typo of a roster NPI; not on the roster):
    CD005."""
    c = p.visit(p.person("AETNA"), "99214", dos=p.pick_date(*MAIN), npi=m.bad_npi("160375294"))
    p.expect(c, 1, "CD005")


# === TH: telehealth list and CTBS ===============================================================


@planter("TH001")
def plant_th001_code_added_to_list_in_2026(p: Plant) -> None:
    """90849 (on the list from 2026) to Medicare by telehealth in 2024–2025: TH001. A second
    person has the same service in 2026: no finding."""
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


@planter("TH001")
def plant_th001_unknown_code_by_telehealth(p: Plant) -> None:
    """A code telekit does not know (0998T) on a Medicare telehealth line: absent from the list,
    so TH001 (DESIGN: "a code absent from it is not on the list"); never CD001."""
    c = p.visit(
        p.person("MEDICARE"),
        "0998T",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        charges=(18000,),
    )
    p.expect(c, 1, "TH001")


@planter()
def plant_th001_ma_not_checked(p: Plant) -> None:
    """Negative: 90849 by telehealth to Humana MA in 2024 (TH001 is Medicare only)."""
    p.visit(
        p.person("HUMANA MA"),
        "90849",
        dos=p.pick_date(*Y24),
        npi=_by_type("LCSW"),
        modality="audio_video",
    )


@planter("TH002")
def plant_th002_evisit_on_pos10(p: Plant) -> None:
    """An e-visit (99422) to Medicare on POS 10, 2024+: TH002 (CTBS, never a telehealth line)."""
    c = p.visit(
        p.person("MEDICARE"), "99422", dos=p.pick_date(*FROM24), modality="portal", pos="10"
    )
    p.expect(c, 1, "TH002")


@planter("TH002")
def plant_th002_virtual_check_in_with_95(p: Plant) -> None:
    """G2252 to Humana MA with modifier 95 on POS 11: TH002."""
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


@planter("TH002", "MD004")
def plant_th002_check_in_with_gt(p: Plant) -> None:
    """98016 to Medicare (2025+) with GT on an audio-only encounter: TH002 and MD004 (a
    Medicare line with GT from 2018)."""
    c = p.visit(
        p.person("MEDICARE"), "98016", dos=p.pick_date(*FROM25), modality="audio_only", mods=("GT",)
    )
    p.expect(c, 1, "TH002", "MD004")


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


@planter("TH004")
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


@planter("TH004")
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


# === PS: place of service ======================================================================


@planter("PS001")
def plant_ps001_medicare_in_person_pos_in_2024(p: Plant) -> None:
    """Medicare audio-video at home, 2024+, POS 11 + 95 (the 2020–2023 convention): PS001."""
    c = p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        pos="11",
        mods=("95",),
    )
    p.expect(c, 1, "PS001")


@planter("PS001")
def plant_ps001_commercial_office_pos(p: Plant) -> None:
    """Cigna audio-video, patient at a facility, POS 11 + 95 in 2023+: PS001."""
    c = p.visit(
        p.person("CIGNA"),
        "99214",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="facility",
        pos="11",
    )
    p.expect(c, 1, "PS001")


@planter("PS001")
def plant_ps001_medicaid_audio_only(p: Plant) -> None:
    """NY Medicaid (02/10 from 2022) audio-only psychotherapy on POS 11 + 93: PS001."""
    c = p.visit(
        p.person("NY MEDICAID"), "90834", dos=p.pick_date(*MAIN), modality="audio_only", pos="11"
    )
    p.expect(c, 1, "PS001")


@planter("PS001")
def plant_ps001_first_day_of_02_10(p: Plant) -> None:
    """Medicare POS 11 + 95 at home on 2024-01-01: PS001; the same on 2023-12-31 (another
    person): no finding."""
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=D(2024, 1, 1),
        modality="audio_video",
        pos="11",
        mods=("95",),
    )
    p.expect(c, 1, "PS001")
    p.visit(p.person("MEDICARE"), "99214", dos=D(2023, 12, 31), modality="audio_video")


@planter()
def plant_ps001_payer_period_02(p: Plant) -> None:
    """Negative: Aetna's 2022-01-01..2022-06-30 period sets telehealth_pos "02", so POS 11 + 95
    is not checked by PS001."""
    p.visit(
        p.person("AETNA"),
        "99213",
        dos=p.pick_date(D(2022, 1, 3), D(2022, 6, 29)),
        modality="audio_video",
        pos="11",
    )


@planter("PS002")
def plant_ps002_pos02_at_home(p: Plant) -> None:
    """Cigna audio-video at home on POS 02 + 95 (2023+): PS002."""
    c = p.visit(
        p.person("CIGNA"),
        "99213",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="home",
        pos="02",
    )
    p.expect(c, 1, "PS002")


@planter("PS002")
def plant_ps002_pos10_at_facility(p: Plant) -> None:
    """Medicare audio-video with the patient at a facility on POS 10 + 95 (2024+): PS002."""
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        location="facility",
        pos="10",
    )
    p.expect(c, 1, "PS002")


@planter("PS002")
def plant_ps002_medicaid_audio_only(p: Plant) -> None:
    """NY Medicaid audio-only psychotherapy at home on POS 02 + 93: PS002."""
    c = p.visit(
        p.person("NY MEDICAID"),
        "90837",
        dos=p.pick_date(*MAIN),
        modality="audio_only",
        location="home",
        pos="02",
    )
    p.expect(c, 1, "PS002")


@planter("PS002")
def plant_ps002_day_after_payer_period(p: Plant) -> None:
    """Aetna at home on POS 02 + 95: 2022-07-01 (after Aetna's "02" period) PS002; 2022-06-30
    (inside the period, another person) no finding."""
    c = p.visit(
        p.person("AETNA"),
        "99213",
        dos=D(2022, 7, 1),
        modality="audio_video",
        location="home",
        pos="02",
    )
    p.expect(c, 1, "PS002")
    p.visit(
        p.person("AETNA"),
        "99213",
        dos=D(2022, 6, 30),
        modality="audio_video",
        location="home",
        pos="02",
    )


@planter()
def plant_ps002_other_location(p: Plant) -> None:
    """Negative: patient_location "other" never fires PS002 (Cigna, POS 10)."""
    p.visit(
        p.person("CIGNA"),
        "99213",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="other",
        pos="10",
    )


@planter("PS003")
def plant_ps003_pos02_in_person(p: Plant) -> None:
    """An in-person Cigna visit billed on POS 02: PS003 (the line is then, for every other rule,
    not telehealth and without indicator)."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), pos="02")
    p.expect(c, 1, "PS003")


@planter("PS003")
def plant_ps003_modifier95_in_person(p: Plant) -> None:
    """An in-person Medicare visit with 95 on POS 11: PS003."""
    c = p.visit(p.person("MEDICARE"), "99214", dos=p.pick_date(*MAIN), mods=("95",))
    p.expect(c, 1, "PS003")


@planter("PS003")
def plant_ps003_pos10_and_93_in_person(p: Plant) -> None:
    """In-person psychotherapy to Aetna on POS 10 + 93: PS003."""
    c = p.visit(p.person("AETNA"), "90834", dos=p.pick_date(*MAIN), pos="10", mods=("93",))
    p.expect(c, 1, "PS003")


@planter("PS004")
def plant_ps004_pos02_in_2021(p: Plant) -> None:
    """Medicare audio-video at home on POS 02 + 95 in 2021–2023: PS004 (info)."""
    c = p.visit(
        p.person("MEDICARE"), "99213", dos=p.pick_date(*PHE_ERA), modality="audio_video", pos="02"
    )
    p.expect(c, 1, "PS004")


@planter("PS004")
def plant_ps004_period_boundaries(p: Plant) -> None:
    """POS 10 + 95 at home on 2023-12-31 and POS 02 + 95 at a facility on 2020-03-01: PS004 on
    each; POS 02 at a facility on 2020-02-28 (the 02 convention, no modifier): no finding."""
    c = p.visit(
        p.person("MEDICARE"), "99214", dos=D(2023, 12, 31), modality="audio_video", pos="10"
    )
    p.expect(c, 1, "PS004")
    c = p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=D(2020, 3, 1),
        modality="audio_video",
        location="facility",
        pos="02",
    )
    p.expect(c, 1, "PS004")
    p.visit(p.person("MEDICARE"), "99213", dos=D(2020, 2, 28), modality="audio_video")


@planter()
def plant_ps004_ma_not_checked(p: Plant) -> None:
    """Negative: Humana MA on POS 02 + 95 at home in 2022 (PS004 is Medicare only; MA's
    convention is in_person+95, so no PS001/PS002)."""
    p.visit(
        p.person("HUMANA MA"),
        "99213",
        dos=p.pick_date(D(2022, 1, 3), D(2022, 12, 30)),
        modality="audio_video",
        pos="02",
    )


@planter("PS005")
def plant_ps005_video_billed_in_person(p: Plant) -> None:
    """A Medicare audio-video visit in 2023 billed POS 11 with no modifier: PS005."""
    c = p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=p.pick_date(*Y23),
        modality="audio_video",
        pos="11",
        mods=(),
    )
    p.expect(c, 1, "PS005")


@planter("PS005")
def plant_ps005_phone_billed_in_person(p: Plant) -> None:
    """Cigna audio-only psychotherapy billed POS 11 with no modifier: PS005."""
    c = p.visit(
        p.person("CIGNA"), "90834", dos=p.pick_date(*MAIN), modality="audio_only", pos="11", mods=()
    )
    p.expect(c, 1, "PS005")


@planter("PS005")
def plant_ps005_add_on_without_indicator(p: Plant) -> None:
    """Medicare 99214 + G2211 by video in 2024+: line 1 POS 10 + 95, line 2 POS 11 with no
    modifier: PS005 on line 2 only (G2211 still has its primary)."""
    c = p.visit(
        p.person("MEDICARE"),
        ("99214", "G2211"),
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        line_overrides={2: {"pos": "11", "mods": ()}},
    )
    p.expect(c, 2, "PS005")


# === MD: modifiers =============================================================================


@planter("MD001")
def plant_md001_medicare_audio_only_without_93(p: Plant) -> None:
    """Medicare audio-only psychotherapy at home, 2024+, POS 10 with no modifier: MD001."""
    c = p.visit(
        p.person("MEDICARE"), "90834", dos=p.pick_date(*FROM24), modality="audio_only", mods=()
    )
    p.expect(c, 1, "MD001")


@planter("MD001")
def plant_md001_medicaid_audio_only_without_93(p: Plant) -> None:
    """NY Medicaid audio-only (93 required from 2022) at home, POS 10, no modifier: MD001."""
    c = p.visit(
        p.person("NY MEDICAID"), "90832", dos=p.pick_date(*MAIN), modality="audio_only", mods=()
    )
    p.expect(c, 1, "MD001")


@planter("MD001")
def plant_md001_ma_audio_only_without_93(p: Plant) -> None:
    """Humana MA audio-only psychotherapy in 2023 on POS 10 with no modifier: MD001 (MA's
    convention is in_person+95, so no PS001; PS004 is Medicare only)."""
    c = p.visit(
        p.person("HUMANA MA"),
        "90837",
        dos=p.pick_date(*Y23),
        modality="audio_only",
        pos="10",
        mods=(),
    )
    p.expect(c, 1, "MD001")


@planter()
def plant_md001_negatives(p: Plant) -> None:
    """Negatives: 99442 (audio-only by descriptor) to Medicare in 2024 with no 93; Humana MA
    audio-only in 2022 with no 93 (required from 2023); Medicare audio-only with FQ."""
    p.visit(p.person("MEDICARE"), "99442", dos=p.pick_date(*Y24), modality="audio_only", mods=())
    p.visit(
        p.person("HUMANA MA"),
        "90834",
        dos=p.pick_date(D(2022, 1, 3), D(2022, 12, 30)),
        modality="audio_only",
        pos="10",
        mods=(),
    )
    p.visit(
        p.person("MEDICARE"), "90834", dos=p.pick_date(*FROM24), modality="audio_only", mods=("FQ",)
    )


@planter("MD002")
def plant_md002_95_on_audio_only(p: Plant) -> None:
    """Cigna audio-only at home with 95 (2023+): MD002, which suppresses MD001."""
    c = p.visit(
        p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), modality="audio_only", mods=("95",)
    )
    p.expect(c, 1, "MD002")


@planter("MD002")
def plant_md002_93_on_audio_video(p: Plant) -> None:
    """Medicare audio-video at home, 2024+, POS 10 + 93: MD002."""
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        mods=("93",),
    )
    p.expect(c, 1, "MD002")


@planter("MD002", "MD003")
def plant_md002_fq_on_audio_video(p: Plant) -> None:
    """NY Medicaid audio-video at a facility, POS 02 + FQ: MD002, and MD003 (the payer needs 95
    or GT)."""
    c = p.visit(
        p.person("NY MEDICAID"),
        "99213",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="facility",
        mods=("FQ",),
    )
    p.expect(c, 1, "MD002", "MD003")


@planter("MD002")
def plant_md002_93_and_95(p: Plant) -> None:
    """Both 93 and 95: an Aetna audio-video visit (2024) and a Medicare audio-only one (2024+):
    MD002 on each (MD001 does not fire: 93 is there)."""
    c = p.visit(
        p.person("AETNA"), "99214", dos=p.pick_date(*Y24), modality="audio_video", mods=("95", "93")
    )
    p.expect(c, 1, "MD002")
    c = p.visit(
        p.person("MEDICARE"),
        "90834",
        dos=p.pick_date(*FROM24),
        modality="audio_only",
        mods=("93", "95"),
    )
    p.expect(c, 1, "MD002")


@planter("MD002")
def plant_md002_first_day(p: Plant) -> None:
    """Cigna audio-only with 95: 2022-01-03 (POS 10) MD002; 2021-12-30 (POS 02, before MD002
    applies, another person) no finding."""
    c = p.visit(p.person("CIGNA"), "99213", dos=D(2022, 1, 3), modality="audio_only", mods=("95",))
    p.expect(c, 1, "MD002")
    p.visit(p.person("CIGNA"), "99213", dos=D(2021, 12, 30), modality="audio_only")


@planter()
def plant_md002_cpt_telemedicine_exempt(p: Plant) -> None:
    """Negative: 98012 (audio-only by descriptor) to Aetna on an audio-only encounter with 95."""
    p.visit(
        p.person("AETNA"), "98012", dos=p.pick_date(*FROM25), modality="audio_only", mods=("95",)
    )


@planter("MD003")
def plant_md003_commercial_without_95(p: Plant) -> None:
    """Cigna audio-video at home, POS 10, no modifier: MD003 (warning)."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), modality="audio_video", mods=())
    p.expect(c, 1, "MD003")


@planter("MD003")
def plant_md003_medicaid_without_95(p: Plant) -> None:
    """NY Medicaid audio-video at a facility, POS 02, no modifier: MD003."""
    c = p.visit(
        p.person("NY MEDICAID"),
        "99214",
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="facility",
        mods=(),
    )
    p.expect(c, 1, "MD003")


@planter("MD003")
def plant_md003_gt_after_payer_period(p: Plant) -> None:
    """Aetna accepts only 95 from 2025 (policy period): GT alone in 2025+ MD003; GT alone in
    2024 (another person) no finding."""
    c = p.visit(
        p.person("AETNA"), "99213", dos=p.pick_date(*FROM25), modality="audio_video", mods=("GT",)
    )
    p.expect(c, 1, "MD003")
    p.visit(p.person("AETNA"), "99213", dos=p.pick_date(*Y24), modality="audio_video", mods=("GT",))


@planter("MD003")
def plant_md003_legacy_without_95(p: Plant) -> None:
    """Cigna audio-video in 2019 on POS 02 without 95: MD003."""
    c = p.visit(
        p.person("CIGNA"),
        "99213",
        dos=p.pick_date(D(2019, 2, 1), D(2019, 12, 20)),
        modality="audio_video",
        mods=(),
    )
    p.expect(c, 1, "MD003")


@planter()
def plant_md003_medicare_needs_none(p: Plant) -> None:
    """Negative: Medicare audio-video at home, 2024+, POS 10 without a modifier."""
    p.visit(
        p.person("MEDICARE"), "99213", dos=p.pick_date(*FROM24), modality="audio_video", mods=()
    )


@planter("MD004")
def plant_md004_gt_on_medicare(p: Plant) -> None:
    """Medicare audio-video at home, 2024+, POS 10 + GT: MD004."""
    c = p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        mods=("GT",),
    )
    p.expect(c, 1, "MD004")


@planter("MD004")
def plant_md004_gq_outside_alaska_hawaii(p: Plant) -> None:
    """Medicare 2021–2023 POS 11 + 95 + GQ, patient and provider in NY/NJ: MD004."""
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*PHE_ERA),
        modality="audio_video",
        mods=("95", "GQ"),
    )
    p.expect(c, 1, "MD004")


@planter("MD004")
def plant_md004_gt_on_audio_only(p: Plant) -> None:
    """Medicare audio-only psychotherapy, 2025+, POS 10 + 93 + GT: MD004."""
    c = p.visit(
        p.person("MEDICARE"),
        "90834",
        dos=p.pick_date(*FROM25),
        modality="audio_only",
        mods=("93", "GT"),
    )
    p.expect(c, 1, "MD004")


@planter()
def plant_md004_negatives(p: Plant) -> None:
    """Negatives: GQ with the patient in Alaska (provider licensed there); GT to Humana MA (MD004
    is Medicare only; MA needs no modifier)."""
    psych = next(x for x in m.PROVIDERS if "AK" in x.states)
    p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*FROM24),
        npi=psych,
        modality="audio_video",
        mods=("95", "GQ"),
        patient_state="AK",
    )
    p.visit(
        p.person("HUMANA MA"),
        "99213",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        mods=("GT",),
    )


@planter("MD005")
def plant_md005_video_code_on_audio_only(p: Plant) -> None:
    """98005 (audio-video code) to Cigna on an audio-only encounter with 93: MD005."""
    c = p.visit(
        p.person("CIGNA"), "98005", dos=p.pick_date(*FROM25), modality="audio_only", mods=("93",)
    )
    p.expect(c, 1, "MD005")


@planter("MD005", "MD001")
def plant_md005_video_code_on_audio_only_without_93(p: Plant) -> None:
    """98006 to Cigna on an audio-only encounter, no modifier: MD005 and MD001 (98006 is not
    audio-only by descriptor, and Cigna requires 93 from 2022)."""
    c = p.visit(
        p.person("CIGNA"), "98006", dos=p.pick_date(*FROM25), modality="audio_only", mods=()
    )
    p.expect(c, 1, "MD005", "MD001")


@planter("MD005")
def plant_md005_audio_code_on_video(p: Plant) -> None:
    """98013 (audio-only code) on an audio-video encounter: NY Medicaid at a facility (POS 02)
    and Aetna at home (POS 10), no modifier: MD005 on each (MD003 exempts 98000–98015)."""
    c = p.visit(
        p.person("NY MEDICAID"),
        "98013",
        dos=p.pick_date(*FROM25),
        modality="audio_video",
        location="facility",
    )
    p.expect(c, 1, "MD005")
    c = p.visit(p.person("AETNA"), "98009", dos=p.pick_date(*Y26), modality="audio_video")
    p.expect(c, 1, "MD005")


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
    """Two e-visits on one day (99422 submitted first, then 99421): the second is flagged."""
    per = p.person("CIGNA")
    dos = p.pick_date(*MAIN)
    doc = _em(p)
    p.visit(per, "99422", dos=dos, npi=doc, modality="portal", submitted=2)
    c = p.visit(per, "99421", dos=dos, npi=doc, modality="portal", submitted=5)
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
    _same_day_pair(p, "CIGNA", p.pick_date(*MAIN), "99213", "99212", modality="audio_video")
    _same_day_pair(p, "MEDICARE", p.pick_date(*Y23), "99214", "99213", modality="audio_video")
    _same_day_pair(p, "NY MEDICAID", p.pick_date(*MAIN), "99213", "99212", modality="audio_only")


@planter()
def plant_fq005_other_npi(p: Plant) -> None:
    """Negative: the same pair by two rendering NPIs."""
    dos = p.pick_date(*MAIN)
    _same_day_pair(p, "CIGNA", dos, "99213", "99212", modality="audio_video", same_npi=False)


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


# === EL: eligibility ===========================================================================


@planter("EL001")
def plant_el001_coverage_ended(p: Plant) -> None:
    """Coverage ended the day before the DOS: EL001; DOS on the end date (another person): no
    finding."""
    end = p.pick_date(D(2023, 3, 1), D(2026, 8, 31))
    per = p.person("CIGNA", spans=(("CIGNA", D(2018, 1, 1), end, None),))
    c = p.visit(per, "99213", dos=end + timedelta(days=1))
    p.expect(c, 1, "EL001")
    per = p.person("CIGNA", spans=(("CIGNA", D(2018, 1, 1), end, None),))
    p.visit(per, "99213", dos=end)


@planter("EL001")
def plant_el001_coverage_not_started(p: Plant) -> None:
    """Medicare starting the day after the DOS: EL001; DOS on the start date: no finding."""
    start = p.pick_date(D(2023, 3, 1), D(2026, 8, 31))
    per = p.person("MEDICARE", spans=(("MEDICARE", start, None, None),))
    c = p.visit(per, "99214", dos=start - timedelta(days=1))
    p.expect(c, 1, "EL001")
    per = p.person("MEDICARE", spans=(("MEDICARE", start, None, None),))
    p.visit(per, "99214", dos=start)


@planter("EL001")
def plant_el001_gap_between_spans(p: Plant) -> None:
    """Two Cigna spans with a gap; a visit in the gap: EL001."""
    gap = p.pick_date(D(2023, 6, 1), D(2026, 6, 1))
    per = p.person(
        "CIGNA",
        spans=(
            ("CIGNA", D(2017, 1, 1), gap - timedelta(days=20), None),
            ("CIGNA", gap + timedelta(days=20), None, None),
        ),
    )
    c = p.visit(per, "99213", dos=gap)
    p.expect(c, 1, "EL001")


@planter("EL002")
def plant_el002_span_not_covering_telehealth(p: Plant) -> None:
    """A Cigna span with telehealth_covered false and a video visit: EL002."""
    per = p.person("CIGNA", telehealth_covered=False)
    c = p.visit(per, "99213", dos=p.pick_date(*MAIN), modality="audio_video")
    p.expect(c, 1, "EL002")


@planter("EL002")
def plant_el002_policy_not_covering_telehealth(p: Plant) -> None:
    """Healthfirst (policy telehealth_covered false) video visit: EL002; its in-person visit
    (another person): no finding."""
    c = p.visit(p.person("HEALTHFIRST"), "99213", dos=p.pick_date(*MAIN), modality="audio_video")
    p.expect(c, 1, "EL002")
    p.visit(p.person("HEALTHFIRST"), "99213", dos=p.pick_date(*MAIN))


@planter("EL002")
def plant_el002_audio_only_not_covered(p: Plant) -> None:
    """UHC (policy audio_only_covered false) audio-only psychotherapy: EL002; a UHC video visit
    (another person): no finding."""
    c = p.visit(p.person("UHC"), "90834", dos=p.pick_date(*MAIN), modality="audio_only")
    p.expect(c, 1, "EL002")
    p.visit(p.person("UHC"), "99213", dos=p.pick_date(*MAIN), modality="audio_video")


@planter("EL002")
def plant_el002_span_through_alias(p: Plant) -> None:
    """An Aetna span with telehealth_covered false, the line billed to Aetna's payer id 60054
    (an alias of AETNA): EL002 (payers compare through the aliases)."""
    per = p.person("AETNA", telehealth_covered=False)
    c = p.visit(per, "99214", dos=p.pick_date(*MAIN), payer="60054", modality="audio_video")
    p.expect(c, 1, "EL002")


def _medicare_home(
    p: Plant, dos: date, code: str = "99213", dx: tuple[str, ...] = ("I10",), *, flagged: bool
) -> None:
    npi = _therapist(p) if code.startswith("908") else _em(p)
    c = p.visit(
        p.person("MEDICARE"), code, dos=dos, npi=npi, modality="audio_video", location="home", dx=dx
    )
    if flagged:
        p.expect(c, 1, "EL003")


@planter("EL003")
def plant_el003_home_before_flexibilities(p: Plant) -> None:
    """Medicare video at home in 2019 (POS 02): EL003; on 2020-03-05 (POS 11 + 95) EL003; on
    2020-03-06 (first day of the window, another person) no finding."""
    _medicare_home(p, p.pick_date(D(2019, 1, 15), D(2019, 12, 20)), flagged=True)
    _medicare_home(p, D(2020, 3, 5), "99214", flagged=True)
    _medicare_home(p, D(2020, 3, 6), "99214", flagged=False)


@planter("EL003")
def plant_el003_exceptions(p: Plant) -> None:
    """Exceptions: substance use (F11.20 as 2nd diagnosis) in late 2019 no finding, in June 2019
    (before 2019-07-01) EL003; a mental-health principal diagnosis in 2019 EL003 (that exception
    starts 2028); home dialysis 90966 in 2019 no finding."""
    _medicare_home(
        p, p.pick_date(D(2019, 7, 1), D(2019, 12, 20)), dx=("I10", "F11.20"), flagged=False
    )
    _medicare_home(p, p.pick_date(D(2019, 3, 1), D(2019, 6, 30)), dx=("F11.20",), flagged=True)
    _medicare_home(
        p, p.pick_date(D(2019, 2, 1), D(2019, 12, 20)), "90834", dx=("F32.1",), flagged=True
    )
    _medicare_home(
        p, p.pick_date(D(2019, 2, 1), D(2019, 12, 20)), "90966", dx=("N18.6",), flagged=False
    )


@planter()
def plant_el003_ma_not_checked(p: Plant) -> None:
    """Negative: Humana MA video at home in 2019 (EL003 is Medicare only)."""
    p.visit(
        p.person("HUMANA MA"),
        "99213",
        dos=p.pick_date(D(2019, 2, 1), D(2019, 12, 20)),
        modality="audio_video",
        location="home",
    )


@planter("EL004")
def plant_el004_billed_other_payer(p: Plant) -> None:
    """Covered by Cigna, billed to UHC: EL004; covered by Medicare, billed to Humana MA: EL004."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), payer="UHC")
    p.expect(c, 1, "EL004")
    c = p.visit(p.person("MEDICARE"), "99214", dos=p.pick_date(*MAIN), payer="HUMANA MA")
    p.expect(c, 1, "EL004")


@planter("EL004")
def plant_el004_old_payer_after_switch(p: Plant) -> None:
    """Cigna until 2023-12-31, Medicare from 2024-01-01, billed to Cigna in January 2024: EL004
    (not EL001: Medicare covers the date)."""
    per = p.person(
        "CIGNA",
        spans=(
            ("CIGNA", D(2016, 1, 1), D(2023, 12, 31), None),
            ("MEDICARE", D(2024, 1, 1), None, None),
        ),
    )
    c = p.visit(per, "99213", dos=p.pick_date(D(2024, 1, 2), D(2024, 1, 31)))
    p.expect(c, 1, "EL004")


@planter()
def plant_el004_alias(p: Plant) -> None:
    """Negative: covered by AETNA, billed as "AETNA BETTER HEALTH" (an alias): no finding."""
    p.visit(p.person("AETNA"), "99213", dos=p.pick_date(*MAIN), payer="AETNA BETTER HEALTH")


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


# === AD: add-on codes ==========================================================================


@planter("AD001")
def plant_ad001_g2211_alone(p: Plant) -> None:
    """G2211 without an office E/M (Medicare 2024+, in person): AD001. G2211 with 99211
    (another person): no finding."""
    c = p.visit(p.person("MEDICARE"), "G2211", dos=p.pick_date(*FROM24))
    p.expect(c, 1, "AD001")
    p.visit(p.person("MEDICARE"), ("99211", "G2211"), dos=p.pick_date(*FROM24))


@planter("AD001")
def plant_ad001_prolonged_without_level_5(p: Plant) -> None:
    """G2212 with 99214 (Medicare) and 99417 with 99204 (Cigna): AD001 on the add-on (no TM004:
    neither is billed with 99205/99215)."""
    c = p.visit(p.person("MEDICARE"), ("99214", "G2212"), dos=p.pick_date(*MAIN), minutes=75)
    p.expect(c, 2, "AD001")
    c = p.visit(p.person("CIGNA"), ("99204", "99417"), dos=p.pick_date(*MAIN), minutes=70)
    p.expect(c, 2, "AD001")


@planter("AD001")
def plant_ad001_psychotherapy_add_on(p: Plant) -> None:
    """90833 alone (psychiatry NP, Cigna): AD001; 90836 whose E/M was billed by another NPI the
    same day: AD001; 99214 + 90833 + 90785 (another person): no finding."""
    c = p.visit(p.person("CIGNA"), "90833", dos=p.pick_date(*MAIN))
    p.expect(c, 1, "AD001")
    per = p.person("CIGNA")
    dos = p.pick_date(*MAIN)
    md, np_ = m.providers_with(role="psychiatry")[:2]
    p.visit(per, "99214", dos=dos, npi=np_)
    c = p.visit(per, "90836", dos=dos, npi=md)
    p.expect(c, 1, "AD001")
    p.visit(p.person("CIGNA"), ("99214", "90833", "90785"), dos=p.pick_date(*MAIN), npi=md)


@planter("AD001")
def plant_ad001_interactive_complexity_alone(p: Plant) -> None:
    """90785 alone (LCSW, Aetna): AD001."""
    c = p.visit(p.person("AETNA"), "90785", dos=p.pick_date(*MAIN), npi=_by_type("LCSW"))
    p.expect(c, 1, "AD001")


@planter("AD001")
def plant_ad001_99458_month(p: Plant) -> None:
    """99457 on the last day of a month and 99458 on the 1st of the next: AD001 on 99458;
    99457 on the 2nd and 99458 on the 25th of one month (another person): no finding."""
    month_end = p.pick_date(D(2023, 1, 2), D(2026, 8, 28)).replace(day=1) - timedelta(days=1)
    per = p.person("MEDICARE")
    doc = p.provider(role="primary", types=("MD", "DO", "NP"))
    p.visit(per, "99457", dos=month_end, npi=doc, modality="audio_video")
    c = p.visit(
        per, "99458", dos=month_end + timedelta(days=1), npi=doc, modality="audio_video", minutes=25
    )
    p.expect(c, 1, "AD001")
    per = p.person("MEDICARE")
    first = p.pick_date(D(2023, 1, 2), D(2026, 8, 28)).replace(day=2)
    p.visit(per, "99457", dos=first, npi=doc, modality="audio_video")
    p.visit(per, "99458", dos=first.replace(day=25), npi=doc, modality="audio_video", minutes=25)


@planter("AD001")
def plant_ad001_98981_alone(p: Plant) -> None:
    """98981 (RTM, PT) without 98980 in the month: AD001."""
    c = p.visit(
        p.person("MEDICARE"),
        "98981",
        dos=p.pick_date(*MAIN),
        npi=_by_type("PT"),
        modality="audio_video",
        minutes=22,
    )
    p.expect(c, 1, "AD001")


@planter("AD001")
def plant_ad001_primary_on_voided_claim(p: Plant) -> None:
    """99214 and G2211 on two claims (Medicare 2024+, same NPI and day), then the 99214 claim
    voided by an 8 naming it: the superseded line is no primary, so AD001 on G2211."""
    per = p.person("MEDICARE")
    dos = p.pick_date(D(2024, 1, 2), D(2026, 6, 30))
    doc = _em(p)
    em = p.visit(per, "99214", dos=dos, npi=doc, submitted=5, pay_lag=20)
    c = p.visit(per, "G2211", dos=dos, npi=doc, submitted=6, encounter=em.encounter_key)
    p.visit(
        per,
        "99214",
        dos=dos,
        npi=doc,
        submitted=40,
        freq="8",
        original=em,
        encounter=em.encounter_key,
    )
    p.expect(c, 1, "AD001")


# === PR: provider ==============================================================================


@planter("PR001")
def plant_pr001_non_physician_bills_em(p: Plant) -> None:
    """Office E/M by an LCSW (Cigna, in person), a psychologist (Medicare video 2024+), the PT
    (98005 to Aetna 2025+) and the RD (in person): PR001 on each."""
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), npi=_by_type("LCSW"))
    p.expect(c, 1, "PR001")
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(*FROM24),
        npi=_by_type("PSYCHOLOGIST"),
        modality="audio_video",
    )
    p.expect(c, 1, "PR001")
    c = p.visit(
        p.person("AETNA"),
        "98005",
        dos=p.pick_date(*FROM25),
        npi=_by_type("PT"),
        modality="audio_video",
    )
    p.expect(c, 1, "PR001")
    c = p.visit(p.person("CIGNA"), "99212", dos=p.pick_date(*MAIN), npi=_by_type("RD"))
    p.expect(c, 1, "PR001")


@planter("PR002")
def plant_pr002_mft_mhc_before_2024(p: Plant) -> None:
    """Medicare lines by an MFT or MHC before 2024: in person, by video (POS 11 + 95), an
    e-visit (any Medicare line, not only telehealth): PR002 on each; an MFT on 2023-12-31
    PR002 and on 2024-01-02 (another person) no finding."""
    mft, mhc = _by_type("MFT"), _by_type("MHC")
    c = p.visit(p.person("MEDICARE"), "90834", dos=p.pick_date(*Y23), npi=mft)
    p.expect(c, 1, "PR002")
    c = p.visit(
        p.person("MEDICARE"),
        "90837",
        dos=p.pick_date(D(2022, 1, 3), D(2023, 12, 29)),
        npi=mhc,
        modality="audio_video",
    )
    p.expect(c, 1, "PR002")
    c = p.visit(p.person("MEDICARE"), "98970", dos=p.pick_date(*Y23), npi=mhc, modality="portal")
    p.expect(c, 1, "PR002")
    c = p.visit(p.person("MEDICARE"), "90834", dos=D(2023, 12, 31), npi=mft)
    p.expect(c, 1, "PR002")
    p.visit(p.person("MEDICARE"), "90834", dos=D(2024, 1, 2), npi=mft)


@planter("PR002", "TH001")
def plant_pr002_therapist_outside_flexibilities(p: Plant) -> None:
    """Medicare telehealth by the PT (97110) and the SLP (92507) in 2019, patient at a facility,
    POS 02: PR002, and TH001 (therapy codes joined the list only with the 2020 flexibilities)."""
    for ptype, code in (("PT", "97110"), ("SLP", "92507")):
        c = p.visit(
            p.person("MEDICARE"),
            code,
            dos=p.pick_date(D(2019, 2, 1), D(2019, 12, 20)),
            npi=_by_type(ptype),
            modality="audio_video",
            location="facility",
            dx=("M62.81",),
        )
        p.expect(c, 1, "PR002", "TH001")


# === codes telekit does not know =================================================================


@planter()
def plant_unknown_codes(p: Plant) -> None:
    """Negatives: codes absent from telekit's code table (ZZZ99, 0999T) in person, and ZZZ99 by
    video to Aetna (TH001 is Medicare only): no finding, never CD001."""
    p.visit(p.person("CIGNA"), "ZZZ99", dos=p.pick_date(*MAIN))
    p.visit(p.person("MEDICARE"), "0999T", dos=p.pick_date(*MAIN))
    p.visit(p.person("AETNA"), "ZZZ99", dos=p.pick_date(*FROM24), modality="audio_video")


RULE_CODES: tuple[str, ...] = (
    "CD001", "CD002", "CD003", "CD004", "CD005", "TH001", "TH002", "TH003", "TH004",
    "PS001", "PS002", "PS003", "PS004", "PS005", "MD001", "MD002", "MD003", "MD004", "MD005",
    "TM001", "TM002", "TM003", "TM004", "TM005", "FQ001", "FQ002", "FQ003", "FQ004", "FQ005",
    "DC001", "DC002", "DC003", "DC004", "DC005", "DC006", "DC007",
    "EL001", "EL002", "EL003", "EL004", "FL001", "FL002", "AD001", "PR001", "PR002",
)  # fmt: skip
