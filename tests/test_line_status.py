"""Line status (DESIGN §5 "Fixes follow the line's status"): paid, denied, not_submitted, pending,
unknown from the remittances as of ``as_of`` (reversals netted), and the exposure and suggested
fix of findings on such lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

import telekit as tk

LINE: dict[str, Any] = {
    "claim_line_number": "1",
    "person_id": "P1",
    "payer": "MEDICARE",
    "payer_type": "medicare",
    "rendering_npi": "1234567893",
    "claim_line_start_date": "2024-03-15",
    "claim_submitted_date": "2024-03-20",
    "place_of_service_code": "10",
    "hcpcs_code": "99213",
    "charge_amount": "150.00",
    "diagnosis_code_1": "I10",
}


def claims(*rows: dict[str, Any]) -> pl.DataFrame:
    full = [{**LINE, **r} for r in rows]
    cols = list(dict.fromkeys(k for r in full for k in r))
    return pl.DataFrame(
        {k: [r.get(k) for r in full] for k in cols}, schema=dict.fromkeys(cols, pl.String)
    )


def remits(
    lines: list[dict[str, Any]],
    adjustments: list[tuple[str, str, str, str]] = (),  # type: ignore[assignment]
) -> tk.Remittances:
    """Service lines (one remittance claim each); adjustments as (remit_id, group, reason,
    amount) on that remittance's service line."""
    svc = pl.DataFrame(
        [
            {
                "remit_id": x["remit"],
                "remit_claim_seq": "1",
                "svc_seq": "1",
                "claim_id": x["claim"],
                "claim_status_code": x.get("status", "1"),
                "payment_date": x.get("date", "2024-04-10"),
                "service_date": "2024-03-15",
                "hcpcs_code": x.get("code", "99213"),
                "line_charge_amount": "150.00",
                "paid_amount": x["paid"],
            }
            for x in lines
        ]
    )
    adj = pl.DataFrame(
        [
            {
                "remit_id": r,
                "remit_claim_seq": "1",
                "svc_seq": "1",
                "level": "line",
                "group_code": g,
                "reason_code": c,
                "amount": a,
            }
            for r, g, c, a in adjustments
        ],
        schema=dict.fromkeys(
            [
                "remit_id",
                "remit_claim_seq",
                "svc_seq",
                "level",
                "group_code",
                "reason_code",
                "amount",
            ],
            pl.String,
        ),
    )
    out = tk.read_remittances(svc, adjustments=adj)
    assert out.rejects.height == 0, out.rejects.to_dicts()
    return out


# a Medicare line in 2024 with POS 02 at home and no encounter: DC003 (error) fires on every line
# below (no encounter found), and PS004 never does (DOS 2024); the FL002 error on a frequency 7
# claim without an original shows the composition too.
def statuses(result: tk.AuditResult, code: str = "DC003") -> dict[str, tuple[Any, ...]]:
    f = result.findings.filter(pl.col("rule_code") == code)
    return {
        r["claim_id"]: (r["line_status"], r["paid_amount"], r["exposure"], r["suggested_fix"])
        for r in f.to_dicts()
    }


def audit(c: pl.DataFrame, r: tk.Remittances | None, as_of: str | None = None) -> tk.AuditResult:
    encounters = pl.DataFrame(
        {"encounter_id": ["E0"], "person_id": ["nobody"]},
        schema={"encounter_id": pl.String, "person_id": pl.String},
    )
    return tk.audit(
        c,
        encounters=encounters,
        remittances=r,
        as_of=None if as_of is None else dt.date.fromisoformat(as_of),
    )


