"""The review file: decisions persisted to SQLite the moment they are made.

Two tables:

- ``decisions`` — append-only: one row per finding per decision (finding_id, rule_code,
  claim_id, claim_line_number, encounter_id, decision, note, reviewer, decided_at in UTC ISO
  8601). A finding's current decision is its latest row (the highest ``id``: rows are numbered
  in commit order, so two reviewers writing to one file are ordered by when their transactions
  committed, never by their clocks).
- ``positions`` — each reviewer's current worklist key, so reopening resumes there.

Append-only is enforced by triggers: UPDATE and DELETE are refused, and so is any INSERT that
does not append at the end (an ``id`` at or below the highest one, which is what ``INSERT OR
REPLACE`` / ``REPLACE INTO`` of an existing row needs: a BEFORE INSERT trigger fires before the
conflict resolution, so the REPLACE never deletes anything) or that does not carry the chain.

The rows are hash-chained: ``row_hash`` is the SHA-256 of the previous row's ``row_hash``
(``prev_hash``; 64 zeros for the first row) and the row's canonical serialisation (``id`` and
the nine decision fields, as a JSON array of strings or nulls; see ``row_hash``). It is computed
inside the same ``BEGIN IMMEDIATE`` transaction that reads the previous row and inserts, so two
writers cannot fork the chain. ``verify(path)`` recomputes it: a note edited with an SQLite tool
(triggers dropped, table re-created...) breaks it at that row. The chain is not a signature: it
carries no secret, so someone who recomputes every hash after an edit, or who strips the chain
columns and sets the file back to schema version 1 so that it is migrated again, is not caught.
The last rows' removal is caught through ``sqlite_sequence`` (AUTOINCREMENT keeps the highest id
ever written).

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

from telekit._core import _columns as c
from telekit._core._exceptions import TelekitError
from telekit.report._decisions import (
    COLUMNS,
    CURRENT_SQL,
    DDL,
    DECISIONS,
    GENESIS_HASH,
    HISTORY_SQL,
    INSERT_SQL,
    LAST_SQL,
    SCHEMA_VERSION,
    SEQUENCE_SQL,
    Verification,
    chain,
    read_current,
    verify_chain,
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _frame(rows: list[tuple[Any, ...]], *, with_id: bool = False) -> pl.DataFrame:
    raw_schema: dict[str, pl.DataType] = {"id": pl.Int64()} if with_id else {}
    raw_schema |= {name: pl.String() for name in COLUMNS} | {c.CLAIM_LINE_NUMBER: pl.Int32()}
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
            missing = [col for col in ("id", *COLUMNS) if col not in found]
            if found and missing:
                msg = (
                    f"{self.path.name}: table 'decisions' has no column {', '.join(missing)} "
                    f"(found: {', '.join(sorted(found))}); it is not a telekit review file: "
                    "choose another path"
                )
                raise TelekitError(msg)
            chain = [col for col in ("prev_hash", "row_hash") if col not in found]
            if found and chain:
                if version >= 2:  # the version that added the chain
                    msg = (
                        f"{self.path.name}: the decisions table lost its hash chain "
                        f"(no column {', '.join(chain)}); the file was altered after it was "
                        "written: use a copy you trust"
                    )
                    raise TelekitError(msg)
                self._migrate_to_chain()
            for statement in DDL:
                self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate_to_chain(self) -> None:
        """Schema 1 -> 2, inside ``_open``'s transaction: add ``prev_hash`` / ``row_hash`` and
        chain the rows already there in id order (the chain vouches for them as they are now;
        the UPDATE trigger is dropped for this and re-created by the DDL)."""
        conn = self._conn
        conn.execute("DROP TRIGGER IF EXISTS decisions_append_only_update")
        for col in ("prev_hash", "row_hash"):
            conn.execute(f"ALTER TABLE decisions ADD COLUMN {col} TEXT NOT NULL DEFAULT ''")
        old = conn.execute(f"SELECT id, {', '.join(COLUMNS)} FROM decisions ORDER BY id")  # noqa: S608
        chained = chain(GENESIS_HASH, old.fetchall())
        conn.executemany(
            "UPDATE decisions SET prev_hash = ?, row_hash = ? WHERE id = ?",
            [(row[-2], row[-1], row[0]) for row in chained],
        )

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
        # the values as SQLite stores them (TEXT / INTEGER affinity), so the hash written is
        # the hash verify recomputes from what it reads back
        keys = findings.select(
            pl.col("finding_id", "rule_code", c.CLAIM_ID).cast(pl.String),
            pl.col(c.CLAIM_LINE_NUMBER).cast(pl.Int64),
            pl.col(c.ENCOUNTER_ID).cast(pl.String),
        )
        if keys.is_empty():
            return 0
        with self._transaction() as conn:
            # under BEGIN IMMEDIATE no other writer can append between this read and the insert
            last = conn.execute(LAST_SQL).fetchone()
            sequence = conn.execute(SEQUENCE_SQL).fetchone()
            last_id = max(0 if last is None else last[0], 0 if sequence is None else sequence[0])
            rows = chain(
                GENESIS_HASH if last is None else last[1],
                (
                    (last_id + i, *row, decision, note, reviewer, at)
                    for i, row in enumerate(keys.rows(), start=1)
                ),
            )
            conn.executemany(INSERT_SQL, rows)
        return len(rows)

    def current(self) -> pl.DataFrame:
        """The current decision of every decided finding (its latest row), sorted by claim_id,
        claim_line_number, rule_code."""
        return _frame(self._conn.execute(CURRENT_SQL).fetchall())

    def history(self) -> pl.DataFrame:
        """Every decision row ever written, in commit order, with its ``id``."""
        rows = self._conn.execute(HISTORY_SQL).fetchall()
        return _frame(rows, with_id=True)

    def verify(self) -> Verification:
        """Recompute the decisions' hash chain (see ``verify``)."""
        return verify_chain(self._conn)

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
    finding_id), sorted by claim_id, claim_line_number, rule_code, optionally only for
    ``finding_ids``. A file written before the hash chain is migrated first (``ReviewStore``);
    raises ``InputError`` when the file's decisions were altered after they were written."""
    if Path(path).is_file():
        ReviewStore(path).close()  # creates nothing new; migrates a pre-chain file
    return read_current(path, order="line", finding_ids=finding_ids)
