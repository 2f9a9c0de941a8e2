"""Claim-to-remittance matching, one home: which claim line each remittance service line (SVC)
pays. Used by the metrics' ledger (``telekit._engine._ledger``), the underpayment report and
``tk.reconcile``.

A remittance claim (CLP) belongs to the claim with its CLP01 (``claim_id``); the caller says
which columns identify a remittance claim (``remit_key``) and the claim (``claim_key``). Within
them a service line matches, in two steps (DESIGN §3 remittances):

1. ``line_control_number``: the claim line with the same line item control number (REF*6R, the
   837's, echoed by the 835), used only where it names one line of the claim;
2. ``code_modifiers_date``: the claim line with the same code, modifier set (order ignored) and
   date of service — any date when the remittance gives none. The remittance's code and
   modifiers are SVC06, the submitted ones, when it has them, else the adjudicated ones. When
   several lines qualify, the k-th service line (by ``svc_seq``) takes the k-th claim line (by
   ``claim_line_number``). Dated service lines are matched first, then undated ones, among the
   claim lines still free.

A claim line is matched at most once per remittance claim: a line taken by its control number
or by a dated service line is not offered to the next step. Another remittance claim of the
same claim (a reversal, a re-adjudication) matches the line again.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from telekit._core import _columns as c

__all__ = ["MATCH_METHOD", "MATCH_METHODS", "match_service_lines", "modifier_set"]

MATCH_METHOD = "match_method"
MATCH_METHODS = ("line_control_number", "code_modifiers_date")
_CODE = "__match_code"
_MODSET = "__match_modifiers"
_DATE = "__match_date"
_RANK = "__match_rank"


def modifier_set(columns: Sequence[str]) -> pl.Expr:
    """The modifiers of a line as one comparable string: non-null, sorted, ``|``-joined."""
    return pl.concat_list(list(columns)).list.drop_nulls().list.sort().list.join("|")


def _ranked(frame: pl.DataFrame, group: list[str], order: str) -> pl.DataFrame:
    """Each row's rank by ``order`` within its ``group`` (sorting by the group's first column
    too keeps a group's rows together, which makes the window cheaper)."""
    return frame.sort(*group[:1], order).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).over(group).alias(_RANK)
    )


def match_service_lines(
    svc: pl.DataFrame,
    lines: pl.DataFrame,
    *,
    remit_key: Sequence[str],
    claim_key: str,
) -> pl.DataFrame:
    """(``*remit_key``, svc_seq, claim_line_number, match_method) for every service line that
    matches a claim line (see the module doc).

    ``svc``: remittance service lines (``svc_seq`` not null) with ``remit_key``, ``claim_key``,
    svc_seq, line_control_number, hcpcs_code and its modifiers, the submitted code and its
    modifiers, service_date; one row per (``remit_key``, svc_seq). ``lines``: claim lines with
    ``claim_key``, claim_line_number, line_control_number, hcpcs_code, its modifiers and
    claim_line_start_date. ``claim_key`` is the same for every service line of one remittance
    claim (``remit_key`` may include it)."""
    rk = list(remit_key)
    keys = [*rk, c.SVC_SEQ]
    unique_lcn = (
        lines.filter(pl.col(c.LINE_CONTROL_NUMBER).is_not_null())
        .select(claim_key, c.LINE_CONTROL_NUMBER, c.CLAIM_LINE_NUMBER)
        .unique([claim_key, c.LINE_CONTROL_NUMBER], keep="none")
    )
    by_lcn = (
        svc.filter(pl.col(c.LINE_CONTROL_NUMBER).is_not_null())
        .join(unique_lcn, on=[claim_key, c.LINE_CONTROL_NUMBER], how="inner")
        .select(*keys, c.CLAIM_LINE_NUMBER)
    )
    found = [by_lcn.with_columns(pl.lit(MATCH_METHODS[0]).alias(MATCH_METHOD))]
    rest = svc.join(by_lcn, on=keys, how="anti")
    if rest.height == 0:
        return found[0]
    submitted = pl.col(c.SUBMITTED_HCPCS_CODE).is_not_null()
    rest = rest.with_columns(
        pl.coalesce(c.SUBMITTED_HCPCS_CODE, c.HCPCS_CODE).alias(_CODE),
        pl.when(submitted)
        .then(modifier_set(c.SUBMITTED_MODIFIERS))
        .otherwise(modifier_set(c.MODIFIERS))
        .alias(_MODSET),
        pl.col(c.SERVICE_DATE).alias(_DATE),
    )
    candidates = (
        rest.select(list(dict.fromkeys([*rk, claim_key])))
        .unique()
        .join(
            lines.select(
                claim_key,
                c.CLAIM_LINE_NUMBER,
                pl.col(c.HCPCS_CODE).alias(_CODE),
                modifier_set(c.MODIFIERS).alias(_MODSET),
                pl.col(c.CLAIM_LINE_START_DATE).alias(_DATE),
            ),
            on=claim_key,
        )
        .join(by_lcn, on=[*rk, c.CLAIM_LINE_NUMBER], how="anti")
    )
    for dated in (True, False):
        part = rest.filter(pl.col(_DATE).is_not_null() == dated)
        if part.height == 0:
            continue
        on = [*rk, _CODE, _MODSET, _DATE] if dated else [*rk, _CODE, _MODSET]
        taken = pl.concat([f.select(*rk, c.CLAIM_LINE_NUMBER) for f in found])
        pool = candidates.join(taken, on=[*rk, c.CLAIM_LINE_NUMBER], how="anti")
        found.append(
            _ranked(part, on, c.SVC_SEQ)
            .join(_ranked(pool, on, c.CLAIM_LINE_NUMBER), on=[*on, _RANK], how="inner")
            .select(*keys, c.CLAIM_LINE_NUMBER, pl.lit(MATCH_METHODS[1]).alias(MATCH_METHOD))
        )
    return pl.concat(found)
