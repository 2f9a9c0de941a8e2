"""Reference files given on the command line (``--telehealth-list F``, ``--ncci DIR``,
``--icd10 F``, ``--fee-schedule F`` with ``--fee-schedule-from DATE``, each repeatable;
``--gpci F``; ``--locality L``; ``--expected-fees F``), read into what ``tk.audit`` takes.

A CMS telehealth list names its calendar year and an NCHS order file its fiscal year in the file
name (CMS: ``…CY2026…``; NCHS: ``icd10cm_order_2027.txt``); a name without a year is refused with
the fix, since a list judged against the wrong year is worse than none. A fee-schedule release
is dated by ``codesets.read_fee_schedule_release`` (its title or name; ``--fee-schedule-from``
moves its first DOS), a GPCI file by ``codesets.read_gpci_file``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telekit import codesets
from telekit._core._exceptions import InputError

_EXAMPLES = {
    "--telehealth-list": "CY2026_telehealth_list.xlsx",
    "--icd10": "icd10cm_order_2027.txt",
}
_YEAR = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9])")


def _year(path: Path, flag: str, what: str) -> int:
    years = set(_YEAR.findall(path.name))
    if len(years) != 1:
        example = _EXAMPLES[flag]
        msg = (
            f"{flag} {path.name}: the file name must name the {what} it is for, once "
            f"(e.g. {example}); rename the file"
        )
        raise InputError(msg)
    return int(years.pop())


def _exists(path: Path, flag: str) -> Path:
    if not path.exists():
        msg = f"{flag} {path}: no such file or folder"
        raise InputError(msg)
    return path


def _fee_schedules(
    paths: Sequence[Path], starts: Sequence[dt.date]
) -> list[codesets.FeeScheduleRelease]:
    """``--fee-schedule F`` files, the i-th dated from the i-th ``--fee-schedule-from DATE``
    when given (more dates than files is an error)."""
    if len(starts) > len(paths):
        msg = (
            f"--fee-schedule-from was given {len(starts)} times for {len(paths)} "
            "--fee-schedule file(s); give one date per release, in the order of the releases"
        )
        raise InputError(msg)
    return [
        codesets.read_fee_schedule_release(
            _exists(p, "--fee-schedule"), valid_from=starts[i] if i < len(starts) else None
        )
        for i, p in enumerate(paths)
    ]


def reference_files(
    *,
    telehealth_lists: Sequence[Path] = (),
    ncci: Sequence[Path] = (),
    icd10: Sequence[Path] = (),
    fee_schedules: Sequence[Path] = (),
    fee_schedule_from: Sequence[dt.date] = (),
    gpci: Path | None = None,
) -> dict[str, Any]:
    """``tk.audit``'s ``telehealth_lists``, ``ncci``, ``icd10``, ``fee_schedules`` and
    ``gpci`` from the given files."""
    lists = [
        codesets.read_cms_telehealth_list(
            _exists(p, "--telehealth-list"), year=_year(p, "--telehealth-list", "calendar year")
        )
        for p in telehealth_lists
    ]
    editions = [codesets.read_ncci(_exists(p, "--ncci")) for p in ncci]
    icd = [
        codesets.read_icd10cm_order(_exists(p, "--icd10"), _year(p, "--icd10", "fiscal year"))
        for p in icd10
    ]
    releases = _fee_schedules(fee_schedules, fee_schedule_from)
    gpcis = [codesets.read_gpci_file(_exists(gpci, "--gpci"))] if gpci is not None else []
    return {
        "telehealth_lists": lists,
        "ncci": editions,
        "icd10": icd,
        "fee_schedules": releases,
        "gpci": gpcis,
    }
