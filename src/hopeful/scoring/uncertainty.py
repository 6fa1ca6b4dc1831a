"""Monte Carlo uncertainty and sensitivity analysis of index ranks (OECD/JRC Handbook ch. 7).

Each draw picks, uniformly and independently, an imputation method, a normalisation and an
aggregation method from the given alternatives, and perturbs every indicator weight and
every domain weight by an independent factor U(1 - spread, 1 + spread) (default ±25%; weights
are renormalised within each parent by the aggregation). Index ranks are recomputed per draw.

Speed comes from doing the expensive data steps once: every imputation × normalisation
combination (with the configured outlier treatment between them) is prepared up front, so a
draw is only weighting and aggregation as matrix products; ranks for all draws are computed in
one vectorised call. The random choices are all drawn up front from one seeded
`numpy.random.Generator`, so a seed fixes the result.

Rank quantiles are empirical (inverted CDF), so p05 / median / p95 are ranks that occurred.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from hopeful.scoring.aggregate import Hierarchy, aggregate_compiled, compile_hierarchy, power
from hopeful.scoring.impute import impute
from hopeful.scoring.normalise import Directions, NormSpec, normalise
from hopeful.scoring.outliers import treat_outliers

__all__ = ["Choice", "UncertaintyResult", "label", "monte_carlo", "prepare", "rank_rows"]


@dataclass(frozen=True)
class Choice:
    """One way of building the index: the methods a draw (or the nominal run) uses."""

    imputation: str
    normalisation: NormSpec
    aggregation: str


@dataclass(frozen=True)
class UncertaintyResult:
    """Rank intervals per unit, leave-one-out shifts per indicator, and a summary."""

    units: (
        pd.DataFrame
    )  # rank_nominal, rank_median, rank_p05, rank_p95, interval_width, median_abs_shift
    leave_one_out: pd.DataFrame  # per indicator: median_abs_shift, mean_abs_shift, max_abs_shift
    summary: dict[str, float]  # draws, seed and units_ranked are ints
    draws: pd.DataFrame  # per draw: imputation, normalisation, aggregation
    ranks: np.ndarray  # (draws, units) float ranks, NaN where a unit has no score


def label(spec: NormSpec) -> str:
    """A readable name for a normalisation and its scalar parameters."""
    args = ", ".join(f"{k}={v}" for k, v in sorted(spec.params.items()) if np.isscalar(v))
    return f"{spec.method}({args})" if args else spec.method


def prepare(
    data: pd.DataFrame,
    imputation: str,
    normalisation: NormSpec,
    directions: Directions,
    groups: pd.Series | None = None,
    outliers: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Impute → treat outliers (if `outliers` gives `treat_outliers` arguments) → normalise."""
    filled, _ = impute(data, imputation, groups)
    treated = treat_outliers(filled, **outliers)[0] if outliers is not None else filled
    return normalise(treated, normalisation.method, directions, **normalisation.params)


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Rank each row (1 = highest, ties 'min'); NaN scores get NaN ranks."""
    missing = np.isnan(scores)
    ranks = rankdata(np.where(missing, np.inf, -scores), method="min", axis=-1).astype(float)
    ranks[missing] = np.nan
    return ranks


def _columnwise(ranks: np.ndarray, fn: Any) -> np.ndarray:
    """Apply a NaN-aware reduction over draws, leaving never-ranked units NaN (no warnings)."""
    out = np.full(ranks.shape[1], np.nan)
    seen = ~np.all(np.isnan(ranks), axis=0)
    if seen.any():
        out[seen] = fn(ranks[:, seen])
    return out


def _unit_table(ranks: np.ndarray, nominal: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Per unit: nominal rank, empirical p05 / median / p95 rank, width, median |shift|."""
    quantiles = {
        name: _columnwise(ranks, lambda r, q=q: np.nanquantile(r, q, axis=0, method="inverted_cdf"))
        for name, q in (("rank_p05", 0.05), ("rank_median", 0.5), ("rank_p95", 0.95))
    }
    units = pd.DataFrame({"rank_nominal": nominal, **quantiles}, index=index)
    units["interval_width"] = units["rank_p95"] - units["rank_p05"]
    shifts = np.abs(ranks - nominal)
    units["median_abs_shift"] = _columnwise(shifts, lambda s: np.nanmedian(s, axis=0))
    integer = ["rank_nominal", "rank_p05", "rank_median", "rank_p95", "interval_width"]
    return units.astype(dict.fromkeys(integer, "Int64"))


