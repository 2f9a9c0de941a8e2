"""The review file proves its decisions: no SQL statement rewrites a decision (REPLACE included),
every row is hash-chained to the one before, ``verify`` finds the first altered row whatever
the tampering went around, a schema-1 file is chained on first open, and the report and the CLI
refuse altered decisions."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import polars as pl
import pytest

from telekit import InputError, TelekitError, report
from telekit._cli import main
from telekit.report._decisions import row_hash, verify_chain
from telekit.review import ReviewStore, Verification, read_decisions, verify

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
GENESIS = "0" * 64
FIELDS = (
    "finding_id, rule_code, claim_id, claim_line_number, encounter_id, decision, note, "
    "reviewer, decided_at"
)


def _findings(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "finding_id": [f"f{i:03d}" for i in range(n)],
            "rule_code": ["CD002"] * n,
            "claim_id": [f"C{i:03d}" for i in range(n)],
            "claim_line_number": list(range(1, n + 1)),
            "encounter_id": [f"E{i:03d}" if i % 2 else None for i in range(n)],
        },
        schema_overrides={"claim_line_number": pl.Int32},
    )


def _review(path: Path, decisions: int = 5) -> Path:
    """A review file with ``decisions`` rows (ids 1..decisions), each its own transaction."""
    with ReviewStore(path) as store:
        frame = _findings(decisions)
        for i in range(decisions):
            store.record(frame.slice(i, 1), "confirm", note=f"note {i + 1}", reviewer="alice")
    return path


@contextmanager
def _raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection in autocommit mode (what someone with an SQLite tool has)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        yield conn


def _rows(path: Path) -> list[tuple[object, ...]]:
    with _raw(path) as conn:
        return conn.execute("SELECT * FROM decisions ORDER BY id").fetchall()


# --- the triggers refuse every rewrite ------------------------------------------------------------

_ROW_1 = (
    "(id, finding_id, rule_code, claim_id, claim_line_number, decision, reviewer, decided_at, "
    "prev_hash, row_hash) VALUES (1, 'f000', 'CD002', 'C000', 1, 'dismiss', 'mallory', "
    "'2026-01-01T00:00:00+00:00', :prev, :hash)"
)
REWRITES = {
    "insert or replace": f"INSERT OR REPLACE INTO decisions {_ROW_1}",
    "replace into": f"REPLACE INTO decisions {_ROW_1}",
    "insert with an existing id": f"INSERT INTO decisions {_ROW_1}",
    "insert or ignore": f"INSERT OR IGNORE INTO decisions {_ROW_1}",
    "upsert": f"INSERT INTO decisions {_ROW_1} ON CONFLICT (id) DO UPDATE SET note = 'x'",
    "update": "UPDATE decisions SET decision = 'dismiss' WHERE id = 1",
    "delete": "DELETE FROM decisions WHERE id = 1",
}


@pytest.mark.parametrize("sql", REWRITES.values(), ids=REWRITES.keys())
def test_no_statement_rewrites_a_decision(tmp_path: Path, sql: str) -> None:
    path = _review(tmp_path / "r.sqlite", 3)
    before = _rows(path)
    with _raw(path) as conn:
        # the chain fields are the right ones, so only append-only can refuse the statement
        last = conn.execute("SELECT row_hash FROM decisions ORDER BY id DESC LIMIT 1").fetchone()
        params = {"prev": last[0], "hash": "a" * 64} if ":prev" in sql else {}
        with pytest.raises(sqlite3.IntegrityError, match="decisions is append-only"):
            conn.execute(sql, params)
    assert _rows(path) == before
    assert verify(path) == Verification(True, 3, None, "decisions intact (3 rows)")


def test_an_insert_must_append_with_the_chain(tmp_path: Path) -> None:
    path = _review(tmp_path / "r.sqlite", 2)
    before = _rows(path)
    last_hash = str(before[-1][-1])
    row = (
        "INSERT INTO decisions (id, finding_id, rule_code, claim_id, claim_line_number, "
        "decision, reviewer, decided_at, prev_hash, row_hash) VALUES (?, 'f009', 'CD002', "
        "'C009', 1, 'confirm', 'mallory', '2026-01-01T00:00:00+00:00', ?, ?)"
    )
    with _raw(path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(row.replace("(?,", "(NULL,", 1), (last_hash, "b" * 64))  # id generated
        with pytest.raises(sqlite3.IntegrityError, match="hash-chained"):
            conn.execute(row, (3, GENESIS, "b" * 64))  # does not follow the last row
        with pytest.raises(sqlite3.IntegrityError, match="hash-chained"):
            conn.execute(row, (3, last_hash, None))  # no hash of its own
    assert _rows(path) == before


# --- the chain ------------------------------------------------------------------------------------


def test_each_row_is_chained_to_the_one_before(tmp_path: Path) -> None:
    path = _review(tmp_path / "r.sqlite", 4)
    with _raw(path) as conn:
        sql = f"SELECT id, {FIELDS}, prev_hash, row_hash FROM decisions ORDER BY id"  # noqa: S608
        rows = conn.execute(sql).fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert [r[-2] for r in rows] == [GENESIS, *(r[-1] for r in rows[:-1])]
    # the documented serialisation, recomputed here independently of the module
    first = rows[0]
    canonical = json.dumps(
        [None if v is None else str(v) for v in first[:-2]], separators=(",", ":")
    )
    assert canonical.startswith('["1","f000","CD002","C000","1",null,"confirm","note 1","alice"')
    assert first[-1] == hashlib.sha256(f"{GENESIS}\n{canonical}".encode()).hexdigest()
    assert len({r[-1] for r in rows}) == 4


def test_a_decision_of_several_findings_is_chained_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    with ReviewStore(path) as store:
        store.record(_findings(3), "needs-query", note="ask", reviewer="bob")
        store.record(_findings(2), "dismiss", reviewer="bob")
        assert store.verify() == Verification(True, 5, None, "decisions intact (5 rows)")
    assert str(verify(path)) == "decisions intact (5 rows)"
    assert verify(_review(tmp_path / "empty.sqlite", 0)).message == "decisions intact (0 rows)"


def test_a_finding_frame_with_other_dtypes_hashes_what_sqlite_stores(tmp_path: Path) -> None:
    frame = _findings(2).with_columns(
        pl.col("claim_line_number").cast(pl.Float64), pl.col("claim_id").str.slice(1).cast(pl.Int64)
    )
    with ReviewStore(tmp_path / "r.sqlite") as store:
        store.record(frame, "confirm", reviewer="alice")
        assert store.verify().intact
        assert store.history().get_column("claim_id").to_list() == ["0", "1"]


# --- tampering that goes around the triggers ------------------------------------------------------


def _drop_triggers(conn: sqlite3.Connection) -> None:
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")


def _edit_note(conn: sqlite3.Connection) -> None:
    _drop_triggers(conn)
    conn.execute("UPDATE decisions SET note = 'not what was written' WHERE id = 3")


def _edit_note_and_rehash_it(conn: sqlite3.Connection) -> None:
    _drop_triggers(conn)
    conn.execute("UPDATE decisions SET decision = 'dismiss' WHERE id = 3")
    sql = f"SELECT id, {FIELDS}, prev_hash FROM decisions WHERE id = 3"  # noqa: S608
    row = conn.execute(sql).fetchone()
    forged = row_hash(row[-1], row[:-1])
    conn.execute("UPDATE decisions SET row_hash = ? WHERE id = 3", (forged,))


def _delete_a_middle_row(conn: sqlite3.Connection) -> None:
    _drop_triggers(conn)
    conn.execute("DELETE FROM decisions WHERE id = 3")


def _delete_and_renumber(conn: sqlite3.Connection) -> None:
    _drop_triggers(conn)
    conn.execute("DELETE FROM decisions WHERE id = 3")
    conn.execute("UPDATE decisions SET id = id - 1 WHERE id > 3")


def _recreate_the_table(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE copy AS SELECT * FROM decisions")
    conn.execute("UPDATE copy SET reviewer = 'mallory' WHERE id = 3")
    conn.execute("DROP TABLE decisions")  # its triggers go with it
    conn.execute("ALTER TABLE copy RENAME TO decisions")
    conn.execute("COMMIT")


def _swap_two_decisions(conn: sqlite3.Connection) -> None:
    _drop_triggers(conn)
    conn.execute("UPDATE decisions SET id = -id WHERE id IN (3, 4)")
    conn.execute("UPDATE decisions SET id = CASE id WHEN -3 THEN 4 ELSE 3 END WHERE id < 0")


def _insert_a_forged_row(conn: sqlite3.Connection) -> None:
    _drop_triggers(conn)
    conn.execute(
        "INSERT INTO decisions (id, finding_id, rule_code, claim_id, claim_line_number, "
        "decision, reviewer, decided_at, prev_hash, row_hash) SELECT 6, 'f000', 'CD002', "
        "'C000', 1, 'dismiss', 'mallory', '2026-01-01T00:00:00+00:00', row_hash, ? "
        "FROM decisions WHERE id = 5",
        ("c" * 64,),
    )


TAMPERING: dict[str, tuple[Callable[[sqlite3.Connection], None], int, str]] = {
    "edit a note": (_edit_note, 3, "hash mismatch"),
    "edit and re-hash the row": (_edit_note_and_rehash_it, 3, "hash mismatch with the next"),
    "delete a row": (_delete_a_middle_row, 3, "removed: decision 4 follows 2"),
    "delete and renumber": (_delete_and_renumber, 3, "hash mismatch"),
    "re-create the table": (_recreate_the_table, 3, "hash mismatch"),
    "swap two rows": (_swap_two_decisions, 3, "hash mismatch"),
    "insert a forged row": (_insert_a_forged_row, 6, "hash mismatch"),
}


@pytest.mark.parametrize(("tamper", "row", "why"), TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_around_the_triggers_is_detected(
    tmp_path: Path, tamper: Callable[[sqlite3.Connection], None], row: int, why: str
) -> None:
    path = _review(tmp_path / "r.sqlite", 5)
    assert verify(path).intact
    with _raw(path) as conn:
        tamper(conn)
    check = verify(path)
    assert not check.intact
    assert check.altered_id == row
    assert check.message.startswith(f"decision {row} was altered after it was written ({why}")
    # the report and the review module refuse the decisions, naming the file and the row
    with pytest.raises(InputError, match=rf"^r\.sqlite: decision {row} was altered") as err:
        report.read_review(path)
    assert "the report does not use its decisions" in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match=rf"r\.sqlite: decision {row} was altered"):
        read_decisions(path)


def test_removing_the_last_decisions_is_detected_even_after_new_ones(tmp_path: Path) -> None:
    path = _review(tmp_path / "r.sqlite", 5)
    with _raw(path) as conn:
        _drop_triggers(conn)
        conn.execute("DELETE FROM decisions WHERE id >= 4")
    check = verify(path)
    assert (check.intact, check.rows, check.altered_id) == (False, 3, 4)
    assert check.message == (
        "decision 4 was altered after it was written "
        "(removed: the file had decisions up to 5, now up to 3)"
    )
    # the app reopens the file (re-creating the triggers) and appends: the gap stays visible
    with ReviewStore(path) as store:
        store.record(_findings(1), "dismiss", reviewer="bob")
        assert store.history().get_column("id").to_list() == [1, 2, 3, 6]
        assert store.verify().message == (
            "decision 4 was altered after it was written (removed: decision 6 follows 3)"
        )


# --- migration of a schema-1 file ----------------------------------------------------------------

_V1_DDL = """
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id TEXT NOT NULL,
    rule_code TEXT NOT NULL,
    claim_id TEXT NOT NULL,
    claim_line_number INTEGER NOT NULL,
    encounter_id TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('confirm', 'dismiss', 'needs_query')),
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX decisions_by_finding ON decisions (finding_id, id);
CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END;
CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END;
CREATE TABLE positions (reviewer TEXT PRIMARY KEY, worklist_key TEXT NOT NULL,
    updated_at TEXT NOT NULL);
