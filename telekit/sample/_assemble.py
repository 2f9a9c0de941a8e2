"""One chunk of the sample practice: planted cases + clean baseline, ids, remittances, truth.

A chunk is a set of persons with its own random streams (derived from ``(seed, chunk index)``)
and its own id ranges, so chunks can be generated and written one after another with bounded
memory, and the result does not depend on how many chunks were held at once.

Ids: persons are numbered by a random permutation (planted persons are not recognisable by
their id), encounters in encounter-date order, claims in submission order (ties by creation
order, which the planters rely on for FQ001/FQ004 tie-breaks), remittances in payment order.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from telekit._core import _columns as col
from telekit.sample import _model as m
from telekit.sample import _practice, _remit
from telekit.sample._case import CLAIM_FIELDS, COVERAGE_FIELDS, ENCOUNTER_FIELDS, Plant
from telekit.sample._planters import PLANTERS, Planter

CHUNK_ENCOUNTERS = 250_000  # encounters per chunk (memory stays bounded for any size)
FULL_PLAN_MIN = 1_000  # below this many encounters a chunk plants a subset of the planters
PLANTED_SHARE = 0.05  # of encounters, once the base plan is smaller than that
SMALL_BUDGET = 0.15  # of encounters, the planted budget of a small chunk

CLAIM_SCHEMA = {
    "claim_key": pl.Int64, "claim_line_number": pl.Int32, "person_key": pl.Int64,
    "payer": pl.String, "payer_type": pl.String, "freq": pl.String,
    "original_claim_key": pl.Int64, "icn_claim_key": pl.Int64, "rendering_npi": pl.String,
    "billing_npi": pl.String, "dos": pl.Int32, "submitted": pl.Int32, "pos": pl.String,
    "code": pl.String, "m1": pl.String, "m2": pl.String, "m3": pl.String, "m4": pl.String,
    "units": pl.Int32, "charge": pl.Int64, "dx1": pl.String, "dx2": pl.String, "dx3": pl.String,
    "encounter_key": pl.Int64, "link": pl.Boolean, "pay_lag": pl.Int32, "remit_hint": pl.String,
}  # fmt: skip
ENCOUNTER_SCHEMA = {
    "encounter_key": pl.Int64, "person_key": pl.Int64, "rendering_npi": pl.String,
    "date": pl.Int32, "modality": pl.String, "location": pl.String,
    "patient_state": pl.String, "provider_state": pl.String, "consent": pl.Boolean,
    "minutes": pl.Int32, "mdm": pl.String, "reason": pl.String, "device_days": pl.Int32,
    "psy_minutes": pl.Int32,
}  # fmt: skip
COVERAGE_SCHEMA = {
    "person_key": pl.Int64, "payer": pl.String, "payer_type": pl.String,
    "plan_name": pl.String, "start": pl.Int32, "end": pl.Int32,
    "telehealth_covered": pl.Boolean,
}  # fmt: skip
assert tuple(CLAIM_SCHEMA) == CLAIM_FIELDS
assert tuple(ENCOUNTER_SCHEMA) == ENCOUNTER_FIELDS
assert tuple(COVERAGE_SCHEMA) == COVERAGE_FIELDS

GROUND_TRUTH_SCHEMA = pl.Schema(
    {col.CLAIM_ID: pl.String(), col.CLAIM_LINE_NUMBER: pl.Int32(), "rule_code": pl.String()}
)


@dataclass(frozen=True)
class Widths:
    """Digits of each id: a chunk prefix (when there are several chunks) + the chunk's number."""

    chunk_digits: int

    def fmt(self, prefix: str, chunk: int, number: pl.Expr, digits: int) -> pl.Expr:
        global_number = pl.lit(chunk, pl.Int64) * (10**digits) + number.cast(pl.Int64)
        return pl.format(
            prefix + "{}", global_number.cast(pl.String).str.zfill(digits + self.chunk_digits)
        )


PERSON_DIGITS, CLAIM_DIGITS, ENCOUNTER_DIGITS, REMIT_DIGITS = 6, 7, 7, 6


@dataclass(frozen=True)
class Chunk:
    claims: pl.DataFrame
    encounters: pl.DataFrame
    coverage: pl.DataFrame
    remittances: pl.DataFrame
    adjustments: pl.DataFrame
    patient_payments: pl.DataFrame
    ground_truth: pl.DataFrame
    runs: Counter[str]


