"""PerformanceDashboard driven as a user would (dropdowns, date pickers, the reset button),
without a browser: what each tile and chart widget holds after every change."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as widgets
import polars as pl
import pytest

import telekit as tk
from telekit import metrics
from telekit._engine._result import EXPOSURE_MEANING
from telekit.dashboard import CHARTS, KPIS, PerformanceDashboard, css_name
from telekit.dashboard._state import MONEY_KPIS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
AS_OF = date(2026, 10, 30)


@pytest.fixture(scope="module")
def inputs() -> dict[str, Any]:
    claims = tk.read_claims(SAMPLES / "claims.csv")
    encounters = tk.read_encounters(SAMPLES / "encounters.csv")
    remits = tk.read_remittances(
        SAMPLES / "remittances.csv", adjustments=SAMPLES / "adjustments.csv"
    )
    return {
        "claims": claims,
        "remittances": remits,
        "patient_payments": tk.read_patient_payments(SAMPLES / "patient_payments.csv"),
        "encounters": encounters,
        "audit": tk.audit(
            claims,
            encounters=encounters,
            coverage=SAMPLES / "coverage.csv",
            providers=SAMPLES / "providers.csv",
            policies=SAMPLES / "policies.toml",
            as_of=AS_OF,
            remittances=remits,  # as ``telekit audit data/samples`` runs it
            expected_fees=SAMPLES / "expected_fees.toml",
        ),
    }


@pytest.fixture(scope="module")
def full(inputs: dict[str, Any]) -> Iterator[PerformanceDashboard]:
    """Every chart (slow to redraw: shared by the tests that only read it)."""
    dash = PerformanceDashboard(
        inputs["claims"],
        inputs["remittances"],
        as_of=AS_OF,
        encounters=inputs["encounters"],
        audit=inputs["audit"],
        patient_payments=inputs["patient_payments"],
    )
    yield dash
    dash.close()


@pytest.fixture
def dash(inputs: dict[str, Any]) -> Iterator[PerformanceDashboard]:
    """One chart, so that each filter change redraws quickly."""
    app = PerformanceDashboard(
        inputs["claims"],
        inputs["remittances"],
        as_of=AS_OF,
        encounters=inputs["encounters"],
        audit=inputs["audit"],
        patient_payments=inputs["patient_payments"],
        charts=["collection_rates_by_payer"],
    )
    yield app
    app.close()


def _classes(w: widgets.Widget) -> list[str]:
    return list(w._dom_classes)


def _tree(root: widgets.Widget) -> Iterator[widgets.Widget]:
    yield root
    for child in getattr(root, "children", ()):
        yield from _tree(child)


def _tile_value(dash: PerformanceDashboard, name: str) -> str:
    """The text of the tile's value element, as a person reads it."""
    html_ = dash.tiles[name].value
    start = html_.index("class='telekit-kpi-value'>") + len("class='telekit-kpi-value'>")
    return str(html_[start : html_.index("</div>", start)])


def _tile_label(dash: PerformanceDashboard, name: str) -> str:
    html_ = dash.tiles[name].value
    start = html_.index("class='telekit-kpi-label'>") + len("class='telekit-kpi-label'>")
    return str(html_[start : html_.index("</div>", start)])


def test_css_classes_for_tests_and_styling(full: PerformanceDashboard) -> None:
    every = [cls for w in _tree(full.widget) for cls in _classes(w)]
    assert _classes(full.widget) == ["telekit-dashboard"]
    for name in KPIS:
        assert f"telekit-kpi-{css_name(name)}" in _classes(full.tiles[name])
        assert "telekit-kpi" in _classes(full.tiles[name])
    assert "telekit-kpi-initial-denial-rate" in every
    assert "telekit-kpi-pct-ar-over-90" in every
    money = next(w for w in _tree(full.widget) if "telekit-dashboard-money" in _classes(w))
    assert [name for name in KPIS if any(w is full.tiles[name] for w in _tree(money))] == list(
        MONEY_KPIS
    )
    for name in ("date-range", "date-from", "date-to", "payer", "provider", "modality"):
        assert f"telekit-filter-{name}" in every, name
    for name in CHARTS:
        assert f"telekit-chart-{css_name(name)}" in every, name
    assert {"telekit-dashboard-status", "telekit-dashboard-reset"} <= set(every)
    assert "telekit-dashboard-payers" in every
    # every control, tile and chart is inside the displayed app
    shown = set(map(id, _tree(full.widget)))
    controls = [*full.filters.values(), *full.tiles.values(), *full.chart_views.values()]
    assert all(id(w) in shown for w in controls)


