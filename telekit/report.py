"""telekit.report — the client deliverable: one self-contained HTML report.

    import telekit as tk
    from telekit import integrity, report

    result = tk.audit("claims.csv", encounters="encounters.csv", providers="providers.csv")
    remits = tk.read_remittances("remittances.csv")             # + adjustments.csv beside it
    html = report.render(
        result,
        metrics=report.compute_metrics(result, remits),
        oig=integrity.oig_measures(result.claims, result.encounters),
    )
    Path("report.html").write_text(html)

The page has no script and loads nothing: every chart is an inline SVG drawn by vl-convert,
styles are inline, and it prints to PDF from a browser (print CSS, page breaks). It holds an
executive summary (lines audited, findings by severity, dollars at risk counted once per line,
top rules, top providers), the findings by rule with each rule's explanation and fix, the
revenue-cycle metrics and charts when remittances are given, the OIG integrity measures where
computable, reviewer decisions when given, the input row accounting and rejects, and the
code-set and policy versions and the date of the run.

``render(..., deidentify=True)`` is Safe Harbor (reference §11): identifiers are random
pseudonyms, dates are years (monthly trends are left out), messages, reject values and
reviewer notes are not shown. ``telekit audit --deidentify --key-file F`` applies the same
to every file of OUT and keeps the key.

``load_audit(out)`` reads what ``telekit audit`` wrote to OUT (summary.json, findings.parquet,
rejects.csv, metrics.parquet, oig.parquet, inputs.json), so ``telekit report --audit OUT``
re-renders without re-auditing (``render_audit_dir``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._audit import AuditResult
from telekit._cells import strip_controls_in
from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit._core._table import Table
from telekit._deidentify import Deidentifier, reduce_dates_in, year_column
from telekit._remittances import Remittances

__all__ = [
    "METRIC_FRAMES",
    "AuditRecord",
    "compute_metrics",
    "load_audit",
    "read_metrics",
    "read_review",
    "render",
    "render_audit_dir",
    "write_metrics",
]

#: The frames ``metrics=`` may hold, by name (``compute_metrics`` makes them all).
METRIC_FRAMES: Final = (
    "revenue_cycle",  # metrics.revenue_cycle(by=None): one row
    "revenue_cycle_by_month",  # by="month"
    "revenue_cycle_by_payer",  # by="payer"
    "denials",  # metrics.denials(by=None)
    "telehealth_mix",  # metrics.telehealth_mix(by=None)
    "telehealth_mix_by_month",  # by="month"
)
_MONTHLY: Final = ("revenue_cycle_by_month", "telehealth_mix_by_month")

REVIEW_DECISIONS: Final = ("confirm", "dismiss", "needs_query")
_DECISION_LABELS: Final = {
    "confirm": "confirmed",
    "dismiss": "dismissed",
    "needs_query": "needs query",
}
_EXAMPLES = 5  # findings shown per rule (all are in findings.xlsx)
_DECISION_ROWS = 300
_REJECT_ROWS = 50
_SEVERITIES: Final = ("error", "warning", "info")


# --- what is rendered ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRecord:
    """What the report needs of an audit: summary.json's content, the findings, the rejects,
    the provider roster (for names) and inputs.json (paths and SHA-256), or None.

    Made from an ``AuditResult`` (``from_result``) or from an audit's OUT (``load_audit``). It
    quacks like an ``AuditResult`` where the charts and the workbook need it (``summary()``,
    ``findings``, ``providers``).
    """

    summary_data: dict[str, Any]
    findings: pl.DataFrame
    rejects: pl.DataFrame
    providers: pl.DataFrame | None = None
    inputs: dict[str, Any] | None = None

    @classmethod
    def from_result(
        cls,
        result: AuditResult,
        *,
        summary: Mapping[str, Any] | None = None,
        rejects: pl.DataFrame | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """``summary`` defaults to ``result.to_summary_dict()`` (the CLI passes the one it
        wrote, with the remittance tables); ``rejects`` to ``result.rejects``."""
        return cls(
            summary_data=dict(summary) if summary is not None else result.to_summary_dict(),
            findings=result.findings,
            rejects=rejects if rejects is not None else result.rejects,
            providers=result.providers,
            inputs=dict(inputs) if inputs is not None else None,
        )

    @property
    def deidentified(self) -> bool:
        return bool(self.summary_data.get("deidentified", False))

    def summary(self) -> pl.DataFrame:
        """One row per rule, as ``AuditResult.summary()``."""
        return _rules_frame(self.summary_data.get("rules", []))

    def deidentify(self, deid: Deidentifier) -> AuditRecord:
        """This record with ``deid`` applied (no-op when already de-identified)."""
        if self.deidentified:
            return self
        inputs = None
        if self.inputs is not None:
            inputs = {**self.inputs, "options": _deidentified_options(self.inputs.get("options"))}
        return replace(
            self,
            summary_data=deid.summary(self.summary_data),
            findings=deid.frame(self.findings),
            rejects=deid.frame(self.rejects),
            inputs=inputs,
        )


def _deidentified_options(options: Any) -> dict[str, Any]:
    out = dict(options) if isinstance(options, Mapping) else {}
    as_of = out.get("as_of")
    if isinstance(as_of, str) and len(as_of) >= 4:
        out["as_of"] = as_of[:4]
    out["deidentified"] = True
    return out


def _rules_frame(rules: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    schema = {
        "rule_code": pl.String,
        "rule_name": pl.String,
        "severity": pl.String,
        "findings": pl.Int64,
        "lines": pl.Int64,
        "dollars_at_risk": pl.String,
        "status": pl.String,
        "reason": pl.String,
    }
    rows = [{k: r.get(k) for k in schema} for r in rules]
    frame = pl.DataFrame(
        [{**r, "dollars_at_risk": str(r["dollars_at_risk"] or "0")} for r in rows],
        schema=schema,
    )
    return frame.with_columns(pl.col("dollars_at_risk").cast(c.MONEY))


# --- metrics --------------------------------------------------------------------------------------


def compute_metrics(
    result: AuditResult,
    remittances: Remittances | None = None,
    *,
    as_of: dt.date | None = None,
    patient_payments: Table | pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """The metric frames the report draws (``METRIC_FRAMES``), from the audited claims.

    The telehealth mix needs only the claims (and encounters for the modality); the revenue
    cycle and denials need ``remittances`` and an as-of date (``as_of``, else the audit's).
    Payers are grouped through the audit's policy aliases; ``clean_claim_rate`` uses the audit.
    """
    from telekit import metrics  # noqa: PLC0415 - keeps `import telekit.report` light

    out: dict[str, pl.DataFrame] = {
        "telehealth_mix": metrics.telehealth_mix(result.claims, result.encounters, by=None),
        "telehealth_mix_by_month": metrics.telehealth_mix(
            result.claims, result.encounters, by="month"
        ),
    }
    day = as_of or result.as_of
    if remittances is None or day is None:
        return out
    common: dict[str, Any] = {
        "as_of": day,
        "audit": result,
        "patient_payments": patient_payments,
        "policies": result.policies,
    }
    out["revenue_cycle"] = metrics.revenue_cycle(result.claims, remittances, **common)
    out["revenue_cycle_by_month"] = metrics.revenue_cycle(
        result.claims, remittances, by="month", **common
    )
    out["revenue_cycle_by_payer"] = metrics.revenue_cycle(
        result.claims, remittances, by="payer", **common
    )
    out["denials"] = metrics.denials(
        result.claims, remittances, as_of=day, policies=result.policies
    )
    return {k: out[k] for k in METRIC_FRAMES if k in out}


def _metric_frames(metrics: Mapping[str, pl.DataFrame] | pl.DataFrame | None) -> dict[str, Any]:
    """``metrics=`` as a dict of known frames. A single frame is placed by its columns."""
    if metrics is None:
        return {}
    if isinstance(metrics, pl.DataFrame):
        cols = set(metrics.columns)
        if "dimension" in cols:
            name = "telehealth_mix_by_month" if "month" in cols else "telehealth_mix"
        elif "reason_code" in cols:
            name = "denials"
        elif "month" in cols:
            name = "revenue_cycle_by_month"
        elif c.PAYER in cols:
            name = "revenue_cycle_by_payer"
        else:
            name = "revenue_cycle"
        return {name: metrics}
    unknown = sorted(set(metrics) - set(METRIC_FRAMES))
    if unknown:
        msg = (
            f"metrics: unknown frame name(s) {', '.join(unknown)}; expected some of "
            f"{', '.join(METRIC_FRAMES)} (report.compute_metrics makes them)"
        )
        raise InputError(msg)
    return dict(metrics)


# --- reviewer decisions ---------------------------------------------------------------------------


_DECISION_COLUMNS: Final = (
    "finding_id",
    "rule_code",
    c.CLAIM_ID,
    c.CLAIM_LINE_NUMBER,
    c.ENCOUNTER_ID,
    "decision",
    "note",
    "reviewer",
    "decided_at",
)


def read_review(path: str | Path) -> pl.DataFrame:
    """The current decision per finding (the latest row) of a review file (SQLite, table
    ``decisions``, written by ``telekit.review``), read-only. Its hash chain is checked first
    (``telekit.review.verify``): decisions altered after they were written raise ``InputError``
    naming the file and the row, so a report never presents them as real."""
    p = Path(path)
    if not p.is_file():
        msg = f"{p}: no such review file (give the .sqlite file the review notebook wrote)"
        raise InputError(msg)
    from telekit.review._store import verify  # noqa: PLC0415 - loads ipywidgets: only with a review file

    check = verify(p)
    if not check.intact:
        msg = f"{p.name}: {check.message}; the report does not use its decisions"
        raise InputError(msg)
    cols = ", ".join(_DECISION_COLUMNS)
    query = (
        f"SELECT {cols} FROM decisions WHERE id IN "  # noqa: S608 - fixed column names
        "(SELECT MAX(id) FROM decisions GROUP BY finding_id) ORDER BY id"
    )
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute(query).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        msg = (
            f"{p.name}: not a telekit review file (expected an SQLite file with a decisions table)"
        )
        raise InputError(msg) from None
    frame = pl.DataFrame(
        rows,
        schema={
            "finding_id": pl.String,
            "rule_code": pl.String,
            c.CLAIM_ID: pl.String,
            c.CLAIM_LINE_NUMBER: pl.Int32,
            c.ENCOUNTER_ID: pl.String,
            "decision": pl.String,
            "note": pl.String,
            "reviewer": pl.String,
            "decided_at": pl.String,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.col("decided_at").str.to_datetime(time_zone="UTC", time_unit="us", strict=False)
    )


def _decisions_frame(decisions: pl.DataFrame | str | Path | None) -> pl.DataFrame | None:
    if decisions is None:
        return None
    if isinstance(decisions, str | Path):
        return read_review(decisions)
    missing = [col for col in ("finding_id", "decision") if col not in decisions.columns]
    if missing:
        msg = (
            f"decisions: no column {', '.join(missing)} (found: "
            f"{', '.join(decisions.columns) or 'none'}); pass telekit.review.read_decisions(F)"
        )
        raise InputError(msg)
    return decisions


# --- OUT ------------------------------------------------------------------------------------------


def write_metrics(frames: Mapping[str, pl.DataFrame], path: Path) -> None:
    """Several frames in one Parquet file: a ``frame`` column naming each row's frame and one
    struct column per frame (its schema kept exactly, empty frames included)."""
    parts = [
        df.select(pl.lit(name, dtype=pl.String).alias("frame"), pl.struct(df.columns).alias(name))
        for name, df in frames.items()
        if df.width
    ]
    table = pl.concat(parts, how="diagonal") if parts else pl.DataFrame(schema={"frame": pl.String})
    table.write_parquet(path)


def read_metrics(path: Path) -> dict[str, pl.DataFrame]:
    """The frames ``write_metrics`` wrote."""
    table = pl.read_parquet(path)
    return {
        name: table.filter(pl.col("frame") == name).select(pl.col(name).struct.unnest())
        for name in table.columns
        if name != "frame"
    }


def load_audit(
    out: str | Path,
) -> tuple[AuditRecord, dict[str, pl.DataFrame] | None, pl.DataFrame | None]:
    """What ``telekit audit`` wrote to ``out``: the record, the metric frames (None without
    metrics.parquet) and the OIG measures (None without oig.parquet)."""
    folder = Path(out)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        msg = f"{folder}: no summary.json (run `telekit audit ... --out {folder}` first)"
        raise InputError(msg)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    findings_path = folder / "findings.parquet"
    if not findings_path.is_file():
        msg = f"{folder}: no findings.parquet (run `telekit audit ... --out {folder}` again)"
        raise InputError(msg)
    findings = pl.read_parquet(findings_path)
    rejects_path = folder / "rejects.csv"
    rejects = (
        pl.read_csv(rejects_path, infer_schema=False).with_columns(
            pl.col("row_number").cast(pl.Int64)
        )
        if rejects_path.is_file()
        else pl.DataFrame(schema=c.REJECTS_SCHEMA)
    )
    inputs_path = folder / "inputs.json"
    inputs = json.loads(inputs_path.read_text(encoding="utf-8")) if inputs_path.is_file() else None
    metrics_path, oig_path = folder / "metrics.parquet", folder / "oig.parquet"
    record = AuditRecord(
        summary_data=summary,
        findings=findings,
        rejects=rejects,
        providers=_roster_from_inputs(inputs),
        inputs=inputs,
    )
    return (
        record,
        read_metrics(metrics_path) if metrics_path.is_file() else None,
        pl.read_parquet(oig_path) if oig_path.is_file() else None,
    )


def _roster_from_inputs(inputs: Mapping[str, Any] | None) -> pl.DataFrame | None:
    """The provider roster for names, read again from its path when its SHA-256 is unchanged
    (inputs.json); otherwise the report shows NPIs only."""
    if not inputs:
        return None
    from telekit._outputs import sha256_of  # noqa: PLC0415 - _outputs imports this module
    from telekit._readers import read_providers  # noqa: PLC0415

    entries = inputs.get("inputs", {}).get("providers") or []
    if len(entries) != 1:
        return None
    path = Path(entries[0]["path"])
    if not path.exists() or sha256_of(path) != entries[0].get("sha256"):
        return None
    return read_providers(path).data


def render_audit_dir(
    out: str | Path,
    *,
    decisions: pl.DataFrame | str | Path | None = None,
    deidentify: bool | Deidentifier = False,
) -> str:
    """``render`` from what ``telekit audit`` wrote to ``out`` (no re-audit)."""
    record, metric_frames, oig = load_audit(out)
    return render(
        record, metrics=metric_frames, oig=oig, decisions=decisions, deidentify=deidentify
    )


# --- render ---------------------------------------------------------------------------------------


def render(
    result: AuditResult | AuditRecord,
    *,
    metrics: Mapping[str, pl.DataFrame] | pl.DataFrame | None = None,
    oig: pl.DataFrame | None = None,
    decisions: pl.DataFrame | str | Path | None = None,
    deidentify: bool | Deidentifier = False,
    practice: str | None = None,
) -> str:
    """The audit report as one self-contained HTML page (a string).

    ``result``: an ``AuditResult`` or an ``AuditRecord`` (``load_audit``). ``metrics``: the
    frames of ``compute_metrics`` (a dict keyed by ``METRIC_FRAMES``; a single
    ``metrics.revenue_cycle`` frame is accepted too). ``oig``:
    ``telekit.integrity.oig_measures(...)``. ``decisions``: the current decision per finding
    (``telekit.review.read_decisions(F)``) or the review file's path. ``deidentify``: Safe
    Harbor (True, or the ``Deidentifier`` whose pseudonyms the other outputs of the run use).
    ``practice``: the practice's name, put in front of the title.
    """
    deid: Deidentifier | None = None
    if isinstance(deidentify, Deidentifier):
        deid = deidentify
    elif deidentify:
        deid = Deidentifier()
    if isinstance(result, AuditResult):
        if deid is not None:
            for frame in (result.claims, result.encounters, result.coverage):
                deid.register_frame(frame)
        record = AuditRecord.from_result(result)
    else:
        record = result
    frames = _metric_frames(metrics)
    review = _decisions_frame(decisions)
    if deid is not None and not record.deidentified:
        if review is not None:
            review = deid.frame(review.join(record.findings.select("finding_id"), on="finding_id"))
        record = record.deidentify(deid)
    deidentified = record.deidentified
    if deidentified:
        frames = {k: v for k, v in frames.items() if k not in _MONTHLY}
    page = _Page(deidentified=deidentified, practice=practice)
    # every text is escaped without control characters (``_Page.t``); the charts' labels too
    return strip_controls_in(page.document(record, frames, oig, review))


# --- HTML -----------------------------------------------------------------------------------------

#: a C0 control character (tab, LF and CR kept) as a JSON escape
_JSON_CONTROLS: Final = re.compile(r"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])")


_ABBREVIATIONS: Final = {
    "ctbs": "CTBS", "em": "E/M", "npi": "NPI", "pos": "POS", "cpt": "CPT", "mdm": "MDM",
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
    if value is None:
        return "—"
    return f"${Decimal(str(value)):,.2f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def _int(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


def _days(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.1f}"


_RC_FIGURES: Final[tuple[tuple[str, str, Callable[[Any], str], str], ...]] = (
    ("claims_submitted", "Claims submitted", _int, "by the as-of date"),
    ("claims_adjudicated", "Claims adjudicated", _int, "with a first remittance"),
    ("initial_denial_rate", "Initial denial rate", _pct, "denied at first adjudication"),
    ("initial_denial_rate_dollars", "Initial denial rate (dollars)", _pct, "billed denied"),
    ("first_pass_resolution_rate", "First-pass resolution", _pct, "paid first time"),
    ("clean_claim_rate", "Clean claim rate", _pct, "claims without an audit error"),
    ("gross_collection_rate", "Gross collection rate", _pct, "paid ÷ billed"),
    ("net_collection_rate", "Net collection rate", _pct, "paid ÷ (billed − contractual)"),
    ("ar_outstanding", "A/R outstanding", _money, "billed not yet resolved"),
    ("pct_ar_over_90", "A/R over 90 days", _pct, "share of A/R"),
    ("pct_ar_over_120", "A/R over 120 days", _pct, "share of A/R"),
    ("days_in_ar", "Days in A/R", _days, "A/R ÷ average daily charges"),
    ("median_submission_lag_days", "Submission lag (median days)", _days, "DOS to claim"),
    ("median_payment_lag_days", "Payment lag (median days)", _days, "claim to payment"),
)

_CSS = """
:root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--soft:#f5f7fa;--accent:#1f4e79;
--error:#c0392b;--warning:#e67e22;--info:#2e86c1}
*{box-sizing:border-box}
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
margin:0 auto;max-width:1100px;padding:24px 32px 64px;line-height:1.45;font-size:14px}
h1{font-size:26px;margin:0 0 4px;color:var(--accent)}
h2{font-size:20px;margin:40px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--accent);
color:var(--accent)}
h3{font-size:16px;margin:24px 0 6px}
p{margin:6px 0}
.meta{color:var(--muted);margin:0 0 16px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;
font-weight:600;vertical-align:middle}
.badge.error{background:var(--error)}.badge.warning{background:var(--warning)}
.badge.info{background:var(--info)}.badge.deid{background:#486581}
nav.toc{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 16px;
margin:12px 0 8px}
nav.toc a{margin-right:16px;color:var(--accent);text-decoration:none}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;
margin:12px 0 16px}
.tile{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:#fff}
.tile .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.tile .value{font-size:24px;font-weight:700;margin:2px 0}
.tile .note{color:var(--muted);font-size:12px}
.tile.alert .value{color:var(--error)}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}
table.matrix td:not(:first-child),table.matrix th:not(:first-child){text-align:right;
white-space:nowrap}
tbody tr:nth-child(even){background:#fbfcfd}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;
background:var(--soft);padding:0 3px;border-radius:3px}
figure.chart{margin:12px 0 20px;padding:8px;border:1px solid var(--line);border-radius:8px;
background:#fff;overflow:hidden}
figure.chart svg{display:block;max-width:100%;height:auto}
.rule{border-left:4px solid var(--line);padding:2px 0 2px 14px;margin:18px 0}
.rule.error{border-left-color:var(--error)}.rule.warning{border-left-color:var(--warning)}
.rule.info{border-left-color:var(--info)}
.rule .stats{color:var(--muted);margin:2px 0 8px}
.doc p{margin:4px 0}
.note{color:var(--muted);font-size:13px}
.callout{background:#fff8e6;border:1px solid #f0d9a0;border-radius:6px;padding:8px 12px;
margin:8px 0}
footer{margin-top:48px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);
padding-top:8px}
@page{size:letter;margin:14mm 12mm}
@media print{
body{max-width:none;padding:0;font-size:10.5pt}
nav.toc{display:none}
section.major{break-before:page}
section.major.first{break-before:auto}
h2,h3{break-after:avoid}
figure.chart,.tile,.rule .stats,tr{break-inside:avoid}
thead{display:table-header-group}
a{color:inherit;text-decoration:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


CHART_LABEL_MAX: Final = 80


def _short_labels(spec: str) -> str:
    """The spec with every text value of its data cut to ``CHART_LABEL_MAX`` characters (with
    "…"): a 40 KB payer name drawn as an axis label takes vl-convert minutes, and no reader
    needs more than a line of it on a chart (the tables keep the whole text)."""
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


class _Page:
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

    def document(
        self,
        record: AuditRecord,
        frames: Mapping[str, pl.DataFrame],
        oig: pl.DataFrame | None,
        decisions: pl.DataFrame | None,
    ) -> str:
        s = record.summary_data
        sections: list[tuple[str, str, str]] = [
            ("summary", "Executive summary", self.executive(record, decisions)),
            ("findings", "Findings by rule", self.findings(record)),
        ]
        if frames:
            sections.append(("revenue", "Revenue cycle", self.revenue(frames)))
        if oig is not None:
            sections.append(("oig", "OIG integrity measures", self.oig(oig, record.providers)))
        if decisions is not None:
            sections.append(("review", "Reviewer decisions", self.review(record, decisions)))
        options = (record.inputs or {}).get("options") or {}
        if options.get("not_computed"):  # what this run left out, and why (telekit audit)
            items = "".join(
                f"<li><b>{self.t(what)}</b>: {self.t(why)}</li>"
                for what, why in options["not_computed"].items()
            )
            sections.append(("not-computed", "Not in this report", f"<ul>{items}</ul>"))
        sections.append(("inputs", "Input data", self.inputs(record)))
        sections.append(("versions", "Versions and run", self.versions(record)))
        toc = "".join(f"<a href='#{sid}'>{self.t(title)}</a>" for sid, title, _ in sections)
        body = "".join(
            f"<section class='major{' first' if i == 0 else ''}' id='{sid}'>"
            f"<h2>{self.t(title)}</h2>{content}</section>"
            for i, (sid, title, content) in enumerate(sections)
        )
        deid = (
            " <span class='badge deid'>de-identified (Safe Harbor)</span>"
            if self.deidentified
            else ""
        )
        heading = "Telehealth billing audit report"
        if self.practice:
            heading = f"{self.t(self.practice)} — {heading}"
        as_of = s.get("as_of")
        meta = (
            f"Run {_run_date(s.get('run_at'))} · as of {self.t(as_of or 'not set')} · "
            f"telekit {self.t(s.get('telekit_version', ''))} · code sets "
            f"{self.t(s.get('code_set_version', ''))}"
        )
        return (
            "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<meta name='generator' content='telekit'>"
            f"<title>{heading}</title><style>{_CSS}</style></head>"
            f"<body data-charts='{self.charts}'>"
            f"<header><h1>{heading}{deid}</h1>"
            f"<p class='meta'>{meta}</p></header>"
            f"<nav class='toc'>{toc}</nav>{body}"
            "<footer>Made by telekit. Findings, rejects and decisions are in findings.xlsx; "
            "each rule's full page: <code>telekit rule CODE</code>."
            f"{' Identifiers are pseudonyms and dates are years.' if self.deidentified else ''}"
            "</footer></body></html>\n"
        )

    # --- sections ---------------------------------------------------------------------------

    def executive(self, record: AuditRecord, decisions: pl.DataFrame | None) -> str:
        s = record.summary_data
        f = s.get("findings", {})
        by = f.get("by_severity", {})
        claims = s.get("tables", {}).get("claims", {})
        audited = int(claims.get("rows_audited") or 0)
        lines_err = int(f.get("lines_with_errors") or 0)
        share = f"{lines_err / audited * 100:.1f}% of lines audited" if audited else ""
        rejected = sum(int(t.get("rows_rejected") or 0) for t in s.get("tables", {}).values())
        tiles = [
            ("Claim lines audited", f"{audited:,}", f"{_int(claims.get('rows_in'))} rows read"),
            (
                "Findings",
                f"{int(f.get('total') or 0):,}",
                f"{int(by.get('error') or 0):,} error · {int(by.get('warning') or 0):,} warning"
                f" · {int(by.get('info') or 0):,} info",
            ),
            ("Lines with an error", f"{lines_err:,}", share),
            (
                "Dollars at risk",
                _money(f.get("dollars_at_risk", "0")),
                "charges of lines with an error, each line once",
            ),
            ("Rows rejected", f"{rejected:,}", "unreadable input rows (see Input data)"),
        ]
        if decisions is not None:
            after = _after_review(record.findings, decisions)
            tiles.append(("At risk after review", _money(after), "dismissed findings removed"))
        html_tiles = "".join(
            f"<div class='tile{' alert' if label.startswith('Dollars') else ''}'>"
            f"<div class='label'>{self.t(label)}</div><div class='value'>{self.t(value)}</div>"
            f"<div class='note'>{self.t(note)}</div></div>"
            for label, value, note in tiles
        )
        rules = record.summary().filter(pl.col("findings") > 0)
        top_rules = rules.sort(
            ["dollars_at_risk", "findings", "rule_code"], descending=[True, True, False]
        ).head(5)
        parts = [f"<div class='tiles'>{html_tiles}</div>"]
        if top_rules.height:
            parts.append("<h3>Top rules</h3>")
            parts.append(
                self.table(
                    top_rules.with_columns(readable_expr(pl.col("rule_name"))),
                    [
                        ("rule_code", "Rule", None),
                        ("rule_name", "Problem", None),
                        ("severity", "Severity", None),
                        ("findings", "Findings", _int),
                        ("lines", "Lines", _int),
                        ("dollars_at_risk", "Dollars at risk", _money),
                    ],
                )
            )
            parts.append(
                "<p class='note'>A line flagged by several rules counts in each rule's amount; "
                "the total above counts it once.</p>"
            )
        providers = _top_providers(record.findings, record.providers)
        if providers.height:
            parts.append("<h3>Top providers</h3>")
            parts.append(
                self.table(
                    providers.head(5),
                    [
                        (c.RENDERING_NPI, "Rendering NPI", None),
                        ("provider", "Provider", None),
                        ("findings", "Findings", _int),
                        ("lines_with_errors", "Lines with an error", _int),
                        ("dollars_at_risk", "Dollars at risk", _money),
                    ],
                )
            )
        if rules.height:
            from telekit import charts  # noqa: PLC0415

            parts.append(self.chart("findings-by-rule", lambda: charts.findings_by_rule(rules)))
            if providers.filter(pl.col("dollars_at_risk") > 0).height:
                parts.append(
                    self.chart(
                        "dollars-at-risk-by-provider",
                        lambda: charts.dollars_at_risk_by_provider(
                            record.findings, record.providers
                        ),
                    )
                )
        return "".join(parts)

    def findings(self, record: AuditRecord) -> str:
        from telekit.rules import REGISTRY  # noqa: PLC0415

        rules = record.summary()
        order = {s: i for i, s in enumerate(_SEVERITIES)}
        with_findings = (
            rules.filter(pl.col("findings") > 0)
            .with_columns(pl.col("severity").replace_strict(order, default=9).alias("_rank"))
            .sort(["_rank", "dollars_at_risk", "findings", "rule_code"],
                  descending=[False, True, True, False])
        )  # fmt: skip
        findings = record.findings
        year = _year_expr(findings)
        parts = [
            "<p>Each rule that flagged lines: what it checks, why, and what to bill instead, "
            f"with up to {_EXAMPLES} of its findings (every finding is in findings.xlsx).</p>"
        ]
        if with_findings.height == 0:
            parts.append("<p><strong>No findings.</strong></p>")
        for r in with_findings.iter_rows(named=True):
            code = r["rule_code"]
            rule = REGISTRY.get(code)
            lead = rule.summary if rule is not None else ""
            examples = findings.filter(pl.col("rule_code") == code).head(_EXAMPLES)
            cols: list[tuple[str, str, Callable[[Any], str] | None]] = [
                (c.CLAIM_ID, "Claim", None),
                (c.CLAIM_LINE_NUMBER, "Line", None),
                ("_when", "Year" if self.deidentified else "Date of service", None),
                (c.HCPCS_CODE, "Code", None),
                (c.PAYER, "Payer", None),
                (c.RENDERING_NPI, "Rendering NPI", None),
                ("amount_at_risk", "At risk", _money),
            ]
            if not self.deidentified:
                cols.append(("message", "What was found", None))
            examples = examples.with_columns(year.alias("_when"))
            parts.append(
                f"<div class='rule {self.t(r['severity'])}' id='rule-{self.t(code)}'>"
                f"<h3>{self.t(code)} · {self.t(readable(r['rule_name']))} "
                f"<span class='badge {self.t(r['severity'])}'>{self.t(r['severity'])}</span></h3>"
                f"<p class='stats'>{r['findings']:,} findings on {r['lines']:,} lines · "
                f"{_money(r['dollars_at_risk'])} at risk"
                f"{' (partial: ' + self.t(r['reason']) + ')' if r['status'] == 'partial' else ''}"
                f"</p><p><strong>{self.t(lead)}</strong></p>"
                f"{self.doc(rule.doc) if rule is not None else ''}"
                f"{self.table(examples, cols)}</div>"
            )
        not_full = rules.filter(pl.col("status") != "evaluated")
        if not_full.height:
            parts.append("<h3>Rules not fully evaluated</h3>")
            parts.append(
                "<p class='callout'>These rules could not judge every line with the data given; "
                "a missing finding here is not a clean bill of health.</p>"
            )
            parts.append(
                self.table(
                    not_full,
                    [
                        ("rule_code", "Rule", None),
                        ("rule_name", "Name", None),
                        ("status", "Status", None),
                        ("reason", "Why", None),
                    ],
                )
            )
        clean = rules.filter((pl.col("findings") == 0) & (pl.col("status") == "evaluated"))
        if clean.height:
            parts.append("<h3>Rules evaluated without findings</h3>")
            parts.append(
                "<p>" + ", ".join(
                    f"{self.t(code)} {self.t(readable(name))}"
                    for code, name in clean.select("rule_code", "rule_name").iter_rows()
                ) + ".</p>"
            )  # fmt: skip
        return "".join(parts)

    def revenue(self, frames: Mapping[str, pl.DataFrame]) -> str:
        from telekit import charts  # noqa: PLC0415

        parts: list[str] = []
        overall = frames.get("revenue_cycle")
        if overall is not None and overall.height:
            row = overall.row(0, named=True)
            tiles = "".join(
                f"<div class='tile'><div class='label'>{self.t(label)}</div>"
                f"<div class='value'>{fmt(row[key])}</div>"
                f"<div class='note'>{self.t(note)}</div></div>"
                for key, label, fmt, note in _RC_FIGURES
                if key in row
            )
            parts.append(f"<div class='tiles'>{tiles}</div>")
            parts.append(
                "<p class='note'>telekit's definitions, close to HFMA/MGMA but computable from "
                "claims and 835s alone (<code>help(telekit.metrics.revenue_cycle)</code>).</p>"
            )
        elif "telehealth_mix" in frames or "telehealth_mix_by_month" in frames:
            parts.append(
                "<p class='note'>No remittances were given: revenue-cycle figures need 835s "
                "or remittance exports.</p>"
            )
        by_month = frames.get("revenue_cycle_by_month")
        if by_month is not None:
            parts.append(
                self.chart("denial-rate-by-month", lambda: charts.denial_rate_by_month(by_month))
            )
        denials = frames.get("denials")
        if denials is not None:
            parts.append(self.chart("denial-pareto", lambda: charts.denial_pareto(denials)))
        if overall is not None:
            parts.append(self.chart("ar-aging", lambda: charts.ar_aging(overall)))
        by_payer = frames.get("revenue_cycle_by_payer")
        if by_payer is not None:
            parts.append(
                self.chart(
                    "collection-rates-by-payer", lambda: charts.collection_rates_by_payer(by_payer)
                )
            )
        mix_month = frames.get("telehealth_mix_by_month")
        if mix_month is not None:
            parts.append(
                self.chart("telehealth-mix", lambda: charts.telehealth_mix_over_time(mix_month))
            )
        mix = frames.get("telehealth_mix")
        if mix is not None and mix.height:
            parts.append("<h3>Telehealth mix</h3>")
            parts.append(
                self.table(
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
        if self.deidentified:
            parts.append(
                "<p class='note'>Monthly trends are left out of a de-identified report "
                "(Safe Harbor keeps only the year of dates about patients).</p>"
            )
        return "".join(parts)

    def oig(self, oig: pl.DataFrame, providers: pl.DataFrame | None) -> str:
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
                    pl.col(f"{col}_exceeded")
                    .fill_null(False)
                    .sum()
                    .cast(pl.Int64)
                    .alias("exceeded"),
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
            self.table(
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
                self.table(
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
                self.table(
                    why,
                    [
                        ("measure", "Measure", None),
                        ("reason", "Why", None),
                        ("years", "Years", _year_ranges),
                        ("providers", "Provider-years", _int),
                    ],
                )
            )
        parts.append(self.chart("oig-measures", lambda: charts.oig_measures_vs_thresholds(oig)))
        return "".join(parts)

    def review(self, record: AuditRecord, decisions: pl.DataFrame) -> str:
        findings = record.findings
        current = decisions.join(findings.select("finding_id"), on="finding_id", how="semi")
        stale = decisions.height - current.height
        counts = dict(current.group_by("decision").len().iter_rows())
        tiles = [("Findings reviewed", f"{current.height:,} of {findings.height:,}")]
        tiles += [
            (_DECISION_LABELS[d].capitalize(), f"{int(counts.get(d, 0)):,}")
            for d in REVIEW_DECISIONS
        ]
        tiles.append(("At risk after review", _money(_after_review(findings, current))))
        parts = [
            "<div class='tiles'>"
            + "".join(
                f"<div class='tile'><div class='label'>{self.t(k)}</div>"
                f"<div class='value'>{self.t(v)}</div></div>"
                for k, v in tiles
            )
            + "</div>"
        ]
        if stale:
            parts.append(
                f"<p class='callout'>{stale:,} decisions of the review file are about findings "
                "this audit does not have (an older audit?); they are left out.</p>"
            )
        by_rule = (
            findings.select("finding_id", "rule_code")
            .join(current.select("finding_id", "decision"), on="finding_id", how="left")
            .group_by("rule_code")
            .agg(
                pl.len().cast(pl.Int64).alias("findings"),
                *[
                    (pl.col("decision") == d).sum().cast(pl.Int64).alias(d)
                    for d in REVIEW_DECISIONS
                ],
                pl.col("decision").is_null().sum().cast(pl.Int64).alias("open"),
            )
            .sort("rule_code")
        )
        parts.append("<h3>Decisions by rule</h3>")
        parts.append(
            self.table(
                by_rule,
                [
                    ("rule_code", "Rule", None),
                    ("findings", "Findings", _int),
                    ("confirm", "Confirmed", _int),
                    ("dismiss", "Dismissed", _int),
                    ("needs_query", "Needs query", _int),
                    ("open", "Not reviewed", _int),
                ],
            )
        )
        year = _year_expr(findings)
        detail = (
            current.join(
                findings.select("finding_id", c.HCPCS_CODE, year.alias("_when"), "amount_at_risk"),
                on="finding_id",
                how="left",
            )
            .with_columns(_when_decided(current).alias("_decided"))
            .sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code")
        )
        cols: list[tuple[str, str, Callable[[Any], str] | None]] = [
            ("rule_code", "Rule", None),
            (c.CLAIM_ID, "Claim", None),
            (c.CLAIM_LINE_NUMBER, "Line", None),
            ("_when", "Year" if self.deidentified else "Date of service", None),
            (c.HCPCS_CODE, "Code", None),
            ("decision", "Decision", None),
            ("reviewer", "Reviewer", None),
            ("_decided", "Decided", None),
        ]
        if "note" in detail.columns and not self.deidentified:
            cols.append(("note", "Note", None))
        parts.append("<h3>Decisions</h3>")
        if detail.height > _DECISION_ROWS:
            parts.append(
                f"<p class='note'>The first {_DECISION_ROWS:,} of {detail.height:,} decisions; "
                "every one is on the Decisions sheet of findings.xlsx.</p>"
            )
        parts.append(self.table(detail.head(_DECISION_ROWS), cols))
        return "".join(parts)

    def _x12_issues(self, s: Mapping[str, Any]) -> list[str]:
        """A line per table whose X12 files had problems (summary.json ``x12_issues``)."""
        out = []
        for name, t in s.get("tables", {}).items():
            found = t.get("x12_issues") or {}
            count = int(found.get("count") or 0)
            if not count:
                continue
            kinds = ", ".join(f"{n:,} {k}" for k, n in (found.get("by_severity") or {}).items())
            first = str((found.get("issues") or [{}])[0].get("message") or "").rstrip(".")
            out.append(
                f"<p><b>{self.t(name)}</b>: {count:,} X12 problem{'s' * (count != 1)} "
                f"({self.t(kinds)}); first: {self.t(first)}. Every one is listed in "
                "summary.json; service lines that could not be read are in rejects.csv.</p>"
            )
        return out

    def inputs(self, record: AuditRecord) -> str:
        s = record.summary_data
        rows = [
            {
                "table": name,
                "source": Path(str(t.get("source") or "")).name or "—",
                "rows_in": t.get("rows_in"),
                "rows_audited": t.get("rows_audited"),
                "rows_rejected": t.get("rows_rejected"),
                "dropped": ", ".join(t.get("dropped_columns") or []) or "—",
            }
            for name, t in s.get("tables", {}).items()
        ]
        accounting = pl.DataFrame(
            rows,
            schema={
                "table": pl.String,
                "source": pl.String,
                "rows_in": pl.Int64,
                "rows_audited": pl.Int64,
                "rows_rejected": pl.Int64,
                "dropped": pl.String,
            },
        )
        parts = [
            "<p>Every row read is either audited or rejected (rows in = audited + rejected). "
            "A rejected row could not be represented (a missing required value, an unreadable "
            "date or amount, a value outside the contract, a duplicate key); its value is in "
            "rejects.csv, never in this report.</p>",
            self.table(
                accounting,
                [
                    ("table", "Table", None),
                    ("source", "File", None),
                    ("rows_in", "Rows in", _int),
                    ("rows_audited", "Audited", _int),
                    ("rows_rejected", "Rejected", _int),
                    ("dropped", "Columns not used", None),
                ],
            ),
        ]
        parts.extend(self._x12_issues(s))
        rejects = record.rejects
        if rejects.height:
            by_reason = (
                rejects.group_by("table", "column", "reason")
                .agg(pl.len().cast(pl.Int64).alias("rows"))
                .sort(["rows", "table", "column"], descending=[True, False, False])
            )
            parts.append("<h3>Rejected rows by reason</h3>")
            parts.append(
                self.table(
                    by_reason,
                    [
                        ("table", "Table", None),
                        ("column", "Column", None),
                        ("reason", "Reason", None),
                        ("rows", "Rows", _int),
                    ],
                )
            )
            parts.append("<h3>Rejected rows</h3>")
            if rejects.height > _REJECT_ROWS:
                parts.append(
                    f"<p class='note'>The first {_REJECT_ROWS} of {rejects.height:,}; all are in "
                    "rejects.csv and on the Rejects sheet of findings.xlsx.</p>"
                )
            parts.append(
                self.table(
                    rejects.head(_REJECT_ROWS),
                    [
                        ("table", "Table", None),
                        ("source_file", "File", None),
                        ("row_number", "Row", _int),
                        ("column", "Column", None),
                        ("reason", "Reason", None),
                    ],
                )
            )
        unknown = s.get("unknown_codes") or {}
        if unknown:
            parts.append("<h3>Codes telekit does not know</h3>")
            parts.append(
                "<p class='note'>Never a finding by themselves (DESIGN §5); check them by hand.</p>"
            )
            parts.append(
                self.table(
                    pl.DataFrame(
                        {"code": list(unknown), "lines": [int(v) for v in unknown.values()]},
                        schema={"code": pl.String, "lines": pl.Int64},
                    ),
                    [("code", "Code", None), ("lines", "Lines", _int)],
                )
            )
        return "".join(parts)

    def versions(self, record: AuditRecord) -> str:
        s = record.summary_data
        rows = [
            ("Run", _run_date(s.get("run_at"))),
            ("As of", self.t(s.get("as_of") or "not set")),
            ("telekit", self.t(s.get("telekit_version", ""))),
            ("Code sets", self.t(s.get("code_set_version", ""))),
            ("Payer policies", self.t(_policies_text(s, record.inputs))),
            ("De-identified", "yes (Safe Harbor)" if self.deidentified else "no"),
        ]
        out = "<table><tbody>" + "".join(
            f"<tr><th>{self.t(k)}</th><td>{v}</td></tr>" for k, v in rows
        ) + "</tbody></table>"  # fmt: skip
        files = _input_files(record.inputs)
        if files.height:
            out += "<h3>Files read</h3>" + self.table(
                files,
                [
                    ("table", "Table", None),
                    ("file", "File", None),
                    ("sha256", "SHA-256", _code),
                ],
            )
        return out


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
    """Per rendering NPI: findings, lines with an error and their charges (each line once)."""
    per_line = (
        findings.filter(pl.col("severity") == "error")
        .unique(subset=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER])
        .group_by(c.RENDERING_NPI)
        .agg(
            pl.len().cast(pl.Int64).alias("lines_with_errors"),
            pl.col("amount_at_risk").sum().cast(c.MONEY).alias("dollars_at_risk"),
        )
    )
    counts = findings.group_by(c.RENDERING_NPI).agg(pl.len().cast(pl.Int64).alias("findings"))
    return (
        counts.join(per_line, on=c.RENDERING_NPI, how="left", nulls_equal=True)
        .with_columns(
            pl.col("lines_with_errors").fill_null(0),
            pl.col("dollars_at_risk").fill_null(Decimal("0")),
        )
        .join(_provider_names(providers), on=c.RENDERING_NPI, how="left")
        .sort(["dollars_at_risk", "findings", c.RENDERING_NPI], descending=[True, True, False])
    )


def _after_review(findings: pl.DataFrame, decisions: pl.DataFrame) -> Decimal:
    """Dollars at risk once dismissed findings are set aside: the charge of each line with at
    least one error finding not dismissed, each line once."""
    dismissed = decisions.filter(pl.col("decision") == "dismiss").select("finding_id")
    total = (
        findings.filter(pl.col("severity") == "error")
        .join(dismissed, on="finding_id", how="anti")
        .unique(subset=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER])
        .get_column("amount_at_risk")
        .sum()
    )
    return Decimal(str(total)) if total is not None else Decimal("0.00")


def deidentified_metrics(frames: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The metric frames a de-identified OUT keeps: no monthly series."""
    return {k: v for k, v in frames.items() if k not in _MONTHLY}
