"""executive.html and executive.pdf (issue 14 item 6): the client's short document."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit._cli import main
from telekit.report import load_audit, render_executive
from telekit.report._executive import rule_fix
from telekit.report._record import AuditRecord

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
PRACTICE = "Riverbend Family Practice"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's OUT, audited once with --pdf."""
    folder = tmp_path_factory.mktemp("exec") / "out"
    assert main(["audit", str(SAMPLES), "--out", str(folder), "--pdf"]) == 1  # error findings
    return folder


@pytest.fixture(scope="module")
def record(out: Path) -> AuditRecord:
    """The OUT's record with the engagement labels summary.json carries (helper "label")."""
    rec, _, _ = load_audit(out)
    summary = {
        **rec.summary_data,
        "practice": PRACTICE,
        "prepared_by": "A. Consultant, CPC",
        "period": {"from": "2024-01-01", "to": "2024-12-31"},
    }
    return dataclasses.replace(rec, summary_data=summary)


def _text(html: str) -> str:
    html = re.sub(r"(?is)<style\b.*?</style>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _totals(summary: dict[str, object]) -> dict[str, str]:
    exposure = summary["findings"]["exposure"]  # type: ignore[index]
    return {k: f"${Decimal(v['amount']):,.2f}" for k, v in exposure.items()}


def test_audit_writes_the_executive_summary_and_its_pdf(out: Path) -> None:
    html = (out / "executive.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert (out / "executive.pdf").read_bytes().startswith(b"%PDF-")
    # self-contained: no script, no link, nothing loaded
    for token in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert token not in html


def test_labels_come_from_summary_json_and_are_left_out_when_absent(
    out: Path, record: AuditRecord
) -> None:
    text = _text(render_executive(record))
    assert f"{PRACTICE} — Telehealth billing audit" in text
    assert "Service period 2024-01-01 to 2024-12-31" in text
    assert "Prepared by A. Consultant, CPC" in text
    bare = _text((out / "executive.html").read_text(encoding="utf-8"))  # no labels given
    assert "Practice" not in bare
    assert "Service period" not in bare
    assert "Prepared by" not in bare
    assert "None" not in bare
    # an argument overrides summary.json
    assert "Other Clinic" in render_executive(record, practice="Other Clinic")


def test_the_four_totals_side_by_side_never_added(record: AuditRecord) -> None:
    html = render_executive(record)
    totals = _totals(record.summary_data)
    row = re.search(r"<table class='money'>.*?</table>", html, re.S)
    assert row is not None
    cells = re.findall(r"<td class='(\w+)'>", row.group(0))
    assert cells == ["overpayment", "denied", "at_risk", "underpayment"]  # one row, four cells
    for word, kind in (("Overpaid", "overpayment"), ("Denied", "denied"),
                       ("At risk", "at_risk"), ("Underpaid", "underpayment")):  # fmt: skip
        assert f"{word}</div><div class='amount'>{totals[kind]}</div>" in row.group(0)
    added = sum(Decimal(v["amount"]) for v in record.summary_data["findings"]["exposure"].values())
    assert f"${added:,.2f}" not in html
    assert "never added together" in html
    assert "dollars at risk" not in html.lower()


def test_top_findings_give_each_rule_its_fix(record: AuditRecord) -> None:
    html = render_executive(record)
    rules = record.summary()
    top = rules.sort("overpayment", descending=True).row(0, named=True)
    section = html[html.index("Top findings") : html.index("Recommended actions")]
    assert f"<b>{top['rule_code']}</b>" in section
    fix = rule_fix(top["rule_code"])
    assert len(fix) > 20
    assert fix[:40].replace("'", "&#x27;") in section
    # a rule's fix is its "Instead:" paragraph
    assert rule_fix("MD001").startswith("The same code with modifier 93")
    assert rule_fix("XX999") == ""
    # not per-line dumps: no claim id of the sample in the document
    claim_ids = record.findings.get_column("claim_id").unique().to_list()
    assert not [cid for cid in claim_ids if cid in html]


def test_recommended_actions_follow_what_was_found(record: AuditRecord) -> None:
    text = _text(render_executive(record))
    actions = text[text.index("Recommended actions") :]
    assert "Refund overpayments" in actions and "within 60 days" in actions
    assert "Resubmit denied lines" in actions
    assert "Correct before submission" in actions
    assert "Request reopenings" in actions
    assert "Documentation and training" in actions  # the sample's clinician rules concentrate
    assert "Billing edits" in actions
    # no overpayment found: no refund to make
    findings = record.findings.filter(pl.col("exposure") != "overpayment")
    summary = {**record.summary_data, "findings": {"total": findings.height}}
    summary["rules"] = [{**r, "overpayment": "0"} for r in record.summary_data["rules"]]
    other = dataclasses.replace(record, findings=findings, summary_data=summary)
    text = _text(render_executive(other))
    assert "Refund overpayments" not in text
    assert "Resubmit denied lines" in text


def test_clean_audit_says_no_action(record: AuditRecord) -> None:
    empty = record.findings.head(0)
    summary = {**record.summary_data, "findings": {"total": 0}}
    summary["rules"] = [
        {**r, "findings": 0, "lines": 0, "overpayment": "0", "denied": "0", "at_risk": "0",
         "underpayment": "0"}
        for r in record.summary_data["rules"]
    ]  # fmt: skip
    clean = dataclasses.replace(record, findings=empty, summary_data=summary)
    text = _text(render_executive(clean))
    assert "No findings" in text
    assert "No action" in text


def test_deidentified_executive_has_no_identifiers(sample_audit: tk.AuditResult) -> None:
    html = render_executive(sample_audit, deidentify=True)
    assert "de-identified (Safe Harbor)" in html
    for column in ("claim_id", "person_id", "encounter_id"):
        values = sample_audit.findings.get_column(column).drop_nulls().unique().to_list()
        assert not [v for v in values if str(v) in html], column
    as_of = str(sample_audit.as_of)
    assert as_of not in html and as_of[:4] in html


def test_pdf_pages_are_at_most_three_and_show_the_totals(
    record: AuditRecord, tmp_path: Path
) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    from telekit.report._pdf import write_pdf

    path = tmp_path / "executive.pdf"
    pages = write_pdf(render_executive(record), path)
    doc = pdfium.PdfDocument(path)
    assert pages == len(doc) <= 3
    text = ""
    for i in range(len(doc)):
        page = doc[i]
        text += page.get_textpage().get_text_range() + "\n"
        gray = page.render(scale=0.5).to_pil().convert("L")
        inked = sum(n for value, n in enumerate(gray.histogram()) if value < 200)
        share = inked / (gray.width * gray.height)
        assert 0.005 < share < 0.5, (i, share)  # not blank, not a black page
        gray.save(tmp_path / f"page-{i + 1}.png")
    flat = " ".join(text.split())
    assert PRACTICE in flat
    for amount in _totals(record.summary_data).values():
        assert amount in flat
    assert "Recommended actions" in flat


def test_report_re_renders_the_executive_summary(out: Path) -> None:
    (out / "executive.html").unlink()
    (out / "executive.pdf").unlink()
    main(["report", "--audit", str(out), "--pdf"])
    assert "executive summary" in (out / "executive.html").read_text(encoding="utf-8")
    assert (out / "executive.pdf").stat().st_size > 1000
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["findings"]["total"] > 0


def test_pdf_without_weasyprint_is_one_line_naming_the_install(
    out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed
    before = (out / "executive.pdf").stat().st_mtime_ns
    assert main(["report", "--audit", str(out), "--pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "pip install 'telekit[pdf]'" in err
    assert (out / "executive.pdf").stat().st_mtime_ns == before  # nothing was rewritten
