"""telekit.metrics.telehealth_mix and telekit.metrics.underpayment on hand-built practices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import telekit as tk
from telekit import metrics

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def claims(*rows: dict[str, Any]) -> tk.Table:
    base = {
        "claim_line_number": "1",
        "person_id": "P1",
        "payer": "MEDICARE",
        "payer_type": "medicare",
        "claim_frequency_code": "1",
        "original_claim_id": None,
        "rendering_npi": "1234567893",
        "claim_line_start_date": "2025-05-01",
        "claim_submitted_date": "2025-05-05",
        "place_of_service_code": "10",
        "hcpcs_code": "99213",
        "hcpcs_modifier_1": None,
        "hcpcs_modifier_2": None,
        "charge_amount": "100.00",
        "service_unit_quantity": "1",
        "encounter_id": None,
    }
    frame = pl.DataFrame(
        [{**base, **row} for row in rows], schema=dict.fromkeys(["claim_id", *base], pl.String)
    )
    table = tk.read_claims(frame)
    assert table.rejects.height == 0, table.rejects.to_dicts()
    return table


# --- telehealth_mix ---------------------------------------------------------------------------


def mix_practice() -> tuple[tk.Table, pl.DataFrame]:
    c = claims(
        {"claim_id": "T1", "place_of_service_code": "02", "encounter_id": "E1"},
        {"claim_id": "T2", "place_of_service_code": "10", "charge_amount": "50.00",
         "encounter_id": "E2"},
        {"claim_id": "T3", "place_of_service_code": "11", "charge_amount": "150.00",
         "encounter_id": "E3"},
        # June: no encounter → modality unknown
        {"claim_id": "T4", "place_of_service_code": "11", "claim_line_start_date": "2025-06-02"},
        # a replaced original and a void (and the claim it voids) are not counted
        {"claim_id": "T5", "place_of_service_code": "02", "charge_amount": "70.00"},
        {"claim_id": "T5R", "claim_frequency_code": "7", "original_claim_id": "T5",
         "place_of_service_code": "02", "charge_amount": "70.00", "claim_line_start_date":
         "2025-07-01"},
        {"claim_id": "T6", "place_of_service_code": "10", "charge_amount": "30.00"},
        {"claim_id": "T6V", "claim_frequency_code": "8", "original_claim_id": "T6",
         "place_of_service_code": "10", "charge_amount": "30.00"},
    )  # fmt: skip
    encounters = pl.DataFrame(
        {
            "encounter_id": ["E1", "E2", "E3"],
            "modality": ["audio_video", "audio_only", "in_person"],
        }
    )
    return c, encounters


def test_mix_overall_by_hand() -> None:
    c, encounters = mix_practice()
    out = metrics.telehealth_mix(c, encounters, by=None)
    assert out.columns == [
        "dimension", "category", "lines", "charges", "line_share", "charge_share"
    ]  # fmt: skip
    # counted: T1 (02, 100), T2 (10, 50), T3 (11, 150), T4 (11, 100), T5R (02, 70): 5 lines, 470
    rows = {(r["dimension"], r["category"]): r for r in out.iter_rows(named=True)}
    assert rows["place_of_service", "02"]["lines"] == 2
    assert rows["place_of_service", "02"]["charges"] == Decimal("170.00")
    assert rows["place_of_service", "02"]["line_share"] == pytest.approx(2 / 5)
    assert rows["place_of_service", "02"]["charge_share"] == pytest.approx(170 / 470)
    assert rows["place_of_service", "10"]["charge_share"] == pytest.approx(50 / 470)
    assert rows["place_of_service", "other"]["lines"] == 2
    assert rows["place_of_service", "other"]["charge_share"] == pytest.approx(250 / 470)
    # modality: T1 audio_video, T2 audio_only, T3 in_person, T4 and T5R unknown
    assert rows["modality", "unknown"]["lines"] == 2
    assert rows["modality", "unknown"]["charges"] == Decimal("170.00")
    assert rows["modality", "audio_only"]["line_share"] == pytest.approx(1 / 5)
    # telehealth (DESIGN §5/§6): T1 (02, audio_video), T2 (10, audio_only), T5R (02, no
    # encounter) are; T3 (POS 11, in_person) and T4 (POS 11, no encounter) are not
    assert rows["telehealth", "telehealth"]["lines"] == 3
    assert rows["telehealth", "telehealth"]["charges"] == Decimal("220.00")
    assert rows["telehealth", "not_telehealth"]["charge_share"] == pytest.approx(250 / 470)
    for dimension in ("telehealth", "place_of_service", "modality"):
        part = out.filter(pl.col("dimension") == dimension)
        assert part["line_share"].sum() == pytest.approx(1.0)
        assert part["charge_share"].sum() == pytest.approx(1.0)


def test_mix_by_month_and_without_encounters() -> None:
    c, encounters = mix_practice()
    out = metrics.telehealth_mix(c, encounters)  # by="month"
    may = out.filter(pl.col("month") == dt.date(2025, 5, 1), pl.col("dimension") == "modality")
    # May: T1 100, T2 50, T3 150 → 300
    assert may.select("category", "charge_share").rows() == [
        ("audio_only", pytest.approx(50 / 300)),
        ("audio_video", pytest.approx(100 / 300)),
        ("in_person", pytest.approx(150 / 300)),
    ]
    june = out.filter(pl.col("month") == dt.date(2025, 6, 1))
    assert june.select("dimension", "category", "line_share").rows() == [
        ("modality", "unknown", 1.0),
        ("place_of_service", "other", 1.0),
        ("telehealth", "not_telehealth", 1.0),
    ]
    no_enc = metrics.telehealth_mix(c, by="payer")
    assert set(no_enc["dimension"]) == {"telehealth", "place_of_service"}
    assert no_enc.filter(pl.col("dimension") == "telehealth")["lines"].sum() == 5
    with pytest.raises(ValueError, match="unknown key 'modality'"):
        metrics.telehealth_mix(c, encounters, by="modality")


def test_mix_on_the_sample() -> None:
    c = tk.read_claims(SAMPLES / "claims.csv")
    enc = tk.read_encounters(SAMPLES / "encounters.csv")
    out = metrics.telehealth_mix(c, enc, by=None)
    pos = dict(
        zip(
            out.filter(pl.col("dimension") == "place_of_service")["category"],
            out.filter(pl.col("dimension") == "place_of_service")["line_share"],
            strict=True,
        )
    )
    # a telehealth practice: a good part of its lines carry POS 02 or 10
    assert 0.1 < pos["02"] + pos["10"] < 0.9
    modality = out.filter(pl.col("dimension") == "modality")
    assert modality["category"].to_list()[:2] == ["audio_only", "audio_video"]
    assert modality.filter(pl.col("category") == "unknown")["line_share"].sum() < 0.05
    # the telehealth share counts in-person POS + 95 and indicator-less telehealth encounters,
    # so it is above the POS 02/10 share; CTBS (remote monitoring, check-ins) on telehealth
    # encounters are not telehealth lines, so it is below the telehealth modalities' share
    telehealth = dict(
        zip(
            out.filter(pl.col("dimension") == "telehealth")["category"],
            out.filter(pl.col("dimension") == "telehealth")["line_share"],
            strict=True,
        )
    )
    assert telehealth["telehealth"] + telehealth["not_telehealth"] == pytest.approx(1.0)
    by_modality = modality.filter(
        pl.col("category").is_in(["audio_video", "audio_only", "store_and_forward"])
    )["line_share"].sum()
    assert pos["02"] + pos["10"] < telehealth["telehealth"] < by_modality


def telehealth_of(out: pl.DataFrame) -> dict[str, str]:
    """hcpcs_code -> the line's category in the telehealth dimension (one line per code)."""
    part = out.filter(pl.col("dimension") == "telehealth", pl.col("lines") > 0)
    assert part["lines"].to_list() == [1] * part.height
    return dict(zip(part["hcpcs_code"], part["category"], strict=True))


