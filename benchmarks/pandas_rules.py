"""Five rules of the catalog (CD001, PS002, MD001, TM001, FQ004) written in vectorised pandas:
merges, masks and group-bys over whole frames, no ``apply`` and no Python per row.

The point is a yardstick for telekit's polars engine on the same inputs, and a check that the
rules mean what the catalog says: the script compares its findings with telekit's findings for
the same five codes (``--compare findings.parquet``, e.g. written by ``benchmarks/scale.py``).
It reproduces what those five rules read from the annotation (DESIGN §5): superseded claims,
code and POS validity on the DOS, the payer policy on the DOS, the line's encounter (by
encounter_id, else the single encounter of the same person, rendering NPI and date), the
telehealth-line definitions, and the precedence that touches the five (CD001 suppresses
PS/MD/TM/FQ, CD002 suppresses PS, CD003 suppresses TM001 and MD, MD002 for 95 or GT on an
audio-only line suppresses MD001; self-pay lines skip MD). The code sets and the payer policies'
segment table come from telekit (configuration, not per-row work).

    .uv/bin/uv run --frozen python benchmarks/pandas_rules.py DIR [--compare F.parquet]

DIR holds claims, encounters and policies.toml as ``telekit sample --format parquet`` writes them.
Prints one JSON line: read_s, rules_s, findings per rule, match (with the compared findings),
peak_rss_mb (VmHWM).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

import telekit as tk
from telekit import codesets

RULES = ("CD001", "FQ004", "MD001", "PS002", "TM001")
TELEHEALTH_MODIFIERS = ("95", "93", "GT", "GQ", "FQ", "G0")
MODIFIERS = [f"hcpcs_modifier_{i}" for i in range(1, 5)]
CPT_TELEMEDICINE = [str(n) for n in range(98000, 98016)]
# TM001: office E/M families (first code, minutes per level): 15/30/45/60 new, 10/20/30/40 est.
EM_FAMILIES = ((99202, 15), (99212, 10), (98000, 15), (98004, 10), (98008, 15), (98012, 10))
EM_MIN_MINUTES = {str(base + i): step * (i + 1) for base, step in EM_FAMILIES for i in range(4)}
LOW, HIGH = dt.date(1900, 1, 1), dt.date(9999, 12, 31)


def _path(d: Path, table: str) -> Path:
    return d / f"{table}.parquet" if (d / f"{table}.parquet").exists() else d / table


def load(d: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    read = {"dtype_backend": "pyarrow"}
    claims = pd.read_parquet(_path(d, "claims"), **read)
    encounters = pd.read_parquet(_path(d, "encounters"), **read)
    return claims, encounters


def _days(s: pd.Series) -> pd.Series:
    """A date column as days since 1970 (int), for comparisons and as-of merges."""
    return s.astype("int32[pyarrow]").astype("int64")


def _day(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _valid_on_dos(lines: pd.DataFrame, table: pl.DataFrame, key: str) -> pd.Series:
    """True where the line's ``key`` has a validity period covering the DOS."""
    periods = table.select(
        key,
        pl.col("valid_start_date").fill_null(LOW).alias("start"),
        pl.col("valid_end_date").fill_null(HIGH).alias("end"),
    ).to_pandas(use_pyarrow_extension_array=True)
    periods["start"], periods["end"] = _days(periods["start"]), _days(periods["end"])
    m = lines[["row", key, "dos"]].merge(periods, on=key, how="inner")
    covered = m.loc[(m["dos"] >= m["start"]) & (m["dos"] <= m["end"]), "row"]
    return lines["row"].isin(covered.unique())


def _policy(lines: pd.DataFrame, policies: tk.Policies) -> pd.DataFrame:
    """The policy columns of each line's payer on its DOS (an as-of merge on the segment table)."""
    payers = lines["payer"].dropna().unique().tolist()
    keys = (
        pl.DataFrame({"payer": pl.Series(payers, dtype=pl.String)})
        .with_columns(policies.payer_key().alias("payer_key"))
        .to_pandas()
    )
    segments = policies.describe().to_pandas(use_pyarrow_extension_array=True)
    named = set(segments["payer_key"].dropna())
    keyed = lines[["row", "payer", "payer_type", "dos"]].merge(keys, on="payer", how="left")
    keyed["join_key"] = keyed["payer_key"].where(keyed["payer_key"].isin(named), "")
    segments["join_key"] = segments["payer_key"].fillna("")
    segments["start"] = _days(segments["valid_start_date"].fillna(LOW))
    cols = [
        "policy_telehealth_pos",
        "policy_requires_modifier_93",
        "policy_requires_modifier_93_mental_health",
        "policy_accepts_cpt_telemedicine_codes",
    ]
    right = segments[["join_key", "payer_type", "start", *cols]].sort_values("start")
    left = keyed.sort_values("dos")
    text = "string[pyarrow]"  # merge_asof wants the same dtype on both sides
    left = left.astype({"join_key": text, "payer_type": text})
    right = right.astype({"join_key": text, "payer_type": text})
    out = pd.merge_asof(left, right, left_on="dos", right_on="start", by=["join_key", "payer_type"])
    return out.set_index("row")[cols].reindex(lines["row"]).reset_index(drop=True)


