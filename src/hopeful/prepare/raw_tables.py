"""One reader per registered raw file: read it, validate it, return it as a tidy table.

`READERS` maps each dataset id of the registry (hopeful.sources) to its reader, which takes the
file's path and returns a DataFrame; every problem names the raw file, column and row. The
index of a reader's table keeps the file's row labels, so a later check across two tables can
still name the file's row (hopeful.load.row_number). `hopeful prepare` runs every reader once
and writes the tables to data/interim (hopeful.interim); no later stage opens a raw file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from hopeful import interim, load, sources
from hopeful.errors import DataError
from hopeful.prepare import area_readers, geography

__all__ = ["OA_TABLES", "READERS", "read", "write_all"]

AGES = [str(age) for age in range(90)] + ["90+"]
EW_LAD = r"^[EW]0[6789]\d{6}$"
CONSTITUENCY = r"^(E14|W07)\d{6}$"  # England and Wales Westminster constituencies

# Census 2021 long tables (one row per LSOA 2021 x category): category column, count column
# and every category published, each becoming a column of the tidy table.
CENSUS21 = {
    "census21_pop": (
        "age_group",
        "usual_residents",
        [
            "Aged 15 years and under",
            "Aged 16 to 24 years",
            "Aged 25 to 34 years",
            "Aged 35 to 49 years",
            "Aged 50 to 64 years",
            "Aged 65 years and over",
        ],
    ),
    "ethnicity21_lsoa21": (
        "ethnic_group",
        "n",
        [
            "Asian, Asian British or Asian Welsh",
            "Black, Black British, Black Welsh, Caribbean or African",
            "Mixed or Multiple ethnic groups",
            "White",
            "Other ethnic group",
        ],
    ),
    "household_tenure21_lsoa21": (
        "tenure",
        "n",
        [
            "Owned: Owns outright",
            "Owned: Owns with a mortgage or loan",
            "Shared ownership: Shared ownership",
            "Social rented: Rents from council or Local Authority",
            "Social rented: Other social rented",
            "Private rented: Private landlord or letting agency",
            "Private rented: Other private rented",
            "Lives rent free",
        ],
    ),
    "disability21_lsoa21_ew": (
        "disability",
        "n",
        ["Disabled under the Equality Act", "Not disabled under the Equality Act"],
    ),
}
DIMENSIONS = "households_number_deprivation_dimensions"
DIMENSION_COLUMNS = {float(d): f"dim{d}" for d in range(5)}

IMD19_RANKS = [
    "IMD_rank",
    "Income_rank",
    "Employment_rank",
    "Education_rank",
    "Health_rank",
    "Crime_rank",
    "Environment_rank",
]
IMD19_SUBDOMAIN_RANKS = [
    "Geographical_barriers_rank",
    "Wider_barriers_rank",
    "Adult_skills_rank",
    "Children_and_young_people_rank",
]
WIMD19_RANKS = [*IMD19_RANKS, "Access_rank", "Housing_rank"]
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
CNI22_RANKS = {
    "Community Needs Index rank": "cni_need",
    "Civic Assets rank": "cni_civic_assets",
    "Connectedness rank": "cni_connectedness",
    "Engaged Community rank": "cni_engagement",
}
LEFT_BEHIND = "Left Behind Area?"
MIGRATION_COLUMNS = [
    "all_usual_residents",
    "address_one_year_ago_is_the_same",
    "address_one_year_ago_is_student_or_boarding",
    "migrant_from_within_uk",
    "migrant_from_outside_uk",
]
MAIN_ENGLISH = "Main language is English (English or Welsh in Wales)"
MAIN_OTHER = "Main language is not English (English or Welsh in Wales)"
PROFICIENCY_COLUMNS = [
    MAIN_ENGLISH,
    MAIN_OTHER,
    f"{MAIN_OTHER}: Cannot speak English well",
    f"{MAIN_OTHER}: Cannot speak English",
]
ONS_EDUCATION = ["education_score", "perc_age_18_l3", "perc_age_19_full_time_higher_ed"]
PERCENT_COLUMNS = ("perc_age_18_l3", "perc_age_19_full_time_higher_ed")
ENGLISH_TOWNS_COLUMNS = ["town_code", "town_name", "population", "size", "region", "coastal",
                         "job_density", "income"]  # fmt: skip
CHANGE_CODES = {"U", "S", "M", "X"}
# Census 2011 ethnic group (KS201EW) columns of the MLID file and their names here; White:
# Gypsy or Irish Traveller is not a column (Persons minus the 14 groups).
ETHNIC11 = {
    "WhiteBrit": "white_british",
    "Irish": "white_irish",
    "OtherWhite": "white_other",
    "Mixed": "mixed",
    "Indian": "indian",
    "Pakistani": "pakistani",
    "Bangladeshi": "bangladeshi",
    "Chinese": "chinese",
    "OtherAsian": "other_asian",
    "BlkAfrican": "black_african",
    "BlkCaribbean": "black_caribbean",
    "OtherBlk": "other_black",
    "Arab": "arab",
    "Other": "other",
}
# Census 2021 ethnic group by local authority: the 19 count rows ("(number)") and their names.
ETHNIC21_LA = {
    "Asian, Asian British or Asian Welsh: Bangladeshi": "bangladeshi",
    "Asian, Asian British or Asian Welsh: Chinese": "chinese",
    "Asian, Asian British or Asian Welsh: Indian": "indian",
    "Asian, Asian British or Asian Welsh: Pakistani": "pakistani",
    "Asian, Asian British or Asian Welsh: Other Asian": "other_asian",
    "Black, Black British, Black Welsh, Caribbean or African: African": "black_african",
    "Black, Black British, Black Welsh, Caribbean or African: Caribbean": "black_caribbean",
    "Black, Black British, Black Welsh, Caribbean or African: Other Black": "other_black",
    "Mixed or Multiple ethnic groups: White and Asian": "mixed_white_asian",
    "Mixed or Multiple ethnic groups: White and Black African": "mixed_white_black_african",
    "Mixed or Multiple ethnic groups: White and Black Caribbean": "mixed_white_black_caribbean",
    "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups": "mixed_other",
    "White: English, Welsh, Scottish, Northern Irish or British": "white_british",
    "White: Irish": "white_irish",
    "White: Gypsy or Irish Traveller": "white_gypsy_traveller",
    "White: Roma": "white_roma",
    "White: Other White": "white_other",
    "Other ethnic group: Arab": "arab",
    "Other ethnic group: Any other ethnic group": "other",
}


def _oa_tables() -> dict[str, Any]:
    """The Census 2021 output-area tables read (src/hopeful/data/census21_oa.toml)."""
    text = resources.files("hopeful").joinpath("data/census21_oa.toml").read_text("utf-8")
    return tomllib.loads(text)


# dataset id -> table, columns (code, name, label), sums (total -> parts), groups.
OA_TABLES: dict[str, Any] = _oa_tables()


# --- checks shared by the readers ---------------------------------------------------------


def coded(frame: pd.DataFrame, column: str, kind: str, path: Path) -> pd.Series:
    """The code column, validated as ONS codes of `kind` and unique."""
    load.check_codes(frame, column, kind, path)
    load.check_unique(frame, column, path)
    return frame[column].astype(str)


def ranks(frame: pd.DataFrame, columns: list[str], path: Path) -> pd.DataFrame:
    """National ranks (1 = most deprived / most in need) checked to lie in 1..n, n = rows."""
    n = len(frame)
    return pd.DataFrame(
        {c: load.check_numeric(frame, c, path, low=1, high=n) for c in columns}, index=frame.index
    )


def rows_ranks(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """National ranks run 1..rows: a rank past the row count means a row is missing."""
    n = len(frame)
    values = load.check_numeric(frame, column, path, low=1)
    above = values > n
    if above.any():
        pos = int(above.to_numpy().nonzero()[0][0])
        raise DataError(
            f"rank {values.iloc[pos]:g} is higher than the file's {n} rows: "
            "a row is missing or the rank is wrong",
            file=path,
            column=column,
            row=load.row_number(frame, pos),
        )
    return values


def optional_numbers(
    frame: pd.DataFrame, columns: Mapping[str, str], path: Path, *, low: float | None = None
) -> pd.DataFrame:
    """Numeric columns where a missing value is allowed (suppressed or not published)."""
    out = pd.DataFrame(index=frame.index)
    for source, name in columns.items():
        out[name] = load.check_numeric(frame, source, path, low=low, allow_missing=True)
    return out


def wide_counts(
    frame: pd.DataFrame,
    path: Path,
    *,
    key: str,
    category: str,
    value: str,
    labels: Mapping[object, str],
) -> pd.DataFrame:
    """A long table (one row per area x category) as one row per area, one column per category.

    Every category label must be known, each area must have each category exactly once, and
    counts must be non-negative numbers: a renamed or missing category would otherwise turn
    into a silent zero. `labels` maps the source label to the output column name.
    """
    load.fail_at(frame, category, ~frame[category].isin(list(labels)), path, "unknown category")
    load.fail_at(frame, key, frame.duplicated([key, category]), path, "repeated area and category")
    counts = load.check_numeric(frame, value, path, low=0)
    wide = (
        pd.DataFrame({key: frame[key].astype(str), "cat": frame[category].map(labels), "n": counts})
        .pivot(index=key, columns="cat", values="n")
        .reindex(columns=list(labels.values()))
    )
    incomplete = wide.isna().any(axis=1)
    if incomplete.any():
        area = wide.index[incomplete.to_numpy()][0]
        missing = [c for c in wide.columns if pd.isna(wide.loc[area, c])]
        raise DataError(f"area {area} has no row for {missing}", file=path, column=category)
    return wide.sort_index().rename_axis(None, axis=1).reset_index()


def _optional_codes(frame: pd.DataFrame, column: str, kind: str, path: Path) -> None:
    """Blank means 'not in any such area'; anything else must be a code of `kind`."""
    values = frame[column].astype("string")
    ok = values.isna() | values.str.match(load.CODE_PATTERNS[kind])
    load.fail_at(frame, column, ~ok, path, f"not a {kind.upper()} code")


def _optional_unique(frame: pd.DataFrame, column: str, path: Path) -> None:
    values = frame[column]
    load.fail_at(frame, column, ~(values.isna() | ~values.duplicated()), path, "duplicate value")


def whole_counts(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A count column: numbers that are whole and non-negative, as int64."""
    values = load.check_numeric(frame, column, path, low=0)
    load.fail_at(frame, column, values != values.round(), path, "not a whole number")
    return values.astype("int64")


