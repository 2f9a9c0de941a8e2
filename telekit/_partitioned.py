"""The bounded-memory audit: split the inputs into buckets of whole persons, audit each bucket with
the same engine (``telekit.audit``), merge.

Why a bucket audits alone
-------------------------
Every rule reads either one line, or lines of one person (the FQ and AD windows, TM004, FQ004
and FQ005 keys start with person_id; DC001 is person + rendering NPI; EL joins coverage by
person), or the lines of one claim (CD004). The annotation joins a line to its encounter by
encounter_id, else by (person, NPI, date), and marks a claim superseded when a frequency 7/8
claim names it. So a bucket must hold, with each person, every row that person's lines can
meet. Persons are *linked* (put in one bucket) when:

- two of them bill lines under one claim_id (CD004 and the reader's duplicate key
  claim_id + claim_line_number);
- a frequency 7/8 claim of one names as original_claim_id a claim of the other (superseded);
- a line of one points, by encounter_id, at an encounter of the other, or encounter rows of
  both share an encounter_id (the encounters' duplicate key).

An encounter without person_id goes to the bucket of the lines that point at it (they are all
linked together); one no line points at goes to bucket 0, where nothing can join it. Coverage
rows follow their person; providers are small and given whole to every bucket. The generator
never links two persons (a correction copies its original's person), but real data can, so the
links are computed, not assumed. Linking is on 64-bit hashes of the coerced keys: a collision
only merges two buckets, which is never wrong.

Buckets are ``hash(root person) % K`` with polars' ``Expr.hash(seed=0)``. The hash is stable
within one polars version only, which is enough: which bucket a person lands in changes how the
work is cut, never a finding.

Reading
-------
Parquet (a file or a folder of parts), UTF-8 delimited text and frames are streamed: a first
pass reads only the key columns (coerced exactly as the reader does), a second writes each
batch's raw cells to per-bucket Parquet pieces with the row number the reader would give
(Parquet: the index; CSV: the physical line where the record starts). Each bucket is then read
by the reader's own ``build_table``, so coercion, rejects and their row numbers are the
reader's. Delimited text in another encoding (cp1252, latin-1, UTF-16, an ``encoding``
option) or with a lone CR among its line ends is first transcoded to a UTF-8 text file with
the same physical lines, which keeps the reject row numbers of the original. Empty rows go to
a bucket like any other and are skipped (and counted) by ``build_table`` there; rows wider
than the header carry their reason (``ROW_REASON``) into the pieces. XLSX (at most 1,048,576
rows), X12 and CSV whose records the line scan cannot align are read whole by the reader, then
split.

Merging
-------
Findings are concatenated and sorted by (claim_id, claim_line_number, rule_code); rejects per
table sorted by row number; accounting summed; unknown codes summed. Rule statuses: whether a
rule is skipped or partial for a missing table or column is the same in every bucket; a rule
that is partial because of lines it cannot judge (``partial_when``, e.g. TH001 for a DOS year
without a shipped list) is partial when any bucket has such lines, and its reason counts the
lines of every bucket. ``as_of`` defaults to the latest DOS of all buckets.

Memory
------
Set by one bucket (``bucket_lines``, 500,000 claim lines: about 2 GB while it is audited) and
one split batch (1,000,000 rows; Parquet parts are sliced so that only the batch's row groups
are decoded). Only the link pass grows with the input: it holds 64-bit hashes of the keys, about
0.13 GB per million claim lines. Figures: ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import polars as pl

from telekit import codesets
from telekit._audit import FINDINGS_SCHEMA, AuditResult, TableInput, audit
from telekit._core import _columns as c
from telekit._core._columns import REJECTS_SCHEMA, TABLES
from telekit._core._table import Table
from telekit._io import _stream
from telekit._io._stream import (
    ROW,
    _check_columns,
    _coerced_keys,
    _MisalignedError,
    _Stream,
    _stream_of,
)
from telekit._maps import MapSpec, TableMap
from telekit._policies import Policies, load_policies
from telekit._readers import (
    _PARQUET_MAGIC,
    RawSource,
    build_table,
    read_table,
    resolve_map,
)
from telekit._remittances import Remittances, _is_adjustments, plan_sources, read_source
from telekit.rules import REGISTRY

__all__ = [
    "BUCKET_LINES",
    "PartitionedAuditResult",
    "Split",
    "Tally",
    "audit_bucket",
    "audit_partitioned",
    "available_memory",
    "merge",
    "should_partition",
    "split_inputs",
    "tally_patient_payments",
    "tally_remittances",
    "threshold_rows",
    "work_folder",
]

BUCKET = "__bucket"
POS = "__pos"  # order of a table read whole
BUCKET_LINES = 500_000  # claim lines per bucket (about 2 GB of audit working memory)
THRESHOLD_ROWS = 2_000_000  # `telekit audit` partitions past this many claim rows ...
THRESHOLD_BYTES = 300_000_000  # ... or a claims file past this size
SINGLE_BYTES_PER_LINE = 4_000  # telekit audit's single path: 3.8 GB per 1M lines (RESULTS.md)
CSV_BYTES_PER_LINE = 160  # a claims CSV line as the generator writes it (data/samples: 166)
_SPLIT_TABLES = ("claims", "encounters", "coverage")
_KEYS: dict[str, tuple[str, ...]] = {
    "claims": (
        c.PERSON_ID,
        c.CLAIM_ID,
        c.ENCOUNTER_ID,
        c.ORIGINAL_CLAIM_ID,
        c.CLAIM_FREQUENCY_CODE,
    ),
    "encounters": (c.PERSON_ID, c.ENCOUNTER_ID),
    "coverage": (c.PERSON_ID,),
    "remittances": (c.REMIT_ID,),  # the first column of its duplicate key (tally_remittances)
}
_HP, _HC, _HE, _HO = "__hp", "__hc", "__he", "__ho"


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """A one-line progress display on a terminal (``\\r``-rewritten), or nothing."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, text: str) -> None:
        if self.stream is None:
            return
        elapsed = int(time.monotonic() - self.start)
        self.stream.write(f"\r\x1b[2Ktelekit audit: {text} · {elapsed // 60}:{elapsed % 60:02d}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.stream is not None and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _progress(progress: bool | Callable[[str], None]) -> Callable[[str], None]:
    if callable(progress):
        return progress
    return Progress(sys.stderr if progress else None)


# --- links -------------------------------------------------------------------------------------


def _h(name: str) -> pl.Expr:
    return pl.when(pl.col(name).is_not_null()).then(pl.col(name).hash(seed=0))


def _claim_hashes(keys: pl.LazyFrame) -> pl.LazyFrame:
    replacing = pl.col(c.CLAIM_FREQUENCY_CODE).is_in(["7", "8"]).fill_null(value=False)
    return keys.select(
        _h(c.PERSON_ID).alias(_HP),
        _h(c.CLAIM_ID).alias(_HC),
        _h(c.ENCOUNTER_ID).alias(_HE),
        pl.when(replacing).then(_h(c.ORIGINAL_CLAIM_ID)).alias(_HO),
    )


def _group_edges(pairs: pl.LazyFrame, key: str) -> pl.DataFrame:
    """Edges (a, b): each person of a ``key`` group holding more than one person, and the
    group's smallest person. One streaming aggregation (min and max person per key) finds the
    groups; only when some exist is the input joined back to them."""
    valid = pairs.filter(pl.col(key).is_not_null() & pl.col(_HP).is_not_null())
    multi = (
        valid.group_by(key)
        .agg(pl.col(_HP).min().alias("b"), pl.col(_HP).max().alias("_max"))
        .filter(pl.col("b") != pl.col("_max"))
        .select(key, "b")
        .collect(engine="streaming")
    )
    if not multi.height:
        return pl.DataFrame(schema={"a": pl.UInt64, "b": pl.UInt64})
    return (
        valid.join(multi.lazy(), on=key, how="inner")
        .select(pl.col(_HP).alias("a"), "b")
        .filter(pl.col("a") != pl.col("b"))
        .unique()
        .collect(engine="streaming")
    )


def components(edges: pl.DataFrame) -> pl.DataFrame:
    """``node`` → ``root`` (the smallest node of its connected component) for every node of an
    edge list (a, b); label propagation with pointer jumping, whole-frame joins per round."""
    both = pl.concat(
        [edges.select("a", "b"), edges.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]
    ).unique()
    labels = both.select(pl.col("a").alias("node")).unique().with_columns(root=pl.col("node"))
    while True:
        neighbour = (
            both.join(labels, left_on="b", right_on="node", how="inner")
            .group_by("a")
            .agg(pl.col("root").min().alias("_nb"))
        )
        step = labels.join(neighbour, left_on="node", right_on="a", how="left").select(
            "node", pl.min_horizontal("root", "_nb").alias("root")
        )
        jumped = step.join(
            step.select(pl.col("node").alias("root"), pl.col("root").alias("_rr")),
            on="root",
            how="left",
        ).select("node", pl.min_horizontal("root", "_rr").alias("root"))
        if jumped.sort("node").equals(labels.sort("node")):
            return jumped
        labels = jumped


@dataclass(frozen=True)
class Links:
    """Where a row goes: persons linked to a root (hashes), owners of person-less encounters."""

    roots: pl.DataFrame  # node, root (UInt64), only where they differ
    owners: pl.DataFrame  # __he, owner (UInt64): the root of the lines pointing at it
    buckets: int

    def person_bucket(self, hp: pl.Expr) -> pl.Expr:
        root = hp
        if self.roots.height:
            root = hp.replace(self.roots.get_column("node"), self.roots.get_column("root"))
        return (root % self.buckets).fill_null(0).cast(pl.UInt32)

    def encounter_bucket(self, hp: pl.Expr, he: pl.Expr) -> pl.Expr:
        owner = pl.lit(None, pl.UInt64)
        if self.owners.height:
            owner = he.replace_strict(
                self.owners.get_column(_HE),
                self.owners.get_column("owner"),
                default=None,
                return_dtype=pl.UInt64,
            )
        return self.person_bucket(pl.coalesce(hp, owner))


def _links(claims: pl.DataFrame, encounters: pl.DataFrame | None, buckets: int) -> Links:
    """``claims``: __hp, __hc, __he, __ho per line; ``encounters``: __hp, __he per row."""
    edges = [_group_edges(claims.lazy().select(_HC, _HP), _HC)]
    replacing = claims.filter(pl.col(_HO).is_not_null()).select(_HO, pl.col(_HP).alias("a"))
    if replacing.height:
        originals = (
            claims.select(_HC, _HP)
            .join(replacing.select(pl.col(_HO).alias(_HC)).unique(), on=_HC, how="semi")
            .unique()
        )
        edges.append(
            replacing.join(originals, left_on=_HO, right_on=_HC, how="inner")
            .select("a", pl.col(_HP).alias("b"))
            .filter(pl.col("a").is_not_null() & pl.col("b").is_not_null())
            .filter(pl.col("a") != pl.col("b"))
        )
    owners = pl.DataFrame(schema={_HE: pl.UInt64, "owner": pl.UInt64})
    line_refs = claims.select(_HE, _HP).filter(pl.col(_HE).is_not_null())
    if encounters is not None:
        pairs = pl.concat([line_refs.lazy(), encounters.lazy().select(_HE, _HP)])
        edges.append(_group_edges(pairs, _HE))
        orphans = encounters.filter(pl.col(_HP).is_null() & pl.col(_HE).is_not_null())
        if orphans.height:
            owners = (
                line_refs.join(orphans.select(_HE).unique(), on=_HE, how="semi")
                .filter(pl.col(_HP).is_not_null())
                .group_by(_HE)
                .agg(pl.col(_HP).min().alias("owner"))
            )
    all_edges = pl.concat(edges).unique()
    roots = pl.DataFrame(schema={"node": pl.UInt64, "root": pl.UInt64})
    if all_edges.height:
        roots = components(all_edges).filter(pl.col("node") != pl.col("root"))
    if owners.height and roots.height:
        owners = owners.with_columns(
            pl.col("owner").replace(roots.get_column("node"), roots.get_column("root"))
        )
    return Links(roots=roots, owners=owners, buckets=buckets)


# --- the split ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One table as the buckets read it: raw pieces (``build_table`` per bucket) or, for a
    table read whole, coerced pieces whose rejects were taken once (``rejects``)."""

    table: str
    folder: Path
    name: str
    path: str
    headers: tuple[str, ...]
    entries: TableMap
    schema: pl.Schema  # of a piece
    coerced: bool = False
    columns_given: tuple[str, ...] = ()
    dropped_columns: tuple[str, ...] = ()
    rows_in: int = 0  # coerced: the whole table's rows_in
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTS_SCHEMA))
    skip_empty: bool = False  # raw text pieces: empty rows are skipped (and counted) per bucket
    rows_skipped: int = 0  # coerced: the whole table's rows_skipped

    def bucket_table(self, k: int) -> Table:
        """The table of bucket ``k``, in input order."""
        files = sorted((self.folder / f"{k:05d}").glob("*.parquet"))
        frame = pl.read_parquet(files) if files else pl.DataFrame(schema=self.schema)
        if self.coerced:
            data = frame.sort(POS).drop(POS)
            return Table(
                name=self.table,
                data=data,
                rows_in=data.height,
                source=self.path,
                columns_given=self.columns_given,
                dropped_columns=self.dropped_columns,
            )
        raw = RawSource(self.name, self.path, self.headers, frame.sort(ROW), self.skip_empty)
        return build_table(TABLES[self.table], raw, self.entries)


@dataclass(frozen=True)
class Split:
    """The inputs cut into ``buckets`` buckets of whole persons under ``work``."""

    work: Path
    buckets: int
    parts: dict[str, Part]  # claims, and encounters / coverage when given
    providers: Table | None
    lines: int  # claim rows in the input (rejected ones included)


def _write_pieces(frame: pl.DataFrame, folder: Path, batch: int) -> None:
    """One Parquet piece per bucket present in ``frame`` (sorted by bucket, then sliced: one
    gather, faster than ``partition_by``; the order inside a piece does not matter, a bucket is
    put back in input order when read)."""
    ordered = frame.sort(BUCKET)
    counts = ordered.get_column(BUCKET).value_counts(sort=False).sort(BUCKET)
    offset = 0
    for k, n in counts.iter_rows():  # one row per bucket
        target = folder / f"{k:05d}"
        target.mkdir(parents=True, exist_ok=True)
        piece = ordered.slice(offset, n).drop(BUCKET)
        piece.write_parquet(target / f"{batch:05d}.parquet", statistics=False)
        offset += n


def _bucket_expr(table: str, links: Links) -> pl.Expr:
    if table == "encounters":
        return links.encounter_bucket(_h(c.PERSON_ID), _h(c.ENCOUNTER_ID))
    return links.person_bucket(_h(c.PERSON_ID))


def _split_stream(
    stream: _Stream, bucket_of: pl.Expr, folder: Path, note: Callable[[str], None]
) -> Part:
    """Write ``stream`` as per-bucket raw pieces under ``folder``; ``bucket_of`` is computed
    over the coerced key columns (``_KEYS``)."""
    rows = 0
    schema: pl.Schema | None = None
    note(f"splitting {stream.table}")
    for i, batch in enumerate(stream.batches()):
        keys = _coerced_keys(stream, batch.lazy(), _KEYS[stream.table])
        bucket = keys.select(bucket_of.alias(BUCKET)).collect()
        _write_pieces(batch.hstack(bucket), folder, i)
        schema = batch.schema
        rows += batch.height
        note(f"splitting {stream.table}: {rows:,} rows")
    if schema is None:
        schema = pl.Schema({**stream.lazy.collect_schema(), ROW: pl.Int64()})
    return Part(
        stream.table,
        folder,
        stream.name,
        stream.path,
        stream.headers,
        stream.entries,
        schema,
        skip_empty=stream.csv is not None,
    )


def _split_whole(table: Table, links: Links, folder: Path) -> Part:
    data = table.data.with_row_index(POS)
    bucket = data.select(_bucket_expr(table.name, links).alias(BUCKET))
    data = data.hstack(bucket)
    for start in range(0, max(data.height, 1), _stream.BATCH_ROWS):
        _write_pieces(data.slice(start, _stream.BATCH_ROWS), folder, start // _stream.BATCH_ROWS)
    return Part(
        table.name,
        folder,
        Path(table.source).name,
        table.source,
        (),
        TableMap(),
        data.drop(BUCKET).schema,
        coerced=True,
        columns_given=table.columns_given,
        dropped_columns=table.dropped_columns,
        rows_in=table.rows_in,
        rejects=table.rejects,
        rows_skipped=table.rows_skipped,
    )


Opened = _Stream | Table


@contextmanager
def work_folder(work_dir: str | Path | None, prefix: str) -> Iterator[Path]:
    """``work_dir`` (created if missing and left in place), or a temporary folder named
    ``prefix…`` that is removed at the end."""
    if work_dir is not None:
        work = Path(work_dir)
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _open(
    table: str, source: TableInput, mapping: str | Path | MapSpec | None, work: Path
) -> Opened:
    """A stream when the source can be streamed, else the reader's whole ``Table`` (XLSX, X12,
    a missing file: the reader's own error)."""
    if isinstance(source, Table):
        return source
    entries = resolve_map(TABLES[table], None, None, mapping, None)
    stream = _stream_of(table, source, entries, work)
    return read_table(table, source, map=mapping) if stream is None else stream


def _key_hashes(opened: Opened) -> pl.DataFrame:
    if isinstance(opened, Table):
        keys = opened.data.lazy().select(*_KEYS[opened.name])
        reading: Any = contextlib.nullcontext()
    else:
        keys = opened.key_frame(_KEYS[opened.table])
        reading = opened.reading()
    with reading:
        if opened_table(opened) == "claims":
            return _claim_hashes(keys).collect(engine="streaming")
        return keys.select(_h(c.PERSON_ID).alias(_HP), _h(c.ENCOUNTER_ID).alias(_HE)).collect(
            engine="streaming"
        )


def opened_table(opened: Opened) -> str:
    return opened.name if isinstance(opened, Table) else opened.table


def split_inputs(
    claims: TableInput,
    *,
    encounters: TableInput | None = None,
    coverage: TableInput | None = None,
    providers: TableInput | None = None,
    map: str | Path | MapSpec | None = None,
    work: Path,
    buckets: int | None = None,
    min_buckets: int = 1,
    bucket_lines: int = BUCKET_LINES,
    progress: Callable[[str], None] = lambda _: None,
) -> Split:
    """Cut the inputs into buckets of whole persons under ``work`` (see the module doc)."""
    given = {"claims": claims, "encounters": encounters, "coverage": coverage}
    opened: dict[str, Opened] = {}
    for table, source in given.items():
        if source is None:
            continue
        one = _open(table, source, map, work)
        if isinstance(one, _Stream):
            _check_columns(one)
        opened[table] = one
    progress("reading keys of claims")
    claim_keys = _key_hashes(opened["claims"])
    lines = claim_keys.height
    if buckets is None:
        buckets = math.ceil(lines / bucket_lines)
    buckets = max(buckets, min_buckets, 1)
    encounter_keys = None
    if "encounters" in opened:
        progress("reading keys of encounters")
        encounter_keys = _key_hashes(opened["encounters"])
    links = _links(claim_keys, encounter_keys, buckets)
    del claim_keys, encounter_keys
    parts: dict[str, Part] = {}
    for table, one in opened.items():
        folder = work / table
        if isinstance(one, Table):
            parts[table] = _split_whole(one, links, folder)
            continue
        try:
            parts[table] = _split_stream(one, _bucket_expr(table, links), folder, progress)
        except _MisalignedError:  # records the line scan cannot number: the reader reads it whole
            shutil.rmtree(folder, ignore_errors=True)
            whole = read_table(table, Path(str(given[table])), map=map)
            parts[table] = _split_whole(whole, links, folder)
    provider_table = None
    if providers is not None:
        provider_table = (
            providers
            if isinstance(providers, Table)
            else read_table("providers", providers, map=map)
        )
    return Split(work=work, buckets=buckets, parts=parts, providers=provider_table, lines=lines)


# --- the audit of one bucket and the merge -----------------------------------------------------


@dataclass(frozen=True)
class BucketResult:
    """What one bucket's audit gives the merge."""

    bucket: int
    findings: pl.DataFrame
    rules: pl.DataFrame
    unknown_codes: dict[str, int]
    as_of: date | None
    # table -> (rows_in, rows_audited, rejects, rows_skipped)
    tables: dict[str, tuple[int, int, pl.DataFrame, int]]
    dropped_columns: dict[str, list[str]]
    sources: dict[str, str]


def audit_bucket(
    split: Split,
    k: int,
    providers: Table | None,
    policies: Policies,
    telehealth_list: pl.DataFrame | None = None,
) -> BucketResult:
    """Audit bucket ``k`` of ``split`` with ``telekit.audit`` (also the Dask task)."""
    tables = {name: part.bucket_table(k) for name, part in split.parts.items()}
    result = audit(
        tables["claims"],
        encounters=tables.get("encounters"),
        coverage=tables.get("coverage"),
        providers=providers,
        policies=policies,
        telehealth_list=telehealth_list,
    )
    out = BucketResult(
        bucket=k,
        findings=result.findings,
        rules=result.rules,
        unknown_codes=result.unknown_codes,
        as_of=result.as_of if tables["claims"].data.height else None,
        tables={
            n: (t.rows_in, t.data.height, t.rejects, t.rows_skipped) for n, t in tables.items()
        },
        dropped_columns={n: list(t.dropped_columns) for n, t in tables.items()},
        sources={n: t.source for n, t in tables.items()},
    )
    del result, tables
    gc.collect()
    return out


def _partial_suffix(code: str) -> str | None:
    rule = REGISTRY[code]
    return None if rule.partial_when is None else f" lines not judged: {rule.partial_reason}"


def merge_rules(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One status per rule from every bucket's (see the module doc)."""
    first = frames[0]
    rows = []
    for row in first.iter_rows(named=True):
        code = row["rule_code"]
        suffix = _partial_suffix(code)
        judged = [f.filter(pl.col("rule_code") == code).row(0, named=True) for f in frames]
        counted = [
            int(r["reason"].removesuffix(suffix))
            for r in judged
            if suffix is not None and r["reason"] is not None and r["reason"].endswith(suffix)
        ]
        rows.append(
            {**row, "status": "partial", "reason": f"{sum(counted)}{suffix}"} if counted else row
        )
    return pl.DataFrame(rows, schema=first.schema)


@dataclass(frozen=True)
class PartitionedAuditResult(AuditResult):
    """An ``AuditResult`` whose lines were audited bucket by bucket and are not held in memory:
    ``claims``, ``encounters`` and ``coverage`` are empty frames with the canonical columns (read
    the inputs again to look at them); findings, rejects, accounting, rule statuses and the
    summary are those of the single-process audit."""

    lines_audited: int = 0
    buckets: int = 0

    def __repr__(self) -> str:
        n = self.counts()
        return (
            f"AuditResult({self.lines_audited} lines audited in {self.buckets} buckets, "
            f"{n['error']} error, {n['warning']} warning, {n['info']} info, "
            f"${self.dollars_at_risk:,.2f} at risk)"
        )

    def _repr_html_(self) -> str:
        html = super()._repr_html_()
        return html.replace(
            f"{self.claims.height:,} lines audited", f"{self.lines_audited:,} lines audited", 1
        )


def merge(
    split: Split,
    results: list[BucketResult],
    *,
    policies: Policies,
    as_of: date | None,
    run_at: datetime,
    findings: pl.DataFrame | None = None,
) -> PartitionedAuditResult:
    """The single-process ``AuditResult`` from the buckets' results."""
    results = sorted(results, key=lambda r: r.bucket)
    if findings is None:
        findings = pl.concat([r.findings for r in results], how="vertical")
    findings = findings.cast(FINDINGS_SCHEMA).sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code")
    accounting_rows = []
    rejects = []
    for name, part in split.parts.items():
        per_bucket = [r.tables[name] for r in results]
        table_rejects = pl.concat([part.rejects, *(t[2] for t in per_bucket)]).sort(
            "row_number", maintain_order=True
        )
        rows_in = part.rows_in if part.coerced else sum(t[0] for t in per_bucket)
        skipped = part.rows_skipped if part.coerced else sum(t[3] for t in per_bucket)
        audited = sum(t[1] for t in per_bucket)
        accounting_rows.append((name, rows_in, audited, table_rejects.height, skipped))
        rejects.append(table_rejects)
    sources = dict(results[0].sources)
    dropped = {n: results[0].dropped_columns[n] for n in split.parts}
    if split.providers is not None:
        p = split.providers
        accounting_rows.append(
            ("providers", p.rows_in, p.data.height, p.rejects.height, p.rows_skipped)
        )
        rejects.append(p.rejects)
        sources["providers"] = p.source
        dropped["providers"] = list(p.dropped_columns)
    accounting = pl.DataFrame(
        accounting_rows,
        schema={
            "table": pl.String,
            "rows_in": pl.Int64,
            "rows_audited": pl.Int64,
            "rows_rejected": pl.Int64,
            "rows_skipped": pl.Int64,
        },
        orient="row",
    )
    if as_of is None:
        dates = [r.as_of for r in results if r.as_of is not None]
        as_of = max(dates) if dates else None
    unknown: Counter[str] = Counter()
    for r in results:
        unknown.update(r.unknown_codes)

    def empty(table: str) -> pl.DataFrame | None:
        return pl.DataFrame(schema=TABLES[table].schema) if table in split.parts else None

    claims_audited = int(accounting.filter(pl.col("table") == "claims")["rows_audited"].sum())
    return PartitionedAuditResult(
        findings=findings,
        rejects=pl.concat(rejects, how="vertical"),
        claims=pl.DataFrame(schema=TABLES["claims"].schema),
        encounters=empty("encounters"),
        coverage=empty("coverage"),
        providers=None if split.providers is None else split.providers.data,
        policies=policies,
        as_of=as_of,
        run_at=run_at,
        code_set_version=codesets.CODE_SET_VERSION,
        accounting=accounting,
        rules=merge_rules([r.rules for r in results]),
        unknown_codes=dict(sorted(unknown.items())),
        dropped_columns=dropped,
        sources=sources,
        lines_audited=claims_audited,
        buckets=split.buckets,
    )


# --- remittances and patient payments, tallied in bounded memory -------------------------------


@dataclass(frozen=True)
class Tally:
    """What ``telekit audit`` reports of a table it does not audit line by line (remittances,
    patient payments) on the partitioned path: its accounting, its rejects and the latest
    remittance payment date (the default ``as_of``). The rows themselves are not kept."""

    rows_in: int = 0
    rows_audited: int = 0
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTS_SCHEMA))
    latest_payment_date: date | None = None
    dropped_columns: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    rows_skipped: int = 0

    @classmethod
    def of_table(cls, table: Table) -> Tally:
        """The tally of a table read whole (remittance lines: with their latest payment date)."""
        latest = None
        if table.name == "remittances" and table.data.height:
            latest = table.data.get_column(c.PAYMENT_DATE).max()
        return cls(
            table.rows_in,
            table.data.height,
            table.rejects,
            latest,  # type: ignore[arg-type]
            table.dropped_columns,
            (table.source,),
            table.rows_skipped,
        )

    @classmethod
    def of_remittances(cls, remits: Remittances) -> Tally:
        """The tally of remittances read whole (``read_remittances``)."""
        lines = remits.lines
        latest = lines.get_column(c.PAYMENT_DATE).max() if lines.height else None
        return cls(
            remits.rows_in,
            lines.height + remits.adjustments.height,
            remits.rejects,
            latest,  # type: ignore[arg-type]
            remits.dropped_columns,
            remits.sources,
            remits.rows_skipped,
        )

    def __add__(self, other: Tally) -> Tally:
        dates = [d for d in (self.latest_payment_date, other.latest_payment_date) if d]
        return Tally(
            self.rows_in + other.rows_in,
            self.rows_audited + other.rows_audited,
            pl.concat([self.rejects, other.rejects]),
            max(dates) if dates else None,
            tuple(dict.fromkeys(self.dropped_columns + other.dropped_columns)),
            tuple(dict.fromkeys(self.sources + other.sources)),
            self.rows_skipped + other.rows_skipped,
        )


