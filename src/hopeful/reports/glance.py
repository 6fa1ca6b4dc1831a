"""The town at a glance: the first screen of a town report, one HTML block (`id="at-a-glance"`).

Where the town is (a locator map), its index rank with the range, its strongest and weakest
domains, the 14 clusters as tiles, its modelled attitudes, and three to five findings written
from the data. Findings are chosen, never hand-written: among the index's indicators, the
ones where the town stands furthest from the middle of all towns (at most two where it fares
worse, two where it fares better, each from a different domain, only when it is outside the
middle 40%), then its clusters against the average town. Every sentence cites the town's value
and how many towns it exceeds, so a reader can check it against the tables below.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from hopeful.reports import maps
from hopeful.reports.town_view import TownView, domain_names, has_index

__all__ = [
    "Finding",
    "at_a_glance_html",
    "attitudes_glance_html",
    "cluster_tiles_html",
    "domains_glance_html",
    "findings",
    "findings_html",
    "format_value",
    "rank_glance_html",
    "share_phrase",
]

# Only an indicator outside the middle 40% of towns is a finding worth a sentence.
NOTABLE = 0.2
MAX_EACH_SIDE = 2
MIN_FINDINGS = 3

STATES = {
    # state: (text shown on the tile, symbol, css class); symbol and text carry the meaning,
    # colour and pattern only repeat it.
    "full": ("in", "■", "full"),
    "partial": ("partly in", "◧", "partial"),
    "none": ("not in", "□", "none"),
    "not_assessed": ("not assessed", "?", "na"),
}

STYLE = """<style>
#at-a-glance { border: 1px solid var(--rule, #d1d9e0); border-radius: 6px; padding: .2rem 1.2rem 1rem;
  margin: 1rem 0 2rem; }
#at-a-glance .glance-top { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
#at-a-glance .glance-top figure { margin: 0; flex: 0 0 13rem; }
#at-a-glance figcaption { font-size: .85rem; color: var(--muted, #59636e); }
#at-a-glance .glance-facts { flex: 1 1 22rem; }
#at-a-glance .tiles { list-style: none; padding: 0; display: grid; gap: .4rem;
  grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr)); }
#at-a-glance .tile { border: 2px solid #59636e; border-radius: 4px; padding: .3rem .5rem;
  font-size: .85rem; line-height: 1.3; }
#at-a-glance .tile b { font-size: 1rem; }
#at-a-glance .tile .state { display: block; font-weight: 600; }
#at-a-glance .t-full { background: #7b1341; border-color: #7b1341; color: #fff; }
#at-a-glance .t-partial { background: repeating-linear-gradient(135deg, #f8d7e4 0 6px, #fff 6px 12px);
  border-color: #7b1341; }
#at-a-glance .t-none { background: #fff; border-color: #8c959f; }
#at-a-glance .t-na { background: #fff; border: 2px dashed #8c959f; color: #59636e; }
#at-a-glance .legend { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0;
  font-size: .8rem; }
