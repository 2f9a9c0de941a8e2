"""XLSX safety checks made before fastexcel (calamine) loads a sheet.

calamine turns a sheet into a dense grid spanning every cell it holds: one stray cell at XFD1048576
makes a 5 KB workbook allocate 17 billion cells (a native abort), and a cell at Z500000 costs
hundreds of MB. So, before loading, the workbook is opened as a zip (stdlib) and the chosen sheet's
XML is streamed to find the range its cells really use (the ``<dimension ref=...>`` element can lie
or be absent, and calamine sizes the grid from the cells, so the cells decide)::

    <dimension ref="A1:XFD1048576"/> ... <row r="1048576"><c r="XFD1048576" t="s"><v>2</v></c>

A used range past ``MAX_COLUMNS`` × ``MAX_ROWS``, or much larger than the cells it holds, is refused
with one line naming the file, the sheet and the range. The zip entries read are size-checked first
(zip bombs), and a zip that is not a workbook is refused in one line. Legacy ``.xls`` (OLE) files
are not zips and are left to calamine; so are ``.ods`` and ``.xlsb``, whose sheets are not XLSX
XML.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from operator import itemgetter
from pathlib import Path
from typing import Final
from xml.etree import ElementTree as ET

from telekit._core._exceptions import InputError, UnsupportedFormatError

__all__ = [
    "MAX_COLUMNS",
    "MAX_ROWS",
    "UsedRange",
    "check_workbook",
    "column_letters",
    "scan_sheet",
]

MAX_COLUMNS = 2_000
MAX_ROWS = 2_000_000
# a used range this many times larger than the cells it holds is a stray cell far from the data
# (calamine spends ~50 bytes per cell of the range, held or not); small ranges are always read
MAX_SPARSITY = 10
SPARSE_FLOOR = 4_000_000
MAX_SHEET_XML = 8 << 30  # uncompressed bytes of one sheet's XML (2M rows of ~40 cells is ~4 GB)
MAX_PART_XML = 64 << 20  # workbook.xml and the relationship files
MAX_RATIO = 200  # deflate ratio past which a large entry is taken for a zip bomb
RATIO_FLOOR = 64 << 20  # entries smaller than this are not judged by their ratio
_CHUNK = 1 << 20

_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
# fast path: the address as every known writer puts it (`` r="B7"``); a cell it misses sends the
# sheet to the ordered scan, which reads every form
_CELL_REF = re.compile(rb' r="([A-Za-z]+)([0-9]+)"')
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ORDERED = re.compile(rb"<" + _PREFIX + rb"(row|c)([\s/>][^>]*)?>")
_ATTR_R = re.compile(rb'(?<=\s)r\s*=\s*["\']([A-Za-z]*)([0-9]*)["\']')
_DIMENSION = re.compile(rb"<" + _PREFIX + rb'dimension\s[^>]*?ref\s*=\s*["\']([^"\']*)["\']')
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "/officeDocument"


@dataclass(frozen=True)
class UsedRange:
    """The extent of a sheet's cells: A1 to (``columns``, ``rows``), and how many cells it holds."""

    columns: int
    rows: int
    cells: int
    dimension: str | None = None  # the <dimension ref> as written (not trusted)

    @property
    def ref(self) -> str:
        return f"A1:{column_letters(max(self.columns, 1))}{max(self.rows, 1)}"

    @property
    def area(self) -> int:
        return self.columns * self.rows


def column_letters(n: int) -> str:
    """1 → ``A``, 16384 → ``XFD``."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: bytes) -> int:
    n = 0
    for b in letters.upper():
        n = n * 26 + (b - 64)
    return n


def _chunks(zf: zipfile.ZipFile, entry: str) -> Iterator[bytes]:
    """The entry's bytes in chunks cut before a ``<``, so no tag straddles two chunks."""
    tail = b""
    with zf.open(entry) as fh:
        while block := fh.read(_CHUNK):
            buf = tail + block
            cut = buf.rfind(b"<")
            if cut <= 0:
                tail = buf
                if len(tail) > 16 * _CHUNK:  # no tag in 16 MB: not the XML of a sheet
                    yield tail
                    tail = b""
                continue
            tail = buf[cut:]
            yield buf[:cut]
    if tail:
        yield tail


