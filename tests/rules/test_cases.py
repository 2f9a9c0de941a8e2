"""Every rule's failing and passing cases, as data (``tests/rules/cases/<CODE>.toml``).

A case is a baseline clean world (one Medicare telehealth office visit in 2024, documented, covered,
by a licensed MD) plus the fields that matter. Format::

    rule = "CD002"

    [[case]]
    name = "POS 10 the day before it existed"
    lines = [{ place_of_service_code = "10", claim_line_start_date = 2021-12-31 }]
    expect = [1]                      # 1-based indices into `lines` where the rule fires

Optional keys of a case:

- ``encounters``: overrides merged onto the baseline encounter of line 1, 2, ... (each line
  links to its own encounter ``E<i>`` unless it sets ``encounter_id``; ``""`` means none);
- ``extra_encounters``: whole extra encounter rows (merged onto the baseline encounter);
- ``coverage`` / ``providers``: replace the baseline rows (each merged onto the baseline row);
- ``policies``: a policies table as in policies.toml (dict), passed to ``tk.audit``;
- ``telehealth_list``: rows of a CMS telehealth list file given for a year (``year``,
  ``hcpcs_code``, optionally ``status``, ``audio_only``), passed as ``tk.audit(telehealth_lists=)``;
- ``ncci``: NCCI editions passed as ``ncci=``, each ``{ path = "ncci", edition = 2024-10-01 }``
  (a folder or file under ``tests/data/cms/``, read with ``read_ncci``; ``edition`` optional);
- ``omit``: tables passed as None (``["encounters", "coverage", "providers"]``);
- ``drop_claim_columns``: claim columns absent from the source;
- ``also``: ``{ RULE = [line indices] }`` further rules checked exactly (precedence);
- ``status``: the rule's expected status (``evaluated`` | ``partial`` | ``skipped``);
- ``severity``: the expected severity of each finding of ``expect``, in order
  (``["error", "warning"]``), for rules whose clauses differ in severity;
- ``message_contains`` / ``fix_contains``: text every finding's message / suggested fix of the
  rule must contain (an auditor reads them);
- ``remittances``: remittance service lines passed to ``tk.audit``, each
  ``{ line = 1, paid = "0.00", status = "1", date = 2025-12-01, adjustments = [["CO", "96",
  "150.00"]] }`` (one remittance claim per entry, answering that line's claim for that line's
  code and DOS); ``as_of`` the audit's as_of; ``line_status``: the expected line_status of each
  finding of ``expect``, in order.

``pytest -k CD002`` runs one rule's cases.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import telekit as tk
from telekit import codesets

CASES = Path(__file__).parent / "cases"
CMS = Path(__file__).parents[1] / "data" / "cms"

BASE_LINE: dict[str, Any] = {
    "claim_id": "C1",
    "person_id": "P1",
    "member_id": "M1",
    "payer": "MEDICARE",
    "payer_type": "medicare",
    "claim_frequency_code": "1",
    "rendering_npi": "1234567893",
    "billing_npi": "1245319599",
    "claim_line_start_date": "2024-03-15",
    "claim_submitted_date": "2024-03-20",
    "place_of_service_code": "10",
    "hcpcs_code": "99213",
    "service_unit_quantity": "1",
    "charge_amount": "150.00",
    "diagnosis_code_1": "I10",
}
BASE_ENCOUNTER: dict[str, Any] = {
    "person_id": "P1",
    "rendering_npi": "1234567893",
    "encounter_date": "2024-03-15",
    "modality": "audio_video",
    "patient_location": "home",
    "patient_state": "NY",
    "provider_state": "NY",
    "consent_documented": "true",
    "total_minutes": "25",
    "mdm_level": "low",
}
BASE_COVERAGE: dict[str, Any] = {
    "person_id": "P1",
    "payer": "MEDICARE",
    "payer_type": "medicare",
    "member_id": "M1",
    "plan_name": "Original Medicare Part B",
    "enrollment_start_date": "2015-01-01",
    "telehealth_covered": "",
}
BASE_PROVIDER: dict[str, Any] = {
    "npi": "1234567893",
    "provider_name": "Dr Example",
    "provider_type": "MD",
    "licensed_states": "NY;NJ",
}


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    cols: list[str] = []
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    return pl.DataFrame(
        {k: [_text(r.get(k)) for r in rows] for k in cols}, schema=dict.fromkeys(cols, pl.String)
    )


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.toml")):
        spec = tomllib.loads(path.read_text())
        code = spec["rule"]
        assert code == path.stem, f"{path.name} declares rule {code}"
        for i, case in enumerate(spec["case"], 1):
            params.append(pytest.param(code, case, id=f"{code}-{i}-{case['name']}"))
    return params


def build(case: dict[str, Any]) -> dict[str, Any]:
    lines = []
    numbers: dict[str, int] = {}
    for i, over in enumerate(case["lines"], 1):
        line = {**BASE_LINE, "encounter_id": f"E{i}", **over}
        claim = str(line["claim_id"])
        numbers[claim] = numbers.get(claim, 0) + 1
        line.setdefault("claim_line_number", numbers[claim])
        lines.append(line)
    enc_over = case.get("encounters", [])
    encounters = []
    for i, line in enumerate(lines, 1):
        over = enc_over[i - 1] if i - 1 < len(enc_over) else {}
        link = line.get("encounter_id")
        enc_id = over.get("encounter_id", link if link else f"E{i}")
        encounters.append(
            {
                **BASE_ENCOUNTER,
                "person_id": line["person_id"],
                "rendering_npi": line["rendering_npi"],
                "encounter_date": line["claim_line_start_date"],
                **over,
                "encounter_id": enc_id,
            }
        )
    encounters += [{**BASE_ENCOUNTER, **e} for e in case.get("extra_encounters", [])]
    encounters = [e for e in encounters if e.get("encounter_id")]
    coverage = [{**BASE_COVERAGE, **c} for c in case.get("coverage", [{}])]
    providers = [{**BASE_PROVIDER, **p} for p in case.get("providers", [{}])]
    claims = _frame(lines)
    drop = case.get("drop_claim_columns", [])
    if drop:
        claims = claims.drop(drop)
    tables: dict[str, Any] = {
        "claims": claims,
        "encounters": _frame(encounters)
        if encounters
        else _frame([{"encounter_id": None}]).clear(),
        "coverage": _frame(coverage),
        "providers": _frame(providers),
    }
    for t in case.get("omit", []):
        tables[t] = None
    tables["remittances"] = _remittances(case.get("remittances"), lines)
    return tables


def _remittances(entries: list[dict[str, Any]] | None, lines: list[dict[str, Any]]) -> Any:
    if entries is None:
        return None
    svc, adjustments = [], []
    for k, entry in enumerate(entries, 1):
        line = lines[int(entry["line"]) - 1]
        remit = f"R{k}"
        svc.append(
            {
                "remit_id": remit,
                "remit_claim_seq": "1",
                "svc_seq": "1",
                "claim_id": line["claim_id"],
                "claim_status_code": str(entry.get("status", "1")),
                "payment_date": _text(entry.get("date", "2025-12-01")),
                "service_date": _text(line["claim_line_start_date"]),
                "hcpcs_code": line["hcpcs_code"],
                "line_charge_amount": line["charge_amount"],
                "paid_amount": str(entry["paid"]),
            }
        )
        adjustments += [
            {
                "remit_id": remit,
                "remit_claim_seq": "1",
                "svc_seq": "1",
                "level": "line",
                "group_code": group,
                "reason_code": reason,
                "amount": amount,
            }
            for group, reason, amount in entry.get("adjustments", [])
        ]
    adj = _frame(adjustments) if adjustments else None
    return tk.read_remittances(_frame(svc), adjustments=adj)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _keys(case: dict[str, Any]) -> list[tuple[str, int]]:
    """Each line's (claim_id, claim_line_number), in the order of ``lines``."""
    keys = []
    numbers: dict[str, int] = {}
    for over in case["lines"]:
        claim = str(over.get("claim_id", BASE_LINE["claim_id"]))
        numbers[claim] = numbers.get(claim, 0) + 1
        keys.append((claim, int(over.get("claim_line_number", numbers[claim]))))
    return keys


