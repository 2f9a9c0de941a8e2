"""What a run prices lines with (``telekit._engine._pricing.Pricing``), from what the audit was
given: the reference sets, the policies' ``[medicare]`` settings, a locality given on the
command line, and the payers' expected fees."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import polars as pl

from telekit._core._exceptions import InputError
from telekit._engine._pricing import Pricing, locality_row
from telekit._engine._reference import Reference
from telekit._policies._expected_fees import (
    EXPECTED_FEES_SCHEMA,
    load_expected_fees,
)
from telekit._policies._model import Policies

ExpectedFeesInput = pl.DataFrame | str | os.PathLike[str] | Mapping[str, Any]


def expected_fees_frame(
    source: ExpectedFeesInput | None, policies: Policies
) -> pl.DataFrame | None:
    """The expected fees as ``load_expected_fees`` returns them (payer through the policies'
    aliases), or None."""
    if source is None:
        return None
    if isinstance(source, pl.DataFrame):
        missing = [n for n in EXPECTED_FEES_SCHEMA.names() if n not in source.columns]
        missing = [n for n in missing if n not in ("start", "end")]
        if missing:
            msg = (
                f"expected_fees: column {', '.join(missing)} is missing (found: "
                f"{', '.join(source.columns)}); build it with tk.load_expected_fees(...)"
            )
            raise InputError(msg)
        frame = source.with_columns(
            *(
                pl.lit(None, dtype=pl.Date).alias(n)
                for n in ("start", "end")
                if n not in source.columns
            )
        )
        return (
            frame.select(EXPECTED_FEES_SCHEMA.names())
            .cast(EXPECTED_FEES_SCHEMA)
            .with_columns(
                policies.payer_key("payer").alias("payer"),
                pl.col("hcpcs_code").str.strip_chars().str.to_uppercase(),
                pl.col("modifier").str.strip_chars().str.to_uppercase(),
            )
        )
    return load_expected_fees(source, policies=policies)


def pricing_of(
    ref: Reference,
    policies: Policies,
    *,
    locality: str | None = None,
    expected_fees: ExpectedFeesInput | None = None,
) -> Pricing:
    """The run's ``Pricing``. ``locality`` (7 digits, MAC + locality) overrides the policies'
    ``[medicare] locality``; one that the newest GPCI file does not have is an ``InputError``."""
    chosen = locality if locality is not None else policies.settings.medicare_locality
    if chosen is not None:
        chosen = chosen.strip()
        if not chosen.isdigit() or len(chosen) != 7:
            msg = (
                f"Medicare locality {chosen!r}: expected the MAC and locality as 7 digits, as "
                "in the GPCI file (0111205: MAC 01112, locality 05)"
            )
            raise InputError(msg)
        if ref.gpci:
            try:
                locality_row(ref.gpci[-1], chosen)
            except ValueError as e:
                raise InputError(str(e)) from None
    return Pricing(
        fee_schedules=ref.fee_schedules,
        gpci=ref.gpci,
        locality=chosen,
        qualifying_apm=policies.settings.qualifying_apm,
        expected_fees=expected_fees_frame(expected_fees, policies),
    )
