"""telekit.codesets: package data, typed loaders, DESIGN §5 facts and the CMS list reader."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from telekit import codesets as cs
from telekit._core._exceptions import InputError, UnsupportedFormatError

CMS = Path(__file__).parent / "data" / "cms"
D = dt.date
YEARS = range(2019, 2027)


def rng(a: int, b: int) -> list[str]:
    return [str(x) for x in range(a, b + 1)]


OFFICE_NEW = rng(99202, 99205)
OFFICE_EST = rng(99212, 99215)
TM_CODES = rng(98000, 98015)
PSY = ["90832", "90833", "90834", "90836", "90837", "90838"]

# DESIGN §5 "CTBS", exactly
CTBS = {
    *rng(99421, 99423), *rng(98970, 98972), "G2061", "G2062", "G2063",
    "G2012", "G2252", "98016", "G2010", "G2250", "G2251",
    *rng(98966, 98968),
    "99453", "99454", "99445", "99457", "99458", "99470", "99091", *rng(98975, 98981),
    *rng(98984, 98986),
    *rng(99446, 99449), "99451", "99452",
}  # fmt: skip
# TH003's behavioral codes and telephone E/M, audio-only allowed 2020-03-01..2024-12-31
TH003_AUDIO = ["99441", "99442", "99443", "90785", "90791", "90792", *PSY, "90845", "90846",
               "90847", "90853"]  # fmt: skip


@pytest.fixture(scope="module")
def codes() -> pl.DataFrame:
    return cs.hcpcs()


@pytest.fixture(scope="module")
def tl() -> pl.DataFrame:
    return cs.telehealth_list()


def row(df: pl.DataFrame, code: str) -> dict[str, object]:
    found = df.filter(pl.col("hcpcs_code") == code)
    assert found.height == 1, code
    return found.row(0, named=True)


def valid_on(code: str, day: dt.date) -> bool:
    r = row(cs.hcpcs(), code)
    start, end = r["valid_start_date"], r["valid_end_date"]
    assert start is None or isinstance(start, dt.date)
    assert end is None or isinstance(end, dt.date)
    return (start is None or start <= day) and (end is None or day <= end)


def listed(tl: pl.DataFrame, year: int) -> set[str]:
    return set(tl.filter(pl.col("year") == year).get_column("hcpcs_code").to_list())


# --- package data and schemas ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("loader", "schema"),
    [
        (cs.hcpcs, cs.HCPCS_SCHEMA),
        (cs.add_on_primaries, cs.ADD_ON_PRIMARIES_SCHEMA),
        (cs.telehealth_list, cs.TELEHEALTH_LIST_SCHEMA),
        (cs.place_of_service, cs.PLACE_OF_SERVICE_SCHEMA),
        (cs.modifiers, cs.MODIFIERS_SCHEMA),
        (cs.flexibility_windows, cs.FLEXIBILITY_WINDOWS_SCHEMA),
        (cs.minutes_per_code, cs.MINUTES_PER_CODE_SCHEMA),
    ],
)
def test_loader_schema_and_cache(loader, schema) -> None:  # type: ignore[no-untyped-def]
    df = loader()
    assert df.schema == schema
    assert df.height > 0
    assert loader() is df  # parsed once


def test_expected_dtypes_spelled_out(codes: pl.DataFrame) -> None:
    assert codes.schema["valid_start_date"] == pl.Date
    assert codes.schema["ctbs"] == pl.Boolean
    assert codes.schema["em_level"] == pl.Int32
    assert cs.telehealth_list().schema["year"] == pl.Int32
    assert cs.place_of_service().schema["place_of_service_code"] == pl.String


def test_version_and_package_files() -> None:
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", cs.CODE_SET_VERSION)
    pkg = resources.files("telekit.codesets")
    sources = pkg.joinpath("SOURCES.md").read_text(encoding="utf-8")
    for name in ("hcpcs.csv", "add_on_primaries.csv", "telehealth_list.csv",
                 "place_of_service.csv", "modifiers.csv", "flexibility_windows.csv",
                 "minutes_per_code.csv"):  # fmt: skip
        assert pkg.joinpath(name).is_file(), name
        assert name in sources, name
    assert "2026-11-27" in sources


def no_overlaps(df: pl.DataFrame, key: str) -> pl.DataFrame:
    """Pairs of rows of one key whose validity periods overlap."""
    periods = df.select(
        key,
        pl.col("valid_start_date").fill_null(D(1900, 1, 1)).alias("s"),
        pl.col("valid_end_date").fill_null(D(9999, 12, 31)).alias("e"),
    ).with_row_index("i")
    pairs = periods.join(periods, on=key, suffix="_b").filter(pl.col("i") < pl.col("i_b"))
    return pairs.filter((pl.col("s") <= pl.col("e_b")) & (pl.col("s_b") <= pl.col("e")))


@pytest.mark.parametrize(
    ("loader", "key"),
    [
        (cs.hcpcs, "hcpcs_code"),
        (cs.place_of_service, "place_of_service_code"),
        (cs.modifiers, "modifier"),
    ],
)
def test_no_overlapping_validity(loader, key) -> None:  # type: ignore[no-untyped-def]
    df = loader()
    assert no_overlaps(df, key).is_empty()
    bad = df.filter(pl.col("valid_start_date") > pl.col("valid_end_date"))
    assert bad.is_empty()


def test_overlap_check_catches_an_overlap() -> None:
    df = pl.DataFrame(
        {
            "k": ["a", "a"],
            "valid_start_date": [D(2020, 1, 1), D(2021, 1, 1)],
            "valid_end_date": [D(2021, 1, 1), None],
        }
    )
    assert no_overlaps(df, "k").height == 1


# --- hcpcs: DESIGN §5 attributes ------------------------------------------------------------


def test_codes_are_unique_and_well_formed(codes: pl.DataFrame) -> None:
    assert codes.get_column("hcpcs_code").is_unique().all()
    assert codes.get_column("hcpcs_code").str.contains(r"^[0-9A-Z][0-9]{3}[0-9A-Z]$").all()
    assert set(codes.get_column("family").unique()) <= set(cs.FAMILIES)
    assert codes.get_column("description").str.len_chars().is_between(5, 100).all()


def test_ctbs_is_designs_list_exactly(codes: pl.DataFrame) -> None:
    got = set(codes.filter(pl.col("ctbs")).get_column("hcpcs_code"))
    assert got == CTBS
    assert not row(codes, "99441")["ctbs"]  # telephone E/M is not CTBS in DESIGN
    assert not row(codes, "Q3014")["ctbs"]


def test_office_em_levels_and_minutes(codes: pl.DataFrame) -> None:
    office = codes.filter(pl.col("office_em"))
    assert set(office.get_column("hcpcs_code")) == {*OFFICE_NEW, *OFFICE_EST, *TM_CODES}
    levels = dict(zip(office["hcpcs_code"], office["em_level"], strict=True))
    minutes = dict(zip(office["hcpcs_code"], office["min_minutes"], strict=True))
    status = dict(zip(office["hcpcs_code"], office["patient_status"], strict=True))
    groups = [
        (OFFICE_NEW, [15, 30, 45, 60], "new"),
        (OFFICE_EST, [10, 20, 30, 40], "established"),
        (rng(98000, 98003), [15, 30, 45, 60], "new"),
        (rng(98004, 98007), [10, 20, 30, 40], "established"),
        (rng(98008, 98011), [15, 30, 45, 60], "new"),
        (rng(98012, 98015), [10, 20, 30, 40], "established"),
    ]
    for group, mins, patient in groups:
        for level, (code, m) in enumerate(zip(group, mins, strict=True), start=1):
            assert levels[code] == level, code
            assert minutes[code] == m, code
            assert status[code] == patient, code
    assert not row(codes, "99211")["office_em"]
    assert row(codes, "99211")["em_level"] is None
    assert not row(codes, "99201")["office_em"]
    assert all(valid_on(c, D(2025, 1, 1)) and not valid_on(c, D(2024, 12, 31)) for c in TM_CODES)


def test_audio_only_by_descriptor(codes: pl.DataFrame) -> None:
    got = set(codes.filter(pl.col("audio_only_by_descriptor")).get_column("hcpcs_code"))
    assert got == {*rng(99441, 99443), *rng(98966, 98968), *rng(98008, 98015)}


def test_online_digital_em_minimums_tm003(codes: pl.DataFrame) -> None:
    expected = {"99421": 5, "99422": 11, "99423": 21, "98970": 5, "98971": 11, "98972": 21}
    for code, m in expected.items():
        assert row(codes, code)["min_minutes"] == m
    for code in ("G2061", "G2062", "G2063"):  # DESIGN's TM003 names no threshold for them
        assert row(codes, code)["min_minutes"] is None


def test_remote_monitoring_thresholds_tm005(codes: pl.DataFrame) -> None:
    def days(code: str) -> tuple[object, object]:
        r = row(codes, code)
        return r["min_device_days"], r["max_device_days"]

    def mins(code: str) -> tuple[object, object]:
        r = row(codes, code)
        return r["min_minutes"], r["max_minutes"]

    for code in ("99454", "98976", "98977", "98978"):
        assert days(code) == (16, None)
    for code in ("99445", "98984", "98985", "98986"):
        assert days(code) == (2, 15)
    for code in ("99457", "98980"):
        assert mins(code) == (20, None)
    for code in ("99470", "98979"):
        assert mins(code) == (10, 19)
    with_days = set(codes.filter(pl.col("min_device_days").is_not_null())["hcpcs_code"])
    assert with_days == {"99454", "98976", "98977", "98978", "99445", "98984", "98985", "98986"}
    with_minutes = set(codes.filter(pl.col("min_minutes").is_not_null())["hcpcs_code"])
    assert with_minutes == {*OFFICE_NEW, *OFFICE_EST, *TM_CODES, *rng(99421, 99423),
                            *rng(98970, 98972), "99457", "98980", "99470", "98979"}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "day", "valid"),
    [
        ("99201", D(2020, 12, 31), True), ("99201", D(2021, 1, 1), False),
        *[(c, D(2024, 12, 31), True) for c in ("99441", "99442", "99443", "G2012")],
        *[(c, D(2025, 1, 1), False) for c in ("99441", "99442", "99443", "G2012")],
        *[(c, D(2019, 12, 31), False) for c in ("G2061", "G2062", "G2063")],
        *[(c, D(2020, 6, 1), True) for c in ("G2061", "G2062", "G2063")],
        *[(c, D(2021, 1, 1), False) for c in ("G2061", "G2062", "G2063")],
        ("98016", D(2024, 12, 31), False), ("98016", D(2025, 1, 1), True),
        *[(c, D(2025, 12, 31), False) for c in ("99445", "99470", "98979", "98984", "98985",
                                                 "98986")],
        *[(c, D(2026, 1, 1), True) for c in ("99445", "99470", "98979", "98984", "98985",
                                              "98986")],
        ("98980", D(2021, 12, 31), False), ("98980", D(2022, 1, 1), True),
        ("98981", D(2022, 1, 1), True), ("98975", D(2022, 1, 1), True),
        ("99458", D(2019, 12, 31), False), ("99458", D(2020, 1, 1), True),
        *[(c, D(2020, 12, 31), False) for c in ("G2252", "G2211", "G2212", "99417")],
        *[(c, D(2021, 1, 1), True) for c in ("G2252", "G2211", "G2212", "99417")],
        ("G2211", D(2024, 1, 1), True), ("G2211", D(2026, 11, 27), True),
        *[(c, D(2019, 1, 1), True) for c in ("Q3014", "99091", "99211", *OFFICE_NEW,
                                              *OFFICE_EST)],
        *[(c, D(2026, 12, 31), True) for c in ("Q3014", "99091", "99211", *OFFICE_NEW,
                                                *OFFICE_EST)],
    ],
)  # fmt: skip
def test_validity_boundaries_cd001(code: str, day: dt.date, valid: bool) -> None:
    assert valid_on(code, day) is valid


def test_addon_flags(codes: pl.DataFrame) -> None:
    for code in ("G2211", "G2212", "99417", "90785", "90833", "90836", "90838", "99458",
                 "98981"):  # fmt: skip
        assert row(codes, code)["is_addon"], code
    for code in ("99213", "90834", "99457", "98980", "Q3014"):
        assert not row(codes, code)["is_addon"], code


def test_add_on_primaries_ad001() -> None:
    ap = cs.add_on_primaries()
    assert set(ap.get_column("window")) <= set(cs.ADD_ON_WINDOWS)
    assert ap.select("add_on_code", "primary_code").is_unique().all()

    def prim(add_on: str) -> set[str]:
        return set(ap.filter(pl.col("add_on_code") == add_on).get_column("primary_code"))

    def windows(add_on: str) -> set[str]:
        return set(ap.filter(pl.col("add_on_code") == add_on).get_column("window"))

    office = {*OFFICE_NEW, *OFFICE_EST, *TM_CODES}
    assert prim("G2211") == office | {"99211"}
    assert prim("G2212") == {"99205", "99215"}
    assert prim("99417") == {"99205", "99215"}
    for code in ("90833", "90836", "90838"):
        assert prim(code) == office
    assert prim("90785") == {"90791", "90792", *PSY, "90853"}
    assert prim("99458") == {"99457"}
    assert prim("98981") == {"98980"}
    assert windows("99458") == windows("98981") == {"same_month"}
    for code in ("G2211", "G2212", "99417", "90833", "90785"):
        assert windows(code) == {"same_day"}
    g2212 = ap.filter(pl.col("add_on_code") == "G2212")
    assert dict(zip(g2212["primary_code"], g2212["min_total_minutes"], strict=True)) == {
        "99205": 89, "99215": 69,
    }  # fmt: skip
    assert ap.filter(pl.col("add_on_code") != "G2212")["min_total_minutes"].is_null().all()
    known = set(cs.hcpcs().get_column("hcpcs_code"))
    assert set(ap["add_on_code"]) | set(ap["primary_code"]) <= known


# --- telehealth list --------------------------------------------------------------------------


def test_list_shape(tl: pl.DataFrame, codes: pl.DataFrame) -> None:
    assert set(tl.get_column("year")) == set(YEARS)
    assert tl.select("year", "hcpcs_code").is_unique().all()
    assert set(tl.get_column("status")) <= {"permanent", "provisional", "temporary_phe",
                                            "category_3"}  # fmt: skip
    # a listed code of the curated table is valid that year; codes outside it (ABA, eye exams,
    # audiology, cardiac rehab ...) are listed too, and are "unknown to the list" when absent
    joined = tl.join(codes, on="hcpcs_code", how="inner")
    assert {"92002", "97151", "0362T", "G0545"} & set(joined["hcpcs_code"]) == set()
    outside = joined.filter(
        (pl.col("valid_start_date") > pl.date(pl.col("year"), 12, 31))
        | (pl.col("valid_end_date") < pl.date(pl.col("year"), 1, 1))
    )
    assert outside.is_empty()


def test_office_em_listed_every_year(tl: pl.DataFrame) -> None:
    for year in YEARS:
        on = listed(tl, year)
        assert {*OFFICE_NEW, "99211", *OFFICE_EST} <= on, year
        assert ("99201" in on) is (year <= 2020), year


def test_add_ons_listed(tl: pl.DataFrame) -> None:
    for year in YEARS:
        on = listed(tl, year)
        assert ("G2211" in on) is (year >= 2021), year  # listed since CY 2021; paid from 2024
        assert ("G2212" in on) is (year >= 2021), year
        assert {"90785", "90833", "90836", "90838", "90840"} <= on, year
    for year in (2024, 2025, 2026):
        assert "G2211" in listed(tl, year)
    assert ("90849" in listed(tl, 2026)) and ("90849" not in listed(tl, 2025))
    assert all("90853" in listed(tl, y) for y in range(2020, 2027))


def test_list_excludes_ctbs_cpt_telemedicine_q3014(tl: pl.DataFrame) -> None:
    on_any = set(tl.get_column("hcpcs_code"))
    # the one exception: telephone assessment 98966-98968 was on the list 2020-03-01 to 2024-12-31
    telephone = {"98966", "98967", "98968"}
    assert not on_any & (CTBS - telephone)
    for year in YEARS:
        assert (telephone <= listed(tl, year)) is (2020 <= year <= 2024), year
    assert not on_any & set(TM_CODES)
    assert "Q3014" not in on_any
    assert "99417" not in on_any  # Medicare does not recognise it (TM004)


def test_telephone_em_listed_only_through_2024(tl: pl.DataFrame) -> None:
    for year in YEARS:
        assert ({"99441", "99442", "99443"} <= listed(tl, year)) is (2020 <= year <= 2024)


def test_audio_only_flags_th003(tl: pl.DataFrame) -> None:
    def flag(year: int, code: str) -> object:
        found = tl.filter((pl.col("year") == year) & (pl.col("hcpcs_code") == code))
        assert found.height == 1, (year, code)
        return found.item(0, "audio_only")

    for year in range(2020, 2025):
        for code in TH003_AUDIO:
            assert flag(year, code) is True, (year, code)
        for code in (*OFFICE_NEW, "99211", *OFFICE_EST):
            assert flag(year, code) is False, (year, code)
        if year >= 2021:
            assert flag(year, "G2211") is False
            assert flag(year, "G2212") is False
    for year in (2019, 2025, 2026):
        assert tl.filter(pl.col("year") == year)["audio_only"].is_null().all(), year
    # every code of the curated table has a flag in 2020-2024; codes added from outside it whose
    # flag is unconfirmed have none (TH003 does not judge them)
    flagged = tl.filter(pl.col("year").is_between(2020, 2024)).join(
        cs.hcpcs().select("hcpcs_code"), on="hcpcs_code", how="semi"
    )
    assert flagged["audio_only"].is_not_null().all()


def test_statuses_by_period(tl: pl.DataFrame) -> None:
    def status(year: int, code: str) -> object:
        return tl.filter((pl.col("year") == year) & (pl.col("hcpcs_code") == code)).item(
            0, "status"
        )

    assert status(2019, "99213") == "permanent"
    assert status(2020, "99441") == "temporary_phe"
    assert status(2022, "97110") == "category_3"
    assert status(2024, "97110") == "provisional"
    assert status(2026, "97110") == "permanent"  # CY 2026 dropped the provisional category
    assert set(tl.filter(pl.col("year") == 2026)["status"]) == {"permanent"}
    assert set(tl.filter(pl.col("year") == 2019)["status"]) == {"permanent"}


def test_extra_replaces_its_years_only(tl: pl.DataFrame) -> None:
    extra = pl.DataFrame(
        {"year": [2026, 2026, 2027], "hcpcs_code": [" 99213 ", "g2211", "99214"],
         "status": ["permanent", "Provisional", "permanent"], "audio_only": [True, None, False]}
    )  # fmt: skip
    merged = cs.telehealth_list(extra)
    assert merged.schema == cs.TELEHEALTH_LIST_SCHEMA
    assert listed(merged, 2026) == {"99213", "G2211"}
    assert listed(merged, 2027) == {"99214"}
    assert_frame_equal(merged.filter(pl.col("year") <= 2025), tl.filter(pl.col("year") <= 2025))
    assert (
        merged.filter(pl.col("hcpcs_code") == "G2211", pl.col("year") == 2026).item(0, "status")
        == "provisional"
    )
    assert cs.telehealth_list() is tl  # the shipped frame is untouched


def test_extra_minimal_and_lazy() -> None:
    merged = cs.telehealth_list(pl.LazyFrame({"year": [2027], "hcpcs_code": ["99213"]}))
    got = merged.filter(pl.col("year") == 2027)
    assert got.row(0, named=True) == {
        "year": 2027, "hcpcs_code": "99213", "status": "permanent", "audio_only": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pl.DataFrame({"hcpcs_code": ["99213"]}), "column 'year' is missing"),
        (pl.DataFrame({"year": [2027], "hcpcs_code": ["99213"], "status": ["maybe"]}),
         "status outside"),
        (pl.DataFrame({"year": ["next"], "hcpcs_code": ["99213"]}), "year must be an integer"),
        (pl.DataFrame({"year": [2027], "hcpcs_code": [None]}, schema_overrides={
            "hcpcs_code": pl.String}), "must not be empty"),
    ],
)  # fmt: skip
def test_extra_rejects_bad_frames(frame: pl.DataFrame, match: str) -> None:
    with pytest.raises(InputError, match=match):
        cs.telehealth_list(frame)


# --- place of service, modifiers, windows, minutes -------------------------------------------


def pos_on(code: str, day: dt.date) -> pl.DataFrame:
    pos = cs.place_of_service()
    return pos.filter(
        (pl.col("place_of_service_code") == code)
        & (pl.col("valid_start_date").is_null() | (pl.col("valid_start_date") <= day))
        & (pl.col("valid_end_date").is_null() | (pl.col("valid_end_date") >= day))
    )


def test_place_of_service_codes() -> None:
    pos = cs.place_of_service()
    codes = pos.get_column("place_of_service_code")
    assert codes.str.contains(r"^[0-9]{2}$").all()
    for code in ("11", "12", "19", "22", "23", "31", "32", "99"):
        assert pos_on(code, D(2019, 6, 1)).height == 1, code
    for unassigned in ("28", "30", "35", "59", "98"):
        assert unassigned not in set(codes), unassigned
    assert set(pos.filter(pl.col("telehealth"))["place_of_service_code"]) == {"02", "10"}


def test_pos_02_and_10_dates() -> None:
    assert pos_on("02", D(2016, 12, 31)).is_empty()
    assert pos_on("02", D(2017, 1, 1)).height == 1
    before = pos_on("02", D(2021, 12, 31)).item(0, "description")
    after = pos_on("02", D(2022, 1, 1)).item(0, "description")
    assert before != after
    assert "other than home" in after
    assert pos_on("10", D(2021, 12, 31)).is_empty()
    assert pos_on("10", D(2022, 1, 1)).height == 1


def test_modifiers() -> None:
    mods = cs.modifiers()
    assert mods.get_column("modifier").is_unique().all()
    indicators = set(mods.filter(pl.col("telehealth_indicator"))["modifier"])
    assert indicators == {"95", "93", "GT", "GQ", "FQ", "G0"}
    assert "GO" in set(mods["modifier"])  # letter O: occupational therapy, never telehealth
    assert "G0" in indicators and "GO" not in indicators

    def r(m: str) -> dict[str, object]:
        return mods.filter(pl.col("modifier") == m).row(0, named=True)

    assert r("GT")["medicare_professional_end_date"] == D(2017, 12, 31)
    assert r("93")["valid_start_date"] == D(2022, 1, 1)
    assert r("G0")["valid_start_date"] == D(2019, 1, 1)
    assert isinstance(r("FQ")["valid_start_date"], dt.date)
    assert set(mods.filter(pl.col("audio_only"))["modifier"]) == {"93", "FQ"}


def test_flexibility_windows_el003() -> None:
    fw = cs.flexibility_windows()
    built_in = fw.filter(pl.col("kind") == "built_in")
    assert built_in.height == 1
    assert built_in.row(0, named=True)["valid_start_date"] == D(2020, 3, 6)
    assert built_in.row(0, named=True)["valid_end_date"] == D(2027, 12, 31)
    ex = {r["window"]: r for r in fw.filter(pl.col("kind") == "exception").iter_rows(named=True)}
    assert set(ex) == {"substance_use_disorder", "mental_health", "home_dialysis"}
    sud, mh, dial = ex["substance_use_disorder"], ex["mental_health"], ex["home_dialysis"]
    assert (sud["valid_start_date"], sud["diagnosis_category_from"],
            sud["diagnosis_category_to"], sud["diagnosis_position"]) == (
        D(2019, 7, 1), "F10", "F19", "any")  # fmt: skip
    assert (mh["valid_start_date"], mh["diagnosis_category_from"],
            mh["diagnosis_category_to"], mh["diagnosis_position"]) == (
        D(2028, 1, 1), "F01", "F99", "principal")  # fmt: skip
    assert (dial["valid_start_date"], dial["hcpcs_code_from"], dial["hcpcs_code_to"]) == (
        D(2019, 1, 1),
        "90963",
        "90970",
    )
    assert fw.get_column("valid_end_date").filter(fw["kind"] == "exception").is_null().all()


def test_minutes_per_code() -> None:
    mpc = cs.minutes_per_code()
    assert mpc.get_column("hcpcs_code").is_unique().all()
    assert (mpc.get_column("minutes") > 0).all()
    assert not mpc.get_column("oig_verified").any()  # OIG's minute source is unknown
    assert mpc.get_column("provenance").str.len_chars().min() > 10  # type: ignore[operator]
    assert set(mpc["hcpcs_code"]) <= set(cs.hcpcs()["hcpcs_code"])
    office = cs.hcpcs().filter(pl.col("office_em")).select("hcpcs_code", "min_minutes")
    joined = office.join(mpc, on="hcpcs_code", how="left")
    assert (joined["minutes"] == joined["min_minutes"]).all()


# --- the CMS list reader ---------------------------------------------------------------------


def expected(year: int, rows: list[tuple[str, str, bool | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "year": [year] * len(rows),
            "hcpcs_code": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "audio_only": [r[2] for r in rows],
        },
        schema=cs.TELEHEALTH_LIST_SCHEMA,
    )


def test_read_cms_csv() -> None:
    got = cs.read_cms_telehealth_list(CMS / "telehealth_list_2027.csv", year=2027)
    want = expected(2027, [
        ("90837", "permanent", True),
        ("97110", "provisional", False),
        ("99213", "permanent", True),   # first of the 99213 / 99213.0 duplicates wins
        ("99499", "other", True),       # unknown status wording, audio "x"
        ("G2211", "permanent", False),  # " g2211 " trimmed and upper-cased
    ])  # fmt: skip
    assert_frame_equal(got, want)


def test_read_cms_xlsx() -> None:
    got = cs.read_cms_telehealth_list(CMS / "telehealth_list_2021.xlsx", year=2021)
    want = expected(2021, [
        ("90853", "permanent", True),     # stored as the float 90853.0
        ("96130", "category_3", False),   # "Category 3"
        ("99213", "permanent", False),    # blank status
        ("99349", "category_3", False),   # "Available up Through the Year ..."
        ("99441", "temporary_phe", True), # "Temporary Addition for the PHE ..." and "X"
        ("G2211", "permanent", False),
    ])  # fmt: skip
    assert_frame_equal(got, want)


def test_read_cms_without_status_or_audio_columns() -> None:
    got = cs.read_cms_telehealth_list(CMS / "telehealth_list_2019_no_status.csv", year=2019)
    assert_frame_equal(got, expected(2019, [("99212", "permanent", None),
                                            ("G0438", "permanent", None)]))  # fmt: skip


def test_cms_list_feeds_telehealth_list() -> None:
    year_2021 = cs.read_cms_telehealth_list(CMS / "telehealth_list_2021.xlsx", year=2021)
    merged = cs.telehealth_list(year_2021)
    assert listed(merged, 2021) == {"90853", "96130", "99213", "99349", "99441", "G2211"}
    assert listed(merged, 2022) == listed(cs.telehealth_list(), 2022)


def test_read_cms_bad_file() -> None:
    with pytest.raises(InputError, match=r"bad_no_header\.csv: no header row found"):
        cs.read_cms_telehealth_list(CMS / "bad_no_header.csv", year=2027)


def test_read_cms_header_but_no_codes(tmp_path: Path) -> None:
    p = tmp_path / "empty.csv"
    p.write_text("Title\nHCPCS,Status\n* footnote only,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.csv: found the header row \(row 2\)"):
        cs.read_cms_telehealth_list(p, year=2027)


@pytest.mark.parametrize(("title_rows", "found"), [(29, True), (30, False)])
def test_read_cms_header_scan_limit(tmp_path: Path, title_rows: int, found: bool) -> None:
    p = tmp_path / "long_title.csv"
    p.write_text("title\n" * title_rows + "CPT/HCPCS Code,Status\n99213,Permanent\n",
                 encoding="utf-8")  # fmt: skip
    if found:
        assert cs.read_cms_telehealth_list(p, year=2027)["hcpcs_code"].to_list() == ["99213"]
    else:
        with pytest.raises(InputError, match="first 30 rows"):
            cs.read_cms_telehealth_list(p, year=2027)


def test_read_cms_missing_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: cannot open"):
        cs.read_cms_telehealth_list(tmp_path / "nope.csv", year=2027)
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(UnsupportedFormatError, match=r"list\.pdf: unsupported file type"):
        cs.read_cms_telehealth_list(pdf, year=2027)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match=r"broken\.xlsx: cannot read the workbook"):
        cs.read_cms_telehealth_list(broken, year=2027)
    with pytest.raises(TypeError):
        cs.read_cms_telehealth_list(CMS / "telehealth_list_2027.csv", year="2027")  # type: ignore[arg-type]
