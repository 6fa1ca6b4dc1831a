"""Charts drawn by hand as inline SVG, the way reports/maps.py draws its maps: a town report's
per-town charts cost milliseconds instead of a Matplotlib figure and its PNG each, stay crisp at
any zoom, and weigh a few kilobytes. Coordinates are rounded to one decimal, so the same data
give the same bytes. Shared pieces here; the charts themselves live with their views.
"""

from __future__ import annotations

import html
import math
import textwrap

import numpy as np
import pandas as pd

__all__ = ["deprivation_svg", "num", "text", "ticks", "wrap"]

INK = "#333333"
CHAR_WIDTH = 0.56  # a character's mean width over its font size, to wrap labels by estimate
# Okabe & Ito (as reports/figures.py): England blue, Wales bluish green, the town vermillion.
TOWN_COLOUR = "#D55E00"
PALETTE = {"England": "#0072B2", "Wales": "#009E73"}


def num(value: float) -> str:
    """An SVG coordinate with at most one decimal and no trailing zeros."""
    text = f"{value:.1f}"
    return "0" if text in ("0.0", "-0.0") else text[:-2] if text.endswith(".0") else text


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` wrapped to `width` user units at font size `size` (estimated character widths:
    SVG cannot measure text, and a label running into the next panel is worse than a break)."""
    return textwrap.wrap(text, max(8, int(width / (CHAR_WIDTH * size)))) or [""]


def text(x: float, y: float, lines: list[str], size: float, extra: str = "") -> str:
    """One <text> element with a <tspan> per line; every piece of data escaped."""
    spans = "".join(
        f'<tspan x="{num(x)}" dy="{0 if i == 0 else num(size * 1.2)}">{html.escape(s)}</tspan>'
        for i, s in enumerate(lines)
    )
    return f'<text x="{num(x)}" y="{num(y)}" font-size="{num(size)}"{extra}>{spans}</text>'


def ticks(low: float, high: float, target: int = 4) -> tuple[list[float], str]:
    """Round ticks covering [low, high] (steps of 1, 2, 2.5 or 5 times a power of ten) and
    the format their labels need."""
    if not high > low:
        low, high = low - 1, high + 1
    raw = (high - low) / target
    power = 10 ** math.floor(math.log10(raw))
    step = round(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999), 10)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    decimals = len(f"{step:g}".partition(".")[2])
    return [round(k * step, 10) for k in range(first, last + 1)], f"{{:,.{decimals}f}}"


def _steps(counts: np.ndarray, edges: np.ndarray, sx, sy, *, closed: bool) -> str:
    """A histogram's outline as a path (closed down to zero for the fill)."""
    d = [f"M{num(sx(edges[0]))},{num(sy(0))}"]
    for count, right in zip(counts, edges[1:], strict=True):
        d.append(f"V{num(sy(count))}H{num(sx(right))}")
    d.append(f"V{num(sy(0))}" + ("Z" if closed else ""))
    return "".join(d)


def deprivation_svg(
    towns: pd.DataFrame,
    town: pd.Series,
    column: str = "uk_imd_score",
    label: str = "UK-comparable deprivation score",
) -> str:
    """Where the town sits among all towns of both nations on one comparable measure: each
    nation's histogram (40 bins shared by both) and a line at the town, named beside it."""
    alt = f"Histograms of the {label} of towns in England and in Wales, a line marking this town."
    width, height, left, right, top, bottom = 700, 320, 65, 20, 15, 55
    values = towns[column].dropna()
    edges = np.histogram_bin_edges(values, bins=40)
    counts = {
        nation: np.histogram(towns.loc[towns["nation"] == nation, column].dropna(), edges)[0]
        for nation in PALETTE
        if (towns["nation"] == nation).any()
        and towns.loc[towns["nation"] == nation, column].notna().any()
    }
    y_ticks, y_fmt = ticks(0, max((int(c.max()) for c in counts.values()), default=1), 5)
    x_ticks, x_fmt = ticks(float(edges[0]), float(edges[-1]), 6)
    pad = (edges[-1] - edges[0]) * 0.03 or 1.0
    lo_x, hi_x = float(edges[0] - pad), float(edges[-1] + pad)
    x_ticks = [t for t in x_ticks if lo_x <= t <= hi_x]
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + (v - lo_x) / (hi_x - lo_x) * plot_w

    def sy(v: float) -> float:
        return top + plot_h - v / y_ticks[-1] * plot_h

    parts = [f'<g font-family="sans-serif" fill="{INK}">']
    for t in y_ticks:
        parts.append(
            f'<line x1="{left - 4}" x2="{left}" y1="{num(sy(t))}" y2="{num(sy(t))}" stroke="{INK}"/>'
            + text(left - 7, sy(t) + 4, [y_fmt.format(t)], 11, ' text-anchor="end"')
        )
    for t in x_ticks:
        base = top + plot_h
        parts.append(
            f'<line x1="{num(sx(t))}" x2="{num(sx(t))}" y1="{base}" y2="{base + 4}" stroke="{INK}"/>'
            + text(sx(t), base + 17, [x_fmt.format(t)], 11, ' text-anchor="middle"')
        )
    for nation, c in counts.items():
        colour = PALETTE[nation]
        parts.append(
            f'<path d="{_steps(c, edges, sx, sy, closed=True)}" fill="{colour}" fill-opacity=".25"/>'
            f'<path d="{_steps(c, edges, sx, sy, closed=False)}" fill="none" stroke="{colour}" '
            'stroke-width="1.5"/>'
        )
    value = town.get(column)
    if value is not None and pd.notna(value):
        x = sx(float(value))
        # The name goes on the side of the line with more room, so it stays inside the plot.
        on_right = value <= (edges[0] + edges[-1]) / 2
        parts.append(
            f'<line x1="{num(x)}" x2="{num(x)}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="{TOWN_COLOUR}" stroke-width="2.5"/>'
            + text(
                x + (5 if on_right else -5),
                top + plot_h * 0.1,
                [str(town["town_name"])],
                12,
                f' fill="{TOWN_COLOUR}" text-anchor="{"start" if on_right else "end"}"',
            )  # fmt: skip
        )
    legend_x = width - right - 110
    parts.append(text(legend_x, top + 14, ["nation"], 12))
    for i, nation in enumerate(counts):
        y = top + 32 + 18 * i
        parts.append(
            f'<path d="M{legend_x},{y - 4}h24" stroke="{PALETTE[nation]}" stroke-width="1.5"/>'
            + text(legend_x + 30, y, [nation], 12)
        )
    parts.append(
        f'<path d="M{left},{top}V{top + plot_h}H{width - right}" fill="none" stroke="{INK}"/>'
        + text(
            left + plot_w / 2,
            height - 12,
            [f"{label} (higher = more deprived)"],
            12,
            ' text-anchor="middle"',
        )  # fmt: skip
        + text(
            0,
            0,
            ["Towns"],
            12,
            f' text-anchor="middle" transform="translate(16,{num(top + plot_h / 2)}) rotate(-90)"',
        )  # fmt: skip
        + "</g>"
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="deprivation-chart" '
        'class="hopeful-chart" style="width:100%;max-width:44rem;height:auto">'
        f'<title id="deprivation-chart">{html.escape(alt)}</title>' + "".join(parts) + "</svg>"
    )
