"""telekit.reconcile: claim lines against remittances (835 or CSV form), on hand-built cases whose
expected figures are worked out by hand, and on the sample practice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from telekit import read_claims, read_remittances
from telekit._core._exceptions import InputError
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._engine._ledger import build
from telekit.metrics._reconcile import LINES_SCHEMA, Reconciliation, reconcile

DATA = Path(__file__).resolve().parent / "data" / "x12"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
D = Decimal


def claims(*rows: tuple[object, ...]) -> Table:
    """Claim lines: (claim_id, line, DOS, code, modifiers, charge, line_control_number)."""
    frame = pl.DataFrame(
        [
            {
                "claim_id": cid,
                "claim_line_number": str(n),
                "person_id": "P1",
                "payer": "MEDICARE",
                "payer_type": "medicare",
                "rendering_npi": "1234567893",
                "claim_line_start_date": dos,
                "place_of_service_code": "10",
                "hcpcs_code": code,
                "hcpcs_modifiers": mods,
                "charge_amount": charge,
                "line_control_number": lcn,
            }
            for cid, n, dos, code, mods, charge, lcn in rows
        ]
    )
    table = read_claims(frame)
    assert table.rejects.height == 0
    return table


TELEHEALTH_CLAIMS = (
    ("C100", 1, "2024-01-05", "99213", "95", "150.00", "C100L1"),
    ("C100", 2, "2024-01-05", "G2211", "", "30.00", "C100L2"),
    ("C101", 1, "2024-01-08", "99213", "95", "120.00", "C101L1"),
    ("C102", 1, "2024-01-10", "99213", "93", "100.00", "C102L1"),
    ("C103", 1, "2024-01-12", "99212", "93", "90.00", "C103L1"),
)
COLUMNS = [
    "claim_id", "claim_line_number", "billed_amount", "allowed_amount", "paid_amount",
    "patient_responsibility_amount", "co_amount", "oa_amount", "pi_amount", "pr_amount",
    "denied", "first_adjudication_date", "remittance_count", "match_method",
]  # fmt: skip


def test_reversal_and_readjudication_add_up() -> None:
    rec = reconcile(claims(*TELEHEALTH_CLAIMS), read_remittances(DATA / "telehealth.835"))
    assert isinstance(rec, Reconciliation)
    assert rec.lines.schema == LINES_SCHEMA
    assert list(rec.lines.columns) == COLUMNS
    feb15, mar1 = dt.date(2024, 2, 15), dt.date(2024, 3, 1)
    assert rec.lines.rows() == [
        # paid 80, reversed -80, paid again 90: net 90; CO 50 - 50 + 40; PR 20 - 20 + 20
        ("C100", 1, D("150.00"), D("110.00"), D("90.00"), D("20.00"), D("40.00"), D("0.00"),
         D("0.00"), D("20.00"), False, feb15, 3, "line_control_number"),
        # CO 45 10 and CO 253 5 (one CAS, two triples) three times, one of them negated
        ("C100", 2, D("30.00"), D("15.00"), D("12.00"), D("3.00"), D("15.00"), D("0.00"),
         D("0.00"), D("3.00"), False, feb15, 3, "line_control_number"),
        # denied at claim level only (no SVC): nothing is allocated to the line
        ("C101", 1, D("120.00"), None, None, None, None, None, None, None, None, None, 0,
         "unmatched"),
        # paid 0 with CO 96: denied; matched by REF*6R although the payer recoded 99213 to 99442
        ("C102", 1, D("100.00"), None, D("0.00"), D("0.00"), D("100.00"), D("0.00"), D("0.00"),
         D("0.00"), True, feb15, 1, "line_control_number"),
        ("C103", 1, D("90.00"), D("72.00"), D("60.00"), D("12.00"), D("18.00"), D("0.00"),
         D("0.00"), D("12.00"), False, mar1, 1, "line_control_number"),
    ]  # fmt: skip
    assert rec.unmatched.select("claim_id", "svc_seq", "unmatched_reason").rows() == [
        ("C101", None, "claim_level_only")
    ]
    assert rec.claim_level_adjustments.select(
        "claim_id", "group_code", "reason_code", "amount", "payment_date"
    ).rows() == [("C101", "CO", "16", D("120.00"), feb15)]


def test_as_of_leaves_later_remittances_out() -> None:
    rec = reconcile(claims(*TELEHEALTH_CLAIMS), DATA / "telehealth.835", as_of="2024-02-20")
    assert rec.as_of == dt.date(2024, 2, 20)
    got = rec.lines.select("claim_id", "claim_line_number", "paid_amount", "remittance_count",
                           "match_method").rows()  # fmt: skip
    assert got == [
        ("C100", 1, D("80.00"), 1, "line_control_number"),
        ("C100", 2, D("12.00"), 1, "line_control_number"),
        ("C101", 1, None, 0, "unmatched"),
        ("C102", 1, D("0.00"), 1, "line_control_number"),
        ("C103", 1, None, 0, "unmatched"),
    ]
    before = reconcile(
        claims(*TELEHEALTH_CLAIMS), DATA / "telehealth.835", as_of=dt.date(2024, 1, 1)
    )
    assert before.lines["remittance_count"].sum() == 0
    assert before.unmatched.height == 0
    assert before.claim_level_adjustments.height == 0


def remits(lines: list[dict[str, object]], adjustments: list[dict[str, object]]) -> object:
    base = {"remit_id": "R1", "remit_claim_seq": "1", "claim_status_code": "1",
            "payment_date": "2024-03-01"}  # fmt: skip
    lines_frame = pl.DataFrame([base | row for row in lines])
    adj_frame = pl.DataFrame(
        [{"remit_id": "R1", "remit_claim_seq": "1", "level": "line"} | row for row in adjustments]
    )
    return read_remittances(lines_frame, adjustments=adj_frame)


def test_code_modifiers_and_date_pair_kth_to_kth() -> None:
    table = claims(
        ("K1", 1, "2024-02-01", "99213", "GT;95", "100.00", None),
        ("K1", 2, "2024-02-01", "99213", "95;GT", "100.00", None),
        ("K1", 3, "2024-02-02", "99213", "95;GT", "100.00", None),
        ("K1", 4, "2024-02-01", "99214", "95", "150.00", None),
    )
    line = {"claim_id": "K1", "service_date": "2024-02-01", "submitted_hcpcs_code": "99213",
            "submitted_hcpcs_modifier_1": "95", "submitted_hcpcs_modifier_2": "GT"}  # fmt: skip
    r = remits(
        [
            line | {"svc_seq": "1", "line_charge_amount": "100", "paid_amount": "70"},
            line | {"svc_seq": "2", "line_charge_amount": "100", "paid_amount": "60"},
            # a third 99213 95 GT on 2024-02-01: the claim has only two
            line | {"svc_seq": "3", "line_charge_amount": "100", "paid_amount": "50"},
            # same code, other modifiers: matches nothing
            line | {"svc_seq": "4", "submitted_hcpcs_modifier_2": None, "paid_amount": "1"},
            {
                "claim_id": "K9",
                "remit_claim_seq": "2",
                "svc_seq": "1",
                "service_date": "2024-02-01",
                "submitted_hcpcs_code": "99213",
                "paid_amount": "5",
            },
        ],
        [
            {"svc_seq": "1", "group_code": "CO", "reason_code": "45", "amount": "30"},
            {"svc_seq": "2", "group_code": "CO", "reason_code": "45", "amount": "25"},
            {"svc_seq": "2", "group_code": "OA", "reason_code": "23", "amount": "15"},
        ],
    )
    rec = reconcile(table, r)
    assert rec.lines.select(
        "claim_line_number", "paid_amount", "co_amount", "oa_amount", "denied", "match_method"
    ).rows() == [
        (1, D("70.00"), D("30.00"), D("0.00"), False, "code_modifiers_date"),
        (2, D("60.00"), D("25.00"), D("15.00"), False, "code_modifiers_date"),
        (3, None, None, None, None, "unmatched"),  # another date
        (4, None, None, None, None, "unmatched"),
    ]  # fmt: skip
    assert rec.unmatched.select("claim_id", "svc_seq", "unmatched_reason").rows() == [
        ("K1", 3, "no_matching_line"),
        ("K1", 4, "no_matching_line"),
        ("K9", 1, "claim_not_found"),
    ]


def test_line_control_number_wins_only_when_it_names_one_line() -> None:
    table = claims(
        ("L1", 1, "2024-02-01", "99213", "", "100.00", "X"),
        ("L1", 2, "2024-02-01", "99214", "", "150.00", "X"),  # the same REF*6R twice
        ("L1", 3, "2024-02-01", "99215", "", "200.00", "Y"),
    )
    r = remits(
        [
            {
                "claim_id": "L1",
                "svc_seq": "1",
                "line_control_number": "X",
                "service_date": "2024-02-01",
                "submitted_hcpcs_code": "99214",
                "paid_amount": "90",
            },
            # REF*6R names line 3 although the code differs: the control number decides
            {
                "claim_id": "L1",
                "svc_seq": "2",
                "line_control_number": "Y",
                "service_date": "2024-02-01",
                "submitted_hcpcs_code": "99211",
                "paid_amount": "0",
            },
        ],
        [
            {"svc_seq": "2", "group_code": "PR", "reason_code": "1", "amount": "200"},
        ],
    )
    rec = reconcile(table, r)
    assert rec.lines.select(
        "claim_line_number", "paid_amount", "denied", "match_method"
    ).rows() == [
        (1, None, None, "unmatched"),
        (2, D("90.00"), False, "code_modifiers_date"),
        # paid 0, but all of it deductible (PR 1): not a denial
        (3, D("0.00"), False, "line_control_number"),
    ]
    assert rec.unmatched.height == 0


def test_an_adjustment_reversed_to_zero_is_not_a_denial() -> None:
    table = claims(("Z1", 1, "2024-02-01", "99213", "", "100.00", "Z1L1"))
    common = {"claim_id": "Z1", "svc_seq": "1", "line_control_number": "Z1L1"}
    r = remits(
        [common | {"paid_amount": "0"}],
        [
            {"svc_seq": "1", "group_code": "CO", "reason_code": "50", "amount": "100"},
            {"svc_seq": "1", "group_code": "CO", "reason_code": "50", "amount": "-100"},
            {"svc_seq": "1", "group_code": "PI", "reason_code": "97", "amount": "0"},
        ],
    )
    row = reconcile(table, r).lines.row(0, named=True)
    assert row["denied"] is False
    assert row["co_amount"] == D("0.00")
    assert row["pi_amount"] == D("0.00")


def test_sample_practice_matches_by_line_control_number() -> None:
    table = read_claims(SAMPLES / "claims.csv")
    remittances = read_remittances(SAMPLES / "remittances.csv")  # reads adjustments.csv beside it
    rec = reconcile(table, remittances)
    service = remittances.lines.filter(pl.col("svc_seq").is_not_null())
    # every adjudicated service line found its claim line through REF*6R
    assert rec.unmatched.filter(pl.col("svc_seq").is_not_null()).height == 0
    assert set(rec.unmatched["unmatched_reason"]) == {"claim_level_only"}
    adjudicated = rec.lines.join(service.select("claim_id").unique(), on="claim_id", how="semi")
    assert adjudicated.height > 1500
    assert set(adjudicated["match_method"]) == {"line_control_number"}
    # nothing is lost or counted twice
    assert rec.lines["paid_amount"].sum() == service["paid_amount"].sum()
    line_adj = remittances.adjustments.filter(pl.col("level") == "line")
    for group in ("CO", "OA", "PI", "PR"):
        expected = line_adj.filter(pl.col("group_code") == group)["amount"].sum() or D(0)
        assert rec.lines[f"{group.lower()}_amount"].sum() == expected
    claim_adj = remittances.adjustments.filter(pl.col("level") == "claim")
    assert rec.claim_level_adjustments.height == claim_adj.height
    assert rec.claim_level_adjustments["claim_id"].null_count() == 0
    assert rec.lines.filter(pl.col("denied"))["paid_amount"].unique().to_list() == [D("0.00")]
    assert "Reconciliation(lines=1988" in repr(rec)


def test_sample_as_of_uses_payment_dates() -> None:
    remittances = read_remittances(SAMPLES / "remittances.csv")
    cutoff = dt.date(2021, 12, 31)
    rec = reconcile(SAMPLES / "claims.csv", remittances, as_of=cutoff)
    assert rec.lines["first_adjudication_date"].max() <= cutoff
    kept = remittances.lines.filter(
        pl.col("payment_date") <= cutoff, pl.col("svc_seq").is_not_null()
    )
    assert rec.lines["paid_amount"].sum() == kept["paid_amount"].sum()


def test_bad_as_of() -> None:
    with pytest.raises(InputError, match="as_of must be a date"):
        reconcile(claims(*TELEHEALTH_CLAIMS), DATA / "telehealth.835", as_of="31/12/2024")


def test_matching_is_the_ledgers_for_undated_uncoded_and_lcn_taken_lines() -> None:
    """reconcile matches as the metrics' ledger does (``telekit._core._matching``). Before they
    shared it, reconcile left an undated service line and one without a submitted code (a CSV
    export) unmatched, and matched the line a control number had taken again by code, leaving
    line 4 unmatched: lines 1, 2 and 4 were "unmatched" and line 3 was paid 77."""
    table = claims(
        ("D1", 1, "2024-02-01", "99213", "", "100.00", None),
        ("D1", 2, "2024-02-01", "99214", "95", "100.00", None),
        ("D1", 3, "2024-02-01", "99215", "", "100.00", "Z"),
        ("D1", 4, "2024-02-01", "99215", "", "100.00", None),
    )
    dated = {"claim_id": "D1", "service_date": "2024-02-01"}
    r = remits(
        [
            # no service date: any date of the claim
            {
                "claim_id": "D1",
                "svc_seq": "1",
                "submitted_hcpcs_code": "99213",
                "paid_amount": "11",
            },
            # no submitted code (a CSV export): the adjudicated code and modifiers
            dated
            | {
                "svc_seq": "2",
                "hcpcs_code": "99214",
                "hcpcs_modifier_1": "95",
                "paid_amount": "22",
            },
            dated
            | {
                "svc_seq": "3",
                "line_control_number": "Z",
                "submitted_hcpcs_code": "99215",
                "paid_amount": "33",
            },
            # the same code and date as line 3, which REF*6R took: line 4
            dated | {"svc_seq": "4", "submitted_hcpcs_code": "99215", "paid_amount": "44"},
        ],
        [{"svc_seq": "1", "group_code": "CO", "reason_code": "45", "amount": "0"}],
    )
    assert isinstance(r, Remittances)
    rec = reconcile(table, r)
    assert rec.lines.select("claim_line_number", "paid_amount", "match_method").rows() == [
        (1, D("11.00"), "code_modifiers_date"),
        (2, D("22.00"), "code_modifiers_date"),
        (3, D("33.00"), "line_control_number"),
        (4, D("44.00"), "code_modifiers_date"),
    ]
    assert rec.unmatched.height == 0
    # the ledger pairs the same service lines with the same claim lines
    submitted = table.data.with_columns(claim_submitted_date=dt.date(2024, 2, 5))
    ledger = build(submitted, r, dt.date(2024, 3, 31))
    paid = ledger.entries.select("claim_line_number", "paid").sort("claim_line_number")
    assert paid.rows() == rec.lines.select("claim_line_number", "paid_amount").rows()
    assert ledger.matched.height == 4
