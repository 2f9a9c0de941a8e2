"""Payer policies: built-in defaults, precedence, aliases, validation, resolution, expected fees."""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from telekit._core._columns import CLAIM_LINE_START_DATE, HCPCS_CODE, PAYER, PAYER_TYPE, PAYER_TYPES
from telekit._core._exceptions import PolicyError
from telekit._policies._expected_fees import (
    EXPECTED_ALLOWED,
    EXPECTED_FEES_SCHEMA,
    MODIFIER,
    load_expected_fees,
)
from telekit._policies._model import BUILTIN_POLICIES, Policies
from telekit._policies._toml import load_policies
from telekit._policies._vocabulary import (
    PAYER_KEY,
    POLICY_COLUMNS,
    POLICY_TELEHEALTH_COVERED,
    POLICY_TELEHEALTH_MODIFIERS,
    POLICY_TELEHEALTH_POS,
    POLICY_TIMELY_FILING_DAYS,
    POLICY_TIMELY_FILING_RULE,
)

DATA = Path(__file__).parent / "data" / "policies"
D = dt.date
POLICY_NAMES = POLICY_COLUMNS.names()


def lines(*rows: tuple[str | None, str | None, dt.date | None]) -> pl.DataFrame:
    """Claim lines with just what resolution reads: (payer, payer_type, DOS)."""
    return pl.DataFrame(
        {
            PAYER: [r[0] for r in rows],
            PAYER_TYPE: [r[1] for r in rows],
            CLAIM_LINE_START_DATE: [r[2] for r in rows],
        },
        schema={PAYER: pl.String, PAYER_TYPE: pl.String, CLAIM_LINE_START_DATE: pl.Date},
    )


def resolved(
    policies: Policies, payer: str | None, payer_type: str | None, dos: dt.date | None
) -> dict[str, Any]:
    """The policy columns of one line, as a dict."""
    row = policies.resolve(lines((payer, payer_type, dos))).row(0, named=True)
    return {k: row[k] for k in (PAYER_KEY, *POLICY_NAMES)}


