"""Every rule's page (``telekit rule CODE``) reads as an auditor would write it: what it checks,
why, a real source named with its address, an example and what to bill instead — never a section
of a document users do not have (DESIGN §5)."""

from __future__ import annotations

import re

import pytest

from telekit._cli import main
from telekit.rules import REGISTRY

CODES = sorted(REGISTRY)
_INTERNAL = re.compile(r"DESIGN\s*§|ref\s*§|\[S\d+\]|reference file", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s)>\]]+")
# a primary source: CMS and its contractors, the Federal Register, eCFR, the AMA (CPT), CDC/NCHS,
# Congress, SSA, X12, HHS OIG; a page may add secondary reading, never instead of these
_PRIMARY = re.compile(
    r"https?://(?:[a-z-]+\.)*(cms\.gov|cms\.hhs\.gov|ecfr\.gov|federalregister\.gov|ama-assn\.org|"
    r"cdc\.gov|congress\.gov|ssa\.gov|x12\.org|oig\.hhs\.gov|novitas-solutions\.com|"
    r"palmettogba\.com|ngsmedicare\.com|noridianmedicare\.com|cgsmedicare\.com|fcso\.com)"
)


@pytest.mark.parametrize("code", CODES)
def test_page_cites_a_real_source_by_name_and_address(code: str) -> None:
    doc = REGISTRY[code].doc
    assert not _INTERNAL.search(doc), _INTERNAL.search(doc)
    assert _URL.search(doc), f"{code}: no source address"
    assert _PRIMARY.search(doc), f"{code}: no primary source (CMS, Federal Register, CFR, CPT...)"


@pytest.mark.parametrize("code", CODES)
def test_page_has_an_example_and_what_to_do_instead(code: str) -> None:
    doc = REGISTRY[code].doc
    assert re.search(r"^Example", doc, re.MULTILINE), code
    assert re.search(r"^(Instead|Fix):", doc, re.MULTILINE), code  # the report shows this line


@pytest.mark.parametrize("code", CODES)
def test_fixes_never_ask_for_documentation_or_an_abn_after_the_fact(code: str) -> None:
    text = REGISTRY[code].doc.lower()
    for phrase in ("document it now", "add documentation", "obtain an abn", "get an abn"):
        assert phrase not in text, (code, phrase)


def test_telekit_rule_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "nc001"]) == 0
    out = capsys.readouterr().out
    assert "NC001" in out
    assert "https://" in out


@pytest.mark.parametrize("code", CODES)
def test_source_addresses_are_whole_on_one_line(code: str) -> None:
    """A URL cut at a line end cannot be opened or copied from `telekit rule CODE`."""
    cut = re.search(r"https?://\S*[/\-_]\n[ \t]*[a-z0-9][\w\-/.]*", REGISTRY[code].doc)
    assert cut is None, cut.group(0)
