"""837P frames: batches of parsed claims and lines → typed claims and claim lines.

The parser (``telekit.x12._837p``) hands over its claims and their lines as raw text, a batch at a
time and always whole claims (a batch ends after a CLM's last line). Each batch is coerced on its
own by the CSV reader's ``build_table`` (so coercion and rejects are the reader's; ``row_number`` is
the SV1's segment ordinal), and only the typed result is kept: memory follows the batch, not the
file. The claims' duplicate key (``claim_id`` + ``claim_line_number``) spans batches: the keys of
the lines kept are held (small beside the lines) and, at the end, a line whose key an earlier batch
already had is a duplicate reject worded as ``build_table`` words one, naming the first row seen in
the whole file. One batch or many, the result is the same: data, rejects, issues, accounting.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from telekit._core._columns import (
    BILLING_NPI,
    CHARGE_AMOUNT,
    CLAIM_FREQUENCY_CODE,
    CLAIM_ID,
    CLAIM_LINE_NUMBER,
    CLAIM_LINE_START_DATE,
    CLAIM_SUBMITTED_DATE,
    CLAIMS,
    DIAGNOSES,
    DIAGNOSES_DELIMITED,
    ENCOUNTER_ID,
    HCPCS_CODE,
    LINE_CONTROL_NUMBER,
    MEMBER_ID,
    MODIFIERS,
    MONEY,
    ORIGINAL_CLAIM_ID,
    ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER,
    PAYER,
    PAYER_TYPE,
    PERSON_ID,
    PLACE_OF_SERVICE_CODE,
    RECORD_KEY,
    REJECTS_SCHEMA,
    RENDERING_NPI,
    SERVICE_UNIT_QUANTITY,
    Column,
)
from telekit._core._table import record_key
from telekit._io import _coerce
from telekit._io._build import build_table, resolve_map
from telekit._io._source import RawSource
from telekit.x12._envelope import Envelope

__all__ = ["CLAIMS_SCHEMA", "CLAIM_FIELDS", "LINE_FIELDS", "Batches", "raw_dtype"]

TOTAL_CHARGE_AMOUNT = "total_charge_amount"
LINE_COUNT = "line_count"
SEGMENT_NUMBER = "segment_number"
FILING_INDICATOR_CODE = "claim_filing_indicator_code"
PAYER_RESPONSIBILITY_CODE = "payer_responsibility_code"
INTERCHANGE_CONTROL_NUMBER = "interchange_control_number"
GROUP_CONTROL_NUMBER = "group_control_number"
TRANSACTION_CONTROL_NUMBER = "transaction_control_number"

CLAIMS_SCHEMA = pl.Schema(
    {
        CLAIM_ID: pl.String(),
        PERSON_ID: pl.String(),
        MEMBER_ID: pl.String(),
        PAYER: pl.String(),
        PAYER_TYPE: pl.String(),
        FILING_INDICATOR_CODE: pl.String(),
        PAYER_RESPONSIBILITY_CODE: pl.String(),
        CLAIM_FREQUENCY_CODE: pl.String(),
        ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER: pl.String(),
        BILLING_NPI: pl.String(),
        RENDERING_NPI: pl.String(),
        PLACE_OF_SERVICE_CODE: pl.String(),
        CLAIM_SUBMITTED_DATE: pl.Date(),
        TOTAL_CHARGE_AMOUNT: MONEY,
        DIAGNOSES_DELIMITED: pl.List(pl.String()),
        LINE_COUNT: pl.Int32(),
        SEGMENT_NUMBER: pl.Int64(),
        INTERCHANGE_CONTROL_NUMBER: pl.String(),
        GROUP_CONTROL_NUMBER: pl.String(),
        TRANSACTION_CONTROL_NUMBER: pl.String(),
    }
)
"""The claim level of an 837P: one row per CLM, in file order."""

PAYER_TYPE_BY_SBR09 = {"MB": "medicare", "MA": "medicare", "16": "medicare_advantage"}
PAYER_TYPE_BY_SBR09 |= {"MC": "medicaid", "ZZ": "other"}

# raw text of a line, in the order a line tuple holds it; claim-level values are joined on in
# polars through the CLM's segment ordinal (``_SEQ``)
LINE_FIELDS: tuple[str, ...] = (
    SEQ := "__clm_row",  # the CLM's segment ordinal: which claim a line belongs to
    ROW := "__row",  # the SV1's segment ordinal: the line's row_number
    CLAIM_LINE_NUMBER,
    "__line_rendering",
    CLAIM_LINE_START_DATE,
    "__line_pos",
    HCPCS_CODE,
    *MODIFIERS,
    SERVICE_UNIT_QUANTITY,
    CHARGE_AMOUNT,
    "__pointers",
    LINE_CONTROL_NUMBER,
)
DX = "__dx"
DX_JOIN = "\x1f"  # joins a claim's diagnosis codes until polars splits them
# raw claim fields, in the order a claim tuple holds them
CLAIM_FIELDS: tuple[str, ...] = (
    SEGMENT_NUMBER,
    LINE_COUNT,
    CLAIM_ID,
    PERSON_ID,
    MEMBER_ID,
    PAYER,
    FILING_INDICATOR_CODE,
    PAYER_RESPONSIBILITY_CODE,
    CLAIM_FREQUENCY_CODE,
    ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER,
    BILLING_NPI,
    RENDERING_NPI,
    PLACE_OF_SERVICE_CODE,
    CLAIM_SUBMITTED_DATE,
    TOTAL_CHARGE_AMOUNT,
    INTERCHANGE_CONTROL_NUMBER,
    GROUP_CONTROL_NUMBER,
    TRANSACTION_CONTROL_NUMBER,
    DX,
)
_INTS = {SEQ, ROW, SEGMENT_NUMBER, LINE_COUNT}


def raw_dtype(name: str) -> pl.DataType:
    if name in _INTS:
        return pl.Int64()
    return pl.String()


def _payer_type(sbr09: pl.Expr) -> pl.Expr:
    code = sbr09.str.strip_chars().str.to_uppercase()
    return code.replace_strict(PAYER_TYPE_BY_SBR09, default="commercial", return_dtype=pl.String)


def _given(name: str) -> pl.Expr:
    text = pl.col(name)
    return pl.when(text.str.len_bytes() > 0).then(text)


def _line_texts(lines: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    """The raw text of every ``CLAIMS`` column the 837P gives, one row per line: the line's own
    values, its claim's joined on, POS and rendering NPI falling back to the claim's, and the
    diagnoses ordered by the line's SV107 pointers first."""
    claim_part = claims.select(
        pl.col(SEGMENT_NUMBER).alias(SEQ),
        CLAIM_ID,
        PERSON_ID,
        MEMBER_ID,
        PAYER,
        _payer_type(pl.col(FILING_INDICATOR_CODE)).alias(PAYER_TYPE),
        CLAIM_FREQUENCY_CODE,
        ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER,
        pl.col(RENDERING_NPI).alias("__claim_rendering"),  # 2310B, else 2010AA
        BILLING_NPI,
        pl.col(PLACE_OF_SERVICE_CODE).alias("__claim_pos"),
        CLAIM_SUBMITTED_DATE,
        DX,
    )
    claim_part = claim_part.with_columns(_dx_list()).with_columns(
        pl.col(DX).list.unique(maintain_order=True).alias("__dx_unique")
    )
    joined = lines.join(claim_part, on=SEQ, how="left", maintain_order="left")
    # pointers "", "1", "1,2"... (nearly every line) put the claim's codes first in their own
    # order: the ordered list is the claim's distinct codes, taken once per claim
    plain = joined.get_column("__pointers").is_in(_PLAIN_POINTERS).fill_null(False)
    if plain.all():
        ordered = pl.col("__dx_unique")
    else:  # other pointers: the whole list ordered on every line (the same on the plain ones)
        ordered = pl.when(plain).then("__dx_unique").otherwise(_ordered_dx())
    joined = joined.with_columns(ordered.alias(DX))
    derived = {
        RENDERING_NPI: pl.coalesce(_given("__line_rendering"), _given("__claim_rendering")),
        PLACE_OF_SERVICE_CODE: pl.coalesce(_given("__line_pos"), _given("__claim_pos")),
        **{d: pl.col(DX).list.get(i, null_on_oob=True) for i, d in enumerate(DIAGNOSES)},
    }
    absent = (ORIGINAL_CLAIM_ID, ENCOUNTER_ID)
    return joined.select(
        *(derived.get(c, pl.col(c)).alias(c) for c in CLAIMS.names if c not in absent), ROW
    )


