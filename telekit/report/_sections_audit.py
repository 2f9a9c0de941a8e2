"""The audit sections of the report: executive summary, findings, review, inputs, versions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import EXPOSURE_KINDS, EXPOSURE_MEANING, EXPOSURE_WORDS
from telekit.report._coverage import catalog_coverage
from telekit.report._decisions import REVIEW_DECISIONS
from telekit.report._html import (
    _DECISION_LABELS,
    _DECISION_ROWS,
    _EXAMPLES,
    _REJECT_ROWS,
    _SEVERITIES,
    Page,
    _after_review,
    _charged_lines,
    _code,
    _error_charges,
    _input_files,
    _int,
    _money,
    _policies_text,
    _run_date,
    _top_providers,
    _when_decided,
    _year_expr,
    readable,
    readable_expr,
)
from telekit.report._record import AuditRecord

#: one sentence each: whose findings the scorecard counts, and whose it leaves to billing
SCORECARD_NOTE: Final = (
    "The provider scorecard counts clinician findings only: what the documentation and the "
    "clinician's coding support (the TM, DC and PR rules, MD002, MD005, PS003, PS005, PS006, "
    "TM006 and TM007)."
)
BILLING_NOTE: Final = (
    "Billing findings are every other rule's (payer policy, coverage, claim form, codes and "
    "pricing): they are the billing team's to correct, so they are shown by payer and by "
    "billing NPI, never on a provider's scorecard."
)

_KIND_COLUMNS: Final[tuple[tuple[str, str, Callable[[Any], str]], ...]] = tuple(
    (k, EXPOSURE_WORDS[k].capitalize(), _money) for k in EXPOSURE_KINDS
)


def _money_tiles(page: Page, exposure: pl.DataFrame) -> str:
    """The four kinds of money, one tile each: amount, lines, and what it is and what to do
    (``EXPOSURE_MEANING``)."""
    out = []
    for row in exposure.iter_rows(named=True):
        kind = row["exposure"]
        lines = int(row["lines"] or 0)
        out.append(
            f"<div class='tile money {kind}'>"
            f"<div class='label'>{page.t(EXPOSURE_WORDS[kind].capitalize())}</div>"
            f"<div class='value'>{page.t(_money(row['amount']))}</div>"
            f"<div class='note'><b>{lines:,} line{'s' * (lines != 1)}</b> · "
            f"{page.t(EXPOSURE_MEANING[kind])}</div></div>"
        )
    return "<div class='tiles kinds'>" + "".join(out) + "</div>"


def _rule_money(r: Mapping[str, Any]) -> str:
    """``$96.20 denied · $12.00 underpaid`` for a rule (kinds with no amount left out)."""
    parts = [f"{_money(r[k])} {EXPOSURE_WORDS[k]}" for k in EXPOSURE_KINDS if r.get(k)]
    return " · " + " · ".join(parts) if parts else ""


def executive(page: Page, record: AuditRecord, decisions: pl.DataFrame | None) -> str:
    s = record.summary_data
    f = s.get("findings", {})
    by = f.get("by_severity", {})
    claims = s.get("tables", {}).get("claims", {})
    audited = int(claims.get("rows_audited") or 0)
    lines_err = int(f.get("lines_with_errors") or 0)
    share = f"{lines_err / audited * 100:.1f}% of lines audited; " if audited else ""
    charges = _error_charges(record.findings)
    rejected = sum(int(t.get("rows_rejected") or 0) for t in s.get("tables", {}).values())
    coverage = catalog_coverage(record.summary(), set(s.get("tables", {})))
    tiles = [
        ("Rules run", f"{coverage.run} of {coverage.total}", coverage.note()),
        ("Claim lines audited", f"{audited:,}", f"{_int(claims.get('rows_in'))} rows read"),
        (
            "Findings",
            f"{int(f.get('total') or 0):,}",
            f"{int(by.get('error') or 0):,} error · {int(by.get('warning') or 0):,} warning"
            f" · {int(by.get('info') or 0):,} info",
        ),
        ("Lines with an error", f"{lines_err:,}", f"{share}charges on them {_money(charges)}"),
        ("Rows rejected", f"{rejected:,}", "unreadable input rows (see Input data)"),
    ]
    html_tiles = "".join(
        f"<div class='tile'><div class='label'>{page.t(label)}</div>"
        f"<div class='value'>{page.t(value)}</div>"
        f"<div class='note'>{page.t(note)}</div></div>"
        for label, value, note in tiles
    )
    parts = [f"<div class='tiles'>{html_tiles}</div>", "<h3>Money, by kind</h3>"]
    parts.append(
        "<p class='note'>Four kinds, never added together: each claim line counts once per kind "
        "(at its largest amount in the kind). Charges are not money at risk.</p>"
    )
    parts.append(_money_tiles(page, record.exposure()))
    charged, priced = _charged_lines(record.findings)
    if charged:
        parts.append(
            f"<p class='callout'>{charged:,} of the {priced:,} lines denied or at risk are "
            "counted at their charge (amount basis “charge”): those lines had no expected fee "
            "and no Medicare fee-schedule price, and a charge is usually more than a payer "
            "allows. Give expected fees (expected_fees.toml) to price them.</p>"
        )
    if decisions is not None:
        parts.append(
            "<p><b>After review</b> (dismissed findings removed): "
            f"{page.t(_after_review(record.findings, decisions))}.</p>"
        )
    rules = record.summary().filter(pl.col("findings") > 0)
    rank = {sev: i for i, sev in enumerate(_SEVERITIES)}
    top_rules = (
        rules.with_columns(pl.col("severity").replace_strict(rank, default=9).alias("_rank"))
        .sort(["_rank", "lines", "findings", "rule_code"], descending=[False, True, True, False])
        .head(5)
    )
    if top_rules.height:
        parts.append("<h3>Top rules</h3>")
        parts.append(
            page.table(
                top_rules.with_columns(readable_expr(pl.col("rule_name"))),
                [
                    ("rule_code", "Rule", None),
                    ("rule_name", "Problem", None),
                    ("severity", "Severity", None),
                    ("responsibility", "Responsibility", None),
                    ("findings", "Findings", _int),
                    ("lines", "Lines", _int),
                    *_KIND_COLUMNS,
                ],
            )
        )
        parts.append(
            "<p class='note'>Errors first, then the rules that flagged the most lines. A line "
            "flagged by several rules counts in each rule's amounts; the totals above count it "
            "once per kind.</p>"
        )
    providers = _top_providers(record.findings, record.providers)
    parts.append("<h3>Top providers</h3>")
    parts.append(f"<p class='note'>{page.t(SCORECARD_NOTE)}</p>")
    if providers.height:
        parts.append(
            page.table(
                providers.head(5),
                [
                    (c.RENDERING_NPI, "Rendering NPI", None),
                    ("provider", "Provider", None),
                    ("findings", "Clinician findings", _int),
                    ("lines_with_errors", "Lines with an error", _int),
                    *_KIND_COLUMNS,
                ],
            )
        )
    else:
        parts.append("<p>No clinician findings.</p>")
    if rules.height:
        from telekit import charts  # noqa: PLC0415

        parts.append(page.chart("findings-by-rule", lambda: charts.findings_by_rule(rules)))
        money = [pl.col(k) > 0 for k in EXPOSURE_KINDS]
        if providers.filter(pl.any_horizontal(money)).height:
            parts.append(
                page.chart(
                    "exposure-by-provider",
                    lambda: charts.exposure_by_provider(record.findings, record.providers),
                )
            )
    return "".join(parts)


_BILLING_ROWS: Final = 50


def billing(page: Page, record: AuditRecord) -> str:
    """The billing findings by payer and by billing NPI (DESIGN §5 "Responsibility")."""
    frame = record.billing()
    parts = [f"<p>{page.t(BILLING_NOTE)}</p>"]
    if frame.height == 0:
        parts.append("<p><strong>No billing findings.</strong></p>")
        return "".join(parts)
    for key, label, heading in (
        (c.PAYER, "Payer", "By payer"),
        (c.BILLING_NPI, "Billing NPI", "By billing NPI"),
    ):
        # a line has one payer and one billing NPI: the (payer, NPI) rows add up
        table = (
            frame.group_by(key)
            .agg(pl.col("findings", "lines", *EXPOSURE_KINDS).sum())
            .with_columns(pl.col(k).cast(c.MONEY) for k in EXPOSURE_KINDS)
            .sort(["lines", "findings", key], descending=[True, True, False], nulls_last=True)
            .with_columns(pl.col(key).fill_null("(not given)"))
        )
        parts.append(f"<h3>{page.t(heading)}</h3>")
        if table.height > _BILLING_ROWS:
            parts.append(
                f"<p class='note'>The {_BILLING_ROWS} with the most lines of {table.height:,}; "
                "every billing finding is in findings.xlsx.</p>"
            )
        parts.append(
            page.table(
                table.head(_BILLING_ROWS),
                [
                    (key, label, None),
                    ("findings", "Billing findings", _int),
                    ("lines", "Lines", _int),
                    *_KIND_COLUMNS,
                ],
            )
        )
    return "".join(parts)


def findings(page: Page, record: AuditRecord) -> str:
    from telekit.rules import REGISTRY  # noqa: PLC0415

    rules = record.summary()
    order = {s: i for i, s in enumerate(_SEVERITIES)}
    with_findings = (
        rules.filter(pl.col("findings") > 0)
        .with_columns(pl.col("severity").replace_strict(order, default=9).alias("_rank"))
        .sort(["_rank", "lines", "findings", "rule_code"],
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
            ("_when", "Year" if page.deidentified else "Date of service", None),
            (c.HCPCS_CODE, "Code", None),
            (c.PAYER, "Payer", None),
            (c.RENDERING_NPI, "Rendering NPI", None),
            ("line_status", "Line status", None),
            (c.CHARGE_AMOUNT, "Charge", _money),
            ("_kind", "Money", None),
            ("exposure_amount", "Amount", _money),
            ("amount_basis", "Amount from", None),
        ]
        if not page.deidentified:
            cols.append(("message", "What was found", None))
        examples = examples.with_columns(year.alias("_when"), _kind_expr())
        parts.append(
            f"<div class='rule {page.t(r['severity'])}' id='rule-{page.t(code)}'>"
            f"<h3>{page.t(code)} · {page.t(readable(r['rule_name']))} "
            f"<span class='badge {page.t(r['severity'])}'>{page.t(r['severity'])}</span></h3>"
            f"<p class='stats'>{r['findings']:,} findings on {r['lines']:,} lines · "
            f"{page.t(_rule_money(r))}"
            f"{' (partial: ' + page.t(r['reason']) + ')' if r['status'] == 'partial' else ''}"
            f"</p><p><strong>{page.t(lead)}</strong></p>"
            f"{page.doc(rule.doc) if rule is not None else ''}"
            f"{page.table(examples, cols)}</div>"
        )
    not_full = rules.filter(pl.col("status") != "evaluated")
    if not_full.height:
        parts.append("<h3>Rules not fully evaluated</h3>")
        parts.append(
            "<p class='callout'>These rules could not judge every line with the data given; "
            "a missing finding here is not a clean bill of health.</p>"
        )
        parts.append(
            page.table(
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
                f"{page.t(code)} {page.t(readable(name))}"
                for code, name in clean.select("rule_code", "rule_name").iter_rows()
            ) + ".</p>"
        )  # fmt: skip
    return "".join(parts)


def _kind_expr() -> pl.Expr:
    """A finding's kind of money as a word (overpaid, denied, at risk, underpaid; none)."""
    return (
        pl.col("exposure")
        .replace_strict(EXPOSURE_WORDS, default="none", return_dtype=pl.String)
        .alias("_kind")
    )


