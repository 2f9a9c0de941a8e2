"""``telekit policies init`` and ``telekit policies show``: the command line of the payer
policies (thin: ``telekit._policies._init`` and ``telekit._policies._show`` do the work)."""

from __future__ import annotations

import argparse
from pathlib import Path

from telekit._core._dates import date_argument
from telekit._policies._init import init_policies
from telekit._policies._show import show_text
from telekit._policies._toml import load_policies

EPILOG = """examples:
  telekit policies init data/practice --out data/practice/policies.toml
  telekit policies show
  telekit policies show --policies data/practice/policies.toml --payer "Aetna PPO"
  telekit policies show --policies data/practice/policies.toml --on 2024-05-01

init lists every payer of DIR's claims (claims.parquet, claims/, claims.csv or claims.xlsx; with
DIR/map.toml when present), or of a claims file (with the map.toml beside it), with its row
count, its payer_type (the claims' column, else the built-in table of unambiguous payer names,
else payer_type = "" to fill) and, as comments, the built-in defaults it gets. show prints the
policy in force per payer and period: what the audit applies (precedence: payer period > payer
> payer_type period > payer_type > built-in).
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``telekit policies init|show`` to the ``telekit`` subcommands."""
    p = sub.add_parser(
        "policies",
        help="write a first policies.toml from the claims, or show the policy in force",
        description="Payer policies (policies.toml): write a first one, or show what applies.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=lambda args: _no_action(p))
    actions = p.add_subparsers(dest="policies_command", metavar="{init,show}")
    init = actions.add_parser(
        "init",
        help="write policies.toml listing every payer of DIR's claims",
        description="Write a first policies.toml from DIR's claims: one [payer] table per "
        "distinct payer (trimmed, upper-cased) with its spellings, row count, payer_type and, "
        "as comments, the built-in defaults it gets.",
    )
    init.add_argument(
        "dir",
        type=Path,
        metavar="DIR|FILE",
        help="folder holding claims (and map.toml if any), or a claims file (map.toml beside it "
        "read when present)",
    )
    init.add_argument(
        "--out", type=Path, required=True, help="the policies.toml to write (never overwritten)"
    )
    init.set_defaults(func=cmd_init)
    show = actions.add_parser(
        "show",
        help="print the policy in force per payer and period",
        description="Print the policy in force per payer and period, as the audit applies it.",
    )
    show.add_argument(
        "--policies",
        type=Path,
        metavar="F",
        help="the policies.toml to read (default: the built-in defaults only)",
    )
    show.add_argument(
        "--payer",
        metavar="P",
        help="one payer, as spelled on the claims (found through the file's aliases); a payer "
        "the file does not name is told which default it gets",
    )
    show.add_argument(
        "--on",
        type=date_argument("--on"),
        metavar="DATE",
        help="only the policy in force on DATE (YYYY-MM-DD)",
    )
    show.set_defaults(func=cmd_show)


def _no_action(parser: argparse.ArgumentParser) -> int:
    parser.print_usage()
    return 2


def cmd_init(args: argparse.Namespace) -> int:
    payers = init_policies(args.dir, args.out)
    todo = int((payers["payer_type"] == "").sum())
    print(f"wrote {args.out}: {payers.height} payer(s); check each payer_type ({todo} to decide)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    policies = load_policies(args.policies)
    print(show_text(policies, payer=args.payer, on=args.on), end="")
    return 0
