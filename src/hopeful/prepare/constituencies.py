"""Towns and the July 2024 Westminster constituencies they lie in.

Constituencies do not nest in towns, and the mirror has no LSOA -> 2024 constituency lookup,
so one is built from geometry: each LSOA 2011's centre point is placed in the constituency
polygon that contains it (both in British National Grid). The polygons are ONS's
ultra-generalised, coast-clipped ones, so a few shoreline points fall just outside every
polygon; they are snapped to the nearest one and counted. Generalisation can also leave a
self-crossing ring (a "bow-tie"), on which point-in-polygon answers are undefined: every
invalid polygon is repaired with `shapely.make_valid` (GEOS) first, and counted. A town's population share in a
constituency is the share of its best-fit LSOAs' mid-2019 residents whose points lie there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from hopeful import interim
from hopeful.errors import DataError

__all__ = ["PointCounts", "lsoa11_to_pcon24", "polygons", "town_constituencies"]

# A snapped point further than this from its constituency is not a generalisation artefact.
MAX_SNAP_METRES = 5_000.0

PointCounts = dict[str, int | float]


def polygons(interim_dir: Path, dataset_id: str) -> tuple[pd.DataFrame, np.ndarray]:
    """A boundary table (codes and names, plus `repaired`: the polygon was invalid) and its
    shapely geometries, in EPSG:27700, every invalid one repaired with `make_valid`."""
    frame = interim.read(interim_dir, dataset_id)
    shapes = shapely.from_wkb(frame["geometry_wkb"].to_numpy())
    invalid = ~shapely.is_valid(shapes)
    shapes[invalid] = shapely.make_valid(shapes[invalid])
    return frame.drop(columns="geometry_wkb").assign(repaired=invalid), shapes


def lsoa11_points(interim_dir: Path, lsoa11_codes: pd.Series) -> np.ndarray:
    """Shapely points (EPSG:27700) of the given LSOA 2011 codes; a code without one fails."""
    points = interim.read(interim_dir, "lsoa_centres_latlong").set_index("lsoa_code")
    missing = sorted(set(lsoa11_codes) - set(points.index))
    if missing:
        raise DataError(
            f"{len(missing)} LSOA 2011 code(s) have no centre point, e.g. {missing[:5]}",
            file=interim.raw_file("lsoa_centres_latlong"),
            column="LSOACD",
        )
    at = points.loc[lsoa11_codes.to_numpy()]
    return shapely.points(at["easting"].to_numpy(), at["northing"].to_numpy())


def lsoa11_to_pcon24(
    interim_dir: Path, lsoa11_codes: pd.Series
) -> tuple[pd.DataFrame, PointCounts]:
    """Each LSOA 2011 (lsoa11_code) -> the 2024 constituency holding its centre point
    (pcon24_code, pcon24_name, snapped: outside every polygon, given the nearest), and counts.

    A point in two overlapping polygons takes the lower code; a point exactly on a shared
    edge is within neither and is snapped (0 m) to one of them. Polygons are sorted by code
    first, so the result does not depend on the file's order.
    """
    codes = pd.Series(sorted(set(lsoa11_codes)), dtype="object")
    names, shapes = polygons(interim_dir, "pcon24_boundaries")
    order = np.argsort(names["pcon24_code"].to_numpy(), kind="stable")
    names, shapes = names.iloc[order].reset_index(drop=True), shapes[order]
    points = lsoa11_points(interim_dir, codes)
    tree = shapely.STRtree(shapes)
    point_i, shape_i = tree.query(points, predicate="within")
    hits = pd.DataFrame({"point": point_i, "shape": shape_i}).sort_values(["point", "shape"])
    first = hits.drop_duplicates("point")
    chosen = np.full(len(points), -1)
    chosen[first["point"].to_numpy()] = first["shape"].to_numpy()
    outside = np.flatnonzero(chosen < 0)
    distance = np.zeros(len(points))
    if len(outside):
        near_point, near_shape = tree.query_nearest(points[outside], all_matches=False)
        chosen[outside[near_point]] = near_shape
        distance[outside] = shapely.distance(points[outside], shapes[chosen[outside]])
    if distance.max() > MAX_SNAP_METRES:
        worst = int(distance.argmax())
        raise DataError(
            f"LSOA {codes.iloc[worst]}'s point is {distance[worst]:.0f} m from every "
            "constituency: not a coastline artefact",
            file=interim.raw_file("lsoa_centres_latlong"),
            column="LSOACD",
        )
    snapped = np.zeros(len(points), dtype=bool)
    snapped[outside] = True
    out = pd.DataFrame(
        {
            "lsoa11_code": codes,
            "pcon24_code": names["pcon24_code"].to_numpy()[chosen],
            "pcon24_name": names["pcon24_name"].to_numpy()[chosen],
            "snapped": snapped,
        }
    )
    counts: PointCounts = {
        "lsoa_points": len(points),
        "lsoa_points_in_a_constituency": len(points) - len(outside),
        "lsoa_points_snapped": len(outside),
        "lsoa_points_in_two_constituencies": int(hits["point"].duplicated().sum()),
        "constituency_polygons_repaired": int(names["repaired"].sum()),
        "max_snap_metres": round(float(distance.max()), 1),
        "constituencies_reached": int(out["pcon24_code"].nunique()),
    }
    return out, counts


def town_constituencies(lsoa_pcon: pd.DataFrame, lsoa_town: pd.DataFrame) -> pd.DataFrame:
    """Each town's share of residents per 2024 constituency: town_code, pcon24_code,
    pcon24_name, population_share (summing to 1 per town), sorted by town and code.

    `lsoa_pcon`: lsoa11_code, pcon24_code, pcon24_name; `lsoa_town`: lsoa11_code, town_code,
    population (mid-2019) for the towns' LSOAs.
    """
    rows = lsoa_town.dropna(subset=["town_code"]).merge(
        lsoa_pcon, on="lsoa11_code", how="left", validate="one_to_one"
    )
    if rows["pcon24_code"].isna().any():
        missing = sorted(rows.loc[rows["pcon24_code"].isna(), "lsoa11_code"])[:5]
        raise DataError(f"town LSOA(s) without a constituency: {missing}", file="lsoa_pcon")
    keys = ["town_code", "pcon24_code", "pcon24_name"]
    people = rows.groupby(keys, sort=True)["population"].sum().reset_index()
    total = people.groupby("town_code")["population"].transform("sum")
    people["population_share"] = people["population"] / total
    return people[[*keys, "population_share"]].reset_index(drop=True)
