"""Maps of England and Wales as inline SVG, drawn from the prepared map layers with shapely.

No tiles and no requests: a map is a few paths (land, local authority boundaries) and circles
(towns) written into the page. The layers come from data/processed/map_layers.parquet
(`hopeful.prepare.map_layers`, British National Grid metres). Each map kind has a scale (metres
per SVG unit); the base drawing for a scale — layers simplified to one unit and encoded as
compact relative paths — is built once per process (`file_cache`), so a town's locator map
costs one string join and stays small (a few tens of kilobytes at most).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from hopeful import load
from hopeful.reports.file_cache import cached_read

__all__ = [
    "DECILE_COLOURS",
    "BaseMap",
    "Frame",
    "Layers",
    "base_map",
    "cluster_maps_html",
    "index_map_html",
    "layers_path",
    "locator_svg",
    "national_map_html",
    "path_d",
    "read_layers",
]

LAYERS_FILE = "map_layers.parquet"
# Metres per SVG unit of each map kind: the locator is a thumbnail, the national map a figure.
LOCATOR_UNIT_M = 3_000.0
NATIONAL_UNIT_M = 1_200.0
SMALL_UNIT_M = 4_500.0
INDEX_UNIT_M = 1_500.0
# Viridis in ten steps (decile 1 = the most resilient tenth, dark): ordered in lightness, so it
# reads in greyscale and for the common colour-vision deficiencies.
DECILE_COLOURS = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)
LAND = "#eceff1"
LINES = "#9aa4ae"
ACCENT = "#c2185b"
INK = "#1f2328"
PARTIAL = "#5f6b76"  # partial cluster members: 4.7:1 on the land colour


@dataclass(frozen=True)
class Layers:
    """The prepared layers: land polygons, the boundary network, authorities, town points."""

    land: np.ndarray
    lad_lines: object
    lad: Mapping[str, object]
    towns: pd.DataFrame  # index town_code, columns x, y (metres)


@dataclass(frozen=True)
class Frame:
    """Metres (British National Grid) → SVG units: `unit_m` metres a unit, y pointing down."""

    left: float
    top: float
    unit_m: float
    width: int
    height: int

    def xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Projected coordinates (floats) of metre coordinates."""
        return (np.asarray(x) - self.left) / self.unit_m, (self.top - np.asarray(y)) / self.unit_m


@dataclass(frozen=True)
class BaseMap:
    """One scale's frame and its encoded land and boundary paths."""

    frame: Frame
    land: str
    lines: str
    towns: pd.DataFrame  # index town_code, columns u, v (SVG units, rounded to 0.1)


def layers_path(processed_dir: str | Path) -> Path:
    """Where `hopeful prepare` writes the map layers."""
    return Path(processed_dir) / LAYERS_FILE


def _read(path: Path) -> Layers:
    table = load.read_parquet(path)
    shapes = shapely.from_wkb(table["geometry_wkb"].to_numpy())
    layer = table["layer"].to_numpy()
    towns = table[layer == "town"]
    points = shapes[layer == "town"]
    lines = shapes[layer == "lad_lines"]
    return Layers(
        land=shapes[layer == "land"],
        lad_lines=lines[0] if len(lines) else shapely.MultiLineString([]),
        lad=dict(zip(table["code"][layer == "lad"], shapes[layer == "lad"], strict=True)),
        towns=pd.DataFrame(
            {"x": shapely.get_x(points), "y": shapely.get_y(points)},
            index=pd.Index(towns["code"].astype(str), name="town_code"),
        ),
    )


def read_layers(processed_dir: str | Path) -> Layers | None:
    """The map layers (read once per process), or None when they were never prepared."""
    path = layers_path(processed_dir)
    return cached_read(path, _read) if path.is_file() else None


def _numbers(values: Iterable[int]) -> str:
    """Integers as SVG path numbers: a minus sign separates, so no space is needed before it."""
    out = []
    for i, v in enumerate(values):
        out.append(("" if i == 0 or v < 0 else " ") + str(v))
    return "".join(out)


