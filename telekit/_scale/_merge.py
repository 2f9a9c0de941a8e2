"""The audit of one bucket (``telekit.audit`` on the bucket's tables) and the merge of the buckets'
results into the single-process ``AuditResult``. See ``telekit._scale._partitioned``."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import polars as pl

from telekit import codesets
from telekit._audit import audit_tables, run_reference
from telekit._core import _columns as c
from telekit._core._columns import TABLES
from telekit._core._dates import Period
from telekit._core._table import Table
from telekit._engine._pricing import Pricing
from telekit._engine._reference import reference
from telekit._engine._result import (
    ACCOUNTING_SCHEMA,
    FINDINGS_SCHEMA,
    AuditResult,
    money_phrase,
)
from telekit._engine._status import RuleStatus, rules_frame
from telekit._io import _derive
from telekit._policies._model import Policies
from telekit._scale._split import Split
from telekit.rules import CATALOG_VERSION, REGISTRY


@dataclass(frozen=True)
class BucketResult:
    """What one bucket's audit gives the merge."""

    bucket: int
    findings: pl.DataFrame
    statuses: dict[str, RuleStatus]
    unknown_codes: dict[str, int]
    as_of: date | None
    # table -> (rows_in, rows_audited, rejects, rows_skipped)
    tables: dict[str, tuple[int, int, pl.DataFrame, int]]
    dropped_columns: dict[str, list[str]]
    sources: dict[str, str]
    reference: list[dict[str, Any]] = field(default_factory=list)
    catalog_version: str = ""
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)  # per table, per reason
    derived: dict[str, dict[str, str]] = field(default_factory=dict)  # per table, per column
    out_of_period: int = 0  # claim lines outside the run's period (audited as context only)


class BucketMeasures(Protocol):
    """What measures each bucket's audit on the bounded-memory path (``telekit.report``'s
    ``BucketMetrics``: the revenue-cycle metrics and OIG measures, a layer above): given each
    bucket's ``AuditResult`` (its lines, findings and remittances) with the bucket's patient
    payments and a work folder of its own, then asked for the run's frames once."""

    def add(
        self, result: AuditResult, patient_payments: pl.DataFrame | None, work: Path
    ) -> None: ...

    def finish(self) -> tuple[dict[str, pl.DataFrame], pl.DataFrame | None]: ...


#: what OUT's claim_lines.parquet holds of each audited claim line (``telekit compare``)
CLAIM_LINE_COLUMNS: Final = (
    c.CLAIM_ID,
    c.CLAIM_LINE_NUMBER,
    c.CLAIM_LINE_START_DATE,
    c.CLAIM_FREQUENCY_CODE,
    c.ORIGINAL_CLAIM_ID,
    c.PAYER,
    c.RENDERING_NPI,
    c.BILLING_NPI,
)


