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
- ``ar_aging(revenue_cycle)`` — any ``metrics.revenue_cycle(...)`` frame
- ``collection_rates_by_payer(revenue_cycle)`` — ``metrics.revenue_cycle(..., by="payer")``
- ``telehealth_mix_over_time(mix)`` — ``metrics.telehealth_mix(..., by="month")``
- ``findings_by_rule(result)`` — an ``AuditResult``, its ``.summary()`` or its ``.findings``
- ``dollars_at_risk_by_provider(result)`` — an ``AuditResult`` or its ``.findings``
- ``oig_measures_vs_thresholds(oig)`` — ``integrity.oig_measures(...)``
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final, Protocol

import altair as alt
import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import MissingColumnError
from telekit.integrity import MEASURES, Measure

__all__ = [
    "MIX_LABELS",
    "MONEY_FORMAT",
    "PERCENT_FORMAT",
    "SEVERITY_COLORS",
    "ar_aging",
    "collection_rates_by_payer",
    "denial_pareto",
    "denial_rate_by_month",
    "dollars_at_risk_by_provider",
    "findings_by_rule",
    "oig_measures_vs_thresholds",
    "telehealth_mix_over_time",
]

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
AR_BUCKETS: Final = (
    ("ar_0_30", "0–30 days"),
    ("ar_31_60", "31–60 days"),
    ("ar_61_90", "61–90 days"),
    ("ar_91_120", "91–120 days"),
    ("ar_over_120", "Over 120 days"),
)


class _HasFindings(Protocol):
    findings: pl.DataFrame
    providers: pl.DataFrame | None

    def summary(self) -> pl.DataFrame: ...


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


# --- revenue cycle -----------------------------------------------------------------------------


def denial_rate_by_month(revenue_cycle: Frame, *, by: str | None = None) -> alt.Chart:
    """Initial denial rate per month of service, as a line with points.

    ``revenue_cycle``: ``telekit.metrics.revenue_cycle(..., by="month")`` (columns ``month``,
    ``initial_denial_rate`` and, when present, ``initial_denial_rate_dollars``: both are drawn,
    by claims and by dollars). With ``by`` (e.g. ``by="payer"`` on a frame from
    ``by=["month", "payer"]``) one line per value of that column is drawn, by claims only.
    Months with no adjudicated claim (a null rate) are left out.
    """
    needs = [MONTH, "initial_denial_rate", *([by] if by else [])]
    df = _frame(revenue_cycle, "denial_rate_by_month", needs)
    if by is None and df.get_column(MONTH).is_duplicated().any():
        msg = (
            "denial_rate_by_month: several rows per month; pass by=<the other key column> "
            "or a frame from revenue_cycle(..., by='month')"
        )
        raise ValueError(msg)
    series = "series"
    if by is None:
        measures = {"initial_denial_rate": "Claims denied (share of claims)"}
        if "initial_denial_rate_dollars" in df.columns:
            measures["initial_denial_rate_dollars"] = "Dollars denied (share of billed charges)"
        long = df.select(MONTH, *measures).unpivot(
            on=list(measures), index=MONTH, variable_name=series, value_name="rate"
        )
        long = long.with_columns(pl.col(series).replace_strict(measures, return_dtype=pl.String))
        color_title = None
        order = list(measures.values())
    else:
        long = df.select(
            MONTH,
            pl.col(by).cast(pl.String).fill_null("(none)").alias(series),
            pl.col("initial_denial_rate").alias("rate"),
        )
        color_title = by.replace("_", " ").capitalize()
        order = sorted(long.get_column(series).unique().to_list())
    long = long.filter(pl.col("rate").is_not_null()).sort(series, MONTH)
    chart: alt.Chart = (
        alt.Chart(long, width=_WIDTH, height=280)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X(
                f"{MONTH}:T",
                title="Month of service",
                axis=alt.Axis(format=MONTH_FORMAT, tickCount=_month_ticks(long.get_column(MONTH))),
            ),
            y=alt.Y(
                "rate:Q",
                title="Initially denied",
                axis=alt.Axis(format=PERCENT_FORMAT),
                scale=alt.Scale(domainMin=0),
            ),
            color=alt.Color(
                f"{series}:N",
                title=color_title,
                sort=order,
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=_LABEL_LIMIT),
            ),
            tooltip=[
                alt.Tooltip(f"{MONTH}:T", title="Month", format=MONTH_FORMAT),
                alt.Tooltip(f"{series}:N", title="Series"),
                alt.Tooltip("rate:Q", title="Denied", format=".1%"),
            ],
        )
        .properties(
            title=_title(
                "Initial denial rate by month",
                "Claims denied on their first adjudication, by month of service (lower is better)",
            )
        )
    )
    return chart


