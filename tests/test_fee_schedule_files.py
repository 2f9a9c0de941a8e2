"""Fee-schedule releases and GPCI files given by the user (``codesets.read_fee_schedule_release``,
``codesets.read_gpci_file``) and the options that reach the audit: ``--fee-schedule F``,
``--fee-schedule-from DATE``, ``--gpci F``, ``--locality L``, ``--expected-fees F`` (and
``audit_folder``'s keywords of the same names).

The readers are tested on CMS's own files when the shared reference folder is present (skipped
cleanly without it) and on small files written here in CMS's 2026 layout, whose RVUs are made up
(no CPT descriptor is written). The audit tests build a tiny practice: Medicare lines billed by
an NPI that fails its check digit (CD005, an error), denied by the payer, so each finding's
amount is priced as ``denied``: the expected fee, else the fee schedule, else the charge.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit import codesets as cs
from telekit._cli import main
from telekit._core._exceptions import InputError

D = dt.date
SHARED = next(
    (
        p / "shared" / "reference-data"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "reference-data").is_dir()
    ),
    None,
)


def shared(*parts: str) -> Path:
    if SHARED is None or not SHARED.joinpath(*parts).exists():
        pytest.skip("shared/reference-data is not present")
    return SHARED.joinpath(*parts)


# --- a PPRRVU file in CMS's 2026 layout (title rows, a five-row header, PRIC IND) ------------

TITLE_2026 = "2026 National Physician Fee Schedule Relative Value File July Release"
HEADER_2026 = [
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,NON-FACILITY,FACILITY,",
    ",,,,NOT USED,,,,,,,,,,,,,,,,,,,,,,PHYSICIAN,,DIAGNOSTIC,PE USED,PE USED,MP USED",
    ",,,,FOR,,,NON-FAC,,FACILITY,,,,,,,,,,,,,,,,,SUPERVISION OF,,IMAGING,FOR OPPS,FOR OPPS,"
    "FOR OPPS",
    ",,,STATUS,MEDICARE,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,PRE,"
    "INTRA,POST,MULT,BILAT,ASST,CO-,TEAM,PRIC,ENDO,CONV,DIAGNOSTIC,CALCULATION,FAMILY,PAYMENT,"
    "PAYMENT,PAYMENT",
    "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,"
    "IND,DAYS,OP,OP,OP,PROC,SURG,SURG,SURG,SURG,IND,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,"
    "AMOUNT,AMOUNT,AMOUNT",
]
#: made-up RVUs of 99213 (work, non-facility PE, facility PE, MP)
RVU_99213 = (Decimal("1.00"), Decimal("1.00"), Decimal("0.50"), Decimal("0.10"))
CF_NON_QUALIFYING = Decimal("33.4009")


def write_pprrvu(
    path: Path,
    *,
    title: str | None = TITLE_2026,
    cf: Decimal = CF_NON_QUALIFYING,
    rvus: tuple[Decimal, Decimal, Decimal, Decimal] = RVU_99213,
) -> Path:
    work, pe_non, pe_fac, mp = rvus
    rows = [
        f",,{title or ''},,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        ",,RELEASED 06/30/2026,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        *HEADER_2026,
        f"99213,,,A,,{work},{pe_non},,{pe_fac},,{mp},{work + pe_non + mp},"
        f"{work + pe_fac + mp},0,XXX,0.00,0.00,0.00,0,0,0,0,0,0,,{cf},09,0,99,0.00,0.00,0.00",
        f"0001F,,,I,,0.00,0.00,,0.00,,0.00,0.00,0.00,9,XXX,0.00,0.00,0.00,9,9,9,9,9,9,,{cf},09,"
        "0,99,0.00,0.00,0.00",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pfs_amount(gpci: tuple[Decimal, Decimal, Decimal] = (Decimal(1),) * 3) -> Decimal:
    """DESIGN §4's amount of one unit of the made-up 99213 at the non-facility rate (POS 11)."""
    work, pe_non, _, mp = RVU_99213
    return cents((work * gpci[0] + pe_non * gpci[1] + mp * gpci[2]) * CF_NON_QUALIFYING)


