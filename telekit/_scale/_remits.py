"""Remittances cut into the buckets of their claims, for the bounded-memory audit: each bucket's
audit is given the ``Remittances`` of its own claims, so that line statuses, exposures, fixes
and EL005 are the single-process audit's.

Where a remittance goes
-----------------------
A remittance claim (remit_id, remit_claim_seq) belongs to the claim whose claim_id is its CLP01
(its first line's claim_id, as ``derive_claims`` takes it); a claim's bucket is its person's.
So its service lines (and, for an 835 file or a ``Remittances`` given, its claims row) go to the
bucket(s) of that claim_id, found on the 64-bit hash of the claim_id in a map of every claim of
the input (``claim_buckets``: one row per claim; a hash collision only adds a bucket where the
remittance matches nothing). Adjustments and remarks carry no claim_id: they follow their
remittance claim, through a map (remittance-claim hash -> bucket) built while the lines are
routed, after every source is read. A remittance whose claim_id matches no claim goes nowhere,
as it matches nothing in the single-process audit either.

Reading
-------
The rows are the reader's: ``tally_remittances`` reads every source as it does for the
accounting (Parquet and delimited text streamed one batch, or one bucket of remit_id hashes, at
a time through ``build_table``; XLSX and 835 files whole, one file at a time) and gives each
part read to the ``Router``. The lines of one remit_id are read together, so the claim of a
remittance claim and its payment date are decided as the reader decides them.

A bucket's ``Remittances`` are read back in input order; the claims of CSV-form remittances are
derived there (``derive_claims``) from the bucket's lines and adjustments, those of 835 files
and ``Remittances`` given are theirs. ``latest_payment_date`` is the latest remittance-claim
payment date of every remittance (matched or not): the default ``as_of``, as ``audit`` takes it.

Memory: one batch or one remit_id bucket of one source (about 1,000,000 rows), an 835 file
whole, up to 5,000,000 staged adjustment or remark rows while they are routed (``ROUTE_ROWS``:
about 0.4 GB), and the two maps, which grow with the input: 12 bytes per claim and per routed
remittance claim (about 0.05 GB per million claims; 12 bytes per routed remittance line while
the remittance map is made distinct). Both maps are sorted by their key, so a batch joined to
one costs the batch's rows, not the map's; only a batch's keys are joined, and its rows are
copied once, in bucket order (``write_routed``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

import polars as pl

from telekit._core import _columns as c
from telekit._core._columns import ADJUSTMENTS
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._io._maps import MapSpec
from telekit._read._arguments import RemittancesInput
from telekit._scale._links import _HC, _h
from telekit._scale._remit_parts import GIVEN, ORDER, SCHEMAS, RemitParts
from telekit._scale._split import (
    BUCKET,
    ROW_INDEX,
    ROW_POSITIONS,
    Split,
    join_sorted,
    sorted_distinct,
    write_routed,
    write_work,
)
from telekit._scale._tally import tally_remittances

RK = "__rk"  # hash of (remit_id, remit_claim_seq)
_CLAIM = "__claim"
_PAID = "__paid"  # a remittance claim's payment date
# staged adjustments and remarks (narrow: about 80 MB per million rows) routed together: a
# bucket gets one piece per 4,000,000 staged rows rather than one per staged batch (a batches x
# buckets count of small files, the one part of the routing that grew faster than its rows)
ROUTE_ROWS = 4_000_000


def _remit_key() -> pl.Expr:
    return pl.struct(c.REMIT_ID, c.REMIT_CLAIM_SEQ).hash(seed=0)


def _canonical(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """``frame`` with the columns of ``schema`` first (null where missing), then its others."""
    have = set(frame.columns)
    canonical = [
        pl.col(n).cast(t) if n in have else pl.lit(None, dtype=t).alias(n)
        for n, t in schema.items()
    ]
    return frame.select(*canonical, pl.exclude(*schema.names()))


def _latest(dates: pl.Series) -> date | None:
    value = dates.max()
    return value if isinstance(value, date) else None


def _groups(files: Sequence[Path], rows: int) -> Iterator[pl.DataFrame]:
    """The staged ``files`` read in order and concatenated into frames of at least ``rows`` rows
    (the last one fewer), each file whole: a bucket is given one piece per group, not one per
    staged batch."""
    pending: list[pl.DataFrame] = []
    held = 0
    for f in files:
        pending.append(pl.read_parquet(f))
        held += pending[-1].height
        if held >= rows:
            yield pl.concat(pending, how="diagonal")
            pending, held = [], 0
    if pending:
        yield pl.concat(pending, how="diagonal")


class Router:
    """A ``tally_remittances`` sink that writes each part's rows to the buckets of their claims
    under ``folder`` (one subfolder per source, so that a source read again is discarded
    whole). ``claim_buckets``: ``__hc`` (claim_id hash) and ``__bucket``, one row per claim and
    bucket."""

    def __init__(self, folder: Path, claim_buckets: pl.DataFrame) -> None:
        self.folder = folder
        self.claim_buckets = claim_buckets
        self.source = -1
        self.pieces = 0
        self.order = 0
        self.latest: dict[int, date | None] = {}

    def _source(self) -> Path:
        return self.folder / f"{max(self.source, 0):05d}"

    def begin(self) -> None:
        self.source += 1

    def discard(self) -> None:
        shutil.rmtree(self._source(), ignore_errors=True)
        self.latest.pop(max(self.source, 0), None)

    def _note_latest(self, value: date | None) -> None:
        key = max(self.source, 0)
        dates = [d for d in (self.latest.get(key), value) if d is not None]
        self.latest[key] = max(dates) if dates else None

    def _ordered(self, frame: pl.DataFrame, kind: str, *, given: bool) -> pl.DataFrame:
        out = _canonical(frame, SCHEMAS[kind]).with_columns(
            (pl.int_range(pl.len(), dtype=pl.Int64) + self.order).alias(ORDER),
            pl.lit(given).alias(GIVEN),
        )
        self.order += frame.height
        return out

    def _route(
        self, frame: pl.DataFrame, kind: str, claim: pl.Expr, paid: pl.Expr | None = None
    ) -> date | None:
        """Write ``frame``'s rows to the buckets of ``claim``, and their remittance claims to
        the map (one row per routed row: the map is made distinct once, in ``finish``). Only
        the keys are joined to the claim map; the rows are copied once, by ``write_routed``.
        The latest of ``paid`` over every row (routed or not), when given: computed with
        ``claim``, so that windows over the same remittance claims group the rows once."""
        keys = frame.select(
            claim.alias(_CLAIM),
            *([] if paid is None else [paid.alias(_PAID)]),
            _remit_key().alias(RK),
            ROW_POSITIONS,
        )
        latest = None if paid is None else _latest(keys.get_column(_PAID))
        routes = join_sorted(
            keys.select(_h(_CLAIM).alias(_HC), RK, ROW_INDEX), _HC, self.claim_buckets
        )
        if routes.height:
            self.pieces += 1
            (self._source() / "map").mkdir(parents=True, exist_ok=True)
            write_work(
                routes.select(RK, BUCKET), self._source() / "map" / f"{self.pieces:05d}.parquet"
            )
            write_routed(frame, routes, self._source() / kind, self.pieces)
        return latest

    def _stage(self, frame: pl.DataFrame, kind: str) -> None:
        """Rows that follow their remittance claim: kept until every source is routed."""
        if not frame.height:
            return
        self.pieces += 1
        folder = self._source() / f"stage-{kind}"
        folder.mkdir(parents=True, exist_ok=True)
        write_work(
            frame.with_columns(_remit_key().alias(RK)), folder / f"{self.pieces:05d}.parquet"
        )

    def add(self, part: Table | Remittances) -> None:
        if isinstance(part, Remittances):  # an 835 file (or Remittances given): claims its own
            claims = self._ordered(part.claims, "claims", given=True)
            self._route(claims, "claims", pl.col(c.CLAIM_ID))
            self._route(
                self._ordered(part.lines, "lines", given=True),
                "lines",
                pl.col(c.CLAIM_ID).first().over(c.REMIT_ID, c.REMIT_CLAIM_SEQ),
            )
            self._stage(self._ordered(part.adjustments, "adjustments", given=True), "adjustments")
            self._stage(self._ordered(part.remarks, "remarks", given=True), "remarks")
            self._note_latest(_latest(part.claims.get_column(c.PAYMENT_DATE)))
            return
        if part.name == ADJUSTMENTS.name:
            self._stage(self._ordered(part.data, "adjustments", given=False), "adjustments")
            return
        lines = self._ordered(part.data, "lines", given=False)
        # the remittance claim's claim and payment date as derive_claims takes them: its first
        # line's claim_id, its first payment date given (the lines of a remit_id are read
        # together)
        remit_claim = (c.REMIT_ID, c.REMIT_CLAIM_SEQ)
        latest = self._route(
            lines,
            "lines",
            pl.col(c.CLAIM_ID).first().over(*remit_claim),
            pl.col(c.PAYMENT_DATE).drop_nulls().first().over(*remit_claim),
        )
        self._note_latest(latest)

    def _sources(self) -> Iterator[Path]:
        return (p for p in sorted(self.folder.iterdir()) if p.is_dir())

    def finish(self) -> RemitParts:
        """Route the adjustments and remarks to the buckets of their remittance claims."""
        self.folder.mkdir(parents=True, exist_ok=True)
        maps = sorted(self.folder.glob("*/map/*.parquet"))
        remit_buckets = (  # sorted: each staged file's join costs its rows (see _claim_buckets)
            sorted_distinct(pl.read_parquet(maps), RK, BUCKET)
            if maps
            else pl.DataFrame(schema={RK: pl.UInt64, BUCKET: pl.UInt32})
        )
        for source in self._sources():
            for kind in ("adjustments", "remarks"):
                staged = sorted((source / f"stage-{kind}").glob("*.parquet"))
                for i, group in enumerate(_groups(staged, ROUTE_ROWS)):
                    keys = group.select(RK, ROW_POSITIONS)
                    routes = join_sorted(keys, RK, remit_buckets)
                    if routes.height:
                        write_routed(group.drop(RK), routes, source / kind, i)
                shutil.rmtree(source / f"stage-{kind}", ignore_errors=True)
        dates = [d for d in self.latest.values() if d is not None]
        return RemitParts(self.folder, max(dates) if dates else None)


def split_remittances(
    remittances: RemittancesInput,
    split: Split,
    *,
    adjustments: str | Path | Sequence[str | Path] | None = None,
    map: str | Path | MapSpec | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> RemitParts:
    """Cut ``remittances`` (paths as ``read_remittances`` takes them, with ``adjustments``, or a
    ``Remittances``) into the buckets of ``split``'s claims (``split.claim_buckets``) under
    ``split.work`` (see the module doc)."""
    assert split.claim_buckets is not None  # split_inputs(..., claim_buckets=True)
    router = Router(split.work / "remittances-split", split.claim_buckets)
    if isinstance(remittances, Remittances):
        router.begin()
        router.add(remittances)
    else:
        sources = [remittances] if isinstance(remittances, str | Path) else list(remittances)
        extra = [adjustments] if isinstance(adjustments, str | Path) else adjustments
        tally_remittances(
            sources,
            adjustments=None if extra is None else list(extra),
            map=map,
            work_dir=split.work / "remittances-read",
            progress=progress,
            sink=router,
        )
        shutil.rmtree(split.work / "remittances-read", ignore_errors=True)
    progress("routing remittance adjustments")
    return router.finish()
