"""837P read in batches: one batch or many, the same claims, lines, rejects, issues and counts,
including duplicate keys whose lines fall in different batches."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from telekit._core._columns import CLAIMS, DIAGNOSES
from telekit._core._table import Table
from telekit._io._build import build_table, resolve_map
from telekit._io._source import RawSource
from telekit.x12 import _837p, read_837p
from telekit.x12 import _837p_batches as _b

DUPLICATE = "duplicate key (claim_id, claim_line_number); first seen at row "
HEAD = (
    "ISA*00*          *00*          *ZZ*TELEKITCLINIC  *ZZ*CLEARINGHOUSE  *240110*0930*^*00501*"
    "000000103*0*T*:~\nGS*HC*TELEKITCLINIC*CLEARINGHOUSE*20240110*0930*103*X*005010X222A1~\n"
)
ST_HEAD = (
    "BHT*0019*00*BATCH0003*20240112*0930*CH~\nNM1*41*2*TELEKIT CLINIC*****46*TK0001~\n"
    "HL*1**20*1~\nNM1*85*2*TELEKIT CLINIC*****XX*1234567893~\nHL*2*1*22*0~\n"
    "SBR*P*18*******MC~\nNM1*IL*1*PATIENT*EPSILON****MI*MCD0000003~\n"
    "NM1*PR*2*STATE MEDICAID*****PI*MCD01~\n"
)


def _claim(claim_id: str, lines: list[tuple[str, str, str]], total: str | None = None) -> str:
    """A CLM with its lines: (LX01, SV102, DTP03) each."""
    amount = total or str(sum(int(c) for _, c, _ in lines if c.isdigit()))
    parts = [f"CLM*{claim_id}*{amount}***02:B:1*Y*A*Y*Y~\nHI*ABK:F329*ABF:Z733~\n"]
    for lx, charge, dos in lines:
        parts.append(f"LX*{lx}~\nSV1*HC:99213:95*{charge}*UN*1***2~\nDTP*472*D8*{dos}~\n")
    return "".join(parts)


def _file() -> bytes:
    """Two transaction sets; D1 line 1 is repeated in the last claim (another batch), D2 line 1
    three times (a first, then twice in a later batch), with value rejects and a claim without
    lines among them."""
    ok = "20240105"
    first = [
        _claim("D1", [("1", "100", ok), ("2", "50", ok)]),
        _claim("D2", [("1", "80", ok)]),
        _claim("BAD", [("1", "1O0", ok), ("2", "70", "20241340")]),
        _claim("EMPTY", []),
        _claim("D3", [("1", "60", ok), ("1", "60", ok)]),  # a duplicate within one claim
    ]
    second = [
        _claim("OK", [("1", "90", ok)], total="95"),  # CLM02 differs: a warning
        _claim("D2", [("1", "80", ok), ("2", "10", ok)]),
        _claim("D2", [("1", "80", ok)]),
        _claim("D1", [("1", "100", ok)]),
    ]
    sets = []
    for n, claims in enumerate((first, second), 1):
        body = ST_HEAD + "".join(claims)
        count = body.count("~") + 2
        sets.append(f"ST*837*000{n}*005010X222A1~\n{body}SE*{count}*000{n}~\n")
    return (HEAD + "".join(sets) + "GE*2*103~\nIEA*1*000000103~\n").encode()


def _same_table(a: Table, b: Table) -> None:
    assert_frame_equal(a.data, b.data)
    assert_frame_equal(a.rejects, b.rejects)
    assert_frame_equal(a.issues, b.issues)
    assert (a.rows_in, a.rows_skipped, a.source, a.columns_given) == (
        b.rows_in,
        b.rows_skipped,
        b.source,
        b.columns_given,
    )


@pytest.mark.parametrize("batch_lines", [1, 2, 3, 5, 6])
def test_many_batches_read_as_one(batch_lines: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _file()
    whole = read_837p(data, name="dups.837")
    monkeypatch.setattr(_837p, "BATCH_LINES", batch_lines)
    parts = read_837p(data, name="dups.837")
    assert_frame_equal(parts.claims, whole.claims)
    assert_frame_equal(parts.lines, whole.lines)
    assert_frame_equal(parts.rejects, whole.rejects)
    assert_frame_equal(parts.issues, whole.issues)
    assert parts.rows_in == whole.rows_in
    _same_table(parts.table(), whole.table())


def test_duplicates_across_batches_name_the_first_row_of_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # batches of 6 lines: D1, D2, BAD, EMPTY, D3 | OK, D2, D2, D1; the second batch sees D2
    # line 1 twice itself, and that first sighting repeats the first batch's D2
    monkeypatch.setattr(_837p, "BATCH_LINES", 6)
    result = read_837p(_file(), name="dups.837")
    duplicates = result.rejects.filter(pl.col("reason").str.starts_with("duplicate key"))
    first_d1, first_d2, first_d3 = 15, 23, 38  # the SV1 ordinals of the first lines
    assert duplicates.select("row_number", "value", "reason").rows() == [
        (41, "D3", f"{DUPLICATE}{first_d3}"),
        (61, "D2", f"{DUPLICATE}{first_d2}"),
        (69, "D2", f"{DUPLICATE}{first_d2}"),
        (74, "D1", f"{DUPLICATE}{first_d1}"),
    ]
    assert result.lines.select("claim_id", "claim_line_number").rows() == [
        ("D1", 1),
        ("D1", 2),
        ("D2", 1),
        ("D3", 1),
        ("OK", 1),
        ("D2", 2),
    ]
    assert result.rows_in == result.lines.height + result.rejects.height == 12
    assert result.issues["segment_id"].to_list() == ["CLM", "CLM"]  # EMPTY; OK's CLM02


@pytest.mark.parametrize("batch_lines", [1, 6, 1 << 15])
def test_lines_only_read_is_read_837p_without_the_claim_level(
    batch_lines: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_837p, "BATCH_LINES", batch_lines)
    whole = read_837p(_file(), name="dups.837")
    lines = _837p.read_837p_lines(_file(), name="dups.837")
    assert whole.claims.height == 9
    assert lines.claims.is_empty()
    assert lines.claims.schema == whole.claims.schema
    _same_table(lines.table(), whole.table())
    assert lines.issues.height > 0  # the CLM02 warning of claim OK is still reported


def _raw_line(seq: int, row: int, pointers: str | None) -> tuple[object, ...]:
    values: dict[str, object] = {_b.SEQ: seq, _b.ROW: row, "__pointers": pointers}
    return tuple(values.get(n, "") for n in _b.LINE_FIELDS)


def _raw_claim(seq: int, dx: list[str]) -> tuple[object, ...]:
    values: dict[str, object] = {_b.SEGMENT_NUMBER: seq, _b.LINE_COUNT: 1, _b.DX: "\x1f".join(dx)}
    return tuple(values.get(n, "") for n in _b.CLAIM_FIELDS)


@pytest.mark.parametrize("tangled", [False, True])
def test_plain_pointers_order_the_diagnoses_as_the_whole_ordering_does(tangled: bool) -> None:
    """Lines whose pointers are "", "1", "1,2"... take the claim's distinct codes (once per
    claim); any other pointer makes every line go through the whole ordering: both agree."""
    claims = [
        _raw_claim(1, ["A", "B", "C"]),
        _raw_claim(2, ["A", "A", "B"]),  # a code twice
        _raw_claim(3, []),
        _raw_claim(4, ["X"]),
    ]
    pointers: list[str | None] = ["", "1", "1,2", "1,2,3", "1,2,3,4", "1,2"]
    if tangled:
        pointers += ["2,1", "3", "01,2", "1,1", "9", "2", None]
    seqs = [1, 2, 3, 4]
    lines = [_raw_line(seqs[i % 4], 100 + i, p) for i, p in enumerate(pointers)]
    lines.append(_raw_line(99, 500, "1"))  # a claim not read: no codes at all
    raw_lines = _b.raw_frame(lines, _b.LINE_FIELDS)
    raw_claims = _b.raw_frame(claims, _b.CLAIM_FIELDS)
    got = _b._line_texts(raw_lines, raw_claims)
    claim_dx = raw_claims.select(pl.col(_b.SEGMENT_NUMBER).alias(_b.SEQ), _b._dx_list())
    whole = raw_lines.join(claim_dx, on=_b.SEQ, how="left", maintain_order="left").select(
        _b._ordered_dx().alias(_b.DX)
    )
    want = whole.select(
        pl.col(_b.DX).list.get(i, null_on_oob=True).alias(d) for i, d in enumerate(DIAGNOSES)
    )
    assert_frame_equal(got.select(DIAGNOSES), want)
    assert got.get_column(DIAGNOSES[0]).to_list()[:4] == ["A", "A", None, "X"]


def _pretyped_file(
    sv1: str, dtp: str, bht04: str = "20240112", sv101: str = "HC:99213:95"
) -> bytes:
    """``_file``'s envelope around clean claims and one claim whose line has SV1 elements 2-4
    ``sv1`` and DTP ``dtp`` (no DTP when empty)."""
    lines = [f"LX*1~\nSV1*{sv101}*{sv1}***2~\n" + (f"DTP*472*{dtp}~\n" if dtp else "")]
    body = ST_HEAD.replace("20240112", bht04) + "".join(
        [
            _claim("A1", [("1", "100", "20240105"), ("2", "50", "20240106")]),
            "CLM*T1*0***02:B:1*Y*A*Y*Y~\nHI*ABK:F329*ABF:Z733~\n" + "".join(lines),
            _claim("A2", [("1", "80", "20240105")]),
        ]
    )
    count = body.count("~") + 2
    st = f"ST*837*0001*005010X222A1~\n{body}SE*{count}*0001~\n"
    return (HEAD + st + "GE*1*103~\nIEA*1*000000103~\n").encode()


@pytest.mark.parametrize(
    ("segments", "text"),
    [
        (("90*UN*1", "D8*20240105", "20240112"), set()),  # every column read on its cells
        (("90*UN*1", "RD8*20240101-20240103", "20240112"), set()),
        (("90*UN*1", "D8*20241340", "20240112"), {"claim_line_start_date"}),  # not a date
        (("90*UN*1", "D8*19890101", "20240112"), {"claim_line_start_date"}),  # implausible
        (("90*UN*1", "", "20240112"), {"claim_line_start_date"}),  # missing
        (("90*UN*1", "D8*2024-01-05", "20240112"), set()),  # ISO text reads too
        (("90*UN*1", "D8*20240105", "2024011"), {"claim_submitted_date"}),
        (("90*UN*1", "D8*20240105", ""), set()),  # not required: empty is null
        (("90*UN*", "D8*20240105", "20240112"), set()),  # units default to 1
        (("90*UN*1.5", "D8*20240105", "20240112"), set()),
        (("90*UN*X", "D8*20240105", "20240112"), {"service_unit_quantity"}),
        (("90*UN*1.0001", "D8*20240105", "20240112"), {"service_unit_quantity"}),
        (("9O*UN*1", "D8*20240105", "20240112"), {"charge_amount"}),
        (("*UN*1", "D8*20240105", "20240112"), {"charge_amount"}),  # missing
        (("$90.00*UN*1", "D8*20240105", "20240112"), set()),
        (("99999999999999*UN*1", "D8*20240105", "20240112"), {"charge_amount"}),  # too wide
    ],
)
@pytest.mark.parametrize("batch_lines", [1, 1 << 15])
def test_pretyped_columns_read_as_build_table_reads_them(
    segments: tuple[str, str, str],
    text: set[str],
    batch_lines: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Line numbers, dates and amounts read on their distinct cells before ``build_table`` give
    the values, rejects and issues of ``build_table`` reading the text; a column with a cell
    that would be a reject is left as text for ``build_table`` to word it."""
    data = _pretyped_file(*segments)
    bht04 = segments[2]
    monkeypatch.setattr(_837p, "BATCH_LINES", batch_lines)
    typed: list[set[str]] = []
    pretyped = _b._pretyped

    def spy(texts: pl.DataFrame) -> list[pl.Series]:
        out = pretyped(texts)
        typed.append({s.name for s in out})
        return out

    monkeypatch.setattr(_b, "_pretyped", spy)
    got = read_837p(data, name="typed.837")
    monkeypatch.setattr(_b, "_pretyped", lambda texts: [])
    want = read_837p(data, name="typed.837")
    for part in ("claims", "lines", "issues", "rejects"):
        assert_frame_equal(getattr(got, part), getattr(want, part))
    assert got.rows_in == want.rows_in
    assert (got.rejects.height > 0) == bool(text - {"claim_submitted_date"} or bht04 == "2024011")
    # the batch holding the odd line reads the odd column as text, the others typed
    assert set(_b._PRETYPED) - text in typed
    if batch_lines == 1 and bht04 != "2024011":  # BHT04 is every claim's: all batches
        assert set(_b._PRETYPED) in typed


