"""Annotate once: join code sets, encounters, the roster and payer policies to the claim lines.

Every rule reads the columns this module adds; none joins anything itself. The definitions of
DESIGN §5 ("telehealth indicator", "telehealth line", "CTBS", "office E/M", "superseded") live here,
each as one expression, so a rule reads like the catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from telekit import codesets
from telekit._core import _columns as c
from telekit._core._claims import link_encounters, superseded
from telekit._core._engine import IN_MEMORY
from telekit._engine import _timing as tm
from telekit._engine import _vocabulary as v
from telekit._engine._inputs import Inputs, prepare
from telekit._policies._model import Policies
from telekit.codesets._cms_list import coerce_telehealth_list

ROW = v.ROW
DOS = c.CLAIM_LINE_START_DATE

TELEHEALTH_MODIFIERS = ("95", "93", "GT", "GQ", "FQ", "G0")
TELEHEALTH_ENCOUNTER_MODALITIES = ("audio_video", "audio_only", "store_and_forward")
MDM_RANK = {"straightforward": 1, "low": 2, "moderate": 3, "high": 4}
CPT_TELEMEDICINE = tuple(str(x) for x in range(98000, 98016))
CPT_TELEMEDICINE_START = pl.date(2025, 1, 1)


# joins the modifier slots into one string split back into the list (10x faster than
# ``concat_list(...).list.drop_nulls()`` on 1M lines); used only when no modifier holds it
_SLOT_SEPARATOR = "\x1f"


def _present_slots(lines: pl.DataFrame) -> list[str]:
    """The modifier slots that hold a value on some line: a slot null on every line (usually 3
    and 4) adds nothing to the list or the flags, and is not read."""
    return [m for m in c.MODIFIERS if lines.get_column(m).null_count() < lines.height]


def _modifier_list(lines: pl.DataFrame) -> pl.Expr:
    """The line's modifiers (slots 1-4, nulls dropped) as a list."""
    slots = [pl.col(m) for m in _present_slots(lines)]
    if not slots:
        return pl.lit([], dtype=pl.List(pl.String))
    holds_separator = lines.select(
        pl.any_horizontal(s.str.contains(_SLOT_SEPARATOR, literal=True) for s in slots).any()
    ).item()
    if holds_separator:
        return pl.concat_list(slots).list.drop_nulls()
    joined = pl.concat_str(slots, separator=_SLOT_SEPARATOR, ignore_nulls=True)
    return (
        pl.when(pl.any_horizontal(s.is_not_null() for s in slots))
        .then(joined.str.split(_SLOT_SEPARATOR))
        .otherwise(pl.lit([], dtype=pl.List(pl.String)))
    )


def _modifier_flags(lines: pl.DataFrame) -> list[pl.Expr]:
    mods = _modifier_list(lines)
    slots = _present_slots(lines)
    # ``eq_missing``: a null slot is not the modifier (False, not null: no fill afterwards)
    return [
        mods.alias(v.MODIFIERS),
        *(
            pl.any_horizontal(
                [pl.col(slot).eq_missing(m) for slot in slots] or [pl.lit(False)]
            ).alias(f"has_mod_{m}")
            for m in TELEHEALTH_MODIFIERS
        ),
    ]


def _periods(table: pl.DataFrame, key: str) -> pl.DataFrame:
    """Validity periods per key with back-to-back periods merged (POS 02 changed meaning on
    2022-01-01 but never stopped being valid): usually one row per key."""
    lo, hi = pl.date(1900, 1, 1), pl.date(9999, 12, 31)
    p = table.select(
        key,
        pl.col("valid_start_date").fill_null(lo),
        pl.col("valid_end_date").fill_null(hi),
    ).sort(key, "valid_start_date")
    new_run = (
        (pl.col(key) != pl.col(key).shift(1))
        | (pl.col("valid_start_date") > pl.col("valid_end_date").shift(1) + pl.duration(days=1))
    ).fill_null(True)
    return (
        p.with_columns(new_run.cum_sum().alias("_run"))
        .group_by(key, "_run", maintain_order=True)
        .agg(pl.col("valid_start_date").min(), pl.col("valid_end_date").max())
        .drop("_run")
    )


