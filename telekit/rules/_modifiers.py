"""Modifier rules (MD): do the telehealth modifiers match the modality, the payer and the date?

Self-pay lines are skipped; CD001 and CD003 suppress every MD finding on their line; MD002 for 95
or GT on an audio-only line suppresses MD001; PS003 and TH002 suppress MD004 (each declared on the
suppressing rule). A line whose encounter is missing gets no finding from MD001, MD002, MD003 or
MD005 (DC003 fires).
"""

from __future__ import annotations

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._policies._vocabulary import (
    POLICY_REQUIRES_MODIFIER_93,
    POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH,
    POLICY_TELEHEALTH_MODIFIERS,
)

DOS = pl.col(c.CLAIM_LINE_START_DATE)
CODE = pl.col(c.HCPCS_CODE)
MODALITY = v.enc_modality

MODALITY_RULES_FROM = pl.date(2022, 1, 1)
#: CR 10583: from 2018-10-01 GT is allowed only on CAH Method II institutional claims.
GT_RETIRED_FROM = pl.date(2018, 10, 1)
GQ_STATES = ("AK", "HI")
CPT_TELEMEDICINE_AUDIO_VIDEO = tuple(str(n) for n in range(98000, 98008))
CPT_TELEMEDICINE_AUDIO_ONLY = tuple(str(n) for n in range(98008, 98016))
#: Mental-health (psychiatry) services, CPT 90785-90899: Medicare required 93 on them when
#: audio-only from 2022-01-01, a year before every other audio-only service.
MENTAL_HEALTH_CODES = (90785, 90899)


def _mental_health_code(code: pl.Expr = CODE) -> pl.Expr:
    number = code.str.strip_chars().cast(pl.Int32, strict=False)
    return number.is_between(*MENTAL_HEALTH_CODES).fill_null(value=False)


def requires_modifier_93(col: v.Column = pl.col) -> pl.Expr:
    """The payer's policy on the DOS requires 93 on this line's code when audio-only: every
    service (``requires_modifier_93``), or a mental-health one (90785-90899) where the policy
    requires it for those alone (built-in Medicare in 2022). ``col`` reads the columns
    (``_MD001_COLUMNS``)."""
    every = col(POLICY_REQUIRES_MODIFIER_93).fill_null(value=False)
    mental = col(POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH).fill_null(value=False)
    return every | (mental & _mental_health_code(col(c.HCPCS_CODE)))


_MD001_COLUMNS = (
    c.HCPCS_CODE,
    POLICY_REQUIRES_MODIFIER_93,
    POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH,
)


def _video_modifier() -> pl.Expr:
    return v.has_mod_95 | v.has_mod_gt


def md002_95_on_audio_only() -> pl.Expr:
    """DESIGN §5 precedence: where MD002 fires on a line with modifier 95 or GT and an
    audio-only encounter, MD001 gives no finding (the line is wrong once, as MD002 says)."""
    return (_video_modifier() & (v.enc_modality == "audio_only")).fill_null(value=False)


# --- MD001 -------------------------------------------------------------------------------------


def _md001_message() -> pl.Expr:
    scope = (
        pl.when(v.policy_requires_modifier_93.fill_null(value=False))
        .then(pl.lit("on audio-only services"))
        .otherwise(pl.lit("on audio-only mental-health services (90785-90899)"))
    )
    return pl.format(
        "audio-only telehealth line ({}) without modifier 93 or FQ; the policy of {} on {} "
        "requires modifier 93 {}",
        CODE,
        v.payer_shown,
        DOS,
        scope,
    )


