"""Write the hostile-input corpus of ``tests/test_hostile.py`` (issue 15).

    .venv/bin/python tests/data/hostile/make_corpus.py      # rewrites base/, files/, cases/

- ``base/``: a small slice of the sample practice (``data/samples``): the first 40 claims' lines
  and the encounters, coverage, remittances, adjustments and patient payments that go with them,
  the whole provider roster and the sample's policies.toml. Every other case starts from it.
- ``files/``: malformed single files read in process by the readers (``<table>__<case>.<ext>``).
- ``cases/``: folders laid over a copy of ``base/`` for the cases that need the CLI (only the
  files that differ).

Big or machine-dependent cases (the payload tables, a 10 MB field, 100,000 columns, a far-corner
XLSX, 10,000 payers, symlinks, FIFOs) are written at test time by the ``write_*`` functions below
into a temporary folder, never committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "data" / "samples"
BASE = HERE / "base"
FILES = HERE / "files"
CASES = HERE / "cases"

N_CLAIMS = 40
TABLE_FILES = (
    "claims.csv",
    "encounters.csv",
    "coverage.csv",
    "providers.csv",
    "remittances.csv",
    "adjustments.csv",
    "patient_payments.csv",
)

#: the payloads of the "payload" case, each put in every text column of every table
BIG = "A" * 40_000
PAYLOADS: tuple[str, ...] = (
    "=cmd|' /C calc'!A0",
    "+SUM(1,1)",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "../../etc/passwd",
    "nul\x00inside",
    "esc\x1b[31minside",
    BIG,
    "rtl\u202eexe.txt",
    "emoji \U0001f489\U0001f3e5",
)

#: claim ids that de-identification leaked (issue 15): a space, a '#', a non-ASCII letter
AWKWARD_CLAIM_IDS = ("CLM 0000262", "#0000443", "\u00dc0000548")
AWKWARD_PERSON_ID = "\u00d6-P 000347"


# --- reading and writing CSV -------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]], newline: str = "\n") -> str:
    """CSV text; a row with a CR in a cell is quoted whole (the csv module quotes only the
    characters of its line terminator, so a lone CR would otherwise end the record)."""
    buf = io.StringIO()
    minimal = csv.writer(buf, lineterminator=newline)
    quoted = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_ALL)
    for row in [header, *rows]:
        (quoted if any("\r" in cell for cell in row) else minimal).writerow(row)
    return buf.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(header, rows), encoding="utf-8", newline="")
    return path


def col(header: Sequence[str], name: str) -> int:
    return list(header).index(name)


# --- base: a slice of the sample practice ------------------------------------------------------


def write_base(dest: Path = BASE) -> None:
    """The first N_CLAIMS claims of the sample with what goes with them."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    header, rows = read_rows(SAMPLES / "claims.csv")
    ids: list[str] = []
    for r in rows:
        if r[col(header, "claim_id")] not in ids:
            ids.append(r[col(header, "claim_id")])
        if len(ids) == N_CLAIMS:
            break
    claims = [r for r in rows if r[col(header, "claim_id")] in ids]
    write_csv(dest / "claims.csv", header, claims)
    persons = {r[col(header, "person_id")] for r in claims}
    encounters = {r[col(header, "encounter_id")] for r in claims}

    def keep(name: str, column: str, values: set[str]) -> set[str]:
        h, rs = read_rows(SAMPLES / name)
        kept = [r for r in rs if r[col(h, column)] in values]
        write_csv(dest / name, h, kept)
        return {r[0] for r in kept}

    keep("encounters.csv", "encounter_id", encounters)
    keep("coverage.csv", "person_id", persons)
    keep("patient_payments.csv", "claim_id", set(ids))
    remit_ids = keep("remittances.csv", "claim_id", set(ids))
    keep("adjustments.csv", "remit_id", remit_ids)
    shutil.copy(SAMPLES / "providers.csv", dest / "providers.csv")
    shutil.copy(SAMPLES / "policies.toml", dest / "policies.toml")


# --- files/: malformed single files, read in process --------------------------------------------


