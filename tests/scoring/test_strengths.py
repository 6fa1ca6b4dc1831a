import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.strengths import strengths_weaknesses

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")


def test_strengths_and_weaknesses_by_rank_among_units():
    scores = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0], "c": [2.0, np.nan, 3.0], "d": [1.0, 1.0, 1.0]},
        index=["u", "v", "w"],
    )
    # Ranks (1 = best): u: a3 b1 c2 d1; v: a2 b2 d1 (c missing); w: a1 b3 c1 d1.
    out = strengths_weaknesses(scores, k=2)
    assert out.loc["u", ["strength_1", "strength_2", "weakness_1", "weakness_2"]].tolist() == [
        "b",
        "d",
        "a",
        "c",
    ]
    assert out.loc["u", ["strength_1_rank", "weakness_1_rank"]].tolist() == [1, 3]
    # v has 3 scored columns → only one of each, never the same column.
    assert out.loc["v", ["strength_1", "weakness_1"]].tolist() == ["d", "b"]
    assert pd.isna(out.loc["v", "strength_2"]) and pd.isna(out.loc["v", "weakness_2_rank"])
    # w: ties (a, c, d all rank 1) keep column order for strengths, the tail for weaknesses.
    assert out.loc["w", ["strength_1", "strength_2", "weakness_1", "weakness_2"]].tolist() == [
        "a",
        "c",
        "b",
        "d",
    ]
    for unit in out.index:
        strengths = set(out.loc[unit, ["strength_1", "strength_2"]].dropna())
        weaknesses = set(out.loc[unit, ["weakness_1", "weakness_2"]].dropna())
        assert not strengths & weaknesses
