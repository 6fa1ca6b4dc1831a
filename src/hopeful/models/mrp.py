"""Multilevel regression and post-stratification (MRP) of a poll to every town.

The regression is statsmodels' `BinomialBayesMixedGLM` fitted by variational Bayes: fixed
effects for the intercept, sex and z-scored town-level predictors (e.g. deprivation, the
modelled Leave share); random intercepts, each with its own estimated variance, for age band,
ethnicity, tenure, town and region. Random intercepts pool small groups towards the mean by
as much as the data say groups differ: a town with three respondents leans on its
predictors, a town with three hundred on its respondents. A categorical response (the six
identity tribes) is fitted as one binary model per category and renormalised within each
cell so the shares sum to one. Post-stratification weights each cell's probability by its
adults in the town's synthetic frame (`hopeful.models.poststrat`). Intervals come from seeded
draws of the coefficients' Laplace posterior given the fitted spreads; a town or region
absent from the poll draws its intercept from the fitted spread of intercepts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.linalg import solve_triangular
from scipy.special import expit
from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

from hopeful.errors import DataError
from hopeful.models.poll import levels, schema
from hopeful.models.poststrat import cells, frame_matrix

__all__ = ["CategoryFit", "MRPModel", "fit_mrp", "poststratify", "poststratify_cells"]

SEED = 20200801
N_DRAWS = 500
FE_PRIOR_SD = 3.0  # fixed effects: intercept, sex, z-scored predictors (logit scale)
VC_PRIOR_SD = 1.0  # log standard deviation of each random intercept
MAX_NEWTON = 50
DEMOGRAPHIC_GROUPS = ("age_band", "ethnicity", "tenure")
GROUPS = (*DEMOGRAPHIC_GROUPS, "area_code", "region")
MALE = "male"


@dataclass(frozen=True)
class CategoryFit:
    """One binary model: a Gaussian posterior for all coefficients given the fitted spreads."""

    fe_names: tuple[str, ...]
    re_levels: dict[str, tuple[str, ...]]  # levels seen in the poll, per group, in order
    mean: np.ndarray  # fixed effects, then each group's intercepts in GROUPS order
    precision_cholesky: np.ndarray  # lower Cholesky factor of the posterior precision
    log_sd_mean: dict[str, float]  # each group's log standard deviation (variational)
    log_sd_sd: dict[str, float]

    def slices(self) -> dict[str, slice]:
        """Where each group's intercepts sit in `mean`."""
        edges = np.cumsum([len(self.fe_names)] + [len(self.re_levels[g]) for g in GROUPS])
        return {g: slice(edges[i], edges[i + 1]) for i, g in enumerate(GROUPS)}

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, coefficients) draws from N(mean, precision^-1)."""
        z = rng.standard_normal((len(self.mean), n))
        return (self.mean[:, None] + solve_triangular(self.precision_cholesky.T, z)).T


@dataclass(frozen=True)
class MRPModel:
    """A fitted MRP model: response categories, predictors with their scaling, coefficients."""

    categories: tuple[str, ...]  # ('1',) for a binary response
    binary: bool
    predictors: tuple[str, ...]
    means: pd.Series
    sds: pd.Series
    fits: dict[str, CategoryFit]
    respondents: pd.Series  # respondents per town
    seed: int


def _predictors(areas: pd.DataFrame, predictors: tuple[str, ...], towns, means, sds) -> np.ndarray:
    missing = pd.Index(towns).difference(areas.index)
    if len(missing):
        raise DataError(f"town {missing[0]!r} has no area predictors or region", column="area_code")
    values = areas.loc[list(towns), list(predictors)].astype(float)
    if values.isna().any(axis=None):
        raise DataError("an area predictor is missing for a town in the poll or frame")
    return ((values - means) / sds).to_numpy()


def _hessian(x: sparse.csr_array, p: np.ndarray, prior_precision: np.ndarray) -> np.ndarray:
    """Negative Hessian of the log posterior of a logistic model with normal priors."""
    hessian = (x.T @ x.multiply((p * (1 - p))[:, None])).toarray()
    hessian[np.diag_indices_from(hessian)] += prior_precision
    return hessian


def _fit_category(y: np.ndarray, poll: pd.DataFrame, exog: pd.DataFrame, seed: int) -> CategoryFit:
    """Variational Bayes for the spreads, then a Laplace posterior for the coefficients.

    The mean-field variational posterior ignores the strong correlation between the
    intercept and the group intercepts (its intercept SD comes out ten times too small), so
    the coefficients' posterior is re-centred at the conditional mode given the fitted
    spreads and given the full inverse Hessian as its covariance, as lme4's glmer does.
    """
    blocks, ident, names = [], [], {}
    for g, group in enumerate(GROUPS):
        codes, uniques = pd.factorize(poll[group], sort=True)
        names[group] = tuple(str(u) for u in uniques)
        blocks.append(
            sparse.csr_array(
                (np.ones(len(codes)), (np.arange(len(codes)), codes)),
                shape=(len(codes), len(uniques)),
            )
        )
        ident += [g] * len(uniques)
    exog_vc = sparse.hstack(blocks, format="csr")
    ident = np.array(ident)
    model = BinomialBayesMixedGLM(y, exog, exog_vc, ident, vcp_p=VC_PRIOR_SD, fe_p=FE_PRIOR_SD)
    fit = model.fit_vb(rng=seed, fit_method="L-BFGS-B")
    log_sd = np.asarray(fit.vcp_mean)
    x = sparse.hstack([sparse.csr_array(exog.to_numpy(float)), exog_vc], format="csr")
    prior_precision = np.r_[np.full(exog.shape[1], FE_PRIOR_SD**-2.0), np.exp(-2.0 * log_sd[ident])]
    mean = np.r_[np.asarray(fit.fe_mean), np.asarray(fit.vc_mean)]
    for _ in range(MAX_NEWTON):
        p = expit(x @ mean)
        step = np.linalg.solve(
            _hessian(x, p, prior_precision), x.T @ (y - p) - prior_precision * mean
        )
        mean = mean + step
        if np.max(np.abs(step)) < 1e-9:
            break
    else:
        raise DataError("the MRP model's Laplace step did not converge")
    hessian = _hessian(x, expit(x @ mean), prior_precision)
    return CategoryFit(
        fe_names=tuple(exog.columns),
        re_levels=names,
        mean=mean,
        precision_cholesky=np.linalg.cholesky(hessian),
        log_sd_mean={g: float(fit.vcp_mean[i]) for i, g in enumerate(GROUPS)},
        log_sd_sd={g: float(fit.vcp_sd[i]) for i, g in enumerate(GROUPS)},
    )


def fit_mrp(
    poll: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    predictors: tuple[str, ...] | list[str] = (),
    categories: tuple[str, ...] | list[str] | None = None,
    seed: int = SEED,
) -> MRPModel:
    """Fit the multilevel regression to a validated poll (`poll.validate_poll`).

    `areas` is indexed by town_code with a `region` column and the `predictors`; it should
    cover every town that will be post-stratified, so that predictors are z-scored over them.
    """
    predictors = tuple(predictors)
    if "region" not in areas.columns:
        raise DataError("areas need a 'region' column", column="region")
    means = areas[list(predictors)].astype(float).mean()
    sds = areas[list(predictors)].astype(float).std(ddof=0).replace(0.0, 1.0)
    data = poll.assign(region=poll["area_code"].map(areas["region"]))
    if data["region"].isna().any():
        bad = data.loc[data["region"].isna(), "area_code"].iloc[0]
        raise DataError(f"town {bad!r} is not in the area table", column="area_code")
    exog = pd.DataFrame({"const": 1.0, "sex[male]": (data["sex"] == MALE).astype(float)})
    x = _predictors(areas, predictors, data["area_code"], means, sds)
    for j, name in enumerate(predictors):
        exog[name] = x[:, j]
    binary = pd.api.types.is_integer_dtype(data["response"])
    if binary:
        categories = ("1",)
        outcomes = {"1": data["response"].to_numpy(float)}
    else:
        present = set(data["response"])
        order = categories or [t for t in schema()["tribes"] if t in present] or sorted(present)
        categories = tuple(order)
        outcomes = {k: (data["response"] == k).to_numpy(float) for k in categories}
    fits = {k: _fit_category(y, data, exog, seed) for k, y in outcomes.items()}
    return MRPModel(
        categories=tuple(categories),
        binary=binary,
        predictors=predictors,
        means=means,
        sds=sds,
        fits=fits,
        respondents=data.groupby("area_code").size(),
        seed=seed,
    )


def poststratify_cells(probability: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Town shares: sum over cells of adults x probability, over the town's adults.

    `probability` is (towns, cells) or (draws, towns, cells); `counts` is (towns, cells).
    """
    total = counts.sum(axis=-1)
    if (total <= 0).any():
        raise DataError("a town has no adults in its post-stratification frame")
    return (probability * counts).sum(axis=-1) / total


