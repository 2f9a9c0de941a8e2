"""Hostile and broken CSV input (issue 15, part 1): every row accounted for, or one clear error.

Each case holds on the single path (``read_claims``) and, where it streams, on the bounded-memory
path (``telekit._scale``): ``rows_in = kept + rejected + skipped``, reject row numbers are
physical lines (header = 1), errors are one line naming the file and never quote a cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import resource
import stat
from pathlib import Path

import polars as pl
import pytest

from telekit._core._exceptions import InputError
from telekit._io._source import MAX_COLUMNS
from telekit._read._tables import read_claims, read_patient_payments
from telekit._scale import _partitioned, _tally

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
HEADER = [*REQUIRED, "notes", "units"]  # 12 columns
PHI_CELL = "ZQXSECRET"  # a cell value that must never reach an error message


def rows(n: int) -> list[list[str]]:
    return [
        [*({**REQUIRED, "claim_id": f"C{i}"}.values()), f"note {i}", "1"] for i in range(1, n + 1)
    ]


def csv_lines(records: list[list[str]], header: list[str] = HEADER) -> list[str]:
    """One CSV line per record (no quotes needed in these cells), without line ends."""
    return [",".join(header), *(",".join(r) for r in records)]


def accounted(table: object) -> None:
    t = table
    assert t.rows_in == t.data.height + t.rejects.height + t.rows_skipped  # type: ignore[attr-defined]


def tally_claims(path: Path, tmp_path: Path) -> tuple[int, int, int, pl.DataFrame]:
    """(rows_in, audited, skipped, rejects) of the bounded-memory audit of claims alone."""
    result = _partitioned.audit_partitioned(path, buckets=2, work_dir=tmp_path / "work")
    row = result.accounting.filter(pl.col("table") == "claims").row(0, named=True)
    return row["rows_in"], row["rows_audited"], row["rows_skipped"], result.rejects


def assert_both_paths(path: Path, tmp_path: Path) -> None:
    """The bounded path gives the reader's accounting and rejects."""
    table = read_claims(path)
    rows_in, audited, skipped, rejects = tally_claims(path, tmp_path)
    assert (rows_in, audited, skipped) == (table.rows_in, table.data.height, table.rows_skipped)
    key = ["row_number", "column", "reason"]
    assert rejects.select(key).sort(key).rows() == table.rejects.select(key).sort(key).rows()


# --- 1. line ends and ragged rows --------------------------------------------------------------


def mixed_line_ends(n: int) -> bytes:
    """LF, CRLF and a lone CR in turn."""
    ends = ["\n", "\r\n", "\r"]
    lines = csv_lines(rows(n))
    return "".join(line + ends[i % 3] for i, line in enumerate(lines)).encode()


def test_mixed_line_ends_keep_every_row(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(mixed_line_ends(200))
    table = read_claims(path)
    assert table.rows_in == 200
    assert table.data.height == 200
    assert table.data["claim_id"].to_list() == [f"C{i}" for i in range(1, 201)]
    assert_both_paths(path, tmp_path)


def test_mixed_line_ends_row_numbers_count_every_line_end(tmp_path: Path) -> None:
    records = rows(6)
    records[4][HEADER.index("charge_amount")] = "x"
    lines = csv_lines(records)
    text = lines[0] + "\r" + lines[1] + "\r\n" + lines[2] + "\n\r" + "\r\n".join(lines[3:]) + "\r"
    # physical lines: header 1, C1 2, C2 3, (empty) 4, C3 5, C4 6, C5 7 (bad), C6 8
    path = tmp_path / "claims.csv"
    path.write_bytes(text.encode())
    table = read_claims(path)
    assert table.rejects["row_number"].to_list() == [7]
    assert (table.rows_in, table.rows_skipped) == (7, 1)
    accounted(table)
    assert_both_paths(path, tmp_path)


def test_row_with_more_cells_than_the_header_is_a_reject(tmp_path: Path) -> None:
    records = rows(4)
    records[1] = [*records[1], "surplus", "more"]  # 14 cells
    records[2] = [*records[2], "", " "]  # trailing empty cells hold nothing: kept
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(csv_lines(records)) + "\n")
    table = read_claims(path)
    assert table.data["claim_id"].to_list() == ["C1", "C3", "C4"]
    reject = table.rejects.row(0, named=True)
    assert reject["row_number"] == 3
    assert reject["column"] is None
    assert reject["value"] is None
    assert reject["reason"] == "row has 14 cells; the header has 12"
    accounted(table)
    assert_both_paths(path, tmp_path)


