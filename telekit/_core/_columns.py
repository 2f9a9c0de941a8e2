"""The data contract: every canonical table, its columns in order, their kinds and dtypes.

Column names follow the Tuva Project claims input layer where one exists (``claim_id``,
``claim_line_number``, ``claim_line_start_date``, ``place_of_service_code``, ``hcpcs_code``,
``hcpcs_modifier_1`` ...). This module is the only place a column is spelled; everything else
imports the names from here.

Kinds (how a raw text value is read):

- ``id``     — identifier, trimmed ``String``
- ``code``   — code, trimmed and upper-cased ``String`` (POS ``2`` is read as ``02``)
- ``text``   — free text, trimmed ``String``
- ``date``   — ``Date``; ISO ``YYYY-MM-DD`` and US ``MM/DD/YYYY`` (or a map's ``date_format``)
- ``money``  — ``Decimal(12, 2)``; ``$1,234.50`` and ``(12.00)`` are read
- ``units``  — ``Decimal(10, 3)``
- ``int``    — ``Int32`` (minutes, days, line numbers)
- ``bool``   — ``Boolean``; true/false, t/f, yes/no, y/n, 1/0 in any case; empty is null
- ``enum``   — ``String`` restricted to the listed values (after the value map)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Kind = Literal["id", "code", "text", "date", "money", "units", "int", "bool", "enum"]

MONEY = pl.Decimal(12, 2)
UNITS = pl.Decimal(10, 3)

DTYPES: dict[str, pl.DataType] = {
    "id": pl.String(),
    "code": pl.String(),
    "text": pl.String(),
    "date": pl.Date(),
    "money": MONEY,
    "units": UNITS,
    "int": pl.Int32(),
    "bool": pl.Boolean(),
    "enum": pl.String(),
}


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, how it is read, and whether a row needs it.

    ``derived`` says how telekit derives the column when the source has none (DESIGN §3
    "Derived when absent"): such a column is not required in the source, but when the source
    gives it, a row still needs its value.
    """

    name: str
    kind: Kind
    required: bool = False
    values: tuple[str, ...] = ()  # allowed values of an ``enum``
    default: str | None = None  # raw text used when the value is empty
    derived: str | None = None  # how the column is derived when the source has none

    @property
    def dtype(self) -> pl.DataType:
        return DTYPES[self.kind]


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its name, its columns in contract order, its duplicate key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # lower-cased source header -> column

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """The columns the source must give (a column derived when absent is not one)."""
        return [c.name for c in self.columns if c.required and c.derived is None]

    @property
    def derived(self) -> dict[str, str]:
        """Column -> how it is derived when the source has none."""
        return {c.name: c.derived for c in self.columns if c.derived is not None}

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        msg = f"{self.name} has no column {name!r}"
        raise KeyError(msg)


# --- names -----------------------------------------------------------------------------------

CLAIM_ID = "claim_id"
CLAIM_LINE_NUMBER = "claim_line_number"
PERSON_ID = "person_id"
MEMBER_ID = "member_id"
PAYER = "payer"
PAYER_TYPE = "payer_type"
CLAIM_FREQUENCY_CODE = "claim_frequency_code"
ORIGINAL_CLAIM_ID = "original_claim_id"
ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER = "original_payer_claim_control_number"
RENDERING_NPI = "rendering_npi"
BILLING_NPI = "billing_npi"
CLAIM_LINE_START_DATE = "claim_line_start_date"
CLAIM_SUBMITTED_DATE = "claim_submitted_date"
PLACE_OF_SERVICE_CODE = "place_of_service_code"
HCPCS_CODE = "hcpcs_code"
MODIFIERS = tuple(f"hcpcs_modifier_{i}" for i in range(1, 5))
SERVICE_UNIT_QUANTITY = "service_unit_quantity"
CHARGE_AMOUNT = "charge_amount"
DIAGNOSES = tuple(f"diagnosis_code_{i}" for i in range(1, 13))
ENCOUNTER_ID = "encounter_id"
LINE_CONTROL_NUMBER = "line_control_number"

ENCOUNTER_DATE = "encounter_date"
MODALITY = "modality"
PATIENT_LOCATION = "patient_location"
PATIENT_STATE = "patient_state"
PROVIDER_STATE = "provider_state"
CONSENT_DOCUMENTED = "consent_documented"
TOTAL_MINUTES = "total_minutes"
MDM_LEVEL = "mdm_level"
AUDIO_ONLY_REASON = "audio_only_reason"
DEVICE_DAYS = "device_days"
PSYCHOTHERAPY_MINUTES = "psychotherapy_minutes"

