"""The metric frames the report draws: ``compute_metrics`` and their de-identification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError, TelekitError
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._engine._result import AuditResult
from telekit._policies._model import Policies
from telekit._scale._merge import PartitionedAuditResult

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
    ``patient_payments`` default to those given to ``tk.audit`` (``result.patient_payments``).

    A bounded-memory audit holds no claim lines: its frames are those ``telekit audit`` (and
    ``audit_folder``) measured bucket by bucket; one measured by none is an error.
    """
    if isinstance(result, PartitionedAuditResult):
        if result.metric_frames is None:
            msg = (
                "compute_metrics: this audit took the bounded-memory path and holds no claim "
                "lines; telekit audit (or report.audit_folder) measures such an audit bucket "
                "by bucket"
            )
            raise TelekitError(msg)
        return dict(result.metric_frames)
    if patient_payments is None:
        patient_payments = result.patient_payments
    day = as_of or result.as_of
    parts = _metric_parts(result, remittances, as_of=day, patient_payments=patient_payments)
    units = parts.pop(_UNITS, None)
    return _finish_metrics([parts], units, result.policies, day)


_UNITS = "units"


def _metric_parts(
    result: AuditResult,
    remittances: Remittances | None,
    *,
    as_of: dt.date | None,
    patient_payments: Table | pl.DataFrame | None,
) -> dict[str, Any]:
    """The mergeable parts of the metric frames of ``result``'s claims (every claim of a
    person: the whole audit, or one bucket of the bounded-memory audit): the telehealth-mix
    counts, the canonical payers, and with remittances and an as-of date the claim units of the
    revenue cycle and the denial counts."""
    from telekit._engine import _ledger  # noqa: PLC0415 - a light import
    from telekit._read._arguments import as_frame, as_remittances  # noqa: PLC0415
    from telekit.metrics import _denials, _mix, _revenue  # noqa: PLC0415 - a light import
    from telekit.metrics._inputs import canonical_policies  # noqa: PLC0415

    mix, mix_by_month = _mix.mix_counts_by(
        result.claims, result.encounters, key_sets=[[], [_MONTH]]
    )
    parts: dict[str, Any] = {
        "telehealth_mix": mix,
        "telehealth_mix_by_month": mix_by_month,
        "payers": _payers(result),
    }
    if remittances is None or as_of is None:
        return parts
    # one ledger for the revenue cycle and the denials (the same claims, remittances, day and
    # canonical policies): building it is most of either's cost
    ledger = _ledger.build(
        as_frame("claims", result.claims),
        as_remittances(remittances),
        as_of,
        policies=canonical_policies(result.policies, result),
    )
    parts[_UNITS] = _revenue.claim_units(
        result.claims,
        remittances,
        as_of=as_of,
        audit=result,
        patient_payments=patient_payments,
        policies=result.policies,
        ledger=ledger,
    )
    parts["denials"] = _denials.denial_counts(
        result.claims, remittances, as_of=as_of, policies=result.policies, ledger=ledger
    )
    return parts


_MONTH = "month"
#: the revenue-cycle frames and their ``by`` keys
_REVENUE: Final = {
    "revenue_cycle": [],
    "revenue_cycle_by_month": [_MONTH],
    "revenue_cycle_by_payer": [c.PAYER],
    "revenue_cycle_by_financial_class": ["financial_class"],
}


def _finish_metrics(
    parts: list[dict[str, Any]],
    units: pl.DataFrame | None,
    policies: Policies,
    as_of: dt.date | None,
) -> dict[str, pl.DataFrame]:
    """The metric frames from the ``_metric_parts`` of disjoint persons and their claim units
    concatenated (None: no revenue cycle nor denials)."""
    from telekit.metrics import _denials, _mix, _revenue  # noqa: PLC0415 - a light import

    found = sorted({p for part in parts for p in part["payers"]})
    out: dict[str, pl.DataFrame] = {
        "telehealth_mix": _mix.finish_mix([p["telehealth_mix"] for p in parts]),
        "telehealth_mix_by_month": _mix.finish_mix(
            [p["telehealth_mix_by_month"] for p in parts], [_MONTH]
        ),
        "unlisted_payers": pl.DataFrame(
            {c.PAYER: policies.unlisted_payers(found)}, schema={c.PAYER: pl.String}
        ),
    }
    if units is not None and as_of is not None:
        for name, keys in _REVENUE.items():
            out[name] = _revenue.finish_revenue(units, keys, as_of)
        out["denials"] = _denials.finish_denials([p["denials"] for p in parts])
    return {k: out[k] for k in METRIC_FRAMES if k in out}


def _payers(result: AuditResult) -> list[str]:
    """The audited claims' canonical payer values (distinct, nulls left out)."""
    payers = result.claims.select(result.policies.payer_key(c.PAYER).alias(c.PAYER)).drop_nulls()
    return payers.get_column(c.PAYER).unique().to_list()


def unlisted_payers(result: AuditResult) -> pl.DataFrame:
    """The audited claims' canonical payer values without a policy entry (column ``payer``)."""
    return pl.DataFrame(
        {c.PAYER: result.policies.unlisted_payers(_payers(result))}, schema={c.PAYER: pl.String}
    )


class BucketMetrics:
    """The metric frames and OIG measures of the bounded-memory audit
    (``audit_partitioned(measures=BucketMetrics(...))``), the same frames as the single path's
    ``compute_metrics`` and ``integrity.oig_measures``: each bucket (whole persons, with the
    remittances and patient payments of its claims) gives its mergeable parts; its claim units
    (one narrow row per service: medians are not mergeable) wait on disk in the bucket's work
    folder; ``finish`` merges and computes every figure once. ``as_of``: the run's (else each
    bucket's audit's, the run's whenever remittances are given)."""

    def __init__(self, *, as_of: dt.date | None = None) -> None:
        self.as_of = as_of
        self.parts: list[dict[str, Any]] = []
        self.units: list[Path] = []
        self.oig: list[dict[str, pl.DataFrame]] = []
        self.policies: Policies | None = None
        self.day: dt.date | None = None

    def add(self, result: AuditResult, patient_payments: pl.DataFrame | None, work: Path) -> None:
        from telekit.integrity import _oig  # noqa: PLC0415 - its measures load the code sets

        day = self.as_of or result.as_of
        parts = _metric_parts(
            result, result.remittances, as_of=day, patient_payments=patient_payments
        )
        units = parts.pop(_UNITS, None)
        if units is not None:
            path = work / "claim-units.parquet"
            units.write_parquet(path)
            self.units.append(path)
            self.day = day
        self.parts.append(parts)
        self.oig.append(_oig.oig_parts(result.claims, result.encounters))
        self.policies = result.policies

    def finish(self) -> tuple[dict[str, pl.DataFrame], pl.DataFrame | None]:
        from telekit.integrity import _oig  # noqa: PLC0415

        if self.policies is None:
            return {}, None
        units = None
        if self.units and len(self.units) == len(self.parts):
            units = pl.read_parquet(self.units)
        frames = _finish_metrics(self.parts, units, self.policies, self.day)
        return frames, _oig.oig_finish(self.oig)


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
