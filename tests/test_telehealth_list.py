"""telekit's copy of the Medicare Telehealth Services List against CMS's CY2026 file, and the
list columns the engine annotates (DESIGN §5 "Unknown codes").

The CMS file tests read ``shared/reference-data`` when it is present (skipped cleanly without it).
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from telekit import codesets as cs
from telekit._engine import _vocabulary as v
from telekit._engine._annotate import _telehealth_list

SHARED = next(
    (
        p / "shared" / "reference-data"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "reference-data").is_dir()
    ),
    None,
)
D = dt.date
CY2026_EXCERPT = ("cms", "cms-layout", "telehealth_list_cy2026_508.excerpt.txt")
# the codes CMS's CY2026 list has that telekit's copy lacked before 2026-12-07 (cms/SOURCES.md)
ADDED_FROM_CMS = {
    "0362T", "0373T", "0591T", "0592T", "0593T", "77427", "90875", "90901", "92002", "92004",
    "92012", "92014", "92508", "92526", "92550", "92552", "92553",
}  # fmt: skip


def shared(*parts: str) -> Path:
    if SHARED is None or not SHARED.joinpath(*parts).exists():
        pytest.skip("shared/reference-data is not present")
    return SHARED.joinpath(*parts)


def listed(year: int, extra: pl.DataFrame | None = None) -> set[str]:
    tl = cs.telehealth_list(extra)
    return set(tl.filter(pl.col("year") == year)["hcpcs_code"])


def test_cms_cy2026_excerpt_reads_as_58_codes() -> None:
    got = cs.read_cms_telehealth_list(shared(*CY2026_EXCERPT), year=2026)
    assert got.height == 58
    assert got.schema == cs.TELEHEALTH_LIST_SCHEMA
    codes = got["hcpcs_code"].to_list()
    assert codes[0] == "0362T"
    assert codes[-1] == "92553"
    assert "92551" not in codes  # inside the excerpt's range, not on CMS's list
    # the 2026 file has no status column ("Maintain"/"Addition"): every code is permanent
    assert set(got["status"]) == {"permanent"}
    assert got["audio_only"].is_null().all()


def test_shipped_cy2026_list_matches_cms_within_the_excerpt() -> None:
    cms = set(cs.read_cms_telehealth_list(shared(*CY2026_EXCERPT), year=2026)["hcpcs_code"])
    ours = {c for c in listed(2026) if "0362T" <= c <= "92553"}
    assert ours == cms
    # "Maintain" in CY2026: on the CY2025 list too (90849 is the one "Addition")
    assert (cms - {"90849"}) <= listed(2025)
    assert "90849" not in listed(2025)


def test_additions_and_families_with_their_years() -> None:
    for year in (2025, 2026):
        assert listed(year) >= ADDED_FROM_CMS, year
        assert {str(n) for n in range(97151, 97159)} <= listed(year)
        assert {"92555", "92556", "92557", "92563", "93797", "93798", "G0422", "G0423"} <= listed(
            year
        )
    assert {"G0545", "92622", "92623", "90849", "G0473"} <= listed(2026)
    assert not {"G0545", "92622", "92623", "90849", "G0473"} & listed(2025)
    assert "92551" not in listed(2026)
    assert {"0591T", "0592T", "0593T"} & listed(2022) == set()
    for year in range(2020, 2025):
        assert {"98966", "98967", "98968"} <= listed(year), year
    assert not {"98966", "98967", "98968"} & (listed(2019) | listed(2025) | listed(2026))


def test_every_shipped_row_names_a_source_explained_in_sources_md() -> None:
    pkg = resources.files("telekit.codesets")
    raw = pl.read_csv(pkg.joinpath("telehealth_list.csv").read_bytes(), infer_schema=False)
    assert raw.columns[-1] == "source"
    assert raw["source"].is_not_null().all()
    sources_md = pkg.joinpath("SOURCES.md").read_text(encoding="utf-8")
    for key in raw["source"].unique().to_list():
        assert f"`{key}`" in sources_md, key
    # the CMS file's own rows say so
    cms_rows = raw.filter(pl.col("year") == "2026", pl.col("hcpcs_code").is_in(ADDED_FROM_CMS))
    assert set(cms_rows["source"]) == {"cms_cy2026_list"}


def _lines(rows: list[tuple[str, dt.date, bool]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "_row": list(range(len(rows))),
            "hcpcs_code": [r[0] for r in rows],
            "claim_line_start_date": [r[1] for r in rows],
            v.CODE_KNOWN: [r[2] for r in rows],
        }
    )


def test_annotation_known_absent_unknown_and_list_year_used() -> None:
    got = (
        _telehealth_list(
            _lines(
                [
                    ("99213", D(2018, 12, 31), True),  # before the earliest list
                    ("99213", D(2019, 1, 1), True),  # on it
                    ("90849", D(2025, 6, 2), True),  # curated, absent: known absent
                    ("0998T", D(2025, 6, 2), False),  # not curated, absent: unknown
                    ("90849", D(2027, 6, 1), True),  # no CY2027 list: CY2026's, on it
                    ("98004", D(2027, 6, 1), True),  # curated, absent from CY2026: unknown
                    ("99441", D(2020, 2, 29), True),  # PHE addition not yet in force
                    ("99441", D(2020, 3, 1), True),
                ]
            ),
            None,
        )
        .sort("_row")
        .collect()
    )
    assert got[v.LIST_YEAR_USED].to_list() == [None, 2019, 2025, 2025, 2026, 2026, 2020, 2020]
    assert got[v.LIST_YEAR_SHIPPED].to_list() == [False, True, True, True, False, False, True, True]
    assert got[v.ON_TELEHEALTH_LIST].to_list() == [
        False, True, False, False, True, False, False, True,
    ]  # fmt: skip
    assert got[v.LIST_KNOWN_ABSENT].to_list() == [
        False, False, True, False, False, False, True, False,
    ]  # fmt: skip
    assert got[v.LIST_UNKNOWN].to_list() == [
        False, False, False, True, False, True, False, False,
    ]  # fmt: skip
    assert not got[v.LIST_FROM_CMS_FILE].any()
    assert got.height == 8


def test_annotation_with_a_cms_file_for_the_year() -> None:
    given = pl.DataFrame({"year": [2027, 2027], "hcpcs_code": ["36415", "99213"]})
    got = (
        _telehealth_list(
            _lines(
                [
                    ("36415", D(2027, 2, 1), False),
                    ("0998T", D(2027, 2, 1), False),  # absent from a CMS file: known absent
                    ("90849", D(2027, 2, 1), True),  # on CY2026, not on the given CY2027
                    ("0998T", D(2026, 2, 2), False),  # CY2026 is still telekit's copy
                ]
            ),
            given,
        )
        .sort("_row")
        .collect()
    )
    assert got[v.LIST_FROM_CMS_FILE].to_list() == [True, True, True, False]
    assert got[v.ON_TELEHEALTH_LIST].to_list() == [True, False, False, False]
    assert got[v.LIST_KNOWN_ABSENT].to_list() == [False, True, True, False]
    assert got[v.LIST_UNKNOWN].to_list() == [False, False, False, True]
