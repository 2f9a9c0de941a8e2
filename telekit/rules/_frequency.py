"""Frequency rules (FQ001–FQ005): services billed too often, bundled with a visit, duplicated or
split across telehealth and in person. Each reads a window preparation registered here.

Windows follow DESIGN §5: days are calendar-day differences of DOS ("days 0–N" includes day 0
and day N); lines on one DOS are ordered by (claim_submitted_date nulls last, claim_id,
claim_line_number); superseded lines never take part; CD001 and self-pay lines do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit._engine._windows import DOS, ROW, SORT_KEYS, greedy_periods
from telekit.rules._keys import KEY_HASH, join_on_key, key_hash, repeated

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

CODE = pl.col(c.HCPCS_CODE)
NOT_SUPERSEDED = v.not_superseded

# DESIGN §5 "CTBS"
ONLINE_DIGITAL_EM = (
    "99421", "99422", "99423", "98970", "98971", "98972", "G2061", "G2062", "G2063",
)  # fmt: skip
VIRTUAL_CHECK_IN = ("G2012", "G2252", "98016", "G2010", "G2250", "G2251")
# DESIGN FQ003: device supply codes, one sequence per person across NPIs
DEVICE_CODES = ("99454", "99445", "98976", "98977", "98978", "98984", "98985", "98986")


def _text(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.String).fill_null("(none)")


def _periods(
    lf: pl.LazyFrame, prefix: str, lines: pl.Expr, group: list[str], days: int
) -> pl.LazyFrame:
    """Greedy periods of ``days`` days (``greedy_periods``) over the lines selected by ``lines``,
    per ``group``; adds ``{prefix}_flagged`` and the period's opening line
    (``{prefix}_anchor_code``, ``{prefix}_anchor_dos``)."""
    subset = (
        lf.filter(lines & NOT_SUPERSEDED & pl.all_horizontal(pl.col(group).is_not_null()))
        .select(ROW, *dict.fromkeys([*group, *SORT_KEYS]), c.HCPCS_CODE)
        .collect(engine=IN_MEMORY)
    )
    flags = greedy_periods(subset.select(ROW, *dict.fromkeys([*group, *SORT_KEYS])), group, days)
    opened = pl.col("flagged").not_()
    detail = (
        subset.join(flags, on=ROW, how="inner")
        .sort([*group, *SORT_KEYS], nulls_last=True)
        .select(
            ROW,
            pl.col("flagged").alias(f"{prefix}_flagged"),
            # periods are contiguous in sort order and each group starts with an opener, so a
            # flagged line's period opened at the latest unflagged line before it (no `.over`)
            pl.when(opened).then(CODE).forward_fill().alias(f"{prefix}_anchor_code"),
            pl.when(opened).then(pl.col(DOS)).forward_fill().alias(f"{prefix}_anchor_dos"),
        )
    )
    return lf.join(detail.lazy(), on=ROW, how="left")


# --- FQ001 -------------------------------------------------------------------------------------


def fq001_periods(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """7-day periods of online digital E/M per person and billing NPI."""
    return _periods(lf, "fq001", CODE.is_in(ONLINE_DIGITAL_EM), [c.PERSON_ID, c.BILLING_NPI], 7)


@rule(
    code="FQ001",
    severity="error",
    message=(
        "{hcpcs_code} on {claim_line_start_date} falls inside the 7-day period opened by "
        "{fq001_anchor_code} on {fq001_anchor_dos} (same person and billing NPI); online digital "
        "E/M is reported once per 7 days"
    ),
    fix=(
        "do not bill {hcpcs_code} separately: add its time to the cumulative time of the "
        "{fq001_anchor_code} of {fq001_anchor_dos} and bill that period's code for the total"
    ),
    claim_columns=(c.BILLING_NPI,),
    prepare=(fq001_periods,),
)
def online_digital_em_more_than_once_in_7_days() -> pl.Expr:
    """Online digital E/M (e-visit) billed more than once in a 7-day period.

    What it checks, per person and billing NPI: the online digital E/M lines (99421–99423,
    98970–98972, G2061–G2063) in order (DOS, then claim_submitted_date with nulls last, claim_id,
    claim_line_number): the first line opens a period of days 0–6 (its DOS and the six days
    after); every later line inside that period is flagged; a flagged line never opens a period;
    the first line on day 7 or later opens the next one. Lines of superseded claims never take
    part; a line without billing NPI gets no finding. Skipped when the claims give no
    billing_npi column.

    Why: CPT defines 99421–99423 as the cumulative time of one 7-day period that starts with the
    clinician's first review of the patient's message, reported once for that period (CPT
    Evaluation and Management guidelines, "Online digital evaluation and management services",
    2020); a second e-visit inside the period is denied or recouped. Sources: CY 2020 Medicare
    Physician Fee Schedule final rule, 84 FR 62568 (15 Nov 2019) (online digital E/M, the 7-day
    period), https://www.federalregister.gov/d/2019-24086
    CMS MLN901705, "Telehealth & remote patient monitoring",
    https://www.cms.gov/files/document/mln901705-telehealth-services.pdf
    CodingIntel,
    "CPT codes online digital evaluation and management services",
    https://codingintel.com/cpt-codes-online-digital-evaluation-and-management-services/
    AAPC, "CPT 2020 update",
    https://www.aapc.com/codes/coding-newsletters/my-podiatry-coding-alert/cpt-2020-update-162537-article

    Example: 99421 on 2024-03-01 and 99422 on 2024-03-07 for P1, billing NPI 1245319599 → the
    99422 fires (day 6); a 99421 on 2024-03-08 (day 7) opens a new period and does not fire.

    Instead: one code for the period — the time of every e-visit of the 7 days added
    up on the period's first e-visit, its level chosen from that total.
    """
    return pl.col("fq001_flagged")


# --- FQ002 -------------------------------------------------------------------------------------

_EM_BEFORE_CODE = "fq002_em_before_code"
_EM_BEFORE_DOS = "fq002_em_before_dos"
_EM_AFTER_CODE = "fq002_em_after_code"
_EM_AFTER_DOS = "fq002_em_after_dos"


def fq002_em_nearby(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """For each online digital E/M or virtual check-in: the latest office E/M 0–7 days before
    it and the earliest 0–7 days after it (same person and rendering NPI), by as-of joins."""
    by = [c.PERSON_ID, c.RENDERING_NPI]
    ctbs = (
        lf.filter(NOT_SUPERSEDED & CODE.is_in((*ONLINE_DIGITAL_EM, *VIRTUAL_CHECK_IN)))
        .select(ROW, *by, DOS)
        .sort(DOS)
    )
    em = (
        lf.filter(NOT_SUPERSEDED & v.is_office_em)
        .join(ctbs.select(by), on=by, how="semi")  # only people/NPIs with CTBS lines
        .sort(SORT_KEYS, nulls_last=True)
        .select(*by, DOS, pl.col(c.HCPCS_CODE).alias("_em_code"), pl.col(DOS).alias("_em_dos"))
    )

    def nearest(strategy: Literal["backward", "forward"], code: str, dos: str) -> pl.LazyFrame:
        return ctbs.join_asof(
            em.rename({"_em_code": code, "_em_dos": dos}),
            on=DOS,
            by=by,
            strategy=strategy,
            tolerance="7d",
            check_sortedness=False,  # sorted by DOS above; polars cannot check inside groups
        ).select(ROW, code, dos)

    before = nearest("backward", _EM_BEFORE_CODE, _EM_BEFORE_DOS)
    after = nearest("forward", _EM_AFTER_CODE, _EM_AFTER_DOS)
    return lf.join(before, on=ROW, how="left").join(after, on=ROW, how="left")


# the days between two dates as the difference of their day numbers (a date's physical value):
# what ``(a - b).dt.total_days()`` gives, without a duration over every line


def _days_after_em() -> pl.Expr:
    return pl.col(DOS).cast(pl.Int64) - pl.col(_EM_BEFORE_DOS).cast(pl.Int64)


def _days_before_em(col: v.Column = pl.col) -> pl.Expr:
    return col(_EM_AFTER_DOS).cast(pl.Int64) - col(DOS).cast(pl.Int64)


def _fq002_after() -> pl.Expr:
    """An online digital E/M or virtual check-in 0–7 days after an office E/M."""
    return _days_after_em().is_between(0, 7)


def _fq002_before(col: v.Column = pl.col) -> pl.Expr:
    """A virtual check-in 0–1 days before, or an online digital E/M 0–7 days before, an office
    E/M (reading the columns through ``col``)."""
    code = col(c.HCPCS_CODE)
    return (code.is_in(VIRTUAL_CHECK_IN) & _days_before_em(col).is_between(0, 1)) | (
        code.is_in(ONLINE_DIGITAL_EM) & _days_before_em(col).is_between(0, 7)
    )


def _days(n: pl.Expr) -> pl.Expr:
    return pl.when(n == 1).then(pl.lit("1 day")).otherwise(pl.format("{} days", _text(n)))


def _fq002_message() -> pl.Expr:
    after = pl.format(
        "{} on {} is {} after office E/M {} on {} (same person and rendering NPI)",
        CODE, _text(pl.col(DOS)), _days(_days_after_em()), pl.col(_EM_BEFORE_CODE),
        _text(pl.col(_EM_BEFORE_DOS)),
    )  # fmt: skip
    before = pl.format(
        "{} on {} is {} before office E/M {} on {} (same person and rendering NPI)",
        CODE, _text(pl.col(DOS)), _days(_days_before_em()), pl.col(_EM_AFTER_CODE),
        _text(pl.col(_EM_AFTER_DOS)),
    )  # fmt: skip
    expected = pl.lit(
        "; CTBS related to an office E/M (0–7 days after it; a virtual check-in 0–1 days or an "
        "e-visit 0–7 days before it) is part of that E/M"
    )
    found = pl.when(_fq002_after().fill_null(False)).then(after).otherwise(before)
    return pl.concat_str([found, expected])


@rule(
    code="FQ002",
    severity="warning",
    message=_fq002_message,
    fix=(
        "do not bill {hcpcs_code} separately: its work is part of the related office E/M, whose "
        "level may count it as that visit's record shows; bill it only for an unrelated problem"
    ),
    prepare=(fq002_em_nearby,),
)
def ctbs_bundled_with_em() -> pl.Expr:
    """Online digital E/M or virtual check-in billed next to an office E/M it is bundled into.

    What it checks, for the same person and rendering NPI: an online digital E/M (99421–99423,
    98970–98972, G2061–G2063) or a virtual check-in (G2012, G2252, 98016, G2010, G2250, G2251)
    0–7 days after an office E/M (99202–99205, 99212–99215; 98000–98015 from 2025-01-01); a
    virtual check-in 0–1 days before an office E/M; an online digital E/M 0–7 days before an
    office E/M. Days are calendar-day differences of DOS, both ends included (day 0 is the same
    day). The CTBS line is flagged. Lines of superseded claims never take part. Severity warning:
    an unrelated problem may justify the CTBS service.

    Why: an e-visit related to an E/M of the prior 7 days is part of that E/M (CPT); a virtual
    check-in may not originate from a related E/M of the prior 7 days nor lead to an E/M within
    24 hours or the soonest available appointment (CMS, CY 2019 Physician Fee Schedule final
    rule, 83 FR 59452, for G2012 and G2010; 98016 from 2025). Sources: CY 2019 Medicare
    Physician Fee Schedule final rule, CMS-1693-F, 83 FR 59452 (23 Nov 2018) (the virtual
    check-in's 7-day and 24-hour E/M bundling), https://www.federalregister.gov/d/2018-24170
    CMS MLN901705, https://www.cms.gov/files/document/mln901705-telehealth-services.pdf
    IDSA, "New in 2019:
    Medicare payment for communication technology-based services",
    https://beta.idsociety.org/idsa-newsletter/january-23-2019/new-in-2019-medicare-payment-for-communication-technology-based-services/
    CodingIntel, "Virtual communication codes", https://codingintel.com/virtual-communication-codes
    CodingIntel, online digital E/M,
    https://codingintel.com/cpt-codes-online-digital-evaluation-and-management-services/

    Example: 99213 on 2024-03-15 and 99421 on 2024-03-20 for P1 by NPI 1234567893 → the 99421
    fires (5 days after). G2012 on 2024-03-14 before that 99213 → fires (1 day before).

    Instead: the office E/M alone (its level may count the related CTBS work that
    its own record shows); bill the CTBS line only for a problem unrelated to that visit.
    """
    # the code look-ups of the second clause only on the lines with an office E/M 0-7 days
    # after (v.on_rows)
    return _fq002_after() | v.on_rows(
        _days_before_em().is_between(0, 7), _fq002_before, (c.HCPCS_CODE, DOS, _EM_AFTER_DOS)
    )


# --- FQ003 -------------------------------------------------------------------------------------


def fq003_periods(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """30-day periods of remote monitoring device codes per person (any NPI)."""
    return _periods(lf, "fq003", CODE.is_in(DEVICE_CODES), [c.PERSON_ID], 30)


@rule(
    code="FQ003",
    severity="error",
    message=(
        "{hcpcs_code} on {claim_line_start_date} falls inside the 30-day period opened by "
        "{fq003_anchor_code} on {fq003_anchor_dos} for the same person; one device supply code "
        "per 30 days"
    ),
    fix=(
        "do not bill {hcpcs_code}: the 30-day period of {fq003_anchor_dos} is already billed; "
        "bill the next period from 30 days after it"
    ),
    prepare=(fq003_periods,),
)
def remote_monitoring_device_billed_twice_in_30_days() -> pl.Expr:
    """Remote monitoring device supply billed more than once in a 30-day period.

    What it checks, per person across all NPIs: the device supply codes 99454, 99445 (RPM) and
    98976–98978, 98984–98986 (RTM) in one sequence, in order (DOS, then claim_submitted_date with
    nulls last, claim_id, claim_line_number): the first line opens a period of days 0–29; later
    lines inside it are flagged; a flagged line never opens a period; the first line on day 30 or
    later opens the next one. Lines of superseded claims never take part.

    Why: device supply is reported once per 30 days (99454 for 16–30 days of data, 99445 from
    2026 for 2–15 days; the two exclude each other in one period; RTM 98976–98978 and
    98984–98986 likewise), and RPM and RTM device codes are not billed together for one patient
    in one period (CPT 2026; CY 2026 Physician Fee Schedule final rule, CMS-1832-F). Sources:
    CMS MLN901705, "Telehealth & remote patient monitoring" (remote monitoring billed once per
    30 days), https://www.cms.gov/files/document/mln901705-telehealth-services.pdf
    AHIMA Journal, "Understanding 2026 code updates for remote monitoring",
    https://journal.ahima.org/AMP_EDN/383/Understanding-2026-Code-Updates-for-Remote-Monitoring-17504.amp.html
    AAPC, "Prepare for RTM/RPM changes in the 2026 CPT code set",
    https://www.aapc.com/codes/coding-newsletters/my-tech-innovation-coding-alert/technology-innovation-prepare-for-rtmrpm-changes-in-the-2026-cpt-code-set-179741-article/rci
    FairPath, "RTM 2026 update" (CR 14250), https://www.fairpath.ai/resources/rtm-2026-update

    Example: 99454 on 2024-03-01 and 98977 on 2024-03-30 for P1 (any NPI) → the 98977 fires (day
    29); a 99454 on 2024-03-31 (day 30) opens the next period.

    Instead: one device code per 30-day period; the next period's code from day 30.
    """
    return pl.col("fq003_flagged")


# --- FQ004 -------------------------------------------------------------------------------------

_DUPLICATE_KEY = (
    c.PERSON_ID, c.RENDERING_NPI, DOS, c.HCPCS_CODE, "_modifier_set", c.SERVICE_UNIT_QUANTITY,
    c.PLACE_OF_SERVICE_CODE, c.CHARGE_AMOUNT,
)  # fmt: skip


def fq004_duplicates(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """Groups of identical lines (person, rendering NPI, DOS, code, modifier set, units, POS,
    charge) spanning two claims or more: each line's original (the smallest by
    claim_submitted_date nulls last, claim_id, claim_line_number)."""
    key = list(_DUPLICATE_KEY)
    coarse = [k for k in key if k != "_modifier_set"]
    order = [c.CLAIM_SUBMITTED_DATE, c.CLAIM_ID, c.CLAIM_LINE_NUMBER]
    units = pl.col(c.SERVICE_UNIT_QUANTITY).fill_null(1)  # the contract's default
    # cheap pre-filter on one hash of the other key columns (a collision only keeps a
    # candidate: the exact key decides below): the lines whose hash is repeated (~1,000 of a
    # million), found by a sort of the hashes (`repeated`), then picked by their `_row`
    hashed = (
        lf.filter(NOT_SUPERSEDED & ~pl.col(c.CLAIM_FREQUENCY_CODE).fill_null("1").is_in(["7", "8"]))
        .with_columns(units)
        .filter(pl.all_horizontal(pl.col(coarse).is_not_null()))
        .select(ROW, key_hash(coarse))
        .collect(engine=IN_MEMORY)
    )
    rows = hashed.filter(repeated(hashed.get_column(KEY_HASH))).get_column(ROW)
    lines = (
        lf.filter(pl.col(ROW).is_in(rows.implode()))
        .select(ROW, *coarse, *order, v.MODIFIERS)
        .with_columns(units)
        .with_columns(v.modifiers.list.unique().list.sort().list.join(" ").alias("_modifier_set"))
        .filter(pl.len().over(key) > 1)
        .sort(order, nulls_last=True)
        .select(
            ROW,
            (pl.col(c.CLAIM_ID).n_unique().over(key) > 1).alias("_spans_claims"),
            pl.col(ROW).first().over(key).alias("_original_row"),
            pl.col(c.CLAIM_ID).first().over(key).alias("fq004_original_claim_id"),
            pl.col(c.CLAIM_LINE_NUMBER).first().over(key).alias("fq004_original_line"),
        )
        .select(
            ROW,
            (pl.col("_spans_claims") & (pl.col(ROW) != pl.col("_original_row"))).alias(
                "fq004_duplicate"
            ),
            "fq004_original_claim_id",
            "fq004_original_line",
        )
    )
    return lf.join(lines, on=ROW, how="left")


@rule(
    code="FQ004",
    severity="error",
    message=(
        "duplicate of claim {fq004_original_claim_id} line {fq004_original_line}: same person, "
        "rendering NPI, DOS, code {hcpcs_code}, modifiers, units, POS and charge on another "
        "claim; expected each service billed once"
    ),
    fix=lambda: (
        pl.when(v.is_medicare)
        .then(
            pl.format(
                "bill the service once: Medicare Part B takes no frequency-7 or -8 claims, so a "
                "correction of claim {} is a reopening of that claim, and a second payment is "
                "refunded",
                pl.col("fq004_original_claim_id"),
            )
        )
        .otherwise(
            pl.format(
                "void this claim (frequency 8) if it was sent twice; if it corrects claim {}, "
                "resubmit it as a replacement (frequency 7) naming that claim in REF*F8",
                pl.col("fq004_original_claim_id"),
            )
        )
    ),
    prepare=(fq004_duplicates,),
)
def duplicate_line() -> pl.Expr:
    """Claim line that duplicates a line on another claim.

    What it checks: lines with the same person, rendering NPI, DOS, code, modifier set
    (order-insensitive), units, POS and charge as a line on another claim. Of such a group, the
    line with the smallest (claim_submitted_date nulls last, claim_id, claim_line_number) is the
    original and is not flagged; every other line of the group is. Lines of frequency 7
    (replacement) and 8 (void) claims, and lines of superseded claims, are never flagged nor
    originals. Identical lines on one claim only are not duplicates (a group must span two
    claims). A line with an empty key value gets no finding.

    Why: Medicare denies an exact duplicate (same beneficiary, provider, from and through dates,
    type of service, procedure code and modifiers, place of service and billed amount) with
    CARC 18 (CR 8121; Medicare Claims Processing Manual ch. 1 §120); a correction sent as a new
    original is such a duplicate. Other payers take a replacement (frequency 7) or void (8)
    naming the original; Medicare Part B takes neither and corrects through a reopening.
    Sources: Medicare Claims Processing Manual (Pub. 100-04), ch. 1,
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c01.pdf
    Palmetto GBA, "CARC 18 duplicate claim",
    http://www.palmettogba.com/palmetto/jmb.nsf/DIDC/PCAF563WNL~Claims~Denial%20Resolution
    Medicare Claims Processing Manual (Pub. 100-04), ch. 34 (reopening and revision of claim
    determinations),
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c34.pdf

    Example: claim C1 (submitted 2024-03-20) and claim C2 (submitted 2024-03-25) each with 99213,
    POS 10, no modifiers, 1 unit, $150.00 for P1 on 2024-03-15 by NPI 1234567893 → C2's line
    fires; C1's is the original.

    Instead: the service once. Other payers: void the duplicate (frequency 8), or
    send a correction as a replacement (frequency 7) naming the original. Medicare Part B: no
    frequency 7/8 — a correction is a reopening of the original claim.
    """
    return pl.col("fq004_duplicate")


# --- FQ005 -------------------------------------------------------------------------------------


def fq005_same_day_em(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """For each telehealth office E/M line: the code of a non-telehealth office E/M of the same
    person, rendering NPI and DOS (``fq005_in_person_code``; the first in sort order)."""
    key = [c.PERSON_ID, c.RENDERING_NPI, DOS]
    em = lf.filter(NOT_SUPERSEDED & v.is_office_em)
    telehealth = em.filter(v.telehealth_line).select(ROW, *key)
    in_person = em.filter(~v.telehealth_line).select(*key, *SORT_KEYS[1:], c.HCPCS_CODE)
    # each telehealth line's same-day in-person lines (joined on the key's hash), the first in
    # sort order
    found = (
        join_on_key(telehealth, in_person, key)
        .sort(SORT_KEYS, nulls_last=True)
        .group_by(ROW, maintain_order=True)
        .agg(CODE.first().alias("fq005_in_person_code"))
    )
    return lf.join(found.select(ROW, "fq005_in_person_code"), on=ROW, how="left")


@rule(
    code="FQ005",
    severity="warning",
    message=(
        "telehealth {hcpcs_code} and in-person office E/M {fq005_in_person_code} for the same "
        "person, rendering NPI and DOS {claim_line_start_date}; expected one office E/M per day"
    ),
    fix=(
        "bill one office E/M for the day, at the level the day's combined record supports; "
        "keep two only where each encounter's own record shows a separate problem"
    ),
    prepare=(fq005_same_day_em,),
)
def same_day_telehealth_and_in_person_em() -> pl.Expr:
    """Telehealth and in-person office E/M billed for the same patient, provider and day.

    What it checks: office E/M lines (99202–99205, 99212–99215; 98000–98015 from 2025-01-01) of
    one person, one rendering NPI and one DOS where one is a telehealth line and another is not;
    the telehealth line is flagged. Lines of superseded claims never take part. A line with a
    telehealth indicator on an in_person encounter is not a telehealth line. Severity warning:
    two separately documented problems may support two visits.

    Why: payers expect one office E/M per patient, provider and day (CPT: the level reflects the
    total work of the day); a same-day telehealth and in-person visit by the same provider is a
    suspect duplicate that Medicare suspends for review or denies with CARC 18 (CR 8121).
    Sources: medical-billing-blog, "Medicare: what is a duplicate" (CR 8121),
    http://medical-billing-blog.blogspot.com/2013/06/medicare-what-is-duplicate.html ; Palmetto
    GBA, "CARC 18 duplicate claim",
    http://www.palmettogba.com/palmetto/jmb.nsf/DIDC/PCAF563WNL~Claims~Denial%20Resolution

    Example: 99213 POS 11 (in person) and 99214 POS 10 with modifier 95 on an audio_video
    encounter, both for P1 by NPI 1234567893 on 2024-03-15 → the 99214 fires.

    Instead: one office E/M for the day, at the level the day's combined record
    supports; two visits only where each encounter's own record shows a separate problem.
    """
    return v.telehealth_line & pl.col("fq005_in_person_code").is_not_null()
