"""Sampled encounters (DESIGN §5): when the encounters are a documentation sample, the rules
that read an encounter judge only the lines whose encounter is in it.

A line is *in the sample* when its encounter is found (``enc_found``: DESIGN §3's link, the
encounter_id, else the single encounter of the person, NPI and DOS). Then:

- a rule that needs encounters for every clause (``tables``) flags only lines in the sample —
  DC003 included, so a line outside the sample gets no "missing encounter" finding, and DC001
  judges only CTBS lines whose own encounter was sampled;
- a rule with clauses reading the encounter (``partial_tables``) runs its other clauses on
  every line as before; its encounter clauses already need the encounter;
- both are ``partial``, with the reason "judged on the N sampled lines; M lines not in the
  documentation sample" (the encounter clauses, for the second kind).

Nothing is extrapolated: no count or amount is scaled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from telekit._core._table import EncounterSample
from telekit._engine import _vocabulary as v
from telekit._engine._registry import Rule
from telekit._engine._status import RuleStatus

ENCOUNTERS = "encounters"


def reads_encounter(rule: Rule) -> bool:
    """Whether ``rule`` reads the line's encounter in some clause."""
    return ENCOUNTERS in rule.tables or ENCOUNTERS in rule.partial_tables


def restrict(rule: Rule, expr: pl.Expr) -> pl.Expr:
    """``expr`` of a rule in a sampled run: lines outside the sample are not judged by a rule
    every clause of which reads encounters."""
    return expr & v.enc_found if ENCOUNTERS in rule.tables else expr


def sample_counts(lines: pl.DataFrame) -> tuple[int, int]:
    """(lines in the sample, lines not in it) of the annotated ``lines``."""
    found = int(lines.select(v.enc_found.fill_null(False).sum()).item() or 0)
    return found, lines.height - found


def reason(rule: Rule, in_sample: int, not_in_sample: int) -> str:
    text = (
        f"judged on the {in_sample:,} sampled lines; {not_in_sample:,} lines not in the "
        "documentation sample"
    )
    return text if ENCOUNTERS in rule.tables else f"clauses reading the encounter {text}"


def sampled_statuses(
    statuses: Mapping[str, RuleStatus], rules: Mapping[str, Rule], lines: pl.DataFrame
) -> dict[str, RuleStatus]:
    """``statuses`` of a sampled run: every active rule reading an encounter is ``partial``
    with the sample's counts (after its own reason when it was already partial)."""
    in_sample, not_in_sample = sample_counts(lines)
    out = dict(statuses)
    if not not_in_sample:
        return out
    for code, status in statuses.items():
        rule = rules[code]
        if not status.active or not reads_encounter(rule):
            continue
        why = reason(rule, in_sample, not_in_sample)
        out[code] = RuleStatus("partial", f"{status.text}; {why}" if status.text else why)
    return out


def sample_record(sample: EncounterSample | None, lines: pl.DataFrame) -> dict[str, Any]:
    """summary.json's ``encounters_sample``: the sample's description (null fields when the
    encounters were declared a sample without one) and the lines in and not in it."""
    in_sample, not_in_sample = sample_counts(lines)
    return {
        "frame": None if sample is None else sample.frame,
        "frame_size": None if sample is None else sample.frame_size,
        "n": None if sample is None else sample.n,
        "seed": None if sample is None else sample.seed,
        "method": None if sample is None else sample.method,
        "lines_in_sample": in_sample,
        "lines_not_in_sample": not_in_sample,
        "extrapolated": False,
    }