def _stream_rows(stream: _Stream) -> int:
    """Records in ``stream`` (an estimate for CSV: blank physical lines count)."""
    if stream.parts is not None:
        return sum(part.select(pl.len()).collect().item() for part in stream.parts)
    if stream.csv is not None:
        layout = stream.csv
        return layout.lines_total if layout.starts is None else layout.starts.len()
    return int(stream.lazy.select(pl.len()).collect().item())


def _tally_stream(stream: _Stream, work: Path, note: Callable[[str], None]) -> Tally:
    """Read ``stream`` by the reader's ``build_table`` one batch (no duplicate key) or one
    bucket of key hashes (remittance lines: duplicates of remit_id + remit_claim_seq + svc_seq
    meet in one bucket) at a time, so that rejects and their row numbers are the reader's."""
    _check_columns(stream)
    spec = TABLES[stream.table]
    total = Tally()
    if not spec.key:
        for batch in stream.batches():
            raw = RawSource(stream.name, stream.path, stream.headers, batch, stream.csv is not None)
            total += Tally.of_table(build_table(spec, raw, stream.entries))
            note(f"reading {stream.table}: {total.rows_in:,} rows")
        return total
    buckets = max(1, math.ceil(_stream_rows(stream) / _stream.BATCH_ROWS))
    folder = Path(tempfile.mkdtemp(prefix=f"{stream.table}-", dir=work))
    try:
        bucket_of = (_h(spec.key[0]) % buckets).fill_null(0).cast(pl.UInt32)
        part = _split_stream(stream, bucket_of, folder, note)
        for k in range(buckets):
            total += Tally.of_table(part.bucket_table(k))
            note(f"reading {stream.table}: bucket {k + 1} of {buckets}")
            gc.collect()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return total


