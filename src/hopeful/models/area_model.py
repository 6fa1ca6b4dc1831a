"""Area models and counted results shared out below the level they were counted at.

The machinery behind every modelled town estimate (2016 Leave, 2024 Reform UK): a
fractional-logit model of a share across counted areas (authorities, constituencies), its
cross-validation with random or spatially blocked folds, and the step that applies the model to
the pieces of each counted area (its towns and the rest) and shifts them on the logit scale so
that, weighted by their expected voters, they add up to the count (`calibrate_offsets`).
Town intervals come from seeded draws of the coefficients plus a residual per piece, each draw
re-adjusted to the counts (`town_estimates`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.vq import kmeans2
from scipy.special import expit, logit

from hopeful.errors import DataError
from hopeful.models import area_features

__all__ = [
    "REST",
    "AreaModel",
    "calibrate_offsets",
    "coefficient_table",
    "cross_validated_r2",
    "design_matrix",
    "expected_voters",
    "main_region",
    "pieces_of",
    "fit_area_model",
    "out_of_fold",
    "random_folds",
    "spatial_folds",
    "town_estimates",
    "weighted_r2",
]

N_FOLDS = 10
Z95 = 1.959963984540054
COV_TYPE = "HC1"
REST = "(rest of area)"


@dataclass(frozen=True)
class AreaModel:
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
    outcome: str  # the areas' columns of the share modelled and its weight
    weight: str

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
    # module through leave.py, and statsmodels would add about a second to its start.
    import statsmodels.api as sm

    model = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=weight / weight.mean())
    return model.fit(cov_type=COV_TYPE)


def weighted_r2(y: np.ndarray, fitted: np.ndarray, weight: np.ndarray) -> float:
    """R² with weights (electorates), as the model's fit is reported."""
    mean = np.average(y, weights=weight)
    return float(1 - np.sum(weight * (y - fitted) ** 2) / np.sum(weight * (y - mean) ** 2))


def random_folds(n: int, *, folds: int = N_FOLDS, seed: int) -> np.ndarray:
    """A fold label (0..folds-1) per area, assigned at random (seeded)."""
    order = np.random.default_rng(seed).permutation(n)
    labels = np.empty(n, dtype=int)
    for fold, test in enumerate(np.array_split(order, folds)):
        labels[test] = fold
    return labels


def spatial_folds(
    easting: np.ndarray, northing: np.ndarray, *, folds: int, seed: int
) -> np.ndarray:
    """A fold label per area from seeded k-means on the areas' centre points: each fold is a
    block of neighbouring areas, so a held-out area's neighbours are held out with it and
    spatially correlated residuals cannot leak from training into testing."""
    xy = np.column_stack([easting, northing]).astype(float)
    _, labels = kmeans2(xy, folds, seed=np.random.default_rng(seed), minit="++")
    return np.unique(labels, return_inverse=True)[1]


def out_of_fold(
    y: np.ndarray, x: pd.DataFrame, weight: np.ndarray, labels: np.ndarray
) -> np.ndarray:
    """Every area's prediction by a model fitted without its fold. A region column that is
    all zero in the training rows (a fold holding a whole region) is dropped and its effect
    taken as zero, the reference region's level (when the reference region itself is held
    out, the first remaining region becomes the reference)."""
    predicted = np.empty(len(y))
    for fold in np.unique(labels):
        test = labels == fold
        train = ~test
        regions = [c for c in x.columns if c.startswith("region[") and x.loc[train, c].any()]
        if regions and (x.loc[train, regions].sum(axis=1) == 1).all():
            regions = regions[1:]  # reference region held out: the next one stands in
        keep = [c for c in x.columns if not c.startswith("region[") or c in regions]
        fit = _glm(y[train], x.loc[train, keep], weight[train])
        predicted[test] = fit.predict(x.loc[test, keep])
    return predicted


def cross_validated_r2(
    y: np.ndarray, x: pd.DataFrame, weight: np.ndarray, *, folds: int, seed: int
) -> float:
    """Out-of-fold R2 over random folds: every area predicted by a model that never saw it."""
    predicted = out_of_fold(y, x, weight, random_folds(len(y), folds=folds, seed=seed))
    return weighted_r2(y, predicted, weight)


def fit_area_model(
    areas: pd.DataFrame,
    features: tuple[str, ...] | list[str],
    *,
    outcome: str = "leave_share",
    weight: str = "valid_votes",
    region: str = "region",
    reference_region: str,
    seed: int,
) -> AreaModel:
    """Fit the fractional-logit area model to any table of areas (one row each): `outcome`
    a share strictly between 0 and 1, `weight` its denominator (votes)."""
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
    return AreaModel(
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
        outcome=outcome,
        weight=weight,
    )


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


