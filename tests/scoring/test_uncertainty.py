import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.aggregate import Hierarchy, aggregate_hierarchy
from hopeful.scoring.normalise import NormSpec, normalise
from hopeful.scoring.rank import rank_scores
from hopeful.scoring.uncertainty import Choice, monte_carlo, rank_rows

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")

HIERARCHY = Hierarchy(
    {"a": "d1", "b": "d1", "c": "d2", "d": "d2", "e": "d2"}, {"d1": None, "d2": None}
)
NOMINAL = Choice("mean", NormSpec("minmax"), "arithmetic")


def data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.normal(50, 10, size=(80, 5)), columns=list("abcde"))
    frame.index = [f"u{i:02d}" for i in range(80)]
    return frame.mask(rng.random(frame.shape) < 0.05)


def run(seed: int = 1, **overrides) -> object:
    args = {
        "directions": {"a": 1, "b": -1, "c": 1, "d": 1, "e": -1},
        "indicator_weights": dict.fromkeys("abcde", 1.0),
        "domain_weights": {"d1": 1.0, "d2": 1.0},
        "nominal": NOMINAL,
        "imputations": ["mean", "median", "group_mean"],
        "normalisations": [
            NormSpec("minmax"),
            NormSpec("zscore", {"target_mean": 100.0, "target_sd": 10.0}),
            NormSpec("percentile_rank"),
        ],
        "aggregations": ["arithmetic", "geometric"],
        "groups": pd.Series(np.repeat(["s", "m"], 40), index=data().index),
        "outliers": {"skew_threshold": 2.0, "kurt_threshold": 3.5, "winmax": 5},
        "draws": 150,
        "seed": seed,
    }
    return monte_carlo(data(), HIERARCHY, **{**args, **overrides})


def test_reproducible_with_seed_and_different_with_another():
    first, again, other = run(1), run(1), run(2)
    np.testing.assert_array_equal(first.ranks, again.ranks)
    pd.testing.assert_frame_equal(first.units, again.units)
    pd.testing.assert_frame_equal(first.draws, again.draws)
    assert not np.array_equal(first.ranks, other.ranks)


def test_interval_ordering_and_summary():
    result = run()
    units = result.units
    assert (units["rank_p05"] <= units["rank_median"]).all()
    assert (units["rank_median"] <= units["rank_p95"]).all()
    assert (units["interval_width"] == units["rank_p95"] - units["rank_p05"]).all()
    assert result.ranks.shape == (150, 80)
    assert set(result.draws["aggregation"]) == {"arithmetic", "geometric"}
    assert set(result.draws["imputation"]) == {"mean", "median", "group_mean"}
    summary = result.summary
    assert summary["interval_width_threshold"] == 8.0  # a tenth of 80 units
    assert summary["share_narrow_intervals"] == pytest.approx((units["interval_width"] < 8).mean())


def test_nominal_ranks_match_the_dataframe_pipeline_steps():
    frame = data().fillna(data().mean())
    norm = normalise(frame, "minmax", {"a": 1, "b": -1, "c": 1, "d": 1, "e": -1})
    _, index = aggregate_hierarchy(
        norm, HIERARCHY, dict.fromkeys("abcde", 1.0), {"d1": 1.0, "d2": 1.0}
    )
    result = run(outliers=None)
    pd.testing.assert_series_equal(
        result.units["rank_nominal"], rank_scores(index), check_names=False
    )


def test_no_perturbation_reproduces_nominal_exactly():
    result = run(
        imputations=["mean"],
        normalisations=[NormSpec("minmax")],
        aggregations=["arithmetic"],
        weight_spread=0.0,
        draws=5,
    )
    assert (result.units["interval_width"] == 0).all()
    assert (result.units["rank_median"] == result.units["rank_nominal"]).all()
    assert result.summary["median_abs_rank_shift"] == 0.0
    assert result.summary["share_narrow_intervals"] == 1.0


def test_leave_one_out_known_answer():
    # One domain: "a" varies, "b" is constant. Dropping b changes nothing; dropping a leaves
    # every unit tied on b (all rank 1), so each unit shifts by (nominal rank - 1).
    frame = pd.DataFrame({"a": [4.0, 1.0, 3.0, 2.0], "b": [5.0] * 4}, index=list("wxyz"))
    result = monte_carlo(
        frame,
        Hierarchy({"a": "d", "b": "d"}, {"d": None}),
        directions={"a": 1, "b": 1},
        indicator_weights={"a": 1.0, "b": 1.0},
        domain_weights={"d": 1.0},
        nominal=NOMINAL,
        imputations=["mean"],
        normalisations=[NormSpec("minmax")],
        aggregations=["arithmetic"],
        draws=3,
    )
    loo = result.leave_one_out
    assert loo.loc["b"].tolist() == [0.0, 0.0, 0.0]
    shifts = np.array([0, 3, 1, 2])  # nominal ranks 1, 4, 2, 3
    assert loo.loc["a"].tolist() == [np.median(shifts), shifts.mean(), 3.0]


