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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl

from telekit._core._columns import (
    ADJUSTMENTS,
    ALLOWED_AMOUNT,
    AMOUNT,
    CHECK_NUMBER,
    CLAIM_FREQUENCY_CODE,
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
    PAYER,
    PAYER_CLAIM_CONTROL_NUMBER,
    PAYMENT_DATE,
    QUANTITY,
    REASON_CODE,
    REJECTS_SCHEMA,
    REMIT_CLAIM_SEQ,
    REMIT_ID,
    REMITTANCE_LINES,
    SERVICE_DATE,
    SUBMITTED_HCPCS_CODE,
    SUBMITTED_MODIFIERS,
    SVC_SEQ,
    UNITS_PAID,
    TableSpec,
)
from telekit._core._exceptions import UnsupportedFormatError
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
from telekit.x12._envelope import Envelope, Severity
from telekit.x12._tokenizer import Segment, iter_segments, source_label

__all__ = [
    "X12_CLAIMS_SCHEMA",
    "X12_PAYMENTS_SCHEMA",
    "X12_PROVIDER_ADJUSTMENTS_SCHEMA",
    "X12_REMARKS_SCHEMA",
    "read_835",
]

# --- the frames' extra columns (the CSV form's schemas first, then what only an 835 has) -----

CLAIM_FILING_INDICATOR_CODE = "claim_filing_indicator_code"
PAYMENT_METHOD_CODE = "payment_method_code"
CREDIT_DEBIT_FLAG_CODE = "credit_debit_flag_code"
PROVIDER_ID = "provider_id"
FISCAL_PERIOD_DATE = "fiscal_period_date"

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

SUPPORTED_GUIDES = ("005010X221", "004010X091")  # 835 5010 (A1 included) and 4010
_CAS_TRIPLES = 6  # CAS02-04 ... CAS17-19
_PLB_PAIRS = 6  # PLB03/04 ... PLB13/14
_MOA_REMARKS = (3, 4, 5, 6, 7)
_MIA_REMARKS = (5, 20, 21, 22, 23)
_D8_REASON = "expected a date (CCYYMMDD)"
_SUB = 8  # adjustments' row key: CAS ordinal * 8 + triple (decoded after coercion)

# raw text frames: one row per tuple appended by the parser
_TX = pl.Schema(
    {
        "tx": pl.Int64(),
        REMIT_ID: pl.String(),
        PAYER: pl.String(),
        PAYMENT_DATE: pl.String(),
        CHECK_NUMBER: pl.String(),
        "bpr02": pl.String(),
        "bpr03": pl.String(),
        "bpr04": pl.String(),
        "bpr_at": pl.Int64(),
    }
)
_CLAIM = pl.Schema(
    {
        "tx": pl.Int64(),
        "claim": pl.Int64(),
        REMIT_CLAIM_SEQ: pl.Int64(),
        CLAIM_ID: pl.String(),
        CLAIM_STATUS_CODE: pl.String(),
        "clp03": pl.String(),
        "clp04": pl.String(),
        "clp05": pl.String(),
        CLAIM_FILING_INDICATOR_CODE: pl.String(),
        PAYER_CLAIM_CONTROL_NUMBER: pl.String(),
        CLAIM_FREQUENCY_CODE: pl.String(),
        "statement_date": pl.String(),
        "clp_at": pl.Int64(),
    }
)
_LINE = pl.Schema(
    {
        "claim": pl.Int64(),
        SVC_SEQ: pl.Int64(),
        "svc_at": pl.Int64(),
        HCPCS_CODE: pl.String(),
        **{m: pl.String() for m in MODIFIERS},
        SUBMITTED_HCPCS_CODE: pl.String(),
        **{m: pl.String() for m in SUBMITTED_MODIFIERS},
        LINE_CHARGE_AMOUNT: pl.String(),
        PAID_AMOUNT: pl.String(),
        UNITS_PAID: pl.String(),
        "date_472": pl.String(),
        "date_150": pl.String(),
        LINE_CONTROL_NUMBER: pl.String(),
        ALLOWED_AMOUNT: pl.String(),
    }
)
_ADJ = pl.Schema(
    {
        "claim": pl.Int64(),
        SVC_SEQ: pl.Int64(),
        LEVEL: pl.String(),
        GROUP_CODE: pl.String(),
        REASON_CODE: pl.String(),
        AMOUNT: pl.String(),
        QUANTITY: pl.String(),
        "cas_at": pl.Int64(),
        "triple": pl.Int64(),
    }
)
_REMARK = pl.Schema(
    {"claim": pl.Int64(), SVC_SEQ: pl.Int64(), REMARK_CODE: pl.String(), LEVEL: pl.String()}
)
_PLB = pl.Schema(
    {
        "tx": pl.Int64(),
        PROVIDER_ID: pl.String(),
        FISCAL_PERIOD_DATE: pl.String(),
        REASON_CODE: pl.String(),
        REFERENCE: pl.String(),
        AMOUNT: pl.String(),
        "plb_at": pl.Int64(),
        "pos": pl.Int64(),
    }
)

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