def denial_pareto(denials: Frame, *, top: int = 12) -> alt.Chart:
    """Denied dollars by reason (CARC), largest first — a Pareto as horizontal bars.

    ``denials``: ``telekit.metrics.denials(...)`` (``group_code``, ``reason_code``, ``amount``,
    and ``reason_description``, ``claims`` when present). Rows are summed per group and reason
    (a frame with ``by`` keys is collapsed), the ``top`` reasons are drawn and the rest summed
    into one "All other reasons" bar. The bars that together make 80% of denied dollars (the
    "vital few", counting each bar whose preceding share is below 80%) are coloured; the
    cumulative share is in the tooltip.
    """
    df = _frame(denials, "denial_pareto", [c.GROUP_CODE, c.REASON_CODE, c.AMOUNT])
    desc = (
        pl.col("reason_description").drop_nulls().first()
        if "reason_description" in df.columns
        else pl.lit(None, dtype=pl.String)
    )
    claims = pl.col("claims").sum() if "claims" in df.columns else pl.lit(None, dtype=pl.Int64)
    per = (
        df.group_by(c.GROUP_CODE, c.REASON_CODE)
        .agg(_money(pl.col(c.AMOUNT)).sum().alias("amount"), desc.alias("desc"), claims.alias("n"))
        .filter(pl.col("amount") > 0)
        .sort(["amount", c.GROUP_CODE, c.REASON_CODE], descending=[True, False, False])
    )
    total = per.get_column("amount").sum() if per.height else 0.0
    code = pl.format("{}-{}", pl.col(c.GROUP_CODE), pl.col(c.REASON_CODE))
    short = (
        pl.when(pl.col("desc").str.len_chars() > 48)
        .then(pl.concat_str(pl.col("desc").str.slice(0, 47).str.strip_chars_end(), pl.lit("…")))
        .otherwise(pl.col("desc"))
    )
    label = (
        pl.when(pl.col("desc").is_not_null()).then(pl.format("{} {}", code, short)).otherwise(code)
    )
    bars = per.head(top).with_columns(label.alias("reason"))
    rest = per.slice(top)
    if rest.height:
        bars = pl.concat(
            [
                bars.select("reason", "amount", "n"),
                pl.DataFrame(
                    {
                        "reason": [f"All other reasons ({rest.height})"],
                        "amount": [rest.get_column("amount").sum()],
                        "n": [None],
                    },
                    schema={"reason": pl.String, "amount": pl.Float64, "n": bars.schema["n"]},
                ),
            ]
        )
    else:
        bars = bars.select("reason", "amount", "n")
    share = pl.col("amount") / total if total else pl.lit(None, dtype=pl.Float64)
    bars = bars.with_columns(share.cum_sum().alias("cumulative_share")).with_columns(
        pl.when((pl.col("cumulative_share") - share).fill_null(0.0) < 0.8 - 1e-9)
        .then(pl.lit("Reasons behind 80% of denied dollars"))
        .otherwise(pl.lit("Other reasons"))
        .alias("group")
    )
    order = bars.get_column("reason").to_list()
    chart: alt.Chart = (
        alt.Chart(bars, width=_WIDTH, height=_bar_height(bars.height))
        .mark_bar()
        .encode(
            y=alt.Y(
                "reason:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelLimit=_LABEL_LIMIT),
            ),
            x=alt.X(
                "amount:Q", title="Denied dollars", axis=alt.Axis(format=MONEY_FORMAT, tickCount=8)
            ),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(
                    domain=["Reasons behind 80% of denied dollars", "Other reasons"],
                    range=[_ALERT, _CALM],
                ),
                legend=alt.Legend(orient="bottom", labelLimit=_LABEL_LIMIT),
            ),
            tooltip=[
                alt.Tooltip("reason:N", title="Reason"),
                alt.Tooltip("amount:Q", title="Denied", format="$,.2f"),
                alt.Tooltip("cumulative_share:Q", title="Cumulative share", format=".0%"),
                alt.Tooltip("n:Q", title="Claims"),
            ],
        )
        .properties(
            title=_title(
                "Denied dollars by reason (CARC)",
                _empty_note(bars, "denied dollars")
                or "Group code-CARC and reason, largest first; red bars are the few reasons "
                "behind 80% of denied dollars",
            )
        )
    )
    return chart


