"""Inputs published on LSOA 2021: Census 2021 tables, English IoD 2025 and CNI 2023.

Each reader validates its file on load and returns one row per LSOA 2021 with this
package's column names; hopeful.indicators.convert gives each LSOA 2021 its town.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import load
from hopeful.errors import DataError
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

CENSUS21_AGE = ("hack25usefuldata", "census21_pop.rda")
ETHNICITY21 = ("humaniverse-demographr", "ethnicity21_lsoa21.rda")
TENURE21 = ("humaniverse-demographr", "household_tenure21_lsoa21.rda")
DISABILITY21 = ("humaniverse-demographr", "disability21_lsoa21_ew.rda")
HOUSEHOLDS21 = ("humaniverse-imd", "census21_deprivation_england_wales_lsoa21.rda")
IMD25 = ("humaniverse-imd", "imd2025_england_lsoa21.rda")
IMD25_INDICATORS = ("humaniverse-imd", "imd2025_england_lsoa21_indicators.rda")
CNI23 = ("humaniverse-imd", "cni2023_england_lsoa21.rda")

AGE_GROUPS = {
    "Aged 15 years and under": "age_0_15",
    "Aged 16 to 24 years": "age_16_24",
    "Aged 25 to 34 years": "age_25_34",
    "Aged 35 to 49 years": "age_35_49",
    "Aged 50 to 64 years": "age_50_64",
    "Aged 65 years and over": "age_65plus",
}
ETHNIC_GROUPS = {
    "Asian, Asian British or Asian Welsh": "eth_asian",
    "Black, Black British, Black Welsh, Caribbean or African": "eth_black",
    "Mixed or Multiple ethnic groups": "eth_mixed",
    "White": "eth_white",
    "Other ethnic group": "eth_other",
}
TENURES = {
    "Owned: Owns outright": "owned_outright",
    "Owned: Owns with a mortgage or loan": "owned_mortgage",
    "Shared ownership: Shared ownership": "shared_ownership",
    "Social rented: Rents from council or Local Authority": "social_council",
    "Social rented: Other social rented": "social_other",
    "Private rented: Private landlord or letting agency": "private_landlord",
    "Private rented: Other private rented": "private_other",
    "Lives rent free": "rent_free",
}
DISABILITY = {
    "Disabled under the Equality Act": "disabled",
    "Not disabled under the Equality Act": "not_disabled",
}

IOD25_INDICATORS = {
    "household_overcrowding_indicator_bedrooms": "overcrowding",
    "homelessness_indicator_rate_per_1_000_households": "homelessness",
    "housing_affordability_indicator": "affordability",
    "connectivity_score": "connectivity",
    "digital_connectivity_broadband_download_and_upload_speeds": "broadband",
    "patient_to_gp_ratio": "gp_ratio",
    "violence_with_injury_rate_per_1_000_at_risk_population": "violence_injury",
    "violence_without_injury_rate_per_1_000_at_risk_population": "violence_no_injury",
    "anti_social_behaviour_rate_per_1_000_at_risk_population": "asb",
    "adult_skills_and_english_language_proficiency_indicator": "adult_skills",
    "comparative_illness_and_disability_ratio_indicator": "cidr",
    "mental_health_indicator": "mental_health",
    "years_of_potential_life_lost_indicator": "ypll",
}
CNI23_RANKS = {
    "Community Needs Index 2023 Rank": "cni_need",
    "Civic Assets Domain Rank": "cni_civic_assets",
    "Connectedness Domain Rank": "cni_connectedness",
    "Active and Engaged Community Domain Rank": "cni_engagement",
}
LEFT_BEHIND = "Left Behind Area?"


def _long(
    raw_dir: Path,
    source: tuple[str, str],
    category: str,
    value: str,
    labels: dict[float | str, str],
) -> tuple[pd.DataFrame, Path]:
    """A long Census table as one row per LSOA 2021 (indexed by code), and its path."""
    path = source_path(raw_dir, source)
    frame = load.read_rda(path, required=["lsoa21_code", category, value])
    load.check_codes(frame, "lsoa21_code", "lsoa", path)
    wide = wide_counts(
        frame, path, key="lsoa21_code", category=category, value=value, labels=labels
    )
    return wide.set_index("lsoa21_code"), path


def census2021(raw_dir: Path) -> pd.DataFrame:
    """Census 2021 counts per LSOA 2021: residents by age and ethnic group, disability,
    households by tenure and by number of deprivation dimensions."""
    ages, age_path = _long(raw_dir, CENSUS21_AGE, "age_group", "usual_residents", AGE_GROUPS)
    ethnic, eth_path = _long(raw_dir, ETHNICITY21, "ethnic_group", "n", ETHNIC_GROUPS)
    tenure, ten_path = _long(raw_dir, TENURE21, "tenure", "n", TENURES)
    disability, dis_path = _long(raw_dir, DISABILITY21, "disability", "n", DISABILITY)
    dims = {float(d): f"dim{d}" for d in range(5)}
    deprivation, dep_path = _long(
        raw_dir, HOUSEHOLDS21, "households_number_deprivation_dimensions", "count", dims
    )
    out = pd.DataFrame(index=ages.index)
    out["residents"] = ages.sum(axis=1)
    out["age_0_15"] = ages["age_0_15"]
    out["age_16_64"] = ages[["age_16_24", "age_25_34", "age_35_49", "age_50_64"]].sum(axis=1)
    out["age_25_64"] = ages[["age_25_34", "age_35_49", "age_50_64"]].sum(axis=1)
    out["age_65plus"] = ages["age_65plus"]
    parts = [
        (ethnic, eth_path),
        (disability.assign(disability_total=disability.sum(axis=1)), dis_path),
        (_tenure_groups(tenure), ten_path),
        (deprived_households(deprivation, "hh21"), dep_path),
    ]
    for frame, path in parts:
        _same_areas(out.index, frame.index, path, age_path)
        out = out.join(frame)
    out["eth_total"] = out[list(ETHNIC_GROUPS.values())].sum(axis=1)
    return out.rename_axis("lsoa21_code").sort_index().reset_index()


def _tenure_groups(tenure: pd.DataFrame) -> pd.DataFrame:
    """Owner-occupied (outright or mortgage), social and private rented, and all households."""
    return pd.DataFrame(
        {
            "households": tenure.sum(axis=1),
            "owner_occupied": tenure["owned_outright"] + tenure["owned_mortgage"],
            "social_rented": tenure["social_council"] + tenure["social_other"],
            "private_rented": tenure["private_landlord"] + tenure["private_other"],
        }
    )


def _same_areas(expected: pd.Index, found: pd.Index, path: Path, reference: Path) -> None:
    """Census tables must cover the same LSOAs: a gap would silently shrink a town's totals."""
    missing = expected.difference(found)
    extra = found.difference(expected)
    if len(missing) or len(extra):
        raise DataError(
            f"LSOA 2021 codes differ from {reference.name}: missing {list(missing[:5])}, "
            f"extra {list(extra[:5])}",
            file=path,
            column="lsoa21_code",
        )


