"""Audit charts: findings per rule and dollars at risk per provider."""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import polars as pl

from telekit._core import _columns as c
from telekit.charts._common import (
    _ALERT,
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
    # the subtitle's total is every provider's, not only the bars drawn (it reads as the total)
    total = per.get_column("dollars").sum() if per.height else 0.0
    shown = f"; the top {bars.height} of {per.height} providers drawn" if per.height > top else ""
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
                or f"${total:,.0f} in charges of claim lines with an error finding (each once)"
                + shown,
            )
        )
    )
    return chart
