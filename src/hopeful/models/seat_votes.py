"""Counted GE2024 votes as small-area features: each LSOA carries its 2024 constituency's
counted party shares (issue 13, item 3).

Census features tell the parts of an authority apart only by their make-up. The 2024 general
election was counted by constituency, a finer net than the 2016 counting areas in every
authority that spans several seats, so a constituency's counted shares carry real within-
authority variation in how places vote (Hanretty's own 2016 constituency estimates used UKIP's
2015 results in the same way). A counting area's, a town's or the rest of an authority's value
is the population-weighted mean of its LSOAs' seat shares (`area_features.aggregate_features`).

Declared handling where a share was not counted as a choice: in the 23 seats Reform UK did
not contest, its own share (`seat_reform24`) is the valid-vote-weighted mean over the adjoining
seats it contested (ring by ring where it left a whole city, Sheffield); the sums (`seat_right24`, `seat_ldgreen24`) are taken as counted there (a
party absent from the ballot gets 0, its voters' choice is in the other party's count). In the
Speaker's seat (Chorley: no Conservative, Labour, Liberal Democrat or Reform UK candidate)
every feature is the valid-vote-weighted mean over the adjoining seats.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from hopeful import interim
from hopeful.errors import DataError
from hopeful.prepare import constituencies

__all__ = ["VOTE_FEATURES", "adjoining_seats", "seat_shares", "with_seat_votes"]

# Polygons are generalised: seats whose outlines come within this distance adjoin.
ADJOIN_METRES = 200.0

# feature -> (its denominator column, what it measures); every one a share of valid votes.
VOTE_FEATURES: dict[str, tuple[str, str]] = {
    "seat_reform24": (
        "population",
        "Reform UK share of valid votes in the LSOA's July 2024 constituency (GE2024 count; "
        "where it did not stand, the adjoining seats it contested)",
    ),
    "seat_right24": (
        "population",
        "Reform UK + Conservative share of valid votes in the LSOA's 2024 constituency",
    ),
    "seat_ldgreen24": (
        "population",
        "Liberal Democrat + Green share of valid votes in the LSOA's 2024 constituency",
    ),
}


def adjoining_seats(interim_dir: Path) -> pd.DataFrame:
    """Pairs (pcon24_code, neighbour) of distinct 2024 constituencies whose (repaired)
    polygons come within ADJOIN_METRES of each other, sorted."""
    names, shapes = constituencies.polygons(interim_dir, "pcon24_boundaries")
    left, right = shapely.STRtree(shapes).query(shapes, predicate="dwithin", distance=ADJOIN_METRES)
    codes = names["pcon24_code"].to_numpy()
    pairs = pd.DataFrame({"pcon24_code": codes[left], "neighbour": codes[right]})
    pairs = pairs[pairs["pcon24_code"] != pairs["neighbour"]]
    return pairs.sort_values(["pcon24_code", "neighbour"]).reset_index(drop=True)


def _from_neighbours(
    shares: pd.DataFrame, column: str, missing: pd.Series, pairs: pd.DataFrame
) -> pd.Series:
    """`column` where it was counted; elsewhere the valid-vote-weighted mean over adjoining
    seats that have a value, filled ring by ring (a seat whose neighbours all lack one, such
    as Sheffield Central among the five Sheffield seats Reform UK left, waits a ring)."""
    values = shares[column].where(~missing)
    while values.isna().any():
        near = pairs[pairs["pcon24_code"].isin(values.index[values.isna()])]
        near = near.assign(value=near["neighbour"].map(values)).dropna(subset=["value"])
        if near.empty:
            raise DataError(
                f"seat(s) {sorted(values.index[values.isna()])[:5]} have no seat with a "
                f"counted {column} within reach",
                file=interim.raw_file("pcon24_boundaries"),
            )
        near = near.assign(votes=near["neighbour"].map(shares["valid_votes"]))
        near = near.assign(_w=near["value"] * near["votes"]).groupby("pcon24_code")
        values = values.fillna(near["_w"].sum() / near["votes"].sum())
    return values


def seat_shares(interim_dir: Path) -> pd.DataFrame:
    """Every E&W 2024 constituency (index pcon24_code, sorted) with its VOTE_FEATURES, under
    the declared handling of uncontested seats and the Speaker's seat (module docstring)."""
    votes = interim.read(interim_dir, "ge2024_results_constituencies").set_index("pcon24_code")
    votes = votes.sort_index()
    valid = votes["valid_votes"].astype(float)
    shares = pd.DataFrame(
        {
            "valid_votes": valid,
            "seat_reform24": votes["reform_votes"] / valid,
            "seat_right24": (votes["reform_votes"] + votes["con_votes"]) / valid,
            "seat_ldgreen24": (votes["ld_votes"] + votes["green_votes"]) / valid,
        }
    )
    pairs = adjoining_seats(interim_dir)
    speaker = votes["speaker_seat"].astype(bool)
    no_reform = speaker | (votes["reform_votes"] == 0)
    out = shares.assign(seat_reform24=_from_neighbours(shares, "seat_reform24", no_reform, pairs))
    for column in ("seat_right24", "seat_ldgreen24"):
        out[column] = _from_neighbours(out, column, speaker, pairs)
    return out[list(VOTE_FEATURES)]


def with_seat_votes(interim_dir: Path, lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """The LSOA table (with pcon24_code, from `constituency.with_pcon24`) plus its seat's
    VOTE_FEATURES."""
    shares = seat_shares(interim_dir)
    missing = ~lsoa_table["pcon24_code"].isin(shares.index)
    if missing.any():
        raise DataError(
            f"LSOA {lsoa_table.loc[missing, 'lsoa11_code'].iloc[0]!r} lies in no counted "
            "2024 constituency",
            file=interim.raw_file("ge2024_results_constituencies"),
        )
    values = shares.loc[lsoa_table["pcon24_code"].to_numpy()].to_numpy()
    return lsoa_table.assign(**dict(zip(VOTE_FEATURES, values.T, strict=True))).copy()