def write(tmp_path: Path, text: str, name: str = "policies.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- built-in defaults -------------------------------------------------------------------------

#        pos, modifiers, requires 93, filing rule, filing days, accepts 98000-98015,
#        requires 93 on mental-health codes 90785-90899
MEDICARE_02 = ("02", [], False, "calendar_year", None, False, False)
MEDICARE_IP = ("in_person+95", [], False, "calendar_year", None, False, False)
MEDICARE_IP_MH93 = ("in_person+95", [], False, "calendar_year", None, False, True)
MEDICARE_IP93 = ("in_person+95", [], True, "calendar_year", None, False, True)
MEDICARE_0210 = ("02/10", [], True, "calendar_year", None, False, True)
COMMERCIAL_OLD = ("02", ["95", "GT"], False, "days", 90, True, False)
COMMERCIAL_NEW = ("02/10", ["95", "GT"], True, "days", 90, True, True)
MEDICAID_OLD = ("none", ["95", "GT"], False, "days", 365, True, False)
MEDICAID_NEW = ("none", ["95", "GT"], True, "days", 365, True, True)
SELF_PAY = ("none", [], False, "none", None, True, False)


def _ma(t: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*t[:3], "days", 365, False, t[-1])


BUILTIN_CASES = [
    ("medicare", D(2019, 6, 1), MEDICARE_02),
    ("medicare", D(2020, 2, 29), MEDICARE_02),
    ("medicare", D(2020, 3, 1), MEDICARE_IP),
    ("medicare", D(2021, 12, 31), MEDICARE_IP),
    ("medicare", D(2022, 1, 1), MEDICARE_IP_MH93),
    ("medicare", D(2022, 12, 31), MEDICARE_IP_MH93),
    ("medicare", D(2023, 1, 1), MEDICARE_IP93),
    ("medicare", D(2023, 12, 31), MEDICARE_IP93),
    ("medicare", D(2024, 1, 1), MEDICARE_0210),
    ("medicare", D(2030, 1, 1), MEDICARE_0210),
    ("medicare_advantage", D(2020, 2, 29), _ma(MEDICARE_02)),
    ("medicare_advantage", D(2020, 3, 1), _ma(MEDICARE_IP)),
    ("medicare_advantage", D(2022, 1, 1), _ma(MEDICARE_IP)),
    ("medicare_advantage", D(2022, 12, 31), _ma(MEDICARE_IP)),
    ("medicare_advantage", D(2023, 1, 1), _ma(MEDICARE_IP93)),
    ("medicare_advantage", D(2023, 12, 31), _ma(MEDICARE_IP93)),
    ("medicare_advantage", D(2024, 1, 1), _ma(MEDICARE_0210)),
    ("commercial", D(2020, 2, 29), COMMERCIAL_OLD),
    ("commercial", D(2020, 3, 1), COMMERCIAL_OLD),
    ("commercial", D(2021, 12, 31), COMMERCIAL_OLD),
    ("commercial", D(2022, 1, 1), COMMERCIAL_NEW),
    ("commercial", D(2023, 12, 31), COMMERCIAL_NEW),
    ("commercial", D(2024, 1, 1), COMMERCIAL_NEW),
    ("other", D(2021, 12, 31), COMMERCIAL_OLD),
    ("other", D(2022, 1, 1), COMMERCIAL_NEW),
    ("medicaid", D(2020, 3, 1), MEDICAID_OLD),
    ("medicaid", D(2021, 12, 31), MEDICAID_OLD),
    ("medicaid", D(2022, 1, 1), MEDICAID_NEW),
    ("medicaid", D(2024, 1, 1), MEDICAID_NEW),
    ("self_pay", D(2020, 2, 29), SELF_PAY),
    ("self_pay", D(2022, 1, 1), SELF_PAY),
    ("self_pay", D(2024, 1, 1), SELF_PAY),
]


def test_builtin_defaults_on_every_boundary() -> None:
    got = BUILTIN_POLICIES.resolve(lines(*((" Some Payer ", t, d) for t, d, _ in BUILTIN_CASES)))
    expected = pl.DataFrame(
        [
            (t, d, "SOME PAYER", *values[:-1], None, None, "warning", values[-1])
            for t, d, values in BUILTIN_CASES
        ],
        schema={
            PAYER_TYPE: pl.String,
            CLAIM_LINE_START_DATE: pl.Date,
            PAYER_KEY: pl.String,
            **POLICY_COLUMNS,
        },
        orient="row",
    )
    assert_frame_equal(got.drop(PAYER), expected)


def test_builtin_policies_are_what_load_policies_none_gives() -> None:
    policies = load_policies()
    assert policies is BUILTIN_POLICIES
    assert policies.source == "built-in"
    assert policies.payer_types() == {}
    assert load_policies(policies) is policies


def test_describe_builtins_is_the_segment_table() -> None:
    table = BUILTIN_POLICIES.describe()
    assert table.columns[:4] == [PAYER_KEY, PAYER_TYPE, "valid_start_date", "valid_end_date"]
    assert table.columns[4:] == POLICY_NAMES
    medicare = table.filter(pl.col(PAYER_TYPE) == "medicare")
    assert medicare["valid_start_date"].to_list() == [
        None,
        D(2020, 3, 1),
        D(2022, 1, 1),
        D(2023, 1, 1),
        D(2024, 1, 1),
    ]
    assert medicare["valid_end_date"].to_list() == [
        D(2020, 2, 29),
        D(2021, 12, 31),
        D(2022, 12, 31),
        D(2023, 12, 31),
        None,
    ]
    assert medicare[POLICY_TELEHEALTH_POS].to_list() == [
        "02",
        "in_person+95",
        "in_person+95",
        "in_person+95",
        "02/10",
    ]
    # 93: mental-health codes from 2022 (CY2022 PFS), every audio-only service from 2023
    assert medicare["policy_requires_modifier_93"].to_list() == [False, False, False, True, True]
    assert medicare["policy_requires_modifier_93_mental_health"].to_list() == [
        False,
        False,
        True,
        True,
        True,
    ]
    # self_pay never changes: one open segment
    assert table.filter(pl.col(PAYER_TYPE) == "self_pay").height == 1
    assert table[PAYER_KEY].null_count() == table.height
    assert set(table[PAYER_TYPE]) == set(PAYER_TYPES)


# --- overrides and precedence ------------------------------------------------------------------


def test_design_example_file() -> None:
    policies = load_policies(DATA / "design_example.toml")
    assert policies.source == str(DATA / "design_example.toml")
    assert policies.payer_types() == {"AETNA": "commercial"}
    # payer_type override: every commercial payer files in 120 days; other types keep theirs
    assert (
        resolved(policies, "CIGNA", "commercial", D(2023, 5, 1))[POLICY_TIMELY_FILING_DAYS] == 120
    )
    assert resolved(policies, "X", "other", D(2023, 5, 1))[POLICY_TIMELY_FILING_DAYS] == 90
    aetna = resolved(policies, "60054", "commercial", D(2024, 3, 1))
    assert aetna[PAYER_KEY] == "AETNA"
    assert aetna[POLICY_TIMELY_FILING_DAYS] == 120  # from payer_type.commercial
    assert aetna[POLICY_TELEHEALTH_COVERED] is True
    assert aetna["policy_audio_only_covered"] is True
    # an unnamed commercial payer knows nothing about coverage
    assert (
        resolved(policies, "CIGNA", "commercial", D(2024, 3, 1))[POLICY_TELEHEALTH_COVERED] is None
    )


@pytest.mark.parametrize(
    ("payer", "dos", "modifiers"),
    [
        # AETNA: payer period > payer field (the commercial period of 2023 does not reach it)
        ("AETNA", D(2022, 12, 31), ["GQ"]),
        ("AETNA", D(2023, 5, 31), ["GQ"]),
        ("AETNA", D(2023, 6, 1), []),
        ("AETNA", D(2023, 6, 30), []),
        ("AETNA", D(2023, 7, 1), ["GQ"]),
        ("AETNA", D(2025, 1, 1), ["GQ"]),
        # an unnamed commercial payer: payer_type period > payer_type field > built-in
        ("CIGNA", D(2022, 12, 31), ["95"]),
        ("CIGNA", D(2023, 1, 1), ["GT"]),
        ("CIGNA", D(2023, 12, 31), ["GT"]),
        ("CIGNA", D(2024, 1, 1), ["95"]),
    ],
)
def test_precedence_per_field(payer: str, dos: dt.date, modifiers: list[str]) -> None:
    policies = load_policies(DATA / "precedence.toml")
    assert resolved(policies, payer, "commercial", dos)[POLICY_TELEHEALTH_MODIFIERS] == modifiers


def test_a_period_only_overrides_the_fields_it_names() -> None:
    policies = load_policies(DATA / "precedence.toml")
    june = resolved(policies, "AETNA", "commercial", D(2023, 6, 15))
    # telehealth_pos comes from the payer_type period (AETNA never names it)
    assert june[POLICY_TELEHEALTH_POS] == "02"
    assert june[POLICY_TELEHEALTH_COVERED] is True  # payer field, untouched by its period
    assert june["policy_audio_only_covered"] is False  # the period's own field
    assert june[POLICY_TIMELY_FILING_DAYS] == 120  # payer_type field
    assert june["policy_requires_modifier_93"] is True  # built-in from 2022-01-01
    july = resolved(policies, "AETNA", "commercial", D(2023, 7, 1))
    assert july["policy_audio_only_covered"] is None
    # outside the payer_type period the built-in POS is back
    assert (
        resolved(policies, "AETNA", "commercial", D(2024, 1, 1))[POLICY_TELEHEALTH_POS] == "02/10"
    )


@pytest.mark.parametrize(
    ("dos", "days"),
    [(D(2024, 12, 31), 120), (D(2025, 1, 1), 30), (D(2030, 1, 1), 30)],
)
def test_open_ended_payer_period(dos: dt.date, days: int) -> None:
    policies = load_policies(DATA / "precedence.toml")
    assert resolved(policies, "AETNA", "commercial", dos)[POLICY_TIMELY_FILING_DAYS] == days


def test_medicare_timely_filing_days_switch_the_rule() -> None:
    policies = load_policies(DATA / "precedence.toml")
    medicare = resolved(policies, "NGS", "medicare", D(2024, 1, 1))
    assert medicare[POLICY_TIMELY_FILING_RULE] == "days"
    assert medicare[POLICY_TIMELY_FILING_DAYS] == 400
    # medicare_advantage is another payer_type: untouched
    ma = resolved(policies, "HUMANA", "medicare_advantage", D(2024, 1, 1))
    assert ma[POLICY_TIMELY_FILING_DAYS] == 365
    assert (
        resolved(BUILTIN_POLICIES, "NGS", "medicare", D(2024, 1, 1))[POLICY_TIMELY_FILING_RULE]
        == "calendar_year"
    )


@pytest.mark.parametrize(
    ("dos", "pos"), [(D(2022, 12, 31), "none"), (D(2023, 1, 1), "02/10"), (D(2026, 1, 1), "02/10")]
)
def test_payer_type_period(dos: dt.date, pos: str) -> None:
    policies = load_policies(DATA / "precedence.toml")
    assert resolved(policies, "STATE MEDICAID", "medicaid", dos)[POLICY_TELEHEALTH_POS] == pos


@pytest.mark.parametrize(
    ("payer_type", "pos"),
    [("commercial", "02/10"), ("medicaid", "none"), ("medicare", "in_person+95")],
)
def test_payer_without_payer_type_follows_its_lines(payer_type: str, pos: str) -> None:
    policies = load_policies(DATA / "precedence.toml")
    got = resolved(policies, "blue cross ", payer_type, D(2022, 6, 1))
    assert got[PAYER_KEY] == "BLUE CROSS"
    assert got[POLICY_TELEHEALTH_COVERED] is False
    assert got[POLICY_TELEHEALTH_POS] == pos


def test_a_named_payer_keeps_its_declared_payer_type() -> None:
    # check_lines refuses such lines; resolve still answers with the declared type's policy
    policies = load_policies(DATA / "precedence.toml")
    assert resolved(policies, "AETNA", "medicaid", D(2024, 2, 1))[POLICY_TIMELY_FILING_DAYS] == 120


# --- payer keys and aliases --------------------------------------------------------------------


@pytest.mark.parametrize(
    "payer", ["AETNA", "aetna", "  Aetna ", "AETNA BETTER HEALTH", "Aetna Better Health ", "60054"]
)
def test_aliases_and_keys_are_trimmed_and_case_insensitive(payer: str) -> None:
    policies = load_policies(DATA / "precedence.toml")
    got = resolved(policies, payer, "commercial", D(2024, 2, 1))
    assert got[PAYER_KEY] == "AETNA"
    assert got[POLICY_TELEHEALTH_COVERED] is True


def test_payer_key_expression_maps_aliases() -> None:
    policies = load_policies(DATA / "precedence.toml")
    frame = pl.DataFrame({"p": [" 60054", "cigna", None]})
    assert frame.select(policies.payer_key("p"))["p"].to_list() == ["AETNA", "CIGNA", None]
    assert frame.select(BUILTIN_POLICIES.payer_key(pl.col("p")))["p"].to_list() == [
        "60054",
        "CIGNA",
        None,
    ]


def test_payer_table_keys_are_normalised(tmp_path: Path) -> None:
    policies = load_policies(write(tmp_path, '[payer." uhc "]\ntelehealth_covered = false\n'))
    assert (
        resolved(policies, "UHC", "commercial", D(2024, 1, 1))[POLICY_TELEHEALTH_COVERED] is False
    )


# --- resolution mechanics ----------------------------------------------------------------------


def test_nulls_and_unknown_payer_types_get_null_policies() -> None:
    policies = load_policies(DATA / "precedence.toml")
    got = policies.resolve(
        lines(
            ("AETNA", "commercial", None),
            ("AETNA", None, D(2024, 1, 1)),
            ("CIGNA", "tricare", D(2024, 1, 1)),
            (None, "commercial", D(2024, 1, 1)),
        )
    )
    assert got[PAYER_KEY].to_list() == ["AETNA", "AETNA", "CIGNA", None]
    policy = got.select(POLICY_NAMES)
    assert policy.slice(0, 3).null_count().row(0) == (3,) * len(POLICY_NAMES)
    # a null payer still has a payer_type: it gets the payer_type's policy
    assert got.row(3, named=True)[POLICY_TIMELY_FILING_DAYS] == 120


def test_resolve_keeps_rows_order_columns_and_laziness() -> None:
    policies = load_policies(DATA / "precedence.toml")
    frame = lines(
        ("CIGNA", "commercial", D(2024, 1, 1)),
        ("60054", "commercial", D(2019, 1, 1)),
        ("NGS", "medicare", D(2021, 1, 1)),
        ("CIGNA", "commercial", D(2024, 1, 1)),
        ("Blue Cross", "medicaid", D(2023, 1, 1)),
    ).with_columns(pl.int_range(pl.len()).alias("n"), pl.lit("x").alias("extra"))
    eager = policies.resolve(frame)
    assert eager.columns == [*frame.columns, PAYER_KEY, *POLICY_NAMES]
    assert_frame_equal(eager.select(frame.columns), frame)
    assert dict(eager.select(POLICY_NAMES).schema) == dict(POLICY_COLUMNS)
    lazy = policies.resolve(frame.lazy())
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), eager)
    # resolving twice replaces the columns instead of suffixing them
    assert_frame_equal(policies.resolve(eager), eager)
    empty = policies.resolve(frame.clear())
    assert empty.height == 0
    assert empty.columns == eager.columns


