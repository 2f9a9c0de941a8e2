"""notebooks/02_encounter_review.ipynb in JupyterLab, in headless Debian Chromium: run all cells,
click a decision (Save & next moves on), decide and move with the keyboard shortcuts, and check
both the page and the review file."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from telekit.review import read_decisions
from tests.browser.conftest import stop

pytestmark = pytest.mark.browser

NOTEBOOK = "02_encounter_review.ipynb"


@pytest.fixture(scope="module")
def review_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("review") / "browser-review.sqlite"


@pytest.fixture(scope="module")
def jupyter_lab_env(review_db: Path) -> dict[str, str]:
    return {"TELEKIT_REVIEW_DB": str(review_db), "TELEKIT_REVIEWER": "browser"}


def _background(locator: Any) -> str:
    return str(locator.evaluate("e => getComputedStyle(e).backgroundColor"))


def test_save_and_next_and_keyboard_shortcuts_in_jupyterlab(
    run_notebook: Callable[[str], Any],
    save_screenshot: Callable[[str], Path],
    review_db: Path,
) -> None:
    page = run_notebook(NOTEBOOK)
    app = page.locator(".telekit-review")
    expect(app).to_have_count(1)
    progress = app.locator(".telekit-review-progress")
    position = app.locator(".telekit-review-position")
    title = app.locator(".telekit-review-encounter h3")
    expect(progress).to_have_text("0 of 300 encounters reviewed")
    expect(position).to_have_text(re.compile(r"^1 of 300: \S+$"))
    first = position.inner_text().removeprefix("1 of 300: ")
    expect(title).to_have_text(first)
    findings = app.locator(".telekit-review-finding")
    expect(findings.first).to_be_visible()
    n_findings = findings.count()
    # each finding's rule documentation sits collapsed in an accordion
    expect(app.locator(".telekit-review-rule-doc")).to_have_count(n_findings)
    expect(app.locator(".telekit-review-rule-doc pre").first).to_be_hidden()
    app.evaluate("e => e.scrollIntoView({block: 'start'})")
    save_screenshot("review-01-loaded")

    # Dismiss is neutral (the default button grey), not green; Confirm keeps its colour
    dismiss = app.locator(".telekit-review-dismiss")
    expect(dismiss).not_to_have_class(re.compile(r"mod-success"))
    assert _background(dismiss) == _background(app.locator(".telekit-review-goto"))
    expect(app.locator(".telekit-review-confirm")).to_have_class(re.compile(r"mod-danger"))
    expect(dismiss).to_have_attribute("title", re.compile(r"\(key d\)"))
    # the decision bar sits right above the findings: no scrolling between them
    bar = app.locator(".telekit-review-bar").bounding_box()
    top_finding = findings.first.bounding_box()
    assert bar is not None and top_finding is not None
    assert 0 <= top_finding["y"] - (bar["y"] + bar["height"]) < 200
    expect(app.locator(".telekit-review-move-on input")).to_be_checked()
    cells = page.locator(".jp-Notebook .jp-Cell").count()

    # Save & next: a click on Confirm saves and moves to the next encounter
    app.locator(".telekit-review-note textarea").fill("checked in the browser")
    app.locator(".telekit-review-confirm").click()
    expect(progress).to_have_text("1 of 300 encounters reviewed")
    plural = "finding" if n_findings == 1 else "findings"
    expect(app.locator(".telekit-review-status")).to_have_text(
        f"Confirm: {n_findings} {plural} of {first} saved"
    )
    expect(position).to_have_text(re.compile(r"^2 of 300: \S+$"))
    second = position.inner_text().removeprefix("2 of 300: ")
    assert second != first
    expect(title).to_have_text(second)
    expect(findings.filter(has_text="no decision yet").first).to_be_visible()
    expect(app.locator(".telekit-review-note textarea")).to_have_value("")
    app.evaluate("e => e.scrollIntoView({block: 'start'})")
    save_screenshot("review-02-confirmed-moved-on")

    # keyboard: "d" dismisses the current encounter and moves on (focus on the clicked button)
    page.keyboard.press("d")
    expect(progress).to_have_text("2 of 300 encounters reviewed")
    expect(app.locator(".telekit-review-status")).to_have_text(
        re.compile(f"^Dismiss: .* {second} saved$")
    )
    expect(position).to_have_text(re.compile(r"^3 of 300: \S+$"))
    third = position.inner_text().removeprefix("3 of 300: ")
    # a click anywhere in the app gives it the keys: n / p move
    app.locator(".telekit-review-encounter h3").click()
    page.keyboard.press("n")
    expect(position).to_have_text(re.compile(r"^4 of 300: \S+$"))
    page.keyboard.press("p")
    expect(position).to_have_text(f"3 of 300: {third}")
    # typing in the note is typing, not a shortcut
    note = app.locator(".telekit-review-note textarea")
    note.click()
    page.keyboard.type("dcq")
    expect(note).to_have_value("dcq")
    expect(position).to_have_text(f"3 of 300: {third}")
    expect(progress).to_have_text("2 of 300 encounters reviewed")
    note.fill("")
    # JupyterLab's command-mode shortcuts (c copy, d d delete cell) never saw the keys
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    app.locator(".telekit-review-rule-doc .jupyter-widget-Collapse-header").first.click()
    expect(app.locator(".telekit-review-rule-doc pre").first).to_be_visible()
    app.evaluate("e => e.scrollIntoView({block: 'start'})")
    save_screenshot("review-03-keys")

    decided = read_decisions(review_db)
    by_encounter = dict(
        decided.group_by("encounter_id").agg(pl.col("decision").unique().first()).iter_rows()
    )
    assert by_encounter == {first: "confirm", second: "dismiss"}
    assert decided.filter(pl.col("encounter_id") == first).height == n_findings
    assert decided.get_column("reviewer").unique().to_list() == ["browser"]
    assert decided.filter(pl.col("encounter_id") == first).get_column(
        "note"
    ).unique().to_list() == ["checked in the browser"]


VOILA_APP = """\
from pathlib import Path
import telekit as tk
from telekit.review import EncounterReview
DATA = Path({data!r})
result = tk.audit(DATA / "claims.csv", encounters=DATA / "encounters.csv",
                  coverage=DATA / "coverage.csv", providers=DATA / "providers.csv")
