"""The annotated-line vocabulary: every column ``annotate`` adds to the claim lines, which the
rules (and integrity, review, the sample planters) read.

Each column has a name constant (``TELEHEALTH_LINE = "telehealth_line"``) and a named expression
(``telehealth_line = pl.col(TELEHEALTH_LINE)``), so a rule reads ``v.is_medicare &
v.telehealth_line`` and a misspelt column is an import error, not an empty result. The payer
policy columns keep their names' home in ``telekit._policies._vocabulary``; their expressions
are here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import polars as pl

from telekit._core._columns import PAYER
from telekit._policies._vocabulary import (
    PAYER_KEY,
    POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES,
    POLICY_AUDIO_ONLY_COVERED,
    POLICY_FFS_TELEHEALTH_RULES,
    POLICY_REQUIRES_MODIFIER_93,
    POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH,
    POLICY_TELEHEALTH_COVERED,
    POLICY_TELEHEALTH_MODIFIERS,
    POLICY_TELEHEALTH_POS,
    POLICY_TIMELY_FILING_DAYS,
    POLICY_TIMELY_FILING_RULE,
)

# the line's row in the input (every frame of the run keeps it)
ROW: Final = "_row"

# code sets: the HCPCS attributes on the DOS (``code_*``) and the place of service
CODE_FAMILY: Final = "code_family"
CODE_CTBS: Final = "code_ctbs"
CODE_OFFICE_EM: Final = "code_office_em"
CODE_EM_LEVEL: Final = "code_em_level"
CODE_PATIENT_STATUS: Final = "code_patient_status"
CODE_MIN_MINUTES: Final = "code_min_minutes"
CODE_MAX_MINUTES: Final = "code_max_minutes"
CODE_MIN_DEVICE_DAYS: Final = "code_min_device_days"
CODE_MAX_DEVICE_DAYS: Final = "code_max_device_days"
CODE_AUDIO_ONLY_BY_DESCRIPTOR: Final = "code_audio_only_by_descriptor"
CODE_IS_ADDON: Final = "code_is_addon"
CODE_KNOWN: Final = "code_known"
CODE_VALID_ON_DOS: Final = "code_valid_on_dos"
POS_KNOWN: Final = "pos_known"
POS_VALID_ON_DOS: Final = "pos_valid_on_dos"

# the Medicare Telehealth Services List in force for the DOS year (DESIGN §5 "Unknown codes"):
# the DOS year's list (telekit's copy, or the CMS file given for that year), else the latest
# earlier one; null before the earliest list
LIST_YEAR_USED: Final = "list_year_used"
LIST_YEAR_SHIPPED: Final = "list_year_shipped"  # a list (shipped or given) for the DOS year itself
LIST_FROM_CMS_FILE: Final = "list_from_cms_file"  # the list used came from a CMS file given
ON_TELEHEALTH_LIST: Final = "on_telehealth_list"
LIST_AUDIO_ONLY: Final = "list_audio_only"  # the list's audio-only flag; null = no flag
# absent from the list used, and the code is in telekit's curated HCPCS table or the list came
# from a CMS file (only for the DOS year's own list); otherwise absent = unknown to the list
LIST_KNOWN_ABSENT: Final = "list_known_absent"
LIST_UNKNOWN: Final = "list_unknown"

# the line's encounter (DESIGN §3 linking; ``enc_found`` false when missing)
ENC_FOUND: Final = "enc_found"
ENC_ENCOUNTER_DATE: Final = "enc_encounter_date"
ENC_MODALITY: Final = "enc_modality"
ENC_PATIENT_LOCATION: Final = "enc_patient_location"
ENC_PATIENT_STATE: Final = "enc_patient_state"
ENC_PROVIDER_STATE: Final = "enc_provider_state"
ENC_CONSENT_DOCUMENTED: Final = "enc_consent_documented"
ENC_TOTAL_MINUTES: Final = "enc_total_minutes"
ENC_MDM_LEVEL: Final = "enc_mdm_level"
ENC_AUDIO_ONLY_REASON: Final = "enc_audio_only_reason"
ENC_DEVICE_DAYS: Final = "enc_device_days"
ENC_PSYCHOTHERAPY_MINUTES: Final = "enc_psychotherapy_minutes"
ENC_MDM_RANK: Final = "enc_mdm_rank"
ENCOUNTERS_GIVEN: Final = "encounters_given"

# the rendering provider on the roster
PROV_TYPE: Final = "prov_type"
PROV_LICENSED_STATES: Final = "prov_licensed_states"
PROV_LISTED: Final = "prov_listed"

# the claim and its modifiers
SUPERSEDED: Final = "superseded"
MODIFIERS: Final = "modifiers"
HAS_MOD_95: Final = "has_mod_95"
HAS_MOD_93: Final = "has_mod_93"
HAS_MOD_GT: Final = "has_mod_GT"
HAS_MOD_GQ: Final = "has_mod_GQ"
HAS_MOD_FQ: Final = "has_mod_FQ"
HAS_MOD_G0: Final = "has_mod_G0"

# DESIGN §5 definitions
POS_TELEHEALTH: Final = "pos_telehealth"
IS_CTBS: Final = "is_ctbs"
IS_Q3014: Final = "is_q3014"
IS_CPT_TELEMEDICINE: Final = "is_cpt_telemedicine"
IS_OFFICE_EM: Final = "is_office_em"
AUDIO_ONLY_BY_DESCRIPTOR: Final = "audio_only_by_descriptor"
IS_MEDICARE: Final = "is_medicare"
IS_MEDICARE_OR_MA: Final = "is_medicare_or_ma"
IS_SELF_PAY: Final = "is_self_pay"
# DESIGN §5 Medicare Advantage: a rule written for Medicare FFS judges an MA line as a warning
# with no amount, unless the payer's policy says ffs_telehealth_rules = "error"
MA_FFS_WARNING: Final = "ma_ffs_warning"
TELEHEALTH_INDICATOR_RAW: Final = "telehealth_indicator_raw"
INDICATOR_ON_IN_PERSON_ENCOUNTER: Final = "indicator_on_in_person_encounter"
TELEHEALTH_INDICATOR: Final = "telehealth_indicator"
TELEHEALTH_LINE: Final = "telehealth_line"
TELEHEALTH_ENCOUNTER: Final = "telehealth_encounter"
AUDIO_ONLY_LINE: Final = "audio_only_line"
AUDIO_VIDEO_LINE: Final = "audio_video_line"

# named expressions, one per column
row: Final = pl.col(ROW)
code_family: Final = pl.col(CODE_FAMILY)
code_ctbs: Final = pl.col(CODE_CTBS)
code_office_em: Final = pl.col(CODE_OFFICE_EM)
code_em_level: Final = pl.col(CODE_EM_LEVEL)
code_patient_status: Final = pl.col(CODE_PATIENT_STATUS)
code_min_minutes: Final = pl.col(CODE_MIN_MINUTES)
code_max_minutes: Final = pl.col(CODE_MAX_MINUTES)
code_min_device_days: Final = pl.col(CODE_MIN_DEVICE_DAYS)
code_max_device_days: Final = pl.col(CODE_MAX_DEVICE_DAYS)
code_audio_only_by_descriptor: Final = pl.col(CODE_AUDIO_ONLY_BY_DESCRIPTOR)
code_is_addon: Final = pl.col(CODE_IS_ADDON)
code_known: Final = pl.col(CODE_KNOWN)
code_valid_on_dos: Final = pl.col(CODE_VALID_ON_DOS)
pos_known: Final = pl.col(POS_KNOWN)
pos_valid_on_dos: Final = pl.col(POS_VALID_ON_DOS)
list_year_used: Final = pl.col(LIST_YEAR_USED)
list_year_shipped: Final = pl.col(LIST_YEAR_SHIPPED)
list_from_cms_file: Final = pl.col(LIST_FROM_CMS_FILE)
on_telehealth_list: Final = pl.col(ON_TELEHEALTH_LIST)
list_audio_only: Final = pl.col(LIST_AUDIO_ONLY)
list_known_absent: Final = pl.col(LIST_KNOWN_ABSENT)
list_unknown: Final = pl.col(LIST_UNKNOWN)
code_in_curated_table: Final = pl.col(CODE_KNOWN)  # in telekit/codesets/hcpcs.csv
enc_found: Final = pl.col(ENC_FOUND)
enc_encounter_date: Final = pl.col(ENC_ENCOUNTER_DATE)
enc_modality: Final = pl.col(ENC_MODALITY)
enc_patient_location: Final = pl.col(ENC_PATIENT_LOCATION)
enc_patient_state: Final = pl.col(ENC_PATIENT_STATE)
enc_provider_state: Final = pl.col(ENC_PROVIDER_STATE)
enc_consent_documented: Final = pl.col(ENC_CONSENT_DOCUMENTED)
enc_total_minutes: Final = pl.col(ENC_TOTAL_MINUTES)
enc_mdm_level: Final = pl.col(ENC_MDM_LEVEL)
enc_audio_only_reason: Final = pl.col(ENC_AUDIO_ONLY_REASON)
enc_device_days: Final = pl.col(ENC_DEVICE_DAYS)
enc_psychotherapy_minutes: Final = pl.col(ENC_PSYCHOTHERAPY_MINUTES)
enc_mdm_rank: Final = pl.col(ENC_MDM_RANK)
encounters_given: Final = pl.col(ENCOUNTERS_GIVEN)
prov_type: Final = pl.col(PROV_TYPE)
prov_licensed_states: Final = pl.col(PROV_LICENSED_STATES)
prov_listed: Final = pl.col(PROV_LISTED)
superseded: Final = pl.col(SUPERSEDED)
# a line that takes part in windows, pairs and look-backs (``superseded`` is never null; the guard
# keeps a null from dropping every line)
not_superseded: Final = ~superseded.fill_null(value=False)
modifiers: Final = pl.col(MODIFIERS)
has_mod_95: Final = pl.col(HAS_MOD_95)
has_mod_93: Final = pl.col(HAS_MOD_93)
has_mod_gt: Final = pl.col(HAS_MOD_GT)
has_mod_gq: Final = pl.col(HAS_MOD_GQ)
has_mod_fq: Final = pl.col(HAS_MOD_FQ)
has_mod_g0: Final = pl.col(HAS_MOD_G0)
pos_telehealth: Final = pl.col(POS_TELEHEALTH)
is_ctbs: Final = pl.col(IS_CTBS)
is_q3014: Final = pl.col(IS_Q3014)
is_cpt_telemedicine: Final = pl.col(IS_CPT_TELEMEDICINE)
is_office_em: Final = pl.col(IS_OFFICE_EM)
audio_only_by_descriptor: Final = pl.col(AUDIO_ONLY_BY_DESCRIPTOR)
is_medicare: Final = pl.col(IS_MEDICARE)
is_medicare_or_ma: Final = pl.col(IS_MEDICARE_OR_MA)
is_self_pay: Final = pl.col(IS_SELF_PAY)
ma_ffs_warning: Final = pl.col(MA_FFS_WARNING)
telehealth_indicator_raw: Final = pl.col(TELEHEALTH_INDICATOR_RAW)
indicator_on_in_person_encounter: Final = pl.col(INDICATOR_ON_IN_PERSON_ENCOUNTER)
telehealth_indicator: Final = pl.col(TELEHEALTH_INDICATOR)
telehealth_line: Final = pl.col(TELEHEALTH_LINE)
telehealth_encounter: Final = pl.col(TELEHEALTH_ENCOUNTER)
audio_only_line: Final = pl.col(AUDIO_ONLY_LINE)
audio_video_line: Final = pl.col(AUDIO_VIDEO_LINE)
payer_key: Final = pl.col(PAYER_KEY)
policy_telehealth_pos: Final = pl.col(POLICY_TELEHEALTH_POS)
policy_telehealth_modifiers: Final = pl.col(POLICY_TELEHEALTH_MODIFIERS)
policy_requires_modifier_93: Final = pl.col(POLICY_REQUIRES_MODIFIER_93)
policy_requires_modifier_93_mental_health: Final = pl.col(POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH)
policy_timely_filing_rule: Final = pl.col(POLICY_TIMELY_FILING_RULE)
policy_timely_filing_days: Final = pl.col(POLICY_TIMELY_FILING_DAYS)
policy_accepts_cpt_telemedicine_codes: Final = pl.col(POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES)
policy_telehealth_covered: Final = pl.col(POLICY_TELEHEALTH_COVERED)
policy_audio_only_covered: Final = pl.col(POLICY_AUDIO_ONLY_COVERED)
policy_ffs_telehealth_rules: Final = pl.col(POLICY_FFS_TELEHEALTH_RULES)


def ffs_severity(severity: str = "error") -> pl.Expr:
    """A line severity for rules marked "(MA: warning)": ``warning`` on a Medicare Advantage line
    whose payer does not ask for FFS errors, else ``severity`` (use as ``line_severity``)."""
    return pl.when(ma_ffs_warning).then(pl.lit("warning")).otherwise(pl.lit(severity))


def on_distinct(expr: pl.Expr, test: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``test(expr).fill_null(False)``, computed once per distinct value of ``expr``: the
    distinct values (a few NPIs or diagnosis codes among a million lines) are tested inside
    ``list.eval`` and each value is looked up in those that pass (a null value counts as one
    value). For a test costlier than a hash look-up; ``test`` must treat each value alone.

    The nulls are dropped before the ``unique`` and one null is tested in their place (always:
    it can only match a null): a mostly empty column (diagnosis_code_4 to _12) then costs the
    hash of its few values, not of a million nulls."""
    distinct = expr.drop_nulls().unique().extend_constant(None, 1)
    passing = distinct.implode().list.eval(pl.element().filter(test(pl.element())))
    return expr.is_in(passing, nulls_equal=True)


