"""Indicator weights within groups (domains): manual, equal, PCA- and factor-derived.

Every function returns weights summing to 1 within each group. PCA and factor weights follow
the OECD/JRC Handbook (section 6.1): keep the components with eigenvalue above a cut-off
(Kaiser: 1), optionally varimax-rotate their loadings, scale the squared loadings to sum to 1
within each component, give each indicator its largest scaled squared loading times that
component's share of the retained explained variance, and renormalise. (This reduces to
weights proportional to each indicator's largest squared loading; with one component, to
its squared first-PC loadings.) COINr's `get_PCA` uses the raw first-PC loadings instead,
which can be negative; squaring keeps every weight non-negative.

`balanced_weights` answers a different question, for domains: which weights make each
domain's share of the index variance (its effective weight) equal its intended share?
Nominal equal weights do not give equal importance: a domain with a large variance, or one
that moves with the others, takes more of the index than its weight says (Paruolo, Saisana
and Saltelli 2013, "Ratings and rankings: voodoo or science?", JRSS A 176(3); COINr
`get_opt_weights`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from hopeful.scoring.audit import pca_structure

__all__ = [
    "balanced_weights",
    "equal_weights",
    "factor_weights",
    "loading_weights",
    "manual_weights",
    "pca_weights",
]

SCHEMES = ("manual", "equal", "pca", "factor")
DOMAIN_SCHEMES = ("nominal", "balanced")


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
    # Imported here: statsmodels costs seconds to import, and the framework module (which the
    # report driver and every report kernel import) needs this module but not the rotation.
    from statsmodels.multivariate.factor_rotation import rotate_factors

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

    from statsmodels.multivariate.factor import Factor  # see _varimax: imported when used

    def loadings(frame: pd.DataFrame) -> np.ndarray:
        wanted = n_factors or _retained(frame, min_eigenvalue)
        n = max(1, min(wanted, frame.shape[1] - 1))
        result = Factor(frame.to_numpy(dtype=float), n_factor=n, method="pa").fit()
        if rotate and n > 1:
            result.rotate("varimax")
        return np.asarray(result.loadings)

    return _derived(data, groups, loadings)


def balanced_weights(
    scores: pd.DataFrame,
    targets: Mapping[str, float] | pd.Series,
    *,
    tol: float = 1e-6,
    max_sweeps: int = 10_000,
) -> pd.Series:
    """Positive weights (sum 1) under which each column's share of the variance of the
    weighted mean equals its target share.

    The share is the effective weight of `resilience_audit.effective_weights`:
    w_d cov(x_d, I) / var(I) with I = sum w_d x_d (an arithmetic mean; complete rows). With
    C the covariance matrix and t the targets (normalised to sum 1), the weights solve
    y_d (C y)_d = t_d, the minimum of 1/2 y'Cy - sum t_d log y_d: a convex problem with one
    positive solution whenever C is positive definite, even when a column runs against the
    others (it then needs a large weight). Solved by cyclical coordinate descent, each step
    the positive root of C_dd y_d^2 + (sum_j!=d C_dj y_j) y_d - t_d = 0 (Griveau-Billion,
    Richard and Roncalli 2013), until every share is within `tol` of its target.
    Raises ValueError naming the column when a column is constant, and when no positive
    weights reach the targets (a combination of the columns is constant).
    """
    t = pd.Series(targets, dtype=float).reindex(scores.columns)
    if t.isna().any() or (t <= 0).any():
        raise ValueError(f"every column needs a positive target: {t.to_dict()}")
    t = t / t.sum()
    frame = scores.dropna()
    if len(frame) < 3:
        raise ValueError("balanced weights need at least 3 complete rows")
    cov = frame.cov().to_numpy()
    flat = [c for c, v in zip(scores.columns, np.diag(cov), strict=True) if not v > 0]
    if flat:
        raise ValueError(f"no variance to balance in: {', '.join(map(str, flat))}")
    target = t.to_numpy()
    y = target / np.sqrt(np.diag(cov))  # inverse-volatility start
    for _ in range(max_sweeps):
        for d in range(len(y)):
            b = cov[d] @ y - cov[d, d] * y[d]
            y[d] = (-b + np.sqrt(b * b + 4 * cov[d, d] * target[d])) / (2 * cov[d, d])
        contrib = y * (cov @ y)
        if np.abs(contrib / contrib.sum() - target).max() < tol:
            return pd.Series(y / y.sum(), index=scores.columns, name="weight")
    raise ValueError(
        f"balanced weights did not reach the targets within {tol} after {max_sweeps} sweeps: "
        "a weighted combination of the columns is (nearly) constant "
        f"(covariance eigenvalues {np.round(np.linalg.eigvalsh(cov), 6).tolist()})"
    )
