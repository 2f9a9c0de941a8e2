"""The review file: schema, WAL, append-only decisions, latest-wins, atomic transactions,
positions, and two reviewers (two connections, two processes) writing to one file at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from telekit import InputError, TelekitError
from telekit.report._decisions import DECISIONS_SCHEMA, GENESIS_HASH
from telekit.review import DECISIONS, ReviewStore, read_decisions
from telekit.review import _store as store_module


def _findings(n: int, *, prefix: str = "f") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "finding_id": [f"{prefix}{i:03d}" for i in range(n)],
            "rule_code": ["CD002"] * n,
            "claim_id": [f"C{i:03d}" for i in range(n)],
            "claim_line_number": list(range(1, n + 1)),
            "encounter_id": [f"E{i // 2:03d}" if i % 3 else None for i in range(n)],
        },
        schema_overrides={"claim_line_number": pl.Int32},
    )


def test_a_new_file_has_the_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "review.sqlite"
    ReviewStore(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        columns = [row[1] for row in conn.execute("PRAGMA table_info(decisions)")]
        assert columns == [
            "id",
            "finding_id",
            "rule_code",
            "claim_id",
            "claim_line_number",
            "encounter_id",
            "decision",
            "note",
            "reviewer",
            "decided_at",
            "prev_hash",
            "row_hash",
        ]
        positions = [row[1] for row in conn.execute("PRAGMA table_info(positions)")]
        assert positions == ["reviewer", "worklist_key", "updated_at"]
    finally:
        conn.close()


def test_record_writes_one_row_per_finding_with_a_utc_timestamp(tmp_path: Path) -> None:
    with ReviewStore(tmp_path / "r.sqlite") as store:
        assert store.record(_findings(3), "Needs-Query", note="ask Dr. K", reviewer="alice") == 3
        assert store.record(_findings(0), "confirm", reviewer="alice") == 0
    conn = sqlite3.connect(tmp_path / "r.sqlite")
    try:
        rows = conn.execute(
            "SELECT finding_id, encounter_id, decision, note, reviewer, decided_at "
            "FROM decisions ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    assert [r[:5] for r in rows] == [
        ("f000", None, "needs_query", "ask Dr. K", "alice"),
        ("f001", "E000", "needs_query", "ask Dr. K", "alice"),
        ("f002", "E001", "needs_query", "ask Dr. K", "alice"),
    ]
    stamps = {r[5] for r in rows}
    assert len(stamps) == 1  # one decision, one moment
    stamp = datetime.fromisoformat(stamps.pop())
    assert stamp.utcoffset() == timedelta(0)


@pytest.mark.parametrize("decision", ["approve", "", "confirmed"])
def test_an_unknown_decision_is_refused(tmp_path: Path, decision: str) -> None:
    with (
        ReviewStore(tmp_path / "r.sqlite") as store,
        pytest.raises(ValueError, match="decision must be one of confirm, dismiss, needs_query"),
    ):
        store.record(_findings(1), decision, reviewer="alice")


def test_the_file_refuses_other_decisions_too(tmp_path: Path) -> None:
    ReviewStore(tmp_path / "r.sqlite").close()
    conn = sqlite3.connect(tmp_path / "r.sqlite")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            # a row the append-only and chain triggers let through: only the CHECK refuses it
            conn.execute(
                "INSERT INTO decisions (id, finding_id, rule_code, claim_id, claim_line_number, "
                "decision, reviewer, decided_at, prev_hash, row_hash) VALUES (1, 'f', 'CD002', "
                "'C', 1, 'approve', 'a', '2026-01-01T00:00:00+00:00', ?, ?)",
                (GENESIS_HASH, "1" * 64),
            )
    finally:
        conn.close()


def test_decisions_are_append_only(tmp_path: Path) -> None:
    with ReviewStore(tmp_path / "r.sqlite") as store:
        store.record(_findings(2), "confirm", reviewer="alice")
    conn = sqlite3.connect(tmp_path / "r.sqlite")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="decisions is append-only"):
            conn.execute("UPDATE decisions SET decision = 'dismiss'")
        with pytest.raises(sqlite3.DatabaseError, match="decisions is append-only"):
            conn.execute("DELETE FROM decisions")
        assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 2
    finally:
        conn.close()


def test_the_current_decision_is_the_last_committed_even_if_a_clock_runs_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReviewStore(tmp_path / "r.sqlite") as store:
        monkeypatch.setattr(store_module, "_now", lambda: "2026-06-02T10:00:00.000000+00:00")
        store.record(_findings(2), "confirm", reviewer="alice")
        # bob's clock is a day behind; his decision is still the later one
        monkeypatch.setattr(store_module, "_now", lambda: "2026-06-01T10:00:00.000000+00:00")
        store.record(_findings(1), "dismiss", note="documented", reviewer="bob")
        current = store.current()
        history = store.history()
    assert current.select("finding_id", "decision", "reviewer").rows() == [
        ("f000", "dismiss", "bob"),
        ("f001", "confirm", "alice"),
    ]
    assert history.get_column("id").to_list() == [1, 2, 3]
    assert current.schema == DECISIONS_SCHEMA
    assert current.get_column("decided_at").to_list()[0].isoformat() == (
        "2026-06-01T10:00:00+00:00"
    )


def test_a_failed_decision_writes_nothing(tmp_path: Path) -> None:
    broken = _findings(3).with_columns(
        pl.when(pl.col("finding_id") == "f002").then(None).otherwise(pl.col("claim_id"))
        .alias("claim_id")
    )  # fmt: skip
    with ReviewStore(tmp_path / "r.sqlite") as store:
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            store.record(broken, "confirm", reviewer="alice")
        assert store.history().height == 0  # the first two rows were rolled back with it
        assert store.record(_findings(1), "confirm", reviewer="alice") == 1  # still usable


def test_positions_are_kept_per_reviewer(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    with ReviewStore(path) as store:
        assert store.position("alice") is None
        store.save_position("alice", "E001")
        store.save_position("bob", "claim:C9")
        store.save_position("alice", "E002")
    with ReviewStore(path) as store:
        assert store.position("alice") == "E002"
        assert store.position("bob") == "claim:C9"


def test_a_file_that_is_not_a_review_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE decisions (id INTEGER PRIMARY KEY, verdict TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(TelekitError, match=r"other.sqlite: table 'decisions' has no column"):
        ReviewStore(path)
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database, just a text file with enough bytes to look like one " * 20)
    with pytest.raises(TelekitError, match=r"notes.sqlite: not a telekit review file"):
        ReviewStore(text)


def test_read_decisions(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.sqlite: no such review file"):
        read_decisions(tmp_path / "missing.sqlite")
    path = tmp_path / "r.sqlite"
    with ReviewStore(path) as store:
        store.record(_findings(3), "confirm", reviewer="alice")
        store.record(_findings(1), "needs_query", reviewer="alice")
    assert read_decisions(path).get_column("decision").to_list() == [
        "needs_query",
        "confirm",
        "confirm",
    ]
    assert read_decisions(path, finding_ids=["f001"]).get_column("finding_id").to_list() == ["f001"]


def test_two_connections_interleaving_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    shared = _findings(4)
    with ReviewStore(path) as a, ReviewStore(path) as b:
        for i in range(20):
            store, reviewer = (a, "alice") if i % 2 == 0 else (b, "bob")
            store.record(shared.slice(i % 4, 1), DECISIONS[i % 3], reviewer=reviewer)
        assert a.history().height == b.history().height == 20
        # each finding's current decision is the last one written to it, whoever wrote it
        expected = {f"f{k:03d}": max(i for i in range(20) if i % 4 == k) for k in range(4)}
        got = dict(a.current().select("finding_id", "decision").iter_rows())
        assert got == {fid: DECISIONS[i % 3] for fid, i in expected.items()}
        # each writer read the other's last hash inside its own transaction: one chain
        assert a.verify().message == b.verify().message == "decisions intact (20 rows)"


_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import polars as pl
    from telekit.review import ReviewStore

    path, reviewer, n, ready, go = sys.argv[1:6]
    frame = pl.DataFrame(
        {"finding_id": ["shared", "own-" + reviewer], "rule_code": ["CD002", "CD002"],
         "claim_id": ["C1", "C2"], "claim_line_number": [1, 1], "encounter_id": ["E1", None]},
        schema_overrides={"claim_line_number": pl.Int32},
    )
    with ReviewStore(path) as store:
        Path(ready).touch()
        while not Path(go).exists():
            time.sleep(0.005)
        for i in range(int(n)):
            store.record(frame, "confirm", note=f"{reviewer} {i}", reviewer=reviewer)
            time.sleep(0.003)  # a reviewer clicks; without a pause one writer may finish first
    """
)


