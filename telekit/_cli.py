"""The ``telekit`` command line: thin, each command calls library functions.

Exit codes: 0 no error finding; 1 error findings; 2 the run failed (one-line reason on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from telekit._core import _progress
from telekit._core._dates import date_argument, period_argument
from telekit._core._exceptions import TelekitError
from telekit._engagement import _commands as engagement
from telekit._onboard import _commands as onboard
from telekit._policies import _cli as policies_cli
from telekit._sampling._command import register as register_sample_visits
from telekit.report._compare_cli import register as register_compare
from telekit.report._verify_cli import register as register_verify
from telekit.review import _cli as review_cli

if TYPE_CHECKING:
    pass


EPILOG = """examples:
  telekit sample --out data/samples
  telekit audit data/samples --out out/audit
  telekit audit --claims claims.xlsx --encounters visits.csv --map map.toml --out out/audit
  telekit audit data/samples --review review.sqlite --out out/audit
  telekit audit data/samples --fee-schedule PPRRVU2026_JAN_nonQPP.csv --gpci GPCI2026.csv \
      --locality 1320201 --out out/audit
  telekit audit data/samples --deidentify --key-file keys/audit-key.csv --out out/shareable
  telekit report --audit out/audit --review review.sqlite
  telekit rules
  telekit rule PS002

OUT receives findings.csv, findings.parquet, findings.xlsx, rejects.csv, summary.json,
report.html, executive.html (and executive.pdf with --pdf), inputs.json, metrics.parquet and
oig.parquet.
exit codes: 0 no error finding; 1 error findings; 2 the run failed (one-line reason on stderr).
A progress bar is drawn on stderr when it is a terminal.
"""

REPORT_EPILOG = """examples:
  telekit report --audit out/audit
  telekit report --audit out/audit --review review.sqlite
  telekit report --audit out/audit --deidentify --key-file keys/report-key.csv

Re-renders OUT/report.html and OUT/executive.html (and executive.pdf with --pdf) from what
`telekit audit` wrote (no re-audit); with --review the decisions go into the report and a
Decisions sheet of OUT/findings.xlsx. --practice and --prepared-by relabel OUT (summary.json,
report.html, executive.html, findings.xlsx); --period must be the audit's own (a report cannot
re-audit). Exit 0 when it renders: findings are reported through the exit code of
`telekit audit` only.
"""


def _add_report_options(p: argparse.ArgumentParser) -> None:
    """--review, --deidentify, --key-file (telekit audit and telekit report)."""
    p.add_argument(
        "--review",
        type=Path,
        metavar="F",
        help="review file (SQLite, from the review notebook): decisions in the report and a "
        "Decisions sheet in findings.xlsx",
    )
    p.add_argument(
        "--deidentify",
        action="store_true",
        help="Safe Harbor: random pseudonyms for patient, claim and control numbers, years for "
        "dates, no reject values or reviewer notes, in every file written (needs --key-file)",
    )
    p.add_argument(
        "--key-file",
        type=Path,
        metavar="F",
        help="with --deidentify: where the pseudonym key (CSV) goes; must lie outside OUT, "
        "and must not exist yet (unless --overwrite-key)",
    )
    p.add_argument(
        "--overwrite-key",
        action="store_true",
        help="with --key-file: replace an existing key file (never an input or the review file)",
    )
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print the executive summary to OUT/executive.pdf (needs the extra "
        "telekit[pdf]: WeasyPrint)",
    )


def _add_label_options(p: argparse.ArgumentParser, *, audit: bool) -> None:
    """--practice, --period, --prepared-by (telekit audit and telekit report): the
    engagement's labels in summary.json, report.html and findings.xlsx."""
    p.add_argument("--practice", metavar="NAME", help="the practice's name, in every output")
    p.add_argument(
        "--period",
        type=period_argument("--period"),
        metavar="FROM..TO",
        help="the service period, dates YYYY-MM-DD, both inclusive: "
        + (
            "only claim lines with a date of service in it are audited and reported (the "
            "others are counted as out of period and still read as the history of the lines "
            "in it)"
            if audit
            else "must be the audit's own (a report cannot re-audit)"
        ),
    )
    p.add_argument("--prepared-by", metavar="NAME", help="who prepared the audit, in every output")


