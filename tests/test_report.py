"""telekit.report: the self-contained HTML report of the sample practice, its re-rendering from
OUT, the metrics it draws, reviewer decisions, the progress bar and the CLI's help."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import io
import json
import logging
import re
import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit import report
from telekit._cli import main
from telekit._core import _progress
from telekit._engine._result import (
    EXPOSURE_KINDS,
    EXPOSURE_MEANING,
    EXPOSURE_WORDS,
    exposure_totals,
    money_phrase,
)
from telekit.review import ReviewStore, read_decisions
from telekit.rules import REGISTRY

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ALL_CHARTS = {
    "findings-by-rule",
    "exposure-by-provider",
    "denial-rate-by-month",
    "denial-pareto",
    "ar-aging",
    "collection-rates-by-payer",
    "telehealth-mix",
    "oig-measures",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("out")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["audit", str(SAMPLES), "--out", str(folder)]) == 1
    return folder


@pytest.fixture(scope="module")
def page(out: Path) -> str:
    return (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def result() -> tk.AuditResult:
    return tk.audit(
        SAMPLES / "claims.csv",
        encounters=SAMPLES / "encounters.csv",
        coverage=SAMPLES / "coverage.csv",
        providers=SAMPLES / "providers.csv",
        policies=SAMPLES / "policies.toml",
    )


def _text(html: str) -> str:
    """The page's visible text, roughly: tags dropped, entities kept."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the page -------------------------------------------------------------------------------------


def test_the_page_is_self_contained(page: str) -> None:
    assert page.startswith("<!doctype html>")
    lowered = page.lower()
    for banned in ("<script", "<link", "<img", "<iframe", "@import", "src=", "url(http"):
        assert banned not in lowered, banned
    # the only URLs are the SVG namespaces (never fetched) and the sources the rule pages cite,
    # shown as text for the reader (never fetched either)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html.unescape(page)))
    cited = {u for r in REGISTRY.values() for u in re.findall(r"https?://[^\s\"'<>)]+", r.doc)}
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert urls <= namespaces | cited, urls - namespaces - cited
    assert "@media print" in page and "break-before:page" in page and "@page" in page


def test_every_chart_is_an_inline_svg(page: str) -> None:
    figures = re.findall(r"<figure class='chart' data-chart='([a-z-]+)'>(.*?)</figure>", page, re.S)
    assert {name for name, _ in figures} == ALL_CHARTS
    assert len(figures) == len(ALL_CHARTS)
    assert f"data-charts='{len(ALL_CHARTS)}'" in page
    for name, svg in figures:
        assert svg.startswith("<svg ") and svg.endswith("</svg>"), name
        assert re.search(r"<(path|rect|line)\b", svg), name
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # ids of several SVGs never collide


def test_rerendering_from_out_gives_the_same_page(out: Path, page: str, tmp_path: Path) -> None:
    assert report.render_audit_dir(out) == page
    (out / "report.html").unlink()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["report", "--audit", str(out)]) == 0
    assert buf.getvalue().strip() == str(out / "report.html")
    assert (out / "report.html").read_text(encoding="utf-8") == page


def test_executive_summary(out: Path, page: str) -> None:
    summary = json.loads((out / "summary.json").read_text())
    text = _text(page)
    assert f"Claim lines audited {summary['tables']['claims']['rows_audited']:,}" in text
    by = summary["findings"]["by_severity"]
    assert f"{by['error']:,} error · {by['warning']:,} warning · {by['info']:,} info" in text


def test_four_money_tiles_each_with_its_meaning(out: Path, page: str) -> None:
    """Overpaid, denied, at risk, underpaid: amount and lines as summary.json has them (each
    line once per kind, computed again here from the findings), and what each means."""
    summary = json.loads((out / "summary.json").read_text())
    findings = pl.read_parquet(out / "findings.parquet")
    exposure = summary["findings"]["exposure"]
    assert list(exposure) == list(EXPOSURE_KINDS)
    tiles = re.findall(r"<div class='tile money (\w+)'>(.*?)</div></div>", page, re.S)
    assert [kind for kind, _ in tiles] == list(EXPOSURE_KINDS)
    for kind, tile in tiles:
        amount = Decimal(exposure[kind]["amount"])
        once = (
            findings.filter(pl.col("exposure") == kind)
            .group_by("claim_id", "claim_line_number")
            .agg(pl.col("exposure_amount").max())
        )
        assert once.height == exposure[kind]["lines"], kind
        assert once["exposure_amount"].sum() == amount, kind
        shown = _text(tile)
        label = EXPOSURE_WORDS[kind].capitalize()
        lines = exposure[kind]["lines"]
        assert f"{label} ${amount:,.2f} {lines:,} line" in shown, kind
        assert _esc(EXPOSURE_MEANING[kind]) in tile, kind
    assert any(Decimal(e["amount"]) > 0 for e in exposure.values())


