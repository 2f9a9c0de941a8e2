"""telekit.metrics.revenue_cycle on small hand-built practices: every expected value is worked
out by hand in the comments (as_of is 2025-06-30 unless a test says otherwise)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import telekit as tk
from telekit import metrics

AS_OF = dt.date(2025, 6, 30)
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

CLAIM_COLUMNS = (
    "claim_id", "claim_line_number", "person_id", "payer", "payer_type", "claim_frequency_code",
    "original_claim_id", "original_payer_claim_control_number", "rendering_npi",
    "claim_line_start_date", "claim_submitted_date", "place_of_service_code", "hcpcs_code",
    "hcpcs_modifier_1", "hcpcs_modifier_2", "charge_amount", "encounter_id",
    "line_control_number",
)  # fmt: skip
REMIT_COLUMNS = (
    "remit_id", "remit_claim_seq", "svc_seq", "claim_id", "claim_status_code",
    "payer_claim_control_number", "payment_date", "service_date", "line_control_number",
    "hcpcs_code", "hcpcs_modifier_1", "hcpcs_modifier_2", "line_charge_amount", "paid_amount",
    "allowed_amount",
)  # fmt: skip
ADJ_COLUMNS = (
    "remit_id", "remit_claim_seq", "svc_seq", "level", "group_code", "reason_code", "amount",
)  # fmt: skip


def line(
    claim_id: str,
    *,
    n: int = 1,
    payer: str = "MEDICARE",
    payer_type: str = "medicare",
    dos: str = "2025-05-01",
    submitted: str | None = "2025-05-05",
    code: str = "99213",
    charge: str = "100.00",
    pos: str = "10",
    npi: str = "1234567893",
    mods: tuple[str, ...] = (),
    freq: str | None = None,
    original: str | None = None,
    original_icn: str | None = None,
    lcn: str | None = None,
    encounter: str | None = None,
    person: str = "P1",
) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "claim_line_number": str(n),
        "person_id": person,
        "payer": payer,
        "payer_type": payer_type,
        "claim_frequency_code": freq,
        "original_claim_id": original,
        "original_payer_claim_control_number": original_icn,
        "rendering_npi": npi,
        "claim_line_start_date": dos,
        "claim_submitted_date": submitted,
        "place_of_service_code": pos,
        "hcpcs_code": code,
        "hcpcs_modifier_1": mods[0] if mods else None,
        "hcpcs_modifier_2": mods[1] if len(mods) > 1 else None,
        "charge_amount": charge,
        "encounter_id": encounter,
        "line_control_number": lcn,
    }


def claims(*rows: dict[str, Any]) -> tk.Table:
    table = tk.read_claims(pl.DataFrame(list(rows), schema=dict.fromkeys(CLAIM_COLUMNS, pl.String)))
    assert table.rejects.height == 0, table.rejects.to_dicts()
    return table


def svc(
    remit: str,
    claim_id: str,
    paid_on: str,
    *,
    paid: str,
    charge: str = "100.00",
    seq: int = 1,
    svc_seq: int | None = 1,
    status: str = "1",
    code: str | None = "99213",
    mods: tuple[str, ...] = (),
    lcn: str | None = None,
    service_date: str | None = None,
    icn: str | None = None,
    allowed: str | None = None,
) -> dict[str, Any]:
    return {
        "remit_id": remit,
        "remit_claim_seq": str(seq),
        "svc_seq": None if svc_seq is None else str(svc_seq),
        "claim_id": claim_id,
        "claim_status_code": status,
        "payer_claim_control_number": icn,
        "payment_date": paid_on,
        "service_date": service_date,
        "line_control_number": lcn,
        "hcpcs_code": code,
        "hcpcs_modifier_1": mods[0] if mods else None,
        "hcpcs_modifier_2": mods[1] if len(mods) > 1 else None,
        "line_charge_amount": charge,
        "paid_amount": paid,
        "allowed_amount": allowed,
    }


def adj(
    remit: str,
    group: str,
    reason: str,
    amount: str,
    *,
    seq: int = 1,
    svc_seq: int | None = 1,
) -> dict[str, Any]:
    return {
        "remit_id": remit,
        "remit_claim_seq": str(seq),
        "svc_seq": None if svc_seq is None else str(svc_seq),
        "level": "claim" if svc_seq is None else "line",
        "group_code": group,
        "reason_code": reason,
        "amount": amount,
    }


def remits(lines: list[dict[str, Any]], adjustments: list[dict[str, Any]] = ()) -> tk.Remittances:  # type: ignore[assignment]
    out = tk.read_remittances(
        pl.DataFrame(lines, schema=dict.fromkeys(REMIT_COLUMNS, pl.String)),
        adjustments=pl.DataFrame(list(adjustments), schema=dict.fromkeys(ADJ_COLUMNS, pl.String)),
    )
    assert out.rejects.height == 0, out.rejects.to_dicts()
    return out


def one(frame: pl.DataFrame) -> dict[str, Any]:
    assert frame.height == 1
    return frame.row(0, named=True)


def money(text: str) -> Decimal:
    return Decimal(text)


# --- as_of boundaries, missing submission dates ------------------------------------------------


def boundary_practice() -> tuple[tk.Table, tk.Remittances]:
    c = claims(
        line("A1", dos="2025-06-28", submitted="2025-06-30", charge="100.00"),  # on as_of: in
        line("A2", dos="2025-06-28", submitted="2025-07-01", charge="999.00"),  # after: out
        line("A3", dos="2025-06-01", submitted=None, charge="90.00"),  # no date: only counted
        line("A4", dos="2025-05-30", submitted="2025-06-01", charge="200.00"),
        line("A5", dos="2025-05-30", submitted="2025-06-01", charge="300.00"),
    )
    r = remits(
        [
            svc("R1", "A4", "2025-06-30", paid="150.00", charge="200.00"),  # paid on as_of: in
            svc("R2", "A5", "2025-07-01", paid="300.00", charge="300.00"),  # after as_of: out
            svc("R3", "A2", "2025-06-29", paid="999.00", charge="999.00"),  # claim left out
        ],
        [adj("R1", "CO", "45", "50.00")],
    )
    return c, r


def test_as_of_boundaries_and_missing_submission_dates() -> None:
    c, r = boundary_practice()
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    # submitted on or before as_of: A1 (on as_of), A4, A5; A2 (2025-07-01) is left out
    assert row["claims_submitted"] == 3
    assert row["claims_missing_submitted_date"] == 1  # A3
    # A4's remittance is dated as_of and counts; A5's (2025-07-01) does not
    assert row["claims_adjudicated"] == 1
    assert row["initial_denial_rate"] == 0.0
    assert row["first_pass_resolution_rate"] == 1.0
    # billed 100 + 200 + 300 = 600; paid 150; CO 50
    assert row["gross_collection_rate"] == pytest.approx(150 / 600)
    assert row["net_collection_rate"] == pytest.approx(150 / (600 - 50))
    # A/R: A1 100 (0 days), A4 200 − 150 − 50 = 0, A5 300 (29 days) → 400, all in 0–30
    assert row["ar_outstanding"] == money("400.00")
    assert row["ar_0_30"] == money("400.00")
    assert row["ar_over_120"] == money("0.00")
    assert row["pct_ar_over_90"] == 0.0
    # every DOS is within (as_of − 90, as_of]: 400 ÷ (600 ÷ 90) = 60 days
    assert row["days_in_ar"] == pytest.approx(60.0)
    # submission lags 2, 2, 2 days; payment lag A4: 2025-06-30 − 2025-06-01 = 29 days
    assert row["median_submission_lag_days"] == 2.0
    assert row["median_payment_lag_days"] == 29.0
    assert row["audit_clean_rate"] is None


def test_dtypes_and_columns() -> None:
    c, r = boundary_practice()
    out = metrics.revenue_cycle(c, r, as_of=AS_OF, by="month")
    money_dtype = pl.Decimal(12, 2)
    assert out.schema["month"] == pl.Date
    for name in ("claims_submitted", "claims_missing_submitted_date", "claims_adjudicated"):
        assert out.schema[name] == pl.Int64
    for name in ("ar_outstanding", "ar_0_30", "ar_31_60", "ar_61_90", "ar_91_120", "ar_over_120"):
        assert out.schema[name] == money_dtype
    for name in (
        "initial_denial_rate", "initial_denial_rate_dollars", "first_pass_resolution_rate",
        "gross_collection_rate", "net_collection_rate", "pct_ar_over_90", "pct_ar_over_120",
        "days_in_ar", "median_submission_lag_days", "median_payment_lag_days",
        "audit_clean_rate",
    ):  # fmt: skip
        assert out.schema[name] == pl.Float64


def test_nothing_submitted_gives_null_rates() -> None:
    c, r = boundary_practice()
    # as of 2025-01-01 nothing was submitted yet: one row of zeros and nulls
    row = one(metrics.revenue_cycle(c, r, as_of=dt.date(2025, 1, 1)))
    assert row["claims_submitted"] == 0
    assert row["claims_missing_submitted_date"] == 1  # A3 has no date at all
    assert row["claims_adjudicated"] == 0
    for name in (
        "initial_denial_rate", "initial_denial_rate_dollars", "first_pass_resolution_rate",
        "gross_collection_rate", "net_collection_rate", "pct_ar_over_90", "pct_ar_over_120",
        "days_in_ar", "median_submission_lag_days", "median_payment_lag_days",
    ):  # fmt: skip
        assert row[name] is None, name
    assert row["ar_outstanding"] == money("0.00")


def test_as_of_accepts_iso_text_and_refuses_other_types() -> None:
    c, r = boundary_practice()
    assert metrics.revenue_cycle(c, r, as_of="2025-06-30").equals(
        metrics.revenue_cycle(c, r, as_of=AS_OF)
    )
    with pytest.raises(ValueError, match="ISO date"):
        metrics.revenue_cycle(c, r, as_of="30/06/2025")
    with pytest.raises(TypeError, match="as_of"):
        metrics.revenue_cycle(c, r, as_of=20250630)  # type: ignore[arg-type]


def test_claims_as_path_and_remittances_as_path(tmp_path: Path) -> None:
    c, r = boundary_practice()
    c.data.write_csv(tmp_path / "claims.csv")
    r.lines.write_csv(tmp_path / "remittances.csv")
    r.adjustments.write_csv(tmp_path / "adjustments.csv")
    from_files = metrics.revenue_cycle(
        tmp_path / "claims.csv", tmp_path / "remittances.csv", as_of=AS_OF
    )
    assert from_files.equals(metrics.revenue_cycle(c.data, r, as_of=AS_OF))
    with pytest.raises(tk.InputError, match="Remittances"):
        metrics.revenue_cycle(c, r.lines, as_of=AS_OF)  # type: ignore[arg-type]


# --- first adjudication, denied lines, initially denied claims ---------------------------------


@pytest.mark.parametrize(
    ("denial_remit", "paid_remit", "denial_date", "initially_denied"),
    [
        ("R1", "R2", "2025-05-20", True),  # same date: the lower remit_id (the denial) is first
        ("R3", "R2", "2025-05-20", False),  # same date: R2 is first, it paid
        ("R9", "R2", "2025-05-19", True),  # an earlier date wins over a lower remit_id
    ],
)
def test_first_adjudication_is_earliest_then_lowest_remit_id(
    denial_remit: str, paid_remit: str, denial_date: str, initially_denied: bool
) -> None:
    c = claims(line("B1", submitted="2025-05-01"))
    r = remits(
        [
            svc(paid_remit, "B1", "2025-05-20", paid="80.00"),
            svc(denial_remit, "B1", denial_date, paid="0.00", status="4"),
        ],
        [adj(paid_remit, "CO", "45", "20.00"), adj(denial_remit, "CO", "50", "100.00")],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["claims_adjudicated"] == 1
    assert row["initial_denial_rate"] == (1.0 if initially_denied else 0.0)
    # first pass needs the first adjudication to have paid
    assert row["first_pass_resolution_rate"] == (0.0 if initially_denied else 1.0)
    # every remittance counts for the money: paid 80 of 100 billed
    assert row["gross_collection_rate"] == pytest.approx(0.8)
    # first paying remittance is R2 on 2025-05-20: 19 days after 2025-05-01
    assert row["median_payment_lag_days"] == 19.0


@pytest.mark.parametrize(
    ("adjustments", "status", "denied"),
    [
        ([("CO", "50", "100.00")], "1", True),  # a denial CARC, paid 0
        ([("OA", "23", "100.00")], "1", True),  # any group other than the exempt pairs
        ([("PR", "1", "50.00"), ("CO", "96", "50.00")], "1", True),  # one non-exempt suffices
        ([("PR", "1", "100.00")], "1", False),  # deductible: paid 0 but not denied
        ([("PR", "2", "20.00"), ("CO", "45", "80.00")], "1", False),
        ([("PR", "3", "100.00")], "1", False),
        ([("CO", "253", "100.00")], "1", False),
        ([("PR", "1", "100.00")], "4", True),  # CLP02 = 4 denies the claim whatever its lines
    ],
)
def test_initially_denied_single_line_claim(
    adjustments: list[tuple[str, str, str]], status: str, denied: bool
) -> None:
    c = claims(line("D1", charge="100.00"))
    r = remits(
        [svc("R1", "D1", "2025-05-20", paid="0.00", status=status)],
        [adj("R1", g, reason, amount) for g, reason, amount in adjustments],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["claims_adjudicated"] == 1
    assert row["initial_denial_rate"] == (1.0 if denied else 0.0)
    assert row["initial_denial_rate_dollars"] == (1.0 if denied else 0.0)
    assert row["first_pass_resolution_rate"] == 0.0  # nothing was paid


def test_claim_level_denial_without_service_lines_denies_every_line() -> None:
    # CLP02 1 but CLP04 = 0 and a claim-level CO 16: every line (both) is denied
    c = claims(line("D2", n=1, charge="60.00"), line("D2", n=2, code="G2211", charge="40.00"))
    r = remits(
        [svc("R1", "D2", "2025-05-20", paid="0.00", charge="100.00", svc_seq=None, code=None)],
        [adj("R1", "CO", "16", "100.00", svc_seq=None)],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["initial_denial_rate"] == 1.0
    # A/R: 60 − 0 − 60 and 40 − 0 − 40 (the claim-level 100 spread by charge) = 0
    assert row["ar_outstanding"] == money("0.00")
    by_code = metrics.revenue_cycle(c, r, as_of=AS_OF, by="hcpcs_code")
    assert by_code["initial_denial_rate"].to_list() == [1.0, 1.0]  # 99213 and G2211


def test_claim_not_initially_denied_unless_every_line_is() -> None:
    # line 1 denied (CO 50); line 2 paid 0 with only a deductible (PR 1): not denied → the claim
    # (CLP04 = 0) is not initially denied; as line units line 1 is, line 2 is not
    c = claims(
        line("D3", n=1, code="99214", charge="150.00"),
        line("D3", n=2, code="G2211", charge="50.00"),
    )
    r = remits(
        [
            svc("R1", "D3", "2025-05-20", paid="0.00", charge="150.00", code="99214"),
            svc("R1", "D3", "2025-05-20", paid="0.00", charge="50.00", code="G2211", svc_seq=2),
        ],
        [adj("R1", "CO", "50", "150.00"), adj("R1", "PR", "1", "50.00", svc_seq=2)],
    )
    assert one(metrics.revenue_cycle(c, r, as_of=AS_OF))["initial_denial_rate"] == 0.0
    by_code = metrics.revenue_cycle(c, r, as_of=AS_OF, by="hcpcs_code")
    assert by_code["hcpcs_code"].to_list() == ["99214", "G2211"]
    assert by_code["initial_denial_rate"].to_list() == [1.0, 0.0]


def test_initial_denial_rate_dollars() -> None:
    # E1 (100) denied, E2 (300) paid, E3 (50) not adjudicated
    c = claims(line("E1", charge="100.00"), line("E2", charge="300.00"), line("E3", charge="50.00"))
    r = remits(
        [
            svc("R1", "E1", "2025-05-20", paid="0.00", status="4"),
            svc("R1", "E2", "2025-05-20", paid="200.00", charge="300.00", seq=2),
        ],
        [adj("R1", "CO", "50", "100.00"), adj("R1", "CO", "45", "100.00", seq=2)],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["claims_adjudicated"] == 2
    assert row["initial_denial_rate"] == 0.5  # 1 of 2
    assert row["initial_denial_rate_dollars"] == pytest.approx(100 / 400)  # 100 of 100 + 300


# --- first-pass resolution: reversals and replacements ------------------------------------------


def test_first_pass_resolution_with_reversals_and_replacements() -> None:
    c = claims(
        line("F1"),  # paid, nothing after: first pass
        line("F2"),  # paid, reversed on 2025-06-10: not
        line("F3"),  # paid, reversed after as_of: first pass
        line("F4"),  # paid, replaced by F4R (original_claim_id) on 2025-06-01: not
        line("F4R", freq="7", original="F4", submitted="2025-06-01"),
        line("F5"),  # paid, replaced by F5R submitted after as_of: first pass
        line("F5R", freq="7", original="F5", submitted="2025-07-02"),
        line("F6"),  # paid, replaced by F6R naming its payer claim control number: not
        line("F6R", freq="7", original_icn="ICN6", submitted="2025-06-01"),
        line("F7"),  # first adjudication paid 0, paid later: not
    )
    paid = {"paid": "80.00"}
    r = remits(
        [
            svc("R1", "F1", "2025-05-20", **paid),
            svc("R1", "F2", "2025-05-20", seq=2, **paid),
            svc("R1", "F3", "2025-05-20", seq=3, **paid),
            svc("R1", "F4", "2025-05-20", seq=4, **paid),
            svc("R1", "F5", "2025-05-20", seq=5, **paid),
            svc("R1", "F6", "2025-05-20", seq=6, icn="ICN6", **paid),
            svc("R1", "F7", "2025-05-20", seq=7, paid="0.00", status="4"),
            svc("R2", "F2", "2025-06-10", status="22", paid="-80.00", charge="-100.00"),
            svc("R3", "F3", "2025-07-01", status="22", paid="-80.00", charge="-100.00"),
            svc("R4", "F7", "2025-06-15", paid="80.00"),
        ],
        [
            *(adj("R1", "CO", "45", "20.00", seq=s) for s in range(1, 7)),
            adj("R1", "CO", "16", "100.00", seq=7),
            adj("R2", "CO", "45", "-20.00"),
            adj("R3", "CO", "45", "-20.00"),
            adj("R4", "CO", "45", "20.00"),
        ],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    # one receivable per service: F4R supersedes F4 and F6R F6 (F5R is after as_of, so F5
    # stays): submitted F1, F2, F3, F4R, F5, F6R, F7 = 7; F4R and F6R carry their originals'
    # remittances, so all 7 are adjudicated
    assert row["claims_submitted"] == 7
    assert row["claims_adjudicated"] == 7
    # first pass: F1, F3, F5 → 3 ÷ 7 (F4R and F6R replaced a claim: never first pass)
    assert row["first_pass_resolution_rate"] == pytest.approx(3 / 7)
    # paid: 6 × 80 (R1) − 80 (F2 reversed) + 80 (F7) = 480 of 7 × 100 = 700 charged
    assert row["gross_collection_rate"] == pytest.approx(480 / 700)
    # F2 is open again: 100 − (80 − 80) − (20 − 20) = 100; F4R and F6R: 100 − 80 − 20 = 0
    assert row["ar_outstanding"] == money("100.00")


def test_a_replaced_service_is_never_first_pass_and_keeps_its_first_submission() -> None:
    # G1R (submitted 2025-05-10) replaces G1 (submitted 2025-05-05, DOS 2025-05-01) before
    # G1's remittance: one service, carried by G1R, adjudicated by G1's remittance (paid 100)
    c = claims(line("G1"), line("G1R", freq="7", original="G1", submitted="2025-05-10"))
    r = remits([svc("R1", "G1", "2025-05-20", paid="100.00")])
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["claims_submitted"] == 1
    assert row["claims_adjudicated"] == 1
    assert row["first_pass_resolution_rate"] == 0.0  # it was replaced
    assert row["ar_outstanding"] == money("0.00")  # 100 − 100
    assert row["gross_collection_rate"] == 1.0
    # lags from the chain's first submission (2025-05-05): 4 days after the DOS, paid 15 days
    assert row["median_submission_lag_days"] == 4.0
    assert row["median_payment_lag_days"] == 15.0


# --- collection rates, patient payments -------------------------------------------------------


def collection_practice() -> tuple[tk.Table, tk.Remittances, pl.DataFrame]:
    c = claims(line("H1", charge="200.00"), line("H2", charge="100.00"))
    r = remits(
        [
            svc("R1", "H1", "2025-05-20", paid="120.00", charge="200.00"),
            svc("R1", "H2", "2025-05-20", paid="0.00", seq=2),
        ],
        [
            adj("R1", "CO", "45", "50.00"),
            adj("R1", "PR", "2", "30.00"),
            adj("R1", "CO", "50", "100.00", seq=2),
        ],
    )
    payments = pl.DataFrame(
        {
            "claim_id": ["H1", "H1"],
            "payment_date": ["2025-06-30", "2025-07-01"],  # the second is after as_of
            "amount": ["30.00", "10.00"],
        }
    )
    return c, r, payments


def test_gross_and_net_collection_rates() -> None:
    c, r, payments = collection_practice()
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=payments))
    # charges 300, payer paid 120, patient payments 30 (the 10 is after as_of); contractual
    # adjustments: CO 45 50 only — H2's CO 50 (a denial write-off) is not deducted
    assert row["gross_collection_rate"] == pytest.approx((120 + 30) / 300)
    assert row["net_collection_rate"] == pytest.approx((120 + 30) / (300 - 50))
    # A/R: H1 payer 200 − 120 − 50 − 30 (PR) = 0, patient 30 (PR) − 30 paid = 0;
    # H2 payer 100 − 0 − 100 = 0
    assert row["ar_outstanding"] == money("0.00")
    assert row["pct_ar_over_90"] is None  # denominator 0
    without = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert without["gross_collection_rate"] == pytest.approx(120 / 300)
    assert without["net_collection_rate"] == pytest.approx(120 / 250)
    # without the patient's payment H1's PR of 30 is still owed: patient A/R
    assert (without["ar_payer"], without["ar_patient"]) == (money("0.00"), money("30.00"))
    assert without["ar_outstanding"] == money("30.00")


def test_patient_payments_as_table_or_path(tmp_path: Path) -> None:
    c, r, payments = collection_practice()
    payments.write_csv(tmp_path / "patient_payments.csv")
    expected = metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=payments)
    for given in (tmp_path / "patient_payments.csv", tk.read_patient_payments(payments)):
        assert metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=given).equals(expected)


# --- A/R and its aging ------------------------------------------------------------------------


def test_aging_bucket_edges_and_days_in_ar() -> None:
    ages = {30: "10.00", 31: "20.00", 60: "30.00", 61: "40.00", 90: "50.00", 91: "60.00",
            120: "70.00", 121: "80.00"}  # fmt: skip
    rows = []
    for age, charge in ages.items():
        day = (AS_OF - dt.timedelta(days=age)).isoformat()
        rows.append(line(f"K{age}", dos=day, submitted=day, charge=charge))
    c = claims(*rows)
    r = remits([svc("R0", "NONE", "2025-05-01", paid="1.00")])  # no remittance for these claims
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["ar_0_30"] == money("10.00")  # 30 days
    assert row["ar_31_60"] == money("50.00")  # 31 and 60 days: 20 + 30
    assert row["ar_61_90"] == money("90.00")  # 61 and 90 days: 40 + 50
    assert row["ar_91_120"] == money("130.00")  # 91 and 120 days: 60 + 70
    assert row["ar_over_120"] == money("80.00")  # 121 days
    assert row["ar_outstanding"] == money("360.00")
    assert row["pct_ar_over_90"] == pytest.approx((130 + 80) / 360)
    assert row["pct_ar_over_120"] == pytest.approx(80 / 360)
    # DOS after as_of − 90 (2025-04-01) and on or before as_of: the 30, 31, 60, 61-day claims,
    # 10 + 20 + 30 + 40 = 100 (the 90-day one is dated exactly 2025-04-01: out)
    # days in A/R = 360 ÷ (100 ÷ 90) = 324
    assert row["days_in_ar"] == pytest.approx(324.0)


def test_ar_is_summed_per_line_never_below_zero() -> None:
    # line 1: payer part 100 − 100 paid − 20 PR = −20 → 0 (it does not offset line 2), patient
    # part 20 (PR unpaid); line 2: 50 unpaid → payer 50. A/R = 0 + 20 + 50 = 70
    c = claims(line("L1", n=1, charge="100.00"), line("L1", n=2, code="G2211", charge="50.00"))
    r = remits(
        [
            svc("R1", "L1", "2025-05-20", paid="100.00"),
            svc("R1", "L1", "2025-05-20", paid="0.00", charge="50.00", code="G2211", svc_seq=2),
        ],
        [adj("R1", "PR", "2", "20.00")],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert (row["ar_payer"], row["ar_patient"]) == (money("50.00"), money("20.00"))
    assert row["ar_outstanding"] == money("70.00")


def test_claim_level_amounts_are_spread_by_charge_to_the_cent() -> None:
    # three lines of 100; claim-level CO 16 of 100.00 → 33.33, 33.33, 33.34 (the last line
    # takes the remainder); A/R 66.67, 66.67, 66.66 by POS 02, 10, 11
    c = claims(line("M1", n=1, pos="02"), line("M1", n=2, pos="10"), line("M1", n=3, pos="11"))
    r = remits(
        [svc("R1", "M1", "2025-05-20", paid="0.00", charge="300.00", svc_seq=None, code=None)],
        [adj("R1", "CO", "16", "100.00", svc_seq=None)],
    )
    by_pos = metrics.revenue_cycle(c, r, as_of=AS_OF, by="place_of_service_code")
    assert by_pos["ar_outstanding"].to_list() == [
        money("66.67"), money("66.67"), money("66.66")
    ]  # fmt: skip
    assert one(metrics.revenue_cycle(c, r, as_of=AS_OF))["ar_outstanding"] == money("200.00")


# --- matching remittance lines to claim lines ---------------------------------------------------


def test_line_control_number_wins_over_code() -> None:
    # both lines 99213; REF*6R sends the denial to line 2 (POS 11) and the payment to line 1
    c = claims(line("N1", n=1, pos="10", lcn="N1-A"), line("N1", n=2, pos="11", lcn="N1-B"))
    r = remits(
        [
            svc("R1", "N1", "2025-05-20", paid="0.00", lcn="N1-B"),
            svc("R1", "N1", "2025-05-20", paid="80.00", lcn="N1-A", svc_seq=2),
        ],
        [adj("R1", "CO", "50", "100.00"), adj("R1", "CO", "45", "20.00", svc_seq=2)],
    )
    out = metrics.revenue_cycle(c, r, as_of=AS_OF, by="place_of_service_code")
    assert out["place_of_service_code"].to_list() == ["10", "11"]
    assert out["initial_denial_rate"].to_list() == [0.0, 1.0]
    assert out["first_pass_resolution_rate"].to_list() == [1.0, 0.0]


def test_match_by_code_modifiers_in_any_order_and_by_position() -> None:
    # line 1 99213-95-GT (POS 10), line 2 99213 (POS 11), line 3 99213 (POS 02): the
    # remittance lists the bare 99213s first (svc 1 paid, svc 2 denied), then GT-95
    c = claims(
        line("P1", n=1, pos="10", mods=("95", "GT")),
        line("P1", n=2, pos="11"),
        line("P1", n=3, pos="02"),
    )
    r = remits(
        [
            svc("R1", "P1", "2025-05-20", paid="70.00", service_date="2025-05-01"),
            svc("R1", "P1", "2025-05-20", paid="0.00", svc_seq=2),
            svc("R1", "P1", "2025-05-20", paid="75.00", svc_seq=3, mods=("GT", "95")),
        ],
        [adj("R1", "CO", "97", "100.00", svc_seq=2)],
    )
    out = metrics.revenue_cycle(c, r, as_of=AS_OF, by="place_of_service_code")
    # svc 1 → line 2 (POS 11, paid), svc 2 → line 3 (POS 02, denied), svc 3 → line 1 (POS 10)
    assert out["place_of_service_code"].to_list() == ["02", "10", "11"]
    assert out["initial_denial_rate"].to_list() == [1.0, 0.0, 0.0]
    assert out["gross_collection_rate"].to_list() == pytest.approx([0.0, 0.75, 0.70])


# --- clean claim rate -------------------------------------------------------------------------


def test_audit_clean_rate_from_an_audit() -> None:
    c = claims(line("Q1", n=1), line("Q1", n=2, code="G2211"), line("Q2"), line("Q3"))
    r = remits([svc("R1", "Q3", "2025-05-20", paid="80.00")])
    audit = tk.audit(c)
    findings = pl.DataFrame(
        {
            "severity": ["error", "warning"],
            "claim_id": ["Q1", "Q2"],
            "claim_line_number": [2, 1],
        },
        schema_overrides={"claim_line_number": pl.Int32},
    )
    audit = dataclasses.replace(audit, findings=findings)
    # Q1 has an error (on line 2), Q2 only a warning, Q3 none: 2 clean of 3 audited
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF, audit=audit))
    assert row["audit_clean_rate"] == pytest.approx(2 / 3)
    # as line units: 99213 lines Q1-1, Q2-1, Q3-1 are clean (3 of 3); G2211 (Q1-2) is not
    by_code = metrics.revenue_cycle(c, r, as_of=AS_OF, audit=audit, by="hcpcs_code")
    assert by_code["audit_clean_rate"].to_list() == [1.0, 0.0]


# --- by= ---------------------------------------------------------------------------------------


def by_practice() -> tuple[tk.Table, tk.Remittances, pl.DataFrame]:
    c = claims(
        # M: Medicare, April; one line, no encounter_id (linked by person, NPI and date)
        line("M", dos="2025-04-10", submitted="2025-04-12", npi="1111111111", pos="10"),
        # A: Aetna, May, one line on an in-person encounter
        line("A", payer="AETNA", payer_type="commercial", dos="2025-05-03", submitted="2025-05-05",
             code="99214", charge="200.00", pos="11", npi="2222222222", encounter="E2"),
        # B: Aetna, May, two lines on an audio-only encounter
        line("B", n=1, payer="AETNA", payer_type="commercial", dos="2025-05-20",
             submitted="2025-05-22", pos="02", npi="1111111111", encounter="E3"),
        line("B", n=2, payer="AETNA", payer_type="commercial", dos="2025-05-20",
             submitted="2025-05-22", code="G2211", charge="50.00", pos="02",
             npi="1111111111", encounter="E3"),
    )  # fmt: skip
    r = remits(
        [
            svc("R1", "M", "2025-05-01", paid="60.00"),
            svc(
                "R2",
                "A",
                "2025-05-25",
                paid="0.00",
                charge="200.00",
                status="4",
                svc_seq=None,
                code=None,
            ),
        ],
        [adj("R1", "CO", "45", "40.00"), adj("R2", "CO", "16", "200.00", svc_seq=None)],
    )
    encounters = pl.DataFrame(
        {
            "encounter_id": ["E1", "E2", "E3"],
            "person_id": ["P1", "P1", "P1"],
            "rendering_npi": ["1111111111", "2222222222", "1111111111"],
            "encounter_date": ["2025-04-10", "2025-05-03", "2025-05-20"],
            "modality": ["audio_video", "in_person", "audio_only"],
        }
    )
    return c, r, encounters


def test_by_month_payer_and_payer_type() -> None:
    c, r, _ = by_practice()
    month = metrics.revenue_cycle(c, r, as_of=AS_OF, by="month")
    assert month["month"].to_list() == [dt.date(2025, 4, 1), dt.date(2025, 5, 1)]
    assert month["claims_submitted"].to_list() == [1, 2]  # M | A, B
    assert month["claims_adjudicated"].to_list() == [1, 1]
    assert month["initial_denial_rate"].to_list() == [0.0, 1.0]
    # May A/R: A 200 − 200 (CO 16) = 0, B 100 + 50 = 150
    assert month["ar_outstanding"].to_list() == [Decimal("0.00"), Decimal("150.00")]

    payer = metrics.revenue_cycle(c, r, as_of=AS_OF, by="payer")
    assert payer["payer"].to_list() == ["AETNA", "MEDICARE"]
    assert payer["claims_submitted"].to_list() == [2, 1]
    assert payer["initial_denial_rate"].to_list() == [1.0, 0.0]

    payer_type = metrics.revenue_cycle(c, r, as_of=AS_OF, by="payer_type")
    assert payer_type["payer_type"].to_list() == ["commercial", "medicare"]

    both = metrics.revenue_cycle(c, r, as_of=AS_OF, by=["month", "payer"])
    assert both.select("month", "payer").rows() == [
        (dt.date(2025, 4, 1), "MEDICARE"),
        (dt.date(2025, 5, 1), "AETNA"),
    ]
    # the one-row total equals the groups added up
    total = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert total["claims_submitted"] == sum(both["claims_submitted"])
    assert total["ar_outstanding"] == sum(both["ar_outstanding"])


def test_by_line_level_keys_counts_claim_lines() -> None:
    c, r, encounters = by_practice()
    code = metrics.revenue_cycle(c, r, as_of=AS_OF, by="hcpcs_code")
    # 99213: M-1 (paid) and B-1 (open); 99214: A-1 (denied); G2211: B-2 (open)
    assert code["hcpcs_code"].to_list() == ["99213", "99214", "G2211"]
    assert code["claims_submitted"].to_list() == [2, 1, 1]
    assert code["claims_adjudicated"].to_list() == [1, 1, 0]
    assert code["initial_denial_rate"].to_list() == [0.0, 1.0, None]
    assert code["ar_outstanding"].to_list() == [
        Decimal("100.00"), Decimal("0.00"), Decimal("50.00")
    ]  # fmt: skip

    pos = metrics.revenue_cycle(c, r, as_of=AS_OF, by="place_of_service_code")
    assert dict(zip(pos["place_of_service_code"], pos["claims_submitted"], strict=True)) == {
        "02": 2, "10": 1, "11": 1
    }  # fmt: skip

    npi = metrics.revenue_cycle(c, r, as_of=AS_OF, by=["rendering_npi", "payer"])
    assert npi.select("rendering_npi", "payer", "claims_submitted").rows() == [
        ("1111111111", "AETNA", 2),
        ("1111111111", "MEDICARE", 1),
        ("2222222222", "AETNA", 1),
    ]

    modality = metrics.revenue_cycle(c, r, as_of=AS_OF, by="modality", encounters=encounters)
    # M has no encounter_id: the single encounter of P1, NPI 1111111111 on 2025-04-10 (E1)
    assert dict(zip(modality["modality"], modality["claims_submitted"], strict=True)) == {
        "audio_only": 2, "audio_video": 1, "in_person": 1
    }  # fmt: skip


def test_by_modality_line_without_encounter_is_a_null_group() -> None:
    c, r, encounters = by_practice()
    out = metrics.revenue_cycle(
        c,
        r,
        as_of=AS_OF,
        by="modality",
        encounters=encounters.filter(pl.col("encounter_id") != "E1"),
    )
    assert out["modality"].to_list() == ["audio_only", "in_person", None]  # nulls last


def test_by_payer_through_policy_aliases() -> None:
    c = claims(
        line("S1", payer="AETNA", payer_type="commercial"),
        line("S2", payer="aetna better health ", payer_type="commercial"),
        line("S3", payer="60054", payer_type="commercial"),
    )
    r = remits([svc("R1", "S1", "2025-05-20", paid="80.00")])
    # without a policy file payers are trimmed and upper-cased, aliases unknown
    plain = metrics.revenue_cycle(c, r, as_of=AS_OF, by="payer")
    assert plain["payer"].to_list() == ["60054", "AETNA", "AETNA BETTER HEALTH"]
    policies = tk.load_policies(
        {
            "payer": {
                "AETNA": {"payer_type": "commercial", "aliases": ["AETNA BETTER HEALTH", "60054"]}
            }
        }
    )
    keyed = metrics.revenue_cycle(c, r, as_of=AS_OF, by="payer", policies=policies)
    assert keyed.select("payer", "claims_submitted", "claims_adjudicated").rows() == [
        ("AETNA", 3, 1)
    ]


def test_by_errors() -> None:
    c, r, _ = by_practice()
    with pytest.raises(ValueError, match="needs the encounters"):
        metrics.revenue_cycle(c, r, as_of=AS_OF, by="modality")
    with pytest.raises(ValueError, match="unknown key 'dos'"):
        metrics.revenue_cycle(c, r, as_of=AS_OF, by=["month", "dos"])


def test_by_on_no_units_gives_no_rows() -> None:
    c, r, _ = by_practice()
    out = metrics.revenue_cycle(c, r, as_of=dt.date(2024, 1, 1), by="payer")
    assert out.height == 0
    assert out.columns[0] == "payer"


# --- the sample practice ----------------------------------------------------------------------


def test_sample_practice_figures_are_plausible() -> None:
    claims_ = tk.read_claims(SAMPLES / "claims.csv")
    remits_ = tk.read_remittances(SAMPLES / "remittances.csv")
    payments = tk.read_patient_payments(SAMPLES / "patient_payments.csv")
    as_of = dt.date(2026, 10, 30)  # sample.toml
    row = one(metrics.revenue_cycle(claims_, remits_, as_of=as_of, patient_payments=payments))
    claim_ids = claims_.data["claim_id"].n_unique()
    assert 0.9 * claim_ids < row["claims_submitted"] <= claim_ids
    assert row["claims_missing_submitted_date"] == 0
    assert 0.9 * row["claims_submitted"] < row["claims_adjudicated"] < row["claims_submitted"]
    # the generator denies about 2 % of claims at claim level and 4 % of lines
    assert 0.02 < row["initial_denial_rate"] < 0.12
    assert 0.6 < row["first_pass_resolution_rate"] < 0.98
    # charges are well above the allowed amounts: payers pay a third, patients add the rest
    assert 0.2 < row["gross_collection_rate"] < 0.6
    assert row["gross_collection_rate"] < row["net_collection_rate"] <= 1.0
    assert 10 <= row["median_submission_lag_days"] <= 30
    assert 10 <= row["median_payment_lag_days"] <= 45  # adjudicated 10–45 days after submission
    buckets = ("ar_0_30", "ar_31_60", "ar_61_90", "ar_91_120", "ar_over_120")
    assert sum(row[b] for b in buckets) == row["ar_outstanding"] > 0
    assert row["ar_payer"] + row["ar_patient"] == row["ar_outstanding"]
    assert row["days_in_ar"] > 0

    # cross-check the initial denial count straight from the remittances: claims submitted by
    # as_of whose first remittance (earliest payment_date, lowest remit_id) is CLP02 4 or
    # paid 0 with every line zero-paid and a denial adjustment
    first = (
        remits_.claims.filter(pl.col("claim_status_code") != "22")
        .sort("claim_id", "payment_date", "remit_id", "remit_claim_seq")
        .unique("claim_id", keep="first", maintain_order=True)
    )
    # voids, the claims they void and replaced originals leave every count: the adjudicated
    # services are the remitted claims less at most two per void or replacement claim
    chained = claims_.data.filter(pl.col("claim_frequency_code").is_in(["7", "8"]))
    assert (
        first.height - 2 * chained["claim_id"].n_unique()
        <= row["claims_adjudicated"]
        <= first.height
    )
    denied_by_status = first.filter(pl.col("claim_status_code") == "4").height
    # the generator marks every fully denied claim with CLP02 4
    assert row["initial_denial_rate"] * row["claims_adjudicated"] <= denied_by_status

    by_payer = metrics.revenue_cycle(
        claims_, remits_, as_of=as_of, by=["month", "payer"], patient_payments=payments
    )
    assert by_payer["claims_submitted"].sum() == row["claims_submitted"]
    assert by_payer["ar_outstanding"].sum() == row["ar_outstanding"]
    self_pay = metrics.revenue_cycle(claims_, remits_, as_of=as_of, by="payer_type").filter(
        pl.col("payer_type") == "self_pay"
    )
    assert one(self_pay)["claims_adjudicated"] == 0  # self-pay is never sent to a payer


# --- one receivable per service: voids and replacements -----------------------------------------


def test_a_void_and_the_claim_it_voids_leave_ar_and_every_count() -> None:
    c = claims(
        line("V1"),  # voided by V1X (original_claim_id)
        line("V1X", freq="8", original="V1", submitted="2025-05-20"),
        line("V2"),  # paid 50, voided by V2X naming its payer claim control number
        line("V2X", freq="8", original_icn="ICN-V2", submitted="2025-06-01"),
        line("K1", charge="100.00"),  # the only receivable left
        line("V3"),  # its void is submitted after as_of: V3 stays
        line("V3X", freq="8", original="V3", submitted="2025-07-02"),
    )
    r = remits(
        [svc("R1", "V2", "2025-05-20", paid="50.00", icn="ICN-V2")],
        [adj("R1", "CO", "45", "20.00")],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    # left: K1 and V3, neither remitted
    assert row["claims_submitted"] == 2
    assert row["claims_adjudicated"] == 0
    assert row["gross_collection_rate"] == 0.0  # 0 of 200: V2's 50 left with V2
    assert row["ar_outstanding"] == money("200.00")
    assert row["ar_payer"] == money("200.00")


def test_a_replacement_carries_its_originals_remittances() -> None:
    # O1: 99213 (100) paid 60, CO 45 20, PR 2 20; G2211 (50) paid 30, CO 45 20.
    # O1R replaces O1 with 99213 (100, same DOS) and 99214 (80); it has no remittance yet.
    c = claims(
        line("O1", n=1, charge="100.00"),
        line("O1", n=2, code="G2211", charge="50.00"),
        line("O1R", n=1, freq="7", original="O1", submitted="2025-06-01", charge="100.00"),
        line("O1R", n=2, freq="7", original="O1", submitted="2025-06-01", code="99214",
             charge="80.00"),
    )  # fmt: skip
    r = remits(
        [
            svc("R1", "O1", "2025-05-20", paid="60.00"),
            svc("R1", "O1", "2025-05-20", paid="30.00", charge="50.00", code="G2211", svc_seq=2),
        ],
        [
            adj("R1", "CO", "45", "20.00"),
            adj("R1", "PR", "2", "20.00"),
            adj("R1", "CO", "45", "20.00", svc_seq=2),
        ],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["claims_submitted"] == 1  # O1 left every count
    assert row["claims_adjudicated"] == 1  # by O1's remittance
    assert row["first_pass_resolution_rate"] == 0.0
    # paid 60 + 30 = 90 of O1R's 180; contractual CO 45: 20 + 20 = 40
    assert row["gross_collection_rate"] == pytest.approx(90 / 180)
    assert row["net_collection_rate"] == pytest.approx(90 / (180 - 40))
    # 99213 matches O1R-1 line by line: payer 100 − 60 − 20 − 20 = 0, patient PR 20.
    # G2211 matches no line: its paid 30 and CO 20 are spread by charge over 100 and 80:
    # 99214 gets 30 × 80/180 = 13.33 and 20 × 80/180 = 8.89 (99213, the largest line, the
    # rest: 16.67 and 11.11). 99213 payer 100 − 76.67 − 31.11 − 20 < 0 → 0;
    # 99214 payer 80 − 13.33 − 8.89 = 57.78
    by_code = metrics.revenue_cycle(c, r, as_of=AS_OF, by="hcpcs_code")
    assert by_code["hcpcs_code"].to_list() == ["99213", "99214"]
    assert by_code["ar_payer"].to_list() == [money("0.00"), money("57.78")]
    assert by_code["ar_patient"].to_list() == [money("20.00"), money("0.00")]
    assert row["ar_outstanding"] == money("77.78")


def test_a_chain_of_replacements_ends_at_the_last_one() -> None:
    # C1 → C1R (replaces C1) → C1RR (replaces C1R): one service, carried by C1RR
    c = claims(
        line("C1"),
        line("C1R", freq="7", original="C1", submitted="2025-05-10"),
        line("C1RR", freq="7", original="C1R", submitted="2025-05-15"),
    )
    r = remits([svc("R1", "C1", "2025-05-20", paid="70.00")], [adj("R1", "CO", "45", "10.00")])
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["claims_submitted"] == 1
    assert row["ar_outstanding"] == money("20.00")  # 100 − 70 − 10


# --- patient responsibility, patient payments and their kinds -----------------------------------


def payments_frame(*rows: tuple[str, str, str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(zip(("claim_id", "payment_date", "amount", "kind"), r, strict=True)) for r in rows],
        schema=dict.fromkeys(("claim_id", "payment_date", "amount", "kind"), pl.String),
    )


def test_pr_stays_in_patient_ar_until_the_patient_pays() -> None:
    # PR1 (100): paid 70, CO 45 10, PR 3 (copay) 20 → payer 0, patient 20
    c = claims(line("PR1"))
    r = remits(
        [svc("R1", "PR1", "2025-05-20", paid="70.00")],
        [adj("R1", "CO", "45", "10.00"), adj("R1", "PR", "3", "20.00")],
    )
    before = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert (before["ar_payer"], before["ar_patient"]) == (money("0.00"), money("20.00"))
    assert before["ar_outstanding"] == money("20.00")
    # the patient pays 15 on 2025-06-10 (kind empty: a payment) and 5 after as_of
    paid = payments_frame(("PR1", "2025-06-10", "15.00", None), ("PR1", "2025-07-02", "5.00", None))
    after = one(metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=paid))
    assert after["ar_patient"] == money("5.00")  # 20 − 15
    assert after["gross_collection_rate"] == pytest.approx((70 + 15) / 100)
    assert after["net_collection_rate"] == pytest.approx((70 + 15) / (100 - 10))
    # the rest written off: nothing left, and a write-off is not a payment
    written = payments_frame(
        ("PR1", "2025-06-10", "15.00", "payment"), ("PR1", "2025-06-20", "5.00", "write_off")
    )
    closed = one(metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=written))
    assert closed["ar_outstanding"] == money("0.00")
    assert closed["gross_collection_rate"] == pytest.approx((70 + 15) / 100)


def test_self_pay_balance_with_a_payment_a_discount_and_a_refund() -> None:
    # SP1 self-pay 200: paid 80, refunded 20, discounted 30 → patient A/R 200 − 60 − 30 = 110
    c = claims(line("SP1", payer="Self Pay", payer_type="self_pay", charge="200.00"))
    r = remits([svc("R0", "NONE", "2025-05-01", paid="1.00")])
    pays = payments_frame(
        ("SP1", "2025-05-10", "80.00", "payment"),
        ("SP1", "2025-05-12", "20.00", "refund"),
        ("SP1", "2025-05-12", "30.00", "discount"),
    )
    row = one(
        metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=tk.read_patient_payments(pays))
    )
    assert row["claims_adjudicated"] == 0  # never sent to a payer
    assert (row["ar_payer"], row["ar_patient"]) == (money("0.00"), money("110.00"))
    assert row["ar_outstanding"] == money("110.00")
    # collected 80 − 20 = 60 of 200; no contractual adjustment
    assert row["gross_collection_rate"] == pytest.approx(60 / 200)
    assert row["net_collection_rate"] == pytest.approx(60 / 200)


def test_patient_payments_spread_by_charge_cents_to_the_largest_line() -> None:
    # self-pay claim: lines 50 (n=1), 100 (n=2), 50 (n=3); a payment of 100.01:
    # 25.00, 50.01 (the largest line takes the remainder), 25.00 → A/R 25.00, 49.99, 25.00
    c = claims(
        line("SP2", n=1, payer="SELF", payer_type="self_pay", charge="50.00", pos="02"),
        line("SP2", n=2, payer="SELF", payer_type="self_pay", charge="100.00", pos="10"),
        line("SP2", n=3, payer="SELF", payer_type="self_pay", charge="50.00", pos="11"),
    )
    r = remits([svc("R0", "NONE", "2025-05-01", paid="1.00")])
    pays = payments_frame(("SP2", "2025-05-10", "100.01", None))
    out = metrics.revenue_cycle(
        c, r, as_of=AS_OF, patient_payments=pays, by="place_of_service_code"
    )
    assert out["ar_patient"].to_list() == [money("25.00"), money("49.99"), money("25.00")]


# --- net collection: contractual adjustments only -----------------------------------------------


def contract_practice() -> tuple[tk.Table, tk.Remittances]:
    # N1 (100): paid 0, CO 16 100 (a denial write-off); N2 (100): paid 80, CO 45 20
    c = claims(line("N1"), line("N2"))
    r = remits(
        [
            svc("R1", "N1", "2025-05-20", paid="0.00"),
            svc("R1", "N2", "2025-05-20", paid="80.00", seq=2),
        ],
        [adj("R1", "CO", "16", "100.00"), adj("R1", "CO", "45", "20.00", seq=2)],
    )
    return c, r


def test_net_collection_deducts_contractual_co45_never_a_co16_denial() -> None:
    c, r = contract_practice()
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["gross_collection_rate"] == pytest.approx(80 / 200)
    assert row["net_collection_rate"] == pytest.approx(80 / (200 - 20))


def test_contractual_carcs_come_from_the_policies() -> None:
    c, r = contract_practice()
    policies = tk.load_policies({"metrics": {"contractual_carcs": ["45", "16"]}})
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF, policies=policies))
    assert row["net_collection_rate"] == pytest.approx(80 / (200 - 20 - 100))
    only_253 = tk.load_policies({"metrics": {"contractual_carcs": ["253"]}})
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF, policies=only_253))
    assert row["net_collection_rate"] == pytest.approx(80 / 200)  # the list replaces 45, 253


# --- days in A/R window, financial class, canonical payers --------------------------------------


def test_days_in_ar_window_is_as_of_minus_89_through_as_of() -> None:
    # W89 (DOS as_of − 89 = 2025-04-02, 90.00) is in the window; W90 (as_of − 90, 900.00) is
    # out; both unpaid: A/R 990 ÷ (90 ÷ 90 per day) = 990 days
    c = claims(
        line("W89", dos="2025-04-02", submitted="2025-06-25", charge="90.00"),
        line("W90", dos="2025-04-01", submitted="2025-06-25", charge="900.00"),
    )
    r = remits([svc("R0", "NONE", "2025-05-01", paid="1.00")])
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert row["ar_outstanding"] == money("990.00")
    assert row["ar_0_30"] == money("990.00")  # aged from submission: 5 days
    assert row["days_in_ar"] == pytest.approx(990.0)


def test_by_financial_class() -> None:
    c = claims(
        line("FC1", charge="100.00"),  # medicare: paid 50, CO 45 10, PR 2 15
        line("FC2", payer="AETNA", payer_type="commercial", charge="100.00"),  # unpaid
        line("FC3", payer="SELF", payer_type="self_pay", charge="80.00"),  # patient paid 30
    )
    r = remits(
        [svc("R1", "FC1", "2025-05-20", paid="50.00")],
        [adj("R1", "CO", "45", "10.00"), adj("R1", "PR", "2", "15.00")],
    )
    pays = payments_frame(("FC3", "2025-05-10", "30.00", None))
    out = metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=pays, by="financial_class")
    rows = {r["financial_class"]: r for r in out.iter_rows(named=True)}
    assert list(rows) == ["commercial", "medicare", "patient", "self_pay"]
    # FC1: payer 100 − 50 − 10 − 15 = 25 under medicare; its PR 15 under patient
    assert rows["medicare"]["ar_outstanding"] == money("25.00")
    assert rows["medicare"]["ar_patient"] == money("0.00")
    assert rows["commercial"]["ar_payer"] == money("100.00")
    assert rows["self_pay"]["ar_patient"] == money("50.00")  # 80 − 30
    patient = rows["patient"]
    assert (patient["ar_outstanding"], patient["ar_patient"]) == (money("15.00"), money("15.00"))
    assert patient["claims_submitted"] == patient["claims_adjudicated"] == 0
    assert patient["net_collection_rate"] is None
    assert patient["days_in_ar"] is None
    assert patient["pct_ar_over_90"] == 0.0  # an A/R column: computed
    # counts and A/R add up to the one-row total
    total = one(metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=pays))
    assert total["claims_submitted"] == out["claims_submitted"].sum() == 3
    assert total["ar_outstanding"] == out["ar_outstanding"].sum() == money("190.00")
    assert total["net_collection_rate"] == pytest.approx((50 + 30) / (280 - 10))


def test_payers_are_canonical_through_the_audits_policies() -> None:
    c = claims(
        line("S1", payer="AETNA", payer_type="commercial"),
        line("S2", payer=" 60054", payer_type="commercial"),
    )
    r = remits([svc("R1", "S1", "2025-05-20", paid="80.00")])
    policies = {"payer": {"AETNA": {"payer_type": "commercial", "aliases": ["60054"]}}}
    audit = tk.audit(c, policies=policies)
    out = metrics.revenue_cycle(c, r, as_of=AS_OF, by="payer", audit=audit)
    assert out.select("payer", "claims_submitted").rows() == [("AETNA", 2)]
    # policies= wins over the audit's
    other = tk.load_policies({"payer": {"X": {"payer_type": "commercial", "aliases": ["AETNA"]}}})
    out = metrics.revenue_cycle(c, r, as_of=AS_OF, by="payer", audit=audit, policies=other)
    assert out["payer"].to_list() == ["60054", "X"]


def test_by_keys_include_financial_class_only_for_revenue_cycle() -> None:
    c, _ = contract_practice()
    with pytest.raises(ValueError, match="unknown key 'financial_class'"):
        metrics.telehealth_mix(c, by="financial_class")


def test_a_crossover_secondary_payment_leaves_the_patient_nothing_to_owe() -> None:
    # X1 (100): Medicare pays 64, CO 45 20, PR 2 (coinsurance) 16; then Medicaid as secondary
    # (CLP02 2) pays the 16, OA 23 84. The patient owes what the latest adjudication leaves: 0.
    # (Summing every adjudication's PR would leave 16 of patient A/R that nobody owes.)
    c = claims(line("X1"))
    r = remits(
        [
            svc("R1", "X1", "2025-05-20", paid="64.00"),
            svc("R2", "X1", "2025-06-05", paid="16.00", status="2"),
        ],
        [
            adj("R1", "CO", "45", "20.00"),
            adj("R1", "PR", "2", "16.00"),
            adj("R2", "OA", "23", "84.00"),
        ],
    )
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF))
    assert (row["ar_payer"], row["ar_patient"]) == (money("0.00"), money("0.00"))
    # before the secondary answers, the coinsurance is the patient's
    early = one(metrics.revenue_cycle(c, r, as_of=dt.date(2025, 5, 31)))
    assert early["ar_patient"] == money("16.00")


def test_patient_money_is_spread_by_what_each_line_owes() -> None:
    # C2: line 1 (100) paid 80, PR 3 copay 20; line 2 G2211 (50) paid 40, CO 45 10, no PR.
    # The patient pays the 20 copay at claim level. By what each line owes (20 and 0) it all
    # goes to line 1: patient A/R 0. (By charge, 13.33 / 6.67 would leave 6.67 open on line 1
    # and a credit on line 2.)
    c = claims(line("C2", n=1, charge="100.00"), line("C2", n=2, code="G2211", charge="50.00"))
    r = remits(
        [
            svc("R1", "C2", "2025-05-20", paid="80.00", charge="100.00"),
            svc("R1", "C2", "2025-05-20", paid="40.00", charge="50.00", svc_seq=2, code="G2211"),
        ],
        [adj("R1", "PR", "3", "20.00"), adj("R1", "CO", "45", "10.00", svc_seq=2)],
    )
    paid = payments_frame(("C2", "2025-06-01", "20.00", None))
    row = one(metrics.revenue_cycle(c, r, as_of=AS_OF, patient_payments=paid))
    assert row["ar_patient"] == money("0.00")
    assert row["ar_outstanding"] == money("0.00")
