"""MRP: proof by simulation on real town frames (beats raw means, covers the truth),
determinism, the categorical (identity tribe) path, and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hopeful.errors import DataError
from hopeful.models import area_features, mrp, poststrat, simulate
from hopeful.models.poll import levels, schema, validate_poll


@pytest.fixture(scope="module")
def real_subset(lsoa_table):
    """Every fourth town (295): real frames and area predictors, small enough to be quick."""
    areas = area_features.town_features(lsoa_table)
    towns = areas.index[::4]
    frame = poststrat.poststrat_frame(lsoa_table[lsoa_table["town_code"].isin(towns)])
    return frame, areas.loc[towns]


def test_simulation_mrp_beats_raw_means_and_covers_the_truth(real_subset):
    frame, areas = real_subset
    result = simulate.run_simulation(
        frame, areas, "income_rate", n_respondents=1500, seed=1, n_draws=200
    )
    m = result.metrics
    assert m["n_towns"] == 295 and m["share_towns_0_to_5_respondents"] > 0.5
    assert m["rmse_ratio"] < 0.8
    assert 0.7 <= m["coverage_90_all"] <= 1.0
    assert m["corr_mrp_all"] > m["corr_raw_polled"]
    assert result.towns["estimate"].between(0, 1).all()


def _tiny():
    """Three synthetic towns with a uniform frame and a poll that covers every level."""
    towns = ["E34000001", "E34000002", "E34000003"]
    grid = poststrat.cells()
    frame = pd.concat([grid.assign(town_code=t, n=10.0 * (i + 1)) for i, t in enumerate(towns)])
    areas = pd.DataFrame({"region": ["North", "North", "South"], "x": [0.1, 0.2, 0.4]}, index=towns)
    rng = np.random.default_rng(4)
    n = 600
    poll = pd.DataFrame(
        {
            "respondent_id": range(n),
            "area_code": rng.choice(towns[:2], n),  # the third town is never polled
            **{c: rng.choice(levels(c), n) for c in ("age_band", "sex", "ethnicity", "tenure")},
        }
    )
    return frame, areas, poll, rng


def test_same_seed_same_output_and_unpolled_towns_are_estimated():
    frame, areas, poll, rng = _tiny()
    poll["response"] = rng.binomial(1, 0.3, len(poll))
    poll = validate_poll(poll)
    first = mrp.poststratify(
        mrp.fit_mrp(poll, areas, predictors=["x"], seed=3), frame, areas, n_draws=100, seed=3
    )
    again = mrp.poststratify(
        mrp.fit_mrp(poll, areas, predictors=["x"], seed=3), frame, areas, n_draws=100, seed=3
    )
    pd.testing.assert_frame_equal(first, again)
    assert first["n_respondents"].tolist() == [(poll["area_code"] == t).sum() for t in areas.index]
    assert first["estimate"].between(0.2, 0.4).all()
    unpolled = first.iloc[2]
    polled = first.iloc[0]
    assert unpolled["p95"] - unpolled["p05"] > polled["p95"] - polled["p05"]


def test_categorical_tribes_sum_to_one_in_every_town():
    frame, areas, poll, rng = _tiny()
    tribes = schema()["tribes"]
    poll["response"] = rng.choice(tribes, len(poll), p=[0.1, 0.25, 0.25, 0.2, 0.12, 0.08])
    poll = validate_poll(poll, response="categorical")
    model = mrp.fit_mrp(poll, areas, predictors=["x"])
    assert model.categories == tuple(tribes) and not model.binary
    got = mrp.poststratify(model, frame, areas, n_draws=60)
    assert len(got) == 3 * 6 and got["category"].iloc[:6].tolist() == tribes
    np.testing.assert_allclose(got.groupby("town_code")["estimate"].sum(), 1.0, atol=1e-12)
    assert ((got["p05"] <= got["estimate"]) & (got["estimate"] <= got["p95"])).all()
    share = got[got["town_code"] == "E34000001"].set_index("category")["estimate"]
    assert share["Mainstream Liberals"] > share["Active Enmity"]


def test_towns_without_area_data_are_errors():
    frame, areas, poll, rng = _tiny()
    poll["response"] = rng.binomial(1, 0.3, len(poll))
    poll = validate_poll(poll)
    with pytest.raises(DataError, match="not in the area table"):
        mrp.fit_mrp(poll, areas.drop(index="E34000001"))
    model = mrp.fit_mrp(poll, areas)
    with pytest.raises(DataError, match="has no area predictors"):
        mrp.poststratify(model, frame, areas.drop(index="E34000003"), n_draws=5)
