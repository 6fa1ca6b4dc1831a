"""Statistical audit of a scored framework: correlations, Cronbach's alpha, PCA structure.

Each domain is audited over its direct members (its indicators, or its sub-domains' scores),
as the OECD/JRC Handbook and COINr's `get_corr` / `get_cronbach` / `get_PCA` do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hopeful.scoring.aggregate import Hierarchy

__all__ = ["Audit", "PCAStructure", "audit", "cronbach_alpha", "pca_structure"]


@dataclass(frozen=True)
class PCAStructure:
    """PCA of the correlation matrix (complete rows; constant columns left out, loading NaN)."""

    eigenvalues: pd.Series
    variance_share: pd.Series
    loadings: pd.DataFrame  # columns × components; sign fixed so each component sums >= 0


def pca_structure(data: pd.DataFrame) -> PCAStructure:
    """Eigen-decompose the correlation matrix; loadings = eigenvector × sqrt(eigenvalue)."""
    complete = data.dropna()
    usable = [c for c in data.columns if complete[c].nunique() > 1] if len(complete) > 2 else []
    names = [f"PC{i + 1}" for i in range(len(usable))]
    loadings = pd.DataFrame(np.nan, index=data.columns, columns=names)
    if not usable:
        empty = pd.Series(dtype=float)
        return PCAStructure(empty, empty, loadings)
    corr = np.corrcoef(complete[usable].to_numpy(dtype=float), rowvar=False).reshape(
        len(usable), len(usable)
    )
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values = np.clip(values[order], 0.0, None)
    vectors = vectors[:, order]
    vectors = vectors * np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)
    loadings.loc[usable] = vectors * np.sqrt(values)
    eigen = pd.Series(values, index=names)
    return PCAStructure(eigen, eigen / len(usable), loadings)


def cronbach_alpha(data: pd.DataFrame) -> float:
    """alpha = k/(k-1) (1 - sum of item variances / variance of the total), complete rows."""
    complete = data.dropna()
    k = complete.shape[1]
    total_var = complete.sum(axis=1).var(ddof=1) if len(complete) > 1 else np.nan
    if k < 2 or not total_var > 0:
        return float("nan")
    return float(k / (k - 1) * (1 - complete.var(ddof=1).sum() / total_var))


@dataclass(frozen=True)
class Audit:
    """Statistical coherence of the index: per domain, per indicator and between domains."""

    summary: (
        pd.DataFrame
    )  # per domain: n_members, cronbach_alpha, pc1_share, n_eigen_gt1, corr_index
    indicator_correlations: pd.DataFrame  # per indicator: domain, corr_domain, corr_index
    domain_correlations: pd.DataFrame  # domains and index, pairwise Pearson
    within: dict[str, pd.DataFrame]  # per domain: correlations among its members
    pca: dict[str, PCAStructure]  # per domain: PCA of its members


def audit(
    normalised: pd.DataFrame,
    domain_scores: pd.DataFrame,
    index: pd.Series,
    hierarchy: Hierarchy,
) -> Audit:
    """Correlations within and between levels, and per-domain reliability and dimensionality."""
    scores = domain_scores.assign(index=index)
    within, pca, rows = {}, {}, []
    for domain in domain_scores.columns:
        members = [c for c in normalised.columns if hierarchy.indicator_domain.get(c) == domain]
        frame = normalised[members] if members else domain_scores[hierarchy.children(domain)]
        within[domain] = frame.corr()
        pca[domain] = pca_structure(frame)
        eigen = pca[domain].eigenvalues
        rows.append(
            {
                "domain": domain,
                "n_members": frame.shape[1],
                "cronbach_alpha": cronbach_alpha(frame),
                "pc1_share": eigen.iloc[0] / len(eigen) if len(eigen) else np.nan,
                "n_eigen_gt1": int((eigen > 1).sum()),
                "corr_index": scores[domain].corr(index),
            }
        )
    indicator_rows = [
        {
            "indicator": c,
            "domain": hierarchy.indicator_domain[c],
            "corr_domain": normalised[c].corr(domain_scores[hierarchy.indicator_domain[c]]),
            "corr_index": normalised[c].corr(index),
        }
        for c in normalised.columns
        if c in hierarchy.indicator_domain
    ]
    return Audit(
        summary=pd.DataFrame(rows).set_index("domain"),
        indicator_correlations=pd.DataFrame(
            indicator_rows, columns=["indicator", "domain", "corr_domain", "corr_index"]
        ).set_index("indicator"),
        domain_correlations=scores.corr(),
        within=within,
        pca=pca,
    )
