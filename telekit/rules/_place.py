"""Place-of-service rules (PS): does the POS (and the telehealth indicators) match the encounter?

Every rule but PS004 reads the line's encounter (modality, patient_location) and needs the
encounters table; a line whose encounter is missing gets no finding from them (DC003 fires).
CD002 suppresses every PS finding on its line (applied by ``telekit._audit``).
"""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule

DOS = pl.col(c.CLAIM_LINE_START_DATE)
POS = pl.col(c.PLACE_OF_SERVICE_CODE)
LOCATION = v.enc_patient_location
MODALITY = v.enc_modality

POS_02_10_FROM = pl.date(2022, 1, 1)
MEDICARE_IN_PERSON_POS = (pl.date(2020, 3, 1), pl.date(2023, 12, 31))


def _convention_02_10() -> pl.Expr:
    return v.policy_telehealth_pos == "02/10"


def _pos_by_location() -> pl.Expr:
    """What the 02/10 convention asks for, from the encounter's patient_location."""
    return (
        pl.when(LOCATION == "home")
        .then(pl.lit("use POS 10 (telehealth, patient at home)"))
        .when(LOCATION == "facility")
        .then(pl.lit("use POS 02 (telehealth, patient not at home)"))
        .otherwise(
            pl.lit("use POS 10 if the patient was at home, else POS 02 (telehealth not at home)")
        )
    )


def _indicators_found() -> pl.Expr:
    """The line's telehealth indicators as text: "POS 10 and modifier 95"."""
    return pl.concat_str(
        [
            pl.when(v.pos_telehealth).then(pl.format("POS {}", POS)),
            *(
                pl.when(pl.col(f"has_mod_{m}")).then(pl.lit(f"modifier {m}"))
                for m in ("95", "93", "GT", "GQ", "FQ", "G0")
            ),
        ],
        separator=" and ",
        ignore_nulls=True,
    )


# --- PS001 -------------------------------------------------------------------------------------


@rule(
    code="PS001",
    severity="error",
    message=lambda: pl.format(
        "telehealth line ({}) on an encounter of modality {} billed with POS {}; the convention of "
        "{} on {} is POS 02/10, expected POS 02 or 10",
        _indicators_found(),
        MODALITY,
        POS,
        pl.col(c.PAYER),
        DOS,
    ),
    fix=_pos_by_location,
    tables=("encounters",),
)
def telehealth_encounter_with_in_person_pos() -> pl.Expr:
    """Telehealth visit billed with an in-person place of service where the payer wants 02/10.

    Checks telehealth lines (so, with a POS other than 02/10, lines carrying a telehealth
    modifier: 95, 93, GT, GQ, FQ or G0) on a telehealth encounter (modality audio_video,
    audio_only or store_and_forward), and fires when the POS is not 02 or 10 while the payer's
    convention on the DOS (``telehealth_pos`` in policies.toml) is ``02/10``. Built-in: Medicare
    and MA from 2024-01-01; commercial and other payers from 2022-01-01.

    Why: from 2024 Medicare accepts only POS 02 or 10 on telehealth claims (Transmittal 12671,
    ref §3 [S10], [S9]); the PHE convention of the in-person POS + 95 ended on 2023-12-31.
    Commercial payers (UHC, Anthem …) switched to 02/10 on 2022-01-01 (ref §3). An in-person POS
    on a telehealth visit is denied or paid at the wrong rate (CARC 5/58, M77).

    Example: ``99213`` POS 11 + 95, audio_video encounter at home, Medicare, 2024-03-15 → error;
    the same on 2023-12-31 → no finding.

    Instead: POS 10 when the patient was at home, POS 02 when not.
    """
    return v.telehealth_line & v.telehealth_encounter & ~v.pos_telehealth & _convention_02_10()


# --- PS002 -------------------------------------------------------------------------------------


def _ps002_fix() -> pl.Expr:
    return (
        pl.when(POS == "02")
        .then(pl.lit("use POS 10 (telehealth, patient at home)"))
        .otherwise(pl.lit("use POS 02 (telehealth, patient not at home)"))
    )