def fired(result: tk.AuditResult, code: str, case: dict[str, Any]) -> list[int]:
    keys = _keys(case)
    hits = result.findings.filter(pl.col("rule_code") == code)
    got = set(zip(hits["claim_id"].to_list(), hits["claim_line_number"].to_list(), strict=True))
    return [i for i, k in enumerate(keys, 1) if k in got]


@pytest.mark.parametrize(("code", "case"), _load_cases())
def test_rule_case(code: str, case: dict[str, Any]) -> None:
    tables = build(case)
    result = tk.audit(
        tables["claims"],
        encounters=tables["encounters"],
        coverage=tables["coverage"],
        providers=tables["providers"],
        policies=case.get("policies"),
        telehealth_lists=[pl.DataFrame(case["telehealth_list"])]
        if "telehealth_list" in case
        else (),
        ncci=[
            codesets.read_ncci(CMS / e["path"], edition=e.get("edition"))
            for e in case.get("ncci", [])
        ],
        remittances=tables["remittances"],
        as_of=case.get("as_of"),
    )
    assert result.rejects.height == 0, result.rejects.to_dicts()
    assert fired(result, code, case) == case["expect"], result.findings.select(
        "rule_code", "claim_id", "claim_line_number", "message"
    ).to_dicts()
    hits = result.findings.filter(pl.col("rule_code") == code).sort("claim_id", "claim_line_number")
    if "severity" in case:
        by_line = {(r["claim_id"], r["claim_line_number"]): r["severity"] for r in hits.to_dicts()}
        keys = _keys(case)
        got = [by_line[keys[i - 1]] for i in case["expect"]]
        assert got == case["severity"], got
    if "line_status" in case:
        by_line = {
            (r["claim_id"], r["claim_line_number"]): r["line_status"] for r in hits.to_dicts()
        }
        keys = _keys(case)
        got = [by_line[keys[i - 1]] for i in case["expect"]]
        assert got == case["line_status"], got
    for text in _as_list(case.get("message_contains")):
        assert all(text in m for m in hits["message"].to_list()), (text, hits["message"])
    for text in _as_list(case.get("fix_contains")):
        fixes = hits["suggested_fix"].to_list()
        assert all(text in (f or "") for f in fixes), (text, fixes)
    for other, expected in case.get("also", {}).items():
        assert fired(result, other, case) == expected, (other, result.findings.to_dicts())
    if "status" in case:
        status = result.rules.filter(pl.col("rule_code") == code).row(0, named=True)
        assert status["status"] == case["status"], status


def test_every_rule_has_failing_and_passing_cases() -> None:
    from telekit.rules import REGISTRY

    seen: dict[str, tuple[bool, bool]] = {}
    for param in _load_cases():
        code, case = param.values
        fails, passes = seen.get(code, (False, False))
        seen[code] = (fails or bool(case["expect"]), passes or not case["expect"])
    missing = [code for code in REGISTRY if seen.get(code) != (True, True)]
    assert not missing, f"rules without both failing and passing cases: {missing}"


def test_baseline_world_is_clean() -> None:
    tables = build({"lines": [{}]})
    result = tk.audit(
        tables["claims"],
        encounters=tables["encounters"],
        coverage=tables["coverage"],
        providers=tables["providers"],
    )
    assert result.findings.height == 0, result.findings.to_dicts()
