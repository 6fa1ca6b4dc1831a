"""Sobol indices against functions whose indices are known in closed form."""

import numpy as np
import pytest

from hopeful.scoring.sobol import mixed, sobol_indices


def design(n: int, dims: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, dims)), rng.random((n, dims))


def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = (2 * u - 1) * np.pi
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Closed form (Ishigami and Homma 1990; Sobol' and Levitan 1999)."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_ishigami_first_order_and_total():
    a, b = design(40_000, 3, seed=1)
    table = sobol_indices(
        ishigami(a), ishigami(b), [ishigami(mixed(a, b, [i])) for i in range(3)], ["x1", "x2", "x3"]
    )
    first, total = ishigami_indices()
    np.testing.assert_allclose(table["first_order"], first, atol=0.03)
    np.testing.assert_allclose(table["total"], total, atol=0.03)


def test_additive_model_with_a_group_and_a_vector_output():
    # y_k = c_k (3 x1 + x2 + x3): x1 explains 9/11, the group (x2, x3) 2/11, no interactions;
    # the scale c_k of each output element weights it in the summed variance, not the index.
    a, b = design(20_000, 3, seed=2)

    def model(u: np.ndarray) -> np.ndarray:
        return (3 * u[:, 0] + u[:, 1] + u[:, 2])[:, None] * np.array([1.0, 5.0, 0.5])

    groups = [[0], [1, 2]]
    table = sobol_indices(
        model(a),
        model(b),
        [model(mixed(a, b, g)) for g in groups],
        ["x1", "x2+x3"],
        bootstrap=200,
        seed=3,
    )
    np.testing.assert_allclose(table["first_order"], [9 / 11, 2 / 11], atol=0.02)
    np.testing.assert_allclose(table["total"], [9 / 11, 2 / 11], atol=0.02)
    assert (table["first_order_low"] <= table["first_order"]).all()
    assert (table["first_order"] <= table["first_order_high"]).all()
    assert (table["total_high"] - table["total_low"] < 0.05).all()


def test_an_input_the_model_ignores_gets_zero_and_nan_outputs_are_left_out():
    a, b = design(5_000, 2, seed=4)

    def model(u: np.ndarray) -> np.ndarray:
        out = np.column_stack([u[:, 0], 2 * u[:, 0], np.full(len(u), np.nan)])
        return out

    table = sobol_indices(
        model(a), model(b), [model(mixed(a, b, [i])) for i in range(2)], ["used", "ignored"]
    )
    assert table.loc["ignored"].tolist() == [0.0, 0.0]
    assert table.loc["used", "total"] == pytest.approx(1.0, abs=0.02)


def test_mixed_takes_the_columns_from_b():
    a, b = np.zeros((2, 3)), np.ones((2, 3))
    assert mixed(a, b, [1]).tolist() == [[0, 1, 0], [0, 1, 0]]
    assert a.sum() == 0  # a is not modified


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="one A_B matrix per input"):
        sobol_indices(np.ones(3), np.ones(3), [np.ones(3)], ["x", "y"])
