"""telekit.charts — the practice's billing performance as charts a CFO can read.

Each function takes a frame (what ``telekit.metrics``, ``AuditResult`` and
``telekit.integrity.oig_measures`` return), aggregates it in polars, and returns one
``alt.Chart`` with explicit field types, plain-language titles and axes, and money as dollars.
Nothing here touches altair's global state (renderers, themes, data transformers): to draw
charts offline in JupyterLab or exported HTML, opt in yourself with
``alt.renderers.enable("svg")``; ``chart.save("x.png")`` / ``"x.svg"`` renders with vl-convert
and no network.

- ``denial_rate_by_month(revenue_cycle)`` — ``metrics.revenue_cycle(..., by="month")``
- ``denial_pareto(denials)`` — ``metrics.denials(...)``
- ``ar_aging(revenue_cycle)`` — ``metrics.revenue_cycle(..., by="financial_class")`` (payer
  and patient A/R apart in each age bucket) or any ``metrics.revenue_cycle(...)`` frame
- ``collection_rates_by_payer(revenue_cycle)`` — ``metrics.revenue_cycle(..., by="payer")``
- ``telehealth_mix_over_time(mix)`` — ``metrics.telehealth_mix(..., by="month")``
- ``findings_by_rule(result)`` — an ``AuditResult``, its ``.summary()`` or its ``.findings``
- ``exposure_by_provider(result)`` — an ``AuditResult`` or its ``.findings`` (clinician
  findings: money overpaid, denied, at risk and underpaid per rendering provider)
- ``oig_measures_vs_thresholds(oig)`` — ``integrity.oig_measures(...)``
"""

from __future__ import annotations

from telekit.charts._audit import EXPOSURE_COLORS, exposure_by_provider, findings_by_rule
from telekit.charts._common import MONEY_FORMAT, PERCENT_FORMAT, SEVERITY_COLORS
from telekit.charts._integrity import oig_measures_vs_thresholds
from telekit.charts._revenue import (
    AR_BUCKETS as AR_BUCKETS,
)
from telekit.charts._revenue import (
    AR_PARTS as AR_PARTS,
)
from telekit.charts._revenue import (
    MIX_LABELS,
    ar_aging,
    collection_rates_by_payer,
    denial_pareto,
    denial_rate_by_month,
    telehealth_mix_over_time,
)

__all__ = [
    "EXPOSURE_COLORS",
    "MIX_LABELS",
    "MONEY_FORMAT",
    "PERCENT_FORMAT",
    "SEVERITY_COLORS",
    "ar_aging",
    "collection_rates_by_payer",
    "denial_pareto",
    "denial_rate_by_month",
    "exposure_by_provider",
    "findings_by_rule",
    "oig_measures_vs_thresholds",
    "telehealth_mix_over_time",
]
