"""Normalisation onto a common scale on which higher is always better.

Every method first orients each indicator by its direction (+1 / -1), so an indicator where
less is better (direction -1) is flipped. Columns with no information never divide by zero:
all-missing columns stay missing, and a constant column (or one with a single value) maps to
the scale's midpoint: (low + high) / 2 for min-max, the target mean for z-scores, the middle
rank (n + 1) / 2 for ranks, 50 for percentile ranks. Ties rank as in COINr (`min`), except in
the IoD transform, which gives tied units their average rank.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NormSpec",
    "distance_to_target",
    "goalposts",
    "iod_exponential",
    "minmax",
    "normalise",
    "orient",
    "percentile_rank",
    "rank",
    "zscore",
]

# English Indices of Deprivation exponential transform constant: 10% of units score above 50.
IOD_CONSTANT = 23.0

Directions = Mapping[str, int] | pd.Series | None


@dataclass(frozen=True)
class NormSpec:
    """A normalisation method and its parameters, as a framework file declares them."""

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _directions(data: pd.DataFrame, directions: Directions) -> pd.Series:
    if directions is None:
        return pd.Series(1, index=data.columns)
    dirs = pd.Series(directions).reindex(data.columns)
    if dirs.isna().any():
        missing = ", ".join(map(str, dirs.index[dirs.isna()]))
        raise ValueError(f"no direction given for: {missing}")
    if not dirs.isin([1, -1]).all():
        raise ValueError("directions must be +1 or -1")
    return dirs.astype(int)


def orient(data: pd.DataFrame, directions: Directions = None) -> pd.DataFrame:
    """Multiply each column by its direction so that higher is better."""
    return data.astype(float) * _directions(data, directions)


def _constant(x: pd.DataFrame) -> pd.Series:
    """Columns with at least one value and no spread."""
    return (x.max() == x.min()) & x.notna().any()


def _fill_constant(out: pd.DataFrame, x: pd.DataFrame, value: float | pd.Series) -> pd.DataFrame:
    """Set the present cells of constant columns to `value` (a scalar or one per column)."""
    const = _constant(x)
    if const.any():
        cols = const.index[const]
        out[cols] = x[cols] * 0.0 + (value if np.isscalar(value) else value[cols])
    return out


def _by_direction(dirs: pd.Series, up: pd.DataFrame, down: pd.DataFrame) -> pd.DataFrame:
    """Take direction +1 columns from `up` and direction -1 columns from `down`."""
    out = up.copy()
    negative = dirs.index[dirs < 0]
    out[negative] = down[negative]
    return out


def minmax(
    data: pd.DataFrame, directions: Directions = None, *, low: float = 0.0, high: float = 100.0
) -> pd.DataFrame:
    """Rescale each column linearly so its worst unit gets `low` and its best `high`."""
    x = orient(data, directions)
    lo, span = x.min(), x.max() - x.min()
    out = (x - lo) / span.where(span > 0) * (high - low) + low
    return _fill_constant(out, x, (low + high) / 2)


def zscore(
    data: pd.DataFrame,
    directions: Directions = None,
    *,
    target_mean: float = 0.0,
    target_sd: float = 1.0,
) -> pd.DataFrame:
    """Standardise to mean 0 and sample sd 1, then optionally move to a target mean and sd.

    A positive target such as mean 100, sd 10 keeps values positive for geometric aggregation.
    """
    x = orient(data, directions)
    sd = x.std(ddof=1)
    out = (x - x.mean()) / sd.where(sd > 0) * target_sd + target_mean
    return _fill_constant(out, x, target_mean)


def rank(data: pd.DataFrame, directions: Directions = None) -> pd.DataFrame:
    """Rank 1 for the worst unit up to n for the best (ties share the lowest rank)."""
    x = orient(data, directions)
    return _fill_constant(x.rank(method="min"), x, (x.count() + 1) / 2)


def percentile_rank(data: pd.DataFrame, directions: Directions = None) -> pd.DataFrame:
    """100 (rank - 1) / (n - 1) with ties at their lowest rank (COINr `n_prank`), in [0, 100]."""
    x = orient(data, directions)
    span = x.count() - 1
    out = (x.rank(method="min") - 1) / span.where(span > 0) * 100
    return _fill_constant(out, x, 50.0)


def distance_to_target(
    data: pd.DataFrame,
    directions: Directions = None,
    *,
    targets: Mapping[str, float],
    cap: float = 1.0,
    scale: float = 100.0,
) -> pd.DataFrame:
    """value / target (direction -1: target / value), clipped to [0, cap], times `scale`.

    Meant for ratio-scale indicators with a positive target. For direction -1 a value at or
    below zero has beaten any positive target, so it gets the cap.
    """
    dirs = _directions(data, directions)
    t = pd.Series(targets, dtype=float).reindex(data.columns)
    if t.isna().any() or (t <= 0).any():
        raise ValueError("distance_to_target needs a positive target for every indicator")
    x = data.astype(float)
    up = x / t
    positive = x.where(x > 0)
    down = (1.0 / positive * t).where(positive.notna() | x.isna(), np.inf)
    return _by_direction(dirs, up, down).clip(lower=0.0, upper=cap) * scale


def goalposts(
    data: pd.DataFrame,
    directions: Directions = None,
    *,
    goalposts: Mapping[str, tuple[float, float]],
    scale: float = 100.0,
) -> pd.DataFrame:
    """Position between fixed goalposts (low, high) in the indicator's own units, in [0, scale].

    Direction +1 scores `low` as 0 and `high` as `scale`; direction -1 the other way round.
    Values beyond the goalposts are capped.
    """
    dirs = _directions(data, directions)
    posts = pd.DataFrame(
        {c: goalposts.get(c, (np.nan, np.nan)) for c in data.columns}, index=["low", "high"]
    ).astype(float)
    lo, hi = posts.loc["low"], posts.loc["high"]
    if posts.isna().any(axis=None) or (hi <= lo).any():
        raise ValueError("goalposts need (low, high) with low < high for every indicator")
    x = data.astype(float)
    frac = _by_direction(dirs, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    return frac.clip(lower=0.0, upper=1.0) * scale


def iod_exponential(data: pd.DataFrame, directions: Directions = None) -> pd.DataFrame:
    """English IoD exponential transform, reported as 100 - X so that higher is better.

    IoD technical report (and SIMD 2003, appendix 5): with R the deprivation rank scaled to
    (0, 1] (R = 1/N for the least deprived, 1 for the most deprived),
    X = -23 ln(1 - R (1 - exp(-100/23))), so the most deprived unit has X = 100 and 10% of
    units have X > 50. The skew limits how far deprivation on one indicator is cancelled by its
    absence on another; 100 - X keeps that property under averaging while keeping the
    library's higher-is-better orientation (the best unit scores just below 100, the worst 0).
    """
    x = orient(data, directions)
    r = (-x).rank(method="average") / x.count().where(x.count() > 0)
    deprivation = -IOD_CONSTANT * np.log(1 - r * (1 - np.exp(-100 / IOD_CONSTANT)))
    return 100 - deprivation


METHODS: dict[str, Callable[..., pd.DataFrame]] = {
    "minmax": minmax,
    "zscore": zscore,
    "rank": rank,
    "percentile_rank": percentile_rank,
    "distance_to_target": distance_to_target,
    "goalposts": goalposts,
    "iod_exponential": iod_exponential,
}


def normalise(
    data: pd.DataFrame, method: str, directions: Directions = None, **params: Any
) -> pd.DataFrame:
    """Apply the named method (a key of `METHODS`) with its parameters."""
    if method not in METHODS:
        raise ValueError(
            f"unknown normalisation method {method!r}; expected one of {list(METHODS)}"
        )
    return METHODS[method](data, directions, **params)
