"""What ``tk.audit`` returns: ``AuditResult`` (findings, rejects, the tables as audited, each
rule's status) and ``FINDINGS_SCHEMA``, the columns of a finding."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit._core._dates import Period
from telekit._core._remittances import Remittances
from telekit._core._version import VERSION
from telekit._engine._status import RuleStatus
from telekit._policies._model import Policies

#: ``AuditResult.accounting``: per table, rows_in = rows_audited + rows_rejected + rows_skipped
#: + rows_out_of_period (claim lines outside ``--period``; 0 for the other tables)
ACCOUNTING_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "rows_in": pl.Int64(),
        "rows_audited": pl.Int64(),
        "rows_rejected": pl.Int64(),
        "rows_skipped": pl.Int64(),
        "rows_out_of_period": pl.Int64(),
    }
)

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
        c.BILLING_NPI: pl.String(),
        c.CLAIM_LINE_START_DATE: pl.Date(),
        c.HCPCS_CODE: pl.String(),
        "message": pl.String(),
        "responsibility": pl.String(),
        "line_status": pl.String(),
        c.CHARGE_AMOUNT: c.MONEY,
        "paid_amount": c.MONEY,
        "expected_allowed": c.MONEY,
        "exposure": pl.String(),
        "exposure_amount": c.MONEY,
        "amount_basis": pl.String(),
        "suggested_fix": pl.String(),
    }
)


EXPOSURE_KINDS = ("overpayment", "denied", "at_risk", "underpayment")
#: how each kind reads in a sentence ("$8,120.00 overpaid")
EXPOSURE_WORDS = {
    "overpayment": "overpaid",
    "denied": "denied",
    "at_risk": "at risk",
    "underpayment": "underpaid",
}
#: what each total means and what to do about it (summary.json, the report, the workbook)
EXPOSURE_MEANING = {
    "overpayment": (
        "Error findings on lines the payer paid: the payer and the patient may be owed a "
        "refund (the paid amount plus the patient's share). Report and return within 60 days "
        "of identifying it."
    ),
    "denied": (
        "Error findings on lines the payer denied: revenue lost unless the line is corrected "
        "and resubmitted, reopened or appealed (priced at the expected fee, else the Medicare "
        "fee schedule, else the charge)."
    ),
    "at_risk": (
        "Error findings on lines not yet adjudicated (not submitted, pending, or no remittances "
        "given): correct them before (re)submission (priced as denied lines)."
    ),
    "underpayment": (
        "Findings whose correction would pay the practice more (Medicare POS 02 for a patient "
        "at home; POS 02/10 in 2020-2023): the non-facility minus the facility amount; request "
        "a reopening where still possible."
    ),
}


def exposure_by(findings: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """The four kinds of money (DESIGN §4) per group of ``keys``, long: keys, exposure, lines,
    amount — as ``AuditResult.exposure()`` counts them (each claim line once per kind, at its
    largest amount in the kind), within each group. Kinds with no line are left out."""
    return (
        findings.filter(pl.col("exposure").is_in(EXPOSURE_KINDS))
        .group_by(*keys, "exposure", c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
        .agg(pl.col("exposure_amount").max())
        .group_by(*keys, "exposure")
        .agg(
            pl.len().cast(pl.Int64).alias("lines"),
            pl.col("exposure_amount").sum().cast(c.MONEY).alias("amount"),
        )
    )


def exposure_columns(findings: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """``exposure_by`` wide: keys and one amount column per kind (``overpayment``, ``denied``,
    ``at_risk``, ``underpayment``; 0 where the group has none), one row per group with at least
    one finding."""
    groups = findings.select(keys).unique()
    long = exposure_by(findings, keys)
    return groups.join(
        long.group_by(keys).agg(
            *(
                pl.col("amount").filter(pl.col("exposure") == kind).sum().cast(c.MONEY).alias(kind)
                for kind in EXPOSURE_KINDS
            )
        ),
        on=list(keys),
        how="left",
        nulls_equal=True,
    ).with_columns(pl.col(k).fill_null(Decimal("0")).cast(c.MONEY) for k in EXPOSURE_KINDS)


def exposure_totals(findings: pl.DataFrame) -> pl.DataFrame:
    """exposure, lines, amount for each kind of ``EXPOSURE_KINDS`` (zero rows included): each
    claim line once per kind, at its largest exposure_amount in the kind."""
    kinds = pl.DataFrame({"exposure": list(EXPOSURE_KINDS)})
    totals = exposure_by(findings, ())
    return kinds.join(totals, on="exposure", how="left", maintain_order="left").select(
        "exposure",
        pl.col("lines").fill_null(0),
        pl.col("amount").fill_null(Decimal("0")).cast(c.MONEY),
    )


def exposure_dict(totals: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """summary.json's ``findings.exposure``: per kind, lines, amount (a string) and meaning."""
    return {
        row["exposure"]: {
            "lines": row["lines"],
            "amount": f"{row['amount']:.2f}",
            "meaning": EXPOSURE_MEANING[row["exposure"]],
        }
        for row in totals.iter_rows(named=True)
    }


def money_phrase(totals: pl.DataFrame, prefix: str) -> str:
    """``$8,120.00 overpaid, $12,400.00 denied, …`` (kinds with no amount left out), after
    ``prefix``; empty when every kind is zero."""
    parts = [
        f"${row['amount']:,.2f} {EXPOSURE_WORDS[row['exposure']]}"
        for row in totals.iter_rows(named=True)
        if row["amount"]
    ]
    return prefix + ", ".join(parts) if parts else ""


