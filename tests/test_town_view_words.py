"""The town report's words on synthetic data: labels, plurals, folded tables, no NaN."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful.reports import file_cache, town_view
from hopeful.reports.town_view import TownView

CLUSTERS = "ABCDEFGHIJKLMN"


def _towns() -> pd.DataFrame:
    rows = []
    for i, (name, nation, region) in enumerate(
        [
            ("Alpha", "England", "North East"),
            ("Beta", "Wales", "Wales"),
            ("Gamma", "England", "North East"),
        ]  # fmt: skip
    ):
        row = {"town_code": f"E3400000{i}", "town_name": name, "nation": nation,
               "region": region, "lad_code": f"E0600000{i}", "lad_name": f"LA {i}",
               "size_class": "small", "index_rank": [1, 2, float("nan")][i],
               "index_rank_p05": 1, "index_rank_p95": 2, "clusters_full": [1, 0, 0][i]}  # fmt: skip
        for c in CLUSTERS:
            row[f"cluster_{c}"] = "none"
            row[f"cluster_{c}_assessed"] = 4
        rows.append(row)
    towns = pd.DataFrame(rows)
    towns.loc[0, "cluster_A"] = "full"
    towns.loc[0, "cluster_C"] = "partial"
    towns.loc[0, "cluster_C_assessed"] = 3
    towns.loc[0, "peer_codes"] = "E34000002"
    return towns


def _criterion(cluster: str, no: int, met: bool | None, proxy: str = "") -> dict:
    return {"town_code": "E34000000", "cluster": cluster, "criterion_no": no,
            "criterion": f"Criterion {cluster}{no}", "indicator": "working_class_share",
            "value": 0.4 if met is not None else float("nan"), "compare": "above",
            "statistic": "quantile", "scope": "all", "threshold": 0.3,
            "met": met, "assessable": met is not None, "proxy": proxy,
            "not_assessed_reason": "" if met is not None else "no data"}  # fmt: skip


@pytest.fixture
def view(tmp_path: Path) -> TownView:
    rows = [
        _criterion("A", n, True, proxy="Census stand-in" if n == 1 else "") for n in (1, 2, 3, 4)
    ]
    rows += [_criterion("B", n, False) for n in (1, 2, 3, 4)]
    rows += [_criterion("C", 1, None), *(_criterion("C", n, True) for n in (2, 3, 4))]
    criteria = pd.DataFrame(rows).astype({"met": "boolean"})
    criteria.to_parquet(tmp_path / "cluster_criteria.parquet")
    file_cache.clear()
    towns = _towns()
    return TownView(town=towns.iloc[0], towns=towns, processed_dir=tmp_path)


def test_blocks_only_for_clusters_the_town_is_in(view: TownView) -> None:
    blocks = town_view.cluster_blocks_html(view)
    assert blocks.count("class='cluster-block'") == 2
    assert "A Traditional demographics" in blocks and "C " in blocks
    assert "B Visible decline" not in blocks
    assert "meets 4 of 4 criteria" in blocks and "meets 3 of 4 criteria" in blocks
    assert "Not assessed: criterion c1" in blocks
    assert "40.0% (threshold: above 30.0%)" in blocks  # fractions read as percentages


def test_empty_proxy_never_prints_and_table_is_folded(view: TownView) -> None:
    table = town_view.cluster_table(view)
    assert (table["Criterion"] == "Criterion A1 (measured by proxy: Census stand-in)").sum() == 1
    assert not table["Criterion"].str.contains("proxy: ?\\)|proxy:$", regex=True).any()
    details = town_view.cluster_details_html(view)
    assert details.startswith("<details") and details.endswith("</details>")
    assert "NaN" not in details and "nan" not in details
    assert "not available" in details  # the unassessed criterion's value


def test_plurals(view: TownView) -> None:
    summary = town_view.cluster_summary_html(view)
    assert "1 cluster</strong>" in summary and "(s)" not in summary


def test_ranks_and_headings_for_people(view: TownView) -> None:
    assert [town_view.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 112, 1178)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "112th", "1,178th"]  # fmt: skip
    assert town_view.rank_text(12, 1178) == "12th of 1,178"
    assert town_view.rank_text(float("nan"), 1178) == "not available"
    welsh = TownView(town=view.towns.iloc[1], towns=view.towns, processed_dir=view.processed_dir)
    assert "Wales, Wales" not in town_view.heading_html(welsh)
    assert "North East, England" in town_view.heading_html(view)
    peers = town_view.html_table(town_view.peers_table(view))
    assert "not available" in peers and "NaN" not in peers and "small" not in peers
