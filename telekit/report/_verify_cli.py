"""``telekit verify OUT``: does OUT reproduce from what it records (``report.verify_out``)?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EPILOG = """\
Checks the versions OUT records against this telekit (a difference is noted, the check goes
on), then every input's SHA-256, then re-runs the audit with the recorded arguments into a
temporary folder and compares each output: the first difference is named (file, and line,
JSON key, Parquet row and column, or workbook cell). Only summary.json's run_at and the run
time shown in report.html and executive.html may differ.

A de-identified OUT (--deidentify, the default of `telekit run`) records no paths: give its
pseudonym key (--key-file K, only read: the re-run uses a temporary copy) and the folders
holding its inputs (--data FOLDER, repeatable): each input is found there by its SHA-256
(hidden folders and OUT are not searched). On an identified OUT both are ignored (a note).

exit codes: 0 reproduced; 1 a difference (named on stdout); 2 cannot verify (one line on stderr).

example:
  telekit audit data/samples --out out/audit
  telekit verify out/audit
  telekit verify out/2026-10 --key-file keys/pseudonyms.key --data .   # in an engagement
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``verify`` to ``telekit``'s sub-parsers."""
    p = sub.add_parser(
        "verify",
        help="re-run an audit from what its OUT records and say whether it reproduces",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", type=Path, help="the OUT folder of `telekit audit`")
    p.add_argument(
        "--key-file",
        type=Path,
        metavar="K",
        help="a de-identified OUT: the pseudonym key of its audit (read, never written)",
    )
    p.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        metavar="FOLDER",
        help="a de-identified OUT: a folder where its inputs are, found by SHA-256 (repeatable)",
    )
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from telekit.report._verify import verify_out  # noqa: PLC0415 - keep the CLI light

    result = verify_out(args.out, key_file=args.key_file, data=args.data)
    for note in result.notes:
        print(f"telekit verify: {note}", file=sys.stderr)
    print(result.line())
    return result.exit_code
