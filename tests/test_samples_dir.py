"""data/samples is exactly what `telekit sample --out data/samples` writes; it reads back with
zero rejects; its audit equals its ground truth; and so does a 100,000-encounter practice."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit import sample
from telekit._cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_samples_dir_is_byte_for_byte_the_generator_output(tmp_path: Path) -> None:
    assert main(["sample", "--out", str(tmp_path)]) == 0
    ours = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert ours == fresh
    for name in fresh:
        assert (SAMPLES / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"data/samples/{name} differs from `telekit sample` output: regenerate it with "
            "`telekit sample --out data/samples`"
        )


@pytest.mark.parametrize(
    ("reader", "name"),
    [
        (tk.read_claims, "claims.csv"),
        (tk.read_encounters, "encounters.csv"),
        (tk.read_coverage, "coverage.csv"),
        (tk.read_providers, "providers.csv"),
        (tk.read_patient_payments, "patient_payments.csv"),
    ],
)
def test_sample_tables_round_trip_with_zero_rejects(reader, name) -> None:  # type: ignore[no-untyped-def]
    table = reader(SAMPLES / name)
    assert table.rejects.height == 0, table.rejects.head().to_dicts()
    assert table.rows_in == table.data.height > 0
    # patient payments carry ``kind`` (DESIGN §6), dropped by a reader that does not know it yet
    assert set(table.dropped_columns) <= ({"kind"} if name == "patient_payments.csv" else set())


def test_sample_remittances_round_trip_with_zero_rejects() -> None:
    remits = tk.read_remittances(SAMPLES / "remittances.csv")
    assert remits.rejects.height == 0
    assert remits.adjustments.height > 0
    assert remits.rows_in == remits.lines.height + remits.adjustments.height


def test_generated_frames_equal_what_the_readers_read(tmp_path: Path) -> None:
    """Round trip: the in-memory practice equals its files read back, table by table."""
    p = sample.practice(seed=11, size=800)
    sample.write(tmp_path, seed=11, size=800)
    for name, frame in (
        ("claims", p.claims),
        ("encounters", p.encounters),
        ("coverage", p.coverage),
        ("providers", p.providers),
        ("patient_payments", p.patient_payments),
    ):
        back = tk.read_table(name, tmp_path / f"{name}.csv")
        assert back.rejects.height == 0
        want = frame
        if name == "patient_payments":  # ``kind`` as the reader reads it, if it does
            want = frame.select(back.data.columns).cast(back.data.schema)
        assert back.data.equals(want), name
    remits = tk.read_remittances(tmp_path / "remittances.csv")
    assert remits.lines.equals(p.remittances)
    assert remits.adjustments.equals(p.adjustments)


# rules whose reference sets (ICD-10-CM years, PFS releases, NCCI editions, telehealth lists)
# do not cover every date of the sample
REFERENCE_BOUND = {"CD004", "CD006", "NC001", "NC002", "TH001"}


def _audit_dir(directory: Path) -> tk.AuditResult:
    """The practice audited with its remittances (EL005 and each finding's line status read
    them), as ``telekit audit DIR`` does."""
    remittances = tk.read_remittances(
        next(directory.glob("remittances.*")), adjustments=next(directory.glob("adjustments.*"))
    )
    return tk.audit(
        directory / "claims.parquet"
        if (directory / "claims.parquet").exists()
        else directory / "claims.csv",
        encounters=next(directory.glob("encounters.*")),
        coverage=next(directory.glob("coverage.*")),
        providers=next(directory.glob("providers.*")),
        policies=directory / "policies.toml",
        remittances=remittances,
        expected_fees=directory / "expected_fees.toml",
    )


def _assert_equal_to_truth(result: tk.AuditResult, truth: pl.DataFrame) -> None:
    keys = ["claim_id", "claim_line_number", "rule_code"]
    got = result.findings.select(keys)
    want = truth.select(keys).cast(got.schema)
    missing = want.join(got, on=keys, how="anti")
    extra = got.join(want, on=keys, how="anti")
    assert missing.height == 0 and extra.height == 0, (
        f"missing {missing.group_by('rule_code').len().sort('rule_code').rows()}; "
        f"extra {extra.group_by('rule_code').len().sort('rule_code').rows()}"
    )
    assert got.height == want.height


def test_sample_audit_equals_ground_truth_and_covers_every_rule() -> None:
    result = _audit_dir(SAMPLES)
    truth = pl.read_csv(SAMPLES / "ground_truth.csv", infer_schema=False)
    _assert_equal_to_truth(result, truth)
    from telekit.rules import REGISTRY

    per_rule = truth.group_by("rule_code").len()
    counts = dict(per_rule.iter_rows())
    thin = {code: counts.get(code, 0) for code in REGISTRY if counts.get(code, 0) < 3}
    assert not thin, f"rules planted fewer than 3 times in data/samples: {thin}"
    # every rule runs; the rules judged against dated reference sets are partial where the
    # practice's dates (2019-2026) reach beyond what telekit ships, and say so
    partial = result.rules.filter(pl.col("status") != "evaluated")
    assert set(partial.get_column("status").to_list()) <= {"partial"}
    assert set(partial.get_column("rule_code").to_list()) <= REFERENCE_BOUND
    assert all("not judged" in r for r in partial.get_column("reason").to_list())


@pytest.mark.slow
def test_100k_encounter_practice_audit_equals_ground_truth(tmp_path: Path) -> None:
    sample.write(tmp_path, seed=2026, size=100_000, format="parquet")
    result = _audit_dir(tmp_path)
    truth = (
        pl.read_parquet(tmp_path / "ground_truth.parquet")
        if (tmp_path / "ground_truth.parquet").exists()
        else pl.read_csv(tmp_path / "ground_truth.csv", infer_schema=False)
    )
    _assert_equal_to_truth(result, truth)


def test_sample_patient_payments_file() -> None:
    """data/samples/patient_payments.csv as written, read as text: every kind (DESIGN §6), exact
    cents, dated from the visit to as_of, for claims of the practice; most patient
    responsibility paid, self-pay visits partly paid."""
    pp = pl.read_csv(SAMPLES / "patient_payments.csv", infer_schema=False)
    assert pp.columns == ["claim_id", "payment_date", "amount", "kind"]
    assert set(pp["kind"].unique().to_list()) == {"payment", "discount", "write_off", "refund"}
    assert pp["amount"].str.contains(r"^[0-9]+\.[0-9]{2}$").all()  # positive, exact cents
    assert not pp["amount"].str.contains(r"^0+\.00$").any()
    when = pp["payment_date"].str.to_date("%Y-%m-%d")
    as_of = tomllib.loads((SAMPLES / "sample.toml").read_text())["as_of"]
    assert as_of == date(2026, 10, 30)
    assert when.max() <= as_of  # type: ignore[operator]
    claims = (
        pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
        .group_by("claim_id")
        .agg(
            pl.col("claim_line_start_date").max().str.to_date("%Y-%m-%d").alias("dos"),
            pl.col("payer_type").first(),
            pl.col("charge_amount").cast(pl.Decimal(12, 2)).sum().alias("charge"),
        )
    )
    rows = pp.with_columns(when.alias("payment_date")).join(claims, on="claim_id", how="left")
    assert rows["dos"].null_count() == 0
    assert (rows["payment_date"] >= rows["dos"]).all()
    money = pl.col("amount").cast(pl.Decimal(12, 2))
    per_claim = rows.group_by("claim_id").agg(
        pl.col("payer_type").first(),
        pl.col("charge").first(),
        money.filter(pl.col("kind") == "payment").sum().alias("paid"),
    )
    self_pay = per_claim.filter(pl.col("payer_type") == "self_pay")
    assert ((self_pay["paid"] > 0) & (self_pay["paid"] < self_pay["charge"])).any()
    insured = per_claim.filter(pl.col("payer_type") != "self_pay")
    assert insured.height > 1000  # most of the ~1,200 patient-responsibility balances


def test_sample_audit_shows_every_kind_of_money() -> None:
    """DESIGN §4 "Money": every exposure kind appears in the sample's audit with an amount,
    each totalled once per line; underpayment both from an allowed amount (a paid PS002 line)
    and from the fee schedule (a pending PS004 line); MD004 on a line denied with CARC 4 is
    denied; denied amounts come from an expected fee, the fee schedule and the charge."""
    result = _audit_dir(SAMPLES)
    f = result.findings
    totals = {row["exposure"]: row for row in result.exposure().iter_rows(named=True)}
    assert list(totals) == ["overpayment", "denied", "at_risk", "underpayment"]
    for kind, row in totals.items():
        assert row["lines"] > 0 and row["amount"] > 0, kind
        mine = f.filter(pl.col("exposure") == kind)
        largest = mine.group_by("claim_id", "claim_line_number").agg(
            pl.col("exposure_amount").max()
        )
        assert row["lines"] == largest.height
        assert row["amount"] == largest["exposure_amount"].sum()
    bases = set(f.select("exposure", "amount_basis").unique().iter_rows())
    assert {
        ("overpayment", "paid"),
        ("denied", "expected_fee"),
        ("denied", "fee_schedule"),
        ("denied", "charge"),
        ("underpayment", "allowed"),
        ("underpayment", "fee_schedule"),
    } <= bases
    assert any(b[0] == "at_risk" for b in bases)
    md004 = f.filter(pl.col("rule_code") == "MD004", pl.col("exposure") == "denied")
    assert md004.height >= 1 and (md004["exposure_amount"] > 0).all()
    under = f.filter(pl.col("exposure") == "underpayment", pl.col("amount_basis") != "none")
    assert set(under["rule_code"]) <= {"PS002", "PS004"}
    assert (under["exposure_amount"] > 0).all()
    # no kind is ever called dollars at risk
    assert "amount_at_risk" not in f.columns
