"""The rule pack on Dask gives the single-process findings, on a generated practice whose persons
meet across partitions (the tangles of test_partitioned)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest

import telekit as tk
from telekit import sample
from telekit._engine._result import FINDINGS_SCHEMA

distributed = pytest.importorskip("dask.distributed")

from telekit.distributed import audit_distributed  # noqa: E402


def _sibling(name: str) -> ModuleType:
    """A test module next to this one (pytest runs with --import-mode=importlib, where test
    modules do not import each other by name)."""
    spec = importlib.util.spec_from_file_location(
        f"_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_helpers = _sibling("test_partitioned")
tangle, assert_same_audit = _helpers.tangle, _helpers.assert_same_audit

TABLES = ("claims", "encounters", "coverage", "providers")


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = sample.practice(seed=5, size=1500)
    claims, encounters, _ = tangle(p, buckets=8)
    d = tmp_path_factory.mktemp("practice")
    frames = {"claims": claims, "encounters": encounters, "coverage": p.coverage}
    for name, frame in {**frames, "providers": p.providers}.items():
        frame.write_parquet(d / f"{name}.parquet")
    (d / "policies.toml").write_text(p.policies_toml)
    return d


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _money(d: Path) -> dict[str, Any]:
    """A locality and expected fees (read once on the client, the Pricing broadcast)."""
    return {"locality": _helpers.LOCALITY, "expected_fees": _helpers.expected_fees_toml(d)}


def _single(d: Path) -> tk.AuditResult:
    return tk.audit(
        d / "claims.parquet",
        **{t: d / f"{t}.parquet" for t in TABLES[1:]},
        policies=d / "policies.toml",
        **_money(d),
    )


def test_distributed_findings_equal_single_process(practice: Path, client: object) -> None:
    single = _single(practice)
    with distributed.get_task_stream(client) as stream:
        result = audit_distributed(
            practice / "claims.parquet",
            **{t: practice / f"{t}.parquet" for t in TABLES[1:]},
            policies=practice / "policies.toml",
            client=client,
            **_money(practice),
        )
    assert result.findings.schema == FINDINGS_SCHEMA
    assert result.findings.height > 100
    assert_same_audit(single, result)
    # the money the workers priced: Medicare by the fee schedule, others by an expected fee
    bases = set(result.findings.get_column("amount_basis"))
    assert {"expected_fee", "fee_schedule"} <= bases
    assert result.exposure().filter(pl.col("exposure") == "at_risk")["lines"].item() > 0
    # at least 8 partitions, audited by both worker processes
    tasks = [t for t in stream.data if t["key"].startswith("telekit-audit-bucket-")]
    assert result.buckets >= 8
    assert len(tasks) == result.buckets
    assert len({t["worker"] for t in tasks}) == 2
    pids = client.run(lambda: __import__("os").getpid())  # type: ignore[attr-defined]
    assert len(set(pids.values())) == 2


def test_distributed_starts_its_own_local_cluster(practice: Path) -> None:
    frames = {t: pl.read_parquet(practice / f"{t}.parquet") for t in TABLES}
    result = audit_distributed(
        frames["claims"],
        **{t: frames[t] for t in TABLES[1:]},
        policies=practice / "policies.toml",
        partitions=9,
    )
    assert result.buckets == 9
    single = tk.audit(
        frames["claims"], **{t: frames[t] for t in TABLES[1:]}, policies=practice / "policies.toml"
    )
    assert_same_audit(single, result)