def test_dollars_at_risk_is_never_printed_and_charges_are_labelled(page: str) -> None:
    text = _text(page).lower()
    assert "dollars at risk" not in text and "dollars-at-risk" not in page
    assert "at risk after review" not in text
    # the charges of lines with an error are shown, and called charges
    assert re.search(
        r"Lines with an error [\d,]+ [\d.]+% of lines audited; charges on them \$", _text(page)
    )


def test_amounts_priced_at_the_charge_are_counted_and_explained(out: Path, page: str) -> None:
    findings = pl.read_parquet(out / "findings.parquet")
    kinds = findings.filter(pl.col("exposure").is_in(["denied", "at_risk"]))
    charged = kinds.filter(pl.col("amount_basis") == "charge")
    n = charged.select(pl.struct("claim_id", "claim_line_number").n_unique()).item()
    of = kinds.select(pl.struct("claim_id", "claim_line_number").n_unique()).item()
    assert n > 0  # the sample has lines no expected fee or fee schedule prices
    assert f"{n:,} of the {of:,} lines denied or at risk are counted at their charge" in _text(page)
    assert "had no expected fee and no Medicare fee-schedule price" in page


def test_top_rules_show_the_four_amounts(out: Path, page: str) -> None:
    summary = json.loads((out / "summary.json").read_text())
    top = page.split("<h3>Top rules</h3>", 1)[1].split("</table>", 1)[0]
    head = re.findall(r"<th[^>]*>([^<]+)</th>", top)
    assert head[-4:] == ["Overpaid", "Denied", "At risk", "Underpaid"]
    code = re.search(r"<td>([A-Z]{2}\d{3})</td>", top).group(1)  # type: ignore[union-attr]
    rule = next(r for r in summary["rules"] if r["rule_code"] == code)
    row = top.split(f"<td>{code}</td>", 1)[1].split("</tr>", 1)[0]
    amounts = re.findall(r"<td class='num'>\$([\d,.]+)</td>", row)
    assert [Decimal(a.replace(",", "")) for a in amounts] == [
        Decimal(rule[k]) for k in EXPOSURE_KINDS
    ]


def test_scorecard_counts_clinician_findings_only(out: Path, page: str) -> None:
    findings = pl.read_parquet(out / "findings.parquet")
    clinician = findings.filter(pl.col("responsibility") == "clinician")
    top = page.split("<h3>Top providers</h3>", 1)[1].split("</table>", 1)[0]
    assert "counts clinician findings only" in top
    first_npi = re.search(r"<td>(\d{10})</td>", top).group(1)  # type: ignore[union-attr]
    row = top.split(f"<td>{first_npi}</td>", 1)[1].split("</tr>", 1)[0]
    mine = clinician.filter(pl.col("rendering_npi") == first_npi)
    errors = mine.filter(pl.col("severity") == "error")
    lines = errors.select(pl.struct("claim_id", "claim_line_number").n_unique()).item()
    assert re.findall(r"<td class='num'>([\d,]+)</td>", row)[:2] == [
        f"{mine.height:,}",
        f"{lines:,}",
    ]
    # most lines with a clinician error first
    per_npi = (
        clinician.filter(pl.col("severity") == "error")
        .group_by("rendering_npi")
        .agg(pl.struct("claim_id", "claim_line_number").n_unique().alias("n"))
    )
    assert lines == per_npi["n"].max()
    providers = pl.read_csv(SAMPLES / "providers.csv", infer_schema=False)
    name = providers.filter(pl.col("npi") == first_npi)["provider_name"][0]
    assert name in top


