"""The pilot towns side by side, and what needs to change across them (the cross-pilot guide)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from hopeful.consultations.config import (
    Action,
    ThemesConfig,
    load_actions,
    load_pilots,
    load_themes,
)
from hopeful.consultations.guide import Guide, load_guide
from hopeful.consultations.schema import KINDS
from hopeful.errors import TownNotFoundError

LEFT_OUT = "left out (no consent)"
NONE = "–"  # an empty cell: never NaN in a report
STATUS_SHORT = {
    "agree": "raised, and in the data",
    "voice_only": "raised, not in the data",
    "data_only": "in the data only: to explore",
    "neither": "neither",
}


def pilot_guides(
    towns: pd.DataFrame,
    evidence_dir: str | Path,
    pilots: Mapping[str, str] | None = None,
    *,
    config: ThemesConfig | None = None,
    actions: tuple[Action, ...] | None = None,
) -> dict[str, Guide | None]:
    """Each pilot's guide by name (None without evidence); pilots missing from towns fail."""
    pilots = load_pilots() if pilots is None else pilots
    config = config or load_themes()
    actions = actions if actions is not None else load_actions(config)
    out: dict[str, Guide | None] = {}
    for code, name in pilots.items():
        match = towns[towns["town_code"] == code]
        if match.empty:
            raise TownNotFoundError(f"pilot {name} ({code}) is not in the towns table")
        out[name] = load_guide(match.iloc[0], towns, evidence_dir, config=config, actions=actions)
    return out


def side_by_side(
    guides: Mapping[str, Guide | None], config: ThemesConfig
) -> dict[str, pd.DataFrame]:
    """Three tables with one column per pilot: triangulation status, priorities, kinds.

    Statuses are in words (STATUS_SHORT); a pilot with fewer priorities than another shows
    NONE in the empty ranks, never a missing value.
    """
    labels = [t.label for t in config.themes]
    status, ranks, kinds = {}, {}, {}
    for name, guide in guides.items():
        if guide is None:
            status[name] = pd.Series("no evidence", index=labels)
            ranks[name] = pd.Series(dtype=object)
            kinds[name] = pd.Series(NONE, index=[*KINDS, LEFT_OUT])
            continue
        status[name] = (
            guide.triangulation.set_index("label")["status"].map(STATUS_SHORT).reindex(labels)
        )
        top = guide.priorities.set_index("rank")
        ranks[name] = top["label"] + " (" + top["score"].map("{:.3f}".format) + ")"
        counts = guide.evidence.findings["kind"].value_counts().reindex(KINDS, fill_value=0)
        kinds[name] = pd.concat([counts, pd.Series({LEFT_OUT: guide.evidence.excluded_no_consent})])
    return {
        "status": pd.DataFrame(status).rename_axis("theme"),
        "priorities": pd.DataFrame(ranks).rename_axis("rank").fillna(NONE),
        "kinds": pd.DataFrame(kinds).rename_axis("kind"),
    }


def read_towns_table(path: str | Path) -> pd.DataFrame:
    """A towns table (data/processed/towns.csv, or the example's) with codes kept as text."""
    return pd.read_csv(path, dtype={"town_code": str}, low_memory=False)


def what_needs_to_change(guides: Mapping[str, Guide | None], config: ThemesConfig) -> pd.DataFrame:
    """Themes that are barriers in the pilots: where, on what basis, and what to do.

    One row per theme that is a barrier in at least one pilot, those shared by more pilots
    first, then by their best final rank. The evidence column says, pilot by pilot, the
    final rank, conversations and whether the data show it; actions are the library's
    suggestions for the theme with who would usually lead them.
    """
    rows: dict[str, dict] = {}
    for name, guide in guides.items():
        if guide is None:
            continue
        order = (guide.coproduced if guide.coproduced is not None else guide.priorities)[
            "theme"
        ].tolist()
        barriers = guide.framework[guide.framework["part"] == "barrier"]
        tri = guide.triangulation.set_index("theme")
        titles = {a.id: f"{a.title} (led by: {', '.join(a.owners)})" for a in guide.actions}
        for _, b in barriers.iterrows():
            entry = rows.setdefault(
                b["theme"],
                {"theme": b["theme"], "label": b["label"], "pilots": [], "evidence": [],
                 "best_rank": len(order) + 1, "actions": []},
            )  # fmt: skip
            rank = order.index(b["theme"]) + 1
            t = tri.loc[b["theme"]]
            entry["pilots"].append(name)
            entry["best_rank"] = min(entry["best_rank"], rank)
            seen = "visible in the data" if t["data_concern"] else "not visible in the data"
            entry["evidence"].append(
                f"{name}: priority {rank}, raised in {int(t['n_conversations'])} "
                f"conversation(s), {seen}"
            )
            entry["actions"] += [
                titles[a] for a in b["actions"] if titles[a] not in entry["actions"]
            ]
    table = pd.DataFrame(
        [
            {
                "theme": e["theme"],
                "label": e["label"],
                "n_pilots": len(e["pilots"]),
                "pilots": ", ".join(e["pilots"]),
                "best_rank": e["best_rank"],
                "evidence": "; ".join(e["evidence"]),
                "actions": "; ".join(e["actions"]),
            }
            for e in rows.values()
        ],
        columns=["theme", "label", "n_pilots", "pilots", "best_rank", "evidence", "actions"],
    )
    table = table.sort_values(["n_pilots", "best_rank", "theme"], ascending=[False, True, True])
    return table.reset_index(drop=True)
