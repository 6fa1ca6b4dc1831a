import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.aggregate import Hierarchy, aggregate_hierarchy
from hopeful.scoring.audit import audit, cronbach_alpha, pca_structure

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")


def test_cronbach_alpha_known_answer():
    # Item variances 1 and 1; totals 2, 5, 5 have variance 3: alpha = 2 (1 - 2/3).
    items = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 3.0, 2.0]})
    assert cronbach_alpha(items) == pytest.approx(2 / 3)
    assert cronbach_alpha(
        pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0]})
    ) == pytest.approx(1)
    assert np.isnan(cronbach_alpha(items[["a"]]))
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1.0, 1.0], "b": [2.0, 2.0]})))


def test_pca_structure_known_answer():
    a = np.array([1.0, -1.0, 1.0, -1.0])
    b = np.array([1.0, 1.0, -1.0, -1.0])
    pca = pca_structure(pd.DataFrame({"x1": a, "x2": -a, "x3": b, "k": np.ones(4)}))
    assert pca.eigenvalues.to_numpy() == pytest.approx([2.0, 1.0, 0.0], abs=1e-12)
    assert pca.variance_share.to_numpy() == pytest.approx([2 / 3, 1 / 3, 0.0], abs=1e-12)
    assert abs(pca.loadings.loc["x1", "PC1"]) == pytest.approx(1.0)
    assert pca.loadings.loc["x1", "PC1"] == pytest.approx(-pca.loadings.loc["x2", "PC1"])
    assert pca.loadings.loc["k"].isna().all()  # constant: left out


def test_audit_tables():
    rng = np.random.default_rng(2)
    f = rng.normal(size=50)
    data = pd.DataFrame(
        {"a": f + rng.normal(size=50), "b": f + rng.normal(size=50), "c": rng.normal(size=50)}
    )
    h = Hierarchy({"a": "d1", "b": "d1", "c": "d2"}, {"d1": "top", "d2": "top", "top": None})
    domains, index = aggregate_hierarchy(
        data, h, dict.fromkeys("abc", 1.0), dict.fromkeys(["d1", "d2", "top"], 1.0)
    )
    result = audit(data, domains, index, h)
    assert result.summary.loc["d1", "n_members"] == 2
    assert result.summary.loc["top", "n_members"] == 2  # its sub-domains
    assert result.indicator_correlations.loc["c", "corr_domain"] == pytest.approx(1.0)
    assert result.indicator_correlations.loc["a", "corr_index"] == pytest.approx(
        data["a"].corr(index)
    )
    assert result.summary.loc["d1", "cronbach_alpha"] == pytest.approx(
        cronbach_alpha(data[["a", "b"]])
    )
    assert list(result.domain_correlations.columns) == ["d1", "d2", "top", "index"]
    assert result.within["d1"].loc["a", "b"] == pytest.approx(data["a"].corr(data["b"]))
    assert result.summary.loc["top", "corr_index"] == pytest.approx(1.0)
