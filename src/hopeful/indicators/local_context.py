"""Town values of the local-authority, constituency and geometric indicators of issue 12.

Local-authority inputs (hopeful.indicators.la_measures, and the 2010-constituency inputs that
reach authorities through the 2012 district list) are inherited: population-weighted over the
authorities of the town's LSOAs (hopeful.indicators.aggregate.inherited_mean). July 2024
constituency inputs are apportioned by the town's population shares (town_constituencies).
The coastal flag comes from hopeful.indicators.coast.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful.indicators import coast, constituency_measures, la_measures
from hopeful.indicators.aggregate import inherited_mean

__all__ = ["LA_COLUMNS", "PCON24_COLUMNS", "town_values"]

LA_COLUMNS = [
    "pubs_change_2001_2018",
    "drug_death_rate",
    "furlough_rate_2020",
    "pay_growth",
    "asylum_dispersal_rate",
    "life_satisfaction",
    "happiness",
    "worthwhile",
    "anxiety",
    "bnp_share_2010",
    "bnp_stood_share",
    "manufacturing_share_2011",
]
PCON24_COLUMNS = ["reform_share_2024", "reform_stood_share", "manufacturing_share_2021"]


def town_values(
    interim_dir: Path,
    l11: pd.DataFrame,
    lsoa_town: pd.DataFrame,
    towns: pd.DataFrame,
    town_pcon: pd.DataFrame,
) -> dict[str, pd.Series]:
    """Each indicator of this module by town_code.

    `l11`: the towns' LSOA 2011 with town_code, lad_code and pop19; `lsoa_town`: lsoa11_code,
    town_code; `towns`: town_code, nation, lad_code; `town_pcon`: town_code, pcon24_code,
    population_share (hopeful.processed.read_town_constituencies).
    """
    areas = la_measures.la_measures(interim_dir).merge(
        constituency_measures.la_constituency_measures(interim_dir), on="lad_code", how="outer"
    )
    inherited = inherited_mean(
        l11,
        areas[["lad_code", *LA_COLUMNS]],
        area="lad_code",
        weight="pop19",
        fallback=towns[["town_code", "lad_code"]],
    )
    apportioned = constituency_measures.apportion(
        town_pcon, constituency_measures.pcon24_measures(interim_dir)
    )
    values = {c: inherited[c] for c in LA_COLUMNS}
    values.update({c: apportioned[c] for c in PCON24_COLUMNS})
    change = apportioned["manufacturing_share_2021"] - inherited["manufacturing_share_2011"]
    values["manufacturing_change_2011_2021"] = 100 * change.dropna()
    values["coastal"] = coast.coastal(interim_dir, lsoa_town, towns)[0]
    return values
