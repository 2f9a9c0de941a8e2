"""835 pass 2 checks over whole frames: amounts read from raw text, element labels of rejected
values, and the ``error`` / ``warning`` issues (unreadable amounts, balancing mismatches).

- line: SVC02 - sum of the line's CAS amounts = SVC03;
- claim: CLP03 - sum of every CAS of the claim (claim and line level) = CLP04;
- transaction: BPR02 = sum of CLP04 - sum of PLB amounts (BPR02 negated when BPR03 is ``D``).
"""

from __future__ import annotations

import polars as pl

from telekit._core._columns import (
    ALLOWED_AMOUNT,
    AMOUNT,
    CLAIM_ID,
    CLAIM_STATUS_CODE,
    GROUP_CODE,
    HCPCS_CODE,
    ISSUES_SCHEMA,
    LEVEL,
    LINE_CHARGE_AMOUNT,
    LINE_CONTROL_NUMBER,
    MODIFIERS,
    MONEY,
    PAID_AMOUNT,
    PAYER_CLAIM_CONTROL_NUMBER,
    QUANTITY,
    REASON_CODE,
    SERVICE_DATE,
    SUBMITTED_HCPCS_CODE,
    SUBMITTED_MODIFIERS,
    SVC_SEQ,
    UNITS_PAID,
    TableSpec,
)
from telekit._io import _coerce
from telekit.x12._835_parse import FISCAL_PERIOD_DATE

# where each column of a line row comes from, for messages: (segment id, element label)
_LINE_SOURCES: dict[str, tuple[str, str]] = {
    CLAIM_ID: ("CLP", "CLP01 (element 1)"),
    CLAIM_STATUS_CODE: ("CLP", "CLP02 (element 2)"),
    PAYER_CLAIM_CONTROL_NUMBER: ("CLP", "CLP07 (element 7)"),
    SERVICE_DATE: ("SVC", "DTM02 (element 2) of the line's DTM*472/150"),
    LINE_CONTROL_NUMBER: ("SVC", "REF02 (element 2) of the line's REF*6R"),
    HCPCS_CODE: ("SVC", "SVC01-2 (element 1, component 2)"),
    SUBMITTED_HCPCS_CODE: ("SVC", "SVC06-2 (element 6, component 2)"),
    LINE_CHARGE_AMOUNT: ("SVC", "SVC02 (element 2)"),
    PAID_AMOUNT: ("SVC", "SVC03 (element 3)"),
    ALLOWED_AMOUNT: ("SVC", "AMT02 (element 2) of the line's AMT*B6"),
    UNITS_PAID: ("SVC", "SVC05 (element 5)"),
}
_CLAIM_ROW_SOURCES: dict[str, str] = {
    LINE_CHARGE_AMOUNT: "CLP03 (element 3)",
    PAID_AMOUNT: "CLP04 (element 4)",
    SERVICE_DATE: "DTM02 (element 2) of the claim's DTM*232",
}


def money(col: str) -> pl.Expr:
    return _coerce.parse_decimal(pl.col(col), scale=2, dtype=MONEY)


def d8(col: str) -> pl.Expr:
    parsed = pl.col(col).str.to_date("%Y%m%d", strict=False)
    return pl.when(
        pl.col(col).str.contains(r"^[0-9]{8}$") & parsed.dt.year().is_between(1000, 9999)
    ).then(parsed)


def unreadable(col: str) -> pl.Expr:
    """Text present that does not read as an amount."""
    return pl.col(col).is_not_null() & money(col).is_null()


def cas_element() -> pl.Expr:
    """``CASnn (element n)`` of the rejected column, from the triple (0-5) of the row."""
    first = pl.lit(2) + pl.col("triple") * 3
    pos = (
        pl.when(pl.col("column") == GROUP_CODE)
        .then(pl.lit(1))
        .when(pl.col("column") == REASON_CODE)
        .then(first)
        .when(pl.col("column") == AMOUNT)
        .then(first + 1)
        .when(pl.col("column") == QUANTITY)
        .then(first + 2)
        .otherwise(first)
    )
    return pl.format("CAS{} (element {})", pos.cast(pl.String).str.zfill(2), pos)


