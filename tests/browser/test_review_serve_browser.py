"""``telekit review serve`` in headless Debian Chromium: two reviewers, each in their own browser
context (their own Voilà kernel), enter a name, Start and decide; both decisions are in the one
review file under their names."""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from playwright.sync_api import expect

from telekit._cli import main
from telekit.review import read_decisions
from tests.browser.conftest import stop

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[tuple[str, Path]]:
    """``telekit review serve`` of the sample's audit on a free port: (URL, review file);
    ``chromium`` first, so that the test skips (or fails under CI) before any work."""
    base = tmp_path_factory.mktemp("serve")
    out, db = base / "audit", base / "review.sqlite"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["audit", str(SAMPLES), "--out", str(out)]) == 1
    jupyter = {
        name: base / name.lower()
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")
    }
    for folder in jupyter.values():
        folder.mkdir()
    env = {**os.environ, **{k: str(v) for k, v in jupyter.items()}, "JUPYTER_PLATFORM_DIRS": "1"}
    port = _free_port()
    log = base / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "telekit", "review", "serve", str(out)),
                *("--db", str(db), "--port", str(port)),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline().decode(), proc.stdout.readline().decode()]
            found = re.search(r"open (http://127\.0\.0\.1:\d+/\?token=\S+)", lines[1])
            assert found, f"no URL printed: {lines!r}"
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"telekit review serve exited ({proc.returncode}); see {log}")
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"the review server is not listening after 120 s; see {log}")
                time.sleep(0.25)
            yield found.group(1), db
        finally:
            stop(proc, proc.stdout)


def _open_as(chromium: Any, url: str, name: str) -> tuple[Any, Any]:
    """A new browser context (its own Voilà kernel) on the app, started as ``name``."""
    context = chromium.new_context(viewport={"width": 1400, "height": 2600})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.locator(".telekit-serve-name input").fill(name)
    page.locator(".telekit-serve-start").click()
    expect(page.locator(".telekit-review")).to_have_count(1)
    return context, page


def _decided_by(db: Path, reviewer: str) -> pl.DataFrame:
    """The reviewer's decisions once written (the click returns before the kernel saves)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists():
            rows = read_decisions(db).filter(pl.col("reviewer") == reviewer)
            if rows.height:
                return rows
        time.sleep(0.25)
    pytest.fail(f"no decision by {reviewer} in {db.name} after 60 s")


def test_two_reviewers_decide_in_their_own_sessions(
    served: tuple[str, Path], chromium: Any
) -> None:
    url, db = served
    # the token is required: without it the server answers with its login page
    first = chromium.new_context()
    bare = first.new_page()
    bare.goto(url.split("?")[0])
    expect(bare.locator(".telekit-serve")).to_have_count(0)
    first.close()

    alice_ctx, alice = _open_as(chromium, url, "alice")
    bob_ctx, bob = _open_as(chromium, url, "bob")  # both sessions open at once
    try:
        # Voilà shows the app, never the code that builds it
        assert "app_from_environment" not in alice.content()
        expect(alice.locator(".telekit-serve-title")).to_contain_text("telekit review")
        _screenshot(alice, "review-serve-01-started")

        alice.locator(".telekit-review-confirm").click()
        mine = _decided_by(db, "alice")
        assert mine.get_column("decision").unique().to_list() == ["confirm"]
        assert mine.get_column("encounter_id").n_unique() == 1
        _screenshot(alice, "review-serve-02-confirmed")

        bob.locator(".telekit-review-next").click()
        bob.locator(".telekit-review-note textarea").fill("which visit?")
        bob.locator(".telekit-review-needs-query").click()
        theirs = _decided_by(db, "bob")
        _screenshot(bob, "review-serve-03-bob")
        assert theirs.get_column("decision").unique().to_list() == ["needs_query"]
        assert theirs.get_column("note").unique().to_list() == ["which visit?"]
        assert set(theirs.get_column("encounter_id")).isdisjoint(mine.get_column("encounter_id"))

        everything = read_decisions(db)
        assert everything.height == mine.height + theirs.height
        assert set(everything.get_column("reviewer")) == {"alice", "bob"}
    finally:
        alice_ctx.close()
        bob_ctx.close()
