"""A synthetic telehealth practice with planted billing defects and the findings they imply.

``practice(seed=, size=)`` builds it in memory; ``write(out_dir, ...)`` writes what
``telekit sample`` writes (DESIGN.md §4): the seven tables, ``policies.toml``,
``expected_fees.toml``, ``sample.toml``, ``ground_truth.csv`` and ``x12/`` (the claims,
remittances and coverage as 837P, 835 and 271 files; a practice of more than one chunk of
250,000 encounters has one interchange per chunk in each file).

The practice is mostly clean: its baseline is generated so that no rule of DESIGN.md §5 fires on
it. Defects are planted by one hand-written planter per rule clause (``_planters.py``), each in
an isolated case, and ``ground_truth`` lists every finding the planted lines imply — computed
from what was planted, never by running the audit, so it checks the audit independently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

import telekit
from telekit._core import _columns as col
from telekit.sample import _assemble, _write
from telekit.sample import _model as m
from telekit.sample._planters import PLANTERS, RULE_CODES

__all__ = ["PLANTERS", "RULE_CODES", "Practice", "practice", "write"]


@dataclass(frozen=True)
class Practice:
    """A generated practice: every table in the contract's columns and dtypes, and its truth."""

    claims: pl.DataFrame
    encounters: pl.DataFrame
    coverage: pl.DataFrame
    providers: pl.DataFrame
    remittances: pl.DataFrame  # the remittance line frame (``Remittances.lines``)
    adjustments: pl.DataFrame
    patient_payments: pl.DataFrame
    ground_truth: pl.DataFrame  # claim_id, claim_line_number, rule_code; sorted, unique
    policies_toml: str
    expected_fees_toml: str
    as_of: date
    seed: int
    size: int
    planter_runs: Mapping[str, int] = field(default_factory=dict)  # planter name -> runs

    def __repr__(self) -> str:
        return (
            f"Practice(seed={self.seed}, size={self.size}, claims={self.claims.height}, "
            f"encounters={self.encounters.height}, findings={self.ground_truth.height})"
        )


def _check_size(size: int) -> None:
    if size < 1:
        msg = f"size must be at least 1 encounter (got {size})"
        raise ValueError(msg)


def practice(*, seed: int = 7, size: int = 1500) -> Practice:
    """Build the sample practice in memory: ``size`` encounters (clean + planted)."""
    _check_size(size)
    w = _assemble.widths(size)
    chunks = [_assemble.build(seed, i, n, w) for i, n in enumerate(_assemble.chunk_sizes(size))]
    runs: Counter[str] = Counter()
    for c in chunks:
        runs.update(c.runs)
    return Practice(
        claims=pl.concat([c.claims for c in chunks]),
        encounters=pl.concat([c.encounters for c in chunks]),
        coverage=pl.concat([c.coverage for c in chunks]),
        providers=_assemble.providers(),
        remittances=pl.concat([c.remittances for c in chunks]),
        adjustments=pl.concat([c.adjustments for c in chunks]),
        patient_payments=pl.concat([c.patient_payments for c in chunks]),
        ground_truth=pl.concat([c.ground_truth for c in chunks]),
        policies_toml=m.POLICIES_TOML,
        expected_fees_toml=_write.expected_fees_toml(),
        as_of=m.AS_OF,
        seed=seed,
        size=size,
        planter_runs=dict(runs),
    )


def write(
    out_dir: str | Path, *, seed: int = 7, size: int = 1500, format: _write.Format = "csv"
) -> dict[str, int]:
    """Write the sample practice to ``out_dir`` and return the row count of every table.

    Generation and writing go chunk by chunk (persons of a chunk never meet another chunk's),
    so memory stays bounded for any size; the files are identical byte for byte for a given
    (seed, size, format).
    """
    _check_size(size)
    if format not in ("csv", "parquet"):
        msg = f"format must be 'csv' or 'parquet' (got {format!r})"
        raise ValueError(msg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = {
        "claims": col.CLAIMS,
        "encounters": col.ENCOUNTERS,
        "coverage": col.COVERAGE,
        "providers": col.PROVIDERS,
        "remittances": col.REMITTANCE_LINES,
        "adjustments": col.ADJUSTMENTS,
        "patient_payments": col.PATIENT_PAYMENTS,
    }
    schemas = {name: spec.schema for name, spec in specs.items()}
    writers = {name: _write.TableWriter(out, name, format, schemas[name]) for name in _write.TABLES}
    truth_rows = 0
    w = _assemble.widths(size)
    writers["providers"].add(_assemble.providers())
    x12 = _write.X12Files(out, _assemble.providers())
    with (out / "ground_truth.csv").open("wb") as truth:
        for i, n in enumerate(_assemble.chunk_sizes(size)):
            chunk = _assemble.build(seed, i, n, w)
            for name in (
                "claims",
                "encounters",
                "coverage",
                "remittances",
                "adjustments",
                "patient_payments",
            ):
                writers[name].add(getattr(chunk, name))
            x12.add(chunk)
            chunk.ground_truth.write_csv(truth, include_header=i == 0)
            truth_rows += chunk.ground_truth.height
    rows = {name: writer.close() for name, writer in writers.items()}
    x12.close()
    rows["ground_truth"] = truth_rows
    (out / "policies.toml").write_text(m.POLICIES_TOML, encoding="utf-8", newline="\n")
    (out / "expected_fees.toml").write_text(
        _write.expected_fees_toml(), encoding="utf-8", newline="\n"
    )
    (out / "sample.toml").write_text(
        _write.sample_toml(seed=seed, size=size, fmt=format, rows=rows, version=_version()),
        encoding="utf-8",
        newline="\n",
    )
    return rows


def _version() -> str:
    version = getattr(telekit, "__version__", None)
    return version if isinstance(version, str) else "0.1.0"
