"""The one pricing function (``telekit._engine._pricing.price_lines``) against figures computed
by hand from the shipped RVU rows (DESIGN §3 "Expected fees", §4 "Medicare fee schedule").

Shipped rows used (national, GPCI 1.0):
- 99214, release 2024-07 (DOS 2024-03-09..2024-12-31, CF 33.2875): work 1.92, PE 1.79
  non-facility / 0.83 facility, MP 0.14 → 3.85 × 33.2875 = 128.156875 → $128.16 and
  2.89 × 33.2875 = 96.200875 → $96.20;
- 99214, release 2023-01 (CF 33.8872): 1.92 + 1.73 / 0.82 + 0.14 → 3.79 × 33.8872 = 128.432488
  → $128.43 and 2.88 × 33.8872 = 97.595136 → $97.60;
- 71046 (2023-01): unmodified 0.22 + 0.77 + 0.02 = 1.01 → $34.23; 26: 0.22 + 0.08 + 0.01 =
  0.31 → 10.505032 → $10.51; TC: 0 + 0.69 + 0.01 = 0.70 → 23.72104 → $23.72.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from telekit import codesets
from telekit._core import _columns as c
from telekit._engine._pricing import (
    EXPECTED_ALLOWED,
    EXPECTED_FEE,
    PFS_FACILITY,
    PFS_NON_FACILITY,
    PFS_RELEASE,
    ROW,
    Pricing,
    _cents_to_money,
    price_lines,
)
from telekit._engine._reference import shipped_fee_schedules, shipped_gpci
from telekit._policies._expected_fees import EXPECTED_FEES_SCHEMA
from telekit.codesets._fee_schedule import FeeScheduleRelease

SHIPPED = Pricing(fee_schedules=shipped_fee_schedules(), gpci=shipped_gpci())
D = Decimal


def lines(*rows: dict[str, Any]) -> pl.DataFrame:
    base: dict[str, Any] = {
        c.CLAIM_LINE_START_DATE: dt.date(2024, 3, 9),
        c.HCPCS_CODE: "99214",
        c.PAYER: "MEDICARE",
        c.PAYER_TYPE: "medicare",
        c.PLACE_OF_SERVICE_CODE: "11",
        **dict.fromkeys(c.MODIFIERS),
        c.SERVICE_UNIT_QUANTITY: D("1"),
    }
    return pl.DataFrame(
        [{**base, **r} for r in rows],
        schema={
            c.CLAIM_LINE_START_DATE: pl.Date,
            c.HCPCS_CODE: pl.String,
            c.PAYER: pl.String,
            c.PAYER_TYPE: pl.String,
            c.PLACE_OF_SERVICE_CODE: pl.String,
            **dict.fromkeys(c.MODIFIERS, pl.String),
            c.SERVICE_UNIT_QUANTITY: pl.Decimal(10, 3),
        },
    ).with_row_index(ROW)


def priced(
    frame: pl.DataFrame, pricing: Pricing = SHIPPED, column: str = EXPECTED_ALLOWED
) -> list[str | None]:
    out = price_lines(frame, pricing, pl.col(c.PAYER).str.strip_chars().str.to_uppercase())
    assert out.get_column(ROW).to_list() == frame.get_column(ROW).to_list()  # same order
    return [None if v is None else str(v) for v in out.get_column(column).to_list()]


def test_99214_in_2024_at_both_rates() -> None:
    frame = lines(
        {c.PLACE_OF_SERVICE_CODE: "11"},
        {c.PLACE_OF_SERVICE_CODE: "10"},  # the patient's home: non-facility
        {c.PLACE_OF_SERVICE_CODE: "02"},  # other than home: facility
        {c.PLACE_OF_SERVICE_CODE: "22"},  # hospital outpatient: facility
    )
    assert priced(frame) == ["128.16", "128.16", "96.20", "96.20"]
    assert priced(frame, column=PFS_NON_FACILITY) == ["128.16"] * 4
    assert priced(frame, column=PFS_FACILITY) == ["96.20"] * 4
    assert priced(frame, column=PFS_RELEASE) == ["2024-07"] * 4
    assert priced(frame, column=EXPECTED_FEE) == [None] * 4


def test_units_multiply_before_rounding() -> None:
    frame = lines({c.SERVICE_UNIT_QUANTITY: D("2")}, {c.SERVICE_UNIT_QUANTITY: D("3")})
    # 256.31375 → 256.31 (not 2 × 128.16 = 256.32); 384.470625 → 384.47
    assert priced(frame) == ["256.31", "384.47"]


def test_professional_and_technical_component_rows() -> None:
    day = dt.date(2023, 6, 1)
    frame = lines(
        {c.HCPCS_CODE: "71046", c.CLAIM_LINE_START_DATE: day},
        {c.HCPCS_CODE: "71046", c.CLAIM_LINE_START_DATE: day, c.MODIFIERS[0]: "26"},
        {c.HCPCS_CODE: "71046", c.CLAIM_LINE_START_DATE: day, c.MODIFIERS[1]: "tc "},
        # a modifier the release has no row for: the unmodified row
        {c.HCPCS_CODE: "99214", c.CLAIM_LINE_START_DATE: day, c.MODIFIERS[0]: "26"},
    )
    assert priced(frame) == ["34.23", "10.51", "23.72", "128.43"]


def test_release_by_date_of_service() -> None:
    frame = lines(
        {c.CLAIM_LINE_START_DATE: dt.date(2023, 6, 1)},
        {c.CLAIM_LINE_START_DATE: dt.date(2023, 12, 31)},
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 1, 1)},  # CF 32.7442: not shipped
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 3, 8)},
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 3, 9)},
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 12, 31)},
        {c.CLAIM_LINE_START_DATE: dt.date(2025, 1, 1)},  # no release
        {c.CLAIM_LINE_START_DATE: dt.date(2022, 6, 1)},
    )
    assert priced(frame) == ["128.43", "128.43", None, None, "128.16", "128.16", None, None]
    assert priced(frame, column=PFS_RELEASE) == [
        "2023-01", "2023-01", None, None, "2024-07", "2024-07", None, None,
    ]  # fmt: skip


def test_telehealth_pos_at_the_facility_rate_2020_to_2023() -> None:
    day = dt.date(2023, 6, 1)
    frame = lines(
        {c.CLAIM_LINE_START_DATE: day, c.PLACE_OF_SERVICE_CODE: "02"},
        {c.CLAIM_LINE_START_DATE: day, c.PLACE_OF_SERVICE_CODE: "10"},
        {c.CLAIM_LINE_START_DATE: day, c.PLACE_OF_SERVICE_CODE: "11", c.MODIFIERS[0]: "95"},
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 6, 3), c.PLACE_OF_SERVICE_CODE: "10"},
    )
    assert priced(frame) == ["97.60", "97.60", "128.43", "128.16"]


def test_locality_gpcis_by_hand() -> None:
    # Manhattan (MAC 13202, locality 01) in the shipped CY2024 GPCI file: 1.065, 1.166, 1.656
    row = codesets.gpci().filter(pl.col("mac") == "13202", pl.col("locality") == "01")
    assert row.select("work_gpci", "pe_gpci", "mp_gpci").rows() == [
        (D("1.065"), D("1.166"), D("1.656"))
    ]
    local = Pricing(fee_schedules=shipped_fee_schedules(), gpci=shipped_gpci(), locality="1320201")
    frame = lines({c.PLACE_OF_SERVICE_CODE: "11"}, {c.PLACE_OF_SERVICE_CODE: "02"})
    # (1.92 × 1.065 + 1.79 × 1.166 + 0.14 × 1.656) × 33.2875 = 145.25932675 → 145.26
    # (1.92 × 1.065 + 0.83 × 1.166 + 0.14 × 1.656) × 33.2875 = 107.99863075 → 108.00
    assert priced(frame, local) == ["145.26", "108.00"]
    # 2023 uses the nearest GPCI file (CY2024, the earliest shipped)
    assert priced(lines({c.CLAIM_LINE_START_DATE: dt.date(2023, 6, 1)}), local) != ["128.43"]


def test_only_payable_statuses_are_priced() -> None:
    day = dt.date(2024, 6, 3)
    frame = lines(
        {c.HCPCS_CODE: "G2211", c.CLAIM_LINE_START_DATE: dt.date(2023, 6, 1)},  # B in 2023
        {c.HCPCS_CODE: "G2211", c.CLAIM_LINE_START_DATE: day},  # A in 2024
        {c.HCPCS_CODE: "0001F", c.CLAIM_LINE_START_DATE: day},  # I
        {c.HCPCS_CODE: "0469T", c.CLAIM_LINE_START_DATE: day},  # N
        {c.HCPCS_CODE: "ZZZ99", c.CLAIM_LINE_START_DATE: day},  # no row
    )
    got = priced(frame)
    assert got[0] is None and got[1] is not None
    assert got[2:] == [None, None, None]
    statuses = dict(codesets.pfs_status("2024-07").iter_rows())
    assert (statuses["0001F"], statuses["0469T"]) == ("I", "N")


def test_other_payers_are_not_priced_by_the_fee_schedule() -> None:
    frame = lines(
        {c.PAYER: "HUMANA MA", c.PAYER_TYPE: "medicare_advantage"},
        {c.PAYER: "AETNA", c.PAYER_TYPE: "commercial"},
    )
    assert priced(frame) == [None, None]


def _release_2026(apm: str, cf: str) -> FeeScheduleRelease:
    rvu = (
        codesets.pfs_rvu("2024-07")
        .filter(pl.col(c.HCPCS_CODE) == "99214")
        .with_columns(pl.lit(D(cf)).cast(pl.Decimal(18, 4)).alias("conversion_factor"))
    )
    return FeeScheduleRelease(
        release=f"2026-01-{apm}",
        valid_start_date=dt.date(2026, 1, 1),
        valid_end_date=dt.date(2026, 12, 31),
        rvu=rvu,
        source="test",
        shipped=False,
        apm=apm,
    )


@pytest.mark.parametrize(
    ("qualifying", "release", "amount"),
    [
        (True, "2026-01-qualifying", "128.59"),  # 3.85 × 33.4009 = 128.593465
        (False, "2026-01-non_qualifying", "127.32"),  # 3.85 × 33.0701 = 127.319885
    ],
)
def test_qualifying_apm_chooses_the_2026_release(
    qualifying: bool, release: str, amount: str
) -> None:
    pricing = Pricing(
        fee_schedules=(
            *shipped_fee_schedules(),
            _release_2026("qualifying", "33.4009"),
            _release_2026("non_qualifying", "33.0701"),
        ),
        gpci=shipped_gpci(),
        qualifying_apm=qualifying,
    )
    frame = lines({c.CLAIM_LINE_START_DATE: dt.date(2026, 2, 2)})
    assert priced(frame, pricing) == [amount]
    assert priced(frame, pricing, PFS_RELEASE) == [release]


def fees(*rows: tuple[str, str, str | None, str, dt.date | None, dt.date | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            dict(zip(EXPECTED_FEES_SCHEMA.names(), (*r[:3], D(r[3]), *r[4:]), strict=True))
            for r in rows
        ],
        schema=EXPECTED_FEES_SCHEMA,
    )


def test_dated_expected_fees_within_their_dates_with_the_modifier_rule() -> None:
    pricing = Pricing(
        fee_schedules=shipped_fee_schedules(),
        gpci=shipped_gpci(),
        expected_fees=fees(
            ("MEDICARE", "99214", None, "100.00", dt.date(2024, 7, 1), dt.date(2024, 9, 30)),
            ("MEDICARE", "99214", "95", "105.00", dt.date(2024, 7, 1), None),
            ("AETNA", "99214", None, "120.00", None, dt.date(2024, 12, 31)),
            ("AETNA", "99214", None, "130.00", dt.date(2025, 1, 1), None),
            ("AETNA", "99214", "GT", "99.00", None, None),
        ),
    )
    aetna = {c.PAYER: "aetna ", c.PAYER_TYPE: "commercial"}
    frame = lines(
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 6, 30)},  # before the fee: the fee schedule
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 7, 1)},  # the dated fee
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 10, 1)},  # after it: the fee schedule
        {c.CLAIM_LINE_START_DATE: dt.date(2024, 8, 1), c.MODIFIERS[1]: "95"},  # modifier fee
        {**aetna, c.CLAIM_LINE_START_DATE: dt.date(2024, 12, 31)},
        {**aetna, c.CLAIM_LINE_START_DATE: dt.date(2025, 1, 1)},
        {**aetna, c.CLAIM_LINE_START_DATE: dt.date(2025, 1, 1), c.MODIFIERS[0]: "95"},
        {**aetna, c.MODIFIERS[0]: "25", c.MODIFIERS[2]: "GT"},  # any position
        {**aetna, c.CLAIM_LINE_START_DATE: dt.date(2025, 1, 1), c.SERVICE_UNIT_QUANTITY: D("2")},
    )
    assert priced(frame, pricing, EXPECTED_FEE) == [
        None, "100.00", None, "105.00", "120.00", "130.00", "130.00", "99.00", "260.00",
    ]  # fmt: skip
    # the Medicare fee-schedule amount is still given beside the fee
    assert priced(frame, pricing)[:4] == ["128.16"] * 4
    assert priced(frame, pricing)[4:] == [None] * 5


def test_expected_fee_times_fractional_units_rounds_half_up() -> None:
    pricing = Pricing(
        expected_fees=fees(("AETNA", "97110", None, "33.33", None, None)),
    )
    frame = lines(
        {c.PAYER: "AETNA", c.PAYER_TYPE: "commercial", c.HCPCS_CODE: "97110",
         c.SERVICE_UNIT_QUANTITY: D("1.5")},
    )  # fmt: skip
    assert priced(frame, pricing, EXPECTED_FEE) == ["50.00"]  # 49.995 → 50.00


def test_cents_to_money_reads_negative_cents_as_themselves() -> None:
    # a line with negative units (a reversal) prices to a negative fee: -10001 cents is
    # -100.01, not the -101.99 of a floor division and a remainder
    cents = pl.DataFrame({"cents": [-10001, -1, 0, 1, 12345]})
    money = cents.select(_cents_to_money(pl.col("cents"))).to_series().to_list()
    assert money == [Decimal(v) for v in ("-100.01", "-0.01", "0.00", "0.01", "123.45")]