def test_units_without_data_get_no_rank():
    frame = data()
    frame.loc["u00"] = np.nan
    result = monte_carlo(
        frame,
        HIERARCHY,
        directions={"a": 1, "b": -1, "c": 1, "d": 1, "e": -1},
        indicator_weights=dict.fromkeys("abcde", 1.0),
        domain_weights={"d1": 1.0, "d2": 1.0},
        nominal=Choice("none", NormSpec("minmax"), "arithmetic"),
        imputations=["none"],
        normalisations=[NormSpec("minmax")],
        aggregations=["arithmetic", "geometric"],
        draws=10,
    )
    assert result.units.loc["u00"].isna().all()
    assert not result.units.drop(index="u00").isna().any(axis=None)
    assert result.summary["units_ranked"] == 79


def test_geometric_on_negative_scores_names_the_normalisation():
    with pytest.raises(ValueError, match=r"geometric aggregation of zscore"):
        run(normalisations=[NormSpec("zscore")], aggregations=["geometric"], draws=2)


def test_rank_rows():
    ranks = rank_rows(np.array([[3.0, np.nan, 5.0, 3.0]]))
    assert ranks[0, [0, 2, 3]].tolist() == [2.0, 1.0, 2.0]
    assert np.isnan(ranks[0, 1])


def test_structural_inputs_are_sampled_and_reported_by_sobol():
    equal = (dict.fromkeys("abcde", 1.0), {"d1": 1.0, "d2": 1.0})
    lopsided = (dict.fromkeys("abcde", 1.0), {"d1": 1.0, "d2": 4.0})
    result = run(
        imputations=["mean"],
        weightings={"equal": equal, "lopsided": lopsided},
        leave_out_domain=0.5,
        draws=400,
        sobol=True,
        bootstrap=50,
    )
    draws = result.draws
    assert set(draws["weighting"]) == {"equal", "lopsided"}
    assert set(draws["domain_left_out"]) == {"", "d1", "d2"}
    assert 0.35 < (draws["domain_left_out"] == "").mean() < 0.65
    sobol = result.sobol
    # imputation has one alternative here: fixed, so not an input
    assert sobol.index.tolist() == [
        "weights", "weighting", "domain left out", "normalisation", "aggregation"
    ]  # fmt: skip
    assert (sobol["total"] >= sobol["first_order"] - 0.05).all()
    assert (sobol["first_order_low"] <= sobol["first_order_high"]).all()
    # leaving out one of two domains moves ranks more than the choice of aggregation
    assert sobol.loc["domain left out", "total"] > sobol.loc["aggregation", "total"]


def test_leaving_a_domain_out_ranks_on_the_other_domain_alone():
    result = run(
        imputations=["mean"],
        normalisations=[NormSpec("minmax")],
        aggregations=["arithmetic"],
        weight_spread=0.0,
        leave_out_domain=1.0,
        outliers=None,
        draws=40,
    )
    frame = data().fillna(data().mean())
    norm = normalise(frame, "minmax", {"a": 1, "b": -1, "c": 1, "d": 1, "e": -1})
    only = {
        "d1": rank_scores(norm[["a", "b"]].mean(axis=1)),
        "d2": rank_scores(norm[["c", "d", "e"]].mean(axis=1)),
    }
    for t, left in enumerate(result.draws["domain_left_out"]):
        kept = "d2" if left == "d1" else "d1"
        np.testing.assert_array_equal(result.ranks[t], only[kept].to_numpy())


def test_geometric_draws_lift_scores_so_one_zero_does_not_dominate():
    # "spiky" is best on nine indicators and worst on one; "flat" is at 70 on all ten.
    rng = np.random.default_rng(3)
    columns = [f"i{k}" for k in range(10)]
    frame = pd.DataFrame(rng.uniform(20, 80, size=(30, 10)), columns=columns)
    frame.index = [f"u{i}" for i in range(30)]
    frame.loc["low"], frame.loc["high"] = 0.0, 100.0  # fix every column's range to 0-100
    frame.loc["spiky"] = [0.0] + [100.0] * 9
    frame.loc["flat"] = 70.0

    def ranks(floor: float) -> pd.Series:
        result = monte_carlo(
            frame,
            Hierarchy(dict.fromkeys(columns, "d"), {"d": None}),
            directions=dict.fromkeys(columns, 1),
            indicator_weights=dict.fromkeys(columns, 1.0),
            domain_weights={"d": 1.0},
            nominal=Choice("none", NormSpec("minmax"), "geometric"),
            imputations=["none"],
            normalisations=[NormSpec("minmax")],
            aggregations=["geometric"],
            weight_spread=0.0,
            floor=floor,
            draws=1,
        )
        return result.units["rank_nominal"]

    unlifted, lifted = ranks(0.0), ranks(10.0)
    assert unlifted["spiky"] > unlifted["flat"]  # one zero sinks it below a flat 70
    assert lifted["spiky"] < lifted["flat"]  # on [10, 100] nine best scores still count
    assert lifted["spiky"] > lifted["high"]  # but the zero still costs it the top place