def test_describe_lists_payers_and_merges_equal_neighbours() -> None:
    table = load_policies(DATA / "precedence.toml").describe()
    aetna = table.filter(pl.col(PAYER_KEY) == "AETNA")
    assert set(aetna[PAYER_TYPE]) == {"commercial"}
    starts = aetna["valid_start_date"].to_list()
    assert starts == sorted(starts, key=lambda d: d or D(1, 1, 1))
    assert starts == [
        None,
        D(2022, 1, 1),
        D(2023, 1, 1),
        D(2023, 6, 1),
        D(2023, 7, 1),
        D(2024, 1, 1),
        D(2025, 1, 1),
    ]
    # neighbouring segments differ in at least one policy value
    values = aetna.select(POLICY_NAMES).rows()
    assert all(a != b for a, b in itertools.pairwise(values))
    # a payer without payer_type has a timeline for every payer_type
    assert set(table.filter(pl.col(PAYER_KEY) == "BLUE CROSS")[PAYER_TYPE]) == set(PAYER_TYPES)


# --- check_lines -------------------------------------------------------------------------------


def test_check_lines_accepts_agreeing_lines() -> None:
    policies = load_policies(DATA / "precedence.toml")
    frame = lines(
        ("AETNA", "commercial", D(2024, 1, 1)),
        ("60054", "commercial", D(2024, 1, 1)),
        ("AETNA", None, D(2024, 1, 1)),  # unknown payer_type is no contradiction
        ("Blue Cross", "medicaid", D(2024, 1, 1)),  # no declared payer_type
        ("CIGNA", "medicare", D(2024, 1, 1)),  # not in the file
    )
    policies.check_lines(frame)
    policies.check_lines(frame.lazy())
    BUILTIN_POLICIES.check_lines(frame)


