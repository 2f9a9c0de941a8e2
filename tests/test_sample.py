"""The synthetic practice generator: determinism, contract, planted truth, remittances, files."""

from __future__ import annotations

import time
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from telekit import codesets, sample
from telekit._core import _columns as col
from telekit.sample import _assemble, _remit, _write
from telekit.sample import _model as m

TABLES = {
    "claims": col.CLAIMS,
    "encounters": col.ENCOUNTERS,
    "coverage": col.COVERAGE,
    "providers": col.PROVIDERS,
    "remittances": col.REMITTANCE_LINES,
    "adjustments": col.ADJUSTMENTS,
    "patient_payments": col.PATIENT_PAYMENTS,
}
# what the sample writes: the contract's columns, and patient payments' ``kind`` (DESIGN §6)
SCHEMAS = {name: spec.schema for name, spec in TABLES.items()} | {
    "patient_payments": _remit.PAYMENTS_SCHEMA
}
KINDS = {"payment", "discount", "write_off", "refund"}
KEY = [col.CLAIM_ID, col.CLAIM_LINE_NUMBER]


@pytest.fixture(scope="module")
def default() -> sample.Practice:
    return sample.practice()


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_practice(default: sample.Practice) -> None:
    again = sample.practice(seed=7, size=1500)
    for name in (*TABLES, "ground_truth"):
        assert_frame_equal(getattr(default, name), getattr(again, name))
    assert again.planter_runs == default.planter_runs


def test_other_seed_other_practice(default: sample.Practice) -> None:
    other = sample.practice(seed=8, size=1500)
    assert not other.claims.equals(default.claims)
    assert not other.encounters.equals(default.encounters)
    assert other.encounters.height == default.encounters.height == 1500


# --- the data contract ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TABLES))
def test_frames_have_the_contract_schema(default: sample.Practice, name: str) -> None:
    frame: pl.DataFrame = getattr(default, name)
    assert frame.schema == SCHEMAS[name]  # names, order and dtypes
    assert list(frame.columns[: len(TABLES[name].schema)]) == list(TABLES[name].schema)
    assert frame.height > 0


def test_money_is_decimal_12_2(default: sample.Practice) -> None:
    assert default.claims.schema[col.CHARGE_AMOUNT] == pl.Decimal(12, 2)
    charges = default.claims[col.CHARGE_AMOUNT]
    assert charges.min() >= Decimal("30.00")  # type: ignore[operator]
    assert charges.max() <= Decimal("450.00")  # type: ignore[operator]


def test_required_columns_are_filled(default: sample.Practice) -> None:
    for name, spec in TABLES.items():
        frame: pl.DataFrame = getattr(default, name)
        for column in spec.required:
            assert frame[column].null_count() == 0, (name, column)


def test_keys_are_unique(default: sample.Practice) -> None:
    for name, spec in TABLES.items():
        if spec.key and name != "remittances":
            frame: pl.DataFrame = getattr(default, name)
            assert frame.select(spec.key).is_unique().all(), name
    lines = default.remittances.filter(pl.col(col.SVC_SEQ).is_not_null())
    assert lines.select(col.REMITTANCE_LINES.key).is_unique().all()


def test_size_counts_encounters(default: sample.Practice) -> None:
    assert default.encounters.height == default.size == 1500
    assert sample.practice(size=40).encounters.height == 40
    assert sample.practice(size=1).encounters.height == 1


@pytest.mark.parametrize("size", [0, -5])
def test_size_must_be_positive(size: int) -> None:
    with pytest.raises(ValueError, match="size must be at least 1"):
        sample.practice(size=size)


def test_codes_are_strings_and_pos_two_digits(default: sample.Practice) -> None:
    pos = default.claims[col.PLACE_OF_SERVICE_CODE]
    assert pos.str.len_chars().eq(2).all()
    assert {"02", "10", "11"} <= set(pos.unique().to_list())


def test_roster_and_billing_npis_are_valid() -> None:
    roster = _assemble.providers()
    assert 12 <= roster.height <= 20
    for npi in [*roster[col.NPI].to_list(), m.GROUP_NPI]:
        assert len(npi) == 10
        assert _luhn_ok("80840" + npi), npi
    assert _luhn_ok("80840" + "1234567893")  # the CMS example NPI
    assert not _luhn_ok("80840" + m.bad_npi("123456789"))


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_dates_and_as_of(default: sample.Practice) -> None:
    assert default.as_of == m.AS_OF == date(2026, 10, 30)
    assert default.remittances[col.PAYMENT_DATE].max() == default.as_of
    assert default.claims[col.CLAIM_SUBMITTED_DATE].max() <= default.as_of  # type: ignore[operator]
    dos = default.claims[col.CLAIM_LINE_START_DATE]
    legacy = dos.is_between(date(2019, 1, 1), date(2021, 12, 31)).mean()
    assert 0.02 < legacy < 0.15  # type: ignore[operator]
    assert dos.is_between(m.MAIN_START, m.MAIN_END).mean() > 0.8  # type: ignore[operator]


