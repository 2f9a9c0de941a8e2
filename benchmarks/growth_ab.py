"""A/B in one process of the bounded path's stages (``audit_partitioned``, every table of a practice
folder as ``telekit audit DIR`` gives them: remittances, adjustments, patient payments, metrics
and OIG measures), at several bucket counts and stream batch sizes.

A stage whose work is proportional to its rows keeps its CPU seconds when the same lines are cut
into more buckets (``--buckets``) or read in smaller batches (``--batch-rows``, which multiplies
the batches a stream is read in, as a 10x larger input does at the default 1,000,000 rows); a
stage with a batches x buckets or batches x input part grows with them. Each round imports each
version afresh (``_ab.use``) and times each stage (the progress texts, digits dropped, as
``scale.py``'s ``cli`` mode labels them) in CPU seconds (``time.process_time``), with the load.

    .venv/bin/python benchmarks/growth_ab.py --old /tmp/base [--dir DIR] \
        [--buckets 3,24] [--batch-rows 1000000,100000] [--rounds 2] [--split-only] \
        [--pad-claim-map 7000000]
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from _ab import arguments, load, roots, use


class _StopError(Exception):
    """Raised instead of the first bucket audit (``--split-only``)."""


def _padded(claim_buckets: Any, rows: int) -> Any:
    """``_split._claim_buckets`` with ``rows`` more claims that no remittance or payment names
    (random hashes, bucket 0): the claim map of a larger input, the routed rows unchanged."""

    def padded(*args: Any) -> pl.DataFrame:
        found = claim_buckets(*args)
        fake = pl.DataFrame(
            {
                found.columns[0]: np.random.default_rng(0).integers(
                    0, 2**64 - 1, rows, dtype=np.uint64
                ),
                found.columns[1]: np.zeros(rows, dtype=np.uint32),
            }
        )
        out = pl.concat([found, fake])
        return out.sort(out.columns) if found[found.columns[0]].flags["SORTED_ASC"] else out

    return padded


def _table(d: Path, name: str) -> Path:
    """``name``'s input in the practice folder ``d``: ``name.parquet``, else the folder of its
    Parquet parts (as ``telekit audit DIR`` finds it; the 10M practice writes parts)."""
    whole = d / f"{name}.parquet"
    return whole if whole.exists() else d / name


def _run(
    root: str, d: Path, buckets: int, batch_rows: int, *, split_only: bool, pad: int
) -> tuple[dict[str, float], float]:
    use(root)
    partitioned = importlib.import_module("telekit._scale._partitioned")
    split = importlib.import_module("telekit._scale._split")
    if pad:
        split._claim_buckets = _padded(split._claim_buckets, pad)
    stream = importlib.import_module("telekit._io._stream")
    metrics = importlib.import_module("telekit.report._metrics")
    stream.BATCH_ROWS = batch_rows
    if split_only:

        def stop(*_: Any, **__: Any) -> Any:
            raise _StopError

        partitioned.audit_bucket = stop
    marks: list[tuple[str, float]] = []

    def note(text: str) -> None:
        label = re.sub(r" \(.*|\d[\d,]*( of \d+)?", "", text.split(":", maxsplit=1)[0]).strip()
        if not marks or marks[-1][0] != label:
            marks.append((label, time.process_time()))

    work = Path(tempfile.mkdtemp(prefix="growth-ab-"))
    c0 = time.process_time()
    try:
        partitioned.audit_partitioned(
            _table(d, "claims"),
            encounters=_table(d, "encounters"),
            coverage=_table(d, "coverage"),
            providers=_table(d, "providers"),
            policies=d / "policies.toml",
            remittances=[_table(d, "remittances")],
            adjustments=_table(d, "adjustments"),
            patient_payments=_table(d, "patient_payments"),
            expected_fees=d / "expected_fees.toml",
            measures=metrics.BucketMetrics(as_of=None),
            buckets=buckets,
            work_dir=work,
            progress=note,
        )
    except _StopError:
        note("auditing buckets (not run)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = time.process_time() - c0
    marks.append(("end", time.process_time()))
    stages: dict[str, float] = {}
    for (label, a), (_, b) in itertools.pairwise(marks):
        stages[label] = stages.get(label, 0.0) + b - a
    return stages, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    arguments(ap)
    ap.add_argument("--buckets", default="3,24", help="bucket counts, comma-separated")
    ap.add_argument("--batch-rows", default="1000000", help="stream batch rows, comma-separated")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--pad-claim-map",
        type=int,
        default=0,
        help="claims added to the claim map (of no remittance): a 10M input's map at 1M",
    )
    ap.add_argument(
        "--split-only", action="store_true", help="stop before the bucket audits (the split)"
    )
    a = ap.parse_args()
    new = str(Path(__file__).resolve().parents[1])
    roots(a.old, new)
    versions = {"old": a.old, "new": new}
    configs = [(int(k), int(b)) for b in a.batch_rows.split(",") for k in a.buckets.split(",")]
    best: dict[tuple[str, int, int], tuple[float, dict[str, float], str]] = {}
    for r in range(a.rounds):
        for k, b in configs:
            for name, root in versions.items():
                stages, total = _run(
                    root, a.dir, k, b, split_only=a.split_only, pad=a.pad_claim_map
                )
                print(
                    f"round {r + 1} {name} buckets={k} batch={b}: {total:.2f} CPU s, load {load()}"
                )
                key = (name, k, b)
                if key not in best or total < best[key][0]:
                    best[key] = (total, stages, load())
    labels: list[str] = list(dict.fromkeys(s for v in best.values() for s in v[1]))
    cols = [(name, k, b) for k, b in configs for name in versions]
    print()
    print("CPU seconds per stage (best round of each):")
    print(f"{'stage':44}" + "".join(f"{f'{n} K={k} b={b // 1000}k':>22}" for n, k, b in cols))
    for label in labels:
        cells = "".join(f"{best[c][1].get(label, 0.0):22.2f}" for c in cols)
        print(f"{label[:44]:44}{cells}")
    print(f"{'total':44}" + "".join(f"{best[c][0]:22.2f}" for c in cols))
    print(f"{'load (1/5/15 min)':44}" + "".join(f"{best[c][2]:>22}" for c in cols))


if __name__ == "__main__":
    main()
