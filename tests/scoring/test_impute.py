import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.impute import impute

NAN = np.nan
# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")


def test_mean_and_median_overall():
    data = pd.DataFrame({"x": [1.0, NAN, 2.0, 9.0]}, index=list("abcd"))
    mean, mask = impute(data, "mean")
    assert mean["x"].tolist() == [1.0, 4.0, 2.0, 9.0]
    assert mask["x"].tolist() == [False, True, False, False]
    median, _ = impute(data, "median")
    assert median.loc["b", "x"] == 2.0


def test_group_mean_with_fallbacks():
    data = pd.DataFrame(
        {"x": [1.0, NAN, NAN, NAN, 7.0, NAN], "y": [2.0, 4.0, 6.0, NAN, 8.0, 10.0]},
        index=list("abcdef"),
    )
    groups = pd.Series(["g1", "g1", "g2", "g2", "g3", None], index=list("abcdef"))
    filled, mask = impute(data, "group_mean", groups)
    # b: its group g1 has mean 1; c, d: group g2 is all-missing on x → overall mean (1+7)/2;
    # f: no group → overall mean.
    assert filled["x"].tolist() == [1.0, 1.0, 4.0, 4.0, 7.0, 4.0]
    assert filled.loc["d", "y"] == 6.0  # g2 mean of y
    assert mask["x"].tolist() == [False, True, True, True, False, True]
    assert mask["y"].sum() == 1


def test_group_median():
    data = pd.DataFrame({"x": [1.0, 2.0, 10.0, NAN]}, index=list("abcd"))
    groups = pd.Series(["g", "g", "g", "g"], index=list("abcd"))
    assert impute(data, "group_median", groups)[0].loc["d", "x"] == 2.0


def test_all_missing_column_stays_missing_and_is_not_marked_imputed():
    data = pd.DataFrame({"x": [1.0, NAN], "empty": [NAN, NAN]})
    filled, mask = impute(data, "mean")
    assert filled["empty"].isna().all()
    assert not mask["empty"].any()


def test_none_leaves_gaps():
    data = pd.DataFrame({"x": [1.0, NAN]})
    filled, mask = impute(data, "none")
    assert filled["x"].isna().sum() == 1
    assert not mask.to_numpy().any()


def test_group_method_without_groups_and_unknown_method_raise():
    data = pd.DataFrame({"x": [1.0, NAN]})
    with pytest.raises(ValueError, match="groups"):
        impute(data, "group_mean")
    with pytest.raises(ValueError, match="unknown imputation"):
        impute(data, "mode")
