"""The engagement's labels: the practice, the service period and who prepared the audit
(``--practice``, ``--period FROM..TO``, ``--prepared-by``). They live in summary.json's top-level
keys ``practice``, ``prepared_by`` and ``period`` (``{"from", "to"}``; each null when not
given) and label report.html's header and findings.xlsx's Summary sheet.

The period is what the audit covered: ``telekit report --period`` cannot re-audit, so it is
accepted only when it is the audit's own period (``check_period``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telekit._core._dates import Period, PeriodInput, as_optional_period
from telekit._core._exceptions import InputError


@dataclass(frozen=True)
class Labels:
    """The practice's name, the service period audited and the preparer (None: not given)."""

    practice: str | None = None
    period: Period | None = None
    prepared_by: str | None = None

    @classmethod
    def of_summary(cls, summary: Mapping[str, Any]) -> Labels:
        """The labels summary.json holds (an older OUT without them has none)."""
        return cls(
            practice=_text(summary.get("practice")),
            period=_period(summary.get("period")),
            prepared_by=_text(summary.get("prepared_by")),
        )

    def updated(
        self,
        *,
        practice: str | None = None,
        period: PeriodInput | None = None,
        prepared_by: str | None = None,
    ) -> Labels:
        """These labels with the ones given replacing them (``period`` checked against the
        audit's: ``check_period``)."""
        span = as_optional_period(period)
        if span is not None:
            check_period(self.period, span)
        return Labels(
            practice=_text(practice) or self.practice,
            period=span or self.period,
            prepared_by=_text(prepared_by) or self.prepared_by,
        )

    def summary_keys(self) -> dict[str, Any]:
        """summary.json's three keys (always present; null when not given)."""
        return {
            "practice": self.practice,
            "prepared_by": self.prepared_by,
            "period": self.period.as_dict() if self.period is not None else None,
        }

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) of those given, in the order the outputs show them."""
        rows = [("Practice", self.practice)]
        rows.append(("Service period", self.period.label() if self.period else None))
        rows.append(("Prepared by", self.prepared_by))
        return [(k, v) for k, v in rows if v]

    def meta(self) -> str:
        """``Service period 2026-01-01 to 2026-03-31 · Prepared by X``: the report header's
        line before the run's date ("" without them)."""
        parts = []
        if self.period is not None:
            parts.append(f"Service period {self.period.label()}")
        if self.prepared_by:
            parts.append(f"Prepared by {self.prepared_by}")
        return " · ".join(parts)


def check_period(audited: Period | None, given: Period) -> None:
    """``telekit report --period`` (and ``render(period=...)``) label what was audited; they
    cannot re-audit, so a period other than the audit's is refused with how to get it."""
    if audited == given:
        return
    what = (
        f"the service period {audited.label()}"
        if audited is not None
        else "every date of service (no --period)"
    )
    msg = (
        f"--period {given.start.isoformat()}..{given.end.isoformat()}: this audit covered "
        f"{what}, and a report cannot re-audit; run `telekit audit ... --period "
        f"{given.start.isoformat()}..{given.end.isoformat()}` for that period"
    )
    raise InputError(msg)


def _text(value: Any) -> str | None:
    """A label's text, trimmed (None when empty or not a string)."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _period(value: Any) -> Period | None:
    """summary.json's ``period`` (None when absent or not readable)."""
    if not isinstance(value, Mapping):
        return None
    try:
        return Period(dt.date.fromisoformat(value["from"]), dt.date.fromisoformat(value["to"]))
    except (KeyError, TypeError, ValueError):
        return None
