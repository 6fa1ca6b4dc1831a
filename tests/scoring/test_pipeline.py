from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hopeful.errors import DataError
from hopeful.scoring.framework import FrameworkError, load_framework
from hopeful.scoring.pipeline import run, unit_columns, weight_rows, weighting_scheme

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")

SMALL = Path(__file__).parent / "fixtures" / "framework_small.toml"

TINY = """
[framework]
name = "tiny"

[[domain]]
code = "econ"
name = "Economy"

[[domain]]
code = "health"
name = "Health"

[[indicator]]
code = "a"
name = "A"
domain = "econ"
direction = 1

[[indicator]]
code = "b"
name = "B"
domain = "econ"
direction = -1

[[indicator]]
code = "c"
name = "C"
domain = "health"
direction = 1

[screening]
min_indicator_share = 0.5
min_unit_share = 0.0

[imputation]
method = "none"

[outliers]
enabled = false
"""


def tiny(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY + extra, encoding="utf-8")
    return path


def tiny_data() -> pd.DataFrame:
    return pd.DataFrame(
        {"a": [0.0, 5.0, 10.0], "b": [2.0, 4.0, 6.0], "c": [1.0, 3.0, 2.0]},
        index=["E34000003", "E34000001", "E34000002"],
    )


def test_known_answer_end_to_end(tmp_path):
    result = run(tiny_data(), tiny(tmp_path))
    # minmax: a → 0, 50, 100; b (direction -1) → 100, 50, 0; c → 0, 100, 50.
    assert result.normalised["b"].tolist() == [100.0, 50.0, 0.0]
    assert result.domain_scores["econ"].tolist() == [50.0, 50.0, 50.0]
    assert result.index.tolist() == [25.0, 75.0, 50.0]
    assert result.ranks.tolist() == [3, 1, 2]
    assert result.deciles.tolist() == [10, 4, 7]  # ceil(10 * rank / 3)
    # E34000003 ranks 1st (tied) on econ and 3rd on health.
    assert result.strengths.loc["E34000003", ["strength_1", "weakness_1"]].tolist() == [
        "econ",
        "health",
    ]
    assert result.uncertainty is None

    flat = unit_columns(result)
    assert list(flat.index) == ["E34000001", "E34000002", "E34000003"]  # sorted by code
    assert list(flat.columns) == [
        "index_score",
        "index_rank",
        "index_rank_p05",
        "index_rank_median",
        "index_rank_p95",
        "index_decile",
        "domain_econ",
        "domain_health",
        "strength_1",
        "strength_2",
        "strength_3",
        "weakness_1",
        "weakness_2",
        "weakness_3",
    ]
    assert flat["index_rank"].tolist() == [1, 2, 3]
    assert flat["index_rank_p05"].isna().all()


def test_fixture_framework_with_uncertainty():
    rng = np.random.default_rng(5)
    fw = load_framework(SMALL)
    n = 120
    codes = [f"E34{i:06d}" for i in range(n)]
    data = pd.DataFrame(rng.normal(50, 10, size=(n, 7)), index=codes, columns=fw.indicator_codes)
    data = data.mask(rng.random(data.shape) < 0.05)
    data.iloc[0, 0] = 500.0  # an outlier to treat
    data["not_in_framework"] = "ignored"
    groups = pd.DataFrame(
        {
            "size_class": rng.choice(["small", "medium", "large"], n),
            "nation": rng.choice(["England", "Wales"], n),
        },
        index=codes,
    )
    result = run(data, fw, groups)
    assert result.outliers.loc["employment_rate", "treatment"] in {"winsorised", "log"}
    assert result.imputed.to_numpy().sum() == data[fw.indicator_codes].isna().to_numpy().sum()
    assert result.weights.groupby("domain")["weight"].sum().tolist() == pytest.approx(
        [1.0, 1.0, 1.0]
    )
    assert result.weights["effective_weight"].sum() == pytest.approx(1.0)
    assert result.domain_weights.loc["health", "effective_weight"] == pytest.approx(1 / 6)
    # The Monte Carlo's nominal model is the pipeline's own model.
    pd.testing.assert_series_equal(
        result.uncertainty.units["rank_nominal"], result.ranks, check_names=False
    )
    flat = unit_columns(result)
    assert {"index_rank_in_size_class", "index_rank_in_nation", "domain_wellbeing"} <= set(
        flat.columns
    )
    assert (flat["index_rank_p05"] <= flat["index_rank_median"]).all()
    assert (flat["index_rank_median"] <= flat["index_rank_p95"]).all()
    assert flat.groupby(groups["size_class"])["index_rank_in_size_class"].min().tolist() == [
        1,
        1,
        1,
    ]
    assert set(result.audit.summary.index) == {"economy", "health", "community", "wellbeing"}
    # Same inputs → identical outputs.
    pd.testing.assert_frame_equal(unit_columns(run(data, fw, groups)), flat)


def test_uncertainty_override_and_indicator_strengths(tmp_path):
    path = tiny(tmp_path, '\n[strengths]\nlevel = "indicator"\nk = 1\n[uncertainty]\ndraws = 20\n')
    result = run(tiny_data(), str(path), uncertainty=True)
    assert result.uncertainty is not None and len(result.uncertainty.draws) == 20
    assert result.strengths.loc["E34000003", "strength_1"] == "b"


