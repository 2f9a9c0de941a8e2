"""A/B of the audit's window preparations and rule groups in one process, in CPU seconds.

For each version (an old telekit, a directory holding its ``telekit`` package, and this one,
alternated as in ``audit_ab.py``), the audit runs up to the rules on the practice (the annotated
lines and inputs are captured where ``run`` is called), then each window preparation the active
rules read is collected on its own (its new columns, as ``prepare_windows`` does) and each rule
group's flags are computed on the prepared frame, several times: the best CPU seconds
(``time.process_time``) of each, with the load average.

    .venv/bin/python benchmarks/windows_ab.py --old /tmp/base [--dir DIR] [--rounds 3] [--only NAME]
        [--engine auto|in-memory|streaming]

``--engine`` is the polars engine each preparation's plan is collected with (``prepare_windows``
collects with the default, ``auto``; a preparation's own inner collects keep theirs).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import time
from pathlib import Path
from typing import Any

from _ab import arguments, roots, use

TABLES = ("claims", "encounters", "coverage", "providers")


class _CapturedError(Exception):
    """Raised where ``run`` is called, once the lines and inputs are captured."""


def _capture(root: str, d: Path) -> tuple[Any, Any, Any, Any]:
    tk = use(root)
    audit_mod = importlib.import_module("telekit._audit")
    assert Path(tk.__file__).is_relative_to(root), tk.__file__
    tables = {t: tk.read_table(t, d / f"{t}.parquet") for t in TABLES}
    box: dict[str, Any] = {}

    def grab(lines: Any, inputs: Any, rules: Any) -> Any:
        box.update(lines=lines, inputs=inputs, rules=rules)
        raise _CapturedError

    audit_mod.run = grab
    with contextlib.suppress(_CapturedError):
        tk.audit(
            tables["claims"],
            encounters=tables["encounters"],
            coverage=tables["coverage"],
            providers=tables["providers"],
            policies=d / "policies.toml",
        )
    run_mod = importlib.import_module("telekit._engine._run")
    return box["lines"], box["inputs"], box["rules"], run_mod


def _cpu(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        best = min(best, time.process_time() - c0)
    return best


def _measure(
    root: str, d: Path, repeat: int, only: str | None, engine: str = "auto"
) -> dict[str, float]:
    lines, inputs, rules, run_mod = _capture(root, d)
    given = run_mod.given_status
    active = [rules[code] for code in sorted(rules) if given(rules[code], inputs).active]
    out: dict[str, float] = {}
    needed = sorted({p for r in active for p in r.prepare}, key=lambda p: p.__name__)
    df = lines.sort(run_mod.ROW)
    for prep in needed:
        name = f"window {prep.__name__}"
        if only is None or only in name:

            def once(prep: Any = prep, df: Any = df) -> None:
                prepared = prep(df.lazy(), inputs)
                new = [col for col in prepared.collect_schema().names() if col not in df.columns]
                prepared.select(run_mod.ROW, *new).collect(engine=engine).sort(run_mod.ROW)

            out[name] = _cpu(once, repeat)
    prepared = run_mod.prepare_windows(lines, inputs, active)
    groups: dict[str, list[Any]] = {}
    for r in active:
        expr = r.expr().fill_null(False)
        groups.setdefault(r.group, []).append(expr.alias(f"flag_{r.code}"))
    for group in sorted(groups):
        name = f"rules {group}"
        if only is None or only in name:
            out[name] = _cpu(lambda g=groups[group]: prepared.select(g), repeat)
    for r in active:
        name = f"rule {r.code}"
        if only is not None and only in name:
            out[name] = _cpu(lambda r=r: prepared.select(r.expr().fill_null(False)), repeat)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments(ap)
    ap.add_argument("--rounds", type=int, default=1, help="old/new alternations")
    ap.add_argument("--repeat", type=int, default=3, help="timings of each part per round")
    ap.add_argument("--only", help="time only the windows / rule groups whose name holds this")
    ap.add_argument("--new-only", action="store_true", help="skip the old version")
    ap.add_argument(
        "--engine",
        default="auto",
        choices=("auto", "in-memory", "streaming"),
        help="the polars engine each preparation is collected with",
    )
    args = ap.parse_args()
    new = str(Path(__file__).resolve().parents[1])
    old = str(Path(args.old).resolve())
    roots(old, new)
    best: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    versions = (("new", new),) if args.new_only else (("old", old), ("new", new))
    for i in range(args.rounds):
        for label, root in versions:
            load = os.getloadavg()[0]
            got = _measure(root, args.dir, args.repeat, args.only, args.engine)
            for k, v in got.items():
                best[label][k] = min(best[label].get(k, float("inf")), v)
            print(f"round {i + 1} {label} done (load {load:.1f})", flush=True)
    names = sorted(set(best["old"]) | set(best["new"]), key=lambda n: -best["new"].get(n, 0))
    print(f"\n{'part (best CPU s)':<40} {'old':>7} {'new':>7}   load {os.getloadavg()}")
    for n in names:
        print(f"{n:<40} {best['old'].get(n, 0):>7.2f} {best['new'].get(n, 0):>7.2f}")
    print(f"{'sum':<40} {sum(best['old'].values()):>7.2f} {sum(best['new'].values()):>7.2f}")


if __name__ == "__main__":
    main()
