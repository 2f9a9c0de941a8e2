"""The hostile-input corpus (issue 15): every case ends with exit 0/1 and every row accounted
for, or exit 2 with one line naming the file — never a traceback, an abort, a hang, or memory
beyond a few times the input's size — and every file telekit writes is inspected by its kind.

The corpus is ``tests/data/hostile/`` (written by its ``make_corpus.py``; the big cases are
written at test time). Reader-only cases call the readers in process; the cases that need the
CLI start ``python -m telekit audit`` in a child process (two at a time), with a timeout, a
memory cap and the child's peak RSS from ``os.wait4``.
"""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import hashlib
import html
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree as ET

import polars as pl
import pytest

import telekit as tk
from telekit import codesets
from telekit._core._exceptions import TelekitError
from telekit.report._deidentify import ID_COLUMNS

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
BASE = HOSTILE / "base"
FILES = HOSTILE / "files"
CASES = HOSTILE / "cases"


def _load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile_make_corpus", HOSTILE / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()
csv.field_size_limit(sys.maxsize)  # outputs may hold a 10 MB cell (the field_10mb case)

N_BASE_CLAIMS = 40  # claim lines in base/claims.csv (one line per claim in this slice)


# --- inspecting OUT ------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
CONTROL = ("\x00", "\x1b")
XLSX_CONTROL_ESCAPES = re.compile(r"_x00(00|1[bB])_")
RAW_SCRIPT = re.compile(r"<script[^>]*>\s*alert", re.IGNORECASE)


