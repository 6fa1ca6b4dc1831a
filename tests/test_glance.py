"""The town at a glance on synthetic towns: tiles, findings that cite numbers, fallbacks,
escaping; and on the real data, the block every report opens with."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROCESSED

from hopeful.reports import file_cache, glance, town_view
from hopeful.reports.notebook_to_html import check_offline

CLUSTERS = "ABCDEFGHIJKLMN"
N = 20


def _towns() -> pd.DataFrame:
    """Twenty towns; town 0 has the highest income-deprived share and the longest distance,
    the lowest turnout and the lowest drug deaths, so each side has findings."""
    i = np.arange(N, dtype=float)
    frame = pd.DataFrame(
        {
            "town_code": [f"E350000{k:02d}" for k in range(N)],
            "town_name": ["<b>Hostile</b> & town"] + [f"Town {k}" for k in range(1, N)],
            "nation": "England",
            "region": "South East",
            "size_class": "small",
            "lad_code": "E07000109",
            "lad_name": "Ghastly <i>shire</i>",
            "index_score": 100 - i,
            "index_rank": i + 1,
            "index_rank_p05": np.maximum(i - 2, 1),
            "index_rank_p95": i + 4,
            "index_decile": (i // 2 + 1),
            "income_deprived_rate": 0.05 + i[::-1] / 100,  # town 0 highest: a concern
            "distance_to_major_town_km": 40 - i,  # town 0 furthest: a concern
            "ge2019_turnout": 0.5 + i / 100,  # town 0 lowest: a concern (same domain? no)
            "drug_death_rate": 1 + i,  # town 0 lowest: an asset
            "household_growth_2011_2021": 1 + i,  # banded: never a sentence
            "domain_economy": 50 + i,
            "domain_health": 90 - i,
            "strength_1": "health",
            "weakness_1": "economy",
            "clusters_full": [4] + [1] * (N - 1),
            "leave_share_modelled": 0.55,
            "leave_share_modelled_p05": 0.5,
            "leave_share_modelled_p95": 0.6,
        }
    )
    for c in CLUSTERS:
        frame[f"cluster_{c}"] = "none"
    frame.loc[0, ["cluster_A", "cluster_B", "cluster_C"]] = ["full", "partial", "not_assessed"]
    return frame.drop(columns="cluster_D")  # a cluster column missing: not assessed


def _view(towns: pd.DataFrame, k: int = 0, folder: Path = Path(".")) -> town_view.TownView:
    return town_view.TownView(town=towns.iloc[k], towns=towns, processed_dir=folder)


def test_tiles_show_each_state_in_words_and_the_legend():
    tiles = glance.cluster_tiles_html(_view(_towns()))
    states = re.findall(r"<li class='tile t-(\w+)'><b>(\w)</b>", tiles)
    assert [c for _, c in states] == list(CLUSTERS)
    by_id = dict((c, s) for s, c in states)
    assert by_id["A"] == "full" and by_id["B"] == "partial" and by_id["E"] == "none"
    assert by_id["C"] == by_id["D"] == "na"  # stated, and column absent
    legend = tiles.split("class='legend'")[1]
    for word in ("in", "partly in", "not in", "not assessed"):
        assert f"</span> {word}</li>" in legend


def test_findings_cite_a_number_and_its_comparison():
    found = glance.findings(_view(_towns()))
    assert 3 <= len(found) <= 5
    for f in found:
        assert re.search(r"\d", f.text)
        assert re.search(r"than in (\d+ of 10|\d+% of) towns|average town", f.text)
    texts = " ".join(f.text for f in found)
    assert "Share of people income-deprived: 24%, higher than in 95% of towns" in texts
    assert "Drug-poisoning deaths per 100,000 (local authority): 1.0 per 100,000 people" in texts
    assert "Household growth" not in texts  # banded indicators are left out
    assert found[-1].text.startswith("Fully in 4 of the 14 clusters")
    assert "more than 95% of towns; the average town is fully in 1.1." in found[-1].text
    concerns = [f for f in found if f.domain != "clusters" and not f.favourable]
    assert len(concerns) == 2 and len({f.domain for f in concerns}) == 2


def test_a_within_nation_percentile_is_compared_with_towns_of_that_nation():
    """Town 0 is the highest of the ten Welsh towns on a within-Wales percentile but below
    every English town: across both nations the comparison would mix two scales."""
    towns = _towns().drop(
        columns=["income_deprived_rate", "distance_to_major_town_km", "ge2019_turnout",
                 "drug_death_rate"]
    )  # fmt: skip
    towns["nation"] = ["Wales"] * 10 + ["England"] * 10
    towns["cni_civic_assets_pctile"] = [50.0, *range(10, 37, 3), *range(60, 100, 4)]
    texts = [f.text for f in glance.findings(_view(towns))]
    civic = [t for t in texts if t.startswith("Lack of civic assets")]
    assert civic == [
        "Lack of civic assets (percentile within nation): 50 on a scale of 0 to 100, higher "
        "than in 9 of 10 towns in Wales (social fabric and civic life)."
    ]


def test_a_middling_town_still_gets_three_findings():
    towns = _towns()
    found = glance.findings(_view(towns, N // 2))
    assert len(found) >= 3


def test_format_and_share_phrases():
    assert glance.format_value(0.243, "fraction of 1") == "24%"
    assert glance.format_value(0.043, "fraction of 1") == "4.3%"
    assert glance.format_value(0.39, "change in fraction of 1") == "+39%"
    assert glance.format_value(12.34, "km") == "12.3 km"
    assert glance.format_value(1930, "persons per GP") == "1,930 people per GP"
    assert glance.share_phrase(0.84) == "8 of 10 towns"
    assert glance.share_phrase(0.7) == "7 of 10 towns"
    assert glance.share_phrase(0.97) == "97% of towns"


def test_rank_domains_and_attitudes():
    view = _view(_towns(), 3)
    rank = glance.rank_glance_html(view)
    assert "rank <strong>4</strong> of 20" in rank and "between 1 and 7" in rank
    domains = glance.domains_glance_html(view)
    assert "Strongest domain: <strong>Health and well-being</strong>" in domains
    assert "Weakest domain: <strong>Economic change and prospects</strong>" in domains
    attitudes = glance.attitudes_glance_html(view)
    assert "55% (90% interval 50% to 60%)" in attitudes and "Reform" not in attitudes


def test_reform_appears_when_its_columns_do():
    towns = _towns().assign(
        reform24_share_modelled=0.2, reform24_share_modelled_p05=0.15,
        reform24_share_modelled_p95=0.26,
    )  # fmt: skip
    text = glance.attitudes_glance_html(_view(towns))
    assert "Voted Reform UK in 2024 (modelled): <strong>20% (90% interval 15% to 26%)" in text


def test_fallbacks_when_data_are_missing():
    towns = _towns()
    towns.loc[0, ["index_score", "index_rank", "leave_share_modelled"]] = np.nan
    towns = towns.drop(columns=["strength_1", "weakness_1", "clusters_full"])
    page = glance.at_a_glance_html(_view(towns, folder=Path("/nonexistent")))
    assert "No Towns Index rank" in page
    assert "<svg" not in page and "Strongest" not in page and "Voted Leave" not in page
    assert "nan" not in page.lower() and "None" not in page


def test_everything_from_data_is_escaped():
    page = glance.at_a_glance_html(_view(_towns()))
    assert "<b>Hostile</b>" not in page and "&lt;b&gt;Hostile&lt;/b&gt; &amp; town" in page
    assert "<i>shire</i>" not in page
    assert page.startswith("<section id='at-a-glance'")
    check_offline(page)
    assert re.findall(r"<(h\d)", page) == ["h2", "h3", "h3"]


@pytest.mark.real_data("scored")
@pytest.mark.parametrize("town", ["Gravesend", "Port Talbot"])
def test_real_towns_open_with_a_glance(town):
    file_cache.clear()
    view = town_view.load_town(PROCESSED, town)
    page = glance.at_a_glance_html(view)
    assert "<svg" in page and "<title" in page
    assert len(page) < 40_000
    found = glance.findings(view)
    assert 3 <= len(found) <= 5
    assert all(re.search(r"\d", f.text) for f in found)
    assert "nan" not in page.lower()
    check_offline(page)