def rules_run(rules: pl.DataFrame) -> int:
    """How many rules were evaluated or partial."""
    return rules.filter(pl.col("status").is_in(["evaluated", "partial"])).height


def rule_summary(findings: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """``AuditResult.summary()`` from findings and the rules frame."""
    per_rule = findings.group_by("rule_code").agg(
        pl.len().cast(pl.Int64).alias("findings"),
        pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).n_unique().cast(pl.Int64).alias("lines"),
        *(
            pl.col("exposure_amount")
            .filter(pl.col("exposure") == kind)
            .sum()
            .cast(c.MONEY)
            .alias(kind)
            for kind in EXPOSURE_KINDS
        ),
    )
    return (
        rules.join(per_rule, on="rule_code", how="left")
        .with_columns(
            pl.col("findings", "lines").fill_null(0),
            *(pl.col(k).fill_null(Decimal("0")).cast(c.MONEY) for k in EXPOSURE_KINDS),
        )
        .select(
            "rule_code",
            "rule_name",
            "severity",
            "responsibility",
            "findings",
            "lines",
            *EXPOSURE_KINDS,
            "status",
            "reason",
        )
        .sort("rule_code")
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
    # DESIGN §5 "Sampled encounters": the documentation sample and the lines in and not in it
    # (``telekit._engine._sample.sample_record``); None when the encounters are not a sample
    encounters_sample: dict[str, Any] | None = None
    # the patient payments given to ``tk.audit`` (for ``report.compute_metrics``; None: not given)
    patient_payments: pl.DataFrame | None = None
    # per table: each derived or filled column and how (DESIGN §3 "Derived when absent")
    derived: dict[str, dict[str, str]] = field(default_factory=dict)
    # per table: rows skipped per reason (blank, totals, footer)
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    # the service period audited (``audit(period=...)``); None: every date of service
    period: Period | None = None

    def summary(self) -> pl.DataFrame:
        """One row per rule: rule_code, rule_name, severity, responsibility, findings, lines,
        overpayment, denied, at_risk, underpayment (the sums of its findings' exposure amounts
        by kind), status, reason."""
        return rule_summary(self.findings, self.rules)

    def exposure(self) -> pl.DataFrame:
        """The four totals (DESIGN §4), one row per kind in ``EXPOSURE_KINDS`` order: exposure,
        lines, amount — each line counted once per kind, at its largest amount in the kind."""
        return exposure_totals(self.findings)

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
                "rows_out_of_period": row.get("rows_out_of_period") or 0,
                "skipped": self.skipped.get(row["table"], {}),
                "dropped_columns": self.dropped_columns.get(row["table"], []),
                "derived": self.derived.get(row["table"], {}),
            }
        rules = [
            {**r, **{k: f"{r[k]:.2f}" for k in EXPOSURE_KINDS}}
            for r in self.summary().iter_rows(named=True)
        ]
        return {
            "telekit_version": VERSION,
            # the engagement's labels (DESIGN §4): ``telekit audit --practice/--prepared-by``
            # fill the first two in summary.json
            "practice": None,
            "prepared_by": None,
            "period": self.period.as_dict() if self.period is not None else None,
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
                "exposure": exposure_dict(self.exposure()),
            },
            "rules": rules,
            "unknown_codes": dict(sorted(self.unknown_codes.items())),
            **(
                {"encounters_sample": self.encounters_sample}
                if self.encounters_sample is not None
                else {}
            ),
            "exit_code": self.exit_code,
        }

    def stdout_line(self, out: str) -> str:
        claims = self.accounting.filter(pl.col("table") == "claims").row(0, named=True)
        n = self.counts()
        skipped = claims.get("rows_skipped") or 0
        outside = claims.get("rows_out_of_period") or 0
        return (
            f"claims {claims['rows_in']} in, {claims['rows_audited']} audited, "
            f"{claims['rows_rejected']} rejected{f', {skipped} skipped' if skipped else ''}"
            f"{f', {outside} out of period' if outside else ''} | "
            f"{n['error']} error, {n['warning']} warning, "
            f"{n['info']} info{money_phrase(self.exposure(), prefix=' | ')}"
            f" | rules run {rules_run(self.rules)} of {self.rules.height} | {out}"
        )

    def __repr__(self) -> str:
        n = self.counts()
        return (
            f"AuditResult({self.claims.height} lines audited, {n['error']} error, "
            f"{n['warning']} warning, {n['info']} info{money_phrase(self.exposure(), ', ')})"
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
            + "".join(f"<td style='text-align:right'>${r[k]:,.2f}</td>" for k in EXPOSURE_KINDS)
            + "</tr>"
            for r in top.iter_rows(named=True)
        )
        skipped = self.rules.filter(pl.col("status") != "evaluated").height
        return (
            "<div class='telekit-audit-result'>"
            f"<b>telekit audit</b> — {self.claims.height:,} lines audited, "
            f"{self.rejects.height:,} rejected; {n['error']:,} error, {n['warning']:,} warning, "
            f"{n['info']:,} info{html.escape(money_phrase(self.exposure(), '; '))}"
            f" ({skipped} rules partial or skipped; code sets {html.escape(self.code_set_version)})"
            "<table><thead><tr><th>rule</th><th>name</th><th>severity</th><th>findings</th>"
            "<th>overpaid</th><th>denied</th><th>at risk</th><th>underpaid</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )
