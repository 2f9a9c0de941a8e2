"""The review file, one home: its format (the append-only ``decisions`` table, its triggers and
hash chain), ``verify`` (are the decisions the ones written?) and the read-only reading the report
uses (``read_review``). ``telekit.review.ReviewStore`` writes through this format."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError

DECISIONS = ("confirm", "dismiss", "needs_query")
REVIEW_DECISIONS: Final = DECISIONS  # the name the report has always exported
"""The decisions a reviewer can make on a finding."""

SCHEMA_VERSION = 2
"""1: decisions and positions; 2: decisions hash-chained (``prev_hash``, ``row_hash``)."""

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first decision."""

DECISIONS_SCHEMA = pl.Schema(
    {
        "finding_id": pl.String(),
        "rule_code": pl.String(),
        c.CLAIM_ID: pl.String(),
        c.CLAIM_LINE_NUMBER: pl.Int32(),
        c.ENCOUNTER_ID: pl.String(),
        "decision": pl.String(),
        "note": pl.String(),
        "reviewer": pl.String(),
        "decided_at": pl.Datetime("us", "UTC"),
    }
)
"""Columns of ``ReviewStore.current()`` / ``history()`` (``history`` adds ``id`` first)."""

COLUMNS = tuple(DECISIONS_SCHEMA.names())