def test_payer_mix(default: sample.Practice) -> None:
    share = (
        default.claims.group_by(col.PAYER_TYPE)
        .len()
        .with_columns(pl.col("len") / pl.col("len").sum())
    )
    got = dict(share.iter_rows())
    assert 0.25 < got["medicare"] < 0.5
    assert 0.05 < got["medicare_advantage"] < 0.25
    assert 0.05 < got["medicaid"] < 0.25
    assert 0.15 < got["commercial"] < 0.45
    assert 0 < got["self_pay"] < 0.1


# --- planted defects and the ground truth --------------------------------------------------------


def test_rule_catalog() -> None:
    from telekit.rules import REGISTRY

    assert len(sample.RULE_CODES) == len(set(sample.RULE_CODES))
    assert set(sample.RULE_CODES) == set(REGISTRY)  # every rule of the catalog is planted
    for planter in sample.PLANTERS:
        assert set(planter.rules) <= set(sample.RULE_CODES), planter.name
    assert len({p.name for p in sample.PLANTERS}) == len(sample.PLANTERS)


def test_every_rule_planted_three_times(default: sample.Practice) -> None:
    counts = dict(default.ground_truth.group_by("rule_code").len().iter_rows())
    assert set(counts) == set(sample.RULE_CODES)
    assert min(counts.values()) >= 3, {k: v for k, v in counts.items() if v < 3}


def test_every_planter_ran(default: sample.Practice) -> None:
    for planter in sample.PLANTERS:
        assert default.planter_runs.get(planter.name, 0) >= planter.runs, planter.name


def test_every_planter_declares_what_it_plants() -> None:
    """A planter naming rules produces findings of exactly those rules (the truth of one run)."""
    for planter, _ in _assemble.plan(1500):
        plant = _assemble.Plant(__import__("random").Random(1))
        planter.fn(plant)
        assert plant.encounters_used + plant.claims_used > 0, planter.name
        planted = {rule for _, _, rule in plant.truth}
        assert planted == set(planter.rules), planter.name


def test_ground_truth_sorted_unique_and_on_real_lines(default: sample.Practice) -> None:
    gt = default.ground_truth
    assert gt.schema == _assemble.GROUND_TRUTH_SCHEMA
    assert gt.is_unique().all()
    assert gt.equals(gt.sort(col.CLAIM_ID, col.CLAIM_LINE_NUMBER, "rule_code"))
    orphans = gt.join(default.claims, on=KEY, how="anti")
    assert orphans.height == 0


def test_mostly_clean(default: sample.Practice) -> None:
    flagged = default.ground_truth.select(KEY).unique().height
    clean_share = 1 - flagged / default.claims.height
    assert clean_share > 0.8, clean_share


def test_planted_share_scales_with_size() -> None:
    small = sum(runs for _, runs in _assemble.plan(1500))
    big = sum(runs for _, runs in _assemble.plan(100_000))
    assert big > 10 * small
    per_run = _assemble._encounters_per_run()
    planted = sum(runs * per_run[p.name] for p, runs in _assemble.plan(100_000))
    assert 0.03 <= planted / 100_000 <= 0.08


def test_small_practice_plants_a_subset() -> None:
    tiny = sample.practice(size=200)
    assert tiny.encounters.height == 200
    assert tiny.ground_truth.height > 0
    assert len(tiny.planter_runs) < len(sample.PLANTERS)


def test_unknown_codes_planted_without_findings(default: sample.Practice) -> None:
    unknown = default.claims.filter(pl.col(col.HCPCS_CODE).is_in(["ZZZ99", "0999T"]))
    assert unknown.height >= 2
    assert unknown.join(default.ground_truth, on=KEY, how="semi").height == 0


def test_superseded_claims_present(default: sample.Practice) -> None:
    claims = default.claims
    replaced = claims.filter(pl.col(col.CLAIM_FREQUENCY_CODE).is_in(["7", "8"]))
    named = replaced[col.ORIGINAL_CLAIM_ID].drop_nulls().unique()
    assert named.len() >= 5
    assert claims.filter(pl.col(col.CLAIM_ID).is_in(named.implode())).height >= named.len()
    no_reference = replaced.filter(
        pl.col(col.ORIGINAL_CLAIM_ID).is_null()
        & pl.col(col.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER).is_null()
    )
    fl002 = default.ground_truth.filter(pl.col("rule_code") == "FL002").select(KEY)
    assert_frame_equal(no_reference.select(KEY).sort(KEY), fl002.sort(KEY))


