"""837P fast path: a well-formed 837P read as whole frames in polars instead of segment by segment.

The loop parser (``telekit.x12._837p``) stays the full-fidelity reader. This module reads the same
file as polars columns when the file qualifies, and gives exactly what the parser gives:

- the bytes are printable ASCII (line breaks aside), one interchange (``ISA`` first, no other),
  its terminator not a line break, the file ending on a terminator, no line break inside a
  segment;
- the envelope is clean: ``ISA GS (ST .. SE)+ GE ... IEA`` with every count and control number
  matching (the envelope would record no issue), ST01 ``837`` in a supported version;
- the loops are the ones mapped here: HL levels 20/22/23, no SBR inside a claim (2320 other
  subscriber), no LIN/SVD (2410/2430), no SV1 outside a claim;
- nothing the parser would warn about: every claim has a line, at most 12 diagnoses, every SV101
  with a component separator, every SV107 pointer pointing to a diagnosis of its claim.

Anything else returns ``None`` and the file is read by the parser, as are files over
``FAST_MAX_BYTES`` (the fast path holds the whole file; the parser's memory follows a batch) and the
files of a folder (dependants are numbered across its files). The segments are the file split on
the terminator (blanks before a segment and line breaks after it dropped, as the tokenizer does);
each segment's loop context (the open claim and line, the loop area inside a claim, the HL block)
is carried by ``forward_fill`` from the segment that sets it, with the segments that reset it (ST,
HL, CLM...) setting an empty value; the parser's state at each CLM (BHT04, 2010AA billing NPI,
2000B SBR, 2010BA/BB subscriber and payer, 2010CA patient, control numbers) is the value of the
last segment before it that set it, unless a segment emptied it since (the setting row's position
forward-filled, its elements gathered at each CLM), so every claim and line sees the value the
parser's state would hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import polars as pl

from telekit._core._engine import IN_MEMORY
from telekit._core._exceptions import X12Error
from telekit.x12._837p_batches import CLAIM_FIELDS, LINE_FIELDS, raw_dtype
from telekit.x12._tokenizer import Source, _header

__all__ = ["FAST_MAX_BYTES", "fast_frames"]

FAST_MAX_BYTES = 16 << 20  # larger files stream through the parser (memory follows a batch)
SUPPORTED = ("005010X222", "005010X222A1", "005010X222A2")
MAX_DIAGNOSES = 12
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\r\n"
_ENVELOPE = re.compile(r"I(?:G(?:TE)+g)+i")  # ISA GS (ST SE)+ GE ... IEA, one letter each
_ENVELOPE_LETTER = {"ISA": "I", "GS": "G", "ST": "T", "SE": "E", "GE": "g", "IEA": "i"}
_RESETS = ["ST", "SE", "GE", "IEA"]  # the transaction's state starts afresh (parser.st/se)
_CLOSERS = [*_RESETS, "HL", "CLM"]  # segments that close the open claim
# the segments the parser has a handler for (LIN/SVD files fall back), with ISA/GS for their
# control numbers
_READ = ["ISA", "GS", *_CLOSERS, "BHT", "SBR", "NM1", "DMG", "REF", "HI", "LX", "SV1", "DTP"]
_FALL_BACK = ["LIN", "SVD", "TA1"]  # 2410/2430 loops and an interchange acknowledgement
_IDS = pl.Enum([*_READ, *_FALL_BACK])
_LEVELS = pl.Enum(["20", "22", "23"])  # the HL levels read (HL03); any other falls back
_L20, _L22, _L23, _NO_LEVEL = 0, 1, 2, 3  # their codes (_LEVELS' physical), and none (reset)

ID = pl.col("id")
ORD = pl.col("ordinal")
EL = pl.col("el")


def _el(i: int, el: pl.Expr = EL) -> pl.Expr:
    """Element ``i`` as text, ``""`` when absent (``Segment.el``)."""
    return el.list.get(i, null_on_oob=True).fill_null("")


def _st(i: int, el: pl.Expr = EL) -> pl.Expr:
    """Element ``i`` stripped (printable ASCII: only spaces are blanks)."""
    return _el(i, el).str.strip_chars(" ")


_Value = Callable[[pl.Expr], pl.Expr]  # a state value, from the elements of its setter's rows


def _at(i: int, *, strip: bool = False) -> _Value:
    """Element ``i`` of a setter's rows (stripped)."""
    return lambda el: _st(i, el) if strip else _el(i, el)


