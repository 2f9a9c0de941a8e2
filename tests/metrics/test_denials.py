"""telekit.metrics.denials: the Pareto of denial reasons, on a hand-built practice (as_of
2025-06-30), and the shipped CARC table."""

from __future__ import annotations

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
REF_SECTION_6_CARCS = (
    "4", "5", "16", "18", "22", "26", "27", "29", "31", "50", "58", "96", "97", "109", "119",
    "151", "167", "170", "171", "185", "197", "204", "236", "242", "252", "253", "B7", "B12",
)  # fmt: skip
COLUMNS = [
    "group_code",
    "reason_code",
    "reason_description",
    "lines",
    "claims",
    "amount",
    "cumulative_share",
]


def claims(*rows: tuple[str, int, str, str, str]) -> tk.Table:
    """Rows of (claim_id, line, payer, hcpcs_code, charge); DOS 2025-05-01, submitted 05-05."""
    frame = pl.DataFrame(
        [
            {
                "claim_id": claim_id,
                "claim_line_number": str(n),
                "person_id": "P1",
                "payer": payer,
                "payer_type": "medicare" if payer == "MEDICARE" else "commercial",
                "rendering_npi": "1234567893",
                "claim_line_start_date": "2025-05-01",
                "claim_submitted_date": "2025-05-05",
                "place_of_service_code": "10",
                "hcpcs_code": code,
                "charge_amount": charge,
            }
            for claim_id, n, payer, code, charge in rows
        ]
    )
    return tk.read_claims(frame)


def remits(lines: list[dict[str, Any]], adjustments: list[tuple[Any, ...]]) -> tk.Remittances:
    """Service lines as dicts; adjustments as (remit_id, claim seq, svc_seq, group, reason,
    amount) with svc_seq None at claim level."""
    line_frame = pl.DataFrame(
        [
            {
                "remit_id": x["remit"],
                "remit_claim_seq": str(x.get("seq", 1)),
                "svc_seq": None if x.get("svc", 1) is None else str(x.get("svc", 1)),
                "claim_id": x["claim"],
                "claim_status_code": x.get("status", "1"),
                "payment_date": x.get("date", "2025-05-20"),
                "hcpcs_code": x.get("code", "99213"),
                "line_charge_amount": x.get("charge", "100.00"),
                "paid_amount": x["paid"],
            }
            for x in lines
        ],
        schema_overrides={"svc_seq": pl.String, "hcpcs_code": pl.String},
    )
    adj_frame = pl.DataFrame(
        [
            {
                "remit_id": remit,
                "remit_claim_seq": str(seq),
                "svc_seq": None if svc is None else str(svc),
                "level": "claim" if svc is None else "line",
                "group_code": group,
                "reason_code": reason,
                "amount": amount,
            }
            for remit, seq, svc, group, reason, amount in adjustments
        ],
        schema_overrides={"svc_seq": pl.String},
    )
    out = tk.read_remittances(line_frame, adjustments=adj_frame)
    assert out.rejects.height == 0, out.rejects.to_dicts()
    return out


