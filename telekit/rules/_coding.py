"""Coding rules (CD): the code, place of service, diagnoses and NPIs themselves, on the DOS.

Every rule here reads the claim line alone (no encounter, coverage or roster). CD001, CD002 and
CD003 take precedence over other groups (declared with ``suppresses=``). CD004 and CD006 read
reference sets through window preparations: the ICD-10-CM sets and the PFS releases in force on
the DOS, shipped or given.
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
    from telekit._engine._inputs import Inputs

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
_ICD10_SHAPE = r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$"

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

    Instead (each suggestion only where the code exists on the DOS, else the fix says none
    does): 99201 → 99202; 99441-99443 → the office E/M of the MDM or time with modifier 93
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
    message="{hcpcs_code} (CPT telemedicine E/M 98000-98015) billed to {payer} "
    "({payer_type}), whose policy on {claim_line_start_date} does not accept 98000-98015; "
    "expected an office E/M 99202-99215",
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


# --- CD004 -------------------------------------------------------------------------------------

# added by ``cd004_icd10_billable``: the line's diagnoses that are not billable ICD-10-CM codes on
# the DOS ("diagnosis_code_2 F41", ...), the fiscal year of the DOS, and whether a well-shaped
# diagnosis of the line could not be judged (no ICD-10-CM set for the DOS)
UNBILLABLE = "cd004_unbillable"
FISCAL_YEAR = "cd004_fiscal_year"
NO_ICD10_SET = "cd004_no_icd10_set"


def _dx_code(expr: pl.Expr) -> pl.Expr:
    """A diagnosis as the code sets hold it: the (first) dot removed, upper case."""
    return expr.str.replace(".", "", literal=True, n=1).str.to_uppercase()


def _fiscal_year(dos: pl.Expr) -> pl.Expr:
    """ICD-10-CM fiscal year N runs from 1 October of N-1 to 30 September of N."""
    return (dos.dt.year() + (dos.dt.month() >= 10).cast(pl.Int32)).cast(pl.Int32)


def cd004_icd10_billable(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """Add ``cd004_unbillable``, ``cd004_fiscal_year`` and ``cd004_no_icd10_set``.

    Every non-null, well-shaped diagnosis of every line (the 12 columns stacked, nulls dropped
    first), then its distinct (code, DOS) pairs judged against the billable ICD-10-CM runs in
    force on the DOS (shipped or given): a join on the code and a range filter over the distinct
    pairs only, not over every line.
    """
    reference = inputs.reference
    billable = reference.icd10cm_billable().lazy()
    years = reference.icd10cm_fiscal_years().select(
        pl.col("fiscal_year").cast(pl.Int32).alias(FISCAL_YEAR), pl.lit(True).alias("_has_set")
    )
    long = pl.concat(
        [
            lf.filter(pl.col(d).is_not_null() & ~v.superseded).select(
                ROW,
                DOS,
                pl.lit(i, dtype=pl.Int8).alias("_position"),
                pl.col(d).alias("_dx"),
            )
            for i, d in enumerate(c.DIAGNOSES, start=1)
        ]
    ).with_columns(_dx_code(pl.col("_dx")).alias("_code"))
    # a malformed code is the second clause's; only well-shaped codes are looked up
    # collected once: the pairs, the findings and the unjudged lines all read it
    long = (
        long.filter(pl.col("_code").str.contains(_ICD10_SHAPE) & pl.col(DOS).is_not_null())
        .collect()
        .lazy()
    )
    pairs = (
        long.select("_code", DOS)
        .unique()
        .with_columns(_fiscal_year(pl.col(DOS)).alias(FISCAL_YEAR))
        .join(years.lazy(), on=FISCAL_YEAR, how="left")
        .with_columns(pl.col("_has_set").fill_null(False))
    )
    billable_pairs = (
        pairs.filter("_has_set")
        .join(billable, left_on="_code", right_on="code")
        .filter(
            (pl.col("valid_start_date") <= pl.col(DOS)) & (pl.col(DOS) <= pl.col("valid_end_date"))
        )
        .select("_code", DOS)
        .unique()
    )
    judged = (
        pairs.join(
            billable_pairs.with_columns(pl.lit(True).alias("_billable")),
            on=["_code", DOS],
            how="left",
        )
        .collect()
        .lazy()
    )
    bad = (
        long.join(
            judged.filter(pl.col("_has_set") & pl.col("_billable").is_null()).select("_code", DOS),
            on=["_code", DOS],
            how="semi",
        )
        .group_by(ROW)
        .agg(
            # rows are in position order (stacked column by column), kept within each group
            pl.format("diagnosis_code_{} {}", "_position", "_dx").str.join(", ").alias(UNBILLABLE)
        )
    )
    unjudged = (
        long.join(
            judged.filter(~pl.col("_has_set")).select("_code", DOS), on=["_code", DOS], how="semi"
        )
        .select(ROW)
        .unique()
        .with_columns(pl.lit(True).alias(NO_ICD10_SET))
    )
    return (
        lf.join(bad, on=ROW, how="left")
        .join(unjudged, on=ROW, how="left")
        .with_columns(
            pl.col(NO_ICD10_SET).fill_null(False),
            _fiscal_year(pl.col(DOS)).alias(FISCAL_YEAR),
        )
    )


def _diagnoses() -> pl.Expr:
    return pl.concat_list([pl.col(d) for d in c.DIAGNOSES]).list.drop_nulls()


def _malformed_diagnoses() -> pl.Expr:
    """The line's diagnosis codes that, after removing the dot, do not have the ICD-10 shape."""
    return _diagnoses().list.eval(
        pl.element().filter(
            ~pl.element().str.replace(".", "", literal=True, n=1).str.contains(_ICD10_SHAPE)
        )
    )


