"""835 pass 1: one pass over the segments that appends raw text to per-frame row lists.

``Parser`` keeps the envelope's issues and, per frame, a list of row tuples laid out as the
``RAW_*`` schemas (the 835's extra column names are defined here, beside them). Nothing is typed
here: pass 2 (``telekit.x12._835``) types, validates and balances the rows over whole frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import polars as pl

from telekit._core._columns import (
    ALLOWED_AMOUNT,
    AMOUNT,
    CHECK_NUMBER,
    CLAIM_FREQUENCY_CODE,
    CLAIM_ID,
    CLAIM_STATUS_CODE,
    GROUP_CODE,
    HCPCS_CODE,
    LEVEL,
    LINE_CHARGE_AMOUNT,
    LINE_CONTROL_NUMBER,
    MODIFIERS,
    PAID_AMOUNT,
    PAYER,
    PAYER_CLAIM_CONTROL_NUMBER,
    PAYMENT_DATE,
    QUANTITY,
    REASON_CODE,
    REMIT_CLAIM_SEQ,
    REMIT_ID,
    SUBMITTED_HCPCS_CODE,
    SUBMITTED_MODIFIERS,
    SVC_SEQ,
    UNITS_PAID,
)
from telekit._core._exceptions import UnsupportedFormatError
from telekit._core._remittances import REFERENCE, REMARK_CODE
from telekit.x12._envelope import Envelope, Severity
from telekit.x12._tokenizer import Segment

# --- the 835's extra columns (beyond the CSV form's) ------------------------------------------

CLAIM_FILING_INDICATOR_CODE = "claim_filing_indicator_code"
PAYMENT_METHOD_CODE = "payment_method_code"
CREDIT_DEBIT_FLAG_CODE = "credit_debit_flag_code"
PROVIDER_ID = "provider_id"
FISCAL_PERIOD_DATE = "fiscal_period_date"

SUPPORTED_GUIDES = ("005010X221", "004010X091")  # 835 5010 (A1 included) and 4010
# the table a segment the file ends inside is rejected from
CUT_TABLES = {"CLP": "remittances", "SVC": "remittances", "CAS": "adjustments"}
_ENVELOPE_IDS = frozenset(("ISA", "GS", "ST", "SE", "GE", "IEA"))
_CAS_TRIPLES = 6  # CAS02-04 ... CAS17-19
_PLB_PAIRS = 6  # PLB03/04 ... PLB13/14
_MOA_REMARKS = (3, 4, 5, 6, 7)
_MIA_REMARKS = (5, 20, 21, 22, 23)

_LINE_472 = 3 + 5 + 5 + 3
_LINE_150 = _LINE_472 + 1
_LINE_6R = _LINE_150 + 1
_LINE_B6 = _LINE_6R + 1
_CLAIM_232 = 11

# raw text frames: one row per tuple appended by the parser
RAW_TX = pl.Schema(
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
RAW_CLAIM = pl.Schema(
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
RAW_LINE = pl.Schema(
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
RAW_ADJ = pl.Schema(
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
RAW_REMARK = pl.Schema(
    {"claim": pl.Int64(), SVC_SEQ: pl.Int64(), REMARK_CODE: pl.String(), LEVEL: pl.String()}
)
RAW_PLB = pl.Schema(
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


class Parser:
    """One pass over the segments of one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.env = Envelope(file)
        self.tx_rows: list[tuple[object, ...]] = []
        self.claim_rows: list[list[object]] = []  # DTM*232 is filled in after the CLP
        self.line_rows: list[tuple[object, ...]] = []
        self.adj_rows: list[tuple[object, ...]] = []
        # segments the file ends inside (no terminator): (table, segment ordinal, reason)
        self.cut: list[tuple[str, int, str]] = []
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
            if sid in _ENVELOPE_IDS:
                self._envelope(seg)
            elif self.active:
                handler = handlers.get(sid)
                if handler is not None:
                    if seg.terminated:
                        handler(seg)
                    else:
                        self._unterminated(seg, handler)
        if self.active:
            self._end_tx()
        self.env.finish()
        if not self.tx_rows:
            self._nothing_read()

    def _envelope(self, seg: Segment) -> None:
        """GS keeps GS04; ST starts a transaction set; SE, GE, IEA and ISA end the open one."""
        sid = seg.id
        if sid == "GS":
            self.gs04 = seg.el(4).strip()
        elif sid == "ST":
            self._st(seg)
        elif self.active:
            self._end_tx()

    def _unterminated(self, seg: Segment, handler: Callable[[Segment], None]) -> None:
        """The file's last segment, which the file ends inside: a claim, service line or
        adjustment is cut (not read); any other is read as it is."""
        if seg.id in CUT_TABLES:
            self._cut(seg)
        else:
            handler(seg)

    def _cut(self, seg: Segment) -> None:
        """The file ends inside ``seg`` (a claim, service line or adjustment): what it holds is
        incomplete, so it is not read; it is a reject of its table, at its segment number."""
        what = {"CLP": "claim", "SVC": "service line", "CAS": "adjustment"}[seg.id]
        self.cut.append(
            (
                CUT_TABLES[seg.id],
                seg.ordinal,
                f"the file ends inside segment {seg.ordinal} ({seg.id}; the file is cut short): "
                f"this {what} is not read",
            )
        )

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
        # ISA13 (the file name in a file without ISA: Envelope.interchange_id)
        self.remit_id = f"{self.env.interchange_id}-{self.env.gs06}-{self.env.st02}"
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
