"""The charts drawn as inline SVG (trend_view.trend_svg, svg_charts.deprivation_svg), on built
panels: what a reader sees must be there, escaped, and the same bytes every time."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from hopeful.reports import svg_charts, trend_view
from hopeful.reports.figures import TOWN_COLOUR

SVG = "{http://www.w3.org/2000/svg}"


def _panel(measure: str, years: list[int], values: list[float], area: str) -> trend_view.Panel:
    band = pd.DataFrame(
        {
            "year": years,
            "p25": [v - 10 for v in values],
            "p50": values,
            "p75": [v + 10 for v in values],
            "period": [str(y) for y in years],
        }
    )
    series = pd.DataFrame({"year": years, "period": [str(y) for y in years], "value": values})
    return trend_view.Panel(measure, f"{measure} label", f"{measure} axis", area, series, band)


@pytest.fixture
def panels() -> list[trend_view.Panel]:
    empty = _panel("pubs", [2001, 2018], [100, 80], "Elsewhere (local authority)")
    return [
        _panel("pay", [2008, 2009, 2010], [400.0, 420.0, 455.0], "<b>Town & $x$</b>"),
        trend_view.Panel(
            "pubs", "Pubs", "Number in 2001 = 100", "Elsewhere", empty.series.iloc[:0], empty.band
        ),
    ]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_every_panel_shows_its_title_area_band_median_and_line(panels) -> None:
    svg = trend_view.trend_svg(panels)
    root = _parse(svg)  # well-formed: hostile names are escaped, not markup
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    for words in ("pay label", "Pubs", "<b>Town & $x$</b>", "pay axis", "2008", "2010"):
        assert words in text
    assert "not available" in text  # the panel without the area's series says so
    assert len(root.findall(f".//{SVG}polygon")) == 2  # both panels have the towns' band
    dashed = [p for p in root.iter() if p.get("stroke-dasharray")]
    assert len(dashed) == 3  # two medians and the legend's key
    assert len(list(root.iter(f"{SVG}circle"))) == 3 + 1  # a dot a year, and the legend's
    assert svg.count(TOWN_COLOUR) >= 3


def test_the_chart_is_an_image_named_by_its_alt_text(panels) -> None:
    root = _parse(trend_view.trend_svg(panels))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.get("id") == root.get("aria-labelledby")
    assert title.text == trend_view.trend_alt(panels)
    assert "pay label (2008-2010)" in title.text and "pubs (2001 and 2018)" in title.text


def test_ticks_are_round_and_cover_the_values() -> None:
    ticks, fmt = svg_charts.ticks(7.26, 8.04)
    assert ticks[0] <= 7.26 and ticks[-1] >= 8.04 and 3 <= len(ticks) <= 7
    assert [fmt.format(t) for t in ticks] == ["7.2", "7.4", "7.6", "7.8", "8.0", "8.2"]
    ticks, fmt = svg_charts.ticks(355, 692)
    assert [fmt.format(t) for t in ticks] == ["300", "400", "500", "600", "700"]
    assert svg_charts.ticks(100, 100)[0][0] <= 100 <= svg_charts.ticks(100, 100)[0][-1]


def test_same_panels_same_bytes_and_no_nan(panels) -> None:
    first = trend_view.trend_svg(panels)
    assert first == trend_view.trend_svg(panels)
    assert not re.search(r"\bnan\b", first, re.IGNORECASE)


def _towns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "town_name": [f"Town {i}" for i in range(29)] + ["<i>Grave & send</i>"],
            "nation": ["England"] * 20 + ["Wales"] * 10,
            "uk_imd_score": [5.0 + 1.5 * i for i in range(30)],
        }
    )


def test_deprivation_histogram_counts_every_town_once_and_marks_the_town() -> None:
    towns = _towns()
    svg = svg_charts.deprivation_svg(towns, towns.iloc[-1])
    root = _parse(svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text.startswith("Histograms")
    outlines = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "none" and "V" in p.get("d")]
    # each nation: an outline whose steps rise and fall over its towns' bins only
    colours = {p.get("stroke") for p in outlines}
    assert {svg_charts.PALETTE["England"], svg_charts.PALETTE["Wales"]} <= colours
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "<i>Grave & send</i>" in text and "England" in text and "Wales" in text
    lines = [x for x in root.iter(f"{SVG}line") if x.get("stroke") == svg_charts.TOWN_COLOUR]
    assert len(lines) == 1
    assert svg == svg_charts.deprivation_svg(towns, towns.iloc[-1])


def test_deprivation_histogram_without_the_towns_value_draws_no_line() -> None:
    towns = _towns()
    towns.loc[29, "uk_imd_score"] = float("nan")
    root = _parse(svg_charts.deprivation_svg(towns, towns.iloc[-1]))
    assert not [x for x in root.iter(f"{SVG}line") if x.get("stroke") == svg_charts.TOWN_COLOUR]
    assert "nan" not in svg_charts.deprivation_svg(towns, towns.iloc[-1]).lower()


def _ranked() -> pd.DataFrame:
    rank = pd.Series(range(1, 31), dtype=float)
    towns = _towns().assign(
        index_rank=rank,
        index_rank_p05=(rank - 3).clip(lower=1),
        index_rank_median=rank,
        index_rank_p95=(rank + 3).clip(upper=30),
        domain_a=[float(i) for i in range(30)],
        domain_b=[100.0 - i for i in range(30)],
    )
    towns.loc[3, ["index_rank", "index_rank_p05", "index_rank_p95"]] = float("nan")
    return towns


def test_rank_chart_draws_one_interval_per_ranked_town() -> None:
    towns = _ranked()
    root = _parse(svg_charts.rank_svg(towns, towns.iloc[-1]))
    ranges = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#cbd2d9"]
    assert len(ranges) == 1 and ranges[0].get("d").count("M") == len(towns) - 1
    assert root.find(f"{SVG}title").text.startswith("Every town's Towns Index rank")
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "<i>Grave & send</i>: median rank" in text


def test_domain_chart_has_a_row_per_domain_and_the_three_keys() -> None:
    towns = _ranked()
    svg = svg_charts.domain_svg(towns, towns.iloc[-1], towns.head(5), {"a": "Alpha", "b": "Beta"})
    root = _parse(svg)
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    for words in ("Alpha", "Beta", "All towns (mean)", "Peers (mean)", "<i>Grave & send</i>"):
        assert words in text
    dots = [c for c in root.iter(f"{SVG}circle") if c.get("fill") == svg_charts.TOWN_COLOUR]
    assert len(dots) == 2 + 1  # one per domain and the legend's
    no_peers = svg_charts.domain_svg(towns, towns.iloc[-1], towns.head(0), {"a": "Alpha"})
    assert "nan" not in no_peers.lower()
