"""LSOA 2011 → local authority district of 2019, the geography of MHCLG's IoD2019 summaries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import load
from hopeful.errors import DataError

LSOA_LTLA21 = ("humaniverse-geographr", "lookup_lsoa11_ltla21.rda")
LTLA_VINTAGES = ("humaniverse-geographr", "lookup_ltla_ltla.rda")


def lsoa11_to_lad19(raw_dir: Path) -> pd.DataFrame:
    """Each LSOA's 2019 district: the 2021 authority, split back where districts merged.

    Buckinghamshire (2020) and North/West Northamptonshire (2021) merged districts that IoD2019
    still lists; an LSOA 2011 name begins with its 2011 district's name, which picks the part.
    """
    lookup_path = Path(raw_dir) / LSOA_LTLA21[0] / LSOA_LTLA21[1]
    lookup = load.read_rda(lookup_path, required=["lsoa11_code", "lsoa11_name", "ltla21_code"])
    load.check_codes(lookup, "lsoa11_code", "lsoa", lookup_path)
    load.check_unique(lookup, "lsoa11_code", lookup_path)
    vintages_path = Path(raw_dir) / LTLA_VINTAGES[0] / LTLA_VINTAGES[1]
    vintages = load.read_rda(
        vintages_path, required=["ltla19_code", "ltla19_name", "ltla21_code"]
    ).dropna(subset=["ltla19_code", "ltla21_code"])
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
            file=lookup_path,
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