def test_mix_telehealth_by_the_design_definition() -> None:
    c = claims(
        # 2021 Medicare video visit billed POS 11 + 95 (the PHE convention): telehealth
        {"claim_id": "A", "hcpcs_code": "99213", "claim_line_start_date": "2021-06-01",
         "place_of_service_code": "11", "hcpcs_modifier_1": "95", "encounter_id": "EA"},
        # an audio-only encounter billed without any telehealth indicator: telehealth
        {"claim_id": "B", "hcpcs_code": "99212", "place_of_service_code": "11",
         "encounter_id": "EB"},
        # a virtual check-in (CTBS) with POS 02: never a telehealth line
        {"claim_id": "C", "hcpcs_code": "G2012", "place_of_service_code": "02",
         "encounter_id": "EC"},
        # an in-person encounter billed with 95: not telehealth
        {"claim_id": "D", "hcpcs_code": "99214", "place_of_service_code": "11",
         "hcpcs_modifier_1": "95", "encounter_id": "ED"},
        # a CTBS line on an audio-only encounter, no indicator: still not telehealth
        {"claim_id": "E", "hcpcs_code": "98966", "place_of_service_code": "11",
         "encounter_id": "EE"},
        # the originating-site fee Q3014 with POS 02: not a telehealth line
        {"claim_id": "F", "hcpcs_code": "Q3014", "place_of_service_code": "02"},
        # POS 10 without encounters known: telehealth by its indicator
        {"claim_id": "G", "hcpcs_code": "99215", "place_of_service_code": "10"},
        # in-person POS, no indicator, no encounter: not telehealth
        {"claim_id": "H", "hcpcs_code": "99204", "place_of_service_code": "11"},
    )  # fmt: skip
    encounters = pl.DataFrame(
        {
            "encounter_id": ["EA", "EB", "EC", "ED", "EE"],
            "modality": ["audio_video", "audio_only", "audio_video", "in_person", "audio_only"],
        }
    )
    got = telehealth_of(metrics.telehealth_mix(c, encounters, by="hcpcs_code"))
    assert got == {
        "99213": "telehealth",
        "99212": "telehealth",
        "G2012": "not_telehealth",
        "99214": "not_telehealth",
        "98966": "not_telehealth",
        "Q3014": "not_telehealth",
        "99215": "telehealth",
        "99204": "not_telehealth",
    }
    # POS stays the billing convention: the 2021 POS 11 + 95 visit is "other" there
    pos = metrics.telehealth_mix(c, encounters, by="hcpcs_code").filter(
        pl.col("dimension") == "place_of_service", pl.col("hcpcs_code") == "99213"
    )
    assert pos["category"].to_list() == ["other"]
    # without encounters: by indicator alone (the audio-only visit without one is not counted,
    # the 95 on the in-person encounter is)
    alone = telehealth_of(metrics.telehealth_mix(c, by="hcpcs_code"))
    assert alone["99212"] == "not_telehealth"
    assert alone["99214"] == "telehealth"
    assert alone["G2012"] == "not_telehealth"
    overall = metrics.telehealth_mix(c, encounters, by=None).filter(
        pl.col("dimension") == "telehealth", pl.col("category") == "telehealth"
    )
    assert overall["lines"].to_list() == [3]
    assert overall["charges"].to_list() == [Decimal("300.00")]
    assert overall["line_share"].to_list() == [pytest.approx(3 / 8)]


