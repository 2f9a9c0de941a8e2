"""Reference files given on the command line (``--telehealth-list F``, ``--ncci DIR``,
``--icd10 F``, each repeatable), read into what ``tk.audit`` takes.

A CMS telehealth list names its calendar year and an NCHS order file its fiscal year in the file
name (CMS: ``…CY2026…``; NCHS: ``icd10cm_order_2027.txt``); a name without a year is refused with
the fix, since a list judged against the wrong year is worse than none.
"""

from __future__ import annotations

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


def reference_files(
    *,
    telehealth_lists: Sequence[Path] = (),
    ncci: Sequence[Path] = (),
    icd10: Sequence[Path] = (),
) -> dict[str, Any]:
    """``tk.audit``'s ``telehealth_lists``, ``ncci`` and ``icd10`` from the given files."""
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
    return {"telehealth_lists": lists, "ncci": editions, "icd10": icd}
