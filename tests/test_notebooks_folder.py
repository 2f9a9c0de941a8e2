"""Notebooks 01–03 on a practice's own folder (issue 14 item 4), run with papermill as a user
would: from a folder with no ``data/samples`` above it, ``data_dir`` pointing at a copy of the
sample in other formats (Parquet tables, or claims in Excel) with optional tables left out.

They must complete: the tables are found as ``telekit audit DIR`` finds them, the cells that
need an absent table say "not given", and the checks pinned to the sample's figures are skipped
(the folder is not ``data/samples``). ``test_notebooks.py`` runs them on the sample itself, where
those checks run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit import _cli

pytestmark = pytest.mark.slow  # one kernel and one audit per notebook run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SAMPLES = ROOT / "data" / "samples"
TIMEOUT_S = 900
READERS = {
    "claims": tk.read_claims,
    "encounters": tk.read_encounters,
    "coverage": tk.read_coverage,
    "providers": tk.read_providers,
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two practices made from the sample:

    - ``parquet``: claims, encounters, coverage and providers as typed Parquet files (no CSV),
      with policies.toml and expected_fees.toml; no remittances, adjustments nor patient
      payments; no answer key;
    - ``xlsx``: claims as an Excel workbook, encounters, remittances and adjustments as CSV; no
      coverage, providers nor patient payments, no expected fees."""
    root = tmp_path_factory.mktemp("practices")
    parquet, xlsx = root / "parquet", root / "xlsx"
    parquet.mkdir()
    xlsx.mkdir()
    for table, read in READERS.items():
        read(SAMPLES / f"{table}.csv").data.write_parquet(parquet / f"{table}.parquet")
    for name in ("policies.toml", "expected_fees.toml"):
        shutil.copy2(SAMPLES / name, parquet / name)
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
    claims.write_excel(xlsx / "claims.xlsx", worksheet="claims")
    for name in ("encounters.csv", "remittances.csv", "adjustments.csv", "policies.toml"):
        shutil.copy2(SAMPLES / name, xlsx / name)
    return {"parquet": parquet, "xlsx": xlsx}


def _run(notebook: str, folder: Path, tmp_path: Path, **parameters: str) -> dict[str, str]:
    """Run ``notebook`` with papermill from ``tmp_path`` (no data/samples above it) with
    ``data_dir=folder`` and ``parameters``; return each code cell's printed text by cell id."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    assert not any((p / "data" / "samples").is_dir() for p in (cwd, *cwd.parents))
    for sub in ("runtime", "ipython"):
        (tmp_path / sub).mkdir()
    env = {
        **os.environ,
        "TELEKIT_REVIEW_DB": str(tmp_path / "env-review.sqlite"),
        "TELEKIT_REVIEWER": "papermill",
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    options = [x for k, v in {"data_dir": str(folder), **parameters}.items() for x in ("-p", k, v)]
    executed = tmp_path / "run.ipynb"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOKS / notebook),
            str(executed),
            "--cwd",
            str(cwd),
            "--no-progress-bar",
            *options,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert run.returncode == 0, "\n".join((run.stdout + run.stderr).splitlines()[-60:])
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and str(folder) in "".join(injected[0]["source"])
    return {
        c["id"]: "".join("".join(o.get("text", "")) for o in c["outputs"])
        for c in cells
        if c["cell_type"] == "code"
    }


def _files_read(printed: str) -> dict[str, str]:
    """The notebook's list of files read (``  claims            claims.csv``), by table."""
    rows = [line.split() for line in printed.splitlines() if line.startswith("  ")]
    return {row[0]: " ".join(row[1:]) for row in rows}


def test_quickstart_audits_a_parquet_folder_as_the_cli_does(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "notebook-out"
    printed = _run("01_quickstart.ipynb", folders["parquet"], tmp_path, out_dir=str(out))
    assert "the sample practice" not in printed["setup"]
    read = _files_read(printed["load"])
    assert read == {  # absent tables are not read, nor required
        "claims": "claims.parquet",
        "encounters": "encounters.parquet",
        "coverage": "coverage.parquet",
        "providers": "providers.parquet",
        "policies": "policies.toml",
        "expected_fees": "expected_fees.toml",
    }
    assert "not the sample practice" in printed["check"]
    # the notebook's audit is `telekit audit DIR`'s: the same findings, written to out_dir
    cli_out = tmp_path / "cli-out"
    assert _cli.main(["audit", str(folders["parquet"]), "--out", str(cli_out)]) in (0, 1)
    ours = pl.read_parquet(out / "findings.parquet")
    theirs = pl.read_parquet(cli_out / "findings.parquet")
    assert ours.height > 0
    assert ours.get_column("finding_id").sort().equals(theirs.get_column("finding_id").sort())
    # without remittances no line is known paid or denied: no overpaid nor denied money
    assert set(ours.get_column("line_status").unique()) <= {"unknown", "not_submitted"}


def test_quickstart_reads_excel_claims_without_coverage_or_providers(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    printed = _run("01_quickstart.ipynb", folders["xlsx"], tmp_path)
    assert _files_read(printed["load"]) == {
        "claims": "claims.xlsx",
        "encounters": "encounters.csv",
        "remittances": "remittances.csv",
        "adjustments": "adjustments.csv",
        "policies": "policies.toml",
    }
    assert "audited as of 2026-10-30" in printed["load"]  # the latest payment date
    assert "not the sample practice" in printed["check"]


def test_review_notebook_on_a_parquet_folder_takes_its_review_file(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    review_db = tmp_path / "acme" / "review.sqlite"
    review_db.parent.mkdir()
    printed = _run(
        "02_encounter_review.ipynb",
        folders["parquet"],
        tmp_path,
        review_db=str(review_db),
        reviewer="Dana Coder",
        as_of="2026-10-30",
    )
    assert f"review:   {review_db} as Dana Coder" in printed["setup"]
    assert "worklist entries" in printed["figures"]
    assert review_db.is_file()  # the parameter wins over TELEKIT_REVIEW_DB
    assert not (tmp_path / "env-review.sqlite").exists()


@pytest.mark.parametrize("kind", ["parquet", "xlsx"])
def test_billing_notebook_without_remittances_or_patient_payments(
    kind: str, folders: dict[str, Path], tmp_path: Path
) -> None:
    printed = _run("03_billing_performance.ipynb", folders[kind], tmp_path)
    not_given = "not given: the folder has no remittances"
    if kind == "parquet":  # no remittances: every revenue-cycle cell says so
        assert "no remittances" in printed["load"]
        for cell in ("kpis", "independent", "dashboard", "chart-denials", "table-underpayment"):
            assert not_given in printed[cell], cell
    else:  # remittances without patient payments nor expected fees: the figures are drawn
        assert "remittance lines" in printed["load"]
        assert "patient payments" not in printed["load"]
        assert not_given not in "".join(printed.values())
        assert printed["independent"].startswith("A/R $")
        assert "no expected_fees.toml" in printed["table-underpayment"]
