"""Five rules of the catalog (CD001, PS002, MD001, TM001, FQ004) written in DuckDB SQL: the
DuckDB peer of ``benchmarks/pandas_rules.py``, over the same Parquet files.

The claims and encounters are loaded with ``read_parquet(...)`` (a folder of parts through a
glob) into DuckDB tables; the rules are joins, an as-of join, group-bys and window functions over
whole tables. They reproduce what pandas_rules.py reproduces of the annotation (DESIGN §5):
superseded claims, code and POS validity on the DOS, the payer policy on the DOS (an ASOF join on
the segment table), the line's encounter (by encounter_id, else the single encounter of the same
person, rendering NPI and date), the telehealth-line definitions, and the precedence that touches
the five (CD001 suppresses PS/MD/TM/FQ, CD002 suppresses PS, CD003 suppresses TM001 and MD, MD002
for 95 or GT on an audio-only line suppresses MD001; self-pay lines skip MD). The code sets,
the payer keys and the payer policies' segment table come from telekit (configuration, not
per-row work) and are registered as DuckDB tables from Arrow.

    .uv/bin/uv run --frozen --group bench python benchmarks/duckdb_rules.py DIR \
        [--compare F.parquet] [--threads N]

DIR holds claims, encounters and policies.toml as ``telekit sample --format parquet`` writes them.
Prints one JSON line: threads, load_s, rules_s, findings per rule, match (with the compared
findings), peak_rss_mb (VmHWM).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from pathlib import Path

import duckdb
import polars as pl

import telekit as tk
from telekit import codesets

RULES = ("CD001", "FQ004", "MD001", "PS002", "TM001")
TELEHEALTH_MODIFIERS = ("95", "93", "GT", "GQ", "FQ", "G0")
CPT_TELEMEDICINE = [str(n) for n in range(98000, 98016)]
# TM001: office E/M families (first code, minutes per level): 15/30/45/60 new, 10/20/30/40 est.
EM_FAMILIES = ((99202, 15), (99212, 10), (98000, 15), (98004, 10), (98008, 15), (98012, 10))
EM_MIN_MINUTES = {str(base + i): step * (i + 1) for base, step in EM_FAMILIES for i in range(4)}
LOW, HIGH = dt.date(1900, 1, 1), dt.date(9999, 12, 31)


def _source(d: Path, table: str) -> str:
    """The ``read_parquet`` argument of a table: its file, or a glob over its folder of parts."""
    file = d / f"{table}.parquet"
    path = file if file.exists() else d / table / "**" / "*.parquet"
    return str(path)


def load(con: duckdb.DuckDBPyConnection, d: Path) -> int:
    """Claims and encounters into DuckDB tables (``claims`` keeps its ``rowid``); the line count."""
    con.sql(
        "CREATE TABLE claims AS SELECT * FROM read_parquet($claims)",
        params={"claims": _source(d, "claims")},
    )
    con.sql(
        "CREATE TABLE encounters AS SELECT encounter_id, person_id, rendering_npi, "
        "encounter_date, modality, patient_location, total_minutes, mdm_level "
        "FROM read_parquet($encounters)",
        params={"encounters": _source(d, "encounters")},
    )
    return int(con.sql("SELECT count(*) FROM claims").fetchall()[0][0])


def _periods(table: pl.DataFrame, key: str) -> pl.DataFrame:
    """A code set's validity periods (open ends closed with LOW / HIGH)."""
    return table.select(
        pl.col(key).alias("code"),
        pl.col("valid_start_date").fill_null(LOW).alias("start"),
        pl.col("valid_end_date").fill_null(HIGH).alias("end"),
    )


