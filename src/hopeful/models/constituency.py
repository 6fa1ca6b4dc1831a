"""The July 2024 constituencies as counted areas: turnout and Reform UK's share at the 2024
general election, modelled from the small areas inside them, and Reform UK's share per town.

GE2024 votes were counted by constituency. As for Leave (`hopeful.models.leave`), an area
model relates each constituency's Reform UK share of valid votes to its population's make-up
(the LSOA features of `hopeful.models.area_features` summed to the constituency, so a town
piece gets the same measures); a town's estimate applies it to the town's own make-up and is
shifted, with the rest of each constituency, so that the parts weighted by their expected
voters add up to the counted result. Where Reform UK put up no candidate its count is 0, and so
is every piece's share there. The turnout model (valid votes / electorate) gives the expected
voters of any piece, for the Leave estimates too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import interim
from hopeful.errors import DataError
from hopeful.models import area_features
from hopeful.models.area_model import (
    REST,
    AreaModel,
    expected_voters,
    fit_area_model,
    main_region,
    pieces_of,
    town_estimates,
)
from hopeful.prepare import constituencies

__all__ = [
    "REFORM_COLUMNS",
    "constituency_areas",
    "fit_reform_model",
    "fit_turnout_model",
    "town_reform_estimates",
    "with_pcon24",
]

SEED = 20240704
N_DRAWS = 2000
REFERENCE_REGION = "South East"
REFORM_COLUMNS = {
    "point": "reform24_share_modelled",
    "p05": "reform24_share_modelled_p05",
    "p95": "reform24_share_modelled_p95",
}


def with_pcon24(interim_dir: Path, lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """The LSOA feature table with each LSOA's 2024 constituency (pcon24_code), placed by its
    centre point as in data/processed/town_constituencies.csv."""
    lookup, _ = constituencies.lsoa11_to_pcon24(interim_dir, lsoa_table["lsoa11_code"])
    return lsoa_table.merge(
        lookup[["lsoa11_code", "pcon24_code"]], on="lsoa11_code", how="left", validate="1:1"
    )


def constituency_areas(interim_dir: Path, lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """Every E&W 2024 constituency: features summed from its LSOAs (`lsoa_table` from
    `with_pcon24`), main region, GE2024 electorate, valid votes, turnout, Reform UK votes and
    share, and whether Reform UK stood."""
    features = area_features.aggregate_features(lsoa_table, "pcon24_code")
    features["region"] = features["pcon24_code"].map(main_region(lsoa_table, "pcon24_code"))
    votes = interim.read(interim_dir, "ge2024_results_constituencies")
    areas = votes.merge(features, on="pcon24_code", how="left", validate="one_to_one")
    if areas[list(area_features.FEATURES)].isna().any(axis=None):
        raise DataError(
            "a 2024 constituency holds no LSOA centre point",
            file=interim.raw_file("pcon24_boundaries"),
        )
    areas["turnout"] = areas["valid_votes"] / areas["electorate"]
    areas["reform_share"] = areas["reform_votes"] / areas["valid_votes"]
    areas["reform_stood"] = areas["reform_votes"] > 0
    return areas.sort_values("pcon24_code").reset_index(drop=True)


def fit_turnout_model(areas: pd.DataFrame, *, seed: int = SEED) -> AreaModel:
    """GE2024 turnout (valid votes / electorate) of every constituency on its features."""
    return fit_area_model(
        areas,
        tuple(area_features.FEATURES),
        outcome="turnout",
        weight="electorate",
        reference_region=REFERENCE_REGION,
        seed=seed,
    )


def fit_reform_model(areas: pd.DataFrame, *, seed: int = SEED) -> AreaModel:
    """Reform UK's GE2024 share of valid votes on the features, over the seats it contested."""
    return fit_area_model(
        areas[areas["reform_stood"]],
        tuple(area_features.FEATURES),
        outcome="reform_share",
        reference_region=REFERENCE_REGION,
        seed=seed,
    )


def town_reform_estimates(
    model: AreaModel,
    turnout_model: AreaModel,
    lsoa_table: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """One row per town with LSOAs (sorted by code): Reform UK's modelled 2024 share with a
    90 % interval (REFORM_COLUMNS). Pieces in seats Reform UK did not contest count 0 votes
    for it, so a town partly in one has its share scaled by its expected voters elsewhere.
    The residual per piece has the area model's residual SD (between constituencies)."""
    results = areas.set_index("pcon24_code")
    pieces = pieces_of(lsoa_table, "pcon24_code")
    voters = expected_voters(turnout_model, pieces, area="pcon24_code", turnout=results["turnout"])
    stood = pieces["pcon24_code"].map(results["reform_stood"]).to_numpy(bool)
    _, towns = town_estimates(
        model,
        pieces[stood].reset_index(drop=True),
        area="pcon24_code",
        target=results["reform_share"],
        weight=voters[stood],
        piece_sd=model.residual_sd,
        n_draws=n_draws,
        seed=seed,
    )
    in_town = pieces["town_code"] != REST
    total = pd.Series(voters).groupby(pieces["town_code"].to_numpy()).sum()
    contested = (
        pd.Series(np.where(stood, voters, 0.0)).groupby(pieces["town_code"].to_numpy()).sum()
    )
    codes = sorted(pieces.loc[in_town, "town_code"].astype(str).unique())
    factor = (contested / total).reindex(codes)
    out = towns.reindex(codes).fillna(0.0).mul(factor.to_numpy(), axis=0)
    return out.rename(columns=REFORM_COLUMNS).rename_axis("town_code").reset_index()
