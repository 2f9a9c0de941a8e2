"""``render``: the audit report as one self-contained HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import polars as pl

from telekit._core._dates import PeriodInput
from telekit._engine._result import AuditResult
from telekit.report import _sections_audit, _sections_metrics
from telekit.report._cells import strip_controls_in
from telekit.report._decisions import _decisions_frame
from telekit.report._deidentify import Deidentifier
from telekit.report._html import Page, _run_date, css
from telekit.report._labels import Labels
from telekit.report._metrics import _MONTHLY, _metric_frames
from telekit.report._record import AuditRecord, record_of


def render(
    result: AuditResult | AuditRecord,
    *,
    metrics: Mapping[str, pl.DataFrame] | pl.DataFrame | None = None,
    oig: pl.DataFrame | None = None,
    decisions: pl.DataFrame | str | Path | None = None,
    deidentify: bool | Deidentifier = False,
    practice: str | None = None,
    period: PeriodInput | None = None,
    prepared_by: str | None = None,
) -> str:
    """The audit report as one self-contained HTML page (a string).

    ``result``: an ``AuditResult`` or an ``AuditRecord`` (``load_audit``). ``metrics``: the
    frames of ``compute_metrics`` (a dict keyed by ``METRIC_FRAMES``; a single
    ``metrics.revenue_cycle`` frame is accepted too). ``oig``:
    ``telekit.integrity.oig_measures(...)``. ``decisions``: the current decision per finding
    (``telekit.review.read_decisions(F)``) or the review file's path. ``deidentify``: Safe
    Harbor (True, or the ``Deidentifier`` whose pseudonyms the other outputs of the run use).
    ``practice``, ``period`` (``"FROM..TO"`` or a pair of dates) and ``prepared_by`` label the
    header (title "<practice> — Telehealth billing audit report", a line "Service period … ·
    Prepared by … · Run …"); each defaults to the audit's (summary.json's ``practice``,
    ``period``, ``prepared_by``). A ``period`` must be the audit's own: a report cannot
    re-audit (``InputError`` otherwise).
    """
    record, deid = record_of(result, deidentify)
    labels = Labels.of_summary(record.summary_data).updated(
        practice=practice, period=period, prepared_by=prepared_by
    )
    record = replace(record, summary_data={**record.summary_data, **labels.summary_keys()})
    frames = _metric_frames(metrics)
    review = _decisions_frame(decisions)
    if deid is not None and not record.deidentified:
        if review is not None:
            review = deid.frame(review.join(record.findings.select("finding_id"), on="finding_id"))
        record = record.deidentify(deid)
    deidentified = record.deidentified
    if deidentified:
        frames = {k: v for k, v in frames.items() if k not in _MONTHLY}
    page = Page(deidentified=deidentified, practice=labels.practice)
    # every text is escaped without control characters (``Page.t``); the charts' labels too
    return strip_controls_in(document(page, record, frames, oig, review))


def document(
    page: Page,
    record: AuditRecord,
    frames: Mapping[str, pl.DataFrame],
    oig: pl.DataFrame | None,
    decisions: pl.DataFrame | None,
) -> str:
    s = record.summary_data
    sections: list[tuple[str, str, str]] = [
        ("summary", "Executive summary", _sections_audit.executive(page, record, decisions)),
        ("billing", "Billing findings", _sections_audit.billing(page, record)),
        ("findings", "Findings by rule", _sections_audit.findings(page, record)),
    ]
    if frames:
        sections.append(("revenue", "Revenue cycle", _sections_metrics.revenue(page, frames)))
    if oig is not None:
        sections.append(
            ("oig", "OIG integrity measures", _sections_metrics.oig(page, oig, record.providers))
        )
    if decisions is not None:
        sections.append(
            ("review", "Reviewer decisions", _sections_audit.review(page, record, decisions))
        )
    sections.append(("inputs", "Input data", _sections_audit.inputs(page, record)))
    sections.append(("versions", "Versions and run", _sections_audit.versions(page, record)))
    toc = "".join(f"<a href='#{sid}'>{page.t(title)}</a>" for sid, title, _ in sections)
    body = "".join(
        f"<section class='major{' first' if i == 0 else ''}' id='{sid}'>"
        f"<h2>{page.t(title)}</h2>{content}</section>"
        for i, (sid, title, content) in enumerate(sections)
    )
    deid = (
        " <span class='badge deid'>de-identified (Safe Harbor)</span>" if page.deidentified else ""
    )
    heading = "Telehealth billing audit report"
    if page.practice:
        heading = f"{page.t(page.practice)} — {heading}"
    as_of = s.get("as_of")
    labelled = Labels.of_summary(s).meta()
    meta = (
        (f"{page.t(labelled)} · " if labelled else "")
        + f"Run {_run_date(s.get('run_at'))} · as of {page.t(as_of or 'not set')} · "
        f"telekit {page.t(s.get('telekit_version', ''))} · code sets "
        f"{page.t(s.get('code_set_version', ''))}"
    )
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='generator' content='telekit'>"
        f"<title>{heading}</title><style>{css()}</style></head>"
        f"<body data-charts='{page.charts}'>"
        f"<header><h1>{heading}{deid}</h1>"
        f"<p class='meta'>{meta}</p></header>"
        f"<nav class='toc'>{toc}</nav>{body}"
        "<footer>Made by telekit. Findings, rejects and decisions are in findings.xlsx; "
        "each rule's full page: <code>telekit rule CODE</code>."
        f"{' Identifiers are pseudonyms and dates are years.' if page.deidentified else ''}"
        "</footer></body></html>\n"
    )
