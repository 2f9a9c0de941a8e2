"""``telekit init DIR [--from FILE]`` and telekit.toml (issue 20, item 1): a consultant creates an
engagement folder once, then each month's drop is run from its settings."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from telekit._cli import main
from telekit._core._exceptions import InputError
from telekit._core._version import VERSION
from telekit._engagement._config import (
    Engagement,
    EngagementError,
    Outputs,
    load_engagement,
    parse_drop,
)
from telekit._engagement._init import init_engagement
from telekit._io._maps import load_map
from telekit._policies._init import init_policies

ROOT = Path(__file__).resolve().parents[1]
PM_EXPORT = ROOT / "data" / "examples" / "pm-export"
WRITTEN = (
    "telekit.toml",
    "drops/README.txt",
    ".gitignore",
    ".github/workflows/telekit.yml",
    ".gitlab-ci.yml",
)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# --- telekit init --------------------------------------------------------------------------------


def test_init_on_a_new_folder_writes_the_engagement_and_prints_the_next_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "clients" / "lakeside"
    assert main(["init", str(folder)]) == 0
    out = capsys.readouterr().out
    assert _files(folder) == set(WRITTEN)
    for name in WRITTEN:
        assert f"wrote {folder / name}" in out
    steps = out.split("next:\n", 1)[1].splitlines()
    assert steps[-1].strip() == f"telekit run {folder} --drop YYYY-MM"
    assert any(s.strip().startswith("telekit map --init ") for s in steps)
    assert any(s.strip().startswith("telekit policies init ") for s in steps)
    # it loads as written: the folder's name is the practice, no map or policies yet
    e = load_engagement(folder)
    assert e == Engagement(
        root=folder, practice="lakeside", key_file=folder / "keys/pseudonyms.key"
    )
    assert e.deidentify is True and e.outputs.report and e.outputs.out == "out/{drop}"


def test_every_key_of_telekit_toml_is_explained_by_a_comment(tmp_path: Path) -> None:
    init_engagement(tmp_path / "e")
    lines = (tmp_path / "e" / "telekit.toml").read_text(encoding="utf-8").splitlines()
    keys = [i for i, line in enumerate(lines) if re.match(r"[a-z_]+ = ", line)]
    assert len(keys) >= 14
    for i in keys:  # a comment right above it, or the key before shares it (none does today)
        assert lines[i - 1].startswith("#"), lines[i]


def test_gitignore_keeps_phi_out_of_git(tmp_path: Path) -> None:
    init_engagement(tmp_path / "e")
    patterns = {
        line
        for line in (tmp_path / "e" / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert {"drops/*", "!drops/README.txt", "out/", "keys/", "*.sqlite", "*.xlsx", "*.csv"} <= (
        patterns
    )
    assert "*.toml" not in patterns and "telekit.toml" not in patterns


def _yaml(path: Path) -> dict[Any, Any]:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_the_github_workflow_parses_publishes_deidentified_and_gates_identified(
    tmp_path: Path,
) -> None:
    init_engagement(tmp_path / "e")
    path = tmp_path / "e" / ".github" / "workflows" / "telekit.yml"
    doc = _yaml(path)
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on["workflow_dispatch"]["inputs"]["drop"]["required"] is True
    assert on["push"]["paths"] == ["drops/**"]
    assert doc["env"]["TELEKIT_SPEC"] == f"telekit=={VERSION}"
    hosted, own = doc["jobs"]["deidentified"], doc["jobs"]["identified"]
    assert hosted["runs-on"] == "ubuntu-latest"
    runs = [s.get("run", "") for s in hosted["steps"]]
    assert any('telekit run . --drop "$DROP" --deidentify' in r for r in runs)
    # notebook 04 as `telekit run` executed it is checked by nbval, after the run, in both jobs
    nbval = 'pytest --nbval-lax -p no:cacheprovider "out/$DROP/04_audit_report.ipynb"'
    for job in (hosted, own):
        job_runs = [s.get("run", "") for s in job["steps"]]
        at_run = next(i for i, r in enumerate(job_runs) if "telekit run ." in r)
        assert nbval in job_runs[at_run + 1]
        assert any("papermill nbval" in r for r in job_runs[:at_run])
    uploads = [s for s in hosted["steps"] if str(s.get("uses", "")).startswith("actions/upload")]
    assert len(uploads) == 1 and uploads[0]["with"]["path"] == "deliverables/"
    gather = next(r for r in runs if "deliverables" in r)
    for name in ("report.html", "findings.xlsx", "executive.pdf"):
        assert name in gather
    # identified: a self-hosted runner only, gated, never uploaded
    assert own["runs-on"] == ["self-hosted", "telekit-phi"]
    assert own["if"] == "vars.TELEKIT_IDENTIFIED == 'true'"
    assert not any("upload-artifact" in str(s.get("uses", "")) for s in own["steps"])
    assert any("--no-deidentify" in s.get("run", "") for s in own["steps"])
    text = path.read_text(encoding="utf-8")
    assert "business" in text and "associate agreement (BAA)" in text  # says why
    assert "${{ inputs.drop }}" not in "".join(runs)  # the input reaches the shell as an env var


def test_the_gitlab_pipeline_parses_publishes_deidentified_and_gates_identified(
    tmp_path: Path,
) -> None:
    init_engagement(tmp_path / "e")
    doc = _yaml(tmp_path / "e" / ".gitlab-ci.yml")
    hosted, own = doc["deidentified"], doc["identified"]
    assert hosted["extends"] == own["extends"] == ".telekit"
    assert any("--deidentify" in line for line in hosted["script"])
    assert hosted["artifacts"]["paths"] == ["deliverables/"]
    assert {"if": '$CI_PIPELINE_SOURCE == "push"', "changes": ["drops/**/*"]} in hosted["rules"]
    assert own["tags"] == ["self-hosted", "telekit-phi"]
    assert own["rules"] == [{"if": '$TELEKIT_IDENTIFIED == "true"'}]
    assert "artifacts" not in own
    assert any("--no-deidentify" in line for line in own["script"])
    assert "pip install" in " ".join(doc[".telekit"]["before_script"])
    assert "papermill nbval" in " ".join(doc[".telekit"]["before_script"])
    nbval = 'pytest --nbval-lax -p no:cacheprovider "out/$DROP/04_audit_report.ipynb"'
    for job in (hosted, own):
        at_run = next(i for i, line in enumerate(job["script"]) if "telekit run ." in line)
        assert nbval in job["script"][at_run + 1]
    assert doc["variables"]["DROP_NAME"] == {"value": "^[0-9]{4}-(0[1-9]|1[0-2])$", "expand": False}
    assert "BAA" in (tmp_path / "e" / ".gitlab-ci.yml").read_text(encoding="utf-8")


def test_init_refuses_existing_files_names_them_all_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "e"
    (folder / "drops" / "2026-11").mkdir(parents=True)
    (folder / "drops" / "2026-11" / "claims.csv").write_text("x\n", encoding="utf-8")
    (folder / ".gitignore").write_text("mine\n", encoding="utf-8")
    (folder / "telekit.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["init", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "already holds telekit.toml, .gitignore;" in err and "never overwrites" in err
    assert (folder / ".gitignore").read_text(encoding="utf-8") == "mine\n"
    assert _files(folder) == {"drops/2026-11/claims.csv", ".gitignore", "telekit.toml"}


def test_init_into_a_folder_holding_a_drop_keeps_it(tmp_path: Path) -> None:
    folder = tmp_path / "e"
    (folder / "drops" / "2026-10").mkdir(parents=True)
    (folder / "drops" / "2026-10" / "claims.csv").write_text("x\n", encoding="utf-8")
    init_engagement(folder)
    assert _files(folder) == {*WRITTEN, "drops/2026-10/claims.csv"}


def test_init_refuses_a_file_as_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("", encoding="utf-8")
    with pytest.raises(EngagementError, match="exists and is not a folder"):
        init_engagement(tmp_path / "f")


def test_init_from_the_pm_export_drafts_map_and_policies_named_in_telekit_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "lakeside"
    assert main(["init", str(folder), "--from", str(PM_EXPORT / "claims.xlsx")]) == 0
    out = capsys.readouterr().out
    assert _files(folder) == {*WRITTEN, "map.toml", "policies.toml"}
    assert f"wrote {folder / 'map.toml'}: claims;" in out
    assert f"wrote {folder / 'policies.toml'}:" in out and "payer(s)" in out
    assert "telekit map --init" not in out  # nothing left to draft
    spec = load_map(folder / "map.toml")
    assert spec is not None
    config = tomllib.loads((folder / "telekit.toml").read_text(encoding="utf-8"))
    assert config["data"]["map"] == "map.toml" and config["data"]["policies"] == "policies.toml"
    e = load_engagement(folder)
    assert e.map == folder / "map.toml" and e.policies == folder / "policies.toml"
    # the same payers as `telekit policies init` on the example folder (its map.toml beside)
    again = tmp_path / "again.toml"
    init_policies(PM_EXPORT, again)
    payers = (folder / "policies.toml").read_text(encoding="utf-8").split("\n[payer.")[1:]
    assert payers == again.read_text(encoding="utf-8").split("\n[payer.")[1:]
    assert len(payers) >= 2


def test_init_from_an_encounters_export_drafts_only_the_map(tmp_path: Path) -> None:
    result = init_engagement(tmp_path / "e", PM_EXPORT / "encounters.xlsx")
    assert not result.has_policies and result.has_map
    assert _files(tmp_path / "e") == {*WRITTEN, "map.toml"}
    assert any("holds encounters, not claims" in line for line in result.lines)
    assert load_engagement(tmp_path / "e").policies is None


def test_init_from_a_bad_export_fails_and_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_bytes(b"")
    with pytest.raises(InputError):
        init_engagement(tmp_path / "e", bad)
    assert not (tmp_path / "e").exists()
    with pytest.raises(EngagementError, match=r"--from .*missing\.csv: not found"):
        init_engagement(tmp_path / "e", tmp_path / "missing.csv")


def test_policies_init_takes_a_claims_file(tmp_path: Path) -> None:
    shutil.copy(PM_EXPORT / "claims.xlsx", tmp_path / "claims.xlsx")
    payers = init_policies(
        tmp_path / "claims.xlsx", tmp_path / "p.toml", map_file=PM_EXPORT / "map.toml"
    )
    assert payers.height >= 2 and (tmp_path / "p.toml").is_file()
    with pytest.raises(InputError, match="not found"):
        init_policies(tmp_path / "nope.xlsx", tmp_path / "q.toml")


# --- telekit.toml --------------------------------------------------------------------------------

FULL = """\
[engagement]
practice = "Lakeside Family Medicine"
prepared_by = "R. Auditor"
reviewers = ["A. Coder", "B. Coder"]

