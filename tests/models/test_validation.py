"""Validation of the town vote estimates: spatial folds are blocks of neighbours, a fold that
holds a whole region still predicts, and the Hanretty comparison picks dominant towns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from hopeful.models import validation
from hopeful.models.area_model import fit_area_model, out_of_fold, spatial_folds


def test_spatial_folds_are_blocks_of_neighbours():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [100, 0], [0, 100], [100, 100]]) * 1_000.0
    which = np.repeat(np.arange(4), 25)
    xy = centres[which] + rng.normal(0, 2_000, size=(100, 2))
    labels = spatial_folds(xy[:, 0], xy[:, 1], folds=4, seed=1)
    assert len(set(labels)) == 4
    for cluster in range(4):  # each far-apart cluster lands in one fold
        assert len(set(labels[which == cluster])) == 1
    again = spatial_folds(xy[:, 0], xy[:, 1], folds=4, seed=1)
    assert (labels == again).all()


def test_out_of_fold_predicts_a_held_out_region_at_the_reference_level():
    rng = np.random.default_rng(2)
    n = 120
    areas = pd.DataFrame({"a": rng.normal(0, 1, n), "region": np.repeat(["R1", "R2", "R3"], 40),
                          "w": 1.0})  # fmt: skip
    areas["y"] = expit(0.5 * areas["a"] + rng.normal(0, 0.02, n))
    model = fit_area_model(areas, ["a"], outcome="y", weight="w", reference_region="R1", seed=1)
    labels = areas["region"].map({"R1": 0, "R2": 1, "R3": 2}).to_numpy()
    predicted = out_of_fold(areas["y"].to_numpy(), model.design(areas), np.ones(n), labels)
    assert np.abs(predicted - areas["y"]).max() < 0.05  # no region effect in truth


def test_leave_validation_keeps_towns_that_dominate_their_seat():
    lsoa = pd.DataFrame(
        {
            "pcon24_code": ["P1", "P1", "P2", "P2", "P3"],
            "town_code": ["A", None, "B", "B", "B"],
            "population": [400.0, 600.0, 300.0, 300.0, 100.0],
        }
    )
    hanretty = pd.Series({"P1": 0.5, "P2": 0.6, "P3": 0.4})
    estimates = {"model": pd.Series({"A": 0.55, "B": 0.62}), "flat": pd.Series({"B": 0.5})}
    summary, towns = validation.leave_validation(estimates, lsoa, hanretty)
    assert towns["town_code"].tolist() == ["B"]  # A is 40% of P1; B is all of P2
    assert towns["pcon24_code"].tolist() == ["P2"]
    got = summary.set_index("estimator")
    assert got.loc["model", "mean_abs_diff_points"] == pytest.approx(2.0)
    assert got.loc["flat", "mean_abs_diff_points"] == pytest.approx(10.0)
    assert (got["n_towns"] == 1).all()
