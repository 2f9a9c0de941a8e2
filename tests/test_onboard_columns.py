"""telekit columns, telekit template, the practice-management aliases and the one-line error
naming every missing required column (issue 19, items 1-4)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from telekit._cli import main
from telekit._core._columns import CLAIMS, ENCOUNTERS, TABLES, TableSpec
from telekit._core._exceptions import InputError, MissingColumnError
from telekit._io._maps import delimited_columns, normalize_header
from telekit._onboard._contract import describe, requirement, write_template
from telekit._read._tables import read_claims, read_table


def block(text: str, column: str) -> str:
    """The lines ``telekit columns`` prints for one column (its row and the indented ones)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [column])
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    return " ".join(line.strip() for line in lines[start:end])


def test_columns_claims_lists_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["columns", "claims"]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "claims (duplicate key: claim_id + claim_line_number)" in text
    assert "encounters (" not in text
    for column in CLAIMS.columns:
        row = block(text, column.name).split()
        assert row[1] == requirement(CLAIMS, column), column.name
    assert block(text, "claim_line_start_date").split()[1:3] == [
        requirement(CLAIMS, CLAIMS.column("claim_line_start_date")),
        "Date",
    ]
    assert "Decimal(12,2)" in block(text, "charge_amount")
    assert "Int32" in block(text, "claim_line_number")
    payer_type = block(text, "payer_type")
    assert (
        "values: medicare, medicare_advantage, medicaid, commercial, self_pay, other" in payer_type
    )
    dos = block(text, "claim_line_start_date")
    for spelling in ("dos", "svc date", "date of service", "from date"):
        assert spelling in dos
    assert "cpt hcpcs" in block(text, "hcpcs_code")
    assert "default when empty: 1" in block(text, "service_unit_quantity")
    assert "hcpcs_modifier_1 … hcpcs_modifier_4" in block(text, "hcpcs_modifiers")


def test_columns_encounters_and_every_table(capsys: pytest.CaptureFixture[str]) -> None:
    text = describe("encounters")
    modality = block(text, "modality")
    assert "values: in_person, audio_video, audio_only, store_and_forward, portal" in modality
    consent = block(text, "consent_documented")
    assert "Boolean" in consent and "values: true, false" in consent
    assert block(text, "encounter_id").split()[1] == "yes"
    assert block(text, "encounter_date").split()[1:3] == ["no", "Date"]
    assert "mdm" in block(text, "mdm_level")
    assert main(["columns"]) == 0
    every = capsys.readouterr().out
    for name in TABLES:
        assert f"\n{name} (duplicate key: " in every


