"""Monte Carlo uncertainty and variance-based sensitivity of index ranks (OECD/JRC Handbook
ch. 7; Saltelli et al. 2008, 2010).

Uncertain inputs, each drawn independently in every draw:

- `weights`: every indicator and domain weight times U(1 - spread, 1 + spread);
- `weighting`: the weighting scheme, one of `weightings` (e.g. the framework's, equal
  indicator weights, PCA-derived);
- `domain left out`: with probability `leave_out_domain`, one top-level domain (uniformly)
  gets weight 0, the structural question "what if this domain did not belong in the index";
- `normalisation`, `aggregation`, `imputation`: one of the alternatives;
- `data noise`: one of `noise_realisations` noisy copies of the data, each value moved by its
  standard error times N(0, 1) (`hopeful.scoring.noise.perturb`).

An input with a single alternative (or spread 0, or no errors) is fixed and not sampled.
A geometric or harmonic mean first lifts the 0-100 scores onto [floor, 100]
(`aggregate.lift`), so a single near-zero score cannot dominate a town's result.

Design (Saltelli 2010): two independent uniform matrices A and B of N = ceil(draws / 2) rows,
one column per weight and one per discrete input. The rank intervals use the first `draws`
rows of A and B together. With `sobol`, every input's matrix A_B^(i) (A with that input's
columns from B) is evaluated too, N more models per input, and `hopeful.scoring.sobol` turns
the ranks into first-order and total indices: the share of the towns' rank variance each
input explains alone, and with its interactions.

Speed comes from doing the expensive data steps once: each noisy copy is imputed and
treated for outliers once per imputation and normalised once per normalisation, lazily and
cached, so a model is only weighting and aggregation as matrix products; ranks are computed
in one vectorised call. All randomness comes from one seed.

Rank quantiles are empirical (inverted CDF), so p05 / median / p95 are ranks that occurred.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from hopeful.scoring.aggregate import (
    CompiledHierarchy,
    Hierarchy,
    aggregate_compiled,
    compile_hierarchy,
    lift,
    power,
)
from hopeful.scoring.impute import impute
from hopeful.scoring.noise import perturb
from hopeful.scoring.normalise import Directions, NormSpec, normalise
from hopeful.scoring.outliers import treat_outliers
from hopeful.scoring.sobol import mixed, sobol_indices

__all__ = [
    "Choice",
    "UncertaintyResult",
    "label",
    "monte_carlo",
    "prepare",
    "rank_rows",
]

Weights = Mapping[str, float] | pd.Series


@dataclass(frozen=True)
class Choice:
    """One way of building the index: the methods a draw (or the nominal run) uses."""

    imputation: str
    normalisation: NormSpec
    aggregation: str


@dataclass(frozen=True)
class UncertaintyResult:
    """Rank intervals per unit, leave-one-out shifts, Sobol indices and a summary."""

    units: (
        pd.DataFrame
    )  # rank_nominal, rank_median, rank_p05, rank_p95, interval_width, median_abs_shift
    leave_one_out: pd.DataFrame  # per indicator: median_abs_shift, mean_abs_shift, max_abs_shift
    summary: dict[str, float]  # draws, seed and units_ranked are ints
    draws: pd.DataFrame  # per draw: every sampled choice
    ranks: np.ndarray  # (draws, units) float ranks, NaN where a unit has no score
    sobol: pd.DataFrame | None  # per input: first_order, total (+ bootstrap interval)


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
    return normalise(
        _treat(data, imputation, groups, outliers),
        normalisation.method,
        directions,
        **normalisation.params,
    )


def _treat(
    data: pd.DataFrame,
    imputation: str,
    groups: pd.Series | None,
    outliers: Mapping[str, Any] | None,
) -> pd.DataFrame:
    filled, _ = impute(data, imputation, groups)
    return treat_outliers(filled, **outliers)[0] if outliers is not None else filled


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


def _pick(u: np.ndarray, n: int) -> np.ndarray:
    """Uniform [0, 1) → an option index 0..n-1, each with probability 1/n."""
    return np.minimum((u * n).astype(int), n - 1)


@dataclass(frozen=True)
class _Input:
    """One uncertain input: its name, its columns of the design matrix, how many options."""

    name: str
    columns: slice
    options: int  # 0 for the continuous weight factors


@dataclass
class _Design:
    """Decoded draws: per draw the option index of every input, and the weight factors."""

    picks: dict[str, np.ndarray]
    f_ind: np.ndarray
    f_dom: np.ndarray


@dataclass(frozen=True)
class _Alternatives:
    """Everything a draw can choose from, and the fixed parts of the model."""

    imputations: Sequence[str]
    normalisations: Sequence[NormSpec]
    aggregations: Sequence[str]
    weightings: Sequence[tuple[np.ndarray, np.ndarray]]
    left_out: Sequence[int]  # domain positions a draw may leave out
    leave_out_domain: float
    noise_realisations: int  # 0 without data noise
    weight_spread: float
    k: int
    d: int


def _layout(alt: _Alternatives) -> list[_Input]:
    """The sampled inputs side by side in the design matrix (weights: one column each)."""
    counts = [
        ("weighting", 1, len(alt.weightings)),
        ("domain left out", 1, len(alt.left_out) if alt.leave_out_domain > 0 else 1),
        ("normalisation", 1, len(alt.normalisations)),
        ("aggregation", 1, len(alt.aggregations)),
        ("imputation", 1, len(alt.imputations)),
        ("data noise", 1, alt.noise_realisations),
    ]
    widths = [("weights", alt.k + alt.d, 0)] if alt.weight_spread > 0 else []
    widths += [c for c in counts if c[2] > 1]
    out, start = [], 0
    for name, width, options in widths:
        out.append(_Input(name, slice(start, start + width), options))
        start += width
    return out


def _decode(u: np.ndarray, layout: list[_Input], alt: _Alternatives) -> _Design:
    """Design rows → choices. A fixed input takes its first option (no domain, no noise)."""
    rows = u.shape[0]
    by_name = {i.name: i for i in layout}
    picks = {}
    for name in ("weighting", "normalisation", "aggregation", "imputation", "data noise"):
        i = by_name.get(name)
        picks[name] = _pick(u[:, i.columns][:, 0], i.options) if i else np.zeros(rows, int)
    if "data noise" not in by_name:  # one noisy copy: every draw uses it; none: no noise
        picks["data noise"] = np.full(rows, 0 if alt.noise_realisations == 1 else -1)
    left = np.full(rows, -1)
    if "domain left out" in by_name:
        q = alt.leave_out_domain
        v = u[:, by_name["domain left out"].columns][:, 0]
        out = v >= 1 - q
        chosen = _pick((v[out] - (1 - q)) / q, len(alt.left_out))
        left[out] = np.asarray(alt.left_out)[chosen]
    picks["domain left out"] = left
    if "weights" in by_name:
        f = 1 - alt.weight_spread + 2 * alt.weight_spread * u[:, by_name["weights"].columns]
    else:
        f = np.ones((rows, alt.k + alt.d))
    return _Design(picks, f[:, : alt.k], f[:, alt.k :])


def monte_carlo(
    data: pd.DataFrame,
    hierarchy: Hierarchy,
    *,
    directions: Directions,
    indicator_weights: Weights,
    domain_weights: Weights,
    nominal: Choice,
    imputations: Sequence[str],
    normalisations: Sequence[NormSpec],
    aggregations: Sequence[str],
    groups: pd.Series | None = None,
    outliers: Mapping[str, Any] | None = None,
    p: float = 1.0,
    offset: float = 1.0,
    floor: float = 0.0,
    draws: int = 1000,
    seed: int = 0,
    weight_spread: float = 0.25,
    weightings: Mapping[str, tuple[Weights, Weights]] | None = None,
    leave_out_domain: float = 0.0,
    errors: pd.DataFrame | None = None,
    noise_realisations: int = 100,
    sobol: bool = False,
    bootstrap: int = 0,
    interval_width_threshold: float | None = None,
) -> UncertaintyResult:
    """Rank intervals over `draws` sampled models, Sobol indices, leave-one-out rank shifts.

    `weightings` maps a scheme name to (indicator weights, domain weights); without it the
    only scheme is (`indicator_weights`, `domain_weights`), which are also the nominal
    weights. `errors` (units x indicators standard errors) switches data noise on.
    `floor` is the lift of 0-100 scores before a mean with power below 1 (`aggregate.lift`).
    `interval_width_threshold` (default: a tenth of the ranked units) sets what counts as a
    narrow interval (p95 - p05 below it) in the summary.
    """
    if not 0 <= weight_spread < 1:
        raise ValueError("weight_spread must be in [0, 1)")
    if not 0 <= leave_out_domain <= 1:
        raise ValueError("leave_out_domain must be in [0, 1]")
    if draws < 1 or noise_realisations < 1:
        raise ValueError("draws and noise_realisations must be at least 1")
    indicators = [c for c in data.columns if c in hierarchy.indicator_domain]
    compiled = compile_hierarchy(hierarchy, indicators)
    w_ind, w_dom = _vectors(indicator_weights, domain_weights, indicators, compiled)
    schemes = {"nominal": (indicator_weights, domain_weights)} if weightings is None else weightings
    x = data[indicators]
    noisy = errors is not None and bool((errors.reindex(columns=indicators) > 0).any(axis=None))
    alt = _Alternatives(
        imputations=imputations,
        normalisations=normalisations,
        aggregations=aggregations,
        weightings=[_vectors(*w, indicators, compiled) for w in schemes.values()],
        left_out=_top_domains(hierarchy, compiled),
        leave_out_domain=leave_out_domain,
        noise_realisations=noise_realisations if noisy else 0,
        weight_spread=weight_spread,
        k=len(indicators),
        d=len(compiled.domains),
    )
    rng = np.random.default_rng(seed)
    layout = _layout(alt)
    columns = sum(i.columns.stop - i.columns.start for i in layout)
    n = (draws + 1) // 2
    a, b = rng.random((n, columns)), rng.random((n, columns))
    z = rng.standard_normal((alt.noise_realisations, *x.shape)) if noisy else None
    matrix = _matrices(x, alt, directions, groups, outliers, errors, z)

    def index_scores(choice: Choice, noise: int, wi: np.ndarray, wd: np.ndarray) -> np.ndarray:
        values = matrix(choice.imputation, choice.normalisation, noise)
        q = power(choice.aggregation, p)
        if q < 1:
            values = lift(values, floor)
        try:
            return aggregate_compiled(values, compiled, wi, wd, q, offset)[1]
        except ValueError as exc:
            raise ValueError(
                f"{choice.aggregation} aggregation of {label(choice.normalisation)} scores: {exc}"
            ) from exc

    def model_ranks(u: np.ndarray) -> tuple[np.ndarray, _Design]:
        design = _decode(u, layout, alt)
        scores = []
        for t in range(u.shape[0]):
            pick = {name: int(v[t]) for name, v in design.picks.items()}
            wi, wd = alt.weightings[pick["weighting"]]
            wd = wd * design.f_dom[t]
            if pick["domain left out"] >= 0:
                wd[pick["domain left out"]] = 0.0
            choice = Choice(
                imputations[pick["imputation"]],
                normalisations[pick["normalisation"]],
                aggregations[pick["aggregation"]],
            )
            scores.append(index_scores(choice, pick["data noise"], wi * design.f_ind[t], wd))
        return rank_rows(np.vstack(scores)), design

    nominal_ranks = rank_rows(index_scores(nominal, -1, w_ind, w_dom)[None, :])[0]
    ranks_a, design_a = model_ranks(a)
    ranks_b, design_b = model_ranks(b)
    ranks = np.vstack([ranks_a, ranks_b])[:draws]
    indices = None
    if sobol and layout:
        names = [i.name for i in layout]
        mixed_ranks = [model_ranks(mixed(a, b, i.columns))[0] for i in layout]
        indices = sobol_indices(
            ranks_a, ranks_b, mixed_ranks, names, bootstrap=bootstrap, seed=seed
        )
    units = _unit_table(ranks, nominal_ranks, x.index)
    return UncertaintyResult(
        units=units,
        leave_one_out=_leave_one_out(
            indicators,
            w_ind,
            w_dom,
            lambda wi, wd: index_scores(nominal, -1, wi, wd),
            nominal_ranks,
        ),
        summary=_summary(ranks, nominal_ranks, units, draws, seed, interval_width_threshold),
        draws=_draw_table(
            [design_a, design_b], draws, alt, list(schemes), compiled.domains, nominal
        ),
        ranks=ranks,
        sobol=indices,
    )


def _vectors(
    indicator_weights: Weights,
    domain_weights: Weights,
    indicators: list[str],
    compiled: CompiledHierarchy,
) -> tuple[np.ndarray, np.ndarray]:
    w_ind = pd.Series(indicator_weights, dtype=float).reindex(indicators).to_numpy()
    w_dom = pd.Series(domain_weights, dtype=float).reindex(compiled.domains).to_numpy()
    return w_ind, w_dom


def _top_domains(hierarchy: Hierarchy, compiled: CompiledHierarchy) -> list[int]:
    """Positions of the top-level domains, the ones a draw may leave out (if two or more)."""
    top = [i for i, d in enumerate(compiled.domains) if hierarchy.domain_parent[d] is None]
    return top if len(top) > 1 else []


def _matrices(
    x: pd.DataFrame,
    alt: _Alternatives,
    directions: Directions,
    groups: pd.Series | None,
    outliers: Mapping[str, Any] | None,
    errors: pd.DataFrame | None,
    z: np.ndarray | None,
) -> Callable[[str, NormSpec, int], np.ndarray]:
    """A cached `(imputation, normalisation, noise realisation or -1) -> normalised values`."""
    treated: dict[tuple[str, int], pd.DataFrame] = {}
    prepared: dict[tuple[str, str, int], np.ndarray] = {}

    def matrix(imputation: str, spec: NormSpec, noise: int) -> np.ndarray:
        key = (imputation, label(spec), noise)
        if key not in prepared:
            if (imputation, noise) not in treated:
                source = x if noise < 0 else perturb(x, errors, z[noise])
                treated[imputation, noise] = _treat(source, imputation, groups, outliers)
            frame = normalise(treated[imputation, noise], spec.method, directions, **spec.params)
            prepared[key] = frame.to_numpy(dtype=float)
        return prepared[key]

    return matrix


def _summary(
    ranks: np.ndarray,
    nominal_ranks: np.ndarray,
    units: pd.DataFrame,
    draws: int,
    seed: int,
    interval_width_threshold: float | None,
) -> dict[str, float]:
    ranked = int(np.sum(~np.isnan(nominal_ranks)))
    threshold = ranked / 10 if interval_width_threshold is None else interval_width_threshold
    widths = units["interval_width"].dropna().to_numpy(float)
    shifts = np.abs(ranks - nominal_ranks)
    shifts = shifts[~np.isnan(shifts)]
    return {
        "draws": draws,
        "seed": seed,
        "units_ranked": ranked,
        "median_abs_rank_shift": float(np.median(shifts)) if shifts.size else np.nan,
        "mean_abs_rank_shift": float(np.mean(shifts)) if shifts.size else np.nan,
        "median_interval_width": float(np.median(widths)) if widths.size else np.nan,
        "interval_width_threshold": float(threshold),
        "share_narrow_intervals": float((widths < threshold).mean()) if widths.size else np.nan,
    }


def _draw_table(
    designs: list[_Design],
    draws: int,
    alt: _Alternatives,
    schemes: list[str],
    domains: list[str],
    nominal: Choice,
) -> pd.DataFrame:
    """Per interval draw: which alternative of every input it used."""

    def column(name: str) -> np.ndarray:
        return np.concatenate([d.picks[name] for d in designs])[:draws]

    left = column("domain left out")
    return pd.DataFrame(
        {
            "imputation": [alt.imputations[i] for i in column("imputation")],
            "normalisation": [label(alt.normalisations[i]) for i in column("normalisation")],
            "aggregation": [alt.aggregations[i] for i in column("aggregation")],
            "weighting": [schemes[i] for i in column("weighting")],
            "domain_left_out": [domains[i] if i >= 0 else "" for i in left],
            "noise_realisation": column("data noise"),
        },
        index=pd.RangeIndex(draws, name="draw"),
    )


def _leave_one_out(
    indicators: list[str],
    w_ind: np.ndarray,
    w_dom: np.ndarray,
    index_scores: Callable[[np.ndarray, np.ndarray], np.ndarray],
    nominal_ranks: np.ndarray,
) -> pd.DataFrame:
    """Rank shifts when each indicator in turn gets weight 0 under the nominal model."""
    rows = []
    for j in range(len(indicators)):
        w = w_ind.copy()
        w[j] = 0.0
        shift = np.abs(rank_rows(index_scores(w, w_dom)[None, :])[0] - nominal_ranks)
        shift = shift[~np.isnan(shift)]
        rows.append(
            (np.median(shift), np.mean(shift), np.max(shift)) if shift.size else (np.nan,) * 3
        )
    return pd.DataFrame(
        rows,
        index=pd.Index(indicators, name="indicator"),
        columns=["median_abs_shift", "mean_abs_shift", "max_abs_shift"],
    )
