"""The bounded-memory audit equals the single-process audit: findings, rejects, accounting, rule
statuses and summary, on a generated practice tangled so that persons meet across buckets."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import telekit as tk
from telekit import codesets, sample
from telekit._cli import main
from telekit._core import _columns as c
from telekit._core._exceptions import TelekitError
from telekit._core._progress import StatusLine
from telekit._engine._result import EXPOSURE_KINDS, exposure_totals, money_phrase
from telekit._io import _stream
from telekit._read import _remittances as _read_remittances
from telekit._read import _tables
from telekit._scale import _links, _partitioned, _remits, _split, _tally
from telekit._scale._links import components
from telekit._scale._partitioned import audit_partitioned, should_partition
from telekit._scale._split import split_inputs
from telekit.report import audit_folder

K = 4  # buckets in these tests
TABLES = ("claims", "encounters", "coverage", "providers")


def bucket_of(ids: list[str], buckets: int = K) -> list[int]:
    """The bucket of each person when nothing links it (what _partitioned computes)."""
    return (pl.Series(ids).hash(seed=0) % buckets).cast(pl.Int64).to_list()


def _first(frame: pl.DataFrame, column: str) -> Any:
    return frame.get_column(column).item(0)


def tangle(
    p: sample.Practice, buckets: int = K
) -> tuple[pl.DataFrame, pl.DataFrame, list[tuple[str, str]]]:
    """The practice's claims and encounters with persons meeting across hash buckets: a
    replacement by another person, a line pointing at another person's encounter, a claim key
    billed under two persons, a person-less encounter two persons point at, an encounter id under
    two persons; plus Medicare telehealth lines in a year without a shipped list (TH001 partial)
    in two buckets, and values the reader rejects. Also returns the pairs of persons linked."""
    claims, enc = p.claims, p.encounters
    persons = claims.get_column(c.PERSON_ID).unique().sort().to_list()
    home = dict(zip(persons, bucket_of(persons, buckets), strict=True))

    used: set[str] = set()  # each tangle takes persons of its own

    def away(person: str) -> list[str]:
        return [q for q in persons if home[q] != home[person] and q not in used]

    def elsewhere(person: str, among: pl.DataFrame | None = None) -> str:
        allowed = None if among is None else set(among.get_column(c.PERSON_ID).to_list())
        q = next(q for q in away(person) if allowed is None or q in allowed)
        used.add(q)
        return q

    def pick(frame: pl.DataFrame) -> pl.DataFrame:
        row = frame.filter(~pl.col(c.PERSON_ID).is_in(list(used))).head(1)
        used.add(_first(row, c.PERSON_ID))
        return row

    plain = (pl.col(c.CLAIM_FREQUENCY_CODE) == "1") & ~pl.col(c.CLAIM_ID).is_in(
        claims.get_column(c.ORIGINAL_CLAIM_ID).drop_nulls().to_list()
    )
    # (a) a claim with findings replaced (frequency 7) by a claim of a person in another bucket
    flagged = p.ground_truth.filter(pl.col("rule_code") != "FL002").get_column(c.CLAIM_ID)
    x = pick(claims.filter(plain & pl.col(c.CLAIM_ID).is_in(flagged.to_list())))
    x_id, a = _first(x, c.CLAIM_ID), _first(x, c.PERSON_ID)
    replacement = claims.filter(pl.col(c.CLAIM_ID) == x_id).with_columns(
        pl.lit("R" + x_id).alias(c.CLAIM_ID),
        pl.lit(elsewhere(a)).alias(c.PERSON_ID),
        pl.lit("7").alias(c.CLAIM_FREQUENCY_CODE),
        pl.lit(x_id).alias(c.ORIGINAL_CLAIM_ID),
    )
    # (b) a clean telehealth line pointing at an audio-video encounter of another person
    clean = ~pl.col(c.CLAIM_ID).is_in(p.ground_truth.get_column(c.CLAIM_ID).to_list())
    line_b = pick(
        claims.filter(
            plain
            & clean
            & (pl.col(c.PLACE_OF_SERVICE_CODE) == "02")
            & pl.col(c.ENCOUNTER_ID).is_not_null()
        )
    )
    d = elsewhere(_first(line_b, c.PERSON_ID), enc.filter(pl.col(c.MODALITY).is_not_null()))
    e2 = _first(
        enc.filter((pl.col(c.PERSON_ID) == d) & pl.col(c.MODALITY).is_not_null()), c.ENCOUNTER_ID
    )
    # (c) a claim key billed again under a person of another bucket (a duplicate to reject)
    line_c = pick(claims.filter(plain & clean))
    dup_line = line_c.with_columns(
        pl.lit(elsewhere(_first(line_c, c.PERSON_ID))).alias(c.PERSON_ID)
    )
    # (d) an encounter without person, pointed at by a line of another bucket too
    line_d = pick(claims.filter(plain & clean & pl.col(c.ENCOUNTER_ID).is_not_null()))
    e3 = _first(line_d, c.ENCOUNTER_ID)
    line_h = pick(
        claims.filter(
            plain
            & clean
            & pl.col(c.ENCOUNTER_ID).is_not_null()
            & pl.col(c.PERSON_ID).is_in(away(_first(line_d, c.PERSON_ID)))
        )
    )
    # (e) an encounter id under a person of another bucket too (a duplicate to reject)
    e4 = pick(enc)
    dup_enc = e4.with_columns(pl.lit(elsewhere(_first(e4, c.PERSON_ID))).alias(c.PERSON_ID))
    # (f) Medicare telehealth lines of two buckets in 2017 (no shipped list: TH001 partial)
    medicare_th = claims.filter(
        plain
        & clean
        & (pl.col(c.PAYER_TYPE) == "medicare")
        & (pl.col(c.PLACE_OF_SERVICE_CODE) == "02")
    )
    first_th = pick(medicare_th)
    second_th = pick(
        medicare_th.filter(
            pl.col(c.PERSON_ID).is_in(
                [q for q in persons if home[q] != home[_first(first_th, c.PERSON_ID)]]
            )
        )
    )
    old_year = pl.col(c.CLAIM_ID).is_in(
        [_first(first_th, c.CLAIM_ID), _first(second_th, c.CLAIM_ID)]
    )

    def line_is(row: pl.DataFrame) -> pl.Expr:
        return (pl.col(c.CLAIM_ID) == _first(row, c.CLAIM_ID)) & (
            pl.col(c.CLAIM_LINE_NUMBER) == _first(row, c.CLAIM_LINE_NUMBER)
        )

    claims = claims.with_columns(
        pl.when(line_is(line_b)).then(pl.lit(e2)).when(line_is(line_h)).then(pl.lit(e3))
        .otherwise(pl.col(c.ENCOUNTER_ID)).alias(c.ENCOUNTER_ID),
        pl.when(old_year).then(pl.col(c.CLAIM_LINE_START_DATE).dt.offset_by("-7y"))
        .otherwise(pl.col(c.CLAIM_LINE_START_DATE)).alias(c.CLAIM_LINE_START_DATE),
    )  # fmt: skip
    claims = pl.concat([claims, replacement, dup_line]).cast(pl.String)
    # (g) values the reader rejects
    claims = claims.with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("2024-13-45"))
        .otherwise(pl.col(c.CLAIM_LINE_START_DATE)).alias(c.CLAIM_LINE_START_DATE),
        pl.when(pl.int_range(pl.len()) == 9).then(pl.lit("abc"))
        .otherwise(pl.col(c.CHARGE_AMOUNT)).alias(c.CHARGE_AMOUNT),
        pl.when(pl.int_range(pl.len()) == 11).then(pl.lit(" "))
        .otherwise(pl.col(c.PERSON_ID)).alias(c.PERSON_ID),
    )  # fmt: skip
    enc = pl.concat([enc, dup_enc]).with_columns(
        pl.when(pl.col(c.ENCOUNTER_ID) == e3).then(None).otherwise(pl.col(c.PERSON_ID))
        .alias(c.PERSON_ID)
    )  # fmt: skip
    pairs = [
        (a, _first(replacement, c.PERSON_ID)),
        (_first(line_b, c.PERSON_ID), d),
        (_first(line_c, c.PERSON_ID), _first(dup_line, c.PERSON_ID)),
        (_first(line_d, c.PERSON_ID), _first(line_h, c.PERSON_ID)),
        (_first(e4, c.PERSON_ID), _first(dup_enc, c.PERSON_ID)),
    ]
    return claims, enc, pairs


def _csv_text(frame: pl.DataFrame) -> str:
    """CSV with a title line, notes holding newlines and quotes, and a blank line."""
    notes = (
        pl.when(pl.int_range(pl.len()) % 97 == 3)
        .then(pl.lit('called back\n"urgent", résumé'))
        .otherwise(None)
    )
    text = frame.with_columns(notes.alias("note")).write_csv()
    lines = text.split("\n")
    return "Practice export, all lines\n" + "\n".join([*lines[:40], "", *lines[40:]])


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tangled practice as Parquet (claims in two parts), UTF-8 CSV and cp1252 CSV."""
    p = sample.practice(seed=11, size=1200)
    claims, encounters, pairs = tangle(p)
    frames = {
        "claims": claims,
        "encounters": encounters,
        "coverage": p.coverage,
        "providers": p.providers,
    }
    root = tmp_path_factory.mktemp("practice")
    dirs = {}
    for kind in ("parquet", "csv", "cp1252"):
        d = root / kind
        d.mkdir()
        (d / "policies.toml").write_text(p.policies_toml)
        dirs[kind] = d
    for name, frame in frames.items():
        frame.write_parquet(dirs["parquet"] / f"{name}.parquet")
        (dirs["csv"] / f"{name}.csv").write_text(_csv_text(frame), encoding="utf-8")
        (dirs["cp1252"] / f"{name}.csv").write_bytes(_csv_text(frame).encode("cp1252"))
    (root / "pairs.json").write_text(json.dumps(pairs))
    parts = dirs["parquet"] / "claims"
    parts.mkdir()
    half = claims.height // 2  # parts of two schemas: the reader relaxes them to one
    claims.slice(0, half).write_parquet(parts / "part-0.parquet")
    claims.slice(half).drop(c.LINE_CONTROL_NUMBER).with_columns(
        pl.col(c.CLAIM_LINE_NUMBER).cast(pl.Int32, strict=False)
    ).write_parquet(parts / "part-1.parquet")
    (dirs["parquet"] / "claims.parquet").unlink()
    return dirs