def test_lines_link_to_encounters(default: sample.Practice) -> None:
    linked = default.claims.filter(pl.col(col.ENCOUNTER_ID).is_not_null())
    assert linked.join(default.encounters, on=col.ENCOUNTER_ID, how="anti").height == 0
    assert default.claims[col.ENCOUNTER_ID].null_count() > 0  # some link by person/NPI/date


def test_clean_persons_visits_at_least_31_days_apart(default: sample.Practice) -> None:
    flagged_persons = default.claims.join(default.ground_truth, on=KEY, how="semi")[col.PERSON_ID]
    visits = (
        default.encounters.filter(~pl.col(col.PERSON_ID).is_in(flagged_persons.implode()))
        .group_by(col.PERSON_ID, col.ENCOUNTER_DATE)
        .len()
        .sort(col.PERSON_ID, col.ENCOUNTER_DATE)
        .with_columns(gap=pl.col(col.ENCOUNTER_DATE).diff().over(col.PERSON_ID).dt.total_days())
    )
    big = visits.filter(pl.col("len") > 1)
    assert big.height < 0.02 * visits.height  # only a few planted negatives share a day
    assert (
        visits["gap"].drop_nulls().filter(visits["gap"].drop_nulls() < 31).len()
        < 0.05 * visits.height
    )


def test_coverage_covers_clean_lines(default: sample.Practice) -> None:
    flagged = default.claims.join(default.ground_truth, on=KEY, how="semi")
    clean = default.claims.join(flagged, on=col.PERSON_ID, how="anti").filter(
        pl.col(col.PAYER_TYPE) != "self_pay"
    )
    cov = default.coverage.with_columns(pl.col(col.PAYER).alias("cov_payer"))
    hit = (
        clean.with_columns(pl.col(col.PAYER).replace(m.ALIASES).alias("cov_payer"))
        .join(
            cov.select(
                col.PERSON_ID, "cov_payer", col.ENROLLMENT_START_DATE, col.ENROLLMENT_END_DATE
            ),
            on=[col.PERSON_ID, "cov_payer"],
        )
        .filter(
            pl.col(col.CLAIM_LINE_START_DATE) >= pl.col(col.ENROLLMENT_START_DATE),
            pl.col(col.ENROLLMENT_END_DATE).is_null()
            | (pl.col(col.CLAIM_LINE_START_DATE) <= pl.col(col.ENROLLMENT_END_DATE)),
        )
        .select(KEY)
        .unique()
    )
    assert hit.height == clean.height


# --- remittances ---------------------------------------------------------------------------------


def test_remittance_lines_balance(default: sample.Practice) -> None:
    keys = [col.REMIT_ID, col.REMIT_CLAIM_SEQ, col.SVC_SEQ]
    line_adj = (
        default.adjustments.filter(pl.col(col.LEVEL) == "line")
        .group_by(keys)
        .agg(pl.col(col.AMOUNT).sum().alias("adjusted"))
    )
    lines = default.remittances.filter(pl.col(col.SVC_SEQ).is_not_null()).join(
        line_adj, on=keys, how="left"
    )
    off = lines.filter(
        pl.col(col.LINE_CHARGE_AMOUNT) - pl.col("adjusted").fill_null(0) != pl.col(col.PAID_AMOUNT)
    )
    assert off.height == 0
    claim_adj = (
        default.adjustments.filter(pl.col(col.LEVEL) == "claim")
        .group_by(col.REMIT_ID, col.REMIT_CLAIM_SEQ)
        .agg(pl.col(col.AMOUNT).sum().alias("adjusted"))
    )
    no_svc = default.remittances.filter(pl.col(col.SVC_SEQ).is_null())
    assert no_svc.height > 0
    joined = no_svc.join(claim_adj, on=[col.REMIT_ID, col.REMIT_CLAIM_SEQ])
    assert joined.height == no_svc.height
    assert (joined[col.LINE_CHARGE_AMOUNT] - joined["adjusted"] == joined[col.PAID_AMOUNT]).all()


