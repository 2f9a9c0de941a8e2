"""Derived when absent (DESIGN §3), grouped exports filled down, report rows skipped.

``build_table`` calls these at four points, each over the whole frame:

1. ``skip_report_rows`` (raw cells, after the empty rows are skipped): the totals, subtotal and
   printed-footer rows of a report export are skipped and counted per reason, never rejected;
2. ``fill_down`` (raw cells, after the header mapping): a map's ``fill_down`` columns take the
   value of the row above where their cell is empty (a skipped row neither gives nor takes);
3. ``derive_payer_type`` (coerced values, before the rejects): an absent ``payer_type`` comes
   from the policy file's declared payer types (passed in as a plain mapping, the reader layer
   does not know the policies), then ``BUILTIN_PAYER_TYPES``, else the row is rejected;
4. ``number_lines`` (coerced values, before the rejects): an absent ``claim_line_number`` is
   1..n within each claim in the order (DOS, code, modifiers 1–4, charge, file order), so the
   same export numbers the same lines alike whatever order its rows come in.

Each derivation is said out loud: one sentence per column in ``Table.derived``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._core._payer_names import (
    BUILTIN_PAYER_TYPES,
    normalised_payer_expr,
    why_no_payer_type,
)
from telekit._io._coerce import FEW_KINDS, outside_graphic_ascii
from telekit._io._source import ROW

BLANK, TOTALS, FOOTER = "blank", "totals", "footer"

# "Total", "Totals:", "Grand total", "Subtotal", "Sub-total", "Total for Visit 1234"
_TOTALS = r"(?i)^(?:grand[\s-]*|sub[\s-]*)?totals?(?:[\s:]|$)"
# "Printed 12/01/2026 …", "Page 1 of 1", "Report generated …", "Run date …", "*** End of report"
# a key cell that does not make a row data: empty or blanks, or ``_TOTALS`` after any blanks
_NOT_A_KEY = r"(?i)^\s*(?:(?:grand[\s-]*|sub[\s-]*)?totals?(?:[\s:]|$)|$)"
_FOOTER = (
    r"(?i)^(?:printed\b|page\s+[0-9]+\s+of\s+[0-9]+|report\s+(?:generated|printed|run)\b"
    r"|run\s+(?:date|time)\b|\*+\s*end\s+of\s+report)"
)

_PT_SOURCE = "__payer_type_source"
_FROM_POLICY, _FROM_BUILTIN = "policy", "builtin"
_NAMES_SHOWN = 5


def _text(column: str) -> pl.Expr:
    """A raw cell as trimmed text, empty as null."""
    t = pl.col(column).str.strip_chars()
    return pl.when(t.str.len_bytes() > 0).then(t)


def _n(count: int, noun: str) -> str:
    """``1 line``, ``1,203 lines``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _record_keys(spec: c.TableSpec) -> tuple[str, ...]:
    """The columns a record always has: a row with all of them is data, never a report row."""
    if spec.name == c.CLAIMS.name:
        return (c.CLAIM_ID, c.HCPCS_CODE)
    return spec.key or tuple(spec.required[:1])


# --- 1. totals, subtotal and footer rows -------------------------------------------------------


def any_candidate(spec: c.TableSpec, keys: Sequence[tuple[str, str]]) -> pl.Expr:
    """Whether some row is a candidate report row (``skip_report_rows``): a cell of one of
    ``keys`` ((canonical column, frame column)) null, empty, blanks only or saying total. A
    code's key column (HCPCS) tells on its distinct cells (a few hundred), others on the cells
    whose first byte could start such a word (``_could_say_total``: none for ids like C0001)."""
    return pl.any_horizontal(
        [
            (pl.col(cell).null_count() > 0)
            | (
                pl.col(cell).unique()
                if spec.column(k).kind in FEW_KINDS
                else pl.col(cell).filter(_could_say_total(pl.col(cell)))
            )
            .str.contains(_NOT_A_KEY)
            .any()
            for k, cell in keys
        ]
    )


