"""Superseded claims and encounter linking have one home (``telekit._core._claims``): the audit's
annotation and the metrics must agree on them, line for line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import telekit as tk
from telekit._core import _columns as c
from telekit._core._claims import current_lines, link_encounters, superseded
from telekit._engine._annotate import ROW, annotate
from telekit._engine._inputs import prepare
from telekit._policies._toml import load_policies
from telekit.metrics._inputs import with_modality

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
NPIS = ("1234567893", "1245319599")
DATES = ("2024-03-14", "2024-03-15")
CLAIM_IDS = ("C1", "C2", "C3", "C4")


def _annotated(claims: pl.DataFrame, encounters: pl.DataFrame | None) -> pl.DataFrame:
    inputs = prepare(
        claims,
        encounters=encounters,
        coverage=None,
        providers=None,
        policies=load_policies(None),
        claim_columns=frozenset(claims.columns),
    )
    return annotate(inputs).collect().sort(ROW)


def _agree(claims: pl.DataFrame, encounters: pl.DataFrame) -> None:
    annotated = _annotated(claims, encounters)
    metrics = with_modality(claims, encounters)
    assert metrics.height == claims.height
    assert metrics.get_column(c.MODALITY).to_list() == annotated["enc_modality"].to_list()
    current = current_lines(claims)
    kept = annotated.filter(~pl.col("superseded")).select(claims.columns)
    assert current.equals(kept)


def test_sample_agrees() -> None:
    claims = tk.read_claims(SAMPLES / "claims.csv").data
    encounters = tk.read_encounters(SAMPLES / "encounters.csv").data
    _agree(claims, encounters)
    assert 0 < current_lines(claims).height < claims.height


def _line(i: int, draw: Any) -> dict[str, Any]:
    claim = draw(st.sampled_from(CLAIM_IDS))
    return {
        "claim_id": claim,
        "claim_line_number": str(i + 1),
        "person_id": draw(st.sampled_from(("P1", "P2"))),
        "member_id": "M1",
        "payer": "MEDICARE",
        "payer_type": "medicare",
        "claim_frequency_code": draw(st.sampled_from(("1", "7", "8", None))),
        "original_claim_id": draw(st.sampled_from((*CLAIM_IDS, None))),
        "encounter_id": draw(st.sampled_from(("E1", "E2", "E9", None, None))),
        "rendering_npi": draw(st.sampled_from(NPIS)),
        "billing_npi": "1245319599",
        "claim_line_start_date": draw(st.sampled_from(DATES)),
        "place_of_service_code": "10",
        "hcpcs_code": "99213",
        "service_unit_quantity": "1",
        "charge_amount": "150.00",
        "diagnosis_code_1": "I10",
    }


@st.composite
def _world(draw: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    lines = [_line(i, draw) for i in range(draw(st.integers(1, 8)))]
    encounters = [
        {
            "encounter_id": f"E{i + 1}",
            "person_id": draw(st.sampled_from(("P1", "P2"))),
            "rendering_npi": draw(st.sampled_from(NPIS)),
            "encounter_date": draw(st.sampled_from((*DATES, None))),
            "modality": draw(st.sampled_from(c.MODALITIES)),
        }
        for i in range(draw(st.integers(0, 5)))
    ]
    claims = tk.read_claims(pl.DataFrame(lines, schema=dict.fromkeys(lines[0], pl.String)))
    enc_schema = dict.fromkeys(
        ("encounter_id", "person_id", "rendering_npi", "encounter_date", "modality"), pl.String
    )
    enc = tk.read_encounters(pl.DataFrame(encounters, schema=enc_schema))
    assert claims.rejects.height == 0 and enc.rejects.height == 0
    return claims.data, enc.data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_world())
def test_generated_worlds_agree(world: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    _agree(*world)


def test_link_rules_by_hand() -> None:
    lines = pl.LazyFrame(
        {
            "_r": [0, 1, 2, 3],
            c.ENCOUNTER_ID: ["E1", None, None, "E9"],
            c.PERSON_ID: ["P1", "P1", "P2", "P1"],
            c.RENDERING_NPI: ["N", "N", "N", "N"],
            c.CLAIM_LINE_START_DATE: [dt.date(2024, 1, 1)] * 4,
        }
    )
    encounters = pl.LazyFrame(
        {
            c.ENCOUNTER_ID: ["E1", "E2", "E3", "E4"],
            c.PERSON_ID: ["P9", "P1", "P2", "P2"],
            c.RENDERING_NPI: ["X", "N", "N", "N"],
            c.ENCOUNTER_DATE: [dt.date(2024, 1, 1)] * 4,
            c.MODALITY: ["audio_only", "audio_video", "in_person", "portal"],
        }
    )
    got = link_encounters(lines, encounters, (c.MODALITY,), prefix="enc_", found="found").collect()
    # by id (even with another person); by key (single candidate); two candidates; unknown id
    assert got["enc_modality"].to_list() == ["audio_only", "audio_video", None, None]
    assert got["found"].to_list() == [True, True, False, False]


def test_superseded_by_hand() -> None:
    frame = pl.DataFrame(
        {
            c.CLAIM_ID: ["A", "A", "B", "C", "D", "E"],
            c.CLAIM_FREQUENCY_CODE: ["1", "1", "7", "8", None, "1"],
            c.ORIGINAL_CLAIM_ID: [None, None, "A", "E", "B", None],
        }
    )
    # A replaced by B, E voided by C, C itself a void; D's null frequency supersedes nothing
    assert superseded(frame)["superseded"].to_list() == [True, True, False, True, False, True]
    assert current_lines(frame)[c.CLAIM_ID].to_list() == ["B", "D"]


def test_superseded_keeps_order_and_nulls() -> None:
    frame = pl.DataFrame(
        {
            c.CLAIM_ID: ["Z", None, "A", "Q", "A", None, "M"],
            c.CLAIM_FREQUENCY_CODE: ["1", "7", "1", "8", "7", "8", "7"],
            c.ORIGINAL_CLAIM_ID: [None, "A", None, "Z", None, None, "MISSING"],
        }
    )
    # A named by a line without claim_id; Z by a void; null claim ids match no original; a void
    # without claim_id is still a void; lines keep their order, eager and lazy alike
    expected = [True, False, True, True, True, True, False]
    assert superseded(frame)["superseded"].to_list() == expected
    assert superseded(frame.lazy()).collect()["superseded"].to_list() == expected
    assert current_lines(frame)[c.CLAIM_ID].to_list() == [None, "M"]