def review(page: Page, record: AuditRecord, decisions: pl.DataFrame) -> str:
    findings = record.findings
    current = decisions.join(findings.select("finding_id"), on="finding_id", how="semi")
    stale = decisions.height - current.height
    counts = dict(current.group_by("decision").len().iter_rows())
    tiles = [("Findings reviewed", f"{current.height:,} of {findings.height:,}")]
    tiles += [
        (_DECISION_LABELS[d].capitalize(), f"{int(counts.get(d, 0)):,}") for d in REVIEW_DECISIONS
    ]
    tiles.append(("After review", _after_review(findings, current)))
    parts = [
        "<div class='tiles'>"
        + "".join(
            f"<div class='tile'><div class='label'>{page.t(k)}</div>"
            f"<div class='value{' phrase' if k == 'After review' else ''}'>{page.t(v)}</div>"
            "</div>"
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
            *[(pl.col("decision") == d).sum().cast(pl.Int64).alias(d) for d in REVIEW_DECISIONS],
            pl.col("decision").is_null().sum().cast(pl.Int64).alias("open"),
        )
        .sort("rule_code")
    )
    parts.append("<h3>Decisions by rule</h3>")
    parts.append(
        page.table(
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
            findings.select(
                "finding_id",
                c.HCPCS_CODE,
                year.alias("_when"),
                _kind_expr(),
                "exposure_amount",
                "amount_basis",
            ),
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
        ("_when", "Year" if page.deidentified else "Date of service", None),
        (c.HCPCS_CODE, "Code", None),
        ("_kind", "Money", None),
        ("exposure_amount", "Amount", _money),
        ("amount_basis", "Amount from", None),
        ("decision", "Decision", None),
        ("reviewer", "Reviewer", None),
        ("_decided", "Decided", None),
    ]
    if "note" in detail.columns and not page.deidentified:
        cols.append(("note", "Note", None))
    parts.append("<h3>Decisions</h3>")
    if detail.height > _DECISION_ROWS:
        parts.append(
            f"<p class='note'>The first {_DECISION_ROWS:,} of {detail.height:,} decisions; "
            "every one is on the Decisions sheet of findings.xlsx.</p>"
        )
    parts.append(page.table(detail.head(_DECISION_ROWS), cols))
    return "".join(parts)


def _x12_issues(page: Page, s: Mapping[str, Any]) -> list[str]:
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
            f"<p><b>{page.t(name)}</b>: {count:,} X12 problem{'s' * (count != 1)} "
            f"({page.t(kinds)}); first: {page.t(first)}. Every one is listed in "
            "summary.json; service lines that could not be read are in rejects.csv.</p>"
        )
    return out


