"""Data noise: standard errors from small areas, noisy copies, and what they do to intervals."""

import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.aggregate import Hierarchy
from hopeful.scoring.noise import perturb, small_area_errors
from hopeful.scoring.normalise import NormSpec
from hopeful.scoring.uncertainty import Choice, monte_carlo

pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")


def areas(rows: dict[str, list[tuple[float, float]]]) -> pd.DataFrame:
    """unit -> [(value, weight), ...] as a small-area table."""
    return pd.DataFrame(
        [(unit, v, w) for unit, pairs in rows.items() for v, w in pairs],
        columns=["unit", "value", "weight"],
    )


def test_standard_error_by_hand_without_moderation():
    # Equal weights: n_eff = n, s2 the sample variance, se = s / sqrt(n).
    frame = areas({"a": [(1, 5), (3, 5)], "b": [(0, 1), (4, 1), (8, 1), (12, 1)]})
    out = small_area_errors(frame, "unit", "value", "weight", prior_df=0)
    assert out["mean"].tolist() == [2.0, 6.0]
    assert out["n_eff"].tolist() == [2.0, 4.0]
    np.testing.assert_allclose(
        out["se"], [np.sqrt(2 / 2), np.sqrt(np.var([0, 4, 8, 12], ddof=1) / 4)]
    )


def test_weights_set_the_mean_and_the_effective_number_of_areas():
    frame = areas({"a": [(10, 3), (20, 1)]})
    out = small_area_errors(frame, "unit", "value", "weight", prior_df=0).loc["a"]
    assert out["mean"] == 12.5
    assert out["n_eff"] == pytest.approx(16 / 10)
    # weighted variance 18.75 with the reliability-weights correction n_eff / (n_eff - 1)
    assert out["se"] == pytest.approx(np.sqrt(18.75 * 1.6 / 0.6 / 1.6))


def test_moderation_pulls_towards_the_pooled_spread_and_covers_single_areas():
    frame = areas(
        {
            "calm": [(50, 1), (50.1, 1)],  # two areas, almost no spread
            "big": [(v, 1) for v in np.linspace(0, 100, 21)],
            "single": [(30, 1)],
        }
    )
    raw = small_area_errors(frame, "unit", "value", "weight", prior_df=0)
    moderated = small_area_errors(frame, "unit", "value", "weight", prior_df=4)
    assert np.isnan(raw.loc["single", "se"])
    assert moderated.loc["single", "se"] > 0
    assert moderated.loc["calm", "se"] > 10 * raw.loc["calm", "se"]
    # the big unit's own spread dominates its moderated variance
    assert moderated.loc["big", "se"] == pytest.approx(raw.loc["big", "se"], rel=0.1)


def test_rows_without_value_or_weight_are_left_out():
    frame = areas({"a": [(1, 1), (3, 1), (np.nan, 1), (100, 0)]})
    out = small_area_errors(frame, "unit", "value", "weight", prior_df=0)
    assert out.loc["a", "mean"] == 2.0 and out.loc["a", "n_eff"] == 2.0


def test_perturb_adds_scaled_noise_clips_to_the_range_and_keeps_gaps():
    data = pd.DataFrame({"x": [0.0, 5.0, 10.0, np.nan], "y": [1.0, 2.0, 3.0, 4.0]})
    errors = pd.DataFrame({"x": [1.0, 2.0, 1.0, 1.0]})  # no column y: no noise on y
    z = np.array([[-3.0, 9], [1.0, 9], [3.0, 9], [1.0, 9]])
    out = perturb(data, errors, z)
    assert out["x"].iloc[:3].tolist() == [0.0, 7.0, 10.0]
    assert np.isnan(out["x"].iloc[3])
    assert out["y"].tolist() == data["y"].tolist()
    with pytest.raises(ValueError, match="negative"):
        perturb(data, -errors, z)


def test_a_small_noisy_unit_gets_a_wider_interval_than_a_large_one_with_the_same_values():
    rng = np.random.default_rng(5)
    data = pd.DataFrame(rng.normal(50, 10, size=(60, 4)), columns=list("abcd"))
    data.index = [f"u{i:02d}" for i in range(60)]
    data.loc["small"] = data.loc["large"] = [55.0, 55.0, 55.0, 55.0]
    errors = pd.DataFrame(1.0, index=data.index, columns=data.columns)
    errors.loc["small"] = 8.0  # e.g. three areas with a wide spread
    errors.loc["large"] = 0.5  # many areas
    result = monte_carlo(
        data,
        Hierarchy(
            dict(zip("abcd", ["d1", "d1", "d2", "d2"], strict=True)), {"d1": None, "d2": None}
        ),
        directions=dict.fromkeys("abcd", 1),
        indicator_weights=dict.fromkeys("abcd", 1.0),
        domain_weights={"d1": 1.0, "d2": 1.0},
        nominal=Choice("none", NormSpec("minmax"), "arithmetic"),
        imputations=["none"],
        normalisations=[NormSpec("minmax")],
        aggregations=["arithmetic"],
        weight_spread=0.0,
        errors=errors,
        noise_realisations=50,
        draws=200,
        seed=1,
        sobol=True,
    )
    units = result.units
    assert units.loc["small", "rank_nominal"] == units.loc["large", "rank_nominal"]
    assert units.loc["small", "interval_width"] > 3 * units.loc["large", "interval_width"]
    # data noise is the only sampled input, so it explains all of the rank variance
    assert result.sobol.index.tolist() == ["data noise"]
    assert result.sobol.loc["data noise", "total"] == pytest.approx(1.0, abs=0.1)
    assert set(result.draws["noise_realisation"]) <= set(range(50))


def test_a_single_noisy_copy_is_used_by_every_draw():
    rng = np.random.default_rng(6)
    data = pd.DataFrame(rng.normal(50, 10, size=(40, 2)), columns=["a", "b"])
    result = monte_carlo(
        data,
        Hierarchy({"a": "d", "b": "d"}, {"d": None}),
        directions={"a": 1, "b": 1},
        indicator_weights={"a": 1.0, "b": 1.0},
        domain_weights={"d": 1.0},
        nominal=Choice("none", NormSpec("minmax"), "arithmetic"),
        imputations=["none"],
        normalisations=[NormSpec("minmax")],
        aggregations=["arithmetic"],
        weight_spread=0.0,
        errors=pd.DataFrame(5.0, index=data.index, columns=data.columns),
        noise_realisations=1,
        draws=5,
    )
    assert set(result.draws["noise_realisation"]) == {0}
    assert (result.units["interval_width"] == 0).all()  # the same copy every time ...
    assert result.summary["mean_abs_rank_shift"] > 0  # ... but not the measured data
