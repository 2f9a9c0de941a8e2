"""The notebooks run as a user would, from the main test command.

- Every notebook under ``notebooks/`` runs with nbval on ``data/samples`` in a subprocess
  (``python -m pytest --nbval-lax ... notebooks/``): notebooks are committed without outputs, so
  the ``assert`` cells pinning the sample's key figures are what fails a run. Meanwhile
  ``telekit audit data/samples`` runs, and the report notebook 04 wrote must be the CLI's.
- ``04_audit_report.ipynb`` run through papermill takes its parameters (data folder, as_of,
  practice name, output path).

01–03 take a ``data_dir`` too: ``test_notebooks_folder.py`` runs them on folders other than the
sample (Parquet or Excel tables, optional tables absent), where the pinned checks are skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import telekit as tk

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SAMPLES = ROOT / "data" / "samples"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
TIMEOUT_S = 900
NOTEBOOK_NAMES = {
    "01_quickstart.ipynb",
    "02_encounter_review.ipynb",
    "03_billing_performance.ipynb",
    "04_audit_report.ipynb",
}


def _env(tmp: Path) -> dict[str, str]:
    """The kernels' environment: review file and report in ``tmp``, Jupyter's runtime and
    IPython's folders too, so a run leaves nothing in the repository or $HOME."""
    for sub in ("runtime", "ipython"):
        (tmp / sub).mkdir(exist_ok=True)
    return {
        **os.environ,
        "TELEKIT_REVIEW_DB": str(tmp / "review.sqlite"),
        "TELEKIT_REVIEWER": "nbval",
        "TELEKIT_REPORT_PATH": str(tmp / "report.html"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }


def _tail(text: str, lines: int = 80) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _sections(page: str) -> dict[str, str]:
    found = re.findall(r"<section class='major[^']*' id='([a-z]+)'>(.*?)</section>", page, re.S)
    return dict(found)


def _cli_audit(folder: Path, out: Path) -> subprocess.Popen[str]:
    """``telekit audit FOLDER --as-of 2026-10-30 --out OUT``, started in the background."""
    command = [sys.executable, "-m", "telekit", "audit", str(folder), "--as-of", "2026-10-30"]
    return subprocess.Popen(
        [*command, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> str:
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return output


def _sample_exposure(result: tk.AuditResult) -> dict[str, Decimal]:
    """The four totals of the sample's audit (``sample_audit``: as the notebooks and
    ``telekit audit`` run it)."""
    totals = result.exposure()
    return dict(zip(totals.get_column("exposure"), totals.get_column("amount"), strict=True))


def test_every_notebook_passes_nbval_and_04_writes_the_cli_report(tmp_path: Path) -> None:
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} >= NOTEBOOK_NAMES
    cli = _cli_audit(SAMPLES, tmp_path / "cli")  # overlaps the nbval run (2 cores)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--nbval-lax",
                "--nbval-current-env",
                "--nbval-sanitize-with",
                str(SANITIZE),
                "-p",
                "no:cacheprovider",
                "-q",
                str(NOTEBOOKS),
            ],
            cwd=ROOT,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    finally:
        cli_output = _finish(cli)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"nbval failed (exit {done.returncode}):\n{_tail(output)}"
    # one nbval item per code cell: every cell of every notebook ran
    cells = sum(
        cell["cell_type"] == "code"
        for path in NOTEBOOKS.glob("*.ipynb")
        for cell in json.loads(path.read_text())["cells"]
    )
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed is not None and int(passed.group(1)) == cells, _tail(output)

    # notebook 04 wrote its report where the environment said (not into the repository), and
    # its audit, metrics and OIG sections are the CLI's byte for byte (the input and version
    # sections differ: the CLI also lists the remittance files and every input's SHA-256)
    assert cli.returncode == 1, _tail(cli_output)  # the sample has error findings
    ours = (tmp_path / "report.html").read_text(encoding="utf-8")
    theirs = (tmp_path / "cli" / "report.html").read_text(encoding="utf-8")
    assert "<h1>Sample Telehealth Practice — Telehealth billing audit report" in ours
    ours_by_id, theirs_by_id = _sections(ours), _sections(theirs)
    assert list(ours_by_id) == list(theirs_by_id)
    for section in ("summary", "findings", "revenue", "oig"):
        assert ours_by_id[section] == theirs_by_id[section], section


def test_report_notebook_takes_papermill_parameters(
    tmp_path: Path, sample_audit: tk.AuditResult
) -> None:
    pytest.importorskip("papermill")
    practice = tmp_path / "acme"  # not data/samples: the sample's pinned checks are skipped
    shutil.copytree(SAMPLES, practice)
    (practice / "ground_truth.csv").unlink()
    report = tmp_path / "acme-out" / "report.html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOKS / "04_audit_report.ipynb"),
            str(tmp_path / "run.ipynb"),
            "--cwd",
            str(NOTEBOOKS),
            "--no-progress-bar",
            "-p",
            "data_dir",
            str(practice),
            "-p",
            "as_of",
            "2026-10-30",
            "-p",
            "practice_name",
            "Acme Telehealth & Partners",
            "-p",
            "output_path",
            str(report),
        ],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert run.returncode == 0, _tail(run.stdout + run.stderr)
    page = report.read_text(encoding="utf-8")
    assert "<title>Acme Telehealth &amp; Partners — Telehealth billing audit report" in page
    assert "<h1>Acme Telehealth &amp; Partners — Telehealth billing audit report" in page
    sections = _sections(page)
    assert list(sections) == [
        "summary", "billing", "findings", "revenue", "oig", "inputs", "versions"
    ]  # fmt: skip
    # the executive summary shows the audit's four kinds of money, never "dollars at risk"
    for kind, amount in _sample_exposure(sample_audit).items():
        assert amount == 0 or f"${amount:,.2f}" in sections["summary"], kind
    assert "dollars at risk" not in page.lower()
    assert "as of 2026-10-30" in page
    assert not (tmp_path / "report.html").exists()  # output_path wins over the environment
    executed = json.loads((tmp_path / "run.ipynb").read_text())
    injected = [
        c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
    ]
    assert len(injected) == 1 and str(practice) in "".join(injected[0]["source"])
    printed = "".join(
        "".join(o.get("text", ""))
        for c in executed["cells"]
        if c["cell_type"] == "code"
        for o in c["outputs"]
    )
    assert f"data:     {practice}" in printed
    assert "sample figures as expected" not in printed  # not the sample folder