def test_check_lines_names_the_payer_whose_type_disagrees() -> None:
    policies = load_policies(DATA / "precedence.toml")
    frame = lines(
        ("AETNA", "commercial", D(2024, 1, 1)),
        (" aetna better health", "medicaid", D(2024, 1, 1)),
        ("60054", "medicaid", D(2024, 1, 2)),
    )
    with pytest.raises(
        PolicyError,
        match=r"precedence\.toml: payer\.AETNA has payer_type = 'commercial' but 2 claim line\(s\) "
        r"of that payer have payer_type medicaid",
    ):
        policies.check_lines(frame)


# --- validation --------------------------------------------------------------------------------

AETNA = '[payer.AETNA]\npayer_type = "commercial"\n'
PERIOD = "[[payer.AETNA.periods]]\n"

INVALID = [
    (
        "[payers.AETNA]\n",
        r"unknown top-level table 'payers' \(expected payer_type, payer, medicare or metrics",
    ),
    (
        "[payer_type.comercial]\ntimely_filing_days = 1\n",
        r"payer_type\.comercial: unknown payer_type \(expected one of: medicare, medicare_adv",
    ),
    ('[payer.AETNA]\npayer_type = "hmo"\n', r"payer\.AETNA\.payer_type: unknown payer_type 'hmo'"),
    (
        "[payer.AETNA]\npayer_type = 3\n",
        r"payer\.AETNA\.payer_type: expected a string, found an integer",
    ),
    (
        AETNA + 'telehealth_place = "02"\n',
        r"payer\.AETNA\.telehealth_place: unknown field \(expected one of: telehealth_pos,",
    ),
    ("[payer_type.medicaid]\naliases = []\n", r"payer_type\.medicaid\.aliases: unknown field"),
    (
        PERIOD + 'start = 2024-01-01\npayer_type = "commercial"\n',
        r"payer\.AETNA\.periods\[1\]\.payer_type: unknown field \(expected one of: start, end,",
    ),
    (
        AETNA + 'telehealth_covered = "yes"\n',
        r"payer\.AETNA\.telehealth_covered: expected true or false, found a string",
    ),
    (
        AETNA + "requires_modifier_93 = 1\n",
        r"payer\.AETNA\.requires_modifier_93: expected true or false, found an integer",
    ),
    (
        AETNA + 'timely_filing_days = "90"\n',
        r"payer\.AETNA\.timely_filing_days: expected an integer >= 0 \(days\), found a string",
    ),
    (
        AETNA + "timely_filing_days = -1\n",
        r"timely_filing_days: expected an integer >= 0 \(days\), found a negative integer",
    ),
    (
        AETNA + "timely_filing_days = true\n",
        r"timely_filing_days: expected an integer >= 0 \(days\), found a boolean",
    ),
    (
        AETNA + "timely_filing_days = 90.5\n",
        r"timely_filing_days: expected an integer >= 0 \(days\), found a float",
    ),
    (
        AETNA + 'telehealth_modifiers = "95"\n',
        r"payer\.AETNA\.telehealth_modifiers: expected an array of modifier strings, found a str",
    ),
    (
        AETNA + 'telehealth_modifiers = ["95", 95]\n',
        r"payer\.AETNA\.telehealth_modifiers\[2\]: expected a modifier string, found an integer",
    ),
    (
        AETNA + 'telehealth_modifiers = [" "]\n',
        r"telehealth_modifiers\[1\]: expected a modifier string, found an empty string",
    ),
    (
        PERIOD + 'start = 2024-01-01\ntelehealth_pos = "03"\n',
        r"payer\.AETNA\.periods\[1\]\.telehealth_pos: "
        r"""expected one of "02", "02/10", "in_person\+95", "none", found '03'""",
    ),
    (
        AETNA + "telehealth_pos = 2\n",
        r"payer\.AETNA\.telehealth_pos: expected one of .*, found an integer",
    ),
    (
        PERIOD + "start = 2024-01-01\n" + PERIOD + 'telehealth_pos = "02"\n',
        r"payer\.AETNA\.periods\[2\]: a period needs start \(a date, e\.g\. start = 2024-01-01\)",
    ),
    (
        PERIOD + 'start = "01/01/2024"\n',
        r"payer\.AETNA\.periods\[1\]\.start: expected a date \(YYYY-MM-DD\), found a string",
    ),
    (
        PERIOD + "start = 2024-01-01T00:00:00\n",
        r"periods\[1\]\.start: expected a date \(YYYY-MM-DD\), found a datetime",
    ),
    (
        PERIOD + "start = 2024-01-01\nend = 12:00:00\n",
        r"periods\[1\]\.end: expected a date \(YYYY-MM-DD\), found a time",
    ),
    (
        PERIOD + "start = 2024-01-01\nend = 2023-12-31\n",
        r"payer\.AETNA\.periods\[1\]\.end: end 2023-12-31 is before start 2024-01-01",
    ),
    (
        PERIOD + "start = 2024-01-01\nend = 2024-06-30\n" + PERIOD + "start = 2024-06-30\n",
        r"payer\.AETNA\.periods\[2\]: 2024-06-30 to open overlaps payer\.AETNA\.periods\[1\] "
        r"\(2024-01-01 to 2024-06-30\); the periods of one table must not overlap",
    ),
    (
        PERIOD + "start = 2025-01-01\n" + PERIOD + "start = 2024-01-01\n",
        r"payer\.AETNA\.periods\[1\]: 2025-01-01 to open overlaps "
        r"payer\.AETNA\.periods\[2\] \(2024-01-01 to open\)",
    ),
    (
        "[[payer_type.medicare.periods]]\nstart = 2024-01-01\n"
        "[[payer_type.medicare.periods]]\nstart = 2024-02-01\n",
        r"payer_type\.medicare\.periods\[2\]: .* overlaps payer_type\.medicare\.periods\[1\]",
    ),
    (
        '[payer.AETNA]\naliases = ["60054"]\n[payer.BCBS]\naliases = [" 60054"]\n',
        r"payer\.BCBS\.aliases\[1\]: alias '60054' is already an alias of payer\.AETNA",
    ),
    (
        '[payer.AETNA]\naliases = ["cigna"]\n[payer.CIGNA]\n',
        r"payer\.AETNA\.aliases\[1\]: alias 'CIGNA' is the key of payer\.CIGNA",
    ),
    ("[payer.aetna]\n[payer.AETNA]\n", r"payer\.AETNA: names the same payer as payer\.aetna"),
    (
        '[payer.AETNA]\naliases = "60054"\n',
        r"payer\.AETNA\.aliases: expected an array of strings, found a string",
    ),
    (
        '[payer.AETNA]\naliases = [""]\n',
        r"payer\.AETNA\.aliases\[1\]: expected a payer string, found an empty string",
    ),
    (
        "[payer.AETNA.periods]\nstart = 2024-01-01\n",
        r"payer\.AETNA\.periods: expected an array of tables "
        r"\(\[\[payer\.AETNA\.periods\]\]\), found a table",
    ),
    ("payer = 3\n", r"policies\.toml: line 1: payer: expected a table, found an integer"),
    ("[payer]\nAETNA = 3\n", r"payer\.AETNA: expected a table, found an integer"),
    (
        '[payer."BLUE CROSS"]\ntelehealth_covered = 1\n',
        r'payer\."BLUE CROSS"\.telehealth_covered: expected true or false',
    ),
    ('[payer." "]\n', r'payer\." ": a payer key must not be empty'),
    (
        "[payer.AETNA\n",
        r"policies\.toml: line 1: not valid TOML "
        r"\(Expected '\]' at the end of a table declaration, column 13\)",
    ),
]


