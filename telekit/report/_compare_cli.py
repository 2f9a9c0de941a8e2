"""``telekit compare OUT_BEFORE OUT_AFTER --out DIR [--review F]``: two audits of one practice
compared (``telekit.report.compare``), written to DIR/compare.html and DIR/compare.xlsx."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from telekit._core._exceptions import TelekitError

EPILOG = """\
Findings are matched by rule and claim line on the claim lines both audits hold (a replacement
claim, frequency 7, takes over its original's findings): new, persisting, resolved; a finding
on a line the other audit lacks (e.g. a later month) is out of scope, never resolved.

example:
  telekit audit march/ --out out/march
  telekit audit april/ --out out/april
  telekit compare out/march out/april --out out/march-vs-april --review march-review.sqlite
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``compare`` to ``telekit``'s sub-parsers."""
    p = sub.add_parser(
        "compare",
        help="compare two audits' OUT folders: findings new, persisting, resolved; money by "
        "rule, provider and payer",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("before", type=Path, help="the earlier audit's OUT folder")
    p.add_argument("after", type=Path, help="the later audit's OUT folder")
    p.add_argument("--out", type=Path, required=True, help="folder for compare.html, .xlsx")
    p.add_argument(
        "--review",
        type=Path,
        help="the earlier audit's review file (.sqlite): were its confirmed findings fixed?",
    )
    p.set_defaults(func=cmd_compare)


def _check_out(out: Path, inputs: list[Path]) -> None:
    """DIR must be apart from both OUT folders (neither one, inside one, nor holding one)."""
    target = out.resolve()
    for given in inputs:
        folder = given.resolve()
        if target == folder or folder in target.parents or target in folder.parents:
            msg = (
                f"--out {out} is, holds or is inside the audit folder {given}: give a folder apart"
            )
            raise TelekitError(msg)


def cmd_compare(args: argparse.Namespace) -> int:
    from telekit.report._compare import compare  # noqa: PLC0415 - keep the CLI light
    from telekit.report._compare_out import write_comparison  # noqa: PLC0415

    _check_out(args.out, [args.before, args.after])
    comparison = compare(args.before, args.after, review=args.review)
    for warning in comparison.warnings:
        print(f"telekit compare: warning: {warning}", file=sys.stderr)
    write_comparison(comparison, args.out)
    print(comparison.line(str(args.out)))
    return 0