def path_d(shapes: Iterable[object], frame: Frame, *, closed: bool) -> str:
    """An SVG path (`d`) of lines or polygon rings, simplified to one unit, relative integers.

    Rings or lines that collapse to fewer than three (polygons) or two (lines) points at this
    scale are left out: an island smaller than a unit would draw as a speck.
    """
    parts: list[str] = []
    minimum = 3 if closed else 2
    for shape in shapes:
        simple = shapely.simplify(shape, frame.unit_m * 0.8, preserve_topology=False)
        rings = shapely.get_parts(simple)
        if closed:  # get_rings takes polygons, not multipolygons: split first
            rings = shapely.get_rings(rings)
        for ring in rings:
            coords = shapely.get_coordinates(ring)
            if len(coords) < minimum:
                continue
            u, v = frame.xy(coords[:, 0], coords[:, 1])
            pts = np.column_stack([np.rint(u), np.rint(v)]).astype(np.int64)
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            pts = pts[keep]
            if closed and len(pts) > 1 and (pts[0] == pts[-1]).all():
                pts = pts[:-1]
            if len(pts) < minimum:
                continue
            steps = np.diff(pts, axis=0).ravel().tolist()
            parts.append(
                f"M{_numbers(pts[0].tolist())}l{_numbers(steps)}" + ("z" if closed else "")
            )
    return "".join(parts)


def _frame(layers: Layers, unit_m: float, pad_units: int = 4) -> Frame:
    left, bottom, right, top = shapely.total_bounds(layers.land)
    pad = pad_units * unit_m
    return Frame(
        left=float(left - pad),
        top=float(top + pad),
        unit_m=unit_m,
        width=int(np.ceil((right - left + 2 * pad) / unit_m)),
        height=int(np.ceil((top - bottom + 2 * pad) / unit_m)),
    )


def _base(layers: Layers, unit_m: float) -> BaseMap:
    frame = _frame(layers, unit_m)
    u, v = frame.xy(layers.towns["x"].to_numpy(), layers.towns["y"].to_numpy())
    return BaseMap(
        frame=frame,
        land=path_d(layers.land, frame, closed=True),
        lines=path_d([layers.lad_lines], frame, closed=False),
        towns=pd.DataFrame({"u": np.round(u, 1), "v": np.round(v, 1)}, index=layers.towns.index),
    )


_BASE_READERS: dict[float, object] = {}


def base_map(processed_dir: str | Path, unit_m: float) -> BaseMap | None:
    """The encoded base drawing at `unit_m` metres a unit, built once per process and scale."""
    path = layers_path(processed_dir)
    if not path.is_file():
        return None
    reader = _BASE_READERS.get(unit_m)
    if reader is None:

        def reader(p: Path, unit_m: float = unit_m) -> BaseMap:
            return _base(cached_read(p, _read), unit_m)

        _BASE_READERS[unit_m] = reader
    return cached_read(path, reader)  # type: ignore[arg-type]


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg_open(frame: Frame, title: str, *, css_width: str, label_id: str) -> str:
    return (
        f'<svg viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-labelledby="{label_id}" style="width:{css_width};max-width:100%;height:auto" '
        f'class="hopeful-map"><title id="{label_id}">{html.escape(title)}</title>'
    )


def _base_paths(base: BaseMap, stroke: float) -> str:
    return (
        f'<path d="{base.land}" fill="{LAND}" stroke="none"/>'
        f'<path d="{base.lines}" fill="none" stroke="{LINES}" stroke-width="{stroke}" '
        'stroke-linejoin="round"/>'
    )


def locator_svg(processed_dir: str | Path, town_code: str, lad_code: str | None, title: str) -> str:
    """A thumbnail of England and Wales, local authority boundaries drawn, the town's own
    authority shaded and the town marked; '' when the layers or the town's point are missing."""
    base = base_map(processed_dir, LOCATOR_UNIT_M)
    if base is None or town_code not in base.towns.index:
        return ""
    layers = read_layers(processed_dir)
    own = ""
    if layers is not None and lad_code in layers.lad:
        d = path_d([layers.lad[lad_code]], base.frame, closed=True)
        own = f'<path d="{d}" fill="#f4b6cc" stroke="{ACCENT}" stroke-width=".6"/>'
    u, v = base.towns.loc[town_code, ["u", "v"]]
    marker = (
        f'<circle cx="{_num(u)}" cy="{_num(v)}" r="6" fill="none" stroke="#fff" '
        f'stroke-width="3"/><circle cx="{_num(u)}" cy="{_num(v)}" r="6" fill="none" '
        f'stroke="{ACCENT}" stroke-width="2"/><circle cx="{_num(u)}" cy="{_num(v)}" r="1.6" '
        f'fill="{ACCENT}"/>'
    )
    return (
        _svg_open(base.frame, title, css_width="13rem", label_id=f"locator-{_slug(town_code)}")
        + _base_paths(base, 0.35)
        + own
        + marker
        + "</svg>"
    )


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in str(text)).lower()


