"""What ``telekit compare`` writes: compare.html (self-contained, the report's look and print
CSS) and compare.xlsx (sheets Summary, New, Persisting, Resolved, Out of scope, By rule, By
provider, By payer, and Confirmed findings with a review file)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import EXPOSURE_KINDS, EXPOSURE_WORDS
from telekit.report._cells import strip_controls_in
from telekit.report._compare import Comparison
from telekit.report._html import Page, _int, _money, css, readable_expr
from telekit.report._record import AuditRecord
from telekit.report._workbook import _sheet, cell_formats

_LIST_ROWS: Final = 200  # findings listed per status in the page (all are in compare.xlsx)


def _label(record: AuditRecord) -> dict[str, Any]:
    s = record.summary_data
    period = s.get("period") or None
    return {
        "practice": s.get("practice"),
        "prepared_by": s.get("prepared_by"),
        "period": f"{period.get('from')} to {period.get('to')}"
        if isinstance(period, Mapping)
        else None,
        "as_of": s.get("as_of"),
        "catalog_version": s.get("catalog_version") or None,
    }


# --- compare.html ---------------------------------------------------------------------------------


def _audits_table(page: Page, comparison: Comparison) -> str:
    b, a = _label(comparison.before), _label(comparison.after)
    n_before, n_after = comparison.before.findings.height, comparison.after.findings.height
    rows = [
        ("Period", b["period"], a["period"]),
        ("As of", b["as_of"], a["as_of"]),
        ("Rule catalog", b["catalog_version"], a["catalog_version"]),
        ("Findings", f"{n_before:,}", f"{n_after:,}"),
    ]
    frame = pl.DataFrame(
        [(k, v1 or "not given", v2 or "not given") for k, v1, v2 in rows],
        schema=["what", "before", "after"],
        orient="row",
    )
    return page.table(
        frame, [("what", "", None), ("before", "Before", None), ("after", "After", None)]
    )


def _summary_section(page: Page, comparison: Comparison) -> str:
    n = comparison.counts()
    tiles = "".join(
        f"<div class='tile'><div class='value'>{n[s]:,}</div><div class='label'>{page.t(t)}</div>"
        f"<div class='note'>{page.t(note)}</div></div>"
        for s, t, note in (
            ("new", "New findings", "in the later audit only"),
            ("persisting", "Persisting", "in both audits"),
            ("resolved", "Resolved", "gone from a line the later audit holds"),
            ("out_of_scope", "Out of scope", "the other audit lacks the line"),
        )
    )
    totals = comparison.totals.with_columns(
        pl.col("exposure").replace_strict(EXPOSURE_WORDS, return_dtype=pl.String)
    )
    money = page.table(
        totals,
        [
            ("scope", "Lines", None),
            ("exposure", "Kind", None),
            ("before", "Before", _money),
            ("after", "After", _money),
            ("change", "Change", _money),
        ],
    )
    warnings = "".join(
        f"<p class='note'><strong>Note:</strong> {page.t(w)}</p>" for w in comparison.warnings
    )
    return (
        _audits_table(page, comparison)
        + f"<div class='tiles'>{tiles}</div>{warnings}"
        + "<h3>Money by kind</h3><p class='note'>Overpaid, denied, at risk and underpaid are "
        "never added together; each claim line counts once per kind.</p>"
        + money
        + _changes_section(page, comparison)
    )


def _changes_section(page: Page, comparison: Comparison) -> str:
    ch = comparison.changed_rules
    if ch.height == 0:
        return "<p class='note'>Both audits judged with the same rule catalog.</p>"
    return (
        "<h3>Rules that changed between the two audits</h3><p class='note'>A change in these "
        "rules' findings may come from the rule, not from the practice's billing.</p>"
        + page.table(
            ch,
            [
                ("rule_code", "Rule", None),
                ("version", "Catalog", None),
                ("change", "What changed", None),
            ],
        )
    )


def _money_table(
    page: Page, frame: pl.DataFrame, key: str, header: str, extra: list[tuple[str, str]]
) -> str:
    """Per group, each kind's amount before, after and the change; kinds no group has are left
    out (never added together)."""
    if frame.height == 0:
        return "<p class='note'>No finding with an amount on the lines both audits hold.</p>"
    if "rule_name" in frame.columns:
        frame = frame.with_columns(readable_expr(pl.col("rule_name")))
    cols: list[tuple[str, str, Callable[[Any], str] | None]] = [(key, header, None)]
    cols += [(col, h, None) for col, h in extra]
    for kind in EXPOSURE_KINDS:
        amounts = frame.select(pl.col(f"{kind}_before", f"{kind}_after").abs().sum())
        if not any(amounts.row(0)):
            continue
        word = EXPOSURE_WORDS[kind].capitalize()
        cols += [
            (f"{kind}_before", f"{word} before", _money),
            (f"{kind}_after", f"{word} after", _money),
            (f"{kind}_change", "Change", _money),
        ]
    return page.table(frame, cols, cls="matrix")


def _findings_list(page: Page, frame: pl.DataFrame) -> str:
    if frame.height == 0:
        return "<p class='note'>None.</p>"
    when = (
        c.CLAIM_LINE_START_DATE
        if c.CLAIM_LINE_START_DATE in frame.columns
        else "claim_line_start_year"
    )
    cols: list[tuple[str, str, Callable[[Any], str] | None]] = [
        ("rule_code", "Rule", None),
        (c.CLAIM_ID, "Claim", None),
        (c.CLAIM_LINE_NUMBER, "Line", None),
        (when, "Date of service", None),
        (c.PAYER, "Payer", None),
        (c.RENDERING_NPI, "Rendering NPI", None),
        ("exposure", "Kind", None),
        ("exposure_amount", "Amount", _money),
        ("suggested_fix", "Fix", None),
    ]  # fmt: skip
    cols = [col for col in cols if col[0] in frame.columns]
    words = {**EXPOSURE_WORDS, "none": "no amount"}
    shown = frame.head(_LIST_ROWS).with_columns(
        pl.col("exposure").replace_strict(words, default=pl.col("exposure"), return_dtype=pl.String)
    )
    more = (
        f"<p class='note'>{frame.height - _LIST_ROWS:,} more in compare.xlsx.</p>"
        if frame.height > _LIST_ROWS
        else ""
    )
    return page.table(shown, cols) + more


def _confirmed_section(page: Page, confirmed: pl.DataFrame) -> str:
    counts = confirmed.group_by("outcome").len().sort("outcome")
    return (
        "<p class='note'>The findings confirmed in the earlier audit's review, and what became "
        "of them in the later audit.</p>"
        + page.table(counts, [("outcome", "Outcome", None), ("len", "Findings", _int)])
        + page.table(
            confirmed,
            [
                ("rule_code", "Rule", None),
                (c.CLAIM_ID, "Claim", None),
                (c.CLAIM_LINE_NUMBER, "Line", None),
                ("reviewer", "Reviewer", None),
                ("outcome", "Outcome", None),
            ],
        )
    )


def render_comparison(comparison: Comparison) -> str:
    """compare.html: one self-contained page (no script, nothing loaded)."""
    deid = comparison.after.deidentified
    label = _label(comparison.after)
    page = Page(deidentified=deid, practice=label["practice"])
    sections = [
        ("summary", "What changed", _summary_section(page, comparison)),
        ("new", "New findings", _findings_list(page, comparison.new)),
        ("resolved", "Resolved findings", _findings_list(page, comparison.resolved)),
        ("persisting", "Persisting findings", _findings_list(page, comparison.persisting)),
        (
            "by-rule",
            "By rule",
            _money_table(page, comparison.by_rule, "rule_code", "Rule", [("rule_name", "Name")]),
        ),
        (
            "by-provider",
            "By provider",
            _money_table(
                page,
                comparison.by_provider,
                c.RENDERING_NPI,
                "Rendering NPI",
                [("provider", "Name")],
            ),
        ),
        (
            "by-payer",
            "By payer",
            _money_table(page, comparison.by_payer, c.PAYER, "Payer", []),
        ),
    ]
    if comparison.confirmed is not None:
        sections.append(
            ("confirmed", "Confirmed findings", _confirmed_section(page, comparison.confirmed))
        )
    n_out = comparison.out_of_scope.height
    sections[0] = (
        sections[0][0],
        sections[0][1],
        sections[0][2]
        + (
            f"<p class='note'>{n_out:,} findings are on claim lines only one audit holds "
            "(e.g. a later month): they are neither new nor resolved (compare.xlsx, Out of "
            "scope).</p>"
            if n_out
            else ""
        ),
    )
    toc = "".join(f"<a href='#{sid}'>{page.t(title)}</a>" for sid, title, _ in sections)
    body = "".join(
        f"<section class='major{' first' if i == 0 else ''}' id='{sid}'>"
        f"<h2>{page.t(title)}</h2>{content}</section>"
        for i, (sid, title, content) in enumerate(sections)
    )
    heading = "Telehealth billing audit: two periods compared"
    if label["practice"]:
        heading = f"{page.t(label['practice'])} — {heading}"
    meta = [f"Before: as of {page.t(_label(comparison.before)['as_of'] or 'not set')}"]
    meta.append(f"after: as of {page.t(label['as_of'] or 'not set')}")
    if label["prepared_by"]:
        meta.append(f"prepared by {page.t(label['prepared_by'])}")
    badge = " <span class='badge deid'>de-identified (Safe Harbor)</span>" if deid else ""
    html = (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='generator' content='telekit'>"
        f"<title>{heading}</title><style>{css()}</style></head><body>"
        f"<header><h1>{heading}{badge}</h1><p class='meta'>{' · '.join(meta)}</p></header>"
        f"<nav class='toc'>{toc}</nav>{body}"
        "<footer>Made by telekit. Every finding, by status, is in compare.xlsx.</footer>"
        "</body></html>\n"
    )
    return strip_controls_in(html)


# --- compare.xlsx ---------------------------------------------------------------------------------


def _summary_frame(comparison: Comparison) -> pl.DataFrame:
    b, a = _label(comparison.before), _label(comparison.after)
    n = comparison.counts()
    rows: list[tuple[str, str, str]] = [
        ("Practice", str(b["practice"] or ""), str(a["practice"] or "")),
        ("Period", str(b["period"] or ""), str(a["period"] or "")),
        ("Prepared by", str(b["prepared_by"] or ""), str(a["prepared_by"] or "")),
        ("As of", str(b["as_of"] or ""), str(a["as_of"] or "")),
        ("Rule catalog", str(b["catalog_version"] or ""), str(a["catalog_version"] or "")),
    ]
    rows += [(f"Findings {s.replace('_', ' ')}", "", f"{n[s]}") for s in n]
    rows += [
        (f"{r['exposure']} ({r['scope']})", str(r["before"]), str(r["after"]))
        for r in comparison.totals.iter_rows(named=True)
    ]
    rows += [("Note", "", w) for w in comparison.warnings]
    rows += [
        (f"Rule changed: {r['rule_code']}", r["version"], r["change"])
        for r in comparison.changed_rules.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=["item", "before", "after"], orient="row")


def write_comparison(comparison: Comparison, out: Path) -> None:
    """out/compare.html and out/compare.xlsx."""
    import xlsxwriter  # noqa: PLC0415 - only needed when writing the workbook

    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.html").write_text(render_comparison(comparison), encoding="utf-8")
    options = {"strings_to_numbers": False, "constant_memory": True}
    with xlsxwriter.Workbook(str(out / "compare.xlsx"), options) as wb:
        formats = cell_formats(wb)
        _sheet(wb, "Summary", _summary_frame(comparison), formats)
        for status, name in (
            ("new", "New"),
            ("persisting", "Persisting"),
            ("resolved", "Resolved"),
            ("out_of_scope", "Out of scope"),
        ):
            _sheet(wb, name, comparison.of(status).drop("status"), formats)
        _sheet(wb, "By rule", comparison.by_rule, formats)
        _sheet(wb, "By provider", comparison.by_provider, formats)
        _sheet(wb, "By payer", comparison.by_payer, formats)
        if comparison.confirmed is not None:
            _sheet(wb, "Confirmed findings", comparison.confirmed, formats)
