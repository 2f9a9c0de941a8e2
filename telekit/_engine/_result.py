"""What ``tk.audit`` returns: ``AuditResult`` (findings, rejects, the tables as audited, each
rule's status) and ``FINDINGS_SCHEMA``, the columns of a finding."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit._core._remittances import Remittances
from telekit._core._version import VERSION
from telekit._engine._status import RuleStatus
from telekit._policies._model import Policies

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
        "responsibility": pl.String(),
        "line_status": pl.String(),
        "paid_amount": c.MONEY,
        "exposure": pl.String(),
        "amount_at_risk": c.MONEY,
        "suggested_fix": pl.String(),
    }
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
    # per rule code: its status as a typed value (``rules`` is its rendering)
    statuses: dict[str, RuleStatus] = field(default_factory=dict)
    # the reference sets used (telehealth lists, NCCI editions, ICD-10-CM sets, fee schedules)
    reference: list[dict[str, Any]] = field(default_factory=list)
    catalog_version: str = ""
    # the remittances the line statuses were read from (None: not given)
    remittances: Remittances | None = None

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
                "responsibility",
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
            "catalog_version": self.catalog_version,
            "reference": self.reference,
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
