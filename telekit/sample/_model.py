"""The sample practice's fixed world: dates, providers, payers, the policy file, codes and prices.

Everything the clean baseline and the planters share lives here, so that a clean line and a
planted line are coded by the same hand. Nothing here reads telekit's code tables or rules: the
generator is an independent reading of DESIGN.md §3–§5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# --- dates ------------------------------------------------------------------------------------

EPOCH = date(1970, 1, 1)
AS_OF = date(2026, 10, 30)  # a Friday; the latest remittance payment_date of every sample
MAIN_START, MAIN_END = date(2023, 1, 1), date(2026, 9, 30)
LEGACY_START, LEGACY_END = date(2019, 1, 1), date(2021, 12, 31)

PHE_POS_START = date(2020, 3, 1)  # Medicare: in-person POS + 95 from here to 2023-12-31
FLEX_START = date(2020, 3, 6)  # Medicare home telehealth flexibilities (to 2027-12-31)
# EL005: lapses of the Medicare telehealth flexibilities restored retroactively (both ends in)
RESTORED_LAPSES = ((date(2025, 10, 1), date(2025, 11, 12)), (date(2026, 1, 31), date(2026, 2, 3)))
Y2021, Y2022, Y2023, Y2024, Y2025, Y2026 = (date(y, 1, 1) for y in range(2021, 2027))
AETNA_POS02_START, AETNA_POS02_END = date(2022, 1, 1), date(2022, 6, 30)


def day(d: date) -> int:
    """Days since 1970-01-01 (the integer behind ``pl.Date``)."""
    return (d - EPOCH).days


# --- NPIs -------------------------------------------------------------------------------------


def npi_check_digit(first9: str) -> str:
    """The NPI check digit: Luhn over ``80840`` + the first nine digits."""
    total = 0
    for i, ch in enumerate(reversed("80840" + first9)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_npi(first9: str) -> str:
    return first9 + npi_check_digit(first9)


def bad_npi(first9: str) -> str:
    """A 10-digit NPI whose check digit is wrong."""
    return first9 + str((int(npi_check_digit(first9)) + 3) % 10)


@dataclass(frozen=True)
class Provider:
    npi: str
    name: str
    provider_type: str
    states: tuple[str, ...]  # () = the roster gives no licensed states
    role: str  # primary, psychiatry, therapist, pt, slp, rd

    @property
    def licensed_states(self) -> str | None:
        return ";".join(self.states) if self.states else None

    @property
    def home_state(self) -> str:
        return self.states[0] if self.states else "NY"


GROUP_NPI = make_npi("175418293")
OTHER_BILLING_NPI = make_npi("132957481")  # a hospital outpatient department (planted only)

PROVIDERS: tuple[Provider, ...] = (
    Provider(make_npi("124587310"), "Dana Whitfield", "MD", ("NY", "NJ"), "primary"),
    Provider(make_npi("138462095"), "Marcus Ellery", "MD", ("NY", "NJ", "CT"), "primary"),
    Provider(make_npi("145620387"), "Priya Raman", "DO", ("NY", "NJ"), "primary"),
    Provider(make_npi("152048736"), "Tomas Lindqvist", "DO", ("NJ", "NY", "PA"), "primary"),
    Provider(make_npi("160375294"), "Grace Okafor", "NP", ("NY", "NJ"), "primary"),
    Provider(make_npi("173920418"), "Ian Marsh", "NP", ("NY",), "primary"),
    Provider(make_npi("181647023"), "Leah Kim", "PA", ("NY", "NJ"), "primary"),
    Provider(make_npi("194302857"), "Owen Brandt", "PA", ("NY", "NJ"), "primary"),
    Provider(
        make_npi("120938475"), "Samuel Adeyemi", "MD", ("NY", "NJ", "CT", "PA", "AK", "HI"),
        "psychiatry",
    ),
    Provider(make_npi("136509284"), "Helen Vasquez", "NP", ("NY", "NJ", "CT", "PA"),
             "psychiatry"),
    Provider(make_npi("147293650"), "Rachel Stein", "PSYCHOLOGIST", ("NY", "NJ"), "therapist"),
    Provider(make_npi("158230946"), "Caleb Monroe", "PSYCHOLOGIST", ("NY", "NJ", "PA"),
             "therapist"),
    Provider(make_npi("169047312"), "Nina Petrov", "LCSW", ("NY", "NJ"), "therapist"),
    Provider(make_npi("170386529"), "Jorge Alvarez", "LCSW", ("NY", "CT"), "therapist"),
    Provider(make_npi("185720364"), "Amara Nwosu", "MFT", ("NY", "NJ"), "therapist"),
    Provider(make_npi("192648103"), "Beth Larkin", "MHC", ("NY",), "therapist"),
    Provider(make_npi("127504836"), "Derek Holm", "PT", ("NY", "NJ"), "pt"),
    Provider(make_npi("139872045"), "Yuki Tanaka", "SLP", ("NY", "NJ"), "slp"),
    Provider(make_npi("141057392"), "Olivia Grant", "RD", (), "rd"),
)  # fmt: skip


def providers_with(*, role: str | None = None, types: tuple[str, ...] = ()) -> list[Provider]:
    return [
        p
        for p in PROVIDERS
        if (role is None or p.role == role) and (not types or p.provider_type in types)
    ]


# --- payers and the policy file -----------------------------------------------------------------


@dataclass(frozen=True)
class Payer:
    name: str
    payer_type: str
    plan_name: str | None
    fee_factor: float  # expected allowed = Medicare base fee x factor
    member_prefix: str


PAYERS: dict[str, Payer] = {
    p.name: p
    for p in (
        Payer("MEDICARE", "medicare", "Medicare Part B", 1.00, "1"),
        Payer("HUMANA MA", "medicare_advantage", "Humana Gold Plus HMO", 1.04, "H"),
        Payer("NY MEDICAID", "medicaid", "NY Medicaid fee-for-service", 0.72, "NY"),
        Payer("AETNA", "commercial", "Aetna Choice POS II", 1.32, "W"),
        Payer("UHC", "commercial", "UnitedHealthcare Choice Plus", 1.25, "U"),
        Payer("CIGNA", "commercial", "Cigna Open Access Plus", 1.38, "C"),
        Payer("HEALTHFIRST", "commercial", "Healthfirst Essential Plan", 1.08, "HF"),
        Payer("SELF PAY", "self_pay", None, 1.00, "SP"),
    )
}
ALIASES = {"60054": "AETNA", "AETNA BETTER HEALTH": "AETNA"}
MEDICARE_LIKE = ("medicare", "medicare_advantage")


def canonical(payer: str) -> str:
    p = payer.strip().upper()
    return ALIASES.get(p, p)


def payer_type(payer: str) -> str:
    return PAYERS[canonical(payer)].payer_type


POLICIES_TOML = """\
# Payer policies of the sample practice (DESIGN.md §3). Built-in defaults apply to every field
# not set here; precedence: payer period > payer > payer_type > built-in.

