"""Two ``telekit audit`` runs on the same inputs write the same OUT: byte-identical files apart
from summary.json's ``run_at`` and the run time report.html and executive.html show (masked
exactly as rendered from each run's ``run_at``), on the in-memory and the bounded-memory path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from telekit._cli import main
from telekit.report._html import _run_date
from telekit.report._verify import _sheets

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

BYTE_IDENTICAL = (
    "findings.csv",
    "findings.parquet",
    "rejects.csv",
    "claim_lines.parquet",
    "metrics.parquet",
    "oig.parquet",
    "inputs.json",
    "findings.xlsx",
)


@pytest.fixture(scope="module", params=[[], ["--memory-budget", "1MB"]], ids=["memory", "bounded"])
def two_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    base = tmp_path_factory.mktemp("repro")
    data = base / "data"
    shutil.copytree(SAMPLES, data, ignore=shutil.ignore_patterns("x12", "ground_truth.csv"))
    outs = [base / "a", base / "b"]
    for out in outs:
        assert main(["audit", str(data), *request.param, "--out", str(out)]) == 1
    return outs


def _masked(out: Path, name: str) -> str:
    run_at = json.loads((out / "summary.json").read_text())["run_at"]
    shown = _run_date(run_at)
    text = (out / name).read_text(encoding="utf-8")
    assert shown in text  # the mask below hides exactly the run time, nothing else
    return text.replace(shown, "<run time>")


@pytest.mark.parametrize("name", BYTE_IDENTICAL)
def test_files_are_byte_identical(two_runs: list[Path], name: str) -> None:
    a, b = two_runs
    assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_summary_differs_only_in_run_at(two_runs: list[Path]) -> None:
    a, b = (json.loads((out / "summary.json").read_text()) for out in two_runs)
    assert a.pop("run_at") and b.pop("run_at")
    assert a == b
    lines = [(out / "summary.json").read_text().splitlines() for out in two_runs]
    differing = [i for i, (x, y) in enumerate(zip(*lines, strict=True)) if x != y]
    assert all('"run_at"' in lines[0][i] for i in differing)


@pytest.mark.parametrize("name", ["report.html", "executive.html"])
def test_pages_differ_only_in_the_run_time(two_runs: list[Path], name: str) -> None:
    a, b = two_runs
    assert _masked(a, name) == _masked(b, name)


def test_workbook_cell_values_and_created_date(two_runs: list[Path]) -> None:
    a, b = (_sheets(out / "findings.xlsx") for out in two_runs)
    assert list(a) == ["Summary", "Findings", "Rejects"]
    for sheet, frame in a.items():
        assert frame.equals(b[sheet]), sheet
    version = json.loads((two_runs[0] / "summary.json").read_text())["telekit_version"]
    assert a["Summary"].row(4)[:2] == ("telekit", a["Summary"].item(4, 1))
    assert a["Summary"].item(4, 1).startswith(f"{version} · rule catalog ")
    import zipfile

    with zipfile.ZipFile(two_runs[0] / "findings.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
    as_of = json.loads((two_runs[0] / "summary.json").read_text())["as_of"]
    assert f">{as_of}T00:00:00Z</dcterms:created>" in core  # the as_of, not the clock


def test_inputs_json_records_everything(two_runs: list[Path]) -> None:
    record = json.loads((two_runs[0] / "inputs.json").read_text())
    assert set(record["inputs"]) >= {"claims", "encounters", "policies", "expected_fees"}
    assert all(len(e["sha256"]) == 64 for es in record["inputs"].values() for e in es)
    options = record["options"]
    assert options["as_of_given"] is False and options["as_of"]
    assert options["arguments"]["dir"].endswith("data")
    provenance = record["provenance"]
    for key in ("telekit_version", "catalog_version", "code_set_version", "python", "polars"):
        assert provenance[key]
    assert {r["kind"] for r in provenance["reference"]} >= {"telehealth_list", "icd10cm"}
