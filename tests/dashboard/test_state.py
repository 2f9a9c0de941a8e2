"""DashboardState: what the filters select and the figures shown for it, against
``metrics.revenue_cycle`` and figures computed here from the raw sample files."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import pytest

import telekit as tk
from telekit import metrics
from telekit._engine._result import EXPOSURE_KINDS, EXPOSURE_MEANING
from telekit.charts import AR_PARTS
from telekit.dashboard import CHARTS, KPIS, DashboardState, Filters
from telekit.dashboard import _state as dashboard_state

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
AS_OF = date(2026, 10, 30)
RAW = {"infer_schema": False}
# the money tiles of the sample practice, as shown (the one place they are pinned here)
PINNED_MONEY = {
    "overpayment": "$14,878",
    "denied": "$1,632",
    "at_risk": "$117",
    "underpayment": "$73",
}
# the revenue-cycle tiles of the sample practice, as shown: to re-pin once the r12 metrics
# (one receivable per service, PR as patient A/R, contractual-only net collection) are merged
# and the sample regenerated
PINNED_REVENUE = {
    "ar_outstanding": "$1,558",
    "days_in_ar": "42.2",
    "net_collection_rate": "87.0%",
    "initial_denial_rate": "6.2%",
    "pct_ar_over_90": "60.4%",
}
REVENUE_KPIS = tuple(PINNED_REVENUE)


@pytest.fixture(scope="module")
def inputs() -> dict[str, Any]:
    claims = tk.read_claims(SAMPLES / "claims.csv")
    encounters = tk.read_encounters(SAMPLES / "encounters.csv")
    remits = tk.read_remittances(
        SAMPLES / "remittances.csv", adjustments=SAMPLES / "adjustments.csv"
    )
    result = tk.audit(  # as ``telekit audit data/samples`` runs it: with the remittances
        claims,
        encounters=encounters,
        coverage=SAMPLES / "coverage.csv",
        providers=SAMPLES / "providers.csv",
        policies=SAMPLES / "policies.toml",
        as_of=AS_OF,
        remittances=remits,
        expected_fees=SAMPLES / "expected_fees.toml",
    )
    return {
        "claims": claims,
        "remits": remits,
        "payments": tk.read_patient_payments(SAMPLES / "patient_payments.csv"),
        "encounters": encounters,
        "result": result,
    }


@pytest.fixture
def state(inputs: dict[str, Any]) -> DashboardState:
    return DashboardState(
        inputs["claims"],
        inputs["remits"],
        as_of=AS_OF,
        encounters=inputs["encounters"],
        audit=inputs["result"],
        patient_payments=inputs["payments"],
    )


def _revenue_cycle(inputs: dict[str, Any], by: str | None = None) -> pl.DataFrame:
    return metrics.revenue_cycle(
        inputs["claims"],
        inputs["remits"],
        as_of=AS_OF,
        by=by,
        patient_payments=inputs["payments"],
        policies=inputs["result"].policies,
    )


def _assert_kpis_match(state: DashboardState, row: dict[str, Any]) -> None:
    kpis = state.kpis()
    for name in REVENUE_KPIS:
        assert kpis[name].value == row[name], name
    # A/R's tile names its payer and patient parts apart, which add up to it
    payer, patient = row["ar_payer"], row["ar_patient"]
    if row["ar_outstanding"] is not None:
        assert payer + patient == row["ar_outstanding"]
        assert kpis["ar_outstanding"].note == f"payer ${payer:,.0f} · patient ${patient:,.0f}"


# --- the whole practice ------------------------------------------------------------------------


def test_unfiltered_kpis_are_the_practice_revenue_cycle(
    state: DashboardState, inputs: dict[str, Any]
) -> None:
    row = _revenue_cycle(inputs).row(0, named=True)
    _assert_kpis_match(state, row)
    kpis = state.kpis()
    assert list(kpis) == list(KPIS)
    # the money tiles are the audit's four totals, kind by kind
    for kind, lines, amount in inputs["result"].exposure().iter_rows():
        assert kpis[kind].value == amount, kind
        assert kpis[kind].note == f"{lines:,} claim line{'' if lines == 1 else 's'}"
        assert kpis[kind].help.startswith(EXPOSURE_MEANING[kind])
    # what the tiles show, pinned for the sample practice (the money figures: PINNED_MONEY)
    assert {n: k.text for n, k in kpis.items()} == {**PINNED_REVENUE, **PINNED_MONEY}
    assert kpis["days_in_ar"].label == "Days in A/R (gross, MGMA)"
    assert "contractual" in kpis["net_collection_rate"].help
    assert kpis["initial_denial_rate"].note == "of 1,461 adjudicated claims"
    assert state.summary() == "1,509 of 1,509 claims · all claims · as of 2026-10-30"


def test_money_counts_each_line_once_per_kind_and_follows_the_filters(
    state: DashboardState,
) -> None:
    findings = state.findings()
    assert findings is not None
    line = ["claim_id", "claim_line_number"]
    # each line once per kind, at its largest amount in the kind (recomputed the plain way)
    for kind in EXPOSURE_KINDS:
        per_line: dict[tuple[str, int], Decimal] = {}
        for row in findings.filter(pl.col("exposure") == kind).iter_rows(named=True):
            key = (row["claim_id"], row["claim_line_number"])
            per_line[key] = max(per_line.get(key, Decimal("0")), row["exposure_amount"])
        assert state.kpis()[kind].value == sum(per_line.values(), Decimal("0")), kind
    some_line_twice = findings.filter(pl.col("exposure") != "none").select(line).is_duplicated()
    assert some_line_twice.any()  # two findings on one line: the line still counts once
    # a payer's tiles are the money of its claims' findings only
    state.set_filters(payer="MEDICARE")
    medicare = state.findings()
    assert medicare is not None and 0 < medicare.height < findings.height
    assert set(medicare.get_column("claim_id")) <= set(state.selected_claim_ids())
    exposure = state.exposure()
    assert exposure is not None
    assert exposure.get_column("exposure").to_list() == list(EXPOSURE_KINDS)
    for kind, _, amount in exposure.iter_rows():
        assert state.kpis()[kind].value == amount


def test_the_provider_chart_counts_clinician_findings_only(
    state: DashboardState, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[pl.DataFrame] = []

    def chart(findings: pl.DataFrame, providers: Any = None, **_: Any) -> alt.Chart:
        given.append(findings)
        return alt.Chart(pl.DataFrame({"x": [1]})).mark_bar().encode(x="x:Q")

    monkeypatch.setattr(dashboard_state.ch, "exposure_by_provider", chart)
    state.chart("exposure_by_provider")
    findings = state.findings()
    assert findings is not None
    assert set(findings.get_column("responsibility")) == {"billing", "clinician"}
    (drawn,) = given
    assert drawn.get_column("responsibility").unique().to_list() == ["clinician"]
    assert drawn.height == findings.filter(pl.col("responsibility") == "clinician").height


# --- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("payer", ["AETNA", "MEDICARE", "UHC"])
def test_payer_filter_equals_the_payer_row_of_revenue_cycle(
    state: DashboardState, inputs: dict[str, Any], payer: str
) -> None:
    state.set_filters(payer=payer)
    row = _revenue_cycle(inputs, "payer").filter(pl.col("payer") == payer).row(0, named=True)
    _assert_kpis_match(state, row)
    assert state.selected_services() == row["claims_submitted"]


def test_payer_options_merge_aliases_of_the_policies(state: DashboardState) -> None:
    options = state.options()["payer"]
    assert options == sorted(options)
    assert "AETNA" in options
    assert "60054" not in options and "AETNA BETTER HEALTH" not in options  # aliases of AETNA
    raw = pl.read_csv(SAMPLES / "claims.csv", **RAW)  # type: ignore[arg-type]
    aetna_like = raw.filter(pl.col("payer").is_in(["AETNA", "60054", "AETNA BETTER HEALTH"]))
    state.set_filters(payer="AETNA")
    assert state.selected_claim_ids().to_list() == sorted(aetna_like["claim_id"].unique())


def test_date_range_of_one_month_equals_that_month_of_revenue_cycle(
    state: DashboardState, inputs: dict[str, Any]
) -> None:
    state.set_filters(date_from=date(2025, 3, 1), date_to="2025-03-31")
    row = (
        _revenue_cycle(inputs, "month")
        .filter(pl.col("month") == date(2025, 3, 1))
        .row(0, named=True)
    )
    _assert_kpis_match(state, row)
    assert state.kpis()["initial_denial_rate"].note == f"of {row['claims_adjudicated']} " + (
        "adjudicated claims"
    )


def test_date_range_selects_claims_by_their_first_lines_date(state: DashboardState) -> None:
    raw = pl.read_csv(SAMPLES / "claims.csv", **RAW)  # type: ignore[arg-type]
    first_dos = raw.group_by("claim_id").agg(pl.col("claim_line_start_date").min())
    start, end = "2024-01-01", "2024-06-30"
    dos = pl.col("claim_line_start_date")
    expected = first_dos.filter(dos >= pl.lit(start), dos <= pl.lit(end))
    state.set_filters(date_from=start, date_to=end)
    assert state.selected_claim_ids().to_list() == sorted(expected["claim_id"])
    state.set_filters(date_from=None)
    assert state.selected_claim_ids().len() == first_dos.filter(dos <= pl.lit(end)).height
    assert state.filters == Filters(date_to=date(2024, 6, 30))


def test_provider_filter_selects_claims_with_a_line_of_that_npi(state: DashboardState) -> None:
    raw = pl.read_csv(SAMPLES / "claims.csv", **RAW)  # type: ignore[arg-type]
    npi = "1739204182"
    expected = sorted(raw.filter(pl.col("rendering_npi") == npi)["claim_id"].unique())
    state.set_filters(provider=npi)
    assert state.selected_claim_ids().to_list() == expected
    assert 0 < len(expected) < raw["claim_id"].n_unique()
    # the status counts services: the selected claims that are not voids, voided or replaced
    assert state.selected_services() < len(expected)
    assert state.summary() == (
        f"{state.selected_services():,} of 1,509 claims · provider {npi} · as of 2026-10-30"
    )


def _line_modalities() -> pl.DataFrame:
    """Each sample line's encounter modality, found here the slow, obvious way (DESIGN §3)."""
    raw = pl.read_csv(SAMPLES / "claims.csv", **RAW)  # type: ignore[arg-type]
    enc = pl.read_csv(SAMPLES / "encounters.csv", **RAW)  # type: ignore[arg-type]
    by_id = dict(zip(enc["encounter_id"], enc["modality"], strict=True))
    by_key: dict[tuple[str, str, str], list[str | None]] = {}
    for row in enc.iter_rows(named=True):
        key = (row["person_id"], row["rendering_npi"], row["encounter_date"])
        by_key.setdefault(key, []).append(row["modality"])
    modalities = []
    for row in raw.iter_rows(named=True):
        if row["encounter_id"] is not None:
            modalities.append(by_id.get(row["encounter_id"]))
            continue
        found = by_key.get((row["person_id"], row["rendering_npi"], row["claim_line_start_date"]))
        modalities.append(found[0] if found and len(found) == 1 else None)
    return raw.with_columns(pl.Series("modality", modalities, dtype=pl.String))


