"""``tk.eligibility``: is each patient covered on each date — past claims or upcoming visits.

DESIGN §6 "Eligibility". The function reads a frame of rows (claim lines, encounters or a
schedule of upcoming visits) and the coverage table, and adds, per row, whether a coverage span
covers the date, which one, whether that plan pays for telehealth, and one line a scheduler can
act on. Everything is a handful of joins over whole frames: no Python runs per row.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._core._exceptions import InputError, MissingColumnError
from telekit._core._table import Table
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._policies._vocabulary import POLICY_TELEHEALTH_COVERED
from telekit._read._arguments import TableInput, as_frame

__all__ = [
    "COVERING_PAYER",
    "COVERING_PAYER_TYPE",
    "DATE_COLUMNS",
    "ELIGIBILITY_COLUMNS",
    "ELIGIBILITY_STATUS",
    "REASON",
    "TELEHEALTH_BENEFIT",
    "VISIT_DATE",
    "eligibility",
]

VISIT_DATE = "visit_date"
#: The date columns a row may carry, in the order they are looked for (the first present is used).
DATE_COLUMNS: Final = (c.CLAIM_LINE_START_DATE, c.ENCOUNTER_DATE, VISIT_DATE)

# --- output columns ----------------------------------------------------------------------------

ELIGIBILITY_STATUS = "eligibility_status"
COVERING_PAYER = "covering_payer"
COVERING_PAYER_TYPE = "covering_payer_type"
TELEHEALTH_BENEFIT = "telehealth_benefit"
REASON = "reason"


#: Columns ``eligibility`` adds (existing columns of these names are replaced), in this order.
ELIGIBILITY_COLUMNS: Final = pl.Schema(
    {
        ELIGIBILITY_STATUS: pl.String(),
        COVERING_PAYER: pl.String(),
        COVERING_PAYER_TYPE: pl.String(),
        c.PLAN_NAME: pl.String(),
        TELEHEALTH_BENEFIT: pl.String(),
        REASON: pl.String(),
    }
)

RowsInput = Table | pl.DataFrame | pl.LazyFrame
CoverageInput = TableInput
PoliciesInput = Policies | str | os.PathLike[str] | Mapping[str, Any] | None

# --- temporary columns -------------------------------------------------------------------------

_ROW = "__telekit_elig_row"
_PERSON = "__telekit_elig_person"
_DATE = "__telekit_elig_date"
_ROW_PAYER = "__telekit_elig_row_payer"  # the row's payer as written (trimmed)
_ROW_KEY = "__telekit_elig_row_key"  # ... and its payer key (aliases applied)
_COV_PAYER = "__telekit_elig_cov_payer"
_COV_KEY = "__telekit_elig_cov_key"
_COV_TYPE = "__telekit_elig_cov_type"
_COV_PLAN = "__telekit_elig_cov_plan"
_COV_START = "__telekit_elig_start"
_COV_END = "__telekit_elig_end"
_COV_TH = "__telekit_elig_th"
_COVERS = "__telekit_elig_covers"
_MATCH = "__telekit_elig_match"
_HAS_ROWS = "__telekit_elig_has_rows"
_BILLED_COVERS = "__telekit_elig_billed_covers"
_N_COVERING = "__telekit_elig_n_covering"
_LAST_END = "__telekit_elig_last_end"
_LAST_END_PAYER = "__telekit_elig_last_end_payer"
_NEXT_START = "__telekit_elig_next_start"
_NEXT_START_PAYER = "__telekit_elig_next_start_payer"
_POLICY_TH = "__telekit_elig_policy_th"
_BENEFIT_SOURCE = "__telekit_elig_benefit_source"
_N_SPANS = "__telekit_elig_n_spans"


def _rows_frame(rows: RowsInput) -> pl.LazyFrame:
    if isinstance(rows, Table):
        return rows.data.lazy()
    if isinstance(rows, pl.DataFrame | pl.LazyFrame):
        return rows.lazy()
    msg = (
        f"eligibility: rows must be a polars DataFrame/LazyFrame or a telekit Table, found "
        f"{type(rows).__name__}; read a file first, e.g. tk.read_claims(path) or pl.read_csv(path)"
    )
    raise InputError(msg)


def _coverage_frame(coverage: CoverageInput | None) -> pl.LazyFrame | None:
    """The coverage rows (a canonical frame as it is, anything else read as a coverage table)."""
    return None if coverage is None else as_frame("coverage", coverage).lazy()


def _as_date(name: str, dtype: pl.DataType) -> pl.Expr:
    """The row's date as ``pl.Date``: a Date, a Datetime's date, or text in ISO or US form."""
    col = pl.col(name)
    if dtype == pl.Date:
        return col
    if isinstance(dtype, pl.Datetime):
        return col.dt.date()
    if dtype == pl.String:
        text = col.str.strip_chars()
        return pl.coalesce(
            text.str.to_date("%Y-%m-%d", strict=False),
            text.str.to_date("%m/%d/%Y", strict=False),
        )
    if dtype == pl.Null:
        return col.cast(pl.Date)
    msg = (
        f"eligibility: column {name!r} must hold dates (Date, Datetime or YYYY-MM-DD / "
        f"MM/DD/YYYY text), found {dtype}; convert it with .str.to_date(...) first"
    )
    raise InputError(msg)


def _text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; an empty string is null."""
    out = expr.cast(pl.String).str.strip_chars()
    return pl.when(out.str.len_chars() > 0).then(out)


