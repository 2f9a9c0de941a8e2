"""Table arguments (``telekit._read._arguments``): one handling for every entry point."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import telekit as tk
from telekit._read._arguments import as_frame, as_remittances, as_table

SAMPLES = Path(__file__).parents[1] / "data" / "samples"


def test_a_table_of_another_name_is_refused() -> None:
    providers = tk.read_providers(SAMPLES / "providers.csv")
    with pytest.raises(tk.InputError, match="expected a claims Table, found a providers Table"):
        as_table("claims", providers)


def test_none_is_not_given_and_a_wrong_type_is_named() -> None:
    assert as_table("claims", None) is None
    with pytest.raises(tk.InputError, match="found int"):
        as_table("claims", 3)  # type: ignore[arg-type]


def test_a_frame_is_read_as_a_file_is_and_a_canonical_frame_kept() -> None:
    raw = pl.read_csv(SAMPLES / "providers.csv", infer_schema=False)
    table = as_table("providers", raw)
    assert table is not None
    assert table.rows_in == raw.height
    assert as_frame("providers", table.data) is table.data
    assert as_frame("providers", raw).equals(table.data)


def test_remittances_from_a_path_or_as_given() -> None:
    remits = as_remittances(SAMPLES / "remittances.csv")
    assert as_remittances(remits) is remits
    assert remits.lines.height > 0
