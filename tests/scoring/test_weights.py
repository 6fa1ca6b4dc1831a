import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.resilience_audit import effective_weights
from hopeful.scoring.weights import (
    balanced_weights,
    equal_weights,
    factor_weights,
    loading_weights,
    manual_weights,
    pca_weights,
)

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")
GROUPS = {"a": "x", "b": "x", "c": "y"}


def test_manual_weights_normalised_within_groups():
    w = manual_weights({"a": 1, "b": 3, "c": 2}, GROUPS)
    assert w.to_dict() == {"a": 0.25, "b": 0.75, "c": 1.0}
    assert w.groupby(pd.Series(GROUPS)).sum().tolist() == [1.0, 1.0]


def test_manual_weights_errors():
    with pytest.raises(ValueError, match="negative weight for: b"):
        manual_weights({"a": 1, "b": -1, "c": 2}, GROUPS)
    with pytest.raises(ValueError, match="sum to zero in group"):
        manual_weights({"a": 0, "b": 0, "c": 2}, GROUPS)
    with pytest.raises(ValueError, match="no weight for: c"):
        manual_weights({"a": 1, "b": 1}, GROUPS)


def test_equal_weights():
    assert equal_weights(GROUPS).to_dict() == {"a": 0.5, "b": 0.5, "c": 1.0}


def test_loading_weights_handbook_scheme():
    # Two components; a, b load on the first (explained variance 0.64 + 0.36 = 1),
    # c on the second (0.81 + 0.01 + 0.01... scaled squared loadings by hand below).
    loadings = np.array([[0.8, 0.1], [0.6, 0.1], [0.0, 0.9]])
    sq = loadings**2
    explained = sq.sum(axis=0)  # 1.0, 0.83
    expected = (
        np.array([sq[0, 0] / explained[0], sq[1, 0] / explained[0], sq[2, 1] / explained[1]])
        * explained[[0, 0, 1]]
        / explained.sum()
    )
    assert np.allclose(loading_weights(loadings), expected / expected.sum())
    assert loading_weights(loadings).sum() == pytest.approx(1.0)


def orthogonal() -> pd.DataFrame:
    # Exactly uncorrelated patterns: x1 = x2 (r = 1), x3 orthogonal to both (r = 0).
    a = np.array([1.0, -1.0, 1.0, -1.0])
    b = np.array([1.0, 1.0, -1.0, -1.0])
    return pd.DataFrame({"x1": a, "x2": a, "x3": b})


def test_pca_weights_known_answers():
    groups = dict.fromkeys(["x1", "x2", "x3"], "d")
    # Correlation eigenvalues are 2, 1, 0. Keeping only the first: loadings (1, 1, 0).
    assert pca_weights(orthogonal(), groups, min_eigenvalue=1.5).round(12).to_dict() == {
        "x1": 0.5,
        "x2": 0.5,
        "x3": 0.0,
    }
    # Keeping two: x1, x2 share factor 1 (variance 2), x3 has factor 2 (variance 1):
    # weights 0.5 * 2/3, 0.5 * 2/3, 1 * 1/3.
    both = pca_weights(orthogonal(), groups, min_eigenvalue=0.5)
    assert both.to_numpy() == pytest.approx([1 / 3, 1 / 3, 1 / 3])


def test_pca_and_factor_weights_favour_the_common_factor():
    rng = np.random.default_rng(1)
    f = rng.normal(size=400)
    data = pd.DataFrame(
        {
            "strong": f + 0.3 * rng.normal(size=400),
            "medium": f + 1.0 * rng.normal(size=400),
            "noise": rng.normal(size=400),
            "const": np.ones(400),
            "other": rng.normal(size=400),
        }
    )
    groups = {"strong": "d", "medium": "d", "noise": "d", "const": "d", "other": "e"}
    # With the Kaiser cut-off the pure-noise indicator would form a component of its own (and
    # earn a weight from it, as the Handbook scheme intends); keep one component here.
    one_pc = pca_weights(data, groups, min_eigenvalue=1.5)
    for weights in (one_pc, factor_weights(data, groups, n_factors=1)):
        assert weights[["strong", "medium", "noise", "const"]].sum() == pytest.approx(1.0)
        assert weights["other"] == 1.0  # a single-member group
        assert weights["const"] == 0.0
        assert (weights >= 0).all()
        assert weights["strong"] > weights["medium"] > weights["noise"]