PLAN_NAME = "plan_name"
ENROLLMENT_START_DATE = "enrollment_start_date"
ENROLLMENT_END_DATE = "enrollment_end_date"
TELEHEALTH_COVERED = "telehealth_covered"

NPI = "npi"
PROVIDER_NAME = "provider_name"
PROVIDER_TYPE = "provider_type"
LICENSED_STATES = "licensed_states"

# delimited source columns split into the numbered ones
MODIFIERS_DELIMITED = "hcpcs_modifiers"
DIAGNOSES_DELIMITED = "diagnosis_codes"

# --- enumerations ----------------------------------------------------------------------------

PAYER_TYPES = ("medicare", "medicare_advantage", "medicaid", "commercial", "self_pay", "other")
FREQUENCY_CODES = ("1", "7", "8")
MODALITIES = ("in_person", "audio_video", "audio_only", "store_and_forward", "portal")
PATIENT_LOCATIONS = ("home", "facility", "other")
MDM_LEVELS = ("straightforward", "low", "moderate", "high")
PROVIDER_TYPES = (
    "MD", "DO", "NP", "PA", "CNM", "CNS", "CRNA", "PSYCHOLOGIST", "LCSW", "MFT", "MHC", "RD",
    "PT", "OT", "SLP", "AUDIOLOGIST", "RN", "OTHER",
)  # fmt: skip
ADJUSTMENT_LEVELS = ("claim", "line")
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
# what a patient-payments row is (DESIGN §6): a payment, a discount or a write-off (reduce the
# patient's balance, not payments), a refund (reduces payments)
PAYMENT_KINDS = ("payment", "discount", "write_off", "refund")

# how a column absent from the source is derived (DESIGN §3 "Derived when absent")
DERIVED_LINE_NUMBER = (
    "numbered within each claim by DOS, code, modifiers, charge, file order "
    "(the source has no line number)"
)
DERIVED_PAYER_TYPE = (
    "from the policy file's [payer.X] payer_type, else the built-in payer names, "
    "else the line is rejected"
)

# --- tables ----------------------------------------------------------------------------------

# numbered diagnosis headers of practice-management exports: "ICD-10 1", "Dx 3", "Diag 12"
_DX_PREFIXES = ("icd_10", "icd10", "icd", "dx", "diag", "diagnosis")

