"""Coercion of raw cells to canonical dtypes, and the rejects table, as polars expressions.

Each canonical column is read in two steps over the whole frame, never per row:

1. ``prepare_text``: trim, empty → null, apply the value map (exact, then case-insensitive),
   fill the column's default;
2. ``parse``: the kind's parser; a non-null text whose parse is null is a bad value, and
   ``reason`` says what was expected.

``split_rejects`` then keeps the good rows and turns the others into one reject row each:
the first failing column in contract order, its raw text, and ``" (+N more)"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import polars as pl

from telekit._core._columns import (
    CLAIM_LINE_START_DATE,
    MONEY,
    PLACE_OF_SERVICE_CODE,
    RECORD_KEY,
    REJECTS_SCHEMA,
    UNITS,
    Column,
)

MISSING = "missing required value"
DEFAULT_DATE_REASON = "expected a date (YYYY-MM-DD or MM/DD/YYYY)"
REASONS = {
    "money": "expected an amount with at most 2 decimals (e.g. 1234.50, $1,234.50 or (12.50))",
    "units": "expected a quantity with at most 3 decimals (e.g. 1 or 0.5)",
    "int": "expected a whole number",
    "bool": "expected true/false, yes/no, y/n, t/f or 1/0",
}

# plausible dates per column (DESIGN §3): a date of service outside is rejected as implausible
DATE_RANGES: dict[str, tuple[dt.date, dt.date]] = {
    CLAIM_LINE_START_DATE: (dt.date(1990, 1, 1), dt.date(2099, 12, 31)),
}

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_MONEY_NOISE = ["$", ",", " ", "\u00a0"]
_HEAD_ROWS = 4096  # a key not increasing in these first rows is not increasing at all
_FOLD = 0x9E3779B97F4A7C15  # odd: folds the hashes of a key's parts into one


# --- step 1: text ------------------------------------------------------------------------------


def prepare_text(
    text: pl.Expr, values_map: Mapping[str, str] | None = None, default: str | None = None
) -> pl.Expr:
    """Trimmed text, empty as null, with the value map applied and the default filled."""
    t = text.str.strip_chars()
    t = pl.when(t.str.len_bytes() > 0).then(t)
    if values_map:
        exact = {k.strip(): v for k, v in values_map.items()}
        folded: dict[str, str] = {}
        for k, v in exact.items():
            folded.setdefault(k.lower(), v)
        lower = t.str.to_lowercase()
        t = (
            pl.when(t.is_in(list(exact)))
            .then(t.replace(exact))
            .when(lower.is_in(list(folded)))
            .then(lower.replace(folded))
            .otherwise(t)
        )
    if default is not None:
        t = t.fill_null(pl.lit(default))
    return t


# --- step 2: parsers ---------------------------------------------------------------------------


def _rest(t: pl.Expr, done: pl.Expr) -> pl.Expr:
    """``t`` where the fast path ``done`` found nothing: the slow path's regexes then run only
    on those rows (null cells cost nothing)."""
    return pl.when(done.is_null()).then(t)


def parse_date(t: pl.Expr, date_format: str | None = None) -> pl.Expr:
    """ISO, US (``M/D/YYYY``), ``YYYYMMDD`` and zero-time ISO datetimes; or one given format."""
    if date_format:
        parsed = t.str.to_date(date_format, strict=False)
    else:
        iso = pl.when(t.str.len_bytes() <= 10).then(t.str.to_date("%Y-%m-%d", strict=False))
        rest = _rest(t, iso)
        us = rest.str.to_date("%m/%d/%Y", strict=False)
        rest = _rest(rest, us)
        compact = pl.when(rest.str.contains(r"^[0-9]{8}$")).then(
            rest.str.to_date("%Y%m%d", strict=False)
        )
        midnight = rest.str.extract(
            r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})[ T]00:00(?::00(?:\.0+)?)?$", 1
        ).str.to_date("%Y-%m-%d", strict=False)
        parsed = pl.coalesce(iso, us, compact, midnight)
    # a two-digit year read with %Y lands in the first century: not a date anyone billed
    return pl.when(parsed.dt.year().is_between(1000, 9999)).then(parsed)


def parse_decimal(t: pl.Expr, *, scale: int, dtype: pl.DataType) -> pl.Expr:
    """``$1,234.50`` → 1234.50, ``(12.50)`` → -12.50; extra decimals only when they are zeros.

    Too many integer digits for the dtype make the cast, and so the value, null."""
    plain = rf"^-?[0-9]+(?:\.[0-9]{{1,{scale}}})?$"
    fast = pl.when(t.str.contains(plain)).then(t.cast(dtype, strict=False))
    rest = _rest(t, fast)
    clean = rest.str.replace_many(_MONEY_NOISE, [""] * len(_MONEY_NOISE))
    clean = (
        pl.when(clean.str.starts_with("(") & clean.str.ends_with(")"))
        .then(pl.lit("-") + clean.str.strip_prefix("(").str.strip_suffix(")"))
        .otherwise(clean)
    )
    shape = rf"^[+-]?(?:[0-9]+(?:\.[0-9]{{0,{scale}}}0*)?|\.[0-9]{{1,{scale}}}0*)$"
    return pl.coalesce(
        fast, pl.when(clean.str.contains(shape)).then(clean.cast(dtype, strict=False))
    )


def parse_int(t: pl.Expr) -> pl.Expr:
    """``15`` and ``15.0`` → 15 (Int32); ``15.5``, ``x`` and out-of-range values → null."""
    fast = t.cast(pl.Int64, strict=False)
    rest = _rest(t, fast)
    slow = rest.str.extract(r"^([+-]?[0-9]+)\.0*$", 1).cast(pl.Int64, strict=False)
    number = pl.coalesce(fast, slow)
    return pl.when(number.is_between(_INT32_MIN, _INT32_MAX)).then(number).cast(pl.Int32)


def parse_bool(t: pl.Expr) -> pl.Expr:
    words = dict.fromkeys(_TRUE, True) | dict.fromkeys(_FALSE, False)
    return t.str.to_lowercase().replace_strict(words, default=None, return_dtype=pl.Boolean)


def normalize_enum(t: pl.Expr, values: Sequence[str]) -> pl.Expr:
    """Case-insensitive match; ``Audio-Only`` → ``audio_only``; ``01`` → ``1`` for numeric codes."""
    allowed = list(values)
    direct = pl.when(t.is_in(allowed)).then(t)
    rest = _rest(t, direct)
    if all(v.isdigit() for v in values):
        norm = rest.str.replace(r"\.0+$", "").str.replace(r"^0+([0-9])", "${1}")
    elif all(v == v.lower() for v in values):
        norm = rest.str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
    else:
        norm = rest.str.to_uppercase().str.replace_all(r"[\s\-]+", "_")
    return pl.coalesce(direct, pl.when(norm.is_in(allowed)).then(norm))


def parse_code(t: pl.Expr, name: str) -> pl.Expr:
    code = t.str.to_uppercase()
    if name == PLACE_OF_SERVICE_CODE:  # Excel and typed sources write POS 02 as 2 or 2.0
        odd = pl.when(code.str.len_bytes() != 2).then(code)
        fixed = odd.str.extract(r"^([0-9]{1,2})(?:\.0+)?$", 1).str.zfill(2)
        code = pl.coalesce(fixed, code)
    return code


_TEXT_PARSERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "money": lambda t: parse_decimal(t, scale=2, dtype=MONEY),
    "units": lambda t: parse_decimal(t, scale=3, dtype=UNITS),
    "int": parse_int,
    "bool": parse_bool,
}


def parse(column: Column, t: pl.Expr, date_format: str | None = None) -> pl.Expr:
    """The value of prepared text ``t`` as the column's canonical dtype; null when unreadable."""
    if column.kind == "code":
        return parse_code(t, column.name)
    if column.kind == "date":
        return parse_date(t, date_format)
    if column.kind == "enum":
        return normalize_enum(t, column.values)
    if column.kind in _TEXT_PARSERS:
        return _TEXT_PARSERS[column.kind](t)
    return t  # id, text