def _claim_has_no_diagnosis() -> pl.Expr:
    line_has = pl.any_horizontal([pl.col(d).is_not_null() for d in c.DIAGNOSES])
    return ~line_has.any().over(c.CLAIM_ID)


def _fiscal_year_text() -> pl.Expr:
    fy = pl.col(FISCAL_YEAR)
    return pl.format(
        "FY{} ICD-10-CM code set ({} to {})",
        fy,
        pl.date(fy - 1, 10, 1),
        pl.date(fy, 9, 30),
    )


def _cd004_message() -> pl.Expr:
    malformed = _malformed_diagnoses()
    shape = pl.when(malformed.list.len() > 0).then(
        pl.format(
            "diagnosis code {} is not shaped like an ICD-10-CM code; expected a letter, a "
            "digit, a letter or digit, then up to 4 letters or digits (dot optional, e.g. "
            "E11.9, F32.A)",
            malformed.list.join(", "),
        )
    )
    unbillable = pl.when(pl.col(UNBILLABLE).is_not_null()).then(
        pl.format(
            "{} is not a billable code in the {}; expected a billable code in force on the "
            "date of service (a category such as F41 or E11 is a header: the code needs all "
            "its characters)",
            pl.col(UNBILLABLE),
            _fiscal_year_text(),
        )
    )
    return (
        pl.when(_claim_has_no_diagnosis())
        .then(
            pl.format(
                "claim {} has no diagnosis on any line; expected at least a principal diagnosis "
                "(diagnosis_code_1)",
                pl.col(c.CLAIM_ID),
            )
        )
        .otherwise(pl.concat_str([shape, unbillable], separator="; ", ignore_nulls=True))
    )


def _cd004_fix() -> pl.Expr:
    malformed = _malformed_diagnoses()
    shape = pl.when(malformed.list.len() > 0).then(
        pl.format(
            "correct {} to the ICD-10-CM code documented for the encounter",
            malformed.list.join(", "),
        )
    )
    unbillable = pl.when(pl.col(UNBILLABLE).is_not_null()).then(
        pl.format(
            "replace {} with the billable code, to its full number of characters, that the "
            "record supports in the {}",
            pl.col(UNBILLABLE),
            _fiscal_year_text(),
        )
    )
    return (
        pl.when(_claim_has_no_diagnosis())
        .then(pl.lit("add the ICD-10-CM diagnosis that the record supports as diagnosis_code_1"))
        .otherwise(pl.concat_str([shape, unbillable], separator="; ", ignore_nulls=True))
    )


