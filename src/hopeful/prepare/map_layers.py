"""The layers every map draws, prepared once: land, local authority boundaries, town points.

Reports draw maps for 1,178 towns; reading and simplifying the boundary files for each would
cost more than the rest of a report. `hopeful prepare` therefore writes one small table,
data/processed/map_layers.parquet (British National Grid, metres), that reports only read:

- `land`: England and Wales, one polygon each (from the countries outline);
- `lad_lines`: the local authority boundaries as one line network, each shared border once
  (so simplifying it keeps neighbours meeting and a map draws every border once);
- `lad`: each December 2021 local authority as a polygon (to shade a town's own);
- `town`: each town's population-weighted centre, the same point `distance_to_major_town_km`
  measures from (`remoteness.weighted_centres`, mid-2019 residents of its best-fit LSOAs).

Geometries are simplified to `TOLERANCE_M` and rounded to whole metres: maps further simplify
for their own scale, and the file stays a few hundred kilobytes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from hopeful.prepare import constituencies

__all__ = ["LAND_COUNTRIES", "TOLERANCE_M", "map_layers"]

TOLERANCE_M = 200.0
LAND_COUNTRIES = ("England", "Wales")


def _tidy(shapes):
    """Valid, simplified, whole-metre geometries (the outline files hold one invalid ring)."""
    shapes = shapely.make_valid(shapes)
    shapes = shapely.simplify(shapes, TOLERANCE_M, preserve_topology=True)
    return shapely.set_precision(shapes, 1.0)


def map_layers(interim_dir: Path, lsoa_town: pd.DataFrame) -> pd.DataFrame:
    """The map table (layer, code, name, geometry_wkb), sorted so the file is deterministic.

    `lsoa_town` is the best-fit lookup (lsoa11_code, town_code) the towns are built from.
    """
    from hopeful.indicators.lsoa11_measures import population19
    from hopeful.indicators.remoteness import weighted_centres

    countries, outlines = constituencies.polygons(interim_dir, "countries_outline")
    keep = countries["country"].isin(LAND_COUNTRIES).to_numpy()
    land = pd.DataFrame(
        {"layer": "land", "code": countries["country"][keep], "name": countries["country"][keep]}
    ).assign(geometry=list(_tidy(outlines[keep])))

    lads, shapes = constituencies.polygons(interim_dir, "lad21_boundaries")
    shapes = shapely.make_valid(shapes)
    lad = pd.DataFrame(
        {"layer": "lad", "code": lads["lad21_code"], "name": lads["lad21_name"]}
    ).assign(geometry=list(_tidy(shapes)))
    network = shapely.line_merge(shapely.union_all(shapely.boundary(shapes)))
    lines = pd.DataFrame(
        {
            "layer": ["lad_lines"],
            "code": ["lad21"],
            "name": ["Local authority boundaries (December 2021)"],
            "geometry": [_tidy(network)],
        }
    )

    members = lsoa_town.dropna(subset=["town_code"])[["lsoa11_code", "town_code"]]
    population = population19(interim_dir)[["lsoa11_code", "pop19"]]
    centres = weighted_centres(interim_dir, members, "town_code", population)
    towns = pd.DataFrame(
        {"layer": "town", "code": centres.index.astype(str), "name": centres.index.astype(str)}
    ).assign(
        geometry=list(
            shapely.set_precision(
                shapely.points(centres["x"].to_numpy(), centres["y"].to_numpy()), 1.0
            )
        )
    )
    table = pd.concat([land, lines, lad, towns], ignore_index=True)
    order = {"land": 0, "lad_lines": 1, "lad": 2, "town": 3}
    table = table.sort_values(
        ["layer", "code"], key=lambda s: s.map(order) if s.name == "layer" else s
    ).reset_index(drop=True)
    wkb = shapely.to_wkb(table["geometry"].to_numpy(), output_dimension=2, flavor="iso")
    return table.drop(columns="geometry").assign(geometry_wkb=list(wkb))
