"""telekit's log: stage names and numbers only, never a data value.

The ``telekit`` logger has a ``NullHandler`` (a library does not configure logging); an
application shows it with ``logging.basicConfig(level=logging.INFO)``. Every record is made by
a function here whose arguments are a stage name chosen by telekit's own code and numbers, so no
identifier, name or date of a patient can reach a log (DESIGN §7).
"""

from __future__ import annotations

import logging

logger = logging.getLogger("telekit")
logger.addHandler(logging.NullHandler())


def stage(command: str, label: str, *, seconds: float) -> None:
    """``telekit audit: reading claims took 0.42 s``."""
    logger.info("telekit %s: %s took %.2f s", command, label, seconds)


def counts(command: str, what: str, **figures: int) -> None:
    """``telekit audit: claims rows_in=3120 rows_rejected=5`` — integers only."""
    for name, value in figures.items():
        if not isinstance(value, int) or isinstance(value, bool):
            msg = f"_log.counts takes integers only ({name} is a {type(value).__name__})"
            raise TypeError(msg)
    shown = " ".join(f"{k}={v}" for k, v in figures.items())
    logger.info("telekit %s: %s %s", command, what, shown)