def _tally_or_whole(
    stream: _Stream | None,
    whole: Callable[[], Tally],
    work: Path,
    note: Callable[[str], None],
) -> Tally:
    if stream is None:
        return whole()
    try:
        return _tally_stream(stream, work, note)
    except _MisalignedError:  # records the line scan cannot number: the reader reads it whole
        return whole()


def tally_remittances(
    source: str | Path | list[str | Path],
    *,
    adjustments: str | Path | list[str | Path] | None = None,
    map: str | Path | MapSpec | None = None,
    work_dir: str | Path | None = None,
    progress: bool | Callable[[str], None] = False,
) -> Tally:
    """``read_remittances`` in bounded memory, for its accounting only: rows in, rows read (lines
    and adjustments), rejects (the reader's, with its row numbers) and the latest payment date.
    Sources are classified as ``read_remittances`` does; Parquet and delimited text stream,
    XLSX and X12 files are read whole (one file at a time)."""

    note = _progress(progress)
    plan = plan_sources(source, adjustments, map=map)
    total = Tally()
    with work_folder(work_dir, "telekit-remits-") as work:
        for item, forced in plan.items:

            def whole(item: Any = item, forced: bool = forced) -> Tally:
                part = read_source(item, forced, plan)
                if isinstance(part, Remittances):
                    return Tally.of_remittances(part)
                return Tally.of_table(part)

            table, entries = (
                ("adjustments", plan.adj_entries) if forced else ("remittances", plan.line_entries)
            )
            stream = _stream_of(table, item, entries, work, note)
            if stream is not None and not forced:
                header_only = RawSource(stream.name, stream.path, stream.headers, pl.DataFrame())
                if _is_adjustments(header_only, plan.adj_entries):
                    stream = _stream_of("adjustments", item, plan.adj_entries, work, note)
            total += _tally_or_whole(stream, whole, work, note)
    return total


