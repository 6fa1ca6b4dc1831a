"""The 2016 EU referendum: an area model of the Leave share and modelled estimates for towns.

Votes were counted by local authority (2016 districts), never by town. The area model relates
each counting area's Leave share to its population's make-up; a town's estimate applies the
same relation to the town's own make-up and is then shifted, together with the rest of its
authority, so that the parts add up to the authority's measured result (docs/attitudes.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import atomic
from hopeful.errors import DataError
from hopeful.models import area_features
from hopeful.models.area_model import (
    COV_TYPE,
    N_FOLDS,
    REST,
    AreaModel,
    coefficient_table,
    expected_voters,
    fit_area_model,
    pieces_of,
    town_estimates,
)
from hopeful.prepare import geography

__all__ = [
    "area_pieces",
    "counting_areas",
    "fit_leave_model",
    "leave_statement",
    "model_summary",
    "save_model",
    "town_leave_estimates",
    "with_vote_features",
]

SEED = 20160623
N_DRAWS = 2000
REFERENCE_REGION = "South East"
# The Census features plus Reform UK's counted 2024 share in each LSOA's constituency
# (`hopeful.models.seat_votes`): candidate N of benchmarks/bench_leave_candidates.py, the one
# that predicted held-out blocks of authorities best (docs/attitudes.md).
LEAVE_FEATURES = (*area_features.FEATURES, "seat_reform24")
N_INFLUENTIAL = 10
JSON_DECIMALS = 6
METHOD = (
    "Fractional-logit (quasi-binomial) GLM of the Leave share of valid votes on z-scored area "
    "characteristics plus region fixed effects, variance weights = valid votes (scaled to mean "
    f"1), {COV_TYPE} robust standard errors; R2 on the share scale weighted by valid votes; "
    f"{N_FOLDS}-fold cross-validated R2 (seeded)."
)


def with_vote_features(interim_dir: Path, lsoa_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The LSOA feature table with what the Leave model needs beyond the Census features: each
    LSOA's 2024 constituency and its counted seat shares (added only where missing)."""
    from hopeful.models import constituency, seat_votes  # shapely: only where a model is fitted

    table = area_features.lsoa_features(interim_dir) if lsoa_table is None else lsoa_table
    if "pcon24_code" not in table.columns:
        table = constituency.with_pcon24(interim_dir, table)
    if not set(seat_votes.VOTE_FEATURES) <= set(table.columns):
        table = seat_votes.with_seat_votes(interim_dir, table)
    return table


