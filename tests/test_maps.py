"""Map files (``--map`` / ``map.toml``) and explicit ``rename=`` / ``values=`` / ``options=``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from telekit._core._exceptions import MapError
from telekit._io._maps import MapSpec, TableMap, load_map, normalize_header
from telekit._read._tables import read_claims, read_encounters

MAP = """
[claims.rename]
"Svc Date" = "claim_line_start_date"
"Proc" = "hcpcs_code"
"Mods" = "hcpcs_modifiers"

[claims.values.payer_type]
"Medicare Part B" = "medicare"
"Blue Cross" = "commercial"

[claims.options]
date_format = "%d.%m.%Y"

[encounters.values.modality]
"Video" = "audio_video"

[encounters.options]
header_row = 2
"""

CLAIMS_TEXT = (
    "claim_id,claim_line_number,person_id,payer,payer_type,rendering_npi,Svc Date,"
    "place_of_service_code,Proc,Mods,charge_amount\n"
    "C1,1,P1,MEDICARE,Medicare Part B,1234567893,05.01.2024,02,99213,95 93,150\n"
    "C2,1,P1,BCBS,blue cross,1234567893,06.01.2024,02,99214,,150\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_map(tmp_path: Path) -> None:
    spec = load_map(write(tmp_path, "map.toml", MAP))
    assert spec.path.endswith("map.toml")
    claims = spec.for_table("claims")
    assert claims.rename["Proc"] == "hcpcs_code"
    assert claims.values == {
        "payer_type": {"Medicare Part B": "medicare", "Blue Cross": "commercial"}
    }
    assert claims.options == {"date_format": "%d.%m.%Y"}
    assert spec.for_table("encounters").options == {"header_row": 2}
    assert spec.for_table("providers") == TableMap()


@pytest.mark.parametrize("as_spec", [False, True])
def test_map_applies_rename_values_options(tmp_path: Path, as_spec: bool) -> None:
    path = write(tmp_path, "map.toml", MAP)
    map_arg: Path | MapSpec = load_map(path) if as_spec else path
    table = read_claims(write(tmp_path, "claims.csv", CLAIMS_TEXT), map=map_arg)
    assert table.rejects.height == 0
    data = table.data
    assert data["claim_line_start_date"].to_list() == [dt.date(2024, 1, 5), dt.date(2024, 1, 6)]
    assert data["hcpcs_code"].to_list() == ["99213", "99214"]
    assert data["payer_type"].to_list() == ["medicare", "commercial"]  # case-insensitive match
    assert data["hcpcs_modifier_2"].to_list() == ["93", None]


def test_explicit_arguments_merge_over_the_map(tmp_path: Path) -> None:
    path = write(tmp_path, "map.toml", MAP)
    text = (
        CLAIMS_TEXT.replace("Svc Date", "DOS")
        .replace("05.01.2024", "2024-01-05")
        .replace("06.01.2024", "2024-01-06")
    )
    table = read_claims(
        write(tmp_path, "claims.csv", text),
        map=path,
        values={"payer_type": {"Blue Cross": "other"}},
        options={"date_format": "%Y-%m-%d"},
    )
    assert table.rejects.height == 0
    assert table.data["payer_type"].to_list() == ["medicare", "other"]  # map entry kept, one won
    assert table.data["claim_line_start_date"].to_list() == [
        dt.date(2024, 1, 5), dt.date(2024, 1, 6),
    ]  # fmt: skip


def test_map_options_header_row_and_values_for_encounters(tmp_path: Path) -> None:
    path = write(tmp_path, "map.toml", MAP)
    text = "encounter_id,modality\nencounter_id,modality\nE1,Video\n"
    table = read_encounters(write(tmp_path, "enc.csv", text), map=path)
    assert table.data.select("encounter_id", "modality").rows() == [("E1", "audio_video")]


MALFORMED = [
    ("[claims.rename\n", r"map\.toml: not valid TOML"),
    ("[claimz.rename]\n", r"map\.toml: unknown table \[claimz\] \(allowed: claims, encounters, "),
    ("[claims.renames]\n", r"map\.toml: \[claims\.renames\] is not a section \(allowed: rename, "),
    (
        '[claims.rename]\n"DOS" = "date_of_service"\n',
        r"map\.toml: \[claims\.rename\] key 'DOS' maps to a name that is not a claims column "
        r"\(allowed: claim_id, claim_line_number, ",
    ),
    (
        '[claims.values.modality]\n"Video" = "audio_video"\n',
        r"map\.toml: \[claims\.values\.modality\] names no claims column \(allowed: claim_id, ",
    ),
    (
        '[claims.values.payer_type]\n"Part B" = "medicare_part_b"\n',
        r"map\.toml: \[claims\.values\.payer_type\] maps to a value outside the contract "
        r"\(allowed: medicare, ",
    ),
    ("[claims.values.payer_type]\nx = 1\n", r"\[claims\.values\.payer_type\] must map text"),
    ("[claims.options]\nsep = ';'\n", r"\[claims\.options\] has no option 'sep' \(allowed: "),
    ("[claims.options]\nheader_row = 0\n", r"header_row must be a row number"),
    ("[claims.options]\nencoding = 'klingon'\n", r"encoding 'klingon' is not a known"),
    ("[claims.options]\ndate_format = 'DD/MM'\n", r"date_format must be a strftime pattern"),
    ("claims = 3\n", r"\[claims\] must be a table"),
    ("[claims]\nrename = 3\n", r"\[claims\.rename\] must be a table"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_map(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MapError, match=message):
        load_map(write(tmp_path, "map.toml", text))


def test_value_map_keys_never_appear_in_messages(tmp_path: Path) -> None:
    text = '[claims.values.payer_type]\n"Jane Doe Health Plan" = "not_a_type"\n'
    with pytest.raises(MapError) as info:
        load_map(write(tmp_path, "map.toml", text))
    assert "Jane Doe" not in str(info.value)


def test_missing_map_file(tmp_path: Path) -> None:
    with pytest.raises(MapError, match=r"nope\.toml: cannot read the map file"):
        load_map(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rename": {"DOS": "dos"}}, r"\[claims\.rename\] key 'DOS' maps to a name that is not"),
        ({"values": {"nope": {"a": "b"}}}, r"\[claims\.values\.nope\] names no claims column"),
        ({"options": {"sheet": True}}, r"\[claims\.options\] sheet must be a sheet name"),
    ],
)
def test_bad_explicit_arguments(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    path = write(tmp_path, "claims.csv", CLAIMS_TEXT)
    with pytest.raises(MapError, match=r"^rename=/values=/options=: " + message):
        read_claims(path, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        (" Place of Service ", "place_of_service"),
        ("\ufeffClaim-ID", "claim_id"),
        ("Patient.ID", "patient_id"),
        ("Place/Of/Service", "place_of_service"),
        ("Line  --  Number", "line_number"),
        ("DOS", "dos"),
    ],
)
def test_normalize_header(header: str, normalised: str) -> None:
    assert normalize_header(header) == normalised


def test_map_error_message_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "client-map.toml", "[nope]\n")
    with pytest.raises(MapError, match=re.escape("client-map.toml: unknown table [nope]")):
        read_claims(write(tmp_path, "claims.csv", CLAIMS_TEXT), map=path)
