"""notebooks/02_encounter_review.ipynb in JupyterLab, in headless Debian Chromium: run all cells,
click a decision and Next, and check both the page and the review file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from telekit.review import read_decisions

pytestmark = pytest.mark.browser

NOTEBOOK = "02_encounter_review.ipynb"


@pytest.fixture(scope="module")
def review_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("review") / "browser-review.sqlite"


@pytest.fixture(scope="module")
def jupyter_lab_env(review_db: Path) -> dict[str, str]:
    return {"TELEKIT_REVIEW_DB": str(review_db), "TELEKIT_REVIEWER": "browser"}


def test_confirm_and_next_in_jupyterlab(
    run_notebook: Callable[[str], Any], save_screenshot: Callable[[str], Path], review_db: Path
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

    app.locator(".telekit-review-note textarea").fill("checked in the browser")
    app.locator(".telekit-review-confirm").click()
    expect(progress).to_have_text("1 of 300 encounters reviewed")
    plural = "finding" if n_findings == 1 else "findings"
    expect(app.locator(".telekit-review-status")).to_have_text(
        f"Confirm: {n_findings} {plural} of {first} saved"
    )
    expect(findings.filter(has_text="Confirm by browser")).to_have_count(n_findings)
    expect(app.locator(".telekit-review-note textarea")).to_have_value("")
    app.evaluate("e => e.scrollIntoView({block: 'start'})")
    save_screenshot("review-02-confirmed")

    app.locator(".telekit-review-next").click()
    expect(position).to_have_text(re.compile(r"^2 of 300: \S+$"))
    second = position.inner_text().removeprefix("2 of 300: ")
    assert second != first
    expect(title).to_have_text(second)
    expect(progress).to_have_text("1 of 300 encounters reviewed")
    expect(findings.filter(has_text="no decision yet").first).to_be_visible()
    app.locator(".telekit-review-rule-doc .jupyter-widget-Collapse-header").first.click()
    expect(app.locator(".telekit-review-rule-doc pre").first).to_be_visible()
    app.evaluate("e => e.scrollIntoView({block: 'start'})")
    save_screenshot("review-03-next")

    decided = read_decisions(review_db)
    assert decided.height == n_findings
    assert set(decided.get_column("encounter_id")) == {first}
    assert decided.get_column("decision").unique().to_list() == ["confirm"]
    assert decided.get_column("reviewer").unique().to_list() == ["browser"]
    assert decided.get_column("note").unique().to_list() == ["checked in the browser"]
