"""Pinned: each rule's precedence and skips (DESIGN §5), recorded from the tables _audit held
before they moved onto the rules. Per rule: the rules that suppress it (with the narrow condition's
name, or None when the whole rule suppresses), whether self-pay lines are skipped, whether it
judges superseded lines, and the names of the window preparations it reads."""

from __future__ import annotations

from telekit.rules import REGISTRY

Effective = tuple[tuple[tuple[str, str | None], ...], bool, bool, tuple[str, ...]]

SNAPSHOT: dict[str, Effective] = {
    "AD001": ((("CD001", None),), False, False, ("add_on_primaries_found", "same_day_codes")),
    "AD002": ((("CD001", None),), False, False, ("g2211_same_day",)),
    "CD001": ((), False, False, ()),
    "CD002": ((), False, False, ()),
    "CD003": ((), False, False, ()),
    "CD004": ((), False, False, ("cd004_icd10_billable",)),
    "CD005": ((), False, False, ()),
    "CD006": ((("TM004", "tm004_99417"),), False, False, ("cd006_pfs_status",)),
    "DC001": ((), False, False, ("dc001_consent_look_back",)),
    "DC002": ((), False, False, ()),
    "DC003": ((), False, False, ()),
    "DC004": ((), False, False, ()),
    "DC005": ((), False, False, ()),
    "DC006": ((), False, False, ()),
    "DC007": ((), False, False, ()),
    "EL001": ((), True, False, ("coverage_on_dos",)),
    "EL002": ((), True, False, ("coverage_on_dos",)),
    "EL003": ((), True, False, ()),
    "EL004": ((), True, False, ("coverage_on_dos",)),
    "EL005": ((("MD004", None),), True, False, ()),
    "FL001": ((), True, False, ()),
    "FL002": ((), True, True, ()),
    "FQ001": ((("CD001", None),), False, False, ("fq001_periods",)),
    "FQ002": ((("CD001", None),), False, False, ("fq002_em_nearby",)),
    "FQ003": ((("CD001", None),), False, False, ("fq003_periods",)),
    "FQ004": ((("CD001", None),), False, False, ("fq004_duplicates",)),
    "FQ005": ((("CD001", None),), False, False, ("fq005_same_day_em",)),
    "MD001": (
        (("CD001", None), ("CD003", None), ("MD002", "md002_95_on_audio_only")),
        True,
        False,
        (),
    ),
    "MD002": ((("CD001", None), ("CD003", None)), True, False, ()),
    "MD003": ((("CD001", None), ("CD003", None)), True, False, ()),
    "MD004": (
        (("CD001", None), ("CD003", None), ("PS003", None), ("TH002", None)),
        True,
        False,
        (),
    ),
    "MD005": ((("CD001", None), ("CD003", None)), True, False, ()),
    "NC001": (
        (("CD001", None), ("FQ004", None), ("TM004", None)),
        False,
        False,
        ("ncci_ptp_pairs",),
    ),
    "NC002": (
        (("CD001", None), ("FQ004", None), ("TM004", None)),
        False,
        False,
        ("ncci_mue_units",),
    ),
    "PR001": ((("CD001", None),), False, False, ()),
    "PR002": ((("CD001", None),), False, False, ()),
    "PS001": ((("CD001", None), ("CD002", None)), False, False, ()),
    "PS002": ((("CD001", None), ("CD002", None)), False, False, ()),
    "PS003": ((("CD001", None), ("CD002", None)), False, False, ()),
    "PS004": ((("CD001", None), ("CD002", None)), False, False, ()),
    "PS005": ((("CD001", None), ("CD002", None)), False, False, ()),
    "PS006": ((("CD001", None), ("CD002", None)), False, False, ()),
    "TH001": ((("CD001", None), ("CD003", None), ("TM004", "tm004_99417")), True, False, ()),
    "TH002": ((("CD001", None),), True, False, ()),
    "TH003": ((("CD001", None),), True, False, ()),
    "TH004": ((("CD001", None),), True, False, ()),
    "TM001": ((("CD001", None), ("CD003", None)), False, False, ()),
    "TM002": ((("CD001", None), ("CD003", None)), False, False, ()),
    "TM003": ((("CD001", None),), False, False, ()),
    "TM004": ((("CD001", None),), False, False, ("same_day_codes",)),
    "TM005": ((("CD001", None),), False, False, ()),
    "TM006": ((("CD001", None),), False, False, ()),
    "TM007": ((("CD001", None),), False, False, ("tm007_prior_em",)),
}


def effective(code: str) -> Effective:
    rule = REGISTRY[code]
    suppressors = []
    for by in sorted(REGISTRY):
        condition = rule.suppressed_by(REGISTRY[by])
        if condition is not False:
            suppressors.append((by, None if condition is None else condition.__name__))
    return (
        tuple(sorted(suppressors, key=str)),
        rule.skip_self_pay,
        rule.judges_superseded,
        tuple(p.__name__ for p in rule.prepare),
    )


def test_every_rule_is_pinned() -> None:
    assert sorted(SNAPSHOT) == sorted(REGISTRY)


def test_effective_precedence_and_skips() -> None:
    assert {code: effective(code) for code in REGISTRY} == SNAPSHOT