def audit_bucket(
    split: Split,
    k: int,
    providers: Table | None,
    policies: Policies,
    pricing: Pricing,
    *,
    reference: Mapping[str, Any] | None = None,
    as_of: date | None = None,
    measures: BucketMeasures | None = None,
    period: Period | None = None,
) -> BucketResult:
    """Audit bucket ``k`` of ``split`` as ``telekit.audit`` does (``audit_tables``; also the Dask
    task) with the run's ``pricing`` (built once, ``pricing_of``) and reference sets
    (``reference``: ``run_reference``'s keywords), with the bucket's remittances when the split
    has them (then ``as_of`` is the run's: the latest payment date of every remittance, else the
    latest DOS of every bucket). ``measures`` is given the bucket's result, with the bucket's
    patient payments when the split has them. ``period``: as ``audit_tables``'s (every line of
    the bucket is context; its result keeps the lines in the period)."""
    tables = {name: part.bucket_table(k) for name, part in split.parts.items()}
    remittances = None if split.remittances is None else split.remittances.bucket(k)
    given: dict[str, Table | None] = {
        "claims": tables["claims"],
        "encounters": tables.get("encounters"),
        "coverage": tables.get("coverage"),
        "providers": providers,
    }
    result = audit_tables(
        given,
        policies,
        run_reference(**dict(reference or {})),
        pricing,
        remittances=remittances,
        as_of=as_of,
        run_at=datetime.now(UTC).replace(microsecond=0),
        period=period,
    )
    outside = int(result.accounting.filter(pl.col("table") == "claims")["rows_out_of_period"].sum())
    if measures is not None:
        payments = None if split.patient_payments is None else split.patient_payments.bucket(k)
        folder = split.work / "measures" / f"{k:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        measures.add(result, payments, folder)
        del payments
    if result.claims.height:  # OUT's claim_lines.parquet, gathered from the buckets
        lines_dir = split.work / "claim_lines"
        lines_dir.mkdir(parents=True, exist_ok=True)
        result.claims.select(CLAIM_LINE_COLUMNS).write_parquet(lines_dir / f"{k:05d}.parquet")
    out = BucketResult(
        bucket=k,
        findings=result.findings,
        statuses=result.statuses,
        unknown_codes=result.unknown_codes,
        as_of=result.as_of if tables["claims"].data.height else None,
        tables={
            n: (
                t.rows_in,
                t.data.height - (outside if n == "claims" else 0),
                t.rejects,
                t.rows_skipped,
            )
            for n, t in tables.items()
        },
        dropped_columns={n: list(t.dropped_columns) for n, t in tables.items()},
        sources={n: t.source for n, t in tables.items()},
        reference=result.reference,
        catalog_version=result.catalog_version,
        skipped={n: dict(t.skipped) for n, t in tables.items()},
        derived={n: dict(t.derived) for n, t in tables.items()},
        out_of_period=outside,
    )
    del result, tables, given, remittances
    gc.collect()
    return out


def merge_statuses(buckets: list[dict[str, RuleStatus]]) -> dict[str, RuleStatus]:
    """One status per rule from every bucket's: a rule some bucket could not judge on some lines
    is partial, its unjudged lines summed; otherwise the first bucket's status (every bucket
    was given the same tables)."""
    merged = {}
    for code in sorted(REGISTRY):
        statuses = [b[code] for b in buckets]
        unjudged = sum(s.unjudged for s in statuses)
        judged = next((s for s in statuses if s.unjudged), None)
        merged[code] = (
            RuleStatus("partial", judged.reason, unjudged) if judged is not None else statuses[0]
        )
    return merged


@dataclass(frozen=True)
class PartitionedAuditResult(AuditResult):
    """An ``AuditResult`` whose lines were audited bucket by bucket and are not held in memory:
    ``claims``, ``encounters`` and ``coverage`` are empty frames with the canonical columns (read
    the inputs again to look at them); findings, rejects, accounting, rule statuses and the
    summary are those of the single-process audit. Given ``measures``, ``metric_frames`` and
    ``oig`` are the single-process ``compute_metrics`` and ``oig_measures`` frames."""

    lines_audited: int = 0
    buckets: int = 0
    # the metric frames (report.METRIC_FRAMES) and OIG measures; None: not measured
    metric_frames: dict[str, pl.DataFrame] | None = None
    oig: pl.DataFrame | None = None
    # the audited claim lines' CLAIM_LINE_COLUMNS (OUT's claim_lines.parquet); None: not gathered
    claim_lines: pl.DataFrame | None = None

    def __repr__(self) -> str:
        n = self.counts()
        return (
            f"AuditResult({self.lines_audited} lines audited in {self.buckets} buckets, "
            f"{n['error']} error, {n['warning']} warning, {n['info']} info"
            f"{money_phrase(self.exposure(), ', ')})"
        )

    def _repr_html_(self) -> str:
        html = super()._repr_html_()
        return html.replace(
            f"{self.claims.height:,} lines audited", f"{self.lines_audited:,} lines audited", 1
        )


