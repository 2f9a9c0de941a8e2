"""What a claim line should be paid: the payer's dated expected fee, else, for Medicare, the
physician fee schedule (DESIGN §3 "Expected fees", §4 "Medicare fee schedule").

``price_lines`` is the one pricing function: the findings' exposure amounts and
``metrics.underpayment`` both read it.

Medicare fee schedule, for a line with payer_type ``medicare``:

    expected_allowed = [(work RVU × work GPCI) + (PE RVU × PE GPCI) + (MP RVU × MP GPCI)]
                       × conversion factor × units, rounded to cents (half up)

- **Release**: the last release (shipped first, then given) whose DOS range holds the DOS; from
  2026 a release published for one kind of clinician (qualifying APM participants or not) is
  used only for the practice's kind (``[medicare] qualifying_apm``). No release: not priced.
- **RVU row**: the code's row with the line's first pricing modifier (26, TC, 53) when the
  release has one, else its unmodified row. Only payable statuses (A, R, T) are priced: a code
  CMS prices locally (C), bundles (B) or does not pay (I, N, X, E …) has no amount.
- **PE RVU**: facility when CMS's POS table prices the POS as a facility (02, 06, 08, 19,
  21–24, 26, 31, 34, 41, 42, 51–53, 56, 61), non-facility otherwise (10, 11, 12 …). From
  2020-03-01 to 2023-12-31 Medicare paid telehealth billed with POS 02 or 10 at the facility
  rate (the in-person POS + 95 was paid the non-facility rate).
- **GPCIs**: with the practice's locality (``[medicare] locality`` or ``locality=``), the GPCI
  file of the DOS year, else the nearest earlier one, else the earliest; without a locality, the
  national amounts (every GPCI 1.0).

Arithmetic is in integers (RVU × 100, GPCI × 1000, conversion factor × 10,000, units × 1000),
so no intermediate rounding: polars' Decimal products round to the operands' scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from telekit._core import _columns as c
from telekit.codesets import FeeScheduleRelease, GpciFile
from telekit.codesets import _fee_schedule as fs

ROW = "_row"

#: the Medicare fee-schedule amount of the line as billed (null when not priced)
EXPECTED_ALLOWED = "expected_allowed"
#: the same code priced at the facility / non-facility rate (for the underpayment of PS002/PS004)
PFS_FACILITY = "pfs_facility"
PFS_NON_FACILITY = "pfs_non_facility"
#: the payer's dated expected fee for the line (× units), null when none matches
EXPECTED_FEE = "expected_fee"
#: the fee-schedule release that priced the line
PFS_RELEASE = "pfs_release"

PRICED_COLUMNS = (EXPECTED_ALLOWED, PFS_FACILITY, PFS_NON_FACILITY, EXPECTED_FEE, PFS_RELEASE)

PAYABLE_STATUSES = ("A", "R", "T")
PRICING_MODIFIERS = ("26", "TC", "53")
#: CMS POS database: the places of service priced at the facility rate
FACILITY_POS = (
    "02", "06", "08", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52",
    "53", "56", "61",
)  # fmt: skip
TELEHEALTH_FACILITY_RATE = (dt.date(2020, 3, 1), dt.date(2023, 12, 31))

QUALIFYING, NON_QUALIFYING = "qualifying", "non_qualifying"

_RVU_SCALE, _GPCI_SCALE, _CF_SCALE, _UNIT_SCALE = 100, 1000, 10_000, 1000
_TO_CENTS = _RVU_SCALE * _GPCI_SCALE * _CF_SCALE * _UNIT_SCALE // 100
_INT = pl.Int128


@dataclass(frozen=True)
class Pricing:
    """What prices a line: fee-schedule releases, GPCI files, the practice's locality, whether
    it is a qualifying APM participant, and the payers' dated expected fees (payer key,
    hcpcs_code, modifier, expected_allowed, start, end), or None."""

    fee_schedules: tuple[FeeScheduleRelease, ...] = ()
    gpci: tuple[GpciFile, ...] = ()
    locality: str | None = None
    qualifying_apm: bool = False
    expected_fees: pl.DataFrame | None = None


def _scaled(col: str, scale: int) -> pl.Expr:
    return (pl.col(col) * scale).cast(_INT)


def _cents_to_money(cents: pl.Expr) -> pl.Expr:
    """Integer cents as ``Decimal(12, 2)``, exactly: the cents times 0.01 (a product whose scale
    is the operands', so nothing is rounded), then cast to money (an amount beyond it is an
    error). A negative amount (negative units) is read as itself: -10001 cents is -100.01."""
    return (
        (cents.cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.01"), dtype=pl.Decimal(38, 2)))
        .cast(c.MONEY)
        .alias("_money")
    )


def _release_of_dos(dates: pl.Series, pricing: Pricing) -> pl.DataFrame:
    """DOS → the index of the release that prices it (null: none)."""
    usable = [
        (i, r)
        for i, r in enumerate(pricing.fee_schedules)
        if r.apm is None or r.apm == (QUALIFYING if pricing.qualifying_apm else NON_QUALIFYING)
    ]
    frame = pl.DataFrame({"_dos": dates.unique().drop_nulls()}, schema={"_dos": pl.Date})
    if not usable:
        return frame.with_columns(pl.lit(None, dtype=pl.Int32).alias("_release"))
    table = pl.DataFrame(
        {
            "_release": [i for i, _ in usable],
            "_start": [r.valid_start_date for _, r in usable],
            "_end": [r.valid_end_date for _, r in usable],
        },
        schema={"_release": pl.Int32, "_start": pl.Date, "_end": pl.Date},
    )
    found = (
        frame.join(table, how="cross")
        .filter(pl.col("_dos").is_between(pl.col("_start"), pl.col("_end")))
        .group_by("_dos")
        .agg(pl.col("_release").max())
    )
    return frame.join(found, on="_dos", how="left")


def _rvu_rows(pricing: Pricing) -> pl.DataFrame:
    """Every release's payable RVU rows with its index and its GPCI'd amounts per unit:
    ``_release``, hcpcs_code, modifier, ``_fac_rvu`` / ``_nonfac_rvu`` (GPCI-weighted RVU
    sums × 10^5, national) and the parts needed to apply a locality's GPCIs."""
    parts = [
        r.rvu.filter(pl.col(fs.STATUS).is_in(PAYABLE_STATUSES)).select(
            pl.lit(i, dtype=pl.Int32).alias("_release"),
            pl.lit(r.valid_start_date.year, dtype=pl.Int32).alias("_year"),
            c.HCPCS_CODE,
            pl.col(fs.MODIFIER).alias("_pfs_modifier"),
            _scaled(fs.WORK_RVU, _RVU_SCALE).alias("_work"),
            _scaled(fs.FACILITY_PE_RVU, _RVU_SCALE).alias("_pe_fac"),
            _scaled(fs.NON_FACILITY_PE_RVU, _RVU_SCALE).alias("_pe_nonfac"),
            _scaled(fs.MP_RVU, _RVU_SCALE).alias("_mp"),
            _scaled(fs.CONVERSION_FACTOR, _CF_SCALE).alias("_cf"),
        )
        for i, r in enumerate(pricing.fee_schedules)
    ]
    if not parts:
        return pl.DataFrame(
            schema={
                "_release": pl.Int32,
                "_year": pl.Int32,
                c.HCPCS_CODE: pl.String,
                "_pfs_modifier": pl.String,
                **dict.fromkeys(("_work", "_pe_fac", "_pe_nonfac", "_mp", "_cf"), _INT),
            }
        )
    return pl.concat(parts)


