"""Payer policy vocabulary: the fields of policies.toml and the columns ``Policies.resolve`` adds
to the lines."""

from __future__ import annotations

from typing import Final

import polars as pl

# --- vocabulary --------------------------------------------------------------------------------

TELEHEALTH_POS_VALUES: Final = ("02", "02/10", "in_person+95", "none")
# how Medicare fee-for-service telehealth rules (DESIGN §5 "MA: warning") judge this payer
FFS_TELEHEALTH_RULES_VALUES: Final = ("warning", "error")

# policy fields as written in policies.toml
_TELEHEALTH_POS = "telehealth_pos"
_TELEHEALTH_MODIFIERS = "telehealth_modifiers"
_REQUIRES_MODIFIER_93 = "requires_modifier_93"
_TIMELY_FILING_DAYS = "timely_filing_days"
_ACCEPTS_CPT_TELEMEDICINE_CODES = "accepts_cpt_telemedicine_codes"
_TELEHEALTH_COVERED = "telehealth_covered"
_AUDIO_ONLY_COVERED = "audio_only_covered"
_FFS_TELEHEALTH_RULES = "ffs_telehealth_rules"
_TIMELY_FILING_RULE = "timely_filing_rule"  # derived: never written in a file
# derived: never written in a file. 93 required on audio-only mental-health services (CPT
# 90785-90899) only; a file's requires_modifier_93 sets it to the same value (true: every
# service, false: none), so only the built-in Medicare 2022 period requires it for them alone
_REQUIRES_MODIFIER_93_MENTAL_HEALTH = "requires_modifier_93_mental_health"

_POLICY_FIELDS: Final = (
    _TELEHEALTH_POS,
    _TELEHEALTH_MODIFIERS,
    _REQUIRES_MODIFIER_93,
    _TIMELY_FILING_DAYS,
    _ACCEPTS_CPT_TELEMEDICINE_CODES,
    _TELEHEALTH_COVERED,
    _AUDIO_ONLY_COVERED,
    _FFS_TELEHEALTH_RULES,
)
_BOOL_FIELDS: Final = (
    _REQUIRES_MODIFIER_93,
    _ACCEPTS_CPT_TELEMEDICINE_CODES,
    _TELEHEALTH_COVERED,
    _AUDIO_ONLY_COVERED,
)
_PERIODS = "periods"
_ALIASES = "aliases"
_START = "start"
_END = "end"

# --- output columns (added to the lines by Policies.resolve) ----------------------------------

PAYER_KEY = "payer_key"
POLICY_TELEHEALTH_POS = "policy_telehealth_pos"
POLICY_TELEHEALTH_MODIFIERS = "policy_telehealth_modifiers"
POLICY_REQUIRES_MODIFIER_93 = "policy_requires_modifier_93"
POLICY_TIMELY_FILING_RULE = "policy_timely_filing_rule"
POLICY_TIMELY_FILING_DAYS = "policy_timely_filing_days"
POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES = "policy_accepts_cpt_telemedicine_codes"
POLICY_TELEHEALTH_COVERED = "policy_telehealth_covered"
POLICY_AUDIO_ONLY_COVERED = "policy_audio_only_covered"
POLICY_FFS_TELEHEALTH_RULES = "policy_ffs_telehealth_rules"
POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH = "policy_requires_modifier_93_mental_health"

# internal field -> (output column, dtype), in output order
_OUTPUT: Final[dict[str, tuple[str, pl.DataType]]] = {
    _TELEHEALTH_POS: (POLICY_TELEHEALTH_POS, pl.String()),
    _TELEHEALTH_MODIFIERS: (POLICY_TELEHEALTH_MODIFIERS, pl.List(pl.String())),
    _REQUIRES_MODIFIER_93: (POLICY_REQUIRES_MODIFIER_93, pl.Boolean()),
    _TIMELY_FILING_RULE: (POLICY_TIMELY_FILING_RULE, pl.String()),
    _TIMELY_FILING_DAYS: (POLICY_TIMELY_FILING_DAYS, pl.Int32()),
    _ACCEPTS_CPT_TELEMEDICINE_CODES: (POLICY_ACCEPTS_CPT_TELEMEDICINE_CODES, pl.Boolean()),
    _TELEHEALTH_COVERED: (POLICY_TELEHEALTH_COVERED, pl.Boolean()),
    _AUDIO_ONLY_COVERED: (POLICY_AUDIO_ONLY_COVERED, pl.Boolean()),
    _FFS_TELEHEALTH_RULES: (POLICY_FFS_TELEHEALTH_RULES, pl.String()),
    _REQUIRES_MODIFIER_93_MENTAL_HEALTH: (POLICY_REQUIRES_MODIFIER_93_MENTAL_HEALTH, pl.Boolean()),
}
POLICY_COLUMNS: Final = pl.Schema(dict(_OUTPUT.values()))

VALID_START_DATE = "valid_start_date"
VALID_END_DATE = "valid_end_date"
