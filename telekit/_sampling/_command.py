"""``telekit sample-visits``: its options and its handler (the drawing and the workbook are
imported when it runs, so that ``telekit --help`` stays fast)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from telekit._core._exceptions import TelekitError

__all__ = ["register", "run"]

EPILOG = """examples:
  telekit sample-visits data/samples --n 50 --seed 11 --out visits.xlsx
  telekit sample-visits data/samples --n 60 --seed 11 --by provider --out visits.xlsx
  telekit audit data/samples --encounters visits.xlsx --out out/audit

The frame is every visit (an encounter_id, else person, rendering NPI and date of service) of
DIR's claims with a telehealth line, superseded claims left out. The same seed draws the same
visits in telekit (not in RAT-STATS, whose generator differs). Fill the yellow columns of the
"visits" sheet from the charts; the audit then judges the encounter rules on the sampled lines
only, and extrapolates nothing.
"""


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        msg = f"expected a whole number of visits, 1 or more, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return n


def _seed(text: str) -> int:
    try:
        s = int(text)
    except ValueError:
        s = -1
    if s < 0:
        msg = f"expected a whole number 0 or more, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return s


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``telekit sample-visits`` to the command line's subcommands."""
    p = sub.add_parser(
        "sample-visits",
        help="draw a random sample of telehealth visits for chart review (an abstraction "
        "workbook to fill and audit with)",
        description="Draw a reproducible random sample of the telehealth visits of DIR's claims "
        "and write the abstraction workbook (sheets visits, lines, sample).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "dir",
        type=Path,
        help="folder holding the claims (claims.parquet|.csv|.xlsx; map.toml and policies.toml "
        "beside them are used when present)",
    )
    p.add_argument("--n", type=_positive, required=True, help="visits to draw (all when past "
                   "the frame)")  # fmt: skip
    p.add_argument("--seed", type=_seed, required=True, help="the seed (a whole number): the "
                   "same seed draws the same visits")  # fmt: skip
    p.add_argument(
        "--by",
        choices=("provider",),
        help="stratify by rendering NPI, allocation proportional to each provider's visits "
        "(at least one each when N allows)",
    )
    p.add_argument("--out", type=Path, required=True, help="the workbook to write (.xlsx)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``telekit sample-visits``: read DIR's claims, draw, write the workbook, print one line."""
    from telekit._io._discovery import find_table  # noqa: PLC0415
    from telekit._policies._toml import load_policies  # noqa: PLC0415 - keep --help fast
    from telekit._read import _tables  # noqa: PLC0415
    from telekit._sampling._draw import sample_visits  # noqa: PLC0415
    from telekit._sampling._workbook import write_workbook  # noqa: PLC0415
    from telekit.report._out import sha256_of  # noqa: PLC0415

    directory: Path = args.dir
    if not directory.is_dir():
        msg = f"{directory}: not a folder (give DIR holding claims.csv, .parquet or .xlsx)"
        raise TelekitError(msg)
    claims_path = find_table(directory, "claims")
    if claims_path is None:
        msg = f"{directory}: no claims (expected claims.parquet, claims/, claims.csv or .xlsx)"
        raise TelekitError(msg)
    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        msg = f"{out}: --out must name an .xlsx workbook"
        raise TelekitError(msg)
    map_path = directory / "map.toml"
    mapping = _tables.load_map(map_path) if map_path.is_file() else None
    policies_path = directory / "policies.toml"
    policies = load_policies(policies_path if policies_path.is_file() else None)
    claims = _tables.read_table("claims", claims_path, map=mapping)
    sample = sample_visits(claims.data, policies, n=args.n, seed=args.seed, by=args.by)
    if sample.frame.height == 0:
        msg = f"{claims_path}: no telehealth visit (no line with POS 02/10 or a telehealth "
        msg += "modifier outside CTBS and Q3014): nothing to sample"
        raise TelekitError(msg)
    fd, tmp_name = tempfile.mkstemp(suffix=".xlsx", prefix=".sample-visits-", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write_workbook(
            sample, tmp, source=claims_path, source_sha256=sha256_of(claims_path), by=args.by
        )
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    print(
        f"wrote {out}: {sample.drawn.height:,} of {sample.frame.height:,} telehealth visits "
        f"({sample.method} sample, seed {sample.seed})"
    )
    return 0
