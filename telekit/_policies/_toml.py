"""Reading ``policies.toml``: every problem a one-line ``PolicyError`` naming the file, the line
when it can be found, the table path and what was expected."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from telekit._core._columns import (
    PAYER_TYPES,
)
from telekit._core._exceptions import InputError, PolicyError
from telekit._policies._model import (
    _DICT_SOURCE,
    _MAX_DATE,
    _MIN_DATE,
    _OPEN_START,
    BUILTIN_POLICIES,
    Policies,
    PracticeSettings,
    Source,
    Value,
    _days,
    _Layer,
    _normalise,
    _Payer,
    _Period,
)
from telekit._policies._vocabulary import (
    _ALIASES,
    _BOOL_FIELDS,
    _END,
    _FFS_TELEHEALTH_RULES,
    _PERIODS,
    _POLICY_FIELDS,
    _REQUIRES_MODIFIER_93,
    _REQUIRES_MODIFIER_93_MENTAL_HEALTH,
    _START,
    _TELEHEALTH_MODIFIERS,
    _TELEHEALTH_POS,
    _TIMELY_FILING_DAYS,
    FFS_TELEHEALTH_RULES_VALUES,
    TELEHEALTH_POS_VALUES,
)

# --- reading policies.toml ---------------------------------------------------------------------


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key_path(*parts: str) -> str:
    """A TOML dotted path, quoting keys that are not bare: ``payer."BLUE CROSS".aliases``."""
    return ".".join(p if _BARE_KEY.fullmatch(p) else _quote(p) for p in parts)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_TOML_TYPES: Final[tuple[tuple[type | tuple[type, ...], str], ...]] = (
    (bool, "a boolean"),  # before int: bool is an int
    (int, "an integer"),
    (float, "a float"),
    (str, "a string"),
    (dt.datetime, "a datetime"),  # before date: datetime is a date
    (dt.date, "a date"),
    (dt.time, "a time"),
    ((list, tuple), "an array"),
    (Mapping, "a table"),
)


def _toml_type(value: object) -> str:
    """How a TOML user would call the type of ``value`` (never the value itself)."""
    for kind, name in _TOML_TYPES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _one_of(values: Iterable[str]) -> str:
    return ", ".join(values)


class _Lines:
    """Where each table and key of a TOML text is defined, rendered as ``_Reader`` paths.

    Only used to put a line number in an error message, so it is built when an error is
    raised, never on a good file. Each line is parsed alone with ``tomllib`` (a header names its
    table; a ``key = value`` line every path inside its value; a value spanning lines is read
    until it parses), so quoting and dotted keys are TOML's own; a path it cannot place is
    simply given without a line.
    """

    _MAX_VALUE_LINES: Final = 200
    _MAX_DEPTH: Final = 8

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._next = 0  # the next line to scan
        self._table = ""  # the rendered path of the current table
        self._arrays: dict[str, int] = {}  # array of tables -> elements so far
        self._found: dict[str, int] = {}  # rendered path -> 1-based line of its first definition

    def line_of(self, path: str) -> int | None:
        """The line defining ``path``, else its nearest enclosing table or key that has one."""
        while path not in self._found and self._next < len(self._lines):
            self._scan_one()
        candidate = path
        while candidate:
            if candidate in self._found:
                return self._found[candidate]
            candidate = _parent(candidate)
        return None

    def _scan_one(self) -> None:
        first = self._next
        text = self._lines[first]
        self._next += 1
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return
        doc = _parse_alone(text)
        if doc is None and not stripped.startswith("["):
            # a value spanning lines: read on until it parses (within reason)
            block = [text]
            while (
                doc is None and self._next < len(self._lines) and len(block) < self._MAX_VALUE_LINES
            ):
                block.append(self._lines[self._next])
                self._next += 1
                doc = _parse_alone("\n".join(block))
            if doc is None:
                self._next = first + 1
                return
        if doc is None:
            return
        if stripped.startswith("["):
            self._header(doc, first + 1, array=stripped.startswith("[["))
        else:
            self._register(self._table, doc, first + 1)

    def _header(self, doc: Mapping[str, Any], line: int, *, array: bool) -> None:
        rendered = ""
        node: Any = doc
        while isinstance(node, Mapping) and len(node) == 1:
            ((key, node),) = node.items()
            rendered = f"{rendered}.{_key_path(key)}" if rendered else _key_path(key)
            self._found.setdefault(rendered, line)
            if isinstance(node, list):  # [[a.b]]: the last key, a new element
                if not array:
                    return
                self._arrays[rendered] = self._arrays.get(rendered, 0) + 1
                self._found.setdefault(rendered, line)
                rendered = f"{rendered}[{self._arrays[rendered]}]"
                node = node[-1] if node else None
            elif rendered in self._arrays:  # a table under the current element of an array
                rendered = f"{rendered}[{self._arrays[rendered]}]"
        self._table = rendered
        self._found.setdefault(rendered, line)

    def _register(self, prefix: str, value: object, line: int, depth: int = 0) -> None:
        if depth > self._MAX_DEPTH:  # deeper than any path the reader names
            return
        if isinstance(value, Mapping):
            for key, item in value.items():
                path = f"{prefix}.{_key_path(key)}" if prefix else _key_path(key)
                self._found.setdefault(path, line)
                self._register(path, item, line, depth + 1)
        elif isinstance(value, list) and prefix:
            for i, item in enumerate(value, start=1):
                self._found.setdefault(f"{prefix}[{i}]", line)
                self._register(f"{prefix}[{i}]", item, line, depth + 1)


def _parse_alone(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None


_LAST_PART = re.compile(r"(\[\d+\]|\.(?:[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"))$")


def _parent(path: str) -> str:
    """``payer.A.periods[2].start`` -> ``payer.A.periods[2]`` -> ``payer.A.periods`` -> ..."""
    m = _LAST_PART.search(path)
    return path[: m.start()] if m else ""


class _Reader:
    """Validates one parsed policy document; every problem is a one-line ``PolicyError``.

    ``text``, when the document was read from a file, lets a message name the line.
    """

    def __init__(self, name: str, text: str | None = None) -> None:
        self.name = name
        self._text = text
        self._lines: _Lines | None = None

    def fail(self, path: str, problem: str) -> PolicyError:
        return PolicyError(f"{self.where(path)}{path}: {problem}")

    def where(self, path: str) -> str:
        """``"FILE: "``, or ``"FILE: line N: "`` when the line defining ``path`` is found."""
        if self._text is None:
            return f"{self.name}: "
        if self._lines is None:
            self._lines = _Lines(self._text)
        try:
            line = self._lines.line_of(path)
        except RecursionError:
            line = None
        return f"{self.name}: line {line}: " if line else f"{self.name}: "

    def table(self, value: object, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a table, found {_toml_type(value)}")
        return value

    def read(self, doc: Mapping[str, Any]) -> Policies:
        for top in doc:
            if top not in ("payer_type", "payer", "fee", "medicare", "metrics"):
                msg = (
                    f"{self.where(_key_path(str(top)))}unknown top-level table {top!r} "
                    "(expected payer_type, payer, medicare or metrics; [[fee]] tables are read "
                    "as expected fees)"
                )
                raise PolicyError(msg)
        type_layers: dict[str, _Layer] = {}
        for raw, table in self.table(doc.get("payer_type", {}), "payer_type").items():
            path = _key_path("payer_type", str(raw))
            payer_type = str(raw).strip().lower()
            if payer_type not in PAYER_TYPES:
                raise self.fail(
                    path, f"unknown payer_type (expected one of: {_one_of(PAYER_TYPES)})"
                )
            if payer_type in type_layers:
                raise self.fail(path, f"payer_type.{payer_type} is given twice")
            type_layers[payer_type] = self.layer(self.table(table, path), path, extra=())
        payers = [
            self.payer(str(raw), self.table(table, _key_path("payer", str(raw))))
            for raw, table in self.table(doc.get("payer", {}), "payer").items()
        ]
        self.check_keys(payers)
        return Policies(
            source=self.name, type_layers=type_layers, payers=payers, settings=self.settings(doc)
        )

    def settings(self, doc: Mapping[str, Any]) -> PracticeSettings:
        """``[medicare] locality`` / ``qualifying_apm`` and ``[metrics] contractual_carcs``."""
        medicare = self.table(doc.get("medicare", {}), "medicare")
        metrics = self.table(doc.get("metrics", {}), "metrics")
        for table, name, known in (
            (medicare, "medicare", ("locality", "qualifying_apm")),
            (metrics, "metrics", ("contractual_carcs",)),
        ):
            for field in table:
                if field not in known:
                    raise self.fail(
                        f"{name}.{_key_path(field)}",
                        f"unknown field (expected one of: {_one_of(known)})",
                    )
        locality: str | None = None
        if "locality" in medicare:
            value = medicare["locality"]
            if not isinstance(value, str) or not re.fullmatch(r"[0-9]{7}", value.strip()):
                raise self.fail(
                    "medicare.locality",
                    "expected the MAC and locality as 7 digits in quotes, as in the GPCI file "
                    '(locality = "0111205": MAC 01112, locality 05)',
                )
            locality = value.strip()
        apm = medicare.get("qualifying_apm", False)
        if not isinstance(apm, bool):
            raise self.fail(
                "medicare.qualifying_apm", f"expected true or false, found {_toml_type(apm)}"
            )
        carcs: tuple[str, ...] | None = None
        if "contractual_carcs" in metrics:
            value = metrics["contractual_carcs"]
            if not isinstance(value, list | tuple) or not all(
                isinstance(x, str) and x.strip() for x in value
            ):
                raise self.fail(
                    "metrics.contractual_carcs",
                    'expected an array of CARC strings, e.g. contractual_carcs = ["45", "253"]',
                )
            carcs = tuple(x.strip().upper() for x in value)
        return PracticeSettings(
            medicare_locality=locality, qualifying_apm=apm, contractual_carcs=carcs
        )

    def payer(self, raw: str, table: Mapping[str, Any]) -> _Payer:
        path = _key_path("payer", raw)
        key = _normalise(raw)
        if not key:
            raise self.fail(path, "a payer key must not be empty")
        payer_type: str | None = None
        if "payer_type" in table:
            value = table["payer_type"]
            where = f"{path}.payer_type"
            if not isinstance(value, str):
                raise self.fail(where, f"expected a string, found {_toml_type(value)}")
            payer_type = value.strip().lower()
            if payer_type not in PAYER_TYPES:
                raise self.fail(
                    where, f"unknown payer_type {value!r} (expected one of: {_one_of(PAYER_TYPES)})"
                )
        aliases: list[str] = []
        if _ALIASES in table:
            value = table[_ALIASES]
            where = f"{path}.{_ALIASES}"
            if not isinstance(value, list | tuple):
                raise self.fail(where, f"expected an array of strings, found {_toml_type(value)}")
            for i, alias in enumerate(value, start=1):
                if not isinstance(alias, str) or not alias.strip():
                    found = _toml_type(alias) if not isinstance(alias, str) else "an empty string"
                    raise self.fail(f"{where}[{i}]", f"expected a payer string, found {found}")
                aliases.append(_normalise(alias))
        layer = self.layer(table, path, extra=("payer_type", _ALIASES))
        return _Payer(key, path, payer_type, tuple(dict.fromkeys(aliases)), layer)

    def check_keys(self, payers: Sequence[_Payer]) -> None:
        owner: dict[str, _Payer] = {}
        for payer in payers:
            if payer.key in owner:
                other = owner[payer.key].path
                raise self.fail(
                    payer.path,
                    f"names the same payer as {other} (keys are compared trimmed and upper-cased)",
                )
            owner[payer.key] = payer
        claimed: dict[str, _Payer] = {}
        for payer in payers:
            for i, alias in enumerate(payer.aliases, start=1):
                where = f"{payer.path}.{_ALIASES}[{i}]"
                if alias in owner and owner[alias] is not payer:
                    raise self.fail(where, f"alias {alias!r} is the key of {owner[alias].path}")
                if alias in claimed and claimed[alias] is not payer:
                    raise self.fail(
                        where, f"alias {alias!r} is already an alias of {claimed[alias].path}"
                    )
                claimed[alias] = payer

    def layer(self, table: Mapping[str, Any], path: str, *, extra: tuple[str, ...]) -> _Layer:
        allowed = (*_POLICY_FIELDS, _PERIODS, *extra)
        for name in table:
            if name not in allowed:
                raise self.fail(
                    f"{path}.{_key_path(name)}",
                    f"unknown field (expected one of: {_one_of(allowed)})",
                )
        fields = self.fields(table, path)
        periods: list[_Period] = []
        if _PERIODS in table:
            value = table[_PERIODS]
            where = f"{path}.{_PERIODS}"
            if not isinstance(value, list | tuple):
                raise self.fail(
                    where, f"expected an array of tables ([[{where}]]), found {_toml_type(value)}"
                )
            for i, item in enumerate(value, start=1):
                periods.append(self.period(self.table(item, f"{where}[{i}]"), f"{where}[{i}]"))
        self.check_overlaps(periods, f"{path}.{_PERIODS}")
        return _Layer(fields, tuple(periods))

    def period(self, table: Mapping[str, Any], path: str) -> _Period:
        allowed = (_START, _END, *_POLICY_FIELDS)
        for name in table:
            if name not in allowed:
                raise self.fail(
                    f"{path}.{_key_path(name)}",
                    f"unknown field (expected one of: {_one_of(allowed)})",
                )
        if _START not in table:
            raise self.fail(path, "a period needs start (a date, e.g. start = 2024-01-01)")
        start = self.date(table[_START], f"{path}.{_START}")
        end = self.date(table[_END], f"{path}.{_END}") if _END in table else None
        if end is not None and end < start:
            raise self.fail(f"{path}.{_END}", f"end {end} is before start {start}")
        return _Period(start, end, self.fields(table, path))

    def check_overlaps(self, periods: Sequence[_Period], path: str) -> None:
        ordered = sorted(enumerate(periods, start=1), key=lambda ip: ip[1].start or _OPEN_START)
        for (i, a), (j, b) in itertools.pairwise(ordered):
            assert b.start is not None  # every period read from a file has a start
            if a.end is None or a.end >= b.start:
                raise self.fail(
                    f"{path}[{j}]",
                    f"{_span(b)} overlaps {path}[{i}] ({_span(a)}); "
                    "the periods of one table must not overlap",
                )

    def date(self, value: object, path: str) -> dt.date:
        day: dt.date | None = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            day = value
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                day = dt.date.fromisoformat(value.strip())
        if day is None:
            raise self.fail(path, f"expected a date (YYYY-MM-DD), found {_toml_type(value)}")
        if not _MIN_DATE <= day <= _MAX_DATE:
            raise self.fail(path, f"expected a date from {_MIN_DATE} to {_MAX_DATE}, found {day}")
        return day

    def fields(self, table: Mapping[str, Any], path: str) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for name in _POLICY_FIELDS:
            if name not in table:
                continue
            value = table[name]
            where = f"{path}.{name}"
            if name == _TELEHEALTH_POS:
                out[name] = self.telehealth_pos(value, where)
            elif name == _TELEHEALTH_MODIFIERS:
                out[name] = self.modifiers(value, where)
            elif name == _TIMELY_FILING_DAYS:
                out.update(_days(self.days(value, where)))
            elif name == _REQUIRES_MODIFIER_93:
                # true: every audio-only service; false: none (the mental-health-only scope
                # is the built-in Medicare 2022 period's alone)
                out[name] = out[_REQUIRES_MODIFIER_93_MENTAL_HEALTH] = self.boolean(value, where)
            elif name in _BOOL_FIELDS:
                out[name] = self.boolean(value, where)
            elif name == _FFS_TELEHEALTH_RULES:
                out[name] = self.ffs_telehealth_rules(value, where)
        return out

    def ffs_telehealth_rules(self, value: object, path: str) -> str:
        if not isinstance(value, str) or value.strip() not in FFS_TELEHEALTH_RULES_VALUES:
            found = repr(value) if isinstance(value, str) else _toml_type(value)
            quoted = ", ".join(f'"{v}"' for v in FFS_TELEHEALTH_RULES_VALUES)
            raise self.fail(path, f"expected one of {quoted}, found {found}")
        return value.strip()

    def telehealth_pos(self, value: object, path: str) -> str:
        if not isinstance(value, str) or value.strip() not in TELEHEALTH_POS_VALUES:
            found = repr(value) if isinstance(value, str) else _toml_type(value)
            quoted = ", ".join(f'"{v}"' for v in TELEHEALTH_POS_VALUES)
            raise self.fail(path, f"expected one of {quoted}, found {found}")
        return value.strip()

    def days(self, value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            negative = isinstance(value, int) and not isinstance(value, bool)
            found = "a negative integer" if negative else _toml_type(value)
            raise self.fail(path, f"expected an integer >= 0 (days), found {found}")
        if value > 2**31 - 1:
            raise self.fail(path, "expected a number of days that fits Int32")
        return value

    def boolean(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, found {_toml_type(value)}")
        return value

    def modifiers(self, value: object, path: str) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            raise self.fail(
                path, f"expected an array of modifier strings, found {_toml_type(value)}"
            )
        mods: list[str] = []
        for i, mod in enumerate(value, start=1):
            if not isinstance(mod, str) or not mod.strip():
                found = _toml_type(mod) if not isinstance(mod, str) else "an empty string"
                raise self.fail(f"{path}[{i}]", f"expected a modifier string, found {found}")
            mods.append(mod.strip().upper())
        return tuple(dict.fromkeys(mods))


def _span(period: _Period) -> str:
    return f"{period.start or 'open'} to {period.end or 'open'}"


_TOML_WHERE = re.compile(
    r"^(?P<msg>.*?) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def _read_toml(
    source: str | os.PathLike[str],
    *,
    error: type[InputError] = PolicyError,
    missing: str = "file not found",
) -> tuple[dict[str, Any], str]:
    """The parsed document and its text; every failure a one-line ``error`` (``missing``: what
    to say of a file that does not exist)."""
    path = Path(source)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        msg = f"{source}: {missing}"
        raise error(msg) from None
    except IsADirectoryError:
        msg = f"{source}: is a directory, expected a TOML file"
        raise error(msg) from None
    except UnicodeDecodeError:
        msg = f"{source}: not valid TOML (not UTF-8 text)"
        raise error(msg) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise error(_decode_error(source, e)) from None
    except RecursionError:
        msg = f"{source}: not valid TOML (arrays or tables nested too deeply)"
        raise error(msg) from None


def _decode_error(source: str | os.PathLike[str], error: tomllib.TOMLDecodeError) -> str:
    """``FILE: line N: not valid TOML (what, column M)`` from tomllib's message."""
    text = str(error).splitlines()[0] if str(error) else "not valid TOML"
    line = getattr(error, "lineno", None)  # Python 3.14+ carries lineno, colno and msg
    col = getattr(error, "colno", None)
    what = getattr(error, "msg", None)
    m = _TOML_WHERE.match(text)
    if m:
        what = what or m["msg"]
        line = line or (int(m["line"]) if m["line"] else None)
        col = col or (int(m["col"]) if m["col"] else None)
    what = what or text
    where = f"line {line}: " if line else ""
    column = f", column {col}" if col else ""
    return f"{source}: {where}not valid TOML ({what}{column})"


def load_policies(source: Source = None) -> Policies:
    """Read payer policies over the built-in defaults.

    ``source``: ``None`` (built-ins only), a path to a ``policies.toml``, a mapping already
    parsed (e.g. ``tomllib.loads(text)``), or a ``Policies`` (returned as is). Every problem in
    the file is a one-line ``PolicyError`` naming the file, the table path
    (``payer.AETNA.periods[1].telehealth_pos``; array indexes count from 1) and what was
    expected.
    """
    if source is None:
        return BUILTIN_POLICIES
    if isinstance(source, Policies):
        return source
    if isinstance(source, Mapping):
        return _Reader(_DICT_SOURCE).read(source)
    if isinstance(source, str | os.PathLike):
        doc, text = _read_toml(source)
        return _Reader(os.fspath(source), text).read(doc)
    msg = (
        f"policies must be a path to a policies.toml, a parsed mapping or None, "
        f"found {type(source).__name__}"
    )
    raise PolicyError(msg)
