"""IPF: hand-solved tables, convergence to the margins while keeping the seed's odds ratios,
and errors for margins that cannot be met."""

from __future__ import annotations

import numpy as np
import pytest

from hopeful.errors import DataError
from hopeful.models.ipf import ipf


def test_uniform_seed_gives_the_product_of_margins():
    got = ipf(np.ones((1, 2, 2)), [np.array([[30.0, 70.0]]), np.array([[40.0, 60.0]])])
    np.testing.assert_allclose(got.table[0], [[12, 18], [28, 42]])
    assert got.iterations == 1


def test_seed_odds_ratio_is_kept():
    # Seed [[1, 2], [3, 4]] raked to all margins 1: a doubly stochastic [[a, 1-a], [1-a, a]]
    # with the seed's odds ratio a^2 / (1-a)^2 = 4 / 6, so a = r / (1 + r), r = sqrt(2/3).
    got = ipf(np.array([[[1.0, 2.0], [3.0, 4.0]]]), [np.ones((1, 2)), np.ones((1, 2))])
    r = np.sqrt(2 / 3)
    a = r / (1 + r)
    np.testing.assert_allclose(got.table[0], [[a, 1 - a], [1 - a, a]], atol=1e-10)


def test_three_way_tables_for_many_areas_converge_to_their_margins():
    rng = np.random.default_rng(11)
    seed = rng.uniform(0.1, 5, size=(20, 5, 4, 3))
    totals = rng.uniform(1_000, 50_000, size=20)
    margins = [rng.dirichlet(np.ones(k), size=20) * totals[:, None] for k in (5, 4, 3)]
    got = ipf(seed, margins)
    assert got.max_error < 1e-10
    np.testing.assert_allclose(got.table.sum(axis=(2, 3)), margins[0], rtol=1e-9)
    np.testing.assert_allclose(got.table.sum(axis=(1, 3)), margins[1], rtol=1e-9)
    np.testing.assert_allclose(got.table.sum(axis=(1, 2)), margins[2], rtol=1e-9)

    # IPF keeps every 2x2x1 odds ratio of the seed.
    def odds(t):
        return t[:, 0, 0, 0] * t[:, 1, 1, 0] / (t[:, 0, 1, 0] * t[:, 1, 0, 0])

    np.testing.assert_allclose(odds(got.table), odds(seed), rtol=1e-8)


def test_inconsistent_totals_and_unreachable_cells_are_errors():
    with pytest.raises(DataError, match="does not share margin 1's total"):
        ipf(np.ones((1, 2, 2)), [np.array([[1.0, 1.0]]), np.array([[1.0, 2.0]])])
    seed = np.array([[[1.0, 0.0], [1.0, 0.0]]])  # nobody in column 2
    with pytest.raises(DataError, match="empty seed slice"):
        ipf(seed, [np.array([[1.0, 1.0]]), np.array([[1.0, 1.0]])])
    with pytest.raises(DataError, match="did not converge"):
        ipf(np.array([[[1.0, 2.0], [3.0, 4.0]]]), [np.ones((1, 2)), np.ones((1, 2))], max_iter=2)
