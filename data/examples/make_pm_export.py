"""Write ``pm-export/claims.xlsx``: a practice-management charge-detail export, as a consultant gets
one (the worked example of README "Bring your own data").

Shaped like the real thing, not like telekit's contract: two title rows and a blank row above the
header (row 4); headers a PM system prints ("Visit #", "Svc Date", "CPT/HCPCS", "Mod 1".."Mod 4",
"Place of Svc" as a number, "Billed Amt", "Primary Ins", "ICD-10 1"..); a visit's number, date,
patient account, payer and provider only on its first line (a grouped export); no line number and
no payer type; a blank page-break row every 15 lines; a "Grand Total" row; a "Printed … Page 1 of
1" footer. The lines are 30 visits of the synthetic practice in ``data/samples`` (synthetic data
only), with the payers spelled as a PM system spells them.

    uv run python data/examples/make_pm_export.py
    uv run telekit sample-visits data/examples/pm-export --n 3 --seed 11 --out /tmp/visits.xlsx
    uv run python data/examples/make_pm_export.py --visits /tmp/visits.xlsx

The second and third commands write ``pm-export/encounters.xlsx``: the chart-abstraction
workbook of a documentation sample of three visits, filled in as a consultant would (``CHARTS``).
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import xlsxwriter

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "samples"
#: the sample's payer values as a PM system prints them
PAYER_NAMES = {
    "MEDICARE": "Medicare Part B",
    "AETNA": "Aetna PPO",
    "UHC": "UnitedHealthcare",
    "NY MEDICAID": "NY Medicaid",
    "SELF PAY": "Self Pay",
    "HUMANA MA": "Humana Gold Plus",
    "CIGNA": "Cigna Open Access",
}
HEADERS = (
    "Visit #", "Svc Date", "Patient Acct", "Rendering NPI", "Billing NPI", "Primary Ins",
    "CPT/HCPCS", "Mod 1", "Mod 2", "Mod 3", "Mod 4", "Units", "Place of Svc", "Billed Amt",
    "ICD-10 1", "ICD-10 2", "ICD-10 3", "ICD-10 4", "Date Billed",
)  # fmt: skip
VISITS = 30
PAGE_LINES = 15


def visits() -> pl.DataFrame:
    """30 original claims of the sample from 2024 with the payers above, telehealth visits
    (POS 02/10 or a telehealth modifier) first, multi-line ones first among them (they carry
    add-on codes whose primary is on the visit's first line)."""
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
    modifiers = pl.concat_list(f"hcpcs_modifier_{k}" for k in range(1, 5))
    telehealth = (
        pl.col("place_of_service_code").is_in(["02", "10"])
        | modifiers.list.eval(pl.element().is_in(["95", "93", "GT", "FQ"])).list.any()
    )
    chosen = (
        claims.filter(
            pl.col("payer").is_in(list(PAYER_NAMES))
            & pl.col("claim_line_start_date").str.starts_with("2024")
            & pl.col("claim_frequency_code").eq("1")
        )
        .with_columns(
            pl.len().over("claim_id").alias("lines"),
            telehealth.any().over("claim_id").alias("telehealth"),
        )
        .sort(["telehealth", "lines", "claim_id"], descending=[True, True, False])
    )
    ids = chosen.get_column("claim_id").unique(maintain_order=True).head(VISITS)
    return claims.filter(pl.col("claim_id").is_in(ids.implode())).sort(
        ["claim_line_start_date", "claim_id", "claim_line_number"]
    )


def write(path: Path) -> None:
    lines = visits()
    book = xlsxwriter.Workbook(path)
    # a fixed creation time keeps the bytes reproducible (Excel stores it without a zone)
    created = dt.datetime(2026, 12, 1, 9, 14)  # noqa: DTZ001
    book.set_properties({"created": created})
    sheet = book.add_worksheet("Charge Detail")
    bold = book.add_format({"bold": True, "bottom": 1})
    date = book.add_format({"num_format": "mm/dd/yyyy"})
    money = book.add_format({"num_format": "$#,##0.00"})
    sheet.write(0, 0, "Sample Telehealth Group, PLLC", book.add_format({"bold": True}))
    sheet.write(1, 0, "Charge Detail Report - Date of Service 01/01/2024 to 12/31/2024")
    for col, name in enumerate(HEADERS):
        sheet.write(3, col, name, bold)
    row, total, previous = 4, Decimal(0), None
    for n, line in enumerate(lines.iter_rows(named=True)):
        if n and n % PAGE_LINES == 0:
            row += 1  # a blank page-break row
        first = line["claim_id"] != previous
        previous = line["claim_id"]
        visit = 10_000 + int(line["claim_id"][1:])
        if first:
            sheet.write_number(row, 0, visit)
            sheet.write_datetime(row, 1, _day(line["claim_line_start_date"]), date)
            sheet.write(row, 2, f"A{line['person_id'][1:]}")
            sheet.write(row, 3, line["rendering_npi"])
            sheet.write(row, 4, line["billing_npi"] or "")
            sheet.write(row, 5, PAYER_NAMES[line["payer"]])
            if line["claim_submitted_date"]:
                sheet.write_datetime(row, 18, _day(line["claim_submitted_date"]), date)
        sheet.write(row, 6, line["hcpcs_code"])
        for k in range(4):
            sheet.write(row, 7 + k, line[f"hcpcs_modifier_{k + 1}"] or "")
        sheet.write_number(row, 11, float(Decimal(line["service_unit_quantity"])))
        sheet.write_number(row, 12, int(line["place_of_service_code"]))
        charge = Decimal(line["charge_amount"])
        total += charge
        sheet.write_number(row, 13, float(charge), money)
        for k in range(4):
            sheet.write(row, 14 + k, line[f"diagnosis_code_{k + 1}"] or "")
        row += 1
    sheet.write(row, 0, "Grand Total", bold)
    sheet.write_number(row, 13, float(total), money)
    sheet.write(row + 2, 0, "Printed 12/01/2026 9:14 AM        Page 1 of 1")
    sheet.set_column(0, len(HEADERS) - 1, 13)
    book.close()


#: what the consultant abstracted from the three sampled charts (sample_number -> cells): a
#: clean visit, a psychotherapy add-on with too few psychotherapy minutes, an audio-only visit
#: billed with 95 and no consent on file
CHARTS = {
    1: ("audio_video", "home", "yes", 45, "low", 25, None, None, "NY", "NY"),
    2: ("audio_video", "home", "yes", 40, "moderate", 12, None, None, "NY", "NY"),
    3: ("audio_only", "home", "no", 30, None, 30, "patient has no video", None, "NJ", "NY"),
}
CHART_COLUMNS = (
    "modality", "patient_location", "consent_documented", "total_minutes", "mdm_level",
    "psychotherapy_minutes", "audio_only_reason", "device_days", "patient_state",
    "provider_state",
)  # fmt: skip


def fill_visits(workbook: Path, out: Path) -> None:
    """Fill the documentation columns of a `telekit sample-visits` workbook from ``CHARTS``."""
    import openpyxl  # noqa: PLC0415 - a dev dependency, used only to write the example

    book = openpyxl.load_workbook(workbook)
    sheet = book["visits"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        chart = CHARTS.get(int(row[header.index("sample_number")].value))
        for name, value in zip(CHART_COLUMNS, chart or (), strict=False):
            row[header.index(name)].value = value
    book.save(out)


def _day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


if __name__ == "__main__":
    folder = HERE / "pm-export"
    write(folder / "claims.xlsx")
    print(folder / "claims.xlsx")
    if "--visits" in sys.argv:  # after `telekit sample-visits pm-export --n 3 --seed 11 --out F`
        fill_visits(Path(sys.argv[sys.argv.index("--visits") + 1]), folder / "encounters.xlsx")
        print(folder / "encounters.xlsx")
