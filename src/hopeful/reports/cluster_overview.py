"""The overview's cluster tables, in plain labels: membership per nation, calibration against
HOPE not hate's 3.17, which clusters co-occur, and the towns in no cluster with their vote.

They read what the index step wrote (cluster_membership.csv, cluster_calibration.csv,
cluster_cooccurrence.csv, score_summary.json) and towns.csv; docs/clusters.md explains each.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import processed
from hopeful.clusters import ClusterConfig, load_clusters
from hopeful.reports.method_text import ordinal

__all__ = [
    "LEAVE_COLUMNS",
    "calibration_summary",
    "calibration_table",
    "cooccurrence_table",
    "leave_clusters",
    "membership_table",
    "no_cluster_towns",
    "no_cluster_vote",
]

# The Leave shares compared, with the labels a reader sees: measured first, then modelled.
LEAVE_COLUMNS = {
    "leave_share_la": ("Leave 2016, its local authority (measured)", "measured"),
    "leave_share_modelled": ("Leave 2016, the town (modelled)", "modelled"),
}


def _pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1%}"


def membership_table(processed_dir: str | Path) -> pd.DataFrame:
    """Towns fully, partly, not in, and not assessed on each cluster, per nation."""
    data = processed.read_table(processed_dir, "cluster_membership.csv")
    data = data[data["nation"] != "All towns"]
    return pd.DataFrame(
        {
            "Cluster": data["cluster"] + " " + data["name"],
            "Nation": data["nation"],
            "Full": data["full"],
            "Partial": data["partial"],
            "None": data["none"],
            "Not assessed": data["not_assessed"],
            "Full, share of assessed": data["full_share_of_assessed"].map(_pct),
            "Criteria assessed (mean)": data["criteria_assessed_mean"].round(1),
        }
    ).reset_index(drop=True)


def _setting_label(threshold: str) -> str:
    if threshold.startswith("quantile "):
        return f"{ordinal(float(threshold.split()[1]))} percentile"
    return {"mean": "Towns average (mean)", "median": "Median town"}.get(threshold, threshold)


def calibration_summary(processed_dir: str | Path) -> str:
    """One sentence: the average town's full clusters against HOPE not hate's figure."""
    summary = processed.read_json(processed_dir, "score_summary.json")
    table = processed.read_table(processed_dir, "cluster_calibration.csv")
    chosen = table[table["chosen"]].iloc[0]
    nations = summary["clusters_full_mean_by_nation"]
    per_nation = ", ".join(f"{n} {v:.2f}" for n, v in nations.items() if n != "All towns")
    return (
        f"The average town is fully in **{summary['clusters_full_mean']:.2f}** clusters "
        f"({per_nation}); {chosen['full_mean_if_all_assessed']:.2f} if every criterion were "
        f"measured. HOPE not hate reported {summary['clusters_full_reference']:g} with its own "
        "rule. The threshold in use is the one setting, for every criterion, that comes "
        "nearest to that figure; the table shows how the count moves with it."
    )


def calibration_table(processed_dir: str | Path) -> pd.DataFrame:
    """Average clusters per town under each threshold setting; the one in use is marked."""
    data = processed.read_table(processed_dir, "cluster_calibration.csv")
    setting = data["threshold"].map(_setting_label)
    return pd.DataFrame(
        {
            "Threshold": setting + data["chosen"].map({True: " (in use)", False: ""}),
            "Full clusters per town": data["full_mean"].round(2),
            "… if every criterion were measured": data["full_mean_if_all_assessed"].round(2),
            "… judging only measurable criteria": data["full_mean_assessable"].round(2),
            "Partial clusters per town": data["partial_mean"].round(2),
            "Towns in no full cluster": data["no_full_cluster_share"].map(_pct),
        }
    )


def cooccurrence_table(processed_dir: str | Path, n: int = 10, min_both: int = 10) -> pd.DataFrame:
    """The n pairs of clusters most often found together (towns fully in both), by lift.

    Lift = towns fully in both / what independence would give; pairs with fewer than
    `min_both` such towns are left out, their lift says little.
    """
    config = load_clusters()
    names = {c.id: f"{c.id} {c.name}" for c in config.clusters}
    data = processed.read_table(processed_dir, "cluster_cooccurrence.csv")
    data = data[data["full_both"] >= min_both].sort_values(
        ["lift", "cluster_a", "cluster_b"], ascending=[False, True, True]
    )
    top = data.head(n)
    return pd.DataFrame(
        {
            "Clusters": top["cluster_a"].map(names) + " + " + top["cluster_b"].map(names),
            "Towns fully in both": top["full_both"],
            "Expected if unrelated": top["expected_both"].round(1),
            "Times more often than expected": top["lift"].round(2),
        }
    ).reset_index(drop=True)


def leave_clusters(config: ClusterConfig) -> list[str]:
    """Clusters with a criterion on the Leave vote: counting them makes the vote check circular."""
    return [
        c.id
        for c in config.clusters
        if any((k.indicator or "").startswith("leave_") for k in c.criteria)
    ]


def _groups(towns: pd.DataFrame, config: ClusterConfig) -> list[tuple[str, pd.Series]]:
    groups = [
        ("All towns", pd.Series(True, index=towns.index)),
        ("In no cluster fully", towns["clusters_full"] == 0),
        (
            "In no cluster, not even partly",
            (towns["clusters_full"] == 0) & (towns["clusters_partial"] == 0),
        ),
    ]
    circular = leave_clusters(config)
    if circular:
        others = [f"cluster_{c.id}" for c in config.clusters if c.id not in circular]
        label = f"In no cluster fully, leaving out {', '.join(circular)} (judged on Leave)"
        groups.append((label, towns[others].eq("full").sum(axis=1) == 0))
    return groups


def no_cluster_vote(towns: pd.DataFrame) -> pd.DataFrame:
    """How the towns in no cluster voted in 2016, against all towns (unweighted means)."""
    config = load_clusters()
    rows = []
    average = {c: towns[c].mean() for c in LEAVE_COLUMNS}
    for label, inside in _groups(towns, config):
        row: dict[str, object] = {"Towns": label, "Number": int(inside.sum())}
        for column, (name, short) in LEAVE_COLUMNS.items():
            mean = towns.loc[inside, column].mean()
            row[name] = _pct(mean)
            difference = 100 * (mean - average[column])
            row[f"Against all towns ({short})"] = (
                "–" if pd.isna(mean) or label == "All towns" else f"{difference:+.1f} points"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def no_cluster_towns(towns: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The n largest towns in no cluster at all (not even partly), with their Leave vote."""
    none = towns[(towns["clusters_full"] == 0) & (towns["clusters_partial"] == 0)]
    top = none.sort_values(["population", "town_code"], ascending=[False, True]).head(n)
    return pd.DataFrame(
        {
            "Town": top["town_name"],
            "Local authority": top["lad_name"],
            "Nation": top["nation"],
            "Population": top["population"].map(lambda v: f"{v:,.0f}"),
            **{name: top[column].map(_pct) for column, (name, _) in LEAVE_COLUMNS.items()},
        }
    ).reset_index(drop=True)
