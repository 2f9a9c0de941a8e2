"""X12 without an ISA envelope (issue 19, item 8b): a file that starts at ST (or GS), as some
clearinghouse exports write it, is recognised as X12 by content and read with the standard
delimiters ``* ~ : ^``, with one warning in ``.issues``; 837P, 835 and 271 alike."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._io._source import is_x12
from telekit.x12 import read_835, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
WARNING = "no ISA envelope: read with the standard delimiters * ~ : ^"


def _transaction_sets(source: Path, *, keep_gs: bool = False) -> bytes:
    """The file's ST..SE sets without their ISA (and GS/GE, IEA unless ``keep_gs``)."""
    data = source.read_bytes()
    start = data.index(b"GS*" if keep_gs else b"ST*")
    end = data.index(b"IEA*" if keep_gs else b"GE*")
    return data[start:end]


def _issue_messages(issues: pl.DataFrame) -> list[str]:
    return issues["message"].to_list()


def test_837p_starting_at_st_is_read_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "export.837"
    path.write_bytes(_transaction_sets(DATA / "telehealth.837"))
    assert is_x12(path.read_bytes())
    assert sniff(path) == "837P"
    table = tk.read_claims(path)
    assert_frame_equal(table.data, tk.read_claims(DATA / "telehealth.837").data)
    assert table.rejects.is_empty()
    assert _issue_messages(table.issues) == [f"export.837: segment 1 (ST): {WARNING}"]
    assert table.issues["severity"].to_list() == ["warning"]


def test_837p_starting_at_gs_is_read_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "group.837"
    path.write_bytes(_transaction_sets(DATA / "telehealth.837", keep_gs=True))
    table = tk.read_claims(path)
    assert_frame_equal(table.data, tk.read_claims(DATA / "telehealth.837").data)
    assert _issue_messages(table.issues) == [f"group.837: segment 1 (GS): {WARNING}"]


def _835_without_isa() -> bytes:
    # this fixture's STs give no ST03 (its GS08 does): without the GS the guide comes from ST03
    sets = _transaction_sets(DATA / "telehealth.835")
    return sets.replace(b"ST*835*0001~", b"ST*835*0001*005010X221A1~").replace(
        b"ST*835*0002~", b"ST*835*0002*005010X221A1~"
    )


def test_835_starting_at_st_is_read_and_remit_id_names_the_file(tmp_path: Path) -> None:
    whole = read_835(DATA / "telehealth.835")
    for name in ("a.835", "b.835"):
        (tmp_path / name).write_bytes(_835_without_isa())
    first = tk.read_remittances(tmp_path / "a.835")
    assert sniff(tmp_path / "a.835") == "835"
    # remit_id = ISA13-GS06-ST02, the file name standing for ISA13, empty GS06
    assert first.payments["remit_id"].to_list() == ["a.835--0001", "a.835--0002"]
    key = ["remit_id", "remit_claim_seq", "svc_seq"]
    assert_frame_equal(first.lines.drop(key), whole.lines.drop(key))
    assert_frame_equal(first.adjustments.drop(key), whole.adjustments.drop(key))
    # the fixture's own issues (at segments 2 earlier), after the one about the envelope
    assert _issue_messages(first.issues)[0] == f"a.835: segment 1 (ST): {WARNING}"
    assert first.issues["segment_number"].to_list()[1:] == [
        n - 2 for n in whole.issues["segment_number"]
    ]
    # two such files read together keep distinct keys
    both = tk.read_remittances([tmp_path / "a.835", tmp_path / "b.835"])
    assert both.payments["remit_id"].n_unique() == 4
    assert both.rejects.is_empty()


def test_271_starting_at_st_is_read_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "eligibility.271"
    path.write_bytes(_transaction_sets(DATA / "coverage_dependents.271"))
    assert sniff(path) == "271"
    table = tk.read_coverage(path)
    assert_frame_equal(table.data, tk.read_coverage(DATA / "coverage_dependents.271").data)
    whole = tk.read_coverage(DATA / "coverage_dependents.271")
    assert _issue_messages(table.issues)[0] == f"eligibility.271: segment 1 (ST): {WARNING}"
    # the fixture's own issues (at segments 2 earlier), after the one about the envelope
    assert table.issues["segment_number"].to_list()[1:] == [
        n - 2 for n in whole.issues["segment_number"]
    ]


@pytest.mark.parametrize(
    "head",
    [b"STATE,CITY\nNY,ALBANY\n", b"ST,837,0001\n", b"ST*ABC*1~", b"GS,HC\n", b"\xef\xbb\xbfSTX*8*"],
)
def test_text_that_merely_starts_with_st_or_gs_is_not_x12(head: bytes) -> None:
    assert not is_x12(head)
    assert sniff(head) is None
