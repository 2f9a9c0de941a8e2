"""``render_executive``: the client's short document (executive.html, at most three Letter pages
printed): scope, coverage of the catalog, the four kinds of money side by side, the top findings
with their fixes, recommended actions, and where the detail is (report.html, findings.xlsx).

It reads the engagement's labels from summary.json's top-level ``practice``, ``prepared_by``
and ``period`` ({from, to}) when present (an older OUT lacks them: nothing is shown). The page
is self-contained (inline CSS, no script, no image, nothing loaded) and is laid out with plain
tables so that WeasyPrint (``--pdf``) and a browser print it alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._dates import PeriodInput
from telekit._engine._result import (
    EXPOSURE_KINDS,
    EXPOSURE_MEANING,
    EXPOSURE_WORDS,
    AuditResult,
)
from telekit.report._cells import strip_controls_in
from telekit.report._coverage import catalog_coverage
from telekit.report._deidentify import Deidentifier
from telekit.report._html import Page, _money, _provider_names, _run_date, readable
from telekit.report._labels import Labels
from telekit.report._record import AuditRecord, record_of

#: rules shown per kind of money, and recommendations per provider concentration
_TOP_PER_KIND: Final = 3
_TRAINING_ROWS: Final = 4
#: a rule "concentrates" on a provider holding at least this share of its lines (and 2 lines)
_CONCENTRATION: Final = 1 / 3
_SCRUBBER_LINES: Final = 5

_TABLE_LABELS: Final = {
    "claims": "Claim lines",
    "encounters": "Encounters",
    "coverage": "Coverage periods",
    "providers": "Providers",
    "remittances": "Remittance lines",
    "adjustments": "Adjustments",
    "patient_payments": "Patient payments",
}

_FIX: Final = re.compile(r"^(?:Instead|Fix):\s*(.*?)(?:\n\s*\n|\Z)", re.S | re.M)

CSS: Final = """
@page{size:letter;margin:0.55in 0.6in}
*{box-sizing:border-box}
body{font-family:"Helvetica Neue",Helvetica,Arial,"Liberation Sans","DejaVu Sans",sans-serif;
color:#1f2933;font-size:10pt;line-height:1.35;margin:0 auto;max-width:8in;padding:0}
h1{font-size:17pt;color:#1f4e79;margin:0 0 2pt}
h2{font-size:12.5pt;color:#1f4e79;margin:12pt 0 4pt;border-bottom:1.5pt solid #1f4e79;
padding-bottom:2pt;break-after:avoid}
h3{font-size:10.5pt;margin:8pt 0 3pt;break-after:avoid}
p{margin:3pt 0}
table{border-collapse:collapse;width:100%;margin:3pt 0 6pt}
th,td{border:0.6pt solid #d9e2ec;padding:3pt 5pt;text-align:left;vertical-align:top}
th{background:#f5f7fa;font-weight:600}
tr{break-inside:avoid}
td.num,th.num{text-align:right;white-space:nowrap}
table.labels th{width:24%}
table.money td{width:25%;border-top:3pt solid #d9e2ec}
table.money td.overpayment{border-top-color:#c0392b}table.money td.denied{border-top-color:#e67e22}
table.money td.at_risk{border-top-color:#b7950b}
table.money td.underpayment{border-top-color:#2e86c1}
.kind{font-size:8.5pt;text-transform:uppercase;letter-spacing:.03em;color:#52606d}
.amount{font-size:15pt;font-weight:700;margin:1pt 0}
.small,.note{font-size:8.5pt;color:#52606d}
.fix{font-size:9pt}
code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:8.5pt}
ul{margin:3pt 0 3pt 16pt;padding:0}li{margin:2pt 0}
.badge{font-size:8.5pt;color:#fff;background:#486581;padding:0 4pt;border-radius:3pt}
footer{margin-top:10pt;font-size:8.5pt;color:#52606d;border-top:0.6pt solid #d9e2ec;
padding-top:4pt}
"""


def render_executive(
    result: AuditResult | AuditRecord,
    *,
    deidentify: bool | Deidentifier = False,
    practice: str | None = None,
    prepared_by: str | None = None,
    period: PeriodInput | None = None,
) -> str:
    """The executive summary as one self-contained HTML page (a string), at most three Letter
    pages printed.

    ``result``: an ``AuditResult`` or an ``AuditRecord`` (``load_audit``). ``deidentify``: Safe
    Harbor, as ``render``. ``practice``, ``prepared_by`` and ``period`` (from, to) override
    summary.json's ``practice``, ``prepared_by`` and ``period``.
    """
    record, deid = record_of(result, deidentify)
    if deid is not None and not record.deidentified:
        record = record.deidentify(deid)
    labels = Labels.of_summary(record.summary_data).updated(
        practice=practice, period=period, prepared_by=prepared_by
    )
    page = Page(deidentified=record.deidentified, practice=labels.practice)
    return strip_controls_in(_document(page, record, labels))


def _document(page: Page, record: AuditRecord, labels: Labels) -> str:
    s = record.summary_data
    title = "Telehealth billing audit: executive summary"
    deid = " <span class='badge'>de-identified (Safe Harbor)</span>" if page.deidentified else ""
    rows = [*labels.rows(), ("Data as of", s.get("as_of"))]
    head = "".join(f"<tr><th>{k}</th><td>{page.t(v)}</td></tr>" for k, v in rows if v)
    head += f"<tr><th>Audit run</th><td>{_run_date(s.get('run_at'))}</td></tr>"
    lead = f"{page.t(labels.practice)} — " if labels.practice else ""
    body = [
        f"<header><h1>{lead}{title}{deid}</h1>",
        f"<table class='labels'><tbody>{head}</tbody></table></header>",
        _scope(page, record),
        _money_section(page, record),
        _top_findings(page, record),
        _actions(page, record),
        "<footer>The detail is in <b>report.html</b> (every rule that flagged lines, with what "
        "it checks, why, examples and what to bill instead; the revenue-cycle and integrity "
        "measures; the input accounting) and <b>findings.xlsx</b> (every finding, one row each, "
        "with its fix). Findings are what the data shows; each should be confirmed against the "
        "record before any refund or resubmission. Made by telekit "
        f"{page.t(s.get('telekit_version', ''))}.</footer>",
    ]
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='generator' content='telekit'>"
        f"<title>{lead}{title}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def _scope(page: Page, record: AuditRecord) -> str:
    s = record.summary_data
    tables = s.get("tables", {})
    rows = []
    for name, t in tables.items():
        if not isinstance(t, Mapping):
            continue
        rows.append(
            f"<tr><td>{page.t(_TABLE_LABELS.get(name, name.replace('_', ' ').capitalize()))}"
            f"</td><td class='num'>{_count(t.get('rows_in'))}</td>"
            f"<td class='num'>{_count(t.get('rows_audited'))}</td>"
            f"<td class='num'>{_count(t.get('rows_rejected'))}</td></tr>"
        )
    rejected = sum(int(t.get("rows_rejected") or 0) for t in tables.values())
    claims = tables.get("claims", {})
    f = s.get("findings", {})
    by = f.get("by_severity", {})
    coverage = catalog_coverage(record.summary(), set(tables))
    out = [
        "<h2>Scope</h2>",
        f"<p>{_count(claims.get('rows_audited'))} telehealth claim lines audited against the "
        f"rule catalog: <b>{int(f.get('total') or 0):,} findings</b> "
        f"({int(by.get('error') or 0):,} errors, {int(by.get('warning') or 0):,} warnings, "
        f"{int(by.get('info') or 0):,} for information) on "
        f"{int(f.get('lines_with_errors') or 0):,} lines with an error.</p>",
        "<table><thead><tr><th>Data received</th><th class='num'>Rows read</th>"
        "<th class='num'>Audited</th><th class='num'>Rejected</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>",
    ]
    if rejected:
        out.append(
            f"<p class='note'>{rejected:,} rows could not be read as the data contract expects "
            "and were left out (listed in rejects.csv).</p>"
        )
    out.append(
        f"<p><b>Rules run: {coverage.run} of {coverage.total}</b> "
        f"<span class='note'>({page.t(coverage.note())})</span></p>"
    )
    return "".join(out)


def _count(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


def _money_section(page: Page, record: AuditRecord) -> str:
    cells = []
    for row in record.exposure().iter_rows(named=True):
        kind = row["exposure"]
        lines = int(row["lines"] or 0)
        cells.append(
            f"<td class='{kind}'><div class='kind'>{EXPOSURE_WORDS[kind].capitalize()}</div>"
            f"<div class='amount'>{_money(row['amount'])}</div>"
            f"<div class='small'><b>{lines:,} line{'s' * (lines != 1)}</b>. "
            f"{page.t(EXPOSURE_MEANING[kind])}</div></td>"
        )
    return (
        "<h2>Money, by kind</h2><p class='note'>Four kinds, never added together: each claim "
        "line counts once per kind, at its largest amount in the kind. Charges are not money "
        "at risk.</p>"
        f"<table class='money'><tbody><tr>{''.join(cells)}</tr></tbody></table>"
    )


def rule_fix(code: str) -> str:
    """A rule's fix in plain language: the "Instead:" (or "Fix:") paragraph of its page, else
    its summary line; empty for a code outside the catalog."""
    from telekit.rules import REGISTRY  # noqa: PLC0415 - the catalog loads the code sets

    rule = REGISTRY.get(code)
    if rule is None:
        return ""
    found = _FIX.search(rule.doc)
    text = " ".join(found.group(1).split()) if found else rule.summary
    return text[:1].upper() + text[1:]


def _kind_lines(findings: pl.DataFrame) -> pl.DataFrame:
    """rule_code, exposure, lines: the lines of each rule in each kind of money."""
    return (
        findings.filter(pl.col("exposure").is_in(EXPOSURE_KINDS))
        .group_by("rule_code", "exposure")
        .agg(pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).n_unique().cast(pl.Int64).alias("lines"))
    )


def _top_findings(page: Page, record: AuditRecord) -> str:
    rules = record.summary().filter(pl.col("findings") > 0)
    out = ["<h2>Top findings and their fixes</h2>"]
    if rules.height == 0:
        out.append("<p>No findings: every line audited met the rules that ran.</p>")
        return "".join(out)
    lines = _kind_lines(record.findings)
    shown = 0
    for kind in EXPOSURE_KINDS:
        top = (
            rules.filter(pl.col(kind) > 0)
            .join(lines.filter(pl.col("exposure") == kind), on="rule_code", how="left")
            .sort([kind, "rule_code"], descending=[True, False])
            .head(_TOP_PER_KIND)
        )
        if top.height == 0:
            continue
        shown += top.height
        out.append(f"<h3>{page.t(EXPOSURE_WORDS[kind].capitalize())}</h3>")
        out.append(_rule_table(page, top, kind))
    if not shown:  # findings, but none with money: the rules that flagged the most lines
        top = rules.sort(["lines", "rule_code"], descending=[True, False]).head(_TOP_PER_KIND)
        out.append("<h3>Most lines flagged</h3>")
        out.append(_rule_table(page, top, None))
    out.append(
        "<p class='note'>The rules with the most money in each kind (a line flagged by several "
        "rules counts under each). Every finding, with the fix for its line, is in "
        "findings.xlsx.</p>"
    )
    return "".join(out)


def _rule_table(page: Page, top: pl.DataFrame, kind: str | None) -> str:
    rows = []
    for r in top.iter_rows(named=True):
        amount = _money(r[kind]) if kind else "—"
        n = int(r["lines"] or 0)
        rows.append(
            f"<tr><td><b>{page.t(r['rule_code'])}</b> {page.t(readable(r['rule_name']))}</td>"
            f"<td class='num'>{n:,}</td><td class='num'>{page.t(amount)}</td>"
            f"<td class='fix'>{page.inline(rule_fix(r['rule_code']))}</td></tr>"
        )
    return (
        "<table><thead><tr><th style='width:28%'>Problem</th><th class='num'>Lines</th>"
        "<th class='num'>Amount</th><th>What to bill instead</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _actions(page: Page, record: AuditRecord) -> str:
    totals = {
        row["exposure"]: (int(row["lines"] or 0), row["amount"])
        for row in record.exposure().iter_rows(named=True)
    }
    items = []
    for kind, text in (
        (
            "overpayment",
            "<b>Refund overpayments</b>: {lines} paid lines, {amount}. Confirm each against "
            "the record, then report and return what was overpaid to the payer and the patient "
            "within 60 days of identifying it.",
        ),
        (
            "denied",
            "<b>Resubmit denied lines</b>: {lines} lines, {amount}. Correct and resubmit, or "
            "reopen or appeal, within the payer's filing and appeal limits.",
        ),
        (
            "at_risk",
            "<b>Correct before submission</b>: {lines} lines not yet adjudicated, {amount}. Fix "
            "them before they are sent (or sent again).",
        ),
        (
            "underpayment",
            "<b>Request reopenings</b>: {lines} underpaid lines, {amount}. Ask the payer to "
            "reopen them (Medicare: within one year of the initial determination).",
        ),
    ):
        n, amount = totals.get(kind, (0, Decimal(0)))
        if n:
            # "1 paid line", "1 line not yet adjudicated"
            said = re.sub(r"\{lines\} (\w+ )?lines", r"{lines} \1line", text) if n == 1 else text
            items.append(said.format(lines=f"{n:,}", amount=page.t(_money(amount))))
    items += _training(page, record)
    items += _scrubber(page, record)
    s = record.summary_data
    coverage = catalog_coverage(record.summary(), set(s.get("tables", {})))
    if coverage.needs:
        names = ", ".join(name for name, _, _ in coverage.needs[:4])
        items.append(
            f"<b>Complete the audit</b>: {coverage.skipped + coverage.partial} rules could not "
            f"judge every line; give {page.t(names)} to run them."
        )
    rejected = sum(int(t.get("rows_rejected") or 0) for t in s.get("tables", {}).values())
    if rejected:
        items.append(
            f"<b>Fix the input</b>: {rejected:,} rows were rejected (rejects.csv names each row "
            "and the reason); correct them at the source and run the audit again."
        )
    if not items:
        items.append("No action: nothing in this audit calls for a correction.")
    return "<h2>Recommended actions</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _training(page: Page, record: AuditRecord) -> list[str]:
    """Documentation and training where a clinician rule concentrates on a few providers: the
    providers holding at least a third of the rule's lines (and two of them)."""
    findings = record.findings.filter(pl.col("responsibility") == "clinician")
    if findings.height == 0:
        return []
    line = pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
    per = findings.group_by("rule_code", "rule_name", c.RENDERING_NPI).agg(
        line.n_unique().cast(pl.Int64).alias("lines")
    )
    total = findings.group_by("rule_code").agg(line.n_unique().cast(pl.Int64).alias("total"))
    names = _provider_names(record.providers)
    hot = (
        per.join(total, on="rule_code")
        .filter((pl.col("lines") >= 2) & (pl.col("lines") >= pl.col("total") * _CONCENTRATION))
        .join(names, on=c.RENDERING_NPI, how="left")
        .with_columns(
            pl.coalesce(
                pl.concat_str(pl.col("provider"), pl.lit(" (NPI "), c.RENDERING_NPI, pl.lit(")")),
                pl.concat_str(pl.lit("NPI "), c.RENDERING_NPI),
            ).alias("who")
        )
        .group_by("rule_code", "rule_name", "total")
        .agg(pl.col("who").sort().str.join(", "), pl.col("lines").sum())
        .sort(["lines", "rule_code"], descending=[True, False])
        .head(_TRAINING_ROWS)
    )
    return [
        f"<b>Documentation and training, {page.t(r['rule_code'])} "
        f"({page.t(readable(r['rule_name']))})</b>: {page.t(r['who'])}: "
        f"{r['lines']:,} of its {r['total']:,} lines."
        for r in hot.iter_rows(named=True)
    ]


def _scrubber(page: Page, record: AuditRecord) -> list[str]:
    """One item naming the billing rules that recur (at least five lines): edits to add to the
    claim scrubber or the charge master."""
    rules = record.summary().filter(
        (pl.col("responsibility") == "billing") & (pl.col("lines") >= _SCRUBBER_LINES)
    )
    if rules.height == 0:
        return []
    top = rules.sort(["lines", "rule_code"], descending=[True, False]).head(5)
    named = "; ".join(
        f"{r['rule_code']} {readable(r['rule_name'])} ({r['lines']:,} lines)"
        for r in top.iter_rows(named=True)
    )
    return [
        f"<b>Billing edits</b>: add claim-scrubber or charge-master edits for the billing "
        f"problems that recur: {page.t(named)}."
    ]