_VALIDITY = ("valid_start_date", "valid_end_date")


def _position(key: pl.Expr, keys: pl.Series) -> pl.Expr:
    """The position of the line's ``key`` in ``keys`` (a small lookup table's unique keys; null
    when absent): its columns are then gathered by it, in the lines' order (a join on the key
    reorders the lines, which were then sorted back)."""
    return key.replace_strict(keys, list(range(keys.len())), default=None, return_dtype=pl.UInt32)


def _valid_on_dos(lf: pl.LazyFrame, periods: pl.DataFrame, key: str, out: str) -> pl.LazyFrame:
    """``out`` is True where the line's ``key`` has a validity period covering the DOS."""
    if periods.get_column(key).is_unique().all():
        position = pl.col("_position")
        start, end = (pl.lit(periods.get_column(b)).gather(position) for b in _VALIDITY)
        return (
            lf.with_columns(_position(pl.col(key), periods.get_column(key)).alias("_position"))
            .with_columns(pl.col(DOS).is_between(start, end).fill_null(False).alias(out))
            .drop("_position")
        )
    valid = (
        lf.select(ROW, key, DOS)
        .join(periods.lazy(), on=key, how="inner")
        .filter(pl.col(DOS).is_between(pl.col("valid_start_date"), pl.col("valid_end_date")))
        .select(ROW)
        .unique()
        .with_columns(pl.lit(True).alias(out))
    )
    return lf.join(valid, on=ROW, how="left").with_columns(pl.col(out).fill_null(False))