def reject_issues(
    file: str, rejects: pl.DataFrame, where: pl.DataFrame, spec: TableSpec
) -> pl.DataFrame:
    """One ``error`` issue per rejected line row, naming the element its value came from."""
    key = ", ".join(spec.key)
    svc_labels = (
        {c: label for c, (_, label) in _LINE_SOURCES.items()}
        | {m: f"SVC01-{i + 3} (element 1, component {i + 3})" for i, m in enumerate(MODIFIERS)}
        | {
            m: f"SVC06-{i + 3} (element 6, component {i + 3})"
            for i, m in enumerate(SUBMITTED_MODIFIERS)
        }
    )
    clp_labels = _CLAIM_ROW_SOURCES | {
        c: label for c, (sid, label) in _LINE_SOURCES.items() if sid == "CLP"
    }

    def label(labels: dict[str, str]) -> pl.Expr:
        return pl.col("column").replace_strict(labels, default=pl.lit(key), return_dtype=pl.String)

    segment = pl.col("__segment").fill_null("SVC")
    return (
        rejects.join(where, on="row_number", how="left", maintain_order="left")
        .select(
            pl.lit(file).alias("file"),
            pl.col("row_number").alias("segment_number"),
            segment.alias("segment_id"),
            pl.lit("error").alias("severity"),
            pl.format(
                "{}: segment {} ({}): {}: {}; the {} row is in rejects.",
                pl.lit(file),
                pl.col("row_number"),
                segment,
                pl.when(segment == "CLP").then(label(clp_labels)).otherwise(label(svc_labels)),
                pl.col("reason"),
                pl.lit(spec.name),
            ).alias("message"),
        )
        .cast(ISSUES_SCHEMA)
    )


def issue_frame(
    file: str, frame: pl.DataFrame, *, at: str, segment_id: str, severity: str, text: pl.Expr
) -> pl.DataFrame:
    """One issue per row of ``frame``, at the segment ordinal in column ``at``."""
    return frame.select(
        pl.lit(file).alias("file"),
        pl.col(at).alias("segment_number"),
        pl.lit(segment_id).alias("segment_id"),
        pl.lit(severity).alias("severity"),
        pl.format(
            "{}: segment {} ({}): {}", pl.lit(file), pl.col(at), pl.lit(segment_id), text
        ).alias("message"),
    ).cast(ISSUES_SCHEMA)


def money_issues(
    file: str, claims_raw: pl.DataFrame, txs: pl.DataFrame, plb_raw: pl.DataFrame
) -> list[pl.DataFrame]:
    """Amounts of CLP, BPR and PLB that cannot be read: kept as null, with an ``error``."""
    reason = _coerce.REASONS["money"]
    out = []
    for col, label in (("clp03", "CLP03 (element 3)"), ("clp04", "CLP04 (element 4)"),
                       ("clp05", "CLP05 (element 5)")):  # fmt: skip
        bad = claims_raw.filter(unreadable(col))
        text = pl.lit(f"{label}: {reason}; the claim is kept with it empty.")
        out.append(
            issue_frame(file, bad, at="clp_at", segment_id="CLP", severity="error", text=text)
        )
    bad_bpr = txs.filter(unreadable("bpr02"))
    text = pl.lit(f"BPR02 (element 2): {reason}; the payment is kept with it empty.")
    out.append(
        issue_frame(file, bad_bpr, at="bpr_at", segment_id="BPR", severity="error", text=text)
    )
    bad_plb = plb_raw.filter(unreadable(AMOUNT))
    text = pl.format(
        "PLB{} (element {}): {}; the adjustment is kept with it empty.",
        (pl.col("pos") + 1).cast(pl.String).str.zfill(2),
        pl.col("pos") + 1,
        pl.lit(reason),
    )
    out.append(
        issue_frame(file, bad_plb, at="plb_at", segment_id="PLB", severity="error", text=text)
    )
    bad_fiscal = plb_raw.filter(
        pl.col(FISCAL_PERIOD_DATE).is_not_null() & d8(FISCAL_PERIOD_DATE).is_null()
    ).unique("plb_at", keep="first", maintain_order=True)
    text = pl.lit(
        "PLB02 (element 2) is not a date (CCYYMMDD); the adjustment is kept with it empty."
    )
    out.append(
        issue_frame(file, bad_fiscal, at="plb_at", segment_id="PLB", severity="warning", text=text)
    )
    return out