def test_pca_weighting(tmp_path):
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(30, 3)), columns=list("abc"))
    result = run(data, tiny(tmp_path, '\n[weighting]\nscheme = "pca"\nmin_eigenvalue = 0.5\n'))
    assert result.weights.groupby("domain")["weight"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_screening_that_empties_a_domain_is_an_error(tmp_path):
    data = tiny_data().assign(c=[np.nan, np.nan, 1.0])
    with pytest.raises(DataError, match="screening dropped every indicator of domain 'health'"):
        run(data, tiny(tmp_path))


def test_group_columns_must_exist(tmp_path):
    path = tiny(tmp_path, '\n[ranking]\ngroups = ["size_class"]\n')
    with pytest.raises(FrameworkError, match="'size_class'.*not in the groups table"):
        run(tiny_data(), path)


def test_bad_indicator_data(tmp_path):
    with pytest.raises(DataError, match="column 'a': indicator is not numeric"):
        run(tiny_data().assign(a=["x", "1", "2"]), tiny(tmp_path))
    with pytest.raises(DataError, match="duplicate unit codes"):
        run(pd.concat([tiny_data(), tiny_data().iloc[:1]]), tiny(tmp_path))
    with pytest.raises(FrameworkError, match="'c': not a column"):
        run(tiny_data().drop(columns="c"), tiny(tmp_path))


def test_weighting_schemes_for_the_monte_carlo():
    fw = load_framework(SMALL)  # economy weighs 2; wellbeing holds health and community
    rng = np.random.default_rng(2)
    normalised = pd.DataFrame(rng.uniform(0, 100, size=(40, 7)), columns=fw.indicator_codes)
    hierarchy = fw.hierarchy()
    nominal = pd.Series(0.5, index=fw.indicator_codes)
    ind, dom = weighting_scheme("framework", fw, normalised, hierarchy, nominal)
    assert ind is nominal and dom.to_dict() == fw.domain_weights().to_dict()
    ind, dom = weighting_scheme("equal_domains", fw, normalised, hierarchy, nominal)
    assert set(dom) == {1.0}
    assert ind.groupby(pd.Series(hierarchy.indicator_domain)).sum().tolist() == pytest.approx(
        [1.0, 1.0, 1.0]
    )
    # every indicator weighs the same in the index: a domain weighs its indicators' count,
    # a parent domain all the indicators below it
    ind, dom = weighting_scheme("equal_indicators", fw, normalised, hierarchy, nominal)
    held = pd.Series(hierarchy.indicator_domain).value_counts()
    assert dom["economy"] == held["economy"]
    assert dom["wellbeing"] == held["health"] + held["community"]
    assert dom["health"] == held["health"]
    ind, dom = weighting_scheme("pca", fw, normalised, hierarchy, nominal)
    assert dom.to_dict() == fw.domain_weights().to_dict()
    applied = fw.domain_weights() * [3, 1, 1, 1]  # e.g. balanced domain weights
    for name in ("framework", "pca"):
        assert weighting_scheme(name, fw, normalised, hierarchy, nominal, applied)[1] is applied
    assert ind.groupby(pd.Series(hierarchy.indicator_domain)).sum().tolist() == pytest.approx(
        [1.0, 1.0, 1.0]
    )


def test_balanced_domain_weights(tmp_path):
    """Under domains = "balanced" each domain's share of the index variance equals its
    nominal share; the Monte Carlo's framework scheme samples around those weights."""
    rng = np.random.default_rng(5)
    data = pd.DataFrame(
        {"a": rng.normal(0, 1, 60), "b": rng.normal(0, 1, 60), "c": rng.normal(0, 1, 60)},
        index=[f"E34{i:06d}" for i in range(60)],
    )
    data["c"] = data["c"] ** 3  # a skewed health domain: its min-max scores vary less
    path = tiny(tmp_path)
    path.write_text(path.read_text().replace('name = "Health"', 'name = "Health"\nweight = 3.0'))
    nominal = run(data, path)
    path.write_text(path.read_text() + '\n[weighting]\ndomains = "balanced"\n')
    balanced = run(data, path)

    def shares(result):
        index, w = result.index, result.domain_weights["weight"]
        return (w * result.domain_scores.apply(lambda c: c.cov(index)) / index.var()).to_numpy()

    assert shares(nominal) != pytest.approx([0.25, 0.75], abs=0.01)
    assert shares(balanced) == pytest.approx([0.25, 0.75], abs=1e-6)
    table = balanced.domain_weights
    assert table["nominal_weight"].to_numpy() == pytest.approx([0.25, 0.75])
    assert table["effective_weight"].to_numpy() != pytest.approx([0.25, 0.75])
    assert nominal.domain_weights["weight"].to_numpy() == pytest.approx([0.25, 0.75])
    rows = weight_rows(balanced).set_index(["level", "code"])
    assert rows.loc[("domain", "health"), "weight"] == pytest.approx(table.at["health", "weight"])
    assert rows.loc[("indicator", "c"), "effective_weight"] == pytest.approx(
        table.at["health", "effective_weight"]
    )
    assert rows.loc[("indicator", "c"), "nominal_weight"] == pytest.approx(0.75)
