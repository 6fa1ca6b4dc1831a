"""What a town report shows, computed from processed tables: the notebook only displays it."""

from __future__ import annotations

import functools
import html
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import load
from hopeful import processed as processed_mod
from hopeful import towns as towns_mod
from hopeful.reports.file_cache import cached_read
from hopeful.reports.stale import warn_if_stale

__all__ = [
    "TownView",
    "towns_table",
    "attitudes_html",
    "cluster_blocks_html",
    "cluster_details_html",
    "cluster_summary_html",
    "cluster_table",
    "clusters_intro",
    "comparison_table",
    "deprivation_table",
    "domain_names",
    "domain_table",
    "has_index",
    "heading_html",
    "html_table",
    "index_html",
    "index_intro",
    "load_town",
    "ordinal",
    "peer_frame",
    "peers_table",
    "percentile_among",
    "profile_table",
    "rank_text",
    "sources_html",
]

SIZE_LABELS = {
    "small": "Small town (5k–20k)",
    "medium": "Medium town (20k–75k)",
    "large": "Large town (75k–225k)",
}

PROFILE_ROWS = [
    ("population", "Population (2011)", "{:,.0f}"),
    ("population_2019", "Population of its LSOAs (mid-2019)", "{:,.0f}"),
    ("share_65plus", "Aged 65+ (2019)", "{:.1%}"),
    ("n_lsoa", "Small areas (LSOAs)", "{:,.0f}"),
]

DEPRIVATION_ROWS = {
    "England": [
        ("imd19_score", "IMD 2019 average score", "{:.1f}"),
        ("imd19_proportion", "LSOAs in England's most deprived 10%", "{:.1%}"),
        ("imd19_extent", "Extent (weighted share in most deprived 30%)", "{:.1%}"),
        ("imd19_income_score", "Income-deprived", "{:.1%}"),
        ("imd19_employment_score", "Employment-deprived", "{:.1%}"),
        ("uk_imd_score", "UK-comparable deprivation score (mySociety)", "{:.1f}"),
    ],
    "Wales": [
        ("wimd19_score", "WIMD 2019 average score", "{:.1f}"),
        ("wimd19_proportion", "LSOAs in Wales's most deprived 10%", "{:.1%}"),
        ("wimd19_extent", "Extent (weighted share in most deprived 30%)", "{:.1%}"),
        ("uk_imd_score", "UK-comparable deprivation score (mySociety)", "{:.1f}"),
    ],
}


@dataclass(frozen=True)
class TownView:
    """One town's row (`town`) among all towns (`towns`), as the report helpers take it."""

    town: pd.Series
    towns: pd.DataFrame
    processed_dir: Path

    def __repr__(self) -> str:
        """Name, code, nation and index rank, not the dump of 1,178 rows a dataclass shows."""
        t = self.town
        rank = t.get("index_rank")
        ranked = (
            f"index rank {int(rank)} of {int(self.towns['index_rank'].notna().sum()):,}"
            if pd.notna(rank)
            else "no index rank"
        )
        return f"<TownView {t['town_name']} ({t['town_code']}, {t['nation']}): {ranked}>"

    @property
    def in_nation(self) -> pd.Series:
        """Which towns share this town's nation (a mask over `towns`)."""
        return self.towns["nation"] == self.town["nation"]

    @property
    def in_size_class(self) -> pd.Series:
        return self.towns["size_class"] == self.town["size_class"]

    @property
    def nation_towns(self) -> pd.DataFrame:
        return self.towns[self.in_nation]

    @property
    def size_towns(self) -> pd.DataFrame:
        return self.towns[self.in_size_class]


def _read_towns(path: Path) -> pd.DataFrame:
    # Once per process and towns.csv version (cached_read): every processed file against the
    # sha256 provenance.json records, so a notebook run by hand is checked as `hopeful reports`.
    processed_mod.verify_outputs(path.parent)
    return processed_mod.read_towns(path.parent)


def towns_table(processed_dir: str | Path) -> pd.DataFrame:
    """towns.csv, read and checked once per process while the file is unchanged (do not
    modify it: every view in the kernel shares it)."""
    return cached_read(Path(processed_dir) / "towns.csv", _read_towns)


def load_town(processed_dir: str | Path, town: str) -> TownView:
    """Load towns.csv and resolve `town` (code or unambiguous name); warn if scores are stale."""
    processed = Path(processed_dir)
    warn_if_stale(processed)
    # A copy of the process-wide table: a notebook may change its view without touching
    # what the next town in the same kernel reads.
    table = towns_table(processed).copy()
    row = towns_mod.resolve_town(table, town)
    return TownView(town=row, towns=table, processed_dir=processed)


