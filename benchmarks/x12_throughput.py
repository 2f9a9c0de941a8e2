"""X12 throughput: telekit's tokenizer and 837P reader beside pyx12's validation of the same file.

The compared file is a generated practice's 837P (``telekit.sample.write``: ``x12/claims.837``,
about 5 MB at ``--size 11000`` encounters, unique claims; ``--synthetic`` uses the synthetic
generator below instead: telehealth visits, POS 02/10, modifiers 95/93, dependants and corrected
claims with REF*F8). It prints segments/s and MB/s for

- ``telekit.x12.iter_segments`` (tokenizing only),
- ``telekit.x12.read_837p`` (claim lines with the CSV reader's coercion and rejects),
- ``telekit.read_claims`` (what a user calls: the file recognised by content, then read_837p),
- pyx12's ``x12n_document`` validation (the ``bench`` dependency group),

and the ratio pyx12 time / ``read_claims`` time (target: at least 100; telekit's time is the best
of ``--repeat`` warm runs, each after a garbage collection, pyx12's a single run), wall and CPU
(``time.process_time``), with the load average (the machine is shared: wall figures taken under
load are noisy, CPU ones less so). The first ``read_claims`` call of the process is timed and
printed apart (what a one-off CLI run pays), before the warm runs. ``--big`` also writes a
synthetic 837P of about 500 MB to a temporary directory and reads it with ``read_837p`` and
with ``read_claims``, each in a fresh process, printing its time and peak memory (the goal:
under 2 GB); ``--big-files N`` also splits the same volume into a folder of N 837Ps and reads
the folder with ``read_claims`` (file by file through the batch reader: the peak should not grow
with the number of files).

    .uv/bin/uv run --frozen --group bench python benchmarks/x12_throughput.py [--big]
"""

from __future__ import annotations

import argparse
import gc
import io
import logging
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from _ab import load

T = TypeVar("T")
MB = 1 << 20
ISA = (
    "ISA*00*          *00*          *ZZ*TELEKITBENCH   *ZZ*CLEARINGHOUSE  "
    "*240110*0930*^*00501*{icn:09d}*0*T*:~\n"
)
CODES = [("99213", "95"), ("99214", "95"), ("99443", "93"), ("90834", "95"), ("99212", "")]
CODES += [("90837", "95"), ("99214", "93"), ("G2012", ""), ("99453", ""), ("98006", "95")]
DX = ["F329", "F419", "Z733", "G4700", "F909", "E119", "I10", "J069", "R05", "M545"]
PAYERS = [("MB", "MCRB01"), ("16", "MA0001"), ("MC", "MCD01"), ("CI", "60054"), ("BL", "BCBS1")]


def _claims(rng: random.Random, start: int, count: int) -> Iterator[str]:
    """``count`` claims with their subscriber loops (one HL 22, sometimes an HL 23 dependant)."""
    hl = 1
    for k in range(start, start + count):
        sbr09, payer = PAYERS[k % len(PAYERS)]
        member = f"M{k:09d}"
        dependant = k % 4 == 0
        hl += 1
        sub = hl
        parts = [
            f"HL*{sub}*1*22*{int(dependant)}~\n",
            f"SBR*P*{'' if dependant else '18'}*GRP{k % 97:03d}******{sbr09}~\n",
            f"NM1*IL*1*SUBSCRIBER*NAME{k % 1000}****MI*{member}~\n",
            "N3*1 MAIN ST~\nN4*ALBANY*NY*12207~\n",
            f"DMG*D8*19{50 + k % 40:02d}0{1 + k % 9}1{k % 9}*F~\n",
            f"NM1*PR*2*PAYER {payer}*****PI*{payer}~\n",
        ]
        if dependant:
            hl += 1
            parts.append(f"HL*{hl}*{sub}*23*0~\nPAT*19~\nNM1*QC*1*CHILD*NAME{k % 7}~\n")
            parts.append("N3*1 MAIN ST~\nN4*ALBANY*NY*12207~\n")
            parts.append(f"DMG*D8*20{10 + k % 9}0{1 + k % 9}15*M~\n")
        n_lines = 1 + rng.randrange(3)
        lines = [CODES[rng.randrange(len(CODES))] for _ in range(n_lines)]
        charges = [rng.randrange(40, 300) for _ in range(n_lines)]
        pos = "02" if k % 3 else "10"
        frequency = "7" if k % 50 == 0 else "1"
        day = 1 + k % 28
        parts.append(f"CLM*C{k:010d}*{sum(charges)}***{pos}:B:{frequency}*Y*A*Y*Y~\n")
        if frequency == "7":
            parts.append(f"REF*F8*ICN{k:012d}~\n")
        dx = [DX[(k + i) % len(DX)] for i in range(1 + k % 3)]
        parts.append("HI*" + "*".join(("ABK:" if i == 0 else "ABF:") + d for i, d in enumerate(dx)))
        parts.append("~\nNM1*82*1*RENDERING*DOC****XX*1497758544~\nPRV*PE*PXC*207Q00000X~\n")
        for i, ((code, modifier), charge) in enumerate(zip(lines, charges, strict=True), 1):
            sv101 = f"HC:{code}:{modifier}" if modifier else f"HC:{code}"
            pointers = ":".join(str(p) for p in range(1, len(dx) + 1))
            parts.append(f"LX*{i}~\nSV1*{sv101}*{charge}*UN*1***{pointers}~\n")
            parts.append(f"DTP*472*D8*2024{1 + k % 12:02d}{day:02d}~\nREF*6R*L{k:010d}{i}~\n")
        yield "".join(parts)


