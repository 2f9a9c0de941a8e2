"""Planters, CD: code validity (CD001–CD006)."""

from __future__ import annotations

from datetime import date

from telekit.sample import _model as m
from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    Y24,
    Y25,
    Y26,
    D,
    _by_type,
    _em,
    planter,
)

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


@planter("CD004", runs=3)
def plant_cd004_header_diagnosis(p: Plant) -> None:
    """A category with codes below it (F41, E11, F32: headers, not billable) as the second
    diagnosis of an in-person office visit: CD004 (the third clause)."""
    header = p.pick(("F41", "E11", "F32"))
    c = p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), dx=("I10", header))
    p.expect(c, 1, "CD004")


@planter("CD004", runs=3)
def plant_cd004_code_outside_its_fiscal_years(p: Plant) -> None:
    """A code billable in one fiscal year and not in another: M54.5 after it became a header
    (2021-10-01), F32.A before it was added (2021-10-01): CD004."""
    if p.pick((True, False)):
        c = p.visit(p.person("AETNA"), "99213", dos=p.pick_date(*MAIN), dx=("M54.5",))
    else:
        dos = p.pick_date(D(2019, 1, 7), D(2021, 9, 24))
        c = p.visit(p.person("AETNA"), "99213", dos=dos, dx=("F32.A", "F41.1"))
    p.expect(c, 1, "CD004")


@planter("CD004", runs=3)
def plant_cd004_u071_before_april_2020(p: Plant) -> None:
    """U07.1 (COVID-19), billable from 2020-04-01, on a Cigna office visit in October 2019 to
    March 2020: CD004."""
    c = p.visit(
        p.person("CIGNA"), "99213", dos=p.pick_date(D(2019, 10, 1), D(2020, 3, 31)), dx=("U07.1",)
    )
    p.expect(c, 1, "CD004")


@planter()
def plant_cd004_u071_from_april_2020(p: Plant) -> None:
    """Negative: U07.1 from 2020-04-01 and M54.50 from 2021-10-01 are billable: no CD004."""
    p.visit(
        p.person("CIGNA"), "99213", dos=p.pick_date(D(2020, 4, 1), D(2021, 9, 30)), dx=("U07.1",)
    )
    p.visit(p.person("CIGNA"), "99213", dos=p.pick_date(D(2021, 10, 1), MAIN[1]), dx=("M54.50",))


# CD006: the PFS releases telekit ships price 2023 (the 2023 January release) and 2024-03-09 to
# 2024-12-31 (the 2024 July release).
PFS_2023 = (D(2023, 1, 2), D(2023, 12, 29))
PFS_2024 = (D(2024, 3, 11), D(2024, 12, 30))


def _pfs_date(p: Plant) -> date:
    return p.pick_date(*p.pick((PFS_2023, PFS_2024)))


# The shipped NCCI edition (2024-07-01) judges every 2024 DOS (NC002). Its practitioner MUE of a
# non-covered (status N) code is 0, so a status-N line of 2024 also exceeds the MUE: both
# findings are true, and the planters expect both.


@planter("CD006", runs=3)
def plant_cd006_status_i(p: Plant) -> None:
    """99358 (prolonged service without the patient, status I: not valid for Medicare) billed
    alone to Medicare, in person: CD006 (error)."""
    c = p.visit(p.person("MEDICARE"), "99358", dos=_pfs_date(p), charges=(13000,))
    p.expect(c, 1, "CD006")


@planter("CD006", "NC002", runs=3)
def plant_cd006_status_n(p: Plant) -> None:
    """A preventive visit (99395-99397, status N: non-covered) billed to Medicare in 2024:
    CD006, and NC002 (the practitioner MUE of a status-N code is 0)."""
    code = p.pick(("99395", "99396", "99397"))
    c = p.visit(p.person("MEDICARE"), code, dos=p.pick_date(*PFS_2024), charges=(21000,))
    p.expect(c, 1, "CD006", "NC002")


@planter("CD006", runs=3)
def plant_cd006_status_x(p: Plant) -> None:
    """36415 (venipuncture, status X: paid on the laboratory fee schedule, not the PFS) billed
    alone to Medicare: CD006 as a warning (X does not mean Medicare never pays it)."""
    c = p.visit(p.person("MEDICARE"), "36415", dos=_pfs_date(p), charges=(3000,))
    p.expect(c, 1, "CD006")


@planter("CD006", runs=3)
def plant_cd006_status_b(p: Plant) -> None:
    """99072 (PHE supplies, status B: bundled) billed alone to Medicare: CD006 (warning, no
    amount)."""
    c = p.visit(p.person("MEDICARE"), "99072", dos=_pfs_date(p), charges=(3000,))
    p.expect(c, 1, "CD006")


@planter("NC002")
def plant_cd006_outside_the_releases(p: Plant) -> None:
    """Negative for CD006: 99395 to Medicare on 2024-01-02 to 2024-03-08 (no shipped release
    prices it) and to Cigna in 2024: no CD006; NC002 still sees the MUE of 0."""
    dos = p.pick_date(D(2024, 1, 2), D(2024, 3, 8))
    c = p.visit(p.person("MEDICARE"), "99395", dos=dos, charges=(21000,))
    p.expect(c, 1, "NC002")
    c = p.visit(p.person("CIGNA"), "99395", dos=p.pick_date(*PFS_2024), charges=(21000,))
    p.expect(c, 1, "NC002")
