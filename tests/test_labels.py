"""The engagement's labels (issue 14): --practice, --period, --prepared-by in summary.json,
report.html's header and findings.xlsx's Summary sheet; `telekit report` relabels OUT, exits 0
when it renders and accepts only the audit's own period."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

import telekit as tk
from telekit._cli import main
from telekit._core._exceptions import InputError
from telekit.report import _workbook, load_audit, render
from telekit.report._labels import Labels

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
PRACTICE = "Acme <Tele>health & Co"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("labels") / "out"
    argv = ["audit", str(SAMPLES), "--out", str(folder), "--practice", PRACTICE]
    argv += ["--period", "2026-01-01..2026-03-31", "--prepared-by", "J. Doe, CPC"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 1
    return folder


def _summary(folder: Path) -> dict[str, object]:
    return json.loads((folder / "summary.json").read_text())  # type: ignore[no-any-return]


def _labels_cells(folder: Path) -> list[tuple[object, object]]:
    wb = openpyxl.load_workbook(folder / "findings.xlsx", read_only=True)
    try:
        rows = wb["Summary"].iter_rows(min_row=1, max_row=3, max_col=2, values_only=True)
        return [(r[0], r[1]) for r in rows]
    finally:
        wb.close()


def test_audit_labels_every_output(out: Path) -> None:
    s = _summary(out)
    assert s["practice"] == PRACTICE and s["prepared_by"] == "J. Doe, CPC"
    assert s["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    page = (out / "report.html").read_text()
    named = "Acme &lt;Tele&gt;health &amp; Co — Telehealth billing audit report"
    assert f"<title>{named}</title>" in page and f"<h1>{named}" in page
    assert (
        "<p class='meta'>Service period 2026-01-01 to 2026-03-31 · Prepared by J. Doe, CPC · Run "
        in page
    )
    assert _labels_cells(out) == [
        ("Practice", PRACTICE),
        ("Service period", "2026-01-01 to 2026-03-31"),
        ("Prepared by", "J. Doe, CPC"),
    ]


def test_without_labels_the_keys_are_null_and_the_header_reads_as_before(
    sample_audit: tk.AuditResult, tmp_path: Path
) -> None:
    s = sample_audit.to_summary_dict()
    assert (s["practice"], s["prepared_by"], s["period"]) == (None, None, None)
    page = render(sample_audit)
    assert "<h1>Telehealth billing audit report" in page
    assert "Service period" not in page and "Prepared by" not in page
    assert "<p class='meta'>Run " in page
    _workbook.write_xlsx(sample_audit, sample_audit.rejects, tmp_path)
    assert _labels_cells(tmp_path) == [(None, None)] * 3
    # an older OUT's summary.json without the keys has no labels
    assert Labels.of_summary({"as_of": "2026-10-30"}) == Labels()


def test_render_takes_the_labels(sample_audit: tk.AuditResult) -> None:
    page = render(sample_audit, practice="Acme", prepared_by="Ann")
    assert "<h1>Acme — Telehealth billing audit report" in page
    assert "Prepared by Ann · Run " in page
    # a report cannot re-audit: a period other than the audit's is refused
    with pytest.raises(InputError, match="every date of service"):
        render(sample_audit, period="2026-01-01..2026-03-31")


def test_report_relabels_out_and_exits_0(out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["report", "--audit", str(copy), "--practice", "Beta Clinic"])
    assert code == 0  # the audit has error findings; a re-render still exits 0
    s = _summary(copy)
    assert s["practice"] == "Beta Clinic" and s["prepared_by"] == "J. Doe, CPC"
    assert "<h1>Beta Clinic — Telehealth billing audit report" in (copy / "report.html").read_text()
    assert _labels_cells(copy)[0] == ("Practice", "Beta Clinic")
    record, _, _ = load_audit(copy)
    assert Labels.of_summary(record.summary_data).practice == "Beta Clinic"


def test_report_period_must_be_the_audits_own(out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = (copy / "report.html").read_bytes()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "--audit", str(copy), "--period", "2026-01-01..2026-02-28"]) == 2
        assert err.getvalue().count("\n") == 1
        assert "covered the service period 2026-01-01 to 2026-03-31" in err.getvalue()
        assert (copy / "report.html").read_bytes() == before
        assert main(["report", "--audit", str(copy), "--period", "2026-01-01..2026-03-31"]) == 0
