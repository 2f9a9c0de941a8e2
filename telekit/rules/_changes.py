# ruff: noqa: E501 - one change per line reads best
"""The rule catalog's versions (DESIGN §5: "Rule semantics are versioned"): ``CATALOG_VERSION``
is the date of the latest change to any rule's semantics and ``CHANGES`` says what changed in
which version (``telekit rules --changes``). A rule code is never reused for another problem.
"""

from __future__ import annotations

from typing import Final

import polars as pl

#: (catalog version, rule code, kind, what changed); newest version last
CHANGES: Final[tuple[tuple[str, str, str, str], ...]] = (
    (
        "2026-12-06",
        "CD004",
        "changed",
        "also fires for a diagnosis that is not a billable ICD-10-CM code on the DOS (a category header such as F41 or E11)",
    ),
    (
        "2026-12-06",
        "TH001",
        "changed",
        "a code unknown to telekit's copy of the list is a warning with no amount; a year with no list is judged against the latest earlier list",
    ),
    (
        "2026-12-06",
        "TH002",
        "changed",
        "a CTBS code on the telehealth list for the DOS year (98966-98968 from 2020-03-01 to 2024-12-31) is not flagged",
    ),
    (
        "2026-12-06",
        "TH003",
        "changed",
        "from 2025-01-01 an audio-only line for a patient not at home is a warning",
    ),
    (
        "2026-12-06",
        "PS001",
        "changed",
        "Medicare from 2024-01-01 with POS 19 or 22 and modifier 95 is not flagged (hospital-based clinicians)",
    ),
    (
        "2026-12-06",
        "PS002",
        "changed",
        "POS 10 at a facility is an error; POS 02 at home is a warning (an underpayment)",
    ),
    (
        "2026-12-06",
        "PS004",
        "changed",
        "info, not warning; the message speaks of a possible underpayment and the fix of a reopening",
    ),
    (
        "2026-12-06",
        "PS005",
        "changed",
        "only office E/M and codes on the Medicare telehealth list for the DOS year",
    ),
    (
        "2026-12-06",
        "MD001",
        "changed",
        "Medicare mental-health services need 93 on audio-only from 2022-01-01",
    ),
    ("2026-12-06", "MD002", "changed", "GT is judged like 95"),
    (
        "2026-12-06",
        "MD004",
        "changed",
        "GT retired from 2018-10-01 (CR 10583); a warning with no amount, unless a remittance "
        "denied the line with CARC 4 (exposure denied)",
    ),
    (
        "2026-12-06",
        "TM004",
        "changed",
        "99417 billed to Medicare is flagged whether or not its encounter is found",
    ),
    (
        "2026-12-06",
        "AD001",
        "changed",
        "the primaries of the NCCI add-on edits count together with the catalog's",
    ),
    (
        "2026-12-06",
        "PR001",
        "changed",
        "90792, 90833, 90836 and 90838 by a psychologist, LCSW, MFT or MHC; the fix names 90832/90834/90837",
    ),
    ("2026-12-06", "PR002", "changed", "new message and fix: never re-bill under another NPI"),
    (
        "2026-12-06",
        "CD006",
        "new",
        "Medicare code with PFS status I or N in the release covering the DOS; X (paid outside the PFS, e.g. labs) and B (bundled) are warnings",
    ),
    ("2026-12-06", "PS006", "new", "in-person-only service on a telehealth encounter (warning)"),
    (
        "2026-12-06",
        "TM006",
        "new",
        "psychotherapy minutes below the code's minimum (90845, whose descriptor states no time: warning)",
    ),
    (
        "2026-12-06",
        "TM007",
        "new",
        "new-patient code (99202-99205, 98000-98003, 98008-98011) for a patient seen in the three years before",
    ),
    ("2026-12-06", "AD002", "new", "Medicare G2211 with a modifier-25 E/M"),
    (
        "2026-12-06",
        "NC001",
        "new",
        "NCCI practitioner procedure-to-procedure pair (non-Medicare payers: warning; a duplicate line is FQ004's)",
    ),
    (
        "2026-12-06",
        "NC002",
        "new",
        "units above the NCCI practitioner MUE (non-Medicare payers: warning; a duplicate line is FQ004's)",
    ),
    ("2026-12-06", "EL005", "new", "lapse-period denials and ABNs to resubmit and refund"),
    (
        "2026-12-07",
        "EL005",
        "changed",
        "not on a line MD004 flags: a GT line denied CARC 4 in a lapse is the modifier's denial",
    ),
)

CATALOG_VERSION: Final = max(version for version, *_ in CHANGES)


def changes() -> pl.DataFrame:
    """What changed in which catalog version: catalog_version, rule_code, change, description."""
    return pl.DataFrame(
        list(CHANGES),
        schema=dict.fromkeys(("catalog_version", "rule_code", "change", "description"), pl.String),
        orient="row",
    )
