"""Where ``telekit audit DIR`` finds a table (DESIGN §4): the first of <table>.parquet, <table>/
(Parquet parts), <table>.csv, <table>.xlsx. One home for every command that reads DIR."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from telekit._core._exceptions import InputError, TelekitError

_X12_START = (b"ISA", b"\xef\xbb\xbfISA", b"GS*", b"ST*")


def _starts_x12(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(64).lstrip().startswith(_X12_START)
    except OSError:
        return False


def x12_folder_files(folder: Path) -> list[Path] | None:
    """The files of a folder of X12 files (e.g. 837Ps), in path order, or None when ``folder``
    is not one (it holds ``.parquet`` parts, or no file that starts as X12). Hidden files are
    skipped; any other file that is not X12 is an ``InputError`` naming it."""
    if not folder.is_dir() or any(folder.rglob("*.parquet")):
        return None
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    if not any(_starts_x12(p) for p in files):
        return None
    for p in files:
        if not _starts_x12(p):
            msg = (
                f"{p}: not an X12 file (a folder of X12 claims holds only 837P files; "
                "move this file out of the folder)"
            )
            raise InputError(msg)
    return files


#: the tables ``telekit audit DIR`` looks for, in this order
DIR_TABLES = (
    "claims",
    "encounters",
    "coverage",
    "providers",
    "remittances",
    "adjustments",
    "patient_payments",
)
#: what follows a table's name in DIR, in the order ``find_table`` tries them
DIR_SUFFIXES = (".parquet", "", ".csv", ".xlsx")


def unreadable(path: Path, *, folder_ok: bool = False) -> str | None:
    """Why ``path`` (which exists, or is a link) cannot be read as an input, or None.

    A regular file (or a link to one) is readable; with ``folder_ok``, so is a folder holding
    ``.parquet`` parts. A broken link, a FIFO, a device or a socket is never opened."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "a broken link (the file it names does not exist)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    why = None
    if stat.S_ISDIR(mode):
        if not (folder_ok and (any(path.rglob("*.parquet")) or _any_x12(path))):
            why = "a folder, not a file" + (" (it holds no .parquet parts)" if folder_ok else "")
    elif not stat.S_ISREG(mode):
        why = "a device, FIFO or socket, not a file"
    elif not os.access(path, os.R_OK):
        why = "cannot be read (permission denied)"
    return why


def refuse(path: Path, why: str) -> TelekitError:
    return TelekitError(f"{path}: {why}; remove it or make it a readable file")


def find_table(directory: Path, table: str) -> Path | None:
    """DESIGN §4: the first of <table>.parquet, <table>/ (Parquet parts), <table>.csv,
    <table>.xlsx in DIR. An entry with one of these names that cannot be read (a broken link, a
    folder named like a file, a FIFO or device) is an error naming it, never taken as absent; a
    folder <table>/ without .parquet parts is not a table."""
    for candidate in (directory / f"{table}{suffix}" for suffix in DIR_SUFFIXES):
        if not (candidate.exists() or candidate.is_symlink()):
            continue
        if candidate.name == table and candidate.is_dir():
            if any(candidate.rglob("*.parquet")) or (table == "claims" and _any_x12(candidate)):
                return candidate
            continue
        why = unreadable(candidate, folder_ok=candidate.suffix == ".parquet")
        if why is not None:
            raise refuse(candidate, why)
        return candidate
    return None


def _any_x12(folder: Path) -> bool:
    """Whether ``folder`` holds a (non-hidden) file that starts as X12."""
    return any(
        _starts_x12(p)
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