def practice() -> tuple[tk.Table, tk.Remittances]:
    c = claims(
        ("D1", 1, "MEDICARE", "99213", "100.00"),
        ("D2", 1, "MEDICARE", "99213", "60.00"),
        ("D2", 2, "MEDICARE", "G2211", "40.00"),
        ("D3", 1, "AETNA", "99213", "100.00"),
        ("D4", 1, "AETNA", "99213", "100.00"),
        ("D5", 1, "AETNA", "99213", "100.00"),
        ("D6", 1, "AETNA", "99213", "100.00"),
        ("D7", 1, "AETNA", "99213", "100.00"),
    )
    r = remits(
        [
            {"remit": "R1", "claim": "D1", "paid": "0.00", "status": "4"},
            {"remit": "R1", "seq": 2, "claim": "D2", "svc": None, "code": None, "paid": "0.00"},
            {"remit": "R1", "seq": 3, "claim": "D3", "paid": "0.00"},
            {"remit": "R1", "seq": 4, "claim": "D4", "paid": "0.00"},
            {"remit": "R1", "seq": 5, "claim": "D5", "paid": "50.00"},
            {"remit": "R1", "seq": 6, "claim": "D6", "paid": "0.00"},
            {"remit": "R2", "claim": "D6", "paid": "-0.00", "status": "22", "date": "2025-06-01"},
            {"remit": "R3", "claim": "D7", "paid": "0.00", "date": "2025-07-01"},
        ],
        [
            ("R1", 1, 1, "CO", "50", "100.00"),  # D1: denied, CO 50 100
            ("R1", 2, None, "CO", "16", "100.00"),  # D2: claim-level CO 16 on both lines
            ("R1", 3, 1, "PR", "1", "80.00"),  # D3: deductible and CO 45 only: not denied
            ("R1", 3, 1, "CO", "45", "20.00"),
            ("R1", 4, 1, "CO", "50", "30.00"),  # D4: denied; the PR 1 beside it is not a reason
            ("R1", 4, 1, "PR", "1", "70.00"),
            ("R1", 5, 1, "CO", "97", "50.00"),  # D5: paid 50: not denied
            ("R1", 6, 1, "CO", "50", "100.00"),  # D6: denied, then reversed: the reversal
            ("R2", 1, 1, "CO", "50", "-100.00"),  # (CLP02 22) is not a denial
            ("R3", 1, 1, "CO", "96", "100.00"),  # D7: paid after as_of: left out
        ],
    )
    return c, r


def test_pareto_by_hand() -> None:
    c, r = practice()
    out = metrics.denials(c, r, as_of=AS_OF)
    assert out.columns == COLUMNS
    # CO 50: D1 100 + D4 30 + D6 100 = 230 on 3 lines of 3 claims
    # CO 16: D2's 100 spread over its two lines (60 + 40) = 100 on 2 lines of 1 claim
    # total 330: cumulative shares 230/330, 1
    assert out.select("group_code", "reason_code", "lines", "claims", "amount").rows() == [
        ("CO", "50", 3, 3, Decimal("230.00")),
        ("CO", "16", 2, 1, Decimal("100.00")),
    ]
    assert out["cumulative_share"].to_list() == pytest.approx([230 / 330, 1.0])
    assert out["reason_description"].null_count() == 0
    assert out.schema["amount"] == pl.Decimal(12, 2)


def test_as_of_moves_the_window() -> None:
    c, r = practice()
    # one day later D7's CO 96 (paid 2025-07-01) counts: 330 + 100 = 430
    later = metrics.denials(c, r, as_of=dt.date(2025, 7, 1))
    assert later.select("reason_code", "amount").rows() == [
        ("50", Decimal("230.00")),
        ("16", Decimal("100.00")),
        ("96", Decimal("100.00")),
    ]  # ties on amount: by group_code, then reason_code ("16" < "96")
    assert later["cumulative_share"].to_list() == pytest.approx([230 / 430, 330 / 430, 1.0])
    # before any remittance: no rows, same columns
    before = metrics.denials(c, r, as_of=dt.date(2025, 5, 19))
    assert before.height == 0
    assert before.columns == COLUMNS


def test_by_payer_gives_one_pareto_per_group() -> None:
    c, r = practice()
    out = metrics.denials(c, r, as_of=AS_OF, by="payer")
    assert out.columns == ["payer", *COLUMNS]
    # AETNA: D4 CO 50 30 + D6 CO 50 100 = 130; MEDICARE: CO 50 100 (D1), CO 16 100 (D2)
    assert out.select("payer", "group_code", "reason_code", "amount").rows() == [
        ("AETNA", "CO", "50", Decimal("130.00")),
        ("MEDICARE", "CO", "16", Decimal("100.00")),
        ("MEDICARE", "CO", "50", Decimal("100.00")),
    ]
    assert out["cumulative_share"].to_list() == pytest.approx([1.0, 0.5, 1.0])


