"""``telekit review``: one sub-parser with its own commands — ``export`` and ``import`` (the
worklist workbook, ``_excel``) and ``serve`` (the review app in a browser, ``_serve``).
``register`` adds it to ``telekit``'s sub-parsers; each command sets ``func``."""

from __future__ import annotations

import argparse
from pathlib import Path

from telekit.review._serve import add_serve

REVIEW_EPILOG = """examples:
  telekit review export out/audit --db review.sqlite --out worklist.xlsx
  telekit review import worklist.xlsx --db review.sqlite --reviewer alice
  telekit review serve out/audit --db review.sqlite --port 8866
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``review`` (with ``export``, ``import`` and ``serve``) to ``telekit``'s sub-parsers."""
    review = sub.add_parser(
        "review",
        help="review findings outside Jupyter: Excel worklist (export/import), browser (serve)",
        epilog=REVIEW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    e = actions.add_parser(
        "export",
        help="write the findings of OUT as an Excel worklist (Status, Owner, Note to fill in)",
    )
    e.add_argument("out_dir", type=Path, metavar="OUT", help="the folder `telekit audit` wrote")
    e.add_argument("--db", type=Path, required=True, help="the review file (created if absent)")
    e.add_argument("--out", type=Path, required=True, metavar="F.xlsx", help="must not exist")
    e.set_defaults(func=cmd_export)
    i = actions.add_parser(
        "import", help="append the decisions filled in a worklist to the review file"
    )
    i.add_argument("workbook", type=Path, metavar="F.xlsx", help="the worklist, filled in")
    i.add_argument("--db", type=Path, required=True, help="the review file")
    i.add_argument("--reviewer", required=True, help="who made the decisions")
    i.set_defaults(func=cmd_import)
    add_serve(actions)


def cmd_export(args: argparse.Namespace) -> int:
    from telekit.review._excel import export_worklist  # noqa: PLC0415

    print(f"wrote {export_worklist(args.out_dir, args.db, args.out)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from telekit.review._excel import import_worklist  # noqa: PLC0415

    print(import_worklist(args.workbook, args.db, args.reviewer))
    return 0