#at-a-glance .legend .tile { padding: .1rem .4rem; }
#at-a-glance .findings li { margin: .3rem 0; }
</style>"""


@dataclass(frozen=True)
class Finding:
    """One sentence from the data, with how far from the middle of all towns it is."""

    text: str
    distance: float  # |share of towns below - 0.5|
    favourable: bool
    domain: str


def _present(value: object) -> bool:
    return (
        value is not None
        and value is not pd.NA
        and not (isinstance(value, float) and pd.isna(value))
    )


# Every indicator in this unit is a within-nation percentile (indicators.csv, comparability).
WITHIN_NATION_UNIT = "percentile (0-100)"

UNIT_FORMATS: dict[str, Callable[[float], str]] = {
    "fraction of 1": lambda v: f"{v:.1%}" if abs(v) < 0.1 else f"{v:.0%}",
    "percentile (0-100)": lambda v: f"{v:.0f} on a scale of 0 to 100",
    "change in fraction of 1": lambda v: f"{v:+.0%}",
    "change in percentage points": lambda v: f"{v:+.1f} percentage points",
    "change in percentile points": lambda v: f"{v:+.1f} percentile points",
    "km": lambda v: f"{v:,.1f} km",
    "score (0-10)": lambda v: f"{v:.1f} out of 10",
    "rate per 1,000": lambda v: f"{v:,.1f} per 1,000 people",
    "rate per 10,000": lambda v: f"{v:,.1f} per 10,000 people",
    "rate per 100,000": lambda v: f"{v:,.1f} per 100,000 people",
    "per 100,000": lambda v: f"{v:,.1f} per 100,000 people",
    "persons per GP": lambda v: f"{v:,.0f} people per GP",
}


def format_value(value: float, unit: str) -> str:
    """A value as people read it in its unit ('34%', '12.5 km', '1,930 people per GP')."""
    formatter = UNIT_FORMATS.get(unit)
    return formatter(value) if formatter else f"{value:,.2f}"


def share_phrase(share: float) -> str:
    """'8 of 10 towns' for a share of towns; '97% of towns' past 95%, where tenths blur."""
    if share >= 0.95:
        return f"{share:.0%} of towns"
    return f"{int(share * 10 + 1e-9)} of 10 towns"


def findings(view: TownView) -> list[Finding]:
    """Three to five findings (fewer only when the data have fewer): the most extreme index
    indicators on each side, one per domain, then the clusters against the average town."""
    from hopeful.reports.town_view import _framework

    fw = _framework()
    domains = domain_names()
    candidates: list[Finding] = []
    for ind in fw.indicators:
        # A banded indicator's value is a distance outside its band: no sentence reads it.
        if ind.code not in view.towns.columns or ind.unit.startswith("flag") or ind.band:
            continue
        value = view.town.get(ind.code)
        # A percentile places an area within its own nation, so it is compared within it too.
        within_nation = ind.unit == WITHIN_NATION_UNIT
        values = view.towns.loc[view.in_nation if within_nation else slice(None), ind.code]
        values = values.dropna()
        if not _present(value) or len(values) < 10:
            continue
        below = float((values < value).mean())
        above = float((values > value).mean())
        higher = below >= above
        share = below if higher else above
        favourable = higher == (ind.direction > 0)
        where = f" in {view.town['nation']}" if within_nation else ""
        text = (
            f"{ind.name}: {format_value(float(value), ind.unit)}, "
            f"{'higher' if higher else 'lower'} than in {share_phrase(share)}{where} "
            f"({domains.get(ind.domain, ind.domain).lower()})."
        )
        candidates.append(Finding(text, share - 0.5, favourable, ind.domain))
    candidates.sort(key=lambda f: -f.distance)  # stable: framework order breaks ties

    def pick(favourable: bool, limit: float) -> list[Finding]:
        chosen: list[Finding] = []
        for f in candidates:
            if f.favourable != favourable or f.distance < limit or len(chosen) == MAX_EACH_SIDE:
                continue
            if all(c.domain != f.domain for c in chosen):
                chosen.append(f)
        return chosen

    chosen = pick(False, NOTABLE) + pick(True, NOTABLE)
    cluster = _cluster_finding(view)
    if len(chosen) + (cluster is not None) < MIN_FINDINGS:  # a town near the middle on all
        extra = [f for f in pick(False, 0.0) + pick(True, 0.0) if f not in chosen]
        chosen += extra[: MIN_FINDINGS - len(chosen) - (cluster is not None)]
    return [*chosen, *([cluster] if cluster else [])]


def _cluster_finding(view: TownView) -> Finding | None:
    if "clusters_full" not in view.towns.columns or not _present(view.town.get("clusters_full")):
        return None
    n = int(view.town["clusters_full"])
    mean = float(view.towns["clusters_full"].mean())
    fewer = float((view.towns["clusters_full"] < n).mean())
    more = float((view.towns["clusters_full"] > n).mean())
    compare = (
        f"more than {share_phrase(fewer)}"
        if fewer > more
        else f"fewer than {share_phrase(more)}"
        if more > fewer
        else "as many as most towns"
    )
    text = (
        f"Fully in {n} of the 14 clusters of risk to resilience, {compare}; "
        f"the average town is fully in {mean:.1f}."
    )
    return Finding(text, abs(fewer - more) / 2, n <= mean, "clusters")


def findings_html(view: TownView) -> str:
    """The findings as an escaped list (concerns first, then assets, then clusters)."""
    items = findings(view)
    if not items:
        return "<p>Too few measures are available for this town to state findings.</p>"
    lis = "".join(f"<li>{html.escape(f.text)}</li>" for f in items)
    return f"<ul class='findings'>{lis}</ul>"


def rank_glance_html(view: TownView) -> str:
    """Rank of N with the 90% range of ranks over sampled methods and data noise."""
    t = view.town
    if not has_index(view):
        return "<p>No Towns Index rank: too few indicators could be measured for this town.</p>"
    n = int(view.towns["index_rank"].notna().sum())
    span = ""
    if _present(t.get("index_rank_p05")) and _present(t.get("index_rank_p95")):
        span = (
            f" (likely between {int(t['index_rank_p05'])} and {int(t['index_rank_p95'])} "
            "over 90% of sampled methods and data noise)"
        )
    return (
        f"<p class='headline'>Towns Index rank <strong>{int(t['index_rank'])}</strong> "
        f"of {n:,}{span}; 1 is the most resilient.</p>"
    )


def domains_glance_html(view: TownView) -> str:
    """Its strongest and weakest domains by name, with the share of towns it does better than."""
    names = domain_names()
    parts = []
    for label, column in (("Strongest", "strength_1"), ("Weakest", "weakness_1")):
        code = view.town.get(column)
        col = f"domain_{code}"
        if not _present(code) or col not in view.towns.columns:
            continue
        value = view.town.get(col)
        detail = ""
        if _present(value):
            better = float((view.towns[col].dropna() < value).mean())
            detail = f": scores better than {better:.0%} of towns"
        parts.append(
            f"<li>{label} domain: <strong>{html.escape(names.get(str(code), str(code)))}"
            f"</strong>{detail}</li>"
        )
    return f"<ul class='facts'>{''.join(parts)}</ul>" if parts else ""


def _interval(t: pd.Series, column: str) -> str | None:
    value, low, high = (t.get(column), t.get(f"{column}_p05"), t.get(f"{column}_p95"))
    if not all(_present(v) for v in (value, low, high)):
        return None
    return f"{float(value):.0%} (90% interval {float(low):.0%} to {float(high):.0%})"


def attitudes_glance_html(view: TownView) -> str:
    """Modelled Leave (2016) and, where scored, modelled Reform UK (2024) vote shares."""
    rows = [
        ("Voted Leave in 2016 (modelled)", "leave_share_modelled"),
        ("Voted Reform UK in 2024 (modelled)", "reform24_share_modelled"),
    ]
    items = [
        f"<li>{html.escape(label)}: <strong>{html.escape(text)}</strong></li>"
        for label, column in rows
        if (text := _interval(view.town, column)) is not None
    ]
    if not items:
        return ""
    return (
        f"<ul class='facts'>{''.join(items)}</ul><p><small>Estimates from models, not counts: "
        "see Attitudes below.</small></p>"
    )


def cluster_tiles_html(view: TownView) -> str:
    """The 14 clusters as tiles (state in words and symbol, colour and pattern repeat it),
    with a legend."""
    from hopeful import clusters as clusters_mod
    from hopeful.reports.file_cache import cached_read

    config = cached_read(clusters_mod.DEFAULT_PATH, clusters_mod.load_clusters)
    e = html.escape
    tiles = []
    for c in config.clusters:
        state = view.town.get(f"cluster_{c.id}")
        state = str(state) if _present(state) and str(state) in STATES else "not_assessed"
        word, symbol, css = STATES[state]
        tiles.append(
            f"<li class='tile t-{css}'><b>{e(c.id)}</b> {e(c.name)}"
            f"<span class='state'><span aria-hidden='true'>{symbol}</span> {e(word)}</span></li>"
        )
    legend = "".join(
        f"<li class='tile t-{css}'><span aria-hidden='true'>{symbol}</span> {e(word)}</li>"
        for word, symbol, css in STATES.values()
    )
    return (
        f"<ul class='tiles' aria-label='The 14 clusters'>{''.join(tiles)}</ul>"
        f"<ul class='legend' aria-label='Legend'>{legend}</ul>"
    )


def at_a_glance_html(view: TownView) -> str:
    """The whole first screen of a town report, every text from data escaped."""
    t = view.town
    e = html.escape
    name = str(t["town_name"])
    where = ", ".join(str(t[c]) for c in ("lad_name", "region") if _present(t.get(c)))
    alt = (
        f"Map of England and Wales with local authority boundaries; {name} is marked with a "
        f"ring and its local authority{', ' + str(t['lad_name']) + ',' if where else ''} "
        "is shaded."
    )
    svg = maps.locator_svg(view.processed_dir, str(t["town_code"]), t.get("lad_code"), alt)
    figure = (
        f"<figure>{svg}<figcaption>{e(name)} in {e(where)}</figcaption></figure>" if svg else ""
    )
    facts = rank_glance_html(view) + domains_glance_html(view) + attitudes_glance_html(view)
    return (
        f"<section id='at-a-glance' aria-labelledby='at-a-glance-heading'>{STYLE}"
        f"<h2 id='at-a-glance-heading'>{e(name)} at a glance</h2>"
        f"<div class='glance-top'>{figure}<div class='glance-facts'>{facts}</div></div>"
        "<h3>In the data</h3>"
        f"{findings_html(view)}"
        "<h3>Clusters of risk to resilience</h3>"
        f"{cluster_tiles_html(view)}"
        "</section>"
    )
