"""Seaborn figures the notebooks call, so every report draws them the same way."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

TOWN_COLOUR = "#c2185b"
PALETTE = {"England": "#4c72b0", "Wales": "#55a868"}


def text_label(value: object) -> str:
    """Text from data as a literal Matplotlib label: `$...$` would otherwise be read as maths."""
    return str(value).replace("$", r"\$")


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
        text_label(town["town_name"]),
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


def domain_profile(
    towns: pd.DataFrame, town: pd.Series, peers: pd.DataFrame, names: dict[str, str]
) -> plt.Figure:
    """The town's domain scores against its peers' and all towns' means (higher = better)."""
    codes = [c for c in names if f"domain_{c}" in towns.columns]
    cols = [f"domain_{c}" for c in codes]
    y = range(len(codes))
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(codes) + 1), dpi=80)
    ax.scatter(towns[cols].mean(), y, marker="|", s=300, color="#7b8794", label="All towns (mean)")
    ax.scatter(
        peers[cols].mean() if len(peers) else [float("nan")] * len(cols),
        y,
        marker="D",
        s=40,
        color="#f0a202",
        label="Peers (mean)",
    )
    ax.scatter(
        town[cols].astype(float),
        y,
        s=60,
        color=TOWN_COLOUR,
        zorder=5,
        label=text_label(town["town_name"]),
    )
    ax.set_yticks(list(y), [names[c] for c in codes])
    ax.invert_yaxis()
    ax.set_xlabel("Domain score (higher = better)")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def rank_intervals(towns: pd.DataFrame, town: pd.Series) -> plt.Figure:
    """Every town's 90% rank interval, ordered by rank, the town highlighted."""
    data = towns.dropna(subset=["index_rank"]).sort_values("index_rank")
    fig, ax = plt.subplots(figsize=(7, 2.8), dpi=80)
    ax.vlines(
        data["index_rank"], data["index_rank_p05"], data["index_rank_p95"], color="#cbd2d9", lw=0.6
    )
    ax.plot(data["index_rank"], data["index_rank"], color="#52606d", lw=0.8)
    ax.vlines(
        [town["index_rank"]],
        [town["index_rank_p05"]],
        [town["index_rank_p95"]],
        color=TOWN_COLOUR,
        lw=3,
    )
    ax.scatter(
        [town["index_rank"]],
        [town["index_rank_median"]],
        color=TOWN_COLOUR,
        zorder=5,
        label=f"{text_label(town['town_name'])}: median rank and 90% interval",
    )
    ax.set_xlabel("Index rank (1 = most resilient)")
    ax.set_ylabel("Rank over sampled models")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def index_distribution(towns: pd.DataFrame) -> plt.Figure:
    """The Towns Index across towns, by size class."""
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=80)
    sns.histplot(
        data=towns,
        x="index_score",
        hue="size_class",
        multiple="stack",
        hue_order=["small", "medium", "large"],
        bins=40,
        ax=ax,
    )
    ax.set_xlabel("Towns Index score (higher = more resilient)")
    ax.set_ylabel("Towns")
    sns.despine(fig)
    fig.tight_layout()
    return fig


def clusters_by_region(towns: pd.DataFrame) -> plt.Figure:
    """Mean number of clusters towns are fully in, by region and size class."""
    data = towns.groupby(["region", "size_class"], as_index=False)["clusters_full"].mean()
    order = towns.groupby("region")["clusters_full"].mean().sort_values(ascending=False).index
    fig, ax = plt.subplots(figsize=(7, 4), dpi=80)
    sns.barplot(
        data=data,
        y="region",
        x="clusters_full",
        hue="size_class",
        order=order,
        hue_order=["small", "medium", "large"],
        ax=ax,
    )
    ax.set_xlabel("Clusters a town is fully in (mean)")
    ax.set_ylabel("")
    sns.despine(fig)
    fig.tight_layout()
    return fig


def leave_one_out(table: pd.DataFrame) -> plt.Figure:
    """How far ranks move when each indicator is left out of the index."""
    data = table.sort_values("mean_abs_shift", ascending=False)
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(data) + 1), dpi=80)
    sns.barplot(data=data, y="indicator", x="mean_abs_shift", color="#4c72b0", ax=ax)
    ax.set_xlabel("Mean absolute rank shift when left out")
    ax.set_ylabel("")
    sns.despine(fig)
    fig.tight_layout()
    return fig