def sample_sentence(sample: Mapping[str, Any]) -> str:
    """DESIGN §5 "Sampled encounters" in one sentence (summary.json ``encounters_sample``)."""
    if sample.get("n") is not None and sample.get("frame_size") is not None:
        seed = f", seed {sample['seed']}" if sample.get("seed") is not None else ""
        scope = (
            f"{int(sample['n']):,} of {int(sample['frame_size']):,} telehealth visits "
            f"({sample.get('method') or 'random'} sample{seed})"
        )
    else:
        lines = int(sample.get("lines_in_sample") or 0)
        total = lines + int(sample.get("lines_not_in_sample") or 0)
        scope = f"the encounters given cover {lines:,} of {total:,} claim lines"
    return f"Encounter rules judged a documentation sample: {scope}; nothing is extrapolated."


def _encounters_sample(page: Page, s: Mapping[str, Any]) -> list[str]:
    """The sample's sentence, with the lines in and not in it, when the encounters were one."""
    sample = s.get("encounters_sample")
    if not sample:
        return []
    lines = int(sample.get("lines_in_sample") or 0)
    outside = int(sample.get("lines_not_in_sample") or 0)
    return [
        f"<p><b>{page.t(sample_sentence(sample))}</b> {lines:,} claim lines have a sampled "
        f"encounter; the {outside:,} others are not judged by the rules that read an encounter "
        "(they are partial, with these counts).</p>"
    ]


