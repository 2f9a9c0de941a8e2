"""Remittances (835-shaped frames), adjustments and patient payments for the sample's claims.

Every claim of an insured payer submitted long enough before ``AS_OF`` is adjudicated once, 10–45
days after submission: paid lines carry CO 45 (charge above the allowed amount), PR 1/2/3
(patient responsibility), CO 253 (Medicare sequestration), and a few lines or claims are denied
(CO 50, 96, 97, 167, 204; CO 18 for planted duplicates, CO 29 for claims filed late, CO 16 at
claim level). Balancing holds everywhere: line charge − Σ line adjustments = paid, and for a
claim denied at claim level (one row with ``svc_seq`` null) charge − Σ claim adjustments = paid.

A replacement (7) reverses its original's payment (CLP02 22, the original's amounts negated) in
the remittance that pays the replacement; a void (8) reverses its original; a few paid claims are
reprocessed: reversed and adjudicated again. Claims whose payment would come after ``AS_OF`` are
still open. One adjudication is moved to ``AS_OF`` so that the latest payment date is ``AS_OF``.

Patients pay most of their responsibility a statement cycle or two after the remittance (some in
instalments, some partly, some late); self-pay visits are paid at the visit less a prompt-pay
discount, on the statement, or with a deposit; old unpaid balances are written off 120 days after
billing, a few stay open, and two patients are refunded (``patient_payments`` ``kind``, DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import polars as pl

from telekit._core._columns import ADJUSTMENTS, MONEY, PATIENT_PAYMENTS, REMITTANCE_LINES
from telekit.sample import _model as m
from telekit.sample import _pfs

REPROCESS_SHARE = 0.015
CLAIM_DENIAL_SHARE = 0.02
LINE_DENIAL_SHARE = 0.04
UNDERPAY_SHARE = 0.03
# patient payments (DESIGN §6 ``kind``), by the share of balances (a uniform draw below each
# bound). Insured patient responsibility: paid in full a statement cycle after the remittance, in
# two instalments a month apart, partly (the rest paid late, written off or open), paid late after
# more statements, written off (collections / small balance), the rest left open.
PR_FULL, PR_INSTALMENTS, PR_PARTLY, PR_LATE, PR_WRITTEN_OFF = 0.72, 0.85, 0.93, 0.98, 0.995
# Self-pay visits: paid at the visit less a prompt-pay discount, paid in full on the statement, a
# deposit at the visit (the rest paid later or written off, a small balance); the rest unpaid (most
# written off to collections, a few left open).
SP_PROMPT, SP_STATEMENT, SP_DEPOSIT = 0.35, 0.55, 0.80
PROMPT_PAY_DISCOUNT_PCT, DEPOSIT_PCT = 20, 40
STATEMENT_DAYS = 7  # first statement a week after the remittance (or the self-pay visit)
LATE_DAYS = 60  # a late payment comes 60 to 120 days after billing
WRITE_OFF_DAYS = 120  # unpaid balances are written off (collections) 120 days after billing


PAYMENTS_SCHEMA = PATIENT_PAYMENTS.schema  # the contract, with ``kind`` (DESIGN §6)
ADD_ONS = ("G2211", "G2212", "99417", "90785", "90833", "90836", "90838", "99458", "98981")
DENIAL_CARCS = ("50", "96", "167", "204")
SEQUESTRATION_FULL = m.day(date(2022, 7, 1))  # Medicare 2% sequestration (CO 253) resumed
SEQUESTRATION_HALF = m.day(date(2022, 4, 1))  # 1% from April to June 2022
SEQUESTRATION_PAUSE = m.day(date(2020, 5, 1))  # suspended May 2020 to March 2022


@dataclass(frozen=True)
class Remits:
    lines: pl.DataFrame
    adjustments: pl.DataFrame
    patient_payments: pl.DataFrame


def _money(col: str) -> pl.Expr:
    """Integer cents to ``Decimal(12, 2)``."""
    return (pl.col(col).cast(pl.Decimal(38, 2)) / 100).cast(MONEY).alias(col)


def icn(claim_number: pl.Expr, when: pl.Expr, region: str) -> pl.Expr:
    """A payer claim control number: region, year, day of year (of receipt), claim digits."""
    return pl.concat_str(
        pl.lit(region),
        when.dt.strftime("%y"),
        when.dt.ordinal_day().cast(pl.String).str.zfill(3),
        claim_number,
    )


def build(
    lines: pl.DataFrame, rng: np.random.Generator, *, remit_id: Callable[[pl.Expr], pl.Expr]
) -> Remits:
    """Remittances for ``lines`` (claim lines with internal fields and final ids).

    ``lines`` columns: claim_id, claim_number (digits of the id), claim_line_number, payer,
    payer_type, freq, original_claim_id, dos, submitted (Date), code, m1..m4, charge (cents),
    pay_lag, remit_hint, line_control_number.
    """
    lines = lines.with_columns(pl.col("payer").replace(m.ALIASES).alias("payer_c"))
    heads = (
        lines.group_by("claim_id", maintain_order=True)
        .agg(
            pl.col("claim_number").first(),
            pl.col("payer_c").first(),
            pl.col("payer_type").first(),
            pl.col("freq").first(),
            pl.col("original_claim_id").first(),
            pl.col("submitted").first(),
            pl.col("dos").min(),
            pl.col("pay_lag").first(),
            pl.col("remit_hint").first(),
            pl.col("secondary").first(),
            pl.col("charge").sum().alias("total"),
        )
        .sort("claim_id")
    )
    insured = heads.filter(pl.col("payer_type") != "self_pay")
    as_of = pl.lit(m.AS_OF)

    # --- events: initial adjudications, reversals of superseded originals, reprocessing -------
    initial = insured.filter(pl.col("freq") != "8", pl.col("pay_lag").is_not_null()).select(
        "claim_id",
        "claim_number",
        "payer_c",
        (pl.col("submitted") + pl.duration(days=pl.col("pay_lag"))).alias("date"),
        pl.col("submitted").alias("received"),
        "remit_hint",
    )
    if initial.height:  # the latest payment falls on AS_OF
        superseding = insured.filter(pl.col("freq") != "1")["original_claim_id"].drop_nulls()
        candidates = initial.join(insured.select("claim_id", "freq"), on="claim_id").filter(
            pl.col("freq") == "1",
            ~pl.col("claim_id").is_in(superseding.implode()),
            pl.col("received") <= as_of - pl.duration(days=10),
            pl.col("remit_hint").is_null(),
        )
        if candidates.height:
            anchor = candidates.sort("received", "claim_id").tail(1)["claim_id"][0]
            initial = initial.with_columns(
                pl.when(pl.col("claim_id") == anchor).then(as_of).otherwise("date").alias("date")
            )
    initial = initial.filter(pl.col("date") <= as_of)

    draws = rng.random((initial.height, 3))
    initial = initial.with_columns(
        pl.Series("u_claim", draws[:, 0]),
        pl.Series("u_pr", draws[:, 1]),
        pl.Series("u_reprocess", draws[:, 2]),
    )
    adjudicated = _adjudicate(lines, initial, rng, kind="initial")

    originals = insured.filter(
        pl.col("freq").is_in(["7", "8"]), pl.col("original_claim_id").is_not_null()
    ).select(
        pl.col("original_claim_id").alias("claim_id"),
        "payer_c",
        (pl.col("submitted") + pl.duration(days=pl.col("pay_lag").fill_null(30))).alias("date"),
    )
    paid_first = adjudicated.claims.filter(pl.col("status") == "1").select(
        "claim_id", pl.col("date").alias("paid_on")
    )
    reversals = (
        originals.join(paid_first, on="claim_id")
        .filter(pl.col("date") > pl.col("paid_on"), pl.col("date") <= as_of)
        .group_by("claim_id")
        .agg(pl.col("date").min(), pl.col("payer_c").first())
        .sort("claim_id")
    )
    superseded = insured.filter(pl.col("freq") != "1")["original_claim_id"].drop_nulls()
    reprocess = (
        initial.join(paid_first, on="claim_id")
        .filter(
            pl.col("u_reprocess") < REPROCESS_SHARE, ~pl.col("claim_id").is_in(superseded.implode())
        )
        .with_columns(
            (pl.col("date") + pl.duration(days=20 + (pl.col("u_pr") * 40).cast(pl.Int64))).alias(
                "date"
            )
        )
        .filter(pl.col("date") <= as_of)
    )
    reversal_events = pl.concat(
        [reversals.select("claim_id", "date"), reprocess.select("claim_id", "date")]
    ).unique("claim_id", keep="first", maintain_order=True)
    readjudicated = _adjudicate(
        lines,
        reprocess.select(
            "claim_id",
            "claim_number",
            "payer_c",
            "date",
            pl.col("date").alias("received"),
            pl.lit(None, pl.String).alias("remit_hint"),
            pl.lit(1.0).alias("u_claim"),
            "u_pr",
            "u_reprocess",
        ),
        rng,
        kind="again",
    )
    reversed_ = _reverse(adjudicated, reversal_events)
    crossed = _crossover(adjudicated, insured, reversal_events)

    # --- remit ids, sequence numbers, check numbers ------------------------------------------
    common = ["event", "order", "claim_id", "payer_c", "date", "status", "icn", "pr_total"]
    parts = (reversed_, adjudicated, readjudicated, crossed)
    claims = pl.concat([x.claims.select(common) for x in parts])
    remits = (
        claims.select("payer_c", "date")
        .unique()
        .sort("date", "payer_c")
        .with_row_index("remit_n", offset=1)
    )
    payer_code = {name: f"{i + 1:02d}" for i, name in enumerate(m.PAYERS)}
    remits = remits.with_columns(remit_id(pl.col("remit_n")).alias("remit_id")).with_columns(
        pl.concat_str(
            pl.col("payer_c").replace_strict(payer_code, return_dtype=pl.String),
            pl.col("remit_id").str.slice(1),
        ).alias("check_number"),
    )
    claims = (
        claims.join(remits, on=["payer_c", "date"])
        .sort("remit_n", "claim_id", "order")
        .with_columns(
            pl.int_range(1, pl.len() + 1).over("remit_n").cast(pl.Int32).alias("remit_claim_seq")
        )
    )
    keyed = claims.select(
        "event",
        "remit_id",
        "remit_claim_seq",
        "check_number",
        "date",
        "payer_c",
        "claim_id",
        "status",
        "icn",
    )
    all_lines = pl.concat([x.lines for x in parts]).join(keyed, on="event")
    all_adj = pl.concat([x.adjustments for x in parts]).join(
        keyed.select("event", "remit_id", "remit_claim_seq"), on="event"
    )

    out_lines = all_lines.sort("remit_id", "remit_claim_seq", "svc_seq", nulls_last=True).select(
        "remit_id",
        "remit_claim_seq",
        pl.col("svc_seq").cast(pl.Int32),
        "claim_id",
        pl.col("status").alias("claim_status_code"),
        pl.col("icn").alias("payer_claim_control_number"),
        pl.col("payer_c").alias("payer"),
        pl.col("date").alias("payment_date"),
        "service_date",
        "check_number",
        "line_control_number",
        pl.col("code").alias("hcpcs_code"),
        *(pl.col(f"m{i}").alias(f"hcpcs_modifier_{i}") for i in range(1, 5)),
        pl.col("code").alias("submitted_hcpcs_code"),
        *(pl.col(f"m{i}").alias(f"submitted_hcpcs_modifier_{i}") for i in range(1, 5)),
        _money("line_charge").alias("line_charge_amount"),
        _money("paid").alias("paid_amount"),
        _money("allowed").alias("allowed_amount"),
        pl.col("units_paid").cast(pl.Decimal(10, 3)),
    )
    out_adj = all_adj.sort(
        "remit_id", "remit_claim_seq", "svc_seq", "order", nulls_last=False
    ).select(
        "remit_id",
        "remit_claim_seq",
        pl.col("svc_seq").cast(pl.Int32),
        "level",
        "group_code",
        "reason_code",
        _money("amount").alias("amount"),
        pl.lit(None, pl.Decimal(10, 3)).alias("quantity"),
    )
    payments = _patient_payments(rng, heads, claims)
    return Remits(
        out_lines.select(pl.col(c).cast(t) for c, t in REMITTANCE_LINES.schema.items()),
        out_adj.select(pl.col(c).cast(t) for c, t in ADJUSTMENTS.schema.items()),
        payments.select(pl.col(c).cast(t) for c, t in PAYMENTS_SCHEMA.items()),
    )


@dataclass(frozen=True)
class _Adjudication:
    claims: pl.DataFrame  # event, order, claim_id, payer_c, date, status, icn, pr_total
    lines: pl.DataFrame  # event, svc_seq, service_date, line_control_number, code, m1..m4, ...
    adjustments: pl.DataFrame  # event, svc_seq, order, level, group_code, reason_code, amount


@cache
def _fee_table() -> pl.DataFrame:
    """Expected allowed amount (cents) of every (payer, code) of the chargemaster."""
    rows = []
    for payer in m.PAYERS:
        change = m.FEE_CHANGES.get(payer)
        for code in m.BASE_FEES:
            later = m.expected_allowed(payer, code, change[0]) if change else None
            rows.append((payer, code, m.expected_allowed(payer, code), change and change[0], later))
    return pl.DataFrame(
        rows,
        schema={
            "payer_c": pl.String,
            "code": pl.String,
            "fee": pl.Int64,
            "fee_from": pl.Date,
            "later_fee": pl.Int64,
        },
        orient="row",
    )


def _adjudicate(
    lines: pl.DataFrame, events: pl.DataFrame, rng: np.random.Generator, *, kind: str
) -> _Adjudication:
    """Adjudicate each event's claim: per-line allowed, patient responsibility, denials."""
    prefix = "A" if kind == "initial" else "B"
    region = "10" if kind == "initial" else "21"
    ev = events.with_columns(pl.concat_str(pl.lit(prefix), pl.col("claim_id")).alias("event"))
    ln = (
        ev.select("event", "claim_id", "date", "u_claim", "u_pr", "remit_hint", "received")
        .join(lines.drop("remit_hint"), on="claim_id")
        .sort("event", "claim_line_number")
    )
    ln = (
        ln.join(_fee_table(), on=["payer_c", "code"], how="left")
        .sort("event", "claim_line_number")  # random draws below are attached by position
        .with_columns(
            pl.when(pl.col("dos") >= pl.col("fee_from"))
            .then(pl.col("later_fee"))
            .otherwise(pl.col("fee"))
            .fill_null((pl.col("charge") * 0.45).round().cast(pl.Int64))
            .alias("fee")
        )
        .drop("fee_from", "later_fee")
    )
    for (payer, code, modifier), cents in m.MODIFIER_FEES.items():
        has_mod = pl.any_horizontal(pl.col(f"m{i}") == modifier for i in range(1, 5))
        ln = ln.with_columns(
            pl.when((pl.col("payer_c") == payer) & (pl.col("code") == code) & has_mod)
            .then(pl.lit(cents, pl.Int64))
            .otherwise("fee")
            .alias("fee")
        )
    # Medicare: the fee-schedule allowed amount of the locality where a shipped release prices
    # the DOS (× units); elsewhere the practice's table above
    ln = ln.with_columns(pl.coalesce(_pfs.allowed_cents(ln), pl.col("fee")).alias("fee"))
    n = ln.height
    u = rng.random((n, 3))
    carc_pick = rng.integers(0, len(DENIAL_CARCS), n)
    hint = pl.col("remit_hint").fill_null("")
    # EL005: Medicare claims of the retroactively restored telehealth lapses are denied only
    # where a planter says so (a random denial there would be an unplanted EL005 finding)
    claim_dos = pl.col("dos").min().over("event")
    spared = (pl.col("payer_type") == "medicare") & pl.any_horizontal(
        claim_dos.is_between(lo, hi) for lo, hi in m.RESTORED_LAPSES
    )
    claim_denial_carc = (
        pl.when(hint.str.starts_with("deny_claim:"))
        .then(hint.str.split(":").list.get(1, null_on_oob=True))
        .when(spared)
        .then(None)
        .when(pl.col("u_claim") < CLAIM_DENIAL_SHARE)
        .then(pl.lit("16"))
        .otherwise(None)
    )
    line_denial_carc = (
        pl.when(hint.str.starts_with("deny_line:"))
        .then(hint.str.split(":").list.get(1, null_on_oob=True))
        .when(spared)
        .then(None)
        .when(pl.col("u_line") < LINE_DENIAL_SHARE if kind == "initial" else pl.lit(False))
        .then(
            pl.when(pl.col("code").is_in(ADD_ONS))
            .then(pl.lit("97"))
            .otherwise(pl.Series("pick", np.asarray(DENIAL_CARCS)[carc_pick]))
        )
        .otherwise(None)
    )
    underpay = (pl.col("u_under") < UNDERPAY_SHARE) if kind == "initial" else pl.lit(False)
    ln = ln.with_columns(
        pl.Series("u_line", u[:, 0]),
        pl.Series("u_under", u[:, 1]),
        pl.Series("u_cut", u[:, 2]),
    ).with_columns(
        claim_denial_carc.alias("claim_carc"),
        line_denial_carc.alias("line_carc"),
        pl.when(underpay)
        .then((pl.col("fee") * (0.85 + 0.1 * pl.col("u_cut"))).round().cast(pl.Int64))
        .otherwise("fee")
        .alias("allowed"),
    )
    # patient responsibility per payer type
    line1 = pl.col("claim_line_number") == 1
    pr_group = (
        pl.when(pl.col("payer_type") == "medicare")
        .then(pl.lit("2"))
        .when(pl.col("payer_type") == "medicare_advantage")
        .then(pl.when(line1).then(pl.lit("3")).otherwise(None))
        .when(pl.col("payer_type").is_in(["commercial", "other"]))
        .then(
            pl.when(pl.col("u_pr") < 0.55)
            .then(pl.when(line1).then(pl.lit("3")).otherwise(None))
            .when(pl.col("u_pr") < 0.8)
            .then(pl.lit("1"))
            .otherwise(pl.lit("2"))
        )
        .otherwise(None)
    )
    pr_amount = (
        pl.when(pl.col("pr_reason") == "2")
        .then((pl.col("allowed") * 0.2).round().cast(pl.Int64))
        .when(pl.col("pr_reason") == "1")
        .then(pl.col("allowed"))
        .when((pl.col("pr_reason") == "3") & (pl.col("payer_type") == "medicare_advantage"))
        .then(pl.min_horizontal("allowed", pl.lit(2000)))
        .when(pl.col("pr_reason") == "3")
        .then(pl.min_horizontal("allowed", pl.lit(3000)))
        .otherwise(0)
    )
    pay_day = pl.col("date").cast(pl.Int32)
    seq_rate = (
        pl.when(pl.col("payer_type") != "medicare")
        .then(0.0)
        .when(pay_day >= SEQUESTRATION_FULL)
        .then(0.02)
        .when(pay_day >= SEQUESTRATION_HALF)
        .then(0.01)
        .when(pay_day >= SEQUESTRATION_PAUSE)
        .then(0.0)
        .otherwise(0.02)
    )
    ln = (
        ln.with_columns(pr_group.alias("pr_reason"))
        .with_columns(pr_amount.alias("pr"))
        .with_columns(
            ((pl.col("allowed") - pl.col("pr")) * seq_rate).round().cast(pl.Int64).alias("seq")
        )
    )
    claim_denied = pl.col("claim_carc").is_not_null()
    line_denied = pl.col("line_carc").is_not_null()
    ln = ln.with_columns(
        pl.when(claim_denied | line_denied).then(0).otherwise("allowed").alias("allowed"),
        pl.when(claim_denied | line_denied).then(0).otherwise("pr").alias("pr"),
        pl.when(claim_denied | line_denied).then(0).otherwise("seq").alias("seq"),
    ).with_columns(
        (pl.col("allowed") - pl.col("pr") - pl.col("seq")).alias("paid"),
        (pl.col("charge") - pl.col("allowed")).alias("co45"),
    )
    claims = (
        ln.group_by("event", maintain_order=True)
        .agg(
            pl.col("claim_id").first(),
            pl.col("claim_number").first(),
            pl.col("payer_c").first(),
            pl.col("date").first(),
            pl.col("received").first(),
            pl.col("claim_carc").first(),
            pl.col("line_carc").is_not_null().all().alias("all_denied"),
            pl.col("charge").sum().alias("total"),
            pl.col("pr").sum().alias("pr_total"),
        )
        .with_columns(
            pl.when(pl.col("claim_carc").is_not_null() | pl.col("all_denied"))
            .then(pl.lit("4"))
            .otherwise(pl.lit("1"))
            .alias("status"),
            icn(pl.col("claim_number"), pl.col("received"), region).alias("icn"),
            pl.lit(1).alias("order"),
        )
    )
    svc = ln.filter(pl.col("claim_carc").is_null()).select(
        "event",
        pl.col("claim_line_number").alias("svc_seq"),
        pl.col("dos").alias("service_date"),
        "line_control_number",
        "code",
        "m1",
        "m2",
        "m3",
        "m4",
        pl.col("charge").alias("line_charge"),
        "paid",
        "allowed",
        pl.col("units").alias("units_paid"),
    )
    no_svc = claims.filter(pl.col("claim_carc").is_not_null()).select(
        "event",
        pl.lit(None, pl.Int32).alias("svc_seq"),
        pl.lit(None, pl.Date).alias("service_date"),
        pl.lit(None, pl.String).alias("line_control_number"),
        pl.lit(None, pl.String).alias("code"),
        *(pl.lit(None, pl.String).alias(f"m{i}") for i in range(1, 5)),
        pl.col("total").alias("line_charge"),
        pl.lit(0, pl.Int64).alias("paid"),
        pl.lit(None, pl.Int64).alias("allowed"),
        pl.lit(None, pl.Int32).alias("units_paid"),
    )
    out_lines = pl.concat(
        [
            svc.with_columns(pl.col("svc_seq").cast(pl.Int32), pl.col("units_paid").cast(pl.Int32)),
            no_svc,
        ]
    )

    live = ln.filter(pl.col("claim_carc").is_null())

    def line_adjustments(
        when: pl.Expr, order: int, group: str, reason: pl.Expr, amount: str
    ) -> pl.DataFrame:
        """Line adjustments of the live lines where ``when`` holds."""
        return live.filter(when).select(
            "event",
            pl.col("claim_line_number").alias("svc_seq"),
            pl.lit(order).alias("order"),
            pl.lit(group).alias("group_code"),
            reason.alias("reason_code"),
            pl.col(amount).alias("amount"),
        )

    adj_parts = [
        line_adjustments(pl.col("line_carc").is_not_null(), 1, "CO", pl.col("line_carc"), "charge"),
        line_adjustments(
            pl.col("line_carc").is_null() & (pl.col("co45") != 0), 1, "CO", pl.lit("45"), "co45"
        ),
        line_adjustments(pl.col("pr") != 0, 2, "PR", pl.col("pr_reason"), "pr"),
        line_adjustments(pl.col("seq") != 0, 3, "CO", pl.lit("253"), "seq"),
    ]
    line_adj = pl.concat(adj_parts).with_columns(
        pl.col("svc_seq").cast(pl.Int32), pl.lit("line").alias("level")
    )
    claim_adj = claims.filter(pl.col("claim_carc").is_not_null()).select(
        "event",
        pl.lit(None, pl.Int32).alias("svc_seq"),
        pl.lit(1).alias("order"),
        pl.lit("CO").alias("group_code"),
        pl.col("claim_carc").alias("reason_code"),
        pl.col("total").alias("amount"),
        pl.lit("claim").alias("level"),
    )
    adjustments = pl.concat([line_adj, claim_adj.select(line_adj.columns)])
    return _Adjudication(claims, out_lines, adjustments)


