"""How good are the modelled town votes below the level they were counted at?

Three checks, none of which fits anything to the figures it is judged against:

- `cv_table`: each area model's out-of-sample fit with random folds and with spatially
  blocked folds (blocks of neighbouring areas held out together, so spatially correlated
  errors cannot flatter the fit);
- `within_authority`: the 2016 districts that were merged into larger authorities by 2021
  (Dorset, Buckinghamshire, Suffolk, ...) were counted separately. Held out of the fit, each
  merged authority's total is shared out to its districts exactly as a town's authority total
  is shared out to the town; their counted results measure the error and its spread on the
  logit scale, the within-authority SD that town intervals use;
- `leave_validation`: towns that make up at least half of their 2024 constituency against
  Hanretty's published constituency estimate of Leave, with the authority result (what one
  would say without a model) beside the modelled figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from hopeful import interim
from hopeful.models.area_model import (
    AreaModel,
    calibrate_offsets,
    expected_voters,
    fit_area_model,
    out_of_fold,
    random_folds,
    spatial_folds,
    weighted_r2,
)

__all__ = [
    "DOMINANT_SHARE",
    "centres",
    "cv_table",
    "leave_validation",
    "scores",
    "within_authority",
]

N_BLOCKS = 10
DOMINANT_SHARE = 0.5  # a town at least this share of its constituency's residents


def centres(interim_dir: Path, lsoa_table: pd.DataFrame, area: str) -> pd.DataFrame:
    """Each area's population-weighted centre (easting, northing; EPSG:27700) from its LSOAs'
    centre points."""
    points = interim.read(interim_dir, "lsoa_centres_latlong").set_index("lsoa_code")
    frame = lsoa_table[["lsoa11_code", area, "population"]].join(
        points[["easting", "northing"]], on="lsoa11_code"
    )
    weight = frame["population"]
    sums = (frame[["easting", "northing"]].mul(weight, axis=0)).groupby(frame[area]).sum()
    return sums.div(weight.groupby(frame[area]).sum(), axis=0)


def scores(y: np.ndarray, predicted: np.ndarray, weight: np.ndarray) -> dict:
    """R2 and RMSE (points) weighted by `weight`, the unweighted mean absolute difference
    (points) and the root mean square of the errors on the logit scale."""
    gap = predicted - y
    return {
        "r2": weighted_r2(y, predicted, weight),
        "rmse_points": 100 * float(np.sqrt(np.average(gap**2, weights=weight))),
        "mad_points": 100 * float(np.mean(np.abs(gap))),
        "logit_sd": float(np.sqrt(np.mean((logit(y) - logit(predicted)) ** 2))),
    }


def cv_table(
    models: dict[str, tuple[AreaModel, str]], where: pd.DataFrame, *, seed: int
) -> pd.DataFrame:
    """In-sample, random 10-fold and spatially blocked 10-fold fit of each named model.

    `models`: name -> (fitted model, the key column of its areas); `where`: centres (easting, northing) indexed by area code. R2 and RMSE are weighted
    by the model's weight (votes); the mean absolute difference is unweighted, in points.
    """
    rows = []
    for name, (model, key) in models.items():
        frame = model.areas
        y = frame[model.outcome].to_numpy(float)
        w = frame[model.weight].to_numpy(float)
        x = model.design(frame)
        xy = where.loc[frame[key]]
        schemes = {
            "in sample": (None, frame["fitted"].to_numpy()),
            "random folds": (random_folds(len(y), seed=seed), None),
            "spatial blocks": (
                spatial_folds(
                    xy["easting"].to_numpy(), xy["northing"].to_numpy(), folds=N_BLOCKS, seed=seed
                ),
                None,
            ),  # fmt: skip
        }
        for scheme, (labels, fitted) in schemes.items():
            predicted = fitted if labels is None else out_of_fold(y, x, w, labels)
            rows.append(
                {
                    "model": name,
                    "scheme": scheme,
                    "folds": 1 if labels is None else int(labels.max() + 1),
                    "n": len(y),
                    **scores(y, predicted, w),
                }
            )
    return pd.DataFrame(rows)


def within_authority(
    areas: pd.DataFrame,
    lsoa_table: pd.DataFrame,
    turnout_model: AreaModel | None,
    *,
    features: tuple[str, ...],
    reference_region: str,
    seed: int,
) -> tuple[pd.DataFrame, float]:
    """Districts of 2016 inside a 2021 authority that merged several: counted, modelled and
    baseline Leave shares, and the within-authority SD of the modelled error (logit scale).

    The model (`features`) is refitted without these districts; each merged authority's counted total is
    shared out to its districts by the same calibration (weights: expected voters when a
    turnout model is given, else adults). The baseline gives every district the merged total.
    """
    ltla = lsoa_table.drop_duplicates("area16_code").set_index("area16_code")["ltla21_code"]
    frame = areas.assign(ltla21_code=areas["area16_code"].map(ltla))
    merged = frame.groupby("ltla21_code")["area16_code"].transform("size") > 1
    model = fit_area_model(frame[~merged], features, reference_region=reference_region, seed=seed)
    held = frame[merged].reset_index(drop=True)
    codes = pd.Index(sorted(held["ltla21_code"].unique()))
    group = codes.get_indexer(held["ltla21_code"])
    votes = held.groupby("ltla21_code")[["leave", "valid_votes", "electorate"]].sum().loc[codes]
    if turnout_model is None:
        weight = held["adults_18plus"].to_numpy(float)
    else:
        turnout = votes["valid_votes"] / votes["electorate"]
        weight = expected_voters(turnout_model, held, area="ltla21_code", turnout=turnout)
    target = (votes["leave"] / votes["valid_votes"]).to_numpy()
    eta = model.predict_logit(held).to_numpy()
    modelled = expit(eta + calibrate_offsets(eta, weight, group, target)[0][group])
    out = held[["ltla21_code", "area16_code", "area16_name", "leave_share"]].assign(
        modelled=modelled, baseline=target[group]
    )
    error = logit(out["leave_share"]) - logit(out["modelled"])
    dof = len(out) - len(codes)  # one calibration offset per merged authority
    return out, float(np.sqrt(np.sum(error**2) / dof))


def leave_validation(
    estimates: dict[str, pd.Series],
    lsoa_table: pd.DataFrame,
    hanretty: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Towns at least DOMINANT_SHARE of their main 2024 constituency's residents (mid-2019),
    each estimator's figure against Hanretty's constituency Leave estimate (a fraction).

    `estimates`: label -> town Leave share by town_code; `lsoa_table` carries pcon24_code,
    town_code and population. Returns (the summary: estimator, n, r, mean absolute difference
    and its largest value in points; the towns compared).
    """
    people = lsoa_table.groupby("pcon24_code")["population"].sum()
    parts = (
        lsoa_table.dropna(subset=["town_code"])
        .groupby(["town_code", "pcon24_code"], as_index=False)["population"]
        .sum()
    )
    parts["town_code"] = parts["town_code"].astype(str)
    main = parts.sort_values(
        ["town_code", "population", "pcon24_code"], ascending=[True, False, True]
    ).drop_duplicates("town_code")
    main["share_of_constituency"] = main["population"] / main["pcon24_code"].map(people)
    towns = main[main["share_of_constituency"] >= DOMINANT_SHARE].set_index("town_code")
    towns["hanretty"] = towns["pcon24_code"].map(hanretty)
    rows = []
    for label, values in estimates.items():
        towns[label] = values.reindex(towns.index)
        gap = 100 * (towns[label] - towns["hanretty"]).abs()
        rows.append(
            {
                "estimator": label,
                "n_towns": int(gap.notna().sum()),
                "r": float(towns[label].corr(towns["hanretty"])),
                "mean_abs_diff_points": float(gap.mean()),
                "max_abs_diff_points": float(gap.max()),
            }
        )
    return pd.DataFrame(rows), towns.reset_index()