def _xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"in_memory": True}) as wb:
        wb.set_properties({"created": dt.datetime(2026, 1, 1)})  # noqa: DTZ001 - fixed bytes
        ws = wb.add_worksheet("Claims")
        for i, row in enumerate([header, *rows]):
            for j, v in enumerate(row):
                if v:
                    ws.write_string(i, j, v)
    return buf.getvalue()


def _parquet_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    frame = pl.DataFrame([list(r) for r in rows], schema=list(header), orient="row")
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def tiny_x12(path: Path, transactions: int) -> str:
    """The interchange header, the first ``transactions`` ST..SE of ``path`` and the trailers."""
    segments = path.read_text().split("~\n")
    isa, gs = segments[0], segments[1]
    body: list[str] = []
    n = 0
    for seg in segments[2:]:
        if seg.startswith("ST*"):
            if n == transactions:
                break
            n += 1
        body.append(seg)
    control = gs.split("*")[6]
    trailer = [f"GE*{n}*{control}", f"IEA*1*{isa.split('*')[13]}"]
    return "".join(s + "~\n" for s in [isa, gs, *body, *trailer])


def write_files(dest: Path = FILES) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    header, rows = read_rows(BASE / "claims.csv")
    text = csv_text(header, rows)
    dos = col(header, "claim_line_start_date")

    def put(name: str, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        (dest / name).write_bytes(raw)

    # quotes, NUL, garbage
    lines = text.splitlines(keepends=True)
    put("claims__truncated_quote_last_row.csv", text.rstrip("\n")[:-20] + '"unterminated,1\n')
    put("claims__truncated_quote_mid_file.csv", "".join(lines[:10]) + '"C9,' + "".join(lines[10:]))
    nul = [*lines[:5], lines[5].replace("C00", "C\x0000", 1), "\x00\x00\x00\n", *lines[6:]]
    put("claims__nul_bytes.csv", "".join(nul))
    put("claims__binary_garbage.csv", random.Random(15).randbytes(4096))
    # line ends, cell counts, dates, empty rows
    ends = ("\n", "\r\n", "\r")
    put(
        "claims__mixed_line_endings.csv",
        "".join(line.rstrip("\n") + ends[i % 3] for i, line in enumerate(lines)),
    )
    extra = [list(r) for r in rows]
    extra[7] = [*extra[7], "surplus", "cells"]
    put("claims__more_cells_than_header.csv", csv_text(header, extra))
    dated = [list(r) for r in rows]
    for i, day in enumerate(("1989-12-31", "2100-01-01", "1990-01-01", "2099-12-31")):
        dated[i][dos] = day
    put("claims__dos_out_of_range.csv", csv_text(header, dated))
    blank = [list(r) for r in rows]
    for at in (3, 9, 20):
        blank.insert(at, [""] * len(header))
    put("claims__empty_rows.csv", csv_text(header, blank))
    # encodings
    put("claims__utf16le_no_bom.csv", text.encode("utf-16-le"))
    put("claims__utf16be_no_bom.csv", text.encode("utf-16-be"))
    # renamed and truncated binary formats
    xlsx, parquet = _xlsx_bytes(header, rows), _parquet_bytes(header, rows)
    put("claims__xlsx_renamed.csv", xlsx)
    put("claims__parquet_renamed.csv", parquet)
    put("claims__parquet_renamed.xlsx", parquet)
    put("claims__xlsx_truncated.xlsx", xlsx[: len(xlsx) // 2])
    put("claims__parquet_truncated.parquet", parquet[: len(parquet) // 2])
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr(zipfile.ZipInfo("word/document.xml", (2026, 1, 1, 0, 0, 0)), "<w:document/>")
    put("claims__zip_not_xlsx.xlsx", zipped.getvalue())
    # empty and header-only files of every table
    for name in TABLE_FILES:
        table = name.removesuffix(".csv")
        put(f"{table}__empty.csv", b"")
        put(f"{table}__header_only.csv", (BASE / name).read_text().splitlines()[0] + "\n")
    # X12: a tiny valid 837 and 835, foreign delimiters, truncated
    for table, source, ext in (
        ("claims", "claims.837", "837"),
        ("remittances", "remittances.835", "835"),
    ):
        tiny = tiny_x12(SAMPLES / "x12" / source, 10)
        put(f"{table}__tiny.{ext}", tiny)
        isa, _, body = tiny.partition("~\n")
        foreign = body.replace("*", "|").replace(":", ">")
        put(f"{table}__foreign_delimiters.{ext}", isa + "~\n" + foreign)
        put(f"{table}__truncated.{ext}", tiny[: int(len(tiny) * 0.6)])


# --- cases/: folders laid over base/ for the CLI ------------------------------------------------


def _replace_values(
    path: Path, columns: Sequence[str], mapping: dict[str, str], dest: Path
) -> None:
    header, rows = read_rows(path)
    at = [col(header, c) for c in columns if c in header]
    for r in rows:
        for j in at:
            r[j] = mapping.get(r[j], r[j])
    write_csv(dest / path.name, header, rows)


def awkward_ids() -> dict[str, str]:
    """The base ids the de-identification case renames, original → awkward."""
    header, rows = read_rows(BASE / "claims.csv")
    ids: list[str] = []
    for r in rows:
        if r[col(header, "claim_id")] not in ids:
            ids.append(r[col(header, "claim_id")])
    mapping = dict(zip(ids[:3], AWKWARD_CLAIM_IDS, strict=True))
    mapping[rows[1][col(header, "person_id")]] = AWKWARD_PERSON_ID
    return mapping


def _plant_id_messages(path: Path) -> None:
    """Findings whose message names a claim id, on the awkward ids: no diagnosis on claim
    ``CLM 0000262`` (CD004), frequency 7 without the original on ``#0000443`` (FL002), and a
    later copy of ``Ü0000548``'s line on another claim (FQ004: "duplicate of claim Ü0000548")."""
    header, rows = read_rows(path)
    no_dx, replacement, original = AWKWARD_CLAIM_IDS
    claim = col(header, "claim_id")
    for r in rows:
        if r[claim] == no_dx:
            for j, h in enumerate(header):
                if h.startswith("diagnosis_code_"):
                    r[j] = ""
        if r[claim] == replacement:
            r[col(header, "claim_frequency_code")] = "7"
            r[col(header, "original_claim_id")] = ""
            r[col(header, "original_payer_claim_control_number")] = ""
    copy = list(next(r for r in rows if r[claim] == original))
    copy[claim] = "C0009548"
    copy[col(header, "line_control_number")] = "C0009548L1"
    copy[col(header, "encounter_id")] = ""
    submitted = col(header, "claim_submitted_date")
    later = dt.date.fromisoformat(copy[submitted]) + dt.timedelta(days=1)
    copy[submitted] = later.isoformat()
    write_csv(path, header, [*rows, copy])


def write_cases(dest: Path = CASES) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    # de-identification with awkward claim and person ids
    deid = dest / "deidentify_awkward_ids"
    mapping = awkward_ids()
    ids = ["claim_id", "original_claim_id", "person_id"]
    for name in ("claims.csv", "remittances.csv", "patient_payments.csv"):
        _replace_values(BASE / name, ids, mapping, deid)
    _plant_id_messages(deid / "claims.csv")
    for name in ("encounters.csv", "coverage.csv"):
        _replace_values(BASE / name, ["person_id"], mapping, deid)
    # every claim row rejected (an unreadable date of service on each)
    header, rows = read_rows(BASE / "claims.csv")
    for r in rows:
        r[col(header, "claim_line_start_date")] = "31/02/2024"
    write_csv(dest / "all_claims_rejected" / "claims.csv", header, rows)
    # policies.toml: deep nesting, a period in year 1
    deep = dest / "policies_deep_nesting"
    deep.mkdir()
    depth = 5_000
    (deep / "policies.toml").write_text("x = " + "[" * depth + "]" * depth + "\n")
    year1 = dest / "policies_year_0001"
    year1.mkdir()
    (year1 / "policies.toml").write_text(
        (BASE / "policies.toml").read_text()
        + '\n[payer.MEDICARE]\npayer_type = "medicare"\n\n[[payer.MEDICARE.periods]]\n'
        'start = 0001-01-01\nend = 0001-12-31\ntelehealth_pos = "02"\n'
    )


# --- written at test time ------------------------------------------------------------------------


def text_columns() -> dict[str, set[str]]:
    """Per table: the columns the contract reads as text (ids, codes, free text)."""
    from telekit._core._columns import TABLES

    return {
        name: {c.name for c in spec.columns if c.kind in ("id", "code", "text")}
        for name, spec in TABLES.items()
    }


def write_payload_case(dest: Path, *, fmt: str = "csv") -> Path:
    """Every table of base/ with, after its own rows:

    - one row per payload (a copy of a base row) in which every text column holds a payload, the
      columns staggered so that each column sees every payload, typed columns left valid (those
      rows reach the audit and its outputs);
    - one row per (typed column, payload) with that payload in that column (rejects);
    - two extra columns whose headers are payloads (dropped; their names are reported).

    ``fmt="parquet"`` writes the same tables as all-text Parquet files."""
    dest.mkdir(parents=True, exist_ok=True)
    kinds = text_columns()
    shutil.copy(BASE / "policies.toml", dest / "policies.toml")
    for name in TABLE_FILES:
        table = name.removesuffix(".csv")
        header, rows = read_rows(BASE / name)
        out_rows = [list(r) for r in rows]
        texts = [j for j, h in enumerate(header) if h in kinds[table]]
        typed = [j for j, h in enumerate(header) if h not in kinds[table]]
        n = len(PAYLOADS)
        for k in range(n):
            r = list(rows[k % len(rows)])
            for j in texts:
                r[j] = PAYLOADS[(k + j) % n]
            out_rows.append(r)
        for j in typed:
            for k in range(n):
                r = list(rows[k % len(rows)])
                r[j] = PAYLOADS[k]
                out_rows.append(r)
        full_header = [*header, PAYLOADS[0], PAYLOADS[6]]
        full_rows = [[*r, PAYLOADS[i % n], PAYLOADS[(i + 6) % n]] for i, r in enumerate(out_rows)]
        if fmt == "csv":
            write_csv(dest / name, full_header, full_rows)
        else:
            (dest / f"{table}.parquet").write_bytes(_parquet_bytes(full_header, full_rows))
    return dest


def write_big_field(dest: Path, size: int = 10 * 1024 * 1024) -> Path:
    """base/ with one diagnosis cell of ``size`` characters in claims.csv."""
    shutil.copytree(BASE, dest)
    header, rows = read_rows(BASE / "claims.csv")
    rows[5][col(header, "diagnosis_code_2")] = "Z" * size
    write_csv(dest / "claims.csv", header, rows)
    return dest


def write_wide(dest: Path, columns: int = 100_000) -> Path:
    """base/ with a claims.csv of ``columns`` columns (the real ones, then filler) and its
    first three lines."""
    shutil.copytree(BASE, dest)
    header, rows = read_rows(BASE / "claims.csv")
    rows = rows[:3]
    filler = columns - len(header)
    wide_header = [*header, *(f"x{i}" for i in range(filler))]
    pad = [""] * filler
    write_csv(dest / "claims.csv", wide_header, [[*r, *pad] for r in rows])
    return dest


def write_far_corner_xlsx(path: Path) -> Path:
    """A 5 KB workbook whose only cell is XFD1048576 (the last column of the last row), built
    by hand with zipfile: readers that size a grid from the dimension allocate 17 billion cells."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>claim_id</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Claims" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), body)
    return path


def write_many_payers(path: Path, payers: int = 10_000) -> Path:
    """base/'s policies.toml plus ``payers`` payers, each with aliases and two periods."""
    parts = [(BASE / "policies.toml").read_text()]
    parts.extend(
        f'\n[payer.P{i:05d}]\npayer_type = "commercial"\n'
        f'aliases = ["ALIAS {i}", "{90000 + i}"]\n'
        f"[[payer.P{i:05d}.periods]]\nstart = 2022-01-01\nend = 2022-12-31\n"
        f'telehealth_pos = "02"\n'
        f'[[payer.P{i:05d}.periods]]\nstart = 2023-01-01\ntelehealth_modifiers = ["95"]\n'
        for i in range(payers)
    )
    path.write_text("".join(parts))
    return path


WRITERS: dict[str, Callable[[Path], None]] = {
    "base": write_base,
    "files": write_files,
    "cases": write_cases,
}

if __name__ == "__main__":
    for name, writer in WRITERS.items():
        writer(HERE / name)
        print(f"wrote {HERE / name}")
