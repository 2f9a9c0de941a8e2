"""What ``telekit audit`` writes to OUT: findings (CSV, Parquet, XLSX), rejects, summary.json,
report.html and inputs.json (paths and SHA-256 of what was read, so ``telekit report`` can
re-render)."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from telekit._audit import AuditResult


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


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """Money as 1234.50, dates ISO, nulls empty: polars' CSV writer already does this for Decimal
    and Date; lists (none in findings) would be joined."""
    return df


def write_findings(result: AuditResult, out: Path) -> None:
    findings = result.findings
    _csv_ready(findings).write_csv(out / "findings.csv")
    findings.write_parquet(out / "findings.parquet")


def write_rejects(rejects: pl.DataFrame, out: Path) -> None:
    rejects.write_csv(out / "rejects.csv")


MONEY_COLUMNS = frozenset(
    {"dollars_at_risk", "amount_at_risk", "charge_amount", "paid_amount", "allowed_amount"}
)
_WIDTH = {"message": 70, "suggested_fix": 60, "reason": 50, "rule_name": 34, "value": 24}


def _sheet(wb: Any, name: str, frame: pl.DataFrame, formats: dict[str, Any]) -> None:
    """One worksheet: bold frozen header, autofilter over the data, money and dates formatted,
    widths fitted to the content (capped for long text)."""
    ws = wb.add_worksheet(name)
    ws.freeze_panes(1, 0)
    for j, col in enumerate(frame.columns):
        ws.write_string(0, j, col, formats["header"])
        dtype = frame.schema[col]
        values = frame.get_column(col)
        if dtype == pl.Date:
            fmt = formats["date"]
        elif col in MONEY_COLUMNS or isinstance(dtype, pl.Decimal):
            fmt = formats["money"]
        else:
            fmt = None
        longest = values.cast(pl.String).str.len_chars().max() if frame.height else 0
        longest = longest if isinstance(longest, int) else 0
        width = min(max(len(col), longest) + 2, _WIDTH.get(col, 40))
        ws.set_column(j, j, width, fmt)
        for i, v in enumerate(values.to_list(), start=1):
            if v is None:
                continue
            if dtype == pl.Date:
                ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), formats["date"])
            elif isinstance(dtype, pl.Decimal):
                ws.write_number(i, j, float(v), formats["money"])
            elif dtype.is_numeric():
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    ws.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))


def write_xlsx(
    result: AuditResult,
    rejects: pl.DataFrame,
    out: Path,
    *,
    decisions: pl.DataFrame | None = None,
) -> None:
    """findings.xlsx a billing team works from: sheets Summary, Findings, Rejects (and
    Decisions when a review is given); header frozen, autofilter, money ``$#,##0.00``, dates
    ``yyyy-mm-dd``, column widths fitted to the content."""
    import xlsxwriter  # noqa: PLC0415 - only needed when writing the workbook

    with xlsxwriter.Workbook(str(out / "findings.xlsx"), {"strings_to_numbers": False}) as wb:
        formats = {
            "header": wb.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1}),
            "money": wb.add_format({"num_format": "$#,##0.00"}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        }
        _sheet(wb, "Summary", result.summary(), formats)
        _sheet(wb, "Findings", result.findings, formats)
        _sheet(wb, "Rejects", rejects, formats)
        if decisions is not None:
            _sheet(wb, "Decisions", decisions, formats)


def write_summary(result: AuditResult, out: Path, extra: dict[str, Any]) -> dict[str, Any]:
    summary = result.to_summary_dict()
    for table, info in extra.get("tables", {}).items():
        summary["tables"][table] = info
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def minimal_report(summary: dict[str, Any]) -> str:
    """A self-contained HTML page (no script, no network): totals, per-rule table, accounting."""
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(r[k]))}</td>"
            for k in (
                "rule_code",
                "rule_name",
                "severity",
                "findings",
                "lines",
                "dollars_at_risk",
                "status",
            )
        )
        + "</tr>"
        for r in summary["rules"]
    )
    tables = "".join(
        f"<tr><td>{html.escape(t)}</td><td>{v['rows_in']}</td><td>{v['rows_audited']}</td>"
        f"<td>{v['rows_rejected']}</td></tr>"
        for t, v in summary["tables"].items()
    )
    f = summary["findings"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>telekit audit report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.25rem .5rem}}
th{{background:#f3f3f3}}</style></head><body>
<h1>Telehealth billing audit</h1>
<p>Run {html.escape(summary["run_at"])}; as of {html.escape(str(summary["as_of"]))};
code sets {html.escape(summary["code_set_version"])}; policies
{html.escape(str(summary["policies_source"]))}.</p>
<h2>Summary</h2>
<p>{f["total"]} findings ({f["by_severity"]["error"]} error, {f["by_severity"]["warning"]} warning,
{f["by_severity"]["info"]} info) on {f["lines_with_errors"]} lines with errors;
<b>${Decimal(f["dollars_at_risk"]):,.2f}</b> at risk (each line's charge counted once).</p>
<h2>Findings by rule</h2>
<table><tr><th>rule</th><th>name</th><th>severity</th><th>findings</th><th>lines</th>
<th>$ at risk</th><th>status</th></tr>{rows}</table>
<h2>Input rows</h2>
<table><tr><th>table</th><th>rows in</th><th>audited</th><th>rejected</th></tr>{tables}</table>
</body></html>
"""


def write_report(summary: dict[str, Any], out: Path) -> None:
    (out / "report.html").write_text(minimal_report(summary))


def write_inputs(paths: dict[str, list[Path]], out: Path, options: dict[str, Any]) -> None:
    record = {
        "inputs": {
            table: [{"path": str(p.resolve()), "sha256": sha256_of(p)} for p in ps]
            for table, ps in paths.items()
        },
        "options": options,
    }
    (out / "inputs.json").write_text(json.dumps(record, indent=2) + "\n")