_PLAIN_POINTERS = ["", *(",".join(str(i) for i in range(1, n + 1)) for n in range(1, 13))]


def _ordered_dx() -> pl.Expr:
    """The claim's codes (``DX``) with the ones the line's SV107 pointers name first, each once."""
    pointers = (
        pl.col("__pointers")
        .str.extract_all("[0-9]+")
        .cast(pl.List(pl.Int64))
        .list.eval(pl.element() - 1)
    )
    return (
        pl.concat_list(pl.col(DX).list.gather(pointers, null_on_oob=True), pl.col(DX))
        .list.drop_nulls()
        .list.unique(maintain_order=True)
    )


def _dx_list() -> pl.Expr:
    """The claim's diagnosis codes (HI order), kept as one text joined by ``DX_JOIN``."""
    text = pl.col(DX)
    empty = pl.lit([], pl.List(pl.String()))
    return pl.when(text.str.len_bytes() > 0).then(text.str.split(DX_JOIN)).otherwise(empty)


# read on their distinct cells before ``build_table`` (a file repeats a few hundred dates and
# amounts over its lines; ``build_table`` would try every date format on every cell)
_PRETYPED = (
    CLAIM_LINE_NUMBER,
    CLAIM_LINE_START_DATE,
    CLAIM_SUBMITTED_DATE,
    SERVICE_UNIT_QUANTITY,
    CHARGE_AMOUNT,
)