# --- the readers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("PPRRVU23_JAN.csv", ("2023-01", D(2023, 1, 1), D(2023, 12, 31), None, "33.8872")),
        ("PPRRVU24_JUL.csv", ("2024-07", D(2024, 3, 9), D(2024, 12, 31), None, "33.2875")),
        (
            "PPRRVU2026_JUL_nonQPP.excerpt.csv",
            ("2026-07", D(2026, 1, 1), D(2026, 12, 31), "non_qualifying", "33.4009"),
        ),
    ],
)
def test_release_of_cms_files_is_dated_by_title_and_conversion_factor(
    name: str, want: tuple[str, dt.date, dt.date, str | None, str]
) -> None:
    rel = cs.read_fee_schedule_release(shared("cms", "cms-layout", name))
    assert (rel.release, rel.valid_start_date, rel.valid_end_date, rel.apm) == want[:4]
    assert rel.shipped is False
    assert name in rel.source and f"conversion factor {want[4]}" in rel.source
    assert rel.rvu.equals(cs.read_cms_rvu(shared("cms", "cms-layout", name)))


def test_the_given_2024_july_release_equals_the_shipped_one() -> None:
    rel = cs.read_fee_schedule_release(shared("cms", "cms-layout", "PPRRVU24_JUL.csv"))
    shipped = cs.fee_schedule_releases().filter(pl.col("release") == "2024-07").row(0, named=True)
    assert (rel.valid_start_date, rel.valid_end_date) == (
        shipped["valid_start_date"],
        shipped["valid_end_date"],
    )
    assert rel.rvu.equals(cs.pfs_rvu("2024-07"))


def test_valid_from_and_valid_to_replace_the_dates() -> None:
    path = shared("cms", "cms-layout", "PPRRVU24_JUL.csv")
    rel = cs.read_fee_schedule_release(path, valid_from=D(2024, 7, 1))
    assert (rel.valid_start_date, rel.valid_end_date) == (D(2024, 7, 1), D(2024, 12, 31))
    rel = cs.read_fee_schedule_release(path, valid_to=D(2024, 9, 30))
    assert (rel.valid_start_date, rel.valid_end_date) == (D(2024, 3, 9), D(2024, 9, 30))
    with pytest.raises(InputError, match=r"^PPRRVU24_JUL\.csv: the dates it would price"):
        cs.read_fee_schedule_release(path, valid_from=D(2025, 1, 1))


@pytest.mark.parametrize(
    ("name", "title", "cf", "want"),
    [
        # the name says the year and month when the title does not
        ("PPRRVU2026_JAN_QPP.csv", None, "33.5675", ("2026-01", D(2026, 1, 1), None, "qualifying")),
        # RVU26C: CMS's July zip; the APM of a known conversion factor
        ("RVU26C.csv", None, "33.5675", ("2026-07", D(2026, 1, 1), None, "qualifying")),
        ("RVU26C.csv", None, "33.4009", ("2026-07", D(2026, 1, 1), None, "non_qualifying")),
        # the January 2024 release priced until the March 9 conversion factor
        ("PPRRVU24_JAN.csv", None, "32.7442", ("2024-01", D(2024, 1, 1), D(2024, 3, 8), None)),
        # an unknown conversion factor covers its calendar year; the title beats the name
        ("rvu_2020.csv", "2027 National Physician Fee Schedule Relative Value File April Release",
         "35.0000", ("2027-04", D(2027, 1, 1), D(2027, 12, 31), None)),
        # before 2026 no APM, whatever the name says
        ("PPRRVU25_JAN_nonQPP.csv", None, "32.3465", ("2025-01", D(2025, 1, 1), None, None)),
    ],
)  # fmt: skip
def test_release_year_month_and_apm_from_the_title_or_the_name(
    tmp_path: Path,
    name: str,
    title: str | None,
    cf: str,
    want: tuple[str, dt.date, dt.date | None, str | None],
) -> None:
    release, start, end, apm = want
    path = write_pprrvu(tmp_path / name, title=title, cf=Decimal(cf))
    rel = cs.read_fee_schedule_release(path)
    assert rel.release == release
    assert rel.valid_start_date == start
    assert rel.valid_end_date == (end or D(start.year, 12, 31))
    assert rel.apm == apm


