"""Seaborn figures of the attitude models for the notebooks (always labelled as modelled)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from hopeful.models.area_model import AreaModel

__all__ = [
    "clusters_vs_leave",
    "coefficient_plot",
    "coefficient_plot_from_summary",
    "coefficient_plot_table",
    "residual_plot",
]

COLOUR = "#4c72b0"
LABELS = {
    "low_skills": "Adult skills deprivation",
    "share_65plus": "Aged 65+",
    "share_18_24": "Aged 18-24",
    "share_white": "White",
    "share_born_abroad": "Born outside the UK",
    "share_degree": "Degree or level 4+",
    "income_rate": "Income deprivation",
    "share_owner_occupied": "Owner-occupied homes",
}


def coefficient_plot(model: AreaModel) -> plt.Figure:
    """Standardised coefficients (change in log-odds of Leave per SD) with 95 % intervals."""
    return coefficient_plot_table(model.standardised, n=model.n, r2=model.r2, cv_r2=model.cv_r2)


def coefficient_plot_from_summary(summary: dict) -> plt.Figure:
    """The same figure from a saved leave_la.json, so notebooks need not refit the model."""
    features = [f["name"] for f in summary["features"]]
    table = pd.DataFrame(summary["coefficients"]).T.loc[features, ["estimate", "ci_low", "ci_high"]]
    table = table.astype(float).sort_values("estimate", key=abs, ascending=False)
    return coefficient_plot_table(table, n=summary["n"], r2=summary["r2"], cv_r2=summary["cv_r2"])


def coefficient_plot_table(table: pd.DataFrame, *, n: int, r2: float, cv_r2: float) -> plt.Figure:
    """The Leave model's coefficients with confidence intervals, fit in the title."""
    table = table.reset_index(names="feature")  # strongest at the top
    table["label"] = table["feature"].map(LABELS).fillna(table["feature"])
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.4), dpi=80)
    sns.pointplot(data=table, x="estimate", y="label", color=COLOUR, linestyle="none", ax=ax)
    ax.hlines(table["label"], table["ci_low"], table["ci_high"], color=COLOUR, lw=2)
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_xlabel("Change in log-odds of voting Leave per standard deviation (95% interval)")
    ax.set_ylabel("")
    ax.set_title(
        f"Leave share of {n} counting areas (2016), by area characteristic (modelled)\n"
        f"R\u00b2 {r2:.2f}, cross-validated {cv_r2:.2f}; region effects not shown",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def residual_plot(model: AreaModel) -> plt.Figure:
    """Measured against fitted Leave share per counting area: the model's misses at a glance."""
    areas = model.areas.assign(measured=model.areas["fitted"] + model.areas["residual"])
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=80)
    sns.scatterplot(data=areas, x="fitted", y="measured", hue="region", s=18, ax=ax)
    low, high = areas[["fitted", "measured"]].min().min(), areas[["fitted", "measured"]].max().max()
    ax.plot([low, high], [low, high], color="grey", lw=1, ls="--")
    ax.set_xlabel("Modelled Leave share")
    ax.set_ylabel("Measured Leave share (2016)")
    ax.legend(fontsize=7, title=None, loc="upper left")
    fig.tight_layout()
    return fig


def clusters_vs_leave(towns: pd.DataFrame) -> plt.Figure:
    """Number of clusters a town is fully in against its modelled Leave share.

    Until the clusters are computed (no `clusters_full` column) the figure says so instead.
    """
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=80)
    needed = {"clusters_full", "leave_share_modelled"}
    if not needed <= set(towns.columns):
        missing = ", ".join(sorted(needed - set(towns.columns)))
        ax.text(0.5, 0.5, f"Not available yet: no {missing}", ha="center", va="center")
        ax.set_axis_off()
        return fig
    data = towns.dropna(subset=list(needed)).assign(
        clusters_full=lambda d: d["clusters_full"].astype(int)
    )
    order = sorted(data["clusters_full"].unique())
    sns.boxplot(
        data=data,
        x="clusters_full",
        y="leave_share_modelled",
        order=order,
        color="#dddddd",
        fliersize=0,
        ax=ax,
    )
    # Our own jitter from a seeded generator: seaborn's stripplot draws it from numpy's global
    # random state, which made the overview's PNG differ from one run to the next.
    jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(data))
    position = data["clusters_full"].map({c: i for i, c in enumerate(order)})
    ax.scatter(
        position + jitter,
        data["leave_share_modelled"],
        color=COLOUR,
        s=2.5**2,
        alpha=0.5,
        linewidths=0,
        zorder=3,
    )
    ax.set_xlabel("Clusters of risk the town is fully in")
    ax.set_ylabel("Modelled Leave share (2016)")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    fig.tight_layout()
    return fig
