"""The map module on tiny synthetic geometries, and the real map layers once prepared."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import shapely
from conftest import PROCESSED

from hopeful.reports import file_cache, maps
from hopeful.reports.notebook_to_html import check_offline

KM = 1_000.0


def _write_layers(folder: Path) -> Path:
    """Two 'countries' (a 300 km and a 100 km square), their shared border, two authorities,
    a speck of an island, three towns."""
    east = shapely.box(100 * KM, 0, 400 * KM, 300 * KM)
    west = shapely.box(0, 100 * KM, 100 * KM, 200 * KM)
    speck = shapely.box(10 * KM, 10 * KM, 10.5 * KM, 10.5 * KM)  # smaller than any unit
    rows = [
        ("land", "England", "England", shapely.MultiPolygon([east])),
        ("land", "Wales", "Wales", shapely.MultiPolygon([west, speck])),
        (
            "lad_lines",
            "lad21",
            "boundaries",
            shapely.LineString([(100 * KM, 100 * KM), (100 * KM, 200 * KM)]),
        ),
        ("lad", "E1", "Eastshire", east),
        ("lad", "W1", "Westshire", west),
        ("town", "T1", "T1", shapely.Point(200 * KM, 150 * KM)),
        ("town", "T2", "T2", shapely.Point(50 * KM, 150 * KM)),
        ("town", "T3", "T3", shapely.Point(350 * KM, 50 * KM)),
    ]
    table = pd.DataFrame(rows, columns=["layer", "code", "name", "geometry"])
    table["geometry_wkb"] = list(shapely.to_wkb(table.pop("geometry").to_numpy()))
    path = folder / maps.LAYERS_FILE
    table.to_parquet(path)
    return folder


@pytest.fixture()
def layers_dir(tmp_path: Path) -> Path:
    file_cache.clear()
    return _write_layers(tmp_path)


TOWNS = pd.DataFrame(
    {
        "town_code": ["T1", "T2", "T3", "T4"],
        "town_name": ["Ay <b>", "Bee & Co", "Cee", "Nowhere"],
        "index_decile": [1, 10, float("nan"), 5],
        "cluster_A": ["full", "partial", "none", "full"],
        "cluster_B": ["none", "none", "not_assessed", "none"],
    }
)


def test_path_d_is_relative_integers_and_drops_specks():
    frame = maps.Frame(left=0, top=300 * KM, unit_m=10 * KM, width=40, height=30)
    square = shapely.box(0, 0, 100 * KM, 100 * KM)
    speck = shapely.box(0, 0, 1 * KM, 1 * KM)
    d = maps.path_d([square, speck], frame, closed=True)
    assert d.count("M") == 1 and d.endswith("z")
    start, steps = re.fullmatch(r"M([-\d ]+)l([-\d ]+)z", d.replace("-", " -")).groups()
    assert [int(v) for v in start.split()] in ([0, 30], [0, 20], [10, 20], [10, 30])
    moves = [int(v) for v in steps.split()]
    assert len(moves) == 6 and sum(moves[0::2]) in (10, -10, 0)  # three sides of the square
    line = maps.path_d([shapely.LineString([(0, 0), (50 * KM, 0)])], frame, closed=False)
    assert line == "M0 30l5 0"


def test_numbers_need_no_space_before_a_minus():
    assert maps._numbers([3, -2, 4, -1]) == "3-2 4-1"


def test_locator_marks_the_town_and_shades_its_authority(layers_dir):
    svg = maps.locator_svg(layers_dir, "T2", "W1", "Bee & Co <on a map>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title id=" in svg and "Bee &amp; Co &lt;on a map&gt;" in svg
    assert svg.count("<circle") == 3 and 'role="img"' in svg
    assert maps.ACCENT in svg  # the shaded authority and the ring
    check_offline(svg)


def test_locator_is_empty_without_layers_or_point(tmp_path, layers_dir):
    assert maps.locator_svg(tmp_path / "nothing", "T1", "E1", "x") == ""
    assert maps.locator_svg(layers_dir, "T9", "E1", "x") == ""
    assert "<circle" in maps.locator_svg(layers_dir, "T1", "Z9", "x")  # unknown authority


def test_base_map_is_built_once_per_scale(layers_dir):
    first = maps.base_map(layers_dir, 10 * KM)
    assert maps.base_map(layers_dir, 10 * KM) is first
    assert maps.base_map(layers_dir, 20 * KM) is not first
    assert first.frame.width == 40 + 2 * 4 and first.frame.height == 30 + 2 * 4
    assert set(first.towns.index) == {"T1", "T2", "T3"}


def test_national_map_colours_by_decile_with_a_text_legend(layers_dir):
    page = maps.national_map_html(layers_dir, TOWNS)
    assert maps.DECILE_COLOURS[0] in page and maps.DECILE_COLOURS[9] in page
    assert "decile 1 (most resilient)" in page and page.count("<li>") == 10
    assert "2 towns" in page  # T1 and T2: T3 has no decile, T4 no point
    check_offline(page)


def test_cluster_maps_count_full_and_partial(layers_dir):
    page = maps.cluster_maps_html(layers_dir, TOWNS, [("A", "Alpha <x>"), ("B", "Beta")])
    assert "Alpha &lt;x&gt;: 1 full, 1 partial" in page
    assert "Beta: 0 full, 0 partial" in page
    assert page.count('<use href="#cluster-map-base"/>') == 2
    check_offline(page)


def test_maps_say_so_without_layers(tmp_path):
    assert "hopeful prepare" in maps.national_map_html(tmp_path, TOWNS)
    assert "hopeful prepare" in maps.cluster_maps_html(tmp_path, TOWNS, [("A", "Alpha")])
    assert maps.index_map_html(tmp_path, TOWNS, {}) == ""


def test_index_map_links_every_placed_town(layers_dir):
    hrefs = {"T1": "towns/t1.html", "T2": "towns/t2.html"}
    page = maps.index_map_html(layers_dir, TOWNS, hrefs)
    assert page.count("<a href=") == 2 and 'href="towns/t1.html"' in page
    assert "<title>Ay &lt;b&gt;</title>" in page and "Bee &amp; Co" in page
    assert "<title>Cee</title>" in page  # no report link given: a point without a link
    check_offline(page)


@pytest.mark.real_data("processed")
def test_real_layers_place_every_town_on_land():
    file_cache.clear()
    layers = maps.read_layers(PROCESSED)
    assert layers is not None, "run `hopeful prepare`"
    towns = pd.read_csv(PROCESSED / "towns.csv", dtype={"town_code": str})
    assert len(layers.lad) == 331
    assert set(layers.towns.index) <= set(towns["town_code"])
    assert len(layers.towns) >= len(towns) - 2
    land = shapely.union_all(layers.land)
    points = shapely.points(layers.towns["x"].to_numpy(), layers.towns["y"].to_numpy())
    assert (shapely.distance(land, points) < 2_000).all()
    # Gravesend lies in Gravesham, in Kent, east of London.
    g = layers.towns.loc["E35001042"]
    assert shapely.contains_xy(layers.lad["E07000109"], g["x"], g["y"])
    svg = maps.locator_svg(PROCESSED, "E35001042", "E07000109", "Gravesend")
    assert 2_000 < len(svg) < 30_000
