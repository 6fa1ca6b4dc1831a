import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.outliers import (
    fails_check,
    kurtosis,
    log_transform,
    skewness,
    treat_outliers,
    winsorise,
)

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")

# COINr's own example (vignette "treat"): 1..10 plus two outliers.
COINR_X = np.array([*range(1, 11), 30.0, 100.0])


def test_skew_and_kurtosis_match_the_excel_type2_definitions():
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    # By hand: mean 4, deviations -3 -2 -1 0 6; m2 = 50/5 = 10, m3 = (-27-8-1+216)/5 = 36,
    # m4 = (81+16+1+1296)/5 = 278.8.
    g1 = 36 / 10**1.5
    assert skewness(x) == pytest.approx(g1 * np.sqrt(5 * 4) / 3)
    g2 = 278.8 / 100 - 3
    assert kurtosis(x) == pytest.approx(((6 * g2) + 6) * 4 / (3 * 2))


def test_undefined_moments_pass():
    assert np.isnan(skewness(np.ones(10)))
    assert np.isnan(kurtosis(np.array([1.0, 2.0, 3.0])))
    assert not fails_check(np.ones(10), 2.0, 3.5)


def test_winsorise_coinr_example():
    assert fails_check(COINR_X, 2.0, 3.5)
    out, n, side = winsorise(COINR_X, 5, 2.0, 3.5)
    # One step (100 → 30) is enough: skew 1.71, kurtosis 1.82 pass.
    assert n == 1 and side == "high"
    assert out[-1] == 30.0 and out[:-1].tolist() == COINR_X[:-1].tolist()
    assert not fails_check(out, 2.0, 3.5)


def test_winsorise_low_side_for_negative_skew():
    out, n, side = winsorise(-COINR_X, 5, 2.0, 3.5)
    assert (n, side) == (1, "low")
    assert out[-1] == -30.0


def test_winsorise_never_exceeds_winmax_with_ties():
    x = np.array([*range(1, 21), 500.0, 500.0])
    out, n, _ = winsorise(x, 1, 2.0, 3.5)
    assert n == 0 and out.tolist() == x.tolist()


def test_log_transform_is_coinr_log_ct_and_handles_negatives():
    x = np.array([-5.0, 0.0, 95.0, np.nan])
    expected = np.log(np.array([-5.0, 0.0, 95.0]) + 5 + 0.01 * 100)
    assert np.allclose(log_transform(x)[:3], expected)
    assert np.isnan(log_transform(x)[3])


def test_treat_outliers_report_and_fallback_to_log():
    rng = np.random.default_rng(3)
    lognormal = np.exp(rng.normal(0, 1.5, 300))
    data = pd.DataFrame(
        {
            "coinr": np.r_[COINR_X, np.full(288, np.nan)],
            "lognormal": lognormal,
            "constant": np.ones(300),
            "empty": np.full(300, np.nan),
        }
    )
    treated, report = treat_outliers(data, winmax=1)
    assert report.loc["coinr", "treatment"] == "winsorised"
    assert report.loc["coinr", "n_winsorised"] == 1
    assert treated["coinr"].isna().sum() == 288
    assert report.loc["lognormal", "treatment"] == "log"
    assert np.allclose(treated["lognormal"], log_transform(lognormal))
    assert report.loc["lognormal", "passes_after"]
    for col in ("constant", "empty"):
        assert report.loc[col, "treatment"] == "none"
        pd.testing.assert_series_equal(treated[col], data[col])
    # Treatments are monotone: the order of units is unchanged.
    assert (treated["lognormal"].rank() == data["lognormal"].rank()).all()


def test_thresholds_are_arguments():
    data = pd.DataFrame({"x": COINR_X})
    _, report = treat_outliers(data, skew_threshold=5.0)
    assert report.loc["x", "treatment"] == "none"