def _flag(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A TRUE/FALSE column as 1.0/0.0."""
    flag = frame[column]
    load.fail_at(frame, column, ~flag.isin([True, False]), path, "not TRUE/FALSE")
    return flag.astype("float64")


# --- population and deprivation on LSOA 2011 ---------------------------------------------


def population19(path: Path) -> pd.DataFrame:
    """Mid-2019 residents per LSOA 2011: the total and every single year of age (90+ last)."""
    frame = load.read_rda(path, required=["lsoa11_code", "total_population", *AGES])
    out = pd.DataFrame({"lsoa11_code": coded(frame, "lsoa11_code", "lsoa", path)})
    out["total_population"] = load.check_numeric(
        frame, "total_population", path, low=0, low_inclusive=False
    )
    ages = {a: load.check_numeric(frame, a, path, low=0) for a in AGES}
    return pd.concat([out, pd.DataFrame(ages)], axis=1)


def imd2019_england(path: Path) -> pd.DataFrame:
    """IoD 2019 domain ranks of English LSOA 2011 (1 = most deprived)."""
    frame = load.read_rda(path, required=["lsoa11_code", *IMD19_RANKS])
    out = pd.DataFrame({"lsoa11_code": coded(frame, "lsoa11_code", "lsoa", path)})
    for column in IMD19_RANKS:
        out[column] = rows_ranks(frame, column, path)
    return out


def imd2019_subdomains(path: Path) -> pd.DataFrame:
    """IoD 2019 sub-domain ranks of English LSOA 2011 (1 = most deprived)."""
    frame = load.read_rda(path, required=["lsoa11_code", *IMD19_SUBDOMAIN_RANKS])
    code = coded(frame, "lsoa11_code", "lsoa", path)
    return ranks(frame, IMD19_SUBDOMAIN_RANKS, path).assign(lsoa11_code=code)


def wimd2019(path: Path) -> pd.DataFrame:
    """WIMD 2019 overall score and domain ranks of Welsh LSOA 2011 (1 = most deprived)."""
    frame = load.read_rda(path, required=["lsoa11_code", "IMD_score", *WIMD19_RANKS])
    out = pd.DataFrame({"lsoa11_code": coded(frame, "lsoa11_code", "lsoa", path)})
    out["IMD_rank"] = rows_ranks(frame, "IMD_rank", path)
    out["IMD_score"] = load.check_numeric(frame, "IMD_score", path, low=0, high=100)
    return out.join(ranks(frame, WIMD19_RANKS[1:], path))


def uk_composite(path: Path) -> pd.DataFrame:
    """mySociety's UK-comparable composite IMD for England and Wales, rates as fractions of 1,
    with the number of small areas in the whole UK file (the denominator of its ranks)."""
    frame = load.read_csv(
        path,
        required=["nation", "lsoa", "overall_local_score", "income_score", "employment_score",
                  "UK_IMD_E_score", "UK_IMD_E_rank"],
    )  # fmt: skip
    n_uk = len(frame)
    uk_rank = rows_ranks(frame, "UK_IMD_E_rank", path)
    # mySociety averages tied ranks (x.5); the IoD convention gives ties the lowest rank.
    frame["UK_IMD_E_rank"] = uk_rank.rank(method="min")
    # Not re-indexed: errors below then name the row of the file, not of the filtered frame.
    frame = frame[frame["nation"].isin(["E", "W"])]
    load.check_codes(frame, "lsoa", "lsoa", path)
    load.check_unique(frame, "lsoa", path)
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa"].astype(str),
            "nation": frame["nation"],
            "local_score": load.check_numeric(frame, "overall_local_score", path, low=0, high=100),
            # mySociety publishes the rates as percentages; the project stores fractions of 1.
            "income_rate": load.check_numeric(frame, "income_score", path, low=0, high=100) / 100,
            "employment_rate": load.check_numeric(frame, "employment_score", path, low=0, high=100)
            / 100,
            "uk_imd_score": load.check_numeric(frame, "UK_IMD_E_score", path),
            "uk_imd_rank": load.check_numeric(frame, "UK_IMD_E_rank", path, low=1, high=n_uk),
            "uk_imd_rank_n": n_uk,
        }
    ).reset_index(drop=True)


def iod2019_indicators(path: Path) -> pd.DataFrame:
    """IoD 2019 underlying indicators (England); suppressed numerators stay missing here."""
    frame = load.read_rda(path, required=["lsoa11_code", *IOD19_INDICATORS])
    out = optional_numbers(frame, IOD19_INDICATORS, path, low=0)
    out.insert(0, "lsoa11_code", coded(frame, "lsoa11_code", "lsoa", path))
    return out


def households(key: str) -> Callable[[Path], pd.DataFrame]:
    """The reader of a Census households-by-deprivation-dimensions table (2011 or 2021): one
    row per small area `key`, one column per number of dimensions (dim0..dim4)."""

    def read(path: Path) -> pd.DataFrame:
        frame = load.read_rda(path, required=[key, DIMENSIONS, "count"])
        load.check_codes(frame, key, "lsoa", path)
        return wide_counts(
            frame, path, key=key, category=DIMENSIONS, value="count", labels=DIMENSION_COLUMNS
        )

    read.__doc__ = f"Census households per {key[:6].upper()} by number of deprivation dimensions."
    return read


def cni2019_wards(path: Path) -> pd.DataFrame:
    """Community Needs Index 2019 (English 2017 wards): Local Trust's left-behind flag as 1/0."""
    wards = load.read_rda(path, required=["ward17_code", LEFT_BEHIND])
    load.check_unique(wards, "ward17_code", path)
    flag = _flag(wards, LEFT_BEHIND, path)
    return pd.DataFrame({"ward17_code": wards["ward17_code"].astype(str), "left_behind": flag})


def lsoa11_to_ward17(path: Path) -> pd.DataFrame:
    """Best-fit LSOA 2011 -> 2017 ward."""
    lookup = load.read_rda(path, required=["lsoa11_code", "ward17_code"])
    code = coded(lookup, "lsoa11_code", "lsoa", path)
    return pd.DataFrame({"lsoa11_code": code, "ward17_code": lookup["ward17_code"].astype(str)})


# --- Census 2021, IoD 2025 and CNI on LSOA 2021 -------------------------------------------


def census21(dataset_id: str) -> Callable[[Path], pd.DataFrame]:
    """The reader of a Census 2021 long table: one row per LSOA 2021, a column per category."""
    category, value, labels = CENSUS21[dataset_id]

    def read(path: Path) -> pd.DataFrame:
        frame = load.read_rda(path, required=["lsoa21_code", category, value])
        load.check_codes(frame, "lsoa21_code", "lsoa", path)
        labelled = {label: label for label in labels}
        return wide_counts(
            frame, path, key="lsoa21_code", category=category, value=value, labels=labelled
        )

    read.__doc__ = f"Census 2021 {dataset_id}: counts per LSOA 2021, one column per {category}."
    return read


def imd2025(path: Path) -> pd.DataFrame:
    """English IoD 2025 per LSOA 2021: IMD score and rank, income rate (fraction of 1)."""
    frame = load.read_rda(path, required=["lsoa21_code", "IMD_score", "IMD_rank", "Income_score"])
    code = coded(frame, "lsoa21_code", "lsoa", path)
    rank = ranks(frame, ["IMD_rank"], path)["IMD_rank"]
    return pd.DataFrame(
        {
            "lsoa21_code": code,
            "imd25_score": load.check_numeric(frame, "IMD_score", path, low=0, high=100),
            "imd25_rank": rank,
            "income25_rate": load.check_numeric(frame, "Income_score", path, low=0, high=1),
        }
    )


def iod2025_indicators(path: Path) -> pd.DataFrame:
    """IoD 2025 underlying indicators used as town indicators (England, LSOA 2021)."""
    frame = load.read_rda(path, required=["lsoa21_code", *IOD25_INDICATORS])
    values = optional_numbers(frame, IOD25_INDICATORS, path)
    values.insert(0, "lsoa21_code", coded(frame, "lsoa21_code", "lsoa", path))
    return values


def cni2023(path: Path) -> pd.DataFrame:
    """Community Needs Index 2023 (England, LSOA 2021): ranks of the index and its three
    domains (1 = most need) and the left-behind flag as 1/0."""
    frame = load.read_rda(path, required=["lsoa21_code", *CNI23_RANKS, LEFT_BEHIND])
    code = coded(frame, "lsoa21_code", "lsoa", path)
    out = ranks(frame, list(CNI23_RANKS), path).rename(columns=CNI23_RANKS)
    out["left_behind"] = _flag(frame, LEFT_BEHIND, path)
    out.insert(0, "lsoa21_code", code)
    return out


# --- Census 2021 on output areas 2021 -------------------------------------------------------


def census21_oa(dataset_id: str) -> Callable[[Path], pd.DataFrame]:
    """The reader of a Census 2021 output-area table (declared in data/census21_oa.toml)."""
    spec = OA_TABLES[dataset_id]
    code_of = {column["name"]: column["code"] for column in spec["columns"]}

    def read(path: Path) -> pd.DataFrame:
        frame = load.read_parquet(path, required=["OA", *code_of.values()])
        out = pd.DataFrame({"oa21_code": coded(frame, "OA", "oa", path)})
        for name, code in code_of.items():
            out[name] = whole_counts(frame, code, path)
        for total, parts in spec["sums"].items():
            differs = out[total] != out[parts].sum(axis=1)
            message = f"differs from the sum of {', '.join(code_of[p] for p in parts)}"
            load.fail_at(frame, code_of[total], differs, path, message)
        return out

    read.__doc__ = (
        f"Census 2021 {spec['table'].upper()} counts per output area 2021 ({dataset_id}), "
        "checked whole, non-negative and adding up to their totals."
    )
    return read


def oa21_labels(path: Path) -> pd.DataFrame:
    """Table_Metadata.csv: the Nomis label of each renamed Census 2021 OA column."""
    frame = load.read_csv(path, required=["Variable_Name", "new_names", "Table_ID"])
    load.check_unique(frame, "new_names", path)
    load.fail_at(frame, "Variable_Name", frame["Variable_Name"].isna(), path, "label missing")
    return pd.DataFrame(
        {
            "table": frame["Table_ID"].astype(str),
            "column": frame["new_names"].astype(str),
            "label": frame["Variable_Name"].astype(str).str.strip(),
        }
    )


def oa21_to_lsoa21(path: Path) -> pd.DataFrame:
    """Every E&W output area 2021 -> its LSOA 2021 (OAs nest exactly in LSOAs)."""
    frame = load.read_csv(path, required=["OA", "geography_code"])
    code = coded(frame, "OA", "oa", path)
    load.check_codes(frame, "geography_code", "lsoa", path)
    return pd.DataFrame({"oa21_code": code, "lsoa21_code": frame["geography_code"].astype(str)})


# --- MSOA, local authority and town -------------------------------------------------------


def cni2022_wales(path: Path) -> pd.DataFrame:
    """Community Needs Index 2022 for Welsh MSOA 2011: ranks within Wales (1 = most need) and
    the left-behind flag as 1/0."""
    frame = load.read_rda(path, required=["msoa11_code", *CNI22_RANKS, LEFT_BEHIND])
    code = coded(frame, "msoa11_code", "msoa", path)
    out = ranks(frame, list(CNI22_RANKS), path).rename(columns=CNI22_RANKS)
    out["left_behind"] = _flag(frame, LEFT_BEHIND, path)
    out.insert(0, "msoa11_code", code)
    return out


def migration21(path: Path) -> pd.DataFrame:
    """Census 2021 migration counts per MSOA 2021 (residents, movers within and into the UK)."""
    migration = load.read_rda(path, required=["msoa21_code", "msoa21_name", *MIGRATION_COLUMNS])
    out = pd.DataFrame(
        {
            "msoa21_code": coded(migration, "msoa21_code", "msoa", path),
            "msoa21_name": migration["msoa21_name"].astype(str),
        }
    )
    for column in MIGRATION_COLUMNS:
        out[column] = load.check_numeric(migration, column, path, low=0)
    out["all_usual_residents"] = load.check_numeric(migration, "all_usual_residents", path, low=1)
    return out


def proficiency21(path: Path) -> pd.DataFrame:
    """Census 2021 English proficiency counts per MSOA 2021 (residents aged 3+)."""
    frame = load.read_rda(path, required=["msoa21_code", *PROFICIENCY_COLUMNS])
    out = pd.DataFrame({"msoa21_code": coded(frame, "msoa21_code", "msoa", path)})
    for column in PROFICIENCY_COLUMNS:
        out[column] = load.check_numeric(frame, column, path, low=0)
    aged_3_plus = out[MAIN_ENGLISH] + out[MAIN_OTHER]
    load.fail_at(frame, MAIN_ENGLISH, aged_3_plus <= 0, path, "no residents aged 3+")
    return out


def country_of_birth(path: Path) -> pd.DataFrame:
    """Census 2021 residents per 2021 LTLA by country of birth, with the authority's total."""
    cols = ["ltla21_code", "country_of_birth", "value", "total_all_usual_residents"]
    frame = load.read_rda(path, required=cols)
    load.check_codes(frame, "ltla21_code", "lad", path)
    repeated = frame.duplicated(["ltla21_code", "country_of_birth"])
    load.fail_at(frame, "ltla21_code", repeated, path, "repeated authority and country")
    return pd.DataFrame(
        {
            "ltla21_code": frame["ltla21_code"].astype(str),
            "country_of_birth": frame["country_of_birth"],
            "value": load.check_numeric(frame, "value", path, low=0),
            "total": load.check_numeric(frame, "total_all_usual_residents", path, low=1),
        }
    )


def ethnicity11(path: Path) -> pd.DataFrame:
    """Census 2011 usual residents per LSOA 2011 by ethnic group (KS201EW), with White: Gypsy
    or Irish Traveller as persons minus the 14 groups of the file."""
    frame = load.read_rda(path, required=["LSOA", "Persons", *ETHNIC11])
    out = pd.DataFrame({"lsoa11_code": coded(frame, "LSOA", "lsoa", path)})
    out["persons"] = whole_counts(frame, "Persons", path)
    load.fail_at(frame, "Persons", out["persons"] <= 0, path, "no residents")
    for column, name in ETHNIC11.items():
        out[name] = whole_counts(frame, column, path)
    traveller = out["persons"] - out[list(ETHNIC11.values())].sum(axis=1)
    load.fail_at(frame, "Persons", traveller < 0, path, "fewer persons than the 14 groups hold")
    out["white_gypsy_traveller"] = traveller
    return out


def ethnicity21_la(path: Path) -> pd.DataFrame:
    """Census 2021 usual residents per 2021 local authority in 19 ethnic groups (the count
    rows of the file; its percentage rows are left out), with their total."""
    frame = load.read_rda(path, required=["ltla21_code", "ethnic_group", "value"])
    load.check_codes(frame, "ltla21_code", "lad", path)
    counts = frame[frame["ethnic_group"].astype(str).str.endswith("(number)")]
    counts = counts.assign(
        ethnic_group=counts["ethnic_group"].str.removesuffix("(number)").str.strip()
    )
    wide = wide_counts(
        counts, path, key="ltla21_code", category="ethnic_group", value="value",
        labels=ETHNIC21_LA,
    )  # fmt: skip
    wide["residents"] = wide[list(ETHNIC21_LA.values())].sum(axis=1)
    load.fail_at(wide, "residents", wide["residents"] <= 0, path, "no residents")
    return wide


def english_towns(path: Path) -> pd.DataFrame:
    """ONS's English towns and cities (rows with a town code): identity, 2011 population,
    classes in ONS's words, and the education outcomes ONS published for them."""
    frame = load.read_csv(path, required=[*ENGLISH_TOWNS_COLUMNS, *ONS_EDUCATION])
    frame = frame[[*ENGLISH_TOWNS_COLUMNS, *ONS_EDUCATION]]
    _optional_codes(frame, "town_code", "town", path)
    _optional_unique(frame, "town_code", path)
    population = load.check_numeric(
        frame, "population", path, low=0, low_inclusive=False, allow_missing=True
    )
    coded_rows = frame["town_code"].notna()
    ok = ~coded_rows | population.notna()
    load.fail_at(frame, "population", ~ok, path, "coded row has no population")
    ok = ~coded_rows | frame["size"].isin(geography.ONS_SIZES)
    load.fail_at(frame, "size", ~ok, path, "unknown size class")
    size = frame["size"].map(geography.ONS_SIZES)
    town = coded_rows & (size != "city")
    for column, vocabulary in [
        ("coastal", geography.ONS_COASTAL),
        ("income", geography.ONS_INCOME),
        ("job_density", geography.ONS_JOB_DENSITY),
    ]:
        load.fail_at(frame, column, ~(~town | frame[column].isin(vocabulary)), path,
                     "unknown category")  # fmt: skip
    ok = ~coded_rows | frame["region"].notna()
    load.fail_at(frame, "region", ~ok, path, "coded row has no region")
    ok = ~town | (geography.size_class(population) == size)
    load.fail_at(frame, "size", ~ok, path, "size class disagrees with the population")
    ok = ~coded_rows | town | (population >= geography.TOWN_MAX)
    message = "a city must have at least 225,000 residents"
    load.fail_at(frame, "population", ~ok, path, message)
    out = frame.assign(population=population)[coded_rows]
    for column in ONS_EDUCATION:
        high = 100 if column in PERCENT_COLUMNS else None
        low = 0 if high else None
        out[column] = load.check_numeric(out, column, path, low=low, high=high, allow_missing=True)
    return out


# --- votes --------------------------------------------------------------------------------


def eu_referendum(path: Path) -> pd.DataFrame:
    """The 2016 EU referendum result of every counting area in England and Wales."""
    cols = ["Area_Code", "Electorate", "VerifiedBallotPapers", "Valid_Votes", "Leave", "Remain"]
    frame = load.read_csv(path, required=["Region", "Area", *cols], lineterminator="\r")
    # Filters keep the index of the file's rows, so errors name the row in the file.
    frame = frame[frame["Area_Code"].astype(str).str[0].isin(["E", "W"])]
    load.check_codes(frame, "Area_Code", "lad", path)
    load.check_unique(frame, "Area_Code", path)
    out = frame[["Region", "Area_Code", "Area"]].astype(str)
    for column in cols[1:]:
        low_inclusive = column != "Valid_Votes"
        out[column] = load.check_numeric(frame, column, path, low=0, low_inclusive=low_inclusive)
    mismatch = out["Leave"] + out["Remain"] != out["Valid_Votes"]
    load.fail_at(out, "Valid_Votes", mismatch, path, "Leave + Remain differ from Valid_Votes")
    return out


def ge2019(path: Path) -> pd.DataFrame:
    """GE2019 per England and Wales constituency: electorate, valid votes, Brexit Party votes."""
    cols = ["ONS ID", "Electorate", "Valid votes", "BRX"]
    frame = load.read_csv(path, required=cols)
    frame = frame[frame["ONS ID"].astype(str).str.match(CONSTITUENCY)]
    load.check_unique(frame, "ONS ID", path)
    out = pd.DataFrame(
        {
            "pcon_code": frame["ONS ID"].astype(str),
            "electorate": load.check_numeric(frame, "Electorate", path, low=1),
            "valid_votes": load.check_numeric(frame, "Valid votes", path, low=1),
            "brx": load.check_numeric(frame, "BRX", path, low=0),
        }
    )
    more = out["valid_votes"] > out["electorate"]
    load.fail_at(frame, "Valid votes", more, path, "more valid votes than electors")
    return out


def ge2015(path: Path) -> pd.DataFrame:
    """GE2015 votes per candidate in England and Wales constituencies, with the party."""
    frame = load.read_csv(path, encoding="mac_roman", lineterminator="\r")
    frame = frame.rename(columns=lambda c: str(c).strip())
    load.require_columns(frame, ["Constituency ID", "Votes", "Party abbreviation"], path)
    frame = frame[frame["Constituency ID"].astype(str).str.match(CONSTITUENCY)]
    return pd.DataFrame(
        {
            "pcon_code": frame["Constituency ID"].astype(str),
            "party": frame["Party abbreviation"].astype(str).str.strip(),
            "votes": load.check_numeric(frame, "Votes", path, low=0),
        }
    )


def lad12_to_pcon12(path: Path) -> pd.DataFrame:
    """2012 England and Wales districts (code, name) and the constituencies overlapping them."""
    frame = load.read_csv(
        path, required=["LAD12CD", "LAD12NM", "PCON12CD"], encoding="mac_roman",
        lineterminator="\r",
    )  # fmt: skip
    frame = frame[frame["LAD12CD"].astype(str).str.match(EW_LAD)]
    bad = ~frame["PCON12CD"].astype(str).str.match(CONSTITUENCY)
    load.fail_at(frame, "PCON12CD", bad, path, "not an England or Wales constituency code")
    return frame[["LAD12CD", "LAD12NM", "PCON12CD"]].astype(str)


# --- lookups ------------------------------------------------------------------------------


def ltla_vintages(path: Path) -> pd.DataFrame:
    """The code history of local authorities: 2016, 2019, 2021 and 2023 codes (and 2016 and
    2019 names) per row."""
    cols = ["ltla16_code", "ltla16_name", "ltla19_code", "ltla19_name", "ltla21_code",
            "ltla23_code"]  # fmt: skip
    return load.read_rda(path, required=cols)[cols]


def lsoa11_to_ltla21(path: Path) -> pd.DataFrame:
    """Every E&W LSOA 2011 (code, name) -> its April 2021 local authority (code, name)."""
    cols = ["lsoa11_code", "lsoa11_name", "ltla21_code", "ltla21_name"]
    frame = load.read_rda(path, required=cols)[cols]
    load.check_codes(frame, "lsoa11_code", "lsoa", path)
    load.check_unique(frame, "lsoa11_code", path)
    load.check_codes(frame, "ltla21_code", "lad", path)
    load.fail_at(frame, "ltla21_name", frame["ltla21_name"].isna(), path, "name missing")
    codes = ["lsoa11_code", "ltla21_code", "ltla21_name"]
    return frame.assign(**{c: frame[c].astype(str) for c in codes})


def ltla21_to_region21(path: Path) -> pd.DataFrame:
    """English 2021 local authorities -> region."""
    cols = ["ltla21_code", "ltla21_name", "region21_code", "region21_name"]
    frame = load.read_rda(path, required=cols)[cols]
    load.check_codes(frame, "ltla21_code", "lad", path)
    load.check_unique(frame, "ltla21_code", path)
    load.check_codes(frame, "region21_code", "region", path)
    return frame.astype(str)


def lsoa11_to_msoa11(path: Path) -> pd.DataFrame:
    """England and Wales LSOA 2011 -> MSOA 2011 (the file's Scottish data zones left out)."""
    frame = load.read_rda(path, required=["lsoa11_code", "msoa11_code"])
    ew = frame["lsoa11_code"].astype("string").str.match(r"^[EW]")
    ok = ~ew | frame["msoa11_code"].astype("string").str.match(load.CODE_PATTERNS["msoa"])
    load.fail_at(frame, "msoa11_code", ~ok.fillna(False), path, "not an MSOA code")
    frame = frame.loc[ew.fillna(False).astype(bool), ["lsoa11_code", "msoa11_code"]]
    frame = frame.reset_index(drop=True)
    code = coded(frame, "lsoa11_code", "lsoa", path)
    return pd.DataFrame({"lsoa11_code": code, "msoa11_code": frame["msoa11_code"].astype(str)})


def lsoa11_to_lsoa21(path: Path) -> pd.DataFrame:
    """ONS LSOA 2011 -> 2021 pairs (lsoa11_code, lsoa21_code, lsoa21_name, change_code), in
    the file's order."""
    cols = ["lsoa11_code", "lsoa21_code", "lsoa21_name", "change_code"]
    frame = load.read_rda(path, required=cols)[cols]
    load.check_codes(frame, "lsoa11_code", "lsoa", path)
    load.check_codes(frame, "lsoa21_code", "lsoa", path)
    unknown = ~frame["change_code"].isin(CHANGE_CODES)
    load.fail_at(frame, "change_code", unknown, path, "unknown code")
    load.fail_at(frame, "lsoa21_name", frame["lsoa21_name"].isna(), path, "name missing")
    pairs = frame.duplicated(["lsoa11_code", "lsoa21_code"])
    load.fail_at(frame, "lsoa21_code", pairs, path, "repeated LSOA 2011 -> 2021 pair")
    return frame.astype(str)


def lsoa01_fit(path: Path) -> pd.DataFrame:
    """Best-fit LSOA 2001 -> 2011 built-up area sub-division and built-up area."""
    cols = ["LSOA01CD", "BUASD11CD", "BUASD11NM", "BUA11CD", "BUA11NM"]
    frame = load.read_csv(path, required=cols)[cols]
    load.check_codes(frame, "LSOA01CD", "lsoa", path)
    load.check_unique(frame, "LSOA01CD", path)
    _optional_codes(frame, "BUASD11CD", "buasd", path)
    _optional_codes(frame, "BUA11CD", "bua", path)
    bad = frame["BUASD11CD"].notna() & frame["BUA11CD"].isna()
    load.fail_at(frame, "BUASD11CD", bad, path, "sub-division given without its built-up area")
    return frame


def lsoa01_to_lsoa11(path: Path) -> pd.DataFrame:
    """LSOA 2001 -> LSOA 2011 pairs."""
    frame = load.read_csv(path, required=["LSOA01CD", "LSOA11CD"])[["LSOA01CD", "LSOA11CD"]]
    load.check_codes(frame, "LSOA01CD", "lsoa", path)
    load.check_codes(frame, "LSOA11CD", "lsoa", path)
    pairs = frame.duplicated(["LSOA01CD", "LSOA11CD"])
    load.fail_at(frame, "LSOA11CD", pairs, path, "repeated LSOA 2001 -> 2011 pair")
    return frame


def msoa11_fit(path: Path) -> pd.DataFrame:
    """Best-fit MSOA 2011 -> 2011 built-up area sub-division and built-up area."""
    cols = ["MSOA11CD", "BUASD11CD", "BUA11CD"]
    frame = load.read_csv(path, required=cols)[cols]
    load.check_codes(frame, "MSOA11CD", "msoa", path)
    load.check_unique(frame, "MSOA11CD", path)
    _optional_codes(frame, "BUASD11CD", "buasd", path)
    _optional_codes(frame, "BUA11CD", "bua", path)
    return frame


def bua_buasd(path: Path) -> pd.DataFrame:
    """2011 built-up areas and their sub-divisions (blank where not subdivided)."""
    cols = ["BUA11CD", "BUA11NM", "BUASD11CD", "BUASD11NM"]
    frame = load.read_csv(path, required=cols)[cols]
    load.check_codes(frame, "BUA11CD", "bua", path)
    _optional_codes(frame, "BUASD11CD", "buasd", path)
    _optional_unique(frame, "BUASD11CD", path)
    return frame


def lsoa11_to_tcity15(path: Path) -> pd.DataFrame:
    """Best-fit LSOA 2011 -> major town or city (ONS, Dec 2015), for the LSOAs inside one
    (the file lists every LSOA, blank outside the 112 towns and cities)."""
    cols = ["LSOA11CD", "TCITY15CD", "TCITY15NM"]
    frame = load.read_csv(path, required=cols)[cols]
    load.check_codes(frame, "LSOA11CD", "lsoa", path)
    load.check_unique(frame, "LSOA11CD", path)
    frame = frame[frame["TCITY15CD"].notna()]
    bad = ~frame["TCITY15CD"].astype(str).str.fullmatch(r"J01\d{6}")
    load.fail_at(frame, "TCITY15CD", bad, path, "not a major town or city code (J01......)")
    load.fail_at(frame, "TCITY15NM", frame["TCITY15NM"].isna(), path, "name missing")
    return frame.rename(
        columns={
            "LSOA11CD": "lsoa11_code",
            "TCITY15CD": "tcity15_code",
            "TCITY15NM": "tcity15_name",
        }
    )


def bua_lad11(path: Path) -> pd.DataFrame:
    """2011 built-up area -> 2011 local authority pairs."""
    frame = load.read_csv(path, required=["BUA11CD", "LAD11CD"])[["BUA11CD", "LAD11CD"]]
    load.check_codes(frame, "BUA11CD", "bua", path)
    load.check_codes(frame, "LAD11CD", "lad", path)
    return frame


READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "population19_lsoa11": population19,
    "imd2019_england_lsoa11": imd2019_england,
    "imd2019_england_lsoa11_subdomains": imd2019_subdomains,
    "imd2019_england_lsoa11_indicators": iod2019_indicators,
    "imd2019_wales_lsoa11": wimd2019,
    "uk_imd_e": uk_composite,
    "census11_deprivation_england_wales_lsoa11": households("lsoa11_code"),
    "cni2019_england_ward17": cni2019_wards,
    "lookup_lsoa11_ward17": lsoa11_to_ward17,
    **{dataset_id: census21(dataset_id) for dataset_id in CENSUS21},
    "census21_deprivation_england_wales_lsoa21": households("lsoa21_code"),
    "imd2025_england_lsoa21": imd2025,
    "imd2025_england_lsoa21_indicators": iod2025_indicators,
    "cni2023_england_lsoa21": cni2023,
    "cni2022_wales_msoa11": cni2022_wales,
    "migration21_msoa21": migration21,
    "proficiency21_msoa21": proficiency21,
    "country_of_birth21_ltla21": country_of_birth,
    **{dataset_id: census21_oa(dataset_id) for dataset_id in OA_TABLES},
    "census21_oa_table_metadata": oa21_labels,
    "lookup_oa21_lsoa21": oa21_to_lsoa21,
    "ethnicity11_lsoa11": ethnicity11,
    "ethnicity21_ltla21": ethnicity21_la,
    "towns_english_education": english_towns,
    "eu_referendum2016_results": eu_referendum,
    "ge2019_results_constituencies": ge2019,
    "ge2015_results_candidates": ge2015,
    "lookup_lad12_pcon12": lad12_to_pcon12,
    "lookup_ltla_ltla": ltla_vintages,
    "lookup_lsoa11_ltla21": lsoa11_to_ltla21,
    "lookup_ltla21_region21": ltla21_to_region21,
    "lookup_lsoa11_msoa11": lsoa11_to_msoa11,
    "lookup_lsoa11_lsoa21_ltla22": lsoa11_to_lsoa21,
    "lookup_lsoa01_buasd11_bua11_lad11_rgn11": lsoa01_fit,
    "lookup_lsoa01_lsoa11_lad11": lsoa01_to_lsoa11,
    "lookup_msoa11_buasd11_bua11_lad11_rgn11": msoa11_fit,
    "lookup_bua11_buasd11": bua_buasd,
    "lookup_bua11_lad11": bua_lad11,
    "lookup_lsoa11_tcity15": lsoa11_to_tcity15,
    **area_readers.READERS,
}


def read(raw_dir: str | Path, dataset_id: str) -> pd.DataFrame:
    """The tidy table of one registered raw file under raw_dir, validated by its reader."""
    return READERS[dataset_id](sources.raw_path(sources.dataset(dataset_id), raw_dir))


def write_all(
    raw_dir: str | Path,
    interim_dir: str | Path,
    progress: Callable[[str], None] = lambda _msg: None,
    *,
    ids: Iterable[str] | None = None,
) -> list[Path]:
    """Read every raw file the pipeline uses (or each of `ids`) once and write its table to
    interim_dir.

    All files are read and validated before any table is written, so a bad file leaves the
    previous tables in place.
    """
    datasets = {ds.id: ds for ds in sources.load_registry()}
    tables = {}
    for dataset_id in READERS if ids is None else ids:
        progress(f"reading {dataset_id}")
        tables[dataset_id] = READERS[dataset_id](sources.raw_path(datasets[dataset_id], raw_dir))
    return [interim.write(frame, interim_dir, name) for name, frame in tables.items()]
