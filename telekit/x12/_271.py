"""271 (005010X279A1) eligibility responses -> coverage spans (the ``COVERAGE`` table).

Loops, as the implementation guide names them::

    HL*1**20*1~                      2000A information source
    NM1*PR*2*ABC COMPANY*****PI*842610001~          2100A payer: payer = NM109, else NM103
    HL*2*1*21*1~                     2000B information receiver (not kept)
    HL*3*2*22*1~                     2000C subscriber
    NM1*IL*1*SMITH*JOHN****MI*123456789~            2100C member id = NM109
    DTP*356*D8*20240101~             2100C dates, for every EB of the member
    EB*1**30*MB*MEDICARE PART B~     2110C benefit: EB01 1-5 active, 6-8 inactive
    DTP*347*D8*20241231~             2110C dates of this benefit only (override 2100C)
    HL*4*3*23*0~                     2000D dependent
    NM1*03*1*SMITH*MARY~             2100D (NM109 usually empty in 5010)

**Spans.** Each active ``EB`` (EB01 ``1``-``5``) of a subscriber or dependent is a span; active
benefits of one member that resolve to the same dates are one span (a 271 lists one ``EB*1`` per
service type). ``EB`` segments with other EB01 values (co-payments, deductibles, limitations) are
benefit details and not spans. Inactive benefits (EB01 ``6``, ``7``, ``8``) are never spans:
each becomes a ``warning`` in ``.issues`` (coverage has no "inactive" column, and a row would
read as coverage). ``AAA`` (the payer could not answer at that level) is a ``warning`` too.

**Columns.**

- person_id: the member's own NM109 (2100C, or 2100D when a dependent has an id); a dependent
  without one is ``<subscriber NM109>:NN`` with ``NN`` = 01, 02 ... in order of first appearance
  per subscriber in the file (a digest of name and birth date tells dependents apart in memory;
  names and birth dates are never kept). ``person_map`` ({member id: person id}) then maps the
  id; unmapped ids stay as they are.
- member_id: the member's own NM109, else the subscriber's;
- payer: 2100A NM109 (payer id), else NM103 (name);
- payer_type from EB04 (insurance type code; the benefit's own, else the first EB04 of the
  member): ``MA`` ``MB`` ``MP`` and the Medicare-secondary types ``12``-``16`` ``41``-``43``
  ``47`` → medicare; ``HN`` (HMO Medicare risk) → medicare_advantage; ``MC``, ``QM`` (QMB),
  ``HS`` (SLMB) → medicaid; ``PP`` (personal payment) → self_pay; ``OT``, ``WC``, ``AP`` → other;
  anything else, or none, → commercial. (EB04 uses the insurance type code list, where ``16`` is
  a Medicare-secondary type; in the 837 SBR09 list ``16`` is Medicare Advantage.)
- plan_name: EB05, else REF*18 REF03 (plan description) of the benefit, else of the member;
- enrollment_start_date / enrollment_end_date: eligibility dates first (DTP*356 begin, 357 end,
  307 eligibility period), then plan dates (346 begin, 347 end, 291 plan period); ``D8`` or ``RD8``
  (``RD8`` gives both ends); the benefit's own dates before the member's;
- telehealth_covered: null (a 271 does not say it).

Spans go through the same coercion and rejects as every reader: a span without a start date
or with an unreadable date is a reject whose ``row_number`` is the ``EB`` segment's ordinal; a
second span with the same (person_id, payer, enrollment_start_date) is a duplicate reject.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from telekit._core._columns import (
    COVERAGE,
    ENROLLMENT_END_DATE,
    ENROLLMENT_START_DATE,
    MEMBER_ID,
    PAYER,
    PAYER_TYPE,
    PERSON_ID,
    PLAN_NAME,
)
from telekit._core._exceptions import UnsupportedFormatError
from telekit._core._table import Table
from telekit._io._build import build_table
from telekit._io._maps import TableMap
from telekit._io._source import ROW, RawSource
from telekit.x12._envelope import Envelope
from telekit.x12._tokenizer import Segment, iter_segments, source_label

__all__ = ["INSURANCE_TYPES", "read_271"]

ACTIVE = frozenset({"1", "2", "3", "4", "5"})
INACTIVE = frozenset({"6", "7", "8"})
GUIDES = ("005010X279",)  # X279 and X279A1
INSURANCE_TYPES: dict[str, str] = {
    **dict.fromkeys(("MA", "MB", "MP", "12", "13", "14", "15", "16", "41", "42", "43", "47"),
                    "medicare"),
    "HN": "medicare_advantage",
    **dict.fromkeys(("MC", "QM", "HS"), "medicaid"),
    "PP": "self_pay",
    **dict.fromkeys(("OT", "WC", "AP"), "other"),
}  # fmt: skip
DEFAULT_PAYER_TYPE = "commercial"
_ELIGIBILITY = {"356": 0, "357": 1, "307": None}  # qualifier -> end index (None: a period)
_PLAN = {"346": 0, "347": 1, "291": None}
_COLUMNS = (PERSON_ID, PAYER, PAYER_TYPE, MEMBER_ID, PLAN_NAME, ENROLLMENT_START_DATE,
            ENROLLMENT_END_DATE)  # fmt: skip


@dataclass
class _Dates:
    """Begin/end dates as written (``CCYYMMDD``) by kind: eligibility and plan."""

    eligibility: list[str | None] = field(default_factory=lambda: [None, None])
    plan: list[str | None] = field(default_factory=lambda: [None, None])

    def add(self, seg: Segment) -> None:
        """``DTP*356*D8*20240101`` or ``DTP*291*RD8*20240101-20241231``."""
        qualifier = seg.el(1).strip()
        if qualifier in _ELIGIBILITY:
            kind, position = self.eligibility, _ELIGIBILITY[qualifier]
        elif qualifier in _PLAN:
            kind, position = self.plan, _PLAN[qualifier]
        else:
            return
        value = seg.el(3).strip()
        if not value:
            return
        if seg.el(2).strip() == "RD8" and "-" in value:
            begin, _, end = value.partition("-")
            if position is None or position == 0:
                kind[0] = begin.strip() or kind[0]
            kind[1] = end.strip() or kind[1]
        elif position is None or position == 0:
            kind[0] = value
        else:
            kind[1] = value

    def ends(self) -> tuple[str | None, str | None]:
        start = self.eligibility[0] or self.plan[0]
        end = self.eligibility[1] or self.plan[1]
        return start, end


@dataclass
class _Benefit:
    ordinal: int
    code: str  # EB01
    insurance_type: str  # EB04
    plan_name: str  # EB05
    dates: _Dates = field(default_factory=_Dates)
    plan_ref: str = ""  # REF*18 REF03


@dataclass
class _Member:
    ordinal: int  # of its NM1
    own_id: str
    subscriber_id: str
    identity: bytes  # digest of a dependent's name and birth date: in memory only, never kept
    payer: str
    dependent: bool
    has_children: bool = False  # HL04 = 1: dependents follow (their loops hold the benefits)
    answered: bool = True  # False after an AAA: the payer could not answer for this member
    dates: _Dates = field(default_factory=_Dates)
    plan_ref: str = ""
    benefits: list[_Benefit] = field(default_factory=list)


@dataclass
class _State:
    """What the parser knows inside one transaction set."""

    payer: str = ""
    level: str = ""  # HL03 of the open HL
    has_children: bool = False  # HL04 of the open HL
    named: bool = False  # the open HL's entity NM1 has been seen
    in_ls: bool = False
    subscriber_id: str = ""
    member: _Member | None = None
    benefit: _Benefit | None = None


class _Reader:
    def __init__(self, name: str, person_map: Mapping[str, str] | None) -> None:
        self.name = name
        self.person_map = dict(person_map or {})
        self.env = Envelope(name)
        self.rows: list[tuple[int, list[str | None]]] = []
        self.dependents: dict[tuple[str, bytes], str] = {}
        self.dependent_count: dict[str, int] = {}
        self.state = _State()

    # --- transaction checks ---------------------------------------------------------------

    def check_transaction(self, seg: Segment) -> None:
        if seg.el(1).strip() != "271":
            msg = (
                f"{self.name}: segment {seg.ordinal} (ST): ST01 (element 1) is not 271; "
                "read_271 reads 271 eligibility responses (837P claims are read by "
                "read_claims, 835 remittances by read_remittances)."
            )
            raise UnsupportedFormatError(msg)
        guide = self.env.gs08 or seg.el(3).strip()
        if not guide.startswith(GUIDES):
            msg = (
                f"{self.name}: segment {seg.ordinal} (ST): the implementation guide in GS08 "
                "(element 8) is not 005010X279 or 005010X279A1; only 5010 271 responses are "
                "read (re-send the response in 5010)."
            )
            raise UnsupportedFormatError(msg)

    # --- segments ---------------------------------------------------------------------------

    def feed(self, seg: Segment) -> None:
        self.env.feed(seg)
        sid = seg.id
        if sid == "ST":
            self.close_member()
            self.check_transaction(seg)
            self.state = _State()
        elif sid in ("SE", "GE", "IEA", "ISA", "GS"):
            self.close_member()
            self.state = _State()
        elif sid == "HL":
            self.open_level(seg)
        elif sid == "LS":
            self.state.in_ls = True
        elif sid == "LE":
            self.state.in_ls = False
        elif not self.state.in_ls:
            self.in_level(seg)

    def open_level(self, seg: Segment) -> None:
        self.close_member()
        state = self.state
        state.level = seg.el(3).strip()
        state.has_children = seg.el(4).strip() == "1"
        state.named = False
        state.in_ls = False
        state.benefit = None
        if state.level == "22":
            state.subscriber_id = ""

    def in_level(self, seg: Segment) -> None:
        state, sid = self.state, seg.id
        if sid == "AAA":
            if state.member is not None:
                state.member.answered = False
            self.env.issue(
                seg.ordinal,
                sid,
                "warning",
                "AAA: the payer could not answer the request at this level (reason in "
                "AAA03, element 3); no coverage is reported for it.",
            )
            return
        if sid == "NM1" and not state.named and state.benefit is None:
            state.named = True
            self.entity(seg)
            return
        member = state.member
        if member is None:
            return
        if sid == "DMG" and member.dependent:
            member.identity = _digest(member.identity, seg.el(2).strip())
        elif sid == "EB":
            benefit = _Benefit(seg.ordinal, seg.el(1).strip(), seg.el(4).strip(),
                               seg.el(5).strip())  # fmt: skip
            member.benefits.append(benefit)
            state.benefit = benefit
        elif sid == "DTP":
            (state.benefit.dates if state.benefit else member.dates).add(seg)
        elif sid == "REF" and seg.el(1).strip() == "18" and seg.el(3).strip():
            if state.benefit is not None:
                state.benefit.plan_ref = seg.el(3).strip()
            else:
                member.plan_ref = seg.el(3).strip()

    def entity(self, seg: Segment) -> None:
        """The NM1 that names the open HL's entity (2100A/B/C/D)."""
        state = self.state
        own_id = seg.el(9).strip()
        if state.level == "20":
            state.payer = own_id or seg.el(3).strip()
        elif state.level == "22":
            state.subscriber_id = own_id
            state.member = _Member(
                seg.ordinal, own_id, own_id, b"", state.payer, dependent=False,
                has_children=state.has_children,
            )  # fmt: skip
        elif state.level == "23":
            identity = _digest(b"", *(seg.el(i).strip().upper() for i in range(3, 8)))
            state.member = _Member(
                seg.ordinal, own_id, state.subscriber_id, identity, state.payer, dependent=True
            )

    # --- spans ------------------------------------------------------------------------------

    def person_key(self, member: _Member) -> str:
        if member.own_id or not member.dependent:
            return member.own_id
        subscriber = member.subscriber_id
        if not subscriber:
            return ""
        key = (subscriber, member.identity)
        if key not in self.dependents:
            n = self.dependent_count.get(subscriber, 0) + 1
            self.dependent_count[subscriber] = n
            self.dependents[key] = f"{subscriber}:{n:02d}"
        return self.dependents[key]

    def close_member(self) -> None:
        state = self.state
        member = state.member
        state.member = None
        state.benefit = None
        if member is None:
            return
        if not member.benefits:
            if member.has_children or not member.answered:
                return
            self.env.issue(
                member.ordinal,
                "NM1",
                "warning",
                "member has no EB (eligibility or benefit) segment; no coverage is reported "
                "for it.",
            )
            return
        key = self.person_key(member)
        person_id = self.person_map.get(key, key) if key else None
        member_id = member.own_id or member.subscriber_id or None
        first_type = next((b.insurance_type for b in member.benefits if b.insurance_type), "")
        spans: dict[tuple[str | None, str | None], list[str | None]] = {}
        for benefit in member.benefits:
            if benefit.code in INACTIVE:
                self.env.issue(
                    benefit.ordinal,
                    "EB",
                    "warning",
                    "EB01 (element 1) reports inactive coverage; no coverage span is kept for "
                    "this benefit.",
                )
                continue
            if benefit.code not in ACTIVE:
                continue
            start, end = _resolve(benefit.dates, member.dates)
            plan = benefit.plan_name or benefit.plan_ref or member.plan_ref or None
            insurance = benefit.insurance_type or first_type
            span = spans.get((start, end))
            if span is None:
                spans[(start, end)] = [person_id, member.payer or None, insurance, member_id,
                                       plan, start, end]  # fmt: skip
                self.rows.append((benefit.ordinal, spans[(start, end)]))
            else:
                span[2] = span[2] or insurance
                span[4] = span[4] or plan
        for span in spans.values():
            span[2] = _payer_type(span[2] or "")

    # --- result -----------------------------------------------------------------------------

    def table(self, path: str) -> Table:
        self.close_member()
        self.env.finish()
        ordinals = [ordinal for ordinal, _ in self.rows]
        columns = list(zip(*(row for _, row in self.rows), strict=True)) if self.rows else []
        data = {
            f"c{i}": pl.Series(list(columns[i]) if columns else [], dtype=pl.String)
            for i in range(len(_COLUMNS))
        }
        frame = pl.DataFrame({**data, ROW: pl.Series(ordinals, dtype=pl.Int64)})
        raw = RawSource(name=self.name, path=path, headers=_COLUMNS, frame=frame)
        built = build_table(COVERAGE, raw, TableMap())
        return Table(
            name=built.name,
            data=built.data,
            rejects=built.rejects,
            issues=self.env.issues_frame(),
            rows_in=built.rows_in,
            source=path,
            columns_given=built.columns_given,
            dropped_columns=(),
        )