def bad_value_reason(column: Column, date_format: str | None = None) -> str | None:
    """What a non-empty value of this column that cannot be read was expected to be."""
    if column.kind == "date":
        return f"expected a date ({date_format})" if date_format else DEFAULT_DATE_REASON
    if column.kind == "enum":
        return "expected one of: " + ", ".join(column.values)
    return REASONS.get(column.kind)


def range_reason(column: Column, value: pl.Expr) -> pl.Expr:
    """Why a read value is implausible (a date outside ``DATE_RANGES``), else null."""
    if column.name not in DATE_RANGES:
        return pl.lit(None, pl.String)
    low, high = DATE_RANGES[column.name]
    text = f"implausible date; expected a date from {low.isoformat()} to {high.isoformat()}"
    return pl.when(value.is_not_null() & value.is_between(low, high).not_()).then(pl.lit(text))


def reason(column: Column, t: pl.Expr, value: pl.Expr, date_format: str | None) -> pl.Expr:
    """Why the prepared text ``t`` cannot be kept (null when it can)."""
    expr = range_reason(column, value)
    bad = bad_value_reason(column, date_format)
    if bad is not None:
        expr = pl.when(t.is_not_null() & value.is_null()).then(pl.lit(bad)).otherwise(expr)
    if column.required:
        expr = pl.when(t.is_null()).then(pl.lit(MISSING)).otherwise(expr)
    return expr


