"""telekit.integrity — screen providers against the OIG's telehealth program-integrity measures.

HHS-OIG's data brief OEI-02-20-00720 (2022) flagged providers whose telehealth billing was an
extreme outlier on at least one of seven measures; the toolkit OEI-02-20-00723 (2023) tells plans
how to run them on their own claims. ``oig_measures`` computes the seven per (rendering NPI,
calendar year) from claim lines, with OIG's thresholds as overridable defaults::

    from telekit.integrity import Threshold, oig_measures
    oig = oig_measures(claims, encounters, year=2024,
                       thresholds={"beneficiaries": Threshold(2000, ">=")})   # toolkit mode

A measure the data cannot support is null with its reason, never zero. What is and is not known
about OIG's exact method is in ``oig_measures``' docstring and ``SOURCES.md`` (package data:
``highest_level_codes()``, ``equipment_codes()``; minutes per code:
``telekit.codesets.minutes_per_code()``).
"""

from __future__ import annotations

from telekit.integrity._data import equipment_codes, highest_level_codes
from telekit.integrity._measures import (
    DEFAULT_THRESHOLDS,
    MEASURES,
    Measure,
    Threshold,
)
from telekit.integrity._oig import OIG_PAYER_TYPES, oig_measures, oig_schema

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MEASURES",
    "OIG_PAYER_TYPES",
    "Measure",
    "Threshold",
    "equipment_codes",
    "highest_level_codes",
    "oig_measures",
    "oig_schema",
]
