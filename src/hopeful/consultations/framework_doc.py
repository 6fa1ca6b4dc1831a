"""A pilot town's printable resilience framework: one page the town's partners can act on.

Built from the same Guide as the practitioners' guide, it keeps only what a partnership
meeting needs: the co-produced priorities, the barriers to tackle and assets to build on
with the evidence behind each, the actions with who would usually lead them, the
concerns to explore, the indicators to watch, and who was and was not heard. Every text
from evidence files goes through `esc`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from hopeful.consultations import analysis
from hopeful.consultations.guide import Guide, load_guide
from hopeful.consultations.guide_html import (
    coproduced_html,
    esc,
    fictional_banner,
    missing_evidence_html,
    table_html,
    who_html,
)
from hopeful.errors import HopefulError, TownNotFoundError

__all__ = [
    "PRINT_CSS",
    "framework_document_html",
    "framework_page_html",
    "priority_order",
    "watch_table",
]

QUOTES = 3  # summaries shown per barrier or asset: enough to hear people, short enough to print
PRINT_CSS = """<style>
.hopeful-framework h2 { margin-top: 1.6rem; }
.hopeful-framework .hopeful-guide-fictional, .hopeful-framework .hopeful-guide-warning {
  border-left: 4px solid #b35900; padding: .4rem .8rem; background: #fff4e5; }
.hopeful-framework ul.quotes li { margin: .2rem 0; }
@media print {
  .hopeful-framework h2 { page-break-before: auto; page-break-after: avoid; }
  .hopeful-framework section { page-break-inside: avoid; }
  .hopeful-framework a { color: inherit; text-decoration: none; }
}
</style>"""


def priority_order(guide: Guide) -> list[str]:
    """Theme ids in the final order: co-produced when there was a workshop, else evidence."""
    table = guide.coproduced if guide.coproduced is not None else guide.priorities
    return table["theme"].tolist()


def _quotes(guide: Guide, theme: str, kinds: tuple[str, ...]) -> str:
    f = guide.evidence.findings
    own = f[(f["theme"] == theme) & f["kind"].isin(kinds)].sort_values("line").head(QUOTES)
    if own.empty:
        return ""
    items = "".join(
        f"<li>{esc(r['summary'])} ({esc(r['source_id'])})</li>" for _, r in own.iterrows()
    )
    return f'<ul class="quotes">{items}</ul>'


def _actions(guide: Guide, ids: list[str]) -> str:
    chosen = [a for a in guide.actions if a.id in ids]
    if not chosen:
        return "<p><em>No action in the library yet: for the partnership to propose.</em></p>"
    items = "".join(
        f"<li><strong>{esc(a.title)}</strong>. Usually led by: {esc(', '.join(a.owners))}. "
        f"<em>{esc(a.source)}</em></li>"
        for a in chosen
    )
    return f"<ul>{items}</ul>"


def _part(guide: Guide, part: str, kinds: tuple[str, ...]) -> str:
    frame = guide.framework[guide.framework["part"] == part]
    order = {t: i for i, t in enumerate(priority_order(guide))}
    frame = frame.assign(_o=frame["theme"].map(order).fillna(len(order))).sort_values("_o")
    if frame.empty:
        return "<p>None in the evidence so far.</p>"
    blocks = []
    for _, r in frame.iterrows():
        data = r["data_evidence"] or "nothing in the data"
        blocks.append(
            f"<section><h3>{esc(r['label'])}</h3><p><strong>{esc(r['basis'])}</strong>. "
            f"Findings: {esc(r['findings'])}. Data: {esc(data)}.</p>"
            f"{_quotes(guide, r['theme'], kinds)}<p>Actions:</p>{_actions(guide, r['actions'])}"
            "</section>"
        )
    return "".join(blocks)


def watch_table(guide: Guide, town: pd.Series, towns: pd.DataFrame) -> pd.DataFrame:
    """The indicators to watch: those of the barriers and the concerns to explore."""
    parts = guide.framework[guide.framework["part"].isin(("barrier", "explore"))]
    themes = [t for t in priority_order(guide) if t in set(parts["theme"])]
    return analysis.indicators_to_watch(town, towns, themes, guide.config)


def _watch(guide: Guide, town: pd.Series, towns: pd.DataFrame) -> str:
    table = watch_table(guide, town, towns)
    if table.empty:
        return "<p>No indicators in the data for these themes.</p>"
    labels = {t.id: t.label for t in guide.config.themes}

    def standing(r: pd.Series) -> str:
        if pd.isna(r["worse_than"]):
            return f"higher than {r['share_below']:.0%} of towns (neither way is better)"
        return f"worse than {r['worse_than']:.0%} of towns"

    rows = [
        [labels[r["theme"]], r["label"], f"{r['value']:.3g}", standing(r)]
        for _, r in table.iterrows()
    ]
    intro = (
        f"<p>What to watch in the data as the framework is carried out, for the barriers and "
        f"the concerns to explore; standing among all {len(towns)} towns in the table.</p>"
    )
    return intro + table_html(["Theme", "Indicator", "Value", "Standing"], rows)


def _made(guide: Guide) -> str:
    f = guide.evidence.findings
    parts = [
        f"{len(f)} consented findings from {f['source_id'].nunique()} conversations",
        f"{guide.evidence.excluded_no_consent} left out for lack of consent",
    ]
    if guide.kappa is not None:
        k = guide.kappa.set_index("theme").loc["overall", "kappa"]
        parts.append(
            "second coding: Cohen's kappa "
            + ("not defined" if pd.isna(k) else f"{k:.2f}")
            + f" on {int(guide.kappa.set_index('theme').loc['overall', 'n_first'])} findings"
        )
    if guide.member_check is not None:
        m = guide.member_check[["confirmed", "challenged", "added"]].sum()
        parts.append(
            f"member checking: {int(m['confirmed'])} confirmed, {int(m['challenged'])} "
            f"challenged, {int(m['added'])} added"
        )
    return (
        f"<p>{esc('; '.join(parts))}. Method, rules and weights: docs/consultations.md; the "
        "full evidence is in the practitioners' guide.</p>"
    )


def framework_document_html(guide: Guide, town: pd.Series, towns: pd.DataFrame) -> str:
    """The printable resilience framework of one pilot, as one escaped HTML fragment."""
    sections = [
        ("Priorities", coproduced_html(guide)),
        ("Barriers to tackle", _part(guide, "barrier", ("friction",))),
        ("Assets to build on", _part(guide, "asset", ("asset", "hope", "opportunity"))),
        ("To explore with the town", _part(guide, "explore", ("friction",))),
        ("Indicators to watch", _watch(guide, town, towns)),
        ("Who we heard and who we did not", who_html(guide)),
        ("How this framework was made", _made(guide)),
    ]
    body = "".join(f"<h2>{esc(title)}</h2>{content}" for title, content in sections)
    return (
        f'{PRINT_CSS}<article class="hopeful-framework">'
        f"{fictional_banner(guide)}<p>A draft for {esc(guide.town_name)}'s partners to "
        "confirm, change and own: barriers that stand in the way of a cohesive town, the "
        "assets to build on, and who would usually lead each action.</p>"
        f"{body}</article>"
    )


def framework_page_html(
    towns: pd.DataFrame, evidence_dir: str | Path, pilots: Mapping[str, str], town_code: str
) -> str:
    """The framework notebook's one output: a titled framework, or how to add evidence.

    Fails for a town that is not a pilot: frameworks are written for pilot towns only.
    """
    if town_code not in pilots:
        raise HopefulError(f"{town_code} is not a pilot town ({', '.join(pilots)})")
    match = towns[towns["town_code"] == town_code]
    if match.empty:
        raise TownNotFoundError(
            f"pilot {pilots[town_code]} ({town_code}) is not in the towns table"
        )
    town = match.iloc[0]
    title = f"<h1>Resilience framework: {esc(town['town_name'])}</h1>"
    guide = load_guide(town, towns, evidence_dir)
    if guide is None:
        return title + missing_evidence_html(town_code, str(town["town_name"]))
    return title + framework_document_html(guide, town, towns)
