"""The bounded-memory path measures what the single path measures: metrics.parquet (every
frame of METRIC_FRAMES), oig.parquet and the findings are the same on both paths, on a tangled
practice cut into several buckets (replacements, voids, remittances with reversals, patient
payments with discounts, write-offs and refunds) and on data/samples."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit import sample
from telekit._core import _columns as c
from telekit._core._exceptions import TelekitError
from telekit._scale import _partitioned
from telekit.report import METRIC_FRAMES, audit_folder, compute_metrics
from tests.test_partitioned import K, tangle

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def tangled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A practice folder whose persons meet across buckets, with its remittances (and one of a
    claim the claims do not hold), adjustments and patient payments (and one of no claim)."""
    p = sample.practice(seed=11, size=1200)
    claims, encounters, _ = tangle(p)
    d = tmp_path_factory.mktemp("tangled")
    (d / "policies.toml").write_text(p.policies_toml)
    latest: dt.date = p.remittances.get_column(c.PAYMENT_DATE).max()  # type: ignore[assignment]
    stray = p.remittances.head(1).with_columns(
        pl.lit("NO-SUCH-CLAIM").alias(c.CLAIM_ID),
        pl.lit("STRAY").alias(c.REMIT_ID),
        pl.lit(latest - dt.timedelta(days=1)).alias(c.PAYMENT_DATE),
    )
    payments = pl.concat(
        [
            p.patient_payments,
            p.patient_payments.head(1).with_columns(pl.lit("NONE").alias(c.CLAIM_ID)),
        ]
    )
    frames = {
        "claims": claims,
        "encounters": encounters,
        "coverage": p.coverage,
        "providers": p.providers,
        "remittances": pl.concat([p.remittances, stray]),
        "adjustments": p.adjustments,
        "patient_payments": payments,
    }
    for name, frame in frames.items():
        frame.write_csv(d / f"{name}.csv")
    return d


def _bounded(monkeypatch: pytest.MonkeyPatch, buckets: int | None) -> list[Any]:
    """Force several buckets on the bounded path (run_audit calls it through the module)."""
    seen: list[Any] = []
    real = _partitioned.audit_partitioned

    def several(claims: Path, **kwargs: Any) -> Any:
        result = real(claims, **kwargs, **({"buckets": buckets} if buckets else {}))
        seen.append(result)
        return result

    monkeypatch.setattr(_partitioned, "audit_partitioned", several)
    return seen


def assert_same_outputs(single: Path, bounded: Path) -> None:
    for name in ("findings.parquet", "oig.parquet"):
        assert_frame_equal(pl.read_parquet(single / name), pl.read_parquet(bounded / name))
    assert (single / "findings.csv").read_bytes() == (bounded / "findings.csv").read_bytes()
    one, two = (
        pl.read_parquet(single / "metrics.parquet"),
        pl.read_parquet(bounded / "metrics.parquet"),
    )
    assert_frame_equal(one, two)
    for out in (single, bounded):
        html = (out / "report.html").read_text()
        assert "Not in this report" not in html
        assert "OIG integrity measures" in html


