"""The command line: exit codes, the one stdout line, one-line errors, the DIR convention."""

from __future__ import annotations

import json
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from telekit._cli import find_table, main

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    out = tmp_path_factory.mktemp("audit")
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["audit", str(SAMPLES), "--out", str(out)])
    return code, buf.getvalue(), out


def test_audit_of_the_sample_writes_every_output(audited: tuple[int, str, Path]) -> None:
    code, stdout, out = audited
    assert code == 1  # the sample has planted errors
    for name in (
        "findings.csv",
        "findings.parquet",
        "findings.xlsx",
        "rejects.csv",
        "summary.json",
        "report.html",
        "inputs.json",
    ):
        assert (out / name).is_file(), name
    line = stdout.strip()
    assert "\n" not in line
    summary = json.loads((out / "summary.json").read_text())
    assert_stdout_line(line, summary, out)
    assert summary["exit_code"] == 1
    assert summary["tables"]["claims"]["rows_in"] == (
        summary["tables"]["claims"]["rows_audited"] + summary["tables"]["claims"]["rows_rejected"]
    )
    findings = pl.read_csv(out / "findings.csv", infer_schema=False)
    assert findings.height == summary["findings"]["total"]
    assert not (out / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")


KIND_WORDS = {
    "overpayment": "overpaid",
    "denied": "denied",
    "at_risk": "at risk",
    "underpayment": "underpaid",
}


def assert_stdout_line(line: str, summary: dict[str, Any], out: Path) -> None:
    """DESIGN §4: `claims … | … error, … warning, … info | $… overpaid, $… denied, $… at risk,
    $… underpaid | rules run N of 53 | OUT`, each kind in that order, zero kinds left out, the
    amounts those of summary.json; never one "dollars at risk"."""
    match = re.fullmatch(
        r"claims \d+ in, \d+ audited, \d+ rejected(?:, \d+ skipped)? \| \d+ error, \d+ "
        r"warning, \d+ info(?P<money> \| .+?)? \| rules run (?P<run>\d+) of 53 \| (?P<out>.+)",
        line,
    )
    assert match, line
    assert match["out"] == str(out)
    want = [
        f"${Decimal(kind['amount']):,.2f} {KIND_WORDS[name]}"
        for name, kind in summary["findings"]["exposure"].items()
        if Decimal(kind["amount"]) != 0
    ]
    assert list(summary["findings"]["exposure"]) == list(KIND_WORDS)
    got = match["money"][len(" | ") :].split(", ") if match["money"] else []
    assert got == want, line
    assert "dollars" not in line
    run = sum(r["status"] in ("evaluated", "partial") for r in summary["rules"])
    assert int(match["run"]) == run


def test_findings_csv_matches_ground_truth(audited: tuple[int, str, Path]) -> None:
    _, _, out = audited
    findings = pl.read_csv(out / "findings.csv", infer_schema=False)
    truth = pl.read_csv(SAMPLES / "ground_truth.csv", infer_schema=False)
    got = findings.select("claim_id", "claim_line_number", "rule_code").sort(pl.all())
    want = truth.select("claim_id", "claim_line_number", "rule_code").sort(pl.all())
    missing = want.join(got, on=want.columns, how="anti")
    extra = got.join(want, on=want.columns, how="anti")
    assert missing.height == 0 and extra.height == 0, (
        f"missing {missing.group_by('rule_code').len().sort('rule_code').rows()}; "
        f"extra {extra.group_by('rule_code').len().sort('rule_code').rows()}"
    )


def test_report_rerenders_from_out(
    audited: tuple[int, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, out = audited
    (out / "report.html").unlink()
    # a re-render exits 0: only `telekit audit` reports findings through its exit code
    assert main(["report", "--audit", str(out)]) == 0
    assert (out / "report.html").read_text().startswith("<!doctype html>")


def test_missing_required_column_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False).drop("claim_line_start_date")
    claims.write_csv(tmp_path / "claims.csv")
    code = main(["audit", str(tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err
    assert "claim_line_start_date" in err and "claims.csv" in err


def test_no_claims_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no claims given" in capsys.readouterr().err


def test_bad_flag_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--nope"]) == 2


def test_dir_convention_prefers_parquet_then_parts_then_csv(tmp_path: Path) -> None:
    (tmp_path / "claims.csv").write_text("x\n")
    assert find_table(tmp_path, "claims") == tmp_path / "claims.csv"
    (tmp_path / "claims").mkdir()
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "claims" / "part-00000.parquet")
    assert find_table(tmp_path, "claims") == tmp_path / "claims"
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "claims.parquet")
    assert find_table(tmp_path, "claims") == tmp_path / "claims.parquet"


def test_clean_practice_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only persons with no ground-truth finding, with everything else of the sample: exit 0."""
    for name in ("encounters.csv", "coverage.csv", "providers.csv", "policies.toml"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
    truth = pl.read_csv(SAMPLES / "ground_truth.csv", infer_schema=False)
    dirty = claims.join(truth.select("claim_id").unique(), on="claim_id").select("person_id")
    claims.join(dirty.unique(), on="person_id", how="anti").write_csv(tmp_path / "claims.csv")
    code = main(["audit", str(tmp_path), "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr()


def test_rules_and_rule_pages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    for code in (
        "CD001",
        "TH001",
        "PS002",
        "MD001",
        "TM004",
        "FQ004",
        "DC001",
        "EL003",
        "FL001",
        "AD001",
        "PR002",
    ):
        assert code in listing
    assert main(["rule", "ps002"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("PS002 telehealth_pos_contradicts_patient_location")
    assert main(["rule", "ZZ999"]) == 2


# --- entries that cannot be read are errors, never absent tables (issue 15) ------------------


def _small_dir(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SAMPLES / "claims.csv", d / "claims.csv")
    return d


@pytest.mark.parametrize(
    ("name", "make", "why"),
    [
        ("encounters.csv", "dangling", "a broken link"),
        ("policies.toml", "dangling", "a broken link"),
        ("map.toml", "dangling", "a broken link"),
        ("remittances.csv", "folder", "a folder, not a file"),
        ("coverage.xlsx", "folder", "a folder, not a file"),
        ("providers.parquet", "folder", "a folder, not a file (it holds no .parquet parts)"),
        ("encounters.csv", "fifo", "a device, FIFO or socket"),
        ("coverage.csv", "device", "a device, FIFO or socket"),
    ],
)  # fmt: skip
def test_unreadable_entry_named_like_a_table_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, make: str, why: str
) -> None:
    d = _small_dir(tmp_path)
    entry = d / name
    if make == "dangling":
        entry.symlink_to(tmp_path / "gone")
    elif make == "folder":
        entry.mkdir()
    elif make == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to("/dev/zero")
    code = main(["audit", str(d), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert name in err
    assert why in err
    assert not (tmp_path / "out").exists()


def test_a_folder_named_like_a_table_without_parts_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "notes.txt").write_text("x")
    (tmp_path / "claims.csv").write_text("x\n")
    assert find_table(tmp_path, "claims") == tmp_path / "claims.csv"


@pytest.mark.parametrize("flag", ["--claims", "--encounters", "--policies", "--map"])
@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_explicit_fifo_or_device_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, target: str
) -> None:
    d = _small_dir(tmp_path)
    path = Path(target)
    if target == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)
    code = main(["audit", str(d), flag, str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.splitlines() == [err]
    assert str(path) in err
    assert "a device, FIFO or socket" in err


def test_skipped_rows_are_in_the_stdout_line_and_summary(tmp_path: Path) -> None:
    import contextlib
    import io

    d = tmp_path / "in"
    d.mkdir()
    lines = (SAMPLES / "claims.csv").read_text().splitlines()[:60]
    blank = "," * (lines[0].count(","))
    (d / "claims.csv").write_text("\n".join([*lines[:10], blank, "", *lines[10:]]) + "\n")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["audit", str(d), "--out", str(tmp_path / "out")])
    assert code in (0, 1)
    assert re.match(r"claims 61 in, \d+ audited, \d+ rejected, 2 skipped \| ", buf.getvalue())
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert_stdout_line(buf.getvalue().strip(), summary, tmp_path / "out")
    claims = summary["tables"]["claims"]
    assert claims["rows_skipped"] == 2
    assert claims["rows_in"] == claims["rows_audited"] + claims["rows_rejected"] + 2