def test_each_status_and_its_exposure() -> None:
    c = claims(
        {"claim_id": "PAID"},
        {"claim_id": "DEDUCT"},
        {"claim_id": "DENIED"},
        {"claim_id": "PENDING"},
        {"claim_id": "UNSENT", "claim_submitted_date": None},
        {"claim_id": "LATE"},
    )
    r = remits(
        [
            {"remit": "R1", "claim": "PAID", "paid": "80.00"},
            {"remit": "R2", "claim": "DEDUCT", "paid": "0.00"},
            {"remit": "R3", "claim": "DENIED", "paid": "0.00"},
            {"remit": "R4", "claim": "LATE", "paid": "0.00", "date": "2024-06-01"},
        ],
        [
            ("R1", "CO", "45", "50.00"),
            ("R1", "PR", "2", "20.00"),
            ("R2", "PR", "1", "100.00"),  # the allowed amount went to the deductible: paid
            ("R2", "CO", "45", "50.00"),
            ("R3", "CO", "50", "150.00"),
            ("R4", "CO", "50", "150.00"),  # after as_of: not seen
        ],
    )
    got = statuses(audit(c, r, as_of="2024-05-01"))
    assert {k: v[:3] for k, v in got.items()} == {
        "PAID": ("paid", pl.Series([80]).cast(pl.Decimal(12, 2))[0], "overpayment"),
        "DEDUCT": ("paid", pl.Series([0]).cast(pl.Decimal(12, 2))[0], "overpayment"),
        "DENIED": ("denied", pl.Series([0]).cast(pl.Decimal(12, 2))[0], "denied"),
        "PENDING": ("pending", pl.Series([0]).cast(pl.Decimal(12, 2))[0], "at_risk"),
        "UNSENT": ("not_submitted", pl.Series([0]).cast(pl.Decimal(12, 2))[0], "at_risk"),
        "LATE": ("pending", pl.Series([0]).cast(pl.Decimal(12, 2))[0], "at_risk"),
    }
    fixes = {k: v[3] for k, v in got.items()}
    assert fixes["PAID"].startswith("paid in error: report and return the overpayment within 60")
    assert "42 CFR 401.305" in fixes["PAID"] and "patient's share" in fixes["PAID"]
    assert fixes["DENIED"].startswith("denied: Medicare Part B takes no frequency-7 corrections")
    assert fixes["PENDING"].startswith("correct the line before (re)submission")
    assert fixes["UNSENT"].startswith("correct the line before (re)submission")


def test_without_remittances_unknown_or_not_submitted_and_no_paid_amount() -> None:
    c = claims({"claim_id": "A"}, {"claim_id": "B", "claim_submitted_date": None})
    got = statuses(audit(c, None))
    assert got["A"][:3] == ("unknown", None, "at_risk")
    assert got["B"][:3] == ("not_submitted", None, "at_risk")


def test_reversal_is_netted() -> None:
    """Paid, then reversed (CLP02 22): no adjudication stands — pending; paid, reversed and
    denied on re-adjudication: denied; paid, reversed and paid again: paid, net of the
    reversal."""
    c = claims({"claim_id": "REV"}, {"claim_id": "REDENY"}, {"claim_id": "REPAY"})
    r = remits(
        [
            {"remit": "R1", "claim": "REV", "paid": "80.00"},
            {"remit": "R2", "claim": "REV", "paid": "-80.00", "status": "22", "date": "2024-04-20"},
            {"remit": "R3", "claim": "REDENY", "paid": "80.00"},
            {
                "remit": "R4",
                "claim": "REDENY",
                "paid": "-80.00",
                "status": "22",
                "date": "2024-04-20",
            },
            {"remit": "R5", "claim": "REDENY", "paid": "0.00", "date": "2024-04-21"},
            {"remit": "R6", "claim": "REPAY", "paid": "80.00"},
            {
                "remit": "R7",
                "claim": "REPAY",
                "paid": "-80.00",
                "status": "22",
                "date": "2024-04-20",
            },
            {"remit": "R8", "claim": "REPAY", "paid": "60.00", "date": "2024-04-21"},
        ],
        [("R5", "CO", "96", "150.00")],
    )
    got = statuses(audit(c, r, as_of="2024-05-01"))
    assert got["REV"][0] == "pending"
    assert got["REDENY"][:3] == ("denied", pl.Series([0]).cast(pl.Decimal(12, 2))[0], "denied")
    assert got["REPAY"][0] == "paid"
    assert str(got["REPAY"][1]) == "60.00"


