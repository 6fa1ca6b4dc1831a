"""Local priorities and the resilience framework, from the triangulated themes.

The evidence's priority rule (docs/consultations.md, weights in consultation_themes.toml):
    voice = (share_weight * share + breadth_weight * breadth) / (share_weight + breadth_weight)
    score = (data_weight * severity + voice_weight * voice) / (data_weight + voice_weight)
with share the share of conversations raising the theme and breadth the share of sectors,
over themes that are a data concern or were raised at all; ties go to more conversations,
then more findings, then theme id, so the order never depends on sort stability. The
workshop's own ranking joins it in hopeful.consultations.coproduction.
"""

from __future__ import annotations

import pandas as pd

from hopeful.consultations.analysis import describe_signal
from hopeful.consultations.config import Action, PriorityRule, ThemesConfig
from hopeful.consultations.schema import KINDS

BUILD_KINDS = ("asset", "hope", "opportunity")
DIGITS = 12  # scores equal to 12 decimals are ties, whatever float arithmetic did
BASIS = {
    "agree": "raised in consultation and visible in the data",
    "voice_only": "raised in consultation, not visible in the data",
    "data_only": "to explore with the town: visible in the data, not raised as friction",
}


def rank_priorities(triangulation: pd.DataFrame, rule: PriorityRule) -> pd.DataFrame:
    """Eligible themes with voice salience, score and rank (1 = top priority)."""
    eligible = triangulation[triangulation["data_concern"] | (triangulation["n_findings"] > 0)]
    table = eligible.copy()
    voice_total = rule.share_weight + rule.breadth_weight
    table["voice_salience"] = (
        rule.share_weight * table["share"] + rule.breadth_weight * table["breadth"]
    ) / voice_total
    table["score"] = (
        rule.data_weight * table["data_severity"] + rule.voice_weight * table["voice_salience"]
    ) / (rule.data_weight + rule.voice_weight)
    table["_key"] = table["score"].round(DIGITS)
    table = table.sort_values(
        ["_key", "n_conversations", "n_findings", "theme"], ascending=[False, False, False, True]
    )
    table = table.drop(columns="_key").reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def suggest_actions(
    actions: tuple[Action, ...], theme: str, clusters: frozenset[str], part: str
) -> list[Action]:
    """Actions for a barrier (use tackle/both; by theme or concern cluster) or an asset."""
    uses = ("tackle", "both") if part == "barrier" else ("build", "both")
    return [
        a
        for a in actions
        if a.use in uses
        and (theme in a.themes or (part == "barrier" and clusters & set(a.clusters)))
    ]


def _kinds_text(group: pd.DataFrame) -> str:
    counts = group["kind"].value_counts()
    return ", ".join(f"{int(counts[k])} {k}" for k in KINDS if k in counts)


def framework(
    findings: pd.DataFrame,
    priorities: pd.DataFrame,
    signals: pd.DataFrame,
    config: ThemesConfig,
    actions: tuple[Action, ...],
) -> pd.DataFrame:
    """Barriers to tackle, assets to build on and concerns to explore with the town.

    Barriers are themes raised as friction, in priority order: confirmed by the data
    (`agree`) or raised in consultation only (`voice_only`, marked as not visible in the
    data: consultation is how such frictions are found). Assets (themes with asset, hope or
    opportunity findings) follow their number of such findings, then theme id. Data concerns
    nobody raised are "to explore": questions for the town, not conclusions. Each row names
    its evidence: data signals (concerns, or strengths for assets) and source ids.
    """
    rows = []
    raised = priorities[priorities["status"].isin(("agree", "voice_only"))]
    for _, p in raised.iterrows():
        own = signals[(signals["theme"] == p["theme"]) & signals["concern"]]
        concern_clusters = frozenset(own.loc[own["signal"] == "cluster", "name"])
        rows.append(
            {
                "part": "barrier",
                "theme": p["theme"],
                "label": p["label"],
                "basis": BASIS[p["status"]],
                "findings": f"{int(p['n_friction'])} friction",
                "data_evidence": p["data_evidence"],
                "finding_sources": p["friction_sources"],
                "actions": [
                    a.id for a in suggest_actions(actions, p["theme"], concern_clusters, "barrier")
                ],
            }
        )
    build = findings[findings["kind"].isin(BUILD_KINDS)]
    order = build.groupby("theme").size().reset_index(name="n")
    order = order.sort_values(["n", "theme"], ascending=[False, True])
    for theme_id in order["theme"]:
        group = build[build["theme"] == theme_id]
        strong = signals[(signals["theme"] == theme_id) & signals["strength"]]
        rows.append(
            {
                "part": "asset",
                "theme": theme_id,
                "label": config.theme(theme_id).label,
                "basis": "raised in consultation",
                "findings": _kinds_text(group),
                "data_evidence": "; ".join(describe_signal(s) for _, s in strong.iterrows()),
                "finding_sources": ", ".join(sorted(set(group["source_id"]))),
                "actions": [a.id for a in suggest_actions(actions, theme_id, frozenset(), "asset")],
            }
        )
    for _, p in priorities[priorities["status"] == "data_only"].iterrows():
        own = signals[(signals["theme"] == p["theme"]) & signals["concern"]]
        concern_clusters = frozenset(own.loc[own["signal"] == "cluster", "name"])
        rows.append(
            {
                "part": "explore",
                "theme": p["theme"],
                "label": p["label"],
                "basis": BASIS["data_only"],
                "findings": f"{int(p['n_findings'])} finding(s), none as friction",
                "data_evidence": p["data_evidence"],
                "finding_sources": "",
                "actions": [
                    a.id for a in suggest_actions(actions, p["theme"], concern_clusters, "barrier")
                ],
            }
        )
    columns = [
        "part", "theme", "label", "basis", "findings", "data_evidence", "finding_sources",
        "actions",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
