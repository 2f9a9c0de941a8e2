"""What Medicare allows the sample practice under the physician fee schedule (DESIGN §4 "Medicare
fee schedule"), for the DOS the shipped releases cover.

Computed here with Python ``Decimal`` from the shipped RVU rows (``telekit.codesets.pfs_rvu``)
and the practice's locality's GPCIs (``telekit.codesets.gpci``), independently of the engine's
pricing (``telekit._engine._pricing``): the remittances are the data the audit is checked
against.

    allowed = [(work RVU × work GPCI) + (PE RVU × PE GPCI) + (MP RVU × MP GPCI)] × CF × units,
    rounded to cents (half up) after multiplying by units.

The facility PE RVU applies to the facility places of service of CMS's POS table, and to POS 02
and 10 from 2020-03-01 to 2023-12-31; the row is the one of the line's first 26/TC/53 modifier
when the release has it, else the unmodified row; only statuses A, R and T are priced.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import polars as pl

from telekit import codesets
from telekit.sample import _model as m

#: the practice's Medicare locality (MAC 13202, locality 01: Manhattan)
LOCALITY = m.MEDICARE_LOCALITY
#: the shipped releases and the DOS each prices (both inclusive)
RELEASES: tuple[tuple[str, date, date], ...] = (
    ("2023-01", date(2023, 1, 1), date(2023, 12, 31)),
    ("2024-07", date(2024, 3, 9), date(2024, 12, 31)),
)
FACILITY_POS = (
    "02", "06", "08", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52",
    "53", "56", "61",
)  # fmt: skip
TELEHEALTH_FACILITY = (date(2020, 3, 1), date(2023, 12, 31))
PRICING_MODIFIERS = ("26", "TC", "53")
PAYABLE = ("A", "R", "T")
#: the per-unit amount is kept exactly, in units of 10^-9 dollars (RVU 2 × GPCI 3 × CF 4 places)
NANO = 10**9


@functools.cache
def gpcis(locality: str = LOCALITY) -> tuple[Decimal, Decimal, Decimal]:
    """The locality's work, PE and MP GPCIs in the shipped CY2024 GPCI file."""
    row = (
        codesets.gpci()
        .filter(pl.col("mac") == locality[:5], pl.col("locality") == locality[5:])
        .row(0, named=True)
    )
    return Decimal(row["work_gpci"]), Decimal(row["pe_gpci"]), Decimal(row["mp_gpci"])


def per_unit(rvu: dict[str, object], *, facility: bool, locality: str = LOCALITY) -> Decimal:
    """The exact (unrounded) amount of one unit of an RVU row."""
    wg, pg, mg = gpcis(locality)
    pe = rvu["facility_pe_rvu" if facility else "non_facility_pe_rvu"]
    total = (
        Decimal(str(rvu["work_rvu"])) * wg
        + Decimal(str(pe)) * pg
        + Decimal(str(rvu["mp_rvu"])) * mg
    )
    return total * Decimal(str(rvu["conversion_factor"]))


def cents(amount: Decimal, units: int = 1) -> int:
    """``amount × units`` in cents, half up."""
    return int((amount * units * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


@functools.cache
def table(codes: tuple[str, ...]) -> pl.DataFrame:
    """The payable RVU rows of ``codes``, priced per unit at both rates: release, code,
    pfs_modifier (null: the unmodified row), facility (bool), nano (Int64, 10^-9 $)."""
    rows: list[tuple[str, str, str | None, bool, int]] = []
    for release, _, _ in RELEASES:
        rvu = codesets.pfs_rvu(release).filter(
            pl.col("hcpcs_code").is_in(list(codes)), pl.col("status").is_in(PAYABLE)
        )
        for row in rvu.iter_rows(named=True):
            for facility in (False, True):
                nano = per_unit(row, facility=facility) * NANO
                assert nano == nano.to_integral_value()
                rows.append((release, row["hcpcs_code"], row["modifier"], facility, int(nano)))
    return pl.DataFrame(
        rows,
        schema={
            "release": pl.String,
            "code": pl.String,
            "pfs_modifier": pl.String,
            "facility": pl.Boolean,
            "nano": pl.Int64,
        },
        orient="row",
    )


def allowed_cents(lines: pl.DataFrame) -> pl.Series:
    """The fee-schedule allowed amount (cents, Int64; null when not priced) of each row of
    ``lines`` (columns payer_type, dos, code, pos, m1..m4, units), in order."""
    dos = pl.col("dos")
    release = pl.lit(None, pl.String)
    for name, start, end in reversed(RELEASES):
        release = pl.when(dos.is_between(start, end)).then(pl.lit(name)).otherwise(release)
    modifier = pl.coalesce(
        *(
            pl.when(pl.col(f"m{i}").is_in(PRICING_MODIFIERS)).then(pl.col(f"m{i}"))
            for i in range(1, 5)
        )
    )
    facility = pl.col("pos").is_in(FACILITY_POS) | (
        pl.col("pos").is_in(["02", "10"]) & dos.is_between(*TELEHEALTH_FACILITY)
    )
    keyed = lines.select(
        pl.int_range(pl.len()).alias("_i"),
        pl.when(pl.col("payer_type") == "medicare").then(release).alias("release"),
        pl.col("code"),
        modifier.alias("pfs_modifier"),
        facility.alias("facility"),
        pl.col("units").cast(pl.Int64).alias("_units"),
    )
    rates = table(tuple(sorted(lines.get_column("code").drop_nulls().unique().to_list())))
    priced = keyed.join(
        rates.rename({"nano": "_nano_mod"}),
        on=["release", "code", "pfs_modifier", "facility"],
        how="left",
        maintain_order="left",
    ).join(
        rates.filter(pl.col("pfs_modifier").is_null()).drop("pfs_modifier"),
        on=["release", "code", "facility"],
        how="left",
        maintain_order="left",
    )
    nano = pl.coalesce("_nano_mod", "nano") * pl.col("_units")
    return priced.sort("_i").select(((nano + NANO // 200) // (NANO // 100)).alias("pfs"))["pfs"]
