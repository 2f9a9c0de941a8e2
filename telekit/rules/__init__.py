"""The rule catalog. ``catalog()`` lists every rule; ``get(code)`` returns one; each rule's
docstring is its documentation page (``telekit rule CODE``)."""

from __future__ import annotations

import polars as pl

from telekit._engine._registry import REGISTRY, Rule, rule
from telekit.rules import (  # noqa: F401 - importing a module registers its rules
    _addon,
    _coding,
    _coding_reference,
    _documentation,
    _eligibility,
    _filing,
    _frequency,
    _modifiers,
    _ncci,
    _place,
    _provider,
    _telehealth,
    _time,
    _time_new_patient,
)
from telekit.rules._changes import CATALOG_VERSION, changes

__all__ = ["CATALOG_VERSION", "REGISTRY", "Rule", "catalog", "changes", "get", "rule"]


def catalog() -> pl.DataFrame:
    """Every rule: rule_code, rule_name, group, severity, summary, doc, requires."""
    rows = []
    for code in sorted(REGISTRY):
        r = REGISTRY[code]
        needs = [
            *r.tables,
            *(f"{t} (some clauses)" for t in r.partial_tables),
            *(f"claims.{col}" for col in r.claim_columns),
        ]
        rows.append(
            {
                "rule_code": r.code,
                "rule_name": r.name,
                "group": r.group,
                "severity": r.severity,
                "responsibility": r.responsibility,
                "summary": r.summary,
                "doc": r.doc,
                "requires": ", ".join(needs) if needs else "claims",
            }
        )
    return pl.DataFrame(
        rows,
        schema=dict.fromkeys(
            (
                "rule_code",
                "rule_name",
                "group",
                "severity",
                "responsibility",
                "summary",
                "doc",
                "requires",
            ),
            pl.String,
        ),
    )


def get(code: str) -> Rule:
    """One rule by code (case-insensitive)."""
    key = code.strip().upper()
    if key not in REGISTRY:
        msg = f"no rule {code!r}; `telekit rules` lists them ({len(REGISTRY)} rules)"
        raise KeyError(msg)
    return REGISTRY[key]
