"""837P professional claims (005010X222A1) → claim lines in the ``CLAIMS`` contract.

Loops of the implementation guide and what is read from them (DESIGN §3 "837P → claim lines")::

    BHT*0019*00*0123*20240105*1200*CH~           BHT04 claim_submitted_date
    HL*1**20*1~                                  2000A billing provider
    NM1*85*2*CLINIC*****XX*1234567893~           2010AA NM109 billing_npi (rendering fallback)
    HL*2*1*22*1~  SBR*P*18*******MB~             2000B subscriber; SBR09 → payer_type
    NM1*IL*1*DOE*JANE****MI*M123~                2010BA NM109 member_id and person_id
    NM1*PR*2*MEDICARE*****PI*00435~              2010BB NM109 payer
    HL*3*2*23*0~  NM1*QC*1*DOE*JIM~  DMG*D8*...  2000C/2010CA other patient: person_id M123:01
    CLM*C1*150***02:B:7*Y*A*Y*Y~                 2300 CLM01 claim_id, CLM02, CLM05-1 POS, CLM05-3
    REF*F8*ICN0001~                              2300 original_payer_claim_control_number
    HI*ABK:F329*ABF:Z733~                        2300 diagnoses (ICD-10 ABK/ABF, ICD-9 BK/BF)
    NM1*82*1*SMITH*ANN****XX*1234567890~         2310B rendering provider
    LX*1~                                        2400 claim_line_number
    SV1*HC:99213:95*150*UN*1*10**1:2~            SV101 code and modifiers, SV102, SV104, SV105
    DTP*472*D8*20240102~                         DOS (D8, or the start of RD8)
    REF*6R*LN0001~                               line_control_number
    NM1*82*1*LEE*AL****XX*1992753880~            2420A line rendering provider

Patient names and birth dates are read only to tell dependants apart, as a digest in memory, and
never kept. Lines are coerced by the same expressions as a CSV (``telekit._io._build.build_table``)
with ``row_number`` = the SV1's segment ordinal, so a value that cannot be represented is a reject
with the CSV reader's reason. Envelope problems, and CLM02 differing from the sum of its lines, are
warnings in ``.issues``; a line that cannot be placed (SV1 before any CLM) is an error there.

A well-formed file (``telekit.x12._837p_fast``: one clean envelope, the loops mapped here, nothing
to warn about) is read as whole polars frames instead of segment by segment, with the same result;
any other file is read by the loop parser below.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from telekit._core._columns import (
    CLAIMS,
    DIAGNOSES,
    ENCOUNTER_ID,
    ORIGINAL_CLAIM_ID,
    REJECTS_SCHEMA,
)
from telekit._core._exceptions import UnsupportedFormatError
from telekit._core._table import Table
from telekit.x12._837p_batches import (
    CLAIM_FIELDS,
    CLAIMS_SCHEMA,
    DX_JOIN,
    LINE_FIELDS,
    Batches,
    raw_frame,
)
from telekit.x12._837p_fast import fast_frames
from telekit.x12._envelope import Envelope
from telekit.x12._tokenizer import Segment, Source, iter_segments, source_label

__all__ = ["CLAIMS_SCHEMA", "X837P", "read_837p", "read_837p_folder", "read_837p_lines"]

SUPPORTED = ("005010X222", "005010X222A1", "005010X222A2")
DIAGNOSIS_QUALIFIERS = frozenset({b"ABK", b"ABF", b"BK", b"BF"})
_VERSION_SHAPE = re.compile(r"[0-9]{6}X[0-9]{3}[A-Z0-9]{0,4}")
BATCH_LINES = 1 << 15  # claim lines coerced at a time (whole claims: a batch may pass it)


@dataclass(frozen=True)
class X837P:
    """An 837P read: ``claims`` (one row per CLM, ``CLAIMS_SCHEMA``), ``lines`` (claim lines in
    the ``CLAIMS`` contract), ``issues`` (``ISSUES_SCHEMA``), ``rejects`` (lines that cannot be
    represented; ``row_number`` = the SV1's segment ordinal), ``rows_in`` (SV1 lines seen)."""

    claims: pl.DataFrame
    lines: pl.DataFrame
    issues: pl.DataFrame
    rejects: pl.DataFrame
    rows_in: int
    source: str

    def table(self) -> Table:
        """The lines as the ``Table`` ``read_claims`` returns."""
        absent = (ORIGINAL_CLAIM_ID, ENCOUNTER_ID)
        given = tuple(c for c in CLAIMS.names if c not in absent)
        return Table(
            name=CLAIMS.name,
            data=self.lines,
            rejects=self.rejects,
            issues=self.issues,
            rows_in=self.rows_in,
            source=self.source,
            columns_given=given,
        )


class _Parser:
    """The loop state of one file. Claims and their lines are buffered as tuples of raw text
    and handed to ``batches`` once ``batch_lines`` lines are held, after a claim closes (a batch
    holds whole claims), so memory stays flat on large files."""

    def __init__(self, name: str, env: Envelope, batches: Batches, batch_lines: int) -> None:
        self.name = name
        self.env = env
        self.batches = batches
        self.batch_lines = batch_lines
        self.ending = False  # the file is read: the last batch waits for the envelope's issues
        self.lines: list[tuple[object, ...]] = []
        self.claims: list[tuple[object, ...]] = []
        self.dependants: dict[str, dict[bytes, int]] = {}
        self.skipped: list[tuple[int, str]] = []  # (SV1 ordinal, reason): lines not read
        self.skipped_by_file = [(name, self.skipped)]
        self._reset_transaction()

    def start_file(self, name: str, env: Envelope) -> None:
        """The next file of a folder (dependants stay known: one person across the files)."""
        self.name, self.env, self.ending = name, env, False
        self.skipped = []
        self.skipped_by_file.append((name, self.skipped))
        self._reset_transaction()

    # --- state -----------------------------------------------------------------------------

    def _reset_transaction(self) -> None:
        self.bht04 = ""
        self._reset_billing()

    def _reset_billing(self) -> None:
        self.billing_npi = ""
        self._reset_subscriber()

    def _reset_subscriber(self) -> None:
        self.area = ""
        self.sbr01 = self.sbr09 = self.member_id = self.payer = ""
        self.subscriber_name: list[bytes] = []  # NM1*IL elements, read only in person()
        self.subscriber_birth = b""
        self._reset_patient()

    def _reset_patient(self) -> None:
        self.patient_name: list[bytes] | None = None  # [] once a 2000C opens
        self.patient_birth = b""
        self.claim: list[object] | None = None
        self.line: list[object] | None = None
        self.lx01 = ""

    # --- closing ---------------------------------------------------------------------------

    def close_line(self) -> None:
        line = self.line
        if line is None:
            return
        self.line = None
        claim = self.claim
        assert claim is not None  # a line is only opened inside a claim
        self.lines.append(tuple(line))
        claim[_C_LINES] += 1  # type: ignore[operator]

    def drop_cut_line(self, seg: Segment) -> None:
        """The file ends inside ``seg``: the line it belongs to is incomplete and not read."""
        line = self.line
        if line is None:
            return
        self.line = None
        claim = self.claim
        if claim is not None:  # the claim had this line: no "claim has no service line" warning
            claim[_C_LINES] += 1  # type: ignore[operator]
        self.skipped.append(
            (
                line[_L_ROW],  # type: ignore[arg-type]
                f"the file ends inside segment {seg.ordinal} of this claim line (the file is cut "
                "short); the line is not read",
            )
        )

    def close_claim(self) -> None:
        if self.line is not None:
            self.close_line()
        claim = self.claim
        if claim is None:
            return
        self.claim = None
        if claim[_C_LINES] == 0:
            self.env.issue(
                claim[_C_ROW],  # type: ignore[arg-type]
                "CLM",
                "warning",
                "claim has no service line (no SV1 after CLM); it has no claim lines.",
            )
        if not claim[_C_RENDERING]:
            claim[_C_RENDERING] = claim[_C_BILLING]
        claim[_C_DX] = DX_JOIN.join(claim[_C_DX])  # type: ignore[arg-type]
        self.claims.append(tuple(claim))
        if max(len(self.lines), len(self.claims)) >= self.batch_lines and not self.ending:
            self.flush()

    def flush(self) -> None:
        """Hand the claims closed so far and their lines to ``batches``."""
        if self.claims or self.lines:
            lines, claims = raw_frame(self.lines, LINE_FIELDS), raw_frame(self.claims, CLAIM_FIELDS)
            self.lines.clear()
            self.claims.clear()
            self.batches.add(lines, claims)

    # --- segments --------------------------------------------------------------------------

    def st(self, seg: Segment) -> None:
        self.close_claim()
        self._reset_transaction()
        st01 = seg.el(1).strip()
        version = seg.el(3).strip() or self.env.gs08
        if st01 != "837" or version not in SUPPORTED:
            raise _unsupported(self.name, seg.ordinal, st01, version)

    def se(self, seg: Segment) -> None:
        self.close_claim()
        self._reset_transaction()

    def bht(self, seg: Segment) -> None:
        self.bht04 = seg.el(4)

    def hl(self, seg: Segment) -> None:
        self.close_claim()
        level = seg.el(3).strip()
        if level == "20":
            self._reset_billing()
            self.area = "2000A"
        elif level == "22":
            self._reset_subscriber()
            self.area = "2000B"
        elif level == "23":
            self._reset_patient()
            self.patient_name = []
            self.area = "2000C"
        else:
            self.area = "HL"

    def sbr(self, seg: Segment) -> None:
        if self.claim is not None:
            self.close_line()
            self.area = "2320"  # other subscriber (COB): its NM1/REF are not the claim's
            return
        self.sbr01 = seg.el(1)
        self.sbr09 = seg.el(9).strip()

    def nm1(self, seg: Segment) -> None:
        entity = seg.el(1).strip()
        area = self.area
        if self.claim is not None:
            if area in ("2320", "2330"):
                self.area = "2330"
            elif self.line is not None:
                if entity == "82":
                    self.line[_L_RENDERING] = seg.el(9).strip()
                self.area = "2420"
            else:
                if entity == "82":
                    self.claim[_C_RENDERING] = seg.el(9).strip()
                self.area = "2310"
            return
        if entity == "85" and area.startswith("2000A"):
            self.billing_npi = seg.el(9).strip()
            self.area = "2010AA"
        elif entity == "IL" and area.startswith(("2000B", "2010B")):
            self.member_id = seg.el(9).strip()
            self.subscriber_name = seg.elements
            self.area = "2010BA"
        elif entity == "PR" and area.startswith(("2000B", "2010B")):
            self.payer = seg.el(9).strip()
            self.area = "2010BB"
        elif entity == "QC" and self.patient_name is not None:
            self.patient_name = seg.elements
            self.area = "2010CA"
        else:
            self.area = area[:4] + "xx" if area else ""

    def dmg(self, seg: Segment) -> None:
        birth = seg.elements[2].strip() if len(seg.elements) > 2 else b""
        if self.area == "2010BA":
            self.subscriber_birth = birth
        elif self.area == "2010CA":
            self.patient_birth = birth

    def person(self) -> str:
        """The subscriber's member id, with ``:NN`` for a 2010CA patient who is someone else
        (told apart by name and birth date, kept only as a digest while the file is read)."""
        member = self.member_id
        patient = self.patient_name
        if not patient or not member:
            return member
        key = [*_name_key(patient), self.patient_birth]
        if key == [*_name_key(self.subscriber_name), self.subscriber_birth]:
            return member
        digest = hashlib.blake2b(b"\x1f".join(key), digest_size=16).digest()
        seen = self.dependants.setdefault(member, {})
        seq = seen.setdefault(digest, len(seen) + 1)
        return f"{member}:{seq:02d}"

    def clm(self, seg: Segment) -> None:
        self.close_claim()
        d = seg.delimiters.component
        clm05 = seg.elements[5].split(d) if len(seg.elements) > 5 else []
        pos = clm05[0].decode("latin-1").strip() if clm05 else ""
        frequency = clm05[2].decode("latin-1").strip() if len(clm05) > 2 else ""
        env = self.env
        self.claim = [
            seg.ordinal,  # _C_ROW
            0,  # _C_LINES
            seg.el(1).strip(),  # _C_ID
            self.person(),  # _C_PERSON
            self.member_id,  # _C_MEMBER
            self.payer,  # _C_PAYER
            self.sbr09,  # _C_SBR09
            self.sbr01.strip(),  # _C_SBR01
            frequency,  # _C_FREQUENCY
            "",  # _C_F8
            self.billing_npi,  # _C_BILLING
            "",  # _C_RENDERING
            pos,  # _C_POS
            self.bht04,  # _C_SUBMITTED
            seg.el(2),  # _C_CHARGE
            env.isa13,  # _C_ISA13
            env.gs06,  # _C_GS06
            env.st02,  # _C_ST02
            [],  # _C_DX
        ]
        self.area = "2300"
        self.lx01 = ""

    def ref(self, seg: Segment) -> None:
        qualifier = seg.elements[1].strip() if len(seg.elements) > 1 else b""
        if qualifier == b"F8" and self.claim is not None and self.area == "2300":
            self.claim[_C_F8] = seg.el(2).strip()
        elif qualifier == b"6R" and self.line is not None and self.area == "2400":
            self.line[_L_CONTROL] = seg.el(2).strip()

    def hi(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None or self.area != "2300":
            return
        d = seg.delimiters.component
        dx: list[str] = claim[_C_DX]  # type: ignore[assignment]
        for element in seg.elements[1:]:
            parts = element.split(d)
            if len(parts) > 1 and parts[0].strip() in DIAGNOSIS_QUALIFIERS:
                code = parts[1].strip().decode("latin-1")
                if code:
                    dx.append(code)
        if len(dx) > len(DIAGNOSES):
            self.env.issue(
                seg.ordinal,
                "HI",
                "warning",
                f"the claim has more than {len(DIAGNOSES)} diagnosis codes; lines keep the first "
                f"{len(DIAGNOSES)} (their SV107 pointers first).",
            )

    def lx(self, seg: Segment) -> None:
        if self.claim is None:
            return
        if self.line is not None:
            self.close_line()
        self.area = "2400"
        self.lx01 = seg.el(1).strip()

    def sv1(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None:
            self.env.issue(
                seg.ordinal,
                "SV1",
                "error",
                "service line outside a claim (no CLM before it); the line is skipped.",
            )
            self.skipped.append((seg.ordinal, "service line outside a claim (no CLM before it)"))
            return
        if self.line is not None:  # a second SV1 without its own LX
            self.close_line()
            self.lx01 = ""
        self.area = "2400"
        d = seg.delimiters.component
        elements = seg.elements
        n = len(elements)
        sv101 = [p.decode("latin-1").strip() for p in elements[1].split(d)] if n > 1 else []
        code = (sv101[1:6] + [""] * 5)[:5]
        if len(sv101) == 1 and sv101[0]:
            self.env.issue(
                seg.ordinal,
                "SV1",
                "warning",
                "SV101 (element 1) has no component separator (ISA16), so it holds no "
                "procedure code.",
            )
        pointers = ""
        if n > 7 and elements[7]:
            dx_count = len(claim[_C_DX])  # type: ignore[arg-type]
            valid: list[bytes] = []
            for p in elements[7].split(d):
                text = p.strip()
                if text.isdigit() and len(text) <= 2 and 0 < int(text) <= dx_count:
                    valid.append(text)
                elif text:
                    self.env.issue(
                        seg.ordinal,
                        "SV1",
                        "warning",
                        "SV107 (element 7) points to a diagnosis the claim does not have; "
                        "such pointers are ignored.",
                    )
                    break
            pointers = b",".join(valid).decode("ascii")
        self.line = [
            claim[_C_ROW],  # _L_CLAIM
            seg.ordinal,  # _L_ROW
            self.lx01 or str(claim[_C_LINES] + 1),  # type: ignore[operator]  # _L_NUMBER
            "",  # _L_RENDERING
            "",  # _L_DOS
            elements[5].decode("latin-1").strip() if n > 5 else "",  # _L_POS
            *code,  # _L_CODE .. +5: hcpcs_code, modifiers 1-4
            elements[4].decode("latin-1") if n > 4 else "",  # _L_UNITS
            elements[2].decode("latin-1") if n > 2 else "",  # _L_CHARGE
            pointers,  # _L_POINTERS
            "",  # _L_CONTROL
        ]

    def dtp(self, seg: Segment) -> None:
        line = self.line
        elements = seg.elements
        if line is None or len(elements) < 4 or elements[1].strip() != b"472":
            return
        value = elements[3].strip()
        if elements[2].strip() == b"RD8":
            value = value.split(b"-", 1)[0]
        line[_L_DOS] = value.decode("latin-1")

    def other_loop(self, seg: Segment) -> None:
        """LIN (2410) and SVD (2430) open sub-loops of the line whose REF/NM1 are not 2400's."""
        if self.line is not None:
            self.area = "2410" if seg.id == "LIN" else "2430"


def _name_key(nm1: Sequence[bytes]) -> list[bytes]:
    """NM103-NM107 (last, first, middle, prefix, suffix) trimmed and upper-cased."""
    names = [p.strip().upper() for p in nm1[3:8]]
    return [*names, *[b""] * (5 - len(names))]


# claim list slots (the order of CLAIM_FIELDS)
(
    _C_ROW,
    _C_LINES,
    _C_ID,
    _C_PERSON,
    _C_MEMBER,
    _C_PAYER,
    _C_SBR09,
    _C_SBR01,
    _C_FREQUENCY,
    _C_F8,
    _C_BILLING,
    _C_RENDERING,
    _C_POS,
    _C_SUBMITTED,
    _C_CHARGE,
    _C_ISA13,
    _C_GS06,
    _C_ST02,
    _C_DX,
) = range(19)
# line list slots (the order of LINE_FIELDS)
_L_CLAIM, _L_ROW, _L_NUMBER, _L_RENDERING, _L_DOS, _L_POS, _L_CODE = range(7)
_L_UNITS, _L_CHARGE, _L_POINTERS, _L_CONTROL = range(11, 15)


def _unsupported(name: str, ordinal: int, st01: str, version: str) -> UnsupportedFormatError:
    shown = version if _VERSION_SHAPE.fullmatch(version) else "unrecognised"
    kind = st01 if st01.isdigit() and len(st01) == 3 else "unrecognised"
    msg = (
        f"{name}: segment {ordinal} (ST): unsupported transaction {kind} version {shown} "
        "(ST01, ST03/GS08); telekit reads 837P 005010X222A1 (also X222 and X222A2) as claims"
    )
    if version.startswith("004010"):
        msg += "; 4010 files must be converted to 5010 first"
    return UnsupportedFormatError(msg)


def read_837p(source: Source, *, name: str | None = None) -> X837P:
    """Read an 837P file (a path or its bytes) into claims, claim lines, issues and rejects.

    Raises ``UnsupportedFormatError`` for any transaction other than 837P 5010 (X222, X222A1,
    X222A2) and ``X12Error`` when the data cannot be tokenised. ``name`` is how messages name a
    ``bytes`` source (default: the file name). Lines are coerced ``BATCH_LINES`` at a time (a
    module constant tests lower; the result does not depend on it).
    """
    label = name or source_label(source)
    path = label if isinstance(source, bytes | bytearray) else str(source)
    return _read_files([(source, label, path)], path)


def read_837p_lines(source: Source, *, name: str | None = None) -> X837P:
    """``read_837p`` without the claim level: ``claims`` is empty (CLM-level warnings are still
    in ``issues``). What ``read_claims`` uses: the claim frame is not held (a third of the
    memory of a large file)."""
    label = name or source_label(source)
    path = label if isinstance(source, bytes | bytearray) else str(source)
    return _read_files([(source, label, path)], path, keep_claims=False)


def read_837p_folder(folder: Path, files: Sequence[Path], *, keep_claims: bool = True) -> X837P:
    """Read the 837P ``files`` of ``folder`` one after the other as one claims table.

    Each file is streamed through the same batches (memory follows a batch, not the folder);
    messages and rejects name a file by its path inside ``folder``; a claim line whose key
    (``claim_id`` + ``claim_line_number``) an earlier file had is a duplicate reject naming the
    first row and its file; dependants (``person_id``) are told apart across the files."""
    given = [(f, f.relative_to(folder).as_posix(), str(f)) for f in files]
    return _read_files(given, str(folder), keep_claims=keep_claims)


def _read_files(
    files: Sequence[tuple[Source, str, str]], source: str, *, keep_claims: bool = True
) -> X837P:
    """(source, label, path) of each file, read in order into one ``X837P``."""
    _, label, path = files[0]
    env = Envelope(label)
    batches = Batches(label, path, env, keep_claims=keep_claims)
    parser = _Parser(label, env, batches, max(BATCH_LINES, 1))
    issues: list[pl.DataFrame] = []
    for i, (data, label, path) in enumerate(files):
        if i:
            env = Envelope(label)
            batches.start_file(label, path, env)
            parser.start_file(label, env)
        fast = fast_frames(data, label) if len(files) == 1 else None
        if fast is not None:  # a well-formed file read as whole frames (the same result)
            _add_fast(batches, *fast, max(BATCH_LINES, 1))
        else:
            _read_segments(parser, env, data, label)
        issues.append(env.issues_frame().sort("segment_number", maintain_order=True))
    claims, lines, rejects, rows_in = batches.finish()
    skipped = pl.concat([_skipped_rejects(s, f) for f, s in parser.skipped_by_file])
    return X837P(
        claims=claims,
        lines=lines,
        issues=pl.concat(issues),
        rejects=_sorted_rejects(pl.concat([rejects, skipped]), batches.files),
        rows_in=rows_in + skipped.height,
        source=source,
    )


def _add_fast(
    batches: Batches, lines: pl.DataFrame, claims: pl.DataFrame, counts: list[int], size: int
) -> None:
    """Hand the fast path's frames to ``batches`` cut where the parser cuts them: after the
    claim that brings the lines held to ``size`` (whole claims; the rest at the end)."""
    held = start_line = start_claim = 0
    for k, n in enumerate(counts, 1):
        held += n
        if held >= size and k < len(counts):
            batches.add(lines.slice(start_line, held), claims.slice(start_claim, k - start_claim))
            start_line, start_claim, held = start_line + held, k, 0
    batches.add(lines.slice(start_line), claims.slice(start_claim))


def _sorted_rejects(rejects: pl.DataFrame, files: list[str]) -> pl.DataFrame:
    """Rejects in file order, then by row (``row_number``: the SV1's segment ordinal)."""
    if len(files) == 1:
        return rejects.sort("row_number", maintain_order=True)
    index = pl.col("source_file").replace_strict(files, range(len(files)), return_dtype=pl.Int64)
    return rejects.sort(index, "row_number", maintain_order=True)


def _read_segments(parser: _Parser, env: Envelope, source: Source, label: str) -> None:
    """Feed one file's segments to ``parser``; its last claims are handed over at the end."""
    handlers = {
        "ST": parser.st,
        "SE": parser.se,
        "BHT": parser.bht,
        "HL": parser.hl,
        "SBR": parser.sbr,
        "NM1": parser.nm1,
        "DMG": parser.dmg,
        "CLM": parser.clm,
        "REF": parser.ref,
        "HI": parser.hi,
        "LX": parser.lx,
        "SV1": parser.sv1,
        "DTP": parser.dtp,
        "LIN": parser.other_loop,
        "SVD": parser.other_loop,
        "GE": parser.se,
        "IEA": parser.se,
    }
    feed = env.feed
    get = handlers.get
    for seg in iter_segments(source, name=label):
        feed(seg)
        handler = get(seg.id)
        if handler is not None:
            handler(seg)
        if not seg.terminated:
            parser.drop_cut_line(seg)
    parser.ending = True
    parser.close_claim()
    env.finish()
    parser.flush()


def _skipped_rejects(skipped: list[tuple[int, str]], label: str) -> pl.DataFrame:
    """Service lines that could not be read as rejects: ``row_number`` = the SV1's ordinal."""
    rows = [(CLAIMS.name, label, at, None, None, None, why) for at, why in skipped]
    return pl.DataFrame(rows, schema=REJECTS_SCHEMA, orient="row")
