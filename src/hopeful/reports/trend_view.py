"""Where the town is going: its trends (or its authority's) against all towns, as small multiples.

Reads data/processed/trends.csv (written once by `hopeful score`). Everything that does not
depend on the town, the all-towns bands above all, is computed once per process and file
(`file_cache`), so a town report pays only for its own lines and the drawing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from hopeful import processed as processed_mod
from hopeful.indicators import trends
from hopeful.reports.figures import TOWN_COLOUR, text_label
from hopeful.reports.file_cache import cached_read

__all__ = ["Panel", "trend_caption_html", "trend_figure", "trend_panels"]

# Measures shown as an index of their first year (levels differ too much between places).
INDEXED = {"pubs", "population"}
BAND_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class Panel:
    """One measure: the area's series (year, period, value) and all towns' quartiles."""

    measure: str
    label: str
    axis: str
    area_label: str
    series: pd.DataFrame
    band: pd.DataFrame


def _indexed(frame: pd.DataFrame) -> pd.DataFrame:
    """Each area's values over its first year's, times 100 (areas without a base dropped)."""
    first = frame.sort_values("year").groupby("area_code")["value"].transform("first")
    out = frame.assign(value=frame["value"] / first.where(first > 0) * 100)
    return out.dropna(subset=["value"])


def _read(path: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The table (indexed measures as first year = 100) and every measure's all-towns
    quartiles by year. An authority's value counts once for each town in it, so the band is
    over towns."""
    table = pd.read_csv(path, dtype={"area_code": str, "period": str})
    towns = processed_mod.read_towns(path.parent)[["town_code", "lad_code"]]
    parts, bands = [], {}
    for measure, rows in table.groupby("measure", sort=True):
        if measure in INDEXED:
            rows = _indexed(rows)
        parts.append(rows)
        if (rows["area_type"] == "local authority").all():
            rows = towns.merge(rows, left_on="lad_code", right_on="area_code")
        quartiles = rows.groupby("year")["value"].quantile([0.25, 0.5, 0.75]).unstack()
        quartiles = quartiles.set_axis(["p25", "p50", "p75"], axis=1)
        quartiles["period"] = rows.groupby("year")["period"].first()
        bands[str(measure)] = quartiles.reset_index()
    return pd.concat(parts, ignore_index=True), bands


def trend_panels(view) -> list[Panel]:
    """The town's panels (a TownView): one per trend measure, in the measure file's order."""
    table, bands = cached_read(view.processed_dir / "trends.csv", _read)
    t = view.town
    codes = {str(t["lad_code"]), str(t["town_code"])}
    mine = table[table["area_code"].isin(codes)]
    panels = []
    for m in cached_read(trends.MEASURES_PATH, trends.read_measures).itertuples():
        local = m.area_type == "local authority"
        code = str(t["lad_code"] if local else t["town_code"])
        rows = mine[(mine["measure"] == m.measure) & (mine["area_code"] == code)]
        panels.append(
            Panel(
                measure=m.measure,
                label=m.label,
                axis=m.axis,
                area_label=f"{t['lad_name']} (local authority)" if local else str(t["town_name"]),
                series=rows[["year", "period", "value"]].reset_index(drop=True),
                band=bands[m.measure],
            )
        )
    return panels


