"""The 837P fast path (``telekit.x12._837p_fast``) gives exactly what the loop parser gives on
every file it accepts: claims, lines, issues, rejects and accounting; other files fall back."""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import telekit.sample
from telekit._core._exceptions import UnsupportedFormatError, X12Error
from telekit.x12 import _837p
from telekit.x12._837p_fast import fast_frames

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "x12"

HEAD = (
    "ISA*00*          *00*          *ZZ*TELEKITCLINIC  *ZZ*CLEARINGHOUSE  *240110*0930*^*00501*"
    "000000107*0*T*:~\r\n"
)
BILLING = "HL*1**20*1~NM1*85*2*TELEKIT CLINIC*****XX*1234567893~N3*1 MAIN ST~REF*EI*12~"
SUBSCRIBER = (
    "HL*{hl}*1*22*{child}~SBR*P*18*******{sbr09}~NM1*IL*1*DOE*JANE****MI*{member}~"
    "DMG*D8*19700101*F~NM1*PR*2*PAYER*****PI*P01~"
)
PATIENT = "HL*{hl}*{parent}*23*0~PAT*19~NM1*QC*1*{last}*{first}~DMG*D8*{birth}*M~"


def _claim(claim_id: str, total: str, lines: list[str], extra: str = "") -> str:
    body = f"CLM*{claim_id}*{total}***02:B:1*Y*A*Y*Y~{extra}"
    return body + "".join(lines)


def _line(lx: str, charge: str, dos: str = "D8*20240105", more: str = "") -> str:
    return f"LX*{lx}~SV1*HC:99213:95:GT*{charge}*UN*1***1:2~DTP*472*{dos}~{more}"


def _transaction(st02: str, body: str) -> str:
    text = f"ST*837*{st02}*005010X222A1~BHT*0019*00*B{st02}*20240112*0930*CH~{body}"
    count = text.count("~") + 1
    return f"{text}SE*{count}*{st02}~"


def _tangled() -> bytes:
    hi = "HI*ABK:F329*ABF:Z733*ABF:I10~"
    first = "".join(
        [
            BILLING,
            SUBSCRIBER.format(hl=2, child=1, sbr09="MB", member="M1"),
            _claim("C1", "150", [_line("1", "100"), _line("2", "50", "RD8*20240101-20240103")],
                   hi + "REF*F8*ICN1~NTE*ADD*NOTE~NM1*82*1*SMITH*ANN****XX*1234567890~"),
            PATIENT.format(hl=3, parent=2, last="DOE", first="JIM", birth="20100101"),
            _claim("C2", "80", [_line("1", "80", more="REF*6R*LC1~NM1*82*1*LEE*AL****XX*199~")],
                   "PWK*OZ*BM~" + hi),
            PATIENT.format(hl=4, parent=2, last="DOE", first="JANE", birth="19700101"),
            _claim("C3", "1O0", [_line("1", "1O0"), _line("2", "20", "D8*20241340")], hi),
            PATIENT.format(hl=5, parent=2, last="ROE", first="ANN", birth="20120101"),
            _claim("C4", "60", ["LX*1~SV1*HC:90834*60*UN*2~", "SV1*HC:90837*0*UN*1~"]),
        ]
    )  # fmt: skip
    second = "".join(
        [
            BILLING,
            SUBSCRIBER.format(hl=2, child=1, sbr09="16", member="M1"),
            PATIENT.format(hl=3, parent=2, last="DOE", first="JIM", birth="20100101"),
            _claim("C1", "100", [_line("1", "100")], hi),  # a repeated claim: duplicate key
            SUBSCRIBER.format(hl=4, child=0, sbr09="CI", member="M2"),
            _claim("C5", "95", [_line("1", "90", more="REF*G1*PA1~")], "REF*G1*PA~" + hi),
            _claim("C6", "10", [_line("1", "10", "D8*")], hi),
        ]
    )
    third = "".join([BILLING, SUBSCRIBER.format(hl=2, child=0, sbr09="MC", member="M3"),
                     _claim("C7", "5", [_line("1", "5")], "HI*BK:4019*BF:4011~")])  # fmt: skip
    group1 = _transaction("0001", first) + _transaction("0002", second)
    group2 = _transaction("0003", third)
    text = (
        HEAD
        + f"GS*HC*A*B*20240110*0930*7*X*005010X222A1~{group1}GE*2*7~"
        + f"GS*HC*A*B*20240110*0930*8*X*005010X222A1~{group2}GE*1*8~"
        + "IEA*2*000000107~"
    )
    return text.replace("~", "~\r\n").encode()


