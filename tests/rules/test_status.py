"""A rule's status renders the summary text that summary.json has always held."""

from __future__ import annotations

from telekit._engine._status import RuleStatus, rules_frame
from telekit.rules import REGISTRY


def test_partial_with_unjudged_lines_counts_them_in_the_reason() -> None:
    rule = REGISTRY["TH001"]
    row = RuleStatus("partial", "no telehealth list for the DOS year", unjudged=2).row(rule)
    assert row == {
        "rule_code": "TH001",
        "rule_name": rule.name,
        "severity": rule.severity,
        "responsibility": "billing",
        "status": "partial",
        "reason": "2 lines not judged: no telehealth list for the DOS year",
    }


def test_evaluated_has_no_reason_and_skipped_keeps_its_reason() -> None:
    rule = REGISTRY["CD001"]
    assert RuleStatus("evaluated").row(rule)["reason"] is None
    skipped = RuleStatus("skipped", "no coverage given")
    assert not skipped.active
    assert skipped.row(rule)["reason"] == "no coverage given"
    frame = rules_frame([skipped.row(rule)])
    assert frame.columns == [
        "rule_code",
        "rule_name",
        "severity",
        "responsibility",
        "status",
        "reason",
    ]
