"""Dates given as arguments (``as_of``, a dashboard's date range), one parsing for every entry
point: a ``date`` as is, a ``datetime`` as its date, an ISO string ``YYYY-MM-DD`` (surrounding
blanks ignored). Anything else raises ``DateError`` (an ``InputError`` and a ``ValueError``) or,
for a value that is not a date nor a string, ``DateTypeError`` (an ``InputError`` and a
``TypeError``). The message names the argument, never the value."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from telekit._core._exceptions import DateError, DateTypeError

__all__ = ["Period", "as_date", "as_optional_date", "as_optional_period", "as_period"]


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


class Period(NamedTuple):
    """A service period: claim lines whose date of service lies between ``start`` and ``end``,
    both inclusive (``--period FROM..TO``)."""

    start: dt.date
    end: dt.date

    def label(self) -> str:
        """``2026-01-01 to 2026-03-31``: how the outputs print it."""
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def as_dict(self) -> dict[str, str]:
        """summary.json's ``period``: ``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


PeriodInput = Period | tuple[dt.date | str, dt.date | str] | str


def parse_period(text: str, name: str = "period") -> Period:
    """``FROM..TO`` (ISO dates, inclusive, FROM <= TO) as a ``Period``; the error names
    ``name``, never the value."""
    start, sep, end = text.strip().partition("..")
    msg = f"{name}: expected FROM..TO, two dates YYYY-MM-DD (e.g. 2026-01-01..2026-03-31)"
    if not sep:
        raise DateError(msg)
    try:
        first, last = dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip())
    except ValueError:
        raise DateError(msg) from None
    return _checked(first, last, name)


def as_period(value: PeriodInput, name: str = "period") -> Period:
    """A ``Period`` from ``FROM..TO`` or a pair of dates (``date`` or ISO strings)."""
    if isinstance(value, str):
        return parse_period(value, name)
    if isinstance(value, tuple) and len(value) == 2:
        return _checked(as_date(value[0], name), as_date(value[1], name), name)
    msg = f"{name} must be 'FROM..TO' or a pair of dates, found {type(value).__name__}"
    raise DateTypeError(msg)


def as_optional_period(value: PeriodInput | None, name: str = "period") -> Period | None:
    """``as_period``, with ``None`` (no period: every line) kept."""
    return None if value is None else as_period(value, name)


def _checked(start: dt.date, end: dt.date, name: str) -> Period:
    if start > end:
        msg = f"{name}: FROM must not be after TO (FROM..TO, both inclusive)"
        raise DateError(msg)
    return Period(start, end)


def period_argument(flag: str) -> Callable[[str], Period]:
    """An argparse type reading ``FROM..TO``; its error names ``flag``."""

    def parse(text: str) -> Period:
        try:
            return parse_period(text, flag)
        except DateError as e:  # argparse names the flag itself
            raise argparse.ArgumentTypeError(str(e).removeprefix(f"{flag}: ")) from None

    return parse
