"""Property-based robustness: random bytes, random segment soups and mutated real files through the
tokenizer, ``read_837p`` and ``read_claims`` raise nothing but telekit's own errors."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import telekit as tk
from telekit._core._exceptions import TelekitError
from telekit.x12 import iter_segments, read_837p, sniff
from telekit.x12._envelope import Envelope

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "x12"
OWN = sorted(DATA.glob("*.837"))
EXTERNAL = (
    [
        CORPUS / "stupidedi/X222A1_HC837_Health_Care_Claim_Professional/pass/encounter.edi",
        CORPUS / "LinuxForHealth-x12/837_005010X222A2/demo.cob.example3.C.837",
        CORPUS / "imsweb-x12-parser/837_5010/x12_complex.txt",
        CORPUS / "TigerShark/835-example.txt",
    ]
    if CORPUS.is_dir()
    else []
)
SEEDS = [p.read_bytes() for p in [*OWN, *EXTERNAL]]
ISA = (
    b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    b"*240102*1200*^*00501*000000001*0*P*:~"
)
HEADER = ISA + b"GS*HC*S*R*20240102*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~"
IDS = [b"ST", b"SE", b"GS", b"GE", b"ISA", b"IEA", b"BHT", b"HL", b"SBR", b"NM1", b"DMG"]
IDS += [b"CLM", b"REF", b"HI", b"LX", b"SV1", b"DTP", b"LIN", b"SVD", b"PAT", b"N3", b"ZZZ"]
FAST = settings(
    max_examples=int(os.environ.get("TELEKIT_FUZZ_EXAMPLES", "50")),  # more: a longer hunt
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="telekit-fuzz-") as tmp:
        yield Path(tmp) / "fuzz.837"


@pytest.fixture(scope="module")
def path() -> Iterator[Path]:
    yield from scratch()


def only_telekit_errors(call: Callable[[], object]) -> None:
    with contextlib.suppress(TelekitError):
        call()


def exercise(data: bytes, path: Path) -> None:
    """Every entry point over ``data``: only ``TelekitError`` may escape."""

    def tokenize() -> None:
        env = Envelope("fuzz")
        for seg in iter_segments(data, chunk_size=64):
            env.feed(seg)
            seg.el(1), seg.comp(1, 2), seg.reps(1)
        env.finish()
        env.issues_frame()

    only_telekit_errors(tokenize)
    only_telekit_errors(lambda: sniff(data))
    try:
        read_837p(data, name="fuzz.837").table()
    except TelekitError:
        read = False
    else:
        read = True
    # the readers' hook costs a second full read: every failing input, one read input in three
    if not read or len(data) % 3 == 0:
        path.write_bytes(data)
        only_telekit_errors(lambda: tk.read_claims(path))


@FAST
@given(st.binary(max_size=600))
def test_random_bytes(path: Path, data: bytes) -> None:
    exercise(data, path)
    exercise(ISA + data, path)


element = st.one_of(
    st.binary(max_size=12),
    st.sampled_from([b"", b"HC:99213:95", b"02:B:7", b"ABK:F329", b"472", b"D8", b"20240102"])
    | st.sampled_from([b"RD8", b"20240102-2024", b"1:2:3", b"22", b"23", b"20", b"IL", b"82"])
    | st.sampled_from([b"F8", b"6R", b"X", b"MB", b"16", b"-1", b"99999999999999999999"]),
)
segment = st.builds(
    lambda sid, els, sep: sid + b"".join(b"*" + e for e in els) + sep,
    st.sampled_from(IDS) | st.binary(min_size=1, max_size=3),
    st.lists(element, max_size=10),
    st.sampled_from([b"~", b"~\n", b"~\r\n", b""]),
)


@FAST
@given(st.lists(segment, max_size=40))
def test_random_segment_soups(path: Path, segments: list[bytes]) -> None:
    exercise(HEADER + b"".join(segments), path)


@FAST
@given(
    st.sampled_from(range(len(SEEDS))),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
)
def test_byte_flips(path: Path, seed: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(SEEDS[seed])
    for at, value in flips:
        data[at % len(data)] = value
    exercise(bytes(data), path)


@FAST
@given(st.sampled_from(range(len(SEEDS))), st.integers(0, 10**6))
def test_truncations(path: Path, seed: int, cut: int) -> None:
    data = SEEDS[seed]
    exercise(data[: cut % (len(data) + 1)], path)


@FAST
@given(
    st.sampled_from(range(len(SEEDS))),
    st.lists(st.integers(0, 500), max_size=6),
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), max_size=3),
)
def test_deleted_and_duplicated_segments(
    path: Path, seed: int, deletions: list[int], copies: list[tuple[int, int]]
) -> None:
    data = SEEDS[seed]
    terminator = b"~" if b"~" in data[100:120] else b"\n"
    parts = data.split(terminator)
    for at in deletions:
        if len(parts) > 1:
            del parts[at % len(parts)]
    for src, dst in copies:
        parts.insert(dst % (len(parts) + 1), parts[src % len(parts)])
    exercise(terminator.join(parts), path)


def test_seeds_are_837p_or_other_x12() -> None:
    assert len(OWN) >= 5
    for data in SEEDS:
        assert sniff(data) in {"837P", "835"}