def test_billing_findings_by_payer_and_billing_npi(out: Path, page: str) -> None:
    findings = pl.read_parquet(out / "findings.parquet")
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False).with_columns(
        pl.col("claim_line_number").cast(pl.Int32)
    )
    billing = findings.filter(pl.col("responsibility") == "billing").join(
        claims.select("claim_id", "claim_line_number", "billing_npi"),
        on=["claim_id", "claim_line_number"],
    )
    section = page.split("id='billing'", 1)[1].split("</section>", 1)[0]
    assert "shown by payer and by billing NPI" in section
    by_payer = section.split("<h3>By payer</h3>", 1)[1].split("</table>", 1)[0]
    by_npi = section.split("<h3>By billing NPI</h3>", 1)[1].split("</table>", 1)[0]
    for payer, n in billing.group_by("payer").len().iter_rows():
        assert re.search(rf"<td>{re.escape(_esc(payer))}</td><td class='num'>{n:,}</td>", by_payer)
    for npi, n in billing.group_by("billing_npi").len().iter_rows():
        assert f"<td>{npi}</td><td class='num'>{n:,}</td>" in by_npi


def test_a_billing_only_provider_is_not_on_the_scorecard(result: tk.AuditResult) -> None:
    """A provider whose findings are all billing findings is left out of the scorecard and
    its chart, and its findings are in the billing section."""
    npi = "9999999999"
    billing_rows = result.findings.filter(
        (pl.col("responsibility") == "billing") & (pl.col("exposure_amount") > 0)
    ).head(3)
    findings = result.findings.with_columns(
        pl.when(pl.col("finding_id").is_in(billing_rows["finding_id"].implode()))
        .then(pl.lit(npi))
        .otherwise(pl.col("rendering_npi"))
        .alias("rendering_npi")
    )
    html = report.render(dataclasses.replace(result, findings=findings))
    summary = html.split("id='summary'", 1)[1].split("</section>", 1)[0]
    assert "data-chart='exposure-by-provider'" in summary
    assert f"<td>{npi}</td>" not in summary  # not in the table
    assert f"provider: {npi};" not in summary  # nor in the chart (its bars' labels)
    # the same findings as clinician findings put the provider on both
    theirs = findings.with_columns(
        pl.when(pl.col("rendering_npi") == npi)
        .then(pl.lit("clinician"))
        .otherwise(pl.col("responsibility"))
        .alias("responsibility")
    )
    html = report.render(dataclasses.replace(result, findings=theirs))
    summary = html.split("id='summary'", 1)[1].split("</section>", 1)[0]
    assert f"provider: {npi};" in summary
    billing = html.split("id='billing'", 1)[1].split("</section>", 1)[0]
    assert "<h3>By billing NPI</h3>" in billing


def test_findings_by_rule_with_explanation_and_fix(out: Path, page: str) -> None:
    truth = pl.read_csv(SAMPLES / "ground_truth.csv", infer_schema=False)
    counts = dict(truth.group_by("rule_code").len().iter_rows())
    assert len(counts) > 30
    for code, n in counts.items():
        m = re.search(rf"<div class='rule (\w+)' id='rule-{code}'>(.*?)</table></div>", page, re.S)
        assert m, code
        rule = REGISTRY[code]
        assert m.group(1) == rule.severity
        section = m.group(2)
        assert f"{n:,} findings on" in section, code
        assert f"<strong>{_esc(rule.summary)}</strong>" in section, code
        assert re.search(r"<strong>(Instead|Fix):</strong>", section), code  # what to bill
        rows = section.split("<tbody>", 1)[1].count("<tr>")
        assert rows == min(n, 5), code
    # rules that could not judge every line are named with their reason
    summary = json.loads((out / "summary.json").read_text())
    for r in summary["rules"]:
        if r["status"] != "evaluated":
            assert _esc(r["reason"]) in page, r["rule_code"]


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def test_revenue_cycle_and_oig_sections(out: Path, page: str) -> None:
    metrics = report.read_metrics(out / "metrics.parquet")
    rate = metrics["revenue_cycle"]["initial_denial_rate"][0]
    text = _text(page)
    assert f"Initial denial rate {rate * 100:.1f}%" in text
    row = metrics["revenue_cycle"].row(0, named=True)
    # A/R with its payer and patient parts apart; the labels of the corrected definitions
    assert f"A/R ${row['ar_outstanding']:,.2f}" in text
    assert f"Payer A/R ${row['ar_payer']:,.2f}" in text
    assert f"Patient A/R ${row['ar_patient']:,.2f}" in text
    assert row["ar_payer"] + row["ar_patient"] == row["ar_outstanding"]
    assert f"Days in A/R (gross, MGMA) {row['days_in_ar']:,.1f}" in text
    assert "Audit clean rate" in text and "Clean claim rate" not in text
    # the aging chart is drawn from the frame by financial class (payer vs patient A/R)
    assert "revenue_cycle_by_financial_class" in metrics
    revenue = page.split("id='revenue'", 1)[1].split("</section>", 1)[0]
    aging = revenue.split("data-chart='ar-aging'", 1)[1]
    assert "Payer A/R" in aging and "Patient A/R" in aging
    unlisted = metrics["unlisted_payers"]["payer"].to_list()
    if unlisted:
        assert "Payer values found without a policy entry" in text
    oig = pl.read_parquet(out / "oig.parquet")
    exceeded = oig.filter(pl.col("measures_exceeded") > 0)
    section = page.split("id='oig'", 1)[1].split("</section>", 1)[0]
    for npi in exceeded["rendering_npi"].to_list():
        assert f"<td>{npi}</td>" in section
    assert "Not computable" in section


