"""telekit.integrity.oig_measures: the OIG's seven measures on hand-built claims, each at its
boundary, computed by hand in the test."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._core import _columns as c
from telekit.integrity import (
    DEFAULT_THRESHOLDS,
    MEASURES,
    Threshold,
    equipment_codes,
    highest_level_codes,
    oig_measures,
    oig_schema,
)

D = dt.date
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
_ids = itertools.count(1)


def line(
    npi: str,
    person: str,
    dos: dt.date,
    code: str = "99213",
    *,
    pos: str = "02",
    modifier: str | None = "95",
    payer_type: str = "medicare",
    units: str = "1",
    claim_id: str | None = None,
    frequency: str = "1",
    original: str | None = None,
    encounter_id: str | None = None,
) -> dict[str, Any]:
    """One canonical claim line (telehealth by default: POS 02 + 95, Medicare)."""
    row: dict[str, Any] = dict.fromkeys(c.CLAIMS.names)
    row.update(
        {
            c.CLAIM_ID: claim_id or f"C{next(_ids):06d}",
            c.CLAIM_LINE_NUMBER: 1,
            c.PERSON_ID: person,
            c.PAYER: "MEDICARE" if payer_type == "medicare" else "PLAN",
            c.PAYER_TYPE: payer_type,
            c.CLAIM_FREQUENCY_CODE: frequency,
            c.ORIGINAL_CLAIM_ID: original,
            c.RENDERING_NPI: npi,
            c.CLAIM_LINE_START_DATE: dos,
            c.CLAIM_SUBMITTED_DATE: dos,
            c.PLACE_OF_SERVICE_CODE: pos,
            c.HCPCS_CODE: code,
            c.MODIFIERS[0]: modifier,
            c.SERVICE_UNIT_QUANTITY: Decimal(units),
            c.CHARGE_AMOUNT: Decimal("100.00"),
            c.ENCOUNTER_ID: encounter_id,
        }
    )
    return row


def in_person(npi: str, person: str, dos: dt.date, code: str, **kw: Any) -> dict[str, Any]:
    return line(npi, person, dos, code, pos="11", modifier=None, **kw)


def claims(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=c.CLAIMS.schema, orient="row")


def measure(out: pl.DataFrame, npi: str, name: str, year: int = 2024) -> dict[str, Any]:
    row = out.filter((pl.col(c.RENDERING_NPI) == npi) & (pl.col("year") == year))
    assert row.height == 1, f"no row for {npi} {year}"
    values = row.row(0, named=True)
    return {
        "value": values[name],
        "num": values[f"{name}_numerator"],
        "den": values[f"{name}_denominator"],
        "threshold": values[f"{name}_threshold"],
        "exceeded": values[f"{name}_exceeded"],
        "percentile": values[f"{name}_percentile"],
        "reason": values[f"{name}_reason"],
    }


JAN_1 = D(2024, 1, 1)


def days(n: int, start: dt.date = JAN_1) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


# --- 1 facility fee ----------------------------------------------------------------------------


def test_facility_fee_share_at_the_75_percent_boundary() -> None:
    visits = [line(n, f"P{i}", d) for n in ("A", "B") for i, d in enumerate(days(4))]
    fees = [
        # A: a Q3014 for 3 of its 4 visits (same NPI, person, DOS) = 0.75 >= 0.75
        *(in_person("A", f"P{i}", d, "Q3014") for i, d in enumerate(days(3))),
        # B: 2 of 4 = 0.5; a Q3014 billed by another NPI for B's visit does not count
        *(in_person("B", f"P{i}", d, "Q3014") for i, d in enumerate(days(2))),
        in_person("Z", "P3", days(4)[3], "Q3014"),
    ]
    out = oig_measures(claims(*visits, *fees))
    a, b = measure(out, "A", "facility_fee_share"), measure(out, "B", "facility_fee_share")
    assert (a["num"], a["den"], a["value"], a["exceeded"]) == (3, 4, 0.75, True)
    assert (b["num"], b["den"], b["value"], b["exceeded"]) == (2, 4, 0.5, False)
    assert a["threshold"] == 0.75
    assert a["reason"] is None
    # percentile rank among the 2 providers: B (0.5) = 25, A (0.75) = 75
    assert (b["percentile"], a["percentile"]) == (25.0, 75.0)
    # Q3014 is never a telehealth service: Z billed only Q3014 and is not in the universe
    assert "Z" not in out.get_column(c.RENDERING_NPI).to_list()


# --- 2 highest level ---------------------------------------------------------------------------


def test_highest_level_share_every_time_means_exactly_one() -> None:
    rows = [
        line("A", "P1", D(2024, 2, 1), "99215"),
        line("A", "P2", D(2024, 2, 2), "99205"),
        line("A", "P3", D(2024, 2, 3), "99350"),  # home, established: top of its family
        line("B", "P1", D(2024, 2, 1), "99215"),
        line("B", "P2", D(2024, 2, 2), "99213"),
        line("B", "P2", D(2024, 2, 2), "90833"),  # an add-on on the same visit is not a visit
        line("C", "P1", D(2024, 2, 1), "90834"),  # psychotherapy: no E/M family
    ]
    out = oig_measures(claims(*rows))
    a, b = measure(out, "A", "highest_level_share"), measure(out, "B", "highest_level_share")
    assert (a["num"], a["den"], a["value"], a["exceeded"]) == (3, 3, 1.0, True)
    assert (b["num"], b["den"], b["value"], b["exceeded"]) == (1, 2, 0.5, False)
    none = measure(out, "C", "highest_level_share")
    assert none["value"] is None
    assert none["exceeded"] is None
    assert none["percentile"] is None
    assert none["reason"] == (
        "no telehealth E/M visit of the office, nursing facility, domiciliary or home families"
    )


def test_highest_level_codes_ship_with_one_top_code_per_family() -> None:
    codes = highest_level_codes()
    tops = codes.filter(pl.col("highest")).sort("family")
    assert tops.height == codes.get_column("family").n_unique()
    assert set(tops.filter(pl.col("oig_setting")).get_column(c.HCPCS_CODE)) == {
        "99205", "99215", "99306", "99310", "99328", "99337", "99345", "99350",
    }  # fmt: skip
    assert codes.get_column(c.HCPCS_CODE).is_unique().all()
    assert codes.get_column("provenance").null_count() == 0
    # the top code is the highest level of its family
    top_level = codes.group_by("family").agg(pl.col("level").max().alias("top"))
    check = tops.join(top_level, on="family")
    assert (check.get_column("level") == check.get_column("top")).all()


# --- 3 days ------------------------------------------------------------------------------------


def test_telehealth_days_more_than_300() -> None:
    a = [line("A", f"P{i % 7}", d) for i, d in enumerate(days(301))]
    b = [line("B", f"P{i % 7}", d) for i, d in enumerate(days(300))]
    b.append(line("B", "P99", D(2024, 1, 1)))  # a second visit on a day already counted
    out = oig_measures(claims(*a, *b))
    ma, mb = measure(out, "A", "telehealth_days"), measure(out, "B", "telehealth_days")
    assert (ma["value"], ma["exceeded"]) == (301.0, True)
    assert (mb["value"], mb["exceeded"]) == (300.0, False)
    assert ma["den"] is None  # a count has no denominator
    assert ma["threshold"] == 300.0


# --- 4 dual FFS / MA ---------------------------------------------------------------------------


def test_dual_ffs_ma_share_more_than_20_percent() -> None:
    d1, d2, d3, d4, d5 = days(5)
    rows = [
        # A: 4 services (person, DOS, code); s1 billed to both FFS and MA -> 1/4 = 0.25 > 0.20
        line("A", "P1", d1, payer_type="medicare"),
        line("A", "P1", d1, payer_type="medicare_advantage"),
        line("A", "P2", d2, payer_type="medicare"),
        line("A", "P3", d3, payer_type="medicare_advantage"),
        line("A", "P4", d4, payer_type="medicare"),
        # B: 5 services, one to both -> 1/5 = 0.20, not more than 0.20
        line("B", "P1", d1, payer_type="medicare"),
        line("B", "P1", d1, payer_type="medicare_advantage"),
        *(line("B", f"P{i}", d, payer_type="medicare") for i, d in ((2, d2), (3, d3), (4, d4))),
        line("B", "P5", d5, "99214", payer_type="medicare"),
        # same person and day but another code is another service
        line("B", "P5", d5, "99213", payer_type="medicare_advantage"),
    ]
    out = oig_measures(claims(*rows))
    a, b = measure(out, "A", "dual_ffs_ma_share"), measure(out, "B", "dual_ffs_ma_share")
    assert (a["num"], a["den"], a["value"], a["exceeded"]) == (1, 4, 0.25, True)
    assert (b["num"], b["den"], b["exceeded"]) == (1, 6, False)


def test_dual_is_not_computable_without_ma_lines() -> None:
    out = oig_measures(claims(line("A", "P1", D(2024, 1, 5))))
    m = measure(out, "A", "dual_ffs_ma_share")
    assert m["value"] is None
    assert m["num"] is None
    assert m["exceeded"] is None
    assert m["reason"].startswith("the claims of 2024 hold no Medicare Advantage lines")


def test_dual_is_not_computable_when_payer_types_leave_ma_out() -> None:
    rows = claims(
        line("A", "P1", D(2024, 1, 5)),
        line("A", "P1", D(2024, 1, 5), payer_type="medicare_advantage"),
    )
    m = measure(oig_measures(rows, payer_types=["medicare"]), "A", "dual_ffs_ma_share")
    assert m["value"] is None
    assert m["reason"].startswith("payer_types leaves out medicare_advantage")


def test_dual_needs_ffs_or_ma_services_of_the_provider() -> None:
    rows = claims(
        line("A", "P1", D(2024, 1, 5)),
        line("A", "P2", D(2024, 1, 6), payer_type="medicare_advantage"),
        line("B", "P3", D(2024, 1, 5), payer_type="commercial"),
    )
    out = oig_measures(rows, payer_types=None)
    assert measure(out, "A", "dual_ffs_ma_share")["value"] == 0.0
    m = measure(out, "B", "dual_ffs_ma_share")
    assert (m["value"], m["reason"]) == (
        None,
        "no Medicare FFS or Medicare Advantage telehealth services",
    )


# --- 5 minutes per visit -----------------------------------------------------------------------


def test_avg_minutes_per_visit_with_units_and_untimed_codes() -> None:
    d1, d2, d3 = days(3)
    rows = [
        # A, visit 1: 99215 (40) + 90838 (60) = 100
        line("A", "P1", d1, "99215"),
        line("A", "P1", d1, "90838"),
        # A, visit 2: 99205 (60) + G2212 x 3 units (15 each) = 105
        line("A", "P2", d2, "99205"),
        line("A", "P2", d2, "G2212", units="3"),
        # A, visit 3: 90791 has no minutes in the table: the visit is left out
        line("A", "P3", d3, "90791"),
        # B: 90837 (60) + 90838 (60) + 99417 x 2 (15 each) = 150 > 120
        line("B", "P1", d1, "90837"),
        line("B", "P1", d1, "90838"),
        line("B", "P1", d1, "99417", units="2"),
        # C: only untimed visits
        line("C", "P1", d1, "90791"),
    ]
    out = oig_measures(claims(*rows))
    a = measure(out, "A", "avg_minutes_per_visit")
    assert (a["num"], a["den"], a["value"], a["exceeded"]) == (205.0, 2, 102.5, False)
    b = measure(out, "B", "avg_minutes_per_visit")
    assert (b["num"], b["den"], b["value"], b["exceeded"]) == (150.0, 1, 150.0, True)
    m = measure(out, "C", "avg_minutes_per_visit")
    assert m["value"] is None
    assert m["reason"].startswith("no telehealth visit has a code in the minutes-per-code table")
    # telehealth_visits counts every visit, timed or not
    visits = out.filter(pl.col(c.RENDERING_NPI) == "A").get_column("telehealth_visits")
    assert visits.to_list() == [3]


def test_minutes_table_is_a_parameter() -> None:
    rows = claims(line("A", "P1", D(2024, 1, 5), "90791"), line("A", "P2", D(2024, 1, 6)))
    table = pl.DataFrame({c.HCPCS_CODE: ["90791", "99213"], "minutes": [121, 20]})
    m = measure(oig_measures(rows, minutes_per_code=table), "A", "avg_minutes_per_visit")
    assert (m["num"], m["den"], m["value"]) == (141.0, 2, 70.5)
    hours = pl.DataFrame({c.HCPCS_CODE: [" 90791 "], "minutes": [150.0]})
    m = measure(oig_measures(rows, minutes_per_code=hours), "A", "avg_minutes_per_visit")
    assert (m["value"], m["exceeded"]) == (150.0, True)


@pytest.mark.parametrize(
    ("table", "error", "match"),
    [
        (pl.DataFrame({c.HCPCS_CODE: ["99213"]}), tk.MissingColumnError, "no column minutes"),
        (pl.DataFrame({c.HCPCS_CODE: ["99213"], "minutes": ["20"]}), tk.InputError, "numeric"),
        (pl.DataFrame({c.HCPCS_CODE: ["99213"], "minutes": [-1]}), tk.InputError, ">= 0"),
        (
            pl.DataFrame({c.HCPCS_CODE: ["99213", "99213 "], "minutes": [20, 25]}),
            tk.InputError,
            "repeats 1 hcpcs_code",
        ),
    ],
)
def test_bad_minutes_tables(table: pl.DataFrame, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        oig_measures(claims(line("A", "P1", D(2024, 1, 5))), minutes_per_code=table)


# --- 6 beneficiaries ---------------------------------------------------------------------------


def test_beneficiaries_operator_differs_between_brief_and_toolkit() -> None:
    rows = [line("A", f"P{i}", D(2024, 3, 1)) for i in range(4)]
    rows += [line("B", f"P{i}", D(2024, 3, i + 1)) for i in range(3)]
    rows.append(line("B", "P0", D(2024, 4, 1)))  # the same person again
    data = claims(*rows)
    brief = oig_measures(data, thresholds={"beneficiaries": 3})  # keeps the default ">"
    assert measure(brief, "A", "beneficiaries")["exceeded"] is True
    b = measure(brief, "B", "beneficiaries")
    assert (b["value"], b["threshold"], b["exceeded"]) == (3.0, 3.0, False)
    toolkit = oig_measures(data, thresholds={"beneficiaries": Threshold(3, ">=")})
    assert measure(toolkit, "B", "beneficiaries")["exceeded"] is True
    assert DEFAULT_THRESHOLDS["beneficiaries"] == Threshold(2000, ">")


# --- 7 equipment -------------------------------------------------------------------------------


def test_equipment_order_share_is_not_computable_without_dmepos_lines() -> None:
    out = oig_measures(claims(line("A", "P1", D(2024, 1, 5))))
    m = measure(out, "A", "equipment_order_share")
    assert (m["value"], m["num"], m["den"], m["exceeded"]) == (None, None, None, None)
    assert "hold no medical-equipment (DMEPOS) lines" in m["reason"]


def test_equipment_order_share_when_the_claims_hold_dmepos_lines() -> None:
    rows = claims(
        line("A", "P1", D(2024, 1, 5)),
        line("A", "P2", D(2024, 1, 6)),
        in_person("A", "P1", D(2024, 3, 1), "E0424"),  # oxygen equipment for P1
        line("B", "P1", D(2024, 1, 5)),
        line("B", "P2", D(2024, 1, 5)),
        line("B", "P3", D(2024, 1, 5)),
        in_person("Z", "P2", D(2024, 3, 1), "L3908"),  # another NPI's equipment: not B's
        in_person("B", "P3", D(2024, 3, 1), "A0425"),  # ambulance mileage is not equipment
    )
    out = oig_measures(rows)
    a, b = measure(out, "A", "equipment_order_share"), measure(out, "B", "equipment_order_share")
    assert (a["num"], a["den"], a["value"], a["exceeded"]) == (1, 2, 0.5, True)
    assert (b["num"], b["den"], b["value"], b["exceeded"]) == (0, 3, 0.0, False)


def test_equipment_ranges_cover_the_dmepos_sections() -> None:
    ranges = equipment_codes()
    assert set(ranges.get_column("hcpcs_code_from").str.slice(0, 1)) == {"A", "B", "E", "K", "L"}
    assert (ranges.get_column("hcpcs_code_from") < ranges.get_column("hcpcs_code_to")).all()


# --- what counts as telehealth, and the lines in scope --------------------------------------


def test_telehealth_lines_only_and_final_action_only() -> None:
    d = D(2024, 5, 1)
    rows = claims(
        line("A", "P1", d),  # telehealth (POS 02 + 95)
        line("A", "P2", d, pos="11", modifier="95"),  # modifier 95 alone is an indicator
        line("A", "P3", d, pos="11", modifier="GO"),  # GO (letter O) is not G0
        line("A", "P4", d, "99421", pos="11", modifier=None),  # CTBS: not telehealth
        line("A", "P5", d, claim_id="OLD"),  # replaced by NEW: superseded
        line("A", "P5", d, "99214", claim_id="NEW", frequency="7", original="OLD"),
        line("A", "P6", d, claim_id="VOID", frequency="8", original="X"),  # a void
        line("A", "P7", d, payer_type="commercial"),  # not Medicare/MA by default
        line("A", "P8", d, encounter_id="E8"),  # its encounter was in person
    )
    encounters = pl.DataFrame(
        {c.ENCOUNTER_ID: ["E8"], c.MODALITY: ["in_person"]},
        schema={c.ENCOUNTER_ID: pl.String, c.MODALITY: pl.String},
    )
    out = oig_measures(rows, encounters)
    # P1, P2 and P5 (through the replacement claim); P8's encounter was in person
    assert measure(out, "A", "beneficiaries")["value"] == 3.0
    without_encounters = oig_measures(rows)
    assert measure(without_encounters, "A", "beneficiaries")["value"] == 4.0
    every_payer = oig_measures(rows, encounters, payer_types=None)
    assert measure(every_payer, "A", "beneficiaries")["value"] == 4.0
    virtual = oig_measures(rows, encounters, include_virtual_care=True)
    assert measure(virtual, "A", "beneficiaries")["value"] == 4.0


def test_one_row_per_npi_and_calendar_year() -> None:
    rows = claims(
        line("A", "P1", D(2023, 12, 31)),
        line("A", "P1", D(2024, 1, 1)),
        line("A", "P2", D(2024, 1, 2)),
        line("B", "P1", D(2024, 1, 1)),
        in_person("C", "P1", D(2024, 1, 1), "99213"),  # no telehealth: not in the universe
    )
    out = oig_measures(rows)
    assert out.select(c.RENDERING_NPI, "year").rows() == [("A", 2023), ("A", 2024), ("B", 2024)]
    assert out.get_column("telehealth_visits").to_list() == [1, 2, 1]
    only = oig_measures(rows, year=2024)
    assert only.select(c.RENDERING_NPI, "year").rows() == [("A", 2024), ("B", 2024)]
    assert oig_measures(rows, year=[2023]).height == 1
    # percentiles compare providers of the same year only: A alone in 2023
    assert measure(out, "A", "beneficiaries", 2023)["percentile"] == 50.0
    assert measure(out, "A", "beneficiaries")["percentile"] == 75.0
    assert measure(out, "B", "beneficiaries")["percentile"] == 25.0


def test_min_volume_holds_back_the_flag() -> None:
    visits = [line("A", f"P{i}", d) for i, d in enumerate(days(4))]
    fees = [in_person("A", f"P{i}", d, "Q3014") for i, d in enumerate(days(4))]
    rows = claims(*visits, *fees)
    assert measure(oig_measures(rows), "A", "facility_fee_share")["exceeded"] is True
    held = oig_measures(
        rows, thresholds={"facility_fee_share": Threshold(0.75, ">=", min_volume=5)}
    )
    m = measure(held, "A", "facility_fee_share")
    assert (m["value"], m["exceeded"]) == (1.0, False)


def test_measures_exceeded_counts_the_flags() -> None:
    rows = claims(*(line("A", f"P{i}", d, "99215") for i, d in enumerate(days(301))))
    out = oig_measures(rows)
    row = out.row(0, named=True)
    assert row["highest_level_share_exceeded"] is True
    assert row["telehealth_days_exceeded"] is True
    assert row["measures_exceeded"] == 2


# --- contract ----------------------------------------------------------------------------------


def test_schema_and_empty_input() -> None:
    schema = oig_schema()
    for m in MEASURES:
        for suffix in ("", "_numerator", "_denominator", "_threshold", "_exceeded"):
            assert f"{m.name}{suffix}" in schema
        assert f"{m.name}_percentile" in schema
        assert f"{m.name}_reason" in schema
    empty = oig_measures(claims())
    assert empty.schema == schema
    assert empty.height == 0
    in_person_only = oig_measures(claims(in_person("A", "P1", D(2024, 1, 1), "99213")))
    assert in_person_only.height == 0


@pytest.mark.parametrize(
    ("thresholds", "match"),
    [
        ({"days": 10}, "unknown OIG measure 'days'"),
        ({"telehealth_days": "300"}, "must be a number"),
    ],
)
def test_bad_thresholds(thresholds: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        oig_measures(claims(line("A", "P1", D(2024, 1, 5))), thresholds=thresholds)


def test_bad_threshold_operator() -> None:
    with pytest.raises(ValueError, match="operator must be one of"):
        Threshold(1.0, "=>")  # type: ignore[arg-type]


def test_sources_agree_path_table_and_frame() -> None:
    from_path = oig_measures(SAMPLES / "claims.csv", SAMPLES / "encounters.csv")
    table = tk.read_claims(SAMPLES / "claims.csv")
    enc = tk.read_encounters(SAMPLES / "encounters.csv")
    assert_frame_equal(oig_measures(table, enc), from_path)
    assert_frame_equal(oig_measures(table.data.lazy(), enc.data), from_path)


def test_sample_every_measure_has_a_value_or_a_reason() -> None:
    out = oig_measures(SAMPLES / "claims.csv", SAMPLES / "encounters.csv")
    assert out.height > 0
    for m in MEASURES:
        value, reason = out.get_column(m.name), out.get_column(f"{m.name}_reason")
        assert (value.is_null() == reason.is_not_null()).all(), m.name
        exceeded = out.get_column(f"{m.name}_exceeded")
        assert (exceeded.is_null() == value.is_null()).all(), m.name
        pct = out.get_column(f"{m.name}_percentile").drop_nulls()
        assert ((pct > 0) & (pct < 100)).all(), m.name
    # the sample bills no DMEPOS: measure 7 is never zero, always a reason
    assert out.get_column("equipment_order_share").null_count() == out.height
