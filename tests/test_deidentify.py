"""Safe Harbor de-identification: the Deidentifier, and `telekit audit --deidentify` on the sample
practice, whose every output file is searched for every original identifier and patient date."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import stat
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from telekit._cli import main
from telekit.report._deidentify import Deidentifier, is_inside, reduce_dates_in
from telekit.review import ReviewStore

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

# every identifier column of the sample (Safe Harbor items 8-10 and 18) and every date about a
# patient (item 3), per file
ID_COLUMNS = {
    "claims.csv": (
        "claim_id",
        "person_id",
        "member_id",
        "original_claim_id",
        "original_payer_claim_control_number",
        "encounter_id",
        "line_control_number",
    ),
    "encounters.csv": ("encounter_id", "person_id"),
    "coverage.csv": ("person_id", "member_id"),
    "remittances.csv": (
        "claim_id",
        "payer_claim_control_number",
        "check_number",
        "line_control_number",
    ),
    "patient_payments.csv": ("claim_id",),
}
DATE_COLUMNS = {
    "claims.csv": ("claim_line_start_date", "claim_submitted_date"),
    "encounters.csv": ("encounter_date",),
    "coverage.csv": ("enrollment_start_date", "enrollment_end_date"),
    "remittances.csv": ("payment_date", "service_date"),
    "patient_payments.csv": ("payment_date",),
}
BAD_ROW_CLAIM = "C9999001"
BAD_ROW_DOS = "2024-13-45"
NOTE = "called P000003 about the 2024-02-02 visit"


def sample_identifiers() -> set[str]:
    out: set[str] = {BAD_ROW_CLAIM}
    for name, cols in ID_COLUMNS.items():
        frame = pl.read_csv(SAMPLES / name, infer_schema=False)
        for col in cols:
            out.update(frame.get_column(col).drop_nulls().to_list())
    return out


def sample_dates() -> set[str]:
    """Each patient date of the sample, as ISO, MM/DD/YYYY and M/D/YYYY."""
    out: set[str] = set()
    for name, cols in DATE_COLUMNS.items():
        frame = pl.read_csv(SAMPLES / name, infer_schema=False)
        for col in cols:
            for text in frame.get_column(col).drop_nulls().unique().to_list():
                d = dt.date.fromisoformat(text)
                out.update({d.isoformat(), f"{d:%m/%d/%Y}", f"{d.month}/{d.day}/{d.year}"})
    return out


def audio_only_reasons() -> set[str]:
    e = pl.read_csv(SAMPLES / "encounters.csv", infer_schema=False)
    return set(e.get_column("audio_only_reason").drop_nulls().to_list())


def _cell_text(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        d = value.date() if isinstance(value, dt.datetime) else value
        return f"{d.isoformat()} {d:%m/%d/%Y} {value.isoformat()}"
    return str(value)


def file_text(path: Path) -> str:
    """Everything a file holds, as text: parquet and xlsx cell by cell (dates in ISO and US)."""
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        if "frame" in frame.columns:  # metrics.parquet: one struct column per frame
            frame = frame.select(
                pl.col(col).struct.json_encode() if isinstance(dt_, pl.Struct) else pl.col(col)
                for col, dt_ in frame.schema.items()
            )
        parts = [" ".join(frame.columns)]
        for col in frame.columns:
            s = frame.get_column(col)
            if s.dtype == pl.Date:
                parts.append(" ".join(_cell_text(v) for v in s.drop_nulls().to_list()))
            parts.append(" ".join(s.cast(pl.String).drop_nulls().to_list()))
        return "\n".join(parts)
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(
            _cell_text(cell.value)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None
        )
    return path.read_text(encoding="utf-8")


def leaks(text: str, needles: set[str]) -> list[str]:
    """The needles found in ``text`` (Aho-Corasick in polars: thousands of needles at once)."""
    found = (
        pl.Series([text])
        .str.extract_many(sorted(needles), overlapping=True)
        .explode()
        .drop_nulls()
        .unique()
        .to_list()
    )
    return sorted(found)


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample practice plus a deliberately bad claim row (its values go to rejects)."""
    folder = tmp_path_factory.mktemp("practice")
    for f in SAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    claims = pl.read_csv(folder / "claims.csv", infer_schema=False)
    bad = claims.head(1).with_columns(
        pl.lit(BAD_ROW_CLAIM).alias("claim_id"), pl.lit(BAD_ROW_DOS).alias("claim_line_start_date")
    )
    pl.concat([claims, bad]).write_csv(folder / "claims.csv")
    return folder


