"""Benchmark: how good the modelled town votes are, on the real data `make data` wrote.

Prints the Leave validation table (modelled town figures and the authority-result baseline
against Hanretty's constituency estimates, for towns that are at least half of their 2024
constituency) and the cross-validation table (random folds, spatially blocked folds and the
districts held out within merged authorities), then the ratios that matter: the modelled
mean absolute difference over the baseline's, and spatial over random out-of-sample RMSE.

    .venv/bin/python benchmarks/bench_attitudes.py
"""

from __future__ import annotations

import pandas as pd

from hopeful import paths, processed

GOAL_POINTS = 1.8


def main() -> None:
    where = paths.processed_dir()
    validation = processed.read_table(where, "leave_validation.csv").set_index("estimator")
    cv = processed.read_table(where, "attitude_model_cv.csv")
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print("Leave 2016 against Hanretty's constituency estimates (points):")
        print(validation.round(3).to_string())
        print("\nArea models out of sample:")
        print(cv.round(3).to_string(index=False))
    model = validation.iloc[0]
    baseline = validation.loc["Local authority result (baseline)"]
    ratio = model["mean_abs_diff_points"] / baseline["mean_abs_diff_points"]
    print(
        f"\nModelled town ({model.name}): mean abs. difference "
        f"{model['mean_abs_diff_points']:.2f} points vs baseline "
        f"{baseline['mean_abs_diff_points']:.2f} (ratio {ratio:.2f}); goal <= {GOAL_POINTS}: "
        f"{'met' if model['mean_abs_diff_points'] <= GOAL_POINTS else 'not met'}"
    )
    rmse = cv.set_index(["model", "scheme"])["rmse_points"]
    for name in cv.loc[cv["scheme"] == "spatial blocks", "model"]:
        spatial, random = rmse[(name, "spatial blocks")], rmse[(name, "random folds")]
        print(
            f"{name}: RMSE spatial/random folds {spatial:.2f}/{random:.2f} = {spatial / random:.2f}"
        )


if __name__ == "__main__":
    main()
