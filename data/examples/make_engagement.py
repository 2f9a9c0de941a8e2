"""Write ``engagement/``: a worked engagement (README "Monthly engagements") of a synthetic
practice, with two monthly data drops that ``telekit run`` audits one after the other.

The practice is ``telekit sample --size 200 --seed 11`` (synthetic data only). Its files are
the drop of October 2026 (``drops/2026-10/``); the drop of September 2026 (``drops/2026-09/``)
is the same practice as exported on 31 August: the claims submitted by then, the remittances
(and their adjustments) and patient payments received by then, the encounters held by then.
The engagement folder is what ``telekit init engagement --from drops/2026-10/claims.csv``
writes (telekit.toml, map.toml and policies.toml drafted from the export, .gitignore, the CI
workflows), then edited as a consultant would: the practice's name and preparer, its expected
fees, the trailing-12-months period, and the sample's own payer policies in policies.toml.

    uv run python data/examples/make_engagement.py
    uv run telekit run data/examples/engagement --drop 2026-09
    uv run telekit run data/examples/engagement --drop 2026-10

The drops are ignored by the engagement's own .gitignore (they stand for PHI); in this
repository they are synthetic and committed with ``git add -f``. out/, keys/ and review/ are not.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import polars as pl

from telekit import sample
from telekit._engagement._init import init_engagement
from telekit._io._discovery import DIR_TABLES

HERE = Path(__file__).resolve().parent
ENGAGEMENT = HERE / "engagement"
SEED, SIZE = 11, 200
CUT = "2026-08-31"  # the September drop: the practice as exported on this day
TABLES = DIR_TABLES
PRACTICE = "Lakeside Telehealth Partners"
PREPARED_BY = "Example Consulting"


def _read(folder: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(folder / f"{table}.csv", infer_schema=False)


def _september(full: Path, drop: Path) -> None:
    """The practice as exported on ``CUT``: whole claims submitted by then, what was paid by
    then, the encounters held by then; coverage and providers as they are."""
    claims = _read(full, "claims")
    submitted = claims.group_by("claim_id").agg(pl.col("claim_submitted_date").max())
    kept = submitted.filter(pl.col("claim_submitted_date") <= CUT).select("claim_id")
    remits = _read(full, "remittances").filter(pl.col("payment_date") <= CUT)
    keys = ["remit_id", "remit_claim_seq"]
    frames = {
        "claims": claims.join(kept, on="claim_id", how="semi", maintain_order="left"),
        "encounters": _read(full, "encounters").filter(pl.col("encounter_date") <= CUT),
        "coverage": _read(full, "coverage"),
        "providers": _read(full, "providers"),
        "remittances": remits,
        "adjustments": _read(full, "adjustments").join(
            remits.select(keys).unique(), on=keys, how="semi", maintain_order="left"
        ),
        "patient_payments": _read(full, "patient_payments").filter(pl.col("payment_date") <= CUT),
    }
    drop.mkdir(parents=True)
    for table, frame in frames.items():
        frame.write_csv(drop / f"{table}.csv")


def _edit(toml: Path) -> None:
    """The edits a consultant makes to the telekit.toml `telekit init` wrote."""
    text = toml.read_text(encoding="utf-8")
    for old, new in (
        ('prepared_by = ""', f'prepared_by = "{PREPARED_BY}"'),
        ('# expected_fees = "expected_fees.toml"', 'expected_fees = "expected_fees.toml"'),
        ('period = "drop-month"', 'period = "trailing-12-months"'),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")


def main() -> int:
    if ENGAGEMENT.exists():
        shutil.rmtree(ENGAGEMENT)
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "sample"
        sample.write(full, seed=SEED, size=SIZE, format="csv")
        october = ENGAGEMENT / "drops" / "2026-10"
        october.mkdir(parents=True)
        for table in TABLES:
            shutil.copyfile(full / f"{table}.csv", october / f"{table}.csv")
        _september(full, ENGAGEMENT / "drops" / "2026-09")
        init_engagement(ENGAGEMENT, october / "claims.csv")
        shutil.copyfile(full / "policies.toml", ENGAGEMENT / "policies.toml")
        shutil.copyfile(full / "expected_fees.toml", ENGAGEMENT / "expected_fees.toml")
    toml = ENGAGEMENT / "telekit.toml"
    text = toml.read_text(encoding="utf-8")
    practice_line = next(line for line in text.splitlines() if line.startswith("practice = "))
    toml.write_text(text.replace(practice_line, f'practice = "{PRACTICE}"', 1), encoding="utf-8")
    _edit(toml)
    print(f"wrote {ENGAGEMENT.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
