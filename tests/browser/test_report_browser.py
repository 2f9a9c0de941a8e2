"""report.html of the sample practice in headless Chromium with the network blocked: every chart
draws, nothing is fetched, and it prints to PDF (screenshots and the PDF under
test-artifacts/browser/).

Uses the ``chromium`` fixture of this folder's conftest (skip with a reason without
/usr/bin/chromium, a failure under CI=true).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from telekit._cli import main

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHARTS = {
    "findings-by-rule",
    "exposure-by-provider",
    "denial-rate-by-month",
    "denial-pareto",
    "ar-aging",
    "collection-rates-by-payer",
    "telehealth-mix",
    "oig-measures",
}

# per chart: its drawn size and how many marks (bars, lines, points, areas) have a visible box
DRAWN = """() => [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const marks = svg ? [...svg.querySelectorAll(
        'g.mark-rect path, g.mark-line path, g.mark-symbol path, g.mark-area path, g.mark-rule line'
    )].filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length : 0;
    const texts = svg ? svg.querySelectorAll('text').length : 0;
    return {name: f.dataset.chart, width: box.width, height: box.height, marks, texts};
})"""


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["audit", str(SAMPLES), "--out", str(out)]) == 1
    return out / "report.html"


@pytest.fixture
def offline_page(chromium: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page whose every request but file:// is aborted and recorded, with console errors."""
    context = chromium.new_context(viewport={"width": 1280, "height": 1800})
    blocked: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield page, blocked, errors
    finally:
        context.close()


def test_report_opens_offline_and_every_chart_draws(
    report_html: Path, offline_page: tuple[Any, list[str], list[str]]
) -> None:
    page, blocked, errors = offline_page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_html.as_uri(), wait_until="load")
    assert blocked == [] and errors == []
    assert all(u.startswith("file://") for u in requests), requests
    drawn = page.evaluate(DRAWN)
    assert {d["name"] for d in drawn} == CHARTS
    assert len(drawn) == len(CHARTS) == int(page.evaluate("document.body.dataset.charts"))
    for d in drawn:
        assert d["width"] > 300 and d["height"] > 150, d
        assert d["marks"] > 0 and d["texts"] > 3, d
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    page.locator("section#revenue").screenshot(path=str(ARTIFACTS / "report-revenue.png"))


def test_report_prints_to_pdf(
    report_html: Path, offline_page: tuple[Any, list[str], list[str]]
) -> None:
    page, blocked, _ = offline_page
    page.goto(report_html.as_uri(), wait_until="load")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
    breaks = page.evaluate(
        "[...document.querySelectorAll('section.major')].map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks[0] == "auto" and set(breaks[1:]) == {"page"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "report.pdf"), format="Letter", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= len(breaks) + 3, pages  # one page per section at least, charts fit pages
    assert blocked == []