def _names(el: pl.Expr) -> pl.Expr:
    """NM103-NM107 upper-cased: the person's name as the parser's digest keys it."""
    return pl.concat_str([_st(i, el).str.to_uppercase() for i in range(3, 8)], separator="\x1f")


RESET = ID.is_in(_RESETS)
# the rows of the parser's state before a claim: those that set or reset it, and the CLMs
STATE_ROW = ID.is_in(["ISA", "GS", *_RESETS, "HL", "BHT", "CLM"]) | (
    ~pl.col("in_claim") & ID.is_in(["SBR", "NM1", "DMG"])
)
CLOSER = ID.is_in(_CLOSERS)
IN_CLAIM = pl.col("in_claim") & (ID != "CLM")  # inside a claim, after its CLM
PRE = ~pl.col("in_claim")  # before the HL block's first CLM
LINE_OPEN = pl.col("line_open") & IN_CLAIM  # the parser's ``line is not None``
AREA = pl.col("area")  # the parser's loop area inside a claim (a code: _A2300...)
# integer codes, cheaper to forward-fill than text: the loop areas inside a claim, and the
# loop of a block's last NM1 (2010BA subscriber, 2010CA patient, other); _NONE: none yet
_NONE, _A2300, _A2310, _A2400, _A2420 = 0, 1, 2, 3, 4
_BA, _CA, _OTHER = 1, 2, 3


def _before_block(flag: pl.Expr, *, shift: int = 0) -> pl.Expr:
    """Whether the last row with ``flag`` up to this one (``shift=1``: before it) is before
    this row's HL block (``block``: the ordinal of the block's HL or reset), or there is none:
    no row of the block there has ``flag``."""
    last = pl.when(flag).then(ORD).forward_fill().shift(shift)
    return (last < pl.col("block")).fill_null(True)


def _last(frame: pl.DataFrame, key: str, value: pl.Expr) -> pl.DataFrame:
    """``key`` and ``value`` at the last of ``frame``'s rows with each ``key``: the rows are in
    file order and a claim's or line's key (its CLM's or SV1's ordinal) only grows along the
    file, so a key's rows are consecutive (no group-by)."""
    last = (pl.col(key) != pl.col(key).shift(-1)).fill_null(True)
    return frame.select(pl.col(key).filter(last), value.filter(last))


def _read(source: Source) -> bytes | None:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    try:
        path = Path(source)
        if path.stat().st_size > FAST_MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def fast_frames(source: Source, label: str) -> tuple[pl.DataFrame, pl.DataFrame, list[int]] | None:
    """(raw lines, raw claims, lines per claim) of a qualifying 837P as the parser would hand
    them to ``Batches`` (``LINE_FIELDS`` / ``CLAIM_FIELDS`` frames); ``None`` when the file does
    not qualify (the parser reads it)."""
    data = _read(source)
    if data is None or len(data) > FAST_MAX_BYTES or not data.startswith(b"ISA"):
        return None
    if data.translate(None, _PRINTABLE):  # a control character or a byte beyond ASCII
        return None
    try:
        delims = _header(data, label, 1, True)
    except X12Error:  # the parser raises it
        return None
    if delims is None or any(
        d in b" \r\n" for d in (delims.segment, delims.element, delims.component)
    ):
        return None
    return _frames(data.decode("ascii"), delims.segment.decode(), delims.element.decode(),
                   delims.component.decode())  # fmt: skip


def _segments(text: str, term: str, element: str) -> pl.DataFrame | None:
    """The segments (ordinal, text, id) as the tokenizer yields them; ``None`` when a line
    break is anywhere but right after a terminator. The elements are split later, on the
    segments read only."""
    pieces = pl.Series("seg", [text]).str.split(term).explode().str.strip_chars_start(" \r\n")
    if pieces.str.contains("[\r\n]").any():
        # line breaks left before a terminator are dropped (others fall back, below); when
        # none is left, stripping them would change nothing (the usual file: a terminator,
        # then a line break)
        pieces = pieces.str.strip_chars_end("\r\n")
        if pieces.str.contains("[\r\n]").any():
            return None
    if pieces[-1] != "":  # the file ends inside a segment
        return None
    pieces = pieces.filter(pieces.str.len_bytes() > 0)
    seg = pl.col("seg")
    return pl.DataFrame([pieces]).select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("ordinal"),
        seg,
        seg.str.slice(0, seg.str.find(element, literal=True)).alias("id"),
    )


