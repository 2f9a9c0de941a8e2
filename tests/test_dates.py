"""One as_of parsing (``telekit._core._dates``) for every entry point that takes a date argument:
a wrong text is an ``InputError`` that is also a ``ValueError``, a wrong type an ``InputError``
that is also a ``TypeError``, and a ``datetime`` becomes its ``date``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import telekit as tk
from telekit import metrics
from telekit._core._dates import as_date, as_optional_date
from telekit._core._exceptions import DateError, DateTypeError, InputError
from telekit.dashboard import DashboardState

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def inputs() -> tuple[tk.Table, tk.Remittances]:
    return (
        tk.read_claims(SAMPLES / "claims.csv"),
        tk.read_remittances(SAMPLES / "remittances.csv", adjustments=SAMPLES / "adjustments.csv"),
    )


def _entry_points(
    inputs: tuple[tk.Table, tk.Remittances],
) -> dict[str, Callable[[Any], object]]:
    claims, remits = inputs
    return {
        "reconcile": lambda as_of: tk.reconcile(claims, remits, as_of=as_of),
        "revenue_cycle": lambda as_of: metrics.revenue_cycle(claims, remits, as_of=as_of),
        "denials": lambda as_of: metrics.denials(claims, remits, as_of=as_of),
        "dashboard": lambda as_of: DashboardState(claims, remits, as_of=as_of),
    }


@pytest.mark.parametrize("entry", ["reconcile", "revenue_cycle", "denials", "dashboard"])
def test_every_entry_point_refuses_a_non_iso_date_the_same_way(
    inputs: tuple[tk.Table, tk.Remittances], entry: str
) -> None:
    call = _entry_points(inputs)[entry]
    with pytest.raises(DateError, match="as_of must be a date or an ISO date") as bad:
        call("31/12/2024")
    assert isinstance(bad.value, InputError)
    assert isinstance(bad.value, ValueError)
    assert "31/12/2024" not in str(bad.value)  # the value is never echoed
    with pytest.raises(DateTypeError, match="as_of") as wrong:
        call(20241231)
    assert isinstance(wrong.value, InputError)
    assert isinstance(wrong.value, TypeError)


def test_a_datetime_becomes_its_date(inputs: tuple[tk.Table, tk.Remittances]) -> None:
    moment = dt.datetime(2026, 10, 30, 17, 45, tzinfo=dt.UTC)
    calls = _entry_points(inputs)
    rec = calls["reconcile"](moment)
    assert isinstance(rec, tk.Reconciliation)
    assert type(rec.as_of) is dt.date
    assert rec.as_of == dt.date(2026, 10, 30)
    dash = calls["dashboard"](moment)
    assert isinstance(dash, DashboardState)
    assert type(dash.as_of) is dt.date
    assert metrics.revenue_cycle(inputs[0], inputs[1], as_of=moment).equals(
        metrics.revenue_cycle(inputs[0], inputs[1], as_of=dt.date(2026, 10, 30))
    )


def test_as_date() -> None:
    assert as_date(dt.date(2024, 12, 31)) == dt.date(2024, 12, 31)
    assert as_date(" 2024-12-31 ") == dt.date(2024, 12, 31)
    assert type(as_date(dt.datetime(2024, 12, 31, 8, 0))) is dt.date  # noqa: DTZ001
    assert as_optional_date(None) is None
    assert as_optional_date("2024-12-31") == dt.date(2024, 12, 31)
    with pytest.raises(DateError, match=r"^date_from must be a date or an ISO date string"):
        as_date("2024-13-01", "date_from")
    with pytest.raises(DateTypeError, match="found list"):
        as_date([2024, 12, 31])  # type: ignore[arg-type]
