"""835 remittance advice: frames, balancing checks kept as warnings, damaged files, the corpus,
read_remittances over several 835 and CSV files, and mutated files (only telekit's errors)."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telekit import read_remittances
from telekit._core._columns import ADJUSTMENTS, ISSUES_SCHEMA, REJECTS_SCHEMA, REMITTANCE_LINES
from telekit._core._exceptions import TelekitError, UnsupportedFormatError, X12Error
from telekit.x12._835 import (
    X12_CLAIMS_SCHEMA,
    X12_PAYMENTS_SCHEMA,
    X12_PROVIDER_ADJUSTMENTS_SCHEMA,
    X12_REMARKS_SCHEMA,
    read_835,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
# tests/x12/ -> tests/ -> the project -> its parent, which holds shared/ beside the project
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "x12"

D = Decimal
PHI = ("DOE", "JANE", "JOHN", "ROE", "RICHARD", "POE", "EDGAR", "MBI0001", "MBI0002", "CIG0001")


def strings(remits: object) -> set[str]:
    """Every string value of every frame of a Remittances."""
    out: set[str] = set()
    for name in ("lines", "adjustments", "claims", "payments", "remarks",
                 "provider_adjustments", "issues", "rejects"):  # fmt: skip
        frame: pl.DataFrame = getattr(remits, name)
        for col, dtype in frame.schema.items():
            if dtype == pl.String:
                out |= set(frame[col].drop_nulls().to_list())
    return out


# --- the project's own fixtures ------------------------------------------------------------------


def test_telehealth_lines() -> None:
    r = read_835(DATA / "telehealth.835")
    assert r.lines.schema == REMITTANCE_LINES.schema
    assert r.rows_in == 28
    assert r.rejects.height == 0
    got = r.lines.select(
        "remit_id", "remit_claim_seq", "svc_seq", "claim_id", "claim_status_code",
        "payer_claim_control_number", "payment_date", "service_date", "line_control_number",
        "hcpcs_code", "hcpcs_modifier_1", "submitted_hcpcs_code", "submitted_hcpcs_modifier_1",
        "line_charge_amount", "paid_amount", "allowed_amount", "units_paid",
    ).rows()  # fmt: skip
    st1, st2 = "000000101-101-0001", "000000101-101-0002"
    feb15, mar1 = dt.date(2024, 2, 15), dt.date(2024, 3, 1)
    jan5 = dt.date(2024, 1, 5)
    assert got == [
        (st1, 1, 1, "C100", "1", "ICN100A", feb15, jan5, "C100L1", "99213", "95", "99213", "95",
         D("150.00"), D("80.00"), D("100.00"), D("1.000")),
        (st1, 1, 2, "C100", "1", "ICN100A", feb15, jan5, "C100L2", "G2211", None, "G2211", None,
         D("30.00"), D("12.00"), D("15.00"), D("1.000")),
        # a claim without SVC: one row, svc_seq null, CLP03/CLP04, DTM*232 as its date
        (st1, 2, None, "C101", "4", "ICN101A", feb15, dt.date(2024, 1, 8), None, None, None, None,
         None, D("120.00"), D("0.00"), None, None),
        # SVC06 names what was billed (99213 93); SVC01 what the payer adjudicated
        (st1, 3, 1, "C102", "1", "ICN102A", feb15, dt.date(2024, 1, 10), "C102L1", "99442", "93",
         "99213", "93", D("100.00"), D("0.00"), None, D("1.000")),
        # the reversal (CLP02 22) is kept with its negated amounts, never netted
        (st2, 1, 1, "C100", "22", "ICN100A", mar1, jan5, "C100L1", "99213", "95", "99213", "95",
         D("-150.00"), D("-80.00"), D("-100.00"), D("-1.000")),
        (st2, 1, 2, "C100", "22", "ICN100A", mar1, jan5, "C100L2", "G2211", None, "G2211", None,
         D("-30.00"), D("-12.00"), D("-15.00"), D("-1.000")),
        (st2, 2, 1, "C100", "1", "ICN100B", mar1, jan5, "C100L1", "99213", "95", "99213", "95",
         D("150.00"), D("90.00"), D("110.00"), D("1.000")),
        (st2, 2, 2, "C100", "1", "ICN100B", mar1, jan5, "C100L2", "G2211", None, "G2211", None,
         D("30.00"), D("12.00"), D("15.00"), D("1.000")),
        (st2, 3, 1, "C103", "1", "ICN103A", mar1, dt.date(2024, 1, 12), "C103L1", "99212", "93",
         "99212", "93", D("90.00"), D("60.00"), D("72.00"), D("1.000")),
    ]  # fmt: skip
    assert set(r.lines["payer"]) == {"MEDICARE"}  # N1*PR N104
    assert set(r.lines["check_number"]) == {"EFT0001", "CHK0002"}


def test_telehealth_adjustments_are_long_and_signed() -> None:
    r = read_835(DATA / "telehealth.835")
    adj = r.adjustments
    assert adj.schema == ADJUSTMENTS.schema
    assert adj.height == 19
    first = adj.filter(pl.col("remit_id").str.ends_with("0001"))
    assert first.select(
        "remit_claim_seq", "svc_seq", "level", "group_code", "reason_code", "amount"
    ).rows() == [
        (1, 1, "line", "CO", "45", D("50.00")),
        (1, 1, "line", "PR", "2", D("20.00")),
        # one CAS segment with two triples: two rows
        (1, 2, "line", "CO", "45", D("10.00")),
        (1, 2, "line", "CO", "253", D("5.00")),
        (1, 2, "line", "PR", "2", D("3.00")),
        (2, None, "claim", "CO", "16", D("120.00")),
        (3, 1, "line", "CO", "96", D("100.00")),
    ]  # fmt: skip
    reversal = adj.filter(pl.col("remit_id").str.ends_with("0002"), pl.col("remit_claim_seq") == 1)
    assert reversal["amount"].sum() == D("-88.00")


def test_telehealth_claims_payments_remarks_plb() -> None:
    r = read_835(DATA / "telehealth.835")
    assert r.claims.schema == X12_CLAIMS_SCHEMA
    assert r.claims.select(
        "remit_claim_seq", "claim_id", "claim_status_code", "total_charge_amount", "paid_amount",
        "patient_responsibility_amount", "claim_filing_indicator_code", "claim_frequency_code",
    ).rows() == [
        (1, "C100", "1", D("180.00"), D("92.00"), D("23.00"), "MB", "1"),
        (2, "C101", "4", D("120.00"), D("0.00"), D("0.00"), "MB", "1"),
        (3, "C102", "1", D("100.00"), D("0.00"), D("0.00"), "MB", "1"),
        (1, "C100", "22", D("-180.00"), D("-92.00"), D("-23.00"), "MB", "1"),
        (2, "C100", "1", D("180.00"), D("102.00"), D("23.00"), "MB", "1"),
        (3, "C103", "1", D("90.00"), D("60.00"), D("12.00"), "MB", "7"),  # corrected claim
    ]  # fmt: skip
    assert r.payments.schema == X12_PAYMENTS_SCHEMA
    assert r.payments.rows() == [
        ("000000101-101-0001", "MEDICARE", dt.date(2024, 2, 15), "EFT0001", D("84.50"), "ACH", "C"),
        ("000000101-101-0002", "MEDICARE", dt.date(2024, 3, 1), "CHK0002", D("70.00"), "CHK", "C"),
    ]  # fmt: skip
    assert r.remarks.schema == X12_REMARKS_SCHEMA
    assert r.remarks.rows() == [
        ("000000101-101-0001", 2, None, "MA130", "claim"),  # MOA03
        ("000000101-101-0001", 2, None, "N290", "claim"),  # MOA04
        ("000000101-101-0001", 3, 1, "N30", "line"),  # LQ*HE
        ("000000101-101-0001", 3, 1, "M77", "line"),
    ]
    assert r.provider_adjustments.schema == X12_PROVIDER_ADJUSTMENTS_SCHEMA
    assert r.provider_adjustments.rows() == [
        ("000000101-101-0001", "WO", "ICN090A", D("10.00"), "1234567893", dt.date(2024, 12, 31)),
        ("000000101-101-0001", "L6", None, D("-2.50"), "1234567893", dt.date(2024, 12, 31)),
    ]


def test_payment_date_falls_back_to_dtm405_with_a_warning() -> None:
    r = read_835(DATA / "telehealth.835")
    assert r.issues.schema == ISSUES_SCHEMA
    # everything balances (with the PLB); the only issue is the missing BPR16 of ST 0002
    assert r.issues.rows() == [
        ("telehealth.835", 41, "BPR", "warning",
         "telehealth.835: segment 41 (BPR): BPR16 (element 16) is missing or not a date "
         "(CCYYMMDD); payment_date is taken from DTM*405 (element 2)."),
    ]  # fmt: skip


def test_patient_names_and_ids_are_never_kept() -> None:
    for name in ("telehealth.835", "damaged.835"):
        values = " ".join(strings(read_835(DATA / name)))
        assert not [p for p in PHI if p in values]


def test_balancing_mismatches_are_warnings_and_the_data_is_kept() -> None:
    r = read_835(DATA / "unbalanced.835")  # 4010, '|' and '^' delimiters, CRLF after '~'
    assert r.lines.height == 2
    assert r.lines["paid_amount"].to_list() == [D("110.00"), D("250.00")]
    assert r.lines["hcpcs_modifier_1"].to_list() == ["95", "93"]
    assert r.issues.select("segment_number", "segment_id", "severity", "message").rows() == [
        (4, "BPR", "warning",
         "unbalanced.835: segment 4 (BPR): BPR02 (element 2) does not balance: the sum of CLP04 "
         "minus the sum of PLB amounts differs from BPR02; the payment is kept."),
        (8, "CLP", "warning",
         "unbalanced.835: segment 8 (CLP): CLP04 (element 4) does not balance: CLP03 minus the "
         "CAS amounts of the claim and its lines differs from CLP04; the claim is kept."),
        (9, "SVC", "warning",
         "unbalanced.835: segment 9 (SVC): SVC03 (element 3) does not balance: SVC02 minus the "
         "line's CAS amounts differs from SVC03; the line is kept."),
    ]  # fmt: skip


def test_a_debit_payment_balances_negated(tmp_path: Path) -> None:
    text = (DATA / "unbalanced.835").read_bytes()
    fixed = text.replace(b"BPR|I|500.00|C|", b"BPR|I|350.00|D|")
    r = read_835(fixed, name="debit.835")
    assert "BPR" in r.issues["segment_id"].to_list()  # -350 != 100 + 250
    credit = read_835(text.replace(b"BPR|I|500.00|C|", b"BPR|I|350.00|C|"), name="credit.835")
    assert "BPR" not in credit.issues["segment_id"].to_list()


def test_damaged_file_keeps_what_it_can() -> None:
    r = read_835(DATA / "damaged.835")
    assert r.rejects.schema == REJECTS_SCHEMA
    assert r.rejects["record_key"].to_list() == [  # remit_id:remit_claim_seq:svc_seq
        "000000303-303-0301:1:1",
        "000000303-303-0301:2:",  # a claim without SVC: no svc_seq
        "000000303-303-0301:3:",
        "000000303-303-0301:4:1",
        "000000303-303-0301:3:",  # a claim-level adjustment
        "000000303-303-0301:4:1",
    ]
    assert r.rejects.drop("record_key").rows() == [
        ("remittances", "damaged.835", 11, "service_date", "20241350",
         "expected a date (CCYYMMDD)"),
        ("remittances", "damaged.835", 14, "claim_id", None, "missing required value"),
        ("remittances", "damaged.835", 15, "paid_amount", "x",
         "expected an amount with at most 2 decimals (e.g. 1234.50, $1,234.50 or (12.50))"),
        ("remittances", "damaged.835", 18, "paid_amount", "60.005",
         "expected an amount with at most 2 decimals (e.g. 1234.50, $1,234.50 or (12.50))"),
        ("adjustments", "damaged.835", 16, "group_code", "ZZ",
         "expected one of: CO, PR, OA, PI, CR"),
        ("adjustments", "damaged.835", 19, "amount", "abc",
         "expected an amount with at most 2 decimals (e.g. 1234.50, $1,234.50 or (12.50))"),
    ]  # fmt: skip
    assert r.rows_in == r.lines.height + r.adjustments.height + r.rejects.height == 8
    # the line without a procedure code is kept; CLP04 'x' leaves the claim with a null paid
    assert r.lines.select("claim_id", "svc_seq", "hcpcs_code", "paid_amount").rows() == [
        ("C303", 2, None, D("40.00"))
    ]
    assert r.claims.select("claim_id", "paid_amount").rows() == [
        ("C300", D("80.00")), (None, D("50.00")), ("C302", None), ("C303", D("100.00")),
    ]  # fmt: skip
    # GS04 is the payment date when BPR16 is unreadable and there is no DTM*405
    assert r.payments.select("payment_date", "total_paid_amount", "payer").rows() == [
        (dt.date(2024, 5, 1), None, "CIGNA")
    ]
    where = r.issues.select("segment_number", "segment_id", "severity").rows()
    assert where == [
        (4, "BPR", "warning"), (4, "BPR", "error"), (7, "CAS", "error"), (11, "SVC", "error"),
        (14, "CLP", "error"), (15, "CLP", "error"), (15, "CLP", "error"), (16, "CAS", "error"),
        (18, "SVC", "error"), (19, "CAS", "error"), (20, "SVC", "warning"), (21, "SE", "warning"),
        (23, "IEA", "warning"),
    ]  # fmt: skip
    messages = r.issues["message"].to_list()
    assert messages[3] == (
        "damaged.835: segment 11 (SVC): DTM02 (element 2) of the line's DTM*472/150: expected a "
        "date (CCYYMMDD); the remittances row is in rejects."
    )
    assert messages[9] == (
        "damaged.835: segment 19 (CAS): CAS03 (element 3): expected an amount with at most 2 "
        "decimals (e.g. 1234.50, $1,234.50 or (12.50)); the adjustments row is in rejects."
    )
    for message in messages:  # element positions, never values
        assert message.startswith("damaged.835: segment ")
        for value in ("abc", "2024XX01", "20241350", "60.005", "ZZ", "ICN30", "C30", "CIGNA"):
            assert value not in message


def test_an_837_is_not_a_remittance() -> None:
    text = (DATA / "telehealth.835").read_text()
    claims = text.replace("ST*835*", "ST*837*").replace("005010X221A1", "005010X222A1")
    with pytest.raises(
        UnsupportedFormatError, match=r"^x\.837: no 835 transaction set .*segment 3"
    ):
        read_835(claims.encode(), name="x.837")


def test_transaction_without_bpr_is_an_error_and_keeps_its_claims() -> None:
    text = (DATA / "telehealth.835").read_bytes().replace(b"BPR*I*70*C*CHK~\n", b"")
    r = read_835(text, name="nobpr.835")
    assert r.lines.height == 9
    assert r.payments["total_paid_amount"].to_list() == [D("84.50"), None]
    assert r.payments["payment_date"].to_list() == [dt.date(2024, 2, 15), dt.date(2024, 3, 1)]
    errors = r.issues.filter(pl.col("severity") == "error")
    assert errors.select("segment_number", "segment_id", "message").rows() == [
        (40, "ST", "nobpr.835: segment 40 (ST): transaction set has no BPR; its total is not "
         "checked."),
    ]  # fmt: skip


def test_a_non_835_transaction_set_is_skipped_and_the_rest_read() -> None:
    text = (DATA / "telehealth.835").read_bytes().replace(b"ST*835*0002", b"ST*837*0002")
    r = read_835(text, name="mixed.edi")
    assert r.payments["remit_id"].to_list() == ["000000101-101-0001"]
    assert r.lines.height == 4
    skipped = r.issues.filter(pl.col("severity") == "error")
    assert skipped["message"].to_list() == [
        "mixed.edi: segment 40 (ST): transaction set skipped: ST01 (element 1) is not 835."
    ]


def test_other_version_is_skipped_with_an_error() -> None:
    text = (DATA / "telehealth.835").read_bytes()
    with pytest.raises(UnsupportedFormatError, match="supported version"):
        read_835(text.replace(b"005010X221A1", b"003070X091"), name="old.835")


def test_not_x12_is_an_x12_error() -> None:
    with pytest.raises(X12Error, match=r"^junk\.835: "):
        read_835(b"remit_id,claim_id\nR1,C1\n", name="junk.835")


# --- read_remittances: recognised by content, several files, mixed with CSV -----------------------


def test_read_remittances_reads_several_835_files(tmp_path: Path) -> None:
    a = shutil.copy(DATA / "telehealth.835", tmp_path / "a.835")
    b = shutil.copy(DATA / "unbalanced.835", tmp_path / "b.txt")
    r = read_remittances([a, b])
    assert r.lines.height == 9 + 2
    assert r.adjustments.height == 19 + 3
    assert r.claims.height == 6 + 2
    assert r.payments.height == 3
    assert r.rows_in == 28 + 5
    assert r.sources == (str(a), str(b))
    assert set(r.issues["file"]) == {"a.835", "b.txt"}
    assert r.claims.schema == X12_CLAIMS_SCHEMA


def test_read_remittances_mixes_csv_and_835(tmp_path: Path) -> None:
    lines = shutil.copy(SAMPLES / "remittances.csv", tmp_path / "remittances.csv")
    adjustments = shutil.copy(SAMPLES / "adjustments.csv", tmp_path / "adjustments.csv")
    era = shutil.copy(DATA / "telehealth.835", tmp_path / "era.835")
    csv_only = read_remittances([lines, adjustments])
    mixed = read_remittances([lines, era, adjustments])
    assert mixed.lines.height == csv_only.lines.height + 9
    assert mixed.adjustments.height == csv_only.adjustments.height + 19
    assert mixed.rows_in == csv_only.rows_in + 28
    assert mixed.claims.height == csv_only.claims.height + 6
    assert mixed.claims.schema == X12_CLAIMS_SCHEMA  # CSV claims get null filing/frequency
    assert mixed.claims.filter(pl.col("remit_id") == "R000001")[
        "claim_frequency_code"
    ].to_list() == [None]
    assert mixed.remarks.height == 4
    assert mixed.sources == (str(lines), str(era), str(adjustments))


def test_a_remittances_835_ignores_sibling_csv_adjustments(tmp_path: Path) -> None:
    era = shutil.copy(DATA / "telehealth.835", tmp_path / "remittances.835")
    shutil.copy(SAMPLES / "adjustments.csv", tmp_path / "adjustments.csv")
    assert read_remittances(era).adjustments.height == 19


def test_repeated_remit_id_across_files_is_a_warning(tmp_path: Path) -> None:
    a = shutil.copy(DATA / "telehealth.835", tmp_path / "a.835")
    b = shutil.copy(DATA / "telehealth.835", tmp_path / "b.835")
    r = read_remittances([a, b])
    repeated = r.issues.filter(pl.col("file") == "b.835")
    assert repeated.select("segment_id", "severity").rows()[-1] == ("ST", "warning")
    assert "2 transaction set(s) have a remit_id" in repeated["message"][-1]


# --- the corpus -----------------------------------------------------------------------------------

# file: transaction sets, CLP, SVC, CLP without SVC, CAS triples, sum CLP03, CLP04, CLP05,
# SVC02, SVC03, CAS amounts, PLB pairs, sum PLB, sum BPR02, remarks (LQ*HE, MOA, MIA),
# issues (segment ids, sorted)
LFH = "LinuxForHealth-x12/835_005010X221A1/"
STU = "stupidedi/X221A1_HP835_Health_Care_Claim_Payment_Advice/pass/"
EXPECTED = [
    (LFH + "cob-contractural-adjustment.835", 1, 1, 1, 0, 2, "541.00", "34.00", "0", "541.00",
     "34.00", "507.00", 0, "0", "34.00", 0, ["BPR", "SVC"]),
    (LFH + "managed-care.835", 1, 2, 2, 0, 5, "2000.00", "945.00", "900.00", "2000.00",
     "1050.00", "1055.00", 0, "0", "945.00", 0, ["BPR"]),
    (LFH + "medicare-part-a.835", 1, 2, 0, 2, 2, "226366.97", "149998.73", "0", "0", "0",
     "76368.24", 1, "-1.27", "150000.00", 1, []),
    (LFH + "secondary-payment.835", 1, 2, 2, 1, 5, "11075.14", "1222.00", "220.00", "751.50",
     "310.00", "9853.14", 0, "0", "1222.00", 0, ["BPR", "SVC", "SVC"]),
    (LFH + "tertiary-payment.835", 1, 1, 1, 0, 1, "1766.50", "187.50", "0", "24599.00",
     "1766.50", "1579.00", 0, "0", "187.50", 0, ["BPR", "SVC", "SVC"]),
    ("TigerShark/5010-835-example-1.txt", 1, 3, 9, 0, 10, "11370", "1790", "5790", "11370",
     "1912", "9580", 0, "0", "1790", 5, []),
    ("TigerShark/5010-835-example-2.txt", 1, 2, 6, 0, 6, "2290.16", "100", "0", "2290.16",
     "100", "2190.16", 0, "0", "100", 5, ["SE"]),
    ("TigerShark/5010-835-example-3.txt", 1, 2, 2, 0, 3, "1188", "57.44", "1118", "1188",
     "57.44", "1130.56", 0, "0", "57.44", 0, []),
    ("TigerShark/835-example-2.txt", 2, 2, 2, 0, 2, "23476.58", "12200.67", "145.00",
     "23476.58", "12345.67", "11275.91", 0, "0", "24346.32", 0, ["BPR", "GE", "SE", "SE"]),
    ("TigerShark/835-example.txt", 1, 2, 2, 0, 2, "23476.58", "12200.67", "145.00", "23476.58",
     "12345.67", "11275.91", 1, "-361.19", "12345.67", 2, ["BPR", "SE"]),
    ("pyx12/tests/835_mult_loops.txt", 1, 1, 3, 0, 3, "915.39", "0", "0", "915.39", "0",
     "915.39", 0, "0", "0", 3, []),
    (STU + "dollars-and-data-sent-separate.edi", 1, 2, 2, 0, 5, "2000", "945", "900", "2000",
     "1050", "1055", 0, "0", "945", 0, []),
    (STU + "dollars-and-data-sent-together.edi", 1, 2, 0, 2, 2, "226366.97", "149998.73", "0",
     "0", "0", "76368.24", 1, "-1.27", "150000", 1, []),
    (STU + "era-sample.edi", 1, 1, 5, 0, 5, "226", "132", "0", "226", "132", "94", 0, "0",
     "132", 0, []),
    (STU + "multiple-claims-single-check.edi", 1, 9, 33, 0, 39, "2819", "810.8", "970.2",
     "2819", "810.8", "2008.2", 0, "0", "810.8", 0, []),
    (STU + "secondary-payment-with-higher-fee-schedule.edi", 1, 1, 1, 0, 2, "541", "34", "0",
     "541", "34", "507", 0, "0", "34.00", 0, []),
    (STU + "secondary-payments.edi", 1, 2, 2, 1, 5, "11075.14", "1222", "220", "751.5", "310",
     "9853.14", 0, "0", "1222", 0, []),
    (STU + "tertiary-payments.edi", 1, 1, 1, 0, 1, "1766.5", "187.50", "0", "1766.5", "187.50",
     "1579", 0, "0", "187.50", 0, []),
]  # fmt: skip


def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/fixtures/x12 is absent")
    return CORPUS


def total(frame: pl.DataFrame, col: str) -> Decimal:
    value = frame[col].sum()
    return Decimal(0) if value is None else Decimal(value)


@pytest.mark.parametrize("row", EXPECTED, ids=[Path(r[0]).name for r in EXPECTED])
def test_corpus_835(row: tuple[object, ...]) -> None:
    (name, n_st, n_clp, n_svc, n_bare, n_cas, clp03, clp04, clp05, svc02, svc03, cas, n_plb,
     plb, bpr02, n_remarks, issues) = row  # fmt: skip
    r = read_835(corpus() / str(name))
    svc = r.lines.filter(pl.col("svc_seq").is_not_null())
    bare = r.lines.filter(pl.col("svc_seq").is_null())
    assert (r.payments.height, r.claims.height, svc.height, bare.height) == (
        n_st,
        n_clp,
        n_svc,
        n_bare,
    )
    assert r.adjustments.height == n_cas
    assert r.rejects.height == 0
    assert r.rows_in == r.lines.height + r.adjustments.height
    assert total(r.claims, "total_charge_amount") == D(str(clp03))
    assert total(r.claims, "paid_amount") == D(str(clp04))
    assert total(r.claims, "patient_responsibility_amount") == D(str(clp05))
    assert total(svc, "line_charge_amount") == D(str(svc02))
    assert total(svc, "paid_amount") == D(str(svc03))
    # a claim without SVC carries its CLP03/CLP04, so lines add up to the claims' totals
    assert total(bare, "paid_amount") == total(
        r.claims.join(svc.select("remit_id", "remit_claim_seq"), on=["remit_id",
                      "remit_claim_seq"], how="anti"), "paid_amount"
    )  # fmt: skip
    assert total(r.adjustments, "amount") == D(str(cas))
    assert r.provider_adjustments.height == n_plb
    assert total(r.provider_adjustments, "amount") == D(str(plb))
    assert total(r.payments, "total_paid_amount") == D(str(bpr02))
    assert r.remarks.height == n_remarks
    assert sorted(r.issues["segment_id"].to_list()) == issues
    assert set(r.issues["severity"]) <= {"warning"}
    assert r.lines["payment_date"].null_count() == 0


def test_corpus_4010_with_line_break_before_terminator() -> None:
    r = read_835(corpus() / "TigerShark/835-example.txt")
    assert r.provider_adjustments.select("reason_code", "reference").rows() == [
        ("WO", "12104411559120820 001GAL295513")
    ]
    assert r.lines["hcpcs_code"].to_list() == ["88888", "88888"]
    assert r.lines["line_control_number"].to_list() == ["251111111111", "252222222222"]
    assert r.remarks["remark_code"].to_list() == ["N220", "M68"]


def test_corpus_files_read_together_warn_about_shared_remit_ids() -> None:
    root = corpus()
    r = read_remittances(
        [root / STU / "era-sample.edi", root / STU / "multiple-claims-single-check.edi"]
    )
    assert r.lines.height == 5 + 33
    assert r.issues.filter(pl.col("segment_id") == "ST").height == 1


def test_corpus_non_835_is_unsupported() -> None:
    path = corpus() / "LinuxForHealth-x12/837_005010X222A2/demo.example1.837"
    with pytest.raises(
        UnsupportedFormatError, match=r"demo\.example1\.837: no 835 transaction set"
    ):
        read_835(path)


# --- mutations ------------------------------------------------------------------------------------

SEEDS = [(DATA / n).read_bytes() for n in ("telehealth.835", "unbalanced.835", "damaged.835")]
FRAGMENTS = [b"*", b":", b"~", b"|", b"^", b"\n", b"CLP*", b"SVC*HC:", b"CAS*CO*45*", b"PLB*",
             b"SE*1*1~", b"ST*835*9~", b"ISA", b"-", b".", b"9" * 20, b"\x00", b"\xff"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]))
        if not data:
            break
        # past the first ISA header, whose damage the tokenizer's own tests cover
        at = draw(st.integers(min(106, len(data) - 1), len(data) - 1))
        if kind == "delete":
            del data[at : at + draw(st.integers(1, 30))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(FRAGMENTS) | st.binary(max_size=8))
        elif kind == "replace":
            data[at] = draw(st.integers(0, 255))
        elif kind == "duplicate":
            end = at + draw(st.integers(1, 120))
            data[at:at] = data[at:end]
        else:
            data = data[: at + 1]
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_835_raises_only_telekit_errors(data: bytes) -> None:
    try:
        r = read_835(data, name="mutated.835")
    except TelekitError:
        return
    assert r.rows_in == r.lines.height + r.adjustments.height + r.rejects.height
    assert r.lines.schema == REMITTANCE_LINES.schema
    assert r.issues.schema == ISSUES_SCHEMA
    assert r.issues["message"].str.starts_with("mutated.835: ").all()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_telekit_errors(data: bytes) -> None:
    with contextlib.suppress(TelekitError):
        read_835(b"ISA*00*" + data, name="random.835")


def test_a_segment_the_file_ends_inside_is_a_reject_not_a_partial_row() -> None:
    """A remittance cut inside its last CAS: that adjustment is a reject (at its segment), the
    rows before it are read, and the accounting holds."""
    hostile = Path(__file__).parents[1] / "data" / "hostile" / "files"
    remits = read_remittances(hostile / "remittances__truncated.835")
    assert remits.rejects.height == 1
    reject = remits.rejects.row(0, named=True)
    assert reject["table"] == "adjustments"
    assert reject["row_number"] == 112
    assert "ends inside segment 112 (CAS" in reject["reason"]
    assert remits.rows_in == remits.lines.height + remits.adjustments.height + 1
