"""A/B of ``tk.audit`` in one process: an old telekit (a directory holding its ``telekit``
package, e.g. ``git archive BASE telekit | tar -x -C /tmp/base``) against this one, alternated.

Each round imports one version afresh (every ``telekit`` module dropped from ``sys.modules``
first, so each audit pays its own cold caches, as a CLI run does), reads the four tables and
runs ``tk.audit`` twice: once plain (wall and CPU seconds, ``time.process_time``), once with the
private timing hook on (seconds per stage, window preparation and rule group). Prints the best
plain figures of each version, their ratio, and the profiled stages side by side. Figures on a
shared machine are noisy: they print with the load average.

    .venv/bin/python benchmarks/audit_ab.py --old /tmp/base [--dir DIR] [--rounds 2]
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from pathlib import Path
from typing import Any

from _ab import arguments, roots, use

TABLES = ("claims", "encounters", "coverage", "providers")
STAGES = (
    ("prepare (policies onto lines)", "prepare", False),
    ("annotate", "annotate", True),
    ("pricing", "price_lines", False),
    ("findings reshape", "findings_of", False),
)


def _audit_once(root: str, d: Path, *, profile: bool) -> dict[str, Any]:
    tk = use(root)
    audit_mod = importlib.import_module("telekit._audit")
    tm = importlib.import_module("telekit._engine._timing")
    assert Path(tk.__file__).is_relative_to(root), tk.__file__
    tables = {t: tk.read_table(t, d / f"{t}.parquet") for t in TABLES}
    if profile:
        for name, attr, collect in STAGES:
            fn = getattr(audit_mod, attr)

            def wrapped(
                *a: Any, _fn: Any = fn, _n: str = name, _c: bool = collect, **k: Any
            ) -> Any:
                with tm.timed(_n):
                    out = _fn(*a, **k)
                    return out.collect().lazy() if _c else out

            setattr(audit_mod, attr, wrapped)
        tm.enable()
    tm.reset()
    load = os.getloadavg()[0]
    w0, c0 = time.perf_counter(), time.process_time()
    r = tk.audit(
        tables["claims"],
        encounters=tables["encounters"],
        coverage=tables["coverage"],
        providers=tables["providers"],
        policies=d / "policies.toml",
    )
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    tm.enable(False)
    return {
        "wall": wall,
        "cpu": cpu,
        "load": load,
        "findings": r.findings.height,
        "timings": dict(tm.TIMINGS),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments(ap)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    new = str(Path(__file__).resolve().parents[1])
    old = str(Path(args.old).resolve())
    roots(old, new)
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    profiled: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    for i in range(args.rounds):
        for label, root in (("old", old), ("new", new)):
            r = _audit_once(root, args.dir, profile=False)
            runs[label].append(r)
            print(
                f"round {i + 1} {label}: wall {r['wall']:.2f} s, cpu {r['cpu']:.2f} s, "
                f"load {r['load']:.1f}, findings {r['findings']:,}",
                flush=True,
            )
    for label, root in (("old", old), ("new", new)):
        p = _audit_once(root, args.dir, profile=True)
        profiled[label] = p["timings"]
        print(f"profiled {label}: wall {p['wall']:.2f} s, load {p['load']:.1f}", flush=True)
    best = {k: min(v, key=lambda r: r["wall"]) for k, v in runs.items()}
    print(
        f"\nbest wall: old {best['old']['wall']:.2f} s, new {best['new']['wall']:.2f} s "
        f"({best['old']['wall'] / best['new']['wall']:.2f}x)"
    )
    cpu = {k: min(r["cpu"] for r in v) for k, v in runs.items()}
    print(
        f"best cpu:  old {cpu['old']:.2f} s, new {cpu['new']:.2f} s "
        f"({cpu['old'] / cpu['new']:.2f}x)"
    )
    print(f"load average now {os.getloadavg()}")
    names = sorted(
        set(profiled["old"]) | set(profiled["new"]), key=lambda n: -profiled["old"].get(n, 0)
    )
    print(f"\n{'stage (profiled, wall s)':<40} {'old':>7} {'new':>7}")
    for n in names:
        print(f"{n:<40} {profiled['old'].get(n, 0):>7.2f} {profiled['new'].get(n, 0):>7.2f}")


if __name__ == "__main__":
    main()
