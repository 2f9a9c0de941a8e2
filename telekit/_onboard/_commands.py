"""The onboarding commands of the CLI: ``telekit columns``, ``telekit template``,
``telekit map --init`` (DESIGN §4). ``register`` adds them to ``telekit``'s sub-parsers; each
sets ``func``, the handler ``telekit._cli.main`` calls."""

from __future__ import annotations

import argparse
from pathlib import Path

from telekit._core._columns import TABLES
from telekit._core._exceptions import TelekitError

COLUMNS_EPILOG = """examples:
  telekit columns            # every table
  telekit columns claims     # one table

For each column: required (yes, no, or derived when absent), the type (String, Date,
Decimal(12,2), Int32, Boolean), allowed values, and the headers read as it without a map.
"""

TEMPLATE_EPILOG = """examples:
  telekit template claims --out claims-template.xlsx
  telekit template encounters --out encounters-template.xlsx

The workbook's first sheet has the headers (required ones bold, each with a comment), drop-downs
on enumerations and booleans, date and money formats; the Notes sheet says what each column is.
Filled in, it reads as the table: telekit audit --claims claims-template.xlsx ...
"""

MAP_EPILOG = """examples:
  telekit map --init exports/charge-detail.xlsx --out data/map.toml
  telekit map --init visits.csv --out map.toml --table encounters

Reads FILE's header (found by content, e.g. on row 4 below title rows), matches each header to
a column by name, alias or similarity, and writes [TABLE.rename] entries with how each matched,
suggestions to check, unmatched headers and required columns with no match as comments.
Refuses an existing --out.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``columns``, ``template`` and ``map`` to ``telekit``'s sub-parsers."""
    tables = tuple(TABLES)
    raw = argparse.RawDescriptionHelpFormatter
    c = sub.add_parser(
        "columns",
        help="print the data contract: each table's columns, types, values, accepted headers",
        epilog=COLUMNS_EPILOG,
        formatter_class=raw,
    )
    c.add_argument("table", nargs="?", choices=tables, help="one table (default: every table)")
    c.set_defaults(func=cmd_columns)

    t = sub.add_parser(
        "template",
        help="write an empty XLSX workbook with a table's validated headers",
        epilog=TEMPLATE_EPILOG,
        formatter_class=raw,
    )
    t.add_argument("table", choices=tables, help="the table the workbook is for")
    t.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="F.xlsx",
        help="workbook to write (must not exist)",
    )
    t.set_defaults(func=cmd_template)

    m = sub.add_parser(
        "map",
        help="write a first map.toml from an export's headers (--init FILE)",
        epilog=MAP_EPILOG,
        formatter_class=raw,
    )
    m.add_argument(
        "--init",
        type=Path,
        required=True,
        metavar="FILE",
        help="the export (CSV, XLSX or Parquet) whose headers are mapped",
    )
    m.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="map.toml",
        help="map file to write (must not exist)",
    )
    m.add_argument(
        "--table",
        choices=tables,
        help="the table FILE holds (default: guessed from its headers)",
    )
    m.set_defaults(func=cmd_map)


def cmd_columns(args: argparse.Namespace) -> int:
    from telekit._onboard._contract import describe  # noqa: PLC0415 - keep the CLI light

    print(describe(args.table), end="")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from telekit._onboard._contract import write_template  # noqa: PLC0415

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        msg = f"--out {out.name}: a template is an XLSX workbook; name it .xlsx"
        raise TelekitError(msg)
    write_template(args.table, out)
    print(f"wrote {out}: {args.table} template")
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from telekit._onboard._map_init import init_map, summary_line  # noqa: PLC0415

    draft = init_map(args.init, args.out, args.table)
    print(summary_line(draft, args.out))
    return 0
