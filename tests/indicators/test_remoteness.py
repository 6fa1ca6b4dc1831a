"""Distance to a major town or city: the reader of ONS's lookup, the method on a made-up map,
and the real towns (a hub is 0, the far south-west and Anglesey are furthest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful import interim
from hopeful.errors import DataError
from hopeful.indicators import lsoa11_measures, remoteness
from hopeful.prepare import geography, raw_tables


def test_reader_keeps_only_lsoas_in_a_major_town_and_checks_codes(tmp_path: Path) -> None:
    good = tmp_path / "lookup.csv"
    good.write_text(
        "LSOA11CD,LSOA11NM,TCITY15CD,TCITY15NM,FID\n"
        "E01000001,A 001A,J01000055,London,1\n"
        "E01000002,A 001B,,,2\n",
        encoding="utf-8",
    )
    table = raw_tables.lsoa11_to_tcity15(good)
    assert table.to_dict("records") == [
        {"lsoa11_code": "E01000001", "tcity15_code": "J01000055", "tcity15_name": "London"}
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text().replace("J01000055", "E06000001"), encoding="utf-8")
    with pytest.raises(DataError, match="row 2.*major town or city code"):
        raw_tables.lsoa11_to_tcity15(bad)


@pytest.fixture(scope="module")
def distances(mirror_interim: Path) -> pd.DataFrame:
    lsoa_town = geography.lsoa11_to_town(mirror_interim)
    population = lsoa11_measures.population19(mirror_interim)[["lsoa11_code", "pop19"]]
    km = remoteness.distance_to_major_town_km(mirror_interim, lsoa_town, population)
    names = geography.town_universe(mirror_interim).set_index("town_code")[["town_name", "nation"]]
    return km.to_frame().join(names)


def test_every_town_with_small_areas_has_a_distance_in_both_nations(distances) -> None:
    km = distances["distance_to_major_town_km"]
    assert km.notna().all() and (km >= 0).all()
    assert set(distances["nation"]) == {"England", "Wales"}
    assert km.max() < 150  # nowhere in England and Wales is that far from one of 112 hubs


def test_hubs_are_zero_and_remote_coasts_are_furthest(distances, mirror_interim) -> None:
    by_name = distances.reset_index().set_index("town_name")["distance_to_major_town_km"]
    hubs = set(interim.read(mirror_interim, "lookup_lsoa11_tcity15")["tcity15_name"])
    zero = by_name[by_name.index.isin(hubs)]
    assert len(zero) > 20 and (zero == 0).mean() > 0.8  # towns that are ONS major towns
    assert by_name["Penzance"] > 90 and by_name["Holyhead"] > 90
    assert 5 < by_name["Gravesend"] < 25  # near hubs (Medway, Dartford) but not one itself
    assert by_name["Port Talbot"] < by_name["Holyhead"]


def test_weighted_centre_follows_the_population(mirror_interim) -> None:
    points = interim.read(mirror_interim, "lsoa_centres_latlong").head(2)
    members = pd.DataFrame({"lsoa11_code": points["lsoa_code"], "g": ["x", "x"]})
    heavy_first = pd.DataFrame({"lsoa11_code": points["lsoa_code"], "pop19": [3, 1]})
    centre = remoteness.weighted_centres(mirror_interim, members, "g", heavy_first).loc["x"]
    x = points["easting"].to_numpy()
    assert centre["x"] == pytest.approx(0.75 * x[0] + 0.25 * x[1])
