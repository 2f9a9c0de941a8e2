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

A de-identified OUT records no paths, only each input's generic name (``claims.csv``,
``remittances-1.835``) and SHA-256: ``verify_out(out, key_file=K, data=[FOLDER, ...])``
(``telekit verify OUT --key-file K --data FOLDER``) finds each input by its SHA-256 under the
data folders (``locate_inputs``: "claims: no file under FOLDER has the SHA-256 OUT records
(claims.csv)" when one is not there), re-runs the audit from links to them named as in a DIR
(``claims.csv``, ...), de-identified with a temporary copy of K read and extended (K itself is
never written), and compares the outputs as above. A re-run that had to draw new pseudonyms, or
an OUT whose pseudonyms K does not hold, names the key as the likely cause.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from telekit._core._exceptions import InputError, TelekitError
from telekit._io._discovery import DIR_SUFFIXES, DIR_TABLES
from telekit._io._xlsx import column_letters
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


@dataclasses.dataclass(frozen=True)
class OutVerification:
    """What ``verify_out`` found: ``reproduced`` (everything it could check matched),
    ``difference`` (the first one, else None), ``notes`` (versions that differ, what was
    ignored), ``compared`` (the files compared) and ``deidentified`` (a de-identified OUT,
    re-run from the inputs located by SHA-256 with its key)."""

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


def verify_out(
    out: str | Path,
    *,
    key_file: str | Path | None = None,
    data: Sequence[str | Path] = (),
) -> OutVerification:
    """Check that ``out`` (an OUT of ``telekit audit``) reproduces: versions, inputs' SHA-256,
    then the audit re-run into a temporary folder and its outputs compared (module doc). A
    de-identified OUT needs ``key_file`` (its pseudonym key, only read) and ``data`` (the
    folders where its inputs are, searched by SHA-256); an identified OUT ignores them (a
    note). Raises ``InputError`` when OUT cannot be verified (no inputs.json, an OUT recorded
    before telekit recorded its arguments, a de-identified OUT without key or data)."""
    folder = Path(out)
    record = _read_json(folder / "inputs.json")
    summary = _read_json(folder / "summary.json")
    options = record.get("options") or {}
    notes = _version_notes(record.get("provenance") or summary)
    if options.get("deidentified") or summary.get("deidentified"):
        if key_file is None or not data:
            msg = (
                f"{folder} is de-identified: give --key-file K (the pseudonym key of the audit) "
                "and --data FOLDER (where its inputs are)"
            )
            raise InputError(msg)
        return _verify_deidentified(folder, record, notes, Path(key_file), [Path(d) for d in data])
    if key_file is not None or data:
        notes.append("--key-file and --data ignored: OUT is identified (it records its inputs)")
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
        difference, compared = _compare_outputs(folder, again)
    return OutVerification(
        folder,
        reproduced=difference is None,
        difference=difference,
        notes=tuple(notes),
        compared=compared if difference is None else (),
    )


def _compare_outputs(folder: Path, again: Path) -> tuple[str | None, tuple[str, ...]]:
    """The first difference between OUT and the re-run (``COMPARED`` in order), and the files
    compared."""
    compared: list[str] = []
    for name in COMPARED:
        mine, theirs = folder / name, again / name
        if not mine.exists() and not theirs.exists():
            continue
        compared.append(name)
        difference = compare_file(mine, theirs)
        if difference is not None:
            return difference, tuple(compared)
    return None, tuple(compared)


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


# --- a de-identified OUT: inputs located by SHA-256, re-run with a copy of its key ----------------


def _verify_deidentified(
    folder: Path,
    record: Mapping[str, Any],
    notes: list[str],
    key_file: Path,
    data: list[Path],
) -> OutVerification:
    from telekit.report._deidentify import Deidentifier  # noqa: PLC0415

    for where in data:
        if not where.is_dir():
            msg = f"--data {where}: not a folder (give the folder holding the audit's inputs)"
            raise InputError(msg)
    if not key_file.is_file():
        msg = f"--key-file {key_file}: no such file (the pseudonym key of the audit)"
        raise InputError(msg)
    key = Deidentifier.from_key_file(key_file).key()  # a bad key: an InputError naming K
    inputs = record.get("inputs") or {}
    located = locate_inputs(inputs, data, skip=folder)
    if isinstance(located, str):
        return OutVerification(
            folder, reproduced=False, difference=located, notes=tuple(notes), deidentified=True
        )
    options = record.get("options") or {}
    if options.get("as_of_given") and len(str(options.get("as_of"))) < len("YYYY-MM-DD"):
        msg = (
            f"{folder}: inputs.json records the audit date given (as_of) as its year only (an "
            "OUT of an older telekit): run the audit again to verify it"
        )
        raise InputError(msg)
    with _deidentified_rerun(folder, options, inputs, located, key_file) as (again, grown):
        difference, compared = _compare_outputs(folder, again)
    if difference is not None:
        if grown:
            difference += (
                f"; the key {key_file} lacks pseudonyms for {grown} values: was it the key of "
                "this OUT?"
            )
        elif not _holds_pseudonyms(key, folder):
            difference += (
                f"; the key {key_file} does not hold OUT's pseudonyms: was it the key of this OUT?"
            )
    return OutVerification(
        folder,
        reproduced=difference is None,
        difference=difference,
        notes=tuple(notes),
        compared=compared if difference is None else (),
        deidentified=True,
    )


def locate_inputs(
    inputs: Mapping[str, Any], data: Sequence[Path], *, skip: Path | None = None
) -> dict[str, list[Path]] | str:
    """Each input inputs.json records (role → entries of a generic ``path`` and a ``sha256``)
    found by content under the ``data`` folders (recursively; hidden folders and ``skip``, the
    OUT, left out; only files whose suffix is the recorded name's are hashed, and folders of
    Parquet parts for a name without suffix or ending in .parquet), role → the files found in
    the recorded order; or the first input not found, as a difference."""
    index = _DataIndex(data, skip)
    located: dict[str, list[Path]] = {}
    for role, entries in inputs.items():
        found: list[Path] = []
        for entry in entries or []:
            name = Path(str(entry.get("path"))).name
            path = index.find(name, str(entry.get("sha256")))
            if path is None:
                where = " or ".join(str(d) for d in data)
                return f"{role}: no file under {where} has the SHA-256 OUT records ({name})"
            found.append(path)
        located[role] = found
    return located


class _DataIndex:
    """The files and folders under the data folders, each hashed at most once, when asked."""

    def __init__(self, data: Sequence[Path], skip: Path | None) -> None:
        left_out = skip.resolve() if skip is not None else None
        self.files: list[Path] = []
        self.folders: list[Path] = []
        for top in data:
            for root, dirs, files in os.walk(top):
                here = Path(root)
                dirs[:] = sorted(
                    d for d in dirs if not d.startswith(".") and (here / d).resolve() != left_out
                )
                self.folders.append(here)
                self.files.extend(here / f for f in sorted(files))
        self._digests: dict[Path, str | None] = {}

    def find(self, name: str, digest: str) -> Path | None:
        """The first file (or folder of Parquet parts) named like ``name``'s suffix whose
        SHA-256 is ``digest``: those named ``name`` first."""
        suffix = Path(name).suffix
        candidates = [f for f in self.files if f.suffix == suffix]
        if suffix in ("", ".parquet"):
            candidates += [
                d for d in self.folders if d.suffix == suffix and any(d.rglob("*.parquet"))
            ]
        candidates.sort(key=lambda p: p.name != name)  # stable: the walk's order otherwise
        for path in candidates:
            if self._digest(path) == digest:
                return path
        return None

    def _digest(self, path: Path) -> str | None:
        if path not in self._digests:
            try:
                self._digests[path] = sha256_of(path)
            except OSError:  # unreadable: not the input
                self._digests[path] = None
        return self._digests[path]


@contextlib.contextmanager
def _deidentified_rerun(
    folder: Path,
    options: Mapping[str, Any],
    inputs: Mapping[str, Any],
    located: Mapping[str, list[Path]],
    key_file: Path,
) -> Iterator[tuple[Path, int]]:
    """The audit re-run de-identified on the ``located`` inputs, with a temporary copy of
    ``key_file`` read and extended, into a temporary folder (removed): (that folder, how many
    pseudonyms the copy gained)."""
    from telekit.report import _folder  # noqa: PLC0415 - _folder imports the audit
    from telekit.report._deidentify import Deidentifier  # noqa: PLC0415
    from telekit.report._provenance import arguments_namespace  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="telekit-verify-") as tmp:
        base = Path(tmp)
        key = base / "key" / "pseudonyms.key"
        key.parent.mkdir()
        shutil.copyfile(key_file, key)  # K itself is only read
        before = Deidentifier.from_key_file(key).key().height
        arguments = _staged_arguments(folder, base, inputs, located)
        again = base / "out"
        args = arguments_namespace(options, again, arguments=arguments, key_file=key)
        try:
            _folder.run_audit(args)
        except TelekitError as e:
            msg = f"{folder}: the re-run failed: {e}"
            raise InputError(msg) from None
        grown = Deidentifier.from_key_file(key).key().height - before
        yield again, grown


