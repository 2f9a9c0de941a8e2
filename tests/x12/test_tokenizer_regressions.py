"""Regressions found by fuzzing: the tokenizer must end with telekit's own error, never hang."""

from __future__ import annotations

import pytest

from telekit import X12Error
from telekit.x12 import iter_segments

ISA_WITH_TERMINATOR_INSIDE = (
    b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501"
    b"*0~0000103*0*P*:~GS*HC*A*B*20240101*1200*1*X*005010X222A1~"
)


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("data", [b"ISA||||||~||||||||||^~", ISA_WITH_TERMINATOR_INSIDE])
def test_terminator_inside_the_isa_is_an_error_not_a_hang(data: bytes, chunk_size: int) -> None:
    with pytest.raises(X12Error, match=r"segment 1 \(ISA\)"):
        list(iter_segments(data, chunk_size=chunk_size))


def test_terminator_inside_a_second_isa_is_an_error_not_a_hang() -> None:
    good = ISA_WITH_TERMINATOR_INSIDE.replace(b"*0~0000103", b"*000000103").split(b"GS*")[0]
    data = good + b"GS*HC*A*B*20240101*1200*1*X*005010X222A1~" + ISA_WITH_TERMINATOR_INSIDE
    with pytest.raises(X12Error, match=r"\(ISA\)"):
        list(iter_segments(data, chunk_size=16))
