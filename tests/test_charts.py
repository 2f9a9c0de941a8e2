"""telekit.charts: each chart's spec (mark, encodings, types, titles, aggregated data) through
``chart.to_dict()``, and a PNG rendered offline with vl-convert under test-artifacts/charts/."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import pytest

import telekit as tk
from telekit import charts, metrics
from telekit._core import _columns as c
from telekit._engine._result import EXPOSURE_WORDS, exposure_totals
from telekit.integrity import oig_measures

D = dt.date
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
ARTIFACTS = ROOT / "test-artifacts" / "charts"
AS_OF = D(2026, 10, 30)  # data/samples/sample.toml
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def spec(chart: alt.Chart) -> dict[str, Any]:
    out: dict[str, Any] = chart.to_dict()
    return out


def rows(chart: alt.Chart) -> list[dict[str, Any]]:
    """The inline data the chart draws."""
    d = spec(chart)
    data: list[dict[str, Any]] = d["datasets"][d["data"]["name"]]
    return data


def render(chart: alt.Chart, name: str) -> Path:
    """Save as PNG (vl-convert, no network) and check it is a real, non-trivial image."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    path.unlink(missing_ok=True)
    chart.save(str(path))
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5_000
    return path


def title(chart: alt.Chart) -> tuple[str, list[str] | str | None]:
    t = spec(chart)["title"]
    return t["text"], t.get("subtitle")


def money(value: str) -> Decimal:
    return Decimal(value)


# --- sample-practice metrics, computed once ------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    claims = tk.read_claims(SAMPLES / "claims.csv")
    encounters = tk.read_encounters(SAMPLES / "encounters.csv")
    remits = tk.read_remittances(SAMPLES / "remittances.csv")
    return {
        "claims": claims,
        "encounters": encounters,
        "by_month": metrics.revenue_cycle(claims, remits, as_of=AS_OF, by="month"),
        "by_payer": metrics.revenue_cycle(claims, remits, as_of=AS_OF, by="payer"),
        "by_class": metrics.revenue_cycle(claims, remits, as_of=AS_OF, by="financial_class"),
        "overall": metrics.revenue_cycle(claims, remits, as_of=AS_OF),
        "denials": metrics.denials(claims, remits, as_of=AS_OF),
        "mix": metrics.telehealth_mix(claims, encounters, by="month"),
        "audit": tk.audit(
            claims,
            encounters=encounters,
            coverage=SAMPLES / "coverage.csv",
            providers=SAMPLES / "providers.csv",
            policies=SAMPLES / "policies.toml",
        ),
    }


# --- denial rate by month ----------------------------------------------------------------------


def months_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)],
            "initial_denial_rate": [0.10, None, 0.05],
            "initial_denial_rate_dollars": [0.20, None, 0.04],
        }
    )