@pytest.fixture(scope="module")
def review_file(tmp_path_factory: pytest.TempPathFactory, practice: Path) -> Path:
    """Decisions on a few findings of the sample, with a note quoting an identifier and a date."""
    import telekit as tk

    result = tk.audit(
        practice / "claims.csv",
        encounters=practice / "encounters.csv",
        coverage=practice / "coverage.csv",
        providers=practice / "providers.csv",
        policies=practice / "policies.toml",
    )
    path = tmp_path_factory.mktemp("review") / "review.sqlite"
    with ReviewStore(path) as store:
        store.record(result.findings.head(3), "confirm", reviewer="alice", note=NOTE)
        store.record(result.findings.slice(3, 2), "dismiss", reviewer="bob", note=NOTE)
    return path


@pytest.fixture(scope="module")
def deidentified(
    tmp_path_factory: pytest.TempPathFactory, practice: Path, review_file: Path
) -> tuple[int, str, Path, Path]:
    base = tmp_path_factory.mktemp("deid")
    out, key = base / "out", base / "keys" / "key.csv"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(
            [
                "audit",
                str(practice),
                "--review",
                str(review_file),
                "--deidentify",
                "--key-file",
                str(key),
                "--out",
                str(out),
            ]
        )
    return code, buf.getvalue(), out, key


def test_every_output_file_is_free_of_identifiers_and_patient_dates(
    deidentified: tuple[int, str, Path, Path],
) -> None:
    code, _, out, _ = deidentified
    assert code == 1
    files = sorted(p for p in out.iterdir() if p.is_file())
    names = {p.name for p in files}
    assert {
        "findings.csv",
        "findings.parquet",
        "findings.xlsx",
        "rejects.csv",
        "summary.json",
        "report.html",
        "inputs.json",
        "metrics.parquet",
        "oig.parquet",
    } <= names
    ids, dates = sample_identifiers(), sample_dates()
    reasons = audio_only_reasons()
    assert len(ids) > 5000 and len(dates) > 3000  # the search is over the whole sample
    for path in files:
        text = file_text(path)
        assert not leaks(text, ids), f"{path.name} holds identifiers {leaks(text, ids)[:5]}"
        assert not leaks(text, dates), f"{path.name} holds patient dates {leaks(text, dates)[:5]}"
        assert not leaks(text, reasons), f"{path.name} holds audio-only reasons"
        assert NOTE not in text and BAD_ROW_DOS not in text, path.name


