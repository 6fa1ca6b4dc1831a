"""Counts, triangulation, the priority rule and the framework on fixtures with hand answers.

Port Talbot in towns_small.csv (synthetic values): domain_housing 10 of [10,20,30,40,50]
-> mid-rank percentile (0 + 0.5)/5 = 0.1, severity 0.9, a concern (<= 0.4); domain_health
40 -> (3 + 0.5)/5 = 0.7, severity 0.3, a strength (>= 0.6); domain_deprivation_economy 30
-> 0.5, severity 0.5; cluster_L partial and cluster_D partial -> severity 0.5, concerns.
Evidence (fixtures/W38000144.csv): 8 consented findings from 5 sectors; the two jobs
findings lack consent.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from hopeful.consultations import analysis, priorities
from hopeful.consultations.config import PriorityRule
from hopeful.consultations.schema import read_evidence
from hopeful.errors import DataError

from .conftest import FIXTURES


@pytest.fixture()
def findings(themes):
    return read_evidence(FIXTURES / "W38000144.csv", "W38000144", themes.ids).findings


@pytest.fixture()
def port_talbot(towns):
    return towns.iloc[0]


@pytest.fixture()
def signals(port_talbot, towns, themes):
    return analysis.data_signals(port_talbot, towns, themes)


@pytest.fixture()
def tri(findings, signals, themes):
    return analysis.triangulate(findings, signals, themes).set_index("theme")


def test_counts_by_sector_and_kind(findings):
    table = analysis.counts_by_sector_kind(findings)
    assert list(table.columns) == ["friction", "opportunity", "hope", "asset", "total"]
    # the four core sectors always, then others present, in the format's order
    assert list(table.index) == [
        "housing", "health", "employment", "education", "community", "business", "total"
    ]  # fmt: skip
    assert table.loc["housing"].tolist() == [1, 0, 0, 0, 1]
    assert table.loc["health"].tolist() == [2, 0, 0, 0, 2]
    assert table.loc["employment"].tolist() == [0, 0, 0, 0, 0]  # only non-consented findings
    assert table.loc["community"].tolist() == [1, 1, 0, 1, 3]
    assert table.loc["total"].tolist() == [4, 1, 1, 2, 8]


def test_theme_ranking_by_frequency_then_breadth(findings, themes):
    ranking = analysis.theme_ranking(findings, themes)
    assert ranking["theme"].tolist() == ["housing", "health", "places", "pride"]
    housing = ranking.iloc[0]
    assert housing["n_findings"] == 3 and housing["share"] == pytest.approx(3 / 8)
    assert housing["n_sectors"] == 3 and housing["breadth"] == pytest.approx(3 / 5)
    assert housing["sectors"] == "housing, health, community"
    # health and places both have 2 findings: health (2 sectors) ranks above places (1)
    assert ranking.set_index("theme").loc["places", "n_sectors"] == 1


def test_percentile_rank_is_mid_rank():
    values = pd.Series([10.0, 20.0, 20.0, 40.0, None])
    assert analysis.percentile_rank(values, 20.0) == pytest.approx(0.5)
    assert analysis.percentile_rank(values, 10.0) == pytest.approx(0.125)


def test_data_signals(signals):
    s = signals.set_index("column")
    assert s.loc["domain_housing", "percentile"] == pytest.approx(0.1)
    assert s.loc["domain_housing", "severity"] == pytest.approx(0.9)
    assert bool(s.loc["domain_housing", "concern"])
    assert s.loc["domain_health", "percentile"] == pytest.approx(0.7)
    assert not s.loc["domain_health", "concern"] and s.loc["domain_health", "strength"]
    assert s.loc["cluster_L", "severity"] == 0.5 and bool(s.loc["cluster_L", "concern"])
    assert s.loc["cluster_L", "label"] == "Housing pressure"
    assert not s.loc["domain_social_infrastructure", "available"]


def test_missing_columns_and_not_assessed_are_not_available(towns, themes):
    town_e = towns.iloc[4]  # cluster_D = not_assessed
    s = analysis.data_signals(town_e, towns, themes).set_index("column")
    assert not s.loc["cluster_D", "available"] and not s.loc["cluster_D", "concern"]
    no_domains = towns.drop(columns=["domain_housing"])
    s = analysis.data_signals(no_domains.iloc[0], no_domains, themes).set_index("column")
    assert not s.loc["domain_housing", "available"]


def test_cluster_states_and_domain_ranges_are_checked(towns, themes):
    bad = towns.assign(cluster_L=["maybe", "none", "none", "none", "none"])
    with pytest.raises(DataError, match="unknown cluster state"):
        analysis.data_signals(bad.iloc[0], bad, themes)
    bad = towns.assign(domain_health=[40, 10, 20, 30, 150])
    with pytest.raises(DataError, match="0-100"):
        analysis.data_signals(bad.iloc[0], bad, themes)


def test_triangulation_status_per_theme(tri):
    assert tri["status"].to_dict() == {
        "housing": "agree",  # friction + domain and cluster concern
        "health": "voice_only",  # friction, health at percentile 0.7 is no concern
        "jobs": "data_only",  # cluster D partial; its friction findings lack consent
        "places": "voice_only",  # friction, but no social_infrastructure column
        "pride": "neither",  # asset only, no data signal
    }
    assert tri.loc["places", "not_available"] == "domain_social_infrastructure"
    assert not tri.loc["places", "data_available"]
    assert tri.loc["housing", "data_evidence"] == (
        "housing (index domain) = 10.0 (percentile 10%); Housing pressure (cluster) = partial"
    )
    assert tri.loc["housing", "friction_sources"] == "T-01, T-02"
    assert tri.loc["jobs", "data_severity"] == pytest.approx(0.5)


def test_mean_aggregate(findings, signals, themes):
    config = dataclasses.replace(themes, data=dataclasses.replace(themes.data, aggregate="mean"))
    tri = analysis.triangulate(findings, signals, config).set_index("theme")
    assert tri.loc["housing", "data_severity"] == pytest.approx((0.9 + 0.5) / 2)


def test_concern_percentile_is_configurable(port_talbot, towns, themes):
    # at the bottom 10%, housing (percentile 0.1) is still a concern, but nothing else is
    config = dataclasses.replace(
        themes, data=dataclasses.replace(themes.data, concern_percentile=10)
    )
    s = analysis.data_signals(port_talbot, towns, config)
    domains = s[s["signal"] == "domain"].set_index("column")
    assert domains["concern"].to_dict() == {
        "domain_housing": True, "domain_health": False,
        "domain_deprivation_economy": False, "domain_social_infrastructure": False,
    }  # fmt: skip


def test_priority_rule_known_answers(tri, themes):
    ranked = priorities.rank_priorities(tri.reset_index(), themes.priority)
    # voice = (share + breadth) / 2 over 8 findings and 5 sectors; score = (data + voice) / 2
    expected = {
        "housing": 0.5 * 0.9 + 0.5 * (0.5 * 3 / 8 + 0.5 * 3 / 5),  # 0.69375
        "health": 0.5 * 0.3 + 0.5 * (0.5 * 2 / 8 + 0.5 * 2 / 5),  # 0.3125
        "jobs": 0.5 * 0.5 + 0.0,  # 0.25: a data concern nobody raised
        "places": 0.0 + 0.5 * (0.5 * 2 / 8 + 0.5 * 1 / 5),  # 0.1125
        "pride": 0.0 + 0.5 * (0.5 * 1 / 8 + 0.5 * 1 / 5),  # 0.08125
    }
    assert ranked["theme"].tolist() == ["housing", "health", "jobs", "places", "pride"]
    assert ranked["rank"].tolist() == [1, 2, 3, 4, 5]
    for theme_id, score in expected.items():
        got = ranked.set_index("theme").loc[theme_id, "score"]
        assert got == pytest.approx(score), theme_id


def test_priority_weights_change_the_order(tri):
    data_only = PriorityRule(data_weight=1, voice_weight=0, share_weight=1, breadth_weight=1)
    ranked = priorities.rank_priorities(tri.reset_index(), data_only)
    # housing 0.9, jobs 0.5, health 0.3; places and pride tie at 0 -> more findings first
    assert ranked["theme"].tolist() == ["housing", "jobs", "health", "places", "pride"]
    voice_only = PriorityRule(data_weight=0, voice_weight=1, share_weight=0, breadth_weight=1)
    ranked = priorities.rank_priorities(tri.reset_index(), voice_only)
    # breadth only: housing 3/5, health 2/5, places and pride 1/5 (places has more findings)
    assert ranked["theme"].tolist() == ["housing", "health", "places", "pride", "jobs"]


def test_ties_are_broken_by_conversations_findings_then_theme_id_even_with_float_noise():
    rule = PriorityRule(data_weight=1, voice_weight=0, share_weight=1, breadth_weight=1)
    tri = pd.DataFrame(
        {
            "theme": ["b", "a", "c"],
            "data_severity": [0.1 + 0.2, 0.3, 0.3],  # 0.30000000000000004 vs 0.3
            "data_concern": [True, True, True],
            "n_conversations": [1, 1, 1],
            "n_findings": [1, 1, 2],
            "share": [0.0, 0.0, 0.0],
            "breadth": [0.0, 0.0, 0.0],
        }
    )
    assert priorities.rank_priorities(tri, rule)["theme"].tolist() == ["c", "a", "b"]


def test_themes_neither_raised_nor_a_concern_are_not_priorities(tri, themes):
    tri = tri.reset_index()
    tri.loc[tri["theme"] == "pride", "n_findings"] = 0
    ranked = priorities.rank_priorities(tri, themes.priority)
    assert "pride" not in set(ranked["theme"])


def test_framework_barriers_and_assets(findings, tri, signals, themes, actions):
    ranked = priorities.rank_priorities(tri.reset_index(), themes.priority)
    table = priorities.framework(findings, ranked, signals, themes, actions)
    barriers = table[table["part"] == "barrier"]
    # friction themes in priority order: confirmed by the data, or raised in consultation only
    assert barriers["theme"].tolist() == ["housing", "health", "places"]
    assert barriers["basis"].tolist() == [
        priorities.BASIS["agree"], priorities.BASIS["voice_only"], priorities.BASIS["voice_only"]
    ]  # fmt: skip
    assert "not visible in the data" in priorities.BASIS["voice_only"]
    explore = table[table["part"] == "explore"]
    assert explore["theme"].tolist() == ["jobs"]  # a data concern nobody raised as friction
    assert explore["basis"].iloc[0].startswith("to explore with the town")
    housing = barriers.iloc[0]
    assert housing["finding_sources"] == "T-01, T-02"
    evidence = housing["data_evidence"]
    assert "housing (index domain) = 10.0" in evidence and "Housing pressure (cluster)" in evidence
    # by theme (fix_housing), by concern cluster L (cluster_l), use both (both_ways); file order
    assert housing["actions"] == ["fix_housing", "cluster_l", "both_ways"]
    assets = table[table["part"] == "asset"].set_index("theme")
    assert list(assets.index) == ["health", "housing", "places", "pride"]  # 1 each, then id
    assert assets.loc["health", "findings"] == "1 hope"
    assert assets.loc["health", "data_evidence"] == (
        "Health and well-being (index domain) = 40.0 (percentile 70%)"
    )
    assert assets.loc["housing", "finding_sources"] == "T-03"
    assert assets.loc["places", "actions"] == ["build_places"]
    assert assets.loc["housing", "actions"] == ["both_ways"]  # tackle-only actions left out


def test_empty_evidence_gives_empty_tables(tmp_path, signals, themes):
    path = tmp_path / "W38000144.csv"
    path.write_text("town_code,date,sector,role,kind,theme,summary,source_id,consent\n")
    empty = read_evidence(path, "W38000144", themes.ids).findings
    assert analysis.counts_by_sector_kind(empty).loc["total", "total"] == 0
    assert analysis.theme_ranking(empty, themes).empty
    tri = analysis.triangulate(empty, signals, themes)
    assert tri.set_index("theme")["status"].to_dict()["housing"] == "data_only"