@pytest.mark.parametrize(("text", "match"), INVALID)
def test_invalid_policy_files(tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError, match=match) as info:
        load_policies(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.toml: file not found"):
        load_policies(tmp_path / "nope.toml")


def test_parsed_mapping_source() -> None:
    doc = tomllib.loads((DATA / "design_example.toml").read_text(encoding="utf-8"))
    policies = load_policies(doc)
    assert policies.source == "<policies>"
    assert resolved(policies, "60054", "commercial", D(2024, 1, 1))[PAYER_KEY] == "AETNA"
    # ISO date strings are accepted from mappings that were not TOML (e.g. JSON)
    doc["payer"]["AETNA"]["periods"][0]["start"] = "2024-01-01"
    assert load_policies(doc).payer_types() == {"AETNA": "commercial"}
    with pytest.raises(PolicyError, match=r"<policies>: payer_type\.x: unknown payer_type"):
        load_policies({"payer_type": {"x": {}}})
    with pytest.raises(PolicyError, match="policies must be a path"):
        load_policies(42)  # type: ignore[arg-type]


def test_fee_tables_may_share_the_policy_file(tmp_path: Path) -> None:
    text = (DATA / "design_example.toml").read_text(encoding="utf-8")
    text += '\n[[fee]]\npayer = "60054"\nhcpcs_code = "99213"\nexpected_allowed = "85.50"\n'
    path = write(tmp_path, text)
    assert load_policies(path).payer_types() == {"AETNA": "commercial"}
    fees = load_expected_fees(path, policies=load_policies(path))
    assert fees[PAYER].to_list() == ["AETNA"]


# --- expected fees -----------------------------------------------------------------------------


def test_expected_fees_file() -> None:
    fees = load_expected_fees(DATA / "expected_fees.toml")
    expected = pl.DataFrame(
        {
            PAYER: ["AETNA", "AETNA BETTER HEALTH", "MEDICARE"],
            HCPCS_CODE: ["99213", "99214", "G2012"],
            MODIFIER: [None, "95", None],
            EXPECTED_ALLOWED: [Decimal("85.50"), Decimal("120.10"), Decimal("14.00")],
            "start": [None, None, None],
            "end": [None, None, None],
        },
        schema=EXPECTED_FEES_SCHEMA,
    )
    assert_frame_equal(fees, expected)
    with_aliases = load_expected_fees(
        DATA / "expected_fees.toml", policies=load_policies(DATA / "design_example.toml")
    )
    assert with_aliases[PAYER].to_list() == ["AETNA", "AETNA", "MEDICARE"]


def test_expected_fees_empty_file(tmp_path: Path) -> None:
    fees = load_expected_fees(write(tmp_path, "", "expected_fees.toml"))
    assert fees.height == 0
    assert fees.schema == EXPECTED_FEES_SCHEMA


FEE = '[[fee]]\npayer = "AETNA"\nhcpcs_code = "99213"\n'

INVALID_FEES = [
    (
        FEE
        + 'expected_allowed = "85.50"\n'
        + FEE
        + 'expected_allowed = "85.50"\n'
        + FEE
        + 'expected_allowed = "90"\n',
        r"fee\[2\]: repeats the payer, hcpcs_code and modifier of fee\[1\]",
    ),
    (
        FEE
        + 'modifier = "95"\nexpected_allowed = 1\n'
        + FEE
        + 'modifier = "GT"\nexpected_allowed = 1\n'
        + FEE
        + 'modifier = " 95"\nexpected_allowed = 1\n',
        r"fee\[3\]: repeats .* of fee\[1\]",
    ),
    ('[[fee]]\nhcpcs_code = "99213"\nexpected_allowed = 1\n', r"fee\[1\]\.payer: is missing"),
    ('[[fee]]\npayer = "AETNA"\nexpected_allowed = 1\n', r"fee\[1\]\.hcpcs_code: is missing"),
    (FEE, r"fee\[1\]\.expected_allowed: is missing"),
    (
        FEE + "expected_allowed = 1\n" + FEE + "modifier = 95\nexpected_allowed = 1\n",
        r"fee\[2\]\.modifier: expected a string, found an integer",
    ),
    (
        FEE + 'modifier = ""\nexpected_allowed = 1\n',
        r"fee\[1\]\.modifier: expected a non-empty string",
    ),
    (
        FEE + "expected_allowed = true\n",
        r'fee\[1\]\.expected_allowed: expected an amount \("85\.50" or 85\.50\), found a boolean',
    ),
    (
        FEE + "expected_allowed = 2024-01-01\n",
        r"fee\[1\]\.expected_allowed: expected an amount .*, found a date",
    ),
    (
        FEE + 'expected_allowed = "$85"\n',
        r'fee\[1\]\.expected_allowed: expected an amount such as "85\.50"',
    ),
    (
        FEE + 'expected_allowed = "85.505"\n',
        r"fee\[1\]\.expected_allowed: expected at most 2 decimal places",
    ),
    (FEE + "expected_allowed = -1\n", r"fee\[1\]\.expected_allowed: expected a finite amount >= 0"),
    (
        FEE + "expected_allowed = nan\n",
        r"fee\[1\]\.expected_allowed: expected a finite amount >= 0",
    ),
    (FEE + "expected_allowed = 1e10\n", r"expected an amount below 10,000,000,000\.00"),
    (
        FEE + "expected_allowed = 1\nprice = 2\n",
        r"fee\[1\]\.price: unknown field "
        r"\(expected one of: payer, hcpcs_code, modifier, expected_allowed, start, end\)",
    ),
    ("[fee]\npayer = 'A'\n", r"fee: expected an array of tables \(\[\[fee\]\]\), found a table"),
    ("[[fees]]\n", r"unknown top-level table 'fees' \(expected \[\[fee\]\] tables\)"),
]


@pytest.mark.parametrize(("text", "match"), INVALID_FEES)
def test_invalid_expected_fees(tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path, text, "expected_fees.toml")
    with pytest.raises(PolicyError, match=match) as info:
        load_expected_fees(path)
    assert str(info.value).startswith(f"{path}: ")


def test_expected_fee_duplicates_through_aliases(tmp_path: Path) -> None:
    text = FEE + "expected_allowed = 1\n" + FEE.replace("AETNA", "60054") + "expected_allowed = 2\n"
    path = write(tmp_path, text, "expected_fees.toml")
    assert load_expected_fees(path).height == 2  # without policies, 60054 is another payer
    with pytest.raises(
        PolicyError,
        match=r"fee\[2\]: repeats .* of fee\[1\] on overlapping dates \(payers compared through",
    ):
        load_expected_fees(path, policies=load_policies(DATA / "design_example.toml"))


def test_expected_fee_amounts_are_exact() -> None:
    fees = load_expected_fees(
        {
            "fee": [
                {"payer": "A", "hcpcs_code": "1", "expected_allowed": 0.1},
                {"payer": "A", "hcpcs_code": "2", "expected_allowed": "1234567.89"},
            ]
        }
    )
    assert fees[EXPECTED_ALLOWED].to_list() == [Decimal("0.10"), Decimal("1234567.89")]


# --- property ----------------------------------------------------------------------------------

PROPERTY_POLICIES = load_policies(DATA / "precedence.toml")
PROPERTY_SEGMENTS = PROPERTY_POLICIES.describe().rows(named=True)
PAYERS = st.sampled_from(["AETNA", " aetna better health", "60054", "CIGNA", "blue cross", "x", ""])
TYPES = st.sampled_from([*PAYER_TYPES, "tricare"])
DATES = st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))
ROWS = st.lists(
    st.tuples(st.none() | PAYERS, st.none() | TYPES, st.none() | DATES), min_size=0, max_size=40
)


