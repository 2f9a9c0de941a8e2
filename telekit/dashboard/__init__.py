"""A practice's billing performance as an interactive dashboard, in a notebook.

    import telekit as tk
    from telekit.dashboard import PerformanceDashboard

    claims = tk.read_claims("claims.csv")
    remits = tk.read_remittances("remittances.csv")      # + adjustments.csv beside it
    result = tk.audit(claims, encounters="encounters.csv", coverage="coverage.csv")
    dash = PerformanceDashboard(claims, remits, as_of="2026-10-30",
                                encounters="encounters.csv", audit=result)
    dash              # filters, KPI tiles and charts, updated in place

Filters (date-of-service range, payer, provider, modality) select claims; the KPI tiles
(A/R with payer and patient A/R apart, days in A/R (gross, MGMA), net collection rate,
initial denial rate, % of A/R over 90 days; with an audit,
its money kind by kind — overpaid, denied, at risk, underpaid, never added together) and the
charts are ``telekit.metrics`` and ``telekit.charts`` over the selected claims (the
money-by-provider chart counts clinician findings only). Payer values found without a policy
entry are named under the title.
``DashboardState`` is the same dashboard without widgets (every figure, for tests and scripts);
charts are drawn as SVG in the kernel (``chart_svg``), so they render with no network.
"""

from __future__ import annotations

from telekit.dashboard._state import CHARTS, FILTERS, KPIS, DashboardState, Filters, Kpi
from telekit.dashboard._widget import PerformanceDashboard, chart_svg, css_name

__all__ = [
    "CHARTS",
    "FILTERS",
    "KPIS",
    "DashboardState",
    "Filters",
    "Kpi",
    "PerformanceDashboard",
    "chart_svg",
    "css_name",
]