def _split(segs: pl.DataFrame, element: str) -> pl.DataFrame:
    """``segs`` with each segment's elements (``el``) in place of its text."""
    return segs.select(pl.exclude("seg"), pl.col("seg").str.split(element).alias("el"))


def _envelope_ok(segs: pl.DataFrame, element: str) -> bool:
    """Whether the envelope is one the ``Envelope`` records no issue for, all 837P 5010
    (``segs``: their ids as ``_IDS``, one ISA)."""
    if segs.get_column("id").is_in(_FALL_BACK).any():
        return False
    env = _split(segs.filter(ID.is_in(list(_ENVELOPE_LETTER))), element)
    letters = "".join(
        env.get_column("id").cast(pl.String).replace_strict(_ENVELOPE_LETTER).to_list()
    )
    if _ENVELOPE.fullmatch(letters) is None or env.get_column("id")[0] != "ISA":
        return False
    # non-envelope segments only inside a transaction set: a segment between two envelope
    # segments (or after the last) is at the depth the envelope segment before it left (ST
    # opens a set, SE closes it), so it is found on the envelope's rows, from the gaps in their
    # ordinals (the segments' ordinals are 1..n), not on every segment
    depth = pl.when(ID == "ST").then(1).when(ID == "SE").then(-1).otherwise(0).cum_sum()
    gap_after = ORD.shift(-1).fill_null(segs.height + 1) - ORD > 1
    outside = (gap_after & (depth != 1)).any() | (ORD.first() > 1)
    gs = pl.when(ID == "GS")
    isa = pl.when(ID == "ISA")
    st = pl.when(ID == "ST")
    checked = env.with_columns(
        st.then(ORD).forward_fill().alias("st_at"),
        st.then(_st(2)).forward_fill().alias("st02"),
        gs.then(_st(6)).forward_fill().alias("gs06"),
        gs.then(_st(8)).forward_fill().alias("gs08"),
        isa.then(_st(13)).forward_fill().alias("isa13"),
        (ID == "ST").cast(pl.Int64).cum_sum().alias("sts"),
        (ID == "GS").cast(pl.Int64).cum_sum().alias("gss"),
    ).with_columns(
        gs.then(pl.col("sts")).forward_fill().alias("sts_at_gs"),
        pl.when(_st(1).str.contains("^[0-9]{1,18}$")).then(_st(1)).cast(pl.Int64).alias("n"),
    )
    version = pl.when(_st(3) != "").then(_st(3)).otherwise(pl.col("gs08"))
    bad = checked.select(
        outside
        | (
            (ID == "SE") & ((pl.col("n") != ORD - pl.col("st_at") + 1) | (_st(2) != pl.col("st02")))
        ).fill_null(True)
        | (
            (ID == "GE")
            & ((pl.col("n") != pl.col("sts") - pl.col("sts_at_gs")) | (_st(2) != pl.col("gs06")))
        ).fill_null(True)
        | (
            (ID == "IEA") & ((pl.col("n") != pl.col("gss")) | (_st(2) != pl.col("isa13")))
        ).fill_null(True)
        | ((ID == "ST") & ((_st(1) != "837") | ~version.is_in(SUPPORTED))).fill_null(True)
    )
    return not bad.to_series().any()


