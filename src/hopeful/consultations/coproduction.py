"""Co-production: what participants ranked, what they said back, and who was (not) heard.

A formula alone does not make priorities co-produced. Three records make the work
accountable to the people consulted:

- the workshop: participants' dot votes per theme by stakeholder group, ranked on their own
  and combined with the evidence's ranking (weights in consultation_themes.toml,
  [coproduction]); the two rankings are set side by side and each difference explained;
- member checking: which findings participants confirmed or challenged, and what they added;
- the sampling record: which sectors and groups were planned and which were reached.
"""

from __future__ import annotations

import pandas as pd

from hopeful.consultations.config import CoproductionRule, ThemesConfig
from hopeful.consultations.inputs import RESPONSES
from hopeful.consultations.schema import GROUPS, SECTORS

__all__ = [
    "combine_rankings",
    "member_check_summary",
    "participants_ranking",
    "sampling_record",
]

DIGITS = 12


def _label(code: str) -> str:
    return code.replace("_", " ")


def participants_ranking(workshop: pd.DataFrame) -> pd.DataFrame:
    """Themes by the participants' own votes, each stakeholder group counting equally.

    A theme's score is the mean over stakeholder groups of its share of that group's votes,
    so the group that brought most people to the workshop does not decide alone. Ties go to
    more votes, then theme id.
    """
    totals = workshop.groupby("stakeholder_group")["votes"].sum()
    groups = [g for g in totals.index if totals[g] > 0]
    rows = []
    for theme, own in workshop.groupby("theme", sort=True):
        own = own.set_index("stakeholder_group")["votes"]
        shares = [own.get(g, 0) / totals[g] for g in groups]
        by_group = own[own > 0].sort_values(ascending=False)
        rows.append(
            {
                "theme": theme,
                "votes": int(own.sum()),
                "participants_score": sum(shares) / len(groups) if groups else 0.0,
                "voted_by": ", ".join(f"{_label(g)} {int(v)}" for g, v in by_group.items()),
            }
        )
    table = pd.DataFrame(rows, columns=["theme", "votes", "participants_score", "voted_by"])
    table["_key"] = table["participants_score"].round(DIGITS)
    table = table.sort_values(["_key", "votes", "theme"], ascending=[False, False, True])
    table = table.drop(columns="_key").reset_index(drop=True)
    table.insert(0, "participants_rank", range(1, len(table) + 1))
    return table


def _explain(row: pd.Series) -> str:
    """Why the evidence and the participants order a theme differently, in one sentence."""
    e, p = row["evidence_rank"], row["participants_rank"]
    said = (
        f"raised in {int(row['n_conversations'])} conversation(s)"
        if row["n_conversations"]
        else "not raised in the consultations"
    )
    data = "a concern in the data" if row["data_concern"] else "not a concern in the data"
    if pd.isna(e):
        return f"Added by participants at the workshop ({int(row['votes'])} votes); {said}, {data}."
    if pd.isna(p):
        return f"No votes at the workshop; the evidence ranks it {int(e)} ({said}, {data})."
    if e == p:
        return "Same place in both rankings."
    if p < e:
        return (
            f"Participants put it higher ({int(row['votes'])} votes: {row['voted_by']}) than "
            f"the evidence does ({said}, {data})."
        )
    return (
        f"The evidence puts it higher ({said}, {data}) than participants did "
        f"({int(row['votes'])} votes)."
    )


