"""Multilevel regression and post-stratification (MRP) of a poll to every town.

The regression (`hopeful.models.glmm`, a Laplace approximation as lme4's glmer, with the
area spread's uncertainty integrated out): fixed effects for the intercept, sex and z-scored
area-level predictors (e.g. deprivation, the modelled Leave share); random intercepts, each
with its own estimated variance, for age band, ethnicity, tenure, area and region. Random intercepts pool small groups towards the mean by
as much as the data say groups differ: a town with three respondents leans on its
predictors, a town with three hundred on its respondents. An area is a town or, for
respondents who live in no town, the rest of their region (`area_table`): they inform the
demographic effects, the predictors' slopes and their region, and are never
post-stratified.

A categorical response (the six identity tribes, ordered from most to least welcoming) is a
multinomial model in its continuation-ratio form (Agresti, Categorical Data Analysis, 2013,
8.3.4; Tutz's sequential model): stage k is the binary multilevel model of "answers
category k" among respondents who did not answer categories 1..k-1. The multinomial
likelihood factorises exactly into these stages, so fitting them separately is fitting the
multinomial, each stage with its own partially pooled town, region and demographic
intercepts; shares P(k) = q_k x prod_{j<k} (1 - q_j) sum to one by construction.

Post-stratification weights each cell's probability by its adults in the town's synthetic
frame (`hopeful.models.poststrat`). Intervals come from seeded draws of the coefficients'
Laplace posterior given the fitted spreads; a town or region absent from the poll draws its
intercept from the fitted spread of intercepts. The synthetic estimator (`synthetic=True`)
is the same model with every town intercept set to zero: predictors, region and
demographics only, the classic small-area baseline MRP must beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from hopeful.errors import DataError
from hopeful.models import area_features, glmm
from hopeful.models.poll import levels, schema
from hopeful.models.poststrat import cells, frame_matrix

__all__ = [
    "OUTSIDE_TOWNS",
    "CategoryFit",
    "MRPModel",
    "area_table",
    "fit_mrp",
    "poststratify",
    "poststratify_cells",
]

SEED = 20200801
N_DRAWS = 500
DEMOGRAPHIC_GROUPS = ("age_band", "ethnicity", "tenure")
DENSE_GROUPS = (*DEMOGRAPHIC_GROUPS, "region")  # few levels each; the area group is apart
MALE = "male"
OUTSIDE_TOWNS = "outside towns: "  # + region name: the area of respondents who live in no town


@dataclass(frozen=True)
class CategoryFit:
    """One binary model: its levels and the mixture posterior of its coefficients."""

    fe_names: tuple[str, ...]
    re_levels: dict[str, tuple[str, ...]]  # levels seen in the fit, per group, in order
    posterior: glmm.LaplaceFit

    def slices(self) -> dict[str, slice]:
        """Where the fixed effects and each dense group's intercepts sit in a dense draw."""
        sizes = [len(self.fe_names)] + [len(self.re_levels[g]) for g in DENSE_GROUPS]
        edges = np.r_[0, np.cumsum(sizes)]
        names = ("fixed", *DENSE_GROUPS)
        return {g: slice(edges[i], edges[i + 1]) for i, g in enumerate(names)}

    def group_sd(self, group: str) -> float:
        """The fitted standard deviation of a dense group's intercepts."""
        return float(np.exp(self.posterior.log_sd[DENSE_GROUPS.index(group)]))


@dataclass(frozen=True)
class MRPModel:
    """A fitted MRP model: response categories, predictors with their scaling, coefficients."""

    categories: tuple[str, ...]  # ('1',) for a binary response
    binary: bool  # else `fits` holds the continuation-ratio stages, one per category but the last
    predictors: tuple[str, ...]
    means: pd.Series
    sds: pd.Series
    fits: dict[str, CategoryFit]
    respondents: pd.Series  # respondents per area (towns and the rest of each region)


