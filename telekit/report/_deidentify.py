"""Safe Harbor de-identification (45 CFR 164.514(b)(2); reference §11) of what telekit writes.

``Deidentifier`` holds one run's pseudonyms and applies them to every output:

- **Identifiers** (person, member, claim, original claim, encounter, payer claim control, check /
  trace and line control numbers, and finding_id, which is derived from the claim id) become
  random pseudonyms drawn with ``secrets`` — never a hash of the identifier — one per distinct
  value and kind, the same everywhere within the run (``CL-3f9a1c2b7d4e`` for a claim). The key
  (kind, pseudonym, original) is written to a file the caller keeps outside OUT.
- **Dates** related to a patient become their year: a ``Date`` column ``x_date`` becomes an
  ``Int32`` column ``x_year`` (``decided_at`` becomes ``decided_at_year``); in free text
  (messages, fixes, reasons, record keys) every known identifier is replaced as a literal,
  longest first (an id with a space, ``#``, a non-ASCII letter or a regex metacharacter alike,
  wherever it occurs), then ISO ``YYYY-MM-DD`` / ``YYYY-MM`` and US ``MM/DD/YYYY`` dates become
  the year.
- **File names** (which may hold a patient's name) keep only the table name and the extension:
  ``/home/x/Jane Doe claims.xlsx`` read as claims becomes ``claims.xlsx``.
- **Dropped**: reject values, audio-only reasons, reviewer notes.
- **Kept**: provider NPIs and names, states, payers, codes, amounts.

Everything is vectorised over whole frames (a join or ``replace`` against the key).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit._core import _columns as c
from telekit._core._exceptions import InputError
from telekit.report._cells import FORMULA_START, write_csv

#: identifier column → pseudonym kind
ID_COLUMNS: Final[dict[str, str]] = {
    "finding_id": "finding",
    c.CLAIM_ID: "claim",
    c.ORIGINAL_CLAIM_ID: "claim",
    c.PERSON_ID: "person",
    c.MEMBER_ID: "member",
    c.ENCOUNTER_ID: "encounter",
    c.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER: "payer_claim_control",
    c.PAYER_CLAIM_CONTROL_NUMBER: "payer_claim_control",
    c.CHECK_NUMBER: "check",
    c.LINE_CONTROL_NUMBER: "line_control",
}

#: pseudonym prefixes; the order is the priority when one value is known under several kinds
PREFIXES: Final[dict[str, str]] = {
    "claim": "CL",
    "encounter": "EN",
    "person": "PT",
    "member": "MB",
    "payer_claim_control": "PC",
    "line_control": "LC",
    "check": "CK",
    "finding": "FD",
}

#: free-text columns: identifiers replaced, dates reduced to the year
TEXT_COLUMNS: Final = ("message", "suggested_fix", "reason", "record_key")

#: a reject's record_key (DESIGN §4 "Rejects name the record") per table: the pattern whose
#: group 1 is an identifier, and its pseudonym kind (NPIs and remittance ids are kept)
RECORD_KEY_IDS: Final[dict[str, tuple[str, str]]] = {
    "claims": (r"^(.*):[^:]*$", "claim"),  # claim_id:claim_line_number
    "patient_payments": (r"^(.*)$", "claim"),  # claim_id
    "encounters": (r"^(.*)$", "encounter"),  # encounter_id
    "coverage": (r"^(.*):[^:]*:[^:]*$", "person"),  # person_id:payer:enrollment_start_date
}

#: columns whose values are dropped (set to null) in every output
DROPPED_COLUMNS: Final = ("value", c.AUDIO_ONLY_REASON, "note")

_HEX = 12  # 48 random bits per pseudonym
_CLAIM_MENTION = r"\bclaim ([\w#](?:[\w#\-:./]*[\w#])?)"  # \w: any script's letters
_ISO_DATE = r"\b((?:1[89]|2[0-9])[0-9]{2})-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?\b"
_US_DATE = r"\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12][0-9]|3[01])/((?:1[89]|2[0-9])[0-9]{2})\b"


def reduce_dates(text: pl.Expr) -> pl.Expr:
    """ISO ``2024-03-15`` / ``2024-03`` and US ``3/15/2024`` dates in ``text`` → ``2024``."""
    return text.str.replace_all(_ISO_DATE, "${1}").str.replace_all(_US_DATE, "${1}")


def reduce_dates_in(text: str) -> str:
    """``reduce_dates`` for one string (report text, a rule's page)."""
    out = pl.Series([text], dtype=pl.String).to_frame("t").select(reduce_dates(pl.col("t")))
    value = out.item()
    return str(value) if value is not None else text


def year_column(name: str) -> str:
    """The name a date column takes once reduced to its year."""
    return f"{name.removesuffix('_date')}_year" if name.endswith("_date") else f"{name}_year"


def _draw(kind: str, n: int, taken: set[str]) -> list[str]:
    """``n`` new random pseudonyms of ``kind``, distinct from each other and from ``taken``."""
    prefix = PREFIXES[kind]
    out: list[str] = []
    fresh: set[str] = set()
    while len(out) < n:
        p = f"{prefix}-{secrets.token_hex(_HEX // 2)}"
        if p not in taken and p not in fresh:
            fresh.add(p)
            out.append(p)
    return out


_KEY_SCHEMA = pl.Schema({"original": pl.String(), "pseudonym": pl.String()})


class Deidentifier:
    """One run's pseudonyms. Call the frame methods on every output, then write the key
    (``stage_key`` / ``write_key``) before any output is put in place."""

    def __init__(self) -> None:
        self._maps: dict[str, pl.DataFrame] = {
            k: pl.DataFrame(schema=_KEY_SCHEMA) for k in PREFIXES
        }
        self._taken: set[str] = set()
        self._combined: pl.DataFrame | None = None
        self._longest_first: pl.DataFrame | None = None

    @classmethod
    def from_key_file(cls, path: Path) -> Deidentifier:
        """A ``Deidentifier`` holding the key a previous run wrote to ``path`` (kind, pseudonym,
        original): the same values get the same pseudonyms again, new values new ones (never one
        already taken), so an engagement's pseudonyms stay stable month after month. A file that
        is not such a key is an ``InputError`` naming it (never a value of it)."""
        try:
            key = pl.read_csv(path, infer_schema=False)
        except (pl.exceptions.PolarsError, UnicodeDecodeError) as e:
            msg = f"{path}: not a pseudonym key (CSV kind,pseudonym,original) ({type(e).__name__})"
            raise InputError(msg) from None
        if key.columns != ["kind", "pseudonym", "original"]:
            msg = f"{path}: not a pseudonym key: expected the columns kind,pseudonym,original"
            raise InputError(msg)
        bad = key.filter(~pl.col("kind").is_in(list(PREFIXES)))
        if bad.height:
            kinds = ", ".join(PREFIXES)
            msg = f"{path}: row {_first_row(key)}: unknown pseudonym kind (expected {kinds})"
            raise InputError(msg)
        # write_csv put an apostrophe before a cell a spreadsheet would read as a formula
        unquote = pl.when(pl.col("original").str.slice(1).str.contains(FORMULA_START)).then(
            pl.col("original").str.strip_prefix("'")
        )
        key = key.with_columns(  # an empty original ("") may read back as null
            unquote.otherwise(pl.col("original")).fill_null("").alias("original")
        )
        if key.select(pl.struct("kind", "original").is_duplicated().any()).item():
            msg = f"{path}: not a pseudonym key: a value has two pseudonyms of one kind"
            raise InputError(msg)
        made = cls()
        for kind in PREFIXES:
            made._maps[kind] = key.filter(pl.col("kind") == kind).select("original", "pseudonym")
        made._taken.update(key.get_column("pseudonym").to_list())
        return made

    # --- the key ----------------------------------------------------------------------------

    def register(self, kind: str, values: pl.Series) -> None:
        """Give every new non-null value of ``values`` a pseudonym of ``kind``."""
        known = self._maps[kind]
        new = (
            values.cast(pl.String)
            .drop_nulls()
            .unique()
            .to_frame("original")
            .join(known, on="original", how="anti")
            .sort("original")
        )
        if new.height == 0:
            return
        drawn = _draw(kind, new.height, self._taken)
        self._taken.update(drawn)
        new = new.with_columns(pl.Series("pseudonym", drawn, dtype=pl.String))
        self._maps[kind] = pl.concat([known, new], how="vertical")
        self._combined = self._longest_first = None

    def register_frame(self, frame: pl.DataFrame | None) -> None:
        """Register every identifier column of ``frame`` (claims, encounters, coverage, ...)."""
        if frame is None:
            return
        for col, kind in ID_COLUMNS.items():
            if col in frame.columns:
                self.register(kind, frame.get_column(col))

    def key(self) -> pl.DataFrame:
        """kind, pseudonym, original — what re-identifies the outputs."""
        return pl.concat(
            [
                m.select(pl.lit(k).alias("kind"), "pseudonym", "original")
                for k, m in self._maps.items()
            ],
            how="vertical",
        )

    def write_key(self, path: Path) -> None:
        """The key as CSV (kind, pseudonym, original), readable by its owner only; written
        beside ``path`` and renamed into place (``stage_key``, then a rename)."""
        self.stage_key(path).replace(path)

    def stage_key(self, path: Path) -> Path:
        """The key written to a new temporary file beside ``path`` (mode 0600), returned for
        the caller to rename into place once the outputs are ready. A text cell starting with
        ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading apostrophe (as in every CSV)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                write_csv(self.key(), f)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def _all(self) -> pl.DataFrame:
        """original → pseudonym over every kind (the first kind in ``PREFIXES`` order wins)."""
        if self._combined is None:
            self._combined = pl.concat(list(self._maps.values()), how="vertical").unique(
                subset="original", keep="first", maintain_order=True
            )
        return self._combined

    def _patterns(self) -> pl.DataFrame:
        """original → pseudonym for replacing in free text: non-blank originals, longest
        first (with ``leftmost=True``, ``C10`` wins over ``C1`` where both start)."""
        if self._longest_first is None:
            m = self._all().filter(pl.col("original").str.strip_chars().str.len_chars() > 0)
            self._longest_first = m.sort(
                pl.col("original").str.len_chars(), pl.col("original"), descending=[True, False]
            )
        return self._longest_first

    # --- columns ----------------------------------------------------------------------------

    def _ids(self, frame: pl.DataFrame) -> pl.DataFrame:
        for col, kind in ID_COLUMNS.items():
            if col not in frame.columns:
                continue
            self.register(kind, frame.get_column(col))
            m = self._maps[kind]
            frame = frame.with_columns(
                pl.col(col)
                .cast(pl.String)
                .replace_strict(m.get_column("original"), m.get_column("pseudonym"), default=None)
            )
        return frame

    def text(self, values: pl.Series) -> pl.Series:
        """Free text with every known identifier (and any ``claim X`` mention with a digit)
        replaced by its pseudonym, and dates reduced to the year.

        Identifiers are replaced as literals, longest first, wherever they occur (Aho-Corasick,
        one pass: a pseudonym is never replaced again). An id found inside a longer word is
        replaced too: that may alter the word, but never leaves the id readable."""
        s = values.cast(pl.String)
        mentions = (
            s.str.extract_all(_CLAIM_MENTION)
            .explode()
            .drop_nulls()
            .str.replace(r"^claim ", "")
            .unique()
        )
        mentions = mentions.filter(
            mentions.str.contains(r"[0-9]") & ~mentions.str.contains(_ISO_DATE)
        )
        if mentions.len():
            known = self._all().get_column("original")
            self.register("claim", mentions.filter(~mentions.is_in(known.implode())))
        m = self._patterns()
        if m.height:
            s = s.str.replace_many(
                m.get_column("original").implode(),
                m.get_column("pseudonym").implode(),
                leftmost=True,
            )
        return s.to_frame("t").select(reduce_dates(pl.col("t"))).to_series().alias(values.name)

    def file_names(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Rejects' ``source_file`` → the table name and the file's extension."""
        if "source_file" not in frame.columns or "table" not in frame.columns:
            return frame
        ext = pl.col("source_file").str.extract(r"(\.[A-Za-z0-9]{1,8})$").fill_null("")
        return frame.with_columns(
            pl.when(pl.col("source_file").is_null())
            .then(None)
            .otherwise(pl.col("table") + ext)
            .alias("source_file")
        )

    def register_record_keys(self, frame: pl.DataFrame) -> None:
        """Register the identifiers inside rejects' ``record_key`` (a rejected row's claim,
        encounter or person may appear nowhere else), so the free-text pass replaces them."""
        if "record_key" not in frame.columns or "table" not in frame.columns:
            return
        for table, (pattern, kind) in RECORD_KEY_IDS.items():
            ids = (
                frame.filter(pl.col("table") == table)
                .get_column("record_key")
                .cast(pl.String)
                .str.extract(pattern, 1)
                .drop_nulls()
            )
            if ids.len():
                self.register(kind, ids.unique())

    def frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Any output frame: identifiers → pseudonyms, dates → years, free text cleaned,
        dropped columns nulled (reject ``value``) or removed (``note``, ``audio_only_reason``)."""
        self.register_record_keys(frame)
        frame = self.file_names(self._ids(frame))
        for col in TEXT_COLUMNS:
            if col in frame.columns:
                frame = frame.with_columns(self.text(frame.get_column(col)))
        for col in DROPPED_COLUMNS:
            if col in frame.columns:
                if col == "value":  # keep the rejects schema; the value itself is dropped
                    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(col))
                else:
                    frame = frame.drop(col)
        temporal = [
            col
            for col, dtype in frame.schema.items()
            if dtype == pl.Date or isinstance(dtype, pl.Datetime)
        ]
        return frame.with_columns(
            pl.col(col).dt.year().cast(pl.Int32).alias(year_column(col)) for col in temporal
        ).select([year_column(col) if col in temporal else col for col in frame.columns])

    def summary(self, summary: Mapping[str, Any]) -> dict[str, Any]:
        """summary.json: as_of → its year, rule reasons cleaned, file names → table name and
        extension (``source_name``), ``deidentified`` true."""
        out = dict(summary)
        as_of = out.get("as_of")
        if isinstance(as_of, str) and len(as_of) >= 4:
            out["as_of"] = as_of[:4]
        rules = [dict(r) for r in out.get("rules", [])]
        reasons = self.text(pl.Series([r.get("reason") for r in rules], dtype=pl.String))
        for r, reason in zip(rules, reasons.to_list(), strict=True):
            r["reason"] = reason
        out["rules"] = rules
        tables = out.get("tables")
        if isinstance(tables, Mapping):
            out["tables"] = {
                name: (
                    {**info, "source": source_name(name, info.get("source"))}
                    if isinstance(info, Mapping)
                    else info
                )
                for name, info in tables.items()
            }
        for name, info in (out.get("tables") or {}).items():
            if isinstance(info, dict) and isinstance(info.get("x12_issues"), Mapping):
                info["x12_issues"] = self._x12_issues(name, info["x12_issues"])
        if "policies_source" in out:
            out["policies_source"] = source_name("policies", out["policies_source"])
        out["reference"] = [_reference_entry(r) for r in out.get("reference") or []]
        out["deidentified"] = True
        return out

    def _x12_issues(self, table: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        """summary.json's X12 problems of a table: file names de-identified as the table's
        sources are (they may hold a patient's name), messages cleaned as free text."""
        issues = [dict(i) for i in entry.get("issues", [])]
        files = list(dict.fromkeys(str(i.get("file")) for i in issues))
        names = dict(zip(files, file_names(table, files), strict=True))
        messages = self.text(pl.Series([i.get("message") for i in issues], dtype=pl.String))
        for issue, message in zip(issues, messages.to_list(), strict=True):
            file = str(issue.get("file"))
            issue["file"] = names[file]
            issue["message"] = None if message is None else message.replace(file, names[file])
        return {**entry, "issues": issues}


def _reference_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A reference set used, de-identified as every other date and file name: dates reduced to
    their year (a release date may equal a patient's date of service), a given file's name
    replaced by its kind (a file name may hold anything)."""
    out = {k: reduce_dates_in(v) if isinstance(v, str) else v for k, v in entry.items()}
    if not entry.get("shipped", True):
        out["source"] = f"a {entry.get('kind', 'reference')} file given by the user"
    return out


def _file_name(table: str, path: str, n: int, of: int) -> str:
    suffix = Path(path).suffix
    return f"{table}-{n}{suffix}" if of > 1 else f"{table}{suffix}"


def file_names(table: str, paths: Sequence[str]) -> list[str]:
    """De-identified names of a table's files: ``claims.xlsx``; ``remittances-1.835``,
    ``remittances-2.835`` when there are several."""
    return [_file_name(table, p, i, len(paths)) for i, p in enumerate(paths, start=1)]


def source_name(table: str, source: Any) -> Any:
    """A summary's ``source`` (one path, or several joined by ``, ``) de-identified with
    ``file_names``; ``None``, ``<frame>`` and ``built-in`` are kept."""
    if not isinstance(source, str) or source in ("", "<frame>", "built-in"):
        return source
    return ", ".join(file_names(table, source.split(", ")))


def _first_row(key: pl.DataFrame) -> int:
    """The file row (header = 1) of the first unknown kind in ``key``."""
    index = key.with_row_index().filter(~pl.col("kind").is_in(list(PREFIXES)))
    return int(index.item(0, "index")) + 2


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (symlinks resolved)."""
    p, f = path.resolve(), folder.resolve()
    return p == f or p.is_relative_to(f)