def scan_sheet(zf: zipfile.ZipFile, entry: str) -> UsedRange:
    """The range the cells of sheet XML ``entry`` use, streamed in bounded memory.

    Cells carry their address (``<c r="B7">``) in every writer we know of; when some do not, their
    position follows from the order of ``<row>`` and ``<c>`` elements (slower, exact)."""
    columns = rows = cells = addressed = 0
    dimension: str | None = None
    cell_tag: re.Pattern[bytes] | None = None
    get_letters = itemgetter(0)
    get_digits = itemgetter(1)
    for chunk in _chunks(zf, entry):
        if cell_tag is None:
            found = _DIMENSION.search(chunk)
            dimension = found.group(1).decode("ascii", "replace") if found else None
            root = _ROOT.search(chunk)
            prefix = (root.group(1) or b"") if root else b""
            cell_tag = re.compile(b"<" + re.escape(prefix) + rb"c[\s/>]")
        cells += len(cell_tag.findall(chunk))
        refs = _CELL_REF.findall(chunk)
        if refs:
            addressed += len(refs)
            letters = {x.upper() for x in set(map(get_letters, refs))}
            columns = max(columns, *map(_column_number, letters))
            rows = max(rows, *map(int, map(get_digits, refs)))
    if addressed < cells:
        return _scan_ordered(zf, entry, dimension)
    return UsedRange(columns=columns, rows=rows, cells=cells, dimension=dimension)


def _scan_ordered(zf: zipfile.ZipFile, entry: str, dimension: str | None) -> UsedRange:
    """The used range when some cells or rows have no ``r``: a row without one follows the
    previous row, a cell without one follows the previous cell of its row."""
    columns = rows = cells = 0
    row = col = 0
    for chunk in _chunks(zf, entry):
        for found in _ORDERED.finditer(chunk):
            attrs = found.group(2) or b""
            ref = _ATTR_R.search(attrs)
            if found.group(1) == b"row":
                row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                col = 0
                continue
            cells += 1
            if ref and ref.group(1):
                col = _column_number(ref.group(1))
                row_here = int(ref.group(2)) if ref.group(2) else row
            else:
                col += 1
                row_here = max(row, 1)
            columns = max(columns, col)
            rows = max(rows, row_here)
    return UsedRange(columns=columns, rows=rows, cells=cells, dimension=dimension)


def _read_part(zf: zipfile.ZipFile, entry: str, name: str) -> ET.Element:
    _check_size(zf.getinfo(entry), name, MAX_PART_XML)
    try:
        return ET.fromstring(zf.read(entry))  # noqa: S314 - expat refuses entity expansion bombs
    except ET.ParseError:
        msg = f"{name}: cannot be read as an XLSX workbook ({entry} is not valid XML)"
        raise UnsupportedFormatError(msg) from None


def _check_size(info: zipfile.ZipInfo, name: str, cap: int) -> None:
    size = info.file_size
    ratio_high = size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1)
    if size > cap or ratio_high:
        msg = (
            f"{name}: the workbook part {info.filename} unpacks to {size:,} bytes from "
            f"{info.compress_size:,}; telekit reads parts up to {cap:,} bytes and "
            f"{MAX_RATIO} times their packed size (a larger one looks like a zip bomb): "
            "export the sheet as CSV"
        )
        raise InputError(msg)


def _target(base: str, target: str) -> str:
    """A relationship target as a zip entry name (relative to ``base``'s folder or absolute)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_of(part: str) -> str:
    folder, file = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{file}.rels")


def _relationships(zf: zipfile.ZipFile, part: str, names: set[str], name: str) -> dict[str, str]:
    rels = _rels_of(part)
    if rels not in names:
        return {}
    root = _read_part(zf, rels, name)
    out = {}
    for rel in root.iter(f"{{{_PKG_NS}}}Relationship"):
        rid, target = rel.get("Id"), rel.get("Target")
        if rid and target and rel.get("TargetMode") != "External":
            out[rid] = _target(part, target)
    return out


def _workbook_part(zf: zipfile.ZipFile, names: set[str], name: str) -> str | None:
    """The workbook entry the package's root relationships point to (``xl/workbook.xml``)."""
    if "_rels/.rels" in names:
        root = _read_part(zf, "_rels/.rels", name)
        for rel in root.iter(f"{{{_PKG_NS}}}Relationship"):
            target = rel.get("Target") or ""
            if (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT) and target:
                part = _target("", target)
                if part in names:
                    return part
    return "xl/workbook.xml" if "xl/workbook.xml" in names else None