def test_the_outputs_still_carry_the_audit(deidentified: tuple[int, str, Path, Path]) -> None:
    """De-identified, not emptied: the same findings, pseudonymous ids, years, NPIs kept."""
    _, stdout, out, _ = deidentified
    findings = pl.read_parquet(out / "findings.parquet")
    truth = pl.read_csv(SAMPLES / "ground_truth.csv", infer_schema=False)
    assert findings.height == truth.height
    assert "claim_line_start_date" not in findings.columns
    assert findings.schema["claim_line_start_year"] == pl.Int32
    assert findings.get_column("claim_id").str.contains(r"^CL-[0-9a-f]{12}$").all()
    assert findings.get_column("person_id").str.contains(r"^PT-[0-9a-f]{12}$").all()
    assert findings.get_column("finding_id").str.contains(r"^FD-[0-9a-f]{12}$").all()
    claims = pl.read_csv(SAMPLES / "claims.csv", infer_schema=False)
    assert set(findings.get_column("rendering_npi").to_list()) <= set(
        claims.get_column("rendering_npi").to_list()
    )
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    assert rejects.height == 1 and rejects.get_column("value").is_null().all()
    assert rejects.get_column("column").to_list() == ["claim_line_start_date"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["deidentified"] is True and summary["as_of"] == "2026"
    assert summary["findings"]["total"] == truth.height
    assert re.search(r"\$[\d,]+\.\d\d (overpaid|denied|at risk|underpaid)", stdout)
    # the findings keep billing NPIs (a provider's, not a patient's identifier): the report's
    # billing section, by payer and billing NPI, is built from them
    assert set(findings.get_column("billing_npi").drop_nulls().to_list()) <= set(
        claims.get_column("billing_npi").to_list()
    )
    assert findings.get_column("billing_npi").null_count() < findings.height
    wb = openpyxl.load_workbook(out / "findings.xlsx")
    decisions = wb["Decisions"]
    header = [c.value for c in decisions[1]]
    assert "note" not in header and "decided_at_year" in header
    assert decisions.max_row == 1 + 5
    html = (out / "report.html").read_text()
    assert "de-identified (Safe Harbor)" in html
    assert "data-chart='denial-rate-by-month'" not in html  # monthly series left out
    assert "data-chart='denial-pareto'" in html
    assert html.count("<div class='tile money ") == 4 and "dollars at risk" not in html.lower()
    assert "<h3>By billing NPI</h3>" in html


def test_the_key_reidentifies_and_lies_outside_out(
    deidentified: tuple[int, str, Path, Path],
) -> None:
    _, _, out, key_path = deidentified
    assert key_path.is_file() and not is_inside(key_path, out)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = pl.read_csv(key_path, infer_schema=False)
    assert key.columns == ["kind", "pseudonym", "original"]
    assert key.get_column("pseudonym").is_unique().all()
    findings = pl.read_parquet(out / "findings.parquet")
    claims = key.filter(pl.col("kind") == "claim").select(
        pl.col("pseudonym").alias("claim_id"), pl.col("original")
    )
    back = findings.join(claims, on="claim_id", how="left").sort("original", "claim_line_number")
    truth = pl.read_csv(SAMPLES / "ground_truth.csv", infer_schema=False)
    assert back.get_column("original").null_count() == 0
    assert sorted(zip(back["original"], back["rule_code"], strict=True)) == sorted(
        zip(truth["claim_id"], truth["rule_code"], strict=True)
    )
    # pseudonyms are drawn at random, never a hash of the identifier
    originals = key.get_column("original").to_list()
    hashed = {hashlib.sha256(v.encode()).hexdigest()[:12] for v in originals}
    assert not hashed & {p.split("-", 1)[1] for p in key.get_column("pseudonym").to_list()}


def test_report_rerenders_deidentified_from_a_plain_out(
    tmp_path: Path, practice: Path, review_file: Path
) -> None:
    out = tmp_path / "out"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["audit", str(practice), "--out", str(out)]) == 1
    # the control: the search finds what a plain audit holds, in text, Parquet and XLSX alike
    for name in ("findings.csv", "findings.parquet", "findings.xlsx", "report.html"):
        text = file_text(out / name)
        assert leaks(text, sample_identifiers()), name
        assert leaks(text, sample_dates()), name
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(
            [
                "report",
                "--audit",
                str(out),
                "--review",
                str(review_file),
                "--deidentify",
                "--key-file",
                str(tmp_path / "key.csv"),
            ]
        )
    assert code == 0  # a re-render exits 0
    html = (out / "report.html").read_text()
    assert "de-identified (Safe Harbor)" in html and "Reviewer decisions" in html
    assert not leaks(html, sample_identifiers())
    assert not leaks(html, sample_dates())
    assert NOTE not in html
    # the workbook it rewrote (Decisions sheet) is de-identified as well
    text = file_text(out / "findings.xlsx")
    assert not leaks(text, sample_identifiers())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--deidentify"], "--deidentify needs --key-file"),
        (["--key-file", "KEY"], "only used with --deidentify"),
        (["--deidentify", "--key-file", "OUT/key.csv"], "lies inside"),
    ],
)
def test_key_file_mistakes_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    out = tmp_path / "out"
    args = [a.replace("OUT", str(out)).replace("KEY", str(tmp_path / "k.csv")) for a in extra]
    assert main(["audit", str(SAMPLES), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not out.exists() or not any(out.iterdir())  # refused before anything was written


def test_an_already_deidentified_out_is_not_deidentified_again(
    deidentified: tuple[int, str, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, out, _ = deidentified
    key = str(tmp_path / "k.csv")
    assert main(["report", "--audit", str(out), "--deidentify", "--key-file", key]) == 2
    assert "already de-identified" in capsys.readouterr().err
    # re-rendered as it is, it stays de-identified
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "report.html").unlink()
    assert main(["report", "--audit", str(copy)]) == 0
    html = (copy / "report.html").read_text()
    assert "de-identified (Safe Harbor)" in html
    assert not leaks(html, sample_identifiers()) and not leaks(html, sample_dates())


# --- the Deidentifier -----------------------------------------------------------------------------


def test_pseudonyms_are_consistent_within_a_run_and_random_across_runs() -> None:
    frame = pl.DataFrame({"claim_id": ["C1", "C2", "C1", None], "claim_line_number": [1, 1, 2, 3]})
    a, b = Deidentifier(), Deidentifier()
    ra, rb = a.frame(frame), b.frame(frame)
    ids = ra.get_column("claim_id").to_list()
    assert ids[0] == ids[2] != ids[1] and ids[3] is None
    assert a.frame(frame).get_column("claim_id").to_list() == ids  # the same run: the same map
    assert rb.get_column("claim_id").to_list()[:2] != ids[:2]
    assert ra.get_column("claim_line_number").to_list() == [1, 1, 2, 3]


def test_free_text_loses_identifiers_and_dates() -> None:
    d = Deidentifier()
    d.register("claim", pl.Series(["C0000262", "C10"]))
    text = pl.Series(
        "message",
        [
            "duplicate of claim C0000262 line 1 on 2024-03-15; C10, C100 and claim X77 (3/15/2024)",
            "claim submitted 2023-06-22 for DOS 2023-02",
            None,
        ],
    )
    out = d.text(text).to_list()
    key = dict(zip(d.key()["original"], d.key()["pseudonym"], strict=True))
    # identifiers are replaced as literals wherever they occur: C10 inside C100 too
    assert out[0] == (
        f"duplicate of claim {key['C0000262']} line 1 on 2024; {key['C10']}, {key['C10']}0 and "
        f"claim {key['X77']} (2024)"
    )
    assert out[1] == "claim submitted 2023 for DOS 2023"  # 'submitted' is no claim id
    assert out[2] is None


def test_frames_lose_values_notes_and_dates() -> None:
    frame = pl.DataFrame(
        {
            "finding_id": ["f1"],
            "value": ["P000003"],
            "note": ["free text"],
            "audio_only_reason": ["declined video"],
            "claim_line_start_date": [dt.date(2024, 3, 15)],
            "decided_at": [dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)],
            "reason": ["expected a date (first seen 2024-03-15)"],
        }
    )
    out = Deidentifier().frame(frame)
    assert out.columns == [
        "finding_id",
        "value",
        "claim_line_start_year",
        "decided_at_year",
        "reason",
    ]
    assert out.row(0)[1:] == (None, 2024, 2026, "expected a date (first seen 2024)")


def test_the_key_file_round_trips(tmp_path: Path) -> None:
    d = Deidentifier()
    d.register("person", pl.Series(["P1", "P2"]))
    d.register("claim", pl.Series(["C1"]))
    d.write_key(tmp_path / "k" / "key.csv")
    back = pl.read_csv(tmp_path / "k" / "key.csv", infer_schema=False)
    assert_frame_equal(back.sort("original"), d.key().sort("original"))


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("on 2024-03-15.", "on 2024."),
        ("in 2024-03", "in 2024"),
        ("on 03/15/2024 and 3/5/2024", "on 2024 and 2024"),
        ("codes 98000-98015 and 90832-90838", "codes 98000-98015 and 90832-90838"),
        ("NPI 1234567893", "NPI 1234567893"),
    ],
)
def test_reduce_dates(text: str, want: str) -> None:
    assert reduce_dates_in(text) == want