@pytest.mark.parametrize("modality", ["audio_only", "in_person", "store_and_forward"])
def test_modality_filter_follows_the_lines_encounter(state: DashboardState, modality: str) -> None:
    lines = _line_modalities()
    expected = sorted(lines.filter(pl.col("modality") == modality)["claim_id"].unique())
    state.set_filters(modality=modality)
    assert state.selected_claim_ids().to_list() == expected
    assert expected


def test_filters_combine_with_and(state: DashboardState) -> None:
    lines = _line_modalities()
    expected = sorted(
        lines.filter(
            (pl.col("payer") == "MEDICARE")
            & (pl.col("modality") == "audio_video")
            & (pl.col("rendering_npi") == "1275048365")
        )["claim_id"].unique()
    )
    state.set_filters(payer="MEDICARE", modality="audio_video", provider="1275048365")
    assert state.selected_claim_ids().to_list() == expected
    assert 0 < len(expected) < 100
    state.reset()
    assert state.filters == Filters()
    assert state.selected_claim_ids().len() == 1537


def test_an_empty_selection_shows_dashes_not_zeros(state: DashboardState) -> None:
    state.set_filters(date_from=date(2030, 1, 1))
    kpis = state.kpis()
    assert state.selected_claim_ids().is_empty()
    for name in ("initial_denial_rate", "net_collection_rate", "days_in_ar", "pct_ar_over_90"):
        assert kpis[name].value is None
        assert kpis[name].text == "—"
    for kind in EXPOSURE_KINDS:
        assert kpis[kind].value == Decimal("0")
        assert kpis[kind].note == "0 claim lines"
    assert set(state.charts()) == set(CHARTS)  # every chart still builds


