"""Where the town is going: its trends (or its authority's) against all towns, as small multiples.

Reads data/processed/trends.csv (written once by `hopeful score`). Everything that does not
depend on the town, the all-towns bands above all, is computed once per process and file
(`file_cache`), so a town report pays only for its own lines and the drawing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hopeful.indicators import trend_measures
from hopeful.reports import svg_charts, town_view
from hopeful.reports.file_cache import cached_read
from hopeful.reports.svg_charts import CHAR_WIDTH, INK, TOWN_COLOUR

__all__ = ["Panel", "trend_alt", "trend_caption_html", "trend_panels", "trend_svg"]

# Measures shown as an index of their first year (levels differ too much between places).
INDEXED = {"pubs", "population"}
BAND_COLOUR = "#9e9e9e"
# The chart's geometry in SVG user units (the viewBox is WIDTH wide and scales to the page).
WIDTH = 1000
LEFT, GAP, RIGHT, Y_LABELS = 6, 30, 6, 40
PLOT_HEIGHT = 130
MEDIAN_COLOUR = "#616161"
LEGEND = (
    ("band", "Middle half of towns"),
    ("median", "Median town"),
    ("town", "This town or its local authority"),
)


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
    towns = town_view.towns_table(path.parent)[["town_code", "lad_code"]]
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
    for m in cached_read(trend_measures.MEASURES_PATH, trend_measures.read_measures).itertuples():
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


def _periods(p: Panel) -> pd.Series:
    """The panel's periods by year (the towns' band, else the area's own series)."""
    frame = p.band if not p.band.empty else p.series
    return frame.drop_duplicates("year").set_index("year")["period"].sort_index()


def _span(p: Panel) -> str:
    """'2019 and 2025', '2008-2025' or '2019': the years a panel covers, for the alt text."""
    periods = list(_periods(p))
    if len(periods) > 2:
        return f"{periods[0]}-{periods[-1]}"
    return " and ".join(map(str, periods))


def trend_alt(panels: list[Panel]) -> str:
    """The chart's text alternative: what each small chart covers and how the lines read."""
    covered = ", ".join(f"{p.label.lower()} ({_span(p)})" for p in panels)
    return (
        f"{len(panels)} small charts over time: {covered}, each for this town or its local "
        "authority as a solid line with dots against the median town (dashed) and the middle "
        "half of all towns (grey band)."
    )


def _panel(p: Panel, x0: float, top: float, width: float) -> str:
    """One small chart: the band, the median, the area's line and dots, ticks and labels."""
    periods = _periods(p)
    left, right = x0 + Y_LABELS, x0 + width
    bottom = top + PLOT_HEIGHT
    values = pd.concat([p.band[["p25", "p50", "p75"]].stack(), p.series["value"]]).dropna()
    ticks, fmt = (
        svg_charts.ticks(float(values.min()), float(values.max())) if len(values) else ([], "")
    )
    parts = [f'<g font-family="sans-serif" fill="{INK}">']
    if len(periods) and ticks:
        lo_x, hi_x = periods.index[0] - 0.6, periods.index[-1] + 0.6

        def sx(year: float) -> float:
            return left + (year - lo_x) / (hi_x - lo_x) * (right - left)

        def sy(value: float) -> float:
            return bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * PLOT_HEIGHT

        def points(years: pd.Series, values: pd.Series) -> list[str]:
            return [
                f"{svg_charts.num(sx(y))},{svg_charts.num(sy(v))}"
                for y, v in zip(years, values, strict=True)
            ]

        for t in ticks:
            y = svg_charts.num(sy(t))
            parts.append(
                f'<line x1="{svg_charts.num(left - 4)}" x2="{svg_charts.num(left)}" y1="{y}" y2="{y}" stroke="{INK}"/>'
                + svg_charts.text(left - 6, sy(t) + 3.5, [fmt.format(t)], 10, ' text-anchor="end"')
            )
        ends = periods.iloc[[0, -1]] if len(periods) > 1 else periods
        for year, period in ends.items():
            x = svg_charts.num(sx(year))
            parts.append(
                f'<line x1="{x}" x2="{x}" y1="{svg_charts.num(bottom)}" y2="{svg_charts.num(bottom + 4)}" '
                f'stroke="{INK}"/>'
                + svg_charts.text(
                    sx(year), bottom + 16, [str(period)], 10, ' text-anchor="middle"'
                )  # fmt: skip
            )
        if not p.band.empty:
            band = p.band.sort_values("year")
            upper, lower, median = (points(band["year"], band[q]) for q in ("p75", "p25", "p50"))
            parts.append(
                f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{BAND_COLOUR}" '
                'fill-opacity=".3"/>'
                f'<polyline points="{" ".join(median)}" fill="none" stroke="{MEDIAN_COLOUR}" '
                'stroke-width="1.5" stroke-dasharray="5 3"/>'
            )
        if not p.series.empty:
            xy = [c.split(",") for c in points(p.series["year"], p.series["value"])]
            line = " ".join(f"{x},{y}" for x, y in xy)
            dots = "".join(f'<circle cx="{x}" cy="{y}" r="3"/>' for x, y in xy)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{TOWN_COLOUR}" '
                f'stroke-width="2.5" stroke-linejoin="round"/><g fill="{TOWN_COLOUR}">{dots}</g>'
            )
    if p.series.empty:
        parts.append(
            svg_charts.text(
                (left + right) / 2,
                top + PLOT_HEIGHT / 2,
                ["not available"],
                11,
                ' text-anchor="middle"',
            )  # fmt: skip
        )
    parts.append(
        f'<path d="M{svg_charts.num(left)},{svg_charts.num(top)}V{svg_charts.num(bottom)}H{svg_charts.num(right)}" fill="none" '
        f'stroke="{INK}"/>'
        + svg_charts.text(
            (left + right) / 2,
            bottom + 32,
            svg_charts.wrap(p.axis, 10, width),
            10,
            ' text-anchor="middle"',
        )  # fmt: skip
        + "</g>"
    )
    return "".join(parts)