def test_replacement_claim_has_its_own_status_and_fix() -> None:
    """A commercial replacement (frequency 7) without its original's number (FL002): its own
    remittance denied it — a replacement claim is the fix; the original keeps its own status."""
    c = claims(
        {"claim_id": "ORIG", "payer": "AETNA", "payer_type": "commercial"},
        {
            "claim_id": "REPL",
            "payer": "AETNA",
            "payer_type": "commercial",
            "claim_frequency_code": "7",
            "claim_submitted_date": "2024-04-15",
        },
    )
    r = remits(
        [
            {"remit": "R1", "claim": "ORIG", "paid": "90.00"},
            {"remit": "R2", "claim": "REPL", "paid": "0.00", "date": "2024-04-25"},
        ],
        [("R2", "CO", "18", "150.00")],
    )
    result = audit(c, r, as_of="2024-05-01")
    fl002 = statuses(result, "FL002")
    assert list(fl002) == ["REPL"]
    status, _, exposure, fix = fl002["REPL"]
    assert (status, exposure) == ("denied", "denied")
    assert fix.startswith("denied: correct the line and send a replacement claim (frequency 7")
    assert "REF*F8" in fix
    dc = statuses(result)
    assert dc["ORIG"][:3] == ("paid", pl.Series([90]).cast(pl.Decimal(12, 2))[0], "overpayment")
    assert "as its contract requires" in dc["ORIG"][3]


def test_unprocessable_denial_is_a_new_claim() -> None:
    c = claims({"claim_id": "U"})
    r = remits([{"remit": "R1", "claim": "U", "paid": "0.00"}], [("R1", "CO", "16", "150.00")])
    status, _, exposure, fix = statuses(audit(c, r, as_of="2024-05-01"))["U"]
    assert (status, exposure) == ("denied", "denied")
    assert fix.startswith("denied as unprocessable (CO-16/MA130)") and "new claim" in fix


def test_warnings_keep_the_rules_own_fix_and_errors_carry_their_money_columns() -> None:
    """A warning has exposure none, amount 0 and the rule's fix alone; an error on an unknown
    line is at_risk with the Medicare fee-schedule amount (no expected fee), and the charge is
    its own column, never the amount."""
    c = claims({"claim_id": "W"})
    result = audit(c, None)
    f = result.findings
    others = f.filter(pl.col("severity") != "error")
    assert set(others.get_column("exposure")) <= {"none"}
    assert set(others.get_column("amount_basis")) <= {"none"}
    errors = f.filter(pl.col("severity") == "error")
    assert errors.height
    assert set(errors.get_column("exposure")) == {"at_risk"}
    assert set(errors.get_column("amount_basis")) == {"fee_schedule"}
    # 99213, POS 10 on 2024-03-15 (release 2024-07, national): non-facility
    # (1.30 + 1.33 + 0.10) x 33.2875 = 90.874875 → 90.87
    assert set(errors.get_column("expected_allowed").cast(pl.String)) == {"90.87"}
    assert set(errors.get_column("exposure_amount").cast(pl.String)) == {"90.87"}
    assert set(errors.get_column("charge_amount").cast(pl.String)) == {"150.00"}
    cols = f.columns
    assert cols.index("line_status") == cols.index("responsibility") + 1
    assert {"paid_amount", "exposure", "exposure_amount", "amount_basis"} <= set(cols)
    assert "amount_at_risk" not in cols


def test_underpayment_exposure_for_medicare_ps004() -> None:
    """PS004 (info) on a Medicare line is an underpayment, not none: a reopening to be paid
    correctly once adjudicated."""
    c = claims(
        {
            "claim_id": "U",
            "claim_line_start_date": "2022-03-15",
            "claim_submitted_date": "2022-03-20",
        }
    )
    r = remits(
        [{"remit": "R1", "claim": "U", "paid": "60.00", "date": "2022-04-10"}],
    )
    f = audit(c, r, as_of="2022-05-01").findings.filter(pl.col("rule_code") == "PS004")
    assert f.height == 1
    row = f.row(0, named=True)
    assert row["exposure"] == "underpayment"
    assert row["suggested_fix"].startswith("paid less than the correct billing pays")
    # no shipped release prices 2022: no amount, and the basis says so
    assert (row["exposure_amount"], row["amount_basis"]) == (
        pl.Series([0]).cast(pl.Decimal(12, 2))[0],
        "none",
    )
