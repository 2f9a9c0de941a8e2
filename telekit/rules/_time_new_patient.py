"""TM007: a new-patient E/M code billed for a patient the practice saw in the three years before
(the time-and-level rules' catalog group, ``TM``; its window is an as-of join per person)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._engine._windows import DOS, ROW
from telekit.rules._keys import asof_on_key
from telekit.rules._time import CODE, _text

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs


# --- TM007 -------------------------------------------------------------------------------------


def _code_range(lo: int, hi: int) -> tuple[str, ...]:
    return tuple(str(x) for x in range(lo, hi + 1))


# DESIGN TM007: new-patient office E/M codes judged, and the face-to-face E/M codes that make a
# patient established
# (DESIGN names 99202–99205 and 98000–98003; the audio-only new-patient codes 98008–98011 are
# new-patient codes by the same CPT definition and are judged too)
NEW_PATIENT_CODES = (
    *_code_range(99202, 99205),
    *_code_range(98000, 98003),
    *_code_range(98008, 98011),
)
FACE_TO_FACE_EM = (
    *_code_range(99202, 99215),
    *_code_range(99221, 99239),
    *_code_range(99242, 99255),
    *_code_range(99281, 99285),
    *_code_range(99304, 99316),
    *_code_range(99341, 99350),
    *_code_range(99381, 99397),
    *_code_range(98000, 98015),
)
# the established-patient code of the same level
ESTABLISHED_CODE = {
    **{str(99202 + i): str(99212 + i) for i in range(4)},
    **{str(98000 + i): str(98004 + i) for i in range(4)},
    **{str(98008 + i): str(98012 + i) for i in range(4)},
}
TM007_PRIOR_CODE = "tm007_prior_code"
TM007_PRIOR_DAYS = "tm007_prior_days"
TM007_SAME_NPI = "tm007_same_npi"
LOOK_BACK = "3y"


def tm007_prior_em(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """For each new-patient E/M line: the latest face-to-face E/M of the same person strictly
    before its DOS by the same rendering NPI, else by the same billing NPI and a rendering NPI of
    the same roster provider_type (as-of joins; superseded lines take no part). Adds the prior
    line's code, the days between, and whether it was the same rendering NPI."""
    live = lf.filter(v.not_superseded)
    keys = [c.PERSON_ID, c.RENDERING_NPI, c.BILLING_NPI, v.PROV_TYPE]
    # collected once: both as-of joins read them
    targets = (
        live.filter(CODE.is_in(NEW_PATIENT_CODES))
        .select(ROW, DOS, *keys)
        .sort(DOS)
        .collect(engine=IN_MEMORY)
    )
    anchors = (
        live.filter(CODE.is_in(FACE_TO_FACE_EM))
        .join(targets.lazy().select(c.PERSON_ID), on=c.PERSON_ID, how="semi")
        .select(*keys, pl.col(DOS).alias("_prior_dos"), CODE.alias("_prior_code"))
        .sort("_prior_dos")
        .collect(engine=IN_MEMORY)
    )

    def latest(frame: pl.DataFrame, by: list[str], tag: str) -> pl.LazyFrame:
        # groups found by the key's hash, exactly (`asof_on_key`)
        return (
            asof_on_key(
                frame.lazy(),
                anchors.lazy().select(*by, "_prior_dos", "_prior_code"),
                by,
                left_on=DOS,
                right_on="_prior_dos",
                strategy="backward",
                allow_exact_matches=False,  # the same DOS does not count
                check_sortedness=False,  # sorted by date above; polars cannot check in groups
            )
            .lazy()
            .filter(pl.col("_prior_dos") > pl.col(DOS).dt.offset_by(f"-{LOOK_BACK}"))
            .select(
                ROW,
                pl.col("_prior_code").alias(f"_code_{tag}"),
                (pl.col(DOS) - pl.col("_prior_dos")).dt.total_days().alias(f"_days_{tag}"),
            )
        )

    by_npi = latest(targets, [c.PERSON_ID, c.RENDERING_NPI], "npi")
    group = [c.PERSON_ID, c.BILLING_NPI, v.PROV_TYPE]
    by_group = latest(targets.drop_nulls(group), group, "group")
    found = (
        targets.lazy()
        .select(ROW)
        .join(by_npi, on=ROW, how="left")
        .join(by_group, on=ROW, how="left")
        .select(
            ROW,
            pl.coalesce("_code_npi", "_code_group").alias(TM007_PRIOR_CODE),
            pl.coalesce("_days_npi", "_days_group").cast(pl.Int64).alias(TM007_PRIOR_DAYS),
            pl.col("_code_npi").is_not_null().alias(TM007_SAME_NPI),
        )
    )
    return lf.join(found, on=ROW, how="left")