def _could_say_total(cell: pl.Expr) -> pl.Expr:
    """True where a String cell is empty or its first byte is a blank's, a non-ASCII byte or
    g, s or t in either case: every cell ``_NOT_A_KEY`` matches is one of these (its words
    start with those letters, a case-insensitive ``s`` also matches the non-ASCII long s)."""
    first = cell.cast(pl.Binary).bin.get(0, null_on_oob=True)
    return (
        (cell.str.len_bytes() == 0)
        | outside_graphic_ascii(first)
        | (first | 0x20).is_in([ord("g"), ord("s"), ord("t")])
    )


def skip_report_rows(
    spec: c.TableSpec, frame: pl.DataFrame, mapped: Mapping[int, str]
) -> tuple[pl.DataFrame, dict[str, int]]:
    """``frame`` without the totals, subtotal and footer rows of a report export, and how many
    of each were skipped.

    A row is a totals row when its first non-empty cell, or one of its key cells, says total,
    grand total, subtotal or totals (a trailing ``:`` or ``for Visit 1234`` allowed), or any
    cell does and the row has no key at all; a footer row when its first non-empty cell reads
    "Printed …", "Page x of y", "Report generated …", "Run date …" or "*** End of report", or
    any cell does and the row has no key. A row whose key cells (claims: claim_id and
    hcpcs_code) all hold a value that is not such a word is data, whatever its other cells say.
    """
    schema = frame.schema
    texts = [n for n in frame.columns if not n.startswith("__") and schema[n] == pl.String]
    position = {target: i for i, target in mapped.items()}
    named = [(k, f"c{position[k]}") for k in _record_keys(spec) if k in position]
    named = [(k, cell) for k, cell in named if cell in texts]
    keys = [cell for _, cell in named]
    if not texts or not keys or not frame.height:
        return frame, {}
    # one pass over the key columns only, no copy: a row is a candidate when a key cell is
    # empty (null, or blanks only) or says total (``_NOT_A_KEY``: ``_TOTALS`` after blanks)
    maybe = pl.any_horizontal(
        [pl.col(k).is_null() | pl.col(k).str.contains(_NOT_A_KEY) for k in keys]
    )
    if not frame.select(any_candidate(spec, named)).item():
        return frame, {}
    candidates = frame.filter(maybe)
    label = pl.coalesce([_text(n) for n in texts])
    no_key = pl.all_horizontal([_text(k).is_null() for k in keys])
    totals = (
        label.str.contains(_TOTALS)
        | pl.any_horizontal([_text(k).str.contains(_TOTALS) for k in keys])
        | (no_key & pl.any_horizontal([_text(n).str.contains(_TOTALS) for n in texts]))
    ).fill_null(value=False)
    footer = (
        label.str.contains(_FOOTER)
        | (no_key & pl.any_horizontal([_text(n).str.contains(_FOOTER) for n in texts]))
    ).fill_null(value=False)
    kinds = candidates.select(
        ROW,
        pl.when(totals).then(pl.lit(TOTALS)).when(footer).then(pl.lit(FOOTER)).alias("__kind"),
    ).filter(pl.col("__kind").is_not_null())
    if not kinds.height:
        return frame, {}
    counts = {str(k): int(n) for k, n in kinds.group_by("__kind").len().sort("__kind").iter_rows()}
    return frame.filter(pl.col(ROW).is_in(kinds.get_column(ROW).implode()).not_()), counts


# --- 2. fill down ------------------------------------------------------------------------------