def _frames(
    text: str, term: str, element: str, component: str
) -> tuple[pl.DataFrame, pl.DataFrame, list[int]] | None:
    segs = _segments(text, term, element)
    if segs is None or segs.get_column("id").str.starts_with("ISA").sum() != 1:
        return None
    # the ids as an enum: the many membership tests below compare integers (an id neither read
    # nor falling back casts to null: the parser ignores N3, N4, PER, PRV...)
    segs = segs.with_columns(ID.cast(_IDS, strict=False))
    if not _envelope_ok(segs, element):
        return None
    # no _FALL_BACK id is left; the loop context is found on the ids, then the segments are
    # split into elements (``_split``) in two parts read apart: the claim state's rows, the rest
    segs = segs.filter(ID.is_not_null())
    closer, nm1 = CLOSER, ID == "NM1"
    in_claim, pre = IN_CLAIM, PRE
    # --- where each segment is: whether a claim is open, the open line (the HL block and its
    # level are only read on the claim state's rows: ``_claims``) ----------------------------
    segs = segs.with_columns(
        pl.when(closer).then(ID == "CLM").forward_fill().fill_null(False).alias("in_claim"),
        pl.when(ID == "CLM").then(ORD).when(closer).then(pl.lit(0, pl.Int64)).forward_fill()
        .fill_null(0).alias("claim"),
    )  # fmt: skip
    if segs.select(((ID == "SBR") & in_claim).any() | ((ID == "SV1") & pre).any()).item():
        return None
    # line open before a segment (the parser's ``line is not None``), and the loop area in claims
    after = pl.when(ID == "SV1").then(True).when(ID.is_in([*_CLOSERS, "LX"])).then(False)
    segs = segs.with_columns(after.forward_fill().shift(1).fill_null(False).alias("line_open"))
    area_after = (
        pl.when(ID == "CLM")
        .then(pl.lit(_A2300, pl.UInt8))
        .when(nm1 & in_claim)
        .then(
            pl.when(pl.col("line_open"))
            .then(pl.lit(_A2420, pl.UInt8))
            .otherwise(pl.lit(_A2310, pl.UInt8))
        )
        .when(ID.is_in(["LX", "SV1"]) & in_claim)
        .then(pl.lit(_A2400, pl.UInt8))
    )
    # the LX in force (set by LX, emptied by a closer): the rank of the last LX, 0 once emptied
    is_lx = ID == "LX"
    lx_rank = pl.when(is_lx).then(is_lx.cast(pl.UInt32).cum_sum()).when(closer).then(0)
    segs = segs.with_columns(
        area_after.forward_fill().shift(1).fill_null(_NONE).alias("area"),
        pl.when(ID == "SV1").then(ORD).when(closer | is_lx).then(pl.lit(0, pl.Int64))
        .forward_fill().fill_null(0).alias("line"),
        lx_rank.forward_fill().alias("__lx"),
        STATE_ROW.alias("__state"),
    )  # fmt: skip
    # a list column costs far more to filter than text: each segment's elements are split once,
    # in the part that reads them (the claims' and lines' segments are never state rows)
    state = pl.col("__state")
    rows = segs.select(ORD, ID, "in_claim", "seg", state).filter(state).drop("__state")
    rest = segs.filter(~state).drop("__state")
    parts = _claims(_split(rows, element), _split(rest, element), component)
    if parts is None:
        return None
    return _lines(parts[-1], component, parts[:-1])


