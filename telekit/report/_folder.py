"""``audit_folder``: what ``telekit audit DIR --out OUT`` runs, as a library function.

The tables are found in DIR (``find_table``: <table>.parquet, <table>/ Parquet parts,
<table>.csv, <table>.xlsx; policies.toml and map.toml beside them) or given one by one; they
are read (or, past the memory threshold, audited bucket by bucket), audited, measured (revenue
cycle, OIG measures) and every output is written to OUT (``report._out.write_audit``).

Lines are priced (DESIGN §3 "Expected fees", §4 "Medicare fee schedule") with the expected fees
of ``--expected-fees F`` (else DIR/expected_fees.toml when present), the fee-schedule releases
and GPCI file given (``--fee-schedule F`` / ``--fee-schedule-from DATE``, ``--gpci F``) and the
practice's locality (``--locality L``, else ``[medicare] locality`` of the policies).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from telekit import _audit as _auditing
from telekit._core import _log, _progress
from telekit._core._dates import Period, PeriodInput, as_optional_period
from telekit._core._exceptions import TelekitError
from telekit._core._table import in_one_chunk
from telekit._io._discovery import DIR_TABLES, find_table, refuse, unreadable
from telekit._policies._model import Policies
from telekit._policies._toml import load_policies
from telekit._read import _remittances as _read_remittances
from telekit._read import _tables
from telekit._scale import _partitioned
from telekit._scale import _tally as _tallies
from telekit.report import _out
from telekit.report._decisions import read_review
from telekit.report._deidentify import Deidentifier, is_inside
from telekit.report._labels import Labels
from telekit.report._metrics import BucketMetrics, compute_metrics
from telekit.report._provenance import options_of
from telekit.report._reference_files import reference_files

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult
    from telekit.report._record import AuditRecord

TABLES = DIR_TABLES


def run_audit(args: argparse.Namespace) -> AuditResult:

    paths, policies_path, map_path = _inputs(args)
    expected_fees = _side_file(_arg(args, "expected_fees"), args.dir, "expected_fees.toml")
    mapping = _tables.load_map(map_path) if map_path is not None else None
    # >>> scale (S1): large claims are audited bucket by bucket with bounded memory (read there)

    partitioned = _partitioned.should_partition(
        paths["claims"][0], memory_budget=_arg(args, "memory_budget")
    )
    # <<< scale (S1)
    # >>> report (R7): --review/--deidentify checked before reading; a progress bar on stderr
    input_paths = _given_paths(args, paths, policies_path, map_path, expected_fees)
    _out.check_out(args.out, input_paths)  # H3: OUT is replaced as a whole
    deid = deidentifier(args, args.out, input_paths)
    decisions = review_decisions(args)
    read = [t for t in ("claims", "encounters", "coverage", "providers") if t in paths]
    bar = _progress.Progress(
        "audit",
        total=(0 if partitioned else len(read))
        + ("remittances" in paths)
        + ("patient_payments" in paths)
        + (1 if partitioned else 3)  # auditing (+ metrics, OIG measures: in it when partitioned)
        + 3,  # writing findings, findings.xlsx, the report
    )
    # <<< report (R7)
    reference = reference_files(
        telehealth_lists=_arg(args, "telehealth_list") or (),
        ncci=_arg(args, "ncci") or (),
        icd10=_arg(args, "icd10") or (),
        fee_schedules=_arg(args, "fee_schedule") or (),
        fee_schedule_from=_arg(args, "fee_schedule_from") or (),
        gpci=_arg(args, "gpci"),
    )
    pricing = {"locality": _arg(args, "locality"), "expected_fees": expected_fees}
    tables: dict[str, Any] = {}
    # H8: an absent payer_type is derived from the policies' declared payer types
    policies = load_policies(policies_path)  # loaded once, for the readers and the audit
    payer_types = policies.payer_types_by_name()
    for t in ("claims", "encounters", "coverage", "providers"):
        if t in paths and not partitioned:
            bar.step(f"reading {t}")  # R7
            table = _tables.read_table(t, paths[t][0], map=mapping, payer_types=payer_types)
            # in one chunk a column now, as the audit takes it: the Parquet read's chunks are
            # freed here instead of being held beside the audit's copy (~0.6 GB at 1M lines)
            tables[t] = in_one_chunk(table)
    _check_x12_claims(tables.get("claims"), paths["claims"][0])  # H2: an 837 with no line is exit 2
    # >>> scale (S1): the partitioned path tallies remittances and patient payments (accounting,
    # rejects, the latest payment date) in bounded memory instead of holding them
    tallies, remits, payments = _tally(paths, mapping, bar, partitioned=partitioned)
    x12_issues = _x12_issues(tables, remits)  # H2: summary.json, the report and stderr show them
    as_of = args.as_of
    if as_of is None and "remittances" in tallies:
        as_of = tallies["remittances"].latest_payment_date
    # <<< scale (S1)
    bar.step("auditing", tick=not partitioned)  # R7: the partitioned audit draws its own
    # >>> scale (S1)
    result = _audit(
        paths,
        tables,
        policies,
        as_of,
        mapping,
        partitioned=partitioned,
        reference=reference,
        pricing=pricing,
        remittances=remits,
        encounters_sample=True if _arg(args, "encounters_sample") else None,
        period=_arg(args, "period"),
    )
    out: Path = args.out
    rejects, extra_tables = _tally_tables(result, tallies, paths)
    all_rejects = pl.concat(rejects, how="vertical")
    # >>> report (R7): metrics, OIG measures and every output (de-identified with --deidentify)
    from telekit import integrity  # noqa: PLC0415 - its measures load the code sets

    if isinstance(result, _partitioned.PartitionedAuditResult):  # measured bucket by bucket
        metric_frames, oig = result.metric_frames, result.oig
    else:
        bar.step("revenue-cycle metrics")
        metric_frames = compute_metrics(
            result, remits, as_of=as_of or result.as_of, patient_payments=payments
        )
        bar.step("OIG measures")
        oig = integrity.oig_measures(result.claims, result.encounters)
    _out.write_audit(
        out,
        result,
        rejects=all_rejects,
        extra_tables=extra_tables,
        inputs=paths
        | ({"policies": [policies_path]} if policies_path else {})
        | ({"map": [map_path]} if map_path else {})
        | _reference_inputs(args, expected_fees)
        | ({"review": [args.review]} if args.review else {}),
        options=options_of(args, as_of),  # every option of the run (report._provenance)
        metrics=metric_frames,
        oig=oig,
        decisions=decisions,
        deid=deid,
        key_file=args.key_file if deid is not None else None,
        step=bar.step,
        x12_issues=x12_issues,
        practice=_arg(args, "practice"),
        prepared_by=_arg(args, "prepared_by"),
        pdf=bool(_arg(args, "pdf")),
    )
    bar.close()
    _warn_x12(x12_issues, all_rejects)  # H2
    n = result.counts()
    _log.counts("audit", "findings", error=n["error"], warning=n["warning"], info=n["info"])
    # <<< report (R7)
    return result


def _arg(args: argparse.Namespace, name: str) -> Any:
    """An option of the run (None when the namespace, e.g. an older caller's, lacks it)."""
    return getattr(args, name, None)


#: the reference file options, each its own entry of inputs.json
REFERENCE_INPUTS = ("telehealth_list", "ncci", "icd10", "fee_schedule", "gpci")


def _reference_inputs(
    args: argparse.Namespace, expected_fees: Path | None
) -> dict[str, list[Path]]:
    """inputs.json's entries of the reference files given and the expected fees read, so each
    is recorded with its SHA-256 like the tables."""
    found: dict[str, list[Path]] = {}
    for option in REFERENCE_INPUTS:
        value = _arg(args, option)
        paths = [value] if isinstance(value, Path) else list(value or [])
        if paths:
            found[option] = paths
    if expected_fees is not None:
        found["expected_fees"] = [expected_fees]
    return found


def _pricing_options(args: argparse.Namespace) -> dict[str, Any]:
    """inputs.json's options of the pricing given on the command line (only those given)."""
    options: dict[str, Any] = {}
    if _arg(args, "locality") is not None:
        options["locality"] = _arg(args, "locality")
    if _arg(args, "memory_budget") is not None:
        options["memory_budget"] = _arg(args, "memory_budget")
    starts = _arg(args, "fee_schedule_from") or []
    if starts:
        options["fee_schedule_from"] = [d.isoformat() for d in starts]
    return options


def _tally(
    paths: Mapping[str, list[Path]], mapping: Any, bar: _progress.Progress, *, partitioned: bool
) -> tuple[dict[str, Any], Any, Any]:
    """Remittances and patient payments: read (with their tally), or on the partitioned path
    only tallied (accounting, rejects, the latest payment date) in bounded memory."""

    remits = payments = None
    tallies: dict[str, _tallies.Tally] = {}
    if "remittances" in paths:
        bar.step("reading remittances")  # R7
        sources = paths["remittances"]
        adjustments = paths.get("adjustments", [None])[0]
        if partitioned:
            tallies["remittances"] = _tallies.tally_remittances(
                list(sources), adjustments=adjustments, map=mapping
            )
        else:
            remits = _read_remittances.read_remittances(
                sources if len(sources) > 1 else sources[0], adjustments=adjustments, map=mapping
            )
            tallies["remittances"] = _tallies.Tally.of_remittances(remits)
    if "patient_payments" in paths:
        bar.step("reading patient payments")  # R7
        if partitioned:
            tallies["patient_payments"] = _tallies.tally_patient_payments(
                paths["patient_payments"][0], map=mapping
            )
        else:
            payments = _tables.read_patient_payments(paths["patient_payments"][0], map=mapping)
            tallies["patient_payments"] = _tallies.Tally.of_table(payments)
    return tallies, remits, payments


def _audit(
    paths: Mapping[str, list[Path]],
    tables: Mapping[str, Any],
    policies: Policies,
    as_of: dt.date | None,
    mapping: Any,
    *,
    partitioned: bool,
    reference: Mapping[str, Any],
    pricing: Mapping[str, Any],
    remittances: Any = None,
    encounters_sample: bool | None = None,
    period: Period | None = None,
) -> AuditResult:
    """The audit: in memory over the tables read, or bucket by bucket from the files, with the
    reference sets given (``reference_files``) and the pricing options (``locality``,
    ``expected_fees``), under the same keyword names on both paths; ``period`` restricts what
    is reported to the lines in it (every line is the rules' context) on both."""

    result: AuditResult
    if partitioned and "encounters" in paths:
        _no_sample_when_partitioned(paths["encounters"][0], encounters_sample)
    if partitioned:
        given = {t: paths[t][0] for t in ("encounters", "coverage", "providers") if t in paths}
        result = _partitioned.audit_partitioned(
            paths["claims"][0],
            encounters=given.get("encounters"),
            coverage=given.get("coverage"),
            providers=given.get("providers"),
            policies=policies,
            as_of=as_of,
            remittances=paths.get("remittances"),
            adjustments=paths.get("adjustments", [None])[0],
            patient_payments=paths.get("patient_payments", [None])[0],
            measures=BucketMetrics(as_of=as_of),
            map=mapping,
            progress=sys.stderr.isatty(),
            period=period,
            **_given(reference),
            **_given(pricing),
        )
    else:  # <<< scale (S1)
        result = _auditing.audit(
            tables["claims"],
            encounters=tables.get("encounters"),
            coverage=tables.get("coverage"),
            providers=tables.get("providers"),
            policies=policies,
            as_of=as_of,
            remittances=remittances,
            encounters_sample=encounters_sample,
            period=period,
            **reference,
            **pricing,
        )
    return result


def _no_sample_when_partitioned(encounters: Path, declared: bool | None) -> None:
    """The bounded-memory audit does not judge a documentation sample (DESIGN §5 "Sampled
    encounters"): refused rather than read as complete encounters."""
    from telekit._io._sample_sheet import sample_of  # noqa: PLC0415 - only on this path

    if declared or sample_of(encounters) is not None:
        msg = (
            f"{encounters}: sampled encounters are not audited on the bounded-memory path; "
            "raise --memory-budget so the claims are audited in one piece"
        )
        raise TelekitError(msg)


def _given(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options that were given (a value, a non-empty list): the bounded-memory audit is
    passed only those, so a run that gives none of the pricing options calls it as before."""
    return {
        k: v for k, v in options.items() if v is not None and not (isinstance(v, list) and not v)
    }


def _tally_tables(
    result: AuditResult, tallies: Mapping[str, Any], paths: Mapping[str, list[Path]]
) -> tuple[list[pl.DataFrame], dict[str, Any]]:
    """Every reject of the run, and summary.json's entry for each tallied table."""
    rejects = [result.rejects]
    extra_tables: dict[str, Any] = {}
    for table, tally in tallies.items():
        rejects.append(tally.rejects)
        extra_tables[table] = {
            "source": ", ".join(str(p) for p in paths[table]),
            "rows_in": tally.rows_in,
            "rows_audited": tally.rows_audited,
            "rows_rejected": tally.rejects.height,
            "rows_skipped": tally.rows_skipped,
            "dropped_columns": list(tally.dropped_columns),
        }
    return rejects, extra_tables


def _dir_file(directory: Path | None, name: str) -> Path | None:
    """DIR/policies.toml or DIR/map.toml when present; one that cannot be read is an error."""
    if directory is None:
        return None
    path = directory / name
    if not (path.exists() or path.is_symlink()):
        return None
    why = unreadable(path)
    if why is not None:
        raise refuse(path, why)
    return path


def _inputs(args: argparse.Namespace) -> tuple[dict[str, list[Path]], Path | None, Path | None]:
    directory: Path | None = args.dir
    if directory is not None and not directory.is_dir():
        msg = f"{directory}: not a folder (give DIR holding claims.csv, or --claims F)"
        raise TelekitError(msg)
    paths = _table_paths(args, directory)
    if "claims" not in paths:
        msg = "no claims given: put claims.csv (or .parquet/.xlsx) in DIR or pass --claims F"
        raise TelekitError(msg)
    for ps in paths.values():
        for path in ps:
            _check_given(path, folder_ok=True)
    policies = _side_file(args.policies, directory, "policies.toml")
    map_path = _side_file(args.map, directory, "map.toml")
    return paths, policies, map_path


def _table_paths(args: argparse.Namespace, directory: Path | None) -> dict[str, list[Path]]:
    """The files of each table: found in DIR, then overridden by the flags that name one."""
    paths: dict[str, list[Path]] = {}
    for t in TABLES:
        if directory is not None:
            found = find_table(directory, t)
            if found is not None:
                paths[t] = [found]
    for t in ("claims", "encounters", "coverage", "providers"):
        flag = getattr(args, t)
        if flag is not None:
            paths[t] = [flag]
    if args.patient_payments is not None:
        paths["patient_payments"] = [args.patient_payments]
    if args.remittances:
        paths.pop("adjustments", None)
        paths["remittances"] = list(args.remittances)
    return paths


def _side_file(given: Path | None, directory: Path | None, name: str) -> Path | None:
    """A side file (policies, map): the one given (checked), else ``name`` in DIR if there."""
    if given is None:
        return _dir_file(directory, name)
    _check_given(given)
    return given


def _check_given(path: Path, *, folder_ok: bool = False) -> None:
    """An input path must be a regular file (tables: or a folder of .parquet parts); a FIFO or a
    device is refused before it is opened (it would hang, or never end)."""
    if not (path.exists() or path.is_symlink()):
        msg = f"{path}: no such file"
        raise TelekitError(msg)
    why = unreadable(path, folder_ok=folder_ok)
    if why is not None:
        msg = f"{path}: {why}"
        raise TelekitError(msg)


def _check_x12_claims(claims: Any, path: Path) -> None:
    """An X12 claims file from which no claim line could be read stops the run (exit 2) with
    one line naming the file and why, instead of auditing "0 in"."""
    if claims is None or claims.rows_in or not _is_x12_file(path):
        return
    from telekit.x12 import _problems  # noqa: PLC0415

    raise _problems.no_claim_lines_error(path, claims.issues)


def _is_x12_file(path: Path) -> bool:
    from telekit._io._source import is_x12  # noqa: PLC0415

    try:
        with path.open("rb") as fh:
            return path.is_file() and is_x12(fh.read(64))
    except OSError:
        return False


def _x12_issues(tables: dict[str, Any], remits: Any) -> dict[str, pl.DataFrame]:
    """The X12 problems of each table read from X12 (claims 837P, coverage 271, remittances
    835), for the tables that have any."""
    found: dict[str, pl.DataFrame] = {
        t: tables[t].issues for t in ("claims", "coverage") if t in tables
    }
    if remits is not None:
        found["remittances"] = remits.issues
    return {t: frame for t, frame in found.items() if frame.height}


def _warn_x12(issues: dict[str, pl.DataFrame], rejects: pl.DataFrame) -> None:
    """One stderr line per X12 file with problems."""
    from telekit.x12 import _problems  # noqa: PLC0415

    for frame in issues.values():
        for line in _problems.file_lines(frame, rejects):
            print(f"telekit audit: {line}", file=sys.stderr)


def _given_paths(
    args: argparse.Namespace,
    paths: dict[str, list[Path]],
    policies: Path | None,
    map_path: Path | None,
    expected_fees: Path | None = None,
) -> list[Path]:
    """Every input of the run: DIR, the files given or found in it, policies, map, expected
    fees, review and the reference files (telehealth lists, NCCI editions, ICD-10-CM order
    files, fee-schedule releases, the GPCI file)."""
    given = [p for ps in paths.values() for p in ps]
    given += [p for p in (args.dir, policies, map_path, expected_fees, args.review) if p]
    for ps in _reference_inputs(args, None).values():
        given += ps
    return given


def deidentifier(
    args: argparse.Namespace, out: Path, inputs: Sequence[Path] = ()
) -> Deidentifier | None:
    """A ``Deidentifier`` for --deidentify (None without), after checking --key-file: outside
    OUT, not a folder, not an input nor the review file, and new unless --overwrite-key; with
    --extend-key an existing key is read (its pseudonyms reused) and written back extended."""
    key: Path | None = args.key_file
    if not args.deidentify:
        if key is not None:
            msg = "--key-file is only used with --deidentify (it receives the pseudonym key)"
            raise TelekitError(msg)
        return None
    if key is None:
        msg = "--deidentify needs --key-file F: where the pseudonym key goes (outside OUT)"
        raise TelekitError(msg)
    if is_inside(key, out):
        msg = (
            f"--key-file {key} lies inside {out}: the key re-identifies the outputs, so keep it "
            "out of the folder you share (e.g. --key-file keys/audit-key.csv)"
        )
        raise TelekitError(msg)
    if key.is_dir():
        msg = f"--key-file {key} is a folder; give a file name (e.g. {key / 'audit-key.csv'})"
        raise TelekitError(msg)
    review = args.review
    directory = getattr(args, "dir", None)
    for path in inputs:
        inside_folder = path.is_dir() and path != directory and is_inside(key, path)
        if key.resolve() == path.resolve() or inside_folder:
            what = "the review file" if review is not None and path == review else "an input"
            msg = (
                f"--key-file {key} is {what} ({path}): writing the key would destroy it; give "
                "a new file name (e.g. --key-file keys/audit-key.csv)"
            )
            raise TelekitError(msg)
    return _key_deidentifier(
        key, extend=bool(_arg(args, "extend_key")), overwrite=args.overwrite_key
    )


def _key_deidentifier(key: Path, *, extend: bool, overwrite: bool) -> Deidentifier:
    """A new ``Deidentifier``, or with --extend-key the one of the existing key file."""
    if extend and overwrite:
        msg = "--extend-key and --overwrite-key exclude each other: keep the key, or replace it"
        raise TelekitError(msg)
    if extend and key.is_file():
        return Deidentifier.from_key_file(key)  # the same pseudonyms, new values added
    if key.exists() and not (overwrite or extend):
        msg = (
            f"--key-file {key} exists: give a new file name, add --extend-key to reuse its "
            "pseudonyms and add the new ones, or --overwrite-key to replace it (the pseudonyms "
            "it holds will no longer be readable)"
        )
        raise TelekitError(msg)
    return Deidentifier()


def relabelled(record: AuditRecord, args: argparse.Namespace) -> tuple[AuditRecord, bool]:
    """``telekit report``'s record with the labels given (``--practice``, ``--period``,
    ``--prepared-by``) in its summary, and whether they changed it. A period other than the
    audit's is refused (``check_period``: a report cannot re-audit)."""
    before = Labels.of_summary(record.summary_data)
    after = before.updated(
        practice=_arg(args, "practice"),
        period=_arg(args, "period"),
        prepared_by=_arg(args, "prepared_by"),
    )
    if after == before:
        return record, False
    summary = {**record.summary_data, **after.summary_keys()}
    return dataclasses.replace(record, summary_data=summary), True


def review_decisions(args: argparse.Namespace) -> pl.DataFrame | None:
    """The current decisions of --review F (None without)."""
    if args.review is None:
        return None
    return read_review(args.review)


def no_claim_audited(result: Any, claims: Path, out: Path) -> None:
    """A run that audited no claim line (every row rejected, or none read) has failed: its
    outputs are written (rejects.csv says why), then it exits 2 with this one line."""
    row = result.accounting.filter(pl.col("table") == "claims")
    if row.height and row.item(0, "rows_audited") > 0:
        return
    rows_in = row.item(0, "rows_in") if row.height else 0
    rejected = row.item(0, "rows_rejected") if row.height else 0
    msg = (
        f"{claims}: no claim line could be audited ({rows_in} rows read, {rejected} rejected); "
        f"see {out / 'rejects.csv'} for why"
    )
    raise TelekitError(msg)


def audit_folder(
    directory: str | Path | None,
    out: str | Path,
    *,
    tables: Mapping[str, str | Path | Sequence[str | Path]] | None = None,
    policies: str | Path | None = None,
    map: str | Path | None = None,
    as_of: dt.date | None = None,
    review: str | Path | None = None,
    deidentify: bool = False,
    key_file: str | Path | None = None,
    overwrite_key: bool = False,
    extend_key: bool = False,
    telehealth_lists: Sequence[str | Path] = (),
    ncci: Sequence[str | Path] = (),
    icd10: Sequence[str | Path] = (),
    fee_schedules: Sequence[str | Path] = (),
    fee_schedule_from: Sequence[dt.date] = (),
    gpci: str | Path | None = None,
    locality: str | None = None,
    expected_fees: str | Path | None = None,
    memory_budget: str | int | None = None,
    practice: str | None = None,
    period: PeriodInput | None = None,
    prepared_by: str | None = None,
    pdf: bool = False,
) -> AuditResult:
    """Audit the tables of ``directory`` and write every output to ``out``: exactly what
    ``telekit audit DIR --out OUT`` runs (DESIGN §4), without the stdout line and exit code.

    ``tables`` gives or overrides files by table name (``claims``, ``encounters``,
    ``coverage``, ``providers``, ``patient_payments``; ``remittances`` may be a list), as the
    ``--claims F`` … options do; ``directory`` may then be None. ``policies``/``map`` override
    DIR/policies.toml and DIR/map.toml. ``review``, ``deidentify``, ``key_file`` and
    ``overwrite_key`` are ``--review``, ``--deidentify``, ``--key-file`` and ``--overwrite-key``
    (``extend_key``: ``--extend-key``, an existing key file read and written back extended, so
    the same values keep their pseudonyms run after run);
    ``telehealth_lists``, ``ncci`` and ``icd10`` are the files of ``--telehealth-list``,
    ``--ncci`` and ``--icd10``; ``fee_schedules`` the CMS PPRRVU files of ``--fee-schedule``
    (the i-th dated from ``fee_schedule_from[i]`` when given, else by
    ``codesets.read_fee_schedule_release``), ``gpci`` the GPCI file of ``--gpci``,
    ``locality`` the MAC + locality of ``--locality`` (overrides ``[medicare] locality``) and
    ``expected_fees`` the file of ``--expected-fees`` (default: DIR/expected_fees.toml when
    present), ``memory_budget`` the ``--memory-budget`` (bytes, or a size such as ``"2GB"``):
    past what the single-process audit fits in it, the audit takes the bounded-memory path.
    ``practice``, ``period`` and ``prepared_by`` are ``--practice``, ``--period FROM..TO``
    (``"FROM..TO"`` or a pair of dates, both inclusive: only the lines whose DOS lies in it are
    reported, the others counted as ``rows_out_of_period``) and ``--prepared-by``; they label
    summary.json, report.html and findings.xlsx; ``pdf`` is ``--pdf`` (executive.pdf).
    A run that audits no claim line raises ``TelekitError`` after writing OUT, as the CLI exits 2.
    """
    given = dict(tables or {})
    unknown = sorted(set(given) - set(TABLES) - {"remittances"})
    if unknown:
        msg = (
            f"tables: unknown table name(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(TABLES)}"
        )
        raise TelekitError(msg)
    remits = given.get("remittances")
    args = argparse.Namespace(
        dir=None if directory is None else Path(directory),
        out=Path(out),
        **{t: _path(given.get(t)) for t in ("claims", "encounters", "coverage", "providers")},
        patient_payments=_path(given.get("patient_payments")),
        remittances=None
        if remits is None
        else [Path(p) for p in ([remits] if isinstance(remits, str | Path) else remits)],
        policies=_path(policies),
        map=_path(map),
        as_of=as_of,
        review=_path(review),
        deidentify=deidentify,
        key_file=_path(key_file),
        overwrite_key=overwrite_key,
        extend_key=extend_key,
        telehealth_list=[Path(p) for p in telehealth_lists],
        ncci=[Path(p) for p in ncci],
        icd10=[Path(p) for p in icd10],
        fee_schedule=[Path(p) for p in fee_schedules],
        fee_schedule_from=list(fee_schedule_from),
        gpci=_path(gpci),
        locality=locality,
        expected_fees=_path(expected_fees),
        memory_budget=_budget(memory_budget),
        practice=practice,
        period=as_optional_period(period),
        prepared_by=prepared_by,
        pdf=pdf,
    )
    result = run_audit(args)
    no_claim_audited(result, claims_path(args), args.out)
    return result


def _budget(value: str | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    try:
        return _partitioned.parse_memory_budget(value)
    except ValueError as e:
        msg = f"memory_budget: {e}"
        raise TelekitError(msg) from None


def _path(value: Any) -> Path | None:
    if value is None:
        return None
    if isinstance(value, str | Path):
        return Path(value)
    msg = f"expected a file path, got a {type(value).__name__}"
    raise TelekitError(msg)


def claims_path(args: argparse.Namespace) -> Path:
    """The claims file the run audited (``--claims F`` or the one found in DIR)."""
    if args.claims is not None:
        return Path(args.claims)
    found = find_table(args.dir, "claims")
    assert found is not None  # run_audit refused a run without claims
    return found
