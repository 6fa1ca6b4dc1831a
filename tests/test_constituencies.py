"""Towns in the July 2024 constituencies: the point-in-polygon lookup on synthetic squares and
on the real mirror, and the towns' population shares."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadr
import pytest
import shapely
from conftest import MIRROR

from hopeful import interim
from hopeful.errors import DataError
from hopeful.prepare import constituencies, geography

GRAVESEND = "E35001042"
PORT_TALBOT = "W38000144"


def _square(x: float, y: float, side: float = 1_000.0) -> bytes:
    return shapely.to_wkb(shapely.box(x, y, x + side, y + side))


@pytest.fixture
def toy_interim(tmp_path: Path) -> Path:
    """Two 1 km squares side by side (E14000002 west, E14000001 east) and LSOA points."""
    shapes = pd.DataFrame(
        {
            "pcon24_code": ["E14000002", "E14000001"],
            "pcon24_name": ["West", "East"],
            "geometry_wkb": [_square(0, 0), _square(1_000, 0)],
        }
    )
    points = pd.DataFrame(
        {
            "lsoa_code": ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005"],
            "easting": [500.0, 1_500.0, 1_000.0, 2_300.0, 9_000.0],  # west, east, edge, off, far
            "northing": [500.0, 500.0, 500.0, 500.0, 500.0],
        }
    )
    interim.write(shapes, tmp_path, "pcon24_boundaries")
    interim.write(points, tmp_path, "lsoa_centres_latlong")
    return tmp_path


def test_points_inside_on_an_edge_and_just_off_the_coast(toy_interim: Path) -> None:
    codes = pd.Series(["E01000004", "E01000001", "E01000002", "E01000003"])
    out, counts = constituencies.lsoa11_to_pcon24(toy_interim, codes)
    got = out.set_index("lsoa11_code")
    assert list(got.index) == sorted(codes)
    assert got["pcon24_code"].to_dict() == {
        "E01000001": "E14000002",
        "E01000002": "E14000001",
        "E01000003": "E14000002",  # not within either: the nearest, lower code on a tie
        "E01000004": "E14000001",  # 300 m east of the east square: snapped
    }
    assert got["snapped"].tolist() == [False, False, True, True]
    assert counts["lsoa_points_snapped"] == 2 and counts["max_snap_metres"] == 300.0


def test_a_point_far_from_every_constituency_fails(toy_interim: Path) -> None:
    with pytest.raises(DataError, match="E01000005.*from every constituency"):
        constituencies.lsoa11_to_pcon24(toy_interim, pd.Series(["E01000005"]))


def test_a_code_without_a_point_fails(toy_interim: Path) -> None:
    with pytest.raises(DataError, match="no centre point"):
        constituencies.lsoa11_to_pcon24(toy_interim, pd.Series(["E01009999"]))


def test_town_shares_sum_to_one_and_weight_by_population() -> None:
    lsoa_pcon = pd.DataFrame(
        {
            "lsoa11_code": ["a", "b", "c", "d"],
            "pcon24_code": ["P1", "P1", "P2", "P2"],
            "pcon24_name": ["One", "One", "Two", "Two"],
        }
    )
    lsoa_town = pd.DataFrame(
        {"lsoa11_code": ["a", "b", "c", "d"], "town_code": ["T1", "T1", "T1", None],
         "population": [100.0, 200.0, 100.0, 500.0]}
    )  # fmt: skip
    out = constituencies.town_constituencies(lsoa_pcon, lsoa_town)
    assert out.to_dict("list") == {
        "town_code": ["T1", "T1"],
        "pcon24_code": ["P1", "P2"],
        "pcon24_name": ["One", "Two"],
        "population_share": [0.75, 0.25],
    }


@pytest.fixture(scope="module")
def real(mirror_interim: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    pop = next(iter(pyreadr.read_r(str(MIRROR / "humaniverse-demographr" /
                                       "population19_lsoa11.rda")).values()))  # fmt: skip
    people = pd.DataFrame(
        {"lsoa11_code": pop["lsoa11_code"].astype(str), "population": pop["total_population"]}
    ).merge(geography.lsoa11_to_town(mirror_interim), on="lsoa11_code", how="left")
    lsoa_pcon, counts = constituencies.lsoa11_to_pcon24(mirror_interim, people["lsoa11_code"])
    return lsoa_pcon, counts, constituencies.town_constituencies(lsoa_pcon, people)


def test_every_lsoa_point_reaches_a_constituency(real) -> None:
    lsoa_pcon, counts, _ = real
    assert counts["lsoa_points"] == len(lsoa_pcon) == 34_753
    # the generalised coastline leaves a few shore points outside, none far
    assert 0 < counts["lsoa_points_snapped"] <= 100
    assert counts["max_snap_metres"] < 2_000
    assert counts["constituencies_reached"] == 575
    assert counts["constituency_polygons_repaired"] == 0  # ONS's 2024 polygons are all valid
    welsh = lsoa_pcon["lsoa11_code"].str.startswith("W")
    assert lsoa_pcon.loc[welsh, "pcon24_code"].str.startswith("W07").mean() > 0.99


def test_town_shares_on_the_mirror(real) -> None:
    _, _, shares = real
    assert shares["town_code"].nunique() == 1177  # every town with LSOAs (not Cambourne)
    sums = shares.groupby("town_code")["population_share"].sum()
    assert (sums - 1).abs().max() < 1e-12
    by_town = shares.set_index(["town_code", "pcon24_name"])["population_share"]
    assert by_town[(PORT_TALBOT, "Aberafan Maesteg")] > 0.99
    assert by_town[(GRAVESEND, "Gravesham")] > 0.99


def test_an_invalid_bow_tie_polygon_is_repaired_before_points_are_placed(tmp_path: Path) -> None:
    """A self-crossing ring (0,0)-(2,2)-(2,0)-(0,2) is invalid: unrepaired, GEOS's answers on it
    are undefined. make_valid turns it into its two triangles, which hold their points."""
    bow_tie = shapely.Polygon([(0, 0), (2_000, 2_000), (2_000, 0), (0, 2_000)])
    assert not shapely.is_valid(bow_tie)
    shapes = pd.DataFrame(
        {
            "pcon24_code": ["E14000001", "E14000002"],
            "pcon24_name": ["Bow tie", "East"],
            "geometry_wkb": [shapely.to_wkb(bow_tie), _square(2_000, 0, 2_000)],
        }
    )
    points = pd.DataFrame(
        {
            "lsoa_code": ["E01000001", "E01000002", "E01000003"],
            "easting": [300.0, 1_700.0, 3_000.0],  # left triangle, right triangle, east square
            "northing": [1_000.0, 1_000.0, 1_000.0],
        }
    )
    interim.write(shapes, tmp_path, "pcon24_boundaries")
    interim.write(points, tmp_path, "lsoa_centres_latlong")
    names, repaired = constituencies.polygons(tmp_path, "pcon24_boundaries")
    assert names["repaired"].tolist() == [True, False]
    assert shapely.is_valid(repaired).all()
    assert shapely.area(repaired[0]) == pytest.approx(2 * 1_000 * 1_000)  # two triangles
    out, counts = constituencies.lsoa11_to_pcon24(tmp_path, points["lsoa_code"])
    assert out["pcon24_code"].tolist() == ["E14000001", "E14000001", "E14000002"]
    assert not out["snapped"].any()
    assert counts["constituency_polygons_repaired"] == 1
