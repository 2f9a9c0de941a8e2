"""The polars engine the audit's own queries run on.

polars 2 runs ``LazyFrame.collect()`` on its streaming engine unless told otherwise (``"auto"``).
The audit's queries (joins, windows and group-bys over annotated lines that are already in
memory) run faster on the in-memory engine: on the 1M practice the whole audit took 3.9 -> 2.8 s
wall and 6.4 -> 4.6 s CPU (benchmarks/RESULTS.md, round 6). The table readers keep polars'
default (their Parquet scans are faster streamed) and the bounded path asks for the streaming
engine where it bounds memory.
"""

from __future__ import annotations

from typing import Final

IN_MEMORY: Final = "in-memory"
