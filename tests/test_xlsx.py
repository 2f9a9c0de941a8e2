"""findings.xlsx as a billing team opens it (openpyxl): sheets, frozen header, autofilter, money
and date formats, widths, row counts; the Decisions sheet with --review."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from openpyxl.utils import get_column_letter

from telekit._cli import main
from telekit._engine._result import (
    EXPOSURE_KINDS,
    EXPOSURE_MEANING,
    EXPOSURE_WORDS,
    exposure_totals,
)
from telekit.report._workbook import TOTALS_ROWS
from telekit.review import ReviewStore

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
#: the four totals, all zero
NO_MONEY = pl.DataFrame(
    {"exposure": list(EXPOSURE_KINDS), "lines": [0] * 4, "amount": [Decimal("0")] * 4},
    schema={"exposure": pl.String, "lines": pl.Int64, "amount": pl.Decimal(12, 2)},
)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample practice with two bad claim rows, audited with a review file."""
    import telekit as tk

    practice = tmp_path_factory.mktemp("practice")
    for f in SAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, practice / f.name)
    claims = pl.read_csv(practice / "claims.csv", infer_schema=False)
    bad = pl.concat(
        [
            claims.head(1).with_columns(
                pl.lit("C9999001").alias("claim_id"),
                pl.lit("13/45/2024").alias("claim_line_start_date"),
            ),
            claims.head(1).with_columns(
                pl.lit("C9999002").alias("claim_id"), pl.lit("n/a").alias("charge_amount")
            ),
        ]
    )
    pl.concat([claims, bad]).write_csv(practice / "claims.csv")
    result = tk.audit(
        practice / "claims.csv",
        encounters=practice / "encounters.csv",
        coverage=practice / "coverage.csv",
        providers=practice / "providers.csv",
        policies=practice / "policies.toml",
    )
    review = practice / "review.sqlite"
    with ReviewStore(review) as store:
        store.record(result.findings.head(4), "confirm", reviewer="alice", note="ok")
        store.record(result.findings.slice(4, 3), "needs_query", reviewer="bob")
        store.record(result.findings.head(1), "dismiss", reviewer="bob", note="changed my mind")
    folder = tmp_path_factory.mktemp("out")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["audit", str(practice), "--review", str(review), "--out", str(folder)]) == 1
    return folder