def _both(source: bytes | Path, monkeypatch: pytest.MonkeyPatch) -> tuple[_837p.X837P, ...]:
    fast = _837p.read_837p(source)
    with monkeypatch.context() as m:
        m.setattr(_837p, "fast_frames", lambda *_: None)
        slow = _837p.read_837p(source)
    return fast, slow


def _same(source: bytes | Path, monkeypatch: pytest.MonkeyPatch) -> _837p.X837P:
    fast, slow = _both(source, monkeypatch)
    for part in ("claims", "lines", "issues", "rejects"):
        assert_frame_equal(getattr(fast, part), getattr(slow, part))
    assert (fast.rows_in, fast.source) == (slow.rows_in, slow.source)
    assert fast.rows_in == fast.lines.height + fast.rejects.height
    return fast


@pytest.mark.parametrize("batch_lines", [1 << 15, 3, 1])
def test_tangled_file_reads_the_same_fast(
    batch_lines: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _tangled()
    assert fast_frames(data, "x") is not None  # the fast path takes it
    monkeypatch.setattr(_837p, "BATCH_LINES", batch_lines)
    read = _same(data, monkeypatch)
    assert read.rejects.height > 0  # value errors and the repeated claim
    assert read.issues.height > 0  # CLM02 warnings
    people = read.claims.get_column("person_id").to_list()
    assert people == ["M1", "M1:01", "M1", "M1:02", "M1:01", "M2", "M2", "M3"]


def test_generated_practice_reads_the_same_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telekit.sample.write(tmp_path / "practice", seed=7, size=400, format="parquet")
    path = tmp_path / "practice" / "x12" / "claims.837"
    assert fast_frames(path, path.name) is not None
    assert _same(path, monkeypatch).lines.height > 0


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("PWK*OZ*BM~", "SBR*S*18*******CI~"),  # 2320 other subscriber inside a claim
        ("HI*BK:4019*BF:4011~", "HI*BK:4019~"),  # a pointer to no diagnosis
        (
            "HI*BK:4019*BF:4011~",
            "HI*" + "*".join(["ABF:Z733"] * 13) + "~",
        ),  # more than 12 diagnoses
        ("SV1*HC:90834*60", "SV1*90834*60"),  # SV101 without a component separator
        ("CLM*C6*10***02:B:1*Y*A*Y*Y~", "CLM*C8*1~CLM*C6*10***02:B:1*Y*A*Y*Y~"),  # no line
        ("IEA*2*000000107~", "IEA*2*000000108~"),  # an envelope warning
        ("HL*4*1*22", "HL*4*1*99"),  # an HL level not mapped
        ("NOTE~", "NOT\x0bE~"),  # a control character
    ],
)
def test_unusual_files_fall_back_to_the_parser(
    old: str, new: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _tangled().decode()
    assert old in text
    data = text.replace(old, new, 1).encode()
    assert fast_frames(data, "x") is None
    _same(data, monkeypatch)


def test_cut_file_falls_back() -> None:
    assert fast_frames(_tangled()[:-20], "x") is None


def _corpus() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and b"X222" in p.read_bytes()[:4096])


def _readable(path: Path) -> bool:
    try:
        _837p.read_837p(path)
    except (X12Error, UnsupportedFormatError):
        return False
    return True


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the public corpus (../shared) is absent")
def test_public_corpus_reads_the_same_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = 0
    for path in _corpus():
        if not _readable(path):
            continue  # not an 837P the reader takes: nothing to compare
        taken += fast_frames(path, path.name) is not None
        _same(path, monkeypatch)
    assert taken > 0


def test_file_without_claims_reads_the_same_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    body = BILLING + SUBSCRIBER.format(hl=2, child=0, sbr09="MB", member="M1")
    group = f"GS*HC*A*B*20240110*0930*7*X*005010X222A1~{_transaction('0001', body)}GE*1*7~"
    data = (HEAD + group + "IEA*1*000000107~").encode()
    assert fast_frames(data, "x") is not None
    assert _same(data, monkeypatch).lines.is_empty()
