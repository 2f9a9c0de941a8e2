"""Revenue-cycle charts: denials, A/R aging, collections, telehealth mix."""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from telekit._core import _columns as c
from telekit.charts._common import (
    _ALERT,
    _BLUE,
    _CALM,
    _LABEL_LIMIT,
    _WIDTH,
    MONEY_FORMAT,
    MONTH,
    MONTH_FORMAT,
    PERCENT_FORMAT,
    Frame,
    _bar_height,
    _empty_note,
    _frame,
    _max,
    _money,
    _month_ticks,
    _title,
)

AR_BUCKETS: Final = (
    ("ar_0_30", "0–30 days"),
    ("ar_31_60", "31–60 days"),
    ("ar_61_90", "61–90 days"),
    ("ar_91_120", "91–120 days"),
    ("ar_over_120", "Over 120 days"),
)


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
