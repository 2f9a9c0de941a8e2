"""The X12 tokenizer (delimiters, line breaks, several interchanges, chunking) and the envelope
checks (control numbers and counts as warnings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from telekit._core._exceptions import X12Error
from telekit.x12 import Delimiters, iter_segments, sniff
from telekit.x12._envelope import Envelope
from telekit.x12._tokenizer import STANDARD

# tests/x12/ -> tests/ -> the project -> its parent, which holds shared/ beside the project
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "x12"

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*240102*1200*^*00501*000000001*0*P*:~"
)


def interchange(
    body: list[str],
    *,
    isa13: str = "000000001",
    st02: str = "0001",
    gs06: str = "1",
    se01: int | None = None,
    ge01: int = 1,
    iea01: int = 1,
    iea02: str | None = None,
    version: str = "005010X222A1",
) -> str:
    isa = ISA.replace("000000001", isa13)
    segs = [f"ST*837*{st02}*{version}~", *body]
    se = len(segs) + 1 if se01 is None else se01
    return (
        isa
        + f"GS*HC*S*R*20240102*1200*{gs06}*X*{version}~"
        + "".join(segs)
        + f"SE*{se}*{st02}~GE*{ge01}*{gs06}~IEA*{iea01}*{iea02 or isa13}~"
    )


BODY = ["BHT*0019*00*X1*20240102*1200*CH~", "HI*ABK:J069^ABF:R05~", "SV1*HC:99213:95*150*UN*1~"]


def ids(data: bytes, chunk_size: int = 8 << 20) -> list[str]:
    return [s.id for s in iter_segments(data, chunk_size=chunk_size)]


def test_segments_elements_components_and_repetitions() -> None:
    segs = list(iter_segments(interchange(BODY).encode()))
    assert [s.id for s in segs] == ["ISA", "GS", "ST", "BHT", "HI", "SV1", "SE", "GE", "IEA"]
    assert [s.ordinal for s in segs] == list(range(1, 10))
    assert segs[0].delimiters == Delimiters(b"*", b"^", b":", b"~")
    sv1 = segs[5]
    assert sv1.elements[0] == b"SV1"
    assert sv1.el(1) == "HC:99213:95"
    assert sv1.comp(1, 2) == "99213"
    assert sv1.comp(1, 3) == "95"
    assert sv1.comp(1, 4) == ""
    assert sv1.comp(9, 1) == ""
    assert sv1.el(2) == "150"
    assert sv1.el(40) == ""
    hi = segs[4]
    assert hi.reps(1) == ["ABK:J069", "ABF:R05"]
    assert hi.reps(2) == []


@pytest.mark.parametrize(
    "sep",
    ["~\n", "~\r\n", "~", "\n~"],
    ids=["lf", "crlf", "none", "lf-before-terminator"],
)
def test_line_breaks_between_segments_are_tolerated(sep: str) -> None:
    text = interchange(BODY).replace("~", sep)
    if sep == "\n~":
        text = text.removeprefix("\n")
    assert ids(text.encode()) == ["ISA", "GS", "ST", "BHT", "HI", "SV1", "SE", "GE", "IEA"]


def test_non_default_delimiters() -> None:
    text = (
        interchange(BODY)
        .replace("*", "|")
        .replace(":", ">")
        .replace("|^|", "|#|")
        .replace("^", "#")
        .replace("~", "\n")
    )
    segs = list(iter_segments(text.encode()))
    assert segs[0].delimiters == Delimiters(b"|", b"#", b">", b"\n")
    assert segs[5].comp(1, 3) == "95"
    assert segs[4].reps(1) == ["ABK>J069", "ABF>R05"]
    assert len(segs) == 9


def test_4010_has_no_repetition_separator() -> None:
    text = interchange(BODY).replace("*^*00501*", "*U*00401*")
    segs = list(iter_segments(text.encode()))
    assert segs[0].delimiters.repetition is None
    assert segs[4].reps(1) == ["ABK:J069^ABF:R05"]


def test_several_interchanges_each_with_its_delimiters() -> None:
    first = interchange(BODY)
    second = interchange(BODY, isa13="000000002").replace("*", "|").replace("~", "!\n")
    segs = list(iter_segments((first + "\n" + second).encode(), chunk_size=64))
    assert [s.id for s in segs].count("ISA") == 2
    assert len(segs) == 18
    assert segs[9].delimiters == Delimiters(b"|", b"^", b":", b"!")
    assert segs[9].ordinal == 10
    assert segs[14].comp(1, 2) == "99213"


@pytest.mark.parametrize("chunk_size", [1, 7, 100, 1 << 20])
def test_chunk_boundaries_do_not_change_the_segments(chunk_size: int, tmp_path: Path) -> None:
    data = ("\r\n".join([interchange(BODY), interchange(BODY, isa13="000000002")])).encode()
    path = tmp_path / "x.837"
    path.write_bytes(data)
    whole = [(s.ordinal, s.elements) for s in iter_segments(data)]
    chunked = [(s.ordinal, s.elements) for s in iter_segments(path, chunk_size=chunk_size)]
    assert chunked == whole
    assert [(s.ordinal, s.elements) for s in iter_segments(data, chunk_size=chunk_size)] == whole
    assert len(whole) == 18


def test_bom_and_leading_whitespace_are_skipped() -> None:
    data = b"\xef\xbb\xbf  \r\n" + interchange(BODY).encode()
    assert ids(data)[0] == "ISA"


def test_final_segment_without_terminator_is_kept() -> None:
    data = interchange(BODY).encode().removesuffix(b"~")
    assert ids(data)[-1] == "IEA"


@pytest.mark.parametrize("data", [b"GS*HC*S*R~ST*837*1~", b"\xef\xbb\xbf\nST*837*1~"])
def test_data_starting_at_gs_or_st_uses_the_standard_delimiters(data: bytes) -> None:
    segments = list(iter_segments(data))
    assert segments[-1].elements == [b"ST", b"837", b"1"]
    assert {s.delimiters for s in segments} == {STANDARD}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "no X12 data"),
        (b"HL*1**20*1~ST*837*1~", "not an ISA interchange header"),
        (b"GS|HC|S|R~ST|837|1~", "not an ISA interchange header"),
        (b"ISA*00*   *00", "segment 1 \\(ISA\\) is truncated"),
        (b"ISA", "truncated"),
        (b"ISAA00A", "no valid element separator at position 4"),
        (ISA.replace(":~", "::").encode(), "invalid delimiters"),
    ],
)
def test_untokenisable_data_is_an_x12_error(data: bytes, match: str) -> None:
    with pytest.raises(X12Error, match=match):
        list(iter_segments(data))


def test_terminator_inside_the_isa_is_an_error_not_a_hang() -> None:
    data = interchange(BODY).replace("*SENDER    ", "*SEN~DER   ", 1).encode()
    with pytest.raises(X12Error, match=r"segment 1 \(ISA\) is malformed: the segment terminator"):
        list(iter_segments(data))


def test_error_names_the_file_never_a_value(tmp_path: Path) -> None:
    path = tmp_path / "claims.837"
    path.write_bytes(b"NM1*IL*1*DOE*JANE~")
    with pytest.raises(X12Error, match=r"^claims\.837: segment 1 ") as info:
        list(iter_segments(path))
    assert "DOE" not in str(info.value)


def test_missing_file_is_an_x12_error(tmp_path: Path) -> None:
    with pytest.raises(X12Error, match=r"missing\.837: cannot be read"):
        list(iter_segments(tmp_path / "missing.837"))


@pytest.mark.parametrize(
    ("version", "st01", "expected"),
    [
        ("005010X222A1", "837", "837P"),
        ("005010X222A2", "837", "837P"),
        ("005010X223A2", "837", "837I"),
        ("004010X098A1", "837", "837P"),
        ("005010X221A1", "835", "835"),
        ("005010X279A1", "271", "271"),
    ],
)
def test_sniff(version: str, st01: str, expected: str) -> None:
    data = interchange(BODY, version=version).replace("ST*837*", f"ST*{st01}*").encode()
    assert sniff(data) == expected


def test_sniff_is_none_for_non_x12(tmp_path: Path) -> None:
    assert sniff(b"claim_id,hcpcs_code\n1,99213\n") is None
    assert sniff(b"ISA") is None
    assert sniff(tmp_path / "missing") is None


# --- envelope --------------------------------------------------------------------------------


def envelope_issues(text: str) -> list[tuple[int, str, str]]:
    env = Envelope("t.837")
    for seg in iter_segments(text.encode()):
        env.feed(seg)
    env.finish()
    frame = env.issues_frame()
    assert frame.schema.names() == ["file", "segment_number", "segment_id", "severity", "message"]
    return list(zip(frame["segment_number"], frame["segment_id"], frame["message"], strict=True))


def test_clean_envelope_has_no_issues_and_exposes_keys() -> None:
    env = Envelope("t.837")
    seen = []
    for seg in iter_segments(interchange(BODY, isa13="000000777", st02="0042", gs06="9").encode()):
        env.feed(seg)
        if seg.id == "SE":
            seen.append((env.isa13, env.gs06, env.st02, env.gs08, env.st01))
    env.finish()
    assert env.issue_count == 0
    assert seen == [("000000777", "9", "0042", "005010X222A1", "837")]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"se01": 4}, (7, "SE", "SE01 (element 1) does not equal the number of segments")),
        ({"se01": -1}, (7, "SE", "SE01 (element 1) is not a count")),
        ({"ge01": 3}, (8, "GE", "GE01 (element 1) does not equal the number of transaction")),
        ({"iea01": 2}, (9, "IEA", "IEA01 (element 1) does not equal the number of functional")),
        ({"iea02": "000000999"}, (9, "IEA", "IEA02 (element 2) does not match")),
    ],
)
def test_envelope_mismatches_are_warnings(
    kwargs: dict[str, object], expected: tuple[int, str, str]
) -> None:
    found = envelope_issues(interchange(BODY, **kwargs))  # type: ignore[arg-type]
    assert len(found) == 1
    number, sid, message = found[0]
    assert (number, sid) == expected[:2]
    assert message.startswith(f"t.837: segment {number} ({sid}): {expected[2]}")
    assert "000000999" not in message


def test_se02_and_ge02_mismatches() -> None:
    text = interchange(BODY).replace("SE*5*0001~", "SE*5*0002~").replace("GE*1*1~", "GE*1*2~")
    found = envelope_issues(text)
    assert [(n, s) for n, s, _ in found] == [(7, "SE"), (8, "GE")]
    assert "SE02 (element 2)" in found[0][2]
    assert "GE02 (element 2)" in found[1][2]


def test_missing_trailers_are_reported_at_the_end() -> None:
    text = interchange(BODY).split("SE*")[0]
    found = envelope_issues(text)
    assert [(n, s) for n, s, _ in found] == [(6, "IEA")]
    assert found[0][2].endswith(
        "segment 6 (IEA): interchange truncated after segment 6: the file ends without the "
        "SE, GE, IEA trailers; the file may be cut short."
    )


def test_a_file_cut_inside_a_segment_is_reported_as_truncated() -> None:
    text = interchange(BODY)
    cut = text[: text.index("SE*") + 4]  # "SE*5" and nothing after
    segments = list(iter_segments(cut.encode()))
    assert [s.terminated for s in segments][-2:] == [True, False]
    found = envelope_issues(cut)  # the cut SE closes its set (SE02 then differs); GE, IEA lack
    assert [(n, s) for n, s, _ in found] == [(7, "SE"), (7, "SE")]
    assert found[-1][2].endswith(
        "interchange truncated after segment 6: the file ends inside segment 7 (no segment "
        "terminator) and without the GE, IEA trailers; the file may be cut short."
    )


def test_a_last_iea_without_terminator_is_not_a_truncation() -> None:
    text = interchange(BODY).rstrip().removesuffix("~")
    assert envelope_issues(text) == []


def test_segment_outside_a_transaction_is_reported_once() -> None:
    text = interchange(BODY).replace("IEA*", "NM1*X~NM1*Y~IEA*")
    found = envelope_issues(text)
    assert [(n, s) for n, s, _ in found] == [(9, "NM1")]


def test_corpus_envelopes() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/fixtures/x12 is absent")
    # (file, segments, envelope warnings): the imsweb fixtures carry a stale SE01
    expected = {
        "LinuxForHealth-x12/837_005010X222A2/demo.example1.837": (44, 0),
        "TigerShark/835-example.txt": (51, 1),
        "TigerShark/835-example-2.txt": (63, 3),
        "imsweb-x12-parser/837_5010/x12_valid_different_separators.txt": (38, 1),
        "imsweb-x12-parser/837_5010/x12_multiple_isa.txt": (76, 2),
        "imsweb-x12-parser/837_5010/x12_many_claims.txt": (11490, 1),
        "imsweb-x12-parser/x270_271/x270.txt": (18, 3),
        # starts at GS: "no ISA envelope" and the stale SE01
        "imsweb-x12-parser/837_5010/x12_no_isa_line.txt": (44, 2),
    }
    for rel, (n_segments, n_issues) in expected.items():
        env = Envelope(rel)
        segs = 0
        for seg in iter_segments(CORPUS / rel, chunk_size=4096):
            env.feed(seg)
            segs += 1
            assert seg.id.isalnum(), rel
        env.finish()
        assert (segs, env.issue_count) == (n_segments, n_issues), rel