def write_837p(
    path: Path, target_bytes: int, *, claims_per_st: int = 500, first_claim: int = 0
) -> int:
    """Write an 837P of about ``target_bytes``; return the number of segments. Claim ids
    start at ``first_claim`` (the files of a folder hold distinct claims)."""
    rng = random.Random(20240110 + first_claim)
    segments = 0
    written = 0
    k = first_claim
    st = 0
    with path.open("w", encoding="ascii", newline="") as fh:
        head = (
            ISA.format(icn=1) + "GS*HC*TELEKITBENCH*CLEARINGHOUSE*20240110*0930*1*X*005010X222A1~\n"
        )
        fh.write(head)
        written += len(head)
        segments += 2
        while written < target_bytes:
            st += 1
            body = "".join(_claims(rng, k, claims_per_st))
            k += claims_per_st
            header = (
                f"ST*837*{st:04d}*005010X222A1~\nBHT*0019*00*B{st:06d}*20240110*0930*CH~\n"
                "NM1*41*2*TELEKIT BENCH*****46*TK0001~\nPER*IC*BILLING*TE*5555550100~\n"
                "NM1*40*2*CLEARINGHOUSE*****46*CH0001~\nHL*1**20*1~\n"
                "NM1*85*2*TELEKIT CLINIC*****XX*1234567893~\nN3*1 MAIN ST~\n"
                "N4*ALBANY*NY*12207~\nREF*EI*123456789~\n"
            )
            count = header.count("~") + body.count("~") + 1
            text = f"{header}{body}SE*{count}*{st:04d}~\n"
            fh.write(text)
            written += len(text)
            segments += count
        tail = f"GE*{st}*1~\nIEA*1*{1:09d}~\n"
        fh.write(tail)
        segments += 2
    return segments


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best(repeat: int, run: Callable[[], T]) -> tuple[float, float, T]:
    """The best wall and best CPU seconds (``time.process_time``: all threads) of ``repeat``
    (at least 1) calls of ``run``, and its last result. A collection before each call: the
    garbage of the previous benchmark is not charged to this one."""
    wall = cpu = float("inf")
    result: T
    for _ in range(max(repeat, 1)):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        result = run()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, result


def time_telekit(path: Path, repeat: int = 1) -> dict[str, float]:
    """The first ``read_claims`` call of the process (cold: first-call work, e.g. polars' first
    queries, counted apart), then the best of ``repeat`` warm runs of the tokenizer alone, of
    ``read_837p`` and of ``read_claims``, wall and CPU."""
    import telekit as tk
    from telekit.x12 import iter_segments, read_837p

    size_mb = path.stat().st_size / MB
    cold_wall, cold_cpu, _ = _best(1, lambda: tk.read_claims(path))
    print(
        f"  telekit read_claims, first call: {cold_wall:.2f} s ({cold_cpu:.2f} s CPU; "
        f"load {load()})"
    )
    claims_s, claims_cpu, table = _best(repeat, lambda: tk.read_claims(path))
    tokenize_s, tokenize_cpu, n = _best(repeat, lambda: sum(1 for _ in iter_segments(path)))
    read_s, read_cpu, result = _best(repeat, lambda: read_837p(path))
    best = f"best of {repeat}" if repeat > 1 else "one run"
    print(
        f"  telekit iter_segments: {tokenize_s:8.2f} s  {n / tokenize_s:>12,.0f} segments/s  "
        f"{size_mb / tokenize_s:7.1f} MB/s  ({tokenize_cpu:.2f} s CPU; {best})"
    )
    print(
        f"  telekit read_837p:     {read_s:8.2f} s  {n / read_s:>12,.0f} segments/s  "
        f"{size_mb / read_s:7.1f} MB/s  ({read_cpu:.2f} s CPU; {result.claims.height:,} claims, "
        f"{result.lines.height:,} lines, {result.rejects.height} rejects, "
        f"{result.issues.height} issues; {best})"
    )
    print(
        f"  telekit read_claims:   {claims_s:8.2f} s  {n / claims_s:>12,.0f} segments/s  "
        f"{size_mb / claims_s:7.1f} MB/s  ({claims_cpu:.2f} s CPU; {table.data.height:,} lines; "
        f"{best}; load {load()})"
    )
    return {
        "tokenize_s": tokenize_s,
        "read_s": read_s,
        "claims_s": claims_s,
        "claims_cpu": claims_cpu,
        "cold_s": cold_wall,
        "segments": n,
    }