class _EventHandlers(HTMLParser):
    """The tags of a page that carry an ``onerror`` attribute (an unescaped payload)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(name.lower() == "onerror" for name, _ in attrs):
            self.found.append(tag)


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _csv_texts(path: Path, problems: list[str]) -> list[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{path.name}: not UTF-8")
        return []
    problems.extend(
        f"{path.name}: holds the control character {ch!r}" for ch in CONTROL if ch in text
    )
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0] if rows else []
    cells: list[str] = []
    for i, row in enumerate(rows, start=1):
        for j, cell in enumerate(row):
            cells.append(cell)
            if cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
                name = header[j] if j < len(header) else f"#{j + 1}"
                problems.append(
                    f"{path.name}: row {i}, column {name}: a cell a spreadsheet runs as a "
                    f"formula: {_short(cell)} (expected a leading ')"
                )
    return [text, "\n".join(cells)]


def _parquet_texts(path: Path, problems: list[str]) -> list[str]:
    try:
        frame = pl.read_parquet(path)
    except Exception as e:
        problems.append(f"{path.name}: polars cannot read it ({type(e).__name__})")
        return []
    texts = []
    for series in frame.iter_columns():
        if series.dtype == pl.String:
            texts.append("\n".join(v for v in series.to_list() if v is not None))
        else:
            texts.append(str(series.to_list()))
    texts.append("\n".join(frame.columns))
    return texts


def _xlsx_texts(path: Path, problems: list[str]) -> list[str]:
    texts = []
    try:
        with zipfile.ZipFile(path) as z:
            members = [(n, z.read(n)) for n in z.namelist()]
    except zipfile.BadZipFile:
        problems.append(f"{path.name}: not a zip (an .xlsx is one)")
        return []
    for name, data in members:
        if not name.endswith((".xml", ".rels")):
            continue
        problems.extend(
            f"{path.name}/{name}: holds the control character {ch!r}"
            for ch in CONTROL
            if ch.encode() in data
        )
        text = data.decode("utf-8", errors="replace")
        if XLSX_CONTROL_ESCAPES.search(text):
            problems.append(f"{path.name}/{name}: holds an escaped NUL or ESC (_x0000_/_x001B_)")
        try:
            root = ET.fromstring(data)  # noqa: S314 - our own output, parsed to inspect it
        except ET.ParseError:
            problems.append(f"{path.name}/{name}: not well-formed XML")
            continue
        for el in root.iter():
            if el.tag.rsplit("}", 1)[-1] == "f":
                problems.append(f"{path.name}/{name}: holds a formula")
                break
        parts = [el.text or "" for el in root.iter()]
        parts += [v for el in root.iter() for v in el.attrib.values()]
        texts.append("\n".join(parts))
    return texts


def _html_texts(path: Path, problems: list[str]) -> list[str]:
    text = path.read_text(encoding="utf-8")
    problems.extend(
        f"{path.name}: holds the control character {ch!r}" for ch in CONTROL if ch in text
    )
    if RAW_SCRIPT.search(text):
        problems.append(f"{path.name}: holds a raw <script>alert (a value not escaped)")
    handlers = _EventHandlers()
    handlers.feed(text)
    handlers.close()
    if handlers.found:
        tags = sorted(set(handlers.found))
        problems.append(f"{path.name}: tags with an onerror attribute: {tags}")
    return [text, html.unescape(text)]


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def _json_texts(path: Path, problems: list[str]) -> list[str]:
    text = path.read_text(encoding="utf-8")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        problems.append(f"{path.name}: not valid JSON")
        return [text]
    return [text, "\n".join(_json_strings(value))]


def _pdf_texts(path: Path, problems: list[str]) -> list[str]:
    exe = shutil.which("pdftotext")
    if exe is None:  # poppler absent: the PDF is not inspected here
        return []
    done = subprocess.run([exe, str(path), "-"], capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        problems.append(f"{path.name}: pdftotext cannot read it")
    return [done.stdout.decode("utf-8", errors="replace")]


INSPECTORS: dict[str, Callable[[Path, list[str]], list[str]]] = {
    ".csv": _csv_texts,
    ".parquet": _parquet_texts,
    ".xlsx": _xlsx_texts,
    ".html": _html_texts,
    ".json": _json_texts,
    ".pdf": _pdf_texts,
}


def inspect_out(out_dir: Path, forbidden: list[str]) -> None:
    """Open every file in ``out_dir`` by its kind and assert: CSV cells never start a formula
    (= + - @ tab CR, unless a plain number), no NUL/ESC in CSV/XLSX/HTML, no unescaped
    ``<script>alert`` or ``onerror=`` tag in HTML, no formula in XLSX, every file readable, and
    no ``forbidden`` string anywhere. An unknown kind of file fails: add its inspector."""
    files = sorted(p for p in out_dir.rglob("*") if not p.is_dir())
    assert files, f"{out_dir} is empty"
    problems: list[str] = []
    for path in files:
        inspector = INSPECTORS.get(path.suffix.lower())
        if inspector is None:
            pytest.fail(
                f"{path.relative_to(out_dir)}: inspect_out does not know this kind of output; "
                "add an inspector for it to tests/test_hostile.py"
            )
        texts = inspector(path, problems)
        problems.extend(
            f"{path.relative_to(out_dir)}: holds {_short(needle)}"
            for needle in forbidden
            if any(needle in t for t in texts)
        )
    shown = problems[:60] + ([f"... and {len(problems) - 60} more"] if len(problems) > 60 else [])
    assert not problems, "\n".join(shown)


def check_accounting(out: Path) -> dict[str, Any]:
    """summary.json's tables: rows_in = audited + rejected + skipped (+ out of period) and
    rejects.csv holds rows_rejected rows for each."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    tables: dict[str, Any] = summary["tables"]
    with (out / "rejects.csv").open(newline="", encoding="utf-8") as f:
        rejects = list(csv.DictReader(f))
    counted: dict[str, int] = {}
    for row in rejects:
        table = row["table"].lstrip("'")
        key = table if table in tables else "remittances" if table == "adjustments" else table
        assert key in tables, f"rejects.csv names table {table!r}, which summary.json lacks"
        counted[key] = counted.get(key, 0) + 1
    for name, t in tables.items():
        parts = (
            t["rows_audited"]
            + t["rows_rejected"]
            + t.get("rows_skipped", 0)
            + t.get("rows_out_of_period", 0)
        )
        assert t["rows_in"] == parts, f"{name}: rows_in {t['rows_in']} != {parts} accounted"
        assert counted.get(name, 0) == t["rows_rejected"], (
            f"{name}: rejects.csv holds {counted.get(name, 0)} rows, summary says "
            f"{t['rows_rejected']} rejected"
        )
    return summary


