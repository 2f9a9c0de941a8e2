"""Policies at scale: load a generated ``policies.toml`` of N payers and resolve claim lines.

For each N, a fresh subprocess writes a ``policies.toml`` of N payers (every other one declares
a payer_type, every third has two aliases, each has ``--periods`` periods on its own dates, so
the boundaries of the timelines are all different), then measures:

- ``load``: ``load_policies(path)`` (TOML parse and validation);
- ``resolve``: ``Policies.resolve`` on ``--lines`` claim lines (payers drawn from the file's
  keys and aliases, plus unknown payers; every payer_type; DOS 2018 to 2026), collected; the
  first call also builds the policy's segment tables;
- ``describe``: ``Policies.describe()`` (the segment table the report shows);
- peak RSS: the subprocess's ``VmHWM``.

A run whose RSS passes ``--budget-mb`` or whose wall time passes ``--timeout`` is stopped and
reported as such. Figures only; nothing is asserted (the tests check behaviour).

    .venv/bin/python benchmarks/policies_scale.py [--payers 100,1000,10000] [--lines 100000]

To measure another checkout (e.g. before a change), extract its ``telekit`` folder and run from
outside the worktree with ``-S`` so that only ``PYTHONPATH`` decides which telekit is imported::

    git archive COMMIT telekit | tar -x -C /tmp/old
    cd /tmp && PYTHONPATH=/tmp/old:WORKTREE/.venv/lib/python3.11/site-packages \
        WORKTREE/.venv/bin/python -S WORKTREE/benchmarks/policies_scale.py
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import datetime as dt, json, random, sys, time
from pathlib import Path
import polars as pl
from telekit._core._columns import CLAIM_LINE_START_DATE, PAYER, PAYER_TYPE, PAYER_TYPES
from telekit._policies._toml import load_policies

n, periods, n_lines, folder = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                               Path(sys.argv[4]))
rng = random.Random(n)
POS = ("02", "02/10", "in_person+95", "none")
out, names = [], []
for i in range(n):
    key = f"PAYER {i:05d}"
    names.append(key)
    out.append(f'[payer."{key}"]')
    if i % 2 == 0:
        out.append(f'payer_type = "{PAYER_TYPES[i % len(PAYER_TYPES)]}"')
    if i % 3 == 0:
        aliases = [f"P{i}", f"PLAN {i}"]
        names.extend(aliases)
        out.append("aliases = [" + ", ".join(f'"{a}"' for a in aliases) + "]")
    out.append(f"timely_filing_days = {30 + i % 300}")
    day = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(0, 400))
    for p in range(periods):
        end = day + dt.timedelta(days=rng.randrange(30, 600))
        out.append(f'[[payer."{key}".periods]]')
        out.append(f"start = {day.isoformat()}")
        if p < periods - 1:
            out.append(f"end = {end.isoformat()}")
        out.append(f'telehealth_pos = "{POS[(i + p) % len(POS)]}"')
        out.append(f"requires_modifier_93 = {'true' if p % 2 else 'false'}")
        day = end + dt.timedelta(days=1)
path = folder / f"policies-{n}.toml"
path.write_text("\n".join(out) + "\n", encoding="utf-8")

names.extend(f"UNKNOWN {j}" for j in range(20))
lines = pl.DataFrame({
    PAYER: [names[rng.randrange(len(names))] for _ in range(n_lines)],
    PAYER_TYPE: [PAYER_TYPES[rng.randrange(len(PAYER_TYPES))] for _ in range(n_lines)],
    CLAIM_LINE_START_DATE: [dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(3300))
                            for _ in range(n_lines)],
})

t = time.perf_counter(); pol = load_policies(path); load_s = time.perf_counter() - t
t = time.perf_counter(); got = pol.resolve(lines); resolve_s = time.perf_counter() - t
t = time.perf_counter(); again = pol.resolve(lines.lazy()).collect()
again_s = time.perf_counter() - t
t = time.perf_counter(); segs = pol.describe(); describe_s = time.perf_counter() - t
assert got.height == n_lines and again.height == n_lines
print(json.dumps({
    "toml_kb": path.stat().st_size / 1024, "load_s": load_s, "resolve_s": resolve_s,
    "resolve_again_s": again_s, "describe_s": describe_s, "segments": segs.height,
    "resolved": int(got["policy_telehealth_pos"].is_not_null().sum()),
}))
"""


def _hwm_mb(pid: int) -> float:
    """The process's peak resident set (``VmHWM``) in MB, 0 when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(n: int, periods: int, lines: int, folder: Path, *, budget_mb: float, timeout: float) -> str:
    flags = ["-S"] if sys.flags.no_site else []  # see "another checkout" above
    argv = [sys.executable, *flags, "-c", CHILD, str(n), str(periods), str(lines), str(folder)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start, peak, stopped = time.perf_counter(), 0.0, ""
    while proc.poll() is None:
        peak = max(peak, _hwm_mb(proc.pid))
        if peak > budget_mb:
            stopped = f"stopped: RSS passed {budget_mb:,.0f} MB"
        elif time.perf_counter() - start > timeout:
            stopped = f"stopped: still running after {timeout:,.0f} s"
        if stopped:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.05)
    wall = time.perf_counter() - start
    out, err = proc.communicate()
    if stopped:
        return f"| {n:,} | {stopped} (after {wall:.1f} s, peak RSS {peak:,.0f} MB) | | | | | | |"
    if proc.returncode != 0:
        return f"| {n:,} | failed: {err.strip().splitlines()[-1]} | | | | | | |"
    r = json.loads(out.strip().splitlines()[-1])
    return (
        f"| {n:,} | {r['toml_kb']:,.0f} | {r['load_s']:.2f} | {r['resolve_s']:.2f} "
        f"| {r['resolve_again_s']:.2f} | {r['describe_s']:.2f} | {r['segments']:,} "
        f"| {peak:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payers", default="100,1000,10000", help="comma-separated N")
    parser.add_argument("--periods", type=int, default=3, help="periods per payer")
    parser.add_argument("--lines", type=int, default=100_000, help="claim lines to resolve")
    parser.add_argument("--budget-mb", type=float, default=4000)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    print(f"{args.lines:,} claim lines, {args.periods} periods per payer; load {os.getloadavg()}")
    print(
        "| payers | TOML KB | load s | resolve s (first) | resolve s (again) | describe s "
        "| segments | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="telekit-policies-") as tmp:
        for n in (int(x.replace("_", "")) for x in args.payers.split(",")):
            line = run(
                n,
                args.periods,
                args.lines,
                Path(tmp),
                budget_mb=args.budget_mb,
                timeout=args.timeout,
            )
            print(line)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