def configure(con: duckdb.DuckDBPyConnection, policies: tk.Policies) -> None:
    """The configuration tables: code sets, E/M minimum minutes, payer keys, policy segments."""
    hcpcs = codesets.hcpcs()
    attrs = hcpcs.select("hcpcs_code", "ctbs", "office_em", "audio_only_by_descriptor").unique(
        subset=["hcpcs_code"], keep="first", maintain_order=True
    )
    payers = con.sql("SELECT DISTINCT payer FROM claims WHERE payer IS NOT NULL").pl()
    segments = policies.describe()
    named = segments["payer_key"].drop_nulls().unique().to_list()
    keys = payers.with_columns(policies.payer_key().alias("payer_key")).select(
        "payer",
        pl.when(pl.col("payer_key").is_in(named)).then("payer_key").otherwise(pl.lit(""))
        .alias("join_key"),
    )  # fmt: skip
    tables = {
        "hcpcs_attrs": attrs,
        "hcpcs_periods": _periods(hcpcs, "hcpcs_code"),
        "pos_periods": _periods(codesets.place_of_service(), "place_of_service_code"),
        "cpt_telemedicine": pl.DataFrame({"code": CPT_TELEMEDICINE}),
        "telehealth_modifiers": pl.DataFrame({"modifier": TELEHEALTH_MODIFIERS}),
        "em_minutes": pl.DataFrame(
            {"code": list(EM_MIN_MINUTES), "minimum": list(EM_MIN_MINUTES.values())}
        ),
        "payer_keys": keys,
        "segments": segments.select(
            pl.col("payer_key").fill_null("").alias("join_key"),
            "payer_type",
            pl.col("valid_start_date").fill_null(LOW).alias("start"),
            "policy_telehealth_pos",
            "policy_requires_modifier_93",
            "policy_requires_modifier_93_mental_health",
            "policy_accepts_cpt_telemedicine_codes",
        ),
    }
    for name, frame in tables.items():
        con.from_arrow(frame.to_arrow()).create(name)


# The annotation of each line (one row per claims rowid): superseded, validity, policy, encounter.
ANNOTATE = """
CREATE TABLE ann AS
WITH replaced AS (
    SELECT DISTINCT original_claim_id AS claim_id FROM claims
    WHERE coalesce(claim_frequency_code, '1') IN ('7', '8') AND original_claim_id IS NOT NULL
),
code_ok AS (
    SELECT DISTINCT c.rowid AS row FROM claims c JOIN hcpcs_periods p
    ON c.hcpcs_code = p.code AND c.claim_line_start_date BETWEEN p.start AND p."end"
),
pos_ok AS (
    SELECT DISTINCT c.rowid AS row FROM claims c JOIN pos_periods p
    ON c.place_of_service_code = p.code AND c.claim_line_start_date BETWEEN p.start AND p."end"
),
keyed AS (
    SELECT c.rowid AS row, coalesce(k.join_key, '') AS join_key, c.payer_type,
        c.claim_line_start_date AS dos
    FROM claims c LEFT JOIN payer_keys k ON c.payer = k.payer
),
policy AS (
    SELECT k.row, s.policy_telehealth_pos, s.policy_requires_modifier_93,
        s.policy_requires_modifier_93_mental_health, s.policy_accepts_cpt_telemedicine_codes
    FROM keyed k ASOF LEFT JOIN segments s
    ON k.join_key = s.join_key AND k.payer_type = s.payer_type AND k.dos >= s.start
),
single AS (
    SELECT * FROM encounters WHERE encounter_date IS NOT NULL
    QUALIFY count(*) OVER (PARTITION BY person_id, rendering_npi, encounter_date) = 1
),
matched AS (
    SELECT c.rowid AS row, e.modality, e.patient_location, e.total_minutes, e.mdm_level
    FROM claims c JOIN encounters e ON c.encounter_id = e.encounter_id
    UNION ALL
    SELECT c.rowid AS row, e.modality, e.patient_location, e.total_minutes, e.mdm_level
    FROM claims c JOIN single e
    ON c.encounter_id IS NULL AND c.person_id = e.person_id
        AND c.rendering_npi = e.rendering_npi AND c.claim_line_start_date = e.encounter_date
)
SELECT
    c.rowid AS row, c.claim_id, c.claim_line_number, c.hcpcs_code AS code,
    c.place_of_service_code AS pos, c.claim_line_start_date AS dos, c.payer_type,
    NOT (c.claim_id IN (SELECT claim_id FROM replaced)
         OR coalesce(c.claim_frequency_code, '1') = '8') AS live,
    a.hcpcs_code IS NOT NULL AS known,
    coalesce(a.ctbs, false) AS ctbs,
    coalesce(a.office_em, false) AS office_em_code,
    coalesce(a.audio_only_by_descriptor, false) AS descriptor,
    c.rowid IN (SELECT row FROM code_ok) AS code_valid,
    c.rowid IN (SELECT row FROM pos_ok) AS pos_valid,
    p.policy_telehealth_pos, p.policy_requires_modifier_93,
    p.policy_requires_modifier_93_mental_health, p.policy_accepts_cpt_telemedicine_codes,
    m.row IS NOT NULL AS found, m.modality, m.patient_location, m.total_minutes, m.mdm_level,
    em.minimum,
    list_filter([c.hcpcs_modifier_1, c.hcpcs_modifier_2, c.hcpcs_modifier_3,
                 c.hcpcs_modifier_4], lambda x: x <> '') AS mods
FROM claims c
LEFT JOIN hcpcs_attrs a ON c.hcpcs_code = a.hcpcs_code
LEFT JOIN policy p ON c.rowid = p.row
LEFT JOIN matched m ON c.rowid = m.row
LEFT JOIN em_minutes em ON c.hcpcs_code = em.code
"""

