"""The audit's OUT folder read back: ``load_audit``, ``render_audit_dir``, the metrics Parquet."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit._deidentify import Deidentifier
from telekit.report._record import AuditRecord
from telekit.report._render import render


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
    """The provider roster for names, read again from its path when its SHA-256 is unchanged
    (inputs.json); otherwise the report shows NPIs only."""
    if not inputs:
        return None
    from telekit._outputs import sha256_of  # noqa: PLC0415 - _outputs imports this module
    from telekit._readers import read_providers  # noqa: PLC0415

    entries = inputs.get("inputs", {}).get("providers") or []
    if len(entries) != 1:
        return None
    path = Path(entries[0]["path"])
    if not path.exists() or sha256_of(path) != entries[0].get("sha256"):
        return None
    return read_providers(path).data


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