[payer_type.commercial]
timely_filing_days = 120           # the practice's commercial contracts allow 120 days

[payer.AETNA]
payer_type = "commercial"
aliases = ["AETNA BETTER HEALTH", "60054"]
telehealth_covered = true
audio_only_covered = true

[[payer.AETNA.periods]]
start = 2022-01-01                 # Aetna kept POS 02 for every telehealth visit until July 2022
end = 2022-06-30
telehealth_pos = "02"

[[payer.AETNA.periods]]
start = 2025-01-01                 # from 2025 Aetna accepts modifier 95 only (GT retired)
telehealth_modifiers = ["95"]

[payer.UHC]
payer_type = "commercial"
timely_filing_days = 90
audio_only_covered = false

[payer.CIGNA]
payer_type = "commercial"

[payer.HEALTHFIRST]
payer_type = "commercial"
telehealth_covered = false

[payer."NY MEDICAID"]
payer_type = "medicaid"

[[payer."NY MEDICAID".periods]]
start = 2022-01-01                 # NY Medicaid follows POS 02 / 10 from 2022
telehealth_pos = "02/10"

[payer."HUMANA MA"]
payer_type = "medicare_advantage"
aliases = ["HUMANA"]

[medicare]
locality = "1320201"               # Manhattan (MAC 13202, locality 01): the fee schedule's GPCIs
"""
MEDICARE_LOCALITY = "1320201"


@dataclass(frozen=True)
class Policy:
    """One payer's effective policy on one date (built-ins, then POLICIES_TOML)."""

    telehealth_pos: str  # "02" | "02/10" | "in_person+95" | "none"
    telehealth_modifiers: tuple[str, ...]
    requires_modifier_93: bool
    accepts_cpt_telemedicine_codes: bool
    timely_filing: str  # "calendar_year" | "days" | "none"
    timely_filing_days: int | None
    telehealth_covered: bool | None
    audio_only_covered: bool | None