def fill_down(
    frame: pl.DataFrame, mapped: Mapping[int, str], columns: Sequence[str]
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The map's ``fill_down`` columns with each empty cell taking the value of the row above
    (the source's columns that are absent are left alone), and one sentence per column filled."""
    position = {target: i for i, target in mapped.items()}
    targets = [(name, f"c{position[name]}") for name in columns if name in position]
    if not targets or not frame.height:
        return frame, {}
    empties: list[pl.Expr] = []
    fills: list[pl.Expr] = []
    for name, cell in targets:
        value = _text(cell) if frame.schema[cell] == pl.String else pl.col(cell)
        filled = value.forward_fill()
        empties.append((value.is_null() & filled.is_not_null()).sum().alias(name))
        fills.append(filled.alias(cell))
    counts = frame.select(empties).row(0, named=True)
    notes = {name: f"filled down on {_n(int(n), 'row')}" for name, n in counts.items() if n}
    return frame.with_columns(fills), notes


# --- 3. payer_type -----------------------------------------------------------------------------


def _value(spec: c.TableSpec, name: str) -> str:
    return f"__v{spec.names.index(name)}"


def derive_payer_type(
    spec: c.TableSpec,
    frame: pl.DataFrame,
    checks: list[tuple[str, str, str]],
    payer_types: Mapping[str, str],
) -> pl.DataFrame:
    """``payer_type`` of each row from its payer: the policy file's declared payer types
    (``payer_types``: trimmed, upper-cased payer or alias -> payer_type), then the built-in
    payer names; a row with neither gets the reject reason ``why_no_payer_type`` (a check
    added to ``checks`` in contract order). Computed over the distinct payers, then joined."""
    payer, value = _value(spec, c.PAYER), _value(spec, c.PAYER_TYPE)
    reason = f"__r{spec.names.index(c.PAYER_TYPE)}"
    payers = frame.select(pl.col(payer).unique().drop_nulls())
    key = pl.col(payer).str.strip_chars().str.to_uppercase()
    declared = (
        key.replace_strict(dict(payer_types), default=None, return_dtype=pl.String)
        if payer_types
        else pl.lit(None, pl.String)
    )
    builtin = normalised_payer_expr(pl.col(payer)).replace_strict(
        BUILTIN_PAYER_TYPES, default=None, return_dtype=pl.String
    )
    types = payers.with_columns(
        pl.coalesce(declared, builtin).alias(value),
        pl.when(declared.is_not_null())
        .then(pl.lit(_FROM_POLICY))
        .when(builtin.is_not_null())
        .then(pl.lit(_FROM_BUILTIN))
        .alias(_PT_SOURCE),
    )
    unknown = types.filter(pl.col(value).is_null()).get_column(payer).to_list()
    reasons = pl.DataFrame(
        {payer: unknown, reason: [why_no_payer_type(p) for p in unknown]},
        schema={payer: pl.String, reason: pl.String},
    )
    types = types.join(reasons, on=payer, how="left")
    frame = frame.drop(value, reason, strict=False).join(
        types, on=payer, how="left", maintain_order="left"
    )
    index = spec.names.index(c.PAYER_TYPE)
    at = next(
        (i for i, (name, _, _) in enumerate(checks) if spec.names.index(name) > index), len(checks)
    )
    checks.insert(at, (c.PAYER_TYPE, reason, c.PAYER))
    return frame


def payer_type_note(good: pl.DataFrame, rejected: pl.DataFrame, spec: c.TableSpec) -> str:
    """``"1,203 lines from the policy file, 88 from the built-in payer names (MEDICARE PART B),
    14 rejected (no payer_type for 2 payers)"``: ``good`` are the rows kept, ``rejected`` the
    rows whose payer_type could not be derived."""
    counts = dict(good.group_by(_PT_SOURCE).len().iter_rows())
    names = (
        good.filter(pl.col(_PT_SOURCE) == _FROM_BUILTIN)
        .select(normalised_payer_expr(pl.col(_value(spec, c.PAYER))).unique().sort())
        .to_series()
        .to_list()
    )
    shown = ", ".join(names[:_NAMES_SHOWN]) + (", …" if len(names) > _NAMES_SHOWN else "")
    parts = [
        f"{_n(counts.get(_FROM_POLICY, 0), 'line')} from the policy file",
        f"{counts.get(_FROM_BUILTIN, 0):,} from the built-in payer names"
        + (f" ({shown})" if names else ""),
    ]
    if rejected.height:
        n_payers = rejected.get_column(_value(spec, c.PAYER)).n_unique()
        parts.append(f"{rejected.height:,} rejected (no payer_type for {_n(n_payers, 'payer')})")
    return ", ".join(parts)


# --- 4. claim_line_number ----------------------------------------------------------------------


def number_lines(spec: c.TableSpec, frame: pl.DataFrame, reasons: Sequence[str]) -> pl.DataFrame:
    """``claim_line_number`` 1..n within each claim over the rows that will be kept (no reason
    in ``reasons``), in the order (DOS, hcpcs_code, modifiers 1–4, charge, file order)."""
    claim, value = _value(spec, c.CLAIM_ID), _value(spec, c.CLAIM_LINE_NUMBER)
    order = [
        _value(spec, n)
        for n in (c.CLAIM_LINE_START_DATE, c.HCPCS_CODE, *c.MODIFIERS, c.CHARGE_AMOUNT)
    ]
    kept = pl.all_horizontal([pl.col(r).is_null() for r in reasons]) if reasons else pl.lit(True)
    numbers = (
        frame.lazy()
        .filter(kept & pl.col(claim).is_not_null())
        .select(ROW, claim, *order)
        .sort([claim, *order, ROW], nulls_last=True)
        .select(ROW, pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over(claim).alias(value))
        .collect(engine=IN_MEMORY)
    )
    return frame.drop(value).join(numbers, on=ROW, how="left", maintain_order="left")


# --- the hooks build_table calls ---------------------------------------------------------------


def absent(spec: c.TableSpec, given: set[str], name: str) -> bool:
    """Whether ``name`` is a column of ``spec`` derived when absent that the source lacks."""
    return name in spec.derived and name not in given


def derive_columns(
    spec: c.TableSpec,
    frame: pl.DataFrame,
    given: set[str],
    checks: list[tuple[str, str, str]],
    payer_types: Mapping[str, str],
) -> pl.DataFrame:
    """The coerced ``frame`` with its absent derived columns filled (``checks`` gains the
    payer_type check when it is derived)."""
    if absent(spec, given, c.PAYER_TYPE) and c.PAYER in given:
        frame = derive_payer_type(spec, frame, checks, payer_types)
    if absent(spec, given, c.CLAIM_LINE_NUMBER):
        frame = number_lines(spec, frame, [r for _, r, _ in checks])
    return frame


def derived_notes(
    spec: c.TableSpec, coerced: pl.DataFrame, good: pl.DataFrame, given: set[str]
) -> dict[str, str]:
    """One sentence per derived column, in contract order."""
    notes: dict[str, str] = {}
    for name in spec.names:
        if not absent(spec, given, name):
            continue
        if name == c.CLAIM_LINE_NUMBER:
            notes[name] = c.DERIVED_LINE_NUMBER
        elif name == c.PAYER_TYPE and _PT_SOURCE in good.columns:
            reason = f"__r{spec.names.index(c.PAYER_TYPE)}"
            rejected = coerced.filter(pl.col(reason).is_not_null())
            notes[name] = payer_type_note(good, rejected, spec)
    return notes


# --- the bounded path: one table read bucket by bucket -----------------------------------------

_COUNTED = re.compile(r"([0-9][0-9,]*)(?: (line|row|payer)s?\b)?")


def _count(n: int, noun: str | None) -> str:
    return _n(n, noun) if noun else f"{n:,}"


def merge_skipped(parts: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """Rows skipped per reason, summed over the buckets of one table."""
    total: dict[str, int] = {}
    for part in parts:
        for reason, n in part.items():
            total[reason] = total.get(reason, 0) + n
    return dict(sorted(total.items()))


def merge_notes(parts: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The buckets' sentences of one table as one: the counts of sentences that read alike but
    for them are summed (``2 lines`` + ``1 line`` → ``3 lines``); others are listed once each."""
    merged: dict[str, list[str]] = {}
    for part in parts:
        for column, text in part.items():
            merged.setdefault(column, []).append(text)
    out: dict[str, str] = {}
    for column, texts in merged.items():
        shapes = {_COUNTED.sub(lambda m: _count(0, m.group(2)), t) for t in texts}
        if len(shapes) != 1:
            out[column] = "; ".join(dict.fromkeys(texts))
            continue
        counts = [[int(n.replace(",", "")) for n, _ in _COUNTED.findall(t)] for t in texts]
        out[column] = _recount(texts[0], [sum(col) for col in zip(*counts, strict=True)])
    return out


def _recount(text: str, counts: Sequence[int]) -> str:
    """``text`` with its counts replaced by ``counts``, in order."""
    numbers = iter(counts)
    return _COUNTED.sub(lambda m: _count(next(numbers), m.group(2)), text)
