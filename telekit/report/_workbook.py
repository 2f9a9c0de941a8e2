"""findings.xlsx: the Summary, Findings, Rejects and Decisions sheets (money as numbers, long
cells cut, formula-looking text kept as text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import EXPOSURE_KINDS, EXPOSURE_MEANING, EXPOSURE_WORDS
from telekit.report._cells import excel_safe
from telekit.report._labels import Labels


class _Audited(Protocol):
    """An ``AuditResult`` or a ``report.AuditRecord``: what the workbook reads."""

    @property
    def findings(self) -> pl.DataFrame: ...

    def summary(self) -> pl.DataFrame: ...

    def exposure(self) -> pl.DataFrame: ...


MONEY_COLUMNS = frozenset(
    {
        *EXPOSURE_KINDS,
        "exposure_amount",
        "expected_allowed",
        "charge_amount",
        "paid_amount",
        "allowed_amount",
    }
)
_WIDTH = {"message": 70, "suggested_fix": 60, "reason": 50, "rule_name": 34, "value": 24}


EXCEL_MAX_ROWS = 1_048_576  # rows in one Excel worksheet, the header row included


def _cell_writer(
    dtype: pl.DataType, formats: dict[str, Any]
) -> Callable[[Any, int, int, Any], Any]:
    if dtype == pl.Date:
        return lambda ws, i, j, v: ws.write_datetime(
            i, j, dt.datetime.combine(v, dt.time()), formats["date"]
        )
    if isinstance(dtype, pl.Datetime):  # Excel has no time zones: shown in UTC
        return lambda ws, i, j, v: ws.write_datetime(
            i,
            j,
            v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo is not None else v,
            formats["datetime"],
        )
    if isinstance(dtype, pl.Decimal):
        return lambda ws, i, j, v: ws.write_number(i, j, float(v), formats["money"])
    if dtype.is_numeric():
        return lambda ws, i, j, v: ws.write_number(i, j, v)
    return lambda ws, i, j, v: ws.write_string(i, j, str(v))


def _sheet(wb: Any, name: str, frame: pl.DataFrame, formats: dict[str, Any]) -> None:
    """One worksheet: bold frozen header, autofilter over the data, money and dates formatted,
    widths fitted to the content (capped for long text). Rows past Excel's limit continue on
    sheets "NAME 2", "NAME 3", … each with the header, so that no row is lost."""
    per_sheet = EXCEL_MAX_ROWS - 1
    frame = excel_safe(frame)  # no control characters; a text past 32,767 characters says so
    for n, start in enumerate(range(0, max(frame.height, 1), per_sheet), start=1):
        _one_sheet(wb, name if n == 1 else f"{name} {n}", frame.slice(start, per_sheet), formats)


def _one_sheet(wb: Any, name: str, frame: pl.DataFrame, formats: dict[str, Any]) -> None:
    ws = wb.add_worksheet(name)
    ws.freeze_panes(1, 0)
    _table(ws, frame, formats, first=0)


def _table(ws: Any, frame: pl.DataFrame, formats: dict[str, Any], *, first: int) -> None:
    """``frame`` from row ``first`` down: a bold header, the rows, an autofilter over them;
    money and dates formatted, widths fitted to the content (capped for long text)."""
    writers = []
    for j, col in enumerate(frame.columns):
        dtype = frame.schema[col]
        if dtype == pl.Date:
            fmt = formats["date"]
        elif isinstance(dtype, pl.Datetime):
            fmt = formats["datetime"]
        elif col in MONEY_COLUMNS or isinstance(dtype, pl.Decimal):
            fmt = formats["money"]
        else:
            fmt = None
        longest = frame.get_column(col).cast(pl.String).str.len_chars().max() if frame.height else 0
        longest = longest if isinstance(longest, int) else 0
        width = min(max(len(col), longest) + 2, _WIDTH.get(col, 40))
        ws.set_column(j, j, width, fmt)
        ws.write_string(first, j, col, formats["header"])
        writers.append(_cell_writer(dtype, formats))
    # row by row: the workbook is opened in constant-memory mode, which flushes each finished row
    for i, row in enumerate(frame.iter_rows(), start=first + 1):
        for j, v in enumerate(row):
            if v is not None:
                writers[j](ws, i, j, v)
    ws.autofilter(first, 0, first + max(frame.height, 1), max(len(frame.columns) - 1, 0))


#: the Summary sheet: rows above the per-rule table (the four totals, a blank row)
TOTALS_ROWS = 5


def _summary_sheet(wb: Any, result: _Audited, formats: dict[str, Any]) -> None:
    """The Summary sheet: the four totals side by side (amount, lines, what each means), each
    above the per-rule column of its kind, then one row per rule with its four amounts. The
    header row of the rules is frozen."""
    rules = excel_safe(result.summary())
    totals = result.exposure()
    ws = wb.add_worksheet("Summary")
    kind = EXPOSURE_KINDS[0]
    first = rules.columns.index(kind) if kind in rules.columns else 1
    kinds = [(EXPOSURE_KINDS.index(r["exposure"]), r) for r in totals.iter_rows(named=True)]
    # row by row (constant-memory mode writes each row once, in order); the labels in A:B of
    # the top rows, left of the totals
    labels = dict(enumerate(labels_of(result).rows() if first >= 3 else []))

    def label(row: int) -> None:
        if row in labels:
            ws.write_string(row, 0, labels[row][0], formats["header"])
            ws.write_string(row, 1, excel_safe(pl.DataFrame({"v": [labels[row][1]]})).item())

    label(0)
    ws.write_string(0, first - 1, "Money, by kind", formats["header"])
    for i, r in kinds:
        ws.write_string(0, first + i, EXPOSURE_WORDS[r["exposure"]].capitalize(), formats["header"])
    label(1)
    ws.write_string(1, first - 1, "Amount (each line once)", formats["header"])
    for i, r in kinds:
        ws.write_number(1, first + i, float(r["amount"]), formats["money"])
    label(2)
    ws.write_string(2, first - 1, "Lines", formats["header"])
    for i, r in kinds:
        ws.write_number(2, first + i, int(r["lines"]))
    ws.set_row(3, 150)
    ws.write_string(3, first - 1, "What it means", formats["header"])
    for i, r in kinds:
        ws.write_string(3, first + i, EXPOSURE_MEANING[r["exposure"]], formats["wrap"])
    if first >= 3:  # the versions that made it, in A:B under the labels
        ws.write_string(4, 0, "telekit", formats["header"])
        ws.write_string(4, 1, versions_of(result))
    ws.write_string(4, first - 1, "Never added together; a line may count in several rules.")
    ws.freeze_panes(TOTALS_ROWS + 1, 0)
    _table(ws, rules, formats, first=TOTALS_ROWS)
    ws.set_column(first - 1, first - 1, 24)  # the totals' labels
    for i in range(len(EXPOSURE_KINDS)):  # wide enough for what each total means
        ws.set_column(first + i, first + i, 30, formats["money"])


#: the workbook's "created" property when the audit has no as_of (xlsxwriter's own zip dates)
_NO_DATE = dt.datetime(1980, 1, 1)  # noqa: DTZ001 - Excel's properties carry no time zone


def created_date(result: object) -> dt.datetime:
    """The workbook's "created" (and "modified") property: midnight of the audit's as_of date,
    not the clock, so that two runs on the same inputs write byte-identical workbooks (the
    run's time is summary.json's ``run_at``)."""
    summary = getattr(result, "summary_data", None)
    as_of = summary.get("as_of") if isinstance(summary, dict) else getattr(result, "as_of", None)
    if isinstance(as_of, dt.date):
        return dt.datetime.combine(as_of, dt.time())
    try:
        return dt.datetime.combine(dt.date.fromisoformat(str(as_of)), dt.time())
    except ValueError:  # none, or a de-identified year
        return _NO_DATE


def versions_of(result: object) -> str:
    """``0.1.0 · rule catalog 2026-12-07 · code sets 2026.12.07``: what made the workbook (an
    ``AuditRecord``'s summary.json, or an ``AuditResult`` and this telekit)."""
    from telekit._core._version import VERSION  # noqa: PLC0415

    summary = getattr(result, "summary_data", None)
    found = summary if isinstance(summary, dict) else {}
    telekit = found.get("telekit_version") or VERSION
    catalog = found.get("catalog_version") or getattr(result, "catalog_version", "")
    code_sets = found.get("code_set_version") or getattr(result, "code_set_version", "")
    return f"{telekit} · rule catalog {catalog} · code sets {code_sets}"


def labels_of(result: object) -> Labels:
    """The labels of an ``AuditRecord`` (its summary.json) or an ``AuditResult`` (its
    period)."""
    summary = getattr(result, "summary_data", None)
    if isinstance(summary, dict):
        return Labels.of_summary(summary)
    return Labels(period=getattr(result, "period", None))


def cell_formats(wb: Any) -> dict[str, Any]:
    """The cell formats of telekit's workbooks (``_sheet`` uses them): a grey bold header,
    money ``$#,##0.00``, dates ``yyyy-mm-dd``, wrapped text."""
    return {
        "header": wb.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1}),
        "money": wb.add_format({"num_format": "$#,##0.00"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
    }


def write_xlsx(
    result: _Audited,
    rejects: pl.DataFrame,
    out: Path,
    *,
    decisions: pl.DataFrame | None = None,
    name: str = "findings.xlsx",
) -> None:
    """``out/name`` (findings.xlsx), the workbook a billing team works from: sheets Summary
    (the four totals side by side with their meaning, then one row per rule), Findings, Rejects
    (and Decisions when a review is given); header frozen, autofilter, money
    ``$#,##0.00``, dates ``yyyy-mm-dd``, column widths fitted to the content; text without
    control characters, cut with a note past Excel's 32,767 characters. Written in
    xlsxwriter's constant-memory mode (rows flushed as written), so a million findings do not
    sit in memory twice."""
    import xlsxwriter  # noqa: PLC0415 - only needed when writing the workbook

    options = {"strings_to_numbers": False, "constant_memory": True}
    with xlsxwriter.Workbook(str(out / name), options) as wb:
        wb.set_properties({"created": created_date(result)})
        formats = cell_formats(wb)
        _summary_sheet(wb, result, formats)
        _sheet(wb, "Findings", result.findings, formats)
        _sheet(wb, "Rejects", rejects, formats)
        if decisions is not None:
            _sheet(wb, "Decisions", decisions, formats)


def decisions_sheet(decisions: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """The Decisions sheet: each current decision with its finding's rule name, severity, DOS,
    code, kind of money, amount and what the amount was computed from (decisions on findings
    this audit does not have are left out)."""
    wanted = ["finding_id", "rule_name", "severity", c.CLAIM_LINE_START_DATE, c.HCPCS_CODE]
    wanted += ["exposure", "exposure_amount", "amount_basis"]
    extra = findings.select([col for col in wanted if col in findings.columns])
    return decisions.join(extra, on="finding_id", how="inner", maintain_order="left")


def read_decisions_sheet(path: Path) -> pl.DataFrame | None:
    """The Decisions sheet of an existing findings.xlsx (None when it has none or cannot be
    read), so that relabelling OUT (``telekit report --practice``) keeps it."""
    if not path.is_file():
        return None
    try:
        import fastexcel  # noqa: PLC0415 - only when relabelling

        reader = fastexcel.read_excel(str(path))
        if "Decisions" not in reader.sheet_names:
            return None
        return pl.read_excel(path, sheet_name="Decisions")
    except Exception:  # an unreadable sheet is left out, as without a review
        return None
