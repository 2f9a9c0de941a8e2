"""What ``telekit audit`` writes to OUT: findings (CSV, Parquet, XLSX), rejects, summary.json,
report.html, and what ``telekit report`` needs to re-render: inputs.json (paths and SHA-256 of
what was read), metrics.parquet and oig.parquet. ``write_audit`` writes them all, de-identified
when given a ``Deidentifier``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from telekit import _columns as c
from telekit._audit import AuditResult
from telekit._deidentify import Deidentifier


class _Audited(Protocol):
    """An ``AuditResult`` or a ``report.AuditRecord``: what the workbook reads."""

    @property
    def findings(self) -> pl.DataFrame: ...

    def summary(self) -> pl.DataFrame: ...


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    if path.is_dir():
        for part in sorted(path.rglob("*")):
            if part.is_file():
                h.update(part.relative_to(path).as_posix().encode())
                h.update(part.read_bytes())
        return h.hexdigest()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


MONEY_COLUMNS = frozenset(
    {"dollars_at_risk", "amount_at_risk", "charge_amount", "paid_amount", "allowed_amount"}
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
    for n, start in enumerate(range(0, max(frame.height, 1), per_sheet), start=1):
        _one_sheet(wb, name if n == 1 else f"{name} {n}", frame.slice(start, per_sheet), formats)


def _one_sheet(wb: Any, name: str, frame: pl.DataFrame, formats: dict[str, Any]) -> None:
    ws = wb.add_worksheet(name)
    ws.freeze_panes(1, 0)
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
        ws.write_string(0, j, col, formats["header"])
        writers.append(_cell_writer(dtype, formats))
    # row by row: the workbook is opened in constant-memory mode, which flushes each finished row
    for i, row in enumerate(frame.iter_rows(), start=1):
        for j, v in enumerate(row):
            if v is not None:
                writers[j](ws, i, j, v)
    ws.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))


def write_xlsx(
    result: _Audited,
    rejects: pl.DataFrame,
    out: Path,
    *,
    decisions: pl.DataFrame | None = None,
) -> None:
    """findings.xlsx a billing team works from: sheets Summary, Findings, Rejects (and
    Decisions when a review is given); header frozen, autofilter, money ``$#,##0.00``, dates
    ``yyyy-mm-dd``, column widths fitted to the content. Written in xlsxwriter's constant-memory
    mode (rows flushed as written), so a million findings do not sit in memory twice."""
    import xlsxwriter  # noqa: PLC0415 - only needed when writing the workbook

    options = {"strings_to_numbers": False, "constant_memory": True}
    with xlsxwriter.Workbook(str(out / "findings.xlsx"), options) as wb:
        formats = {
            "header": wb.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1}),
            "money": wb.add_format({"num_format": "$#,##0.00"}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        _sheet(wb, "Summary", result.summary(), formats)
        _sheet(wb, "Findings", result.findings, formats)
        _sheet(wb, "Rejects", rejects, formats)
        if decisions is not None:
            _sheet(wb, "Decisions", decisions, formats)


def write_inputs(
    paths: dict[str, list[Path]], out: Path, options: dict[str, Any]
) -> dict[str, Any]:
    record = {
        "inputs": {
            table: [{"path": str(p.resolve()), "sha256": sha256_of(p)} for p in ps]
            for table, ps in paths.items()
        },
        "options": options,
    }
    (out / "inputs.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def decisions_sheet(decisions: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """The Decisions sheet: each current decision with its finding's rule name, severity, DOS,
    code and amount at risk (decisions on findings this audit does not have are left out)."""
    wanted = ["finding_id", "rule_name", "severity", c.CLAIM_LINE_START_DATE, c.HCPCS_CODE]
    wanted += ["amount_at_risk"]
    extra = findings.select([col for col in wanted if col in findings.columns])
    return decisions.join(extra, on="finding_id", how="inner", maintain_order="left")


def write_audit(
    out: Path,
    result: AuditResult,
    *,
    rejects: pl.DataFrame,
    extra_tables: Mapping[str, Any],
    inputs: Mapping[str, list[Path]],
    options: Mapping[str, Any],
    metrics: Mapping[str, pl.DataFrame] | None = None,
    oig: pl.DataFrame | None = None,
    decisions: pl.DataFrame | None = None,
    deid: Deidentifier | None = None,
    step: Callable[[str], None] | None = None,
    x12_issues: Mapping[str, pl.DataFrame] | None = None,
) -> dict[str, Any]:
    """Every file of OUT; with ``deid`` each one de-identified (the caller writes the key).
    ``step(label)`` is told each stage (the progress bar); ``x12_issues`` (per table, the X12
    problems of its files) go to each table's ``x12_issues`` in summary.json. Returns what
    summary.json holds."""
    from telekit import report  # noqa: PLC0415 - report imports this module's helpers

    def stage(label: str) -> None:
        if step is not None:
            step(label)

    stage("writing findings")
    summary = result.to_summary_dict()
    for table, info in extra_tables.items():
        summary["tables"][table] = info
    if x12_issues:
        from telekit.x12 import _problems  # noqa: PLC0415 - telekit.x12 imports the readers

        for table, issues in x12_issues.items():
            entry = summary["tables"].setdefault(table, {})
            entry["x12_issues"] = _problems.summary_entry(issues)
    record = report.AuditRecord.from_result(result, summary=summary, rejects=rejects)
    sheet = decisions_sheet(decisions, result.findings) if decisions is not None else None
    frames = dict(metrics or {})
    opts = dict(options)
    if deid is not None:
        for frame in (result.claims, result.encounters, result.coverage):
            deid.register_frame(frame)
        record = record.deidentify(deid)
        sheet = deid.frame(sheet) if sheet is not None else None
        decisions = deid.frame(decisions) if decisions is not None else None
        frames = report.deidentified_metrics(frames)
        as_of = opts.get("as_of")
        opts["as_of"] = as_of[:4] if isinstance(as_of, str) else as_of
        opts["deidentified"] = True
    record.findings.write_csv(out / "findings.csv")
    record.findings.write_parquet(out / "findings.parquet")
    record.rejects.write_csv(out / "rejects.csv")
    (out / "summary.json").write_text(json.dumps(record.summary_data, indent=2) + "\n")
    if metrics is not None:
        report.write_metrics(frames, out / "metrics.parquet")
    if oig is not None:
        oig.write_parquet(out / "oig.parquet")
    record = dataclasses.replace(record, inputs=write_inputs(dict(inputs), out, opts))
    stage("writing findings.xlsx")
    write_xlsx(record, record.rejects, out, decisions=sheet)
    stage("drawing the report")
    html = report.render(record, metrics=frames or None, oig=oig, decisions=decisions)
    (out / "report.html").write_text(html, encoding="utf-8")
    return record.summary_data