def policy(payer: str, dos: date) -> Policy:
    """The policy the audit must apply to a line of ``payer`` on ``dos`` (DESIGN §3)."""
    name = canonical(payer)
    ptype = PAYERS[name].payer_type
    if ptype in MEDICARE_LIKE:
        pos = "02" if dos < PHE_POS_START else "in_person+95" if dos < Y2024 else "02/10"
        mods: tuple[str, ...] = ()
        req93 = dos >= Y2023
        accepts = False
        timely = ("calendar_year", None) if ptype == "medicare" else ("days", 365)
    elif ptype in ("commercial", "other"):
        pos = "02" if dos < Y2022 else "02/10"
        mods = ("95", "GT")
        req93 = dos >= Y2022
        accepts = True
        timely = ("days", 120 if ptype == "commercial" else 90)  # payer_type override
    elif ptype == "medicaid":
        pos = "none"
        mods = ("95", "GT")
        req93 = dos >= Y2022
        accepts = True
        timely = ("days", 365)
    else:  # self_pay
        pos, mods, req93, accepts, timely = "none", (), False, True, ("none", None)
    covered: bool | None = None
    audio_covered: bool | None = None
    if name == "AETNA":
        covered, audio_covered = True, True
        if AETNA_POS02_START <= dos <= AETNA_POS02_END:
            pos = "02"
        if dos >= Y2025:
            mods = ("95",)
    elif name == "UHC":
        timely = ("days", 90)
        audio_covered = False
    elif name == "HEALTHFIRST":
        covered = False
    elif name == "NY MEDICAID" and dos >= Y2022:
        pos = "02/10"
    return Policy(pos, mods, req93, accepts, timely[0], timely[1], covered, audio_covered)


# Every date on which ``policy`` or ``telehealth_coding`` can change for some payer: the bulk
# generator evaluates them once per segment between these dates.
SEGMENT_STARTS: tuple[date, ...] = (
    date(2017, 1, 1), PHE_POS_START, FLEX_START, Y2022, date(2022, 7, 1), Y2023, Y2024, Y2025,
    Y2026,
)  # fmt: skip


def telehealth_coding(
    payer: str, dos: date, modality: str, location: str
) -> tuple[str, tuple[str, ...]]:
    """POS and modifiers of a clean telehealth line (audio_video or audio_only encounter).

    Clean under every rule of DESIGN §5 for codes on the Medicare list (TH001), with the caller
    keeping Medicare audio-only to the behavioral codes before 2025 (TH003) and Medicare
    patients at a facility before 2020-03-06 (EL003).
    """
    pol = policy(payer, dos)
    audio_only = modality == "audio_only"
    if payer_type(payer) in MEDICARE_LIKE:
        if dos < PHE_POS_START:
            return "02", ()
        if dos < Y2024:  # in-person POS + 95 (93 for audio-only once MD002 applies)
            return "11", ("93",) if audio_only and dos >= Y2022 else ("95",)
        return ("10" if location == "home" else "02"), ("93",) if audio_only else ("95",)
    pos = ("10" if location == "home" else "02") if pol.telehealth_pos == "02/10" else "02"
    if audio_only and dos >= Y2022:
        return pos, ("93",)
    return pos, ("95",)


# --- codes ------------------------------------------------------------------------------------

MDM_LEVELS = ("straightforward", "low", "moderate", "high")

# office E/M: code -> (level 1..4, new patient, minimum minutes)
OFFICE_EM: dict[str, tuple[int, bool, int]] = {
    "99202": (1, True, 15), "99203": (2, True, 30), "99204": (3, True, 45), "99205": (4, True, 60),
    "99212": (1, False, 10), "99213": (2, False, 20), "99214": (3, False, 30),
    "99215": (4, False, 40),
    "98000": (1, True, 15), "98001": (2, True, 30), "98002": (3, True, 45), "98003": (4, True, 60),
    "98004": (1, False, 10), "98005": (2, False, 20), "98006": (3, False, 30),
    "98007": (4, False, 40),
    "98008": (1, True, 15), "98009": (2, True, 30), "98010": (3, True, 45), "98011": (4, True, 60),
    "98012": (1, False, 10), "98013": (2, False, 20), "98014": (3, False, 30),
    "98015": (4, False, 40),
}  # fmt: skip
CPT_TELEMEDICINE = tuple(f"980{i:02d}" for i in range(16))
ONLINE_DIGITAL = ("99421", "99422", "99423", "98970", "98971", "98972")
ONLINE_DIGITAL_MINUTES = {"99421": (5, 10), "99422": (11, 20), "99423": (21, 35),
                          "98970": (5, 10), "98971": (11, 20), "98972": (21, 35)}  # fmt: skip
VIRTUAL_CHECK_IN_MINUTES = {"G2012": (5, 10), "98016": (5, 10), "G2252": (11, 20)}
PSYCHOTHERAPY_MINUTES = {"90832": (16, 37), "90834": (38, 52), "90837": (53, 75),
                         "90833": (16, 37), "90836": (38, 52), "90838": (53, 70),
                         "90791": (50, 80), "90792": (50, 80), "90853": (60, 90),
                         "90849": (60, 90)}  # fmt: skip