def _dots(points: pd.DataFrame, colour: str, size: float, *, outline: str | None) -> str:
    """Points (columns u, v) as round dots: zero-length segments of one path with round caps,
    a tenth of the bytes of one circle each; drawn over a wider `outline` path (none: no
    halo, so crowded dots do not merge into one shape)."""
    if points.empty:
        return ""
    pts = np.rint(points.sort_values(["u", "v"])[["u", "v"]].to_numpy()).astype(np.int64)
    steps = np.diff(pts, axis=0).tolist()
    d = f"M{_numbers(pts[0].tolist())}h0" + "".join(f"m{_numbers(step)}h0" for step in steps)
    cap = 'fill="none" stroke-linecap="round"'
    halo = (
        ""
        if outline is None
        else f'<path d="{d}" {cap} stroke="{outline}" stroke-width="{_num(size + 1.6)}"/>'
    )
    return halo + f'<path d="{d}" {cap} stroke="{colour}" stroke-width="{_num(size)}"/>'


def _legend(items: Iterable[tuple[str, str]]) -> str:
    """An HTML legend: each swatch's colour (inline) with its text, so it reads without colour."""
    lis = "".join(
        f'<li><span aria-hidden="true" style="display:inline-block;width:.9em;height:.9em;'
        f"border-radius:50%;background:{colour};border:1px solid {INK};vertical-align:-.1em;"
        f'margin-right:.3em"></span>{html.escape(text)}</li>'
        for colour, text in items
    )
    return (
        '<ul class="map-legend" style="list-style:none;padding:0;display:flex;flex-wrap:wrap;'
        f'gap:.2rem 1rem;font-size:.85rem">{lis}</ul>'
    )


def national_map_html(processed_dir: str | Path, towns: pd.DataFrame) -> str:
    """Every town as a point over local authority boundaries, coloured by its index decile,
    with a legend in text; the most resilient decile is drawn last (on top) never hidden."""
    base = base_map(processed_dir, NATIONAL_UNIT_M)
    if base is None:
        return "<p>No map: the map layers were not prepared (run `hopeful prepare`).</p>"
    frame = towns.set_index("town_code")[["index_decile"]].join(base.towns, how="inner")
    frame = frame.dropna(subset=["index_decile"])
    dots = "".join(
        _dots(group, DECILE_COLOURS[int(decile) - 1], 5.0, outline=INK)
        for decile, group in sorted(frame.groupby("index_decile"), reverse=True)
    )
    title = (
        f"Map of England and Wales: {len(frame):,} towns as points over local authority "
        "boundaries, coloured by Towns Index decile from 1 (the most resilient tenth, dark "
        "purple) to 10 (the least resilient tenth, yellow)."
    )
    legend = _decile_legend()
    return (
        '<figure class="map" style="margin:1rem 0">'
        + _svg_open(base.frame, title, css_width="40rem", label_id="national-map")
        + _base_paths(base, 0.5)
        + dots
        + "</svg>"
        + f"<figcaption>Towns Index decile of every town.{legend}</figcaption></figure>"
    )