@rule(
    code="CD004",
    severity="error",
    message=_cd004_message,
    fix=_cd004_fix,
    claim_columns=(c.DIAGNOSES[0],),
    prepare=(cd004_icd10_billable,),
    partial_when=lambda: pl.col(NO_ICD10_SET) & ~v.superseded,
    partial_reason=(
        "lines with a diagnosis on a date of service outside every ICD-10-CM code set (shipped: "
        "FY2019-FY2026, 2018-10-01 to 2026-09-30) were not checked for billable codes; pass "
        "that fiscal year's CDC/NCHS order file with --icd10"
    ),
)
def diagnosis_missing_or_malformed() -> pl.Expr:
    """Claim without a diagnosis, or a diagnosis code malformed or not billable on the DOS.

    Three clauses. (1) A claim none of whose lines has a diagnosis (diagnosis_code_1 ...
    diagnosis_code_12 all empty on every line): every line of that claim fires. (2) A line one
    of whose diagnosis codes, after removing the dot, does not match
    ``^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$`` (a letter, a digit, a letter or digit, then up to four
    letters or digits). (3) A line one of whose diagnosis codes (all 12 positions; dot removed,
    upper case) is not a billable ICD-10-CM code in the code set in force on the DOS: fiscal
    year N runs from 1 October of N-1 to 30 September of N, with the changes dated inside a
    year (U07.1, COVID-19, billable from 2020-04-01). A category that has codes below it (a
    header such as F41 or E11) is not billable; neither is a code deleted at an October update
    after its last day, or a code added before its first. telekit ships the CDC/NCHS sets of
    FY2019-FY2026; a later year's order file can be given (``--icd10``, ``tk.audit(icd10=)``).
    For a DOS with no set, the third clause is not run for that line and the rule is
    ``partial`` with the count. The rule is skipped when the claims have no diagnosis_code_1
    column. The message names the code's position and the fiscal year's set.

    Why: HIPAA names ICD-10-CM as the diagnosis code set of professional claims, and only codes
    "valid for submission" (billable) in the release in force on the date of service are
    accepted; a code must be reported to its full number of characters, so a category with
    subcategories is invalid. A claim without a diagnosis, or with an invalid one, is returned
    as unprocessable, and coverage rules (Medicare home telehealth for mental health and
    substance use) read the diagnosis.

    Sources: ICD-10-CM Official Guidelines for Coding and Reporting, Section I.B.2 "Level of
    detail in coding" (CDC/NCHS, https://www.cdc.gov/nchs/icd/icd-10-cm/index.html); the
    ICD-10-CM code files by fiscal year, with their addenda and April updates (CDC/NCHS,
    https://www.cdc.gov/nchs/icd/icd-10-cm/files.html; CMS, ICD-10 codes,
    https://www.cms.gov/medicare/coding-billing/icd-10-codes); ICD-10-CM Official Coding
    Guidelines - Supplement, COVID-19, April 1 2020 through September 30 2020 (CDC,
    https://www.cdc.gov/nchs/data/icd/COVID-19-guidelines-final.pdf); Medicare Claims
    Processing Manual (Pub. 100-04), ch. 26 §10.2, item 21 of the CMS-1500 (up to 12 ICD-10-CM
    diagnoses), https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c26pdf.pdf.

    Example: diagnosis_code_1 ``F41`` on 2024-05-02 → error (a header in the FY2024 set: F41.0,
    F41.1, F41.9 ... are billable); ``U07.1`` on 2020-03-20 → error (billable from 2020-04-01),
    on 2020-04-01 → no finding; ``E11..9`` or ``110`` → error (malformed); ``E11.9``, ``Z79.899``
    → no finding.

    Instead: add the principal diagnosis the record supports; replace a header or a code not in
    force on the DOS with the billable code, to its full number of characters, that the record
    supports in that fiscal year's set; correct a malformed code from the record.
    """
    # one vectorised regex pass per diagnosis column (the list form is used only for messages)
    malformed = pl.any_horizontal(
        [
            ~pl.col(d).str.replace(".", "", literal=True, n=1).str.contains(_ICD10_SHAPE)
            for d in c.DIAGNOSES
        ]
    ).fill_null(False)
    return _claim_has_no_diagnosis() | malformed | pl.col(UNBILLABLE).is_not_null()


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


