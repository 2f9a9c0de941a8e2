"""Safe Harbor de-identification (45 CFR 164.514(b)(2); reference §11) of what telekit writes.

``Deidentifier`` holds one run's pseudonyms and applies them to every output:

- **Identifiers** (person, member, claim, original claim, encounter, payer claim control, check /
  trace and line control numbers, and finding_id, which is derived from the claim id) become
  random pseudonyms drawn with ``secrets`` — never a hash of the identifier — one per distinct
  value and kind, the same everywhere within the run (``CL-3f9a1c2b7d4e`` for a claim). The key
  (kind, pseudonym, original) is written to a file the caller keeps outside OUT.
- **Dates** related to a patient become their year: a ``Date`` column ``x_date`` becomes an
  ``Int32`` column ``x_year`` (``decided_at`` becomes ``decided_at_year``); in free text
  (messages, fixes, reasons) ISO ``YYYY-MM-DD`` / ``YYYY-MM`` and US ``MM/DD/YYYY`` dates become
  the year, and identifiers are replaced token by token.
- **Dropped**: reject values, audio-only reasons, reviewer notes.
- **Kept**: provider NPIs and names, states, payers, codes, amounts.

Everything is vectorised over whole frames (a join or ``replace`` against the key).
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import polars as pl

from telekit import _columns as c

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
TEXT_COLUMNS: Final = ("message", "suggested_fix", "reason")

#: columns whose values are dropped (set to null) in every output
DROPPED_COLUMNS: Final = ("value", c.AUDIO_ONLY_REASON, "note")

_HEX = 12  # 48 random bits per pseudonym
_WORDS = r"[A-Za-z0-9](?:[A-Za-z0-9_\-:./]*[A-Za-z0-9])?|[^A-Za-z0-9]+"
_CLAIM_MENTION = r"\bclaim ([A-Za-z0-9](?:[A-Za-z0-9_\-:./]*[A-Za-z0-9])?)"
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
    """One run's pseudonyms. Call the frame methods on every output; ``write_key`` at the end."""

    def __init__(self) -> None:
        self._maps: dict[str, pl.DataFrame] = {
            k: pl.DataFrame(schema=_KEY_SCHEMA) for k in PREFIXES
        }
        self._taken: set[str] = set()
        self._combined: pl.DataFrame | None = None

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
        self._combined = None

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
        """The key as CSV (kind, pseudonym, original), readable by its owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(("kind", "pseudonym", "original"))
            writer.writerows(self.key().iter_rows())
        path.chmod(0o600)

    def _all(self) -> pl.DataFrame:
        """original → pseudonym over every kind (the first kind in ``PREFIXES`` order wins)."""
        if self._combined is None:
            self._combined = pl.concat(list(self._maps.values()), how="vertical").unique(
                subset="original", keep="first", maintain_order=True
            )
        return self._combined

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
        replaced by its pseudonym, and dates reduced to the year."""
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
        m = self._all()
        replaced = (
            s.str.extract_all(_WORDS)
            .list.eval(pl.element().replace(m.get_column("original"), m.get_column("pseudonym")))
            .list.join("")
        )
        both = pl.DataFrame({"s": s, "r": replaced})
        out = both.select(
            pl.when(pl.col("s").is_null()).then(None).otherwise(reduce_dates(pl.col("r")))
        ).to_series()
        return out.alias(values.name)

    def frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Any output frame: identifiers → pseudonyms, dates → years, free text cleaned,
        dropped columns nulled (reject ``value``) or removed (``note``, ``audio_only_reason``)."""
        frame = self._ids(frame)
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
        """summary.json: as_of → its year, rule reasons cleaned, ``deidentified`` true."""
        out = dict(summary)
        as_of = out.get("as_of")
        if isinstance(as_of, str) and len(as_of) >= 4:
            out["as_of"] = as_of[:4]
        rules = [dict(r) for r in out.get("rules", [])]
        reasons = self.text(pl.Series([r.get("reason") for r in rules], dtype=pl.String))
        for r, reason in zip(rules, reasons.to_list(), strict=True):
            r["reason"] = reason
        out["rules"] = rules
        out["deidentified"] = True
        return out


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (symlinks resolved)."""
    p, f = path.resolve(), folder.resolve()
    return p == f or p.is_relative_to(f)