def combine_rankings(
    priorities: pd.DataFrame,
    workshop: pd.DataFrame,
    config: ThemesConfig,
    rule: CoproductionRule | None = None,
) -> pd.DataFrame:
    """The evidence's ranking and the participants' side by side, and the final priorities.

    final = (1 - w) * evidence score / top evidence score
          + w * participants' score / top participants' score,   w = workshop_weight
    over every theme either ranking holds (a theme only participants voted for enters with
    evidence score 0). Ties go to more votes, then theme id. Each row says why the two
    rankings differ.
    """
    rule = rule or config.coproduction
    votes = participants_ranking(workshop)
    evidence = priorities.rename(columns={"rank": "evidence_rank", "score": "evidence_score"})
    keep = ["theme", "evidence_rank", "evidence_score", "n_conversations", "data_concern"]
    table = evidence[keep].merge(votes, on="theme", how="outer")
    table["label"] = table["theme"].map(lambda t: config.theme(t).label)
    table["evidence_score"] = table["evidence_score"].fillna(0.0)
    table["participants_score"] = table["participants_score"].fillna(0.0)
    table["votes"] = table["votes"].fillna(0).astype(int)
    table["voted_by"] = table["voted_by"].fillna("")
    table["n_conversations"] = table["n_conversations"].fillna(0).astype(int)
    table["data_concern"] = table["data_concern"].astype("boolean").fillna(False).astype(bool)
    top_e = table["evidence_score"].max() or 1.0
    top_p = table["participants_score"].max() or 1.0
    w = rule.workshop_weight
    table["final_score"] = (1 - w) * table["evidence_score"] / top_e + w * table[
        "participants_score"
    ] / top_p
    table["_key"] = table["final_score"].round(DIGITS)
    table = table.sort_values(["_key", "votes", "theme"], ascending=[False, False, True])
    table = table.drop(columns="_key").reset_index(drop=True)
    table.insert(0, "final_rank", range(1, len(table) + 1))
    table["explanation"] = table.apply(_explain, axis=1)
    columns = [
        "final_rank", "theme", "label", "final_score", "evidence_rank", "evidence_score",
        "participants_rank", "participants_score", "votes", "voted_by", "n_conversations",
        "data_concern", "explanation",
    ]  # fmt: skip
    return table[columns]


def member_check_summary(member_check: pd.DataFrame, config: ThemesConfig) -> pd.DataFrame:
    """Per theme: findings participants confirmed, challenged, and new ones they added."""
    counts = pd.crosstab(member_check["theme"], member_check["response"])
    counts = counts.reindex(columns=list(RESPONSES), fill_value=0)
    order = [t for t in config.ids if t in counts.index]
    counts = counts.reindex(order).astype(int).reset_index()
    counts.insert(1, "label", counts["theme"].map(lambda t: config.theme(t).label))
    counts.columns.name = None
    return counts


def sampling_record(
    sampling: pd.DataFrame | None, participants: pd.DataFrame, findings: pd.DataFrame
) -> pd.DataFrame:
    """Who we heard and who we did not: planned against reached, by sector and by group.

    Reached counts consenting participants (by sector and by each group they belong to);
    without a participants table, sectors count conversations and groups are unknown.
    Anything planned and not reached, or reached without being planned, is listed.
    """
    consenting = participants[participants["consent"] == "yes"]
    if len(consenting):
        by_sector = consenting["sector"].value_counts()
        groups = consenting["groups"].str.split(";").explode()
        by_group = groups[groups.astype(bool)].value_counts()
    else:
        by_sector = findings.drop_duplicates("source_id")["sector"].value_counts()
        by_group = None
    planned = (
        sampling.set_index(["dimension", "name"])["planned"]
        if sampling is not None
        else pd.Series(dtype=int)
    )
    rows = []
    for dimension, names, reached in (
        ("sector", SECTORS, by_sector),
        ("group", GROUPS, by_group),
    ):
        for name in names:
            plan = planned.get((dimension, name))
            got = None if reached is None else int(reached.get(name, 0))
            if plan is None and not got:
                continue
            if got is None:
                status = "not recorded (no participants table)"
            elif plan is None:
                status = "heard, not planned"
            elif got == 0:
                status = "not heard"
            elif got < plan:
                status = "heard, fewer than planned"
            else:
                status = "heard as planned"
            rows.append(
                {
                    "dimension": dimension,
                    "name": name,
                    "planned": pd.NA if plan is None else int(plan),
                    "reached": pd.NA if got is None else got,
                    "status": status,
                }
            )
    table = pd.DataFrame(rows, columns=["dimension", "name", "planned", "reached", "status"])
    return table.astype({"planned": "Int64", "reached": "Int64"})
