"""The window preparations' joins on a key's 64-bit hash (``telekit.rules._keys``): each helper
equals the plain polars operation on a tangled frame (null keys, repeated keys, keys that differ
in one column only), and with every key hashed alike (each pair a collision, so the checks on
the real key, the sorted repeats and the as-of fallback do all the work) the helpers and the
audit of the sample practice give what they give with the real hash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit.rules import _frequency, _keys, _ncci

KEYS = ["person", "npi", "dos"]
D = dt.date(2024, 3, 1)


def _collide(keys: Any) -> pl.Expr:
    """Every key hashes to the same value: each pair the hash finds is a collision but those of
    equal keys."""
    return pl.lit(7, dtype=pl.UInt64).alias(_keys.KEY_HASH)


@pytest.fixture(params=["hash", "collisions"])
def hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "collisions":
        for module in (_keys, _frequency, _ncci):
            monkeypatch.setattr(module, "key_hash", _collide)
    return str(request.param)


def _tangled(n: int, seed: int) -> pl.DataFrame:
    """Lines whose (person, npi, dos) keys repeat, differ in one column, or hold nulls."""
    people = ["P1", "P2", None, "P1 ", ""]
    npis = ["N1", "N2", None]
    rows = []
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        rows.append(
            {
                "row": i,
                "person": people[x % 5],
                "npi": npis[(x // 5) % 3],
                "dos": D + dt.timedelta(days=(x // 15) % 6) if (x // 90) % 7 else None,
                "code": f"C{(x // 630) % 4}",
            }
        )
    return pl.DataFrame(rows, schema_overrides={"row": pl.UInt32})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_join_on_key_is_the_join_on_the_keys(hashing: str, seed: int) -> None:
    lines = _tangled(60, seed)
    left = lines.filter(pl.col("code") == "C0").lazy()
    right = lines.filter(pl.col("code") != "C0").select(*KEYS, "code", "row").lazy()
    got = _keys.join_on_key(left, right, KEYS).collect()
    want = left.join(right, on=KEYS, how="inner", nulls_equal=True).collect()
    assert got.columns == want.columns
    assert_frame_equal(got, want, check_row_order=False)
    assert got.height > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_repeated_is_is_duplicated(seed: int) -> None:
    hashes = _tangled(80, seed).select(pl.struct(KEYS).hash().alias("h")).get_column("h")
    assert _keys.repeated(hashes).equals(hashes.is_duplicated())
    assert _keys.repeated(hashes.clear()).to_list() == []


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("strategy", ["backward", "forward"])
def test_asof_on_key_is_the_asof_join_by_the_keys(hashing: str, seed: int, strategy: Any) -> None:
    lines = _tangled(80, seed).filter(pl.col("dos").is_not_null())
    left = lines.filter(pl.col("code") == "C0").select("row", *KEYS).sort("dos").lazy()
    right = (
        lines.filter(pl.col("code") != "C0")
        .select(*KEYS, pl.col("dos").alias("_at"), "code")
        .sort("_at")
        .lazy()
    )
    kw: dict[str, Any] = {"left_on": "dos", "right_on": "_at", "strategy": strategy}
    got = _keys.asof_on_key(left, right, ["person", "npi"], **kw)
    want = left.join_asof(right.drop_nulls(["person", "npi"]), by=["person", "npi"], **kw)
    assert_frame_equal(got, want.collect())
    assert got.get_column("code").is_not_null().any()


def test_audit_of_the_sample_is_the_same_when_every_key_collides(
    monkeypatch: pytest.MonkeyPatch, audit_sample: Callable[..., tk.AuditResult]
) -> None:
    def audit() -> pl.DataFrame:
        return audit_sample().findings.drop("finding_id")

    hashed = audit()
    for module in (_keys, _frequency, _ncci):
        monkeypatch.setattr(module, "key_hash", _collide)
    collided = audit()
    assert hashed.height > 0
    assert_frame_equal(hashed, collided)
