"""LSOA 2011 → local authority district of 2019, the geography of MHCLG's IoD2019 summaries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError


def lsoa11_to_lad19(interim_dir: Path) -> pd.DataFrame:
    """Each LSOA's 2019 district: the 2021 authority, split back where districts merged.

    Buckinghamshire (2020) and North/West Northamptonshire (2021) merged districts that IoD2019
    still lists; an LSOA 2011 name begins with its 2011 district's name, which picks the part.
    """
    lookup = interim.read(interim_dir, "lookup_lsoa11_ltla21")
    lookup = lookup[["lsoa11_code", "lsoa11_name", "ltla21_code"]]
    vintages = interim.read(interim_dir, "lookup_ltla_ltla")
    vintages = vintages[["ltla19_code", "ltla19_name", "ltla21_code"]].dropna(
        subset=["ltla19_code", "ltla21_code"]
    )
    vintages = vintages[["ltla19_code", "ltla19_name", "ltla21_code"]].drop_duplicates()

    merged = lookup.merge(vintages, on="ltla21_code", how="left")
    several = merged.groupby("lsoa11_code")["ltla19_code"].transform("nunique") > 1
    district_in_name = merged["lsoa11_name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    keep = ~several | (merged["ltla19_name"] == district_in_name)
    # An authority missing from the vintages table merges to no district: that is unmatched too.
    out = merged[keep & merged["ltla19_code"].notna()].drop_duplicates("lsoa11_code")
    missing = lookup[~lookup["lsoa11_code"].isin(out["lsoa11_code"])]
    if not missing.empty:
        raise DataError(
            f"no 2019 district found for LSOA {missing['lsoa11_code'].iloc[0]!r} "
            f"(authority {missing['ltla21_code'].iloc[0]!r})",
            file=interim.raw_file("lookup_lsoa11_ltla21"),
            column="ltla21_code",
            row=load.row_number(missing, 0),
        )
    return (
        out.rename(columns={"ltla19_code": "lad_code", "ltla19_name": "lad_name"})[
            ["lsoa11_code", "lad_code", "lad_name"]
        ]
        .sort_values("lsoa11_code")
        .reset_index(drop=True)
    )
