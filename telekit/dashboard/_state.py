"""``DashboardState``: the billing-performance dashboard without widgets.

The state holds the inputs, the current ``Filters`` and everything shown for them: the KPI
tiles (``Kpi``) and the charts (``alt.Chart``). ``PerformanceDashboard`` only renders it and
forwards filter changes; tests and notebooks can drive the state directly. This module never
imports ipywidgets.

**Selection.** Filters select *claims*, so that every figure keeps ``metrics.revenue_cycle``'s
unit (the claim) and its definitions: a claim is selected when its date of service (its
earliest line's) is within the date range, its payer (its first line's, as the payer key of the
policies: trimmed, upper-cased, aliases mapped) is the payer chosen, and at least one of its
lines has the rendering NPI chosen and, for the modality, a line's encounter (DESIGN §3
linking) has the modality chosen. Every figure is then computed by ``telekit.metrics`` over the
selected claims' lines with the remittances, patient payments and ``as_of`` given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final, TypeVar

import altair as alt
import polars as pl

from telekit import charts as ch
from telekit import metrics
from telekit._core import _columns as c
from telekit._core._dates import as_date
from telekit._engine import _ledger as lg
from telekit._engine._result import EXPOSURE_KINDS, EXPOSURE_MEANING, exposure_totals
from telekit._read._arguments import as_frame, as_remittances
from telekit.metrics._inputs import (
    RemittancesLike,
    TableLike,
    with_modality,
)
from telekit.metrics._units import current_claim_ids

if TYPE_CHECKING:
    from telekit._core._remittances import Remittances
    from telekit._engine._result import AuditResult
    from telekit._policies._model import Policies

__all__ = ["CHARTS", "FILTERS", "KPIS", "MONEY_KPIS", "DashboardState", "Filters", "Kpi"]

#: The tiles of the audit's money, one per kind (DESIGN §4: never added together).
MONEY_KPIS: Final = EXPOSURE_KINDS
#: The KPI tiles, in display order: name -> label (the revenue cycle, then the audit's money).
KPIS: Final = {
    "ar_outstanding": "A/R",
    "days_in_ar": "Days in A/R (gross, MGMA)",
    "net_collection_rate": "Net collection rate",
    "initial_denial_rate": "Initial denial rate",
    "pct_ar_over_90": "A/R over 90 days",
    "overpayment": "Overpaid",
    "denied": "Denied",
    "at_risk": "At risk",
    "underpayment": "Underpaid",
}
#: The charts, in display order: name -> what it shows (``telekit.charts`` function names).
CHARTS: Final = {
    "denial_rate_by_month": "Initial denial rate by month",
    "ar_aging": "Open A/R by age, payer and patient apart",
    "collection_rates_by_payer": "Collection rates by payer",
    "denial_pareto": "Denied dollars by reason",
    "telehealth_mix_over_time": "Telehealth mix by month",
    "exposure_by_provider": "Money by provider and kind (clinician findings only)",
}
#: The filters: date range (``date_from``, ``date_to``), payer, provider, modality.
FILTERS: Final = ("date_from", "date_to", "payer", "provider", "modality")

_HELP: Final = {
    "ar_outstanding": "Open balance of the current claim lines (one receivable per service): "
    "owed by payers (payer A/R) and by patients — their responsibility and self-pay balances "
    "(patient A/R) — shown apart (metrics.revenue_cycle: ar_outstanding, ar_payer, ar_patient)",
    "days_in_ar": "Gross days in A/R, as MGMA defines it: open A/R ÷ average daily charges of "
    "the 90 days ending on as_of (metrics.revenue_cycle: days_in_ar)",
    "net_collection_rate": "(Payer paid + patient payments) ÷ (billed − contractual "
    "adjustments only; denial write-offs are not deducted), per MGMA's adjusted collection "
    "rate (metrics.revenue_cycle: net_collection_rate)",
    "initial_denial_rate": "Claims denied on their first adjudication ÷ claims adjudicated "
    "(metrics.revenue_cycle: initial_denial_rate)",
    "pct_ar_over_90": "Open A/R on claims submitted more than 90 days before as_of ÷ open A/R "
    "(metrics.revenue_cycle: pct_ar_over_90)",
    **{
        kind: f"{EXPOSURE_MEANING[kind]} Each claim line once, at its largest amount "
        "(AuditResult.exposure())."
        for kind in EXPOSURE_KINDS
    },
}
#: How many payer values the "without a policy entry" note names before "and N more".
UNLISTED_SHOWN: Final = 8
_CACHE_SIZE = 32
_T = TypeVar("_T")
_CLAIM_DOS = "_claim_dos"
_CLAIM_PAYER = "_claim_payer"


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: ``None`` is "any" (an open end for the dates)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    payer: str | None = None
    provider: str | None = None
    modality: str | None = None

    def describe(self) -> str:
        """``payer MEDICARE, provider 1234567893, DOS 2024-01-01 to 2024-12-31`` (or ``all
        claims``)."""
        parts = [
            f"{name} {value}"
            for name, value in (
                ("payer", self.payer),
                ("provider", self.provider),
                ("modality", self.modality),
            )
            if value is not None
        ]
        if self.date_from is not None or self.date_to is not None:
            start = self.date_from.isoformat() if self.date_from else "the first"
            end = self.date_to.isoformat() if self.date_to else "the last"
            parts.append(f"DOS {start} to {end}")
        return ", ".join(parts) or "all claims"


@dataclass(frozen=True)
class Kpi:
    """One KPI tile: ``value`` is the exact figure (a rate in [0, 1], days, or dollars as
    ``Decimal``; ``None`` when it cannot be computed), ``text`` the tile's value as shown,
    ``note`` the line under it, ``help`` its definition."""

    name: str
    label: str
    value: float | Decimal | None
    text: str
    note: str
    help: str


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _dollars(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def _optional_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _optional_money(value: object) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


class DashboardState:
    """The figures and charts of a practice's billing performance for the current filters.

    ``claims``, ``encounters``, ``patient_payments``: a ``telekit.Table``, a frame or a path;
    ``remittances``: a ``telekit.Remittances`` or a path; ``as_of``: the date the figures are
    taken at (a ``date`` or ISO string). ``audit``: a ``telekit.AuditResult`` of the same claims
    (the money tiles — overpaid, denied, at risk, underpaid — and the money-by-provider chart;
    its payer policies and provider roster by default).
    ``policies``: payer aliases for the payer filter (default: the audit's, else payers as
    written). ``charts``: the chart names to build (default: every name in ``CHARTS`` whose
    inputs are given).
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
        self.as_of = as_date(as_of)
        self.audit = audit
        self.policies = policies if policies is not None else getattr(audit, "policies", None)
        frame = as_frame("claims", claims)
        if self.policies is not None:
            frame = frame.with_columns(self.policies.payer_key(c.PAYER).alias(c.PAYER))
        self.claims: pl.DataFrame = frame
        self.remittances: Remittances = as_remittances(remittances)
        self.encounters = None if encounters is None else as_frame("encounters", encounters)
        self.patient_payments = (
            None if patient_payments is None else as_frame("patient_payments", patient_payments)
        )
        self.chart_names = self._chart_names(charts)
        self._claim_index = self._index_claims()
        self._current_ids = current_claim_ids(
            lg.build(self.claims, self.remittances, self.as_of, policies=self.policies)
        )
        self._lines = self._index_lines()
        self._filters = Filters()
        self._cache: dict[Filters, dict[str, object]] = {}

    # --- inputs and options ------------------------------------------------------------------

    def _chart_names(self, names: Iterable[str] | None) -> tuple[str, ...]:
        if names is None:
            return tuple(n for n in CHARTS if n != "exposure_by_provider" or self.audit is not None)
        chosen = tuple(names)
        unknown = [n for n in chosen if n not in CHARTS]
        if unknown:
            msg = (
                f"charts: unknown chart {', '.join(map(repr, unknown))} "
                f"(expected some of: {', '.join(CHARTS)})"
            )
            raise ValueError(msg)
        if "exposure_by_provider" in chosen and self.audit is None:
            msg = "charts: 'exposure_by_provider' needs audit=tk.audit(...)"
            raise ValueError(msg)
        return tuple(n for n in CHARTS if n in chosen)

    def _index_claims(self) -> pl.DataFrame:
        """One row per claim: its DOS (earliest line's) and payer (first line's)."""
        return (
            self.claims.sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
            .group_by(c.CLAIM_ID, maintain_order=True)
            .agg(
                pl.col(c.CLAIM_LINE_START_DATE).min().alias(_CLAIM_DOS),
                pl.col(c.PAYER).first().alias(_CLAIM_PAYER),
            )
        )

    def _index_lines(self) -> pl.DataFrame:
        """claim_id, rendering_npi and (with encounters) the line's encounter modality."""
        lines = self.claims.select(
            c.CLAIM_ID, c.RENDERING_NPI, c.PERSON_ID, c.ENCOUNTER_ID, c.CLAIM_LINE_START_DATE
        )
        if self.encounters is not None:
            lines = with_modality(lines, self.encounters)
        else:
            lines = lines.with_columns(pl.lit(None, pl.String).alias(c.MODALITY))
        return lines.select(c.CLAIM_ID, c.RENDERING_NPI, c.MODALITY)

    def options(self) -> dict[str, list[str]]:
        """The values each dropdown filter offers (sorted; modality in the contract's order and
        empty without encounters)."""
        payers = self._claim_index.get_column(_CLAIM_PAYER).drop_nulls().unique().sort()
        providers = self._lines.get_column(c.RENDERING_NPI).drop_nulls().unique().sort()
        present = set(self._lines.get_column(c.MODALITY).drop_nulls().unique().to_list())
        return {
            "payer": payers.to_list(),
            "provider": providers.to_list(),
            "modality": [m for m in c.MODALITIES if m in present],
        }

    def provider_names(self) -> dict[str, str]:
        """NPI -> provider name, from the audit's roster (empty without one)."""
        roster = getattr(self.audit, "providers", None)
        if roster is None or c.PROVIDER_NAME not in roster.columns:
            return {}
        named = roster.select(c.NPI, c.PROVIDER_NAME).drop_nulls().unique(c.NPI, keep="first")
        return dict(zip(named.get_column(c.NPI), named.get_column(c.PROVIDER_NAME), strict=True))

    def date_bounds(self) -> tuple[dt.date | None, dt.date | None]:
        """The earliest and latest claim DOS in the data."""
        dos = self._claim_index.get_column(_CLAIM_DOS)
        low, high = dos.min(), dos.max()
        return (
            low if isinstance(low, dt.date) else None,
            high if isinstance(high, dt.date) else None,
        )

    # --- filters -----------------------------------------------------------------------------

    @property
    def filters(self) -> Filters:
        return self._filters

    def set_filters(self, **changes: dt.date | str | None) -> Filters:
        """Change some filters (``date_from``, ``date_to``, ``payer``, ``provider``,
        ``modality``; ``None`` or ``""`` means any) and return the new ``Filters``. A value
        the data does not hold, or a start after the end, raises ``ValueError`` and leaves the
        filters as they were."""
        unknown = [k for k in changes if k not in FILTERS]
        if unknown:
            msg = f"unknown filter {', '.join(unknown)} (expected: {', '.join(FILTERS)})"
            raise ValueError(msg)
        values: dict[str, object] = {}
        options = self.options()
        for name, given in changes.items():
            value = None if given == "" else given
            if name.startswith("date_"):
                values[name] = None if value is None else as_date(value, name)
                continue
            if value is not None and value not in options[name]:
                msg = (
                    f"{name}: no such value in the data "
                    f"({len(options[name])} to choose from; see .options()['{name}'])"
                )
                raise ValueError(msg)
            values[name] = value
        new = dataclasses.replace(self._filters, **values)  # type: ignore[arg-type]
        if new.date_from and new.date_to and new.date_from > new.date_to:
            msg = "date_from is after date_to: choose a start on or before the end"
            raise ValueError(msg)
        self._filters = new
        return new

    def reset(self) -> Filters:
        """Clear every filter."""
        self._filters = Filters()
        return self._filters

    # --- the selection -----------------------------------------------------------------------

    def selected_claim_ids(self) -> pl.Series:
        """The claim_id of every selected claim (module docstring), sorted."""
        f = self._filters
        index = self._claim_index
        if f.date_from is not None:
            index = index.filter(pl.col(_CLAIM_DOS) >= f.date_from)
        if f.date_to is not None:
            index = index.filter(pl.col(_CLAIM_DOS) <= f.date_to)
        if f.payer is not None:
            index = index.filter(pl.col(_CLAIM_PAYER) == f.payer)
        if f.provider is not None or f.modality is not None:
            lines = self._lines
            if f.provider is not None:
                lines = lines.filter(pl.col(c.RENDERING_NPI) == f.provider)
            if f.modality is not None:
                lines = lines.filter(pl.col(c.MODALITY) == f.modality)
            index = index.join(lines.select(c.CLAIM_ID), on=c.CLAIM_ID, how="semi")
        return index.get_column(c.CLAIM_ID).sort()

    def selected_claims(self) -> pl.DataFrame:
        """Every line of the selected claims (canonical claim columns; payer as its key)."""
        return self._memo("claims", self._selected_claims)

    def _selected_claims(self) -> pl.DataFrame:
        if self._filters == Filters():
            return self.claims
        ids = self.selected_claim_ids()
        return self.claims.filter(pl.col(c.CLAIM_ID).is_in(ids.implode()))

    def _memo(self, key: str, compute: Callable[[], _T]) -> _T:
        entry = self._cache.get(self._filters)
        if entry is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            entry = self._cache[self._filters] = {}
        if key not in entry:
            entry[key] = compute()
        return entry[key]  # type: ignore[return-value]

    def revenue_cycle(self, by: str | Sequence[str] | None = None) -> pl.DataFrame:
        """``metrics.revenue_cycle`` over the selected claims (one row without ``by``)."""
        key = "revenue_cycle" if by is None else f"revenue_cycle:{by!r}"
        return self._memo(
            key,
            lambda: metrics.revenue_cycle(
                self.selected_claims(),
                self.remittances,
                as_of=self.as_of,
                by=by,
                encounters=self.encounters,
                patient_payments=self.patient_payments,
                policies=self.policies,
            ),
        )

    def unlisted_payers(self) -> list[str]:
        """The payer values of the claims (canonical) that have no ``[payer.X]`` entry nor
        alias in the policies, sorted (``Policies.unlisted_payers``); empty without policies.
        """
        if self.policies is None:
            return []
        return self.policies.unlisted_payers(self.options()["payer"])

    def payer_note(self) -> str:
        """One line naming the payer values found without a policy entry ("" when none)."""
        unlisted = self.unlisted_payers()
        if not unlisted:
            return ""
        shown = ", ".join(unlisted[:UNLISTED_SHOWN])
        more = len(unlisted) - UNLISTED_SHOWN
        if more > 0:
            shown += f" and {more:,} more"
        what = "value" if len(unlisted) == 1 else "values"
        return (
            f"Payer {what} found without a policy entry: {shown} (add a [payer.X] table, or "
            "an alias of a payer it is, to the policy file)."
        )

    def findings(self) -> pl.DataFrame | None:
        """The audit's findings on the selected claims (``None`` without an audit)."""
        if self.audit is None:
            return None
        audit = self.audit
        return self._memo(
            "findings",
            lambda: audit.findings.filter(
                pl.col(c.CLAIM_ID).is_in(self.selected_claim_ids().implode())
            ),
        )

    def exposure(self) -> pl.DataFrame | None:
        """The audit's money on the selected claims, one row per kind (overpayment, denied,
        at_risk, underpayment): exposure, lines, amount — each claim line once per kind, at its
        largest amount in the kind, as ``AuditResult.exposure()`` counts the whole practice
        (``None`` without an audit)."""
        findings = self.findings()
        if findings is None:
            return None
        return self._memo("exposure", lambda: exposure_totals(findings))

    def clinician_findings(self) -> pl.DataFrame | None:
        """The selected findings a clinician answers for (``responsibility`` ``clinician``):
        what any by-provider figure counts; billing findings belong to the billing team."""
        findings = self.findings()
        if findings is None:
            return None
        return findings.filter(pl.col("responsibility") == "clinician")

    # --- what is shown -----------------------------------------------------------------------

    def kpis(self) -> dict[str, Kpi]:
        """The KPI tiles for the current filters, in ``KPIS`` order."""
        return self._memo("kpis", self._kpis)

    def _kpis(self) -> dict[str, Kpi]:
        row = self.revenue_cycle().row(0, named=True)
        adjudicated = int(row["claims_adjudicated"] or 0)
        ar = _optional_money(row["ar_outstanding"])
        ar_text = _dollars(ar)
        parts = (
            "—"
            if ar is None
            else f"payer {_dollars(_optional_money(row['ar_payer']))} · "
            f"patient {_dollars(_optional_money(row['ar_patient']))}"
        )
        denial = _optional_float(row["initial_denial_rate"])
        net = _optional_float(row["net_collection_rate"])
        days = _optional_float(row["days_in_ar"])
        over_90 = _optional_float(row["pct_ar_over_90"])
        exposure = self.exposure()
        money = (
            {} if exposure is None else {row[0]: (row[1], row[2]) for row in exposure.iter_rows()}
        )
        shown: dict[str, tuple[float | Decimal | None, str, str]] = {
            "ar_outstanding": (ar, ar_text, parts),
            "days_in_ar": (
                days,
                "—" if days is None else f"{days:,.1f}",
                f"of open A/R {ar_text}",
            ),
            "net_collection_rate": (
                net,
                _percent(net),
                f"of {int(row['claims_submitted'] or 0):,} submitted claims",
            ),
            "initial_denial_rate": (
                denial,
                _percent(denial),
                f"of {adjudicated:,} adjudicated claims",
            ),
            "pct_ar_over_90": (over_90, _percent(over_90), f"of open A/R {ar_text}"),
        }
        for kind in MONEY_KPIS:
            lines, amount = money.get(kind, (0, None))
            shown[kind] = (
                amount,
                _dollars(amount),
                "needs an audit"
                if amount is None
                else f"{lines:,} claim line{'' if lines == 1 else 's'}",
            )
        return {
            name: Kpi(name, label, shown[name][0], shown[name][1], shown[name][2], _HELP[name])
            for name, label in KPIS.items()
        }

    def selected_services(self) -> int:
        """How many selected claims are current services (DESIGN §6 "one receivable per
        service"): voids, the claims they void and replaced originals are not counted."""
        return int(self.selected_claim_ids().is_in(self._current_ids.implode()).sum())

    def summary(self) -> str:
        """``412 of 1,509 claims · payer MEDICARE · as of 2026-10-30``: current claims (one per
        service: no voids, no voided or replaced originals), selected of all."""
        selected = self.selected_services()
        total = self._current_ids.len()
        return (
            f"{selected:,} of {total:,} claims · {self._filters.describe()} · "
            f"as of {self.as_of.isoformat()}"
        )

    def chart(self, name: str) -> alt.Chart:
        """One chart (a name of ``CHARTS``) for the current filters."""
        if name not in self.chart_names:
            msg = f"chart {name!r} is not on this dashboard (it has: {', '.join(self.chart_names)})"
            raise ValueError(msg)
        return self._memo(f"chart:{name}", lambda: self._build_chart(name))

    def charts(self) -> dict[str, alt.Chart]:
        """Every chart of the dashboard for the current filters, in ``CHARTS`` order."""
        return {name: self.chart(name) for name in self.chart_names}

    def _build_chart(self, name: str) -> alt.Chart:
        builders: Mapping[str, Callable[[], alt.Chart]] = {
            "denial_rate_by_month": lambda: ch.denial_rate_by_month(self.revenue_cycle("month")),
            "ar_aging": lambda: ch.ar_aging(self.revenue_cycle("financial_class")),
            "collection_rates_by_payer": lambda: ch.collection_rates_by_payer(
                self.revenue_cycle(c.PAYER)
            ),
            "denial_pareto": lambda: ch.denial_pareto(
                metrics.denials(self.selected_claims(), self.remittances, as_of=self.as_of)
            ),
            "telehealth_mix_over_time": lambda: ch.telehealth_mix_over_time(
                metrics.telehealth_mix(self.selected_claims(), self.encounters, by="month")
            ),
            "exposure_by_provider": self._exposure_chart,
        }
        return builders[name]()

    def _exposure_chart(self) -> alt.Chart:
        findings = self.clinician_findings()
        assert findings is not None  # the chart is only offered with an audit
        roster = getattr(self.audit, "providers", None)
        return ch.exposure_by_provider(findings, providers=roster)
