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

exit codes: 0 reproduced; 1 a difference (named on stdout); 2 cannot verify (one line on stderr).

example:
  telekit audit data/samples --out out/audit
  telekit verify out/audit
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
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from telekit.report._verify import verify_out  # noqa: PLC0415 - keep the CLI light

    result = verify_out(args.out)
    for note in result.notes:
        print(f"telekit verify: {note}", file=sys.stderr)
    print(result.line())
    return result.exit_code
