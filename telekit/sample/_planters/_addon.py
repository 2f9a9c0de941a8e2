"""Planters, AD: add-on codes (AD001, AD002)."""

from __future__ import annotations

from datetime import timedelta

from telekit.sample import _model as m
from telekit.sample._case import Plant
from telekit.sample._planters._base import (
    FROM24,
    FROM25,
    MAIN,
    Y24,
    D,
    _by_type,
    _em,
    planter,
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


@planter("AD002", runs=2)
def plant_ad002_2024(p: Plant) -> None:
    """Medicare 2024, in person: 99214-25 with a joint injection (20610) and G2211: AD002 on
    G2211; 99213-25 with an AWV (G0439) and G2211: AD002 too (2024 has no exception)."""
    c = p.visit(
        p.person("MEDICARE"),
        ("99214", "20610", "G2211"),
        dos=p.pick_date(*Y24),
        npi=_em(p),
        line_overrides={1: {"mods": ("25",)}},
    )
    p.expect(c, 3, "AD002")
    c = p.visit(
        p.person("MEDICARE"),
        ("99213", "G0439", "G2211"),
        dos=p.pick_date(*Y24),
        npi=_em(p),
        line_overrides={1: {"mods": ("25",)}},
    )
    p.expect(c, 3, "AD002")


@planter("AD002", runs=3)
def plant_ad002_2025_without_preventive(p: Plant) -> None:
    """Medicare from 2025, in person: 99213-25 with 20610 and G2211 (no AWV, vaccine or
    preventive service that day): AD002 on G2211."""
    c = p.visit(
        p.person("MEDICARE"),
        ("99213", "20610", "G2211"),
        dos=p.pick_date(*FROM25),
        npi=_em(p),
        line_overrides={1: {"mods": ("25",)}},
    )
    p.expect(c, 3, "AD002")


@planter()
def plant_ad002_2025_with_preventive(p: Plant) -> None:
    """Negative: Medicare from 2025, 99214-25 with an AWV (G0439) or a vaccine administration
    (G0008) and G2211 the same day: no finding."""
    for companion in ("G0439", "G0008"):
        p.visit(
            p.person("MEDICARE"),
            ("99214", companion, "G2211"),
            dos=p.pick_date(*FROM25),
            npi=_em(p),
            line_overrides={1: {"mods": ("25",)}},
        )