def test_denial_rate_by_month_spec() -> None:
    chart = charts.denial_rate_by_month(months_frame())
    d = spec(chart)
    assert d["mark"]["type"] == "line"
    assert d["mark"]["point"] is True
    enc = d["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("month", "temporal")
    assert enc["x"]["axis"]["format"] == "%b %Y"
    assert (enc["y"]["field"], enc["y"]["type"]) == ("rate", "quantitative")
    assert enc["y"]["axis"]["format"] == ".0%"
    assert enc["y"]["title"] == "Initially denied"
    assert (enc["color"]["field"], enc["color"]["type"]) == ("series", "nominal")
    assert title(chart)[0] == "Initial denial rate by month"
    data = rows(chart)
    # February has no adjudicated claim (null rate): left out, never drawn as 0%
    assert len(data) == 4
    assert {r["series"] for r in data} == {
        "Claims denied (share of claims)",
        "Dollars denied (share of billed charges)",
    }
    assert sorted(r["rate"] for r in data) == [0.04, 0.05, 0.10, 0.20]
    render(chart, "denial_rate_by_month_handmade")


def test_denial_rate_by_month_one_line_per_payer() -> None:
    frame = pl.DataFrame(
        {
            "month": [D(2024, 1, 1), D(2024, 1, 1), D(2024, 2, 1)],
            "payer": ["AETNA", "MEDICARE", "AETNA"],
            "initial_denial_rate": [0.1, 0.2, 0.3],
        }
    )
    with pytest.raises(ValueError, match="several rows per month"):
        charts.denial_rate_by_month(frame)
    chart = charts.denial_rate_by_month(frame, by="payer")
    assert spec(chart)["encoding"]["color"]["title"] == "Payer"
    assert sorted((r["series"], r["rate"]) for r in rows(chart)) == [
        ("AETNA", 0.1),
        ("AETNA", 0.3),
        ("MEDICARE", 0.2),
    ]


def test_denial_rate_by_month_png(sample: dict[str, Any]) -> None:
    frame = sample["by_month"].filter(pl.col("month") >= D(2024, 1, 1))
    chart = charts.denial_rate_by_month(frame)
    expected = frame.filter(pl.col("initial_denial_rate").is_not_null()).height
    assert sum(r["series"].startswith("Claims") for r in rows(chart)) == expected
    render(chart, "denial_rate_by_month")


# --- denial Pareto ---------------------------------------------------------------------------


def denials_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "group_code": ["CO", "CO", "PR", "CO", "OA", "CO"],
            "reason_code": ["16", "204", "96", "50", "18", "16"],
            "reason_description": [
                "Claim or line is missing information or has a billing error",
                "Service not covered under the current benefit plan",
                "Non-covered charge",
                "Not medically necessary",
                "Exact duplicate claim or service",
                None,
            ],
            "claims": [3, 2, 1, 1, 1, 1],
            # CO-16 appears twice (a frame with by keys): 40 + 10 = 50
            "amount": [Decimal(v) for v in ("40.00", "30.00", "10.00", "5.00", "5.00", "10.00")],
        },
        schema_overrides={"amount": c.MONEY},
    )


def test_denial_pareto_spec_and_vital_few() -> None:
    chart = charts.denial_pareto(denials_frame())
    d = spec(chart)
    assert d["mark"]["type"] == "bar"
    enc = d["encoding"]
    assert (enc["y"]["field"], enc["y"]["type"]) == ("reason", "nominal")
    assert (enc["x"]["field"], enc["x"]["type"]) == ("amount", "quantitative")
    assert enc["x"]["axis"]["format"] == "$,.0f"
    assert enc["x"]["title"] == "Denied dollars"
    assert title(chart)[0] == "Denied dollars by reason (CARC)"
    data = rows(chart)
    assert [r["reason"][:6] for r in data] == ["CO-16 ", "CO-204", "PR-96 ", "CO-50 ", "OA-18 "]
    assert [r["amount"] for r in data] == [50.0, 30.0, 10.0, 5.0, 5.0]
    assert [round(r["cumulative_share"], 4) for r in data] == [0.5, 0.8, 0.9, 0.95, 1.0]
    # 50% + 30% reach 80%: those two bars are the vital few, the third is not
    vital = [r["group"] == "Reasons behind 80% of denied dollars" for r in data]
    assert vital == [True, True, False, False, False]
    assert enc["y"]["sort"] == [r["reason"] for r in data]
    # long descriptions are shortened with an ellipsis
    assert data[0]["reason"].endswith("…")
    render(chart, "denial_pareto_handmade")


def test_denial_pareto_top_and_the_rest() -> None:
    data = rows(charts.denial_pareto(denials_frame(), top=2))
    assert [r["reason"] for r in data][-1] == "All other reasons (3)"
    assert [r["amount"] for r in data] == [50.0, 30.0, 20.0]


def test_denial_pareto_png(sample: dict[str, Any]) -> None:
    chart = charts.denial_pareto(sample["denials"])
    total = float(sample["denials"].get_column("amount").sum())
    assert sum(r["amount"] for r in rows(chart)) == pytest.approx(total)
    render(chart, "denial_pareto")


# --- A/R aging -------------------------------------------------------------------------------


