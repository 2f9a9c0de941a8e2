"""The ``telekit`` command line: thin, each command calls library functions.

Exit codes: 0 no error finding; 1 error findings; 2 the run failed (one-line reason on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from telekit._exceptions import TelekitError

TABLES = (
    "claims",
    "encounters",
    "coverage",
    "providers",
    "remittances",
    "adjustments",
    "patient_payments",
)

EPILOG = """examples:
  telekit sample --out data/samples
  telekit audit data/samples --out out/audit
  telekit audit --claims claims.xlsx --encounters visits.csv --map map.toml --out out/audit
  telekit rules
  telekit rule PS002
"""


def find_table(directory: Path, table: str) -> Path | None:
    """DESIGN §4: the first of <table>.parquet, <table>/ (Parquet parts), <table>.csv,
    <table>.xlsx in DIR."""
    for candidate in (
        directory / f"{table}.parquet",
        directory / table,
        directory / f"{table}.csv",
        directory / f"{table}.xlsx",
    ):
        if candidate.is_dir():
            if any(candidate.glob("*.parquet")):
                return candidate
        elif candidate.is_file():
            return candidate
    return None


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"--as-of: expected a date YYYY-MM-DD, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="telekit",
        description="Audit telehealth billing: claim-line rules, dollars at risk, reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser(
        "audit",
        help="audit a practice's claims and write findings and a report",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument(
        "dir",
        nargs="?",
        type=Path,
        help="folder holding claims.csv|.parquet|.xlsx, encounters, coverage, ...",
    )
    for t in ("claims", "encounters", "coverage", "providers"):
        a.add_argument(f"--{t}", type=Path, help=f"{t} file (overrides DIR)")
    a.add_argument(
        "--policies", type=Path, help="payer policies TOML (overrides DIR/policies.toml)"
    )
    a.add_argument(
        "--remittances",
        type=Path,
        nargs="+",
        help="remittance files: remittances.csv and adjustments.csv (or 835s)",
    )
    a.add_argument("--patient-payments", type=Path, help="patient payments file")
    a.add_argument("--map", type=Path, help="header/value map TOML (overrides DIR/map.toml)")
    a.add_argument(
        "--as-of",
        type=_parse_date,
        help="audit date (default: latest remittance payment date, else latest DOS)",
    )
    a.add_argument("--out", type=Path, required=True, help="output folder")

    r = sub.add_parser("report", help="re-render report.html from an audit's output folder")
    r.add_argument("--audit", type=Path, required=True, help="the OUT folder of `telekit audit`")

    sub.add_parser("rules", help="list the rule catalog")
    one = sub.add_parser("rule", help="print one rule's documentation")
    one.add_argument("code")

    s = sub.add_parser("sample", help="write a synthetic practice with planted defects")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--size", type=int, default=1500, help="encounters (default 1,500)")
    s.add_argument("--format", choices=("csv", "parquet"), default="csv")
    return p


def _inputs(args: argparse.Namespace) -> tuple[dict[str, list[Path]], Path | None, Path | None]:
    directory: Path | None = args.dir
    if directory is not None and not directory.is_dir():
        msg = f"{directory}: not a folder (give DIR holding claims.csv, or --claims F)"
        raise TelekitError(msg)
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
    if "claims" not in paths:
        msg = "no claims given: put claims.csv (or .parquet/.xlsx) in DIR or pass --claims F"
        raise TelekitError(msg)
    for ps in paths.values():
        for path in ps:
            if not path.exists():
                msg = f"{path}: no such file"
                raise TelekitError(msg)
    policies = args.policies
    if policies is None and directory is not None and (directory / "policies.toml").is_file():
        policies = directory / "policies.toml"
    map_path = args.map
    if map_path is None and directory is not None and (directory / "map.toml").is_file():
        map_path = directory / "map.toml"
    return paths, policies, map_path


def cmd_audit(args: argparse.Namespace) -> int:
    import telekit as tk  # noqa: PLC0415 - keep `telekit rules` fast
    from telekit import _outputs  # noqa: PLC0415

    paths, policies_path, map_path = _inputs(args)
    mapping = tk.load_map(map_path) if map_path is not None else None
    tables: dict[str, Any] = {}
    for t in ("claims", "encounters", "coverage", "providers"):
        if t in paths:
            tables[t] = tk.read_table(t, paths[t][0], map=mapping)
    remits = None
    if "remittances" in paths:
        sources = paths["remittances"]
        adjustments = paths.get("adjustments", [None])[0]
        remits = tk.read_remittances(
            sources if len(sources) > 1 else sources[0], adjustments=adjustments, map=mapping
        )
    payments = None
    if "patient_payments" in paths:
        payments = tk.read_patient_payments(paths["patient_payments"][0], map=mapping)
    as_of = args.as_of
    if as_of is None and remits is not None and remits.lines.height:
        as_of = remits.lines.get_column("payment_date").max()
    result = tk.audit(
        tables["claims"],
        encounters=tables.get("encounters"),
        coverage=tables.get("coverage"),
        providers=tables.get("providers"),
        policies=policies_path,
        as_of=as_of,
    )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rejects = [result.rejects]
    extra_tables: dict[str, Any] = {}
    if remits is not None:
        rejects.append(remits.rejects)
        extra_tables["remittances"] = {
            "source": ", ".join(str(p) for p in paths["remittances"]),
            "rows_in": remits.rows_in,
            "rows_audited": remits.lines.height + remits.adjustments.height,
            "rows_rejected": remits.rejects.height,
            "dropped_columns": [],
        }
    if payments is not None:
        rejects.append(payments.rejects)
        extra_tables["patient_payments"] = {
            "source": payments.source,
            "rows_in": payments.rows_in,
            "rows_audited": payments.data.height,
            "rows_rejected": payments.rejects.height,
            "dropped_columns": list(payments.dropped_columns),
        }
    all_rejects = pl.concat(rejects, how="vertical")
    _outputs.write_findings(result, out)
    _outputs.write_rejects(all_rejects, out)
    _outputs.write_xlsx(result, all_rejects, out)
    summary = _outputs.write_summary(result, out, {"tables": extra_tables})
    _outputs.write_report(summary, out)
    _outputs.write_inputs(
        paths
        | ({"policies": [policies_path]} if policies_path else {})
        | ({"map": [map_path]} if map_path else {}),
        out,
        {"as_of": as_of.isoformat() if as_of else None},
    )
    print(result.stdout_line(str(out)))
    return result.exit_code


def cmd_report(args: argparse.Namespace) -> int:
    from telekit import _outputs  # noqa: PLC0415

    out: Path = args.audit
    summary_path = out / "summary.json"
    if not summary_path.is_file():
        msg = f"{out}: no summary.json (run `telekit audit ... --out {out}` first)"
        raise TelekitError(msg)
    summary = json.loads(summary_path.read_text())
    _outputs.write_report(summary, out)
    print(out / "report.html")
    return int(summary.get("exit_code", 0))


def cmd_rules(_: argparse.Namespace) -> int:
    from telekit.rules import catalog  # noqa: PLC0415

    cat = catalog()
    width = max(len(n) for n in cat["rule_name"].to_list())
    for r in cat.iter_rows(named=True):
        print(f"{r['rule_code']}  {r['severity']:<7}  {r['rule_name']:<{width}}  {r['summary']}")
    return 0


def cmd_rule(args: argparse.Namespace) -> int:
    from telekit.rules import get  # noqa: PLC0415

    try:
        r = get(args.code)
    except KeyError as e:
        raise TelekitError(str(e.args[0])) from None
    print(f"{r.code} {r.name} ({r.severity}, {r.group})\n")
    print(r.doc)
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from telekit import sample  # noqa: PLC0415

    counts = sample.write(args.out, seed=args.seed, size=args.size, format=args.format)
    parts = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(f"wrote {args.out}: {parts}")
    return 0


COMMANDS = {
    "audit": cmd_audit,
    "report": cmd_report,
    "rules": cmd_rules,
    "rule": cmd_rule,
    "sample": cmd_sample,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse prints its own usage line
        return 0 if e.code in (0, None) else 2
    try:
        return COMMANDS[args.command](args)
    except TelekitError as e:
        print(f"telekit {args.command}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(
            f"telekit {args.command}: {e.strerror or e}: {e.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 2


def entry() -> None:
    sys.exit(main())
