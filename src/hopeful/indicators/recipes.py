"""How each LSOA-based indicator is aggregated: which table, which columns, which weights.

`l11` is the table of the towns' LSOA 2011 (weights: mid-2019 population `pop19` and its age
groups, Census 2011 households `hh11`); `l21` the table of the LSOA 2021 assigned to towns
(weights: Census 2021 `residents`, `households`, `age_25_64`). A `Ratio` sums both columns
over the town before dividing (counts); a `Mean` is the weighted mean of a published score
or rate. `same_nation` keeps only LSOAs of the town's own nation: national indices (IoD,
WIMD, CNI) rank LSOAs within one nation, so the three Welsh LSOAs best-fitted to Chester
(an English town) do not enter its English percentiles. An indicator with two recipes
takes the first where it has a value, else the second (England from one source, Wales from
another). Indicators computed from other indicators (changes, growth, diversity) and the
area-level ones live in hopeful.indicators.build.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    """An indicator summed over a town's areas: numerator total over denominator total."""

    table: str
    numerator: str
    denominator: str
    same_nation: bool = False


@dataclass(frozen=True)
class Mean:
    """An indicator averaged over a town's areas, weighted (e.g. by population)."""

    table: str
    value: str
    weight: str
    same_nation: bool = True


def _l11(value: str, weight: str = "pop19") -> Mean:
    return Mean("l11", value, weight)


def _l21(value: str, weight: str = "residents", same_nation: bool = True) -> Mean:
    return Mean("l21", value, weight, same_nation)


RECIPES: dict[str, tuple[Ratio | Mean, ...]] = {
    # deprivation and economy
    "imd_score_pctile": (_l11("dep_imd"),),
    "income_deprivation": (_l11("dep_income"),),
    "employment_deprivation": (_l11("dep_employment"),),
    "income_deprived_rate": (_l11("income_rate"),),
    "employment_deprived_rate": (_l11("employment_rate", "pop19_18_64"),),
    "pensioner_poverty": (Ratio("l11", "idaopi_n", "pop19_60plus", same_nation=True),),
    "child_poverty": (Ratio("l11", "idaci_n", "pop19_0_15", same_nation=True),),
    "income_deprived_rate_2025": (_l21("income25_rate"),),
    # health and disability
    "health_deprivation": (_l11("dep_health"),),
    "disability_share": (Ratio("l21", "disabled", "disability_total"),),
    "illness_disability_ratio": (_l21("cidr"),),
    "mental_health_indicator": (_l21("mental_health"),),
    "years_life_lost": (_l21("ypll"),),
    # education and skills
    "education_deprivation": (_l11("dep_education"),),
    "adult_skills_deprivation": (_l11("dep_adult_skills"),),
    "child_education_deprivation": (_l11("dep_children_education"),),
    "adult_low_skills_rate": (_l21("adult_skills", "age_25_64"),),
    # demography
    "share_65plus_2021": (Ratio("l21", "age_65plus", "residents"),),
    "share_under16_2021": (Ratio("l21", "age_0_15", "residents"),),
    "old_age_dependency_2021": (Ratio("l21", "age_65plus", "age_16_64"),),
    # diversity and migration
    "share_white": (Ratio("l21", "eth_white", "eth_total"),),
    "arrivals_outside_uk": (_l21("arrivals_rate", same_nation=False),),
    "churn_share": (_l21("churn_rate", same_nation=False),),
    "cannot_speak_english": (_l21("cannot_speak_rate", same_nation=False),),
    # housing
    "owner_occupied_share": (Ratio("l21", "owner_occupied", "households"),),
    "social_rented_share": (Ratio("l21", "social_rented", "households"),),
    "private_rented_share": (Ratio("l21", "private_rented", "households"),),
    "housing_deprivation": (_l11("dep_housing"),),
    "overcrowding": (_l21("overcrowding", "households"),),
    "homelessness_rate": (_l21("homelessness", "households"),),
    "housing_affordability": (_l21("affordability", "households"),),
    "housing_poor_condition": (_l11("poor_condition", "hh11"),),
    "households_deprived_2021": (Ratio("l21", "hh21_deprived", "hh21"),),
    # connectivity and services
    "geographical_barriers": (_l11("dep_geographical_barriers"),),
    "distance_gp_km": (_l11("dist_gp"),),
    "distance_school_km": (_l11("dist_school"),),
    "distance_shop_km": (_l11("dist_shop"),),
    "distance_post_office_km": (_l11("dist_post_office"),),
    "service_connectivity_score": (_l21("connectivity"),),
    "broadband_deficit": (_l21("broadband"),),
    "patient_to_gp_ratio": (_l21("gp_ratio"),),
    # crime and environment
    "imd_crime_pctile": (_l11("dep_crime"),),
    "imd_living_env_pctile": (_l11("dep_environment"),),
    "violent_crime_rate": (_l21("violence"),),
    "asb_rate": (_l21("asb"),),
    "air_quality": (_l11("air_quality"),),
    # social infrastructure: England from CNI 2023 (LSOA 2021), Wales from CNI 2022 (MSOA 2011)
    "cni_need_pctile": (_l21("cni_need"), _l11("cni_need")),
    "cni_civic_assets_pctile": (_l21("cni_civic_assets"), _l11("cni_civic_assets")),
    "cni_connectedness_pctile": (_l21("cni_connectedness"), _l11("cni_connectedness")),
    "cni_engagement_pctile": (_l21("cni_engagement"), _l11("cni_engagement")),
    "left_behind_share": (_l21("left_behind"), _l11("left_behind")),
    "left_behind_2019_share": (_l11("left_behind_2019"),),
    # Census 2021 output-area tables summed to LSOA 2021 (hopeful.indicators.census21_oa)
    "working_class_share": (Ratio("l21", "nssec_working_class", "nssec_classified"),),
    "low_qualifications_share": (Ratio("l21", "qual_low", "qual_residents_16plus"),),
    "degree_share": (Ratio("l21", "qual_degree", "qual_residents_16plus"),),
    "bad_health_share_agestd": (Ratio("l21", "health_bad_agestd", "health_residents"),),
    "disability_share_agestd": (Ratio("l21", "disabled_agestd", "disability_total"),),
    "born_outside_uk_2021": (Ratio("l21", "cob_outside_uk", "cob_residents"),),
    "automation_risk_share": (Ratio("l21", "occ_automation_risk", "occ_employed_16plus"),),
    # Census 2011 ethnic group (LSOA 2011)
    "white_british_share_2011": (Ratio("l11", "eth11_white_british", "eth11_persons"),),
}