# The five rules and their precedence, as boolean columns of the annotation.
FLAGS = """
CREATE TABLE flags AS
WITH base AS (
    SELECT *,
        known AND NOT code_valid AND live AS cd001,
        NOT pos_valid AND live AS cd002,
        code IN (SELECT code FROM cpt_telemedicine) AS cpt_tm,
        list_contains(mods, '95') AS has_95, list_contains(mods, 'GT') AS has_gt,
        list_contains(mods, '93') AS has_93, list_contains(mods, 'FQ') AS has_fq,
        dos >= DATE '2022-01-01' AS from_2022,
        coalesce(pos IN ('02', '10'), false)
            OR list_has_any(mods, (SELECT list(modifier) FROM telehealth_modifiers)) AS raw,
        NOT ctbs AND code <> 'Q3014' AS not_ctbs_q,
        coalesce(found AND modality = 'in_person', false) AS in_person,
        coalesce(found AND modality IN ('audio_video', 'audio_only', 'store_and_forward'), false)
            AS th_encounter
    FROM ann
),
th AS (
    SELECT *,
        cpt_tm AND NOT coalesce(policy_accepts_cpt_telemedicine_codes, true) AND live AS cd003,
        office_em_code AND (NOT cpt_tm OR dos >= DATE '2025-01-01') AS office_em,
        raw AND NOT (raw AND not_ctbs_q AND in_person) AND not_ctbs_q AS th_line
    FROM base
),
audio AS (
    SELECT *, coalesce(th_line AND modality = 'audio_only', false) AS audio_only FROM th
)
SELECT row, claim_id, claim_line_number, cd001,
    th_line AND th_encounter AND from_2022
        AND coalesce(policy_telehealth_pos = '02/10', false)
        AND coalesce((pos = '10' AND patient_location = 'facility')
                     OR (pos = '02' AND patient_location = 'home'), false)
        AND live AND NOT cd001 AND NOT cd002 AS ps002,
    audio_only AND NOT has_93 AND NOT has_fq
        AND (coalesce(policy_requires_modifier_93, false)
             OR coalesce(policy_requires_modifier_93_mental_health, false)
                AND coalesce(TRY_CAST(trim(code) AS INTEGER) BETWEEN 90785 AND 90899, false))
        AND NOT descriptor
        AND live AND coalesce(payer_type <> 'self_pay', false) AND NOT cd001 AND NOT cd003
        AND NOT ((has_95 OR has_gt) AND audio_only AND from_2022 AND NOT descriptor AND NOT cpt_tm
                 AND found AND live) AS md001,
    coalesce(office_em AND dos >= DATE '2021-01-01' AND minimum IS NOT NULL AND found
        AND total_minutes IS NOT NULL AND mdm_level IS NULL AND total_minutes < minimum, false)
        AND live AND NOT cd001 AND NOT cd003 AS tm001
FROM audio
"""

