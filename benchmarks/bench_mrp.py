"""Time the attitude models on the real mirror and prove the MRP engine by simulation.

    python benchmarks/bench_mrp.py                       # seed 1, polls of 5,000 (make bench)
    python benchmarks/bench_mrp.py --seeds 1 2 3 --scenarios correct both --no-tribes
    python benchmarks/bench_mrp.py --interim data/interim

Prints the EU referendum area model (n, R2, cross-validated R2, strongest standardised
predictors), the variance of modelled town Leave shares by level, and the MRP simulations
over every real town frame: for each scenario (correct, misspecified, frame error; `both`
on request) and the six-tribe multinomial, MRP, the synthetic estimator and raw town means
scored by RMSE and 90 % interval coverage on towns with 1+ and 20+ respondents and on all
towns, with the informative ratio (MRP / raw RMSE on towns with 20+ respondents); then
seconds per stage. Deterministic for given seeds.
"""

from __future__ import annotations

import os

# The MRP fits multiply small matrices (5,000 x 30): threaded BLAS only adds contention, and on
# a busy 2-core machine it made the simulations three times slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from hopeful import paths  # noqa: E402
from hopeful.models import area_features, leave, mrp, multilevel, poststrat, simulate  # noqa: E402

SCORE_COLUMNS = (
    "rmse_polled",
    "rmse_20plus",
    "rmse_all",
    "coverage_polled",
    "coverage_20plus",
    "coverage_all",
)
WIDTHS = (8, 9, 9, 9, 10, 10)
LABELS = {"mrp": "MRP", "synthetic": "synthetic", "raw": "raw mean"}


def _fmt(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.3f}"


def frame_towns(frame) -> list[str]:
    """The towns of the post-stratification frame."""
    return sorted(frame["town_code"].unique())


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
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--respondents", type=int, default=5000)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--tribe-draws", type=int, default=100)
    parser.add_argument(
        "--scenarios",
        nargs="+",
        default=["correct", "misspecified", "frame error"],
        choices=list(simulate.SCENARIOS),
    )
    parser.add_argument("--no-tribes", dest="tribes", action="store_false")
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
    areas = mrp.area_table(table)

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
        f"MRP simulations: {len(frame_towns(frame))} towns, {args.respondents} respondents, "
        f"predictor {args.predictor}, {args.draws} draws ({args.tribe_draws} for the tribes)"
    )
    runs = [(name, simulate.run_simulation, {"scenario": name}) for name in args.scenarios]
    if args.tribes:
        runs.append(("six tribes", simulate.run_tribe_simulation, {}))
    for seed in args.seeds:
        print(f"seed {seed}")
        print(
            f"  {'scenario':<13} {'estimator':<10} {'RMSE 1+':>8} {'RMSE 20+':>9} "
            f"{'RMSE all':>9} {'cov90 1+':>9} {'cov90 20+':>10} {'cov90 all':>10}"
        )
        for name, run, extra in runs:
            draws = args.tribe_draws if name == "six tribes" else args.draws
            result = _timed(
                timings,
                f"simulation {name}, seed {seed}",
                run,
                frame,
                areas,
                args.predictor,
                n_respondents=args.respondents,
                seed=seed,
                n_draws=draws,
                **extra,
            )
            for estimator, row in result.scores.iterrows():
                cells = [row.get(k, np.nan) for k in SCORE_COLUMNS]
                print(
                    f"  {name:<13} {LABELS[estimator]:<10} "
                    + " ".join(f"{v:>{w}}" for v, w in zip(map(_fmt, cells), WIDTHS, strict=True))
                )
            m = result.metrics
            print(
                f"  {'':<13} informative ratio MRP/raw, towns with 20+ respondents: "
                f"{m['rmse_ratio_20plus']:.3f} ({int(m['n_towns_20plus'])} towns); MRP/raw, "
                f"towns with 1+: {m['rmse_ratio']:.3f}; MRP/synthetic, all towns: "
                f"{m['rmse_ratio_synthetic']:.3f}; fitted town SD {m['town_sd_fitted']:.3f} "
                f"(true unexplained town SD {simulate.Truth().town_sd:.2f})"
            )
    print("Seconds per stage:")
    for name, seconds in timings.items():
        print(f"  {name:<48} {seconds:7.2f}")


if __name__ == "__main__":
    main()
