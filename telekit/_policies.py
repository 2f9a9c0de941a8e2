"""Payer policies: ``policies.toml``, the built-in defaults, precedence and per-line resolution.

A policy says, per payer and date of service, how that payer wants telehealth billed (DESIGN §3)::

    [payer_type.commercial]           # overrides the built-in default for every commercial payer
    timely_filing_days = 120

    [payer.AETNA]                     # keyed by the `payer` value on the lines
    payer_type = "commercial"
    aliases = ["AETNA BETTER HEALTH", "60054"]
    telehealth_covered = true

    [[payer.AETNA.periods]]
    start = 2024-01-01                # inclusive
    end = 2024-12-31                  # inclusive; omit for open
    telehealth_pos = "02/10"

Precedence, field by field (most specific wins): a payer's period covering the DOS > the payer's
own field > a payer_type period covering the DOS > the payer_type field in the file > the
built-in default (itself date-dependent). A period only overrides the fields it names.

Resolution is vectorised: every key's timeline is cut at its own boundaries into segments with
all fields resolved (``Policies.describe()``, one row per segment: linear in the file's size);
the lines find their timeline with one hash join on their distinct (payer, payer_type) pairs and
their segment with one sorted search of (timeline, DOS) over the segments' (timeline, start) —
no Python per line, no loop over payers or periods against the lines, no sort of the lines.

Expected fees (``[[fee]]`` tables, for underpayment) are read by ``load_expected_fees``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeAlias, TypeVar

import polars as pl

from telekit._core._columns import (
    CLAIM_LINE_START_DATE,
    HCPCS_CODE,
    MONEY,
    PAYER,
    PAYER_TYPE,
    PAYER_TYPES,
)
from telekit._core._exceptions import PolicyError

__all__ = [
    "BUILTIN_POLICIES",
    "EXPECTED_ALLOWED",
    "EXPECTED_FEES_SCHEMA",
    "MODIFIER",
    "PAYER_KEY",
    "POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES",
    "POLICY_AUDIO_ONLY_COVERED",
    "POLICY_COLUMNS",
    "POLICY_REQUIRES_MODIFIER_93",
    "POLICY_TELEHEALTH_COVERED",
    "POLICY_TELEHEALTH_MODIFIERS",
    "POLICY_TELEHEALTH_POS",
    "POLICY_TIMELY_FILING_DAYS",
    "POLICY_TIMELY_FILING_RULE",
    "TELEHEALTH_POS_VALUES",
    "TIMELY_FILING_RULES",
    "Policies",
    "load_expected_fees",
    "load_policies",
]

# --- vocabulary --------------------------------------------------------------------------------

TELEHEALTH_POS_VALUES: Final = ("02", "02/10", "in_person+95", "none")
TIMELY_FILING_RULES: Final = ("calendar_year", "days", "none")

# policy fields as written in policies.toml
_TELEHEALTH_POS = "telehealth_pos"
_TELEHEALTH_MODIFIERS = "telehealth_modifiers"
_REQUIRES_MODIFIER_93 = "requires_modifier_93"
_TIMELY_FILING_DAYS = "timely_filing_days"
_ACCEPTS_CPT_TELEMEDICINE_CODES = "accepts_cpt_telemedicine_codes"
_TELEHEALTH_COVERED = "telehealth_covered"
_AUDIO_ONLY_COVERED = "audio_only_covered"
_TIMELY_FILING_RULE = "timely_filing_rule"  # derived: never written in a file

_POLICY_FIELDS: Final = (
    _TELEHEALTH_POS,
    _TELEHEALTH_MODIFIERS,
    _REQUIRES_MODIFIER_93,
    _TIMELY_FILING_DAYS,
    _ACCEPTS_CPT_TELEMEDICINE_CODES,
    _TELEHEALTH_COVERED,
    _AUDIO_ONLY_COVERED,
)
_BOOL_FIELDS: Final = (
    _REQUIRES_MODIFIER_93,
    _ACCEPTS_CPT_TELEMEDICINE_CODES,
    _TELEHEALTH_COVERED,
    _AUDIO_ONLY_COVERED,
)
_PERIODS = "periods"
_ALIASES = "aliases"
_START = "start"
_END = "end"

# --- output columns (added to the lines by Policies.resolve) ----------------------------------

PAYER_KEY = "payer_key"
POLICY_TELEHEALTH_POS = "policy_telehealth_pos"
POLICY_TELEHEALTH_MODIFIERS = "policy_telehealth_modifiers"
POLICY_REQUIRES_MODIFIER_93 = "policy_requires_modifier_93"
POLICY_TIMELY_FILING_RULE = "policy_timely_filing_rule"
POLICY_TIMELY_FILING_DAYS = "policy_timely_filing_days"
POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES = "policy_accepts_cpt_telemedicine_codes"
POLICY_TELEHEALTH_COVERED = "policy_telehealth_covered"
POLICY_AUDIO_ONLY_COVERED = "policy_audio_only_covered"

# internal field -> (output column, dtype), in output order
_OUTPUT: Final[dict[str, tuple[str, pl.DataType]]] = {
    _TELEHEALTH_POS: (POLICY_TELEHEALTH_POS, pl.String()),
    _TELEHEALTH_MODIFIERS: (POLICY_TELEHEALTH_MODIFIERS, pl.List(pl.String())),
    _REQUIRES_MODIFIER_93: (POLICY_REQUIRES_MODIFIER_93, pl.Boolean()),
    _TIMELY_FILING_RULE: (POLICY_TIMELY_FILING_RULE, pl.String()),
    _TIMELY_FILING_DAYS: (POLICY_TIMELY_FILING_DAYS, pl.Int32()),
    _ACCEPTS_CPT_TELEMEDICINE_CODES: (POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES, pl.Boolean()),
    _TELEHEALTH_COVERED: (POLICY_TELEHEALTH_COVERED, pl.Boolean()),
    _AUDIO_ONLY_COVERED: (POLICY_AUDIO_ONLY_COVERED, pl.Boolean()),
}
POLICY_COLUMNS: Final = pl.Schema(dict(_OUTPUT.values()))

VALID_START_DATE = "valid_start_date"
VALID_END_DATE = "valid_end_date"

# --- expected fees -----------------------------------------------------------------------------

MODIFIER = "modifier"
EXPECTED_ALLOWED = "expected_allowed"
EXPECTED_FEES_SCHEMA: Final = pl.Schema(
    {PAYER: pl.String(), HCPCS_CODE: pl.String(), MODIFIER: pl.String(), EXPECTED_ALLOWED: MONEY}
)
_FEE_FIELDS: Final = (PAYER, HCPCS_CODE, MODIFIER, EXPECTED_ALLOWED)
_MAX_ALLOWED = Decimal(10) ** 10  # Decimal(12, 2) holds up to 9,999,999,999.99

# --- internal model ----------------------------------------------------------------------------

Value: TypeAlias = str | bool | int | tuple[str, ...] | None
Fields: TypeAlias = Mapping[str, Value]
Source: TypeAlias = "str | os.PathLike[str] | Mapping[str, Any] | Policies | None"
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

_ONE_DAY = dt.timedelta(days=1)
_OPEN_START = dt.date(1, 1, 1)  # sorts an open start first
#: Dates a period may name (DESIGN §3 periods are billing dates; outside this, a typo).
_MIN_DATE: Final = dt.date(1900, 1, 1)
_MAX_DATE: Final = dt.date(2200, 12, 31)
_BUILTIN = "built-in"
_DICT_SOURCE = "<policies>"

# temporary columns of resolve()
_JOIN_KEY = "__telekit_policy_key"
_JOIN_TYPE = "__telekit_policy_type"
_TIMELINE = "__telekit_policy_timeline"
_ROW = "__telekit_policy_row"
_SEARCH = "__telekit_policy_search"
_DAY_SPAN = 2**32  # a (timeline, day) search key is timeline * 2**32 + (days since 1970 + 2**31)


class _Period(NamedTuple):
    """Fields that apply from ``start`` to ``end`` (both inclusive; ``None`` = open).

    Both a ``[[periods]]`` table (only the fields it names) and a resolved segment of a
    timeline (every field). A named tuple: a 10,000-payer file makes some 100,000 of them.
    """

    start: dt.date | None
    end: dt.date | None
    fields: Fields

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class _Layer:
    """One level of the precedence: its own fields, then its periods over them."""

    fields: Fields
    periods: tuple[_Period, ...] = ()


@dataclass(frozen=True)
class _Payer:
    key: str  # normalised (trimmed, upper-cased)
    path: str  # table path in the file, e.g. ``payer.AETNA``
    payer_type: str | None
    aliases: tuple[str, ...]
    layer: _Layer


def _days(n: int) -> dict[str, Value]:
    return {_TIMELY_FILING_RULE: "days", _TIMELY_FILING_DAYS: n}


_D = dt.date
_UNKNOWN_COVERAGE: Final[dict[str, Value]] = {_TELEHEALTH_COVERED: None, _AUDIO_ONLY_COVERED: None}
_MEDICARE_PERIODS = (
    _Period(_D(2020, 3, 1), _D(2023, 12, 31), {_TELEHEALTH_POS: "in_person+95"}),
    _Period(_D(2024, 1, 1), None, {_TELEHEALTH_POS: "02/10"}),
    _Period(_D(2023, 1, 1), None, {_REQUIRES_MODIFIER_93: True}),
)
_COMMERCIAL = _Layer(
    {
        _TELEHEALTH_POS: "02",
        _TELEHEALTH_MODIFIERS: ("95", "GT"),
        _REQUIRES_MODIFIER_93: False,
        **_days(90),
        _ACCEPTS_CPT_TELEMEDICINE_CODES: True,
        **_UNKNOWN_COVERAGE,
    },
    (
        _Period(_D(2022, 1, 1), None, {_TELEHEALTH_POS: "02/10"}),
        _Period(_D(2022, 1, 1), None, {_REQUIRES_MODIFIER_93: True}),
    ),
)

#: The built-in default of every payer_type (DESIGN §3), as the lowest layer of the precedence.
_BUILTIN_LAYERS: Final[dict[str, _Layer]] = {
    "medicare": _Layer(
        {
            _TELEHEALTH_POS: "02",
            _TELEHEALTH_MODIFIERS: (),
            _REQUIRES_MODIFIER_93: False,
            _TIMELY_FILING_RULE: "calendar_year",
            _TIMELY_FILING_DAYS: None,
            _ACCEPTS_CPT_TELEMEDICINE_CODES: False,
            **_UNKNOWN_COVERAGE,
        },
        _MEDICARE_PERIODS,
    ),
    "medicare_advantage": _Layer(
        {
            _TELEHEALTH_POS: "02",
            _TELEHEALTH_MODIFIERS: (),
            _REQUIRES_MODIFIER_93: False,
            **_days(365),
            _ACCEPTS_CPT_TELEMEDICINE_CODES: False,
            **_UNKNOWN_COVERAGE,
        },
        _MEDICARE_PERIODS,
    ),
    "medicaid": _Layer(
        {
            _TELEHEALTH_POS: "none",
            _TELEHEALTH_MODIFIERS: ("95", "GT"),
            _REQUIRES_MODIFIER_93: False,
            **_days(365),
            _ACCEPTS_CPT_TELEMEDICINE_CODES: True,
            **_UNKNOWN_COVERAGE,
        },
        (_Period(_D(2022, 1, 1), None, {_REQUIRES_MODIFIER_93: True}),),
    ),
    "commercial": _COMMERCIAL,
    "self_pay": _Layer(
        {
            _TELEHEALTH_POS: "none",
            _TELEHEALTH_MODIFIERS: (),
            _REQUIRES_MODIFIER_93: False,
            _TIMELY_FILING_RULE: "none",
            _TIMELY_FILING_DAYS: None,
            _ACCEPTS_CPT_TELEMEDICINE_CODES: True,
            **_UNKNOWN_COVERAGE,
        }
    ),
    "other": _COMMERCIAL,
}
assert set(_BUILTIN_LAYERS) == set(PAYER_TYPES)


# --- normalisation -----------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """A payer value as compared: trimmed and upper-cased (the Python twin of ``_payer_expr``)."""
    return text.strip().upper()


def _payer_expr(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.strip_chars().str.to_uppercase()


# --- the Policies object -----------------------------------------------------------------------


class Policies:
    """Resolved payer policies: the built-in defaults overridden by a ``policies.toml``.

    Build one with ``load_policies``. ``resolve`` adds the policy of each claim line's payer on
    its DOS; ``check_lines`` refuses lines whose payer_type contradicts the file; ``describe``
    is the resolved segment table for the report.
    """

    def __init__(
        self,
        *,
        source: str = _BUILTIN,
        type_layers: Mapping[str, _Layer] | None = None,
        payers: Sequence[_Payer] = (),
    ) -> None:
        self._source = source
        self._type_layers: dict[str, _Layer] = dict(type_layers or {})
        self._payers: dict[str, _Payer] = {p.key: p for p in payers}
        self._aliases: dict[str, str] = {
            alias: p.key for p in payers for alias in p.aliases if alias != p.key
        }

    @property
    def source(self) -> str:
        """The policy file's path as given, ``"<policies>"`` for a mapping, or ``"built-in"``."""
        return self._source

    def __repr__(self) -> str:
        return f"Policies(source={self._source!r}, payers={len(self._payers)})"

    def payer_types(self) -> dict[str, str]:
        """Payer key -> the payer_type its ``[payer.X]`` table declares (declared ones only)."""
        return {k: p.payer_type for k, p in sorted(self._payers.items()) if p.payer_type}

    def payer_key(self, payer: str | pl.Expr = PAYER) -> pl.Expr:
        """An expression giving the payer key: trimmed, upper-cased, aliases mapped to their payer.

        Use it to compare payers across tables (claims, coverage, remittances, expected fees).
        """
        expr = _payer_expr(pl.col(payer) if isinstance(payer, str) else payer)
        if self._aliases:
            expr = expr.replace(self._aliases)
        return expr

    # ---- resolution ---------------------------------------------------------------------------

    @cached_property
    def _bases(self) -> dict[str, list[_Period]]:
        """Each payer_type's timeline: its built-in default, then the file's payer_type table."""
        bases: dict[str, list[_Period]] = {}
        for payer_type in PAYER_TYPES:
            segs = _builtin_segments(_BUILTIN_LAYERS[payer_type])
            if payer_type in self._type_layers:
                segs = _Overlay(self._type_layers[payer_type]).on(segs)
            bases[payer_type] = segs
        return bases

    @cached_property
    def _segments(self) -> list[tuple[str | None, str, list[_Period]]]:
        """Every timeline: (payer key or None for a payer_type default, payer_type, segments).

        A payer with no payer_type in the file has one timeline per payer_type its lines may
        carry; each named payer's timeline is its table over its payer_type's timeline.
        """
        bases = self._bases
        timelines: list[tuple[str | None, str, list[_Period]]] = [
            (None, t, bases[t]) for t in PAYER_TYPES
        ]
        for key, payer in sorted(self._payers.items()):
            types = (payer.payer_type,) if payer.payer_type else PAYER_TYPES
            over = _Overlay(payer.layer)
            timelines.extend((key, t, over.on(bases[t])) for t in types)
        return timelines

    @cached_property
    def _timelines(self) -> pl.DataFrame:
        """(payer key or null, payer_type) -> timeline index (its block of rows in ``_table``)."""
        return pl.DataFrame(
            {
                _JOIN_KEY: pl.Series([k for k, _, _ in self._segments], dtype=pl.String),
                _JOIN_TYPE: pl.Series([t for _, t, _ in self._segments], dtype=pl.String),
                _TIMELINE: pl.Series(range(len(self._segments)), dtype=pl.UInt32),
            }
        )

    @cached_property
    def _table(self) -> pl.DataFrame:
        """Every segment of every timeline, in timeline then start order, with its search key.

        ``_SEARCH`` is ``_search_key(timeline, valid_start_date)`` (an open start counts as the
        earliest day), so it is sorted, and a line's segment is the last row whose key is on or
        before the line's own ``_search_key(timeline, DOS)``.
        """
        timeline: list[int] = []
        keys: list[str | None] = []
        types: list[str] = []
        starts: list[dt.date | None] = []
        ends: list[dt.date | None] = []
        values: dict[str, list[Value]] = {f: [] for f in _OUTPUT}
        for i, (key, payer_type, segs) in enumerate(self._segments):
            timeline.extend(itertools.repeat(i, len(segs)))
            keys.extend(itertools.repeat(key, len(segs)))
            types.extend(itertools.repeat(payer_type, len(segs)))
            for seg in segs:
                starts.append(seg.start)
                ends.append(seg.end)
                for f in _OUTPUT:
                    values[f].append(seg.fields[f])
        frame = pl.DataFrame(
            {
                _TIMELINE: pl.Series(timeline, dtype=pl.UInt32),
                PAYER_KEY: pl.Series(keys, dtype=pl.String),
                PAYER_TYPE: pl.Series(types, dtype=pl.String),
                VALID_START_DATE: pl.Series(starts, dtype=pl.Date),
                VALID_END_DATE: pl.Series(ends, dtype=pl.Date),
                **{name: _column(values[f], dtype) for f, (name, dtype) in _OUTPUT.items()},
            }
        )
        line = pl.col(_TIMELINE)
        return frame.with_columns(
            _search_key(line, pl.col(VALID_START_DATE))
            .fill_null(line.cast(pl.Int64) * _DAY_SPAN)
            .alias(_SEARCH)
        )

    def describe(self) -> pl.DataFrame:
        """The resolved segment table: one row per (payer key, payer_type, date segment).

        ``payer_key`` is null for a payer_type's default (payers not named in the file);
        ``valid_start_date`` / ``valid_end_date`` are inclusive, null when open. A payer with no
        ``payer_type`` in the file has rows for every payer_type its lines may carry.
        """
        return self._table.select(
            PAYER_KEY, PAYER_TYPE, VALID_START_DATE, VALID_END_DATE, *POLICY_COLUMNS.names()
        )

    def resolve(self, lines: FrameT) -> FrameT:
        """Add ``payer_key`` and the ``policy_*`` columns to claim lines (same rows, same order).

        ``lines`` needs ``payer``, ``payer_type`` and ``claim_line_start_date``. A line whose
        payer has a ``[payer.X]`` table (directly or through an alias) takes that payer's policy;
        any other line takes its payer_type's. Lines with a null DOS or payer_type (or a
        payer_type outside the contract) get null policy columns. Existing columns of the same
        names are replaced.

        How: the distinct (payer, payer_type) pairs of the lines (a handful) find their timeline
        in a small table; one hash join brings the timeline to the lines; (timeline, DOS) finds
        its segment by one sorted search over the segments' (timeline, start), and the policy
        values are gathered from ``_table`` at that row. Linear in the lines and the segments:
        no Python per line, no loop over payers or periods, no sort of the lines.
        """
        added = [PAYER_KEY, *POLICY_COLUMNS.names()]
        lf = lines.lazy()
        present = lf.collect_schema().names()
        lf = lf.drop([c for c in added if c in present])
        dos = pl.col(CLAIM_LINE_START_DATE).cast(pl.Date)
        table = self._table
        line_key = _search_key(pl.col(_TIMELINE), dos)
        found = pl.lit(table[_SEARCH]).search_sorted(line_key, side="right").cast(pl.Int64) - 1
        out = (
            lf.join(
                self._timelines_of(lf.select(PAYER, PAYER_TYPE).unique()),
                on=[PAYER, PAYER_TYPE],
                how="left",
                nulls_equal=True,
                maintain_order="left",
            )
            .with_columns(pl.when(line_key.is_not_null()).then(found).alias(_ROW))
            .with_columns(
                pl.lit(table[name]).gather(pl.col(_ROW)).alias(name) for name in POLICY_COLUMNS
            )
            .drop(_TIMELINE, _ROW)
        )
        if isinstance(lines, pl.DataFrame):
            return out.collect()
        return out

    def _timelines_of(self, pairs: pl.LazyFrame) -> pl.LazyFrame:
        """(payer, payer_type) pairs -> payer_key and the index of their timeline in ``_grid``."""
        key = pl.col(PAYER_KEY)
        line_type = pl.col(PAYER_TYPE).cast(pl.String)
        join_type = line_type
        declared = self.payer_types()
        if declared:
            # a payer that declares its payer_type keeps it (check_lines reports a contradiction)
            join_type = key.replace_strict(declared, default=line_type, return_dtype=pl.String)
        return (
            pairs.with_columns(self.payer_key().alias(PAYER_KEY))
            .with_columns(
                pl.when(key.is_in(pl.Series(sorted(self._payers), dtype=pl.String).implode()))
                .then(key)
                .alias(_JOIN_KEY),
                pl.when(line_type.is_not_null()).then(join_type).alias(_JOIN_TYPE),
            )
            .join(self._timelines.lazy(), on=[_JOIN_KEY, _JOIN_TYPE], how="left", nulls_equal=True)
            .select(PAYER, PAYER_TYPE, PAYER_KEY, _TIMELINE)
        )

    def check_lines(self, lines: pl.DataFrame | pl.LazyFrame) -> None:
        """Raise ``PolicyError`` when a payer's declared payer_type contradicts its lines.

        DESIGN §3: "A policy naming a payer_type that disagrees with the lines is an error (exit
        2) naming the payer." Lines with a null payer_type are not a contradiction.
        """
        declared = self.payer_types()
        if not declared:
            return
        key = pl.col(PAYER_KEY)
        line_type = pl.col(PAYER_TYPE).cast(pl.String)
        found = (
            lines.lazy()
            .group_by(PAYER, PAYER_TYPE)
            .len()
            .select(self.payer_key().alias(PAYER_KEY), line_type.alias(PAYER_TYPE), "len")
            .filter(line_type != key.replace_strict(declared, default=None, return_dtype=pl.String))
            .group_by(PAYER_KEY, PAYER_TYPE)
            .agg(pl.col("len").sum())
            .sort(PAYER_KEY, PAYER_TYPE)
            .collect()
        )
        if found.is_empty():
            return
        payer_key = found[PAYER_KEY][0]
        mine = found.filter(key == payer_key)
        types = ", ".join(mine[PAYER_TYPE].to_list())
        count = int(mine["len"].sum())
        payer = self._payers[payer_key]
        msg = (
            f"{self._source}: {payer.path} has payer_type = {payer.payer_type!r} but {count} "
            f"claim line(s) of that payer have payer_type {types}; correct payer_type in the "
            "policy file or map the lines' payer_type"
        )
        raise PolicyError(msg)


