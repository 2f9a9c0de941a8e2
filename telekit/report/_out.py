"""The OUT folder both ways. What ``telekit audit`` writes to OUT: findings (CSV, Parquet,
XLSX), rejects, summary.json, report.html, and what ``telekit report`` needs to re-render:
inputs.json (paths and SHA-256 of what was read), metrics.parquet and oig.parquet. ``write_audit``
writes them all, de-identified when given a ``Deidentifier``.

OUT is replaced as a whole (``staged_folder``): every file is written into a temporary folder
beside it (``.OUT.tmp-<random>``), which is renamed into place once complete; a failure leaves
the previous OUT as it was. With ``--deidentify`` the key is written before any output and
renamed into place before OUT, so a de-identified OUT never exists without its key.
``check_out`` refuses an OUT that would destroy an input or a folder telekit did not write.

claim_lines.parquet holds the audited claim lines' keys (``claim_lines``; ``telekit compare``).

Read back: ``load_audit`` (what ``telekit report --audit OUT`` re-renders), ``read_metrics``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError, TelekitError
from telekit._engine._result import AuditResult
from telekit._io._maps import MapSpec, load_map
from telekit._policies._toml import load_policies
from telekit._read._tables import read_table
from telekit._scale._merge import CLAIM_LINE_COLUMNS, PartitionedAuditResult
from telekit.report._cells import write_csv
from telekit.report._deidentify import Deidentifier, file_names, is_inside
from telekit.report._executive import render_executive
from telekit.report._metrics import deidentified_metrics
from telekit.report._provenance import provenance_of
from telekit.report._record import AuditRecord
from telekit.report._render import render
from telekit.report._workbook import decisions_sheet, write_xlsx

# --- reading OUT back -----------------------------------------------------------------------------


def write_metrics(frames: Mapping[str, pl.DataFrame], path: Path) -> None:
    """Several frames in one Parquet file: a ``frame`` column naming each row's frame and one
    struct column per frame (its schema kept exactly, empty frames included)."""
    parts = [
        df.select(pl.lit(name, dtype=pl.String).alias("frame"), pl.struct(df.columns).alias(name))
        for name, df in frames.items()
        if df.width
    ]
    table = pl.concat(parts, how="diagonal") if parts else pl.DataFrame(schema={"frame": pl.String})
    table.write_parquet(path)


def read_metrics(path: Path) -> dict[str, pl.DataFrame]:
    """The frames ``write_metrics`` wrote."""
    table = pl.read_parquet(path)
    return {
        name: table.filter(pl.col("frame") == name).select(pl.col(name).struct.unnest())
        for name in table.columns
        if name != "frame"
    }


def load_audit(
    out: str | Path,
) -> tuple[AuditRecord, dict[str, pl.DataFrame] | None, pl.DataFrame | None]:
    """What ``telekit audit`` wrote to ``out``: the record, the metric frames (None without
    metrics.parquet) and the OIG measures (None without oig.parquet)."""
    folder = Path(out)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        msg = f"{folder}: no summary.json (run `telekit audit ... --out {folder}` first)"
        raise InputError(msg)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    findings_path = folder / "findings.parquet"
    if not findings_path.is_file():
        msg = f"{folder}: no findings.parquet (run `telekit audit ... --out {folder}` again)"
        raise InputError(msg)
    findings = pl.read_parquet(findings_path)
    rejects_path = folder / "rejects.csv"
    rejects = (
        pl.read_csv(rejects_path, infer_schema=False).with_columns(
            pl.col("row_number").cast(pl.Int64)
        )
        if rejects_path.is_file()
        else pl.DataFrame(schema=c.REJECTS_SCHEMA)
    )
    if c.RECORD_KEY not in rejects.columns:  # an OUT written before rejects named the record
        rejects = rejects.with_columns(pl.lit(None, pl.String).alias(c.RECORD_KEY))
    inputs_path = folder / "inputs.json"
    inputs = json.loads(inputs_path.read_text(encoding="utf-8")) if inputs_path.is_file() else None
    metrics_path, oig_path = folder / "metrics.parquet", folder / "oig.parquet"
    record = AuditRecord(
        summary_data=summary,
        findings=findings,
        rejects=rejects,
        providers=_roster_from_inputs(inputs),
        inputs=inputs,
    )
    return (
        record,
        read_metrics(metrics_path) if metrics_path.is_file() else None,
        pl.read_parquet(oig_path) if oig_path.is_file() else None,
    )


def _roster_from_inputs(inputs: Mapping[str, Any] | None) -> pl.DataFrame | None:
    """The provider roster for names, read again as the audit read it when its file is
    unchanged (``reread_table``); otherwise the report shows NPIs only."""
    recorded: Mapping[str, Any] = (inputs or {}).get("inputs") or {}
    mapping, payer_types, why = reread_settings(recorded)
    if why:
        return None
    roster, _ = reread_table("providers", recorded, mapping, payer_types)
    return roster


# --- an audit's inputs, read again from what inputs.json records ---------------------------------

#: the tables whose payer_type may be derived from the policies' payer names (read_table)
_PAYER_TYPED = ("claims", "coverage")


def unchanged_input(entry: Mapping[str, Any]) -> Path | None:
    """An inputs.json entry's path when it still exists with the SHA-256 the audit recorded
    (a de-identified OUT records file names only: None)."""
    path = Path(str(entry.get("path", "")))
    if not path.is_absolute() or not path.exists():
        return None
    return path if sha256_of(path) == entry.get("sha256") else None


def _side_file(inputs: Mapping[str, Any], name: str) -> tuple[Path | None, str]:
    """(path, "") for an unchanged side file (map, policies) the audit read, (None, "") when it
    read none, (None, why) when it changed since."""
    entries = inputs.get(name) or []
    if not entries:
        return None, ""
    path = unchanged_input(entries[0])
    if path is None:
        return None, f"the {name} file the audit read is missing or changed since"
    return path, ""


def reread_settings(inputs: Mapping[str, Any]) -> tuple[MapSpec | None, dict[str, str], str]:
    """The column map and payer types the audit read its tables with (inputs.json's
    ``inputs``), or a reason why they cannot be had again."""
    map_path, map_why = _side_file(inputs, "map")
    if map_why:
        return None, {}, map_why
    policies_path, policies_why = _side_file(inputs, "policies")
    if policies_why:
        return None, {}, policies_why
    mapping = load_map(map_path) if map_path is not None else None
    return mapping, load_policies(policies_path).payer_types_by_name(), ""


def reread_table(
    table: str, inputs: Mapping[str, Any], mapping: MapSpec | None, payer_types: dict[str, str]
) -> tuple[pl.DataFrame | None, str]:
    """(the table, "") read again from its recorded path as the audit read it, or (None, why);
    (None, "") when the audit was not given it."""
    entries = inputs.get(table) or []
    if not entries:
        return None, ""
    if len(entries) != 1:
        return None, "read from several files by the audit; not read again"
    path = unchanged_input(entries[0])
    if path is None:
        return None, "its file is missing or changed since the audit"
    types = payer_types if table in _PAYER_TYPED else None
    return read_table(table, path, map=mapping, payer_types=types).data, ""


def render_audit_dir(
    out: str | Path,
    *,
    decisions: pl.DataFrame | str | Path | None = None,
    deidentify: bool | Deidentifier = False,
) -> str:
    """``render`` from what ``telekit audit`` wrote to ``out`` (no re-audit)."""
    record, metric_frames, oig = load_audit(out)
    return render(
        record, metrics=metric_frames, oig=oig, decisions=decisions, deidentify=deidentify
    )


def write_executive(record: AuditRecord, folder: Path, *, pdf: bool = False) -> None:
    """executive.html in ``folder`` (each file replaced atomically), and executive.pdf from it
    with ``pdf``."""
    from telekit.report import _pdf  # noqa: PLC0415 - WeasyPrint loads only with --pdf

    page = render_executive(record)
    with replaced_file(folder / "executive.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    if pdf:
        with replaced_file(folder / "executive.pdf") as tmp:
            _pdf.write_pdf(page, tmp)


# --- writing OUT ----------------------------------------------------------------------------------


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


def inputs_record(
    paths: Mapping[str, list[Path]],
    options: Mapping[str, Any],
    *,
    deidentified: bool = False,
    summary: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What inputs.json holds (``report._provenance``): each input's files (resolved path and
    SHA-256), the options, and with ``summary`` the provenance (versions, reference releases).
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
    record: dict[str, Any] = {"inputs": inputs, "options": dict(options)}
    if summary is not None:
        record["provenance"] = provenance_of(summary)
    return record


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


def _summary(
    result: AuditResult,
    extra_tables: Mapping[str, Any],
    x12_issues: Mapping[str, pl.DataFrame] | None,
) -> dict[str, Any]:
    """What summary.json holds: the result's summary, the extra tables' entries, and each
    table's ``x12_issues``."""
    summary = result.to_summary_dict()
    for table, info in extra_tables.items():
        summary["tables"][table] = info
    if x12_issues:
        from telekit.x12 import _problems  # noqa: PLC0415 - telekit.x12 imports the readers

        for table, issues in x12_issues.items():
            entry = summary["tables"].setdefault(table, {})
            entry["x12_issues"] = _problems.summary_entry(issues)
    return summary