def _sheet_parts(
    zf: zipfile.ZipFile, workbook: str, names: set[str], name: str
) -> list[tuple[str, str | None]]:
    """(sheet name, its XML entry or None) in workbook order, as calamine lists them."""
    root = _read_part(zf, workbook, name)
    rels = _relationships(zf, workbook, names, name)
    out: list[tuple[str, str | None]] = []
    for sheet in root.iter(f"{{{_MAIN_NS}}}sheet"):
        target = rels.get(sheet.get(f"{{{_R_NS}}}id") or "")
        out.append((sheet.get("name") or "", target if target in names else None))
    return out


ALL_SHEETS: Final = object()
"""``check_workbook(..., sheet=ALL_SHEETS)``: check every sheet (readers that load them all)."""


def _chosen(sheets: list[tuple[str, str | None]], sheet: object) -> list[tuple[str, str | None]]:
    """The sheet the reader will load (the first by default); every sheet when it cannot be told,
    so that no sheet reaches calamine unchecked."""
    if sheet is None and sheets:
        return sheets[:1]
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 1 <= sheet <= len(sheets):
        return [sheets[sheet - 1]]
    if isinstance(sheet, str):
        named = [s for s in sheets if s[0] == sheet]
        if named:
            return named[:1]
    return sheets


def check_workbook(data: bytes, name: str, sheet: object) -> None:
    """Refuse, before calamine sees it, a zip that is not a readable workbook or whose chosen
    sheet (``sheet``: a name, a 1-based number or None for the first) spans a used range telekit
    cannot hold. ``.ods`` and ``.xlsb`` packages pass unchecked."""
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        msg = f"{name}: cannot be read as an XLSX workbook (a damaged or incomplete zip archive)"
        raise UnsupportedFormatError(msg) from None
    with zf:
        names = set(zf.namelist())
        for info in zf.infolist():  # declared sizes: calamine inflates shared strings whole
            _check_size(info, name, MAX_SHEET_XML)
        if "mimetype" in names or "xl/workbook.bin" in names:
            return  # OpenDocument or binary workbook: calamine reads them, their sheets are not XML
        workbook = _workbook_part(zf, names, name)
        if workbook is None:
            msg = (
                f"{name}: is a zip archive but not an XLSX workbook (it holds no workbook part); "
                "save it from Excel as .xlsx or export the sheet as CSV"
            )
            raise UnsupportedFormatError(msg)
        try:
            for sheet_name, entry in _chosen(_sheet_parts(zf, workbook, names, name), sheet):
                if entry is not None:
                    _check_sheet(zf, entry, name, sheet_name)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
            msg = f"{name}: cannot be read as an XLSX workbook (a damaged zip entry)"
            raise UnsupportedFormatError(msg) from None


def check_workbook_file(path: Path, sheet: object = ALL_SHEETS) -> None:
    """``check_workbook`` for a file on disk when it is a zip package (legacy ``.xls`` files are
    not zips and pass to calamine as before)."""
    with path.open("rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"
    if not is_zip:
        return
    try:
        check_workbook(path.read_bytes(), path.name, sheet)
    except UnsupportedFormatError:
        return  # a damaged package, not a dangerous one: the caller's reader says so its own way


def _check_sheet(zf: zipfile.ZipFile, entry: str, name: str, sheet_name: str) -> None:
    used = scan_sheet(zf, entry)
    size = f"{used.columns:,} columns × {used.rows:,} rows"
    if used.columns > MAX_COLUMNS or used.rows > MAX_ROWS:
        msg = (
            f"{name}: sheet {sheet_name!r} uses {used.ref} ({size}); telekit reads at most "
            f"{MAX_COLUMNS:,} columns and {MAX_ROWS:,} rows: delete the stray cell far from the "
            "data or export the sheet as CSV"
        )
        raise InputError(msg)
    if used.area > SPARSE_FLOOR and used.area > MAX_SPARSITY * used.cells:
        msg = (
            f"{name}: sheet {sheet_name!r} uses {used.ref} ({size}) but holds only "
            f"{used.cells:,} cells; telekit reads a range past {SPARSE_FLOOR:,} cells only when "
            f"at least 1 in {MAX_SPARSITY} is filled: delete the stray cell far from the data or "
            "export the sheet as CSV"
        )
        raise InputError(msg)