def test_pca_weights_need_complete_rows():
    data = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [2.0, 1.0, 3.0], "c": [np.nan, 1.0, 2.0]})
    with pytest.raises(ValueError, match="fewer than 3 complete rows"):
        pca_weights(data, dict.fromkeys("abc", "d"))


def shares(scores: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Each column's share of the variance of the weighted mean, as the audit computes it."""
    index = scores @ weights
    return (weights * scores.apply(lambda c: c.cov(index))) / index.var()


def test_balanced_weights_reach_the_targets():
    """Domains of different variance, one moving with another, one running against the rest:
    nominal weights give them very different shares; balanced weights give the targets."""
    rng = np.random.default_rng(7)
    z = rng.normal(size=(400, 4))
    scores = pd.DataFrame(
        {
            "big": 30 * z[:, 0],
            "follower": 5 * z[:, 0] + 5 * z[:, 1],
            "small": 2 * z[:, 2],
            "against": -4 * z[:, 0] + 3 * z[:, 3],
        }
    )
    nominal = pd.Series(0.25, index=scores.columns)
    assert shares(scores, nominal).max() > 0.8  # the big domain takes over
    targets = pd.Series({"big": 1.0, "follower": 1.0, "small": 2.0, "against": 1.0})
    w = balanced_weights(scores, targets)
    assert (w > 0).all() and w.sum() == pytest.approx(1.0)
    assert shares(scores, w).to_numpy() == pytest.approx((targets / 5).to_numpy(), abs=1e-6)
    assert w["small"] > w["follower"] > w["big"]


def test_balanced_weights_keep_equal_weights_for_equal_independent_domains():
    a = np.array([1.0, -1.0, 1.0, -1.0])
    b = np.array([1.0, 1.0, -1.0, -1.0])  # orthogonal to a, same variance
    scores = pd.DataFrame({"a": a, "b": b, "c": a * b})
    w = balanced_weights(scores, dict.fromkeys("abc", 1.0))
    assert w.to_numpy() == pytest.approx([1 / 3] * 3)


def test_balanced_weights_match_the_audit(tmp_path):
    """The audit's effective weights of the weighted index equal the targets."""
    rng = np.random.default_rng(3)
    scores = pd.DataFrame(rng.normal(size=(50, 3)) * [1, 4, 9], columns=["d1", "d2", "d3"])
    scores["d2"] += scores["d3"]
    w = balanced_weights(scores, {"d1": 1, "d2": 2, "d3": 1})
    table = pd.DataFrame(
        {"parent": None, "effective_weight": w, "nominal_weight": w}, index=scores.columns
    )
    indicators = pd.DataFrame(
        {"domain": scores.columns, "effective_weight": w, "nominal_weight": w},
        index=scores.columns,
    )
    audit = effective_weights(scores, scores, scores @ w, indicators, table)
    domains = audit[audit["level"] == "domain"].set_index("code")["effective_weight"]
    assert domains.to_numpy() == pytest.approx([0.25, 0.5, 0.25], abs=1e-6)


@pytest.mark.parametrize(
    ("scores", "targets", "message"),
    [
        ({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]}, {"a": 1, "b": 1}, "no variance .* b"),
        ({"a": [1.0, 2.0, 4.0], "b": [4.0, 3.0, 1.0]}, {"a": 1, "b": 1}, "did not reach"),
        ({"a": [1.0, 2.0, 4.0], "b": [1.0, 3.0, 2.0]}, {"a": 1, "b": 0}, "positive target"),
        ({"a": [1.0, 2.0], "b": [1.0, 3.0]}, {"a": 1, "b": 1}, "at least 3 complete rows"),
    ],
)
def test_balanced_weights_errors(scores, targets, message):
    """A constant domain, or two that sum to a constant (no positive weights can give
    either a share of a variance that is 0), cannot be balanced."""
    with pytest.raises(ValueError, match=message):
        balanced_weights(pd.DataFrame(scores), targets, max_sweeps=200)