def _gpci_of_year(pricing: Pricing, years: list[int]) -> pl.DataFrame:
    """``_year`` → the locality's three GPCIs × 1000 (national: 1000 each)."""
    one = _GPCI_SCALE
    if pricing.locality is None or not pricing.gpci:
        return pl.DataFrame(
            {"_year": years, "_wg": [one] * len(years), "_pg": [one] * len(years),
             "_mg": [one] * len(years)},
            schema={"_year": pl.Int32, "_wg": _INT, "_pg": _INT, "_mg": _INT},
        )  # fmt: skip
    files = sorted(pricing.gpci, key=lambda g: g.year)
    rows = []
    for year in years:
        earlier = [g for g in files if g.year <= year]
        chosen = earlier[-1] if earlier else files[0]
        row = locality_row(chosen, pricing.locality)
        rows.append(
            {
                "_year": year,
                "_wg": int(row[fs.WORK_GPCI] * one),
                "_pg": int(row[fs.PE_GPCI] * one),
                "_mg": int(row[fs.MP_GPCI] * one),
            }
        )
    return pl.DataFrame(rows, schema={"_year": pl.Int32, "_wg": _INT, "_pg": _INT, "_mg": _INT})


def locality_row(gpci: GpciFile, locality: str) -> dict[str, Any]:
    """The GPCI row of ``locality`` (MAC + locality, 7 digits) in ``gpci``; a ``ValueError``
    naming the locality and the file when the file does not have it."""
    mac, number = locality[:5], locality[5:]
    found = gpci.table.filter((pl.col(fs.MAC) == mac) & (pl.col(fs.LOCALITY) == number))
    if found.height != 1:
        msg = (
            f"Medicare locality {locality!r} (MAC {mac}, locality {number}) is not in the "
            f"CY{gpci.year} GPCI file ({gpci.source}); use the MAC and locality numbers of "
            "that file, e.g. 0111205 (MAC 01112, locality 05)"
        )
        raise ValueError(msg)
    return found.row(0, named=True)


