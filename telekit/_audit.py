"""``telekit.audit``: read (``as_table``), prepare, annotate once, run every rule over the whole
frame (``telekit._engine._run``), reshape to one finding per (line, rule)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from telekit import codesets
from telekit._core import _columns as c
from telekit._core._dates import Period, PeriodInput, as_optional_period
from telekit._core._engine import IN_MEMORY
from telekit._core._exceptions import InputError
from telekit._core._table import EncounterSample, Table, in_one_chunk
from telekit._engine import _vocabulary as v
from telekit._engine._annotate import DOS, annotate
from telekit._engine._inputs import prepare
from telekit._engine._line_status import line_status
from telekit._engine._pricing import Pricing, price_lines
from telekit._engine._pricing_inputs import ExpectedFeesInput, pricing_of
from telekit._engine._reference import Reference, reference
from telekit._engine._result import ACCOUNTING_SCHEMA, AuditResult
from telekit._engine._run import findings as findings_of
from telekit._engine._run import run
from telekit._engine._sample import sample_record
from telekit._engine._status import rules_frame
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read._arguments import (
    RemittancesInput,
    TableInput,
    as_frame,
    as_remittances,
    as_table,
)
from telekit.codesets import FeeScheduleRelease, GpciFile, NcciEdition
from telekit.rules import CATALOG_VERSION, REGISTRY

# FINDINGS_SCHEMA, AuditResult and TableInput live in telekit._engine._result and
# telekit._read._arguments; re-exported here for the modules that still import them from here.
__all__ = ["audit"]

#: The bounded-memory audit ``audit(memory_budget=...)`` hands a claims path to when the
#: single-process estimate exceeds the budget: ``telekit._scale._partitioned`` (a layer above
#: this one) registers it when imported, as ``import telekit`` does. It returns None when the
#: claims fit the budget.
BOUNDED: list[Callable[..., AuditResult | None]] = []


def audit(
    claims: TableInput,
    *,
    encounters: TableInput | None = None,
    coverage: TableInput | None = None,
    providers: TableInput | None = None,
    policies: Policies | str | Path | Mapping[str, Any] | None = None,
    as_of: date | None = None,
    remittances: RemittancesInput | None = None,
    patient_payments: TableInput | None = None,
    telehealth_list: pl.DataFrame | None = None,
    telehealth_lists: Sequence[pl.DataFrame] = (),
    ncci: Sequence[NcciEdition] = (),
    icd10: Sequence[pl.DataFrame] = (),
    expected_fees: ExpectedFeesInput | None = None,
    fee_schedules: Sequence[FeeScheduleRelease] = (),
    gpci: GpciFile | Sequence[GpciFile] | None = None,
    locality: str | None = None,
    encounters_sample: bool | None = None,
    memory_budget: int | str | None = None,
    period: PeriodInput | None = None,
) -> AuditResult:
    """Audit claim lines against every rule of the catalog.

    Each table may be a ``Table``, a ``pl.DataFrame``/``pl.LazyFrame`` (validated and coerced
    exactly like a file) or a path. A table not given is ``None``, which differs from an empty
    table: rules that need it are ``skipped`` (or ``partial``) with the reason in ``.rules``.
    ``telehealth_list`` replaces the shipped Medicare Telehealth Services List for the years it
    holds (see ``telekit.codesets.read_cms_telehealth_list``).

    ``remittances`` (a ``Remittances`` or what ``read_remittances`` reads) give each line its
    ``line_status`` as of ``as_of`` (paid, denied, pending; without them ``unknown`` or
    ``not_submitted``), which the findings' exposure and suggested fix follow. ``as_of``
    defaults to the latest remittance payment date, else the latest DOS; never the clock.

    Money (DESIGN §4): each finding's ``exposure_amount`` is priced from the line's payment
    (overpayment), or its expected fee (``expected_fees``: a path to an expected_fees.toml, a
    mapping, or ``load_expected_fees``' frame; dated fees), else for Medicare the physician fee
    schedule (the shipped releases plus ``fee_schedules``, see ``read_fee_schedule_release``;
    GPCIs of the practice's ``locality`` — else ``[medicare] locality`` of the policies — from
    the shipped CY2024 file plus ``gpci``, national without a locality), else the charge.

    ``encounters_sample`` (DESIGN §5 "Sampled encounters"; default: True when the encounters
    come from a ``telekit sample-visits`` workbook): the encounters are a documentation sample,
    so the rules that read an encounter judge only the lines whose encounter is in it.

    ``patient_payments`` (a ``Table``, frame or path, read as ``read_patient_payments`` reads
    it) are kept on the result (``.patient_payments``) for ``report.compute_metrics``.

    ``memory_budget`` (bytes, or a size such as ``"2GB"``): when ``claims`` is a path and the
    single-process audit would need more (estimated from the file, as ``telekit audit
    --memory-budget`` does), the audit takes the bounded-memory path (``audit_partitioned``:
    the same findings, rejects, accounting and summary; the lines are not held, so the result's
    ``claims`` are empty and its ``patient_payments`` None). Frames and tables given in memory
    are always audited in memory.

    ``period`` (``"FROM..TO"`` or a pair of dates, both inclusive): only the claim lines whose
    DOS lies in it are audited and reported; every line still informs the rules that look at
    other lines (frequency windows, duplicates), so a line just after FROM is judged as in a
    full audit. The others are counted as ``rows_out_of_period`` in ``accounting``.
    """
    span = as_optional_period(period)
    if memory_budget is not None and isinstance(claims, str | Path) and BOUNDED:
        bounded = BOUNDED[0](
            claims,
            memory_budget,
            encounters=encounters,
            coverage=coverage,
            providers=providers,
            policies=policies,
            as_of=as_of,
            remittances=remittances,
            telehealth_list=telehealth_list,
            telehealth_lists=telehealth_lists,
            ncci=ncci,
            icd10=icd10,
            expected_fees=expected_fees,
            fee_schedules=fee_schedules,
            gpci=gpci,
            locality=locality,
            **({"period": span} if span is not None else {}),
        )
        if bounded is not None:
            return bounded
    run_at = datetime.now(UTC).replace(microsecond=0)
    pol = policies if isinstance(policies, Policies) else load_policies(policies)
    payer_types = pol.payer_types_by_name()  # an absent payer_type is derived from them
    tables = {
        "claims": _in_one_chunk(as_table("claims", claims, payer_types=payer_types)),
        "encounters": _in_one_chunk(as_table("encounters", encounters)),
        "coverage": _in_one_chunk(as_table("coverage", coverage, payer_types=payer_types)),
        "providers": _in_one_chunk(as_table("providers", providers)),
    }
    ref = run_reference(
        telehealth_list=telehealth_list,
        telehealth_lists=telehealth_lists,
        ncci=ncci,
        icd10=icd10,
        fee_schedules=fee_schedules,
        gpci=gpci,
    )
    pricing = pricing_of(ref, pol, locality=locality, expected_fees=expected_fees)
    result = audit_tables(
        tables,
        pol,
        ref,
        pricing,
        remittances=remittances,
        as_of=as_of,
        run_at=run_at,
        encounters_sample=encounters_sample,
        period=span,
    )
    if patient_payments is None:
        return result
    return replace(result, patient_payments=as_frame("patient_payments", patient_payments))


def _in_one_chunk(table: Table | None) -> Table | None:
    """``table`` in one chunk a column (``in_one_chunk``): the readers keep a Parquet file's
    row groups as chunks. A table read here from a path is copied as read, so its chunks are
    freed at once (the bounded path's buckets come sorted, in one chunk already)."""
    return None if table is None else in_one_chunk(table)


def run_reference(
    *,
    telehealth_list: pl.DataFrame | None = None,
    telehealth_lists: Sequence[pl.DataFrame] = (),
    ncci: Sequence[NcciEdition] = (),
    icd10: Sequence[pl.DataFrame] = (),
    fee_schedules: Sequence[FeeScheduleRelease] = (),
    gpci: GpciFile | Sequence[GpciFile] | None = None,
) -> Reference:
    """The run's reference sets from ``audit``'s keywords of the same names."""
    return reference(
        telehealth_lists=[
            *telehealth_lists,
            *([] if telehealth_list is None else [telehealth_list]),
        ],
        ncci=ncci,
        icd10=icd10,
        fee_schedules=fee_schedules,
        gpci=(gpci,) if isinstance(gpci, GpciFile) else tuple(gpci or ()),
    )


def audit_tables(
    tables: Mapping[str, Table | None],
    policies: Policies,
    ref: Reference,
    pricing: Pricing,
    *,
    remittances: RemittancesInput | None,
    as_of: date | None,
    run_at: datetime,
    encounters_sample: bool | None = None,
    period: Period | None = None,
) -> AuditResult:
    """``audit`` of tables read (claims, encounters, coverage, providers; ``None``: not given)
    with the run's reference sets and ``Pricing``: the bounded-memory path audits each bucket
    with it, the pricing built once for every bucket. With ``period`` every line is audited
    (the context of the rules that look at other lines) and the result keeps the lines, the
    findings and the unknown codes of the lines in the period (``in_period``)."""
    claim_table = tables["claims"]
    assert claim_table is not None

    def data(name: str) -> pl.DataFrame | None:
        t = tables.get(name)
        return None if t is None else t.data

    inputs = prepare(
        claim_table.data,
        encounters=data("encounters"),
        coverage=data("coverage"),
        providers=data("providers"),
        policies=policies,
        claim_columns=frozenset(claim_table.columns_given),
        ref=ref,
        encounters_sample=_sampled(tables.get("encounters"), encounters_sample),
    )
    remits = None if remittances is None else as_remittances(remittances)
    if as_of is None and remits is not None:
        as_of = remits.claims.get_column(c.PAYMENT_DATE).max()  # type: ignore[assignment]
    if as_of is None and claim_table.data.height:
        as_of = claim_table.data.get_column(DOS).max()  # type: ignore[assignment]
    # each line's status (paid, denied, pending ...) is a column every rule can read
    annotated = annotate(inputs, extra_list=inputs.reference.telehealth_list).collect(
        engine=IN_MEMORY
    )
    annotated = _by_row(
        annotated, line_status(claim_table.data.with_row_index(v.ROW), remits, as_of)
    )
    annotated = _by_row(
        annotated,
        price_lines(claim_table.data.with_row_index(v.ROW), pricing, policies.payer_key()),
    ).rechunk()  # one chunk per column: the annotation's are split, unevenly, and every window
    # and rule then pays for it (the joins this replaced rechunked as a side effect)
    flagged, statuses = run(annotated, inputs, REGISTRY)
    findings = findings_of(flagged, REGISTRY).filter(in_period(period))
    unknown = (
        annotated.filter(~v.code_known, in_period(period))
        .group_by(c.HCPCS_CODE)
        .len()
        .sort(c.HCPCS_CODE)
    )
    claims = claim_table.data.filter(in_period(period))
    out_of_period = claim_table.data.height - claims.height
    rejects = pl.concat([t.rejects for t in tables.values() if t is not None], how="vertical")
    accounting = pl.DataFrame(
        [
            {
                "table": name,
                "rows_in": t.rows_in,
                "rows_audited": claims.height if name == "claims" else t.data.height,
                "rows_rejected": t.rejects.height,
                "rows_skipped": t.rows_skipped,
                "rows_out_of_period": out_of_period if name == "claims" else 0,
            }
            for name, t in tables.items()
            if t is not None
        ],
        schema=ACCOUNTING_SCHEMA,
    )
    rules = rules_frame([statuses[code].row(REGISTRY[code]) for code in sorted(REGISTRY)])
    return AuditResult(
        findings=findings,
        rejects=rejects,
        claims=claims,
        encounters=data("encounters"),
        coverage=data("coverage"),
        providers=data("providers"),
        policies=policies,
        as_of=as_of,
        run_at=run_at,
        statuses=dict(statuses),
        code_set_version=codesets.CODE_SET_VERSION,
        accounting=accounting,
        rules=rules,
        unknown_codes={str(k): int(v) for k, v in unknown.iter_rows()},
        dropped_columns={n: list(t.dropped_columns) for n, t in tables.items() if t is not None},
        sources={n: t.source for n, t in tables.items() if t is not None},
        derived={n: dict(t.derived) for n, t in tables.items() if t is not None and t.derived},
        skipped={n: dict(t.skipped) for n, t in tables.items() if t is not None and t.skipped},
        reference=inputs.reference.used(),
        catalog_version=CATALOG_VERSION,
        period=period,
        remittances=remits,
        encounters_sample=(
            sample_record(_sample_of(tables.get("encounters")), annotated)
            if inputs.encounters_sample
            else None
        ),
    )


def _by_row(lines: pl.DataFrame, columns: pl.DataFrame) -> pl.DataFrame:
    """``lines`` with ``columns``' other columns, matched on ``_row``: set beside the lines when
    both hold the same rows in the same order (a join on ``_row`` gathers every one of the
    lines' ~110 columns again), else joined."""
    if columns.height == lines.height and columns.get_column(v.ROW).equals(lines.get_column(v.ROW)):
        return lines.hstack(columns.drop(v.ROW))
    return lines.join(columns, on=v.ROW, how="left", maintain_order="left")


def in_period(period: Period | None) -> pl.Expr:
    """True where the line's DOS lies in ``period`` (both ends inclusive; always without)."""
    if period is None:
        return pl.lit(True)
    return pl.col(DOS).is_between(period.start, period.end, closed="both")


def _sampled(encounters: Table | None, declared: bool | None) -> bool:
    """Whether the encounters are a documentation sample: as declared, else when they come
    from a ``telekit sample-visits`` workbook. Declared without encounters is an error."""
    if declared and encounters is None:
        msg = "encounters_sample: no encounters given (the sample is the encounters table)"
        raise InputError(msg)
    if declared is None:
        return encounters is not None and encounters.sample is not None
    return declared


def _sample_of(encounters: Table | None) -> EncounterSample | None:
    return None if encounters is None else encounters.sample
