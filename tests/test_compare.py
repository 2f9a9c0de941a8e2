"""telekit compare: two audits of the sample practice, the later one with planted changes."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from telekit import report
from telekit._cli import main
from telekit._core._exceptions import InputError
from telekit.report._compare import changed_rules
from telekit.review import ReviewStore

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

FIXED = "C0000004"  # MD004 (GT retired) on line 1: GT becomes 95 in AFTER
REPLACED = "C0000385"  # MD004 on line 1: replaced in AFTER by REPLACEMENT, same content
REPLACEMENT = "C9000385"
DROPPED = "C0000084"  # MD004 on line 1: absent from AFTER
ADDED = "C9999003"  # a copy of C0000003 (MD004) under a new claim id, only in AFTER
BROKEN = "C0001269"  # Medicare, 95, no finding: GT in AFTER (MD004 new)


def _copy(tmp: Path, name: str) -> Path:
    folder = tmp / name
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("x12", "ground_truth.csv"))
    return folder


def _after_claims(folder: Path) -> None:
    path = folder / "claims.csv"
    claims = pl.read_csv(path, infer_schema=False)
    modifier = pl.col("hcpcs_modifier_1")
    claims = claims.with_columns(
        pl.when(pl.col("claim_id") == FIXED)
        .then(pl.lit("95"))
        .when(pl.col("claim_id") == BROKEN)
        .then(pl.lit("GT"))
        .otherwise(modifier)
        .alias("hcpcs_modifier_1")
    )
    replacement = claims.filter(pl.col("claim_id") == REPLACED).with_columns(
        pl.lit(REPLACEMENT).alias("claim_id"),
        pl.lit("7").alias("claim_frequency_code"),
        pl.lit(REPLACED).alias("original_claim_id"),
        pl.lit(None, pl.String).alias("line_control_number"),
    )
    added = claims.filter(pl.col("claim_id") == "C0000003").with_columns(
        pl.lit(ADDED).alias("claim_id"),
        pl.lit(None, pl.String).alias("encounter_id"),
        pl.lit(None, pl.String).alias("line_control_number"),
    )
    claims = pl.concat([claims.filter(pl.col("claim_id") != DROPPED), replacement, added])
    claims.write_csv(path)


@pytest.fixture(scope="module")
def outs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("compare")
    before_in, after_in = _copy(tmp, "before_in"), _copy(tmp, "after_in")
    _after_claims(after_in)
    before, after = tmp / "before", tmp / "after"
    assert main(["audit", str(before_in), "--out", str(before)]) in (0, 1)
    assert main(["audit", str(after_in), "--out", str(after)]) in (0, 1)
    return before, after


def _keys(frame: pl.DataFrame) -> set[tuple[str, str, int]]:
    return set(frame.select("rule_code", "claim_id", "claim_line_number").iter_rows())


def test_new_persisting_resolved_out_of_scope(outs: tuple[Path, Path]) -> None:
    before, after = outs
    cmp = report.compare(before, after)
    assert _keys(cmp.new) == {("MD004", BROKEN, 1)}
    assert _keys(cmp.resolved) == {("MD004", FIXED, 1)}
    assert _keys(cmp.of("out_of_scope", "before")) == {("MD004", DROPPED, 1)}
    # the added claim's line is in AFTER only: its findings are out of scope, never new
    assert _keys(cmp.of("out_of_scope", "after")) == {("MD004", ADDED, 1), ("FQ004", ADDED, 1)}
    b = pl.read_parquet(before / "findings.parquet")
    a = pl.read_parquet(after / "findings.parquet")
    n = cmp.counts()
    assert n["persisting"] + n["resolved"] + 1 == b.height  # every BEFORE finding once
    assert n["persisting"] + n["new"] + 2 == a.height  # every AFTER finding once
    assert cmp.line("D").startswith("1 new, 323 persisting, 1 resolved findings | 3 out of scope")


def test_replacement_takes_over_and_finding_ids_are_stable(outs: tuple[Path, Path]) -> None:
    before, after = outs
    cmp = report.compare(before, after)
    moved = cmp.persisting.filter(pl.col("before_claim_id") != pl.col("claim_id"))
    assert moved.select("rule_code", "claim_id", "before_claim_id").rows() == [
        ("MD004", REPLACEMENT, REPLACED)
    ]
    # same claim line and rule in two runs: the same finding_id (a hash of rule, claim, line)
    same = cmp.persisting.filter(pl.col("before_claim_id") == pl.col("claim_id"))
    assert same.height == 322
    assert (same["finding_id"] == same["before_finding_id"]).all()


def test_money_by_kind_and_group(outs: tuple[Path, Path]) -> None:
    before, after = outs
    cmp = report.compare(before, after)
    whole = cmp.totals.filter(pl.col("scope") == "whole audits")
    for out, col in ((before, "before"), (after, "after")):
        summary = json.loads((out / "summary.json").read_text())
        got = {k: str(v) for k, v in whole.select("exposure", col).iter_rows()}
        assert got == {k: str(v["amount"]) for k, v in summary["findings"]["exposure"].items()}
    md004 = cmp.by_rule.filter(pl.col("rule_code") == "MD004").row(0, named=True)
    # lines in both: MD004 has an amount only where a remittance denied the line (CARC 4):
    # REPLACED's; its replacement has no remittance yet, so no amount (FIXED, BROKEN: none)
    assert (md004["denied_before"], md004["denied_after"]) == (Decimal("140.00"), Decimal(0))
    assert md004["denied_change"] == Decimal("-140.00")
    assert md004["overpayment_before"] == md004["overpayment_after"] == Decimal(0)
    in_both = cmp.totals.filter(pl.col("scope") == "lines in both", pl.col("exposure") == "denied")
    assert in_both.row(0, named=True)["change"] == Decimal("-140.00")
    assert set(cmp.by_payer.get_column("payer")) >= {"MEDICARE"}
    assert cmp.by_provider.columns[:2] == ["rendering_npi", "overpayment_before"]
    assert "provider" in cmp.by_provider.columns
    assert cmp.changed_rules.height == 0  # one catalog


def test_cli_writes_html_and_xlsx_with_confirmed(
    outs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = outs
    findings = pl.read_parquet(before / "findings.parquet")
    review = tmp_path / "review.sqlite"
    with ReviewStore(review) as store:
        for claim in (FIXED, REPLACED, DROPPED, "C0000015"):
            store.record(findings.filter(pl.col("claim_id") == claim), "confirm", reviewer="ana")
        store.record(findings.filter(pl.col("claim_id") == "C0000015"), "dismiss", reviewer="bo")
    out = tmp_path / "cmp"
    assert (
        main(["compare", str(before), str(after), "--out", str(out), "--review", str(review)]) == 0
    )
    assert capsys.readouterr().out.strip() == (
        f"1 new, 323 persisting, 1 resolved findings | 3 out of scope (line not in the other "
        f"audit) | {out}"
    )
    html = (out / "compare.html").read_text()
    for text in ("New findings", "Resolved findings", "By provider", "Confirmed findings"):
        assert text in html
    assert "<script" not in html and "{'" not in html
    sheets = pl.read_excel(out / "compare.xlsx", sheet_id=0)
    assert list(sheets) == [
        "Summary", "New", "Persisting", "Resolved", "Out of scope", "By rule", "By provider",
        "By payer", "Confirmed findings",
    ]  # fmt: skip
    confirmed = dict(sheets["Confirmed findings"].select("claim_id", "outcome").iter_rows())
    # C0000015's current decision is dismiss: not confirmed any more
    assert confirmed == {FIXED: "fixed", REPLACED: "still present", DROPPED: "out of scope"}
    assert sheets["Resolved"].get_column("claim_id").to_list() == [FIXED]


def test_refusals(
    outs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = outs
    assert main(["compare", str(before), str(after), "--out", str(after)]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["compare", str(before), str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no summary.json" in err
    # AFTER older than BEFORE by as_of: compared as given, with a warning on stderr
    older = tmp_path / "older"
    shutil.copytree(after, older)
    summary = json.loads((older / "summary.json").read_text())
    summary["as_of"] = "2020-01-01"
    (older / "summary.json").write_text(json.dumps(summary))
    assert main(["compare", str(before), str(older), "--out", str(tmp_path / "o")]) == 0
    assert "warning: AFTER's as-of date (2020-01-01) is before" in capsys.readouterr().err


def test_older_out_falls_back_to_the_claims_file(outs: tuple[Path, Path], tmp_path: Path) -> None:
    before, after = outs
    old = tmp_path / "old"
    shutil.copytree(before, old)
    (old / "claim_lines.parquet").unlink()
    assert report.compare(old, after).counts() == report.compare(before, after).counts()
    inputs = json.loads((old / "inputs.json").read_text())
    inputs["inputs"]["claims"][0]["sha256"] = "0" * 64  # the claims file changed since
    (old / "inputs.json").write_text(json.dumps(inputs))
    with pytest.raises(InputError, match=r"no claim_lines\.parquet .* re-run `telekit audit"):
        report.compare(old, after)


def test_changed_rules_between_catalogs() -> None:
    assert changed_rules("2026-12-06", "2026-12-06").height == 0
    changes = changed_rules("2026-01-01", "2026-12-06")
    assert {"CD004", "TH001"} <= set(changes.get_column("rule_code"))
    assert changed_rules("2026-12-06", "2026-01-01").equals(changes)  # either order


def test_deidentified_claim_lines_and_refusals(
    outs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, _ = outs
    deid = tmp_path / "deid"
    key = tmp_path / "key.csv"
    src = SAMPLES
    assert main(
        ["audit", str(src), "--out", str(deid), "--deidentify", "--key-file", str(key)]
    ) in (0, 1)
    lines = pl.read_parquet(deid / "claim_lines.parquet")
    findings = pl.read_parquet(deid / "findings.parquet")
    assert lines.height == 1988 and "claim_line_start_year" in lines.columns
    assert lines.get_column("claim_id").str.starts_with("CL-").all()
    # the pseudonyms are the findings' own
    assert findings.join(lines, on=["claim_id", "claim_line_number"], how="anti").height == 0
    replaced = lines.filter(pl.col("claim_frequency_code") == "7")
    assert replaced.get_column("original_claim_id").str.starts_with("CL-").all()
    assert main(["compare", str(before), str(deid), "--out", str(tmp_path / "o")]) == 2
    assert "de-identified" in capsys.readouterr().err
    # another run draws other pseudonyms: nothing would match
    other = tmp_path / "deid2"
    shutil.copytree(deid, other)
    for name in ("claim_lines.parquet", "findings.parquet"):
        frame = pl.read_parquet(other / name)
        ids = [
            col for col in ("claim_id", "original_claim_id", "finding_id") if col in frame.columns
        ]
        frame.with_columns(pl.col(ids).str.replace("^", "X")).write_parquet(other / name)
    assert main(["compare", str(deid), str(other), "--out", str(tmp_path / "o")]) == 2
    assert "share no pseudonym" in capsys.readouterr().err
    same = report.compare(deid, deid)
    assert same.counts()["persisting"] == findings.height


def test_bounded_path_gathers_claim_lines_from_its_buckets() -> None:
    from telekit._read._tables import read_claims
    from telekit._scale._merge import CLAIM_LINE_COLUMNS
    from telekit._scale._partitioned import audit_partitioned
    from telekit.report._out import claim_lines

    result = audit_partitioned(SAMPLES / "claims.csv", buckets=3)
    assert result.buckets == 3
    got = claim_lines(result)
    assert got is not None
    keys = ["claim_id", "claim_line_number"]
    expected = read_claims(SAMPLES / "claims.csv").data.select(CLAIM_LINE_COLUMNS).sort(keys)
    assert got.sort(keys).equals(expected)
