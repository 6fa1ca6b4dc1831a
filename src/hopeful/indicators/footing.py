"""One footing for England and Wales: does an indicator relate to deprivation the same way in
both nations, and do the two nations' towns spread over the same range?

An indicator measures the same construct in both nations only if (a) its Spearman
correlation with the UK-comparable deprivation score (`uk_imd_score`) has the same sign in
each, and (b) Welsh towns fall inside the range English towns span. A sign that flips
between nations (as `geographical_barriers` does, issue 12) means the two nations' sources
measure different things under one name.
"""

from __future__ import annotations

import pandas as pd

from hopeful.errors import DataError

__all__ = ["NATIONS", "nation_footing"]

NATIONS = ("England", "Wales")


def nation_footing(values: pd.DataFrame, nation: pd.Series, deprivation: pd.Series) -> pd.DataFrame:
    """Per indicator (a column of `values`): Spearman rho with `deprivation` in each nation,
    whether the signs agree, each nation's 5th percentile / median / 95th percentile, and the
    share of Welsh towns inside the English 5th-95th percentile range.

    `values`, `nation` (England/Wales) and `deprivation` share one index (towns); towns
    missing a value or the deprivation score are left out of that indicator's figures.
    """
    if not (values.index.equals(nation.index) and values.index.equals(deprivation.index)):
        raise DataError("values, nation and deprivation must have the same town index")
    unknown = set(nation.dropna()) - set(NATIONS)
    if unknown:
        raise DataError(f"unknown nation(s) {sorted(unknown)}", column="nation")
    rows = []
    for code in values.columns:
        row: dict[str, object] = {"indicator": code}
        ranges = {}
        for name in NATIONS:
            mask = (nation == name) & values[code].notna() & deprivation.notna()
            x = values.loc[mask, code]
            key = name.lower()
            row[f"n_{key}"] = int(mask.sum())
            row[f"rho_{key}"] = x.corr(deprivation[mask], method="spearman")
            ranges[key] = x.quantile([0.05, 0.5, 0.95]).to_numpy()
            row[f"{key}_p05"], row[f"{key}_median"], row[f"{key}_p95"] = ranges[key]
        signs = {row["rho_england"] > 0, row["rho_wales"] > 0}
        row["same_sign"] = len(signs) == 1
        welsh = values.loc[(nation == "Wales") & values[code].notna(), code]
        low, _, high = ranges["england"]
        row["wales_within_england_range"] = float(welsh.between(low, high).mean())
        rows.append(row)
    return pd.DataFrame(rows)