def test_tiles_show_the_practice_figures(
    full: PerformanceDashboard, inputs: dict[str, Any]
) -> None:
    row = metrics.revenue_cycle(
        inputs["claims"],
        inputs["remittances"],
        as_of=AS_OF,
        patient_payments=inputs["patient_payments"],
        policies=inputs["audit"].policies,  # its [metrics] contractual CARCs, as the dashboard
    ).row(0, named=True)
    assert _tile_value(full, "initial_denial_rate") == f"{row['initial_denial_rate']:.1%}"
    assert _tile_value(full, "net_collection_rate") == f"{row['net_collection_rate']:.1%}"
    assert _tile_value(full, "days_in_ar") == f"{row['days_in_ar']:,.1f}"
    assert _tile_value(full, "pct_ar_over_90") == f"{row['pct_ar_over_90']:.1%}"
    # A/R with its payer and patient parts apart; days in A/R labelled gross (MGMA)
    assert _tile_value(full, "ar_outstanding") == f"${row['ar_outstanding']:,.0f}"
    parts = f"payer ${row['ar_payer']:,.0f} · patient ${row['ar_patient']:,.0f}"
    assert f"<div class='telekit-kpi-note'>{parts}</div>" in full.tiles["ar_outstanding"].value
    assert _tile_label(full, "days_in_ar") == "Days in A/R (gross, MGMA)"
    # the payer values without a policy entry, when there are any
    note = full.state.payer_note()
    assert full.payer_note.value == (
        f"<div class='telekit-kpi-note'>{html.escape(note)}</div>" if note else ""
    )
    for kind, lines, amount in inputs["audit"].exposure().iter_rows():
        assert _tile_value(full, kind) == f"${amount:,.0f}", kind
        assert f"{lines:,} claim line" in full.tiles[kind].value
        meaning = html.escape(EXPOSURE_MEANING[kind], quote=True)
        assert f"title='{meaning}" in full.tiles[kind].value  # what it means, on hover
    labels = [_tile_label(full, kind) for kind in MONEY_KPIS]
    assert labels == ["Overpaid", "Denied", "At risk", "Underpaid"]
    every_text = " ".join(w.value for w in _tree(full.widget) if isinstance(w, widgets.HTML))
    assert "dollars at risk" not in every_text.lower()
    assert "Initial denial rate" in full.tiles["initial_denial_rate"].value
    assert (
        "title='Claims denied on their first adjudication"
        in full.tiles["initial_denial_rate"].value
    )
    assert full.status.value == "1,509 of 1,509 claims · all claims · as of 2026-10-30"


def test_charts_are_inline_svg_with_nothing_to_fetch(full: PerformanceDashboard) -> None:
    assert list(full.chart_views) == list(CHARTS)
    for name, view in full.chart_views.items():
        assert view.value.startswith("<div class='telekit-chart-svg'><svg"), name
        assert view.value.rstrip().endswith("</svg></div>"), name
        assert "<script" not in view.value
        assert "http://" not in view.value.replace("http://www.w3.org/", "")
        assert "https://" not in view.value
    assert "Initial denial rate by month" in full.chart_views["denial_rate_by_month"].value


def test_choosing_a_payer_updates_tiles_and_charts_in_place(
    dash: PerformanceDashboard, inputs: dict[str, Any]
) -> None:
    tile = dash.tiles["initial_denial_rate"]
    chart = dash.chart_views["collection_rates_by_payer"]
    before_tile, before_chart = tile.value, chart.value
    assert _tile_value(dash, "initial_denial_rate") == "6.2%"

    dash.payer.value = "AETNA"  # what picking it in the dropdown does

    by_payer = metrics.revenue_cycle(
        inputs["claims"],
        inputs["remittances"],
        as_of=AS_OF,
        by="payer",
        patient_payments=inputs["patient_payments"],
        policies=inputs["audit"].policies,
    )
    aetna = by_payer.filter(pl.col("payer") == "AETNA").row(0, named=True)
    assert dash.tiles["initial_denial_rate"] is tile  # the same widget, redrawn
    assert _tile_value(dash, "initial_denial_rate") == f"{aetna['initial_denial_rate']:.1%}"
    assert _tile_value(dash, "initial_denial_rate") == "7.6%"
    assert _tile_value(dash, "net_collection_rate") == f"{aetna['net_collection_rate']:.1%}"
    assert tile.value != before_tile
    assert chart.value != before_chart and "<svg" in chart.value
    assert dash.status.value == (
        f"{aetna['claims_submitted']:,} of 1,509 claims · payer AETNA · as of 2026-10-30"
    )

    dash.reset_button.click()
    assert dash.payer.value == ""
    assert tile.value == before_tile
    assert chart.value == before_chart  # byte-identical: the SVG is deterministic