def iod2025(raw_dir: Path) -> tuple[pd.DataFrame, int]:
    """English IoD 2025 per LSOA 2021: IMD score and rank, within-England IMD percentile,
    income rate and the underlying indicators used as town indicators; plus the number of
    ranked LSOAs (the denominator of the national percentiles)."""
    path = source_path(raw_dir, IMD25)
    frame = load.read_rda(path, required=["lsoa21_code", "IMD_score", "IMD_rank", "Income_score"])
    code = coded(frame, "lsoa21_code", "lsoa", path)
    ranked, n = ranks(frame, {"IMD_rank": "imd25_rank"}, path)
    out = pd.DataFrame(
        {
            "lsoa21_code": code,
            "imd25_score": load.check_numeric(frame, "IMD_score", path, low=0, high=100),
            "imd25_rank": ranked["imd25_rank"],
            "dep_imd25": deprivation_percentile(ranked["imd25_rank"], n),
            "income25_rate": load.check_numeric(frame, "Income_score", path, low=0, high=1),
        }
    )
    i_path = source_path(raw_dir, IMD25_INDICATORS)
    indicators = load.read_rda(i_path, required=["lsoa21_code", *IOD25_INDICATORS])
    values = optional_numbers(indicators, IOD25_INDICATORS, i_path)
    values.insert(0, "lsoa21_code", coded(indicators, "lsoa21_code", "lsoa", i_path))
    values["violence"] = values["violence_injury"] + values["violence_no_injury"]
    _same_areas(pd.Index(out["lsoa21_code"]), pd.Index(values["lsoa21_code"]), i_path, path)
    out = out.merge(values, on="lsoa21_code", how="left", validate="one_to_one")
    return out.sort_values("lsoa21_code").reset_index(drop=True), n


def cni2023(raw_dir: Path) -> pd.DataFrame:
    """Community Needs Index 2023 (England, LSOA 2021): need percentiles (100 = most need) of
    the overall index and its three domains, and the left-behind flag as 1/0."""
    path = source_path(raw_dir, CNI23)
    frame = load.read_rda(path, required=["lsoa21_code", *CNI23_RANKS, LEFT_BEHIND])
    code = coded(frame, "lsoa21_code", "lsoa", path)
    ranked, n = ranks(frame, CNI23_RANKS, path)
    out = pd.DataFrame({name: deprivation_percentile(ranked[name], n) for name in ranked})
    flag = frame[LEFT_BEHIND]
    fail_at(frame, LEFT_BEHIND, ~flag.isin([True, False]), path, "not TRUE/FALSE")
    out["left_behind"] = flag.astype("float64")
    out.insert(0, "lsoa21_code", code)
    return out.sort_values("lsoa21_code").reset_index(drop=True)
