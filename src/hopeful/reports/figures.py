"""Seaborn figures the notebooks call, so every report draws them the same way."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from types import ModuleType

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

__all__ = [
    "attitudes_across_towns",
    "clusters_by_region",
    "deprivation_by_region",
    "domain_profile",
    "fixed_axes",
    "index_distribution",
    "label_width",
    "leave_one_out",
    "rank_intervals",
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


def fixed_axes(
    width: float,
    height: float,
    *,
    left: float,
    bottom: float,
    right: float = 0.2,
    top: float = 0.15,
) -> tuple[plt.Figure, plt.Axes]:
    """A figure with one axes placed by margins in inches.

    The per-town figures use this instead of `tight_layout` and a tight bounding box when
    saved: each of those lays out every text once more, and together they were nearly half of
    a figure's cost, paid again for every town.
    """
    fig = plt.figure(figsize=(width, height), dpi=80)
    ax = fig.add_axes(
        (left / width, bottom / height, 1 - (left + right) / width, 1 - (bottom + top) / height)
    )
    return fig, ax


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


def label_width(labels: list[str]) -> float:
    """Width in inches of the widest tick label, measured with the tick font (no drawing)."""
    prop = FontProperties(size=plt.rcParams["ytick.labelsize"])
    widths = [text_to_path.get_text_width_height_descent(s, prop, ismath=False)[0] for s in labels]
    return max(widths, default=0.0) / 72


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


def domain_profile(
    towns: pd.DataFrame, town: pd.Series, peers: pd.DataFrame, names: dict[str, str]
) -> plt.Figure:
    """The town's domain scores against its peers' and all towns' means (higher = better)."""
    codes = [c for c in names if f"domain_{c}" in towns.columns]
    cols = [f"domain_{c}" for c in codes]
    y = range(len(codes))
    labels = [names[c] for c in codes]
    fig, ax = fixed_axes(
        7, 0.4 * len(codes) + 1.2, left=label_width(labels) + 0.2, bottom=0.55, top=0.4
    )
    ax.scatter(towns[cols].mean(), y, marker="|", s=300, color="#7b8794", label="All towns (mean)")
    ax.scatter(
        peers[cols].mean() if len(peers) else [float("nan")] * len(cols),
        y,
        marker="D",
        s=40,
        color=PEER_COLOUR,
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
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlabel("Domain score (higher = better)")
    # Above the axes, centred on the figure: inside, it hid the points of whichever domains
    # sat in its corner; centred on the axes, long domain names pushed it off the right edge.
    fig.legend(loc="upper center", bbox_to_anchor=(0.5, 1), ncols=3, fontsize=8, frameon=False)
    _despine(fig)
    return fig


def rank_intervals(towns: pd.DataFrame, town: pd.Series) -> plt.Figure:
    """Every town's range of ranks over 90% of sampled models, ordered by rank, the town
    highlighted."""
    columns = ["index_rank", "index_rank_p05", "index_rank_p95"]
    data = towns[columns].dropna(subset=["index_rank"]).sort_values("index_rank")
    fig, ax = fixed_axes(7, 2.8, left=0.75, bottom=0.55)
    # One collection from a plain array: `vlines` builds a masked array per town first.
    x, low, high = (data[c].to_numpy(float) for c in columns)
    segments = np.stack([np.column_stack([x, low]), np.column_stack([x, high])], axis=1)
    ax.add_collection(LineCollection(segments, colors="#cbd2d9", linewidths=0.6))
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
        label=f"{text_label(town['town_name'])}: median rank, range over 90% of sampled models",
    )
    ax.set_xlabel("Index rank (1 = most resilient)")
    ax.set_ylabel("Rank over sampled models")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    _despine(fig)
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