def test_two_reviewer_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path, go, n = tmp_path / "r.sqlite", tmp_path / "go", 60
    ReviewStore(path).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), who, str(n), str(tmp_path / who), str(go)]
        )
        for who in ("alice", "bob")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / who).exists() for who in ("alice", "bob")):
        assert time.monotonic() < deadline, "writer processes did not start"
        assert all(p.poll() is None for p in procs), "a writer process died"
        time.sleep(0.01)
    go.touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with ReviewStore(path) as store:
        history = store.history()
        current = store.current()
        check = store.verify()
    assert history.height == 2 * 2 * n
    assert check.message == f"decisions intact ({2 * 2 * n} rows)"  # the chain did not fork
    assert history.get_column("id").to_list() == list(range(1, 2 * 2 * n + 1))
    for who in ("alice", "bob"):
        notes = history.filter(pl.col("reviewer") == who).get_column("note")
        assert notes.n_unique() == n  # every one of the n decisions of each reviewer is there
    reviewers = history.filter(pl.col("finding_id") == "shared").get_column("reviewer")
    switches = (reviewers != reviewers.shift(1)).sum()  # the first row compares with null
    assert switches > 1, "the two writers did not interleave; the test proved nothing"
    assert current.height == 3  # shared, own-alice, own-bob
    last = history.filter(pl.col("finding_id") == "shared").tail(1)
    assert current.filter(pl.col("finding_id") == "shared").get_column("note").to_list() == (
        last.get_column("note").to_list()
    )