def npi_invalid(npi: pl.Expr) -> pl.Expr:
    """True for a non-null NPI that is not 10 digits or fails its check digit."""
    last = npi.str.slice(9, 1).cast(pl.Int32, strict=False)
    valid = (npi_check_digit(npi) == last).fill_null(value=False)
    return npi.is_not_null() & ~valid


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

    Checks every non-null rendering_npi and billing_npi: an NPI is 10 digits whose last digit is
    the Luhn check digit computed over the prefix ``80840`` followed by its first 9 digits (the
    card-issuer prefix of the ISO standard the NPI follows). A null NPI is not checked.

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


# --- CD006 -------------------------------------------------------------------------------------

# added by ``cd006_pfs_status``: the fee-schedule release in force on the DOS of a Medicare line
# (null: none), its DOS range, and the code's PFS status in it (null: the code is not in it)
PFS_RELEASE = "cd006_release"
PFS_RELEASE_RANGE = "cd006_release_range"
PFS_STATUS = "cd006_status"
# PFS status indicators this rule reads (the RVU file's documentation defines them)
_PFS_STATUS_TEXT = {
    "I": "I (not valid for Medicare purposes: Medicare uses another code for the service)",
    "N": "N (non-covered: Medicare does not cover the service)",
    "X": "X (statutory exclusion: not a physician service, never paid under the physician fee "
    "schedule)",
    "B": "B (bundled: Medicare never pays it separately; its payment is in the service it goes "
    "with)",
}
# Status X codes Medicare pays outside the physician fee schedule under a payment of their own:
# Q3014, the telehealth originating-site facility fee (SSA §1834(m)(2)(B)); TH004 judges it.
_PAID_OUTSIDE_PFS = ("Q3014",)


def _release_status(rvu: pl.DataFrame) -> pl.DataFrame:
    """One status per code: its unmodified row, else its first modifier row (as
    ``codesets.pfs_status``), from any release's RVU rows (shipped or given)."""
    return (
        rvu.sort(c.HCPCS_CODE, "modifier", nulls_last=False)
        .unique(c.HCPCS_CODE, keep="first", maintain_order=True)
        .select(c.HCPCS_CODE, pl.col("status").cast(pl.String).alias(PFS_STATUS))
    )


