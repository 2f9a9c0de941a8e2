"""``EncounterReview``: the ipywidgets view of a ``ReviewState``.

The widget renders the state and forwards clicks; every figure it shows comes from the state
(and through it from the review file). Each control carries a ``telekit-review-*`` CSS class so
tests and stylesheets can find it: ``telekit-review`` (the whole app), ``-progress``, ``-prev``,
``-next``, ``-goto``, ``-goto-key``, ``-position``, ``-confirm``, ``-dismiss``, ``-needs-query``,
``-note``, ``-status``, ``-scope``, ``-encounter``, ``-findings``, ``-finding``, ``-select``,
``-rule-doc``, ``-money`` (an entry's or a finding's money, its meaning on hover), ``-worklist``,
``-sort``, ``-filter-<rule|severity|provider|payer|status>``, ``-bar`` (the decision bar, just
above the findings and sticky), ``-move-on`` ("Move on after a decision"), ``-details`` (claim
lines, documentation, coverage, below the findings), ``-keys`` (the keyboard shortcuts),
``-table`` and ``-finding-table``.

"Save & next": with *Move on after a decision* ticked (the default), a click on a decision saves
it and moves to the next entry with an undecided finding (``ReviewState.next_undecided``).
Keyboard shortcuts, when the focus is in the app and not in a text box: ``c`` / ``d`` / ``q``
decide (as the buttons do), ``n`` / ``p`` next / previous (``telekit.review._keys``).

Money is shown kind by kind (overpaid, denied, at risk, underpaid; DESIGN §4), never added
together; a line's charge is shown only labelled as a charge.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import polars as pl

from telekit._core import _columns as c
from telekit._engine._annotate import ENCOUNTER_FIELDS
from telekit._engine._result import EXPOSURE_KINDS, EXPOSURE_MEANING, EXPOSURE_WORDS
from telekit.review._keys import KeyShortcuts
from telekit.review._state import (
    KEY,
    EncounterView,
    ReviewState,
    finding_money,
    money_text,
)
from telekit.review._store import ReviewStore, normalize_decision

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult

_WORKLIST_ROWS_SHOWN = 200
_GOTO_OPTIONS = 2000  # autocomplete suggestions sent to the browser; Go to accepts any key
_DOC_FIELDS = (c.ENCOUNTER_ID, *ENCOUNTER_FIELDS)  # what the annotation joins to a line
_COVERAGE_FIELDS = (
    c.PAYER,
    c.PAYER_TYPE,
    c.PLAN_NAME,
    c.ENROLLMENT_START_DATE,
    c.ENROLLMENT_END_DATE,
    c.TELEHEALTH_COVERED,
)
# readable column labels (display only; the state keeps the canonical names); a column not
# named here is shown with its underscores as spaces, first letter capitalised
_LABELS = {
    KEY: "Entry",
    c.ENCOUNTER_ID: "Encounter",
    c.CLAIM_ID: "Claim",
    c.CLAIM_LINE_NUMBER: "Line",
    c.CLAIM_LINE_START_DATE: "Date of service",
    c.HCPCS_CODE: "Code",
    c.PLACE_OF_SERVICE_CODE: "POS",
    c.SERVICE_UNIT_QUANTITY: "Units",
    c.CHARGE_AMOUNT: "Charge",
    c.RENDERING_NPI: "Rendering NPI",
    c.CLAIM_FREQUENCY_CODE: "Frequency",
    c.PAYER_TYPE: "Payer type",
    c.PLAN_NAME: "Plan",
    c.ENROLLMENT_START_DATE: "Enrolled from",
    c.ENROLLMENT_END_DATE: "Enrolled to",
    c.TELEHEALTH_COVERED: "Telehealth covered",
    c.MDM_LEVEL: "MDM level",
    "rule_codes": "Rules",
    **{k: EXPOSURE_WORDS[k].capitalize() for k in EXPOSURE_KINDS},
}
_DECISION_LABELS = {"confirm": "Confirm", "dismiss": "Dismiss", "needs_query": "Needs query"}
_DECISION_CLASSES = {
    "confirm": "telekit-review-confirm",
    "dismiss": "telekit-review-dismiss",
    "needs_query": "telekit-review-needs-query",
}
# Dismiss is neutral (the default grey): green would read as "approve"
_DECISION_STYLES = {"confirm": "danger", "dismiss": "", "needs_query": "warning"}
_DECISION_KEYS = {"confirm": "c", "dismiss": "d", "needs_query": "q"}
_DECISION_HELP = {
    "confirm": "the finding is right: the claim needs fixing",
    "dismiss": "the finding does not apply here",
    "needs_query": "ask the clinician or the payer before deciding",
}
_STYLE = """<style>
.telekit-review table.telekit-review-table {border-collapse: collapse; font-size: 12px;
  margin: 2px 0 8px 0}
