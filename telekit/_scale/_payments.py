"""Patient payments cut into the buckets of their claims, for the bounded-memory audit's
revenue-cycle metrics: a payment belongs to the claim its claim_id names, a claim to its person's
bucket (``Split.claim_buckets``, as remittances are routed: ``telekit._scale._remits``). A
payment of no claim of the input goes nowhere, as it matches nothing in the single-process
metrics either.

The rows are the reader's: ``tally_patient_payments`` reads them (one batch at a time, or the
file whole) and gives each part read to the ``PaymentRouter``, which writes them to per-bucket
Parquet pieces; a bucket's payments are read back in input order. Memory: one batch, and the
claim map the split already holds.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl

from telekit._core import _columns as c
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._io._maps import MapSpec
from telekit._scale._links import _HC, _h
from telekit._scale._remit_parts import PAYMENT_ORDER as _ORDER
from telekit._scale._remit_parts import PaymentParts
from telekit._scale._split import Split, _write_pieces
from telekit._scale._tally import tally_patient_payments


class PaymentRouter:
    """A ``tally_patient_payments`` sink writing each part's rows to the buckets of their claims
    under ``folder`` (one subfolder per source read, discarded whole when it is read again)."""

    def __init__(self, folder: Path, claim_buckets: pl.DataFrame) -> None:
        self.folder = folder
        self.claim_buckets = claim_buckets
        self.source = 0
        self.pieces = 0
        self.order = 0

    def _source(self) -> Path:
        return self.folder / f"{self.source:05d}"

    def begin(self) -> None:
        self.source += 1

    def discard(self) -> None:
        shutil.rmtree(self._source(), ignore_errors=True)

    def add(self, part: Table | Remittances) -> None:
        assert isinstance(part, Table)  # patient payments are a table
        frame = part.data.with_columns(
            (pl.int_range(pl.len(), dtype=pl.Int64) + self.order).alias(_ORDER)
        )
        self.order += frame.height
        routed = frame.with_columns(_h(c.CLAIM_ID).alias(_HC)).join(
            self.claim_buckets, on=_HC, how="inner"
        )
        if routed.height:
            self.pieces += 1
            _write_pieces(routed.drop(_HC), self._source(), self.pieces)


def split_patient_payments(
    source: str | Path,
    split: Split,
    *,
    map: str | Path | MapSpec | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> PaymentParts:
    """Cut the patient payments of ``source`` into the buckets of ``split``'s claims
    (``split.claim_buckets``) under ``split.work``."""
    assert split.claim_buckets is not None  # split_inputs(..., claim_buckets=True)
    folder = split.work / "payments-split"
    folder.mkdir(parents=True, exist_ok=True)
    router = PaymentRouter(folder, split.claim_buckets)
    router.begin()
    tally_patient_payments(
        source, map=map, work_dir=split.work / "payments-read", progress=progress, sink=router
    )
    shutil.rmtree(split.work / "payments-read", ignore_errors=True)
    return PaymentParts(folder)