def _effects(fit: CategoryFit, group: str, coefficients: np.ndarray, all_levels, rng) -> np.ndarray:
    """A group's intercepts for `all_levels`: the drawn posterior where the poll saw the level,
    a draw from the group's fitted spread where it did not."""
    where = pd.Index(fit.re_levels[group]).get_indexer(pd.Index(all_levels))
    sd = np.exp(fit.log_sd_mean[group] + fit.log_sd_sd[group] * rng.standard_normal())
    fresh = sd * rng.standard_normal(len(where))
    return np.where(where >= 0, coefficients[fit.slices()[group]][where], fresh)


def poststratify(
    model: MRPModel,
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Every town in `frame`: the estimated share for each category, its 90 % interval and
    the town's respondents. Long format, sorted by town then category order."""
    towns, counts = frame_matrix(frame)
    grid = cells()
    x = _predictors(areas, model.predictors, towns, model.means, model.sds)
    regions = areas.loc[list(towns), "region"].astype(str).to_numpy()
    region_levels = sorted(set(regions))
    region_index = pd.Index(region_levels).get_indexer(regions)
    cell_index = {g: pd.Index(levels(g)).get_indexer(grid[g]) for g in DEMOGRAPHIC_GROUPS}
    male = (grid["sex"] == MALE).to_numpy(float)
    rng = np.random.default_rng(seed)
    fits = [model.fits[k] for k in model.categories]
    coefficients = [fit.draw(n_draws, rng) for fit in fits]
    draws = np.empty((n_draws, len(fits), len(towns)))
    for s in range(n_draws):
        probabilities = []
        for fit, drawn in zip(fits, coefficients, strict=True):
            beta = drawn[s]
            cell_part = beta[1] * male
            for g in DEMOGRAPHIC_GROUPS:
                cell_part = cell_part + _effects(fit, g, beta, levels(g), rng)[cell_index[g]]
            town_part = (
                beta[0]
                + x @ beta[2 : len(fit.fe_names)]
                + _effects(fit, "area_code", beta, towns, rng)
                + _effects(fit, "region", beta, region_levels, rng)[region_index]
            )
            probabilities.append(expit(town_part[:, None] + cell_part[None, :]))
        stacked = np.stack(probabilities)
        if not model.binary:
            stacked = stacked / stacked.sum(axis=0, keepdims=True)
        draws[s] = poststratify_cells(stacked, counts)
    out = pd.DataFrame(
        {
            "town_code": np.tile(towns.to_numpy(), len(model.categories)),
            "category": np.repeat(model.categories, len(towns)),
            "estimate": draws.mean(axis=0).ravel(),
            "p05": np.quantile(draws, 0.05, axis=0).ravel(),
            "p95": np.quantile(draws, 0.95, axis=0).ravel(),
        }
    )
    out["n_respondents"] = out["town_code"].map(model.respondents).fillna(0).astype("int64")
    order = {k: i for i, k in enumerate(model.categories)}
    return (
        out.assign(_k=out["category"].map(order))
        .sort_values(["town_code", "_k"])
        .drop(columns="_k")
        .reset_index(drop=True)
    )