@rule(
    code="PS002",
    severity="error",
    message=lambda: pl.format(
        "POS {} on a telehealth visit whose encounter has patient_location {}; expected {}",
        POS,
        LOCATION,
        pl.when(POS == "02")
        .then(pl.lit("POS 10 for a patient at home"))
        .otherwise(pl.lit("POS 02 for a patient not at home")),
    ),
    fix=_ps002_fix,
    tables=("encounters",),
)
def telehealth_pos_contradicts_patient_location() -> pl.Expr:
    """Telehealth POS 02/10 that contradicts where the patient was.

    Checks telehealth lines on a telehealth encounter with DOS from 2022-01-01 where the payer's
    convention on the DOS is ``02/10``. Fires for POS 10 (patient at home) when the encounter's
    patient_location is ``facility``, and for POS 02 (patient not at home) when it is ``home``.
    patient_location ``other`` never fires (a car or workplace may be either, ref §3 [S9]); an
    empty location is DC002's finding.

    Why: since 2022-01-01 POS 02 means telehealth "other than in the patient's home" and POS 10
    telehealth "in the patient's home" (CR 12427, ref §3 [S8]); Medicare pays POS 10 at the
    non-facility rate and POS 02 at the facility rate (ref §3 [S10]), so the wrong one misstates
    the payment.

    Example: ``99213`` POS 02, encounter at home, Medicare, 2024-03-15 → error.

    Instead: POS 02 at home → POS 10; POS 10 at a facility → POS 02.
    """
    return (
        v.telehealth_line
        & v.telehealth_encounter
        & (DOS >= POS_02_10_FROM)
        & _convention_02_10()
        & (((POS == "10") & (LOCATION == "facility")) | ((POS == "02") & (LOCATION == "home")))
    )


# --- PS003 -------------------------------------------------------------------------------------


@rule(
    code="PS003",
    severity="error",
    message=lambda: pl.format(
        "{} billed with {}, but the encounter's modality is in_person; expected no telehealth "
        "POS or modifier on an in-person visit",
        pl.col(c.HCPCS_CODE),
        _indicators_found(),
    ),
    fix="bill the in-person POS (e.g. 11 office) without modifiers 95, 93, GT, GQ, FQ or G0; "
    "or correct the encounter's modality if the visit was telehealth",
    tables=("encounters",),
    suppresses=("MD004",),  # DESIGN §5 precedence: PS003 and TH002 suppress MD004
)
def telehealth_billing_on_in_person_encounter() -> pl.Expr:
    """Telehealth POS or modifier billed for an in-person encounter.

    Checks lines with a telehealth indicator (POS 02 or 10; modifier 95, 93, GT, GQ, FQ or G0)
    that are not CTBS and not Q3014, and fires when the line's encounter has modality
    ``in_person``. For every other rule such a line is not a telehealth line and has no
    telehealth indicator (DESIGN §5), so it draws this one finding rather than a cascade.

    Why: POS 02/10 and the telehealth modifiers attest that the service was furnished through
    telecommunication (ref §3, §4 [S8], [S12], [S13]); on a visit documented as in-person they
    misstate the service and, for Medicare from 2024, change the rate (POS 02 facility rate,
    ref §3 [S10]).

    Example: ``99213`` POS 10, encounter modality in_person → error.

    Instead: bill the in-person POS (e.g. 11) without telehealth modifiers — or, if the visit was
    in fact telehealth, correct the encounter's documentation.
    """
    return v.indicator_on_in_person_encounter


# --- PS004 -------------------------------------------------------------------------------------