def _staged_arguments(
    folder: Path, base: Path, inputs: Mapping[str, Any], located: Mapping[str, list[Path]]
) -> dict[str, Any]:
    """``telekit audit``'s path arguments for the located inputs, linked under ``base``: the
    tables in a DIR by their recorded names (``claims.csv``; given by flag when a DIR would not
    find them: ``remittances-1.835``, ...), every other file under its own name (a fee
    schedule's release may be read from it) with its option."""
    from telekit.report._provenance import PATH_ARGUMENTS  # noqa: PLC0415

    directory = base / "in"
    directory.mkdir()
    arguments: dict[str, Any] = {"dir": str(directory)}
    lists = {"remittances", "telehealth_list", "ncci", "icd10", "fee_schedule"}
    for role, paths in located.items():
        names = [Path(str(e.get("path"))).name for e in inputs.get(role) or []]
        if role in DIR_TABLES:
            links = [_link(directory / name, path) for name, path in zip(names, paths, strict=True)]
            if len(links) == 1 and names[0] in {role + s for s in DIR_SUFFIXES}:
                continue  # found in the DIR, as it was
        elif role in PATH_ARGUMENTS:
            links = []
            for i, path in enumerate(paths, start=1):
                place = base / "files" / role / str(i)
                place.mkdir(parents=True)
                links.append(_link(place / path.name, path))
        else:
            links = []
        if role not in PATH_ARGUMENTS or role == "dir":
            msg = f"{folder}: inputs.json records {role} input(s) this telekit cannot give again"
            raise InputError(msg)
        arguments[role] = [str(p) for p in links] if role in lists else str(links[0])
    return arguments


def _link(link: Path, target: Path) -> Path:
    """``link`` pointing to ``target`` (a copy when the file system refuses symlinks)."""
    try:
        link.symlink_to(target.resolve(), target_is_directory=target.is_dir())
    except OSError:
        if target.is_dir():
            shutil.copytree(target, link)
        else:
            shutil.copyfile(target, link)
    return link


def _holds_pseudonyms(key: pl.DataFrame, folder: Path) -> bool:
    """Whether the key holds every finding_id pseudonym of OUT's findings.parquet (True when
    there is nothing to tell)."""
    findings = folder / "findings.parquet"
    if not findings.is_file():
        return True
    frame = pl.read_parquet(findings)
    if "finding_id" not in frame.columns:
        return True
    ids = frame.get_column("finding_id").drop_nulls()
    return bool(ids.is_in(key.get_column("pseudonym")).all())


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
        return f"{name}, cell {column_letters(a.columns.index(first[1]) + 1)}{first[0] + 1} differs"
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
