"""Header and value maps: ``rename=`` / ``values=`` / ``options=`` and the ``map.toml`` file.

A map file has one section per canonical table and, under it, ``rename`` (source header →
canonical column), ``values.<column>`` (source value → contract value) and ``options``::

    [claims.rename]
    "DOS" = "claim_line_start_date"
    [claims.values.payer_type]
    "Medicare Part B" = "medicare"
    [claims.options]
    date_format = "%m/%d/%Y"
    fill_down = ["claim_id", "person_id"]   # grouped exports: empty cells take the row above

Messages name the file, the section and the key; never a value-map key (a source value).
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from telekit._core._columns import (
    DIAGNOSES,
    DIAGNOSES_DELIMITED,
    MODIFIERS,
    MODIFIERS_DELIMITED,
    TABLES,
    TableSpec,
)
from telekit._core._exceptions import MapError

SECTIONS = ("rename", "values", "options")
OPTIONS = ("date_format", "sheet", "header_row", "encoding", "fill_down")

# delimited source column -> the numbered canonical columns it fills
DELIMITED: dict[str, tuple[str, ...]] = {
    MODIFIERS_DELIMITED: MODIFIERS,
    DIAGNOSES_DELIMITED: DIAGNOSES,
}

_SEPARATORS = re.compile(r"[\s\-./]+")


def normalize_header(header: str) -> str:
    """``" Place of Service "`` → ``place_of_service``: trim, drop a BOM, lower-case, and turn
    runs of spaces, ``-``, ``.`` and ``/`` into ``_``."""
    text = header.replace("\ufeff", "").strip().lower()
    return _SEPARATORS.sub("_", text).strip("_")


def delimited_columns(spec: TableSpec) -> dict[str, tuple[str, ...]]:
    """The delimited source columns a table accepts (those whose numbered columns it has)."""
    names = set(spec.names)
    return {name: slots for name, slots in DELIMITED.items() if set(slots) <= names}


@dataclass(frozen=True)
class TableMap:
    """The map entries of one table."""

    rename: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)

    def merged(
        self,
        rename: Mapping[str, str] | None = None,
        values: Mapping[str, Mapping[str, str]] | None = None,
        options: Mapping[str, object] | None = None,
    ) -> TableMap:
        """These entries with explicit arguments merged over them (the arguments win)."""
        merged_values = {column: dict(entries) for column, entries in self.values.items()}
        for column, entries in (values or {}).items():
            merged_values.setdefault(column, {}).update(entries)
        return TableMap(
            rename={**self.rename, **(rename or {})},
            values=merged_values,
            options={**self.options, **(options or {})},
        )


@dataclass(frozen=True)
class MapSpec:
    """A parsed map file: one ``TableMap`` per table it names."""

    path: str
    tables: dict[str, TableMap] = field(default_factory=dict)

    def for_table(self, name: str) -> TableMap:
        return self.tables.get(name, TableMap())


def _allowed(items: Iterable[object]) -> str:
    return ", ".join(str(i) for i in items)


def rename_targets(spec: TableSpec) -> list[str]:
    return [*spec.names, *delimited_columns(spec)]


def check_rename(spec: TableSpec, rename: Mapping[str, object], origin: str) -> dict[str, str]:
    """Validate a rename block: every target is a canonical column of ``spec``."""
    targets = rename_targets(spec)
    checked: dict[str, str] = {}
    for header, target in rename.items():
        if not isinstance(target, str) or target not in targets:
            msg = (
                f"{origin}: [{spec.name}.rename] key {header!r} maps to a name that is not a "
                f"{spec.name} column (allowed: {_allowed(targets)})"
            )
            raise MapError(msg)
        checked[str(header)] = target
    return checked


def check_values(
    spec: TableSpec, values: Mapping[str, object], origin: str
) -> dict[str, dict[str, str]]:
    """Validate value maps: canonical columns only, text to text, enum targets in the contract."""
    checked: dict[str, dict[str, str]] = {}
    for column, entries in values.items():
        if column not in spec.names:
            msg = (
                f"{origin}: [{spec.name}.values.{column}] names no {spec.name} column "
                f"(allowed: {_allowed(spec.names)})"
            )
            raise MapError(msg)
        if not isinstance(entries, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
        ):
            msg = f"{origin}: [{spec.name}.values.{column}] must map text to text"
            raise MapError(msg)
        allowed = spec.column(column).values
        if allowed and any(v not in allowed for v in entries.values()):
            msg = (
                f"{origin}: [{spec.name}.values.{column}] maps to a value outside the contract "
                f"(allowed: {_allowed(allowed)})"
            )
            raise MapError(msg)
        checked[column] = dict(entries)
    return checked


def check_options(spec: TableSpec, options: Mapping[str, object], origin: str) -> dict[str, object]:
    """Validate reader options: known keys with values of the right type."""
    section = f"[{spec.name}.options]"
    for key, value in options.items():
        if key not in OPTIONS:
            msg = f"{origin}: {section} has no option {key!r} (allowed: {_allowed(OPTIONS)})"
            raise MapError(msg)
        if key == "header_row" and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            msg = f"{origin}: {section} header_row must be a row number (1 or more)"
            raise MapError(msg)
        if key == "sheet" and (
            isinstance(value, bool) or not isinstance(value, str | int) or value == ""
        ):
            msg = f"{origin}: {section} sheet must be a sheet name or a 1-based sheet number"
            raise MapError(msg)
        if key in ("date_format", "encoding") and (not isinstance(value, str) or not value):
            msg = f"{origin}: {section} {key} must be text"
            raise MapError(msg)
        if key == "date_format" and isinstance(value, str) and "%" not in value:
            msg = f"{origin}: {section} date_format must be a strftime pattern such as %m/%d/%Y"
            raise MapError(msg)
        if key == "fill_down" and (
            not isinstance(value, list | tuple)
            or not all(isinstance(v, str) and v in spec.names for v in value)
        ):
            msg = (
                f"{origin}: {section} fill_down must be a list of {spec.name} columns "
                f"(allowed: {_allowed(spec.names)})"
            )
            raise MapError(msg)
        if key == "encoding" and isinstance(value, str):
            try:
                codecs.lookup(value)
            except LookupError:
                msg = f"{origin}: {section} encoding {value!r} is not a known text encoding"
                raise MapError(msg) from None
    return dict(options)


def check_table_map(spec: TableSpec, entries: TableMap, origin: str) -> TableMap:
    return TableMap(
        rename=check_rename(spec, entries.rename, origin),
        values=check_values(spec, entries.values, origin),
        options=check_options(spec, entries.options, origin),
    )


def load_map(path: str | Path) -> MapSpec:
    """Parse a ``--map`` / ``map.toml`` file; raise ``MapError`` naming the file and the key."""
    path = Path(path)
    origin = path.name
    try:
        with path.open("rb") as f:
            document = tomllib.load(f)
    except OSError as exc:
        msg = f"{origin}: cannot read the map file ({exc.strerror})"
        raise MapError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{origin}: not valid TOML ({exc})"
        raise MapError(msg) from None
    tables: dict[str, TableMap] = {}
    for name, body in document.items():
        if name not in TABLES:
            msg = f"{origin}: unknown table [{name}] (allowed: {_allowed(TABLES)})"
            raise MapError(msg)
        spec = TABLES[name]
        if not isinstance(body, dict):
            msg = f"{origin}: [{name}] must be a table with {_allowed(SECTIONS)} sections"
            raise MapError(msg)
        for section, content in body.items():
            if section not in SECTIONS:
                msg = (
                    f"{origin}: [{name}.{section}] is not a section (allowed: {_allowed(SECTIONS)})"
                )
                raise MapError(msg)
            if not isinstance(content, dict):
                msg = f"{origin}: [{name}.{section}] must be a table"
                raise MapError(msg)
        raw = TableMap(
            rename=body.get("rename", {}),
            values=body.get("values", {}),
            options=body.get("options", {}),
        )
        tables[name] = check_table_map(spec, raw, origin)
    return MapSpec(path=str(path), tables=tables)
