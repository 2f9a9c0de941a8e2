"""A private timing hook for profiling an audit (``benchmarks/audit_1m.py``).

Off unless the environment variable ``TELEKIT_PROFILE`` is ``1`` when telekit is imported (or
``enable()`` is called): then ``timed(name)`` adds each block's wall seconds to ``TIMINGS`` and
the engine times each rule group's flags on its own (which changes how the flags are evaluated,
never what they are). Off, ``timed`` yields at once and the engine runs as always.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

TIMINGS: dict[str, float] = {}
_STATE = {"on": os.environ.get("TELEKIT_PROFILE") == "1"}


def enabled() -> bool:
    return _STATE["on"]


def enable(on: bool = True) -> None:
    _STATE["on"] = on


def reset() -> None:
    TIMINGS.clear()


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Add the block's wall seconds to ``TIMINGS[name]`` when profiling is on."""
    if not _STATE["on"]:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        TIMINGS[name] = TIMINGS.get(name, 0.0) + time.perf_counter() - start