def typed_reason(column: Column, value: pl.Expr) -> pl.Expr:
    """A source column already in the canonical dtype can only be missing or out of range."""
    if column.required:
        return pl.when(value.is_null()).then(pl.lit(MISSING)).otherwise(range_reason(column, value))
    return range_reason(column, value)


#: column kinds whose cells repeat a few values (read on their distinct cells), and kinds of free
#: identifiers and text (read cell by cell: their first and last bytes, ``edge_suspect``)
FEW_KINDS: Final = ("code", "enum")
TEXT_KINDS: Final = ("id", "text")


def outside_graphic_ascii(byte: pl.Expr) -> pl.Expr:
    """True where the UInt8 ``byte`` is not a printable ASCII character other than space:
    control or space (< 0x21), DEL or a byte of a multi-byte UTF-8 character (>= 0x7F).
    One subtraction that wraps around and one comparison (null stays null)."""
    return (byte - 0x21) >= 0x5E


def edge_suspect(source: pl.Expr) -> pl.Expr:
    """True where a String cell is empty, or its first or last byte could belong to a blank
    ``strip_chars`` removes (every such blank, ASCII or Unicode, is made of bytes
    ``outside_graphic_ascii``): a cell that is not suspect reads as itself once trimmed. Null
    where the cell is null. Several times cheaper than a trim: the first byte is told by two
    comparisons with a literal (UTF-8 text orders as its bytes: a cell below ``"!"`` is empty
    or starts with a control or a space, one from ``"\\x7f"`` up starts with DEL or a byte of
    a multi-byte character), which read the view's inline prefix, and the last by one byte
    read."""
    last = source.cast(pl.Binary).bin.get(-1, null_on_oob=True)
    return (source < "!") | (source >= "\x7f") | outside_graphic_ascii(last)


#: the forms of ``clean_check`` for identifiers and free text (the same verdict from each)
TEXT_FORMS: Final = ("edges", "distinct", "cells")


def clean_check(column: Column, source: pl.Expr, *, form: str = "edges") -> pl.Expr | None:
    """The cells of the String column ``source`` that tell whether all its cells could skip
    ``prepare_text`` and ``parse`` (no value map), as one list for ``read_as_themselves``;
    None for a kind that is not text.

    Codes and enumerations (and identifiers or free text with a default): the distinct cells
    (a few hundred of a million). Identifiers and free text, by ``form`` (``TEXT_FORMS``):
    ``edges``, the cells ``edge_suspect`` picks (none in a clean column: a cell that is not
    suspect reads as itself); ``distinct``, the distinct cells (cheaper on a mostly-null
    column); ``cells``, every cell."""
    text = column.kind in TEXT_KINDS and column.default is None
    if text and form == "edges":
        return source.filter(edge_suspect(source)).implode()
    if text and form == "cells":
        return source.implode()
    if column.kind not in FEW_KINDS and column.kind not in TEXT_KINDS:
        return None
    cells = source if column.default is None else source.fill_null(pl.lit(column.default))
    return cells.drop_nulls().unique().implode()


def reads_as_themselves(column: Column, distinct: pl.Series) -> bool:
    """True when every value of ``distinct`` comes out of ``prepare_text`` and ``parse``
    unchanged: the column is then kept as is and ``typed_reason`` gives the same reasons."""
    check = read_as_themselves(column, pl.col(distinct.name))
    return bool(distinct.to_frame().select(check).item())


def read_as_themselves(column: Column, distinct: pl.Expr) -> pl.Expr:
    """``reads_as_themselves`` as a boolean aggregate over the values of ``distinct``."""
    return parse(column, prepare_text(distinct)).eq_missing(distinct).all()


# --- rejects -----------------------------------------------------------------------------------


def _unique_keys(frame: pl.DataFrame, columns: Sequence[str]) -> bool:
    """True when no key can repeat: sorted by the key (``_strictly_increasing``), or each
    row's 64-bit hash of its key is distinct (distinct hashes mean distinct keys; when hashes
    repeat, a collision or a duplicate, the caller compares the keys themselves)."""
    if _strictly_increasing(frame, columns):
        return True
    # one hash per part, folded (wrapping UInt64 arithmetic): equal keys fold alike, and three
    # column hashes cost less than the hash of a struct
    hashes = pl.col(columns[0]).hash()
    for column in columns[1:]:
        hashes = hashes * _FOLD + pl.col(column).hash()
    return bool(frame.select(hashes.n_unique()).item() == frame.height)


