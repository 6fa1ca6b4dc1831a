"""Town addressing: codes, case/punctuation-insensitive names, ambiguity, and safe slugs."""

import pandas as pd
import pytest
from conftest import PROCESSED

from hopeful.errors import TownNotFoundError
from hopeful.processed import read_towns
from hopeful.towns import normalise_name, resolve_town, slugify

TOWNS = pd.DataFrame(
    {
        "town_code": ["E35001042", "W38000144", "E34000001", "E34000002", "E35000225"],
        "town_name": [
            "Gravesend",
            "Port Talbot",
            "Newport (Shropshire)",
            "Newport (Isle of Wight)",
            "Northfleet",
        ],
        "lad_name": [
            "Gravesham",
            "Neath Port Talbot",
            "Telford and Wrekin",
            "Isle of Wight",
            "Gravesham",
        ],
    }
)


@pytest.mark.parametrize(
    "query, code",
    [
        ("Gravesend", "E35001042"),
        ("gravesend", "E35001042"),
        ("  GRAVESEND ", "E35001042"),
        ("port-talbot", "W38000144"),
        ("Port  Talbot!", "W38000144"),
        ("w38000144", "W38000144"),
        ("Newport (Isle of Wight)", "E34000002"),
        ("newport isle of wight", "E34000002"),
    ],
)
def test_resolve_by_code_or_name(query: str, code: str) -> None:
    assert resolve_town(TOWNS, query)["town_code"] == code


def test_unknown_name_lists_close_matches() -> None:
    with pytest.raises(TownNotFoundError) as err:
        resolve_town(TOWNS, "Gravesnd")
    assert "'Gravesend'" in str(err.value)


def test_partial_name_that_matches_several_towns_is_reported() -> None:
    with pytest.raises(TownNotFoundError) as err:
        resolve_town(TOWNS, "Newport")
    message = str(err.value)
    assert "Newport (Shropshire)" in message and "Newport (Isle of Wight)" in message


def test_bare_name_of_qualified_towns_is_ambiguous_even_with_an_exact_match() -> None:
    welsh = pd.DataFrame(
        {"town_code": ["W38000147"], "town_name": ["Newport"], "lad_name": ["Newport"]}
    )
    with pytest.raises(TownNotFoundError, match="ambiguous") as err:
        resolve_town(pd.concat([TOWNS, welsh]), "Newport")
    assert all(code in str(err.value) for code in ["E34000001", "E34000002", "W38000147"])


@pytest.mark.real_data("processed")
def test_newport_in_the_real_towns_table_lists_every_newport_with_its_code() -> None:
    towns = read_towns(PROCESSED)
    with pytest.raises(TownNotFoundError) as err:
        resolve_town(towns, "Newport")
    newports = towns[towns["town_name"].str.match(r"Newport(?: \(|$)")]
    assert len(newports) == 3  # Wales, Isle of Wight, Telford and Wrekin
    for row in newports.itertuples():
        assert f"{row.town_code} ({row.town_name}, {row.lad_name})" in str(err.value)
    assert resolve_town(towns, "Newport (Isle of Wight)")["town_code"] == "E34001267"
    assert resolve_town(towns, "Newport Pagnell")["town_code"] == "E35001223"


def test_duplicate_names_are_ambiguous_and_list_codes() -> None:
    twins = pd.concat([TOWNS, TOWNS.iloc[[0]].assign(town_code="E35009999", lad_name="Elsewhere")])
    with pytest.raises(TownNotFoundError, match="ambiguous.*E35001042.*E35009999"):
        resolve_town(twins, "Gravesend")


def test_unknown_code_is_an_error() -> None:
    with pytest.raises(TownNotFoundError):
        resolve_town(TOWNS, "E35999999")


def test_normalise_name_folds_accents_and_punctuation() -> None:
    assert normalise_name("Ystradgynlais—Ystâd, (Powys)") == "ystradgynlais ystad powys"


@pytest.mark.parametrize(
    "code, name",
    [
        ("E35001042", "Gravesend"),
        ("E35001042", "../../etc/passwd"),
        ("E35001042", "<script>alert(1)</script>"),
        ("E35001042", "C:\\Windows\\system32"),
        ("E35001042", ""),
    ],
)
def test_slug_is_a_safe_file_name(code: str, name: str) -> None:
    slug = slugify(code, name)
    assert slug.startswith("e35001042")
    assert all(ch.isalnum() or ch == "-" for ch in slug)
    assert "/" not in slug and "\\" not in slug and ".." not in slug


def test_slug_examples() -> None:
    assert slugify("E35001042", "Gravesend") == "e35001042-gravesend"
    assert slugify("W38000144", "Port Talbot") == "w38000144-port-talbot"


def test_slug_rejects_a_code_with_nothing_usable() -> None:
    with pytest.raises(TownNotFoundError):
        slugify("../", "x")