def test_date_pickers_provider_and_modality_filter(dash: PerformanceDashboard) -> None:
    dash.date_from.value = date(2025, 1, 1)
    dash.date_to.value = date(2025, 12, 31)
    assert dash.status.value.endswith("DOS 2025-01-01 to 2025-12-31 · as of 2026-10-30")
    n_2025 = dash.state.selected_claim_ids().len()
    dash.modality.value = "audio_only"
    assert "modality audio_only" in dash.status.value
    assert dash.state.selected_claim_ids().len() < n_2025
    dash.provider.value = dash.provider.options[1][1]
    assert f"provider {dash.provider.options[1][1]}" in dash.status.value


def test_a_start_after_the_end_is_reported_not_applied(dash: PerformanceDashboard) -> None:
    dash.date_to.value = date(2024, 1, 31)
    tiles = {n: t.value for n, t in dash.tiles.items()}
    dash.date_from.value = date(2024, 3, 1)
    assert "date_from is after date_to" in dash.status.value
    assert "telekit-dashboard-error" in dash.status.value
    assert {n: t.value for n, t in dash.tiles.items()} == tiles
    dash.date_from.value = date(2024, 1, 1)
    assert "DOS 2024-01-01 to 2024-01-31" in dash.status.value


def test_set_filters_moves_the_controls_and_redraws_once(dash: PerformanceDashboard) -> None:
    redraws: list[Any] = []
    dash.tiles["days_in_ar"].observe(redraws.append, names="value")
    kpis = dash.set_filters(payer="MEDICARE", date_from="2024-01-01")
    assert dash.payer.value == "MEDICARE"
    assert dash.date_from.value == date(2024, 1, 1)
    assert kpis == dash.kpis()
    assert len(redraws) == 1
    with pytest.raises(ValueError, match="payer: no such value"):
        dash.set_filters(payer="NOBODY")
    assert dash.payer.value == "MEDICARE"
    dash.set_filters(payer=None)
    assert dash.payer.value == ""


def test_dropdowns_offer_the_data_and_roster_names(
    dash: PerformanceDashboard, inputs: dict[str, Any]
) -> None:
    assert dash.payer.options[0] == ("any", "")
    assert [v for _, v in dash.payer.options[1:]] == dash.state.options()["payer"]
    labels = {v: label for label, v in dash.provider.options}
    roster = inputs["audit"].providers
    names = dict(zip(roster["npi"], roster["provider_name"], strict=True))
    assert (
        labels["1245873108"]
        == "1245873108 — Dana Whitfield"
        == f"1245873108 — {names['1245873108']}"
    )
    assert labels["124587310"] == "124587310"  # billed by an NPI not on the roster
    assert [v for _, v in dash.modality.options[1:]] == [
        "in_person",
        "audio_video",
        "audio_only",
        "store_and_forward",
        "portal",
    ]


def test_without_encounters_the_modality_filter_is_disabled(inputs: dict[str, Any]) -> None:
    app = PerformanceDashboard(
        inputs["claims"], inputs["remittances"], as_of=AS_OF, charts=["ar_aging"]
    )
    try:
        assert app.modality.disabled
        assert app.modality.options == (("any", ""),)
        for kind in MONEY_KPIS:
            assert _tile_value(app, kind) == "—"
        assert list(app.chart_views) == ["ar_aging"]
    finally:
        app.close()


def test_building_a_dashboard_leaves_altair_settings_alone(inputs: dict[str, Any]) -> None:
    renderer, transformer = alt.renderers.active, alt.data_transformers.active
    app = PerformanceDashboard(
        inputs["claims"], inputs["remittances"], as_of=AS_OF, charts=["ar_aging"]
    )
    app.close()
    assert (alt.renderers.active, alt.data_transformers.active) == (renderer, transformer)


def test_displays_as_a_widget(full: PerformanceDashboard) -> None:
    bundle = full._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == full.widget.model_id
    assert repr(full).startswith("PerformanceDashboard(1,509 of 1,509 claims")
    assert bundle["text/plain"] == repr(full)
