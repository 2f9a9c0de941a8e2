"""X12 problems reach the user of ``telekit audit``: stderr, rejects.csv, summary.json, report."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from telekit._cli import main

X12 = Path(__file__).resolve().parent / "data" / "x12"
TELEHEALTH = X12 / "telehealth.837"


def audit(tmp_path: Path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    return main(["audit", *args, "--out", str(out)]), out


def test_body_with_other_delimiters_than_the_isa_is_exit_2_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = TELEHEALTH.read_bytes()
    isa_end = data.index(b"~") + 1
    body = data[isa_end:].replace(b"*", b"|").replace(b"~", b"!")
    path = tmp_path / "claims.837"
    path.write_bytes(data[:isa_end] + body)
    code, out = audit(tmp_path, "--claims", str(path))
    assert code == 2
    err = capsys.readouterr().err
    assert err == (
        "telekit audit: claims.837: no claim line could be read from this X12 file; the ISA "
        "declares '*' and '~' but the body uses '|' and '!'; re-export it with the separators its "
        "ISA header declares\n"
    )
    assert not (out / "summary.json").exists()


def test_837_without_service_lines_is_exit_2_with_its_first_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = TELEHEALTH.read_bytes()
    path = tmp_path / "claims.837"
    path.write_bytes(data.replace(b"SV1*", b"SVX*").replace(b"CLM*", b"CLX*"))
    code, _ = audit(tmp_path, "--claims", str(path))
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("telekit audit: claims.837: no claim line could be read from this X12 ")


def test_truncated_837_reaches_stderr_rejects_summary_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = TELEHEALTH.read_bytes()
    path = tmp_path / "claims.837"
    path.write_bytes(data[: data.rindex(b"SV1*") + 12])
    code, out = audit(tmp_path, "--claims", str(path))
    assert code in (0, 1)
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("telekit audit: claims.837: 1 X12 problem (1 warning; first: segment ")
    assert "interchange truncated after segment" in line
    assert line.endswith("see summary.json and rejects.csv")

    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    row = rejects.row(0, named=True)
    assert (row["table"], row["source_file"], row["column"]) == ("claims", "claims.837", None)
    assert "the file ends inside segment" in row["reason"]

    summary = json.loads((out / "summary.json").read_text())
    claims = summary["tables"]["claims"]
    assert claims["rows_in"] == claims["rows_audited"] + claims["rows_rejected"]
    assert claims["rows_rejected"] == 1
    issues = claims["x12_issues"]
    assert (issues["count"], issues["by_severity"], issues["listed"]) == (1, {"warning": 1}, 1)
    (issue,) = issues["issues"]
    assert issue["segment_number"] == int(row["row_number"])
    assert (issue["segment_id"], issue["severity"]) == ("SV1", "warning")
    assert issue["file"] == "claims.837"

    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>claims</b>: 1 X12 problem (1 warning); first: claims.837: segment" in html


def test_835_and_271_issues_reach_summary_and_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = audit(
        tmp_path,
        "--claims",
        str(TELEHEALTH),
        "--remittances",
        str(X12 / "damaged.835"),
        "--coverage",
        str(X12 / "coverage_active_inactive.271"),
    )
    assert code in (0, 1)
    lines = capsys.readouterr().err.splitlines()
    files = [line.split(":")[1].strip() for line in lines]
    assert files == ["coverage_active_inactive.271", "damaged.835"]
    summary = json.loads((out / "summary.json").read_text())
    for table, file, line in zip(("coverage", "remittances"), files, lines, strict=True):
        found = summary["tables"][table]["x12_issues"]
        assert found["count"] == sum(found["by_severity"].values()) == len(found["issues"]) > 0
        assert line.startswith(f"telekit audit: {file}: {found['count']} X12 problem")
    assert "x12_issues" not in summary["tables"]["claims"]  # a clean 837 has none