def _claims(
    rows: pl.DataFrame, segs: pl.DataFrame, component: str
) -> tuple[pl.DataFrame, ...] | None:
    """The raw claims (the parser's state at each CLM joined on), their REF*F8, 2310B rendering
    NPI and diagnoses, and ``segs``; ``None`` when a claim has more diagnoses than the parser
    keeps quiet. ``rows``: the state's rows (``STATE_ROW``), ``segs`` the other segments."""
    reset, is_hl, nm1, entity = RESET, ID == "HL", ID == "NM1", _st(1)
    in_claim, area = IN_CLAIM, AREA
    # --- the state before each claim: transaction, billing provider, subscriber, patient -----
    # the rows that set or reset it, and the CLMs (``rows``), each state column one forward
    # fill; every HL and reset is among them, so their HL block (the last HL or reset's
    # ordinal) and its level (HL03 as a code of _LEVELS, read on the HL rows and gathered at
    # the rank of the last HL; _NO_LEVEL after a reset) are forward-filled here, on half the
    # segments
    hl03 = rows.filter(is_hl).select(_st(3).cast(_LEVELS, strict=False).to_physical())
    if hl03.null_count().item():
        return None  # an HL level other than 20/22/23
    hl_at = pl.when(is_hl).then(is_hl.cast(pl.UInt32).cum_sum()).when(reset).then(0).forward_fill()
    level = pl.lit(hl03.to_series()).gather(pl.when(hl_at > 0).then(hl_at - 1))
    blk = pl.col("block")
    lvl = pl.col("level")
    ent = pl.col("entity")
    start = (blk != blk.shift(1)).fill_null(True)  # the first row of an HL block (its HL)
    rows = rows.with_columns(
        entity.alias("entity"),
        pl.when(is_hl | reset).then(ORD).forward_fill().fill_null(0).alias("block"),
        level.fill_null(_NO_LEVEL).alias("level"),
    ).with_columns(
        # no NM1 but IL/PR in the block up to this row, no NM1 in the block before it
        _before_block(nm1 & ~ent.is_in(["IL", "PR"])).alias("__no_other"),
        _before_block(nm1, shift=1).alias("__first_nm1"),
    )
    no_other = pl.col("__no_other")
    rows = rows.with_columns(
        # what empties a state column: ST/SE/GE/IEA the transaction, HL 20/22 the billing
        # provider and the subscriber, any HL the patient
        (reset | (is_hl & (lvl == _L20))).alias("__billing_reset"),
        (reset | (is_hl & (lvl <= _L22))).alias("__sub_reset"),
        (reset | is_hl).alias("__pat_reset"),
        (nm1 & (lvl == _L20) & pl.col("__first_nm1") & (ent == "85")).alias("billing_at"),
        (nm1 & (lvl == _L22) & no_other & (ent == "IL")).alias("il_at"),
        (nm1 & (lvl == _L22) & no_other & (ent == "PR")).alias("pr_at"),
        (nm1 & (lvl == _L23) & (ent == "QC")).alias("qc_at"),
    )
    # the loop area a DMG is in: the last NM1 of its block before it (2010BA, 2010CA, other)
    kind = (
        pl.when(pl.col("il_at"))
        .then(pl.lit(_BA, pl.UInt8))
        .when(pl.col("qc_at"))
        .then(pl.lit(_CA, pl.UInt8))
        .when(nm1)
        .then(pl.lit(_OTHER, pl.UInt8))
        .when(start)
        .then(pl.lit(_NONE, pl.UInt8))
    )
    rows = rows.with_columns(kind.forward_fill().alias("nm1_kind"))
    last_kind = pl.col("nm1_kind")
    dmg = ID == "DMG"
    billing_reset, sub_reset = pl.col("__billing_reset"), pl.col("__sub_reset")
    pat_reset = pl.col("__pat_reset")
    # each setter: the segments that set it, the columns it sets (functions of its rows'
    # elements; None: "1" once set) and what empties them; the state at a row is the setter's
    # last row before it (its position among the rows, 0 once emptied), so only the rows in
    # force at a claim are ever turned into values
    setters: list[_Setter] = [
        (ID == "BHT", {"bht04": _at(4)}, reset),
        (pl.col("billing_at"), {"billing": _at(9, strip=True)}, billing_reset),
        (ID == "SBR", {"sbr01": _at(1), "sbr09": _at(9, strip=True)}, sub_reset),
        (pl.col("il_at"), {"member": _at(9, strip=True), "sub_key": _names}, sub_reset),
        (pl.col("pr_at"), {"payer": _at(9, strip=True)}, sub_reset),
        (dmg & (last_kind == _BA), {"sub_birth": _at(2, strip=True)}, sub_reset),
        (pl.col("qc_at"), {"pat_key": _names, "patient": None}, pat_reset),
        (dmg & (last_kind == _CA), {"pat_birth": _at(2, strip=True)}, pat_reset),
        # the envelope's control numbers (one ISA; GS and ST before their claims)
        (ID == "ISA", {"isa13": _at(13, strip=True)}, None),
        (ID == "GS", {"gs06": _at(6, strip=True)}, None),
        (ID == "ST", {"st02": _at(2, strip=True)}, None),
    ]
    rank = [
        _rank(setter, empties).alias(f"__s{i}") for i, (setter, _, empties) in enumerate(setters)
    ]
    # --- claims --------------------------------------------------------------------------------
    # the state's rows in force at each CLM (its position in ``rows``, null: none) and the
    # CLM's own position; no list column crosses the filter
    row = pl.int_range(pl.len(), dtype=pl.UInt32)
    at = (
        rows.select(ORD, ID, row.alias("__at"), *rank)
        .filter(ID == "CLM")
        .select(
            ORD,
            "__at",
            *(  # the setter's row at each claim (null: none in force)
                pl.when(pl.col(f"__s{i}") > 0).then(pl.col(f"__s{i}") - 1).alias(f"__s{i}")
                for i in range(len(setters))
            ),
        )
    )
    claims = _with_state(at, rows, setters, component)
    # dependants: a 2010CA patient other than the subscriber is member:NN, NN in order of first
    # appearance per member (the parser's digest of name and birth date, read only for the
    # claims with a 2010CA patient)
    dependant = claims.get_column("patient") == "1"
    keys = rows.select(_state(at.filter(dependant), setters, _PERSON_KEYS.__contains__))
    pat = pl.concat_str("pat_key", "pat_birth", separator="\x1f")
    sub = pl.concat_str("sub_key", "sub_birth", separator="\x1f")
    numbered = (pl.col("member") != "") & (pat != sub)
    first = pl.col("ordinal").min().over("member", "__pat")
    seq = pl.col("__first").rank("dense").over("member").cast(pl.String).str.zfill(2)
    people = (
        claims.filter(dependant)
        .select("ordinal", "member")
        .hstack(keys)
        .filter(numbered)
        .with_columns(pat.alias("__pat"))
        .with_columns(first.alias("__first"))
        .select("ordinal", pl.format("{}:{}", "member", seq).alias("__person"))
    )
    claims = claims.join(people, on="ordinal", how="left", maintain_order="left")
    # claim-level segments inside claims: REF*F8, HI, NM1*82 (2310B)
    at_claim = in_claim & (area == _A2300)
    f8 = (
        segs.select("claim", "el", ID, "in_claim", AREA)
        .filter((ID == "REF") & at_claim)
        .filter(_st(1) == "F8")
        .pipe(_last, "claim", _st(2).alias("f8"))
    )
    rendering = (
        segs.select("claim", "el", ID, "in_claim", "line_open")
        .filter(nm1 & in_claim & ~pl.col("line_open"))
        .filter(entity == "82")
        .pipe(_last, "claim", _st(9).alias("rendering"))
    )
    parts = pl.col("el").str.split(component)
    dx = (
        segs.lazy()  # lazy: 1.3 ms less than eager (fewer intermediate frames)
        .select("claim", "el", ID, "in_claim", AREA)
        .filter((ID == "HI") & at_claim)
        .select("claim", pl.col("el").list.slice(1))
        .explode("el")
        .filter(pl.col("el").is_not_null())
        .with_columns(parts.alias("p"))
        .filter(
            (pl.col("p").list.len() > 1)
            & pl.col("p").list.get(0).str.strip_chars(" ").is_in(["ABK", "ABF", "BK", "BF"])
        )
        .select("claim", pl.col("p").list.get(1).str.strip_chars(" ").alias("code"))
        .filter(pl.col("code") != "")
        .group_by("claim", maintain_order=True)
        .agg(pl.col("code"))
        .collect(engine=IN_MEMORY)
    )
    if dx.select((pl.col("code").list.len() > MAX_DIAGNOSES).any()).item():
        return None
    return claims, f8, rendering, dx, segs