# --- errors ------------------------------------------------------------------------------------


def test_bad_filters_raise_and_leave_the_filters_alone(state: DashboardState) -> None:
    state.set_filters(payer="CIGNA")
    with pytest.raises(ValueError, match=r"payer: no such value in the data \(8 to choose"):
        state.set_filters(payer="NOBODY")
    with pytest.raises(ValueError, match="date_from is after date_to"):
        state.set_filters(date_from=date(2025, 2, 1), date_to=date(2025, 1, 1))
    with pytest.raises(ValueError, match="unknown filter colour"):
        state.set_filters(colour="red")
    with pytest.raises(ValueError, match="date_from must be a date or an ISO date"):
        state.set_filters(date_from="March")
    assert state.filters == Filters(payer="CIGNA")
    assert state.set_filters(payer="") == Filters()


def test_without_audit_or_encounters(inputs: dict[str, Any]) -> None:
    bare = DashboardState(inputs["claims"], inputs["remits"], as_of="2026-10-30")
    kpis = bare.kpis()
    for kind in EXPOSURE_KINDS:
        assert kpis[kind].value is None
        assert kpis[kind].text == "—"
        assert kpis[kind].note == "needs an audit"
    assert "exposure_by_provider" not in bare.chart_names
    assert bare.options()["modality"] == []
    with pytest.raises(ValueError, match="modality: no such value"):
        bare.set_filters(modality="audio_only")
    with pytest.raises(ValueError, match="needs audit="):
        DashboardState(
            inputs["claims"], inputs["remits"], as_of=AS_OF, charts=["exposure_by_provider"]
        )
    with pytest.raises(ValueError, match="unknown chart 'pie'"):
        DashboardState(inputs["claims"], inputs["remits"], as_of=AS_OF, charts=["pie"])
    # without the policies' aliases, payers are as written
    assert "60054" in bare.options()["payer"]
    # without patient payments the net collection rate leaves them out
    no_payments = metrics.revenue_cycle(inputs["claims"], inputs["remits"], as_of=AS_OF)
    assert kpis["net_collection_rate"].value == no_payments.item(0, "net_collection_rate")


