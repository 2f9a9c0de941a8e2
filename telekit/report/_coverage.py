"""Coverage of the rule catalog: how many rules ran, and what would run the rest (issue 19).

A consultant who audits claims alone runs about half the catalog. The executive summary says so
first, and names the inputs that would run the rest: the tables a skipped or partial rule needs
(``Rule.tables``, ``Rule.partial_tables``) that the run was not given, and the claim columns it
needs that the source lacks (``Rule.claim_columns``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from telekit.rules import REGISTRY

_COLUMN_REASON = "claims have no column "


@dataclass(frozen=True)
class CatalogCoverage:
    """``run`` of ``total`` rules evaluated or partial; ``skipped`` and ``partial`` counts;
    ``needs``: per missing input (a table, or ``claims column X``), the number of skipped rules
    it would run and the number of partial rules it would complete."""

    run: int
    total: int
    skipped: int
    partial: int
    needs: tuple[tuple[str, int, int], ...]

    def note(self) -> str:
        """One sentence: what was left out and what would run it."""
        if not self.skipped and not self.partial:
            return "every rule of the catalog ran in full"
        counts = [(self.skipped, "skipped"), (self.partial, "partial")]
        head = ", ".join(f"{n} {word}" for n, word in counts if n)
        if not self.needs:
            return f"{head}: some lines could not be judged (see Findings by rule)"
        parts = []
        for name, runs, completes in self.needs:
            bits = [f"{runs} more" if runs else "", f"{completes} in full" if completes else ""]
            parts.append(f"{name} ({', '.join(b for b in bits if b)})")
        return f"{head}; would run them: {'; '.join(parts)}"


def catalog_coverage(rules: pl.DataFrame, given: Collection[str]) -> CatalogCoverage:
    """The coverage of the catalog from a run's rules frame (``AuditResult.rules`` or
    summary.json's rules) and the tables given (claims, encounters, coverage, providers …)."""
    status = dict(zip(rules.get_column("rule_code"), rules.get_column("status"), strict=True))
    reasons = dict(zip(rules.get_column("rule_code"), rules.get_column("reason"), strict=True))
    runs: Counter[str] = Counter()
    completes: Counter[str] = Counter()
    for code, state in status.items():
        rule = REGISTRY.get(code)
        if rule is None or state == "evaluated":
            continue
        missing = [t for t in rule.tables if t not in given]
        partial = [t for t in rule.partial_tables if t not in given]
        reason = reasons.get(code) or ""
        if reason.startswith(_COLUMN_REASON):
            missing += [
                f"claims column {col}" for col in reason.removeprefix(_COLUMN_REASON).split(", ")
            ]
        for need in missing if state == "skipped" else []:
            runs[need] += 1
        for need in (partial + missing) if state == "partial" else partial:
            completes[need] += 1
    names = sorted(set(runs) | set(completes), key=lambda n: (-runs[n] - completes[n], n))
    return CatalogCoverage(
        run=sum(1 for s in status.values() if s in ("evaluated", "partial")),
        total=len(status),
        skipped=sum(1 for s in status.values() if s == "skipped"),
        partial=sum(1 for s in status.values() if s == "partial"),
        needs=tuple((n, runs[n], completes[n]) for n in names),
    )
