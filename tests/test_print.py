"""Client-facing pages (report.html, executive.html): print CSS, and no Python or regex text."""

from __future__ import annotations

import html as html_lib
import re

import pytest

import telekit as tk
from telekit.report import render, render_executive
from telekit.report._html import css

#: what must never reach a client's page (visible text: no CSS, no tags; <code> left out where
#: it names a literal the user types, such as a policies.toml key)
FORBIDDEN = {
    "Python None": r"\bNone\b",
    "NaN": r"\b(?:nan|NaN)\b",
    "null": r"\bnull\b",
    "Python booleans": r"\b(?:True|False)\b",
    "polars dtypes": r"\b(?:Int8|Int16|Int32|Int64|UInt32|Float32|Float64|Utf8|Datetime)\b"
    r"|Decimal\(|\bpl\.\w+|\bdtype\b|\bshape: \(",
    "Python reprs": r"<[\w.]+ object at|\{'|'\}|\[\]|\bSeries\(|\bDataFrame\(",
    "regular expressions": r"\^\S*\$|\[0-9\]|\[A-Z\]|\\d|\\s\b|\{\d+,\d*\}|\(\?[:iP<]",
}
#: snake_case outside <code> and outside a rule's documentation (which names the data
#: contract's columns): a field name where a label belongs
SNAKE = r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.(?:csv|toml|xlsx|parquet|json|html|sqlite|pdf))"


def visible(page: str, *, drop: tuple[str, ...] = ()) -> str:
    """The page's visible text: no style or script, no tags; ``drop`` removes elements of
    these simple selectors first (``code``, ``div.doc``)."""
    page = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", page)
    for selector in drop:
        tag, _, cls = selector.partition(".")
        attr = rf"[^>]*class='[^']*\b{cls}\b[^']*'" if cls else r"[^>]*"
        page = re.sub(rf"(?is)<{tag}\b{attr}>.*?</{tag}>", " ", page)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", page)))


def offences(text: str, patterns: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, pattern in patterns.items():
        hits = [text[max(0, m.start() - 30) : m.end() + 30] for m in re.finditer(pattern, text)]
        if hits:
            found[name] = hits[:5]
    return found


@pytest.fixture(scope="module")
def pages(sample_audit: tk.AuditResult) -> dict[str, str]:
    return {"report": render(sample_audit), "executive": render_executive(sample_audit)}


@pytest.mark.parametrize("name", ["report", "executive"])
def test_no_python_or_regex_text_in_client_pages(pages: dict[str, str], name: str) -> None:
    assert offences(visible(pages[name]), FORBIDDEN) == {}


def test_no_field_names_where_a_label_belongs(pages: dict[str, str]) -> None:
    executive = visible(pages["executive"], drop=("code",))
    assert offences(executive, {"snake_case": SNAKE}) == {}
    # the report outside the rules' documentation and the findings' own text (messages quote
    # the line's values) uses labels
    report = visible(pages["report"], drop=("code", "div.doc", "table"))
    assert offences(report, {"snake_case": SNAKE}) == {}


def test_the_scanner_finds_what_it_looks_for() -> None:
    page = (
        "<style>.x_y{}</style><p>None 3.0 nan Int64 {'a': 1} ^9[0-9]{4}$ claim_id "
        "<code>timely_filing_days</code></p>"
    )
    text = visible(page, drop=("code",))
    found = offences(text, {**FORBIDDEN, "snake_case": SNAKE})
    assert set(found) == {
        "Python None", "NaN", "polars dtypes", "Python reprs", "regular expressions", "snake_case"
    }  # fmt: skip
    assert "x_y" not in text and "timely_filing_days" not in text


def test_print_css_letter_pages_sections_and_rows() -> None:
    sheet = css()
    assert "@page{size:letter" in sheet
    printed = sheet[sheet.index("@media print{") :]
    assert "section.major{break-before:page}" in printed  # each top-level section a new page
    assert re.search(r"[,{]tr[,{][^}]*break-inside:avoid", printed)  # rows never split
    assert "nav.toc{display:none}" in printed  # interactive bits hidden
    assert "max-width:100%" in printed  # charts fit the width
    assert ".rule tbody tr:nth-child(n+3){display:none}" in printed  # top two per rule
    assert "every finding" in printed  # … and the printed note says where the rest is
