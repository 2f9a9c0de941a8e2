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

Remittances
-----------
Given remittances, each bucket is audited with the remittances of its own claims (a remittance
claim belongs to the claim of its CLP01, a claim to its person's bucket): they are read as
``tally_remittances`` reads them and routed to the buckets under the work folder
(``telekit._scale._remits``), and every bucket is audited with the run's ``as_of`` (the latest
payment date of every remittance, else the latest DOS of every bucket), so line statuses,
exposures, fixes and EL005 are the single-process audit's. Remittances of no claim go nowhere.

Money
-----
The run's ``Pricing`` (fee-schedule releases, GPCIs of the locality, expected fees: ``pricing_of``)
is built once, before the split, and every bucket prices its lines with it by the engine's one
pricing function (``price_lines``, joined to the annotated lines as ``audit`` does), so each
finding's charge, expected_allowed, exposure, exposure_amount and amount_basis are the
single-process audit's. A line lives in one bucket, so the four totals (``exposure_totals``: each
line once per kind) and the rule summary are computed on the merged findings as ``audit``'s are.

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

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from telekit._audit import BOUNDED, run_reference
from telekit._core import _columns as c
from telekit._core._columns import TABLES
from telekit._core._dates import Period
from telekit._core._exceptions import InputError
from telekit._core._progress import StatusLine, status_callback
from telekit._engine._pricing_inputs import ExpectedFeesInput, pricing_of
from telekit._io._maps import MapSpec
from telekit._io._source import PARQUET_MAGIC as _PARQUET_MAGIC
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read._arguments import RemittancesInput, TableInput
from telekit._scale._merge import (
    CLAIM_LINE_COLUMNS,
    BucketMeasures,
    PartitionedAuditResult,
    audit_bucket,
    merge,
)
from telekit._scale._payments import split_patient_payments
from telekit._scale._remits import split_remittances
from telekit._scale._split import BUCKET_LINES, Split, split_inputs, work_folder
from telekit.codesets import FeeScheduleRelease, GpciFile, NcciEdition

__all__ = [
    "BUCKET_LINES",
    "CSV_BYTES_PER_LINE",
    "PartitionedAuditResult",
    "audit_partitioned",
    "available_memory",
    "parse_memory_budget",
    "should_partition",
    "threshold_rows",
]

THRESHOLD_ROWS = 2_000_000  # `telekit audit` partitions past this many claim rows ...
THRESHOLD_BYTES = 300_000_000  # ... or a claims file past this size
SINGLE_BYTES_PER_LINE = 4_000  # telekit audit's single path: 3.8 GB per 1M lines (RESULTS.md)
CSV_BYTES_PER_LINE = 160  # a claims CSV line as the generator writes it (data/samples: 166)


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


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_memory_budget(text: str) -> int:
    """Bytes of a size such as ``2GB``, ``512MB``, ``1.5G`` or ``800000000`` (powers of 1024;
    ``B`` and ``iB`` optional, any case). A ``ValueError`` saying what was expected otherwise."""
    found = _SIZE.fullmatch(text.strip())
    if found is None or float(found.group(1)) <= 0:
        msg = f"{text!r} is not a size: expected a size such as 2GB, 512MB or 1.5G"
        raise ValueError(msg)
    return int(float(found.group(1)) * _UNITS[found.group(2).upper()])


