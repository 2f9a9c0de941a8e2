"""The run: every rule over the whole annotated frame, then one finding per (line, rule).

``run(lines, inputs, rules)`` = ``statuses`` (what each rule can judge) → ``prepare_windows``
(the window preparations the active rules read) → ``flag`` (one ``flag_{code}`` column per rule)
→ ``apply_precedence`` (DESIGN §5). ``findings`` reshapes the flags. The rules are passed in: the
engine never imports ``telekit.rules``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._engine import _line_status as ls
from telekit._engine import _pricing as pr
from telekit._engine import _sample
from telekit._engine import _timing as tm
from telekit._engine import _vocabulary as v
from telekit._engine._inputs import Inputs
from telekit._engine._registry import Rule
from telekit._engine._result import FINDINGS_SCHEMA
from telekit._engine._status import RuleStatus, given_status
from telekit._engine._windows import Preparation

ROW = v.ROW


def _flag(code: str) -> str:
    return f"flag_{code}"


def statuses(
    lines: pl.DataFrame, inputs: Inputs, rules: Mapping[str, Rule]
) -> dict[str, RuleStatus]:
    """Each rule's status, by code in code order: from what was given, then (for a rule that
    cannot judge some lines, ``partial_when``) from the lines."""
    out: dict[str, RuleStatus] = {}
    for code in sorted(rules):
        rule = rules[code]
        status = given_status(rule, inputs)
        if status.state == "evaluated" and rule.partial_when is not None:
            n = lines.select(rule.partial_when().fill_null(False).sum()).item()
            if n:
                status = RuleStatus("partial", rule.partial_reason, unjudged=n)
        out[code] = status
    return out


def prepare_windows(lines: pl.DataFrame, inputs: Inputs, active: list[Rule]) -> pl.DataFrame:
    """The lines, in ``_row`` order, with the columns of every preparation an active rule reads
    (each run once, in the order of their names)."""
    needed = sorted({p for r in active for p in r.prepare}, key=lambda p: p.__name__)
    # Each preparation is its own plan (one giant lazy plan costs more to optimise than to run on
    # small inputs), and the plans are collected together (`collect_all` runs them at once, so
    # one's single-threaded stretches overlap another's). The plans are built in threads, so a
    # preparation's eager collects (made while its plan is built) overlap each other too. Only
    # its new columns are materialised (projection pushdown keeps the join back on `_row` from
    # copying every annotated column), then they are stacked beside the lines, which are in
    # `_row` order.
    df = lines.sort(ROW)

    def plan(preparation: Preparation) -> pl.LazyFrame:
        prepared = preparation(df.lazy(), inputs)
        new_cols = [col for col in prepared.collect_schema().names() if col not in df.columns]
        return prepared.select(ROW, *new_cols)

    if tm.enabled():  # profiling: each preparation collected on its own
        collected = []
        for preparation in needed:
            with tm.timed(f"window {preparation.__name__}"):
                collected.append(plan(preparation).collect(engine=IN_MEMORY).sort(ROW))
    else:
        # built in threads, the preparations' eager collects overlap (polars releases the GIL)
        # instead of running one after another before `collect_all`: the same CPU, 10-15 % less
        # wall for the whole on 2 cores (1.30 -> 1.15 s at load 2.5); each plan reads only the
        # lines and the inputs, and the results are taken in the order of `needed`
        with ThreadPoolExecutor(max_workers=4) as pool:
            plans = list(pool.map(plan, needed))
        collected = pl.collect_all(plans, engine=IN_MEMORY)
    for preparation, one in zip(needed, collected, strict=True):
        added = one.sort(ROW)
        if added.height != df.height or not added.get_column(ROW).equals(df.get_column(ROW)):
            msg = f"window preparation {preparation.__name__} changed the lines it was given"
            raise RuntimeError(msg)
        df = df.hstack(added.drop(ROW))
    return df


def flag(
    lines: pl.DataFrame, active: list[Rule], rules: Mapping[str, Rule], *, sampled: bool = False
) -> pl.DataFrame:
    """``flag_{code}`` for every rule: its expression for an active rule (never on superseded
    lines unless it judges them, never on self-pay lines when it skips them; with ``sampled``
    encounters, never outside the sample when it reads encounters: ``_sample.restrict``), else
    False."""
    flag_exprs = []
    groups: dict[str, list[pl.Expr]] = {}
    for rule in active:
        expr = rule.expr().fill_null(False)
        if sampled:
            expr = _sample.restrict(rule, expr)
        if not rule.judges_superseded:
            expr = expr & ~v.superseded
        if rule.skip_self_pay:
            expr = expr & ~v.is_self_pay
        flag_exprs.append(expr.alias(_flag(rule.code)))
        groups.setdefault(rule.group, []).append(flag_exprs[-1])
    absent = [
        pl.lit(False).alias(_flag(rule.code)) for rule in rules.values() if rule not in active
    ]
    if tm.enabled():  # profiling: each rule group's flags on their own
        out = lines
        for group in sorted(groups):
            with tm.timed(f"rules {group}"):
                out = out.with_columns(groups[group])
        order = [*lines.columns, *(e.meta.output_name() for e in (*flag_exprs, *absent))]
        return out.with_columns(absent).select(order)
    return lines.with_columns(*flag_exprs, *absent)


def apply_precedence(flagged: pl.DataFrame, rules: Mapping[str, Rule]) -> pl.DataFrame:
    """DESIGN §5 precedence: where a rule fires (and its condition holds) the rules it suppresses
    give no finding. Every suppression reads the flags before any is suppressed."""
    suppress = []
    for code in sorted(rules):
        conditions = []
        for by in sorted(rules):
            condition = rules[code].suppressed_by(rules[by])
            if condition is False:
                continue
            flag_by = pl.col(_flag(by))
            conditions.append(flag_by if condition is None else flag_by & condition())
        if conditions:
            suppress.append(
                (pl.col(_flag(code)) & ~pl.any_horizontal(conditions)).alias(_flag(code))
            )
    return flagged.with_columns(suppress) if suppress else flagged


def run(
    lines: pl.DataFrame, inputs: Inputs, rules: Mapping[str, Rule]
) -> tuple[pl.DataFrame, dict[str, RuleStatus]]:
    """The annotated lines with a ``flag_{code}`` column per rule, and each rule's status."""
    # which rules run depends on what was given; a rule's ``partial_when`` may read the columns
    # of its preparations (NC001: lines no loaded NCCI edition is near; CD004, CD006: the
    # reference set in force on the DOS), so it reads the prepared lines
    given = {code: given_status(rules[code], inputs) for code in sorted(rules)}
    active = [rules[code] for code in sorted(rules) if given[code].active]
    prepared = prepare_windows(lines, inputs, active)
    with tm.timed("rule statuses"):
        status = statuses(prepared, inputs, rules)
    sampled = inputs.encounters_sample
    if sampled:  # DESIGN §5 "Sampled encounters"
        status = _sample.sampled_statuses(status, rules, prepared)
    flagged = flag(prepared, active, rules, sampled=sampled)
    with tm.timed("precedence"):
        return apply_precedence(flagged, rules), status


