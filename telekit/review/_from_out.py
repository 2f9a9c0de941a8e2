"""The review of an audit's OUT folder, without re-auditing: ``load_review(out)``.

The findings come from OUT (``findings.parquet``, through ``telekit.report.load_audit``); the
tables the review shows beside them (the encounter's claim lines, its documentation, the
coverage on the date of service, the provider names) are read again from the paths recorded in
``inputs.json``, each only when its SHA-256 still matches what the audit read (and the column
map and policies it was read with are unchanged too). A table that cannot be read that way is
left out, with the reason in ``ReviewSource.unavailable``; the review then shows the findings
without that panel (claim lines: an empty table).

A de-identified OUT is refused: its ids are pseudonyms that match neither the input files nor
a review file of the identified audit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit.report._out import load_audit, reread_settings, reread_table

# what `telekit review serve` passes to the app's notebook (telekit.review._app)
ENV_OUT = "TELEKIT_REVIEW_OUT"
ENV_DB = "TELEKIT_REVIEW_DB"

#: the tables the review shows beside the findings, read again from inputs.json
REVIEW_TABLES = ("claims", "encounters", "coverage", "providers")


@dataclass(frozen=True)
class ReviewSource:
    """What the review needs of an audit, read from its OUT folder.

    It has the ``findings``, ``claims``, ``encounters``, ``coverage`` and ``providers`` that
    ``ReviewState`` reads of an ``AuditResult``; ``unavailable`` maps each table that could not
    be read again to why (``claims`` is then an empty canonical frame, the others None), and
    ``summary`` is OUT's summary.json.
    """

    out: Path
    findings: pl.DataFrame
    claims: pl.DataFrame
    encounters: pl.DataFrame | None
    coverage: pl.DataFrame | None
    providers: pl.DataFrame | None
    summary: dict[str, Any]
    unavailable: dict[str, str] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """One sentence per table left out, for the reviewer."""
        return [f"{table}: {why}" for table, why in self.unavailable.items()]


def check_review_out(out: str | Path) -> dict[str, Any]:
    """OUT's summary.json when OUT can be reviewed: an audit's OUT (summary.json and
    findings.parquet), not de-identified. Raises ``InputError`` (one line) otherwise."""
    folder = Path(out)
    if not folder.is_dir():
        msg = f"{folder}: not a folder (give the --out folder of `telekit audit`)"
        raise InputError(msg)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        msg = f"{folder}: no summary.json (run `telekit audit ... --out {folder}` first)"
        raise InputError(msg)
    if not (folder / "findings.parquet").is_file():
        msg = f"{folder}: no findings.parquet (run `telekit audit ... --out {folder}` again)"
        raise InputError(msg)
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{summary_path}: not a telekit summary.json (expected JSON written by the audit)"
        raise InputError(msg) from exc
    if not isinstance(summary, dict):
        msg = f"{summary_path}: not a telekit summary.json (expected a JSON object)"
        raise InputError(msg)
    if summary.get("deidentified"):
        msg = (
            f"{folder} is de-identified (its ids are pseudonyms): review the identified OUT "
            "of the same audit instead"
        )
        raise InputError(msg)
    return summary


def _review_claims(claims: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """The claim lines the review can show: those of a flagged claim or of a flagged encounter
    (the rest never appear in the review, and a large audit need not hold them)."""
    claim_ids = findings.get_column(c.CLAIM_ID).drop_nulls().unique()
    encounter_ids = findings.get_column(c.ENCOUNTER_ID).drop_nulls().unique()
    return claims.filter(
        pl.col(c.CLAIM_ID).is_in(claim_ids.implode())
        | pl.col(c.ENCOUNTER_ID).is_in(encounter_ids.implode())
    )


def load_review(out: str | Path) -> ReviewSource:
    """The review of what ``telekit audit`` wrote to ``out``, without re-auditing:
    ``EncounterReview(load_review(out), db=..., reviewer=...)`` (see the module doc)."""
    folder = Path(out)
    summary = check_review_out(folder)
    record, _, _ = load_audit(folder)
    inputs: Mapping[str, Any] = (record.inputs or {}).get("inputs") or {}
    unavailable: dict[str, str] = {}
    tables: dict[str, pl.DataFrame | None] = dict.fromkeys(REVIEW_TABLES)
    if not inputs:
        unavailable = dict.fromkeys(REVIEW_TABLES, "OUT has no inputs.json naming the files")
    else:
        mapping, payer_types, why = reread_settings(inputs)
        for table in REVIEW_TABLES:
            if why:
                unavailable[table] = why
                continue
            tables[table], reason = reread_table(table, inputs, mapping, payer_types)
            if reason:
                unavailable[table] = reason
    claims = tables["claims"]
    return ReviewSource(
        out=folder,
        findings=record.findings,
        claims=(
            pl.DataFrame(schema=c.TABLES["claims"].schema)
            if claims is None
            else _review_claims(claims, record.findings)
        ),
        encounters=tables["encounters"],
        coverage=tables["coverage"],
        providers=tables["providers"],
        summary=summary,
        unavailable=unavailable,
    )