def merge(
    split: Split,
    results: list[BucketResult],
    *,
    policies: Policies,
    as_of: date | None,
    run_at: datetime,
    findings: pl.DataFrame | None = None,
    period: Period | None = None,
) -> PartitionedAuditResult:
    """The single-process ``AuditResult`` from the buckets' results."""
    results = sorted(results, key=lambda r: r.bucket)
    statuses = merge_statuses([r.statuses for r in results])
    if findings is None:
        findings = pl.concat([r.findings for r in results], how="vertical")
    findings = findings.cast(FINDINGS_SCHEMA).sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code")
    accounting_rows = []
    rejects = []
    skipped_by: dict[str, dict[str, int]] = {}
    derived: dict[str, dict[str, str]] = {}
    for name, part in split.parts.items():
        per_bucket = [r.tables[name] for r in results]
        table_rejects = pl.concat([part.rejects, *(t[2] for t in per_bucket)]).sort(
            "row_number", maintain_order=True
        )
        rows_in = part.rows_in if part.coerced else sum(t[0] for t in per_bucket)
        skipped = part.rows_skipped if part.coerced else sum(t[3] for t in per_bucket)
        audited = sum(t[1] for t in per_bucket)
        outside = sum(r.out_of_period for r in results) if name == "claims" else 0
        accounting_rows.append((name, rows_in, audited, table_rejects.height, skipped, outside))
        rejects.append(table_rejects)
        by_reason = [part.skipped] if part.coerced else [r.skipped.get(name, {}) for r in results]
        notes = [part.derived] if part.coerced else [r.derived.get(name, {}) for r in results]
        skipped_by[name] = _derive.merge_skipped(by_reason)
        derived[name] = _derive.merge_notes(notes)
    sources = dict(results[0].sources)
    dropped = {n: results[0].dropped_columns[n] for n in split.parts}
    if split.providers is not None:
        p = split.providers
        accounting_rows.append(
            ("providers", p.rows_in, p.data.height, p.rejects.height, p.rows_skipped, 0)
        )
        rejects.append(p.rejects)
        sources["providers"] = p.source
        dropped["providers"] = list(p.dropped_columns)
        skipped_by["providers"], derived["providers"] = dict(p.skipped), dict(p.derived)
    accounting = pl.DataFrame(
        accounting_rows,
        schema=ACCOUNTING_SCHEMA,
        orient="row",
    )
    if as_of is None:
        dates = [r.as_of for r in results if r.as_of is not None]
        as_of = max(dates) if dates else None
    unknown: Counter[str] = Counter()
    for r in results:
        unknown.update(r.unknown_codes)

    def empty(table: str) -> pl.DataFrame | None:
        return pl.DataFrame(schema=TABLES[table].schema) if table in split.parts else None

    claims_audited = int(accounting.filter(pl.col("table") == "claims")["rows_audited"].sum())
    return PartitionedAuditResult(
        findings=findings,
        rejects=pl.concat(rejects, how="vertical"),
        claims=pl.DataFrame(schema=TABLES["claims"].schema),
        encounters=empty("encounters"),
        coverage=empty("coverage"),
        providers=None if split.providers is None else split.providers.data,
        policies=policies,
        as_of=as_of,
        run_at=run_at,
        code_set_version=codesets.CODE_SET_VERSION,
        accounting=accounting,
        rules=rules_frame([statuses[c].row(REGISTRY[c]) for c in sorted(REGISTRY)]),
        statuses=statuses,
        unknown_codes=dict(sorted(unknown.items())),
        dropped_columns=dropped,
        sources=sources,
        reference=results[0].reference if results else reference().used(),
        catalog_version=CATALOG_VERSION,
        derived={n: d for n, d in derived.items() if d},
        skipped={n: d for n, d in skipped_by.items() if d},
        lines_audited=claims_audited,
        buckets=split.buckets,
        period=period,
    )
