"""The clean baseline: persons, coverage, encounters and claim lines, generated in bulk with numpy.

Every line this module writes is clean under every rule of DESIGN.md §5 (with the sample's
``policies.toml``). The invariants that make it so:

- each person has one rendering provider and visits at least 31 days apart, so no FQ001 (7),
  FQ002 (8), FQ003 (30) or AD001 month window can reach a second visit, and no two lines of a
  person share a DOS (no FQ004/FQ005);
- every visit has its own encounter, with modality, location, states, consent, minutes, MDM,
  audio-only reason and device days consistent with the codes billed; patients are in a state
  their provider is licensed in; telehealth and CTBS encounters carry consent;
- codes are used only inside their validity and, for Medicare telehealth, only from the
  Medicare list (TH001) with audio-only kept to the behavioral codes before 2025 (TH003);
  CTBS and Q3014 are billed POS 11 without modifiers; telehealth lines are coded by
  ``_model.telehealth_coding`` (POS and modifiers per payer convention and date);
- office E/M only by MD/DO/NP/PA, minutes at or above the code's minimum and MDM equal to its
  level (one of them may be missing, never both); add-ons always with their primary;
- coverage of the billed payer is active on every DOS; claims go out 2–30 days after the DOS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from telekit.sample import _model as m

GAP = 31  # minimum days between two visits of one person

TRACKS = ("primary", "behavioral", "psychiatry", "rpm", "rtm", "nutrition", "speech")
MAIN_SHARES = (0.40, 0.22, 0.10, 0.12, 0.07, 0.05, 0.04)
MAIN_MEAN_EXTRA = (2.0, 5.0, 3.5, 5.0, 3.0, 1.5, 3.0)  # visits per person = 1 + Poisson(this)
LEGACY_SHARES = (0.6, 0.4, 0, 0, 0, 0, 0)
LEGACY_MEAN_EXTRA = (1.5, 3.0, 0, 0, 0, 0, 0)
LEGACY_SHARE = 0.05  # of clean encounters, DOS 2019-01..2021-12

PAYER_NAMES = tuple(m.PAYERS)  # index order used by the integer payer arrays
P = {name: i for i, name in enumerate(PAYER_NAMES)}
PAYER_MIX = {
    "MEDICARE": 0.35,
    "HUMANA MA": 0.15,
    "NY MEDICAID": 0.15,
    "AETNA": 0.105,
    "UHC": 0.09,
    "CIGNA": 0.084,
    "HEALTHFIRST": 0.021,
    "SELF PAY": 0.05,
}
SECOND_PAYER = {
    "AETNA": "MEDICARE",
    "UHC": "MEDICARE",
    "CIGNA": "AETNA",
    "HEALTHFIRST": "NY MEDICAID",
    "MEDICARE": "HUMANA MA",
    "HUMANA MA": "MEDICARE",
    "NY MEDICAID": "UHC",
}
SWITCH_SHARE = 0.10
DUAL_SHARE = 0.2  # of Medicare persons, also covered by NY Medicaid
ALIAS_SHARE = 0.10  # AETNA claims billed under Aetna's payer id "60054"

# visit kinds
EM, PSYTX, PSYEVAL, PSYEM, EVISIT, VCI, RPM, RTM, Q3014, NUTR, SPEECH = range(11)

CODES: tuple[str, ...] = tuple(sorted(m.CHARGES))
C = {code: i for i, code in enumerate(CODES)}
NONE = -1  # "no code" in the add-on slots

MODALITIES = ("in_person", "audio_video", "audio_only", "portal", "store_and_forward")
IN_PERSON, AV, AO, PORTAL, SNF = range(5)
LOCATIONS = ("home", "facility", "other")
HOME, FACILITY, OTHER = range(3)


@dataclass(frozen=True)
class Keys:
    """Where this bulk's internal keys start (after the planted cases of the chunk)."""

    person: int
    encounter: int
    claim: int


@dataclass(frozen=True)
class Bulk:
    claims: pl.DataFrame  # internal claim-line frame (``_case.CLAIM_FIELDS``)
    encounters: pl.DataFrame  # internal encounter frame (``_case.ENCOUNTER_FIELDS``)
    coverage: pl.DataFrame  # internal coverage frame (``_case.COVERAGE_FIELDS``)
    persons: int