def test_mix_groups_payers_canonically() -> None:
    c = claims(
        {"claim_id": "P1", "payer": "AETNA", "payer_type": "commercial"},
        {"claim_id": "P2", "payer": " aetna ", "payer_type": "commercial"},
        {"claim_id": "P3", "payer": "60054", "payer_type": "commercial",
         "place_of_service_code": "11"},
    )  # fmt: skip
    plain = metrics.telehealth_mix(c, by="payer").filter(pl.col("dimension") == "telehealth")
    # without policies: trimmed and upper-cased only, so the payer id stays apart
    assert sorted(set(plain["payer"])) == ["60054", "AETNA"]
    policies = tk.load_policies(
        {"payer": {"AETNA": {"payer_type": "commercial", "aliases": ["60054"]}}}
    )
    out = metrics.telehealth_mix(c, by="payer", policies=policies)
    telehealth = out.filter(pl.col("dimension") == "telehealth")
    assert telehealth.select("payer", "category", "lines").rows() == [
        ("AETNA", "not_telehealth", 1),
        ("AETNA", "telehealth", 2),
    ]
    assert telehealth["line_share"].to_list() == [pytest.approx(1 / 3), pytest.approx(2 / 3)]


# --- underpayment -----------------------------------------------------------------------------

REMIT_COLUMNS = (
    "remit_id", "remit_claim_seq", "svc_seq", "claim_id", "claim_status_code", "payment_date",
    "hcpcs_code", "hcpcs_modifier_1", "line_charge_amount", "paid_amount", "allowed_amount",
)  # fmt: skip
FEES = {
    "fee": [
        {"payer": "MEDICARE", "hcpcs_code": "99213", "expected_allowed": "80.00"},
        {"payer": "MEDICARE", "hcpcs_code": "99213", "modifier": "95", "expected_allowed": "90.00"},
        {"payer": "AETNA", "hcpcs_code": "99214", "expected_allowed": "120.00"},
    ]
}


