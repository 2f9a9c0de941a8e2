"""X12 problems (``Table.issues``, ``Remittances.issues``) as the user sees them.

Issues are data (``ISSUES_SCHEMA``: file, segment_number, segment_id, severity, message); their
messages name the file, the segment and element positions, never a value. This module turns them
into what ``telekit audit`` shows: one stderr line per file, a summary.json entry per table, and
the one-line error of an 837 that yields no claim line::

    telekit audit: claims.837: 3 X12 problems (1 error, 2 warning; first: segment 17 (SV1): ...)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from telekit._core._exceptions import X12Error
from telekit.x12._tokenizer import delimiter_mismatch

__all__ = ["MAX_LISTED", "file_lines", "no_claim_lines_error", "summary_entry"]

MAX_LISTED = 1_000  # issues listed per table in summary.json (all are counted)
_HEAD_BYTES = 1 << 16


def _text(message: str, file: str) -> str:
    """The message without its leading ``file: ``."""
    return message.removeprefix(f"{file}: ")


def summary_entry(issues: pl.DataFrame) -> dict[str, Any]:
    """summary.json's ``x12_issues`` of one table: counts by severity and the first issues."""
    by_severity = dict(issues.group_by("severity").len().sort("severity").iter_rows())
    listed = issues.head(MAX_LISTED).select(
        "file", "segment_number", "segment_id", "severity", "message"
    )
    return {
        "count": issues.height,
        "by_severity": {str(k): int(v) for k, v in by_severity.items()},
        "listed": listed.height,
        "issues": listed.to_dicts(),
    }


def file_lines(issues: pl.DataFrame, rejects: pl.DataFrame | None = None) -> list[str]:
    """One line per X12 file with problems: how many, by severity, the first, where to look."""
    lines = []
    rejected = set() if rejects is None else set(rejects["source_file"].unique().to_list())
    for (file,), part in issues.group_by("file", maintain_order=True):
        name = str(file)
        n = part.height
        counts = part.group_by("severity").len().sort("severity").iter_rows()
        first = part.sort("segment_number", maintain_order=True).row(0, named=True)
        where = "summary.json" + (" and rejects.csv" if name in rejected else "")
        kinds = ", ".join(f"{c} {s}" for s, c in counts)
        lines.append(
            f"{name}: {n:,} X12 problem{'s' * (n != 1)} ({kinds}; first: "
            f"{_text(str(first['message']), name)}); see {where}"
        )
    return lines


def no_claim_lines_error(path: Path, issues: pl.DataFrame) -> X12Error:
    """The error for an 837 from which no claim line could be read: the file, and why (the body
    using other delimiters than the ISA declares, else the first problem found)."""
    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError:
        head = b""
    mismatch = delimiter_mismatch(head)
    if mismatch is not None:
        why = f"{mismatch}; re-export it with the separators its ISA header declares"
    elif issues.height:
        first = issues.sort("segment_number", maintain_order=True).row(0, named=True)
        why = f"first problem: {_text(str(first['message']), name)}"
    else:
        why = "it holds no service line (SV1) inside a claim (CLM)"
    return X12Error(f"{name}: no claim line could be read from this X12 file; {why}")
