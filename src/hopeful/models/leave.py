"""The 2016 EU referendum: an area model of the Leave share and modelled estimates for towns.

Votes were counted by local authority (2016 districts), never by town. The area model relates
each counting area's Leave share to its population's make-up; a town's estimate applies the
same relation to the town's own make-up and is then shifted, together with the rest of its
authority, so that the parts add up to the authority's measured result (docs/attitudes.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from hopeful import atomic
from hopeful.errors import DataError
from hopeful.models import area_features
from hopeful.prepare import geography

__all__ = [
    "LeaveModel",
    "area_pieces",
    "calibrate_offsets",
    "coefficient_table",
    "counting_areas",
    "cross_validated_r2",
    "design_matrix",
    "fit_area_model",
    "fit_leave_model",
    "leave_statement",
    "model_summary",
    "save_model",
    "town_leave_estimates",
    "weighted_r2",
]

SEED = 20160623
N_FOLDS = 10
N_DRAWS = 2000
Z95 = 1.959963984540054
REFERENCE_REGION = "South East"
COV_TYPE = "HC1"
N_INFLUENTIAL = 10
JSON_DECIMALS = 6
REST = "(rest of area)"
METHOD = (
    "Fractional-logit (quasi-binomial) GLM of the Leave share of valid votes on z-scored area "
    "characteristics plus region fixed effects, variance weights = valid votes (scaled to mean "
    f"1), {COV_TYPE} robust standard errors; R2 on the share scale weighted by valid votes; "
    f"{N_FOLDS}-fold cross-validated R2 (seeded)."
)


@dataclass(frozen=True)
class LeaveModel:
    """A fitted area model: everything needed to predict, report and save it."""

    features: tuple[str, ...]
    regions: tuple[str, ...]  # reference region first
    means: pd.Series  # feature means and SDs over areas: predictors are z-scored with them
    sds: pd.Series
    params: pd.Series  # const, features (per SD), region[...] on the logit scale
    cov: pd.DataFrame  # robust covariance of params
    n: int
    r2: float
    cv_r2: float
    residual_sd: float  # SD of area residuals on the logit scale
    areas: pd.DataFrame  # per area: outcome, weight, features, fitted, residuals, influence
    vif: pd.Series
    seed: int

    def design(self, frame: pd.DataFrame, region: str = "region") -> pd.DataFrame:
        """The model's design matrix for any areas with the features and a region."""
        return design_matrix(frame, self.features, self.regions, self.means, self.sds, region)

    def predict_logit(self, frame: pd.DataFrame, region: str = "region") -> pd.Series:
        return self.design(frame, region) @ self.params

    @property
    def standardised(self) -> pd.DataFrame:
        """Feature coefficients per SD (logit scale) with 95 % intervals, strongest first."""
        table = coefficient_table(self.params, self.cov).loc[list(self.features)]
        return table.reindex(table["estimate"].abs().sort_values(ascending=False).index)


def design_matrix(
    frame: pd.DataFrame,
    features: tuple[str, ...],
    regions: tuple[str, ...],
    means: pd.Series,
    sds: pd.Series,
    region: str = "region",
) -> pd.DataFrame:
    """const, z-scored features and one dummy per non-reference region."""
    unknown = ~frame[region].isin(regions)
    if unknown.any():
        raise DataError(f"region {frame[region][unknown].iloc[0]!r} is not in the model")
    out = pd.DataFrame({"const": 1.0}, index=frame.index)
    for name in features:
        out[name] = (frame[name].astype(float) - means[name]) / sds[name]
    for level in regions[1:]:
        out[f"region[{level}]"] = (frame[region] == level).astype(float)
    return out


def coefficient_table(params: pd.Series, cov: pd.DataFrame) -> pd.DataFrame:
    """Estimates with standard errors and 95% intervals from a fit's parameters and covariance."""
    se = np.sqrt(np.diag(cov.loc[params.index, params.index]))
    return pd.DataFrame(
        {
            "estimate": params,
            "se": se,
            "ci_low": params - Z95 * se,
            "ci_high": params + Z95 * se,
        },
        index=params.index,
    )


def _glm(y: np.ndarray, x: pd.DataFrame, weight: np.ndarray):
    # statsmodels is imported where a model is fitted: every town report kernel imports this
    # module for `leave_statement`, and statsmodels would add about a second to its start.
    import statsmodels.api as sm

    model = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=weight / weight.mean())
    return model.fit(cov_type=COV_TYPE)


def weighted_r2(y: np.ndarray, fitted: np.ndarray, weight: np.ndarray) -> float:
    """R² with weights (electorates), as the model's fit is reported."""
    mean = np.average(y, weights=weight)
    return float(1 - np.sum(weight * (y - fitted) ** 2) / np.sum(weight * (y - mean) ** 2))


