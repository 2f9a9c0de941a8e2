"""``telekit sample-visits`` and the audit with sampled encounters (issue 19, item 6; DESIGN §5
"Sampled encounters"): the frame and a reproducible draw, the abstraction workbook, reading it
back as encounters that carry their sample, and the audit judging only the sampled lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import telekit as tk
from telekit._cli import main
from telekit._core._exceptions import InputError
from telekit._engine._sample import ENCOUNTERS
from telekit._policies._toml import load_policies
from telekit._sampling._draw import allocate, draw, sample_visits
from telekit._sampling._workbook import DOCUMENTATION, USPS
from telekit.report._sections_audit import sample_sentence
from telekit.rules import REGISTRY

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
KEY = ["claim_id", "claim_line_number"]
# seed 17 draws three visits on which the full-encounters audit has MD003 and DC004 findings
SEED, N = 17, 3


@pytest.fixture(scope="module")
def claims() -> pl.DataFrame:
    return tk.read_claims(SAMPLES / "claims.csv").data


@pytest.fixture(scope="module")
def policies() -> tk.Policies:
    return load_policies(SAMPLES / "policies.toml")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("visits") / "visits.xlsx"
    assert main(["sample-visits", str(SAMPLES), "--n", str(N), "--seed", str(SEED),
                 "--out", str(out)]) == 0  # fmt: skip
    return out


@pytest.fixture(scope="module")
def filled(workbook: Path) -> Path:
    """The workbook with its 3 visits abstracted from data/samples' encounters."""
    full = pl.read_csv(SAMPLES / "encounters.csv", infer_schema=False)
    wb = openpyxl.load_workbook(workbook)
    ws = wb["visits"]
    head = [cell.value for cell in ws[1]]
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        record = full.filter(pl.col("encounter_id") == row[head.index("encounter_id")].value)
        for name in DOCUMENTATION:
            value = record.item(0, name)
            row[head.index(name)].value = None if value is None else str(value)
    out = workbook.with_name("filled.xlsx")
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def sampled(filled: Path, audit_sample: Callable[..., tk.AuditResult]) -> tk.AuditResult:
    return audit_sample(encounters=tk.read_encounters(filled))


# --- the draw ------------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_visits_and_another_seed_others(
    claims: pl.DataFrame, policies: tk.Policies
) -> None:
    one = sample_visits(claims, policies, n=25, seed=11).drawn
    again = sample_visits(claims, policies, n=25, seed=11).drawn
    other = sample_visits(claims, policies, n=25, seed=12).drawn
    assert one.height == 25
    assert one.equals(again)
    assert one["encounter_id"].to_list() != other["encounter_id"].to_list()
    assert one["frame_number"].is_unique().all()
    assert one["sample_number"].to_list() == list(range(1, 26))


def test_the_frame_is_telehealth_visits_of_current_claims(
    claims: pl.DataFrame, policies: tk.Policies
) -> None:
    s = sample_visits(claims, policies, n=10_000, seed=1)
    assert s.drawn.height == s.frame.height  # n past the frame: every visit
    lines = s.lines
    telehealth = (
        pl.col("place_of_service_code").is_in(["02", "10"])
        | pl.any_horizontal(
            pl.col(f"hcpcs_modifier_{i}").is_in(["95", "93", "GT", "GQ", "FQ", "G0"])
            for i in range(1, 5)
        )
    ).fill_null(False)
    per_visit = lines.group_by("visit_key").agg(telehealth.any().alias("th"))
    assert per_visit["th"].all()
    voided = claims.filter(pl.col("claim_frequency_code") == "8")["claim_id"]
    assert not lines["claim_id"].is_in(voided.implode()).any()
    assert s.frame["frame_number"].to_list() == list(range(1, s.frame.height + 1))


def test_draw_is_without_replacement_and_takes_all_past_the_frame() -> None:
    picked = draw(100, 10, seed=5)
    assert len(set(picked)) == 10 and picked == sorted(picked)
    assert all(0 <= p < 100 for p in picked)
    assert draw(100, 10, seed=5) == picked
    assert draw(4, 9, seed=5) == [0, 1, 2, 3]


def test_stratified_allocation_is_proportional_sums_to_n_and_gives_each_stratum_one() -> None:
    sizes = {"A": 70, "B": 20, "C": 9, "D": 1}
    alloc = allocate(sizes, 10)
    assert sum(alloc.values()) == 10
    # quotas 7, 2, 0.9, 0.1: C gets the remainder; D its one visit from A (n >= strata)
    assert alloc == {"A": 6, "B": 2, "C": 1, "D": 1}
    assert allocate(sizes, 3) == {"A": 2, "B": 1, "C": 0, "D": 0}  # fewer than strata
    assert allocate(sizes, 500) == sizes


