"""MRP: proof by simulation on real town frames (beats raw means and the synthetic
estimator's coverage, correct and misspecified, with frame error), determinism, the
continuation-ratio categorical (identity tribe) path, respondents outside towns, and input
errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hopeful.errors import DataError
from hopeful.models import area_features, mrp, poststrat, simulate
from hopeful.models.poll import levels, schema, validate_poll
from hopeful.models.poststrat import CELL_COLUMNS


@pytest.fixture(scope="module")
def real_subset(lsoa_table):
    """Every fourth town (295): real frames and area predictors, small enough to be quick."""
    areas = area_features.town_features(lsoa_table)
    towns = areas.index[::4]
    frame = poststrat.poststrat_frame(lsoa_table[lsoa_table["town_code"].isin(towns)])
    return frame, areas.loc[towns]


def test_area_table_adds_the_rest_of_each_region(lsoa_table):
    areas = mrp.area_table(lsoa_table)
    outside = areas[areas.index.str.startswith(mrp.OUTSIDE_TOWNS)]
    assert len(areas) == 1177 + 10 and sorted(outside["region"]) == schema()["regions"]
    assert (outside.index == mrp.OUTSIDE_TOWNS + outside["region"]).all()
    rest = lsoa_table[lsoa_table["town_code"].isna()].groupby("region")["adults_18plus"].sum()
    np.testing.assert_allclose(outside.set_index("region")["adults_18plus"], rest.sort_index())
    assert areas[["income_rate", "share_born_abroad"]].notna().all(axis=None)


def test_simulation_mrp_beats_raw_means_and_covers_the_truth(real_subset):
    frame, areas = real_subset
    result = simulate.run_simulation(
        frame, areas, "income_rate", n_respondents=1500, seed=1, n_draws=200
    )
    m, scores = result.metrics, result.scores
    assert m["n_towns"] == 295 and m["share_towns_0_to_5_respondents"] > 0.5
    assert m["rmse_ratio"] < 0.8
    assert 0.75 <= scores.loc["mrp", "coverage_all"] <= 1.0
    # The synthetic estimator ignores each town's own deviation: its intervals are too narrow.
    assert scores.loc["synthetic", "coverage_all"] < scores.loc["mrp", "coverage_all"] - 0.2
    assert result.towns["mrp"].between(0, 1).all()


def test_misspecified_truth_and_frame_error_still_beat_raw_means(real_subset):
    frame, areas = real_subset
    result = simulate.run_simulation(
        frame, areas, "income_rate", scenario="both", n_respondents=1500, seed=2, n_draws=100
    )
    assert result.metrics["rmse_ratio"] < 0.8
    assert result.scores.loc["mrp", "rmse_all"] <= result.scores.loc["synthetic", "rmse_all"]


def test_true_population_keeps_the_frame_margins_but_not_its_joint(real_subset):
    frame, _ = real_subset
    towns, counts = poststrat.frame_matrix(frame)
    truth = simulate.SCENARIOS["frame error"]
    population = simulate.true_population(counts, truth)
    grid = poststrat.cells()
    for column in CELL_COLUMNS:
        for level in levels(column):
            mask = (grid[column] == level).to_numpy()
            np.testing.assert_allclose(
                population[:, mask].sum(axis=1), counts[:, mask].sum(axis=1), atol=1e-6
            )
    young = (grid["age_band"] == "16-24").to_numpy()
    private = (grid["tenure"] == "private_rented").to_numpy()
    share = lambda table: table[:, young & private].sum() / table[:, young].sum()  # noqa: E731
    assert share(population) > share(counts) + 0.05
    assert simulate.true_population(counts, simulate.SCENARIOS["correct"]) is counts


def test_tribe_simulation_recovers_multinomial_shares(real_subset):
    frame, areas = real_subset
    result = simulate.run_tribe_simulation(
        frame, areas, "income_rate", n_respondents=1500, seed=3, n_draws=60
    )
    assert result.metrics["rmse_ratio"] < 0.8
    totals = result.towns.groupby("town_code")["mrp"].sum()
    np.testing.assert_allclose(totals, 1.0, atol=1e-12)
    assert result.scores.loc["mrp", "coverage_all"] > 0.7


def _tiny():
    """Three synthetic towns with a uniform frame and a poll that covers every level."""
    towns = ["E34000001", "E34000002", "E34000003"]
    grid = poststrat.cells()
    frame = pd.concat([grid.assign(town_code=t, n=10.0 * (i + 1)) for i, t in enumerate(towns)])
    areas = pd.DataFrame(
        {"region": ["North East", "North East", "South West"], "x": [0.1, 0.2, 0.4]}, index=towns
    )
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
        mrp.fit_mrp(poll, areas, predictors=["x"]), frame, areas, n_draws=100, seed=3
    )
    again = mrp.poststratify(
        mrp.fit_mrp(poll, areas, predictors=["x"]), frame, areas, n_draws=100, seed=3
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


def test_respondents_outside_towns_inform_the_fit():
    frame, areas, poll, rng = _tiny()
    poll["response"] = rng.binomial(1, 0.3, len(poll))
    outside = pd.DataFrame(
        {
            "respondent_id": [f"o{i}" for i in range(400)],
            "area_code": "",
            "region": "South West",
            "age_band": np.repeat(["16-24", "65+"], 200),
            "sex": "female",
            "ethnicity": "white",
            "tenure": "owner_occupied",
            "response": np.repeat([0, 1], 200),  # the old all say yes, the young all no
        }
    )
    areas = pd.concat(
        [
            areas,
            pd.DataFrame(
                {"region": ["South West"], "x": [0.3]}, index=["outside towns: South West"]
            ),
        ]
    )
    town_only = mrp.fit_mrp(validate_poll(poll), areas, predictors=["x"])
    both = mrp.fit_mrp(validate_poll(pd.concat([poll, outside])), areas, predictors=["x"])
    assert both.respondents["outside towns: South West"] == 400

    def age_gap(model):
        fit = model.fits["1"]
        age = dict(
            zip(
                fit.re_levels["age_band"],
                fit.posterior.mean_small[fit.slices()["age_band"]],
                strict=True,
            )
        )
        return age["65+"] - age["16-24"]

    assert age_gap(both) > age_gap(town_only) + 1.0
    got = mrp.poststratify(both, frame, areas, n_draws=20)
    assert set(got["town_code"]) == set(areas.index[:3])


def test_towns_without_area_data_are_errors():
    frame, areas, poll, rng = _tiny()
    poll["response"] = rng.binomial(1, 0.3, len(poll))
    poll = validate_poll(poll)
    with pytest.raises(DataError, match="area 'E34000001' is not in the area table"):
        mrp.fit_mrp(poll, areas.drop(index="E34000001"))
    model = mrp.fit_mrp(poll, areas)
    with pytest.raises(DataError, match="has no area predictors"):
        mrp.poststratify(model, frame, areas.drop(index="E34000003"), n_draws=5)