def balance_issues(
    file: str,
    *,
    txs: pl.DataFrame,
    claims_raw: pl.DataFrame,
    lines_raw: pl.DataFrame,
    adj_raw: pl.DataFrame,
    plb_raw: pl.DataFrame,
) -> list[pl.DataFrame]:
    """Balancing checks over whole frames; a check with an unreadable amount is not made."""
    zero = pl.lit(0, MONEY)

    def sums(frame: pl.DataFrame, by: list[str], col: str, name: str) -> pl.DataFrame:
        return frame.group_by(by).agg(
            money(col).sum().alias(name), unreadable(col).any().alias(f"{name}_bad")
        )

    adj = adj_raw.filter(pl.col(AMOUNT).is_not_null())
    line_cas = sums(adj.filter(pl.col(LEVEL) == "line"), ["claim", SVC_SEQ], AMOUNT, "cas")
    lines = (
        lines_raw.join(line_cas, on=["claim", SVC_SEQ], how="left")
        .with_columns(pl.col("cas").fill_null(zero), pl.col("cas_bad").fill_null(False))
        .filter(
            money(LINE_CHARGE_AMOUNT).is_not_null(),
            money(PAID_AMOUNT).is_not_null(),
            ~pl.col("cas_bad"),
        )
        .filter(money(LINE_CHARGE_AMOUNT) - pl.col("cas") != money(PAID_AMOUNT))
    )
    line_text = pl.lit(
        "SVC03 (element 3) does not balance: SVC02 minus the line's CAS amounts differs from "
        "SVC03; the line is kept."
    )
    claim_cas = sums(adj, ["claim"], AMOUNT, "cas")
    claims = (
        claims_raw.join(claim_cas, on="claim", how="left")
        .with_columns(pl.col("cas").fill_null(zero), pl.col("cas_bad").fill_null(False))
        .filter(money("clp03").is_not_null(), money("clp04").is_not_null(), ~pl.col("cas_bad"))
        .filter(money("clp03") - pl.col("cas") != money("clp04"))
    )
    claim_text = pl.lit(
        "CLP04 (element 4) does not balance: CLP03 minus the CAS amounts of the claim and its "
        "lines differs from CLP04; the claim is kept."
    )
    paid = sums(claims_raw.filter(pl.col("clp04").is_not_null()), ["tx"], "clp04", "paid")
    plb = sums(plb_raw.filter(pl.col(AMOUNT).is_not_null()), ["tx"], AMOUNT, "plb")
    total = pl.when(pl.col("bpr03") == "D").then(-money("bpr02")).otherwise(money("bpr02"))
    tx = (
        txs.filter(pl.col("bpr_at").is_not_null(), money("bpr02").is_not_null())
        .join(paid, on="tx", how="left")
        .join(plb, on="tx", how="left")
        .with_columns(
            pl.col("paid", "plb").fill_null(zero), pl.col("paid_bad", "plb_bad").fill_null(False)
        )
        .filter(~pl.col("paid_bad"), ~pl.col("plb_bad"))
        .filter(total != pl.col("paid") - pl.col("plb"))
    )
    tx_text = pl.lit(
        "BPR02 (element 2) does not balance: the sum of CLP04 minus the sum of PLB amounts "
        "differs from BPR02; the payment is kept."
    )
    return [
        issue_frame(file, lines, at="svc_at", segment_id="SVC", severity="warning", text=line_text),
        issue_frame(
            file, claims, at="clp_at", segment_id="CLP", severity="warning", text=claim_text
        ),
        issue_frame(file, tx, at="bpr_at", segment_id="BPR", severity="warning", text=tx_text),
    ]