def test_versions_and_inputs(out: Path, page: str) -> None:
    summary = json.loads((out / "summary.json").read_text())
    inputs = json.loads((out / "inputs.json").read_text())
    text = _text(page)
    assert f"Code sets {summary['code_set_version']}" in text
    assert f"telekit {summary['telekit_version']}" in text
    run = dt.datetime.fromisoformat(summary["run_at"])
    assert f"Run {run:%Y-%m-%d %H:%M} UTC" in text
    assert f"As of {summary['as_of']}" in text
    assert inputs["inputs"]["claims"][0]["sha256"] in page
    assert "policies.toml (SHA-256" in text
    for table, info in summary["tables"].items():
        assert re.search(rf"<td>{table}</td>.*?<td class='num'>{info['rows_in']:,}</td>", page), (
            table
        )


def test_rejects_are_counted_but_their_values_never_shown(out: Path) -> None:
    record, _, _ = report.load_audit(out)
    rejects = pl.DataFrame(
        {
            "table": ["claims", "claims"],
            "source_file": ["claims.csv", "claims.csv"],
            "row_number": [7, 9],
            "column": ["charge_amount", "claim_line_start_date"],
            "value": ["SECRET-VALUE-1", "SECRET-VALUE-2"],
            "reason": ["expected an amount", "expected a date (YYYY-MM-DD or MM/DD/YYYY)"],
        },
        schema_overrides={"row_number": pl.Int64},
    )
    html = report.render(dataclasses.replace(record, rejects=rejects))
    assert "SECRET-VALUE" not in html
    section = html.split("id='inputs'", 1)[1]
    assert "<h3>Rejected rows by reason</h3>" in section and "expected an amount" in section
    assert "<td class='num'>9</td>" in section


def test_text_is_escaped(out: Path) -> None:
    record, _, _ = report.load_audit(out)
    findings = record.findings.with_columns(pl.lit("<b>ACME & co</b>").alias("payer"))
    html = report.render(dataclasses.replace(record, findings=findings))
    assert "<b>ACME" not in html and "&lt;b&gt;ACME &amp; co&lt;/b&gt;" in html


def test_control_characters_never_reach_the_page(out: Path) -> None:
    """A NUL or ESC in a value (a payer's name: in tables and chart labels) is dropped, and
    vl-convert, which aborts the process on a NUL in a label, never sees it."""
    record, _, _ = report.load_audit(out)
    findings = record.findings.with_columns(
        pl.lit("AET\x00NA\x1b[31m\x07").alias("payer"),
        pl.lit("bad\x00 \x1bmessage").alias("message"),
        pl.lit("NPI\x00").alias("rendering_npi"),
    )
    html = report.render(dataclasses.replace(record, findings=findings))
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", html)
    assert "AETNA[31m" in html


def test_render_without_metrics_or_oig(result: tk.AuditResult) -> None:
    html = report.render(result)
    sections = re.findall(r"<section class='major[^']*' id='(\w+)'>", html)
    assert sections == ["summary", "billing", "findings", "inputs", "versions"]
    assert set(re.findall(r"data-chart='([a-z-]+)'", html)) == {
        "findings-by-rule",
        "exposure-by-provider",
    }


