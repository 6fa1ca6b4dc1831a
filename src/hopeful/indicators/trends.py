"""Trends where the data have them: towns' and their authorities' values over time, one long table.

Five measures (src/hopeful/data/trend_measures.csv says what each is and where it comes from):
deprivation 2019 -> 2025 and residents 2011 -> 2021 for the town itself (its small areas);
residents' weekly pay 2008-2025, life satisfaction 2011/12-2022/23 and pubs and bars
2001-2018 for its local authority, which is all those sources publish.

Authorities are those of April 2021 (`lad_code` in towns.csv), whatever year a file uses, the
way `la_measures` carries them: pubs (2016-2018 districts) are summed into their 2021
authority, so a merged authority's count is exact in every year; pay (published on April 2023
codes) is given to each 2021 district from its 2023 authority, so the districts that became
Cumberland or North Yorkshire in 2023 show their new unitary's pay in every year; and an
authority created 2019-2021 (Bournemouth, Christchurch and Poole; the Northamptonshires;
East and West Suffolk) has no pay before it existed. Well-being is published on 2021 codes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import interim
from hopeful.indicators import la_measures, politics
from hopeful.indicators.trend_measures import MEASURES_PATH, measures, read_measures
from hopeful.prepare import iod

__all__ = ["COLUMNS", "MEASURES_PATH", "measures", "read_measures", "trend_table"]

COLUMNS = ["area_code", "area_type", "measure", "period", "year", "value"]


def _long(wide: pd.DataFrame, measure: str, area_type: str) -> pd.DataFrame:
    """Area x year values -> rows of the long table (missing values dropped)."""
    frame = wide.rename_axis(index="area_code", columns="year").stack().rename("value")
    frame = frame.reset_index().dropna(subset=["value"])
    frame["year"] = frame["year"].astype(int)
    frame["period"] = frame["year"].astype(str)
    frame["measure"], frame["area_type"] = measure, area_type
    return frame


def _town_measures(tables: dict[str, pd.DataFrame]) -> list[pd.DataFrame]:
    """Deprivation percentiles 2019 (both nations) and 2025 (England), residents 2011 and 2021."""
    l11, l21 = tables["l11"], tables["l21"]
    own11, own21 = l11[l11["same_nation"]], l21[l21["same_nation"]]
    england21 = own21[own21["lsoa21_code"].str.startswith("E")]
    deprivation = pd.DataFrame(
        {
            2019: iod.weighted_mean(own11, "town_code", "dep_imd", "pop19"),
            2025: iod.weighted_mean(england21, "town_code", "dep_imd25", "residents"),
        }
    )
    population = pd.DataFrame(
        {
            2011: l11.groupby("town_code")["eth11_persons"].sum(),
            2021: l21.groupby("town_code")["residents"].sum(),
        }
    )
    return [_long(deprivation, "deprivation", "town"), _long(population, "population", "town")]


def _la_measures(interim_dir: Path, authorities: pd.Index) -> list[pd.DataFrame]:
    """Pay, life satisfaction and pubs per 2021 authority in `authorities`, every year."""
    pay = interim.read(interim_dir, "weekly_pay_residents_la")
    pay = pay.pivot(index="area_code", columns="year", values="pay")
    to23 = la_measures.ltla21_to_ltla23(interim_dir).reindex(authorities)
    pay21 = pay.reindex(to23.to_numpy()).set_axis(authorities)

    wellbeing = interim.read(interim_dir, "wellbeing_la")
    wellbeing = wellbeing.pivot(index="area_code", columns="year", values="life_satisfaction")
    wellbeing = wellbeing.reindex(authorities)

    pubs = interim.read(interim_dir, "pubs_bars_la")
    to21 = politics.ltla16_to_ltla21(interim_dir).set_index("ltla16_code")["lad_code"]
    years = [c for c in pubs.columns if c.startswith("pubs_")]
    pubs21 = pubs[years].groupby(pubs["lad_code"].map(to21)).sum(min_count=1)
    pubs21 = pubs21.rename(columns=lambda c: int(c.removeprefix("pubs_"))).reindex(authorities)

    out = [
        _long(pay21, "pay", "local authority"),
        _long(wellbeing, "life_satisfaction", "local authority"),
        _long(pubs21, "pubs", "local authority"),
    ]
    satisfaction = out[1]
    satisfaction["period"] = [f"{y}/{(y + 1) % 100:02d}" for y in satisfaction["year"]]
    return out


def trend_table(
    interim_dir: Path, tables: dict[str, pd.DataFrame], towns: pd.DataFrame
) -> pd.DataFrame:
    """The long trend table: area_code, area_type, measure, period, year, value.

    `tables`: the indicator step's small-area tables ("l11", "l21"); `towns`: town_code,
    lad_code (the 2021 authorities whose series are kept). Sorted, so the same inputs give
    the same file.
    """
    authorities = pd.Index(sorted(towns["lad_code"].dropna().astype(str).unique()))
    parts = [*_town_measures(tables), *_la_measures(Path(interim_dir), authorities)]
    table = pd.concat(parts, ignore_index=True)[COLUMNS]
    table["value"] = table["value"].astype("float64")
    return table.sort_values(["measure", "area_code", "year"], ignore_index=True)