def _reference(
    payer_key: str | None, payer_type: str | None, dos: dt.date | None
) -> tuple[Any, ...]:
    """The slow answer: look the line up in describe()'s segments."""
    if payer_type is None or dos is None:
        return (None,) * len(POLICY_NAMES)
    named = payer_key in {"AETNA", "BLUE CROSS"}
    for seg in PROPERTY_SEGMENTS:
        same_key = seg[PAYER_KEY] == (payer_key if named else None)
        same_type = seg[PAYER_TYPE] == ("commercial" if payer_key == "AETNA" else payer_type)
        starts = seg["valid_start_date"] is None or seg["valid_start_date"] <= dos
        ends = seg["valid_end_date"] is None or dos <= seg["valid_end_date"]
        if same_key and same_type and starts and ends:
            return tuple(seg[c] for c in POLICY_NAMES)
    return (None,) * len(POLICY_NAMES)


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_resolve_never_changes_rows_and_agrees_with_describe(
    rows: list[tuple[str | None, str | None, dt.date | None]],
) -> None:
    frame = lines(*rows).with_row_index("n")
    got = PROPERTY_POLICIES.resolve(frame)
    assert got.height == frame.height
    assert got["n"].to_list() == list(range(frame.height))
    assert_frame_equal(got.select(frame.columns), frame)
    for row in got.iter_rows(named=True):
        assert tuple(row[c] for c in POLICY_NAMES) == _reference(
            row[PAYER_KEY], row[PAYER_TYPE], row[CLAIM_LINE_START_DATE]
        )


