"""``v.on_distinct`` (a test computed once per distinct value, looked up back) gives what the
test gives per line; CD004's claim-without-diagnosis test gives what a window per claim gives."""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit.rules import _coding as cd
from telekit.rules import _coding_reference as cr
from telekit.rules import _eligibility as el

VALUES = ["F10.2", "F1.0", None, "f11", "E11.9", "F10.2", "Z00", None, "F19", "F2", "110", ""]


def _frame() -> pl.DataFrame:
    return pl.DataFrame({"x": VALUES * 3}, schema={"x": pl.String})


def test_on_distinct_equals_the_test_per_line() -> None:
    df = _frame()
    tests = [
        lambda e: e.str.starts_with("F1"),
        lambda e: e.is_null(),  # true on the null value: nulls are one value
        lambda e: e.str.len_chars() > 3,  # null on nulls: false
    ]
    for test in tests:
        per_line = df.select(test(pl.col("x")).fill_null(False)).to_series()
        distinct = df.select(v.on_distinct(pl.col("x"), test)).to_series()
        assert distinct.null_count() == 0
        assert distinct.equals(per_line)
        assert 0 < distinct.sum() < df.height


def test_category_in_per_distinct_value() -> None:
    df = _frame()
    got = df.select(el._category_in("x", "F10", "F19")).to_series().to_list()
    expected = [True, True, False, False, False, True, False, False, True, False, False, False]
    assert got == expected * 3


def test_npi_invalid_per_distinct_value() -> None:
    npis = ["1234567893", "1234567890", None, "123456789", "12345678X3", "1234567893"]
    df = pl.DataFrame({"npi": npis * 2}, schema={"npi": pl.String})
    got = df.select(cd.npi_invalid(pl.col("npi"))).to_series().to_list()
    assert got == [False, True, False, True, True, False] * 2


def test_claim_has_no_diagnosis_equals_a_window_per_claim() -> None:
    rows = {
        "claim_id": ["A", "A", "B", "B", "C", None, None, "D", "E", "E"],
        c.DIAGNOSES[0]: ["F32A", None, None, None, None, None, "Z00", None, None, None],
        c.DIAGNOSES[5]: [None, None, None, None, None, None, None, "F41", None, "E119"],
    }
    df = pl.DataFrame(rows, schema=dict.fromkeys(rows, pl.String))
    df = df.with_columns(
        pl.lit(None, dtype=pl.String).alias(d) for d in c.DIAGNOSES if d not in rows
    )
    line_has = pl.any_horizontal([pl.col(d).is_not_null() for d in c.DIAGNOSES])
    window = df.select((~line_has.any().over(c.CLAIM_ID)).alias("x")).to_series()
    got = df.select(cr._claim_has_no_diagnosis().alias("x")).to_series()
    assert got.to_list() == [False, False, True, True, True, False, False, False, False, False]
    assert got.equals(window)


def test_modifier_list_as_concat_list_drop_nulls() -> None:
    from telekit._engine import _annotate

    slots = {
        c.MODIFIERS[0]: ["95", None, "25", None, "A\x1fB"],
        c.MODIFIERS[1]: [None, None, "59", "GT", None],
        c.MODIFIERS[2]: [None, None, None, None, None],
        c.MODIFIERS[3]: ["93", None, None, None, None],
    }
    df = pl.DataFrame(slots, schema=dict.fromkeys(slots, pl.String))
    expected = [["95", "93"], [], ["25", "59"], ["GT"], ["A\x1fB"]]
    # the last row holds the separator: the exact (slow) form is used
    got = df.select(_annotate._modifier_list(df)).to_series().to_list()
    assert got == expected
    clean = df.head(4)
    fast = clean.select(_annotate._modifier_list(clean).alias("m")).to_series()
    assert fast.to_list() == expected[:4]
    assert fast.dtype == pl.List(pl.String)


def test_valid_on_dos_unique_keys_agree_with_the_join() -> None:
    """``_valid_on_dos``: periods with one row per key (looked up by position) and the same
    periods split in back-to-back rows (joined) give the same validity; null and unknown keys,
    null DOS and the period's ends included."""
    import datetime as dt

    from telekit._engine import _annotate

    d = dt.date
    lines = pl.DataFrame(
        {
            "_row": [0, 1, 2, 3, 4, 5, 6, 7],
            "k": ["A", "A", "A", None, "Z", "B", "B", "A"],
            c.CLAIM_LINE_START_DATE: [
                d(2020, 1, 1), d(2019, 12, 31), d(2024, 6, 30), d(2021, 1, 1),
                d(2021, 1, 1), d(2021, 1, 1), None, d(2024, 7, 1),
            ],
        },
        schema_overrides={"_row": pl.UInt32},
    )  # fmt: skip
    merged = pl.DataFrame(
        {
            "k": ["A", "B"],
            "valid_start_date": [d(2020, 1, 1), d(1900, 1, 1)],
            "valid_end_date": [d(2024, 6, 30), d(9999, 12, 31)],
        }
    )
    split = pl.DataFrame(
        {
            "k": ["A", "A", "B"],
            "valid_start_date": [d(2020, 1, 1), d(2022, 1, 1), d(1900, 1, 1)],
            "valid_end_date": [d(2021, 12, 31), d(2024, 6, 30), d(9999, 12, 31)],
        }
    )

    def valid(periods: pl.DataFrame) -> list[bool]:
        got = _annotate._valid_on_dos(lines.lazy(), periods, "k", "ok").collect()
        return got.sort("_row").get_column("ok").to_list()

    expected = [True, False, True, False, False, True, False, False]
    assert valid(merged) == expected
    assert valid(split) == expected
