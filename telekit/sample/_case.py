"""The builder planters write with: persons, coverage, encounters and claims, one case at a time.

A planter asks for a fresh person (its own coverage), then for visits: an encounter and a claim
whose lines are coded cleanly by default (the same conventions as the bulk baseline); it overrides
exactly the fields its defect needs and declares every finding DESIGN §5 implies for the lines.
Rows use internal integer keys; ``_assemble`` turns them into the contract's ids.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from telekit.sample import _model as m


class Auto:
    """Marker: let the builder choose the clean value."""

    def __repr__(self) -> str:
        return "AUTO"


AUTO: Final = Auto()

CLAIM_FIELDS = (
    "claim_key", "claim_line_number", "person_key", "payer", "payer_type", "freq",
    "original_claim_key", "icn_claim_key", "rendering_npi", "billing_npi", "dos", "submitted",
    "pos", "code", "m1", "m2", "m3", "m4", "units", "charge", "dx1", "dx2", "dx3", "encounter_key",
    "link", "pay_lag", "remit_hint",
)  # fmt: skip
ENCOUNTER_FIELDS = (
    "encounter_key", "person_key", "rendering_npi", "date", "modality", "location",
    "patient_state", "provider_state", "consent", "minutes", "mdm", "reason", "device_days",
    "psy_minutes",
)  # fmt: skip
COVERAGE_FIELDS = (
    "person_key",
    "payer",
    "payer_type",
    "plan_name",
    "start",
    "end",
    "telehealth_covered",
)


@dataclass(frozen=True)
class Person:
    key: int
    payer: str


@dataclass(frozen=True)
class ClaimRef:
    key: int
    lines: int
    encounter_key: int | None
    dos: date
    submitted: date


@dataclass
class Plant:
    """Rows and expected findings of the planted cases of one chunk."""

    rng: random.Random
    person_base: int = 0
    claim_base: int = 0
    encounter_base: int = 0
    claims: list[tuple[Any, ...]] = field(default_factory=list)
    encounters: list[tuple[Any, ...]] = field(default_factory=list)
    coverage: list[tuple[Any, ...]] = field(default_factory=list)
    truth: list[tuple[int, int, str]] = field(default_factory=list)
    runs: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._persons = self.person_base
        self._claims = self.claim_base
        self._encounters = self.encounter_base

    # --- counters ---------------------------------------------------------------------------

    @property
    def persons_used(self) -> int:
        return self._persons - self.person_base

    @property
    def claims_used(self) -> int:
        return self._claims - self.claim_base

    @property
    def encounters_used(self) -> int:
        return self._encounters - self.encounter_base

    # --- random helpers ---------------------------------------------------------------------

    def pick_date(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    def pick(self, items: Sequence[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def provider(self, *, role: str | None = None, types: tuple[str, ...] = ()) -> m.Provider:
        found: m.Provider = self.pick(m.providers_with(role=role, types=types))
        return found

    # --- persons and coverage -----------------------------------------------------------------

    def person(
        self,
        payer: str = "MEDICARE",
        *,
        spans: Sequence[tuple[str, date, date | None, bool | None]] | None = None,
        telehealth_covered: bool | None = None,
    ) -> Person:
        """A fresh person; by default covered by ``payer`` from long before any DOS, open."""
        key = self._persons
        self._persons += 1
        if spans is None:
            if m.payer_type(payer) == "self_pay":
                spans = ()
            else:
                start = self.pick_date(date(2012, 1, 1), date(2015, 12, 31))
                spans = ((m.canonical(payer), start, None, telehealth_covered),)
        for span_payer, start, end, covered in spans:
            info = m.PAYERS[m.canonical(span_payer)]
            self.coverage.append(
                (
                    key,
                    span_payer,
                    info.payer_type,
                    info.plan_name,
                    m.day(start),
                    None if end is None else m.day(end),
                    covered,
                )
            )
        return Person(key, payer)

    # --- encounters and claims ----------------------------------------------------------------

    def encounter(
        self,
        person: Person,
        npi: str,
        when: date,
        *,
        modality: str | None,
        location: str | None,
        patient_state: str | None,
        provider_state: str | None,
        consent: bool | None,
        minutes: int | None,
        mdm: str | None,
        reason: str | None,
        device_days: int | None,
        psy_minutes: int | None = None,
    ) -> int:
        key = self._encounters
        self._encounters += 1
        self.encounters.append(
            (
                key,
                person.key,
                npi,
                m.day(when),
                modality,
                location,
                patient_state,
                provider_state,
                consent,
                minutes,
                mdm,
                reason,
                device_days,
                psy_minutes,
            )
        )
        return key

    def visit(
        self,
        person: Person,
        codes: Sequence[str] | str,
        *,
        dos: date,
        npi: m.Provider | str | Auto = AUTO,
        payer: str | Auto = AUTO,
        modality: str | None = "in_person",
        location: str | Auto | None = AUTO,
        pos: str | Auto = AUTO,
        mods: Sequence[str] | Auto = AUTO,
        line_overrides: dict[int, dict[str, Any]] | None = None,
        minutes: int | Auto | None = AUTO,
        mdm: str | Auto | None = AUTO,
        consent: bool | None = True,
        reason: str | Auto | None = AUTO,
        device_days: int | Auto | None = AUTO,
        psy_minutes: int | Auto | None = AUTO,
        patient_state: str | Auto | None = AUTO,
        provider_state: str | Auto | None = AUTO,
        submitted: date | int | Auto = AUTO,
        freq: str = "1",
        original: ClaimRef | None = None,
        icn_of: ClaimRef | Auto | None = AUTO,
        dx: Sequence[str] | Auto = AUTO,
        encounter: bool | int | None = True,
        link: bool = True,
        billing_npi: str = m.GROUP_NPI,
        charges: Sequence[int] | Auto = AUTO,
        pay_lag: int | Auto | None = AUTO,
        remit_hint: str | None = None,
    ) -> ClaimRef:
        """One claim (and, unless ``encounter`` is False or a key, one new encounter).

        Every argument left to AUTO is filled with the value a clean line would carry
        (``psy_minutes``: the psychotherapy add-on's own minutes when ``minutes`` is AUTO and an
        E/M and a psychotherapy add-on share the visit, else none).
        ``encounter`` may be an existing encounter key to bill against.
        """
        code_list = [codes] if isinstance(codes, str) else list(codes)
        primary = code_list[0]
        bill_payer = person.payer if isinstance(payer, Auto) else payer
        prov = _provider_for(self, primary, npi)
        if isinstance(npi, Auto) and encounter not in (True, False, None):
            # billed against an encounter already documented: by its rendering provider (the
            # draw above is kept so that the rest of the practice stays the same)
            prov = self.encounters[int(encounter) - self.encounter_base][2]
        npi_value = prov if isinstance(prov, str) else prov.npi
        states = () if isinstance(prov, str) else prov.states
        home = states[0] if states else "NY"
        telehealth = modality in ("audio_video", "audio_only") and not (
            primary in CTBS or primary == "Q3014"
        )
        if isinstance(location, Auto):
            location = _auto_location(primary, bill_payer, dos, modality, telehealth=telehealth)
        auto_pos, auto_mods = _auto_coding(
            primary, bill_payer, dos, modality, location, telehealth=telehealth
        )
        line_pos = auto_pos if isinstance(pos, Auto) else pos
        line_mods = tuple(auto_mods if isinstance(mods, Auto) else mods)
        auto_psy = _auto_psy_minutes(code_list) if isinstance(minutes, Auto) else None
        minutes, mdm, reason, device_days, dx = self._auto_documentation(
            code_list,
            modality,
            minutes=minutes,
            mdm=mdm,
            reason=reason,
            device_days=device_days,
            dx=dx,
            psy=auto_psy,
        )
        if len(dx) > 3:
            msg = "planted lines carry at most three diagnoses"
            raise ValueError(msg)

        if encounter is True:
            enc_key: int | None = self.encounter(
                person,
                npi_value,
                dos,
                modality=modality,
                location=location,
                patient_state=home if isinstance(patient_state, Auto) else patient_state,
                provider_state=home if isinstance(provider_state, Auto) else provider_state,
                consent=consent,
                minutes=minutes,
                mdm=mdm,
                reason=reason,
                device_days=device_days,
                psy_minutes=_psy_minutes(psy_minutes, auto_psy, minutes),
            )
        else:
            enc_key = None if encounter is False or encounter is None else encounter

        sub = self._submitted(dos, submitted)
        lag = self.rng.randint(10, 45) if isinstance(pay_lag, Auto) else pay_lag
        key = self._claims
        self._claims += 1
        amounts = [m.CHARGES[c] for c in code_list] if isinstance(charges, Auto) else charges
        head = (
            key,
            person.key,
            bill_payer,
            freq,
            original,
            original if isinstance(icn_of, Auto) else icn_of,
            npi_value,
            billing_npi,
        )
        for i, code in enumerate(code_list, start=1):
            row: dict[str, Any] = {
                "pos": line_pos,
                "mods": line_mods,
                "dx": list(dx),
                "charge": amounts[i - 1],
                "units": 1,
            }
            if line_overrides and i in line_overrides:
                row.update(line_overrides[i])
            self._claim_line(
                head,
                row,
                i=i,
                code=code,
                dos=dos,
                sub=sub,
                enc_key=enc_key,
                link=link,
                lag=lag,
                hint=remit_hint,
            )
        return ClaimRef(key, len(code_list), enc_key, dos, sub)

    def _auto_documentation(
        self,
        code_list: list[str],
        modality: str | None,
        *,
        minutes: int | Auto | None,
        mdm: str | Auto | None,
        reason: str | Auto | None,
        device_days: int | Auto | None,
        dx: Sequence[str] | Auto,
        psy: list[int] | None = None,
    ) -> tuple[int | None, str | None, str | None, int | None, Sequence[str]]:
        """What a clean line documents, for each argument left to AUTO. The draws run in this
        order: the RNG stream (so the sample bytes) depends on it."""
        primary = code_list[0]
        if isinstance(minutes, Auto):
            minutes = _auto_minutes(self.rng, code_list, psy)
        if isinstance(mdm, Auto):
            mdm = m.MDM_LEVELS[m.OFFICE_EM[primary][0] - 1] if primary in m.OFFICE_EM else None
        if isinstance(reason, Auto):
            reason = self.pick(m.AUDIO_ONLY_REASONS) if modality == "audio_only" else None
        if isinstance(device_days, Auto):
            device_days = _auto_device_days(self.rng, code_list)
        if isinstance(dx, Auto):
            dx = _auto_dx(self.rng, primary)
        return minutes, mdm, reason, device_days, dx

    def _submitted(self, dos: date, submitted: date | int | Auto) -> date:
        """The claim's submission date: 3 to 20 days after the DOS (drawn), ``submitted`` days
        after it, or the date given."""
        if isinstance(submitted, Auto):
            return dos + timedelta(days=self.rng.randint(3, 20))
        if isinstance(submitted, int):
            return dos + timedelta(days=submitted)
        return submitted

    def _claim_line(
        self,
        head: tuple[Any, ...],
        row: dict[str, Any],
        *,
        i: int,
        code: str,
        dos: date,
        sub: date,
        enc_key: int | None,
        link: bool,
        lag: int | None,
        hint: str | None,
    ) -> None:
        key, person_key, bill_payer, freq, original, icn_ref, npi_value, billing_npi = head
        mods4 = [*row["mods"], None, None, None, None][:4]
        dxs = [*row["dx"], None, None, None][:3]
        self.claims.append(
            (
                key,
                i,
                person_key,
                bill_payer,
                m.payer_type(bill_payer),
                freq,
                None if original is None else original.key,
                None if icn_ref is None else icn_ref.key,
                npi_value,
                billing_npi,
                m.day(dos),
                m.day(sub),
                row["pos"],
                code,
                *mods4,
                row["units"],
                row["charge"],
                *dxs,
                enc_key,
                link and enc_key is not None,
                lag,
                hint,
            )
        )

    # --- expectations -------------------------------------------------------------------------

    def expect(self, claim: ClaimRef, line: int, *rules: str) -> None:
        for rule in rules:
            self.truth.append((claim.key, line, rule))

    def expect_all(self, claim: ClaimRef, *rules: str) -> None:
        for line in range(1, claim.lines + 1):
            self.expect(claim, line, *rules)


# --- code families the builder needs (DESIGN §5 "CTBS") --------------------------------------

CTBS: frozenset[str] = frozenset(
    ["99421", "99422", "99423", "98970", "98971", "98972", "G2061", "G2062", "G2063",
     "G2012", "G2252", "98016", "G2010", "G2250", "G2251", "98966", "98967", "98968",
     "99453", "99454", "99445", "99457", "99458", "99470", "99091",
     *(f"989{i}" for i in range(75, 82)), "98984", "98985", "98986",
     *(str(c) for c in range(99446, 99453))]
)  # fmt: skip

_PSYCHIATRY = ("90792", "90833", "90836", "90838")
_THERAPY = ("90785", "90791", "90832", "90834", "90837", "90849", "90853")
_NONPHYSICIAN_EVISIT = ("98970", "98971", "98972", "G2061", "G2062", "G2063")
_RTM = ("98975", "98976", "98977", "98978", "98979", "98980", "98981", "98984", "98985", "98986")


def _auto_location(
    primary: str, payer: str, dos: date, modality: str | None, *, telehealth: bool
) -> str:
    """Where a clean line's patient is: at a facility in person, for Q3014, and for Medicare-like
    telehealth before the flexibilities; else at home."""
    if (
        modality == "in_person"
        or primary == "Q3014"
        or (telehealth and m.payer_type(payer) in m.MEDICARE_LIKE and dos < m.FLEX_START)
    ):
        return "facility"
    return "home"


def _auto_coding(
    primary: str,
    payer: str,
    dos: date,
    modality: str | None,
    location: str | None,
    *,
    telehealth: bool,
) -> tuple[str, tuple[str, ...]]:
    """The POS and modifiers a clean line carries."""
    if not telehealth:
        return "11", ()
    if primary in m.CPT_TELEMEDICINE:
        return ("10" if location == "home" else "02") if dos >= m.Y2022 else "02", ()
    return m.telehealth_coding(payer, dos, str(modality), location or "facility")


def _provider_for(plant: Plant, primary: str, npi: m.Provider | str | Auto) -> m.Provider | str:
    if not isinstance(npi, Auto):
        return npi
    if primary in _PSYCHIATRY:
        return plant.provider(role="psychiatry")
    if primary in _THERAPY:
        return plant.provider(role="therapist", types=("PSYCHOLOGIST", "LCSW"))
    if primary in _NONPHYSICIAN_EVISIT or primary in _RTM:
        return plant.provider(role="pt")
    return plant.provider(role="primary")


_MINUTE_RANGES = {
    **m.PSYCHOTHERAPY_MINUTES,
    **m.ONLINE_DIGITAL_MINUTES,
    **m.VIRTUAL_CHECK_IN_MINUTES,
}


_PSYCHOTHERAPY_ADDONS = ("90833", "90836", "90838")


def _auto_psy_minutes(codes: list[str]) -> list[int] | None:
    """A cell ``_auto_minutes`` fills with the psychotherapy add-on's own minutes (its draw), when
    an office E/M and a psychotherapy add-on share the visit; else None."""
    if codes[0] in m.OFFICE_EM and any(c in _PSYCHOTHERAPY_ADDONS for c in codes):
        return []
    return None


def _psy_minutes(
    given: int | Auto | None, auto: list[int] | None, minutes: int | None
) -> int | None:
    if not isinstance(given, Auto):
        return given
    if auto and minutes is not None:
        return sum(auto)
    return None


def _office_em_minutes(rng: random.Random, codes: list[str], psy: list[int] | None) -> int:
    """Total minutes of a clean office E/M visit (its prolonged and psychotherapy add-ons
    included); each psychotherapy add-on's own draw goes to ``psy`` when given."""
    _, new, floor = m.OFFICE_EM[codes[0]]
    minutes = floor + rng.randint(0, 10)
    if "G2212" in codes:
        minutes = max(minutes, (89 if new else 69) + rng.randint(0, 10))
    if "99417" in codes:
        minutes = max(minutes, (75 if new else 55) + rng.randint(0, 10))
    for addon in _PSYCHOTHERAPY_ADDONS:
        if addon in codes:
            lo, hi = m.PSYCHOTHERAPY_MINUTES[addon]
            draw = rng.randint(lo, hi)
            minutes += draw
            if psy is not None:
                psy.append(draw)
    return minutes


