"""Two audits of one practice compared (``telekit compare BEFORE AFTER --out DIR``): which
findings are new, persisting and resolved, the four kinds of money by rule, provider and payer
before and after, the rules whose semantics changed between the two catalogs, and, given the
earlier audit's review file, whether the findings confirmed there were fixed.

Matching (``compare``)
----------------------
A finding is (rule, claim line); its ``finding_id`` is a hash of rule, claim_id and line number
(``telekit._engine._run``), the same in every run for the same claim line and rule. Two findings
match when rule, claim line number and claim agree, a claim being taken as its latest
replacement: a frequency 7 claim Y with original_claim_id X replaces X (in either audit), so a
BEFORE finding on X line n matches AFTER's finding of the same rule on Y line n (X's lines,
superseded, are no longer flagged). Only claim lines present in BOTH audits are compared
(OUT's claim_lines.parquet): a finding whose line the other audit lacks (a later month, a
smaller extract) is *out of scope*, counted apart, never resolved.

- new: in AFTER, not in BEFORE, on a line BEFORE audited;
- persisting: in both;
- resolved: in BEFORE, not in AFTER, on a line AFTER audited;
- out of scope: on a line the other audit does not hold.

The money (overpaid, denied, at risk, underpaid; never added together) is compared on the lines
both audits hold: BEFORE's persisting and resolved findings against AFTER's persisting and new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit._engine._result import EXPOSURE_KINDS, exposure_by
from telekit._scale._merge import CLAIM_LINE_COLUMNS
from telekit.report._decisions import read_current
from telekit.report._html import _provider_names
from telekit.report._out import load_audit, reread_settings, reread_table
from telekit.report._record import AuditRecord
from telekit.rules._changes import CHANGES

STATUSES: Final = ("new", "persisting", "resolved", "out_of_scope")
_CLAIM = "_claim"  # the claim a line is matched by: its latest replacement, else itself
_KEY: Final = ("rule_code", _CLAIM, c.CLAIM_LINE_NUMBER)
_LINE_KEY: Final = (_CLAIM, c.CLAIM_LINE_NUMBER)
_REPLACES = "7"  # claim_frequency_code of a replacement claim
_SHOWN: Final = (
    "rule_code",
    "rule_name",
    "severity",
    c.CLAIM_ID,
    c.CLAIM_LINE_NUMBER,
    c.CLAIM_LINE_START_DATE,
    "claim_line_start_year",
    c.PAYER,
    c.RENDERING_NPI,
    c.BILLING_NPI,
    c.HCPCS_CODE,
    "exposure",
    "exposure_amount",
    "message",
    "suggested_fix",
)


@dataclass(frozen=True)
class Comparison:
    """``compare(before, after)``: the two audits and their findings side by side.

    ``findings``: one row per finding of either audit, ``status`` new / persisting / resolved /
    out_of_scope and ``side`` (``before`` for resolved and BEFORE's out of scope, else
    ``after``), ``finding_id`` (that side's), ``before_finding_id`` and ``before_claim_id``
    (persisting: BEFORE's, possibly a replaced claim) and the finding's columns.
    ``by_rule`` / ``by_provider`` / ``by_payer``: per group, each kind's amount before, after
    and the change (lines both audits hold). ``changed_rules``: catalog changes between the two
    ``catalog_version``s. ``confirmed``: with a review file, each confirmed finding's outcome
    (fixed, still present, out of scope, not in the earlier audit). ``warnings``: what the
    reader must know (AFTER older than BEFORE)."""

    before: AuditRecord
    after: AuditRecord
    findings: pl.DataFrame
    by_rule: pl.DataFrame
    by_provider: pl.DataFrame
    by_payer: pl.DataFrame
    totals: pl.DataFrame
    changed_rules: pl.DataFrame
    confirmed: pl.DataFrame | None
    warnings: tuple[str, ...]

    def of(self, status: str, side: str | None = None) -> pl.DataFrame:
        """The findings of one status (and side, for out_of_scope)."""
        f = self.findings.filter(pl.col("status") == status)
        return f if side is None else f.filter(pl.col("side") == side)

    @property
    def new(self) -> pl.DataFrame:
        return self.of("new")

    @property
    def persisting(self) -> pl.DataFrame:
        return self.of("persisting")

    @property
    def resolved(self) -> pl.DataFrame:
        return self.of("resolved")

    @property
    def out_of_scope(self) -> pl.DataFrame:
        return self.of("out_of_scope")

    def counts(self) -> dict[str, int]:
        """Findings per status."""
        n = dict(self.findings.group_by("status").len().iter_rows())
        return {s: int(n.get(s, 0)) for s in STATUSES}

    def line(self, out: str) -> str:
        """The one line ``telekit compare`` prints."""
        n = self.counts()
        return (
            f"{n['new']} new, {n['persisting']} persisting, {n['resolved']} resolved findings"
            f" | {n['out_of_scope']} out of scope (line not in the other audit) | {out}"
        )


# --- reading an OUT -------------------------------------------------------------------------------


def claim_lines_of(out: Path, record: AuditRecord) -> pl.DataFrame:
    """OUT's audited claim lines: claim_lines.parquet, else (an OUT written before it) the
    claims file inputs.json names when its SHA-256 is unchanged; else an ``InputError``."""
    path = out / "claim_lines.parquet"
    if path.is_file():
        return pl.read_parquet(path)
    inputs: Mapping[str, Any] = (record.inputs or {}).get("inputs") or {}
    mapping, payer_types, why = reread_settings(inputs)
    claims = None if why else reread_table("claims", inputs, mapping, payer_types)[0]
    if claims is not None:
        return claims.select(CLAIM_LINE_COLUMNS)
    msg = (
        f"{out}: no claim_lines.parquet and its claims file is gone or changed; "
        f"re-run `telekit audit ... --out {out}` with this telekit"
    )
    raise InputError(msg)


# --- matching -------------------------------------------------------------------------------------


def _latest(lines: list[pl.DataFrame]) -> pl.DataFrame:
    """claim_id → _claim, its latest replacement (frequency 7 claims naming it, followed)."""
    links = (
        pl.concat(
            [
                f.filter(pl.col(c.CLAIM_FREQUENCY_CODE) == _REPLACES).select(
                    pl.col(c.ORIGINAL_CLAIM_ID).cast(pl.String).alias(c.CLAIM_ID),
                    pl.col(c.CLAIM_ID).cast(pl.String).alias(_CLAIM),
                )
                for f in lines
            ],
            how="vertical",
        )
        .drop_nulls()
        .filter(pl.col(c.CLAIM_ID) != pl.col(_CLAIM))
        .group_by(c.CLAIM_ID)
        .agg(pl.col(_CLAIM).max())  # two replacements of one claim: one, the same every run
    )
    mapping = links
    for _ in range(16):  # a chain X → Y → Z; a cycle stops here
        step = mapping.join(
            links.rename({c.CLAIM_ID: _CLAIM, _CLAIM: "_next"}), on=_CLAIM, how="left"
        ).select(c.CLAIM_ID, pl.coalesce("_next", _CLAIM).alias(_CLAIM))
        if step.sort(c.CLAIM_ID).equals(mapping.sort(c.CLAIM_ID)):
            break
        mapping = step
    return mapping


def _keyed(frame: pl.DataFrame, latest: pl.DataFrame) -> pl.DataFrame:
    out = frame.with_columns(pl.col(c.CLAIM_ID).cast(pl.String)).join(
        latest, on=c.CLAIM_ID, how="left"
    )
    return out.with_columns(pl.coalesce(_CLAIM, c.CLAIM_ID).alias(_CLAIM))


def _one_per_key(findings: pl.DataFrame) -> pl.DataFrame:
    """One finding per (rule, matched claim, line): the one on the matched claim itself first."""
    own = (pl.col(c.CLAIM_ID) == pl.col(_CLAIM)).alias("_own")
    return (
        findings.with_columns(own)
        .sort("_own", descending=True, maintain_order=True)
        .unique(subset=list(_KEY), keep="first", maintain_order=True)
        .drop("_own")
    )


def _shown(frame: pl.DataFrame) -> list[str]:
    return [col for col in _SHOWN if col in frame.columns]


def match(
    before: pl.DataFrame,
    after: pl.DataFrame,
    before_lines: pl.DataFrame,
    after_lines: pl.DataFrame,
) -> pl.DataFrame:
    """The findings of both audits with their ``status`` and ``side`` (see ``Comparison``)."""
    latest = _latest([before_lines, after_lines])
    b = _one_per_key(_keyed(before, latest))
    a = _one_per_key(_keyed(after, latest))
    b_lines = _keyed(before_lines, latest).select(_LINE_KEY).unique()
    a_lines = _keyed(after_lines, latest).select(_LINE_KEY).unique()
    keys = list(_KEY)
    persisting = a.join(
        b.select(
            *keys,
            pl.col("finding_id").alias("before_finding_id"),
            pl.col(c.CLAIM_ID).alias("before_claim_id"),
            pl.col("exposure").alias("before_exposure"),
            pl.col("exposure_amount").alias("before_exposure_amount"),
        ),
        on=keys,
        how="inner",
    )
    b_only = b.join(a, on=keys, how="anti")
    a_only = a.join(b, on=keys, how="anti")
    resolved = b_only.join(a_lines, on=list(_LINE_KEY), how="semi")
    new = a_only.join(b_lines, on=list(_LINE_KEY), how="semi")
    out_b = b_only.join(a_lines, on=list(_LINE_KEY), how="anti")
    out_a = a_only.join(b_lines, on=list(_LINE_KEY), how="anti")

    def tag(frame: pl.DataFrame, status: str, side: str) -> pl.DataFrame:
        cols = ["finding_id", *_shown(frame)]
        before_cols = ("before_finding_id", "before_claim_id", "before_exposure")
        extra = [col for col in (*before_cols, "before_exposure_amount") if col in frame.columns]
        return frame.select(
            pl.lit(status).alias("status"), pl.lit(side).alias("side"), *cols, *extra
        )

    parts = [
        tag(new, "new", "after"),
        tag(persisting, "persisting", "after"),
        tag(resolved, "resolved", "before"),
        tag(out_b, "out_of_scope", "before"),
        tag(out_a, "out_of_scope", "after"),
    ]
    return pl.concat(parts, how="diagonal_relaxed").sort(
        "status", c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code", maintain_order=True
    )


# --- money ----------------------------------------------------------------------------------------


def _change_table(before: pl.DataFrame, after: pl.DataFrame, key: str) -> pl.DataFrame:
    """Per ``key``: each kind's amount before, after and the change (one row per group with a
    finding on either side), largest absolute change first."""

    def wide(findings: pl.DataFrame, suffix: str) -> pl.DataFrame:
        long = exposure_by(findings, [key])
        return long.group_by(key).agg(
            pl.col("amount").filter(pl.col("exposure") == kind).sum().alias(f"{kind}_{suffix}")
            for kind in EXPOSURE_KINDS
        )

    groups = pl.concat([before.select(key), after.select(key)]).unique()
    table = groups.join(wide(before, "before"), on=key, how="left", nulls_equal=True).join(
        wide(after, "after"), on=key, how="left", nulls_equal=True
    )
    zero = pl.lit(Decimal(0)).cast(c.MONEY)
    cols = []
    for kind in EXPOSURE_KINDS:
        b = pl.col(f"{kind}_before").fill_null(zero).cast(c.MONEY)
        a = pl.col(f"{kind}_after").fill_null(zero).cast(c.MONEY)
        cols += [
            b.alias(f"{kind}_before"),
            a.alias(f"{kind}_after"),
            (a - b).cast(c.MONEY).alias(f"{kind}_change"),
        ]
    table = table.select(key, *cols)
    size = pl.sum_horizontal(pl.col(f"{k}_change").abs() for k in EXPOSURE_KINDS)
    return table.sort(size, key, descending=[True, False], nulls_last=True)


def _totals(
    before_all: pl.DataFrame,
    after_all: pl.DataFrame,
    before: pl.DataFrame,
    after: pl.DataFrame,
) -> pl.DataFrame:
    """Each kind, whole audits and lines both hold: amount before, after, change."""
    rows = []
    for scope, b, a in (("whole audits", before_all, after_all), ("lines in both", before, after)):
        tb = dict(exposure_by(b, []).select("exposure", "amount").iter_rows())
        ta = dict(exposure_by(a, []).select("exposure", "amount").iter_rows())
        for kind in EXPOSURE_KINDS:
            vb, va = tb.get(kind) or Decimal(0), ta.get(kind) or Decimal(0)
            rows.append((scope, kind, vb, va, va - vb))
    return pl.DataFrame(
        rows,
        schema={
            "scope": pl.String,
            "exposure": pl.String,
            "before": c.MONEY,
            "after": c.MONEY,
            "change": c.MONEY,
        },
        orient="row",
    )


def changed_rules(before_version: str | None, after_version: str | None) -> pl.DataFrame:
    """The catalog changes between two ``catalog_version``s (either order): version, rule,
    kind, what changed. Unknown versions (older OUTs): every change up to the known one."""
    lo, hi = sorted([before_version or "", after_version or ""])
    rows = [ch for ch in CHANGES if lo < ch[0] <= hi]
    return pl.DataFrame(
        rows,
        schema={
            "version": pl.String,
            "rule_code": pl.String,
            "kind": pl.String,
            "change": pl.String,
        },
        orient="row",
    )


# --- the review of the earlier audit --------------------------------------------------------------

OUTCOMES: Final = {
    "resolved": "fixed",
    "persisting": "still present",
    "out_of_scope": "out of scope",
}


def confirmed_outcomes(review: str | Path, findings: pl.DataFrame) -> pl.DataFrame:
    """Each finding confirmed (its current decision) in ``review``: was it fixed (resolved in
    AFTER), is it still present, out of scope, or not a finding of the earlier audit."""
    decisions = read_current(
        review, order="line", refused="telekit compare does not use its decisions"
    ).filter(pl.col("decision") == "confirm")
    before_side = _before_outcomes(findings)
    return (
        decisions.select(
            "finding_id", "rule_code", c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "reviewer", "decided_at"
        )
        .join(before_side, on="finding_id", how="left")
        .with_columns(pl.col("outcome").fill_null("not in the earlier audit"))
    )


def _before_outcomes(findings: pl.DataFrame) -> pl.DataFrame:
    """BEFORE's finding_id → outcome (and AFTER's finding_id when still present)."""
    persisting = findings.filter(pl.col("status") == "persisting").select(
        pl.col("before_finding_id").alias("finding_id"),
        pl.lit(OUTCOMES["persisting"]).alias("outcome"),
        pl.col("finding_id").alias("after_finding_id"),
    )
    gone = findings.filter(pl.col("side") == "before").select(
        "finding_id",
        pl.col("status").replace_strict(OUTCOMES, return_dtype=pl.String).alias("outcome"),
        pl.lit(None, dtype=pl.String).alias("after_finding_id"),
    )
    return pl.concat([persisting, gone], how="vertical")


# --- compare --------------------------------------------------------------------------------------


def _summary(record: AuditRecord) -> Mapping[str, Any]:
    return record.summary_data


def _check_pair(
    before: AuditRecord, after: AuditRecord, b_lines: pl.DataFrame, a_lines: pl.DataFrame
) -> list[str]:
    """Refuse what cannot be compared; the warnings of what can."""
    if before.deidentified != after.deidentified:
        msg = (
            "one audit is de-identified and the other is not: its pseudonyms never match real "
            "ids; compare two identified audits (or two written with the same key)"
        )
        raise InputError(msg)
    if before.deidentified:
        shared_ids = before.findings.select("finding_id").join(
            after.findings.select("finding_id"), on="finding_id", how="semi"
        )
        shared_claims = b_lines.select(c.CLAIM_ID).join(
            a_lines.select(c.CLAIM_ID), on=c.CLAIM_ID, how="semi"
        )
        if shared_ids.height == 0 and shared_claims.height == 0:
            msg = (
                "the two de-identified audits share no pseudonym (each run draws its own): "
                "compare the identified audits, or re-identify both with their keys"
            )
            raise InputError(msg)
    b_as_of, a_as_of = _summary(before).get("as_of"), _summary(after).get("as_of")
    if isinstance(b_as_of, str) and isinstance(a_as_of, str) and a_as_of < b_as_of:
        return [
            f"AFTER's as-of date ({a_as_of}) is before BEFORE's ({b_as_of}): new and resolved "
            "read from BEFORE to AFTER as given; swap them if that is not meant"
        ]
    return []


def compare(
    before: str | Path, after: str | Path, *, review: str | Path | None = None
) -> Comparison:
    """The findings of two ``telekit audit`` OUT folders compared (see the module's doc):
    ``before`` the earlier audit, ``after`` the later; ``review`` the earlier audit's review
    file for the outcome of its confirmed findings. ``InputError`` for a de-identified OUT
    beside an identified one, two de-identified OUTs with different keys, or an OUT without
    its claim lines (re-run the audit)."""
    b_out, a_out = Path(before), Path(after)
    b_rec, a_rec = load_audit(b_out)[0], load_audit(a_out)[0]
    b_lines, a_lines = claim_lines_of(b_out, b_rec), claim_lines_of(a_out, a_rec)
    warnings = _check_pair(b_rec, a_rec, b_lines, a_lines)
    findings = match(b_rec.findings, a_rec.findings, b_lines, a_lines)
    in_scope_b = findings.filter(pl.col("status").is_in(["persisting", "resolved"]))
    b_scope = in_scope_b.with_columns(
        pl.when(pl.col("status") == "persisting")
        .then(pl.col("before_exposure"))
        .otherwise(pl.col("exposure"))
        .alias("exposure"),
        pl.when(pl.col("status") == "persisting")
        .then(pl.col("before_exposure_amount"))
        .otherwise(pl.col("exposure_amount"))
        .alias("exposure_amount"),
        pl.when(pl.col("status") == "persisting")
        .then(pl.col("before_claim_id"))
        .otherwise(pl.col(c.CLAIM_ID))
        .alias(c.CLAIM_ID),
    )
    a_scope = findings.filter(pl.col("status").is_in(["persisting", "new"]))
    names = _provider_names(a_rec.providers if a_rec.providers is not None else b_rec.providers)
    by_provider = _change_table(b_scope, a_scope, c.RENDERING_NPI).join(
        names, on=c.RENDERING_NPI, how="left", maintain_order="left"
    )
    rule_names = (
        pl.concat([b_rec.findings.select("rule_code", "rule_name"), a_rec.findings.select(
            "rule_code", "rule_name")])
        .unique(subset="rule_code", keep="last")
    )  # fmt: skip
    changes = changed_rules(
        _summary(b_rec).get("catalog_version"), _summary(a_rec).get("catalog_version")
    )
    by_rule = (
        _change_table(b_scope, a_scope, "rule_code")
        .join(rule_names, on="rule_code", how="left", maintain_order="left")
        .with_columns(
            pl.col("rule_code")
            .is_in(changes.get_column("rule_code").implode())
            .alias("rule_changed")
        )
    )
    return Comparison(
        before=b_rec,
        after=a_rec,
        findings=findings,
        by_rule=by_rule,
        by_provider=by_provider,
        by_payer=_change_table(b_scope, a_scope, c.PAYER),
        totals=_totals(b_rec.findings, a_rec.findings, b_scope, a_scope),
        changed_rules=changes,
        confirmed=confirmed_outcomes(review, findings) if review is not None else None,
        warnings=tuple(warnings),
    )


def summary_label(record: AuditRecord) -> dict[str, Any]:
    """practice / period / prepared_by / as_of of an audit (null when not given)."""
    s = record.summary_data
    return {
        "practice": s.get("practice"),
        "period": s.get("period"),
        "prepared_by": s.get("prepared_by"),
        "as_of": s.get("as_of"),
        "catalog_version": s.get("catalog_version"),
    }
