"""Audit charts: findings per rule, and money by provider and kind (clinician findings)."""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import (
    EXPOSURE_KINDS,
    EXPOSURE_WORDS,
    exposure_by,
    exposure_totals,
    money_phrase,
)
from telekit.charts._common import (
    _LABEL_LIMIT,
    _WIDTH,
    MONEY_FORMAT,
    SEVERITY_COLORS,
    Frame,
    _bar_height,
    _empty_note,
    _frame,
    _money,
    _title,
)
from telekit.rules import REGISTRY


def _summary_of(result: Any) -> pl.DataFrame:
    if isinstance(result, pl.DataFrame | pl.LazyFrame):
        df = result.collect() if isinstance(result, pl.LazyFrame) else result
        if "findings" in df.columns:
            return _frame(df, "findings_by_rule", ["rule_code", "findings"])
        df = _frame(df, "findings_by_rule", ["rule_code", "severity"])
        # one bar per rule, coloured by the rule's catalog severity as in ``.summary()`` (a rule
        # whose clauses differ in severity, PS002 or CD006, is one bar); a code the catalog does
        # not know takes its findings' highest severity
        rank = {s: i for i, s in enumerate(SEVERITY_COLORS)}
        counted = df.group_by(
            "rule_code", *(["rule_name"] if "rule_name" in df.columns else [])
        ).agg(
            pl.len().cast(pl.Int64).alias("findings"),
            pl.col("severity")
            .cast(pl.String)
            .sort_by(pl.col("severity").cast(pl.String).replace_strict(rank, default=99))
            .first()
            .alias("found_severity"),
        )
        catalog = {code: r.severity for code, r in REGISTRY.items()}
        return counted.with_columns(
            pl.col("rule_code")
            .replace_strict(catalog, default=pl.col("found_severity"), return_dtype=pl.String)
            .alias("severity")
        ).drop("found_severity")
    summary: pl.DataFrame = result.summary()
    return summary


#: Words of rule names shown in capitals on charts (``ctbs bundled with em`` → ``CTBS ... E/M``).
_ABBREVIATIONS: Final = {
    "ctbs": "CTBS", "em": "E/M", "npi": "NPI", "pos": "POS", "cpt": "CPT", "mdm": "MDM",
    "ncci": "NCCI", "mue": "MUE", "g2211": "G2211", "medicare": "Medicare",
}  # fmt: skip


