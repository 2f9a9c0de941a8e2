# ruff: noqa: E501  (CMS's rows are kept whole, as CMS writes them)
"""Write the small CMS/NCHS-layout fixtures for the fee-schedule, NCCI and ICD-10-CM readers
(run once; the outputs are committed).

    .venv/bin/python tests/data/cms/make_reference_fixtures.py

Layouts imitate CMS's and NCHS's published files (title and copyright rows, multi-row headers,
YYYYMMDD dates, "*" for no date, fixed-width order files). Numbers are CMS's for the codes
used; descriptors are "REDACTED" or telekit's own words, never CPT text.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent

RVU_HEADER = [
    ",,2024 National Physician Fee Schedule Relative Value File July Release,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,CPT codes and descriptions only are copyright 2023 American Medical Association.,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,Dental codes (D codes) are copyright 2024/25 American Dental Association.,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",, ,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",,RELEASED 05/03/2024,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    ",, , ,,,,,,,,,,,,,,,,,,,,,,,,,NON-FACILITY,FACILITY,",
    ",,,,NOT USED,,,,,,,,,,,,,,,,,,,,,PHYSICIAN,,DIAGNOSTIC,PE USED,PE USED,MP USED",
    ",,,,FOR,,,NON-FAC,,FACILITY ,,,,,,,,,,,,,,,,SUPERVISION OF,,IMAGING,FOR OPPS,FOR OPPS,FOR OPPS",
    ",,,STATUS,MEDICARE ,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,PRE,INTRA,POST,MULT,BILAT,ASST,CO-,TEAM,ENDO,CONV,DIAGNOSTIC,CALCULATION,FAMILY,PAYMENT,PAYMENT,PAYMENT",
    "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,IND,DAYS,OP,OP,OP,PROC,SURG,SURG,SURG,SURG,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,AMOUNT,AMOUNT,AMOUNT",
]
RVU_ROWS = [  # CMS's rows for these codes (2024 July), descriptors redacted
    "99214,,REDACTED,A,,1.92,1.79,,0.83,,0.14,3.85,2.89,0,XXX,0.00,0.00,0.00,0,0,0,0,0,,33.2875,09,0,99,0.00,0.00,0.00",
    '99417,,"REDACTED, with a comma",I,+,0.61,0.27,,0.24,,0.04,0.92,0.89,9,ZZZ,0.00,0.00,0.00,9,9,9,9,9,,33.2875,09,0,99,0.00,0.00,0.00',
    "93000,,REDACTED,A,,0.17,0.24,,0.24,NA,0.02,0.43,0.43,4,XXX,0.00,0.00,0.00,6,0,0,0,0,,33.2875,01,0,99,0.00,0.00,0.00",
    "71046,26,REDACTED,A,,0.22,0.08,,0.08,,0.01,0.31,0.31,1,XXX,0.00,0.00,0.00,0,0,0,0,0,,33.2875,09,0,99,0.00,0.00,0.00",
    "71046,TC,REDACTED,A,,0.00,0.69,,0.69,NA,0.01,0.70,0.70,1,XXX,0.00,0.00,0.00,0,0,0,0,0,,33.2875,01,0,99,2.61,2.61,0.04",
    "\x1a,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
]


def write_rvu() -> None:
    text = "\r\n".join([*RVU_HEADER, *RVU_ROWS]) + "\r\n"
    (HERE / "PPRRVU_fixture.csv").write_text(text, encoding="utf-8", newline="")
    bad = [*RVU_HEADER, RVU_ROWS[0], RVU_ROWS[1].replace(",0.61,0.27,", ",0.61,1.2.3,")]
    (HERE / "PPRRVU_bad_number.csv").write_text("\r\n".join(bad) + "\r\n", encoding="utf-8")


def write_gpci() -> None:
    rows = [
        ["ADDENDUM E. FINAL CY 2024 GEOGRAPHIC PRACTICE COST INDICES (GPCIs) BY STATE AND "
         "MEDICARE LOCALITY", "", "", "", "", "", ""],
        ["", "", "", "", "", "", ""],
        ["Medicare Administrative Contractor (MAC)", "State", "Locality Number",
         "Locality Name", "2024 PW GPCI (with 1.0 Floor)", "2024 PE GPCI", "2024 MP GPCI"],
        ["10112", "AL", "00", "ALABAMA", "1.000", "0.869", "0.575"],
        ["02102", "AK", "01", "ALASKA*", "1.500", "1.081", "0.592"],
        ["01182", "CA", "18", "LOS ANGELES**", "1.054", "1.209", "0.651"],
        ["* Alaska work GPCI floor of 1.5", "", "", "", "", "", ""],
    ]  # fmt: skip
    with (HERE / "GPCI_fixture.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


PTP_HEADER = [
    "Column 1",
    "Column 2",
    "*=in existence prior to 1996",
    "Effective Date",
    "Deletion Date *=no data",
    "Modifier 0=not allowed 1=allowed 9=not applicable",
    "PTP Edit Rationale",
]


def write_ptp() -> None:
    rows = [
        ["Medicare NCCI Practitioner PTP Edits, effective July 1, 2024 (fixture)"],
        ["CPT codes, descriptions and other data only are copyright 2023 American Medical "
         "Association. All rights reserved."],
        [],
        PTP_HEADER,
        ["99214", "99211", "", "20240101", "*", "0", "Mutually exclusive procedures"],
        ["99214", "36415", "*", "19960101", "*", "1", "Misuse of Column Two code"],
        ["90837", "90832", "", "20130101", "20231231", "9", "CPT Manual or CMS manual"],
        ["G2211", "99211", "", "20240701", "*", "1", "Standards of medical practice"],
    ]  # fmt: skip
    part2 = [PTP_HEADER, ["90791", "90792", "", "20130101", "*", "0", "Mutually exclusive"]]
    for name, data in (("ptp_f1.txt", rows), ("ptp_f2.txt", part2)):
        with (HERE / "ncci" / name).open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, delimiter="\t", lineterminator="\r\n").writerows(data)
    bad = [PTP_HEADER, ["99214", "99211", "", "20240101", "*", "2", "bad indicator"]]
    with (HERE / "ncci_bad_modifier.txt").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\n").writerows(bad)


def write_mue() -> None:
    wb = xlsxwriter.Workbook(HERE / "ncci" / "mue_practitioner.xlsx")
    wb.set_properties({"created": dt.datetime(2024, 7, 1, tzinfo=dt.UTC)})  # same bytes each run
    ws = wb.add_worksheet("Practitioner MUE")
    ws.write(0, 0, "Medically Unlikely Edits - Practitioner Services - effective 07/01/2024")
    ws.write(1, 0, "CPT codes and descriptions only are copyright American Medical Association.")
    header = [
        "HCPCS/CPT Code",
        "Practitioner Services MUE Values",
        "MUE Adjudication Indicator",
        "MUE Rationale",
    ]
    for j, h in enumerate(header):
        ws.write(3, j, h)
    data = [
        (99213, 2, "2 Date of Service Edit: Policy", "Code Descriptor / CPT Instruction"),
        ("90837", 2, "3 Date of Service Edit: Clinical", "Clinical: Data"),
        ("G2012", 1, "2 Date of Service Edit: Policy", "CMS Policy"),
        ("99458", 3, "1 Line Edit", "Clinical: CMS Workgroup"),
    ]
    for i, row in enumerate(data, start=4):
        for j, value in enumerate(row):
            ws.write(i, j, value)
    wb.close()


def write_add_on() -> None:
    rows = [
        ["Add-on Code Edits, effective 2024-07-01 (fixture)"],
        ["CPT codes and descriptions only are copyright American Medical Association."],
        ["Add-on Code", "Add-On Code Effective Date", "Add-On Code Deletion Date",
         "Primary Code", "Primary Code Effective Date", "Primary Code Deletion Date",
         "AOC Edit Type", "AOC Edit Effective Date", "AOC Edit Deletion Date",
         "Special Instruction Notes"],
        ["90833", "20130101", "*", "99214", "19920101", "*", "1", "20130101", "*", ""],
        ["90833", "20130101", "*", "99348", "20230101", "*", "1", "20230101", "*", ""],
        ["99417", "20210101", "*", "CCCCC", "*", "*", "2", "20210101", "*", ""],
        ["G2211", "20240101", "*", "99214", "19920101", "*", "1", "20240701", "*", ""],
    ]  # fmt: skip
    with (HERE / "ncci" / "add_on_edits.txt").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\r\n").writerows(rows)


def order_line(order: int, code: str, flag: int, short: str, long: str) -> str:
    return f"{order:05d} {code:<7} {flag} {short:<60} {long}"


def write_icd_order() -> None:
    rows = [
        (1, "A00", 0, "Cholera", "Cholera"),
        (2, "A000", 1, "Cholera, classical", "Cholera due to Vibrio cholerae 01, classical"),
        (3, "F41", 0, "Other anxiety disorders (header)", "Other anxiety disorders"),
        (4, "F411", 1, "Generalized anxiety disorder", "Generalized anxiety disorder"),
        (5, "I10", 1, "Essential hypertension", "Essential (primary) hypertension"),
        (6, "U071", 1, "COVID-19", "COVID-19"),
        (7, "Z9999", 1, "A code new in this fixture's year", "A new code (fixture)"),
    ]
    text = "\r\n".join(order_line(*r) for r in rows) + "\r\n"
    (HERE / "icd10cm_order_2027_fixture.txt").write_text(text, encoding="ascii", newline="")
    bad = order_line(*rows[0]) + "\n" + "00002 A000    X Cholera\n"
    (HERE / "icd10cm_order_bad.txt").write_text(bad, encoding="ascii")


def write_pipe_list() -> None:
    text = (
        "CY 2027 List of Medicare Telehealth Services (fixture)||\n"
        "HCPCS|Short Descriptor|Status\n"
        "99213|Office visit, established, low|Permanent\n"
        "G0545|Caregiver training add-on (fixture wording)|Permanent\n"
        "92622|Own words|Permanent\n"
    )
    (HERE / "telehealth_list_2027_pipe.txt").write_text(text, encoding="utf-8")


def main() -> None:
    (HERE / "ncci").mkdir(exist_ok=True)
    write_rvu()
    write_gpci()
    write_ptp()
    write_mue()
    write_add_on()
    write_icd_order()
    write_pipe_list()


if __name__ == "__main__":
    main()
