"""``telekit review ...``: one sub-parser ``review`` with its own sub-commands (``serve``: the
review app in a browser, ``telekit.review._serve``). ``register`` adds it to ``telekit``'s
sub-parsers; each sub-command sets ``func``, the handler ``telekit._cli.main`` calls."""

from __future__ import annotations

import argparse

from telekit.review._serve import add_serve


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``review`` (and its sub-commands) to ``telekit``'s sub-parsers."""
    review = sub.add_parser("review", help="review the findings of an audit's OUT folder")
    actions = review.add_subparsers(dest="review_command", required=True, metavar="COMMAND")
    add_serve(actions)
