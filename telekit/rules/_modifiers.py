"""Modifier rules (MD): do the telehealth modifiers match the modality, the payer and the date?

Self-pay lines are skipped; CD001 and CD003 suppress every MD finding on their line, and MD002
for 95 on an audio-only line suppresses MD001 (applied by ``telekit._audit``). A line whose
encounter is missing gets no finding from MD001, MD002, MD003 or MD005 (DC003 fires).
"""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule


def md002_95_on_audio_only() -> pl.Expr:
    """DESIGN §5 precedence: where MD002 fires on a line with modifier 95 and an audio-only
    encounter, MD001 gives no finding (the line is wrong once, as MD002 says)."""
    return (v.has_mod_95 & (v.enc_modality == "audio_only")).fill_null(False)


DOS = pl.col(c.CLAIM_LINE_START_DATE)
CODE = pl.col(c.HCPCS_CODE)
MODALITY = v.enc_modality

MODALITY_RULES_FROM = pl.date(2022, 1, 1)
GT_RETIRED_FROM = pl.date(2018, 1, 1)
GQ_STATES = ("AK", "HI")
CPT_TELEMEDICINE_AUDIO_VIDEO = tuple(str(n) for n in range(98000, 98008))
CPT_TELEMEDICINE_AUDIO_ONLY = tuple(str(n) for n in range(98008, 98016))


# --- MD001 -------------------------------------------------------------------------------------


@rule(
    code="MD001",
    skip_self_pay=True,
    severity="error",
    message="audio-only telehealth line ({hcpcs_code}) without modifier 93 or FQ; the policy of "
    "{payer} on {claim_line_start_date} requires modifier 93 on audio-only services",
    fix="add modifier 93",
    claim_columns=(c.MODIFIERS[0],),
    tables=("encounters",),
)
def audio_only_modifier_missing() -> pl.Expr:
    """Audio-only telehealth line without modifier 93 (or FQ) where the payer requires 93.

    Checks telehealth lines whose encounter modality is ``audio_only`` and fires when the line
    has neither modifier 93 nor FQ while the payer's policy on the DOS requires 93
    (``requires_modifier_93``; built-in: Medicare and MA from 2023-01-01, commercial, Medicaid
    and other payers from 2022-01-01). Codes audio-only by their descriptor (99441-99443,
    98966-98968, 98008-98015) are exempt: the code already says audio-only. Skipped when the
    source has no modifier column.

    Why: modifier 93 ("synchronous telemedicine via telephone or other real-time audio-only")
    tells the payer the visit had no video; Medicare requires it on audio-only telehealth from
    2023, RHCs/FQHCs may use FQ (ref §4 [S12], [S13], [S17]). A missing 93 misstates the
    service and is denied (CARC 4).

    Example: ``99213`` POS 10, no modifier, encounter audio_only, Medicare, 2024-03-15 → error;
    with modifier 93 → no finding.

    Instead: add modifier 93 (FQ for RHC/FQHC where the payer asks for it).
    """
    return (
        v.audio_only_line
        & ~v.has_mod_93
        & ~v.has_mod_fq
        & v.policy_requires_modifier_93
        & ~v.audio_only_by_descriptor
    )


# --- MD002 -------------------------------------------------------------------------------------


def _md002_95_audio_only() -> pl.Expr:
    return v.has_mod_95 & (MODALITY == "audio_only")


def _md002_93_audio_video() -> pl.Expr:
    return (v.has_mod_93 | v.has_mod_fq) & (MODALITY == "audio_video")


def _md002_both() -> pl.Expr:
    return v.has_mod_93 & v.has_mod_95


def _md002_message() -> pl.Expr:
    return (
        pl.when(_md002_both())
        .then(
            pl.format(
                "{} billed with both 93 (audio-only) and 95 (audio-video); expected the one "
                "modifier of the modality",
                CODE,
            )
        )
        .when(_md002_95_audio_only())
        .then(
            pl.format(
                "{} billed with modifier 95 (audio-video) on an audio_only encounter; expected 93",
                CODE,
            )
        )
        .otherwise(
            pl.format(
                "{} billed with modifier {} (audio-only) on an audio_video encounter; expected "
                "no audio-only modifier",
                CODE,
                pl.when(v.has_mod_93).then(pl.lit("93")).otherwise(pl.lit("FQ")),
            )
        )
    )


