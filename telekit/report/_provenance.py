"""Provenance: what determines an audit's outputs, recorded in one place, OUT/inputs.json.

inputs.json holds three objects:

- ``inputs``: every file read, by role (the tables; ``policies``, ``map``, ``expected_fees``,
  ``review``; the reference files ``telehealth_list``, ``ncci``, ``icd10``, ``fee_schedule``,
  ``gpci``), each with its resolved path and SHA-256 (a folder of Parquet parts: one hash over
  its files' names and bytes). De-identified: the file name only (``claims.csv``).
- ``options``: every option of the run (``options_of``): ``as_of`` and ``as_of_given``
  (given with ``--as-of``, or defaulted from the data), locality, fee-schedule start dates,
  memory budget, encounters sample, practice, period, prepared_by, pdf, deidentified; and,
  unless de-identified, ``arguments``: the run's arguments as given (paths as typed, the
  working folder ``cwd``) so that ``telekit verify OUT`` re-runs exactly the same command (a
  de-identified OUT is re-run from the files ``telekit verify --data`` locates by SHA-256).
- ``provenance`` (``provenance_of``): telekit's version, the rule catalog and code-set
  versions, the release of every reference set used (as summary.json's ``reference``), and the
  Python and polars versions.

Nothing else varies between two runs on the same inputs except summary.json's ``run_at`` and
the run time shown in report.html and executive.html (``telekit verify`` masks exactly those).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

#: the path arguments of ``telekit audit`` (one path or a list), as ``run_audit`` reads them
PATH_ARGUMENTS = (
    "dir",
    "claims",
    "encounters",
    "coverage",
    "providers",
    "patient_payments",
    "remittances",
    "policies",
    "map",
    "review",
    "telehealth_list",
    "ncci",
    "icd10",
    "fee_schedule",
    "gpci",
    "expected_fees",
)


def options_of(args: argparse.Namespace, as_of: dt.date | None) -> dict[str, Any]:
    """inputs.json's ``options`` of a ``telekit audit`` run (``args``, the as_of used)."""
    period = getattr(args, "period", None)
    starts = getattr(args, "fee_schedule_from", None) or []
    options: dict[str, Any] = {
        "as_of": as_of.isoformat() if as_of else None,
        "as_of_given": getattr(args, "as_of", None) is not None,
        "locality": getattr(args, "locality", None),
        "fee_schedule_from": [d.isoformat() for d in starts],
        "memory_budget": getattr(args, "memory_budget", None),
        "encounters_sample": bool(getattr(args, "encounters_sample", False)),
        "practice": getattr(args, "practice", None),
        "period": None if period is None else f"{period.start}..{period.end}",
        "prepared_by": getattr(args, "prepared_by", None),
        "pdf": bool(getattr(args, "pdf", False)),
        "deidentified": bool(getattr(args, "deidentify", False)),
    }
    if not options["deidentified"]:  # a path may hold a patient's name
        arguments: dict[str, Any] = {"cwd": str(Path.cwd())}
        for name in PATH_ARGUMENTS:
            value = getattr(args, name, None)
            if isinstance(value, list | tuple):
                arguments[name] = [str(p) for p in value] or None
            else:
                arguments[name] = None if value is None else str(value)
        options["arguments"] = arguments
    return options


def provenance_of(summary: Mapping[str, Any]) -> dict[str, Any]:
    """inputs.json's ``provenance``: the versions and reference releases of the run (from its
    summary.json), and the Python and polars versions."""
    return {
        "telekit_version": summary.get("telekit_version"),
        "catalog_version": summary.get("catalog_version"),
        "code_set_version": summary.get("code_set_version"),
        "reference": [
            {k: ref.get(k) for k in ("kind", "release", "shipped")}
            for ref in summary.get("reference") or []
        ],
        "python": platform.python_version(),
        "polars": pl.__version__,
    }


def arguments_namespace(
    options: Mapping[str, Any],
    out: Path,
    *,
    arguments: Mapping[str, Any] | None = None,
    key_file: Path | None = None,
) -> argparse.Namespace:
    """The ``telekit audit`` arguments recorded in ``options`` (``options_of``), writing to
    ``out``: what ``telekit verify`` re-runs (in the recorded ``cwd``). ``arguments`` replaces
    the recorded ones (the same shape: a path, or a list for ``remittances`` and the reference
    files): a de-identified OUT records none, ``telekit verify --key-file K --data FOLDER``
    gives those of the files it located. With ``key_file`` the run is de-identified with that
    key, read and extended (``--deidentify --key-file K --extend-key``), else not."""
    recorded = (options.get("arguments") or {}) if arguments is None else arguments
    lists = {"remittances", "telehealth_list", "ncci", "icd10", "fee_schedule"}
    values: dict[str, Any] = {}
    for name in PATH_ARGUMENTS:
        value = recorded.get(name)
        if name in lists:
            values[name] = [Path(p) for p in value] if value else None
        else:
            values[name] = None if value is None else Path(value)
    as_of = options.get("as_of") if options.get("as_of_given") else None
    period = options.get("period")
    from telekit._core._dates import as_optional_period  # noqa: PLC0415

    return argparse.Namespace(
        **values,
        out=out,
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        deidentify=key_file is not None,
        key_file=key_file,
        overwrite_key=False,
        extend_key=key_file is not None,
        fee_schedule_from=[dt.date.fromisoformat(d) for d in options.get("fee_schedule_from", [])],
        locality=options.get("locality"),
        memory_budget=options.get("memory_budget"),
        encounters_sample=bool(options.get("encounters_sample")),
        practice=options.get("practice"),
        period=as_optional_period(period) if period else None,
        prepared_by=options.get("prepared_by"),
        pdf=bool(options.get("pdf")),
    )