def read_835(source: str | Path | bytes, *, name: str | None = None) -> Remittances:
    """Read an 835 file (a path or its bytes) into a ``Remittances``.

    Every ISA/GS/ST envelope of the file is read; a transaction set that is not an 835 in a
    supported version (005010X221, 004010X091) is skipped with an ``error`` issue, and a file
    with none raises ``UnsupportedFormatError``. ``name`` labels bytes in messages.
    """
    label = name or source_label(source)
    path = label if isinstance(source, bytes | bytearray) else str(source)
    parser = _Parser(label)
    parser.run(_segments(source, label))
    return parser.build(path)


def _segments(source: str | Path | bytes, label: str) -> Iterator[Segment]:
    return iter_segments(source, name=label)


# --- pass 1: segments -> raw rows --------------------------------------------------------------


def _valid_d8(text: str) -> bool:
    if len(text) != 8 or not text.isdigit():
        return False
    try:
        day = dt.datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 (a date, no time)
    except ValueError:
        return False
    return day.year >= 1000


def _values(seg: Segment, last: int) -> list[str]:
    """Elements 0..``last`` of ``seg`` decoded in one go (``""`` when absent), untrimmed:
    frames trim every value, so only what the parser compares or tests is trimmed here."""
    sep = seg.delimiters.element
    values = sep.join(seg.elements).decode("latin-1").split(sep.decode("latin-1"))
    if len(values) <= last:
        values.extend([""] * (last + 1 - len(values)))
    return values


def _procedure(composite: str, component: str) -> list[str | None]:
    """Code and modifiers 1-4 of an SVC01/SVC06 composite (``HC:99213:95``)."""
    parts = [p.strip() or None for p in composite.split(component)[1:6]]
    parts.extend([None] * (5 - len(parts)))
    return parts