def svc(
    remit: str, claim_id: str, *, paid: str, allowed: str | None, status: str = "1", **kw: Any
) -> dict[str, Any]:
    return {
        "remit_id": remit,
        "remit_claim_seq": kw.get("seq", "1"),
        "svc_seq": "1",
        "claim_id": claim_id,
        "claim_status_code": status,
        "payment_date": kw.get("date", "2025-05-20"),
        "hcpcs_code": kw.get("code", "99213"),
        "hcpcs_modifier_1": kw.get("mod"),
        "line_charge_amount": kw.get("charge", "150.00"),
        "paid_amount": paid,
        "allowed_amount": allowed,
    }


def underpaid_practice() -> tuple[tk.Table, tk.Remittances]:
    aetna = {"payer": "AETNA", "payer_type": "commercial", "hcpcs_code": "99214"}
    c = claims(
        {"claim_id": "U1"},  # 99213: allowed 75 < 80 → shortfall 5
        {"claim_id": "U2", "hcpcs_modifier_1": "95"},  # 99213-95: allowed 85 < 90 → 5
        {"claim_id": "U3", "hcpcs_modifier_1": "95"},  # allowed 90 = 90: not underpaid
        {"claim_id": "U4", **aetna},  # allowed 120: fine
        {"claim_id": "U5", **aetna, "payer": "aetna better health"},  # alias: allowed 100 → 20
        {"claim_id": "U6"},  # denied: paid 0
        {"claim_id": "U7"},  # no allowed amount on the remittance
        {"claim_id": "U8"},  # underpaid (70), reversed, paid again at 80: nothing left
        {"claim_id": "U9"},  # paid 80 as primary; the secondary's lower allowed is not a shortfall
        {"claim_id": "U10", "hcpcs_code": "99999"},  # no fee for the code
    )
    rows = [
        svc("R1", "U1", paid="60.00", allowed="75.00"),
        svc("R1", "U2", seq="2", paid="68.00", allowed="85.00", mod="95"),
        svc("R1", "U3", seq="3", paid="72.00", allowed="90.00", mod="95"),
        svc("R1", "U4", seq="4", paid="96.00", allowed="120.00", code="99214"),
        svc("R1", "U5", seq="5", paid="80.00", allowed="100.00", code="99214"),
        svc("R1", "U6", seq="6", paid="0.00", allowed="0.00"),
        svc("R1", "U7", seq="7", paid="60.00", allowed=None),
        svc("R1", "U8", seq="8", paid="56.00", allowed="70.00"),
        svc("R2", "U8", status="22", paid="-56.00", allowed="-70.00", date="2025-06-01"),
        svc("R2", "U8", seq="2", paid="64.00", allowed="80.00", date="2025-06-01"),
        svc("R1", "U9", seq="9", paid="64.00", allowed="80.00"),
        svc("R3", "U9", status="2", paid="10.00", allowed="20.00", date="2025-06-10"),
        svc("R1", "U10", seq="10", paid="10.00", allowed="20.00", code="99999"),
    ]
    r = tk.read_remittances(pl.DataFrame(rows, schema=dict.fromkeys(REMIT_COLUMNS, pl.String)))
    assert r.rejects.height == 0
    return c, r


