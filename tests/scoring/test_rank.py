import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.rank import deciles, group_ranks, rank_scores

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")


def test_ranks_one_is_best_ties_min_missing_unranked():
    scores = pd.Series([5.0, 3.0, 3.0, np.nan, 1.0], index=list("abcde"))
    assert rank_scores(scores).tolist() == [1, 2, 2, pd.NA, 4]
    assert str(rank_scores(scores).dtype) == "Int64"


def test_deciles_top_tenth_is_one():
    scores = pd.Series(np.arange(20, 0, -1, dtype=float))  # 20 units, best first
    assert deciles(scores).tolist() == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
        6,
        6,
        7,
        7,
        8,
        8,
        9,
        9,
        10,
        10,
    ]


def test_deciles_ties_share_a_decile():
    scores = pd.Series([9.0, 9.0, 9.0, 1.0, np.nan])
    assert deciles(scores).tolist() == [3, 3, 3, 10, pd.NA]


def test_group_ranks():
    scores = pd.Series([5.0, 3.0, 4.0, 1.0, 2.0], index=list("abcde"))
    groups = pd.Series({"a": "small", "b": "small", "c": "large", "d": "large", "e": None})
    assert group_ranks(scores, groups).tolist() == [1, 2, 1, 2, pd.NA]
