"""An engagement's configuration, ``telekit.toml``: read, validated, and the drop helpers
``telekit run`` uses (which folder a drop is in, where its outputs go, its as_of and period, the
previous drop to compare with).

A *drop* is a month's data from the practice, named by its month: ``2026-11``. Every problem in
the file is a one-line ``EngagementError`` naming the file, the line when it can be found, the
key (``audit.as_of``) and what was expected; never a value from the practice's data (the file
holds none).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Final

from telekit._core._exceptions import InputError
from telekit._policies._toml import _read_toml, _toml_type
from telekit._policies._toml import _Reader as _TomlReader

CONFIG_NAME: Final = "telekit.toml"
DROP_PLACEHOLDER: Final = "{drop}"
#: as_of rules besides a fixed date
END_OF_DROP_MONTH: Final = "end-of-drop-month"
LATEST_REMITTANCE: Final = "latest-remittance"
AS_OF_RULES: Final = (END_OF_DROP_MONTH, LATEST_REMITTANCE)
#: period conventions
DROP_MONTH: Final = "drop-month"
TRAILING_12_MONTHS: Final = "trailing-12-months"
ALL: Final = "all"
PERIODS: Final = (DROP_MONTH, TRAILING_12_MONTHS, ALL)

_DROP = re.compile(r"(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])")
_LOCALITY = re.compile(r"\d{7}")


class EngagementError(InputError):
    """A telekit.toml is malformed, or a drop name is not a month."""


def parse_drop(drop: str) -> tuple[int, int]:
    """``"2026-11"`` -> ``(2026, 11)``; anything else is an ``EngagementError``."""
    m = _DROP.fullmatch(drop)
    if m is None:
        msg = f"drop {drop!r}: expected a month as YYYY-MM (e.g. 2026-11)"
        raise EngagementError(msg)
    return int(m["year"]), int(m["month"])


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Outputs:
    """``[outputs]``: what ``telekit run`` writes for each drop, and where."""

    report: bool = True
    executive_pdf: bool = True
    worklist: bool = True
    compare: bool = True
    notebook: bool = True
    out: str = "out/{drop}"


@dataclass(frozen=True)
class Engagement:
    """A validated ``telekit.toml``; every path is resolved relative to ``root`` (the folder
    holding it). ``drops`` and ``outputs.out`` are patterns holding ``{drop}`` once."""

    root: Path
    practice: str
    prepared_by: str | None = None
    reviewers: tuple[str, ...] = ()
    drops: str = "drops/{drop}"
    map: Path | None = None
    policies: Path | None = None
    expected_fees: Path | None = None
    locality: str | None = None
    as_of: str | dt.date = END_OF_DROP_MONTH
    period: str = DROP_MONTH
    deidentify: bool = True
    key_file: Path = Path("keys/pseudonyms.key")
    outputs: Outputs = Outputs()

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_NAME

    def drop_folder(self, drop: str) -> Path:
        """Where drop ``drop`` (YYYY-MM) lands: ``[data] drops`` with ``{drop}`` filled in."""
        parse_drop(drop)
        return self.root / self.drops.replace(DROP_PLACEHOLDER, drop)

    def out_folder(self, drop: str) -> Path:
        """Where drop ``drop``'s outputs go: ``[outputs] out`` with ``{drop}`` filled in."""
        parse_drop(drop)
        return self.root / self.outputs.out.replace(DROP_PLACEHOLDER, drop)

    def as_of_for(self, drop: str) -> dt.date | None:
        """The audit date of drop ``drop``: the last day of its month (``end-of-drop-month``),
        the fixed date given, or None for ``latest-remittance``: ``telekit audit``'s own default
        (the latest remittance payment date, else the latest date of service)."""
        year, month = parse_drop(drop)
        if isinstance(self.as_of, dt.date):
            return self.as_of
        if self.as_of == END_OF_DROP_MONTH:
            return _month_end(year, month)
        return None

    def period_for(self, drop: str) -> tuple[dt.date, dt.date] | None:
        """The service period drop ``drop`` audits (``--period FROM..TO``), or None for
        ``all``: its month, or the 12 months ending with it."""
        year, month = parse_drop(drop)
        end = _month_end(year, month)
        if self.period == DROP_MONTH:
            return dt.date(year, month, 1), end
        if self.period == TRAILING_12_MONTHS:
            first = year * 12 + (month - 1) - 11
            return dt.date(first // 12, first % 12 + 1, 1), end
        return None

    def drops_with_outputs(self) -> list[str]:
        """The drops (sorted, oldest first) whose out folder exists."""
        return _matching(self.root, self.outputs.out)

    def previous_drop(self, drop: str) -> str | None:
        """The latest drop before ``drop`` that has an out folder (what ``compare`` compares
        ``drop`` with), or None."""
        parse_drop(drop)
        earlier = [d for d in self.drops_with_outputs() if d < drop]
        return earlier[-1] if earlier else None


def _matching(root: Path, pattern: str) -> list[str]:
    """The drop names of the existing folders ``pattern`` (holding ``{drop}``) names."""
    before, _, after = pattern.partition(DROP_PLACEHOLDER)
    shape = re.compile(re.escape(before) + r"(\d{4}-\d{2})" + re.escape(after.rstrip("/")))
    found = set()
    for folder in root.glob(pattern.replace(DROP_PLACEHOLDER, "*").rstrip("/")):
        m = shape.fullmatch(folder.relative_to(root).as_posix())
        if m is not None and folder.is_dir() and _DROP.fullmatch(m[1]):
            found.add(m[1])
    return sorted(found)


# --- reading telekit.toml ----------------------------------------------------------------------

_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "engagement": ("practice", "prepared_by", "reviewers"),
    "data": ("drops", "map", "policies", "expected_fees", "locality"),
    "audit": ("as_of", "period", "deidentify", "key_file"),
    "outputs": ("report", "executive_pdf", "worklist", "compare", "notebook", "out"),
}


