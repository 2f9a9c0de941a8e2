"""Safe outputs (issue 15, part 3): awkward identifiers leave no trace under --deidentify, CSV
cells cannot run as formulas, control characters reach no file a person opens, the key file
destroys nothing, and OUT is replaced as a whole (key first) or left as it was."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from telekit._cli import main
from telekit.report import _cells, _out
from telekit.report._deidentify import Deidentifier

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

# claim ids of the sample that rule messages quote (FQ004's original claim, FL002 ...), renamed
AWKWARD = {  # sample claims whose id a finding quotes in its message or fix (FL002, CD004, FQ004)
    "C0000324": "CLM 0000324",  # a space
    "C0000479": "#0000479",  # a hash
    "C0000646": "Ü0000646",  # a non-ASCII letter
    "C0001444": "X.*+?()[]Y1444",  # regex metacharacters
    "C0000210": "B-210",  # a prefix of the next one (FQ004 quotes the first); a dash: B210
    # would also be a cell reference inside the xlsx
    "C0000748": "B-2101",
}
FORMULA_PAYER = '=HYPERLINK("http://example.invalid")'
CONTROL_PAYER = "AET\x00NA\x1b[31m"
FORMULA_DOS = "@SUM(A1)"


def _run(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    return code, buf.getvalue()


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _everything(path: Path) -> str:
    """A file's whole content as text: CSV/HTML/JSON as read, Parquet cell by cell, XLSX as the
    XML of every part of its zip."""
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        return "\n".join(
            frame.select(
                pl.col(col).struct.json_encode() if isinstance(dt, pl.Struct) else pl.col(col)
            )
            .to_series()
            .cast(pl.String)
            .drop_nulls()
            .str.join(" ")
            .item()
            for col, dt in frame.schema.items()
        )
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample practice with awkward claim ids, a payer that is a formula, a payer holding a
    NUL and an ESC, and a date of service that is a formula (rejected)."""
    folder = tmp_path_factory.mktemp("awkward") / "practice"
    folder.mkdir()
    for f in SAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    ids = {
        "claims.csv": ("claim_id", "original_claim_id"),
        "remittances.csv": ("claim_id",),
        "patient_payments.csv": ("claim_id",),
    }
    for name, cols in ids.items():
        frame = pl.read_csv(folder / name, infer_schema=False)
        frame = frame.with_columns(pl.col(col).replace(AWKWARD) for col in cols)
        if name == "claims.csv":
            claim = pl.col("claim_id")
            frame = frame.with_columns(
                pl.when(claim == "C0000001")
                .then(pl.lit(FORMULA_PAYER))
                .when(claim == "C0000002")
                .then(pl.lit(CONTROL_PAYER))
                .otherwise(pl.col("payer"))
                .alias("payer"),
                pl.when(claim == "C0000003")
                .then(pl.lit(FORMULA_DOS))
                .otherwise(pl.col("claim_line_start_date"))
                .alias("claim_line_start_date"),
            )
        frame.write_csv(folder / name)
    return folder


