"""Reviewer decisions for the report: ``read_review`` (read-only), the ``decisions=`` argument."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError

REVIEW_DECISIONS: Final = ("confirm", "dismiss", "needs_query")


_DECISION_COLUMNS: Final = (
    "finding_id",
    "rule_code",
    c.CLAIM_ID,
    c.CLAIM_LINE_NUMBER,
    c.ENCOUNTER_ID,
    "decision",
    "note",
    "reviewer",
    "decided_at",
)


def read_review(path: str | Path) -> pl.DataFrame:
    """The current decision per finding (the latest row) of a review file (SQLite, table
    ``decisions``, written by ``telekit.review``), read-only. Its hash chain is checked first
    (``telekit.review.verify``): decisions altered after they were written raise ``InputError``
    naming the file and the row, so a report never presents them as real."""
    p = Path(path)
    if not p.is_file():
        msg = f"{p}: no such review file (give the .sqlite file the review notebook wrote)"
        raise InputError(msg)
    from telekit.review._store import verify  # noqa: PLC0415 - loads ipywidgets: only with a review file

    check = verify(p)
    if not check.intact:
        msg = f"{p.name}: {check.message}; the report does not use its decisions"
        raise InputError(msg)
    cols = ", ".join(_DECISION_COLUMNS)
    query = (
        f"SELECT {cols} FROM decisions WHERE id IN "  # noqa: S608 - fixed column names
        "(SELECT MAX(id) FROM decisions GROUP BY finding_id) ORDER BY id"
    )
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute(query).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        msg = (
            f"{p.name}: not a telekit review file (expected an SQLite file with a decisions table)"
        )
        raise InputError(msg) from None
    frame = pl.DataFrame(
        rows,
        schema={
            "finding_id": pl.String,
            "rule_code": pl.String,
            c.CLAIM_ID: pl.String,
            c.CLAIM_LINE_NUMBER: pl.Int32,
            c.ENCOUNTER_ID: pl.String,
            "decision": pl.String,
            "note": pl.String,
            "reviewer": pl.String,
            "decided_at": pl.String,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.col("decided_at").str.to_datetime(time_zone="UTC", time_unit="us", strict=False)
    )


def _decisions_frame(decisions: pl.DataFrame | str | Path | None) -> pl.DataFrame | None:
    if decisions is None:
        return None
    if isinstance(decisions, str | Path):
        return read_review(decisions)
    missing = [col for col in ("finding_id", "decision") if col not in decisions.columns]
    if missing:
        msg = (
            f"decisions: no column {', '.join(missing)} (found: "
            f"{', '.join(decisions.columns) or 'none'}); pass telekit.review.read_decisions(F)"
        )
        raise InputError(msg)
    return decisions