MISSING = "not available"
# How a value of each catalogue unit reads to people (fractions as percentages).
UNIT_FORMATS = {
    "fraction of 1": "{:.1%}",
    "change in fraction of 1": "{:+.1%}",
    "change in percentile points": "{:+.1f} points",
    "change in percentage points": "{:+.1f} points",
    "km": "{:.1f} km",
}


def _fmt(value: object, pattern: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return MISSING
    return pattern.format(value)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st: ranks and percentiles as people say them."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def rank_text(rank: object, n: int) -> str:
    """'12th of 1,178', or "not available" for a missing rank."""
    if rank is None or pd.isna(rank):
        return MISSING
    return f"{ordinal(int(rank))} of {n:,}"


def _percentile_text(value: float) -> str:
    return MISSING if pd.isna(value) else ordinal(round(value))


def percentile_among(values: pd.Series, value: float) -> float:
    """Share of towns with a value at or below this town's (0–100)."""
    values = values.dropna()
    if values.empty or pd.isna(value):
        return float("nan")
    return float((values <= value).mean() * 100)


def comparison_table(view: TownView, rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """The town against all towns, towns in its nation and towns of its size (means)."""
    in_nation, in_size = view.in_nation, view.in_size_class
    records = []
    for col, label, pattern in rows:
        if col not in view.towns.columns:
            continue
        values = view.towns[col]
        records.append(
            {
                "Measure": label,
                str(view.town["town_name"]): _fmt(view.town[col], pattern),
                "All towns": _fmt(values.mean(), pattern),
                f"{view.town['nation']} towns": _fmt(values[in_nation].mean(), pattern),
                f"{str(view.town['size_class']).title()} towns": _fmt(
                    values[in_size].mean(), pattern
                ),
                f"Percentile in {view.town['nation']}": _percentile_text(
                    percentile_among(values[in_nation], view.town[col])
                ),
            }
        )
    return pd.DataFrame(records)


def profile_table(view: TownView) -> pd.DataFrame:
    """Population and age against all towns, the nation's towns and towns of its size."""
    return comparison_table(view, PROFILE_ROWS)


def deprivation_table(view: TownView) -> pd.DataFrame:
    """The nation's own deprivation measures and the UK-comparable score, compared likewise."""
    return comparison_table(view, DEPRIVATION_ROWS[str(view.town["nation"])])


def html_table(frame: pd.DataFrame) -> str:
    """A table as HTML with every cell escaped: text from data never becomes markup."""
    return frame.to_html(index=False, escape=True, border=0, classes="hopeful-table")


def heading_html(view: TownView) -> str:
    """The town's name and its facts (size, region, authority, code), escaped."""
    t = view.town
    e = html.escape
    # Welsh towns have Wales as region and nation: say it once.
    place = str(t["nation"]) if t["region"] == t["nation"] else f"{t['region']}, {t['nation']}"
    facts = [
        SIZE_LABELS.get(str(t["size_class"]), str(t["size_class"])),
        place,
        f"Local authority: {t['lad_name']} ({t['lad_code']})",
        f"ONS code {t['town_code']}",
    ]
    items = "".join(f"<li>{e(str(f))}</li>" for f in facts)
    return f"<h1>{e(str(t['town_name']))}</h1><ul class='facts'>{items}</ul>"


def sources_html(processed_dir: str | Path) -> str:
    """Data vintages and checksums from provenance.json, as an escaped list."""
    path = Path(processed_dir) / "provenance.json"
    if not path.is_file():
        return "<p>No provenance file found.</p>"
    prov = json.loads(path.read_text(encoding="utf-8"))
    datasets = (prov.get("sources") or {}).get("datasets", [])
    items = []
    for entry in datasets:
        items.append(
            "<li>{id}: {publisher}, {licence} <code>sha256 {sha}</code></li>".format(
                id=html.escape(str(entry.get("id"))),
                publisher=html.escape(str(entry.get("publisher", ""))),
                licence=html.escape(str(entry.get("licence", ""))),
                sha=html.escape(str(entry.get("sha256", ""))[:12]),
            )
        )
    return (
        f"<p>Built with hopeful {html.escape(str(prov.get('version')))} from "
        f"{len(datasets)} open data files, each checked against its sha256 checksum.</p>"
        f"<details><summary>Every source file, with its licence and checksum</summary>"
        f"<ul class='sources'>{''.join(items)}</ul></details>"
    )


def _framework():
    from hopeful.scoring.framework import DEFAULT_PATH, load_framework

    return cached_read(DEFAULT_PATH, load_framework)


def index_intro() -> str:
    """Markdown about the index method, from the framework file (so it says what was run)."""
    from hopeful.reports import method_text

    return method_text.index_intro(_framework())


def clusters_intro() -> str:
    """Markdown about the cluster rule, from the clusters file."""
    from hopeful import clusters as clusters_mod
    from hopeful.reports import method_text

    config = cached_read(clusters_mod.DEFAULT_PATH, clusters_mod.load_clusters)
    return method_text.clusters_intro(config)


def domain_names() -> dict[str, str]:
    """Domain code → name, from the framework file."""
    return {d.code: d.name for d in _framework().domains}


def peer_frame(view: TownView, column: str = "peer_codes") -> pd.DataFrame:
    """The town's peers (rows of `towns`) in the order `column` lists their codes."""
    codes = str(view.town.get(column) or "")
    positions = pd.Index(view.towns["town_code"]).get_indexer([c for c in codes.split(";") if c])
    return view.towns.iloc[[p for p in positions if p >= 0]].reset_index(drop=True)


def has_index(view: TownView) -> bool:
    """Whether the town has an index score (enough indicators passed screening)."""
    return "index_score" in view.towns.columns and pd.notna(view.town.get("index_score"))


def index_html(view: TownView) -> str:
    """The index in words: score, rank with its range over sampled models, decile, group ranks."""
    t = view.town
    if not has_index(view):
        return (
            "<p>No index score: too few indicators could be measured for this town "
            "(see the screening rule in docs/index.md).</p>"
        )
    n = int(view.towns["index_rank"].notna().sum())
    e = html.escape
    size_n = int((view.towns["size_class"] == t["size_class"]).sum())
    nation_n = int((view.towns["nation"] == t["nation"]).sum())
    parts = [
        f"<p class='headline'>Towns Index score <strong>{t['index_score']:.1f}</strong>, "
        f"ranked <strong>{rank_text(t['index_rank'], n)}</strong> towns "
        f"(1st = most resilient). Over 90% of the sampled methods and data noise its rank lies "
        f"between <strong>{ordinal(t['index_rank_p05'])} and {ordinal(t['index_rank_p95'])}"
        f"</strong> (median {ordinal(t['index_rank_median'])}). Decile {int(t['index_decile'])} "
        "of 10 (1 = the most resilient tenth).</p>",
        "<ul class='facts'>",
        f"<li>Among {e(str(t['size_class']))} towns: "
        f"{rank_text(t['index_rank_in_size_class'], size_n)}</li>",
        f"<li>Among towns in {e(str(t['nation']))}: "
        f"{rank_text(t['index_rank_in_nation'], nation_n)}</li>",
        "</ul>",
    ]
    return "".join(parts)


def domain_table(view: TownView) -> pd.DataFrame:
    """Domain scores against the town's peers and all towns, with strengths and weaknesses."""
    names = domain_names()
    peers = peer_frame(view)
    strengths = {view.town.get(f"strength_{i}") for i in range(1, 4)}
    weaknesses = {view.town.get(f"weakness_{i}") for i in range(1, 4)}
    rows = []
    for code, name in names.items():
        col = f"domain_{code}"
        if col not in view.towns.columns:
            continue
        value = view.town[col]
        label = "strength" if code in strengths else "weakness" if code in weaknesses else ""
        rows.append(
            {
                "Domain": name,
                str(view.town["town_name"]): _fmt(value, "{:.1f}"),
                "Peers (mean)": _fmt(peers[col].mean() if len(peers) else float("nan"), "{:.1f}"),
                "All towns (mean)": _fmt(view.towns[col].mean(), "{:.1f}"),
                "Percentile among towns": _percentile_text(
                    percentile_among(view.towns[col], value)
                ),
                "Reading": label,
            }
        )
    return pd.DataFrame(rows)


def _read_criteria(path: Path) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """The criteria table sorted by town, and each town's row range in it."""
    table = load.read_parquet(path).sort_values(
        ["town_code", "cluster", "criterion_no"], kind="stable", ignore_index=True
    )
    codes = table["town_code"].to_numpy()
    starts = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist()]
    stops = [*starts[1:], len(codes)]
    return table, {str(codes[a]): (a, b) for a, b in zip(starts, stops, strict=True)}


# The last town's cluster table: the notebook shows it twice (the blocks, the folded table)
# and building it is a tenth of a report's computing. Keyed by the view object itself, which
# the entry keeps alive, so a new town's view can never be mistaken for it.
_last_cluster_table: list[tuple[TownView, pd.DataFrame]] = []


def cluster_table(view: TownView) -> pd.DataFrame:
    """Each cluster's state and every criterion's value against its threshold."""
    if not (_last_cluster_table and _last_cluster_table[0][0] is view):
        _last_cluster_table[:] = [(view, _cluster_table(view))]
    return _last_cluster_table[0][1].copy()


def _cluster_table(view: TownView) -> pd.DataFrame:
    from hopeful import clusters as clusters_mod

    config = cached_read(clusters_mod.DEFAULT_PATH, clusters_mod.load_clusters)
    table, rows_of = cached_read(view.processed_dir / "cluster_criteria.parquet", _read_criteria)
    start, stop = rows_of.get(str(view.town["town_code"]), (0, 0))
    mine = table.iloc[start:stop]
    names = {
        c.id: f"{c.id} {c.name}" + (" (this project's own)" if c.id in "JKL" else "")
        for c in config.clusters
    }
    sizes = {c.id: len(c.criteria) for c in config.clusters}
    rows = []
    for r in mine.itertuples():
        if bool(r.assessable) if pd.notna(r.assessable) else False:
            verdict = "met" if str(r.met).lower() == "true" else "not met"
            value = _criterion_value(r.indicator, r.value)
            threshold = (
                "yes"
                if _units().get(str(r.indicator)) == "flag (1/0)"
                else f"{r.compare} {_criterion_value(r.indicator, r.threshold)}"
            )
        else:
            verdict = "not assessed"
            value = MISSING
            threshold = _text(r.not_assessed_reason) or "not measurable for this town"
        proxy = _text(r.proxy)
        rows.append(
            {
                "Cluster": names.get(r.cluster, r.cluster),
                "Membership": _membership(view.town, r.cluster, sizes.get(r.cluster, 0)),
                "Criterion": r.criterion + (f" (measured by proxy: {proxy})" if proxy else ""),
                "Value": value,
                "Threshold": threshold,
                "Verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def _text(value: object) -> str:
    """Text from a table cell, "" for missing or blank (so an empty proxy never prints)."""
    return "" if value is None or pd.isna(value) else str(value).strip()


def _read_units(path: Path) -> dict[str, str]:
    """Each catalogue indicator's unit by code."""
    from hopeful.indicators.catalogue import read_catalogue

    table = read_catalogue(path)
    return dict(zip(table["code"], table["unit"], strict=True))


def _units() -> dict[str, str]:
    # Cached as the dict itself: building it from the catalogue for each of a town's ~200
    # criterion values was a tenth of the report's time.
    return cached_read(_catalogue_file(), _read_units)


@functools.cache
def _catalogue_file() -> Path:
    """The catalogue's path, looked up once (importlib.resources costs more than the read)."""
    from hopeful.indicators.catalogue import catalogue_path

    return catalogue_path()


def _criterion_value(indicator: object, value: object) -> str:
    """A criterion's value or threshold in its indicator's unit, as people read it."""
    unit = _units().get(str(indicator), "")
    if str(indicator) == "share_65plus":  # a prepared column, not a catalogue indicator
        unit = "fraction of 1"
    if unit == "flag (1/0)" and pd.notna(value):
        return "yes" if float(value) >= 0.5 else "no"
    if unit == "percentile (0-100)" and pd.notna(value):
        return f"{ordinal(round(float(value)))} percentile"
    return _fmt(value, UNIT_FORMATS.get(unit, "{:.3g}"))


def _membership(town: pd.Series, cluster: str, criteria: int) -> str:
    """'partial (judged on 3 of 4 criteria)': the state, and the evidence when incomplete."""
    state = str(town.get(f"cluster_{cluster}", "")).replace("_", " ")
    assessed = town.get(f"cluster_{cluster}_assessed")
    if pd.isna(assessed) or int(assessed) >= criteria:
        return state
    if state == "not assessed":
        return f"{state} ({int(assessed)} of {criteria} criteria measurable)"
    return f"{state} (judged on {int(assessed)} of {criteria} criteria)"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """'1 cluster', '3 clusters', '2 criteria': counts as people write them."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


def cluster_summary_html(view: TownView) -> str:
    """Which clusters the town is fully or partly in, against the average town, and which
    were judged on fewer criteria than they have or could not be assessed."""
    from hopeful import clusters as clusters_mod

    config = cached_read(clusters_mod.DEFAULT_PATH, clusters_mod.load_clusters)
    t = view.town

    def ids(state: str) -> list[str]:
        return [c.id for c in config.clusters if t.get(f"cluster_{c.id}") == state]

    full, partial, unassessed = ids("full"), ids("partial"), ids("not_assessed")
    short = [
        f"{c.id} ({int(t[f'cluster_{c.id}_assessed'])} of {len(c.criteria)})"
        for c in config.clusters
        if c.id not in unassessed
        and pd.notna(t.get(f"cluster_{c.id}_assessed"))
        and int(t[f"cluster_{c.id}_assessed"]) < len(c.criteria)
    ]
    mean_full = view.towns["clusters_full"].mean()

    def listed(codes: list[str]) -> str:
        return f": {html.escape(', '.join(codes))}" if codes else ""

    names = {c.id: f"{c.id} {c.name}" for c in config.clusters}
    parts = [
        f"Fully in <strong>{_plural(len(full), 'cluster')}</strong>"
        f"{listed([names[c] for c in full])}; "
        f"partly in <strong>{_plural(len(partial), 'cluster')}</strong>"
        f"{listed([names[c] for c in partial])}. "
        f"The average town is fully in {mean_full:.1f} clusters."
    ]
    if short:
        parts.append(f"Judged on fewer criteria than the cluster has{listed(short)}.")
    if unassessed:
        parts.append(f"Not assessed (too few criteria measurable){listed(unassessed)}.")
    return "<p>" + " ".join(parts) + "</p>"


def cluster_blocks_html(view: TownView) -> str:
    """One short block per cluster the town is fully or partly in: the criteria it meets,
    each value against its threshold in plain words, and those it does not meet."""
    table = cluster_table(view)
    if table.empty:
        return ""
    t = view.town
    blocks = []
    for name, rows in table.groupby("Cluster", sort=False):
        cluster = str(name).split(" ", 1)[0]
        state = str(t.get(f"cluster_{cluster}", ""))
        if state not in ("full", "partial"):
            continue
        met = rows[rows["Verdict"] == "met"]
        other = rows[rows["Verdict"] != "met"]
        items = "".join(
            f"<li>{html.escape(r.Criterion.split(' (measured by proxy')[0])}: "
            f"{html.escape(r.Value)} (threshold: {html.escape(r.Threshold)})</li>"
            for r in met.itertuples()
        )

        def names(frame: pd.DataFrame) -> str:
            return ", ".join(c.split(" (measured by proxy")[0].lower() for c in frame["Criterion"])

        unmet = [
            f"not met: {names(other[other['Verdict'] == 'not met'])}",
            f"not assessed: {names(other[other['Verdict'] == 'not assessed'])}",
        ]
        rest = "; ".join(u for u in unmet if not u.endswith(": "))
        blocks.append(
            f"<div class='cluster-block'><h3>{html.escape(str(name))}: "
            f"{'fully in' if state == 'full' else 'partly in'}, meets {len(met)} of "
            f"{len(rows)} criteria</h3><ul>{items}</ul>"
            + (f"<p>{html.escape(rest[0].upper() + rest[1:])}.</p>" if rest else "")
            + "</div>"
        )
    if not blocks:
        return "<p>The town is in none of the clusters, fully or partly.</p>"
    return "".join(blocks)


def cluster_details_html(view: TownView) -> str:
    """Every cluster's criteria for this town, folded away: the table is long."""
    return (
        "<details class='cluster-criteria'><summary>Every criterion of the 14 clusters for this "
        f"town, with its value and threshold</summary>{html_table(cluster_table(view))}</details>"
    )


def peers_table(view: TownView, column: str = "peer_codes") -> pd.DataFrame:
    """The town's peers with their authority, size, index rank and clusters."""
    peers = peer_frame(view, column)
    if peers.empty:
        return pd.DataFrame({"Town": []})
    n = int(view.towns["index_rank"].notna().sum())
    return pd.DataFrame(
        {
            "Town": peers["town_name"],
            "Local authority": peers["lad_name"],
            "Size": peers["size_class"].map(lambda s: SIZE_LABELS.get(str(s), str(s))),
            "Index rank": peers["index_rank"].map(lambda v: rank_text(v, n)),
            "Rank range (90% of sampled models)": [
                f"{ordinal(a)} to {ordinal(b)}" if pd.notna(a) and pd.notna(b) else MISSING
                for a, b in zip(peers["index_rank_p05"], peers["index_rank_p95"], strict=True)
            ],
            "Clusters fully in": peers["clusters_full"],
        }
    )


def attitudes_html(view: TownView) -> str:
    """The attitudes section (the notebook's one entry): votes measured and modelled, and
    well-being of the town's authority (hopeful.reports.attitudes_view)."""
    from hopeful.reports import attitudes_view

    return attitudes_view.attitudes_html(view)
