"""Planters, NC: NCCI procedure-to-procedure pairs (NC001) and medically unlikely edits (NC002),
judged with the shipped 2024-07-01 NCCI edition (real edits of that file)."""

from __future__ import annotations

from telekit.sample._case import Plant
from telekit.sample._planters._base import D, _em, _therapist, planter

# the shipped NCCI edition (2024-07-01, its quarter to 2024-09-30) judges a DOS from 365 days
# before its quarter to 365 days after it: errors inside the quarter, warnings around it
NCCI_JUDGED = (D(2023, 7, 2), D(2025, 9, 30))
NCCI_EXACT = (D(2024, 7, 1), D(2024, 9, 30))

# === NC: NCCI edits ===========================================================================


@planter("NC001", runs=2)
def plant_nc001_indicator_0(p: Plant) -> None:
    """90791 and 90832 the same day by one therapist (edit 90791/90832, modifier indicator 0:
    no modifier bypasses it), in person: NC001 on 90832, also with 59 on it."""
    doc = _therapist(p)
    c = p.visit(p.person("MEDICARE"), ("90791", "90832"), dos=p.pick_date(*NCCI_EXACT), npi=doc)
    p.expect(c, 2, "NC001")
    c = p.visit(
        p.person("AETNA"),
        ("90791", "90832"),
        dos=p.pick_date(*NCCI_JUDGED),
        npi=doc,
        line_overrides={2: {"mods": ("59",)}},
    )
    p.expect(c, 2, "NC001")


@planter("NC001", runs=3)
def plant_nc001_indicator_1_without_modifier(p: Plant) -> None:
    """99214 and 99213 on one claim by one NPI (edit 99214/99213, indicator 1, no modifier):
    NC001 on 99213. 20610 with 96372-59 (edit 20610/96372, indicator 1 bypassed) and 20610 with
    99213-25 (E/M bypass) on other persons: no finding."""
    c = p.visit(p.person("MEDICARE"), ("99214", "99213"), dos=p.pick_date(*NCCI_JUDGED), npi=_em(p))
    p.expect(c, 2, "NC001")
    p.visit(
        p.person("MEDICARE"),
        ("20610", "96372"),
        dos=p.pick_date(*NCCI_JUDGED),
        npi=_em(p),
        line_overrides={2: {"mods": ("59",)}},
    )
    p.visit(
        p.person("MEDICARE"),
        ("99213", "20610"),
        dos=p.pick_date(*NCCI_JUDGED),
        npi=_em(p),
        line_overrides={1: {"mods": ("25",)}},
    )


@planter("NC002", runs=3)
def plant_nc002_per_day(p: Plant) -> None:
    """96127 (MUE 3, MAI 3: per day) with 1 unit, then 3 units on a later claim the same day by
    one NPI: NC002 on the second (4 units for the day; neither line alone exceeds 3)."""
    per = p.person("MEDICARE")
    dos = p.pick_date(*NCCI_JUDGED)
    doc = _em(p)
    p.visit(per, "96127", dos=dos, npi=doc, submitted=3)
    c = p.visit(per, "96127", dos=dos, npi=doc, submitted=6, line_overrides={1: {"units": 3}})
    p.expect(c, 1, "NC002")


@planter("NC002", runs=3)
def plant_nc002_per_line(p: Plant) -> None:
    """G0514 (MUE 1, MAI 1: per line) billed with 2 units: NC002."""
    c = p.visit(
        p.person("MEDICARE"),
        ("G0439", "G0514"),
        dos=p.pick_date(*NCCI_JUDGED),
        npi=_em(p),
        line_overrides={2: {"units": 2}},
    )
    p.expect(c, 2, "NC002")
