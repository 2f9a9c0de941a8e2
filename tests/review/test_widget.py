"""EncounterReview driven as a user would, with ``button.click()`` (no browser)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import polars as pl
import pytest

import telekit as tk
from telekit import rules
from telekit.review import EncounterReview, ReviewStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture
def review(result: tk.AuditResult, tmp_path: Path) -> Iterator[EncounterReview]:
    app = EncounterReview(result, db=tmp_path / "review.sqlite", reviewer="alice")
    yield app
    app.close()


def _classes(w: widgets.Widget) -> list[str]:
    return list(w._dom_classes)


def _all_widgets(root: widgets.Widget) -> Iterator[widgets.Widget]:
    yield root
    for child in getattr(root, "children", ()):
        yield from _all_widgets(child)


def test_css_classes_for_tests_and_styling(review: EncounterReview) -> None:
    assert "telekit-review" in _classes(review.widget)
    expected = {
        review.confirm_button: "telekit-review-confirm",
        review.dismiss_button: "telekit-review-dismiss",
        review.needs_query_button: "telekit-review-needs-query",
        review.next_button: "telekit-review-next",
        review.prev_button: "telekit-review-prev",
        review.note: "telekit-review-note",
        review.progress: "telekit-review-progress",
    }
    shown = list(_all_widgets(review.widget))
    for w, css in expected.items():
        assert css in _classes(w)
        assert w in shown, f"{css} is not inside the app"
    assert {f"telekit-review-filter-{n}" for n in review.filters} == {
        c for n in review.filters for c in _classes(review.filters[n])
    }
    assert isinstance(review.note, widgets.Textarea)


def _finding_texts(review: EncounterReview) -> list[str]:
    return [w.value for w in _all_widgets(review.findings_box) if isinstance(w, widgets.HTML)]


def test_clicking_confirm_saves_and_moves_to_the_next_encounter(
    review: EncounterReview, tmp_path: Path
) -> None:
    assert review.move_on.value  # "Save & next" is the default
    assert review.progress.value == "0 of 300 encounters reviewed"
    keys = review.state.keys
    key = review.current_key
    assert key == keys[0]
    assert review.position.value == f"1 of 300: {key}"
    n = len(review.finding_checks)
    review.note.value = "modifier 95 missing on the claim"
    review.confirm_button.click()
    assert review.progress.value == "1 of 300 encounters reviewed"
    assert review.status.value == f"Confirm: {n} findings of {key} saved"
    assert review.note.value == ""  # the note went with the decision
    assert review.current_key == keys[1]
    assert review.position.value == f"2 of 300: {keys[1]}"
    assert all("no decision yet" in t for t in _finding_texts(review) if "Suggested fix" in t)
    with ReviewStore(tmp_path / "review.sqlite") as store:
        saved = store.current()
    assert saved.height == n
    assert set(saved.get_column("encounter_id")) == {key}
    assert saved.get_column("note").unique().to_list() == ["modifier 95 missing on the claim"]
    review.prev_button.click()
    texts = _finding_texts(review)
    assert sum("<b>Confirm</b> by alice" in t for t in texts) == n
    assert sum("modifier 95 missing on the claim" in t for t in texts) == n


def test_save_and_next_skips_reviewed_encounters(review: EncounterReview) -> None:
    keys = review.state.keys
    review.goto(keys[1])
    review.decide("dismiss")  # the Python API does not move
    assert review.current_key == keys[1]
    review.goto(keys[0])
    review.dismiss_button.click()
    assert review.current_key == keys[2]  # keys[1] is already reviewed


def test_unticking_move_on_stays_on_the_encounter(review: EncounterReview) -> None:
    key = review.current_key
    n = len(review.finding_checks)
    review.move_on.value = False
    review.confirm_button.click()
    assert review.current_key == key
    assert review.progress.value == "1 of 300 encounters reviewed"
    assert sum("<b>Confirm</b> by alice" in t for t in _finding_texts(review)) == n
    assert review.decide("dismiss", move_on=True) == n  # the keyword does what a click does
    assert review.current_key == review.state.keys[1]


def test_keyboard_shortcuts_decide_and_move(review: EncounterReview) -> None:
    keys = review.state.keys
    assert review.shortcuts.shortcuts == ["c", "d", "q", "n", "p"]
    assert review.shortcuts in list(_all_widgets(review.bar))
    assert "telekit-review-keys" in _classes(review.shortcuts)
    review.shortcuts.press("n")
    assert review.current_key == keys[1]
    review.shortcuts.press("p")
    assert review.current_key == keys[0]
    review.note.value = "from the keyboard"
    review.shortcuts.press("d")  # what the browser sends for the key d
    assert review.current_key == keys[1]  # saved and moved on
    decided = review.decisions()
    assert set(decided.get_column("encounter_id")) == {keys[0]}
    assert decided.get_column("decision").unique().to_list() == ["dismiss"]
    assert decided.get_column("note").unique().to_list() == ["from the keyboard"]
    review.shortcuts.press("q")
    review.shortcuts.press("c")
    decided = dict(
        review.decisions().group_by("encounter_id").agg(pl.col("decision").first()).iter_rows()
    )
    assert decided == {keys[0]: "dismiss", keys[1]: "needs_query", keys[2]: "confirm"}
    review.shortcuts.press("x")  # not a shortcut: nothing happens
    assert review.current_key == keys[3]


def test_buttons_colours_and_tooltips_name_the_shortcut(review: EncounterReview) -> None:
    assert review.dismiss_button.button_style == ""  # neutral, not green "success"
    assert review.confirm_button.button_style == "danger"
    assert review.needs_query_button.button_style == "warning"
    for button, key in (
        (review.confirm_button, "c"),
        (review.dismiss_button, "d"),
        (review.needs_query_button, "q"),
        (review.next_button, "n"),
        (review.prev_button, "p"),
    ):
        assert f"({key})" in button.tooltip or f"(key {key})" in button.tooltip, button.tooltip


def test_decision_bar_sits_right_above_the_findings(review: EncounterReview) -> None:
    children = list(review.widget.children)
    bar = children.index(review.bar)
    assert children[bar + 1 : bar + 4] == [review.encounter, review.findings_box, review.details]
    inside = list(_all_widgets(review.bar))
    for w in (
        review.prev_button,
        review.next_button,
        review.position,
        review.note,
        review.move_on,
        review.status,
        *review.decision_buttons.values(),
    ):
        assert w in inside
    assert "telekit-review-bar" in _classes(review.bar)
    assert "telekit-review-move-on" in _classes(review.move_on)
    assert "telekit-review-details" in _classes(review.details)


def test_tables_are_readable(review: EncounterReview, result: tk.AuditResult) -> None:
    review.goto("E0000835")  # three lines, two of them FQ004 duplicates
    details = review.details.value
    lines = result.claims.filter(pl.col("encounter_id") == "E0000835")
    for charge in lines.get_column("charge_amount"):
        assert f"${charge:,.2f}</td>" in details
    for dtype in ("decimal[", ">str<", ">date<", ">i64<", ">bool<"):
        assert dtype not in details
        assert all(dtype not in t for t in _finding_texts(review))
    header = details.split("<b>Claim lines</b>")[1].split("</thead>")[0]
    for label in ("Claim", "Line", "Date of service", "Code", "Units", "Charge", "Rendering NPI"):
        assert f"<th>{label}</th>" in header
    assert "claim_line_start_date" not in details
    assert "<th>Total minutes</th>" in details  # documentation fields labelled too
    assert "<th>MDM level</th>" in details
    assert "<th>Enrolled from</th>" in details
    dos = lines.get_column("claim_line_start_date").min()
    assert f"<td>{dos.isoformat()}</td>" in details
    bodies = [t for t in _finding_texts(review) if "Suggested fix" in t]
    assert len(bodies) == 2
    for body in bodies:
        assert "telekit-review-finding-table" in body
        assert "<th>Finding</th>" in body
        assert "<th>Suggested fix</th>" in body
    assert "white-space: normal" in review.widget.children[0].value  # messages wrap


def test_next_previous_and_go_to(review: EncounterReview) -> None:
    keys = review.state.keys
    assert review.prev_button.disabled
    review.next_button.click()
    assert review.position.value == f"2 of 300: {keys[1]}"
    assert not review.prev_button.disabled
    review.prev_button.click()
    assert review.current_key == keys[0]
    review.goto_key.value = "C0001079"  # a bare claim id without an encounter
    review.goto_button.click()
    assert review.current_key == "claim:C0001079"
    assert "claim:C0001079" in review.encounter.value
    review.goto_key.value = "nope"
    review.goto_button.click()
    assert review.current_key == "claim:C0001079"
    assert review.status.value.startswith("no worklist entry with that key")
    review.goto(keys[-1])
    assert review.next_button.disabled
    assert review.previous() == keys[-2]
    assert review.next() == keys[-1]


def test_chosen_findings_only(review: EncounterReview) -> None:
    review.goto("E0000021")  # two findings on one line
    assert review.scope.value == "Decisions apply to all 2 findings of this encounter"
    first, second = review.finding_checks
    review.finding_checks[second].value = True
    assert review.scope.value == "Decisions apply to 1 chosen of 2 findings"
    review.needs_query_button.click()
    decided = review.decisions()
    assert decided.select("finding_id", "decision").rows() == [(second, "needs_query")]
    assert review.progress.value == "0 of 300 encounters reviewed"
    assert review.current_key == "E0000021"  # a finding is still undecided: stay
    assert not any(box.value for box in review.finding_checks.values())  # choice is reset
    review.dismiss_button.click()  # nothing chosen: the whole encounter
    assert review.progress.value == "1 of 300 encounters reviewed"
    assert review.current_key != "E0000021"  # reviewed: moved on
    assert dict(review.decisions().select("finding_id", "decision").iter_rows()) == {
        first: "dismiss",
        second: "dismiss",
    }


def test_encounter_panel_shows_lines_documentation_coverage_and_rule_docs(
    review: EncounterReview,
) -> None:
    review.goto("E0000835")  # three lines, two of them FQ004 duplicates
    page = review.encounter.value + review.details.value
    for text in ("C0000852", "90834", "in_person", "Total minutes", "AETNA", "Aetna Choice POS II"):
        assert html.escape(text) in page, text
    assert "Coverage on 2024-11-13" in review.details.value
    docs = [w for w in _all_widgets(review.findings_box) if isinstance(w, widgets.Accordion)]
    assert len(docs) == 2
    for accordion in docs:
        assert accordion.selected_index is None  # collapsed until opened
        assert accordion.titles == ("FQ004 — rule documentation",)
        assert html.escape(rules.get("FQ004").doc) in accordion.children[0].value
        assert "telekit-review-rule-doc" in _classes(accordion)


def test_a_filter_dropdown_narrows_the_worklist(
    review: EncounterReview, result: tk.AuditResult
) -> None:
    expected = (
        result.findings.filter(pl.col("rule_code") == "TM005")
        .select(pl.coalesce("encounter_id", pl.lit("claim:") + pl.col("claim_id")))
        .n_unique()
    )
    review.filters["rule"].value = "TM005"
    assert review.progress.value == (
        f"0 of {expected} encounters reviewed (filtered; 0 of 300 overall)"
    )
    assert review.position.value.startswith(f"1 of {expected}: ")
    assert set(review.goto_key.options) == set(review.state.keys)
    review.filters["status"].value = "reviewed"
    assert review.position.value == "0 of 0"
    assert review.confirm_button.disabled
    assert review.next_button.disabled
    assert "No encounter matches the filters." in review.encounter.value
    review.set_filters(rule=None, status=None)
    assert review.filters["rule"].value == ""
    assert review.progress.value == "0 of 300 encounters reviewed"
    assert not review.confirm_button.disabled


def test_provider_filter_shows_names_from_the_roster(review: EncounterReview) -> None:
    labels = dict(review.filters["provider"].options)
    assert labels["any"] == ""
    assert any(label.endswith(" — Samuel Adeyemi") for label in labels)


def test_worklist_table_renders_when_opened(review: EncounterReview) -> None:
    assert review.worklist_html.value == ""
    review.worklist.selected_index = 0
    # header + the first 200 of the 300 entries, and a note for the rest
    assert review.worklist_html.value.count("<tr>") == 201
    assert "100 more; use the filters or Go to" in review.worklist_html.value
    first = review.state.keys[0]
    assert review.worklist_html.value.index(first) < review.worklist_html.value.index(
        review.state.keys[1]
    )


def test_reopening_resumes_where_the_reviewer_was(result: tk.AuditResult, tmp_path: Path) -> None:
    db = tmp_path / "review.sqlite"
    app = EncounterReview(result, db=db, reviewer="alice")
    app.next_button.click()
    app.next_button.click()
    where = app.current_key
    app.close()
    again = EncounterReview(result, db=db, reviewer="alice")
    try:
        assert again.current_key == where
        assert again.position.value == f"3 of 300: {where}"
    finally:
        again.close()


def test_display_is_the_app_widget(review: EncounterReview) -> None:
    bundle = review._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == (
        review.widget.model_id
    )
    assert repr(review).startswith("EncounterReview(0 of 300 encounters reviewed; reviewer")


def test_decide_method_updates_the_page_too(review: EncounterReview) -> None:
    key = review.current_key
    n = len(review.finding_checks)
    assert review.decide("Needs query", note="ask the clinician") == n
    assert review.status.value == f"Needs query: {n} finding{'' if n == 1 else 's'} of {key} saved"
    assert review.progress.value == "1 of 300 encounters reviewed"
    with pytest.raises(ValueError, match="decision must be one of"):
        review.decide("approve")


def test_money_is_shown_kind_by_kind_with_its_basis(review: EncounterReview) -> None:
    # E0000021: one paid line with two error findings (PR002, TH001): overpaid, not "at risk"
    review.goto("E0000021")
    findings = review.state.current_findings()
    paid = findings.get_column("exposure_amount").max()
    charge = findings.get_column("charge_amount").max()
    assert review.encounter.value.count(f"${paid:,.2f} overpaid") == 1
    texts = [w.value for w in _all_widgets(review.findings_box) if isinstance(w, widgets.HTML)]
    bodies = [t for t in texts if "Suggested fix" in t]
    assert len(bodies) == 2
    for body in bodies:
        assert f"overpaid ${paid:,.2f} (paid + patient share)</span>" in body
        assert f"charge ${charge:,.2f}" in body  # the charge only labelled as a charge
        assert "Error findings on lines the payer paid" in body  # the meaning, on hover
    assert "dollars at risk" not in review.encounter.value.lower()
    review.worklist.selected_index = 0
    header = review.worklist_html.value.split("</thead>")[0]
    assert [h for h in ("Overpaid", "Denied", "At risk", "Underpaid") if h in header] == [
        "Overpaid",
        "Denied",
        "At risk",
        "Underpaid",
    ]
    assert review.sort.value == "exposure"
