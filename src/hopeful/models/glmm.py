"""A multilevel logistic regression fitted by the Laplace approximation, as lme4's glmer, with
the uncertainty of the area spread integrated out, for the MRP engine.

Design: a few dense columns (fixed effects, then the intercepts of groups with few levels:
age band, ethnicity, tenure, region) and one group with many levels (the area: ~1,000
towns) whose indicator columns are never formed: each respondent is in one area, so that
block of the posterior precision is diagonal and the Newton steps, determinants and draws go
through the small Schur complement. A fit takes well under a second for 5,000 respondents.

Spreads: the log standard deviation of each group's intercepts maximises the Laplace
approximation to its marginal posterior (fixed effects integrated out too, with N(0, 3^2)
priors, which reduces the downward bias of maximum likelihood; N(0, 1) priors on the log
SDs). The area spread is weakly identified when most towns have 0-5 respondents, and
treating its estimate as known makes intervals too narrow; so the posterior is a mixture of
conditional Laplace posteriors at five Gauss-Hermite nodes of the area log SD, weighted by
the approximate marginal posterior there (the integrated nested Laplace idea, for one
hyperparameter). The other spreads rest on hundreds of respondents per level and are fixed
at their estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from hopeful.errors import DataError

__all__ = ["Component", "LaplaceFit", "fit_logistic"]

FE_PRIOR_SD = 3.0  # fixed effects: intercept, sex, z-scored predictors (logit scale)
VC_PRIOR_SD = 1.0  # prior SD of each group's log standard deviation, centred on log 1
START_LOG_SD = np.log(0.5)
LOG_SD_BOUNDS = (-6.0, 2.0)
MAX_NEWTON = 100
NEWTON_TOLERANCE = 1e-9
N_NODES = 5  # Gauss-Hermite nodes for the area log SD
CURVATURE_STEP = 0.05


@dataclass(frozen=True)
class Component:
    """The Gaussian posterior of the coefficients given one set of spreads."""

    weight: float
    area_log_sd: float
    small_mean: np.ndarray  # dense coefficients
    area_mean: np.ndarray  # area intercepts
    area_precision: np.ndarray  # diagonal of the area block of the precision
    cross: np.ndarray  # (areas, dense) block of the precision
    schur_cholesky: np.ndarray  # lower Cholesky factor of the dense block's Schur complement

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(n, dense) and (n, areas) draws from N(mean, precision^-1)."""
        z_small = rng.standard_normal((len(self.small_mean), n))
        z_area = rng.standard_normal((len(self.area_mean), n))
        small = solve_triangular(self.schur_cholesky.T, z_small)
        area = (
            z_area / np.sqrt(self.area_precision)[:, None]
            - (self.cross @ small) / (self.area_precision[:, None])
        )
        return (self.small_mean[:, None] + small).T, (self.area_mean[:, None] + area).T


