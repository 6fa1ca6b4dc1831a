import math

import numpy as np
import pandas as pd
import pytest

from hopeful.clusters import PeerSettings
from hopeful.errors import DataError
from hopeful.peers import (
    better_peers,
    nearest_peers,
    peer_codes,
    peers_from_settings,
    standardise,
)

# A 3 x 3 grid: town "gXY" sits at (X, Y). Both features have SD sqrt(2/3), so one grid
# step is sqrt(3/2) = 1.2247 standard deviations.
GRID = pd.DataFrame(
    [(f"g{x}{y}", float(x), float(y)) for x in range(3) for y in range(3)],
    columns=["town_code", "x", "y"],
)
STEP = math.sqrt(1.5)


def peers_of(long: pd.DataFrame, code: str) -> list[str]:
    return long[long["town_code"] == code].sort_values("rank")["peer_code"].tolist()


def test_known_nearest_neighbours_on_a_grid_with_ties_by_code():
    long = nearest_peers(GRID, ["x", "y"], k=8)
    centre = long[long["town_code"] == "g11"]
    assert centre["peer_code"].tolist() == ["g01", "g10", "g12", "g21", "g00", "g02", "g20", "g22"]
    assert centre["rank"].tolist() == list(range(1, 9))
    assert centre["distance"].tolist() == pytest.approx([STEP] * 4 + [STEP * math.sqrt(2)] * 4)
    assert peers_of(nearest_peers(GRID, ["x", "y"], k=3), "g00") == ["g01", "g10", "g11"]


def test_excludes_itself_and_caps_k():
    long = nearest_peers(GRID, ["x", "y"], k=50)
    assert (long["town_code"] != long["peer_code"]).all()
    assert long.groupby("town_code").size().tolist() == [8] * 9
    assert long["town_code"].is_monotonic_increasing


def test_deterministic_whatever_the_row_order():
    shuffled = GRID.sample(frac=1.0, random_state=3)
    expected = nearest_peers(GRID, ["x", "y"], k=4)
    pd.testing.assert_frame_equal(nearest_peers(shuffled, ["x", "y"], k=4), expected)


def test_scaling_a_feature_does_not_change_peers():
    rng = np.random.default_rng(7)
    towns = pd.DataFrame(
        {"town_code": [f"t{i:02d}" for i in range(30)], "a": rng.normal(size=30),
         "b": rng.normal(size=30)}
    )  # fmt: skip
    base = nearest_peers(towns, ["a", "b"], k=5)
    scaled = nearest_peers(towns.assign(a=towns["a"] * 1000 + 7), ["a", "b"], k=5)
    pd.testing.assert_frame_equal(base, scaled)


def test_weights_and_category_penalties():
    only_x = nearest_peers(GRID, ["x", "y"], k=2, weights={"y": 0.0})
    assert peers_of(only_x, "g11") == ["g10", "g12"]  # same x, distance 0, by code
    assert only_x[only_x["town_code"] == "g11"]["distance"].tolist() == [0.0, 0.0]
    # Region "west" is the column x = 0; a penalty of inf keeps peers in the region.
    towns = GRID.assign(region=["west" if c[1] == "0" else "east" for c in GRID["town_code"]])
    fenced = nearest_peers(towns, ["x", "y"], k=8, categorical={"region": math.inf})
    assert peers_of(fenced, "g00") == ["g01", "g02"]
    # A penalty of 1 SD: g11 (another region, 1.73 + 1) falls behind g02 (same region, 2.45).
    soft = nearest_peers(towns, ["x", "y"], k=4, categorical={"region": 1.0})
    assert peers_of(soft, "g00") == ["g01", "g10", "g02", "g11"]
    assert soft[soft["town_code"] == "g00"]["distance"].tolist() == pytest.approx(
        [STEP, STEP + 1, 2 * STEP, STEP * math.sqrt(2) + 1]
    )
    assert peers_of(nearest_peers(towns, ["x", "y"], k=4), "g00") == ["g01", "g10", "g11", "g02"]


def test_missing_values_are_mean_imputed():
    towns = pd.DataFrame({"town_code": ["a", "b", "c", "d"], "x": [0.0, 2.0, None, 4.0]})
    z = standardise(towns, ["x"])
    # mean 2, SD sqrt(8/3) over the three known values; c sits at the mean.
    assert z[:, 0] == pytest.approx([-2 / math.sqrt(8 / 3), 0.0, 0.0, 2 / math.sqrt(8 / 3)])
    long = nearest_peers(towns, ["x"], k=1)
    assert peers_of(long, "c") == ["b"] and peers_of(long, "b") == ["c"]
    assert long[long["town_code"] == "c"]["distance"].iloc[0] == 0.0


def test_log_features_and_bad_input():
    towns = pd.DataFrame({"town_code": ["a", "b", "c"], "pop": [10.0, 100.0, 1000.0]})
    z = standardise(towns, ["pop"], log=["pop"])
    assert z[:, 0] == pytest.approx([-math.sqrt(1.5), 0.0, math.sqrt(1.5)])
    assert peers_of(nearest_peers(towns, ["pop"], k=1, log=["pop"]), "b") == ["a"]  # tie -> a
    assert peers_of(nearest_peers(towns, ["pop"], k=1), "b") == ["a"]  # 90 < 900
    with pytest.raises(DataError, match="column 'pop'.*<= 0"):
        standardise(towns.assign(pop=[0.0, 1.0, 2.0]), ["pop"], log=["pop"])
    with pytest.raises(DataError, match="duplicate town code"):
        nearest_peers(pd.concat([towns, towns.head(1)]), ["pop"])
    with pytest.raises(DataError, match="not in the towns table: area"):
        nearest_peers(towns, ["pop", "area"])


def test_peer_codes_join_in_rank_order():
    codes = peer_codes(nearest_peers(GRID, ["x", "y"], k=3)).set_index("town_code")["peer_codes"]
    assert codes["g00"] == "g01;g10;g11"
    assert codes["g22"] == "g12;g21;g11"


def test_better_peers_only_lists_strictly_better_scores():
    long = nearest_peers(GRID, ["x", "y"], k=8)
    scores = pd.Series({code: float(code[1]) for code in GRID["town_code"]})  # score = x
    got = better_peers(long, scores, n=3)
    centre = got[got["town_code"] == "g11"]
    assert centre["peer_code"].tolist() == ["g21", "g20", "g22"]  # x = 2 only, nearest first
    assert (got["peer_score"] > got["score"]).all()
    assert set(got["town_code"]) == {"g00", "g01", "g02", "g10", "g11", "g12"}  # x=2 have none
    assert got.groupby("town_code").size().max() == 3
    lower = better_peers(long, scores, n=2, higher_is_better=False)
    assert peers_of(lower, "g11") == ["g01", "g00"] and (lower["peer_score"] < lower["score"]).all()
    unscored = better_peers(long, scores.drop("g21"), n=1)
    assert peers_of(unscored, "g11") == ["g20"] and "g21" not in set(unscored["town_code"])


def test_peers_from_settings_uses_the_config():
    settings = PeerSettings(features=("x", "y"), k=2, weights=(("y", 0.0),))
    assert peers_of(peers_from_settings(GRID, settings), "g11") == ["g10", "g12"]


def test_chunked_distances_give_the_same_answer(monkeypatch):
    expected = nearest_peers(GRID, ["x", "y"], k=4)
    monkeypatch.setattr("hopeful.peers.CHUNK_CELLS", 20)  # two towns per block
    pd.testing.assert_frame_equal(nearest_peers(GRID, ["x", "y"], k=4), expected)
