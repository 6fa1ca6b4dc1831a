import math

import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.normalise import METHODS, normalise

NAN = np.nan
# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")

PARAMS = {
    "distance_to_target": {"targets": {"x": 2.0, "const": 2.0, "empty": 2.0}},
    "goalposts": {"goalposts": {"x": (0.0, 4.0), "const": (0.0, 4.0), "empty": (0.0, 4.0)}},
}


def col(values, name="x") -> pd.DataFrame:
    return pd.DataFrame({name: values}, index=[f"u{i}" for i in range(len(values))])


def values(frame: pd.DataFrame) -> list[float]:
    return frame.iloc[:, 0].round(10).tolist()


def test_minmax_known_answers_and_direction():
    assert values(normalise(col([1.0, 2.0, 3.0]), "minmax")) == [0.0, 50.0, 100.0]
    assert values(normalise(col([1.0, 2.0, 3.0]), "minmax", {"x": -1})) == [100.0, 50.0, 0.0]
    assert values(normalise(col([1.0, 3.0]), "minmax", low=1, high=10)) == [1.0, 10.0]


def test_zscore_known_answers():
    assert values(normalise(col([1.0, 2.0, 3.0]), "zscore")) == [-1.0, 0.0, 1.0]
    scaled = normalise(col([1.0, 2.0, 3.0]), "zscore", {"x": -1}, target_mean=100, target_sd=10)
    assert values(scaled) == [110.0, 100.0, 90.0]


def test_rank_and_percentile_rank_use_min_ties():
    data = col([10.0, 30.0, 20.0, 20.0, NAN])
    assert values(normalise(data, "rank"))[:4] == [1.0, 4.0, 2.0, 2.0]
    assert values(normalise(data, "percentile_rank"))[:4] == [
        0.0,
        100.0,
        33.3333333333,
        33.3333333333,
    ]
    assert values(normalise(data, "rank", {"x": -1}))[:4] == [4.0, 1.0, 2.0, 2.0]
    assert math.isnan(values(normalise(data, "rank"))[4])


def test_distance_to_target_capped():
    assert values(normalise(col([1.0, 2.0, 3.0]), "distance_to_target", targets={"x": 2.0})) == [
        50.0,
        100.0,
        100.0,
    ]
    # Direction -1: target / value; zero has beaten any positive target.
    down = normalise(col([1.0, 4.0, 0.0]), "distance_to_target", {"x": -1}, targets={"x": 2.0})
    assert values(down) == [100.0, 50.0, 100.0]
    with pytest.raises(ValueError, match="positive target"):
        normalise(col([1.0]), "distance_to_target", targets={"x": 0.0})


def test_goalposts_capped_both_directions():
    data = col([-1.0, 0.0, 1.0, 4.0, 5.0])
    posts = {"goalposts": {"x": (0.0, 4.0)}}
    assert values(normalise(data, "goalposts", **posts)) == [0.0, 0.0, 25.0, 100.0, 100.0]
    assert values(normalise(data, "goalposts", {"x": -1}, **posts)) == [
        100.0,
        100.0,
        75.0,
        0.0,
        0.0,
    ]
    with pytest.raises(ValueError, match="low < high"):
        normalise(data, "goalposts", goalposts={"x": (4.0, 0.0)})


def test_iod_exponential_transform():
    n = 1000
    data = col(np.arange(n, dtype=float))  # unit 0 is the worst (most deprived)
    out = normalise(data, "iod_exponential").iloc[:, 0].to_numpy()
    deprivation = 100 - out
    assert deprivation[0] == pytest.approx(100.0)  # R = 1 → X = 100
    # R = 1/N for the least deprived: X = -23 ln(1 - (1 - e^(-100/23)) / N).
    assert deprivation[-1] == pytest.approx(-23 * math.log(1 - (1 - math.exp(-100 / 23)) / n))
    # 23 is chosen so that about 10% of units score above 50: X > 50 ⇔
    # R > (1 - e^(-50/23)) / (1 - e^(-100/23)) = 0.88627 / 0.98707 = 0.89788, i.e. ranks 898..1000.
    assert (deprivation > 50).sum() == 103
    assert np.all(np.diff(out) > 0)  # better raw value → higher score


def test_iod_ties_share_the_average_rank():
    out = normalise(col([1.0, 2.0, 2.0, 3.0]), "iod_exponential")
    assert out.iloc[1, 0] == out.iloc[2, 0]


@pytest.mark.parametrize("method", list(METHODS))
def test_constant_and_all_missing_columns_are_defined(method):
    data = pd.DataFrame({"x": [1.0, 3.0, 2.0], "const": [2.0, 2.0, NAN], "empty": [NAN] * 3})
    out = normalise(data, method, **PARAMS.get(method, {}))
    assert out["empty"].isna().all()
    const = out["const"]
    assert const.iloc[:2].nunique() == 1 and not const.iloc[:2].isna().any()
    assert math.isnan(const.iloc[2])
    midpoints = {"minmax": 50.0, "zscore": 0.0, "rank": 1.5, "percentile_rank": 50.0}
    if method in midpoints:
        assert const.iloc[0] == midpoints[method]


@pytest.mark.parametrize(
    "method", ["minmax", "zscore", "rank", "percentile_rank", "iod_exponential"]
)
def test_direction_minus_one_equals_negating_the_data(method):
    data = col([3.0, -1.0, 7.5, 2.0, 2.0])
    flipped = normalise(data, method, {"x": -1})
    pd.testing.assert_frame_equal(flipped, normalise(-data, method))


def test_single_value_column_gets_the_midpoint():
    assert values(normalise(col([5.0, NAN]), "percentile_rank"))[0] == 50.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalise(col([1.0]), "softmax")
    with pytest.raises(ValueError, match="no direction"):
        normalise(col([1.0]), "minmax", {"y": 1})
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        normalise(col([1.0]), "minmax", {"x": 2})