def findings_by_rule(result: Any, *, top: int = 25) -> alt.Chart:
    """Number of findings per audit rule, largest first, coloured by severity.

    ``result``: an ``AuditResult``, its ``.summary()`` (``rule_code``, ``rule_name``,
    ``severity``, ``findings``; its ``overpayment``, ``denied``, ``at_risk`` and
    ``underpayment`` amounts go to the tooltip) or its ``.findings`` (one row per finding;
    counted here). Rules without findings are left out; the ``top`` rules are drawn.
    """
    df = _summary_of(result)
    name = pl.lit("")
    if "rule_name" in df.columns:
        name = pl.col("rule_name").cast(pl.String).str.replace_all("_", " ")
        for word, shown in _ABBREVIATIONS.items():
            name = name.str.replace_all(rf"\b{word}\b", shown)
    amounts = [
        (_money(pl.col(k)) if k in df.columns else pl.lit(None, dtype=pl.Float64)).alias(k)
        for k in EXPOSURE_KINDS
    ]
    bars = (
        df.select(
            pl.concat_str(pl.col("rule_code"), pl.lit("  "), name).str.strip_chars().alias("rule"),
            "rule_code",
            pl.col("severity").cast(pl.String),
            pl.col("findings").cast(pl.Int64),
            *amounts,
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
                *(
                    alt.Tooltip(f"{k}:Q", title=EXPOSURE_WORDS[k].capitalize(), format="$,.2f")
                    for k in EXPOSURE_KINDS
                ),
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


#: one colour per kind of money, the same on every chart
EXPOSURE_COLORS: Final = {
    "overpaid": "#c0392b",
    "denied": "#e67e22",
    "at risk": "#b7950b",
    "underpaid": "#2e86c1",
}


def exposure_by_provider(
    result: Any, providers: Frame | None = None, *, top: int = 20
) -> alt.Chart:
    """Money by rendering provider and kind (overpaid, denied, at risk, underpaid), from
    clinician findings only (``responsibility``; DESIGN §5: billing findings are not a
    provider's and are shown by payer and billing NPI). One bar per kind, side by side, never
    stacked: the kinds are never added together.

    ``result``: an ``AuditResult`` or its ``.findings``. Each claim line counts once per kind,
    at its largest amount in the kind (``AuditResult.exposure()``). ``providers`` (the roster:
    ``npi``, ``provider_name``; an ``AuditResult``'s own roster by default) labels the bars with
    names; the ``top`` providers (by their largest amount of any kind) are drawn.
    """
    if isinstance(result, pl.DataFrame | pl.LazyFrame):
        findings = result
    else:
        findings = result.findings
        if providers is None:
            providers = result.providers
    needs = [c.RENDERING_NPI, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "responsibility", "exposure"]
    df = _frame(findings, "exposure_by_provider", [*needs, "exposure_amount"])
    clinician = df.filter(pl.col("responsibility") == "clinician")
    per = exposure_by(clinician, [c.RENDERING_NPI]).filter(pl.col("amount") > 0)
    label = pl.col(c.RENDERING_NPI).fill_null("(no NPI)")
    if providers is not None:
        roster = _frame(providers, "exposure_by_provider", [c.NPI])
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
    rank = {k: i for i, k in enumerate(EXPOSURE_KINDS)}
    order = (
        per.group_by(c.RENDERING_NPI)
        .agg(pl.col("amount").max().alias("_largest"))
        .sort(["_largest", c.RENDERING_NPI], descending=[True, False], nulls_last=True)
    )
    drawn = order.head(top)
    bars = (
        per.join(drawn, on=c.RENDERING_NPI, how="inner", nulls_equal=True)
        .with_columns(
            label.alias("provider"),
            pl.col("exposure").replace_strict(EXPOSURE_WORDS).alias("kind"),
            pl.col("exposure").replace_strict(rank).alias("_rank"),
            _money(pl.col("amount")).alias("dollars"),
        )
        .sort(["_largest", c.RENDERING_NPI, "_rank"], descending=[True, False, False])
        .select("provider", "kind", "dollars", "lines")
    )
    kinds = [EXPOSURE_WORDS[k] for k in EXPOSURE_KINDS]
    totals = exposure_totals(clinician)
    shown = (
        f"; the top {drawn.height} of {order.height} providers drawn" if order.height > top else ""
    )
    subtitle = [
        "Clinician findings only (billing findings are shown by payer and billing NPI)",
        (money_phrase(totals, "") or "$0") + " — each claim line once per kind" + shown,
    ]
    chart: alt.Chart = (
        alt.Chart(bars, width=_WIDTH, height=alt.Step(14))
        .mark_bar()
        .encode(
            y=alt.Y(
                "provider:N",
                sort=list(dict.fromkeys(bars.get_column("provider").to_list())),
                title=None,
                axis=alt.Axis(labelLimit=_LABEL_LIMIT),
            ),
            yOffset=alt.YOffset("kind:N", sort=kinds),
            x=alt.X("dollars:Q", title="Dollars", axis=alt.Axis(format=MONEY_FORMAT, tickCount=8)),
            color=alt.Color(
                "kind:N",
                title="Kind",
                scale=alt.Scale(domain=kinds, range=[EXPOSURE_COLORS[k] for k in kinds]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("provider:N", title="Provider"),
                alt.Tooltip("kind:N", title="Kind"),
                alt.Tooltip("dollars:Q", title="Amount", format="$,.2f"),
                alt.Tooltip("lines:Q", title="Claim lines", format=","),
            ],
        )
        .properties(
            title=_title(
                "Money by rendering provider: overpaid, denied, at risk, underpaid",
                _empty_note(bars, "clinician findings with an amount") or subtitle,
            )
        )
    )
    return chart
