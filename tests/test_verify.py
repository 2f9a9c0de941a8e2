"""``telekit verify OUT`` / ``report.verify_out``: reproduced, or the first difference named
(an input changed or gone, an output edited), and the CLI's exit codes and one-line messages;
a de-identified OUT verified with its key and its inputs located by SHA-256 (``--key-file K
--data FOLDER``), and the worked engagement's two drops."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from telekit._cli import main
from telekit.report import _verify, verify_out
from telekit.report._verify import _sheets, compare_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
EXAMPLE = ROOT / "data" / "examples" / "engagement"


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
    audited: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data, out = audited
    key = tmp_path / "unused.key"
    key.write_text("kind,pseudonym,original\n")
    assert main(["verify", str(out), "--key-file", str(key), "--data", str(data)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"{out}: reproduced (11 files compared)"
    assert "--key-file and --data ignored: OUT is identified" in captured.err


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


def test_a_folder_that_is_not_an_out_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    why = "not an OUT of `telekit audit`, or an older one"
    assert err == f"telekit verify: {tmp_path}: no inputs.json ({why})"


# --- a de-identified OUT -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deidentified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the base folder holding the data folder and the key, the de-identified OUT, its key)."""
    base = tmp_path_factory.mktemp("verify-deid")
    data = base / "data"
    shutil.copytree(SAMPLES, data, ignore=shutil.ignore_patterns("x12", "ground_truth.csv"))
    key, out = base / "keys" / "audit.key", base / "out"
    argv = ["audit", str(data), "--practice", "Lakeside", "--out", str(out)]
    assert main([*argv, "--deidentify", "--key-file", str(key)]) == 1
    return base, out, key


def _texts(folder: Path) -> Iterator[tuple[str, str]]:
    """(file name, its text as written or as its cells read back) of every file in folder."""
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            yield path.name, f"{frame.columns} {frame.select(pl.col(pl.String)).rows()}"
        elif path.suffix == ".xlsx":
            yield path.name, str({k: v.rows() for k, v in _sheets(path).items()})
        elif path.is_file() and path.suffix != ".pdf":
            yield path.name, path.read_text(encoding="utf-8")


