"""What ``telekit audit`` writes to OUT: findings (CSV, Parquet, XLSX), rejects, summary.json,
report.html and inputs.json (paths and SHA-256 of what was read, so ``telekit report`` can
re-render)."""

from __future__ import annotations

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


def write_xlsx(result: AuditResult, rejects: pl.DataFrame, out: Path) -> None:
    """findings.xlsx: Summary, Findings, Rejects; header frozen, autofilter, money and dates
    formatted."""
    path = out / "findings.xlsx"
    import xlsxwriter  # noqa: PLC0415 - only needed when writing the workbook

    money = {"dollars_at_risk": "$#,##0.00", "amount_at_risk": "$#,##0.00"}
    with xlsxwriter.Workbook(str(path)) as wb:
        for sheet, frame in (
            ("Summary", result.summary()),
            ("Findings", result.findings),
            ("Rejects", rejects),
        ):
            frame.write_excel(
                workbook=wb,
                worksheet=sheet,
                autofilter=True,
                freeze_panes=(1, 0),
                autofit=True,
                column_formats={k: v for k, v in money.items() if k in frame.columns},
                dtype_formats={pl.Date: "yyyy-mm-dd"},
                float_precision=2,
            )


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
