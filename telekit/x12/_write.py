"""Writers: canonical frames -> 5010 X12 files (837P claims, 835 remittances, 271 coverage).

``telekit sample`` writes its practice with these, so that the readers can be checked against
the CSV tables (a round trip). Every file is one interchange (``ISA``/``IEA``) holding one
functional group (``GS``/``GE``) of several transaction sets (``ST``/``SE``), with counts and
control numbers that agree::

    ISA*00*          *00*          *ZZ*TELEKIT        *ZZ*RECEIVER       *240131*1200*^*00501*
        000000001*0*P*:~                      (one line in the file)
    GS*HC*TELEKIT*RECEIVER*20240131*1200*1*X*005010X222A1~
    ST*837*0001*005010X222A1~ ... SE*42*0001~
    GE*1*1~
    IEA*1*000000001~

Output is deterministic: control numbers count from ``control_number`` (ISA13 and GS06) and
from 1 (ST02); dates come from the data (837P: the submission date; 835: the payment date;
271: the latest coverage date, or ``created``), never from the clock; times are ``1200``.
Segments end with ``~`` and a line break. Element values lose the delimiters ``* ~ : ^`` and
line breaks. Names, addresses and birth dates are synthetic constants (``NM1*IL*1*PATIENT*
SYNTHETIC``, ``DMG*D8*19000101*U``): no person's name, address or birth date is ever written.

**837P** (005010X222A1): one ``ST`` per claim_submitted_date (BHT04), in it one 2000A billing
provider ``HL`` per billing_npi (2010AA NM109) and one 2000B subscriber ``HL`` per claim::

    HL*2*1*22*0~ SBR*P*18*******MB~ NM1*IL*1*PATIENT*SYNTHETIC****MI*1EG4TE5MK72~
    NM1*PR*2*MEDICARE*****PI*MEDICARE~ CLM*C0000001*140***02:B:1*Y*A*Y*Y~ REF*F8*...~
    HI*ABK:I10*ABF:E119~ NM1*82*1*<roster name, else PROVIDER>*****XX*1234567893~
    LX*1~ SV1*HC:99213:95*140*UN*1***1:2~ DTP*472*D8*20240105~ REF*6R*C0000001L1~

- SBR09 from payer_type: medicare ``MB``, medicare_advantage ``16``, medicaid ``MC``,
  commercial ``CI``, other ``ZZ``. **self_pay claims are not written** (nothing is billed to a
  payer); ``write_837p`` returns the number of claims written.
- 2010BA NM109 = member_id (person_id when member_id is empty); 2010BB NM109 and NM103 = payer.
- CLM05-1 = the first line's POS; SV105 only on lines whose POS differs. CLM05-3 = frequency.
- REF*F8 = original_payer_claim_control_number (when given).
- HI = the claim's distinct diagnoses in line order, without the dot (``E11.9`` → ``E119``), at
  most 12; SV107 points at the line's own diagnoses (at most 4).
- 2310B = the first line's rendering NPI; 2420A on lines whose rendering NPI differs.
- Not carried by an 837P: person_id (the reader uses the member id), encounter_id and
  original_claim_id (resolved from REF*F8 through remittances).

**835** (005010X221A1; ST03 is not used): one ``ST`` per remit_id (BPR02 = Σ paid, BPR01 ``I``
and BPR04 ``CHK``, or ``H`` and ``NON`` when nothing is paid; BPR16 and DTM*405 = payment_date,
TRN02 = check_number, N1*PR N102 and N104 = payer), one ``CLP`` per remit_claim_seq
(CLP03/CLP04 = Σ line charge/paid, CLP05 = Σ PR adjustments, CLP06 from the payer's payer_type:
medicare ``MB``, medicare_advantage ``16``, medicaid ``MC``, else ``ZZ`` as the 835 list has no
``CI``; CLP07 = payer_claim_control_number), claim-level ``CAS``, ``DTM*232`` = the service
date of a claim without ``SVC``; one ``SVC`` per svc_seq (SVC06 only when the submitted
procedure differs), ``DTM*472``, line ``CAS`` (up to six
reason/amount/quantity triples per group code and segment), ``REF*6R``, ``AMT*B6``. The 835's
remit_id is ``ISA13-GS06-ST02`` and so differs from the frame's by design.

**271** (005010X279A1): one ``ST`` per payer (2100A NM109 = payer), one 2000C subscriber per
coverage row: ``NM1*IL`` (NM109 = member_id, else person_id), ``DTP*356`` start and
``DTP*357`` end, ``EB*1**30*<EB04>*<plan_name>`` with EB04 from payer_type: medicare ``MB``,
medicare_advantage ``HN``, medicaid ``MC``, commercial ``C1``, other ``OT``, self_pay ``PP``.
telehealth_covered is not carried.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import polars as pl

from telekit._core import _columns as col

__all__ = [
    "CLAIM_FILING_CODES",
    "CLP06_CODES",
    "INSURANCE_TYPE_CODES",
    "write_271",
    "write_835",
    "write_837p",
]

CLAIM_FILING_CODES: dict[str, str] = {
    "medicare": "MB",
    "medicare_advantage": "16",
    "medicaid": "MC",
    "commercial": "CI",
    "other": "ZZ",
}
CLP06_CODES: dict[str, str] = {  # the 835 list has no CI: commercial and other are ZZ
    "medicare": "MB",
    "medicare_advantage": "16",
    "medicaid": "MC",
}
INSURANCE_TYPE_CODES: dict[str, str] = {
    "medicare": "MB",
    "medicare_advantage": "HN",
    "medicaid": "MC",
    "commercial": "C1",
    "other": "OT",
    "self_pay": "PP",
}
TERMINATOR = "~\n"
TIME = "1200"
SENDER = "TELEKIT"
PRACTICE = "SAMPLE PRACTICE"
BILLING_TIN = "000000000"
PAYEE_NPI = "1000000004"
_DELIMITERS = ("*", "~", ":", "^", "\r", "\n")
_KEYS = ("st", "a", "b", "c", "slot", "d")


class RemittanceFrames(Protocol):
    """What ``write_835`` needs: a ``Remittances`` (or any object with these two frames)."""

    @property
    def lines(self) -> pl.DataFrame: ...

    @property
    def adjustments(self) -> pl.DataFrame: ...


# --- element helpers ----------------------------------------------------------------------------


def _clean(expr: pl.Expr) -> pl.Expr:
    """Text without delimiters or line breaks, trimmed; empty is null."""
    return _trimmed(
        expr.cast(pl.String).str.replace_many(list(_DELIMITERS), [" "] * len(_DELIMITERS))
    )


def _trimmed(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def _text(name: str) -> pl.Expr:
    """A text column of a frame prepared by ``_with_columns`` (already cleaned)."""
    return pl.col(name)


def _date(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%Y%m%d")


def _number(expr: pl.Expr) -> pl.Expr:
    """A decimal as X12 writes it: ``140.00`` → ``140``, ``74.10`` → ``74.1``, ``-1.0`` → ``-1``.

    ``expr`` is a ``Decimal`` with a scale (its text always has a point, which protects the
    integer digits from the strip)."""
    trimmed = expr.cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".")
    return pl.when(trimmed == "-0").then(pl.lit("0")).otherwise(trimmed)


def _join(parts: list[pl.Expr], separator: str) -> pl.Expr:
    """Elements (or components) joined, trailing empty ones dropped."""
    joined = pl.concat_str([p.fill_null("") for p in parts], separator=separator)
    return joined.str.strip_chars_end(separator)


def _segment(*elements: pl.Expr | str) -> pl.Expr:
    """``ID*e1*e2...~`` from literal strings and expressions (null elements are empty)."""
    parts = [pl.lit(e) if isinstance(e, str) else e for e in elements]
    return pl.concat_str(_join(parts, "*"), pl.lit(TERMINATOR))


def _composite(*components: pl.Expr | str) -> pl.Expr:
    parts = [pl.lit(c) if isinstance(c, str) else c for c in components]
    return _join(parts, ":")


def _rows(
    frame: pl.DataFrame, segments: list[pl.Expr], keys: Mapping[str, pl.Expr | int]
) -> pl.DataFrame:
    """One row per row of ``frame``: the sort keys (``st``, ``a``, ``b``, ``c``, ``slot``,
    ``d``), its ``segments`` in order as one text (null ones left out) and their count ``n``."""
    exprs = [
        (v if isinstance(v, pl.Expr) else pl.lit(v)).cast(pl.Int64).alias(k)
        for k, v in ((k, keys.get(k, 0)) for k in _KEYS)
    ]
    return frame.select(
        *exprs,
        pl.concat_str(segments, ignore_nulls=True).alias("text"),
        pl.sum_horizontal([t.is_not_null() for t in segments]).cast(pl.Int64).alias("n"),
    ).filter(pl.col("n") > 0)


def _with_columns(frame: pl.DataFrame, spec: col.TableSpec) -> pl.DataFrame:
    """``frame`` with every column of ``spec`` (absent ones all-null) in the contract dtypes,
    its text cleaned of delimiters once (``_clean``)."""
    missing = [pl.lit(None, c.dtype).alias(c.name) for c in spec.columns if c.name not in frame]
    typed = frame.with_columns(missing).cast({c.name: c.dtype for c in spec.columns})
    texts = [c.name for c in spec.columns if c.dtype == pl.String()]
    dirty = typed.select(pl.col(c).str.contains_any(list(_DELIMITERS)).any() for c in texts)
    return typed.with_columns(
        _clean(pl.col(c)) if dirty.get_column(c).item() else _trimmed(pl.col(c)) for c in texts
    )


def _pad(value: str, width: int) -> str:
    return value[:width].ljust(width)


def _interchange(
    body: pl.DataFrame,
    *,
    functional_id: str,
    receiver: str,
    guide: str,
    when: dt.date,
    control_number: int,
    sender: str = SENDER,
) -> str:
    """ISA/GS, the transaction sets of ``body`` (rows ``st``, ``text``, in order), GE/IEA."""
    sets = (
        body.group_by("st", maintain_order=True)
        .agg(pl.col("text").str.join(""), pl.col("n").sum())
        .with_columns(pl.format("{}", pl.col("st")).str.zfill(4).alias("st02"))
        .select(
            pl.concat_str(
                pl.col("text"),
                pl.format("SE*{}*{}", pl.col("n") + 1, pl.col("st02")),
                pl.lit(TERMINATOR),
            )
        )
        .to_series()
    )
    isa13 = f"{control_number:09d}"
    isa = "*".join(
        [
            "ISA", "00", " " * 10, "00", " " * 10, "ZZ", _pad(sender, 15), "ZZ",
            _pad(receiver, 15), when.strftime("%y%m%d"), TIME, "^", "00501", isa13, "0", "P",
            ":",
        ]
    )  # fmt: skip
    gs = "*".join(
        [
            "GS", functional_id, sender, receiver, when.strftime("%Y%m%d"), TIME,
            str(control_number), "X", guide,
        ]
    )  # fmt: skip
    return "".join(
        [
            isa + TERMINATOR,
            gs + TERMINATOR,
            *sets.to_list(),
            f"GE*{len(sets)}*{control_number}{TERMINATOR}",
            f"IEA*1*{isa13}{TERMINATOR}",
        ]
    )


def _header(st01: str, guide: str) -> pl.Expr:
    """``ST*837*0001*005010X222A1~`` for the ``st`` column (``guide`` empty: no ST03)."""
    return _segment("ST", st01, pl.format("{}", pl.col("st")).str.zfill(4), guide)


def _save(path: str | Path, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("latin-1", errors="replace"))


# --- 837P ---------------------------------------------------------------------------------------


def write_837p(
    claims: pl.DataFrame,
    path: str | Path,
    *,
    providers: pl.DataFrame | None = None,
    receiver: str = "CLEARINGHOUSE",
    control_number: int = 1,
) -> int:
    """Write claim lines (the ``CLAIMS`` columns) as an 837P file; return the claims written.

    ``providers`` (the roster: npi, provider_name) names the rendering providers; without it
    they are ``PROVIDER``. See the module docstring for the mapping.
    """
    lines = _with_columns(claims, col.CLAIMS).filter(
        pl.col(col.PAYER_TYPE).is_in(list(CLAIM_FILING_CODES))
    )
    lines = lines.sort(
        col.CLAIM_SUBMITTED_DATE, col.BILLING_NPI, col.CLAIM_ID, col.CLAIM_LINE_NUMBER,
        nulls_last=True,
    ).with_row_index("__line")  # fmt: skip
    if lines.height == 0:
        _save(path, _empty_interchange("HC", receiver, "005010X222A1", control_number))
        return 0
    names = _provider_names(providers)
    heads = _claim_heads(lines)
    lines = _line_keys(lines, heads)
    body = pl.concat(
        [
            _837_transaction_headers(heads),
            _837_billing(heads),
            _837_claims(heads, names),
            _837_lines(lines, names),
        ]
    ).sort(list(_KEYS), maintain_order=True)
    latest = heads.get_column(col.CLAIM_SUBMITTED_DATE).drop_nulls().max()
    when = latest if isinstance(latest, dt.date) else dt.date(2000, 1, 1)
    _save(
        path,
        _interchange(
            body, functional_id="HC", receiver=receiver, guide="005010X222A1", when=when,
            control_number=control_number,
        ),
    )  # fmt: skip
    return heads.height


def _provider_names(providers: pl.DataFrame | None) -> pl.DataFrame:
    """npi -> provider_name (NM103 of the rendering provider's NM1*82)."""
    schema = {"npi": pl.String(), "provider": pl.String()}
    if providers is None or col.NPI not in providers or col.PROVIDER_NAME not in providers:
        return pl.DataFrame(schema=schema)
    return (
        providers.select(
            _clean(pl.col(col.NPI)).alias("npi"),
            _clean(pl.col(col.PROVIDER_NAME)).alias("provider"),
        )
        .filter(pl.col("npi").is_not_null())
        .unique("npi", keep="first", maintain_order=True)
    )


def _claim_heads(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per claim with its HL numbers, ST number and claim-level values."""
    firsts = [
        col.CLAIM_SUBMITTED_DATE, col.BILLING_NPI, col.PERSON_ID, col.MEMBER_ID, col.PAYER,
        col.PAYER_TYPE, col.CLAIM_FREQUENCY_CODE, col.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER,
        col.RENDERING_NPI, col.PLACE_OF_SERVICE_CODE,
    ]  # fmt: skip
    heads = lines.group_by(col.CLAIM_ID, maintain_order=True).agg(
        *(pl.col(c).first() for c in firsts),
        pl.col(col.CHARGE_AMOUNT).sum().alias("total"),
    )
    hi = (
        _claim_diagnoses(lines)
        .with_columns(
            pl.concat_str(
                pl.when(pl.col("__p") == 1).then(pl.lit("ABK:")).otherwise(pl.lit("ABF:")),
                pl.col("__code"),
            ).alias("__code")
        )
        .group_by(col.CLAIM_ID, maintain_order=True)
        .agg(
            pl.concat_str(pl.lit("HI*"), pl.col("__code").str.join("*"), pl.lit(TERMINATOR)).alias(
                "hi"
            )
        )
    )
    heads = heads.join(hi, on=col.CLAIM_ID, how="left", maintain_order="left")
    st = pl.col(col.CLAIM_SUBMITTED_DATE).rank("dense").cast(pl.Int64)
    heads = heads.with_columns(st.fill_null(st.max() + 1).alias("st"))
    heads = heads.with_columns(
        pl.col(col.BILLING_NPI).fill_null("").rank("dense").over("st").cast(pl.Int64).alias("a"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("st").alias("row_in_st"),
    ).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("st", "a").alias("b"),
    )
    return heads.with_columns(
        (pl.col("row_in_st") + pl.col("a")).alias("hl"),
        (pl.col("row_in_st") - pl.col("b") + pl.col("a")).alias("billing_hl"),
    )


def _line_diagnoses(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per diagnosis of a line: ``__line``, claim_id, ``__slot`` (1-12) and ``__code``
    (without the dot), in line and slot order."""
    slot = {d: i for i, d in enumerate(col.DIAGNOSES, 1)}
    return (
        lines.select("__line", col.CLAIM_ID, *col.DIAGNOSES)
        .unpivot(index=["__line", col.CLAIM_ID], on=list(col.DIAGNOSES), value_name="__code")
        .filter(pl.col("__code").is_not_null())
        .with_columns(
            pl.col("variable").replace_strict(slot, return_dtype=pl.Int64).alias("__slot"),
            pl.col("__code").str.replace_all(".", "", literal=True),
        )
        .sort("__line", "__slot")
    )


def _claim_diagnoses(lines: pl.DataFrame) -> pl.DataFrame:
    """The HI codes of each claim: its lines' distinct diagnoses in order, ``__p`` 1-12."""
    return (
        _line_diagnoses(lines)
        .unique([col.CLAIM_ID, "__code"], keep="first", maintain_order=True)
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(col.CLAIM_ID).alias("__p"))
        .filter(pl.col("__p") <= 12)
        .select(col.CLAIM_ID, "__code", "__p")
    )


def _line_keys(lines: pl.DataFrame, heads: pl.DataFrame) -> pl.DataFrame:
    """Lines with their claim's keys, its POS and rendering NPI, and their SV107 pointers (the
    HI positions of the line's first four diagnoses)."""
    keyed = lines.join(
        heads.select(
            col.CLAIM_ID, "st", "a", "b",
            pl.col(col.PLACE_OF_SERVICE_CODE).alias("claim_pos"),
            pl.col(col.RENDERING_NPI).alias("claim_rendering"),
        ),
        on=col.CLAIM_ID,
        how="left",
        maintain_order="left",
    )  # fmt: skip
    pointers = (
        _line_diagnoses(lines)
        .join(_claim_diagnoses(lines), on=[col.CLAIM_ID, "__code"], how="inner")
        .sort("__line", "__slot")
        .group_by("__line", maintain_order=True)
        .agg(pl.col("__p").cast(pl.String).head(4).str.join(":").alias("pointers"))
    )
    return keyed.join(pointers, on="__line", how="left", maintain_order="left")


def _837_transaction_headers(heads: pl.DataFrame) -> pl.DataFrame:
    sets = heads.group_by("st", maintain_order=True).agg(pl.col(col.CLAIM_SUBMITTED_DATE).first())
    when = _date(pl.col(col.CLAIM_SUBMITTED_DATE)).fill_null("20000101")
    segments = [
        _header("837", "005010X222A1"),
        _segment("BHT", "0019", "00", pl.format("{}", pl.col("st")).str.zfill(6), when, TIME,
                 "CH"),
        _segment("NM1", "41", "2", PRACTICE, "", "", "", "", "46", SENDER),
        _segment("PER", "IC", "BILLING OFFICE", "TE", "5555550100"),
        _segment("NM1", "40", "2", "CLEARINGHOUSE", "", "", "", "", "46", "CLEARINGHOUSE"),
    ]  # fmt: skip
    return _rows(sets, segments, {"st": pl.col("st")})


def _837_billing(heads: pl.DataFrame) -> pl.DataFrame:
    groups = heads.group_by("st", "a", maintain_order=True).agg(
        pl.col(col.BILLING_NPI).first(), pl.col("billing_hl").first()
    )
    segments = [
        _segment("HL", pl.format("{}", pl.col("billing_hl")), "", "20", "1"),
        _segment("NM1", "85", "2", PRACTICE, "", "", "", "", "XX", _text(col.BILLING_NPI)),
        _segment("N3", "1 SYNTHETIC WAY"),
        _segment("N4", "ANYTOWN", "NY", "100010001"),
        _segment("REF", "EI", BILLING_TIN),
    ]
    return _rows(groups, segments, {"st": pl.col("st"), "a": pl.col("a")})


def _837_claims(heads: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    heads = heads.join(
        names, left_on=col.RENDERING_NPI, right_on="npi", how="left", maintain_order="left"
    )
    member = pl.coalesce(_text(col.MEMBER_ID), _text(col.PERSON_ID))
    filing = pl.col(col.PAYER_TYPE).replace_strict(CLAIM_FILING_CODES, default="ZZ")
    frequency = _text(col.CLAIM_FREQUENCY_CODE).fill_null("1")
    segments = [
        _segment("HL", pl.format("{}", pl.col("hl")), pl.format("{}", pl.col("billing_hl")),
                 "22", "0"),
        _segment("SBR", "P", "18", "", "", "", "", "", "", filing),
        _segment("NM1", "IL", "1", "PATIENT", "SYNTHETIC", "", "", "", "MI", member),
        _segment("N3", "1 SYNTHETIC WAY"),
        _segment("N4", "ANYTOWN", "NY", "100010001"),
        _segment("DMG", "D8", "19000101", "U"),
        _segment("NM1", "PR", "2", _text(col.PAYER), "", "", "", "", "PI", _text(col.PAYER)),
        _segment("CLM", _text(col.CLAIM_ID), _number(pl.col("total")), "", "",
                 _composite(_text(col.PLACE_OF_SERVICE_CODE), "B", frequency), "Y", "A", "Y",
                 "Y"),
        pl.when(_text(col.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER).is_not_null()).then(
            _segment("REF", "F8", _text(col.ORIGINAL_PAYER_CLAIM_CONTROL_NUMBER))
        ),
        pl.col("hi"),
        _rendering(_text(col.RENDERING_NPI)),
    ]  # fmt: skip
    return _rows(heads, segments, {"st": pl.col("st"), "a": pl.col("a"), "b": pl.col("b")})


def _rendering(npi: pl.Expr) -> pl.Expr:
    """``NM1*82*1*<roster name, else PROVIDER>*****XX*<npi>~`` (2310B / 2420A)."""
    name = pl.col("provider").fill_null("PROVIDER")
    return _segment("NM1", "82", "1", name, "", "", "", "", "XX", npi)


def _837_lines(lines: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    lines = lines.join(
        names, left_on=col.RENDERING_NPI, right_on="npi", how="left", maintain_order="left"
    )
    procedure = _composite("HC", _text(col.HCPCS_CODE), *(_text(m) for m in col.MODIFIERS))
    pos = _text(col.PLACE_OF_SERVICE_CODE)
    line_pos = pl.when(pos != pl.col("claim_pos")).then(pos)
    units = _number(pl.col(col.SERVICE_UNIT_QUANTITY).fill_null(1))
    rendering = _text(col.RENDERING_NPI)
    segments = [
        _segment("LX", pl.format("{}", pl.col(col.CLAIM_LINE_NUMBER))),
        _segment("SV1", procedure, _number(pl.col(col.CHARGE_AMOUNT)), "UN", units, line_pos,
                 "", pl.col("pointers")),
        pl.when(pl.col(col.CLAIM_LINE_START_DATE).is_not_null()).then(
            _segment("DTP", "472", "D8", _date(pl.col(col.CLAIM_LINE_START_DATE)))
        ),
        pl.when(_text(col.LINE_CONTROL_NUMBER).is_not_null()).then(
            _segment("REF", "6R", _text(col.LINE_CONTROL_NUMBER))
        ),
        pl.when(rendering != pl.col("claim_rendering")).then(
            _rendering(rendering)
        ),
    ]  # fmt: skip
    keys = {
        "st": pl.col("st"),
        "a": pl.col("a"),
        "b": pl.col("b"),
        "c": pl.int_range(1, pl.len() + 1).over("st", "a", "b"),
    }
    return _rows(lines, segments, keys)


def _empty_interchange(functional_id: str, receiver: str, guide: str, control: int) -> str:
    body = pl.DataFrame(schema={"st": pl.Int64(), "text": pl.String(), "n": pl.Int64()})
    return _interchange(
        body, functional_id=functional_id, receiver=receiver, guide=guide,
        when=dt.date(2000, 1, 1), control_number=control,
    )  # fmt: skip


# --- 835 ----------------------------------------------------------------------------------------


def write_835(
    remittances: RemittanceFrames | tuple[pl.DataFrame, pl.DataFrame],
    path: str | Path,
    *,
    payer_types: Mapping[str, str] | None = None,
    payee_npi: str = PAYEE_NPI,
    payee_name: str = PRACTICE,
    control_number: int = 1,
) -> int:
    """Write remittance lines and adjustments (a ``Remittances`` or a ``(lines, adjustments)``
    pair in the ``REMITTANCE_LINES`` / ``ADJUSTMENTS`` columns) as an 835 file; return the
    number of transaction sets (one per remit_id).

    ``payer_types`` ({payer: payer_type}) sets CLP06; see the module docstring.
    """
    if isinstance(remittances, tuple):
        lines, adjustments = remittances
    else:
        lines, adjustments = remittances.lines, remittances.adjustments
    lines = _with_columns(lines, col.REMITTANCE_LINES)
    adjustments = _with_columns(adjustments, col.ADJUSTMENTS)
    if lines.height == 0:
        _save(path, _empty_interchange("HP", "PAYEE", "005010X221A1", control_number))
        return 0
    lines = lines.sort(col.REMIT_ID, col.REMIT_CLAIM_SEQ, col.SVC_SEQ, nulls_last=False)
    remit_st = (
        lines.select(col.REMIT_ID)
        .unique(maintain_order=True)
        .with_row_index("st", offset=1)
        .with_columns(pl.col("st").cast(pl.Int64))
    )
    lines = lines.join(remit_st, on=col.REMIT_ID, how="left", maintain_order="left")
    adjustments = adjustments.join(remit_st, on=col.REMIT_ID, how="inner", maintain_order="left")
    filing = {p: CLP06_CODES.get(t, "ZZ") for p, t in (payer_types or {}).items()}
    body = pl.concat(
        [
            _835_headers(lines, payee_npi, payee_name),
            _835_claims(lines, adjustments, filing),
            _835_lines(lines),
            _835_adjustments(adjustments),
        ]
    ).sort(list(_KEYS), maintain_order=True)
    latest = lines.get_column(col.PAYMENT_DATE).drop_nulls().max()
    when = latest if isinstance(latest, dt.date) else dt.date(2000, 1, 1)
    _save(
        path,
        _interchange(
            body, functional_id="HP", receiver="PAYEE", guide="005010X221A1", when=when,
            control_number=control_number, sender="PAYERS",
        ),
    )  # fmt: skip
    return remit_st.height


def _835_headers(lines: pl.DataFrame, payee_npi: str, payee_name: str) -> pl.DataFrame:
    sets = lines.group_by("st", maintain_order=True).agg(
        *(pl.col(c).drop_nulls().first() for c in (col.PAYER, col.PAYMENT_DATE, col.CHECK_NUMBER)),
        pl.col(col.PAID_AMOUNT).sum().alias("total"),
    )
    paid = pl.col("total") != 0
    when = _date(pl.col(col.PAYMENT_DATE))
    payer = _text(col.PAYER).fill_null("PAYER")
    segments = [
        _header("835", ""),
        _segment("BPR", pl.when(paid).then(pl.lit("I")).otherwise(pl.lit("H")),
                 _number(pl.col("total")), "C", pl.when(paid).then(pl.lit("CHK")).otherwise(
                     pl.lit("NON")), *([""] * 11), when),
        _segment("TRN", "1", _text(col.CHECK_NUMBER), "1999999999"),
        pl.when(when.is_not_null()).then(_segment("DTM", "405", when)),
        _segment("N1", "PR", payer, "XV", payer),
        _segment("N3", "1 PAYER PLAZA"),
        _segment("N4", "ANYTOWN", "NY", "100010001"),
        _segment("PER", "BL", "PROVIDER SERVICES", "TE", "5555550199"),
        _segment("N1", "PE", _clean(pl.lit(payee_name)), "XX", _clean(pl.lit(payee_npi))),
        _segment("LX", "1"),
    ]  # fmt: skip
    return _rows(sets, segments, {"st": pl.col("st")})


def _835_claims(
    lines: pl.DataFrame, adjustments: pl.DataFrame, filing: Mapping[str, str]
) -> pl.DataFrame:
    keys = ["st", col.REMIT_CLAIM_SEQ]
    responsibility = (
        adjustments.filter(pl.col(col.GROUP_CODE) == "PR")
        .group_by(keys)
        .agg(pl.col(col.AMOUNT).sum().alias("responsibility"))
    )
    claims = (
        lines.group_by(keys, maintain_order=True)
        .agg(
            *(
                pl.col(c).drop_nulls().first()
                for c in (col.CLAIM_ID, col.CLAIM_STATUS_CODE, col.PAYER_CLAIM_CONTROL_NUMBER,
                          col.PAYER)
            ),
            pl.col(col.LINE_CHARGE_AMOUNT).sum().alias("charge"),
            pl.col(col.PAID_AMOUNT).sum().alias("paid"),
            pl.col(col.SERVICE_DATE).filter(pl.col(col.SVC_SEQ).is_null()).first().alias(
                "statement"
            ),
        )
        .join(responsibility, on=keys, how="left", maintain_order="left")
    )  # fmt: skip
    indicator = pl.col(col.PAYER).replace_strict(dict(filing), default="ZZ", return_dtype=pl.String)
    segments = [
        _segment("CLP", _text(col.CLAIM_ID), _text(col.CLAIM_STATUS_CODE),
                 _number(pl.col("charge")), _number(pl.col("paid")),
                 _number(pl.col("responsibility").fill_null(0)), indicator,
                 _text(col.PAYER_CLAIM_CONTROL_NUMBER)),
        _segment("NM1", "QC", "1", "PATIENT", "SYNTHETIC"),
        pl.when(pl.col("statement").is_not_null()).then(
            _segment("DTM", "232", _date(pl.col("statement")))
        ),
    ]  # fmt: skip
    # claim-level CAS (slot 1) sits between CLP (slot 0) and NM1*QC (slot 2)
    block = {"st": pl.col("st"), "a": pl.col(col.REMIT_CLAIM_SEQ)}
    return pl.concat(
        [
            _rows(claims, segments[:1], {**block, "slot": 0}),
            _rows(claims, segments[1:], {**block, "slot": 2}),
        ]
    )


def _835_lines(lines: pl.DataFrame) -> pl.DataFrame:
    services = lines.filter(pl.col(col.SVC_SEQ).is_not_null())
    adjudicated = [_text(col.HCPCS_CODE), *(_text(m) for m in col.MODIFIERS)]
    submitted = [_text(col.SUBMITTED_HCPCS_CODE), *(_text(m) for m in col.SUBMITTED_MODIFIERS)]
    differs = pl.any_horizontal(
        [s.is_not_null() & (s.ne_missing(a)) for a, s in zip(adjudicated, submitted, strict=True)]
    )
    segments = [
        _segment("SVC", _composite("HC", *adjudicated), _number(pl.col(col.LINE_CHARGE_AMOUNT)),
                 _number(pl.col(col.PAID_AMOUNT)), "", _number(pl.col(col.UNITS_PAID)),
                 pl.when(differs).then(_composite("HC", *submitted))),
        pl.when(pl.col(col.SERVICE_DATE).is_not_null()).then(
            _segment("DTM", "472", _date(pl.col(col.SERVICE_DATE)))
        ),
        pl.when(_text(col.LINE_CONTROL_NUMBER).is_not_null()).then(
            _segment("REF", "6R", _text(col.LINE_CONTROL_NUMBER))
        ),
        pl.when(pl.col(col.ALLOWED_AMOUNT).is_not_null()).then(
            _segment("AMT", "B6", _number(pl.col(col.ALLOWED_AMOUNT)))
        ),
    ]  # fmt: skip
    # line CAS (slot 2) sits between DTM (slot 1) and REF (slot 3)
    keys = {"st": pl.col("st"), "a": pl.col(col.REMIT_CLAIM_SEQ), "b": pl.col(col.SVC_SEQ)}
    return pl.concat(
        [
            _rows(services, segments[:2], {**keys, "slot": 1}),
            _rows(services, segments[2:], {**keys, "slot": 3}),
        ]
    )


def _835_adjustments(adjustments: pl.DataFrame) -> pl.DataFrame:
    """``CAS*CO*45*47.26**253*1.35~``: up to six triples per group code and segment."""
    group = ["st", col.REMIT_CLAIM_SEQ, col.SVC_SEQ, col.GROUP_CODE]
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    run = pl.struct(group).rle_id()  # after the sort, a group's rows are consecutive
    start = pl.when(run != run.shift(1, fill_value=-1)).then(row).forward_fill()
    triples = (
        adjustments.sort(group, nulls_last=False, maintain_order=True)
        .with_columns(
            ((row - start) // 6).alias("__k"),
            pl.concat_str(
                _text(col.REASON_CODE).fill_null(""),
                pl.lit("*"),
                _number(pl.col(col.AMOUNT)).fill_null("0"),
                pl.lit("*"),
                _number(pl.col(col.QUANTITY)).fill_null(""),
            ).alias("__triple"),
        )
        .with_columns(pl.struct(*group, "__k").rle_id().alias("__segment"))
        .group_by("__segment", maintain_order=True)
        .agg(*(pl.col(c).first() for c in (*group, "__k")), pl.col("__triple").str.join("*"))
    )
    text = _segment("CAS", _text(col.GROUP_CODE), pl.col("__triple"))
    claim_level = pl.col(col.SVC_SEQ).is_null()
    return _rows(
        triples,
        [text],
        {
            "st": pl.col("st"),
            "a": pl.col(col.REMIT_CLAIM_SEQ),
            "b": pl.col(col.SVC_SEQ).fill_null(0),
            "slot": pl.when(claim_level).then(1).otherwise(2),
            "d": pl.col("__k"),
        },
    )


# --- 271 ----------------------------------------------------------------------------------------


def write_271(
    coverage: pl.DataFrame,
    path: str | Path,
    *,
    created: dt.date | None = None,
    receiver_npi: str = PAYEE_NPI,
    control_number: int = 1,
) -> int:
    """Write coverage spans (the ``COVERAGE`` columns) as a 271 file; return the spans written.

    ``created`` is the response date (BHT04, GS04, ISA09); by default the latest date in the
    data. See the module docstring for the mapping.
    """
    spans = _with_columns(coverage, col.COVERAGE).sort(
        col.PAYER, col.MEMBER_ID, col.PERSON_ID, col.ENROLLMENT_START_DATE, nulls_last=True
    )
    if spans.height == 0:
        _save(path, _empty_interchange("HB", "PROVIDER", "005010X279A1", control_number))
        return 0
    if created is None:
        dates = pl.concat(
            [spans.get_column(col.ENROLLMENT_START_DATE), spans.get_column(col.ENROLLMENT_END_DATE)]
        ).drop_nulls()
        latest = dates.max()
        created = latest if isinstance(latest, dt.date) else dt.date(2000, 1, 1)
    spans = spans.with_columns(
        pl.col(col.PAYER).fill_null("").rank("dense").cast(pl.Int64).alias("st"),
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("st").alias("a"))
    payer = _text(col.PAYER).fill_null("PAYER")
    sets = spans.group_by("st", maintain_order=True).agg(pl.col(col.PAYER).first())
    day = created.strftime("%Y%m%d")
    headers = [
        _header("271", "005010X279A1"),
        _segment("BHT", "0022", "11", pl.format("{}", pl.col("st")).str.zfill(6), day, TIME),
        _segment("HL", "1", "", "20", "1"),
        _segment("NM1", "PR", "2", payer, "", "", "", "", "PI", payer),
        _segment("HL", "2", "1", "21", "1"),
        _segment("NM1", "1P", "2", PRACTICE, "", "", "", "", "XX", _clean(pl.lit(receiver_npi))),
    ]
    member = pl.coalesce(_text(col.MEMBER_ID), _text(col.PERSON_ID))
    insurance = pl.col(col.PAYER_TYPE).replace_strict(
        INSURANCE_TYPE_CODES, default="C1", return_dtype=pl.String
    )
    members = [
        _segment("HL", pl.format("{}", pl.col("a") + 2), "2", "22", "0"),
        _segment("NM1", "IL", "1", "PATIENT", "SYNTHETIC", "", "", "", "MI", member),
        pl.when(pl.col(col.ENROLLMENT_START_DATE).is_not_null()).then(
            _segment("DTP", "356", "D8", _date(pl.col(col.ENROLLMENT_START_DATE)))
        ),
        pl.when(pl.col(col.ENROLLMENT_END_DATE).is_not_null()).then(
            _segment("DTP", "357", "D8", _date(pl.col(col.ENROLLMENT_END_DATE)))
        ),
        _segment("EB", "1", "", "30", insurance, _text(col.PLAN_NAME)),
    ]
    body = pl.concat(
        [
            _rows(sets, headers, {"st": pl.col("st")}),
            _rows(spans, members, {"st": pl.col("st"), "a": pl.col("a")}),
        ]
    ).sort(list(_KEYS), maintain_order=True)
    _save(
        path,
        _interchange(
            body, functional_id="HB", receiver="PROVIDER", guide="005010X279A1", when=created,
            control_number=control_number, sender="PAYERS",
        ),
    )  # fmt: skip
    return spans.height
