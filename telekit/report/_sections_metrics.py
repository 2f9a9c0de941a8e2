"""The metric sections of the report: revenue cycle and OIG integrity measures."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from telekit._core import _columns as c
from telekit.report._html import (
    _RC_FIGURES,
    Page,
    _int,
    _money,
    _pct,
    _provider_names,
    _year_ranges,
)


def revenue(page: Page, frames: Mapping[str, pl.DataFrame]) -> str:
    from telekit import charts  # noqa: PLC0415

    parts: list[str] = []
    overall = frames.get("revenue_cycle")
    if overall is not None and overall.height:
        row = overall.row(0, named=True)
        tiles = "".join(
            f"<div class='tile'><div class='label'>{page.t(label)}</div>"
            f"<div class='value'>{fmt(row[key])}</div>"
            f"<div class='note'>{page.t(note)}</div></div>"
            for key, label, fmt, note in _RC_FIGURES
            if key in row
        )
        parts.append(f"<div class='tiles'>{tiles}</div>")
        parts.append(
            "<p class='note'>telekit's definitions, aligned with HFMA's MAP Keys and MGMA "
            "where those define the measure and computable from claims, 835s and patient "
            "payments (<code>help(telekit.metrics.revenue_cycle)</code>): one receivable per "
            "service (voided and replaced claims leave A/R), patient responsibility stays in "
            "patient A/R until paid or written off, the net collection rate deducts "
            "contractual adjustments only (never denial write-offs), and days in A/R are gross "
            "(MGMA). The audit clean rate counts lines without an audit error; it is not "
            "HFMA's clean-claim rate, which needs clearinghouse edits.</p>"
        )
    elif "telehealth_mix" in frames or "telehealth_mix_by_month" in frames:
        parts.append(
            "<p class='note'>No remittances were given: revenue-cycle figures need 835s "
            "or remittance exports.</p>"
        )
    by_month = frames.get("revenue_cycle_by_month")
    if by_month is not None:
        parts.append(
            page.chart("denial-rate-by-month", lambda: charts.denial_rate_by_month(by_month))
        )
    denials = frames.get("denials")
    if denials is not None:
        parts.append(page.chart("denial-pareto", lambda: charts.denial_pareto(denials)))
    aging = frames.get("revenue_cycle_by_financial_class", overall)
    if aging is not None:  # payer and patient A/R apart when by financial class
        parts.append(page.chart("ar-aging", lambda: charts.ar_aging(aging)))
    by_payer = frames.get("revenue_cycle_by_payer")
    if by_payer is not None:
        parts.append(
            page.chart(
                "collection-rates-by-payer", lambda: charts.collection_rates_by_payer(by_payer)
            )
        )
    parts.append(_unlisted_payers(page, frames.get("unlisted_payers")))
    mix_month = frames.get("telehealth_mix_by_month")
    if mix_month is not None:
        parts.append(
            page.chart("telehealth-mix", lambda: charts.telehealth_mix_over_time(mix_month))
        )
    mix = frames.get("telehealth_mix")
    if mix is not None and mix.height:
        parts.append("<h3>Telehealth mix</h3>")
        parts.append(
            page.table(
                mix.sort("dimension", "lines", descending=[False, True]),
                [
                    ("dimension", "Dimension", None),
                    ("category", "Category", None),
                    ("lines", "Lines", _int),
                    ("line_share", "Share of lines", _pct),
                    ("charges", "Charges", _money),
                    ("charge_share", "Share of charges", _pct),
                ],
            )
        )
    if page.deidentified:
        parts.append(
            "<p class='note'>Monthly trends are left out of a de-identified report "
            "(Safe Harbor keeps only the year of dates about patients).</p>"
        )
    return "".join(parts)


def _unlisted_payers(page: Page, unlisted: pl.DataFrame | None) -> str:
    """The note naming the payer values found without a policy entry ("" when none)."""
    if unlisted is None or unlisted.height == 0:
        return ""
    payers = unlisted.get_column(c.PAYER).to_list()
    return (
        "<p class='note'>Payer values found without a policy entry "
        f"({len(payers):,}): {page.t(', '.join(payers))}. Add a <code>[payer.X]</code> "
        "table, or an alias of a payer it is, to the policy file.</p>"
    )


def oig(page: Page, oig: pl.DataFrame, providers: pl.DataFrame | None) -> str:
    from telekit import charts  # noqa: PLC0415
    from telekit.integrity import MEASURES  # noqa: PLC0415

    parts = [
        "<p>The seven provider-level measures of HHS-OIG's data brief OEI-02-20-00720 per "
        "rendering NPI and calendar year (<code>telekit.integrity.oig_measures</code>). A "
        "provider past a threshold is worth a closer look, not proof of fraud.</p>"
    ]
    if oig.height == 0:
        parts.append("<p>No provider billed telehealth in scope (Medicare and MA lines).</p>")
        return "".join(parts)
    names = _provider_names(providers)
    summary_rows = []
    exceeded_parts = []
    reasons = []
    for m in MEASURES:
        col = m.name
        if col not in oig.columns:
            continue
        summary_rows.append(
            oig.group_by("year").agg(
                pl.lit(f"{m.number}. {m.title}").alias("measure"),
                pl.col(col).is_not_null().sum().cast(pl.Int64).alias("computable"),
                pl.col(f"{col}_exceeded").fill_null(False).sum().cast(pl.Int64).alias("exceeded"),
            )
        )
        exceeded_parts.append(
            oig.filter(pl.col(f"{col}_exceeded").fill_null(False)).select(
                pl.col(c.RENDERING_NPI),
                pl.col("year"),
                pl.lit(f"{m.number}. {m.title}").alias("measure"),
                pl.col(col).cast(pl.Float64).alias("value"),
                pl.col(f"{col}_threshold").cast(pl.Float64).alias("threshold"),
                pl.lit(m.unit).alias("unit"),
            )
        )
        reasons.append(
            oig.filter(pl.col(f"{col}_reason").is_not_null())
            .group_by("year", f"{col}_reason")
            .agg(pl.len().cast(pl.Int64).alias("providers"))
            .select(
                "year",
                pl.lit(f"{m.number}. {m.title}").alias("measure"),
                pl.col(f"{col}_reason").alias("reason"),
                "providers",
            )
        )
    overview = (
        pl.concat(summary_rows)
        .with_columns(
            pl.col("year").cast(pl.String),
            pl.format("{} of {}", "exceeded", "computable").alias("cell"),
        )
        .pivot(on="year", index="measure", values="cell", sort_columns=True)
        .sort("measure")
    )
    years = oig.group_by("year").agg(pl.len().cast(pl.Int64).alias("providers")).sort("year")
    parts.append(
        "<p>Providers screened per year: "
        + ", ".join(f"{y}: {n:,}" for y, n in years.iter_rows())
        + ". Each cell: providers past the OIG threshold of those with a value.</p>"
    )
    year_cols = [col for col in overview.columns if col != "measure"]
    parts.append(
        page.table(
            overview,
            [("measure", "Measure", None)] + [(y, y, None) for y in year_cols],
            cls="matrix",
        )
    )
    exceeded = pl.concat(exceeded_parts).sort("year", c.RENDERING_NPI, "measure")
    if exceeded.height:
        exceeded = exceeded.join(names, on=c.RENDERING_NPI, how="left").with_columns(
            pl.when(pl.col("unit") == "share")
            .then(pl.format("{}%", (pl.col("value") * 100).round(1)))
            .otherwise(pl.col("value").round(1).cast(pl.String))
            .alias("shown"),
            pl.when(pl.col("unit") == "share")
            .then(pl.format("{}%", (pl.col("threshold") * 100).round(1)))
            .otherwise(pl.col("threshold").round(1).cast(pl.String))
            .alias("limit"),
        )
        parts.append("<h3>Providers past a threshold</h3>")
        parts.append(
            page.table(
                exceeded,
                [
                    ("year", "Year", None),
                    (c.RENDERING_NPI, "Rendering NPI", None),
                    ("provider", "Provider", None),
                    ("measure", "Measure", None),
                    ("shown", "Value", None),
                    ("limit", "OIG threshold", None),
                ],
            )
        )
    else:
        parts.append("<p>No provider is past an OIG threshold.</p>")
    why = (
        pl.concat(reasons)
        .with_columns(pl.col("reason").str.replace_all(r"\b(?:19|20)[0-9]{2}\b", "the year"))
        .group_by("measure", "reason")
        .agg(
            pl.col("year").unique().sort().alias("years"),
            pl.col("providers").sum(),
        )
        .sort("measure", "reason")
    )
    if why.height:
        parts.append("<h3>Not computable</h3>")
        parts.append(
            page.table(
                why,
                [
                    ("measure", "Measure", None),
                    ("reason", "Why", None),
                    ("years", "Years", _year_ranges),
                    ("providers", "Provider-years", _int),
                ],
            )
        )
    parts.append(page.chart("oig-measures", lambda: charts.oig_measures_vs_thresholds(oig)))
    return "".join(parts)