def ar_aging(revenue_cycle: Frame, *, by: str | None = None) -> alt.Chart:
    """Open accounts receivable by age bucket (days since the claim was submitted).

    ``revenue_cycle``: any ``telekit.metrics.revenue_cycle(...)`` frame (columns ``ar_0_30``,
    ``ar_31_60``, ``ar_61_90``, ``ar_91_120``, ``ar_over_120``); rows are summed per bucket.
    Without ``by``, balances over 90 days are drawn in red; with ``by`` (e.g. ``"payer"``) the
    bars are stacked by that column.
    """
    cols = [col for col, _ in AR_BUCKETS]
    df = _frame(revenue_cycle, "ar_aging", [*cols, *([by] if by else [])])
    labels = dict(AR_BUCKETS)
    keys = [pl.col(by).cast(pl.String).fill_null("(none)").alias(by)] if by else []
    long = (
        df.select(*keys, *(_money(pl.col(col)).fill_null(0.0) for col in cols))
        .unpivot(on=cols, index=[by] if by else None, variable_name="bucket", value_name="amount")
        .with_columns(pl.col("bucket").replace_strict(labels, return_dtype=pl.String))
        .group_by(["bucket", *([by] if by else [])])
        .agg(pl.col("amount").sum())
        .with_columns(
            pl.when(pl.col("bucket").is_in(["91–120 days", "Over 120 days"]))
            .then(pl.lit("Over 90 days"))
            .otherwise(pl.lit("90 days or less"))
            .alias("age")
        )
        .sort("bucket", *([by] if by else []))
    )
    color = (
        alt.Color(f"{by}:N", title=by.replace("_", " ").capitalize(),
                  legend=alt.Legend(orient="right", labelLimit=_LABEL_LIMIT))
        if by
        else alt.Color(
            "age:N", title=None,
            scale=alt.Scale(domain=["90 days or less", "Over 90 days"], range=[_BLUE, _ALERT]),
            legend=alt.Legend(orient="bottom"),
        )
    )  # fmt: skip
    total = long.get_column("amount").sum() if long.height else 0.0
    chart: alt.Chart = (
        alt.Chart(long, width=_WIDTH, height=280)
        .mark_bar()
        .encode(
            x=alt.X(
                "bucket:O",
                sort=[label for _, label in AR_BUCKETS],
                title="Days since the claim was submitted",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("sum(amount):Q", title="Open balance", axis=alt.Axis(format=MONEY_FORMAT)),
            color=color,
            tooltip=[
                alt.Tooltip("bucket:O", title="Age"),
                *([alt.Tooltip(f"{by}:N")] if by else []),
                alt.Tooltip("sum(amount):Q", title="Open balance", format="$,.2f"),
            ],
        )
        .properties(
            title=_title(
                "Accounts receivable by age",
                f"Open balance ${total:,.0f}: billed, not yet paid or adjusted",
            )
        )
    )
    return chart


def collection_rates_by_payer(revenue_cycle: Frame) -> alt.Chart:
    """Gross and net collection rate per payer, side by side.

    ``revenue_cycle``: ``telekit.metrics.revenue_cycle(..., by="payer")`` (``payer``,
    ``gross_collection_rate``, ``net_collection_rate``). Payers are ordered by net rate, lowest
    first (the ones to chase on top). Null rates are left out.
    """
    rates = {
        "net_collection_rate": "Net (paid ÷ billed less contractual adjustments)",
        "gross_collection_rate": "Gross (paid ÷ billed)",
    }
    df = _frame(revenue_cycle, "collection_rates_by_payer", [c.PAYER, *rates])
    if df.get_column(c.PAYER).is_duplicated().any():
        msg = (
            "collection_rates_by_payer: several rows per payer; pass revenue_cycle(..., by='payer')"
        )
        raise ValueError(msg)
    order = (
        df.filter(
            pl.col("net_collection_rate").is_not_null()
            | pl.col("gross_collection_rate").is_not_null()
        )
        .sort("net_collection_rate", c.PAYER, nulls_last=True)
        .get_column(c.PAYER)
        .cast(pl.String)
        .to_list()
    )
    long = (
        df.select(pl.col(c.PAYER).cast(pl.String), *rates)
        .unpivot(on=list(rates), index=c.PAYER, variable_name="rate_name", value_name="rate")
        .with_columns(pl.col("rate_name").replace_strict(rates, return_dtype=pl.String))
        .filter(pl.col("rate").is_not_null())
    )
    chart: alt.Chart = (
        alt.Chart(long, width=_WIDTH, height=alt.Step(16))
        .mark_bar()
        .encode(
            y=alt.Y(
                f"{c.PAYER}:N",
                sort=order,
                title="Payer",
                axis=alt.Axis(labelLimit=_LABEL_LIMIT),
            ),
            yOffset=alt.YOffset("rate_name:N", sort=list(rates.values())),
            x=alt.X(
                "rate:Q",
                title="Collected",
                axis=alt.Axis(format=PERCENT_FORMAT),
                scale=alt.Scale(domain=[0, max(1.0, _max(long.get_column("rate")))]),
            ),
            color=alt.Color(
                "rate_name:N",
                title=None,
                sort=list(rates.values()),
                scale=alt.Scale(domain=list(rates.values()), range=[_BLUE, "#a9cce3"]),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=_LABEL_LIMIT),
            ),
            tooltip=[
                alt.Tooltip(f"{c.PAYER}:N", title="Payer"),
                alt.Tooltip("rate_name:N", title="Rate"),
                alt.Tooltip("rate:Q", title="Collected", format=".1%"),
            ],
        )
        .properties(
            title=_title(
                "Collection rates by payer",
                "Share of charges collected; lowest net rate on top",
            )
        )
    )
    return chart


