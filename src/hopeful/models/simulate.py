"""Proof by simulation: MRP against the synthetic estimator and raw town means, where the
truth is known, including truths the model cannot represent.

A synthetic electorate lives in the real towns' post-stratification frames and answers by a
known model: effects for age, sex, ethnicity and tenure, plus town effects correlated with a
real town-level predictor. A poll of a few thousand is drawn unevenly (by town size times a
random factor, so many towns get 0-5 respondents, and older people answer more often, as in
real polls). Scenarios (`SCENARIOS`):

- correct: the truth has exactly the model's structure;
- misspecified: the truth adds what the model lacks: a town effect from a second real
  feature the model is not given, an age x ethnicity interaction and a predictor slope
  that differs by age;
- frame error: the true population has within-town associations (young adults rent
  privately, older adults are whiter and own, Black residents rent socially, older adults
  are more often women) that the IPF frame, built from one-way margins, lacks; the poll is
  drawn from the true population, the estimates post-stratify on the IPF frame;
- both: misspecified and frame error together.

`run_tribe_simulation` does the same for a six-category response drawn from a
baseline-category multinomial logit (not the continuation-ratio form the model fits).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, softmax

from hopeful.models import mrp
from hopeful.models.ipf import ipf
from hopeful.models.poll import levels, schema, validate_poll
from hopeful.models.poststrat import CELL_COLUMNS, cells, frame_matrix

__all__ = [
    "SCENARIOS",
    "SimulationResult",
    "Truth",
    "cell_probabilities",
    "draw_poll",
    "run_simulation",
    "run_tribe_simulation",
    "true_population",
]

SEED = 2020
BIG_SAMPLE = 20  # towns with this many respondents also get their own RMSE ratio
ESTIMATORS = ("mrp", "synthetic", "raw")


@dataclass(frozen=True)
class Truth:
    """The data-generating model (logit scale) and the true population's associations."""

    intercept: float = -0.3
    age_band: dict[str, float] = field(
        default_factory=lambda: {
            "16-24": -0.6,
            "25-34": -0.3,
            "35-49": 0.0,
            "50-64": 0.3,
            "65+": 0.6,
        }
    )
    sex_male: float = 0.1
    ethnicity: dict[str, float] = field(
        default_factory=lambda: {
            "white": 0.4,
            "mixed": -0.2,
            "asian": -0.5,
            "black": -0.6,
            "other": -0.3,
        }
    )
    tenure: dict[str, float] = field(
        default_factory=lambda: {
            "owner_occupied": 0.2,
            "social_rented": 0.1,
            "private_rented": -0.3,
        }
    )
    predictor_per_sd: float = 0.4  # town effect per SD of the real town-level predictor
    town_sd: float = 0.3  # town effect not explained by the predictor
    # relative chance of answering the poll, by age band (older people answer more)
    response_propensity: dict[str, float] = field(
        default_factory=lambda: {"16-24": 0.6, "25-34": 0.8, "35-49": 1.0, "50-64": 1.2, "65+": 1.4}
    )
    town_spread_sd: float = 0.8  # lognormal spread of a town's share of the poll beyond its size
    # Misspecification: effects the model does not contain.
    omitted_predictor: str | None = None  # a real town feature the model is not given
    omitted_per_sd: float = 0.0
    age_by_ethnicity: dict[tuple[str, str], float] = field(default_factory=dict)
    predictor_by_age: dict[str, float] = field(default_factory=dict)  # extra slope per SD
    # Frame error: (dimension, level, dimension, level) -> log odds ratio of the true
    # population that the IPF frame lacks (raked back to the frame's own margins).
    associations: dict[tuple[str, str, str, str], float] = field(default_factory=dict)


