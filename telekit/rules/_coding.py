"""Coding rules (CD): the code, place of service, diagnoses and NPIs themselves, on the DOS.

Every rule here reads the claim line alone (no encounter, coverage or roster). CD001, CD002 and
CD003 take precedence over other groups (declared with ``suppresses=``). CD004 and CD006, which
read reference sets (ICD-10-CM, the PFS), are in ``telekit.rules._coding_reference``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from telekit import codesets
from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule

if TYPE_CHECKING:
    pass

DOS = c.CLAIM_LINE_START_DATE
ROW = v.ROW
CODE = pl.col(c.HCPCS_CODE)
POS = pl.col(c.PLACE_OF_SERVICE_CODE)

# DESIGN §3: "98000-98015" (the CPT 2025 telemedicine E/M codes)
CPT_TELEMEDICINE = tuple(str(n) for n in range(98000, 98016))
# the office E/M of the same patient status and MDM level (98000+i audio-video, 98008+i audio-only)
_OFFICE_EM_OF_TELEMEDICINE = {
    **{str(98000 + i): code for i, code in enumerate(("99202", "99203", "99204", "99205"))},
    **{str(98004 + i): code for i, code in enumerate(("99212", "99213", "99214", "99215"))},
    **{str(98008 + i): code for i, code in enumerate(("99202", "99203", "99204", "99205"))},
    **{str(98012 + i): code for i, code in enumerate(("99212", "99213", "99214", "99215"))},
}
_TELEPHONE_EM = ("99441", "99442", "99443")

# CD001: what to bill instead of a code outside its validity: (the text, the codes it suggests).
# The text is given only where every suggested code is valid on the DOS (telekit's code table);
# otherwise the fix says no replacement exists on that date. Texts read "bill CODES (why)".
_CD001_FIXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "99201": (
        "bill 99202 (99201 was deleted on 2021-01-01; 99202 is the straightforward new-patient "
        "office visit)",
        ("99202",),
    ),
    "G2012": ("bill 98016 (the brief virtual check-in that replaced G2012)", ("98016",)),
    "G2061": (
        "bill 98970 (online digital assessment by a non-physician, 5-10 minutes)",
        ("98970",),
    ),
    "G2062": (
        "bill 98971 (online digital assessment by a non-physician, 11-20 minutes)",
        ("98971",),
    ),
    "G2063": ("bill 98972 (online digital assessment by a non-physician, 21+ minutes)", ("98972",)),
    "98016": ("bill G2012 (the brief virtual check-in before 98016 replaced it)", ("G2012",)),
    "99445": (
        "bill 99454 (the device-supply code before 2026) only when 16 or more days of data "
        "were recorded, else nothing",
        ("99454",),
    ),
    "99470": (
        "bill 99457 (treatment management before 2026) only when management reached 20 "
        "minutes, else nothing",
        ("99457",),
    ),
    "98979": (
        "bill 98980 (treatment management before 2026) only when management reached 20 "
        "minutes, else nothing",
        ("98980",),
    ),
    **{
        code: (
            f"bill {supply} (the device-supply code before 2026) only when 16 or more days of "
            "data were recorded, else nothing",
            (supply,),
        )
        for code, supply in (("98984", "98976"), ("98985", "98977"), ("98986", "98978"))
    },
    **{
        tm: (
            f"bill {em} (the office E/M of the same level"
            + (", with modifier 93 for audio-only)" if int(tm) >= 98008 else ")"),
            (em,),
        )
        for tm, em in _OFFICE_EM_OF_TELEMEDICINE.items()
    },
}
# 99441-99443 (deleted 2025-01-01): the audio-only telemedicine E/M where the payer accepts them,
# else the office E/M with modifier 93
_TELEPHONE_FIX_CPT = (
    "bill the audio-only telemedicine E/M for the MDM or time: 98008-98011 (new patient) or "
    "98012-98015 (established)",
    ("98008", "98011", "98012", "98015"),
)
_TELEPHONE_FIX_OFFICE = (
    "bill the office E/M for the MDM or time (99202-99205 new, 99212-99215 established) with "
    "modifier 93 (audio-only)",
    ("99202", "99205", "99212", "99215"),
)
_NO_REPLACEMENT = (
    "no code in telekit's code table replaces it on the date of service: bill only a code in "
    "effect on the DOS that describes the service furnished, or nothing"
)


@cache
def _code_validity() -> dict[str, list[tuple[dt.date | None, dt.date | None]]]:
    """Each code's validity periods in telekit's code table."""
    out: dict[str, list[tuple[dt.date | None, dt.date | None]]] = {}
    for code, start, end in (
        codesets.hcpcs().select(c.HCPCS_CODE, "valid_start_date", "valid_end_date").iter_rows()
    ):
        out.setdefault(code, []).append((start, end))
    return out


def valid_on_dos(code: str) -> pl.Expr:
    """True where ``code`` is valid on the line's DOS by telekit's code table (False for a code
    the table does not hold: a fix never suggests a code telekit cannot date)."""
    periods = _code_validity().get(code, [])
    if not periods:
        return pl.lit(value=False)
    dos = pl.col(DOS)
    return pl.any_horizontal(
        [
            (pl.lit(value=True) if start is None else dos >= start)
            & (pl.lit(value=True) if end is None else dos <= end)
            for start, end in periods
        ]
    )


def _suggest(text: str, codes: tuple[str, ...]) -> pl.Expr:
    """``text`` where every suggested code is valid on the DOS, else the no-replacement text."""
    valid = pl.all_horizontal([valid_on_dos(code) for code in codes])
    return pl.when(valid).then(pl.lit(text)).otherwise(pl.lit(_NO_REPLACEMENT))


def _periods_text(frame: pl.DataFrame, key: str) -> dict[str, str]:
    """Each code's validity periods as text ("2008-01-01 to 2024-12-31; ..."), from a code set.

    Back-to-back periods (a descriptor change: POS 02 to 2021-12-31, then from 2022-01-01) read
    as one.
    """
    start, end = pl.col("valid_start_date"), pl.col("valid_end_date")
    previous_end = end.shift(1).over(key)
    new_period = (
        previous_end.is_null() | start.is_null() | (start != previous_end.dt.offset_by("1d"))
    )
    merged = (
        frame.select(pl.col(key), start, end)
        .sort(key, "valid_start_date", nulls_last=False)
        .with_columns(new_period.cum_sum().over(key).alias("_period"))
        .group_by(key, "_period", maintain_order=True)
        .agg(start.first(), end.last())
    )
    text = (
        pl.when(start.is_null() & end.is_null())
        .then(pl.lit("no date limits"))
        .when(start.is_null())
        .then(pl.format("through {}", end))
        .when(end.is_null())
        .then(pl.format("from {}", start))
        .otherwise(pl.format("{} to {}", start, end))
    )
    periods = merged.group_by(key, maintain_order=True).agg(text.str.join("; ").alias("text"))
    return dict(zip(periods[key].to_list(), periods["text"].to_list(), strict=True))


@cache
def _code_periods() -> dict[str, str]:
    return _periods_text(codesets.hcpcs(), c.HCPCS_CODE)


@cache
def _pos_periods() -> dict[str, str]:
    return _periods_text(codesets.place_of_service(), c.PLACE_OF_SERVICE_CODE)


def _lookup(expr: pl.Expr, table: dict[str, str], default: str) -> pl.Expr:
    return expr.replace_strict(table, default=pl.lit(default), return_dtype=pl.String)


# --- CD001 -------------------------------------------------------------------------------------


def _cd001_message() -> pl.Expr:
    return pl.format(
        "{} is not valid on {} (the code set has it {}); expected a code in effect on the date "
        "of service",
        CODE,
        pl.col(DOS),
        _lookup(CODE, _code_periods(), "with other dates"),
    )


def _cd001_fix() -> pl.Expr:
    accepts = v.policy_accepts_cpt_telemedicine_codes.fill_null(value=False)
    telephone = CODE.is_in(_TELEPHONE_EM)
    return pl.coalesce(
        pl.when(telephone & accepts).then(_suggest(*_TELEPHONE_FIX_CPT)),
        pl.when(telephone).then(_suggest(*_TELEPHONE_FIX_OFFICE)),
        *(
            pl.when(CODE.eq(code)).then(_suggest(text, codes))
            for code, (text, codes) in _CD001_FIXES.items()
        ),
        pl.lit(_NO_REPLACEMENT),
    )


@rule(
    code="CD001",
    suppresses=("TH", "PS", "MD", "TM", "FQ", "AD", "PR"),
    severity="error",
    message=_cd001_message,
    fix=_cd001_fix,
)
def code_not_valid_on_date() -> pl.Expr:
    """HCPCS/CPT code billed on a date of service outside the code's validity.

    Checks each line whose code is in telekit's code table (``telekit/codesets/hcpcs.csv``) and
    fires when the DOS falls outside every validity period the table gives it: 99201 from
    2021-01-01; 99441-99443 and G2012 from 2025-01-01; G2061-G2063 outside 2020; 98000-98016
    before 2025-01-01; 99445, 99470, 98979 and 98984-98986 before 2026-01-01. Codes telekit does
    not know never fire (they are counted in summary.json ``unknown_codes``).

    Why: payers edit claims against the code set in force on the DOS; a deleted or not yet
    effective code is rejected or denied as invalid for the date. The AMA deleted 99201 when the
    office E/M guidelines changed on 2021-01-01; CPT 2025 deleted the telephone E/M 99441-99443
    and added the telemedicine E/M 98000-98015 and the virtual check-in 98016 (which replaced
    Medicare's G2012); CMS created G2061-G2063 for 2020 only, then recognised 98970-98972; CPT
    2026 added the short remote-monitoring codes 99445, 99470, 98979 and 98984-98986.

    Sources: CMS, HCPCS quarterly update files,
    https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system/quarterly-update;
    AMA, CPT evaluation and management (E/M) code and guideline changes,
    https://www.ama-assn.org/practice-management/cpt/cpt-evaluation-and-management; CY 2021
    Medicare PFS final rule, 85 FR 84472 (December 28, 2020); CY 2025 Medicare PFS final rule,
    89 FR 97710 (December 9, 2024: 99441-99443 deleted, G2012 replaced by 98016); CMS,
    Physician Fee Schedule, https://www.cms.gov/medicare/payment/fee-schedules/physician.

    Example: ``99441`` (telephone E/M) on 2025-02-03 → error; on 2024-12-31 → no finding.

    Instead: (each suggestion only where the code exists on the DOS, else the fix says none
    does) 99201 → 99202; 99441-99443 → the office E/M of the MDM or time with modifier 93
    (Medicare), or 98008-98015 where the payer accepts them; G2012 → 98016; 98016 before 2025
    → G2012; G2061-G2063 → 98970-98972; 98000-98015 before 2025 → the office E/M of the same
    level; the 2026 remote-monitoring codes before 2026 → 99454, 99457, 98976-98978 or 98980
    only when their longer thresholds were met.

    This rule suppresses the TH, PS, MD, TM, FQ, AD and PR findings on the same line.
    """
    return v.code_known & ~v.code_valid_on_dos


# --- CD002 -------------------------------------------------------------------------------------


def _cd002_message() -> pl.Expr:
    return (
        pl.when(~v.pos_known)
        .then(
            pl.format(
                "POS {} is not in the CMS Place of Service code set; expected a CMS POS code "
                "(e.g. 11 office, 02 or 10 telehealth)",
                POS,
            )
        )
        .otherwise(
            pl.format(
                "POS {} is not in effect on {} (the CMS code set has it {}); expected a POS in "
                "effect on the date of service",
                POS,
                pl.col(DOS),
                _lookup(POS, _pos_periods(), "with other dates"),
            )
        )
    )


def _cd002_fix() -> pl.Expr:
    in_person = v.policy_telehealth_pos == "in_person+95"
    return (
        pl.when(~v.pos_known)
        .then(pl.lit("use a POS from the CMS code set (02 or 10 for telehealth, 11 office)"))
        .when((POS == "10") & in_person)
        .then(
            pl.lit(
                "use the POS the visit would have had in person (e.g. 11) with modifier 95 "
                "(POS 10 took effect on 2022-01-01)"
            )
        )
        .when(POS == "10")
        .then(pl.lit("use POS 02 (POS 10 took effect on 2022-01-01)"))
        .when(POS == "02")
        .then(
            pl.lit(
                "use the POS the visit would have had in person (e.g. 11) with modifier GT "
                "(POS 02 took effect on 2017-01-01)"
            )
        )
        .otherwise(pl.lit("use a POS in effect on the date of service"))
    )


@rule(
    code="CD002",
    suppresses=("PS",),
    severity="error",
    message=_cd002_message,
    fix=_cd002_fix,
)
def place_of_service_not_valid_on_date() -> pl.Expr:
    """Place of service not in the CMS code set, or not in effect on the date of service.

    Checks the line's POS against the CMS Place of Service Code Set shipped with telekit
    (``telekit/codesets/place_of_service.csv``, with effective dates). Fires when the code is not
    in the set at all (e.g. ``00``), or when the DOS is outside its effective period: POS 02
    (telehealth) before 2017-01-01, POS 10 (telehealth in the patient's home) before 2022-01-01.

    Why: a POS the payer's edit tables do not hold on the DOS makes the line unprocessable or
    denied for an invalid place of service. POS 10 exists from 2022-01-01 (Medicare implemented
    it on 2022-04-04 under CR 12427); POS 02 from 2017-01-01.

    Sources: CMS, Place of Service Code Set,
    https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets; Medicare Claims
    Processing Manual (Pub. 100-04), ch. 26 §10.5 (place of service codes),
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c26pdf.pdf;
    CMS Pub. 100-04 Transmittal 11045 (October 13, 2021), CR 12427 "New/Modifications to the
    Place of Service (POS) Codes for Telehealth", https://www.cms.gov/files/document/r11045cp.pdf.

    Example: POS ``10`` on 2021-12-31 → error; on 2022-01-01 → no finding.

    Instead: before 2022 bill POS 02, or, where the payer then asked for it (Medicare
    2020-03-01 to 2023-12-31), the in-person POS with modifier 95; before 2017 the in-person POS
    with modifier GT.

    This rule suppresses the PS findings on the same line.
    """
    return ~v.pos_valid_on_dos


# --- CD003 -------------------------------------------------------------------------------------


def _cd003_fix() -> pl.Expr:
    em = _lookup(CODE, _OFFICE_EM_OF_TELEMEDICINE, "the office E/M of the same level")
    audio_only = CODE.cast(pl.Int32, strict=False) >= 98008
    return (
        pl.when(audio_only)
        .then(pl.format("bill {} (office E/M of the same level) with modifier 93 (audio-only)", em))
        .otherwise(pl.format("bill {} (office E/M of the same level) with POS 02 or 10", em))
    )


@rule(
    code="CD003",
    suppresses=("TH001", "TM001", "TM002", "MD"),
    severity="error",
    message=lambda: pl.format(
        "{} (CPT telemedicine E/M 98000-98015) billed to {} ({}), whose policy on {} does not "
        "accept 98000-98015; expected an office E/M 99202-99215",
        pl.col(c.HCPCS_CODE),
        v.payer_shown,
        pl.col(c.PAYER_TYPE).cast(pl.String).fill_null("(none)"),
        pl.col(c.CLAIM_LINE_START_DATE).cast(pl.String),
    ),
    fix=_cd003_fix,
)
def cpt_telemedicine_code_not_accepted() -> pl.Expr:
    """CPT telemedicine E/M code (98000-98015) billed to a payer that does not accept it.

    Checks lines coded 98000-98015 and fires when the payer's policy on the DOS
    (``accepts_cpt_telemedicine_codes`` in policies.toml) is false. Built-in defaults: Medicare
    and Medicare Advantage do not accept them; commercial, Medicaid and other payers do. A
    payer's own policy overrides the default.

    Why: CMS did not adopt 98000-98015 for Medicare (PFS status I: not valid for Medicare, so
    denied); Medicare telehealth visits are still billed 99202-99215 with POS 02 or 10, and
    modifier 93 when audio-only. 98016 (virtual check-in) is outside this range and payable by
    Medicare.

    Sources: CY 2025 Medicare PFS final rule, 89 FR 97710 (December 9, 2024), telehealth
    section (98000-98015 not recognised, 98016 recognised); CMS, PFS Relative Value Files
    (status indicator I), https://www.cms.gov/medicare/payment/fee-schedules/physician/pfs-relative-value-files;
    Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §190 (telehealth),
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c12.pdf.

    Example: ``98005`` to payer_type medicare on 2025-03-03 → error; to a commercial payer →
    no finding.

    Instead: the office E/M of the same patient status and MDM level (98000-98003 and
    98008-98011 → 99202-99205; 98004-98007 and 98012-98015 → 99212-99215), with modifier 93 for
    the audio-only codes 98008-98015.

    This rule suppresses TH001, TM001, TM002 and the MD findings on the same line.
    """
    return v.is_cpt_telemedicine & (v.policy_accepts_cpt_telemedicine_codes.not_())


# --- CD005 -------------------------------------------------------------------------------------

# Luhn over "80840" + the NPI: counting from the check digit (position 1), the NPI's 9th, 7th, 5th,
# 3rd and 1st digits sit at even positions and are doubled; the prefix digits 0, 4, 8, 0, 8 sit at
# positions 11-15, so only the 4 is doubled and the prefix always adds 0 + 8 + 8 + 0 + 8 = 24.
_NPI_PREFIX_SUM = 24


def npi_check_digit(npi: pl.Expr) -> pl.Expr:
    """The check digit an NPI's first 9 digits call for (null unless the NPI is 10 digits)."""
    digits = [npi.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(9)]
    total: pl.Expr = pl.lit(_NPI_PREFIX_SUM, dtype=pl.Int32)
    for i, d in enumerate(digits):
        if i % 2 == 0:
            doubled = d * 2
            total = total + doubled - pl.when(doubled > 9).then(9).otherwise(0)
        else:
            total = total + d
    return pl.when(npi.str.contains(r"^[0-9]{10}$")).then((10 - total % 10) % 10)


def _npi_invalid_each(npi: pl.Expr) -> pl.Expr:
    last = npi.str.slice(9, 1).cast(pl.Int32, strict=False)
    valid = (npi_check_digit(npi) == last).fill_null(value=False)
    return npi.is_not_null() & ~valid


def npi_invalid(npi: pl.Expr) -> pl.Expr:
    """True for a non-null NPI that is not 10 digits or fails its check digit (tested once per
    distinct NPI: a practice bills under a few)."""
    return v.on_distinct(npi, _npi_invalid_each)


def _npi_problem(column: str, label: str) -> pl.Expr:
    npi = pl.col(column)
    return (
        pl.when(npi.is_not_null() & ~npi.str.contains(r"^[0-9]{10}$"))
        .then(pl.format("{} NPI {} is not 10 digits", pl.lit(label), npi))
        .when(npi_invalid(npi))
        .then(
            pl.format(
                "{} NPI {} fails the check digit (its first 9 digits call for a last digit of {})",
                pl.lit(label),
                npi,
                npi_check_digit(npi),
            )
        )
    )


def _cd005_message() -> pl.Expr:
    found = pl.concat_str(
        [_npi_problem(c.RENDERING_NPI, "rendering"), _npi_problem(c.BILLING_NPI, "billing")],
        separator="; ",
        ignore_nulls=True,
    )
    return pl.format(
        "{}; expected 10 digits passing the Luhn check over 80840 + the first 9 digits", found
    )


def _cd005_fix() -> pl.Expr:
    which = pl.concat_str(
        [
            pl.when(npi_invalid(pl.col(c.RENDERING_NPI))).then(pl.lit("rendering")),
            pl.when(npi_invalid(pl.col(c.BILLING_NPI))).then(pl.lit("billing")),
        ],
        separator=" and ",
        ignore_nulls=True,
    )
    return pl.format("correct the {} NPI from the NPPES registry (npiregistry.cms.hhs.gov)", which)


@rule(
    code="CD005",
    severity="error",
    message=_cd005_message,
    fix=_cd005_fix,
)
def npi_check_digit_invalid() -> pl.Expr:
    """Rendering or billing NPI that is not 10 digits or fails the NPI check digit.

    Checks every rendering and billing NPI given: an NPI is 10 digits whose last digit is
    the Luhn check digit computed over the prefix ``80840`` followed by its first 9 digits (the
    card-issuer prefix of the ISO standard the NPI follows). An empty NPI is not checked.

    Why: a mistyped NPI is rejected at the front end as an invalid provider identifier or, worse,
    pays another provider; the check digit catches every single-digit error and most
    transpositions. The NPI is the only provider identifier HIPAA allows on claims.

    Sources: CMS, Requirements for the NPI check digit,
    https://www.cms.gov/Regulations-and-Guidance/Administrative-Simplification/NationalProvIdentStand/Downloads/NPIcheckdigit.pdf;
    45 CFR 162.406 (the NPI standard); NPPES NPI Registry, https://npiregistry.cms.hhs.gov.

    Example: rendering_npi ``1234567890`` → error (the first 9 digits call for a last digit of
    3: ``1234567893`` passes).

    Instead: correct the NPI from the provider's NPPES record; never compute a check digit to
    make a number pass.
    """
    return npi_invalid(pl.col(c.RENDERING_NPI)) | npi_invalid(pl.col(c.BILLING_NPI))
