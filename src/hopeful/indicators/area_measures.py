"""Inputs published for areas larger than an LSOA: MSOA 2021 and 2011, local authority, town.

MSOA rates reach a town through its LSOAs: each LSOA carries its MSOA's rate, and the town
takes the mean weighted by its LSOAs' residents, which is the same as apportioning each
MSOA's count to its LSOAs in proportion to their population ("msoa_apportioned").
Local-authority values are inherited by every LSOA of the authority ("inherited_la").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim, load
from hopeful.errors import DataError
from hopeful.indicators.aggregate import deprivation_percentile

MAIN_ENGLISH = "Main language is English (English or Welsh in Wales)"
MAIN_OTHER = "Main language is not English (English or Welsh in Wales)"
CANNOT_WELL = f"{MAIN_OTHER}: Cannot speak English well"
CANNOT = f"{MAIN_OTHER}: Cannot speak English"

BORN_UK = "europe_united_kingdom"
# EU members that joined 2004-2013 (Poland, Lithuania, Romania, Croatia, ...): the "new" EU
# migration of the 2000s and 2010s that the Towns Index research singles out.
BORN_EU_ACCESSION = [
    "europe_other_europe_eu_countries_countries_that_joined_the_eu_between_april_2001_and_march_2011",
    "europe_other_europe_eu_countries_countries_that_joined_the_eu_between_april_2011_and_march_2021",
]

CNI22_RANKS = ["cni_need", "cni_civic_assets", "cni_connectedness", "cni_engagement"]

ONS_EDUCATION = {
    "education_score": "ons_education_score",
    "perc_age_18_l3": "level3_at_18_share",
    "perc_age_19_full_time_higher_ed": "he_at_19_share",
}
PERCENT_COLUMNS = ("perc_age_18_l3", "perc_age_19_full_time_higher_ed")


def msoa21_rates(interim_dir: Path) -> pd.DataFrame:
    """Census 2021 per MSOA 2021: shares who arrived from outside the UK in the past year,
    who moved address in the past year (churn), and who cannot speak English (well)."""
    migration = interim.read(interim_dir, "migration21_msoa21")
    residents = migration["all_usual_residents"]
    moved = migration["migrant_from_within_uk"] + migration["migrant_from_outside_uk"]
    out = pd.DataFrame(
        {
            "msoa21_code": migration["msoa21_code"],
            "msoa21_name": migration["msoa21_name"],
            "arrivals_rate": migration["migrant_from_outside_uk"] / residents,
            "churn_rate": moved / residents,
        }
    )
    p = interim.read(interim_dir, "proficiency21_msoa21")
    aged_3_plus = p[MAIN_ENGLISH] + p[MAIN_OTHER]
    rate = pd.Series(
        ((p[CANNOT_WELL] + p[CANNOT]) / aged_3_plus).to_numpy(), index=p["msoa21_code"]
    )
    out["cannot_speak_rate"] = out["msoa21_code"].map(rate)
    load.fail_at(
        out,
        "msoa21_code",
        out["cannot_speak_rate"].isna(),
        interim.raw_file("proficiency21_msoa21"),
        "MSOA of the migration table is missing here",
    )
    return out.sort_values("msoa21_code").reset_index(drop=True)


def lsoa11_to_msoa11(interim_dir: Path) -> pd.DataFrame:
    """England and Wales LSOA 2011 -> MSOA 2011 (the file also holds Scottish data zones)."""
    return interim.read(interim_dir, "lookup_lsoa11_msoa11")


def cni2022_wales(interim_dir: Path) -> pd.DataFrame:
    """Community Needs Index 2022 for Welsh MSOA 2011: need percentiles within Wales
    (100 = most need) of the index and its domains, and the left-behind flag as 1/0."""
    frame = interim.read(interim_dir, "cni2022_wales_msoa11")
    n = len(frame)
    out = pd.DataFrame(
        {name: deprivation_percentile(frame[name], n) for name in CNI22_RANKS},
        index=frame.index,
    )
    out["left_behind"] = frame["left_behind"]
    out.insert(0, "msoa11_code", frame["msoa11_code"])
    return out.sort_values("msoa11_code").reset_index(drop=True)


def cni2022_wales_by_lsoa(interim_dir: Path) -> pd.DataFrame:
    """Welsh LSOA 2011 carrying their MSOA 2011's CNI 2022 percentiles and left-behind flag."""
    lookup = lsoa11_to_msoa11(interim_dir)
    welsh = lookup[lookup["lsoa11_code"].str.startswith("W")]
    out = welsh.merge(cni2022_wales(interim_dir), on="msoa11_code", how="left")
    return out.drop(columns="msoa11_code").reset_index(drop=True)