def _finding_id(s: pl.Series) -> pl.Series:
    return pl.Series(
        [hashlib.sha256(v.encode()).hexdigest()[:16] for v in s.to_list()], dtype=pl.String
    )


#: the line's columns a finding carries, and those its exposure amount and suggested fix read
_FINDING_LINE_COLUMNS = (
    c.CLAIM_ID,
    c.CLAIM_LINE_NUMBER,
    c.ENCOUNTER_ID,
    c.PERSON_ID,
    c.PAYER,
    c.PAYER_TYPE,
    c.RENDERING_NPI,
    c.BILLING_NPI,
    c.CLAIM_LINE_START_DATE,
    c.HCPCS_CODE,
    ls.LINE_STATUS,
    c.CHARGE_AMOUNT,
    ls.PAID_AMOUNT,
    pr.EXPECTED_ALLOWED,
    pr.EXPECTED_FEE,
    pr.PFS_NON_FACILITY,
    ls.ALLOWED_AMOUNT,
    ls.PATIENT_RESPONSIBILITY,
    ls.LINE_UNPROCESSABLE,
)


def findings(flagged: pl.DataFrame, rules: Mapping[str, Rule]) -> pl.DataFrame:
    """One row per (flagged line, rule), in ``FINDINGS_SCHEMA``, sorted by line then rule.

    ``flagged`` carries the lines' ``line_status``, ``paid_amount`` and ``line_unprocessable``
    (``telekit._engine._line_status``; lines without them are ``unknown``): each finding gets
    its exposure, and its suggested fix is the rule's own fix composed with what that exposure
    asks (correct before submission, resubmit, refund, reopen)."""
    if ls.LINE_STATUS not in flagged.columns:
        flagged = ls.unknown_status(flagged)
    if pr.EXPECTED_ALLOWED not in flagged.columns:
        flagged = flagged.with_columns(
            pl.lit(None, dtype=c.MONEY if col != pr.PFS_RELEASE else pl.String).alias(col)
            for col in pr.PRICED_COLUMNS
        )
    # the lines some rule flags, once: each rule then filters those few rows, not every line
    flags = [pl.col(_flag(code)) for code in sorted(rules)]
    flagged = flagged.filter(pl.any_horizontal(flags)) if flags else flagged.clear()
    # Per rule, on its flagged lines: what only the rule says (severity, message, its own fix)
    # and the exposure, which reads the severity. Then once over every finding: the exposure's
    # amount and the suggested fix (the same expressions for every rule, read off the columns;
    # built per rule they made each rule's plan several times larger). Each rule's part is a lazy
    # plan over the flagged lines, all collected together: projection pushdown has each filter
    # gather only the columns its part reads (the flagged lines carry every annotated column), and
    # `collect_all` runs the parts as one batch rather than 50 eager queries.
    fix = "_rule_fix"
    counts = flagged.select(f.sum() for f in flags).row(0) if flags else ()
    lines = flagged.lazy()
    plans = []
    for code, n in zip(sorted(rules), counts, strict=True):
        rule = rules[code]
        if not n:  # a rule without findings has no part
            continue
        severity = rule.severity_expr()
        plans.append(
            lines.filter(pl.col(_flag(code))).select(
                pl.lit(code).alias("rule_code"),
                pl.lit(rule.name).alias("rule_name"),
                severity.cast(pl.String).alias("severity"),
                *_FINDING_LINE_COLUMNS,
                rule.message_expr().cast(pl.String).alias("message"),
                pl.lit(rule.responsibility).alias("responsibility"),
                rule.fix_expr().cast(pl.String).alias(fix),
                ls.exposure(code, severity).alias(ls.EXPOSURE),
            )
        )
    if not plans:
        return pl.DataFrame(schema=FINDINGS_SCHEMA)
    parts = pl.collect_all(plans, engine=IN_MEMORY)
    exposure = pl.col(ls.EXPOSURE)
    amount, basis = ls.exposure_amount(exposure)
    out = pl.concat(parts, how="vertical").with_columns(
        pl.col(c.CHARGE_AMOUNT).cast(c.MONEY),
        amount.alias(ls.EXPOSURE_AMOUNT),
        basis.alias(ls.AMOUNT_BASIS),
        ls.suggested_fix(exposure, pl.col(fix)).alias("suggested_fix"),
        pl.concat_str(
            ["rule_code", c.CLAIM_ID, pl.col(c.CLAIM_LINE_NUMBER).cast(pl.String)], separator="|"
        )
        .map_batches(_finding_id, return_dtype=pl.String)
        .alias("finding_id"),
    )
    return (
        out.select(FINDINGS_SCHEMA.names())
        .cast(FINDINGS_SCHEMA)
        .sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code")
    )
