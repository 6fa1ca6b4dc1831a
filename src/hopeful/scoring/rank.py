"""Ranks and deciles of scores, overall and within groups (1 = best throughout).

Ties share the best of their ranks ('min', sports ranking) and units without a score get no
rank. Decile 1 holds the best-scoring tenth: decile = ceil(10 * rank / n) with n the number of
ranked units, so tied units always share a decile. (The IoD's decile 1 is the most deprived;
here scores are oriented so higher is better, and decile 1 is the top.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["deciles", "group_ranks", "rank_scores"]


def rank_scores(scores: pd.Series) -> pd.Series:
    """1 for the highest score; ties take the lowest rank number."""
    return scores.rank(ascending=False, method="min").astype("Int64")


def deciles(scores: pd.Series) -> pd.Series:
    """1 for the best 10% of ranked units, 10 for the worst."""
    ranks = scores.rank(ascending=False, method="min")
    return np.ceil(10 * ranks / ranks.count()).astype("Int64")


def group_ranks(scores: pd.Series, groups: pd.Series) -> pd.Series:
    """Rank within each group (e.g. size class, nation); units without a group get none."""
    g = groups.reindex(scores.index)
    ranks = scores.groupby(g).rank(ascending=False, method="min")
    return ranks.reindex(scores.index).astype("Int64")
