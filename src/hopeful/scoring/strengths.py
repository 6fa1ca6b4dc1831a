"""Per-unit strengths and weaknesses: where a unit ranks best and worst among all units.

Ranking against all units (rather than comparing a unit's own scores) makes columns on
different scales comparable. A column is never both a strength and a weakness: with m scored
columns a unit gets min(k, m // 2) of each, taken from the two ends of one ordering of its
columns by rank (ties in column order), read from the end for weaknesses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["strengths_weaknesses"]


def strengths_weaknesses(scores: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """Per unit: strength_i and strength_i_rank (best first), weakness_i and weakness_i_rank
    (worst first), i = 1..k, with the column names and the unit's rank on each."""
    ranks = scores.rank(ascending=False, method="min").to_numpy()
    names = np.asarray(scores.columns, dtype=object)
    missing = np.isnan(ranks)
    order = np.argsort(np.where(missing, np.inf, ranks), axis=1, kind="stable")
    scored = (~missing).sum(axis=1)
    keep = np.minimum(k, scored // 2)
    rows = np.arange(len(order))
    out = {}
    for kind in ("strength", "weakness"):
        for i in range(k):
            present = keep > i
            at = i if kind == "strength" else scored - 1 - i
            pos = order[rows, np.where(present, at, 0)]
            picked = np.take_along_axis(ranks, pos[:, None], axis=1)[:, 0]
            out[f"{kind}_{i + 1}"] = pd.array(np.where(present, names[pos], None), dtype="string")
            out[f"{kind}_{i + 1}_rank"] = pd.array(np.where(present, picked, np.nan)).astype(
                "Int64"
            )
    return pd.DataFrame(out, index=scores.index)
