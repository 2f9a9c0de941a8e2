"""Envelope checks: control numbers and counts of ISA/IEA, GS/GE and ST/SE, kept as issues.

An ``Envelope`` is fed every segment of a file, in order::

    ISA*...*000000905*1*T*:~   GS*HC*...*1*X*005010X222A1~   ST*837*0021*005010X222A1~
    ...                        SE*42*0021~                   GE*1*1~   IEA*1*000000905~

It checks ISA13 = IEA02, IEA01 = number of GS, GS06 = GE02, GE01 = number of ST, ST02 = SE02 and
SE01 = number of segments from ST to SE inclusive. A mismatch is a ``warning`` and the data is kept.
Messages name the file, the segment number, the segment id and the element position, never an
element's value (values can be patient data).

The current control numbers (``isa13``, ``gs06``, ``st02``) and transaction identifiers (``gs08``,
``st01``) stay readable until the next header replaces them, so a parser handling ``SE`` after
feeding it still sees its transaction's keys (``remit_id = ISA13-GS06-ST02``).

A file that starts at ``ST`` or ``GS`` has no interchange header (the tokenizer reads it with
the standard delimiters): one warning says so ("no ISA envelope"), the headers it lacks are taken
as open (no "outside a functional group" per ST, no missing GE/IEA trailer at the end), and
``interchange_id`` is the file name instead of ISA13, so the keys built on it (an 835's
``remit_id`` = file name-GS06-ST02) stay distinct from one file to the next.
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl

from telekit._core._columns import ISSUES_SCHEMA
from telekit.x12._tokenizer import Segment

__all__ = ["Envelope", "Severity"]

Severity = Literal["warning", "error"]

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


class Envelope:
    """Tracks the ISA/GS/ST envelopes of one file and records their problems as issues."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.isa13 = ""
        self.gs06 = ""
        self.gs08 = ""
        self.st01 = ""
        self.st02 = ""
        self.in_isa = False
        self.in_gs = False
        self.in_st = False
        self.segment_count = 0  # segments of the open transaction set, ST included
        self.last_ordinal = 0
        self._gs_count = 0
        self._st_count = 0
        self._outside_reported = False
        self._cut: Segment | None = None  # a last segment the file ends inside
        self._implicit: frozenset[str] = frozenset()  # trailers of headers the file lacks
        self._issues: list[tuple[str, int, str, str, str]] = []

    # --- issues ---------------------------------------------------------------------------

    def issue(self, ordinal: int, segment_id: str, severity: Severity, text: str) -> None:
        """Record a problem at segment ``ordinal``; ``text`` names element positions only.

        A segment id that is not an X12 id (2-3 upper-case letters and digits) is shown as ``?``:
        in damaged data it may be anything, including a value."""
        if not _SEGMENT_ID.fullmatch(segment_id):
            segment_id = "?"
        message = f"{self.file}: segment {ordinal} ({segment_id}): {text}"
        self._issues.append((self.file, ordinal, segment_id, severity, message))

    @property
    def interchange_id(self) -> str:
        """ISA13, or the file name for a file without an ``ISA`` header."""
        return self.file if "IEA" in self._implicit else self.isa13

    @property
    def issue_count(self) -> int:
        return len(self._issues)

    def issues_frame(self) -> pl.DataFrame:
        """The issues recorded so far, in ``ISSUES_SCHEMA``."""
        return pl.DataFrame(self._issues, schema=ISSUES_SCHEMA, orient="row")

    # --- feeding ----------------------------------------------------------------------------

    def feed(self, seg: Segment) -> None:
        """Account for ``seg``; call it for every segment of the file, in order."""
        self.last_ordinal = seg.ordinal
        sid = seg.id
        if not seg.terminated and sid != "IEA":
            self._cut = seg
        if sid not in _ENVELOPE_IDS:
            if self.in_st:
                self.segment_count += 1
            elif not self._outside_reported:
                self._outside_reported = True
                self.issue(
                    seg.ordinal,
                    sid,
                    "warning",
                    "segment outside a transaction set (no open ST); later ones are not reported.",
                )
            return
        handler = _HANDLERS.get(sid)
        if handler is not None:
            handler(self, seg)

    def finish(self) -> None:
        """Report a file cut short: one that ends inside a segment or before its trailers
        ("interchange truncated after segment N")."""
        missing = [t for t, open_ in (("SE", self.in_st), ("GE", self.in_gs), ("IEA", self.in_isa))
                   if open_ and t not in self._implicit]  # fmt: skip
        without = f"without the {', '.join(missing)} trailer{'s' * (len(missing) > 1)}"
        cut = self._cut
        if cut is not None:
            self.issue(
                cut.ordinal,
                cut.id,
                "warning",
                f"interchange truncated after segment {cut.ordinal - 1}: the file ends inside "
                f"segment {cut.ordinal} (no segment terminator)"
                f"{' and ' + without if missing else ''}; the file may be cut "
                "short.",
            )
        elif missing:
            at = self.last_ordinal
            self.issue(
                at,
                "IEA" if self.in_isa else missing[-1],
                "warning",
                f"interchange truncated after segment {at}: the file ends {without}; the file "
                "may be cut short.",
            )
        self.in_st = self.in_gs = self.in_isa = False
        self._cut = None

    def _close_open(self) -> None:
        """Report envelopes left open when a new interchange starts."""
        at = self.last_ordinal
        if self.in_st:
            self.issue(at, "SE", "warning", "transaction set has no SE trailer.")
        if self.in_gs and "GE" not in self._implicit:
            self.issue(at, "GE", "warning", "functional group has no GE trailer.")
        if self.in_isa and "IEA" not in self._implicit:
            self.issue(at, "IEA", "warning", "interchange has no IEA trailer.")
        self.in_st = self.in_gs = self.in_isa = False

    def _count(self, seg: Segment, i: int, expected: int, what: str) -> None:
        raw = seg.el(i).strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            self.issue(
                seg.ordinal,
                seg.id,
                "warning",
                f"{seg.id}{i:02d} (element {i}) is not a count; expected the number of {what}.",
            )
        elif int(raw) != expected:
            self.issue(
                seg.ordinal,
                seg.id,
                "warning",
                f"{seg.id}{i:02d} (element {i}) does not equal the number of {what} "
                f"({expected} counted).",
            )

    def _control(self, seg: Segment, i: int, header_value: str, header: str) -> None:
        if seg.el(i).strip() != header_value.strip():
            self.issue(
                seg.ordinal,
                seg.id,
                "warning",
                f"{seg.id}{i:02d} (element {i}) does not match the control number in {header}.",
            )

    def _isa(self, seg: Segment) -> None:
        if self.in_st or self.in_gs or self.in_isa:
            self._close_open()
        self.in_isa = True
        self.isa13 = seg.el(13).strip()
        self._implicit = frozenset()
        self._gs_count = 0
        self._outside_reported = False

    def _without_isa(self, seg: Segment) -> None:
        """The file starts at ``seg`` (ST or GS), with no interchange header."""
        self.issue(
            seg.ordinal,
            seg.id,
            "warning",
            "no ISA envelope: read with the standard delimiters * ~ : ^",
        )
        self.in_isa = True
        self._implicit = frozenset({"IEA"})
        if seg.id == "ST":
            self.in_gs = True
            self._implicit = frozenset({"IEA", "GE"})

    def _gs(self, seg: Segment) -> None:
        if seg.ordinal == 1:  # the tokenizer reads no other first segment than ISA, ST or GS
            self._without_isa(seg)
        if self.in_st:
            self.issue(seg.ordinal, "SE", "warning", "transaction set has no SE trailer.")
            self.in_st = False
        if self.in_gs:
            self.issue(seg.ordinal, "GE", "warning", "functional group has no GE trailer.")
        if not self.in_isa:
            self.issue(seg.ordinal, "GS", "warning", "functional group outside an interchange.")
        self.in_gs = True
        self._gs_count += 1
        self._st_count = 0
        self.gs06 = seg.el(6).strip()
        self.gs08 = seg.el(8).strip()

    def _st(self, seg: Segment) -> None:
        if seg.ordinal == 1:
            self._without_isa(seg)
        if self.in_st:
            self.issue(seg.ordinal, "SE", "warning", "transaction set has no SE trailer.")
        if not self.in_gs:
            self.issue(seg.ordinal, "ST", "warning", "transaction set outside a functional group.")
        self.in_st = True
        self._st_count += 1
        self.segment_count = 1
        self.st01 = seg.el(1).strip()
        self.st02 = seg.el(2).strip()

    def _se(self, seg: Segment) -> None:
        if not self.in_st:
            self.issue(seg.ordinal, "SE", "warning", "SE without a matching ST.")
            return
        self.segment_count += 1
        self._count(seg, 1, self.segment_count, "segments from ST to SE")
        self._control(seg, 2, self.st02, "ST02")
        self.in_st = False

    def _ge(self, seg: Segment) -> None:
        if self.in_st:
            self.issue(seg.ordinal, "SE", "warning", "transaction set has no SE trailer.")
            self.in_st = False
        if not self.in_gs:
            self.issue(seg.ordinal, "GE", "warning", "GE without a matching GS.")
            return
        self._count(seg, 1, self._st_count, "transaction sets in the group")
        if "GE" not in self._implicit:  # no GS: no control number to match
            self._control(seg, 2, self.gs06, "GS06")
        self.in_gs = False

    def _iea(self, seg: Segment) -> None:
        if self.in_st:
            self.issue(seg.ordinal, "SE", "warning", "transaction set has no SE trailer.")
            self.in_st = False
        if self.in_gs:
            self.issue(seg.ordinal, "GE", "warning", "functional group has no GE trailer.")
            self.in_gs = False
        if not self.in_isa:
            self.issue(seg.ordinal, "IEA", "warning", "IEA without a matching ISA.")
            return
        self._count(seg, 1, self._gs_count, "functional groups in the interchange")
        if "IEA" not in self._implicit:  # no ISA: no control number to match
            self._control(seg, 2, self.isa13, "ISA13")
        self.in_isa = False


_HANDLERS = {
    "ISA": Envelope._isa,
    "GS": Envelope._gs,
    "ST": Envelope._st,
    "SE": Envelope._se,
    "GE": Envelope._ge,
    "IEA": Envelope._iea,
}
