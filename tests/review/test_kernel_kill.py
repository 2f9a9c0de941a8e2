"""A real kernel subprocess clicks a decision and is killed with SIGKILL: the decision is in the
review file when the test process reopens it."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from telekit.review import read_decisions

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from datetime import date
from pathlib import Path
import telekit as tk
from telekit.review import EncounterReview

samples = Path("data/samples")
result = tk.audit(
    samples / "claims.csv",
    encounters=samples / "encounters.csv",
    coverage=samples / "coverage.csv",
    providers=samples / "providers.csv",
    policies=samples / "policies.toml",
    as_of=date(2026, 10, 30),
    remittances=tk.read_remittances(
        samples / "remittances.csv", adjustments=samples / "adjustments.csv"
    ),
)
review = EncounterReview(result, db={db!r}, reviewer="kernel")
review.goto("E0000021")
review.note.value = "clicked just before the kill"
assert review.progress.value == "0 of 300 encounters reviewed"
"""
CLICK = "review.confirm_button.click()"


@pytest.fixture
def kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    runtime = tmp_path / "runtime"
    for var, sub in (
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_CONFIG_DIR", "config"),
        ("IPYTHONDIR", "ipython"),
    ):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    runtime.mkdir()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    km = KernelManager(kernel_name="python3", connection_file=str(runtime / "kernel.json"))
    km.start_kernel(cwd=str(ROOT), env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        km.cleanup_resources()


def _run(kc: BlockingKernelClient, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]


def _process(km: KernelManager) -> Any:
    """The kernel's Popen (the local provisioner launches it as a child of this process)."""
    process = getattr(km.provisioner, "process", None)
    assert process is not None
    return process


def _assert_decision_survived(db: Path) -> None:
    assert db.with_name(db.name + "-wal").exists()  # no clean close: the WAL was never merged
    decided = read_decisions(db)
    assert decided.height == 2  # both findings of E0000021, in one transaction
    assert set(decided.get_column("encounter_id")) == {"E0000021"}
    assert decided.get_column("decision").unique().to_list() == ["confirm"]
    assert decided.get_column("reviewer").unique().to_list() == ["kernel"]
    assert decided.get_column("note").unique().to_list() == ["clicked just before the kill"]


def test_sigkill_from_outside_after_the_click_loses_nothing(
    kernel: tuple[KernelManager, BlockingKernelClient], tmp_path: Path
) -> None:
    km, kc = kernel
    db = tmp_path / "review.sqlite"
    _run(kc, SETUP.format(db=str(db)))
    _run(kc, CLICK)
    process = _process(km)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    _assert_decision_survived(db)


def test_kernel_killed_in_the_same_cell_as_the_click_loses_nothing(
    kernel: tuple[KernelManager, BlockingKernelClient], tmp_path: Path
) -> None:
    km, kc = kernel
    db = tmp_path / "review.sqlite"
    _run(kc, SETUP.format(db=str(db)))
    # no reply, no atexit, no close: the process dies the instant the click handler returns
    kc.execute(f"import os, signal\n{CLICK}\nos.kill(os.getpid(), signal.SIGKILL)")
    process = _process(km)
    assert process.wait(timeout=60) == -signal.SIGKILL
    _assert_decision_survived(db)
