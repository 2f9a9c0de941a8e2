"""``telekit policies init`` and ``telekit policies show`` (issue 19, item 7): a consultant writes
the payer policies from the practice's own claims and sees which policy each payer receives."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from telekit._cli import main
from telekit._core._exceptions import PolicyError
from telekit._core._payer_names import builtin_payer_type
from telekit._policies._init import claims_payers
from telekit._policies._show import show_text
from telekit._policies._toml import load_policies
from telekit._policies._vocabulary import (
    PAYER_KEY,
    POLICY_TELEHEALTH_MODIFIERS,
    POLICY_TELEHEALTH_POS,
    POLICY_TIMELY_FILING_DAYS,
    VALID_END_DATE,
    VALID_START_DATE,
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

# a practice-management export: no payer_type, payer spelled several ways, a map renames it
PM_CLAIMS = """Visit #,Svc Date,CPT/HCPCS,Primary Ins,Billed Amt
V1,01/05/2024,99213,Medicare Part B,120.00
V2,01/06/2024,99213, medicare part b ,120.00
V3,01/07/2024,99214,Aetna PPO,150.00
V4,01/08/2024,99214,Humana,150.00
V5,01/09/2024,99214,Self Pay,80.00
V6,01/10/2024,99214,AETNA PPO,150.00
V7,01/11/2024,99214,,150.00
"""
PM_MAP = """[claims.rename]
"Primary Ins" = "payer"
"Visit #" = "claim_id"
"Svc Date" = "claim_line_start_date"
"""


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pm_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "claims.csv").write_text(PM_CLAIMS, encoding="utf-8")
    (folder / "map.toml").write_text(PM_MAP, encoding="utf-8")
    return folder


# --- init ------------------------------------------------------------------------------------


def test_init_on_the_sample_lists_every_payer_with_its_payer_type_and_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "policies.toml"
    code, stdout, _ = _run(["policies", "init", str(SAMPLES), "--out", str(out)], capsys)
    assert code == 0
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
    expected = dict(
        claims.select(pl.col("payer").str.strip_chars().str.to_uppercase(), "payer_type")
        .unique()
        .iter_rows()
    )
    assert f"{len(expected)} payer(s)" in stdout
    text = out.read_text(encoding="utf-8")
    policies = load_policies(out)  # no TODO: the sample gives every payer_type
    assert policies.payer_types() == expected
    counts = claims.group_by(pl.col("payer").str.to_uppercase()).len()
    for payer, n in counts.iter_rows():
        assert f"# {n:,} claim line(s); spelled {payer!r}" in text
    assert '# [medicare]\n# locality = ""' in text
    assert "precedence" in text.lower()


def test_init_writes_the_builtin_defaults_as_comments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "policies.toml"
    assert _run(["policies", "init", str(SAMPLES), "--out", str(out)], capsys)[0] == 0
    text = out.read_text(encoding="utf-8")
    medicare = text.split("[payer.MEDICARE]", 1)[1].split("\n\n", 1)[0]
    assert (
        "#   telehealth_pos: 02 to 2020-02-29; in_person+95 2020-03-01..2023-12-31; "
        "02/10 from 2024-01-01"
    ) in medicare
    assert "#   timely_filing_days: one calendar year after DOS" in medicare
    cigna = text.split("[payer.CIGNA]", 1)[1].split("\n\n", 1)[0]
    assert "#   telehealth_modifiers: [95, GT]" in cigna
    assert "#   timely_filing_days: 90" in cigna  # the built-in, not the sample's own 120


def test_init_of_an_export_without_payer_type_fails_on_the_first_todo_then_loads(
    pm_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "policies.toml"
    code, stdout, _ = _run(["policies", "init", str(pm_dir), "--out", str(out)], capsys)
    assert code == 0
    assert "4 payer(s)" in stdout and "(2 to decide)" in stdout
    text = out.read_text(encoding="utf-8")
    # spellings are grouped trimmed and upper-cased; an empty payer is not a payer
    assert "# 2 claim line(s); spelled 'Medicare Part B', 'medicare part b'" in text
    assert "# 2 claim line(s); spelled 'AETNA PPO', 'Aetna PPO'" in text
    assert '[payer."MEDICARE PART B"]' in text
    assert 'payer_type = "medicare"' in text and 'payer_type = "self_pay"' in text
    lines = text.splitlines()
    todo = [i for i, line in enumerate(lines, start=1) if line.startswith('payer_type = ""')]
    assert len(todo) == 2
    with pytest.raises(PolicyError, match=rf": line {todo[0]}: payer\.\"AETNA PPO\"\.payer_type"):
        load_policies(out)
    todo_line = re.compile(r'^payer_type = ""', re.MULTILINE)
    filled = todo_line.sub('payer_type = "commercial"', text, count=1)
    filled = todo_line.sub('payer_type = "medicare_advantage"', filled, count=1)
    out.write_text(filled, encoding="utf-8")
    assert load_policies(out).payer_types() == {
        "AETNA PPO": "commercial",
        "HUMANA": "medicare_advantage",
        "MEDICARE PART B": "medicare",
        "SELF PAY": "self_pay",
    }


def test_a_payer_with_several_payer_types_is_left_to_its_lines(tmp_path: Path) -> None:
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "payer,payer_type\nAETNA,commercial\nAetna,medicare_advantage\nAETNA,Commercial\n",
        encoding="utf-8",
    )
    payers = claims_payers(claims)
    assert payers.rows() == [("AETNA", ["AETNA", "Aetna"], 3, ["commercial", "medicare_advantage"])]
    out = tmp_path / "policies.toml"
    assert main(["policies", "init", str(tmp_path), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "payer_type =" not in text.split("[payer.AETNA]", 1)[1]
    assert load_policies(out).payer_types() == {}  # a payer without payer_type: the lines'


def test_init_reads_an_xlsx_export_with_title_rows_totals_and_footer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "map.toml").write_text(PM_MAP, encoding="utf-8")
    book = xlsxwriter.Workbook(str(folder / "claims.xlsx"))
    sheet = book.add_worksheet()
    rows = [
        ["Charge Detail Report"],
        ["Practice: Example Clinic"],
        [],
        ["Visit #", "Svc Date", "CPT/HCPCS", "Primary Ins", "Billed Amt"],
        ["V1", "01/05/2024", "99213", "Medicaid", "120.00"],
        ["V2", "01/06/2024", "99213", "Medicare", "120.00"],
        [],
        ["Total", "", "", "", "240.00"],
        ["Printed 01/31/2024 Page 1 of 1"],
    ]
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    out = tmp_path / "policies.toml"
    code, _, _ = _run(["policies", "init", str(folder), "--out", str(out)], capsys)
    assert code == 0
    assert load_policies(out).payer_types() == {"MEDICAID": "medicaid", "MEDICARE": "medicare"}


def test_init_refuses_to_overwrite(pm_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = pm_dir / "policies.toml"
    out.write_text("# mine\n", encoding="utf-8")
    code, _, err = _run(["policies", "init", str(pm_dir), "--out", str(out)], capsys)
    assert code == 2
    assert "already exists" in err and len(err.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "# mine\n"


def test_init_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.toml"
    code, _, err = _run(["policies", "init", str(tmp_path), "--out", str(out)], capsys)
    assert code == 2 and "no claims found" in err
    (tmp_path / "claims.csv").write_text("claim_id,amount\nC1,10\n", encoding="utf-8")
    code, _, err = _run(["policies", "init", str(tmp_path), "--out", str(out)], capsys)
    assert code == 2 and "column 'payer' (accepted: payer" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_init_takes_the_parquet_claims_first(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "claims.csv", tmp_path / "claims.csv")
    pl.DataFrame({"payer": ["UHC"], "payer_type": ["commercial"]}).write_parquet(
        tmp_path / "claims.parquet"
    )
    out = tmp_path / "p.toml"
    assert main(["policies", "init", str(tmp_path), "--out", str(out)]) == 0
    assert load_policies(out).payer_types() == {"UHC": "commercial"}


# --- the built-in name table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "payer_type"),
    [
        ("Medicare Part B", "medicare"),
        (" medicare - part b ", "medicare"),
        ("MEDICAID", "medicaid"),
        ("Self-Pay", "self_pay"),
        ("Medicare Advantage", "medicare_advantage"),
        # brands sell commercial, MA and managed Medicaid plans under one name: never guessed
        ("Aetna", None),
        ("Aetna PPO", None),
        ("Humana", None),
        ("Blue Cross Blue Shield", None),
        ("UnitedHealthcare", None),
    ],
)
def test_the_name_table_types_only_unambiguous_names(name: str, payer_type: str | None) -> None:
    assert builtin_payer_type(name) == payer_type


# --- show ------------------------------------------------------------------------------------


def _fields(text: str, title: str) -> dict[str, str]:
    """The ``field  value`` lines of the (single-period) block titled ``title``."""
    block = text.split(title, 1)[1].split("\n\n", 1)[0]
    out = {}
    for line in block.splitlines()[1:]:
        m = re.match(r"  (\S+)\s{2,}(.+)$", line)
        assert m is not None, line
        out[m[1]] = m[2].strip()
    return out


def test_show_one_payer_through_an_alias_on_a_date_matches_describe(
    capsys: pytest.CaptureFixture[str],
) -> None:
    policies_file = str(SAMPLES / "policies.toml")
    argv = ["policies", "show", "--policies", policies_file, "--payer", "aetna better health"]
    code, out, _ = _run([*argv, "--on", "2022-03-01"], capsys)
    assert code == 0
    assert "payer AETNA (alias 'aetna better health')" in out
    assert "(default" not in out and "HUMANA" not in out
    day = dt.date(2022, 3, 1)
    row = (
        load_policies(SAMPLES / "policies.toml")
        .describe()
        .filter(
            (pl.col(PAYER_KEY) == "AETNA")
            & (pl.col(VALID_START_DATE) <= day)
            & (pl.col(VALID_END_DATE).is_null() | (pl.col(VALID_END_DATE) >= day))
        )
        .to_dicts()
    )
    assert len(row) == 1
    shown = _fields(out, "AETNA  payer_type commercial")
    assert shown["period"] == f"{row[0][VALID_START_DATE]}..{row[0][VALID_END_DATE]}"
    assert shown["telehealth_pos"] == row[0][POLICY_TELEHEALTH_POS] == "02"
    modifiers = ", ".join(row[0][POLICY_TELEHEALTH_MODIFIERS])
    assert shown["telehealth_modifiers"] == f"[{modifiers}]"
    assert shown["timely_filing_days"] == str(row[0][POLICY_TIMELY_FILING_DAYS]) == "120"
    assert shown["telehealth_covered"] == "true"


def test_show_without_a_file_is_every_builtin_default_and_every_segment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(["policies", "show"], capsys)
    assert code == 0 and out.startswith("policies: built-in")
    table = load_policies(None).describe()
    for payer_type, n in table.group_by("payer_type").len().iter_rows():
        assert f"(default {payer_type})  payer_type {payer_type}" in out
        block = out.split(f"(default {payer_type})", 1)[1].split("\n\n", 1)[0]
        assert block.count("telehealth_pos") * 3 >= n  # every segment shown (wrapped)
    assert max(len(line) for line in out.splitlines() if not line.startswith("payer")) <= 100
    assert "2020-03-01..2021-12-31" in out and "from 2024-01-01" in out


def test_which_builtin_policy_did_a_payer_receive_is_one_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(["policies", "show", "--payer", "Aetna PPO", "--on", "2024-05-01"], capsys)
    assert code == 0
    assert "payer AETNA PPO: no [payer] table" in out
    assert "payer_type on its lines" in out
    assert _fields(out, "(default commercial)  payer_type commercial")["telehealth_pos"] == "02/10"
    code, out, _ = _run(["policies", "show", "--payer", "Medicare Part B"], capsys)
    assert "the built-in name table says medicare" in out
    assert "(default medicare)" in out and "(default commercial)" not in out


def test_show_errors_name_the_line_and_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "policies.toml"
    bad.write_text('[payer.AETNA]\npayer_type = "commercial"\n\n[payer.UHC]\npayer_type = ""\n')
    code, _, err = _run(["policies", "show", "--policies", str(bad)], capsys)
    assert code == 2
    assert f"{bad}: line 5: payer.UHC.payer_type" in err
    code, _, err = _run(["policies", "show", "--on", "2024-02-30"], capsys)
    assert code == 2 and "expected a date YYYY-MM-DD" in err


def test_show_text_of_a_payer_without_payer_type_shows_each_possible_one() -> None:
    policies = load_policies({"payer": {"ACME": {"telehealth_covered": False}}})
    text = show_text(policies, payer="acme", on=dt.date(2024, 1, 1))
    assert text.count("ACME  payer_type") == 6
    assert "(no payer_type in the file: the lines' payer_type)" in text
    assert _fields(text, "ACME  payer_type medicaid")["telehealth_covered"] == "false"


def test_policies_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "show", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--policies F", "--payer P", "--on DATE"):
        assert out.count(option) >= 2  # in the usage line and described below
    assert main(["policies", "init", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--out OUT" in out and "never overwritten" in out
    assert main(["--help"]) == 0
    assert "policies" in capsys.readouterr().out
