"""Inputs published on LSOA 2011: mid-2019 population, IoD 2019, WIMD 2019, Census 2011, CNI 2019.

Each reader validates its file on load (errors name file, column and row) and returns one
row per LSOA 2011 with this package's column names, ready to join to the town lookup.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import load
from hopeful.indicators.aggregate import deprivation_percentile
from hopeful.indicators.tidy import (
    coded,
    deprived_households,
    fail_at,
    optional_numbers,
    ranks,
    source_path,
    wide_counts,
)

POPULATION19 = ("humaniverse-demographr", "population19_lsoa11.rda")
IMD19_ENGLAND = ("humaniverse-imd", "imd2019_england_lsoa11.rda")
IMD19_SUBDOMAINS = ("humaniverse-imd", "imd2019_england_lsoa11_subdomains.rda")
IMD19_INDICATORS = ("humaniverse-imd", "imd2019_england_lsoa11_indicators.rda")
WIMD19 = ("humaniverse-imd", "imd2019_wales_lsoa11.rda")
HOUSEHOLDS11 = ("humaniverse-imd", "census11_deprivation_england_wales_lsoa11.rda")
CNI19_WARDS = ("humaniverse-imd", "cni2019_england_ward17.rda")
LSOA11_TO_WARD17 = ("humaniverse-geographr", "lookup_lsoa11_ward17.rda")

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
SUBDOMAIN_RANKS = {
    "Geographical_barriers_rank",
    "Wider_barriers_rank",
    "Adult_skills_rank",
    "Children_and_young_people_rank",
}

IOD19_INDICATORS = {
    "income_deprivation_affecting_older_people_index_idaopi_numerator": "idaopi_n",
    "income_deprivation_affecting_children_index_idaci_numerator": "idaci_n",
    "road_distance_to_a_gp_surgery_indicator_km": "dist_gp",
    "road_distance_to_a_primary_school_indicator_km": "dist_school",
    "road_distance_to_general_store_or_supermarket_indicator_km": "dist_shop",
    "road_distance_to_a_post_office_indicator_km": "dist_post_office",
    "housing_in_poor_condition_indicator": "poor_condition",
    "air_quality_indicator": "air_quality",
}
# IoD File 8 suppresses numerators below 10 (published counts are >= 10, rounded to 5): such
# an LSOA has 0-9 deprived people, counted as the midpoint 5 rather than dropped (dropping
# would leave only the more deprived LSOAs in a town's rate).
SUPPRESSED_COUNT = 5.0
SUPPRESSED = ("idaopi_n", "idaci_n")


def population19(raw_dir: Path) -> pd.DataFrame:
    """Mid-2019 residents per LSOA 2011: total and the age groups the indicators divide by."""
    path = source_path(raw_dir, POPULATION19)
    ages = [str(a) for a in range(90)] + ["90+"]
    frame = load.read_rda(path, required=["lsoa11_code", "total_population", *ages])
    out = pd.DataFrame({"lsoa11_code": coded(frame, "lsoa11_code", "lsoa", path)})
    out["pop19"] = load.check_numeric(frame, "total_population", path, low=0, low_inclusive=False)
    single = {a: load.check_numeric(frame, a, path, low=0) for a in ages}
    for name, band in AGE_BANDS.items():
        columns = [str(a) for a in band] + (["90+"] if band.stop == 90 else [])
        out[name] = sum(single[c] for c in columns)
    return out.sort_values("lsoa11_code").reset_index(drop=True)


def _percentiles(frame: pd.DataFrame, path: Path, columns: dict[str, str]) -> pd.DataFrame:
    """Ranks of the named columns as deprivation percentiles, indexed by LSOA code."""
    code = coded(frame, "lsoa11_code", "lsoa", path)
    ranked, n = ranks(frame, columns, path)
    out = pd.DataFrame({name: deprivation_percentile(ranked[name], n) for name in ranked})
    return out.set_axis(code.to_numpy())


def deprivation_percentiles(raw_dir: Path) -> pd.DataFrame:
    """Within-nation deprivation percentile (100 = most deprived) per domain, E and W LSOAs."""
    domain = {e: n for n, (e, _) in DEPRIVATION_RANKS.items() if e not in SUBDOMAIN_RANKS}
    subdomain = {e: n for n, (e, _) in DEPRIVATION_RANKS.items() if e in SUBDOMAIN_RANKS}
    welsh = {w: n for n, (_, w) in DEPRIVATION_RANKS.items() if w is not None}
    parts = []
    for source, columns in (
        (IMD19_ENGLAND, domain),
        (IMD19_SUBDOMAINS, subdomain),
        (WIMD19, welsh),
    ):
        path = source_path(raw_dir, source)
        frame = load.read_rda(path, required=["lsoa11_code", *columns])
        parts.append(_percentiles(frame, path, columns))
    england = parts[0].join(parts[1], how="outer")
    out = pd.concat([england, parts[2]]).reindex(columns=list(DEPRIVATION_RANKS))
    return out.rename_axis("lsoa11_code").sort_index().reset_index()


def iod2019_indicators(raw_dir: Path) -> pd.DataFrame:
    """IoD 2019 underlying indicators used as town indicators (England LSOAs only)."""
    path = source_path(raw_dir, IMD19_INDICATORS)
    frame = load.read_rda(path, required=["lsoa11_code", *IOD19_INDICATORS])
    out = optional_numbers(frame, IOD19_INDICATORS, path, low=0)
    for column in SUPPRESSED:
        out[column] = out[column].fillna(SUPPRESSED_COUNT)
    out.insert(0, "lsoa11_code", coded(frame, "lsoa11_code", "lsoa", path))
    return out.sort_values("lsoa11_code").reset_index(drop=True)


def households2011(raw_dir: Path) -> pd.DataFrame:
    """Census 2011 households and those deprived in at least one dimension (QS119EW)."""
    path = source_path(raw_dir, HOUSEHOLDS11)
    frame = load.read_rda(
        path, required=["lsoa11_code", "households_number_deprivation_dimensions", "count"]
    )
    load.check_codes(frame, "lsoa11_code", "lsoa", path)
    wide = wide_counts(
        frame,
        path,
        key="lsoa11_code",
        category="households_number_deprivation_dimensions",
        value="count",
        labels={float(d): f"dim{d}" for d in range(5)},
    )
    out = deprived_households(wide.set_index("lsoa11_code"), "hh11")
    return out.reset_index()


def left_behind_2019(raw_dir: Path) -> pd.DataFrame:
    """1 where the LSOA's best-fit 2017 ward is one of Local Trust's left-behind wards (CNI 2019).

    England only; LSOAs whose ward is not in the CNI file (about 0.2 %) get NaN.
    """
    w_path = source_path(raw_dir, CNI19_WARDS)
    wards = load.read_rda(w_path, required=["ward17_code", "Left Behind Area?"])
    load.check_unique(wards, "ward17_code", w_path)
    flag = wards["Left Behind Area?"]
    fail_at(wards, "Left Behind Area?", ~flag.isin([True, False]), w_path, "not TRUE/FALSE")
    l_path = source_path(raw_dir, LSOA11_TO_WARD17)
    lookup = load.read_rda(l_path, required=["lsoa11_code", "ward17_code"])
    codes = coded(lookup, "lsoa11_code", "lsoa", l_path)
    by_ward = pd.Series(flag.astype(float).to_numpy(), index=wards["ward17_code"].astype(str))
    out = pd.DataFrame(
        {
            "lsoa11_code": codes,
            "left_behind_2019": lookup["ward17_code"].astype(str).map(by_ward).to_numpy(),
        }
    )
    out = out[out["lsoa11_code"].str.startswith("E")]
    return out.sort_values("lsoa11_code").reset_index(drop=True)