MISSPECIFIED = {
    "omitted_predictor": "share_born_abroad",
    "omitted_per_sd": 0.3,
    "age_by_ethnicity": {("65+", "white"): 0.4, ("16-24", "white"): -0.3, ("16-24", "asian"): 0.4},
    "predictor_by_age": {"16-24": -0.3, "25-34": -0.15, "65+": 0.2},
}
FRAME_ERROR = {
    "associations": {
        ("age_band", "16-24", "tenure", "private_rented"): 1.0,
        ("age_band", "25-34", "tenure", "private_rented"): 0.8,
        ("age_band", "65+", "tenure", "owner_occupied"): 0.8,
        ("ethnicity", "black", "tenure", "social_rented"): 0.8,
        ("ethnicity", "asian", "tenure", "owner_occupied"): 0.4,
        ("age_band", "16-24", "ethnicity", "white"): -0.5,
        ("age_band", "65+", "ethnicity", "white"): 0.7,
        ("sex", "female", "age_band", "65+"): 0.2,
    }
}
SCENARIOS: dict[str, Truth] = {
    "correct": Truth(),
    "misspecified": Truth(**MISSPECIFIED),
    "frame error": Truth(**FRAME_ERROR),
    "both": Truth(**MISSPECIFIED, **FRAME_ERROR),
}


@dataclass(frozen=True)
class SimulationResult:
    """A simulation's scores per estimator and its per-town table."""

    metrics: dict[str, float]  # poll size, towns, the informative ratios
    scores: pd.DataFrame  # estimator x rmse / coverage, on polled, 20+ and all towns
    towns: pd.DataFrame  # per town (and category): truth, n, estimates and intervals


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std()


def _cell_part(truth: Truth) -> np.ndarray:
    grid = cells()
    part = (
        grid["age_band"].map(truth.age_band).to_numpy()
        + grid["ethnicity"].map(truth.ethnicity).to_numpy()
        + grid["tenure"].map(truth.tenure).to_numpy()
        + truth.sex_male * (grid["sex"] == "male").to_numpy()
    )
    for (age, ethnicity), effect in truth.age_by_ethnicity.items():
        part = part + effect * ((grid["age_band"] == age) & (grid["ethnicity"] == ethnicity))
    return np.asarray(part, dtype=float)


