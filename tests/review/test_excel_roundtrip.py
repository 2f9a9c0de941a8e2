"""Review in Excel, round trip: ``telekit review export`` writes the worklist workbook, a coder
fills in Status / Owner / Note (openpyxl here, as Excel would), ``telekit review import``
appends the changed rows to the review file; edits to read-only cells and foreign workbooks are
refused with nothing appended."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

import telekit as tk
from telekit._cli import main
from telekit._core._exceptions import InputError
from telekit.review import ReviewState, ReviewStore, export_worklist, import_worklist, verify
from telekit.review._excel import HEADERS, split_note

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
COL = {name: i + 1 for i, name in enumerate(HEADERS)}  # openpyxl columns are 1-based


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("xl") / "out"
    assert main(["audit", str(SAMPLES), "--out", str(folder)]) in (0, 1)
    return folder


def _edit(book: Path, changes: dict[tuple[int, str], Any]) -> None:
    """Set cells (Excel row, header) of the Worklist sheet, as a coder in Excel would."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Worklist"]
    for (row, header), value in changes.items():
        ws.cell(row=row, column=COL[header]).value = value
    wb.save(book)


def _cell(book: Path, row: int, header: str) -> Any:
    wb = openpyxl.load_workbook(book)
    return wb["Worklist"].cell(row=row, column=COL[header]).value


def _history(db: Path) -> int:
    with ReviewStore(db) as store:
        return store.history().height


def test_export_writes_a_protected_worklist_in_the_widget_order(
    out: Path, tmp_path: Path, result: tk.AuditResult
) -> None:
    book = tmp_path / "worklist.xlsx"
    done = export_worklist(out, tmp_path / "review.sqlite", book)
    findings = pl.read_parquet(out / "findings.parquet")
    assert (done.rows, done.decided) == (findings.height, 0)
    assert (tmp_path / "review.sqlite").is_file()  # the review file is created when absent

    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Worklist", "About", "Check"]
    assert wb["Check"].sheet_state == "hidden"
    ws = wb["Worklist"]
    assert tuple(c.value for c in ws[1]) == HEADERS
    assert ws.protection.sheet is True
    assert ws.freeze_panes == "B2"
    assert ws.cell(2, COL["Status"]).protection.locked is False
    assert ws.cell(2, COL["Note"]).protection.locked is False
    assert ws.cell(2, COL["Amount"]).protection.locked is not False
    assert ws.cell(2, COL["Amount"]).number_format == "$#,##0.00"
    rules = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert [dv.formula1 for dv in rules] == ['"confirm,dismiss,needs query"']
    ids = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert sorted(ids) == sorted(findings.get_column("finding_id").to_list())
    # the encounters in the widget's default order, each encounter's findings together
    keys = [ws.cell(r, COL["Encounter"]).value for r in range(2, ws.max_row + 1)]
    entries = list(dict.fromkeys(keys))
    assert len(entries) == len(set(entries)) == done.encounters
    assert sum(1 for a, b in itertools.pairwise(keys) if a != b) == len(entries) - 1
    with ReviewStore(tmp_path / "widget.sqlite") as store:
        widget = ReviewState(result, store=store, reviewer="x").worklist(filtered=False)
    assert entries == widget.get_column("worklist_key").to_list()
    assert entries[0] == "E0000695"  # two overpaid lines, $278.79: more than any other entry
    assert ws.cell(2, COL["Rule name"]).value[0].isupper()
    assert "_" not in ws.cell(2, COL["Rule name"]).value
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows() if r[0].value}
    summary = json.loads((out / "summary.json").read_text())
    assert about["Audit run at"] == summary["run_at"]
    assert about["Audit folder (OUT)"] == str(out.resolve())
    text = " ".join(str(r[1].value) for r in wb["About"].iter_rows())
    assert "A blank Status means no change" in text

    with pytest.raises(InputError, match=r"worklist\.xlsx: already exists"):
        export_worklist(out, tmp_path / "review.sqlite", book)