def test_by_line_level_key_splits_claim_level_amounts() -> None:
    c, r = practice()
    out = metrics.denials(c, r, as_of=AS_OF, by="hcpcs_code")
    # D2's claim-level CO 16 of 100: 60 on its 99213 line, 40 on its G2211 line
    assert out.select("hcpcs_code", "reason_code", "lines", "amount").rows() == [
        ("99213", "50", 3, Decimal("230.00")),
        ("99213", "16", 1, Decimal("60.00")),
        ("G2211", "16", 1, Decimal("40.00")),
    ]
    month = metrics.denials(c, r, as_of=AS_OF, by="month")
    assert set(month["month"].to_list()) == {dt.date(2025, 5, 1)}


def test_unknown_reason_code_has_no_description() -> None:
    c = claims(("U1", 1, "MEDICARE", "99213", "100.00"))
    r = remits(
        [{"remit": "R1", "claim": "U1", "paid": "0.00"}], [("R1", 1, 1, "CO", "ZZ9", "100.00")]
    )
    out = metrics.denials(c, r, as_of=AS_OF)
    assert out["reason_code"].to_list() == ["ZZ9"]
    assert out["reason_description"].to_list() == [None]


def test_carc_table() -> None:
    table = metrics.carc()
    assert table.columns == ["reason_code", "description"]
    assert table["reason_code"].is_unique().all()
    assert table["description"].null_count() == 0
    assert (table["description"].str.len_chars() > 5).all()
    assert set(REF_SECTION_6_CARCS) <= set(table["reason_code"].to_list())
    described = dict(zip(table["reason_code"], table["description"], strict=True))
    assert "duplicate" in described["18"].lower()
    assert "filing" in described["29"].lower()
    assert "sequestration" in described["253"].lower()


def test_sample_practice_pareto() -> None:
    claims_ = tk.read_claims(SAMPLES / "claims.csv")
    remits_ = tk.read_remittances(SAMPLES / "remittances.csv")
    out = metrics.denials(claims_, remits_, as_of=dt.date(2026, 10, 30))
    # the generator denies with CO 50, 96, 167, 204 (lines), 97 (add-ons), 18 (duplicates),
    # 29 (late), 16 (claim level), 4 (MD004's modifier denial); crossovers leave OA 23 on a
    # line Medicare did not pay
    assert set(out["reason_code"]) <= {
        "4", "16", "18", "23", "29", "50", "96", "97", "167", "204",
    }  # fmt: skip
    assert {"16", "50", "96", "167", "204"} <= set(out["reason_code"])
    assert out["amount"].is_sorted(descending=True)
    shares = out["cumulative_share"]
    assert shares.is_sorted()
    assert shares[-1] == pytest.approx(1.0)
    assert (out["lines"] >= out["claims"]).all()
    assert out["reason_description"].null_count() == 0


def test_payers_are_grouped_canonically_without_policies() -> None:
    # " aetna " and "AETNA" are one payer (trimmed, upper-cased); "60054" is its alias only
    # through a policy file
    c = claims(
        ("X1", 1, "AETNA", "99213", "100.00"),
        ("X2", 1, " aetna ", "99213", "100.00"),
        ("X3", 1, "60054", "99213", "100.00"),
    )
    r = remits(
        [
            {"remit": "R1", "claim": "X1", "paid": "0.00"},
            {"remit": "R1", "claim": "X2", "paid": "0.00", "seq": 2},
            {"remit": "R1", "claim": "X3", "paid": "0.00", "seq": 3},
        ],
        [("R1", s, 1, "CO", "50", "100.00") for s in (1, 2, 3)],
    )
    plain = metrics.denials(c, r, as_of=AS_OF, by="payer")
    assert plain.select("payer", "claims").rows() == [("60054", 1), ("AETNA", 2)]
    policies = tk.load_policies(
        {"payer": {"AETNA": {"payer_type": "commercial", "aliases": ["60054"]}}}
    )
    keyed = metrics.denials(c, r, as_of=AS_OF, by="payer", policies=policies)
    assert keyed.select("payer", "claims", "amount").rows() == [("AETNA", 3, Decimal("300.00"))]
