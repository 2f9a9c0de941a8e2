"""The linters and the type checker are part of the test suite, so the README's one test command
runs them too (and CI with it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed in the test environment (uv sync installs it)")
    return found


def test_ruff_check_passes() -> None:
    proc = subprocess.run(
        [_tool("ruff"), "check", "--no-cache", "telekit", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_passes_on_the_package() -> None:
    proc = subprocess.run(
        [_tool("mypy"), "--no-incremental", "telekit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