def test_remittance_statuses_and_reversals(default: sample.Practice) -> None:
    r = default.remittances
    assert {"1", "2", "4", "22"} <= set(r[col.CLAIM_STATUS_CODE].unique().to_list())
    reversals = r.filter(pl.col(col.CLAIM_STATUS_CODE) == "22", pl.col(col.SVC_SEQ).is_not_null())
    assert (reversals[col.PAID_AMOUNT] <= 0).all()
    first_paid = (
        r.filter(pl.col(col.CLAIM_STATUS_CODE) == "1")
        .group_by(col.CLAIM_ID)
        .agg(pl.col(col.PAYMENT_DATE).min().alias("paid"))
    )
    order = reversals.join(first_paid, on=col.CLAIM_ID)
    assert (order[col.PAYMENT_DATE] > order["paid"]).all()
    assert r.join(default.claims, on=col.CLAIM_ID, how="anti").height == 0


def test_remittance_lines_match_claim_lines(default: sample.Practice) -> None:
    svc = default.remittances.filter(pl.col(col.SVC_SEQ).is_not_null())
    joined = svc.join(
        default.claims.select(col.LINE_CONTROL_NUMBER, col.HCPCS_CODE, col.CHARGE_AMOUNT),
        on=col.LINE_CONTROL_NUMBER,
        suffix="_claim",
    )
    assert joined.height == svc.height
    assert (joined[col.HCPCS_CODE] == joined[f"{col.HCPCS_CODE}_claim"]).all()
    assert (joined[col.LINE_CHARGE_AMOUNT].abs() == joined[col.CHARGE_AMOUNT]).all()
    lag = (
        svc.filter(pl.col(col.CLAIM_STATUS_CODE) != "22")
        .join(
            default.claims.group_by(col.CLAIM_ID).agg(pl.col(col.CLAIM_SUBMITTED_DATE).first()),
            on=col.CLAIM_ID,
        )
        .select((pl.col(col.PAYMENT_DATE) - pl.col(col.CLAIM_SUBMITTED_DATE)).dt.total_days())
        .to_series()
    )
    assert lag.min() >= 10  # type: ignore[operator]
    assert lag.quantile(0.95) <= 45  # type: ignore[operator]


def test_self_pay_has_no_remittance_but_patient_payments(default: sample.Practice) -> None:
    self_pay = default.claims.filter(pl.col(col.PAYER_TYPE) == "self_pay")[col.CLAIM_ID]
    assert default.remittances.filter(pl.col(col.CLAIM_ID).is_in(self_pay.implode())).height == 0
    paid = default.patient_payments.filter(pl.col(col.CLAIM_ID).is_in(self_pay.implode()))
    assert paid.height > 0


# --- patient payments (DESIGN §6: kind payment, discount, write_off, refund) ---------------------


def _signed(payments: pl.DataFrame) -> pl.DataFrame:
    """Per claim: net patient payments (refunds negative), discounts + write-offs, first date."""
    kind = pl.col("kind")
    return payments.group_by(col.CLAIM_ID).agg(
        pl.when(kind == "refund")
        .then(-pl.col(col.AMOUNT))
        .otherwise(pl.col(col.AMOUNT))
        .filter(kind.is_in(["payment", "refund"]))
        .sum()
        .alias("paid"),
        pl.col(col.AMOUNT).filter(kind.is_in(["discount", "write_off"])).sum().alias("reduced"),
    )


def _pr_balances(p: sample.Practice) -> pl.DataFrame:
    """Net patient responsibility per insured claim (every remittance, reversals included), the
    date of its latest remittance, and whether a secondary payer (CLP02 2) paid it."""
    seqs = [col.REMIT_ID, col.REMIT_CLAIM_SEQ]
    claims = p.remittances.group_by(seqs).agg(
        pl.col(col.CLAIM_ID).first(),
        pl.col(col.PAYMENT_DATE).first(),
        pl.col(col.CLAIM_STATUS_CODE).first(),
    )
    pr = p.adjustments.filter(pl.col(col.GROUP_CODE) == "PR").join(claims, on=seqs)
    crossed = claims.filter(pl.col(col.CLAIM_STATUS_CODE) == "2")[col.CLAIM_ID]
    return (
        pr.group_by(col.CLAIM_ID)
        .agg(pl.col(col.AMOUNT).sum().alias("pr"), pl.col(col.PAYMENT_DATE).max().alias("billed"))
        .filter(pl.col("pr") > 0, ~pl.col(col.CLAIM_ID).is_in(crossed.implode()))
    )


