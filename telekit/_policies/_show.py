"""The policy in force, as text a consultant reads: ``telekit policies show`` and the built-in
defaults written as comments by ``telekit policies init``.

Both render ``Policies.describe()`` (the resolved segment table), so what is shown is what the
audit applies: one block per timeline (a payer named in the file, or a payer_type's default), one
line per policy field, one column per date segment; columns wrap to stay within ``width``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import polars as pl

from telekit._core._columns import PAYER_TYPE, PAYER_TYPES
from telekit._core._payer_names import builtin_payer_type
from telekit._policies._model import Policies
from telekit._policies._vocabulary import (
    PAYER_KEY,
    POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES,
    POLICY_AUDIO_ONLY_COVERED,
    POLICY_FFS_TELEHEALTH_RULES,
    POLICY_REQUIRES_MODIFIER_93,
    POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH,
    POLICY_TELEHEALTH_COVERED,
    POLICY_TELEHEALTH_MODIFIERS,
    POLICY_TELEHEALTH_POS,
    POLICY_TIMELY_FILING_DAYS,
    POLICY_TIMELY_FILING_RULE,
    VALID_END_DATE,
    VALID_START_DATE,
)

Row = Mapping[str, Any]

WIDTH: Final = 100


def _flag(column: str) -> Callable[[Row], str]:
    def render(row: Row) -> str:
        value = row[column]
        return "unknown" if value is None else str(value).lower()

    return render


def _modifiers(row: Row) -> str:
    mods = row[POLICY_TELEHEALTH_MODIFIERS] or []
    return "[" + ", ".join(mods) + "]" + ("" if mods else " (none required)")


def _modifier_93(row: Row) -> str:
    if row[POLICY_REQUIRES_MODIFIER_93]:
        return "true"
    if row[POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH]:
        return "mental health 90785-90899"
    return "false"


def _timely_filing(row: Row) -> str:
    rule = row[POLICY_TIMELY_FILING_RULE]
    if rule == "days":
        return str(row[POLICY_TIMELY_FILING_DAYS])
    return "one calendar year after DOS" if rule == "calendar_year" else "none"


#: policies.toml field -> how a resolved segment shows it (in the file's order)
FIELDS: Final[tuple[tuple[str, Callable[[Row], str]], ...]] = (
    ("telehealth_pos", lambda row: str(row[POLICY_TELEHEALTH_POS])),
    ("telehealth_modifiers", _modifiers),
    ("requires_modifier_93", _modifier_93),
    ("timely_filing_days", _timely_filing),
    ("accepts_cpt_telemedicine_codes", _flag(POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES)),
    ("telehealth_covered", _flag(POLICY_TELEHEALTH_COVERED)),
    ("audio_only_covered", _flag(POLICY_AUDIO_ONLY_COVERED)),
    ("ffs_telehealth_rules", lambda row: str(row[POLICY_FFS_TELEHEALTH_RULES])),
)


def span(start: dt.date | None, end: dt.date | None) -> str:
    """``2020-03-01..2023-12-31``, ``to 2020-02-29``, ``from 2024-01-01`` or ``always``."""
    if start is None and end is None:
        return "always"
    if start is None:
        return f"to {end}"
    if end is None:
        return f"from {start}"
    return f"{start}..{end}"


def default_lines(payer_type: str, policies: Policies | None = None) -> list[str]:
    """One line per field: its value over time for ``payer_type``'s default (built-in unless
    ``policies`` overrides it), e.g. ``telehealth_pos: 02 to 2021-12-31; 02/10 from 2022-01-01``.
    """
    rows = _rows((policies or Policies()).describe(), None, payer_type)
    out: list[str] = []
    for name, render in FIELDS:
        runs: list[tuple[str, dt.date | None, dt.date | None]] = []
        for row in rows:
            value = render(row)
            if runs and runs[-1][0] == value:
                runs[-1] = (value, runs[-1][1], row[VALID_END_DATE])
            else:
                runs.append((value, row[VALID_START_DATE], row[VALID_END_DATE]))
        if len(runs) == 1:
            out.append(f"{name}: {runs[0][0]}")
        else:
            out.append(f"{name}: " + "; ".join(f"{v} {span(s, e)}" for v, s, e in runs))
    return out


def _rows(table: pl.DataFrame, key: str | None, payer_type: str) -> list[dict[str, Any]]:
    """The segments of one timeline, in date order."""
    same_key = pl.col(PAYER_KEY).is_null() if key is None else pl.col(PAYER_KEY) == key
    return (
        table.filter(same_key & (pl.col(PAYER_TYPE) == payer_type))
        .sort(VALID_START_DATE, nulls_last=False)
        .to_dicts()
    )


def _in_force(rows: Sequence[dict[str, Any]], on: dt.date | None) -> list[dict[str, Any]]:
    if on is None:
        return list(rows)
    return [
        r
        for r in rows
        if (r[VALID_START_DATE] is None or r[VALID_START_DATE] <= on)
        and (r[VALID_END_DATE] is None or on <= r[VALID_END_DATE])
    ]


def block(title: str, rows: Sequence[Row], width: int = WIDTH) -> list[str]:
    """A timeline as lines: the title, then per group of periods that fits ``width`` a header
    of periods and one line per field."""
    label = max(len(name) for name, _ in FIELDS) + 2
    columns = [
        [span(r[VALID_START_DATE], r[VALID_END_DATE]), *(render(r) for _, render in FIELDS)]
        for r in rows
    ]
    sizes = [max(len(cell) for cell in col) + 2 for col in columns]
    out = [title]
    start = 0
    while start < len(columns):
        stop, used = start + 1, label + sizes[start]
        while stop < len(columns) and used + sizes[stop] <= width:
            used += sizes[stop]
            stop += 1
        group = range(start, stop)
        out.append(
            ("  " + "period").ljust(label + 2)
            + "".join(columns[i][0].ljust(sizes[i]) for i in group).rstrip()
        )
        for f, (name, _) in enumerate(FIELDS, start=1):
            cells = "".join(columns[i][f].ljust(sizes[i]) for i in group)
            out.append(("  " + name).ljust(label + 2) + cells.rstrip())
        start = stop
    return out


def _timelines(table: pl.DataFrame) -> list[tuple[str | None, str]]:
    """(payer key or None, payer_type) of every timeline: named payers first, then defaults."""
    pairs = table.select(PAYER_KEY, PAYER_TYPE).unique(maintain_order=True).rows()
    named = [(k, t) for k, t in pairs if k is not None]
    defaults = [(None, t) for t in PAYER_TYPES if (None, t) in pairs]
    return [*named, *defaults]


def _title(key: str | None, payer_type: str, declared: Mapping[str, str]) -> str:
    if key is None:
        return f"(default {payer_type})  payer_type {payer_type}"
    how = "" if key in declared else "  (no payer_type in the file: the lines' payer_type)"
    return f"{key}  payer_type {payer_type}{how}"


def show_text(
    policies: Policies,
    *,
    payer: str | None = None,
    on: dt.date | None = None,
    width: int = WIDTH,
) -> str:
    """The policy in force per payer and period (``telekit policies show``).

    ``payer`` keeps the timelines of one payer, found through the file's aliases; a payer the
    file does not name is told which default it gets (its payer_type's, from the built-in name
    table when the name is unambiguous, else every payer_type's: its lines decide). ``on`` keeps
    the segment in force that day.
    """
    table = policies.describe()
    declared = policies.payer_types()
    head = [f"policies: {policies.source}" + (f"; in force on {on}" if on else "")]
    timelines: list[tuple[str | None, str]] = _timelines(table)
    if payer is not None:
        key = _payer_key(policies, payer)
        mine = [(k, t) for k, t in timelines if k == key]
        if mine:
            shown = key if key == payer.strip().upper() else f"{key} (alias {payer.strip()!r})"
            head.append(f"payer {shown}: its [payer] table in {policies.source}")
            timelines = [(k, t) for k, t in mine]
        else:
            named = builtin_payer_type(payer)
            where = "" if policies.source == "built-in" else f" in {policies.source}"
            if named is not None:
                head.append(
                    f"payer {key}: no [payer] table{where}; the built-in name table says "
                    f"{named}, so it gets the default of payer_type {named}"
                )
                timelines = [(None, named)]
            else:
                head.append(
                    f"payer {key}: no [payer] table{where} and its name does not say its "
                    "payer_type; it gets the default of the payer_type on its lines (below, "
                    f'each); to choose, add [payer."{key}"] payer_type = "..." to policies.toml'
                )
                timelines = [(None, t) for t in PAYER_TYPES]
    out = head
    for key_, payer_type in timelines:
        rows = _in_force(_rows(table, key_, payer_type), on)
        if rows:
            out.extend(["", *block(_title(key_, payer_type, declared), rows, width)])
    return "\n".join(out) + "\n"


def _payer_key(policies: Policies, payer: str) -> str:
    """The payer key of a payer value, through the file's aliases."""
    frame = pl.DataFrame({"payer": [payer]}, schema={"payer": pl.String})
    key = frame.select(policies.payer_key("payer")).item()
    return str(key)
