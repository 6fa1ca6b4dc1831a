"""Inputs published for areas larger than an LSOA: MSOA 2021 and 2011, local authority, town.

MSOA rates reach a town through its LSOAs: each LSOA carries its MSOA's rate, and the town
takes the mean weighted by its LSOAs' residents, which is the same as apportioning each
MSOA's count to its LSOAs in proportion to their population ("msoa_apportioned").
Local-authority values are inherited by every LSOA of the authority ("inherited_la").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import load
from hopeful.errors import DataError
from hopeful.indicators.aggregate import deprivation_percentile
from hopeful.indicators.tidy import coded, fail_at, ranks, source_path

MIGRATION21 = ("humaniverse-demographr", "migration21_msoa21.rda")
PROFICIENCY21 = ("humaniverse-demographr", "proficiency21_msoa21.rda")
BIRTH21 = ("humaniverse-demographr", "country_of_birth21_ltla21.rda")
CNI22_WALES = ("humaniverse-imd", "cni2022_wales_msoa11.rda")
LSOA11_TO_MSOA11 = ("humaniverse-geographr", "lookup_lsoa11_msoa11.rda")
ONS_TOWNS = ("ons-towns-english-education", "english_education.csv")

MIGRATION_COLUMNS = [
    "all_usual_residents",
    "address_one_year_ago_is_the_same",
    "address_one_year_ago_is_student_or_boarding",
    "migrant_from_within_uk",
    "migrant_from_outside_uk",
]
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

CNI22_RANKS = {
    "Community Needs Index rank": "cni_need",
    "Civic Assets rank": "cni_civic_assets",
    "Connectedness rank": "cni_connectedness",
    "Engaged Community rank": "cni_engagement",
}
LEFT_BEHIND = "Left Behind Area?"

ONS_EDUCATION = {
    "education_score": "ons_education_score",
    "perc_age_18_l3": "level3_at_18_share",
    "perc_age_19_full_time_higher_ed": "he_at_19_share",
}
PERCENT_COLUMNS = ("perc_age_18_l3", "perc_age_19_full_time_higher_ed")


def msoa21_rates(raw_dir: Path) -> pd.DataFrame:
    """Census 2021 per MSOA 2021: shares who arrived from outside the UK in the past year,
    who moved address in the past year (churn), and who cannot speak English (well)."""
    m_path = source_path(raw_dir, MIGRATION21)
    migration = load.read_rda(m_path, required=["msoa21_code", "msoa21_name", *MIGRATION_COLUMNS])
    code = coded(migration, "msoa21_code", "msoa", m_path)
    counts = {c: load.check_numeric(migration, c, m_path, low=0) for c in MIGRATION_COLUMNS}
    residents = load.check_numeric(migration, "all_usual_residents", m_path, low=1)
    moved = counts["migrant_from_within_uk"] + counts["migrant_from_outside_uk"]
    out = pd.DataFrame(
        {
            "msoa21_code": code,
            "msoa21_name": migration["msoa21_name"].astype(str),
            "arrivals_rate": counts["migrant_from_outside_uk"] / residents,
            "churn_rate": moved / residents,
        }
    )
    p_path = source_path(raw_dir, PROFICIENCY21)
    columns = [MAIN_ENGLISH, MAIN_OTHER, CANNOT_WELL, CANNOT]
    proficiency = load.read_rda(p_path, required=["msoa21_code", *columns])
    p_code = coded(proficiency, "msoa21_code", "msoa", p_path)
    p = {c: load.check_numeric(proficiency, c, p_path, low=0) for c in columns}
    aged_3_plus = p[MAIN_ENGLISH] + p[MAIN_OTHER]
    fail_at(proficiency, MAIN_ENGLISH, aged_3_plus <= 0, p_path, "no residents aged 3+")
    rate = pd.Series(((p[CANNOT_WELL] + p[CANNOT]) / aged_3_plus).to_numpy(), index=p_code)
    out["cannot_speak_rate"] = out["msoa21_code"].map(rate)
    fail_at(
        out,
        "msoa21_code",
        out["cannot_speak_rate"].isna(),
        p_path,
        "MSOA of the migration table is missing here",
    )
    return out.sort_values("msoa21_code").reset_index(drop=True)


def lsoa11_to_msoa11(raw_dir: Path) -> pd.DataFrame:
    """England and Wales LSOA 2011 -> MSOA 2011 (the file also holds Scottish data zones)."""
    path = source_path(raw_dir, LSOA11_TO_MSOA11)
    frame = load.read_rda(path, required=["lsoa11_code", "msoa11_code"])
    frame = frame[frame["lsoa11_code"].astype(str).str.match(r"^[EW]")].reset_index(drop=True)
    code = coded(frame, "lsoa11_code", "lsoa", path)
    load.check_codes(frame, "msoa11_code", "msoa", path)
    return pd.DataFrame({"lsoa11_code": code, "msoa11_code": frame["msoa11_code"].astype(str)})


def cni2022_wales(raw_dir: Path) -> pd.DataFrame:
    """Community Needs Index 2022 for Welsh MSOA 2011: need percentiles within Wales
    (100 = most need) of the index and its domains, and the left-behind flag as 1/0."""
    path = source_path(raw_dir, CNI22_WALES)
    frame = load.read_rda(path, required=["msoa11_code", *CNI22_RANKS, LEFT_BEHIND])
    code = coded(frame, "msoa11_code", "msoa", path)
    ranked, n = ranks(frame, CNI22_RANKS, path)
    out = pd.DataFrame({name: deprivation_percentile(ranked[name], n) for name in ranked})
    flag = frame[LEFT_BEHIND]
    fail_at(frame, LEFT_BEHIND, ~flag.isin([True, False]), path, "not TRUE/FALSE")
    out["left_behind"] = flag.astype("float64")
    out.insert(0, "msoa11_code", code)
    return out.sort_values("msoa11_code").reset_index(drop=True)


def cni2022_wales_by_lsoa(raw_dir: Path) -> pd.DataFrame:
    """Welsh LSOA 2011 carrying their MSOA 2011's CNI 2022 percentiles and left-behind flag."""
    lookup = lsoa11_to_msoa11(raw_dir)
    welsh = lookup[lookup["lsoa11_code"].str.startswith("W")]
    out = welsh.merge(cni2022_wales(raw_dir), on="msoa11_code", how="left")
    return out.drop(columns="msoa11_code").reset_index(drop=True)