def test_inspect_out_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The checker itself: a formula cell, a raw script, a forbidden id and an unknown kind."""
    (tmp_path / "a.csv").write_text("claim_id,amount\n=cmd,-12.50\n'=ok,3\n")
    (tmp_path / "r.html").write_text(
        "<p><script>alert(1)</script> C0000001<img src=x onerror=alert(1)></p>"
        '<svg><path aria-label="&lt;img src=x onerror=alert(1)&gt;"/></svg>'
    )
    (tmp_path / "s.json").write_text('{"x": "ok"}')
    with pytest.raises(AssertionError) as caught:
        inspect_out(tmp_path, ["C0000001"])
    text = str(caught.value)
    assert "a.csv: row 2, column claim_id" in text
    assert "-12.50" not in text and "'=ok" not in text
    assert "raw <script>alert" in text
    assert "tags with an onerror attribute: ['img']" in text  # the aria-label one is text
    assert "r.html: holds 'C0000001'" in text
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(pytest.fail.Exception, match=r"notes\.txt: inspect_out does not know"):
        inspect_out(tmp_path, [])


# --- reader-only cases, in process ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReaderCase:
    """``file`` in files/ read as ``table``; ``expect``: "table" (must be read), "error" (must
    raise a one-line TelekitError naming the file) or "either"; then optional exact figures."""

    file: str
    expect: str
    rows_in: int | None = None
    kept: int | None = None
    rejected: int | None = None
    skipped: int | None = None
    check: Callable[[Any], None] | None = None

    @property
    def table(self) -> str:
        return self.file.split("__", 1)[0]

    @property
    def id(self) -> str:
        return self.file


def _records(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def _same_claim_ids(table: Any) -> None:
    want = pl.read_csv(BASE / "claims.csv", infer_schema=False).get_column("claim_id")
    assert table.data.get_column("claim_id").to_list() == want.to_list()


def _dos_rejects(table: Any) -> None:
    assert table.rejects.get_column("column").to_list() == ["claim_line_start_date"] * 2
    assert table.rejects.get_column("row_number").to_list() == [2, 3]


def _surplus_reject(table: Any) -> None:
    assert table.rejects.get_column("row_number").to_list() == [9]


def _x12_problem_reported(table: Any) -> None:
    assert table.issues.height + table.rejects.height > 0, "a damaged X12 file read silently"


READER_CASES = [
    ReaderCase("claims__truncated_quote_last_row.csv", "either"),
    ReaderCase("claims__truncated_quote_mid_file.csv", "either"),
    ReaderCase("claims__nul_bytes.csv", "either"),
    ReaderCase("claims__binary_garbage.csv", "error"),
    ReaderCase("claims__mixed_line_endings.csv", "table", rows_in=40, kept=40, rejected=0),
    ReaderCase(
        "claims__more_cells_than_header.csv", "table", rows_in=40, rejected=1, check=_surplus_reject
    ),
    ReaderCase("claims__dos_out_of_range.csv", "table", rows_in=40, rejected=2, check=_dos_rejects),
    ReaderCase("claims__empty_rows.csv", "table", kept=40, rejected=0, skipped=3),
    ReaderCase("claims__utf16le_no_bom.csv", "table", kept=40, check=_same_claim_ids),
    ReaderCase("claims__utf16be_no_bom.csv", "table", kept=40, check=_same_claim_ids),
    ReaderCase("claims__xlsx_renamed.csv", "table", kept=40, check=_same_claim_ids),
    ReaderCase("claims__parquet_renamed.csv", "table", kept=40, check=_same_claim_ids),
    ReaderCase("claims__parquet_renamed.xlsx", "table", kept=40, check=_same_claim_ids),
    ReaderCase("claims__xlsx_truncated.xlsx", "error"),
    ReaderCase("claims__parquet_truncated.parquet", "error"),
    ReaderCase("claims__zip_not_xlsx.xlsx", "error"),
    *(ReaderCase(f"{t.removesuffix('.csv')}__empty.csv", "error") for t in corpus.TABLE_FILES),
    *(
        # adjustments are read beside base/remittances.csv, whose lines count in rows_in
        ReaderCase(
            f"{t.removesuffix('.csv')}__header_only.csv",
            "table",
            rows_in=_records(BASE / "remittances.csv") if t == "adjustments.csv" else 0,
        )
        for t in corpus.TABLE_FILES
    ),
    ReaderCase("claims__tiny.837", "table", rows_in=10, kept=10, rejected=0),
    ReaderCase("claims__foreign_delimiters.837", "either", check=_x12_problem_reported),
    ReaderCase("claims__truncated.837", "either", check=_x12_problem_reported),
    ReaderCase("remittances__tiny.835", "table", rows_in=35, rejected=0),
    ReaderCase("remittances__foreign_delimiters.835", "either", check=_x12_problem_reported),
    ReaderCase("remittances__truncated.835", "either", check=_x12_problem_reported),
]

PHI_SHAPED = re.compile(r"\b(C\d{7}|P\d{6}|E\d{7}|R\d{6})\b")


def _read(case: ReaderCase, path: Path) -> Any:
    if case.table == "remittances":
        return tk.read_remittances(path)
    if case.table == "adjustments":
        return tk.read_remittances(BASE / "remittances.csv", adjustments=path)
    return tk.read_table(case.table, path)


def _kept(read: Any) -> int:
    if isinstance(read, tk.Remittances):
        return read.lines.height + read.adjustments.height
    return int(read.data.height)


@pytest.mark.parametrize("case", READER_CASES, ids=lambda c: c.id)
def test_reader_case(case: ReaderCase) -> None:
    path = FILES / case.file
    try:
        read = _read(case, path)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        assert isinstance(e, tk.TelekitError), (
            f"{case.file}: raised {type(e).__module__}.{type(e).__name__}, not a TelekitError"
        )
        msg = str(e)
        assert case.expect != "table", f"{case.file}: should be read, raised: {msg}"
        assert "\n" not in msg.strip() and msg.strip(), f"not one line: {msg!r}"
        assert case.file in msg, f"the message does not name the file: {msg}"
        assert not PHI_SHAPED.search(msg), f"the message quotes a data value: {msg}"
        return
    assert case.expect != "error", f"{case.file}: read as {read!r}; expected a one-line error"
    skipped = getattr(read, "rows_skipped", 0)
    assert read.rows_in == _kept(read) + read.rejects.height + skipped, repr(read)
    if case.rows_in is not None:
        assert read.rows_in == case.rows_in, repr(read)
    if case.kept is not None:
        assert _kept(read) == case.kept, repr(read)
    if case.rejected is not None:
        assert read.rejects.height == case.rejected, repr(read)
    if case.skipped is not None:
        assert skipped == case.skipped, f"rows_skipped {skipped}, expected {case.skipped}"
    if case.check is not None:
        case.check(read)


# --- CLI cases, in a child process ---------------------------------------------------------------

TIMEOUT = 120.0  # seconds of wall clock; a hang fails (an audit of base/ takes about 7 s)
QUICK_TIMEOUT = 30.0  # FIFOs and devices: refused before anything is read
MEMORY_CAP_KB = 3 * 1024 * 1024  # the child is killed past this (a /dev/zero read)
FALLBACK_BASE_RSS_KB = 512 * 1024  # when the base case is not run (pytest -k)


@dataclasses.dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    rss_kb: int
    seconds: float
    timed_out: bool
    over_memory: bool
    out: Path
    input_kb: int
    before: dict[str, str] = dataclasses.field(repr=False)
    after: dict[str, str] = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class Setup:
    """What a case's setup made: the arguments after ``audit``, the input folder to watch."""

    args: list[str]
    inputs: Path
    forbidden: list[str] = dataclasses.field(default_factory=list)
    rows_in: dict[str, int] = dataclasses.field(default_factory=dict)
    extra_inputs: list[Path] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class CliCase:
    """``expect``: "ok" (exit 0/1, accounting, outputs inspected), "exit2" (one stderr line
    naming ``names``; nothing left in or beside OUT), "exit2_out" (one stderr line naming
    ``names`` and a complete, inspected OUT that says why: a run that read the files but audited
    no claim line) or "any" (exit 0/1/2). ``x12_problem``: on exit 0/1, exactly one stderr line
    naming ``names`` and a reject from it."""

    id: str
    setup: Callable[[Path], Setup]
    expect: str
    names: str = ""
    timeout: float = TIMEOUT
    x12_problem: bool = False
    check: Callable[[Run, Setup], None] | None = None