def _code_attributes(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Static code attributes (one row per code) and validity on the DOS."""
    codes = codesets.hcpcs()
    static_cols = [
        col
        for col in codes.columns
        if col not in ("valid_start_date", "valid_end_date", "description")
    ]
    static = (
        codes.select(static_cols)
        .unique(subset=["hcpcs_code"], keep="first")
        .with_columns(pl.lit(True).alias(v.CODE_KNOWN))
        .rename({k: f"code_{k}" for k in static_cols if k != "hcpcs_code"})
    )
    position = pl.col("_position")
    periods = _periods(codes, c.HCPCS_CODE)
    # one period per code (the shipped table): the periods set in the static table's order, so
    # that the code's one position gathers its validity too (not a second lookup of the code)
    single = periods.get_column(c.HCPCS_CODE).is_unique().all()
    aligned = static.select(c.HCPCS_CODE).join(
        periods, on=c.HCPCS_CODE, how="left", maintain_order="left"
    )
    start, end = (pl.lit(aligned.get_column(b)).gather(position) for b in _VALIDITY)
    lf = (
        lf.with_columns(
            _position(pl.col(c.HCPCS_CODE), static.get_column(c.HCPCS_CODE)).alias("_position")
        )
        .with_columns(
            *(
                pl.lit(static.get_column(name)).gather(position).alias(name)
                for name in static.columns
                if name not in (c.HCPCS_CODE, v.CODE_KNOWN)
            ),
            position.is_not_null().alias(v.CODE_KNOWN),
            *(
                [pl.col(DOS).is_between(start, end).fill_null(False).alias(v.CODE_VALID_ON_DOS)]
                if single
                else []
            ),
        )
        .drop("_position")
    )
    if single:
        return lf
    return _valid_on_dos(lf, periods, c.HCPCS_CODE, v.CODE_VALID_ON_DOS)


def _pos_attributes(lf: pl.LazyFrame) -> pl.LazyFrame:
    pos = codesets.place_of_service()
    known = pos.get_column("place_of_service_code").unique()
    lf = lf.with_columns(
        pl.col(c.PLACE_OF_SERVICE_CODE).is_in(known.implode()).fill_null(False).alias(v.POS_KNOWN)
    )
    return _valid_on_dos(
        lf, _periods(pos, c.PLACE_OF_SERVICE_CODE), c.PLACE_OF_SERVICE_CODE, v.POS_VALID_ON_DOS
    )


# The PHE's temporary additions to the CY 2020 list took effect on 2020-03-01 (the waiver's
# retroactive start): before it, a CY 2020 row with status temporary_phe is not on the list.
PHE_LIST_START = pl.date(2020, 3, 1)


def _list_years(tl: pl.DataFrame) -> pl.DataFrame:
    """For every calendar year from the earliest list to the latest, the list in force: that
    year's, else the latest earlier one (``_dos_year`` -> ``list_year_used``)."""
    years = sorted(int(y) for y in tl.get_column("year").unique().to_list())
    if not years:
        return pl.DataFrame(
            schema={"_dos_year": pl.Int32, v.LIST_YEAR_USED: pl.Int32},
        )
    span = pl.DataFrame(
        {"_dos_year": range(years[0], years[-1] + 1)}, schema={"_dos_year": pl.Int32}
    )
    listed = pl.DataFrame({v.LIST_YEAR_USED: years}, schema={v.LIST_YEAR_USED: pl.Int32})
    return span.join_asof(
        listed.with_columns(pl.col(v.LIST_YEAR_USED).alias("_dos_year")),
        on="_dos_year",
        strategy="backward",
    )


def _telehealth_list(lf: pl.LazyFrame, extra_list: pl.DataFrame | None) -> pl.LazyFrame:
    """DESIGN §5 "Unknown codes": the list in force for the DOS year and where the code stands.

    Reads ``code_known`` (the curated HCPCS table), so it runs after ``_code_attributes``.
    """
    tl = codesets.telehealth_list(extra_list)
    given_years = (
        []
        if extra_list is None
        else coerce_telehealth_list(extra_list).get_column("year").unique().to_list()
    )
    latest = tl.get_column("year").max()
    latest_year = int(latest) if isinstance(latest, int) else 0
    on_list = tl.select(
        pl.col("year").cast(pl.Int32).alias(v.LIST_YEAR_USED),
        c.HCPCS_CODE,
        pl.col("status").alias("_list_status"),
        pl.col("audio_only").alias(v.LIST_AUDIO_ONLY),
    ).unique(subset=[v.LIST_YEAR_USED, c.HCPCS_CODE], keep="first")
    dos_year = pl.col(DOS).dt.year().cast(pl.Int32)
    lf = (
        lf.with_columns(dos_year.clip(upper_bound=latest_year).alias("_dos_year"))
        .join(_list_years(tl).lazy(), on="_dos_year", how="left", maintain_order="left")
        .join(
            on_list.lazy(),
            on=[v.LIST_YEAR_USED, c.HCPCS_CODE],
            how="left",
            maintain_order="left",
        )
    )
    phe_not_yet = (pl.col("_list_status") == "temporary_phe") & (pl.col(DOS) < PHE_LIST_START)
    listed = pl.col("_list_status").is_not_null() & ~phe_not_yet.fill_null(value=False)
    exact = (v.list_year_used == dos_year).fill_null(value=False)
    from_file = v.list_year_used.is_in(given_years).fill_null(value=False)
    judged = v.list_year_used.is_not_null()
    known_absent = judged & ~listed & exact & (v.code_known | from_file)
    return lf.with_columns(
        exact.alias(v.LIST_YEAR_SHIPPED),
        from_file.alias(v.LIST_FROM_CMS_FILE),
        listed.alias(v.ON_TELEHEALTH_LIST),
        pl.when(listed).then(v.list_audio_only).alias(v.LIST_AUDIO_ONLY),
        known_absent.alias(v.LIST_KNOWN_ABSENT),
        (judged & ~listed & ~known_absent).alias(v.LIST_UNKNOWN),
    ).drop("_dos_year", "_list_status")


ENCOUNTER_FIELDS = (
    c.ENCOUNTER_DATE,
    c.MODALITY,
    c.PATIENT_LOCATION,
    c.PATIENT_STATE,
    c.PROVIDER_STATE,
    c.CONSENT_DOCUMENTED,
    c.TOTAL_MINUTES,
    c.MDM_LEVEL,
    c.AUDIO_ONLY_REASON,
    c.DEVICE_DAYS,
    c.PSYCHOTHERAPY_MINUTES,
)


def _encounters(lf: pl.LazyFrame, encounters: pl.DataFrame | None) -> pl.LazyFrame:
    """The line's encounter (``_core._claims.link_encounters``): its fields as ``enc_*``;
    ``enc_found`` false when it is missing."""
    if encounters is None:
        return lf.with_columns(
            pl.lit(False).alias(v.ENC_FOUND),
            *(
                pl.lit(None).cast(c.ENCOUNTERS.column(f).dtype).alias(f"enc_{f}")
                for f in ENCOUNTER_FIELDS
            ),
        )
    return link_encounters(
        lf, encounters.lazy(), ENCOUNTER_FIELDS, prefix="enc_", found=v.ENC_FOUND
    )


def _providers(lf: pl.LazyFrame, providers: pl.DataFrame | None) -> pl.LazyFrame:
    if providers is None:
        return lf.with_columns(
            pl.lit(None, dtype=pl.String).alias(v.PROV_TYPE),
            pl.lit(None, dtype=pl.List(pl.String)).alias(v.PROV_LICENSED_STATES),
            pl.lit(False).alias(v.PROV_LISTED),
        )
    roster = providers.lazy().select(
        pl.col(c.NPI).alias(c.RENDERING_NPI),
        pl.col(c.PROVIDER_TYPE).alias(v.PROV_TYPE),
        pl.col(c.LICENSED_STATES)
        .str.to_uppercase()
        .str.extract_all(r"[A-Z]{2}")
        .alias(v.PROV_LICENSED_STATES),
        pl.lit(True).alias(v.PROV_LISTED),
    )
    return lf.join(roster, on=c.RENDERING_NPI, how="left").with_columns(
        v.prov_listed.fill_null(False)
    )


def _beside(
    df: pl.DataFrame,
    columns: Sequence[str],
    add: Callable[[pl.LazyFrame], pl.LazyFrame],
    name: str,
) -> pl.DataFrame:
    """``add(df)`` computed on the few ``columns`` it reads and set beside ``df``.

    ``add`` joins a lookup to the lines and appends its columns: run on the whole frame, every
    join would copy each of the lines' columns; run on ``columns`` (which hold ``_row``), only
    the new ones are made. Where ``add`` changed the rows (a lookup that repeats a line), it runs
    on the whole frame as before."""
    with tm.timed(f"annotate {name}"):
        added = add(df.lazy().select(columns)).collect(engine=IN_MEMORY)
    if added.height == df.height and not added.get_column(ROW).equals(df.get_column(ROW)):
        added = added.sort(ROW)
    if added.height != df.height or not added.get_column(ROW).equals(df.get_column(ROW)):
        return add(df.lazy()).collect(engine=IN_MEMORY)
    return df.hstack(added.select(n for n in added.columns if n not in columns))


def annotate(inputs: Inputs, *, extra_list: pl.DataFrame | None = None) -> pl.LazyFrame:
    """The claim lines with every derived column the rules read, in input order (``_row``)."""
    with tm.timed("annotate policies"):
        df = inputs.lines.collect(engine=IN_MEMORY)
    df = _beside(df, [ROW, c.HCPCS_CODE, DOS], _code_attributes, "codes")
    df = _beside(df, [ROW, c.PLACE_OF_SERVICE_CODE, DOS], _pos_attributes, "place of service")
    df = _beside(
        df,
        [ROW, c.HCPCS_CODE, DOS, v.CODE_KNOWN],
        lambda lf: _telehealth_list(lf, extra_list),
        "telehealth list",
    )
    df = _beside(
        df,
        [ROW, c.ENCOUNTER_ID, c.PERSON_ID, c.RENDERING_NPI, DOS],
        lambda lf: _encounters(lf, inputs.encounters),
        "encounters",
    )
    df = _beside(
        df, [ROW, c.RENDERING_NPI], lambda lf: _providers(lf, inputs.providers), "providers"
    )
    df = _beside(
        df,
        [ROW, c.CLAIM_ID, c.CLAIM_FREQUENCY_CODE, c.ORIGINAL_CLAIM_ID],
        superseded,
        "superseded",
    )
    lf = df.lazy()

    code = pl.col(c.HCPCS_CODE)
    is_cpt_tm = code.is_in(CPT_TELEMEDICINE)
    lf = lf.with_columns(
        *_modifier_flags(df),
        pl.col(c.PLACE_OF_SERVICE_CODE).is_in(["02", "10"]).alias(v.POS_TELEHEALTH),
        v.code_ctbs.fill_null(False).alias(v.IS_CTBS),
        (code == "Q3014").alias(v.IS_Q3014),
        is_cpt_tm.alias(v.IS_CPT_TELEMEDICINE),
        (
            v.code_office_em.fill_null(False)
            & (~is_cpt_tm | (pl.col(DOS) >= CPT_TELEMEDICINE_START))
        ).alias(v.IS_OFFICE_EM),
        v.code_audio_only_by_descriptor.fill_null(False).alias(v.AUDIO_ONLY_BY_DESCRIPTOR),
        (pl.col(c.PAYER_TYPE) == "medicare").alias(v.IS_MEDICARE),
        pl.col(c.PAYER_TYPE).is_in(["medicare", "medicare_advantage"]).alias(v.IS_MEDICARE_OR_MA),
        (pl.col(c.PAYER_TYPE) == "self_pay").alias(v.IS_SELF_PAY),
        (
            (pl.col(c.PAYER_TYPE) == "medicare_advantage")
            & (v.policy_ffs_telehealth_rules.fill_null("warning") != "error")
        ).alias(v.MA_FFS_WARNING),
        v.enc_mdm_level.replace_strict(MDM_RANK, default=None, return_dtype=pl.Int8).alias(
            v.ENC_MDM_RANK
        ),
        pl.lit(inputs.encounters is not None).alias(v.ENCOUNTERS_GIVEN),
    )
    raw_indicator = v.pos_telehealth | pl.any_horizontal(
        [pl.col(f"has_mod_{m}") for m in TELEHEALTH_MODIFIERS]
    )
    not_ctbs_q = ~v.is_ctbs & ~v.is_q3014
    in_person_enc = (v.enc_found & (v.enc_modality == "in_person")).fill_null(False)
    lf = (
        lf.with_columns(
            raw_indicator.alias(v.TELEHEALTH_INDICATOR_RAW),
            (raw_indicator & not_ctbs_q & in_person_enc).alias(v.INDICATOR_ON_IN_PERSON_ENCOUNTER),
        )
        .with_columns(
            # DESIGN §5: a line with an indicator on an in_person encounter has, for every rule but
            # PS003, no telehealth indicator and is not a telehealth line.
            (v.telehealth_indicator_raw & ~v.indicator_on_in_person_encounter).alias(
                v.TELEHEALTH_INDICATOR
            ),
        )
        .with_columns(
            (v.telehealth_indicator & not_ctbs_q).alias(v.TELEHEALTH_LINE),
            (v.enc_found & v.enc_modality.is_in(TELEHEALTH_ENCOUNTER_MODALITIES)).alias(
                v.TELEHEALTH_ENCOUNTER
            ),
        )
        .with_columns(
            (v.telehealth_line & (v.enc_modality == "audio_only"))
            .fill_null(False)
            .alias(v.AUDIO_ONLY_LINE),
            (v.telehealth_line & (v.enc_modality == "audio_video"))
            .fill_null(False)
            .alias(v.AUDIO_VIDEO_LINE),
        )
    )
    return lf


def annotate_lines(
    claims: pl.DataFrame, encounters: pl.DataFrame | None, policies: Policies
) -> pl.LazyFrame:
    """``annotate`` for claim lines and (optionally) encounters alone, as the metrics and the
    integrity measures read them: no coverage, no providers, the lines' own columns."""
    return annotate(
        prepare(
            claims,
            encounters=encounters,
            coverage=None,
            providers=None,
            policies=policies,
            claim_columns=frozenset(claims.columns),  # read by no annotation
        )
    )
