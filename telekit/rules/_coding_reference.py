"""Coding rules judged against reference sets (CD004, CD006): the diagnoses against the
ICD-10-CM code set in force on the DOS, the code against the Medicare physician fee schedule
release covering the DOS, each shipped or given, read through window preparations.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit.rules._coding import _lookup

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

DOS = c.CLAIM_LINE_START_DATE
ROW = v.ROW
CODE = pl.col(c.HCPCS_CODE)
_ICD10_SHAPE = r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$"


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
    first), then (diagnosis text, DOS) pairs judged against the billable ICD-10-CM runs in force
    on the DOS (shipped or given): a join on the code and a range filter over the distinct texts
    and dates only, not over every line.
    """
    reference = inputs.reference
    billable = reference.icd10cm_billable().lazy()
    years = reference.icd10cm_fiscal_years().select(
        pl.col("fiscal_year").cast(pl.Int32).alias(FISCAL_YEAR), pl.lit(True).alias("_has_set")
    )
    # collected once: the pairs, the findings and the unjudged lines all read it
    long = (
        pl.concat(
            [
                lf.filter(pl.col(d).is_not_null() & ~v.superseded).select(
                    ROW,
                    DOS,
                    pl.lit(i, dtype=pl.Int8).alias("_position"),
                    pl.col(d).alias("_dx"),
                )
                for i, d in enumerate(c.DIAGNOSES, start=1)
            ]
        )
        .filter(pl.col(DOS).is_not_null())
        .collect(engine=IN_MEMORY)
    )
    # the code and its shape are read per (diagnosis as written, DOS) pair, not per stacked
    # diagnosis (a code is a function of the text); a malformed code is the second clause's: only
    # well-shaped codes are looked up. The pairs judged are every distinct text with every day
    # from the first DOS to the last when that cross product is no longer than the stacked
    # diagnoses (49 texts x ~2,900 days on the 1M practice: 0.02 s against 0.12 s for the
    # `unique` of 1.8M (text, DOS) pairs), else the distinct pairs. Either holds every pair that
    # occurs, and the judged pairs are only read through semi joins with the stacked diagnoses,
    # so a pair that never occurs selects nothing.
    texts = long.get_column("_dx").unique()
    first, last = long.get_column(DOS).min(), long.get_column(DOS).max()
    candidates = long.lazy().select("_dx", DOS).unique()
    if (
        isinstance(first, dt.date)
        and isinstance(last, dt.date)
        and texts.len() * ((last - first).days + 1) <= long.height
    ):
        dates = pl.date_range(first, last, eager=True).alias(DOS).to_frame()
        candidates = texts.to_frame().lazy().join(dates.lazy(), how="cross")
    pairs = (
        candidates.with_columns(_dx_code(pl.col("_dx")).alias("_code"))
        .filter(pl.col("_code").str.contains(_ICD10_SHAPE))
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
        .select("_dx", DOS)
        .unique()
    )
    judged = pairs.join(
        billable_pairs.with_columns(pl.lit(True).alias("_billable")),
        on=["_dx", DOS],
        how="left",
    ).collect(engine=IN_MEMORY)

    def of_pairs(which: pl.Expr) -> pl.LazyFrame:
        # the stacked diagnoses of these pairs (those of their dates and texts first: cheap
        # look-ups)
        chosen = judged.filter(which).select("_dx", DOS)
        return (
            long.lazy()
            .filter(
                pl.col(DOS).is_in(chosen.get_column(DOS).unique().implode())
                & pl.col("_dx").is_in(chosen.get_column("_dx").unique().implode())
            )
            .join(chosen.lazy(), on=["_dx", DOS], how="semi")
        )

    bad = (
        of_pairs(pl.col("_has_set") & pl.col("_billable").is_null())
        .group_by(ROW)
        .agg(
            # rows are in position order (stacked column by column), kept within each group
            pl.format("diagnosis_code_{} {}", "_position", "_dx").str.join(", ").alias(UNBILLABLE)
        )
    )
    unjudged = (
        of_pairs(~pl.col("_has_set"))
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
    """True on every line of a claim none of whose lines has a diagnosis. Not a window over
    every claim: only the claims of lines without a diagnosis (few) are looked at, and a line
    without one fires unless its claim has another line with one."""
    claim = pl.col(c.CLAIM_ID)
    line_has = pl.any_horizontal([pl.col(d).is_not_null() for d in c.DIAGNOSES])
    in_doubt = claim.filter(~line_has).unique().implode()
    answered = claim.filter(line_has & claim.is_in(in_doubt, nulls_equal=True)).implode()
    return ~line_has & ~claim.is_in(answered, nulls_equal=True)


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
    of whose diagnosis codes, after removing the dot, is not shaped as an ICD-10-CM code: a
    letter, a digit, a letter or digit, then up to four letters or digits. (3) A line one of
    whose diagnosis codes (all 12 positions; dot removed, upper case) is not a billable
    ICD-10-CM code in the code set in force on the DOS: fiscal
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
            v.on_distinct(
                pl.col(d),
                lambda dx: ~dx.str.replace(".", "", literal=True, n=1).str.contains(_ICD10_SHAPE),
            )
            for d in c.DIAGNOSES
        ]
    )
    return _claim_has_no_diagnosis() | malformed | pl.col(UNBILLABLE).is_not_null()


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
