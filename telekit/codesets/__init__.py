"""telekit's effective-dated code sets: the reference tables the audit joins to claim lines.

Each table is a CSV shipped as package data (sources, dates read and open questions in
``SOURCES.md`` beside it) and loaded once, typed, through ``importlib.resources``; nothing is
downloaded at run time. Validity follows OMOP: ``valid_start_date`` / ``valid_end_date``, both
inclusive, null = open (a null start means the code predates the period telekit audits).

- ``hcpcs()`` — every code telekit reasons about, one row per code: ``family``, the DESIGN §5
  flags (``ctbs``, ``office_em``, ``audio_only_by_descriptor``), the E/M level and patient
  status, and exactly the thresholds the rules apply (``min_minutes``/``max_minutes``: TM001,
  TM003, TM005; ``min_device_days``/``max_device_days``: TM005). ``office_em`` is DESIGN's
  definition (99202–99205, 99212–99215, 98000–98015 — the latter only from their 2025 start);
  ``family`` only groups codes by kind (99211 and 99201 are family ``office_em`` but not
  ``office_em``).
- ``add_on_primaries()`` — AD001's add-on → primary pairs, their window (``same_day`` |
  ``same_month``) and G2212's total-minute threshold per primary.
- ``telehealth_list(extra=None)`` — the Medicare Telehealth Services List by calendar year.
- ``place_of_service()``, ``modifiers()``, ``flexibility_windows()``, ``minutes_per_code()``.
- ``read_cms_telehealth_list(path, year=...)`` — read CMS's own list file for a year (XLSX,
  or comma-, tab- or pipe-delimited text).

CMS and NCHS reference data (real releases, compact copies; ``SOURCES.md`` says what was kept):

- ``fee_schedule_releases()``, ``pfs_rvu(release)``, ``pfs_status(release)``, ``gpci()`` — the
  physician fee schedule releases shipped (CY2023 January, CY2024 July) and the 2024 GPCIs;
  ``read_cms_rvu(path)`` / ``read_cms_gpci(path)`` read CMS's PPRRVU and GPCI files;
  ``read_fee_schedule_release(path, valid_from=, valid_to=)`` / ``read_gpci_file(path,
  year=)`` read them as a dated ``FeeScheduleRelease`` / a year's ``GpciFile`` for
  ``tk.audit(fee_schedules=, gpci=)``.
- ``ncci()`` — the NCCI practitioner edits of 2024-07-01 (PTP, MUE, add-on) as an
  ``NcciEdition``; ``read_ncci(dir_or_file)`` reads CMS's quarterly files.
- ``icd10cm_billable(*given)`` — billable ICD-10-CM codes as (code, valid_start_date,
  valid_end_date), FY2019–FY2026 shipped; ``icd10cm_fiscal_years(*given)`` the years covered;
  ``read_icd10cm_order(path, fiscal_year)`` reads a later year's NCHS order file.

Frames are cached (polars frames are immutable); callers must not rely on row order beyond the
documented sort.
"""

from __future__ import annotations

import functools

import polars as pl

from telekit._core._columns import HCPCS_CODE, PLACE_OF_SERVICE_CODE
from telekit._core._package_data import read_package_csv
from telekit.codesets._cms_list import (
    AUDIO_ONLY,
    LIST_STATUSES,
    SHIPPED_TELEHEALTH_LIST_SCHEMA,
    STATUS,
    TELEHEALTH_LIST_SCHEMA,
    YEAR,
    coerce_telehealth_list,
    read_cms_telehealth_list,
)
from telekit.codesets._fee_schedule import (
    GPCI_SCHEMA,
    RVU_SCHEMA,
    FeeScheduleRelease,
    GpciFile,
    fee_schedule_releases,
    gpci,
    pfs_rvu,
    pfs_status,
    read_cms_gpci,
    read_cms_rvu,
    read_fee_schedule_release,
    read_gpci_file,
)
from telekit.codesets._icd10cm import (
    icd10cm_billable,
    icd10cm_fiscal_years,
    read_icd10cm_order,
)
from telekit.codesets._ncci import (
    ADD_ON_SCHEMA,
    MUE_SCHEMA,
    PTP_SCHEMA,
    NcciEdition,
    ncci,
    read_ncci,
)

