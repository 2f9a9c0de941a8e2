"""Shared by the review tests: the audit of data/samples, made once per session (with the
sample's remittances, as ``telekit audit data/samples`` runs it: its findings are exactly
``ground_truth.csv``)."""

from __future__ import annotations

from pathlib import Path

import pytest

import telekit as tk

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="session")
def result(sample_audit: tk.AuditResult) -> tk.AuditResult:
    return sample_audit  # tests/conftest.py
