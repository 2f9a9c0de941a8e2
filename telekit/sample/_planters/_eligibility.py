"""Planters, EL: eligibility (EL001–EL005)."""

from __future__ import annotations

from datetime import date, timedelta

from telekit.sample import _model as m
from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    MAIN,
    D,
    _em,
    _therapist,
    planter,
)

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


# EL005: the Medicare telehealth lapses restored retroactively (both ends included)
LAPSES = m.RESTORED_LAPSES


@planter("EL005")
def plant_el005_denied_in_lapse(p: Plant) -> None:
    """Medicare video visits in each restored lapse (its first and last days among them) that
    the remittance denies (CO-96): EL005 — once the audit reads the remittances; the same
    denial the day after the 2025 lapse (another person): no finding."""
    days = (
        LAPSES[0][0],
        p.pick_date(*LAPSES[0]),
        LAPSES[0][1],
        LAPSES[1][0],
        LAPSES[1][1],
    )
    for dos in days:
        c = p.visit(
            p.person("MEDICARE"), "99213", dos=dos, modality="audio_video",
            remit_hint="deny_line:96",
        )  # fmt: skip
        p.expect(c, 1, "EL005")
    p.visit(
        p.person("MEDICARE"), "99213", dos=LAPSES[0][1] + timedelta(days=1),
        modality="audio_video", remit_hint="deny_line:96",
    )  # fmt: skip


@planter("EL005")
def plant_el005_abn_in_lapse(p: Plant) -> None:
    """Medicare video visits in the lapses billed with GA (an ABN was collected): EL005; a GA
    visit the day before the 2025 lapse (another person): no finding."""
    for lo, hi in (LAPSES[0], LAPSES[0], LAPSES[1]):
        c = p.visit(
            p.person("MEDICARE"), "99214", dos=p.pick_date(lo, hi), modality="audio_video",
            mods=("GA",),
        )  # fmt: skip
        p.expect(c, 1, "EL005")
    p.visit(
        p.person("MEDICARE"), "99214", dos=LAPSES[0][0] - timedelta(days=1),
        modality="audio_video", mods=("GA",),
    )  # fmt: skip
