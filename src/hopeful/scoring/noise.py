"""Data noise: how uncertain a unit's value is when it is a mean over a few small areas.

A town's indicator is a weighted mean over its LSOAs (a ratio of summed counts is the mean of
the LSOA ratios weighted by their denominators). Had the town's boundary taken in other,
similar areas, the value would differ: its standard error under resampling of its areas (the
bootstrap of LSOA membership, to first order) is s / sqrt(n_eff), with s the weighted spread
between the town's areas and n_eff = (sum w)^2 / sum w^2 their effective number. A town of
three LSOAs has a wide error, a city of a hundred a narrow one.

A spread estimated from two or three areas is itself noisy, and undefined for one. So each
unit's variance is moderated towards the pooled within-unit variance of all units, as if the
unit had `prior_df` more areas with that spread (the moderated variance of Smyth 2004):
s2 = ((n_eff - 1) s2_unit + prior_df s2_pooled) / (n_eff - 1 + prior_df).

`perturb` draws one noisy copy of the data: value + standard error x N(0, 1), kept within
the range observed across units, so noise neither produces impossible values (a negative
share) nor stretches the scale of range-based normalisation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PRIOR_DF", "perturb", "small_area_errors"]

# A unit's own between-area spread weighs as much as the pooled one once it has five areas.
PRIOR_DF = 4.0


def small_area_errors(
    frame: pd.DataFrame, by: str, value: str, weight: str, *, prior_df: float = PRIOR_DF
) -> pd.DataFrame:
    """Per unit `by`: the weighted mean of `value`, n_eff and its standard error (`se`).

    Rows with a missing value or key, or a weight that is missing or not positive, are left
    out (as the weighted means of the indicators leave them out).
    """
    if prior_df < 0:
        raise ValueError("prior_df must not be negative")
    rows = frame[[by, value, weight]].dropna()
    rows = rows[rows[weight] > 0]
    w, x = rows[weight].astype(float), rows[value].astype(float)
    keys = rows[by]
    sums = pd.DataFrame({"w": w, "w2": w**2, "wx": w * x}).groupby(keys, sort=True).sum()
    mean = sums["wx"] / sums["w"]
    n_eff = sums["w"] ** 2 / sums["w2"]
    deviation = (w * (x - keys.map(mean)) ** 2).groupby(keys, sort=True).sum() / sums["w"]
    df = n_eff - 1
    own = (deviation * n_eff / df).where(df > 1e-9)
    has_own = own.notna()
    pooled = (own[has_own] * df[has_own]).sum() / df[has_own].sum() if has_own.any() else 0.0
    df_own = df.where(has_own, 0.0)
    variance = (own.fillna(0.0) * df_own + prior_df * pooled) / (df_own + prior_df)
    return pd.DataFrame(
        {"mean": mean, "n_eff": n_eff, "se": np.sqrt(variance / n_eff)}
    ).rename_axis(by)


def perturb(data: pd.DataFrame, errors: pd.DataFrame, z: np.ndarray) -> pd.DataFrame:
    """`data` + `errors` x `z` (standard normal, same shape), clipped to each column's range.

    `errors` is aligned to `data` (a unit or indicator it lacks, or a missing error, means no
    noise); missing values stay missing.
    """
    se = errors.reindex(index=data.index, columns=data.columns).fillna(0.0).to_numpy(float)
    if np.any(se < 0):
        raise ValueError("standard errors must not be negative")
    low, high = data.min().to_numpy(float), data.max().to_numpy(float)
    noisy = np.clip(data.to_numpy(float) + se * z, low, high)
    return pd.DataFrame(noisy, index=data.index, columns=data.columns)
