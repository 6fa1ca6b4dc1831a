"""Reform UK 2024 per town and the shared calibration: expected voters reproduce counted
turnout, pieces add up to the count, seats Reform UK did not contest give 0, and the features
summed from LSOAs agree with the Census 2021 constituency profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from hopeful import interim
from hopeful.models import constituency
from hopeful.models.area_model import REST, expected_voters, fit_area_model, town_estimates


def _model_and_pieces(seed: int = 5):
    rng = np.random.default_rng(seed)
    n = 200
    areas = pd.DataFrame(
        {
            "a": rng.normal(0, 1, n),
            "region": rng.choice(["R1", "R2"], n),
            "votes": rng.integers(10_000, 50_000, n),
        }
    )
    areas["share"] = expit(-0.5 + 0.6 * areas["a"] + rng.normal(0, 0.05, n))
    model = fit_area_model(areas, ["a"], outcome="share", weight="votes",
                           reference_region="R1", seed=1)  # fmt: skip
    pieces = pd.DataFrame(
        {
            "area": ["P1", "P1", "P2", "P2", "P2"],
            "town_code": ["T1", REST, "T1", "T2", REST],
            "a": [1.5, -0.5, 0.0, -2.0, 0.3],
            "region": ["R1", "R1", "R2", "R2", "R2"],
            "adults_18plus": [1_000.0, 3_000.0, 500.0, 2_000.0, 2_500.0],
        }
    )
    return model, pieces


def test_expected_voters_reproduce_counted_turnout_and_follow_the_model():
    model, pieces = _model_and_pieces()
    turnout = pd.Series({"P1": 0.6, "P2": 0.5})
    voters = expected_voters(model, pieces, area="area", turnout=turnout)
    by_area = pd.Series(voters).groupby(pieces["area"]).sum()
    adults = pieces.groupby("area")["adults_18plus"].sum()
    np.testing.assert_allclose(by_area / adults, turnout.loc[by_area.index], atol=1e-12)
    rate = voters / pieces["adults_18plus"].to_numpy()
    assert rate[0] > rate[1]  # higher `a` predicts a higher rate in the same area


def test_town_estimates_add_up_to_each_count_in_every_draw_and_bracket_the_point():
    model, pieces = _model_and_pieces()
    target = pd.Series({"P1": 0.3, "P2": 0.45})
    weight = pieces["adults_18plus"].to_numpy() * np.array([0.5, 0.7, 0.6, 0.4, 0.6])
    out, towns = town_estimates(model, pieces, area="area", target=target, weight=weight,
                                piece_sd=0.1, n_draws=500, seed=3)  # fmt: skip
    got = (out["modelled"] * weight).groupby(out["area"]).sum() / pd.Series(weight).groupby(
        out["area"].to_numpy()
    ).sum()
    np.testing.assert_allclose(got.loc[["P1", "P2"]], target.loc[["P1", "P2"]], atol=1e-12)
    assert list(towns.index) == ["T1", "T2"]
    assert (towns["p05"] < towns["point"]).all() and (towns["point"] < towns["p95"]).all()
    t1 = out[out["town_code"] == "T1"]
    assert towns.loc["T1", "point"] == pytest.approx(
        np.average(t1["modelled"], weights=weight[t1.index])
    )


# ---------------------------------------------------------------- real data mirror


@pytest.fixture(scope="module")
def seats_and_table(mirror_interim, lsoa_table):
    table = constituency.with_pcon24(mirror_interim, lsoa_table)
    return constituency.constituency_areas(mirror_interim, table), table


def test_lsoa_sums_agree_with_the_census_constituency_profiles(mirror_interim, seats_and_table):
    seats, _ = seats_and_table
    assert len(seats) == 575 and seats["pcon24_code"].is_unique
    profile = interim.read(mirror_interim, "ge2024_census21_constituency_summaries")
    level4 = profile.set_index("pcon24_code")["level4_pct"].reindex(seats["pcon24_code"]) / 100
    ours = seats["share_degree"].to_numpy()
    # LSOA centre points approximate the boundaries: close, not equal
    assert np.corrcoef(ours, level4)[0, 1] > 0.98
    assert np.mean(np.abs(ours - level4.to_numpy())) < 0.02


def test_reform_towns_add_up_and_uncontested_seats_give_zero(mirror_interim, seats_and_table):
    seats, table = seats_and_table
    turnout = constituency.fit_turnout_model(seats)
    reform = constituency.fit_reform_model(seats)
    assert reform.n == int(seats["reform_stood"].sum()) < 575  # a few seats uncontested
    assert reform.cv_r2 > 0.6 and turnout.cv_r2 > 0.7
    towns = constituency.town_reform_estimates(reform, turnout, table, seats, n_draws=50)
    assert towns["town_code"].is_unique and len(towns) == 1177
    point = towns.set_index("town_code")
    cols = list(constituency.REFORM_COLUMNS.values())
    assert ((point[cols[1]] <= point[cols[0]]) & (point[cols[0]] <= point[cols[2]])).all()
    uncontested = set(seats.loc[~seats["reform_stood"], "pcon24_code"])
    parts = table.dropna(subset=["town_code"]).groupby("town_code")["pcon24_code"].agg(set)
    inside = [t for t, s in parts.items() if s <= uncontested]
    assert inside and (point.loc[inside, cols] == 0).all(axis=None)
    # a town that is most of a contested seat is near that seat's count
    measured = seats.set_index("pcon24_code")["reform_share"]
    one_seat = [t for t, s in parts.items() if len(s) == 1 and not s <= uncontested]
    gaps = [abs(point.loc[t, cols[0]] - measured[next(iter(parts[t]))]) for t in one_seat]
    assert np.median(gaps) < 0.05