def _paren(expr: pl.Expr) -> pl.Expr:
    """`` (x)`` or an empty string when x is null."""
    return pl.concat_str(pl.lit(" ("), expr, pl.lit(")")).fill_null("")


def eligibility(
    rows: RowsInput,
    coverage: CoverageInput | None,
    policies: PoliciesInput = None,
) -> pl.DataFrame:
    """Check each row's coverage on its date: past claim lines or a schedule of upcoming visits.

    ``rows`` (a ``pl.DataFrame``, ``pl.LazyFrame`` or ``Table``) needs ``person_id`` and a date:
    the first present of ``claim_line_start_date``, ``encounter_date``, ``visit_date`` (a Date,
    a Datetime, or ISO / US text). ``payer`` is optional: the payer billed, or the one a visit
    is scheduled under. ``coverage`` is the coverage table (a ``Table``, a frame — validated and
    coerced like a file, rows the reader rejects left out — or a path); ``None`` means not
    given: every row is ``unknown``.
    ``policies`` (``load_policies``' sources) supplies payer aliases and
    ``telehealth_covered`` per payer.

    Returns the rows (same order, same count, same columns) with these columns added (existing
    columns of the same names are replaced):

    - ``eligibility_status``: ``eligible`` — a coverage span of the person covers the date
      (enrollment_start_date through enrollment_end_date, both inclusive, an empty end open);
      ``not_eligible`` — the person has coverage rows but none covers the date; ``unknown`` — the
      person has no coverage rows, or the row has no person_id or no readable date, or no coverage
      table was given.
    - ``covering_payer``, ``covering_payer_type``, ``plan_name``: of the chosen covering span
      (null unless eligible).
    - ``telehealth_benefit``: ``covered`` / ``not_covered`` from the chosen span's
      ``telehealth_covered``; when that is empty, from the policy of the covering payer on the date
      (``Policies.resolve``: ``policy_telehealth_covered``); else ``unknown`` (always ``unknown``
      unless eligible).
    - ``reason``: one line a scheduler can act on — who covers the date and what to check, or why
      the patient is not eligible (the last span's end, the next span's start) and what to do.

    Payers are compared trimmed, upper-cased and through the policy aliases
    (``Policies.payer_key``). When ``payer`` is given, a covering span of that payer is preferred;
    when only another payer covers the date, the row is ``eligible`` under that payer and the
    reason says the given payer does not cover it.

    Several covering spans (deterministic choice): first a span of the row's payer, then the span
    with the latest ``enrollment_start_date`` (the most recent enrollment), then the lowest payer
    key, payer and plan_name. The reason mentions how many other payers also cover the date
    (coordination of benefits is not decided here).
    """
    lf = _rows_frame(rows)
    schema = lf.collect_schema()
    names = schema.names()
    if c.PERSON_ID not in schema:
        msg = (
            f"eligibility: rows have no column 'person_id' (found: {', '.join(names)}); "
            "rename the patient identifier column to person_id"
        )
        raise MissingColumnError(msg)
    date_col = next((d for d in DATE_COLUMNS if d in schema), None)
    if date_col is None:
        msg = (
            f"eligibility: rows have no date column (expected one of: {', '.join(DATE_COLUMNS)}; "
            f"found: {', '.join(names)}); rename the date of service or visit date column"
        )
        raise MissingColumnError(msg)
    pol = load_policies(policies)
    has_payer = c.PAYER in schema

    base = lf.drop([n for n in ELIGIBILITY_COLUMNS if n in schema]).with_row_index(_ROW)
    keys = (
        base.select(
            _ROW,
            _text(pl.col(c.PERSON_ID)).alias(_PERSON),
            _as_date(date_col, schema[date_col]).alias(_DATE),
            *(
                (
                    _text(pl.col(c.PAYER)).alias(_ROW_PAYER),
                    pol.payer_key(_text(pl.col(c.PAYER))).alias(_ROW_KEY),
                )
                if has_payer
                else (
                    pl.lit(None, dtype=pl.String).alias(_ROW_PAYER),
                    pl.lit(None, dtype=pl.String).alias(_ROW_KEY),
                )
            ),
        )
        .collect(engine=IN_MEMORY)
        .lazy()
    )
    cov = _coverage_frame(coverage)
    if cov is None:
        cov = pl.LazyFrame(schema=c.COVERAGE.schema)
    spans = cov.select(
        _text(pl.col(c.PERSON_ID)).alias(_PERSON),
        _text(pl.col(c.PAYER)).alias(_COV_PAYER),
        pol.payer_key(_text(pl.col(c.PAYER))).alias(_COV_KEY),
        pl.col(c.PAYER_TYPE).cast(pl.String).alias(_COV_TYPE),
        _text(pl.col(c.PLAN_NAME)).alias(_COV_PLAN),
        pl.col(c.ENROLLMENT_START_DATE).alias(_COV_START),
        pl.col(c.ENROLLMENT_END_DATE).alias(_COV_END),
        pl.col(c.TELEHEALTH_COVERED).alias(_COV_TH),
    ).filter(pl.col(_PERSON).is_not_null())

    date = pl.col(_DATE)
    candidates = (
        keys.filter(pl.col(_PERSON).is_not_null() & date.is_not_null())
        .join(spans, on=_PERSON, how="inner")
        .with_columns(
            (
                (date >= pl.col(_COV_START))
                & (pl.col(_COV_END).is_null() | (date <= pl.col(_COV_END)))
            )
            .fill_null(False)
            .alias(_COVERS),
            (pl.col(_COV_KEY) == pl.col(_ROW_KEY)).fill_null(False).alias(_MATCH),
        )
        .collect(engine=IN_MEMORY)
        .lazy()
    )
    ended = pl.col(_COV_END) < date
    upcoming = pl.col(_COV_START) > date
    per_row = candidates.group_by(_ROW).agg(
        pl.lit(True).alias(_HAS_ROWS),
        (pl.col(_COVERS) & pl.col(_MATCH)).any().alias(_BILLED_COVERS),
        pl.col(_COV_KEY).filter(pl.col(_COVERS)).n_unique().alias(_N_COVERING),
    )
    # the last span that ended before the date and the next one that starts after it: one sort
    # of the candidate pairs each (faster than a sort inside every group)
    last_ended = (
        candidates.filter(ended)
        .sort(_ROW, _COV_END, _COV_PAYER)
        .unique(subset=_ROW, keep="last")
        .select(_ROW, pl.col(_COV_END).alias(_LAST_END), pl.col(_COV_PAYER).alias(_LAST_END_PAYER))
    )
    next_starting = (
        candidates.filter(upcoming)
        .sort(_ROW, _COV_START, _COV_PAYER)
        .unique(subset=_ROW, keep="first")
        .select(
            _ROW, pl.col(_COV_START).alias(_NEXT_START), pl.col(_COV_PAYER).alias(_NEXT_START_PAYER)
        )
    )
    # the chosen covering span: most rows have one; only rows with several are sorted
    covering = candidates.filter(pl.col(_COVERS)).with_columns(pl.len().over(_ROW).alias(_N_SPANS))
    picked = (
        covering.filter(pl.col(_N_SPANS) > 1)
        .sort(
            [_ROW, _MATCH, _COV_START, _COV_KEY, _COV_PAYER, _COV_PLAN],
            descending=[False, True, True, False, False, False],
            nulls_last=True,
        )
        .unique(subset=_ROW, keep="first")
    )
    chosen = pl.concat([covering.filter(pl.col(_N_SPANS) == 1), picked]).select(
        _ROW, _DATE, _COV_PAYER, _COV_TYPE, _COV_PLAN, _COV_TH
    )
    # the covering payer's policy on the date: resolved once per (payer, payer_type, date)
    triplets = [_COV_PAYER, _COV_TYPE, _DATE]
    policy = (
        pol.resolve(
            chosen.select(triplets)
            .unique()
            .with_columns(
                pl.col(_COV_PAYER).alias(c.PAYER),
                pl.col(_COV_TYPE).alias(c.PAYER_TYPE),
                pl.col(_DATE).alias(c.CLAIM_LINE_START_DATE),
            )
        )
        .select(*triplets, pl.col(POLICY_TELEHEALTH_COVERED).alias(_POLICY_TH))
        .collect(engine=IN_MEMORY)
        .lazy()
    )
    chosen = chosen.join(policy, on=triplets, how="left", nulls_equal=True)

    result = (
        keys.join(per_row, on=_ROW, how="left", maintain_order="left")
        .join(last_ended, on=_ROW, how="left", maintain_order="left")
        .join(next_starting, on=_ROW, how="left", maintain_order="left")
        .join(chosen.drop(_DATE), on=_ROW, how="left", maintain_order="left")
        .with_columns(pl.col(_HAS_ROWS).fill_null(False))
    )
    result = (
        result.with_columns(
            _status(coverage_given=coverage is not None).alias(ELIGIBILITY_STATUS),
            _benefit_source().alias(_BENEFIT_SOURCE),
        )
        .with_columns(_benefit().alias(TELEHEALTH_BENEFIT))
        .with_columns(_reason(coverage_given=coverage is not None).alias(REASON))
    )
    eligible = pl.col(ELIGIBILITY_STATUS) == "eligible"
    added = result.select(
        ELIGIBILITY_STATUS,
        pl.when(eligible).then(pl.col(_COV_PAYER)).alias(COVERING_PAYER),
        pl.when(eligible).then(pl.col(_COV_TYPE)).alias(COVERING_PAYER_TYPE),
        pl.when(eligible).then(pl.col(_COV_PLAN)).alias(c.PLAN_NAME),
        TELEHEALTH_BENEFIT,
        REASON,
    )
    # ``keys`` holds every row in input order and each join kept that order: the added columns
    # line up with the rows
    return (
        base.drop(_ROW)
        .collect(engine=IN_MEMORY)
        .hstack(added.cast(ELIGIBILITY_COLUMNS).collect(engine=IN_MEMORY))
    )