def _predictors(areas: pd.DataFrame, predictors: tuple[str, ...], towns, means, sds) -> np.ndarray:
    missing = pd.Index(towns).difference(areas.index)
    if len(missing):
        raise DataError(f"town {missing[0]!r} has no area predictors or region", column="area_code")
    values = areas.loc[list(towns), list(predictors)].astype(float)
    if values.isna().any(axis=None):
        raise DataError("an area predictor is missing for a town in the poll or frame")
    return ((values - means) / sds).to_numpy()


def _fit_category(y: np.ndarray, poll: pd.DataFrame, exog: pd.DataFrame) -> CategoryFit:
    """One binary multilevel model (`hopeful.models.glmm`): fixed effects `exog`, random
    intercepts for the dense groups and the area."""
    columns, groups, names = [exog.to_numpy(float)], [np.full(exog.shape[1], -1)], {}
    for g, group in enumerate(DENSE_GROUPS):
        codes, uniques = pd.factorize(poll[group], sort=True)
        names[group] = tuple(str(u) for u in uniques)
        columns.append(np.eye(len(uniques))[codes])
        groups.append(np.full(len(uniques), g))
    area, areas = pd.factorize(poll["area_code"], sort=True)
    names["area_code"] = tuple(str(u) for u in areas)
    posterior = glmm.fit_logistic(y, np.hstack(columns), np.concatenate(groups), area, len(areas))
    return CategoryFit(fe_names=tuple(exog.columns), re_levels=names, posterior=posterior)