def country_of_birth(interim_dir: Path) -> pd.DataFrame:
    """Census 2021 per local authority (2021 LTLA): shares born outside the UK and born in
    the EU accession countries of 2004-2013."""
    frame = interim.read(interim_dir, "country_of_birth21_ltla21")
    frame = frame.rename(columns={"ltla21_code": "code"})
    wanted = frame[frame["country_of_birth"].isin([BORN_UK, *BORN_EU_ACCESSION])]
    wide = wanted.pivot(index="code", columns="country_of_birth", values="value")
    wide = wide.reindex(index=sorted(frame["code"].unique()))
    totals = frame.groupby("code")["total"].first().reindex(wide.index)
    for label in [BORN_UK, *BORN_EU_ACCESSION]:
        if label not in wide.columns or wide[label].isna().any():
            raise DataError(
                f"an authority has no row for country of birth {label!r}",
                file=interim.raw_file("country_of_birth21_ltla21"),
                column="country_of_birth",
            )
    return pd.DataFrame(
        {
            "lad_code": wide.index,
            "born_outside_uk": (1 - wide[BORN_UK] / totals).to_numpy(),
            "born_eu_accession": (wide[BORN_EU_ACCESSION].sum(axis=1) / totals).to_numpy(),
        }
    )


def non_white_british_change(interim_dir: Path) -> pd.DataFrame:
    """Per 2021 local authority: change in the share of residents not White British, Census
    2011 (LSOA 2011 counts summed to the authority) to Census 2021 (published by authority),
    in fractions of 1 (0.05 = 5 percentage points)."""
    lookup = interim.read(interim_dir, "lookup_lsoa11_ltla21").set_index("lsoa11_code")
    census11 = interim.read(interim_dir, "ethnicity11_lsoa11")
    lad = census11["lsoa11_code"].map(lookup["ltla21_code"])
    path11 = interim.raw_file("ethnicity11_lsoa11")
    load.fail_at(census11, "lsoa11_code", lad.isna(), path11, "LSOA 2011 has no 2021 authority")
    sums11 = census11[["persons", "white_british"]].groupby(lad.rename("lad_code")).sum()
    census21 = interim.read(interim_dir, "ethnicity21_ltla21").set_index("ltla21_code")
    if set(sums11.index) != set(census21.index):
        differ = sorted(set(sums11.index) ^ set(census21.index))[:5]
        raise DataError(
            f"2011 LSOA authorities and 2021 authorities differ: {differ}",
            file=interim.raw_file("ethnicity21_ltla21"),
            column="ltla21_code",
        )
    share11 = 1 - sums11["white_british"] / sums11["persons"]
    share21 = 1 - census21["white_british"] / census21["residents"]
    change = (share21 - share11.reindex(share21.index)).sort_index()
    return pd.DataFrame(
        {"lad_code": change.index, "non_white_british_growth_la": change.to_numpy()}
    )


def ons_town_education(interim_dir: Path) -> pd.DataFrame:
    """ONS education outcomes published for English towns (town_code + three indicators)."""
    frame = interim.read(interim_dir, "towns_english_education")
    out = pd.DataFrame({"town_code": frame["town_code"].astype(str)})
    for source, name in ONS_EDUCATION.items():
        values = frame[source]
        out[name] = values / 100 if source in PERCENT_COLUMNS else values
    return out.sort_values("town_code").reset_index(drop=True)