# --- expressions over the per-row result ------------------------------------------------------


def _status(*, coverage_given: bool) -> pl.Expr:
    if not coverage_given:
        return pl.lit("unknown", dtype=pl.String)
    return (
        pl.when(pl.col(_COV_PAYER).is_not_null() | pl.col(_COV_TYPE).is_not_null())
        .then(pl.lit("eligible"))
        .when(pl.col(_HAS_ROWS))
        .then(pl.lit("not_eligible"))
        .otherwise(pl.lit("unknown"))
    )


def _benefit() -> pl.Expr:
    eligible = pl.col(ELIGIBILITY_STATUS) == "eligible"
    flag = pl.coalesce(pl.col(_COV_TH), pl.col(_POLICY_TH))
    return (
        pl.when(eligible & flag.eq_missing(True))
        .then(pl.lit("covered"))
        .when(eligible & flag.eq_missing(False))
        .then(pl.lit("not_covered"))
        .otherwise(pl.lit("unknown"))
    )


def _benefit_source() -> pl.Expr:
    return (
        pl.when(pl.col(_COV_TH).is_not_null())
        .then(pl.lit("coverage span"))
        .when(pl.col(_POLICY_TH).is_not_null())
        .then(pl.lit("payer policy"))
    )


def _iso(expr: pl.Expr) -> pl.Expr:
    return expr.dt.to_string("%Y-%m-%d")