def test_patient_payments_kinds_and_exact_cents(default: sample.Practice) -> None:
    pp = default.patient_payments
    assert set(pp["kind"].unique().to_list()) == KINDS  # every kind appears, no other
    assert (pp[col.AMOUNT] > 0).all()  # a refund is a positive amount of kind refund
    assert pp.schema[col.AMOUNT] == pl.Decimal(12, 2)  # exact cents
    assert pp.filter(pl.col("kind") == "refund").height in (1, 2)
    assert pp.select(col.CLAIM_ID, col.PAYMENT_DATE, "kind").is_unique().all()
    assert pp.equals(pp.sort(col.CLAIM_ID, col.PAYMENT_DATE, "kind"))


def test_patient_payments_dated_from_the_visit_to_as_of(default: sample.Practice) -> None:
    heads = default.claims.group_by(col.CLAIM_ID).agg(
        pl.col(col.CLAIM_LINE_START_DATE).max().alias("dos"), pl.col(col.PAYER_TYPE).first()
    )
    pp = default.patient_payments.join(heads, on=col.CLAIM_ID, how="left")
    assert pp["dos"].null_count() == 0  # every payment is for a claim of the practice
    assert (pp[col.PAYMENT_DATE] >= pp["dos"]).all()  # self-pay: at the visit or later
    insured = pp.filter(pl.col(col.PAYER_TYPE) != "self_pay")
    assert (insured[col.PAYMENT_DATE] > insured["dos"]).all()
    billed = _pr_balances(default).select(col.CLAIM_ID, "billed")
    after = insured.join(billed, on=col.CLAIM_ID)
    assert after.height == insured.height  # insured payments only for a patient responsibility
    assert (after[col.PAYMENT_DATE] > after["billed"]).all()  # after the remittance
    assert pp[col.PAYMENT_DATE].max() <= default.as_of  # type: ignore[operator]
    late = pp[col.PAYMENT_DATE].max()
    assert late is not None and late >= default.as_of - timedelta(days=31)  # payments up to as_of


def test_most_patient_responsibility_is_paid(default: sample.Practice) -> None:
    owed = _pr_balances(default).join(
        _signed(default.patient_payments), on=col.CLAIM_ID, how="left"
    )
    owed = owed.with_columns(pl.col("paid", "reduced").fill_null(Decimal(0)))
    assert owed.height > 500
    assert (owed["paid"] + owed["reduced"] <= owed["pr"]).all()  # never more than owed
    assert (owed["paid"] > 0).mean() > 0.85  # type: ignore[operator]
    settled = owed["paid"] + owed["reduced"] == owed["pr"]
    assert 0.85 < settled.mean() < 0.99  # type: ignore[operator]
    partly = owed.filter(pl.col("paid") > 0, pl.col("paid") + pl.col("reduced") < pl.col("pr"))
    assert partly.height > 0
    still_open = owed.filter(pl.col("paid") + pl.col("reduced") < pl.col("pr"))
    assert 0 < still_open.height < 0.1 * owed.height
    # paid in full within 60 days of the remittance, among balances billed 60+ days before as_of
    by_day = default.patient_payments.filter(pl.col("kind") == "payment").join(
        owed.select(col.CLAIM_ID, "billed", "pr"), on=col.CLAIM_ID
    )
    in_60 = (
        by_day.filter(pl.col(col.PAYMENT_DATE) <= pl.col("billed") + pl.duration(days=60))
        .group_by(col.CLAIM_ID)
        .agg(pl.col(col.AMOUNT).sum(), pl.col("pr").first())
        .filter(pl.col(col.AMOUNT) >= pl.col("pr"))
    )
    mature = owed.filter(pl.col("billed") <= default.as_of - timedelta(days=60))
    share = mature.join(in_60, on=col.CLAIM_ID).height / mature.height
    assert 0.75 < share < 0.92


def test_self_pay_visits_are_partly_paid(default: sample.Practice) -> None:
    heads = (
        default.claims.filter(
            pl.col(col.PAYER_TYPE) == "self_pay", pl.col(col.CLAIM_FREQUENCY_CODE) == "1"
        )
        .group_by(col.CLAIM_ID)
        .agg(pl.col(col.CHARGE_AMOUNT).sum().alias("charge"))
        .join(_signed(default.patient_payments), on=col.CLAIM_ID, how="left")
        .with_columns(pl.col("paid", "reduced").fill_null(Decimal(0)))
    )
    assert heads.height > 20
    left = heads["charge"] - heads["paid"] - heads["reduced"]
    assert (left >= 0).all()  # no credit balance: the refunds return the overpayments
    assert (left == 0).mean() > 0.5  # type: ignore[operator]
    assert ((heads["paid"] > 0) & (left > 0)).any()  # partly paid, the rest open
    assert ((heads["paid"] == 0) & (left > 0)).any()  # unpaid
    assert (heads["paid"] == 0).mean() < 0.25  # type: ignore[operator]
    discounted = default.patient_payments.filter(pl.col("kind") == "discount")[col.CLAIM_ID]
    assert discounted.is_in(heads[col.CLAIM_ID].implode()).all()  # prompt-pay: self-pay only
    assert discounted.len() > 0