def _on_cells(text: pl.Series, *steps: pl.Expr) -> tuple[pl.LazyFrame, pl.Series]:
    """A lazy query computing ``steps`` (expressions of ``pl.col("__cell")`` and of the steps
    before) once per distinct cell of ``text`` (lazy: shared sub-expressions computed once, an
    eager select repeats them), and where each row's cell is in its result (a null cell last)."""
    cells = text.drop_nulls().unique()
    frame = pl.concat([cells, pl.Series([None], dtype=pl.String)]).to_frame("__cell").lazy()
    for step in steps:
        frame = frame.with_columns(step)
    at = text.cast(pl.Enum(cells)).to_physical().fill_null(cells.len())
    return frame, at


def _read_cells(text: pl.Series, steps: tuple[pl.Expr, ...]) -> pl.Series:
    """``text`` read by ``steps`` (``_MONEY`` or ``_DATE``), distinct cell by distinct cell."""
    query, at = _on_cells(text, *steps)
    return query.collect().get_column("__v").gather(at).alias(text.name)


def _read_steps(parse: Callable[[pl.Expr], pl.Expr]) -> tuple[pl.Expr, ...]:
    """The steps reading a cell (``__cell``) as ``parse`` reads its ``prepare_text``."""
    return (
        _coerce.prepare_text(pl.col("__cell")).alias("__t"),
        parse(pl.col("__t")).alias("__v"),
    )


# built once (the expressions do not depend on the data: building them costs about as much as
# running them on a batch's few hundred distinct cells)
_MONEY = _read_steps(lambda t: _coerce.parse_decimal(t, scale=2, dtype=MONEY))
_DATE = _read_steps(_coerce.parse_date)


def _read_money(text: pl.Series) -> pl.Series:
    """``text`` read as an amount (``MONEY``) as the CSV reader reads one."""
    return _read_cells(text, _MONEY)


def _pretype_steps(name: str) -> tuple[pl.Expr, ...]:
    """How ``_pretyped`` reads a cell of column ``name``: its text, value and reason."""
    column = CLAIMS.column(name)
    t, v = pl.col("__t"), pl.col("__v")
    return (
        _coerce.prepare_text(pl.col("__cell"), None, column.default).alias("__t"),
        _coerce.parse(column, t).alias("__v"),
        _coerce.reason(column, t, v, None).alias("__r"),
    )


_PRETYPE_STEPS = {name: _pretype_steps(name) for name in _PRETYPED}


def _pretyped(texts: pl.DataFrame) -> list[pl.Series]:
    """The ``_PRETYPED`` columns of ``texts`` already in their canonical dtype, each read on its
    distinct cells by the CSV reader's own expressions; a column any of whose cells would be
    a reject stays text (``build_table`` then words the reject). Kept typed, ``build_table``
    takes a column as is (its default filling nulls) and gives the same values and reasons:
    every cell reads, so only a missing required value or an implausible date could be a
    reason, and those are found on the distinct cells too. The columns' queries are collected
    together (polars runs them side by side)."""
    queries, where = [], []
    for name in _PRETYPED:
        query, at = _on_cells(texts.get_column(name), *_PRETYPE_STEPS[name])
        queries.append(query)
        where.append(at)
    typed: list[pl.Series] = []
    for name, values, at in zip(_PRETYPED, pl.collect_all(queries), where, strict=True):
        if values.get_column("__r").gather(at).is_not_null().any():
            continue
        typed.append(values.get_column("__v").gather(at).alias(name))
    return typed