def test_metrics_may_be_one_frame_and_names_are_checked(result: tk.AuditResult) -> None:
    remits = tk.read_remittances(SAMPLES / "remittances.csv")
    frame = tk.metrics.revenue_cycle(result.claims, remits, as_of=dt.date(2026, 10, 30))
    html = report.render(result, metrics=frame)
    assert "Initial denial rate" in html and "data-chart='ar-aging'" in html
    with pytest.raises(tk.InputError, match="unknown frame name"):
        report.render(result, metrics={"revenue": frame})


def test_compute_metrics_without_remittances_gives_the_mix_only(result: tk.AuditResult) -> None:
    frames = report.compute_metrics(result)
    assert set(frames) == {"telehealth_mix", "telehealth_mix_by_month", "unlisted_payers"}
    html = report.render(result, metrics=frames)
    assert "No remittances were given" in html
    assert "data-chart='telehealth-mix'" in html


def test_metrics_parquet_round_trips_every_frame(tmp_path: Path) -> None:
    frames = {
        "revenue_cycle": pl.DataFrame(
            {"claims_submitted": [3], "ar_outstanding": [Decimal("12.50")]},
            schema={"claims_submitted": pl.Int64, "ar_outstanding": pl.Decimal(12, 2)},
        ),
        "revenue_cycle_by_month": pl.DataFrame(
            {
                "month": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
                "initial_denial_rate": [0.1, None],
            }
        ),
        "denials": pl.DataFrame(schema={"reason_code": pl.String, "amount": pl.Decimal(12, 2)}),
        "unlisted_payers": pl.DataFrame(schema={"payer": pl.String}),
    }
    report.write_metrics(frames, tmp_path / "metrics.parquet")
    back = report.read_metrics(tmp_path / "metrics.parquet")
    assert set(back) == set(frames)
    for name, frame in frames.items():
        assert_frame_equal(back[name], frame)


def test_payer_values_without_a_policy_entry_are_listed(result: tk.AuditResult) -> None:
    # the sample's policies name AETNA (alias 60054) and others; an unknown payer is listed
    claims = result.claims.with_columns(
        pl.when(pl.col("payer") == "AETNA")
        .then(pl.lit(" zz health plan "))
        .when(pl.col("payer") == "60054")
        .then(pl.lit("60054"))
        .otherwise(pl.col("payer"))
        .alias("payer")
    )
    changed = dataclasses.replace(result, claims=claims)
    frames = report.compute_metrics(changed)
    listed = frames["unlisted_payers"]["payer"].to_list()
    assert "ZZ HEALTH PLAN" in listed  # canonical: trimmed, upper-cased
    assert "60054" not in listed and "AETNA" not in listed  # an alias is an entry
    assert listed == sorted(listed)
    html = report.render(changed, metrics=frames)
    assert "Payer values found without a policy entry" in html
    assert "ZZ HEALTH PLAN" in html.split("id='revenue'", 1)[1]
    # none without a policy entry: no note
    none = {"unlisted_payers": pl.DataFrame(schema={"payer": pl.String})}
    assert "without a policy entry" not in report.render(result, metrics=none)


# --- reviewer decisions ---------------------------------------------------------------------------


def test_decisions_in_the_report(result: tk.AuditResult, tmp_path: Path) -> None:
    errors = result.findings.filter(pl.col("severity") == "error")
    path = tmp_path / "review.sqlite"
    with ReviewStore(path) as store:
        store.record(errors.head(6), "confirm", reviewer="alice", note="checked chart")
        store.record(errors.head(2), "dismiss", reviewer="bob", note="payer waived")
        store.record(errors.slice(6, 1), "needs_query", reviewer="bob")
    decisions = report.read_review(path)
    # the same current decisions as the review module reads
    theirs = read_decisions(path)
    assert_frame_equal(
        decisions.sort("finding_id"), theirs.select(decisions.columns).sort("finding_id")
    )
    html = report.render(result, decisions=path)
    section = html.split("id='review'", 1)[1].split("</section>", 1)[0]
    text = _text(section)
    assert f"Findings reviewed 7 of {result.findings.height:,}" in text
    assert "Confirmed 4 " in text and "Dismissed 2 " in text and "Needs query 1 " in text
    dismissed = set(errors.head(2)["finding_id"].to_list())
    kept = result.findings.filter(~pl.col("finding_id").is_in(list(dismissed)))
    after = money_phrase(exposure_totals(kept), "")
    assert after and after != money_phrase(result.exposure(), "")  # a dismissal changed it
    assert f"After review {after}" in text
    summary = html.split("id='summary'", 1)[1].split("</section>", 1)[0]
    assert f"After review (dismissed findings removed): {after}." in _text(summary)
    assert "payer waived" in section
    # a review file of another audit: its decisions are set aside, and said so
    other = decisions.with_columns(pl.lit("0" * 16).alias("finding_id")).head(1)
    html = report.render(result, decisions=other)
    assert "1 decisions of the review file are about findings this audit does not have" in html


