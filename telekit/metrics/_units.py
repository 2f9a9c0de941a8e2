"""Units: the claim (or the claim line, when ``by`` has a line-level key) with everything the
revenue-cycle figures need, computed once from the ledger.

One receivable per service (DESIGN §6). Before any figure, the ledger is *re-keyed*:

- a void (claim frequency 8) is never a receivable; once submitted, the claim it names (by
  original_claim_id, else by original_payer_claim_control_number = a CLP07 of that claim's
  remittances) leaves too, with the originals it had replaced;
- a replacement (frequency 7), once submitted, supersedes the claim it names (same lookup);
  chains (a replacement of a replacement) end at the last one, the *current* claim. When
  several replacements name one claim, the latest submitted wins;
- the remittances of a superseded claim become remittances of its current claim: a service line
  of the original goes to the current claim's line with the same hcpcs_code and DOS (paired in
  claim_line_number order when several share them), line by line; what matches no line is
  spread over the current claim's lines by charge (cents to the largest line). Its patient
  payments go to the current claim as well.

So the current claim's *first adjudication* is the earliest in its chain, and its paid amount
and adjustments include its originals'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from telekit._core import _columns as c
from telekit._core._remittances import Remittances
from telekit._engine import _ledger as lg
from telekit.metrics._inputs import FINANCIAL_CLASS, MONTH, with_modality

# --- unit columns ----------------------------------------------------------------------------
UNIT_DOS = "unit_dos"
BILLED = "billed"
PATIENT_PAID = "patient_paid"  # patient payments net of refunds
PATIENT_RELIEF = "patient_relief"  # patient discounts and write-offs
NON_PR = "non_pr_adjusted"  # adjustments of every group but PR (CO, OA, PI, and CR)
CONTRACTUAL = "contractual_adjusted"  # CO adjustments with a contractual CARC
AR = "ar"
AR_PAYER = "ar_payer"
AR_PATIENT = "ar_patient"
ADJUDICATED = "adjudicated"
INITIALLY_DENIED = "initially_denied"
RESOLVED_FIRST = "resolved_first"
PAY_DATE = "pay_date"  # payment_date of the first remittance that paid more than zero
CLEAN = "clean"  # no error finding (null: not audited)
COUNTED = "counted"  # false on the patient rows of financial_class (A/R columns only)

FIRST_RC = "first_rc"
FIRST_DATE = "first_date"
FIRST_STATUS = "first_status"
FIRST_CLP_PAID = "first_clp_paid"
FIRST_PAID = "first_paid"
FIRST_DENIED = "first_denied"
REVERSED = "reversed"
REPLACED = "replaced"
CLAIM_PAY_DATE = "claim_pay_date"
LINE_PAY_DATE = "line_pay_date"

VOID = "8"
SELF_PAY = "self_pay"
PATIENT_CLASS = "patient"
DEFAULT_CONTRACTUAL_CARCS = ("45", "253")

CURRENT = "current_ck"  # the claim now carrying the service
OUT = "out"  # a void, or a claim voided (directly or through its replacement)
LARGEST = "largest"  # the claim's line with the largest charge (ties: lowest line number)
_ORIG = "_orig"
_ORIG_ICN = "_orig_icn"
_TARGET = "_target"
_MAX_CHAIN = 64


def _spread(amount: pl.Expr, group: str | list[str]) -> pl.Expr:
    """Spread ``amount`` (the same on every row of ``group``) by ``SHARE``, to the cent, the
    ``LARGEST`` row taking the remainder: the parts add up to ``amount`` exactly."""
    prov = (amount.cast(pl.Float64) * pl.col(lg.SHARE)).round(2).cast(lg.WORK)
    rest = amount.cast(lg.WORK) - (prov.sum().over(group) - prov)
    return pl.when(pl.col(LARGEST)).then(rest).otherwise(prov)


def _largest() -> pl.Expr:
    line = pl.col(c.CLAIM_LINE_NUMBER)
    first = line.sort_by([c.CHARGE_AMOUNT, c.CLAIM_LINE_NUMBER], descending=[True, False])
    return (line == first.first().over(lg.CK)).alias(LARGEST)


def relations(ledger: lg.Ledger) -> pl.DataFrame:
    """Per claim (ck) of the ledger: ``current_ck`` (itself unless superseded), ``out`` (a void
    or voided), ``replaced`` (a current claim that superseded at least one other)."""
    heads = ledger.lines.group_by(lg.CK).agg(
        pl.col(c.CLAIM_ID).first(),
        (pl.col(c.CLAIM_FREQUENCY_CODE) == VOID).any().alias("_void"),
        (pl.col(c.CLAIM_FREQUENCY_CODE) == lg.REPLACEMENT).any().alias("_replacement"),
        pl.col(c.ORIGINAL_CLAIM_ID).drop_nulls().first().alias(_ORIG),
        pl.col(c.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER).drop_nulls().first().alias(_ORIG_ICN),
        pl.col(lg.SUBMITTED).first(),
    )
    by_id = heads.select(pl.col(c.CLAIM_ID).alias(_ORIG), pl.col(lg.CK).alias("_by_id"))
    by_icn = (
        ledger.remit_claims.filter(pl.col(c.PAYER_CLAIM_CONTROL_NUMBER).is_not_null())
        .unique(c.PAYER_CLAIM_CONTROL_NUMBER, keep="first", maintain_order=True)
        .select(
            pl.col(c.PAYER_CLAIM_CONTROL_NUMBER).alias(_ORIG_ICN), pl.col(lg.CK).alias("_by_icn")
        )
    )
    links = (
        heads.filter(
            (pl.col("_void") | pl.col("_replacement")) & pl.col(lg.SUBMITTED).is_not_null()
        )
        .join(by_id, on=_ORIG, how="left")
        .join(by_icn, on=_ORIG_ICN, how="left")
        .with_columns(pl.coalesce("_by_id", "_by_icn").alias(_TARGET))
        .filter(pl.col(_TARGET).is_not_null(), pl.col(_TARGET) != pl.col(lg.CK))
    )
    successor = (
        links.filter(~pl.col("_void"))
        .sort(lg.SUBMITTED, lg.CK)
        .unique(_TARGET, keep="last", maintain_order=True)
        .select(pl.col(_TARGET).alias(lg.CK), pl.col(lg.CK).alias("_next"))
    )
    current = heads.select(lg.CK, pl.col(lg.CK).alias(CURRENT))
    for _ in range(_MAX_CHAIN):  # follow chains of replacements (vectorised, one step a turn)
        step = current.join(
            successor.rename({lg.CK: CURRENT}), on=CURRENT, how="left", maintain_order="left"
        )
        if step["_next"].is_null().all():
            break
        current = step.select(lg.CK, pl.coalesce("_next", CURRENT).alias(CURRENT))
    voided = links.filter(pl.col("_void")).get_column(_TARGET).unique().implode()
    out = (
        current.join(heads.select(lg.CK, "_void"), on=lg.CK, how="left", maintain_order="left")
        .with_columns(
            (pl.col("_void") | pl.col(lg.CK).is_in(voided) | pl.col(CURRENT).is_in(voided)).alias(
                OUT
            )
        )
        .drop("_void")
    )
    chained = out.filter(pl.col(lg.CK) != pl.col(CURRENT)).get_column(CURRENT).unique().implode()
    return out.with_columns(
        (pl.col(lg.CK).is_in(chained) & (pl.col(lg.CK) == pl.col(CURRENT))).alias(REPLACED)
    )


def current_claim_ids(ledger: lg.Ledger) -> pl.Series:
    """The claim_id of every current claim of the ledger (one per service: not a void, not
    voided, not superseded by a replacement), sorted — what every count of ``revenue_cycle``
    counts (the submitted ones among them)."""
    rel = relations(ledger)
    current = rel.filter(~pl.col(OUT), pl.col(lg.CK) == pl.col(CURRENT)).select(lg.CK)
    ids = ledger.lines.select(lg.CK, c.CLAIM_ID).unique(lg.CK)
    return current.join(ids, on=lg.CK).get_column(c.CLAIM_ID).sort()


def _with_contractual(ledger: lg.Ledger, carcs: Sequence[str]) -> pl.DataFrame:
    """The ledger's entries with ``contractual_adjusted``: CO adjustments whose CARC is in
    ``carcs`` (claim-level ones spread over the claim's lines as the ledger spreads them)."""
    zero = pl.lit(0, lg.WORK)
    wanted = ledger.adjustments.filter(
        pl.col(c.GROUP_CODE) == lg.CONTRACTUAL, pl.col(c.REASON_CODE).is_in(list(carcs))
    ).join(ledger.matched, on=lg.SK, how="left")
    direct = (
        wanted.filter(pl.col(c.CLAIM_LINE_NUMBER).is_not_null())
        .group_by(lg.RC, c.CLAIM_LINE_NUMBER)
        .agg(pl.col(c.AMOUNT).sum().alias("_direct"))
    )
    pooled = (
        wanted.filter(pl.col(c.CLAIM_LINE_NUMBER).is_null())
        .group_by(lg.RC)
        .agg(pl.col(c.AMOUNT).sum().alias("_pool"))
    )
    return (
        ledger.entries.join(
            direct, on=[lg.RC, c.CLAIM_LINE_NUMBER], how="left", maintain_order="left"
        )
        .join(pooled, on=lg.RC, how="left", maintain_order="left")
        .with_columns(
            (
                pl.col("_direct").fill_null(zero)
                + lg.allocate(pl.col("_pool").fill_null(zero), lg.RC)
            ).alias(CONTRACTUAL),
            (pl.col(lg.ADJ) - pl.col(lg.PR)).alias(NON_PR),
        )
        .drop("_direct", "_pool")
    )


MONEY = (lg.PAID, lg.ADJ, lg.CO, lg.PR, NON_PR, CONTRACTUAL)


def _rekey_entries(entries: pl.DataFrame, rel: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Entries of the current claims, the superseded claims' entries moved onto them (line by
    line by hcpcs_code + DOS, else spread by charge); entries of claims out are dropped."""
    entries = entries.join(rel.select(lg.CK, CURRENT, OUT), on=lg.CK, how="left").filter(
        ~pl.col(OUT)
    )
    own = entries.filter(pl.col(lg.CK) == pl.col(CURRENT))
    moved = entries.filter(pl.col(lg.CK) != pl.col(CURRENT))
    keep = [lg.RC, lg.CK, lg.LK, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.PAYMENT_DATE,
            c.CLAIM_STATUS_CODE, lg.DENIED, *MONEY]  # fmt: skip
    if moved.height == 0:
        return own.select(keep)
    rank = (
        pl.col(c.CLAIM_LINE_NUMBER)
        .rank("ordinal")
        .over(lg.CK, c.HCPCS_CODE, c.CLAIM_LINE_START_DATE)
    )
    slots = lines.select(
        lg.CK, lg.LK, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.HCPCS_CODE, c.CLAIM_LINE_START_DATE,
        lg.SHARE, LARGEST, rank.alias("_rank"),
    )  # fmt: skip
    pair = ["_code", "_dos", "_rank"]
    source = slots.select(
        pl.col(lg.LK).alias("_src"),
        pl.col(c.HCPCS_CODE).alias("_code"),
        pl.col(c.CLAIM_LINE_START_DATE).alias("_dos"),
        "_rank",
    )
    target = slots.select(
        pl.col(lg.CK).alias(CURRENT),
        pl.col(c.HCPCS_CODE).alias("_code"),
        pl.col(c.CLAIM_LINE_START_DATE).alias("_dos"),
        "_rank",
        pl.col(lg.LK).alias("_to"),
    )
    moved = (
        moved.rename({lg.LK: "_src"})
        .join(source, on="_src", how="left")
        .join(target, on=[CURRENT, *pair], how="left")
        .drop(lg.CK, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, lg.SHARE, lg.IS_LAST, *pair)
    )
    heads = slots.select(lg.LK, lg.CK, c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
    matched = (
        moved.filter(pl.col("_to").is_not_null())
        .join(heads.rename({lg.LK: "_to"}), on="_to", how="left")
        .with_columns(pl.col("_to").alias(lg.LK))
    )
    spread = (
        moved.filter(pl.col("_to").is_null())
        .drop("_to")
        .with_row_index("_entry")
        .join(
            slots.select(
                pl.col(lg.CK).alias(CURRENT),
                lg.CK,
                lg.LK,
                c.CLAIM_ID,
                c.CLAIM_LINE_NUMBER,
                lg.SHARE,
                LARGEST,
            ),
            on=CURRENT,
            how="inner",
        )
        .with_columns(*(_spread(pl.col(m), "_entry").alias(m) for m in MONEY))
    )
    together = pl.concat([own.select(keep), matched.select(keep), spread.select(keep)])
    return (
        together.group_by(lg.RC, lg.LK)
        .agg(
            pl.col(
                lg.CK, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.PAYMENT_DATE, c.CLAIM_STATUS_CODE
            ).first(),
            pl.col(lg.DENIED).any(),
            *(pl.col(m).sum() for m in MONEY),
        )
        .with_columns((pl.col(lg.DENIED) & (pl.col(lg.PAID) == 0)).alias(lg.DENIED))
    )


def _claim_events(remit_claims: pl.DataFrame) -> pl.DataFrame:
    """Per current claim (ck): its first adjudication (rc, date, CLP02, CLP04) across its chain,
    whether a reversal dated on or after it exists, whether it replaced another claim, and the
    first date a remittance paid more than 0."""
    adjudication = pl.col(c.CLAIM_STATUS_CODE) != lg.REVERSAL
    date = pl.col(c.PAYMENT_DATE)
    # remit_claims is ordered by (ck, payment_date, remit_id, remit_claim_seq): the first
    # non-reversal row of a claim is its first adjudication
    events = (
        remit_claims.group_by(lg.CK)
        .agg(
            pl.col(lg.RC).filter(adjudication).first().alias(FIRST_RC),
            date.filter(adjudication).first().alias(FIRST_DATE),
            pl.col(c.CLAIM_STATUS_CODE).filter(adjudication).first().alias(FIRST_STATUS),
            pl.col(lg.CLP_PAID).filter(adjudication).first().alias(FIRST_CLP_PAID),
            date.filter(~adjudication).max().alias("_last_reversal"),
            date.filter(pl.col(lg.CLP_PAID) > 0).min().alias(CLAIM_PAY_DATE),
        )
        .with_columns((pl.col("_last_reversal") >= pl.col(FIRST_DATE)).alias(REVERSED))
        .drop("_last_reversal")
    )
    return events.with_columns(pl.col(REVERSED).fill_null(False))


def _patient_money(
    payments: pl.DataFrame | None, lines: pl.DataFrame, rel: pl.DataFrame, as_of: dt.date
) -> pl.DataFrame:
    """Per current line (LK): patient payments net of refunds, and discounts + write-offs,
    dated on or before ``as_of``; a superseded claim's go to its current claim. A claim's amounts
    are spread over its lines in proportion to what the patient owes on each (``_owed``: the
    line's patient responsibility, or its charge on a self-pay claim), or by charge when the
    claim owes nothing yet; cents to the line owing the most. (DESIGN §6 says by charge; by
    what is owed, a copay paid in full on a claim of two lines leaves no patient balance on
    the line that carried no copay.)"""
    zero = pl.lit(0, lg.WORK)
    empty = lines.select(lg.LK, zero.alias(PATIENT_PAID), zero.alias(PATIENT_RELIEF))
    if payments is None or payments.height == 0:
        return empty
    kind = (pl.col(c.KIND) if c.KIND in payments.columns else pl.lit(None, pl.String)).fill_null(
        "payment"
    )
    amount = pl.col(c.AMOUNT).cast(lg.WORK)
    signed = (
        pl.when(kind == "payment")
        .then(amount)
        .when(kind == "refund")
        .then(-amount.abs())
        .otherwise(zero)
    )
    relief = pl.when(kind.is_in(["discount", "write_off"])).then(amount).otherwise(zero)
    claim_ck = rel.join(
        lines.select(c.CLAIM_ID, lg.CK).unique(c.CLAIM_ID), on=lg.CK, how="inner"
    ).select(c.CLAIM_ID, CURRENT, OUT)
    per_claim = (
        payments.filter(pl.col(c.PAYMENT_DATE).is_not_null(), pl.col(c.PAYMENT_DATE) <= as_of)
        .select(c.CLAIM_ID, signed.alias("_paid"), relief.alias("_relief"))
        .join(claim_ck, on=c.CLAIM_ID, how="inner")
        .filter(~pl.col(OUT))
        .group_by(CURRENT)
        .agg(pl.col("_paid", "_relief").sum())
    )
    owed = pl.col("_owed").cast(pl.Float64)
    by_owed = owed.sum().over(CURRENT) > 0
    share = (
        pl.when(by_owed).then(owed / owed.sum().over(CURRENT)).otherwise(pl.col(lg.SHARE))
    ).alias("_share")
    # the line owing the most (then the largest charge, then the first line) takes the cents: the
    # lines sorted once by claim and those keys, the first of each claim (a `sort_by` inside a
    # window over ~700k claims took 13 s on a 1M-line practice; this sort, a fraction of one)
    weighted = (
        lines.select(
            pl.col(lg.CK).alias(CURRENT),
            lg.LK,
            c.CLAIM_LINE_NUMBER,
            c.CHARGE_AMOUNT,
            lg.SHARE,
            "_owed",
        )
        .join(per_claim, on=CURRENT, how="inner")
        .with_columns(share, pl.when(by_owed).then(owed).otherwise(0.0).alias("_most_owed"))
        .sort(
            [CURRENT, "_most_owed", c.CHARGE_AMOUNT, c.CLAIM_LINE_NUMBER],
            descending=[False, True, True, False],
            maintain_order=True,
        )
        .with_columns(pl.col(CURRENT).is_first_distinct().alias("_most"))
    )

    def spread(total: str) -> pl.Expr:
        prov = (pl.col(total).cast(pl.Float64) * pl.col("_share")).round(2).cast(lg.WORK)
        rest = pl.col(total).cast(lg.WORK) - (prov.sum().over(CURRENT) - prov)
        return pl.when(pl.col("_most")).then(rest).otherwise(prov)

    spread_out = weighted.select(
        lg.LK, spread("_paid").alias(PATIENT_PAID), spread("_relief").alias(PATIENT_RELIEF)
    )
    return (
        empty.select(lg.LK)
        .join(spread_out, on=lg.LK, how="left", maintain_order="left")
        .with_columns(pl.col(PATIENT_PAID, PATIENT_RELIEF).fill_null(zero))
    )


def line_table(
    ledger: lg.Ledger,
    remits: Remittances,
    *,
    patient_payments: pl.DataFrame | None,
    contractual_carcs: Sequence[str] = DEFAULT_CONTRACTUAL_CARCS,
) -> pl.DataFrame:
    """One row per *current* claim line with its totals as of ``as_of`` (its originals'
    remittances and patient payments included), its A/R (payer and patient parts) and its
    claim's first-adjudication facts."""
    del remits  # the ledger carries the remittances (kept for the signature's callers)
    rel = relations(ledger)
    lines = ledger.lines.with_columns(_largest())
    entries = _rekey_entries(_with_contractual(ledger, contractual_carcs), rel, lines)
    remit_claims = (
        ledger.remit_claims.join(rel.select(lg.CK, CURRENT, OUT), on=lg.CK, how="left")
        .filter(~pl.col(OUT))
        .with_columns(pl.col(CURRENT).alias(lg.CK))
        .sort(lg.CK, c.PAYMENT_DATE, c.REMIT_ID, c.REMIT_CLAIM_SEQ)
        .with_row_index("_order")
    )
    entries = entries.join(remit_claims.select(lg.RC, "_order"), on=lg.RC, how="inner").sort(
        "_order"
    )
    adjudication = pl.col(c.CLAIM_STATUS_CODE) != lg.REVERSAL
    reversal = ~adjudication
    standing = (~reversal).sum().cast(pl.Int64) - reversal.sum().cast(pl.Int64) > 0
    totals = entries.group_by(lg.LK).agg(
        *(pl.col(m).sum() for m in MONEY if m != lg.PR),
        # what the patient owes now: the PR of the latest standing adjudication (a secondary
        # payer that paid the coinsurance leaves none; a reversal with no new adjudication none)
        pl.when(standing)
        .then(pl.col(lg.PR).filter(adjudication).last())
        .otherwise(pl.lit(0, lg.WORK))
        .alias(lg.PR),
        pl.col(c.PAYMENT_DATE).filter(pl.col(lg.PAID) > 0).min().alias(LINE_PAY_DATE),
        pl.col(lg.PAID).filter(adjudication).first().alias(FIRST_PAID),
        pl.col(lg.DENIED).filter(adjudication).first().alias(FIRST_DENIED),
    )
    events = _claim_events(remit_claims)
    chain_submitted = (
        rel.filter(~pl.col(OUT))
        .join(ledger.lines.filter(pl.col(lg.IS_LAST)).select(lg.CK, lg.SUBMITTED), on=lg.CK)
        .group_by(CURRENT)
        .agg(pl.col(lg.SUBMITTED).min().alias("_chain_submitted"))
        .rename({CURRENT: lg.CK})
    )
    current = rel.filter(~pl.col(OUT), pl.col(lg.CK) == pl.col(CURRENT)).select(lg.CK, REPLACED)
    zero = pl.lit(0, lg.WORK)
    out = (
        lines.join(current, on=lg.CK, how="inner", maintain_order="left")
        .join(totals, on=lg.LK, how="left", maintain_order="left")
        .join(events, on=lg.CK, how="left", maintain_order="left")
        .join(chain_submitted, on=lg.CK, how="left", maintain_order="left")
        .with_columns(
            pl.col(*MONEY).fill_null(zero),
            pl.col(REVERSED).fill_null(False),
            pl.coalesce("_chain_submitted", lg.SUBMITTED).alias(lg.SUBMITTED),
            pl.col(c.CHARGE_AMOUNT).cast(lg.WORK).alias(BILLED),
        )
        .drop("_chain_submitted")
    )
    self_pay = pl.col(lg.CLAIM_PAYER_TYPE) == SELF_PAY
    out = out.with_columns(
        pl.when(self_pay).then(pl.col(BILLED)).otherwise(pl.col(lg.PR)).alias("_owed")
    )
    out = out.join(
        _patient_money(patient_payments, out, rel, ledger.as_of),
        on=lg.LK,
        how="left",
        maintain_order="left",
    ).with_columns(pl.col(PATIENT_PAID, PATIENT_RELIEF).fill_null(zero))
    billed, pr = pl.col(BILLED), pl.col(lg.PR)
    patient_rest = pl.col(PATIENT_PAID) + pl.col(PATIENT_RELIEF)
    payer_part = billed - pl.col(lg.PAID) - pl.col(NON_PR) - pr
    patient_part = pl.when(self_pay).then(billed - patient_rest).otherwise(pr - patient_rest)
    return (
        out.with_columns(
            pl.when(self_pay)
            .then(zero)
            .otherwise(pl.max_horizontal(zero, payer_part))
            .alias(AR_PAYER),
            pl.max_horizontal(zero, patient_part).alias(AR_PATIENT),
            pl.col(FIRST_RC).is_not_null().alias(ADJUDICATED),
        )
        .with_columns((pl.col(AR_PAYER) + pl.col(AR_PATIENT)).alias(AR))
        .drop("_owed")
    )


def _clean_flags(
    units: pl.DataFrame, audited: pl.DataFrame, errors: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    return (
        units.join(
            audited.select(keys).unique().with_columns(pl.lit(True).alias("_audited")),
            on=keys,
            how="left",
            maintain_order="left",
        )
        .join(
            errors.select(keys).unique().with_columns(pl.lit(True).alias("_error")),
            on=keys,
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.when(pl.col("_audited").fill_null(False))
            .then(pl.col("_error").is_null())
            .otherwise(None)
            .alias(CLEAN)
        )
        .drop("_audited", "_error")
    )


def line_units(
    lines: pl.DataFrame,
    *,
    encounters: pl.DataFrame | None,
    audited: pl.DataFrame | None,
    errors: pl.DataFrame | None,
) -> pl.DataFrame:
    """Units = claim lines. A line is initially denied when its claim's first adjudication has
    CLP02 4 or the line is denied in it; first pass when the line was paid more than 0 in it and
    its claim has no later reversal and replaced no other claim."""
    out = lines.with_columns(
        pl.col(c.CLAIM_LINE_START_DATE).alias(UNIT_DOS),
        pl.col(c.CLAIM_LINE_START_DATE).dt.month_start().alias(MONTH),
        (
            pl.col(ADJUDICATED)
            & ((pl.col(FIRST_STATUS) == lg.DENIED_STATUS) | pl.col(FIRST_DENIED).fill_null(False))
        ).alias(INITIALLY_DENIED),
        (
            pl.col(ADJUDICATED)
            & (pl.col(FIRST_PAID).fill_null(0) > 0)
            & ~pl.col(REVERSED)
            & ~pl.col(REPLACED)
        ).alias(RESOLVED_FIRST),
        pl.col(LINE_PAY_DATE).alias(PAY_DATE),
    )
    if encounters is not None:
        out = with_modality(out, encounters)
    if audited is not None and errors is not None:
        out = _clean_flags(out, audited, errors, [c.CLAIM_ID, c.CLAIM_LINE_NUMBER])
    else:
        out = out.with_columns(pl.lit(None, pl.Boolean).alias(CLEAN))
    return out


def claim_units(
    lines: pl.DataFrame, *, audited: pl.DataFrame | None, errors: pl.DataFrame | None
) -> pl.DataFrame:
    """Units = claims: DOS its earliest line's, payer and payer_type its first line's. A claim is
    initially denied when its first adjudication has CLP02 4, or CLP04 0 and every one of its
    lines denied; first pass when that adjudication paid more than 0, no later reversal exists
    and the claim replaced no other."""
    claims = lines.group_by(lg.CK).agg(
        pl.col(c.CLAIM_ID).first(),
        pl.col(lg.SUBMITTED).first(),
        pl.col(lg.CLAIM_DOS).first().alias(UNIT_DOS),
        pl.col(lg.CLAIM_PAYER).first().alias(c.PAYER),
        pl.col(lg.CLAIM_PAYER_TYPE).first().alias(c.PAYER_TYPE),
        pl.col(BILLED, lg.PAID, CONTRACTUAL, PATIENT_PAID, AR, AR_PAYER, AR_PATIENT).sum(),
        pl.col(ADJUDICATED).first(),
        pl.col(FIRST_STATUS).first(),
        pl.col(FIRST_CLP_PAID).first(),
        pl.col(FIRST_DENIED).fill_null(False).all().alias(FIRST_DENIED),
        pl.col(REVERSED).first(),
        pl.col(REPLACED).first(),
        pl.col(CLAIM_PAY_DATE).first().alias(PAY_DATE),
    )
    out = claims.with_columns(
        pl.col(UNIT_DOS).dt.month_start().alias(MONTH),
        (
            pl.col(ADJUDICATED)
            & (
                (pl.col(FIRST_STATUS) == lg.DENIED_STATUS)
                | ((pl.col(FIRST_CLP_PAID) == 0) & pl.col(FIRST_DENIED))
            )
        ).alias(INITIALLY_DENIED),
        (
            pl.col(ADJUDICATED)
            & (pl.col(FIRST_CLP_PAID).fill_null(0) > 0)
            & ~pl.col(REVERSED)
            & ~pl.col(REPLACED)
        ).alias(RESOLVED_FIRST),
    )
    if audited is not None and errors is not None:
        return _clean_flags(out, audited, errors, [c.CLAIM_ID])
    return out.with_columns(pl.lit(None, pl.Boolean).alias(CLEAN))


def by_financial_class(units: pl.DataFrame) -> pl.DataFrame:
    """Units split by ``financial_class`` (DESIGN §6): each unit's payer balance and every count
    and rate under its payer_type (a self-pay unit's balance under ``self_pay``); the patient
    balance of an insured unit as a second row under ``patient`` that carries only A/R (its
    counts, charges and payments are 0, so the class's rates and days in A/R are null)."""
    self_pay = pl.col(c.PAYER_TYPE) == SELF_PAY
    zero = pl.lit(0, lg.WORK)
    payer_rows = units.with_columns(
        pl.col(c.PAYER_TYPE).alias(FINANCIAL_CLASS),
        pl.when(self_pay).then(pl.col(AR_PATIENT)).otherwise(zero).alias(AR_PATIENT),
        pl.lit(True).alias(COUNTED),
    ).with_columns((pl.col(AR_PAYER) + pl.col(AR_PATIENT)).alias(AR))
    patient_rows = units.filter(~self_pay).with_columns(
        pl.lit(PATIENT_CLASS).alias(FINANCIAL_CLASS),
        zero.alias(AR_PAYER),
        pl.col(AR_PATIENT).alias(AR),
        pl.lit(False).alias(COUNTED),
        pl.lit(None, pl.Boolean).alias(CLEAN),
    )
    return pl.concat([payer_rows, patient_rows.select(payer_rows.columns)])