def test_underpayment_by_hand() -> None:
    c, r = underpaid_practice()
    out = metrics.underpayment(c, r, tk.load_expected_fees(FEES))
    shown = out.select(
        "claim_id", "hcpcs_modifier_1", "allowed_amount", "expected_allowed", "amount_basis",
        "shortfall",
    )  # fmt: skip
    assert shown.rows() == [
        ("U1", None, Decimal("75.00"), Decimal("80.00"), "expected_fee", Decimal("5.00")),
        ("U2", "95", Decimal("85.00"), Decimal("90.00"), "expected_fee", Decimal("5.00")),
    ]
    assert out.schema["shortfall"] == pl.Decimal(12, 2)
    assert out["remit_id"].to_list() == ["R1", "R1"]
    assert out["payment_date"].to_list() == [dt.date(2025, 5, 20)] * 2


def test_underpayment_through_policy_aliases() -> None:
    c, r = underpaid_practice()
    policies = tk.load_policies(
        {"payer": {"AETNA": {"payer_type": "commercial", "aliases": ["AETNA BETTER HEALTH"]}}}
    )
    # the fees may also be given as a mapping (or path) read with the same policies
    out = metrics.underpayment(c, r, FEES, policies=policies)
    assert out.select("claim_id", "payer", "shortfall").rows() == [
        ("U1", "MEDICARE", Decimal("5.00")),
        ("U2", "MEDICARE", Decimal("5.00")),
        ("U5", "aetna better health", Decimal("20.00")),
    ]


def test_underpayment_without_fees_prices_medicare_by_the_fee_schedule() -> None:
    # 99214 on 2024-06-03, POS 11, national (no locality): 3.85 RVU x 33.2875 = 128.16 a unit
    c = claims(
        {"claim_id": "F1", "hcpcs_code": "99214", "claim_line_start_date": "2024-06-03",
         "claim_submitted_date": "2024-06-05", "place_of_service_code": "11"},
        {"claim_id": "F2", "hcpcs_code": "99214", "claim_line_start_date": "2024-06-03",
         "claim_submitted_date": "2024-06-05", "place_of_service_code": "11"},
        {"claim_id": "F3", "hcpcs_code": "99214", "claim_line_start_date": "2024-06-03",
         "claim_submitted_date": "2024-06-05", "place_of_service_code": "11",
         "service_unit_quantity": "2"},
        # 2025: no shipped release, no fee: not compared
        {"claim_id": "F4", "hcpcs_code": "99214"},
    )  # fmt: skip
    r = tk.read_remittances(
        pl.DataFrame(
            [
                svc("R1", "F1", paid="100.00", allowed="128.15", code="99214"),  # 1 cent: fine
                svc("R1", "F2", seq="2", paid="100.00", allowed="128.14", code="99214"),
                svc("R1", "F3", seq="3", paid="200.00", allowed="250.00", code="99214"),
                svc("R1", "F4", seq="4", paid="10.00", allowed="20.00", code="99214"),
            ],
            schema=dict.fromkeys(REMIT_COLUMNS, pl.String),
        )
    )
    out = metrics.underpayment(c, r)
    assert out.select("claim_id", "expected_allowed", "amount_basis", "shortfall").rows() == [
        ("F2", Decimal("128.16"), "fee_schedule", Decimal("0.02")),
        ("F3", Decimal("256.31"), "fee_schedule", Decimal("6.31")),  # 256.31375: not 2 x 128.16
    ]
    # a locality prices with its GPCIs: Manhattan 1.065 / 1.166 / 1.656 →
    # (1.92 x 1.065 + 1.81 x 1.166 + 0.12 x 1.656) x 33.2875 = 145.26
    local = metrics.underpayment(c, r, locality="1320201")
    assert local.filter(pl.col("claim_id") == "F1")["expected_allowed"].to_list() == [
        Decimal("145.26")
    ]


