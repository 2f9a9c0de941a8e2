"""``audit_folder(DIR, OUT)`` is what ``telekit audit DIR --out OUT`` runs (DESIGN §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import telekit as tk
from telekit._cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _summary(out: Path) -> dict[str, object]:
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    data.pop("run_at")
    return data


def test_audit_folder_and_the_cli_write_the_same_outputs(tmp_path: Path) -> None:
    lib, cli = tmp_path / "lib", tmp_path / "cli"
    result = tk.audit_folder(SAMPLES, lib)
    code = main(["audit", str(SAMPLES), "--out", str(cli)])
    assert code == result.exit_code
    assert (lib / "findings.csv").read_bytes() == (cli / "findings.csv").read_bytes()
    assert (lib / "rejects.csv").read_bytes() == (cli / "rejects.csv").read_bytes()
    assert _summary(lib) == _summary(cli)
    assert result.findings.height > 0


def test_audit_folder_refuses_an_unknown_table_name(tmp_path: Path) -> None:
    with pytest.raises(tk.TelekitError, match="unknown table name"):
        tk.audit_folder(None, tmp_path / "out", tables={"claim": SAMPLES / "claims.csv"})