def _reverse(adj: _Adjudication, events: pl.DataFrame) -> _Adjudication:
    """CLP02 22 reversals of earlier adjudications, amounts negated, on the events' dates."""
    targets = (
        adj.claims.filter(pl.col("status") == "1")
        .join(events.rename({"date": "rev_date"}), on="claim_id")
        .select(
            "event",
            pl.concat_str(pl.lit("R"), pl.col("claim_id")).alias("new_event"),
            "claim_id",
            "claim_number",
            "payer_c",
            pl.col("rev_date").alias("date"),
            "received",
            pl.lit("22").alias("status"),
            "icn",
            pl.lit(0).alias("order"),
            (-pl.col("pr_total")).alias("pr_total"),
        )
    )
    rename = targets.select("event", "new_event")
    lines = (
        adj.lines.join(rename, on="event")
        .with_columns(
            pl.col("new_event").alias("event"),
            -pl.col("line_charge"),
            -pl.col("paid"),
            -pl.col("allowed"),
            -pl.col("units_paid"),
        )
        .drop("new_event")
    )
    adjustments = (
        adj.adjustments.join(rename, on="event")
        .with_columns(pl.col("new_event").alias("event"), -pl.col("amount"))
        .drop("new_event")
    )
    claims = targets.drop("event").rename({"new_event": "event"})
    return _Adjudication(claims, lines, adjustments)