def pieces_of(lsoa_table: pd.DataFrame, area: str) -> pd.DataFrame:
    """Each counted area cut into its towns and the rest (town_code REST), with the features
    summed from their LSOAs and the region holding most of the area's adults."""
    table = lsoa_table.assign(town_code=lsoa_table["town_code"].astype("string").fillna(REST))
    out = area_features.aggregate_features(table, [area, "town_code"])
    out["region"] = out[area].map(main_region(lsoa_table, area))
    return out


def main_region(lsoa_table: pd.DataFrame, area: str) -> pd.Series:
    """The region holding most of each area's adults (ties: the first name), by area code."""
    adults = lsoa_table.groupby([area, "region"], as_index=False)["adults_18plus"].sum()
    adults = adults.sort_values([area, "adults_18plus", "region"], ascending=[True, False, True])
    return adults.drop_duplicates(area).set_index(area)["region"]


def expected_voters(
    turnout_model: AreaModel, pieces: pd.DataFrame, *, area: str, turnout: pd.Series
) -> np.ndarray:
    """Each piece's adults times its modelled turnout, the turnout shifted on the logit scale
    so that each area's pieces together reproduce its counted turnout (`turnout` by area
    code). Parts of an area whose make-up predicts a lower turnout (younger, more deprived,
    fewer citizens) so weigh less in the area's result than their adults alone would."""
    codes = pd.Index(sorted(pieces[area].unique()))
    group = codes.get_indexer(pieces[area])
    adults = pieces["adults_18plus"].to_numpy(float)
    eta = turnout_model.predict_logit(pieces).to_numpy()
    offsets = calibrate_offsets(eta, adults, group, turnout.loc[codes].to_numpy(float))[0]
    return adults * expit(eta + offsets[group])


def town_estimates(
    model: AreaModel,
    pieces: pd.DataFrame,
    *,
    area: str,
    target: pd.Series,
    weight: np.ndarray,
    piece_sd: float,
    n_draws: int,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Calibrated shares of every piece (a town or the rest, within one counted area) and
    each town's share with a 90 % interval.

    `pieces`: one row per (area, town_code) with the model's features and region (the rest of
    an area has town_code REST); `target`: the counted share per area code; `weight`: each
    piece's expected voters. Returns (pieces with eta, offset, model_only and modelled share;
    towns indexed by town_code with point, p05, p95). The interval draws the coefficients
    (robust covariance) and an independent residual per piece with SD `piece_sd`, then
    re-adjusts every draw to the counts, so a town that is its whole area has no interval.
    """
    codes = pd.Index(sorted(pieces[area].unique()))
    group = codes.get_indexer(pieces[area])
    goal = target.loc[codes].to_numpy(float)
    x = model.design(pieces).to_numpy()
    eta = x @ model.params.to_numpy()
    offsets = calibrate_offsets(eta, weight, group, goal)[0]
    out = pieces.assign(
        eta=eta,
        offset=offsets[group],
        model_only=expit(eta),
        modelled=expit(eta + offsets[group]),
        target=goal[group],
        weight=weight,
    )
    rng = np.random.default_rng(seed)
    betas = rng.multivariate_normal(model.params.to_numpy(), model.cov.to_numpy(), size=n_draws)
    eta_draws = betas @ x.T + rng.normal(0.0, piece_sd, size=(n_draws, len(pieces)))
    draws = expit(eta_draws + calibrate_offsets(eta_draws, weight, group, goal)[:, group])

    in_town = (pieces["town_code"] != REST).to_numpy()
    towns = pieces.loc[in_town, "town_code"].astype(str).to_numpy()
    town_codes = pd.Index(sorted(set(towns)), name="town_code")
    member = np.zeros((in_town.sum(), len(town_codes)))
    member[np.arange(in_town.sum()), town_codes.get_indexer(towns)] = 1.0
    w_town = weight[in_town][:, None] * member
    w_town /= w_town.sum(axis=0, keepdims=True)
    sampled = draws[:, in_town] @ w_town
    estimates = pd.DataFrame(
        {
            "point": out.loc[in_town, "modelled"].to_numpy() @ w_town,
            "p05": np.quantile(sampled, 0.05, axis=0),
            "p95": np.quantile(sampled, 0.95, axis=0),
        },
        index=town_codes,
    )
    return out, estimates
