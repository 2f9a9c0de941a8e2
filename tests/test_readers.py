"""The readers: every input shape, every kind's coercion, header handling, rejects and errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from telekit._core._columns import CLAIMS, COVERAGE, REJECTS_SCHEMA, TABLES
from telekit._core._exceptions import (
    InputError,
    MissingColumnError,
    X12Error,
)
from telekit._read._tables import (
    read_claims,
    read_coverage,
    read_encounters,
    read_providers,
    read_table,
)

DATA = Path(__file__).parent / "data"
MESSY = DATA / "messy"
BAD = DATA / "bad"

REQUIRED = {
    "claim_id": "C1",
    "claim_line_number": "1",
    "person_id": "P1",
    "payer": "AETNA",
    "payer_type": "commercial",
    "rendering_npi": "1234567893",
    "claim_line_start_date": "2024-01-05",
    "place_of_service_code": "02",
    "hcpcs_code": "99213",
    "charge_amount": "150.00",
}


def claims_csv(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    """CSV text of claim lines: every required column, overridden per row."""
    header = header or list(REQUIRED)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i, row in enumerate(rows, start=1):
        values = {**REQUIRED, "claim_id": f"C{i}", **row}
        writer.writerow([values.get(h, "") for h in header])
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one(tmp_path: Path, column: str, value: str) -> pl.DataFrame:
    """Read one claim line whose ``column`` holds ``value``; return data and rejects."""
    header = [*REQUIRED, column] if column not in REQUIRED else list(REQUIRED)
    table = read_claims(write(tmp_path, "one.csv", claims_csv([{column: value}], header)))
    assert table.rows_in == 1
    return table.data if table.data.height else table.rejects


# --- messy but valid files ---------------------------------------------------------------------


def test_messy_claims_export_bom_crlf_title_aliases_money_dates() -> None:
    table = read_claims(MESSY / "claims_export.csv")
    # 4 claim lines and 3 empty rows (",,,", then two blank lines), skipped and counted
    assert (table.rows_in, table.rows_skipped) == (7, 3)
    assert table.rejects.height == 0
    assert table.data.schema == CLAIMS.schema
    assert table.dropped_columns == ("Notes",)
    assert table.source.endswith("claims_export.csv")
    data = table.data
    assert data["claim_id"].to_list() == ["C100", "C100", "C101", "C102"]
    assert data["claim_line_number"].to_list() == [1, 2, 1, 1]
    assert data["payer"].to_list() == ["Aetna, Inc.", "Aetna, Inc.", "MEDICARE", "MEDICARE"]
    assert data["payer_type"].to_list() == [
        "commercial", "commercial", "medicare", "medicare_advantage",
    ]  # fmt: skip
    assert data["claim_line_start_date"].to_list() == [
        dt.date(2024, 1, 5), dt.date(2024, 1, 5), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
    ]  # fmt: skip
    assert data["place_of_service_code"].to_list() == ["02", "02", "10", "02"]
    assert data["charge_amount"].to_list() == [
        Decimal("1234.50"), Decimal("25.00"), Decimal("-10.00"), Decimal("80.00"),
    ]  # fmt: skip
    assert data["hcpcs_modifier_1"].to_list() == ["95", None, "95", "FQ"]
    assert data["hcpcs_modifier_2"].to_list() == [None, None, "93", None]
    assert data["diagnosis_code_2"].to_list() == ["Z00.00", None, None, None]
    assert data["service_unit_quantity"].to_list() == [
        Decimal("1.000"), Decimal("1.000"), Decimal("1.000"), Decimal("2.000"),
    ]  # fmt: skip
    # absent optional columns are all-null, even those with a default for empty cells
    assert data["claim_frequency_code"].to_list() == [None] * 4
    assert data["member_id"].null_count() == 4
    assert "member_id" not in table.columns_given
    assert "claim_frequency_code" not in table.columns_given
    assert {"hcpcs_modifier_1", "hcpcs_modifier_4", "diagnosis_code_12"} <= set(table.columns_given)


def test_messy_row_numbers_are_physical_lines(tmp_path: Path) -> None:
    """BOM, title row, CRLF, an embedded newline and blank lines: rejects name the line."""
    text = (MESSY / "claims_export.csv").read_bytes()
    # make C101 (line 5, spanning 5-6) and C102 (line 7) bad
    text = text.replace(b"02/29/2024", b"02/30/2024").replace(
        b"99442,02,FQ,2,80", b"99442,02,FQ,2,x"
    )
    path = tmp_path / "claims_export.csv"
    path.write_bytes(text)
    table = read_claims(path)
    assert table.rejects["row_number"].to_list() == [5, 7]
    assert table.rejects["column"].to_list() == ["claim_line_start_date", "charge_amount"]
    assert table.rejects["value"].to_list() == ["02/30/2024", "x"]
    assert table.rejects["source_file"].to_list() == ["claims_export.csv"] * 2


def test_latin1_provider_names() -> None:
    table = read_providers(MESSY / "providers_latin1.csv")
    assert table.data["provider_name"].to_list() == ["José Peña", "Zoë Müller"]
    assert table.data["provider_type"].to_list() == ["MD", "PSYCHOLOGIST"]


def test_cp1252_smart_quotes(tmp_path: Path) -> None:
    path = tmp_path / "providers.csv"
    path.write_bytes("npi,provider_name\n1,O\u2019Brien \u2013 Jr\n".encode("cp1252"))
    assert read_providers(path).data["provider_name"].to_list() == ["O\u2019Brien \u2013 Jr"]


def test_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "providers.csv"
    path.write_bytes("npi,provider_name\n1,Łukasz\n".encode("iso8859_2"))
    table = read_providers(path, options={"encoding": "iso8859_2"})
    assert table.data["provider_name"].to_list() == ["Łukasz"]


def test_utf16_excel_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "providers.txt"
    path.write_bytes("npi\tprovider_name\r\n1\tJosé\r\n".encode("utf-16"))
    assert read_providers(path).data["provider_name"].to_list() == ["José"]


def test_semicolon_encounters_with_value_map() -> None:
    table = read_encounters(
        MESSY / "encounters_semicolon.csv",
        values={
            "modality": {"video": "audio_video", "Phone": "audio_only"},
            "patient_location": {"Clinic": "facility"},
        },
    )
    assert table.rejects.height == 0
    assert table.data["modality"].to_list() == ["audio_video", "audio_only", "audio_only"]
    assert table.data["patient_location"].to_list() == ["home", "facility", "home"]
    assert table.data["encounter_date"].to_list() == [
        dt.date(2024, 1, 5), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
    ]  # fmt: skip
    assert table.data["consent_documented"].to_list() == [True, False, True]
    assert table.data["total_minutes"].to_list() == [25, 12, None]
    assert table.data["mdm_level"].to_list() == ["low", None, "moderate"]


def test_semicolon_encounters_without_value_map_rejects_unknown_modality() -> None:
    table = read_encounters(MESSY / "encounters_semicolon.csv")
    assert table.rejects["row_number"].to_list() == [2, 3]
    assert table.rejects["column"].to_list() == ["modality", "modality"]
    assert table.rejects["reason"][1].endswith("(+1 more)")  # Phone and Clinic


def test_tab_delimited_coverage() -> None:
    table = read_coverage(MESSY / "coverage_tab.tsv")
    assert table.rejects.height == 0
    assert table.data.schema == COVERAGE.schema
    assert table.data["payer_type"].to_list() == ["commercial", "medicare", "medicare_advantage"]
    assert table.data["enrollment_end_date"].to_list() == [None, dt.date(2024, 12, 31), None]
    assert table.data["telehealth_covered"].to_list() == [True, None, False]
    assert table.columns_given == tuple(COVERAGE.names)


def test_classic_mac_line_ends(tmp_path: Path) -> None:
    text = claims_csv([{}, {"charge_amount": "x"}]).replace("\n", "\r")
    table = read_claims(write(tmp_path, "claims.csv", text))
    assert table.data["claim_id"].to_list() == ["C1"]
    assert table.rejects["row_number"].to_list() == [3]


def test_pipe_delimited(tmp_path: Path) -> None:
    text = claims_csv([{}, {"payer": "A|B"}]).replace(",", "|").replace("A|B", '"A|B"')
    table = read_claims(write(tmp_path, "claims.txt", text))
    assert table.data["payer"].to_list() == ["AETNA", "A|B"]


def test_trailing_and_blank_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    text = claims_csv([{}, {}]).replace("\nC2", "\n,,,,,,,,,\n   ,  ,\n\nC2") + ",,,,\n\n\n"
    table = read_claims(write(tmp_path, "claims.csv", text))
    # DESIGN §3: rows_in = kept + rejected + skipped (3 empty rows between, 3 after)
    assert table.rows_skipped == 6
    assert table.rows_in == 8 == table.data.height + table.rejects.height + table.rows_skipped
    assert table.data["claim_id"].to_list() == ["C1", "C2"]


def test_quoted_comma_and_embedded_newline_row_numbers(tmp_path: Path) -> None:
    rows = [{"payer": "A, B"}, {"payer": "line one\nline two\nthree"}, {"charge_amount": "x"}]
    table = read_claims(write(tmp_path, "claims.csv", claims_csv(rows)))
    assert table.data["payer"].to_list() == ["A, B", "line one\nline two\nthree"]
    # header 1, C1 2, C2 3-5, C3 6
    assert table.rejects["row_number"].to_list() == [6]


def test_quotes_that_do_not_span_lines_keep_fast_row_numbers(tmp_path: Path) -> None:
    rows = [{"payer": 'say "hi"'}, {"charge_amount": "bad"}]
    table = read_claims(write(tmp_path, "claims.csv", claims_csv(rows)))
    assert table.data["payer"].to_list() == ['say "hi"']
    assert table.rejects["row_number"].to_list() == [3]


# --- XLSX --------------------------------------------------------------------------------------


def make_xlsx(path: Path) -> Path:
    """A workbook with a title row above the header, real date cells and numeric codes."""
    book = xlsxwriter.Workbook(str(path))
    notes = book.add_worksheet("Notes")
    notes.write(0, 0, "Exported from the practice system")
    sheet = book.add_worksheet("Claims")
    date_format = book.add_format({"num_format": "mm/dd/yyyy"})
    sheet.write(0, 0, "Telehealth claims, January 2024")
    header = ["Claim ID", "Line Number", "Patient ID", "Payer", "Payer Type", "NPI", "DOS", "CPT",
              "POS", "Charge", "Units", "Modifier 1", "Submitted Date"]  # fmt: skip
    sheet.write_row(2, 0, header)
    sheet.write_row(3, 0, ["C1", 1, "P1", "AETNA", "commercial", 1234567893])
    sheet.write_datetime(3, 6, dt.datetime(2024, 1, 5), date_format)  # noqa: DTZ001
    sheet.write_row(3, 7, [99213, 2, 150.5, 1, 95])
    sheet.write_datetime(3, 12, dt.datetime(2024, 1, 9), date_format)  # noqa: DTZ001
    sheet.write_row(4, 0, ["C1", 2, "P1", "AETNA", "commercial", "1234567893", "01/06/2024"])
    sheet.write_row(4, 7, ["G2211", "02", "$20.00", 1.25, None, None])
    # row 6 left empty; row 7 has a bad charge
    sheet.write_row(6, 0, ["C2", 1, "P2", "AETNA", "commercial", 1234567893])
    sheet.write_datetime(6, 6, dt.datetime(2024, 1, 7), date_format)  # noqa: DTZ001
    sheet.write_row(6, 7, [99214, 10, "n/a"])
    book.close()
    return path


def test_xlsx_title_row_dates_numeric_codes(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "claims.xlsx")
    table = read_claims(path, options={"sheet": "Claims"})
    assert (table.rows_in, table.rows_skipped) == (4, 1)  # the empty sheet row is counted
    data = table.data
    assert data["claim_line_number"].to_list() == [1, 2]
    assert data["rendering_npi"].to_list() == ["1234567893", "1234567893"]
    assert data["hcpcs_code"].to_list() == ["99213", "G2211"]
    assert data["place_of_service_code"].to_list() == ["02", "02"]
    assert data["claim_line_start_date"].to_list() == [dt.date(2024, 1, 5), dt.date(2024, 1, 6)]
    assert data["claim_submitted_date"].to_list() == [dt.date(2024, 1, 9), None]
    assert data["charge_amount"].to_list() == [Decimal("150.50"), Decimal("20.00")]
    assert data["service_unit_quantity"].to_list() == [Decimal("1.000"), Decimal("1.250")]
    assert data["hcpcs_modifier_1"].to_list() == ["95", None]
    # the reject names the sheet row (1-based), counting the title and the empty row
    assert table.rejects.select("row_number", "column", "value").rows() == [
        (7, "charge_amount", "n/a")
    ]
    assert table.rejects["source_file"].to_list() == ["claims.xlsx"]


def test_xlsx_sheet_by_number_and_default_first_sheet(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "claims.xlsx")
    assert read_claims(path, options={"sheet": 2}).data.height == 2
    with pytest.raises(MissingColumnError, match="no header row"):
        read_claims(path)  # the first sheet holds only a note
    with pytest.raises(InputError, match=r"no sheet 'Claimz' \(sheets: Notes, Claims\)"):
        read_claims(path, options={"sheet": "Claimz"})


def test_xlsx_header_row_option(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "claims.xlsx")
    table = read_claims(path, options={"sheet": "Claims", "header_row": 3})
    assert table.data.height == 2


def test_xlsx_recognised_by_content_not_extension(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "export.bin")
    assert read_claims(path, options={"sheet": "Claims"}).data.height == 2


# --- Parquet and frames ------------------------------------------------------------------------


def typed_claims(n: int, start: int = 1) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "claim_id": [f"C{i}" for i in range(start, start + n)],
            "claim_line_number": pl.Series([1] * n, dtype=pl.Int64),
            "person_id": ["P1"] * n,
            "payer": ["AETNA"] * n,
            "payer_type": ["Commercial"] * n,
            "rendering_npi": ["1234567893"] * n,
            "claim_line_start_date": [dt.date(2024, 1, 5)] * n,
            "claim_submitted_date": pl.Series([dt.datetime(2024, 1, 9)] * n),  # noqa: DTZ001
            "place_of_service_code": pl.Series([2] * n, dtype=pl.Int64),
            "hcpcs_code": [" g2211 "] * n,
            "charge_amount": pl.Series([150.5] * n, dtype=pl.Float64),
            "service_unit_quantity": pl.Series([Decimal("1.5")] * n, dtype=pl.Decimal(10, 3)),
            "consent": [True] * n,
        }
    )


def test_parquet_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "claims.parquet"
    typed_claims(3).write_parquet(path)
    table = read_claims(path)
    assert table.rows_in == 3
    assert table.data.schema == CLAIMS.schema
    row = table.data.row(0, named=True)
    assert row["claim_line_start_date"] == dt.date(2024, 1, 5)
    assert row["claim_submitted_date"] == dt.date(2024, 1, 9)
    assert row["place_of_service_code"] == "02"
    assert row["charge_amount"] == Decimal("150.50")
    assert row["service_unit_quantity"] == Decimal("1.500")
    assert row["hcpcs_code"] == "G2211"
    assert row["payer_type"] == "commercial"
    assert table.dropped_columns == ("consent",)


def test_parquet_directory_of_parts_row_numbers_span_parts(tmp_path: Path) -> None:
    parts = tmp_path / "claims"
    parts.mkdir()
    typed_claims(2, start=1).write_parquet(parts / "part-0.parquet")
    bad = typed_claims(2, start=3).with_columns(
        pl.when(pl.col("claim_id") == "C4")
        .then(None)
        .otherwise(pl.col("claim_line_start_date"))
        .alias("claim_line_start_date")
    )
    bad.write_parquet(parts / "part-1.parquet")
    table = read_claims(parts)
    assert table.rows_in == 4
    assert table.data["claim_id"].to_list() == ["C1", "C2", "C3"]
    assert table.rejects.select("row_number", "column", "reason").rows() == [
        (4, "claim_line_start_date", "missing required value")
    ]
    assert table.rejects["source_file"].to_list() == ["claims"]


def test_parquet_recognised_by_content(tmp_path: Path) -> None:
    path = tmp_path / "claims.dat"
    typed_claims(1).write_parquet(path)
    assert read_claims(path).data.height == 1


def test_frames_are_validated_like_files() -> None:
    frame = typed_claims(3).with_columns(
        pl.Series("charge_amount", [150.5, 1.005, 3.0]),
    )
    for source in (frame, frame.lazy()):
        table = read_claims(source)
        assert table.source == "<frame>"
        assert table.rows_in == 3
        assert table.data.height == 2
        assert table.rejects.select("source_file", "row_number", "column", "value").rows() == [
            ("<frame>", 2, "charge_amount", "1.005")
        ]


def test_nested_frame_column_is_an_input_error() -> None:
    frame = typed_claims(1).with_columns(pl.lit(["95", "GT"]).alias("hcpcs_modifiers"))
    with pytest.raises(InputError, match=r"column 'hcpcs_modifiers' holds List\(String\)"):
        read_claims(frame)


def test_string_frame_matches_csv(tmp_path: Path) -> None:
    text = claims_csv([{}, {"claim_line_start_date": "1/5/2024", "charge_amount": "$1,000"}])
    from_file = read_claims(write(tmp_path, "claims.csv", text))
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    from_frame = read_claims(frame)
    assert_frame_equal(from_file.data, from_frame.data)


def test_x12_content_is_recognised(tmp_path: Path) -> None:
    """A .txt whose content is X12 goes to the X12 reader (here: a truncated ISA, its error)."""
    path = tmp_path / "claims.txt"
    path.write_text("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER~")
    with pytest.raises(X12Error, match=r"claims\.txt: segment 1 \(ISA\)"):
        read_claims(path)


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: file not found"):
        read_claims(tmp_path / "nope.csv")


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_claims(write(tmp_path, "claims.csv", "\n\n"))


def test_header_only_file_gives_empty_table(tmp_path: Path) -> None:
    table = read_claims(write(tmp_path, "claims.csv", ",".join(REQUIRED) + "\n"))
    assert table.rows_in == 0
    assert table.data.schema == CLAIMS.schema
    assert table.rejects.schema == REJECTS_SCHEMA


def test_unknown_table() -> None:
    with pytest.raises(InputError, match="unknown table 'claimz'"):
        read_table("claimz", pl.DataFrame())


# --- coercion per kind -------------------------------------------------------------------------

GOOD = [
    ("charge_amount", "150", Decimal("150.00")),
    ("charge_amount", "$1,234.50", Decimal("1234.50")),
    ("charge_amount", "(12.50)", Decimal("-12.50")),
    ("charge_amount", "150.0000", Decimal("150.00")),
    ("charge_amount", " $ 9,999,999,999.99 ", Decimal("9999999999.99")),
    ("charge_amount", "-0.5", Decimal("-0.50")),
    ("service_unit_quantity", "0.125", Decimal("0.125")),
    ("service_unit_quantity", "2.5000", Decimal("2.500")),
    ("service_unit_quantity", "", Decimal("1.000")),
    ("claim_line_number", "15.0", 15),
    ("claim_line_number", "007", 7),
    ("claim_line_start_date", "2024-01-05", dt.date(2024, 1, 5)),
    ("claim_line_start_date", "01/05/2024", dt.date(2024, 1, 5)),
    ("claim_line_start_date", "1/5/2024", dt.date(2024, 1, 5)),
    ("claim_line_start_date", "20240105", dt.date(2024, 1, 5)),
    ("claim_line_start_date", "2024-01-05 00:00:00", dt.date(2024, 1, 5)),
    ("claim_line_start_date", "2024-01-05T00:00:00", dt.date(2024, 1, 5)),
    ("claim_line_start_date", "2024-02-29", dt.date(2024, 2, 29)),
    ("place_of_service_code", "2", "02"),
    ("place_of_service_code", "2.0", "02"),
    ("place_of_service_code", "11", "11"),
    ("hcpcs_code", " g2211 ", "G2211"),
    ("hcpcs_modifier_1", "gt", "GT"),
    ("payer_type", "Medicare Advantage", "medicare_advantage"),
    ("payer_type", "SELF-PAY", "self_pay"),
    ("claim_frequency_code", "01", "1"),
    ("claim_frequency_code", "7", "7"),
    ("claim_frequency_code", "", "1"),
    ("payer", "  AETNA  ", "AETNA"),
    ("member_id", "   ", None),
]


@pytest.mark.parametrize(("column", "text", "expected"), GOOD)
def test_good_value(tmp_path: Path, column: str, text: str, expected: object) -> None:
    out = one(tmp_path, column, text)
    assert "reason" not in out.columns, out.to_dicts()
    assert out[column].to_list() == [expected]


BAD_VALUES = [
    ("charge_amount", "150.005", "expected an amount"),
    ("charge_amount", "10000000000", "expected an amount"),
    ("charge_amount", "1e5", "expected an amount"),
    ("charge_amount", "12-", "expected an amount"),
    ("service_unit_quantity", "1.0005", "expected a quantity"),
    ("service_unit_quantity", "10000000", "expected a quantity"),
    ("claim_line_number", "15.5", "expected a whole number"),
    ("claim_line_number", "x", "expected a whole number"),
    ("claim_line_number", "3000000000", "expected a whole number"),
    ("claim_line_start_date", "2023-02-29", "expected a date (YYYY-MM-DD or MM/DD/YYYY)"),
    ("claim_line_start_date", "1/5/24", "expected a date"),
    ("claim_line_start_date", "2024-01-05 08:00:00", "expected a date"),
    ("claim_line_start_date", "Jan 5, 2024", "expected a date"),
    ("payer_type", "Medicare Part B", "expected one of: medicare, medicare_advantage, medicaid"),
    ("claim_frequency_code", "2", "expected one of: 1, 7, 8"),
    ("payer", "   ", "missing required value"),
]


@pytest.mark.parametrize(("column", "text", "reason"), BAD_VALUES)
def test_bad_value(tmp_path: Path, column: str, text: str, reason: str) -> None:
    rejects = one(tmp_path, column, text)
    assert rejects.columns == list(REJECTS_SCHEMA)
    row = rejects.row(0, named=True)
    assert row["column"] == column
    assert row["value"] == text
    assert row["reason"].startswith(reason)
    assert row["row_number"] == 2
    assert row["table"] == "claims"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("T", True), ("Yes", True), ("y", True), ("1", True),
     ("FALSE", False), ("f", False), ("no", False), ("N", False), ("0", False), ("", None)],
)  # fmt: skip
def test_bool_words(text: str, expected: bool | None) -> None:
    frame = pl.DataFrame({"encounter_id": ["E1"], "consent_documented": [text]})
    table = read_encounters(frame)
    assert table.data["consent_documented"].to_list() == [expected]


@pytest.mark.parametrize("text", ["maybe", "2", "si"])
def test_bool_rejects(text: str) -> None:
    table = read_encounters(pl.DataFrame({"encounter_id": ["E1"], "consent_documented": [text]}))
    assert table.rejects["reason"].to_list() == ["expected true/false, yes/no, y/n, t/f or 1/0"]


@pytest.mark.parametrize(("text", "expected"), [("md", "MD"), ("Psychologist", "PSYCHOLOGIST")])
def test_provider_type_upper_case_enum(text: str, expected: str) -> None:
    table = read_providers(pl.DataFrame({"npi": ["1"], "provider_type": [text]}))
    assert table.data["provider_type"].to_list() == [expected]


def test_encounter_enum_spellings() -> None:
    frame = pl.DataFrame(
        {"encounter_id": ["E1", "E2", "E3"], "modality": ["Audio-Only", "audio video", "PORTAL"]}
    )
    assert read_encounters(frame).data["modality"].to_list() == [
        "audio_only", "audio_video", "portal",
    ]  # fmt: skip


def test_date_format_option(tmp_path: Path) -> None:
    text = claims_csv([{"claim_line_start_date": "05.01.2024"}, {"claim_line_start_date": "x"}])
    table = read_claims(write(tmp_path, "c.csv", text), options={"date_format": "%d.%m.%Y"})
    assert table.data["claim_line_start_date"].to_list() == [dt.date(2024, 1, 5)]
    assert table.rejects["reason"].to_list() == ["expected a date (%d.%m.%Y)"]


def test_values_map_exact_then_case_insensitive(tmp_path: Path) -> None:
    rows = [{"payer_type": "MCR"}, {"payer_type": "mcr"}, {"payer_type": "Mcr"}]
    values = {"payer_type": {"MCR": "medicare", "mcr": "medicaid"}}
    table = read_claims(write(tmp_path, "c.csv", claims_csv(rows)), values=values)
    assert table.data["payer_type"].to_list() == ["medicare", "medicaid", "medicare"]


def test_values_map_on_typed_column_goes_through_text() -> None:
    frame = pl.DataFrame({"encounter_id": ["E1"], "consent_documented": ["Documented"]})
    table = read_encounters(frame, values={"consent_documented": {"documented": "true"}})
    assert table.data["consent_documented"].to_list() == [True]


def test_delimited_modifiers_and_diagnoses(tmp_path: Path) -> None:
    header = [*REQUIRED, "hcpcs_modifiers", "diagnosis_codes"]
    rows = [
        {"hcpcs_modifiers": "95 gt", "diagnosis_codes": "F32.9|Z00.00"},
        {"hcpcs_modifiers": ";;25;;", "diagnosis_codes": ""},
        {"hcpcs_modifiers": "95,GT,25,59", "diagnosis_codes": "A00 , A01;A02"},
    ]
    table = read_claims(write(tmp_path, "c.csv", claims_csv(rows, header)))
    data = table.data
    assert data.select(
        "hcpcs_modifier_1", "hcpcs_modifier_2", "hcpcs_modifier_3", "hcpcs_modifier_4"
    ).rows() == [("95", "GT", None, None), ("25", None, None, None), ("95", "GT", "25", "59")]
    assert data.select("diagnosis_code_1", "diagnosis_code_2", "diagnosis_code_3").rows() == [
        ("F32.9", "Z00.00", None), (None, None, None), ("A00", "A01", "A02"),
    ]  # fmt: skip


def test_delimited_and_numbered_columns_conflict(tmp_path: Path) -> None:
    header = [*REQUIRED, "Modifiers", "modifier 2"]
    with pytest.raises(InputError, match="'Modifiers' and 'modifier 2' both give hcpcs_modifier"):
        read_claims(write(tmp_path, "c.csv", claims_csv([{}], header)))


# --- headers -----------------------------------------------------------------------------------


def test_header_normalisation_and_aliases(tmp_path: Path) -> None:
    text = (
        "\ufeffClaim-ID, Line Number ,Patient.ID,Payer,PAYER TYPE,Rendering Provider NPI,"
        "Date of Service,Procedure Code,Place/Of/Service,Billed Amount,Modifier1,DX\n"
        "C1,1,P1,AETNA,commercial,1234567893,2024-01-05,99213,02,10,95,F32.9 Z00.00\n"
    )
    table = read_claims(write(tmp_path, "c.csv", text))
    assert table.dropped_columns == ()
    row = table.data.row(0, named=True)
    assert row["hcpcs_modifier_1"] == "95"
    assert row["diagnosis_code_2"] == "Z00.00"
    assert row["charge_amount"] == Decimal("10.00")


def test_rename_exact_and_normalised(tmp_path: Path) -> None:
    text = claims_csv([{}]).replace("claim_line_start_date", "Svc Dt").replace("hcpcs_code", "Proc")
    table = read_claims(
        write(tmp_path, "c.csv", text),
        rename={"Svc Dt": "claim_line_start_date", "PROC": "hcpcs_code"},
    )
    assert table.data["hcpcs_code"].to_list() == ["99213"]
    assert table.data["claim_line_start_date"].to_list() == [dt.date(2024, 1, 5)]


def test_two_columns_on_one_canonical_column(tmp_path: Path) -> None:
    text = claims_csv([{}]).replace("hcpcs_code", "CPT,hcpcs_code").replace("99213", "99213,99214")
    with pytest.raises(InputError, match="columns 'CPT' and 'hcpcs_code' both map to 'hcpcs_code'"):
        read_claims(write(tmp_path, "c.csv", text))


def test_title_rows_above_the_csv_header(tmp_path: Path) -> None:
    text = "Claims report\nRun on 2024-03-01,by billing\n" + claims_csv(
        [{}, {"charge_amount": "x"}]
    )
    table = read_claims(write(tmp_path, "c.csv", text))
    assert table.data.height == 1
    assert table.rejects["row_number"].to_list() == [5]


def test_one_word_title_naming_a_column_loses_to_the_real_header(tmp_path: Path) -> None:
    text = "Charges\n" + claims_csv([{}])
    table = read_claims(write(tmp_path, "c.csv", text))
    assert table.data["claim_id"].to_list() == ["C1"]


def test_header_row_option_csv(tmp_path: Path) -> None:
    text = "claim_id,payer\nnot,the header\n" + claims_csv([{}])
    table = read_claims(write(tmp_path, "c.csv", text), options={"header_row": 3})
    assert table.data["claim_id"].to_list() == ["C1"]


def test_single_column_header_is_found(tmp_path: Path) -> None:
    table = read_providers(write(tmp_path, "p.csv", "Roster 2024\nNPI\n1234567893\n"))
    assert table.data["npi"].to_list() == ["1234567893"]


def test_no_header_row(tmp_path: Path) -> None:
    text = "C1,1,P1,SECRETVALUE,commercial\n" * 3
    with pytest.raises(MissingColumnError, match=r"c\.csv: no header row found") as info:
        read_claims(write(tmp_path, "c.csv", text))
    assert "SECRETVALUE" not in str(info.value)


def test_missing_required_columns_are_named_at_once(tmp_path: Path) -> None:
    text = "claim_id,dos_x,cpt,payer\nC1,2024-01-05,99213,SECRETVALUE\n"
    with pytest.raises(MissingColumnError) as info:
        read_claims(write(tmp_path, "c.csv", text))
    message = str(info.value)
    assert "\n" not in message and "SECRETVALUE" not in message
    # claim_line_number is derived when absent (DESIGN §3): person_id is the first missing
    assert message.startswith("c.csv: columns 'person_id' (accepted: person_id, ")
    assert "'claim_line_number'" not in message
    missing = set(CLAIMS.required) - {"claim_id", "hcpcs_code", "payer"}
    assert {m for m in missing if f"'{m}' (accepted: {m}" in message} == missing
    assert "(found: claim_id, dos_x, cpt, payer)" in message
    assert "closest header: 'dos_x'" in message
    assert '[claims.rename] entry "dos_x" = "claim_line_start_date" in map.toml' in message
    assert "`telekit map --init c.csv`" in message


def test_missing_column_suggests_closest_header(tmp_path: Path) -> None:
    text = claims_csv([{}]).replace("claim_line_start_date", "claim_start_date")
    with pytest.raises(
        MissingColumnError,
        match=re.escape("c.csv: column 'claim_line_start_date' (accepted: claim_line_start_date, ")
        + r".*"
        + re.escape("closest header: 'claim_start_date') is missing (found: claim_id, ")
        + r".*"
        + re.escape('rename={"claim_start_date": "claim_line_start_date"})'),
    ):
        read_claims(write(tmp_path, "c.csv", text))


def test_missing_column_in_a_frame() -> None:
    with pytest.raises(
        MissingColumnError,
        match=r"^<frame>: column 'encounter_id' \(accepted: encounter_id, .*\) is missing",
    ):
        read_encounters(pl.DataFrame({"visit": ["x"]}))


def test_no_cell_value_in_any_error_message(tmp_path: Path) -> None:
    phi = "PHI-Jane-Doe-1970"
    cases = [
        claims_csv([{"payer": phi}])
        .replace("hcpcs_code", "cpt,hcpcs_code")
        .replace("99213", "99213,99213"),
        claims_csv([{"payer": phi}], [*REQUIRED, "modifiers", "modifier_1"]),
        claims_csv([{"payer": phi}]).replace("charge_amount", "amt"),
        f"{phi},{phi}\n{phi},{phi}\n",
    ]
    for i, text in enumerate(cases):
        with pytest.raises(InputError) as info:
            read_claims(write(tmp_path, f"c{i}.csv", text))
        assert phi not in str(info.value)


# --- the bad-file corpus -----------------------------------------------------------------------


def table_of(path: Path) -> str:
    return max((t for t in TABLES if path.name.startswith(t + "_")), key=len)


BAD_FILES = sorted(p for p in BAD.iterdir() if not p.name.endswith(".expected.csv"))


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.name for p in BAD_FILES])
def test_bad_corpus(path: Path) -> None:
    table = read_table(table_of(path), path)
    expected = pl.read_csv(path.with_suffix(".expected.csv"), infer_schema=False)
    got = table.rejects
    assert got["row_number"].to_list() == [int(r) for r in expected["row_number"]]
    assert got["column"].to_list() == expected["column"].to_list()
    for reason, prefix, more in zip(
        got["reason"], expected["reason"], expected["more"], strict=True
    ):
        assert reason.startswith(prefix), (reason, prefix)
        suffix = re.search(r" \(\+(\d+) more\)$", reason)
        assert (int(suffix.group(1)) if suffix else 0) == int(more), reason
    assert set(got["table"]) <= {table.name}
    assert set(got["source_file"]) <= {path.name}
    # every line but the header is a record in these files; good rows are all kept
    records = sum(1 for line in path.read_text().splitlines()[1:] if line.strip(", "))
    assert table.rows_in == records
    assert table.data.height == records - expected.height > 0
    assert table.rows_in == table.data.height + table.rejects.height
    assert table.data.schema == TABLES[table.name].schema
    # a rejected row's value is its cell's raw text
    raw = pl.read_csv(path, infer_schema=False).with_row_index("row_number", offset=2)
    for row in got.filter(~pl.col("reason").str.starts_with("more than")).iter_rows(named=True):
        source_row = raw.row(row["row_number"] - 2, named=True)
        assert row["value"] == source_row.get(row["column"]), row


def test_bad_corpus_covers_several_tables() -> None:
    assert {table_of(p) for p in BAD_FILES} >= {
        "claims", "encounters", "coverage", "providers", "remittances", "adjustments",
        "patient_payments",
    }  # fmt: skip


def test_rejects_are_sorted_and_unique_per_row() -> None:
    table = read_claims(BAD / "claims_multiple_problems.csv")
    rows = table.rejects["row_number"].to_list()
    assert rows == sorted(set(rows))


# --- accounting under random input -------------------------------------------------------------

cell = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["", " ", "\t", "1", "2024-01-05", "01/05/2024", "$1,234.50", "(1.00)", "02",
                     "medicare", "Medicare Advantage", "C1", "1.5", "\n", "a\r\nb", '"', ","]),
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cell, min_size=10, max_size=12), max_size=12))
def test_random_rows_never_raise_and_account_for_every_row(rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*REQUIRED, "notes", "extra"])
    starts = []  # the physical line where each non-empty record starts
    empty = 0
    for row in rows:
        line = out.getvalue().count("\n") + 1
        writer.writerow(row)
        if any(c.strip() for c in row):
            starts.append(line)
        else:
            empty += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        table = read_claims(path)
    assert table.rows_in == table.data.height + table.rejects.height + table.rows_skipped
    assert table.rows_in == len(starts) + empty
    assert table.rows_skipped == empty
    assert set(table.rejects["row_number"]) <= set(starts)
    assert table.rejects["row_number"].is_unique().all()
    assert table.data.schema == CLAIMS.schema


@pytest.mark.parametrize("name", list(TABLES))
def test_all_string_empty_frame(name: str) -> None:
    columns = TABLES[name].names
    table = read_table(name, pl.DataFrame({c: pl.Series([], dtype=pl.String) for c in columns}))
    assert table.rows_in == 0
    assert table.data.schema == TABLES[name].schema
    assert table.columns_given == tuple(columns)
