"""Writing a sample practice to a directory (DESIGN.md §4 ``telekit sample``).

Tables are written chunk by chunk: CSV files are appended to, Parquet rows are buffered and
flushed as ``<table>/part-00000.parquet`` … parts of ``PART_ROWS`` rows once a table grows past
that, else written as one ``<table>.parquet``. The output is byte-for-byte deterministic for a
given (seed, size, format).
"""

from __future__ import annotations

import shutil
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

import polars as pl

from telekit._core import _columns as col
from telekit.sample import _model as m
from telekit.x12 import _write as x12

if TYPE_CHECKING:
    from telekit.sample._assemble import Chunk

PART_ROWS = 2_000_000
TABLES = (
    "claims", "encounters", "coverage", "providers", "remittances", "adjustments",
    "patient_payments",
)  # fmt: skip
Format = Literal["csv", "parquet"]


class TableWriter:
    """Appends frames of one table to ``<table>.csv`` or to Parquet (one file or parts)."""

    def __init__(self, out_dir: Path, name: str, fmt: Format, schema: pl.Schema) -> None:
        self.out_dir, self.name, self.fmt, self.schema = out_dir, name, fmt, schema
        self.rows = 0
        self._buffer: list[pl.DataFrame] = []
        self._buffered = 0
        self._parts = 0
        self._csv: IO[bytes] | None = None
        _remove_previous(out_dir, name)

    def add(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if self.fmt == "csv":
            if self._csv is None:
                self._csv = (self.out_dir / f"{self.name}.csv").open("wb")
                frame.write_csv(self._csv, include_header=True)
            elif frame.height:
                frame.write_csv(self._csv, include_header=False)
            return
        self._buffer.append(frame)
        self._buffered += frame.height
        while self._buffered >= PART_ROWS and self._buffered > 0:
            whole = pl.concat(self._buffer)
            self._write_part(whole.head(PART_ROWS))
            rest = whole.slice(PART_ROWS)
            self._buffer, self._buffered = [rest], rest.height
            if rest.height == 0:
                break

    def close(self) -> int:
        if self.fmt == "csv":
            if self._csv is None:
                self.add(pl.DataFrame(schema=self.schema))
            assert self._csv is not None
            self._csv.close()
            return self.rows
        whole = pl.concat(self._buffer) if self._buffer else pl.DataFrame(schema=self.schema)
        if self._parts == 0:
            whole.write_parquet(self.out_dir / f"{self.name}.parquet")
        elif whole.height:
            self._write_part(whole)
        return self.rows

    def _write_part(self, frame: pl.DataFrame) -> None:
        folder = self.out_dir / self.name
        folder.mkdir(exist_ok=True)
        frame.write_parquet(folder / f"part-{self._parts:05d}.parquet")
        self._parts += 1


class X12Files:
    """The practice as X12: ``x12/claims.837``, ``x12/remittances.835``, ``x12/eligibility.271``
    (``telekit.x12._write``). Each chunk is written as it comes, as one interchange with control
    number chunk + 1 appended to each file (a file of several ``ISA``/``IEA`` envelopes, as a
    clearinghouse batch holds), so memory stays bounded for any size; a practice of one chunk
    gives files of one interchange."""

    FILES = ("claims.837", "remittances.835", "eligibility.271")

    def __init__(self, out_dir: Path, providers: pl.DataFrame) -> None:
        self.folder, self.providers = out_dir / "x12", providers
        self.chunks = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in self.FILES:
            (self.folder / name).write_bytes(b"")

    def add(self, chunk: Chunk) -> None:
        control = self.chunks + 1
        payer_types = dict(
            chunk.claims.select(col.PAYER, col.PAYER_TYPE)
            .unique(col.PAYER, keep="first", maintain_order=True)
            .iter_rows()
        )
        piece = {name: self.folder / f".{name}.part" for name in self.FILES}
        x12.write_837p(
            chunk.claims,
            piece["claims.837"],
            providers=self.providers,
            control_number=control,
        )
        x12.write_835(
            (chunk.remittances, chunk.adjustments),
            piece["remittances.835"],
            payer_types=payer_types,
            control_number=control,
        )
        x12.write_271(
            chunk.coverage, piece["eligibility.271"], created=m.AS_OF, control_number=control
        )
        for name, path in piece.items():
            with (self.folder / name).open("ab") as target, path.open("rb") as source:
                shutil.copyfileobj(source, target)
            path.unlink()
        self.chunks += 1

    def close(self) -> None:
        """Nothing is left to write (kept so that writers share one shape)."""


def _remove_previous(out_dir: Path, name: str) -> None:
    """Remove this table's files from an earlier ``telekit sample`` run in the same directory."""
    for suffix in (".csv", ".parquet"):
        (out_dir / f"{name}{suffix}").unlink(missing_ok=True)
    folder = out_dir / name
    if folder.is_dir():
        for part in folder.glob("part-*.parquet"):
            part.unlink()


def sample_toml(*, seed: int, size: int, fmt: str, rows: dict[str, int], version: str) -> str:
    lines = [
        "# telekit sample: a synthetic telehealth practice with planted defects",
        f"seed = {seed}",
        f"size = {size}",
        f'format = "{fmt}"',
        f"as_of = {m.AS_OF.isoformat()}",
        f'telekit_version = "{version}"',
        "",
        "[rows]",
        *(f"{name} = {count}" for name, count in rows.items()),
        "",
    ]
    text = "\n".join(lines)
    tomllib.loads(text)  # always valid TOML
    return text


# codes the practice bills, per payer family (expected fees are listed for these)
FEE_CODES_ALL = (
    "99202", "99203", "99204", "99205", "99212", "99213", "99214", "99215",
    "90785", "90791", "90792", "90832", "90833", "90834", "90836", "90837",
    "99421", "99422", "99423", "98970", "98971", "98972", "G2252",
    "99453", "99454", "99457", "99458", "98975", "98977", "98980", "98981",
    "97802", "97803", "92507",
)  # fmt: skip
FEE_CODES_MEDICARE = ("G2211", "G2212", "G2012", "98016", "Q3014")
#: the first DOS of Medicare's expected fees: the shipped fee-schedule releases end 2024-12-31
MEDICARE_FEES_FROM = date(2025, 1, 1)
FEE_CODES_OTHERS = ("99417", "G2012", "98016", *m.CPT_TELEMEDICINE)


def expected_fees_toml() -> str:
    """``[[fee]]`` tables: the allowed amount each payer's contract sets per code, dated where a
    contract changed (``m.FEE_CHANGES``). Medicare's fees start where the shipped fee-schedule
    releases stop (2025-01-01): before, the audit prices Medicare lines by the fee schedule."""
    out = [
        "# Expected allowed amounts per payer and code (contracted fee schedules), per unit.",
        "# A fee applies from its start to its end date (both inclusive; absent: always).",
        "# Medicare lines before 2025 are priced by the shipped Medicare fee schedule",
        "# (policies.toml [medicare] locality), so Medicare's fees here start in 2025.",
        "",
    ]
    for payer, info in m.PAYERS.items():
        if info.payer_type == "self_pay":
            continue
        extra = FEE_CODES_MEDICARE if info.payer_type in m.MEDICARE_LIKE else FEE_CODES_OTHERS
        change = m.FEE_CHANGES.get(payer)
        periods: list[tuple[date | None, date | None, date | None]] = (
            [(None, change[0] - timedelta(days=1), None), (change[0], None, change[0])]
            if change
            else [(MEDICARE_FEES_FROM if info.payer_type == "medicare" else None, None, None)]
        )
        for start, end, priced_on in periods:
            for code in (*FEE_CODES_ALL, *extra):
                cents = m.expected_allowed(payer, code, priced_on)
                out += [
                    "[[fee]]",
                    f'payer = "{payer}"',
                    f'hcpcs_code = "{code}"',
                    f"expected_allowed = {cents // 100}.{cents % 100:02d}",
                    *([f"start = {start.isoformat()}"] if start else []),
                    *([f"end = {end.isoformat()}"] if end else []),
                    "",
                ]
    for (payer, code, modifier), cents in m.MODIFIER_FEES.items():
        out += [
            "[[fee]]",
            f'payer = "{payer}"',
            f'hcpcs_code = "{code}"',
            f'modifier = "{modifier}"',
            f"expected_allowed = {cents // 100}.{cents % 100:02d}",
            "",
        ]
    return "\n".join(out)