def _schedule(
    rng: np.random.Generator,
    *,
    n_visits: int,
    shares: tuple[float, ...],
    mean_extra: tuple[float, ...],
    lo: date,
    hi: date,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Persons (track, visits) and their visit dates: ``(track, person_of_visit, rank, dos)``."""
    if n_visits == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    span = m.day(hi) - m.day(lo)
    max_k = span // GAP + 1
    probs = np.asarray(shares, dtype=float) / sum(shares)
    estimate = int(n_visits / (1 + float(np.dot(probs, mean_extra)))) + 16
    tracks = rng.choice(len(TRACKS), size=estimate, p=probs)
    ks = np.minimum(1 + rng.poisson(np.asarray(mean_extra)[tracks]), max_k)
    while ks.sum() < n_visits:  # rare: top up
        more = rng.choice(len(TRACKS), size=estimate // 4 + 16, p=probs)
        tracks = np.concatenate([tracks, more])
        ks = np.concatenate([ks, np.minimum(1 + rng.poisson(np.asarray(mean_extra)[more]), max_k)])
    cum = np.cumsum(ks)
    n_persons = int(np.searchsorted(cum, n_visits) + 1)
    tracks, ks = tracks[:n_persons], ks[:n_persons].copy()
    ks[-1] -= int(cum[n_persons - 1] - n_visits)

    person = np.repeat(np.arange(n_persons), ks)
    first = np.concatenate([[0], np.cumsum(ks)[:-1]])
    rank = np.arange(n_visits) - first[person]
    slack_total = span - (ks - 1) * GAP
    wanted = rng.integers(0, 45 * (ks - 1) + 90)
    slack = np.minimum(slack_total, wanted)
    start = m.day(lo) + (rng.random(n_persons) * (slack_total - slack + 1)).astype(np.int64)
    u = (rng.random(n_visits) * (slack[person] + 1)).astype(np.int64)
    order = np.lexsort((u, person))
    u = u[order]
    dos = start[person] + u + rank * GAP
    return tracks, person, rank, dos


def _pick(rng: np.random.Generator, options: list[int], weights: list[float], n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return np.asarray(options)[rng.choice(len(options), size=n, p=w / w.sum())]


def generate(rng: np.random.Generator, n_encounters: int, keys: Keys) -> Bulk:
    """The clean baseline: ``n_encounters`` visits, each one encounter and one claim."""
    n_legacy = round(n_encounters * LEGACY_SHARE) if n_encounters >= 20 else 0
    n_main = n_encounters - n_legacy
    t_main, per_main, rank_main, dos_main = _schedule(
        rng, n_visits=n_main, shares=MAIN_SHARES, mean_extra=MAIN_MEAN_EXTRA,
        lo=m.MAIN_START, hi=m.MAIN_END,
    )  # fmt: skip
    t_leg, per_leg, rank_leg, dos_leg = _schedule(
        rng, n_visits=n_legacy, shares=LEGACY_SHARES, mean_extra=LEGACY_MEAN_EXTRA,
        lo=m.LEGACY_START, hi=m.LEGACY_END,
    )  # fmt: skip
    track = np.concatenate([t_main, t_leg])
    n_persons = len(track)
    person = np.concatenate([per_main, per_leg + len(t_main)])
    rank = np.concatenate([rank_main, rank_leg])
    dos = np.concatenate([dos_main, dos_leg])
    n = len(dos)
    ptrack = track[person]

    # --- payers and coverage -------------------------------------------------------------------
    mix_names = list(PAYER_MIX)
    payer_a = _pick(rng, [P[x] for x in mix_names], [PAYER_MIX[x] for x in mix_names], n_persons)
    needs_insurance = np.isin(track, [TRACKS.index(t) for t in ("rpm", "rtm", "speech")])
    payer_a[needs_insurance & (payer_a == P["SELF PAY"])] = P["MEDICARE"]
    ks = np.bincount(person, minlength=n_persons)
    first_idx = np.concatenate([[0], np.cumsum(ks)[:-1]])
    last_idx = first_idx + ks - 1
    switch = (rng.random(n_persons) < SWITCH_SHARE) & (ks >= 2) & (payer_a != P["SELF PAY"])
    second = np.array([P[SECOND_PAYER.get(name, name)] for name in PAYER_NAMES])
    payer_b = np.where(switch, second[payer_a], payer_a)
    switch_rank = np.where(
        switch, 1 + (rng.random(n_persons) * np.maximum(ks - 1, 1)).astype(np.int64), ks
    )
    switch_rank = np.minimum(switch_rank, ks)
    before = dos[first_idx + np.maximum(switch_rank - 1, 0)]
    after = dos[np.minimum(first_idx + switch_rank, last_idx)]
    switch_day = (
        before + 1 + (rng.random(n_persons) * np.maximum(after - before - 1, 1)).astype(np.int64)
    )
    switch_day = np.where(switch, np.minimum(switch_day, after), 0)
    payer = np.where(rank >= switch_rank[person], payer_b[person], payer_a[person])

    # --- providers and states ------------------------------------------------------------------
    ever_medicare_pre2024 = np.zeros(n_persons, dtype=bool)
    np.logical_or.at(
        ever_medicare_pre2024, person, (payer == P["MEDICARE"]) & (dos < m.day(m.Y2024))
    )
    provider = np.zeros(n_persons, dtype=np.int64)
    idx = {p.npi: i for i, p in enumerate(m.PROVIDERS)}

    def choose(mask: np.ndarray, pool: list[m.Provider], weights: list[float]) -> None:
        count = int(mask.sum())
        if count:
            provider[mask] = _pick(rng, [idx[p.npi] for p in pool], weights, count)

    primary = m.providers_with(role="primary")
    choose(track == TRACKS.index("primary"), primary, [1.0] * len(primary))
    rpm_docs = m.providers_with(role="primary", types=("MD", "DO", "NP"))
    choose(track == TRACKS.index("rpm"), rpm_docs, [1.0] * len(rpm_docs))
    psych = m.providers_with(role="psychiatry")
    choose(track == TRACKS.index("psychiatry"), psych, [1.0] * len(psych))
    therapists = m.providers_with(role="therapist")
    weights = [2.0 if p.provider_type in ("PSYCHOLOGIST", "LCSW") else 1.0 for p in therapists]
    behavioral = track == TRACKS.index("behavioral")
    choose(behavioral & ~ever_medicare_pre2024, therapists, weights)
    safe = [p for p in therapists if p.provider_type in ("PSYCHOLOGIST", "LCSW")]
    choose(behavioral & ever_medicare_pre2024, safe, [1.0] * len(safe))
    for role, name in (("pt", "rtm"), ("slp", "speech"), ("rd", "nutrition")):
        pool = m.providers_with(role=role)
        choose(track == TRACKS.index(name), pool, [1.0] * len(pool))
    home_state = np.empty(n_persons, dtype=object)
    state_pick = rng.random(n_persons)
    for i, prov in enumerate(m.PROVIDERS):
        mask = provider == i
        states = tuple(x for x in prov.states if x in ("NY", "NJ", "CT", "PA")) or ("NY",)
        if len(states) == 1:
            home_state[mask] = states[0]
            continue
        # 75% the provider's first state, else one of the others
        k = np.where(
            state_pick[mask] < 0.75,
            0,
            1 + (rng.random(int(mask.sum())) * (len(states) - 1)).astype(np.int64),
        )
        home_state[mask] = np.asarray(states, dtype=object)[k]
    vprov = provider[person]

    # --- visit kinds ---------------------------------------------------------------------------
    r = rng.random(n)
    kind = np.full(n, EM)
    t = {name: TRACKS.index(name) for name in TRACKS}
    medicare_like = np.isin(payer, [P["MEDICARE"], P["HUMANA MA"]])
    later = rank > 0
    is_t = {name: ptrack == t[name] for name in TRACKS}
    kind[is_t["primary"] & later & (r >= 0.82) & (r < 0.91)] = EVISIT
    kind[is_t["primary"] & later & (r >= 0.91) & (r < 0.97)] = VCI
    kind[is_t["primary"] & later & (r >= 0.97) & medicare_like] = Q3014
    kind[is_t["behavioral"]] = PSYTX
    kind[is_t["behavioral"] & later & (r >= 0.96)] = EVISIT
    kind[is_t["psychiatry"]] = np.where(later[is_t["psychiatry"]], PSYEM, PSYEVAL)
    kind[is_t["rpm"] & later & (r < 0.85)] = RPM
    kind[is_t["rtm"]] = RTM
    kind[is_t["rtm"] & later & (r >= 0.88)] = EVISIT
    kind[is_t["nutrition"]] = NUTR
    kind[is_t["nutrition"] & later & (r >= 0.7)] = EVISIT
    kind[is_t["speech"]] = SPEECH
    kind[is_t["speech"] & later & (r >= 0.85)] = EVISIT
    legacy = dos < m.day(m.Y2022)  # no CTBS or Q3014 in the legacy slice
    not_yet = legacy & np.isin(kind, [EVISIT, VCI, Q3014, RPM, RTM])
    kind[not_yet] = np.where(is_t["behavioral"][not_yet], PSYTX, EM)

    # --- modality and location -----------------------------------------------------------------
    r2 = rng.random(n)
    modality = np.full(n, IN_PERSON)
    tele_share = np.select(
        [kind == EM, kind == PSYTX, kind == PSYEVAL, kind == PSYEM], [0.45, 0.65, 0.5, 0.55], 0.0
    )
    tele_share = np.where(is_t["rpm"] & (kind == EM), 0.2, tele_share)
    tele_share = np.where(kind == EM, np.where(rank == 0, tele_share * 0.6, tele_share), tele_share)
    audio_share = np.select([kind == PSYTX, kind == PSYEM, kind == EM], [0.3, 0.18, 0.22], 0.0)
    telehealth = r2 < tele_share
    modality[telehealth] = AV
    modality[telehealth & (rng.random(n) < audio_share)] = AO
    modality[kind == EVISIT] = PORTAL
    modality[kind == VCI] = AO
    modality[kind == Q3014] = AV
    no_telehealth = np.isin(payer, [P["SELF PAY"], P["HEALTHFIRST"]])
    modality[no_telehealth & np.isin(kind, [EM, PSYTX, PSYEVAL, PSYEM])] = IN_PERSON
    modality[(payer == P["UHC"]) & (modality == AO) & (kind != VCI)] = AV
    behavioral_code = np.isin(kind, [PSYTX, PSYEVAL])
    medicare_audio_bad = (
        medicare_like
        & (modality == AO)
        & (kind != VCI)
        & ((dos < m.day(m.PHE_POS_START)) | ((dos < m.day(m.Y2025)) & ~behavioral_code))
    )
    modality[medicare_audio_bad] = AV
    location = np.full(n, FACILITY)
    r3 = rng.random(n)
    tele = np.isin(modality, [AV, AO]) & np.isin(kind, [EM, PSYTX, PSYEVAL, PSYEM])
    location[tele & (r3 < 0.78)] = HOME
    location[tele & (r3 >= 0.98)] = OTHER
    location[np.isin(kind, [EVISIT, VCI, RPM, RTM])] = HOME
    location[tele & medicare_like & (dos < m.day(m.FLEX_START))] = FACILITY
    # TH003: from 2025 Medicare accepts audio-only telehealth only for a patient at home
    location[tele & medicare_like & (modality == AO) & (dos >= m.day(m.Y2025))] = HOME

    # --- codes ---------------------------------------------------------------------------------
    code = np.full(n, C["99213"])
    add_a = np.full(n, NONE)
    add_b = np.full(n, NONE)
    setup = np.full(n, NONE)
    new = rank == 0
    lvl = _pick(rng, [1, 2, 3, 4], [0.15, 0.45, 0.30, 0.10], n)
    lvl_est = _pick(rng, [1, 2, 3, 4], [0.10, 0.45, 0.35, 0.10], n)
    em = kind == EM
    em_code = np.where(new, 99201 + lvl, 99211 + lvl_est)
    em_level = np.where(new, lvl, lvl_est)
    cpt_tm_payer = np.isin(payer, [P["AETNA"], P["CIGNA"], P["UHC"], P["NY MEDICAID"]])
    as_cpt_tm = em & tele & cpt_tm_payer & (dos >= m.day(m.Y2025)) & (rng.random(n) < 0.4)
    tm_code = 98000 + np.where(modality == AO, 8, 0) + np.where(new, 0, 4) + em_level - 1
    code_num = np.where(as_cpt_tm, tm_code, em_code)
    legacy_99201 = (
        em & new & (modality == IN_PERSON) & (dos < m.day(m.Y2021)) & (rng.random(n) < 0.08)
    )
    code_num = np.where(legacy_99201, 99201, code_num)
    code[em] = _code_index(code_num[em])

    psytx_code = _pick(rng, [C["90832"], C["90834"], C["90837"]], [0.2, 0.5, 0.3], n)
    code[kind == PSYTX] = np.where(new[kind == PSYTX], C["90791"], psytx_code[kind == PSYTX])
    code[kind == PSYEVAL] = C["90792"]
    psyem = kind == PSYEM
    code[psyem] = np.where(rng.random(int(psyem.sum())) < 0.45, C["99213"], C["99214"])
    physician_track = is_t["primary"] | is_t["rpm"]
    evisit_lvl = _pick(rng, [0, 1, 2], [0.4, 0.4, 0.2], n)
    evisit_phys = np.asarray([C["99421"], C["99422"], C["99423"]])[evisit_lvl]
    evisit_other = np.asarray([C["98970"], C["98971"], C["98972"]])[evisit_lvl]
    ev = kind == EVISIT
    code[ev] = np.where(physician_track[ev], evisit_phys[ev], evisit_other[ev])
    vci = kind == VCI
    brief = np.where(dos < m.day(m.Y2025), C["G2012"], C["98016"])
    code[vci] = np.where(rng.random(int(vci.sum())) < 0.6, brief[vci], C["G2252"])
    code[kind == Q3014] = C["Q3014"]
    code[kind == NUTR] = np.where(new[kind == NUTR], C["97802"], C["97803"])
    code[kind == SPEECH] = C["92507"]

    # remote monitoring months: device supply, setup on the first month, management
    rpm, rtm = kind == RPM, kind == RTM
    first_month = _first_of_kind(person, kind, rpm | rtm)
    code[rpm] = C["99454"]
    code[rtm] = C["98977"]
    setup[rpm & first_month] = C["99453"]
    setup[rtm & first_month] = C["98975"]
    mgmt = rng.random(n) < np.where(rpm, 0.9, 0.85)
    extra = mgmt & (rng.random(n) < np.where(rpm, 0.3, 0.25))
    add_a[rpm & mgmt] = C["99457"]
    add_b[rpm & extra] = C["99458"]
    add_a[rtm & mgmt] = C["98980"]
    add_b[rtm & extra] = C["98981"]
    modality[(rpm | rtm) & mgmt] = AV
    modality[(rpm | rtm) & ~mgmt] = SNF

    # add-ons to office E/M and psychotherapy
    established_em = em & ~new & ~as_cpt_tm & ~legacy_99201
    level5 = em & ~as_cpt_tm & np.isin(code_num, [99205, 99215])
    ra = rng.random(n)
    g2211 = established_em & medicare_like & (dos >= m.day(m.Y2024)) & (ra < 0.3)
    g2212 = level5 & (payer == P["MEDICARE"]) & (dos >= m.day(m.Y2021)) & (ra < 0.25)
    commercial_or_medicaid = np.isin(
        payer, [P[x] for x in ("AETNA", "UHC", "CIGNA", "HEALTHFIRST", "NY MEDICAID")]
    )
    p99417 = level5 & commercial_or_medicaid & (dos >= m.day(m.Y2021)) & (ra < 0.25)
    add_a[g2211] = C["G2211"]
    add_a[g2212] = C["G2212"]
    add_a[p99417] = C["99417"]
    psy_add = rng.random(n)
    add_a[psyem & (psy_add < 0.4)] = C["90833"]
    add_a[psyem & (psy_add >= 0.4) & (psy_add < 0.5)] = C["90836"]
    add_a[(kind == PSYTX) & (rng.random(n) < 0.08)] = C["90785"]

    # --- documentation -------------------------------------------------------------------------
    minutes, psy_minutes = _minutes(rng, kind=kind, code=code, add_a=add_a, add_b=add_b, new=new)
    office = em & ~legacy_99201
    mdm = np.where(
        office | psyem, np.where(psyem, np.where(code == C["99213"], 1, 2), em_level - 1), -1
    )
    drop = rng.random(n)
    no_add = add_a == NONE
    mdm = np.where((office | psyem) & (drop < 0.08), -1, mdm)
    minutes = np.where((office | psyem) & no_add & (drop >= 0.08) & (drop < 0.16), -1, minutes)
    device_days = np.where(rpm | rtm, rng.integers(16, 31, n), -1)
    ctbs = np.isin(kind, [EVISIT, VCI, RPM, RTM])
    consent = np.where(tele | ctbs | (kind == Q3014), 1, np.where(rng.random(n) < 0.4, 1, -1))
    reason_idx = np.where(modality == AO, rng.integers(0, len(m.AUDIO_ONLY_REASONS), n), -1)
    reason_idx[vci] = -1

    # --- POS and modifiers ---------------------------------------------------------------------
    pos, mod = _coding(
        payer, dos=dos, modality=modality, location=location, tele=tele, cpt_tm=as_cpt_tm
    )

    # --- assemble internal frames --------------------------------------------------------------
    vprov_npi = np.asarray([p.npi for p in m.PROVIDERS], dtype=object)[vprov]
    prov_state = np.asarray([p.home_state for p in m.PROVIDERS], dtype=object)[vprov]
    patient_state = np.where(tele | ctbs, home_state[person], prov_state)
    bill_payer = np.asarray(PAYER_NAMES, dtype=object)[payer]
    alias = (payer == P["AETNA"]) & (rng.random(n) < ALIAS_SHARE)
    bill_payer[alias] = "60054"
    submitted = dos + rng.integers(2, 31, n)
    pay_lag = rng.integers(10, 46, n)
    link = rng.random(n) >= 0.03
    dx = _diagnoses(rng, ptrack)

    enc_key = keys.encounter + np.arange(n)
    claim_key = keys.claim + np.arange(n)
    person_key = keys.person + person
    encounters = pl.DataFrame(
        {
            "encounter_key": enc_key,
            "person_key": person_key,
            "rendering_npi": _str(vprov_npi),
            "date": dos.astype(np.int32),
            "modality": _names(MODALITIES, modality),
            "location": _names(LOCATIONS, np.where(location < 0, -1, location)),
            "patient_state": _str(patient_state),
            "provider_state": _str(prov_state),
            "consent": _tristate(consent),
            "minutes": _nullable_int(minutes),
            "mdm": _names(m.MDM_LEVELS, mdm),
            "reason": _names(m.AUDIO_ONLY_REASONS, reason_idx),
            "device_days": _nullable_int(device_days),
            "psy_minutes": _nullable_int(psy_minutes),
        }
    )

    visits = pl.DataFrame(
        {
            "claim_key": claim_key,
            "person_key": person_key,
            "payer": _str(bill_payer),
            "rendering_npi": _str(vprov_npi),
            "dos": dos.astype(np.int32),
            "submitted": submitted.astype(np.int32),
            "pos": _str(pos),
            "m1": _str(mod),
            "dx1": dx[0],
            "dx2": dx[1],
            "dx3": dx[2],
            "encounter_key": enc_key,
            "link": link,
            "pay_lag": pay_lag.astype(np.int32),
            "setup": setup,
            "primary": code,
            "add_a": add_a,
            "add_b": add_b,
            "track": ptrack,
        }
    )
    claims = _lines(visits)
    claims = _corrections(rng, claims)
    coverage = _coverage(
        rng, keys=keys, person=person, dos=dos, payer_a=payer_a, payer_b=payer_b, switch=switch,
        switch_day=switch_day, first_idx=first_idx, last_idx=last_idx,
    )  # fmt: skip
    return Bulk(claims, encounters, coverage, n_persons)


def _code_index(numbers: np.ndarray) -> np.ndarray:
    lookup = {int(c): i for c, i in C.items() if c.isdigit()}
    series = pl.Series(numbers.astype(np.int64))
    return series.replace_strict(lookup, return_dtype=pl.Int64).to_numpy()


def _first_of_kind(person: np.ndarray, kind: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """True on each person's first visit among ``mask`` (visits are in person, date order)."""
    seen = pl.DataFrame({"person": person, "hit": mask}).select(
        (pl.col("hit").cast(pl.Int32).cum_sum().over("person") == 1) & pl.col("hit")
    )
    return seen.to_series().to_numpy()


def _minutes(
    rng: np.random.Generator,
    *,
    kind: np.ndarray,
    code: np.ndarray,
    add_a: np.ndarray,
    add_b: np.ndarray,
    new: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Total minutes, and the psychotherapy add-on's own minutes where an E/M and 90833/90836
    share the visit (-1: none)."""
    n = len(kind)
    psy_minutes = np.full(n, -1, dtype=np.int64)
    floor = np.zeros(n, dtype=np.int64)
    for c, (_, _, lo) in m.OFFICE_EM.items():
        floor[code == C[c]] = lo
    minutes = np.where(floor > 0, floor + rng.integers(0, 13, n), 0)
    g2212 = add_a == C["G2212"]
    p99417 = add_a == C["99417"]
    minutes = np.where(
        g2212, np.maximum(minutes, np.where(new, 89, 69) + rng.integers(0, 16, n)), minutes
    )
    minutes = np.where(
        p99417, np.maximum(minutes, np.where(new, 75, 55) + rng.integers(0, 16, n)), minutes
    )
    for c, (lo, hi) in {
        **m.PSYCHOTHERAPY_MINUTES,
        **m.ONLINE_DIGITAL_MINUTES,
        **m.VIRTUAL_CHECK_IN_MINUTES,
    }.items():
        if c not in C:
            continue
        draw = rng.integers(lo, hi + 1, n)
        minutes = np.where(code == C[c], draw, minutes)
        minutes = np.where(add_a == C[c], minutes + draw, minutes)  # 90833/90836 with an E/M
        psy_minutes = np.where(add_a == C[c], draw, psy_minutes)
    legacy_new = code == C["99201"]
    minutes = np.where(legacy_new, rng.integers(10, 20, n), minutes)
    monitoring = np.isin(kind, [RPM, RTM])
    mgmt = np.isin(add_a, [C["99457"], C["98980"]])
    more = np.isin(add_b, [C["99458"], C["98981"]])
    minutes = np.where(
        monitoring,
        np.where(mgmt, np.where(more, rng.integers(40, 61, n), rng.integers(20, 40, n)), -1),
        minutes,
    )
    minutes = np.where(kind == Q3014, -1, minutes)
    minutes = np.where(np.isin(kind, [NUTR, SPEECH]), rng.integers(30, 61, n), minutes)
    return minutes, psy_minutes


def _coding(
    payer: np.ndarray,
    *,
    dos: np.ndarray,
    modality: np.ndarray,
    location: np.ndarray,
    tele: np.ndarray,
    cpt_tm: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """POS and the one modifier of every visit (a lookup of ``_model.telehealth_coding``)."""
    starts = np.asarray([m.day(d) for d in m.SEGMENT_STARTS])
    seg = np.clip(np.searchsorted(starts, dos, side="right") - 1, 0, len(starts) - 1)
    n_seg = len(starts)
    pos_tbl: list[str] = []
    mod_tbl: list[str | None] = []
    for name in PAYER_NAMES:
        for s in m.SEGMENT_STARTS:
            for mod_name in ("audio_video", "audio_only"):
                for loc_name in LOCATIONS:
                    pos_value, mods = m.telehealth_coding(name, s, mod_name, loc_name)
                    pos_tbl.append(pos_value)
                    mod_tbl.append(mods[0] if mods else None)
    audio = (modality == AO).astype(np.int64)
    index = ((payer * n_seg + seg) * 2 + audio) * 3 + location
    pos = np.asarray(pos_tbl, dtype=object)[index]
    mod = np.asarray(mod_tbl, dtype=object)[index]
    pos[~tele] = "11"
    mod[~tele] = None
    pos[cpt_tm] = np.where(location[cpt_tm] == HOME, "10", "02")  # CPT 98000-98015: no modifier
    mod[cpt_tm] = None
    return pos, mod


def _diagnoses(rng: np.random.Generator, ptrack: np.ndarray) -> list[pl.Series]:
    n = len(ptrack)
    pools = {
        "primary": "primary",
        "behavioral": "behavioral",
        "psychiatry": "behavioral",
        "rpm": "rpm",
        "rtm": "rtm",
        "nutrition": "nutrition",
        "speech": "speech",
    }
    out = [np.full(n, None, dtype=object) for _ in range(3)]
    count = _pick(rng, [1, 2, 3], [0.4, 0.4, 0.2], n)
    for ti, name in enumerate(TRACKS):
        mask = ptrack == ti
        k = int(mask.sum())
        if not k:
            continue
        pool = np.asarray(m.DIAGNOSES[pools[name]], dtype=object)
        size = len(pool)
        i1 = rng.integers(0, size, k)
        d1 = rng.integers(1, size, k)
        d2 = rng.integers(1, size - 1, k)
        d2 = np.where(d2 >= d1, d2 + 1, d2)
        out[0][mask] = pool[i1]
        out[1][mask] = np.where(count[mask] >= 2, pool[(i1 + d1) % size], None)
        out[2][mask] = np.where(count[mask] >= 3, pool[(i1 + d2) % size], None)
    return [_str(values).alias(f"dx{i + 1}") for i, values in enumerate(out)]


def _tristate(values: np.ndarray) -> pl.Series:
    """1 true, 0 false, -1 null."""
    s = pl.Series("v", values.astype(np.int64))
    return pl.select(pl.when(s >= 0).then(s == 1)).to_series()


def _str(values: np.ndarray) -> pl.Series:
    """A numpy object array of str/None as a String series."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _names(names: tuple[str, ...], idx: np.ndarray) -> pl.Series:
    return pl.Series(idx).replace_strict(
        dict(enumerate(names)), default=None, return_dtype=pl.String
    )


def _nullable_int(values: np.ndarray) -> pl.Series:
    """Int32 with negative values (the bulk's "missing") as null."""
    s = pl.Series("v", values.astype(np.int64))
    return pl.select(pl.when(s >= 0).then(s).cast(pl.Int32)).to_series()


def _lines(visits: pl.DataFrame) -> pl.DataFrame:
    """One row per claim line: setup, primary, add_a, add_b (when present), numbered 1..n."""
    code_names = pl.Series(CODES)
    parts = []
    for slot, column in enumerate(("setup", "primary", "add_a", "add_b")):
        part = visits.filter(pl.col(column) >= 0).with_columns(
            pl.col(column).alias("code_idx"), pl.lit(slot).alias("slot")
        )
        parts.append(part)
    lines = pl.concat(parts).sort("claim_key", "slot")
    codes = code_names.gather(lines["code_idx"].to_numpy())
    ptype = {name: m.PAYERS[m.canonical(name)].payer_type for name in (*PAYER_NAMES, "60054")}
    return lines.select(
        "claim_key",
        (pl.col("slot").rank("ordinal").over("claim_key"))
        .cast(pl.Int32)
        .alias("claim_line_number"),
        "person_key",
        "payer",
        pl.col("payer").replace_strict(ptype, return_dtype=pl.String).alias("payer_type"),
        pl.lit("1").alias("freq"),
        pl.lit(None, pl.Int64).alias("original_claim_key"),
        pl.lit(None, pl.Int64).alias("icn_claim_key"),
        "rendering_npi",
        pl.lit(m.GROUP_NPI).alias("billing_npi"),
        "dos",
        "submitted",
        "pos",
        pl.Series("code", codes),
        "m1",
        pl.lit(None, pl.String).alias("m2"),
        pl.lit(None, pl.String).alias("m3"),
        pl.lit(None, pl.String).alias("m4"),
        pl.lit(1, pl.Int32).alias("units"),
        pl.Series("code", codes).replace_strict(m.CHARGES, return_dtype=pl.Int64).alias("charge"),
        "dx1",
        "dx2",
        "dx3",
        "encounter_key",
        "link",
        "pay_lag",
        pl.lit(None, pl.String).alias("remit_hint"),
    )


CORRECTION_SHARE = 0.012
VOID_SHARE = 0.004


def _corrections(rng: np.random.Generator, claims: pl.DataFrame) -> pl.DataFrame:
    """A few corrected claims (frequency 7, a new principal diagnosis) and voids (8).

    Each names its original by claim_id and by the payer's claim control number; the original
    was paid before the correction was sent, so it becomes superseded (DESIGN §5).
    """
    heads = claims.filter(pl.col("claim_line_number") == 1)
    eligible = heads.filter(
        (pl.col("payer_type") != "self_pay") & (pl.col("dos") <= m.day(m.AS_OF) - 150)
    )["claim_key"].to_numpy()
    if len(eligible) == 0:
        return claims
    draw = rng.random(len(eligible))
    corrected = eligible[draw < CORRECTION_SHARE]
    voided = eligible[(draw >= CORRECTION_SHARE) & (draw < CORRECTION_SHARE + VOID_SHARE)]
    next_key = int(claims["claim_key"].max()) + 1  # type: ignore[arg-type]
    new_parts = []
    for keys, freq in ((corrected, "7"), (voided, "8")):
        if len(keys) == 0:
            continue
        mapping = pl.DataFrame(
            {
                "claim_key": keys,
                "new_key": np.arange(next_key, next_key + len(keys)),
                "delay": rng.integers(5, 26, len(keys)).astype(np.int32),
                "lag": rng.integers(10, 46, len(keys)).astype(np.int32),
            }
        )
        next_key += len(keys)
        part = claims.join(mapping, on="claim_key").with_columns(
            pl.col("claim_key").alias("original_claim_key"),
            pl.col("claim_key").alias("icn_claim_key"),
            pl.col("new_key").alias("claim_key"),
            pl.lit(freq).alias("freq"),
            (pl.col("submitted") + pl.col("pay_lag") + pl.col("delay")).alias("submitted"),
            pl.col("lag").alias("pay_lag"),
        )
        if freq == "7":  # the correction: the principal diagnosis was wrong
            part = part.with_columns(
                pl.when(pl.col("dx2").is_not_null())
                .then(pl.col("dx2"))
                .otherwise(pl.col("dx1"))
                .alias("dx1"),
                pl.when(pl.col("dx2").is_not_null())
                .then(pl.col("dx1"))
                .otherwise(pl.col("dx2"))
                .alias("dx2"),
            )
        new_parts.append(part.select(claims.columns))
    return pl.concat([claims, *new_parts])


def _coverage(
    rng: np.random.Generator,
    *,
    keys: Keys,
    person: np.ndarray,
    dos: np.ndarray,
    payer_a: np.ndarray,
    payer_b: np.ndarray,
    switch: np.ndarray,
    switch_day: np.ndarray,
    first_idx: np.ndarray,
    last_idx: np.ndarray,
) -> pl.DataFrame:
    n_persons = len(payer_a)
    first_dos = dos[first_idx]
    last_dos = dos[last_idx]
    start = first_dos - rng.integers(30, 2000, n_persons)
    ends = rng.random(n_persons) < 0.2
    end = np.where(ends, last_dos + rng.integers(0, 400, n_persons), -1)
    covered_draw = rng.random(n_persons)
    pid = keys.person + np.arange(n_persons)

    def span(
        mask: np.ndarray, payer: np.ndarray, s: np.ndarray, e: np.ndarray, cov: np.ndarray
    ) -> pl.DataFrame:
        names = np.asarray(PAYER_NAMES, dtype=object)[payer[mask]]
        return pl.DataFrame(
            {
                "person_key": pid[mask],
                "payer": _str(names),
                "start": s[mask].astype(np.int32),
                "end": _nullable_int(e[mask]).cast(pl.Int32),
                "cov": _tristate(cov[mask]),
            }
        )

    def covered(payer: np.ndarray) -> np.ndarray:
        return np.where(payer == P["HEALTHFIRST"], 0, np.where(covered_draw < 0.45, 1, -1))

    insured_a = payer_a != P["SELF PAY"]
    one = span(insured_a & ~switch, payer_a, start, end, covered(payer_a))
    before = span(insured_a & switch, payer_a, start, switch_day - 1, covered(payer_a))
    after = span(switch & (payer_b != P["SELF PAY"]), payer_b, switch_day, end, covered(payer_b))
    # dual eligibles: NY Medicaid alongside Medicare (it pays Medicare's coinsurance, CLP02 2)
    dual = (payer_a == P["MEDICARE"]) & ~switch & (rng.random(n_persons) < DUAL_SHARE)
    medicaid = np.full(n_persons, P["NY MEDICAID"])
    also = span(dual, medicaid, start, end, np.full(n_persons, -1))
    cov = pl.concat([one, before, after, also])
    info = {name: (p.payer_type, p.plan_name) for name, p in m.PAYERS.items()}
    return cov.select(
        "person_key",
        "payer",
        pl.col("payer")
        .replace_strict({k: v[0] for k, v in info.items()}, return_dtype=pl.String)
        .alias("payer_type"),
        pl.col("payer")
        .replace_strict({k: v[1] for k, v in info.items()}, return_dtype=pl.String)
        .alias("plan_name"),
        "start",
        "end",
        pl.col("cov").alias("telehealth_covered"),
    )