def test_underpayment_reads_dated_fees_times_units() -> None:
    fees = {
        "fee": [
            {"payer": "AETNA", "hcpcs_code": "99214", "expected_allowed": "100.00",
             "end": dt.date(2025, 4, 30)},
            {"payer": "AETNA", "hcpcs_code": "99214", "expected_allowed": "110.00",
             "start": dt.date(2025, 5, 1)},
        ]
    }  # fmt: skip
    aetna = {"payer": "AETNA", "payer_type": "commercial", "hcpcs_code": "99214"}
    c = claims(
        {"claim_id": "D1", **aetna, "claim_line_start_date": "2025-04-30"},
        {"claim_id": "D2", **aetna},  # 2025-05-01 by default
        {"claim_id": "D3", **aetna, "service_unit_quantity": "2"},
    )
    r = tk.read_remittances(
        pl.DataFrame(
            [
                svc("R1", "D1", paid="80.00", allowed="100.00", code="99214"),  # old fee: fine
                svc("R1", "D2", seq="2", paid="80.00", allowed="100.00", code="99214"),
                svc("R1", "D3", seq="3", paid="160.00", allowed="215.00", code="99214"),
            ],
            schema=dict.fromkeys(REMIT_COLUMNS, pl.String),
        )
    )
    out = metrics.underpayment(c, r, fees)
    assert out.select("claim_id", "expected_allowed", "shortfall").rows() == [
        ("D2", Decimal("110.00"), Decimal("10.00")),
        ("D3", Decimal("220.00"), Decimal("5.00")),
    ]


def test_underpayment_refuses_a_frame_without_fee_columns() -> None:
    c, r = underpaid_practice()
    with pytest.raises(tk.InputError, match="expected_allowed"):
        metrics.underpayment(c, r, pl.DataFrame({"payer": ["MEDICARE"], "hcpcs_code": ["99213"]}))


def test_underpayment_on_the_sample() -> None:
    c = tk.read_claims(SAMPLES / "claims.csv")
    r = tk.read_remittances(SAMPLES / "remittances.csv")
    policies = tk.load_policies(SAMPLES / "policies.toml")
    out = metrics.underpayment(c, r, SAMPLES / "expected_fees.toml", policies=policies)
    # the generator underpays about 3 % of initially adjudicated lines by 5–15 %
    lines = c.data.height
    assert 0.005 * lines < out.height < 0.06 * lines
    assert (out["shortfall"] > 0).all()
    # Medicare lines the shipped releases cover are priced by the fee schedule of the
    # practice's locality, and the sample's remittances pay exactly that unless underpaid
    assert set(out["amount_basis"]) == {"expected_fee", "fee_schedule"}
    ratio = out["allowed_amount"].cast(pl.Float64) / out["expected_allowed"].cast(pl.Float64)
    assert ratio.min() >= 0.84
    assert ratio.max() < 0.96