def test_round_trip_records_changed_rows_once(out: Path, tmp_path: Path) -> None:
    db, book = tmp_path / "review.sqlite", tmp_path / "worklist.xlsx"
    export_worklist(out, db, book)
    ids = {r: _cell(book, r, "Finding ID") for r in (2, 3, 4)}
    _edit(
        book,
        {
            (2, "Status"): "confirm",
            (2, "Owner"): "Dana (billing)",
            (2, "Note"): "refund filed",
            (3, "Status"): "dismiss",
            (4, "Status"): "Needs query",
            (4, "Note"): "ask Dr. Lee",
        },
    )
    done = import_worklist(book, db, "carol")
    assert (done.recorded, done.by_decision) == (3, {"confirm": 1, "dismiss": 1, "needs_query": 1})
    total = pl.read_parquet(out / "findings.parquet").height
    assert str(done) == (
        f"3 decisions recorded (1 confirm, 1 dismiss, 1 needs query), {total - 3} unchanged"
    )
    with ReviewStore(db) as store:
        current = {r["finding_id"]: r for r in store.current().iter_rows(named=True)}
    assert set(current) == set(ids.values())
    assert current[ids[2]]["decision"] == "confirm"
    assert split_note(current[ids[2]]["note"]) == ("Dana (billing)", "refund filed")
    assert current[ids[4]]["decision"] == "needs_query"
    assert {r["reviewer"] for r in current.values()} == {"carol"}
    assert verify(db).intact

    again = import_worklist(book, db, "carol")  # importing twice adds nothing
    assert (again.recorded, again.unchanged) == (0, total)
    assert _history(db) == 3

    # a new export is pre-filled with the decisions; blanking a Status changes nothing
    book2 = tmp_path / "worklist2.xlsx"
    assert export_worklist(out, db, book2).decided == 3
    row = next(r for r in range(2, total + 2) if _cell(book2, r, "Finding ID") == ids[2])
    assert [_cell(book2, row, h) for h in ("Status", "Owner", "Note", "Decided by")] == [
        "confirm",
        "Dana (billing)",
        "refund filed",
        "carol",
    ]
    _edit(book2, {(row, "Status"): None})
    assert import_worklist(book2, db, "carol").recorded == 0
    _edit(book2, {(row, "Status"): "dismiss", (row, "Owner"): None})
    assert import_worklist(book2, db, "dave").by_decision == {"dismiss": 1}
    with ReviewStore(db) as store:
        latest = store.current().filter(pl.col("finding_id") == ids[2]).row(0, named=True)
    assert (latest["decision"], latest["note"], latest["reviewer"]) == (
        "dismiss",
        "refund filed",
        "dave",
    )


def test_the_cli_round_trip(out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, book = tmp_path / "review.sqlite", tmp_path / "w.xlsx"
    assert main(["review", "export", str(out), "--db", str(db), "--out", str(book)]) == 0
    assert "w.xlsx: " in capsys.readouterr().out
    _edit(book, {(2, "Status"): "dismiss"})
    args = ["review", "import", str(book), "--db", str(db), "--reviewer", "eve"]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("1 decisions recorded (0 confirm, 1 dismiss, 0 ")
    _edit(book, {(3, "Amount"): 1.0})
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "telekit review: w.xlsx: row 3, column Amount: a read-only cell was edited; undo the "
        "edit or export the worklist again"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({(5, "Amount"): 0.01}, r"row 5, column Amount: a read-only cell was edited"),
        ({(6, "Rule"): "XX999"}, r"row 6, column Rule: a read-only cell was edited"),
        ({(7, "Claim"): "C-OTHER"}, r"row 7, column Claim: a read-only cell"),
        ({(4, "Finding ID"): "F-NOPE"}, r"row 4, column Finding ID: not a finding of this"),
        ({(3, "Status"): "approve"}, r"row 3, column Status: not a status \(expected confirm"),
        ({(8, "Note"): "why?"}, r"row 8, column Status: blank, but Owner or Note were changed"),
    ],
)
def test_refusals_append_nothing(
    out: Path, tmp_path: Path, changes: dict[tuple[int, str], Any], expected: str
) -> None:
    db, book = tmp_path / "review.sqlite", tmp_path / "worklist.xlsx"
    export_worklist(out, db, book)
    _edit(book, {(2, "Status"): "confirm", **changes})  # a valid row before the bad one
    with pytest.raises(InputError, match=rf"^worklist\.xlsx: {expected}"):
        import_worklist(book, db, "carol")
    assert _history(db) == 0


