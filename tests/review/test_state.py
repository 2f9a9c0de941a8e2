"""ReviewState without widgets: the worklist, filters, progress, navigation, decisions and
resuming, over the audit of data/samples."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit import rules
from telekit._engine._result import EXPOSURE_KINDS
from telekit.review import ReviewState, ReviewStore
from telekit.review._state import finding_money, money_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReviewStore]:
    with ReviewStore(tmp_path / "review.sqlite") as s:
        yield s


@pytest.fixture
def state(result: tk.AuditResult, store: ReviewStore) -> ReviewState:
    return ReviewState(result, store=store, reviewer="alice")


def _expected_keys(findings: pl.DataFrame) -> set[str]:
    return set(
        findings.select(
            pl.when(pl.col("encounter_id").is_null())
            .then(pl.lit("claim:") + pl.col("claim_id"))
            .otherwise(pl.col("encounter_id"))
        )
        .to_series()
        .to_list()
    )


def test_state_and_store_modules_never_import_ipywidgets() -> None:
    for name in ("_state.py", "_store.py"):
        tree = ast.parse((ROOT / "telekit" / "review" / name).read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert "ipywidgets" not in imported, name
        assert "IPython" not in imported, name


def test_worklist_is_one_entry_per_encounter_or_claim_without_one(
    state: ReviewState, result: tk.AuditResult
) -> None:
    expected = _expected_keys(result.findings)
    assert set(state.keys) == expected
    assert len(state.keys) == len(expected) == 300
    claim_keys = sorted(k for k in state.keys if k.startswith("claim:"))
    assert claim_keys == [
        "claim:C0000710",
        "claim:C0000956",
        "claim:C0001079",
        "claim:C0001123",
        "claim:C0001273",
        "claim:C0001360",
        "claim:C0001459",
    ]
    table = state.worklist()
    assert table.get_column("findings").sum() == result.findings.height
    assert table.get_column("worklist_key").to_list() == state.keys


def test_worklist_sorts_by_money_kind_by_kind_counting_each_line_once(
    state: ReviewState, result: tk.AuditResult
) -> None:
    table = state.worklist()
    assert "dollars_at_risk" not in table.columns
    money = table.select(*EXPOSURE_KINDS).rows()
    # overpaid first, then denied, at risk, underpaid: each kind on its own, never a sum
    assert money == sorted(money, reverse=True)
    overpaid = table.get_column("overpayment") > 0
    denied_only = (table.get_column("overpayment") == 0) & (table.get_column("denied") > 0)
    assert overpaid.any() and denied_only.any()
    assert overpaid.arg_true().max() < denied_only.arg_true().min()  # type: ignore[operator]
    # every claim line belongs to one entry, so the entries add up to the practice's totals
    totals = result.exposure()
    for kind, lines, amount in totals.iter_rows():
        assert table.get_column(kind).sum() == amount, kind
        assert (table.get_column(kind) > 0).sum() <= lines
    # E0000021: its only line (C0000019/1) carries two error findings (PR002, TH001) on a paid
    # line; the line counts once, at its amount, and its charge is no money at stake
    row = table.filter(pl.col("worklist_key") == "E0000021").row(0, named=True)
    assert row["findings"] == 2
    state.goto("E0000021")
    view = state.view()
    assert view is not None
    findings = view.findings
    assert findings.get_column("exposure").to_list() == ["overpayment", "overpayment"]
    paid = findings.get_column("exposure_amount").max()
    assert isinstance(paid, Decimal)
    assert view.exposure == {
        "overpayment": row["overpayment"],
        "denied": Decimal("0"),
        "at_risk": Decimal("0"),
        "underpayment": Decimal("0"),
    }
    assert row["overpayment"] == paid < findings.get_column("exposure_amount").sum()
    assert paid != findings.get_column("charge_amount").max()  # the paid amount, not the charge
    assert money_text(view.exposure) == f"${paid:,.2f} overpaid"


@pytest.mark.parametrize(
    ("exposure", "amount", "basis", "text"),
    [
        ("denied", Decimal("96.2"), "fee_schedule", "denied $96.20 (fee schedule)"),
        ("overpayment", Decimal("1066.12"), "paid", "overpaid $1,066.12 (paid + patient share)"),
        ("at_risk", Decimal("140.00"), "charge", "at risk $140.00 (charge)"),
        ("denied", Decimal("80.00"), "expected_fee", "denied $80.00 (expected fee)"),
        ("underpayment", Decimal("7.18"), "allowed", "underpaid $7.18 (allowed amount)"),
        ("underpayment", Decimal("0"), "none", "underpaid, not priced"),
        ("none", Decimal("0"), "none", "no money at stake"),
    ],
)
def test_a_finding_says_its_kind_amount_and_basis(
    exposure: str, amount: Decimal, basis: str, text: str
) -> None:
    assert finding_money(exposure, amount, basis) == text


def test_an_entry_names_each_kind_and_never_a_sum() -> None:
    kinds = dict.fromkeys(EXPOSURE_KINDS, Decimal("0"))
    assert money_text(kinds) == "no money at stake"
    both = {**kinds, "overpayment": Decimal("1200.5"), "underpayment": Decimal("7.18")}
    assert money_text(both) == "$1,200.50 overpaid, $7.18 underpaid"


def test_sort_by_date_and_key(state: ReviewState) -> None:
    by_key = state.set_sort("key")
    assert by_key == sorted(by_key)
    state.set_sort("date")
    dates = state.worklist().get_column("claim_line_start_date").to_list()
    assert dates == sorted(dates)
    with pytest.raises(ValueError, match="sort must be one of"):
        state.set_sort("charge")


def test_progress_counts_an_encounter_once_all_its_findings_are_decided(
    state: ReviewState,
) -> None:
    total = len(state.keys)
    assert state.progress_text() == f"0 of {total} encounters reviewed"
    state.goto("E0000021")  # two findings
    first, second = state.current_findings().get_column("finding_id").to_list()
    assert state.decide("confirm", finding_ids=[first]) == 1
    assert state.progress() == (0, total)
    assert state.view().status == "partial"  # type: ignore[union-attr]
    assert state.decide("dismiss", note="payer allows it", finding_ids=[second]) == 1
    assert state.progress_text() == f"1 of {total} encounters reviewed"
    assert state.view().status == "reviewed"  # type: ignore[union-attr]
    state.next()
    assert state.decide("needs-query") >= 1  # the whole encounter
    assert state.progress() == (2, total)


def test_current_decision_is_the_latest_and_history_keeps_every_row(
    state: ReviewState, store: ReviewStore
) -> None:
    key = state.keys[0]
    n = state.current_findings().height
    state.decide("confirm")
    state.decide("dismiss", note="second look: documented")
    current = state.decisions()
    assert current.height == n
    assert current.get_column("decision").unique().to_list() == ["dismiss"]
    assert current.get_column("note").unique().to_list() == ["second look: documented"]
    assert set(current.get_column("encounter_id")) == {key}
    history = store.history()
    assert history.height == 2 * n
    assert history.get_column("decision").to_list() == ["confirm"] * n + ["dismiss"] * n
    assert current.schema["decided_at"] == pl.Datetime("us", "UTC")


def test_decide_refuses_findings_of_another_encounter_and_writes_nothing(
    state: ReviewState, store: ReviewStore, result: tk.AuditResult
) -> None:
    state.goto("E0000021")
    other = result.findings.filter(pl.col("encounter_id") == "E0000027")
    assert other.height == 2
    with pytest.raises(KeyError, match="not findings of the current encounter"):
        state.decide("confirm", finding_ids=other.get_column("finding_id").to_list())
    with pytest.raises(ValueError, match="decision must be one of"):
        state.decide("approve")
    with pytest.raises(ValueError, match="finding_ids is empty"):
        state.decide("confirm", finding_ids=[])
    assert store.history().height == 0


def test_navigation_stays_inside_the_worklist(state: ReviewState) -> None:
    keys = state.keys
    assert state.current_key == keys[0]
    assert state.previous() == keys[0]
    assert state.next() == keys[1]
    assert state.goto(keys[-1]) == keys[-1]
    assert state.next() == keys[-1]
    assert state.goto("C0001459") == "claim:C0001459"  # a bare claim id without an encounter
    with pytest.raises(KeyError, match="no worklist entry with that key"):
        state.goto("E9999999")


@pytest.mark.parametrize(
    ("name", "value", "column"),
    [
        ("rule", "TM005", "rule_code"),
        ("severity", "warning", "severity"),
        ("payer", "MEDICARE", "payer"),
        ("provider", "1690473123", "rendering_npi"),
    ],
)
def test_finding_filters_keep_encounters_with_a_matching_finding(
    state: ReviewState, result: tk.AuditResult, name: str, value: str, column: str
) -> None:
    keys = state.set_filters(**{name: value})
    expected = _expected_keys(result.findings.filter(pl.col(column) == value))
    assert set(keys) == expected
    assert 0 < len(keys) < len(state.all_keys)
    reviewed, total = state.progress()
    assert (reviewed, total) == (0, len(keys))
    assert state.progress_text() == (
        f"0 of {len(keys)} encounters reviewed (filtered; 0 of 300 overall)"
    )
    assert state.set_filters(**{name: None}) == state.set_sort("exposure")
    assert len(state.keys) == 300


def test_status_filters_and_the_worklist_snapshot(state: ReviewState) -> None:
    first, second, third = state.keys[:3]
    state.decide("confirm")
    state.goto(second)
    state.decide("needs_query")
    assert state.set_filters(status="reviewed") == [first, second]
    assert state.set_filters(status="needs_query") == [second]
    assert state.set_filters(status="confirm") == [first]
    unreviewed = state.set_filters(status="unreviewed")
    assert len(unreviewed) == 298
    assert first not in unreviewed
    assert second not in unreviewed
    assert state.current_key == third  # the current entry left the list: the first one is current
    # deciding does not drop the entry from the snapshot until the filters change
    state.decide("dismiss")
    assert third in state.keys
    assert third not in state.refresh()
    with pytest.raises(KeyError, match="outside the filtered worklist"):
        state.goto(first)
    with pytest.raises(ValueError, match="status filter must be one of"):
        state.set_filters(status="done")
    with pytest.raises(ValueError, match="no filter colour"):
        state.set_filters(colour="red")


def test_empty_worklist(state: ReviewState) -> None:
    assert state.set_filters(status="reviewed") == []
    assert state.current_key is None
    assert state.view() is None
    assert state.next() is None
    assert state.progress_text() == "0 of 0 encounters reviewed (filtered; 0 of 300 overall)"
    with pytest.raises(ValueError, match="the worklist is empty"):
        state.decide("confirm")


def test_reopening_resumes_each_reviewers_position(result: tk.AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "review.sqlite"
    with ReviewStore(path) as store:
        alice = ReviewState(result, store=store, reviewer="alice")
        alice.goto(alice.keys[10])
        alice.next()
        bob = ReviewState(result, store=store, reviewer="bob")
        bob.goto("claim:C0000956")
    with ReviewStore(path) as store:
        assert ReviewState(result, store=store, reviewer="alice").current_key == alice.keys[11]
        assert ReviewState(result, store=store, reviewer="bob").current_key == "claim:C0000956"
        assert ReviewState(result, store=store, reviewer="carol").index == 0


def test_two_reviewers_on_one_file_see_each_others_decisions(
    result: tk.AuditResult, tmp_path: Path
) -> None:
    path = tmp_path / "review.sqlite"
    with ReviewStore(path) as a, ReviewStore(path) as b:
        alice = ReviewState(result, store=a, reviewer="alice")
        bob = ReviewState(result, store=b, reviewer="bob")
        for i in range(6):  # interleaved: alice takes even entries, bob odd ones
            (alice if i % 2 == 0 else bob).goto(alice.keys[i])
            (alice if i % 2 == 0 else bob).decide("confirm" if i % 2 == 0 else "dismiss")
        bob.goto(alice.keys[0])
        bob.decide("needs_query", note="disagree")  # bob overrides alice on entry 0
        for s in (alice, bob):
            assert s.progress() == (6, 300)
            current = s.decisions()
            assert set(current.get_column("reviewer")) == {"alice", "bob"}
            first = current.filter(pl.col("encounter_id") == alice.keys[0])
            assert first.get_column("decision").unique().to_list() == ["needs_query"]
        # append-only: the overridden rows are still there
        overridden = first.height
        assert a.history().height == b.history().height == alice.decisions().height + overridden


def test_view_shows_lines_documentation_coverage_and_rule_docs(state: ReviewState) -> None:
    # E0000835: three claims of one 90834 visit, the second and third billed as duplicates
    state.goto("E0000835")
    view = state.view()
    assert view is not None
    assert (view.key, view.encounter_id, view.person_id) == ("E0000835", "E0000835", "P000496")
    assert view.date_of_service == date(2024, 11, 13)
    assert view.lines.get_column("claim_id").to_list() == ["C0000836", "C0000852", "C0000867"]
    assert view.lines.get_column("findings").to_list() == ["", "FQ004", "FQ004"]
    assert view.lines.schema["charge_amount"] == pl.Decimal(12, 2)
    assert set(view.lines.columns) >= {"hcpcs_code", "modifiers", "place_of_service_code"}
    assert view.documentation is not None
    assert view.documentation["modality"] == "in_person"
    assert view.documentation["total_minutes"] == 52
    assert view.coverage is not None
    assert view.coverage.get_column("payer").to_list() == ["AETNA"]
    assert view.rule_docs == {"FQ004": rules.get("FQ004").doc}
    assert view.findings.get_column("decision").null_count() == 2


def test_view_of_a_claim_without_encounter(state: ReviewState) -> None:
    state.goto("claim:C0000710")  # two lines, neither with an encounter
    view = state.view()
    assert view is not None
    assert view.encounter_id is None
    assert view.lines.get_column("claim_id").to_list() == ["C0000710", "C0000710"]
    assert view.documentation is None
    assert "no encounter matches" in view.documentation_note


def test_a_result_audited_without_encounters_or_coverage(tmp_path: Path) -> None:
    bare = tk.audit(SAMPLES / "claims.csv", policies=SAMPLES / "policies.toml")
    with ReviewStore(tmp_path / "r.sqlite") as store:
        state = ReviewState(bare, store=store, reviewer="alice")
        view = state.view()
        assert view is not None
        assert view.documentation is None
        assert view.documentation_note == "no encounters table was given to the audit"
        assert view.coverage is None
        assert view.coverage_note == "no coverage table was given to the audit"


def test_reviewer_is_required(result: tk.AuditResult, store: ReviewStore) -> None:
    with pytest.raises(ValueError, match="reviewer must be a non-empty name"):
        ReviewState(result, store=store, reviewer=" ")


def test_an_audit_without_findings_gives_an_empty_worklist(
    result: tk.AuditResult, store: ReviewStore
) -> None:
    clean = dataclasses.replace(result, findings=result.findings.clear())
    state = ReviewState(clean, store=store, reviewer="alice")
    assert state.keys == []
    assert state.progress_text() == "0 of 0 encounters reviewed"
    assert state.view() is None
    assert state.decisions().height == 0


def test_next_undecided_skips_reviewed_entries_and_wraps_round(state: ReviewState) -> None:
    keys = state.keys
    # decide entries 2 and 3 from another position, then stand on entry 1
    state.goto(keys[1])
    state.decide("confirm")
    state.goto(keys[2])
    state.decide("dismiss")
    state.goto(keys[0])
    assert state.next_undecided() == keys[0]  # the current entry is still open: stay
    state.decide("confirm")
    assert state.next_undecided() == keys[3]  # 2 and 3 are reviewed
    # from the last entry, the next open one is found from the top
    state.goto(keys[-1])
    state.decide("confirm")
    assert state.next_undecided() == keys[3]
    assert state.store.position("alice") == keys[3]  # the move is saved like any other


def test_next_undecided_stays_when_everything_is_reviewed(state: ReviewState) -> None:
    keys = state.set_filters(rule="DC003")
    for key in keys:
        state.goto(key)
        state.decide("dismiss")
    state.goto(keys[0])
    assert state.next_undecided() == keys[0]
    state.set_filters(rule=None, status="reviewed")
    assert state.next_undecided() == state.current_key


def test_decide_and_next_moves_only_once_the_entry_is_decided(state: ReviewState) -> None:
    state.goto("E0000021")  # two findings on one line
    first, second = state.current_findings().get_column("finding_id").to_list()
    after = state.keys[state.index + 1]
    assert state.decide_and_next("needs_query", finding_ids=[second]) == 1
    assert state.current_key == "E0000021"  # one finding is still undecided: stay
    assert state.decide_and_next("confirm", finding_ids=[first], note="seen") == 1
    assert state.current_key == after
    assert dict(state.decisions().select("finding_id", "decision").iter_rows()) == {
        first: "confirm",
        second: "needs_query",
    }
    # decide() alone never moves
    assert state.decide("dismiss") >= 1
    assert state.current_key == after
