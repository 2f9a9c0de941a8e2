"""Expected fees (``[[fee]]`` tables of a policies.toml or an expected_fees.toml): payer,
hcpcs_code, modifier, expected_allowed, and the dates it applies (``start``/``end``), read by
the audit's pricing (``telekit._engine._pricing``) and ``metrics.underpayment``."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import polars as pl

from telekit._core._columns import (
    HCPCS_CODE,
    MONEY,
    PAYER,
)
from telekit._core._exceptions import PolicyError
from telekit._policies._model import Policies
from telekit._policies._toml import _key_path, _one_of, _read_toml, _Reader, _toml_type

MODIFIER = "modifier"
EXPECTED_ALLOWED = "expected_allowed"
START, END = "start", "end"
EXPECTED_FEES_SCHEMA: Final = pl.Schema(
    {
        PAYER: pl.String(),
        HCPCS_CODE: pl.String(),
        MODIFIER: pl.String(),
        EXPECTED_ALLOWED: MONEY,
        START: pl.Date(),
        END: pl.Date(),
    }
)
_FEE_FIELDS: Final = (PAYER, HCPCS_CODE, MODIFIER, EXPECTED_ALLOWED, START, END)
_MAX_ALLOWED = Decimal(10) ** 10  # Decimal(12, 2) holds up to 9,999,999,999.99


def load_expected_fees(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    policies: Policies | None = None,
) -> pl.DataFrame:
    """Read ``[[fee]]`` tables (payer, hcpcs_code, modifier optional, expected_allowed per
    unit, start/end optional: the first and last DOS the fee applies to, both inclusive).

    Returns payer (the payer key: trimmed, upper-cased, and mapped through ``policies``' aliases
    when given), hcpcs_code (upper-cased), modifier (null when absent) and expected_allowed
    (``Decimal(12, 2)``, read exactly from a TOML string ``"85.50"`` or a number), start and end
    (dates, null when absent). A file may also hold ``[payer]`` / ``[payer_type]`` /
    ``[medicare]`` / ``[metrics]`` tables (ignored here). Problems are ``PolicyError`` naming the
    file and the entry (``fee[3].expected_allowed``, counting from 1); two fees of one (payer,
    hcpcs_code, modifier) whose dates overlap are one of them.
    """
    text: str | None = None
    if isinstance(source, Mapping):
        name, doc = "<expected fees>", source
    else:
        name = os.fspath(source)
        doc, text = _read_toml(source)
    reader = _Reader(name, text)
    rows = _fee_rows(reader, doc)
    out = pl.DataFrame(rows, schema=EXPECTED_FEES_SCHEMA)
    if policies is not None:
        out = out.with_columns(policies.payer_key(PAYER).alias(PAYER))
    _check_repeats(reader, out)
    return out


def _fee_rows(reader: _Reader, doc: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The ``[[fee]]`` entries as columns, each entry checked."""
    for top in doc:
        if top not in ("fee", "payer", "payer_type", "medicare", "metrics"):
            msg = (
                f"{reader.where(_key_path(str(top)))}unknown top-level table {top!r} "
                "(expected [[fee]] tables)"
            )
            raise PolicyError(msg)
    fees = doc.get("fee", [])
    if not isinstance(fees, list | tuple):
        raise reader.fail("fee", f"expected an array of tables ([[fee]]), found {_toml_type(fees)}")
    rows: dict[str, list[Any]] = {f: [] for f in _FEE_FIELDS}
    for i, item in enumerate(fees, start=1):
        path = f"fee[{i}]"
        table = reader.table(item, path)
        for field in table:
            if field not in _FEE_FIELDS:
                raise reader.fail(
                    f"{path}.{_key_path(field)}",
                    f"unknown field (expected one of: {_one_of(_FEE_FIELDS)})",
                )
        payer = _fee_text(reader, table, path, PAYER, required=True)
        code = _fee_text(reader, table, path, HCPCS_CODE, required=True)
        modifier = _fee_text(reader, table, path, MODIFIER, required=False)
        amount = _fee_amount(reader, table, path)
        start = reader.date(table[START], f"{path}.{START}") if START in table else None
        end = reader.date(table[END], f"{path}.{END}") if END in table else None
        if start is not None and end is not None and end < start:
            raise reader.fail(f"{path}.{END}", f"ends ({end}) before it starts ({start})")
        rows[START].append(start)
        rows[END].append(end)
        assert payer is not None
        assert code is not None
        rows[PAYER].append(payer)
        rows[HCPCS_CODE].append(code)
        rows[MODIFIER].append(modifier)
        rows[EXPECTED_ALLOWED].append(amount)
    return rows


def _check_repeats(reader: _Reader, fees: pl.DataFrame) -> None:
    """Refuse two fees of one (payer, hcpcs_code, modifier) whose dates overlap, payers
    compared through aliases."""
    seen: dict[tuple[str, str, str | None], list[tuple[int, dt.date, dt.date]]] = {}
    rows = zip(fees[PAYER], fees[HCPCS_CODE], fees[MODIFIER], fees[START], fees[END], strict=True)
    for i, (payer, code, modifier, start, end) in enumerate(rows, start=1):
        first, last = start or dt.date.min, end or dt.date.max
        for j, other_first, other_last in seen.get((payer, code, modifier), []):
            if first <= other_last and other_first <= last:
                raise reader.fail(
                    f"fee[{i}]",
                    f"repeats the payer, hcpcs_code and modifier of fee[{j}] on overlapping "
                    "dates (payers compared through aliases; keep one, or give each a "
                    "start and end)",
                )
        seen.setdefault((payer, code, modifier), []).append((i, first, last))


def _fee_text(
    reader: _Reader, table: Mapping[str, Any], path: str, field: str, *, required: bool
) -> str | None:
    where = f"{path}.{field}"
    if field not in table:
        if required:
            raise reader.fail(where, "is missing")
        return None
    value = table[field]
    if not isinstance(value, str):
        raise reader.fail(where, f"expected a string, found {_toml_type(value)}")
    text = value.strip().upper()
    if not text:
        raise reader.fail(where, "expected a non-empty string")
    return text


def _fee_amount(reader: _Reader, table: Mapping[str, Any], path: str) -> Decimal:
    where = f"{path}.{EXPECTED_ALLOWED}"
    if EXPECTED_ALLOWED not in table:
        raise reader.fail(where, "is missing")
    value = table[EXPECTED_ALLOWED]
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise reader.fail(
            where, f'expected an amount ("85.50" or 85.50), found {_toml_type(value)}'
        )
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise reader.fail(where, 'expected an amount such as "85.50"') from None
    if not amount.is_finite() or amount < 0:
        raise reader.fail(where, "expected a finite amount >= 0")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise reader.fail(where, "expected at most 2 decimal places (cents)")
    if amount >= _MAX_ALLOWED:
        raise reader.fail(where, "expected an amount below 10,000,000,000.00")
    return amount.quantize(Decimal("0.01"))
