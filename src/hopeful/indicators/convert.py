"""2021 small areas onto the 2011-based towns: LSOA 2021 -> town, LSOA 2021 -> MSOA 2021.

Towns are fitted from LSOA 2011 (hopeful.prepare.geography). Census 2021, IoD 2025 and CNI 2023 are
published on LSOA 2021, which ONS changed from 2011 by splitting (S), merging (M) or
redrawing (X) about 6 % of areas. Rather than apportioning 2021 counts back to 2011 areas
(which needs weights the mirror does not have), each LSOA 2021 is given whole to one town
and its counts are summed there:

- unchanged (U) and split (S) children take their 2011 parent's town, so a split never
  moves people between towns;
- a merged (M) or redrawn (X) LSOA 2021 has several parents; each parent's mid-2019
  population is divided equally among its 2021 children, and the LSOA 2021 goes to the
  town (or to "no town") holding most of that population. Ties go to the lowest town code,
  and a town beats "no town".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError

NO_TOWN = "~"  # sorts after every ONS code, so a real town wins a tie
LOOKUP = "lookup_lsoa11_lsoa21_ltla22"


def lsoa11_to_lsoa21(interim_dir: Path) -> pd.DataFrame:
    """ONS LSOA 2011 -> 2021 pairs (lsoa11_code, lsoa21_code, lsoa21_name, change_code)."""
    frame = interim.read(interim_dir, LOOKUP)
    return frame.sort_values(["lsoa21_code", "lsoa11_code"]).reset_index(drop=True)


def assign_lsoa21_to_towns(
    lookup: pd.DataFrame, lsoa_town: pd.DataFrame, population: pd.DataFrame
) -> pd.DataFrame:
    """One town per LSOA 2021 (rule in the module docstring); LSOAs in no town are absent.

    `lookup`: lsoa11_code, lsoa21_code; `lsoa_town`: lsoa11_code, town_code (LSOAs in no
    town absent or NA); `population`: lsoa11_code, population for every parent.
    """
    pairs = lookup[["lsoa11_code", "lsoa21_code"]].merge(
        population[["lsoa11_code", "population"]], on="lsoa11_code", how="left"
    )
    if pairs["population"].isna().any():
        missing = sorted(pairs.loc[pairs["population"].isna(), "lsoa11_code"])[:5]
        raise DataError(f"no mid-2019 population for LSOA 2011 parent(s) {missing}")
    towns = lsoa_town.dropna(subset=["town_code"]).set_index("lsoa11_code")["town_code"]
    pairs["town_code"] = pairs["lsoa11_code"].map(towns).astype("object").fillna(NO_TOWN)
    children = pairs.groupby("lsoa11_code")["lsoa21_code"].transform("size")
    pairs["weight"] = pairs["population"].astype("float64") / children
    votes = pairs.groupby(["lsoa21_code", "town_code"], as_index=False)["weight"].sum()
    votes = votes.sort_values(["lsoa21_code", "weight", "town_code"], ascending=[True, False, True])
    winners = votes.drop_duplicates("lsoa21_code")
    winners = winners[winners["town_code"] != NO_TOWN]
    return winners[["lsoa21_code", "town_code"]].astype(str).reset_index(drop=True)


def lsoa21_to_msoa21(lsoa21: pd.DataFrame, msoa21: pd.DataFrame) -> pd.DataFrame:
    """LSOA 2021 -> MSOA 2021 by name: ONS names an LSOA as its MSOA's name plus one letter.

    ('Gravesham 003A' lies in MSOA 'Gravesham 003'.) LSOAs nest exactly in MSOAs, so this is
    an exact lookup, unlike the best-fit MSOA 2011 -> 2021 file. `lsoa21`: lsoa21_code,
    lsoa21_name; `msoa21`: msoa21_code, msoa21_name (names unique). An LSOA whose name does
    not end in a letter, or whose MSOA name is unknown, is an error naming the lookup file.
    """
    path = interim.raw_file(LOOKUP)
    names = lsoa21.drop_duplicates("lsoa21_code").reset_index(drop=True)
    well_formed = names["lsoa21_name"].str.match(r"^.+ \d{3}[A-Z]$")
    load.fail_at(
        names, "lsoa21_name", ~well_formed, path, "LSOA 2021 name does not end in a letter"
    )
    msoa_name = names["lsoa21_name"].str[:-1]
    by_name = msoa21.set_index("msoa21_name")["msoa21_code"]
    if by_name.index.duplicated().any():
        raise DataError("MSOA 2021 names are not unique", file=path, column="msoa21_name")
    codes = msoa_name.map(by_name)
    load.fail_at(names, "lsoa21_name", codes.isna(), path, "no MSOA 2021 of that name")
    return pd.DataFrame({"lsoa21_code": names["lsoa21_code"], "msoa21_code": codes.astype(str)})
