"""A folder of 837P files read as one claims table, file by file through the batch reader:
the same lines as one file holding the same claims, duplicate keys across files rejected
naming the first file, a file that is not X12 refused with one line naming it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._core._exceptions import InputError
from telekit._io._discovery import find_table, unreadable
from telekit.x12 import _837p, read_837p

OK = "20240105"


def _claim(claim_id: str, lines: list[tuple[str, str]]) -> str:
    """A CLM with its lines: (LX01, SV102) each."""
    amount = sum(int(c) for _, c in lines)
    parts = [f"CLM*{claim_id}*{amount}***02:B:1*Y*A*Y*Y~\nHI*ABK:F329*ABF:Z733~\n"]
    for lx, charge in lines:
        parts.append(f"LX*{lx}~\nSV1*HC:99213:95*{charge}*UN*1***2~\nDTP*472*D8*{OK}~\n")
    return "".join(parts)


def _interchange(n: int, claims: list[str], member: str) -> str:
    body = (
        f"BHT*0019*00*B{n}*20240112*0930*CH~\nNM1*41*2*TELEKIT CLINIC*****46*TK0001~\n"
        "HL*1**20*1~\nNM1*85*2*TELEKIT CLINIC*****XX*1234567893~\nHL*2*1*22*0~\n"
        f"SBR*P*18*******MC~\nNM1*IL*1*PATIENT*EPSILON****MI*{member}~\n"
        "NM1*PR*2*STATE MEDICAID*****PI*MCD01~\n" + "".join(claims)
    )
    count = body.count("~") + 2
    return (
        "ISA*00*          *00*          *ZZ*TELEKITCLINIC  *ZZ*CLEARINGHOUSE  *240110*0930*^*"
        f"00501*00000010{n}*0*T*:~\nGS*HC*TELEKITCLINIC*CLEARINGHOUSE*20240110*0930*{n}*X*"
        f"005010X222A1~\nST*837*0001*005010X222A1~\n{body}SE*{count}*0001~\n"
        f"GE*1*{n}~\nIEA*1*00000010{n}~\n"
    )


PARTS = [
    _interchange(1, [_claim("A1", [("1", "100"), ("2", "50")]), _claim("A2", [("1", "80")])], "M1"),
    _interchange(2, [_claim("B1", [("1", "90")])], "M2"),
    _interchange(3, [_claim("C1", [("1", "60"), ("2", "70")]), _claim("C2", [("1", "10")])], "M3"),
]


def _folder(tmp_path: Path, parts: list[str]) -> Path:
    folder = tmp_path / "claims"
    folder.mkdir()
    for i, text in enumerate(parts, 1):
        (folder / f"part{i}.837").write_text(text)
    return folder


@pytest.mark.parametrize("batch_lines", [1, 2, 1 << 15])
def test_a_folder_reads_as_one_file_holding_its_files(
    tmp_path: Path, batch_lines: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_837p, "BATCH_LINES", batch_lines)
    one = read_837p("".join(PARTS).encode(), name="all.837")
    folder = tk.read_claims(_folder(tmp_path, PARTS))
    assert_frame_equal(folder.data, one.lines)
    assert folder.rejects.is_empty() and one.rejects.is_empty()
    assert folder.rows_in == one.rows_in == 7
    assert folder.source == "claims"
    assert folder.data.get_column("claim_id").to_list() == [
        "A1",
        "A1",
        "A2",
        "B1",
        "C1",
        "C1",
        "C2",
    ]


def test_a_duplicate_across_files_is_rejected_naming_the_first_file(tmp_path: Path) -> None:
    again = _interchange(4, [_claim("A1", [("2", "50")]), _claim("D1", [("1", "20")])], "M4")
    folder = _folder(tmp_path, [*PARTS, again])
    table = tk.read_claims(folder)
    assert table.rows_in == 9
    assert table.data.height == 8  # the repeated A1 line 2 is not kept
    row = table.rejects.row(0, named=True)
    assert table.rejects.height == 1
    assert row["source_file"] == "part4.837"
    assert row["value"] == "A1"
    first = read_837p(folder / "part1.837").rejects  # no reject of its own
    assert first.is_empty()
    assert row["reason"].startswith("duplicate key (claim_id, claim_line_number); first seen at")
    assert row["reason"].endswith(" of part1.837")
    # the row is the SV1's segment ordinal in part4.837: its own file's numbering
    assert row["row_number"] == 15
    kept = table.data.filter(pl.col("claim_id") == "D1")
    assert kept.height == 1


def test_a_file_that_is_not_x12_is_refused_naming_it(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PARTS)
    (folder / "notes.txt").write_text("claim_id,claim_line_number\nA1,1\n")
    with pytest.raises(InputError, match=r"notes\.txt: not an X12 file") as caught:
        tk.read_claims(folder)
    assert "\n" not in str(caught.value) and "A1" not in str(caught.value)


def test_audit_dir_finds_a_claims_folder_of_837s(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PARTS)
    (folder / ".hidden").write_text("not read")
    assert find_table(tmp_path, "claims") == folder
    assert find_table(tmp_path, "encounters") is None
    assert unreadable(folder, folder_ok=True) is None
    empty = tmp_path / "empty"
    empty.mkdir()
    assert unreadable(empty, folder_ok=True) is not None


def test_cli_audits_a_claims_folder_and_refuses_a_stray_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from telekit._cli import main

    folder = _folder(tmp_path, PARTS)
    assert main(["audit", "--claims", str(folder), "--out", str(tmp_path / "out")]) == 0
    findings = pl.read_parquet(tmp_path / "out" / "findings.parquet")
    assert set(findings.get_column("claim_id").drop_nulls()) <= {"A1", "A2", "B1", "C1", "C2"}
    assert "claims 7 in, 7 audited" in capsys.readouterr().out
    (folder / "z.csv").write_text("x,y\n")
    assert main(["audit", "--claims", str(folder), "--out", str(tmp_path / "out2")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "z.csv: not an X12 file (a folder of X12 claims holds only 837P files; "
        "move this file out of the folder)"
    )
    assert len(err.splitlines()) == 1