@rule(
    code="MD001",
    skip_self_pay=True,
    severity="error",
    line_severity=v.ffs_severity,
    message=_md001_message,
    fix="bill the line with modifier 93 (FQ where an RHC or FQHC payer asks for it)",
    claim_columns=(c.MODIFIERS[0],),
    tables=("encounters",),
)
def audio_only_modifier_missing() -> pl.Expr:
    """Audio-only telehealth line without modifier 93 (or FQ) where the payer requires 93.

    What it checks: a telehealth line whose encounter modality is ``audio_only``, with neither
    modifier 93 nor FQ, where the payer's policy on the date of service requires 93. Built-in
    policies: Medicare requires it on audio-only mental-health services (CPT 90785-90899) from
    2022-01-01 and on every audio-only telehealth service from 2023-01-01; Medicare Advantage
    from 2023-01-01; commercial, Medicaid and other payers from 2022-01-01. A policies.toml
    ``requires_modifier_93 = true`` (or ``false``) for a payer or period replaces the built-in
    for every code. Codes audio-only by their descriptor (99441-99443, 98966-98968,
    98008-98015) are exempt: the code already says audio-only. A Medicare Advantage line is a
    warning with no amount (MA plans may set their own telehealth rules, 42 CFR 422.135),
    unless the plan's policy says ``ffs_telehealth_rules = "error"``. Skipped when the source
    has no modifier column; a line whose encounter is missing gets no finding.

    Why: CPT modifier 93 reports a service furnished by real-time audio-only communication;
    Medicare created it for audio-only mental-health services to a patient at home in the
    CY2022 physician fee schedule final rule and required it on every audio-only telehealth
    service from 2023 in the CY2023 final rule (RHCs and FQHCs may report FQ). A line without
    it claims an audio-video service the patient did not receive, and is denied as
    inconsistent with the modifier (CARC 4).

    Sources: CY2022 PFS final rule, CMS-1751-F, 86 FR 64996 (19 Nov 2021),
    https://www.federalregister.gov/d/2021-23972 ; CY2023 PFS final rule, CMS-1770-F, 87 FR
    69404 (18 Nov 2022), https://www.federalregister.gov/d/2022-23873 ; 42 CFR 410.78(a)(3),
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78
    MLN fact sheet "Telehealth Services" (MLN901705),
    https://www.cms.gov/files/document/mln901705-telehealth-services.pdf ; Novitas,
    "Telehealth modifiers",
    https://www.novitas-solutions.com/webcenter/portal/MedicareJH/pagebyid?contentId=00144501

    Example: ``90834`` POS 10, no modifier, encounter audio_only, Medicare, 2022-06-01 → error
    (a mental-health service); ``99213`` on the same terms on 2022-06-01 → no finding, on
    2023-01-01 → error; with modifier 93 → no finding.

    Instead: the same code with modifier 93 (FQ for an RHC/FQHC where the payer asks for it).
    """
    # the policy's clause (a parse of the code text) only on the lines the others select
    # (v.on_rows)
    return v.on_rows(
        v.audio_only_line & ~v.has_mod_93 & ~v.has_mod_fq & ~v.audio_only_by_descriptor,
        requires_modifier_93,
        _MD001_COLUMNS,
    )


# --- MD002 -------------------------------------------------------------------------------------


def _md002_video_on_audio_only() -> pl.Expr:
    return _video_modifier() & (MODALITY == "audio_only")


def _md002_93_audio_video() -> pl.Expr:
    return (v.has_mod_93 | v.has_mod_fq) & (MODALITY == "audio_video")


def _md002_both() -> pl.Expr:
    return v.has_mod_93 & _video_modifier()


def _video_name() -> pl.Expr:
    return (
        pl.when(v.has_mod_95 & v.has_mod_gt)
        .then(pl.lit("95 and GT"))
        .when(v.has_mod_95)
        .then(pl.lit("95"))
        .otherwise(pl.lit("GT"))
    )