def _md002_fix() -> pl.Expr:
    return (
        pl.when(_md002_both() & (MODALITY == "audio_only"))
        .then(pl.lit("remove modifier 95 and keep 93 (audio-only)"))
        .when(_md002_both() & (MODALITY == "audio_video"))
        .then(pl.lit("remove modifier 93 and keep 95 (audio-video)"))
        .when(_md002_both())
        .then(pl.lit("keep only the modifier of the modality: 93 audio-only, 95 audio-video"))
        .when(_md002_95_audio_only())
        .then(pl.lit("replace modifier 95 with 93 (audio-only)"))
        .otherwise(
            pl.lit(
                "remove modifier 93/FQ (the visit was audio-video); add 95 where the payer "
                "requires a telehealth modifier"
            )
        )
    )


@rule(
    code="MD002",
    skip_self_pay=True,
    suppresses={"MD001": md002_95_on_audio_only},
    severity="error",
    message=_md002_message,
    fix=_md002_fix,
    partial_tables=("encounters",),
)
def telehealth_modifier_contradicts_modality() -> pl.Expr:
    """Telehealth modifier that contradicts the encounter's modality, or 93 with 95.

    Checks telehealth lines with DOS from 2022-01-01, except codes audio-only by descriptor
    (99441-99443, 98966-98968, 98008-98015) and the CPT telemedicine codes 98000-98015. Three
    clauses: modifier 95 on an ``audio_only`` encounter; modifier 93 or FQ on an ``audio_video``
    encounter; both 93 and 95 on the line. The first two need encounters; without them only the
    third runs (partial). A line whose encounter is missing gets no finding.

    Why: 95 attests real-time audio and video, 93 and FQ audio-only (CPT Appendix P/T; ref §4
    [S12], [S13]); a modifier contradicting the documented modality is a false statement of the
    service and is denied as inconsistent (CARC 4, ref §6), and 93 with 95 contradicts itself.

    Example: ``99213`` POS 10 + 95, encounter audio_only, 2024-03-15 → error (and no MD001, which
    this finding suppresses).

    Instead: 93 for audio-only, 95 for audio-video, never both.
    """
    encounter_clauses = v.enc_found & (_md002_95_audio_only() | _md002_93_audio_video())
    both = _md002_both() & (~v.encounters_given | v.enc_found)
    return (
        v.telehealth_line
        & (DOS >= MODALITY_RULES_FROM)
        & ~v.audio_only_by_descriptor
        & ~v.is_cpt_telemedicine
        & (encounter_clauses | both)
    )


# --- MD003 -------------------------------------------------------------------------------------


@rule(
    code="MD003",
    skip_self_pay=True,
    severity="warning",
    message=lambda: pl.format(
        "audio-video telehealth line ({}) without a telehealth modifier; the policy of {} on {} "
        "requires one of its telehealth modifiers ({})",
        CODE,
        pl.col(c.PAYER),
        DOS,
        v.policy_telehealth_modifiers.list.join(", "),
    ),
    fix=lambda: pl.format("add modifier {}", v.policy_telehealth_modifiers.list.first()),
    claim_columns=(c.MODIFIERS[0],),
    tables=("encounters",),
)
def telehealth_modifier_missing() -> pl.Expr:
    """Audio-video telehealth line without the telehealth modifier the payer requires.

    Checks telehealth lines whose encounter modality is ``audio_video``, except the CPT
    telemedicine codes 98000-98015 (telehealth by descriptor), and fires when the payer's policy
    on the DOS lists telehealth modifiers (``telehealth_modifiers``; built-in: 95 or GT for
    commercial, Medicaid and other payers; none for Medicare and MA) and the line has none of
    them. Severity warning. Skipped when the source has no modifier column.

    Why: most commercial payers and Medicaid programs identify synchronous audio-video telehealth
    by modifier 95 (or GT), and deny or reprocess lines without it (ref §4 [S12], [S13]; CARC 4).
    Medicare does not require 95 on audio-video professional claims from 2024 (ref §3 [S26]),
    hence a warning rather than an error, and the payer's own policy decides.

    Example: ``99213`` POS 10, no modifier, encounter audio_video, payer_type commercial,
    2024-03-15 → warning; with 95 → no finding.

    Instead: add the payer's telehealth modifier (95 unless the payer asks for GT).
    """
    required = v.policy_telehealth_modifiers
    has_one = v.modifiers.list.set_intersection(required).list.len() > 0
    return v.audio_video_line & ~v.is_cpt_telemedicine & (required.list.len() > 0) & ~has_one


# --- MD004 -------------------------------------------------------------------------------------


def _md004_gt() -> pl.Expr:
    return v.has_mod_gt & (DOS >= GT_RETIRED_FROM)


def _md004_gq() -> pl.Expr:
    patient, provider = v.enc_patient_state, v.enc_provider_state
    given = patient.is_not_null() | provider.is_not_null()
    alaska_hawaii = patient.is_in(GQ_STATES).fill_null(value=False) | provider.is_in(
        GQ_STATES
    ).fill_null(value=False)
    return v.has_mod_gq & given & ~alaska_hawaii