#: How a ``telehealth_mix`` category reads on a chart, per dimension, in stacking order.
MIX_LABELS: Final = {
    "modality": {
        "audio_video": "Video visit",
        "audio_only": "Audio-only visit",
        "store_and_forward": "Store and forward",
        "portal": "Patient portal",
        "in_person": "In person",
        "unknown": "No encounter on file",
    },
    "place_of_service": {
        "02": "POS 02 telehealth (not at home)",
        "10": "POS 10 telehealth (at home)",
        "other": "Other place of service",
    },
}
_MIX_COLORS: Final = {
    "modality": ["#1f618d", "#5dade2", "#76d7c4", "#a3e4d7", "#bdc3c7", "#e5e7e9"],
    "place_of_service": ["#1f618d", "#5dade2", "#bdc3c7"],
}


def telehealth_mix_over_time(
    mix: Frame, *, dimension: str | None = None, measure: str = "charges"
) -> alt.Chart:
    """Telehealth mix per month: the share of charges (or lines) by modality or by POS class,
    stacked to 100%.

    ``mix``: ``telekit.metrics.telehealth_mix(..., by="month")`` (``month``, ``dimension``,
    ``category``, ``line_share``, ``charge_share``). ``dimension``: ``"modality"`` (the default
    when the frame has it, i.e. encounters were given) or ``"place_of_service"``. ``measure``:
    ``"charges"`` (default) or ``"lines"``. Unknown categories are drawn under their own name.
    """
    if measure not in ("charges", "lines"):
        msg = f"telehealth_mix_over_time: measure must be 'charges' or 'lines', found {measure!r}"
        raise ValueError(msg)
    share = "charge_share" if measure == "charges" else "line_share"
    df = _frame(mix, "telehealth_mix_over_time", [MONTH, "dimension", "category", share])
    present = set(df.get_column("dimension").unique().to_list())
    if dimension is None:
        dimension = "modality" if "modality" in present else "place_of_service"
    if df.height and dimension not in present:
        msg = (
            f"telehealth_mix_over_time: the frame has no {dimension!r} rows (found: "
            f"{', '.join(sorted(map(str, present)))}); modality needs telehealth_mix(..., "
            "encounters=...)"
        )
        raise ValueError(msg)
    extra = [
        k
        for k in df.columns
        if k
        not in (MONTH, "dimension", "category", "lines", "charges", "line_share", "charge_share")
    ]
    if extra:
        msg = (
            f"telehealth_mix_over_time: the frame has other keys ({', '.join(extra)}); pass "
            "telehealth_mix(..., by='month')"
        )
        raise ValueError(msg)
    labels = MIX_LABELS.get(dimension, {})
    rows = (
        df.filter(pl.col("dimension") == dimension)
        .select(
            MONTH,
            pl.col("category").cast(pl.String).alias("category"),
            pl.col(share).cast(pl.Float64).fill_null(0.0).alias("share"),
        )
        .with_columns(
            pl.col("category").replace_strict(labels, default=pl.col("category")).alias("label")
        )
        .sort(MONTH, "label")
    )
    order = [v for v in labels.values() if v in set(rows.get_column("label").to_list())]
    order += sorted(set(rows.get_column("label").to_list()) - set(order))
    palette = _MIX_COLORS.get(dimension, [])
    known = [lab for lab in order if lab in labels.values()]
    scale = (
        alt.Scale(domain=known, range=[palette[list(labels.values()).index(k)] for k in known])
        if known == order and palette
        else alt.Scale(scheme="tableau10")
    )
    what = "charges" if measure == "charges" else "claim lines"
    by_what = "visit modality" if dimension == "modality" else "place of service"
    chart: alt.Chart = (
        alt.Chart(rows, width=_WIDTH, height=280)
        .mark_bar()
        .encode(
            x=alt.X(
                f"yearmonth({MONTH}):T",
                title="Month of service",
                axis=alt.Axis(
                    format=MONTH_FORMAT,
                    labelAngle=-40,
                    tickCount=_month_ticks(rows.get_column(MONTH), most=16),
                ),
            ),
            y=alt.Y(
                "share:Q",
                title=f"Share of {what}",
                axis=alt.Axis(format=PERCENT_FORMAT),
                scale=alt.Scale(domain=[0, 1]),
                stack="zero",
            ),
            color=alt.Color(
                "label:N",
                title=by_what.capitalize(),
                sort=order,
                scale=scale,
                legend=alt.Legend(orient="right", labelLimit=_LABEL_LIMIT),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip(f"yearmonth({MONTH}):T", title="Month", format=MONTH_FORMAT),
                alt.Tooltip("label:N", title=by_what.capitalize()),
                alt.Tooltip("share:Q", title=f"Share of {what}", format=".1%"),
            ],
        )
        .transform_calculate(rank=f"indexof({order!r}, datum.label)")
        .properties(
            title=_title(
                f"Telehealth mix by month: {what} by {by_what}",
                _empty_note(rows, "claim lines") or f"Each month's {what} split 100%",
            )
        )
    )
    return chart


