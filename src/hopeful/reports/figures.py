"""Seaborn figures the notebooks call, so every report draws them the same way."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from types import ModuleType

import matplotlib.pyplot as plt
import pandas as pd

__all__ = [
    "attitudes_across_towns",
    "clusters_by_region",
    "deprivation_by_region",
    "index_distribution",
    "leave_one_out",
    "size_class_counts",
    "text_label",
]


def _lazy_module(name: str) -> ModuleType:
    """`import name`, deferred until an attribute is first used (the stdlib LazyLoader recipe).

    seaborn (with scipy.stats) is about half of a report kernel's import time, and only the
    overview's figures need it: town reports start faster when it is never loaded.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


sns = _lazy_module("seaborn")

# Okabe & Ito's colour-blind-safe palette (vermillion, blue, bluish green), each at least 3:1
# against white (WCAG non-text contrast); the town, its peers and all towns also differ in
# marker shape, so no figure relies on colour alone.
TOWN_COLOUR = "#D55E00"
PEER_COLOUR = "#0072B2"
PALETTE = {"England": "#0072B2", "Wales": "#009E73"}


def _legend_title(ax: plt.Axes, title: str) -> None:
    """A reader's title for a legend seaborn titled with the column's code."""
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(title)


def _despine(fig: plt.Figure) -> None:
    """Hide the top and right spines of every axes (what `seaborn.despine(fig)` does)."""
    for ax in fig.axes:
        for side, visible in (("top", False), ("right", False), ("left", True), ("bottom", True)):
            ax.spines[side].set_visible(visible)


def text_label(value: object) -> str:
    """Text from data as a literal Matplotlib label: `$...$` would otherwise be read as maths."""
    return str(value).replace("$", r"\$")


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
    _despine(fig)
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
    _legend_title(ax, "Nation")
    ax.set_xlabel("Town size")
    ax.set_ylabel("Towns")
    _despine(fig)
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
    _legend_title(ax, "Town size")
    ax.set_xlabel("Towns Index score (higher = more resilient)")
    ax.set_ylabel("Towns")
    _despine(fig)
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
    _legend_title(ax, "Town size")
    ax.set_xlabel("Clusters a town is fully in (mean)")
    ax.set_ylabel("")
    _despine(fig)
    fig.tight_layout()
    return fig


def leave_one_out(table: pd.DataFrame) -> plt.Figure:
    """How far ranks move when each indicator is left out of the index."""
    data = table.sort_values("mean_abs_shift", ascending=False)
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(data) + 1), dpi=80)
    sns.barplot(data=data, y="indicator", x="mean_abs_shift", color=PEER_COLOUR, ax=ax)
    ax.set_xlabel("Mean absolute rank shift when left out")
    ax.set_ylabel("")
    _despine(fig)
    fig.tight_layout()
    return fig


def attitudes_across_towns(towns: pd.DataFrame, panels: list[tuple[str, str, bool]]) -> plt.Figure:
    """One histogram per (column, title, is_share) panel, towns of each nation stacked: how
    towns spread on each vote and well-being measure (titles say measured or modelled)."""
    ncols = 3
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(9, 2.6 * nrows), dpi=80, squeeze=False)
    for ax, (column, title, is_share) in zip(axes.flat, panels, strict=False):
        data = towns[["nation", column]].dropna()
        sns.histplot(data=data, x=column, hue="nation", palette=PALETTE, multiple="stack",
                     bins=30, linewidth=0.3, ax=ax, legend=ax is axes.flat[0])  # fmt: skip
        _legend_title(ax, "Nation")
        ax.set_title(textwrap.fill(text_label(title), 36), fontsize=9)
        ax.set_xlabel("")
        ax.set_ylabel("Towns" if ax in axes[:, 0] else "")
        if is_share:
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_axis_off()
    _despine(fig)
    fig.tight_layout()
    return fig