def _expected_fees(lines: pl.DataFrame, fees: pl.DataFrame) -> pl.DataFrame:
    """``_row`` → the line's expected fee × units: the fee of its payer and code, dated to hold
    the DOS, whose modifier is one of the line's (the first in hcpcs_modifier_1..4 order), else
    the one with no modifier."""
    # the candidates carry the line's modifiers (no join back to the lines on _row), in the
    # lines' order
    candidates = lines.select(
        ROW, "_payer", c.HCPCS_CODE, c.CLAIM_LINE_START_DATE, "_units", *c.MODIFIERS
    ).join(
        fees.rename({c.PAYER: "_payer"}),
        on=["_payer", c.HCPCS_CODE],
        how="inner",
        maintain_order="left",
    )
    dated = candidates.filter(
        (pl.col("start").is_null() | (pl.col(c.CLAIM_LINE_START_DATE) >= pl.col("start")))
        & (pl.col("end").is_null() | (pl.col(c.CLAIM_LINE_START_DATE) <= pl.col("end")))
    )
    rank = (
        pl.when(pl.col("modifier").is_null())
        .then(pl.lit(9))
        .otherwise(
            pl.coalesce(
                *(
                    pl.when(
                        pl.col(m).str.strip_chars().str.to_uppercase() == pl.col("modifier")
                    ).then(pl.lit(i))
                    for i, m in enumerate(c.MODIFIERS)
                )
            )
        )
    )
    # each line's best fee: the lowest rank (one fee per payer, code, modifier and day: the
    # loader refuses overlapping dates), first in (_row, rank) order; the candidates usually
    # are in it already (one per line, lines in _row order), and then need no sort
    ranked = dated.select(
        ROW,
        "_units",
        "expected_allowed",
        (pl.col(ROW).cast(pl.UInt64) * 16 + rank.cast(pl.UInt64)).alias("_rank"),
    ).filter(pl.col("_rank").is_not_null())
    if not ranked.get_column("_rank").is_sorted():
        ranked = ranked.sort("_rank")
    best = ranked.filter((pl.col(ROW) != pl.col(ROW).shift(1)).fill_null(True))
    cents = (_scaled("expected_allowed", 100) * pl.col("_units") + _UNIT_SCALE // 2) // _UNIT_SCALE
    return best.select(ROW, _cents_to_money(cents).alias(EXPECTED_FEE))


def _per_payer(lines: pl.DataFrame, payer_key: pl.Expr) -> pl.Expr:
    """``payer_key`` (an expression of the payer alone) computed once per distinct payer (a
    few), then looked up for each line: not a trim, upper-case and alias mapping per line."""
    payers = lines.get_column(c.PAYER).unique().drop_nulls()
    keys = pl.DataFrame({c.PAYER: payers}).select(payer_key).to_series()
    return pl.col(c.PAYER).replace_strict(payers, keys, default=None, return_dtype=keys.dtype)


def price_lines(lines: pl.DataFrame, pricing: Pricing, payer_key: pl.Expr) -> pl.DataFrame:
    """``_row`` and ``PRICED_COLUMNS`` for every row of ``lines`` (canonical claim lines with
    ``_row``), in ``lines``' order: expected_allowed (Medicare lines as billed), pfs_facility and
    pfs_non_facility (the same code at either rate), expected_fee, pfs_release.

    ``payer_key`` (an expression of the payer column alone) turns the lines' payer into the key
    the expected fees use (the policies' ``payer_key()``)."""
    units = (
        pl.col(c.SERVICE_UNIT_QUANTITY).fill_null(1).cast(pl.Decimal(18, 3)) * _UNIT_SCALE
    ).cast(_INT)
    base = lines.select(
        ROW,
        c.CLAIM_LINE_START_DATE,
        c.HCPCS_CODE,
        c.PAYER_TYPE,
        c.PLACE_OF_SERVICE_CODE,
        *c.MODIFIERS,
        c.PAYER,
        c.SERVICE_UNIT_QUANTITY,
    )
    out = base.select(ROW)
    # --- the Medicare physician fee schedule (the units scaled on the lines priced only)
    medicare = (
        base.filter(pl.col(c.PAYER_TYPE) == "medicare")
        .drop(c.PAYER)
        .with_columns(units.alias("_units"))
    )
    rvu = _rvu_rows(pricing)
    releases = _release_of_dos(medicare.get_column(c.CLAIM_LINE_START_DATE), pricing)
    pricing_modifier = pl.coalesce(
        *(
            pl.when(pl.col(m).str.strip_chars().str.to_uppercase().is_in(PRICING_MODIFIERS)).then(
                pl.col(m).str.strip_chars().str.to_uppercase()
            )
            for m in c.MODIFIERS
        )
    )
    dos = pl.col(c.CLAIM_LINE_START_DATE)
    facility = pl.col(c.PLACE_OF_SERVICE_CODE).is_in(FACILITY_POS) | (
        pl.col(c.PLACE_OF_SERVICE_CODE).is_in(["02", "10"])
        & dos.is_between(*TELEHEALTH_FACILITY_RATE)
    )
    keyed = (
        medicare.join(releases, left_on=c.CLAIM_LINE_START_DATE, right_on="_dos", how="left")
        .with_columns(pricing_modifier.alias("_pfs_modifier"), facility.alias("_facility"))
        .filter(pl.col("_release").is_not_null())
    )
    with_mod = keyed.join(rvu, on=["_release", c.HCPCS_CODE, "_pfs_modifier"], how="inner")
    plain = keyed.join(
        rvu.filter(pl.col("_pfs_modifier").is_null()).drop("_pfs_modifier"),
        on=["_release", c.HCPCS_CODE],
        how="inner",
    ).join(with_mod.select(ROW), on=ROW, how="anti")
    priced = pl.concat([with_mod, plain.select(with_mod.columns)])
    gpci = _gpci_of_year(pricing, sorted(set(priced.get_column("_year").to_list())))
    priced = priced.join(gpci, on="_year", how="left")

    def amount(pe: str) -> pl.Expr:
        rvus = (
            pl.col("_work") * pl.col("_wg")
            + pl.col(pe) * pl.col("_pg")
            + pl.col("_mp") * pl.col("_mg")
        )
        scaled = rvus * pl.col("_cf") * pl.col("_units")
        return _cents_to_money((scaled + _TO_CENTS // 2) // _TO_CENTS)

    # each rate converted once; the line's amount is the one its place of service takes
    priced = priced.select(
        ROW,
        "_facility",
        amount("_pe_fac").alias(PFS_FACILITY),
        amount("_pe_nonfac").alias(PFS_NON_FACILITY),
        pl.col("_release")
        .replace_strict(
            list(range(len(pricing.fee_schedules))),
            [r.release for r in pricing.fee_schedules],
            return_dtype=pl.String,
        )
        .alias(PFS_RELEASE),
    )
    priced = priced.select(
        ROW,
        pl.when(pl.col("_facility"))
        .then(pl.col(PFS_FACILITY))
        .otherwise(pl.col(PFS_NON_FACILITY))
        .alias(EXPECTED_ALLOWED),
        PFS_FACILITY,
        PFS_NON_FACILITY,
        PFS_RELEASE,
    )
    out = out.join(priced, on=ROW, how="left", maintain_order="left")
    # --- the payers' expected fees
    if pricing.expected_fees is not None and pricing.expected_fees.height:
        # the payer key (trimmed, upper-cased, aliased) only where expected fees are given
        keyed_lines = base.with_columns(
            _per_payer(base, payer_key).alias("_payer"), units.alias("_units")
        )
        fees = _expected_fees(keyed_lines, pricing.expected_fees)
        out = out.join(fees, on=ROW, how="left", maintain_order="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=c.MONEY).alias(EXPECTED_FEE))
    return out.select(ROW, *PRICED_COLUMNS)
