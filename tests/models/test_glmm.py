"""The Laplace multilevel logistic fit recovers known spreads and effects on synthetic data."""

from __future__ import annotations

import numpy as np

from hopeful.models import glmm


def _data(seed: int, n_areas: int, per_area: int, area_sd: float):
    rng = np.random.default_rng(seed)
    n = n_areas * per_area
    area = np.repeat(np.arange(n_areas), per_area)
    group = rng.integers(0, 4, n)  # a four-level demographic group
    group_effect = np.array([-0.8, -0.2, 0.3, 0.7])
    x = rng.standard_normal(n)
    u = area_sd * rng.standard_normal(n_areas)
    y = rng.binomial(1, 1 / (1 + np.exp(-(-0.3 + 0.5 * x + group_effect[group] + u[area]))))
    small = np.column_stack([np.ones(n), x, np.eye(4)[group]])
    groups = np.array([-1, -1, 0, 0, 0, 0])
    return y, small, groups, area, u


def test_recovers_area_spread_and_slope():
    y, small, groups, area, u = _data(1, 300, 20, 0.6)
    fit = glmm.fit_logistic(y, small, groups, area, 300)
    assert 0.45 < np.exp(fit.log_sd[-1]) < 0.75
    assert abs(fit.mean_small[1] - 0.5) < 0.1
    assert np.corrcoef(fit.mean_area, u)[0, 1] > 0.7
    weights = [c.weight for c in fit.components]
    assert len(weights) == glmm.N_NODES and abs(sum(weights) - 1) < 1e-12


def test_draws_match_the_posterior_and_no_spread_gives_a_small_one():
    y, small, groups, area, _ = _data(2, 200, 10, 0.0)
    fit = glmm.fit_logistic(y, small, groups, area, 200)
    assert np.exp(fit.log_sd[-1]) < 0.3
    dense, areas, log_sd = fit.draw(4000, np.random.default_rng(0))
    assert dense.shape == (4000, 6) and areas.shape == (4000, 200) and log_sd.shape == (4000,)
    np.testing.assert_allclose(dense.mean(axis=0), fit.mean_small, atol=0.05)
    np.testing.assert_allclose(areas.mean(axis=0), fit.mean_area, atol=0.05)