_Setter = tuple[pl.Expr, dict[str, _Value | None], pl.Expr | None]  # None: never emptied


def _rank(setter: pl.Expr, empties: pl.Expr | None) -> pl.Expr:
    """At each row, the position (from 1) of the setter's last row up to it among all rows; 0
    before the first, or once ``empties`` emptied it."""
    position = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)
    if empties is None:
        at: pl.Expr = pl.when(setter).then(position)
    else:
        at = pl.when(setter).then(position).when(empties).then(pl.lit(0, pl.UInt32))
    return at.forward_fill().fill_null(0)


def _with_state(
    at: pl.DataFrame, rows: pl.DataFrame, setters: list[_Setter], component: str
) -> pl.DataFrame:
    """The claims: each CLM's own values and the state columns of each setter but the person
    keys, read from the elements of the rows ``at`` gives (``__at`` the CLM's)."""
    clm = EL.gather(pl.lit(at.get_column("__at")))
    clm05 = _el(5, clm).str.split(component)
    return rows.select(
        pl.lit(at.get_column("ordinal")),
        _st(1, clm).alias("id"),
        clm05.list.get(0, null_on_oob=True).fill_null("").str.strip_chars(" ").alias("pos"),
        clm05.list.get(2, null_on_oob=True).fill_null("").str.strip_chars(" ").alias("freq"),
        _el(2, clm).alias("charge"),
        *_state(at, setters, lambda name: name not in _PERSON_KEYS),
    )


# the state columns only the dependants' numbering reads (names and birth dates)
_PERSON_KEYS = frozenset({"sub_key", "sub_birth", "pat_key", "pat_birth"})