def _md004_message() -> pl.Expr:
    gt = pl.format(
        "modifier GT on {}: Medicare retired GT for professional claims on 2018-01-01", DOS
    )
    gq = pl.format(
        "modifier GQ with patient in {} and provider in {}: Medicare pays GQ only in the "
        "Alaska and Hawaii telemedicine demonstrations",
        v.enc_patient_state.fill_null("(none)"),
        v.enc_provider_state.fill_null("(none)"),
    )
    found = pl.concat_str(
        [pl.when(_md004_gt()).then(gt), pl.when(_md004_gq()).then(gq)],
        separator="; ",
        ignore_nulls=True,
    )
    return pl.format("{}; expected no retired telehealth modifier on a Medicare line", found)


def _md004_fix() -> pl.Expr:
    return pl.concat_str(
        [
            pl.when(_md004_gt()).then(
                pl.lit("remove GT (telehealth is shown by POS 02/10, with 93 for audio-only)")
            ),
            pl.when(_md004_gq()).then(
                pl.lit(
                    "remove GQ (store-and-forward is not payable outside the AK/HI demonstrations)"
                )
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )


@rule(
    code="MD004",
    skip_self_pay=True,
    severity="error",
    message=_md004_message,
    fix=_md004_fix,
    partial_tables=("encounters",),
)
def retired_telehealth_modifier() -> pl.Expr:
    """Medicare line with a telehealth modifier Medicare no longer accepts (GT, or GQ off AK/HI).

    Two clauses, Medicare (payer_type ``medicare``) lines only: modifier GT with DOS from
    2018-01-01; modifier GQ where the encounter gives patient_state or provider_state and neither
    is AK or HI. The GQ clause reads the encounter; without encounters only the GT clause runs
    (partial), and with no state given GQ is not judged.

    Why: CMS eliminated GT on professional claims from 2018 (it survives only on CAH Method II
    institutional claims); GQ (asynchronous store-and-forward) is payable by Medicare only in the
    federal telemedicine demonstrations in Alaska and Hawaii (ref §4 [S14], [S13]). Lines with
    them are returned or denied (CARC 4).

    Example: ``99213`` POS 10 + GT, Medicare, 2018-01-01 → error; on 2017-12-31 → no finding.

    Instead: remove GT (POS 02/10 and 93 carry the telehealth information); remove GQ, or bill
    GQ only for AK/HI demonstration services.
    """
    return v.is_medicare & (_md004_gt() | _md004_gq())


# --- MD005 -------------------------------------------------------------------------------------


def _md005_fix() -> pl.Expr:
    number = CODE.cast(pl.Int32, strict=False)
    other = pl.when(CODE.is_in(CPT_TELEMEDICINE_AUDIO_VIDEO)).then(number + 8).otherwise(number - 8)
    return pl.format("bill {} (the same level for the documented modality)", other)


@rule(
    code="MD005",
    skip_self_pay=True,
    severity="error",
    message=lambda: pl.format(
        "{} is an {} telemedicine code but the encounter's modality is {}; expected {}",
        CODE,
        pl.when(CODE.is_in(CPT_TELEMEDICINE_AUDIO_VIDEO))
        .then(pl.lit("audio-video"))
        .otherwise(pl.lit("audio-only")),
        MODALITY,
        pl.when(CODE.is_in(CPT_TELEMEDICINE_AUDIO_VIDEO))
        .then(pl.lit("98000-98007 only for audio-video encounters"))
        .otherwise(pl.lit("98008-98015 only for audio-only encounters")),
    ),
    fix=_md005_fix,
    tables=("encounters",),
)
def cpt_telemedicine_code_contradicts_modality() -> pl.Expr:
    """CPT telemedicine E/M code of the wrong modality for the encounter.

    Checks the CPT 2025 telemedicine E/M codes and fires for 98000-98007 (real-time audio-video)
    on an encounter whose modality is ``audio_only``, and for 98008-98015 (audio-only) on an
    ``audio_video`` encounter. Other modalities and missing encounters give no finding.

    Why: the code itself states the modality (98000-98003/98004-98007 audio-video new/established;
    98008-98011/98012-98015 audio-only; ref §2.5 [S24], [S28]); a code contradicting the
    documented modality misstates the service.

    Example: ``98005`` on an audio_only encounter → error; ``98013`` on it → no finding.

    Instead: the code of the same patient status and level for the documented modality
    (98000+n ↔ 98008+n: e.g. 98005 → 98013).
    """
    return (CODE.is_in(CPT_TELEMEDICINE_AUDIO_VIDEO) & (MODALITY == "audio_only")) | (
        CODE.is_in(CPT_TELEMEDICINE_AUDIO_ONLY) & (MODALITY == "audio_video")
    )
