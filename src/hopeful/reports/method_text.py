"""Report prose about the method, written from the framework and clusters files.

A sentence such as "1,000 Monte Carlo draws over weights (±25%)" repeats values of
framework.toml; generated here, it says what was run and cannot go stale after an edit.
"""

from __future__ import annotations

from hopeful.clusters import ClusterConfig
from hopeful.scoring.framework import Framework

__all__ = [
    "clusters_intro",
    "clusters_overview_intro",
    "index_intro",
    "ordinal",
    "sensitivity_intro",
    "threshold_phrase",
]

_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve"]  # fmt: skip
_LABELS = {
    "minmax": "min-max",
    "zscore": "z-score",
    "percentile_rank": "percentile rank",
    "distance_to_target": "distance to target",
    "framework": "the framework's",
    "equal_domains": "equal domain weights",
    "equal_indicators": "equal indicator weights",
    "pca": "PCA",
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


def _sampled(fw: Framework) -> list[str]:
    """What the Monte Carlo varies, in words, from the [uncertainty] section."""
    u = fw.uncertainty
    parts = [f"weights (±{u.weight_spread:.0%})"] if u.weight_spread > 0 else []
    if len(u.weightings) > 1:
        parts.append(f"weighting schemes ({_list(u.weightings)})")
    if u.leave_out_domain > 0:
        parts.append(f"one domain left out ({u.leave_out_domain:.0%} of draws)")
    if len(u.normalisations) > 1:
        parts.append(f"normalisation ({_list(tuple(n.method for n in u.normalisations))})")
    if len(u.aggregations) > 1:
        parts.append(f"aggregation ({_list(u.aggregations)})")
    if len(u.imputations) > 1:
        parts.append(f"imputation ({_list(u.imputations, fw.imputation.group)})")
    if u.data_noise:
        parts.append("data noise (each small-area indicator's standard error)")
    return parts


def _and(parts: list[str]) -> str:
    if not parts:
        return "no sampled choice"
    return parts[0] if len(parts) < 2 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def index_intro(fw: Framework) -> str:
    """The paragraph under "## The Towns Index" of a town report."""
    top = [d for d in fw.domains if d.parent is None]
    return (
        f"A composite of open indicators in {_count(len(top))} domains "
        "(`src/hopeful/data/framework.toml`, method in `docs/index.md`); higher means more "
        f"resilient. The range of ranks comes from {fw.uncertainty.draws:,} Monte Carlo draws "
        f"over {_and(_sampled(fw))}: it holds the middle 90% of the ranks the town gets when "
        "these choices vary, not a confidence interval. A town's rank is only as certain as "
        "these choices and its data allow."
    )


def sensitivity_intro(fw: Framework) -> str:
    """The paragraph under "### Sensitivity" of the overview."""
    return f"{fw.uncertainty.draws:,} Monte Carlo draws over {_and(_sampled(fw))}."


def ordinal(q: float) -> str:
    """0.45 -> "45th": a quantile as the percentile a reader knows."""
    n = round(q * 100, 1)
    text = f"{n:g}"
    suffix = "th" if 10 <= n % 100 < 20 else {1: "st", 2: "nd", 3: "rd"}.get(int(n) % 10, "th")
    return text + suffix


def threshold_phrase(config: ClusterConfig) -> str:
    """What "over-indexes" means with the file's default threshold, in plain words."""
    rule = config.rule
    if rule.threshold == "mean":
        where = "above (or below) the towns average, the unweighted mean over towns"
    elif rule.threshold == "median":
        where = "above (or below) the median town"
    else:
        q = rule.quantile or 0.0
        where = (
            f"above the {ordinal(q)} percentile of towns (below the {ordinal(1 - q)} for "
            "criteria on the low side)"
        )
    return f"A criterion is met by a town {where}; deprivation measures within its nation."


def _rule_phrase(config: ClusterConfig) -> str:
    rule = config.rule
    sizes = {len(c.criteria) for c in config.clusters}
    n = f"all {_count(sizes.pop())}" if len(sizes) == 1 else "all its"
    if rule.basis == "criteria":
        return (
            f"A town is **in** a cluster when it meets {n} criteria and **partially** in when "
            f"it misses {_miss(rule.partial_missing)}. A criterion that cannot be measured "
            "counts as not met, so a town judged on fewer criteria is at most partially in; "
            "the table says on how many it was judged."
        )
    return (
        "A town is **in** a cluster when it meets every criterion it can be assessed on and "
        f"**partially** in when it misses {_miss(rule.partial_missing)}: a town judged on "
        "fewer criteria can be fully in (the table says on how many it was judged)."
    )


def clusters_intro(config: ClusterConfig) -> str:
    """The paragraph under "## Clusters of risk to resilience" of a town report."""
    return (
        f"The {len(config.clusters)} clusters of the HOPE not hate Towns Index (J–L are this "
        f"project's own). {_rule_phrase(config)} A cluster with fewer than "
        f"{_count(config.rule.min_assessable)} assessable criteria is **not assessed**. "
        f"{threshold_phrase(config)} See `docs/clusters.md`."
    )


def clusters_overview_intro(config: ClusterConfig) -> str:
    """The paragraph under "## Clusters of risk to resilience" of the overview."""
    return (
        f"Full and partial membership of the {len(config.clusters)} clusters (J–L are this "
        f"project's own). {_rule_phrase(config)} Clusters with fewer than "
        f"{_count(config.rule.min_assessable)} criteria measurable on open data are not "
        f"assessed. {threshold_phrase(config)} See `docs/clusters.md`."
    )
