"""The engagement commands of the CLI: ``telekit init``, ``telekit run`` (DESIGN §4).
``register`` adds them to ``telekit``'s sub-parsers; each sets ``func``, the handler
``telekit._cli.main`` calls."""

from __future__ import annotations

import argparse
from pathlib import Path

INIT_EPILOG = """examples:
  telekit init engagements/lakeside
  telekit init engagements/lakeside --from exports/charge-detail.xlsx

Writes DIR/telekit.toml (the practice, where each month's data drop lands, the map, the
policies, the as_of rule and period convention, de-identification, what to write), drops/ with
a README, a .gitignore keeping PHI (drops, outputs, keys, review files) out of version control,
.github/workflows/telekit.yml and .gitlab-ci.yml (run a drop; de-identified artifacts; the
identified outputs only on a self-hosted runner). With --from, also map.toml (as `telekit map
--init`) and policies.toml (as `telekit policies init`) drafted from the export, named in
telekit.toml. DIR may exist; no file in it is ever overwritten.
"""


RUN_EPILOG = """examples:
  telekit run engagements/lakeside                  # the newest drop in drops/
  telekit run engagements/lakeside --drop 2026-11
  telekit run engagements/lakeside --drop 2026-11 --data /mnt/exports/lakeside-nov

Into DIR/out/<drop>/ (telekit.toml's [outputs] out): the audit's outputs (findings.csv/.parquet/
.xlsx, rejects.csv, summary.json, report.html, executive.html, executive.pdf, inputs.json),
worklist.xlsx (review file DIR/review/<drop>.sqlite), compare.html/.xlsx against the previous
drop's outputs when they exist, notebook-report.html and the executed 04_audit_report.ipynb
(notebook 04 under papermill). De-identified runs reuse and extend [audit] key_file, so
pseudonyms stay stable month after month.

exit codes: 0 no error finding; 1 error findings; 2 the run (or a step after the audit, named
on stderr; the outputs already written are kept) failed.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` and ``run`` to ``telekit``'s sub-parsers."""
    i = sub.add_parser(
        "init",
        help="create an engagement folder: telekit.toml, drops/, .gitignore, CI workflows",
        description="Create an engagement folder for a client practice audited month after "
        "month (`telekit run DIR --drop YYYY-MM` then runs a month's data drop).",
        epilog=INIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    i.add_argument("dir", type=Path, help="the engagement folder (created if absent)")
    i.add_argument(
        "--from",
        dest="from_file",
        type=Path,
        metavar="FILE",
        help="a practice's export (CSV, XLSX or Parquet): also draft map.toml and, when it "
        "holds claims, policies.toml from it",
    )
    i.set_defaults(func=cmd_init)

    r = sub.add_parser(
        "run",
        help="run an engagement's monthly data drop: audit, report, PDF, worklist, compare, "
        "notebook",
        description="Run one data drop of the engagement in DIR (see `telekit init`).",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("dir", type=Path, help="the engagement folder (holding telekit.toml)")
    r.add_argument(
        "--drop",
        metavar="YYYY-MM",
        help="the month's drop (default: the newest drop folder by name)",
    )
    r.add_argument(
        "--data",
        type=Path,
        metavar="FOLDER",
        help="the drop's data folder (default: the one telekit.toml's [data] drops names)",
    )
    r.add_argument(
        "--deidentify",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="override telekit.toml's [audit] deidentify (pseudonyms from [audit] key_file)",
    )
    r.set_defaults(func=cmd_run)


def cmd_init(args: argparse.Namespace) -> int:
    from telekit._engagement._init import init_engagement  # noqa: PLC0415 - keep the CLI light

    result = init_engagement(args.dir, args.from_file)
    for line in result.lines:
        print(line)
    print("next:")
    for step in result.next_steps():
        print(f"  {step}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from telekit._engagement._run import run_engagement  # noqa: PLC0415 - keep the CLI light

    run = run_engagement(args.dir, args.drop, args.data, args.deidentify)
    return run.exit_code
