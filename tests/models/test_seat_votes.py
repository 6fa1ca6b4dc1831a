"""Counted GE2024 seat shares as LSOA features: counted where counted, the declared fill from
adjoining seats where a party did not stand and in the Speaker's seat."""

from __future__ import annotations

import pandas as pd
import pytest

from hopeful import interim
from hopeful.errors import DataError
from hopeful.models import seat_votes
from hopeful.models.seat_votes import _from_neighbours


def test_fill_is_a_vote_weighted_mean_of_neighbours_ring_by_ring():
    shares = pd.DataFrame(
        {"valid_votes": [100.0, 300.0, 50.0, 80.0], "x": [0.2, 0.6, 0.0, 0.0]},
        index=["A", "B", "C", "D"],
    )
    # C adjoins A and B; D adjoins only C (a second ring)
    pairs = pd.DataFrame(
        {"pcon24_code": ["A", "B", "C", "C", "D"], "neighbour": ["C", "C", "A", "B", "C"]}
    )
    missing = pd.Series([False, False, True, True], index=shares.index)
    filled = _from_neighbours(shares, "x", missing, pairs)
    c = (0.2 * 100 + 0.6 * 300) / 400
    assert filled.tolist() == pytest.approx([0.2, 0.6, c, c])


def test_fill_without_any_counted_neighbour_fails():
    shares = pd.DataFrame({"valid_votes": [1.0, 1.0], "x": [0.1, 0.0]}, index=["A", "B"])
    pairs = pd.DataFrame({"pcon24_code": ["A"], "neighbour": ["A"]}).iloc[:0]
    with pytest.raises(DataError, match="within reach"):
        _from_neighbours(shares, "x", pd.Series([False, True], index=["A", "B"]), pairs)


@pytest.fixture(scope="module")
def shares(mirror_interim):
    return seat_votes.seat_shares(mirror_interim)


@pytest.mark.real_data("mirror")
def test_seat_shares_are_counted_where_counted(mirror_interim, shares):
    votes = interim.read(mirror_interim, "ge2024_results_constituencies").set_index("pcon24_code")
    assert len(shares) == 575 and shares.notna().all(axis=None)
    assert shares.gt(0).all(axis=None) and shares.lt(1).all(axis=None)
    stood = (votes["reform_votes"] > 0) & ~votes["speaker_seat"]
    counted = votes["reform_votes"] / votes["valid_votes"]
    pd.testing.assert_series_equal(
        shares.loc[stood.index[stood], "seat_reform24"], counted[stood], check_names=False
    )
    clacton = shares.loc[votes.index[votes["pcon24_name"] == "Clacton"][0]]
    assert clacton["seat_reform24"] == pytest.approx(21_225 / 45_958)
    # Reform UK left Cheltenham: the right's share there is the Conservatives' alone
    chelt = votes.index[votes["pcon24_name"] == "Cheltenham"][0]
    assert shares.loc[chelt, "seat_right24"] == pytest.approx(
        votes.loc[chelt, "con_votes"] / votes.loc[chelt, "valid_votes"]
    )


@pytest.mark.real_data("mirror")
def test_uncontested_and_speaker_seats_lie_within_their_neighbours(mirror_interim, shares):
    votes = interim.read(mirror_interim, "ge2024_results_constituencies").set_index("pcon24_code")
    pairs = seat_votes.adjoining_seats(mirror_interim)
    assert set(zip(pairs["pcon24_code"], pairs["neighbour"], strict=True)) == set(
        zip(pairs["neighbour"], pairs["pcon24_code"], strict=True)
    )  # adjoining is symmetric
    chorley = votes.index[votes["speaker_seat"]][0]
    near = pairs.loc[pairs["pcon24_code"] == chorley, "neighbour"]
    assert "South Ribble" in set(votes.loc[votes.index.intersection(near), "pcon24_name"])
    around = shares.loc[shares.index.intersection(near)]
    for column in seat_votes.VOTE_FEATURES:
        assert around[column].min() <= shares.loc[chorley, column] <= around[column].max()
    # Chorley's Green count is not its value: the fill replaces the Speaker's ballot
    assert shares.loc[chorley, "seat_ldgreen24"] != pytest.approx(
        votes.loc[chorley, "green_votes"] / votes.loc[chorley, "valid_votes"]
    )
    for seat in votes.index[(votes["reform_votes"] == 0) & ~votes["speaker_seat"]]:
        contested = pairs.loc[pairs["pcon24_code"] == seat, "neighbour"]
        contested = contested[contested.isin(votes.index[votes["reform_votes"] > 0])]
        if len(contested):  # Sheffield Central waits a ring: its neighbours are all filled
            values = shares.loc[contested, "seat_reform24"]
            assert values.min() <= shares.loc[seat, "seat_reform24"] <= values.max()


@pytest.mark.real_data("mirror")
def test_every_lsoa_carries_its_seat_shares(mirror_interim, lsoa_table, shares):
    from hopeful.models import constituency

    table = constituency.with_pcon24(mirror_interim, lsoa_table)
    out = seat_votes.with_seat_votes(mirror_interim, table)
    assert len(out) == len(table) and out[list(seat_votes.VOTE_FEATURES)].notna().all(axis=None)
    row = out.iloc[1234]
    assert row["seat_right24"] == shares.loc[row["pcon24_code"], "seat_right24"]
    with pytest.raises(DataError, match="no counted"):
        seat_votes.with_seat_votes(mirror_interim, table.assign(pcon24_code="S14000001"))
