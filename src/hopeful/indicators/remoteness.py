"""How far a town's people live from a regional hub: the distance to the nearest of ONS's
112 major towns and cities (December 2015) in England and Wales.

Both ends are population-weighted centres of best-fit LSOA 2011 centre points (mid-2019
residents as weights, British National Grid). A town whose people mostly (over half) live in
a major town or city is itself a hub: distance 0. The same rule in both nations; it stands in
for rail access and journeys to work, which the open mirror has no data for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from hopeful import interim
from hopeful.prepare import constituencies

__all__ = ["distance_to_major_town_km", "weighted_centres"]


def weighted_centres(
    interim_dir: Path, members: pd.DataFrame, group: str, population: pd.DataFrame
) -> pd.DataFrame:
    """Population-weighted centre (x, y in metres) of each `group` of `members` (lsoa11_code,
    group), weighted by `population` (lsoa11_code, pop19)."""
    frame = members[["lsoa11_code", group]].merge(population, on="lsoa11_code", how="inner")
    points = constituencies.lsoa11_points(interim_dir, frame["lsoa11_code"])
    frame = frame.assign(x=shapely.get_x(points), y=shapely.get_y(points))
    frame = frame.assign(wx=frame["x"] * frame["pop19"], wy=frame["y"] * frame["pop19"])
    sums = frame.groupby(group)[["wx", "wy", "pop19"]].sum()
    return pd.DataFrame({"x": sums["wx"] / sums["pop19"], "y": sums["wy"] / sums["pop19"]})


def distance_to_major_town_km(
    interim_dir: Path, lsoa_town: pd.DataFrame, population: pd.DataFrame
) -> pd.Series:
    """Per town of `lsoa_town` (lsoa11_code, town_code): km from its population-weighted
    centre to the nearest major town or city's; 0 when most of its people live in one."""
    major = interim.read(interim_dir, "lookup_lsoa11_tcity15")[["lsoa11_code", "tcity15_code"]]
    hubs = weighted_centres(interim_dir, major, "tcity15_code", population)
    towns = weighted_centres(interim_dir, lsoa_town, "town_code", population)
    dx = towns["x"].to_numpy()[:, None] - hubs["x"].to_numpy()[None, :]
    dy = towns["y"].to_numpy()[:, None] - hubs["y"].to_numpy()[None, :]
    distance = pd.Series(np.sqrt(dx**2 + dy**2).min(axis=1) / 1000, index=towns.index)
    in_hub = (
        lsoa_town.merge(population, on="lsoa11_code")
        .assign(hub=lambda f: f["lsoa11_code"].isin(major["lsoa11_code"]) * f["pop19"])
        .groupby("town_code")[["hub", "pop19"]]
        .sum()
    )
    hub_share = (in_hub["hub"] / in_hub["pop19"]).reindex(distance.index)
    return distance.where(hub_share <= 0.5, 0.0).rename("distance_to_major_town_km")
