"""Review audit findings encounter by encounter, in a notebook.

    import telekit as tk
    from telekit.review import EncounterReview

    result = tk.audit("claims.csv", encounters="encounters.csv", coverage="coverage.csv")
    review = EncounterReview(result, db="review.sqlite", reviewer="alice")
    review            # the app: worklist, current encounter, confirm / dismiss / needs query

Decisions are per finding, grouped by encounter (the worklist key is encounter_id, or
``claim:<claim_id>`` for findings without one) and written to an SQLite file the moment they are
made (append-only ``decisions`` table; the current decision is the latest per finding).
``ReviewState`` is the same review without widgets; ``read_decisions(path)`` reads a review
file's current decisions. The decisions are hash-chained: ``verify(path)`` says whether they are
the ones written (``"decisions intact (N rows)"``) or names the first one altered since.

Coders who do not use Jupyter review in Excel: ``export_worklist(out, db, path)`` writes the
findings of an audit's OUT as a workbook with Status / Owner / Note to fill in;
``import_worklist(path, db, reviewer)`` appends the changed rows as decisions to the same file.

``load_review(out)`` is the review of what ``telekit audit`` wrote to OUT, without re-auditing:
``EncounterReview(load_review("out/audit"), db=..., reviewer=...)``; ``telekit review serve OUT
--db review.sqlite`` serves that review in a browser (Voilà on 127.0.0.1), a name per session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telekit.report._decisions import DECISIONS, Verification, verify
from telekit.review._excel import (
    WorklistExport,
    WorklistImport,
    export_worklist,
    import_worklist,
)
from telekit.review._from_out import ReviewSource, load_review
from telekit.review._state import SORTS, STATUSES, EncounterView, Filters, ReviewState
from telekit.review._store import ReviewStore, read_decisions

if TYPE_CHECKING:
    from telekit.review._widget import EncounterReview


def __getattr__(name: str) -> Any:
    # the widget (ipywidgets) is imported when first used, so the CLI starts without it
    if name == "EncounterReview":
        from telekit.review._widget import EncounterReview  # noqa: PLC0415

        return EncounterReview
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "DECISIONS",
    "SORTS",
    "STATUSES",
    "EncounterReview",
    "EncounterView",
    "Filters",
    "ReviewSource",
    "ReviewState",
    "ReviewStore",
    "Verification",
    "WorklistExport",
    "WorklistImport",
    "export_worklist",
    "import_worklist",
    "load_review",
    "read_decisions",
    "verify",
]
