"""No PHI in logs, progress, stdout/stderr or exception messages (DESIGN §7): an audit of the
sample practice with deliberately bad rows, and runs that fail, are searched for every
identifier and date of service of the sample and for the bad rows' own values."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit._cli import main
from telekit._core import _progress
from telekit.report import _out

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
BAD_VALUES = ("C9999001", "P9999001", "2024-02-30", "12x.50", "tomorrow", "WORKERS COMP")


def _needles() -> list[str]:
    """Every identifier of the sample's claims and encounters, every date of service (ISO and
    US), and the bad rows' values."""
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
    encounters = pl.read_csv(SAMPLES / "encounters.csv", infer_schema=False)
    out: set[str] = set(BAD_VALUES)
    for col in ("claim_id", "person_id", "member_id", "encounter_id", "line_control_number"):
        out.update(claims.get_column(col).drop_nulls().to_list())
    out.update(encounters.get_column("person_id").drop_nulls().to_list())
    for text in claims.get_column("claim_line_start_date").unique().to_list():
        d = dt.date.fromisoformat(text)
        out.update({d.isoformat(), f"{d:%m/%d/%Y}"})
    return sorted(out)


NEEDLES = _needles()


def leaks(text: str) -> list[str]:
    found = pl.Series([text]).str.extract_many(NEEDLES, overlapping=True).explode().drop_nulls()
    return sorted(set(found.to_list()))


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    """The sample practice with bad claim rows: an impossible date, an unreadable charge, a
    duplicate key, a value outside the contract, a bad submitted date."""
    for f in SAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    claims = pl.read_csv(tmp_path / "claims.csv", infer_schema=False)
    first = claims.head(1)
    bad = pl.concat(
        [
            first.with_columns(
                pl.lit("C9999001").alias("claim_id"),
                pl.lit("P9999001").alias("person_id"),
                pl.lit("2024-02-30").alias("claim_line_start_date"),
            ),
            first.with_columns(
                pl.lit("C9999002").alias("claim_id"), pl.lit("12x.50").alias("charge_amount")
            ),
            first,  # duplicate key claim_id + claim_line_number
            first.with_columns(
                pl.lit("C9999003").alias("claim_id"), pl.lit("WORKERS COMP").alias("payer_type")
            ),
            first.with_columns(
                pl.lit("C9999004").alias("claim_id"),
                pl.lit("tomorrow").alias("claim_submitted_date"),
            ),
        ]
    )
    pl.concat([claims, bad]).write_csv(tmp_path / "claims.csv")
    return tmp_path


def test_an_audit_with_bad_rows_logs_and_prints_no_phi(
    practice: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(_progress, "_is_terminal", lambda stream: True)  # draw the bar too
    code = main(["audit", str(practice), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1
    assert "claims 1993 in, 1988 audited, 5 rejected" in captured.out
    assert "reading claims" in captured.err and "writing findings" in captured.err  # the bar
    assert any("telekit audit: auditing took" in r.getMessage() for r in caplog.records)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for channel, text in (("stdout", captured.out), ("stderr", captured.err), ("log", logged)):
        assert not leaks(text), f"{channel} holds {leaks(text)[:5]}"
    # the values are where they belong: rejects.csv
    rejects = (tmp_path / "out" / "rejects.csv").read_text()
    assert "2024-02-30" in rejects and "12x.50" in rejects and "WORKERS COMP" in rejects


def test_the_progress_bar_is_silent_off_a_terminal(
    practice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", str(practice), "--claims", str(practice / "claims.csv"),
                 "--out", str(tmp_path / "out")]) == 1  # fmt: skip
    assert capsys.readouterr().err == ""


def _fails(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err, err
    assert not leaks(captured.out + captured.err), leaks(captured.out + captured.err)
    return err


def test_a_policy_contradicting_the_lines_fails_without_phi(
    practice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (practice / "policies.toml").write_text('[payer.CIGNA]\npayer_type = "medicaid"\n')
    err = _fails(["audit", str(practice), "--out", str(tmp_path / "out")], capsys)
    assert "CIGNA" in err


def test_an_unreadable_file_fails_without_phi(
    practice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (practice / "claims.csv").read_text()
    (practice / "claims.csv").write_text(text + '"C9999001,1,P9999001,"2024-02-30\n"x\n')
    _fails(["audit", str(practice), "--out", str(tmp_path / "out")], capsys)


def test_an_unexpected_error_does_not_show_its_text(
    practice: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An exception from a library (polars quotes values in its messages) is named, not shown."""

    def boom(*args: object, **kwargs: object) -> None:
        msg = "could not parse 'C9999001' (person P9999001, DOS 2024-02-30)"
        raise ValueError(msg)

    monkeypatch.setattr(_out, "write_audit", boom)
    monkeypatch.delenv("TELEKIT_DEBUG", raising=False)
    err = _fails(["audit", str(practice), "--out", str(tmp_path / "out")], capsys)
    assert "ValueError" in err and "TELEKIT_DEBUG=1" in err


def test_a_missing_column_names_columns_not_values(
    practice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = pl.read_csv(practice / "claims.csv", infer_schema=False).drop("claim_line_start_date")
    claims.write_csv(practice / "claims.csv")
    err = _fails(["audit", str(practice), "--out", str(tmp_path / "out")], capsys)
    assert "claim_line_start_date" in err
    with pytest.raises(tk.MissingColumnError) as e:
        tk.audit(claims)
    assert not leaks(str(e.value))


def test_a_bad_review_file_fails_without_phi(
    practice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "review.sqlite"
    bad.write_text("C9999001,P9999001,2024-02-30\n")
    err = _fails(
        ["audit", str(practice), "--review", str(bad), "--out", str(tmp_path / "out")], capsys
    )
    assert "not a telekit review file" in err