def _strictly_increasing(frame: pl.DataFrame, columns: Sequence[str]) -> bool:
    """True when no key part is null and each row's key is greater than the row before's
    (compared part by part): then no key repeats, and the hash of every key is not needed
    (a source sorted by its key, as exports usually are, pays one comparison a row)."""
    if frame.height < 2:
        return True
    if frame.height > _HEAD_ROWS and not _strictly_increasing(frame.head(_HEAD_ROWS), columns):
        return False  # an unsorted source shows it in its first rows: no pass over them all
    if any(frame.select(pl.col(c).null_count() for c in columns).row(0)):
        return False
    greater: pl.Expr = pl.lit(value=False)
    for c in reversed(columns):
        now, before = pl.col(c), pl.col(c).shift()
        greater = (now > before) | ((now == before) & greater)
    # the key's columns in one chunk first: a shifted column compared with its chunked self is
    # cut unlike it (claims, 8 chunks: 34 ms as they are, 23 with this copy of two columns)
    return bool(frame.select(columns).rechunk().select(greater.slice(1).all()).item())


def split_rejects(
    frame: pl.DataFrame,
    *,
    checks: Sequence[tuple[str, str, str]],
    key: Sequence[tuple[str, str]],
    table: str,
    source_file: str,
    row: str,
    record: pl.Expr | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` into its good rows and one reject row per bad row.

    ``record`` gives each reject its ``record_key`` (``telekit._core._table.record_key`` over
    the raw cells; null when not given).

    ``checks`` lists, in contract order, (canonical column, reason column, raw-text column);
    ``key`` lists (canonical column, value column) of the duplicate key; null parts never
    duplicate, and only good rows take part.
    """
    # only the reason columns that hold a reason somewhere are counted (a typed source often
    # has none): a column of nulls adds nothing to a row's count
    counts = frame.select(pl.col(r).null_count() for _, r, _ in checks).row(0) if checks else ()
    live = [r for (_, r, _), nulls in zip(checks, counts, strict=True) if nulls < frame.height]
    if live:
        n_bad = pl.sum_horizontal([pl.col(r).is_not_null() for r in live])
        frame = frame.with_columns(n_bad.cast(pl.Int64).alias("__n_bad"))
        bad = frame.filter(pl.col("__n_bad") > 0)
        good = frame.filter(pl.col("__n_bad") == 0)
    else:  # no new column on the wide frame: its columns' chunks need not be aligned
        bad = frame.clear().with_columns(pl.lit(0, pl.Int64).alias("__n_bad"))
        good = frame

    problems = pl.concat_list(
        [
            pl.when(pl.col(r).is_not_null()).then(
                pl.struct(
                    pl.lit(name).alias("column"),
                    pl.col(raw).cast(pl.String).alias("value"),
                    pl.col(r).alias("reason"),
                )
            )
            for name, r, raw in checks
        ]
    ).list.drop_nulls()
    first = problems.list.first()
    more = pl.col("__n_bad") - 1
    key_of = (pl.lit(None, pl.String) if record is None else record).alias(RECORD_KEY)
    value_rejects = bad.select(
        pl.col(row).cast(pl.Int64).alias("row_number"),
        key_of,
        first.struct.field("column").alias("column"),
        first.struct.field("value").alias("value"),
        pl.when(more > 0)
        .then(pl.format("{} (+{} more)", first.struct.field("reason"), more))
        .otherwise(first.struct.field("reason"))
        .alias("reason"),
    )

    if key and not _unique_keys(good, [v for _, v in key]):
        values = [v for _, v in key]
        complete = pl.all_horizontal([pl.col(v).is_not_null() for v in values])
        good = good.with_columns(
            (complete & pl.struct(values).is_first_distinct().not_()).alias("__dup")
        )
        names = [name for name, _ in key]
        raw_key = next(raw for name, _, raw in checks if name == names[0])
        dups = good.filter(pl.col("__dup"))
        if dups.height:
            # good rows are in row order, so the first occurrence is the first row seen
            first_seen = (
                good.filter(complete & pl.col("__dup").not_())
                .select(*values, pl.col(row).alias("__first_row"))
                .join(dups.select(values).unique(), on=values, how="semi", nulls_equal=False)
            )
            dup_rejects = dups.join(first_seen, on=values, how="left").select(
                pl.col(row).cast(pl.Int64).alias("row_number"),
                key_of,
                pl.lit(names[0]).alias("column"),
                pl.col(raw_key).cast(pl.String).alias("value"),
                pl.format(
                    "duplicate key ({}); first seen at row {}",
                    pl.lit(", ".join(names)),
                    pl.col("__first_row"),
                ).alias("reason"),
            )
            value_rejects = pl.concat([value_rejects, dup_rejects])
            good = good.filter(pl.col("__dup").not_())

    rejects = (
        value_rejects.sort("row_number")
        .select(
            pl.lit(table).alias("table"),
            pl.lit(source_file).alias("source_file"),
            "row_number",
            RECORD_KEY,
            "column",
            "value",
            "reason",
        )
        .cast(REJECTS_SCHEMA)
    )
    return good, rejects
