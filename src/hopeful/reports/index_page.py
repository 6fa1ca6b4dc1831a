"""reports/index.html: every town with its key figures, searchable, sortable and filterable offline."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from hopeful import __version__, atomic
from hopeful.reports import downloads
from hopeful.towns import slugify

COLUMNS = [
    ("town_name", "Town"),
    ("town_code", "Code"),
    ("nation", "Nation"),
    ("region", "Region"),
    ("size_class", "Size"),
    ("lad_name", "Local authority"),
    ("population", "Population"),
    ("index_rank", "Index rank"),
    ("index_interval", "Rank range (90% of models)"),
    ("clusters_full", "Clusters (full)"),
    ("clusters_partial", "Clusters (partial)"),
]

FILTERS = [("nation", "Nation"), ("region", "Region"), ("size_class", "Size")]

# The page's own style and script, inlined so the page stays one offline file.
STYLE = (Path(__file__).parent / "index_page.css").read_text(encoding="utf-8")
SCRIPT = (Path(__file__).parent / "index_page.js").read_text(encoding="utf-8")

NUMERIC = {"population", "index_rank", "index_interval", "clusters_full", "clusters_partial"}
# Columns shown as text but sorted by a number: "12–140" sorts by its lower bound, 12.
SORT_KEYS = {"index_interval": "index_rank_p05"}


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _interval(row: pd.Series) -> str:
    low, high = row.get("index_rank_p05"), row.get("index_rank_p95")
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f"{int(low)}–{int(high)}"


def build_index_html(
    towns: pd.DataFrame, *, overview_href: str = "overview.html", map_html: str = ""
) -> str:
    """The index page as a string; every value from data is escaped. `map_html` (the clickable
    map of `maps.index_map_html`) goes between the introduction and the table."""
    e = html.escape
    towns = towns.sort_values("town_code").copy()
    towns["index_interval"] = towns.apply(_interval, axis=1)
    head = (
        "".join(
            f'<th scope="col" data-type="{"num" if col in NUMERIC else "text"}">'
            f'<button type="button">{e(label)}</button></th>'
            for col, label in COLUMNS
        )
        + '<th scope="col" data-type="text">Download</th>'
    )
    body = []
    for _, row in towns.iterrows():
        slug = slugify(row["town_code"], row["town_name"])
        cells = []
        for col, _label in COLUMNS:
            raw = _cell(row.get(col))
            shown = e(f"{int(float(raw)):,}" if col == "population" and raw else raw)
            if col == "town_name":
                shown = f'<a href="towns/{e(slug)}.html">{shown}</a>'
            css = ' class="num"' if col in NUMERIC else ""
            key = _cell(row.get(SORT_KEYS[col])) if col in SORT_KEYS else raw
            cells.append(f'<td{css} data-value="{e(key)}">{shown}</td>')
        name = e(_cell(row.get("town_name")))
        cells.append(
            f'<td data-value=""><a href="towns/{e(slug)}.csv" download>CSV'
            f'<span class="vh"> figures for {name}</span></a></td>'
        )
        search = " ".join(
            _cell(row.get(c)) for c in ("town_name", "town_code", "lad_name", "region")
        )
        attrs = "".join(f' data-{c}="{e(_cell(row.get(c)))}"' for c, _ in FILTERS)
        body.append(f'<tr data-search="{e(search.lower())}"{attrs}>{"".join(cells)}</tr>')
    selects = []
    for col, label in FILTERS:
        if col not in towns.columns:  # a hand-built towns.csv: blank cells, no filter
            continue
        options = "".join(
            f'<option value="{e(v)}">{e(v)}</option>'
            for v in sorted(towns[col].dropna().astype(str).unique())
        )
        selects.append(
            f'<label>{e(label)} <select data-col="{e(col)}"><option value="">all</option>{options}</select></label>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Hopeful Towns — all town reports</title>"
        f"<style>{STYLE}</style></head><body><main>"
        "<h1>Hopeful Towns — town reports</h1>"
        f'<p class="lede">{len(towns):,} towns in England and Wales. '
        f'<a href="{e(overview_href)}">The national overview</a>. Click a column to sort.</p>'
        '<p class="downloads">Download: '
        f'<a href="{e(downloads.TOWNS_NAME)}" download>all towns (CSV)</a> · '
        f'<a href="{e(downloads.DICTIONARY_NAME)}" download>data dictionary (CSV)</a> '
        "(what each column means, its unit, source and year) · each town's figures: the "
        "Download column.</p>"
        + (
            '<details class="map-details" open><summary>Map of every town (a point opens its '
            f"report)</summary>{map_html}</details>"
            if map_html
            else ""
        )
        + '<div class="controls"><label>Search <input id="search" type="search" '
        'placeholder="town, code, authority, region"></label>'
        f'{"".join(selects)}<span id="count" role="status"></span></div>'
        f'<table id="towns"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f"</main><footer>hopeful {e(__version__)}</footer>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def write_index(towns: pd.DataFrame, out_dir: Path, processed_dir: Path | None = None) -> Path:
    """Write index.html (every town, sortable and filterable) into `out_dir`, with a map of
    the towns linking to their reports when `processed_dir` holds the map layers."""
    from hopeful.reports import maps

    map_html = ""
    if processed_dir is not None:
        hrefs = {
            str(code): f"towns/{slugify(code, name)}.html"
            for code, name in zip(towns["town_code"], towns["town_name"], strict=True)
        }
        map_html = maps.index_map_html(processed_dir, towns, hrefs)
    path = Path(out_dir) / "index.html"
    atomic.write_text(path, build_index_html(towns, map_html=map_html))
    return path
