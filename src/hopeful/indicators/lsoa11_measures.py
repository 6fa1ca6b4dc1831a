"""Inputs published on LSOA 2011: mid-2019 population, IoD 2019, WIMD 2019, Census 2011, CNI 2019.

Each function reads the validated interim tables of its files (hopeful.prepare.raw_tables) and
returns one row per LSOA 2011 with this package's column names, ready to join to the town lookup.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim
from hopeful.indicators.aggregate import deprivation_percentile
from hopeful.indicators.tidy import deprived_households

AGE_BANDS = {
    "pop19_0_15": range(0, 16),
    "pop19_18_64": range(18, 65),
    "pop19_60plus": range(60, 90),
    "pop19_65plus": range(65, 90),
}

# Within-nation deprivation percentiles: output column -> (IoD 2019 England rank column,
# WIMD 2019 rank column, or None where Wales has no counterpart). The pairs are the closest
# constructs, not the same ones: docs/indicators.md lists the differences.
DEPRIVATION_RANKS = {
    "dep_imd": ("IMD_rank", "IMD_rank"),
    "dep_income": ("Income_rank", "Income_rank"),
    "dep_employment": ("Employment_rank", "Employment_rank"),
    "dep_education": ("Education_rank", "Education_rank"),
    "dep_health": ("Health_rank", "Health_rank"),
    "dep_crime": ("Crime_rank", "Crime_rank"),
    "dep_environment": ("Environment_rank", "Environment_rank"),
    "dep_geographical_barriers": ("Geographical_barriers_rank", "Access_rank"),
    "dep_housing": ("Wider_barriers_rank", "Housing_rank"),
    "dep_adult_skills": ("Adult_skills_rank", None),
    "dep_children_education": ("Children_and_young_people_rank", None),
}
# Census 2011 groups outside the four White ones (KS201EW; Arab counts as Other, as in 2021).
NON_WHITE11 = ["mixed", "indian", "pakistani", "bangladeshi", "chinese", "other_asian",
               "black_african", "black_caribbean", "other_black", "arab", "other"]  # fmt: skip
SUBDOMAIN_RANKS = {
    "Geographical_barriers_rank",
    "Wider_barriers_rank",
    "Adult_skills_rank",
    "Children_and_young_people_rank",
}

# IoD File 8 suppresses numerators below 10 (published counts are >= 10, rounded to 5): such
# an LSOA has 0-9 deprived people, counted as the midpoint 5 rather than dropped (dropping
# would leave only the more deprived LSOAs in a town's rate).
SUPPRESSED_COUNT = 5.0
SUPPRESSED = ("idaopi_n", "idaci_n")


def population19(interim_dir: Path) -> pd.DataFrame:
    """Mid-2019 residents per LSOA 2011: total and the age groups the indicators divide by."""
    frame = interim.read(interim_dir, "population19_lsoa11")
    out = pd.DataFrame({"lsoa11_code": frame["lsoa11_code"], "pop19": frame["total_population"]})
    for name, band in AGE_BANDS.items():
        columns = [str(a) for a in band] + (["90+"] if band.stop == 90 else [])
        out[name] = sum(frame[c] for c in columns)
    return out.sort_values("lsoa11_code").reset_index(drop=True)


def _percentiles(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Ranks of the named columns as deprivation percentiles, indexed by LSOA code."""
    n = len(frame)
    out = pd.DataFrame(
        {name: deprivation_percentile(frame[rank], n) for rank, name in columns.items()}
    )
    return out.set_axis(frame["lsoa11_code"].to_numpy())


def deprivation_percentiles(interim_dir: Path) -> pd.DataFrame:
    """Within-nation deprivation percentile (100 = most deprived) per domain, E and W LSOAs."""
    domain = {e: n for n, (e, _) in DEPRIVATION_RANKS.items() if e not in SUBDOMAIN_RANKS}
    subdomain = {e: n for n, (e, _) in DEPRIVATION_RANKS.items() if e in SUBDOMAIN_RANKS}
    welsh = {w: n for n, (_, w) in DEPRIVATION_RANKS.items() if w is not None}
    parts = []
    for dataset_id, columns in (
        ("imd2019_england_lsoa11", domain),
        ("imd2019_england_lsoa11_subdomains", subdomain),
        ("imd2019_wales_lsoa11", welsh),
    ):
        parts.append(_percentiles(interim.read(interim_dir, dataset_id), columns))
    england = parts[0].join(parts[1], how="outer")
    out = pd.concat([england, parts[2]]).reindex(columns=list(DEPRIVATION_RANKS))
    return out.rename_axis("lsoa11_code").sort_index().reset_index()


def iod2019_indicators(interim_dir: Path) -> pd.DataFrame:
    """IoD 2019 underlying indicators used as town indicators (England LSOAs only)."""
    out = interim.read(interim_dir, "imd2019_england_lsoa11_indicators")
    for column in SUPPRESSED:
        out[column] = out[column].fillna(SUPPRESSED_COUNT)
    return out.sort_values("lsoa11_code").reset_index(drop=True)


def households2011(interim_dir: Path) -> pd.DataFrame:
    """Census 2011 households and those deprived in at least one dimension (QS119EW)."""
    wide = interim.read(interim_dir, "census11_deprivation_england_wales_lsoa11")
    out = deprived_households(wide.set_index("lsoa11_code"), "hh11")
    return out.reset_index()


def left_behind_2019(interim_dir: Path) -> pd.DataFrame:
    """1 where the LSOA's best-fit 2017 ward is one of Local Trust's left-behind wards (CNI 2019).

    England only; LSOAs whose ward is not in the CNI file (about 0.2 %) get NaN.
    """
    wards = interim.read(interim_dir, "cni2019_england_ward17")
    lookup = interim.read(interim_dir, "lookup_lsoa11_ward17")
    by_ward = pd.Series(wards["left_behind"].to_numpy(), index=wards["ward17_code"])
    out = pd.DataFrame(
        {
            "lsoa11_code": lookup["lsoa11_code"],
            "left_behind_2019": lookup["ward17_code"].map(by_ward).to_numpy(),
        }
    )
    out = out[out["lsoa11_code"].str.startswith("E")]
    return out.sort_values("lsoa11_code").reset_index(drop=True)


def ethnicity11(interim_dir: Path) -> pd.DataFrame:
    """Census 2011 usual residents per LSOA 2011: all, White British, and not White (the
    Mixed, Asian, Black and Other groups; the four White groups are White)."""
    frame = interim.read(interim_dir, "ethnicity11_lsoa11")
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa11_code"],
            "eth11_persons": frame["persons"],
            "eth11_white_british": frame["white_british"],
            "eth11_nonwhite": frame[NON_WHITE11].sum(axis=1),
        }
    )