def threshold_rows(memory_budget: int | None = None) -> int:
    """Claim rows past which ``telekit audit`` partitions. With ``memory_budget`` (bytes, the
    user's ``--memory-budget``): the claim lines the single-process audit (about
    ``SINGLE_BYTES_PER_LINE`` each, with remittances, metrics and OIG measures) fits in it.
    Without: ``THRESHOLD_ROWS``, or fewer when that audit would take more than half the memory
    available now."""
    if memory_budget is not None:
        return max(1, memory_budget // SINGLE_BYTES_PER_LINE)
    available = available_memory()
    if available is None:
        return THRESHOLD_ROWS
    return max(1, min(THRESHOLD_ROWS, available // 2 // SINGLE_BYTES_PER_LINE))


def should_partition(claims: str | Path, memory_budget: int | None = None) -> bool:
    """True when ``telekit audit`` should take the bounded-memory path: a Parquet claims input
    of more rows than ``threshold_rows(memory_budget)`` (rows from the file metadata), or a
    delimited claims file of more lines than that, estimated at ``CSV_BYTES_PER_LINE`` bytes a
    line (without a budget, also any delimited file over 300 MB). Without a budget the
    threshold is 2,000,000 rows, fewer on a machine with less than about 16 GB available."""
    path = Path(claims)
    rows = threshold_rows(memory_budget)
    size_cap = THRESHOLD_BYTES if memory_budget is None else None
    try:
        if path.is_dir():
            parts = sorted(p for p in path.rglob("*.parquet") if p.is_file())
            return bool(parts) and _parquet_rows(parts) > rows
        if not path.is_file():
            return False
        with path.open("rb") as f:
            head = f.read(4)
        if head.startswith(_PARQUET_MAGIC):
            return _parquet_rows([path]) > rows
        size = path.stat().st_size
        return (size_cap is not None and size > size_cap) or size // CSV_BYTES_PER_LINE > rows
    except (OSError, pl.exceptions.PolarsError):
        return False  # the single-process reader reports the problem


def _parquet_rows(parts: list[Path]) -> int:
    return sum(pl.scan_parquet(p).select(pl.len()).collect().item() for p in parts)


def _latest_dos(split: Split) -> date | None:
    """The latest DOS of the lines every bucket audits (``audit``'s default ``as_of`` when no
    remittance has a payment date): one bucket's claims at a time."""
    latest = None
    for k in range(split.buckets):
        claims = split.parts["claims"].bucket_table(k).data
        if claims.height:
            day = claims.get_column(c.CLAIM_LINE_START_DATE).max()
            if isinstance(day, date) and (latest is None or day > latest):
                latest = day
        del claims
    return latest


def audit_partitioned(
    claims: TableInput,
    *,
    encounters: TableInput | None = None,
    coverage: TableInput | None = None,
    providers: TableInput | None = None,
    policies: Policies | str | Path | Mapping[str, Any] | None = None,
    as_of: date | None = None,
    remittances: RemittancesInput | None = None,
    adjustments: str | Path | Sequence[str | Path] | None = None,
    telehealth_list: pl.DataFrame | None = None,
    telehealth_lists: Sequence[pl.DataFrame] = (),
    ncci: Sequence[NcciEdition] = (),
    icd10: Sequence[pl.DataFrame] = (),
    expected_fees: ExpectedFeesInput | None = None,
    fee_schedules: Sequence[FeeScheduleRelease] = (),
    gpci: GpciFile | Sequence[GpciFile] | None = None,
    locality: str | None = None,
    map: str | Path | MapSpec | None = None,
    buckets: int | None = None,
    bucket_lines: int = BUCKET_LINES,
    work_dir: str | Path | None = None,
    progress: bool | Callable[[str], None] = False,
    patient_payments: str | Path | None = None,
    measures: BucketMeasures | None = None,
    period: Period | None = None,
) -> PartitionedAuditResult:
    """``telekit.audit`` with bounded memory: the same findings, rejects, accounting and summary.

    The inputs are split into ``buckets`` buckets of whole persons (default: one per
    ``bucket_lines`` claim rows) under ``work_dir`` (default: a temporary folder, removed at
    the end), and each bucket is audited alone by ``telekit.audit``; see the module doc for why
    that is exact. Tables are what ``audit`` takes (paths, frames, ``Table``); ``map`` is a
    header/value map file as ``--map`` gives it; ``telehealth_lists``, ``ncci`` and ``icd10``
    add reference sets as ``audit`` does. ``progress`` is True for a one-line display on
    stderr, or a callable given each progress text.

    ``remittances`` (a ``Remittances``, or paths as ``read_remittances`` takes them, with
    ``adjustments`` as its ``adjustments=``) give each line its ``line_status`` as ``audit``
    does: they are read in bounded memory and cut into the buckets of their claims
    (``telekit._scale._remits``); ``as_of`` then defaults to the latest remittance payment
    date, else the latest DOS, of the whole input.

    Money: ``expected_fees``, ``fee_schedules``, ``gpci`` and ``locality`` price the lines as
    ``audit`` does; the ``Pricing`` is built once, before the split (a bad locality or expected
    fees file stops the run there), and every bucket is priced with it.

    ``measures`` (``telekit.report``'s ``BucketMetrics``) measures each bucket's audit: the
    result's ``metric_frames`` and ``oig`` are then the single-process ``compute_metrics`` and
    ``oig_measures`` frames. With remittances, ``patient_payments`` (a path, read as
    ``read_patient_payments`` reads it) are cut into the buckets of their claims for the
    revenue cycle (``telekit._scale._payments``).

    ``period`` (a ``Period``, both ends inclusive): each bucket audits all its lines (the
    context of the rules that look at other lines: a bucket holds whole persons) and keeps the
    findings, lines and measures of those in the period, as ``audit(period=...)`` does; the
    others are counted as ``rows_out_of_period``.
    """
    run_at = datetime.now(UTC).replace(microsecond=0)
    note = status_callback(progress)
    pol = policies if isinstance(policies, Policies) else load_policies(policies)
    reference: dict[str, Any] = {
        "telehealth_list": telehealth_list,
        "telehealth_lists": telehealth_lists,
        "ncci": ncci,
        "icd10": icd10,
        "fee_schedules": fee_schedules,
        "gpci": gpci,
    }
    pricing = pricing_of(
        run_reference(**reference), pol, locality=locality, expected_fees=expected_fees
    )
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
                claim_buckets=remittances is not None,
                payer_types=pol.payer_types_by_name(),
            )
            if remittances is not None and patient_payments is not None and measures is not None:
                note("reading patient payments")
                payments = split_patient_payments(patient_payments, split, map=map, progress=note)
                split = replace(split, patient_payments=payments)
            if remittances is not None:
                note("reading remittances")
                remits = split_remittances(
                    remittances, split, adjustments=adjustments, map=map, progress=note
                )
                split = replace(split, claim_buckets=None, remittances=remits)
                if as_of is None:
                    as_of = remits.latest_payment_date or _latest_dos(split)
            findings_dir = work / "findings"
            findings_dir.mkdir(exist_ok=True)
            results = []
            for k in range(split.buckets):
                note(f"auditing bucket {k + 1} of {split.buckets} ({split.lines:,} claim lines)")
                r = audit_bucket(
                    split,
                    k,
                    split.providers,
                    pol,
                    pricing,
                    reference=reference,
                    as_of=as_of,
                    measures=measures,
                    period=period,
                )
                r.findings.write_parquet(findings_dir / f"{k:05d}.parquet")
                results.append(replace(r, findings=r.findings.clear()))  # the findings wait on disk
                del r
            note("merging findings")
            findings = pl.scan_parquet(sorted(findings_dir.glob("*.parquet"))).collect()
            merged = merge(
                split,
                results,
                policies=pol,
                as_of=as_of,
                run_at=run_at,
                findings=findings,
                period=period,
            )
            if measures is not None:
                # before the claim lines are read back: the measures' units (one per service)
                # then have the memory the claim lines would hold (10M lines: 7.5M units)
                note("revenue-cycle metrics and OIG measures")
                frames, oig = measures.finish()
                merged = replace(merged, metric_frames=frames, oig=oig)
            note("reading back the claim lines")
            lines = sorted((work / "claim_lines").glob("*.parquet"))
            return replace(
                merged,
                claim_lines=pl.scan_parquet(lines).collect()
                if lines
                else pl.DataFrame(
                    schema={k: TABLES["claims"].schema[k] for k in CLAIM_LINE_COLUMNS}
                ),
            )
        finally:
            note("done")
            if isinstance(note, StatusLine):
                note.close()


def _bounded_audit(
    claims: str | Path, memory_budget: int | str, **options: Any
) -> PartitionedAuditResult | None:
    """``tk.audit(memory_budget=...)``'s bounded path: ``audit_partitioned`` when the claims
    file exceeds what the single-process audit fits in the budget, else None."""
    if isinstance(memory_budget, str):
        try:
            memory_budget = parse_memory_budget(memory_budget)
        except ValueError as e:
            msg = f"memory_budget: {e}"
            raise InputError(msg) from None
    if not should_partition(claims, memory_budget):
        return None
    return audit_partitioned(claims, **options)


BOUNDED[:] = [_bounded_audit]