# --- property: many payers, each with its own periods, against a direct reading of the file ---

FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "telehealth_pos": st.sampled_from(["02", "02/10", "in_person+95", "none"]),
    "telehealth_modifiers": st.sampled_from([[], ["95"], ["GT", "95"], ["93"]]),
    "requires_modifier_93": st.booleans(),
    "timely_filing_days": st.integers(0, 400),
    "accepts_cpt_telemedicine_codes": st.booleans(),
    "telehealth_covered": st.booleans(),
    "audio_only_covered": st.booleans(),
}
FIELDS = st.fixed_dictionaries({}, optional=FIELD_VALUES)
WIDE_DATES = st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))
# days on or next to the built-in boundaries, so that layers' boundaries meet
SHARED_DAYS = [
    D(y, m, d) + dt.timedelta(days=s)
    for y, m, d in ((2020, 3, 1), (2022, 1, 1), (2023, 1, 1), (2024, 1, 1), (2024, 7, 1))
    for s in (-1, 0, 1)
]
CUT_DATES = st.sampled_from(SHARED_DAYS) | st.builds(
    D, st.integers(2015, 2030), st.integers(1, 12), st.sampled_from([1, 15])
)


@st.composite
def layers(draw: st.DrawFn, *, payer: bool) -> dict[str, Any]:
    table: dict[str, Any] = dict(draw(FIELDS))
    if payer and draw(st.booleans()):
        table["payer_type"] = draw(st.sampled_from(PAYER_TYPES))
    cuts = sorted(draw(st.lists(CUT_DATES, unique=True, max_size=7)))
    periods = []
    for i in range(0, len(cuts), 2):
        period = {"start": cuts[i], **draw(FIELDS)}
        if i + 1 < len(cuts):
            period["end"] = cuts[i + 1]
        periods.append(period)
    if periods:
        table["periods"] = draw(st.permutations(periods))
    return table


DOCS = st.fixed_dictionaries(
    {
        "payer_type": st.dictionaries(st.sampled_from(PAYER_TYPES), layers(payer=False)),
        "payer": st.dictionaries(st.sampled_from([f"P{i}" for i in range(8)]), layers(payer=True)),
    }
)


def _apply(values: dict[str, Any], table: dict[str, Any]) -> None:
    for field, value in table.items():
        if field == "timely_filing_days":
            values[POLICY_TIMELY_FILING_RULE] = "days"
            values[POLICY_TIMELY_FILING_DAYS] = value
        elif field in FIELD_VALUES:
            values[f"policy_{field}"] = value
        if field == "requires_modifier_93":  # true: every service, false: none
            values["policy_requires_modifier_93_mental_health"] = value


def _direct(doc: dict[str, Any], payer: str, payer_type: str, dos: dt.date) -> dict[str, Any]:
    """Precedence read straight from the document, over the built-in default of the line."""
    table = doc["payer"].get(payer)
    own_type = table.get("payer_type", payer_type) if table else payer_type
    values = resolved(BUILTIN_POLICIES, "NOBODY", own_type, dos)
    values[PAYER_KEY] = payer
    for layer in (doc["payer_type"].get(own_type), table):
        if layer is None:
            continue
        _apply(values, layer)
        for period in layer.get("periods", []):
            if period["start"] <= dos and ("end" not in period or dos <= period["end"]):
                _apply(values, period)
    return values


def _edges(doc: dict[str, Any]) -> list[dt.date]:
    """The days either side of every period boundary of the document."""
    tables = [*doc["payer_type"].values(), *doc["payer"].values()]
    days = {p[k] for t in tables for p in t.get("periods", []) for k in ("start", "end") if k in p}
    return sorted({d + dt.timedelta(days=s) for d in days for s in (-1, 0, 1)})