CLAIMS = TableSpec(
    name="claims",
    columns=(
        Column(CLAIM_ID, "id", required=True),
        Column(CLAIM_LINE_NUMBER, "int", required=True, derived=DERIVED_LINE_NUMBER),
        Column(PERSON_ID, "id", required=True),
        Column(MEMBER_ID, "id"),
        Column(PAYER, "id", required=True),
        Column(PAYER_TYPE, "enum", required=True, values=PAYER_TYPES, derived=DERIVED_PAYER_TYPE),
        Column(CLAIM_FREQUENCY_CODE, "enum", values=FREQUENCY_CODES, default="1"),
        Column(ORIGINAL_CLAIM_ID, "id"),
        Column(ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER, "id"),
        Column(RENDERING_NPI, "id", required=True),
        Column(BILLING_NPI, "id"),
        Column(CLAIM_LINE_START_DATE, "date", required=True),
        Column(CLAIM_SUBMITTED_DATE, "date"),
        Column(PLACE_OF_SERVICE_CODE, "code", required=True),
        Column(HCPCS_CODE, "code", required=True),
        *(Column(m, "code") for m in MODIFIERS),
        Column(SERVICE_UNIT_QUANTITY, "units", default="1"),
        Column(CHARGE_AMOUNT, "money", required=True),
        *(Column(d, "code") for d in DIAGNOSES),
        Column(ENCOUNTER_ID, "id"),
        Column(LINE_CONTROL_NUMBER, "id"),
    ),
    key=(CLAIM_ID, CLAIM_LINE_NUMBER),
    aliases={
        # practice-management exports spell headers their own way; matched after
        # normalize_header ("CPT/HCPCS" → cpt_hcpcs, "Visit #" → visit_#)
        "dos": CLAIM_LINE_START_DATE,
        "date_of_service": CLAIM_LINE_START_DATE,
        "service_date": CLAIM_LINE_START_DATE,
        "svc_date": CLAIM_LINE_START_DATE,
        "date_of_svc": CLAIM_LINE_START_DATE,
        "from_date": CLAIM_LINE_START_DATE,
        "from_dos": CLAIM_LINE_START_DATE,
        "cpt": HCPCS_CODE,
        "hcpcs": HCPCS_CODE,
        "cpt_code": HCPCS_CODE,
        "hcpcs_cpt": HCPCS_CODE,
        "cpt_hcpcs": HCPCS_CODE,
        "cpt_hcpcs_code": HCPCS_CODE,
        "procedure": HCPCS_CODE,
        "procedure_code": HCPCS_CODE,
        "proc_code": HCPCS_CODE,
        "pos": PLACE_OF_SERVICE_CODE,
        "pos_code": PLACE_OF_SERVICE_CODE,
        "place_of_service": PLACE_OF_SERVICE_CODE,
        "place_of_svc": PLACE_OF_SERVICE_CODE,
        "npi": RENDERING_NPI,
        "rendering_provider_npi": RENDERING_NPI,
        "provider_npi": RENDERING_NPI,
        "billing_provider_npi": BILLING_NPI,
        "group_npi": BILLING_NPI,
        "modifier1": MODIFIERS[0],
        "modifier2": MODIFIERS[1],
        "modifier3": MODIFIERS[2],
        "modifier4": MODIFIERS[3],
        **{f"modifier_{i}": m for i, m in enumerate(MODIFIERS, 1)},
        **{f"mod_{i}": m for i, m in enumerate(MODIFIERS, 1)},
        **{f"mod{i}": m for i, m in enumerate(MODIFIERS, 1)},
        "modifiers": MODIFIERS_DELIMITED,
        "units": SERVICE_UNIT_QUANTITY,
        "unit": SERVICE_UNIT_QUANTITY,
        "qty": SERVICE_UNIT_QUANTITY,
        "charge": CHARGE_AMOUNT,
        "charges": CHARGE_AMOUNT,
        "charge_amt": CHARGE_AMOUNT,
        "billed": CHARGE_AMOUNT,
        "billed_amt": CHARGE_AMOUNT,
        "billed_amount": CHARGE_AMOUNT,
        "dx": DIAGNOSES_DELIMITED,
        **{f"{prefix}_{i}": d for prefix in _DX_PREFIXES for i, d in enumerate(DIAGNOSES, 1)},
        **{f"dx{i}": d for i, d in enumerate(DIAGNOSES, 1)},
        "line_number": CLAIM_LINE_NUMBER,
        "line_#": CLAIM_LINE_NUMBER,
        "line_no": CLAIM_LINE_NUMBER,
        "line": CLAIM_LINE_NUMBER,
        "claim_#": CLAIM_ID,
        "claim_no": CLAIM_ID,
        "claim_number": CLAIM_ID,
        # a charge-detail export has one claim per visit and no claim number: the visit is the
        # claim (a file that also has "Claim #" maps one of the two in map.toml)
        "visit_#": CLAIM_ID,
        "visit_id": CLAIM_ID,
        "visit_number": CLAIM_ID,
        "visit_no": CLAIM_ID,
        "encounter_#": ENCOUNTER_ID,
        "encounter_number": ENCOUNTER_ID,
        "patient_id": PERSON_ID,
        "patient_#": PERSON_ID,
        "account_#": PERSON_ID,
        "account_number": PERSON_ID,
        "acct_#": PERSON_ID,
        "patient_acct": PERSON_ID,
        "patient_acct_#": PERSON_ID,
        "patient_account": PERSON_ID,
        "patient_account_#": PERSON_ID,
        "mrn": PERSON_ID,
        "chart_#": PERSON_ID,
        "member_#": MEMBER_ID,
        "subscriber_id": MEMBER_ID,
        "insured_id": MEMBER_ID,
        "primary_ins": PAYER,
        "primary_insurance": PAYER,
        "primary_payer": PAYER,
        "insurance": PAYER,
        "payer_name": PAYER,
        "submitted_date": CLAIM_SUBMITTED_DATE,
        "bill_date": CLAIM_SUBMITTED_DATE,
        "billed_date": CLAIM_SUBMITTED_DATE,
        "date_billed": CLAIM_SUBMITTED_DATE,
        "first_billed": CLAIM_SUBMITTED_DATE,
        "date_submitted": CLAIM_SUBMITTED_DATE,
        "claim_sent_date": CLAIM_SUBMITTED_DATE,
    },
)

