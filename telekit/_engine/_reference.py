"""The reference sets a run uses (DESIGN §4 ``tk.audit``: "reference sets given add to the
shipped ones"): Medicare telehealth lists, NCCI editions, ICD-10-CM sets and fee-schedule
releases, each with its source and whether telekit shipped it or the user gave it.

``Reference`` is built once per run (``reference(...)``) and carried on ``Inputs``; the rules'
window preparations read it (``inputs.reference.ncci`` …) and ``AuditResult.reference`` /
summary.json list what was used (``Reference.used()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from telekit import codesets
from telekit.codesets import FeeScheduleRelease, GpciFile, NcciEdition
from telekit.codesets._cms_list import coerce_telehealth_list


@dataclass(frozen=True)
class Reference:
    """What the run judges against, shipped and given.

    - ``telehealth_list``: the given CMS list rows (``read_cms_telehealth_list``'s schema, several
      years stacked) that replace telekit's copy for their years, or None;
    - ``ncci``: NCCI editions, the shipped one first, then the given ones;
    - ``icd10``: given ICD-10-CM order files (``read_icd10cm_order``'s result), each replacing
      the shipped set of its fiscal year;
    - ``fee_schedules``: PFS releases, shipped then given;
    - ``gpci``: GPCI files by year, shipped then given (a given year replaces the shipped one).
    """

    telehealth_list: pl.DataFrame | None = None
    telehealth_list_sources: tuple[str, ...] = ()
    ncci: tuple[NcciEdition, ...] = ()
    ncci_shipped: int = 1  # how many of ``ncci`` (the first ones) telekit ships
    icd10: tuple[pl.DataFrame, ...] = ()
    icd10_sources: tuple[str, ...] = ()
    fee_schedules: tuple[FeeScheduleRelease, ...] = field(default=())
    gpci: tuple[GpciFile, ...] = field(default=())

    def icd10cm_billable(self) -> pl.DataFrame:
        """Billable ICD-10-CM codes with their validity (``codesets.icd10cm_billable``)."""
        return codesets.icd10cm_billable(*self.icd10)

    def icd10cm_fiscal_years(self) -> pl.DataFrame:
        return codesets.icd10cm_fiscal_years(*self.icd10)

    def used(self) -> list[dict[str, Any]]:
        """One entry per reference set: kind, release, source, shipped (summary.json)."""
        out: list[dict[str, Any]] = []
        tl = codesets.telehealth_list(self.telehealth_list)
        given_years = (
            set()
            if self.telehealth_list is None
            else set(coerce_telehealth_list(self.telehealth_list)["year"].to_list())
        )
        for year in sorted(set(tl.get_column("year").to_list())):
            shipped = year not in given_years
            out.append(
                {
                    "kind": "telehealth_list",
                    "release": f"CY{year}",
                    "source": (
                        "telekit's copy of the CMS Medicare Telehealth Services List"
                        if shipped
                        else "; ".join(self.telehealth_list_sources)
                        or "a CMS list file given (--telehealth-list, telehealth_lists=)"
                    ),
                    "shipped": shipped,
                }
            )
        out.extend(
            {
                "kind": "ncci",
                "release": edition.edition.isoformat(),
                "source": edition.source,
                "shipped": i < self.ncci_shipped,
            }
            for i, edition in enumerate(self.ncci)
        )
        out.extend(
            {
                "kind": "icd10cm",
                "release": f"FY{row['fiscal_year']}",
                "source": row["source"],
                "shipped": "(given)" not in row["source"],
            }
            for row in self.icd10cm_fiscal_years().iter_rows(named=True)
        )
        out.extend(
            {
                "kind": "fee_schedule",
                "release": fs.release,
                "source": fs.source,
                "shipped": fs.shipped,
                "covers": f"{fs.valid_start_date}..{fs.valid_end_date}",
            }
            for fs in self.fee_schedules
        )
        out.extend(
            {
                "kind": "gpci",
                "release": f"CY{g.year}",
                "source": g.source,
                "shipped": g.shipped,
            }
            for g in self.gpci
        )
        return out


def shipped_fee_schedules() -> tuple[FeeScheduleRelease, ...]:
    return tuple(
        FeeScheduleRelease(
            release=row["release"],
            valid_start_date=row["valid_start_date"],
            valid_end_date=row["valid_end_date"],
            rvu=codesets.pfs_rvu(row["release"]),
            source=row["source"],
            shipped=True,
        )
        for row in codesets.fee_schedule_releases().iter_rows(named=True)
    )


def shipped_gpci() -> tuple[GpciFile, ...]:
    table = codesets.gpci()
    return tuple(
        GpciFile(
            year=int(year),
            table=table.filter(pl.col("year") == year).drop("year"),
            source=f"CMS PFS GPCIs, CY{year} (Addendum E, {table.height} localities)",
            shipped=True,
        )
        for year in sorted(set(table.get_column("year").to_list()))
    )


def reference(
    *,
    telehealth_lists: Sequence[pl.DataFrame] = (),
    telehealth_list_sources: Sequence[str] = (),
    ncci: Sequence[NcciEdition] = (),
    icd10: Sequence[pl.DataFrame] = (),
    icd10_sources: Sequence[str] = (),
    fee_schedules: Sequence[FeeScheduleRelease] = (),
    gpci: Sequence[GpciFile] = (),
) -> Reference:
    """The shipped reference sets plus the given ones."""
    given_years = {g.year for g in gpci}
    gpcis = (*(g for g in shipped_gpci() if g.year not in given_years), *gpci)
    lists = [coerce_telehealth_list(t) for t in telehealth_lists]
    return Reference(
        telehealth_list=pl.concat(lists) if lists else None,
        telehealth_list_sources=tuple(telehealth_list_sources),
        ncci=(codesets.ncci(), *ncci),
        ncci_shipped=1,
        icd10=tuple(icd10),
        icd10_sources=tuple(icd10_sources),
        fee_schedules=(*shipped_fee_schedules(), *fee_schedules),
        gpci=tuple(sorted(gpcis, key=lambda g: g.year)),
    )