def _auto_minutes(rng: random.Random, codes: list[str], psy: list[int] | None = None) -> int | None:
    """Total minutes a clean encounter billing ``codes`` documents (None: no time kept)."""
    primary = codes[0]
    if primary in m.OFFICE_EM:
        return _office_em_minutes(rng, codes, psy)
    if primary in _MINUTE_RANGES:
        lo, hi = _MINUTE_RANGES[primary]
    elif any(c in ("99470", "98979") for c in codes):
        lo, hi = 10, 19
    elif any(c in ("99457", "98980") for c in codes):
        extra = any(c in ("99458", "98981") for c in codes)
        lo, hi = (40, 55) if extra else (20, 39)
    elif primary in CTBS or primary == "Q3014":
        return None
    else:
        lo, hi = 30, 50
    return rng.randint(lo, hi)


def _auto_device_days(rng: random.Random, codes: list[str]) -> int | None:
    if any(c in ("99445", "98984", "98985", "98986") for c in codes):
        return rng.randint(2, 15)
    if any(c in m.DEVICE_CODES for c in codes):
        return rng.randint(16, 30)
    return None


def _auto_dx(rng: random.Random, primary: str) -> list[str]:
    if primary in _PSYCHIATRY or primary in _THERAPY:
        pool = m.DIAGNOSES["behavioral"]
    elif primary in _RTM:
        pool = m.DIAGNOSES["rtm"]
    elif primary in CTBS:
        pool = m.DIAGNOSES["rpm"]
    else:
        pool = m.DIAGNOSES["primary"]
    return rng.sample(pool, 2)