[data]
drops = "exports/{drop}/data"
map = "map.toml"
policies = "policies.toml"
expected_fees = "fees.toml"
locality = "1320201"

[audit]
as_of = 2026-12-15
period = "trailing-12-months"
deidentify = false
key_file = "../keys/lakeside.key"

[outputs]
report = true
executive_pdf = false
worklist = true
compare = false
notebook = false
out = "deliverables/{drop}"
"""


@pytest.fixture
def full(tmp_path: Path) -> Path:
    for name in ("map.toml", "policies.toml", "fees.toml"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "telekit.toml").write_text(FULL, encoding="utf-8")
    return tmp_path


def test_load_engagement_reads_every_key(full: Path) -> None:
    e = load_engagement(full / "telekit.toml")
    assert e == load_engagement(full)
    assert (e.practice, e.prepared_by, e.reviewers) == (
        "Lakeside Family Medicine",
        "R. Auditor",
        ("A. Coder", "B. Coder"),
    )
    assert (e.map, e.policies, e.expected_fees) == (
        full / "map.toml",
        full / "policies.toml",
        full / "fees.toml",
    )
    assert e.locality == "1320201" and e.deidentify is False
    assert e.key_file == full / "../keys/lakeside.key"
    assert (e.outputs.report, e.outputs.executive_pdf, e.outputs.compare) == (True, False, False)
    assert e.drop_folder("2026-11") == full / "exports/2026-11/data"
    assert e.out_folder("2026-11") == full / "deliverables/2026-11"
    assert e.as_of_for("2026-11") == dt.date(2026, 12, 15)
    assert e.period_for("2026-11") == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert e.period_for("2026-01") == (dt.date(2025, 2, 1), dt.date(2026, 1, 31))


def test_drop_helpers(tmp_path: Path) -> None:
    e = Engagement(root=tmp_path, practice="P")
    assert e.period_for("2026-11") == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert e.period_for("2028-02") == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert e.as_of_for("2026-11") == dt.date(2026, 11, 30)
    assert e.as_of_for("2026-02") == dt.date(2026, 2, 28)
    latest = Engagement(root=tmp_path, practice="P", as_of="latest-remittance", period="all")
    assert latest.as_of_for("2026-11") is None  # telekit audit's own default
    assert latest.period_for("2026-11") is None
    for bad in ("2026-13", "2026-1", "26-11", "2026-11/..", "2026_11"):
        with pytest.raises(EngagementError, match="expected a month as YYYY-MM"):
            e.drop_folder(bad)
    assert parse_drop("2026-09") == (2026, 9)


def test_previous_drop_is_the_latest_earlier_drop_with_outputs(tmp_path: Path) -> None:
    e = Engagement(root=tmp_path, practice="P")
    assert e.previous_drop("2026-11") is None
    for drop in ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12"):
        e.drop_folder(drop).mkdir(parents=True)
    for drop in ("2026-08", "2026-09", "2026-12"):
        e.out_folder(drop).mkdir(parents=True)
    (tmp_path / "out" / "notes").mkdir()  # not a drop
    (tmp_path / "out" / "2026-07").write_text("", encoding="utf-8")  # a file, not a folder
    assert e.drops_with_outputs() == ["2026-08", "2026-09", "2026-12"]
    assert e.previous_drop("2026-11") == "2026-09"
    assert e.previous_drop("2026-10") == "2026-09"
    assert e.previous_drop("2026-09") == "2026-08"
    assert e.previous_drop("2026-08") is None
    nested = Engagement(root=tmp_path, practice="P", outputs=Outputs(out="runs/{drop}/audit"))
    (tmp_path / "runs" / "2026-05" / "audit").mkdir(parents=True)
    (tmp_path / "runs" / "2026-06").mkdir(parents=True)  # no audit folder inside
    assert nested.previous_drop("2026-11") == "2026-05"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(needle))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('practice = "Lakeside Family Medicine"', 'practice = ""', "engagement.practice: expected"),
        ('practice = "Lakeside Family Medicine"', "practice = 3", "expected a string, found an"),
        ('reviewers = ["A. Coder", "B. Coder"]', 'reviewers = "A"', "expected an array of names"),
        (
            'reviewers = ["A. Coder", "B. Coder"]',
            'reviewers = ["A", ""]',
            "engagement.reviewers[2]: expected",
        ),
        ('drops = "exports/{drop}/data"', 'drops = "exports"', 'holding "{drop}" once'),
        ('drops = "exports/{drop}/data"', 'drops = "/srv/{drop}"', "inside the engagement"),
        ('drops = "exports/{drop}/data"', 'drops = "../x/{drop}"', "inside the engagement"),
        ('map = "map.toml"', 'map = "other.toml"', "other.toml not found next to telekit.toml"),
        ('locality = "1320201"', 'locality = "13202"', "data.locality: expected MAC + locality"),
        ("as_of = 2026-12-15", 'as_of = "end-of-month"', "audit.as_of: expected"),
        ("as_of = 2026-12-15", "as_of = 2026-12-15T10:00:00", "audit.as_of: expected"),
        ('period = "trailing-12-months"', 'period = "month"', 'expected one of "drop-month"'),
        ("deidentify = false", 'deidentify = "no"', "audit.deidentify: expected true or false"),
        ("executive_pdf = false", "executive_pdf = 1", "outputs.executive_pdf: expected true"),
        ('out = "deliverables/{drop}"', 'out = "out/{drop}/{x}"', "outputs.out: expected a folder"),
        ("compare = false", "compair = false", "outputs.compair: unknown key (expected report,"),
        ("[outputs]", "[output]", "output: unknown table (expected [engagement], [data]"),
    ],
)
def test_each_config_error_names_the_file_the_line_and_what_is_expected(
    full: Path, old: str, new: str, expected: str
) -> None:
    text = FULL.replace(old, new)
    assert text != FULL
    (full / "telekit.toml").write_text(text, encoding="utf-8")
    line = _line_of(text, new.split(" = ", maxsplit=1)[0] if " = " in new else new)
    with pytest.raises(EngagementError) as info:
        load_engagement(full)
    message = str(info.value)
    assert message.startswith(f"{full / 'telekit.toml'}: line {line}: "), message
    assert expected in message, message
    assert "\n" not in message


def test_config_errors_without_a_key_line(tmp_path: Path) -> None:
    with pytest.raises(EngagementError, match=r"telekit\.toml: not found \(create the engagement"):
        load_engagement(tmp_path)
    (tmp_path / "telekit.toml").write_text("[data]\n", encoding="utf-8")
    with pytest.raises(EngagementError, match=r"telekit\.toml: no \[engagement\] table"):
        load_engagement(tmp_path)
    (tmp_path / "telekit.toml").write_text("[engagement]\npractice = P\n[data]\n", "utf-8")
    with pytest.raises(EngagementError, match=r"telekit\.toml: line 2: not valid TOML"):
        load_engagement(tmp_path)
    (tmp_path / "telekit.toml").write_bytes(b'[engagement]\npractice = "\xff"\n')
    with pytest.raises(EngagementError, match="not UTF-8"):
        load_engagement(tmp_path)
    (tmp_path / "telekit.toml").write_text('[engagement]\npractice = "P"\n', "utf-8")
    assert load_engagement(tmp_path) == Engagement(
        root=tmp_path, practice="P", key_file=tmp_path / "keys/pseudonyms.key"
    )
