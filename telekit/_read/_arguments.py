"""Table arguments, one home: what ``tk.audit``, the metrics, the OIG measures, eligibility and
reconciliation accept for a table (DESIGN §4: a ``Table``, a ``pl.DataFrame``, a
``pl.LazyFrame`` or a path; a frame is validated and coerced exactly as a file is).

- ``as_table(name, source)`` — a ``Table`` of that name as given (another table's ``Table`` is
  an error), anything else read with ``read_table``; ``None`` stays ``None`` (not given).
- ``as_frame(name, source)`` — the canonical rows only; a frame that already has exactly the
  table's canonical schema is taken as it is (the metrics' shortcut: such a frame was built by
  telekit, and re-validating a million lines costs seconds).
- ``as_remittances(source)`` — a ``Remittances`` as given, else read with ``read_remittances``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit._core._remittances import Remittances
from telekit._core._table import Table
from telekit._read._remittances import read_remittances
from telekit._read._tables import read_table

__all__ = ["RemittancesInput", "TableInput", "as_frame", "as_remittances", "as_table"]

TableInput = Table | pl.DataFrame | pl.LazyFrame | str | Path
RemittancesInput = Remittances | str | Path | Sequence[str | Path]


def _check_type(name: str, source: object) -> None:
    if not isinstance(source, Table | pl.DataFrame | pl.LazyFrame | str | Path):
        msg = (
            f"{name} must be a telekit Table, a polars DataFrame/LazyFrame or a path, "
            f"found {type(source).__name__}"
        )
        raise InputError(msg)


def as_table(
    name: str, source: TableInput | None, *, payer_types: Mapping[str, str] | None = None
) -> Table | None:
    """``source`` as the canonical table ``name`` (``None``: not given); ``payer_types`` (the
    policies' declared payer types by name) derive a payer_type the source lacks."""
    if source is None:
        return None
    _check_type(name, source)
    if isinstance(source, Table):
        if source.name != name:
            msg = f"{name}: expected a {name} Table, found a {source.name} Table"
            raise InputError(msg)
        return source
    return read_table(name, source, payer_types=payer_types)


def _canonical(frame: pl.DataFrame | pl.LazyFrame, spec: c.TableSpec) -> pl.DataFrame | None:
    """The frame itself when it already has exactly the table's canonical schema."""
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    if schema != spec.schema:
        return None
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def as_frame(name: str, source: TableInput) -> pl.DataFrame:
    """The canonical rows of ``source`` (rejected rows left out); a canonical frame as is."""
    _check_type(name, source)
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        frame = _canonical(source, c.TABLES[name])
        if frame is not None:
            return frame
    table = as_table(name, source)
    assert table is not None
    return table.data


def as_remittances(source: RemittancesInput) -> Remittances:
    """A ``Remittances`` as given, or read from its files (a ``remittances.*`` path finds its
    sibling ``adjustments.*``; several paths are read together)."""
    if isinstance(source, Remittances):
        return source
    if isinstance(source, str | Path):
        return read_remittances(source)
    if isinstance(source, Sequence) and all(isinstance(s, str | Path) for s in source):
        return read_remittances(list(source))
    msg = (
        "remittances must be a telekit.Remittances (tk.read_remittances(...)) or a path, "
        f"found {type(source).__name__}"
    )
    raise InputError(msg)