def _digest(previous: bytes, *parts: str) -> bytes:
    """A digest of name parts and a birth date, chained: dependents are told apart by it."""
    text = "\x1f".join(parts).encode("utf-8")
    return hashlib.blake2b(previous + b"\x1e" + text, digest_size=16).digest()


def _resolve(benefit: _Dates, member: _Dates) -> tuple[str | None, str | None]:
    b_start, b_end = benefit.ends()
    m_start, m_end = member.ends()
    return b_start or m_start, b_end or m_end


def _payer_type(insurance_type: str) -> str:
    return INSURANCE_TYPES.get(insurance_type.upper(), DEFAULT_PAYER_TYPE)


def read_271(
    source: str | Path | bytes,
    *,
    person_map: Mapping[str, str] | None = None,
    name: str | None = None,
) -> Table:
    """Read a 271 eligibility response (a path or its bytes) as coverage spans.

    ``person_map`` maps member ids (the person keys described in this module's docstring) to
    the practice's person ids. ``name`` names the file in issues, rejects and errors (default:
    the file name, or ``<bytes>``). Returns a ``Table`` of the ``COVERAGE`` columns with its
    rejects and issues; raises ``UnsupportedFormatError`` for a transaction other than a 5010
    271 and ``X12Error`` for data that cannot be tokenised.
    """
    label = name or source_label(source)
    path = str(source) if isinstance(source, str | Path) else label
    reader = _Reader(label, person_map)
    for seg in iter_segments(source, name=label):
        reader.feed(seg)
    return reader.table(path)