DEVICE_CODES = ("99454", "98976", "98977", "98978", "99445", "98984", "98985", "98986")

# chargemaster (cents): the practice bills one price per code
CHARGES: dict[str, int] = {
    "99201": 7500, "99202": 12000, "99203": 17500, "99204": 26000, "99205": 34000,
    "99211": 5500, "99212": 9500, "99213": 14000, "99214": 20000, "99215": 28000,
    "G2211": 4500, "G2212": 9000, "99417": 9000,
    "90785": 3500, "90791": 25000, "90792": 28000, "90832": 11000, "90833": 9500,
    "90834": 15000, "90836": 12000, "90837": 20000, "90838": 16000, "90853": 7000,
    "90849": 9000,
    "99421": 4500, "99422": 8000, "99423": 12500, "98970": 4000, "98971": 7000, "98972": 11000,
    "G2061": 4000, "G2062": 7000, "G2063": 11000,
    "G2012": 3000, "G2252": 4500, "98016": 3000,
    "99441": 5000, "99442": 8000, "99443": 12000,
    "99453": 4000, "99454": 7500, "99457": 6500, "99458": 5500, "99445": 6000, "99470": 4500,
    "98975": 4000, "98976": 7500, "98977": 7500, "98978": 7500, "98980": 6500, "98981": 5500,
    "98979": 4500, "98984": 6000, "98985": 6000, "98986": 6000,
    "Q3014": 5000, "97802": 9000, "97803": 8000, "92507": 14000, "97110": 6000,
    "90966": 45000, "ZZZ99": 10000, "0999T": 15000,
    # NC and AD002 planters (r17): injection, vaccine administration, screening, AWV
    "20610": 12000, "96372": 4000, "96127": 3000, "G0439": 17500, "G0514": 9000, "G0008": 4000,
    **{c: {1: 12000, 2: 17500, 3: 26000, 4: 34000}[OFFICE_EM[c][0]] for c in CPT_TELEMEDICINE
       if OFFICE_EM[c][1]},
    **{c: {1: 9500, 2: 14000, 3: 20000, 4: 28000}[OFFICE_EM[c][0]] for c in CPT_TELEMEDICINE
       if not OFFICE_EM[c][1]},
}  # fmt: skip

# Medicare-like allowed amount (cents) per code; payers scale it by ``Payer.fee_factor``
BASE_FEES: dict[str, int] = {code: round(cents * 0.48) for code, cents in CHARGES.items()}

# a fee that depends on the modifier: Aetna pays 90837 by telehealth (95) a little less
MODIFIER_FEES: dict[tuple[str, str, str], int] = {("AETNA", "90837", "95"): 11800}


# dated contract changes: payer -> (first DOS, new fee factor); the expected fees before it
# end the day before
FEE_CHANGES: dict[str, tuple[date, float]] = {"AETNA": (Y2025, 1.38)}


def expected_allowed(payer: str, code: str, dos: date | None = None) -> int:
    """The payer's contracted allowed amount (cents) of ``code`` on ``dos`` (None: before any
    dated change)."""
    name = canonical(payer)
    factor = PAYERS[name].fee_factor
    change = FEE_CHANGES.get(name)
    if change is not None and dos is not None and dos >= change[0]:
        factor = change[1]
    return round(BASE_FEES[code] * factor)


# every code billable in each ICD-10-CM set FY2019-FY2026 (CD004; M54.50 and R51.9 start only in
# FY2022 and FY2021, so the background uses M54.2 and R42)
DIAGNOSES: dict[str, tuple[str, ...]] = {
    "primary": ("I10", "E11.9", "E78.5", "J45.909", "M54.2", "Z00.00", "K21.9", "E66.9",
                "R42", "J06.9", "E03.9", "N39.0"),
    "behavioral": ("F32.1", "F33.1", "F41.1", "F43.10", "F43.23", "F90.0", "F41.0", "F42.2",
                   "F34.1", "F31.81"),
    "rpm": ("I10", "E11.9", "I50.9", "J44.9", "E11.65", "I48.91"),
    "rtm": ("M54.2", "M25.561", "M17.11", "M62.81", "S83.511A", "M75.101"),
    "nutrition": ("E66.9", "E11.9", "E78.5", "R73.03", "E66.01"),
    "speech": ("R47.1", "I69.320", "R48.8", "F80.0"),
}  # fmt: skip

AUDIO_ONLY_REASONS = (
    "patient declined video",
    "patient has no video-capable device",
    "no broadband at patient location",
    "video failed; completed by phone",
)