def _encounters(lines: pd.DataFrame, encounters: pd.DataFrame) -> pd.DataFrame:
    """The line's encounter: same encounter_id, else the single encounter of the same person,
    rendering NPI and date."""
    fields = ["modality", "patient_location", "total_minutes", "mdm_level"]
    e = encounters[["encounter_id", "person_id", "rendering_npi", "encounter_date", *fields]]
    by_id = lines.loc[lines["encounter_id"].notna(), ["row", "encounter_id"]].merge(
        e[["encounter_id", *fields]], on="encounter_id", how="inner"
    )
    candidates = e[e["encounter_date"].notna()]
    size = candidates.groupby(["person_id", "rendering_npi", "encounter_date"])[
        "encounter_id"
    ].transform("size")
    candidates = candidates[size == 1]
    by_key = lines.loc[
        lines["encounter_id"].isna(), ["row", "person_id", "rendering_npi", "claim_line_start_date"]
    ].merge(
        candidates,
        left_on=["person_id", "rendering_npi", "claim_line_start_date"],
        right_on=["person_id", "rendering_npi", "encounter_date"],
        how="inner",
    )
    matched = pd.concat([by_id[["row", *fields]], by_key[["row", *fields]]])
    matched["enc_found"] = True
    out = lines[["row"]].merge(matched, on="row", how="left")
    out["enc_found"] = out["enc_found"].fillna(False).astype(bool)
    return out.drop(columns="row")


def _modifier_set(lines: pd.DataFrame) -> pd.Series:
    """The line's distinct modifiers, sorted and joined by a space ("" for none)."""
    mods = lines[MODIFIERS].astype("object").fillna("\x7f").to_numpy(dtype=str)
    mods = np.sort(mods, axis=1)
    repeated = np.concatenate([np.zeros((len(mods), 1), bool), mods[:, 1:] == mods[:, :-1]], 1)
    mods = np.where(repeated | (mods == "\x7f"), "", mods)
    joined = pd.Series(mods[:, 0], index=lines.index)
    for i in range(1, mods.shape[1]):
        part = pd.Series(mods[:, i], index=lines.index)
        joined = joined.where(part == "", joined + " " + part)
    return joined.str.strip()