def test_a_deidentified_out_reproduces_with_its_key_and_data(
    deidentified: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, out, key = deidentified
    key_before = key.read_bytes()
    compare = _verify._compare_outputs
    leaks: list[str] = []

    def compare_and_look(folder: Path, again: Path) -> tuple[str | None, tuple[str, ...]]:
        temporary = str(again.parent)
        assert temporary.startswith(tempfile.gettempdir()) and "telekit-verify-" in temporary
        leaks.extend(name for name, text in _texts(again) if "telekit-verify-" in text)
        assert sorted(n for n, _ in _texts(again)) == sorted(n for n, _ in _texts(out))
        return compare(folder, again)

    monkeypatch.setattr(_verify, "_compare_outputs", compare_and_look)
    # --data is the base: the data folder and the key (and OUT, never searched) lie under it
    assert main(["verify", str(out), "--key-file", str(key), "--data", str(base)]) == 0
    assert capsys.readouterr().out.strip() == f"{out}: reproduced (11 files compared)"
    assert leaks == []  # no output of the re-run names its temporary folder
    assert key.read_bytes() == key_before  # K is only read
    options = json.loads((out / "inputs.json").read_text())["options"]
    assert options["as_of_given"] is False and len(options["as_of"]) == 4  # from the data: a year


def test_a_deidentified_input_edited_is_named(deidentified: tuple[Path, Path, Path]) -> None:
    base, out, key = deidentified
    claims = base / "data" / "claims.csv"
    before = claims.read_bytes()
    try:
        claims.write_bytes(before + b"\n")
        result = verify_out(out, key_file=key, data=[base / "data"])
    finally:
        claims.write_bytes(before)
    assert result.exit_code == 1
    assert result.difference == (
        f"claims: no file under {base / 'data'} has the SHA-256 OUT records (claims.csv)"
    )


def test_a_deidentified_input_is_found_by_content_not_by_name(
    deidentified: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    base, out, _ = deidentified
    record = json.loads((out / "inputs.json").read_text())
    elsewhere = tmp_path / "exports" / "2026"
    elsewhere.mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for path in (base / "data").iterdir():
        shutil.copyfile(path, elsewhere / f"Jane Doe {path.name}")
    shutil.copyfile(base / "data" / "claims.csv", tmp_path / ".hidden" / "claims.csv")
    located = _verify.locate_inputs(record["inputs"], [tmp_path])
    assert isinstance(located, dict)
    assert located["claims"] == [elsewhere / "Jane Doe claims.csv"]
    assert located["policies"] == [elsewhere / "Jane Doe policies.toml"]
    (elsewhere / "Jane Doe claims.csv").unlink()  # the hidden copy is not searched
    assert _verify.locate_inputs(record["inputs"], [tmp_path]) == (
        f"claims: no file under {tmp_path} has the SHA-256 OUT records (claims.csv)"
    )


@pytest.mark.parametrize("which", ["another run's", "an empty"])
def test_a_wrong_key_is_named(
    deidentified: tuple[Path, Path, Path], tmp_path: Path, which: str
) -> None:
    base, out, key = deidentified
    wrong = tmp_path / "wrong.key"
    if which == "an empty":
        wrong.write_text("kind,pseudonym,original\n")
        why = f"the key {wrong} lacks pseudonyms for "
    else:  # the same values under other pseudonyms: the key of another run on these inputs
        frame = pl.read_csv(key, infer_schema=False)
        other = pl.col("pseudonym").str.slice(0, 3) + pl.col("pseudonym").str.slice(3).reverse()
        frame.with_columns(other.alias("pseudonym")).write_csv(wrong)
        why = f"the key {wrong} does not hold OUT's pseudonyms: was it the key of this OUT?"
    result = verify_out(out, key_file=wrong, data=[base / "data"])
    assert result.exit_code == 1
    assert (result.difference or "").startswith("findings.csv: line 2 differs")
    assert why in (result.difference or "")
    assert "was it the key of this OUT?" in (result.difference or "")


def test_a_deidentified_out_without_key_or_data_is_exit_2(
    deidentified: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, out, key = deidentified
    for extra in ([], ["--key-file", str(key)], ["--data", str(base)]):
        assert main(["verify", str(out), *extra]) == 2
        assert capsys.readouterr().err.strip() == (
            f"telekit verify: {out} is de-identified: give --key-file K (the pseudonym key of "
            "the audit) and --data FOLDER (where its inputs are)"
        )


def test_the_worked_engagements_drops_both_reproduce(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = tmp_path / "lakeside"
    shutil.copytree(EXAMPLE, eng)
    toml = eng / "telekit.toml"
    text = toml.read_text(encoding="utf-8")
    for step in ("executive_pdf", "compare", "notebook", "worklist"):  # the audit is verified
        text = text.replace(f"{step} = true", f"{step} = false")
    toml.write_text(text, encoding="utf-8")
    for drop in ("2026-09", "2026-10"):  # 2026-10 extends the key 2026-09 wrote
        assert main(["run", str(eng), "--drop", drop]) in (0, 1)
    capsys.readouterr()
    monkeypatch.chdir(eng)  # as the README says it, from the engagement folder
    for drop in ("2026-09", "2026-10"):
        argv = ["verify", f"out/{drop}", "--key-file", "keys/pseudonyms.key", "--data", "."]
        assert main(argv) == 0, capsys.readouterr().out
        assert capsys.readouterr().out.strip() == f"out/{drop}: reproduced (11 files compared)"
    options = json.loads((eng / "out" / "2026-10" / "inputs.json").read_text())["options"]
    assert options["as_of"] == "2026-10-31"  # given (end-of-drop-month): kept, to re-run it