def test_refunds_return_what_was_paid(default: sample.Practice) -> None:
    pp = default.patient_payments
    refunds = pp.filter(pl.col("kind") == "refund")
    paid = pp.filter(pl.col("kind") == "payment").rename({col.PAYMENT_DATE: "paid_on"})
    before = refunds.join(paid, on=col.CLAIM_ID, suffix="_paid").filter(
        pl.col("paid_on") < pl.col(col.PAYMENT_DATE)
    )
    totals = before.group_by(col.CLAIM_ID).agg(
        pl.col(col.AMOUNT).first(), pl.col(f"{col.AMOUNT}_paid").sum()
    )
    assert totals.height == refunds.height
    assert (totals[f"{col.AMOUNT}_paid"] > totals[col.AMOUNT]).all()


def test_some_claims_still_open(default: sample.Practice) -> None:
    insured = default.claims.filter(
        pl.col(col.PAYER_TYPE) != "self_pay", pl.col(col.CLAIM_FREQUENCY_CODE) == "1"
    )  # a void (8) gets no remittance of its own: the payer reverses the original
    open_claims = insured.join(default.remittances, on=col.CLAIM_ID, how="anti")
    assert open_claims.height > 0
    # claims submitted lately, and the one PS004 claim planted pending (its underpayment is
    # priced by the fee schedule: no allowed amount yet)
    old = open_claims.filter(pl.col(col.CLAIM_SUBMITTED_DATE) <= date(2026, 8, 1))
    assert old.select(col.CLAIM_LINE_START_DATE, col.HCPCS_CODE).rows() == [
        (date(2023, 12, 31), "99214")
    ]


def test_medicare_paid_on_the_fee_schedule_of_the_locality(default: sample.Practice) -> None:
    """Medicare lines of DOS a shipped release covers are allowed the fee-schedule amount of
    Manhattan (1320201) — by the engine's own pricing — unless the generator underpaid them."""
    import telekit as tk
    from telekit._engine._pricing import EXPECTED_ALLOWED, ROW, price_lines
    from telekit._engine._pricing_inputs import pricing_of
    from telekit._engine._reference import reference

    policies = tk.load_policies(tomllib.loads(default.policies_toml))
    assert policies.settings.medicare_locality == "1320201"
    lines = default.claims.with_row_index(ROW)
    priced = price_lines(lines, pricing_of(reference(), policies), policies.payer_key())
    paid = (
        default.remittances.filter(
            pl.col(col.CLAIM_STATUS_CODE) == "1", pl.col(col.PAID_AMOUNT) > 0
        )
        .select(col.CLAIM_ID, pl.col("svc_seq").alias(col.CLAIM_LINE_NUMBER), col.ALLOWED_AMOUNT)
        .join(lines.join(priced, on=ROW), on=KEY)
        .filter(pl.col(EXPECTED_ALLOWED).is_not_null())
    )
    assert paid.height > 100
    exact = paid.filter(pl.col(col.ALLOWED_AMOUNT) == pl.col(EXPECTED_ALLOWED))
    assert exact.height / paid.height > 0.9
    below = paid.join(exact, on=KEY, how="anti")  # the planted underpayments: 85-95 %
    ratio = below[col.ALLOWED_AMOUNT].cast(pl.Float64) / below[EXPECTED_ALLOWED].cast(pl.Float64)
    assert below.height == 0 or (ratio.min() >= 0.84 and ratio.max() < 0.96)  # type: ignore[operator]
    # the pricing depends on the place of service: both rates were paid
    assert paid.filter(pl.col(col.PLACE_OF_SERVICE_CODE) == "02").height > 0
    assert paid.filter(pl.col(col.PLACE_OF_SERVICE_CODE).is_in(["10", "11"])).height > 0


# --- policies and fees ---------------------------------------------------------------------------


