"""The frame of telehealth visits and a reproducible sample of it (``telekit sample-visits``).

**Frame**: the visits of the claims that carry a DESIGN §5 telehealth line (a telehealth
indicator — POS 02 or 10, modifier 95, 93, GT, GQ, FQ or G0 — on a line that is neither CTBS
nor Q3014; ``telekit._engine._annotate``), superseded claims left out. A visit is the lines'
encounter_id when they have one, else (person_id, rendering_npi, DOS). The frame is ordered by
(visit date, person_id, rendering_npi, visit key) and numbered 1..N.

**Draw**: a simple random sample without replacement. Each frame unit gets, in frame order, the
next number of Python's ``random.Random(seed).random()`` (Mersenne Twister; the one part of the
``random`` module whose sequence Python guarantees across versions) and the ``n`` smallest are
drawn: the same seed gives the same sample in any telekit, but not the sample RAT-STATS draws
with that seed (RAT-STATS has its own generator). ``n`` past the frame draws every visit.

**Stratified by provider**: strata are the visits' rendering NPIs; the allocation is proportional
to stratum size by largest remainder (ties: the stratum first in NPI order), at least one visit
per stratum when ``n`` is at least the number of strata (taken from the strata allocated most
above their quota); each stratum is drawn as above with its own seed, the first 8 bytes of
SHA-256 of ``"{seed}:{npi}"``.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._annotate import annotate_lines
from telekit._policies._model import Policies

DOS = c.CLAIM_LINE_START_DATE
VISIT_KEY = "visit_key"
FRAME_NUMBER = "frame_number"
SAMPLE_NUMBER = "sample_number"
METHODS = {None: "simple random", "provider": "stratified by provider"}
FRAME_TEXT = (
    "visits (an encounter_id, else a person_id, rendering_npi and date of service) with at "
    "least one telehealth line: a telehealth indicator (POS 02 or 10; modifier 95, 93, GT, GQ, "
    "FQ or G0) on a line that is neither CTBS nor Q3014; superseded claims (replaced or voided) "
    "left out; ordered by date, person_id, rendering_npi and visit key, numbered from 1"
)
GENERATOR_NOTE = (
    "Drawn with Python's random.Random(seed).random() (Mersenne Twister): each visit of the "
    "frame, in frame order, gets the next number and the n smallest are drawn. The same seed "
    "gives the same sample in telekit, not in RAT-STATS, whose generator differs."
)


@dataclass(frozen=True)
class VisitSample:
    """The frame, the visits drawn and how (``allocation``: stratum → (frame size, drawn))."""

    frame: pl.DataFrame  # one row per visit: frame_number, visit key columns, stratum
    lines: pl.DataFrame  # the frame's claim lines with their visit_key
    drawn: pl.DataFrame  # the frame rows drawn, with sample_number
    n_requested: int
    seed: int
    method: str
    allocation: dict[str, tuple[int, int]]


def visit_frame(claims: pl.DataFrame, policies: Policies) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(visits, lines): the frame's visits numbered in frame order, and their claim lines (every
    line of a frame visit that is not superseded) with ``visit_key``."""
    annotated = annotate_lines(claims, None, policies).filter(~v.superseded)
    keyed = annotated.with_columns(
        pl.when(pl.col(c.ENCOUNTER_ID).is_not_null())
        .then(pl.concat_str(pl.lit("E|"), c.ENCOUNTER_ID))
        .otherwise(
            pl.concat_str(
                pl.lit("K|"),
                pl.col(c.PERSON_ID).fill_null(""),
                pl.lit("|"),
                pl.col(c.RENDERING_NPI).fill_null(""),
                pl.lit("|"),
                pl.col(DOS).cast(pl.String).fill_null(""),
            )
        )
        .alias(VISIT_KEY)
    )
    in_frame = keyed.filter(v.telehealth_line.fill_null(False)).select(VISIT_KEY).unique()
    lines = (
        keyed.join(in_frame, on=VISIT_KEY, how="semi")
        .select(*claims.columns, VISIT_KEY)
        .sort(DOS, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, nulls_last=True)
        .collect()
    )
    visits = (
        lines.group_by(VISIT_KEY)
        .agg(
            pl.col(c.ENCOUNTER_ID).first(),
            pl.col(c.PERSON_ID).first(),
            pl.col(c.RENDERING_NPI).first(),
            pl.col(DOS).first().alias(c.ENCOUNTER_DATE),
        )
        .sort(c.ENCOUNTER_DATE, c.PERSON_ID, c.RENDERING_NPI, VISIT_KEY, nulls_last=True)
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(FRAME_NUMBER),
            pl.col(c.ENCOUNTER_ID).fill_null(_derived_id()),
        )
    )
    return visits, lines