@rule(
    code="PS004",
    severity="info",
    message="Medicare telehealth line with POS {place_of_service_code} on "
    "{claim_line_start_date}; from 2020-03-01 to 2023-12-31 Medicare asked for the POS of an "
    "in-person visit with modifier 95 (POS 02 paid the facility rate)",
    fix="use the POS the visit would have had in person (e.g. 11) with modifier 95",
)
def pos_02_during_in_person_pos_period() -> pl.Expr:
    """Medicare telehealth billed with POS 02/10 while Medicare wanted the in-person POS + 95.

    Checks Medicare (payer_type ``medicare``) telehealth lines with POS 02 or 10 and a DOS from
    2020-03-01 to 2023-12-31, and reports them (severity info: such claims were paid, at the
    facility rate).

    Why: during the COVID-19 PHE and through CY 2023 CMS instructed practitioners to report the
    POS that would have applied in person, with modifier 95, so the visit was paid at the
    non-facility rate; POS 02 paid the lower facility rate (CMS IFC of 2020-03-30 retroactive to
    2020-03-01; ref §3 [S11], [S9]). From 2024-01-01 POS 02/10 is the rule again (ref §3 [S10]).

    Example: ``99213`` POS 02, Medicare, 2021-06-01 → info; on 2024-01-01 → no finding.

    Instead: for such dates, the in-person POS (e.g. 11) with modifier 95; a corrected claim
    (frequency 7) may recover the rate difference within the filing limit.
    """
    return (
        v.is_medicare
        & v.telehealth_line
        & v.pos_telehealth
        & DOS.is_between(*MEDICARE_IN_PERSON_POS)
    )


# --- PS005 -------------------------------------------------------------------------------------


def _ps005_fix() -> pl.Expr:
    convention = v.policy_telehealth_pos
    audio_only_93 = (MODALITY == "audio_only") & v.policy_requires_modifier_93.fill_null(
        value=False
    )
    # the modifier the payer asks for: 93 for audio-only where required, else its first listed
    # telehealth modifier (null when it lists none)
    modifier = (
        pl.when(audio_only_93)
        .then(pl.lit("93"))
        .otherwise(v.policy_telehealth_modifiers.list.first())
    )
    with_modifier = pl.format(" with modifier {}", modifier)
    return (
        pl.when(convention == "02/10")
        .then(
            pl.concat_str(
                [
                    _pos_by_location(),
                    pl.when(audio_only_93).then(pl.lit(" with modifier 93 (audio-only)")),
                ],
                ignore_nulls=True,
            )
        )
        .when(convention == "02")
        .then(pl.concat_str([pl.lit("use POS 02"), with_modifier], ignore_nulls=True))
        .when(convention == "in_person+95")
        .then(
            pl.format(
                "keep the in-person POS and add modifier {} (telehealth)",
                pl.when(audio_only_93).then(pl.lit("93")).otherwise(pl.lit("95")),
            )
        )
        .otherwise(
            pl.format(
                "bill as the payer requires for telehealth (e.g. modifier {}); check its policy",
                modifier.fill_null(pl.lit("95")),
            )
        )
    )


@rule(
    code="PS005",
    severity="error",
    message=lambda: pl.format(
        "{} with POS {} and no telehealth modifier, but the encounter's modality is {}; expected "
        "the payer's telehealth POS or modifier",
        pl.col(c.HCPCS_CODE),
        POS,
        MODALITY,
    ),
    fix=_ps005_fix,
    claim_columns=(c.MODIFIERS[0],),
    tables=("encounters",),
)
def telehealth_encounter_billed_as_in_person() -> pl.Expr:
    """Telehealth encounter billed as if in person (no telehealth POS or modifier).

    Checks lines that are not CTBS and not Q3014, whose encounter is a telehealth encounter
    (modality audio_video, audio_only or store_and_forward), and fires when the line has no
    telehealth indicator: neither POS 02/10 nor modifier 95, 93, GT, GQ, FQ or G0. Skipped when
    the source has no modifier column (absence of a modifier could not be told).

    Why: a telehealth service billed as in-person misrepresents how it was furnished; payers pay
    telehealth under its own rules (list, originating site, audio-only) and audits recover
    in-person payments for virtual visits (ref §3, §4 [S9], [S12]; OIG telehealth integrity work).

    Example: ``99213`` POS 11 with no modifier, encounter audio_video → error.

    Instead: the payer's telehealth convention on the DOS: POS 10 (home) or 02 (not home) from
    2024 for Medicare, 2022 for commercial payers; the in-person POS + 95 for Medicare
    2020-03-01 to 2023-12-31; modifier 93 for audio-only where required.
    """
    return ~v.telehealth_indicator & v.telehealth_encounter & ~v.is_ctbs & ~v.is_q3014