@dataclass(frozen=True)
class LaplaceFit:
    """Spreads and the mixture posterior of a multilevel logistic regression."""

    log_sd: np.ndarray  # per dense group (see `fit_logistic`), then the area group
    components: tuple[Component, ...]

    @property
    def mean_small(self) -> np.ndarray:
        """Posterior mean of the dense coefficients (over the mixture)."""
        return sum(c.weight * c.small_mean for c in self.components)

    @property
    def mean_area(self) -> np.ndarray:
        """Posterior mean of the area intercepts (over the mixture)."""
        return sum(c.weight * c.area_mean for c in self.components)

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n draws: dense coefficients, area intercepts, and the area log SD of each draw's
        component (for areas the poll never saw)."""
        weights = np.array([c.weight for c in self.components])
        which = rng.choice(len(weights), size=n, p=weights / weights.sum())
        small = np.empty((n, len(self.components[0].small_mean)))
        area = np.empty((n, len(self.components[0].area_mean)))
        for k, component in enumerate(self.components):
            rows = np.flatnonzero(which == k)
            if len(rows):
                small[rows], area[rows] = component.draw(len(rows), rng)
        log_sd = np.array([c.area_log_sd for c in self.components])[which]
        return small, area, log_sd


class _Problem:
    """The data, priors and a warm-started conditional mode for one binary outcome."""

    def __init__(self, y, small, groups, area, n_areas):
        self.y, self.small, self.groups, self.area, self.n_areas = y, small, groups, area, n_areas
        self.n_groups = int(groups.max()) + 1 if (groups >= 0).any() else 0
        self.b_small = np.zeros(small.shape[1])
        self.b_area = np.zeros(n_areas)

    def precisions(self, log_sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prior precisions of the dense coefficients and of the area intercepts."""
        group_sd = np.exp(log_sd[: self.n_groups])
        prec = np.where(
            self.groups >= 0, group_sd[np.maximum(self.groups, 0)] ** -2.0, FE_PRIOR_SD**-2.0
        )
        return prec, np.full(self.n_areas, np.exp(-2.0 * log_sd[-1]))

    def _blocks(self, b_small, b_area, prec_small, prec_area):
        p = expit(self.small @ b_small + b_area[self.area])
        w = p * (1.0 - p)
        weighted = self.small * w[:, None]
        h_small = self.small.T @ weighted
        h_small[np.diag_indices_from(h_small)] += prec_small
        cross = np.zeros((self.n_areas, self.small.shape[1]))
        np.add.at(cross, self.area, weighted)
        d = np.bincount(self.area, w, self.n_areas) + prec_area
        schur = h_small - cross.T @ (cross / d[:, None])
        return p, cross, d, schur

    def log_posterior(self, b_small, b_area, prec_small, prec_area) -> float:
        """Log likelihood plus the coefficients' log prior (up to a constant)."""
        eta = self.small @ b_small + b_area[self.area]
        loglik = np.sum(self.y * log_expit(eta) + (1.0 - self.y) * log_expit(-eta))
        return float(
            loglik - 0.5 * np.sum(prec_small * b_small**2) - 0.5 * np.sum(prec_area * b_area**2)
        )

    def mode(self, log_sd: np.ndarray):
        """Newton's method from the last mode, halving a step that would lower the log
        posterior; returns the mode and its precision blocks."""
        prec_small, prec_area = self.precisions(log_sd)
        b_small, b_area = self.b_small.copy(), self.b_area.copy()
        for _ in range(MAX_NEWTON):
            p, cross, d, schur = self._blocks(b_small, b_area, prec_small, prec_area)
            r = self.y - p
            g_small = self.small.T @ r - prec_small * b_small
            g_area = np.bincount(self.area, r, self.n_areas) - prec_area * b_area
            step_small = cho_solve(cho_factor(schur, lower=True), g_small - cross.T @ (g_area / d))
            step_area = (g_area - cross @ step_small) / d
            if max(np.abs(step_small).max(), np.abs(step_area).max()) < NEWTON_TOLERANCE:
                break
            here = self.log_posterior(b_small, b_area, prec_small, prec_area)
            t = 1.0
            while (
                self.log_posterior(
                    b_small + t * step_small, b_area + t * step_area, prec_small, prec_area
                )
                < here
                and t > 1e-6
            ):
                t /= 2.0
            b_small, b_area = b_small + t * step_small, b_area + t * step_area
        else:
            raise DataError("the MRP model's Newton steps did not converge")
        self.b_small, self.b_area = b_small, b_area
        _, cross, d, schur = self._blocks(b_small, b_area, prec_small, prec_area)
        return b_small, b_area, cross, d, np.linalg.cholesky(schur), prec_small, prec_area

    def objective(self, log_sd: np.ndarray) -> float:
        """Minus the Laplace log marginal posterior of the log SDs."""
        b_small, b_area, _, d, chol, prec_small, prec_area = self.mode(log_sd)
        random = self.groups >= 0
        log_prior = (
            0.5 * np.sum(np.log(prec_small[random]))
            + 0.5 * np.sum(np.log(prec_area))
            - 0.5 * np.sum(log_sd**2) / VC_PRIOR_SD**2
        )
        log_det = np.sum(np.log(d)) + 2.0 * np.sum(np.log(np.diag(chol)))
        fit = self.log_posterior(b_small, b_area, prec_small, prec_area)
        return float(-(fit + log_prior - 0.5 * log_det))

    def component(self, log_sd: np.ndarray, weight: float) -> Component:
        """The conditional posterior at `log_sd`, as one mixture component."""
        b_small, b_area, cross, d, chol, _, _ = self.mode(log_sd)
        return Component(weight, float(log_sd[-1]), b_small, b_area, d, cross, chol)


def fit_logistic(
    y: np.ndarray, small: np.ndarray, groups: np.ndarray, area: np.ndarray, n_areas: int
) -> LaplaceFit:
    """Fit y ~ small @ b + area intercept.

    `groups[j]` is -1 for a fixed-effect column of `small`, or the index (0, 1, ...) of the
    random group column j belongs to; `area` holds each respondent's area index.
    """
    problem = _Problem(np.asarray(y, float), np.asarray(small, float), groups, area, n_areas)
    start = np.full(problem.n_groups + 1, START_LOG_SD)
    found = minimize(
        problem.objective,
        start,
        method="L-BFGS-B",
        bounds=[LOG_SD_BOUNDS] * len(start),
        options={"eps": 1e-5},
    )
    best = found.x
    f0 = problem.objective(best)
    shift = np.zeros_like(best)
    shift[-1] = CURVATURE_STEP
    curvature = (problem.objective(best + shift) - 2 * f0 + problem.objective(best - shift)) / (
        CURVATURE_STEP**2
    )
    sd = 1.0 / np.sqrt(curvature) if curvature > 0 else 1.0
    nodes, weights = np.polynomial.hermite.hermgauss(N_NODES)
    components, log_w = [], []
    for x, w in zip(nodes, weights, strict=True):
        at = best.copy()
        at[-1] = np.clip(best[-1] + np.sqrt(2.0) * sd * x, *LOG_SD_BOUNDS)
        log_w.append(np.log(w) + x**2 - (problem.objective(at) - f0))
        components.append(at)
    log_w = np.array(log_w)
    weights = np.exp(log_w - log_w.max())
    weights /= weights.sum()
    return LaplaceFit(
        log_sd=best,
        components=tuple(
            problem.component(at, w) for at, w in zip(components, weights, strict=True)
        ),
    )
