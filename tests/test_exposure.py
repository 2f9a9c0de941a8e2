"""Each kind of money a finding can carry (DESIGN §4 "Money: what at risk means"), on a small
practice audited with remittances: overpayment (paid + patient responsibility), denied and
at_risk (expected fee, else fee schedule, else charge), underpayment (PS002 POS 02 at home,
PS004: non-facility minus the allowed amount, or minus the line's own fee-schedule amount when
not adjudicated), none; reversals, replacements, MD004 with CARC 4, and totals that count a line
once per kind.

Fee-schedule amounts are national (no locality), computed by hand in tests/test_pricing.py:
99214 in 2024 $128.16 non-facility / $96.20 facility; in 2023 $128.43 / $97.60.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

import telekit as tk

LINE: dict[str, Any] = {
    "claim_line_number": "1",
    "payer": "MEDICARE",
    "payer_type": "medicare",
    "claim_frequency_code": "1",
    "original_claim_id": None,
    "rendering_npi": "1234567893",
    "claim_line_start_date": "2024-06-03",
    "claim_submitted_date": "2024-06-05",
    "place_of_service_code": "10",  # telehealth with no encounter: DC003 (error) fires
    "hcpcs_code": "99214",
    "hcpcs_modifier_1": "95",
    "service_unit_quantity": "1",
    "charge_amount": "150.00",
    "diagnosis_code_1": "I10",
}
ENCOUNTER: dict[str, Any] = {
    "rendering_npi": "1234567893",
    "modality": "audio_video",
    "patient_location": "home",
    "patient_state": "NY",
    "provider_state": "NY",
    "consent_documented": "true",
    "total_minutes": "35",
    "mdm_level": "moderate",
}
AETNA = {"payer": "AETNA", "payer_type": "commercial"}
TELE_2024 = {"place_of_service_code": "02", "hcpcs_modifier_1": "95"}

# claim_id → claim line overrides; each claim its own person (no cross-claim rule meets them)
CLAIMS: dict[str, dict[str, Any]] = {
    "PAID": {},  # paid 80 + PR 20: overpayment 100
    "DEN_FEE": {**AETNA},  # denied, Aetna's expected fee 120
    "DEN_PFS": {},  # denied, Medicare 2024: fee schedule 128.16
    "DEN_CHG": {"claim_line_start_date": "2025-03-03", "claim_submitted_date": "2025-03-05"},
    "PENDING": {},  # submitted, no remittance
    "UNSENT": {"claim_submitted_date": None},
    "REVERSED": {},  # paid, then reversed (CLP02 22): pending again
    "ORIG": {"claim_line_start_date": "2024-06-10", "claim_submitted_date": "2024-06-12"},
    "REPL": {
        "claim_line_start_date": "2024-06-10",
        "claim_submitted_date": "2024-07-15",
        "claim_frequency_code": "7",
        "original_claim_id": "ORIG",
    },
    "TWO": {"claim_frequency_code": "7"},  # FL002 and DC003: two errors on one paid line
    "PS002": {**TELE_2024},  # POS 02, patient at home: paid at the facility rate
    "PS004": {  # 2023, POS 10 + 95: pending
        "claim_line_start_date": "2023-06-01",
        "claim_submitted_date": "2023-06-05",
        "place_of_service_code": "10",
        "hcpcs_modifier_1": "95",
    },
    "MD004": {"place_of_service_code": "10", "hcpcs_modifier_1": "GT"},  # denied, CARC 4
    "CROSS": {},  # Medicare paid 80 (PR 20), then Medicaid as secondary paid the 20
}
WITH_ENCOUNTER = ("PS002", "PS004", "MD004")

# claim → [(remit_id, status, payment date, paid, allowed, [(group, reason, amount)])]
REMITS: dict[str, list[tuple[str, str, str, str, str, list[tuple[str, str, str]]]]] = {
    "PAID": [("R1", "1", "2024-07-01", "80.00", "100.00", [("CO", "45", "50.00"),
                                                           ("PR", "2", "20.00")])],
    "DEN_FEE": [("R2", "4", "2024-07-01", "0.00", "0.00", [("CO", "50", "150.00")])],
    "DEN_PFS": [("R3", "4", "2024-07-01", "0.00", "0.00", [("CO", "96", "150.00")])],
    "DEN_CHG": [("R4", "4", "2025-04-01", "0.00", "0.00", [("CO", "50", "150.00")])],
    "REVERSED": [
        ("R5", "1", "2024-07-01", "100.00", "100.00", [("CO", "45", "50.00")]),
        ("R6", "22", "2024-07-20", "-100.00", "-100.00", [("CO", "45", "-50.00")]),
    ],
    "ORIG": [("R7", "1", "2024-07-01", "60.00", "60.00", [("CO", "45", "90.00")])],
    "REPL": [("R8", "1", "2024-08-01", "90.00", "100.00", [("CO", "45", "50.00"),
                                                           ("PR", "2", "10.00")])],
    "TWO": [("R9", "1", "2024-07-01", "70.00", "70.00", [("CO", "45", "80.00")])],
    "PS002": [("R10", "1", "2024-07-01", "76.96", "96.20", [("CO", "45", "53.80"),
                                                            ("PR", "2", "19.24")])],
    "MD004": [("R11", "4", "2024-07-01", "0.00", "0.00", [("CO", "4", "150.00")])],
    "CROSS": [
        ("R12", "1", "2024-07-01", "80.00", "100.00", [("CO", "45", "50.00"),
                                                       ("PR", "2", "20.00")]),
        ("R13", "2", "2024-07-15", "20.00", "20.00", [("OA", "23", "130.00")]),
    ],
}  # fmt: skip
FEES = {"fee": [{"payer": "AETNA", "hcpcs_code": "99214", "expected_allowed": "120.00"}]}
AS_OF = dt.date(2025, 6, 30)


def _strings(rows: list[dict[str, Any]]) -> pl.DataFrame:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    return pl.DataFrame(
        {k: [r.get(k) for r in rows] for k in cols}, schema=dict.fromkeys(cols, pl.String)
    )


def _practice() -> tuple[pl.DataFrame, pl.DataFrame, tk.Remittances]:
    lines = [
        {"claim_id": cid, "person_id": f"P-{cid}", **LINE, **over} for cid, over in CLAIMS.items()
    ]
    encounters = [
        {
            "encounter_id": f"E-{cid}",
            "person_id": f"P-{cid}",
            "encounter_date": CLAIMS[cid].get(
                "claim_line_start_date", LINE["claim_line_start_date"]
            ),
            **ENCOUNTER,
        }
        for cid in WITH_ENCOUNTER
    ]
    by_claim = {r["claim_id"]: r for r in lines}
    svc, adj = [], []
    for cid, events in REMITS.items():
        line = by_claim[cid]
        for remit, status, date, paid, allowed, adjustments in events:
            svc.append(
                {
                    "remit_id": remit,
                    "remit_claim_seq": "1",
                    "svc_seq": "1",
                    "claim_id": cid,
                    "claim_status_code": status,
                    "payment_date": date,
                    "service_date": line["claim_line_start_date"],
                    "hcpcs_code": line["hcpcs_code"],
                    "hcpcs_modifier_1": line["hcpcs_modifier_1"],
                    "line_charge_amount": "-150.00" if status == "22" else "150.00",
                    "paid_amount": paid,
                    "allowed_amount": allowed,
                }
            )
            adj += [
                {
                    "remit_id": remit,
                    "remit_claim_seq": "1",
                    "svc_seq": "1",
                    "level": "line",
                    "group_code": g,
                    "reason_code": r,
                    "amount": a,
                }
                for g, r, a in adjustments
            ]
    remits = tk.read_remittances(_strings(svc), adjustments=_strings(adj))
    assert remits.rejects.height == 0, remits.rejects.to_dicts()
    return _strings(lines), _strings(encounters), remits


@pytest.fixture(scope="module")
def result() -> tk.AuditResult:
    claims, encounters, remits = _practice()
    out = tk.audit(
        claims, encounters=encounters, remittances=remits, expected_fees=FEES, as_of=AS_OF
    )
    assert out.rejects.height == 0
    return out


def money(text: str) -> Decimal:
    return Decimal(text)


def one(result: tk.AuditResult, claim: str, rule: str) -> dict[str, Any]:
    f = result.findings.filter(pl.col("claim_id") == claim, pl.col("rule_code") == rule)
    assert f.height == 1, (claim, rule, f.select("rule_code").to_series().to_list())
    return f.row(0, named=True)


def kind(row: dict[str, Any]) -> tuple[str, str, str, Decimal]:
    return row["line_status"], row["exposure"], row["amount_basis"], row["exposure_amount"]


@pytest.mark.parametrize(
    ("claim", "want"),
    [
        ("PAID", ("paid", "overpayment", "paid", money("100.00"))),  # 80 paid + 20 PR
        ("DEN_FEE", ("denied", "denied", "expected_fee", money("120.00"))),
        ("DEN_PFS", ("denied", "denied", "fee_schedule", money("128.16"))),
        ("DEN_CHG", ("denied", "denied", "charge", money("150.00"))),  # 2025: not priced
        ("PENDING", ("pending", "at_risk", "fee_schedule", money("128.16"))),
        ("UNSENT", ("not_submitted", "at_risk", "fee_schedule", money("128.16"))),
        ("REVERSED", ("pending", "at_risk", "fee_schedule", money("128.16"))),
        ("REPL", ("paid", "overpayment", "paid", money("100.00"))),  # its own remittance
        # a crossover: 80 + 20 paid by the two payers; the patient owes nothing (the secondary's
        # adjudication leaves no PR), so not 80 + 20 + the primary's PR of 20
        ("CROSS", ("paid", "overpayment", "paid", money("100.00"))),
    ],
)
def test_error_exposure_by_line_status(
    result: tk.AuditResult, claim: str, want: tuple[str, str, str, Decimal]
) -> None:
    row = one(result, claim, "DC003")  # no encounter documents the line: an error
    assert kind(row) == want
    assert row["charge_amount"] == money("150.00")  # the charge is a column of its own


def test_unknown_without_remittances() -> None:
    claims, encounters, _ = _practice()
    out = tk.audit(claims, encounters=encounters, expected_fees=FEES, as_of=AS_OF)
    row = one(out, "PAID", "DC003")
    assert kind(row) == ("unknown", "at_risk", "fee_schedule", money("128.16"))
    assert row["paid_amount"] is None
    assert kind(one(out, "DEN_FEE", "DC003")) == (
        "unknown", "at_risk", "expected_fee", money("120.00"),
    )  # fmt: skip


def test_underpayment_from_the_allowed_amount_ps002(result: tk.AuditResult) -> None:
    row = one(result, "PS002", "PS002")
    assert row["severity"] == "warning"
    # 128.16 non-facility − 96.20 allowed (POS 02 paid at the facility rate)
    assert kind(row) == ("paid", "underpayment", "allowed", money("31.96"))
    assert row["expected_allowed"] == money("96.20")


def test_underpayment_from_the_fee_schedule_ps004_pending(result: tk.AuditResult) -> None:
    row = one(result, "PS004", "PS004")
    assert row["severity"] == "info"
    # 2023: POS 10 priced at the facility rate 97.60; the in-person POS pays 128.43
    assert kind(row) == ("pending", "underpayment", "fee_schedule", money("30.83"))


def test_md004_denied_with_carc_4_is_denied(result: tk.AuditResult) -> None:
    row = one(result, "MD004", "MD004")
    assert row["severity"] == "warning"
    assert kind(row) == ("denied", "denied", "fee_schedule", money("128.16"))


def test_warnings_and_info_otherwise_none(result: tk.AuditResult) -> None:
    f = result.findings.filter(
        pl.col("severity") != "error", ~pl.col("rule_code").is_in(["PS002", "PS004", "MD004"])
    )
    assert set(f["exposure"]) <= {"none"}
    assert set(f["amount_basis"]) <= {"none"}
    assert (f["exposure_amount"] == 0).all()


def test_two_errors_on_one_line_count_once(result: tk.AuditResult) -> None:
    two = result.findings.filter(pl.col("claim_id") == "TWO", pl.col("severity") == "error")
    assert set(two["rule_code"]) >= {"FL002", "DC003"}
    assert set(two["exposure"]) == {"overpayment"}
    assert set(two["exposure_amount"]) == {money("70.00")}
    totals = {
        r["exposure"]: (r["lines"], r["amount"]) for r in result.exposure().iter_rows(named=True)
    }
    f = result.findings
    for k, (lines, amount) in totals.items():
        per_line = (
            f.filter(pl.col("exposure") == k)
            .group_by("claim_id", "claim_line_number")
            .agg(pl.col("exposure_amount").max())
        )
        assert lines == per_line.height
        assert amount == per_line["exposure_amount"].sum()
    # overpaid: PAID 100 + REPL 100 + TWO 70 (once, though two rules found it) + ORIG if found
    assert totals["overpayment"][1] >= money("270.00")
    assert totals["underpayment"] == (2, money("62.79"))  # 31.96 + 30.83
    assert totals["denied"][1] == money("120.00") + money("128.16") * 2 + money("150.00")
