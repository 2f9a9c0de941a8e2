"""Shared pieces of the charts: formats, colours, the frame check and axis helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import altair as alt
import polars as pl

from telekit._core._exceptions import MissingColumnError

MONEY_FORMAT: Final = "$,.0f"
PERCENT_FORMAT: Final = ".0%"
MONTH_FORMAT: Final = "%b %Y"

#: Fixed colours so a severity reads the same on every chart.
SEVERITY_COLORS: Final = {"error": "#c0392b", "warning": "#e67e22", "info": "#2e86c1"}
_ALERT = "#c0392b"
_CALM = "#7f8c8d"
_BLUE = "#2e86c1"
_LABEL_LIMIT = 360  # px: long rule names and payer names are not cut
_WIDTH = 560

MONTH = "month"


Frame = pl.DataFrame | pl.LazyFrame


# --- helpers -----------------------------------------------------------------------------------


def _frame(data: Frame, chart: str, needs: Sequence[str]) -> pl.DataFrame:
    df = data.collect() if isinstance(data, pl.LazyFrame) else data
    missing = [n for n in needs if n not in df.columns]
    if missing:
        msg = (
            f"{chart}: the frame has no column {', '.join(missing)} (found: "
            f"{', '.join(df.columns) or 'none'}); pass the frame the function's docstring names"
        )
        raise MissingColumnError(msg)
    return df


def _title(text: str, subtitle: str | Sequence[str] | None = None) -> alt.TitleParams:
    kwargs: dict[str, Any] = {"anchor": "start", "fontSize": 16, "subtitleFontSize": 12}
    if subtitle is not None:
        kwargs["subtitle"] = subtitle if isinstance(subtitle, str) else list(subtitle)
        kwargs["subtitleColor"] = "#555555"
    return alt.TitleParams(text, **kwargs)


def _money(expr: pl.Expr) -> pl.Expr:
    """Money for drawing only (Decimal does not serialise to Vega-Lite): dollars as Float64."""
    return expr.cast(pl.Float64)


def _empty_note(df: pl.DataFrame, what: str) -> str | None:
    return f"No {what} in the data given." if df.is_empty() else None


def _max(series: pl.Series) -> float:
    """The largest value as a float (0.0 for an empty or all-null series)."""
    value = series.cast(pl.Float64).max()
    return float(value) if isinstance(value, int | float) else 0.0


def _month_ticks(months: pl.Series, most: int = 12) -> alt.TickCount:
    """One tick per month, or every k-th month so that at most ``most`` ticks are drawn (a
    plain tick count would put several ticks in one month and repeat its label)."""
    first, last = months.min(), months.max()
    span = 1
    if isinstance(first, dt.date) and isinstance(last, dt.date):
        span = (last.year - first.year) * 12 + last.month - first.month + 1
    step = max(1, -(-span // most))
    return alt.TimeIntervalStep(interval="month", step=step)


def _bar_height(n: int) -> alt.Step:
    del n
    return alt.Step(22)