def _md002_message() -> pl.Expr:
    return (
        pl.when(_md002_both())
        .then(
            pl.format(
                "{} billed with both 93 (audio-only) and {} (audio-video); expected the one "
                "modifier of the modality",
                CODE,
                _video_name(),
            )
        )
        .when(_md002_video_on_audio_only())
        .then(
            pl.format(
                "{} billed with modifier {} (audio-video) on an audio_only encounter; expected 93",
                CODE,
                _video_name(),
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
        pl.when(MODALITY == "audio_only")
        .then(pl.format("bill the line with 93 in place of {} (audio-only)", _video_name()))
        .when(_md002_both() & (MODALITY == "audio_video"))
        .then(pl.lit("bill the line without 93: the visit was audio-video"))
        .when(_md002_both())
        .then(pl.lit("keep only the modifier of the modality: 93 audio-only, 95 audio-video"))
        .otherwise(
            pl.lit(
                "bill the line without 93/FQ (the visit was audio-video), with 95 where the "
                "payer requires a telehealth modifier"
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
    """Telehealth modifier that contradicts the encounter's modality, or 93 with 95 or GT.

    What it checks: telehealth lines with DOS from 2022-01-01, any payer, except codes
    audio-only by descriptor (99441-99443, 98966-98968, 98008-98015) and the CPT telemedicine
    codes 98000-98015 (their descriptor states the modality; MD005 judges them). Three clauses:
    modifier 95 or GT (audio-video) on an ``audio_only`` encounter; modifier 93 or FQ
    (audio-only) on an ``audio_video`` encounter; 93 together with 95 or GT on the line. The
    first two need encounters; without them only the third runs (partial). A line whose
    encounter is missing gets no finding. Where the first clause fires, MD001 (93 missing) is
    suppressed on the line: it is one error, not two.

    Why: 95 (CPT: real-time interactive audio and video) and GT (HCPCS: interactive audio and
    video telecommunication systems) attest video; 93 (CPT: real-time audio-only) and FQ
    (HCPCS: audio-only communication technology) attest its absence. A modifier contradicting
    the documented modality misstates the service furnished and is denied as inconsistent
    (CARC 4); 93 with 95 or GT contradicts itself. Audio-only telehealth and its modifiers date
    from the CY2022 physician fee schedule final rule.

    Sources: CY2022 PFS final rule, CMS-1751-F, 86 FR 64996,
    https://www.federalregister.gov/d/2021-23972 ; Novitas, "Telehealth modifiers",
    https://www.novitas-solutions.com/webcenter/portal/MedicareJH/pagebyid?contentId=00144501
    First Coast, "Telehealth service modifiers",
    https://medicare-prod.fcso.com/coding/telehealth-service-modifiers ; MLN fact sheet
    "Telehealth Services" (MLN901705),
    https://www.cms.gov/files/document/mln901705-telehealth-services.pdf

    Example: ``99213`` POS 10 + 95 (or + GT), encounter audio_only, 2024-03-15 → error (and no
    MD001); ``99213`` + 93 on an audio_video encounter → error; on 2021-12-31 → no finding.

    Instead: 93 for an audio-only visit, 95 (or the payer's GT) for audio-video, never both.
    """
    encounter_clauses = v.enc_found & (_md002_video_on_audio_only() | _md002_93_audio_video())
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
        v.payer_shown,
        DOS,
        v.policy_telehealth_modifiers.list.join(", "),
    ),
    fix=lambda: pl.format(
        "bill the line with modifier {} (the payer's telehealth modifier)",
        v.policy_telehealth_modifiers.list.first(),
    ),
    claim_columns=(c.MODIFIERS[0],),
    tables=("encounters",),
)
def telehealth_modifier_missing() -> pl.Expr:
    """Audio-video telehealth line without the telehealth modifier the payer requires.

    What it checks: telehealth lines whose encounter modality is ``audio_video``, except the
    CPT telemedicine codes 98000-98015 (telehealth by descriptor), where the payer's policy on
    the DOS lists telehealth modifiers (``telehealth_modifiers``; built-in: 95 or GT for
    commercial, Medicaid and other payers; none for Medicare and Medicare Advantage) and the
    line carries none of them. Severity warning. Skipped when the source has no modifier
    column; a line whose encounter is missing gets no finding.

    Why: most commercial plans and Medicaid programs identify synchronous audio-video
    telehealth by modifier 95 (some still by GT) and deny or reprocess lines without it (CARC
    4). Medicare does not require 95 on audio-video professional claims from 2024 (POS 02/10
    say telehealth), so the built-in Medicare policy lists none, and a payer's own policy
    decides; payer manuals differ, hence a warning.

    Sources: CPT Appendix P (services reportable with modifier 95), American Medical
    Association, https://www.ama-assn.org/practice-management/cpt ; Novitas, "Telehealth
    modifiers",
    https://www.novitas-solutions.com/webcenter/portal/MedicareJH/pagebyid?contentId=00144501
    NGS, "Telehealth changes for 2024: modifier 95 and POS",
    https://www.ngsmedicare.com/web/ngs/news-article-details?selectedArticleId=10638446

    Example: ``99213`` POS 10, no modifier, encounter audio_video, payer_type commercial,
    2024-03-15 → warning; with 95 → no finding.

    Instead: the same code with the payer's telehealth modifier (95 unless the payer asks for
    GT).
    """
    # the lists' intersection only on the lines the other clauses select (v.on_rows)
    return v.on_rows(
        v.audio_video_line
        & ~v.is_cpt_telemedicine
        & (v.policy_telehealth_modifiers.list.len() > 0),
        lambda col: (
            ~(
                col(v.MODIFIERS).list.set_intersection(col(POLICY_TELEHEALTH_MODIFIERS)).list.len()
                > 0
            )
        ),
        (v.MODIFIERS, POLICY_TELEHEALTH_MODIFIERS),
    )


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
    gt = pl.lit(
        "modifier GT on a Medicare professional line: since 2018-10-01 (CR 10583) Medicare "
        "accepts GT only on critical access hospital Method II institutional claims"
    )
    gq = pl.lit(
        "modifier GQ with neither patient nor provider in Alaska or Hawaii: Medicare pays GQ "
        "(store-and-forward) only in the Alaska and Hawaii telemedicine demonstrations"
    )
    found = pl.concat_str(
        [pl.when(_md004_gt()).then(gt), pl.when(_md004_gq()).then(gq)],
        separator="; ",
        ignore_nulls=True,
    )
    return pl.format("{}; the payer may deny the line (CARC 4)", found)


def _md004_fix() -> pl.Expr:
    return pl.concat_str(
        [
            pl.when(_md004_gt()).then(
                pl.lit("bill the line without GT (POS 02/10 say telehealth, 93 audio-only)")
            ),
            pl.when(_md004_gq()).then(
                pl.lit(
                    "bill the line without GQ (store-and-forward is payable only in the "
                    "Alaska/Hawaii demonstrations)"
                )
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )


@rule(
    code="MD004",
    skip_self_pay=True,
    severity="warning",
    message=_md004_message,
    fix=_md004_fix,
    partial_tables=("encounters",),
)
def retired_telehealth_modifier() -> pl.Expr:
    """Medicare line with a telehealth modifier Medicare no longer accepts (GT, or GQ off AK/HI).

    What it checks: Medicare (payer_type ``medicare``) lines with modifier GT and DOS from
    2018-10-01, or with modifier GQ where the encounter gives patient_state or provider_state
    and neither is AK or HI. Severity warning, no amount: the modifier is information the
    claim should not carry, and whether the service was payable is judged by the other rules.
    The GQ clause reads the encounter; without encounters only the GT clause runs (partial),
    and with no state given GQ is not judged. PS003 (a telehealth indicator on an in-person
    encounter) and TH002 (a communication-technology service billed as telehealth) suppress it
    on their line: there the modifier is part of that larger error.

    Money: none, unless a remittance shows the line denied with CARC 4 (the procedure code is
    inconsistent with the modifier): then the finding's exposure is ``denied``, priced at the
    expected fee, else the Medicare fee schedule, else the charge — the modifier cost the line.

    Why: CMS stopped requiring GT on professional telehealth claims from 2018 (POS 02
    replaced it), and CR 10583 (MLN Matters MM10583) made it valid from 2018-10-01 only on
    institutional claims of critical access hospitals electing Method II; GQ (asynchronous
    store-and-forward) is payable by Medicare only in the federal telemedicine demonstration
    programs in Alaska and Hawaii (42 CFR 410.78(d)). Lines with them may be returned or
    denied (CARC 4).

    Sources: MLN Matters MM10583 (CR 10583),
    https://www.cms.gov/Outreach-and-Education/Medicare-Learning-Network-MLN/MLNMattersArticles/Downloads/MM10583.pdf
    AAPC, "CMS clarifies telehealth modifier usage",
    https://aapc.com/codes/coding-newsletters/my-health-information-compliance-alert/industry-note-cms-clarifies-telehealth-modifier-usage-159004-article
    Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §190,
    https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/clm104c12.pdf
    42 CFR 410.78,
    https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-B/part-410/subpart-B/section-410.78

    Example: ``99213`` POS 10 + GT, Medicare, 2018-10-01 → warning; on 2018-09-30 → no
    finding; ``99214`` + GQ, patient and provider in NY → warning, patient in AK → none.

    Instead: the same code without GT (POS 02/10 and 93 carry the telehealth information);
    without GQ, or GQ only for Alaska/Hawaii demonstration services.
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

    What it checks: the CPT 2025 telemedicine E/M codes; fires for 98000-98007 (real-time
    audio-video) on an encounter whose modality is ``audio_only``, and for 98008-98015
    (audio-only) on an ``audio_video`` encounter. Other modalities and missing encounters give
    no finding.

    Why: the code itself states the modality (98000-98003 new and 98004-98007 established
    patients by audio-video; 98008-98011 and 98012-98015 by audio-only), so a code
    contradicting the documented modality misstates the service furnished.

    Sources: CPT 2025 code set, Telemedicine Services 98000-98015, American Medical
    Association, https://www.ama-assn.org/practice-management/cpt ; JUCM, "What's new in
    telemedicine for 2025", https://jucm.com/whats-new-in-telemedicine-for-2025 ; AAFP, "Medicare
    telehealth 2025",
    https://aafp.org/pubs/fpm/blogs/gettingpaid/entry/medicare-telehealth-2025.html

    Example: ``98005`` on an audio_only encounter → error; ``98013`` on it → no finding.

    Instead: the code of the same patient status and level for the documented modality
    (98000+n ↔ 98008+n: e.g. 98005 → 98013).
    """
    # only a CPT telemedicine line (v.is_cpt_telemedicine: 98000-98015, the two lists) can
    # fire: the code look-ups run on those lines alone (v.on_rows)
    return v.on_rows(
        v.is_cpt_telemedicine,
        lambda col: (
            (
                col(c.HCPCS_CODE).is_in(CPT_TELEMEDICINE_AUDIO_VIDEO)
                & (col(v.ENC_MODALITY) == "audio_only")
            )
            | (
                col(c.HCPCS_CODE).is_in(CPT_TELEMEDICINE_AUDIO_ONLY)
                & (col(v.ENC_MODALITY) == "audio_video")
            )
        ),
        (c.HCPCS_CODE, v.ENC_MODALITY),
    )
