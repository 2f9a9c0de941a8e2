"""Typed parsing of CMS file cells (codes, decimals, dates, flags), vectorised and strict.

Each parser turns a String column into its type and, when a filled cell does not parse, raises
``InputError`` naming the file, the 1-based row, the column and what was expected — never the
value (the CMS files hold no PHI, but the same rule applies to every telekit message).
"""

from __future__ import annotations

import polars as pl

from telekit._core._exceptions import InputError

CODE_SHAPE = r"^[0-9A-Z][0-9]{3}[0-9A-Z]$"


def normalise_code(expr: pl.Expr) -> pl.Expr:
    """Trim, upper-case and turn a whole-number float (``99213.0``) into its digits."""
    return (
        expr.cast(pl.String)
        .str.strip_chars()
        .str.to_uppercase()
        .str.replace(r"^([0-9]+)\.0+$", "${1}")
    )


def _first_bad(frame: pl.DataFrame, raw: str, parsed: pl.Expr) -> int | None:
    bad = (
        frame.with_row_index("_r")
        .filter(pl.col(raw).is_not_null() & parsed.is_null())
        .get_column("_r")
    )
    return None if bad.is_empty() else int(bad[0])


def check_parsed(
    frame: pl.DataFrame,
    parsed: dict[str, pl.Expr],
    *,
    label: str,
    row_of: pl.Expr,
    expected: dict[str, str],
) -> pl.DataFrame:
    """Add the ``parsed`` columns (name → expression over the raw column of that name) and
    raise ``InputError`` at the first filled raw cell that did not parse.

    ``row_of`` gives each row's 1-based row number in the file; ``expected`` names, per column,
    what a cell should hold.
    """
    out = frame.with_columns(**{f"_{name}": expr for name, expr in parsed.items()})
    for name in parsed:
        bad = _first_bad(out, name, pl.col(f"_{name}"))
        if bad is not None:
            row = out.select(row_of.gather(bad)).item()
            msg = f"{label}: row {row}, column {name!r}: expected {expected[name]}."
            raise InputError(msg)
    return out.drop(list(parsed)).rename({f"_{name}": name for name in parsed})


def decimal(expr: pl.Expr, scale: int) -> pl.Expr:
    """A decimal number with at most ``scale`` decimals as ``Decimal(18, scale)``; else null."""
    text = expr.str.strip_chars().str.replace(r"^\+", "")
    ok = text.str.contains(rf"^-?(?:[0-9]+(?:\.[0-9]{{0,{scale}}})?|\.[0-9]{{1,{scale}}})$")
    return pl.when(ok).then(text).cast(pl.Decimal(18, scale))


def cms_date(expr: pl.Expr) -> pl.Expr:
    """CMS's dates: ``YYYYMMDD`` (NCCI text files), ISO ``YYYY-MM-DD`` (with an optional
    time, as a workbook cell reads), or ``MM/DD/YYYY``; ``*`` or empty means none (null)."""
    text = expr.str.strip_chars()
    return pl.coalesce(
        text.str.to_date("%Y%m%d", strict=False),
        text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        text.str.to_date("%m/%d/%Y", strict=False),
    )
