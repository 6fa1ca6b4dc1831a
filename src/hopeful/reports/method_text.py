"""Report prose about the method, written from the framework and clusters files.

A sentence such as "1,000 Monte Carlo draws over weights (±25%)" repeats values of
framework.toml; generated here, it says what was run and cannot go stale after an edit.
"""

from __future__ import annotations

from hopeful.clusters import ClusterConfig
from hopeful.scoring.framework import Framework

__all__ = ["clusters_intro", "clusters_overview_intro", "index_intro", "sensitivity_intro"]

_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve"]  # fmt: skip
_LABELS = {
    "minmax": "min-max",
    "zscore": "z-score",
    "percentile_rank": "percentile rank",
    "distance_to_target": "distance to target",
}


def _count(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else f"{n:,}"


def _miss(n: int) -> str:
    return "one" if n == 1 else f"up to {_count(n)}"


def _method(code: str, group: str | None) -> str:
    if code.startswith("group_"):
        return f"{code.removeprefix('group_')} by {group}"
    return _LABELS.get(code, code.replace("_", " "))


def _list(codes: tuple[str, ...], group: str | None = None) -> str:
    return ", ".join(_method(c, group) for c in codes)


def index_intro(fw: Framework) -> str:
    """The paragraph under "## The Towns Index" of a town report."""
    top = [d for d in fw.domains if d.parent is None]
    return (
        f"A composite of open indicators in {_count(len(top))} domains "
        "(`src/hopeful/data/framework.toml`, method in `docs/index.md`); higher means more "
        f"resilient. The rank interval comes from {fw.uncertainty.draws:,} Monte Carlo draws "
        "over weights, normalisation, aggregation and imputation choices: a town's rank is "
        "only as certain as these choices allow."
    )


def sensitivity_intro(fw: Framework) -> str:
    """The paragraph under "### Sensitivity" of the overview."""
    u = fw.uncertainty
    return (
        f"{u.draws:,} Monte Carlo draws over weights (±{u.weight_spread:.0%}), normalisation "
        f"({_list(tuple(n.method for n in u.normalisations))}), aggregation "
        f"({_list(u.aggregations)}) and imputation "
        f"({_list(u.imputations, fw.imputation.group)})."
    )


def clusters_intro(config: ClusterConfig) -> str:
    """The paragraph under "## Clusters of risk to resilience" of a town report."""
    return (
        f"The {len(config.clusters)} clusters of the HOPE not hate Towns Index (J–L are this "
        "project's own). A town is **in** a cluster when it meets all assessable criteria, "
        f"**partially** in when it misses {_miss(config.rule.partial_missing)}; a cluster with "
        f"fewer than {_count(config.rule.min_assessable)} assessable criteria is **not "
        "assessed**. Thresholds are the towns average (deprivation measures within the town's "
        "nation); see `docs/clusters.md`."
    )


def clusters_overview_intro(config: ClusterConfig) -> str:
    """The paragraph under "## Clusters of risk to resilience" of the overview."""
    return (
        f"Full and partial membership of the {len(config.clusters)} clusters (J–L are this "
        "project's own; clusters with fewer than "
        f"{_count(config.rule.min_assessable)} criteria measurable on open data are not "
        "assessed — see `docs/clusters.md`)."
    )