def counting_areas(interim_dir: Path, lsoa_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every E&W 2016 counting area: measured result joined to its aggregated features."""
    table = with_vote_features(interim_dir, lsoa_table)
    features = area_features.aggregate_features(table, "area16_code")
    results = area_features.area_results(interim_dir)
    areas = results.merge(features, on="area16_code", how="left", validate="one_to_one")
    if areas[list(LEAVE_FEATURES)].isna().any(axis=None):
        raise DataError("a counting area has no LSOAs or lacks a feature")
    return areas


def fit_leave_model(
    interim_dir: Path,
    processed_dir: Path | None = None,
    *,
    lsoa_table: pd.DataFrame | None = None,
    seed: int = SEED,
) -> AreaModel:
    """Fit the area model of the 2016 Leave share; save models/leave_la.json when asked."""
    areas = counting_areas(interim_dir, lsoa_table)
    model = fit_area_model(areas, LEAVE_FEATURES, reference_region=REFERENCE_REGION, seed=seed)
    if processed_dir is not None:
        save_model(model, Path(processed_dir) / "models" / "leave_la.json")
    return model


def _rounded(value):
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else round(float(value), JSON_DECIMALS) + 0.0
    if isinstance(value, np.integer):
        return int(value)
    return value


def _descriptions() -> dict[str, tuple[str, str]]:
    from hopeful.models.seat_votes import VOTE_FEATURES

    return area_features.FEATURES | VOTE_FEATURES


def model_summary(model: AreaModel) -> dict:
    """The model as plain data: what leave_la.json holds."""
    table = coefficient_table(model.params, model.cov)
    areas = model.areas.sort_values("area16_code") if "area16_code" in model.areas else model.areas
    influential = model.areas.sort_values("cooks_d", ascending=False).head(N_INFLUENTIAL)
    id_columns = [c for c in ("area16_code", "area16_name") if c in model.areas]
    return {
        "method": METHOD,
        "outcome": "Leave / valid votes, 2016 EU referendum, counting areas in England and Wales",
        "n": model.n,
        "r2": model.r2,
        "cv_r2": model.cv_r2,
        "cv_folds": N_FOLDS,
        "seed": model.seed,
        "residual_sd_logit": model.residual_sd,
        "features": [
            {"name": name, "description": _descriptions().get(name, ("", ""))[1]}
            for name in model.features
        ],
        "feature_means": model.means.to_dict(),
        "feature_sds": model.sds.to_dict(),
        "regions": list(model.regions),
        "reference_region": model.regions[0],
        "standardised_coefficients": model.params[list(model.features)].to_dict(),
        "coefficients": table.to_dict(orient="index"),
        "per_unit_coefficients": (model.params[list(model.features)] / model.sds).to_dict(),
        "vif": model.vif.to_dict(),
        "influential_areas": [
            {
                **{c: str(row[c]) for c in id_columns},
                "cooks_d": row["cooks_d"],
                "residual": row["residual"],
            }
            for _, row in influential.iterrows()
        ],
        "residuals": [
            {
                **{c: str(row[c]) for c in id_columns},
                "fitted": row["fitted"],
                "observed": row["fitted"] + row["residual"],
                "residual_logit": row["residual_logit"],
            }
            for _, row in areas.iterrows()
        ],
    }


def save_model(model: AreaModel, path: Path) -> None:
    """Write the summary atomically; sorted keys and rounded floats keep it byte-stable."""
    text = json.dumps(_rounded(model_summary(model)), sort_keys=True, indent=2) + "\n"
    atomic.write_text(path, text)


# ---------------------------------------------------------------- towns


def area_pieces(
    model: AreaModel,
    interim_dir: Path,
    lsoa_table: pd.DataFrame,
    turnout_model: AreaModel | None = None,
) -> pd.DataFrame:
    """Each counting area cut into its towns and the rest, with modelled and adjusted shares
    (leave_share_model_only, leave_share_modelled) and the weight the adjustment used.

    Weights are expected voters: adults 18+ (mid-2019) times the turnout `turnout_model`
    predicts for the piece, calibrated to the area's referendum turnout; adults alone when no
    turnout model is given (every part of an authority turning out alike).
    """
    pieces = pieces_of(with_vote_features(interim_dir, lsoa_table), "area16_code")
    results = area_features.area_results(interim_dir).set_index("area16_code")
    pieces["region"] = pieces["area16_code"].map(results["region"])
    weight = _weights(pieces, results, turnout_model)
    out, _ = town_estimates(
        model, pieces, area="area16_code", target=results["leave_share"], weight=weight,
        piece_sd=0.0, n_draws=1, seed=SEED,
    )  # fmt: skip
    return out.rename(
        columns={
            "model_only": "leave_share_model_only",
            "modelled": "leave_share_modelled",
            "target": "leave_share_area16",
        }
    )


def _weights(
    pieces: pd.DataFrame, results: pd.DataFrame, turnout_model: AreaModel | None
) -> np.ndarray:
    if turnout_model is None:
        return pieces["adults_18plus"].to_numpy(float)
    turnout = results["valid_votes"] / results["electorate"]
    return expected_voters(turnout_model, pieces, area="area16_code", turnout=turnout)


def town_leave_estimates(
    model: AreaModel,
    interim_dir: Path,
    *,
    lsoa_table: pd.DataFrame | None = None,
    turnout_model: AreaModel | None = None,
    piece_sd: float | None = None,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """One row per town (sorted by code): modelled Leave share with a 90 % interval.

    The interval comes from `n_draws` seeded draws of the coefficients (robust covariance)
    plus an independent residual per piece with SD `piece_sd` (default: the area model's
    residual SD between authorities; `hopeful.models.validation.within_authority` estimates
    the spread within one), each draw re-adjusted to the measured authority results. Pieces
    are weighted by expected voters when a turnout model is given (`area_pieces`). Towns
    without LSOAs get missing values.
    """
    pieces = pieces_of(with_vote_features(interim_dir, lsoa_table), "area16_code")
    results = area_features.area_results(interim_dir).set_index("area16_code")
    pieces["region"] = pieces["area16_code"].map(results["region"])
    out, towns = town_estimates(
        model,
        pieces,
        area="area16_code",
        target=results["leave_share"],
        weight=_weights(pieces, results, turnout_model),
        piece_sd=model.residual_sd if piece_sd is None else piece_sd,
        n_draws=n_draws,
        seed=seed,
    )
    in_town = out[out["town_code"] != REST]
    main = (
        in_town.sort_values(
            ["town_code", "adults_18plus", "area16_code"], ascending=[True, False, True]
        )
        .drop_duplicates("town_code")
        .set_index("town_code")
    )
    adults = in_town.groupby("town_code")["adults_18plus"].sum()
    codes = towns.index
    estimates = pd.DataFrame(
        {
            "leave_share_modelled": towns["point"],
            "leave_share_modelled_p05": towns["p05"],
            "leave_share_modelled_p95": towns["p95"],
            "leave_area16_code": main["area16_code"].reindex(codes),
            "leave_share_area16": main["target"].reindex(codes),
            "leave_area16_coverage": (main["adults_18plus"] / adults).reindex(codes),
            "leave_region": main["region"].reindex(codes),
        },
        index=codes,
    )
    estimates["leave_area16_name"] = estimates["leave_area16_code"].map(results["area16_name"])
    universe = geography.town_universe(interim_dir)[["town_code"]].astype(str)
    out = universe.merge(estimates.reset_index(), on="town_code", how="left")
    return out.sort_values("town_code").reset_index(drop=True)


def leave_statement(town_row: Mapping, la_result: Mapping) -> str:
    """Report text that keeps the measured authority result apart from the modelled town.

    `town_row` carries town_name and the leave_share_modelled columns (and optionally
    leave_area16_coverage); `la_result` carries area16_name and leave_share (a row of
    `area_features.area_results`).
    """
    area = str(la_result["area16_name"])
    measured = (
        f"Measured: {area} voted {float(la_result['leave_share']):.1%} Leave in the 2016 EU "
        "referendum. Votes were counted for the whole local authority, not by town."
    )
    town = str(town_row["town_name"])
    estimate = town_row.get("leave_share_modelled")
    if estimate is None or pd.isna(estimate):
        return f"{measured} No modelled estimate is available for {town}."
    low = float(town_row["leave_share_modelled_p05"])
    high = float(town_row["leave_share_modelled_p95"])
    if high - low < 1e-9:
        return f"{measured} {town} makes up the whole counting area, so this is its own result."
    coverage = town_row.get("leave_area16_coverage")
    spans = (
        f" {town} spans more than one counting area; {float(coverage):.0%} of its adults live "
        f"in {area}."
        if coverage is not None and pd.notna(coverage) and float(coverage) < 0.995
        else ""
    )
    return (
        f"{measured} Modelled: an estimated {float(estimate):.0%} of {town}'s voters chose Leave "
        f"(90% interval {low:.0%} to {high:.0%}). This estimate is not a count: it "
        f"applies a model of how areas' age, skills, ethnicity, country of birth, deprivation, "
        f"housing and Reform UK vote in 2024 relate to their 2016 vote to {town}'s own "
        f"population and constituencies, then shifts it so that "
        f"{town} and the rest of {area} add up to the measured result.{spans}"
    )