def cluster_maps_html(
    processed_dir: str | Path,
    towns: pd.DataFrame,
    clusters: Iterable[tuple[str, str]] | None = None,
) -> str:
    """One small map per cluster (id, name; default: the clusters file's): full members as
    large pink dots, partial members as small dark grey dots beneath them (size and lightness,
    not hue alone, tell them apart; rings merged into blobs where towns crowd);
    the land is drawn once and reused."""
    if clusters is None:
        from hopeful import clusters as clusters_mod

        config = cached_read(clusters_mod.DEFAULT_PATH, clusters_mod.load_clusters)
        clusters = [(c.id, c.name) for c in config.clusters]
    base = base_map(processed_dir, SMALL_UNIT_M)
    if base is None:
        return "<p>No maps: the map layers were not prepared (run `hopeful prepare`).</p>"
    states = [c for c in towns.columns if c.startswith("cluster_") and c.count("_") == 1]
    joined = towns.set_index("town_code")[states].join(base.towns, how="inner")
    f = base.frame
    defs = (
        f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
        f'<g id="cluster-map-base"><path d="{base.land}" fill="{LAND}" stroke="{LINES}" '
        'stroke-width=".4"/></g></defs></svg>'
    )
    figures = []
    for cid, name in clusters:
        state = joined.get(f"cluster_{cid}")
        if state is None:
            continue
        full, partial = joined[state == "full"], joined[state == "partial"]
        title = (
            f"Cluster {cid}, {name}: {len(full):,} towns fully in it (large pink dots) and "
            f"{len(partial):,} partly (small grey dots), on a map of England and Wales."
        )
        svg = (
            _svg_open(f, title, css_width="100%", label_id=f"cluster-map-{_slug(cid)}")
            + '<use href="#cluster-map-base"/>'
            + _dots(partial, PARTIAL, 2.2, outline=None)
            + _dots(full, ACCENT, 5.0, outline="#ffffff")
            + "</svg>"
        )
        figures.append(
            f'<figure style="margin:0">{svg}<figcaption style="font-size:.85rem">'
            f"<strong>{html.escape(cid)}</strong> {html.escape(name)}: "
            f"{len(full):,} full, {len(partial):,} partial</figcaption></figure>"
        )
    legend = (
        '<p style="font-size:.85rem">Large pink dot: fully in the cluster. Small grey dot: '
        "partly in it.</p>"
    )
    return (
        defs + legend + '<div class="small-multiples" style="display:grid;grid-template-columns:'
        'repeat(auto-fill,minmax(11rem,1fr));gap:1rem">' + "".join(figures) + "</div>"
    )


def _decile_legend() -> str:
    return _legend(
        (colour, f"decile {i}" + (" (most resilient)" if i == 1 else " (least)" if i == 10 else ""))
        for i, colour in enumerate(DECILE_COLOURS, start=1)
    )


def index_map_html(processed_dir: str | Path, towns: pd.DataFrame, hrefs: Mapping[str, str]) -> str:
    """The index page's map: every town a point coloured by decile, each a link to its report
    (`hrefs`: town_code → relative address) with the town's name as its tooltip; '' without
    the map layers."""
    base = base_map(processed_dir, INDEX_UNIT_M)
    if base is None:
        return ""
    wanted = [c for c in ("town_name", "index_decile") if c in towns.columns]
    frame = towns.set_index("town_code")[wanted].join(base.towns, how="inner")
    decile = frame["index_decile"] if "index_decile" in frame else pd.Series(np.nan, frame.index)
    frame = frame.assign(decile=decile.fillna(0).astype(int)).sort_values(["decile", "u", "v"])
    e = html.escape
    groups = []
    for d, group in frame.groupby("decile", sort=True):
        links = []
        for code, r in group.iterrows():
            href = hrefs.get(str(code))
            circle = (
                f'<circle cx="{_num(r["u"])}" cy="{_num(r["v"])}" r="3.4">'
                f"<title>{e(str(r['town_name']))}</title></circle>"
            )
            links.append(f'<a href="{e(href)}">{circle}</a>' if href else circle)
        colour = DECILE_COLOURS[d - 1] if d else "#ffffff"
        groups.append(f'<g fill="{colour}">{"".join(links)}</g>')
    dots = groups
    title = (
        "Map of England and Wales with every town as a point coloured by its Towns Index decile "
        "(dark: most resilient; yellow: least); each point links to the town's report."
    )
    return (
        '<figure class="map">'
        + _svg_open(base.frame, title, css_width="34rem", label_id="index-map")
        + _base_paths(base, 0.45)
        + f'<g stroke="{INK}" stroke-width=".5">{"".join(dots)}</g></svg>'
        + "<figcaption>Towns Index decile; click a town to open its report."
        + _decile_legend()
        + "</figcaption></figure>"
    )