def _reason(*, coverage_given: bool) -> pl.Expr:
    """One actionable line per row (see ``eligibility``)."""
    date = _iso(pl.col(_DATE))
    status = pl.col(ELIGIBILITY_STATUS)
    if not coverage_given:
        return (
            pl.when(pl.col(_DATE).is_null())
            .then(pl.lit("no readable date: add the date of service or visit"))
            .otherwise(
                pl.lit("no coverage table given: eligibility not checked; verify with the payer")
            )
        )

    telehealth = (
        pl.when(pl.col(TELEHEALTH_BENEFIT) == "covered")
        .then(pl.format("; telehealth covered ({})", pl.col(_BENEFIT_SOURCE)))
        .when(pl.col(TELEHEALTH_BENEFIT) == "not_covered")
        .then(
            pl.format(
                "; telehealth NOT covered ({}): see the patient in person or get a signed "
                "waiver before a virtual visit",
                pl.col(_BENEFIT_SOURCE),
            )
        )
        .otherwise(
            pl.lit("; telehealth benefit unknown: confirm with the payer before a virtual visit")
        )
    )
    others = pl.col(_N_COVERING) - 1
    also = (
        pl.when(others == 1)
        .then(pl.lit("; 1 other payer also covers the date: check coordination of benefits"))
        .when(others > 1)
        .then(
            pl.format(
                "; {} other payers also cover the date: check coordination of benefits", others
            )
        )
        .otherwise(pl.lit(""))
    )
    covered_by = pl.concat_str(pl.col(_COV_PAYER), _paren(pl.col(_COV_PLAN)))
    eligible_reason = (
        pl.when(pl.col(_ROW_KEY).is_not_null() & ~pl.col(_BILLED_COVERS))
        .then(
            pl.format(
                "{} does not cover {}; the patient is covered by {}: bill or schedule under {}",
                pl.col(_ROW_PAYER),
                date,
                covered_by,
                pl.col(_COV_PAYER),
            )
        )
        .otherwise(pl.format("covered by {} on {}", covered_by, date))
    )
    eligible_reason = pl.concat_str(eligible_reason, telehealth, also)

    last = pl.format(
        "; the last span ({}) ended {}", pl.col(_LAST_END_PAYER), _iso(pl.col(_LAST_END))
    )
    nxt = pl.format(
        "; the next span ({}) starts {}", pl.col(_NEXT_START_PAYER), _iso(pl.col(_NEXT_START))
    )
    not_eligible_reason = pl.concat_str(
        pl.format("no coverage span on file covers {}", date),
        pl.when(pl.col(_LAST_END).is_not_null()).then(last).otherwise(pl.lit("")),
        pl.when(pl.col(_NEXT_START).is_not_null()).then(nxt).otherwise(pl.lit("")),
        pl.lit(": verify current coverage with the patient and payer, or collect self-pay"),
    )
    return (
        pl.when(pl.col(_PERSON).is_null())
        .then(pl.lit("no person_id: cannot match the patient's coverage"))
        .when(pl.col(_DATE).is_null())
        .then(pl.lit("no readable date: add the date of service or visit"))
        .when(status == "eligible")
        .then(eligible_reason)
        .when(status == "not_eligible")
        .then(not_eligible_reason)
        .otherwise(
            pl.lit(
                "no coverage on file for this patient: run an eligibility check (270/271) "
                "or record the patient's insurance"
            )
        )
    )
