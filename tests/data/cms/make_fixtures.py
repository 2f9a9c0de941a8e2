"""Write the CMS-layout fixtures in this folder (run once; the outputs are committed).

    .uv/bin/uv run --frozen python tests/data/cms/make_fixtures.py

The files imitate CMS's "List of Telehealth Services" downloads: title rows above the header,
blank rows, footnotes, codes stored as numbers in the workbook. Descriptors are telekit's own
words, not CPT text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent
AUDIO_HEADER = "Can Audio-only Interaction Meet the Requirements?"


def write_csv_2027() -> None:
    rows = [
        ["List of Medicare Telehealth Services for CY 2027"],
        ["Effective January 1, 2027"],
        ["(fixture made by telekit's tests; not a CMS file)"],
        [],
        ["HCPCS", "Short Descriptor", "Status", AUDIO_HEADER],
        ["99213", "Office visit, established, low", "Permanent", "Yes"],
        [" g2211 ", "Visit complexity add-on", "permanent", ""],
        ["99213.0", "duplicate of the first row, as a spreadsheet float", "Provisional", ""],
        ["97110", "Therapeutic exercise", "Provisional", "No"],
        ["90837", "Psychotherapy, about 60 minutes", "Permanent", "Y"],
        [],
        ["99499", "Unlisted E/M", "Something new", "x"],
        ["* Codes marked with an asterisk are add-ons.", "", "", ""],
        ["Note: this list is updated each calendar year.", "", "", ""],
    ]
    with (HERE / "telehealth_list_2027.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def write_csv_2019_no_status() -> None:
    text = (
        "Telehealth services \u2013 calendar year 2019\r\n"
        "\r\n"
        "Code,Descriptor\r\n"
        "99212,Office visit, established, straightforward\r\n"
        "G0438,Annual wellness visit, first\r\n"
        "\r\n"
        "Source: fixture\r\n"
    )
    (HERE / "telehealth_list_2019_no_status.csv").write_bytes(text.encode("cp1252"))


def write_bad() -> None:
    text = (
        "Telehealth services for CY 2027\n"
        "Codes listed below\n"
        "99213,Office visit\n"
        "99214,Office visit\n"
    )
    (HERE / "bad_no_header.csv").write_text(text, encoding="utf-8")


def write_xlsx_2021() -> None:
    wb = xlsxwriter.Workbook(HERE / "telehealth_list_2021.xlsx")
    readme = wb.add_worksheet("Read me")
    readme.write(0, 0, "This workbook holds the CY 2021 list on the next sheet.")
    readme.write(1, 0, "Fixture made by telekit's tests; not a CMS file.")
    ws = wb.add_worksheet("CY 2021 List")
    bold = wb.add_format({"bold": True, "text_wrap": True})
    ws.merge_range(0, 0, 0, 3, "LIST OF TELEHEALTH SERVICES FOR CALENDAR YEAR 2021", bold)
    ws.merge_range(1, 0, 1, 3, "Updated quarterly during the public health emergency")
    ws.write_row(3, 0, ["HCPCS\nCode", "Short Descriptor", "Status", "Audio-only?"], bold)
    data: list[tuple[object, str, str, str]] = [
        (
            99441,
            "Phone E/M, 5-10 minutes",
            "Temporary Addition for the PHE for the COVID-19 Pandemic",
            "X",
        ),
        (99213, "Office visit, established, low", "", ""),
        ("G2211", "Visit complexity add-on", "", ""),
        (
            99349,
            "Home visit, established, moderate",
            "Available up Through the Year in Which the PHE Ends",
            "",
        ),
        (90853.0, "Group psychotherapy", "", "X"),
        ("96130", "Psych test evaluation, first hour", "Category 3", ""),
    ]
    row = 4
    for code, desc, status, audio in data:
        if isinstance(code, (int, float)):
            ws.write_number(row, 0, code)
        else:
            ws.write_string(row, 0, code)
        ws.write_string(row, 1, desc)
        if status:
            ws.write_string(row, 2, status)
        if audio:
            ws.write_string(row, 3, audio)
        row += 1
    row += 2  # blank rows
    ws.write_string(row, 0, "Footnote: codes may be removed when the PHE ends.")
    wb.close()


if __name__ == "__main__":
    write_csv_2027()
    write_csv_2019_no_status()
    write_bad()
    write_xlsx_2021()