def _derived(page: Page, s: Mapping[str, Any]) -> list[str]:
    """One sentence per derived or filled column and per table's skipped rows (summary.json
    ``tables.<name>.derived`` and ``.skipped``; DESIGN §3 "Derived when absent")."""
    out = []
    for name, t in s.get("tables", {}).items():
        for column, how in (t.get("derived") or {}).items():
            out.append(f"<li><b>{page.t(name)}.{page.t(column)}</b>: {page.t(str(how))}.</li>")
        skipped = {k: int(n) for k, n in (t.get("skipped") or {}).items() if n}
        if skipped:
            kinds = ", ".join(f"{n:,} {k}" for k, n in skipped.items())
            out.append(f"<li><b>{page.t(name)}</b>: rows skipped: {page.t(kinds)}.</li>")
    if not out:
        return []
    return ["<h3>Derived columns and skipped rows</h3><ul>", *out, "</ul>"]


def inputs(page: Page, record: AuditRecord) -> str:
    s = record.summary_data
    rows = [
        {
            "table": name,
            "source": Path(str(t.get("source") or "")).name or "—",
            "rows_in": t.get("rows_in"),
            "rows_audited": t.get("rows_audited"),
            "rows_rejected": t.get("rows_rejected"),
            "rows_skipped": t.get("rows_skipped") or 0,
            "rows_out_of_period": t.get("rows_out_of_period") or 0,
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
            "rows_skipped": pl.Int64,
            "rows_out_of_period": pl.Int64,
            "dropped": pl.String,
        },
    )
    outside = int(accounting["rows_out_of_period"].sum())
    parts = [
        "<p>Every row read is audited, rejected or skipped (rows in = audited + rejected + "
        "skipped"
        + (" + out of period" if outside else "")
        + "). A rejected row could not be represented (a missing required value, an "
        "unreadable date or amount, a value outside the contract, a duplicate key, more cells "
        "than the header); its value is in rejects.csv, never in this report. A skipped row "
        "is empty, or a totals, subtotal or printed-footer row of a report export."
        + (
            " A claim line out of period has its date of service outside the service period "
            "audited: it is not reported on, but it was read as the history of the lines in "
            "the period (frequency and duplicate rules)."
            if outside
            else ""
        )
        + "</p>",
        page.table(
            accounting,
            [
                ("table", "Table", None),
                ("source", "File", None),
                ("rows_in", "Rows in", _int),
                ("rows_audited", "Audited", _int),
                ("rows_rejected", "Rejected", _int),
                ("rows_skipped", "Skipped", _int),
                *([("rows_out_of_period", "Out of period", _int)] if outside else []),
                ("dropped", "Columns not used", None),
            ],
        ),
    ]
    parts.extend(_x12_issues(page, s))
    parts.extend(_encounters_sample(page, s))
    parts.extend(_derived(page, s))
    rejects = record.rejects
    if rejects.height:
        by_reason = (
            rejects.group_by("table", "column", "reason")
            .agg(pl.len().cast(pl.Int64).alias("rows"))
            .sort(["rows", "table", "column"], descending=[True, False, False])
        )
        parts.append("<h3>Rejected rows by reason</h3>")
        parts.append(
            page.table(
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
        shown = rejects.head(_REJECT_ROWS)
        if "record_key" not in shown.columns:  # a frame from before rejects named the record
            shown = shown.with_columns(pl.lit(None, pl.String).alias("record_key"))
        if rejects.height > _REJECT_ROWS:
            parts.append(
                f"<p class='note'>The first {_REJECT_ROWS} of {rejects.height:,}; all are in "
                "rejects.csv and on the Rejects sheet of findings.xlsx.</p>"
            )
        parts.append(
            page.table(
                shown,
                [
                    ("table", "Table", None),
                    ("source_file", "File", None),
                    ("row_number", "Row", _int),
                    ("record_key", "Record", None),
                    ("column", "Column", None),
                    ("reason", "Reason", None),
                ],
            )
        )
    unknown = s.get("unknown_codes") or {}
    if unknown:
        parts.append("<h3>Codes outside telekit's code table</h3>")
        parts.append(
            "<p class='note'>Not in telekit's curated HCPCS table, so never a code-validity "
            "finding (CD001). The fee schedule and NCCI edits still judge them, and on a Medicare "
            "telehealth line TH001 warns, with no amount, when telekit's copy of the telehealth "
            "list does not have them. Check these codes by hand.</p>"
        )
        parts.append(
            page.table(
                pl.DataFrame(
                    {"code": list(unknown), "lines": [int(v) for v in unknown.values()]},
                    schema={"code": pl.String, "lines": pl.Int64},
                ),
                [("code", "Code", None), ("lines", "Lines", _int)],
            )
        )
    return "".join(parts)


_REFERENCE_KINDS = {
    "telehealth_list": "Medicare Telehealth Services List",
    "ncci": "NCCI practitioner edits",
    "icd10cm": "ICD-10-CM billable codes",
    "fee_schedule": "Medicare physician fee schedule",
}


def _reference_sets(used: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """summary.json's reference sets, one row per (kind, shipped or given, source)."""
    schema = dict.fromkeys(("kind", "releases", "origin", "source"), pl.String)
    if not used:
        return pl.DataFrame(schema=schema)
    frame = pl.DataFrame(
        [
            {
                "kind": _REFERENCE_KINDS.get(str(r.get("kind")), str(r.get("kind"))),
                "release": str(r.get("release", "")),
                "origin": "shipped" if r.get("shipped") else "given",
                "source": str(r.get("source", "")),
            }
            for r in used
        ],
        orient="row",
    )
    return (
        frame.group_by("kind", "origin", "source", maintain_order=True)
        .agg(pl.col("release").str.join(", ").alias("releases"))
        .select(list(schema))
    )


def versions(page: Page, record: AuditRecord) -> str:
    s = record.summary_data
    rows = [
        ("Run", _run_date(s.get("run_at"))),
        ("As of", page.t(s.get("as_of") or "not set")),
        ("telekit", page.t(s.get("telekit_version", ""))),
        ("Code sets", page.t(s.get("code_set_version", ""))),
        ("Rule catalog", page.t(s.get("catalog_version") or "before 2026-12-06")),
        ("Payer policies", page.t(_policies_text(s, record.inputs))),
        ("De-identified", "yes (Safe Harbor)" if page.deidentified else "no"),
    ]
    out = "<table><tbody>" + "".join(
        f"<tr><th>{page.t(k)}</th><td>{v}</td></tr>" for k, v in rows
    ) + "</tbody></table>"  # fmt: skip
    reference = _reference_sets(s.get("reference") or [])
    if reference.height:
        out += "<h3>Reference data used</h3>" + page.table(
            reference,
            [
                ("kind", "Reference set", None),
                ("releases", "Releases", None),
                ("origin", "Shipped or given", None),
                ("source", "Source", None),
            ],
        )
    files = _input_files(record.inputs)
    if files.height:
        out += "<h3>Files read</h3>" + page.table(
            files,
            [
                ("table", "Table", None),
                ("file", "File", None),
                ("sha256", "SHA-256", _code),
            ],
        )
    return out