# FQ004: a live, original line repeating another claim's (person, NPI, DOS, code, modifier set,
# units, POS, charge); the first submitted stays, the later ones are flagged.
DUPLICATES = """
CREATE TABLE fq004 AS
WITH candidates AS (
    SELECT c.rowid AS row, c.claim_id, c.claim_line_number, c.claim_submitted_date,
        c.person_id, c.rendering_npi, c.claim_line_start_date, c.hcpcs_code,
        coalesce(c.service_unit_quantity, 1) AS units, c.place_of_service_code,
        c.charge_amount,
        list_sort(list_distinct(a.mods)) AS mods
    FROM claims c JOIN ann a ON c.rowid = a.row
    WHERE a.live AND coalesce(c.claim_frequency_code, '1') NOT IN ('7', '8')
        AND c.person_id IS NOT NULL AND c.rendering_npi IS NOT NULL
        AND c.claim_line_start_date IS NOT NULL AND c.hcpcs_code IS NOT NULL
        AND c.place_of_service_code IS NOT NULL AND c.charge_amount IS NOT NULL
),
ranked AS (
    SELECT row,
        count(DISTINCT claim_id) OVER key AS claims,
        row_number() OVER (key ORDER BY claim_submitted_date NULLS LAST, claim_id,
                           claim_line_number) AS n
    FROM candidates
    WINDOW key AS (PARTITION BY person_id, rendering_npi, claim_line_start_date, hcpcs_code,
                   mods, units, place_of_service_code, charge_amount)
)
SELECT row FROM ranked WHERE claims > 1 AND n > 1
"""

FINDINGS = """
SELECT claim_id, claim_line_number, rule_code FROM (
    SELECT claim_id, claim_line_number, 'CD001' AS rule_code FROM flags WHERE cd001
    UNION ALL SELECT claim_id, claim_line_number, 'PS002' FROM flags WHERE ps002
    UNION ALL SELECT claim_id, claim_line_number, 'MD001' FROM flags WHERE md001
    UNION ALL SELECT claim_id, claim_line_number, 'TM001' FROM flags WHERE tm001
    UNION ALL SELECT f.claim_id, f.claim_line_number, 'FQ004'
        FROM flags f JOIN fq004 q ON f.row = q.row WHERE NOT f.cd001
)
ORDER BY claim_id, claim_line_number, rule_code
"""


def rules(con: duckdb.DuckDBPyConnection, policies: tk.Policies) -> pl.DataFrame:
    """Findings (claim_id, claim_line_number, rule_code) of the five rules."""
    configure(con, policies)
    for statement in (ANNOTATE, FLAGS, DUPLICATES):
        con.sql(statement)
    return con.sql(FINDINGS).pl()


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
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    args = ap.parse_args()
    policies = tk.load_policies(args.dir / "policies.toml")
    con = duckdb.connect()
    if args.threads is not None:
        con.sql(f"SET threads = {int(args.threads)}")
    threads = con.sql("SELECT current_setting('threads')").fetchall()[0][0]
    t0 = time.perf_counter()
    lines = load(con, args.dir)
    t1 = time.perf_counter()
    found = rules(con, policies)
    t2 = time.perf_counter()
    counts = found.group_by("rule_code").len().sort("rule_code")
    out: dict[str, object] = {
        "engine": f"duckdb {duckdb.__version__}",
        "threads": int(threads),
        "lines": lines,
        "load_s": t1 - t0,
        "rules_s": t2 - t1,
        "findings": dict(zip(counts["rule_code"], counts["len"], strict=True)),
    }
    if args.compare is not None:
        telekit = (
            pl.scan_parquet(args.compare)
            .filter(pl.col("rule_code").is_in(RULES))
            .select("claim_id", "claim_line_number", "rule_code")
            .collect()
        )
        mine = found.cast({"claim_line_number": telekit.schema["claim_line_number"]})
        out["telekit_findings"] = telekit.height
        out["only_duckdb"] = mine.join(telekit, on=mine.columns, how="anti").height
        out["only_telekit"] = telekit.join(mine, on=mine.columns, how="anti").height
        out["match"] = out["only_duckdb"] == out["only_telekit"] == 0
    out["peak_rss_mb"] = peak_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(out))


if __name__ == "__main__":
    main()
