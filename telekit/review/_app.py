"""The review app that ``telekit review serve`` serves through Voilà (``app/review.ipynb``).

Each page load is its own kernel: it reads the audit's OUT folder (``load_review``) and opens on
a "Your name" box and Start; Start opens the encounter review (``EncounterReview``) for that
name on the shared review file, so each browser session decides under its own name and every
decision goes to the same SQLite file (WAL, one ``BEGIN IMMEDIATE`` transaction per decision:
safe with several reviewers at once).

The notebook passes OUT and the review file through the environment variables ``ENV_OUT`` and
``ENV_DB``, which the command sets. Errors the reviewer can act on are shown as one line in
the page (never a traceback).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as widgets

from telekit._core._exceptions import TelekitError
from telekit.review._from_out import ENV_DB, ENV_OUT, ReviewSource, load_review
from telekit.review._widget import EncounterReview

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult

#: the longest reviewer name accepted (it is stored with every decision)
NAME_MAX = 80


class ReviewApp:
    """The served app: the reviewer's name first, then the review of ``out`` on ``db``."""

    def __init__(self, out: str | Path, db: str | Path) -> None:
        self.out, self.db = Path(out), Path(db)
        self.review: EncounterReview | None = None
        self.source: ReviewSource | None = None
        self.title = widgets.HTML("<h3>telekit review</h3>")
        self.title.add_class("telekit-serve-title")
        self.name = widgets.Text(
            placeholder="Your name",
            description="Your name",
            style={"description_width": "initial"},
        )
        self.name.add_class("telekit-serve-name")
        self.start_button = widgets.Button(description="Start", button_style="primary")
        self.start_button.add_class("telekit-serve-start")
        self.start_button.on_click(lambda _: self._start_clicked())
        self.message = widgets.Label()
        self.message.add_class("telekit-serve-message")
        self.notes = widgets.HTML()
        self.notes.add_class("telekit-serve-notes")
        self.widget = widgets.VBox(
            [self.title, widgets.HBox([self.name, self.start_button]), self.message, self.notes]
        )
        self.widget.add_class("telekit-serve")
        try:
            self.source = load_review(self.out)
        except TelekitError as exc:
            self.message.value = str(exc)
            self.name.disabled = self.start_button.disabled = True
            return
        self.title.value = f"<h3>{html.escape(self._heading(self.source))}</h3>"
        self.notes.value = self._notes_html(self.source)

    @staticmethod
    def _heading(source: ReviewSource) -> str:
        practice = source.summary.get("practice")
        where = practice if isinstance(practice, str) and practice else source.out.name
        return f"telekit review — {where}"

    @staticmethod
    def _notes_html(source: ReviewSource) -> str:
        notes = source.notes()
        if not notes:
            return ""
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        return (
            "<p>Shown without these tables (read again from the audit's input files only "
            f"when unchanged):</p><ul>{items}</ul>"
        )

    def start(self, reviewer: str) -> EncounterReview:
        """Open the review as ``reviewer`` (what Start does with the name typed)."""
        name = reviewer.strip()
        if not name:
            msg = "enter your name to start"
            raise TelekitError(msg)
        if len(name) > NAME_MAX:
            msg = f"a name of at most {NAME_MAX} characters, please"
            raise TelekitError(msg)
        if self.source is None:
            msg = "the audit could not be read; see the message above"
            raise TelekitError(msg)
        if self.review is not None:
            msg = "the review is already open; reload the page to start as someone else"
            raise TelekitError(msg)
        # ReviewState reads findings, claims, encounters, coverage and providers of the
        # result, which a ReviewSource has (the audit's OUT instead of an AuditResult)
        review = EncounterReview(cast("AuditResult", self.source), db=self.db, reviewer=name)
        self.review = review
        self.message.value = ""
        self.widget.children = [self.title, self.notes, review.widget]
        return review

    def _start_clicked(self) -> None:
        try:
            self.start(self.name.value)
        except TelekitError as exc:
            self.message.value = str(exc)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def app_from_environment() -> ReviewApp | widgets.Label:
    """The app for OUT and the review file named by ``ENV_OUT`` and ``ENV_DB`` (what
    ``telekit review serve`` sets), or a one-line message when they are not set."""
    out, db = os.environ.get(ENV_OUT), os.environ.get(ENV_DB)
    if not out or not db:
        return widgets.Label(
            "Start this app with `telekit review serve OUT --db review.sqlite` "
            f"({ENV_OUT} and {ENV_DB} are not set)"
        )
    return ReviewApp(out, db)
