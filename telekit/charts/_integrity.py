"""Integrity charts: each provider's OIG telehealth measures against the OIG thresholds."""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from telekit._core import _columns as c
from telekit.charts._common import (
    _ALERT,
    _CALM,
    _WIDTH,
    PERCENT_FORMAT,
    Frame,
    _frame,
    _max,
    _title,
)
from telekit.integrity import MEASURES, Measure


def _value_text(unit: str) -> pl.Expr:
    value, threshold = pl.col("value"), pl.col("threshold")
    if unit == "share":
        return pl.format(
            "{}% (OIG {}%)",
            (value * 100).round(0).cast(pl.Int64),
            (threshold * 100).round(0).cast(pl.Int64),
        )
    return pl.format(
        "{} (OIG {})", value.round(0).cast(pl.Int64), threshold.round(0).cast(pl.Int64)
    )


_OPERATOR_TEXT: Final = {
    ">=": "at least",
    ">": "more than",
    "==": "exactly",
    "<=": "at most",
    "<": "under",
}


def _panel_title(measure: Measure, df: pl.DataFrame) -> str:
    """``1. Telehealth visits also billed with a facility fee (Q3014) — OIG: at least 75%``:
    the threshold from the frame, the operator the measure's default."""
    thresholds = df.get_column(f"{measure.name}_threshold").drop_nulls()
    value = float(thresholds[0]) if thresholds.len() else measure.default.value
    shown = f"{value * 100:g}%" if measure.unit == "share" else f"{value:,g} {measure.unit}"
    return (
        f"{measure.number}. {measure.title} — OIG threshold: "
        f"{_OPERATOR_TEXT[measure.default.operator]} {shown}"
    )


def oig_measures_vs_thresholds(oig: Frame, *, year: int | None = None, top: int = 15) -> alt.Chart:
    """Each provider's OIG measures as a share of the OIG threshold (100% = at the threshold).

    ``oig``: ``telekit.integrity.oig_measures(...)``. One panel per measure, one bar per
    provider (rendering NPI), red where the measure is exceeded. ``year``: the calendar year
    drawn (default: the latest in the frame). The ``top`` providers closest to (or past) a
    threshold are drawn. Measures that cannot be computed from the data are named in the
    subtitle instead of drawn as zero.
    """
    names = [m.name for m in MEASURES]
    needs = [c.RENDERING_NPI, "year"] + [
        f"{n}{suffix}" for n in names for suffix in ("", "_threshold", "_exceeded")
    ]
    df = _frame(oig, "oig_measures_vs_thresholds", needs)
    if year is None and df.height:
        year = int(df.get_column("year").max())  # type: ignore[arg-type]
    df = df.filter(pl.col("year") == year) if year is not None else df.clear()
    panel = {m.name: _panel_title(m, df) for m in MEASURES}
    long = pl.concat(
        [
            df.select(
                pl.col(c.RENDERING_NPI).cast(pl.String).alias("provider"),
                pl.lit(panel[m.name]).alias("measure"),
                pl.lit(m.unit).alias("unit"),
                pl.col(m.name).cast(pl.Float64).alias("value"),
                pl.col(f"{m.name}_threshold").cast(pl.Float64).alias("threshold"),
                pl.col(f"{m.name}_exceeded").alias("exceeded"),
            )
            for m in MEASURES
        ],
        how="vertical",
    ).with_columns(
        pl.when(pl.col("threshold") > 0)
        .then(pl.col("value") / pl.col("threshold"))
        .alias("of_threshold")
    )
    computed = long.filter(pl.col("value").is_not_null())
    missing = [
        f"{m.number}. {m.title}"
        for m in MEASURES
        if computed.filter(pl.col("measure") == panel[m.name]).is_empty()
    ]
    closest = (
        computed.group_by("provider")
        .agg(pl.col("of_threshold").max().alias("_max"))
        .sort(["_max", "provider"], descending=[True, False], nulls_last=True)
        .head(top)
        .get_column("provider")
    )
    bars = (
        computed.filter(pl.col("provider").is_in(closest.implode()))
        .with_columns(
            pl.when(pl.col("exceeded"))
            .then(pl.lit("Past the OIG threshold"))
            .otherwise(pl.lit("Within the threshold"))
            .alias("status"),
            pl.when(pl.col("unit") == "share")
            .then(_value_text("share"))
            .otherwise(_value_text("count"))
            .alias("value_text"),
        )
        .sort("measure", "provider")
    )
    largest = _max(bars.get_column("of_threshold"))
    x_max = max(1.25, min(largest, 3.0))  # 100% always visible; beyond 300% bars are clamped
    ticks = [i / 4 for i in range(int(x_max * 4) + 1)]
    at_threshold = "datum.value === 1"
    lines = [
        f"{year if year is not None else 'No year'}, by rendering NPI. "
        "Bar = the provider's value ÷ the OIG threshold; red line = the threshold",
    ]
    lines.extend(f"Not computable from these data: {m}" for m in missing)
    if bars.is_empty():
        lines.append("No provider has a computable measure.")
    chart: alt.Chart = (
        alt.Chart(bars, width=_WIDTH - 80, height=alt.Step(14))
        .mark_bar()
        .encode(
            y=alt.Y("provider:N", title=None, sort=closest.to_list()),
            x=alt.X(
                "of_threshold:Q",
                title="Provider's value as a share of the OIG threshold (100% = at the threshold)",
                scale=alt.Scale(domain=[0, x_max], clamp=True),
                axis=alt.Axis(
                    format=PERCENT_FORMAT,
                    values=ticks,
                    gridColor=alt.condition(at_threshold, alt.value(_ALERT), alt.value("#dddddd")),
                    gridWidth=alt.condition(at_threshold, alt.value(2), alt.value(1)),
                ),
            ),
            row=alt.Row(
                "measure:N",
                title=None,
                sort=[panel[m.name] for m in MEASURES],
                header=alt.Header(
                    labelOrient="top",
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelFontSize=12,
                    labelFontWeight="bold",
                    labelLimit=600,
                    labelPadding=4,
                ),
            ),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(
                    domain=["Past the OIG threshold", "Within the threshold"],
                    range=[_ALERT, _CALM],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("provider:N", title="Rendering NPI"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value_text:N", title="Value (threshold)"),
                alt.Tooltip("of_threshold:Q", title="Share of threshold", format=".0%"),
            ],
        )
        .properties(title=_title("Providers against the OIG telehealth integrity measures", lines))
    )
    return chart
