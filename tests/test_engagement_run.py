"""``telekit run``: the worked engagement of data/examples/engagement run end to end (two
drops, de-identified with a key extended month after month, compare, notebook 04 under
papermill), the key file read back, and a failing step after the audit."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from telekit._cli import main
from telekit._engagement import _run
from telekit.report import audit_folder
from telekit.report._deidentify import Deidentifier

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "examples" / "engagement"


def test_the_shipped_notebook_is_notebook_04_byte_for_byte() -> None:
    shipped = _run.shipped_notebook()
    assert shipped.read_bytes() == (ROOT / "notebooks" / "04_audit_report.ipynb").read_bytes()


@pytest.fixture(scope="module")
def engagement(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The example copied and both drops run, oldest first; the key after the first run."""
    eng = tmp_path_factory.mktemp("run") / "lakeside"
    shutil.copytree(EXAMPLE, eng)
    assert not (eng / "out").exists()
    first = main(["run", str(eng), "--drop", "2026-09"])
    key_after_first = pl.read_csv(eng / "keys" / "pseudonyms.key", infer_schema=False)
    second = main(["run", str(eng)])  # the newest drop: 2026-10
    return {"dir": eng, "codes": (first, second), "key1": key_after_first}


@pytest.mark.slow
def test_both_drops_run_with_every_output_and_the_audit_exit_code(
    engagement: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    eng = engagement["dir"]
    assert isinstance(eng, Path)
    assert engagement["codes"] == (1, 1)  # the sample holds error findings
    for drop in ("2026-09", "2026-10"):
        out = eng / "out" / drop
        for name in (
            "findings.csv",
            "findings.parquet",
            "findings.xlsx",
            "summary.json",
            "report.html",
            "executive.html",
            "executive.pdf",
            "worklist.xlsx",
            "notebook-report.html",
            "04_audit_report.ipynb",
        ):
            assert (out / name).is_file(), (drop, name)
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["deidentified"] is True
        assert (eng / "review" / f"{drop}.sqlite").is_file()  # outside out/
    assert not (eng / "out" / "2026-09" / "compare.html").exists()  # nothing before it
    assert (eng / "out" / "2026-10" / "compare.xlsx").is_file()


@pytest.mark.slow
def test_compare_with_the_previous_drop_matches_its_pseudonyms(
    engagement: dict[str, object],
) -> None:
    from telekit.report._compare import compare

    eng = engagement["dir"]
    assert isinstance(eng, Path)
    n = compare(eng / "out" / "2026-09", eng / "out" / "2026-10").counts()
    # the same key both months: the findings of lines both drops hold persist
    assert n["persisting"] > 0
    html = (eng / "out" / "2026-10" / "compare.html").read_text(encoding="utf-8")
    assert "2026" in html
    findings_09 = pl.read_csv(eng / "out" / "2026-09" / "findings.csv", infer_schema=False)
    findings_10 = pl.read_csv(eng / "out" / "2026-10" / "findings.csv", infer_schema=False)
    shared = findings_09.select("finding_id").join(findings_10, on="finding_id", how="inner")
    assert shared.height == n["persisting"]


@pytest.mark.slow
def test_the_key_is_extended_and_a_person_keeps_their_pseudonym(
    engagement: dict[str, object],
) -> None:
    eng, key1 = engagement["dir"], engagement["key1"]
    assert isinstance(eng, Path) and isinstance(key1, pl.DataFrame)
    key2 = pl.read_csv(eng / "keys" / "pseudonyms.key", infer_schema=False)
    assert key1.height > 0 and key2.height >= key1.height
    # every entry of the first month's key is kept, unchanged
    assert key1.join(key2, on=["kind", "pseudonym", "original"], how="anti").height == 0
    people = set(
        pl.read_csv(eng / "out" / "2026-09" / "findings.csv", infer_schema=False)["person_id"]
    ) & set(pl.read_csv(eng / "out" / "2026-10" / "findings.csv", infer_schema=False)["person_id"])
    assert people and all(p.startswith("PT-") for p in people)
    # no original leaks into the outputs
    originals = set(key2.filter(pl.col("kind") == "person")["original"])
    text = (eng / "out" / "2026-10" / "findings.csv").read_text(encoding="utf-8")
    assert not any(f",{o}," in text for o in originals)


@pytest.mark.slow
def test_the_executed_notebook_renders_the_drops_audit(engagement: dict[str, object]) -> None:
    eng = engagement["dir"]
    assert isinstance(eng, Path)
    out = eng / "out" / "2026-10"
    nb = json.loads((out / "04_audit_report.ipynb").read_text(encoding="utf-8"))
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1
    source = "".join(injected[0]["source"])
    assert str(out.resolve()) in source and "Lakeside Telehealth Partners" in source
    assert "2025-11-01..2026-10-31" in source  # trailing 12 months
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    page = (out / "notebook-report.html").read_text(encoding="utf-8")
    assert "<h1>Lakeside Telehealth Partners — " in page
    findings = pl.read_csv(out / "findings.csv", infer_schema=False)
    for rule in set(findings["rule_code"]):
        assert rule in page


@pytest.mark.slow
def test_a_deidentified_rerun_with_the_key_gives_identical_findings(
    engagement: dict[str, object], tmp_path: Path
) -> None:
    eng = engagement["dir"]
    assert isinstance(eng, Path)
    key = tmp_path / "key.csv"
    shutil.copyfile(eng / "keys" / "pseudonyms.key", key)
    again = tmp_path / "again"
    audit_folder(
        eng / "drops" / "2026-10",
        again,
        policies=eng / "policies.toml",
        map=eng / "map.toml",
        expected_fees=eng / "expected_fees.toml",
        as_of=dt.date(2026, 10, 31),
        period="2025-11-01..2026-10-31",
        practice="Lakeside Telehealth Partners",
        prepared_by="Example Consulting",
        deidentify=True,
        key_file=key,
        extend_key=True,
    )
    before = (eng / "out" / "2026-10" / "findings.csv").read_bytes()
    assert (again / "findings.csv").read_bytes() == before
    assert key.read_bytes() == (eng / "keys" / "pseudonyms.key").read_bytes()  # nothing new


def test_from_key_file_reads_back_the_key_it_wrote(tmp_path: Path) -> None:
    deid = Deidentifier()
    deid.register("claim", pl.Series(["C1", "=1+1", "C 3"]))
    deid.register("person", pl.Series(["P1", ""]))
    path = tmp_path / "k.csv"
    deid.write_key(path)
    back = Deidentifier.from_key_file(path)
    assert back.key().sort("kind", "original").equals(deid.key().sort("kind", "original"))
    back.register("claim", pl.Series(["C1", "C4"]))  # C1 kept, C4 new and not a taken one
    key = back.key()
    assert key.height == deid.key().height + 1
    assert key.get_column("pseudonym").n_unique() == key.height


def test_from_key_file_refuses_what_is_not_a_key(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(Exception, match="not a pseudonym key"):
        Deidentifier.from_key_file(path)
    path.write_text("kind,pseudonym,original\nclaim,CL-1,X\nnope,NO-1,Y\n", encoding="utf-8")
    with pytest.raises(Exception, match="row 3: unknown pseudonym kind"):
        Deidentifier.from_key_file(path)


def test_extend_key_and_overwrite_key_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "audit",
            str(EXAMPLE / "drops" / "2026-09"),
            "--out",
            str(tmp_path / "out"),
            "--deidentify",
            "--key-file",
            str(tmp_path / "k.csv"),
            "--extend-key",
            "--overwrite-key",
        ]
    )
    assert code == 2
    assert "--extend-key and --overwrite-key" in capsys.readouterr().err