def cross_validated_r2(
    y: np.ndarray, x: pd.DataFrame, weight: np.ndarray, *, folds: int, seed: int
) -> float:
    """Out-of-fold R2: every area predicted by a model that never saw it."""
    order = np.random.default_rng(seed).permutation(len(y))
    predicted = np.empty(len(y))
    for test in np.array_split(order, folds):
        train = np.setdiff1d(order, test)
        fit = _glm(y[train], x.iloc[train], weight[train])
        predicted[test] = fit.predict(x.iloc[test])
    return weighted_r2(y, predicted, weight)


def fit_area_model(
    areas: pd.DataFrame,
    features: tuple[str, ...] | list[str],
    *,
    outcome: str = "leave_share",
    weight: str = "valid_votes",
    region: str = "region",
    reference_region: str = REFERENCE_REGION,
    seed: int = SEED,
) -> LeaveModel:
    """Fit the fractional-logit area model to any table of areas (one row each)."""
    features = tuple(features)
    frame = areas.reset_index(drop=True)
    y = frame[outcome].to_numpy(float)
    if not ((y > 0) & (y < 1)).all():
        raise DataError(f"{outcome} must lie strictly between 0 and 1", column=outcome)
    w = frame[weight].to_numpy(float)
    present = sorted(frame[region].unique())
    reference = reference_region if reference_region in present else present[0]
    regions = (reference, *[r for r in present if r != reference])
    means = frame[list(features)].mean()
    sds = frame[list(features)].std(ddof=0)
    x = design_matrix(frame, features, regions, means, sds, region)
    fit = _glm(y, x, w)
    eta = np.asarray(x @ fit.params)
    fitted = expit(eta)
    residual_logit = logit(y) - eta
    influence = fit.get_influence()
    diagnostics = frame.assign(
        fitted=fitted,
        residual=y - fitted,
        residual_logit=residual_logit,
        cooks_d=np.asarray(influence.cooks_distance[0]),
        leverage=np.asarray(influence.hat_matrix_diag),
    )
    from statsmodels.stats.outliers_influence import variance_inflation_factor  # see _glm

    xv = x.to_numpy()
    vif = pd.Series(
        [variance_inflation_factor(xv, x.columns.get_loc(name)) for name in features],
        index=list(features),
    )
    return LeaveModel(
        features=features,
        regions=regions,
        means=means,
        sds=sds,
        params=fit.params,
        cov=fit.cov_params(),
        n=len(frame),
        r2=weighted_r2(y, fitted, w),
        cv_r2=cross_validated_r2(y, x, w, folds=N_FOLDS, seed=seed),
        residual_sd=float(np.sqrt(np.sum(residual_logit**2) / (len(y) - x.shape[1]))),
        areas=diagnostics,
        vif=vif,
        seed=seed,
    )


