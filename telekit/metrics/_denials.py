"""``denials``: a Pareto of the adjustment reasons on denied claim lines."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import polars as pl

from telekit._core import _columns as c
from telekit._core._dates import as_date
from telekit._core._package_data import read_package_csv
from telekit._engine import _ledger as lg
from telekit._policies._model import Policies
from telekit._read._arguments import as_frame, as_remittances
from telekit.metrics._inputs import (
    MONTH,
    RemittancesLike,
    TableLike,
    canonical_policies,
    line_unit,
    parse_by,
    with_modality,
)

REASON_DESCRIPTION = "reason_description"
DESCRIPTION = "description"
LINES = "lines"
CLAIMS = "claims"
CUMULATIVE_SHARE = "cumulative_share"


@functools.cache
def carc() -> pl.DataFrame:
    """The shipped CARC table: reason_code, description (telekit's own short wording; see
    ``SOURCES.md`` beside it)."""
    schema = pl.Schema({c.REASON_CODE: pl.String(), DESCRIPTION: pl.String()})
    return read_package_csv("telekit.metrics", "carc.csv", schema, "telekit.metrics data")


def denial_rows(ledger: lg.Ledger) -> pl.DataFrame:
    """One row per (remittance claim, denied claim line, adjustment other than PR 1/2/3, CO 45,
    CO 253): rc, claim_id, claim_line_number, group_code, reason_code, amount. Claim-level
    adjustments are spread over the claim's lines by charge and kept on its denied lines;
    reversals (CLP02 = 22) are left out."""
    entries = ledger.entries.filter(pl.col(c.CLAIM_STATUS_CODE) != lg.REVERSAL)
    adjustments = (
        ledger.adjustments.filter(pl.col(lg.DENIAL_ADJ))
        .join(ledger.matched, on=lg.SK, how="left")
        .drop(lg.SK)
    )
    cols = [lg.RC, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.GROUP_CODE, c.REASON_CODE, c.AMOUNT]
    direct = adjustments.filter(pl.col(c.CLAIM_LINE_NUMBER).is_not_null()).join(
        entries.filter(pl.col(lg.DENIED)).select(lg.RC, c.CLAIM_LINE_NUMBER, c.CLAIM_ID),
        on=[lg.RC, c.CLAIM_LINE_NUMBER],
        how="inner",
    )
    spread = (
        adjustments.filter(pl.col(c.CLAIM_LINE_NUMBER).is_null())
        .drop(c.CLAIM_LINE_NUMBER)
        .join(
            entries.select(lg.RC, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, lg.SHARE, lg.IS_LAST, lg.DENIED),
            on=lg.RC,
            how="inner",
        )
        .with_columns(lg.allocate(pl.col(c.AMOUNT), lg.ADJ_ROW).alias(c.AMOUNT))
        .filter(pl.col(lg.DENIED))
    )
    return pl.concat([direct.select(cols), spread.select(cols)])


def denials(
    claims: TableLike,
    remittances: RemittancesLike,
    *,
    as_of: dt.date | str,
    by: str | Sequence[str] | None = None,
    encounters: TableLike | None = None,
    policies: Policies | None = None,
) -> pl.DataFrame:
    """Denial reasons as a Pareto: one row per (group, group_code, reason_code).

    Covers the claims submitted on or before ``as_of`` (claims with no claim_submitted_date
    are left out) and their remittances paid on or before ``as_of``, every adjudication but
    reversals (CLP02 = 22). A line is denied in a remittance when its paid amount is 0 and it
    has a line- or claim-level adjustment other than PR 1, PR 2, PR 3, CO 45 or CO 253 (see
    ``revenue_cycle``); each such adjustment on a denied line counts (a claim-level one spread
    over the claim's lines by charge).

    - ``lines`` = distinct claim lines denied with that reason; ``claims`` = distinct claims;
    - ``amount`` = Σ adjustment amounts (Decimal(12, 2));
    - ``reason_description`` = telekit's short wording of the CARC (null for a code it does not
      ship; ``telekit/metrics/carc.csv``);
    - ``cumulative_share`` = running Σ amount ÷ Σ amount of the group (Float64; null when the
      group's amount is 0), rows sorted by amount, largest first (ties: group_code,
      reason_code).

    ``by`` takes the keys of ``revenue_cycle`` (``modality`` needs ``encounters``); a claim-level
    key (month of the claim's DOS, its first line's payer or payer_type) groups claims, a
    line-level key claim lines. Payers are always canonical: trimmed, upper-cased and, with
    ``policies``, through its aliases (as in ``revenue_cycle``).
    """
    keys = parse_by(by, encounters_given=encounters is not None)
    return finish_denials(
        [
            denial_counts(
                claims, remittances, as_of=as_of, keys=keys, encounters=encounters,
                policies=policies,
            )
        ],
        keys,
    )  # fmt: skip


def denial_counts(
    claims: TableLike,
    remittances: RemittancesLike,
    *,
    as_of: dt.date | str,
    keys: Sequence[str] = (),
    encounters: TableLike | None = None,
    policies: Policies | None = None,
    ledger: lg.Ledger | None = None,
) -> pl.DataFrame:
    """The mergeable part of ``denials`` for claims of whole persons with their remittances (the
    bounded-memory audit gives each bucket's; ``finish_denials`` sums them): per (keys,
    group_code, reason_code) the distinct denied lines and claims and the amount. A claim lives
    in one part, so the distinct counts of disjoint parts add up. ``ledger``: the ledger of these
    claims and remittances as of ``as_of`` through the canonical policies, when the caller built
    it already."""
    keys = list(keys)
    day = as_date(as_of)
    if ledger is None:
        ledger = lg.build(
            as_frame("claims", claims),
            as_remittances(remittances),
            day,
            policies=canonical_policies(policies),
        )
    rows = denial_rows(ledger)
    if line_unit(keys):
        attrs = ledger.lines.with_columns(
            pl.col(c.CLAIM_LINE_START_DATE).dt.month_start().alias(MONTH)
        )
        if c.MODALITY in keys and encounters is not None:
            attrs = with_modality(attrs, as_frame("encounters", encounters))
        rows = rows.join(
            attrs.select(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, *keys),
            on=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER],
            how="left",
        )
    elif keys:
        heads = (
            ledger.lines.select(
                c.CLAIM_ID,
                pl.col(lg.CLAIM_DOS).dt.month_start().alias(MONTH),
                pl.col(lg.CLAIM_PAYER).alias(c.PAYER),
                pl.col(lg.CLAIM_PAYER_TYPE).alias(c.PAYER_TYPE),
            )
            .unique(c.CLAIM_ID)
            .select(c.CLAIM_ID, *keys)
        )
        rows = rows.join(heads, on=c.CLAIM_ID, how="left")
    return rows.group_by(*keys, c.GROUP_CODE, c.REASON_CODE).agg(
        pl.struct(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).n_unique().cast(pl.Int64).alias(LINES),
        pl.col(c.CLAIM_ID).n_unique().cast(pl.Int64).alias(CLAIMS),
        pl.col(c.AMOUNT).sum().alias(c.AMOUNT),
    )


def finish_denials(parts: Sequence[pl.DataFrame], keys: Sequence[str] = ()) -> pl.DataFrame:
    """``denials``' Pareto from the ``denial_counts`` of disjoint claims: counts and amounts
    summed per (keys, group_code, reason_code), then sorted, shared and described once."""
    keys = list(keys)
    grouped = (
        pl.concat(list(parts), how="vertical")
        .group_by(*keys, c.GROUP_CODE, c.REASON_CODE)
        .agg(pl.col(LINES, CLAIMS, c.AMOUNT).sum())
    )
    order = [*keys, c.AMOUNT, c.GROUP_CODE, c.REASON_CODE]
    descending = [False] * len(keys) + [True, False, False]
    running = pl.col(c.AMOUNT).cum_sum().cast(pl.Float64)
    total = pl.col(c.AMOUNT).sum().cast(pl.Float64)
    if keys:
        running, total = running.over(keys), total.over(keys)
    return (
        grouped.sort(order, descending=descending, nulls_last=True)
        .with_columns(
            pl.when(total != 0).then(running / total).otherwise(None).alias(CUMULATIVE_SHARE)
        )
        .join(
            carc().rename({DESCRIPTION: REASON_DESCRIPTION}),
            on=c.REASON_CODE,
            how="left",
            maintain_order="left",
        )
        .select(
            *keys,
            c.GROUP_CODE,
            c.REASON_CODE,
            REASON_DESCRIPTION,
            LINES,
            CLAIMS,
            pl.col(c.AMOUNT).cast(c.MONEY),
            CUMULATIVE_SHARE,
        )
    )
