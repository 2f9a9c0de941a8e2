"""The page's building blocks: ``Page`` (escaped text, tables, inline SVG charts), formats, CSS."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import exposure_columns, exposure_totals, money_phrase
from telekit.report._cells import strip_controls_in
from telekit.report._deidentify import reduce_dates_in, year_column

_DECISION_LABELS: Final = {
    "confirm": "confirmed",
    "dismiss": "dismissed",
    "needs_query": "needs query",
}
_EXAMPLES = 5  # findings shown per rule (all are in findings.xlsx)
_DECISION_ROWS = 300
_REJECT_ROWS = 50
_SEVERITIES: Final = ("error", "warning", "info")


#: a C0 control character (tab, LF and CR kept) as a JSON escape
_JSON_CONTROLS: Final = re.compile(r"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])")


CHART_LABEL_MAX: Final = 1_000


def _short_labels(spec: str) -> str:
    """The spec with every text value of its data cut to ``CHART_LABEL_MAX`` characters (with
    "…"): a 40 KB payer name drawn as an axis label takes vl-convert minutes (the tables keep
    the whole text). The cap is far above any real label (measure names, payer names), which
    the specs also name in their sorts and filters and which must stay whole."""
    parsed = json.loads(spec)
    datasets = parsed.get("datasets")
    if not isinstance(datasets, dict):
        return spec
    cut = False
    for rows in datasets.values():
        for row in rows if isinstance(rows, list) else ():
            for key, value in row.items() if isinstance(row, dict) else ():
                if isinstance(value, str) and len(value) > CHART_LABEL_MAX:
                    row[key] = value[: CHART_LABEL_MAX - 1] + "…"
                    cut = True
    return json.dumps(parsed) if cut else spec


_ABBREVIATIONS: Final = {
    "ctbs": "CTBS", "em": "E/M", "npi": "NPI", "pos": "POS", "cpt": "CPT", "mdm": "MDM",
    "ncci": "NCCI", "mue": "MUE", "g2211": "G2211", "medicare": "Medicare",
}  # fmt: skip


def readable(rule_name: str) -> str:
    """``ctbs_bundled_with_em`` → ``CTBS bundled with E/M``."""
    words = [_ABBREVIATIONS.get(w, w) for w in rule_name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def readable_expr(rule_name: pl.Expr) -> pl.Expr:
    """``readable`` over a column of rule names."""
    text = rule_name.str.replace_all("_", " ")
    for word, shown in _ABBREVIATIONS.items():
        text = text.str.replace_all(rf"\b{word}\b", shown)
    return pl.concat_str(text.str.slice(0, 1).str.to_uppercase(), text.str.slice(1))


def _money(value: Any) -> str:
    """``$1,234.50``; a negative amount (a change, a refund) ``−$92.74``, never ``$-92.74``."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    return f"−${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def _int(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


def _days(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.1f}"


_RC_FIGURES: Final[tuple[tuple[str, str, Callable[[Any], str], str], ...]] = (
    ("ar_outstanding", "A/R", _money, "open balance, one receivable per service"),
    ("ar_payer", "Payer A/R", _money, "owed by payers"),
    ("ar_patient", "Patient A/R", _money, "owed by patients (PR, self-pay)"),
    ("days_in_ar", "Days in A/R (gross, MGMA)", _days, "A/R ÷ daily charges, last 90 days"),
    ("net_collection_rate", "Net collection rate", _pct, "collected ÷ (billed − contractual)"),
    ("initial_denial_rate", "Initial denial rate", _pct, "denied at first adjudication"),
    ("pct_ar_over_90", "A/R over 90 days", _pct, "share of A/R"),
    ("pct_ar_over_120", "A/R over 120 days", _pct, "share of A/R"),
    ("claims_submitted", "Claims submitted", _int, "by the as-of date"),
    ("claims_adjudicated", "Claims adjudicated", _int, "with a first remittance"),
    ("initial_denial_rate_dollars", "Initial denial rate (dollars)", _pct, "billed denied"),
    ("first_pass_resolution_rate", "First-pass resolution", _pct, "paid first time"),
    ("gross_collection_rate", "Gross collection rate", _pct, "paid ÷ billed"),
    ("audit_clean_rate", "Audit clean rate", _pct, "lines without an audit error"),
    ("median_submission_lag_days", "Submission lag (median days)", _days, "DOS to claim"),
    ("median_payment_lag_days", "Payment lag (median days)", _days, "claim to payment"),
)


@functools.cache
def css() -> str:
    """The page's styles (``report.css`` beside this module)."""
    return resources.files("telekit.report").joinpath("report.css").read_text(encoding="utf-8")


class Page:
    """Builds the HTML; every text passes through ``t`` (escaped, dates reduced to years when
    de-identified)."""

    def __init__(self, *, deidentified: bool, practice: str | None = None) -> None:
        self.deidentified = deidentified
        self.practice = practice
        self.charts = 0

    # --- text -------------------------------------------------------------------------------

    def t(self, value: Any) -> str:
        text = "" if value is None else strip_controls_in(str(value))  # no NUL, ESC, ...
        if self.deidentified:
            text = reduce_dates_in(text)
        return html.escape(text)

    def table(
        self,
        frame: pl.DataFrame,
        columns: Sequence[tuple[str, str, Callable[[Any], str] | None]],
        *,
        cls: str = "",
    ) -> str:
        """A table of ``frame``'s rows (small, aggregated frames): (column, header, format);
        a format's output is trusted HTML, without one the value is escaped text."""
        head = "".join(
            f"<th class='num'>{self.t(h)}</th>" if f in _NUMERIC else f"<th>{self.t(h)}</th>"
            for _, h, f in columns
        )
        body = []
        for row in frame.select([col for col, _, _ in columns]).iter_rows():
            cells = []
            for value, (col, _, fmt) in zip(row, columns, strict=True):
                if fmt is None:
                    nowrap = " class='nowrap'" if col in _NOWRAP else ""
                    cells.append(f"<td{nowrap}>{self.t(value)}</td>")
                else:
                    cls_ = " class='num'" if fmt in _NUMERIC else ""
                    cells.append(f"<td{cls_}>{fmt(value)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        css = f" class='{cls}'" if cls else ""
        return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    def doc(self, text: str) -> str:
        """A rule's page (its docstring) as paragraphs; ``x`` → <code>."""
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        out = []
        for para in paragraphs[1:]:  # the first line is the rule's summary, shown as its lead
            lines = [ln.strip() for ln in para.splitlines()]
            if all(ln.startswith("- ") for ln in lines):
                items = "".join(f"<li>{self.inline(ln[2:])}</li>" for ln in lines)
                out.append(f"<ul>{items}</ul>")
                continue
            body = self.inline(" ".join(lines))
            body = re.sub(
                r"^(What it checks|Why|Example|Examples|Instead|Fix|References|Source|Sources):",
                r"<strong>\1:</strong>",
                body,
            )
            out.append(f"<p>{body}</p>")
        return "<div class='doc'>" + "".join(out) + "</div>"

    def inline(self, text: str) -> str:
        return re.sub(r"``(.+?)``", r"<code>\1</code>", self.t(text))

    def chart(self, name: str, build: Callable[[], Any]) -> str:
        """The chart drawn by vl-convert as inline SVG, its ids made unique in the page."""
        import vl_convert  # noqa: PLC0415 - only needed when drawing

        # a control character in a label (a payer's name) must not reach vl-convert, which
        # aborts the process on a NUL, nor the page: JSON writes them as \u0000 … \u001f
        spec = _short_labels(_JSON_CONTROLS.sub("", build().to_json()))
        svg = vl_convert.vegalite_to_svg(spec)
        self.charts += 1
        prefix = f"c{self.charts}-"
        svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', svg)
        svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", svg)
        svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', svg)
        title = _chart_title(json.loads(spec)) or name.replace("-", " ")
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{self.t(title)}" ', 1)
        return f"<figure class='chart' data-chart='{name}'>{svg}</figure>"

    # --- the page ---------------------------------------------------------------------------


_NOWRAP: Final = frozenset({"_when", "_decided"})
_NUMERIC: Final[frozenset[Callable[[Any], str]]] = frozenset({_int, _money, _pct, _days})


def _year_ranges(years: Any) -> str:
    """``[2019, 2020, 2021, 2025]`` → ``2019–2021, 2025``."""
    runs: list[list[int]] = []
    for y in sorted(int(v) for v in years or []):
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(f"{a}–{b}" if b > a else f"{a}" for a, b in runs)


def _code(value: Any) -> str:
    return f"<code>{html.escape(strip_controls_in(str(value)))}</code>"


def _chart_title(spec: Mapping[str, Any]) -> str | None:
    title = spec.get("title")
    if isinstance(title, Mapping):
        text = title.get("text")
        return " ".join(text) if isinstance(text, list) else str(text) if text else None
    return str(title) if title else None


def _run_date(run_at: Any) -> str:
    """The date of the run (not patient data, kept when de-identified): ``2026-11-27 11:43 UTC``."""
    if not run_at:
        return "—"
    try:
        when = dt.datetime.fromisoformat(str(run_at))
    except ValueError:
        return html.escape(strip_controls_in(str(run_at)))
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _policies_text(summary: Mapping[str, Any], inputs: Mapping[str, Any] | None) -> str:
    source = summary.get("policies_source") or "built-in defaults"
    text = Path(str(source)).name if "/" in str(source) else str(source)
    for entry in (inputs or {}).get("inputs", {}).get("policies", []) or []:
        text += f" (SHA-256 {str(entry.get('sha256', ''))[:12]})"
    return text


def _input_files(inputs: Mapping[str, Any] | None) -> pl.DataFrame:
    rows = [
        {"table": table, "file": Path(str(e.get("path", ""))).name, "sha256": e.get("sha256")}
        for table, entries in (inputs or {}).get("inputs", {}).items()
        for e in entries or []
    ]
    return pl.DataFrame(rows, schema={"table": pl.String, "file": pl.String, "sha256": pl.String})


def _year_expr(findings: pl.DataFrame) -> pl.Expr:
    """The finding's DOS (or its year, in de-identified findings) as text."""
    if c.CLAIM_LINE_START_DATE in findings.columns:
        return pl.col(c.CLAIM_LINE_START_DATE).cast(pl.String)
    year = year_column(c.CLAIM_LINE_START_DATE)
    if year in findings.columns:
        return pl.col(year).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def _when_decided(decisions: pl.DataFrame) -> pl.Expr:
    if "decided_at" in decisions.columns:
        dtype = decisions.schema["decided_at"]
        if isinstance(dtype, pl.Datetime):
            return pl.col("decided_at").dt.strftime("%Y-%m-%d %H:%M")
        return pl.col("decided_at").cast(pl.String)
    year = year_column("decided_at")
    if year in decisions.columns:
        return pl.col(year).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def _provider_names(providers: pl.DataFrame | None) -> pl.DataFrame:
    schema = {c.RENDERING_NPI: pl.String, "provider": pl.String}
    if providers is None or c.NPI not in providers.columns:
        return pl.DataFrame(schema=schema)
    name = (
        pl.col(c.PROVIDER_NAME)
        if c.PROVIDER_NAME in providers.columns
        else pl.lit(None, dtype=pl.String)
    )
    return providers.select(
        pl.col(c.NPI).cast(pl.String).alias(c.RENDERING_NPI),
        name.cast(pl.String).alias("provider"),
    ).unique(subset=c.RENDERING_NPI, keep="first")


def _top_providers(findings: pl.DataFrame, providers: pl.DataFrame | None) -> pl.DataFrame:
    """The provider scorecard: per rendering NPI, its ``clinician`` findings only (DESIGN §5
    "Responsibility"): findings, lines with an error, and the four kinds of money (each line
    once per kind); most lines with an error first."""

    clinician = findings.filter(pl.col("responsibility") == "clinician")
    errors = (
        clinician.filter(pl.col("severity") == "error")
        .group_by(c.RENDERING_NPI)
        .agg(
            pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
            .n_unique()
            .cast(pl.Int64)
            .alias("lines_with_errors")
        )
    )
    counts = clinician.group_by(c.RENDERING_NPI).agg(pl.len().cast(pl.Int64).alias("findings"))
    return (
        counts.join(errors, on=c.RENDERING_NPI, how="left", nulls_equal=True)
        .join(exposure_columns(clinician, [c.RENDERING_NPI]), on=c.RENDERING_NPI, how="left",
              nulls_equal=True)
        .with_columns(pl.col("lines_with_errors").fill_null(0))
        .join(_provider_names(providers), on=c.RENDERING_NPI, how="left")
        .sort(["lines_with_errors", "findings", c.RENDERING_NPI], descending=[True, True, False],
              nulls_last=True)
    )  # fmt: skip


def _after_review(findings: pl.DataFrame, decisions: pl.DataFrame) -> str:
    """The four kinds of money once dismissed findings are set aside (each line once per kind,
    as ``AuditResult.exposure()``), as a phrase: ``$8,120.00 overpaid, $96.20 denied``."""
    dismissed = decisions.filter(pl.col("decision") == "dismiss").select("finding_id")
    kept = findings.join(dismissed, on="finding_id", how="anti")
    return money_phrase(exposure_totals(kept), "") or "$0.00 in every kind"


def _charged_lines(findings: pl.DataFrame) -> tuple[int, int]:
    """(lines whose denied or at-risk amount is their charge, lines denied or at risk): each
    line once; a line priced at its charge had no expected fee and no fee-schedule price."""
    kinds = findings.filter(pl.col("exposure").is_in(["denied", "at_risk"]))
    line = pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
    charged = kinds.filter(pl.col("amount_basis") == "charge").select(line.n_unique()).item()
    return int(charged or 0), int(kinds.select(line.n_unique()).item() or 0)


def _error_charges(findings: pl.DataFrame) -> Decimal:
    """The charges of the lines with an error finding, each line once (charges, never money
    at risk)."""
    total = (
        findings.filter(pl.col("severity") == "error")
        .unique(subset=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER])
        .get_column(c.CHARGE_AMOUNT)
        .sum()
    )
    return Decimal(str(total)) if total is not None else Decimal("0.00")
