"""Reference sets given to an audit (``--telehealth-list``, ``--ncci``, ``--icd10``) and the list
of every reference set used in summary.json and the report; the rule catalog's version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit._cli import main
from telekit.rules import CATALOG_VERSION, REGISTRY, changes

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SHARED = next(
    (
        p / "shared" / "reference-data"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "reference-data").is_dir()
    ),
    None,
)


def _small_practice(tmp_path: Path) -> Path:
    """Twenty claim lines of the sample practice (fast to audit), with its other tables."""
    folder = tmp_path / "practice"
    folder.mkdir()
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
    claims.head(20).write_csv(folder / "claims.csv")
    for name in ("encounters.csv", "coverage.csv", "providers.csv", "policies.toml"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def _list_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(
        "Medicare Telehealth Services List, CY 2030\n\n"
        "HCPCS\tShort Descriptor\tStatus\tAudio-only\n"
        "99213\tOffice visit\tPermanent\tNo\n"
        "90834\tPsychotherapy\tPermanent\tYes\n",
        encoding="utf-8",
    )
    return path


def test_summary_lists_every_reference_set_with_its_release(tmp_path: Path) -> None:
    folder = _small_practice(tmp_path)
    given = _list_file(tmp_path, "telehealth_list_CY2030.txt")
    out = tmp_path / "out"
    main(["audit", str(folder), "--telehealth-list", str(given), "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["catalog_version"] == CATALOG_VERSION
    used = {(r["kind"], r["release"]): r for r in summary["reference"]}
    assert used[("telehealth_list", "CY2030")]["shipped"] is False
    assert used[("telehealth_list", "CY2024")]["shipped"] is True
    assert used[("ncci", "2024-07-01")]["shipped"] is True
    assert used[("icd10cm", "FY2026")]["shipped"] is True
    assert used[("fee_schedule", "2024-07")]["covers"] == "2024-03-09..2024-12-31"
    html = (out / "report.html").read_text()
    assert "Reference data used" in html
    assert "CY2030" in html
    assert CATALOG_VERSION in html


def test_a_list_file_without_a_year_in_its_name_is_refused_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _small_practice(tmp_path)
    given = _list_file(tmp_path, "telehealth_list.txt")
    code = main(
        ["audit", str(folder), "--telehealth-list", str(given), "--out", str(tmp_path / "o")]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--telehealth-list telehealth_list.txt" in err[0]
    assert "rename the file" in err[0]
    assert not (tmp_path / "o").exists()


def test_a_missing_ncci_folder_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _small_practice(tmp_path)
    code = main(
        ["audit", str(folder), "--ncci", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    )
    assert code == 2
    assert "--ncci" in capsys.readouterr().err


def test_cms_508_text_list_passes_to_the_audit(tmp_path: Path) -> None:
    if SHARED is None:
        pytest.skip("shared/reference-data is not present")
    src = SHARED / "cms" / "cms-layout" / "telehealth_list_cy2026_508.excerpt.txt"
    given = tk.codesets.read_cms_telehealth_list(src, year=2026)
    assert given.height == 58
    folder = _small_practice(tmp_path)
    result = tk.audit_folder(folder, tmp_path / "out", telehealth_lists=[_copy(src, tmp_path)])
    used = {(r["kind"], r["release"]): r["shipped"] for r in result.reference}
    assert used[("telehealth_list", "CY2026")] is False


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "CY2026_list.txt"
    shutil.copy(src, dst)
    return dst


def test_catalog_changes_name_only_real_rules_and_the_current_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame = changes()
    assert frame.get_column("catalog_version").max() == CATALOG_VERSION
    assert set(frame.get_column("change").to_list()) <= {"new", "changed", "retired"}
    assert set(frame.get_column("rule_code").to_list()) <= set(REGISTRY)
    assert main(["rules", "--changes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"rule catalog version {CATALOG_VERSION}")
    assert "NC001" in out


CMS = Path(__file__).parent / "data" / "cms"


def test_ncci_and_icd10_files_given_on_the_command_line_are_used(tmp_path: Path) -> None:
    folder = _small_practice(tmp_path)
    out = tmp_path / "out"
    code = main(
        [
            "audit",
            str(folder),
            "--ncci",
            str(CMS / "ncci_2025q1"),
            "--icd10",
            str(CMS / "icd10cm_order_2027_fixture.txt"),
            "--out",
            str(out),
        ]
    )
    assert code in (0, 1)
    used = {
        (r["kind"], r["release"]): r
        for r in json.loads((out / "summary.json").read_text())["reference"]
    }
    assert used[("ncci", "2025-01-01")]["shipped"] is False
    assert used[("ncci", "2024-07-01")]["shipped"] is True
    assert used[("icd10cm", "FY2027")]["shipped"] is False
    assert used[("icd10cm", "FY2026")]["shipped"] is True


def test_an_icd10_file_without_a_fiscal_year_in_its_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _small_practice(tmp_path)
    plain = tmp_path / "icd10cm_order.txt"
    shutil.copy(CMS / "icd10cm_order_2027_fixture.txt", plain)
    code = main(["audit", str(folder), "--icd10", str(plain), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--icd10 icd10cm_order.txt" in err[0]
    assert "fiscal year" in err[0]