def _light(tmp_path: Path) -> Path:
    """The example with only the audit and the worklist (fast), identified."""
    eng = tmp_path / "e"
    shutil.copytree(EXAMPLE, eng)
    toml = eng / "telekit.toml"
    text = toml.read_text(encoding="utf-8")
    for key in ("executive_pdf", "compare", "notebook"):
        text = text.replace(f"{key} = true", f"{key} = false")
    toml.write_text(text, encoding="utf-8")
    return eng


def test_a_failing_step_after_the_audit_exits_2_naming_it_and_keeps_the_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = _light(tmp_path)

    def broken(out: Path, review: Path) -> str:
        raise RuntimeError("a value 123-45-6789")

    monkeypatch.setattr(_run, "_worklist", broken)
    code = main(["run", str(eng), "--drop", "2026-09", "--no-deidentify"])
    err = capsys.readouterr().err
    assert code == 2
    assert "worklist.xlsx failed with RuntimeError" in err and "123-45" not in err
    assert (eng / "out" / "2026-09" / "summary.json").is_file()
    assert not (eng / "keys").exists()  # identified: no key written


def test_run_refuses_a_missing_drop_and_a_bad_drop_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eng = _light(tmp_path)
    assert main(["run", str(eng), "--drop", "2026-12"]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["run", str(eng), "--drop", "Nov"]) == 2
    assert "expected a month as YYYY-MM" in capsys.readouterr().err
    shutil.rmtree(eng / "drops")
    (eng / "drops").mkdir()
    assert main(["run", str(eng)]) == 2
    assert "no drop folder" in capsys.readouterr().err
