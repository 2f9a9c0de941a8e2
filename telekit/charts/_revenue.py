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
#: The two parts of A/R (DESIGN §6): owed by payers, owed by patients.
AR_PARTS: Final = ("Payer A/R", "Patient A/R")
#: The ``financial_class`` values whose balance is the patient's; any other is a payer's.
PATIENT_CLASSES: Final = ("patient", "self_pay")
FINANCIAL_CLASS: Final = "financial_class"
PART: Final = "owed_by"
_PATIENT = "#e67e22"


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

    ``revenue_cycle``: a ``telekit.metrics.revenue_cycle(...)`` frame (columns ``ar_0_30``,
    ``ar_31_60``, ``ar_61_90``, ``ar_91_120``, ``ar_over_120``); rows are summed per bucket.

    - From ``revenue_cycle(..., by="financial_class")`` (the default drawing when the frame
      has a ``financial_class`` column and ``by`` is not given) each bucket stacks payer A/R
      and patient A/R: the classes ``patient`` (patient responsibility of insured claims) and
      ``self_pay`` are the patient's, every other class (a payer type) a payer's. The two
      parts add up to the bucket's open balance (DESIGN §6).
    - With ``by`` (e.g. ``"payer"``) the bars are stacked by that column.
    - Otherwise (e.g. the one-row frame) balances over 90 days are drawn in red.

    The subtitle gives the open balance, its payer and patient parts when the frame has
    ``ar_payer`` and ``ar_patient``, and the share over 90 days.
    """
    cols = [col for col, _ in AR_BUCKETS]
    columns = set(revenue_cycle.collect_schema().names())
    parts = by is None and FINANCIAL_CLASS in columns
    key = PART if parts else by
    df = _frame(
        revenue_cycle,
        "ar_aging",
        [*cols, *([FINANCIAL_CLASS] if parts else [by] if by else [])],
    )
    labels = dict(AR_BUCKETS)
    if parts:
        keys = [
            pl.when(pl.col(FINANCIAL_CLASS).cast(pl.String).is_in(PATIENT_CLASSES))
            .then(pl.lit(AR_PARTS[1]))
            .otherwise(pl.lit(AR_PARTS[0]))
            .alias(PART)
        ]
    elif by:
        keys = [pl.col(by).cast(pl.String).fill_null("(none)").alias(by)]
    else:
        keys = []
    long = (
        df.select(*keys, *(_money(pl.col(col)).fill_null(0.0) for col in cols))
        .unpivot(on=cols, index=[key] if key else None, variable_name="bucket", value_name="amount")
        .with_columns(pl.col("bucket").replace_strict(labels, return_dtype=pl.String))
        .group_by(["bucket", *([key] if key else [])])
        .agg(pl.col("amount").sum())
        .with_columns(
            pl.when(pl.col("bucket").is_in(["91–120 days", "Over 120 days"]))
            .then(pl.lit("Over 90 days"))
            .otherwise(pl.lit("90 days or less"))
            .alias("age")
        )
        .sort("bucket", *([key] if key else []))
    )
    if parts:
        color = alt.Color(
            f"{PART}:N",
            title=None,
            sort=list(AR_PARTS),
            scale=alt.Scale(domain=list(AR_PARTS), range=[_BLUE, _PATIENT]),
            legend=alt.Legend(orient="bottom"),
        )
    elif by:
        color = alt.Color(
            f"{by}:N",
            title=by.replace("_", " ").capitalize(),
            legend=alt.Legend(orient="right", labelLimit=_LABEL_LIMIT),
        )
    else:
        color = alt.Color(
            "age:N", title=None,
            scale=alt.Scale(domain=["90 days or less", "Over 90 days"], range=[_BLUE, _ALERT]),
            legend=alt.Legend(orient="bottom"),
        )  # fmt: skip
    total = float(long.get_column("amount").sum()) if long.height else 0.0
    over_90 = float(long.filter(pl.col("age") == "Over 90 days").get_column("amount").sum())
    subtitle = f"Open balance ${total:,.0f}"
    if parts:
        by_part = dict(long.group_by(PART).agg(pl.col("amount").sum()).iter_rows())
        subtitle += (
            f": payer ${by_part.get(AR_PARTS[0], 0.0):,.0f} · "
            f"patient ${by_part.get(AR_PARTS[1], 0.0):,.0f}"
        )
    elif {"ar_payer", "ar_patient"} <= columns:
        payer = float(df.select(_money(pl.col("ar_payer")).fill_null(0.0).sum()).item())
        patient = float(df.select(_money(pl.col("ar_patient")).fill_null(0.0).sum()).item())
        subtitle += f": payer ${payer:,.0f} · patient ${patient:,.0f}"
    if total:
        subtitle += f"; {over_90 / total:.0%} over 90 days"
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
            **({"order": alt.Order("part_rank:Q")} if parts else {}),
            tooltip=[
                alt.Tooltip("bucket:O", title="Age"),
                *([alt.Tooltip(f"{key}:N", title="Owed by" if parts else None)] if key else []),
                alt.Tooltip("sum(amount):Q", title="Open balance", format="$,.2f"),
            ],
        )
        .properties(title=_title("Accounts receivable by age", subtitle))
    )
    if parts:
        chart = chart.transform_calculate(part_rank=f"indexof({list(AR_PARTS)!r}, datum.{PART})")
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