def tally_patient_payments(
    source: str | Path,
    *,
    map: str | Path | MapSpec | None = None,
    work_dir: str | Path | None = None,
    progress: bool | Callable[[str], None] = False,
) -> Tally:
    """``read_patient_payments`` in bounded memory, for its accounting and rejects only."""
    note = _progress(progress)
    entries = resolve_map(TABLES["patient_payments"], None, None, map, None)
    with work_folder(work_dir, "telekit-payments-") as work:
        stream = _stream_of("patient_payments", source, entries, work, note)
        return _tally_or_whole(
            stream,
            lambda: Tally.of_table(read_table("patient_payments", source, map=map)),
            work,
            note,
        )


# --- entry points ------------------------------------------------------------------------------


def available_memory() -> int | None:
    """Bytes of memory available to a new process (Linux ``MemAvailable``, else the free physical
    pages), or None when the system does not say."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def threshold_rows() -> int:
    """Claim rows past which ``telekit audit`` partitions: ``THRESHOLD_ROWS``, or fewer when the
    single-process audit (about ``SINGLE_BYTES_PER_LINE`` per claim line with remittances,
    metrics and OIG measures) would take more than half the memory available now."""
    available = available_memory()
    if available is None:
        return THRESHOLD_ROWS
    return max(1, min(THRESHOLD_ROWS, available // 2 // SINGLE_BYTES_PER_LINE))


def should_partition(claims: str | Path) -> bool:
    """True when ``telekit audit`` should take the bounded-memory path: a Parquet claims input
    of more rows than ``threshold_rows()`` (2,000,000, fewer on a machine with less than about
    16 GB available; rows from the file metadata), or a delimited claims file over 300 MB or of
    more lines than that, estimated at ``CSV_BYTES_PER_LINE`` bytes a line."""
    path = Path(claims)
    try:
        if path.is_dir():
            parts = sorted(p for p in path.rglob("*.parquet") if p.is_file())
            return bool(parts) and _parquet_rows(parts) > threshold_rows()
        if not path.is_file():
            return False
        with path.open("rb") as f:
            head = f.read(4)
        if head.startswith(_PARQUET_MAGIC):
            return _parquet_rows([path]) > threshold_rows()
        size = path.stat().st_size
        return size > THRESHOLD_BYTES or size // CSV_BYTES_PER_LINE > threshold_rows()
    except (OSError, pl.exceptions.PolarsError):
        return False  # the single-process reader reports the problem


def _parquet_rows(parts: list[Path]) -> int:
    return sum(pl.scan_parquet(p).select(pl.len()).collect().item() for p in parts)


def audit_partitioned(
    claims: TableInput,
    *,
    encounters: TableInput | None = None,
    coverage: TableInput | None = None,
    providers: TableInput | None = None,
    policies: Policies | str | Path | Mapping[str, Any] | None = None,
    as_of: date | None = None,
    telehealth_list: pl.DataFrame | None = None,
    map: str | Path | MapSpec | None = None,
    buckets: int | None = None,
    bucket_lines: int = BUCKET_LINES,
    work_dir: str | Path | None = None,
    progress: bool | Callable[[str], None] = False,
) -> PartitionedAuditResult:
    """``telekit.audit`` with bounded memory: the same findings, rejects, accounting and summary.

    The inputs are split into ``buckets`` buckets of whole persons (default: one per
    ``bucket_lines`` claim rows) under ``work_dir`` (default: a temporary folder, removed at
    the end), and each bucket is audited alone by ``telekit.audit``; see the module doc for why
    that is exact. Tables are what ``audit`` takes (paths, frames, ``Table``); ``map`` is a
    header/value map file as ``--map`` gives it. ``progress`` is True for a one-line display on
    stderr, or a callable given each progress text.
    """
    run_at = datetime.now(UTC).replace(microsecond=0)
    note = _progress(progress)
    pol = policies if isinstance(policies, Policies) else load_policies(policies)
    with work_folder(work_dir, "telekit-audit-") as work:
        try:
            split = split_inputs(
                claims,
                encounters=encounters,
                coverage=coverage,
                providers=providers,
                map=map,
                work=work,
                buckets=buckets,
                bucket_lines=bucket_lines,
                progress=note,
            )
            findings_dir = work / "findings"
            findings_dir.mkdir(exist_ok=True)
            results = []
            for k in range(split.buckets):
                note(f"auditing bucket {k + 1} of {split.buckets} ({split.lines:,} claim lines)")
                r = audit_bucket(split, k, split.providers, pol, telehealth_list)
                r.findings.write_parquet(findings_dir / f"{k:05d}.parquet")
                results.append(replace(r, findings=r.findings.clear()))  # the findings wait on disk
                del r
            note("merging findings")
            findings = pl.scan_parquet(sorted(findings_dir.glob("*.parquet"))).collect()
            return merge(
                split, results, policies=pol, as_of=as_of, run_at=run_at, findings=findings
            )
        finally:
            note("done")
            if isinstance(note, Progress):
                note.close()
