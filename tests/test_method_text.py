"""Report prose about the method follows the framework and clusters files."""

from __future__ import annotations

import dataclasses

from hopeful.clusters import load_clusters
from hopeful.reports import method_text
from hopeful.scoring.framework import DEFAULT_PATH, load_framework


def test_prose_says_what_the_framework_runs() -> None:
    fw = load_framework(DEFAULT_PATH)
    text = method_text.sensitivity_intro(fw)
    assert text.startswith(f"{fw.uncertainty.draws:,} Monte Carlo draws over weights (±")
    changed = dataclasses.replace(
        fw,
        uncertainty=dataclasses.replace(fw.uncertainty, draws=250, weight_spread=0.1),
    )
    assert method_text.sensitivity_intro(changed).startswith(
        "250 Monte Carlo draws over weights (±10%)"
    )
    assert "from 250 Monte Carlo draws" in method_text.index_intro(changed)


def test_methods_are_named_for_readers() -> None:
    text = method_text.sensitivity_intro(load_framework(DEFAULT_PATH))
    assert "min-max" in text and "equal indicator weights" in text and "_" not in text
    assert "data noise" in text and "one domain left out (50% of draws)" in text
    resampled = dataclasses.replace(
        load_framework(DEFAULT_PATH).uncertainty,
        imputations=("mean", "group_median"),
        data_noise=False,
    )
    text = method_text.sensitivity_intro(
        dataclasses.replace(load_framework(DEFAULT_PATH), uncertainty=resampled)
    )
    assert "imputation (mean, median by nation)" in text and "data noise" not in text


def test_cluster_prose_follows_the_rule() -> None:
    config = load_clusters()
    assert f"The {len(config.clusters)} clusters" in method_text.clusters_intro(config)
    strict = dataclasses.replace(
        config, rule=dataclasses.replace(config.rule, min_assessable=4, partial_missing=2)
    )
    text = method_text.clusters_intro(strict)
    assert "misses up to two" in text and "fewer than four assessable" in text


def test_cluster_prose_names_the_basis_and_the_threshold() -> None:
    config = load_clusters()

    def text(**changes: object) -> str:
        return method_text.clusters_intro(
            dataclasses.replace(config, rule=dataclasses.replace(config.rule, **changes))
        )

    strict = text(basis="criteria", threshold="quantile", quantile=0.4)
    assert "meets all four criteria" in strict and "at most partially in" in strict
    assert "above the 40th percentile" in strict and "below the 60th" in strict
    lenient = text(basis="assessable", threshold="mean", quantile=None)
    assert "every criterion it can be assessed on" in lenient and "can be fully in" in lenient
    assert "towns average" in lenient and "percentile" not in lenient
    assert "median town" in text(threshold="median", quantile=None)
    assert method_text.ordinal(0.21) == "21st" and method_text.ordinal(0.125) == "12.5th"
