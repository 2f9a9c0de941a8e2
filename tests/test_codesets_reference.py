"""telekit.codesets' CMS/NCHS reference data: fee schedule, NCCI, ICD-10-CM, and their readers.

Readers are tested on small fixtures in CMS's layouts (tests/data/cms) and, when the shared
reference folder is present, on CMS's complete files (skipped cleanly without it).
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from telekit import codesets as cs
from telekit._core._exceptions import InputError, UnsupportedFormatError

CMS = Path(__file__).parent / "data" / "cms"
SHARED = next(
    (
        p / "shared" / "reference-data"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "reference-data").is_dir()
    ),
    None,
)
D = dt.date


def shared(*parts: str) -> Path:
    if SHARED is None or not SHARED.joinpath(*parts).exists():
        pytest.skip("shared/reference-data is not present")
    return SHARED.joinpath(*parts)


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- fee schedule ---------------------------------------------------------------------------


def test_releases_cover_the_dos_ranges_of_design() -> None:
    rel = cs.fee_schedule_releases()
    assert rel.rows() == [
        ("2023-01", 2023, D(2023, 1, 1), D(2023, 12, 31), Decimal("33.8872"), rel[0, "source"]),
        ("2024-07", 2024, D(2024, 3, 9), D(2024, 12, 31), Decimal("33.2875"), rel[1, "source"]),
    ]


@pytest.mark.parametrize(("release", "rows"), [("2023-01", 18010), ("2024-07", 18664)])
def test_shipped_rvu_release(release: str, rows: int) -> None:
    rvu = cs.pfs_rvu(release)
    assert rvu.schema == cs.RVU_SCHEMA
    assert rvu.height == rows
    assert rvu.select(pl.struct("hcpcs_code", "modifier").is_unique().all()).item()
    cf = cs.fee_schedule_releases().filter(pl.col("release") == release)[0, "conversion_factor"]
    assert rvu.get_column("conversion_factor").unique().to_list() == [cf]


def test_99214_national_amounts_2024_by_hand() -> None:
    row = cs.pfs_rvu("2024-07").filter(
        (pl.col("hcpcs_code") == "99214") & pl.col("modifier").is_null()
    )
    r = row.row(0, named=True)
    non_facility = r["work_rvu"] + r["non_facility_pe_rvu"] + r["mp_rvu"]
    facility = r["work_rvu"] + r["facility_pe_rvu"] + r["mp_rvu"]
    assert (non_facility, facility) == (Decimal("3.85"), Decimal("2.89"))
    assert cents(non_facility * r["conversion_factor"]) == Decimal("128.16")
    assert cents(facility * r["conversion_factor"]) == Decimal("96.20")


def test_pfs_status_facts() -> None:
    s23 = dict(cs.pfs_status("2023-01").iter_rows())
    s24 = dict(cs.pfs_status("2024-07").iter_rows())
    assert (s23["G2211"], s24["G2211"]) == ("B", "A")
    assert (s24["99417"], s24["96170"], s24["96171"], s24["90846"]) == ("I", "N", "N", "R")
    assert "86153" in s24  # only 26/TC rows: still listed
    assert cs.pfs_status("2024-07").get_column("hcpcs_code").is_unique().all()
    with pytest.raises(ValueError, match="no fee-schedule release '2025-01'"):
        cs.pfs_status("2025-01")


def test_shipped_gpci_2024() -> None:
    g = cs.gpci()
    assert g.height == 109
    assert g.get_column("year").unique().to_list() == [2024]
    ak = g.filter(pl.col("state") == "AK").row(0, named=True)
    assert (ak["mac"], ak["locality"], ak["work_gpci"]) == ("02102", "01", Decimal("1.500"))


def test_read_cms_rvu_fixture() -> None:
    rvu = cs.read_cms_rvu(CMS / "PPRRVU_fixture.csv")
    assert rvu.schema == cs.RVU_SCHEMA
    assert rvu.select("hcpcs_code", "modifier").rows() == [
        ("71046", "26"), ("71046", "TC"), ("93000", None), ("99214", None), ("99417", None)
    ]  # fmt: skip
    r = rvu.row(3, named=True)
    assert r["work_rvu"] == Decimal("1.92") and r["conversion_factor"] == Decimal("33.2875")
    tc = rvu.row(1, named=True)
    assert (tc["facility_pe_na"], tc["non_facility_pe_na"], tc["pctc_indicator"]) == (
        True, False, "1"
    )  # fmt: skip
    assert rvu.filter(pl.col("hcpcs_code") == "99417")[0, "global_days"] == "ZZZ"


def test_read_cms_rvu_bad_number_names_row_and_column() -> None:
    with pytest.raises(
        InputError,
        match=r"PPRRVU_bad_number\.csv: row 12, column 'non_facility_pe_rvu': expected a number",
    ):
        cs.read_cms_rvu(CMS / "PPRRVU_bad_number.csv")


def test_read_cms_rvu_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"GPCI_fixture\.csv: no RVU header row"):
        cs.read_cms_rvu(CMS / "GPCI_fixture.csv")
    (tmp_path / "rvu.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(UnsupportedFormatError, match=r"rvu\.pdf: unsupported file type"):
        cs.read_cms_rvu(tmp_path / "rvu.pdf")
    with pytest.raises(InputError, match=r"nope\.csv: cannot open"):
        cs.read_cms_rvu(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("name", "rows", "cf", "non_facility_99214"),
    [
        ("PPRRVU23_JAN.csv", 18010, "33.8872", "3.79"),
        ("PPRRVU24_JUL.csv", 18664, "33.2875", "3.85"),
    ],
)
def test_read_cms_rvu_real_files(name: str, rows: int, cf: str, non_facility_99214: str) -> None:
    rvu = cs.read_cms_rvu(shared("cms", "cms-layout", name))
    assert rvu.height == rows
    assert rvu.get_column("conversion_factor").unique().to_list() == [Decimal(cf)]
    r = rvu.filter((pl.col("hcpcs_code") == "99214") & pl.col("modifier").is_null()).row(
        0, named=True
    )
    assert r["work_rvu"] + r["non_facility_pe_rvu"] + r["mp_rvu"] == Decimal(non_facility_99214)


def test_read_cms_rvu_2026_layout_with_pric_ind() -> None:
    rvu = cs.read_cms_rvu(shared("cms", "cms-layout", "PPRRVU2026_JUL_nonQPP.excerpt.csv"))
    assert rvu.height == 61
    assert rvu.get_column("conversion_factor").unique().to_list() == [Decimal("33.4009")]
    assert set(rvu.get_column("status")) == {"I", "J"}


def test_shipped_2024_rvus_equal_the_telekit_ready_copy() -> None:
    ready = pl.read_csv(shared("cms", "pfs_rvu_2024-07.csv"), infer_schema=False)
    ours = cs.pfs_rvu("2024-07")
    theirs = ready.select(
        "hcpcs_code",
        pl.col("mod").alias("modifier"),
        "status",
        *(
            pl.col(src).cast(pl.Decimal(18, 2)).alias(dst)
            for src, dst in [
                ("rvu_work", "work_rvu"),
                ("rvu_non_pe", "non_facility_pe_rvu"),
                ("rvu_fac_pe", "facility_pe_rvu"),
                ("rvu_mp", "mp_rvu"),
            ]
        ),
        pl.col("glob").alias("global_days"),
    ).sort("hcpcs_code", "modifier", nulls_last=False)
    assert_frame_equal(ours.select(theirs.columns), theirs)


def test_read_cms_gpci_fixture_and_2026() -> None:
    g = cs.read_cms_gpci(CMS / "GPCI_fixture.csv")
    assert g.schema == cs.GPCI_SCHEMA
    assert g.select("mac", "locality", "locality_name").rows() == [
        ("01182", "18", "LOS ANGELES"), ("02102", "01", "ALASKA"), ("10112", "00", "ALABAMA")
    ]  # fmt: skip
    g26 = cs.read_cms_gpci(shared("cms", "cms-layout", "GPCI2026.csv"))
    assert g26.height == 109
    al = g26.filter(pl.col("state") == "AL").row(0, named=True)
    assert (al["work_gpci"], al["pe_gpci"], al["mp_gpci"]) == (
        Decimal("1.000"), Decimal("0.875"), Decimal("0.566")
    )  # fmt: skip


def test_shipped_gpci_equals_the_2024_file() -> None:
    theirs = cs.read_cms_gpci(shared("cms", "pfs_gpci_2024.csv"))
    assert_frame_equal(cs.gpci().drop("year"), theirs)


# --- NCCI -----------------------------------------------------------------------------------


def test_read_ncci_folder_of_cms_files() -> None:
    e = cs.read_ncci(CMS / "ncci")
    assert e.edition == D(2024, 7, 1) and e.quarter_end == D(2024, 9, 30)
    assert e.ptp is not None and e.mue is not None and e.add_on is not None
    assert e.ptp.schema == cs.PTP_SCHEMA
    assert e.ptp.height == 5  # two part files concatenated
    first = e.ptp.row(0, named=True)
    assert first == {
        "column_1_code": "99214",
        "column_2_code": "99211",
        "effective_date": D(2024, 1, 1),
        "deletion_date": None,
        "modifier_indicator": "0",
    }
    deleted = e.ptp.filter(pl.col("column_1_code") == "90837").row(0, named=True)
    assert (deleted["deletion_date"], deleted["modifier_indicator"]) == (D(2023, 12, 31), "9")
    assert dict(e.mue.select("hcpcs_code", "mue_value").iter_rows()) == {
        "99213": 2, "90837": 2, "G2012": 1, "99458": 3
    }  # fmt: skip
    assert e.mue.filter(pl.col("hcpcs_code") == "99458")[0, "mue_adjudication_indicator"] == "1"
    assert e.add_on.schema == cs.ADD_ON_SCHEMA
    assert e.add_on.filter(pl.col("add_on_code") == "99417").row(0) == (
        "99417", "CCCCC", "2", D(2021, 1, 1), None
    )  # fmt: skip


def test_read_ncci_one_file_and_explicit_edition() -> None:
    e = cs.read_ncci(CMS / "ncci" / "mue_practitioner.xlsx", edition=D(2024, 7, 1))
    assert e.ptp is None and e.add_on is None and e.mue is not None
    # the title row names the edition ("effective 07/01/2024")
    assert cs.read_ncci(CMS / "ncci" / "mue_practitioner.xlsx").edition == D(2024, 7, 1)


def test_read_ncci_bad_modifier_indicator_names_row() -> None:
    with pytest.raises(
        InputError,
        match=r"ncci_bad_modifier\.txt: row 2, column 'modifier_indicator': expected 0, 1 or 9",
    ):
        cs.read_ncci(CMS / "ncci_bad_modifier.txt")


def test_read_ncci_nothing_recognised(tmp_path: Path) -> None:
    shutil.copy(CMS / "GPCI_fixture.csv", tmp_path / "x.csv")
    with pytest.raises(InputError, match="no NCCI file found"):
        cs.read_ncci(tmp_path)


def test_shipped_ncci_edition() -> None:
    e = cs.ncci()
    assert e.edition == D(2024, 7, 1)
    assert e.ptp is not None and e.mue is not None and e.add_on is not None
    ptp = e.ptp
    assert ptp.schema == cs.PTP_SCHEMA
    assert ptp.get_column("effective_date").null_count() == ptp.height  # not in the copy
    deleted = ptp.get_column("deletion_date").drop_nulls()
    assert deleted.min() == D(2019, 1, 1)  # older deletions are not shipped
    assert ptp.filter(pl.col("deletion_date").is_null()).height == 1_669_820
    assert set(ptp.get_column("modifier_indicator").unique()) == {"0", "1", "9"}
    mue = dict(e.mue.select("hcpcs_code", "mue_value").iter_rows())
    assert [mue[c] for c in ("99213", "90837", "90785", "99457", "99458", "98980", "G2012")] == [
        2, 2, 3, 1, 3, 1, 1
    ]  # fmt: skip
    primaries = e.add_on.filter(pl.col("add_on_code") == "90833").get_column("primary_code")
    assert primaries.n_unique() == 48 and "99214" in primaries.to_list()


# --- ICD-10-CM ------------------------------------------------------------------------------


def billable_on(code: str, day: dt.date, frame: pl.DataFrame | None = None) -> bool:
    f = cs.icd10cm_billable() if frame is None else frame
    hit = f.filter(
        (pl.col("code") == code)
        & (pl.col("valid_start_date") <= day)
        & (pl.col("valid_end_date") >= day)
    )
    return not hit.is_empty()


def test_icd10cm_shipped_sets() -> None:
    b = cs.icd10cm_billable()
    assert b.columns == ["code", "valid_start_date", "valid_end_date"]
    assert b.get_column("code").is_unique().all()  # no gaps in FY2019-FY2026
    assert billable_on("I10", D(2018, 10, 1)) and billable_on("I10", D(2026, 9, 30))
    assert not billable_on("I10", D(2026, 10, 1))  # past the shipped sets
    assert billable_on("E119", D(2024, 5, 1)) and billable_on("F411", D(2024, 5, 1))
    assert not billable_on("F41", D(2024, 5, 1)) and not billable_on("E11", D(2024, 5, 1))


def test_icd10cm_u071_from_april_2020() -> None:
    assert not billable_on("U071", D(2020, 3, 31))
    assert billable_on("U071", D(2020, 4, 1))
    assert billable_on("U071", D(2025, 1, 1))


def test_icd10cm_april_2022_z28_change() -> None:
    assert billable_on("Z283", D(2022, 3, 31)) and not billable_on("Z283", D(2022, 4, 1))
    assert not billable_on("Z28310", D(2022, 3, 31)) and billable_on("Z28310", D(2022, 4, 1))


def test_icd10cm_counts_per_fiscal_year() -> None:
    b = cs.icd10cm_billable()
    expected = {2019: 71932, 2021: 72621, 2024: 74044, 2025: 74260, 2026: 74719}
    for fy, count in expected.items():
        day = D(fy, 9, 30)
        n = b.filter((pl.col("valid_start_date") <= day) & (pl.col("valid_end_date") >= day))
        assert n.height == count, fy


def test_icd10cm_fiscal_years() -> None:
    fy = cs.icd10cm_fiscal_years()
    assert fy.get_column("fiscal_year").to_list() == list(range(2019, 2027))
    assert fy.row(0)[1:3] == (D(2018, 10, 1), D(2019, 9, 30))


def test_read_icd10cm_order_and_extend() -> None:
    order = cs.read_icd10cm_order(CMS / "icd10cm_order_2027_fixture.txt", 2027)
    assert order.columns == ["fiscal_year", "code", "billable"]
    assert dict(order.select("code", "billable").iter_rows())["F41"] is False
    b = cs.icd10cm_billable(order)
    assert billable_on("Z9999", D(2027, 9, 30), b) and not billable_on("Z9999", D(2026, 9, 1), b)
    assert billable_on("I10", D(2027, 1, 1), b) and billable_on("I10", D(2020, 1, 1), b)
    assert not billable_on("E119", D(2027, 1, 1), b)  # not in the fixture's year
    assert billable_on("U071", D(2020, 4, 1), b)
    assert cs.icd10cm_fiscal_years(order).get_column("fiscal_year").max() == 2027


def test_read_icd10cm_order_errors() -> None:
    with pytest.raises(InputError, match=r"icd10cm_order_bad\.txt: line 2 is not in the"):
        cs.read_icd10cm_order(CMS / "icd10cm_order_bad.txt", 2027)
    with pytest.raises(TypeError, match="fiscal_year must be an int"):
        cs.read_icd10cm_order(CMS / "icd10cm_order_bad.txt", "2027")  # type: ignore[arg-type]


# --- telehealth list text exports ------------------------------------------------------------


def test_cms_2026_508_text_export_reads_58_codes() -> None:
    got = cs.read_cms_telehealth_list(
        shared("cms", "cms-layout", "telehealth_list_cy2026_508.excerpt.txt"), year=2026
    )
    assert got.height == 58
    assert got[0, "hcpcs_code"] == "0362T" and got[-1, "hcpcs_code"] == "92553"
    assert set(got.get_column("status")) == {"permanent"}


def test_pipe_delimited_list() -> None:
    got = cs.read_cms_telehealth_list(CMS / "telehealth_list_2027_pipe.txt", year=2027)
    assert got.get_column("hcpcs_code").to_list() == ["92622", "99213", "G0545"]


def test_tab_delimited_list(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("CY 2027 list\t\t\nHCPCS\tShort Descriptor\tStatus\n99213\tvisit, est\t\n")
    got = cs.read_cms_telehealth_list(path, year=2027)
    assert got.rows() == [(2027, "99213", "permanent", None)]


# --- NCCI: one quarter's files in CMS's layout (tests/data/cms/make_ncci_fixtures.py) ----------


def test_read_ncci_edition_from_titles_and_file_names() -> None:
    e = cs.read_ncci(CMS / "ncci_2025q1")
    assert (e.edition, e.quarter_end) == (D(2025, 1, 1), D(2025, 3, 31))
    assert e.ptp is not None and e.mue is not None and e.add_on is not None
    assert e.ptp.height == 5  # two part files
    assert e.ptp.filter(pl.col("column_2_code") == "36415")["effective_date"][0] == D(2025, 2, 15)
    # the MUE file alone: its name says Eff_01-01-2025
    alone = cs.read_ncci(CMS / "ncci_2025q1" / "MCR_MUE_PractitionerServices_Eff_01-01-2025.txt")
    assert alone.edition == D(2025, 1, 1) and alone.ptp is None
    # the add-on file alone: 2025Q1 in its name
    assert cs.read_ncci(CMS / "ncci_2025q1" / "AOC_V2025Q1-MCR.txt").edition == D(2025, 1, 1)
    # edition= wins
    assert cs.read_ncci(CMS / "ncci_2025q1", edition=D(2025, 4, 1)).edition == D(2025, 4, 1)


def test_read_ncci_posting_date_names_the_next_quarter(tmp_path: Path) -> None:
    text = (CMS / "ncci_2025q1" / "AOC_V2025Q1-MCR.txt").read_text(encoding="utf-8")
    (tmp_path / "add_on_edits_2024-06-03.txt").write_text(text, encoding="utf-8")
    assert cs.read_ncci(tmp_path / "add_on_edits_2024-06-03.txt").edition == D(2024, 7, 1)


def test_read_ncci_refuses_files_of_two_editions(tmp_path: Path) -> None:
    shutil.copy(CMS / "ncci_2025q1" / "ccipra-v311r0-f2.txt", tmp_path / "ptp.txt")
    shutil.copy(CMS / "ncci" / "mue_practitioner.xlsx", tmp_path / "mue.xlsx")
    with pytest.raises(InputError, match=r"files of two NCCI editions .*pass edition="):
        cs.read_ncci(tmp_path)
    assert cs.read_ncci(tmp_path, edition=D(2025, 1, 1)).edition == D(2025, 1, 1)


def test_read_ncci_undated_file_asks_for_edition(tmp_path: Path) -> None:
    rows = (CMS / "ncci_2025q1" / "MCR_MUE_PractitionerServices_Eff_01-01-2025.txt").read_text(
        encoding="utf-8"
    )
    (tmp_path / "mue.txt").write_text("\n".join(rows.splitlines()[2:]), encoding="utf-8")
    with pytest.raises(InputError, match=r"^mue\.txt: cannot tell the NCCI edition.*pass edition="):
        cs.read_ncci(tmp_path / "mue.txt")
