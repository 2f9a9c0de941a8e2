"""Revenue-cycle metrics on about 1,000,000 generated claim lines with their remittances.

Prints the seconds each metric takes (wall, best of ``--repeat`` runs; CPU seconds of all
threads; and the ratio to reading the tables, which stays meaningful on a busy machine) after the
tables are read from Parquet: ``revenue_cycle`` with ``by=None`` and ``by=["month", "payer"]``,
``denials``, ``telehealth_mix``, and ``underpayment``. Target on a 2-core machine: each within
seconds.

    .uv/bin/uv run --frozen python benchmarks/metrics_1m.py [--lines 1000000] [--dir DIR]

The practice is generated once into DIR (default: a folder under the system temp dir, shared
with ``audit_1m.py``) and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import polars as pl
from _practice import ensure_practice


def _path(directory: Path, table: str) -> Path:
    single = directory / f"{table}.parquet"
    return single if single.exists() else directory / table


def _best(fn: Callable[[], pl.DataFrame], repeat: int) -> tuple[float, float, pl.DataFrame]:
    """Best wall seconds, the CPU seconds of that run, and the result."""
    best, cpu, out = float("inf"), 0.0, pl.DataFrame()
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall = time.perf_counter() - t
        if wall < best:
            best, cpu = wall, time.process_time() - c
    return best, cpu, out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="default: one folder per size")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    import telekit as tk
    from telekit import metrics

    encounters = int(args.lines / 1.30)  # the practice bills about 1.3 lines per encounter
    directory = ensure_practice(1, encounters, args.dir)
    as_of = tomllib.loads((directory / "sample.toml").read_text())["as_of"]
    assert isinstance(as_of, dt.date)

    t = time.perf_counter()
    claims = tk.read_claims(_path(directory, "claims"))
    remits = tk.read_remittances(_path(directory, "remittances"))
    payments = tk.read_patient_payments(_path(directory, "patient_payments"))
    encounters_t = tk.read_encounters(_path(directory, "encounters"))
    policies = tk.load_policies(directory / "policies.toml")
    fees = tk.load_expected_fees(directory / "expected_fees.toml", policies=policies)
    read_s = time.perf_counter() - t

    runs: dict[str, Callable[[], pl.DataFrame]] = {
        "revenue_cycle(by=None)": lambda: metrics.revenue_cycle(
            claims, remits, as_of=as_of, patient_payments=payments
        ),
        'revenue_cycle(by=["month", "payer"])': lambda: metrics.revenue_cycle(
            claims, remits, as_of=as_of, by=["month", "payer"], patient_payments=payments
        ),
        "denials": lambda: metrics.denials(claims, remits, as_of=as_of),
        "telehealth_mix(by='month')": lambda: metrics.telehealth_mix(claims, encounters_t),
        "underpayment": lambda: metrics.underpayment(claims, remits, fees, policies=policies),
    }
    print(f"machine: {os.cpu_count()} cores")
    print(f"claim lines          {claims.data.height:>12,}")
    print(f"remittance lines     {remits.lines.height:>12,}")
    print(f"adjustments          {remits.adjustments.height:>12,}")
    print(f"read (Parquet)       {read_s:>12.2f} s")
    print(f"{'metric':<38} {'wall s':>7} {'cpu s':>7} {'x read':>7}")
    for name, fn in runs.items():
        seconds, cpu, out = _best(fn, args.repeat)
        ratio = seconds / read_s
        print(f"{name:<38} {seconds:>7.2f} {cpu:>7.2f} {ratio:>7.2f}  ({out.height:,} rows)")


if __name__ == "__main__":
    main()