__all__ = [
    "ADD_ON_SCHEMA",
    "AUDIO_ONLY",
    "CODE_SET_VERSION",
    "FAMILIES",
    "GPCI_SCHEMA",
    "LIST_STATUSES",
    "MUE_SCHEMA",
    "PTP_SCHEMA",
    "RVU_SCHEMA",
    "STATUS",
    "TELEHEALTH_LIST_SCHEMA",
    "YEAR",
    "FeeScheduleRelease",
    "GpciFile",
    "NcciEdition",
    "add_on_primaries",
    "fee_schedule_releases",
    "flexibility_windows",
    "gpci",
    "hcpcs",
    "icd10cm_billable",
    "icd10cm_fiscal_years",
    "minutes_per_code",
    "modifiers",
    "ncci",
    "pfs_rvu",
    "pfs_status",
    "place_of_service",
    "read_cms_gpci",
    "read_cms_rvu",
    "read_cms_telehealth_list",
    "read_fee_schedule_release",
    "read_gpci_file",
    "read_icd10cm_order",
    "read_ncci",
    "telehealth_list",
]

CODE_SET_VERSION = "2026.12.07"

# --- column names (HCPCS_CODE and PLACE_OF_SERVICE_CODE come from the data contract) ---------
VALID_START_DATE = "valid_start_date"
VALID_END_DATE = "valid_end_date"
DESCRIPTION = "description"
FAMILY = "family"
CTBS = "ctbs"
OFFICE_EM = "office_em"
EM_LEVEL = "em_level"
PATIENT_STATUS = "patient_status"
MIN_MINUTES = "min_minutes"
MAX_MINUTES = "max_minutes"
MIN_DEVICE_DAYS = "min_device_days"
MAX_DEVICE_DAYS = "max_device_days"
AUDIO_ONLY_BY_DESCRIPTOR = "audio_only_by_descriptor"
IS_ADDON = "is_addon"
ADD_ON_CODE = "add_on_code"
PRIMARY_CODE = "primary_code"
WINDOW = "window"
MIN_TOTAL_MINUTES = "min_total_minutes"
TELEHEALTH = "telehealth"
MODIFIER = "modifier"
TELEHEALTH_INDICATOR = "telehealth_indicator"
MEDICARE_PROFESSIONAL_END_DATE = "medicare_professional_end_date"
KIND = "kind"
HCPCS_CODE_FROM = "hcpcs_code_from"
HCPCS_CODE_TO = "hcpcs_code_to"
DIAGNOSIS_CATEGORY_FROM = "diagnosis_category_from"
DIAGNOSIS_CATEGORY_TO = "diagnosis_category_to"
DIAGNOSIS_POSITION = "diagnosis_position"
MINUTES = "minutes"
BASIS = "basis"
OIG_VERIFIED = "oig_verified"
PROVENANCE = "provenance"

FAMILIES = (
    "office_em", "cpt_telemedicine", "em_addon", "prolonged", "psych_diagnostic",
    "psychotherapy", "psych_addon", "health_behavior", "psych_testing", "hospital_em", "ed_em",
    "critical_care", "nursing_facility_em", "domiciliary_em", "home_em", "telehealth_consult",
    "esrd", "home_dialysis", "preventive", "care_management", "nutrition_education",
    "opioid_treatment", "therapy", "telephone", "online_digital_em", "virtual_check_in",
    "remote_monitoring", "interprofessional", "originating_site",
)  # fmt: skip
ADD_ON_WINDOWS = ("same_day", "same_month")

_S = pl.String()
_D = pl.Date()
_B = pl.Boolean()
_I = pl.Int32()

HCPCS_SCHEMA = pl.Schema(
    {
        HCPCS_CODE: _S,
        DESCRIPTION: _S,
        FAMILY: _S,
        CTBS: _B,
        OFFICE_EM: _B,
        EM_LEVEL: _I,
        PATIENT_STATUS: _S,
        MIN_MINUTES: _I,
        MAX_MINUTES: _I,
        MIN_DEVICE_DAYS: _I,
        MAX_DEVICE_DAYS: _I,
        AUDIO_ONLY_BY_DESCRIPTOR: _B,
        IS_ADDON: _B,
        VALID_START_DATE: _D,
        VALID_END_DATE: _D,
    }
)
ADD_ON_PRIMARIES_SCHEMA = pl.Schema(
    {ADD_ON_CODE: _S, PRIMARY_CODE: _S, WINDOW: _S, MIN_TOTAL_MINUTES: _I}
)
PLACE_OF_SERVICE_SCHEMA = pl.Schema(
    {
        PLACE_OF_SERVICE_CODE: _S,
        DESCRIPTION: _S,
        TELEHEALTH: _B,
        VALID_START_DATE: _D,
        VALID_END_DATE: _D,
    }
)
MODIFIERS_SCHEMA = pl.Schema(
    {
        MODIFIER: _S,
        DESCRIPTION: _S,
        TELEHEALTH_INDICATOR: _B,
        AUDIO_ONLY: _B,
        VALID_START_DATE: _D,
        VALID_END_DATE: _D,
        MEDICARE_PROFESSIONAL_END_DATE: _D,
    }
)
FLEXIBILITY_WINDOWS_SCHEMA = pl.Schema(
    {
        WINDOW: _S,
        KIND: _S,
        DESCRIPTION: _S,
        VALID_START_DATE: _D,
        VALID_END_DATE: _D,
        HCPCS_CODE_FROM: _S,
        HCPCS_CODE_TO: _S,
        DIAGNOSIS_CATEGORY_FROM: _S,
        DIAGNOSIS_CATEGORY_TO: _S,
        DIAGNOSIS_POSITION: _S,
    }
)
MINUTES_PER_CODE_SCHEMA = pl.Schema(
    {HCPCS_CODE: _S, MINUTES: _I, BASIS: _S, OIG_VERIFIED: _B, PROVENANCE: _S}
)


