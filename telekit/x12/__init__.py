"""X12 interchanges: 837P claims, 835 remittances, 271 eligibility."""

from telekit.x12._271 import read_271
from telekit.x12._835 import read_835
from telekit.x12._837p import X837P, read_837p
from telekit.x12._tokenizer import Delimiters, Segment, iter_segments, sniff

__all__ = [
    "X837P",
    "Delimiters",
    "Segment",
    "iter_segments",
    "read_271",
    "read_835",
    "read_837p",
    "sniff",
]
