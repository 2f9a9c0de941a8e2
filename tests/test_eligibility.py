"""tk.eligibility (DESIGN §6): coverage on the date of past claims and upcoming visits."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._core import _columns as c
from telekit._engine._eligibility import ELIGIBILITY_COLUMNS, eligibility

D = dt.date
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ADDED = ELIGIBILITY_COLUMNS.names()

POLICIES = {
    "payer": {
        "AETNA": {
            "payer_type": "commercial",
            "aliases": ["AETNA BETTER HEALTH", "60054"],
            "telehealth_covered": True,
        },
        "HEALTHFIRST": {"payer_type": "commercial", "telehealth_covered": False},
    }
}


def coverage() -> pl.DataFrame:
    rows: list[tuple[Any, ...]] = [
        # person, payer, payer_type, plan, start, end, telehealth_covered
        ("P1", "AETNA", "commercial", "Aetna Choice", D(2024, 1, 1), D(2024, 6, 30), None),
        ("P1", "MEDICARE", "medicare", "Part B", D(2024, 7, 1), None, True),
        ("P2", "CIGNA", "commercial", "Open Access", D(2023, 1, 1), D(2023, 12, 31), False),
        ("P3", "UHC", "commercial", "Choice Plus", D(2020, 1, 1), None, None),
        ("P3", "AETNA BETTER HEALTH", "commercial", None, D(2024, 3, 1), None, None),
        ("P5", "HEALTHFIRST", "commercial", "Essential", D(2024, 1, 1), D(2024, 12, 31), None),
    ]
    names = [
        c.PERSON_ID,
        c.PAYER,
        c.PAYER_TYPE,
        c.PLAN_NAME,
        c.ENROLLMENT_START_DATE,
        c.ENROLLMENT_END_DATE,
        c.TELEHEALTH_COVERED,
    ]
    frame = pl.DataFrame(rows, schema=names, orient="row")
    return frame.with_columns(pl.lit(None, dtype=pl.String).alias(c.MEMBER_ID)).select(
        c.COVERAGE.names
    )


def schedule(*rows: tuple[str | None, dt.date | None, str | None]) -> pl.DataFrame:
    """Upcoming visits: (person_id, visit_date, payer) plus a column that must survive."""
    return pl.DataFrame(
        {
            "appointment": [f"A{i}" for i in range(len(rows))],
            c.PERSON_ID: [r[0] for r in rows],
            "visit_date": [r[1] for r in rows],
            c.PAYER: [r[2] for r in rows],
        },
        schema={
            "appointment": pl.String,
            c.PERSON_ID: pl.String,
            "visit_date": pl.Date,
            c.PAYER: pl.String,
        },
    )


def one(person: str | None, day: dt.date | None, payer: str | None = None) -> dict[str, Any]:
    out = eligibility(schedule((person, day, payer)), coverage(), POLICIES)
    return out.row(0, named=True)


# --- status --------------------------------------------------------------------------------


def test_eligible_with_the_scheduled_payer_and_its_policy_benefit() -> None:
    row = one("P1", D(2024, 3, 15), "AETNA")
    assert row["eligibility_status"] == "eligible"
    assert (row["covering_payer"], row["covering_payer_type"], row["plan_name"]) == (
        "AETNA",
        "commercial",
        "Aetna Choice",
    )
    # the span's telehealth_covered is empty: the policy of AETNA says true
    assert row["telehealth_benefit"] == "covered"
    assert row["reason"] == (
        "covered by AETNA (Aetna Choice) on 2024-03-15; telehealth covered (payer policy)"
    )


@pytest.mark.parametrize(
    ("day", "payer"),
    [(D(2024, 1, 1), "AETNA"), (D(2024, 6, 30), "AETNA"), (D(2024, 7, 1), "MEDICARE")],
)
def test_both_enrollment_dates_are_inclusive(day: dt.date, payer: str) -> None:
    row = one("P1", day)
    assert (row["eligibility_status"], row["covering_payer"]) == ("eligible", payer)


def test_only_another_payer_covers_the_date() -> None:
    row = one("P1", D(2024, 7, 1), "AETNA")
    assert row["eligibility_status"] == "eligible"
    assert row["covering_payer"] == "MEDICARE"
    assert row["telehealth_benefit"] == "covered"  # the Medicare span says true
    assert row["reason"].startswith(
        "AETNA does not cover 2024-07-01; the patient is covered by MEDICARE (Part B): "
        "bill or schedule under MEDICARE; telehealth covered (coverage span)"
    )


def test_not_eligible_after_coverage_ended() -> None:
    row = one("P2", D(2024, 1, 1), "CIGNA")
    assert row["eligibility_status"] == "not_eligible"
    assert row["covering_payer"] is None
    assert row["plan_name"] is None
    assert row["telehealth_benefit"] == "unknown"
    assert row["reason"] == (
        "no coverage span on file covers 2024-01-01; the last span (CIGNA) ended 2023-12-31: "
        "verify current coverage with the patient and payer, or collect self-pay"
    )


def test_not_eligible_before_coverage_starts() -> None:
    row = one("P2", D(2022, 12, 31))
    assert row["eligibility_status"] == "not_eligible"
    assert "the next span (CIGNA) starts 2023-01-01" in row["reason"]
    assert "ended" not in row["reason"]


def test_unknown_without_coverage_rows() -> None:
    row = one("P4", D(2024, 5, 1), "AETNA")
    assert row["eligibility_status"] == "unknown"
    assert row["telehealth_benefit"] == "unknown"
    assert row["covering_payer"] is None
    assert row["reason"].startswith("no coverage on file for this patient")


@pytest.mark.parametrize(
    ("person", "day", "reason"),
    [
        (None, D(2024, 5, 1), "no person_id: cannot match the patient's coverage"),
        ("P1", None, "no readable date: add the date of service or visit"),
    ],
)
def test_unknown_without_person_or_date(
    person: str | None, day: dt.date | None, reason: str
) -> None:
    row = one(person, day)
    assert (row["eligibility_status"], row["reason"]) == ("unknown", reason)


def test_telehealth_not_covered_by_span_and_by_policy() -> None:
    span = one("P2", D(2023, 6, 1))
    assert span["telehealth_benefit"] == "not_covered"
    assert "telehealth NOT covered (coverage span)" in span["reason"]
    policy = one("P5", D(2024, 5, 5))
    assert policy["telehealth_benefit"] == "not_covered"
    assert "telehealth NOT covered (payer policy)" in policy["reason"]


def test_benefit_unknown_when_neither_span_nor_policy_says() -> None:
    row = one("P3", D(2022, 5, 1))  # UHC: no span flag, no policy
    assert (row["covering_payer"], row["telehealth_benefit"]) == ("UHC", "unknown")
    assert row["reason"].endswith(
        "telehealth benefit unknown: confirm with the payer before a virtual visit"
    )


# --- several covering spans ------------------------------------------------------------------


def test_the_rows_payer_is_preferred_through_aliases() -> None:
    # 60054 is an alias of AETNA, and so is the coverage's AETNA BETTER HEALTH
    row = one("P3", D(2024, 5, 1), "60054")
    assert row["covering_payer"] == "AETNA BETTER HEALTH"
    assert "does not cover" not in row["reason"]
    assert "1 other payer also covers the date: check coordination of benefits" in row["reason"]
    uhc = one("P3", D(2024, 5, 1), " uhc ")  # compared trimmed and upper-cased
    assert uhc["covering_payer"] == "UHC"


def test_without_a_payer_the_latest_enrollment_wins() -> None:
    row = one("P3", D(2024, 5, 1))
    assert row["covering_payer"] == "AETNA BETTER HEALTH"  # started 2024-03-01, after UHC
    assert row["plan_name"] is None


def test_preferred_payer_not_covering_falls_back_to_the_other() -> None:
    row = one("P3", D(2024, 2, 1), "AETNA")  # AETNA BETTER HEALTH starts 2024-03-01
    assert row["covering_payer"] == "UHC"
    assert row["reason"].startswith("AETNA does not cover 2024-02-01")


# --- frame handling --------------------------------------------------------------------------


def test_order_count_and_columns_are_preserved() -> None:
    rows = schedule(
        ("P5", D(2024, 5, 5), None),
        ("P4", D(2024, 5, 1), None),
        ("P3", D(2024, 5, 1), None),
        ("P3", D(2024, 5, 1), None),  # a duplicate row stays a row
        ("P1", D(2024, 3, 15), "AETNA"),
        ("P2", D(2024, 1, 1), None),
    )
    out = eligibility(rows, coverage(), POLICIES)
    assert out.columns == [*rows.columns, *ADDED]
    assert_frame_equal(out.select(rows.columns), rows)
    assert out.get_column("eligibility_status").to_list() == [
        "eligible",
        "unknown",
        "eligible",
        "eligible",
        "eligible",
        "not_eligible",
    ]
    assert out.schema == pl.Schema({**rows.schema, **ELIGIBILITY_COLUMNS})


def test_existing_output_columns_are_replaced() -> None:
    rows = schedule(("P1", D(2024, 3, 15), None)).with_columns(
        pl.lit("stale").alias("reason"), pl.lit("old plan").alias(c.PLAN_NAME)
    )
    out = eligibility(rows, coverage(), POLICIES)
    assert out.columns == ["appointment", c.PERSON_ID, "visit_date", c.PAYER, *ADDED]
    assert out.row(0, named=True)[c.PLAN_NAME] == "Aetna Choice"


@pytest.mark.parametrize("date_column", [c.CLAIM_LINE_START_DATE, c.ENCOUNTER_DATE, "visit_date"])
def test_each_date_column_is_read(date_column: str) -> None:
    rows = pl.DataFrame({c.PERSON_ID: ["P2"], date_column: [D(2024, 1, 1)]})
    assert eligibility(rows, coverage())["eligibility_status"].to_list() == ["not_eligible"]


def test_the_first_date_column_in_contract_order_wins() -> None:
    rows = pl.DataFrame(
        {c.PERSON_ID: ["P2"], "visit_date": [D(2023, 5, 1)], c.ENCOUNTER_DATE: [D(2024, 5, 1)]}
    )
    assert eligibility(rows, coverage())["eligibility_status"].to_list() == ["not_eligible"]


def test_text_and_datetime_dates() -> None:
    rows = pl.DataFrame(
        {c.PERSON_ID: ["P1", "P1", "P1"], "visit_date": ["2024-03-15", "07/01/2024", "soon"]}
    )
    out = eligibility(rows, coverage())
    assert out["covering_payer"].to_list() == ["AETNA", "MEDICARE", None]
    assert out["eligibility_status"].to_list() == ["eligible", "eligible", "unknown"]
    stamps = pl.DataFrame(
        {c.PERSON_ID: ["P1"], "visit_date": [dt.datetime(2024, 6, 30, 23, 59)]}  # noqa: DTZ001
    )
    assert eligibility(stamps, coverage())["covering_payer"].to_list() == ["AETNA"]


def test_lazy_frames_tables_and_raw_coverage_are_accepted() -> None:
    rows = schedule(("P1", D(2024, 3, 15), "AETNA"), ("P2", D(2024, 1, 1), None))
    expected = eligibility(rows, coverage(), POLICIES)
    raw = coverage().with_columns(
        pl.col(c.ENROLLMENT_START_DATE, c.ENROLLMENT_END_DATE).dt.strftime("%m/%d/%Y"),
        pl.col(c.TELEHEALTH_COVERED).replace_strict(
            {True: "yes", False: "no"}, default=None, return_dtype=pl.String
        ),
    )
    table = tk.read_coverage(raw)
    assert_frame_equal(eligibility(rows.lazy(), table, POLICIES), expected)
    assert_frame_equal(eligibility(rows, raw.lazy(), POLICIES), expected)
    claims_like = tk.Table("claims", rows)
    assert_frame_equal(eligibility(claims_like, coverage(), POLICIES), expected)


def test_no_coverage_table_given() -> None:
    out = eligibility(schedule(("P1", D(2024, 3, 15), None)), None)
    row = out.row(0, named=True)
    assert (row["eligibility_status"], row["telehealth_benefit"]) == ("unknown", "unknown")
    assert row["reason"].startswith("no coverage table given")


def test_empty_rows() -> None:
    out = eligibility(schedule(), coverage())
    assert out.height == 0
    assert out.columns[-len(ADDED) :] == ADDED


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pl.DataFrame({"patient": ["P1"], "visit_date": [D(2024, 1, 1)]}), "no column 'person_id'"),
        (pl.DataFrame({c.PERSON_ID: ["P1"], "when": [D(2024, 1, 1)]}), "no date column"),
        (pl.DataFrame({c.PERSON_ID: ["P1"], "visit_date": [20240101]}), "must hold dates"),
    ],
)
def test_bad_rows_are_clear_errors(frame: pl.DataFrame, match: str) -> None:
    with pytest.raises(tk.InputError, match=match):
        eligibility(frame, coverage())


def test_rows_must_be_a_frame() -> None:
    with pytest.raises(tk.InputError, match="read a file first"):
        eligibility("claims.csv", coverage())  # type: ignore[arg-type]


# --- agreement with the audit on the sample practice ---------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[pl.DataFrame, tk.AuditResult]:
    claims = tk.read_claims(SAMPLES / "claims.csv")
    cov = tk.read_coverage(SAMPLES / "coverage.csv")
    policies = tk.load_policies(SAMPLES / "policies.toml")
    result = tk.audit(claims, coverage=cov, policies=policies)
    return eligibility(claims, cov, policies), result


def _flagged(result: tk.AuditResult, code: str) -> set[tuple[str, int]]:
    rows = result.findings.filter(pl.col("rule_code") == code)
    return set(rows.select(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).iter_rows())


def test_sample_not_eligible_lines_are_exactly_el001(
    sample: tuple[pl.DataFrame, tk.AuditResult],
) -> None:
    checked, result = sample
    not_eligible = checked.filter(
        (pl.col("eligibility_status") == "not_eligible") & (pl.col(c.PAYER_TYPE) != "self_pay")
    )
    assert not_eligible.height > 0
    assert set(not_eligible.select(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).iter_rows()) == _flagged(
        result, "EL001"
    )


def test_sample_other_payer_lines_are_exactly_el004(
    sample: tuple[pl.DataFrame, tk.AuditResult],
) -> None:
    checked, result = sample
    other = checked.filter(
        pl.col("reason").str.contains(" does not cover ", literal=True)
        & (pl.col(c.PAYER_TYPE) != "self_pay")
    )
    assert other.height > 0
    assert set(other.select(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).iter_rows()) == _flagged(
        result, "EL004"
    )


def test_sample_every_row_has_a_status_and_a_reason(
    sample: tuple[pl.DataFrame, tk.AuditResult],
) -> None:
    checked, result = sample
    assert checked.height == result.claims.height
    assert checked.get_column("reason").null_count() == 0
    statuses = set(checked.get_column("eligibility_status").unique())
    assert statuses <= {"eligible", "not_eligible", "unknown"}
    eligible = checked.filter(pl.col("eligibility_status") == "eligible")
    assert eligible.get_column("covering_payer").null_count() == 0
    assert set(checked.get_column("telehealth_benefit").unique()) == {
        "covered",
        "not_covered",
        "unknown",
    }


# --- against a plain-Python reference on random rows --------------------------------------------


def _reference(rows: pl.DataFrame, spans: pl.DataFrame) -> list[tuple[str, str | None]]:
    """Status and covering payer, one row at a time, straight from DESIGN §6 and the docstring's
    choice (the row's payer, then the latest start, then the payer)."""
    by_person: dict[str, list[dict[str, Any]]] = {}
    for span in spans.iter_rows(named=True):
        by_person.setdefault(span[c.PERSON_ID], []).append(span)
    aliases = {"60054": "AETNA", "AETNA BETTER HEALTH": "AETNA"}

    def key(payer: str | None) -> str | None:
        return None if payer is None else aliases.get(payer.upper(), payer.upper())

    out: list[tuple[str, str | None]] = []
    for row in rows.iter_rows(named=True):
        mine = by_person.get(row[c.PERSON_ID], [])
        day = row["visit_date"]
        covering = [
            s
            for s in mine
            if s[c.ENROLLMENT_START_DATE] <= day
            and (s[c.ENROLLMENT_END_DATE] is None or day <= s[c.ENROLLMENT_END_DATE])
        ]
        if not mine:
            out.append(("unknown", None))
        elif not covering:
            out.append(("not_eligible", None))
        else:
            best = min(
                covering,
                key=lambda s: (
                    key(s[c.PAYER]) != key(row[c.PAYER]),
                    -s[c.ENROLLMENT_START_DATE].toordinal(),
                    key(s[c.PAYER]),
                    s[c.PAYER],
                ),
            )
            out.append(("eligible", best[c.PAYER]))
    return out


def test_random_schedule_matches_the_reference() -> None:
    rng = random.Random(20241127)
    payers = ["AETNA", "AETNA BETTER HEALTH", "60054", "UHC", "MEDICARE", None]
    start = D(2023, 1, 1)
    rows = schedule(
        *(
            (
                f"P{rng.randint(1, 6)}",
                start + dt.timedelta(days=rng.randint(0, 900)),
                rng.choice(payers),
            )
            for _ in range(3000)
        )
    )
    out = eligibility(rows, coverage(), POLICIES)
    got = list(zip(out["eligibility_status"], out["covering_payer"], strict=True))
    assert got == _reference(rows, coverage())
    assert set(out["eligibility_status"]) == {"eligible", "not_eligible", "unknown"}
