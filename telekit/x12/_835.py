"""835 (005010X221A1, also 004010X091A1) health care claim payment advice -> ``Remittances``.

Loops of the implementation guide, with an example segment of each::

    header  BPR*I*1222*C*CHK************20050412~  TRN*1*0012524965*1559123456~  DTM*405*20050412~
    1000A   N1*PR*PAYER NAME*XV*87726~            (payer: N104, else N102)
    2100    CLP*C100*1*751.50*310*220*12*ICN123**1~  CAS*CO*45*20~  MOA***MA02~  DTM*232*20240105~
    2110    SVC*HC:99213:95*140*74.19**1~  DTM*472*20240105~  CAS*PR*2*18.55~  REF*6R*C100L1~
            AMT*B6*92.74~  LQ*HE*N30~
    footer  PLB*1234567893*20241231*WO:ICN123*-12.50~

Keys: ``remit_id`` = ISA13-GS06-ST02; ``remit_claim_seq`` = order of the CLP in its transaction
set; ``svc_seq`` = order of the SVC in its CLP (null for the one row of a claim without SVC, which
carries CLP03/CLP04 as its charge and payment). Patient and insured names (NM1*QC, NM1*IL) are
never read.

Parsing is one pass over the segments that appends raw text to per-frame row lists; every value
is then typed, validated and balanced over whole frames (``telekit._io._coerce`` through
``build_table``): a row that cannot be represented goes to ``rejects`` with an ``error`` issue,
and balancing mismatches are ``warning`` issues with the data kept:

- line: SVC02 - sum of the line's CAS amounts = SVC03;
- claim: CLP03 - sum of every CAS of the claim (claim and line level) = CLP04;
- transaction: BPR02 = sum of CLP04 - sum of PLB amounts (BPR02 negated when BPR03 is ``D``).

Reversals (CLP02 ``22``) and corrected claims are kept as written, never netted.

Pass 1 (the parser) is ``telekit.x12._835_parse``; the checks of pass 2 (unreadable amounts,
balancing, element labels of rejects) are ``telekit.x12._835_checks``; this module builds the
frames.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl

from telekit._core._columns import (
    ADJUSTMENTS,
    AMOUNT,
    CHECK_NUMBER,
    CLAIM_FREQUENCY_CODE,
    CLAIM_ID,
    CLAIM_STATUS_CODE,
    ISSUES_SCHEMA,
    LEVEL,
    LINE_CHARGE_AMOUNT,
    MONEY,
    PAID_AMOUNT,
    PAYER,
    PAYER_CLAIM_CONTROL_NUMBER,
    PAYMENT_DATE,
    REASON_CODE,
    REJECTS_SCHEMA,
    REMIT_CLAIM_SEQ,
    REMIT_ID,
    REMITTANCE_LINES,
    SERVICE_DATE,
    SVC_SEQ,
)
from telekit._core._remittances import (
    CLAIMS_SCHEMA,
    PATIENT_RESPONSIBILITY_AMOUNT,
    PAYMENTS_SCHEMA,
    PROVIDER_ADJUSTMENTS_SCHEMA,
    REFERENCE,
    REMARK_CODE,
    REMARKS_SCHEMA,
    TOTAL_CHARGE_AMOUNT,
    TOTAL_PAID_AMOUNT,
    Remittances,
)
from telekit._core._table import Table
from telekit._io import _coerce
from telekit._io._build import build_table
from telekit._io._maps import TableMap
from telekit._io._source import ROW, RawSource
from telekit.x12._835_checks import (
    balance_issues,
    cas_element,
    d8,
    money,
    money_issues,
    reject_issues,
)
from telekit.x12._835_parse import (
    CLAIM_FILING_INDICATOR_CODE,
    CREDIT_DEBIT_FLAG_CODE,
    FISCAL_PERIOD_DATE,
    PAYMENT_METHOD_CODE,
    PROVIDER_ID,
    RAW_ADJ,
    RAW_CLAIM,
    RAW_LINE,
    RAW_PLB,
    RAW_REMARK,
    RAW_TX,
    Parser,
)
from telekit.x12._tokenizer import Segment, iter_segments, source_label

__all__ = [
    "X12_CLAIMS_SCHEMA",
    "X12_PAYMENTS_SCHEMA",
    "X12_PROVIDER_ADJUSTMENTS_SCHEMA",
    "X12_REMARKS_SCHEMA",
    "read_835",
]

# --- the frames' schemas: the CSV form's, then what only an 835 has ---------------------------

X12_CLAIMS_SCHEMA = pl.Schema(
    {**CLAIMS_SCHEMA, CLAIM_FILING_INDICATOR_CODE: pl.String(), CLAIM_FREQUENCY_CODE: pl.String()}
)
X12_PAYMENTS_SCHEMA = pl.Schema(
    {**PAYMENTS_SCHEMA, PAYMENT_METHOD_CODE: pl.String(), CREDIT_DEBIT_FLAG_CODE: pl.String()}
)
X12_REMARKS_SCHEMA = pl.Schema({**REMARKS_SCHEMA, LEVEL: pl.String()})
X12_PROVIDER_ADJUSTMENTS_SCHEMA = pl.Schema(
    {**PROVIDER_ADJUSTMENTS_SCHEMA, PROVIDER_ID: pl.String(), FISCAL_PERIOD_DATE: pl.Date()}
)

_D8_REASON = "expected a date (CCYYMMDD)"
_SUB = 8  # adjustments' row key: CAS ordinal * 8 + triple (decoded after coercion)


def read_835(source: str | Path | bytes, *, name: str | None = None) -> Remittances:
    """Read an 835 file (a path or its bytes) into a ``Remittances``.

    Every ISA/GS/ST envelope of the file is read; a transaction set that is not an 835 in a
    supported version (005010X221, 004010X091) is skipped with an ``error`` issue, and a file
    with none raises ``UnsupportedFormatError``. ``name`` labels bytes in messages.
    """
    label = name or source_label(source)
    path = label if isinstance(source, bytes | bytearray) else str(source)
    parser = Parser(label)
    parser.run(_segments(source, label))
    return _build(parser, path)


def _segments(source: str | Path | bytes, label: str) -> Iterator[Segment]:
    return iter_segments(source, name=label)


# --- pass 2: frames ----------------------------------------------------------------------------


def _build(parser: Parser, path: str) -> Remittances:
    txs = pl.DataFrame(parser.tx_rows, schema=RAW_TX, orient="row")
    claims_raw = pl.DataFrame(parser.claim_rows, schema=RAW_CLAIM, orient="row")
    lines_raw = pl.DataFrame(parser.line_rows, schema=RAW_LINE, orient="row")
    adj_raw = pl.DataFrame(parser.adj_rows, schema=RAW_ADJ, orient="row")
    remarks_raw = pl.DataFrame(parser.remark_rows, schema=RAW_REMARK, orient="row")
    plb_raw = pl.DataFrame(parser.plb_rows, schema=RAW_PLB, orient="row")

    keys = claims_raw.select("tx", "claim", REMIT_CLAIM_SEQ).join(
        txs.select("tx", REMIT_ID), on="tx", how="left"
    )
    line_table, line_issues = _lines(parser, txs, claims_raw, lines_raw, path)
    adj_table, adj_issues = _adjustments(parser, keys, adj_raw, path)
    issues = [
        parser.env.issues_frame(),
        line_issues,
        adj_issues,
        *money_issues(parser.file, claims_raw, txs, plb_raw),
        *balance_issues(
            parser.file,
            txs=txs,
            claims_raw=claims_raw,
            lines_raw=lines_raw,
            adj_raw=adj_raw,
            plb_raw=plb_raw,
        ),
    ]
    remarks = (
        remarks_raw.join(keys, on="claim", how="left")
        .select(
            REMIT_ID,
            REMIT_CLAIM_SEQ,
            SVC_SEQ,
            pl.col(REMARK_CODE).str.to_uppercase(),
            LEVEL,
        )
        .cast(X12_REMARKS_SCHEMA)
    )
    return Remittances(
        lines=line_table.data,
        adjustments=adj_table.data,
        claims=_claims_frame(txs, claims_raw),
        payments=_payments_frame(txs),
        remarks=remarks,
        provider_adjustments=_plb_frame(txs, plb_raw),
        issues=pl.concat(issues).sort("segment_number", maintain_order=True),
        rejects=pl.concat([line_table.rejects, adj_table.rejects, _cut_rejects(parser, path)]),
        rows_in=line_table.rows_in + adj_table.rows_in + len(parser.cut),
        sources=(path,),
    )


def _cut_rejects(parser: Parser, path: str) -> pl.DataFrame:
    """The claims, service lines and adjustments the file ends inside, as rejects."""
    name = Path(path).name
    rows = [(table, name, at, None, None, None, why) for table, at, why in parser.cut]
    return pl.DataFrame(rows, schema=REJECTS_SCHEMA, orient="row")


def _lines(
    parser: Parser, txs: pl.DataFrame, claims_raw: pl.DataFrame, lines_raw: pl.DataFrame, path: str
) -> tuple[Table, pl.DataFrame]:
    """Service lines, plus one row per claim without SVC, typed through ``build_table``."""
    claim_part = claims_raw.with_columns(
        pl.when(_coerce.parse_date(pl.col("statement_date")).is_not_null())
        .then(pl.col("statement_date"))
        .alias("statement_date")
    ).join(txs.select("tx", REMIT_ID, PAYER, PAYMENT_DATE, CHECK_NUMBER), on="tx", how="left")
    with_svc = lines_raw.join(claim_part, on="claim", how="inner").with_columns(
        pl.coalesce("date_472", "date_150", "statement_date").alias(SERVICE_DATE),
        pl.col("svc_at").alias(ROW),
        pl.lit("SVC").alias("__segment"),
    )
    without_svc = claim_part.join(lines_raw.select("claim"), on="claim", how="anti").select(
        pl.exclude("clp03", "clp04"),
        pl.lit(None, pl.Int64).alias(SVC_SEQ),
        pl.col("statement_date").alias(SERVICE_DATE),
        pl.col("clp03").alias(LINE_CHARGE_AMOUNT),
        pl.col("clp04").alias(PAID_AMOUNT),
        pl.col("clp_at").alias(ROW),
        pl.lit("CLP").alias("__segment"),
    )
    names = REMITTANCE_LINES.names
    raw = (
        pl.concat([with_svc, without_svc], how="diagonal")
        .sort("claim", SVC_SEQ, nulls_last=False)
        .select(
            *(pl.col(c).cast(pl.String).alias(f"c{i}") for i, c in enumerate(names)),
            pl.col(ROW).cast(pl.Int64),
            "__segment",
        )
    )
    table = build_table(
        REMITTANCE_LINES,
        RawSource(parser.file, path, tuple(names), raw.drop("__segment")),
        TableMap(),
    )
    x12_date = pl.col("reason").str.replace(_coerce.DEFAULT_DATE_REASON, _D8_REASON, literal=True)
    table = replace(table, rejects=table.rejects.with_columns(x12_date))
    where = raw.select(pl.col(ROW).alias("row_number"), "__segment").unique("row_number")
    return table, reject_issues(parser.file, table.rejects, where, REMITTANCE_LINES)


def _adjustments(
    parser: Parser, keys: pl.DataFrame, adj_raw: pl.DataFrame, path: str
) -> tuple[Table, pl.DataFrame]:
    names = ADJUSTMENTS.names
    joined = adj_raw.join(keys, on="claim", how="left", maintain_order="left")
    raw = joined.select(
        *(pl.col(c).cast(pl.String).alias(f"c{i}") for i, c in enumerate(names)),
        (pl.col("cas_at") * _SUB + pl.col("triple")).alias(ROW),
    )
    table = build_table(ADJUSTMENTS, RawSource(parser.file, path, tuple(names), raw), TableMap())
    rejects = table.rejects.with_columns(pl.col("row_number") // _SUB)
    coded = table.rejects.select(
        (pl.col("row_number") // _SUB).alias("at"),
        (pl.col("row_number") % _SUB).alias("triple"),
        "column",
        "reason",
    )
    issues = coded.select(
        pl.lit(parser.file).alias("file"),
        pl.col("at").alias("segment_number"),
        pl.lit("CAS").alias("segment_id"),
        pl.lit("error").alias("severity"),
        pl.format(
            "{}: segment {} (CAS): {}: {}; the adjustments row is in rejects.",
            pl.lit(parser.file),
            pl.col("at"),
            cas_element(),
            pl.col("reason"),
        ).alias("message"),
    ).cast(ISSUES_SCHEMA)
    return replace(table, rejects=rejects), issues


def _code(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().str.to_uppercase()


def _claims_frame(txs: pl.DataFrame, claims_raw: pl.DataFrame) -> pl.DataFrame:
    """One row per CLP: its own totals (CLP03, CLP04, CLP05; CLP05 empty is 0)."""
    return (
        claims_raw.join(txs.select("tx", REMIT_ID, PAYER, PAYMENT_DATE), on="tx", how="left")
        .select(
            REMIT_ID,
            REMIT_CLAIM_SEQ,
            CLAIM_ID,
            _code(CLAIM_STATUS_CODE),
            PAYER_CLAIM_CONTROL_NUMBER,
            PAYER,
            d8(PAYMENT_DATE),
            money("clp03").alias(TOTAL_CHARGE_AMOUNT),
            money("clp04").alias(PAID_AMOUNT),
            pl.when(pl.col("clp05").is_null())
            .then(pl.lit(0, MONEY))
            .otherwise(money("clp05"))
            .alias(PATIENT_RESPONSIBILITY_AMOUNT),
            _code(CLAIM_FILING_INDICATOR_CODE),
            _code(CLAIM_FREQUENCY_CODE),
        )
        .cast(X12_CLAIMS_SCHEMA)
    )


def _payments_frame(txs: pl.DataFrame) -> pl.DataFrame:
    return txs.select(
        REMIT_ID,
        PAYER,
        d8(PAYMENT_DATE),
        CHECK_NUMBER,
        money("bpr02").alias(TOTAL_PAID_AMOUNT),
        _code("bpr04").alias(PAYMENT_METHOD_CODE),
        _code("bpr03").alias(CREDIT_DEBIT_FLAG_CODE),
    ).cast(X12_PAYMENTS_SCHEMA)


def _plb_frame(txs: pl.DataFrame, plb_raw: pl.DataFrame) -> pl.DataFrame:
    return (
        plb_raw.join(txs.select("tx", REMIT_ID), on="tx", how="left", maintain_order="left")
        .select(
            REMIT_ID,
            _code(REASON_CODE),
            REFERENCE,
            money(AMOUNT),
            PROVIDER_ID,
            d8(FISCAL_PERIOD_DATE),
        )
        .cast(X12_PROVIDER_ADJUSTMENTS_SCHEMA)
    )
