"""Indicator weights within groups (domains): manual, equal, PCA- and factor-derived.

Every function returns weights summing to 1 within each group. PCA and factor weights follow
the OECD/JRC Handbook (section 6.1): keep the components with eigenvalue above a cut-off
(Kaiser: 1), optionally varimax-rotate their loadings, scale the squared loadings to sum to 1
within each component, give each indicator its largest scaled squared loading times that
component's share of the retained explained variance, and renormalise. (This reduces to
weights proportional to each indicator's largest squared loading; with one component, to
its squared first-PC loadings.) COINr's `get_PCA` uses the raw first-PC loadings instead,
which can be negative; squaring keeps every weight non-negative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from statsmodels.multivariate.factor import Factor
from statsmodels.multivariate.factor_rotation import rotate_factors

from hopeful.scoring.audit import pca_structure

__all__ = ["equal_weights", "factor_weights", "loading_weights", "manual_weights", "pca_weights"]

SCHEMES = ("manual", "equal", "pca", "factor")


def _groups(groups: Mapping[str, str]) -> pd.Series:
    return pd.Series(dict(groups), dtype=object)


def manual_weights(weights: Mapping[str, float], groups: Mapping[str, str]) -> pd.Series:
    """Given relative weights, rescaled to sum to 1 within each group."""
    g = _groups(groups)
    w = pd.Series(dict(weights), dtype=float).reindex(g.index)
    if w.isna().any():
        raise ValueError(f"no weight for: {', '.join(w.index[w.isna()])}")
    if (w < 0).any():
        raise ValueError(f"negative weight for: {', '.join(w.index[w < 0])}")
    totals = w.groupby(g).transform("sum")
    if (totals <= 0).any():
        raise ValueError(
            f"weights sum to zero in group(s): {', '.join(sorted(set(g[totals <= 0])))}"
        )
    return (w / totals).rename("weight")


def equal_weights(groups: Mapping[str, str]) -> pd.Series:
    """1 / (number of members) for every member of each group."""
    g = _groups(groups)
    return manual_weights(dict.fromkeys(g.index, 1.0), groups)


def loading_weights(loadings: np.ndarray) -> np.ndarray:
    """Handbook weights from a (k indicators, m components) loading matrix; sum to 1."""
    squared = loadings**2
    explained = squared.sum(axis=0)
    scaled = squared / np.where(explained > 0, explained, 1.0)
    best = scaled.argmax(axis=1)
    rows = np.arange(len(best))
    weights = scaled[rows, best] * explained[best] / explained.sum()
    return weights / weights.sum()


def _derived(
    data: pd.DataFrame,
    groups: Mapping[str, str],
    loadings_of: Callable[[pd.DataFrame], np.ndarray],
) -> pd.Series:
    """Apply `loadings_of(frame) -> ndarray` per group; constant columns get weight 0."""
    g = _groups(groups)
    out = pd.Series(0.0, index=g.index, name="weight")
    for group in dict.fromkeys(g):
        members = list(g.index[g == group])
        complete = data[members].dropna()
        if len(members) > 1 and len(complete) < 3:
            raise ValueError(f"group {group!r} has fewer than 3 complete rows for weighting")
        usable = [c for c in members if complete[c].nunique() > 1]
        if len(usable) < 2:
            chosen = usable or members
            out[chosen] = 1.0 / len(chosen)
        else:
            out[usable] = loading_weights(loadings_of(complete[usable]))
    return out


def _varimax(loadings: np.ndarray) -> np.ndarray:
    # statsmodels logs log10 of the gradient norm, which is 0 when already at the optimum.
    with np.errstate(divide="ignore"):
        return rotate_factors(loadings, "varimax")[0]


def _retained(frame: pd.DataFrame, min_eigenvalue: float) -> int:
    eigen = pca_structure(frame).eigenvalues
    return max(1, int((eigen > min_eigenvalue).sum()))


def pca_weights(
    data: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    min_eigenvalue: float = 1.0,
    rotate: bool = True,
) -> pd.Series:
    """Handbook PCA weights per group (complete rows, standardised indicators)."""

    def loadings(frame: pd.DataFrame) -> np.ndarray:
        n = _retained(frame, min_eigenvalue)
        pcs = pca_structure(frame).loadings.iloc[:, :n].to_numpy()
        return _varimax(pcs) if rotate and n > 1 else pcs

    return _derived(data, groups, loadings)


def factor_weights(
    data: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    n_factors: int | None = None,
    min_eigenvalue: float = 1.0,
    rotate: bool = True,
) -> pd.Series:
    """Handbook weights from a principal-axis factor analysis (statsmodels `Factor`).

    `n_factors` defaults to the number of correlation eigenvalues above `min_eigenvalue`,
    capped so the model stays identified (fewer factors than indicators).
    """

    def loadings(frame: pd.DataFrame) -> np.ndarray:
        wanted = n_factors or _retained(frame, min_eigenvalue)
        n = max(1, min(wanted, frame.shape[1] - 1))
        result = Factor(frame.to_numpy(dtype=float), n_factor=n, method="pa").fit()
        if rotate and n > 1:
            result.rotate("varimax")
        return np.asarray(result.loadings)

    return _derived(data, groups, loadings)