def _clean_steps(name: str) -> tuple[pl.Expr, pl.Expr | None, pl.Expr]:
    """For the text column ``name`` of ``CLAIMS``: its empty cells as null, the cells its clean
    check reads (``None``: not a kind it checks) and whether those read as themselves."""
    column, text = CLAIMS.column(name), pl.col(name)
    check = _coerce.clean_check(column, text)
    return (
        pl.when(text.str.len_bytes() > 0).then(text),
        None if check is None else check.alias(name),
        _coerce.read_as_themselves(column, text.explode()),
    )


def _data_column(column: Column, given: bool) -> pl.Expr:
    """``column`` of the typed lines from its ``given`` cells (null when not ``given``)."""
    if not given:
        return pl.lit(None, column.dtype).alias(column.name)
    value = pl.col(column.name)
    if column.default is not None:
        value = value.fill_null(pl.lit(column.default).cast(column.dtype))
    return value.cast(column.dtype).alias(column.name)


# built once (they do not depend on the data)
_CLEAN_STEPS = {c.name: _clean_steps(c.name) for c in CLAIMS.columns if c.dtype == pl.String()}
_DATA_COLUMNS = {
    (c.name, given): _data_column(c, given) for c in CLAIMS.columns for given in (False, True)
}


def _clean_build(texts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """(data, rejects) as ``build_table`` makes them from ``texts`` when no line can be a
    reject, else ``None`` (``build_table`` reads it). ``texts`` holds ``_PRETYPED`` typed: it
    qualifies when every text column, its empty cells made null, reads as itself
    (``build_table``'s own clean check: its value is the text as it is), no required column is
    missing and no key repeats; ``build_table`` then has no reason to give, and reads each text
    column either as it is or through ``prepare_text`` and ``parse``, which the clean check
    found give the same values (an empty cell null either way)."""
    # an empty cell is what ``build_table`` reads as null (``prepare_text``: a column holding
    # one is not clean, so its text is read): null here, so the column can be found clean
    text = [n for n in texts.columns if n in _CLEAN_STEPS]
    texts = texts.with_columns(_CLEAN_STEPS[n][0] for n in text)
    checks: list[pl.Expr] = []
    for name in text:
        check = _CLEAN_STEPS[name][1]
        if check is None:
            return None
        checks.append(check)
    required = [c.name for c in CLAIMS.columns if c.required and c.name in texts.columns]
    row = (
        texts.lazy()
        .select(
            *checks,
            pl.sum_horizontal(pl.col(required).null_count()).alias("__missing"),
            pl.struct(CLAIMS.key).is_duplicated().any().alias("__repeated"),
        )
        .collect()
    )
    if row.item(0, "__missing") or row.item(0, "__repeated"):
        return None
    # a column with no cell to check reads as itself (most of them: identifiers, unused codes)
    cells = row.select(text).row(0)
    to_check = [name for name, given in zip(text, cells, strict=True) if given]
    verdicts = row.select(_CLEAN_STEPS[name][2] for name in to_check)
    if to_check and not all(verdicts.row(0)):
        return None
    given = set(texts.columns)
    data = texts.select(_DATA_COLUMNS[c.name, c.name in given] for c in CLAIMS.columns)
    return data, pl.DataFrame(schema=REJECTS_SCHEMA)


def _claims_frame(raw: pl.DataFrame, env: Envelope, *, whole: bool = True) -> pl.DataFrame:
    """The typed claim level (``CLAIMS_SCHEMA``); CLM02 that is not an amount is a warning.
    ``whole=False``: only ``SEGMENT_NUMBER`` and ``TOTAL_CHARGE_AMOUNT`` (all the totals check
    needs, when the claim level is not kept)."""
    money = _read_money(raw.get_column(TOTAL_CHARGE_AMOUNT)).alias("__money")
    if whole:
        out = raw.with_columns(
            _payer_type(pl.col(FILING_INDICATOR_CODE)).alias(PAYER_TYPE),
            _read_cells(raw.get_column(CLAIM_SUBMITTED_DATE), _DATE).alias("__date"),
            money,
        )
    else:
        out = raw.select(SEGMENT_NUMBER, TOTAL_CHARGE_AMOUNT).with_columns(money)
    unreadable = pl.col(TOTAL_CHARGE_AMOUNT).str.strip_chars().str.len_bytes().gt(0)
    for ordinal in out.filter(unreadable & pl.col("__money").is_null())[SEGMENT_NUMBER]:
        env.issue(
            ordinal,
            "CLM",
            "warning",
            "CLM02 (element 2) is not an amount; the claim's total charge is left empty.",
        )
    if not whole:
        return out.select(SEGMENT_NUMBER, pl.col("__money").alias(TOTAL_CHARGE_AMOUNT))
    columns: list[pl.Expr] = []
    for n, dtype in CLAIMS_SCHEMA.items():
        if n == TOTAL_CHARGE_AMOUNT:
            columns.append(pl.col("__money").alias(n))
        elif n == CLAIM_SUBMITTED_DATE:
            columns.append(pl.col("__date").alias(n))
        elif n == DIAGNOSES_DELIMITED:
            columns.append(_dx_list().alias(n))
        elif dtype == pl.String():
            text = pl.col(n).str.strip_chars()
            columns.append(pl.when(text.str.len_bytes() > 0).then(text).alias(n))
        else:
            columns.append(pl.col(n).cast(dtype))
    return out.select(columns)


def _check_totals(
    lines: pl.DataFrame, claims: pl.DataFrame, env: Envelope, charges: pl.Series | None
) -> None:
    """CLM02 should equal the sum of its lines' SV102: a difference is a warning (claims with
    an unreadable SV102 or CLM02 are not compared). ``charges``: the lines' SV102 already read
    as amounts (``_pretyped``), else ``None`` (read here)."""
    if claims.is_empty():
        return
    money = _read_money(lines.get_column(CHARGE_AMOUNT)) if charges is None else charges
    sums = (
        lines.select(pl.col(SEQ).alias(SEGMENT_NUMBER), money.alias("__charge"))
        .group_by(SEGMENT_NUMBER)
        .agg(
            pl.col("__charge").sum().alias("__sum"), pl.col("__charge").null_count().alias("__bad")
        )
    )
    checked = (
        claims.select(SEGMENT_NUMBER, TOTAL_CHARGE_AMOUNT)
        .join(sums, on=SEGMENT_NUMBER, how="inner")
        .filter(
            (pl.col("__bad") == 0)
            & pl.col(TOTAL_CHARGE_AMOUNT).is_not_null()
            & (pl.col("__sum") != pl.col(TOTAL_CHARGE_AMOUNT))
        )
        .sort(SEGMENT_NUMBER)
    )
    for ordinal in checked[SEGMENT_NUMBER]:
        env.issue(
            ordinal,
            "CLM",
            "warning",
            "CLM02 (element 2) does not equal the sum of its lines' SV102 (element 2).",
        )


def raw_frame(rows: list[tuple[object, ...]], names: tuple[str, ...]) -> pl.DataFrame:
    """Tuples of raw values (``LINE_FIELDS`` or ``CLAIM_FIELDS`` order) as a frame."""
    if not rows:
        return pl.DataFrame(schema={n: raw_dtype(n) for n in names})
    columns = zip(*rows, strict=True)
    return pl.DataFrame(
        [pl.Series(n, col, dtype=raw_dtype(n)) for n, col in zip(names, columns, strict=True)]
    )


_KEY_VALUES = ("__key_claim", "__key_line")  # the coerced duplicate key of a line kept
_KEY_TEXT = "__key_text"  # its claim_id as given: the value a duplicate reject shows
_FIRST = "__first_row"


class Batches:
    """The typed claims, claim lines and rejects of the batches read so far, with the keys of
    the lines kept (for duplicates across batches)."""

    def __init__(self, name: str, path: str, env: Envelope, *, keep_claims: bool = True) -> None:
        self.name = name
        self.keep_claims = keep_claims  # False: the claim level is checked, then dropped
        self.path = path
        self.env = env
        self.entries = resolve_map(CLAIMS, None, None, None, None)
        self.claims: list[pl.DataFrame] = []
        self.lines: list[pl.DataFrame] = []
        self.keys: list[pl.DataFrame] = []  # per batch, aligned with its lines
        self.rejects: list[pl.DataFrame] = []
        self.rows_in = 0
        self.files = [name]  # a folder of 837s: the files read so far, in order

    def start_file(self, name: str, path: str, env: Envelope) -> None:
        """The next file of a folder: its lines share the duplicate check with the earlier ones."""
        self.name, self.path, self.env = name, path, env
        self.files.append(name)

    def add(self, raw_lines: pl.DataFrame, raw_claims: pl.DataFrame) -> None:
        """Coerce one batch of whole claims (``raw_frame``s) and keep the typed result."""
        texts = _line_texts(raw_lines, raw_claims)
        typed = _pretyped(texts)
        texts = texts.with_columns(typed)
        built = None
        if len(typed) == len(_PRETYPED) and not (self.entries.values or self.entries.options):
            built = _clean_build(texts)
        if built is None:
            names = [c for c in texts.columns if c != ROW]
            raw = RawSource(
                name=self.name,
                path=self.path,
                headers=tuple(names),
                frame=texts.select(
                    *(pl.col(c).alias(f"c{i}") for i, c in enumerate(names)),
                    pl.col(ROW).alias(ROW),
                ),
            )
            table = build_table(CLAIMS, raw, self.entries)
            built = table.data, table.rejects
        data, rejects = built
        claims = _claims_frame(raw_claims, self.env, whole=self.keep_claims)
        # the charges read by _pretyped are the lines' SV102 read as _read_money reads them
        # (the CSV reader's money, no default), in the lines' order
        charges = next((c for c in typed if c.name == CHARGE_AMOUNT), None)
        _check_totals(raw_lines, claims, self.env, charges)
        # the lines kept are the batch's rows less its rejects, in row order
        kept = texts.select(ROW, pl.col(CLAIM_ID).alias(_KEY_TEXT)).filter(
            pl.col(ROW).is_in(rejects.get_column("row_number").implode()).not_()
        )
        key_claim = data.get_column(CLAIM_ID).alias(_KEY_VALUES[0])
        at = pl.col(ROW) + ((len(self.files) - 1) << _FILE_SHIFT)  # the file and the row
        keys = kept.with_columns(
            at, key_claim, data.get_column(CLAIM_LINE_NUMBER).alias(_KEY_VALUES[1])
        ).select(
            ROW,
            # the text as given only where it is not the coerced key (saves memory on big files)
            pl.when(pl.col(_KEY_TEXT) != pl.col(_KEY_VALUES[0]))
            .then(pl.col(_KEY_TEXT))
            .alias(_KEY_TEXT),
            *_KEY_VALUES,
        )
        self.claims.append(claims if self.keep_claims else pl.DataFrame(schema=CLAIMS_SCHEMA))
        self.lines.append(data)
        self.keys.append(keys)
        self.rejects.append(rejects)
        self.rows_in += texts.height

    def finish(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, int]:
        """(claims, claim lines, rejects sorted by row, lines read) of the whole file."""
        if not self.lines:
            self.add(
                raw_frame([], LINE_FIELDS),
                raw_frame([], CLAIM_FIELDS),
            )
        rejects = pl.concat(self.rejects)
        lines = self.lines
        repeated = _repeated_keys(self.keys)
        if repeated.height:
            rows = repeated.get_column(ROW).implode()
            lines = [
                frame.filter(keys.get_column(ROW).is_in(rows).not_())
                for frame, keys in zip(lines, self.keys, strict=True)
            ]
            rejects = pl.concat(
                [_renumber(rejects, repeated, self.files), self._duplicates(repeated)]
            )
            rejects = rejects.sort(
                pl.col("source_file").replace_strict(
                    self.files, range(len(self.files)), return_dtype=pl.Int64
                ),
                "row_number",
                maintain_order=True,
            )
        self.keys.clear()
        claims = pl.concat(self.claims) if len(self.claims) > 1 else self.claims[0]
        data = pl.concat(lines) if len(lines) > 1 else lines[0]
        return claims, data, rejects, self.rows_in

    def _duplicates(self, repeated: pl.DataFrame) -> pl.DataFrame:
        """Lines whose key an earlier batch had, as ``build_table`` rejects a duplicate."""
        return repeated.select(
            pl.lit(CLAIMS.name).alias("table"),
            _file_name(pl.col(ROW), self.files).alias("source_file"),
            (pl.col(ROW) % (1 << _FILE_SHIFT)).cast(pl.Int64).alias("row_number"),
            record_key([pl.col(k) for k in _KEY_VALUES]).alias(RECORD_KEY),
            pl.lit(CLAIMS.key[0]).alias("column"),
            pl.col(_KEY_TEXT).alias("value"),
            _reason(pl.col(_FIRST), pl.col(ROW), self.files).alias("reason"),
        ).cast(REJECTS_SCHEMA)


_FILE_SHIFT = 40  # a key's ROW is its file's index << 40 plus its segment ordinal


def _file_name(at: pl.Expr, files: list[str]) -> pl.Expr:
    index = at // (1 << _FILE_SHIFT)
    return index.replace_strict(range(len(files)), files, return_dtype=pl.String)


def _reason(first: pl.Expr, at: pl.Expr, files: list[str]) -> pl.Expr:
    """The duplicate reason naming ``first`` (its file too when it is not ``at``'s)."""
    row = first % (1 << _FILE_SHIFT)
    same = (first // (1 << _FILE_SHIFT)) == (at // (1 << _FILE_SHIFT))
    other = pl.format(_DUPLICATE + " of {}", row, _file_name(first, files))
    return pl.when(same).then(pl.format(_DUPLICATE, row)).otherwise(other)


_DUPLICATE = f"duplicate key ({', '.join(CLAIMS.key)}); first seen at row {{}}"
_DUPLICATE_ROW = _DUPLICATE.replace("(", r"\(").replace(")", r"\)").replace("{}", "([0-9]+)$")


def _repeated_keys(keys: list[pl.DataFrame]) -> pl.DataFrame:
    """The lines kept whose complete key a line of an earlier batch had: ``ROW``, the key's
    text and ``_FIRST``, the first row with that key in the file."""
    if len(keys) < 2:
        return pl.DataFrame(
            schema={ROW: pl.Int64, _KEY_TEXT: pl.String, _FIRST: pl.Int64}
            | {_KEY_VALUES[0]: pl.String, _KEY_VALUES[1]: pl.Int32}
        )
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in _KEY_VALUES])
    # a 64-bit hash of each complete key first (16 bytes a line), then the exact comparison
    # on the few lines whose hash repeats: a file of unique claims never builds the key table
    hashed = pl.concat(
        [
            frame.lazy()
            .filter(complete)
            .select(ROW, pl.struct(*_KEY_VALUES).hash().alias("__hash"))
            for frame in keys
        ]
    )
    candidates = hashed.filter(pl.col("__hash").is_duplicated()).select(ROW).collect()
    rows = candidates.get_column(ROW).implode()
    every = pl.concat([frame.filter(pl.col(ROW).is_in(rows)) for frame in keys])
    first = pl.col(ROW).min().over(list(_KEY_VALUES))
    return (
        every.with_columns(first.alias(_FIRST))
        .filter(pl.col(ROW) != pl.col(_FIRST))
        .select(ROW, pl.coalesce(_KEY_TEXT, _KEY_VALUES[0]).alias(_KEY_TEXT), _FIRST, *_KEY_VALUES)
    )


def _renumber(rejects: pl.DataFrame, repeated: pl.DataFrame, files: list[str]) -> pl.DataFrame:
    """A batch's duplicate reject names the first row seen in its batch; when that row repeats
    a key of an earlier batch, name the earlier row."""
    seen = pl.col("reason").str.extract(_DUPLICATE_ROW, 1).cast(pl.Int64, strict=False)
    index = pl.col("source_file").replace_strict(
        files, range(len(files)), default=None, return_dtype=pl.Int64
    )
    moved = repeated.select(pl.col(ROW).alias("__seen"), pl.col(_FIRST).alias("__to"))
    out = rejects.with_columns((seen + index * (1 << _FILE_SHIFT)).alias("__seen")).join(
        moved, on="__seen", how="left", maintain_order="left"
    )
    reason = pl.when(pl.col("__to").is_not_null()).then(
        _reason(pl.col("__to"), pl.col("__seen"), files)
    )
    return out.select(
        *(
            reason.otherwise(pl.col(c)).alias(c) if c == "reason" else pl.col(c)
            for c in rejects.columns
        )
    )