def cd006_pfs_status(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """Add ``cd006_release``, ``cd006_release_range`` and ``cd006_status`` to Medicare lines.

    The release for a DOS is the last of ``inputs.reference.fee_schedules`` (shipped first, then
    given) whose valid_start_date..valid_end_date holds it; found per distinct DOS (a cross join
    of a few thousand dates with a few releases), then joined to the lines with the code.
    """
    releases = inputs.reference.fee_schedules
    null_cols = [
        pl.lit(None, dtype=pl.String).alias(PFS_RELEASE),
        pl.lit(None, dtype=pl.String).alias(PFS_RELEASE_RANGE),
        pl.lit(None, dtype=pl.String).alias(PFS_STATUS),
    ]
    if not releases:
        return lf.with_columns(null_cols)
    table = pl.DataFrame(
        {
            "_index": list(range(len(releases))),
            PFS_RELEASE: [fs.release for fs in releases],
            PFS_RELEASE_RANGE: [
                f"{fs.valid_start_date.isoformat()} to {fs.valid_end_date.isoformat()}"
                for fs in releases
            ],
            "_start": [fs.valid_start_date for fs in releases],
            "_end": [fs.valid_end_date for fs in releases],
        },
        schema={
            "_index": pl.Int32,
            PFS_RELEASE: pl.String,
            PFS_RELEASE_RANGE: pl.String,
            "_start": pl.Date,
            "_end": pl.Date,
        },
    )
    statuses = pl.concat(
        [
            _release_status(fs.rvu).with_columns(pl.lit(i, dtype=pl.Int32).alias("_index"))
            for i, fs in enumerate(releases)
        ]
    )
    medicare = lf.filter(v.is_medicare & pl.col(DOS).is_not_null()).select(ROW, DOS, c.HCPCS_CODE)
    release_of_dos = (
        medicare.select(DOS)
        .unique()
        .join(table.lazy(), how="cross")
        .filter((pl.col("_start") <= pl.col(DOS)) & (pl.col(DOS) <= pl.col("_end")))
        .group_by(DOS)
        .agg(pl.all().sort_by("_index").last())
        .select(DOS, "_index", PFS_RELEASE, PFS_RELEASE_RANGE)
    )
    judged = (
        medicare.join(release_of_dos, on=DOS, how="inner")
        .join(statuses.lazy(), on=["_index", c.HCPCS_CODE], how="left")
        .select(ROW, PFS_RELEASE, PFS_RELEASE_RANGE, PFS_STATUS)
    )
    return lf.join(judged, on=ROW, how="left")


def _cd006_severity() -> pl.Expr:
    """B: a warning with no amount (DESIGN). X: a warning too — status X says the PFS does not pay
    the code, not that Medicare does not (labs are paid on the clinical laboratory fee schedule,
    ambulance on its own): whether another benefit pays it is not in the RVU file."""
    return pl.when(pl.col(PFS_STATUS).is_in(("B", "X"))).then(pl.lit("warning"))


def _cd006_message() -> pl.Expr:
    status = pl.col(PFS_STATUS)
    consequence = (
        pl.when(status == "I")
        .then(pl.lit("Medicare denies it"))
        .when(status == "N")
        .then(pl.lit("Medicare denies it as not covered"))
        .when(status == "X")
        .then(
            pl.lit(
                "the physician fee schedule does not pay it; Medicare pays it only under "
                "another benefit (e.g. the clinical laboratory fee schedule), to whoever that "
                "benefit pays"
            )
        )
        .otherwise(pl.lit("Medicare pays nothing for it on this line"))
    )
    return pl.format(
        "{} billed to Medicare on {} has PFS status {} in the Medicare physician fee schedule "
        "relative value file, release {} (prices {}): {}; expected a code Medicare pays",
        CODE,
        pl.col(DOS),
        _lookup(status, _PFS_STATUS_TEXT, "?"),
        pl.col(PFS_RELEASE),
        pl.col(PFS_RELEASE_RANGE),
        consequence,
    )


def _cd006_fix() -> pl.Expr:
    status = pl.col(PFS_STATUS)
    return (
        pl.when(status == "I")
        .then(
            pl.lit(
                "bill the HCPCS code Medicare uses for the service furnished (its status-A or "
                "status-R code in the same release), or no code when Medicare has none"
            )
        )
        .when(status == "N")
        .then(
            pl.lit(
                "not payable by Medicare: do not bill it for payment; where the patient or a "
                "secondary payer needs Medicare's denial, bill it with modifier GY (statutorily "
                "excluded or not a Medicare benefit)"
            )
        )
        .when(status == "X")
        .then(
            pl.lit(
                "bill it to Medicare only where another Medicare benefit pays it (e.g. a "
                "clinical laboratory test, by the laboratory enrolled for it), else with "
                "modifier GY when a denial is needed"
            )
        )
        .otherwise(
            pl.lit(
                "no separate payment: its payment is included in the service it accompanies; "
                "expect nothing for it (report it only where the payer asks for it)"
            )
        )
    )


@rule(
    code="CD006",
    severity="error",
    message=_cd006_message,
    fix=_cd006_fix,
    prepare=(cd006_pfs_status,),
    line_severity=_cd006_severity,
    partial_when=lambda: v.is_medicare & pl.col(PFS_RELEASE).is_null() & ~v.superseded,
    partial_reason=(
        "Medicare lines on a date of service no fee-schedule release covers (shipped: "
        "2023-01-01 to 2023-12-31 and 2024-03-09 to 2024-12-31) were not judged; pass the "
        "CMS RVU file of that period"
    ),
)
def code_not_payable_by_medicare() -> pl.Expr:
    """Medicare line whose code the physician fee schedule marks not payable (status I, N, X, B).

    Checks each Medicare (payer_type ``medicare``) line against the PFS status indicator of its
    code in the fee-schedule release that prices the DOS (the code's unmodified row of CMS's
    national relative value file). Shipped: the 2023 January release (DOS 2023-01-01 to
    2023-12-31) and the 2024 July release (2024-03-09 to 2024-12-31); a release given to the
    audit adds its own dates and wins where it overlaps. Fires with status ``I`` (not valid for
    Medicare: Medicare uses another code, e.g. 99358 or 99417) and ``N``
    (non-covered, e.g. the preventive visits 99381-99397) as errors. Status ``B`` (bundled:
    never paid separately, e.g. 99072, or G2211 in 2023) is a warning with no amount. Status
    ``X`` (statutory exclusion) is also a warning with no amount, not an error: X means the
    service is not a physician service paid under the fee schedule, and Medicare may still pay
    it under another benefit (clinical laboratory tests such as 36415 on the laboratory fee
    schedule), which the RVU file cannot tell. Q3014 (status X), the telehealth
    originating-site fee paid under SSA §1834(m)(2)(B), never fires (TH004 judges it). A DOS no
    release covers is not judged: the rule is ``partial`` with the count. A code absent from the
    release is not judged. The message names the status and the release. 99417 billed to
    Medicare is TM004's (Medicare pays G2212), which suppresses this rule on it.

    Why: Medicare's claims systems price a line from the fee-schedule database of the DOS; a
    status-I code is denied for an invalid code, a status-N code as a non-covered service, a
    status-B code is never paid separately. Billing a code Medicare does not pay delays the
    claim and, where the denial is not worked, loses the payment of the code Medicare does use.

    Sources: CMS, PFS Relative Value Files (national RVU file and its documentation, which
    defines the status codes A, B, C, E, I, J, M, N, P, R, T, X),
    https://www.cms.gov/medicare/payment/fee-schedules/physician/pfs-relative-value-files;
    CY 2021 Medicare PFS final rule, 85 FR 84472 (December 28, 2020: G2212 for prolonged
    office visits, 99417 not recognised); Medicare Claims Processing Manual (Pub. 100-04),
    ch. 12 §190 (telehealth, with the originating-site facility fee Q3014),
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c12.pdf.

    Example: ``99358`` billed to Medicare on 2024-05-06 → error (status I in the 2024-07
    release); ``99395`` → error (status N); ``99072`` → warning, no amount (status
    B); ``99213`` → no finding (status A); any code on 2024-02-01 → not judged (no shipped
    release prices 2024-01-01 to 2024-03-08).

    Instead: for status I, the code Medicare uses for the service furnished (99417 → G2212,
    98000-98015 → 99202-99215);
    for status N, no claim for payment (modifier GY where a denial is needed); for status B, no
    separate payment is expected; for status X, bill it only under the benefit that pays it.
    """
    return (
        v.is_medicare
        & pl.col(PFS_STATUS).is_in(tuple(_PFS_STATUS_TEXT))
        & ~CODE.is_in(_PAID_OUTSIDE_PFS)
    )
