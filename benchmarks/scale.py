"""Scale: audit 100k, 1M and 10M generated claim lines (all input tables, Parquet) and print tables.

For each size, each run is a fresh subprocess; its peak RSS is its ``VmHWM`` (on Linux
``ru_maxrss`` carries the parent's peak across ``execve``, which inflates small runs); a Dask run
adds its workers' peaks:

- ``read``: the single-process reader (``tk.read_table``) on the four input tables, a folder of
  Parquet parts part by part and each table dropped before the next (10M whole tables do not
  fit in memory): the time it takes to read the inputs, the yardstick of "wall / read";
- ``single``: read + ``tk.audit`` (skipped at 10M: it holds every line and its annotations,
  about 3.4 GB per million lines, more than this machine has);
- ``partitioned``: ``telekit.audit_partitioned`` (bounded memory), with the time
  of its phases (keys and links, split, bucket audits, merge);
- ``distributed``: ``telekit.distributed.audit_distributed`` on a LocalCluster of 2 worker
  processes;
- ``pandas``: ``benchmarks/pandas_rules.py`` (five rules in vectorised pandas), compared with
  telekit's findings for the same five rules;
- ``duckdb``: ``benchmarks/duckdb_rules.py`` (the same five rules in DuckDB SQL, all cores),
  compared the same way; a table puts telekit, DuckDB and pandas side by side.

Findings are compared across engines (partitioned and distributed against single-process where
it runs, distributed against partitioned at 10M). A run whose RSS passes ``--budget-gb`` is
stopped and reported as "did not fit". The load average is printed with every run: the figures
are only comparable on a quiet machine.

    .uv/bin/uv run --frozen python benchmarks/scale.py [--sizes 100k,1m,10m] [--skip ...]

Practices (seed 7, Parquet) are generated once by ``benchmarks/_practice.py`` into
``/tmp/telekit-bench-seed7-size<encounters>`` and reused.
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
from typing import Any

import polars as pl
from _practice import ensure_practice

from telekit.rules import REGISTRY

HERE = Path(__file__).resolve().parent
LINES_PER_ENCOUNTER = 1.333  # a little under what the generator bills (9,997,807 lines for
# 7,497,376 encounters), so that each size is reached
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
RULES = ("CD001", "FQ004", "MD001", "PS002", "TM001")

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
import telekit as tk

d, mode, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
def peak_mb():  # VmHWM: this program's own peak (ru_maxrss keeps the pre-exec parent's)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def path(t):
    return d / f"{t}.parquet" if (d / f"{t}.parquet").exists() else d / t
tables = {t: path(t) for t in ("claims", "encounters", "coverage", "providers")}
rest = {t: tables[t] for t in ("encounters", "coverage", "providers")}
res = {}
t0 = time.perf_counter()
if mode == "read":  # the reader on every input, a Parquet folder part by part (10M: whole
    lines = 0      # tables do not fit); each table is dropped before the next is read
    for t, p in tables.items():
        for part in sorted(p.glob("*.parquet")) if p.is_dir() else [p]:
            table = tk.read_table(t, part)
            lines += table.rows_in if t == "claims" else 0
            del table
    res["read_s"] = time.perf_counter() - t0
    res["lines"] = lines
elif mode == "single":
    read = {t: tk.read_table(t, p) for t, p in tables.items()}
    res["read_s"] = time.perf_counter() - t0
    res["lines"] = read["claims"].rows_in
    if mode == "single":
        t1 = time.perf_counter()
        r = tk.audit(read["claims"], encounters=read["encounters"], coverage=read["coverage"],
                     providers=read["providers"], policies=d / "policies.toml")
        res["audit_s"] = time.perf_counter() - t1
elif mode == "partitioned":
    import threading
    from telekit._scale._partitioned import audit_partitioned
    marks, peaks, done = [], {}, threading.Event()
    def rss_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
        return 0.0
    def sample():  # peak RSS of each phase
        while not done.wait(0.2):
            if marks:
                peaks[marks[-1][0]] = max(peaks.get(marks[-1][0], 0), round(rss_mb()))
    threading.Thread(target=sample, daemon=True).start()
    def note(text):
        phase = text.split(":")[0].split(" ")[0]
        if not marks or marks[-1][0] != phase:
            marks.append((phase, time.perf_counter() - t0))
    r = audit_partitioned(tables["claims"], **rest, policies=d / "policies.toml", progress=note)
    done.set()
    marks.append(("end", time.perf_counter() - t0))
    res["phases"] = {a[0]: round(b[1] - a[1], 1) for a, b in zip(marks, marks[1:])}
    res["phase_peak_rss_mb"] = peaks
    res["buckets"] = r.buckets
elif mode == "distributed":
    from dask.distributed import Client, LocalCluster
    from telekit.distributed import audit_distributed
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    client = Client(cluster)
    t0 = time.perf_counter()
    r = audit_distributed(tables["claims"], **rest, policies=d / "policies.toml", client=client)
    res["buckets"] = r.buckets
    peaks = client.run(peak_mb)
    res["workers_peak_rss_mb"] = sorted(peaks.values())
    res["workers_cpu_s"] = sum(client.run(cpu_s).values())
    client.close(); cluster.close()
elif mode == "cli":  # the command a consultant runs, on the whole folder: every input table,
    import contextlib, io, json as j, re, shutil, tempfile, threading  # remittances
    from telekit._scale import _partitioned  # and payments included
    from telekit._cli import main
    folder = Path(tempfile.mkdtemp(prefix="telekit-cli-"))
    budget = os.environ.get("SCALE_MEMORY_BUDGET")  # --memory-budget of the run, if given
    res["path"] = "partitioned" if _partitioned.should_partition(
        path("claims"), memory_budget=_partitioned.parse_memory_budget(budget) if budget else None
    ) else "single"
    # per stage: the CLI's progress-bar stages and, inside the bounded audit, its progress texts
    # (digits dropped: "auditing bucket 3 of 40 (...)" is one stage), each with its peak RSS
    marks, peaks, done = [("start", 0.0)], {}, threading.Event()
    def rss_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
        return 0.0
    def sample():
        while not done.wait(0.2):
            peaks[marks[-1][0]] = max(peaks.get(marks[-1][0], 0), round(rss_mb()))
    threading.Thread(target=sample, daemon=True).start()
    def mark(label):
        if marks[-1][0] != label:
            marks.append((label, time.perf_counter() - t0))
    def note(text):
        label = re.sub(r" \(.*|\d[\d,]*( of \d+)?", "", text.split(":")[0]).strip()
        mark("audit: " + label)
    _partitioned.status_callback = lambda progress: note
    from telekit._core import _progress
    step = _progress.Progress.step
    def stepped(self, label, **kw):  # the CLI's own stages (reading, auditing, writing ...)
        mark(label)
        return step(self, label, **kw)
    _progress.Progress.step = stepped
    with contextlib.redirect_stdout(io.StringIO()):
        res["exit"] = main(["audit", str(d), "--out", str(folder)]
                           + (["--memory-budget", budget] if budget else []))
    res["wall_s"] = time.perf_counter() - t0
    done.set()
    marks.append(("end", res["wall_s"]))
    stages = {}
    for a, b in zip(marks, marks[1:]):  # a stage met twice (reading remittances) is summed
        stages[a[0]] = round(stages.get(a[0], 0) + b[1] - a[1], 2)
    res["stages"], res["stage_peak_rss_mb"] = stages, peaks
    res["peak_rss_mb"] = peak_mb()
    shutil.copy(folder / "findings.parquet", out)
    summary = j.loads((folder / "summary.json").read_text())
    res["rows_in"] = {t: v["rows_in"] for t, v in summary["tables"].items()}
    res["lines"] = res["rows_in"]["claims"]
    res["findings"] = summary["findings"]["total"]
    shutil.rmtree(folder)
res["wall_s"] = res.get("wall_s", time.perf_counter() - t0)
if mode not in ("read", "cli"):
    r.findings.write_parquet(out)
    res["findings"] = r.findings.height
    res["lines"] = int(r.accounting.filter(r.accounting["table"] == "claims")["rows_in"][0])
res["peak_rss_mb"] = res.get("peak_rss_mb", peak_mb())
res["cpu_s"] = cpu_s() + res.get("workers_cpu_s", 0)
print(json.dumps(res))
"""


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = f"Python {sys.version.split()[0]}, polars {pl.__version__}"
    return f"{model}; {os.cpu_count()} cores; {mem_kb / 2**20:.1f} GiB RAM; {versions}"


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(argv: list[str], budget_mb: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a child (``env`` added to this environment); stop it (and report "did not fit") when
    its RSS passes the budget."""
    load_before = os.getloadavg()[0]
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, **env} if env else None,
    )
    over = False
    while proc.poll() is None:
        if _rss_mb(proc.pid) > budget_mb:
            over = True
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    load = {"load_before": load_before, "load_after": os.getloadavg()[0]}
    if over:
        return {"error": f"did not fit (RSS over {budget_mb / 1024:.0f} GB)", **load}
    if proc.returncode != 0:
        tail = stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"failed: {tail[0][:120]}", **load}
    return {**json.loads(stdout.strip().splitlines()[-1]), **load}


def same(a: Path, b: Path) -> str:
    if not (a.exists() and b.exists()):
        return "n/a"
    return "equal" if pl.read_parquet(a).equals(pl.read_parquet(b)) else "DIFFERENT"


def _fmt(x: Any, spec: str = ",.1f") -> str:
    return format(x, spec) if isinstance(x, int | float) else str(x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1m,10m")
    ap.add_argument("--skip", default="", help="comma list of runs to skip (e.g. distributed)")
    ap.add_argument("--only", default="", help="comma list of the only runs to do (e.g. read)")
    ap.add_argument("--budget-gb", type=float, default=16.0, help="RSS at which a run is stopped")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "telekit-scale")
    ap.add_argument(
        "--cli-memory-budget",
        default="",
        help="SIZE=BUDGET,... : the cli run's --memory-budget per size (e.g. 1m=300MB forces the "
        "bounded path at 1M, for per-stage growth against 10M)",
    )
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    cli_budgets = dict(b.split("=", 1) for b in filter(None, args.cli_memory_budget.split(",")))
    budget = args.budget_gb * 1024
    print(f"machine: {machine()}")
    rows = []
    for size in args.sizes.split(","):
        d = ensure_practice(7, round(SIZES[size] / LINES_PER_ENCOUNTER))
        found = {
            m: args.out / f"{size}-{m}.parquet"
            for m in ("single", "partitioned", "distributed", "cli")
        }
        res: dict[str, dict[str, Any]] = {}
        modes = ["read", "partitioned", "distributed", "cli"]
        if size != "10m":
            modes.insert(1, "single")
        only = set(filter(None, args.only.split(",")))
        for mode in modes:
            if mode in skip or (only and mode not in only):
                continue
            if mode in found:
                found[mode].unlink(missing_ok=True)
            res[mode] = run(
                [sys.executable, "-c", CHILD, str(d), mode, str(found.get(mode, "-"))],
                budget,
                env={"SCALE_MEMORY_BUDGET": cli_budgets[size]} if size in cli_budgets else None,
            )
            print(f"  {size} {mode}: {json.dumps(res[mode])}", flush=True)
        reference = next(
            (found[m] for m in ("single", "partitioned", "cli") if found[m].exists()),
            found["partitioned"],
        )  # the peers' findings are compared with telekit's
        for peer in ("pandas", "duckdb"):
            if peer in skip or (only and peer not in only):
                continue
            script = str(HERE / f"{peer}_rules.py")
            res[peer] = run([sys.executable, script, str(d), "--compare", str(reference)], budget)
            print(f"  {size} {peer}: {json.dumps(res[peer])}", flush=True)
        rows.append((size, res, found, d))

    report(rows)
    side_by_side(rows)


def table(header: list[str], body: list[list[str]]) -> None:
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in body:
        print("| " + " | ".join(row) + " |")


def truth(found: Path, d: Path) -> str:
    """Whether the findings are exactly the generator's ground truth (claim line, rule)."""
    if not (found.exists() and (d / "ground_truth.csv").exists()):
        return "n/a"
    key = ["claim_id", "claim_line_number", "rule_code"]
    got = pl.read_parquet(found, columns=key).with_columns(pl.col(key[1]).cast(pl.String))
    want = pl.read_csv(d / "ground_truth.csv", infer_schema=False).select(key)
    extra, missing = got.join(want, on=key, how="anti"), want.join(got, on=key, how="anti")
    if extra.height == missing.height == 0:
        return f"equal ({want.height:,})"
    return f"DIFFERENT: {extra.height} not in the truth, {missing.height} missed"


Row = tuple[str, dict[str, dict[str, Any]], dict[str, Path], Path]


def _five(found: Path) -> pl.DataFrame:
    """The findings of the five rules the peers write (claim line, rule)."""
    return (
        pl.scan_parquet(found)
        .filter(pl.col("rule_code").is_in(RULES))
        .select("claim_id", "claim_line_number", "rule_code")
        .unique()
        .collect()
    )


def side_by_side(rows: list[Row]) -> None:
    """telekit, DuckDB and pandas on the same inputs: wall, peak RSS, the five rules' findings."""
    body = []
    for size, res, found, _ in rows:
        reference = next(
            (found[m] for m in ("single", "partitioned", "cli") if found[m].exists()),
            found["partitioned"],
        )
        want = _five(reference) if reference.exists() else None
        engine = "single" if "single" in res else "partitioned"
        names = {
            "single": "telekit read + tk.audit",
            "partitioned": "telekit audit_partitioned",
            "cli": "`telekit audit DIR --out OUT`",
        }
        for mode in (engine, "cli"):
            r, name = res.get(mode), names[mode]
            if r is None or "error" in r or not found[mode].exists():
                continue
            mine = _five(found[mode])
            wall = r["read_s"] + r["audit_s"] if mode == "single" else r["wall_s"]
            if found[mode] == reference:
                equal = "yes (the reference)"
            elif want is None:
                equal = "n/a"
            else:
                key = mine.columns
                differ = mine.join(want, on=key, how="anti").height
                differ += want.join(mine, on=key, how="anti").height
                equal = "yes" if differ == 0 else f"NO ({differ} differ)"
            body.append(
                [size, f"{name} (all {len(REGISTRY)} rules)", f"{wall:,.1f}",
                 f"{r['peak_rss_mb']:,.0f}", f"{mine.height:,}", equal,
                 f"{r['load_before']:.1f} to {r['load_after']:.1f}"]
            )  # fmt: skip
        for peer in ("duckdb", "pandas"):
            r = res.get(peer)
            if r is None:
                continue
            name = "DuckDB" if peer == "duckdb" else "pandas"
            if "error" in r:
                body.append([size, name, r["error"], "", "", "", ""])
                continue
            if "threads" in r:
                name = f"DuckDB {r['engine'].split()[-1]}, {r['threads']} threads"
            wall = r.get("load_s", r.get("read_s", 0.0)) + r["rules_s"]
            equal = "yes" if r.get("match") else "NO"
            if not r.get("match"):
                only = r.get(f"only_{peer}")
                equal += f" (only {peer} {only}, only telekit {r.get('only_telekit')})"
            body.append(
                [size, name, f"{wall:,.1f}", f"{r['peak_rss_mb']:,.0f}",
                 f"{sum(r['findings'].values()):,}", equal,
                 f"{r['load_before']:.1f} to {r['load_after']:.1f}"]
            )  # fmt: skip
    print()
    print(
        f"telekit, DuckDB and pandas side by side. telekit runs all {len(REGISTRY)} rules of the "
        "catalog (`telekit audit` on every input table, and it writes every output: findings in "
        "three formats, report.html, summary); "
        "DuckDB and pandas run the five rules CD001, PS002, MD001, TM001 and FQ004 on claims "
        "and encounters. "
        "Wall: from reading the inputs to the findings (interpreter start-up and imports left "
        "out); peak RSS: the process's VmHWM; findings: the five rules' findings; equal: the same "
        "set of (claim_id, claim_line_number, rule_code) as telekit's single-process audit "
        "(partitioned where single does not run)."
    )
    table(
        ["size", "engine", "wall s", "peak RSS MB", "findings (5 rules)",
         "equal to telekit's", "load avg"],
        body,
    )  # fmt: skip


def report(rows: list[Row]) -> None:
    runs = []
    for size, res, _, _ in rows:
        read = res.get("read", {})
        for mode in ("single", "partitioned", "distributed"):
            r = res.get(mode)
            if r is None:
                continue
            if "error" in r:
                runs.append([size, "", mode, r["error"], "", "", "", "", "", ""])
                continue
            lines = r["lines"]
            wall = r["wall_s"] if mode != "single" else r["read_s"] + r["audit_s"]
            peak = r["peak_rss_mb"] + sum(r.get("workers_peak_rss_mb", []))
            ratio = _fmt(wall / read["read_s"]) if "read_s" in read else ""
            cpu = r.get("cpu_s")
            runs.append(
                [size, f"{lines:,}", mode, f"{wall:,.1f}", _fmt(cpu), f"{peak:,.0f}",
                 f"{wall / lines * 1e6:,.1f}", _fmt(cpu / lines * 1e6 if cpu else ""), ratio,
                 f"{r['load_before']:.1f} to {r['load_after']:.1f}"]
            )  # fmt: skip
    table(
        ["size", "claim lines", "run", "wall s", "CPU s", "peak RSS MB", "wall s per 1M lines",
         "CPU s per 1M lines", "wall / read", "load avg"],
        runs,
    )  # fmt: skip
    reads = [
        [size, _fmt(res["read"].get("read_s", res["read"].get("error"))),
         _fmt(res["read"].get("cpu_s", "")), _fmt(res["read"].get("peak_rss_mb", ""), ",.0f")]
        for size, res, _, _ in rows
        if "read" in res
    ]  # fmt: skip
    table(["size", "read s (tk.read_table, 4 tables)", "read CPU s", "read peak RSS MB"], reads)
    detail = []
    for size, res, found, _ in rows:
        p, dd = res.get("partitioned", {}), res.get("distributed", {})
        reference = found["single"] if found["single"].exists() else found["partitioned"]
        detail.append(
            [size, str(p.get("phases", p.get("error", ""))), str(p.get("phase_peak_rss_mb", "")),
             str(p.get("buckets", "")),
             str(dd.get("workers_peak_rss_mb", dd.get("error", ""))),
             _fmt(p.get("findings", ""), ","),
             same(found["partitioned"], found["single"]), same(found["distributed"], reference)]
        )  # fmt: skip
    table(
        ["size", "partitioned phases s", "phase peak RSS MB", "buckets", "Dask workers peak MB",
         "findings", "partitioned = single", "distributed = single (10M: = partitioned)"],
        detail,
    )  # fmt: skip
    pandas = []
    for size, res, _, _ in rows:
        r = res.get("pandas")
        if r is None:
            continue
        if "error" in r:
            pandas.append([size, r["error"], "", "", "", ""])
            continue
        match = "yes" if r.get("match") else "NO"
        pandas.append(
            [size, f"{r['read_s']:.1f}", f"{r['rules_s']:.1f}", _fmt(r.get("cpu_s", "")),
             f"{r['peak_rss_mb']:,.0f}",
             f"{match} ({r.get('telekit_findings')} telekit findings; only pandas "
             f"{r.get('only_pandas')}, only telekit {r.get('only_telekit')})"]
        )  # fmt: skip
    table(
        ["size", "pandas read s", "pandas 5 rules s", "pandas CPU s", "pandas peak RSS MB",
         "same findings as telekit (5 rules)"],
        pandas,
    )  # fmt: skip
    cli = []
    for size, res, found, d in rows:
        r = res.get("cli")
        if r is None:
            continue
        if "error" in r:
            cli.append([size, r["error"], "", "", "", "", "", "", ""])
            continue
        rows_in = ", ".join(f"{t} {n:,}" for t, n in r["rows_in"].items())
        cli.append(
            [size, r["path"], rows_in, f"{r['wall_s']:,.1f}", _fmt(r["cpu_s"]),
             f"{r['peak_rss_mb']:,.0f}", str(r["exit"]), _fmt(r["findings"], ","),
             truth(found["cli"], d)]
        )  # fmt: skip
    table(
        ["size", "path", "rows in", "wall s", "CPU s", "peak RSS MB", "exit", "findings",
         "findings = the generator's ground truth"],
        cli,
    )  # fmt: skip
    stages_growth(rows)


def stages_growth(rows: list[Row]) -> None:
    """The CLI runs' stages side by side: seconds and peak RSS per stage at each size, and each
    stage's growth from the smallest size to the next (linear growth: about the lines' ratio)."""
    runs = [(size, res["cli"]) for size, res, _, _ in rows if "stages" in res.get("cli", {})]
    if not runs:
        return
    labels = list(dict.fromkeys(k for _, r in runs for k in r["stages"]))
    header = ["stage"]
    for size, r in runs:
        header += [f"{size} ({r['path']}) s", f"{size} peak RSS MB"]
    base_size, base = runs[0]
    header += [f"growth vs {base_size} (lines x{r['lines'] / base['lines']:.1f})"
               for _, r in runs[1:]]  # fmt: skip
    body = []
    for label in labels:
        row = [label]
        for _, r in runs:
            row += [
                _fmt(r["stages"].get(label, ""), ",.2f"),
                _fmt(r["stage_peak_rss_mb"].get(label, ""), ",.0f"),
            ]
        for _, r in runs[1:]:
            a, b = base["stages"].get(label), r["stages"].get(label)
            row.append(f"x{b / a:.1f}" if a and b and a >= 0.05 else "")
        body.append(row)
    body.append(["total (wall)"] + [x for _, r in runs for x in (_fmt(r["wall_s"]),
                _fmt(r["peak_rss_mb"], ",.0f"))] + [f"x{r['wall_s'] / base['wall_s']:.1f}"
                for _, r in runs[1:]])  # fmt: skip
    table(header, body)


if __name__ == "__main__":
    main()