# --- segments ----------------------------------------------------------------------------------


def _search_key(timeline: pl.Expr, day: pl.Expr) -> pl.Expr:
    """(timeline, day) as one sortable Int64: ``timeline * 2**32 + days since 1970 + 2**31``.

    Any polars Date (an Int32 of days) fits the low 32 bits, so keys sort by timeline then day.
    """
    days = day.cast(pl.Date).cast(pl.Int32).cast(pl.Int64) + _DAY_SPAN // 2
    return timeline.cast(pl.Int64) * _DAY_SPAN + days


def _evaluate(layer: _Layer, day: dt.date) -> dict[str, Value]:
    """Every field of a built-in layer on ``day``: its fields, then its periods covering it."""
    out: dict[str, Value] = dict(layer.fields)
    for period in layer.periods:
        if period.covers(day):
            out.update(period.fields)
    return out


def _builtin_segments(layer: _Layer) -> list[_Period]:
    """A built-in layer (its periods may overlap, on different fields) cut into segments."""
    cuts: set[dt.date] = set()
    for p in layer.periods:
        if p.start is not None:
            cuts.add(p.start)
        if p.end is not None:
            cuts.add(p.end + _ONE_DAY)
    bounds = sorted(cuts)
    segments: list[_Period] = []
    for i, start in enumerate([None, *bounds]):
        end = bounds[i] - _ONE_DAY if i < len(bounds) else None
        probe = start if start is not None else (bounds[0] - _ONE_DAY if bounds else _OPEN_START)
        _append(segments, _Period(start, end, _evaluate(layer, probe)))
    return segments


