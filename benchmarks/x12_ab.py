"""A/B of ``read_claims`` on a generated practice's 837P in one process: an old telekit (a
directory holding its ``telekit`` package, e.g. ``git archive HEAD telekit``) against this one.

Rounds alternate old and new, each importing its version afresh (every ``telekit`` module dropped
from ``sys.modules`` first); the figures are the best CPU seconds (``time.process_time``, all
threads) and wall seconds of the rounds, with the load average beside them (the machine is
shared). The results of both are compared: lines, rejects, issues and rows read must be equal.

    .venv/bin/python benchmarks/x12_ab.py --old /tmp/base [--size 11000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _ab import load, roots, use


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="a directory holding the old telekit package")
    ap.add_argument("--size", type=int, default=11000, help="encounters of the practice")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    new = str(Path(__file__).resolve().parents[1])
    old = str(Path(args.old).resolve())
    roots(old, new)
    with tempfile.TemporaryDirectory(prefix="telekit-x12-ab-") as tmp:
        sample = importlib.import_module("telekit.sample")
        sample.write(Path(tmp) / "practice", seed=7, size=args.size, format="parquet")
        path = Path(tmp) / "practice" / "x12" / "claims.837"
        print(f"{path.name}: {path.stat().st_size / (1 << 20):.1f} MB; load {load()}")
        best: dict[str, tuple[float, float]] = {}
        tables: dict[str, Any] = {}
        for _ in range(args.rounds):
            for label, root in (("old", old), ("new", new)):
                tk = use(root)
                tk.read_claims(path)  # warm: imports and first-call caches
                cpu, wall = time.process_time(), time.perf_counter()
                tables[label] = tk.read_claims(path)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                was = best.get(label, (float("inf"), float("inf")))
                best[label] = (min(was[0], cpu), min(was[1], wall))
                print(f"  {label}: {cpu:.3f} s CPU, {wall:.3f} s wall; load {load()}")
        a, b = tables["old"], tables["new"]
        same = (
            a.data.equals(b.data)
            and a.rejects.equals(b.rejects)
            and a.issues.equals(b.issues)
            and a.rows_in == b.rows_in
        )
        (oc, ow), (nc, nw) = best["old"], best["new"]
        print(
            f"best: old {oc:.3f} s CPU / {ow:.3f} s wall, new {nc:.3f} s CPU / {nw:.3f} s wall "
            f"({oc / nc:.2f}x CPU, {ow / nw:.2f}x wall); {b.data.height:,} lines, results "
            f"{'identical' if same else 'DIFFERENT'}; load {load()}"
        )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