def _town_part(
    towns: pd.Index, areas: pd.DataFrame, predictor: str, truth: Truth, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each town's effect and its predictor z-score (for slopes that differ by age)."""
    z = _z(areas.loc[towns, predictor].to_numpy(float))
    effect = truth.predictor_per_sd * z + truth.town_sd * rng.standard_normal(len(towns))
    if truth.omitted_predictor:
        effect = effect + truth.omitted_per_sd * _z(
            areas.loc[towns, truth.omitted_predictor].to_numpy(float)
        )
    return effect, z


def cell_probabilities(
    towns: pd.Index, areas: pd.DataFrame, predictor: str, truth: Truth, rng: np.random.Generator
) -> np.ndarray:
    """(towns, cells) probability of 'yes' under the known model."""
    town_effect, z = _town_part(towns, areas, predictor, truth, rng)
    slope_by_age = cells()["age_band"].map(truth.predictor_by_age).fillna(0.0).to_numpy()
    logit = truth.intercept + town_effect[:, None] + _cell_part(truth)[None, :]
    return expit(logit + z[:, None] * slope_by_age[None, :])


def true_population(counts: np.ndarray, truth: Truth) -> np.ndarray:
    """The true adults per (town, cell): the frame itself, or the frame tilted by the truth's
    associations and raked back (IPF) to the frame's one-way margins, so that only the
    joint distribution differs."""
    if not truth.associations:
        return counts
    grid = cells()
    log_tilt = np.zeros(len(grid))
    for (dim_a, level_a, dim_b, level_b), value in truth.associations.items():
        log_tilt += value * ((grid[dim_a] == level_a) & (grid[dim_b] == level_b)).to_numpy()
    shape = (len(counts), *(len(levels(c)) for c in CELL_COLUMNS))
    table = counts.reshape(shape)
    margins = [
        table.sum(axis=tuple(a for a in range(1, len(shape)) if a != axis))
        for axis in range(1, len(shape))
    ]
    seed = (counts * np.exp(log_tilt)[None, :]).reshape(shape)
    return ipf(seed, margins).table.reshape(len(counts), -1)


def draw_poll(
    towns: pd.Index,
    counts: np.ndarray,
    probability: np.ndarray,
    n: int,
    truth: Truth,
    rng: np.random.Generator,
    categories: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """A poll in the schema of `hopeful.models.poll`, drawn unevenly over towns.

    `probability` is (towns, cells) of a 'yes', or (categories, towns, cells) with the
    category labels in `categories`.
    """
    grid = cells()
    size = counts.sum(axis=1) * np.exp(truth.town_spread_sd * rng.standard_normal(len(towns)))
    per_town = rng.multinomial(n, size / size.sum())
    propensity = grid["age_band"].map(truth.response_propensity).to_numpy()
    town_of, cell_of, answers = [], [], []
    for t in np.flatnonzero(per_town):
        reach = counts[t] * propensity
        cell_n = rng.multinomial(per_town[t], reach / reach.sum())
        for c in np.flatnonzero(cell_n):
            if categories is None:
                yes = rng.binomial(cell_n[c], probability[t, c])
                answers.append(np.r_[np.ones(yes, int), np.zeros(cell_n[c] - yes, int)])
            else:
                split = rng.multinomial(cell_n[c], probability[:, t, c])
                answers.append(np.repeat(np.array(categories), split))
            town_of.append(np.full(cell_n[c], t))
            cell_of.append(np.full(cell_n[c], c))
    cell_of = np.concatenate(cell_of)
    poll = grid.iloc[cell_of].reset_index(drop=True)
    poll.insert(0, "area_code", towns.to_numpy()[np.concatenate(town_of)])
    poll["response"] = np.concatenate(answers)
    poll.insert(0, "respondent_id", [f"r{i:06d}" for i in range(len(poll))])
    return poll


def _raw(poll: pd.DataFrame, categories: tuple[str, ...]) -> pd.DataFrame:
    """Raw town shares with Jeffreys 90 % intervals (defined for any n >= 1)."""
    n = poll.groupby("area_code").size()
    parts = []
    for category in categories:
        hits = poll.assign(y=poll["response"].astype(str) == category).groupby("area_code")["y"]
        hits = hits.sum().reindex(n.index)
        parts.append(
            pd.DataFrame(
                {
                    "town_code": n.index,
                    "category": category,
                    "raw": hits / n,
                    "raw_p05": stats.beta.ppf(0.05, hits + 0.5, n - hits + 0.5),
                    "raw_p95": stats.beta.ppf(0.95, hits + 0.5, n - hits + 0.5),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _score(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """RMSE and 90 % coverage per estimator on polled, 20+ and all towns."""
    polled = table["n_respondents"] > 0
    big = table["n_respondents"] >= BIG_SAMPLE
    rows = {}
    for name in ESTIMATORS:
        column = "raw" if name == "raw" else name
        error = table[column] - table["truth"]
        covered = (table[f"{column}_p05"] <= table["truth"]) & (
            table["truth"] <= table[f"{column}_p95"]
        )
        scope = {"polled": polled, f"{BIG_SAMPLE}plus": big}
        if name != "raw":
            scope["all"] = pd.Series(True, index=table.index)
        row = {}
        for label, mask in scope.items():
            row[f"rmse_{label}"] = float(np.sqrt(np.mean(error[mask] ** 2)))
            row[f"coverage_{label}"] = float(covered[mask].mean())
        rows[name] = row
    scores = pd.DataFrame(rows).T.reindex(ESTIMATORS)
    metrics = {
        "n_towns": float(table["town_code"].nunique()),
        "n_towns_polled": float(table.loc[polled, "town_code"].nunique()),
        f"n_towns_{BIG_SAMPLE}plus": float(table.loc[big, "town_code"].nunique()),
        "share_towns_0_to_5_respondents": float((table["n_respondents"] <= 5).mean()),
        "rmse_ratio": scores.loc["mrp", "rmse_polled"] / scores.loc["raw", "rmse_polled"],
        f"rmse_ratio_{BIG_SAMPLE}plus": scores.loc["mrp", f"rmse_{BIG_SAMPLE}plus"]
        / scores.loc["raw", f"rmse_{BIG_SAMPLE}plus"],
        "rmse_ratio_synthetic": scores.loc["mrp", "rmse_all"] / scores.loc["synthetic", "rmse_all"],
    }
    return scores, metrics


def _estimate(
    poll: pd.DataFrame,
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    predictor: str,
    truth_share: pd.DataFrame,
    seed: int,
    n_draws: int,
) -> SimulationResult:
    """Fit once; MRP and synthetic estimates on the frame, raw means, scored on the truth."""
    model = mrp.fit_mrp(poll, areas, predictors=[predictor])
    keys = ["town_code", "category"]
    table = truth_share
    for name, synthetic in (("mrp", False), ("synthetic", True)):
        estimate = mrp.poststratify(
            model, frame, areas, n_draws=n_draws, seed=seed, synthetic=synthetic
        ).rename(columns={"estimate": name, "p05": f"{name}_p05", "p95": f"{name}_p95"})
        if synthetic:
            estimate = estimate.drop(columns="n_respondents")
        table = table.merge(estimate, on=keys, how="left")
    table = table.merge(_raw(poll, model.categories), on=keys, how="left")
    scores, metrics = _score(table)
    metrics["n_respondents"] = float(len(poll))
    # the fitted town spread (first stage of a categorical model) against the truth's town_sd
    metrics["town_sd_fitted"] = float(np.exp(next(iter(model.fits.values())).posterior.log_sd[-1]))
    return SimulationResult(metrics=metrics, scores=scores, towns=table)


def run_simulation(
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    predictor: str,
    *,
    scenario: str = "correct",
    n_respondents: int = 5000,
    seed: int = SEED,
    n_draws: int = mrp.N_DRAWS,
    truth: Truth | None = None,
) -> SimulationResult:
    """Simulate a yes/no question under `scenario` (or `truth`), poll, fit MRP on
    `predictor`, and score MRP, the synthetic estimator and raw means against the truth
    (the town's expected share in its true population)."""
    truth = truth or SCENARIOS[scenario]
    rng = np.random.default_rng(seed)
    towns, counts = frame_matrix(frame)
    probability = cell_probabilities(towns, areas, predictor, truth, rng)
    population = true_population(counts, truth)
    truth_share = pd.DataFrame(
        {
            "town_code": towns,
            "category": "1",
            "truth": mrp.poststratify_cells(probability, population),
        }
    )
    poll = validate_poll(
        draw_poll(towns, population, probability, n_respondents, truth, rng),
        source="<simulated poll>",
    )
    return _estimate(poll, frame, areas, predictor, truth_share, seed, n_draws)


def run_tribe_simulation(
    frame: pd.DataFrame,
    areas: pd.DataFrame,
    predictor: str,
    *,
    n_respondents: int = 5000,
    seed: int = SEED,
    n_draws: int = mrp.N_DRAWS,
    truth: Truth | None = None,
    noise_sd: float = 0.2,
) -> SimulationResult:
    """The six identity tribes, drawn from a baseline-category multinomial logit on one
    latent dimension (the binary truth's effects, scaled from -1 for the first tribe to +1
    for the last) plus independent town noise per tribe (`noise_sd`); fitted with the
    continuation-ratio MRP model and scored on every town x tribe share."""
    truth = truth or Truth()
    tribes = tuple(schema()["tribes"])
    rng = np.random.default_rng(seed)
    towns, counts = frame_matrix(frame)
    town_effect, _ = _town_part(towns, areas, predictor, truth, rng)
    latent = town_effect[:, None] + _cell_part(truth)[None, :]
    scale = np.linspace(-1.0, 1.0, len(tribes))
    base = np.log([0.10, 0.25, 0.25, 0.20, 0.12, 0.08])
    noise = noise_sd * rng.standard_normal((len(tribes), len(towns)))
    logits = base[:, None, None] + scale[:, None, None] * latent[None] + noise[:, :, None]
    probability = softmax(logits, axis=0)
    truth_share = pd.DataFrame(
        {
            "town_code": np.tile(towns.to_numpy(), len(tribes)),
            "category": np.repeat(tribes, len(towns)),
            "truth": mrp.poststratify_cells(probability, counts).ravel(),
        }
    )
    poll = validate_poll(
        draw_poll(towns, counts, probability, n_respondents, truth, rng, categories=tribes),
        source="<simulated poll>",
        response="categorical",
    )
    return _estimate(poll, frame, areas, predictor, truth_share, seed, n_draws)