def _add_pricing_options(a: argparse.ArgumentParser) -> None:
    """--fee-schedule, --fee-schedule-from, --gpci, --locality, --expected-fees (telekit
    audit): what prices the lines (DESIGN §3 "Expected fees", §4 "Medicare fee schedule")."""
    a.add_argument(
        "--fee-schedule",
        type=Path,
        action="append",
        metavar="F",
        help="CMS's national RVU file (PPRRVU*.csv of the yearly RVU zip) adding a Medicare "
        "fee-schedule release; it prices its year from its conversion factor's effective date "
        "(year and month read from its title or file name); repeatable",
    )
    a.add_argument(
        "--fee-schedule-from",
        type=date_argument("--fee-schedule-from"),
        action="append",
        metavar="DATE",
        help="first date of service the release of the same position among --fee-schedule "
        "prices (YYYY-MM-DD); repeatable, at most one per --fee-schedule",
    )
    a.add_argument(
        "--gpci",
        type=Path,
        metavar="F",
        help="CMS's GPCI file (Addendum E, e.g. GPCI2026.csv; the year is read from the file "
        "name or title) adding that year's GPCIs",
    )
    a.add_argument(
        "--locality",
        metavar="L",
        help="the practice's Medicare locality: MAC and locality as 7 digits, as in the GPCI "
        "file (e.g. 1320201: MAC 13202, locality 01); overrides [medicare] locality of the "
        "policies; without one, national amounts",
    )
    a.add_argument(
        "--memory-budget",
        type=_memory_budget,
        metavar="SIZE",
        help="the memory the audit may use (e.g. 2GB, 512MB): past what the single-process "
        "audit fits in it, claims are audited bucket by bucket in bounded memory (default: "
        "half the memory available)",
    )
    a.add_argument(
        "--expected-fees",
        type=Path,
        metavar="F",
        help="expected fees TOML ([[fee]] payer, hcpcs_code, modifier, expected_allowed, "
        "start, end; overrides DIR/expected_fees.toml)",
    )


