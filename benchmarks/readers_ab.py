"""A/B of telekit's readers on typed Parquet in one process: an old telekit (a directory
holding its ``telekit`` package, e.g. ``git archive BASE telekit | tar -x -C /tmp/base``)
against this one, alternated, and a plain ``pl.read_parquet`` of the same table.

Each round reads every table once plainly and once with each version (``tk.read_table``,
and ``build_table`` alone on the raw read, which leaves out the Parquet read's own noise),
in CPU seconds (``time.process_time``; a shared machine inflates wall time) with the load
average beside each figure; the best of the rounds is kept per table and version, with its
ratio to the best plain read of that table (issue 13 item 4: within 2x).

    .venv/bin/python benchmarks/readers_ab.py --old /tmp/base --dir DIR [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from pathlib import Path
from typing import Any

import polars as pl
from _ab import roots as ab_roots
from _ab import use

TABLES = ("claims", "encounters", "coverage", "providers")


def _cpu(fn: Any) -> tuple[float, float]:
    load = os.getloadavg()[0]
    c0 = time.process_time()
    fn()
    return time.process_time() - c0, load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="a directory holding the old telekit package")
    ap.add_argument("--dir", type=Path, required=True, help="a practice with <table>.parquet")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tables", default=",".join(TABLES))
    args = ap.parse_args()
    new = str(Path(__file__).resolve().parent.parent)
    roots = {"old": str(Path(args.old).resolve()), "new": new}
    ab_roots(*roots.values())
    tables = args.tables.split(",")
    best: dict[tuple[str, str], tuple[float, float]] = {}
    for _ in range(args.rounds):
        for version in ("old", "new"):
            tk = use(roots[version])
            source = importlib.import_module("telekit._io._source")
            build = importlib.import_module("telekit._io._build")
            specs = importlib.import_module("telekit._core._columns").TABLES
            for t in tables:
                p = args.dir / f"{t}.parquet"
                spec, entries = specs[t], build.resolve_map(specs[t], None, None, None, None)
                # each measurement holds no other frame (a raw read kept alive while the plain
                # read runs made its allocations fault in fresh pages: 2-3x its CPU seconds)
                for key, fn in (
                    (("plain", t), lambda p=p: pl.read_parquet(p)),
                    ((version, t), lambda p=p, t=t, tk=tk: tk.read_table(t, p)),
                ):
                    got = _cpu(fn)
                    if key not in best or got[0] < best[key][0]:
                        best[key] = got
                raw = source.load_source(p, spec, entries.rename, entries.options)
                got = _cpu(lambda s=spec, r=raw, e=entries, b=build: b.build_table(s, r, e))
                del raw
                key = (f"{version} build", t)
                if key not in best or got[0] < best[key][0]:
                    best[key] = got
    print(f"machine: {os.cpu_count()} cores; best of {args.rounds} rounds, CPU seconds (load)")
    print(f"{'table':<12}{'plain':>14}{'old':>14}{'new':>14}{'old/plain':>11}{'new/plain':>11}")
    totals = dict.fromkeys(("plain", "old", "new"), 0.0)
    for t in tables:
        cells = {v: best[(v, t)] for v in ("plain", "old", "new")}
        for v, (s, _) in cells.items():
            totals[v] += s
        shown = "".join(f"{s:>7.3f} ({ld:>4.1f})" for s, ld in cells.values())
        print(
            f"{t:<12}{shown}{cells['old'][0] / cells['plain'][0]:>11.2f}"
            f"{cells['new'][0] / cells['plain'][0]:>11.2f}"
        )
    print(
        f"{'all':<12}{totals['plain']:>14.3f}{totals['old']:>14.3f}{totals['new']:>14.3f}"
        f"{totals['old'] / totals['plain']:>11.2f}{totals['new'] / totals['plain']:>11.2f}"
    )
    print("\nbuild_table alone (the readers' work past the raw read), CPU seconds (load)")
    print(f"{'table':<12}{'old':>14}{'new':>14}{'new/old':>9}")
    for t in tables:
        (o, lo), (n, ln) = best[("old build", t)], best[("new build", t)]
        print(f"{t:<12}{o:>7.3f} ({lo:>4.1f}){n:>7.3f} ({ln:>4.1f}){n / o:>9.2f}")


if __name__ == "__main__":
    main()
