"""The metric frames the report draws: ``compute_metrics`` and their de-identification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._engine._result import AuditResult

METRIC_FRAMES: Final = (
    "revenue_cycle",  # metrics.revenue_cycle(by=None): one row
    "revenue_cycle_by_month",  # by="month"
    "revenue_cycle_by_payer",  # by="payer"
    "revenue_cycle_by_financial_class",  # by="financial_class": payer and patient A/R apart
    "unlisted_payers",  # payer: the canonical payer values without a policy entry
    "denials",  # metrics.denials(by=None)
    "telehealth_mix",  # metrics.telehealth_mix(by=None)
    "telehealth_mix_by_month",  # by="month"
)
_MONTHLY: Final = ("revenue_cycle_by_month", "telehealth_mix_by_month")


def compute_metrics(
    result: AuditResult,
    remittances: Remittances | None = None,
    *,
    as_of: dt.date | None = None,
    patient_payments: Table | pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """The metric frames the report draws (``METRIC_FRAMES``), from the audited claims.

    The telehealth mix needs only the claims (and encounters for the modality); the revenue
    cycle and denials need ``remittances`` and an as-of date (``as_of``, else the audit's).
    Payers are grouped through the audit's policy aliases; ``audit_clean_rate`` uses the
    audit. ``unlisted_payers`` (one column, ``payer``) lists the claims' payer values that have
    no entry nor alias in the audit's policies (``Policies.unlisted_payers``).
    """
    from telekit import metrics  # noqa: PLC0415 - keeps `import telekit.report` light

    out: dict[str, pl.DataFrame] = {
        "telehealth_mix": metrics.telehealth_mix(result.claims, result.encounters, by=None),
        "telehealth_mix_by_month": metrics.telehealth_mix(
            result.claims, result.encounters, by="month"
        ),
        "unlisted_payers": unlisted_payers(result),
    }
    day = as_of or result.as_of
    if remittances is None or day is None:
        return out
    common: dict[str, Any] = {
        "as_of": day,
        "audit": result,
        "patient_payments": patient_payments,
        "policies": result.policies,
    }
    out["revenue_cycle"] = metrics.revenue_cycle(result.claims, remittances, **common)
    out["revenue_cycle_by_month"] = metrics.revenue_cycle(
        result.claims, remittances, by="month", **common
    )
    out["revenue_cycle_by_payer"] = metrics.revenue_cycle(
        result.claims, remittances, by="payer", **common
    )
    out["revenue_cycle_by_financial_class"] = metrics.revenue_cycle(
        result.claims, remittances, by="financial_class", **common
    )
    out["denials"] = metrics.denials(
        result.claims, remittances, as_of=day, policies=result.policies
    )
    return {k: out[k] for k in METRIC_FRAMES if k in out}


def unlisted_payers(result: AuditResult) -> pl.DataFrame:
    """The audited claims' canonical payer values without a policy entry (column ``payer``)."""
    payers = result.claims.select(result.policies.payer_key(c.PAYER).alias(c.PAYER)).drop_nulls()
    found = payers.get_column(c.PAYER).unique().to_list()
    return pl.DataFrame(
        {c.PAYER: result.policies.unlisted_payers(found)}, schema={c.PAYER: pl.String}
    )


def _metric_frames(metrics: Mapping[str, pl.DataFrame] | pl.DataFrame | None) -> dict[str, Any]:
    """``metrics=`` as a dict of known frames. A single frame is placed by its columns."""
    if metrics is None:
        return {}
    if isinstance(metrics, pl.DataFrame):
        cols = set(metrics.columns)
        if cols == {c.PAYER}:
            name = "unlisted_payers"
        elif "dimension" in cols:
            name = "telehealth_mix_by_month" if "month" in cols else "telehealth_mix"
        elif "reason_code" in cols:
            name = "denials"
        elif "month" in cols:
            name = "revenue_cycle_by_month"
        elif "financial_class" in cols:
            name = "revenue_cycle_by_financial_class"
        elif c.PAYER in cols:
            name = "revenue_cycle_by_payer"
        else:
            name = "revenue_cycle"
        return {name: metrics}
    unknown = sorted(set(metrics) - set(METRIC_FRAMES))
    if unknown:
        msg = (
            f"metrics: unknown frame name(s) {', '.join(unknown)}; expected some of "
            f"{', '.join(METRIC_FRAMES)} (report.compute_metrics makes them)"
        )
        raise InputError(msg)
    return dict(metrics)


def deidentified_metrics(frames: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The metric frames a de-identified OUT keeps: no monthly series."""
    return {k: v for k, v in frames.items() if k not in _MONTHLY}
