"""What the metrics take in: tables as ``Table`` / frame / path, ``as_of``, ``by`` keys, and the
claim line's encounter modality."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from telekit._core import _columns as c
from telekit._core._claims import link_encounters
from telekit._core._exceptions import InputError
from telekit._core._table import Table
from telekit._readers import read_claims, read_encounters, read_patient_payments
from telekit._remittances import Remittances, read_remittances

TableLike = Table | pl.DataFrame | pl.LazyFrame | str | Path
RemittancesLike = Remittances | str | Path

MONTH = "month"
# ``by`` keys of the claim itself (the unit stays the claim) and of the claim line (the unit
# becomes the claim line).
CLAIM_KEYS = (MONTH, c.PAYER, c.PAYER_TYPE)
LINE_KEYS = (c.RENDERING_NPI, c.HCPCS_CODE, c.PLACE_OF_SERVICE_CODE, c.MODALITY)
BY_KEYS = CLAIM_KEYS + LINE_KEYS


def as_date(as_of: dt.date | str, name: str = "as_of") -> dt.date:
    """``as_of`` as a ``date`` (a ``datetime`` keeps its date; a string must be ISO)."""
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of.strip())
        except ValueError:
            msg = f"{name} must be a date or an ISO date string YYYY-MM-DD"
            raise ValueError(msg) from None
    msg = f"{name} must be a date or an ISO date string YYYY-MM-DD, found {type(as_of).__name__}"
    raise TypeError(msg)


def _canonical(frame: pl.DataFrame | pl.LazyFrame, spec: c.TableSpec) -> pl.DataFrame | None:
    """The frame itself when it already has exactly the table's canonical schema."""
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    if schema != spec.schema:
        return None
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def claims_frame(claims: TableLike) -> pl.DataFrame:
    """Canonical claim lines: a ``Table``'s data, a canonical frame as is, anything else read
    (validated and coerced; rejected rows are left out) with ``telekit.read_claims``."""
    return _table_frame(claims, c.CLAIMS, read_claims, "claims")


def encounters_frame(encounters: TableLike) -> pl.DataFrame:
    return _table_frame(encounters, c.ENCOUNTERS, read_encounters, "encounters")


def patient_payments_frame(payments: TableLike) -> pl.DataFrame:
    return _table_frame(payments, c.PATIENT_PAYMENTS, read_patient_payments, "patient_payments")


def _table_frame(source: TableLike, spec: c.TableSpec, reader: object, name: str) -> pl.DataFrame:
    if isinstance(source, Table):
        if source.name != spec.name:
            msg = f"{name}: expected a {spec.name} Table, found a {source.name} Table"
            raise InputError(msg)
        return source.data
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        frame = _canonical(source, spec)
        if frame is not None:
            return frame
    if not isinstance(source, pl.DataFrame | pl.LazyFrame | str | Path):
        msg = (
            f"{name} must be a telekit Table, a polars DataFrame/LazyFrame or a path, "
            f"found {type(source).__name__}"
        )
        raise InputError(msg)
    table = reader(source)  # type: ignore[operator]
    assert isinstance(table, Table)
    return table.data


def remittances_obj(remittances: RemittancesLike) -> Remittances:
    """A ``Remittances`` as given, or read from a ``remittances.*`` path (with its sibling
    ``adjustments.*``)."""
    if isinstance(remittances, Remittances):
        return remittances
    if isinstance(remittances, str | Path):
        return read_remittances(remittances)
    msg = (
        "remittances must be a telekit.Remittances (tk.read_remittances(...)) or a path, "
        f"found {type(remittances).__name__}"
    )
    raise InputError(msg)


def parse_by(
    by: str | Sequence[str] | None,
    *,
    allowed: Sequence[str] = BY_KEYS,
    encounters_given: bool,
) -> list[str]:
    """``by`` as a list of distinct keys, checked against ``allowed``."""
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by)
    out: list[str] = []
    for key in keys:
        if not isinstance(key, str) or key not in allowed:
            shown = key if isinstance(key, str) else type(key).__name__
            msg = f"by: unknown key {shown!r} (expected one or a list of: {', '.join(allowed)})"
            raise ValueError(msg)
        if key not in out:
            out.append(key)
    if c.MODALITY in out and not encounters_given:
        msg = "by='modality' needs the encounters: pass encounters=... (a Table, frame or path)"
        raise ValueError(msg)
    return out


def line_unit(keys: Sequence[str]) -> bool:
    """Whether the unit is the claim line (``by`` has a line-level key)."""
    return any(k in LINE_KEYS for k in keys)


def with_modality(lines: pl.DataFrame, encounters: pl.DataFrame) -> pl.DataFrame:
    """Add each claim line's encounter ``modality`` (DESIGN §3): the encounter with the same
    encounter_id; else the single encounter of the same person, rendering NPI and date = DOS.
    Zero or several candidates: the encounter is missing and the modality null."""
    row = "_metrics_row"
    lf = lines.lazy().with_row_index(row)
    linked = link_encounters(lf, encounters.lazy(), (c.MODALITY,), row=row)
    return linked.drop(row).collect()