def test_columns_unknown_table_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["columns", "claimz"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["columns", "template", "map"])
def test_help_describes_every_option(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    for option in {"template": ["--out"], "map": ["--init", "--out", "--table"]}.get(command, []):
        assert option in out
    assert main(["--help"]) == 0
    assert command in capsys.readouterr().out


# --- template --------------------------------------------------------------------------------


def test_claims_template_reads_back_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "claims.xlsx"
    assert main(["template", "claims", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["claims", "Notes"]
    sheet = book["claims"]
    headers = [c.value for c in sheet[1]]
    assert headers == CLAIMS.names
    for cell in sheet[1]:
        assert cell.font.bold == (cell.value in CLAIMS.required), cell.value
        assert cell.comment is not None
    assert "required: yes" in (sheet["A1"].comment.text if sheet["A1"].comment else "")
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    column = chr(ord("A") + CLAIMS.names.index("payer_type"))
    payer_type = validations[f"{column}2:{column}1001"]
    assert payer_type.type == "list"
    lists = book["Lists"]
    found = re.fullmatch(r"Lists!\$([A-Z]+)\$1:\$\1\$([0-9]+)", payer_type.formula1)
    assert found is not None
    letter, last = found.group(1), int(found.group(2))
    values = [lists[f"{letter}{i}"].value for i in range(1, last + 1)]
    assert values == list(CLAIMS.column("payer_type").values)
    pos = chr(ord("A") + CLAIMS.names.index("place_of_service_code"))
    assert f"{pos}2:{pos}1001" in validations
    notes = book["Notes"]
    assert [c.value for c in notes["A"]][1:] == CLAIMS.names
    table = read_table("claims", out)
    assert table.data.height == 0 and table.rows_in == 0
    assert table.data.schema == CLAIMS.schema
    assert set(table.columns_given) == set(CLAIMS.names)


def test_encounters_template_validates_enumerations_and_booleans(tmp_path: Path) -> None:
    out = write_template("encounters", tmp_path / "encounters.xlsx")
    sheet = openpyxl.load_workbook(out)["encounters"]
    validated = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
    expected = {
        f"{chr(ord('A') + ENCOUNTERS.names.index(c))}2"
        for c in ("modality", "patient_location", "consent_documented", "mdm_level")
    }
    assert validated == expected
    assert read_table("encounters", out).data.height == 0


def test_template_refuses_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "claims.xlsx"
    out.write_text("mine")
    assert main(["template", "claims", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err
    assert out.read_text() == "mine"
    with pytest.raises(InputError, match="already exists"):
        write_template("claims", out)


# --- aliases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", TABLES.values(), ids=list(TABLES))
def test_every_alias_names_exactly_one_column(spec: TableSpec) -> None:
    targets = {*spec.names, *delimited_columns(spec)}
    canonical = {normalize_header(n) for n in targets}
    for alias, column in spec.aliases.items():
        assert normalize_header(alias) == alias, alias  # written as matched, so never shadowed
        assert alias not in canonical, alias
        assert column in targets, alias


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Svc Date", "claim_line_start_date"),
        ("Date of Service", "claim_line_start_date"),
        ("From Date", "claim_line_start_date"),
        ("CPT/HCPCS", "hcpcs_code"),
        ("Proc Code", "hcpcs_code"),
        ("Mod 1", "hcpcs_modifier_1"),
        ("Modifier 4", "hcpcs_modifier_4"),
        ("Place of Svc", "place_of_service_code"),
        ("POS", "place_of_service_code"),
        ("Billed Amt", "charge_amount"),
        ("Charges", "charge_amount"),
        ("Primary Ins", "payer"),
        ("Payer Name", "payer"),
        ("ICD-10 1", "diagnosis_code_1"),
        ("Dx 12", "diagnosis_code_12"),
        ("Diag 3", "diagnosis_code_3"),
        ("Line #", "claim_line_number"),
        ("Visit #", "claim_id"),
        ("Claim #", "claim_id"),
        ("Account #", "person_id"),
        ("MRN", "person_id"),
        ("Rendering Provider NPI", "rendering_npi"),
        ("Billing NPI", "billing_npi"),
        ("Units", "service_unit_quantity"),
    ],
)
def test_practice_management_headers_need_no_map(header: str, column: str) -> None:
    key = normalize_header(header)
    assert CLAIMS.aliases.get(key, key) == column


# --- every missing column at once --------------------------------------------------------------


def test_every_missing_required_column_in_one_line(tmp_path: Path) -> None:
    frame = pl.DataFrame({"Visit #": ["V1"], "CPT/HCPCS": ["99213"], "Rendering NPIs": ["1"]})
    with pytest.raises(MissingColumnError) as info:
        read_claims(frame)
    message = str(info.value)
    assert "\n" not in message
    missing = [c for c in CLAIMS.required if c not in ("claim_id", "hcpcs_code")]
    for column in missing:
        assert f"'{column}' (accepted: {column}" in message
    assert "svc date" in message and "billed amt" in message
    assert "closest header: 'Rendering NPIs'" in message
    assert 'rename={"Rendering NPIs": "rendering_npi"}' in message
    assert "'claim_line_number'" not in message  # derived when absent (DESIGN §3)
    assert "map --init" not in message  # a frame has no file to map


def test_audit_names_every_missing_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "claims.csv").write_text(
        "Visit #,CPT,Svc Date,Billed Amt\nV1,99213,01/05/2024,SECRET\n"
    )
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SECRET" not in err
    for column in CLAIMS.required:
        if column not in ("claim_id", "hcpcs_code", "claim_line_start_date", "charge_amount"):
            assert f"'{column}'" in err
    assert "`telekit map --init claims.csv`" in err
