"""What the cluster memberships add up to: rates per nation, co-occurrence, calibration.

The index step writes these tables next to the per-town states (cluster_membership.csv,
cluster_cooccurrence.csv, cluster_calibration.csv; docs/clusters.md) so that the overview
and the docs can say how common each cluster is, which clusters come together, and how the
average number of full clusters per town depends on the threshold setting, against HOPE not
hate's 3.17.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from hopeful.clusters import (
    BASES,
    NATION,
    STATES,
    TOWN,
    ClusterConfig,
    criteria_table,
    membership_from_criteria,
    with_rule,
)

__all__ = [
    "ALL_TOWNS",
    "calibration",
    "cooccurrence",
    "full_mean_by_nation",
    "full_mean_if_all_assessed",
    "membership_rates",
]

ALL_TOWNS = "All towns"


def _with_nation(wide: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    nation = towns.set_index(TOWN)[NATION]
    return wide.assign(**{NATION: wide[TOWN].map(nation).fillna("unknown")})


def membership_rates(data: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """Per cluster and nation (and all towns): towns full, partial, none, not assessed, the
    share fully in among the assessed, and the mean number of criteria assessed.

    `data` has a nation column and the membership columns (towns.csv has both).
    """
    groups = [(n, data[data[NATION] == n]) for n in sorted(data[NATION].unique())]
    rows = []
    for c in config.clusters:
        for group, part in [*groups, (ALL_TOWNS, data)]:
            state = part[f"cluster_{c.id}"]
            counts = {s: int((state == s).sum()) for s in STATES}
            assessed = len(part) - counts["not_assessed"]
            rows.append(
                {
                    "cluster": c.id,
                    "name": c.name,
                    NATION: group,
                    "towns": len(part),
                    **counts,
                    "full_share_of_assessed": round(counts["full"] / assessed, 4)
                    if assessed
                    else float("nan"),
                    "criteria_assessed_mean": round(
                        float(part[f"cluster_{c.id}_assessed"].mean()), 4
                    ),
                }
            )
    return pd.DataFrame(rows)


def cooccurrence(wide: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """Each pair of clusters: towns fully in both against what independence would give.

    Counted over the towns assessed on both clusters; lift = observed / expected, where
    expected = full_a × full_b / towns (missing when either cluster has no full town).
    """
    rows = []
    for a, b in combinations([c.id for c in config.clusters], 2):
        sa, sb = wide[f"cluster_{a}"], wide[f"cluster_{b}"]
        both_assessed = (sa != "not_assessed") & (sb != "not_assessed")
        n = int(both_assessed.sum())
        full_a = int((both_assessed & (sa == "full")).sum())
        full_b = int((both_assessed & (sb == "full")).sum())
        both = int((both_assessed & (sa == "full") & (sb == "full")).sum())
        expected = full_a * full_b / n if n else 0.0
        rows.append(
            {
                "cluster_a": a,
                "cluster_b": b,
                "towns": n,
                "full_a": full_a,
                "full_b": full_b,
                "full_both": both,
                "expected_both": round(expected, 4),
                "lift": round(both / expected, 4) if expected else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def full_mean_by_nation(data: pd.DataFrame) -> dict[str, float]:
    """Average number of clusters a town is fully in, per nation and over all towns."""
    means = data.groupby(NATION)["clusters_full"].mean()
    out = {str(n): round(float(v), 4) for n, v in means.sort_index().items()}
    return {**out, ALL_TOWNS: round(float(data["clusters_full"].mean()), 4)}


def full_mean_if_all_assessed(wide: pd.DataFrame, config: ClusterConfig) -> float:
    """Full clusters per town if every cluster were measured on all its criteria.

    The full rate over the town × cluster pairs assessed on every criterion, times the
    number of clusters: comparable with HOPE not hate's 3.17 while some clusters still lack
    open data for a criterion (under the four-of-four rule they can then never be full, so the
    plain mean is capped by missing data rather than by the threshold).
    """
    full = complete = 0
    for c in config.clusters:
        whole = wide[f"cluster_{c.id}_assessed"] == len(c.criteria)
        complete += int(whole.sum())
        full += int((whole & (wide[f"cluster_{c.id}"] == "full")).sum())
    return round(len(config.clusters) * full / complete, 4) if complete else float("nan")


def _settings(config: ClusterConfig) -> list[tuple[str, float | None]]:
    quantiles = {*config.calibration.quantiles}
    if config.rule.quantile is not None:
        quantiles.add(config.rule.quantile)
    return [("mean", None), ("median", None), *(("quantile", q) for q in sorted(quantiles))]


def calibration(towns: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """Average clusters per town under each default threshold setting and both bases.

    One global setting for every criterion without its own threshold (no per-cluster
    tuning): mean, median and the [calibration] quantiles, plus the file's own setting,
    which is flagged `chosen`. `full_mean` follows the file's basis; `full_mean_<basis>`
    gives each basis, so the cost of the strict four-of-four rule is visible;
    `full_mean_if_all_assessed` is the figure to hold against the target.
    """
    rule = config.rule
    rows = []
    for statistic, quantile in _settings(config):
        cfg = with_rule(config, threshold=statistic, quantile=quantile)
        long = criteria_table(towns, cfg)
        per_basis = {
            basis: membership_from_criteria(long, with_rule(cfg, basis=basis)) for basis in BASES
        }
        wide = per_basis[rule.basis]
        by_nation = full_mean_by_nation(_with_nation(wide, towns))
        rows.append(
            {
                "threshold": statistic if quantile is None else f"quantile {quantile:g}",
                "chosen": statistic == rule.threshold and quantile == rule.quantile,
                "full_mean": by_nation[ALL_TOWNS],
                "full_mean_if_all_assessed": full_mean_if_all_assessed(wide, cfg),
                **{f"full_mean_{n}": v for n, v in by_nation.items() if n != ALL_TOWNS},
                **{
                    f"full_mean_{b}": round(float(per_basis[b]["clusters_full"].mean()), 4)
                    for b in BASES
                },
                "partial_mean": round(float(wide["clusters_partial"].mean()), 4),
                "no_full_cluster_share": round(float((wide["clusters_full"] == 0).mean()), 4),
                "target_full_mean": config.calibration.target_full_mean,
            }
        )
    return pd.DataFrame(rows)
