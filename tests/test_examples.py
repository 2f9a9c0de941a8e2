"""The worked example of README "Bring your own data" (data/examples/pm-export): a practice-
management charge-detail export, the map `telekit map --init` wrote for it, the policies a
consultant wrote with `telekit policies init`, and a filled abstraction workbook for a
documentation sample of three visits (issue 19, items 6 and 9; the measure: such an export audits
on the first or second run with `map --init` and one edit)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from telekit._cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "pm-export"
MAKER = EXAMPLE.parent / "make_pm_export.py"
#: the payers whose names do not say their payer_type, as a consultant declares them (one edit)
DECLARED = (
    '[payer."AETNA PPO"]\npayer_type = "commercial"\n'
    '[payer."UNITEDHEALTHCARE"]\npayer_type = "commercial"\n'
    '[payer."CIGNA OPEN ACCESS"]\npayer_type = "commercial"\n'
    '[payer."HUMANA GOLD PLUS"]\npayer_type = "medicare_advantage"\n'
)


def _summary(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_the_worked_example_audits_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["audit", str(EXAMPLE), "--out", str(out)]) in (0, 1)
    claims = _summary(out)["tables"]["claims"]
    assert claims["rows_rejected"] == 0
    assert claims["rows_in"] == claims["rows_audited"] + claims["rows_skipped"]
    assert set(claims["skipped"]) == {"blank", "totals", "footer"}
    assert {"claim_id", "claim_line_number", "payer_type"} <= set(claims["derived"])
    sample = _summary(out)["encounters_sample"]
    assert (sample["n"], sample["seed"], sample["method"]) == (3, 11, "simple random")
    findings = pl.read_parquet(out / "findings.parquet")
    # what the three abstracted charts show: too few psychotherapy minutes, 95 on audio-only,
    # no consent; and nothing from an encounter rule outside the sample (no DC003)
    assert {"TM006", "MD002", "DC007"} <= set(findings.get_column("rule_code"))
    assert "DC003" not in set(findings.get_column("rule_code"))
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "documentation sample: 3 of 18 telehealth visits" in html


def test_an_export_audits_with_map_init_and_one_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    shutil.copy(EXAMPLE / "claims.xlsx", folder / "claims.xlsx")
    assert (
        main(["map", "--init", str(folder / "claims.xlsx"), "--out", str(folder / "map.toml")]) == 0
    )
    # first run: it audits; the lines of payers whose payer_type telekit cannot tell are
    # rejected, each naming the payer and the fix
    assert main(["audit", str(folder), "--out", str(tmp_path / "run1")]) in (0, 1)
    first = _summary(tmp_path / "run1")["tables"]["claims"]
    assert first["rows_audited"] > 0 and first["rows_rejected"] > 0
    reasons = pl.read_csv(tmp_path / "run1" / "rejects.csv").get_column("reason")
    assert reasons.str.contains("policies.toml").all()
    # the one edit: say which payer_type those payers are
    (folder / "policies.toml").write_text(DECLARED, encoding="utf-8")
    assert main(["audit", str(folder), "--out", str(tmp_path / "run2")]) in (0, 1)
    second = _summary(tmp_path / "run2")["tables"]["claims"]
    assert second["rows_rejected"] == 0
    assert second["rows_audited"] == first["rows_audited"] + first["rows_rejected"]
    capsys.readouterr()


def test_the_example_export_is_reproduced_by_its_script(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_pm_export", MAKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path / "claims.xlsx")
    made = hashlib.sha256((tmp_path / "claims.xlsx").read_bytes()).hexdigest()
    assert made == hashlib.sha256((EXAMPLE / "claims.xlsx").read_bytes()).hexdigest()