class _Overlay:
    """A layer to put over resolved timelines: its fields everywhere, then its periods.

    The layer's periods never overlap (the reader refuses it), so one walk over the sorted cuts,
    with a pointer into the base timeline and one into the periods, resolves every segment:
    linear in the segments and periods. The periods are sorted and cut once per layer, for all
    the timelines (one per payer_type) a payer without a payer_type has.
    """

    def __init__(self, layer: _Layer) -> None:
        self.fields = layer.fields
        self.periods = sorted(layer.periods, key=lambda p: p.start or _OPEN_START)
        self.cuts: set[dt.date] = set()
        for p in self.periods:
            if p.start is not None:
                self.cuts.add(p.start)
            if p.end is not None and p.end < dt.date.max:
                self.cuts.add(p.end + _ONE_DAY)

    def on(self, base: Sequence[_Period]) -> list[_Period]:
        """This layer over ``base``: contiguous segments from an open start."""
        if not self.fields and not self.periods:
            return list(base)
        own, periods = self.fields, self.periods
        bounds = sorted(self.cuts.union(seg.start for seg in base[1:] if seg.start is not None))
        segments: list[_Period] = []
        b = k = 0
        first = {**base[0].fields, **own}  # before every cut: no period covers it
        _append(segments, _Period(None, bounds[0] - _ONE_DAY if bounds else None, first))
        for i, start in enumerate(bounds, start=1):
            end = bounds[i] - _ONE_DAY if i < len(bounds) else None
            while b + 1 < len(base) and (base[b + 1].start or _OPEN_START) <= start:
                b += 1
            while k < len(periods) and not _ends_after(periods[k], start):
                k += 1
            fields = {**base[b].fields, **own}
            if k < len(periods) and (periods[k].start or _OPEN_START) <= start:
                fields.update(periods[k].fields)
            _append(segments, _Period(start, end, fields))
        return segments


