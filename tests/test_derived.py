"""Derived when absent (DESIGN §3): claim_line_number, payer_type, fill_down, and the totals,
subtotal and footer rows of report exports skipped and counted (issue 19, items 3–4)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit._core._columns import CLAIMS, DERIVED_LINE_NUMBER
from telekit._core._exceptions import MapError
from telekit._core._payer_names import why_no_payer_type

# a charge-detail export's headers (mapped with RENAME) and one grouped visit per claim
HEADER = (
    "Visit #,Patient,Svc Date,CPT/HCPCS,Mod 1,Billed Amt,Primary Ins,Rendering NPI,Place of Svc"
)
RENAME = {
    "Visit #": "claim_id",
    "Patient": "person_id",
    "Svc Date": "claim_line_start_date",
    "CPT/HCPCS": "hcpcs_code",
    "Mod 1": "hcpcs_modifier_1",
    "Billed Amt": "charge_amount",
    "Primary Ins": "payer",
    "Rendering NPI": "rendering_npi",
    "Place of Svc": "place_of_service_code",
}
NPI = "1234567893"
FILL = {"fill_down": ["claim_id", "person_id", "payer", "rendering_npi"]}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def flat_export(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


# every line names its visit: three claims, one with three lines
LINES = [
    f"V1,P1,01/05/2024,99215,95,200.00,Medicare Part B,{NPI},10",
    f"V1,P1,01/05/2024,99417,95,80.00,Medicare Part B,{NPI},10",
    f"V1,P1,01/05/2024,G2211,,16.00,Medicare Part B,{NPI},10",
    f"V2,P2,01/06/2024,99214,95,150.00,Medicare,{NPI},02",
    f"V3,P3,01/07/2024,99213,GT,100.00,Self Pay,{NPI},10",
]


# --- claim_line_number -------------------------------------------------------------------------


def test_claim_line_number_numbered_within_claim_by_dos_code_modifiers_charge(
    tmp_path: Path,
) -> None:
    table = tk.read_claims(write(tmp_path, "c.csv", flat_export(LINES)), rename=RENAME)
    assert table.rejects.height == 0
    got = table.data.select("claim_id", "hcpcs_code", "claim_line_number").rows()
    # within V1 the codes sort 99215 < 99417 < G2211, whatever the file order
    assert got == [
        ("V1", "99215", 1),
        ("V1", "99417", 2),
        ("V1", "G2211", 3),
        ("V2", "99214", 1),
        ("V3", "99213", 1),
    ]
    assert table.derived["claim_line_number"] == DERIVED_LINE_NUMBER
    assert "claim_line_number" in CLAIMS.derived
    assert "claim_line_number" not in CLAIMS.required  # not required in the source


def test_a_given_claim_line_number_is_kept_and_still_required_per_row(tmp_path: Path) -> None:
    text = (
        "claim_id,claim_line_number,person_id,payer,payer_type,rendering_npi,"
        "claim_line_start_date,place_of_service_code,hcpcs_code,charge_amount\n"
        f"C1,7,P1,Aetna,commercial,{NPI},2024-01-05,10,99213,100\n"
        f"C1,,P1,Aetna,commercial,{NPI},2024-01-05,10,99214,100\n"
    )
    table = tk.read_claims(write(tmp_path, "c.csv", text))
    assert table.data["claim_line_number"].to_list() == [7]
    assert table.rejects.row(0, named=True)["column"] == "claim_line_number"
    assert table.derived == {}


def test_reordered_re_export_keeps_line_numbers_and_finding_ids(tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", flat_export(LINES))
    reordered = write(tmp_path, "b.csv", flat_export([LINES[i] for i in (4, 2, 3, 0, 1)]))
    a = tk.audit(tk.read_claims(first, rename=RENAME))
    b = tk.audit(tk.read_claims(reordered, rename=RENAME))
    key = ["claim_id", "hcpcs_code", "claim_line_number"]
    assert a.claims.select(key).sort(key).equals(b.claims.select(key).sort(key))
    assert a.findings.height > 0
    assert sorted(a.findings["finding_id"]) == sorted(b.findings["finding_id"])


# --- payer_type --------------------------------------------------------------------------------


def test_payer_type_policy_then_builtin_then_reject(tmp_path: Path) -> None:
    rows = [
        f"C1,P1,01/05/2024,99213,,100,Aetna PPO,{NPI},10",  # declared in the policies
        f"C2,P2,01/05/2024,99213,,100,60054,{NPI},10",  # an alias of the declared payer
        f"C3,P3,01/05/2024,99213,,100,Medicare - Part B,{NPI},10",  # built-in name
        f"C4,P4,01/05/2024,99213,,100,Medicare,{NPI},10",  # declared: policy wins
        f"C5,P5,01/05/2024,99213,,100,Humana Gold,{NPI},10",  # nobody says: rejected
        f"C6,P6,01/05/2024,99213,,100,Humana Gold,{NPI},10",
    ]
    policies = write(
        tmp_path,
        "policies.toml",
        '[payer."AETNA PPO"]\npayer_type = "commercial"\naliases = ["60054"]\n'
        '[payer.MEDICARE]\npayer_type = "medicare_advantage"\n',
    )
    types = tk.load_policies(policies).payer_types_by_name()
    assert types == {
        "AETNA PPO": "commercial",
        "60054": "commercial",
        "MEDICARE": "medicare_advantage",
    }
    table = tk.read_claims(
        write(tmp_path, "c.csv", flat_export(rows)), rename=RENAME, payer_types=types
    )
    got = dict(table.data.select("claim_id", "payer_type").rows())
    assert got == {
        "C1": "commercial",
        "C2": "commercial",
        "C3": "medicare",
        "C4": "medicare_advantage",
    }
    rejects = table.rejects
    assert rejects["row_number"].to_list() == [6, 7]
    assert set(rejects["column"]) == {"payer_type"}
    assert set(rejects["value"]) == {"Humana Gold"}
    assert set(rejects["reason"]) == {why_no_payer_type("Humana Gold")}
    assert table.derived["payer_type"] == (
        "3 lines from the policy file, 1 from the built-in payer names (MEDICARE PART B), "
        "2 rejected (no payer_type for 1 payer)"
    )


def test_audit_derives_payer_type_from_its_policies(tmp_path: Path) -> None:
    rows = [f"C1,P1,01/05/2024,99213,,100,Aetna,{NPI},10"]
    path = write(tmp_path, "c.csv", flat_export(rows))
    claims = tk.read_claims(path, rename=RENAME, map=None)
    assert claims.rejects.height == 1  # without the policies nobody says what Aetna is
    frame = pl.read_csv(path, infer_schema=False).rename(RENAME)
    result = tk.audit(frame, policies={"payer": {"AETNA": {"payer_type": "commercial"}}})
    assert result.rejects.height == 0
    assert result.claims["payer_type"].to_list() == ["commercial"]
    assert result.to_summary_dict()["tables"]["claims"]["derived"]["payer_type"].startswith(
        "1 line from the policy file"
    )


def test_coverage_payer_type_is_derived_too(tmp_path: Path) -> None:
    text = "person_id,payer,enrollment_start_date\nP1,Medicaid,2024-01-01\nP2,Acme,2024-01-01\n"
    table = tk.read_coverage(write(tmp_path, "cov.csv", text), payer_types={"ACME": "other"})
    assert table.data.select("person_id", "payer_type").rows() == [
        ("P1", "medicaid"),
        ("P2", "other"),
    ]
    assert "payer_type" in table.derived


# --- fill_down ---------------------------------------------------------------------------------

GROUPED = [
    f"V1,P1,01/05/2024,99215,95,200.00,Medicare Part B,{NPI},10",
    ",,01/05/2024,99417,95,80.00,,,10",
    "Total for Visit V1,,,,,280.00,,,",
    f"V2,P2,01/06/2024,90837,95,180.00,Medicare,{NPI},10",
    ",,01/06/2024,90785,95,20.00,,,10",
    "Subtotal:,,,,,200.00,,,",
    "",
    "Grand Total,,,,,480.00,,,",
    "Printed 12/01/2026 10:32 by jdoe,,,,,,,,Page 1 of 1",
]


def test_fill_down_fills_grouped_lines_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", flat_export(GROUPED))
    table = tk.read_claims(path, rename=RENAME, options=FILL)
    assert table.rejects.height == 0
    assert table.data.select("claim_id", "person_id", "claim_line_number", "hcpcs_code").rows() == [
        ("V1", "P1", 1, "99215"),
        ("V1", "P1", 2, "99417"),
        ("V2", "P2", 2, "90837"),  # file order; numbered by code: 90785 first
        ("V2", "P2", 1, "90785"),
    ]
    assert table.derived["claim_id"] == "filled down on 2 rows"
    assert table.derived["rendering_npi"] == "filled down on 2 rows"


def test_a_skipped_row_neither_gives_nor_takes_a_filled_value(tmp_path: Path) -> None:
    rows = [
        f"V1,P1,01/05/2024,99215,,200.00,Medicare,{NPI},10",
        "Total for Visit V1,,,,,200.00,,,",
        "",
        f",,01/06/2024,99213,,100.00,Medicare,{NPI},10",  # takes V1, not the totals label
    ]
    table = tk.read_claims(write(tmp_path, "g.csv", flat_export(rows)), rename=RENAME, options=FILL)
    assert table.data["claim_id"].to_list() == ["V1", "V1"]
    assert table.skipped == {"blank": 1, "totals": 1}


def test_fill_down_from_the_map_file_is_validated(tmp_path: Path) -> None:
    good = write(tmp_path, "map.toml", '[claims.options]\nfill_down = ["claim_id"]\n')
    assert tk.load_map(good).for_table("claims").options["fill_down"] == ["claim_id"]
    bad = write(tmp_path, "bad.toml", '[claims.options]\nfill_down = ["visit"]\n')
    with pytest.raises(MapError, match=r"bad\.toml: \[claims\.options\] fill_down must be a list"):
        tk.load_map(bad)
    with pytest.raises(MapError, match="fill_down"):
        tk.read_claims(write(tmp_path, "c.csv", flat_export(LINES)), options={"fill_down": "x"})


def test_grouped_export_add_on_keeps_its_primary_with_fill_down(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", flat_export(GROUPED))
    filled = tk.audit(tk.read_claims(path, rename=RENAME, options=FILL))
    assert filled.claims.height == 4
    assert filled.findings.filter(pl.col("rule_code").str.starts_with("AD")).height == 0
    # without fill_down the add-on lines have no claim: rejected, naming claim_id
    plain = tk.read_claims(path, rename=RENAME)
    assert plain.rejects["row_number"].to_list() == [3, 6]
    assert set(plain.rejects["column"]) == {"claim_id"}
    assert all(r.startswith("missing required value") for r in plain.rejects["reason"])


# --- totals, subtotal and footer rows ----------------------------------------------------------


def test_totals_and_footer_rows_are_skipped_and_counted_never_rejected(tmp_path: Path) -> None:
    rows = [
        *LINES,
        "Total:,,,,,546.00,,,",
        "Sub-total for V1,,,,,296.00,,,",
        "TOTALS,,,,,,,,",
        ",,,,Grand Total,546.00,,,",  # a totals word in any cell of a row with no key
        "Page 1 of 1,,,,,,,,",
        "Report generated 12/01/2026,,,,,,,,",
        "Run date: 12/01/2026,,,,,,,,",
        "*** End of report ***,,,,,,,,",
        "",
    ]
    table = tk.read_claims(write(tmp_path, "c.csv", flat_export(rows)), rename=RENAME)
    assert table.rejects.height == 0
    assert table.data.height == len(LINES)
    assert table.skipped == {"blank": 1, "footer": 4, "totals": 4}
    assert table.rows_skipped == 9
    assert table.rows_in == table.data.height + table.rejects.height + table.rows_skipped


def test_a_row_with_a_claim_and_a_code_is_data_even_if_a_cell_says_total(tmp_path: Path) -> None:
    rows = [
        f"V1,Total Care,01/05/2024,99213,,100.00,Medicare,{NPI},10",
        f"Total,P1,01/05/2024,99213,,100.00,Medicare,{NPI},10",  # claim "Total": no claim key
        "Totally Fine Clinic,P2,01/05/2024,,,,,,",  # not a totals word: rejected, not skipped
    ]
    table = tk.read_claims(write(tmp_path, "c.csv", flat_export(rows)), rename=RENAME)
    assert table.data["claim_id"].to_list() == ["V1"]
    assert table.skipped == {"totals": 1}
    assert table.rejects["row_number"].to_list() == [4]


# --- said out loud -----------------------------------------------------------------------------


def test_summary_json_and_report_list_derived_columns_and_skips(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    header = ",".join(
        RENAME[h] if h != "Visit #" else "claim_id" for h in HEADER.split(",")
    )  # canonical headers: no map needed but fill_down
    write(folder, "claims.csv", "\n".join([header, *GROUPED]) + "\n")
    write(
        folder,
        "map.toml",
        '[claims.options]\nfill_down = ["claim_id", "person_id", "payer", "rendering_npi"]\n',
    )
    write(folder, "policies.toml", '[payer.MEDICARE]\npayer_type = "medicare"\n')
    out = tmp_path / "out"
    tk.audit_folder(folder, out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    claims = summary["tables"]["claims"]
    assert claims["skipped"] == {"blank": 1, "footer": 1, "totals": 3}
    assert claims["rows_skipped"] == 5
    assert claims["derived"]["claim_line_number"] == DERIVED_LINE_NUMBER
    assert claims["derived"]["claim_id"] == "filled down on 2 rows"
    assert claims["derived"]["payer_type"] == (
        "2 lines from the policy file, 2 from the built-in payer names (MEDICARE PART B)"
    )
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "claims.claim_line_number</b>: numbered within each claim" in report
    assert "rows skipped: 1 blank, 1 footer, 3 totals" in report


def test_bounded_path_merges_the_buckets_sentences_and_skips() -> None:
    from telekit._io._derive import merge_notes, merge_skipped

    assert merge_skipped([{"totals": 1}, {"blank": 2, "totals": 3}]) == {"blank": 2, "totals": 4}
    a = "1 line from the policy file, 0 from the built-in payer names"
    b = "2 lines from the policy file, 5 from the built-in payer names"
    got = merge_notes([{"payer_type": a, "claim_id": "filled down on 1 row"}, {"payer_type": b}])
    assert got == {
        "payer_type": "3 lines from the policy file, 5 from the built-in payer names",
        "claim_id": "filled down on 1 row",
    }
