"""The LSOA 2011 table: one row per small area with population and deprivation, from the
validated interim tables of the population and deprivation files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim
from hopeful.errors import DataError

AGES_65_PLUS = [str(age) for age in range(65, 90)] + ["90+"]
# IoD's working age is 18-59 for women and 18-64 for men; without a sex split 18-64 stands in.
AGES_18_64 = [str(age) for age in range(18, 65)]


def population(interim_dir: Path) -> pd.DataFrame:
    """Mid-2019 population and people aged 65+ per LSOA 2011 (the weights for every aggregate)."""
    frame = interim.read(interim_dir, "population19_lsoa11")
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa11_code"],
            "population": frame["total_population"].astype("int64"),
            "population_65plus": sum(frame[col] for col in AGES_65_PLUS).astype("int64"),
            "population_18_64": sum(frame[col] for col in AGES_18_64).astype("int64"),
        }
    )


def imd2019_england(interim_dir: Path) -> pd.DataFrame:
    """IoD2019 ranks (humaniverse) joined to the scores and rates (mySociety) for English LSOAs."""
    ranks = interim.read(interim_dir, "imd2019_england_lsoa11")
    out = pd.DataFrame({"lsoa11_code": ranks["lsoa11_code"]})
    for col, name in [
        ("IMD_rank", "imd19_rank"),
        ("Income_rank", "imd19_income_rank"),
        ("Employment_rank", "imd19_employment_rank"),
    ]:
        out[name] = ranks[col]
    scores = uk_composite(interim_dir)
    scores = scores[scores["nation"] == "E"]
    out = out.merge(
        scores[["lsoa11_code", "local_score", "income_rate", "employment_rate"]].rename(
            columns={
                "local_score": "imd19_score",
                "income_rate": "imd19_income_score",
                "employment_rate": "imd19_employment_score",
            }
        ),
        on="lsoa11_code",
        how="left",
        validate="one_to_one",
    )
    return out


def wimd2019(interim_dir: Path) -> pd.DataFrame:
    """WIMD 2019 overall score and rank for Welsh LSOAs."""
    frame = interim.read(interim_dir, "imd2019_wales_lsoa11")
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa11_code"],
            "wimd19_rank": frame["IMD_rank"],
            "wimd19_score": frame["IMD_score"],
        }
    )


def uk_composite(interim_dir: Path) -> pd.DataFrame:
    """mySociety's UK-comparable composite IMD, restricted to England and Wales."""
    return interim.read(interim_dir, "uk_imd_e").drop(columns="uk_imd_rank_n")


def _require_same_areas(table: pd.DataFrame, other: pd.DataFrame, dataset_id: str, what: str):
    """Every LSOA of `table` (the population file) has a row in `other` and vice versa."""
    missing = sorted(set(table["lsoa11_code"]) - set(other["lsoa11_code"]))
    extra = sorted(set(other["lsoa11_code"]) - set(table["lsoa11_code"]))
    if missing:
        raise DataError(
            f"{len(missing)} {what} LSOA(s) of the population file have no row here, "
            f"e.g. {missing[:3]}",
            file=interim.raw_file(dataset_id),
            column="lsoa11_code",
        )
    if extra:
        raise DataError(
            f"{len(extra)} LSOA(s) are not in the population file "
            f"({interim.raw_file('population19_lsoa11').name}), e.g. {extra[:3]}",
            file=interim.raw_file(dataset_id),
            column="lsoa11_code",
        )


def uk_area_count(interim_dir: Path) -> int:
    """Small areas in the whole UK composite, the denominator of its ranks."""
    return int(interim.read(interim_dir, "uk_imd_e")["uk_imd_rank_n"].iloc[0])


def lsoa_table(interim_dir: Path) -> pd.DataFrame:
    """Every England and Wales LSOA 2011 with population, age and deprivation, sorted by code."""
    table = population(interim_dir)
    table["nation"] = table["lsoa11_code"].str[0].map({"E": "England", "W": "Wales"})
    england, wales = (table[table["nation"] == n] for n in ("England", "Wales"))
    imd = imd2019_england(interim_dir)
    wimd = wimd2019(interim_dir)
    uk = uk_composite(interim_dir)[["lsoa11_code", "uk_imd_score", "uk_imd_rank"]]
    # A left join would silently leave an LSOA without deprivation (or drop one): refuse it.
    _require_same_areas(england, imd, "imd2019_england_lsoa11", "English")
    _require_same_areas(wales, wimd, "imd2019_wales_lsoa11", "Welsh")
    _require_same_areas(table, uk, "uk_imd_e", "English or Welsh")
    table = table.merge(imd, on="lsoa11_code", how="left", validate="one_to_one")
    table = table.merge(wimd, on="lsoa11_code", how="left", validate="one_to_one")
    table = table.merge(uk, on="lsoa11_code", how="left", validate="one_to_one")
    return table.sort_values("lsoa11_code").reset_index(drop=True)