def rules(claims: pd.DataFrame, encounters: pd.DataFrame, policies: tk.Policies) -> pd.DataFrame:
    """Findings (claim_id, claim_line_number, rule_code) of the five rules."""
    lines = claims.reset_index(drop=True)
    lines["row"] = np.arange(len(lines))
    lines["dos"] = _days(lines["claim_line_start_date"])
    code, pos, dos = lines["hcpcs_code"], lines["place_of_service_code"], lines["dos"]
    freq = lines["claim_frequency_code"].fillna("1")
    replaced = lines.loc[freq.isin(["7", "8"]), "original_claim_id"].dropna().unique()
    live = ~(lines["claim_id"].isin(replaced) | (freq == "8"))  # not superseded

    hcpcs = codesets.hcpcs()
    attrs = (
        hcpcs.select("hcpcs_code", "ctbs", "office_em", "audio_only_by_descriptor")
        .unique(subset=["hcpcs_code"], keep="first")
        .to_pandas()
    )
    a = lines[["hcpcs_code"]].merge(attrs, on="hcpcs_code", how="left")
    ctbs = a["ctbs"].fillna(False).astype(bool).to_numpy()
    descriptor = a["audio_only_by_descriptor"].fillna(False).astype(bool).to_numpy()
    known = code.isin(attrs["hcpcs_code"])
    cd001 = known & ~_valid_on_dos(lines, hcpcs, "hcpcs_code") & live
    cd002 = ~_valid_on_dos(lines, codesets.place_of_service(), "place_of_service_code") & live
    cpt_tm = code.isin(CPT_TELEMEDICINE)
    office_em = a["office_em"].fillna(False).astype(bool).to_numpy() & (
        ~cpt_tm | (dos >= _day(dt.date(2025, 1, 1)))
    )
    policy = _policy(lines, policies)
    cd003 = cpt_tm & ~policy["policy_accepts_cpt_telemedicine_codes"].fillna(True).astype(bool)
    cd003 &= live

    enc = _encounters(lines, encounters)
    found, modality = enc["enc_found"], enc["modality"]
    has = {m: (lines[MODIFIERS] == m).fillna(False).any(axis=1) for m in TELEHEALTH_MODIFIERS}
    pos_th = pos.isin(["02", "10"])
    raw = pos_th | pd.concat(has.values(), axis=1).any(axis=1)
    not_ctbs_q = ~ctbs & (code != "Q3014")
    in_person = (found & (modality == "in_person")).fillna(False).astype(bool)
    indicator = raw & ~(raw & not_ctbs_q & in_person)
    th_line = (indicator & not_ctbs_q).astype(bool)
    th_encounter = (
        (found & modality.isin(["audio_video", "audio_only", "store_and_forward"]))
        .fillna(False)
        .astype(bool)
    )
    audio_only = (th_line & (modality == "audio_only")).fillna(False).astype(bool)
    self_pay = lines["payer_type"] == "self_pay"
    from_2022 = dos >= _day(dt.date(2022, 1, 1))

    location = enc["patient_location"]
    wrong_pos = ((pos == "10") & (location == "facility")) | ((pos == "02") & (location == "home"))
    ps002 = (
        th_line
        & th_encounter
        & from_2022
        & (policy["policy_telehealth_pos"] == "02/10").fillna(False)
        & wrong_pos.fillna(False)
    )
    ps002 = ps002.astype(bool) & live & ~cd001 & ~cd002

    md002_95 = (
        (has["95"] | has["GT"]) & audio_only & from_2022 & ~descriptor & ~cpt_tm & found & live
    )
    number = pd.to_numeric(code.str.strip(), errors="coerce")
    mental_health = number.between(90785, 90899).fillna(False).astype(bool)
    requires_93 = policy["policy_requires_modifier_93"].fillna(False).astype(bool) | (
        policy["policy_requires_modifier_93_mental_health"].fillna(False).astype(bool)
        & mental_health
    )
    md001 = audio_only & ~has["93"] & ~has["FQ"] & requires_93 & ~descriptor
    md001 = md001 & live & ~self_pay & ~cd001 & ~cd003 & ~md002_95

    minimum = code.map(EM_MIN_MINUTES)
    minutes = enc["total_minutes"]
    tm001 = (
        office_em
        & (dos >= _day(dt.date(2021, 1, 1)))
        & minimum.notna()
        & found
        & minutes.notna()
        & enc["mdm_level"].isna()
        & (minutes < minimum)
    )
    tm001 = tm001.fillna(False).astype(bool) & live & ~cd001 & ~cd003

    key = [
        "person_id", "rendering_npi", "claim_line_start_date", "hcpcs_code", "_mods", "_units",
        "place_of_service_code", "_charge",
    ]  # fmt: skip
    candidates = lines.loc[live & ~freq.isin(["7", "8"])].copy()
    candidates["_units"] = candidates["service_unit_quantity"].astype("string").fillna("1.000")
    candidates["_charge"] = candidates["charge_amount"].astype("string")
    coarse = [k for k in key if k != "_mods"]
    candidates = candidates[candidates[coarse].notna().all(axis=1)]
    candidates = candidates[candidates.duplicated(coarse, keep=False)]
    candidates["_mods"] = _modifier_set(candidates)
    candidates = candidates[candidates.duplicated(key, keep=False)]
    candidates["_submitted"] = _days(candidates["claim_submitted_date"]).fillna(2**40)
    candidates = candidates.sort_values(["_submitted", "claim_id", "claim_line_number"])
    groups = candidates.groupby(key, sort=False)
    spans = groups["claim_id"].transform("nunique") > 1
    duplicate = spans & (groups.cumcount() > 0)
    fq004 = lines["row"].isin(candidates.loc[duplicate, "row"]) & ~cd001

    flags = {"CD001": cd001, "PS002": ps002, "MD001": md001, "TM001": tm001, "FQ004": fq004}
    found_rows = [
        lines.loc[mask.to_numpy(dtype=bool), ["claim_id", "claim_line_number"]].assign(rule_code=r)
        for r, mask in flags.items()
    ]
    out = pd.concat(found_rows, ignore_index=True)
    return out.sort_values(["claim_id", "claim_line_number", "rule_code"], ignore_index=True)


def peak_mb() -> float:
    """This program's peak RSS (VmHWM; ``ru_maxrss`` keeps the pre-exec parent's on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--compare", type=Path, help="telekit findings.parquet of the same inputs")
    args = ap.parse_args()
    policies = tk.load_policies(args.dir / "policies.toml")
    t0 = time.perf_counter()
    claims, encounters = load(args.dir)
    t1 = time.perf_counter()
    found = rules(claims, encounters, policies)
    t2 = time.perf_counter()
    out: dict[str, object] = {
        "lines": len(claims),
        "read_s": t1 - t0,
        "rules_s": t2 - t1,
        "findings": found["rule_code"].value_counts().sort_index().to_dict(),
    }
    if args.compare is not None:
        telekit = (
            pl.scan_parquet(args.compare)
            .filter(pl.col("rule_code").is_in(RULES))
            .select("claim_id", "claim_line_number", "rule_code")
            .sort("claim_id", "claim_line_number", "rule_code")
            .collect()
        )
        mine = pl.from_pandas(found).cast({"claim_line_number": pl.Int32})
        out["telekit_findings"] = telekit.height
        out["only_pandas"] = mine.join(telekit, on=mine.columns, how="anti").height
        out["only_telekit"] = telekit.join(mine, on=mine.columns, how="anti").height
        out["match"] = out["only_pandas"] == out["only_telekit"] == 0
    out["peak_rss_mb"] = peak_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(out))


if __name__ == "__main__":
    main()
