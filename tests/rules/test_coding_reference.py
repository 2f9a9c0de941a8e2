"""CD004 and CD006 judge against the reference sets in force on the DOS, given ones included."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import polars as pl

import telekit as tk
from telekit._core import _columns as c
from telekit._engine import _vocabulary as v
from telekit._engine._reference import FeeScheduleRelease, reference
from telekit.codesets import pfs_rvu
from telekit.rules._coding_reference import PFS_RELEASE, PFS_STATUS, cd006_pfs_status

if TYPE_CHECKING:
    from telekit._engine._inputs import Inputs

LINE = {
    "claim_id": "C1",
    "claim_line_number": 1,
    "person_id": "P1",
    "payer": "MEDICARE",
    "payer_type": "medicare",
    "claim_frequency_code": "1",
    "rendering_npi": "1234567893",
    "billing_npi": "1245319599",
    "claim_line_start_date": "2026-10-15",
    "claim_submitted_date": "2026-10-20",
    "place_of_service_code": "11",
    "hcpcs_code": "99213",
    "service_unit_quantity": "1",
    "charge_amount": "150.00",
    "diagnosis_code_1": "F41",
}


def _claims(*overrides: dict[str, str]) -> pl.DataFrame:
    rows = [{**LINE, "claim_id": f"C{i}", **o} for i, o in enumerate(overrides, start=1)]
    return pl.DataFrame(rows)


def _fired(result: tk.AuditResult, code: str) -> list[str]:
    hits = result.findings.filter(pl.col("rule_code") == code)
    return sorted(hits.get_column("claim_id").to_list())


def test_cd004_a_given_fiscal_year_set_is_used_beyond_the_shipped_years() -> None:
    claims = _claims({"diagnosis_code_1": "F41"}, {"diagnosis_code_1": "F41.1"})
    shipped_only = tk.audit(claims)
    assert _fired(shipped_only, "CD004") == []
    assert shipped_only.statuses["CD004"].state == "partial"
    assert shipped_only.statuses["CD004"].unjudged == 2
    fy2027 = pl.DataFrame(
        {"fiscal_year": [2027, 2027], "code": ["F41", "F411"], "billable": [False, True]}
    )
    given = tk.audit(claims, icd10=[fy2027])
    assert _fired(given, "CD004") == ["C1"]
    assert given.statuses["CD004"].state == "evaluated"
    message = given.findings.filter(pl.col("rule_code") == "CD004")["message"][0]
    assert "FY2027 ICD-10-CM code set (2026-10-01 to 2027-09-30)" in message


def test_cd006_a_given_release_prices_its_own_dates_and_wins_where_it_overlaps() -> None:
    january = FeeScheduleRelease(
        release="2024-01",
        valid_start_date=dt.date(2024, 1, 1),
        valid_end_date=dt.date(2024, 3, 9),  # overlaps the shipped 2024-07 on its first day
        rvu=pfs_rvu("2024-07").with_columns(
            pl.when(pl.col("hcpcs_code") == "99213")
            .then(pl.lit("N"))
            .otherwise(pl.col("status"))
            .alias("status")
        ),
        source="test",
        shipped=False,
    )
    inputs = cast("Inputs", SimpleNamespace(reference=reference(fee_schedules=[january])))
    lines = pl.LazyFrame(
        {
            v.ROW: pl.Series([0, 1, 2, 3], dtype=pl.UInt32),
            c.CLAIM_LINE_START_DATE: [
                dt.date(2024, 2, 1),
                dt.date(2024, 3, 9),
                dt.date(2025, 1, 1),
                dt.date(2024, 2, 1),
            ],
            c.HCPCS_CODE: ["99213", "99395", "99395", "99395"],
            v.IS_MEDICARE: [True, True, True, False],
        }
    )
    out = cd006_pfs_status(lines, inputs).collect().sort(v.ROW)
    assert out.get_column(PFS_RELEASE).to_list() == ["2024-01", "2024-01", None, None]
    assert out.get_column(PFS_STATUS).to_list() == ["N", "N", None, None]