def _crossover(
    adj: _Adjudication, insured: pl.DataFrame, reversal_events: pl.DataFrame
) -> _Adjudication:
    """Medicare claims of dual eligibles crossed over to NY Medicaid, which pays the coinsurance
    as secondary payer (CLP02 2): paid = Medicare's patient responsibility on each line, the rest
    adjusted OA 23 (the prior payer's adjudication), two to four weeks after Medicare pays."""
    claims = (
        adj.claims.filter(pl.col("status") == "1", pl.col("pr_total") > 0)
        .join(insured.select("claim_id", "secondary"), on="claim_id")
        .filter(
            pl.col("secondary").is_not_null(),
            ~pl.col("claim_id").is_in(reversal_events["claim_id"].implode()),
        )
        .with_columns(
            (
                pl.col("date")
                + pl.duration(days=14 + pl.col("claim_number").str.slice(-2).cast(pl.Int64) % 15)
            ).alias("date")
        )
        .filter(pl.col("date") <= pl.lit(m.AS_OF))
        .select(
            "event",
            pl.concat_str(pl.lit("X"), pl.col("claim_id")).alias("new_event"),
            "claim_id",
            "claim_number",
            pl.col("secondary").alias("payer_c"),
            "date",
            pl.lit("2").alias("status"),
            icn(pl.col("claim_number"), pl.col("date"), "30").alias("icn"),
            pl.lit(2).alias("order"),
            pl.lit(0, pl.Int64).alias("pr_total"),
        )
    )
    rename = claims.select("event", "new_event")
    pr = (
        adj.adjustments.filter(pl.col("group_code") == "PR")
        .group_by("event", "svc_seq")
        .agg(pl.col("amount").sum().alias("pr"))
    )
    lines = (
        adj.lines.join(rename, on="event")
        .join(pr, on=["event", "svc_seq"], how="left")
        .with_columns(pl.col("new_event").alias("event"), pl.col("pr").fill_null(0).alias("paid"))
        .drop("new_event", "pr")
    )
    adjustments = lines.filter(pl.col("line_charge") != pl.col("paid")).select(
        "event",
        "svc_seq",
        pl.lit(1).alias("order"),
        pl.lit("OA").alias("group_code"),
        pl.lit("23").alias("reason_code"),
        (pl.col("line_charge") - pl.col("paid")).alias("amount"),
        pl.lit("line").alias("level"),
    )
    return _Adjudication(claims.drop("event").rename({"new_event": "event"}), lines, adjustments)


