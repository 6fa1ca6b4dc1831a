"""Seaborn figures the notebooks call, so every report draws them the same way."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

TOWN_COLOUR = "#c2185b"
PALETTE = {"England": "#4c72b0", "Wales": "#55a868"}


def deprivation_distribution(
    towns: pd.DataFrame,
    town: pd.Series,
    column: str = "uk_imd_score",
    label: str = "UK-comparable deprivation score",
) -> plt.Figure:
    """Where the town sits among all towns of both nations on one comparable measure."""
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=80)
    sns.histplot(
        data=towns,
        x=column,
        hue="nation",
        palette=PALETTE,
        bins=40,
        element="step",
        stat="count",
        ax=ax,
    )
    ax.axvline(town[column], color=TOWN_COLOUR, lw=2)
    ax.annotate(
        str(town["town_name"]),
        (town[column], ax.get_ylim()[1] * 0.92),
        color=TOWN_COLOUR,
        ha="left",
        xytext=(4, 0),
        textcoords="offset points",
    )
    ax.set_xlabel(f"{label} (higher = more deprived)")
    ax.set_ylabel("Towns")
    sns.despine(fig)
    fig.tight_layout()
    return fig


def age_vs_deprivation(towns: pd.DataFrame, town: pd.Series) -> plt.Figure:
    """Age structure against deprivation, the town highlighted among all towns."""
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=80)
    sns.scatterplot(
        data=towns,
        x="uk_imd_score",
        y="share_65plus",
        hue="nation",
        palette=PALETTE,
        s=10,
        alpha=0.5,
        linewidth=0,
        ax=ax,
    )
    ax.scatter(
        [town["uk_imd_score"]],
        [town["share_65plus"]],
        s=80,
        color=TOWN_COLOUR,
        edgecolor="black",
        zorder=5,
        label=str(town["town_name"]),
    )
    ax.set_xlabel("UK-comparable deprivation score")
    ax.set_ylabel("Share aged 65+")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _pos: f"{v:.0%}"))
    ax.legend(loc="best", fontsize=8, frameon=False)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def deprivation_by_region(towns: pd.DataFrame, column: str = "uk_imd_score") -> plt.Figure:
    """The spread of town deprivation in each region, ordered by median."""
    order = towns.groupby("region")[column].median().sort_values(ascending=False).index
    fig, ax = plt.subplots(figsize=(7, 4), dpi=80)
    sns.boxplot(
        data=towns,
        y="region",
        x=column,
        order=order,
        hue="nation",
        palette=PALETTE,
        fliersize=2,
        linewidth=0.8,
        ax=ax,
        legend=False,
    )
    ax.set_xlabel("UK-comparable deprivation score (higher = more deprived)")
    ax.set_ylabel("")
    sns.despine(fig)
    fig.tight_layout()
    return fig


def size_class_counts(towns: pd.DataFrame) -> plt.Figure:
    """How many towns of each size the universe holds in each nation."""
    fig, ax = plt.subplots(figsize=(6, 2.8), dpi=80)
    sns.countplot(
        data=towns,
        x="size_class",
        hue="nation",
        order=["small", "medium", "large"],
        palette=PALETTE,
        ax=ax,
    )
    ax.set_xlabel("")
    ax.set_ylabel("Towns")
    sns.despine(fig)
    fig.tight_layout()
    return fig
