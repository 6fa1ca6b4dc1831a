"""Imputation of missing indicator values by the mean or median, overall or within groups."""

from __future__ import annotations

import pandas as pd

__all__ = ["impute"]

METHODS = ("none", "mean", "median", "group_mean", "group_median")


def impute(
    data: pd.DataFrame, method: str = "mean", groups: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill gaps with a column statistic; return the filled frame and a mask of filled cells.

    `group_mean` / `group_median` use the statistic of the unit's group (e.g. size class), and
    fall back to the overall statistic when the unit has no group or its whole group is missing
    on that indicator. An all-missing column cannot be imputed and stays missing.
    """
    if method not in METHODS:
        raise ValueError(f"unknown imputation method {method!r}; expected one of {METHODS}")
    missing = data.isna()
    if method == "none" or not missing.to_numpy().any():  # nothing to fill: skip the statistics
        return data.copy(), missing & False
    statistic = method.removeprefix("group_")
    fill = pd.DataFrame(
        [data.agg(statistic).to_numpy()] * len(data), index=data.index, columns=data.columns
    )
    if method.startswith("group_"):
        if groups is None:
            raise ValueError(f"imputation method {method!r} needs a groups series")
        by_group = data.groupby(groups.reindex(data.index)).transform(statistic)
        fill = by_group.where(by_group.notna(), fill)
    filled = data.where(~missing, fill)
    return filled, missing & filled.notna()
