"""Benchmark: full scoring pipeline with 1,000 Monte Carlo draws on a synthetic 1,200 × 45 matrix.

Also times a naive baseline that redoes every step with pandas for each draw (50 draws) and
prints the per-draw speed-up of the vectorised Monte Carlo over it.

    .venv/bin/python benchmarks/bench_score.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from hopeful.scoring.aggregate import aggregate_hierarchy
from hopeful.scoring.framework import Domain, Framework, Imputation, Indicator, Uncertainty
from hopeful.scoring.pipeline import run
from hopeful.scoring.uncertainty import label, prepare

UNITS, DOMAINS, PER_DOMAIN, DRAWS, BASELINE_DRAWS, SEED = 1200, 9, 5, 1000, 50, 20240601


def synthetic(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, Framework]:
    """Correlated, partly skewed indicators with 3% gaps, and size-class / nation groups."""
    codes = [f"E34{i:06d}" for i in range(UNITS)]
    latent = rng.normal(size=(UNITS, DOMAINS))
    columns, indicators = {}, []
    for d in range(DOMAINS):
        for j in range(PER_DOMAIN):
            code = f"d{d}_i{j}"
            x = latent[:, d] + rng.normal(scale=1.0, size=UNITS)
            columns[code] = np.exp(x) if j == 0 else x  # one skewed indicator per domain
            indicators.append(Indicator(code, code, f"d{d}", direction=1 if j % 3 else -1))
    data = pd.DataFrame(columns, index=codes)
    data = data.mask(rng.random(data.shape) < 0.03)
    groups = pd.DataFrame(
        {
            "size_class": rng.choice(["small", "medium", "large"], UNITS),
            "nation": rng.choice(["England", "Wales"], UNITS, p=[0.9, 0.1]),
        },
        index=codes,
    )
    framework = Framework(
        path=Path("<synthetic>"),
        sha256="",
        name="benchmark",
        version="",
        domains=tuple(Domain(f"d{d}", f"Domain {d}") for d in range(DOMAINS)),
        indicators=tuple(indicators),
        imputation=Imputation("mean", "size_class"),
        ranking_groups=("size_class", "nation"),
        uncertainty=Uncertainty(
            enabled=True,
            draws=DRAWS,
            seed=SEED,
            imputations=("mean", "median", "group_mean"),
        ),
    )
    return data, groups, framework


def naive_per_draw(
    data: pd.DataFrame, groups: pd.DataFrame, framework: Framework, draws: int
) -> float:
    """Seconds per draw when every step is redone with pandas for each draw."""
    rng = np.random.default_rng(SEED)
    u, hierarchy = framework.uncertainty, framework.hierarchy()
    start = time.perf_counter()
    for _ in range(draws):
        imputation = u.imputations[rng.integers(len(u.imputations))]
        spec = u.normalisations[rng.integers(len(u.normalisations))]
        method = u.aggregations[rng.integers(len(u.aggregations))]
        normalised = prepare(
            data, imputation, spec, framework.directions(), groups["size_class"],
            framework.outliers.arguments(),
        )  # fmt: skip
        w_ind = framework.indicator_weights() * rng.uniform(0.75, 1.25, data.shape[1])
        w_dom = framework.domain_weights() * rng.uniform(0.75, 1.25, DOMAINS)
        _, index = aggregate_hierarchy(normalised, hierarchy, w_ind, w_dom, method)
        index.rank(ascending=False, method="min")
        label(spec)
    return (time.perf_counter() - start) / draws


def main() -> None:
    data, groups, framework = synthetic(np.random.default_rng(SEED))
    start = time.perf_counter()
    result = run(data, framework, groups)
    seconds = time.perf_counter() - start
    print(f"pipeline with {DRAWS} draws on {UNITS} x {data.shape[1]}: {seconds:.2f} s")
    print(f"vectorised: {seconds / DRAWS * 1000:.2f} ms per draw (upper bound, includes pipeline)")
    naive = naive_per_draw(data, groups, framework, BASELINE_DRAWS)
    print(f"naive pandas baseline ({BASELINE_DRAWS} draws): {naive * 1000:.1f} ms per draw")
    print(f"speed-up per draw: {naive / (seconds / DRAWS):.1f}x")
    print(f"summary: {result.uncertainty.summary}")


if __name__ == "__main__":
    main()
