"""Coastal towns: ONS's flag in England, the same rule derived from geometry in Wales.

ONS classes English towns as coastal or not; there is no such list for Wales. The coastline
is taken as the exterior boundary of Great Britain: the England, Wales and Scotland outlines
(dissolved from the coast-clipped LAD 2021 boundaries) united, so the land borders between
them vanish, and the outer ring of every part kept (islands have coasts; there are no holes).
A town's distance to the coast is that of its nearest best-fit LSOA 2011 centre point. The
distance below which a town counts as coastal is the one that best reproduces ONS's flag on
the English towns (Cohen's kappa); `calibration` reports how well, and the rule is applied to
the Welsh towns. English towns keep ONS's own flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from hopeful import interim
from hopeful.errors import DataError
from hopeful.prepare import constituencies, geography

__all__ = ["GREAT_BRITAIN", "Calibration", "calibrate", "coast_distance_km", "coastal"]

GREAT_BRITAIN = ("England", "Wales", "Scotland")
THRESHOLDS_KM = np.round(np.arange(0.0, 10.05, 0.1), 1)  # candidate distances, 100 m apart


@dataclass(frozen=True)
class Calibration:
    """The distance rule chosen on the English towns and its agreement with ONS's flag."""

    threshold_km: float
    towns: int
    agree: int
    accuracy: float
    kappa: float


def _coast_segments(interim_dir: Path) -> np.ndarray:
    """The coastline of Great Britain as two-point line segments (EPSG:27700)."""
    names, shapes = constituencies.polygons(interim_dir, "countries_outline")
    gb = shapely.union_all(shapes[names["country"].isin(GREAT_BRITAIN).to_numpy()])
    parts = shapely.get_parts(shapely.get_parts(gb))
    rings = [np.asarray(part.exterior.coords) for part in parts if part.geom_type == "Polygon"]
    if not rings:
        raise DataError("no polygon in the outlines", file=interim.raw_file("countries_outline"))
    pairs = np.concatenate([np.stack([xy[:-1], xy[1:]], axis=1) for xy in rings])
    return shapely.linestrings(pairs)


def coast_distance_km(interim_dir: Path, lsoa_town: pd.DataFrame) -> pd.Series:
    """Per town of `lsoa_town` (lsoa11_code, town_code): km from its nearest LSOA centre
    point to the coastline."""
    segments = _coast_segments(interim_dir)
    points = constituencies.lsoa11_points(interim_dir, lsoa_town["lsoa11_code"])
    tree = shapely.STRtree(segments)
    which, metres = tree.query_nearest(points, return_distance=True, all_matches=False)
    distance = np.empty(len(points))
    distance[which[0]] = metres
    km = pd.Series(distance / 1000, index=lsoa_town.index)
    return km.groupby(lsoa_town["town_code"]).min().rename("coast_distance_km")


def _kappa(predicted: np.ndarray, observed: np.ndarray) -> float:
    """Cohen's kappa of two 0/1 vectors: agreement beyond what their base rates give."""
    agree = float(np.mean(predicted == observed))
    p, o = float(np.mean(predicted)), float(np.mean(observed))
    chance = p * o + (1 - p) * (1 - o)
    return (agree - chance) / (1 - chance) if chance < 1 else 1.0


def calibrate(distance_km: pd.Series, flag: pd.Series) -> Calibration:
    """The candidate distance whose rule (coastal = within it) agrees best with `flag` by
    Cohen's kappa (the smallest distance on a tie), over towns having both."""
    both = pd.concat([distance_km.rename("d"), flag.rename("f")], axis=1).dropna()
    if both.empty:
        raise DataError("no town has both a coast distance and ONS's coastal flag")
    observed = both["f"].to_numpy().astype(bool)
    scores = [_kappa(both["d"].to_numpy() <= t, observed) for t in THRESHOLDS_KM]
    best = int(np.argmax(scores))
    predicted = both["d"].to_numpy() <= THRESHOLDS_KM[best]
    agree = int((predicted == observed).sum())
    return Calibration(
        threshold_km=float(THRESHOLDS_KM[best]),
        towns=len(both),
        agree=agree,
        accuracy=agree / len(both),
        kappa=float(scores[best]),
    )


def ons_flag(interim_dir: Path) -> pd.Series:
    """ONS's coastal flag of the English towns as 1.0/0.0, by town_code."""
    towns = interim.read(interim_dir, "towns_english_education")
    flag = towns["coastal"].map(geography.ONS_COASTAL)
    return flag.astype("float64").set_axis(towns["town_code"].astype(str)).dropna()


def coastal(
    interim_dir: Path, lsoa_town: pd.DataFrame, towns: pd.DataFrame
) -> tuple[pd.Series, Calibration]:
    """1/0 per town of `towns` (town_code, nation): ONS's flag for English towns, the
    calibrated distance rule for Welsh ones; and the calibration."""
    distance = coast_distance_km(interim_dir, lsoa_town)
    english = towns.loc[towns["nation"] == "England", "town_code"]
    flag = ons_flag(interim_dir).reindex(english)
    rule = calibrate(distance.reindex(english), flag)
    derived = (distance <= rule.threshold_km).astype("float64")
    nation = towns.set_index("town_code")["nation"]
    out = flag.reindex(nation.index).where(nation == "England", derived.reindex(nation.index))
    return out.rename("coastal"), rule