def _memory_budget(text: str) -> int:
    """An argparse type reading ``--memory-budget SIZE`` into bytes."""
    from telekit._scale._partitioned import parse_memory_budget  # noqa: PLC0415 - lazy

    try:
        return parse_memory_budget(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="telekit",
        description="Audit telehealth billing: claim-line rules, money at risk by kind "
        "(overpaid, denied, at risk, underpaid; never added together), reports.",
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
        type=date_argument("--as-of"),
        help="audit date (default: latest remittance payment date, else latest DOS)",
    )
    a.add_argument(
        "--telehealth-list",
        type=Path,
        action="append",
        help="CMS Medicare Telehealth Services List file (XLSX or delimited text) replacing "
        "telekit's copy for its year (the year is read from the file name, e.g. CY2026); "
        "repeatable",
    )
    a.add_argument(
        "--ncci",
        type=Path,
        action="append",
        help="folder (or file) of CMS's quarterly NCCI practitioner edits (PTP, MUE, add-on) for "
        "the quarter audited; repeatable",
    )
    a.add_argument(
        "--icd10",
        type=Path,
        action="append",
        help="CDC/NCHS ICD-10-CM order file of a fiscal year (the year is read from the file "
        "name, e.g. icd10cm_order_2027.txt); repeatable",
    )
    a.add_argument(
        "--encounters-sample",
        action="store_true",
        help="the encounters are a documentation sample (implied for a `telekit sample-visits` "
        "workbook): rules that read an encounter judge only the lines whose encounter is in it "
        "(no missing-encounter finding elsewhere) and are partial with the counts; nothing is "
        "extrapolated",
    )
    _add_pricing_options(a)
    _add_report_options(a)
    a.add_argument(
        "--extend-key",
        action="store_true",
        help="with --key-file: read the key when it exists, reuse its pseudonyms and write it "
        "back with the new ones (stable pseudonyms month after month; not with --overwrite-key)",
    )
    _add_label_options(a, audit=True)
    a.add_argument("--out", type=Path, required=True, help="output folder")

    r = sub.add_parser(
        "report",
        help="re-render report.html from an audit's output folder",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("--audit", type=Path, required=True, help="the OUT folder of `telekit audit`")
    _add_report_options(r)
    _add_label_options(r, audit=False)

    rl = sub.add_parser("rules", help="list the rule catalog")
    rl.add_argument("--changes", action="store_true", help="what changed in which catalog version")
    one = sub.add_parser("rule", help="print one rule's documentation")
    one.add_argument("code")

    s = sub.add_parser("sample", help="write a synthetic practice with planted defects")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--size", type=int, default=1500, help="encounters (default 1,500)")
    s.add_argument("--format", choices=("csv", "parquet"), default="csv")
    register_sample_visits(sub)
    onboard.register(sub)
    policies_cli.register(sub)
    review_cli.register(sub)
    engagement.register(sub)
    register_compare(sub)
    register_verify(sub)
    return p


def find_table(directory: Path, table: str) -> Path | None:
    """``telekit._io._discovery.find_table`` (DESIGN §4 discovery), imported when used."""
    from telekit._io._discovery import find_table as find  # noqa: PLC0415 - keep the CLI light

    return find(directory, table)


def cmd_audit(args: argparse.Namespace) -> int:
    from telekit.report import _folder, _pdf  # noqa: PLC0415 - keep `telekit rules` fast

    if args.pdf:
        _pdf.require_pdf()  # before the audit, not after it
    result = _folder.run_audit(args)
    print(result.stdout_line(str(args.out)))
    _folder.no_claim_audited(result, _folder.claims_path(args), args.out)
    return result.exit_code


def cmd_report(args: argparse.Namespace) -> int:
    """Re-render OUT; exit 0 when it renders (only `telekit audit` reports findings through
    its exit code)."""
    from telekit import report  # noqa: PLC0415
    from telekit.report import _executive, _out, _pdf, _workbook  # noqa: PLC0415
    from telekit.report._folder import deidentifier, relabelled, review_decisions  # noqa: PLC0415

    out: Path = args.audit
    if args.pdf:
        _pdf.require_pdf()
    inputs = [out / "summary.json", out / "findings.parquet"]
    inputs += [p for p in (args.review,) if p is not None]
    deid = deidentifier(args, out, inputs)
    record, metric_frames, oig = report.load_audit(out)
    record, relabel = relabelled(record, args)
    decisions = review_decisions(args)
    if record.deidentified and (deid is not None or decisions is not None):
        msg = (
            f"{out} is already de-identified (its finding ids are pseudonyms): run "
            "`telekit audit ... --review F --deidentify --key-file K` instead"
        )
        raise TelekitError(msg)
    html = report.render(
        record, metrics=metric_frames, oig=oig, decisions=decisions, deidentify=deid or False
    )
    executive = _executive.render_executive(record, deidentify=deid or False)
    shown = sheet = None
    if decisions is not None or relabel:
        sheet = (
            _workbook.decisions_sheet(decisions, record.findings)
            if decisions is not None
            else _workbook.read_decisions_sheet(out / "findings.xlsx")
        )
        shown = record
        if deid is not None:
            shown = record.deidentify(deid)
            sheet = deid.frame(sheet) if sheet is not None else None
    # H3: the key first (every pseudonym is drawn by now), each file replaced atomically
    key_tmp = deid.stage_key(args.key_file) if deid is not None else None
    try:
        with contextlib.ExitStack() as files:  # each replaced on leaving, after the key
            if relabel:  # the labels given: summary.json holds them for the next re-render
                summary = files.enter_context(_out.replaced_file(out / "summary.json"))
                summary.write_text(json.dumps(record.summary_data, indent=2) + "\n")
            if shown is not None:
                xlsx = files.enter_context(_out.replaced_file(out / "findings.xlsx"))
                _workbook.write_xlsx(shown, shown.rejects, out, decisions=sheet, name=xlsx.name)
            page = files.enter_context(_out.replaced_file(out / "report.html"))
            page.write_text(html, encoding="utf-8")
            brief = files.enter_context(_out.replaced_file(out / "executive.html"))
            brief.write_text(executive, encoding="utf-8")
            if args.pdf:
                _pdf.write_pdf(
                    executive, files.enter_context(_out.replaced_file(out / "executive.pdf"))
                )
            if key_tmp is not None:
                key_tmp.replace(args.key_file)
                key_tmp = None
    finally:
        if key_tmp is not None:
            key_tmp.unlink(missing_ok=True)
    print(out / "report.html")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from telekit.rules import CATALOG_VERSION, catalog, changes  # noqa: PLC0415

    if getattr(args, "changes", False):
        print(f"rule catalog version {CATALOG_VERSION}")
        for r in (
            changes()
            .sort("catalog_version", "rule_code", descending=[True, False])
            .iter_rows(named=True)
        ):
            print(f"{r['catalog_version']}  {r['rule_code']}  {r['change']:<7}  {r['description']}")
        return 0
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
        command = getattr(args, "func", None) or COMMANDS[args.command]
        return int(command(args))
    except TelekitError as e:
        _progress.close_active()
        print(f"telekit {args.command}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        _progress.close_active()
        print(
            f"telekit {args.command}: {e.strerror or e}: {e.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 2
    except Exception as e:
        # R7: an unexpected error's text may quote data values (polars does), so it is not shown
        _progress.close_active()
        if os.environ.get("TELEKIT_DEBUG") == "1":
            raise
        print(
            f"telekit {args.command}: failed with {type(e).__name__}; its text is not shown "
            "because it may hold data values (set TELEKIT_DEBUG=1 to see it)",
            file=sys.stderr,
        )
        return 2


def entry() -> None:
    sys.exit(main())
