"""The overview's cluster tables: the no-cluster vote comparison and its circularity guard."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful.clusters import Cluster, ClusterConfig, Criterion, Rule, load_clusters
from hopeful.reports import cluster_overview


def test_clusters_judged_on_the_leave_vote_are_found():
    def cluster(cid: str, indicator: str) -> Cluster:
        return Cluster(cid, cid, "o", (Criterion("c", indicator, "above"),))

    config = ClusterConfig(Path("t.toml"), "", Rule(),
                           (cluster("A", "share_white"), cluster("I", "leave_share_la")))  # fmt: skip
    assert cluster_overview.leave_clusters(config) == ["I"]


def towns_with_states() -> pd.DataFrame:
    ids = [c.id for c in load_clusters().clusters]
    rows = []
    for n, (full, partial, leave) in enumerate(
        [(["E"], [], 0.70), ([], ["C"], 0.50), ([], [], 0.40), ([], [], 0.60)]
    ):
        row = {f"cluster_{c}": "full" if c in full else "partial" if c in partial else "none"
               for c in ids}  # fmt: skip
        row |= {"town_code": f"T{n}", "clusters_full": len(full), "clusters_partial": len(partial),
                "leave_share_la": leave, "leave_share_modelled": leave + 0.01}  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


def test_no_cluster_vote_against_all_towns():
    table = cluster_overview.no_cluster_vote(towns_with_states()).set_index("Towns")
    measured = "Leave 2016, its local authority (measured)"
    assert table.loc["All towns", "Number"] == 4 and table.loc["All towns", measured] == "55.0%"
    # no cluster fully: T1, T2, T3 -> 50%; not even partly: T2, T3 -> 50%
    assert table.loc["In no cluster fully", "Number"] == 3
    assert table.loc["In no cluster fully", "Against all towns (measured)"] == "-5.0 points"
    assert table.loc["In no cluster, not even partly", measured] == "50.0%"
    assert table.loc["All towns", "Against all towns (modelled)"] == "–"
    circular = cluster_overview.leave_clusters(load_clusters())
    assert (len(table) == 4) == bool(circular)


@pytest.mark.real_data("scored")
def test_overview_cluster_tables_on_the_real_towns() -> None:
    processed = Path(__file__).resolve().parents[1] / "data" / "processed"
    calibration = cluster_overview.calibration_table(processed)
    assert calibration["Threshold"].str.endswith("(in use)").sum() == 1
    membership = cluster_overview.membership_table(processed)
    assert set(membership["Nation"]) == {"England", "Wales"}
    assert len(membership) == 2 * len(load_clusters().clusters)
    pairs = cluster_overview.cooccurrence_table(processed)
    assert (pairs["Towns fully in both"] >= 10).all() and pairs[
        "Times more often than expected"
    ].is_monotonic_decreasing
    assert "3.17" in cluster_overview.calibration_summary(processed)