def _header_row(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The row of a sheet's table header: 1, or below the Summary's four totals."""
    return TOTALS_ROWS + 1 if ws.title == "Summary" else 1


def _header(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    return [str(c.value) for c in ws[_header_row(ws)]]


def _column(ws: openpyxl.worksheet.worksheet.Worksheet, name: str) -> int:
    return _header(ws).index(name) + 1


def test_sheets_and_row_counts(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    assert wb.sheetnames == ["Summary", "Findings", "Rejects", "Decisions"]
    summary = json.loads((out / "summary.json").read_text())
    findings = pl.read_parquet(out / "findings.parquet")
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    assert wb["Summary"].max_row == TOTALS_ROWS + 1 + len(summary["rules"])
    assert wb["Findings"].max_row == 1 + findings.height == 1 + summary["findings"]["total"]
    assert wb["Rejects"].max_row == 1 + rejects.height == 1 + 2
    assert wb["Decisions"].max_row == 1 + 7  # 7 findings decided (one twice: the latest counts)
    assert _header(wb["Findings"]) == findings.columns


def test_header_frozen_and_autofilter_over_the_data(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    for ws in wb.worksheets:
        head = _header_row(ws)
        assert ws.freeze_panes == f"A{head + 1}", ws.title
        last = get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A{head}:{last}{ws.max_row}", ws.title
        assert all(c.font.bold for c in ws[head]), ws.title


def test_money_and_date_formats(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["Findings"]
    findings = pl.read_parquet(out / "findings.parquet")
    for col in ("charge_amount", "exposure_amount"):  # never null (the others may be)
        assert ws.cell(2, _column(ws, col)).number_format == "$#,##0.00", col
    money = ws.cell(2, _column(ws, "exposure_amount"))
    assert isinstance(money.value, float | int)
    assert Decimal(str(money.value)).quantize(Decimal("0.01")) == findings["exposure_amount"][0]
    dos = ws.cell(2, _column(ws, "claim_line_start_date"))
    assert dos.number_format == "yyyy-mm-dd"
    assert isinstance(dos.value, dt.datetime)
    assert dos.value.date() == findings["claim_line_start_date"][0]
    summary = wb["Summary"]
    for kind in EXPOSURE_KINDS:
        cell = summary.cell(TOTALS_ROWS + 2, _column(summary, kind))
        assert cell.number_format == "$#,##0.00", kind
    code = ws.cell(2, _column(ws, "hcpcs_code"))
    assert isinstance(code.value, str)  # codes stay text (99213, never a number)
    decisions = wb["Decisions"]
    decided = decisions.cell(2, _column(decisions, "decided_at"))
    assert isinstance(decided.value, dt.datetime) and decided.number_format == "yyyy-mm-dd hh:mm"


def test_column_widths_fit_the_content(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["Findings"]
    # xlsxwriter stores a width plus the cell padding (70 → 70.71)
    width = {name: int(ws.column_dimensions[get_column_letter(i)].width or 0)
             for i, name in enumerate(_header(ws), start=1)}  # fmt: skip
    assert width["message"] == 70  # capped
    assert width["suggested_fix"] == 60
    assert 12 <= width["claim_id"] <= 20
    assert width["finding_id"] >= 16


def test_decisions_sheet_holds_the_current_decision_per_finding(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    ws = wb["Decisions"]
    header = _header(ws)
    for col in ("finding_id", "rule_code", "claim_id", "decision", "note", "reviewer",
                "decided_at", "rule_name", "exposure", "exposure_amount",
                "amount_basis"):  # fmt: skip
        assert col in header, col
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)
    ]
    findings = pl.read_parquet(out / "findings.parquet")
    first = findings["finding_id"][0]
    by_id = {r["finding_id"]: r for r in rows}
    assert by_id[first]["decision"] == "dismiss" and by_id[first]["note"] == "changed my mind"
    assert (
        sorted(r["decision"] for r in rows) == ["confirm"] * 3 + ["dismiss"] + ["needs_query"] * 3
    )
    html = (out / "report.html").read_text()
    assert "Reviewer decisions" in html and "changed my mind" in html


def test_report_review_rewrites_the_workbook(out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "--audit", str(copy)]) == 0
    # without --review the workbook is left as it is
    assert "Decisions" in openpyxl.load_workbook(copy / "findings.xlsx").sheetnames
    (copy / "findings.xlsx").unlink()
    review = tmp_path / "r.sqlite"
    findings = pl.read_parquet(copy / "findings.parquet")
    with ReviewStore(review) as store:
        store.record(findings.head(2), "dismiss", reviewer="carol")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "--audit", str(copy), "--review", str(review)]) == 0
    wb = openpyxl.load_workbook(copy / "findings.xlsx")
    assert wb.sheetnames == ["Summary", "Findings", "Rejects", "Decisions"]
    assert wb["Decisions"].max_row == 3
    assert wb["Findings"].max_row == 1 + findings.height


def test_findings_past_excel_row_limit_continue_on_more_sheets(
    out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from telekit.report import _workbook

    findings = pl.read_parquet(out / "findings.parquet")
    assert findings.height > 25

    class Audited:
        def __init__(self) -> None:
            self.findings = findings

        def summary(self) -> pl.DataFrame:
            return pl.DataFrame({"rule_code": ["X"], "findings": [findings.height]})

        def exposure(self) -> pl.DataFrame:
            return exposure_totals(findings.head(0))

    monkeypatch.setattr(_workbook, "EXCEL_MAX_ROWS", 11)  # 10 data rows per sheet
    _workbook.write_xlsx(Audited(), pl.DataFrame(schema={"table": pl.String}), tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "findings.xlsx")
    sheets = [name for name in wb.sheetnames if name.startswith("Findings")]
    assert sheets == ["Findings"] + [f"Findings {n}" for n in range(2, len(sheets) + 1)]
    assert len(sheets) == -(-findings.height // 10)
    ids = []
    for name in sheets:
        ws = wb[name]
        assert _header(ws) == findings.columns and ws.freeze_panes == "A2"
        ids += [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ids == findings["finding_id"].to_list()  # every finding, in order, once
    assert wb["Rejects"].max_row == 1


def test_a_cell_past_excel_limit_is_cut_and_says_so_and_text_has_no_control_characters(
    tmp_path: Path,
) -> None:
    from telekit.report import _cells, _workbook

    long = "x" * 40_000
    findings = pl.DataFrame(
        {
            "finding_id": ["f1", "f2", "f3"],
            "message": [long, "NUL\x00 ESC\x1b BEL\x07 tab\tLF\nCR\r", "x" * 32_767],
        }
    )

    class Audited:
        def __init__(self) -> None:
            self.findings = findings

        def summary(self) -> pl.DataFrame:
            return pl.DataFrame({"rule_code": ["X\x00"], "findings": [3]})

        def exposure(self) -> pl.DataFrame:
            return NO_MONEY

    _workbook.write_xlsx(Audited(), pl.DataFrame(schema={"table": pl.String}), tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "findings.xlsx")
    cut, controls, whole = (r[1] for r in wb["Findings"].iter_rows(min_row=2, values_only=True))
    assert isinstance(cut, str) and len(cut) == _cells.EXCEL_CELL_MAX
    assert cut.endswith(_cells.CUT_MARK) and cut.startswith("x" * 30_000)
    # tab, LF and CR are kept (xlsxwriter stores CR as _x000D_, which Excel reads as CR)
    assert controls in ("NUL ESC BEL tab\tLF\nCR\r", "NUL ESC BEL tab\tLF\nCR_x000D_")
    assert whole == "x" * 32_767  # exactly at the limit: kept whole
    assert wb["Summary"][f"A{TOTALS_ROWS + 2}"].value == "X"


def test_summary_sheet_shows_the_four_totals_side_by_side(out: Path) -> None:
    """Above each rule column of its kind: the kind, its total (each line once, as
    summary.json), its lines and what it means; the rules' rows carry their four amounts."""
    summary = json.loads((out / "summary.json").read_text())
    ws = openpyxl.load_workbook(out / "findings.xlsx")["Summary"]
    labels = [ws.cell(r, _column(ws, "lines")).value for r in range(1, 5)]
    assert labels == ["Money, by kind", "Amount (each line once)", "Lines", "What it means"]
    for kind, total in summary["findings"]["exposure"].items():
        j = _column(ws, kind)
        assert ws.cell(1, j).value == EXPOSURE_WORDS[kind].capitalize()
        amount = ws.cell(2, j)
        assert Decimal(str(amount.value)).quantize(Decimal("0.01")) == Decimal(total["amount"])
        assert amount.number_format == "$#,##0.00"
        assert ws.cell(3, j).value == total["lines"]
        assert ws.cell(4, j).value == EXPOSURE_MEANING[kind]
    assert any(Decimal(t["amount"]) > 0 for t in summary["findings"]["exposure"].values())
    header = _header(ws)
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in ws.iter_rows(min_row=TOTALS_ROWS + 2, values_only=True)
    }
    for rule in summary["rules"]:
        for kind in EXPOSURE_KINDS:
            shown = Decimal(str(rows[rule["rule_code"]][kind])).quantize(Decimal("0.01"))
            assert shown == Decimal(rule[kind]), (rule["rule_code"], kind)
