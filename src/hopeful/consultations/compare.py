"""The pilot towns side by side, for the cross-pilot notebook."""

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
    """Three tables with one column per pilot: triangulation status, priorities, kinds."""
    labels = [t.label for t in config.themes]
    status, ranks, kinds = {}, {}, {}
    for name, guide in guides.items():
        if guide is None:
            status[name] = pd.Series("no evidence", index=labels)
            ranks[name] = pd.Series(dtype=object)
            kinds[name] = pd.Series(pd.NA, index=[*KINDS, LEFT_OUT], dtype="Int64")
            continue
        status[name] = guide.triangulation.set_index("label")["status"].reindex(labels)
        top = guide.priorities.set_index("rank")
        ranks[name] = top["label"] + " (" + top["score"].map("{:.3f}".format) + ")"
        counts = guide.evidence.findings["kind"].value_counts().reindex(KINDS, fill_value=0)
        kinds[name] = pd.concat([counts, pd.Series({LEFT_OUT: guide.evidence.excluded_no_consent})])
    return {
        "status": pd.DataFrame(status).rename_axis("theme"),
        "priorities": pd.DataFrame(ranks).rename_axis("rank"),
        "kinds": pd.DataFrame(kinds).rename_axis("kind"),
    }
