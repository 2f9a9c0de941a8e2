"""Planters, PS: place of service (PS001–PS006)."""

from __future__ import annotations

from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    PHE_ERA,
    Y23,
    D,
    _by_type,
    planter,
)

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


@planter()
def plant_ps001_hospital_pos_exception(p: Plant) -> None:
    """Negatives: Medicare 2024+ telehealth with the patient at home on POS 19 or 22 + 95 (a
    hospital-based clinician, and hospital outpatient therapy by a PT): the exception to PS001,
    no finding."""
    for pos in ("19", "22"):
        p.visit(
            p.person("MEDICARE"),
            "99213",
            dos=p.pick_date(*FROM24),
            modality="audio_video",
            location="home",
            pos=pos,
            mods=("95",),
        )
    p.visit(
        p.person("MEDICARE"),
        "97110",
        dos=p.pick_date(*FROM24),
        npi=_by_type("PT"),
        modality="audio_video",
        location="home",
        pos="22",
        mods=("GP", "95"),
    )


@planter("PS002")
def plant_ps002_pos02_at_home(p: Plant) -> None:
    """Cigna audio-video at home on POS 02 + 95 (2023+): PS002 (warning)."""
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
    """Medicare audio-video with the patient at a facility on POS 10 + 95 (2024+): PS002 (error:
    POS 10 is paid the non-facility rate)."""
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
    """NY Medicaid audio-only psychotherapy at home on POS 02 + 93: PS002 (warning)."""
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
    """Aetna at home on POS 02 + 95: 2022-07-01 (after Aetna's "02" period) PS002 (warning);
    2022-06-30 (inside the period, another person) no finding."""
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


@planter("PS002")
def plant_ps002_medicare_pos02_at_home(p: Plant) -> None:
    """Medicare audio-video at home on POS 02 + 95, 2024 (from 2024-03-09, priced by the shipped
    fee schedule; paid at the facility rate): PS002 (warning; underpayment: the non-facility
    amount minus the allowed amount)."""
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=p.pick_date(D(2024, 3, 11), D(2024, 12, 30)),
        modality="audio_video",
        location="home",
        pos="02",
    )
    p.expect(c, 1, "PS002")


@planter("PS002")
def plant_ps002_commercial_pos10_at_facility(p: Plant) -> None:
    """Cigna and UHC audio-video with the patient at a facility on POS 10 + 95 (2023+): PS002
    (error) on each."""
    for payer, code in (("CIGNA", "99213"), ("UHC", "90834")):
        c = p.visit(
            p.person(payer),
            code,
            dos=p.pick_date(*MAIN),
            modality="audio_video",
            location="facility",
            pos="10",
        )
        p.expect(c, 1, "PS002")


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
    """Medicare audio-video at home on POS 02 + 95 in 2021–2023: PS004 (info, possible
    underpayment)."""
    c = p.visit(
        p.person("MEDICARE"), "99213", dos=p.pick_date(*PHE_ERA), modality="audio_video", pos="02"
    )
    p.expect(c, 1, "PS004")


@planter("PS004")
def plant_ps004_period_boundaries(p: Plant) -> None:
    """POS 10 + 95 at home on 2023-12-31 and POS 02 + 95 at a facility on 2020-03-01: PS004 on
    each; POS 02 at a facility on 2020-02-28 (the 02 convention, no modifier): no finding. The
    2023-12-31 claim is still pending (no remittance): its underpayment is the non-facility
    minus the facility fee-schedule amount."""
    c = p.visit(
        p.person("MEDICARE"),
        "99214",
        dos=D(2023, 12, 31),
        modality="audio_video",
        pos="10",
        pay_lag=None,
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
    """A Medicare audio-video visit in 2023 billed POS 11 with no modifier: PS005 (office
    E/M)."""
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
    """Cigna audio-only psychotherapy billed POS 11 with no modifier: PS005 (90834 is on the
    Medicare telehealth list; any payer)."""
    c = p.visit(
        p.person("CIGNA"), "90834", dos=p.pick_date(*MAIN), modality="audio_only", pos="11", mods=()
    )
    p.expect(c, 1, "PS005")


@planter("PS005")
def plant_ps005_add_on_without_indicator(p: Plant) -> None:
    """Medicare 99214 + G2211 by video in 2024+: line 1 POS 10 + 95, line 2 POS 11 with no
    modifier: PS005 on line 2 only (G2211 is on the list; it still has its primary)."""
    c = p.visit(
        p.person("MEDICARE"),
        ("99214", "G2211"),
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        line_overrides={2: {"pos": "11", "mods": ()}},
    )
    p.expect(c, 2, "PS005")


@planter("PS005")
def plant_ps005_office_em_commercial(p: Plant) -> None:
    """Aetna and NY Medicaid audio-video office visits billed POS 11 with no modifier: PS005
    (office E/M, any payer)."""
    for payer, code in (("AETNA", "99214"), ("NY MEDICAID", "99212")):
        c = p.visit(
            p.person(payer),
            code,
            dos=p.pick_date(*FROM24),
            modality="audio_video",
            pos="11",
            mods=(),
        )
        p.expect(c, 1, "PS005")


@planter("PS005")
def plant_ps005_list_code_99211(p: Plant) -> None:
    """Medicare 99211 (on the list, not an office E/M by DESIGN) on an audio-video encounter,
    POS 11, no modifier, 2024+: PS005."""
    c = p.visit(
        p.person("MEDICARE"),
        "99211",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        pos="11",
        mods=(),
    )
    p.expect(c, 1, "PS005")


# --- PS006: in-person services on a telehealth encounter -----------------------------------------

# charges (cents) of in-person codes the chargemaster does not carry; the sample bills no charge
# under $30
LAB_DRAW = 3000
INJECTION = 4000
DRUG = 3500


@planter("PS006")
def plant_ps006_lab_draw_on_video_day(p: Plant) -> None:
    """The reported false alarm: a Medicare video visit (99213 POS 10 + 95) whose claim also
    bills 36415 on POS 11 with no modifier against the same encounter: PS006 (warning) on line 2,
    never PS005. From 2025: no shipped fee-schedule release covers it, so CD006's status-X
    warning (a lab code is paid outside the PFS) does not join it."""
    c = p.visit(
        p.person("MEDICARE"),
        ("99213", "36415"),
        dos=p.pick_date(*FROM25),
        modality="audio_video",
        location="home",
        line_overrides={2: {"pos": "11", "mods": ()}},
        charges=(14000, LAB_DRAW),
    )
    p.expect(c, 2, "PS006")


@planter("PS006")
def plant_ps006_injection_on_video_encounter(p: Plant) -> None:
    """Cigna: an injection (96372) and its drug (J1100) on POS 11, linked to an audio-video
    encounter: PS006 on both lines."""
    c = p.visit(
        p.person("CIGNA"),
        ("96372", "J1100"),
        dos=p.pick_date(*MAIN),
        modality="audio_video",
        location="home",
        pos="11",
        mods=(),
        charges=(INJECTION, DRUG),
    )
    p.expect_all(c, "PS006")


@planter("PS006")
def plant_ps006_lab_draw_on_phone_encounter(p: Plant) -> None:
    """Aetna: 36415 alone on POS 11, linked to an audio-only encounter: PS006."""
    c = p.visit(
        p.person("AETNA"),
        "36415",
        dos=p.pick_date(*FROM24),
        modality="audio_only",
        location="home",
        pos="11",
        mods=(),
        charges=(LAB_DRAW,),
    )
    p.expect(c, 1, "PS006")
