"""The engagement commands of the CLI: ``telekit init`` (DESIGN §4). ``register`` adds them to
``telekit``'s sub-parsers; each sets ``func``, the handler ``telekit._cli.main`` calls."""

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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` to ``telekit``'s sub-parsers."""
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


def cmd_init(args: argparse.Namespace) -> int:
    from telekit._engagement._init import init_engagement  # noqa: PLC0415 - keep the CLI light

    result = init_engagement(args.dir, args.from_file)
    for line in result.lines:
        print(line)
    print("next:")
    for step in result.next_steps():
        print(f"  {step}")
    return 0
