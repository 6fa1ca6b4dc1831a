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

__all__ = ["deprivation_svg", "domain_svg", "num", "rank_svg", "text", "ticks", "wrap"]

INK = "#333333"
CHAR_WIDTH = 0.56  # a character's mean width over its font size, to wrap labels by estimate
# Okabe & Ito (as reports/figures.py): England blue, Wales bluish green, the town vermillion.
TOWN_COLOUR = "#D55E00"
PALETTE = {"England": "#0072B2", "Wales": "#009E73"}
PEER_COLOUR, MEAN_COLOUR = "#0072B2", "#7b8794"


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
    parts.append(text(legend_x, top + 14, ["Nation"], 12))
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


def _svg(name: str, alt: str, width: float, height: float, body: str, max_width: str) -> str:
    """The chart's <svg>: an image named by its title (the alt text), scaled to the page."""
    return (
        f'<svg viewBox="0 0 {num(width)} {num(height)}" role="img" aria-labelledby="{name}" '
        f'class="hopeful-chart" style="width:100%;max-width:{max_width};height:auto">'
        f'<title id="{name}">{html.escape(alt)}</title>'
        f'<g font-family="sans-serif" fill="{INK}">{body}</g></svg>'
    )


def _axes(sx, sy, x_ticks, y_ticks, fmt, box, x_label: str, y_label: str) -> str:
    """Ticks with labels on the left and bottom spines, and the axis titles."""
    left, top, right, bottom = box
    parts = []
    for t in y_ticks:
        parts.append(
            f'<line x1="{num(left - 4)}" x2="{num(left)}" y1="{num(sy(t))}" y2="{num(sy(t))}" '
            f'stroke="{INK}"/>'
            + text(left - 7, sy(t) + 4, [fmt[1].format(t)], 11, ' text-anchor="end"')  # fmt: skip
        )
    for t in x_ticks:
        parts.append(
            f'<line x1="{num(sx(t))}" x2="{num(sx(t))}" y1="{num(bottom)}" '
            f'y2="{num(bottom + 4)}" stroke="{INK}"/>'
            + text(sx(t), bottom + 17, [fmt[0].format(t)], 11, ' text-anchor="middle"')
        )
    parts.append(
        f'<path d="M{num(left)},{num(top)}V{num(bottom)}H{num(right)}" fill="none" '
        f'stroke="{INK}"/>'
        + text((left + right) / 2, bottom + 40, [x_label], 12, ' text-anchor="middle"')  # fmt: skip
    )
    if y_label:
        parts.append(
            text(
                0,
                0,
                [y_label],
                12,
                ' text-anchor="middle" '
                f'transform="translate(16,{num((top + bottom) / 2)}) rotate(-90)"',
            )  # fmt: skip
        )
    return "".join(parts)


def rank_svg(towns: pd.DataFrame, town: pd.Series) -> str:
    """Every town's range of ranks over 90% of sampled models, ordered by rank (one thin line
    each, a diagonal at the rank itself), the town's range thick with a dot at its median."""
    columns = ["index_rank", "index_rank_p05", "index_rank_p95"]
    data = towns[columns].dropna(subset=["index_rank"]).sort_values("index_rank")
    width, height, left, right, top, bottom = 700, 280, 75, 20, 15, 225
    n = max(float(data[columns].max().max()), 1.0) if len(data) else 1.0
    axis_ticks, fmt = ticks(0, n, 5)

    def sx(v: float) -> float:
        return left + v / axis_ticks[-1] * (width - right - left)

    def sy(v: float) -> float:
        return bottom - v / axis_ticks[-1] * (bottom - top)

    x, low, high = (data[c].to_numpy(float) for c in columns)
    ranges = "".join(
        f"M{num(sx(a))},{num(sy(b))}V{num(sy(c))}"
        for a, b, c in zip(x, low, high, strict=True)
        if not (np.isnan(b) or np.isnan(c))
    )
    parts = [
        f'<path d="{ranges}" stroke="#cbd2d9" stroke-width=".8" fill="none"/>',
        f'<path d="M{num(sx(x.min()))},{num(sy(x.min()))}L{num(sx(x.max()))},{num(sy(x.max()))}" '
        'stroke="#52606d" stroke-width="1"/>'
        if len(x)
        else "",
        _axes(
            sx,
            sy,
            axis_ticks,
            axis_ticks,
            (fmt, fmt),
            (left, top, width - right, bottom),
            "Index rank (1 = most resilient)",
            "Rank over sampled models",
        ),  # fmt: skip
    ]
    rank = town.get("index_rank")
    if rank is not None and pd.notna(rank):
        at = num(sx(float(rank)))
        if pd.notna(town.get("index_rank_p05")) and pd.notna(town.get("index_rank_p95")):
            parts.append(
                f'<line x1="{at}" x2="{at}" y1="{num(sy(float(town["index_rank_p05"])))}" '
                f'y2="{num(sy(float(town["index_rank_p95"])))}" stroke="{TOWN_COLOUR}" '
                'stroke-width="4"/>'
            )
        median = town.get("index_rank_median")
        if median is not None and pd.notna(median):
            parts.append(
                f'<circle cx="{at}" cy="{num(sy(float(median)))}" r="5" fill="{TOWN_COLOUR}"/>'
            )
        parts.append(
            f'<circle cx="{left + 14}" cy="{top + 10}" r="5" fill="{TOWN_COLOUR}"/>'
            + text(
                left + 26,
                top + 14,
                [f"{town['town_name']}: median rank, range over 90% of sampled models"],
                11,
            )  # fmt: skip
        )
    alt = (
        "Every town's Towns Index rank against the 90% interval of its rank over the sampled "
        "method choices, this town highlighted."
    )
    return _svg("rank-chart", alt, width, height, "".join(parts), "44rem")


