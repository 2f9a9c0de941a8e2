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
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, NamedTuple, TypeAlias, TypeVar

import polars as pl

from telekit._core._columns import (
    CLAIM_LINE_START_DATE,
    PAYER,
    PAYER_TYPE,
    PAYER_TYPES,
)
from telekit._core._engine import IN_MEMORY
from telekit._core._exceptions import PolicyError
from telekit._policies._vocabulary import (
    _ACCEPTS_CPT_TELEMEDICINE_CODES,
    _AUDIO_ONLY_COVERED,
    _FFS_TELEHEALTH_RULES,
    _OUTPUT,
    _REQUIRES_MODIFIER_93,
    _REQUIRES_MODIFIER_93_MENTAL_HEALTH,
    _TELEHEALTH_COVERED,
    _TELEHEALTH_MODIFIERS,
    _TELEHEALTH_POS,
    _TIMELY_FILING_DAYS,
    _TIMELY_FILING_RULE,
    PAYER_KEY,
    POLICY_COLUMNS,
    VALID_END_DATE,
    VALID_START_DATE,
)

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
_UNKNOWN_COVERAGE: Final[dict[str, Value]] = {
    _TELEHEALTH_COVERED: None,
    _AUDIO_ONLY_COVERED: None,
    _FFS_TELEHEALTH_RULES: "warning",
}


def _requires_93(*, every: bool, mental_health: bool | None = None) -> dict[str, Value]:
    """requires_modifier_93 on every audio-only service, and on mental-health ones (90785-90899;
    the same as ``every`` unless said)."""
    return {
        _REQUIRES_MODIFIER_93: every,
        _REQUIRES_MODIFIER_93_MENTAL_HEALTH: every if mental_health is None else mental_health,
    }


_MA_PERIODS = (
    _Period(_D(2020, 3, 1), _D(2023, 12, 31), {_TELEHEALTH_POS: "in_person+95"}),
    _Period(_D(2024, 1, 1), None, {_TELEHEALTH_POS: "02/10"}),
    _Period(_D(2023, 1, 1), None, _requires_93(every=True)),
)
#: Medicare: 93 on audio-only mental-health services from 2022-01-01 (CY2022 PFS final rule,
#: CMS-1751-F), on every audio-only telehealth service from 2023-01-01 (CY2023 PFS final rule,
#: CMS-1770-F). Medicare Advantage: from 2023-01-01 (DESIGN §3's built-in table).
_MEDICARE_PERIODS = (
    *_MA_PERIODS,
    _Period(_D(2022, 1, 1), _D(2022, 12, 31), _requires_93(every=False, mental_health=True)),
)
_COMMERCIAL = _Layer(
    {
        _TELEHEALTH_POS: "02",
        _TELEHEALTH_MODIFIERS: ("95", "GT"),
        **_requires_93(every=False),
        **_days(90),
        _ACCEPTS_CPT_TELEMEDICINE_CODES: True,
        **_UNKNOWN_COVERAGE,
    },
    (
        _Period(_D(2022, 1, 1), None, {_TELEHEALTH_POS: "02/10"}),
        _Period(_D(2022, 1, 1), None, _requires_93(every=True)),
    ),
)

#: The built-in default of every payer_type (DESIGN §3), as the lowest layer of the precedence.
_BUILTIN_LAYERS: Final[dict[str, _Layer]] = {
    "medicare": _Layer(
        {
            _TELEHEALTH_POS: "02",
            _TELEHEALTH_MODIFIERS: (),
            **_requires_93(every=False),
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
            **_requires_93(every=False),
            **_days(365),
            _ACCEPTS_CPT_TELEMEDICINE_CODES: False,
            **_UNKNOWN_COVERAGE,
        },
        _MA_PERIODS,
    ),
    "medicaid": _Layer(
        {
            _TELEHEALTH_POS: "none",
            _TELEHEALTH_MODIFIERS: ("95", "GT"),
            **_requires_93(every=False),
            **_days(365),
            _ACCEPTS_CPT_TELEMEDICINE_CODES: True,
            **_UNKNOWN_COVERAGE,
        },
        (_Period(_D(2022, 1, 1), None, _requires_93(every=True)),),
    ),
    "commercial": _COMMERCIAL,
    "self_pay": _Layer(
        {
            _TELEHEALTH_POS: "none",
            _TELEHEALTH_MODIFIERS: (),
            **_requires_93(every=False),
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


@dataclass(frozen=True)
class PracticeSettings:
    """The practice's settings in policies.toml (DESIGN §3 "Practice settings").

    - ``medicare_locality``: ``[medicare] locality``, the MAC and locality of the GPCI file
      (``"0111205"``: MAC 01112, locality 05), or None (national amounts);
    - ``qualifying_apm``: ``[medicare] qualifying_apm``; from 2026 the qualifying APM conversion
      factor applies instead of the non-qualifying one;
    - ``contractual_carcs``: ``[metrics] contractual_carcs``, the CARCs (group CO) the net
      collection rate deducts, or None (CO 45 and 253).
    """

    medicare_locality: str | None = None
    qualifying_apm: bool = False
    contractual_carcs: tuple[str, ...] | None = None


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
        settings: PracticeSettings | None = None,
    ) -> None:
        self._source = source
        self.settings = settings if settings is not None else PracticeSettings()
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

    def payer_types_by_name(self) -> dict[str, str]:
        """``payer_types`` with each alias too (trimmed, upper-cased): what the readers take to
        derive an absent payer_type (DESIGN §3 "Derived when absent")."""
        declared = self.payer_types()
        by_alias = {a: declared[k] for a, k in self._aliases.items() if k in declared}
        return by_alias | declared

    def payer_key(self, payer: str | pl.Expr = PAYER) -> pl.Expr:
        """An expression giving the payer key: trimmed, upper-cased, aliases mapped to their payer.

        Use it to compare payers across tables (claims, coverage, remittances, expected fees).
        """
        expr = _payer_expr(pl.col(payer) if isinstance(payer, str) else payer)
        if self._aliases:
            expr = expr.replace(self._aliases)
        return expr

    def unlisted_payers(self, payers: Iterable[str | None]) -> list[str]:
        """The canonical payer values (trimmed, upper-cased, through the aliases) that have no
        ``[payer.X]`` table in the policy file, sorted and unique (DESIGN §6 "Each report lists
        the payer values found without a policy entry"). Blank and null values are left out; with
        the built-in policies every payer is unlisted."""
        keys = {self._aliases.get(k, k) for p in payers if p is not None and (k := _normalise(p))}
        return sorted(keys.difference(self._payers))

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
            return out.collect(engine=IN_MEMORY)
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
            .collect(engine=IN_MEMORY)
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


BUILTIN_POLICIES: Final = Policies()