AR = ("ar_0_30", "ar_31_60", "ar_61_90", "ar_91_120", "ar_over_120")


def ar_frame() -> pl.DataFrame:
    values = {
        "AETNA": ("100.00", "50.00", "0.00", "25.00", "10.00"),
        "MEDICARE": ("1.50", "0.00", "0.00", "0.00", "200.00"),
    }
    return pl.DataFrame(
        {
            "payer": list(values),
            **{col: [Decimal(v[i]) for v in values.values()] for i, col in enumerate(AR)},
        },
        schema_overrides=dict.fromkeys(AR, c.MONEY),
    )


def test_ar_aging_sums_buckets_over_rows() -> None:
    chart = charts.ar_aging(ar_frame())
    d = spec(chart)
    assert d["mark"]["type"] == "bar"
    enc = d["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("bucket", "ordinal")
    assert enc["x"]["sort"] == [
        "0–30 days",
        "31–60 days",
        "61–90 days",
        "91–120 days",
        "Over 120 days",
    ]
    assert (enc["y"]["field"], enc["y"]["aggregate"], enc["y"]["type"]) == (
        "amount",
        "sum",
        "quantitative",
    )
    assert enc["y"]["axis"]["format"] == "$,.0f"
    by_bucket = {r["bucket"]: (r["amount"], r["age"]) for r in rows(chart)}
    assert by_bucket == {
        "0–30 days": (101.5, "90 days or less"),
        "31–60 days": (50.0, "90 days or less"),
        "61–90 days": (0.0, "90 days or less"),
        "91–120 days": (25.0, "Over 90 days"),
        "Over 120 days": (210.0, "Over 90 days"),
    }
    assert title(chart) == ("Accounts receivable by age", "Open balance $386; 61% over 90 days")
    render(chart, "ar_aging_handmade")


def class_frame() -> pl.DataFrame:
    """A/R by financial class: two payer types, insured patients' balances, self-pay."""
    values = {
        "medicare": ("100.00", "0.00", "0.00", "40.00", "0.00"),
        "commercial": ("20.00", "5.00", "0.00", "0.00", "0.00"),
        "patient": ("7.50", "0.00", "12.50", "0.00", "30.00"),
        "self_pay": ("0.00", "60.00", "0.00", "0.00", "15.00"),
    }
    frame = pl.DataFrame(
        {
            "financial_class": list(values),
            **{col: [Decimal(v[i]) for v in values.values()] for i, col in enumerate(AR)},
        },
        schema_overrides=dict.fromkeys(AR, c.MONEY),
    )
    total = sum(pl.col(col) for col in AR)
    patient = pl.col("financial_class").is_in(["patient", "self_pay"])
    return frame.with_columns(
        pl.when(patient).then(0).otherwise(total).cast(c.MONEY).alias("ar_payer"),
        pl.when(patient).then(total).otherwise(0).cast(c.MONEY).alias("ar_patient"),
    )


def test_ar_aging_by_financial_class_draws_payer_and_patient_ar_apart() -> None:
    chart = charts.ar_aging(class_frame())
    enc = spec(chart)["encoding"]
    assert enc["color"]["field"] == "owed_by"
    assert enc["color"]["scale"]["domain"] == list(charts.AR_PARTS)
    assert enc["y"]["aggregate"] == "sum"  # stacked: the parts add up to the bucket
    parts = {(r["bucket"], r["owed_by"]): r["amount"] for r in rows(chart)}
    assert parts == {
        ("0–30 days", "Payer A/R"): 120.0,
        ("0–30 days", "Patient A/R"): 7.5,
        ("31–60 days", "Payer A/R"): 5.0,
        ("31–60 days", "Patient A/R"): 60.0,
        ("61–90 days", "Payer A/R"): 0.0,
        ("61–90 days", "Patient A/R"): 12.5,
        ("91–120 days", "Payer A/R"): 40.0,
        ("91–120 days", "Patient A/R"): 0.0,
        ("Over 120 days", "Payer A/R"): 0.0,
        ("Over 120 days", "Patient A/R"): 45.0,
    }
    assert title(chart)[1] == "Open balance $290: payer $165 · patient $125; 29% over 90 days"
    render(chart, "ar_aging_payer_patient")
    # by= still stacks by the column itself; without the class, the one-row totals are named
    assert len(rows(charts.ar_aging(class_frame(), by="financial_class"))) == 20
    one_row = class_frame().drop("financial_class").sum()
    assert title(charts.ar_aging(one_row))[1] == (
        "Open balance $290: payer $165 · patient $125; 29% over 90 days"
    )


def test_ar_aging_stacked_by_payer(sample: dict[str, Any]) -> None:
    chart = charts.ar_aging(ar_frame(), by="payer")
    assert spec(chart)["encoding"]["color"]["field"] == "payer"
    assert len(rows(chart)) == 10
    frame = sample["overall"]
    chart = charts.ar_aging(frame)
    total = float(frame.get_column("ar_outstanding").sum())
    assert sum(r["amount"] for r in rows(chart)) == pytest.approx(total)
    render(chart, "ar_aging")
    render(charts.ar_aging(sample["by_payer"], by="payer"), "ar_aging_by_payer")
    # the sample by financial class: payer and patient parts add up to the practice's A/R
    chart = charts.ar_aging(sample["by_class"])
    assert {r["owed_by"] for r in rows(chart)} <= set(charts.AR_PARTS)
    assert sum(r["amount"] for r in rows(chart)) == pytest.approx(total)
    render(chart, "ar_aging_payer_patient_sample")


# --- collection rates by payer ---------------------------------------------------------------


def test_collection_rates_by_payer_spec() -> None:
    frame = pl.DataFrame(
        {
            "payer": ["AETNA", "MEDICARE", "SELF PAY"],
            "gross_collection_rate": [0.40, 0.55, None],
            "net_collection_rate": [0.90, 0.70, None],
        }
    )
    chart = charts.collection_rates_by_payer(frame)
    d = spec(chart)
    assert d["mark"]["type"] == "bar"
    enc = d["encoding"]
    assert (enc["y"]["field"], enc["y"]["type"]) == ("payer", "nominal")
    assert enc["y"]["sort"] == ["MEDICARE", "AETNA"]  # lowest net rate first; no rates: out
    assert (enc["yOffset"]["field"], enc["yOffset"]["type"]) == ("rate_name", "nominal")
    assert (enc["x"]["field"], enc["x"]["type"]) == ("rate", "quantitative")
    assert enc["x"]["axis"]["format"] == ".0%"
    assert enc["x"]["scale"]["domain"] == [0, 1.0]
    got = sorted((r["payer"], r["rate_name"][:5], r["rate"]) for r in rows(chart))
    assert got == [
        ("AETNA", "Gross", 0.40),
        ("AETNA", "Net (", 0.90),
        ("MEDICARE", "Gross", 0.55),
        ("MEDICARE", "Net (", 0.70),
    ]
    assert title(chart)[0] == "Collection rates by payer"
    render(chart, "collection_rates_by_payer_handmade")


def test_collection_rates_by_payer_png(sample: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="several rows per payer"):
        charts.collection_rates_by_payer(
            pl.concat([sample["by_payer"], sample["by_payer"]], how="vertical")
        )
    render(charts.collection_rates_by_payer(sample["by_payer"]), "collection_rates_by_payer")


# --- telehealth mix --------------------------------------------------------------------------


def mix_frame() -> pl.DataFrame:
    m1, m2 = D(2024, 1, 1), D(2024, 2, 1)
    return pl.DataFrame(
        {
            "month": [m1, m1, m1, m1, m2, m2],
            "dimension": ["modality", "modality", "place_of_service", "place_of_service"] * 1
            + ["modality", "place_of_service"],
            "category": ["audio_video", "in_person", "02", "other", "audio_only", "10"],
            "lines": [3, 1, 3, 1, 2, 2],
            "line_share": [0.75, 0.25, 0.75, 0.25, 1.0, 1.0],
            "charge_share": [0.6, 0.4, 0.6, 0.4, 1.0, 1.0],
        }
    )


def test_telehealth_mix_over_time_spec() -> None:
    chart = charts.telehealth_mix_over_time(mix_frame())
    d = spec(chart)
    assert d["mark"]["type"] == "bar"
    enc = d["encoding"]
    assert (enc["x"]["field"], enc["x"]["timeUnit"], enc["x"]["type"]) == (
        "month",
        "yearmonth",
        "temporal",
    )
    assert (enc["y"]["field"], enc["y"]["type"]) == ("share", "quantitative")
    assert enc["y"]["axis"]["format"] == ".0%"
    assert enc["y"]["title"] == "Share of charges"
    assert (enc["color"]["field"], enc["color"]["type"]) == ("label", "nominal")
    assert enc["color"]["sort"] == ["Video visit", "Audio-only visit", "In person"]
    assert sorted((r["label"], r["share"]) for r in rows(chart)) == [
        ("Audio-only visit", 1.0),
        ("In person", 0.4),
        ("Video visit", 0.6),
    ]
    assert title(chart)[0] == "Telehealth mix by month: charges by visit modality"
    pos = charts.telehealth_mix_over_time(
        mix_frame(), dimension="place_of_service", measure="lines"
    )
    assert sorted((r["label"], r["share"]) for r in rows(pos)) == [
        ("Other place of service", 0.25),
        ("POS 02 telehealth (not at home)", 0.75),
        ("POS 10 telehealth (at home)", 1.0),
    ]
    assert spec(pos)["encoding"]["y"]["title"] == "Share of claim lines"
    render(chart, "telehealth_mix_over_time_handmade")
    render(pos, "telehealth_mix_over_time_pos_handmade")


def test_telehealth_mix_over_time_refusals() -> None:
    pos_only = mix_frame().filter(pl.col("dimension") == "place_of_service")
    # without modality rows the default is the POS view; asking for modality is an error
    assert spec(charts.telehealth_mix_over_time(pos_only))["encoding"]["color"]["title"] == (
        "Place of service"
    )
    with pytest.raises(ValueError, match="needs telehealth_mix"):
        charts.telehealth_mix_over_time(pos_only, dimension="modality")
    with pytest.raises(ValueError, match="measure must be"):
        charts.telehealth_mix_over_time(mix_frame(), measure="dollars")
    with pytest.raises(ValueError, match="other keys"):
        charts.telehealth_mix_over_time(mix_frame().with_columns(pl.lit("X").alias("payer")))


def test_telehealth_mix_over_time_png(sample: dict[str, Any]) -> None:
    frame = sample["mix"].filter(pl.col("month") >= D(2024, 1, 1))
    chart = charts.telehealth_mix_over_time(frame)
    per_month: dict[str, float] = {}
    for r in rows(chart):
        per_month[r["month"]] = per_month.get(r["month"], 0.0) + r["share"]
    assert all(total == pytest.approx(1.0) for total in per_month.values())
    render(chart, "telehealth_mix_over_time")


# --- findings by rule ------------------------------------------------------------------------


def test_findings_by_rule_from_result_summary_and_findings(sample: dict[str, Any]) -> None:
    result: tk.AuditResult = sample["audit"]
    chart = charts.findings_by_rule(result)
    d = spec(chart)
    assert d["mark"]["type"] == "bar"
    enc = d["encoding"]
    assert (enc["y"]["field"], enc["y"]["type"]) == ("rule", "nominal")
    assert (enc["x"]["field"], enc["x"]["type"]) == ("findings", "quantitative")
    assert (enc["color"]["field"], enc["color"]["type"]) == ("severity", "nominal")
    scale = enc["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        s: charts.SEVERITY_COLORS[s] for s in scale["domain"]
    }
    assert title(chart)[0] == "Findings by audit rule"
    tips = [t["title"] for t in enc["tooltip"]]
    assert tips[-4:] == ["Overpaid", "Denied", "At risk", "Underpaid"]
    summary = result.summary().filter(pl.col("findings") > 0)
    amounts = {r["rule_code"]: r for r in summary.iter_rows(named=True)}
    for r in rows(chart):  # the tooltip's four amounts are the rule's
        for kind in ("overpayment", "denied", "at_risk", "underpayment"):
            assert r[kind] == pytest.approx(float(amounts[r["rule_code"]][kind])), kind
    expected = dict(summary.select("rule_code", "findings").iter_rows())
    drawn = {r["rule_code"]: r["findings"] for r in rows(chart)}
    top = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
    assert drawn == dict(top)
    counts = [r["findings"] for r in rows(chart)]
    assert counts == sorted(counts, reverse=True)
    # the same bars from .summary() and from .findings
    assert rows(charts.findings_by_rule(result.summary())) == rows(chart)
    from_findings = {
        r["rule_code"]: r["findings"] for r in rows(charts.findings_by_rule(result.findings))
    }
    assert from_findings == drawn
    # rule names read as words, abbreviations in capitals
    labels = [r["rule"] for r in rows(charts.findings_by_rule(result, top=100))]
    assert "FQ002  CTBS bundled with E/M" in labels
    assert "NC002  MUE units exceeded" in labels
    assert "AD002  G2211 with modifier 25 E/M" in labels
    assert "CD006  code not payable by Medicare" in labels
    render(chart, "findings_by_rule")


# --- money by provider and kind --------------------------------------------------------------


def findings_frame() -> pl.DataFrame:
    """C1 line 1: two clinician errors on a paid line (overpaid 100 and 80: counted once, at
    100); C2: a clinician warning (none); C3: a clinician error on a denied line (denied 50.25);
    C4: a billing error (provider 3 is billing-only: never on the chart); C5: a clinician
    underpayment of 12.50 for provider 2."""
    return pl.DataFrame(
        {
            c.CLAIM_ID: ["C1", "C1", "C2", "C3", "C4", "C5"],
            c.CLAIM_LINE_NUMBER: [1, 1, 1, 1, 1, 1],
            c.RENDERING_NPI: ["1111111111", "1111111111", "1111111111", "2222222222",
                              "3333333333", "2222222222"],
            "severity": ["error", "error", "warning", "error", "error", "info"],
            "responsibility": ["clinician", "clinician", "clinician", "clinician", "billing",
                               "clinician"],
            "exposure": ["overpayment", "overpayment", "none", "denied", "overpayment",
                         "underpayment"],
            "exposure_amount": [Decimal(v) for v in ("100.00", "80.00", "0", "50.25", "300.00",
                                                     "12.50")],
        },
        schema_overrides={"exposure_amount": c.MONEY, c.CLAIM_LINE_NUMBER: pl.Int32},
    )  # fmt: skip


def test_exposure_by_provider_counts_clinician_findings_each_line_once_per_kind() -> None:
    roster = pl.DataFrame({c.NPI: ["1111111111"], c.PROVIDER_NAME: ["Dana Whitfield"]})
    chart = charts.exposure_by_provider(findings_frame(), roster)
    d = spec(chart)
    assert d["mark"]["type"] == "bar"
    enc = d["encoding"]
    assert (enc["y"]["field"], enc["y"]["type"]) == ("provider", "nominal")
    assert (enc["yOffset"]["field"], enc["yOffset"]["type"]) == ("kind", "nominal")
    assert (enc["x"]["field"], enc["x"]["type"]) == ("dollars", "quantitative")
    assert "stack" not in enc["x"]  # side by side: the kinds are never added together
    assert enc["x"]["axis"]["format"] == "$,.0f"
    assert enc["color"]["scale"]["domain"] == ["overpaid", "denied", "at risk", "underpaid"]
    assert [(r["provider"], r["kind"], r["dollars"], r["lines"]) for r in rows(chart)] == [
        ("Dana Whitfield (1111111111)", "overpaid", 100.0, 1),
        ("2222222222", "denied", 50.25, 1),
        ("2222222222", "underpaid", 12.5, 1),
    ]
    assert title(chart) == (
        "Money by rendering provider: overpaid, denied, at risk, underpaid",
        [
            "Clinician findings only (billing findings are shown by payer and billing NPI)",
            "$100.00 overpaid, $50.25 denied, $12.50 underpaid — each claim line once per kind",
        ],
    )
    render(chart, "exposure_by_provider_handmade")


def test_exposure_by_provider_matches_the_audit_totals(sample: dict[str, Any]) -> None:
    result: tk.AuditResult = sample["audit"]
    chart = charts.exposure_by_provider(result, top=1000)
    clinician = result.findings.filter(pl.col("responsibility") == "clinician")
    totals = exposure_totals(clinician)
    drawn = rows(chart)
    for kind, amount in totals.select("exposure", "amount").iter_rows():
        word = EXPOSURE_WORDS[kind]
        got = sum(r["dollars"] for r in drawn if r["kind"] == word)
        assert got == pytest.approx(float(amount)), kind
    assert any(r["dollars"] > 0 for r in drawn)
    # every provider drawn has a clinician finding; none is billing-only
    npis = {r["provider"].rsplit("(", 1)[-1].rstrip(")") for r in drawn}
    assert npis <= set(clinician.get_column(c.RENDERING_NPI).to_list())
    assert any("(" in r["provider"] for r in drawn)  # names from the audit's roster
    render(charts.exposure_by_provider(result), "exposure_by_provider")


# --- OIG measures ----------------------------------------------------------------------------


def oig_frame() -> pl.DataFrame:
    """Provider A bills telehealth on 301 days at the top E/M level; B on 10 days."""
    lines = []
    for npi, n, code in (("A", 301, "99215"), ("B", 10, "99213")):
        for i in range(n):
            row: dict[str, Any] = dict.fromkeys(c.CLAIMS.names)
            row.update(
                {
                    c.CLAIM_ID: f"{npi}{i}",
                    c.CLAIM_LINE_NUMBER: 1,
                    c.PERSON_ID: f"P{i % 40}",
                    c.PAYER: "MEDICARE",
                    c.PAYER_TYPE: "medicare",
                    c.CLAIM_FREQUENCY_CODE: "1",
                    c.RENDERING_NPI: npi,
                    c.CLAIM_LINE_START_DATE: D(2024, 1, 1) + dt.timedelta(days=i),
                    c.PLACE_OF_SERVICE_CODE: "10",
                    c.HCPCS_CODE: code,
                    c.SERVICE_UNIT_QUANTITY: Decimal(1),
                    c.CHARGE_AMOUNT: Decimal("150.00"),
                }
            )
            lines.append(row)
    return oig_measures(pl.DataFrame(lines, schema=c.CLAIMS.schema, orient="row"))


def test_oig_measures_vs_thresholds_spec() -> None:
    chart = charts.oig_measures_vs_thresholds(oig_frame())
    d = spec(chart)
    assert d["mark"]["type"] == "bar"
    enc = d["encoding"]
    assert (enc["y"]["field"], enc["y"]["type"]) == ("provider", "nominal")
    assert (enc["x"]["field"], enc["x"]["type"]) == ("of_threshold", "quantitative")
    assert enc["x"]["axis"]["format"] == ".0%"
    assert 1.0 in enc["x"]["axis"]["values"]  # the threshold line is always on the axis
    assert enc["x"]["scale"]["domain"][0] == 0
    assert (enc["row"]["field"], enc["row"]["type"]) == ("measure", "nominal")
    assert (enc["color"]["field"], enc["color"]["type"]) == ("status", "nominal")
    text, subtitle = title(chart)
    assert text == "Providers against the OIG telehealth integrity measures"
    assert isinstance(subtitle, list)
    assert subtitle[0].startswith("2024, by rendering NPI")
    # no MA lines and no DMEPOS lines: measures 4 and 7 are named, not drawn as zero
    assert subtitle[1:] == [
        "Not computable from these data: 4. Telehealth services billed to both Medicare FFS and MA",
        "Not computable from these data: 7. Telehealth beneficiaries also given medical equipment",
    ]
    data = rows(chart)
    assert not any(r["measure"].startswith(("4.", "7.")) for r in data)
    days = {r["provider"]: r for r in data if r["measure"].startswith("3.")}
    assert days["A"]["of_threshold"] == pytest.approx(301 / 300)
    assert days["A"]["status"] == "Past the OIG threshold"
    assert days["A"]["value_text"] == "301 (OIG 300)"
    assert days["B"]["status"] == "Within the threshold"
    top = {r["provider"]: r for r in data if r["measure"].startswith("2.")}
    assert top["A"]["value_text"] == "100% (OIG 100%)"
    assert top["A"]["status"] == "Past the OIG threshold"
    assert any(r["measure"].endswith("OIG threshold: more than 300 days") for r in data)
    render(chart, "oig_measures_vs_thresholds")


def test_oig_measures_vs_thresholds_sample_png(sample: dict[str, Any]) -> None:
    oig = oig_measures(sample["claims"], sample["encounters"])
    chart = charts.oig_measures_vs_thresholds(oig, year=2025, top=8)
    assert {r["provider"] for r in rows(chart)} <= set(
        oig.filter(pl.col("year") == 2025).get_column(c.RENDERING_NPI)
    )
    assert len({r["provider"] for r in rows(chart)}) == 8
    render(chart, "oig_measures_vs_thresholds_sample")


# --- contract --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "frame"),
    [
        (charts.denial_rate_by_month, pl.DataFrame({"month": [D(2024, 1, 1)]})),
        (charts.denial_pareto, pl.DataFrame({"reason_code": ["16"]})),
        (charts.ar_aging, pl.DataFrame({"ar_0_30": [1.0]})),
        (charts.collection_rates_by_payer, pl.DataFrame({"payer": ["A"]})),
        (charts.telehealth_mix_over_time, pl.DataFrame({"month": [D(2024, 1, 1)]})),
        (charts.findings_by_rule, pl.DataFrame({"rule": ["EL001"]})),
        (charts.exposure_by_provider, pl.DataFrame({"rule_code": ["EL001"]})),
        (charts.oig_measures_vs_thresholds, pl.DataFrame({"rendering_npi": ["1"]})),
    ],
)
def test_a_frame_without_the_columns_is_a_clear_error(function: Any, frame: pl.DataFrame) -> None:
    with pytest.raises(tk.MissingColumnError, match="the frame has no column"):
        function(frame)