def _tm007_message() -> pl.Expr:
    by = (
        pl.when(pl.col(TM007_SAME_NPI))
        .then(pl.lit("by the same rendering NPI"))
        .otherwise(pl.format("by another {} of the same billing NPI", _text(v.prov_type)))
    )
    return pl.format(
        "{} is a new-patient code, but the patient had E/M {} {} days earlier {} (within 3 years)",
        CODE,
        _text(pl.col(TM007_PRIOR_CODE)),
        _text(pl.col(TM007_PRIOR_DAYS)),
        by,
    )


def _tm007_fix() -> pl.Expr:
    established = CODE.replace_strict(ESTABLISHED_CODE, default=None, return_dtype=pl.String)
    return pl.format(
        "bill {} (the established-patient code of the same level) instead of {}",
        _text(established),
        CODE,
    )


@rule(
    code="TM007",
    severity="error",
    message=_tm007_message,
    fix=_tm007_fix,
    partial_tables=("providers",),
    prepare=(tm007_prior_em,),
)
def new_patient_code_for_established_patient() -> pl.Expr:
    """New-patient office E/M billed for a patient the practice saw in the three years before.

    Checks 99202–99205, 98000–98003 and 98008–98011 lines whose person had a face-to-face E/M
    line (99202–99215, 99221–99239, 99242–99255, 99281–99285, 99304–99316, 99341–99350,
    99381–99397, 98000–98015) with an earlier DOS in the three years before (DOS − 3 years <
    earlier DOS < DOS; a line on the same DOS does not count) either by the same rendering NPI,
    or by the same billing NPI and a rendering NPI whose roster provider_type is the same as the
    line's (the same group practice and the same specialty). Lines of superseded claims are never
    flagged and never count as the earlier visit. Without a provider roster only the
    same-rendering-NPI clause runs (the rule is partial). The audio-only new-patient codes
    98008–98011 are new-patient codes by the same CPT definition and are judged like 98000–98003.

    Why: a new patient is one who has received no professional face-to-face service from the
    physician or qualified health care professional, or from another of the exact same specialty
    in the same group practice, within the past three years; Medicare reads "same specialty" as
    the same Medicare enrollment specialty. New-patient visits are paid more than established
    ones, and Medicare contractors recoup a new-patient code billed within three years of an
    earlier service of the same physician or group and specialty.

    Sources: AMA, CPT Evaluation and Management (E/M) Services Guidelines, "New and Established
    Patients", https://www.ama-assn.org/system/files/2023-e-m-descriptors-guidelines.pdf;
    Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §30.6.7 (definition of new patient),
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/downloads/clm104c12.pdf; CMS
    MLN "Evaluation and Management Services Guide" (MLN006764),
    https://www.cms.gov/files/document/mln006764-evaluation-management-services.pdf.

    Example: 99213 on 2022-05-10 and 99204 on 2024-03-15 by the same rendering NPI for the same
    person → fires on 99204 (675 days earlier); bill 99214. The same 99204 by another MD of the
    same billing NPI fires too; by an NP of that group, or more than three years later, it does
    not.

    Instead: the established-patient code of the same level (99212–99215 for 99202–99205,
    98004–98007 for 98000–98003, 98012–98015 for 98008–98011).
    """
    return CODE.is_in(NEW_PATIENT_CODES) & pl.col(TM007_PRIOR_CODE).is_not_null()
