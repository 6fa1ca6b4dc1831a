"""Time the attitude models on the real mirror and prove the MRP engine by simulation.

    python benchmarks/bench_mrp.py                       # 3 simulated polls of 5,000
    python benchmarks/bench_mrp.py --seeds 1 2 3 4 5 --respondents 2000 --draws 300
    python benchmarks/bench_mrp.py --interim data/interim

Prints the EU referendum area model (n, R2, cross-validated R2, strongest standardised
predictors), the variance of modelled town Leave shares by level, and, for each simulated
poll over every real town frame, MRP against raw town means: RMSE ratio (towns with at least
one respondent), correlation with the truth and 90 % interval coverage; then seconds per stage.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from hopeful import paths
from hopeful.models import area_features, leave, multilevel, poststrat, simulate


def _timed(timings: dict[str, float], name: str, func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    timings[name] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--interim", type=Path, default=paths.interim_dir(), help="run `hopeful prepare` first"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--respondents", type=int, default=5000)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--predictor", default="income_rate")
    args = parser.parse_args()
    timings: dict[str, float] = {}

    table = _timed(timings, "lsoa features", area_features.lsoa_features, args.interim)
    model = _timed(
        timings,
        "area model (fit + 10-fold CV)",
        leave.fit_leave_model,
        args.interim,
        lsoa_table=table,
    )
    towns = _timed(
        timings,
        "town estimates (2,000 draws)",
        leave.town_leave_estimates,
        model,
        args.interim,
        lsoa_table=table,
    )
    shares = _timed(
        timings, "variance partition", multilevel.variance_partition, towns, "leave_share_modelled"
    )
    frame = _timed(timings, "post-stratification frame (IPF)", poststrat.poststrat_frame, table)
    areas = area_features.town_features(table)

    print(
        f"EU referendum area model: n={model.n} R2={model.r2:.3f} CV R2={model.cv_r2:.3f} "
        f"residual SD (logit)={model.residual_sd:.3f}"
    )
    for name, row in model.standardised.iterrows():
        print(
            f"  {name:<22} {row['estimate']:+.3f} per SD  [{row['ci_low']:+.3f}, "
            f"{row['ci_high']:+.3f}]  VIF {model.vif[name]:.1f}"
        )
    width = towns["leave_share_modelled_p95"] - towns["leave_share_modelled_p05"]
    print(
        f"Town estimates: {towns['leave_share_modelled'].notna().sum()} towns, median 90% "
        f"interval width {width.median():.3f}"
    )
    print("Variance of modelled town Leave (logit) by level:")
    for level, row in shares.iterrows():
        print(
            f"  {level:<16} {row['variance']:.4f}  share {row['share']:.3f}  "
            f"({int(row['n_units'])} units)"
        )

    print(
        f"MRP simulation: {len(areas)} towns, {args.respondents} respondents, "
        f"predictor {args.predictor}, {args.draws} draws"
    )
    keys = [
        "share_towns_0_to_5_respondents",
        "rmse_raw_polled",
        "rmse_mrp_polled",
        "rmse_ratio",
        "rmse_ratio_20plus",
        "rmse_mrp_all",
        "corr_raw_polled",
        "corr_mrp_all",
        "coverage_90_all",
        "coverage_90_polled",
    ]
    results = []
    for seed in args.seeds:
        result = _timed(
            timings,
            f"simulation seed {seed} (poll, fit, post-stratify)",
            simulate.run_simulation,
            frame,
            areas,
            args.predictor,
            n_respondents=args.respondents,
            seed=seed,
            n_draws=args.draws,
        )
        results.append(result.metrics)
        print(f"  seed {seed}: " + "  ".join(f"{k}={result.metrics[k]:.3f}" for k in keys))
    print("  mean:   " + "  ".join(f"{k}={np.nanmean([r[k] for r in results]):.3f}" for k in keys))
    print("Seconds per stage:")
    for name, seconds in timings.items():
        print(f"  {name:<48} {seconds:7.2f}")


if __name__ == "__main__":
    main()