PRAGMA user_version = 1;
"""


def _v1_file(path: Path) -> Path:
    """A review file as telekit wrote it before the chain (schema 1), with three decisions."""
    with _raw(path) as conn:
        conn.executescript(_V1_DDL)
        conn.executemany(
            f"INSERT INTO decisions ({FIELDS}) VALUES (?, 'CD002', ?, 1, NULL, ?, ?, 'alice', "  # noqa: S608
            "'2026-06-01T10:00:00.000000+00:00')",
            [
                ("f000", "C000", "confirm", "first"),
                ("f001", "C001", "dismiss", ""),
                ("f000", "C000", "needs_query", "third"),
            ],
        )
    return path


def test_a_schema_1_file_is_chained_on_first_open(tmp_path: Path) -> None:
    path = _v1_file(tmp_path / "old.sqlite")
    before = _rows(path)
    unchained = verify(path)
    assert (unchained.intact, unchained.rows, unchained.altered_id) == (False, 3, None)
    assert unchained.message.startswith("decisions are not hash-chained (3 rows")
    with pytest.raises(InputError, match=r"old\.sqlite: decisions are not hash-chained"):
        report.read_review(path)

    with ReviewStore(path) as store:
        assert store.verify().message == "decisions intact (3 rows)"
        store.record(_findings(1), "dismiss", reviewer="bob")
    after = _rows(path)
    assert [row[:10] for row in after[:3]] == before  # the old rows, unchanged, now chained
    assert after[0][-2] == GENESIS
    assert after[3][-2] == after[2][-1]  # the new row continues the migrated chain
    assert verify(path) == Verification(True, 4, None, "decisions intact (4 rows)")
    assert report.read_review(path).get_column("decision").to_list() == ["dismiss", "dismiss"]
    with _raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        assert triggers == {
            "decisions_append_only_insert",
            "decisions_append_only_update",
            "decisions_append_only_delete",
        }
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE decisions SET note = 'x' WHERE id = 1")
    ReviewStore(path).close()  # a second open changes nothing
    assert _rows(path) == after


def test_a_chained_file_stripped_of_its_chain_is_not_migrated_again(tmp_path: Path) -> None:
    path = _review(tmp_path / "r.sqlite", 2)
    with _raw(path) as conn:
        _drop_triggers(conn)
        conn.execute("ALTER TABLE decisions DROP COLUMN row_hash")
    with pytest.raises(TelekitError, match=r"r\.sqlite: the decisions table lost its hash chain"):
        ReviewStore(path)
    assert not verify(path).intact


def test_verify_refuses_what_is_not_a_review_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^missing\.sqlite: no such review file"):
        verify(tmp_path / "missing.sqlite")
    (tmp_path / "text.sqlite").write_text("not a database " * 100)
    with pytest.raises(InputError, match=r"^text\.sqlite: not a telekit review file"):
        verify(tmp_path / "text.sqlite")
    with _raw(tmp_path / "other.sqlite") as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match=r"^other\.sqlite: not a telekit review file"):
        verify(tmp_path / "other.sqlite")


# --- the CLI --------------------------------------------------------------------------------------


def test_the_cli_refuses_an_altered_review_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _review(tmp_path / "review.sqlite", 5)
    with _raw(path) as conn:
        _edit_note(conn)
    out = tmp_path / "out"
    code = main(["audit", str(SAMPLES), "--out", str(out), "--review", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "telekit audit: review.sqlite: decision 3 was altered after it was written "
        "(hash mismatch); the report does not use its decisions\n"
    )
    assert not (out / "report.html").exists()


def test_the_report_and_the_review_read_the_same_current_decisions(tmp_path: Path) -> None:
    """One reading of a review file (report._decisions.read_current): the report's order is
    commit order, the review's is by claim line, and the rows are the same."""
    from telekit.report import read_review
    from telekit.review import read_decisions

    path = tmp_path / "r.sqlite"

    def finding(fid: str, code: str, claim: str, line: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "finding_id": [fid],
                "rule_code": [code],
                "claim_id": [claim],
                "claim_line_number": [line],
                "encounter_id": [None],
            },
            schema_overrides={"claim_line_number": pl.Int32, "encounter_id": pl.String},
        )

    with ReviewStore(path) as store:
        store.record(finding("f2", "PS001", "C2", 1), "confirm", reviewer="ann")
        store.record(finding("f1", "TH001", "C1", 2), "dismiss", reviewer="bob", note="ok")
        store.record(finding("f2", "PS001", "C2", 1), "needs_query", reviewer="ann")
    report = read_review(path)
    review = read_decisions(path)
    assert report.schema == review.schema
    assert report["finding_id"].to_list() == ["f1", "f2"]  # commit order of the latest rows
    assert review["claim_id"].to_list() == ["C1", "C2"]
    assert report.sort("finding_id").equals(review.sort("finding_id"))
    assert review.filter(pl.col("finding_id") == "f2")["decision"].item() == "needs_query"


class _CommitsBeforeTheSequence(sqlite3.Connection):
    """A read connection during whose chain check another reviewer commits a decision: right
    before the highest id ever written (``sqlite_sequence``) is read."""

    other: Path

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        if "sqlite_sequence" in sql:
            with ReviewStore(self.other) as store:
                store.record(_findings(7).slice(6, 1), "dismiss", reviewer="bob")
        return super().execute(sql, *args)


def test_a_decision_committed_while_the_chain_is_read_is_not_a_removal(tmp_path: Path) -> None:
    """Two reviewers on one file: the chain is read in one snapshot, so bob's commit between
    the rows and the highest id is not taken for removed decisions (it was, before: "the file
    had decisions up to 6, now up to 5"); the next check sees bob's decision, intact."""
    path = _review(tmp_path / "review.sqlite")
    _CommitsBeforeTheSequence.other = path
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, factory=_CommitsBeforeTheSequence
    )
    try:
        found = verify_chain(conn)
    finally:
        conn.close()
    assert found.intact, found.message
    assert found.rows == 5
    after = verify(path)
    assert after.intact and after.rows == 6, after.message
