"""Audit about 1,000,000 generated claim lines with every input table in Parquet.

Prints the audit's wall time, its peak memory (RSS of a fresh process), how many rules ran, and the
ratio of the audit's time to reading the same input tables. Targets on a 2-core machine: under 10 s,
under 4 GB, ratio under 30.

    .uv/bin/uv run --frozen python benchmarks/audit_1m.py [--lines 1000000] [--dir DIR]

The practice is generated once into DIR (default: a folder under the system temp dir) and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from _practice import ensure_practice

TABLES = ("claims", "encounters", "coverage", "providers")

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import telekit as tk

d = Path(sys.argv[1]); mode = sys.argv[2]
def path(t):
    return d / f"{t}.parquet" if (d / f"{t}.parquet").exists() else d / t
t0 = time.perf_counter()
tables = {t: tk.read_table(t, path(t)) for t in ("claims", "encounters", "coverage", "providers")}
read_s = time.perf_counter() - t0
out = {"read_s": read_s, "lines": tables["claims"].data.height}
if mode == "audit":
    t1 = time.perf_counter()
    r = tk.audit(tables["claims"], encounters=tables["encounters"], coverage=tables["coverage"],
                 providers=tables["providers"], policies=d / "policies.toml")
    out["audit_s"] = time.perf_counter() - t1
    out["rules_ran"] = r.rules.filter(r.rules["status"] != "skipped").height
    out["rules"] = r.rules.height
    out["findings"] = r.findings.height
# VmHWM is this process's own peak (ru_maxrss carries the parent's peak across exec on Linux)
status = Path("/proc/self/status")
if status.exists():
    hwm = next(l for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
    out["peak_rss_mb"] = int(hwm.split()[1]) / 1024
else:
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(directory: Path, mode: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(directory), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="default: one folder per size")
    args = ap.parse_args()
    encounters = int(args.lines / 1.30)  # the practice bills about 1.3 lines per encounter
    directory = ensure_practice(1, encounters, args.dir)
    read = min((run(directory, "read") for _ in range(2)), key=lambda r: r["read_s"])
    audit = min((run(directory, "audit") for _ in range(2)), key=lambda r: r["audit_s"])
    ratio = audit["audit_s"] / read["read_s"]
    print(f"machine: {os.cpu_count()} cores")
    print(f"claim lines          {audit['lines']:>12,}")
    print(f"read inputs (s)      {read['read_s']:>12.2f}")
    print(f"audit (s)            {audit['audit_s']:>12.2f}   target < 10")
    print(f"peak RSS (MB)        {audit['peak_rss_mb']:>12,.0f}   target < 4,096 (read + audit)")
    print(f"rules run            {audit['rules_ran']:>12} of {audit['rules']}")
    print(f"findings             {audit['findings']:>12,}")
    print(f"audit / read ratio   {ratio:>12.1f}   target < 30")


if __name__ == "__main__":
    main()