@pytest.fixture(scope="module")
def plain(practice: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain") / "out"
    assert _run(["audit", str(practice), "--out", str(out)])[0] == 1
    return out


@pytest.fixture(scope="module")
def deidentified(practice: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("deid")
    out, key = base / "out", base / "keys" / "key.csv"
    code, _ = _run(
        ["audit", str(practice), "--deidentify", "--key-file", str(key), "--out", str(out)]
    )
    assert code == 1
    return out, key


# --- 1. de-identification of awkward ids ----------------------------------------------------------


def test_awkward_ids_are_quoted_by_the_plain_audit(plain: Path) -> None:
    """The control: the rules quote each awkward id in message or suggested_fix."""
    findings = pl.read_parquet(plain / "findings.parquet")
    text = "\n".join(findings["message"].to_list() + findings["suggested_fix"].to_list())
    for original in AWKWARD.values():
        assert original in text, original


def test_no_awkward_id_survives_in_any_file_of_a_deidentified_out(
    deidentified: tuple[Path, Path],
) -> None:
    out, key_path = deidentified
    files = sorted(p for p in out.iterdir() if p.is_file())
    assert {p.suffix for p in files} >= {".csv", ".parquet", ".xlsx", ".html", ".json"}
    for path in files:
        text = _everything(path)
        for original in AWKWARD.values():
            assert original not in text, f"{path.name} holds {original!r}"
    # each was replaced by its own pseudonym (B-2101 is not B-210's pseudonym + "1")
    key = pl.read_csv(key_path, infer_schema=False).filter(pl.col("kind") == "claim")
    pseudonym = dict(zip(key["original"], key["pseudonym"], strict=True))
    findings = pl.read_parquet(out / "findings.parquet")
    text = "\n".join(findings["message"].to_list() + findings["suggested_fix"].to_list())
    for original in AWKWARD.values():
        assert pseudonym[original] in text, original


def test_literal_replacement_longest_first() -> None:
    d = Deidentifier()
    ids = ["C1", "C10", "a.*+?()[]b", "CLM 0000262", "#0000443", "Ü0000548", "line", ""]
    d.register("claim", pl.Series(ids))
    key = dict(zip(d.key()["original"], d.key()["pseudonym"], strict=True))
    text = pl.Series(
        "message",
        [
            "claim C10 and C1; a.*+?()[]b, CLM 0000262 (#0000443) Ü0000548",
            "one line only",
            "aXb is no match for a.*+?()[]b's pattern",
            None,
        ],
    )
    out = d.text(text).to_list()
    assert out[0] == (
        f"claim {key['C10']} and {key['C1']}; {key['a.*+?()[]b']}, {key['CLM 0000262']} "
        f"({key['#0000443']}) {key['Ü0000548']}"
    )
    assert out[1] == f"one {key['line']} only"  # an id equal to a common word: replaced
    assert out[2] == f"aXb is no match for {key['a.*+?()[]b']}'s pattern"  # literal, not regex
    assert out[3] is None


# --- 2. formula injection and control characters ----------------------------------------------


def test_the_csv_writer_defuses_formulas_and_strips_control_characters(tmp_path: Path) -> None:
    import datetime as dt
    from decimal import Decimal

    frame = pl.DataFrame(
        {
            "text": ["=1+2", "+x", "-y", "@z", "\tq", "\rr", "ok", None, "a\x00b\x1bc", "l1\nl2"],
            "amount": [Decimal("-5.00")] * 10,
            "n": [-1] * 10,
            "day": [dt.date(2024, 1, 2)] * 10,
        },
        schema_overrides={"amount": pl.Decimal(12, 2)},
    )
    _cells.write_csv(frame, tmp_path / "f.csv")
    back = pl.read_csv(tmp_path / "f.csv", infer_schema=False)
    assert back["text"].to_list() == [
        "'=1+2",
        "'+x",
        "'-y",
        "'@z",
        "'\tq",
        "'\rr",
        "ok",
        None,
        "abc",
        "l1\nl2",
    ]
    assert set(back["amount"]) == {"-5.00"} and set(back["n"]) == {"-1"}
    assert set(back["day"]) == {"2024-01-02"}


def test_csv_outputs_defuse_formulas_and_no_file_holds_control_characters(
    plain: Path,
) -> None:
    findings = pl.read_csv(plain / "findings.csv", infer_schema=False)
    payers = set(findings["payer"].to_list())
    assert "'" + FORMULA_PAYER in payers and FORMULA_PAYER not in payers
    assert "AETNA[31m" in payers  # NUL and ESC removed, the rest kept
    rejects = pl.read_csv(plain / "rejects.csv", infer_schema=False)
    assert "'" + FORMULA_DOS in rejects["value"].to_list()
    for name in ("findings.csv", "rejects.csv", "report.html", "findings.xlsx"):
        text = _everything(plain / name)
        assert "\x00" not in text and "\x1b" not in text, name
    wb = openpyxl.load_workbook(plain / "findings.xlsx")
    cells = {c.value for row in wb["Findings"].iter_rows() for c in row}
    assert "AETNA[31m" in cells and FORMULA_PAYER in cells  # text cells, never formulas


# --- 3. the key file ------------------------------------------------------------------------


def _audit_with_key(practice: Path, out: Path, key: Path, *extra: str) -> int:
    argv = ["audit", str(practice), "--deidentify", "--key-file", str(key), "--out", str(out)]
    return _run([*argv, *extra])[0]


def test_an_existing_key_file_is_refused_unless_overwrite_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "key.csv"
    key.write_text("decisions I care about\n")
    out = tmp_path / "out"
    assert _audit_with_key(SAMPLES, out, key) == 2
    err = capsys.readouterr().err.strip()
    assert "exists" in err and "--overwrite-key" in err and "\n" not in err
    assert key.read_text() == "decisions I care about\n" and not out.exists()
    assert _audit_with_key(SAMPLES, out, key, "--overwrite-key") == 1
    assert key.read_text().startswith("kind,pseudonym,original")


@pytest.mark.parametrize("which", ["claims", "policies", "review"])
def test_a_key_file_that_is_an_input_or_the_review_file_is_always_refused(
    practice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    review = tmp_path / "review.sqlite"
    review.write_bytes(b"not touched")
    target = {
        "claims": practice / "claims.csv",
        "policies": practice / "policies.toml",
        "review": review,
    }[which]
    before = target.read_bytes()
    # the same file by another spelling: compared resolved
    key = target.parent / ".." / target.parent.name / target.name
    argv = ["--overwrite-key"] + (["--review", str(review)] if which == "review" else [])
    assert _audit_with_key(practice, tmp_path / "out", key, *argv) == 2
    err = capsys.readouterr().err.strip()
    what = "the review file" if which == "review" else "an input"
    assert f"is {what}" in err and "\n" not in err
    assert target.read_bytes() == before


def test_report_refuses_an_existing_key_file(
    plain: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "key.csv"
    key.write_text("keep me\n")
    page = (plain / "report.html").read_bytes()
    code, _ = _run(["report", "--audit", str(plain), "--deidentify", "--key-file", str(key)])
    assert code == 2 and "--overwrite-key" in capsys.readouterr().err
    assert key.read_text() == "keep me\n" and (plain / "report.html").read_bytes() == page


# --- 4. OUT as a whole ------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_out_and_no_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, key = tmp_path / "out", tmp_path / "keys" / "key.csv"
    assert _run(["audit", str(SAMPLES), "--out", str(out)])[0] == 1
    before = _digest(out)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_out, "write_xlsx", boom)
    assert _audit_with_key(SAMPLES, out, key) == 2
    assert "No space left" in capsys.readouterr().err
    assert _digest(out) == before  # the old OUT, as it was: not labelled de-identified
    assert not json.loads((out / "summary.json").read_text()).get("deidentified")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "out"]  # no .out.tmp-*
    assert list((tmp_path / "keys").iterdir()) == []  # no key, no temporary key


def test_the_key_is_written_before_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, key = tmp_path / "out", tmp_path / "keys" / "key.csv"
    seen: list[list[str]] = []
    write_csv = _out.write_csv

    def spy(frame: pl.DataFrame, target: Path) -> None:
        seen.append(sorted(p.name for p in key.parent.iterdir()))
        write_csv(frame, target)

    monkeypatch.setattr(_out, "write_csv", spy)
    assert _audit_with_key(SAMPLES, out, key) == 1
    assert seen and all(len(names) == 1 and ".key.csv.tmp-" in names[0] for names in seen)
    assert key.is_file() and (out / "summary.json").is_file()
    assert sorted(p.name for p in key.parent.iterdir()) == ["key.csv"]


def test_a_rerun_replaces_out_as_a_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(["audit", str(SAMPLES), "--out", str(out)])[0] == 1
    (out / "stale.txt").write_text("from an older run")
    assert _run(["audit", str(SAMPLES), "--out", str(out)])[0] == 1
    assert not (out / "stale.txt").exists() and (out / "summary.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("where", ["dir", "parent", "foreign"])
def test_an_out_that_would_destroy_what_telekit_did_not_write_is_refused(
    practice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"jpg")
    out = {"dir": practice, "parent": practice.parent, "foreign": foreign}[where]
    before = _digest(out) if out.is_dir() else {}
    assert _run(["audit", str(practice), "--out", str(out)])[0] == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert ("no summary.json" if where == "foreign" else "holds the input") in err
    assert _digest(out) == before


# --- 5. file names, cut cells, nothing audited ----------------------------------------------


def test_deidentified_file_names_keep_the_table_and_extension(
    practice: Path, tmp_path: Path
) -> None:
    named = tmp_path / "Jane Doe 1961 claims.csv"
    shutil.copy(practice / "claims.csv", named)
    out, key = tmp_path / "out", tmp_path / "key.csv"
    argv = ["audit", "--claims", str(named), "--deidentify", "--key-file", str(key)]
    assert _run([*argv, "--out", str(out)])[0] == 1
    for name in ("summary.json", "inputs.json", "rejects.csv", "report.html"):
        assert "Jane Doe" not in (out / name).read_text(encoding="utf-8"), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tables"]["claims"]["source"] == "claims.csv"
    inputs = json.loads((out / "inputs.json").read_text())
    assert [e["path"] for e in inputs["inputs"]["claims"]] == ["claims.csv"]
    assert pl.read_csv(out / "rejects.csv", infer_schema=False)["source_file"].to_list() == [
        "claims.csv"
    ]


@pytest.mark.parametrize("rows", ["all rejected", "none"])
def test_a_run_that_audits_no_claim_writes_its_outputs_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str
) -> None:
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False).head(5)
    if rows == "none":
        claims = claims.head(0)
    else:
        claims = claims.with_columns(pl.lit("not a date").alias("claim_line_start_date"))
    path = tmp_path / "claims.csv"
    claims.write_csv(path)
    out = tmp_path / "out"
    code, _ = _run(["audit", "--claims", str(path), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert str(path) in err and str(out / "rejects.csv") in err
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    assert rejects.height == (0 if rows == "none" else 5)
    assert (out / "summary.json").is_file()
