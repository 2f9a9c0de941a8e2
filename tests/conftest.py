"""Shared by every test folder: the audit of data/samples, made once per session, as
``telekit audit data/samples`` runs it (with the sample's remittances and expected fees: its
findings are exactly ``ground_truth.csv``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import telekit as tk

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="session")
def sample_audit() -> tk.AuditResult:
    return tk.audit(
        SAMPLES / "claims.csv",
        encounters=SAMPLES / "encounters.csv",
        coverage=SAMPLES / "coverage.csv",
        providers=SAMPLES / "providers.csv",
        policies=SAMPLES / "policies.toml",
        as_of=date(2026, 10, 30),
        remittances=tk.read_remittances(
            SAMPLES / "remittances.csv", adjustments=SAMPLES / "adjustments.csv"
        ),
        expected_fees=SAMPLES / "expected_fees.toml",
    )
