"""XLSX inputs that would exhaust calamine are refused in one line before it loads them."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from telekit._core._exceptions import InputError, UnsupportedFormatError
from telekit._io import _xlsx
from telekit._read._tables import read_claims

HEADER = ["claim_id", "claim_line_number", "person_id", "payer", "payer_type", "rendering_npi",
          "claim_line_start_date", "place_of_service_code", "hcpcs_code",
          "charge_amount"]  # fmt: skip
ROW = ["C1", 1, "P1", "AETNA", "commercial", "1234567893", "2024-01-05", "02", "99213", "150.00"]


def workbook(path: Path, stray: tuple[int, int] | None = None, *, sheet: str = "Sheet1") -> Path:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, ROW)
    if stray is not None:
        ws.write(*stray, "x")
    book.close()
    return path


def rewrite(path: Path, out: Path, edit: dict[str, bytes | None]) -> Path:
    """A copy of the workbook with entries replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in edit:
                data = edit[info.filename]
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info, zin.read(info))
    return out


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_cell_at_the_far_corner_is_refused_before_loading(tmp_path: Path) -> None:
    path = workbook(tmp_path / "claims.xlsx", (1_048_575, 16_383))
    assert path.stat().st_size < 10_000
    with pytest.raises(InputError) as err:
        read_claims(path)
    assert str(err.value) == (
        "claims.xlsx: sheet 'Sheet1' uses A1:XFD1048576 (16,384 columns × 1,048,576 rows); "
        "telekit reads at most 2,000 columns and 2,000,000 rows: delete the stray cell far from "
        "the data or export the sheet as CSV"
    )


def test_stray_cell_within_the_caps_but_far_from_the_data_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "claims.xlsx", (499_999, 25))
    with pytest.raises(InputError, match=r"uses A1:Z500000 \(26 columns × 500,000 rows\) but "
                       r"holds only 21 cells"):  # fmt: skip
        read_claims(path)


def test_a_lying_dimension_does_not_refuse_a_small_sheet(tmp_path: Path) -> None:
    path = workbook(tmp_path / "small.xlsx")
    xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet_xml(path))
    liar = rewrite(path, tmp_path / "claims.xlsx", {"xl/worksheets/sheet1.xml": xml})
    table = read_claims(liar)
    assert table.data["claim_id"].to_list() == ["C1"]


def test_a_missing_dimension_still_finds_the_far_cell(tmp_path: Path) -> None:
    path = workbook(tmp_path / "far.xlsx", (1_048_575, 16_383))
    xml = re.sub(rb"<dimension [^>]*/>", b"", sheet_xml(path))
    out = rewrite(path, tmp_path / "claims.xlsx", {"xl/worksheets/sheet1.xml": xml})
    with pytest.raises(InputError, match="uses A1:XFD1048576"):
        read_claims(out)


def test_cells_without_addresses_are_placed_by_their_order(tmp_path: Path) -> None:
    path = workbook(tmp_path / "small.xlsx")
    # the far row's cell has no r: it lies in row 3,000,000 by its row's address
    xml = sheet_xml(path).replace(
        b"</sheetData>",
        b'<row r="3000000"><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
    )
    out = rewrite(path, tmp_path / "claims.xlsx", {"xl/worksheets/sheet1.xml": xml})
    with zipfile.ZipFile(out) as z:
        used = _xlsx.scan_sheet(z, "xl/worksheets/sheet1.xml")
    assert (used.columns, used.rows, used.cells) == (10, 3_000_000, 21)
    with pytest.raises(InputError, match=r"uses A1:J3000000 \(10 columns × 3,000,000 rows\)"):
        read_claims(out)


def test_only_the_chosen_sheet_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "claims.xlsx"
    book = xlsxwriter.Workbook(str(path))
    good = book.add_worksheet("Claims")
    good.write_row(0, 0, HEADER)
    good.write_row(1, 0, ROW)
    bad = book.add_worksheet("Scratch")
    bad.write(1_048_575, 16_383, "x")
    book.close()
    assert read_claims(path).data.height == 1
    with pytest.raises(InputError, match="sheet 'Scratch' uses A1:XFD1048576"):
        read_claims(path, options={"sheet": 2})


def test_a_renamed_zip_that_is_no_workbook_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "claims.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(UnsupportedFormatError) as err:
        read_claims(path)
    assert str(err.value) == (
        "claims.xlsx: is a zip archive but not an XLSX workbook (it holds no workbook part); "
        "save it from Excel as .xlsx or export the sheet as CSV"
    )


def test_a_truncated_workbook_is_one_line(tmp_path: Path) -> None:
    data = workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "claims.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnsupportedFormatError, match=r"^claims\.xlsx: cannot be read as an XLSX "):
        read_claims(path)


def test_a_zip_bomb_is_refused_from_its_declared_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_xlsx, "RATIO_FLOOR", 1 << 20)
    path = workbook(tmp_path / "small.xlsx")
    padded = sheet_xml(path).replace(b"<sheetData>", b"<sheetData>" + b" " * (4 << 20))
    out = rewrite(path, tmp_path / "claims.xlsx", {"xl/worksheets/sheet1.xml": padded})
    with pytest.raises(InputError, match=r"xl/worksheets/sheet1\.xml unpacks to 4,19"):
        read_claims(out)


def test_legacy_xls_is_not_checked_as_a_zip(tmp_path: Path) -> None:
    # an OLE header goes to calamine as before (here a damaged one: calamine's own one line)
    path = tmp_path / "claims.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(
        UnsupportedFormatError, match=r"^claims\.xls: cannot be read as an XLSX workbook$"
    ):
        read_claims(path)


def test_a_normal_workbook_is_read(tmp_path: Path) -> None:
    path = workbook(tmp_path / "claims.xlsx")
    table = read_claims(path)
    assert table.rows_in == 1
    assert table.data["hcpcs_code"].to_list() == ["99213"]


def test_column_letters() -> None:
    assert [_xlsx.column_letters(n) for n in (1, 26, 27, 2000, 16_384)] == [
        "A", "Z", "AA", "BXX", "XFD"
    ]  # fmt: skip