def _legend(y: float) -> str:
    """The three keys, centred under the panels."""
    keys = {
        "band": f'<rect width="22" height="10" y="-9" fill="{BAND_COLOUR}" fill-opacity=".3"/>',
        "median": f'<path d="M0,-4H22" stroke="{MEDIAN_COLOUR}" stroke-width="1.5" '
        'stroke-dasharray="5 3"/>',
        "town": f'<path d="M0,-4H22" stroke="{TOWN_COLOUR}" stroke-width="2.5"/>'
        f'<circle cx="11" cy="-4" r="3" fill="{TOWN_COLOUR}"/>',
    }
    widths = [30 + CHAR_WIDTH * 11 * len(label) + 24 for _, label in LEGEND]
    x = (WIDTH - sum(widths)) / 2
    parts = []
    for (key, label), w in zip(LEGEND, widths, strict=True):
        parts.append(
            f'<g transform="translate({svg_charts.num(x)},{svg_charts.num(y)})">{keys[key]}'
            + svg_charts.text(30, 0, [label], 11, f' fill="{INK}"')
            + "</g>"
        )
        x += w
    return f'<g font-family="sans-serif">{"".join(parts)}</g>'


def trend_svg(panels: list[Panel]) -> str:
    """Small multiples as inline SVG: per measure the area's line with dots against the median
    town (dashed) and the middle half of all towns (grey band), with the chart's alt text as
    its title. Drawn by hand like reports/maps.py: crisp at any zoom, a few kilobytes, and
    about a hundred times cheaper than a Matplotlib figure and its PNG."""
    n = max(len(panels), 1)
    width = (WIDTH - LEFT - RIGHT - GAP * (n - 1)) / n
    titles = [svg_charts.wrap(p.label, 13, width) for p in panels]
    areas = [svg_charts.wrap(p.area_label, 10.5, width) for p in panels]
    header = max((18 * len(t) + 13 * len(a) for t, a in zip(titles, areas, strict=True)), default=0)
    top = 16 + header + 10
    axis_lines = max((len(svg_charts.wrap(p.axis, 10, width)) for p in panels), default=1)
    legend_y = top + PLOT_HEIGHT + 32 + 12 * axis_lines + 18
    height = legend_y + 10
    parts = []
    for i, p in enumerate(panels):
        x0 = LEFT + i * (width + GAP)
        parts.append(
            svg_charts.text(
                x0, 16, titles[i], 13, f' font-weight="bold" fill="{INK}" font-family="sans-serif"'
            )
            + svg_charts.text(
                x0,
                16 + 18 * len(titles[i]) - 2,
                areas[i],
                10.5,
                ' fill="#424242" font-family="sans-serif"',
            )  # fmt: skip
            + _panel(p, x0, top, width)
        )
    return (
        f'<svg viewBox="0 0 {WIDTH} {svg_charts.num(height)}" role="img" aria-labelledby="trend-chart" '
        'class="hopeful-trends" style="width:100%;max-width:64rem;height:auto">'
        f'<title id="trend-chart">{html.escape(trend_alt(panels))}</title>'
        + "".join(parts)
        + _legend(legend_y)
        + "</svg>"
    )


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
    described = cached_read(trend_measures.MEASURES_PATH, trend_measures.read_measures).set_index(
        "measure"
    )
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
