"""The review of an audit's OUT folder (``telekit.review.load_review``), the served app's name
step (``ReviewApp``) and ``telekit review serve``'s checks before it starts Voilà."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit._cli import main
from telekit._core._exceptions import InputError, TelekitError
from telekit.review import EncounterReview, ReviewState, ReviewStore, load_review, read_decisions
from telekit.review._app import ReviewApp
from telekit.review._serve import APP_NOTEBOOK, HOST, voila_command

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("out") / "audit"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["audit", str(SAMPLES), "--out", str(folder)]) == 1
    return folder


def _copy(out: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "audit"
    shutil.copytree(out, copy)
    return copy


def _edit_json(path: Path, change: dict[str, object]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data | change), encoding="utf-8")


def test_load_review_reads_findings_from_out_and_tables_again(
    out: Path, result: tk.AuditResult
) -> None:
    source = load_review(out)
    assert source.unavailable == {}
    assert source.notes() == []
    assert_frame_equal(source.findings, pl.read_parquet(out / "findings.parquet"))
    assert source.findings.height == result.findings.height
    assert source.encounters is not None and result.encounters is not None
    assert_frame_equal(source.encounters, result.encounters)
    assert source.coverage is not None and result.coverage is not None
    assert_frame_equal(source.coverage, result.coverage)
    assert source.providers is not None and result.providers is not None
    assert_frame_equal(source.providers, result.providers)
    # only the lines the review can show: of a flagged claim or a flagged encounter
    flagged = set(result.findings.get_column("claim_id")) | set(
        result.claims.filter(
            pl.col("encounter_id").is_in(result.findings.get_column("encounter_id").implode())
        ).get_column("claim_id")
    )
    assert set(source.claims.get_column("claim_id")) == flagged
    assert source.claims.height < result.claims.height
    assert source.claims.schema == result.claims.schema


def test_the_review_of_out_shows_what_the_review_of_the_audit_shows(
    out: Path, result: tk.AuditResult, tmp_path: Path
) -> None:
    from_out = ReviewState(
        load_review(out),  # type: ignore[arg-type]  # a ReviewSource stands for the result
        store=ReviewStore(tmp_path / "a.sqlite"),
        reviewer="a",
    )
    from_result = ReviewState(result, store=ReviewStore(tmp_path / "b.sqlite"), reviewer="a")
    assert from_out.keys == from_result.keys
    for _ in range(5):
        a, b = from_out.view(), from_result.view()
        assert a is not None and b is not None
        assert a.key == b.key
        assert_frame_equal(a.lines, b.lines)
        assert_frame_equal(a.findings, b.findings)
        assert a.documentation == b.documentation
        assert a.coverage is not None and b.coverage is not None
        assert_frame_equal(a.coverage, b.coverage)
        assert from_out.provider_names() == from_result.provider_names()
        from_out.next()
        from_result.next()


def test_a_changed_input_is_left_out_with_the_reason(out: Path, tmp_path: Path) -> None:
    copy = _copy(out, tmp_path)
    inputs = json.loads((copy / "inputs.json").read_text(encoding="utf-8"))
    inputs["inputs"]["encounters"][0]["sha256"] = "0" * 64
    inputs["inputs"]["claims"][0]["path"] = str(tmp_path / "moved" / "claims.csv")
    (copy / "inputs.json").write_text(json.dumps(inputs), encoding="utf-8")
    source = load_review(copy)
    assert source.unavailable == {
        "claims": "its file is missing or changed since the audit",
        "encounters": "its file is missing or changed since the audit",
    }
    assert source.encounters is None
    assert source.coverage is not None
    assert source.claims.height == 0
    assert source.claims.schema == tk.read_claims(SAMPLES / "claims.csv").data.schema
    state = ReviewState(source, store=ReviewStore(tmp_path / "r.sqlite"), reviewer="a")  # type: ignore[arg-type]
    view = state.view()
    assert view is not None
    assert view.lines.height == 0
    assert view.findings.height > 0
    assert view.documentation is None


def test_a_changed_policies_file_leaves_every_table_out(out: Path, tmp_path: Path) -> None:
    copy = _copy(out, tmp_path)
    inputs = json.loads((copy / "inputs.json").read_text(encoding="utf-8"))
    inputs["inputs"]["policies"][0]["sha256"] = "f" * 64
    (copy / "inputs.json").write_text(json.dumps(inputs), encoding="utf-8")
    source = load_review(copy)
    assert set(source.unavailable) == {"claims", "encounters", "coverage", "providers"}
    assert set(source.unavailable.values()) == {
        "the policies file the audit read is missing or changed since"
    }


def test_without_inputs_json_the_findings_alone(out: Path, tmp_path: Path) -> None:
    copy = _copy(out, tmp_path)
    (copy / "inputs.json").unlink()
    source = load_review(copy)
    assert source.findings.height == pl.read_parquet(out / "findings.parquet").height
    assert source.encounters is None and source.coverage is None and source.providers is None
    assert len(source.notes()) == 4


def test_refused_outs(out: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        load_review(tmp_path / "absent")
    copy = _copy(out, tmp_path)
    _edit_json(copy / "summary.json", {"deidentified": True})
    with pytest.raises(InputError, match=r"is de-identified .* review the identified OUT"):
        load_review(copy)
    (copy / "findings.parquet").unlink()
    with pytest.raises(InputError, match=r"no findings\.parquet"):
        load_review(copy)
    (copy / "summary.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"no findings\.parquet|not a telekit summary\.json"):
        load_review(copy)


def test_the_app_asks_a_name_then_decides_under_it(out: Path, tmp_path: Path) -> None:
    db = tmp_path / "review.sqlite"
    alice, bob = ReviewApp(out, db), ReviewApp(out, db)
    assert alice.message.value == ""
    with pytest.raises(TelekitError, match="enter your name"):
        alice.start("   ")
    alice.name.value = "  "
    alice.start_button.click()
    assert alice.message.value == "enter your name to start"
    alice.name.value = " alice "
    alice.start_button.click()
    assert alice.message.value == ""
    review = alice.review
    assert isinstance(review, EncounterReview)
    assert review.widget in alice.widget.children
    first = review.current_key
    n = review.decide("confirm")
    with pytest.raises(TelekitError, match="already open"):
        alice.start("mallory")
    other = bob.start("bob")
    other.goto(other.state.keys[1])
    m = other.decide("needs_query", note="which visit?")
    decided = read_decisions(db)
    assert decided.height == n + m
    by = dict(decided.group_by("reviewer").agg(pl.col("encounter_id").unique()).iter_rows())
    assert set(by) == {"alice", "bob"}
    assert by["alice"] == [first]
    assert by["bob"] == [other.state.keys[1]]
    review.close()
    other.close()


def test_the_app_of_a_deidentified_out_says_why_in_one_line(out: Path, tmp_path: Path) -> None:
    copy = _copy(out, tmp_path)
    _edit_json(copy / "summary.json", {"deidentified": True})
    app = ReviewApp(copy, tmp_path / "review.sqlite")
    assert "is de-identified" in app.message.value
    assert "\n" not in app.message.value
    assert app.start_button.disabled and app.name.disabled
    assert not (tmp_path / "review.sqlite").exists()


def test_the_app_names_the_practice_and_tables_left_out(out: Path, tmp_path: Path) -> None:
    copy = _copy(out, tmp_path)
    _edit_json(copy / "summary.json", {"practice": "Lakeside <Clinic>"})
    (copy / "inputs.json").unlink()
    app = ReviewApp(copy, tmp_path / "review.sqlite")
    assert "telekit review — Lakeside &lt;Clinic&gt;" in app.title.value
    assert "encounters: OUT has no inputs.json naming the files" in app.notes.value


def _serve(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["review", "serve", *args])
    return code, err.getvalue()


def test_serve_refuses_in_one_line_before_starting(out: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "review.sqlite")
    code, err = _serve(str(tmp_path / "absent"), "--db", db)
    assert code == 2
    assert err.count("\n") == 1 and "not a folder" in err
    code, err = _serve(str(out), "--db", str(tmp_path))
    assert code == 2 and "is a folder; give the review file" in err
    (tmp_path / "notes.txt").write_text("not a review file\n" * 100, encoding="utf-8")
    code, err = _serve(str(out), "--db", str(tmp_path / "notes.txt"))
    assert code == 2 and "not a telekit review file" in err
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = _serve(str(out), "--db", db, "--port", str(port))
    assert code == 2 and f"--port {port} is in use on 127.0.0.1" in err
    code, err = _serve(str(out), "--db", db, "--port", "70000")
    assert code == 2 and "expected a port number from 1 to 65535" in err


def test_voila_serves_the_shipped_notebook_on_loopback_without_tracebacks() -> None:
    command = voila_command(8866, "TOKEN")
    assert command[3] == str(APP_NOTEBOOK)
    assert {"--Voila.ip=127.0.0.1", "--show_tracebacks=False", "--no-browser"} <= set(command)
    assert "--token=TOKEN" in command
    notebook = json.loads(APP_NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert len(code) == 1 and code[0]["outputs"] == []
    assert "app_from_environment()" in "".join(code[0]["source"])
