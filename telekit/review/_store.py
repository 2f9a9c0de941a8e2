"""The review file: decisions persisted to SQLite the moment they are made.

Two tables:

- ``decisions`` — append-only (triggers refuse UPDATE and DELETE): one row per finding per
  decision (finding_id, rule_code, claim_id, claim_line_number, encounter_id, decision, note,
  reviewer, decided_at in UTC ISO 8601). A finding's current decision is its latest row (the
  highest ``id``: rows are numbered in commit order, so two reviewers writing to one file are
  ordered by when their transactions committed, never by their clocks).
- ``positions`` — each reviewer's current worklist key, so reopening resumes there.

The file is in WAL mode with ``synchronous=FULL``; each decision is one ``BEGIN IMMEDIATE`` ...
``COMMIT`` transaction, so a decision is on disk when ``record`` returns, a kernel killed right
after a click loses nothing, and several reviewers (processes) can write to one file at once
(a writer waits for the lock up to ``timeout`` seconds instead of failing).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

from telekit import _columns as c
from telekit._exceptions import InputError, TelekitError

DECISIONS = ("confirm", "dismiss", "needs_query")
"""The decisions a reviewer can make on a finding."""

SCHEMA_VERSION = 1

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

_COLUMNS = tuple(DECISIONS_SCHEMA.names())

_DDL = (
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
        decided_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS decisions_by_finding ON decisions (finding_id, id)",
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
_CURRENT_SQL = f"""
    SELECT {", ".join(f"d.{col}" for col in _COLUMNS)}
    FROM decisions AS d
    JOIN (SELECT finding_id, MAX(id) AS id FROM decisions GROUP BY finding_id) AS latest
      ON d.id = latest.id
    ORDER BY d.{c.CLAIM_ID}, d.{c.CLAIM_LINE_NUMBER}, d.rule_code
"""  # noqa: S608
_HISTORY_SQL = f"SELECT id, {', '.join(_COLUMNS)} FROM decisions ORDER BY id"  # noqa: S608
_PLACEHOLDERS = ", ".join("?" for _ in _COLUMNS)
_INSERT_SQL = f"INSERT INTO decisions ({', '.join(_COLUMNS)}) VALUES ({_PLACEHOLDERS})"  # noqa: S608


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _frame(rows: list[tuple[Any, ...]], *, with_id: bool = False) -> pl.DataFrame:
    raw_schema: dict[str, pl.DataType] = {"id": pl.Int64()} if with_id else {}
    raw_schema |= {name: pl.String() for name in _COLUMNS} | {c.CLAIM_LINE_NUMBER: pl.Int32()}
    df = pl.DataFrame(rows, schema=raw_schema, orient="row")
    return df.with_columns(
        pl.col("decided_at").str.to_datetime(time_unit="us", time_zone="UTC"),
    )


def normalize_decision(decision: str) -> str:
    """``"needs-query"`` / ``"Needs query"`` -> ``"needs_query"``; refuses anything else."""
    key = decision.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in DECISIONS:
        msg = f"decision must be one of {', '.join(DECISIONS)} (got {decision!r})"
        raise ValueError(msg)
    return key


class ReviewStore:
    """One review SQLite file, opened (and created with its schema when new).

    ``timeout`` is how long a write waits for another reviewer's transaction to finish.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._open(timeout)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            msg = f"{self.path.name}: not a telekit review file ({exc}); choose another path"
            raise TelekitError(msg) from exc
        except BaseException:
            self._conn.close()
            raise

    def _open(self, timeout: float) -> None:
        self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            msg = f"{self.path.name}: the review file could not be put in WAL mode (got {mode})"
            raise TelekitError(msg)
        self._conn.execute("PRAGMA synchronous = FULL")
        with self._transaction():
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                msg = (
                    f"{self.path.name}: review file schema version {version} is newer than this "
                    f"telekit reads ({SCHEMA_VERSION}); upgrade telekit"
                )
                raise TelekitError(msg)
            found = {row[1] for row in self._conn.execute("PRAGMA table_info(decisions)")}
            missing = [col for col in ("id", *_COLUMNS) if col not in found]
            if found and missing:
                msg = (
                    f"{self.path.name}: table 'decisions' has no column {', '.join(missing)} "
                    f"(found: {', '.join(sorted(found))}); it is not a telekit review file: "
                    "choose another path"
                )
                raise TelekitError(msg)
            for statement in _DDL:
                self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def record(
        self, findings: pl.DataFrame, decision: str, *, note: str = "", reviewer: str
    ) -> int:
        """Append one decision for every finding in ``findings`` (a frame with finding_id,
        rule_code, claim_id, claim_line_number, encounter_id), in one transaction. Returns how
        many rows were written."""
        decision = normalize_decision(decision)
        if not reviewer.strip():
            msg = "reviewer must be a non-empty name"
            raise ValueError(msg)
        at = _now()
        rows = [
            (*row, decision, note, reviewer, at)
            for row in findings.select(
                "finding_id", "rule_code", c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.ENCOUNTER_ID
            ).rows()
        ]
        if not rows:
            return 0
        with self._transaction() as conn:
            conn.executemany(_INSERT_SQL, rows)
        return len(rows)

    def current(self) -> pl.DataFrame:
        """The current decision of every decided finding (its latest row), sorted by claim_id,
        claim_line_number, rule_code."""
        return _frame(self._conn.execute(_CURRENT_SQL).fetchall())

    def history(self) -> pl.DataFrame:
        """Every decision row ever written, in commit order, with its ``id``."""
        rows = self._conn.execute(_HISTORY_SQL).fetchall()
        return _frame(rows, with_id=True)

    def position(self, reviewer: str) -> str | None:
        """The worklist key ``reviewer`` was last on, or None."""
        row = self._conn.execute(
            "SELECT worklist_key FROM positions WHERE reviewer = ?", (reviewer,)
        ).fetchone()
        return None if row is None else str(row[0])

    def save_position(self, reviewer: str, key: str) -> None:
        """Remember that ``reviewer`` is on worklist ``key``."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO positions (reviewer, worklist_key, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (reviewer) DO UPDATE SET worklist_key = excluded.worklist_key, "
                "updated_at = excluded.updated_at",
                (reviewer, key, _now()),
            )

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReviewStore({str(self.path)!r})"


def read_decisions(path: str | Path, *, finding_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """The current decision per finding in the review file at ``path`` (latest row per
    finding_id), optionally only for ``finding_ids``."""
    if not Path(path).is_file():
        msg = f"{Path(path).name}: no such review file"
        raise InputError(msg)
    with ReviewStore(path) as store:
        current = store.current()
    if finding_ids is not None:
        current = current.filter(pl.col("finding_id").is_in(list(finding_ids)))
    return current