def test_read_review_refuses_what_is_not_a_review_file(tmp_path: Path) -> None:
    with pytest.raises(tk.InputError, match="no such review file"):
        report.read_review(tmp_path / "nope.sqlite")
    (tmp_path / "x.sqlite").write_text("not sqlite")
    with pytest.raises(tk.InputError, match="not a telekit review file"):
        report.read_review(tmp_path / "x.sqlite")


# --- progress, help -------------------------------------------------------------------------------


def test_progress_bar_draws_on_a_terminal_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="telekit")
    tty = io.StringIO()
    with _progress.Progress("audit", total=3, stream=tty, enabled=True) as bar:
        bar.step("reading claims")
        bar.step("auditing")
        assert bar.line().startswith("telekit audit [#######.............]  2/3 auditing")
    drawn = tty.getvalue()
    assert "\r\x1b[2Ktelekit audit [....................]  1/3 reading claims" in drawn
    assert drawn.endswith("\r\x1b[2K")  # the line is cleared when done
    quiet = io.StringIO()  # not a terminal
    with _progress.Progress("audit", total=3, stream=quiet) as bar:
        bar.step("reading claims")
    assert quiet.getvalue() == ""
    stages = [r.getMessage() for r in caplog.records]
    assert any(re.fullmatch(r"telekit audit: auditing took \d+\.\d\d s", m) for m in stages)


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--help"]) == 0
    text = capsys.readouterr().out
    for part in ("--review F", "--deidentify", "--key-file F", "telekit report --audit",
                 "exit codes", "progress bar"):  # fmt: skip
        assert part in text, part
    assert main(["report", "--help"]) == 0
    text = capsys.readouterr().out
    assert "telekit report --audit out/audit --review review.sqlite" in text


def test_the_practice_name_heads_the_page(result: tk.AuditResult) -> None:
    html = report.render(result, practice="Acme <Telehealth>")
    assert "<title>Acme &lt;Telehealth&gt; — Telehealth billing audit report</title>" in html
    assert "<h1>Acme &lt;Telehealth&gt; — Telehealth billing audit report" in html


def test_the_clock_ticks_while_a_stage_runs() -> None:
    tty = io.StringIO()
    with _progress.Progress("audit", total=2, stream=tty, enabled=True) as bar:
        bar.step("auditing")
        time.sleep(1.3)
        ticked = tty.getvalue().count("auditing")
        bar.step("writing", tick=False)  # a stage that draws its own progress
        time.sleep(1.2)
        assert tty.getvalue().count("writing") == 1
    assert ticked >= 2
    assert bar._ticker is None  # the thread is gone once closed


def test_chart_labels_are_cut_before_drawing() -> None:
    """A 40 KB payer name would keep vl-convert busy for minutes: chart data text is cut."""
    import json

    from telekit.report._html import CHART_LABEL_MAX, _short_labels

    spec = json.dumps({"datasets": {"d": [{"payer": "X" * 40_000, "n": 1}]}, "mark": "bar"})
    data = json.loads(_short_labels(spec))["datasets"]["d"][0]
    assert len(data["payer"]) == CHART_LABEL_MAX
    assert data["payer"].endswith("…")
    assert data["n"] == 1
    # real labels stay whole: the specs name them in sorts and filters (the OIG measure titles)
    measure = "6. Beneficiaries served by telehealth — OIG threshold: more than 2,000 beneficiaries"
    short = json.dumps({"datasets": {"d": [{"payer": "AETNA", "measure": measure}]}})
    assert _short_labels(short) == short