def claim_lines(result: AuditResult, deid: Deidentifier | None = None) -> pl.DataFrame | None:
    """OUT's claim_lines.parquet: ``CLAIM_LINE_COLUMNS`` of every audited claim line (what
    ``telekit compare`` needs to tell a resolved finding from a line the other audit lacks),
    de-identified with ``deid`` like the findings. The bounded path gathers them from its
    buckets; None when a result has not (the Dask path)."""
    if isinstance(result, PartitionedAuditResult):
        lines = result.claim_lines
    else:
        lines = result.claims.select(CLAIM_LINE_COLUMNS)
    return deid.frame(lines) if deid is not None and lines is not None else lines


def deidentified_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """inputs.json's ``options`` of a de-identified run: an as_of taken from the data (a
    payment date) reduced to its year; one given with --as-of is the audit's date, kept in
    full like --period, so that ``telekit verify`` re-runs the audit with it."""
    opts = dict(options)
    as_of = opts.get("as_of")
    if not opts.get("as_of_given"):
        opts["as_of"] = as_of[:4] if isinstance(as_of, str) else as_of
    opts["deidentified"] = True
    return opts


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
    practice: str | None = None,
    prepared_by: str | None = None,
    pdf: bool = False,
) -> dict[str, Any]:
    """Every file of OUT, written into a temporary folder that then replaces OUT
    (``staged_folder``). With ``deid`` each one is de-identified, and with ``key_file`` the key
    is written before any output and put in place before OUT (without ``key_file`` the caller
    writes the key). ``step(label)`` is told each stage (the progress bar); ``x12_issues`` (per
    table, the X12 problems of its files) go to each table's ``x12_issues`` in summary.json;
    ``practice`` and ``prepared_by`` to its labels (the period is the result's); ``pdf`` adds
    executive.pdf (``write_executive``). Returns what summary.json holds."""

    def stage(label: str) -> None:
        if step is not None:
            step(label)

    check_out(out, [p for ps in inputs.values() for p in ps])
    stage("writing findings")
    summary = _summary(result, extra_tables, x12_issues)
    summary |= {"practice": practice or None, "prepared_by": prepared_by or None}
    record = AuditRecord.from_result(result, summary=summary, rejects=rejects)
    sheet = decisions_sheet(decisions, result.findings) if decisions is not None else None
    frames = dict(metrics or {})
    opts = dict(options)
    if deid is not None:
        for frame in (result.claims, result.encounters, result.coverage):
            deid.register_frame(frame)
        record = record.deidentify(deid)
        sheet = deid.frame(sheet) if sheet is not None else None
        decisions = deid.frame(decisions) if decisions is not None else None
        frames = deidentified_metrics(frames)
        opts = deidentified_options(opts)
    lines = claim_lines(result, deid)  # under deid, before the key is written
    record = dataclasses.replace(
        record,
        inputs=inputs_record(
            inputs, opts, deidentified=deid is not None, summary=record.summary_data
        ),
    )
    # every identifier now has its pseudonym: the key is complete, and written first
    key_tmp = deid.stage_key(key_file) if deid is not None and key_file is not None else None
    try:
        with staged_folder(out) as tmp:
            write_csv(record.findings, tmp / "findings.csv")
            record.findings.write_parquet(tmp / "findings.parquet")
            if lines is not None:
                lines.write_parquet(tmp / "claim_lines.parquet")
            write_csv(record.rejects, tmp / "rejects.csv")
            (tmp / "summary.json").write_text(json.dumps(record.summary_data, indent=2) + "\n")
            if metrics is not None:
                write_metrics(frames, tmp / "metrics.parquet")
            if oig is not None:
                oig.write_parquet(tmp / "oig.parquet")
            (tmp / "inputs.json").write_text(json.dumps(record.inputs, indent=2) + "\n")
            stage("writing findings.xlsx")
            write_xlsx(record, record.rejects, tmp, decisions=sheet)
            stage("drawing the report")
            html = render(record, metrics=frames or None, oig=oig, decisions=decisions)
            (tmp / "report.html").write_text(html, encoding="utf-8")
            write_executive(record, tmp, pdf=pdf)
            if key_tmp is not None and key_file is not None:
                key_tmp.replace(key_file)  # the key in place before OUT
                key_tmp = None
    finally:
        if key_tmp is not None:
            key_tmp.unlink(missing_ok=True)
    return record.summary_data
