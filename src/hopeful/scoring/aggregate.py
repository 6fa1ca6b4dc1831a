"""Weighted aggregation: arithmetic, geometric, harmonic and generalised (power) means.

All four are the power mean M_p of the values shifted by `offset`, shifted back:
M_p(x) = (sum w (x + offset)^p / sum w)^(1/p) - offset, with p = 1 arithmetic (the offset
cancels), p = 0 geometric (the limit, exp of the weighted mean log), p = -1 harmonic. The
offset (default 1, small on a 0-100 scale) is how zeros are handled: on a 0-100 scale a zero
no longer sends a geometric or harmonic mean to 0 regardless of the other values, every
mean stays strictly increasing in each value, and the mean of equal values is that value.
Values must satisfy x + offset > 0 for p <= 0 (x + offset >= 0 for other p != 1).

Missing values are skipped and the remaining weights renormalised, so a unit missing one
indicator is scored on the others; a unit with no values (or zero total weight) gets NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CompiledHierarchy",
    "Hierarchy",
    "aggregate_compiled",
    "aggregate_hierarchy",
    "compile_hierarchy",
    "group_means",
    "lift",
    "power",
    "weighted_mean",
]

METHODS = ("arithmetic", "geometric", "harmonic", "generalised")


def power(method: str, p: float = 1.0) -> float:
    """The power of the mean a method name stands for (`p` only matters for 'generalised')."""
    powers = {"arithmetic": 1.0, "geometric": 0.0, "harmonic": -1.0, "generalised": p}
    if method not in powers:
        raise ValueError(f"unknown aggregation method {method!r}; expected one of {METHODS}")
    return float(powers[method])


def lift(values: np.ndarray, floor: float, top: float = 100.0) -> np.ndarray:
    """Scores on 0-`top` mapped affinely onto [`floor`, `top`], before a geometric mean.

    A geometric mean of 0-100 scores with offset 1 weighs a score of 0 as log(1) against
    log(101) for the best: one near-zero indicator then decides a town's index, whatever its
    other twenty. On [10, 100] (floor 10: a strictly positive range, as min-max onto [1, 100]
    or [10, 100] gives before COINr's geometric mean) the worst score is a tenth of the
    best, so being bad on one thing still costs more than under an arithmetic mean, but
    cannot sink everything else. Floor 0 leaves values as
    they are. Any array or DataFrame; ranks under an arithmetic mean are unchanged.
    """
    if not 0 <= floor < top:
        raise ValueError(f"floor must be in [0, {top}), not {floor}")
    return values if floor == 0 else floor + (1 - floor / top) * values


def group_means(
    values: np.ndarray,
    weights: np.ndarray,
    membership: np.ndarray,
    p: float = 1.0,
    offset: float = 1.0,
) -> np.ndarray:
    """Weighted power means of column groups: (n, m) values, (m,) weights, (m, g) 0/1 → (n, g).

    The array core shared by `weighted_mean`, `aggregate_hierarchy` and the Monte Carlo, so
    that all three give identical numbers.
    """
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative")
    available = ~np.isnan(values)
    if p != 1.0 and available.any():
        smallest = values[available].min() + offset
        if smallest < 0 or (p <= 0 and smallest == 0):
            raise ValueError(
                f"power mean with p={p} needs values above -offset ({-offset}); "
                f"got {values[available].min()} — use a positive scale or a larger offset"
            )
    if p == 1.0:
        transformed = values
    elif p == 0.0:
        transformed = np.log(np.where(available, values + offset, 1.0))
    else:
        transformed = np.where(available, values + offset, 1.0) ** p
    weighted = membership * weights[:, None]
    numerator = np.where(available, transformed, 0.0) @ weighted
    denominator = available.astype(float) @ weighted
    mean = np.divide(
        numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator > 0
    )
    if p == 1.0:
        return mean
    if p == 0.0:
        return np.exp(mean) - offset
    return mean ** (1.0 / p) - offset


def weighted_mean(
    values: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series,
    method: str = "arithmetic",
    *,
    p: float = 1.0,
    offset: float = 1.0,
) -> pd.Series:
    """Row-wise weighted mean of the columns (see the module docstring for the conventions)."""
    w = pd.Series(weights, dtype=float).reindex(values.columns)
    if w.isna().any():
        raise ValueError("every column needs a weight")
    out = group_means(
        values.to_numpy(dtype=float),
        w.to_numpy(),
        np.ones((values.shape[1], 1)),
        power(method, p),
        offset,
    )
    return pd.Series(out[:, 0], index=values.index)


@dataclass(frozen=True)
class Hierarchy:
    """Indicators belong to domains; domains belong to a parent domain or (None) to the index.

    A domain holds either indicators or sub-domains, never both.
    """

    indicator_domain: Mapping[str, str]
    domain_parent: Mapping[str, str | None]

    def children(self, domain: str) -> list[str]:
        return [d for d, parent in self.domain_parent.items() if parent == domain]

    def heights(self) -> dict[str, int]:
        """1 for domains of indicators, 1 + the tallest child for domains of domains."""
        height: dict[str, int] = {}

        def measure(domain: str, path: tuple[str, ...]) -> int:
            if domain in path:
                raise ValueError(f"domain cycle: {' -> '.join((*path, domain))}")
            if domain not in height:
                kids = self.children(domain)
                height[domain] = 1 + max((measure(k, (*path, domain)) for k in kids), default=0)
            return height[domain]

        for domain in self.domain_parent:
            measure(domain, ())
        return height

    def order(self) -> list[str]:
        """Domains children-first (by height, then declaration order), ready to aggregate."""
        height = self.heights()
        return sorted(self.domain_parent, key=lambda d: height[d])


@dataclass(frozen=True)
class CompiledHierarchy:
    """Membership matrices for fast repeated aggregation over fixed columns."""

    indicators: list[str]
    domains: list[str]
    levels: list[tuple[np.ndarray, np.ndarray, bool]]  # (domain positions, membership, from inds)
    top: np.ndarray  # (d, 1) membership of top-level domains in the index


def compile_hierarchy(hierarchy: Hierarchy, indicators: list[str]) -> CompiledHierarchy:
    """Pre-build the matrices that aggregate `indicators` (column order) up to the index."""
    height = hierarchy.heights()
    domains = hierarchy.order()
    pos = {d: i for i, d in enumerate(domains)}
    levels = []
    for level in sorted(set(height.values())):
        members = [d for d in domains if height[d] == level]
        leaf = level == 1
        if leaf:
            owners = [hierarchy.indicator_domain.get(i) for i in indicators]
        else:
            owners = [hierarchy.domain_parent[d] for d in domains]
        membership = np.array([[owner == d for d in members] for owner in owners], dtype=float)
        membership = membership.reshape(len(owners), len(members))
        levels.append((np.array([pos[d] for d in members]), membership, leaf))
    top = np.array([[hierarchy.domain_parent[d] is None] for d in domains], dtype=float)
    return CompiledHierarchy(indicators, domains, levels, top)


def aggregate_compiled(
    values: np.ndarray,
    compiled: CompiledHierarchy,
    indicator_weights: np.ndarray,
    domain_weights: np.ndarray,
    p: float = 1.0,
    offset: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Array version of `aggregate_hierarchy`: (n, k) values → (n, d) domains, (n,) index."""
    domains = np.full((values.shape[0], len(compiled.domains)), np.nan)
    for positions, membership, leaf in compiled.levels:
        source, weights = (values, indicator_weights) if leaf else (domains, domain_weights)
        domains[:, positions] = group_means(source, weights, membership, p, offset)
    index = group_means(domains, domain_weights, compiled.top, p, offset)[:, 0]
    return domains, index


def aggregate_hierarchy(
    data: pd.DataFrame,
    hierarchy: Hierarchy,
    indicator_weights: Mapping[str, float] | pd.Series,
    domain_weights: Mapping[str, float] | pd.Series,
    method: str = "arithmetic",
    *,
    p: float = 1.0,
    offset: float = 1.0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Aggregate indicators → domains (→ parent domains) → index with one mean throughout.

    Weights are relative within each parent (they need not sum to 1). Returns the domain
    scores (columns in children-first order) and the index.
    """
    indicators = [c for c in data.columns if c in hierarchy.indicator_domain]
    compiled = compile_hierarchy(hierarchy, indicators)
    w_ind = pd.Series(indicator_weights, dtype=float).reindex(indicators)
    w_dom = pd.Series(domain_weights, dtype=float).reindex(compiled.domains)
    if w_ind.isna().any() or w_dom.isna().any():
        raise ValueError("every indicator and domain needs a weight")
    domains, index = aggregate_compiled(
        data[indicators].to_numpy(dtype=float),
        compiled,
        w_ind.to_numpy(),
        w_dom.to_numpy(),
        power(method, p),
        offset,
    )
    return (
        pd.DataFrame(domains, index=data.index, columns=compiled.domains),
        pd.Series(index, index=data.index, name="index"),
    )
