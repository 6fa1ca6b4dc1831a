"""Small-area values to towns: counts are summed before dividing, scores are weighted means.

Dividing summed counts (private renters / households) gives the town's true share; averaging
LSOA shares would weight a small LSOA like a large one. Scores and rates published without
their counts (IoD indicators, MSOA rates) are averaged with the population they describe as
weights, the IoD convention (hopeful.prepare.iod.weighted_mean). Ranks are turned into percentiles
first so that towns of different sizes and both nations sit on one 0-100 scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hopeful.errors import DataError
from hopeful.prepare import iod


def deprivation_percentile(rank: pd.Series, n: int) -> pd.Series:
    """Rank (1 = most deprived of `n`) as a percentile where 100 = most deprived, 0 = least.

    The mid-rank convention 100 (n - rank + 0.5) / n puts the national median LSOA at 50
    and makes the unweighted national mean exactly 50, whatever n is; so a Welsh LSOA at
    the 80th percentile of Wales and an English one at the 80th of England read alike.
    """
    if n < 1:
        raise DataError(f"number of ranked areas must be positive, got {n}")
    values = pd.to_numeric(rank, errors="coerce").astype("float64")
    bad = values.notna() & ((values < 1) | (values > n) | (values != np.floor(values)))
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{values.iloc[pos]!r} is not a rank in 1..{n}", column=rank.name, row=str(pos)
        )
    return 100.0 * (n - values + 0.5) / n


def ratio_of_sums(frame: pd.DataFrame, by: str, numerator: str, denominator: str) -> pd.Series:
    """Sum of `numerator` over sum of `denominator` per group, over rows where both are known.

    A group whose known denominator sums to zero (or that has no known rows) gets NaN.
    """
    rows = frame.loc[frame[by].notna(), [by, numerator, denominator]]
    known = rows[numerator].notna() & rows[denominator].notna()
    rows = rows[known]
    sums = rows.groupby(by, sort=True)[[numerator, denominator]].sum()
    den = sums[denominator].where(sums[denominator] != 0)
    return (sums[numerator] / den).astype("float64").rename(numerator)


def inherited_mean(
    lsoa: pd.DataFrame,
    area_values: pd.DataFrame,
    *,
    area: str,
    weight: str,
    fallback: pd.DataFrame,
) -> pd.DataFrame:
    """Area-level values handed down to towns: population-weighted over the town's LSOAs.

    `lsoa` has town_code, `area` and `weight`; `area_values` has `area` and value columns.
    A town split between two authorities gets the mean of both, weighted by its people in
    each. A town with no LSOA (`fallback`: town_code, `area`) takes its own area's values.
    """
    values = [c for c in area_values.columns if c != area]
    rows = lsoa[["town_code", area, weight]].merge(area_values, on=area, how="left")
    out = pd.DataFrame({c: iod.weighted_mean(rows, "town_code", c, weight) for c in values})
    missing = fallback[~fallback["town_code"].isin(out.index) & fallback[area].notna()]
    extra = missing[["town_code", area]].merge(area_values, on=area, how="left")
    extra = extra.set_index("town_code")[values]
    return pd.concat([out, extra]).sort_index().rename_axis("town_code")
