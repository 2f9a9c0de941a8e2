"""policies.toml errors: one line naming the file and, where it can be found, the line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from telekit._cli import main
from telekit._core._exceptions import InputError, PolicyError
from telekit._policies._expected_fees import load_expected_fees
from telekit._policies._toml import load_policies
from telekit.sample import write as write_sample


def write(tmp_path: Path, text: str, name: str = "policies.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path) -> str:
    with pytest.raises(PolicyError) as info:
        load_policies(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert isinstance(info.value, InputError)
    return message[len(f"{path}: ") :]


HEAD = """# practice policies
[payer_type.commercial]
timely_filing_days = 120

[payer.AETNA]
payer_type = "commercial"
aliases = ["AETNA BETTER HEALTH"]

[[payer.AETNA.periods]]
start = 2024-01-01
end = 2024-12-31
"""  # 11 lines: what a test appends starts on line 12


# --- dates ------------------------------------------------------------------------------------

DATES = [
    ("start = 0001-01-01", "start", "0001-01-01"),
    ("start = 1899-12-31", "start", "1899-12-31"),
    ("start = 2025-01-01\nend = 9999-12-31", "end", "9999-12-31"),
    ("start = 2025-01-01\nend = 2201-01-01", "end", "2201-01-01"),
    ('start = "0001-01-01"', "start", "0001-01-01"),
]


@pytest.mark.parametrize(("period", "field", "found"), DATES)
def test_period_dates_outside_1900_to_2200_are_refused(
    tmp_path: Path, period: str, field: str, found: str
) -> None:
    path = write(tmp_path, HEAD + "[[payer.AETNA.periods]]\n" + period + "\n")
    line = 12 + (field == "end")
    assert error(path) == (
        f"line {line + 1}: payer.AETNA.periods[2].{field}: "
        f"expected a date from 1900-01-01 to 2200-12-31, found {found}"
    )


def test_payer_type_period_dates_are_checked_too(tmp_path: Path) -> None:
    path = write(tmp_path, "[[payer_type.medicare.periods]]\nstart = 0001-01-01\n")
    assert error(path) == (
        "line 2: payer_type.medicare.periods[1].start: "
        "expected a date from 1900-01-01 to 2200-12-31, found 0001-01-01"
    )


def test_edge_dates_are_accepted_and_resolve() -> None:
    policies = load_policies(
        {
            "payer": {
                "AETNA": {
                    "payer_type": "commercial",
                    "periods": [
                        {"start": dt.date(1900, 1, 1), "end": dt.date(1999, 12, 31)},
                        {"start": dt.date(2200, 12, 31), "telehealth_pos": "none"},
                    ],
                }
            }
        }
    )
    table = policies.describe().filter(payer_key="AETNA")
    assert table["valid_start_date"].to_list()[-1] == dt.date(2200, 12, 31)
    assert table["policy_telehealth_pos"].to_list()[-1] == "none"


def test_a_parsed_mapping_has_no_line_but_names_the_field() -> None:
    doc = {"payer": {"AETNA": {"periods": [{"start": dt.date(1, 1, 1)}]}}}
    with pytest.raises(PolicyError) as info:
        load_policies(doc)
    assert str(info.value) == (
        "<policies>: payer.AETNA.periods[1].start: "
        "expected a date from 1900-01-01 to 2200-12-31, found 0001-01-01"
    )


# --- TOML that does not parse -----------------------------------------------------------------


def test_invalid_toml_names_the_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "requires_modifier_93 = yes\n")
    assert error(path) == "line 12: not valid TOML (Invalid value, column 24)"


def test_an_invalid_date_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "[[payer.AETNA.periods]]\nstart = 2025-02-30\n")
    assert error(path) == "line 13: not valid TOML (Invalid date or datetime, column 9)"


def test_an_error_at_the_end_of_the_document_has_no_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'a = "')
    assert error(path) == "not valid TOML (Unterminated string)"


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 10_000 + "]" * 10_000 + "\n",
        "a = " + "{b = " * 5_000 + "1" + "}" * 5_000 + "\n",
    ],
    ids=["arrays", "inline tables"],
)
def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert error(path) == "not valid TOML (arrays or tables nested too deeply)"
    with pytest.raises(PolicyError, match=r"nested too deeply\)$"):
        load_expected_fees(path)


def test_deeply_dotted_keys_are_an_unknown_table_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[payer.AETNA]\n" + "x." * 3_000 + "y = 1\n")
    message = error(path)
    assert message.startswith("line 2: payer.AETNA.x: unknown field (expected one of: ")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "policies.toml"
    path.write_bytes(b'[payer."\xff"]\n')
    assert error(path) == "not valid TOML (not UTF-8 text)"


# --- fields of the wrong type: the line of the key --------------------------------------------

FIELDS = [
    (
        'telehealth_pos = "03"\n',
        12,
        'payer.AETNA.periods[1].telehealth_pos: expected one of "02", "02/10", '
        '"in_person+95", "none", found \'03\'',
    ),
    (
        "[[payer.AETNA.periods]]\nstart = 2025-01-01\nrequires_modifier_93 = 1\n",
        14,
        "payer.AETNA.periods[2].requires_modifier_93: expected true or false, found an integer",
    ),
    (
        '[payer."BLUE CROSS"]\n\n  # a comment\ntimely_filing_days = "90"\n',
        15,
        'payer."BLUE CROSS".timely_filing_days: expected an integer >= 0 (days), found a string',
    ),
    (
        '[payer.CIGNA]\ntelehealth_modifiers = [\n  "95",\n  95,\n]\n',
        13,
        "payer.CIGNA.telehealth_modifiers[2]: expected a modifier string, found an integer",
    ),
    (
        "[payer.CIGNA]\nperiods = [\n  {start = 2024-01-01},\n  {start = 2025-01-01, "
        "telehealth_pos = 2},\n]\n",
        13,
        'payer.CIGNA.periods[2].telehealth_pos: expected one of "02", "02/10", '
        '"in_person+95", "none", found an integer',
    ),
    (
        '[payer]\nCIGNA = {payer_type = "hmo"}\n',
        13,
        "payer.CIGNA.payer_type: unknown payer_type 'hmo' (expected one of: medicare, "
        "medicare_advantage, medicaid, commercial, self_pay, other)",
    ),
    ("[payer.aetna]\n", 12, "payer.aetna: names the same payer as payer.AETNA"),
    ("[payers.CIGNA]\n", 12, "unknown top-level table 'payers'"),
    (
        "[payer.CIGNA.periods]\nstart = 2024-01-01\n",
        12,
        "payer.CIGNA.periods: expected an array of tables ([[payer.CIGNA.periods]]), found a table",
    ),
    (
        '"x = [1" = 3\n',
        12,
        'payer.AETNA.periods[1]."x = [1": unknown field (expected one of: start, end, ',
    ),
]


@pytest.mark.parametrize(("text", "line", "expected"), FIELDS)
def test_a_wrong_field_names_its_line(tmp_path: Path, text: str, line: int, expected: str) -> None:
    path = write(tmp_path, HEAD + text)
    assert error(path).startswith(f"line {line}: {expected}")


def test_expected_fee_errors_name_the_line(tmp_path: Path) -> None:
    text = '[[fee]]\npayer = "A"\nhcpcs_code = "99213"\nexpected_allowed = "85.50"\n\n'
    text += '[[fee]]\npayer = "A"\nhcpcs_code = "99214"\nexpected_allowed = true\n'
    path = write(tmp_path, text, "expected_fees.toml")
    with pytest.raises(PolicyError) as info:
        load_expected_fees(path)
    assert str(info.value) == (
        f"{path}: line 9: fee[2].expected_allowed: "
        'expected an amount ("85.50" or 85.50), found a boolean'
    )


def test_a_line_inside_a_multiline_string_is_not_taken_for_a_table(tmp_path: Path) -> None:
    text = '[payer.CIGNA]\nnote = """\n[payer.AETNA]\n"""\n'
    path = write(tmp_path, text)
    assert error(path).startswith("line 2: payer.CIGNA.note: unknown field")


# --- through the API and the CLI --------------------------------------------------------------


def test_the_cli_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "practice"
    write_sample(folder, seed=1, size=50)
    write(folder, HEAD + "[[payer.AETNA.periods]]\nstart = 0001-01-01\n")
    code = main(["audit", str(folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err
    assert "policies.toml: line 13: payer.AETNA.periods[2].start: expected a date" in err
    assert "Traceback" not in err
