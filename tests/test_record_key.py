"""Rejects name the record (DESIGN §4): ``record_key`` is built from the raw cells of the table's
key columns, trimmed and joined by ":", null when a part is missing; per table, over the bad
corpus (every table has one), checked against the CSV read independently."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit._core._columns import RECORD_KEY, RECORD_KEY_OPTIONAL, RECORD_KEYS, TABLES
from telekit._io._build import map_headers
from telekit._read._tables import read_table
from telekit.report._deidentify import Deidentifier

BAD = Path(__file__).resolve().parent / "data" / "bad"
BAD_FILES = sorted(p for p in BAD.glob("*.csv") if not p.name.endswith(".expected.csv"))


def _table_of(path: Path) -> str:
    return max((t for t in TABLES if path.name.startswith(t + "_")), key=len)


def _expected_keys(path: Path, table: str) -> dict[int, str | None]:
    """row_number (physical line; every line of these files is one record) -> the key."""
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    mapped, _ = map_headers(TABLES[table], rows[0], {}, path.name)
    where = {target: i for i, target in mapped.items()}
    out: dict[int, str | None] = {}
    for line, cells in enumerate(rows[1:], start=2):
        parts: list[str] = []
        for name in RECORD_KEYS[table]:
            i = where.get(name)
            cell = cells[i].strip() if i is not None and i < len(cells) else ""
            if not cell and name not in RECORD_KEY_OPTIONAL:
                parts = []
                break
            parts.append(cell)
        out[line] = ":".join(parts) if parts else None
    return out


def test_every_table_has_a_record_key_and_a_bad_file() -> None:
    assert set(RECORD_KEYS) == set(TABLES)
    assert {_table_of(p) for p in BAD_FILES} == set(TABLES)


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.name for p in BAD_FILES])
def test_record_key_is_the_raw_key_cells(path: Path) -> None:
    table = _table_of(path)
    rejects = read_table(table, path).rejects
    assert rejects.columns.index(RECORD_KEY) == rejects.columns.index("row_number") + 1
    expected = _expected_keys(path, table)
    got = dict(rejects.select("row_number", RECORD_KEY).iter_rows())
    assert got == {row: expected[row] for row in got}
    assert any(v is not None for v in got.values())  # each file names some record


def _claims(**over: list[str]) -> pl.DataFrame:
    base = {
        "claim_id": [" C1 ", "C1", "C2", "", "C4"],
        "claim_line_number": ["1", "1", "x", "2", " "],
        "person_id": ["P1"] * 5,
        "payer": ["ACME"] * 5,
        "payer_type": ["commercial", "commercial", "commercial", "commercial", "bogus"],
        "rendering_npi": ["1234567893"] * 5,
        "claim_line_start_date": ["2024-01-05"] * 5,
        "place_of_service_code": ["02"] * 5,
        "hcpcs_code": ["99213"] * 5,
        "charge_amount": ["100"] * 5,
    }
    return pl.DataFrame({**base, **over})


def test_claims_key_trimmed_raw_and_null_when_a_part_is_empty() -> None:
    rejects = tk.read_claims(_claims()).rejects
    assert rejects.select("row_number", RECORD_KEY).rows() == [
        (2, "C1:1"),  # the duplicate of row 1 (" C1 " trimmed)
        (3, "C2:x"),  # an unreadable line number is still the cell the user typed
        (4, None),  # no claim_id
        (5, None),  # a blank line number
    ]


def test_a_typed_source_key_is_its_text() -> None:
    frame = _claims().with_columns(pl.Series("claim_line_number", [1, 1, 3, 2, 4], pl.Int32))
    rejects = tk.read_claims(frame).rejects
    assert rejects.select("row_number", RECORD_KEY).rows()[0] == (2, "C1:1")
    assert "C4:4" in rejects[RECORD_KEY].to_list()


def test_key_uses_renamed_headers(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    _claims().rename({"claim_id": "Visit #"}).write_csv(path)
    rejects = tk.read_claims(path, rename={"Visit #": "claim_id"}).rejects
    assert rejects[RECORD_KEY].to_list()[0] == "C1:1"


def test_a_whole_row_reject_names_its_record(tmp_path: Path) -> None:
    path = tmp_path / "encounters.csv"
    path.write_text("encounter_id,person_id\nE1,P1\nE2,P2,extra\n", encoding="utf-8")
    rejects = tk.read_encounters(path).rejects
    assert rejects.select("row_number", "column", RECORD_KEY).rows() == [(3, None, "E2")]


def test_deidentification_replaces_the_ids_inside_the_key() -> None:
    rejects = pl.DataFrame(
        {
            "table": ["claims", "coverage", "encounters", "providers"],
            "source_file": ["claims.csv", "coverage.csv", "encounters.csv", "providers.csv"],
            "row_number": [2, 3, 4, 5],
            RECORD_KEY: ["CLM-77:1", "PAT-9:ACME:2024-03-01", "ENC-5", "1234567893"],
            "column": ["x"] * 4,
            "value": ["v"] * 4,
            "reason": ["r"] * 4,
        }
    )
    deid = Deidentifier()
    out = deid.frame(rejects)[RECORD_KEY].to_list()
    for original in ("CLM-77", "PAT-9", "ENC-5", "2024-03-01"):
        assert all(original not in key for key in out)
    assert out[0].startswith("CL-") and out[0].endswith(":1")
    assert out[1].startswith("PT-") and out[1].endswith(":ACME:2024")
    assert out[2].startswith("EN-")
    assert out[3] == "1234567893"  # provider NPIs are kept
    key = deid.key()
    assert set(key["original"]) >= {"CLM-77", "PAT-9", "ENC-5"}
