"""Payer names whose payer_type is not in doubt (DESIGN §3 "Derived when absent").

A practice-management export names the payer ("Medicare Part B", "Aetna PPO") but rarely its
payer_type. telekit derives a missing payer_type from the policy file's ``[payer.X] payer_type``
first, then from this table, else rejects the line naming the payer and the fix. The table holds
only names that mean one payer_type wherever they appear: Medicare fee-for-service, Medicaid, self
pay. A commercial brand ("Aetna", "UnitedHealthcare", "Humana", "Blue Cross …") sells commercial,
Medicare Advantage and managed Medicaid plans under one name, so it is never guessed: the user says
which in policies.toml. Names are compared normalised (``normalise_payer_name``: trimmed,
upper-cased, every run of non-alphanumerics one space).
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl

#: normalised payer name -> payer_type (DESIGN §3 payer_type values)
BUILTIN_PAYER_TYPES: Final[dict[str, str]] = {
    # Medicare fee-for-service (Part B: the physician fee schedule)
    "MEDICARE": "medicare",
    "MEDICARE PART B": "medicare",
    "MEDICARE B": "medicare",
    "MEDICARE FFS": "medicare",
    "MEDICARE FEE FOR SERVICE": "medicare",
    "ORIGINAL MEDICARE": "medicare",
    "TRADITIONAL MEDICARE": "medicare",
    "CMS MEDICARE": "medicare",
    # Medicare Advantage named as such (not a brand's name alone)
    "MEDICARE ADVANTAGE": "medicare_advantage",
    "MEDICARE PART C": "medicare_advantage",
    # Medicaid fee-for-service (a managed Medicaid plan carries its brand's name)
    "MEDICAID": "medicaid",
    "STATE MEDICAID": "medicaid",
    "MEDICAID FFS": "medicaid",
    # the patient pays
    "SELF PAY": "self_pay",
    "SELFPAY": "self_pay",
    "SELF": "self_pay",
    "PRIVATE PAY": "self_pay",
    "CASH": "self_pay",
    "CASH PAY": "self_pay",
    "UNINSURED": "self_pay",
    "PATIENT": "self_pay",
    "PATIENT PAY": "self_pay",
}

#: USPS codes of the states and DC: a state's Medicaid program named by its code ("NY MEDICAID",
#: "MEDICAID NY") is Medicaid fee-for-service (a managed Medicaid plan carries its brand's name)
_STATES: Final = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
)  # fmt: skip
BUILTIN_PAYER_TYPES.update({f"{state} MEDICAID": "medicaid" for state in _STATES})
BUILTIN_PAYER_TYPES.update({f"MEDICAID {state}": "medicaid" for state in _STATES})

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalise_payer_name(name: str) -> str:
    """``" Medicare - Part B "`` → ``"MEDICARE PART B"``."""
    return _NON_ALNUM.sub(" ", name.upper()).strip()


def normalised_payer_expr(payer: pl.Expr) -> pl.Expr:
    """``normalise_payer_name`` as a polars expression."""
    return payer.str.to_uppercase().str.replace_all(r"[^0-9A-Z]+", " ").str.strip_chars()


def builtin_payer_type(name: str) -> str | None:
    """The payer_type of an unambiguous payer name, else None (the user must say which)."""
    return BUILTIN_PAYER_TYPES.get(normalise_payer_name(name))


def why_no_payer_type(payer: str) -> str:
    """The reject reason of a line whose payer_type cannot be derived (names the payer: rejects
    are the practice's data, never a log or an exception message)."""
    return (
        f"payer_type is missing and payer {payer!r} does not say which: add "
        f'[payer."{payer}"] payer_type = "commercial" (or medicare, medicare_advantage, medicaid, '
        "self_pay, other) to policies.toml, or give a payer_type column"
    )