def _patient_payments(
    rng: np.random.Generator, heads: pl.DataFrame, events: pl.DataFrame
) -> pl.DataFrame:
    """What patients pay, and what the practice discounts, writes off and refunds (integer cents;
    ``kind`` payment, discount, write_off, refund). Rows dated after ``AS_OF`` are left out, so
    recent balances are still open.

    ``events``: every remittance claim event (claim_id, date, pr_total; reversals negative), so a
    claim's patient responsibility is what its remittances leave it as of ``AS_OF``, billed on its
    latest adjudication with responsibility. Claims of dual eligibles are left out (NY Medicaid,
    their secondary payer, pays their responsibility).
    """
    as_of = pl.lit(m.AS_OF)
    owed = (
        events.group_by("claim_id")
        .agg(
            pl.col("pr_total").sum().alias("pr"),
            pl.col("date").filter(pl.col("pr_total") > 0).max().alias("billed"),
        )
        .join(heads.select("claim_id", "secondary"), on="claim_id")
        .filter(pl.col("pr") > 0, pl.col("secondary").is_null())
        .sort("claim_id")
    )
    sp = heads.filter(pl.col("payer_type") == "self_pay", pl.col("freq") == "1").sort("claim_id")
    sp = _draws(rng, sp.rename({"dos": "billed"})).with_columns(
        ((pl.col("total") * PROMPT_PAY_DISCOUNT_PCT) // 100).alias("discount"),
        ((pl.col("total") * DEPOSIT_PCT) // 100).alias("deposit"),
    )
    return (
        pl.concat([*_insured_rows(_draws(rng, owed), as_of), *_self_pay_rows(sp, as_of)])
        .filter(pl.col("payment_date") <= as_of, pl.col("amount") > 0)
        .sort("claim_id", "payment_date", "kind")
        .with_columns(_money("amount"))
    )


def _draws(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """Four uniform draws per balance (u: its fate; u_days, u_late: delays; u_frac: a share) and
    the dates that follow from ``billed``: ``on`` the first statement's payment, ``late`` a
    payment after more statements, ``off`` the write-off."""
    u = rng.random((frame.height, 4))
    billed = pl.col("billed")
    return frame.with_columns(
        *(pl.Series(name, u[:, i]) for i, name in enumerate(("u", "u_days", "u_late", "u_frac")))
    ).with_columns(
        (billed + pl.duration(days=STATEMENT_DAYS + (pl.col("u_days") * 46).cast(pl.Int64))).alias(
            "on"
        ),
        (billed + pl.duration(days=LATE_DAYS + (pl.col("u_late") * 60).cast(pl.Int64))).alias(
            "late"
        ),
        (billed + pl.duration(days=WRITE_OFF_DAYS)).alias("off"),
    )


def _rows(frame: pl.DataFrame, when: str | pl.Expr, amount: pl.Expr, kind: str) -> pl.DataFrame:
    return frame.select(
        "claim_id",
        (pl.col(when) if isinstance(when, str) else when).alias("payment_date"),
        amount.cast(pl.Int64).alias("amount"),
        pl.lit(kind).alias("kind"),
    )


def _insured_rows(owed: pl.DataFrame, as_of: pl.Expr) -> list[pl.DataFrame]:
    """Patient responsibility after the remittance (the PR_* shares); one patient pays twice and
    is refunded the second payment."""
    pr, u = pl.col("pr"), pl.col("u")
    full = owed.filter(u < PR_FULL)
    instalments = owed.filter(u >= PR_FULL, u < PR_INSTALMENTS)
    partly = owed.filter(u >= PR_INSTALMENTS, u < PR_PARTLY).with_columns(
        (pr * (0.3 + 0.4 * pl.col("u_frac"))).floor().cast(pl.Int64).alias("part")
    )
    late = owed.filter(u >= PR_PARTLY, u < PR_LATE)
    written_off = owed.filter(u >= PR_LATE, u < PR_WRITTEN_OFF)
    twice = full.filter(pl.col("on") + pl.duration(days=35) <= as_of)
    twice = twice.filter(pl.col("u_frac") == pl.col("u_frac").min())
    first = pr // 2
    rest = pr - pl.col("part")
    return [
        _rows(full, "on", pr, "payment"),
        _rows(instalments, "on", first, "payment"),
        _rows(instalments, pl.col("on") + pl.duration(days=30), pr - first, "payment"),
        _rows(partly, "on", pl.col("part"), "payment"),
        _rows(partly.filter(pl.col("u_frac") < 0.5), "late", rest, "payment"),
        _rows(partly.filter(pl.col("u_frac").is_between(0.5, 0.85)), "off", rest, "write_off"),
        _rows(late, "late", pr, "payment"),
        _rows(written_off, "off", pr, "write_off"),
        _rows(twice, pl.col("on") + pl.duration(days=5), pr, "payment"),
        _rows(twice, pl.col("on") + pl.duration(days=35), pr, "refund"),
    ]


def _self_pay_rows(sp: pl.DataFrame, as_of: pl.Expr) -> list[pl.DataFrame]:
    """Self-pay visits (the SP_* shares; ``billed`` is the date of service); one patient pays
    full price at the visit and is refunded the prompt-pay discount."""
    total, dos, u = pl.col("total"), pl.col("billed"), pl.col("u")
    deposit, discount = pl.col("deposit"), pl.col("discount")
    prompt = sp.filter(u < SP_PROMPT)
    refunded = prompt.filter(dos + pl.duration(days=10) <= as_of)
    refunded = refunded.filter(pl.col("u_frac") == pl.col("u_frac").min())
    full_price = pl.col("claim_id").is_in(refunded["claim_id"].implode())
    statement = sp.filter(u >= SP_PROMPT, u < SP_STATEMENT)
    with_deposit = sp.filter(u >= SP_STATEMENT, u < SP_DEPOSIT)
    rest_open = with_deposit.filter(pl.col("u_frac") >= 0.6)  # written off after 120 days
    unpaid = sp.filter(u >= SP_DEPOSIT)
    return [
        _rows(prompt, dos, discount, "discount"),
        _rows(prompt, dos, pl.when(full_price).then(total).otherwise(total - discount), "payment"),
        _rows(refunded, dos + pl.duration(days=10), discount, "refund"),
        _rows(statement, "on", total, "payment"),
        _rows(with_deposit, dos, deposit, "payment"),
        _rows(with_deposit.filter(pl.col("u_frac") < 0.6), "late", total - deposit, "payment"),
        _rows(rest_open, "off", total - deposit, "write_off"),
        _rows(unpaid.filter(pl.col("u_frac") < 0.8), "off", total, "write_off"),
    ]