review = EncounterReview(result, db={db!r}, reviewer="voila")
review"""


def test_keyboard_shortcuts_in_voila(
    tmp_path: Path,
    jupyter_lab: Any,
    browser_page: Any,
    save_screenshot: Callable[[str], Path],
) -> None:
    """The same app served by Voilà (no notebook editor): keys work from the page itself."""
    pytest.importorskip("voila", reason="voila is not installed (telekit review serve needs it)")
    import nbformat

    db = tmp_path / "voila.sqlite"
    nb = nbformat.v4.new_notebook()
    data = str(Path(__file__).resolve().parents[2] / "data" / "samples")
    nb.cells = [nbformat.v4.new_code_cell(VOILA_APP.format(data=data, db=str(db)))]
    nbformat.write(nb, tmp_path / "app.ipynb")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    log = (tmp_path / "voila.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            "app.ipynb",
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "--show_tracebacks=True",
        ],
        cwd=tmp_path,
        env=jupyter_lab.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        page = browser_page
        page.set_default_timeout(180_000)
        deadline = time.monotonic() + 60
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}/")
                break
            except PlaywrightError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        app = page.locator(".telekit-review")
        expect(app).to_have_count(1, timeout=180_000)
        position = app.locator(".telekit-review-position")
        progress = app.locator(".telekit-review-progress")
        expect(position).to_have_text(re.compile(r"^1 of \d+: "))
        page.locator("body").click(position={"x": 5, "y": 5})  # the page, not the app
        page.keyboard.press("n")
        expect(position).to_have_text(re.compile(r"^2 of \d+: "))
        second = position.inner_text().split(": ")[1]
        page.keyboard.press("d")
        expect(progress).to_have_text(re.compile(r"^1 of \d+ encounters reviewed"))
        expect(position).to_have_text(re.compile(r"^3 of \d+: "))
        save_screenshot("review-04-voila-keys")
    finally:
        stop(proc, log)
    decided = read_decisions(db)
    assert set(decided.get_column("encounter_id")) == {second}
    assert decided.get_column("decision").unique().to_list() == ["dismiss"]
    assert decided.get_column("reviewer").unique().to_list() == ["voila"]