def counting_areas(interim_dir: Path, lsoa_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every E&W 2016 counting area: measured result joined to its aggregated features."""
    table = area_features.lsoa_features(interim_dir) if lsoa_table is None else lsoa_table
    features = area_features.aggregate_features(table, "area16_code")
    results = area_features.area_results(interim_dir)
    areas = results.merge(features, on="area16_code", how="left", validate="one_to_one")
    if areas[list(area_features.FEATURES)].isna().any(axis=None):
        raise DataError("a counting area has no LSOAs or lacks a feature")
    return areas


def fit_leave_model(
    interim_dir: Path,
    processed_dir: Path | None = None,
    *,
    lsoa_table: pd.DataFrame | None = None,
    seed: int = SEED,
) -> LeaveModel:
    """Fit the area model of the 2016 Leave share; save models/leave_la.json when asked."""
    areas = counting_areas(interim_dir, lsoa_table)
    model = fit_area_model(areas, tuple(area_features.FEATURES), seed=seed)
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


def model_summary(model: LeaveModel) -> dict:
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
            {"name": name, "description": area_features.FEATURES.get(name, ("", ""))[1]}
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


def save_model(model: LeaveModel, path: Path) -> None:
    """Write the summary atomically; sorted keys and rounded floats keep it byte-stable."""
    text = json.dumps(_rounded(model_summary(model)), sort_keys=True, indent=2) + "\n"
    atomic.write_text(path, text)


# ---------------------------------------------------------------- towns


def calibrate_offsets(
    eta: np.ndarray, weight: np.ndarray, group: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """Per-group logit shifts d so that sum(w * expit(eta + d[g])) / sum(w) = target[g].

    `eta` is (parts,) or (draws, parts); `group` gives each part's group index into `target`.
    The weighted share is increasing in d, so Newton's method from the logit of the gap
    converges; steps are capped for safety.
    """
    eta = np.atleast_2d(np.asarray(eta, float))
    group = np.asarray(group)
    n_groups = len(target)
    indicator = np.zeros((eta.shape[1], n_groups))
    indicator[np.arange(eta.shape[1]), group] = 1.0
    share = weight / (weight @ indicator)[group]
    weighted = indicator * share[:, None]
    mean_eta = eta @ weighted
    offsets = logit(target)[None, :] - mean_eta
    for _ in range(100):
        p = expit(eta + offsets[:, group])
        gap = p @ weighted - target[None, :]
        if np.max(np.abs(gap)) < 1e-13:
            return offsets
        slope = (p * (1 - p)) @ weighted
        offsets -= np.clip(gap / slope, -2.0, 2.0)
    raise DataError("the town adjustment did not converge")


def area_pieces(model: LeaveModel, interim_dir: Path, lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """Each counting area cut into its towns and the rest, with modelled and adjusted shares.

    Weights are adults 18+ (mid-2019), the electorate proxy below the authority level.
    """
    table = lsoa_table.assign(town_code=lsoa_table["town_code"].astype("string").fillna(REST))
    pieces = area_features.aggregate_features(table, ["area16_code", "town_code"])
    results = area_features.area_results(interim_dir).set_index("area16_code")
    pieces["region"] = pieces["area16_code"].map(results["region"])
    pieces["eta"] = model.predict_logit(pieces).to_numpy()
    codes = pd.Index(sorted(pieces["area16_code"].unique()))
    group = codes.get_indexer(pieces["area16_code"])
    target = results.loc[codes, "leave_share"].to_numpy(float)
    weight = pieces["adults_18plus"].to_numpy(float)
    offsets = calibrate_offsets(pieces["eta"].to_numpy(), weight, group, target)[0]
    pieces["offset"] = offsets[group]
    pieces["leave_share_model_only"] = expit(pieces["eta"])
    pieces["leave_share_modelled"] = expit(pieces["eta"] + pieces["offset"])
    pieces["leave_share_area16"] = target[group]
    return pieces


def town_leave_estimates(
    model: LeaveModel,
    interim_dir: Path,
    *,
    lsoa_table: pd.DataFrame | None = None,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """One row per town (sorted by code): modelled Leave share with a 90 % interval.

    The interval comes from `n_draws` seeded draws of the coefficients (robust covariance)
    plus an independent residual per piece with the area model's residual SD, each draw
    re-adjusted to the measured authority results. Towns without LSOAs get missing values.
    """
    table = area_features.lsoa_features(interim_dir) if lsoa_table is None else lsoa_table
    pieces = area_pieces(model, interim_dir, table)
    codes = pd.Index(sorted(pieces["area16_code"].unique()))
    group = codes.get_indexer(pieces["area16_code"])
    target = pieces.groupby("area16_code")["leave_share_area16"].first().loc[codes].to_numpy()
    weight = pieces["adults_18plus"].to_numpy(float)

    rng = np.random.default_rng(seed)
    x = model.design(pieces).to_numpy()
    betas = rng.multivariate_normal(model.params.to_numpy(), model.cov.to_numpy(), size=n_draws)
    eta = betas @ x.T + rng.normal(0.0, model.residual_sd, size=(n_draws, len(pieces)))
    draws = expit(eta + calibrate_offsets(eta, weight, group, target)[:, group])

    in_town = (pieces["town_code"] != REST).to_numpy()
    towns = pieces.loc[in_town, "town_code"].to_numpy()
    codes_town = pd.Index(sorted(set(towns)))
    member = np.zeros((in_town.sum(), len(codes_town)))
    member[np.arange(in_town.sum()), codes_town.get_indexer(towns)] = 1.0
    w_town = weight[in_town][:, None] * member
    w_town /= w_town.sum(axis=0, keepdims=True)
    point = pieces.loc[in_town, "leave_share_modelled"].to_numpy() @ w_town
    sampled = draws[:, in_town] @ w_town

    main = (
        pieces[in_town]
        .sort_values(["town_code", "adults_18plus", "area16_code"], ascending=[True, False, True])
        .drop_duplicates("town_code")
        .set_index("town_code")
    )
    adults = pieces[in_town].groupby("town_code")["adults_18plus"].sum()
    names = area_features.area_results(interim_dir).set_index("area16_code")["area16_name"]
    estimates = pd.DataFrame(
        {
            "leave_share_modelled": point,
            "leave_share_modelled_p05": np.quantile(sampled, 0.05, axis=0),
            "leave_share_modelled_p95": np.quantile(sampled, 0.95, axis=0),
            "leave_area16_code": main["area16_code"].reindex(codes_town).to_numpy(),
            "leave_share_area16": main["leave_share_area16"].reindex(codes_town).to_numpy(),
            "leave_area16_coverage": (main["adults_18plus"] / adults)
            .reindex(codes_town)
            .to_numpy(),
            "leave_region": main["region"].reindex(codes_town).to_numpy(),
        },
        index=codes_town.rename("town_code"),
    )
    estimates["leave_area16_name"] = estimates["leave_area16_code"].map(names)
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
        f"applies a model of how areas' age, skills, ethnicity, country of birth, deprivation "
        f"and housing relate to their vote to {town}'s own population, then shifts it so that "
        f"{town} and the rest of {area} add up to the measured result.{spans}"
    )