class _Reader:
    """Validates one parsed telekit.toml; every problem a one-line ``EngagementError``."""

    def __init__(self, file: Path, text: str) -> None:
        self.file = file
        self._located = _TomlReader(str(file), text)  # "FILE: line N: " of a key

    def fail(self, path: str, problem: str) -> EngagementError:
        return EngagementError(f"{self._located.where(path)}{path}: {problem}")

    def tables(self, doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        for name, value in doc.items():
            if name not in _KEYS:
                expected = ", ".join(f"[{t}]" for t in _KEYS)
                raise self.fail(name, f"unknown table (expected {expected})")
            if not isinstance(value, Mapping):
                raise self.fail(name, f"expected a table [{name}], found {_toml_type(value)}")
            for key in value:
                if key not in _KEYS[name]:
                    raise self.fail(
                        f"{name}.{key}", f"unknown key (expected {', '.join(_KEYS[name])})"
                    )
        if "engagement" not in doc:
            msg = f'{self.file}: no [engagement] table (expected one with practice = "NAME")'
            raise EngagementError(msg)
        return {name: doc.get(name, {}) for name in _KEYS}

    def string(self, table: Mapping[str, Any], path: str, default: str | None) -> str | None:
        """A string key; "" and an absent key give ``default``."""
        value = table.get(path.rpartition(".")[2])
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, found {_toml_type(value)}")
        return value.strip() or default

    def boolean(self, table: Mapping[str, Any], path: str) -> bool:
        value = table.get(path.rpartition(".")[2], True)
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, found {_toml_type(value)}")
        return value

    def pattern(self, table: Mapping[str, Any], path: str, default: str) -> str:
        value = self.string(table, path, default) or default
        rest = value.replace(DROP_PLACEHOLDER, "", 1)
        if value.count(DROP_PLACEHOLDER) != 1 or "{" in rest or "}" in rest:
            raise self.fail(path, 'expected a folder holding "{drop}" once, e.g. "drops/{drop}"')
        inside = PurePosixPath(value.replace("\\", "/"))
        if inside.is_absolute() or PureWindowsPath(value).anchor or ".." in inside.parts:
            raise self.fail(
                path, "expected a folder inside the engagement folder (relative, no ..)"
            )
        return value

    def input_file(self, table: Mapping[str, Any], path: str) -> Path | None:
        name = self.string(table, path, None)
        if name is None:
            return None
        resolved = self.file.parent / name
        if not resolved.is_file():
            raise self.fail(
                path, f"{name} not found next to {CONFIG_NAME} (a file; remove the key if none)"
            )
        return resolved

    def read(self, doc: Mapping[str, Any]) -> Engagement:
        t = self.tables(doc)
        e, d, a, o = t["engagement"], t["data"], t["audit"], t["outputs"]
        practice = self.string(e, "engagement.practice", None)
        if practice is None:
            raise self.fail("engagement.practice", "expected the practice's name, a string")
        locality = self.string(d, "data.locality", None)
        if locality is not None and not _LOCALITY.fullmatch(locality):
            raise self.fail("data.locality", 'expected MAC + locality, 7 digits (e.g. "1320201")')
        key_file = self.string(a, "audit.key_file", None) or "keys/pseudonyms.key"
        return Engagement(
            root=self.file.parent,
            practice=practice,
            prepared_by=self.string(e, "engagement.prepared_by", None),
            reviewers=self.reviewers(e.get("reviewers", [])),
            drops=self.pattern(d, "data.drops", "drops/{drop}"),
            map=self.input_file(d, "data.map"),
            policies=self.input_file(d, "data.policies"),
            expected_fees=self.input_file(d, "data.expected_fees"),
            locality=locality,
            as_of=self.as_of(a.get("as_of", END_OF_DROP_MONTH)),
            period=self.choice(a, "audit.period", PERIODS),
            deidentify=self.boolean(a, "audit.deidentify"),
            key_file=self.file.parent / key_file,
            outputs=Outputs(
                **{k: self.boolean(o, f"outputs.{k}") for k in _KEYS["outputs"][:-1]},
                out=self.pattern(o, "outputs.out", "out/{drop}"),
            ),
        )

    def reviewers(self, value: object) -> tuple[str, ...]:
        path = "engagement.reviewers"
        if not isinstance(value, list):
            raise self.fail(path, f"expected an array of names, found {_toml_type(value)}")
        names = []
        for i, name in enumerate(value, start=1):
            if not isinstance(name, str) or not name.strip():
                raise self.fail(f"{path}[{i}]", "expected a reviewer's name, a non-empty string")
            names.append(name.strip())
        return tuple(dict.fromkeys(names))

    def choice(self, table: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> str:
        value = self.string(table, path, allowed[0]) or allowed[0]
        if value not in allowed:
            raise self.fail(path, "expected one of " + ", ".join(f'"{v}"' for v in allowed))
        return value

    def as_of(self, value: object) -> str | dt.date:
        path = "audit.as_of"
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            if value.strip() in AS_OF_RULES:
                return value.strip()
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        rules = ", ".join(f'"{r}"' for r in AS_OF_RULES)
        raise self.fail(path, f"expected {rules} or a date (YYYY-MM-DD)")


def load_engagement(directory: str | Path) -> Engagement:
    """Read and validate ``DIR/telekit.toml`` (DIR may also name the file itself)."""
    path = Path(directory)
    file = path if path.suffix == ".toml" else path / CONFIG_NAME
    doc, text = _read_toml(
        file,
        error=EngagementError,
        missing=f"not found (create the engagement with `telekit init {path}`)",
    )
    return _Reader(file, text).read(doc)
