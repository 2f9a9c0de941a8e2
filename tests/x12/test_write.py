"""The X12 writers: valid envelopes, determinism, and the sample practice's round trip.

``telekit sample`` writes its practice as ``x12/claims.837``, ``x12/remittances.835`` and
``x12/eligibility.271``; reading them back equals the CSV tables on every column the X12 form
carries:

- claims: an 837P carries no person_id (the reader uses the member id), no encounter_id and no
  original_claim_id (resolved from REF*F8 through remittances); diagnoses are written without
  the dot, and a line without diagnoses points at none, so it reads the claim's HI codes
  (DESIGN §3: the line's SV107 pointers first, then HI in order). self_pay claims are not
  billed to a payer and are not written.
- remittances: remit_id is ISA13-GS06-ST02 by design (mapped through the check number).
- coverage: telehealth_covered is not carried; person_id comes back through ``person_map``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit import sample
from telekit._core import _columns as col
from telekit._core._remittances import CLAIMS_SCHEMA, PAYMENTS_SCHEMA
from telekit.x12 import _write, iter_segments
from telekit.x12._271 import read_271
from telekit.x12._envelope import Envelope

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SEED, SIZE = 5, 700


@pytest.fixture(scope="module")
def practice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("practice")
    sample.write(out, seed=SEED, size=SIZE)
    return out


# --- envelopes ---------------------------------------------------------------------------------


def _envelope_issues(path: Path) -> pl.DataFrame:
    env = Envelope(path.name)
    for seg in iter_segments(path):
        env.feed(seg)
    env.finish()
    return env.issues_frame()


@pytest.mark.parametrize("name", ["claims.837", "remittances.835", "eligibility.271"])
def test_written_files_have_valid_envelopes(practice_dir: Path, name: str) -> None:
    path = practice_dir / "x12" / name
    data = path.read_bytes()
    isa = data.split(b"~", 1)[0]
    assert len(isa) == 105  # ISA is fixed width: 106 bytes with its terminator
    assert isa[3:4] == b"*" and isa[-1:] == b":"
    assert isa.split(b"*")[12] == b"00501"
    assert _envelope_issues(path).height == 0
    segments = list(iter_segments(path))
    assert [s.id for s in segments[:2]] == ["ISA", "GS"]
    assert [s.id for s in segments[-2:]] == ["GE", "IEA"]
    st_count = sum(s.id == "ST" for s in segments)
    assert st_count > 1 and segments[-2].el(1) == str(st_count)


def test_envelope_counts_are_checked_by_the_tracker(practice_dir: Path, tmp_path: Path) -> None:
    """Guard for the test above: a wrong SE01 is noticed."""
    text = (practice_dir / "x12" / "eligibility.271").read_text("latin-1")
    broken = tmp_path / "broken.271"
    broken.write_text(re.sub(r"SE\*(\d+)\*0001~", "SE*999*0001~", text, count=1), "latin-1")
    issues = _envelope_issues(broken)
    assert issues.select("segment_id", "severity").rows() == [("SE", "warning")]
    assert "SE01 (element 1) does not equal the number of segments" in issues["message"][0]


def test_sample_write_is_byte_deterministic(practice_dir: Path, tmp_path: Path) -> None:
    sample.write(tmp_path, seed=SEED, size=SIZE)
    for name in ("claims.837", "remittances.835", "eligibility.271"):
        assert (tmp_path / "x12" / name).read_bytes() == (practice_dir / "x12" / name).read_bytes()


def test_writer_output_has_no_patient_names_and_dates_from_the_data(practice_dir: Path) -> None:
    text = (practice_dir / "x12" / "claims.837").read_text("latin-1")
    names = {m.group(1) for m in re.finditer(r"NM1\*(?:IL|QC)\*1\*([^*~]*\*[^*~]*)", text)}
    assert names == {"PATIENT*SYNTHETIC"}
    claims = tk.read_claims(practice_dir / "claims.csv").data
    latest = claims[col.CLAIM_SUBMITTED_DATE].max()
    assert isinstance(latest, dt.date)
    assert f"*{latest:%Y%m%d}*1200*1*X*005010X222A1~" in text  # GS04 = latest BHT04
    bht = set(re.findall(r"BHT\*0019\*00\*\d+\*(\d{8})\*", text))
    submitted = {f"{d:%Y%m%d}" for d in claims[col.CLAIM_SUBMITTED_DATE].unique()}
    assert bht <= submitted and len(bht) == len(re.findall(r"~\nST\*837\*", text))


# --- round trip --------------------------------------------------------------------------------


def _expected_claims(csv: pl.DataFrame) -> pl.DataFrame:
    """The CSV claim lines as an 837P carries them (see the module docstring)."""
    lines = csv.filter(pl.col(col.PAYER_TYPE) != "self_pay").with_columns(
        pl.concat_list([pl.col(d).str.replace_all(".", "", literal=True) for d in col.DIAGNOSES])
        .list.drop_nulls()
        .alias("__dx")
    )
    hi = lines.group_by(col.CLAIM_ID).agg(
        pl.col("__dx")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique(maintain_order=True)
        .alias("__hi")
    )
    lines = lines.join(hi, on=col.CLAIM_ID, how="left").with_columns(
        pl.concat_list(pl.col("__dx").list.head(4), pl.col("__hi"))
        .list.unique(maintain_order=True)
        .list.head(12)
        .alias("__dx")
    )
    dx = pl.col("__dx").list
    return lines.with_columns(
        pl.col(col.MEMBER_ID).alias(col.PERSON_ID),
        pl.lit(None, pl.String).alias(col.ENCOUNTER_ID),
        pl.lit(None, pl.String).alias(col.ORIGINAL_CLAIM_ID),
        *(dx.get(i, null_on_oob=True).alias(d) for i, d in enumerate(col.DIAGNOSES)),
    ).select(col.CLAIMS.names)


def _assert_claims_round_trip(directory: Path) -> None:
    csv = tk.read_claims(directory / "claims.csv").data
    x12 = tk.read_claims(directory / "x12" / "claims.837")
    assert x12.rejects.height == 0 and x12.issues.height == 0
    keys = [col.CLAIM_ID, col.CLAIM_LINE_NUMBER]
    expected = _expected_claims(csv).sort(keys)
    assert_frame_equal(x12.data.sort(keys), expected)
    assert x12.rows_in == expected.height == csv.height - (csv[col.PAYER_TYPE] == "self_pay").sum()


def test_claims_837_reads_back_as_the_csv(practice_dir: Path) -> None:
    _assert_claims_round_trip(practice_dir)


def _remit_map(csv: pl.DataFrame, x12: pl.DataFrame) -> pl.DataFrame:
    """CSV remit_id -> 835 remit_id, through the check number (one per remittance)."""
    pairs = [f.select(col.REMIT_ID, col.CHECK_NUMBER).unique() for f in (csv, x12)]
    mapping = pairs[0].join(pairs[1], on=col.CHECK_NUMBER, how="full", suffix="_x12")
    assert mapping.null_count().sum_horizontal().item() == 0
    assert mapping[col.REMIT_ID].is_unique().all() and mapping["remit_id_x12"].is_unique().all()
    return mapping.select(col.REMIT_ID, "remit_id_x12")


def _remapped(frame: pl.DataFrame, mapping: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.join(mapping, on=col.REMIT_ID, how="left", maintain_order="left")
        .with_columns(pl.col("remit_id_x12").alias(col.REMIT_ID))
        .drop("remit_id_x12")
    )


def _assert_remittances_round_trip(directory: Path, interchanges: int = 1) -> None:
    csv = tk.read_remittances(directory / "remittances.csv")
    x12 = tk.read_remittances(directory / "x12" / "remittances.835")
    assert x12.rejects.height == 0
    assert x12.issues.height == 0  # balanced at line, claim and transaction level
    mapping = _remit_map(csv.lines, x12.lines)
    # remit_id = ISA13-GS06-ST02: one interchange (and group) per chunk of the practice
    parts = x12.lines[col.REMIT_ID].str.extract_groups(r"^(\d{9})-(\d+)-\d{4,}$")
    isa13 = parts.struct.field("1").cast(pl.Int64)
    assert isa13.null_count() == 0
    assert (isa13 == parts.struct.field("2").cast(pl.Int64)).all()
    assert sorted(isa13.unique().to_list()) == list(range(1, interchanges + 1))

    keys = [col.REMIT_ID, col.REMIT_CLAIM_SEQ, col.SVC_SEQ]
    names = col.REMITTANCE_LINES.names
    assert_frame_equal(
        x12.lines.select(names).sort(keys), _remapped(csv.lines, mapping).select(names).sort(keys)
    )
    adjustment_names = col.ADJUSTMENTS.names
    assert_frame_equal(
        x12.adjustments.select(adjustment_names).sort(adjustment_names),
        _remapped(csv.adjustments, mapping).sort(adjustment_names),
    )
    # CLP03/CLP04/CLP05 and BPR02 equal what the CSV form derives from lines and adjustments
    claim_keys = [col.REMIT_ID, col.REMIT_CLAIM_SEQ]
    assert_frame_equal(
        x12.claims.select(list(CLAIMS_SCHEMA)).sort(claim_keys),
        _remapped(csv.claims, mapping).select(list(CLAIMS_SCHEMA)).sort(claim_keys),
    )
    assert_frame_equal(
        x12.payments.select(list(PAYMENTS_SCHEMA)).sort(col.REMIT_ID),
        _remapped(csv.payments, mapping).select(list(PAYMENTS_SCHEMA)).sort(col.REMIT_ID),
    )


def test_remittances_835_reads_back_as_the_csv(practice_dir: Path) -> None:
    _assert_remittances_round_trip(practice_dir)


def _assert_coverage_round_trip(directory: Path) -> None:
    csv = tk.read_coverage(directory / "coverage.csv").data
    person_map = dict(csv.select(col.MEMBER_ID, col.PERSON_ID).unique().iter_rows())
    path = directory / "x12" / "eligibility.271"
    x12 = read_271(path, person_map=person_map)
    assert x12.rejects.height == 0 and x12.issues.height == 0
    keys = list(col.COVERAGE.key)
    expected = csv.with_columns(pl.lit(None, pl.Boolean).alias(col.TELEHEALTH_COVERED)).sort(keys)
    assert_frame_equal(x12.data.sort(keys), expected)
    # read_coverage recognises the 271 by content; without person_map the member id stays
    unmapped = tk.read_coverage(path)
    assert unmapped.rows_in == csv.height and unmapped.rejects.height == 0
    order = [col.PAYER, col.MEMBER_ID, col.ENROLLMENT_START_DATE]
    assert_frame_equal(
        unmapped.data.sort(order),
        expected.with_columns(pl.col(col.MEMBER_ID).alias(col.PERSON_ID)).sort(order),
    )


def test_coverage_271_reads_back_as_the_csv(practice_dir: Path) -> None:
    _assert_coverage_round_trip(practice_dir)


@pytest.mark.parametrize(
    "check",
    [_assert_claims_round_trip, _assert_remittances_round_trip, _assert_coverage_round_trip],
)
def test_data_samples_x12_reads_back_as_its_csv(check) -> None:  # type: ignore[no-untyped-def]
    check(SAMPLES)


# --- the writers on hand-made frames -----------------------------------------------------------


def _claim_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    base: dict[str, object] = {
        col.CLAIM_ID: "C1", col.CLAIM_LINE_NUMBER: 1, col.PERSON_ID: "P1", col.MEMBER_ID: "M1",
        col.PAYER: "MEDICARE", col.PAYER_TYPE: "medicare", col.CLAIM_FREQUENCY_CODE: "1",
        col.RENDERING_NPI: "1234567893", col.BILLING_NPI: "1999999984",
        col.CLAIM_LINE_START_DATE: dt.date(2024, 3, 1),
        col.CLAIM_SUBMITTED_DATE: dt.date(2024, 3, 5), col.PLACE_OF_SERVICE_CODE: "10",
        col.HCPCS_CODE: "99213", col.SERVICE_UNIT_QUANTITY: Decimal(1),
        col.CHARGE_AMOUNT: Decimal("140.00"), "diagnosis_code_1": "F32.1",
    }  # fmt: skip
    frame = pl.DataFrame([{**base, **r} for r in rows])
    return _write._with_columns(frame, col.CLAIMS)


def test_837p_segments_for_telehealth_lines(tmp_path: Path) -> None:
    claims = _claim_frame(
        [
            {"hcpcs_modifier_1": "95", "diagnosis_code_2": "Z73.3"},
            {col.CLAIM_LINE_NUMBER: 2, col.HCPCS_CODE: "G2211", col.PLACE_OF_SERVICE_CODE: "02",
             col.RENDERING_NPI: "1245319599", col.CHARGE_AMOUNT: Decimal("16.05"),
             col.SERVICE_UNIT_QUANTITY: Decimal("1.5"), "diagnosis_code_1": "Z73.3",
             col.LINE_CONTROL_NUMBER: "L2"},
            {col.CLAIM_ID: "C2", col.CLAIM_FREQUENCY_CODE: "7", col.PAYER: "HUMANA",
             col.PAYER_TYPE: "medicare_advantage",
             col.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER: "ICN9", "hcpcs_modifier_1": "93"},
            {col.CLAIM_ID: "C3", col.PAYER: "SELF PAY", col.PAYER_TYPE: "self_pay"},
        ]
    )  # fmt: skip
    path = tmp_path / "c.837"
    assert _write.write_837p(claims, path) == 2
    text = path.read_text("latin-1")
    assert "CLM*C1*156.05***10:B:1*Y*A*Y*Y~" in text
    assert "HI*ABK:F321*ABF:Z733~" in text
    assert "SV1*HC:99213:95*140*UN*1***1:2~" in text
    assert "SV1*HC:G2211*16.05*UN*1.5*02**2~" in text  # SV105 only where POS differs
    assert "REF*6R*L2~\nNM1*82*1*PROVIDER*****XX*1245319599~" in text  # 2420A
    assert "SBR*P*18*******16~" in text and "CLM*C2*140***10:B:7*Y*A*Y*Y~\nREF*F8*ICN9~" in text
    assert "C3" not in text and "SELF PAY" not in text
    assert "ST*837*0001*005010X222A1~" in text and "ST*837*0002" not in text  # one date
    back = tk.read_claims(path).data.sort(col.CLAIM_ID, col.CLAIM_LINE_NUMBER)
    assert back[col.PLACE_OF_SERVICE_CODE].to_list() == ["10", "02", "10"]
    assert back[col.RENDERING_NPI].to_list() == ["1234567893", "1245319599", "1234567893"]
    assert back[col.SERVICE_UNIT_QUANTITY].to_list() == [Decimal(1), Decimal("1.5"), Decimal(1)]
    assert back["diagnosis_code_1"].to_list() == ["F321", "Z733", "F321"]
    assert back["diagnosis_code_2"].to_list() == ["Z733", "F321", None]
    assert back[col.PAYER_TYPE].to_list() == ["medicare", "medicare", "medicare_advantage"]


def test_837p_groups_transaction_sets_by_submission_date(tmp_path: Path) -> None:
    claims = _claim_frame(
        [
            {col.CLAIM_ID: "C1", col.CLAIM_SUBMITTED_DATE: dt.date(2024, 3, 9)},
            {col.CLAIM_ID: "C2", col.CLAIM_SUBMITTED_DATE: dt.date(2024, 3, 5)},
            {col.CLAIM_ID: "C3", col.CLAIM_SUBMITTED_DATE: dt.date(2024, 3, 9),
             col.BILLING_NPI: "1000000004"},
        ]
    )  # fmt: skip
    path = tmp_path / "c.837"
    _write.write_837p(claims, path, control_number=42)
    text = path.read_text("latin-1")
    assert re.findall(r"BHT\*0019\*00\*\d+\*(\d+)\*", text) == ["20240305", "20240309"]
    # second set: two billing providers, each with its claims as children
    second = text.split("ST*837*0002")[1]
    assert re.findall(r"HL\*[^~]*~", second) == [
        "HL*1**20*1~", "HL*2*1*22*0~", "HL*3**20*1~", "HL*4*3*22*0~"
    ]  # fmt: skip
    assert "*000000042*0*P*:~" in text and "GS*HC*TELEKIT*CLEARINGHOUSE*20240309*1200*42*" in text
    assert text.endswith("GE*2*42~\nIEA*1*000000042~\n")
    assert _envelope_issues(path).height == 0


def test_835_cas_segments_group_up_to_six_adjustments(tmp_path: Path) -> None:
    line = {
        col.REMIT_ID: "R1", col.REMIT_CLAIM_SEQ: 1, col.SVC_SEQ: 1, col.CLAIM_ID: "C1",
        col.CLAIM_STATUS_CODE: "1", col.PAYER: "AETNA", col.PAYMENT_DATE: dt.date(2024, 4, 2),
        col.CHECK_NUMBER: "CHK1", col.HCPCS_CODE: "99213", col.LINE_CHARGE_AMOUNT: Decimal(100),
        col.PAID_AMOUNT: Decimal(30), col.UNITS_PAID: Decimal(1),
    }  # fmt: skip
    lines = _write._with_columns(pl.DataFrame([line]), col.REMITTANCE_LINES)
    adjustments = _write._with_columns(
        pl.DataFrame(
            [
                {col.REMIT_ID: "R1", col.REMIT_CLAIM_SEQ: 1, col.SVC_SEQ: 1, col.LEVEL: "line",
                 col.GROUP_CODE: "CO", col.REASON_CODE: str(r), col.AMOUNT: Decimal(10)}
                for r in range(1, 8)
            ]
        ),
        col.ADJUSTMENTS,
    )  # fmt: skip
    path = tmp_path / "r.835"
    assert _write.write_835((lines, adjustments), path) == 1
    text = path.read_text("latin-1")
    assert "CAS*CO*1*10**2*10**3*10**4*10**5*10**6*10~\nCAS*CO*7*10~" in text
    assert "BPR*I*30*C*CHK************20240402~" in text and "CLP*C1*1*100*30*0*ZZ~" in text
    back = tk.read_remittances(path)
    assert back.adjustments.height == 7
    assert back.issues.height == 0  # 100 - 70 = 30


def test_271_writes_one_subscriber_per_span(tmp_path: Path) -> None:
    coverage = _write._with_columns(
        pl.DataFrame(
            [
                {col.PERSON_ID: "P1", col.PAYER: "MEDICARE", col.PAYER_TYPE: "medicare",
                 col.MEMBER_ID: "1EG4", col.PLAN_NAME: "Part B",
                 col.ENROLLMENT_START_DATE: dt.date(2020, 1, 1),
                 col.ENROLLMENT_END_DATE: dt.date(2023, 12, 31)},
                {col.PERSON_ID: "P1", col.PAYER: "HUMANA", col.PAYER_TYPE: "medicare_advantage",
                 col.MEMBER_ID: "H9", col.ENROLLMENT_START_DATE: dt.date(2024, 1, 1)},
            ]
        ),
        col.COVERAGE,
    )  # fmt: skip
    path = tmp_path / "e.271"
    assert _write.write_271(coverage, path) == 2
    text = path.read_text("latin-1")
    assert "DTP*356*D8*20200101~\nDTP*357*D8*20231231~\nEB*1**30*MB*Part B~" in text
    assert "EB*1**30*HN~" in text and text.count("ST*271*") == 2
    assert "*240101*1200*" in text  # ISA09: the latest date in the data
    back = read_271(path, person_map={"1EG4": "P1", "H9": "P1"})
    assert_frame_equal(back.data.sort(col.PAYER), coverage.sort(col.PAYER))


def test_a_practice_of_several_chunks_writes_one_interchange_per_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large practices are written chunk by chunk (bounded memory): each X12 file holds one
    interchange per chunk, and reading the file back still equals the CSV tables."""
    from telekit.sample import _assemble

    monkeypatch.setattr(_assemble, "CHUNK_ENCOUNTERS", 1_000)
    monkeypatch.setattr(_assemble, "FULL_PLAN_MIN", 500)
    assert len(_assemble.chunk_sizes(2_700)) == 3
    sample.write(tmp_path, seed=SEED, size=2_700)
    for name in ("claims.837", "remittances.835", "eligibility.271"):
        path = tmp_path / "x12" / name
        text = path.read_text("latin-1")
        assert text.count("ISA*") == text.count("IEA*") == 3, name
        assert _envelope_issues(path).height == 0, name
    _assert_claims_round_trip(tmp_path)
    _assert_remittances_round_trip(tmp_path, interchanges=3)
    _assert_coverage_round_trip(tmp_path)
