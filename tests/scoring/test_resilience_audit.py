"""Banded indicators, effective weights, deprivation correlations and |r| pairs on synthetic
data with answers worked by hand."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.bands import band_distance
from hopeful.scoring.framework import FrameworkError, load_framework
from hopeful.scoring.pipeline import run
from hopeful.scoring.resilience_audit import (
    deprivation_correlations,
    effective_weights,
    redundant_pairs,
)

pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")

TWO_DOMAINS = """
[framework]
name = "two"

[[domain]]
code = "d1"
name = "One"

[[domain]]
code = "d2"
name = "Two"
weight = 3.0

[[indicator]]
code = "a"
name = "A"
domain = "d1"
direction = 1

[[indicator]]
code = "b"
name = "B"
domain = "d2"
direction = -1
{band}

[outliers]
enabled = false

[normalisation]
method = "zscore"
"""


def framework(tmp_path: Path, band: str = "") -> Path:
    path = tmp_path / "two.toml"
    path.write_text(TWO_DOMAINS.format(band=band), encoding="utf-8")
    return path


def test_band_distance_is_zero_inside_and_grows_outside():
    data = pd.DataFrame({"g": [-0.05, 0.0, 0.06, 0.12, 0.2, np.nan], "x": [1.0] * 6})
    got = band_distance(data, {"g": (0.0, 0.12), "absent": (0.0, 1.0)})
    assert got["g"].tolist()[:5] == pytest.approx([0.05, 0.0, 0.0, 0.0, 0.08])
    assert np.isnan(got["g"].iloc[5])
    assert got["x"].tolist() == [1.0] * 6  # unbanded columns untouched
    assert data["g"].iloc[0] == -0.05  # input not modified


def test_banded_indicator_in_the_pipeline(tmp_path):
    fw = load_framework(framework(tmp_path, "band = [0.0, 0.1]"))
    assert fw.bands() == {"b": (0.0, 0.1)}
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [-0.1, 0.05, 0.1, 0.3]},
                        index=list("pqrs"))  # fmt: skip
    result = run(data, fw)
    # b enters as its distance outside [0, 0.1]: 0.1, 0, 0, 0.2; direction -1 flips it.
    assert result.treated["b"].tolist() == pytest.approx([0.1, 0.0, 0.0, 0.2])
    assert result.normalised["b"].iloc[1] == result.normalised["b"].iloc[2]
    assert result.normalised["b"].idxmin() == "s"


@pytest.mark.parametrize(
    "band, message",
    [
        ("band = [0.2, 0.1]", "band must be \\[low, high\\]"),
        ("band = [0.0]", "band must be \\[low, high\\]"),
    ],
)
def test_bad_band(tmp_path, band, message):
    with pytest.raises(FrameworkError, match=rf"two.toml: \[\[indicator\]\] 'b': {message}"):
        load_framework(framework(tmp_path, band))


def test_banded_indicator_must_point_down(tmp_path):
    path = framework(tmp_path, "band = [0.0, 0.1]")
    path.write_text(path.read_text().replace("direction = -1", "direction = 1"))
    with pytest.raises(FrameworkError, match="direction must be -1"):
        load_framework(path)


def test_effective_weights_of_independent_domains(tmp_path):
    """Index = (1/4) d1 + (3/4) d2 with d1, d2 uncorrelated and of equal variance: the
    variance shares are w^2 / sum w^2 = 1/10 and 9/10, not the nominal 1/4 and 3/4."""
    a = np.array([1.0, -1.0, 1.0, -1.0])
    b = np.array([1.0, 1.0, -1.0, -1.0])  # orthogonal to a, same variance
    result = run(pd.DataFrame({"a": a, "b": b}, index=list("pqrs")), framework(tmp_path))
    table = effective_weights(
        result.normalised, result.domain_scores, result.index, result.weights,
        result.domain_weights,
    )  # fmt: skip
    table = table.set_index(["level", "code"])
    assert table.loc[("domain", "d1"), "nominal_weight"] == pytest.approx(0.25)
    assert table.loc[("domain", "d1"), "effective_weight"] == pytest.approx(0.1)
    assert table.loc[("domain", "d2"), "effective_weight"] == pytest.approx(0.9)
    for level in ("domain", "indicator"):
        assert table.loc[level, "effective_weight"].sum() == pytest.approx(1.0)


def test_effective_weights_share_out_correlated_domains(tmp_path):
    """Two perfectly correlated domains: each share equals its nominal weight."""
    a = np.array([1.0, 2.0, 4.0, 8.0])
    result = run(pd.DataFrame({"a": a, "b": -a}, index=list("pqrs")), framework(tmp_path))
    table = effective_weights(
        result.normalised, result.domain_scores, result.index, result.weights,
        result.domain_weights,
    ).set_index(["level", "code"])  # fmt: skip
    assert table.loc[("domain", "d1"), "effective_weight"] == pytest.approx(0.25)
    assert table.loc[("indicator", "b"), "effective_weight"] == pytest.approx(0.75)


def test_deprivation_correlations_per_nation_and_sign():
    units = [f"u{i}" for i in range(8)]
    nation = pd.Series(["England"] * 4 + ["Wales"] * 4, index=units)
    deprivation = pd.Series([1.0, 2, 3, 4, 1, 2, 3, 4], index=units)
    scores = pd.DataFrame(
        {
            "falls": [4.0, 3, 2, 1, 40, 30, 20, 10],  # worse where more deprived, both nations
            "flips": [4.0, 3, 2, 1, 1, 2, 3, 4],  # opposite signs in the two nations
        },
        index=units,
    )
    got = deprivation_correlations(
        {"index": scores[["falls"]].rename(columns={"falls": "index"}), "indicator": scores},
        deprivation,
        nation,
    ).set_index("code")
    assert list(got.columns) == ["kind", "rho_england", "rho_wales", "same_sign"]
    assert got.loc["falls", ["rho_england", "rho_wales"]].tolist() == [-1.0, -1.0]
    assert bool(got.loc["falls", "same_sign"]) and not bool(got.loc["flips", "same_sign"])
    assert got.loc["index", "kind"] == "index"


def test_redundant_pairs_within_a_nation_only():
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    group = pd.Series(["England"] * 150 + ["Wales"] * 50)
    noise = np.where(group == "Wales", 0.05, 3.0) * rng.normal(size=200)
    data = pd.DataFrame({"x": x, "y": x + noise, "z": rng.normal(size=200)})
    pairs = redundant_pairs(data, group)
    assert list(pairs.columns) == ["a", "b", "r_all", "r_england", "r_wales"]
    assert pairs[["a", "b"]].values.tolist() == [["x", "y"]]
    assert pairs.at[0, "r_wales"] > 0.9 > pairs.at[0, "r_all"]
    assert redundant_pairs(data[["x", "z"]], group).empty
