"""271 eligibility responses -> coverage spans: the project's fixtures, the shared corpus (per-file
expected outcomes), the ``read_coverage`` hook, errors, and random or damaged input."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._core import _columns as col
from telekit._core._exceptions import TelekitError, UnsupportedFormatError, X12Error
from telekit.x12 import read_271

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
# tests/x12/ -> tests/ -> the project -> its parent, which holds shared/ beside the project
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "x12"
ACTIVE_INACTIVE = DATA / "coverage_active_inactive.271"
DEPENDENTS = DATA / "coverage_dependents.271"
DATES_REJECTS = DATA / "coverage_dates_rejects.271"
FIXTURES = (ACTIVE_INACTIVE, DEPENDENTS, DATES_REJECTS)
D = dt.date


def _frame(rows: list[tuple[object, ...]]) -> pl.DataFrame:
    names = [c for c in col.COVERAGE.names if c != col.TELEHEALTH_COVERED]
    frame = pl.DataFrame(rows, schema=names, orient="row")
    return frame.with_columns(pl.lit(None, pl.Boolean).alias(col.TELEHEALTH_COVERED)).cast(
        dict(col.COVERAGE.schema)
    )


# --- the project's fixtures --------------------------------------------------------------------


def test_active_benefits_are_spans_and_inactive_ones_are_issues() -> None:
    table = read_271(ACTIVE_INACTIVE)
    assert_frame_equal(
        table.data,
        _frame(
            [
                # EB*1**30*MB and EB*1**1^98*MB share the member's dates: one span, plan from REF*18
                ("MBI0001", "MEDICARE", "medicare", "MBI0001", "SYNTHETIC PLAN FROM REF",
                 D(2023, 1, 1), None),
                # EB-level DTP*346*RD8 overrides the member's DTP*356
                ("MBI0001", "MEDICARE", "medicare_advantage", "MBI0001", "SYNTHETIC ADVANTAGE",
                 D(2019, 1, 1), D(2020, 12, 31)),
                ("MBI0002", "MEDICARE", "medicaid", "MBI0002", "SYNTHETIC MEDICAID",
                 D(2024, 2, 1), D(2024, 12, 31)),
            ]
        ),
    )  # fmt: skip
    assert table.rejects.height == 0 and table.rows_in == 3
    # EB*6, EB*7 (after an LS/LE loop whose NM1*PR is not the payer) and EB*8
    assert table.issues.select("segment_number", "segment_id", "severity").rows() == [
        (18, "EB", "warning"), (26, "EB", "warning"), (30, "EB", "warning")
    ]  # fmt: skip
    assert all("EB01 (element 1) reports inactive coverage" in m for m in table.issues["message"])
    assert table.columns_given == tuple(c for c in col.COVERAGE.names if c != "telehealth_covered")


def test_dependents_without_an_id_are_numbered_per_subscriber() -> None:
    table = read_271(DEPENDENTS)
    assert_frame_equal(
        table.data,
        _frame(
            [
                ("SUB001", "SYNTHETIC HEALTH PLAN", "commercial", "SUB001",
                 "SYNTHETIC FAMILY PLAN", D(2022, 1, 1), None),
                ("SUB001:01", "SYNTHETIC HEALTH PLAN", "commercial", "SUB001",
                 "SYNTHETIC FAMILY PLAN", D(2022, 1, 1), None),
                ("DEP002", "SYNTHETIC HEALTH PLAN", "commercial", "DEP002",
                 "SYNTHETIC FAMILY PLAN", D(2022, 1, 1), None),
                # second transaction set: a new dependent, then the first one again
                ("SUB001:02", "SYNTHETIC HEALTH PLAN", "commercial", "SUB001",
                 "SYNTHETIC FAMILY PLAN", D(2023, 6, 1), None),
                ("SUB001:01", "SYNTHETIC HEALTH PLAN", "commercial", "SUB001",
                 "SYNTHETIC FAMILY PLAN", D(2023, 1, 1), None),
            ]
        ),
    )  # fmt: skip
    # the dependent the payer could not answer for: one AAA warning, no span, no "no EB" warning
    assert table.issues.select("segment_number", "segment_id").rows() == [(25, "AAA")]


def test_person_map_maps_member_ids_and_dependent_keys() -> None:
    table = read_271(DEPENDENTS, person_map={"SUB001": "P1", "SUB001:01": "P2", "NOPE": "P9"})
    assert table.data[col.PERSON_ID].to_list() == ["P1", "P2", "DEP002", "SUB001:02", "P2"]
    assert table.data[col.MEMBER_ID].to_list() == ["SUB001", "SUB001", "DEP002", "SUB001", "SUB001"]


def test_dates_and_spans_that_cannot_be_represented_are_rejects() -> None:
    table = read_271(DATES_REJECTS)
    assert_frame_equal(
        table.data,
        _frame(
            [
                ("DUP01", "SYNPLAN", "commercial", "DUP01", "FIRST", D(2020, 1, 1), None),
                # DTP*307*RD8 eligibility period
                ("PERIOD", "SYNPLAN", "other", "PERIOD", None, D(2020, 1, 1), D(2020, 12, 31)),
                # plan begin (346) with eligibility end (357)
                ("MIXED", "SYNPLAN", "self_pay", "MIXED", None, D(2021, 1, 1), D(2021, 11, 30)),
                # EB01 2 (active, full risk capitation); DTP*291*RD8; EB04 16 (Medicare secondary)
                ("PLANRANGE", "SYNPLAN", "medicare", "PLANRANGE", None, D(2018, 1, 1),
                 D(2018, 12, 31)),
            ]
        ),
    )  # fmt: skip
    rejects = table.rejects.select("row_number", "column", "value", "reason").rows()
    assert rejects == [
        (11, "enrollment_start_date", None, "missing required value"),
        (15, "enrollment_start_date", "20231301", "expected a date (YYYY-MM-DD or MM/DD/YYYY)"),
        (24, "person_id", "DUP01",
         "duplicate key (person_id, payer, enrollment_start_date); first seen at row 19"),
        (37, "person_id", None, "missing required value"),
    ]  # fmt: skip
    assert table.rows_in == table.data.height + table.rejects.height == 8
    assert (table.rejects["source_file"] == DATES_REJECTS.name).all()
    assert table.issues.height == 0


def _with_delimiters(text: str, element: str, component: str, repetition: str, end: str) -> str:
    table = str.maketrans({"*": element, ":": component, "^": repetition, "~": end})
    return text.replace("~\n", "~").translate(table)


@pytest.mark.parametrize(
    ("element", "component", "repetition", "end"),
    [("|", ">", "}", "~"), ("*", ":", "^", "\n"), ("^", "\\", "!", "'")],
)
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_delimiters_come_from_the_isa(
    fixture: Path, element: str, component: str, repetition: str, end: str
) -> None:
    reference = read_271(fixture)
    variant = _with_delimiters(fixture.read_text(), element, component, repetition, end)
    table = read_271(variant.encode(), name=fixture.name)
    assert_frame_equal(table.data, reference.data)
    assert_frame_equal(table.rejects, reference.rejects)
    assert_frame_equal(table.issues, reference.issues)


def test_read_coverage_recognises_a_271_by_content(tmp_path: Path) -> None:
    copy = tmp_path / "eligibility.txt"
    copy.write_bytes(ACTIVE_INACTIVE.read_bytes())
    table = tk.read_coverage(copy)
    reference = read_271(ACTIVE_INACTIVE)
    assert_frame_equal(table.data, reference.data)
    assert table.issues.height == 3 and (table.issues["file"] == "eligibility.txt").all()
    assert Path(table.source).name == copy.name  # the hook passes the bytes and the name


def test_bytes_are_named_in_messages() -> None:
    table = read_271(DEPENDENTS.read_bytes(), name="upload.271")
    assert table.issues["message"][0].startswith("upload.271: segment 25 (AAA): ")
    assert read_271(DEPENDENTS.read_bytes()).issues["file"][0] == "<bytes>"


def test_messages_never_carry_values() -> None:
    for fixture in FIXTURES:
        table = read_271(fixture)
        values = set(re.findall(r"[A-Z0-9]{5,}", fixture.read_text())) - {"ISA", "00501"}
        for message in table.issues["message"]:
            shown = set(re.findall(r"[A-Z0-9]{5,}", message.split(": ", 1)[1]))
            assert not shown & values, message


def test_another_transaction_or_version_is_a_clear_error() -> None:
    text = ACTIVE_INACTIVE.read_text()
    with pytest.raises(UnsupportedFormatError, match=r"segment 3 \(ST\): ST01 .* is not 271"):
        read_271(text.replace("ST*271*", "ST*270*").encode())
    with pytest.raises(UnsupportedFormatError, match=r"GS08 \(element 8\) is not 005010X279"):
        read_271(text.replace("005010X279A1", "004010X092A1").encode())
    with pytest.raises(UnsupportedFormatError, match="read_claims"):
        read_271(DATA / "telehealth.837")


def test_data_that_is_not_x12_is_an_x12_error() -> None:
    with pytest.raises(X12Error, match=r"^notes\.271: "):
        read_271(b"person_id,payer\nP1,AETNA\n", name="notes.271")
    with pytest.raises(X12Error, match="truncated"):
        read_271(b"ISA*00*   ")


# --- the shared corpus -------------------------------------------------------------------------

# file -> (spans, issues, first span: person_id, payer, payer_type, plan_name, start) or the error
CORPUS_271 = {
    "LinuxForHealth-x12/271_005010X279A1/subscriber-health-benefit-check.271": (
        1, 0, ("123456789", "841610001", "commercial", "GOLD 123 PLAN", D(2006, 1, 1))),
    "LinuxForHealth-x12/271_005010X279A1/dependent-health-benefit-check.271": (
        1, 0, ("123456789:01", "841610001", "commercial", "GOLD 123 PLAN", D(2006, 1, 1))),
    # AAA at the receiver level, and SE02 differs from ST02
    "LinuxForHealth-x12/271_005010X279A1/subscriber-health-benefit-check-error.271": (
        0, 2, None),
    "stupidedi/X279_HB271_Health_Care_Eligibility_Benefit_Inquiry_and_Response/pass/"
    "response-to-generic-request-by-clinic-for-patient-subscriber-eligibility.edi": (
        1, 0, ("123456789", "842610001", "commercial", "GOLD 123 PLAN", D(2006, 1, 1))),
    "stupidedi/X279_HB271_Health_Care_Eligibility_Benefit_Inquiry_and_Response/pass/"
    "response-to-generic-request-by-physician-for-patient-dependent-eligibility.edi": (
        1, 0, ("123456789:01", "842610001", "commercial", "GOLD 123 PLAN", D(2006, 1, 1))),
    "stupidedi/X279A1_HB271_Health_Care_Eligibility_Benefit_Inquiry_and_Response/pass/"
    "error-response-from-payer-to-clinic-not-eligible-for-inquiries-with-payer.edi": (0, 1, None),
    # eligibility begin (356) 2014-12-08 wins over plan begin (346) 2016-02-01; EB04 EP
    "TigerShark/271-example-3.txt": (
        1, 0, ("1234567899", "123456789", "commercial", "Open Access Elect Choice",
               D(2014, 12, 8))),
    # the same response with the III segment removed: SE01 no longer counts right
    "TigerShark/5010-271-example-1.txt": (
        1, 1, ("1234567899", "123456789", "commercial", "Open Access Elect Choice",
               D(2014, 12, 8))),
    # GS08 004010X092A1 (a 4010 271) although ST03 says 5010
    "imsweb-x12-parser/x270_271/x271.txt": UnsupportedFormatError,
    # inquiries, not responses
    "LinuxForHealth-x12/270_005010X279A1/subscriber-health-benefit-check.270": (
        UnsupportedFormatError),
    "imsweb-x12-parser/x270_271/x270.txt": UnsupportedFormatError,
    "LinuxForHealth-x12/270_005010X279A1/dependent-health-benefit-check.270": (
        UnsupportedFormatError),
    "stupidedi/X279A1_HS270_Health_Care_Eligibility_Benefit_Inquiry_and_Response/pass/"
    "generic-request-by-clinic-for-patient-subscriber-eligibility.edi": UnsupportedFormatError,
    "stupidedi/X279A1_HS270_Health_Care_Eligibility_Benefit_Inquiry_and_Response/pass/"
    "generic-request-by-physician-for-patient-dependent-eligibility.edi": UnsupportedFormatError,
}  # fmt: skip


@pytest.mark.parametrize("relative", list(CORPUS_271))
def test_corpus_271_expected_outcomes(relative: str) -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/fixtures/x12 is absent (a user's clone has no ../shared)")
    path = CORPUS / relative
    expected = CORPUS_271[relative]
    if isinstance(expected, type):
        with pytest.raises(expected, match=re.escape(path.name)):
            read_271(path)
        return
    spans, issues, first = expected
    table = read_271(path)
    assert table.data.height == spans
    assert table.issues.height == issues, table.issues["message"].to_list()
    assert table.rejects.height == 0
    assert (table.issues["severity"] == "warning").all()
    if first is not None:
        row = table.data.row(0, named=True)
        got = tuple(row[c] for c in (col.PERSON_ID, col.PAYER, col.PAYER_TYPE, col.PLAN_NAME,
                                     col.ENROLLMENT_START_DATE))  # fmt: skip
        assert got == first
        assert row[col.ENROLLMENT_END_DATE] is None and row[col.TELEHEALTH_COVERED] is None


def test_every_271_in_the_corpus_has_an_expected_outcome() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/fixtures/x12 is absent (a user's clone has no ../shared)")
    found = {
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and re.search(rb"ST[*|]27[01][*|]", p.read_bytes()[:4096])
    }
    assert found == set(CORPUS_271)


# --- random and damaged input ------------------------------------------------------------------

SEEDS = [f.read_bytes() for f in FIXTURES]
ISA_LENGTH = 106


def _check(data: bytes) -> None:
    try:
        table = read_271(data, name="fuzz.271")
    except TelekitError:
        return
    assert table.rows_in == table.data.height + table.rejects.height
    assert table.data.schema == col.COVERAGE.schema


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 8), st.binary(max_size=6)), max_size=6
    ),
)
def test_damaged_files_raise_only_telekit_errors(
    seed: bytes, edits: list[tuple[float, int, bytes]]
) -> None:
    # edits start after the ISA header: damaging the ISA itself is the tokenizer's tests' job
    data = bytearray(seed)
    for where, cut, insert in edits:
        at = ISA_LENGTH + int(where * (len(data) - ISA_LENGTH))
        data[at : at + cut] = insert
    _check(bytes(data))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_telekit_errors(data: bytes) -> None:
    _check(data)
    _check(SEEDS[0][:ISA_LENGTH] + data)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(SEEDS[1])))
def test_truncated_files_raise_only_telekit_errors(cut: int) -> None:
    _check(SEEDS[1][:cut])