def _state(
    at: pl.DataFrame, setters: list[_Setter], wanted: Callable[[str], bool]
) -> list[pl.Expr]:
    """The ``wanted`` state columns at the claims of ``at``, over the state's rows: each read
    from the elements of the setter's row in force (``__s{i}``), ``""`` where none is."""
    state: list[pl.Expr] = []
    for i, (_, values, _) in enumerate(setters):
        index = at.get_column(f"__s{i}")
        given = pl.when(pl.lit(index).is_not_null())
        own = EL.gather(pl.lit(index))
        for name, value in values.items():
            if wanted(name):
                column = given.then(pl.lit("1") if value is None else value(own))
                state.append(column.fill_null("").alias(name))
    return state


def _lines(
    segs: pl.DataFrame, component: str, parts: tuple[pl.DataFrame, ...]
) -> tuple[pl.DataFrame, pl.DataFrame, list[int]] | None:
    """The raw lines (``LINE_FIELDS``) and claims (``CLAIM_FIELDS``) and the lines per claim;
    ``None`` when the parser would warn about a line or a claim."""
    claims, f8, rendering, dx = parts
    nm1, entity = ID == "NM1", _st(1)
    line_open, area = LINE_OPEN, AREA
    # --- lines ---------------------------------------------------------------------------------
    in_line = line_open & (pl.col("line") > 0)
    line_rendering = (
        segs.select("line", "el", ID, "in_claim", "line_open")
        .filter(nm1 & in_line)
        .filter(entity == "82")
        .pipe(_last, "line", _st(9).alias("l_rendering"))
    )
    control = (
        segs.select("line", "el", ID, "in_claim", "line_open", AREA)
        .filter((ID == "REF") & in_line & (area == _A2400))
        .filter(_st(1) == "6R")
        .pipe(_last, "line", _st(2).alias("control"))
    )
    dos_value = pl.when(_st(2) == "RD8").then(_st(3).str.split("-").list.first()).otherwise(_st(3))
    dos = (
        segs.select("line", "el", ID, "in_claim", "line_open")
        .filter((ID == "DTP") & in_line)
        .filter((pl.col("el").list.len() >= 4) & (_st(1) == "472"))
        .pipe(_last, "line", dos_value.alias("dos"))
    )
    # the LX in force at an SV1: the rank of the last LX (``__lx``, 0 once emptied: ``_frames``),
    # its value read on the LX rows only
    lx_values = segs.filter(ID == "LX").select(_st(1)).to_series()
    lx_at = pl.col("__lx")
    lx = pl.lit(lx_values).gather(pl.when(lx_at > 0).then(lx_at - 1)).fill_null("")
    sv101 = _el(1).str.split(component).list.eval(pl.element().str.strip_chars(" "))
    sv1 = segs.select("claim", ORD, "el", ID, "line_open", "__lx").filter(ID == "SV1")
    # the SV1's number in its claim: a claim's SV1s are consecutive rows (file order), so it is
    # the distance from the claim's first one (``int_range().over("claim")`` cost 8 ms)
    row = pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
    first = (pl.col("claim") != pl.col("claim").shift(1)).fill_null(True)
    k = row - pl.when(first).then(row - 1).forward_fill()
    sv1 = sv1.select(
        "claim",
        "ordinal",
        pl.when(pl.col("line_open")).then(pl.lit("")).otherwise(lx).alias("lx"),
        k.cast(pl.String).alias("k"),
        sv101.alias("sv101"),
        _st(5).alias("pos"),
        _el(4).alias("units"),
        _el(2).alias("charge"),
        _el(7)
        .str.split(component)
        .list.eval(pl.element().str.strip_chars(" "))
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("ptr"),
    )
    sv1 = sv1.join(
        dx.select("claim", pl.col("code").list.len().alias("n_dx")),
        on="claim",
        how="left",
        maintain_order="left",
    )
    ptr_ok = (
        pl.col("ptr")
        .list.eval(
            pl.element().str.contains("^[0-9]{1,2}$")
            & (pl.element().cast(pl.Int64, strict=False) > 0)
        )
        .list.all()
    )
    in_range = pl.col("ptr").list.eval(pl.element().cast(pl.Int64, strict=False)).list.max()
    bad = sv1.select(
        ((pl.col("sv101").list.len() == 1) & (pl.col("sv101").list.first() != "")).any()
        | (~ptr_ok).any()
        | (in_range > pl.col("n_dx").fill_null(0)).fill_null(False).any()
    ).item()
    if bad:
        return None
    code = [pl.col("sv101").list.get(i, null_on_oob=True).fill_null("") for i in range(1, 6)]
    lines = (
        sv1.select(
            pl.col("claim").alias(LINE_FIELDS[0]),
            pl.col("ordinal").alias(LINE_FIELDS[1]),
            pl.when(pl.col("lx") != "").then("lx").otherwise("k").alias(LINE_FIELDS[2]),
            "ordinal",
            "pos",
            *(c.alias(LINE_FIELDS[6 + i]) for i, c in enumerate(code)),
            "units",
            "charge",
            pl.col("ptr").list.join(",").alias("__ptr"),
        )
        .join(line_rendering, left_on="ordinal", right_on="line", how="left", maintain_order="left")
        .join(dos, left_on="ordinal", right_on="line", how="left", maintain_order="left")
        .join(control, left_on="ordinal", right_on="line", how="left", maintain_order="left")
    )
    lines = lines.select(
        *LINE_FIELDS[:3],
        pl.col("l_rendering").fill_null("").alias(LINE_FIELDS[3]),
        pl.col("dos").fill_null("").alias(LINE_FIELDS[4]),
        pl.col("pos").alias(LINE_FIELDS[5]),
        *LINE_FIELDS[6:11],
        pl.col("units").alias(LINE_FIELDS[11]),
        pl.col("charge").alias(LINE_FIELDS[12]),
        pl.col("__ptr").alias(LINE_FIELDS[13]),
        pl.col("control").fill_null("").alias(LINE_FIELDS[14]),
    )
    # a claim's lines are consecutive: their count is the length of its run
    counts = lines.get_column(LINE_FIELDS[0]).rle().struct.unnest()
    counts = counts.select(pl.col("value").alias(LINE_FIELDS[0]), pl.col("len").alias("n"))
    # in file order (the claims are, and each join keeps their order)
    claims = (
        claims.join(
            counts, left_on="ordinal", right_on=LINE_FIELDS[0], how="left", maintain_order="left"
        )
        .join(f8, left_on="ordinal", right_on="claim", how="left", maintain_order="left")
        .join(rendering, left_on="ordinal", right_on="claim", how="left", maintain_order="left")
        .join(dx, left_on="ordinal", right_on="claim", how="left", maintain_order="left")
    )
    if claims.select(pl.col("n").is_null().any()).item():
        return None  # a claim without lines: the parser warns
    given = pl.col("rendering").fill_null("")
    claims = claims.select(
        pl.col("ordinal").alias(CLAIM_FIELDS[0]),
        pl.col("n").cast(pl.Int64).alias(CLAIM_FIELDS[1]),
        pl.col("id").alias(CLAIM_FIELDS[2]),
        pl.coalesce("__person", "member").alias(CLAIM_FIELDS[3]),
        pl.col("member").alias(CLAIM_FIELDS[4]),
        pl.col("payer").alias(CLAIM_FIELDS[5]),
        pl.col("sbr09").alias(CLAIM_FIELDS[6]),
        pl.col("sbr01").str.strip_chars(" ").alias(CLAIM_FIELDS[7]),
        pl.col("freq").alias(CLAIM_FIELDS[8]),
        pl.col("f8").fill_null("").alias(CLAIM_FIELDS[9]),
        pl.col("billing").alias(CLAIM_FIELDS[10]),
        pl.when(given != "").then(given).otherwise("billing").alias(CLAIM_FIELDS[11]),
        pl.col("pos").alias(CLAIM_FIELDS[12]),
        pl.col("bht04").alias(CLAIM_FIELDS[13]),
        pl.col("charge").alias(CLAIM_FIELDS[14]),
        pl.col("isa13").alias(CLAIM_FIELDS[15]),
        pl.col("gs06").alias(CLAIM_FIELDS[16]),
        pl.col("st02").alias(CLAIM_FIELDS[17]),
        pl.col("code").list.join("\x1f").fill_null("").alias(CLAIM_FIELDS[18]),
    )
    lines = lines.cast({n: raw_dtype(n) for n in LINE_FIELDS})
    claims = claims.cast({n: raw_dtype(n) for n in CLAIM_FIELDS})
    return lines, claims, claims.get_column(CLAIM_FIELDS[1]).to_list()