def test_bounded_path_measures_what_the_single_path_measures(
    tangled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = audit_folder(tangled, tmp_path / "single")
    assert not isinstance(single, _partitioned.PartitionedAuditResult)
    seen = _bounded(monkeypatch, K)
    bounded = audit_folder(tangled, tmp_path / "bounded", memory_budget="1MB")
    assert len(seen) == 1 and seen[0].buckets == K
    assert_same_outputs(tmp_path / "single", tmp_path / "bounded")
    frames = seen[0].metric_frames
    assert set(frames) == set(METRIC_FRAMES)
    assert bounded.oig is not None and not bounded.oig.is_empty()
    # the fixture exercises what it claims: replacements, voids, reversals, every kind of
    # patient payment, denials, A/R in every financial class
    claims = pl.read_csv(tangled / "claims.csv", infer_schema=False)
    assert {"7", "8"} <= set(claims[c.CLAIM_FREQUENCY_CODE])
    remits = pl.read_csv(tangled / "remittances.csv", infer_schema=False)
    assert "22" in set(remits[c.CLAIM_STATUS_CODE])
    payments = pl.read_csv(tangled / "patient_payments.csv", infer_schema=False)
    assert {"payment", "discount", "write_off", "refund"} <= set(payments["kind"])
    assert frames["denials"].height > 3
    rc = frames["revenue_cycle"].row(0, named=True)
    assert rc["claims_submitted"] > 0 and rc["ar_patient"] > 0
    assert rc["median_payment_lag_days"] is not None
    assert "patient" in set(frames["revenue_cycle_by_financial_class"]["financial_class"])
    # the patient payments reached the buckets: without them the A/R differs
    monkeypatch.undo()
    seen = _bounded(monkeypatch, K)
    shutil.move(tangled / "patient_payments.csv", tmp_path / "payments.csv")
    try:
        audit_folder(tangled, tmp_path / "no-payments", memory_budget="1MB")
    finally:
        shutil.move(tmp_path / "payments.csv", tangled / "patient_payments.csv")
    unpaid = seen[0].metric_frames["revenue_cycle"].row(0, named=True)
    assert unpaid["ar_patient"] > rc["ar_patient"]


def test_bounded_path_on_the_samples_equals_the_single_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_folder(SAMPLES, tmp_path / "single")
    seen = _bounded(monkeypatch, 3)
    audit_folder(SAMPLES, tmp_path / "bounded", memory_budget="1MB")
    assert len(seen) == 1 and seen[0].buckets == 3
    assert_same_outputs(tmp_path / "single", tmp_path / "bounded")


def test_without_remittances_the_mix_and_oig_are_still_measured(
    tangled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "in"
    d.mkdir()
    for t in ("claims", "encounters", "coverage", "providers"):
        shutil.copy(tangled / f"{t}.csv", d / f"{t}.csv")
    shutil.copy(tangled / "policies.toml", d / "policies.toml")
    audit_folder(d, tmp_path / "single")
    seen = _bounded(monkeypatch, K)
    audit_folder(d, tmp_path / "bounded", memory_budget="1MB")
    assert set(seen[0].metric_frames) == {
        "unlisted_payers",
        "telehealth_mix",
        "telehealth_mix_by_month",
    }
    assert_same_outputs(tmp_path / "single", tmp_path / "bounded")


def test_audit_takes_the_bounded_path_past_its_memory_budget(tangled: Path) -> None:
    claims, policies = tangled / "claims.csv", tangled / "policies.toml"
    others = {t: tangled / f"{t}.csv" for t in ("encounters", "coverage", "providers")}
    single = tk.audit(claims, **others, policies=policies)
    roomy = tk.audit(claims, **others, policies=policies, memory_budget="64GB")
    bounded = tk.audit(claims, **others, policies=policies, memory_budget="1MB")
    assert not isinstance(roomy, _partitioned.PartitionedAuditResult)
    assert isinstance(bounded, _partitioned.PartitionedAuditResult)
    assert bounded.claims.is_empty() and bounded.lines_audited == single.claims.height
    assert_frame_equal(single.findings, bounded.findings)
    assert_frame_equal(single.findings, roomy.findings)
    # frames in memory are audited in memory, whatever the budget
    frame = tk.read_claims(claims).data
    in_memory = tk.audit(frame, **others, policies=policies, memory_budget=1)
    assert not isinstance(in_memory, _partitioned.PartitionedAuditResult)
    assert_frame_equal(single.findings, in_memory.findings)
    with pytest.raises(TelekitError, match="memory_budget: 'lots' is not a size"):
        tk.audit(claims, memory_budget="lots")
    # a bounded audit holds no lines: compute_metrics says so instead of measuring nothing
    with pytest.raises(TelekitError, match="bounded-memory path"):
        compute_metrics(bounded)


def test_audit_keeps_the_patient_payments_for_compute_metrics(tangled: Path) -> None:
    remits = tk.read_remittances(
        tangled / "remittances.csv", adjustments=tangled / "adjustments.csv"
    )
    payments = tk.read_patient_payments(tangled / "patient_payments.csv")
    claims = tangled / "claims.csv"
    kept = tk.audit(claims, remittances=remits, patient_payments=tangled / "patient_payments.csv")
    assert kept.patient_payments is not None
    assert_frame_equal(kept.patient_payments, payments.data)
    assert tk.audit(claims, remittances=remits).patient_payments is None
    with_kept = compute_metrics(kept, remits)
    given = compute_metrics(kept, remits, patient_payments=payments)
    without = compute_metrics(replace(kept, patient_payments=None), remits)
    for name in ("revenue_cycle", "revenue_cycle_by_payer"):
        assert_frame_equal(with_kept[name], given[name])
    assert not with_kept["revenue_cycle"].equals(without["revenue_cycle"])