def test_policies_toml(default: sample.Practice) -> None:
    doc = tomllib.loads(default.policies_toml)
    assert set(doc) == {"payer_type", "payer", "medicare"}
    # the practice is in Manhattan: a New York locality of the shipped GPCI file
    mac, number = doc["medicare"]["locality"][:5], doc["medicare"]["locality"][5:]
    locality = codesets.gpci().filter(pl.col("mac") == mac, pl.col("locality") == number)
    assert locality.select("state", "locality_name").rows() == [("NY", "MANHATTAN")]
    aetna = doc["payer"]["AETNA"]
    assert aetna["payer_type"] == "commercial"
    assert "60054" in aetna["aliases"]
    assert aetna["periods"][0]["start"] == date(2022, 1, 1)
    assert doc["payer"]["NY MEDICAID"]["periods"][0]["telehealth_pos"] == "02/10"
    assert doc["payer"]["HEALTHFIRST"]["telehealth_covered"] is False
    assert doc["payer_type"]["commercial"]["timely_filing_days"] == 120
    payers = set(default.claims[col.PAYER].unique().to_list())
    named = set(doc["payer"]) | {a for p in doc["payer"].values() for a in p.get("aliases", [])}
    assert payers - named <= {"MEDICARE", "SELF PAY"}


def test_policy_model_matches_the_shipped_policies_toml(tmp_path: Path) -> None:
    """The generator codes clean lines with ``_model.policy``; it must say what telekit's own
    resolution of the shipped ``policies.toml`` says, on every date where a policy changes."""
    import telekit

    if not hasattr(telekit, "load_policies"):
        pytest.skip("telekit.load_policies is not available")
    path = tmp_path / "policies.toml"
    path.write_text(m.POLICIES_TOML)
    days = [*m.SEGMENT_STARTS, date(2019, 5, 1), date(2022, 6, 30), date(2026, 9, 30)]
    payers = [*m.PAYERS, *m.ALIASES]
    lines = pl.DataFrame(
        [(payer, m.payer_type(payer), day) for payer in payers for day in days],
        schema={
            col.PAYER: pl.String,
            col.PAYER_TYPE: pl.String,
            col.CLAIM_LINE_START_DATE: pl.Date,
        },
        orient="row",
    )
    resolved = telekit.load_policies(path).resolve(lines)
    for row in resolved.iter_rows(named=True):
        mine = m.policy(row[col.PAYER], row[col.CLAIM_LINE_START_DATE])
        assert (
            mine.telehealth_pos,
            mine.telehealth_modifiers,
            mine.requires_modifier_93,
            mine.accepts_cpt_telemedicine_codes,
            mine.timely_filing,
            mine.timely_filing_days,
            mine.telehealth_covered,
            mine.audio_only_covered,
        ) == (
            row["policy_telehealth_pos"],
            tuple(row["policy_telehealth_modifiers"]),
            row["policy_requires_modifier_93"],
            row["policy_accepts_cpt_telemedicine_codes"],
            row["policy_timely_filing_rule"],
            row["policy_timely_filing_days"],
            row["policy_telehealth_covered"],
            row["policy_audio_only_covered"],
        ), (row[col.PAYER], row[col.CLAIM_LINE_START_DATE])


def test_expected_fees_toml(default: sample.Practice) -> None:
    fees = tomllib.loads(default.expected_fees_toml)["fee"]
    assert len(fees) > 100
    for fee in fees:
        assert {"payer", "hcpcs_code", "expected_allowed"} <= set(fee)
        assert Decimal(str(fee["expected_allowed"])) > 0
    keys = [(f["payer"], f["hcpcs_code"], f.get("modifier"), f.get("start")) for f in fees]
    assert len(keys) == len(set(keys))
    assert any(f.get("modifier") == "95" for f in fees)
    # Medicare's fees start where the shipped fee-schedule releases stop
    medicare = [f for f in fees if f["payer"] == "MEDICARE"]
    assert medicare and all(f.get("start") == date(2025, 1, 1) for f in medicare)
    # a dated contract change: Aetna's 2025 increase
    old = {f["hcpcs_code"]: f for f in fees if f["payer"] == "AETNA" and f.get("end")}
    new = {f["hcpcs_code"]: f for f in fees if f["payer"] == "AETNA" and f.get("start")}
    assert set(old) == set(new) and old
    assert all(f["end"] == date(2024, 12, 31) for f in old.values())
    assert all(new[k]["expected_allowed"] > old[k]["expected_allowed"] for k in old)


# --- speed ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_100k_encounters_fast() -> None:
    start = time.perf_counter()
    big = sample.practice(size=100_000)
    seconds = time.perf_counter() - start
    print(f"100,000 encounters in {seconds:.1f} s ({big.claims.height} lines)")
    assert big.encounters.height == 100_000
    assert seconds < 30


# --- files ---------------------------------------------------------------------------------------