def test_a_workbook_of_another_audit_is_refused(out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    db, book = tmp_path / "review.sqlite", tmp_path / "worklist.xlsx"
    export_worklist(copy, db, book)
    _edit(book, {(2, "Status"): "confirm"})
    summary = json.loads((copy / "summary.json").read_text())
    summary["run_at"] = "2030-01-01T00:00:00+00:00"  # OUT now holds a later audit
    (copy / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(InputError, match=r"exported from the audit of .*, but its OUT now holds"):
        import_worklist(book, db, "carol")

    other = tmp_path / "other.xlsx"  # the Check sheet of one workbook under another's About
    export_worklist(copy, db, other)
    wb = openpyxl.load_workbook(other)
    wb["About"]["B2"].value = "2029-01-01T00:00:00+00:00"
    wb.save(other)
    with pytest.raises(InputError, match=r"other\.xlsx: its About and Check sheets do not match"):
        import_worklist(other, db, "carol")
    (tmp_path / "notes.xlsx").write_text("not a workbook")
    with pytest.raises(InputError, match=r"notes\.xlsx: not an Excel workbook"):
        import_worklist(tmp_path / "notes.xlsx", db, "carol")
    assert _history(db) == 0


def test_widget_decisions_after_the_export_are_kept(out: Path, tmp_path: Path) -> None:
    db, book = tmp_path / "review.sqlite", tmp_path / "worklist.xlsx"
    export_worklist(out, db, book)
    findings = pl.read_parquet(out / "findings.parquet")
    first, second = _cell(book, 2, "Finding ID"), _cell(book, 3, "Finding ID")
    with ReviewStore(db) as store:  # the widget's reviewer decides both after the export
        rows = findings.filter(pl.col("finding_id").is_in([first, second]))
        store.record(rows, "needs_query", note="from the widget", reviewer="alice")
    _edit(book, {(3, "Status"): "confirm"})  # the coder changes only the second row
    done = import_worklist(book, db, "carol")
    assert (done.recorded, done.superseded) == (1, 1)
    assert str(done).endswith("; 1 replace a decision made after the export")
    with ReviewStore(db) as store:
        current = {r["finding_id"]: r for r in store.current().iter_rows(named=True)}
        assert store.history().height == 3  # both reviewers' decisions are in the history
    assert (current[first]["decision"], current[first]["reviewer"]) == ("needs_query", "alice")
    assert (current[second]["decision"], current[second]["reviewer"]) == ("confirm", "carol")


def test_a_deidentified_out_round_trips_with_pseudonyms(tmp_path: Path) -> None:
    deid = tmp_path / "shareable"
    key = tmp_path / "key.csv"
    assert main(
        ["audit", str(SAMPLES), "--deidentify", "--key-file", str(key), "--out", str(deid)]
    ) in (0, 1)
    db, book = tmp_path / "review.sqlite", tmp_path / "worklist.xlsx"
    export_worklist(deid, db, book)
    year = _cell(book, 2, "Date of service")
    assert isinstance(year, str)
    assert len(year) == 4
    _edit(book, {(2, "Status"): "dismiss"})
    assert import_worklist(book, db, "carol").recorded == 1
    pseudonyms = set(pl.read_parquet(deid / "findings.parquet").get_column("finding_id"))
    with ReviewStore(db) as store:
        assert set(store.current().get_column("finding_id")) <= pseudonyms
