"""What the report renders: ``AuditRecord`` (an ``AuditResult`` or an audit's OUT)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import EXPOSURE_KINDS, AuditResult, exposure_columns, exposure_totals
from telekit.report._deidentify import Deidentifier


@dataclass(frozen=True)
class AuditRecord:
    """What the report needs of an audit: summary.json's content, the findings, the rejects,
    the provider roster (for names) and inputs.json (paths and SHA-256), or None.

    Made from an ``AuditResult`` (``from_result``) or from an audit's OUT (``load_audit``). It
    quacks like an ``AuditResult`` where the charts and the workbook need it (``summary()``,
    ``exposure()``, ``findings``, ``providers``).
    """

    summary_data: dict[str, Any]
    findings: pl.DataFrame
    rejects: pl.DataFrame
    providers: pl.DataFrame | None = None
    inputs: dict[str, Any] | None = None

    @classmethod
    def from_result(
        cls,
        result: AuditResult,
        *,
        summary: Mapping[str, Any] | None = None,
        rejects: pl.DataFrame | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """``summary`` defaults to ``result.to_summary_dict()`` (the CLI passes the one it
        wrote, with the remittance tables); ``rejects`` to ``result.rejects``."""
        data = dict(summary) if summary is not None else result.to_summary_dict()
        return cls(
            summary_data=data,
            findings=result.findings,
            rejects=rejects if rejects is not None else result.rejects,
            providers=result.providers,
            inputs=dict(inputs) if inputs is not None else None,
        )

    @property
    def deidentified(self) -> bool:
        return bool(self.summary_data.get("deidentified", False))

    def summary(self) -> pl.DataFrame:
        """One row per rule, as ``AuditResult.summary()``."""
        return _rules_frame(self.summary_data.get("rules", []))

    def exposure(self) -> pl.DataFrame:
        """The four totals, as ``AuditResult.exposure()``: summary.json's ``findings.exposure``
        (computed from the findings when an older summary.json lacks it)."""
        exposure = self.summary_data.get("findings", {}).get("exposure")
        if isinstance(exposure, Mapping):
            return _exposure_frame(exposure)
        return exposure_totals(self.findings)

    def billing(self) -> pl.DataFrame:
        """The billing findings per payer and billing NPI (``billing_findings``)."""
        return billing_findings(self.findings)

    def deidentify(self, deid: Deidentifier) -> AuditRecord:
        """This record with ``deid`` applied (no-op when already de-identified)."""
        if self.deidentified:
            return self
        inputs = None
        if self.inputs is not None:
            inputs = {**self.inputs, "options": _deidentified_options(self.inputs.get("options"))}
        return replace(
            self,
            summary_data=deid.summary(self.summary_data),
            findings=deid.frame(self.findings),
            rejects=deid.frame(self.rejects),
            inputs=inputs,
        )


def _deidentified_options(options: Any) -> dict[str, Any]:
    out = dict(options) if isinstance(options, Mapping) else {}
    as_of = out.get("as_of")
    if isinstance(as_of, str) and len(as_of) >= 4:
        out["as_of"] = as_of[:4]
    out["deidentified"] = True
    out.pop("arguments", None)  # the paths as typed: a file name may hold a patient's name
    return out


def _rules_frame(rules: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    schema = {
        "rule_code": pl.String,
        "rule_name": pl.String,
        "severity": pl.String,
        "responsibility": pl.String,
        "findings": pl.Int64,
        "lines": pl.Int64,
        **dict.fromkeys(EXPOSURE_KINDS, pl.String),
        "status": pl.String,
        "reason": pl.String,
    }
    rows = [
        {k: (str(r.get(k) or "0") if k in EXPOSURE_KINDS else r.get(k)) for k in schema}
        for r in rules
    ]
    frame = pl.DataFrame(rows, schema=schema)
    return frame.with_columns(pl.col(k).cast(c.MONEY) for k in EXPOSURE_KINDS)


def _exposure_frame(exposure: Mapping[str, Any]) -> pl.DataFrame:
    """summary.json's ``findings.exposure`` as ``AuditResult.exposure()``'s frame."""
    rows = [
        {
            "exposure": kind,
            "lines": int((exposure.get(kind) or {}).get("lines") or 0),
            "amount": str((exposure.get(kind) or {}).get("amount") or "0"),
        }
        for kind in EXPOSURE_KINDS
    ]
    frame = pl.DataFrame(
        rows, schema={"exposure": pl.String, "lines": pl.Int64, "amount": pl.String}
    )
    return frame.with_columns(pl.col("amount").cast(c.MONEY))


#: the billing findings per (payer, billing NPI): what the report's billing section reads
BILLING_SCHEMA: Final = pl.Schema(
    {
        c.PAYER: pl.String(),
        c.BILLING_NPI: pl.String(),
        "findings": pl.Int64(),
        "lines": pl.Int64(),
        **dict.fromkeys(EXPOSURE_KINDS, c.MONEY),
    }
)


def billing_findings(findings: pl.DataFrame) -> pl.DataFrame:
    """The ``billing`` findings (DESIGN §5 "Responsibility") per payer and billing NPI (null
    when the claims do not give it): findings, lines, and the four kinds of money, each line
    once per kind. A line has one payer and one billing NPI, so the rows add up by payer or by
    NPI."""
    billing = findings.filter(pl.col("responsibility") == "billing")
    if c.BILLING_NPI not in billing.columns:  # findings of an audit before billing_npi
        billing = billing.with_columns(pl.lit(None, dtype=pl.String).alias(c.BILLING_NPI))
    key = [c.CLAIM_ID, c.CLAIM_LINE_NUMBER]
    groups = [c.PAYER, c.BILLING_NPI]
    counts = billing.group_by(groups).agg(
        pl.len().cast(pl.Int64).alias("findings"),
        pl.struct(key).n_unique().cast(pl.Int64).alias("lines"),
    )
    return (
        counts.join(exposure_columns(billing, groups), on=groups, how="left", nulls_equal=True)
        .select(list(BILLING_SCHEMA))
        .cast(BILLING_SCHEMA)
        .sort(groups, nulls_last=True)
    )


def record_of(
    result: AuditResult | AuditRecord, deidentify: bool | Deidentifier
) -> tuple[AuditRecord, Deidentifier | None]:
    """What a page renders: the ``AuditRecord`` of ``result`` (an ``AuditResult``, or a record
    as is) and the ``Deidentifier`` for ``deidentify`` (True: a new one; False: None). An
    ``AuditResult``'s identifiers are registered first, so every pseudonym is drawn."""
    deid: Deidentifier | None = None
    if isinstance(deidentify, Deidentifier):
        deid = deidentify
    elif deidentify:
        deid = Deidentifier()
    if not isinstance(result, AuditResult):
        return result, deid
    if deid is not None:
        for frame in (result.claims, result.encounters, result.coverage):
            deid.register_frame(frame)
    return AuditRecord.from_result(result), deid