def test_a_provider_stratified_sample_follows_its_allocation(
    claims: pl.DataFrame, policies: tk.Policies
) -> None:
    s = sample_visits(claims, policies, n=40, seed=3, by="provider")
    assert s.method == "stratified by provider"
    assert sum(k for _, k in s.allocation.values()) == 40 == s.drawn.height
    drawn = dict(s.drawn.group_by("rendering_npi").len().iter_rows())
    assert {npi: k for npi, (_, k) in s.allocation.items() if k} == drawn
    assert sum(size for size, _ in s.allocation.values()) == s.frame.height


# --- the workbook ---------------------------------------------------------------------------


def test_the_workbook_has_visits_first_with_validated_documentation_columns(
    workbook: Path,
) -> None:
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["visits", "lines", "sample"]
    ws = wb["visits"]
    head = [cell.value for cell in ws[1]]
    assert head[:7] == [
        "sample_number", "frame_number", "encounter_id", "person_id", "rendering_npi",
        "encounter_date", "claim_lines",
    ]  # fmt: skip
    assert head[7:] == list(DOCUMENTATION)
    assert ws.max_row == N + 1 and ws.freeze_panes is not None
    assert all(ws.cell(r, head.index(col) + 1).value is None
               for r in range(2, N + 2) for col in DOCUMENTATION)  # fmt: skip
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for col in DOCUMENTATION:
            letter = openpyxl.utils.get_column_letter(head.index(col) + 1)
            if str(dv.sqref) == f"{letter}2:{letter}{N + 1}":
                rules[col] = dv
    assert set(rules) == set(DOCUMENTATION)
    assert rules["modality"].type == "list"
    assert "store_and_forward" in rules["modality"].formula1
    assert rules["consent_documented"].formula1 == '"yes,no"'
    assert rules["mdm_level"].formula1 == '"straightforward,low,moderate,high"'
    assert rules["patient_state"].formula1 == '"' + ",".join(USPS) + '"'
    for col in ("total_minutes", "psychotherapy_minutes", "device_days"):
        assert (rules[col].type, rules[col].operator, rules[col].formula1) == (
            "whole", "greaterThanOrEqual", "0"
        )  # fmt: skip
    lines = wb["lines"]
    assert [c.value for c in lines[1]][:5] == [
        "sample_number", "encounter_id", "person_id", "rendering_npi", "claim_id"
    ]  # fmt: skip
    fields = {r[0]: r[1] for r in wb["sample"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert fields["n"] == str(N) and fields["seed"] == str(SEED)
    assert fields["method"] == "simple random"
    assert len(fields["input_sha256"]) == 64
    assert "not in RAT-STATS" in fields["generator"]


def test_the_workbook_reads_back_as_encounters_carrying_the_sample(workbook: Path) -> None:
    t = tk.read_encounters(workbook)
    assert t.data.height == N and t.rejects.height == 0
    assert set(t.dropped_columns) == {"sample_number", "frame_number", "claim_lines"}
    assert t.sample is not None
    assert (t.sample.n, t.sample.seed, t.sample.method) == (N, SEED, "simple random")
    assert t.sample.frame_size > N and "telehealth" in t.sample.frame
    assert tk.read_encounters(SAMPLES / "encounters.csv").sample is None


# --- the audit with sampled encounters ----------------------------------------------------------


def _lines_of(result: tk.AuditResult, encounter_ids: list[str]) -> pl.DataFrame:
    return result.claims.filter(pl.col("encounter_id").is_in(encounter_ids)).select(KEY)


def test_dc003_does_not_fire_outside_the_sample(
    filled: Path, sampled: tk.AuditResult, audit_sample: Callable[..., tk.AuditResult]
) -> None:
    ids = tk.read_encounters(filled).data["encounter_id"].to_list()
    in_sample = _lines_of(sampled, ids)
    dc003 = sampled.findings.filter(pl.col("rule_code") == "DC003").select(KEY)
    assert dc003.join(in_sample, on=KEY, how="anti").height == 0
    # the same encounters taken as complete: every other telehealth line is "missing" one
    complete = audit_sample(encounters=tk.read_encounters(filled), encounters_sample=False)
    assert complete.findings.filter(pl.col("rule_code") == "DC003").height > 100
    assert complete.to_summary_dict().get("encounters_sample") is None


def test_sampled_lines_get_the_findings_of_the_full_encounters_audit(
    filled: Path, sampled: tk.AuditResult, sample_audit: tk.AuditResult
) -> None:
    ids = tk.read_encounters(filled).data["encounter_id"].to_list()
    in_sample = _lines_of(sampled, ids)
    cols = [*KEY, "rule_code", "message", "exposure", "exposure_amount"]

    def on_sample(result: tk.AuditResult) -> pl.DataFrame:
        # DC001 looks back over all the patient's encounters, not the line's own
        found = result.findings.join(in_sample, on=KEY).filter(pl.col("rule_code") != "DC001")
        return found.select(cols).sort(cols)

    got, want = on_sample(sampled), on_sample(sample_audit)
    assert {"MD003", "DC004"} <= set(want["rule_code"])  # encounter rules fire on them
    assert got.equals(want)
    # outside the sample, rules needing an encounter give nothing
    needs_encounter = [k for k, r in REGISTRY.items() if ENCOUNTERS in r.tables]
    outside = sampled.findings.join(in_sample, on=KEY, how="anti")
    assert not outside["rule_code"].is_in(needs_encounter).any()
    # and nothing is extrapolated: the other rules find what the full audit finds
    reading = [k for k, r in REGISTRY.items() if ENCOUNTERS in (*r.tables, *r.partial_tables)]
    others = sample_audit.findings.join(in_sample, on=KEY, how="anti").filter(
        ~pl.col("rule_code").is_in(reading)
    )
    kept = outside.filter(~pl.col("rule_code").is_in(reading))
    assert kept.select(cols).sort(cols).equals(others.select(cols).sort(cols))


def test_encounter_rules_are_partial_with_the_counts(sampled: tk.AuditResult) -> None:
    record = sampled.to_summary_dict()["encounters_sample"]
    n_in, n_out = record["lines_in_sample"], record["lines_not_in_sample"]
    assert n_in >= N and n_in + n_out == sampled.claims.height
    why = f"judged on the {n_in:,} sampled lines; {n_out:,} lines not in the documentation sample"
    rules = {r["rule_code"]: r for r in sampled.rules.iter_rows(named=True)}
    for code in ("DC003", "DC004", "MD003", "PS001", "TM001"):
        assert (rules[code]["status"], rules[code]["reason"]) == ("partial", why)
    assert rules["TM004"]["status"] == "partial"
    assert rules["TM004"]["reason"].endswith("clauses reading the encounter " + why)
    assert rules["CD001"]["status"] == "evaluated"


def test_summary_json_and_report_state_the_sample(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["audit", str(SAMPLES), "--encounters", str(filled), "--out", str(out)])
    assert code in (0, 1)
    summary = json.loads((out / "summary.json").read_text())
    record = summary["encounters_sample"]
    assert (record["n"], record["seed"], record["method"]) == (N, SEED, "simple random")
    assert record["frame_size"] > N and record["extrapolated"] is False
    audited = summary["tables"]["claims"]["rows_audited"]
    assert record["lines_in_sample"] + record["lines_not_in_sample"] == audited
    sentence = (
        f"Encounter rules judged a documentation sample: {N} of {record['frame_size']:,} "
        f"telehealth visits (simple random sample, seed {SEED}); nothing is extrapolated."
    )
    assert sentence in (out / "report.html").read_text()


def test_encounters_declared_a_sample_without_a_workbook(
    filled: Path, audit_sample: Callable[..., tk.AuditResult]
) -> None:
    plain = tk.read_encounters(filled).data  # a frame: no sample sheet
    result = audit_sample(encounters=plain, encounters_sample=True)
    record = result.to_summary_dict()["encounters_sample"]
    assert record["n"] is None and record["lines_in_sample"] >= N
    assert sample_sentence(record).startswith(
        f"Encounter rules judged a documentation sample: the encounters given cover "
        f"{record['lines_in_sample']:,} of {result.claims.height:,} claim lines"
    )
    with pytest.raises(InputError, match="no encounters given"):
        tk.audit(SAMPLES / "claims.csv", encounters_sample=True)


def test_sample_visits_refuses_a_folder_without_claims(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sample-visits", str(tmp_path), "--n", "5", "--seed", "1",
                 "--out", str(tmp_path / "v.xlsx")])  # fmt: skip
    assert code == 2
    assert "no claims" in capsys.readouterr().err
    assert main(["sample-visits", str(tmp_path), "--n", "0", "--seed", "1",
                 "--out", str(tmp_path / "v.xlsx")]) == 2  # fmt: skip