def _derived_id() -> pl.Expr:
    """A visit without an encounter_id: ``SV-`` and 16 hex of SHA-256 of its visit key, so the
    same export gives the same id (and it cannot be mistaken for the practice's own)."""
    return pl.col(VISIT_KEY).map_batches(
        lambda s: pl.Series(
            [f"SV-{hashlib.sha256(k.encode()).hexdigest()[:16].upper()}" for k in s.to_list()],
            dtype=pl.String,
        ),
        return_dtype=pl.String,
    )


def draw(size: int, n: int, seed: int) -> list[int]:
    """0-based positions of a simple random sample of ``n`` of ``size`` units (all when ``n``
    is at least ``size``), in ascending order; see the module docstring."""
    if n >= size:
        return list(range(size))
    rng = random.Random(seed)  # a statistical sample, not a secret
    keys = [rng.random() for _ in range(size)]
    return sorted(sorted(range(size), key=keys.__getitem__)[:n])


def stratum_seed(seed: int, stratum: str) -> int:
    """The seed of one stratum: the first 8 bytes of SHA-256 of ``"{seed}:{stratum}"``."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{stratum}".encode()).digest()[:8], "big")


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` over strata of ``sizes`` (largest remainder; at least
    one per stratum when ``n`` is at least the number of strata; never more than a stratum
    holds). The result sums to ``min(n, total)``."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    quota = {k: Fraction(n * s, total) for k, s in sizes.items()}
    alloc = {k: int(q) for k, q in quota.items()}
    order = sorted(sizes, key=lambda k: (-(quota[k] - alloc[k]), k))
    for k in order[: n - sum(alloc.values())]:
        alloc[k] += 1
    if n >= len(sizes):
        for k in sorted(sizes):
            if alloc[k] == 0:
                donor = max(
                    (d for d in sorted(sizes) if alloc[d] > 1),
                    key=lambda d: alloc[d] - quota[d],
                )
                alloc[donor] -= 1
                alloc[k] = 1
    return alloc


def sample_visits(
    claims: pl.DataFrame, policies: Policies, *, n: int, seed: int, by: str | None = None
) -> VisitSample:
    """The frame of ``claims``' telehealth visits and a sample of ``n`` of them (``by``:
    None for a simple random sample, ``"provider"`` for one stratified by rendering NPI)."""
    visits, lines = visit_frame(claims, policies)
    if by is None:
        picked = draw(visits.height, n, seed)
        drawn = visits[picked] if picked else visits.clear()
        allocation: dict[str, tuple[int, int]] = {}
    else:
        strata = visits.with_columns(pl.col(c.RENDERING_NPI).fill_null("(none)").alias("_stratum"))
        sizes = dict(strata.group_by("_stratum").len().sort("_stratum").iter_rows())
        alloc = allocate({str(k): int(s) for k, s in sizes.items()}, n)
        parts = []
        for stratum, k in alloc.items():
            units = strata.filter(pl.col("_stratum") == stratum).sort(FRAME_NUMBER)
            picked = draw(units.height, k, stratum_seed(seed, stratum))
            if picked:
                parts.append(units[picked].drop("_stratum"))
        drawn = pl.concat(parts) if parts else visits.clear()
        allocation = {k: (sizes[k], alloc[k]) for k in alloc}
    drawn = drawn.sort(FRAME_NUMBER).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(SAMPLE_NUMBER)
    )
    return VisitSample(
        frame=visits,
        lines=lines,
        drawn=drawn,
        n_requested=n,
        seed=seed,
        method=METHODS[by],
        allocation=allocation,
    )
