"""``telekit.audit``: read, annotate once, evaluate every rule over the whole frame, reshape to
one finding per (line, rule)."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from telekit import codesets
from telekit._core import _columns as c
from telekit._core._table import Table
from telekit._core._version import VERSION
from telekit._engine import _vocabulary as v
from telekit._engine._annotate import DOS, ROW, annotate
from telekit._engine._inputs import Inputs, prepare
from telekit._policies import Policies, load_policies
from telekit._readers import read_table
from telekit.rules import REGISTRY, Rule

TableInput = Table | pl.DataFrame | pl.LazyFrame | str | Path

FINDINGS_SCHEMA = pl.Schema(
    {
        "finding_id": pl.String(),
        "rule_code": pl.String(),
        "rule_name": pl.String(),
        "severity": pl.String(),
        c.CLAIM_ID: pl.String(),
        c.CLAIM_LINE_NUMBER: pl.Int32(),
        c.ENCOUNTER_ID: pl.String(),
        c.PERSON_ID: pl.String(),
        c.PAYER: pl.String(),
        c.PAYER_TYPE: pl.String(),
        c.RENDERING_NPI: pl.String(),
        c.CLAIM_LINE_START_DATE: pl.Date(),
        c.HCPCS_CODE: pl.String(),
        "message": pl.String(),
        "amount_at_risk": c.MONEY,
        "suggested_fix": pl.String(),
    }
)


def _as_table(name: str, source: TableInput | None) -> Table | None:
    if source is None:
        return None
    if isinstance(source, Table):
        return source
    return read_table(name, source)


def _rule_status(rule: Rule, inputs: Inputs) -> tuple[str, str | None]:
    missing_cols = [col for col in rule.claim_columns if col not in inputs.claim_columns]
    if missing_cols:
        return "skipped", f"claims have no column {', '.join(missing_cols)}"
    missing_tables = [t for t in rule.tables if not inputs.given(t)]
    if missing_tables:
        return "skipped", f"no {', '.join(missing_tables)} given"
    partial = [t for t in rule.partial_tables if not inputs.given(t)]
    if partial:
        return "partial", f"clauses needing {', '.join(partial)} not run (not given)"
    return "evaluated", None


def _finding_id(s: pl.Series) -> pl.Series:
    return pl.Series(
        [hashlib.sha256(v.encode()).hexdigest()[:16] for v in s.to_list()], dtype=pl.String
    )


@dataclass(frozen=True)
class AuditResult:
    """What ``tk.audit`` returns. ``findings`` is one row per (claim line, rule)."""

    findings: pl.DataFrame
    rejects: pl.DataFrame
    claims: pl.DataFrame
    encounters: pl.DataFrame | None
    coverage: pl.DataFrame | None
    providers: pl.DataFrame | None
    policies: Policies
    as_of: date | None
    run_at: datetime
    code_set_version: str
    accounting: pl.DataFrame
    rules: pl.DataFrame
    unknown_codes: dict[str, int] = field(default_factory=dict)
    dropped_columns: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def summary(self) -> pl.DataFrame:
        """One row per rule: rule_code, rule_name, severity, findings, lines, dollars_at_risk,
        status, reason."""
        per_rule = self.findings.group_by("rule_code").agg(
            pl.len().cast(pl.Int64).alias("findings"),
            pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).n_unique().cast(pl.Int64).alias("lines"),
            pl.col("amount_at_risk").sum().cast(c.MONEY).alias("dollars_at_risk"),
        )
        return (
            self.rules.join(per_rule, on="rule_code", how="left")
            .with_columns(
                pl.col("findings", "lines").fill_null(0),
                pl.col("dollars_at_risk").fill_null(Decimal("0")),
            )
            .select(
                "rule_code",
                "rule_name",
                "severity",
                "findings",
                "lines",
                "dollars_at_risk",
                "status",
                "reason",
            )
            .sort("rule_code")
        )

    @property
    def dollars_at_risk(self) -> Decimal:
        """Each line's charge once, for lines with at least one error finding."""
        lines = (
            self.findings.filter(pl.col("severity") == "error")
            .unique(subset=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER])
            .get_column("amount_at_risk")
        )
        total = lines.sum()
        return Decimal(str(total)) if total is not None else Decimal("0.00")

    def counts(self) -> dict[str, int]:
        by = dict(self.findings.group_by("severity").len().iter_rows())
        return {s: int(by.get(s, 0)) for s in ("error", "warning", "info")}

    @property
    def exit_code(self) -> int:
        return 1 if self.counts()["error"] else 0

    def to_summary_dict(self) -> dict[str, Any]:
        """What summary.json holds (money as strings)."""

        counts = self.counts()
        lines_with_errors = (
            self.findings.filter(pl.col("severity") == "error")
            .select(pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).n_unique())
            .item()
        )
        tables = {}
        for row in self.accounting.iter_rows(named=True):
            tables[row["table"]] = {
                "source": self.sources.get(row["table"]),
                "rows_in": row["rows_in"],
                "rows_audited": row["rows_audited"],
                "rows_rejected": row["rows_rejected"],
                "rows_skipped": row.get("rows_skipped") or 0,
                "dropped_columns": self.dropped_columns.get(row["table"], []),
            }
        rules = [
            {**r, "dollars_at_risk": f"{r['dollars_at_risk']:.2f}"}
            for r in self.summary().iter_rows(named=True)
        ]
        return {
            "telekit_version": VERSION,
            "run_at": self.run_at.isoformat(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "code_set_version": self.code_set_version,
            "policies_source": self.policies.source,
            "tables": tables,
            "findings": {
                "total": self.findings.height,
                "by_severity": counts,
                "lines_with_errors": int(lines_with_errors or 0),
                "dollars_at_risk": f"{self.dollars_at_risk:.2f}",
            },
            "rules": rules,
            "unknown_codes": dict(sorted(self.unknown_codes.items())),
            "exit_code": self.exit_code,
        }

    def stdout_line(self, out: str) -> str:
        claims = self.accounting.filter(pl.col("table") == "claims").row(0, named=True)
        n = self.counts()
        skipped = claims.get("rows_skipped") or 0
        return (
            f"claims {claims['rows_in']} in, {claims['rows_audited']} audited, "
            f"{claims['rows_rejected']} rejected{f', {skipped} skipped' if skipped else ''} | "
            f"{n['error']} error, {n['warning']} warning, "
            f"{n['info']} info | ${self.dollars_at_risk:,.2f} at risk | {out}"
        )

    def __repr__(self) -> str:
        n = self.counts()
        return (
            f"AuditResult({self.claims.height} lines audited, {n['error']} error, "
            f"{n['warning']} warning, {n['info']} info, ${self.dollars_at_risk:,.2f} at risk)"
        )

    def _repr_html_(self) -> str:
        n = self.counts()
        top = (
            self.summary().filter(pl.col("findings") > 0).sort("findings", descending=True).head(10)
        )
        rows = "".join(
            f"<tr><td>{html.escape(r['rule_code'])}</td><td>{html.escape(r['rule_name'])}</td>"
            f"<td>{html.escape(r['severity'])}</td>"
            f"<td style='text-align:right'>{r['findings']}</td>"
            f"<td style='text-align:right'>${r['dollars_at_risk']:,.2f}</td></tr>"
            for r in top.iter_rows(named=True)
        )
        skipped = self.rules.filter(pl.col("status") != "evaluated").height
        return (
            "<div class='telekit-audit-result'>"
            f"<b>telekit audit</b> — {self.claims.height:,} lines audited, "
            f"{self.rejects.height:,} rejected; {n['error']:,} error, {n['warning']:,} warning, "
            f"{n['info']:,} info; <b>${self.dollars_at_risk:,.2f}</b> at risk"
            f" ({skipped} rules partial or skipped; code sets {html.escape(self.code_set_version)})"
            "<table><thead><tr><th>rule</th><th>name</th><th>severity</th><th>findings</th>"
            f"<th>$ at risk</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )


def _flags(df: pl.DataFrame, inputs: Inputs) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    statuses: list[dict[str, Any]] = []
    active: list[Rule] = []
    for code in sorted(REGISTRY):
        rule = REGISTRY[code]
        status, reason = _rule_status(rule, inputs)
        if status == "evaluated" and rule.partial_when is not None:
            n = df.select(rule.partial_when().fill_null(False).sum()).item()
            if n:
                status, reason = "partial", f"{n} lines not judged: {rule.partial_reason}"
        statuses.append(
            {
                "rule_code": code,
                "rule_name": rule.name,
                "severity": rule.severity,
                "status": status,
                "reason": reason,
            }
        )
        if status != "skipped":
            active.append(rule)
    needed = sorted({p for r in active for p in r.prepare}, key=lambda p: p.__name__)
    # Each preparation is collected on its own (one giant lazy plan costs more to optimise than to
    # run on small inputs). Only its new columns are materialised (projection pushdown keeps the
    # join back on `_row` from copying every annotated column), then they are stacked beside the
    # lines, which are in `_row` order.
    df = df.sort(ROW)
    for preparation in needed:
        prepared = preparation(df.lazy(), inputs)
        new_cols = [col for col in prepared.collect_schema().names() if col not in df.columns]
        added = prepared.select(ROW, *new_cols).collect().sort(ROW)
        if added.height != df.height or not added.get_column(ROW).equals(df.get_column(ROW)):
            msg = f"window preparation {preparation.__name__} changed the lines it was given"
            raise RuntimeError(msg)
        df = df.hstack(added.drop(ROW))
    flag_exprs = []
    for rule in active:
        expr = rule.expr().fill_null(False)
        if not rule.judges_superseded:
            expr = expr & ~v.superseded
        if rule.skip_self_pay:
            expr = expr & ~v.is_self_pay
        flag_exprs.append(expr.alias(f"flag_{rule.code}"))
    flag_exprs.extend(
        pl.lit(False).alias(f"flag_{rule.code}") for rule in REGISTRY.values() if rule not in active
    )
    out = df.with_columns(flag_exprs)
    # precedence: every suppression reads the flags before any is suppressed
    suppress = []
    for code in sorted(REGISTRY):
        conditions = []
        for by in sorted(REGISTRY):
            condition = REGISTRY[code].suppressed_by(REGISTRY[by])
            if condition is False:
                continue
            flag = pl.col(f"flag_{by}")
            conditions.append(flag if condition is None else flag & condition())
        if conditions:
            suppress.append(
                (pl.col(f"flag_{code}") & ~pl.any_horizontal(conditions)).alias(f"flag_{code}")
            )
    if suppress:
        out = out.with_columns(suppress)
    return out, statuses


def _findings(df: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for code in sorted(REGISTRY):
        rule = REGISTRY[code]
        flagged = df.filter(pl.col(f"flag_{code}"))
        if flagged.height == 0:
            continue
        amount = (
            pl.col(c.CHARGE_AMOUNT).cast(c.MONEY)
            if rule.severity == "error"
            else pl.lit(Decimal("0.00")).cast(c.MONEY)
        )
        parts.append(
            flagged.select(
                pl.lit(code).alias("rule_code"),
                pl.lit(rule.name).alias("rule_name"),
                pl.lit(rule.severity).alias("severity"),
                c.CLAIM_ID,
                c.CLAIM_LINE_NUMBER,
                c.ENCOUNTER_ID,
                c.PERSON_ID,
                c.PAYER,
                c.PAYER_TYPE,
                c.RENDERING_NPI,
                c.CLAIM_LINE_START_DATE,
                c.HCPCS_CODE,
                rule.message_expr().alias("message"),
                amount.alias("amount_at_risk"),
                rule.fix_expr().alias("suggested_fix"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=FINDINGS_SCHEMA)
    findings = pl.concat(parts, how="vertical")
    findings = findings.with_columns(
        pl.concat_str(
            ["rule_code", c.CLAIM_ID, pl.col(c.CLAIM_LINE_NUMBER).cast(pl.String)], separator="|"
        )
        .map_batches(_finding_id, return_dtype=pl.String)
        .alias("finding_id")
    )
    return (
        findings.select(FINDINGS_SCHEMA.names())
        .cast(FINDINGS_SCHEMA)
        .sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code")
    )


def audit(
    claims: TableInput,
    *,
    encounters: TableInput | None = None,
    coverage: TableInput | None = None,
    providers: TableInput | None = None,
    policies: Policies | str | Path | Mapping[str, Any] | None = None,
    as_of: date | None = None,
    telehealth_list: pl.DataFrame | None = None,
) -> AuditResult:
    """Audit claim lines against every rule of the catalog.

    Each table may be a ``Table``, a ``pl.DataFrame``/``pl.LazyFrame`` (validated and coerced
    exactly like a file) or a path. A table not given is ``None``, which differs from an empty
    table: rules that need it are ``skipped`` (or ``partial``) with the reason in ``.rules``.
    ``telehealth_list`` replaces the shipped Medicare Telehealth Services List for the years it
    holds (see ``telekit.codesets.read_cms_telehealth_list``).
    """
    run_at = datetime.now(UTC).replace(microsecond=0)
    tables = {
        "claims": _as_table("claims", claims),
        "encounters": _as_table("encounters", encounters),
        "coverage": _as_table("coverage", coverage),
        "providers": _as_table("providers", providers),
    }
    claim_table = tables["claims"]
    assert claim_table is not None
    pol = policies if isinstance(policies, Policies) else load_policies(policies)

    def data(name: str) -> pl.DataFrame | None:
        t = tables[name]
        return None if t is None else t.data

    inputs = prepare(
        claim_table.data,
        encounters=data("encounters"),
        coverage=data("coverage"),
        providers=data("providers"),
        policies=pol,
        claim_columns=frozenset(claim_table.columns_given),
    )
    annotated = annotate(inputs, extra_list=telehealth_list).collect()
    flagged, statuses = _flags(annotated, inputs)
    findings = _findings(flagged)
    unknown = (
        annotated.filter(~pl.col("code_known")).group_by(c.HCPCS_CODE).len().sort(c.HCPCS_CODE)
    )
    rejects = pl.concat([t.rejects for t in tables.values() if t is not None], how="vertical")
    accounting = pl.DataFrame(
        [
            {
                "table": name,
                "rows_in": t.rows_in,
                "rows_audited": t.data.height,
                "rows_rejected": t.rejects.height,
                "rows_skipped": t.rows_skipped,
            }
            for name, t in tables.items()
            if t is not None
        ],
        schema={
            "table": pl.String,
            "rows_in": pl.Int64,
            "rows_audited": pl.Int64,
            "rows_rejected": pl.Int64,
            "rows_skipped": pl.Int64,
        },
    )
    if as_of is None and claim_table.data.height:
        as_of = claim_table.data.get_column(DOS).max()  # type: ignore[assignment]
    rules = pl.DataFrame(
        statuses,
        schema={
            "rule_code": pl.String,
            "rule_name": pl.String,
            "severity": pl.String,
            "status": pl.String,
            "reason": pl.String,
        },
    )
    return AuditResult(
        findings=findings,
        rejects=rejects,
        claims=claim_table.data,
        encounters=data("encounters"),
        coverage=data("coverage"),
        providers=data("providers"),
        policies=pol,
        as_of=as_of,
        run_at=run_at,
        code_set_version=codesets.CODE_SET_VERSION,
        accounting=accounting,
        rules=rules,
        unknown_codes={str(k): int(v) for k, v in unknown.iter_rows()},
        dropped_columns={n: list(t.dropped_columns) for n, t in tables.items() if t is not None},
        sources={n: t.source for n, t in tables.items() if t is not None},
    )