def domain_svg(
    towns: pd.DataFrame, town: pd.Series, peers: pd.DataFrame, names: dict[str, str]
) -> str:
    """The town's domain scores (dot) against its peers' mean (diamond) and all towns' mean
    (bar), one row per domain, higher = better."""
    codes = [c for c in names if f"domain_{c}" in towns.columns]
    cols = [f"domain_{c}" for c in codes]
    labels = [names[c] for c in codes]
    left = 20 + CHAR_WIDTH * 12 * max((len(label) for label in labels), default=0)
    width, right, top, row = 700 + left - 150, 20, 40, 32
    bottom = top + row * max(len(codes), 1)
    height = bottom + 55
    means = towns[cols].mean()
    peer = peers[cols].mean() if len(peers) else pd.Series(np.nan, index=cols)
    mine = town[cols].astype(float)
    shown = pd.concat([means, peer, mine]).dropna()
    x_ticks, fmt = (
        ticks(float(shown.min()), float(shown.max()), 5) if len(shown) else ([0, 1], "{:.0f}")
    )

    def sx(v: float) -> float:
        return left + (v - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * (width - right - left)

    def sy(i: float) -> float:
        return top + row * (i + 0.5)

    parts = [_axes(sx, sy, x_ticks, [], (fmt, fmt), (left, top, width - right, bottom),
                   "Domain score (higher = better)", "")]  # fmt: skip
    for i, (col, label) in enumerate(zip(cols, labels, strict=True)):
        y = sy(i)
        parts.append(
            f'<line x1="{num(left - 4)}" x2="{num(left)}" y1="{num(y)}" y2="{num(y)}" '
            f'stroke="{INK}"/>' + text(left - 7, y + 4, [label], 12, ' text-anchor="end"')
        )
        if pd.notna(means[col]):
            x = num(sx(means[col]))
            parts.append(
                f'<line x1="{x}" x2="{x}" y1="{num(y - 9)}" y2="{num(y + 9)}" '
                f'stroke="{MEAN_COLOUR}" stroke-width="2"/>'
            )
        if pd.notna(peer[col]):
            x, d = sx(peer[col]), 5.5
            parts.append(
                f'<path d="M{num(x)},{num(y - d)}l{d},{d}l-{d},{d}l-{d},-{d}Z" '
                f'fill="{PEER_COLOUR}"/>'
            )
        if pd.notna(mine[col]):
            parts.append(
                f'<circle cx="{num(sx(mine[col]))}" cy="{num(y)}" r="5.5" fill="{TOWN_COLOUR}"/>'
            )
    keys = [
        (f'<path d="M0,-10V2" stroke="{MEAN_COLOUR}" stroke-width="2"/>', "All towns (mean)"),
        (f'<path d="M0,-9.5l5,5l-5,5l-5,-5Z" fill="{PEER_COLOUR}"/>', "Peers (mean)"),
        (f'<circle cy="-4" r="5" fill="{TOWN_COLOUR}"/>', str(town["town_name"])),
    ]
    widths = [24 + CHAR_WIDTH * 11 * len(label) + 20 for _, label in keys]
    x = (width - sum(widths)) / 2
    for (mark, label), w in zip(keys, widths, strict=True):
        parts.append(
            f'<g transform="translate({num(x + 6)},{top - 18})">{mark}'
            + text(12, 0, [label], 11)
            + "</g>"
        )
        x += w
    alt = (
        f"The town's score in each of the {len(codes)} domains against the mean of its "
        "peers and the mean of all towns."
    )
    return _svg("domain-chart", alt, width, height, "".join(parts), "44rem")