@settings(max_examples=60, deadline=None)
@given(DOCS, st.data())
def test_resolve_agrees_with_the_file_read_directly(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    days = WIDE_DATES | st.sampled_from([D(1, 1, 1), D(9999, 12, 31)])
    if edges := _edges(doc):
        days |= st.sampled_from(edges)
    named = sorted(doc["payer"])
    payers = st.sampled_from([*named, "P8", "P9"]) if named else st.sampled_from(["P8", "P9"])
    rows = data.draw(
        st.lists(st.tuples(payers, st.sampled_from(PAYER_TYPES), days), min_size=1, max_size=80)
    )
    got = load_policies(doc).resolve(lines(*rows))
    for (payer, payer_type, dos), row in zip(rows, got.iter_rows(named=True), strict=True):
        assert {k: row[k] for k in (PAYER_KEY, *POLICY_NAMES)} == _direct(
            doc, payer, payer_type, dos
        )


def test_a_period_ending_on_the_first_day_of_a_builtin_segment() -> None:
    """The one-day segment where a period's last day meets a boundary below it."""
    doc = {
        "payer": {
            "P0": {
                "payer_type": "commercial",
                "periods": [
                    {"start": D(2021, 6, 1), "end": D(2022, 1, 1), "telehealth_pos": "none"},
                    {"start": D(2022, 1, 2), "end": D(2022, 1, 2), "requires_modifier_93": False},
                ],
            }
        }
    }
    policies = load_policies(doc)
    frame = lines(*((("P0", "commercial", D(2022, 1, d))) for d in (1, 2, 3)))
    got = policies.resolve(frame)
    assert got[POLICY_TELEHEALTH_POS].to_list() == ["none", "02/10", "02/10"]
    assert got["policy_requires_modifier_93"].to_list() == [True, False, True]


def test_a_files_requires_modifier_93_replaces_the_mental_health_scope() -> None:
    """Built-in Medicare 2022 requires 93 on mental-health codes only; a file's
    requires_modifier_93 (true or false) applies to every code instead."""
    day = D(2022, 6, 1)
    builtin = resolved(BUILTIN_POLICIES, "MEDICARE", "medicare", day)
    assert builtin["policy_requires_modifier_93"] is False
    assert builtin["policy_requires_modifier_93_mental_health"] is True
    for value in (True, False):
        period = {"start": D(2022, 1, 1), "end": D(2022, 12, 31), "requires_modifier_93": value}
        doc = {"payer": {"MEDICARE": {"payer_type": "medicare", "periods": [period]}}}
        got = resolved(load_policies(doc), "MEDICARE", "medicare", day)
        assert got["policy_requires_modifier_93"] is value
        assert got["policy_requires_modifier_93_mental_health"] is value


def test_expected_fees_are_dated_and_may_not_overlap(tmp_path: Path) -> None:
    text = (
        FEE + 'expected_allowed = "80.00"\nend = 2024-12-31\n'
        + FEE + 'expected_allowed = "84.00"\nstart = 2025-01-01\n'
    )  # fmt: skip
    fees = load_expected_fees(write(tmp_path, text, "expected_fees.toml"))
    assert fees["start"].to_list() == [None, dt.date(2025, 1, 1)]
    assert fees["end"].to_list() == [dt.date(2024, 12, 31), None]
    overlapping = text.replace("start = 2025-01-01", "start = 2024-12-31")
    with pytest.raises(PolicyError, match=r"fee\[2\]: repeats .* on overlapping dates"):
        load_expected_fees(write(tmp_path, overlapping, "expected_fees.toml"))
    backwards = FEE + "expected_allowed = 1\nstart = 2025-01-02\nend = 2025-01-01\n"
    with pytest.raises(PolicyError, match=r"fee\[1\]\.end: .*ends \(2025-01-01\) before it starts"):
        load_expected_fees(write(tmp_path, backwards, "expected_fees.toml"))


def test_practice_settings() -> None:
    settings = load_policies(
        {
            "medicare": {"locality": "1320201", "qualifying_apm": True},
            "metrics": {"contractual_carcs": ["45", " 253 "]},
        }
    ).settings
    assert settings.medicare_locality == "1320201"
    assert settings.qualifying_apm is True
    assert settings.contractual_carcs == ("45", "253")
    assert load_policies({}).settings.medicare_locality is None
    for doc, match in (
        ({"medicare": {"locality": 1320201}}, r"medicare\.locality: expected the MAC and locality"),
        ({"medicare": {"locality": "13202"}}, r"medicare\.locality: expected the MAC"),
        ({"medicare": {"qualifying_apm": "yes"}}, r"medicare\.qualifying_apm: expected true"),
        ({"medicare": {"gpci": 1}}, r"medicare\.gpci: unknown field"),
        (
            {"metrics": {"contractual_carcs": "45"}},
            r"metrics\.contractual_carcs: expected an array",
        ),
    ):
        with pytest.raises(PolicyError, match=match):
            load_policies(doc)


def test_unlisted_payers_are_canonical_sorted_and_unique() -> None:
    policies = load_policies(
        {"payer": {"AETNA": {"payer_type": "commercial", "aliases": ["60054", "Aetna Better"]}}}
    )
    found = [" aetna", "60054", "aetna better ", "Cigna", "CIGNA ", "umr", None, "  "]
    assert policies.unlisted_payers(found) == ["CIGNA", "UMR"]
    assert policies.unlisted_payers(pl.Series(["AETNA", "60054"])) == []
    assert policies.unlisted_payers([]) == []
    # the built-in policies name no payer: every payer is unlisted, canonical
    assert BUILTIN_POLICIES.unlisted_payers(found) == [
        "60054",
        "AETNA",
        "AETNA BETTER",
        "CIGNA",
        "UMR",
    ]