DDL = (
    f"""
    CREATE TABLE IF NOT EXISTS decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        finding_id TEXT NOT NULL,
        rule_code TEXT NOT NULL,
        {c.CLAIM_ID} TEXT NOT NULL,
        {c.CLAIM_LINE_NUMBER} INTEGER NOT NULL,
        {c.ENCOUNTER_ID} TEXT,
        decision TEXT NOT NULL CHECK (decision IN ('confirm', 'dismiss', 'needs_query')),
        note TEXT NOT NULL DEFAULT '',
        reviewer TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        row_hash TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS decisions_by_finding ON decisions (finding_id, id)",
    f"""
    CREATE TRIGGER IF NOT EXISTS decisions_append_only_insert BEFORE INSERT ON decisions
    BEGIN
        SELECT RAISE(ABORT, 'decisions is append-only (a row is added after the last one)')
        WHERE NEW.id <= COALESCE((SELECT MAX(id) FROM decisions), 0);
        SELECT RAISE(ABORT, 'decisions is hash-chained (prev_hash must be the last row_hash)')
        WHERE NEW.prev_hash IS NOT COALESCE(
            (SELECT row_hash FROM decisions ORDER BY id DESC LIMIT 1), '{GENESIS_HASH}'
        ) OR NEW.row_hash IS NULL OR length(NEW.row_hash) <> 64;
    END
    """,  # noqa: S608 - a module constant, no input
    """
    CREATE TRIGGER IF NOT EXISTS decisions_append_only_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS decisions_append_only_delete BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END
    """,
    """
    CREATE TABLE IF NOT EXISTS positions (
        reviewer TEXT PRIMARY KEY,
        worklist_key TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
)

# SQL built from the module's own constants only; every value is a bound parameter
CURRENT_SQL = f"""
    SELECT {", ".join(f"d.{col}" for col in COLUMNS)}
    FROM decisions AS d
    JOIN (SELECT finding_id, MAX(id) AS id FROM decisions GROUP BY finding_id) AS latest
      ON d.id = latest.id
    ORDER BY d.{c.CLAIM_ID}, d.{c.CLAIM_LINE_NUMBER}, d.rule_code
"""  # noqa: S608
HISTORY_SQL = f"SELECT id, {', '.join(COLUMNS)} FROM decisions ORDER BY id"  # noqa: S608
CHAINED = ("id", *COLUMNS, "prev_hash", "row_hash")
CHAIN_SQL = f"SELECT {', '.join(CHAINED)} FROM decisions ORDER BY id"  # noqa: S608
LAST_SQL = "SELECT id, row_hash FROM decisions ORDER BY id DESC LIMIT 1"
SEQUENCE_SQL = "SELECT seq FROM sqlite_sequence WHERE name = 'decisions'"
PLACEHOLDERS = ", ".join("?" for _ in CHAINED)
INSERT_SQL = f"INSERT INTO decisions ({', '.join(CHAINED)}) VALUES ({PLACEHOLDERS})"  # noqa: S608


def row_hash(prev_hash: str, row: Sequence[Any]) -> str:
    """SHA-256 (hex) of ``prev_hash``, a newline and the canonical serialisation of ``row``
    (id and the nine decision fields in ``COLUMNS`` order): a JSON array of each value as a
    string (``str``; integers in decimal) or null, ASCII-only, no spaces."""
    canonical = json.dumps(
        [None if v is None else str(v) for v in row], ensure_ascii=True, separators=(",", ":")
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode("ascii")).hexdigest()


def chain(prev_hash: str, rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """``rows`` (id first, then the decision fields) with ``prev_hash`` and ``row_hash``
    appended, chained from ``prev_hash``."""
    chained = []
    for row in rows:
        digest = row_hash(prev_hash, row)
        chained.append((*row, prev_hash, digest))
        prev_hash = digest
    return chained


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: ``intact``, how many decision ``rows`` the file has, the id of
    the first altered (or removed) decision (None when intact or when the file has no chain) and
    a one-line ``message``."""

    intact: bool
    rows: int
    altered_id: int | None
    message: str

    def __str__(self) -> str:
        return self.message


def _altered(rows: int, row_id: int, why: str) -> Verification:
    return Verification(
        False, rows, row_id, f"decision {row_id} was altered after it was written ({why})"
    )


def verify_chain(conn: sqlite3.Connection) -> Verification:
    """Recompute the chain of the ``decisions`` table on ``conn`` in id order; stop at the first
    break. Every read is made in one read transaction (one snapshot of the file): a reviewer
    who commits a decision while the chain is read cannot look like a removal (the rows read
    before the commit, the highest id read after it)."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        return _verify_snapshot(conn)
    finally:
        if own:
            conn.execute("ROLLBACK")


def _verify_snapshot(conn: sqlite3.Connection) -> Verification:
    found = {row[1] for row in conn.execute("PRAGMA table_info(decisions)")}
    rows = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    if not {"prev_hash", "row_hash"} <= found:
        msg = (
            f"decisions are not hash-chained ({rows} rows; written by an older telekit): open "
            "the file once with telekit.review.ReviewStore to chain them"
        )
        return Verification(False, rows, None, msg)
    prev_id, prev_hash = 0, GENESIS_HASH
    for row in conn.execute(CHAIN_SQL):
        row_id, fields, stored_prev, stored = row[0], row[:-2], row[-2], row[-1]
        if row_id != prev_id + 1:
            return _altered(rows, prev_id + 1, f"removed: decision {row_id} follows {prev_id}")
        if stored != row_hash(stored_prev, fields):
            return _altered(rows, row_id, "hash mismatch")
        if stored_prev != prev_hash:
            # this row is consistent with the prev_hash it was written with, so the previous
            # row's hash was rewritten after an edit
            return _altered(rows, prev_id, "hash mismatch with the next decision")
        prev_id, prev_hash = row_id, stored
    try:
        sequence = conn.execute(SEQUENCE_SQL).fetchone()
    except sqlite3.OperationalError:  # no sqlite_sequence: the table is not AUTOINCREMENT
        sequence = None
    if sequence is not None and sequence[0] > prev_id:
        why = f"removed: the file had decisions up to {sequence[0]}, now up to {prev_id}"
        return _altered(rows, prev_id + 1, why)
    return Verification(True, rows, None, f"decisions intact ({rows} rows)")


def verify(path: str | Path) -> Verification:
    """Check that the decisions in the review file at ``path`` are the ones written: every
    row's hash recomputes, each row follows the previous one, none was removed. Read-only.

    ``verify(path).message`` is ``"decisions intact (N rows)"`` or names the first altered row,
    e.g. ``"decision 17 was altered after it was written (hash mismatch)"``. A file written by
    a telekit before the chain is not intact until ``ReviewStore`` has opened (migrated) it.
    Raises ``InputError`` when ``path`` is not a review file.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"{p.name}: no such review file"
        raise InputError(msg)
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return verify_chain(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        msg = (
            f"{p.name}: not a telekit review file (expected an SQLite file with a decisions table)"
        )
        raise InputError(msg) from exc


_ORDER: Final = {
    "id": "d.id",
    "line": f"d.{c.CLAIM_ID}, d.{c.CLAIM_LINE_NUMBER}, d.rule_code",
}


def read_current(
    path: str | Path,
    *,
    order: Literal["id", "line"],
    finding_ids: Sequence[str] | None = None,
    refused: str = "its decisions cannot be used",
) -> pl.DataFrame:
    """The current decision per finding (its latest row) of the review file at ``path``,
    read-only, after checking its hash chain (``verify``): decisions altered after they were
    written raise ``InputError`` naming the file and the row, ending with ``refused``. Rows in
    commit order (``order="id"``) or by claim line and rule (``"line"``); only ``finding_ids``
    when given. Columns: ``DECISIONS_SCHEMA``."""
    p = Path(path)
    if not p.is_file():
        msg = f"{p.name}: no such review file (give the .sqlite file the review notebook wrote)"
        raise InputError(msg)
    check = verify(p)
    if not check.intact:
        msg = f"{p.name}: {check.message}; {refused}"
        raise InputError(msg)
    query = (
        f"SELECT {', '.join(f'd.{col}' for col in COLUMNS)} FROM decisions AS d "  # noqa: S608
        "JOIN (SELECT finding_id, MAX(id) AS id FROM decisions GROUP BY finding_id) AS latest "
        f"ON d.id = latest.id ORDER BY {_ORDER[order]}"
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
    raw = {name: pl.String() for name in COLUMNS} | {c.CLAIM_LINE_NUMBER: pl.Int32()}
    frame = pl.DataFrame(rows, schema=raw, orient="row").with_columns(
        pl.col("decided_at").str.to_datetime(time_zone="UTC", time_unit="us", strict=False)
    )
    if finding_ids is not None:
        frame = frame.filter(pl.col("finding_id").is_in(list(finding_ids)))
    return frame


def read_review(path: str | Path) -> pl.DataFrame:
    """The current decision per finding of a review file, in commit order, for the report
    (``read_current``): a report never presents altered decisions as real."""
    return read_current(path, order="id", refused="the report does not use its decisions")


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
