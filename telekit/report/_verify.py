"""``telekit verify OUT``: was OUT made from what it records, and does it reproduce?

``verify_out(out)`` checks, in order, and stops at the first difference:

1. the versions OUT records (inputs.json ``provenance``, else summary.json) against this
   telekit: a different telekit, rule catalog or code-set version is noted ("OUT was made by
   telekit 0.1.0, this is 0.2.0") and the check goes on (a different version may still
   reproduce; the outputs decide);
2. every input's SHA-256 (inputs.json ``inputs``): "claims: /path/claims.csv changed since the
   audit (SHA-256 differs)" or "... is gone";
3. the audit re-run with the recorded arguments and options (``report._provenance``) in the
   recorded working folder, into a temporary folder, and each output compared with OUT's:
   CSV, HTML line by line (the first differing line), JSON by key path, Parquet by row and
   column, findings.xlsx by sheet and cell. The only allowed differences are summary.json's
   ``run_at`` and the run time shown in report.html and executive.html (that exact text, as
   rendered from each run's ``run_at``). executive.pdf is not compared (WeasyPrint's bytes).

A de-identified OUT records no paths: its versions are checked and its outputs are not
re-computed (the pseudonyms need the key: the lead wires ``--key-file`` after the merge).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from telekit._core._exceptions import InputError, TelekitError
from telekit.report._html import _run_date
from telekit.report._out import sha256_of

#: OUT's files compared after a re-run, in this order
COMPARED = (
    "findings.csv",
    "findings.parquet",
    "claim_lines.parquet",
    "rejects.csv",
    "summary.json",
    "inputs.json",
    "metrics.parquet",
    "oig.parquet",
    "findings.xlsx",
    "report.html",
    "executive.html",
)

DEIDENTIFIED = (
    "outputs not recomputed: de-identified OUT (the lead wires --key-file after the merge)"
)


@dataclasses.dataclass(frozen=True)
class OutVerification:
    """What ``verify_out`` found: ``reproduced`` (everything it could check matched),
    ``difference`` (the first one, else None), ``notes`` (versions that differ, what was not
    checked), ``compared`` (the files compared) and ``deidentified`` (a de-identified OUT: only
    its versions were checked)."""

    out: Path
    reproduced: bool
    difference: str | None = None
    notes: tuple[str, ...] = ()
    compared: tuple[str, ...] = ()
    deidentified: bool = False

    @property
    def exit_code(self) -> int:
        """0 reproduced, 1 a difference (``telekit verify``'s exit code; 2 is an error)."""
        return 0 if self.reproduced else 1

    def line(self) -> str:
        """The one line ``telekit verify`` prints."""
        if self.difference is not None:
            return f"{self.out}: not reproduced: {self.difference}"
        if self.deidentified:
            return f"{self.out}: versions match; {DEIDENTIFIED}"
        what = f" ({len(self.compared)} files compared)" if self.compared else ""
        return f"{self.out}: reproduced{what}"


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        msg = f"{path.parent}: no {path.name} (not an OUT of `telekit audit`, or an older one)"
        raise InputError(msg)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        msg = f"{path}: not readable JSON (expected what `telekit audit` wrote)"
        raise InputError(msg) from None
    if not isinstance(data, dict):
        msg = f"{path}: expected a JSON object"
        raise InputError(msg)
    return data


def _version_notes(recorded: Mapping[str, Any]) -> list[str]:
    from telekit import codesets  # noqa: PLC0415 - loads the code sets
    from telekit._core._version import VERSION  # noqa: PLC0415
    from telekit.rules import CATALOG_VERSION  # noqa: PLC0415

    now = {
        "telekit_version": ("telekit", VERSION),
        "catalog_version": ("rule catalog", CATALOG_VERSION),
        "code_set_version": ("code sets", codesets.CODE_SET_VERSION),
    }
    notes = []
    for key, (what, current) in now.items():
        then = recorded.get(key)
        if then is not None and then != current:
            notes.append(f"OUT was made by {what} {then}, this is {current}")
    return notes


def _input_difference(inputs: Mapping[str, Any]) -> str | None:
    """The first input whose file is gone or whose SHA-256 differs from the recorded one."""
    for role, entries in inputs.items():
        for entry in entries or []:
            path = Path(str(entry.get("path")))
            if not (path.exists() or path.is_symlink()):
                return f"{role}: {path} is gone"
            try:
                digest = sha256_of(path)
            except OSError:
                return f"{role}: {path} cannot be read"
            if digest != entry.get("sha256"):
                return f"{role}: {path} changed since the audit (SHA-256 differs)"
    return None


def verify_out(out: str | Path) -> OutVerification:
    """Check that ``out`` (an OUT of ``telekit audit``) reproduces: versions, inputs' SHA-256,
    then the audit re-run into a temporary folder and its outputs compared (module doc).
    Raises ``InputError`` when OUT cannot be verified (no inputs.json, an OUT recorded
    before telekit recorded its arguments)."""
    folder = Path(out)
    record = _read_json(folder / "inputs.json")
    summary = _read_json(folder / "summary.json")
    options = record.get("options") or {}
    notes = _version_notes(record.get("provenance") or summary)
    if options.get("deidentified") or summary.get("deidentified"):
        # the versions are all it can check: one that differs is then the difference
        return OutVerification(
            folder,
            reproduced=not notes,
            difference=notes[0] if notes else None,
            notes=("inputs not checked: a de-identified OUT records file names, not paths",),
            deidentified=True,
        )
    difference = _input_difference(record.get("inputs") or {})
    if difference is not None:
        return OutVerification(folder, reproduced=False, difference=difference, notes=tuple(notes))
    if "arguments" not in options:
        msg = (
            f"{folder}: inputs.json records no arguments (an OUT of an older telekit): "
            "run the audit again to verify it"
        )
        raise InputError(msg)
    with _rerun(folder, options) as again:
        compared: list[str] = []
        for name in COMPARED:
            mine, theirs = folder / name, again / name
            if not mine.exists() and not theirs.exists():
                continue
            compared.append(name)
            difference = compare_file(mine, theirs)
            if difference is not None:
                return OutVerification(
                    folder, reproduced=False, difference=difference, notes=tuple(notes)
                )
    return OutVerification(folder, reproduced=True, notes=tuple(notes), compared=tuple(compared))


@contextlib.contextmanager
def _rerun(folder: Path, options: Mapping[str, Any]) -> Iterator[Path]:
    """The audit re-run with OUT's recorded arguments, in its recorded working folder (paths as
    typed, as summary.json and the report show them), into a temporary folder (removed)."""
    from telekit.report import _folder  # noqa: PLC0415 - _folder imports the audit
    from telekit.report._provenance import arguments_namespace  # noqa: PLC0415

    cwd = Path(str((options.get("arguments") or {}).get("cwd") or "."))
    if not cwd.is_dir():
        msg = f"{folder}: the audit's working folder {cwd} is gone; cannot re-run it"
        raise InputError(msg)
    with tempfile.TemporaryDirectory(prefix="telekit-verify-") as tmp:
        again = Path(tmp) / "out"
        args = arguments_namespace(options, again)
        before = Path.cwd()
        os.chdir(cwd)  # process-wide: verify is one command, not a library call in threads
        try:
            try:
                _folder.run_audit(args)
            except TelekitError as e:
                msg = f"{folder}: the re-run failed: {e}"
                raise InputError(msg) from None
        finally:
            os.chdir(before)
        yield again


# --- comparing one output -------------------------------------------------------------------------


def compare_file(mine: Path, theirs: Path) -> str | None:  # noqa: PLR0911 - one per format
    """The first difference between OUT's file ``mine`` and the re-run's ``theirs``, named
    with the file and the place (None when they match as stated in the module doc)."""
    name = mine.name
    if not (mine.exists() and theirs.exists()):
        where = "OUT" if mine.exists() else "the re-run"
        return f"{name}: only in {where}"
    if name.endswith(".json"):
        return _json_difference(name, mine, theirs)
    if mine.read_bytes() == theirs.read_bytes():
        return None
    if name.endswith(".parquet"):
        return _frame_difference(name, pl.read_parquet(mine), pl.read_parquet(theirs))
    if name.endswith(".xlsx"):
        return _xlsx_difference(name, mine, theirs)
    if name.endswith(".html"):
        return _text_difference(name, _masked_run(mine), _masked_run(theirs))
    return _text_difference(
        name, mine.read_text(encoding="utf-8"), theirs.read_text(encoding="utf-8")
    )


def _masked_run(page: Path) -> str:
    """An HTML page with its run time (``_run_date`` of its folder's summary.json ``run_at``,
    exactly as rendered) replaced by ``<run time>``."""
    text = page.read_text(encoding="utf-8")
    summary = page.parent / "summary.json"
    run_at = json.loads(summary.read_text(encoding="utf-8")).get("run_at")
    return text.replace(f">{_run_date(run_at)}<", ">&lt;run time&gt;<").replace(
        f"Run {_run_date(run_at)} ", "Run <run time> "
    )


def _text_difference(name: str, a: str, b: str) -> str | None:
    """The first differing line (and column) of two texts."""
    lines_a, lines_b = a.splitlines(), b.splitlines()
    for number, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
        if x != y:
            column = next(
                (i for i, (p, q) in enumerate(zip(x, y, strict=False), 1) if p != q),
                min(len(x), len(y)) + 1,
            )
            return f"{name}: line {number} differs (from column {column})"
    if len(lines_a) != len(lines_b):
        return f"{name}: {len(lines_a)} lines in OUT, {len(lines_b)} in the re-run"
    return None if a == b else f"{name}: line endings differ"


def _json_difference(name: str, mine: Path, theirs: Path) -> str | None:
    a, b = _read_json(mine), _read_json(theirs)
    if name == "summary.json":
        a, b = dict(a), dict(b)
        a.pop("run_at", None)
        b.pop("run_at", None)
    path = _first_json_difference(a, b, "")
    return None if path is None else f"{name}: {path or 'the whole file'} differs"


def _first_json_difference(a: Any, b: Any, where: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{where}.{key}".lstrip(".")
            found = _first_json_difference(a[key], b[key], f"{where}.{key}")
            if found is not None:
                return found.lstrip(".")
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_json_difference(x, y, f"{where}[{i}]")
            if found is not None:
                return found
        return None if len(a) == len(b) else f"{where} (length {len(a)} vs {len(b)})"
    return None if a == b and type(a) is type(b) else where.lstrip(".")


def _frame_difference(
    name: str, a: pl.DataFrame, b: pl.DataFrame, *, cell: bool = False
) -> str | None:
    """The first differing row and column of two frames (``cell``: named as a sheet cell)."""
    if a.schema != b.schema:
        cols = [
            c for c in dict.fromkeys([*a.columns, *b.columns]) if a.schema.get(c) != b.schema.get(c)
        ]
        return f"{name}: columns differ ({', '.join(cols) or 'order'})"
    if a.height != b.height:
        return f"{name}: {a.height} rows in OUT, {b.height} in the re-run"
    first: tuple[int, str] | None = None
    for col in a.columns:
        diff = a.get_column(col).ne_missing(b.get_column(col))
        if diff.any():
            row = int(diff.arg_true()[0])
            if first is None or row < first[0]:
                first = (row, col)
    if first is None:
        return None if cell else f"{name}: same rows, different bytes (Parquet metadata)"
    if cell:
        return f"{name}, cell {_column_letter(a.columns.index(first[1]))}{first[0] + 1} differs"
    return f"{name}: row {first[0] + 1}, column {first[1]} differs"


def _xlsx_difference(name: str, mine: Path, theirs: Path) -> str | None:
    """The first cell whose value differs, sheet by sheet (the bytes may differ otherwise)."""
    a, b = _sheets(mine), _sheets(theirs)
    if list(a) != list(b):
        return f"{name}: sheets differ ({', '.join(a)} in OUT, {', '.join(b)} in the re-run)"
    for sheet, frame in a.items():
        found = _frame_difference(f"{name}: sheet {sheet}", frame, b[sheet], cell=True)
        if found is not None:
            return found
    return None


def _sheets(path: Path) -> dict[str, pl.DataFrame]:
    """Every sheet of a workbook, each cell as text (no header row)."""
    import fastexcel  # noqa: PLC0415 - only to read a workbook back

    reader = fastexcel.read_excel(str(path))
    frames = {}
    for sheet in reader.sheet_names:
        frame = reader.load_sheet(sheet, header_row=None).to_polars()
        frames[sheet] = pl.DataFrame(
            {str(j): col.cast(pl.String) for j, col in enumerate(frame.get_columns())}
        )
    return frames


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
