"""Standard errors of the town indicators built from small areas (the index's data noise).

Every indicator with a recipe (hopeful.indicators.recipes) is a weighted mean over the town's
LSOAs: a `Mean` of published values weighted by population, a `Ratio` the mean of the LSOA
ratios weighted by their denominators. Its standard error under resampling of the town's
LSOAs is `hopeful.scoring.noise.small_area_errors` on the same rows and weights, so a town of
three LSOAs carries a wide error and a city a narrow one. The index's Monte Carlo samples
this noise (docs/index.md).

Indicators without a recipe have no error here (missing = no noise): changes and growth
rates compare two censuses' totals rather than average areas, and local-authority or
constituency values are inherited whole, so between-LSOA spread does not describe them.
"""

from __future__ import annotations

import pandas as pd

from hopeful.indicators.recipes import RECIPES, Mean, Ratio
from hopeful.scoring.noise import small_area_errors

__all__ = ["recipe_errors"]


def _errors(recipe: Ratio | Mean, tables: dict[str, pd.DataFrame]) -> pd.Series:
    frame = tables[recipe.table]
    if recipe.same_nation:
        frame = frame[frame["same_nation"]]
    if isinstance(recipe, Ratio):
        known = frame[recipe.denominator] > 0
        rows = pd.DataFrame(
            {
                "town_code": frame["town_code"],
                "value": (frame[recipe.numerator] / frame[recipe.denominator]).where(known),
                "weight": frame[recipe.denominator],
            }
        )
    else:
        rows = frame[["town_code", recipe.value, recipe.weight]].set_axis(
            ["town_code", "value", "weight"], axis=1
        )
    return small_area_errors(rows, "town_code", "value", "weight")["se"]


def recipe_errors(tables: dict[str, pd.DataFrame], town_codes: pd.Index) -> pd.DataFrame:
    """Towns (`town_codes`, in that order) x recipe indicators: each value's standard error.

    An indicator with two recipes takes the first's error where it has one, as its value does.
    """
    out = {}
    for code, recipes in RECIPES.items():
        se = _errors(recipes[0], tables)
        for recipe in recipes[1:]:
            se = se.combine_first(_errors(recipe, tables))
        out[code] = se.reindex(town_codes).astype("float64")
    return pd.DataFrame(out, index=pd.Index(town_codes, name="town_code"))
