"""The X12 tokenizer: bytes in, segments out. It knows delimiters and nothing else.

Delimiters come from each interchange header (``ISA``): the element separator is the byte after
``ISA``, the repetition separator is ISA11 in 5010 (``00501``; 4010 has none there), the
component separator is ISA16 and the segment terminator is the byte after it::

    ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*1200*^*
        00501*000000001*0*P*:~    (one line: ISA11 = ^, ISA16 = :, terminator ~)

Line breaks around segments are tolerated (``~\\n``, ``~\\r\\n``, nothing at all, or a line break
before the terminator as some 4010 senders write), and a file may hold several interchanges, each
with its own delimiters. Files are read in chunks, so hundreds of MB stream through one segment
at a time; a segment is only its id and its elements as ``bytes``.

A file without an interchange header, starting at ``ST`` (or ``GS``) as some clearinghouse
exports do (``ST*837*0001*005010X222A1~BHT*...``), is read with the standard delimiters
(``STANDARD``: ``*`` element, ``~`` segment, ``:`` component, ``^`` repetition); the envelope
warns about it. What cannot be tokenised otherwise (no ``ISA``, a truncated ``ISA``) raises
``X12Error`` naming the file and the segment ordinal, never a value. A file that ends inside a
segment (no terminator after the last one) yields that segment with ``terminated=False``; the
envelope reports the truncation.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from telekit._core._exceptions import X12Error
from telekit._io._source import X12_WITHOUT_ISA

__all__ = [
    "STANDARD",
    "Delimiters",
    "Segment",
    "delimiter_mismatch",
    "iter_segments",
    "sniff",
    "source_label",
]

_BLANK = b" \t\r\n\x00"
_LINE_BREAKS = b"\r\n"
# the same as sets of 1-byte strings (and b"", an empty piece), for the per-segment checks: a set
# lookup is several times faster than ``bytes in bytes``
_BLANK_BYTES = frozenset({b"", *(bytes([b]) for b in _BLANK)})
_LINE_BREAK_BYTES = frozenset(bytes([b]) for b in _LINE_BREAKS)
_ISA_ELEMENTS = 16
_SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class Delimiters:
    """The separators of one interchange."""

    element: bytes
    repetition: bytes | None
    component: bytes
    segment: bytes


STANDARD = Delimiters(element=b"*", repetition=b"^", component=b":", segment=b"~")
"""The delimiters of a file without an ``ISA`` header (which would declare them)."""


@dataclass(slots=True)
class Segment:
    """One segment: ``elements[0]`` is its id, ``elements[i]`` element ``i`` (CLM01 = ``[1]``)."""

    ordinal: int  # 1-based ordinal of the segment in the file (across envelopes)
    id: str
    elements: list[bytes]
    delimiters: Delimiters
    terminated: bool = True  # False for a last segment the file ends inside (no terminator)

    def el(self, i: int) -> str:
        """Element ``i`` decoded (latin-1); ``""`` when absent."""
        elements = self.elements
        return elements[i].decode("latin-1") if i < len(elements) else ""

    def comp(self, i: int, j: int) -> str:
        """Component ``j`` (1-based) of element ``i``; ``""`` when absent."""
        elements = self.elements
        if i >= len(elements):
            return ""
        parts = elements[i].split(self.delimiters.component)
        return parts[j - 1].decode("latin-1") if 0 < j <= len(parts) else ""

    def reps(self, i: int) -> list[str]:
        """The repetitions of element ``i`` (``[]`` when it is empty)."""
        elements = self.elements
        if i >= len(elements) or not elements[i]:
            return []
        rep = self.delimiters.repetition
        if rep is None:
            return [elements[i].decode("latin-1")]
        return [r.decode("latin-1") for r in elements[i].split(rep)]


Source = str | Path | bytes


def source_label(source: Source) -> str:
    """How messages name ``source``: the file name, or ``<bytes>``."""
    if isinstance(source, bytes | bytearray):
        return "<bytes>"
    return Path(source).name


def _chunks(source: Source, chunk_size: int, name: str) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray):
        view = memoryview(source)
        for start in range(0, len(view), chunk_size):
            yield bytes(view[start : start + chunk_size])
        return
    try:
        with Path(source).open("rb") as fh:
            while chunk := fh.read(chunk_size):
                yield chunk
    except OSError as exc:
        msg = f"{name}: cannot be read ({exc.strerror or type(exc).__name__})."
        raise X12Error(msg) from None


def _header(buf: bytes, name: str, ordinal: int, eof: bool) -> Delimiters | None:
    """The delimiters of the ISA at the start of ``buf``.

    ``None`` when more bytes are needed to decide."""
    element = _element_separator(buf, name, ordinal, eof)
    if element is None:
        return None
    pos = _isa16_separator(buf, element, name, ordinal, eof)
    if pos is None:
        return None
    if len(buf) < pos + 3 + 64 and not eof:
        return None  # the terminator may be preceded by a line break; look a little further
    component = buf[pos + 1 : pos + 2]
    terminator = _terminator(buf, pos + 2)
    _check_separators(element, component, terminator, name, ordinal)
    repetition = _repetition(buf[: pos + 1].split(element), element, component, terminator)
    return Delimiters(element, repetition, component, terminator)


def _element_separator(buf: bytes, name: str, ordinal: int, eof: bool) -> bytes | None:
    """The byte after ``ISA``; ``None`` when more bytes are needed."""
    if len(buf) < 4:
        if eof:
            msg = f"{name}: segment {ordinal} (ISA) is truncated; expected a 106-byte ISA header."
            raise X12Error(msg)
        return None
    if not buf.startswith(b"ISA"):
        msg = (
            f"{name}: segment {ordinal} is not an ISA interchange header; an X12 file starts "
            "with ISA, or with ST or GS when it has no interchange header (found none of them "
            "at the start)."
        )
        raise X12Error(msg)
    element = buf[3:4]
    if element.isalnum() or element in _BLANK:
        msg = f"{name}: segment {ordinal} (ISA) has no valid element separator at position 4."
        raise X12Error(msg)
    return element


def _isa16_separator(buf: bytes, element: bytes, name: str, ordinal: int, eof: bool) -> int | None:
    """Position of the 16th element separator, which precedes ISA16 (ISA16 is one byte, the
    terminator follows it); ``None`` when more bytes are needed."""
    pos = 3
    for _ in range(_ISA_ELEMENTS - 1):
        pos = buf.find(element, pos + 1, pos + 200)
        if pos < 0:
            if eof or len(buf) > 4096:
                msg = (
                    f"{name}: segment {ordinal} (ISA) is truncated or malformed; expected 16 "
                    "elements."
                )
                raise X12Error(msg)
            return None
    return pos


def _terminator(buf: bytes, end: int) -> bytes:
    """The segment terminator, the byte at ``end`` (after ISA16)."""
    terminator = buf[end : end + 1]
    if terminator and terminator in _LINE_BREAKS:
        # a line break after ISA16: either it is the terminator, or the sender writes the
        # terminator at the start of the next line (``...*:\n~GS*...``)
        j = end
        while buf[j : j + 1] and buf[j : j + 1] in _LINE_BREAKS:
            j += 1
        nxt = buf[j : j + 1]
        if nxt and not nxt.isalnum() and nxt not in _BLANK:
            terminator = nxt
        else:
            terminator = b"\n" if b"\n" in buf[end:j] else b"\r"
    return terminator


def _check_separators(
    element: bytes, component: bytes, terminator: bytes, name: str, ordinal: int
) -> None:
    if not component or not terminator:
        msg = f"{name}: segment {ordinal} (ISA) is truncated; ISA16 and the terminator are missing."
        raise X12Error(msg)
    if component.isalnum() or terminator.isalnum() or len({element, component, terminator}) < 3:
        msg = (
            f"{name}: segment {ordinal} (ISA) has invalid delimiters at ISA16 and the byte after "
            "it; expected three distinct non-alphanumeric separators."
        )
        raise X12Error(msg)


def _repetition(
    fields: list[bytes], element: bytes, component: bytes, terminator: bytes
) -> bytes | None:
    """ISA11 when it is a repetition separator (5010; 4010 has none there)."""
    rep_field = fields[11] if len(fields) > 11 else b""
    version = fields[12] if len(fields) > 12 else b""
    if (
        len(rep_field) == 1
        and not rep_field.isalnum()
        and rep_field not in _BLANK
        and rep_field not in (element, component, terminator)
        and not version.startswith(b"0040")
    ):
        return rep_field
    return None


def _strip_lead(buf: bytes) -> bytes:
    return buf.removeprefix(codecs.BOM_UTF8).lstrip(_BLANK)


def iter_segments(
    source: Source, *, chunk_size: int = 8 << 20, name: str | None = None
) -> Iterator[Segment]:
    """Stream the segments of an X12 file (a path or its bytes), one interchange after another.

    ``Segment.ordinal`` counts segments from 1 across the whole file. Raises ``X12Error`` when
    the data has no ``ISA`` header or a truncated one; ``name`` is how its message names the
    source (default: the file name, or ``<bytes>``).
    """
    name = name or source_label(source)
    return _iter(_chunks(source, max(chunk_size, 1), name), name)


class _Buffer:
    """The bytes of a chunked source not yet tokenised, and whether the source is exhausted."""

    __slots__ = ("_chunks", "data", "eof")

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self.data = b""
        self.eof = False

    def more(self) -> bool:
        """Append the next chunk; False at the end of the source."""
        if self.eof:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self.eof = True
            return False
        self.data += chunk
        return True


def _next_header(stream: _Buffer, name: str, ordinal: int, first: bool) -> Delimiters | None:
    """The delimiters of the ISA at the start of the unread bytes (reading more chunks until
    they decide); ``None`` at the end of the data. Leading blanks (and, at the start of the
    file, a BOM) are skipped."""
    while True:
        buf = stream.data
        buf = _strip_lead(buf) if first or buf[:1] in _BLANK else buf
        stream.data = buf
        if first and not buf.startswith(b"ISA"):
            if X12_WITHOUT_ISA.match(buf):
                return STANDARD  # no interchange header: the envelope warns
            if buf and len(buf) < 8 and stream.more():  # 8: more than ``ST*837*``
                continue
        found = _header(buf, name, ordinal + 1, stream.eof) if buf or stream.eof else None
        if found is not None:
            return found
        if not stream.more():
            if not stream.data:
                if first:
                    msg = f"{name}: no X12 data (expected an ISA interchange header)."
                    raise X12Error(msg)
                return None
            return _header(stream.data, name, ordinal + 1, True)  # never None at the end


def _new_interchange(sid: bytes, piece: bytes, delims: Delimiters, name: str, ordinal: int) -> bool:
    """Whether a piece whose id is ``ISA`` (or longer than an id) starts a new interchange:
    an ISA glued to blanks, or one whose delimiters differ from the current ones."""
    lead = sid.lstrip(_BLANK)
    return lead.startswith(b"ISA") and (
        sid != b"ISA" or not _same_delims(piece, delims, name, ordinal)
    )


def _iter(chunks: Iterable[bytes], name: str) -> Iterator[Segment]:
    stream = _Buffer(chunks)
    ordinal = 0
    delims: Delimiters | None = None
    first = True

    while True:
        fresh_header = delims is None  # this round starts at an ISA whose header was just read
        if delims is None:
            delims = _next_header(stream, name, ordinal, first)
            if delims is None:
                return
            first = False
        # --- the segments of the unread bytes, one interchange's delimiters ---
        buf, eof = stream.data, stream.eof
        term = delims.segment
        element = delims.element
        pieces, rest, cut = _pieces(buf, term, eof)
        restart_at = -1
        for k, raw in enumerate(pieces):
            piece = (
                raw.lstrip(_BLANK).rstrip(_LINE_BREAKS)
                if raw[:1] in _BLANK_BYTES or raw[-1:] in _LINE_BREAK_BYTES
                else raw
            )
            if not piece:
                continue
            elements = piece.split(element)
            sid = elements[0]
            if (len(sid) > 3 or sid == b"ISA") and _new_interchange(
                sid, piece, delims, name, ordinal + 1
            ):
                restart_at = sum(len(p) for p in pieces[:k]) + k * len(term)
                break
            ordinal += 1
            yield Segment(ordinal, sid.decode("latin-1"), elements, delims, k != cut)
        # --- what comes next: a new interchange, more bytes, or the end ---
        if restart_at == 0 and fresh_header:
            raise _no_progress(name, ordinal + 1)
        if restart_at >= 0:
            stream.data = buf[restart_at:].lstrip(_BLANK)
            delims = None
            continue
        stream.data = rest
        if eof:
            return
        # without a further chunk, the last piece (no terminator) is the file's final segment
        stream.more()


def _pieces(buf: bytes, term: bytes, eof: bool) -> tuple[list[bytes], bytes, int]:
    """``buf`` split on the terminator: (the pieces, the unterminated rest to keep for the next
    chunk, the index of the piece the file ends inside or -1)."""
    pieces = buf.split(term)
    rest = b"" if eof else pieces.pop()
    # only the file's last piece can be unterminated (the file ends inside it)
    cut = len(pieces) - 1 if eof and not _ends_terminated(buf, term) else -1
    return pieces, rest, cut


def _no_progress(name: str, ordinal: int) -> X12Error:
    """The ISA just read splits into pieces on its own terminator: no progress is possible."""
    msg = (
        f"{name}: segment {ordinal} (ISA) is malformed: the segment terminator after "
        "ISA16 also appears inside its elements."
    )
    return X12Error(msg)


def _ends_terminated(buf: bytes, term: bytes) -> bool:
    """Whether the data ends with the segment terminator (trailing blanks aside)."""
    return buf.rstrip(_BLANK).endswith(term) or (term in _BLANK and buf.endswith(term))


def _same_delims(piece: bytes, delims: Delimiters, name: str, ordinal: int) -> bool:
    """Whether an ISA inside the stream keeps the current delimiters (nothing to re-read)."""
    try:
        found = _header(piece + delims.segment, name, ordinal, True)
    except X12Error:
        return False
    return found == delims


_837_GUIDES = {b"X222": "837P", b"X098": "837P", b"X223": "837I", b"X096": "837I", b"X224": "837D"}


def sniff(source: Source) -> str | None:
    """The transaction of an X12 source from its first GS08/ST01: ``"837P"``, ``"837I"``,
    ``"835"``, ``"271"``, ``"270"``... (ST01 as written when not an 837); ``None`` if not X12."""
    head = _head(source)
    if head is None:
        return None
    lead = _strip_lead(head)
    if not lead.startswith(b"ISA") and X12_WITHOUT_ISA.match(lead) is None:
        return None
    try:
        return _transaction(head, source_label(source))
    except X12Error:
        return None


def _head(source: Source) -> bytes | None:
    """The first ``_SNIFF_BYTES`` of ``source``; ``None`` when it cannot be read."""
    if isinstance(source, bytes | bytearray):
        return bytes(source[:_SNIFF_BYTES])
    try:
        with Path(source).open("rb") as fh:
            return fh.read(_SNIFF_BYTES)
    except OSError:
        return None


def _transaction(head: bytes, label: str) -> str | None:
    """The transaction named by the first ST of ``head`` (an 837 by its GS08/ST03 guide)."""
    gs08 = b""
    for seg in _iter([head], label):
        if seg.id == "GS":
            gs08 = seg.elements[8] if len(seg.elements) > 8 else b""
        elif seg.id == "ST":
            st01 = seg.el(1).strip()
            if st01 == "837":
                guide = gs08 + b" " + (seg.elements[3] if len(seg.elements) > 3 else b"")
                for key, kind in _837_GUIDES.items():
                    if key in guide:
                        return kind
            return st01 or None
    return None


def _shown(sep: bytes) -> str:
    """A delimiter as a message shows it: ``'*'``, or an escape for a control byte."""
    text = sep.decode("latin-1")
    return repr(text) if text.isprintable() else repr(text).replace("'", "")


def delimiter_mismatch(data: bytes) -> str | None:
    """When the segments after the ISA clearly use other separators than the ISA declares (the
    element separator after ``GS`` and the terminator before ``ST``), a sentence saying so, e.g.
    ``the ISA declares '*' and '~' but the body uses '|' and '!'``; else None."""
    head = _strip_lead(bytes(data[:_SNIFF_BYTES]))
    try:
        declared = _header(head, "", 1, True)
    except X12Error:
        return None
    if declared is None:
        return None
    gs = head.find(b"GS", 100)
    element = head[gs + 2 : gs + 3] if gs >= 0 else b""
    if not element or element.isalnum() or element in _BLANK:
        return None
    st = head.find(b"ST" + element, gs)
    j = st - 1
    while j > gs and head[j : j + 1] in _LINE_BREAKS:
        j -= 1
    terminator = head[j : j + 1] if st > gs else b""
    if not terminator or terminator.isalnum():
        return None
    if head[st - 1 : st] in _LINE_BREAKS and declared.segment in _LINE_BREAKS:
        terminator = declared.segment  # line-break terminators: \r\n and \n are alike
    if (element, terminator) == (declared.element, declared.segment):
        return None
    return (
        f"the ISA declares {_shown(declared.element)} and {_shown(declared.segment)} but the "
        f"body uses {_shown(element)} and {_shown(terminator)}"
    )
