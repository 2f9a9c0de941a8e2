"""Shared by every test folder: the audit of data/samples, made once per session, as
``telekit audit data/samples`` runs it (with the sample's remittances and expected fees: its
findings are exactly ``ground_truth.csv``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import telekit as tk

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _audit_sample(**changes: Any) -> tk.AuditResult:
    """data/samples audited as ``telekit audit data/samples`` audits it, with ``changes`` to
    ``tk.audit``'s keywords (e.g. other ``encounters``)."""
    given: dict[str, Any] = {
        "encounters": SAMPLES / "encounters.csv",
        "coverage": SAMPLES / "coverage.csv",
        "providers": SAMPLES / "providers.csv",
        "policies": SAMPLES / "policies.toml",
        "as_of": date(2026, 10, 30),
        "remittances": tk.read_remittances(
            SAMPLES / "remittances.csv", adjustments=SAMPLES / "adjustments.csv"
        ),
        "expected_fees": SAMPLES / "expected_fees.toml",
    }
    return tk.audit(SAMPLES / "claims.csv", **(given | changes))


@pytest.fixture(scope="session")
def sample_audit() -> tk.AuditResult:
    return _audit_sample()


@pytest.fixture(scope="session")
def audit_sample() -> Callable[..., tk.AuditResult]:
    """``audit_sample(**changes)``: the sample's audit with other keywords (not cached)."""
    return _audit_sample
