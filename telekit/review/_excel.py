"""Review in Excel, round trip: ``export_worklist`` writes the findings of an audit's OUT as a
worklist workbook for coders who do not use Jupyter; ``import_worklist`` appends the decisions
they filled in to the review file (the same append-only store as the widget).

The workbook's ``Worklist`` sheet has one row per finding, grouped by encounter in the widget's
default order (money kind by kind, ``ReviewState`` sort ``exposure``), read-only columns (ids,
amounts, the rule and its fix, the current decision's author and time) and three editable ones:
Status (drop-down: confirm / dismiss / needs query), Owner (who should act) and Note, pre-filled
from the finding's current decision. The sheet is protected (no password: it guards against
slips, not against intent) so only those three columns take input.

The hidden ``Check`` sheet holds, per finding, a SHA-256 fingerprint of the row's read-only cells
(and one per cell, to name the column edited) and the Status / Owner / Note as exported. The
``About`` sheet says where the worklist comes from (OUT, the audit's run_at, a fingerprint of the
audit: its run_at and finding ids).

Import appends a decision for each row whose Status / Owner / Note were changed in the workbook
and differ from the finding's current decision in the store: a row left as exported never
overrides a decision made in the widget since, and importing twice adds nothing. A blank Status
is "no change" (the store is append-only: a decision is never erased). Refused, with nothing
appended: a read-only cell edited, an unknown finding_id, a workbook of another audit, an invalid
Status, Owner or Note changed with a blank Status.

Owner: the decisions table has no owner column, so the owner is kept in the decision's note, as
its first line ``owner: NAME`` (inside the hash chain, shown as is by the widget and the report).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit._engine._result import EXPOSURE_KINDS
from telekit.report import load_audit, readable_expr
from telekit.report._cells import excel_safe
from telekit.review._state import KEY, ReviewState, worklist_key
from telekit.review._store import ReviewStore, normalize_decision

WORKLIST_SHEET: Final = "Worklist"
ABOUT_SHEET: Final = "About"
CHECK_SHEET: Final = "Check"
OWNER_PREFIX: Final = "owner: "
#: Status as the drop-down shows it -> the store's decision
STATUS_WORDS: Final = {"confirm": "confirm", "dismiss": "dismiss", "needs query": "needs_query"}
_DECISION_WORDS: Final = {v: k for k, v in STATUS_WORDS.items()}

# (header, source column, kind, width); kind: text | int | date | money
READ_ONLY: Final[tuple[tuple[str, str, str, int], ...]] = (
    ("Finding ID", "finding_id", "text", 18),
    ("Encounter", KEY, "text", 16),
    ("Claim", c.CLAIM_ID, "text", 12),
    ("Line", c.CLAIM_LINE_NUMBER, "int", 6),
    ("Date of service", "dos", "date", 12),  # the year in a de-identified OUT
    ("Payer", c.PAYER, "text", 16),
    ("Rendering NPI", c.RENDERING_NPI, "text", 13),
    ("HCPCS", c.HCPCS_CODE, "text", 8),
    ("Rule", "rule_code", "text", 8),
    ("Rule name", "rule_label", "text", 30),
    ("Severity", "severity", "text", 9),
    ("Message", "message", "text", 60),
    ("Exposure", "exposure", "text", 12),
    ("Amount", "exposure_amount", "money", 12),
    ("Amount basis", "amount_basis", "text", 13),
    ("Line status", "line_status", "text", 11),
    ("Fix", "suggested_fix", "text", 50),
    ("Decided by", "reviewer", "text", 14),
    ("Decided at", "decided_text", "text", 18),
)
EDITABLE: Final = (("Status", 13), ("Owner", 16), ("Note", 40))
HEADERS: Final = (*(h for h, *_ in READ_ONLY), *(h for h, _ in EDITABLE))
_WRAPPED: Final = frozenset({"Message", "Fix", "Rule name"})
_DERIVED: Final = frozenset({KEY, "rule_label", "reviewer", "decided_text", "dos"})
_YEAR: Final = "claim_line_start_year"  # a de-identified OUT's dates are years
_NEEDED: Final = ("finding_id", "rule_code", c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.ENCOUNTER_ID)

ABOUT_TEXT: Final = (
    "Fill in Status (confirm / dismiss / needs query), Owner (who should act) and Note on the "
    "Worklist sheet; the other columns are read-only.",
    "Then: telekit review import WORKLIST.xlsx --db REVIEW.sqlite --reviewer YOUR-NAME",
    "Only rows you changed are recorded, as decisions by the --reviewer; importing the same "
    "workbook again adds nothing.",
    "A blank Status means no change: a decision already made is never erased (the review file "
    "is append-only).",
    "Rows whose read-only cells were edited are refused with their row number: undo the edit "
    "or export the worklist again.",
)


@dataclass(frozen=True)
class WorklistExport:
    """What ``export_worklist`` wrote: the workbook ``path``, its finding ``rows``, the
    ``encounters`` (worklist entries) and how many rows were ``decided`` already."""

    path: Path
    rows: int
    encounters: int
    decided: int

    def __str__(self) -> str:
        return (
            f"{self.path.name}: {self.rows} findings in {self.encounters} worklist entries "
            f"({self.decided} with a decision)"
        )


@dataclass(frozen=True)
class WorklistImport:
    """What ``import_worklist`` appended: ``recorded`` decisions (``by_decision``: decision ->
    count), ``unchanged`` rows, and ``superseded``: recorded rows whose finding had been decided
    in the store after the export (the imported decision is now current; both are in the
    history)."""

    recorded: int
    unchanged: int
    by_decision: dict[str, int] = field(default_factory=dict)
    superseded: int = 0

    def __str__(self) -> str:
        counts = ", ".join(
            f"{self.by_decision.get(d, 0)} {_DECISION_WORDS[d]}" for d in STATUS_WORDS.values()
        )
        text = f"{self.recorded} decisions recorded ({counts}), {self.unchanged} unchanged"
        if self.superseded:
            text += f"; {self.superseded} replace a decision made after the export"
        return text


def split_note(stored: str | None) -> tuple[str, str]:
    """A stored note -> (owner, note): the owner is the first line when it reads
    ``owner: NAME``."""
    text = stored or ""
    if text.startswith(OWNER_PREFIX):
        first, _, rest = text.partition("\n")
        return first[len(OWNER_PREFIX) :].strip(), rest.strip()
    return "", text.strip()


def join_note(owner: str, note: str) -> str:
    """(owner, note) -> the note stored (``split_note``'s inverse)."""
    if not owner:
        return note
    return f"{OWNER_PREFIX}{owner}" + (f"\n{note}" if note else "")


def _digest(*values: str) -> str:
    return hashlib.sha256(
        json.dumps(list(values), ensure_ascii=True, separators=(",", ":")).encode("ascii")
    ).hexdigest()


def _canonical_expr(column: str, kind: str, dtype: pl.DataType) -> pl.Expr:
    """A read-only cell as the fingerprint reads it (export side)."""
    col = pl.col(column)
    if kind == "date" and dtype == pl.Date:
        text = col.dt.strftime("%Y-%m-%d")
    elif kind == "money":
        text = col.cast(pl.Decimal(18, 2)).cast(pl.String)
    else:
        text = col.cast(pl.String)
    return text.fill_null("")


def _canonical(value: str | None, kind: str) -> str:
    """A read-only cell read back from the workbook (as text), canonicalised like
    ``_canonical_expr``; a value that does not parse stays as it is (and so mismatches)."""
    if value is None:
        return ""
    text = value.strip()
    try:
        if kind == "money" and text:
            return str(Decimal(text).quantize(Decimal("0.01")))
        if kind == "int" and text:
            return str(int(Decimal(text)))
    except InvalidOperation:
        return text
    if kind == "date":
        return text[:10]
    return value


def _audit_fingerprint(run_at: str, finding_ids: Sequence[str]) -> str:
    return _digest(run_at, *sorted(finding_ids))


# --- export ---------------------------------------------------------------------------------


def _worklist_frame(findings: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """The findings with their current decision, in worklist order: the encounters in the
    widget's ``exposure`` order, each encounter's findings by claim, line and rule."""
    if c.CLAIM_LINE_START_DATE in findings.columns:
        dos = pl.col(c.CLAIM_LINE_START_DATE)
    else:  # de-identified: the year only, and no date to order by
        dos = pl.col(_YEAR).cast(pl.String)
        findings = findings.with_columns(pl.lit(None, pl.Date).alias(c.CLAIM_LINE_START_DATE))
    keyed = findings.with_columns(worklist_key(), dos.alias("dos"))
    if keyed.is_empty():
        order = pl.DataFrame(schema={KEY: pl.String, "_entry": pl.UInt32})
    else:
        summary = ReviewState._summarise(keyed)  # the widget's worklist, reused
        order = (
            summary.sort(
                [*EXPOSURE_KINDS, c.CLAIM_LINE_START_DATE, KEY],
                descending=[True] * len(EXPOSURE_KINDS) + [False, False],
                nulls_last=True,
            )
            .select(KEY)
            .with_row_index("_entry")
        )
    decided = current.select(
        "finding_id",
        "decision",
        "note",
        "reviewer",
        pl.col("decided_at").dt.strftime("%Y-%m-%d %H:%M UTC").alias("decided_text"),
    )
    return (
        keyed.join(order, on=KEY, how="left")
        .join(decided, on="finding_id", how="left")
        .with_columns(readable_expr(pl.col("rule_name")).alias("rule_label"))
        .sort("_entry", c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code")
    )


def export_worklist(out: str | Path, db: str | Path, path: str | Path) -> WorklistExport:
    """Write the worklist workbook of the audit in ``out`` to ``path`` (refuses an existing
    file), pre-filled with the current decisions of the review file ``db`` (created when
    absent)."""
    target = Path(path)
    if target.exists():
        msg = f"{target.name}: already exists; choose another --out or delete it"
        raise InputError(msg)
    if target.suffix.lower() != ".xlsx":
        msg = f"{target.name}: the worklist is an Excel workbook; give a name ending in .xlsx"
        raise InputError(msg)
    record, _, _ = load_audit(out)
    findings = record.findings
    needed = {*_NEEDED, "rule_name", c.CLAIM_LINE_START_DATE}
    needed |= {src for _, src, *_ in READ_ONLY} - _DERIVED
    if _YEAR in findings.columns:
        needed.discard(c.CLAIM_LINE_START_DATE)
    missing = sorted(needed - set(findings.columns))
    if missing:
        msg = f"{Path(out).name}/findings.parquet: no column {', '.join(missing)}; audit again"
        raise InputError(msg)
    with ReviewStore(db) as store:
        current = store.current()
    frame = _worklist_frame(findings, current)
    run_at = str(record.summary_data.get("run_at") or "")
    ids = frame.get_column("finding_id").to_list()

    cells = excel_safe(frame)
    canon = frame.select(
        [
            _canonical_expr(src, kind, frame.schema[src]).alias(head)
            for head, src, kind, _ in READ_ONLY
        ]
    )
    split = [split_note(n) for n in cells.get_column("note").to_list()]
    statuses = [
        _DECISION_WORDS.get(d, "") if d else "" for d in frame.get_column("decision").to_list()
    ]

    target.parent.mkdir(parents=True, exist_ok=True)
    import xlsxwriter  # noqa: PLC0415 - only when exporting (the CLI imports this module)

    wb = xlsxwriter.Workbook(str(target))
    try:
        fmt = _formats(wb)
        prefill = [(s, o, n) for s, (o, n) in zip(statuses, split, strict=True)]
        _write_worklist(wb, fmt, cells, prefill)
        facts = (
            ("Audit folder (OUT)", str(Path(out).resolve())),
            ("Audit run at", run_at),
            ("Audit fingerprint", _audit_fingerprint(run_at, ids)),
            ("Findings", str(frame.height)),
        )
        _write_about(wb, fmt, facts)
        _write_check(wb, ids, canon, prefill)
    finally:
        wb.close()
    return WorklistExport(
        target,
        frame.height,
        frame.get_column(KEY).n_unique() if frame.height else 0,
        sum(1 for s in statuses if s),
    )


def _formats(wb: Any) -> dict[str, Any]:
    editable = {"locked": False, "bg_color": "#FFFBEA", "valign": "top"}
    return {
        "head": wb.add_format({"bold": True, "bg_color": "#E8EAED", "border": 1}),
        "edit_head": wb.add_format({"bold": True, "bg_color": "#FFF4CC", "border": 1}),
        "plain": wb.add_format({"valign": "top"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "money": wb.add_format({"num_format": "$#,##0.00", "valign": "top"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
        "edit": wb.add_format(editable),
        "edit_wrap": wb.add_format({**editable, "text_wrap": True}),
    }


def _write_cells(ws: Any, j: int, kind: str, values: list[Any], fmt: dict[str, Any]) -> None:
    for i, value in enumerate(values, start=1):
        if value is None:
            continue
        if kind == "money":
            ws.write_number(i, j, float(value), fmt["money"])
        elif kind == "int":
            ws.write_number(i, j, int(value), fmt["plain"])
        elif kind == "date" and isinstance(value, dt.date):
            ws.write_datetime(i, j, dt.datetime.combine(value, dt.time()), fmt["date"])
        else:
            ws.write_string(i, j, str(value), fmt["wrap"] if kind == "wrapped" else fmt["plain"])


def _write_worklist(
    wb: Any, fmt: dict[str, Any], cells: pl.DataFrame, prefill: list[tuple[str, str, str]]
) -> None:
    ws = wb.add_worksheet(WORKLIST_SHEET)
    for j, (title, src, kind, width) in enumerate(READ_ONLY):
        wrapped = title in _WRAPPED
        ws.set_column(j, j, width, fmt["wrap"] if wrapped else fmt["plain"])
        ws.write_string(0, j, title, fmt["head"])
        _write_cells(
            ws,
            j,
            "wrapped" if wrapped and kind == "text" else kind,
            cells.get_column(src).to_list(),
            fmt,
        )
    first = len(READ_ONLY)
    for k, (title, width) in enumerate(EDITABLE):
        style = fmt["edit_wrap"] if title == "Note" else fmt["edit"]
        ws.set_column(first + k, first + k, width, style)
        ws.write_string(0, first + k, title, fmt["edit_head"])
        for i, values in enumerate(prefill, start=1):
            ws.write_string(i, first + k, values[k], style)
    n = cells.height
    if n:
        ws.data_validation(
            1,
            first,
            n,
            first,
            {
                "validate": "list",
                "source": list(STATUS_WORDS),
                "error_title": "Status",
                "error_message": "Choose confirm, dismiss or needs query (or leave it blank).",
            },
        )
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(n, 1), len(HEADERS) - 1)
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})
    ws.activate()


def _write_about(wb: Any, fmt: dict[str, Any], facts: Sequence[tuple[str, str]]) -> None:
    about = wb.add_worksheet(ABOUT_SHEET)
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 100, fmt["wrap"])
    rows = (*facts, *((("How to" if i == 0 else ""), line) for i, line in enumerate(ABOUT_TEXT)))
    for i, (label, value) in enumerate(rows):
        about.write_string(i, 0, label, fmt["head"] if label else fmt["plain"])
        about.write_string(i, 1, value, fmt["wrap"])
    about.protect()


def _write_check(
    wb: Any, ids: list[str], canon: pl.DataFrame, prefill: list[tuple[str, str, str]]
) -> None:
    check = wb.add_worksheet(CHECK_SHEET)
    check.write_row(0, 0, ["finding_id", "row_sha256", "status", "owner", "note", *canon.columns])
    for i, values in enumerate(canon.rows(), start=1):
        check.write_string(i, 0, ids[i - 1])
        check.write_string(i, 1, _digest(*values))
        for k, value in enumerate(prefill[i - 1], start=2):
            check.write_string(i, k, value)
        for j, value in enumerate(values, start=5):
            check.write_string(i, j, _digest(value)[:16])
    check.protect()
    check.hide()


# --- import ---------------------------------------------------------------------------------


def _refuse(book: Path, what: str) -> InputError:
    return InputError(f"{book.name}: {what}")


def _sheet(reader: Any, book: Path, name: str, *, header: bool = True) -> pl.DataFrame:
    try:
        sheet = reader.load_sheet_by_name(name, dtypes="string", header_row=0 if header else None)
    except Exception as exc:  # fastexcel raises its own errors
        what = (
            f"no {name} sheet: not a worklist from `telekit review export` ({type(exc).__name__})"
        )
        raise _refuse(book, what) from None
    frame: pl.DataFrame = sheet.to_polars()
    return frame


def _about(reader: Any, book: Path) -> dict[str, str]:
    about = _sheet(reader, book, ABOUT_SHEET, header=False)
    if about.width < 2:
        raise _refuse(book, "the About sheet is empty: export the worklist again")
    labels, values = about.to_series(0).to_list(), about.to_series(1).to_list()
    return {str(k): str(v or "") for k, v in zip(labels, values, strict=True) if k}


def _status(value: str | None, book: Path, row: int) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalize_decision(value)
    except ValueError:
        what = (
            f"row {row}, column Status: not a status (expected confirm, dismiss or needs query, "
            "or blank for no change)"
        )
        raise _refuse(book, what) from None


def _check_source(book: Path, about: dict[str, str], check: pl.DataFrame) -> None:
    """The workbook is whole (its Check sheet matches its About fingerprint) and, when its OUT
    is still there, of the audit OUT holds now."""
    run_at = about.get("Audit run at", "")
    ids = [str(v) for v in check.get_column("finding_id").to_list()]
    if _audit_fingerprint(run_at, ids) != about.get("Audit fingerprint"):
        what = "its About and Check sheets do not match (altered or mixed from two workbooks)"
        raise _refuse(book, f"{what}: export the worklist again")
    summary = Path(about.get("Audit folder (OUT)", "")) / "summary.json"
    if summary.is_file():
        now = json.loads(summary.read_text(encoding="utf-8")).get("run_at")
        if now and str(now) != run_at:
            what = (
                f"exported from the audit of {run_at}, but its OUT now holds the audit of {now}: "
                "export the worklist again from the current audit"
            )
            raise _refuse(book, what)


def _read_worklist(book: Path) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, str]]:
    if not book.is_file():
        raise _refuse(book, "no such workbook")
    import fastexcel  # noqa: PLC0415 - only when importing (the CLI imports this module)

    try:
        reader = fastexcel.read_excel(book)
    except Exception as exc:  # fastexcel raises its own errors
        what = f"not an Excel workbook ({type(exc).__name__}); give the .xlsx review export wrote"
        raise _refuse(book, what) from None
    rows = _sheet(reader, book, WORKLIST_SHEET)
    check = _sheet(reader, book, CHECK_SHEET)
    about = _about(reader, book)
    if tuple(rows.columns) != HEADERS:
        changed = next(
            (f"{want!r}" for want, got in zip(HEADERS, rows.columns, strict=False) if want != got),
            f"{len(rows.columns)} columns instead of {len(HEADERS)}",
        )
        what = f"the Worklist header changed (column {changed}): export the worklist again"
        raise _refuse(book, what)
    return rows, check, about


def import_worklist(path: str | Path, db: str | Path, reviewer: str) -> WorklistImport:
    """Append to the review file ``db`` a decision by ``reviewer`` for each row of the worklist
    workbook ``path`` whose Status / Owner / Note were changed and differ from the finding's
    current decision. Every row is checked first; a refusal (``InputError`` naming the row and
    column) appends nothing."""
    book = Path(path)
    if not reviewer.strip():
        msg = "--reviewer must be a non-empty name"
        raise InputError(msg)
    rows, check, about = _read_worklist(book)
    _check_source(book, about, check)
    exported = {str(r["finding_id"]): r for r in check.fill_null("").iter_rows(named=True)}
    seen: set[str] = set()
    wanted: list[tuple[dict[str, Any], str, str, str]] = []  # row, decision, owner, note
    for i, row in enumerate(rows.iter_rows(named=True)):
        excel_row = i + 2  # the header is row 1
        fid = (row["Finding ID"] or "").strip()
        if fid not in exported:
            what = f"row {excel_row}, column Finding ID: not a finding of this worklist"
            raise _refuse(book, f"{what} (edited?): undo the edit or export the worklist again")
        if fid in seen:
            raise _refuse(book, f"row {excel_row}: finding listed twice; remove the copy")
        seen.add(fid)
        was = exported[fid]
        values = [_canonical(row[head], kind) for head, _, kind, _ in READ_ONLY]
        if _digest(*values) != was["row_sha256"]:
            column = next(
                (
                    head
                    for (head, *_), value in zip(READ_ONLY, values, strict=True)
                    if _digest(value)[:16] != was[head]
                ),
                "?",
            )
            what = (
                f"row {excel_row}, column {column}: a read-only cell was edited; undo the edit "
                "or export the worklist again"
            )
            raise _refuse(book, what)
        status = _status(row["Status"], book, excel_row)
        owner, note = (row["Owner"] or "").strip(), (row["Note"] or "").strip()
        before = (_status(was["status"] or None, book, excel_row), was["owner"], was["note"])
        if (status, owner, note) == before:
            continue
        if status is None:
            if (owner, note) != before[1:]:
                what = (
                    f"row {excel_row}, column Status: blank, but Owner or Note were changed; "
                    "choose a Status for the row"
                )
                raise _refuse(book, what)
            continue  # a blank Status never erases a decision
        wanted.append((row, status, owner, note))
    return _record(db, reviewer, rows.height, wanted, exported)


def _record(
    db: str | Path,
    reviewer: str,
    total: int,
    wanted: list[tuple[dict[str, Any], str, str, str]],
    exported: dict[str, dict[str, Any]],
) -> WorklistImport:
    with ReviewStore(db) as store:
        current = {
            r["finding_id"]: (r["decision"], *split_note(r["note"]))
            for r in store.current().iter_rows(named=True)
        }
        keys: list[dict[str, Any]] = []
        superseded = 0
        for row, status, owner, note in wanted:
            fid = row["Finding ID"].strip()
            now = current.get(fid)
            if now == (status, owner, note):
                continue  # already the current decision (imported before, or made alike)
            was = exported[fid]
            if now is not None and now != (
                normalize_decision(was["status"]) if was["status"] else None,
                was["owner"],
                was["note"],
            ):
                superseded += 1
            claim = row["Claim"].strip()
            key = row["Encounter"].strip()
            keys.append(
                {
                    "finding_id": fid,
                    "rule_code": row["Rule"].strip(),
                    c.CLAIM_ID: claim,
                    c.CLAIM_LINE_NUMBER: int(Decimal(row["Line"])),
                    c.ENCOUNTER_ID: None if key == f"claim:{claim}" else key,
                    "decision": status,
                    "stored_note": join_note(owner, note),
                }
            )
        frame = pl.DataFrame(
            keys,
            schema={
                "finding_id": pl.String,
                "rule_code": pl.String,
                c.CLAIM_ID: pl.String,
                c.CLAIM_LINE_NUMBER: pl.Int64,
                c.ENCOUNTER_ID: pl.String,
                "decision": pl.String,
                "stored_note": pl.String,
            },
        )
        by_decision: dict[str, int] = {}
        for (decision, stored), group in frame.group_by(
            "decision", "stored_note", maintain_order=True
        ):
            by_decision[str(decision)] = by_decision.get(str(decision), 0) + store.record(
                group, str(decision), note=str(stored), reviewer=reviewer
            )
    recorded = frame.height
    return WorklistImport(recorded, total - recorded, by_decision, superseded)