def _regular_files(paths: list[Path]) -> Iterator[Path]:
    """The regular files at or under ``paths`` (never a FIFO, a device or a symlink)."""
    for root in paths:
        for p in sorted([root, *root.rglob("*")]) if root.is_dir() else [root]:
            if p.is_file() and not p.is_symlink():
                yield p


def _snapshot(paths: list[Path]) -> dict[str, str]:
    """SHA-256 of every input file (a run must not change one)."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in _regular_files(paths)}


def _size_kb(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in _regular_files(paths)) // 1024


def _rss_now_kb(pid: int) -> int:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def run_cli(
    args: list[str], *, cwd: Path, timeout: float
) -> tuple[int, str, str, int, float, bool, bool]:
    """``python -m telekit audit ARGS``: (exit code, stdout, stderr, peak RSS KB, seconds,
    timed out, killed for memory). The child is killed past ``timeout`` or MEMORY_CAP_KB."""
    env = {k: v for k, v in os.environ.items() if k != "TELEKIT_DEBUG"}
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "telekit", "audit", *args],
            stdin=subprocess.DEVNULL,
            stdout=so,
            stderr=se,
            cwd=cwd,
            env=env,
        )
        timed_out = over_memory = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                timed_out = True
            elif _rss_now_kb(proc.pid) > MEMORY_CAP_KB:
                over_memory = True
            if timed_out or over_memory:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4: keep Popen from waiting again
        so.seek(0)
        se.seek(0)
        stdout = so.read().decode("utf-8", errors="replace")
        stderr = se.read().decode("utf-8", errors="replace")
    return code, stdout, stderr, usage.ru_maxrss, seconds, timed_out, over_memory


# case setups: each gets an empty work folder and returns its arguments; OUT is work/run/out


def _inputs_from_base(work: Path, name: str = "practice_in", overlay: str | None = None) -> Path:
    folder = work / name
    shutil.copytree(BASE, folder)
    if overlay is not None:
        for p in (CASES / overlay).iterdir():
            shutil.copy(p, folder / p.name)
    return folder


def _out(work: Path) -> Path:
    return work / "run" / "out"


def _plain(overlay: str | None = None) -> Callable[[Path], Setup]:
    def setup(work: Path) -> Setup:
        folder = _inputs_from_base(work, overlay=overlay)
        return Setup([str(folder), "--out", str(_out(work))], folder)

    return setup


def _payload(fmt: str) -> Callable[[Path], Setup]:
    def setup(work: Path) -> Setup:
        folder = corpus.write_payload_case(work / "practice_in", fmt=fmt)
        csv_dir = folder if fmt == "csv" else corpus.write_payload_case(work / "as_csv")
        rows = {t: _records(csv_dir / f"{t}.csv") for t in ("claims", "encounters", "coverage")}
        rows |= {t: _records(csv_dir / f"{t}.csv") for t in ("providers", "patient_payments")}
        rows["remittances"] = _records(csv_dir / "remittances.csv") + _records(
            csv_dir / "adjustments.csv"
        )
        return Setup([str(folder), "--out", str(_out(work))], folder, rows_in=rows)

    return setup


DEID_FOLDER = "Doe_Jane_1957"  # an input folder named after a patient: never in OUT


def _deidentify_awkward(work: Path) -> Setup:
    folder = _inputs_from_base(work, DEID_FOLDER, overlay="deidentify_awkward_ids")
    forbidden = {DEID_FOLDER, *corpus.AWKWARD_CLAIM_IDS, corpus.AWKWARD_PERSON_ID}
    for p in folder.glob("*.csv"):
        frame = pl.read_csv(p, infer_schema=False)
        for column in set(frame.columns) & (set(ID_COLUMNS) - {"finding_id"}):
            forbidden |= {v for v in frame.get_column(column).drop_nulls() if len(v) >= 5}
    key = work / "keys" / "key.csv"
    args = [str(folder), "--deidentify", "--key-file", str(key), "--out", str(_out(work))]
    return Setup(args, folder, forbidden=sorted(forbidden))


def _key_holds_the_awkward_ids(run: Run, setup: Setup) -> None:
    key = (Path(setup.args[3])).read_text(encoding="utf-8")
    for original in (*corpus.AWKWARD_CLAIM_IDS, corpus.AWKWARD_PERSON_ID):
        assert original in key, f"the key file lacks {original!r}"


def _generated(writer: str) -> Callable[[Path], Setup]:
    def setup(work: Path) -> Setup:
        folder = getattr(corpus, writer)(work / "practice_in")
        return Setup([str(folder), "--out", str(_out(work))], folder)

    return setup


def _far_corner(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    xlsx = corpus.write_far_corner_xlsx(work / "claims.xlsx")
    args = [str(folder), "--claims", str(xlsx), "--out", str(_out(work))]
    return Setup(args, folder, extra_inputs=[xlsx])


def _x12(source: str, flag: str, name: str) -> Callable[[Path], Setup]:
    def setup(work: Path) -> Setup:
        folder = _inputs_from_base(work)
        path = work / name
        shutil.copy(FILES / source, path)
        if flag == "--remittances":
            (folder / "remittances.csv").unlink()
            (folder / "adjustments.csv").unlink()
        args = [str(folder), flag, str(path), "--out", str(_out(work))]
        return Setup(args, folder, extra_inputs=[path])

    return setup


def _many_payers(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    corpus.write_many_payers(folder / "policies.toml")
    return Setup([str(folder), "--out", str(_out(work))], folder)


def _out_is_input_folder(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    return Setup([str(folder), "--out", str(folder)], folder)


def _out_is_input_file(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    return Setup([str(folder), "--out", str(folder / "claims.csv")], folder)


def _review_file(work: Path) -> Path:
    from telekit.review import ReviewStore

    path = work / "review.sqlite"
    store = ReviewStore(path)
    close = getattr(store, "close", None)
    if close is not None:
        close()
    return path


def _key_over_review(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    review = _review_file(work)
    args = [str(folder), "--review", str(review), "--deidentify", "--key-file", str(review)]
    return Setup([*args, "--out", str(_out(work))], folder, extra_inputs=[review])


def _key_over_input(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    args = [str(folder), "--deidentify", "--key-file", str(folder / "claims.csv")]
    return Setup([*args, "--out", str(_out(work))], folder)


def _key_exists(overwrite: bool) -> Callable[[Path], Setup]:
    def setup(work: Path) -> Setup:
        folder = _inputs_from_base(work)
        key = work / "keys" / "old-key.csv"
        key.parent.mkdir()
        key.write_text("kind,pseudonym,original\n")
        args = [str(folder), "--deidentify", "--key-file", str(key), "--out", str(_out(work))]
        if overwrite:
            return Setup([*args, "--overwrite-key"], folder)
        return Setup(args, folder, extra_inputs=[key])

    return setup


def _entry(table_file: str, make: Callable[[Path], None]) -> Callable[[Path], Setup]:
    """base/ with ``table_file`` in DIR replaced by what ``make`` puts at its path."""

    def setup(work: Path) -> Setup:
        folder = _inputs_from_base(work)
        target = folder / table_file
        target.unlink()
        make(target)
        return Setup([str(folder), "--out", str(_out(work))], folder)

    return setup


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone" / path.name)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _fifo_flag(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    fifo = work / "visits.fifo"
    os.mkfifo(fifo)
    args = [str(folder), "--encounters", str(fifo), "--out", str(_out(work))]
    return Setup(args, folder)


def _dev_zero_flag(work: Path) -> Setup:
    folder = _inputs_from_base(work)
    return Setup([str(folder), "--claims", "/dev/zero", "--out", str(_out(work))], folder)


CLI_CASES = [
    CliCase("base", _plain(), "ok"),
    CliCase("payload_csv", _payload("csv"), "ok"),
    CliCase("payload_parquet", _payload("parquet"), "ok"),
    CliCase("deidentify_awkward_ids", _deidentify_awkward, "ok", check=_key_holds_the_awkward_ids),
    CliCase("all_claims_rejected", _plain("all_claims_rejected"), "exit2_out", names="claims.csv"),
    CliCase("field_10mb", _generated("write_big_field"), "ok"),
    CliCase("columns_100000", _generated("write_wide"), "exit2", names="claims.csv"),
    CliCase("xlsx_far_corner", _far_corner, "exit2", names="claims.xlsx"),
    CliCase(
        "x12_837_foreign_delimiters",
        _x12("claims__foreign_delimiters.837", "--claims", "claims.837"),
        "any",
        names="claims.837",
        x12_problem=True,
    ),
    CliCase(
        "x12_837_truncated",
        _x12("claims__truncated.837", "--claims", "claims.837"),
        "any",
        names="claims.837",
        x12_problem=True,
    ),
    CliCase(
        "x12_835_truncated",
        _x12("remittances__truncated.835", "--remittances", "remits.835"),
        "any",
        names="remits.835",
        x12_problem=True,
    ),
    CliCase(
        "policies_deep_nesting", _plain("policies_deep_nesting"), "exit2", names="policies.toml"
    ),
    CliCase("policies_year_0001", _plain("policies_year_0001"), "exit2", names="policies.toml"),
    CliCase("policies_10000_payers", _many_payers, "ok"),
    CliCase("out_is_the_input_folder", _out_is_input_folder, "exit2", names="practice_in"),
    CliCase("out_is_an_input_file", _out_is_input_file, "exit2", names="claims.csv"),
    CliCase("key_file_is_the_review_file", _key_over_review, "exit2", names="review.sqlite"),
    CliCase("key_file_is_an_input", _key_over_input, "exit2", names="claims.csv"),
    CliCase("key_file_exists", _key_exists(overwrite=False), "exit2", names="old-key.csv"),
    CliCase("key_file_exists_overwrite_key", _key_exists(overwrite=True), "ok"),
    CliCase("dangling_claims_csv", _entry("claims.csv", _dangling), "exit2", names="claims.csv"),
    CliCase(
        "dangling_encounters_csv",
        _entry("encounters.csv", _dangling),
        "exit2",
        names="encounters.csv",
    ),
    CliCase(
        "folder_named_coverage_csv",
        _entry("coverage.csv", lambda p: p.mkdir()),
        "exit2",
        names="coverage.csv",
    ),
    CliCase(
        "folder_named_policies_toml",
        _entry("policies.toml", lambda p: p.mkdir()),
        "exit2",
        names="policies.toml",
    ),
    CliCase(
        "fifo_named_providers_csv",
        _entry("providers.csv", os.mkfifo),
        "exit2",
        names="providers.csv",
        timeout=QUICK_TIMEOUT,
    ),
    CliCase(
        "dev_zero_named_encounters_csv",
        _entry("encounters.csv", _dev_zero),
        "exit2",
        names="encounters.csv",
        timeout=QUICK_TIMEOUT,
    ),
    CliCase(
        "fifo_as_encounters_flag", _fifo_flag, "exit2", names="visits.fifo", timeout=QUICK_TIMEOUT
    ),
    CliCase(
        "dev_zero_as_claims_flag", _dev_zero_flag, "exit2", names="zero", timeout=QUICK_TIMEOUT
    ),
]
CLI_BY_ID = {c.id: c for c in CLI_CASES}


@dataclasses.dataclass
class Prepared:
    setup: Setup
    future: concurrent.futures.Future[Run]


def _execute(case: CliCase, setup: Setup, work: Path) -> Run:
    watched = [setup.inputs, *setup.extra_inputs]
    before = _snapshot(watched)
    code, stdout, stderr, rss, seconds, timed_out, over = run_cli(
        setup.args, cwd=work, timeout=case.timeout
    )
    return Run(
        code=code,
        stdout=stdout,
        stderr=stderr,
        rss_kb=rss,
        seconds=seconds,
        timed_out=timed_out,
        over_memory=over,
        out=_out(work),
        input_kb=_size_kb(watched),
        before=before,
        after=_snapshot(watched),
    )


@pytest.fixture(scope="session")
def cli_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Prepared]]:
    """Every selected CLI case (and the base case, the memory reference) set up here and run
    two at a time in the background; each test waits for its own."""
    selected = {"base"}
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "originalname", "") == "test_cli_case" and callspec is not None:
            selected.add(callspec.params["case"].id)
    workers = max(1, min(2, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        prepared: dict[str, Prepared] = {}
        for case in CLI_CASES:
            if case.id not in selected:
                continue
            work = tmp_path_factory.mktemp(case.id)
            setup = case.setup(work)
            _out(work).parent.mkdir(parents=True, exist_ok=True)
            prepared[case.id] = Prepared(setup, pool.submit(_execute, case, setup, work))
        yield prepared
        for p in prepared.values():
            p.future.cancel()


def _rss_bound_kb(run: Run, prepared: dict[str, Prepared]) -> int:
    base = prepared["base"].future.result()
    reference = base.rss_kb if base.code in (0, 1) else FALLBACK_BASE_RSS_KB
    return 3 * reference + 10 * run.input_kb


def _assert_ok(case: CliCase, run: Run, setup: Setup) -> None:
    assert run.stdout.strip() and "\n" not in run.stdout.strip(), f"stdout: {run.stdout!r}"
    summary = check_accounting(run.out)
    for table, n in setup.rows_in.items():
        got = summary["tables"][table]["rows_in"]
        assert got == n, f"{table}: rows_in {got}, the input holds {n} records"
    inspect_out(run.out, setup.forbidden)
    leftovers = sorted(p.name for p in run.out.parent.iterdir() if p.name != run.out.name)
    assert not leftovers, f"left beside OUT: {leftovers}"
    if case.x12_problem:
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and case.names in lines[0], (
            f"a damaged X12 file needs one stderr line naming it; got {run.stderr!r}"
        )
        with (run.out / "rejects.csv").open(newline="", encoding="utf-8") as f:
            sources = {r["source_file"].lstrip("'") for r in csv.DictReader(f)}
        assert case.names in sources, "the X12 problems are not in rejects.csv"


def _assert_exit2(case: CliCase, run: Run) -> None:
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"exit 2 needs exactly one stderr line; got {run.stderr!r}"
    assert case.names in lines[0], f"the line does not name {case.names}: {lines[0]!r}"
    out = run.out
    if out.parent.name == "run":  # a fresh OUT: a failed run leaves nothing (atomic OUT)
        left = sorted(p.name for p in out.parent.iterdir())
        assert left == [] or (left == ["out"] and not any(out.iterdir())), (
            f"a failed run left {left} beside or in OUT"
        )


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.id)
def test_cli_case(case: CliCase, cli_runs: dict[str, Prepared]) -> None:
    prepared = cli_runs[case.id]
    run = prepared.future.result()
    assert not run.timed_out, f"hung: killed after {case.timeout:.0f} s"
    assert not run.over_memory, f"killed past {MEMORY_CAP_KB // 1024} MB of memory"
    assert run.code >= 0, f"killed by signal {-run.code}"
    assert run.code != 134, "aborted (exit 134)"
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.rss_kb < _rss_bound_kb(run, cli_runs), (
        f"peak RSS {run.rss_kb // 1024} MB for {run.input_kb} KB of input"
    )
    assert run.after == run.before, "the run changed an input file"
    if case.expect == "ok":
        assert run.code in (0, 1), f"exit {run.code}: {run.stderr.strip()!r}"
    elif case.expect in ("exit2", "exit2_out"):
        assert run.code == 2, f"exit {run.code}, expected 2 naming {case.names}"
    else:
        assert run.code in (0, 1, 2), f"exit {run.code}: {run.stderr.strip()!r}"
    if case.expect == "exit2_out":  # the outputs are written, rejects.csv saying why
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"exit 2 needs exactly one stderr line; got {run.stderr!r}"
        assert case.names in lines[0] and "rejects.csv" in lines[0], lines[0]
        _assert_ok(case, run, prepared.setup)
        summary = json.loads((run.out / "summary.json").read_text(encoding="utf-8"))
        claims = summary["tables"]["claims"]
        assert claims["rows_audited"] == 0
        assert claims["rows_rejected"] + claims.get("rows_skipped", 0) == claims["rows_in"] > 0
    elif run.code == 2:
        _assert_exit2(case, run)
    else:
        _assert_ok(case, run, prepared.setup)
    if case.check is not None:
        case.check(run, prepared.setup)


def test_corpus_is_small() -> None:
    """The committed corpus stays under about 1 MB (big cases are written at test time)."""
    total = sum(p.stat().st_size for p in HOSTILE.rglob("*") if p.is_file())
    assert total < 1_100_000, f"tests/data/hostile holds {total:,} bytes"


@pytest.mark.parametrize(
    "reader",
    [
        lambda p: codesets.read_cms_telehealth_list(p, year=2026),
        codesets.read_ncci,
        codesets.read_cms_rvu,
        codesets.read_cms_gpci,
    ],
    ids=["telehealth_list", "ncci", "rvu", "gpci"],
)
def test_reference_workbooks_with_a_far_corner_cell_are_refused(
    tmp_path: Path, reader: Callable[[Path], object]
) -> None:
    """Reference files a user gives (--telehealth-list, --ncci, --fee-schedule, --gpci) are
    hostile input too: a far-corner cell is one line, never calamine's dense allocation."""
    xlsx = corpus.write_far_corner_xlsx(tmp_path / "reference.xlsx")
    with pytest.raises(TelekitError) as err:
        reader(xlsx)
    message = str(err.value)
    assert "\n" not in message
    assert "reference.xlsx" in message
    assert "XFD1048576" in message
