"""837P → claim lines: the project's telehealth fixtures, the mapping of DESIGN §3, rejects and
issues, ``read_claims`` on X12 content, and the external conformance corpus (per-file outcomes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._core._columns import CLAIMS, ISSUES_SCHEMA, REJECTS_SCHEMA
from telekit._core._exceptions import UnsupportedFormatError, X12Error
from telekit.x12 import read_837p
from telekit.x12._837p import CLAIMS_SCHEMA

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
# tests/x12/ -> tests/ -> the project -> its parent, which holds shared/ beside the project
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "x12"
TELEHEALTH = DATA / "telehealth.837"
NAMES_AND_BIRTH_DATES = ("PATIENT", "ALPHA", "PARENT", "BETA", "CHILD", "GAMMA", "DELTA", "1950")


def lines_of(path: Path) -> pl.DataFrame:
    return read_837p(path).lines


# --- the project's telehealth fixture ----------------------------------------------------------


def test_telehealth_lines_follow_the_mapping() -> None:
    result = read_837p(TELEHEALTH)
    lines = result.lines
    assert lines.schema == CLAIMS.schema
    assert result.rejects.is_empty()
    assert result.issues.is_empty()
    expected = pl.DataFrame(
        {
            "claim_id": ["TH1001", "TH1001", "TH1002", "TH1003", "TH1004"],
            "claim_line_number": [1, 2, 1, 1, 1],
            "person_id": [
                "MBI0000001",
                "MBI0000001",
                "AET000002:01",
                "AET000002:02",
                "AET000002:01",
            ],
            "member_id": ["MBI0000001", "MBI0000001", "AET000002", "AET000002", "AET000002"],
            "payer": ["MCRB01", "MCRB01", "60054", "60054", "60054"],
            "payer_type": ["medicare", "medicare", "commercial", "commercial", "commercial"],
            "claim_frequency_code": ["1", "1", "7", "1", "1"],
            "original_payer_claim_control_number": [None, None, "ICN20240001", None, None],
            # 2420A on line 2, else 2310B, else the billing provider 2010AA
            "rendering_npi": ["1497758544", "1629067490", "1234567893", "1234567893", "1234567893"],
            "billing_npi": ["1234567893"] * 5,
            "claim_line_start_date": [dt.date(2024, 1, d) for d in (2, 2, 5, 6, 8)],
            "claim_submitted_date": [dt.date(2024, 1, d) for d in (10, 10, 11, 11, 11)],
            # SV105 (line 2) over CLM05-1
            "place_of_service_code": ["02", "10", "10", "02", "02"],
            "hcpcs_code": ["99214", "99443", "90834", "90832", "99213"],
            "hcpcs_modifier_1": ["95", "93", "95", "95", "93"],
            "service_unit_quantity": [Decimal(1)] * 5,
            "charge_amount": [Decimal(150), Decimal(100), Decimal(200), Decimal(120), Decimal(80)],
            # SV107 pointers first (line 2 points at the third HI code), then the rest in order
            "diagnosis_code_1": ["F329", "G4700", "F909", "F419", "F909"],
            "diagnosis_code_2": ["Z733", "F329", None, None, None],
            "diagnosis_code_3": ["G4700", "Z733", None, None, None],
            "line_control_number": ["TH1001L1", "TH1001L2", None, None, None],
        },
        schema_overrides={"claim_line_number": pl.Int32},
    )
    assert_frame_equal(lines.select(expected.columns), expected, check_dtypes=False)
    for column in ("hcpcs_modifier_2", "diagnosis_code_4", "original_claim_id", "encounter_id"):
        assert lines[column].null_count() == lines.height


def test_telehealth_claim_level() -> None:
    claims = read_837p(TELEHEALTH).claims
    assert claims.schema == CLAIMS_SCHEMA
    assert claims["claim_id"].to_list() == ["TH1001", "TH1002", "TH1003", "TH1004"]
    assert claims["total_charge_amount"].to_list() == [
        Decimal(250),
        Decimal(200),
        Decimal(120),
        Decimal(80),
    ]
    assert claims["place_of_service_code"].to_list() == ["02", "10", "02", "02"]
    assert claims["claim_frequency_code"].to_list() == ["1", "7", "1", "1"]
    assert claims["original_payer_claim_control_number"].to_list() == [
        None,
        "ICN20240001",
        None,
        None,
    ]
    assert claims["payer_type"].to_list() == ["medicare", "commercial", "commercial", "commercial"]
    assert claims["claim_filing_indicator_code"].to_list() == ["MB", "CI", "CI", "CI"]
    assert (
        claims["claim_submitted_date"].to_list()
        == [dt.date(2024, 1, 10)] + [dt.date(2024, 1, 11)] * 3
    )
    assert claims["line_count"].to_list() == [2, 1, 1, 1]
    assert claims["diagnosis_codes"].to_list() == [
        ["F329", "Z733", "G4700"],
        ["F909"],
        ["F419"],
        ["F909"],
    ]
    assert claims["rendering_npi"].to_list() == ["1497758544"] + ["1234567893"] * 3
    # several ST in one GS: each claim keeps its transaction's control numbers
    assert claims["transaction_control_number"].to_list() == ["0001", "0002", "0002", "0002"]
    assert set(claims["interchange_control_number"]) == {"000000101"}
    assert set(claims["group_control_number"]) == {"101"}


@pytest.mark.parametrize(
    "name",
    ["telehealth_compact.837", "telehealth_pipes.837", "telehealth_damaged.837"],
    ids=["no-newlines", "pipe-caret-gt-newline", "damaged-envelope"],
)
def test_variants_read_the_same_lines(name: str) -> None:
    assert_frame_equal(lines_of(DATA / name), lines_of(TELEHEALTH))


def test_crlf_and_compact_variants_differ_only_in_line_breaks() -> None:
    crlf = TELEHEALTH.read_bytes()
    assert b"~\r\n" in crlf
    assert crlf.replace(b"\r\n", b"") == (DATA / "telehealth_compact.837").read_bytes()
    pipes = (DATA / "telehealth_pipes.837").read_bytes()
    assert pipes.startswith(b"ISA|") and b"|^|00501|" in pipes and b"|>\nGS|" in pipes


def test_damaged_envelope_is_warnings_with_the_data_kept() -> None:
    result = read_837p(DATA / "telehealth_damaged.837")
    assert result.lines.height == 5
    issues = result.issues
    assert issues.schema == ISSUES_SCHEMA
    assert issues.select("segment_number", "segment_id", "severity").rows() == [
        (34, "SE", "warning"),
        (81, "IEA", "warning"),
    ]
    assert issues["message"].to_list() == [
        "telehealth_damaged.837: segment 34 (SE): SE01 (element 1) does not equal the number "
        "of segments from ST to SE (32 counted).",
        "telehealth_damaged.837: segment 81 (IEA): IEA02 (element 2) does not match the control "
        "number in ISA13.",
    ]
    assert set(issues["file"]) == {"telehealth_damaged.837"}


def test_rejects_use_the_csv_reasons_and_segment_ordinals() -> None:
    result = read_837p(DATA / "telehealth_rejects.837")
    assert result.rejects.schema == REJECTS_SCHEMA
    # CLM01:LX (claim_id:claim_line_number) names each rejected line
    assert result.rejects["record_key"].to_list() == ["R1:2", "R1:3", "R2:1", "R3:1"]
    assert result.rejects.drop("table", "source_file", "record_key").rows() == [
        (25, "claim_line_start_date", "20241340", "expected a date (YYYY-MM-DD or MM/DD/YYYY)"),
        (
            28,
            "charge_amount",
            "1O0.00",
            "expected an amount with at most 2 decimals (e.g. 1234.50, $1,234.50 or (12.50))",
        ),
        (33, "claim_frequency_code", "5", "expected one of: 1, 7, 8"),
        (41, "claim_id", "R3", "duplicate key (claim_id, claim_line_number); first seen at row 38"),
    ]
    assert set(result.rejects["source_file"]) == {"telehealth_rejects.837"}
    assert result.rows_in == result.lines.height + result.rejects.height == 6
    assert result.lines.select("claim_id", "payer_type").rows() == [
        ("R1", "medicaid"),
        ("R3", "medicaid"),
    ]
    assert result.issues.is_empty()  # R1's total is not compared: one of its SV102 is unreadable


def test_patient_names_and_birth_dates_are_never_kept() -> None:
    result = read_837p(TELEHEALTH)
    frames = [result.lines, result.claims, result.issues, result.rejects]
    flat = [f.with_columns(pl.col(pl.List(pl.String)).list.join(",")) for f in frames]
    text = "\n".join(f.cast(pl.String).write_csv() for f in flat)
    for word in NAMES_AND_BIRTH_DATES:
        assert word not in text
    assert "19500101" not in text and "20100303" not in text


# --- structure problems --------------------------------------------------------------------


def edited(old: str, new: str, source: Path = TELEHEALTH) -> bytes:
    data = source.read_bytes()
    assert old.encode() in data
    return data.replace(old.encode(), new.encode())


def test_clm02_differing_from_its_lines_is_a_warning() -> None:
    result = read_837p(edited("CLM*TH1003*120*", "CLM*TH1003*125*"), name="t.837")
    assert result.lines.height == 5
    assert result.issues.select("segment_number", "segment_id").rows() == [(65, "CLM")]
    assert "CLM02 (element 2) does not equal the sum" in result.issues["message"][0]
    assert "125" not in result.issues["message"][0]


def test_unreadable_clm02_is_a_warning_and_an_empty_total() -> None:
    result = read_837p(edited("CLM*TH1003*120*", "CLM*TH1003*X12*"), name="t.837")
    assert result.claims["total_charge_amount"].to_list()[2] is None
    assert result.issues["message"].to_list() == [
        "t.837: segment 65 (CLM): CLM02 (element 2) is not an amount; the claim's total charge "
        "is left empty."
    ]


def test_service_line_outside_a_claim_is_an_error_and_skipped() -> None:
    data = edited("HL*2*1*22*0~", "SV1*HC:99213*50*UN*1~\r\nHL*2*1*22*0~")
    result = read_837p(data, name="t.837")
    assert result.lines.height == 5
    assert result.issues.select("segment_number", "segment_id", "severity").rows() == [
        (14, "SV1", "error"),
        (35, "SE", "warning"),  # the inserted segment also breaks SE01
    ]
    # the skipped line is a reject (row_number = its segment ordinal) and counted in rows_in
    assert result.rejects.select("source_file", "row_number", "column", "reason").rows() == [
        ("t.837", 14, None, "service line outside a claim (no CLM before it)")
    ]
    assert result.rows_in == result.lines.height + result.rejects.height == 6


def test_a_file_cut_inside_a_line_rejects_that_line_and_warns() -> None:
    data = TELEHEALTH.read_bytes()
    cut = data[: data.rindex(b"SV1*") + 12]
    result = read_837p(cut, name="t.837")
    (sv1,) = result.rejects["row_number"].to_list()
    assert result.rejects["reason"].to_list() == [
        f"the file ends inside segment {sv1} of this claim line (the file is cut short); the "
        "line is not read"
    ]
    last = result.issues.row(-1, named=True)
    assert (last["segment_number"], last["segment_id"], last["severity"]) == (sv1, "SV1", "warning")
    assert f"interchange truncated after segment {sv1 - 1}" in last["message"]
    assert result.rows_in == result.lines.height + 1


def test_a_file_missing_its_trailers_warns_that_it_is_truncated() -> None:
    data = TELEHEALTH.read_bytes()
    result = read_837p(data[: data.rindex(b"SE*")], name="t.837")
    assert result.lines.height == 5
    assert result.rejects.is_empty()
    (message,) = result.issues["message"].to_list()
    assert "interchange truncated after segment" in message
    assert message.endswith("without the SE, GE, IEA trailers; the file may be cut short.")


def test_dangling_pointer_and_missing_component_separator_are_warnings() -> None:
    data = edited("SV1*HC:99443:93*100*UN*1*10**3~", "SV1*HC>99443*100*UN*1*10**7~")
    result = read_837p(data, name="t.837")
    assert result.issues.select("segment_number", "segment_id").rows() == [(30, "SV1")] * 2
    assert result.rejects.select("row_number", "column").rows() == [(30, "hcpcs_code")]


def test_claim_without_lines_is_a_warning() -> None:
    data = edited("LX*1~\r\nSV1*HC:90832:95*120*UN*1***1~\r\nDTP*472*D8*20240106~\r\n", "")
    result = read_837p(data, name="t.837")
    assert result.claims.height == 4
    assert result.claims["line_count"].to_list() == [2, 1, 0, 1]
    assert "claim has no service line" in result.issues["message"][0]


def test_cob_loops_do_not_override_the_claim() -> None:
    other_payer = (
        "SBR*S*01*******MC~\r\nOI***Y*P**Y~\r\nNM1*IL*1*OTHER*SUB****MI*OTHER01~\r\n"
        "NM1*PR*2*OTHER PAYER*****PI*OTHERPAYER~\r\nREF*F8*OTHERICN~\r\n"
        "NM1*82*1~\r\nREF*G2*X~\r\nLX*1~\r\nSV1*HC:99214:95"
    )
    data = edited("LX*1~\r\nSV1*HC:99214:95", other_payer)
    line = read_837p(data, name="t.837").lines.row(0, named=True)
    assert line["member_id"] == "MBI0000001"
    assert line["payer"] == "MCRB01"
    assert line["payer_type"] == "medicare"
    assert line["original_payer_claim_control_number"] is None
    assert line["rendering_npi"] == "1497758544"


@pytest.mark.parametrize(
    ("sbr09", "payer_type"),
    [
        *[("MB", "medicare"), ("MA", "medicare"), ("16", "medicare_advantage")],
        *[("MC", "medicaid"), ("ZZ", "other"), ("CI", "commercial"), ("BL", "commercial")],
        ("", "commercial"),
    ],
)
def test_payer_type_from_sbr09(sbr09: str, payer_type: str) -> None:
    lines = read_837p(edited("SBR*P*18*******MB~", f"SBR*P*18*******{sbr09}~")).lines
    assert lines["payer_type"].to_list()[:2] == [payer_type] * 2


def test_dependant_matching_the_subscriber_uses_the_member_id() -> None:
    data = edited(
        "NM1*QC*1*CHILD*DELTA~\r\nDMG*D8*20120404*M~", "NM1*QC*1*PARENT*BETA~\r\nDMG*D8*19800202*M~"
    )
    lines = read_837p(data).lines
    assert lines["person_id"].to_list()[2:] == ["AET000002:01", "AET000002", "AET000002:01"]


@pytest.mark.parametrize(
    ("version", "shown"),
    [
        ("005010X223A2", "837 version 005010X223A2"),
        ("004010X098A1", "837 version 004010X098A1"),
    ],
)
def test_other_837_versions_are_unsupported(version: str, shown: str) -> None:
    data = TELEHEALTH.read_bytes().replace(b"005010X222A1", version.encode())
    with pytest.raises(
        UnsupportedFormatError,
        match=rf"segment 3 \(ST\): unsupported transaction {shown}.*telekit reads 837P 0050",
    ):
        read_837p(data, name="t.837")


@pytest.mark.parametrize("version", ["005010X222", "005010X222A1", "005010X222A2"])
def test_837p_guides_are_read(version: str) -> None:
    data = TELEHEALTH.read_bytes().replace(b"005010X222A1", version.encode())
    assert read_837p(data).lines.height == 5


def test_an_unrecognisable_version_is_not_echoed() -> None:
    data = TELEHEALTH.read_bytes().replace(b"ST*837*0001*005010X222A1", b"ST*837*0001*DOE JANE")
    with pytest.raises(UnsupportedFormatError, match="version unrecognised") as info:
        read_837p(data)
    assert "DOE" not in str(info.value)


def test_bytes_errors_use_the_given_name() -> None:
    with pytest.raises(X12Error, match=r"^claims\.837: segment 1 "):
        read_837p(b"HL*1**20*1~", name="claims.837")


# --- read_claims ---------------------------------------------------------------------------


def test_read_claims_recognises_an_837p_by_content(tmp_path: Path) -> None:
    path = tmp_path / "batch.txt"
    path.write_bytes((DATA / "telehealth_damaged.837").read_bytes())
    table = tk.read_claims(path)
    assert isinstance(table, tk.Table)
    assert_frame_equal(table.data, lines_of(TELEHEALTH))
    assert table.issues.height == 2
    assert set(table.issues["file"]) == {"batch.txt"}
    assert table.rows_in == 5
    assert table.source == "batch.txt"
    assert "place_of_service_code" in table.columns_given
    assert "encounter_id" not in table.columns_given
    _, rejects = table
    assert rejects is table.rejects


def test_read_claims_rejects_come_back_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "rejects.837"
    path.write_bytes((DATA / "telehealth_rejects.837").read_bytes())
    table = tk.read_claims(path)
    assert table.rejects["row_number"].to_list() == [25, 28, 33, 41]
    assert set(table.rejects["source_file"]) == {"rejects.837"}
    assert table.rows_in == table.data.height + table.rejects.height


def test_read_claims_on_an_835_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "remit.835"
    data = TELEHEALTH.read_bytes().replace(b"ST*837*0001*005010X222A1", b"ST*835*0001*005010X221A1")
    path.write_bytes(data)
    with pytest.raises(
        UnsupportedFormatError, match=r"remit\.835: segment 3 \(ST\): unsupported transaction 835"
    ):
        tk.read_claims(path)


def test_x12_for_a_table_without_an_x12_form_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "enc.837"
    path.write_bytes(TELEHEALTH.read_bytes())
    with pytest.raises(
        UnsupportedFormatError, match=r"enc\.837: X12 content cannot be read as encounters"
    ):
        tk.read_encounters(path)


# --- the external corpus -------------------------------------------------------------------

# file -> (claims, lines kept, rejects, issues, Σ kept line charges, Σ CLM02)
# LinuxForHealth example6/9/11/12 and cob.2ndary.example4 declare ISA16 ':' but write '>' in
# SV101 and HI: by the declared delimiters they hold no procedure code (a reject) and no diagnosis.
# imsweb's template files repeat CLM01/LX01 (duplicates), carry a stale SE01 and CLM02 = 500.
EXPECTED: dict[str, tuple[int, int, int, int, str, str]] = {
    "LinuxForHealth-x12/837_005010X222A2/demo.ambulance.example5.837": (
        1,
        4,
        0,
        0,
        "766.50",
        "766.50",
    ),
    "LinuxForHealth-x12/837_005010X222A2/demo.autoaccident.837": (1, 2, 0, 0, "185.00", "185.00"),
    "LinuxForHealth-x12/837_005010X222A2/demo.cob.2ndary.example4.837": (
        1,
        0,
        1,
        2,
        "0.00",
        "145.50",
    ),
    "LinuxForHealth-x12/837_005010X222A2/demo.cob.example3.A.837": (1, 3, 0, 0, "79.04", "79.04"),
    "LinuxForHealth-x12/837_005010X222A2/demo.cob.example3.B.837": (1, 3, 0, 0, "79.04", "79.04"),
    "LinuxForHealth-x12/837_005010X222A2/demo.cob.example3.C.837": (1, 3, 0, 0, "79.04", "79.04"),
    "LinuxForHealth-x12/837_005010X222A2/demo.cob.example4.837": (1, 1, 0, 0, "120.00", "120.00"),
    "LinuxForHealth-x12/837_005010X222A2/demo.drug.example10.1.837": (
        1,
        2,
        0,
        0,
        "103.37",
        "103.37",
    ),
    "LinuxForHealth-x12/837_005010X222A2/demo.drug.example10.2.837": (
        1,
        6,
        0,
        0,
        "2232.93",
        "2232.93",
    ),
    "LinuxForHealth-x12/837_005010X222A2/demo.drug.example10.3.837": (
        1,
        6,
        0,
        0,
        "2232.93",
        "2232.93",
    ),
    "LinuxForHealth-x12/837_005010X222A2/demo.example1.837": (1, 4, 0, 0, "100.00", "100.00"),
    "LinuxForHealth-x12/837_005010X222A2/demo.example11.837": (1, 0, 2, 4, "0.00", "28.75"),
    "LinuxForHealth-x12/837_005010X222A2/demo.example12.837": (1, 0, 1, 2, "0.00", "252.71"),
    "LinuxForHealth-x12/837_005010X222A2/demo.example2.837": (1, 4, 0, 0, "100.00", "100.00"),
    "LinuxForHealth-x12/837_005010X222A2/demo.example6.837": (1, 0, 1, 2, "0.00", "145.50"),
    "LinuxForHealth-x12/837_005010X222A2/demo.example7.837": (1, 2, 0, 0, "520.24", "520.24"),
    "LinuxForHealth-x12/837_005010X222A2/demo.example8.837": (1, 1, 0, 0, "75.00", "75.00"),
    "LinuxForHealth-x12/837_005010X222A2/demo.example9.837": (1, 0, 1, 2, "0.00", "827.00"),
    "imsweb-x12-parser/837_5010/x12_ambiguous_loop.txt": (1, 1, 0, 3, "12.25", "500.00"),
    "imsweb-x12-parser/837_5010/x12_bad_first_line.txt": (2, 2, 0, 4, "24.50", "1000.00"),
    "imsweb-x12-parser/837_5010/x12_bad_segment_identifier.txt": (2, 1, 1, 5, "12.25", "1000.00"),
    "imsweb-x12-parser/837_5010/x12_bad_valid_code.txt": (2, 0, 2, 5, "0.00", "1000.00"),
    "imsweb-x12-parser/837_5010/x12_complex.txt": (6, 5, 5, 15, "62.38", "3000.00"),
    "imsweb-x12-parser/837_5010/x12_loop_errors1_exceeds_max_1_parent.txt": (
        1,
        1,
        0,
        3,
        "12.25",
        "500.00",
    ),
    "imsweb-x12-parser/837_5010/x12_loop_errors2_exceeds_max_repeats_multiple_parents.txt": (
        2,
        1,
        1,
        5,
        "12.25",
        "1000.00",
    ),
    "imsweb-x12-parser/837_5010/x12_loop_errors3_missing_loops.txt": (1, 0, 1, 3, "0.00", "500.00"),
    "imsweb-x12-parser/837_5010/x12_many_claims.txt": (820, 2, 818, 1231, "24.50", "410000.00"),
    "imsweb-x12-parser/837_5010/x12_missing_elements.txt": (2, 2, 0, 5, "24.50", "1000.00"),
    # starts at GS (no ISA): read with the standard delimiters, one warning more
    "imsweb-x12-parser/837_5010/x12_no_isa_line.txt": (2, 1, 1, 6, "12.25", "1000.00"),
    "imsweb-x12-parser/837_5010/x12_missing_required_loop_in_one_repeat.txt": (
        2,
        1,
        1,
        5,
        "12.25",
        "1000.00",
    ),
    "imsweb-x12-parser/837_5010/x12_missing_required_loops_mult_repeats.txt": (
        5,
        1,
        4,
        11,
        "12.25",
        "2500.00",
    ),
    "imsweb-x12-parser/837_5010/x12_multiple_gs.txt": (6, 2, 4, 16, "24.50", "3000.00"),
    "imsweb-x12-parser/837_5010/x12_multiple_isa.txt": (4, 4, 0, 10, "49.00", "2000.00"),
    "imsweb-x12-parser/837_5010/x12_multiple_st.txt": (4, 2, 2, 11, "24.50", "2000.00"),
    "imsweb-x12-parser/837_5010/x12_multiple_transactions.txt": (
        624,
        2,
        622,
        1248,
        "24.50",
        "312000.00",
    ),
    "imsweb-x12-parser/837_5010/x12_no_errors.txt": (2, 1, 1, 5, "12.25", "1000.00"),
    "imsweb-x12-parser/837_5010/x12_segment_errors.txt": (1, 1, 0, 3, "12.25", "500.00"),
    "imsweb-x12-parser/837_5010/x12_segments_out_of_order.txt": (2, 2, 0, 4, "24.50", "1000.00"),
    "imsweb-x12-parser/837_5010/x12_valid.txt": (2, 2, 0, 4, "24.50", "1000.00"),
    "imsweb-x12-parser/837_5010/x12_valid_different_separators.txt": (
        2,
        2,
        0,
        4,
        "24.50",
        "1000.00",
    ),
    "imsweb-x12-parser/837_5010/x12_writer_test.txt": (1, 1, 0, 3, "12.25", "500.00"),
    **{
        f"stupidedi/X222A1_HC837_Health_Care_Claim_Professional/pass/{name}.edi": outcome
        for name, outcome in {
            "COB-claim-from-billing-provider-to-payer-a": (1, 3, 0, 0, "79.04", "79.04"),
            "COB-claim-from-billing-provider-to-payer-b": (1, 3, 0, 0, "79.04", "79.04"),
            "COB-claim-from-payer-a-to-payer-b-in-payer-to-payer": (1, 3, 0, 0, "79.04", "79.04"),
            "ambulance": (1, 4, 0, 0, "766.50", "766.50"),
            "anesthesia": (1, 1, 0, 0, "827.00", "827.00"),
            "chiropractic": (1, 1, 0, 0, "145.50", "145.50"),
            "commercial-health-insurance": (1, 4, 0, 0, "100.00", "100.00"),
            "drug-administered-in-the-physician-office": (1, 2, 0, 0, "103.37", "103.37"),
            "encounter": (1, 4, 0, 0, "100.00", "100.00"),
            "home-infusion-therapy-pharmacy-adjudicated-with-HCPCS-in-loop-2400-or-NDC-in-loop-2410": (  # noqa: E501
                1,
                6,
                0,
                0,
                "2232.93",
                "2232.93",
            ),
            "home-infusion-therapy-pharmacy-adjudicated-with-NDC-in-loop-2410": (
                1,
                6,
                0,
                0,
                "2232.93",
                "2232.93",
            ),
            "medicare-secondary-payer-COB": (1, 1, 0, 0, "120.00", "120.00"),
            "out-of-network-repriced-claim": (1, 1, 0, 0, "252.71", "252.71"),
            "oxygen": (1, 2, 0, 0, "520.24", "520.24"),
            "ppo-repriced-claim": (1, 2, 0, 0, "28.75", "28.75"),
            "wheelchair": (1, 1, 0, 0, "75.00", "75.00"),
        }.items()
    },
}
UNSUPPORTED = [
    *(
        f"LinuxForHealth-x12/837_004010X098A1/{n}.837"
        for n in (
            "coordination-of-benefits",
            "dependent-commercial-insurance-01",
            "dependent-commercial-insurance-02",
            "dependent-commercial-insurance-03",
            "patient-is-dependent",
            "patient-is-subscriber",
        )
    ),
    *(
        f"LinuxForHealth-x12/837_005010X223A3/{n}.837i"
        for n in (
            "institutional-claim",
            "out-of-network-repriced-claim",
            "ppo-repriced-claim",
            "two-claims-single-provider",
        )
    ),
    "imsweb-x12-parser/837_5010/x223-test.txt",
]


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/fixtures/x12 is absent")
    return CORPUS


def test_every_5010_837p_of_the_corpus_is_listed(corpus: Path) -> None:
    from telekit.x12 import sniff

    found = {
        str(p.relative_to(corpus))
        for p in corpus.rglob("*")
        if p.is_file() and sniff(p) == "837P" and b"004010X098" not in p.read_bytes()[:400]
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_corpus_837p_outcome(corpus: Path, rel: str) -> None:
    result = read_837p(corpus / rel)
    n_claims, n_lines, n_rejects, n_issues, line_total, claim_total = EXPECTED[rel]
    outcome = (
        result.claims.height,
        result.lines.height,
        result.rejects.height,
        result.issues.height,
        str(result.lines["charge_amount"].sum()),
        str(result.claims["total_charge_amount"].sum()),
    )
    assert outcome == (n_claims, n_lines, n_rejects, n_issues, line_total, claim_total)
    assert result.rows_in == n_lines + n_rejects
    assert result.lines.schema == CLAIMS.schema
    assert (result.issues["severity"] == "warning").all()
    # CLM02 equals the sum of the lines wherever every line was kept and no warning says otherwise
    if n_rejects == 0 and not result.issues["message"].str.contains("CLM02").any():
        assert line_total == claim_total


@pytest.mark.parametrize("rel", UNSUPPORTED)
def test_corpus_4010_and_837i_are_unsupported(corpus: Path, rel: str) -> None:
    with pytest.raises(UnsupportedFormatError, match="unsupported transaction 837 version 00"):
        read_837p(corpus / rel)
    with pytest.raises(UnsupportedFormatError, match="telekit reads 837P 005010X222A1"):
        tk.read_claims(corpus / rel)


def test_corpus_without_isa_is_read_with_the_standard_delimiters(corpus: Path) -> None:
    result = read_837p(corpus / "imsweb-x12-parser/837_5010/x12_no_isa_line.txt")
    assert result.issues.row(0)[1:] == (
        1,
        "GS",
        "warning",
        "x12_no_isa_line.txt: segment 1 (GS): no ISA envelope: read with the standard "
        "delimiters * ~ : ^",
    )
    # its IEA is counted (one GS) but has no ISA13 to match
    assert not result.issues["segment_id"].is_in(["IEA", "GE"]).any()