class _Parser:
    """One pass over the segments of one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.env = Envelope(file)
        self.tx_rows: list[tuple[object, ...]] = []
        self.claim_rows: list[list[object]] = []  # DTM*232 is filled in after the CLP
        self.line_rows: list[tuple[object, ...]] = []
        self.adj_rows: list[tuple[object, ...]] = []
        self.remark_rows: list[tuple[object, ...]] = []
        self.plb_rows: list[tuple[object, ...]] = []
        self.st_seen = 0
        self.st_skipped: list[int] = []
        self.gs04 = ""
        self.active = False  # inside a supported 835 transaction set
        self.level = ""  # "header", "header2" (after LX), "claim", "line", "footer" (PLB)
        self.tx = 0
        self.claim = 0
        self._reset_tx()
        self._handlers: dict[str, Callable[[Segment], None]] = {
            "BPR": self._bpr,
            "TRN": self._trn,
            "N1": self._n1,
            "DTM": self._dtm,
            "LX": self._lx,
            "CLP": self._clp,
            "CAS": self._cas,
            "MIA": self._mia,
            "MOA": self._moa,
            "SVC": self._svc,
            "REF": self._ref,
            "AMT": self._amt,
            "LQ": self._lq,
            "PLB": self._plb,
        }

    def _reset_tx(self) -> None:
        self.remit_id = ""
        self.payer = ""
        self.check = ""
        self.bpr: tuple[str, str, str, str] | None = None  # BPR02, BPR03, BPR04, BPR16
        self.bpr_at = 0
        self.dtm405 = ""
        self.st_at = 0
        self.claim_seq = 0
        self.svc_seq = 0
        self.stray_reported = False
        self.line: list[object] | None = None
        self.claim_row: list[object] | None = None

    def issue(self, seg: Segment, severity: Severity, text: str) -> None:
        self.env.issue(seg.ordinal, seg.id, severity, text)

    # --- driving ------------------------------------------------------------------------------

    def run(self, segments: Iterator[Segment]) -> None:
        handlers = self._handlers
        for seg in segments:
            sid = seg.id
            self.env.feed(seg)
            if sid == "GS":
                self.gs04 = seg.el(4).strip()
            elif sid == "ST":
                self._st(seg)
            elif sid in ("SE", "GE", "IEA", "ISA"):
                if self.active:
                    self._end_tx()
            elif self.active:
                handler = handlers.get(sid)
                if handler is not None:
                    handler(seg)
        if self.active:
            self._end_tx()
        self.env.finish()
        if not self.tx_rows:
            self._nothing_read()

    def _nothing_read(self) -> None:
        if self.st_seen == 0:
            msg = (
                f"{self.file}: no transaction set (ST) found; expected an 835 remittance advice "
                "inside ISA/GS envelopes."
            )
        else:
            msg = (
                f"{self.file}: no 835 transaction set in a supported version "
                f"({', '.join(g + 'A1' for g in SUPPORTED_GUIDES)}); found {self.st_seen} other "
                f"transaction set(s), first at segment {self.st_skipped[0]}. Read 837P claims "
                "with read_claims and 271 eligibility with read_coverage."
            )
        raise UnsupportedFormatError(msg)

    def _st(self, seg: Segment) -> None:
        if self.active:
            self._end_tx()
        self.st_seen += 1
        guide_ok = any(
            g.startswith(SUPPORTED_GUIDES) for g in (self.env.gs08, seg.el(3).strip()) if g
        )
        if self.env.st01 != "835" or not guide_ok:
            self.st_skipped.append(seg.ordinal)
            what = (
                "ST01 (element 1) is not 835"
                if self.env.st01 != "835"
                else (
                    "GS08 (element 8) names no supported 835 version "
                    f"({', '.join(SUPPORTED_GUIDES)})"
                )
            )
            self.issue(seg, "error", f"transaction set skipped: {what}.")
            self.active = False
            return
        self.active = True
        self._reset_tx()
        self.tx += 1
        self.st_at = seg.ordinal
        self.remit_id = f"{self.env.isa13}-{self.env.gs06}-{self.env.st02}"
        self.level = "header"

    def _end_tx(self) -> None:
        self._close_line()
        self.active = False
        at, sid = (self.bpr_at, "BPR") if self.bpr else (self.st_at, "ST")
        if self.bpr is None:
            self.env.issue(
                at, sid, "error", "transaction set has no BPR; its total is not checked."
            )
        bpr16 = self.bpr[3] if self.bpr else ""
        payment_date: str | None = bpr16
        if not _valid_d8(bpr16):
            if _valid_d8(self.dtm405):
                payment_date, taken = self.dtm405, "is taken from DTM*405 (element 2)"
            elif _valid_d8(self.gs04):
                payment_date, taken = self.gs04, "is taken from GS04 (element 4)"
            else:
                payment_date, taken = None, "is empty"
            severity: Severity = "warning" if payment_date else "error"
            text = f"BPR16 (element 16) is missing or not a date (CCYYMMDD); payment_date {taken}."
            self.env.issue(at, sid, severity, text)
        bpr02, bpr03, bpr04, _ = self.bpr or ("", "", "", "")
        self.tx_rows.append(
            (
                self.tx,
                self.remit_id,
                self.payer or None,
                payment_date,
                self.check or None,
                bpr02 or None,
                bpr03 or None,
                bpr04 or None,
                self.bpr_at if self.bpr else None,
            )
        )

    # --- header -------------------------------------------------------------------------------

    def _bpr(self, seg: Segment) -> None:
        if self.bpr is None:
            v = _values(seg, 16)
            self.bpr = (v[2].strip(), v[3].strip(), v[4].strip(), v[16].strip())
            self.bpr_at = seg.ordinal

    def _trn(self, seg: Segment) -> None:
        if not self.check:
            self.check = _values(seg, 2)[2].strip()

    def _n1(self, seg: Segment) -> None:
        v = _values(seg, 4)
        if v[1].strip() == "PR" and not self.payer:
            self.payer = v[4].strip() or v[2].strip()

    def _dtm(self, seg: Segment) -> None:
        qualifier, date = (x.strip() for x in _values(seg, 2)[1:3])
        level = self.level
        line = self.line
        if level == "line" and line is not None:
            if qualifier == "472":
                line[_LINE_472] = date or None
            elif qualifier == "150":
                line[_LINE_150] = date or None
        elif level == "claim" and self.claim_row is not None:
            if qualifier == "232":
                self.claim_row[_CLAIM_232] = date or None
        elif level == "header" and qualifier == "405" and not self.dtm405:
            self.dtm405 = date

    def _lx(self, seg: Segment) -> None:
        self._close_line()
        self.level = "header2"

    # --- claims -------------------------------------------------------------------------------

    def _clp(self, seg: Segment) -> None:
        self._close_line()
        self.claim += 1
        self.claim_seq += 1
        self.svc_seq = 0
        v = _values(seg, 9)
        row: list[object] = [
            self.tx,
            self.claim,
            self.claim_seq,
            *(v[i].strip() or None for i in (1, 2, 3, 4, 5, 6, 7, 9)),
            None,  # DTM*232
            seg.ordinal,
        ]
        self.claim_rows.append(row)
        self.claim_row = row
        self.level = "claim"

    def _stray(self, seg: Segment) -> None:
        if not self.stray_reported:
            self.stray_reported = True
            self.issue(
                seg,
                "error",
                "segment outside a claim (no CLP before it) is skipped; later ones in this "
                "transaction set are not reported.",
            )

    def _cas(self, seg: Segment) -> None:
        level = self.level
        if level not in ("claim", "line"):
            self._stray(seg)
            return
        svc = self.svc_seq if level == "line" else None
        v = _values(seg, 19)
        group = v[1].strip() or None
        for k in range(min(_CAS_TRIPLES, (len(seg.elements) + 1) // 3)):
            first = 2 + 3 * k
            reason, amount, quantity = (x.strip() for x in v[first : first + 3])
            if reason or amount or quantity:
                self.adj_rows.append(
                    (
                        self.claim,
                        svc,
                        level,
                        group,
                        reason or None,
                        amount or None,
                        quantity or None,
                        seg.ordinal,
                        k,
                    )
                )

    def _remarks(self, seg: Segment, positions: tuple[int, ...]) -> None:
        if self.level not in ("claim", "line"):
            self._stray(seg)
            return
        v = _values(seg, max(positions))
        codes = (v[i].strip() for i in positions)
        self.remark_rows.extend((self.claim, None, code, "claim") for code in codes if code)

    def _mia(self, seg: Segment) -> None:
        self._remarks(seg, _MIA_REMARKS)

    def _moa(self, seg: Segment) -> None:
        self._remarks(seg, _MOA_REMARKS)

    # --- service lines ------------------------------------------------------------------------

    def _close_line(self) -> None:
        if self.line is not None:
            self.line_rows.append(tuple(self.line))
            self.line = None

    def _svc(self, seg: Segment) -> None:
        if self.level not in ("claim", "line"):
            self._stray(seg)
            return
        self._close_line()
        self.svc_seq += 1
        v = _values(seg, 6)
        component = seg.delimiters.component.decode("latin-1")
        adjudicated = _procedure(v[1], component)
        if adjudicated[0] is None:
            self.issue(
                seg,
                "warning",
                "SVC01-2 (element 1, component 2) is empty: no procedure code, or components "
                "not separated by the ISA16 separator; the line is kept without a code.",
            )
        submitted = _procedure(v[6], component)
        if submitted[0] is None:
            submitted = adjudicated
        self.line = [
            self.claim,
            self.svc_seq,
            seg.ordinal,
            *adjudicated,
            *submitted,
            v[2].strip() or None,
            v[3].strip() or None,
            v[5].strip() or "1",
            None,  # DTM*472
            None,  # DTM*150
            None,  # REF*6R
            None,  # AMT*B6
        ]
        self.level = "line"

    def _ref(self, seg: Segment) -> None:
        line = self.line
        if self.level == "line" and line is not None and line[_LINE_6R] is None:
            qualifier, value = (x.strip() for x in _values(seg, 2)[1:3])
            if qualifier == "6R":
                line[_LINE_6R] = value or None

    def _amt(self, seg: Segment) -> None:
        line = self.line
        if self.level == "line" and line is not None:
            qualifier, value = (x.strip() for x in _values(seg, 2)[1:3])
            if qualifier == "B6":
                line[_LINE_B6] = value or None

    def _lq(self, seg: Segment) -> None:
        if self.level == "line":
            qualifier, code = (x.strip() for x in _values(seg, 2)[1:3])
            if qualifier == "HE" and code:
                self.remark_rows.append((self.claim, self.svc_seq, code, "line"))

    # --- footer -------------------------------------------------------------------------------

    def _plb(self, seg: Segment) -> None:
        self._close_line()
        self.level = "footer"
        v = _values(seg, 2 + 2 * _PLB_PAIRS)
        component = seg.delimiters.component.decode("latin-1")
        provider = v[1].strip() or None
        fiscal = v[2].strip() or None
        for k in range(_PLB_PAIRS):
            pos = 3 + 2 * k
            reason, _, reference = v[pos].partition(component)
            reason, amount = reason.strip(), v[pos + 1].strip()
            if reason or amount:
                self.plb_rows.append(
                    (
                        self.tx,
                        provider,
                        fiscal,
                        reason or None,
                        reference.partition(component)[0].strip() or None,
                        amount or None,
                        seg.ordinal,
                        pos,
                    )
                )

    # --- pass 2: frames -----------------------------------------------------------------------

    def build(self, path: str) -> Remittances:
        txs = pl.DataFrame(self.tx_rows, schema=_TX, orient="row")
        claims_raw = pl.DataFrame(self.claim_rows, schema=_CLAIM, orient="row")
        lines_raw = pl.DataFrame(self.line_rows, schema=_LINE, orient="row")
        adj_raw = pl.DataFrame(self.adj_rows, schema=_ADJ, orient="row")
        remarks_raw = pl.DataFrame(self.remark_rows, schema=_REMARK, orient="row")
        plb_raw = pl.DataFrame(self.plb_rows, schema=_PLB, orient="row")

        keys = claims_raw.select("tx", "claim", REMIT_CLAIM_SEQ).join(
            txs.select("tx", REMIT_ID), on="tx", how="left"
        )
        line_table, line_issues = self._lines(txs, claims_raw, lines_raw, path)
        adj_table, adj_issues = self._adjustments(keys, adj_raw, path)
        issues = [
            self.env.issues_frame(),
            line_issues,
            adj_issues,
            *_money_issues(self.file, claims_raw, txs, plb_raw),
            *_balance_issues(
                self.file,
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
            rejects=pl.concat([line_table.rejects, adj_table.rejects]),
            rows_in=line_table.rows_in + adj_table.rows_in,
            sources=(path,),
        )

    def _lines(
        self, txs: pl.DataFrame, claims_raw: pl.DataFrame, lines_raw: pl.DataFrame, path: str
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
            RawSource(self.file, path, tuple(names), raw.drop("__segment")),
            TableMap(),
        )
        x12_date = pl.col("reason").str.replace(
            _coerce.DEFAULT_DATE_REASON, _D8_REASON, literal=True
        )
        table = replace(table, rejects=table.rejects.with_columns(x12_date))
        where = raw.select(pl.col(ROW).alias("row_number"), "__segment").unique("row_number")
        return table, _reject_issues(self.file, table.rejects, where, REMITTANCE_LINES)

    def _adjustments(
        self, keys: pl.DataFrame, adj_raw: pl.DataFrame, path: str
    ) -> tuple[Table, pl.DataFrame]:
        names = ADJUSTMENTS.names
        joined = adj_raw.join(keys, on="claim", how="left", maintain_order="left")
        raw = joined.select(
            *(pl.col(c).cast(pl.String).alias(f"c{i}") for i, c in enumerate(names)),
            (pl.col("cas_at") * _SUB + pl.col("triple")).alias(ROW),
        )
        table = build_table(ADJUSTMENTS, RawSource(self.file, path, tuple(names), raw), TableMap())
        rejects = table.rejects.with_columns(pl.col("row_number") // _SUB)
        coded = table.rejects.select(
            (pl.col("row_number") // _SUB).alias("at"),
            (pl.col("row_number") % _SUB).alias("triple"),
            "column",
            "reason",
        )
        issues = coded.select(
            pl.lit(self.file).alias("file"),
            pl.col("at").alias("segment_number"),
            pl.lit("CAS").alias("segment_id"),
            pl.lit("error").alias("severity"),
            pl.format(
                "{}: segment {} (CAS): {}: {}; the adjustments row is in rejects.",
                pl.lit(self.file),
                pl.col("at"),
                _cas_element(),
                pl.col("reason"),
            ).alias("message"),
        ).cast(ISSUES_SCHEMA)
        return replace(table, rejects=rejects), issues


_LINE_472 = 3 + 5 + 5 + 3
_LINE_150 = _LINE_472 + 1
_LINE_6R = _LINE_150 + 1
_LINE_B6 = _LINE_6R + 1
_CLAIM_232 = 11


# --- pass 2 helpers ----------------------------------------------------------------------------


def _money(col: str) -> pl.Expr:
    return _coerce.parse_decimal(pl.col(col), scale=2, dtype=MONEY)


def _bad(col: str) -> pl.Expr:
    """Text present that does not read as an amount."""
    return pl.col(col).is_not_null() & _money(col).is_null()


def _cas_element() -> pl.Expr:
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


def _reject_issues(
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


def _issue_frame(
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


def _money_issues(
    file: str, claims_raw: pl.DataFrame, txs: pl.DataFrame, plb_raw: pl.DataFrame
) -> list[pl.DataFrame]:
    """Amounts of CLP, BPR and PLB that cannot be read: kept as null, with an ``error``."""
    reason = _coerce.REASONS["money"]
    out = []
    for col, label in (("clp03", "CLP03 (element 3)"), ("clp04", "CLP04 (element 4)"),
                       ("clp05", "CLP05 (element 5)")):  # fmt: skip
        bad = claims_raw.filter(_bad(col))
        text = pl.lit(f"{label}: {reason}; the claim is kept with it empty.")
        out.append(
            _issue_frame(file, bad, at="clp_at", segment_id="CLP", severity="error", text=text)
        )
    bad_bpr = txs.filter(_bad("bpr02"))
    text = pl.lit(f"BPR02 (element 2): {reason}; the payment is kept with it empty.")
    out.append(
        _issue_frame(file, bad_bpr, at="bpr_at", segment_id="BPR", severity="error", text=text)
    )
    bad_plb = plb_raw.filter(_bad(AMOUNT))
    text = pl.format(
        "PLB{} (element {}): {}; the adjustment is kept with it empty.",
        (pl.col("pos") + 1).cast(pl.String).str.zfill(2),
        pl.col("pos") + 1,
        pl.lit(reason),
    )
    out.append(
        _issue_frame(file, bad_plb, at="plb_at", segment_id="PLB", severity="error", text=text)
    )
    bad_fiscal = plb_raw.filter(
        pl.col(FISCAL_PERIOD_DATE).is_not_null() & _d8(FISCAL_PERIOD_DATE).is_null()
    ).unique("plb_at", keep="first", maintain_order=True)
    text = pl.lit(
        "PLB02 (element 2) is not a date (CCYYMMDD); the adjustment is kept with it empty."
    )
    out.append(
        _issue_frame(file, bad_fiscal, at="plb_at", segment_id="PLB", severity="warning", text=text)
    )
    return out


def _balance_issues(
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
            _money(col).sum().alias(name), _bad(col).any().alias(f"{name}_bad")
        )

    adj = adj_raw.filter(pl.col(AMOUNT).is_not_null())
    line_cas = sums(adj.filter(pl.col(LEVEL) == "line"), ["claim", SVC_SEQ], AMOUNT, "cas")
    lines = (
        lines_raw.join(line_cas, on=["claim", SVC_SEQ], how="left")
        .with_columns(pl.col("cas").fill_null(zero), pl.col("cas_bad").fill_null(False))
        .filter(
            _money(LINE_CHARGE_AMOUNT).is_not_null(),
            _money(PAID_AMOUNT).is_not_null(),
            ~pl.col("cas_bad"),
        )
        .filter(_money(LINE_CHARGE_AMOUNT) - pl.col("cas") != _money(PAID_AMOUNT))
    )
    line_text = pl.lit(
        "SVC03 (element 3) does not balance: SVC02 minus the line's CAS amounts differs from "
        "SVC03; the line is kept."
    )
    claim_cas = sums(adj, ["claim"], AMOUNT, "cas")
    claims = (
        claims_raw.join(claim_cas, on="claim", how="left")
        .with_columns(pl.col("cas").fill_null(zero), pl.col("cas_bad").fill_null(False))
        .filter(_money("clp03").is_not_null(), _money("clp04").is_not_null(), ~pl.col("cas_bad"))
        .filter(_money("clp03") - pl.col("cas") != _money("clp04"))
    )
    claim_text = pl.lit(
        "CLP04 (element 4) does not balance: CLP03 minus the CAS amounts of the claim and its "
        "lines differs from CLP04; the claim is kept."
    )
    paid = sums(claims_raw.filter(pl.col("clp04").is_not_null()), ["tx"], "clp04", "paid")
    plb = sums(plb_raw.filter(pl.col(AMOUNT).is_not_null()), ["tx"], AMOUNT, "plb")
    total = pl.when(pl.col("bpr03") == "D").then(-_money("bpr02")).otherwise(_money("bpr02"))
    tx = (
        txs.filter(pl.col("bpr_at").is_not_null(), _money("bpr02").is_not_null())
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
        _issue_frame(
            file, lines, at="svc_at", segment_id="SVC", severity="warning", text=line_text
        ),
        _issue_frame(
            file, claims, at="clp_at", segment_id="CLP", severity="warning", text=claim_text
        ),
        _issue_frame(file, tx, at="bpr_at", segment_id="BPR", severity="warning", text=tx_text),
    ]


def _d8(col: str) -> pl.Expr:
    parsed = pl.col(col).str.to_date("%Y%m%d", strict=False)
    return pl.when(
        pl.col(col).str.contains(r"^[0-9]{8}$") & parsed.dt.year().is_between(1000, 9999)
    ).then(parsed)


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
            _d8(PAYMENT_DATE),
            _money("clp03").alias(TOTAL_CHARGE_AMOUNT),
            _money("clp04").alias(PAID_AMOUNT),
            pl.when(pl.col("clp05").is_null())
            .then(pl.lit(0, MONEY))
            .otherwise(_money("clp05"))
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
        _d8(PAYMENT_DATE),
        CHECK_NUMBER,
        _money("bpr02").alias(TOTAL_PAID_AMOUNT),
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
            _money(AMOUNT),
            PROVIDER_ID,
            _d8(FISCAL_PERIOD_DATE),
        )
        .cast(X12_PROVIDER_ADJUSTMENTS_SCHEMA)
    )


def empty_x12_frames() -> dict[str, pl.DataFrame]:
    """Empty frames in the 835 schemas (used when merging 835 and CSV sources)."""
    return {
        "claims": pl.DataFrame(schema=X12_CLAIMS_SCHEMA),
        "payments": pl.DataFrame(schema=X12_PAYMENTS_SCHEMA),
        "remarks": pl.DataFrame(schema=X12_REMARKS_SCHEMA),
        "provider_adjustments": pl.DataFrame(schema=X12_PROVIDER_ADJUSTMENTS_SCHEMA),
        "rejects": pl.DataFrame(schema=REJECTS_SCHEMA),
    }