def time_pyx12(path: Path, segments: int) -> tuple[float, float] | None:
    try:
        import pyx12.params
        import pyx12.x12n_document
    except ImportError:
        print("  pyx12 is not installed: run with --group bench")
        return None
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    param = pyx12.params.params()
    size_mb = path.stat().st_size / MB
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    ok = pyx12.x12n_document.x12n_document(param, str(path), io.StringIO(), None)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"  pyx12 x12n_document:   {seconds:8.2f} s  {segments / seconds:>12,.0f} segments/s  "
        f"{size_mb / seconds:7.1f} MB/s  ({cpu:.2f} s CPU; valid: {ok}; load {load()})"
    )
    return seconds, cpu


_CHILD = """
import resource, sys, time
import telekit as tk
from telekit.x12 import read_837p
t0 = time.perf_counter()
if sys.argv[2] == "read_837p":
    n = read_837p(sys.argv[1]).lines.height
else:
    n = tk.read_claims(sys.argv[1]).data.height
print(time.perf_counter() - t0, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir()) / MB


def time_big(path: Path, how: str) -> None:
    """``how`` (read_837p or read_claims) on ``path`` in a fresh process: time and peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), how],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    seconds, lines, peak = float(out[0]), int(out[1]), float(out[2])
    size_mb = _folder_mb(path) if path.is_dir() else path.stat().st_size / MB
    print(
        f"  telekit {how + ':':13} {seconds:8.1f} s  {size_mb / seconds:7.1f} MB/s  "
        f"{lines:,} lines, peak RSS {peak:,.0f} MB (target < 2,048 MB), load {load()}"
    )


def practice_837p(folder: Path, size: int) -> Path:
    """The 837P of a generated practice of ``size`` encounters."""
    import telekit.sample

    telekit.sample.write(folder / "practice", seed=7, size=size, format="parquet")
    return folder / "practice" / "x12" / "claims.837"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=11000, help="encounters of the practice")
    parser.add_argument("--synthetic", action="store_true", help="compare on the synthetic 837P")
    parser.add_argument("--mb", type=float, default=5.0, help="size of the synthetic file")
    parser.add_argument("--big", action="store_true", help="also time telekit on about 500 MB")
    parser.add_argument("--big-mb", type=float, default=500.0)
    parser.add_argument("--big-files", type=int, default=0, help="--big also as N files")
    parser.add_argument("--repeat", type=int, default=7, help="telekit runs on the small file")
    parser.add_argument("--no-pyx12", action="store_true")
    args = parser.parse_args(argv)
    print(f"load average at the start: {load()}")
    with tempfile.TemporaryDirectory(prefix="telekit-x12-bench-") as tmp:
        if args.synthetic:
            small = Path(tmp) / "claims_5mb.837"
            write_837p(small, int(args.mb * MB))
        else:
            small = practice_837p(Path(tmp), args.size)
        print(f"{small.name}: {small.stat().st_size / MB:.1f} MB")
        telekit = time_telekit(small, repeat=args.repeat)
        segments = int(telekit["segments"])
        pyx12 = None if args.no_pyx12 else time_pyx12(small, segments)
        if pyx12 is not None:
            pyx12_s, pyx12_cpu = pyx12
            print(
                f"  ratio pyx12 / telekit: {pyx12_s / telekit['claims_s']:.1f}x (read_claims; "
                f"target >= 100x; CPU {pyx12_cpu / telekit['claims_cpu']:.1f}x; first call "
                f"{pyx12_s / telekit['cold_s']:.1f}x), {pyx12_s / telekit['read_s']:.1f}x "
                f"(read_837p), {pyx12_s / telekit['tokenize_s']:.1f}x (iter_segments)"
            )
        print(f"load average: {load()}")
        if args.big:
            big = Path(tmp) / "claims_500mb.837"
            t0 = time.perf_counter()
            segments = write_837p(big, int(args.big_mb * MB))
            print(
                f"{big.name}: {big.stat().st_size / MB:.0f} MB, {segments:,} segments "
                f"(written in {time.perf_counter() - t0:.0f} s)"
            )
            time_big(big, "read_837p")
            time_big(big, "read_claims")
            if args.big_files:
                big.unlink()
                folder = Path(tmp) / "claims"
                folder.mkdir()
                for i in range(args.big_files):  # 10M claim ids apart: never the same claim
                    part = folder / f"part{i:03d}.837"
                    write_837p(part, int(args.big_mb * MB / args.big_files), first_claim=i * 10**7)
                print(f"{folder.name}/: {args.big_files} files, {_folder_mb(folder):.0f} MB")
                time_big(folder, "read_claims")
        print(f"peak RSS of this process: {_peak_mb():,.0f} MB; load average: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
