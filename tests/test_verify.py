"""``telekit verify OUT`` / ``report.verify_out``: reproduced, or the first difference named
(an input changed or gone, an output edited), and the CLI's exit codes and one-line messages."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from telekit._cli import main
from telekit.report import verify_out
from telekit.report._verify import DEIDENTIFIED, compare_file

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the data folder, the OUT of its audit)."""
    base = tmp_path_factory.mktemp("verify")
    data = base / "data"
    shutil.copytree(SAMPLES, data, ignore=shutil.ignore_patterns("x12", "ground_truth.csv"))
    out = base / "out"
    assert main(["audit", str(data), "--practice", "Lakeside", "--out", str(out)]) == 1
    return data, out


@pytest.fixture
def copy_of_out(audited: tuple[Path, Path], tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "out"
    shutil.copytree(audited[1], copy)
    yield copy


def test_cli_says_reproduced(
    audited: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = audited
    assert main(["verify", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"{out}: reproduced (11 files compared)"


def test_an_edited_findings_line_is_named(
    copy_of_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of_out / "findings.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace(",error,", ",warning,", 1).replace(",warning,", ",info,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["verify", str(copy_of_out)]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{copy_of_out}: not reproduced: findings.csv: line 5 differs")
    assert "\n" not in line


def test_an_edited_input_is_named(audited: tuple[Path, Path]) -> None:
    data, out = audited
    claims = data / "claims.csv"
    before = claims.read_bytes()
    try:
        claims.write_bytes(before + b"\n")
        result = verify_out(out)
    finally:
        claims.write_bytes(before)
    assert not result.reproduced and result.exit_code == 1
    assert result.difference == (
        f"claims: {claims.resolve()} changed since the audit (SHA-256 differs)"
    )


def test_a_missing_input_is_named(audited: tuple[Path, Path]) -> None:
    data, out = audited
    providers, aside = data / "providers.csv", data.parent / "providers.csv.aside"
    providers.rename(aside)
    try:
        result = verify_out(out)
    finally:
        aside.rename(providers)
    assert result.difference == f"providers: {providers.resolve()} is gone"


def test_an_edited_summary_value_is_named_by_key_path(
    audited: tuple[Path, Path], copy_of_out: Path
) -> None:
    _, out = audited
    summary = json.loads((copy_of_out / "summary.json").read_text())
    summary["tables"]["claims"]["rows_in"] += 1
    summary["run_at"] = "2000-01-01T00:00:00+00:00"  # run_at alone is never a difference
    (copy_of_out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    assert compare_file(copy_of_out / "summary.json", out / "summary.json") == (
        "summary.json: tables.claims.rows_in differs"
    )


def test_run_time_alone_is_not_a_difference(audited: tuple[Path, Path], copy_of_out: Path) -> None:
    _, out = audited
    summary = json.loads((copy_of_out / "summary.json").read_text())
    summary["run_at"] = "2000-01-01T00:00:00+00:00"
    (copy_of_out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    page = (copy_of_out / "report.html").read_text(encoding="utf-8")
    from telekit.report._html import _run_date

    shown = _run_date(json.loads((out / "summary.json").read_text())["run_at"])
    assert shown in page
    (copy_of_out / "report.html").write_text(page.replace(shown, "2000-01-01 00:00 UTC"))
    assert compare_file(copy_of_out / "report.html", out / "report.html") is None
    (copy_of_out / "report.html").write_text(page.replace("Lakeside", "Lakeshore", 1))
    assert (compare_file(copy_of_out / "report.html", out / "report.html") or "").startswith(
        "report.html: line "
    )


def test_an_edited_parquet_cell_is_named_by_row_and_column(
    audited: tuple[Path, Path], copy_of_out: Path
) -> None:
    _, out = audited
    frame = pl.read_parquet(out / "findings.parquet")
    edited = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("XX"))
        .otherwise(pl.col("rule_code"))
        .alias("rule_code")
    )
    edited.write_parquet(copy_of_out / "findings.parquet")
    assert compare_file(copy_of_out / "findings.parquet", out / "findings.parquet") == (
        "findings.parquet: row 3, column rule_code differs"
    )


def test_a_deidentified_out_checks_versions_only(
    copy_of_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = json.loads((copy_of_out / "inputs.json").read_text())
    record["options"]["deidentified"] = True
    del record["options"]["arguments"]
    (copy_of_out / "inputs.json").write_text(json.dumps(record))
    assert main(["verify", str(copy_of_out)]) == 0
    assert capsys.readouterr().out.strip() == f"{copy_of_out}: versions match; {DEIDENTIFIED}"
    record["provenance"]["telekit_version"] = "0.0.1"
    (copy_of_out / "inputs.json").write_text(json.dumps(record))
    assert main(["verify", str(copy_of_out)]) == 1
    assert "OUT was made by telekit 0.0.1, this is " in capsys.readouterr().out


def test_a_folder_that_is_not_an_out_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    why = "not an OUT of `telekit audit`, or an older one"
    assert err == f"telekit verify: {tmp_path}: no inputs.json ({why})"