def _inputs(d: Path) -> dict[str, Path]:
    return {t: _partitioned_path(d, t) for t in TABLES}


def _partitioned_path(d: Path, t: str) -> Path:
    for candidate in (d / f"{t}.parquet", d / t, d / f"{t}.csv"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(t)


def _summary(result: tk.AuditResult) -> dict[str, Any]:
    summary = result.to_summary_dict()
    summary.pop("run_at")
    return summary


STATUS_COLUMNS = ("line_status", "paid_amount", "exposure", "suggested_fix")
MONEY_COLUMNS = (
    c.CHARGE_AMOUNT,
    "paid_amount",
    "expected_allowed",
    "exposure",
    "exposure_amount",
    "amount_basis",
)


def assert_same_audit(single: tk.AuditResult, split: tk.AuditResult) -> None:
    # each finding's line status, payment, exposure and the fix that follows them
    key = [c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code"]
    assert_frame_equal(
        single.findings.select(*key, *STATUS_COLUMNS), split.findings.select(*key, *STATUS_COLUMNS)
    )
    # each finding's money: the charge, the price, the kind of exposure, its amount and basis
    assert_frame_equal(
        single.findings.select(*key, *MONEY_COLUMNS), split.findings.select(*key, *MONEY_COLUMNS)
    )
    assert_frame_equal(single.findings, split.findings)
    # the four totals (each line once per kind), the money per rule, what stdout and repr say
    assert_frame_equal(single.exposure(), split.exposure())
    assert_frame_equal(single.summary(), split.summary())
    assert single.stdout_line("OUT") == split.stdout_line("OUT")
    assert money_phrase(single.exposure(), ", ") in repr(split)
    assert_frame_equal(single.rejects, split.rejects)
    assert_frame_equal(single.accounting, split.accounting)
    assert_frame_equal(single.rules, split.rules)
    assert single.unknown_codes == split.unknown_codes
    assert single.as_of == split.as_of
    assert _summary(single) == _summary(split)


def _audit_both(
    d: Path, **kwargs: Any
) -> tuple[tk.AuditResult, _partitioned.PartitionedAuditResult]:
    inputs = _inputs(d)
    policies = d / "policies.toml"
    single = tk.audit(inputs["claims"], **{t: inputs[t] for t in TABLES[1:]}, policies=policies)
    split = audit_partitioned(
        inputs["claims"], **{t: inputs[t] for t in TABLES[1:]}, policies=policies, **kwargs
    )
    return single, split


@pytest.mark.parametrize("kind", ["parquet", "csv", "cp1252"])
def test_partitioned_audit_equals_single_process(practice: dict[str, Path], kind: str) -> None:
    single, split = _audit_both(practice[kind], buckets=K)
    assert_same_audit(single, split)
    assert split.buckets == K
    assert split.lines_audited == single.claims.height
    # the fixture exercises what it claims
    th001 = single.rules.filter(pl.col("rule_code") == "TH001").row(0, named=True)
    assert th001["status"] == "partial"
    # the tangle's two lines (in two buckets) and the three pre-2019 Medicare telehealth lines
    # of the generated practice, summed over buckets
    assert th001["reason"].startswith("5 lines not judged")  # 2 of the tangle, 3 of the sample
    assert single.rejects.filter(pl.col("table") == "claims").height >= 4
    assert single.rejects.filter(pl.col("reason").str.starts_with("duplicate key")).height == 2


def test_csv_records_the_line_scan_cannot_number_are_read_whole(
    practice: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the streamed line scan disagrees with the records polars parsed (the reader then
    numbers rows with the csv module), the table is read whole by the reader and split."""
    scan = _stream._csv_layout
    whole: list[str] = []
    split_whole = _split._split_whole

    def off_by_one(path: Path, header_line: int, *args: Any) -> Any:
        layout = scan(path, header_line, *args)
        assert layout.starts is not None  # the notes hold quotes and newlines
        return _stream._CsvLayout(
            header_line, layout.lines_total, layout.starts.head(-1), layout.width, layout.over
        )

    def spy(table: tk.Table, links: Any, folder: Path) -> Any:
        whole.append(table.name)
        return split_whole(table, links, folder)

    monkeypatch.setattr(_stream, "_csv_layout", off_by_one)
    monkeypatch.setattr(_split, "_split_whole", spy)
    single, split = _audit_both(practice["csv"], buckets=K)
    assert whole == ["claims", "encounters", "coverage"]
    assert_same_audit(single, split)


def test_the_tangles_need_the_links(
    practice: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without linking persons, buckets by person alone give other findings and rejects."""
    unlinked = _split._links

    def no_links(claims: pl.DataFrame, encounters: pl.DataFrame | None, buckets: int) -> Any:
        links = unlinked(claims, encounters, buckets)
        assert links.roots.height == 5  # five tangles, each linking two persons
        empty = links.roots.clear()
        return _links.Links(roots=empty, owners=links.owners.clear(), buckets=buckets)

    monkeypatch.setattr(_split, "_links", no_links)
    single, split = _audit_both(practice["parquet"], buckets=K)
    assert not single.findings.equals(split.findings)
    assert not single.rejects.equals(split.rejects)


def test_linked_persons_share_a_bucket_and_each_person_is_in_one(
    practice: dict[str, Path], tmp_path: Path
) -> None:
    inputs = _inputs(practice["parquet"])
    split = split_inputs(
        inputs["claims"], encounters=inputs["encounters"], work=tmp_path, buckets=K
    )
    seen = []
    kept = pl.concat(  # claim ids the reader kept (an original may be a rejected row)
        split.parts["claims"].bucket_table(k).data.get_column(c.CLAIM_ID) for k in range(K)
    ).implode()
    for k in range(K):
        claims = split.parts["claims"].bucket_table(k).data
        encounters = split.parts["encounters"].bucket_table(k).data
        seen.extend(
            frame.select(c.PERSON_ID, pl.lit(k).alias("bucket")).drop_nulls().unique()
            for frame in (claims, encounters)
        )
        # every original a bucket's replacement names is in the bucket (when it was kept)
        originals = claims.get_column(c.ORIGINAL_CLAIM_ID).drop_nulls()
        originals = originals.filter(originals.is_in(kept))
        assert originals.is_in(claims.get_column(c.CLAIM_ID).implode()).all()
    where = pl.concat(seen).unique()
    assert where.get_column(c.PERSON_ID).is_unique().all()  # each person in one bucket
    bucket = dict(where.iter_rows())
    pairs = json.loads((practice["parquet"].parent / "pairs.json").read_text())
    assert len(pairs) == 5
    for a, b in pairs:
        assert bucket_of([a]) != bucket_of([b])  # apart by hash ...
        assert bucket[a] == bucket[b]  # ... together by link


def test_components_joins_chains_and_keeps_islands_apart() -> None:
    edges = pl.DataFrame(
        {"a": [5, 3, 9, 20, 21], "b": [3, 1, 5, 21, 22]}, schema={"a": pl.UInt64, "b": pl.UInt64}
    )
    got = dict(components(edges).sort("node").iter_rows())
    assert got == {1: 1, 3: 1, 5: 1, 9: 1, 20: 20, 21: 20, 22: 20}


def _read_frame(path: Path) -> pl.DataFrame:
    parts = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    return pl.concat([pl.read_parquet(p) for p in parts], how="diagonal_relaxed")


def test_frames_stream_too_and_progress_is_reported(practice: dict[str, Path]) -> None:
    d = practice["parquet"]
    frames = {t: _read_frame(_inputs(d)[t]) for t in TABLES}
    notes: list[str] = []
    single = tk.audit(
        frames["claims"], **{t: frames[t] for t in TABLES[1:]}, policies=d / "policies.toml"
    )
    split = audit_partitioned(
        frames["claims"].lazy(),
        **{t: frames[t] for t in TABLES[1:]},
        policies=d / "policies.toml",
        bucket_lines=2_000,
        progress=notes.append,
    )
    assert_same_audit(single, split)
    assert split.buckets == -(-frames["claims"].height // 2_000)
    assert any(n.startswith("auditing bucket 1 of") for n in notes)
    assert "lines audited in" in repr(split)


def test_tables_read_whole_are_split_too(practice: dict[str, Path]) -> None:
    d = practice["csv"]
    inputs = _inputs(d)
    tables = {t: tk.read_table(t, inputs[t]) for t in TABLES}
    single = tk.audit(
        tables["claims"], **{t: tables[t] for t in TABLES[1:]}, policies=d / "policies.toml"
    )
    split = audit_partitioned(
        tables["claims"],
        **{t: tables[t] for t in TABLES[1:]},
        policies=d / "policies.toml",
        buckets=3,
    )
    assert_same_audit(single, split)


def test_should_partition_reads_parquet_metadata_and_file_size(
    practice: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_partitioned, "available_memory", lambda: 24 * 2**30)
    parquet, csv = _inputs(practice["parquet"])["claims"], _inputs(practice["csv"])["claims"]
    assert not should_partition(parquet)
    assert not should_partition(csv)
    assert not should_partition(practice["csv"] / "missing.csv")
    monkeypatch.setattr(_partitioned, "THRESHOLD_ROWS", 100)
    monkeypatch.setattr(_partitioned, "THRESHOLD_BYTES", 1000)
    assert should_partition(parquet)
    assert should_partition(csv)


def test_should_partition_sooner_on_a_machine_with_less_memory(
    practice: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    parquet, csv = _inputs(practice["parquet"])["claims"], _inputs(practice["csv"])["claims"]
    lines = sum(pl.read_parquet(part).height for part in parquet.glob("*.parquet"))
    assert csv.stat().st_size // _partitioned.CSV_BYTES_PER_LINE > 1_000
    monkeypatch.setattr(_partitioned, "available_memory", lambda: 24 * 2**30)
    assert _partitioned.threshold_rows() == 2_000_000  # the fixed threshold on 24 GB
    monkeypatch.setattr(_partitioned, "available_memory", lambda: 16 * 2**30)
    assert _partitioned.threshold_rows() == 2_000_000  # 16 GiB: 2.1M lines would fit in half
    monkeypatch.setattr(_partitioned, "available_memory", lambda: 4 * 2**30)
    assert _partitioned.threshold_rows() == 4 * 2**30 // 2 // 4_000  # 536,870 lines
    monkeypatch.setattr(_partitioned, "available_memory", lambda: None)
    assert _partitioned.threshold_rows() == 2_000_000  # the system does not say
    # half the memory holds fewer lines than the claims have: partition
    monkeypatch.setattr(_partitioned, "available_memory", lambda: 2 * 4_000 * (lines - 1))
    assert should_partition(parquet)
    monkeypatch.setattr(_partitioned, "available_memory", lambda: 2 * 4_000 * (lines + 1))
    assert not should_partition(parquet)
    monkeypatch.setattr(_partitioned, "available_memory", lambda: 2 * 4_000 * 1_000)
    assert should_partition(csv)


def test_available_memory_reads_the_system() -> None:
    real = _partitioned.available_memory()
    assert real is None or real > 0


def _cli(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    return code, buf.getvalue()


def test_cli_takes_the_partitioned_path_past_the_threshold(
    practice: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = practice["csv"]
    code_single, line_single = _cli(["audit", str(d), "--out", str(tmp_path / "single")])
    calls: list[Path] = []
    real: Callable[..., Any] = _partitioned.audit_partitioned

    def spy(claims: Path, **kwargs: Any) -> Any:
        calls.append(claims)
        return real(claims, **kwargs)

    monkeypatch.setattr(_partitioned, "THRESHOLD_BYTES", 1000)
    monkeypatch.setattr("telekit._scale._partitioned.audit_partitioned", spy)
    code_split, line_split = _cli(["audit", str(d), "--out", str(tmp_path / "split")])
    assert calls == [d / "claims.csv"]
    assert code_split == code_single == 1
    assert line_split.replace("split", "single") == line_single
    one, two = (
        json.loads((tmp_path / o / "summary.json").read_text()) for o in ("single", "split")
    )
    one.pop("run_at"), two.pop("run_at")
    assert one == two
    for name in ("findings.csv", "rejects.csv"):
        assert (tmp_path / "single" / name).read_bytes() == (tmp_path / "split" / name).read_bytes()


def test_progress_rewrites_one_line_and_ends_it() -> None:
    stream = io.StringIO()
    progress = StatusLine(stream)
    progress("splitting claims")
    progress("auditing bucket 1 of 2")
    progress.close()
    text = stream.getvalue()
    assert text.count("\r") == 2
    assert text.endswith("\n")
    assert "telekit audit: auditing bucket 1 of 2 · 0:0" in text
    silent = StatusLine(None)
    silent("nothing")
    silent.close()


# --- remittances and patient payments, tallied in bounded memory -------------------------------


def _spoil_remittances(p: Any) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Remittance lines with a duplicate key far from its first row (another batch when batches
    are small), a bad date and a bad amount; adjustments with a bad group code; payments with a
    bad date. Cells are text so that bad values survive to the reader."""
    lines = p.remittances.cast(pl.String)
    first = lines.head(1)
    bad_date = lines.slice(5, 1).with_columns(pl.lit("2024-13-40").alias(c.PAYMENT_DATE))
    bad_money = lines.slice(9, 1).with_columns(pl.lit("twelve").alias("paid_amount"))
    lines = pl.concat([lines.slice(0, 5), bad_date, lines.slice(6, 3), bad_money, lines.slice(10)])
    lines = pl.concat([lines, first])  # the duplicate: the last row
    adjustments = p.adjustments.cast(pl.String)
    adjustments = pl.concat(
        [adjustments, adjustments.head(1).with_columns(pl.lit("ZZ").alias("group_code"))]
    )
    payments = p.patient_payments.cast(pl.String)
    payments = pl.concat(
        [payments, payments.head(1).with_columns(pl.lit("not a date").alias(c.PAYMENT_DATE))]
    )
    return lines, adjustments, payments


@pytest.fixture(scope="module")
def remittance_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """The spoiled remittances, adjustments and patient payments as Parquet parts, UTF-8 CSV
    and cp1252 CSV."""
    p = sample.practice(seed=5, size=400)
    lines, adjustments, payments = _spoil_remittances(p)
    root = tmp_path_factory.mktemp("remits")
    out: dict[str, dict[str, Path]] = {}
    frames = {"remittances": lines, "adjustments": adjustments, "patient_payments": payments}
    for kind in ("parquet", "csv", "cp1252"):
        d = root / kind
        d.mkdir()
        out[kind] = {}
        for name, frame in frames.items():
            if kind == "parquet":
                folder = d / name
                folder.mkdir()
                half = frame.height // 2
                frame.slice(0, half).write_parquet(folder / "part-0.parquet")
                frame.slice(half).write_parquet(folder / "part-1.parquet")
                out[kind][name] = folder
            else:
                path = d / f"{name}.csv"
                text = "Remittance export\n" + frame.write_csv()
                path.write_bytes(text.encode("utf-8" if kind == "csv" else "cp1252"))
                out[kind][name] = path
    return out


def _expected(r: tk.Remittances) -> _tally.Tally:
    return _tally.Tally(
        r.rows_in,
        r.lines.height + r.adjustments.height,
        r.rejects,
        r.lines.get_column(c.PAYMENT_DATE).max() if r.lines.height else None,
    )


def _assert_tally(got: _tally.Tally, want: _tally.Tally) -> None:
    assert (got.rows_in, got.rows_audited, got.latest_payment_date) == (
        want.rows_in,
        want.rows_audited,
        want.latest_payment_date,
    )
    order = ["table", "row_number"]
    assert_frame_equal(got.rejects.sort(order), want.rejects.sort(order))


@pytest.mark.parametrize("kind", ["parquet", "csv", "cp1252"])
@pytest.mark.parametrize("batch_rows", [1_000_000, 97])
def test_tally_remittances_equals_the_reader(
    remittance_files: dict[str, dict[str, Path]],
    kind: str,
    batch_rows: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_stream, "BATCH_ROWS", batch_rows)  # 97: many batches and buckets
    files = remittance_files[kind]
    want = _expected(tk.read_remittances(files["remittances"], adjustments=files["adjustments"]))
    got = _tally.tally_remittances([files["remittances"]], adjustments=files["adjustments"])
    _assert_tally(got, want)
    # the fixture exercises what it claims
    reasons = want.rejects.get_column("reason").to_list()
    assert sum(r.startswith("duplicate key") for r in reasons) == 1
    assert {"remittances", "adjustments"} <= set(want.rejects.get_column("table"))
    assert want.rejects.height == 4


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_tally_patient_payments_equals_the_reader(
    remittance_files: dict[str, dict[str, Path]], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_stream, "BATCH_ROWS", 50)
    path = remittance_files[kind]["patient_payments"]
    table = tk.read_patient_payments(path)
    got = _tally.tally_patient_payments(path)
    assert (got.rows_in, got.rows_audited) == (table.rows_in, table.data.height)
    assert got.latest_payment_date is None  # only remittance lines set the default as_of
    assert_frame_equal(got.rejects.sort("row_number"), table.rejects.sort("row_number"))
    assert table.rejects.height == 1


def test_tally_reads_835_files_whole_and_classifies_sources() -> None:
    x12 = Path("data/samples/x12/remittances.835")
    want = _expected(tk.read_remittances(x12))
    _assert_tally(_tally.tally_remittances(x12), want)
    assert want.rows_audited > 0
    # a CSV pair given as a list: the adjustments file is recognised by its header
    pair = [Path("data/samples/remittances.csv"), Path("data/samples/adjustments.csv")]
    _assert_tally(_tally.tally_remittances(pair), _expected(tk.read_remittances(pair)))
    # one remittances file finds its adjustments beside it, as the reader does
    one = Path("data/samples/remittances.csv")
    got = _tally.tally_remittances(one)
    _assert_tally(got, _expected(tk.read_remittances(one)))
    assert got.rows_audited > pl.read_csv(one, infer_schema=False).height


def test_cli_partitioned_path_tallies_remittances_without_reading_them_whole(
    practice: dict[str, Path],
    remittance_files: dict[str, dict[str, Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = tmp_path / "in"
    d.mkdir()
    for f in practice["csv"].iterdir():
        (d / f.name).write_bytes(f.read_bytes())
    for path in remittance_files["csv"].values():
        (d / path.name).write_bytes(path.read_bytes())
    expected_fees_toml(d)  # DIR/expected_fees.toml: read once, before the split
    money = ["--locality", LOCALITY]
    code_single, line_single = _cli(["audit", str(d), "--out", str(tmp_path / "single"), *money])

    def whole(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the partitioned path read a table whole")

    monkeypatch.setattr(_partitioned, "THRESHOLD_BYTES", 1000)
    monkeypatch.setattr(_read_remittances, "read_remittances", whole)
    monkeypatch.setattr(_tables, "read_patient_payments", whole)
    code_split, line_split = _cli(["audit", str(d), "--out", str(tmp_path / "split"), *money])
    assert code_split == code_single == 1
    assert line_split.replace("split", "single") == line_single
    one, two = (
        json.loads((tmp_path / o / "summary.json").read_text()) for o in ("single", "split")
    )
    one.pop("run_at"), two.pop("run_at")
    assert one["as_of"] is not None
    assert one == two
    assert list(two["findings"]["exposure"]) == list(EXPOSURE_KINDS)
    assert (tmp_path / "single" / "findings.csv").read_bytes() == (
        tmp_path / "split" / "findings.csv"
    ).read_bytes()
    split_findings = pl.read_csv(tmp_path / "split" / "findings.csv", infer_schema=False)
    assert {"expected_fee", "fee_schedule"} <= set(split_findings["amount_basis"])
    single_rejects = pl.read_csv(tmp_path / "single" / "rejects.csv", infer_schema=False)
    assert {"remittances", "adjustments", "patient_payments"} <= set(single_rejects["table"])
    assert (tmp_path / "single" / "rejects.csv").read_bytes() == (
        tmp_path / "split" / "rejects.csv"
    ).read_bytes()
    # the bounded path measures what the single path measures (tests/test_partitioned_metrics.py)
    for name in ("metrics.parquet", "oig.parquet"):
        assert_frame_equal(
            pl.read_parquet(tmp_path / "single" / name), pl.read_parquet(tmp_path / "split" / name)
        )
    (tmp_path / "split" / "report.html").unlink()
    assert _cli(["report", "--audit", str(tmp_path / "split")])[0] == 0
    assert "Revenue cycle" in (tmp_path / "split" / "report.html").read_text()


# --- remittances cut into the buckets of their claims ------------------------------------------


@pytest.fixture(scope="module")
def practice_remittances(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """The tangled practice's remittances (reversals CLP02 22, replacement claims) plus a line
    of a claim the claims do not hold, paid after every other (it sets the default as_of), as
    CSV and as Parquet parts."""
    p = sample.practice(seed=11, size=1200)
    lines = p.remittances
    latest: dt.date = lines.get_column(c.PAYMENT_DATE).max()  # type: ignore[assignment]
    stray = lines.head(1).with_columns(
        pl.lit("NO-SUCH-CLAIM").alias(c.CLAIM_ID),
        pl.lit("STRAY").alias(c.REMIT_ID),
        pl.lit(latest + dt.timedelta(days=30)).alias(c.PAYMENT_DATE),
    )
    lines = pl.concat([lines, stray])
    root = tmp_path_factory.mktemp("practice-remits")
    out: dict[str, dict[str, Path]] = {"csv": {}, "parquet": {}}
    for name, frame in {"remittances": lines, "adjustments": p.adjustments}.items():
        out["csv"][name] = root / f"{name}.csv"
        frame.write_csv(out["csv"][name])
        folder = root / name
        folder.mkdir()
        half = frame.height // 2
        frame.slice(0, half).write_parquet(folder / "part-0.parquet")
        frame.slice(half).write_parquet(folder / "part-1.parquet")
        out["parquet"][name] = folder
    return out


LOCALITY = "0111205"  # MAC 01112, locality 05 (California), in the shipped CY2024 GPCIs


def expected_fees_toml(folder: Path) -> Path:
    """A dated expected fee and an undated one, as an expected_fees.toml the run reads once."""
    path = folder / "expected_fees.toml"
    path.write_text(
        "[[fee]]\n"
        'payer = "AETNA"\nhcpcs_code = "99213"\nexpected_allowed = "97.25"\n'
        "start = 2019-01-01\n\n"
        "[[fee]]\n"
        'payer = "CIGNA"\nhcpcs_code = "99213"\nexpected_allowed = "88.10"\n'
    )
    return path


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_partitioned_audit_with_remittances_equals_single_process(
    practice: dict[str, Path],
    practice_remittances: dict[str, dict[str, Path]],
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(_stream, "BATCH_ROWS", 500)  # several batches and remit_id buckets
    monkeypatch.setattr(_remits, "ROUTE_ROWS", 1_200)  # staged batches routed a few together
    files = practice_remittances[kind]
    remits = tk.read_remittances(files["remittances"], adjustments=files["adjustments"])
    inputs = _inputs(practice[kind])
    policies = practice[kind] / "policies.toml"
    others = {t: inputs[t] for t in TABLES[1:]}
    money: dict[str, Any] = {"expected_fees": expected_fees_toml(tmp_path), "locality": LOCALITY}
    single = tk.audit(inputs["claims"], **others, policies=policies, remittances=remits, **money)
    split = audit_partitioned(
        inputs["claims"],
        **others,
        policies=policies,
        remittances=files["remittances"],
        adjustments=files["adjustments"],
        buckets=K,
        work_dir=tmp_path / "work",
        **money,
    )
    assert_same_audit(single, split)
    # a claim line lives in one bucket: the buckets' totals (lines and amounts) add up to the run's
    parts = sorted((tmp_path / "work" / "findings").glob("*.parquet"))
    assert len(parts) == K
    per_bucket = pl.concat([exposure_totals(pl.read_parquet(f)) for f in parts])
    summed = per_bucket.group_by("exposure", maintain_order=True).agg(
        pl.col("lines", "amount").sum()
    )
    assert_frame_equal(summed, split.exposure(), check_dtypes=False)
    # the default as_of is the latest payment date of every remittance, matched or not
    assert single.as_of == remits.claims.get_column(c.PAYMENT_DATE).max()
    assert remits.claims.filter(pl.col(c.PAYMENT_DATE) == single.as_of)[c.CLAIM_ID].to_list() == [
        "NO-SUCH-CLAIM"
    ]
    # the fixture exercises what it claims: paid, denied and pending lines with findings,
    # reversals and replacement claims audited with their remittances
    statuses = set(single.findings.get_column("line_status"))
    assert {"paid", "denied", "pending"} <= statuses
    audited = set(single.findings.get_column(c.CLAIM_ID))
    reversed_ = set(remits.claims.filter(pl.col(c.CLAIM_STATUS_CODE) == "22")[c.CLAIM_ID])
    assert reversed_ & audited
    replaced = single.findings.join(
        single.claims.select(c.CLAIM_ID, c.CLAIM_LINE_NUMBER, c.CLAIM_FREQUENCY_CODE),
        on=[c.CLAIM_ID, c.CLAIM_LINE_NUMBER],
    ).filter(pl.col(c.CLAIM_FREQUENCY_CODE) == "7")
    assert set(replaced.get_column("line_status")) & {"paid", "denied"}
    # ... every kind of money, priced from the payment, an expected fee and the fee schedule
    totals = single.exposure()
    assert totals.get_column("exposure").to_list() == list(EXPOSURE_KINDS)
    assert totals.filter(pl.col("lines") == 0).is_empty()
    assert {"paid", "expected_fee", "fee_schedule"} <= set(single.findings["amount_basis"])
    # ... Medicare lines priced by the shipped 2024-07 release at the locality's GPCIs
    releases = codesets.fee_schedule_releases().filter(pl.col("release") == "2024-07")
    start, end = releases.select("valid_start_date", "valid_end_date").row(0)
    priced_2024 = single.findings.filter(
        (pl.col(c.PAYER_TYPE) == "medicare")
        & pl.col(c.CLAIM_LINE_START_DATE).is_between(start, end)
        & pl.col("expected_allowed").is_not_null()
    )
    assert not priced_2024.is_empty()
    # without remittances the statuses differ: the test would see a bucket audited without them;
    # without the locality the Medicare prices differ: the test would see one priced nationally
    bare = tk.audit(inputs["claims"], **others, policies=policies, as_of=single.as_of)
    assert not bare.findings.select(STATUS_COLUMNS).equals(single.findings.select(STATUS_COLUMNS))
    key = [c.CLAIM_ID, c.CLAIM_LINE_NUMBER, "rule_code"]
    national = priced_2024.select(*key, "expected_allowed").join(
        bare.findings.select(*key, "expected_allowed"), on=key, suffix="_national"
    )
    assert not national.is_empty()
    assert (national["expected_allowed"] != national["expected_allowed_national"]).all()


def test_staged_rows_are_routed_in_groups_of_whole_files(tmp_path: Path) -> None:
    files = []
    for i, n in enumerate([3, 4, 2, 6, 1]):
        files.append(tmp_path / f"{i}.parquet")
        pl.DataFrame({"i": [i] * n, "n": range(n)}).write_parquet(files[-1])
    groups = list(_remits._groups(files, 5))
    assert [g.height for g in groups] == [7, 8, 1]  # 3+4, 2+6, 1: each group ends past 5 rows
    every = pl.concat([pl.read_parquet(f) for f in files])
    assert_frame_equal(pl.concat(groups), every)  # every row once, in input order
    assert [g.height for g in _remits._groups(files, 10**9)] == [16]
    assert list(_remits._groups([], 5)) == []


def test_the_claim_map_is_sorted_for_the_join(practice: dict[str, Path], tmp_path: Path) -> None:
    # a batch joined to a map sorted on its key costs the batch's rows, not the map's: the
    # sorted flag must be set (a lazy sort's result does not carry it)
    inputs = _inputs(practice["parquet"])
    split = split_inputs(
        inputs["claims"], encounters=inputs["encounters"], work=tmp_path, claim_buckets=True
    )
    assert split.claim_buckets is not None
    assert split.claim_buckets.get_column("__hc").flags["SORTED_ASC"]
    assert split.claim_buckets.height == split.claim_buckets.unique().height


def test_remittances_found_misaligned_are_routed_once(
    practice: dict[str, Path],
    practice_remittances: dict[str, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A source the stream routes before finding it misaligned is forgotten and read whole."""
    stream_tally = _tally._tally_stream
    calls: list[str] = []

    def misaligned(stream: Any, work: Path, note: Any, sink: Any = None) -> Any:
        calls.append(stream.table)
        stream_tally(stream, work, note, sink)  # every row routed ...
        raise _stream._MisalignedError  # ... then the source is read whole

    monkeypatch.setattr(_stream, "BATCH_ROWS", 500)
    monkeypatch.setattr(_tally, "_tally_stream", misaligned)
    files = practice_remittances["csv"]
    remits = tk.read_remittances(files["remittances"], adjustments=files["adjustments"])
    inputs = _inputs(practice["csv"])
    others = {t: inputs[t] for t in TABLES[1:]}
    policies = practice["csv"] / "policies.toml"
    single = tk.audit(inputs["claims"], **others, policies=policies, remittances=remits)
    split = audit_partitioned(
        inputs["claims"],
        **others,
        policies=policies,
        remittances=[files["remittances"], files["adjustments"]],
        buckets=K,
    )
    assert calls == ["remittances", "adjustments"]
    assert_same_audit(single, split)


def test_partitioned_audit_reads_835_remittances_and_remittances_given(tmp_path: Path) -> None:
    d = Path("data/samples")
    inputs = {t: d / f"{t}.csv" for t in TABLES}
    others = {t: inputs[t] for t in TABLES[1:]}
    x12 = d / "x12" / "remittances.835"
    remits = tk.read_remittances(x12)
    # an MA130 remark (unprocessable: a new claim) on every denied remittance claim: remarks
    # follow their remittance claim into its bucket
    denied = remits.claims.filter(pl.col(c.CLAIM_STATUS_CODE) == "4")
    remarks = denied.select(
        c.REMIT_ID,
        c.REMIT_CLAIM_SEQ,
        pl.lit(None, pl.Int32).alias(c.SVC_SEQ),
        pl.lit("MA130").alias("remark_code"),
        pl.lit("claim").alias("level"),
    )
    with_remarks = replace(remits, remarks=remarks.cast(remits.remarks.schema))
    new_claim_fixes = []
    for given, whole in ((x12, remits), (with_remarks, with_remarks)):
        single = tk.audit(
            inputs["claims"], **others, policies=d / "policies.toml", remittances=whole
        )
        split = audit_partitioned(
            inputs["claims"],
            **others,
            policies=d / "policies.toml",
            remittances=given,
            buckets=3,
            work_dir=tmp_path / "work",
        )
        assert_same_audit(single, split)
        assert {"paid", "denied"} <= set(single.findings.get_column("line_status"))
        fixes = single.findings.get_column("suggested_fix").drop_nulls()
        new_claim_fixes.append(fixes.str.contains("CO-16/MA130", literal=True).sum())
    assert "22" in set(remits.claims.get_column(c.CLAIM_STATUS_CODE))
    # the remarks decide fixes (the split equals the single audit on them)
    assert new_claim_fixes[1] > new_claim_fixes[0]


def test_a_bad_locality_stops_the_run_before_the_split(
    practice: dict[str, Path], tmp_path: Path
) -> None:
    """The Pricing is built once, before the inputs are split: a locality the GPCI file does not
    have is one InputError, and no bucket is written or audited."""
    inputs = _inputs(practice["parquet"])
    notes: list[str] = []
    with pytest.raises(tk.InputError, match="locality"):
        audit_partitioned(
            inputs["claims"],
            policies=practice["parquet"] / "policies.toml",
            locality="9999999",
            buckets=K,
            work_dir=tmp_path / "work",
            progress=notes.append,
        )
    assert not [n for n in notes if n != "done"]
    assert not list((tmp_path / "work").rglob("*.parquet"))


def test_memory_budget_sizes() -> None:
    parse = _partitioned.parse_memory_budget
    assert parse("2GB") == parse("2G") == parse("2gib") == 2 * 2**30
    assert parse("512MB") == 512 * 2**20
    assert parse("1.5G") == int(1.5 * 2**30)
    assert parse("800000000") == 800_000_000
    for bad in ("", "2 GBs", "-1GB", "0", "lots"):
        with pytest.raises(ValueError, match="expected a size such as 2GB"):
            parse(bad)
    # the single path needs about SINGLE_BYTES_PER_LINE a line: a budget is that many lines
    assert _partitioned.threshold_rows(40 * 2**20) == 40 * 2**20 // 4_000
    assert _partitioned.threshold_rows(1) == 1


def test_memory_budget_forces_the_bounded_path_on_a_small_practice(
    practice: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = practice["parquet"]
    calls: list[Path] = []
    real: Callable[..., Any] = _partitioned.audit_partitioned

    def spy(claims: Path, **kwargs: Any) -> Any:
        calls.append(claims)
        return real(claims, **kwargs)

    monkeypatch.setattr("telekit._scale._partitioned.audit_partitioned", spy)
    code_single, line_single = _cli(["audit", str(d), "--out", str(tmp_path / "single")])
    assert calls == []  # the practice fits the default budget
    # 1 MB holds about 262 claim lines of the single path: this practice's ~1,700 do not fit
    code_split, line_split = _cli(
        ["audit", str(d), "--memory-budget", "1MB", "--out", str(tmp_path / "split")]
    )
    assert len(calls) == 1
    assert code_split == code_single == 1
    assert line_split.replace("split", "single") == line_single
    for name in ("findings.csv", "rejects.csv"):
        assert (tmp_path / "single" / name).read_bytes() == (tmp_path / "split" / name).read_bytes()
    options = json.loads((tmp_path / "split" / "inputs.json").read_text())["options"]
    assert options["memory_budget"] == 2**20
    # a budget that is not a size: exit 2 with the reason on one line
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["audit", str(d), "--memory-budget", "lots", "--out", str(tmp_path / "bad")])
    assert code == 2
    assert (
        "argument --memory-budget: 'lots' is not a size: expected a size such as 2GB, 512MB or "
        "1.5G" in err.getvalue()
    )
    assert not (tmp_path / "bad").exists()
    with pytest.raises(TelekitError, match="memory_budget: 'lots' is not a size"):
        audit_folder(d, tmp_path / "bad", memory_budget="lots")


def test_sorted_distinct_is_unique_sorted_with_the_flag() -> None:
    # the bucket maps: distinct (key, bucket) rows, sorted, the key flagged sorted (a null
    # bucket, a line without a person, is one value as in ``unique``)
    frame = pl.DataFrame(
        {
            "k": pl.Series([5, 3, 5, 3, 9, 3, 5, 1, 1], dtype=pl.UInt64),
            "b": pl.Series([2, 1, 2, None, 0, None, 1, 4, 4], dtype=pl.UInt32),
        }
    )
    got = _split.sorted_distinct(frame, "k", "b")
    assert_frame_equal(got, frame.unique().sort("k", "b"))
    assert got.get_column("k").flags["SORTED_ASC"]
    assert got.height == 6
    one_each = pl.DataFrame(  # one bucket per key: sorted by the key alone
        {
            "k": pl.Series([5, 9, 5, 1, 1], dtype=pl.UInt64),
            "b": pl.Series([2, 0, 2, 4, 4], dtype=pl.UInt32),
        }
    )
    got = _split.sorted_distinct(one_each, "k", "b")
    assert_frame_equal(got, one_each.unique().sort("k", "b"))
    assert got.get_column("k").flags["SORTED_ASC"]
