"""One hand-written planter per clause of every rule of DESIGN.md §5.

Each planter builds isolated cases — a fresh person per case, so no FQ/AD/DC001 window ever
reaches another case or the clean baseline — and declares every finding DESIGN §5 implies for
its lines: the target rule, any other rule the defect necessarily triggers, and nothing that a
precedence rule suppresses. Lines a case adds without declaring a finding are clean under every
rule (boundary negatives: "day 7 opens a new period", "consent 365 days back", ...).

The notes under each planter name the rules that could plausibly fire on its lines and why they
do not. Conventions used by every case (from ``_model.telehealth_coding``): Medicare/MA
telehealth is POS 02 before 2020-03-01, POS 11 + 95 (93 for audio-only from 2022) until
2023-12-31, POS 02/10 + 95/93 from 2024; commercial and Medicaid use POS 02 (02/10 where the
policy says so) + 95, or 93 for audio-only from 2022.
"""

# The families register their planters on import, in this order (the order of the single file
# they came from): PLANTERS' order drives the RNG stream and so the sample bytes. Do not sort.
from telekit.sample._planters import _coding  # noqa: I001
from telekit.sample._planters import _telehealth
from telekit.sample._planters import _place
from telekit.sample._planters import _modifiers
from telekit.sample._planters import _time
from telekit.sample._planters import _frequency
from telekit.sample._planters import _documentation
from telekit.sample._planters import _eligibility
from telekit.sample._planters import _filing
from telekit.sample._planters import _addon
from telekit.sample._planters import _provider
from telekit.sample._planters import _ncci
from telekit.sample._planters._base import PLANTERS, Planter, planter

__all__ = ["PLANTERS", "RULE_CODES", "Planter", "planter"]

FAMILIES = (
    _coding,
    _telehealth,
    _place,
    _modifiers,
    _time,
    _frequency,
    _documentation,
    _eligibility,
    _filing,
    _addon,
    _provider,
    _ncci,
)

RULE_CODES: tuple[str, ...] = (
    "CD001", "CD002", "CD003", "CD004", "CD005", "CD006", "TH001", "TH002", "TH003", "TH004",
    "PS001", "PS002", "PS003", "PS004", "PS005", "MD001", "MD002", "MD003", "MD004", "MD005",
    "TM001", "TM002", "TM003", "TM004", "TM005", "TM006", "TM007",
    "FQ001", "FQ002", "FQ003", "FQ004", "FQ005",
    "DC001", "DC002", "DC003", "DC004", "DC005", "DC006", "DC007",
    "EL001", "EL002", "EL003", "EL004", "EL005", "FL001", "FL002", "AD001", "AD002", "PR001",
    "PR002", "PS006", "NC001", "NC002",
)  # fmt: skip
