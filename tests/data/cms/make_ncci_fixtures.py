"""Writes ``ncci_2025q1/``: one quarter's NCCI practitioner files in CMS's published layout
(tab-delimited text with title and copyright rows above the header; the PTP table in two parts;
the MUE file named with its effective date; the add-on file named ``..._2025Q1``). The edits are
fixture values (not CMS's), chosen to exercise NC001, NC002 and AD001 with a given edition.

Run: ``python tests/data/cms/make_ncci_fixtures.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent / "ncci_2025q1"

PTP_HEADER = [
    "Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
    "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable",
    "PTP Edit Rationale",
]  # fmt: skip
TITLE = ["Medicare NCCI Practitioner PTP Edits v311r0, effective January 1, 2025 (fixture)"]
COPYRIGHT = ["CPT codes, descriptions and other data only are copyright 2024 American Medical "
             "Association. All rights reserved."]  # fmt: skip


def _write(name: str, rows: list[list[str]]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\r\n").writerows(rows)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    _write(
        "ccipra-v311r0-f1.txt",
        [
            TITLE, COPYRIGHT, [], PTP_HEADER,
            ["99214", "99213", "", "19960101", "*", "1", "Standards of medical practice"],
            ["99215", "99212", "", "19960101", "20250131", "1", "Standards of medical practice"],
            ["99214", "36415", "", "20250215", "*", "0", "Misuse of column two code"],
        ],
    )  # fmt: skip
    _write(
        "ccipra-v311r0-f2.txt",
        [
            TITLE, COPYRIGHT, [], PTP_HEADER,
            ["90837", "90832", "", "20130101", "*", "9", "CPT Manual or CMS manual"],
            ["90834", "90832", "", "20130101", "*", "0", "Mutually exclusive procedures"],
        ],
    )  # fmt: skip
    _write(
        "MCR_MUE_PractitionerServices_Eff_01-01-2025.txt",
        [
            ["Medically Unlikely Edits - Practitioner Services (fixture)"], COPYRIGHT,
            ["HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator",
             "MUE Rationale"],
            ["99213", "1", "2 Date of Service Edit: Policy", "Fixture"],
            ["96127", "3", "3 Date of Service Edit: Clinical", "Fixture"],
        ],
    )  # fmt: skip
    _write(
        "AOC_V2025Q1-MCR.txt",
        [
            ["Add-on Code Edits (fixture)"], COPYRIGHT,
            ["Add-on Code", "Add-On Code Effective Date", "Add-On Code Deletion Date",
             "Primary Code", "Primary Code Effective Date", "Primary Code Deletion Date",
             "AOC Edit Type", "AOC Edit Effective Date", "AOC Edit Deletion Date",
             "Special Instruction Notes"],
            ["90785", "20130101", "*", "99404", "19920101", "*", "1", "20250101", "*", ""],
            ["99417", "20210101", "*", "99205", "20210101", "*", "1", "20210101", "*", ""],
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