def test_payer_values_without_a_policy_entry_are_noted(inputs: dict[str, Any]) -> None:
    claims = inputs["claims"].data.with_columns(
        pl.when(pl.col("payer") == "CIGNA")
        .then(pl.lit(" zz health plan "))
        .otherwise(pl.col("payer"))
        .alias("payer")
    )
    policies = inputs["result"].policies
    state = DashboardState(claims, inputs["remits"], as_of=AS_OF, policies=policies)
    unlisted = state.unlisted_payers()
    assert "ZZ HEALTH PLAN" in unlisted  # canonical: trimmed, upper-cased
    assert "AETNA" not in unlisted and "60054" not in unlisted  # an alias is an entry
    assert unlisted == sorted(unlisted)
    note = state.payer_note()
    assert note.startswith("Payer value")
    assert "without a policy entry: " in note and "ZZ HEALTH PLAN" in note
    # without policies there is no policy file to miss an entry in
    bare = DashboardState(claims, inputs["remits"], as_of=AS_OF)
    assert bare.unlisted_payers() == [] and bare.payer_note() == ""


# --- charts ------------------------------------------------------------------------------------


def _chart_values(chart: Any) -> list[dict[str, Any]]:
    spec = chart.to_dict()
    datasets = spec.get("datasets", {})
    name = spec["data"]["name"]
    values: list[dict[str, Any]] = datasets[name]
    return values


def test_charts_follow_the_filters(state: DashboardState) -> None:
    assert list(state.charts()) == list(CHARTS)
    payers = {v["payer"] for v in _chart_values(state.chart("collection_rates_by_payer"))}
    assert payers <= set(state.options()["payer"])
    assert len(payers) >= 5
    # payer and patient A/R apart (the sample has self-pay claims and patient balances)
    assert {v["owed_by"] for v in _chart_values(state.chart("ar_aging"))} == set(AR_PARTS)
    state.set_filters(payer="MEDICARE")
    payers = {v["payer"] for v in _chart_values(state.chart("collection_rates_by_payer"))}
    assert payers == {"MEDICARE"}
    aging = _chart_values(state.chart("ar_aging"))
    assert {v["owed_by"] for v in aging} <= set(AR_PARTS)
    total = sum(Decimal(str(v["amount"])) for v in aging)
    ar = state.revenue_cycle().item(0, "ar_outstanding")
    assert abs(total - ar) < Decimal("0.01")
    with pytest.raises(ValueError, match="not on this dashboard"):
        DashboardState(state.claims, state.remittances, as_of=AS_OF, charts=["ar_aging"]).chart(
            "denial_pareto"
        )


def test_the_state_module_never_imports_ipywidgets() -> None:
    source = (ROOT / "telekit" / "dashboard" / "_state.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "ipywidgets" not in imported
    # nor does anything telekit imports. altair imports anywidget (and so ipywidgets) for its
    # JupyterChart whenever anywidget is installed (telekit.review's keyboard shortcuts need it):
    # that optional import is altair's, so it is blocked here (altair then skips JupyterChart).
    code = (
        "import sys; sys.modules['anywidget'] = None; "
        "import telekit, telekit.charts, telekit.metrics; "
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