def test_every_chart_is_an_altair_chart_and_draws_empty_frames() -> None:
    empty_findings = findings_frame().clear()
    made = [
        charts.denial_rate_by_month(months_frame().clear()),
        charts.denial_pareto(denials_frame().clear()),
        charts.ar_aging(ar_frame().clear()),
        charts.findings_by_rule(empty_findings.with_columns(pl.lit("X").alias("rule_code"))),
        charts.exposure_by_provider(empty_findings),
        charts.oig_measures_vs_thresholds(oig_frame().clear()),
    ]
    for chart in made:
        assert isinstance(chart, alt.Chart)
        assert rows(chart) == []
    assert "No denied dollars" in str(title(made[1])[1])


def test_importing_telekit_leaves_altair_global_state_alone() -> None:
    code = (
        "import altair as alt\n"
        "before = (alt.renderers.active, alt.data_transformers.active, alt.theme.active)\n"
        "import telekit, telekit.charts, telekit.integrity, telekit.metrics\n"
        "after = (alt.renderers.active, alt.data_transformers.active, alt.theme.active)\n"
        "assert before == after == ('default', 'default', 'default'), (before, after)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_exposure_subtitle_is_every_providers_total_when_only_the_top_are_drawn() -> None:
    chart = charts.exposure_by_provider(findings_frame(), top=1)
    assert [r["dollars"] for r in rows(chart)] == [100.0]
    assert title(chart)[1] == [
        "Clinician findings only (billing findings are shown by payer and billing NPI)",
        "$100.00 overpaid, $50.25 denied, $12.50 underpaid — each claim line once per kind; "
        "the top 1 of 2 providers drawn",
    ]
