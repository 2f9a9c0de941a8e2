"""The review's state: the worklist, the filters, where the reviewer is, and the decisions.

A plain object (no ipywidgets here): the widget renders it and forwards clicks, tests drive it
directly. Decisions are per finding, grouped by encounter: the worklist key is the finding's
encounter_id, or ``claim:<claim_id>`` for a finding whose line has none. Every decision goes to
the ``ReviewStore`` the moment it is made; the decision counts shown (progress, status filter) are
read back from the file, so they include other reviewers' decisions on the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from telekit._core import _columns as c
from telekit._engine._result import EXPOSURE_KINDS, EXPOSURE_WORDS, exposure_columns, money_phrase
from telekit.report._decisions import DECISIONS
from telekit.review._store import ReviewStore, normalize_decision

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult

KEY = "worklist_key"
CLAIM_PREFIX = "claim:"
SEVERITIES = ("error", "warning", "info")
STATUSES = ("unreviewed", "reviewed", *DECISIONS)
"""Values of the status filter: ``unreviewed`` (some finding has no decision), ``reviewed``
(every finding has one), or a decision (some finding's current decision is that one)."""
SORTS = ("exposure", "date", "key")
"""Worklist orders. ``exposure``: the money of each entry kind by kind, never added together —
the overpaid amount first (largest first: refunds the practice may owe), then among equal ones
the denied amount, then the at-risk amount, then the underpaid amount, then the date of service
and key; an entry's amount in a kind counts each of its claim lines once, at the line's largest
amount in the kind (as ``AuditResult.exposure()`` does for the practice). ``date``: date of
service (earliest first). ``key``: the worklist key."""
#: how a finding's amount was computed (its ``amount_basis``), in a reviewer's words
BASIS_WORDS = {
    "paid": "paid + patient share",
    "allowed": "allowed amount",
    "expected_fee": "expected fee",
    "fee_schedule": "fee schedule",
    "charge": "charge",
}

_FILTERS = ("rule", "severity", "provider", "payer", "status")
_FINDING_KEYS = ("finding_id", "rule_code", c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.ENCOUNTER_ID)
_DECISION_COLUMNS = ("decision", "note", "reviewer", "decided_at")


def finding_money(exposure: str | None, amount: Decimal | None, basis: str | None) -> str:
    """A finding's money as a reviewer reads it: ``denied $96.20 (fee schedule)``, ``overpaid
    $66.12 (paid + patient share)``, ``underpaid, not priced`` (no fee-schedule price for the
    line), or ``no money at stake`` (exposure ``none``)."""
    if exposure not in EXPOSURE_WORDS:
        return "no money at stake"
    word = EXPOSURE_WORDS[exposure]
    if basis not in BASIS_WORDS:
        return f"{word}, not priced"
    return f"{word} ${amount or Decimal('0'):,.2f} ({BASIS_WORDS[basis]})"


def money_text(exposure: dict[str, Decimal]) -> str:
    """An entry's money (``EncounterView.exposure``): ``$66.12 overpaid, $96.20 denied`` (kinds
    with no amount left out; never added together), or ``no money at stake``."""
    totals = pl.DataFrame(
        {"exposure": list(EXPOSURE_KINDS), "amount": [exposure[k] for k in EXPOSURE_KINDS]},
        schema={"exposure": pl.String, "amount": c.MONEY},
    )
    return money_phrase(totals, "") or "no money at stake"


def worklist_key() -> pl.Expr:
    """A finding's worklist key: encounter_id, else ``claim:<claim_id>``."""
    return pl.coalesce(
        pl.col(c.ENCOUNTER_ID), pl.concat_str([pl.lit(CLAIM_PREFIX), pl.col(c.CLAIM_ID)])
    ).alias(KEY)


@dataclass(frozen=True)
class Filters:
    """Worklist filters; None means any. rule, severity, provider (rendering NPI) and payer
    select encounters with at least one finding matching all of them; status is one of
    ``STATUSES``."""

    rule: str | None = None
    severity: str | None = None
    provider: str | None = None
    payer: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class EncounterView:
    """Everything the reviewer sees for one worklist entry."""

    key: str
    position: int  # 1-based, in the filtered worklist
    total: int
    encounter_id: str | None
    person_id: str | None
    date_of_service: date | None
    exposure: dict[str, Decimal]  # kind of EXPOSURE_KINDS -> amount (each line once per kind)
    status: str  # open | partial | reviewed
    lines: pl.DataFrame  # its claim lines (codes, modifiers, POS, charges), flagged rules
    findings: pl.DataFrame  # its findings with the current decision, note, reviewer, decided_at
    documentation: dict[str, Any] | None  # the encounter row, or None (see documentation_note)
    documentation_note: str
    coverage: pl.DataFrame | None  # coverage rows covering the date of service
    coverage_note: str
    rule_docs: dict[str, str] = field(default_factory=dict)


class ReviewState:
    """The review of one ``AuditResult`` by one reviewer, persisted in ``store``.

    Reopening a file resumes at the reviewer's saved position when it is still in the worklist.
    """

    def __init__(
        self,
        result: AuditResult,
        *,
        store: ReviewStore,
        reviewer: str,
        sort: str = "exposure",
    ) -> None:
        if not reviewer.strip():
            msg = "reviewer must be a non-empty name"
            raise ValueError(msg)
        self.result = result
        self.store = store
        self.reviewer = reviewer
        self._findings = result.findings.with_columns(worklist_key()).sort(
            KEY, c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code"
        )
        self._summary = self._summarise(self._findings)
        self._all_keys = frozenset(self._summary.get_column(KEY).to_list())
        self._filters = Filters()
        self._sort = self._check_sort(sort)
        self._keys: list[str] = []
        self._index = 0
        self._rule_docs: dict[str, str] = {}
        self._refresh_keys()
        saved = store.position(reviewer)
        if saved is not None and saved in self._keys:
            self._index = self._keys.index(saved)

    # --- worklist -------------------------------------------------------------------------

    @staticmethod
    def _summarise(findings: pl.DataFrame) -> pl.DataFrame:
        money = exposure_columns(findings, [KEY])
        rank = pl.col("severity").replace_strict(
            {s: i for i, s in enumerate(SEVERITIES)}, return_dtype=pl.Int8, default=9
        )
        return (
            findings.group_by(KEY)
            .agg(
                pl.col(c.ENCOUNTER_ID).drop_nulls().first(),
                pl.col(c.PERSON_ID).drop_nulls().first(),
                pl.col(c.CLAIM_LINE_START_DATE).min(),
                pl.col(c.CLAIM_ID).unique().sort().str.join(", ").alias("claim_ids"),
                pl.col(c.PAYER).drop_nulls().unique().sort().str.join(", ").alias("payers"),
                pl.col(c.RENDERING_NPI)
                .drop_nulls()
                .unique()
                .sort()
                .str.join(", ")
                .alias("rendering_npis"),
                pl.col("rule_code").unique().sort().str.join(", ").alias("rule_codes"),
                pl.col("severity").sort_by(rank).first().alias("severity"),
                pl.len().cast(pl.Int64).alias("findings"),
            )
            .join(money, on=KEY, how="left")
            .with_columns(pl.col(k).fill_null(Decimal("0")).cast(c.MONEY) for k in EXPOSURE_KINDS)
            .sort(KEY)
        )

    @staticmethod
    def _check_sort(sort: str) -> str:
        if sort not in SORTS:
            msg = f"sort must be one of {', '.join(SORTS)} (got {sort!r})"
            raise ValueError(msg)
        return sort

    def _with_decisions(self) -> pl.DataFrame:
        """The findings with their current decision columns (null when undecided)."""
        current = self.store.current().select("finding_id", *_DECISION_COLUMNS)
        return self._findings.join(current, on="finding_id", how="left")

    def worklist(self, *, filtered: bool = True) -> pl.DataFrame:
        """One row per worklist entry, in worklist order (the filtered one unless
        ``filtered=False``): worklist_key, encounter_id, person_id, claim_line_start_date,
        claim_ids, payers, rendering_npis, rule_codes, severity (the worst), findings, decided,
        status (open | partial | reviewed), overpayment, denied, at_risk, underpayment (each
        claim line once per kind, at its largest amount in the kind; never added together)."""
        decided = (
            self._with_decisions()
            .group_by(KEY)
            .agg(pl.col("decision").is_not_null().sum().cast(pl.Int64).alias("decided"))
        )
        table = self._summary.join(decided, on=KEY, how="left").with_columns(
            pl.when(pl.col("decided") == 0)
            .then(pl.lit("open"))
            .when(pl.col("decided") < pl.col("findings"))
            .then(pl.lit("partial"))
            .otherwise(pl.lit("reviewed"))
            .alias("status")
        )
        first = self._summary.columns[: self._summary.columns.index("findings")]
        cols = [*first, "findings", "decided", "status", *EXPOSURE_KINDS]
        table = table.select(cols)
        if not filtered:
            return self._sorted(table)
        order = pl.DataFrame({KEY: self._keys}, schema={KEY: pl.String}).with_row_index("_pos")
        return table.join(order, on=KEY, how="inner").sort("_pos").drop("_pos")

    def _sorted(self, table: pl.DataFrame) -> pl.DataFrame:
        if self._sort == "exposure":
            return table.sort(
                [*EXPOSURE_KINDS, c.CLAIM_LINE_START_DATE, KEY],
                descending=[True] * len(EXPOSURE_KINDS) + [False, False],
                nulls_last=True,
            )
        if self._sort == "date":
            return table.sort([c.CLAIM_LINE_START_DATE, KEY], nulls_last=True)
        return table.sort(KEY)

    def _refresh_keys(self) -> None:
        current = self.current_key
        f = self._filters
        conditions = [
            pl.col(column) == value
            for column, value in (
                ("rule_code", f.rule),
                ("severity", f.severity),
                (c.RENDERING_NPI, f.provider),
                (c.PAYER, f.payer),
            )
            if value is not None
        ]
        table = self.worklist(filtered=False)
        if conditions:
            matching = self._findings.filter(*conditions).select(KEY).unique()
            table = table.join(matching, on=KEY, how="semi")
        if f.status == "unreviewed":
            table = table.filter(pl.col("status") != "reviewed")
        elif f.status == "reviewed":
            table = table.filter(pl.col("status") == "reviewed")
        elif f.status in DECISIONS:
            having = self._with_decisions().filter(pl.col("decision") == f.status).select(KEY)
            table = table.join(having.unique(), on=KEY, how="semi")
        self._keys = table.get_column(KEY).to_list()
        self._index = self._keys.index(current) if current in self._keys else 0

    @property
    def filters(self) -> Filters:
        return self._filters

    @property
    def sort(self) -> str:
        return self._sort

    def set_filters(self, **changes: str | None) -> list[str]:
        """Change some filters (rule=, severity=, provider=, payer=, status=; None or "" clears
        one) and recompute the worklist. The current entry stays current when it still
        matches, else the first entry is. Returns the worklist keys.

        The worklist is a snapshot: deciding an entry does not drop it from a ``status``
        filtered list until the filters change (or ``refresh()``)."""
        cleaned = {k: (v if v else None) for k, v in changes.items()}
        unknown = sorted(set(cleaned) - set(_FILTERS))
        if unknown:
            msg = f"no filter {', '.join(unknown)}; the filters are {', '.join(_FILTERS)}"
            raise ValueError(msg)
        status = cleaned.get("status")
        if status is not None and status not in STATUSES:
            msg = f"status filter must be one of {', '.join(STATUSES)} (got {status!r})"
            raise ValueError(msg)
        self._filters = replace(self._filters, **cleaned)
        self._refresh_keys()
        return self.keys

    def set_sort(self, sort: str) -> list[str]:
        """Order the worklist by ``sort`` (one of ``SORTS``). Returns the worklist keys."""
        self._sort = self._check_sort(sort)
        self._refresh_keys()
        return self.keys

    def refresh(self) -> list[str]:
        """Recompute the filtered worklist (e.g. after other reviewers' decisions)."""
        self._refresh_keys()
        return self.keys

    @property
    def keys(self) -> list[str]:
        """The worklist keys in order (filtered)."""
        return list(self._keys)

    @property
    def all_keys(self) -> frozenset[str]:
        return self._all_keys

    def options(self) -> dict[str, list[str]]:
        """The values each filter can take (rule, severity, provider, payer, status)."""

        def values(column: str) -> list[str]:
            return self._findings.get_column(column).drop_nulls().unique().sort().to_list()

        present = set(values("severity"))
        return {
            "rule": values("rule_code"),
            "severity": [s for s in SEVERITIES if s in present],
            "provider": values(c.RENDERING_NPI),
            "payer": values(c.PAYER),
            "status": list(STATUSES),
        }

    def provider_names(self) -> dict[str, str]:
        """Rendering NPI -> provider_name from the roster (when given)."""
        roster = self.result.providers
        if roster is None:
            return {}
        named = roster.filter(pl.col(c.PROVIDER_NAME).is_not_null())
        return dict(zip(named.get_column(c.NPI), named.get_column(c.PROVIDER_NAME), strict=True))

    # --- progress -------------------------------------------------------------------------

    def progress(self, *, filtered: bool = True) -> tuple[int, int]:
        """(reviewed, total) encounters of the worklist; reviewed = every finding decided."""
        table = self.worklist(filtered=filtered)
        reviewed = table.filter(pl.col("status") == "reviewed").height
        return reviewed, table.height

    def progress_text(self) -> str:
        """``"37 of 212 encounters reviewed"`` (of the filtered worklist, with the overall
        figure when a filter is on)."""
        reviewed, total = self.progress()
        text = f"{reviewed} of {total} encounters reviewed"
        if self._filters != Filters():
            all_reviewed, all_total = self.progress(filtered=False)
            text += f" (filtered; {all_reviewed} of {all_total} overall)"
        return text

    # --- navigation -----------------------------------------------------------------------

    @property
    def index(self) -> int:
        """0-based position in the filtered worklist."""
        return self._index

    @property
    def current_key(self) -> str | None:
        if not self._keys:
            return None
        return self._keys[self._index]

    def _move(self, index: int) -> str | None:
        if not self._keys:
            return None
        self._index = max(0, min(index, len(self._keys) - 1))
        key = self._keys[self._index]
        self.store.save_position(self.reviewer, key)
        return key

    def next(self) -> str | None:
        """Move to the next entry (stays on the last one). Returns the current key."""
        return self._move(self._index + 1)

    def previous(self) -> str | None:
        """Move to the previous entry (stays on the first one). Returns the current key."""
        return self._move(self._index - 1)

    def next_undecided(self) -> str | None:
        """Move to the next entry of the filtered worklist that still has an undecided finding
        (after the current one, then from the top). Stays when the current entry itself still
        has one (a decision on some of its findings leaves the rest to decide) or when every
        entry is reviewed. Returns the current key."""
        if not self._keys:
            return None
        open_rows = (
            self.worklist()
            .with_row_index("_pos")
            .filter(pl.col("status") != "reviewed")
            .get_column("_pos")
            .to_list()
        )
        if not open_rows or self._index in open_rows:
            return self.current_key
        later = [i for i in open_rows if i > self._index]
        return self._move(later[0] if later else open_rows[0])

    def goto(self, key: str) -> str:
        """Move to worklist ``key`` (an encounter_id, ``claim:<claim_id>``, or a bare claim_id
        whose findings have no encounter)."""
        target = key.strip()
        if target not in self._all_keys and f"{CLAIM_PREFIX}{target}" in self._all_keys:
            target = f"{CLAIM_PREFIX}{target}"
        if target not in self._all_keys:
            msg = (
                f"no worklist entry with that key ({len(self._all_keys)} entries; keys are "
                "encounter_id, or claim:<claim_id> for findings without one)"
            )
            raise KeyError(msg)
        if target not in self._keys:
            msg = "that entry is outside the filtered worklist; clear the filters to reach it"
            raise KeyError(msg)
        self._move(self._keys.index(target))
        return target

    # --- decisions ------------------------------------------------------------------------

    def current_findings(self) -> pl.DataFrame:
        """The current entry's findings with their current decision columns."""
        key = self.current_key
        return (
            self._with_decisions()
            .filter(pl.col(KEY) == key)
            .sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code")
        )

    def decide(
        self, decision: str, *, note: str = "", finding_ids: Iterable[str] | None = None
    ) -> int:
        """Record ``decision`` (confirm | dismiss | needs_query) with ``note`` for the current
        entry's findings (``finding_ids`` chooses some of them), in one transaction. Returns
        how many findings were decided."""
        decision = normalize_decision(decision)
        key = self.current_key
        if key is None:
            msg = "the worklist is empty (check the filters); there is nothing to decide"
            raise ValueError(msg)
        chosen = self._findings.filter(pl.col(KEY) == key)
        if finding_ids is not None:
            wanted = list(dict.fromkeys(finding_ids))
            if not wanted:
                msg = "finding_ids is empty; pass None to decide every finding of the encounter"
                raise ValueError(msg)
            chosen = chosen.filter(pl.col("finding_id").is_in(wanted))
            if chosen.height != len(wanted):
                msg = (
                    f"{len(wanted) - chosen.height} of the finding_ids are not findings of the "
                    "current encounter"
                )
                raise KeyError(msg)
        return self.store.record(
            chosen.select(_FINDING_KEYS), decision, note=note, reviewer=self.reviewer
        )

    def decide_and_next(
        self, decision: str, *, note: str = "", finding_ids: Iterable[str] | None = None
    ) -> int:
        """``decide`` and then ``next_undecided``: the "Save & next" of the review app.
        Returns how many findings were decided; ``current_key`` tells where it moved."""
        n = self.decide(decision, note=note, finding_ids=finding_ids)
        self.next_undecided()
        return n

    def decisions(self) -> pl.DataFrame:
        """The current decision of every decided finding of this audit (latest per finding,
        any reviewer): finding_id, rule_code, claim_id, claim_line_number, encounter_id,
        decision, note, reviewer, decided_at (UTC)."""
        ids = self._findings.select("finding_id")
        return self.store.current().join(ids, on="finding_id", how="semi")

    # --- the current entry ----------------------------------------------------------------

    def rule_doc(self, code: str) -> str:
        """The rule's documentation page (its docstring)."""
        if code not in self._rule_docs:
            from telekit import rules  # noqa: PLC0415 - the registry imports every rule module

            self._rule_docs[code] = rules.get(code).doc
        return self._rule_docs[code]

    def view(self) -> EncounterView | None:
        """The current entry, or None when the worklist is empty."""
        key = self.current_key
        if key is None:
            return None
        findings = self.current_findings()
        summary = self._summary.filter(pl.col(KEY) == key).row(0, named=True)
        encounter_id: str | None = summary[c.ENCOUNTER_ID]
        person_id: str | None = summary[c.PERSON_ID]
        dos: date | None = summary[c.CLAIM_LINE_START_DATE]
        decided = findings.get_column("decision").is_not_null().sum()
        status = "open" if decided == 0 else "partial" if decided < findings.height else "reviewed"
        lines = self._lines(key, findings)
        documentation, doc_note = self._documentation(encounter_id, findings)
        coverage, cov_note = self._coverage(person_id, dos)
        return EncounterView(
            key=key,
            position=self._index + 1,
            total=len(self._keys),
            encounter_id=encounter_id,
            person_id=person_id,
            date_of_service=dos,
            exposure={kind: summary[kind] for kind in EXPOSURE_KINDS},
            status=status,
            lines=lines,
            findings=findings,
            documentation=documentation,
            documentation_note=doc_note,
            coverage=coverage,
            coverage_note=cov_note,
            rule_docs={code: self.rule_doc(code) for code in findings.get_column("rule_code")},
        )

    def _lines(self, key: str, findings: pl.DataFrame) -> pl.DataFrame:
        claims = self.result.claims
        if key.startswith(CLAIM_PREFIX):
            lines = claims.filter(pl.col(c.CLAIM_ID) == key.removeprefix(CLAIM_PREFIX))
        else:
            lines = claims.filter(pl.col(c.ENCOUNTER_ID) == key)
        flagged = findings.group_by(c.CLAIM_ID, c.CLAIM_LINE_NUMBER).agg(
            pl.col("rule_code").sort().str.join(", ").alias("findings")
        )
        return (
            lines.join(flagged, on=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER], how="left")
            .select(
                c.CLAIM_ID,
                c.CLAIM_LINE_NUMBER,
                c.CLAIM_LINE_START_DATE,
                c.HCPCS_CODE,
                pl.concat_str(list(c.MODIFIERS), separator=" ", ignore_nulls=True).alias(
                    "modifiers"
                ),
                c.PLACE_OF_SERVICE_CODE,
                c.SERVICE_UNIT_QUANTITY,
                c.CHARGE_AMOUNT,
                c.PAYER,
                c.RENDERING_NPI,
                c.CLAIM_FREQUENCY_CODE,
                pl.concat_str(list(c.DIAGNOSES), separator=" ", ignore_nulls=True).alias(
                    "diagnoses"
                ),
                pl.col("findings").fill_null(""),
            )
            .sort(c.CLAIM_ID, c.CLAIM_LINE_NUMBER)
        )

    def _documentation(
        self, encounter_id: str | None, findings: pl.DataFrame
    ) -> tuple[dict[str, Any] | None, str]:
        encounters = self.result.encounters
        if encounters is None:
            return None, "no encounters table was given to the audit"
        if encounter_id is not None:
            match = encounters.filter(pl.col(c.ENCOUNTER_ID) == encounter_id)
            if match.height == 0:
                return None, "the encounter is not in the encounters table"
            return match.row(0, named=True), ""
        # a line without encounter_id: the single encounter of the same person, rendering NPI
        # and date (DESIGN §3)
        first = findings.row(0, named=True)
        match = encounters.filter(
            (pl.col(c.PERSON_ID) == first[c.PERSON_ID])
            & (pl.col(c.RENDERING_NPI) == first[c.RENDERING_NPI])
            & (pl.col(c.ENCOUNTER_DATE) == first[c.CLAIM_LINE_START_DATE])
        )
        if match.height == 1:
            return match.row(0, named=True), "matched by person, rendering NPI and date"
        if match.height == 0:
            return None, "the line has no encounter_id and no encounter matches it"
        return None, "the line has no encounter_id and several encounters match it"

    def _coverage(self, person_id: str | None, dos: date | None) -> tuple[pl.DataFrame | None, str]:
        coverage = self.result.coverage
        if coverage is None:
            return None, "no coverage table was given to the audit"
        if person_id is None or dos is None:
            return None, "no person or date of service to look up"
        rows = coverage.filter(
            (pl.col(c.PERSON_ID) == person_id)
            & (pl.col(c.ENROLLMENT_START_DATE) <= dos)
            & (pl.col(c.ENROLLMENT_END_DATE).is_null() | (pl.col(c.ENROLLMENT_END_DATE) >= dos))
        ).sort(c.ENROLLMENT_START_DATE, c.PAYER)
        note = "" if rows.height else "no coverage row covers the date of service"
        return rows, note
