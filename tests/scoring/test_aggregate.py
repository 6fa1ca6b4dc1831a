import itertools

import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.aggregate import (
    METHODS,
    Hierarchy,
    aggregate_hierarchy,
    lift,
    weighted_mean,
)
from hopeful.scoring.normalise import METHODS as NORMALISATIONS
from hopeful.scoring.normalise import normalise

NAN = np.nan
# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")


def row(*values: float) -> pd.DataFrame:
    return pd.DataFrame([values], columns=[f"c{i}" for i in range(len(values))])


def mean(values: pd.DataFrame, weights, method, **kw) -> float:
    return float(
        weighted_mean(values, dict(zip(values.columns, weights, strict=True)), method, **kw).iloc[0]
    )


def test_known_answers():
    assert mean(row(0.0, 100.0), [1, 3], "arithmetic") == 75.0
    # Geometric with the default offset 1: sqrt((0 + 1)(99 + 1)) - 1 = 9.
    assert mean(row(0.0, 99.0), [1, 1], "geometric") == pytest.approx(9.0)
    assert mean(row(1.0, 4.0), [1, 1], "geometric", offset=0.0) == pytest.approx(2.0)
    # Harmonic: 2 / (1/1 + 1/3) - 1 = 0.5.
    assert mean(row(0.0, 2.0), [1, 1], "harmonic") == pytest.approx(0.5)
    # Generalised, p = 2, no offset: sqrt((0 + 100^2) / 2).
    assert mean(row(0.0, 100.0), [1, 1], "generalised", p=2, offset=0.0) == pytest.approx(
        100 / np.sqrt(2)
    )
    assert mean(row(0.0, 100.0), [1, 1], "generalised", p=1) == 50.0


@pytest.mark.parametrize("method", METHODS)
def test_means_of_equal_values_and_missing_values(method):
    assert mean(row(40.0, 40.0, 40.0), [1, 2, 3], method, p=3) == pytest.approx(40.0)
    # NaN is skipped and the weights renormalised over what is present.
    assert mean(row(NAN, 50.0), [5, 1], method, p=3) == pytest.approx(50.0)
    assert np.isnan(mean(row(NAN, NAN), [1, 1], method, p=3))
    assert np.isnan(mean(row(10.0, 20.0), [0, 0], method, p=3))


@pytest.mark.parametrize("method", ["geometric", "harmonic"])
def test_zeros_are_defined_and_below_offset_raises(method):
    assert mean(row(0.0, 0.0), [1, 1], method) == pytest.approx(0.0)
    assert 0 < mean(row(0.0, 50.0), [1, 1], method) < 25
    with pytest.raises(ValueError, match="above -offset"):
        mean(row(-1.0, 50.0), [1, 1], method)
    with pytest.raises(ValueError, match="above -offset"):
        mean(row(0.0, 50.0), [1, 1], method, offset=0.0)


def test_negative_weights_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        mean(row(1.0, 2.0), [-1, 2], "arithmetic")


def hierarchy() -> Hierarchy:
    return Hierarchy(
        {"a": "econ", "b": "econ", "c": "health", "d": "community"},
        {"econ": None, "wellbeing": None, "health": "wellbeing", "community": "wellbeing"},
    )


def test_hierarchy_known_answer():
    data = pd.DataFrame(
        {"a": [0.0, 100.0], "b": [100.0, NAN], "c": [20.0, 60.0], "d": [40.0, NAN]},
        index=["u", "v"],
    )
    domains, index = aggregate_hierarchy(
        data,
        hierarchy(),
        {"a": 1, "b": 3, "c": 1, "d": 1},
        {"econ": 2, "wellbeing": 1, "health": 1, "community": 1},
    )
    assert list(domains.columns) == ["econ", "health", "community", "wellbeing"]
    assert domains.loc["u"].tolist() == [75.0, 20.0, 40.0, 30.0]
    # v: econ has only a (100); community is missing so wellbeing = health = 60.
    assert domains.loc["v", "econ"] == 100.0
    assert np.isnan(domains.loc["v", "community"])
    assert domains.loc["v", "wellbeing"] == 60.0
    assert index.tolist() == [pytest.approx((2 * 75 + 30) / 3), pytest.approx((2 * 100 + 60) / 3)]


def test_hierarchy_cycle_detected():
    bad = Hierarchy({"a": "x"}, {"x": "y", "y": "x"})
    with pytest.raises(ValueError, match="cycle"):
        bad.order()


NORM_PARAMS = {
    "zscore": {"target_mean": 100.0, "target_sd": 10.0},
    "distance_to_target": {"targets": dict.fromkeys("abcd", 50.0)},
    "goalposts": {"goalposts": dict.fromkeys("abcd", (0.0, 100.0))},
}


@pytest.mark.parametrize(
    ("normalisation", "method"), list(itertools.product(NORMALISATIONS, METHODS))
)
def test_improving_an_indicator_never_lowers_the_units_score(normalisation, method):
    rng = np.random.default_rng(7)
    data = pd.DataFrame(rng.uniform(5, 95, size=(25, 4)), columns=list("abcd"))
    directions = {"a": 1, "b": -1, "c": 1, "d": -1}
    w_ind, w_dom = (
        dict.fromkeys("abcd", 1.0),
        dict.fromkeys(["econ", "wellbeing", "health", "community"], 1.0),
    )

    def score(frame: pd.DataFrame) -> pd.Series:
        norm = normalise(frame, normalisation, directions, **NORM_PARAMS.get(normalisation, {}))
        return aggregate_hierarchy(norm, hierarchy(), w_ind, w_dom, method, p=2.0)[1]

    before = score(data)
    for unit, col, step in itertools.product([0, 7, 19], "abcd", [0.5, 30.0]):
        improved = data.copy()
        improved.iloc[unit, improved.columns.get_loc(col)] += step * directions[col]
        assert score(improved).iloc[unit] >= before.iloc[unit] - 1e-9, (unit, col, step)


def test_lift_maps_zero_to_the_floor_and_keeps_the_top():
    values = np.array([0.0, 50.0, 100.0])
    np.testing.assert_allclose(lift(values, 10.0), [10.0, 55.0, 100.0])
    assert lift(values, 0.0) is values
    with pytest.raises(ValueError, match="floor"):
        lift(values, 100.0)
    # A geometric mean of lifted scores: one zero among ten best scores costs 10^(1/10),
    # against 101^(1/10) without the lift (offset 1).
    row_ = pd.DataFrame([[0.0] + [100.0] * 9])
    lifted = weighted_mean(lift(row_, 10.0), [1.0] * 10, "geometric", offset=0.0)
    assert lifted.iloc[0] == pytest.approx(100 / 10 ** (1 / 10))