def trend_figure(panels: list[Panel]) -> plt.Figure:
    """Small multiples: per measure the area's line against the median and middle half of
    all towns. Axes are placed by hand (no tight_layout: see figures.fixed_axes)."""
    n = len(panels)
    width, height, gap, left = 2.55 * n, 3.1, 0.55, 0.45
    fig = plt.figure(figsize=(width, height), dpi=80)
    panel_w = (width - left - gap * (n - 1) - 0.15) / n
    for i, p in enumerate(panels):
        ax = fig.add_axes(
            ((left + i * (panel_w + gap)) / width, 0.9 / height, panel_w / width, 1.6 / height)
        )
        if not p.band.empty:
            ax.fill_between(p.band["year"], p.band["p25"], p.band["p75"], color=BAND_COLOUR,
                            alpha=0.3, linewidth=0, label="Middle half of towns")  # fmt: skip
            ax.plot(p.band["year"], p.band["p50"], color="#616161", linestyle="--",
                    linewidth=1.2, label="Median town")  # fmt: skip
        if p.series.empty:
            ax.text(0.5, 0.5, "not available", ha="center", va="center", transform=ax.transAxes)
        else:
            ax.plot(p.series["year"], p.series["value"], color=TOWN_COLOUR, marker="o",
                    markersize=3.5, linewidth=2, label="This town or its local authority")  # fmt: skip
        years = p.band.set_index("year")["period"].sort_index()
        if len(years):
            ends = years.iloc[[0, -1]] if len(years) > 1 else years
            ax.set_xticks(list(ends.index), list(ends))
            ax.set_xlim(years.index[0] - 0.6, years.index[-1] + 0.6)
        ax.text(0, 1.02, text_label(p.area_label), transform=ax.transAxes, fontsize=7.5,
                color="#424242", va="bottom")  # fmt: skip
        ax.set_title(text_label(p.label) + "\n", fontsize=10, loc="left", fontweight="bold")
        ax.set_xlabel(text_label(p.axis), fontsize=7.5)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    for ax in fig.axes[1:]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=9)
    return fig


def _number(measure: str, value: float) -> str:
    if measure == "pay":
        return f"£{value:,.0f}"
    return f"{value:.1f}" if measure == "life_satisfaction" else f"{value:.0f}"


def _change(p: Panel) -> str | None:
    """'Residents' weekly pay in X: £415 (2008) to £694 (2025); median town £431 to £702.'"""
    if p.series.empty:
        return None
    first, last = p.series.iloc[0], p.series.iloc[-1]
    words = f"{_number(p.measure, first['value'])} ({first['period']})"
    if len(p.series) > 1:
        words += f" to {_number(p.measure, last['value'])} ({last['period']})"
    band = p.band.set_index("year")["p50"]
    ends = [y for y in (first["year"], last["year"]) if y in band.index]
    if ends:
        median = " to ".join(_number(p.measure, band[y]) for y in ends)
        words += f"; median town {median}"
    return (
        f"<li><strong>{html.escape(p.label)}</strong> ({html.escape(p.axis.lower())}), "
        f"{html.escape(p.area_label)}: {html.escape(words)}.</li>"
    )


def trend_caption_html(view, panels: list[Panel]) -> str:
    """A plain caption: what the lines are, each measure's first and last value, and caveats."""
    described = cached_read(trends.MEASURES_PATH, trends.read_measures).set_index("measure")
    items = [c for c in map(_change, panels) if c]
    notes = "".join(
        f"<li>{html.escape(p.label)}: {html.escape(str(described.at[p.measure, 'note']))}. "
        f"Source: {html.escape(str(described.at[p.measure, 'source']))}.</li>"
        for p in panels
    )
    missing = [p.label for p in panels if p.series.empty]
    gap = (
        f"<p>Not available for this town: {html.escape(', '.join(missing))}.</p>" if missing else ""
    )
    wales = (
        "<p>Wales: the Welsh Index of Multiple Deprivation has no edition after 2019 in this "
        "project's data, so deprivation shows 2019 only.</p>"
        if view.town["nation"] == "Wales"
        else ""
    )
    return (
        "<p>The solid line with dots is the town where the figures exist for towns, otherwise its local "
        "authority (named above each chart); the dashed line is the median town and the grey "
        "band the middle half of all towns.</p>"
        f"<ul class='trend-changes'>{''.join(items)}</ul>{gap}{wales}"
        f"<details><summary>What each chart measures</summary><ul>{notes}</ul></details>"
    )
