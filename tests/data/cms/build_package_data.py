"""Build the CMS/NCHS reference tables shipped in telekit/codesets from shared/reference-data.

    .venv/bin/python tests/data/cms/build_package_data.py [REFERENCE_DATA_DIR]

Run by hand when a release is added (the outputs are committed; telekit never reads
reference-data at run time). Every output is deterministic: the same inputs give the same
bytes. See telekit/codesets/SOURCES.md for what each file keeps and drops.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from telekit.codesets import _fee_schedule as fs
from telekit.codesets import _icd10cm as icd
from telekit.codesets import _ncci as nc

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "telekit" / "codesets"
PTP_KEPT_FROM = pl.date(2019, 1, 1)


def _write(frame: pl.DataFrame, name: str) -> None:
    path = OUT / name
    frame.write_parquet(path, compression="zstd", compression_level=22, statistics=False)
    print(f"{name}: {frame.height} rows, {path.stat().st_size} bytes")


def build_fee_schedule(ref: Path) -> None:
    layout = ref / "cms" / "cms-layout"
    releases = [
        ("2023-01", fs.read_cms_rvu(layout / "PPRRVU23_JAN.csv")),
        ("2024-07", fs.read_cms_rvu(layout / "PPRRVU24_JUL.csv")),
    ]
    rvu = pl.concat(f.select(pl.lit(r).alias(fs.RELEASE), pl.all()) for r, f in releases)
    _write(rvu.cast(fs.PFS_RVU_SCHEMA), "pfs_rvu.parquet")
    gpci = fs.read_cms_gpci(ref / "cms" / "pfs_gpci_2024.csv")
    gpci = gpci.select(pl.lit(2024, dtype=pl.Int32).alias(fs.YEAR), pl.all())
    _write(gpci.cast(fs.GPCI_YEAR_SCHEMA), "pfs_gpci.parquet")


def build_ncci(ref: Path) -> None:
    cms = ref / "cms"
    ptp = (
        pl.read_parquet(cms / "ncci_ptp_practitioner_2024-07-01.parquet")
        .select(
            nc.COLUMN_1_CODE,
            nc.COLUMN_2_CODE,
            pl.lit(None, dtype=pl.Date).alias(nc.EFFECTIVE_DATE),
            pl.col(nc.DELETION_DATE).str.to_date("%Y-%m-%d"),
            nc.MODIFIER_INDICATOR,
        )
        .filter(pl.col(nc.DELETION_DATE).is_null() | (pl.col(nc.DELETION_DATE) >= PTP_KEPT_FROM))
        .unique()
        .sort(nc.COLUMN_1_CODE, nc.COLUMN_2_CODE, nc.DELETION_DATE, nc.MODIFIER_INDICATOR)
    )
    _write(ptp.cast(nc.PTP_SCHEMA), "ncci_ptp_practitioner.parquet")
    mue = (
        pl.read_csv(cms / "ncci_mue_practitioner_2024-07-01.csv", infer_schema=False)
        .select(
            pl.col("hcpcs_code"),
            pl.col(nc.MUE_VALUE).cast(pl.Int32),
            pl.col(nc.MUE_ADJUDICATION_INDICATOR),
        )
        .sort("hcpcs_code")
    )
    _write(mue.cast(nc.MUE_SCHEMA), "ncci_mue_practitioner.parquet")
    add_on = (
        pl.read_csv(cms / "ncci_addon_2024-06-03.csv", infer_schema=False)
        .select(
            nc.ADD_ON_CODE,
            nc.PRIMARY_CODE,
            nc.AOC_EDIT_TYPE,
            pl.lit(None, dtype=pl.Date).alias(nc.EFFECTIVE_DATE),
            pl.lit(None, dtype=pl.Date).alias(nc.DELETION_DATE),
        )
        .unique()
        .sort(nc.ADD_ON_CODE, nc.PRIMARY_CODE)
    )
    _write(add_on.cast(nc.ADD_ON_SCHEMA), "ncci_add_on.parquet")


def build_icd10cm(ref: Path) -> None:
    years = (
        pl.read_parquet(ref / "icd10cm" / "icd10cm_fy2019-fy2026.parquet")
        .filter("billable")
        .select(icd.CODE, pl.col("fiscal_year").cast(pl.Int32))
        .sort(icd.CODE, "fiscal_year")
    )
    runs = (
        years.with_columns(
            (pl.col("fiscal_year") - pl.col("fiscal_year").shift(1).over(icd.CODE) != 1)
            .fill_null(True)
            .cum_sum()
            .over(icd.CODE)
            .alias("_run")
        )
        .group_by(icd.CODE, "_run", maintain_order=True)
        .agg(
            pl.col("fiscal_year").min().alias(icd.FIRST_FISCAL_YEAR),
            pl.col("fiscal_year").max().alias(icd.LAST_FISCAL_YEAR),
        )
        .drop("_run")
    )
    _write(runs.cast(icd.RUNS_SCHEMA), "icd10cm_billable.parquet")


def main(argv: list[str]) -> None:
    # the checkout sits in /work/main or /work/wt/NAME; shared/ is beside /work/main
    shared = next(
        (p / "shared" for p in ROOT.parents if (p / "shared" / "reference-data").is_dir()), None
    )
    ref = Path(argv[0]) if argv else shared / "reference-data" if shared else None
    if ref is None:
        sys.exit("give the reference-data folder")
    build_fee_schedule(ref)
    build_ncci(ref)
    build_icd10cm(ref)


if __name__ == "__main__":
    main(sys.argv[1:])
