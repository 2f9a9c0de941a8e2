"""The executive summary shows the coverage of the rule catalog first, and names the inputs that
would run the rest (issue 19, item 5)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

import telekit as tk
from telekit import report
from telekit.report._coverage import catalog_coverage
from telekit.rules import REGISTRY

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_claims_alone_names_the_tables_that_would_run_the_rest() -> None:
    result = tk.audit(SAMPLES / "claims.csv")
    coverage = catalog_coverage(result.rules, {"claims"})
    assert coverage.total == len(REGISTRY)
    assert coverage.run == result.rules.filter(pl.col("status") != "skipped").height
    assert coverage.skipped == result.rules.filter(pl.col("status") == "skipped").height > 0
    needs = {name: (runs, completes) for name, runs, completes in coverage.needs}
    encounter_rules = [r for r in REGISTRY.values() if "encounters" in r.tables]
    assert needs["encounters"][0] == len(encounter_rules)
    assert set(needs) == {"encounters", "coverage", "providers"}
    assert coverage.note().startswith(f"{coverage.skipped} skipped, ")
    assert "encounters (" in coverage.note()


def test_a_missing_claim_column_is_named() -> None:
    claims = tk.read_claims(SAMPLES / "claims.csv").data.drop("billing_npi")
    result = tk.audit(claims)
    coverage = catalog_coverage(result.rules, {"claims"})
    names = [name for name, _, _ in coverage.needs]
    assert "claims column billing_npi" in names


def test_the_report_shows_the_tile_first() -> None:
    result = tk.audit(SAMPLES / "claims.csv")
    html = report.render(result)
    tiles = html.split("<div class='tiles'>", 1)[1]
    first = tiles.split("</div></div>", 1)[0]
    assert "Rules run" in first
    assert f"{catalog_coverage(result.rules, {'claims'}).run} of {len(REGISTRY)}" in first
    assert "would run them: encounters" in first