def test_a_partitioned_audit_is_deidentified_too(
    tmp_path: Path, practice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bounded-memory path does not hold the claims: identifiers inside messages (FQ004's
    original claim) are still replaced."""
    from telekit._scale import _partitioned

    calls: list[Path] = []
    real = _partitioned.audit_partitioned

    def spy(claims: Path, **kwargs: Any) -> Any:
        calls.append(claims)
        return real(claims, **kwargs)

    monkeypatch.setattr(_partitioned, "audit_partitioned", spy)
    out, key = tmp_path / "out", tmp_path / "key.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(
            ["audit", str(practice), "--deidentify", "--key-file", str(key), "--out", str(out),
             "--memory-budget", "1KB"]  # a budget no claim line fits: the bounded path
        )  # fmt: skip
    assert len(calls) == 1
    assert code == 1
    findings = pl.read_parquet(out / "findings.parquet")
    assert findings.filter(pl.col("rule_code") == "FQ004").height > 0
    ids, dates = sample_identifiers(), sample_dates()
    for path in sorted(p for p in out.iterdir() if p.is_file()):
        text = file_text(path)
        assert not leaks(text, ids), f"{path.name} holds identifiers {leaks(text, ids)[:5]}"
        assert not leaks(text, dates), f"{path.name} holds patient dates {leaks(text, dates)[:5]}"
    # the bounded path measures the revenue cycle and the OIG measures too (issue 13): their
    # files are checked above like every other output
    assert (out / "metrics.parquet").exists() and (out / "oig.parquet").exists()
