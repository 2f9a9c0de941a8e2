"""Remittances from CSV/Parquet/XLSX exports and frames: lines, adjustments, derived frames."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from telekit import read_remittances as read_remittances_reexport
from telekit._core._columns import ADJUSTMENTS, REMITTANCE_LINES
from telekit._core._exceptions import InputError, MapError, X12Error
from telekit._core._remittances import (
    CLAIMS_SCHEMA,
    PAYMENTS_SCHEMA,
    PROVIDER_ADJUSTMENTS_SCHEMA,
    REMARKS_SCHEMA,
    Remittances,
)
from telekit._read._remittances import read_remittances

MESSY = Path(__file__).parent / "data" / "messy"
BAD = Path(__file__).parent / "data" / "bad"


def copy(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        target = tmp_path / name
        shutil.copy(MESSY / name, target)
        out.append(target)
    return out


def check_messy(remits: Remittances) -> None:
    assert remits.lines.schema == REMITTANCE_LINES.schema
    assert remits.adjustments.schema == ADJUSTMENTS.schema
    assert remits.lines.height == 4
    assert remits.adjustments.height == 6
    assert remits.rows_in == 10
    assert remits.rejects.height == 0
    claims = remits.claims
    assert claims.schema == CLAIMS_SCHEMA
    assert claims.rows() == [
        ("R1", 1, "C100", "1", "PCN1", "AETNA", dt.date(2024, 2, 1),
         Decimal("1259.50"), Decimal("115.00"), Decimal("21.00")),
        ("R1", 2, "C101", "4", "PCN2", "AETNA", dt.date(2024, 2, 1),
         Decimal("10.00"), Decimal("0.00"), Decimal("0.00")),
        ("R2", 1, "C102", "1", "PCN3", "MEDICARE", dt.date(2024, 3, 15),
         Decimal("80.00"), Decimal("60.00"), Decimal("10.00")),
    ]  # fmt: skip
    assert remits.payments.schema == PAYMENTS_SCHEMA
    assert remits.payments.rows() == [
        ("R1", "AETNA", dt.date(2024, 2, 1), "CHK1", Decimal("115.00")),
        ("R2", "MEDICARE", dt.date(2024, 3, 15), "EFT9", Decimal("60.00")),
    ]
    assert remits.remarks.schema == REMARKS_SCHEMA
    assert remits.remarks.height == 0
    assert remits.provider_adjustments.schema == PROVIDER_ADJUSTMENTS_SCHEMA
    assert remits.provider_adjustments.height == 0
    assert remits.issues.height == 0
    assert remits.dropped_columns == ()
    # signed adjustment amounts; claim-level rows keep svc_seq null
    oa = remits.adjustments.filter(pl.col("group_code") == "OA")
    assert oa.select("svc_seq", "level", "amount").rows() == [(None, "claim", Decimal("-5.00"))]


def test_sibling_adjustments_are_read(tmp_path: Path) -> None:
    lines, adjustments = copy(tmp_path, "remittances.csv", "adjustments.csv")
    remits = read_remittances(lines)
    check_messy(remits)
    assert remits.sources == (str(lines), str(adjustments))


def test_reexported_from_readers(tmp_path: Path) -> None:
    lines, _ = copy(tmp_path, "remittances.csv", "adjustments.csv")
    check_messy(read_remittances_reexport(lines))


def test_list_of_sources_classified_by_header(tmp_path: Path) -> None:
    lines, adjustments = copy(tmp_path, "remittances.csv", "adjustments.csv")
    a = adjustments.rename(tmp_path / "era_adj_export.csv")
    b = lines.rename(tmp_path / "era_lines_export.csv")
    check_messy(read_remittances([a, b]))


def test_explicit_adjustments(tmp_path: Path) -> None:
    lines, adjustments = copy(tmp_path, "remittances.csv", "adjustments.csv")
    moved = lines.rename(tmp_path / "lines.csv")
    check_messy(read_remittances(moved, adjustments=adjustments))


def test_without_adjustments(tmp_path: Path) -> None:
    (lines,) = copy(tmp_path, "remittances.csv")
    remits = read_remittances(lines)
    assert remits.adjustments.height == 0
    assert remits.adjustments.schema == ADJUSTMENTS.schema
    assert remits.claims["patient_responsibility_amount"].to_list() == [Decimal("0.00")] * 3
    assert remits.rows_in == 4


def test_frame_pair() -> None:
    lines = pl.read_csv(MESSY / "remittances.csv", separator="|", infer_schema=False)
    adjustments = pl.read_csv(MESSY / "adjustments.csv", infer_schema=False)
    remits = read_remittances((lines, adjustments))
    check_messy(remits)
    assert remits.sources == ("<frame>", "<frame>")


def test_parquet_parts_directory_beside_lines(tmp_path: Path) -> None:
    lines = pl.read_csv(MESSY / "remittances.csv", separator="|", infer_schema=False)
    lines.write_parquet(tmp_path / "remittances.parquet")
    parts = tmp_path / "adjustments"
    parts.mkdir()
    adjustments = pl.read_csv(MESSY / "adjustments.csv", infer_schema=False)
    adjustments.head(3).write_parquet(parts / "part-0.parquet")
    adjustments.tail(3).write_parquet(parts / "part-1.parquet")
    check_messy(read_remittances(tmp_path / "remittances.parquet"))


def test_rejects_of_both_tables_and_accounting() -> None:
    remits = read_remittances(BAD / "remittances_bad.csv", adjustments=BAD / "adjustments_bad.csv")
    assert remits.rows_in == 8 + 8
    assert remits.rows_in == remits.lines.height + remits.adjustments.height + (
        remits.rejects.height
    )
    assert remits.rejects.group_by("table").len().sort("table").rows() == [
        ("adjustments", 5),
        ("remittances", 4),
    ]
    assert set(remits.rejects["source_file"]) == {"remittances_bad.csv", "adjustments_bad.csv"}
    # R1 claim 2 has two lines with no service (svc_seq null): both kept, not duplicates
    assert remits.lines.filter(pl.col("svc_seq").is_null()).height == 2
    assert remits.claims.filter(pl.col("remit_claim_seq") == 2)["claim_status_code"].to_list() == [
        "4"
    ]


def test_rename_and_map_go_to_the_right_table(tmp_path: Path) -> None:
    lines_text = (MESSY / "remittances.csv").read_text().replace("claim_status_code", "Status")
    adj_text = (MESSY / "adjustments.csv").read_text().replace("reason_code", "CARC Code")
    (tmp_path / "remittances.csv").write_text(lines_text)
    (tmp_path / "adjustments.csv").write_text(adj_text)
    remits = read_remittances(
        tmp_path / "remittances.csv",
        rename={"Status": "claim_status_code", "CARC Code": "reason_code"},
    )
    check_messy(remits)
    header, *body = lines_text.splitlines()
    memo = "\n".join([header + "|Memo", *(line + "|x" for line in body)]) + "\n"
    (tmp_path / "remittances.csv").write_text(memo)
    map_path = tmp_path / "map.toml"
    map_path.write_text(
        '[remittances.rename]\n"Status" = "claim_status_code"\n'
        '[adjustments.rename]\n"CARC Code" = "reason_code"\n'
        '[adjustments.values.group_code]\n"Patient" = "PR"\n'
    )
    with_memo = read_remittances(tmp_path / "remittances.csv", map=map_path)
    assert with_memo.dropped_columns == ("Memo",)
    assert with_memo.lines.height == 4


def test_rename_to_a_column_of_neither_table(tmp_path: Path) -> None:
    (lines,) = copy(tmp_path, "remittances.csv")
    with pytest.raises(MapError, match="not a remittances column"):
        read_remittances(lines, rename={"x": "nope"})


def test_x12_835_hook(tmp_path: Path) -> None:
    path = tmp_path / "era.835"
    path.write_text("ISA*00*          *00*          *ZZ*PAYER~GS*HP*~ST*835*0001~")
    with pytest.raises(X12Error, match=r"era\.835: segment 1 \(ISA\)"):
        read_remittances(path)


def test_needs_a_source() -> None:
    with pytest.raises(InputError, match="at least one source"):
        read_remittances([])


def test_xlsx_lines(tmp_path: Path) -> None:
    lines = pl.read_csv(MESSY / "remittances.csv", separator="|", infer_schema=False)
    lines.write_excel(tmp_path / "remittances.xlsx")
    shutil.copy(MESSY / "adjustments.csv", tmp_path / "adjustments.csv")
    check_messy(read_remittances(tmp_path / "remittances.xlsx"))
