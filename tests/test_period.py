"""``--period FROM..TO`` (issue 14): only the claim lines whose DOS lies in the period are
audited and reported; every line is still the context of the rules that look at other lines;
the others are counted as ``rows_out_of_period`` (never rejects), in memory and on the bounded
path alike."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import telekit as tk
from telekit._cli import main
from telekit._core._dates import DateError, Period, as_period, parse_period
from telekit._scale import _partitioned
from telekit.report import read_metrics

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
PERIOD = Period(date(2025, 1, 1), date(2025, 6, 30))
DOS = "claim_line_start_date"


def _in(frame: pl.DataFrame, period: Period) -> pl.DataFrame:
    return frame.filter(pl.col(DOS).is_between(period.start, period.end))


def _claims(result: tk.AuditResult) -> dict[str, int]:
    row = result.accounting.filter(pl.col("table") == "claims").row(0, named=True)
    return {k: int(v) for k, v in row.items() if k != "table"}


def test_period_audit_reports_the_full_audits_findings_of_the_period(
    sample_audit: tk.AuditResult, audit_sample: Callable[..., tk.AuditResult]
) -> None:
    result = audit_sample(period="2025-01-01..2025-06-30")
    expected = _in(sample_audit.findings, PERIOD)
    assert 0 < result.findings.height == expected.height < sample_audit.findings.height
    assert result.findings.equals(expected)
    assert result.claims.height == _in(sample_audit.claims, PERIOD).height
    assert _in(result.claims, PERIOD).height == result.claims.height
    n = _claims(result)
    assert n["rows_out_of_period"] == sample_audit.claims.height - result.claims.height > 0
    assert n["rows_audited"] == result.claims.height
    assert n["rows_in"] == (
        n["rows_audited"] + n["rows_rejected"] + n["rows_skipped"] + n["rows_out_of_period"]
    )
    summary = result.to_summary_dict()
    assert summary["period"] == {"from": "2025-01-01", "to": "2025-06-30"}
    assert summary["tables"]["claims"]["rows_out_of_period"] == n["rows_out_of_period"]
    assert summary["tables"]["encounters"]["rows_out_of_period"] == 0
    assert result.period == PERIOD
    # the unknown codes are those of the lines in the period
    assert sum(result.unknown_codes.values()) <= sum(sample_audit.unknown_codes.values())
    # without a period: nothing out of period, summary.json's period null
    assert _claims(sample_audit)["rows_out_of_period"] == 0
    assert sample_audit.to_summary_dict()["period"] is None


def test_a_line_whose_predecessor_lies_before_from_is_judged_as_in_a_full_audit(
    sample_audit: tk.AuditResult, audit_sample: Callable[..., tk.AuditResult]
) -> None:
    """FQ001 looks back 7 days: a period starting on a flagged line's DOS still flags it,
    where auditing only the period's lines (no history) does not."""
    repeat = sample_audit.findings.filter(pl.col("rule_code") == "FQ001").row(0, named=True)
    period = Period(repeat[DOS], repeat[DOS] + timedelta(days=30))
    result = audit_sample(period=period)
    key = (repeat["claim_id"], repeat["claim_line_number"])
    found = result.findings.filter(pl.col("rule_code") == "FQ001").select(
        "claim_id", "claim_line_number"
    )
    assert key in found.rows()
    assert result.findings.equals(_in(sample_audit.findings, period))
    # without the earlier lines the repeat is not seen: the context is what keeps it
    alone = tk.audit(
        _in(sample_audit.claims, period),
        encounters=SAMPLES / "encounters.csv",
        coverage=SAMPLES / "coverage.csv",
        providers=SAMPLES / "providers.csv",
        policies=SAMPLES / "policies.toml",
        as_of=sample_audit.as_of,
    )
    alone_keys = alone.findings.filter(pl.col("rule_code") == "FQ001").select(
        "claim_id", "claim_line_number"
    )
    assert key not in alone_keys.rows()


def _cli(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue().strip()


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """data/samples audited with --period in memory and on the bounded path (1 MB budget)."""
    root = tmp_path_factory.mktemp("period")
    calls: list[Any] = []
    real = _partitioned.audit_partitioned

    def spy(claims: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("period"))
        return real(claims, **kwargs)

    period = ["--period", "2025-01-01..2025-06-30"]
    single = _cli(["audit", str(SAMPLES), *period, "--out", str(root / "single")])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("telekit._scale._partitioned.audit_partitioned", spy)
        split = _cli(
            ["audit", str(SAMPLES), *period, "--memory-budget", "1MB", "--out", str(root / "split")]
        )
    return {"root": root, "single": single, "split": split, "calls": calls}


def test_bounded_path_audits_the_period_as_the_in_memory_path(both_paths: dict[str, Any]) -> None:
    root = both_paths["root"]
    assert both_paths["calls"] == [PERIOD]  # the bounded path was taken, with the period
    (code, line), (code_split, line_split) = both_paths["single"], both_paths["split"]
    assert code == code_split == 1
    assert line_split.replace("split", "single") == line
    assert ", 0 rejected, 1733 out of period | " in line  # the sample: 255 of 1988 lines in it
    for name in ("findings.csv", "rejects.csv"):
        assert (root / "single" / name).read_bytes() == (root / "split" / name).read_bytes()
    summaries = [json.loads((root / p / "summary.json").read_text()) for p in ("single", "split")]
    claims = [s["tables"]["claims"] for s in summaries]
    assert claims[0]["rows_out_of_period"] == claims[1]["rows_out_of_period"] == 1733
    assert claims[0]["rows_audited"] == claims[1]["rows_audited"] == 255
    for s in summaries:
        assert s["period"] == {"from": "2025-01-01", "to": "2025-06-30"}
    findings = pl.read_parquet(root / "single" / "findings.parquet")
    assert _in(findings, PERIOD).height == findings.height > 0


def test_revenue_cycle_metrics_count_the_claims_of_the_period(both_paths: dict[str, Any]) -> None:
    root = both_paths["root"]
    frames = [read_metrics(root / p / "metrics.parquet") for p in ("single", "split")]
    submitted = [f["revenue_cycle"].item(0, "claims_submitted") for f in frames]
    # the sample's full audit counts 1,509 claims submitted (notebook 04's pinned figure)
    assert 0 < submitted[0] == submitted[1] < 1509
    months = frames[0]["revenue_cycle_by_month"].get_column("month")
    assert months.min() >= PERIOD.start and months.max() <= PERIOD.end  # type: ignore[operator]
    report = (root / "single" / "report.html").read_text()
    assert "Out of period" in report and "Service period 2025-01-01 to 2025-06-30" in report


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2025-07-01..2025-06-30", "FROM must not be after TO"),
        ("2025-07-01", "expected FROM..TO, two dates YYYY-MM-DD"),
        ("2025-02-30..2025-03-01", "expected FROM..TO, two dates YYYY-MM-DD"),
    ],
)
def test_a_bad_period_is_one_line_naming_the_flag(value: str, why: str, tmp_path: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["audit", str(SAMPLES), "--period", value, "--out", str(tmp_path / "o")])
    assert code == 2
    assert f"argument --period: {why}" in err.getvalue()
    assert not (tmp_path / "o").exists()
    with pytest.raises(DateError, match="period"):
        as_period(value)


def test_period_values() -> None:
    assert parse_period(" 2026-01-01..2026-03-31 ") == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert as_period(("2026-01-01", date(2026, 1, 1))).label() == "2026-01-01 to 2026-01-01"
    with pytest.raises(TypeError):
        as_period(20260101)  # type: ignore[arg-type]
