"""The OIG's seven telehealth program-integrity measures: names, units, default thresholds.

Defaults are the data brief's (OEI-02-20-00720) as reported by secondary sources
(``oig-integrity-measures.md`` §2, §6); the brief and the toolkit differ on beneficiaries
(brief "more than 2,000", toolkit "2,000 or more"): the brief is the default.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

__all__ = [
    "BENEFICIARIES",
    "DEFAULT_THRESHOLDS",
    "DUAL_FFS_MA_SHARE",
    "EQUIPMENT_ORDER_SHARE",
    "FACILITY_FEE_SHARE",
    "HIGHEST_LEVEL_SHARE",
    "MEASURES",
    "MINUTES_PER_VISIT",
    "OPERATORS",
    "TELEHEALTH_DAYS",
    "Measure",
    "Threshold",
    "resolve_thresholds",
]

Operator = Literal[">=", ">", "==", "<=", "<"]
OPERATORS: Final[dict[str, Callable[[pl.Expr, float], pl.Expr]]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "<=": operator.le,
    "<": operator.lt,
}

FACILITY_FEE_SHARE = "facility_fee_share"
HIGHEST_LEVEL_SHARE = "highest_level_share"
TELEHEALTH_DAYS = "telehealth_days"
DUAL_FFS_MA_SHARE = "dual_ffs_ma_share"
MINUTES_PER_VISIT = "avg_minutes_per_visit"
BENEFICIARIES = "beneficiaries"
EQUIPMENT_ORDER_SHARE = "equipment_order_share"


@dataclass(frozen=True)
class Threshold:
    """When a measure is "exceeded": ``value <operator> threshold``, and only when the
    measure's volume (its denominator; a count measure's own count) is at least ``min_volume``.

    OIG's minimum volume per measure is UNVERIFIED (none was found): the default is 0.
    """

    value: float
    operator: Operator = ">="
    min_volume: int = 0

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            msg = (
                f"threshold operator must be one of {', '.join(OPERATORS)}, found {self.operator!r}"
            )
            raise ValueError(msg)
        if self.min_volume < 0:
            msg = "threshold min_volume must be >= 0"
            raise ValueError(msg)

    def describe(self) -> str:
        return f"{self.operator} {self.value:g}"


@dataclass(frozen=True)
class Measure:
    """One OIG measure: its column name, a title a reader understands, its unit, its default."""

    name: str
    number: int  # the brief's order
    title: str
    unit: Literal["share", "days", "minutes", "beneficiaries"]
    default: Threshold
    is_count: bool  # a count has no denominator


MEASURES: Final = (
    Measure(
        FACILITY_FEE_SHARE, 1, "Telehealth visits also billed with a facility fee (Q3014)",
        "share", Threshold(0.75, ">="), is_count=False,
    ),
    Measure(
        HIGHEST_LEVEL_SHARE, 2, "Telehealth E/M visits billed at the highest level",
        "share", Threshold(1.0, "=="), is_count=False,
    ),
    Measure(
        TELEHEALTH_DAYS, 3, "Days in the year with telehealth billed",
        "days", Threshold(300, ">"), is_count=True,
    ),
    Measure(
        DUAL_FFS_MA_SHARE, 4, "Telehealth services billed to both Medicare FFS and MA",
        "share", Threshold(0.20, ">"), is_count=False,
    ),
    Measure(
        MINUTES_PER_VISIT, 5, "Average telehealth minutes billed per visit",
        "minutes", Threshold(120, ">"), is_count=False,
    ),
    Measure(
        BENEFICIARIES, 6, "Beneficiaries served by telehealth",
        "beneficiaries", Threshold(2000, ">"), is_count=True,
    ),
    Measure(
        EQUIPMENT_ORDER_SHARE, 7, "Telehealth beneficiaries also given medical equipment",
        "share", Threshold(0.50, ">="), is_count=False,
    ),
)  # fmt: skip

#: OEI-02-20-00720's thresholds (oig-integrity-measures.md §2 summary table and §6).
DEFAULT_THRESHOLDS: Final[dict[str, Threshold]] = {m.name: m.default for m in MEASURES}


def resolve_thresholds(
    thresholds: Mapping[str, Threshold | float | int] | None,
) -> dict[str, Threshold]:
    """The defaults overridden by ``thresholds``: a ``Threshold``, or a number that replaces the
    default value and keeps the default operator and minimum volume."""
    out = dict(DEFAULT_THRESHOLDS)
    for name, given in (thresholds or {}).items():
        if name not in out:
            msg = f"unknown OIG measure {name!r} in thresholds (measures: {', '.join(out)})"
            raise ValueError(msg)
        if isinstance(given, Threshold):
            out[name] = given
        elif isinstance(given, int | float) and not isinstance(given, bool):
            default = out[name]
            out[name] = Threshold(float(given), default.operator, default.min_volume)
        else:
            msg = (
                f"threshold for {name!r} must be a number or telekit.integrity.Threshold, "
                f"found {type(given).__name__}"
            )
            raise ValueError(msg)
    return out
