"""Area characteristics: hand-computed aggregation and geography conversion, and facts about the
real data mirror (every LSOA in one 2016 counting area; counts conserved from LSOA 2021 to 2011)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful.load import read_rda
from hopeful.models import area_features
from hopeful.models.area_features import FEATURES, aggregate_features, to_lsoa11

MIRROR = Path(__file__).resolve().parents[3] / "shared" / "data" / "sources"


def test_to_lsoa11_sums_splits_and_shares_mergers():
    # A11 split into a21 + b21; B11 and C11 merged into c21 (each parent gets half).
    lookup = pd.DataFrame(
        {
            "lsoa11_code": ["A11", "A11", "B11", "C11"],
            "lsoa21_code": ["a21", "b21", "c21", "c21"],
        }
    )
    counts = pd.DataFrame(
        {"n": [10.0, 20.0, 30.0], "m": [1.0, 2.0, 4.0]}, index=["a21", "b21", "c21"]
    )
    got = to_lsoa11(counts, lookup)
    assert got.loc["A11"].tolist() == [30.0, 3.0]
    assert got.loc["B11"].tolist() == [15.0, 2.0]
    assert got.loc["C11"].tolist() == [15.0, 2.0]
    assert got.sum().tolist() == counts.sum().tolist()


def _synthetic_lsoas() -> pd.DataFrame:
    base = {name: [0.5, 0.5, 0.5] for name in FEATURES}
    frame = pd.DataFrame(base)
    frame["group"] = ["x", "x", "y"]
    frame["population"] = [100.0, 300.0, 50.0]
    frame["adults_18plus"] = [80.0, 200.0, 40.0]
    frame["residents21"] = [50.0, 150.0, 10.0]
    frame["households21"] = [40.0, 120.0, 20.0]
    frame["cob_residents"] = [60.0, 140.0, 10.0]
    frame["qual_residents_16plus"] = [90.0, 10.0, 30.0]
    frame["share_degree"] = [0.1, 0.9, 0.4]  # weighted by residents 16+ (Census 2021)
    frame["low_skills"] = [0.2, 0.6, 0.9]  # weighted by population
    frame["share_white"] = [1.0, 0.0, 0.3]  # weighted by residents21
    frame["share_owner_occupied"] = [0.5, 1.0, 0.1]  # weighted by households21
    return frame


def test_aggregate_features_weights_each_feature_by_its_denominator():
    got = aggregate_features(_synthetic_lsoas(), "group").set_index("group")
    assert got.loc["x", "low_skills"] == pytest.approx((100 * 0.2 + 300 * 0.6) / 400)  # 0.5
    assert got.loc["x", "share_white"] == pytest.approx(50 / 200)
    assert got.loc["x", "share_owner_occupied"] == pytest.approx((20 + 120) / 160)
    assert got.loc["x", "share_degree"] == pytest.approx((9 + 9) / 100)
    assert got.loc["x", "population"] == 400 and got.loc["x", "adults_18plus"] == 280
    assert got.loc["y", "low_skills"] == pytest.approx(0.9)


def test_aggregate_features_by_two_keys_drops_missing_keys():
    frame = _synthetic_lsoas().assign(part=["a", "b", None])
    got = aggregate_features(frame, ["group", "part"])
    assert got[["group", "part"]].values.tolist() == [["x", "a"], ["x", "b"]]
    assert got["low_skills"].tolist() == pytest.approx([0.2, 0.6])


# ---------------------------------------------------------------- real data mirror


def test_area_results_are_the_348_counting_areas_of_england_and_wales(mirror_interim):
    results = area_features.area_results(mirror_interim).set_index("area16_name")
    assert len(results) == 348  # 326 English districts + 22 Welsh
    assert results.loc["Boston", "leave_share"] == pytest.approx(0.7556, abs=5e-5)
    assert results.loc["Lambeth", "leave_share"] == pytest.approx(0.2138, abs=5e-5)
    assert results["leave"].sum() == 16_042_155 and results["valid_votes"].sum() == 30_062_176


def test_every_lsoa_lies_in_one_2016_counting_area(mirror_interim):
    lookup = area_features.lsoa11_to_area16(mirror_interim)
    assert len(lookup) == 34_753 and lookup["lsoa11_code"].is_unique
    assert lookup["area16_code"].nunique() == 348
    # Bournemouth, Christchurch and Poole (2019) splits back into its three 2016 districts.
    bcp = lookup[lookup["ltla21_code"] == "E06000058"]
    assert set(bcp["area16_code"]) == {"E06000028", "E06000029", "E07000048"}


def test_lsoa_features_conserve_census_counts(mirror_interim, lsoa_table):
    assert len(lsoa_table) == 34_753
    assert not lsoa_table[list(FEATURES)].isna().any().any()
    assert lsoa_table[list(FEATURES)].min().min() >= 0
    assert lsoa_table[list(FEATURES)].max().max() <= 1
    ethnicity = read_rda(MIRROR / "humaniverse-demographr" / "ethnicity21_lsoa21.rda")
    assert lsoa_table["residents21"].sum() == pytest.approx(ethnicity["n"].sum(), rel=1e-12)
    tenure = read_rda(MIRROR / "humaniverse-demographr" / "household_tenure21_lsoa21.rda")
    assert lsoa_table["households21"].sum() == pytest.approx(tenure["n"].sum(), rel=1e-12)