def _load(filename: str, schema: pl.Schema) -> pl.DataFrame:
    """Read one package CSV (every cell as text) and type it by ``schema``, strictly."""
    return read_package_csv(__name__, filename, schema, "telekit code set")


@functools.cache
def hcpcs() -> pl.DataFrame:
    """Every HCPCS/CPT code telekit reasons about, one row per code, sorted by code."""
    return _load("hcpcs.csv", HCPCS_SCHEMA).sort(HCPCS_CODE)


@functools.cache
def add_on_primaries() -> pl.DataFrame:
    """AD001's add-on → primary pairs (``window`` ``same_day`` | ``same_month``).

    ``min_total_minutes`` is G2212's threshold with that primary (89 with 99205, 69 with 99215).
    """
    return _load("add_on_primaries.csv", ADD_ON_PRIMARIES_SCHEMA).sort(ADD_ON_CODE, PRIMARY_CODE)


@functools.cache
def _shipped_telehealth_list() -> pl.DataFrame:
    df = _load("telehealth_list.csv", SHIPPED_TELEHEALTH_LIST_SCHEMA)
    return df.drop("source").sort(YEAR, HCPCS_CODE)


def telehealth_list(extra: pl.DataFrame | pl.LazyFrame | None = None) -> pl.DataFrame:
    """The Medicare Telehealth Services List, one row per (year, hcpcs_code), 2019–2026.

    ``status`` is one of ``LIST_STATUSES``; ``audio_only`` is the year's "can audio-only
    interaction meet the requirements?" flag, null where the year's list has no per-code flag
    (2019; 2025 on, when any listed service may be audio-only to a patient at home).

    ``extra`` (e.g. ``read_cms_telehealth_list(...)``'s result) replaces the shipped rows of
    every year it holds, so next year's list needs no release.
    """
    shipped = _shipped_telehealth_list()
    if extra is None:
        return shipped
    given = coerce_telehealth_list(extra)
    years = given.get_column(YEAR).unique()
    return pl.concat([shipped.filter(~pl.col(YEAR).is_in(years.implode())), given]).sort(
        YEAR, HCPCS_CODE
    )


@functools.cache
def place_of_service() -> pl.DataFrame:
    """The CMS Place of Service code set with effective dates (02 has two rows: its meaning
    changed on 2022-01-01)."""
    return _load("place_of_service.csv", PLACE_OF_SERVICE_SCHEMA).sort(
        PLACE_OF_SERVICE_CODE, VALID_START_DATE, nulls_last=False
    )


@functools.cache
def modifiers() -> pl.DataFrame:
    """Telehealth modifiers (and look-alikes such as GO) with meaning and dates.

    ``medicare_professional_end_date`` is the last date Medicare accepted the modifier on
    professional claims (GT: 2017-12-31), where that differs from the code's own validity.
    """
    return _load("modifiers.csv", MODIFIERS_SCHEMA)


@functools.cache
def flexibility_windows() -> pl.DataFrame:
    """Medicare home-telehealth windows (EL003): the built-in statutory window and exceptions.

    ``kind`` is ``built_in`` or ``exception``. An exception applies when its dates cover the DOS
    and: its HCPCS range (``hcpcs_code_from``..``hcpcs_code_to``) holds the code, or its
    ICD-10 category range (the first three characters, ``diagnosis_category_from``..``_to``)
    holds a diagnosis in ``diagnosis_position`` (``any`` | ``principal``).
    """
    return _load("flexibility_windows.csv", FLEXIBILITY_WINDOWS_SCHEMA)


@functools.cache
def minutes_per_code() -> pl.DataFrame:
    """Minutes billed per unit of a code, for the OIG hours-per-visit measure.

    telekit's default (``oig_verified`` false on every row): OIG's own minute source is not
    known. ``basis`` says which descriptor time was used, ``provenance`` where it comes from.
    """
    return _load("minutes_per_code.csv", MINUTES_PER_CODE_SCHEMA).sort(HCPCS_CODE)
