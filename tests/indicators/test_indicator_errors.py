"""Standard errors of the small-area indicators: synthetic tables, then the real mirror."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hopeful.indicators import build
from hopeful.indicators.errors import recipe_errors
from hopeful.indicators.recipes import RECIPES, Mean, Ratio
from hopeful.prepare import geography
from hopeful.scoring.noise import small_area_errors

SMALL, LARGE = "E34000001", "E34000002"  # 3 and 30 areas drawn from the same distribution


def synthetic_tables() -> dict[str, pd.DataFrame]:
    """l11 and l21 with every column a recipe reads, random but positive."""
    rng = np.random.default_rng(7)
    towns = [SMALL] * 3 + [LARGE] * 30
    tables = {}
    for name in ("l11", "l21"):
        columns = set()
        for recipes in RECIPES.values():
            for r in recipes:
                if r.table == name:
                    columns |= (
                        {r.numerator, r.denominator}
                        if isinstance(r, Ratio)
                        else {r.value, r.weight}
                    )
        frame = pd.DataFrame({c: rng.uniform(100, 1000, len(towns)) for c in sorted(columns)})
        tables[name] = frame.assign(town_code=towns, same_nation=True)
    return tables


def test_a_small_town_has_wider_errors_than_a_large_one():
    se = recipe_errors(synthetic_tables(), pd.Index([SMALL, LARGE, "E34000009"]))
    assert list(se.columns) == list(RECIPES)
    assert (se.loc[SMALL] > se.loc[LARGE]).all()
    assert se.loc["E34000009"].isna().all()  # a town with no area has no error


def test_a_ratio_is_the_mean_of_area_ratios_weighted_by_denominators():
    tables = synthetic_tables()
    code, (recipe,) = next((c, r) for c, r in RECIPES.items() if isinstance(r[0], Ratio))
    frame = tables[recipe.table]
    rows = pd.DataFrame(
        {
            "town": frame["town_code"],
            "ratio": frame[recipe.numerator] / frame[recipe.denominator],
            "weight": frame[recipe.denominator],
        }
    )
    expected = small_area_errors(rows, "town", "ratio", "weight")["se"]
    got = recipe_errors(tables, pd.Index([SMALL, LARGE]))[code]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy())


def test_a_mean_leaves_out_areas_of_the_other_nation():
    tables = synthetic_tables()
    code, (recipe,) = next(
        (c, r) for c, r in RECIPES.items() if isinstance(r[0], Mean) and r[0].same_nation
    )
    before = recipe_errors(tables, pd.Index([SMALL]))[code]
    frame = tables[recipe.table]
    frame.loc[0, recipe.value] = 1e6  # an outlying area ...
    frame.loc[0, "same_nation"] = False  # ... in the other nation
    after = recipe_errors(tables, pd.Index([SMALL]))[code]
    # the remaining two areas decide the spread; the outlier would have blown it up
    assert after.iloc[0] < 1e4 and not np.isclose(after.iloc[0], before.iloc[0])


@pytest.mark.real_data("mirror")
def test_real_errors_shrink_with_the_number_of_lsoas(mirror_interim: Path):
    towns = geography.town_universe(mirror_interim)
    lsoa_town = geography.lsoa11_to_town(mirror_interim)
    tables, _ = build.small_area_tables(
        mirror_interim, lsoa_town, geography.lsoa11_to_lad(mirror_interim), towns
    )
    se = recipe_errors(tables, pd.Index(sorted(towns["town_code"])))
    n = lsoa_town.groupby("town_code").size().reindex(se.index)
    rho = se["income_deprivation"].corr(n, method="spearman")
    assert rho < -0.8
    # IoD percentiles: a three-LSOA town is typically several percentile points uncertain
    assert 3 < se.loc[n == 3, "income_deprivation"].median() < 20
