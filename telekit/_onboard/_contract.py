"""The data contract as a person reads it: ``telekit columns [TABLE]`` (plain text, 100 columns
wide) and ``telekit template TABLE --out F.xlsx`` (an empty workbook with the table's headers,
drop-downs on enumerations, date and money formats, and a Notes sheet).

Everything is read from the ``TableSpec`` (``telekit._core._columns``): required columns are
``spec.required``; a column the reader derives when absent (DESIGN §3) is marked ``derived``
when the spec says so.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from telekit._core._columns import (
    PLACE_OF_SERVICE_CODE,
    TABLES,
    Column,
    TableSpec,
)
from telekit._core._exceptions import InputError
from telekit._io._build import spellings
from telekit._io._maps import delimited_columns

WIDTH = 100
TEMPLATE_ROWS = 1_000  # rows the drop-downs and formats cover

# the type of each kind as DESIGN §3 spells it
TYPE_NAMES = {
    "id": "String",
    "code": "String",
    "text": "String",
    "enum": "String",
    "date": "Date",
    "money": "Decimal(12,2)",
    "units": "Decimal(10,3)",
    "int": "Int32",
    "bool": "Boolean",
}
BOOLEAN_VALUES = ("true", "false")

# what a column is, where its name does not say it (the Notes sheet and `telekit columns`)
ABOUT = {
    "claim_id": "the claim (one visit in a charge-detail export)",
    "claim_line_number": "the line within the claim",
    "person_id": "the patient (account number, MRN)",
    "member_id": "the patient's member id at the payer",
    "payer": "the payer's name or id as billed",
    "payer_type": "kind of payer",
    "claim_frequency_code": "1 original, 7 replacement, 8 void",
    "original_claim_id": "the claim_id a replacement or void refers to",
    "rendering_npi": "NPI of the clinician who gave the service",
    "billing_npi": "NPI of the billing provider or group",
    "claim_line_start_date": "date of service (DOS)",
    "claim_submitted_date": "date the claim was sent to the payer",
    "place_of_service_code": "CMS place of service, two digits (02, 10, 11)",
    "hcpcs_code": "CPT/HCPCS procedure code",
    "service_unit_quantity": "units (default 1)",
    "charge_amount": "billed amount of the line",
    "diagnosis_code_1": "ICD-10-CM, the principal diagnosis",
    "encounter_id": "the visit, linking the line to its documentation",
    "encounter_date": "date of the visit",
    "modality": "how the visit was held",
    "patient_location": "where the patient was",
    "patient_state": "USPS code of the patient's state",
    "provider_state": "USPS code of the clinician's state",
    "consent_documented": "consent to telehealth is in the note",
    "total_minutes": "total time documented, in minutes",
    "mdm_level": "medical decision making documented",
    "audio_only_reason": "why the visit was audio only",
    "device_days": "RPM/RTM days of data in the period",
    "psychotherapy_minutes": "psychotherapy time alone, in minutes",
    "enrollment_start_date": "first day of coverage (inclusive)",
    "enrollment_end_date": "last day of coverage (inclusive; empty = open)",
    "telehealth_covered": "the plan covers telehealth (empty = unknown)",
    "licensed_states": "USPS codes, e.g. NY;NJ",
}


def table_spec(name: str) -> TableSpec:
    if name not in TABLES:
        msg = f"unknown table {name!r} (tables: {', '.join(TABLES)})"
        raise InputError(msg)
    return TABLES[name]


def derived_columns(spec: TableSpec) -> set[str]:
    """Columns the reader derives when the source lacks them (DESIGN §3 "Derived when absent"):
    a ``derived`` field of the spec, or a ``derived`` flag of the column, when the contract has
    one."""
    named = getattr(spec, "derived", ())
    flagged = {c.name for c in spec.columns if getattr(c, "derived", False) is True}
    return {str(n) for n in named} | flagged


def requirement(spec: TableSpec, column: Column) -> str:
    """``derived``, ``yes`` or ``no``."""
    if column.name in derived_columns(spec):
        return "derived"
    return "yes" if column.name in spec.required else "no"


def type_name(column: Column) -> str:
    return TYPE_NAMES[column.kind]


def allowed_values(column: Column) -> tuple[str, ...]:
    if column.kind == "bool":
        return BOOLEAN_VALUES
    return column.values


def _wrapped(label: str, items: Sequence[str]) -> list[str]:
    indent = " " * 6
    return textwrap.wrap(
        f"{label}: {', '.join(items)}",
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
    )


def describe_table(spec: TableSpec) -> list[str]:
    """The lines ``telekit columns TABLE`` prints for one table."""
    key = " + ".join(spec.key) if spec.key else "none"
    lines = [f"{spec.name} (duplicate key: {key})", f"  {'column':<38}{'required':<10}type"]
    for column in spec.columns:
        lines.append(f"  {column.name:<38}{requirement(spec, column):<10}{type_name(column)}")
        if column.name in ABOUT:
            lines.extend(_wrapped("what", [ABOUT[column.name]]))
        if values := allowed_values(column):
            extra = "; true/false, yes/no, y/n, 1/0, any case" if column.kind == "bool" else ""
            lines.extend(_wrapped("values", [*values[:-1], values[-1] + extra]))
        if column.default is not None:
            lines.extend(_wrapped("default when empty", [column.default]))
        names = spellings(spec, column.name)
        if len(names) > 1:
            lines.extend(_wrapped("also read from", names[1:]))
    for delimited, slots in delimited_columns(spec).items():
        names = spellings(spec, delimited)
        lines.append(f"  {delimited:<38}{'no':<10}String, delimited by ; , | or space")
        lines.extend(_wrapped("fills", [f"{slots[0]} … {slots[-1]}"]))
        if len(names) > 1:
            lines.extend(_wrapped("also read from", names[1:]))
    return lines


def describe(table: str | None = None) -> str:
    """``telekit columns [TABLE]``: the contract of one table, or of every table."""
    specs = [table_spec(table)] if table else list(TABLES.values())
    head = textwrap.wrap(
        "Headers are matched after normalising: case, a BOM, spaces, -, . and / do not matter "
        '(" Place of Service " is place_of_service). Anything else needs a map: '
        "telekit map --init FILE writes one.",
        width=WIDTH,
    )
    blocks = ["\n".join(describe_table(s)) for s in specs]
    return "\n\n".join(["\n".join(head), *blocks]) + "\n"


# --- template ----------------------------------------------------------------------------------


def _pos_codes() -> list[str]:
    """Place-of-service codes in force (the shipped CMS list), for the drop-down."""
    from telekit.codesets import place_of_service  # noqa: PLC0415 - only the template needs it

    table = place_of_service()
    current = table.filter(table.get_column("valid_end_date").is_null())
    return sorted(set(current.get_column(PLACE_OF_SERVICE_CODE).to_list()))


def _notes(spec: TableSpec, column: Column) -> str:
    parts = [f"{type_name(column)}; required: {requirement(spec, column)}"]
    if column.name in ABOUT:
        parts.insert(0, ABOUT[column.name])
    if values := allowed_values(column):
        parts.append("values: " + ", ".join(values))
    if column.kind == "date":
        parts.append("YYYY-MM-DD or MM/DD/YYYY")
    if column.default is not None:
        parts.append(f"default {column.default}")
    return "; ".join(parts)


def write_template(table: str, out: Path) -> Path:
    """An empty workbook for ``table``: a data sheet named after it (headers in row 1, required
    ones bold with a comment, drop-downs on enumerations and booleans, text/date/money formats)
    that reads back as an empty table, then a Notes sheet (one row per column) and a hidden
    Lists sheet feeding the long drop-downs. Refuses an existing ``out``."""
    spec = table_spec(table)
    if out.exists():
        msg = f"{out.name}: already exists; choose another --out or delete it"
        raise InputError(msg)
    book = xlsxwriter.Workbook(str(out))
    try:
        _fill_template(book, spec)
    finally:
        book.close()
    return out


def _fill_template(book: xlsxwriter.Workbook, spec: TableSpec) -> None:
    data = book.add_worksheet(spec.name[:31])
    notes = book.add_worksheet("Notes")
    lists = book.add_worksheet("Lists")
    lists.hide()
    header = book.add_format({"bg_color": "#DDEBF7", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "units": book.add_format({"num_format": "0.###"}),
        "int": book.add_format({"num_format": "0"}),
        "text": book.add_format({"num_format": "@"}),  # codes stay text: POS 02, never 2
    }
    bold = book.add_format({"bold": True})
    for j, title in enumerate(("column", "required", "type", "about")):
        notes.write(0, j, title, bold)
    list_column = 0
    for i, column in enumerate(spec.columns):
        is_required = requirement(spec, column) == "yes"
        data.write_string(0, i, column.name, required if is_required else header)
        data.write_comment(0, i, _notes(spec, column), {"x_scale": 2, "y_scale": 1.5})
        kind_format = formats.get(column.kind, formats["text"])
        data.set_column(i, i, max(12, len(column.name) + 2), kind_format)
        notes.write_row(
            i + 1,
            0,
            [column.name, requirement(spec, column), type_name(column), _notes(spec, column)],
        )
        values = list(allowed_values(column))
        if column.name == PLACE_OF_SERVICE_CODE:
            values = _pos_codes()
        if not values:
            continue
        lists.write_column(0, list_column, values)
        letter = xlsxwriter.utility.xl_col_to_name(list_column)
        data.data_validation(
            1,
            i,
            TEMPLATE_ROWS,
            i,
            {
                "validate": "list",
                "source": f"=Lists!${letter}$1:${letter}${len(values)}",
                "error_title": column.name,
                "error_message": f"{column.name}: one of the listed values",
            },
        )
        list_column += 1
    data.freeze_panes(1, 0)
    notes.set_column(0, 0, 38)
    notes.set_column(1, 2, 14)
    notes.set_column(3, 3, 90)