@pytest.mark.parametrize(
    ("segments", "clean"),
    [
        (("90*UN*1", "D8*20240105", "20240112", "HC:99213:95"), True),
        (("90*UN*", "RD8*20240101-20240103", "", "HC:99213:95"), True),
        (("90*UN*1", "D8*20240105", "20240112", "HC:g2012:95"), False),  # read upper-cased
        (("90*UN*1", "D8*20240105", "20240112", "HC:99213:gt"), False),
        (("90*UN*1", "D8*20241340", "20240112", "HC:99213:95"), False),  # a reject
        (("9O*UN*1", "D8*20240105", "20240112", "HC:99213:95"), False),
        (("90*UN*1", "D8*20240105", "2024011", "HC:99213:95"), False),
    ],
)
def test_clean_lines_are_built_as_build_table_builds_them(
    segments: tuple[str, str, str, str], clean: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch no line of which can be a reject is built without ``build_table``, as
    ``build_table`` builds it (data and rejects); any other batch goes to ``build_table``."""
    seen: list[bool] = []
    clean_build = _b._clean_build

    def both(texts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame] | None:
        got = clean_build(texts)
        names = [c for c in texts.columns if c != _b.ROW]
        frame = texts.select(*(pl.col(c).alias(f"c{i}") for i, c in enumerate(names)), _b.ROW)
        raw = RawSource(name="x.837", path="x.837", headers=tuple(names), frame=frame)
        table = build_table(CLAIMS, raw, resolve_map(CLAIMS, None, None, None, None))
        if got is not None:
            assert_frame_equal(got[0], table.data)
            assert_frame_equal(got[1], table.rejects)
        seen.append(got is not None)
        return got

    monkeypatch.setattr(_b, "_clean_build", both)
    data = _pretyped_file(*segments)
    got = read_837p(data, name="clean.837")
    monkeypatch.setattr(_b, "_clean_build", lambda texts: None)
    want = read_837p(data, name="clean.837")
    for part in ("claims", "lines", "issues", "rejects"):
        assert_frame_equal(getattr(got, part), getattr(want, part))
    assert got.rows_in == want.rows_in
    assert seen in ([True] if clean else [], [clean])
