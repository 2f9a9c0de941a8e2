"""The planter registry (``Planter``, ``PLANTERS``, ``planter``) and what every family
shares: the date ranges and the provider pickers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from telekit.sample import _model as m
from telekit.sample._case import Plant


@dataclass(frozen=True)
class Planter:
    name: str
    rules: tuple[str, ...]  # rules it plants findings of ("" for boundary negatives only)
    fn: Callable[[Plant], None]
    runs: int  # runs in the base plan (the default size, 1,500 encounters)


PLANTERS: list[Planter] = []


def planter(
    *rules: str, runs: int = 1
) -> Callable[[Callable[[Plant], None]], Callable[[Plant], None]]:
    def register(fn: Callable[[Plant], None]) -> Callable[[Plant], None]:
        if any(p.name == fn.__name__ for p in PLANTERS):
            msg = f"planter {fn.__name__} registered twice"
            raise ValueError(msg)
        PLANTERS.append(Planter(fn.__name__, rules, fn, runs))
        return fn

    return register


D = date
Y23 = (D(2023, 1, 2), D(2023, 12, 30))
Y24 = (D(2024, 1, 2), D(2024, 12, 30))
Y25 = (D(2025, 1, 2), D(2025, 12, 30))
Y26 = (D(2026, 1, 2), D(2026, 9, 30))
MAIN = (D(2023, 1, 2), D(2026, 9, 30))
FROM24 = (D(2024, 1, 2), D(2026, 9, 30))
FROM25 = (D(2025, 1, 2), D(2026, 9, 30))
PHE_ERA = (D(2021, 1, 4), D(2023, 12, 29))  # Medicare: in-person POS + 95


def _em(p: Plant) -> m.Provider:
    return p.provider(role="primary")


def _therapist(p: Plant) -> m.Provider:
    return p.provider(role="therapist", types=("PSYCHOLOGIST", "LCSW"))


def _by_type(provider_type: str) -> m.Provider:
    return next(x for x in m.PROVIDERS if x.provider_type == provider_type)