def chunk_sizes(size: int) -> list[int]:
    n = max(1, -(-size // CHUNK_ENCOUNTERS))
    base, extra = divmod(size, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def widths(size: int) -> Widths:
    n = len(chunk_sizes(size))
    return Widths(0 if n == 1 else len(str(n - 1)))


@cache
def _encounters_per_run() -> dict[str, int]:
    """Encounters one run of each planter adds (planters add a fixed number of encounters)."""
    counts = {}
    for p in PLANTERS:
        plant = Plant(random.Random(0))
        p.fn(plant)
        counts[p.name] = plant.encounters_used
    return counts


def plan(n_encounters: int) -> list[tuple[Planter, int]]:
    """How many times each planter runs in a chunk of ``n_encounters`` encounters.

    From ``FULL_PLAN_MIN`` encounters: every planter its base ``runs`` times a multiplier that
    keeps planted encounters near ``PLANTED_SHARE`` of the chunk once that exceeds the base plan.
    Below: planters round-robin across rules (each rule's first planter first) within
    ``SMALL_BUDGET`` of the encounters.
    """
    per_run = _encounters_per_run()
    base = sum(p.runs * per_run[p.name] for p in PLANTERS)
    if n_encounters >= FULL_PLAN_MIN:
        mult = max(1, round(PLANTED_SHARE * n_encounters / base))
        return [(p, p.runs * mult) for p in PLANTERS]
    budget = int(SMALL_BUDGET * n_encounters)
    groups: dict[str, list[Planter]] = {}
    for p in PLANTERS:
        groups.setdefault(p.rules[0] if p.rules else "negatives", []).append(p)
    chosen: Counter[str] = Counter()
    used = 0
    depth = 0
    while depth < max(len(g) for g in groups.values()):
        for group in groups.values():
            if depth < len(group):
                p = group[depth]
                if used + per_run[p.name] <= budget:
                    chosen[p.name] += 1
                    used += per_run[p.name]
        depth += 1
    return [(p, chosen[p.name]) for p in PLANTERS if chosen[p.name]]


def build(seed: int, chunk: int, n_encounters: int, w: Widths) -> Chunk:
    rng = np.random.default_rng([seed, chunk])
    plant = Plant(random.Random(int(rng.integers(0, 2**62))))
    for planter, runs in plan(n_encounters):
        for _ in range(runs):
            planter.fn(plant)
            plant.runs[planter.name] += 1
    keys = _practice.Keys(plant.persons_used, plant.encounters_used, plant.claims_used)
    bulk = _practice.generate(rng, max(0, n_encounters - plant.encounters_used), keys)

    claims = pl.concat(
        [
            pl.DataFrame(plant.claims, schema=CLAIM_SCHEMA, orient="row"),
            bulk.claims.select(pl.col(c).cast(t) for c, t in CLAIM_SCHEMA.items()),
        ]
    )
    encounters = pl.concat(
        [
            pl.DataFrame(plant.encounters, schema=ENCOUNTER_SCHEMA, orient="row"),
            bulk.encounters.select(pl.col(c).cast(t) for c, t in ENCOUNTER_SCHEMA.items()),
        ]
    )
    coverage = pl.concat(
        [
            pl.DataFrame(plant.coverage, schema=COVERAGE_SCHEMA, orient="row"),
            bulk.coverage.select(pl.col(c).cast(t) for c, t in COVERAGE_SCHEMA.items()),
        ]
    )
    n_persons = plant.persons_used + bulk.persons

    # --- ids -----------------------------------------------------------------------------------
    person_ids = pl.DataFrame(
        {"person_key": np.arange(n_persons), "pnum": rng.permutation(n_persons) + 1}
    ).with_columns(w.fmt("P", chunk, pl.col("pnum"), PERSON_DIGITS).alias(col.PERSON_ID))
    enc_ids = (
        encounters.select("encounter_key", "date")
        .sort("date", "encounter_key")
        .with_row_index("enum", offset=1)
        .select(
            "encounter_key",
            w.fmt("E", chunk, pl.col("enum"), ENCOUNTER_DIGITS).alias(col.ENCOUNTER_ID),
        )
    )
    claim_ids = (
        claims.group_by("claim_key")
        .agg(pl.col("submitted").first())
        .sort("submitted", "claim_key")
        .with_row_index("cnum", offset=1)
        .with_columns(w.fmt("C", chunk, pl.col("cnum"), CLAIM_DIGITS).alias(col.CLAIM_ID))
        .select("claim_key", col.CLAIM_ID, pl.col("submitted").alias("claim_submitted"))
    )
    pay_payer = pl.col(col.PAYER).replace(m.ALIASES)
    # the person's number across chunks (the digits of person_id): member ids never repeat
    person_number = pl.lit(chunk, pl.Int64) * 10**PERSON_DIGITS + pl.col("pnum")
    member = _member_id(person_number, pay_payer)

    lines = (
        claims.join(person_ids, on="person_key", how="left")
        .join(claim_ids, on="claim_key", how="left")
        .join(enc_ids, on="encounter_key", how="left")
        .join(
            claim_ids.select(
                pl.col("claim_key").alias("original_claim_key"),
                pl.col(col.CLAIM_ID).alias(col.ORIGINAL_CLAIM_ID),
            ),
            on="original_claim_key",
            how="left",
        )
        .join(
            claim_ids.select(
                pl.col("claim_key").alias("icn_claim_key"),
                _remit.icn(
                    pl.col(col.CLAIM_ID).str.slice(1),
                    pl.col("claim_submitted").cast(pl.Date),
                    "10",
                ).alias(col.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER),
            ),
            on="icn_claim_key",
            how="left",
        )
        .with_columns(
            pl.col("dos").cast(pl.Date),
            pl.col("submitted").cast(pl.Date),
            member.alias(col.MEMBER_ID),
            pl.concat_str(
                pl.col(col.CLAIM_ID), pl.lit("L"), pl.col(col.CLAIM_LINE_NUMBER).cast(pl.String)
            ).alias(col.LINE_CONTROL_NUMBER),
        )
    )
    out_claims = lines.select(
        col.CLAIM_ID,
        col.CLAIM_LINE_NUMBER,
        col.PERSON_ID,
        col.MEMBER_ID,
        col.PAYER,
        col.PAYER_TYPE,
        pl.col("freq").alias(col.CLAIM_FREQUENCY_CODE),
        col.ORIGINAL_CLAIM_ID,
        col.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER,
        col.RENDERING_NPI,
        col.BILLING_NPI,
        pl.col("dos").alias(col.CLAIM_LINE_START_DATE),
        pl.col("submitted").alias(col.CLAIM_SUBMITTED_DATE),
        pl.col("pos").alias(col.PLACE_OF_SERVICE_CODE),
        pl.col("code").alias(col.HCPCS_CODE),
        *(pl.col(f"m{i}").alias(name) for i, name in enumerate(col.MODIFIERS, start=1)),
        pl.col("units").alias(col.SERVICE_UNIT_QUANTITY),
        _cents_to_money("charge").alias(col.CHARGE_AMOUNT),
        *(
            pl.col(f"dx{i}").alias(name) if i <= 3 else pl.lit(None, pl.String).alias(name)
            for i, name in enumerate(col.DIAGNOSES, start=1)
        ),
        pl.when(pl.col("link")).then(pl.col(col.ENCOUNTER_ID)).alias(col.ENCOUNTER_ID),
        col.LINE_CONTROL_NUMBER,
    )
    out_claims = _conform(out_claims, col.CLAIMS).sort(col.CLAIM_ID, col.CLAIM_LINE_NUMBER)

    out_enc = (
        encounters.join(person_ids, on="person_key", how="left")
        .join(enc_ids, on="encounter_key", how="left")
        .select(
            col.ENCOUNTER_ID,
            col.PERSON_ID,
            col.RENDERING_NPI,
            pl.col("date").cast(pl.Date).alias(col.ENCOUNTER_DATE),
            pl.col("modality").alias(col.MODALITY),
            pl.col("location").alias(col.PATIENT_LOCATION),
            col.PATIENT_STATE,
            col.PROVIDER_STATE,
            pl.col("consent").alias(col.CONSENT_DOCUMENTED),
            pl.col("minutes").alias(col.TOTAL_MINUTES),
            pl.col("mdm").alias(col.MDM_LEVEL),
            pl.col("reason").alias(col.AUDIO_ONLY_REASON),
            pl.col("device_days").alias(col.DEVICE_DAYS),
            pl.col("psy_minutes").alias(col.PSYCHOTHERAPY_MINUTES),
        )
    )
    out_enc = _conform(out_enc, col.ENCOUNTERS).sort(col.ENCOUNTER_ID)

    out_cov = coverage.join(person_ids, on="person_key", how="left").select(
        col.PERSON_ID,
        col.PAYER,
        col.PAYER_TYPE,
        _member_id(person_number, pl.col(col.PAYER)).alias(col.MEMBER_ID),
        col.PLAN_NAME,
        pl.col("start").cast(pl.Date).alias(col.ENROLLMENT_START_DATE),
        pl.col("end").cast(pl.Date).alias(col.ENROLLMENT_END_DATE),
        col.TELEHEALTH_COVERED,
    )
    out_cov = _conform(out_cov, col.COVERAGE).sort(
        col.PERSON_ID, col.ENROLLMENT_START_DATE, col.PAYER
    )

    duals = coverage.group_by("person_key").agg(
        (
            pl.col("payer").is_in(["MEDICARE"]).any() & pl.col("payer").is_in(["NY MEDICAID"]).any()
        ).alias("dual")
    )
    lines = lines.join(duals, on="person_key", how="left").with_columns(
        pl.when(pl.col("dual") & (pl.col(col.PAYER) == "MEDICARE"))
        .then(pl.lit("NY MEDICAID"))
        .alias("secondary")
    )
    remits = _remit.build(
        lines.select(
            col.CLAIM_ID,
            pl.col(col.CLAIM_ID).str.slice(1).alias("claim_number"),
            col.CLAIM_LINE_NUMBER,
            col.PAYER,
            col.PAYER_TYPE,
            "freq",
            col.ORIGINAL_CLAIM_ID,
            "dos",
            "submitted",
            "code",
            "m1",
            "m2",
            "m3",
            "m4",
            "units",
            "pos",
            "charge",
            "pay_lag",
            "remit_hint",
            col.LINE_CONTROL_NUMBER,
            "secondary",
        ),
        rng,
        remit_id=lambda n: w.fmt("R", chunk, n, REMIT_DIGITS),
    )

    truth = pl.DataFrame(
        plant.truth,
        schema={"claim_key": pl.Int64, col.CLAIM_LINE_NUMBER: pl.Int32, "rule_code": pl.String},
        orient="row",
    )
    if truth.height != truth.unique().height:
        msg = "a planter declared the same finding twice"
        raise AssertionError(msg)
    ground_truth = (
        truth.join(claim_ids, on="claim_key", how="left")
        .select(col.CLAIM_ID, col.CLAIM_LINE_NUMBER, "rule_code")
        .sort(col.CLAIM_ID, col.CLAIM_LINE_NUMBER, "rule_code")
    )
    return Chunk(
        out_claims,
        out_enc,
        out_cov,
        remits.lines,
        remits.adjustments,
        remits.patient_payments,
        ground_truth,
        plant.runs,
    )


def providers() -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            col.NPI: [p.npi for p in m.PROVIDERS],
            col.PROVIDER_NAME: [p.name for p in m.PROVIDERS],
            col.PROVIDER_TYPE: [p.provider_type for p in m.PROVIDERS],
            col.LICENSED_STATES: [p.licensed_states for p in m.PROVIDERS],
        },
        schema={
            col.NPI: pl.String,
            col.PROVIDER_NAME: pl.String,
            col.PROVIDER_TYPE: pl.String,
            col.LICENSED_STATES: pl.String,
        },
    )
    return _conform(frame, col.PROVIDERS).sort(col.NPI)


def _cents_to_money(column: str) -> pl.Expr:
    return (pl.col(column).cast(pl.Decimal(38, 2)) / 100).cast(col.MONEY)


def _member_id(person_number: pl.Expr, payer: pl.Expr) -> pl.Expr:
    """A payer's member id for a person: the payer's prefix and nine digits (distinct for
    distinct person numbers below 10^9: the multiplier is invertible modulo 10^9)."""
    prefixes = {name: p.member_prefix for name, p in m.PAYERS.items()}
    salt = {name: (i + 1) * 104_729 for i, name in enumerate(m.PAYERS)}
    canonical = payer.replace(m.ALIASES)
    digits = (
        person_number.cast(pl.Int64) * 2_654_435_761
        + canonical.replace_strict(salt, default=0, return_dtype=pl.Int64)
    ) % 1_000_000_000
    return pl.concat_str(
        canonical.replace_strict(prefixes, default="X", return_dtype=pl.String),
        digits.cast(pl.String).str.zfill(9),
    )


def _conform(frame: pl.DataFrame, spec: col.TableSpec) -> pl.DataFrame:
    """Exactly the contract's columns, order and dtypes."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in spec.schema.items())
