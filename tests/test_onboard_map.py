"""telekit map --init FILE (issue 19, item 5): a first map.toml from an export's headers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import xlsxwriter

from telekit._cli import main
from telekit._core._columns import CLAIMS
from telekit._core._exceptions import MissingColumnError
from telekit._io._maps import OPTIONS, load_map
from telekit._onboard._map_init import draft_map, guess_table, match_headers
from telekit._read._tables import read_claims

PM_HEADERS = {  # a charge-detail export's headers and the columns they are
    "Visit #": "claim_id",
    "Account #": "person_id",
    "Svc Date": "claim_line_start_date",
    "CPT/HCPCS": "hcpcs_code",
    "Mod 1": "hcpcs_modifier_1",
    "Mod 2": "hcpcs_modifier_2",
    "Mod 3": "hcpcs_modifier_3",
    "Mod 4": "hcpcs_modifier_4",
    "Place of Svc": "place_of_service_code",
    "Billed Amt": "charge_amount",
    "Primary Ins": "payer",
    "Rendering Provider NPI": "rendering_npi",
    "ICD-10 1": "diagnosis_code_1",
    "ICD-10 2": "diagnosis_code_2",
}
LINES = [
    ["V100", "A1", "01/05/2024", "99213", "95", "", "", "", "10", "150.00", "Medicare",
     "1234567893", "F41.1", "", "SECRET-NAME", "0"],
    ["V100", "A1", "01/05/2024", "90833", "95", "", "", "", "10", "80.00", "Medicare",
     "1234567893", "F41.1", "", "SECRET-NAME", "0"],
    [],
    ["V101", "A2", "01/06/2024", "99214", "", "", "", "", "02", "200.00", "Aetna",
     "1234567893", "I10", "E11.9", "SECRET-NAME", "0"],
]  # fmt: skip


def pm_export(path: Path, extra: dict[str, list[str]] | None = None, grouped: bool = False) -> Path:
    """A practice-management charge-detail XLSX: two title rows, a blank row, the header on row
    4, lines with a blank page-break row, a totals row and a printed footer."""
    extra = extra or {}
    headers = [*PM_HEADERS, "Patient Name", "Balance", *extra]
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Charge Detail")
    sheet.write(0, 0, "Charge Detail Report")
    sheet.write(1, 0, "Example Clinic   01/01/2024 - 03/31/2024")
    sheet.write_row(3, 0, headers)
    row = 4
    extra_rows = iter(zip(*extra.values(), strict=True))
    for line in LINES:
        if line:
            cells = list(line)
            if grouped and row > 4 and cells[0] == "V100":
                cells[0] = cells[1] = ""  # printed once per visit
            cells += list(next(extra_rows, ()))
            sheet.write_row(row, 0, cells)
        row += 1
    sheet.write_row(row, 0, ["", "", "", "Totals", "", "", "", "", "", "430.00"])
    sheet.write(row + 2, 0, "Printed 04/01/2024 09:00 Page 1 of 1")
    book.close()
    return path


def test_map_init_maps_a_practice_management_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = pm_export(tmp_path / "charges.xlsx")
    out = tmp_path / "map.toml"
    assert main(["map", "--init", str(export), "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"wrote {out}: claims; 14 of 16 headers mapped; header on row 4")
    text = out.read_text()
    assert "SECRET" not in text and "SECRET" not in line
    spec = load_map(out)
    assert spec.for_table("claims").rename == PM_HEADERS
    assert spec.for_table("claims").options == {"header_row": 4}
    document = tomllib.loads(text)
    assert set(document) == {"claims"}
    assert '"Svc Date"               = "claim_line_start_date"  # alias' in text
    assert '#   "Patient Name"' in text and '#   "Balance"' in text
    unmatched_required = [c for c in CLAIMS.required if c not in PM_HEADERS.values()]
    for column in unmatched_required:
        assert f"# REQUIRED {column}: no header matches it" in text or (
            f"# {column}: no header; derived when absent" in text
        )


def test_the_written_map_reads_the_export(tmp_path: Path) -> None:
    extra = {"Line #": ["1", "2", "1"], "Payer Type": ["medicare", "medicare", "commercial"]}
    export = pm_export(tmp_path / "charges.xlsx", extra)
    out = tmp_path / "map.toml"
    draft = draft_map(export)
    assert draft.table == "claims" and draft.header_row == 4
    assert main(["map", "--init", str(export), "--out", str(out)]) == 0
    rename = load_map(out).for_table("claims").rename
    assert rename == {**PM_HEADERS, "Line #": "claim_line_number", "Payer Type": "payer_type"}
    table = read_claims(export, map=out)
    kept = table.data.select("claim_id", "claim_line_number", "hcpcs_code").rows()
    assert kept == [("V100", 1, "99213"), ("V100", 2, "90833"), ("V101", 1, "99214")]
    assert table.data["diagnosis_code_2"].to_list() == [None, None, "E11.9"]
    assert str(table.data["charge_amount"].sum()) == "430.00"


def test_without_the_map_the_export_fails_naming_what_is_missing(tmp_path: Path) -> None:
    export = pm_export(tmp_path / "charges.xlsx")
    missing = [c for c in CLAIMS.required if c not in PM_HEADERS.values()]
    if not missing:  # the contract derives every column the export lacks
        return
    with pytest.raises(MissingColumnError) as info:
        read_claims(export, map=None)
    for column in missing:
        assert f"'{column}'" in str(info.value)
    assert "SECRET" not in str(info.value)


def test_map_init_refuses_an_existing_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = pm_export(tmp_path / "charges.xlsx")
    out = tmp_path / "map.toml"
    out.write_text("# mine\n")
    assert main(["map", "--init", str(export), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "map.toml: already exists" in err
    assert out.read_text() == "# mine\n"
    assert not list(tmp_path.glob("*.tmp"))


def test_a_grouped_export_suggests_fill_down(tmp_path: Path) -> None:
    export = pm_export(tmp_path / "charges.xlsx", grouped=True)
    out = tmp_path / "map.toml"
    assert main(["map", "--init", str(export), "--out", str(out)]) == 0
    text = out.read_text()
    # V100's second line lacks its visit and account (1 data line of 3, more than 1 in 10): a
    # grouped export, whose later lines would be rejected without fill_down
    assert 'fill_down = ["claim_id", "person_id"]' in text
    csv = tmp_path / "grouped.csv"
    csv.write_text(
        "Claim #,Line #,CPT,Billed Amt\nC1,1,99213,10\n,2,90833,10\n,3,99417,10\n,4,G2211,5\n"
        "C2,1,99213,10\n"
    )
    out2 = tmp_path / "map2.toml"
    assert main(["map", "--init", str(csv), "--out", str(out2)]) == 0
    text = out2.read_text()
    if "fill_down" in OPTIONS:
        assert load_map(out2).for_table("claims").options["fill_down"] == ["claim_id"]
    else:
        assert '# fill_down = ["claim_id"]' in text
        assert "fill_down" not in load_map(out2).for_table("claims").options


def test_the_table_is_guessed_and_a_csv_header_row_found(tmp_path: Path) -> None:
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "Visit log\n\nVisit #,MRN,Visit Date,Modality,Consent,Minutes\nE1,P1,2024-01-05,"
        "audio_video,yes,25\n"
    )
    draft = draft_map(visits)
    assert draft.table == "encounters" and draft.header_row == 3
    assert {m.header: m.column for m in draft.matches} == {
        "Visit #": "encounter_id",
        "MRN": "person_id",
        "Visit Date": "encounter_date",
        "Modality": "modality",
        "Consent": "consent_documented",
        "Minutes": "total_minutes",
    }
    out = tmp_path / "map.toml"
    assert main(["map", "--init", str(visits), "--out", str(out), "--table", "claims"]) == 0
    assert "[claims.rename]" in out.read_text()
    assert guess_table(["NPI", "Credential", "States"]) == "providers"
    assert guess_table(["Member", "Payer", "Effective Date", "Term Date"]) == "coverage"


def test_matching_by_name_alias_and_similarity() -> None:
    entries, suggestions, unmatched = match_headers(
        CLAIMS,
        ["Claim #", "Visit #", "Charge Amount", "Svc Dt", "Patient Name", "Rendering Prov NPI",
         "Balance", "", "Svc Dt"],
    )  # fmt: skip
    got = {m.header: (m.column, m.confidence) for m in entries}
    assert got["Claim #"] == ("claim_id", "alias")
    assert got["Visit #"] == ("encounter_id", "alias")  # the claim is taken: the visit
    assert got["Charge Amount"] == ("charge_amount", "name")
    column, score = got["Svc Dt"]
    assert column == "claim_line_start_date" and isinstance(score, float) and 0.85 <= score < 1
    assert got["Rendering Prov NPI"][0] == "rendering_npi"
    assert {m.header: m.column for m in suggestions} == {"Patient Name": "person_id"}
    assert unmatched == ["Balance"]
