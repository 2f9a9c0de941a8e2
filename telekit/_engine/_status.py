"""A rule's status in a run (DESIGN §4 ``AuditResult.rules``): evaluated, partial or skipped,
with the reason; ``.row()`` is the rule's row of ``AuditResult.rules`` and of summary.json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs
    from telekit._engine._registry import Rule

State = Literal["evaluated", "partial", "skipped"]

#: The columns of ``AuditResult.rules``.
RULES_SCHEMA = pl.Schema(
    {
        "rule_code": pl.String(),
        "rule_name": pl.String(),
        "severity": pl.String(),
        "responsibility": pl.String(),
        "status": pl.String(),
        "reason": pl.String(),
    }
)


@dataclass(frozen=True)
class RuleStatus:
    """``unjudged``: lines the rule could not judge (its ``partial_when``); the reason then reads
    ``"{unjudged} lines not judged: {reason}"``."""

    state: State
    reason: str | None = None
    unjudged: int = 0

    @property
    def active(self) -> bool:
        """Whether the rule runs (partial rules run the clauses they can)."""
        return self.state != "skipped"

    @property
    def text(self) -> str | None:
        """The reason as the summary shows it."""
        if self.unjudged:
            return f"{self.unjudged} lines not judged: {self.reason}"
        return self.reason

    def row(self, rule: Rule) -> dict[str, str | None]:
        return {
            "rule_code": rule.code,
            "rule_name": rule.name,
            "severity": rule.severity,
            "responsibility": rule.responsibility,
            "status": self.state,
            "reason": self.text,
        }


EVALUATED = RuleStatus("evaluated")


def given_status(rule: Rule, inputs: Inputs) -> RuleStatus:
    """The status from what was given (claim columns and tables), before looking at the lines."""
    missing_cols = [col for col in rule.claim_columns if col not in inputs.claim_columns]
    if missing_cols:
        return RuleStatus("skipped", f"claims have no column {', '.join(missing_cols)}")
    missing_tables = [t for t in rule.tables if not inputs.given(t)]
    if missing_tables:
        return RuleStatus("skipped", f"no {', '.join(missing_tables)} given")
    partial = [t for t in rule.partial_tables if not inputs.given(t)]
    if partial:
        return RuleStatus("partial", f"clauses needing {', '.join(partial)} not run (not given)")
    return EVALUATED


def rules_frame(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RULES_SCHEMA)