ENCOUNTERS = TableSpec(
    name="encounters",
    columns=(
        Column(ENCOUNTER_ID, "id", required=True),
        Column(PERSON_ID, "id"),
        Column(RENDERING_NPI, "id"),
        Column(ENCOUNTER_DATE, "date"),
        Column(MODALITY, "enum", values=MODALITIES),
        Column(PATIENT_LOCATION, "enum", values=PATIENT_LOCATIONS),
        Column(PATIENT_STATE, "code"),
        Column(PROVIDER_STATE, "code"),
        Column(CONSENT_DOCUMENTED, "bool"),
        Column(TOTAL_MINUTES, "int"),
        Column(MDM_LEVEL, "enum", values=MDM_LEVELS),
        Column(AUDIO_ONLY_REASON, "text"),
        Column(DEVICE_DAYS, "int"),
        Column(PSYCHOTHERAPY_MINUTES, "int"),
    ),
    key=(ENCOUNTER_ID,),
    aliases={
        "npi": RENDERING_NPI,
        "rendering_provider_npi": RENDERING_NPI,
        "provider_npi": RENDERING_NPI,
        "dos": ENCOUNTER_DATE,
        "date_of_service": ENCOUNTER_DATE,
        "service_date": ENCOUNTER_DATE,
        "svc_date": ENCOUNTER_DATE,
        "visit_date": ENCOUNTER_DATE,
        "appointment_date": ENCOUNTER_DATE,
        "visit_#": ENCOUNTER_ID,
        "visit_id": ENCOUNTER_ID,
        "visit_number": ENCOUNTER_ID,
        "encounter_#": ENCOUNTER_ID,
        "encounter_number": ENCOUNTER_ID,
        "patient_id": PERSON_ID,
        "patient_#": PERSON_ID,
        "account_#": PERSON_ID,
        "account_number": PERSON_ID,
        "mrn": PERSON_ID,
        "visit_type": MODALITY,
        "telehealth_modality": MODALITY,
        "patient_location_type": PATIENT_LOCATION,
        "minutes": TOTAL_MINUTES,
        "consent": CONSENT_DOCUMENTED,
        "mdm": MDM_LEVEL,
    },
)

COVERAGE = TableSpec(
    name="coverage",
    columns=(
        Column(PERSON_ID, "id", required=True),
        Column(PAYER, "id", required=True),
        Column(PAYER_TYPE, "enum", required=True, values=PAYER_TYPES, derived=DERIVED_PAYER_TYPE),
        Column(MEMBER_ID, "id"),
        Column(PLAN_NAME, "text"),
        Column(ENROLLMENT_START_DATE, "date", required=True),
        Column(ENROLLMENT_END_DATE, "date"),
        Column(TELEHEALTH_COVERED, "bool"),
    ),
    key=(PERSON_ID, PAYER, ENROLLMENT_START_DATE),
    aliases={
        "patient_id": PERSON_ID,
        "account_#": PERSON_ID,
        "mrn": PERSON_ID,
        "insurance": PAYER,
        "payer_name": PAYER,
        "member_#": MEMBER_ID,
        "subscriber_id": MEMBER_ID,
        "policy_#": MEMBER_ID,
        "plan": PLAN_NAME,
        "start_date": ENROLLMENT_START_DATE,
        "effective_date": ENROLLMENT_START_DATE,
        "eff_date": ENROLLMENT_START_DATE,
        "end_date": ENROLLMENT_END_DATE,
        "term_date": ENROLLMENT_END_DATE,
        "termination_date": ENROLLMENT_END_DATE,
    },
)

PROVIDERS = TableSpec(
    name="providers",
    columns=(
        Column(NPI, "id", required=True),
        Column(PROVIDER_NAME, "text"),
        Column(PROVIDER_TYPE, "enum", values=PROVIDER_TYPES),
        Column(LICENSED_STATES, "text"),
    ),
    key=(NPI,),
    aliases={
        "rendering_npi": NPI,
        "provider_npi": NPI,
        "rendering_provider_npi": NPI,
        "name": PROVIDER_NAME,
        "type": PROVIDER_TYPE,
        "credential": PROVIDER_TYPE,
        "states": LICENSED_STATES,
    },
)

REMIT_ID = "remit_id"
REMIT_CLAIM_SEQ = "remit_claim_seq"
SVC_SEQ = "svc_seq"
CLAIM_STATUS_CODE = "claim_status_code"
PAYER_CLAIM_CONTROL_NUMBER = "payer_claim_control_number"
PAYMENT_DATE = "payment_date"
SERVICE_DATE = "service_date"
CHECK_NUMBER = "check_number"
SUBMITTED_HCPCS_CODE = "submitted_hcpcs_code"
SUBMITTED_MODIFIERS = tuple(f"submitted_hcpcs_modifier_{i}" for i in range(1, 5))
LINE_CHARGE_AMOUNT = "line_charge_amount"
PAID_AMOUNT = "paid_amount"
ALLOWED_AMOUNT = "allowed_amount"
UNITS_PAID = "units_paid"