def test_a_release_without_a_year_asks_for_fee_schedule_from(tmp_path: Path) -> None:
    path = write_pprrvu(tmp_path / "rvu.csv", title=None)
    with pytest.raises(InputError) as caught:
        cs.read_fee_schedule_release(path)
    message = str(caught.value)
    assert message.startswith("rvu.csv: cannot tell which year")
    assert "--fee-schedule-from" in message and "\n" not in message
    rel = cs.read_fee_schedule_release(path, valid_from=D(2026, 2, 1))
    assert (rel.release, rel.valid_start_date, rel.valid_end_date) == (
        "2026-02",
        D(2026, 2, 1),
        D(2026, 12, 31),
    )


def test_gpci_file_year_from_the_name_or_the_title(tmp_path: Path) -> None:
    g = cs.read_gpci_file(shared("cms", "cms-layout", "GPCI2026.csv"))
    assert (g.year, g.shipped, g.table.height) == (2026, False, 109)
    assert "GPCI2026.csv" in g.source
    assert g.table.equals(cs.read_cms_gpci(shared("cms", "cms-layout", "GPCI2026.csv")))
    text = (Path(__file__).parent / "data" / "cms" / "GPCI_fixture.csv").read_text()
    (tmp_path / "gpci.csv").write_text(text)  # no year in the name: the title's CY 2024
    assert cs.read_gpci_file(tmp_path / "gpci.csv").year == 2024
    assert cs.read_gpci_file(tmp_path / "gpci.csv", year=2025).year == 2025
    untitled = "\n".join(line.replace("2024 ", "") for line in text.splitlines()[2:])
    (tmp_path / "localities.csv").write_text(untitled + "\n")
    with pytest.raises(InputError, match=r"^localities\.csv: cannot tell which calendar year"):
        cs.read_gpci_file(tmp_path / "localities.csv")


# --- the options reach the audit ---------------------------------------------------------

CLAIMS_HEADER = (
    "claim_id,claim_line_number,person_id,member_id,payer,payer_type,claim_frequency_code,"
    "rendering_npi,billing_npi,claim_line_start_date,claim_submitted_date,"
    "place_of_service_code,hcpcs_code,service_unit_quantity,charge_amount,diagnosis_code_1,"
    "line_control_number"
)
REMITS_HEADER = (
    "remit_id,remit_claim_seq,svc_seq,claim_id,claim_status_code,payer_claim_control_number,"
    "payer,payment_date,service_date,line_control_number,hcpcs_code,line_charge_amount,"
    "paid_amount,allowed_amount,units_paid"
)
#: claim -> DOS; every line is 99213 at POS 11 for Medicare by NPI 1234567890 (fails CD005)
LINES = {"C1": "2026-03-10", "C2": "2026-02-10", "C3": "2025-06-10"}
CHARGE = Decimal("200.00")


def practice(folder: Path) -> Path:
    """Claims and the remittances that deny every line (CLP02 4, CO 50)."""
    folder.mkdir()
    claims = [CLAIMS_HEADER]
    remits = [REMITS_HEADER]
    adjustments = ["remit_id,remit_claim_seq,svc_seq,level,group_code,reason_code,amount,quantity"]
    for i, (claim, dos) in enumerate(LINES.items(), start=1):
        claims.append(
            f"{claim},1,P{i},M{i},MEDICARE,medicare,1,1234567890,1754182933,{dos},{dos},11,"
            f"99213,1,{CHARGE},E66.9,{claim}L1"
        )
        remits.append(
            f"R{i},1,1,{claim},4,PCN{i},MEDICARE,2026-04-30,{dos},{claim}L1,99213,{CHARGE},"
            "0.00,0.00,1"
        )
        adjustments.append(f"R{i},1,1,line,CO,50,{CHARGE},")
    for name, rows in (("claims", claims), ("remittances", remits), ("adjustments", adjustments)):
        (folder / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return practice(tmp_path / "practice")


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return write_pprrvu(tmp_path / "PPRRVU2026_JUL_nonQPP.csv")


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["audit", *(str(a) for a in argv)])
    return code, out.getvalue(), err.getvalue()


def cd005(out: Path) -> dict[str, dict[str, object]]:
    """claim_id -> its CD005 finding (exposure, exposure_amount, amount_basis, ...)."""
    findings = pl.read_parquet(out / "findings.parquet").filter(pl.col("rule_code") == "CD005")
    return {row["claim_id"]: row for row in findings.iter_rows(named=True)}