def test_write_csv(tmp_path: Path, default: sample.Practice) -> None:
    rows = sample.write(tmp_path, seed=7, size=1500)
    for name, schema in SCHEMAS.items():
        frame = pl.read_csv(tmp_path / f"{name}.csv", schema=schema)
        assert_frame_equal(frame, getattr(default, name))
        assert rows[name] == frame.height
    truth = pl.read_csv(tmp_path / "ground_truth.csv", schema=_assemble.GROUND_TRUTH_SCHEMA)
    assert_frame_equal(truth, default.ground_truth)
    assert rows["ground_truth"] == truth.height
    text = (tmp_path / "claims.csv").read_bytes()
    assert not text.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in text
    first = text.split(b"\n")[1].decode()
    assert ".00," in first or ".50," in first or any(f".{c}," in first for c in range(10, 100))
    meta = tomllib.loads((tmp_path / "sample.toml").read_text())
    assert meta["seed"] == 7
    assert meta["size"] == 1500
    assert meta["as_of"] == m.AS_OF
    assert meta["rows"]["claims"] == default.claims.height
    assert isinstance(meta["telekit_version"], str)
    assert tomllib.loads((tmp_path / "policies.toml").read_text()) == tomllib.loads(
        default.policies_toml
    )
    assert (tmp_path / "expected_fees.toml").read_text() == default.expected_fees_toml


def test_write_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        a, b = tmp_path / f"a_{fmt}", tmp_path / f"b_{fmt}"
        sample.write(a, seed=3, size=600, format=fmt)  # type: ignore[arg-type]
        sample.write(b, seed=3, size=600, format=fmt)  # type: ignore[arg-type]
        files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        for rel in files:
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_write_parquet(tmp_path: Path, default: sample.Practice) -> None:
    rows = sample.write(tmp_path, format="parquet")
    for name in TABLES:
        frame = pl.read_parquet(tmp_path / f"{name}.parquet")
        assert_frame_equal(frame, getattr(default, name))
        assert rows[name] == frame.height
    assert not (tmp_path / "claims.csv").exists()
    assert (tmp_path / "ground_truth.csv").exists()


def test_write_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format must be"):
        sample.write(tmp_path, format="xlsx")  # type: ignore[arg-type]


def test_parquet_parts_past_the_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default: sample.Practice
) -> None:
    monkeypatch.setattr(_write, "PART_ROWS", 700)
    sample.write(tmp_path, format="parquet")
    parts = sorted((tmp_path / "claims").glob("part-*.parquet"))
    assert [p.name for p in parts[:2]] == ["part-00000.parquet", "part-00001.parquet"]
    assert len(parts) == -(-default.claims.height // 700)
    assert all(pl.read_parquet(p).height == 700 for p in parts[:-1])
    assert not (tmp_path / "claims.parquet").exists()
    assert_frame_equal(pl.concat([pl.read_parquet(p) for p in parts]), default.claims)
    assert (tmp_path / "providers.parquet").exists()  # small tables stay one file
    sample.write(tmp_path, format="csv")  # a rewrite removes the stale parts
    assert not list((tmp_path / "claims").glob("part-*.parquet"))


def test_chunked_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_assemble, "CHUNK_ENCOUNTERS", 1_000)
    monkeypatch.setattr(_assemble, "FULL_PLAN_MIN", 500)
    big = sample.practice(seed=5, size=3_500)
    assert _assemble.chunk_sizes(3_500) == [875, 875, 875, 875]
    assert big.encounters.height == 3_500
    assert big.claims.select(KEY).is_unique().all()
    assert big.encounters[col.ENCOUNTER_ID].is_unique().all()
    assert big.coverage.select(col.COVERAGE.key).is_unique().all()
    assert big.remittances[col.REMIT_ID].str.starts_with("R").all()
    members = big.coverage.select(col.MEMBER_ID, col.PERSON_ID).unique()
    assert members[col.MEMBER_ID].is_unique().all()  # one person per member id, across chunks
    gt = big.ground_truth
    assert gt.equals(gt.sort(col.CLAIM_ID, col.CLAIM_LINE_NUMBER, "rule_code"))
    assert set(big.claims[col.CLAIM_ID].str.slice(1, 1).unique().to_list()) == {"0", "1", "2", "3"}
    rows = sample.write(tmp_path, seed=5, size=3_500)
    assert_frame_equal(pl.read_csv(tmp_path / "claims.csv", schema=SCHEMAS["claims"]), big.claims)
    assert_frame_equal(
        pl.read_csv(tmp_path / "remittances.csv", schema=SCHEMAS["remittances"]), big.remittances
    )
    assert rows["ground_truth"] == gt.height
