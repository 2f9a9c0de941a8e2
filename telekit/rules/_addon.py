"""Add-on codes billed without their primary service (AD001), and the same-day / same-month
primary look-ups it shares with TM004 (preparation ``same_day_codes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._engine._windows import DOS, ROW

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

CODE = pl.col(c.HCPCS_CODE)

PSYCH_ADDONS = ("90833", "90836", "90838")
# DESIGN AD001: 90785 needs 90791, 90792, 90832–90838 or 90853
INTERACTIVE_COMPLEXITY_PRIMARIES = (
    "90791", "90792", *(str(x) for x in range(90832, 90839)), "90853",
)  # fmt: skip
SAME_DAY_ADDONS = ("G2211", "G2212", "99417", *PSYCH_ADDONS, "90785")
SAME_MONTH_PAIRS = {"99458": "99457", "98981": "98980"}  # add-on: primary

# columns added by the ``same_day_codes`` preparation: same person, DOS and rendering NPI ...
SD_OFFICE_EM = "sd_office_em"
SD_99211 = "sd_99211"
SD_99205 = "sd_99205"
SD_99215 = "sd_99215"
SD_PSYCH_PRIMARY = "sd_psych_primary"
# ... and same person and calendar month (any NPI)
SM_99457 = "sm_99457"
SM_98980 = "sm_98980"


def same_day_codes(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """Flags of the primaries billed for the same person, DOS and rendering NPI (``sd_*``) and for
    the same person and calendar month (``sm_*``), on the add-on lines that read them.

    Only lines that can take part are looked at: the add-ons, and the primaries of the days (months)
    that have an add-on; superseded lines are never add-ons nor primaries. Lines that are no add-on
    get nulls (no rule reads them).
    """
    live = lf.filter(~v.superseded.fill_null(value=False))
    day_key = [c.PERSON_ID, DOS, c.RENDERING_NPI]
    day_addons = live.filter(CODE.is_in(SAME_DAY_ADDONS)).select(ROW, *day_key)
    day_flags = (
        live.filter(v.is_office_em | CODE.is_in(("99211", *INTERACTIVE_COMPLEXITY_PRIMARIES)))
        .select(*day_key, c.HCPCS_CODE, v.IS_OFFICE_EM)
        .join(day_addons.select(day_key).unique(), on=day_key, how="semi", nulls_equal=True)
        .group_by(day_key)
        .agg(
            v.is_office_em.any().alias(SD_OFFICE_EM),
            (CODE == "99211").any().alias(SD_99211),
            (CODE == "99205").any().alias(SD_99205),
            (CODE == "99215").any().alias(SD_99215),
            CODE.is_in(INTERACTIVE_COMPLEXITY_PRIMARIES).any().alias(SD_PSYCH_PRIMARY),
        )
    )
    day_cols = [SD_OFFICE_EM, SD_99211, SD_99205, SD_99215, SD_PSYCH_PRIMARY]
    day = day_addons.join(day_flags, on=day_key, how="left", nulls_equal=True).select(
        ROW, pl.col(day_cols).fill_null(value=False)
    )
    month_key = [c.PERSON_ID, "_month"]
    month = pl.col(DOS).dt.month_start().alias("_month")
    month_addons = live.filter(CODE.is_in(tuple(SAME_MONTH_PAIRS))).select(ROW, c.PERSON_ID, month)
    month_flags = (
        live.filter(CODE.is_in(tuple(SAME_MONTH_PAIRS.values())))
        .select(c.PERSON_ID, month, c.HCPCS_CODE)
        .group_by(month_key)
        .agg((CODE == "99457").any().alias(SM_99457), (CODE == "98980").any().alias(SM_98980))
    )
    month_lines = month_addons.join(month_flags, on=month_key, how="left", nulls_equal=True).select(
        ROW, pl.col(SM_99457, SM_98980).fill_null(value=False)
    )
    return lf.join(day, on=ROW, how="left").join(month_lines, on=ROW, how="left")


# add-on code -> its primary, as the message and the fix say it
_SAME_DAY = " for the same person, DOS and rendering NPI"
_SAME_MONTH = " for the same person in the same calendar month"
_OFFICE_EM = "an office E/M (99202–99205, 99212–99215; 98000–98015 from 2025-01-01)"
_PRIMARY_TEXT = {
    "G2211": f"{_OFFICE_EM} or 99211{_SAME_DAY}",
    "G2212": f"99205 or 99215{_SAME_DAY}",
    "99417": f"99205 or 99215{_SAME_DAY}",
    "90833": f"{_OFFICE_EM}{_SAME_DAY}",
    "90836": f"{_OFFICE_EM}{_SAME_DAY}",
    "90838": f"{_OFFICE_EM}{_SAME_DAY}",
    "90785": f"90791, 90792, 90832–90838 or 90853{_SAME_DAY}",
    "99458": f"99457{_SAME_MONTH}",
    "98981": f"98980{_SAME_MONTH}",
}


def _primary_text() -> pl.Expr:
    return CODE.replace_strict(_PRIMARY_TEXT, default="its primary service", return_dtype=pl.String)


def _message() -> pl.Expr:
    return pl.format(
        "add-on {} on {} billed without its primary service; expected {}",
        CODE,
        pl.col(DOS).cast(pl.String),
        _primary_text(),
    )


def _fix() -> pl.Expr:
    return pl.format(
        "bill {} with its primary ({}) if that service was performed and missed, otherwise "
        "remove {}",
        CODE,
        _primary_text(),
        CODE,
    )


@rule(
    code="AD001",
    severity="error",
    message=_message,
    fix=_fix,
    prepare=(same_day_codes,),
)
def add_on_code_without_primary() -> pl.Expr:
    """An add-on code billed without the primary service it must accompany.

    Checks, for the same person, DOS and rendering NPI: G2211 (visit complexity) without an office
    E/M (99202–99205, 99212–99215; 98000–98015 from 2025-01-01) or 99211; G2212 (Medicare
    prolonged) or 99417 (CPT prolonged) without 99205 or 99215; 90833/90836/90838 (psychotherapy
    with E/M) without an office E/M; 90785 (interactive complexity) without 90791, 90792,
    90832–90838 or 90853. For the same person and calendar month, with any NPI: 99458 (RPM, each
    additional 20 min) without 99457, and 98981 (RTM, each additional 20 min) without 98980.
    Lines of superseded claims (replaced or voided) are never primaries; a CD001 line (code out
    of its validity on the DOS) still counts as a primary.

    Why: an add-on code describes extra work on top of a primary service and is payable only
    with it; billed alone it is denied (CARC B15 / M51-type denials). Sources: reference §2.2
    (G2212 with 99205/99215 [S21], 99417), §2.7 and §2.8 (99458 and 98981 are add-ons to the
    month's first 20 min, 99457 / 98980 [S31]–[S34]); the pairings are DESIGN §5 AD001.

    Example: G2211 on 2024-03-15 for P1 by NPI 1234567893 with no office E/M that day for P1 by
    that NPI (e.g. the visit was billed by a colleague's NPI, or only G2211 was keyed).

    Fix: bill the add-on on the same date and NPI as its primary (add the primary line if it was
    performed and missed), or remove the add-on.
    """
    office = pl.col(SD_OFFICE_EM) | pl.col(SD_99211)
    return (
        ((CODE == "G2211") & ~office)
        | (CODE.is_in(("G2212", "99417")) & ~(pl.col(SD_99205) | pl.col(SD_99215)))
        | (CODE.is_in(PSYCH_ADDONS) & ~pl.col(SD_OFFICE_EM))
        | ((CODE == "90785") & ~pl.col(SD_PSYCH_PRIMARY))
        | ((CODE == "99458") & ~pl.col(SM_99457))
        | ((CODE == "98981") & ~pl.col(SM_98980))
    )
