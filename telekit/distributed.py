"""The same rule pack on Dask: ``audit_distributed`` audits buckets of whole persons in parallel on
a ``dask.distributed`` cluster and gives the findings of ``telekit.audit``.

How it runs:

1. On the client, the inputs are cut into buckets of whole persons (at least ``partitions``,
   default 8) by the bounded-memory path's streaming split (``telekit._scale``: persons
   that share a claim, a replaced claim or an encounter are kept together, so each bucket audits
   alone). The pieces are Parquet files under ``work_dir``.
2. The small tables, the provider roster, the payer policies and the run's ``Pricing`` (fee
   schedules, GPCIs, expected fees: built once on the client), are broadcast to every worker
   (``Client.scatter(..., broadcast=True)``), as are the description of the split and the
   reference sets given.
3. One task per bucket runs ``telekit.audit`` on a worker: it reads its bucket's pieces with
   the reader, audits them and returns the findings, rejects, accounting and rule statuses.
4. The client merges them exactly as the bounded-memory path does: findings sorted by
   (claim_id, claim_line_number, rule_code) with the audit's schema, rejects by row, rule
   statuses merged (see ``telekit._scale._partitioned``).

Without ``client``, a ``LocalCluster`` of ``n_workers`` worker processes (default 2, one thread
each) is started and closed. With a ``client`` of a cluster on other machines, ``work_dir`` must be
on storage every worker reads at the same path.

Needs the ``distributed`` extra: ``pip install 'telekit[distributed]'`` (dask[distributed]).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from telekit._audit import run_reference
from telekit._engine._pricing_inputs import ExpectedFeesInput, pricing_of
from telekit._io._maps import MapSpec
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read._arguments import TableInput
from telekit._scale._merge import PartitionedAuditResult, audit_bucket, merge
from telekit._scale._split import BUCKET_LINES, split_inputs, work_folder
from telekit.codesets import FeeScheduleRelease, GpciFile

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = ["audit_distributed"]

MIN_PARTITIONS = 8


def _dask() -> Any:
    try:
        import dask.distributed  # noqa: PLC0415 - an optional dependency
    except ImportError:
        msg = (
            "telekit.distributed needs dask[distributed]; install the extra: "
            "pip install 'telekit[distributed]'"
        )
        raise ImportError(msg) from None
    return dask.distributed


def audit_distributed(
    claims: TableInput,
    *,
    encounters: TableInput | None = None,
    coverage: TableInput | None = None,
    providers: TableInput | None = None,
    policies: Policies | str | Path | Mapping[str, Any] | None = None,
    as_of: date | None = None,
    telehealth_list: pl.DataFrame | None = None,
    expected_fees: ExpectedFeesInput | None = None,
    fee_schedules: Sequence[FeeScheduleRelease] = (),
    gpci: GpciFile | Sequence[GpciFile] | None = None,
    locality: str | None = None,
    map: str | Path | MapSpec | None = None,
    partitions: int = MIN_PARTITIONS,
    bucket_lines: int = BUCKET_LINES,
    client: Client | None = None,
    n_workers: int = 2,
    work_dir: str | Path | None = None,
) -> PartitionedAuditResult:
    """Audit on a Dask cluster: the findings, rejects, accounting and summary of ``telekit.audit``.

    The inputs are what ``telekit.audit`` takes (paths, frames, ``Table``; ``map`` is a
    header/value map file). They are cut into ``max(partitions, claim rows / bucket_lines)``
    buckets of whole persons, each audited by one task. ``client`` is a connected
    ``dask.distributed.Client``; without one, a ``LocalCluster`` of ``n_workers`` processes is
    started for the call. ``work_dir`` holds the buckets (default: a temporary folder, removed
    at the end). ``expected_fees``, ``fee_schedules``, ``gpci`` and ``locality`` price the lines
    as ``telekit.audit`` does: the ``Pricing`` is built once on the client and broadcast.
    """
    distributed = _dask()
    run_at = datetime.now(UTC).replace(microsecond=0)
    pol = policies if isinstance(policies, Policies) else load_policies(policies)
    reference: dict[str, Any] = {
        "telehealth_list": telehealth_list,
        "fee_schedules": fee_schedules,
        "gpci": gpci,
    }
    pricing = pricing_of(
        run_reference(**reference), pol, locality=locality, expected_fees=expected_fees
    )
    with work_folder(work_dir, "telekit-dask-") as work:
        cluster: Any = None  # started here, closed here
        own_client: Any = None
        try:
            split = split_inputs(
                claims,
                encounters=encounters,
                coverage=coverage,
                providers=providers,
                map=map,
                work=work,
                min_buckets=max(partitions, 1),
                bucket_lines=bucket_lines,
            )
            if client is None:
                cluster = distributed.LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: never clash with a running cluster
                )
                client = own_client = distributed.Client(cluster)
            broadcast = client.scatter(
                {
                    "split": split,
                    "providers": split.providers,
                    "policies": pol,
                    "pricing": pricing,
                    "reference": reference,
                },
                broadcast=True,
            )
            token = uuid.uuid4().hex[:8]
            futures = [
                client.submit(
                    audit_bucket,
                    broadcast["split"],
                    k,
                    broadcast["providers"],
                    broadcast["policies"],
                    broadcast["pricing"],
                    reference=broadcast["reference"],
                    key=f"telekit-audit-bucket-{k}-{token}",
                    pure=False,
                )
                for k in range(split.buckets)
            ]
            results = client.gather(futures)
            return merge(split, list(results), policies=pol, as_of=as_of, run_at=run_at)
        finally:
            if own_client is not None:
                own_client.close()
            if cluster is not None:
                cluster.close()
