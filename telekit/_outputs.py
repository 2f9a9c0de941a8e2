"""What ``telekit audit`` writes to OUT: findings (CSV, Parquet, XLSX), rejects, summary.json,
report.html, and what ``telekit report`` needs to re-render: inputs.json (paths and SHA-256 of
what was read), metrics.parquet and oig.parquet. ``write_audit`` writes them all, de-identified
when given a ``Deidentifier``.

OUT is replaced as a whole (``staged_folder``): every file is written into a temporary folder
beside it (``.OUT.tmp-<random>``), which is renamed into place once complete; a failure leaves
the previous OUT as it was. With ``--deidentify`` the key is written before any output and
renamed into place before OUT, so a de-identified OUT never exists without its key.
``check_out`` refuses an OUT that would destroy an input or a folder telekit did not write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from telekit._audit import AuditResult
from telekit._cells import excel_safe, write_csv
from telekit._core import _columns as c
from telekit._core._exceptions import TelekitError
from telekit._deidentify import Deidentifier, file_names, is_inside


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
    frame = excel_safe(frame)  # no control characters; a text past 32,767 characters says so
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
    name: str = "findings.xlsx",
) -> None:
    """``out/name`` (findings.xlsx), the workbook a billing team works from: sheets Summary,
    Findings, Rejects (and Decisions when a review is given); header frozen, autofilter, money
    ``$#,##0.00``, dates ``yyyy-mm-dd``, column widths fitted to the content; text without
    control characters, cut with a note past Excel's 32,767 characters. Written in
    xlsxwriter's constant-memory mode (rows flushed as written), so a million findings do not
    sit in memory twice."""
    import xlsxwriter  # noqa: PLC0415 - only needed when writing the workbook

    options = {"strings_to_numbers": False, "constant_memory": True}
    with xlsxwriter.Workbook(str(out / name), options) as wb:
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


def inputs_record(
    paths: Mapping[str, list[Path]], options: Mapping[str, Any], *, deidentified: bool = False
) -> dict[str, Any]:
    """What inputs.json holds: each table's files (resolved path and SHA-256) and the options.
    De-identified, a file keeps only its table name and extension (``claims.xlsx``): a file
    name may hold a patient's name."""
    inputs: dict[str, list[dict[str, str]]] = {}
    for table, ps in paths.items():
        names = (
            file_names(table, [str(p) for p in ps])
            if deidentified
            else [str(p.resolve()) for p in ps]
        )
        inputs[table] = [
            {"path": name, "sha256": sha256_of(p)} for name, p in zip(names, ps, strict=True)
        ]
    return {"inputs": inputs, "options": dict(options)}


# --- OUT as a whole -------------------------------------------------------------------------------


def check_out(out: Path, inputs: Iterable[Path]) -> None:
    """Refuse an OUT that replacing would destroy what telekit did not write: one that is, or
    holds, an input file or folder, and one that exists, is not empty and has no summary.json
    (not a telekit output folder)."""
    for path in inputs:
        if is_inside(path, out):
            msg = (
                f"--out {out} is or holds the input {path}: OUT is replaced as a whole, so give "
                "a folder apart from the inputs (e.g. --out out/audit)"
            )
            raise TelekitError(msg)
    if out.exists() and not out.is_dir():
        msg = f"--out {out} is a file; give a folder (new, empty, or a previous telekit OUT)"
        raise TelekitError(msg)
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").is_file():
        msg = (
            f"--out {out} holds files but no summary.json, so it is not a telekit output "
            "folder and would be replaced: give a new or empty folder"
        )
        raise TelekitError(msg)


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A new temporary folder beside ``out`` to write into; on a normal exit it replaces
    ``out`` (the old one moved aside, the new one renamed in, the old removed), on an error it
    is removed and ``out`` is left as it was."""
    target = out.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{secrets.token_hex(6)}")
    tmp.mkdir()
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old-{secrets.token_hex(6)}")
            target.rename(old)
            try:
                tmp.rename(target)
            except BaseException:
                old.rename(target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def replaced_file(path: Path) -> Iterator[Path]:
    """A temporary file name beside ``path`` to write; on a normal exit it replaces ``path``
    (an atomic rename), on an error it is removed."""
    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(6)}{path.suffix}")
    try:
        yield tmp
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
    key_file: Path | None = None,
    step: Callable[[str], None] | None = None,
    x12_issues: Mapping[str, pl.DataFrame] | None = None,
) -> dict[str, Any]:
    """Every file of OUT, written into a temporary folder that then replaces OUT
    (``staged_folder``). With ``deid`` each one is de-identified, and with ``key_file`` the key
    is written before any output and put in place before OUT (without ``key_file`` the caller
    writes the key). ``step(label)`` is told each stage (the progress bar); ``x12_issues`` (per
    table, the X12 problems of its files) go to each table's ``x12_issues`` in summary.json.
    Returns what summary.json holds."""
    from telekit import report  # noqa: PLC0415 - report imports this module's helpers

    def stage(label: str) -> None:
        if step is not None:
            step(label)

    check_out(out, [p for ps in inputs.values() for p in ps])
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
    record = dataclasses.replace(
        record, inputs=inputs_record(inputs, opts, deidentified=deid is not None)
    )
    # every identifier now has its pseudonym: the key is complete, and written first
    key_tmp = deid.stage_key(key_file) if deid is not None and key_file is not None else None
    try:
        with staged_folder(out) as tmp:
            write_csv(record.findings, tmp / "findings.csv")
            record.findings.write_parquet(tmp / "findings.parquet")
            write_csv(record.rejects, tmp / "rejects.csv")
            (tmp / "summary.json").write_text(json.dumps(record.summary_data, indent=2) + "\n")
            if metrics is not None:
                report.write_metrics(frames, tmp / "metrics.parquet")
            if oig is not None:
                oig.write_parquet(tmp / "oig.parquet")
            (tmp / "inputs.json").write_text(json.dumps(record.inputs, indent=2) + "\n")
            stage("writing findings.xlsx")
            write_xlsx(record, record.rejects, tmp, decisions=sheet)
            stage("drawing the report")
            html = report.render(record, metrics=frames or None, oig=oig, decisions=decisions)
            (tmp / "report.html").write_text(html, encoding="utf-8")
            if key_tmp is not None and key_file is not None:
                key_tmp.replace(key_file)  # the key in place before OUT
                key_tmp = None
    finally:
        if key_tmp is not None:
            key_tmp.unlink(missing_ok=True)
    return record.summary_data