def country_of_birth(raw_dir: Path) -> pd.DataFrame:
    """Census 2021 per local authority (2021 LTLA): shares born outside the UK and born in
    the EU accession countries of 2004-2013."""
    path = source_path(raw_dir, BIRTH21)
    cols = ["ltla21_code", "country_of_birth", "value", "total_all_usual_residents"]
    frame = load.read_rda(path, required=cols)
    load.check_codes(frame, "ltla21_code", "lad", path)
    repeated = frame.duplicated(["ltla21_code", "country_of_birth"])
    fail_at(frame, "ltla21_code", repeated, path, "repeated authority and country")
    value = load.check_numeric(frame, "value", path, low=0)
    total = load.check_numeric(frame, "total_all_usual_residents", path, low=1)
    frame = frame.assign(value=value, total=total, code=frame["ltla21_code"].astype(str))
    wanted = frame[frame["country_of_birth"].isin([BORN_UK, *BORN_EU_ACCESSION])]
    wide = wanted.pivot(index="code", columns="country_of_birth", values="value")
    wide = wide.reindex(index=sorted(frame["code"].unique()))
    totals = frame.groupby("code")["total"].first().reindex(wide.index)
    for label in [BORN_UK, *BORN_EU_ACCESSION]:
        if label not in wide.columns or wide[label].isna().any():
            raise DataError(
                f"an authority has no row for country of birth {label!r}",
                file=path,
                column="country_of_birth",
            )
    return pd.DataFrame(
        {
            "lad_code": wide.index,
            "born_outside_uk": (1 - wide[BORN_UK] / totals).to_numpy(),
            "born_eu_accession": (wide[BORN_EU_ACCESSION].sum(axis=1) / totals).to_numpy(),
        }
    )


def ons_town_education(raw_dir: Path) -> pd.DataFrame:
    """ONS education outcomes published for English towns (town_code + three indicators)."""
    path = source_path(raw_dir, ONS_TOWNS)
    frame = load.read_csv(path, required=["town_code", *ONS_EDUCATION])
    frame = frame[frame["town_code"].notna()].reset_index(drop=True)
    out = pd.DataFrame({"town_code": coded(frame, "town_code", "town", path)})
    for source, name in ONS_EDUCATION.items():
        high = 100 if source in PERCENT_COLUMNS else None
        low = 0 if high else None
        values = load.check_numeric(frame, source, path, low=low, high=high, allow_missing=True)
        out[name] = values / 100 if high else values
    return out.sort_values("town_code").reset_index(drop=True)
