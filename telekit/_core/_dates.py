"""Dates given as arguments (``as_of``, a dashboard's date range), one parsing for every entry
point: a ``date`` as is, a ``datetime`` as its date, an ISO string ``YYYY-MM-DD`` (surrounding
blanks ignored). Anything else raises ``DateError`` (an ``InputError`` and a ``ValueError``) or,
for a value that is not a date nor a string, ``DateTypeError`` (an ``InputError`` and a
``TypeError``). The message names the argument, never the value."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable

from telekit._core._exceptions import DateError, DateTypeError

__all__ = ["as_date", "as_optional_date"]


def as_date(value: dt.date | str, name: str = "as_of") -> dt.date:
    """``value`` as a ``date`` (a ``datetime`` keeps its date; a string must be ISO)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            msg = f"{name} must be a date or an ISO date string YYYY-MM-DD"
            raise DateError(msg) from None
    msg = f"{name} must be a date or an ISO date string YYYY-MM-DD, found {type(value).__name__}"
    raise DateTypeError(msg)


def as_optional_date(value: dt.date | str | None, name: str = "as_of") -> dt.date | None:
    """``as_date``, with ``None`` (not given) kept."""
    return None if value is None else as_date(value, name)


def date_argument(flag: str) -> Callable[[str], dt.date]:
    """An argparse type reading a date YYYY-MM-DD; its error names ``flag`` (the CLI's one date
    option parser)."""

    def parse(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            msg = f"{flag}: expected a date YYYY-MM-DD, got {text!r}"
            raise argparse.ArgumentTypeError(msg) from None

    return parse