def test_quoted_delimiters_and_multiline_cells_are_not_surplus_cells(tmp_path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    records = rows(3)
    records[0][HEADER.index("notes")] = 'a, "b", c\nsecond line, with commas'
    records[1] = [*records[1], "x,y"]  # 13 cells, the surplus one quoted
    writer.writerows(records)
    path = tmp_path / "claims.csv"
    path.write_text(out.getvalue(), newline="")
    table = read_claims(path)
    assert table.data["claim_id"].to_list() == ["C1", "C3"]
    assert table.rejects.select("row_number", "reason").rows() == [
        (4, "row has 13 cells; the header has 12")
    ]
    assert_both_paths(path, tmp_path)


def test_fewer_cells_than_the_header_keep_nulls(tmp_path: Path) -> None:
    records = rows(2)
    records[1] = records[1][:10]
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(csv_lines(records)) + "\n")
    table = read_claims(path)
    assert table.data.height == 2
    assert table.rejects.height == 0


def test_unclosed_quote_refuses_the_file_naming_the_line(tmp_path: Path) -> None:
    lines = csv_lines(rows(5))
    lines[3] = lines[3].replace("note 3", f'"{PHI_CELL} truncated')
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_claims(path)
    message = str(info.value)
    assert message.startswith("claims.csv: a quote opens on line 4 and is never closed")
    assert PHI_CELL not in message
    assert "\n" not in message
    with pytest.raises(InputError, match="line 4 and is never closed"):
        tally_claims(path, tmp_path)


def test_malformed_quote_is_one_line_without_the_cell(tmp_path: Path) -> None:
    lines = csv_lines(rows(3))
    lines[2] = lines[2].replace("note 2", f'"{PHI_CELL}"x')
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(lines) + "\n")
    for read in (read_claims, lambda p: tally_claims(p, tmp_path)):
        with pytest.raises(InputError) as info:
            read(path)
        assert str(info.value).startswith("claims.csv: cannot be read as delimited text")
        assert PHI_CELL not in str(info.value)


# --- 3. implausible dates of service -----------------------------------------------------------


@pytest.mark.parametrize(
    ("dos", "kept"),
    [("9999-12-31", False), ("1989-12-31", False), ("1990-01-01", True), ("2099-12-31", True),
     ("2100-01-01", False), ("12/31/2099", True)],
)  # fmt: skip
def test_implausible_date_of_service_is_rejected(tmp_path: Path, dos: str, kept: bool) -> None:
    records = rows(2)
    records[1][HEADER.index("claim_line_start_date")] = dos
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(csv_lines(records)) + "\n")
    table = read_claims(path)
    assert table.data.height == (2 if kept else 1)
    if not kept:
        reject = table.rejects.row(0, named=True)
        assert reject["column"] == "claim_line_start_date"
        assert reject["value"] == dos
        assert "1990-01-01 to 2099-12-31" in reject["reason"]


def test_implausible_date_of_service_in_a_typed_frame() -> None:
    frame = pl.DataFrame(
        {k: [v, v] for k, v in REQUIRED.items() if k != "claim_line_start_date"}
    ).with_columns(pl.Series("claim_line_start_date", [dt.date(2024, 1, 5), dt.date(9999, 12, 31)]))
    table = read_claims(frame)
    assert table.data.height == 1
    assert table.rejects.select("row_number", "column").rows() == [(2, "claim_line_start_date")]


# --- 4. skipped rows ---------------------------------------------------------------------------