.telekit-review table.telekit-review-table th, .telekit-review table.telekit-review-table td {
  border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top}
.telekit-review table.telekit-review-table td {white-space: nowrap}
.telekit-review table.telekit-review-table td.telekit-review-num {text-align: right}
.telekit-review table.telekit-review-finding-table {width: 100%; max-width: 70em}
.telekit-review table.telekit-review-finding-table th {width: 8em; background: #f6f6f6}
.telekit-review table.telekit-review-finding-table td {white-space: normal;
  overflow-wrap: anywhere}
.telekit-review .telekit-review-muted {color: #666; margin: 2px 0 8px 0; font-style: italic}
.telekit-review .telekit-review-bar {position: sticky; top: 0; z-index: 10; background: #fff;
  border-bottom: 1px solid #ccc; padding: 4px 0}
.telekit-review:focus {outline: none}
</style>"""


def _label(column: str) -> str:
    """A column's readable label: ``claim_line_start_date`` -> ``Date of service``."""
    if column in _LABELS:
        return _LABELS[column]
    words = column.replace("_", " ")
    return words[:1].upper() + words[1:]


def _text(value: Any, *, money: bool = False) -> str:
    """A value as a reviewer reads it: money as ``$1,234.50``, dates as ``YYYY-MM-DD``, times
    to the minute, yes / no, quantities without trailing zeros."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, Decimal) and money:
        text = f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"
    elif isinstance(value, Decimal):
        text = f"{value.normalize():f}"
    else:
        text = str(value)
    return text


def _is_money(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.Decimal) and dtype.scale == 2


def _table(df: pl.DataFrame, *, css: str = "") -> str:
    """A small frame as an escaped HTML table with readable column labels, money as
    ``$1,234.50``, numbers right-aligned (display only; a handful of rows; no dtype row)."""
    money = [_is_money(t) for t in df.dtypes]
    numeric = [t.is_numeric() for t in df.dtypes]
    head = "".join(f"<th>{html.escape(_label(col))}</th>" for col in df.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=telekit-review-num' if num else ''}>{html.escape(_text(v, money=m))}</td>"
            for v, m, num in zip(row, money, numeric, strict=True)
        )
        + "</tr>"
        for row in df.rows()
    )
    return (
        f"<div style='overflow-x:auto'><table class='telekit-review-table {css}'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _record(fields: Iterable[str], row: dict[str, Any]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(_label(f))}</th><td>{html.escape(_text(row.get(f)))}</td></tr>"
        for f in fields
    )
    return f"<table class='telekit-review-table'><tbody>{cells}</tbody></table>"


def _note(text: str) -> str:
    return f"<p class='telekit-review-muted'>{html.escape(text)}</p>"


def _meaning(exposure: str | None) -> str:
    """The kind's meaning, escaped for a title attribute (empty for ``none``)."""
    return html.escape(EXPOSURE_MEANING.get(exposure or "", ""), quote=True)


def _charge(amount: Decimal | None) -> str:
    """The line's charge, labelled as a charge (never as money at stake)."""
    return "" if amount is None else f" · charge ${amount:,.2f}"


def _money_html(exposure: dict[str, Decimal]) -> str:
    """An entry's money, each kind with its meaning on hover."""
    meanings = " ".join(f"{EXPOSURE_WORDS[k]}: {EXPOSURE_MEANING[k]}" for k in EXPOSURE_KINDS)
    return (
        f"<span class='telekit-review-money' title='{html.escape(meanings, quote=True)}'>"
        f"{html.escape(money_text(exposure))}</span>"
    )


class EncounterReview:
    """Review an ``AuditResult`` encounter by encounter; every decision is written to the SQLite
    file ``db`` the moment it is made.

    Display it as the last expression of a cell. ``reviewer`` names who decides; each
    reviewer's position in the worklist is kept in the file and reopening resumes there.
    """

    def __init__(
        self,
        result: AuditResult,
        *,
        db: str | Path,
        reviewer: str,
        sort: str = "exposure",
    ) -> None:
        self.state = ReviewState(result, store=ReviewStore(db), reviewer=reviewer, sort=sort)
        self._finding_widgets: list[widgets.Widget] = []
        self.finding_checks: dict[str, widgets.Checkbox] = {}

        self.progress = widgets.Label()
        self.progress.add_class("telekit-review-progress")

        self.filters: dict[str, widgets.Dropdown] = self._filter_dropdowns()
        self.sort = self._sort_dropdown()

        self.worklist_html = widgets.HTML()
        self.worklist = widgets.Accordion(children=[self.worklist_html], titles=("Worklist",))
        self.worklist.selected_index = None
        self.worklist.add_class("telekit-review-worklist")
        self.worklist.observe(lambda _: self._render_worklist(), names="selected_index")

        self.prev_button = self._button(
            "◀ Previous", "telekit-review-prev", self.previous, "Previous entry (p)"
        )
        self.next_button = self._button(
            "Next ▶", "telekit-review-next", self.next, "Next entry (n)"
        )
        self.position = widgets.Label()
        self.position.add_class("telekit-review-position")
        self.goto_key = widgets.Combobox(
            placeholder="encounter_id or claim:<claim_id>", ensure_option=False
        )
        self.goto_key.add_class("telekit-review-goto-key")
        self.goto_button = widgets.Button(description="Go to")
        self.goto_button.add_class("telekit-review-goto")
        self.goto_button.on_click(lambda _: self._goto_clicked())

        self.encounter = widgets.HTML()
        self.encounter.add_class("telekit-review-encounter")
        self.details = widgets.HTML()
        self.details.add_class("telekit-review-details")
        self.findings_box = widgets.VBox()
        self.findings_box.add_class("telekit-review-findings")

        self.note = widgets.Textarea(
            placeholder="note (saved with the next decision)",
            layout=widgets.Layout(width="40em", height="3.5em"),
        )
        self.note.add_class("telekit-review-note")
        self.decision_buttons: dict[str, widgets.Button] = self._decision_buttons()
        self.confirm_button = self.decision_buttons["confirm"]
        self.dismiss_button = self.decision_buttons["dismiss"]
        self.needs_query_button = self.decision_buttons["needs_query"]
        self.move_on = widgets.Checkbox(
            value=True,
            description="Move on after a decision",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.move_on.tooltip = (
            "On: a decision saves and moves to the next encounter with an undecided finding. "
            "Off: stay on the encounter."
        )
        self.move_on.add_class("telekit-review-move-on")
        self.shortcuts = KeyShortcuts([*_DECISION_KEYS.values(), "n", "p"])
        self.shortcuts.add_class("telekit-review-keys")
        self.shortcuts.on_key(self._on_key)
        self.scope = widgets.Label()
        self.scope.add_class("telekit-review-scope")
        self.status = widgets.Label()
        self.status.add_class("telekit-review-status")

        title = widgets.HTML(
            f"{_STYLE}<b>Encounter review</b> — reviewer <code>{html.escape(reviewer)}</code>, "
            f"file <code>{html.escape(Path(db).name)}</code>"
        )
        self.bar = self._decision_bar()
        self.widget = widgets.VBox(
            [
                title,
                self.progress,
                widgets.HBox(
                    [*self.filters.values(), self.sort],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.worklist,
                self.bar,
                self.encounter,
                self.findings_box,
                self.details,
            ]
        )
        self.widget.add_class("telekit-review")
        self._render()

    def _decision_bar(self) -> widgets.VBox:
        """Navigation, decisions and the note, right above the findings (sticky)."""
        keys_help = widgets.HTML(
            "<span class='telekit-review-muted'>keys: c confirm · d dismiss · q needs query · "
            "n next · p previous (click the app first; not while typing a note)</span>"
        )
        bar = widgets.VBox(
            [
                widgets.HBox(
                    [
                        self.prev_button,
                        self.position,
                        self.next_button,
                        self.goto_key,
                        self.goto_button,
                    ],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                widgets.HBox(
                    [*self.decision_buttons.values(), self.move_on, self.shortcuts],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                widgets.HBox(
                    [self.note, widgets.VBox([self.scope, self.status, keys_help])],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        bar.add_class("telekit-review-bar")
        return bar

    # --- public API (the widget's buttons call these) ----------------------------------------

    def next(self) -> str | None:
        """Move to the next encounter; returns its key."""
        key = self.state.next()
        self._render()
        return key

    def previous(self) -> str | None:
        """Move to the previous encounter; returns its key."""
        key = self.state.previous()
        self._render()
        return key

    def goto(self, key: str) -> str:
        """Move to worklist ``key`` (encounter_id or ``claim:<claim_id>``); returns it."""
        target = self.state.goto(key)
        self._render()
        return target

    def decide(
        self,
        decision: str,
        *,
        note: str = "",
        finding_ids: Iterable[str] | None = None,
        move_on: bool = False,
    ) -> int:
        """Record ``decision`` (confirm | dismiss | needs_query) for the current encounter's
        findings, or only ``finding_ids``; written to the review file at once. With
        ``move_on`` ("Save & next", what a click does while *Move on after a decision* is
        ticked) it then moves to the next encounter with an undecided finding
        (``ReviewState.next_undecided``). Returns how many findings were decided."""
        key = self.state.current_key
        if move_on:
            n = self.state.decide_and_next(decision, note=note, finding_ids=finding_ids)
        else:
            n = self.state.decide(decision, note=note, finding_ids=finding_ids)
        label = _DECISION_LABELS[normalize_decision(decision)]
        self.status.value = f"{label}: {n} finding{'' if n == 1 else 's'} of {key} saved"
        self._render()
        return n

    def decisions(self) -> pl.DataFrame:
        """The current decision per decided finding (latest per finding, any reviewer)."""
        return self.state.decisions()

    def set_filters(self, **changes: str | None) -> list[str]:
        """Filter the worklist (rule=, severity=, provider=, payer=, status=); returns its keys.
        Updates the dropdowns too."""
        keys = self.state.set_filters(**changes)
        for name, dropdown in self.filters.items():
            value = getattr(self.state.filters, name) or ""
            if dropdown.value != value:
                dropdown.unobserve(self._on_filter, names="value")
                dropdown.value = value
                dropdown.observe(self._on_filter, names="value")
        self._render()
        return keys

    @property
    def current_key(self) -> str | None:
        return self.state.current_key

    def close(self) -> None:
        """Close the widgets and the review file."""
        self._clear_findings()
        self.widget.close()
        self.state.store.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (
            f"EncounterReview({self.state.progress_text()}; reviewer {self.state.reviewer!r}, "
            f"file {self.state.store.path.name!r})"
        )

    # --- building ---------------------------------------------------------------------------

    def _filter_dropdowns(self) -> dict[str, widgets.Dropdown]:
        """One dropdown per worklist filter ("any" first; providers labelled with their name)."""
        options = self.state.options()
        names = self.state.provider_names()
        filters: dict[str, widgets.Dropdown] = {}
        for name, values in options.items():
            labels = [
                (f"{v} — {names[v]}" if name == "provider" and v in names else v, v) for v in values
            ]
            dropdown = widgets.Dropdown(
                options=[("any", ""), *labels],
                value="",
                description=name,
                layout=widgets.Layout(width="auto"),
                style={"description_width": "initial"},
            )
            dropdown.add_class(f"telekit-review-filter-{name}")
            dropdown.observe(self._on_filter, names="value")
            filters[name] = dropdown
        return filters

    def _sort_dropdown(self) -> widgets.Dropdown:
        """The worklist order (money kind by kind, date, key)."""
        sort = widgets.Dropdown(
            options=[
                ("money: overpaid, denied, at risk, underpaid", "exposure"),
                ("date", "date"),
                ("key", "key"),
            ],
            value=self.state.sort,
            description="sort",
            layout=widgets.Layout(width="auto"),
            style={"description_width": "initial"},
        )
        sort.tooltip = (
            "money: entries with the largest overpaid amount first, then denied, at risk and "
            "underpaid amounts (each kind on its own; never added together)"
        )
        sort.add_class("telekit-review-sort")
        sort.observe(self._on_sort, names="value")
        return sort

    def _decision_buttons(self) -> dict[str, widgets.Button]:
        """One button per decision (confirm, dismiss, needs_query)."""
        buttons: dict[str, widgets.Button] = {}
        for decision, label in _DECISION_LABELS.items():
            button = widgets.Button(
                description=label,
                button_style=_DECISION_STYLES[decision],
                tooltip=(
                    f"{label} (key {_DECISION_KEYS[decision]}): {_DECISION_HELP[decision]}; "
                    "applies to the ticked findings, or every finding of the encounter"
                ),
            )
            button.add_class(_DECISION_CLASSES[decision])
            button.on_click(lambda _, d=decision: self._decide_clicked(d))
            buttons[decision] = button
        return buttons

    # --- events ---------------------------------------------------------------------------

    def _button(self, label: str, css: str, action: Any, tooltip: str) -> widgets.Button:
        button = widgets.Button(description=label, tooltip=tooltip)
        button.add_class(css)
        button.on_click(lambda _: action())
        return button

    def _chosen(self) -> list[str] | None:
        chosen = [fid for fid, box in self.finding_checks.items() if box.value]
        return chosen or None

    def _decide_clicked(self, decision: str) -> None:
        try:
            self.decide(
                decision,
                note=self.note.value,
                finding_ids=self._chosen(),
                move_on=self.move_on.value,
            )
        except (ValueError, KeyError) as exc:
            self.status.value = str(exc).strip("'\"")
            return
        self.note.value = ""

    def _on_key(self, key: str) -> None:
        """A shortcut pressed in the browser: c / d / q decide, n / p move."""
        if self.state.current_key is None:
            return
        if key == "n":
            self.next()
        elif key == "p":
            self.previous()
        else:
            decision = {v: k for k, v in _DECISION_KEYS.items()}[key]
            self._decide_clicked(decision)

    def _goto_clicked(self) -> None:
        try:
            self.goto(self.goto_key.value)
        except KeyError as exc:
            self.status.value = str(exc).strip("'\"")
            return
        self.status.value = ""

    def _on_filter(self, _: Any) -> None:
        self.state.set_filters(**{name: d.value for name, d in self.filters.items()})
        self._render()

    def _on_sort(self, _: Any) -> None:
        self.state.set_sort(self.sort.value)
        self._render()

    def _on_check(self, _: Any) -> None:
        self._render_scope()

    # --- rendering ------------------------------------------------------------------------

    def _render(self) -> None:
        view = self.state.view()
        self.progress.value = self.state.progress_text()
        self.goto_key.options = tuple(self.state.keys[:_GOTO_OPTIONS])
        self._render_worklist()
        has = view is not None
        for button in (*self.decision_buttons.values(), self.prev_button, self.next_button):
            button.disabled = not has
        if view is None:
            self.position.value = "0 of 0"
            self.encounter.value = _note("No encounter matches the filters.")
            self.details.value = ""
            self._clear_findings()
            self._render_scope()
            return
        self.prev_button.disabled = view.position == 1
        self.next_button.disabled = view.position == view.total
        self.position.value = f"{view.position} of {view.total}: {view.key}"
        self.encounter.value = self._encounter_html(view)
        self.details.value = self._details_html(view)
        self._render_findings(view)
        self._render_scope()

    def _render_scope(self) -> None:
        chosen = self._chosen()
        total = len(self.finding_checks)
        if not total:
            self.scope.value = ""
        elif chosen is None and total == 1:
            self.scope.value = "Decisions apply to the one finding of this encounter"
        elif chosen is None:
            self.scope.value = f"Decisions apply to all {total} findings of this encounter"
        else:
            self.scope.value = f"Decisions apply to {len(chosen)} chosen of {total} findings"

    def _render_worklist(self) -> None:
        if self.worklist.selected_index is None:
            return
        table = self.state.worklist().select(
            KEY,
            "status",
            "findings",
            "decided",
            *EXPOSURE_KINDS,
            c.CLAIM_LINE_START_DATE,
            "rule_codes",
            "payers",
        )
        more = table.height - _WORKLIST_ROWS_SHOWN
        shown = _table(table.head(_WORKLIST_ROWS_SHOWN))
        if more > 0:
            shown += _note(f"{more} more; use the filters or Go to")
        self.worklist_html.value = f"<div style='max-height:24em;overflow:auto'>{shown}</div>"

    def _encounter_html(self, view: EncounterView) -> str:
        """The entry's heading: key, findings, money, status, date of service."""
        return (
            f"<h3 style='margin:6px 0'>{html.escape(view.key)}</h3>"
            f"<p style='margin:2px 0 8px 0'>{view.findings.height} "
            f"finding{'' if view.findings.height == 1 else 's'} · "
            f"{_money_html(view.exposure)} · {html.escape(view.status)}"
            f"{' · DOS ' + view.date_of_service.isoformat() if view.date_of_service else ''}</p>"
            "<b>Findings</b>"
        )

    def _details_html(self, view: EncounterView) -> str:
        """Below the findings: the claim lines, the documentation and the coverage."""
        parts = [
            "<b>Claim lines</b>",
            _table(view.lines, css="telekit-review-lines"),
            "<b>Documentation</b>",
        ]
        if view.documentation is not None:
            if view.documentation_note:
                parts.append(_note(view.documentation_note))
            parts.append(_record(_DOC_FIELDS, view.documentation))
        else:
            parts.append(_note(view.documentation_note))
        parts.append(
            "<b>Coverage on "
            f"{view.date_of_service.isoformat() if view.date_of_service else 'the date'}</b>"
        )
        if view.coverage is not None and view.coverage.height:
            parts.append(_table(view.coverage.select(_COVERAGE_FIELDS)))
        else:
            parts.append(_note(view.coverage_note))
        return "".join(parts)

    def _clear_findings(self) -> None:
        for w in self._finding_widgets:
            w.close()
        self._finding_widgets = []
        self.finding_checks = {}
        self.findings_box.children = ()

    def _render_findings(self, view: EncounterView) -> None:
        self._clear_findings()
        rows = []
        for f in view.findings.iter_rows(named=True):  # a handful per encounter (display)
            check = widgets.Checkbox(value=False, indent=False, layout=widgets.Layout(width="2em"))
            check.add_class("telekit-review-select")
            check.observe(self._on_check, names="value")
            self.finding_checks[f["finding_id"]] = check
            if f["decision"] is None:
                decided = "<span style='color:#666'>no decision yet</span>"
            else:
                when = f["decided_at"].strftime("%Y-%m-%d %H:%M UTC")
                decided = (
                    f"<b>{html.escape(_DECISION_LABELS[f['decision']])}</b> by "
                    f"{html.escape(f['reviewer'])}, {when}"
                    + (f" — “{html.escape(f['note'])}”" if f["note"] else "")
                )
            basis = f["amount_basis"]
            money = (
                f"<span class='telekit-review-money' title='{_meaning(f['exposure'])}'>"
                f"{html.escape(finding_money(f['exposure'], f['exposure_amount'], basis))}"
                f"</span>{_charge(f[c.CHARGE_AMOUNT])}"
            )
            line = (
                f"{html.escape(f[c.CLAIM_ID])} line {f[c.CLAIM_LINE_NUMBER]} · "
                f"{html.escape(f[c.HCPCS_CODE])}"
                f"{' · ' + _text(f[c.CLAIM_LINE_START_DATE]) if f[c.CLAIM_LINE_START_DATE] else ''}"
            )
            rows_html = "".join(
                f"<tr><th>{label}</th><td>{value}</td></tr>"
                for label, value in (
                    ("Claim line", line),
                    ("Money", money),
                    ("Finding", html.escape(f["message"])),
                    ("Suggested fix", html.escape(f["suggested_fix"] or "")),
                    ("Decision", decided),
                )
            )
            body = widgets.HTML(
                f"<div><b>{html.escape(f['rule_code'])}</b> {html.escape(f['rule_name'])} "
                f"<span style='color:#a00'>[{html.escape(f['severity'])}]</span>"
                "<table class='telekit-review-table telekit-review-finding-table'>"
                f"<tbody>{rows_html}</tbody></table></div>",
                layout=widgets.Layout(width="100%"),
            )
            doc = widgets.Accordion(
                children=[
                    widgets.HTML(
                        "<pre style='white-space:pre-wrap;font-size:12px'>"
                        f"{html.escape(view.rule_docs[f['rule_code']])}</pre>"
                    )
                ],
                titles=(f"{f['rule_code']} — rule documentation",),
            )
            doc.selected_index = None
            doc.add_class("telekit-review-rule-doc")
            item = widgets.VBox([widgets.HBox([check, body]), doc])
            item.add_class("telekit-review-finding")
            self._finding_widgets.extend([check, body, doc, item])
            rows.append(item)
        self.findings_box.children = tuple(rows)