def test_without_a_2026_release_the_denied_line_is_priced_at_its_charge(
    folder: Path, tmp_path: Path
) -> None:
    code, _, err = run(folder, "--out", tmp_path / "out")
    assert code == 1, err
    found = cd005(tmp_path / "out")
    assert set(found) == set(LINES)
    for row in found.values():
        assert (row["line_status"], row["exposure"]) == ("denied", "denied")
        assert row["expected_allowed"] is None
        assert (row["amount_basis"], row["exposure_amount"]) == ("charge", CHARGE)


def test_a_given_2026_release_prices_the_2026_medicare_lines(
    folder: Path, release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, stdout, err = run(folder, "--fee-schedule", release, "--out", out)
    assert code == 1, err
    found = cd005(out)
    for claim in ("C1", "C2"):
        assert found[claim]["expected_allowed"] == pfs_amount()
        assert found[claim]["amount_basis"] == "fee_schedule"
        assert found[claim]["exposure_amount"] == pfs_amount()
    assert found["C3"]["expected_allowed"] is None  # 2025: no release covers it
    assert found["C3"]["amount_basis"] == "charge"
    summary = json.loads((out / "summary.json").read_text())
    given_releases = [
        (r["release"], r["covers"])
        for r in summary["reference"]
        if r["kind"] == "fee_schedule" and not r["shipped"]
    ]
    assert given_releases == [("2026-07", "2026-01-01..2026-12-31")]
    given = json.loads((out / "inputs.json").read_text())["inputs"]["fee_schedule"]
    assert [Path(e["path"]).name for e in given] == [release.name]
    assert len(given[0]["sha256"]) == 64
    denied = 2 * pfs_amount() + CHARGE
    assert f"| ${denied:,.2f} denied | rules run " in stdout


def test_fee_schedule_from_moves_the_first_priced_date(
    folder: Path, release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, _, err = run(
        folder, "--fee-schedule", release, "--fee-schedule-from", "2026-03-01", "--out", out
    )
    assert code == 1, err
    found = cd005(out)
    assert found["C1"]["amount_basis"] == "fee_schedule"  # 2026-03-10
    assert found["C2"]["amount_basis"] == "charge"  # 2026-02-10, before the start given
    assert found["C2"]["expected_allowed"] is None
    options = json.loads((out / "inputs.json").read_text())["options"]
    assert options["fee_schedule_from"] == ["2026-03-01"]


def test_more_fee_schedule_from_than_fee_schedules_is_exit_2(
    folder: Path, release: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        folder,
        *("--fee-schedule", release),
        *("--fee-schedule-from", "2026-01-01", "--fee-schedule-from", "2026-06-01"),
        *("--out", tmp_path / "out"),
    )
    assert code == 2
    assert err.count("\n") == 1 and "--fee-schedule-from was given 2 times" in err
    assert not (tmp_path / "out").exists()


def test_a_release_without_a_year_is_exit_2_until_its_start_is_given(
    folder: Path, tmp_path: Path
) -> None:
    rvu = write_pprrvu(tmp_path / "rvu.csv", title=None)
    code, _, err = run(folder, "--fee-schedule", rvu, "--out", tmp_path / "out")
    assert code == 2
    assert err.count("\n") == 1 and "rvu.csv" in err and "--fee-schedule-from" in err
    code, _, err = run(
        folder,
        *("--fee-schedule", rvu, "--fee-schedule-from", "2026-01-01"),
        *("--out", tmp_path / "out"),
    )
    assert code == 1, err
    assert cd005(tmp_path / "out")["C1"]["amount_basis"] == "fee_schedule"


def test_locality_prices_with_its_gpcis_instead_of_national(
    folder: Path, release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, _, err = run(folder, "--fee-schedule", release, "--locality", "1320201", "--out", out)
    assert code == 1, err
    # no 2026 GPCIs given: the nearest earlier file, the shipped CY2024 one
    manhattan = cs.gpci().filter((pl.col("mac") == "13202") & (pl.col("locality") == "01"))
    row = manhattan.row(0, named=True)
    local = pfs_amount((row["work_gpci"], row["pe_gpci"], row["mp_gpci"]))
    assert local != pfs_amount()
    found = cd005(out)
    assert found["C1"]["expected_allowed"] == local
    assert found["C1"]["exposure_amount"] == local
    assert json.loads((out / "inputs.json").read_text())["options"]["locality"] == "1320201"


def test_gpci_file_given_prices_its_year(folder: Path, release: Path, tmp_path: Path) -> None:
    gpci = shared("cms", "cms-layout", "GPCI2026.csv")
    out = tmp_path / "out"
    code, _, err = run(
        folder, "--fee-schedule", release, "--gpci", gpci, "--locality", "1320201", "--out", out
    )
    assert code == 1, err
    row = (
        cs.read_cms_gpci(gpci)
        .filter((pl.col("mac") == "13202") & (pl.col("locality") == "01"))
        .row(0, named=True)
    )
    assert cd005(out)["C1"]["expected_allowed"] == pfs_amount(
        (row["work_gpci"], row["pe_gpci"], row["mp_gpci"])
    )
    given = json.loads((out / "inputs.json").read_text())["inputs"]["gpci"]
    assert [Path(e["path"]).name for e in given] == ["GPCI2026.csv"]


@pytest.mark.parametrize("locality", ["9999999", "13202", "MANHATTAN"])
def test_a_bad_locality_is_exit_2_in_one_line(folder: Path, tmp_path: Path, locality: str) -> None:
    code, _, err = run(folder, "--locality", locality, "--out", tmp_path / "out")
    assert code == 2
    assert err.count("\n") == 1 and "locality" in err
    assert not (tmp_path / "out").exists()


FEES = """
[[fee]]
payer = "MEDICARE"
hcpcs_code = "99213"
expected_allowed = "99.99"
start = 2026-01-01
end = 2026-02-28
"""


@pytest.mark.parametrize("where", ["flag", "dir"])
def test_a_dated_expected_fee_wins_only_inside_its_dates(
    folder: Path, release: Path, tmp_path: Path, where: str
) -> None:
    fees = (folder if where == "dir" else tmp_path) / "expected_fees.toml"
    fees.write_text(FEES, encoding="utf-8")
    flag = ["--expected-fees", fees] if where == "flag" else []
    out = tmp_path / "out"
    code, _, err = run(folder, "--fee-schedule", release, *flag, "--out", out)
    assert code == 1, err
    found = cd005(out)
    assert found["C2"]["amount_basis"] == "expected_fee"  # 2026-02-10: inside the fee's dates
    assert found["C2"]["exposure_amount"] == Decimal("99.99")
    assert found["C1"]["amount_basis"] == "fee_schedule"  # 2026-03-10: after them
    assert found["C1"]["exposure_amount"] == pfs_amount()
    assert found["C3"]["amount_basis"] == "charge"  # 2025, no fee and no release
    given = json.loads((out / "inputs.json").read_text())["inputs"]["expected_fees"]
    assert [Path(e["path"]) for e in given] == [fees.resolve()]


def test_expected_fees_flag_overrides_the_dir_file(
    folder: Path, release: Path, tmp_path: Path
) -> None:
    (folder / "expected_fees.toml").write_text(FEES, encoding="utf-8")
    other = tmp_path / "fees.toml"
    other.write_text(FEES.replace('"99.99"', '"88.88"'), encoding="utf-8")
    code, _, err = run(folder, "--expected-fees", other, "--out", tmp_path / "out")
    assert code == 1, err
    assert cd005(tmp_path / "out")["C2"]["exposure_amount"] == Decimal("88.88")


def test_audit_folder_takes_the_same_options(folder: Path, release: Path, tmp_path: Path) -> None:
    fees = tmp_path / "fees.toml"
    fees.write_text(FEES, encoding="utf-8")
    options = ("--fee-schedule", release, "--fee-schedule-from", "2026-02-15")
    code, _, err = run(folder, *options, "--locality", "1320201", "--expected-fees", fees,
                       "--out", tmp_path / "cli")  # fmt: skip
    result = tk.audit_folder(
        folder,
        tmp_path / "lib",
        fee_schedules=[release],
        fee_schedule_from=[D(2026, 2, 15)],
        locality="1320201",
        expected_fees=fees,
    )
    assert code == result.exit_code, err
    assert (tmp_path / "lib" / "findings.csv").read_bytes() == (
        tmp_path / "cli" / "findings.csv"
    ).read_bytes()
    assert cd005(tmp_path / "lib")["C1"]["amount_basis"] == "fee_schedule"