def area_table(lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """Every town's predictors and region (`area_features.town_features`) and, for each
    region, the same features over its LSOAs in no town, coded OUTSIDE_TOWNS + region: the
    area of respondents who live outside every town."""
    towns = area_features.town_features(lsoa_table)
    rest = area_features.aggregate_features(lsoa_table[lsoa_table["town_code"].isna()], "region")
    rest.index = pd.Index(OUTSIDE_TOWNS + rest["region"].astype(str), name=towns.index.name)
    return pd.concat([towns, rest[towns.columns]])


def _areas_of(poll: pd.DataFrame) -> pd.Series:
    """Each respondent's area: the town, or OUTSIDE_TOWNS + region for no town."""
    area = poll["area_code"].astype("string")
    if "region" in poll.columns:
        area = area.fillna(OUTSIDE_TOWNS + poll["region"].astype("string"))
    if area.isna().any():
        raise DataError("a respondent has neither a town nor a region", column="area_code")
    return area.astype(str)


def fit_mrp(
    poll: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    predictors: tuple[str, ...] | list[str] = (),
    categories: tuple[str, ...] | list[str] | None = None,
) -> MRPModel:
    """Fit the multilevel regression to a validated poll (`poll.validate_poll`).

    `areas` is indexed by area code with a `region` column and the `predictors`
    (`area_table`); it should cover every town that will be post-stratified, so that
    predictors are z-scored over them. A categorical response is fitted stage by stage in
    the order of `categories` (by default the schema's tribe order).
    """
    predictors = tuple(predictors)
    if "region" not in areas.columns:
        raise DataError("areas need a 'region' column", column="region")
    means = areas[list(predictors)].astype(float).mean()
    sds = areas[list(predictors)].astype(float).std(ddof=0).replace(0.0, 1.0)
    data = poll.assign(area_code=_areas_of(poll))
    data["region"] = data["area_code"].map(areas["region"])
    if data["region"].isna().any():
        bad = data.loc[data["region"].isna(), "area_code"].iloc[0]
        raise DataError(f"area {bad!r} is not in the area table", column="area_code")
    exog = pd.DataFrame({"const": 1.0, "sex[male]": (data["sex"] == MALE).astype(float)})
    x = _predictors(areas, predictors, data["area_code"], means, sds)
    for j, name in enumerate(predictors):
        exog[name] = x[:, j]
    binary = pd.api.types.is_integer_dtype(data["response"])
    if binary:
        categories = ("1",)
        fits = {"1": _fit_category(data["response"].to_numpy(float), data, exog)}
    else:
        present = set(data["response"])
        order = categories or [t for t in schema()["tribes"] if t in present] or sorted(present)
        categories = tuple(order)
        fits = {}
        for k, category in enumerate(categories[:-1]):
            still = data["response"].isin(categories[k:]).to_numpy()
            y = (data.loc[still, "response"] == category).to_numpy(float)
            fits[category] = _fit_category(
                y, data[still].reset_index(drop=True), exog[still].reset_index(drop=True)
            )
    return MRPModel(
        categories=tuple(categories),
        binary=binary,
        predictors=predictors,
        means=means,
        sds=sds,
        fits=fits,
        respondents=data.groupby("area_code").size(),
    )


def poststratify_cells(probability: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Town shares: sum over cells of adults x probability, over the town's adults.

    `probability` is (towns, cells) or (draws, towns, cells); `counts` is (towns, cells).
    """
    total = counts.sum(axis=-1)
    if (total <= 0).any():
        raise DataError("a town has no adults in its post-stratification frame")
    return (probability * counts).sum(axis=-1) / total


def _effects(where: np.ndarray, drawn: np.ndarray, sd: float, rng) -> np.ndarray:
    """A group's intercepts for the levels wanted: the drawn posterior where the fit saw the
    level (`where` >= 0, its position in the fit), a draw from the group's spread `sd` where
    it did not."""
    fresh = sd * rng.standard_normal(len(where))
    return np.where(where >= 0, drawn[where], fresh)


def _stage_shares(stages: list[np.ndarray]) -> np.ndarray:
    """Continuation-ratio stage probabilities q_1..q_{K-1} -> category shares P_1..P_K."""
    remaining = np.ones_like(stages[0])
    shares = []
    for q in stages:
        shares.append(remaining * q)
        remaining = remaining * (1.0 - q)
    return np.stack([*shares, remaining])


def poststratify(
    model: MRPModel,
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    n_draws: int = N_DRAWS,
    seed: int = SEED,
    synthetic: bool = False,
) -> pd.DataFrame:
    """Every town in `frame`: the estimated share for each category, its 90 % interval and
    the town's respondents. Long format, sorted by town then category order.

    `synthetic=True` drops the town intercepts (the synthetic estimator): every town gets
    what its predictors, region and population make of the fitted model.
    """
    towns, counts = frame_matrix(frame)
    grid = cells()
    x = _predictors(areas, model.predictors, towns, model.means, model.sds)
    regions = areas.loc[list(towns), "region"].astype(str).to_numpy()
    region_levels = sorted(set(regions))
    region_index = pd.Index(region_levels).get_indexer(regions)
    cell_index = {g: pd.Index(levels(g)).get_indexer(grid[g]) for g in DEMOGRAPHIC_GROUPS}
    male = (grid["sex"] == MALE).to_numpy(float)
    rng = np.random.default_rng(seed)
    fits = list(model.fits.values())
    coefficients = [fit.posterior.draw(n_draws, rng) for fit in fits]
    draws = np.empty((n_draws, len(model.categories), len(towns)))
    wanted = {**{g: levels(g) for g in DEMOGRAPHIC_GROUPS}, "region": region_levels}
    wanted["area_code"] = towns
    where = [
        {g: pd.Index(fit.re_levels[g]).get_indexer(pd.Index(v)) for g, v in wanted.items()}
        for fit in fits
    ]
    for s in range(n_draws):
        probabilities = []
        for k, (dense, area, area_log_sd) in enumerate(coefficients):
            fit, at = fits[k], fits[k].slices()
            beta = dense[s, at["fixed"]]
            cell_part = beta[1] * male
            for g in DEMOGRAPHIC_GROUPS:
                effect = _effects(where[k][g], dense[s, at[g]], fit.group_sd(g), rng)
                cell_part = cell_part + effect[cell_index[g]]
            town_effect = _effects(where[k]["area_code"], area[s], np.exp(area_log_sd[s]), rng)
            region = _effects(
                where[k]["region"], dense[s, at["region"]], fit.group_sd("region"), rng
            )
            town_part = (
                beta[0] + x @ beta[2:] + (0.0 if synthetic else town_effect) + region[region_index]
            )
            probabilities.append(expit(town_part[:, None] + cell_part[None, :]))
        stacked = np.stack(probabilities) if model.binary else _stage_shares(probabilities)
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