def test_empty_rows_are_skipped_and_counted_on_both_paths(tmp_path: Path) -> None:
    lines = csv_lines(rows(4))
    lines.insert(2, ",,,,,,,,,,,")
    lines.insert(4, "")
    lines.insert(5, "  ,  ")
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(lines) + "\n")
    table = read_claims(path)
    assert (table.rows_in, table.data.height, table.rows_skipped) == (7, 4, 3)
    assert_both_paths(path, tmp_path)


def test_patient_payments_tally_counts_skipped_rows(tmp_path: Path) -> None:
    path = tmp_path / "patient_payments.csv"
    path.write_text("claim_id,payment_date,amount\nC1,2024-01-05,10.00\n,,\nC2,2024-01-06,x\n\n")
    table = read_patient_payments(path)
    tally = _tally.tally_patient_payments(path, work_dir=tmp_path / "work")
    assert (table.rows_in, table.rows_skipped) == (4, 2)
    assert (tally.rows_in, tally.rows_audited, tally.rows_skipped, tally.rejects.height) == (
        4, 1, 2, 1,
    )  # fmt: skip


# --- 5. size, encodings, NUL bytes, formats by content -----------------------------------------


def test_header_wider_than_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    header = [*REQUIRED, *(f"x{i}" for i in range(100_000))]
    path.write_text(",".join(header) + "\n" + ",".join(REQUIRED.values()) + "\n")
    with pytest.raises(InputError, match=rf"claims\.csv: the header has more than {MAX_COLUMNS:,}"):
        read_claims(path)
    with pytest.raises(InputError, match=rf"more than {MAX_COLUMNS:,} columns"):
        tally_claims(path, tmp_path)


def test_nul_bytes_neither_crash_nor_lose_rows(tmp_path: Path) -> None:
    lines = csv_lines(rows(3))
    lines[2] = lines[2].replace("note 2", "no\x00te")
    path = tmp_path / "claims.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode())
    table = read_claims(path)
    assert table.data.height == 3
    assert_both_paths(path, tmp_path)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(("\r\n".join(csv_lines(rows(3))) + "\r\n").encode(codec))
    table = read_claims(path)
    assert table.data["claim_id"].to_list() == ["C1", "C2", "C3"]
    assert_both_paths(path, tmp_path)


def test_a_ten_megabyte_cell_reads_in_bounded_memory(tmp_path: Path) -> None:
    records = rows(2)
    records[0][HEADER.index("notes")] = "y" * 10_000_000
    path = tmp_path / "claims.csv"
    path.write_text("\n".join(csv_lines(records)) + "\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    table = read_claims(path)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    assert table.data.height == 2
    assert grown < 8 * path.stat().st_size


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    empty = tmp_path / "claims.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"^claims\.csv: the file is empty$"):
        read_claims(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(HEADER) + "\r\n")
    table = read_claims(header_only)
    assert (table.rows_in, table.data.height, table.rejects.height) == (0, 0, 0)


def test_csv_named_file_holding_parquet_is_read_by_content(tmp_path: Path) -> None:
    frame = pl.DataFrame({k: [v] for k, v in REQUIRED.items()})
    path = tmp_path / "claims.csv"
    frame.write_parquet(path)
    assert read_claims(path).data.height == 1
    truncated = tmp_path / "cut.csv"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match=r"^cut\.csv: cannot be read as Parquet"):
        read_claims(truncated)


# --- 2. what is not a regular file -------------------------------------------------------------


def test_fifo_and_device_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "claims.csv"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with pytest.raises(InputError, match=r"claims\.csv: is a device, FIFO or socket"):
        read_claims(fifo)  # would block forever if opened
    with pytest.raises(InputError, match=r"zero: is a device, FIFO or socket"):
        read_claims("/dev/zero")  # would read forever
    with pytest.raises(InputError, match="is a device, FIFO or socket"):
        tally_claims(fifo, tmp_path)


def test_dangling_symlink_is_named(tmp_path: Path) -> None:
    link = tmp_path / "claims.csv"
    link.symlink_to(tmp_path / "gone.csv")
    with pytest.raises(InputError, match=r"claims\.csv: a broken link"):
        read_claims(link)
