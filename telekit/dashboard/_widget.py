"""``PerformanceDashboard``: the ipywidgets view of a ``DashboardState``.

The widget renders the state and forwards filter changes; every figure it shows comes from the
state. Charts are drawn as SVG by vl-convert in the kernel and shown in HTML widgets, so they
render with no network (no vega script from a CDN) and without changing altair's renderer.

CSS classes for tests and styling: ``telekit-dashboard`` (the whole app),
``telekit-filter-<date-range|date-from|date-to|payer|provider|modality>``,
``telekit-dashboard-reset``, ``telekit-dashboard-status``, ``telekit-dashboard-payers`` (the
payer values found without a policy entry; empty when none), ``telekit-kpi`` and
``telekit-kpi-<name>`` on each tile (``ar-outstanding`` — payer and patient A/R in its note —,
``days-in-ar``, ``net-collection-rate``, ``initial-denial-rate``, ``pct-ar-over-90``, and
the audit's money in ``telekit-dashboard-money``: ``overpayment``, ``denied``, ``at-risk``,
``underpayment``; the shown value in ``.telekit-kpi-value``), ``telekit-chart`` and
``telekit-chart-<name>`` on each chart (``denial-rate-by-month``, ``ar-aging``, ...,
``exposure-by-provider``).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

import altair as alt
import ipywidgets as widgets
import vl_convert as vlc

from telekit.dashboard._state import KPIS, MONEY_KPIS, DashboardState, Filters, Kpi

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult
    from telekit._policies._model import Policies
    from telekit.metrics._inputs import RemittancesLike, TableLike

__all__ = ["PerformanceDashboard", "chart_svg", "css_name"]

#: vl-convert's name of the Vega-Lite version altair writes (``v6.4.1`` -> ``v6_4``).
_VL_VERSION: Final = "_".join(alt.SCHEMA_VERSION.split(".")[:2])
_ANY: Final = ("any", "")
_SVG_CACHE: Final = 96  # drawn charts kept (16 filter settings of 6 charts)
_STYLE: Final = """<style>
.telekit-dashboard .telekit-dashboard-kpis {flex-wrap: wrap; margin: 6px 0 0 0}
.telekit-dashboard .telekit-kpi-tile {border: 1px solid #d0d4d8; border-radius: 6px;
  padding: 6px 12px; min-width: 140px; background: #fafbfc}
.telekit-dashboard .telekit-kpi-label {font-size: 12px; color: #555}
.telekit-dashboard .telekit-kpi-value {font-size: 26px; font-weight: 600; color: #1f2d3d;
  line-height: 1.3}
.telekit-dashboard .telekit-kpi-note {font-size: 11px; color: #777}
.telekit-dashboard .telekit-dashboard-error {color: #c0392b}
.telekit-dashboard .telekit-dashboard-money .telekit-kpi-tile {min-width: 110px; padding: 4px 10px}
.telekit-dashboard .telekit-dashboard-money .telekit-kpi-value {font-size: 18px}
.telekit-dashboard .telekit-chart-svg svg {max-width: 100%; height: auto}
</style>"""


def css_name(name: str) -> str:
    """``initial_denial_rate`` -> ``initial-denial-rate`` (the suffix of its CSS class)."""
    return name.replace("_", "-")


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart drawn as SVG by vl-convert (no network, no browser)."""
    return str(vlc.vegalite_to_svg(chart.to_dict(), vl_version=_VL_VERSION))


def _tile_html(kpi: Kpi) -> str:
    return (
        f"<div class='telekit-kpi-tile' title='{html.escape(kpi.help, quote=True)}'>"
        f"<div class='telekit-kpi-label'>{html.escape(kpi.label)}</div>"
        f"<div class='telekit-kpi-value'>{html.escape(kpi.text)}</div>"
        f"<div class='telekit-kpi-note'>{html.escape(kpi.note)}</div></div>"
    )


class PerformanceDashboard:
    """A practice's billing performance in a notebook: filters (date of service range, payer,
    provider, modality) driving KPI tiles (A/R with payer and patient A/R apart, days in A/R
    (gross, MGMA), net collection rate, initial denial rate, % of A/R over 90 days; with an
    audit, its money kind by kind: overpaid, denied, at
    risk, underpaid, never added together) and the ``telekit.charts`` of ``telekit.metrics``,
    updated in place.

    Display it as the last expression of a cell. The arguments are ``DashboardState``'s
    (``claims``, ``remittances``, ``as_of``, ``encounters``, ``audit``; optionally
    ``patient_payments`` for the net collection rate, ``policies`` for payer aliases and
    ``charts``, the chart names to draw). ``dashboard.state`` holds every figure shown.
    """

    def __init__(
        self,
        claims: TableLike,
        remittances: RemittancesLike,
        *,
        as_of: dt.date | str,
        encounters: TableLike | None = None,
        audit: AuditResult | None = None,
        patient_payments: TableLike | None = None,
        policies: Policies | None = None,
        charts: Iterable[str] | None = None,
    ) -> None:
        self.state = DashboardState(
            claims,
            remittances,
            as_of=as_of,
            encounters=encounters,
            audit=audit,
            patient_payments=patient_payments,
            policies=policies,
            charts=charts,
        )
        self._holding = False
        self._svgs: dict[tuple[Filters, str], str] = {}
        options = self.state.options()
        names = self.state.provider_names()
        low, high = self.state.date_bounds()
        span = f"{low} to {high}" if low and high else "no claims"

        self.date_from = widgets.DatePicker(description="DOS from", value=None)
        self.date_to = widgets.DatePicker(description="DOS to", value=None)
        for picker, side in ((self.date_from, "from"), (self.date_to, "to")):
            picker.add_class(f"telekit-filter-date-{side}")
            picker.tooltip = f"Empty: any (claims' dates of service run {span})"
            picker.layout = widgets.Layout(width="auto")
        self.payer = self._dropdown("payer", [(p, p) for p in options["payer"]])
        self.provider = self._dropdown(
            "provider", [(f"{n} — {names[n]}" if n in names else n, n) for n in options["provider"]]
        )
        self.modality = self._dropdown(
            "modality", [(m.replace("_", " "), m) for m in options["modality"]]
        )
        if not options["modality"]:
            self.modality.disabled = True
            self.modality.tooltip = "Needs encounters=... (the modality is documented there)"
        self.filters: dict[str, widgets.ValueWidget] = {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "payer": self.payer,
            "provider": self.provider,
            "modality": self.modality,
        }
        for control in self.filters.values():
            control.observe(self._on_filter, names="value")
        self.reset_button = widgets.Button(description="Reset filters", icon="undo")
        self.reset_button.add_class("telekit-dashboard-reset")
        self.reset_button.on_click(lambda _: self.reset())

        date_range = widgets.HBox([self.date_from, self.date_to])
        date_range.add_class("telekit-filter-date-range")
        filter_bar = widgets.HBox(
            [date_range, self.payer, self.provider, self.modality, self.reset_button],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        filter_bar.add_class("telekit-dashboard-filters")

        self.status = widgets.HTML()
        self.status.add_class("telekit-dashboard-status")
        self.tiles: dict[str, widgets.HTML] = {}
        tiles, money = self._tile_boxes()
        self.chart_views: dict[str, widgets.HTML] = {}
        for name in self.state.chart_names:
            view = widgets.HTML()
            view.add_class("telekit-chart")
            view.add_class(f"telekit-chart-{css_name(name)}")
            self.chart_views[name] = view
        chart_box = widgets.VBox(list(self.chart_views.values()))
        chart_box.add_class("telekit-dashboard-charts")

        header = widgets.HTML(
            _STYLE + "<h3 style='margin: 4px 0'>Billing performance</h3>"
            f"<div class='telekit-kpi-note'>Figures as of {self.state.as_of.isoformat()}; "
            "filters select claims (date of service of the claim's first line, its payer, "
            "any line's provider or encounter modality).</div>"
        )
        note = self.state.payer_note()
        self.payer_note = widgets.HTML(
            f"<div class='telekit-kpi-note'>{html.escape(note)}</div>" if note else ""
        )
        self.payer_note.add_class("telekit-dashboard-payers")
        self.widget = widgets.VBox(
            [header, self.payer_note, filter_bar, self.status, tiles, money, chart_box]
        )
        self.widget.add_class("telekit-dashboard")
        self.refresh()

    # --- public API ------------------------------------------------------------------------

    def set_filters(self, **changes: dt.date | str | None) -> dict[str, Kpi]:
        """Set some filters as a person would (``payer="MEDICARE"``, ``date_from=date(...)``;
        ``None`` is any), redraw once, and return the KPIs now shown."""
        now = self.state.set_filters(**changes)  # validates before any control moves
        with self._hold():
            for name in changes:
                value = getattr(now, name)  # parsed: "2024-01-01" is a date here
                self.filters[name].value = "" if value is None and name in _DROPDOWNS else value
        self.refresh()
        return self.state.kpis()

    def reset(self) -> None:
        """Clear every filter and redraw."""
        with self._hold():
            for name, control in self.filters.items():
                control.value = "" if name in _DROPDOWNS else None
        self.state.reset()
        self.refresh()

    def kpis(self) -> dict[str, Kpi]:
        """The KPIs shown (``Kpi.value`` exact, ``Kpi.text`` as on the tile)."""
        return self.state.kpis()

    def refresh(self) -> None:
        """Redraw the status line, the tiles and the charts from the state. Everything is
        computed first and then shown at once, so tiles and charts never disagree."""
        self.status.value = "<i>Updating…</i>"
        kpis = self.state.kpis()
        svgs = {name: self._svg(name) for name in self.state.chart_names}
        for name, kpi in kpis.items():
            self.tiles[name].value = _tile_html(kpi)
        for name, svg in svgs.items():
            self.chart_views[name].value = f"<div class='telekit-chart-svg'>{svg}</div>"
        self.status.value = html.escape(self.state.summary())

    def close(self) -> None:
        """Close every widget of the app."""
        _close_tree(self.widget)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)  # where widgets are not drawn (nbconvert, nbval)
        return bundle

    def __repr__(self) -> str:
        return f"PerformanceDashboard({self.state.summary()})"

    # --- internals -------------------------------------------------------------------------

    def _tile_boxes(self) -> tuple[widgets.HBox, widgets.VBox]:
        """The tiles: the revenue cycle's in a row, the audit's money (one tile per kind,
        under a heading saying they are never added) in a compact box below."""
        for name in KPIS:
            tile = widgets.HTML(layout=widgets.Layout(width="auto", margin="0 8px 8px 0"))
            tile.add_class("telekit-kpi")
            tile.add_class(f"telekit-kpi-{css_name(name)}")
            self.tiles[name] = tile
        tiles = widgets.HBox(
            [t for n, t in self.tiles.items() if n not in MONEY_KPIS],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        tiles.add_class("telekit-dashboard-kpis")
        money_tiles = widgets.HBox(
            [self.tiles[n] for n in MONEY_KPIS], layout=widgets.Layout(flex_flow="row wrap")
        )
        money_tiles.add_class("telekit-dashboard-kpis")
        money = widgets.VBox([widgets.HTML(_MONEY_HEADING), money_tiles])
        money.add_class("telekit-dashboard-money")
        return tiles, money

    def _dropdown(self, name: str, labels: list[tuple[str, str]]) -> widgets.Dropdown:
        dropdown = widgets.Dropdown(
            options=[_ANY, *labels],
            value="",
            description=name,
            layout=widgets.Layout(width="auto"),
        )
        dropdown.add_class(f"telekit-filter-{name}")
        return dropdown

    def _svg(self, name: str) -> str:
        """The chart drawn for the current filters (kept: going back to filters is instant)."""
        key = (self.state.filters, name)
        if key not in self._svgs:
            if len(self._svgs) >= _SVG_CACHE:
                self._svgs.pop(next(iter(self._svgs)))
            self._svgs[key] = chart_svg(self.state.chart(name))
        return self._svgs[key]

    @contextmanager
    def _hold(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def _on_filter(self, _: Any) -> None:
        if self._holding:
            return
        changes = {name: (control.value or None) for name, control in self.filters.items()}
        try:
            self.state.set_filters(**changes)
        except ValueError as e:
            self.status.value = (
                f"<span class='telekit-dashboard-error'>{html.escape(str(e))}; "
                "the figures below are for the previous filters.</span>"
            )
            return
        self.refresh()


_DROPDOWNS: Final = ("payer", "provider", "modality")
_MONEY_HEADING: Final = (
    "<div class='telekit-kpi-label'><b>The audit's money</b>, kind by kind (never added "
    "together): error findings on paid lines (overpaid: refunds may be owed), on denied lines, "
    "on lines not yet adjudicated (at risk), and corrections that would pay more (underpaid). "
    "Hover over a tile for what to do.</div>"
)


def _close_tree(root: widgets.Widget) -> None:
    for child in getattr(root, "children", ()):
        _close_tree(child)
    root.close()
