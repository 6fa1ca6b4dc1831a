"""The town report's cluster summary and table say on how many criteria a town was judged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful.clusters import load_clusters
from hopeful.reports import town_view

PROCESSED = Path(__file__).resolve().parents[1] / "data" / "processed"


def synthetic_view(states: dict[str, tuple[str, int]]) -> town_view.TownView:
    """One town with the given (state, criteria assessed) per cluster, others 'none' on 4."""
    row: dict[str, object] = {"town_code": "E1", "town_name": "Testby", "clusters_full": 0}
    for c in load_clusters().clusters:
        state, assessed = states.get(c.id, ("none", 4))
        row[f"cluster_{c.id}"] = state
        row[f"cluster_{c.id}_assessed"] = assessed
        row["clusters_full"] = int(row["clusters_full"]) + (state == "full")  # type: ignore[call-overload]
    towns = pd.DataFrame([row, {**row, "town_code": "E2", "clusters_full": 4}])
    return town_view.TownView(town=towns.iloc[0], towns=towns, processed_dir=Path("."))


def test_summary_names_full_clusters_and_the_incomplete_ones():
    view = synthetic_view({"E": ("full", 4), "A": ("partial", 3), "C": ("partial", 4),
                           "G": ("none", 3), "B": ("not_assessed", 2)})  # fmt: skip
    text = town_view.cluster_summary_html(view)
    assert "Fully in <strong>1 cluster</strong>: E Cross-cutting deprivation;" in text
    assert "partly in <strong>2 clusters</strong>: A Traditional demographics, C Shrinking" in text
    assert "fewer criteria than the cluster has: A (3 of 4), G (3 of 4)." in text
    assert "Not assessed (too few criteria measurable): B." in text
    assert "average town is fully in 2.5" in text and "(s)" not in text


def test_summary_of_a_town_in_no_cluster_with_everything_measured():
    text = town_view.cluster_summary_html(synthetic_view({}))
    assert "Fully in <strong>0 clusters</strong>; partly in <strong>0 clusters</strong>." in text
    assert "fewer criteria" not in text and "Not assessed" not in text


@pytest.mark.real_data("scored")
def test_real_table_says_judged_on_n_of_4_where_n_is_below_4() -> None:
    towns = pd.read_parquet(PROCESSED / "towns.parquet")
    short = towns[(towns["cluster_C_assessed"] == 3) & (towns["cluster_C"] != "not_assessed")]
    view = town_view.load_town(PROCESSED, short["town_code"].iloc[0])
    table = town_view.cluster_table(view)
    c_rows = table[table["Cluster"].str.startswith("C ")]
    assert len(c_rows) == 4
    assert c_rows["Membership"].str.endswith("(judged on 3 of 4 criteria)").all()
    complete = [c for c in "ABCDEFGHIJKLMN" if view.town[f"cluster_{c}_assessed"] == 4]
    for cid in complete:
        membership = table.loc[table["Cluster"].str.startswith(f"{cid} "), "Membership"]
        assert set(membership) == {view.town[f"cluster_{cid}"].replace("_", " ")}