def _ends_after(period: _Period, day: dt.date) -> bool:
    return period.end is None or day <= period.end


def _append(segments: list[_Period], segment: _Period) -> None:
    """Add the next segment of a timeline, merged into the last when they resolve alike."""
    if segments and segments[-1].fields == segment.fields:
        segments[-1] = _Period(segments[-1].start, segment.end, segment.fields)
    else:
        segments.append(segment)


def _column(values: list[Value], dtype: pl.DataType) -> pl.Series:
    """A column of field values; a list column is built from its few distinct values.

    (polars builds a list column from Python lists element by element: slow for 100k rows.)
    """
    if not isinstance(dtype, pl.List):
        return pl.Series(values, dtype=dtype)
    index: dict[Value, int] = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    distinct = pl.Series([list(v) if isinstance(v, tuple) else v for v in index], dtype=dtype)
    return distinct.gather(pl.Series(codes, dtype=pl.UInt32))


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
            if top not in ("payer_type", "payer", "fee"):
                msg = (
                    f"{self.where(_key_path(str(top)))}unknown top-level table {top!r} "
                    "(expected payer_type or payer; [[fee]] tables are read as expected fees)"
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
        return Policies(source=self.name, type_layers=type_layers, payers=payers)

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
                if not isinstance(value, str) or value.strip() not in TELEHEALTH_POS_VALUES:
                    found = repr(value) if isinstance(value, str) else _toml_type(value)
                    quoted = ", ".join(f'"{v}"' for v in TELEHEALTH_POS_VALUES)
                    raise self.fail(where, f"expected one of {quoted}, found {found}")
                out[name] = value.strip()
            elif name == _TELEHEALTH_MODIFIERS:
                out[name] = self.modifiers(value, where)
            elif name == _TIMELY_FILING_DAYS:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    negative = isinstance(value, int) and not isinstance(value, bool)
                    found = "a negative integer" if negative else _toml_type(value)
                    raise self.fail(where, f"expected an integer >= 0 (days), found {found}")
                if value > 2**31 - 1:
                    raise self.fail(where, "expected a number of days that fits Int32")
                out.update(_days(value))
            elif name in _BOOL_FIELDS:
                if not isinstance(value, bool):
                    raise self.fail(where, f"expected true or false, found {_toml_type(value)}")
                out[name] = value
        return out

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


def _read_toml(source: str | os.PathLike[str]) -> tuple[dict[str, Any], str]:
    """The parsed document and its text; every failure a one-line ``PolicyError``."""
    path = Path(source)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        msg = f"{source}: file not found"
        raise PolicyError(msg) from None
    except IsADirectoryError:
        msg = f"{source}: is a directory, expected a TOML file"
        raise PolicyError(msg) from None
    except UnicodeDecodeError:
        msg = f"{source}: not valid TOML (not UTF-8 text)"
        raise PolicyError(msg) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(_decode_error(source, e)) from None
    except RecursionError:
        msg = f"{source}: not valid TOML (arrays or tables nested too deeply)"
        raise PolicyError(msg) from None


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


BUILTIN_POLICIES: Final = Policies()


# --- expected fees -----------------------------------------------------------------------------


def load_expected_fees(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    policies: Policies | None = None,
) -> pl.DataFrame:
    """Read ``[[fee]]`` tables (payer, hcpcs_code, modifier optional, expected_allowed).

    Returns payer (the payer key: trimmed, upper-cased, and mapped through ``policies``' aliases
    when given), hcpcs_code (upper-cased), modifier (null when absent) and expected_allowed
    (``Decimal(12, 2)``, read exactly from a TOML string ``"85.50"`` or a number). A file may
    also hold ``[payer]`` / ``[payer_type]`` tables (ignored here). Problems are ``PolicyError``
    naming the file and the entry (``fee[3].expected_allowed``, counting from 1); a repeated
    (payer, hcpcs_code, modifier) is one of them.
    """
    text: str | None = None
    if isinstance(source, Mapping):
        name, doc = "<expected fees>", source
    else:
        name = os.fspath(source)
        doc, text = _read_toml(source)
    reader = _Reader(name, text)
    for top in doc:
        if top not in ("fee", "payer", "payer_type"):
            msg = (
                f"{reader.where(_key_path(str(top)))}unknown top-level table {top!r} "
                "(expected [[fee]] tables)"
            )
            raise PolicyError(msg)
    fees = doc.get("fee", [])
    if not isinstance(fees, list | tuple):
        raise reader.fail("fee", f"expected an array of tables ([[fee]]), found {_toml_type(fees)}")
    payer_key = policies.payer_key if policies is not None else None
    rows: dict[str, list[Any]] = {f: [] for f in _FEE_FIELDS}
    seen: dict[tuple[str, str, str | None], int] = {}
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
        assert payer is not None
        assert code is not None
        rows[PAYER].append(payer)
        rows[HCPCS_CODE].append(code)
        rows[MODIFIER].append(modifier)
        rows[EXPECTED_ALLOWED].append(amount)
    out = pl.DataFrame(rows, schema=EXPECTED_FEES_SCHEMA)
    if payer_key is not None:
        out = out.with_columns(payer_key(PAYER).alias(PAYER))
    for i, (payer, code, modifier) in enumerate(
        zip(out[PAYER], out[HCPCS_CODE], out[MODIFIER], strict=True), start=1
    ):
        key = (payer, code, modifier)
        if key in seen:
            raise reader.fail(
                f"fee[{i}]",
                f"repeats the payer, hcpcs_code and modifier of fee[{seen[key]}] "
                "(payers compared through aliases; keep one)",
            )
        seen[key] = i
    return out


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