def monte_carlo(
    data: pd.DataFrame,
    hierarchy: Hierarchy,
    *,
    directions: Directions,
    indicator_weights: Mapping[str, float] | pd.Series,
    domain_weights: Mapping[str, float] | pd.Series,
    nominal: Choice,
    imputations: Sequence[str],
    normalisations: Sequence[NormSpec],
    aggregations: Sequence[str],
    groups: pd.Series | None = None,
    outliers: Mapping[str, Any] | None = None,
    p: float = 1.0,
    offset: float = 1.0,
    draws: int = 1000,
    seed: int = 0,
    weight_spread: float = 0.25,
    interval_width_threshold: float | None = None,
) -> UncertaintyResult:
    """Rank intervals over `draws` sampled models, and leave-one-indicator-out rank shifts.

    `interval_width_threshold` (default: a tenth of the ranked units) sets what counts as a
    narrow interval (p95 - p05 below it) in the summary.
    """
    if not 0 <= weight_spread < 1:
        raise ValueError("weight_spread must be in [0, 1)")
    if draws < 1:
        raise ValueError("draws must be at least 1")
    indicators = [c for c in data.columns if c in hierarchy.indicator_domain]
    compiled = compile_hierarchy(hierarchy, indicators)
    w_ind = pd.Series(indicator_weights, dtype=float).reindex(indicators).to_numpy()
    w_dom = pd.Series(domain_weights, dtype=float).reindex(compiled.domains).to_numpy()
    x = data[indicators]

    prepared: dict[tuple[str, str], np.ndarray] = {}

    def matrix(imputation: str, spec: NormSpec) -> np.ndarray:
        key = (imputation, label(spec))
        if key not in prepared:
            frame = prepare(x, imputation, spec, directions, groups, outliers)
            prepared[key] = frame.to_numpy(dtype=float)
        return prepared[key]

    def index_scores(choice: Choice, wi: np.ndarray, wd: np.ndarray) -> np.ndarray:
        values = matrix(choice.imputation, choice.normalisation)
        q = power(choice.aggregation, p)
        try:
            return aggregate_compiled(values, compiled, wi, wd, q, offset)[1]
        except ValueError as exc:
            raise ValueError(
                f"{choice.aggregation} aggregation of {label(choice.normalisation)} scores: {exc}"
            ) from exc

    nominal_ranks = rank_rows(index_scores(nominal, w_ind, w_dom)[None, :])[0]
    rng = np.random.default_rng(seed)
    picks = [
        rng.integers(len(opts), size=draws) for opts in (imputations, normalisations, aggregations)
    ]
    f_ind = rng.uniform(1 - weight_spread, 1 + weight_spread, size=(draws, len(w_ind)))
    f_dom = rng.uniform(1 - weight_spread, 1 + weight_spread, size=(draws, len(w_dom)))
    choices = [
        Choice(imputations[i], normalisations[j], aggregations[a])
        for i, j, a in zip(*picks, strict=True)
    ]
    ranks = rank_rows(
        np.vstack(
            [index_scores(c, w_ind * f_ind[t], w_dom * f_dom[t]) for t, c in enumerate(choices)]
        )
    )
    units = _unit_table(ranks, nominal_ranks, x.index)
    ranked = int(np.sum(~np.isnan(nominal_ranks)))
    threshold = ranked / 10 if interval_width_threshold is None else interval_width_threshold
    widths = units["interval_width"].dropna()
    shifts = np.abs(ranks - nominal_ranks)
    shifts = shifts[~np.isnan(shifts)]
    summary = {
        "draws": draws,
        "seed": seed,
        "units_ranked": ranked,
        "median_abs_rank_shift": float(np.median(shifts)) if shifts.size else np.nan,
        "mean_abs_rank_shift": float(np.mean(shifts)) if shifts.size else np.nan,
        "interval_width_threshold": float(threshold),
        "share_narrow_intervals": float((widths < threshold).mean()) if len(widths) else np.nan,
    }
    return UncertaintyResult(
        units=units,
        leave_one_out=_leave_one_out(
            indicators, w_ind, w_dom, nominal, nominal_ranks, index_scores
        ),
        summary=summary,
        draws=pd.DataFrame(
            {
                "imputation": [c.imputation for c in choices],
                "normalisation": [label(c.normalisation) for c in choices],
                "aggregation": [c.aggregation for c in choices],
            },
            index=pd.RangeIndex(draws, name="draw"),
        ),
        ranks=ranks,
    )


def _leave_one_out(
    indicators: list[str],
    w_ind: np.ndarray,
    w_dom: np.ndarray,
    nominal: Choice,
    nominal_ranks: np.ndarray,
    index_scores: Any,
) -> pd.DataFrame:
    """Rank shifts when each indicator in turn gets weight 0 under the nominal model."""
    rows = []
    for j in range(len(indicators)):
        w = w_ind.copy()
        w[j] = 0.0
        shift = np.abs(rank_rows(index_scores(nominal, w, w_dom)[None, :])[0] - nominal_ranks)
        shift = shift[~np.isnan(shift)]
        rows.append(
            (np.median(shift), np.mean(shift), np.max(shift)) if shift.size else (np.nan,) * 3
        )
    return pd.DataFrame(
        rows,
        index=pd.Index(indicators, name="indicator"),
        columns=["median_abs_shift", "mean_abs_shift", "max_abs_shift"],
    )
