"""Eligibility rules (EL001–EL005): is the patient covered on the DOS, by the payer billed, for
telehealth, and — for Medicare at home — inside the telehealth flexibilities or an exception;
and which Medicare telehealth lines of the retroactively restored lapses to resubmit (EL005).

EL001, EL002's span clause and EL004 read the coverage table through one preparation
(``coverage_on_dos``), which compares payers through the policy's payer keys and aliases
(``Policies.payer_key``), exactly as the claim lines' ``payer_key`` is made. EL003 reads the
Medicare flexibility windows and home exceptions (``flexibilities()``), shared with PR002.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from telekit import codesets
from telekit._core import _columns as c
from telekit._core._engine import IN_MEMORY
from telekit._engine import _vocabulary as v
from telekit._engine._registry import rule
from telekit.rules._keys import join_on_key

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

ROW = v.ROW
DOS = c.CLAIM_LINE_START_DATE
COVERAGE = "coverage"
ENCOUNTERS = "encounters"

# columns added by the coverage preparation
COV_HAS_ROWS = "cov_has_rows"  # the person has coverage rows
COV_COVERS_DOS = "cov_covers_dos"  # some span of the person covers the DOS
COV_BILLED_COVERS_DOS = "cov_billed_payer_covers_dos"  # some span of the billed payer does
COV_BILLED_TELEHEALTH_FALSE = "cov_billed_telehealth_not_covered"  # ... with telehealth false
COV_PAYERS_ON_DOS = "cov_payers_on_dos"  # the payers of the spans covering the DOS

_COV_PAYER_KEY = "_cov_payer_key"
_COV_PAYER = "_cov_payer"


# --- Medicare telehealth flexibilities (EL003, PR002) -----------------------------------------


@dataclass(frozen=True)
class HomeException:
    """One exception of EL003: home telehealth allowed from ``start`` (through ``end``) for a
    code range and/or a diagnosis category range (``any`` diagnosis or the ``principal`` one)."""

    name: str
    start: dt.date | None
    end: dt.date | None
    code_from: str | None = None
    code_to: str | None = None
    diagnosis_from: str | None = None  # ICD-10 category, e.g. "F10"
    diagnosis_to: str | None = None
    diagnosis_position: str = "any"  # "any" | "principal"

    def describe(self) -> str:
        what = []
        if self.code_from is not None:
            what.append(f"code {self.code_from}–{self.code_to}")
        if self.diagnosis_from is not None:
            which = (
                "principal diagnosis" if self.diagnosis_position == "principal" else "a diagnosis"
            )
            what.append(f"{which} {self.diagnosis_from}–{self.diagnosis_to}")
        return f"{' and '.join(what)} {_span(self.start, self.end)}"


@dataclass(frozen=True)
class Flexibilities:
    """The Medicare telehealth flexibility windows and EL003's home exceptions.

    ``windows``: (start, end) pairs, both inclusive, ``None`` = open.
    """

    windows: tuple[tuple[dt.date | None, dt.date | None], ...]
    exceptions: tuple[HomeException, ...]

    def describe_windows(self) -> str:
        return ", ".join(f"{s or 'open'} to {e or 'open'}" for s, e in self.windows) or "none"

    def describe_exceptions(self) -> str:
        return "; ".join(x.describe() for x in self.exceptions) or "none"


def _span(start: dt.date | None, end: dt.date | None) -> str:
    if end is None:
        return f"from {start}" if start is not None else "always"
    return f"from {start or 'open'} to {end}"


#: DESIGN §5 EL003 — the contract: continuous 2020-03-06 to 2027-12-31 (the 2025 and 2026 lapses
#: were restored retroactively: ref §5, [S38]–[S41]); SUPPORT Act SUD F10–F19 from 2019-07-01
#: [S46]; mental health (principal F01–F99) from 2028-01-01 (CAA 2026 [S39]); home-dialysis ESRD
#: assessments 90963–90970 from 2019-01-01 (BBA 2018 [S45]).
BUILTIN_FLEXIBILITIES = Flexibilities(
    windows=((dt.date(2020, 3, 6), dt.date(2027, 12, 31)),),
    exceptions=(
        HomeException(
            "substance_use_disorder", dt.date(2019, 7, 1), None,
            diagnosis_from="F10", diagnosis_to="F19", diagnosis_position="any",
        ),
        HomeException(
            "mental_health", dt.date(2028, 1, 1), None,
            diagnosis_from="F01", diagnosis_to="F99", diagnosis_position="principal",
        ),
        HomeException("home_dialysis", dt.date(2019, 1, 1), None, "90963", "90970"),
    ),
)  # fmt: skip

_WINDOW_KIND = "built_in"
_EXCEPTION_KIND = "exception"


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    return text or None


def _day(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    return dt.date.fromisoformat(text) if text else None


def _from_frame(frame: pl.DataFrame) -> Flexibilities:
    """``telekit/codesets/flexibility_windows.csv`` (one row per window or exception) as
    ``Flexibilities``; a missing part (no window rows, no exception rows) keeps the built-in."""
    windows: list[tuple[dt.date | None, dt.date | None]] = []
    exceptions: list[HomeException] = []
    for row in frame.iter_rows(named=True):  # a handful of config rows, not data rows
        kind = (_text(row.get("kind")) or "").lower()
        start, end = _day(row.get("valid_start_date")), _day(row.get("valid_end_date"))
        if kind == _WINDOW_KIND:
            windows.append((start, end))
        elif kind == _EXCEPTION_KIND:
            position = (_text(row.get("diagnosis_position")) or "any").lower()
            exceptions.append(
                HomeException(
                    name=str(row.get("window") or "exception"),
                    start=start,
                    end=end,
                    code_from=_text(row.get("hcpcs_code_from")),
                    code_to=_text(row.get("hcpcs_code_to")),
                    diagnosis_from=_text(row.get("diagnosis_category_from")),
                    diagnosis_to=_text(row.get("diagnosis_category_to")),
                    diagnosis_position=position,
                )
            )
    return Flexibilities(
        windows=tuple(windows) or BUILTIN_FLEXIBILITIES.windows,
        exceptions=tuple(exceptions) or BUILTIN_FLEXIBILITIES.exceptions,
    )


@functools.cache
def flexibilities() -> Flexibilities:
    """The flexibility windows and home exceptions in force: ``flexibility_windows.csv`` of the
    code sets when it ships, else the built-in values of DESIGN §5 EL003."""
    loader = getattr(codesets, "flexibility_windows", None)
    if loader is None:
        return BUILTIN_FLEXIBILITIES
    return _from_frame(loader())


def _between(value: pl.Expr, start: dt.date | str | None, end: dt.date | str | None) -> pl.Expr:
    out = pl.lit(True)
    if start is not None:
        out = out & (value >= pl.lit(start))
    if end is not None:
        out = out & (value <= pl.lit(end))
    return out


def in_flexibility_window() -> pl.Expr:
    """True where the DOS falls inside a Medicare telehealth flexibility window."""
    inside = [_between(pl.col(DOS), s, e) for s, e in flexibilities().windows]
    return pl.any_horizontal(inside) if inside else pl.lit(False)


def _category_between(dx: pl.Expr, low: str, high: str) -> pl.Expr:
    """The diagnosis's ICD-10 category (first 3 characters, dot removed) is within low..high
    (null for a null diagnosis)."""
    category = dx.str.replace_all(".", "", literal=True).str.slice(0, 3)
    return (category.str.len_chars() == 3) & category.is_between(pl.lit(low), pl.lit(high))


def _category_in(col: str, low: str, high: str) -> pl.Expr:
    """``_category_between`` of a whole column (False for a null diagnosis), tested once per
    distinct code, not per line."""
    return v.on_distinct(pl.col(col), lambda dx: _category_between(dx, low, high))


def _exception_applies(x: HomeException, col: v.Column | None) -> pl.Expr:
    """The DOS is within the exception's dates and its code range holds the code, or its
    diagnosis category range holds a diagnosis in its position (the code sets' semantics).
    ``col``: how a column is read (``None``: the whole frame's, the categories tested once per
    distinct code; else a few rows', ``v.on_rows``, each tested as it is)."""
    read = pl.col if col is None else col
    matches: list[pl.Expr] = []
    if x.code_from is not None:
        code = read(c.HCPCS_CODE)
        matches.append(
            _between(code, x.code_from, x.code_to or x.code_from)
            & (code.str.len_chars() == len(x.code_from))
        )
    if x.diagnosis_from is not None:
        high = x.diagnosis_to or x.diagnosis_from
        columns = c.DIAGNOSES[:1] if x.diagnosis_position == "principal" else c.DIAGNOSES
        matches.extend(
            _category_in(d, x.diagnosis_from, high)
            if col is None
            else _category_between(col(d), x.diagnosis_from, high)
            for d in columns
        )
    if not matches:
        return pl.lit(False)
    found = pl.any_horizontal([m.fill_null(False) for m in matches])
    return (_between(read(DOS), x.start, x.end) & found).fill_null(False)


#: the columns the home exceptions read
_EXCEPTION_COLUMNS = (DOS, c.HCPCS_CODE, *c.DIAGNOSES)


def home_exception(col: v.Column | None = None) -> pl.Expr:
    """EL003's exceptions (built-in: SUD diagnosis F10–F19 from 2019-07-01, mental-health
    principal diagnosis F01–F99 from 2028-01-01, home dialysis 90963–90970 from 2019-01-01),
    reading the columns through ``col`` (``_exception_applies``; only ``_EXCEPTION_COLUMNS``)."""
    found = [_exception_applies(x, col) for x in flexibilities().exceptions]
    return pl.any_horizontal(found) if found else pl.lit(False)


# --- coverage preparation (EL001, EL002, EL004) ------------------------------------------------


def coverage_on_dos(lf: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """Per line: does the person have coverage rows, does a span cover the DOS, does a span of
    the billed payer (compared by payer key) cover it, and does such a span say telehealth is not
    covered. Without coverage every flag is false."""
    flags = (COV_HAS_ROWS, COV_COVERS_DOS, COV_BILLED_COVERS_DOS, COV_BILLED_TELEHEALTH_FALSE)
    if inputs.coverage is None:
        return lf.with_columns(
            *(pl.lit(False).alias(f) for f in flags),
            pl.lit(None, dtype=pl.String).alias(COV_PAYERS_ON_DOS),
        )
    spans = inputs.coverage.lazy().select(
        c.PERSON_ID,
        inputs.policies.payer_key(c.PAYER).alias(_COV_PAYER_KEY),
        pl.col(c.PAYER).str.strip_chars().alias(_COV_PAYER),
        c.ENROLLMENT_START_DATE,
        c.ENROLLMENT_END_DATE,
        c.TELEHEALTH_COVERED,
        # a person with several spans (`is_duplicated`: half the cost of a window count)
        pl.col(c.PERSON_ID).is_duplicated().alias("_several"),
    )
    covers = (pl.col(DOS) >= pl.col(c.ENROLLMENT_START_DATE)) & (
        pl.col(c.ENROLLMENT_END_DATE).is_null() | (pl.col(DOS) <= pl.col(c.ENROLLMENT_END_DATE))
    )
    billed = covers & (pl.col(_COV_PAYER_KEY) == v.payer_key)
    # a billed span that says telehealth is not covered (null is unknown)
    telehealth_false = pl.col("_billed") & pl.col(c.TELEHEALTH_COVERED).eq_missing(False)
    # joined on the person's 64-bit hash, checked on the person (`join_on_key`; a null person
    # has no span)
    persons = lf.select(ROW, c.PERSON_ID, DOS, "payer_key").filter(
        pl.col(c.PERSON_ID).is_not_null()
    )
    joined = (
        join_on_key(persons, spans, [c.PERSON_ID])
        .with_columns(covers.alias("_covers"), billed.alias("_billed"))
        .collect(engine=IN_MEMORY)
    )
    # A line of a person with one span has one joined row: its flags are that row's (no
    # aggregation over a million groups); only the lines of persons with several spans are
    # aggregated per line (`any` ignores nulls, as `fill_null(False)` does on one row).
    one_span = joined.filter(~pl.col("_several")).select(
        ROW,
        pl.lit(value=True).alias(COV_HAS_ROWS),
        pl.col("_covers").fill_null(value=False).alias(COV_COVERS_DOS),
        pl.col("_billed").fill_null(value=False).alias(COV_BILLED_COVERS_DOS),
        telehealth_false.fill_null(value=False).alias(COV_BILLED_TELEHEALTH_FALSE),
    )
    several_spans = (
        joined.filter(pl.col("_several"))
        .group_by(ROW)
        .agg(
            pl.lit(value=True).alias(COV_HAS_ROWS),
            pl.col("_covers").any().alias(COV_COVERS_DOS),
            pl.col("_billed").any().alias(COV_BILLED_COVERS_DOS),
            telehealth_false.any().alias(COV_BILLED_TELEHEALTH_FALSE),
        )
    )
    per_line = pl.concat([one_span, several_spans])
    # the payers covering the DOS, as text, only where a message needs them (EL004's lines)
    other_payer_rows = per_line.filter(
        pl.col(COV_COVERS_DOS) & ~pl.col(COV_BILLED_COVERS_DOS)
    ).select(ROW)
    # (a covering row of such a line is never billed: the rows that cover and are not billed,
    # 67k of 1.16M joined rows, are taken before the semi join)
    payers = (
        joined.filter(pl.col("_covers") & ~pl.col("_billed").fill_null(value=False))
        .join(other_payer_rows, on=ROW, how="semi")
        .group_by(ROW)
        .agg(
            v.shown_payer(pl.col(_COV_PAYER_KEY), pl.col(_COV_PAYER))
            .unique()
            .sort()
            .str.join(", ")
            .alias(COV_PAYERS_ON_DOS)
        )
    )
    return (
        lf.join(per_line.lazy(), on=ROW, how="left")
        .join(payers.lazy(), on=ROW, how="left")
        .with_columns(pl.col(f).fill_null(False) for f in flags)
    )


# --- EL001 ---------------------------------------------------------------------------------


@rule(
    code="EL001",
    skip_self_pay=True,
    severity="error",
    message=(
        "no coverage span of this patient covers the DOS {claim_line_start_date} (the patient "
        "has coverage rows); expected an enrollment span including the DOS"
    ),
    fix=(
        "verify eligibility for {claim_line_start_date}: bill the payer the patient was enrolled "
        "with on that date, or the patient; correct the enrollment dates if they are wrong"
    ),
    tables=(COVERAGE,),
    prepare=(coverage_on_dos,),
)
def no_active_coverage_on_date() -> pl.Expr:
    """The patient has coverage rows, but none covers the date of service.

    What it checks: a line whose person has at least one row in the coverage table, none of
    whose enrollment spans (enrollment_start_date through enrollment_end_date, both inclusive; an
    empty end is open) includes the DOS. A person with no coverage rows at all is not flagged
    (eligibility unknown), and self-pay lines are not audited.

    Why: a claim for a date on which the patient was not enrolled is denied with CARC 27
    (expenses incurred after coverage terminated) or CARC 26 (before coverage); eligibility
    errors are among the top claim submission errors MACs report. Sources: X12 Claim Adjustment
    Reason Codes, https://x12.org/codes/claim-adjustment-reason-codes ; Novitas Solutions, "Top
    claim submission errors",
    https://www.novitas-solutions.com/webcenter/portal/MedicareJH/pagebyid?contentId=00250502

    Example: 99213 on 2024-03-15 for a patient whose only span runs 2023-01-01 to 2024-02-29 —
    flagged (a span ending 2024-03-15 would cover it).

    Instead: the payer the patient was enrolled with on the DOS (or the patient,
    when no coverage was in force); if the enrollment dates in the coverage file are wrong,
    correct them and nothing needs rebilling.
    """
    return pl.col(COV_HAS_ROWS) & ~pl.col(COV_COVERS_DOS)


# --- EL002 ---------------------------------------------------------------------------------


def _el002_message() -> pl.Expr:
    what = (
        pl.when(pl.col(COV_BILLED_TELEHEALTH_FALSE))
        .then(pl.lit("the patient's coverage span with this payer has telehealth_covered false"))
        .when(v.policy_telehealth_covered.eq_missing(False))
        .then(pl.lit("the payer policy on the DOS has telehealth_covered false"))
        .otherwise(
            pl.lit("the line is audio-only and the payer policy has audio_only_covered false")
        )
    )
    return pl.format(
        "telehealth {} on {} billed to {}: {}; expected a plan that covers telehealth",
        pl.col(c.HCPCS_CODE),
        pl.col(DOS).cast(pl.String),
        v.payer_shown,
        what,
    )


@rule(
    code="EL002",
    skip_self_pay=True,
    severity="error",
    message=_el002_message,
    fix=lambda: pl.format(
        "do not bill {} for telehealth it does not cover; bill the patient only where the plan "
        "allows it and the patient agreed in writing before the service; if the plan does cover "
        "telehealth, correct telehealth_covered",
        v.payer_shown,
    ),
    partial_tables=(COVERAGE, ENCOUNTERS),
    prepare=(coverage_on_dos,),
)
def telehealth_not_covered_by_plan() -> pl.Expr:
    """Telehealth line billed to a plan or payer that does not cover telehealth.

    What it checks: a telehealth line where (1) a coverage span of the billed payer (compared
    trimmed, upper-cased and through the policy's aliases) covering the DOS has
    telehealth_covered false, or (2) the payer's policy on the DOS has telehealth_covered false,
    or (3) the line is audio-only (its encounter's modality is audio_only) and the policy has
    audio_only_covered false. An empty telehealth_covered is unknown and never fires; the
    built-in policies set neither flag. Clause (1) needs coverage and clause (3) the encounters:
    without them the rule runs the other clauses and is marked partial.

    Why: commercial and Medicaid plans differ in whether they pay for telehealth, and for
    audio-only in particular; a service the plan does not cover is denied with CARC 96
    (non-covered charge) or 204 (not covered under the patient's current benefit plan). Sources:
    Noridian JE, "Non-covered charge (CO-96)",
    https://med.noridianmedicare.com/es/web/jeb/topics/claim-submission/reason-code-guidance/non-covered-charge
    AAFP Family Practice Management, "Medicare telehealth 2025" (other payers' rules vary),
    https://aafp.org/pubs/fpm/blogs/gettingpaid/entry/medicare-telehealth-2025.html

    Example: 99213 with POS 10 and modifier 95 on 2024-03-15 billed to AETNA; the patient's
    AETNA span has telehealth_covered false — flagged.

    Instead: nothing to this plan for the telehealth service; the patient may be
    billed only where the plan allows it and the patient agreed in writing before the service.
    If the plan does cover telehealth, correct telehealth_covered in the coverage or policy file.
    """
    return v.telehealth_line & (
        pl.col(COV_BILLED_TELEHEALTH_FALSE)
        | v.policy_telehealth_covered.eq_missing(False)  # null is unknown: no finding
        | (v.audio_only_line & v.policy_audio_only_covered.eq_missing(False))
    )


# --- EL003 ---------------------------------------------------------------------------------


def _el003_message() -> pl.Expr:
    flex = flexibilities()
    return pl.format(
        "Medicare telehealth {} on {} with the patient at home, outside the telehealth "
        "flexibility windows ({}) and with no home exception; expected a DOS inside the "
        "windows or an exception ({})",
        pl.col(c.HCPCS_CODE),
        pl.col(DOS).cast(pl.String),
        pl.lit(flex.describe_windows()),
        pl.lit(flex.describe_exceptions()),
    )


@rule(
    code="EL003",
    skip_self_pay=True,
    severity="error",
    message=_el003_message,
    fix=(
        "the home was not a Medicare originating site on this DOS: the line is payable only "
        "where an exception applies (the substance-use or mental-health diagnosis treated, coded "
        "as documented); otherwise do not bill Medicare, and bill the patient only under an ABN "
        "signed before the service"
    ),
    tables=(ENCOUNTERS,),
)
def medicare_home_telehealth_outside_flexibilities() -> pl.Expr:
    """Medicare telehealth to a patient at home outside the flexibility windows.

    What it checks: a Medicare (payer_type medicare) telehealth line whose encounter has
    patient_location home and whose DOS is outside the Medicare telehealth flexibility windows
    (built-in: 2020-03-06 to 2027-12-31, continuous — the lapses from 2025-10-01 and 2026-01-31
    were restored retroactively), unless: some diagnosis is in F10–F19 and the DOS is from
    2019-07-01 (substance use disorder); the principal diagnosis is in F01–F99 and the DOS is from
    2028-01-01 (mental health); or the code is 90963–90970 and the DOS is from 2019-01-01 (home
    dialysis ESRD assessments).

    Why: outside the flexibilities, Social Security Act §1834(m) and 42 CFR 410.78 require the
    originating site to be a listed facility in a rural area; the home qualifies only for
    substance use disorder (SUPPORT Act, from 2019-07-01), mental health (Consolidated
    Appropriations Act, 2021, in-person requirement delayed to 2028-01-01 by the Consolidated
    Appropriations Act, 2026) and home-dialysis assessments (Bipartisan Budget Act of 2018).
    Sources: Medicare Claims Processing Manual (Pub. 100-04), ch. 12 §190,
    https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c12.pdf
    CMS Medicare telehealth FAQ of 2026-02-04 (reported by HomeCare,
    https://www.homecaremag.com/news/medicare-telehealth-faqs-released-after-extension-announcement);
    McGuireWoods, "Understanding Congress' latest extension of Medicare telehealth
    flexibilities" (2026),
    https://www.mcguirewoods.com/client-resources/alerts/2026/2/understanding-congress-latest-extension-of-medicare-telehealth-flexibilities

    Example: 99213 with POS 02 on 2020-03-05 (the day before the windows), patient at home,
    diagnosis I10 — flagged; the same line with diagnosis F11.20 is not (SUD).

    Instead: where the record shows a substance-use or mental-health condition was
    what was treated, code it as documented; otherwise the visit is not payable as Medicare
    telehealth, and the patient may be billed only under an ABN signed before the service.
    """
    # the exceptions (12 diagnosis columns) are tested only on the few lines the rest selects
    return v.on_rows(
        v.is_medicare
        & v.telehealth_line
        & (v.enc_patient_location == "home")
        & ~in_flexibility_window(),
        lambda col: ~home_exception(col),
        _EXCEPTION_COLUMNS,
    )


# --- EL004 ---------------------------------------------------------------------------------


@rule(
    code="EL004",
    skip_self_pay=True,
    severity="error",
    message=lambda: pl.format(
        "billed to {}, but the patient's coverage on {} is with {}; expected the payer of a span "
        "covering the DOS",
        v.payer_shown,
        pl.col(DOS).cast(pl.String),
        pl.col(COV_PAYERS_ON_DOS).fill_null("(none)"),
    ),
    fix="bill {cov_payers_on_dos} (the coverage in force on the DOS), or correct the coverage",
    tables=(COVERAGE,),
    prepare=(coverage_on_dos,),
)
def billed_payer_differs_from_coverage() -> pl.Expr:
    """The patient has coverage on the date of service, but not with the payer billed.

    What it checks: a line whose person has at least one coverage span including the DOS, none of
    them with the billed payer. Payers are compared trimmed, upper-cased and through the aliases
    of the policy file (``[payer.X] aliases``), so "Aetna Better Health" and "AETNA" are one
    payer when the policy says so.

    Why: a claim sent to the wrong payer is denied (CARC 109, claim not covered by this payer;
    CARC 22 when another payer is primary) and the other payer's timely-filing clock keeps
    running. Sources: X12 Claim Adjustment Reason Codes,
    https://x12.org/codes/claim-adjustment-reason-codes ; Novitas Solutions, "Top claim
    submission errors",
    https://www.novitas-solutions.com/webcenter/portal/MedicareJH/pagebyid?contentId=00250502

    Example: 99213 on 2024-03-15 billed to AETNA; the patient's only span covering that date is
    with MEDICARE — flagged.

    Instead: the payer in force on the DOS (a Medicare Advantage member's plan, not
    the MAC); when the two names are one payer, add an alias to the policy file.
    """
    return pl.col(COV_COVERS_DOS) & ~pl.col(COV_BILLED_COVERS_DOS)


# --- EL005 ---------------------------------------------------------------------------------

#: DESIGN §5 EL005: the Medicare telehealth flexibility lapses restored retroactively — the
#: shutdown lapse from 2025-10-01, restored by the Continuing Appropriations ... and Extensions
#: Act, 2026 (H.R. 5371, signed 2025-11-12), and the lapse from 2026-01-31, restored by the
#: Consolidated Appropriations Act, 2026 (H.R. 7148, signed 2026-02-03). Both ends inclusive.
RESTORED_LAPSES: tuple[tuple[dt.date, dt.date, str], ...] = (
    (
        dt.date(2025, 10, 1),
        dt.date(2025, 11, 12),
        "the 2025-10-01 to 2025-11-12 lapse, restored retroactively on 2025-11-12",
    ),
    (
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 3),
        "the 2026-01-31 to 2026-02-03 lapse, restored retroactively on 2026-02-03",
    ),
)
ABN_MODIFIER = "GA"
LINE_STATUS = "line_status"  # telekit._engine._line_status: paid, denied, pending ...


def _in_restored_lapse() -> pl.Expr:
    return pl.any_horizontal([pl.col(DOS).is_between(s, e) for s, e, _ in RESTORED_LAPSES])


def _lapse_text() -> pl.Expr:
    out = pl.lit(None, dtype=pl.String)
    for start, end, text in reversed(RESTORED_LAPSES):
        out = pl.when(pl.col(DOS).is_between(start, end)).then(pl.lit(text)).otherwise(out)
    return out


def _has_ga() -> pl.Expr:
    return v.modifiers.list.contains(ABN_MODIFIER).fill_null(False)


def _el005_scope() -> pl.Expr:
    return v.is_medicare & v.telehealth_line & _in_restored_lapse()


def _el005_message() -> pl.Expr:
    what = (
        pl.when(pl.col(LINE_STATUS) == "denied")
        .then(pl.lit("a remittance denied it"))
        .otherwise(pl.lit("it carries GA (an ABN was collected)"))
    )
    return pl.format(
        "Medicare telehealth {} on {} falls in {}, and {}; the flexibilities cover this DOS, so "
        "the line is payable by Medicare",
        pl.col(c.HCPCS_CODE),
        pl.col(DOS).cast(pl.String),
        _lapse_text(),
        what,
    )


def _el005_fix() -> pl.Expr:
    resubmit = (
        pl.when(pl.col(LINE_STATUS) == "denied")
        .then(
            pl.lit(
                "the denial predates the retroactive restoration: resubmit the line (a claim "
                "the MAC returned unprocessed is a new claim) or request a reopening of the "
                "denied claim"
            )
        )
        .otherwise(
            pl.lit(
                "bill Medicare for the line as telehealth (if it was billed as non-covered with "
                "GA and denied, request a reopening)"
            )
        )
    )
    refund = (
        pl.when(_has_ga())
        .then(pl.lit("; refund the patient what they paid under the ABN, since Medicare pays"))
        .otherwise(pl.lit(""))
    )
    return pl.concat_str(resubmit, refund)


@rule(
    code="EL005",
    skip_self_pay=True,
    severity="info",
    message=_el005_message,
    fix=_el005_fix,
    partial_when=lambda: _el005_scope() & (pl.col(LINE_STATUS) == "unknown") & ~_has_ga(),
    partial_reason="no remittances given: a denial in the restored lapse cannot be seen",
    suppressed_where=("MD004",),
)
def lapse_period_denial_to_resubmit() -> pl.Expr:
    """Medicare telehealth line of a retroactively restored lapse, denied or billed under an ABN.

    What it checks: a Medicare (payer_type medicare) telehealth line with a DOS in a lapse of the
    Medicare telehealth flexibilities that Congress restored retroactively — 2025-10-01 to
    2025-11-12 and 2026-01-31 to 2026-02-03, both ends included — that a remittance denied
    (its line_status is denied as of the audit's as_of: net payment 0 with a denial adjustment),
    or that carries modifier GA (an Advance Beneficiary Notice was collected). Without
    remittances the denial clause cannot be judged: the rule is partial for the lapse lines
    without GA. Severity info: the line is money to recover, not an error. Not on a line MD004
    flags (GT on a Medicare professional line): its denial (CARC 4) is the modifier's, not the
    lapse's, and resubmitting it unchanged would be denied again; MD004's fix (correct the
    modifier, then resubmit) is the one to follow.

    Why: during the lapses Medicare could not pay most telehealth (home, non-behavioral); MACs
    held claims, CMS suggested ABNs, and some claims were denied or returned. The Continuing
    Appropriations, Agriculture, Legislative Branch, Military Construction and Veterans Affairs,
    and Extensions Act, 2026 (H.R. 5371, signed 2025-11-12) restored the flexibilities back to
    2025-10-01, and the Consolidated Appropriations Act, 2026 (H.R. 7148, signed 2026-02-03)
    restored them back to 2026-01-31 and extended them through 2027-12-31; CMS told MACs to
    release held claims and providers to resubmit the ones returned. Once Medicare pays, an ABN
    no longer makes the patient liable, and what the patient paid under it is refunded.
    Sources: CMS, "All Fee-For-Service Providers" (claims during the lapse),
    https://www.cms.gov/Center/Provider-Type/All-Fee-For-Service-Providers-Center ; Noridian,
    "MLN Connects special edition: update on processing of telehealth claims" (2025-11-07),
    https://med.noridianmedicare.com/web/jfb/article-detail/-/view/10534/mln-connects-special-edition-update-on-processing-of-telehealth-and-acute-hospital-care-at-home-claims-november-7-2025
    AAMC, "CMS releases new guidance on telehealth payment" (2025-11),
    https://www.aamc.org/advocacy-policy/washington-highlights/cms-releases-new-guidance-telehealth-payment
    McGuireWoods, "Understanding Congress' latest extension of Medicare telehealth
    flexibilities" (2026),
    https://www.mcguirewoods.com/client-resources/alerts/2026/2/understanding-congress-latest-extension-of-medicare-telehealth-flexibilities

    Example: 99213 with POS 10 and modifier 95 on 2025-10-15 billed to Medicare, denied with
    CO-96 — reported; the same line on 2025-11-13 is not (after the lapse), nor the same line
    paid.

    Instead: resubmit the denied line (a claim returned unprocessed is a new claim;
    a denied one is reopened); a line billed under GA is billed to Medicare as telehealth, and
    the patient is refunded what they paid under the ABN.
    """
    return _el005_scope() & ((pl.col(LINE_STATUS) == "denied") | _has_ga())