# --- audit -------------------------------------------------------------------------------------


def _summary_of(result: Any) -> pl.DataFrame:
    if isinstance(result, pl.DataFrame | pl.LazyFrame):
        df = result.collect() if isinstance(result, pl.LazyFrame) else result
        if "findings" in df.columns:
            return _frame(df, "findings_by_rule", ["rule_code", "findings"])
        df = _frame(df, "findings_by_rule", ["rule_code", "severity"])
        return df.group_by(
            "rule_code", *(["rule_name"] if "rule_name" in df.columns else []), "severity"
        ).agg(pl.len().cast(pl.Int64).alias("findings"))
    summary: pl.DataFrame = result.summary()
    return summary


#: Words of rule names shown in capitals on charts (``ctbs bundled with em`` → ``CTBS ... E/M``).
_ABBREVIATIONS: Final = {
    "ctbs": "CTBS", "em": "E/M", "npi": "NPI", "pos": "POS", "cpt": "CPT", "mdm": "MDM",
}  # fmt: skip


def findings_by_rule(result: Any, *, top: int = 25) -> alt.Chart:
    """Number of findings per audit rule, largest first, coloured by severity.

    ``result``: an ``AuditResult``, its ``.summary()`` (``rule_code``, ``rule_name``,
    ``severity``, ``findings``, ``dollars_at_risk``) or its ``.findings`` (one row per finding;
    counted here). Rules without findings are left out; the ``top`` rules are drawn.
    """
    df = _summary_of(result)
    name = pl.lit("")
    if "rule_name" in df.columns:
        name = pl.col("rule_name").cast(pl.String).str.replace_all("_", " ")
        for word, shown in _ABBREVIATIONS.items():
            name = name.str.replace_all(rf"\b{word}\b", shown)
    dollars = (
        _money(pl.col("dollars_at_risk"))
        if "dollars_at_risk" in df.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    bars = (
        df.select(
            pl.concat_str(pl.col("rule_code"), pl.lit("  "), name).str.strip_chars().alias("rule"),
            "rule_code",
            pl.col("severity").cast(pl.String),
            pl.col("findings").cast(pl.Int64),
            dollars.alias("dollars_at_risk"),
        )
        .filter(pl.col("findings") > 0)
        .sort(["findings", "rule_code"], descending=[True, False])
        .head(top)
    )
    severities = [s for s in SEVERITY_COLORS if s in set(bars.get_column("severity").to_list())]
    severities = severities or list(SEVERITY_COLORS)
    chart: alt.Chart = (
        alt.Chart(bars, width=_WIDTH, height=_bar_height(bars.height))
        .mark_bar()
        .encode(
            y=alt.Y(
                "rule:N",
                sort=bars.get_column("rule").to_list(),
                title=None,
                axis=alt.Axis(labelLimit=_LABEL_LIMIT),
            ),
            x=alt.X(
                "findings:Q",
                title="Claim lines flagged",
                axis=alt.Axis(format=",d", tickMinStep=1),
            ),
            color=alt.Color(
                "severity:N",
                title="Severity",
                scale=alt.Scale(domain=severities, range=[SEVERITY_COLORS[s] for s in severities]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("rule:N", title="Rule"),
                alt.Tooltip("severity:N", title="Severity"),
                alt.Tooltip("findings:Q", title="Findings", format=","),
                alt.Tooltip("dollars_at_risk:Q", title="Dollars at risk", format="$,.2f"),
            ],
        )
        .properties(
            title=_title(
                "Findings by audit rule",
                _empty_note(bars, "findings") or "Claim lines flagged by each rule, most first",
            )
        )
    )
    return chart


def dollars_at_risk_by_provider(
    result: Any, providers: Frame | None = None, *, top: int = 20
) -> alt.Chart:
    """Dollars at risk per rendering provider, largest first.

    ``result``: an ``AuditResult`` or its ``.findings``. Dollars at risk as the audit counts
    them: the charge of each claim line with at least one error finding, each line once
    (DESIGN §4). ``providers`` (the roster: ``npi``, ``provider_name``; an ``AuditResult``'s own
    roster by default) labels the bars with names; the ``top`` providers are drawn.
    """
    if isinstance(result, pl.DataFrame | pl.LazyFrame):
        findings = result
    else:
        findings = result.findings
        if providers is None:
            providers = result.providers
    needs = [c.RENDERING_NPI, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "severity", "amount_at_risk"]
    df = _frame(findings, "dollars_at_risk_by_provider", needs)
    per = (
        df.filter(pl.col("severity") == "error")
        .unique(subset=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER])
        .group_by(c.RENDERING_NPI)
        .agg(
            _money(pl.col("amount_at_risk")).sum().alias("dollars"),
            pl.len().cast(pl.Int64).alias("lines"),
        )
        .filter(pl.col("dollars") > 0)
    )
    label = pl.col(c.RENDERING_NPI).fill_null("(no NPI)")
    if providers is not None:
        roster = _frame(providers, "dollars_at_risk_by_provider", [c.NPI])
        if c.PROVIDER_NAME in roster.columns:
            per = per.join(
                roster.select(pl.col(c.NPI).alias(c.RENDERING_NPI), pl.col(c.PROVIDER_NAME)).unique(
                    subset=c.RENDERING_NPI
                ),
                on=c.RENDERING_NPI,
                how="left",
            )
            label = (
                pl.when(pl.col(c.PROVIDER_NAME).is_not_null())
                .then(pl.format("{} ({})", pl.col(c.PROVIDER_NAME), pl.col(c.RENDERING_NPI)))
                .otherwise(label)
            )
    bars = (
        per.with_columns(label.alias("provider"))
        .sort(["dollars", c.RENDERING_NPI], descending=[True, False])
        .head(top)
        .select("provider", "dollars", "lines")
    )
    total = bars.get_column("dollars").sum() if bars.height else 0.0
    chart: alt.Chart = (
        alt.Chart(bars, width=_WIDTH, height=_bar_height(bars.height))
        .mark_bar(color=_ALERT)
        .encode(
            y=alt.Y(
                "provider:N",
                sort=bars.get_column("provider").to_list(),
                title=None,
                axis=alt.Axis(labelLimit=_LABEL_LIMIT),
            ),
            x=alt.X(
                "dollars:Q",
                title="Dollars at risk",
                axis=alt.Axis(format=MONEY_FORMAT, tickCount=8),
            ),
            tooltip=[
                alt.Tooltip("provider:N", title="Provider"),
                alt.Tooltip("dollars:Q", title="Dollars at risk", format="$,.2f"),
                alt.Tooltip("lines:Q", title="Claim lines with errors", format=","),
            ],
        )
        .properties(
            title=_title(
                "Dollars at risk by rendering provider",
                _empty_note(bars, "error findings")
                or f"${total:,.0f} in charges of claim lines with an error finding (each once)",
            )
        )
    )
    return chart


# --- integrity ---------------------------------------------------------------------------------


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
