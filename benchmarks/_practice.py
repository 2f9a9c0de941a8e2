"""The generated practices the benchmarks read: written once per (seed, size), then reused.

A folder is reused only when its ``sample.toml`` names the same seed and size, so two benchmarks
asking for different practices never read each other's. Generation runs in a child process, so
the benchmark process stays small."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

_WRITE = (
    "import sys; from telekit import sample; "
    "print(sample.write(sys.argv[1], seed=int(sys.argv[2]), size=int(sys.argv[3]), "
    "format='parquet'))"
)


def practice_dir(seed: int, size: int) -> Path:
    """The default folder of the practice (seed, size) under the temporary directory."""
    return Path(tempfile.gettempdir()) / f"telekit-bench-seed{seed}-size{size}"


def ensure_practice(seed: int, size: int, directory: Path | None = None) -> Path:
    """The folder of the practice of ``size`` encounters and ``seed`` (Parquet), written if
    missing or if the folder holds another practice."""
    d = directory or practice_dir(seed, size)
    marker = d / "sample.toml"
    if marker.exists():
        meta = tomllib.loads(marker.read_text())
        if (meta.get("seed"), meta.get("size"), meta.get("format")) == (seed, size, "parquet"):
            return d
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", _WRITE, str(d), str(seed), str(size)], check=True)
    print(f"generated {d} in {time.perf_counter() - t:.0f} s")
    return d