REMITTANCE_LINES = TableSpec(
    name="remittances",
    columns=(
        Column(REMIT_ID, "id", required=True),
        Column(REMIT_CLAIM_SEQ, "int", required=True),
        Column(SVC_SEQ, "int"),
        Column(CLAIM_ID, "id", required=True),
        Column(CLAIM_STATUS_CODE, "code", required=True),
        Column(PAYER_CLAIM_CONTROL_NUMBER, "id"),
        Column(PAYER, "id"),
        Column(PAYMENT_DATE, "date"),
        Column(SERVICE_DATE, "date"),
        Column(CHECK_NUMBER, "id"),
        Column(LINE_CONTROL_NUMBER, "id"),
        Column(HCPCS_CODE, "code"),
        *(Column(m, "code") for m in MODIFIERS),
        Column(SUBMITTED_HCPCS_CODE, "code"),
        *(Column(m, "code") for m in SUBMITTED_MODIFIERS),
        Column(LINE_CHARGE_AMOUNT, "money"),
        Column(PAID_AMOUNT, "money"),
        Column(ALLOWED_AMOUNT, "money"),
        Column(UNITS_PAID, "units"),
    ),
    key=(REMIT_ID, REMIT_CLAIM_SEQ, SVC_SEQ),
    aliases={
        "clp01": CLAIM_ID,
        "clp02": CLAIM_STATUS_CODE,
        "clp07": PAYER_CLAIM_CONTROL_NUMBER,
        "cpt": HCPCS_CODE,
        "paid": PAID_AMOUNT,
        "allowed": ALLOWED_AMOUNT,
        "charge": LINE_CHARGE_AMOUNT,
        "check": CHECK_NUMBER,
    },
)

LEVEL = "level"
GROUP_CODE = "group_code"
REASON_CODE = "reason_code"
AMOUNT = "amount"
QUANTITY = "quantity"

ADJUSTMENTS = TableSpec(
    name="adjustments",
    columns=(
        Column(REMIT_ID, "id", required=True),
        Column(REMIT_CLAIM_SEQ, "int", required=True),
        Column(SVC_SEQ, "int"),
        Column(LEVEL, "enum", required=True, values=ADJUSTMENT_LEVELS),
        Column(GROUP_CODE, "enum", required=True, values=GROUP_CODES),
        Column(REASON_CODE, "code", required=True),
        Column(AMOUNT, "money", required=True),
        Column(QUANTITY, "units"),
    ),
    key=(),  # several adjustments may share every field; none is a duplicate
    aliases={"carc": REASON_CODE, "group": GROUP_CODE},
)

KIND = "kind"

PATIENT_PAYMENTS = TableSpec(
    name="patient_payments",
    columns=(
        Column(CLAIM_ID, "id", required=True),
        Column(PAYMENT_DATE, "date", required=True),
        Column(AMOUNT, "money", required=True),
        Column(KIND, "enum", values=PAYMENT_KINDS, default="payment"),
    ),
    key=(),
    aliases={"date": PAYMENT_DATE, "paid": AMOUNT, "payment": AMOUNT},
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        CLAIMS,
        ENCOUNTERS,
        COVERAGE,
        PROVIDERS,
        REMITTANCE_LINES,
        ADJUSTMENTS,
        PATIENT_PAYMENTS,
    )
}

#: DESIGN §4 "Rejects name the record": the columns whose raw cells, trimmed and joined by
#: ":", make a reject's ``record_key`` (null when a part is missing or empty)
RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "claims": (CLAIM_ID, CLAIM_LINE_NUMBER),
    "encounters": (ENCOUNTER_ID,),
    "coverage": (PERSON_ID, PAYER, ENROLLMENT_START_DATE),
    "providers": (NPI,),
    "remittances": (REMIT_ID, REMIT_CLAIM_SEQ, SVC_SEQ),
    "adjustments": (REMIT_ID, REMIT_CLAIM_SEQ, SVC_SEQ),
    "patient_payments": (CLAIM_ID,),
}
#: key parts that are legitimately empty (a claim-level remittance row or adjustment has no
#: svc_seq): kept empty in the key (``R1:2:``) rather than making it null
RECORD_KEY_OPTIONAL: frozenset[str] = frozenset({SVC_SEQ})
RECORD_KEY = "record_key"

REJECTS_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "source_file": pl.String(),
        "row_number": pl.Int64(),
        RECORD_KEY: pl.String(),
        "column": pl.String(),
        "value": pl.String(),
        "reason": pl.String(),
    }
)

ISSUES_SCHEMA = pl.Schema(
    {
        "file": pl.String(),
        "segment_number": pl.Int64(),
        "segment_id": pl.String(),
        "severity": pl.String(),
        "message": pl.String(),
    }
)
