"""Planters, MD: modifiers (MD001–MD005)."""

from __future__ import annotations

from telekit.sample import _model as m
from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    PHE_ERA,
    Y23,
    Y24,
    Y26,
    D,
    planter,
)

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


@planter("MD001", "PS004")
def plant_md001_medicare_2022_mental_health(p: Plant) -> None:
    """Medicare audio-only psychotherapy in 2022 (93 required on mental-health codes
    90785-90899 from 2022-01-01) at home, POS 10, no modifier: MD001, and PS004 (POS 10 in the
    in-person-POS period). 90834 on 2022-01-03 (the first Monday) too; 90834 on 2021-12-30
    (another person, at a facility, POS 02: POS 10 did not exist yet) gives PS004 only."""
    for code in ("90834", "90837", "90832"):
        c = p.visit(
            p.person("MEDICARE"),
            code,
            dos=p.pick_date(D(2022, 1, 4), D(2022, 12, 30)),
            modality="audio_only",
            pos="10",
            mods=(),
        )
        p.expect(c, 1, "MD001", "PS004")
    c = p.visit(
        p.person("MEDICARE"), "90834", dos=D(2022, 1, 3), modality="audio_only", pos="10", mods=()
    )
    p.expect(c, 1, "MD001", "PS004")
    c = p.visit(
        p.person("MEDICARE"),
        "90834",
        dos=D(2021, 12, 30),
        modality="audio_only",
        location="facility",
        pos="02",
        mods=(),
    )
    p.expect(c, 1, "PS004")


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


@planter("MD002")
def plant_md002_gt_like_95(p: Plant) -> None:
    """GT is an audio-video modifier like 95: Cigna audio-only with GT and NY Medicaid audio-only
    with GT (MD002, which suppresses MD001), Aetna audio-video with 93 and GT in 2024 (MD002)."""
    c = p.visit(
        p.person("CIGNA"), "99213", dos=p.pick_date(*MAIN), modality="audio_only", mods=("GT",)
    )
    p.expect(c, 1, "MD002")
    c = p.visit(
        p.person("NY MEDICAID"),
        "90834",
        dos=p.pick_date(*MAIN),
        modality="audio_only",
        mods=("GT",),
    )
    p.expect(c, 1, "MD002")
    c = p.visit(
        p.person("AETNA"), "99214", dos=p.pick_date(*Y24), modality="audio_video", mods=("93", "GT")
    )
    p.expect(c, 1, "MD002")


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
    """Medicare audio-video at home, 2024+, POS 10 + GT: MD004, the line denied with CARC 4
    (the procedure code is inconsistent with the modifier), so the finding's exposure is
    ``denied``."""
    c = p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=p.pick_date(*FROM24),
        modality="audio_video",
        mods=("GT",),
        remit_hint="deny_line:4",
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


@planter("MD004", "MD002")
def plant_md004_gt_on_audio_only(p: Plant) -> None:
    """Medicare audio-only psychotherapy, 2025+, POS 10 + 93 + GT: MD004, and MD002 (93 with
    GT contradicts itself)."""
    c = p.visit(
        p.person("MEDICARE"),
        "90834",
        dos=p.pick_date(*FROM25),
        modality="audio_only",
        mods=("93", "GT"),
    )
    p.expect(c, 1, "MD004", "MD002")


@planter("MD004")
def plant_md004_gt_from_cr_10583(p: Plant) -> None:
    """Medicare audio-video at a facility, POS 02 + GT, from 2018-10-01 (CR 10583) to 2019:
    MD004 (a warning) on 2018-10-01 and twice in 2018-10/2019; on 2018-09-28 (another person)
    no finding."""
    for dos in (
        D(2018, 10, 1),
        p.pick_date(D(2018, 10, 2), D(2019, 6, 28)),
        p.pick_date(D(2019, 7, 1), D(2019, 12, 20)),
    ):
        c = p.visit(
            p.person("MEDICARE"),
            "99213",
            dos=dos,
            modality="audio_video",
            location="facility",
            mods=("GT",),
        )
        p.expect(c, 1, "MD004")
    p.visit(
        p.person("MEDICARE"),
        "99213",
        dos=D(2018, 9, 28),
        modality="audio_video",
        location="facility",
        mods=("GT",),
    )


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
