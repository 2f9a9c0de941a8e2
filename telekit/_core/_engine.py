"""The polars engine the audit's own queries run on.

polars 2 runs ``LazyFrame.collect()`` on its streaming engine unless told otherwise (``"auto"``).
The audit's queries (joins, windows and group-bys over annotated lines that are already in
memory) run faster on the in-memory engine: on the 1M practice the whole audit took 3.9 -> 2.8 s
wall and 6.4 -> 4.6 s CPU (benchmarks/RESULTS.md, round 6); the readers' checks over a table
already read, 0.39 -> 0.34 s wall for the four tables. A table's scan keeps polars' default (a
Parquet scan on the in-memory engine took twice the CPU), and the bounded path asks for the
streaming engine where it bounds memory.
"""

from __future__ import annotations

from typing import Final

IN_MEMORY: Final = "in-memory"
