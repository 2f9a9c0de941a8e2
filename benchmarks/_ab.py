"""A/B in one process (the ``*_ab.py`` benchmarks): import one telekit or another, afresh.

``roots(old, new)`` names the directories alternated (each holds a ``telekit`` package: the old
one, e.g. ``git archive BASE telekit | tar -x -C /tmp/base``, and this checkout); ``use(path)``
drops every ``telekit`` module from ``sys.modules`` and imports the one under ``path``, so each
version pays its own cold caches, as a CLI run does. ``arguments`` adds the options every A/B
takes (``--old``, ``--dir``: the 1M practice of ``audit_1m.py``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

_ROOTS: set[str] = set()


def roots(*paths: str) -> None:
    """The package roots the A/B alternates between (removed from ``sys.path`` by ``use``)."""
    _ROOTS.update(paths)


def use(path: str) -> Any:
    """The ``telekit`` package under ``path``, imported afresh (checked to be that one)."""
    for name in [m for m in sys.modules if m == "telekit" or m.startswith("telekit.")]:
        del sys.modules[name]
    sys.path[:] = [path, *(p for p in sys.path if p not in _ROOTS)]
    importlib.invalidate_caches()
    tk = importlib.import_module("telekit")
    assert Path(tk.__file__).is_relative_to(path), tk.__file__
    return tk


def load() -> str:
    """The load averages, as text (every figure of a shared machine is printed with them)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def arguments(ap: argparse.ArgumentParser, *, practice: bool = True) -> None:
    """``--old`` (the old package's directory) and, with ``practice``, ``--dir`` (the 1M
    practice the audit benchmarks share)."""
    ap.add_argument("--old", required=True, help="a directory holding the old telekit package")
    if practice:
        ap.add_argument(
            "--dir",
            type=Path,
            default=Path(tempfile.gettempdir()) / "telekit-bench-seed1-size769230",
        )
