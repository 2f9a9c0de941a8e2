"""What the report renders: ``AuditRecord`` (an ``AuditResult`` or an audit's OUT)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import AuditResult
from telekit.report._deidentify import Deidentifier


@dataclass(frozen=True)
class AuditRecord:
    """What the report needs of an audit: summary.json's content, the findings, the rejects,
    the provider roster (for names) and inputs.json (paths and SHA-256), or None.

    Made from an ``AuditResult`` (``from_result``) or from an audit's OUT (``load_audit``). It
    quacks like an ``AuditResult`` where the charts and the workbook need it (``summary()``,
    ``findings``, ``providers``).
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
        return cls(
            summary_data=dict(summary) if summary is not None else result.to_summary_dict(),
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
    return out


def _rules_frame(rules: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    schema = {
        "rule_code": pl.String,
        "rule_name": pl.String,
        "severity": pl.String,
        "responsibility": pl.String,
        "findings": pl.Int64,
        "lines": pl.Int64,
        "dollars_at_risk": pl.String,
        "status": pl.String,
        "reason": pl.String,
    }
    rows = [{k: r.get(k) for k in schema} for r in rules]
    frame = pl.DataFrame(
        [{**r, "dollars_at_risk": str(r["dollars_at_risk"] or "0")} for r in rows],
        schema=schema,
    )
    return frame.with_columns(pl.col("dollars_at_risk").cast(c.MONEY))