#: how an expression reads a column by name: ``pl.col``, or ``on_rows``' accessor to a few rows'
Column = Callable[[str], pl.Expr]


def on_rows(cond: pl.Expr, test: Callable[[Column], pl.Expr], columns: Sequence[str]) -> pl.Expr:
    """``(cond & test(pl.col)).fill_null(False)``, with ``test`` computed only on the rows where
    ``cond`` holds: for a costly test (look-ups over the code text, list or date work) that
    matters on few lines (EL003's home exceptions on the Medicare home lines outside the
    flexibility windows). Those rows' ``columns`` and positions are taken out once, as a struct
    (the filter runs once, not once per column read); ``test(col)`` reads them inside
    ``list.eval`` (``col(name)``: that column of those rows) and each line is looked up by
    position among the rows that pass. ``test`` must treat each row alone (no window, no
    aggregate) and read only ``columns``. A rule never true where ``cond`` is not can be passed
    whole as ``test`` (written with ``col``). The filter and the look-up cost a few milliseconds
    per million lines: worth it when ``cond`` selects a small share of them."""
    position = pl.int_range(pl.len(), dtype=pl.get_index_type())
    rows = pl.struct(position.alias(_POSITION), *columns).filter(cond)
    passing = rows.implode().list.eval(
        pl.element().filter(test(pl.element().struct.field)).struct.field(_POSITION)
    )
    return position.is_in(passing)


_POSITION = "__on_rows_position"


def shown_payer(key: pl.Expr, raw: pl.Expr) -> pl.Expr:
    """A payer as messages show it (DESIGN §6): the canonical ``key``, then the raw value
    (trimmed) in parentheses when the trimmed, upper-cased raw value differs from the key (an
    alias): ``AETNA (60054)``; ``AETNA`` for `` aetna ``. The raw value when the key is null."""
    trimmed = raw.cast(pl.String).str.strip_chars()
    return (
        pl.when(key.is_null())
        .then(trimmed)
        .when(trimmed.str.to_uppercase() == key)
        .then(key)
        .otherwise(pl.format("{} ({})", key, trimmed))
    )


# the line's payer in a message: its payer_key, with the raw payer in parentheses when an alias
payer_shown: Final = shown_payer(payer_key, pl.col(PAYER)).fill_null("(none)")
