"""The declarative inputs of the practitioners' guide: themes, the priority rule, actions, pilots.

Everything a practitioner may want to change lives in TOML under src/hopeful/data/; this
module only reads it and refuses typos, so a misspelt theme or cluster fails loudly on load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from hopeful.clusters import load_clusters
from hopeful.config import Table, read_toml
from hopeful.errors import DataError

DATA = Path(__file__).resolve().parent.parent / "data"
THEMES_PATH = DATA / "consultation_themes.toml"
ACTIONS_PATH = DATA / "actions.toml"
PILOTS_PATH = DATA / "pilots.toml"
INDICATORS_PATH = DATA / "indicators.csv"
THEME_ID = re.compile(r"^[a-z][a-z0-9_]*$")
USES = ("tackle", "build", "both")
AGGREGATES = ("max", "mean")


@dataclass(frozen=True)
class Theme:
    """A consultation theme and the index domains and clusters it corresponds to."""

    id: str
    label: str
    description: str
    domains: tuple[str, ...]
    clusters: tuple[str, ...]
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataRule:
    """When the data show concern about a theme: percentile and cluster weights.

    `cluster_concern` is the least cluster severity that counts as a concern: with the
    defaults 1.0 only a town fully in a cluster is a concern, 0.5 counts partial membership.
    """

    concern_percentile: float = 20.0
    cluster_full: float = 1.0
    cluster_partial: float = 0.5
    cluster_concern: float = 1.0
    min_concerns: float = 2.0
    aggregate: str = "mean"


@dataclass(frozen=True)
class CoproductionRule:
    """How the workshop's votes weigh against the evidence in the final priorities."""

    workshop_weight: float = 0.5


@dataclass(frozen=True)
class PriorityRule:
    """How data and voices weigh in a theme's priority score."""

    data_weight: float = 0.5
    voice_weight: float = 0.5
    share_weight: float = 0.5
    breadth_weight: float = 0.5


@dataclass(frozen=True)
class ThemesConfig:
    """The themes file read and checked: themes, data rule and priority rule."""

    path: Path
    domains: tuple[str, ...]
    themes: tuple[Theme, ...]
    data: DataRule
    priority: PriorityRule
    cluster_names: dict[str, str]
    coproduction: CoproductionRule = CoproductionRule()

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)


@dataclass(frozen=True)
class Action:
    """A suggested action from actions.toml and the themes and clusters it answers."""

    id: str
    title: str
    themes: tuple[str, ...]
    clusters: tuple[str, ...]
    use: str
    rationale: str
    source: str
    url: str
    owners: tuple[str, ...] = ()


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path)[0]


def _table(path: Path, where: str, table: Any, keys: dict[str, str]) -> dict[str, Any]:
    """Every key of `keys` required, of its kind; any other key is a typo."""
    entry = Table(path, where, table)
    entry.only(keys)
    values = {key: entry.get(key, kind) for key, kind in keys.items()}
    entry.finish()
    return {key: table[key] for key in values}


def _rule(path: Path, where: str, table: Any, cls: type) -> Any:
    """A rule dataclass from its TOML table: numbers >= 0, text where the field is text."""
    keys = {f.name: "text" if f.type == "str" else "number" for f in fields(cls)}
    values = _table(path, where, table, keys)
    negative = [k for k, v in values.items() if not isinstance(v, str) and v < 0]
    if negative:
        raise DataError(f"{where}: {negative} must be >= 0", file=path)
    return cls(**{k: v if isinstance(v, str) else float(v) for k, v in values.items()})


def load_themes(path: str | Path | None = None) -> ThemesConfig:
    """Read consultation_themes.toml: themes, their domains and clusters, and the two rules."""
    path = Path(path) if path is not None else THEMES_PATH
    doc = _table(
        path,
        "top level",
        _read_toml(path),
        {
            "domains": "names",
            "data": "table",
            "priority": "table",
            "coproduction": "table",
            "theme": "tables",
        },
    )
    domains = tuple(doc["domains"])
    cluster_names = {c.id: c.name for c in load_clusters().clusters}
    data = _rule(path, "[data]", doc["data"], DataRule)
    if not 0 < data.concern_percentile < 100:
        raise DataError("[data]: concern_percentile must be between 0 and 100", file=path)
    if data.min_concerns < 1 or not data.min_concerns.is_integer():
        raise DataError("[data]: min_concerns must be a whole number >= 1", file=path)
    if data.aggregate not in AGGREGATES:
        raise DataError(f"[data]: aggregate must be one of {AGGREGATES}", file=path)
    priority = _rule(path, "[priority]", doc["priority"], PriorityRule)
    if priority.data_weight + priority.voice_weight <= 0:
        raise DataError("[priority]: data_weight + voice_weight must be > 0", file=path)
    if priority.share_weight + priority.breadth_weight <= 0:
        raise DataError("[priority]: share_weight + breadth_weight must be > 0", file=path)
    coproduction = _rule(path, "[coproduction]", doc["coproduction"], CoproductionRule)
    if coproduction.workshop_weight > 1:
        raise DataError("[coproduction]: workshop_weight must be between 0 and 1", file=path)
    known_indicators = set(indicator_labels())
    themes: list[Theme] = []
    for n, raw in enumerate(doc["theme"], start=1):
        keys = {
            "id": "text",
            "label": "text",
            "description": "text",
            "domains": "names",
            "clusters": "names",
            "indicators": "names",
        }
        entry = _table(path, f"[[theme]] #{n}", raw, keys)
        where = f"[[theme]] {entry['id']!r}"
        if not THEME_ID.match(entry["id"]) or entry["id"] in {t.id for t in themes}:
            raise DataError(f"{where}: id must be unique, lower-case letters/digits/_", file=path)
        stray = [d for d in entry["domains"] if d not in domains]
        stray += [c for c in entry["clusters"] if c not in cluster_names]
        stray += [i for i in entry["indicators"] if i not in known_indicators]
        if stray:
            raise DataError(
                f"{where}: unknown domain(s), cluster(s) or indicator(s) {stray}", file=path
            )
        themes.append(
            Theme(
                entry["id"],
                entry["label"],
                entry["description"],
                tuple(entry["domains"]),
                tuple(entry["clusters"]),
                tuple(entry["indicators"]),
            )
        )
    if not themes:
        raise DataError("at least one [[theme]] is required", file=path)
    return ThemesConfig(path, domains, tuple(themes), data, priority, cluster_names, coproduction)


@cache
def _catalogue() -> pd.DataFrame:
    return pd.read_csv(INDICATORS_PATH, usecols=["code", "name", "direction"], dtype=str)


def indicator_labels() -> dict[str, str]:
    """Indicator code -> human label from the catalogue (readers never see the code)."""
    table = _catalogue()
    return dict(zip(table["code"], table["name"], strict=True))


def indicator_directions() -> dict[str, int]:
    """Indicator code -> 1 (higher is better), -1 (higher is worse) or 0 (neither)."""
    table = _catalogue()
    return dict(zip(table["code"], table["direction"].astype(int), strict=True))


def load_actions(config: ThemesConfig, path: str | Path | None = None) -> tuple[Action, ...]:
    """Read actions.toml; every theme and cluster an action names must exist."""
    path = Path(path) if path is not None else ACTIONS_PATH
    doc = _table(path, "top level", _read_toml(path), {"action": "tables"})
    actions: list[Action] = []
    for n, raw in enumerate(doc["action"], start=1):
        keys = {
            "id": "text",
            "title": "text",
            "themes": "names",
            "clusters": "names",
            "use": "text",
            "rationale": "text",
            "source": "text",
            "url": "text",
            "owners": "names",
        }
        entry = _table(path, f"[[action]] #{n}", raw, keys)
        where = f"[[action]] {entry['id']!r}"
        if not THEME_ID.match(entry["id"]) or entry["id"] in {a.id for a in actions}:
            raise DataError(f"{where}: id must be unique, lower-case letters/digits/_", file=path)
        stray = [t for t in entry["themes"] if t not in config.ids]
        stray += [c for c in entry["clusters"] if c not in config.cluster_names]
        if stray:
            raise DataError(f"{where}: unknown theme(s) or cluster(s) {stray}", file=path)
        if not entry["owners"]:
            raise DataError(f"{where}: name at least one owner (who would lead it)", file=path)
        if not entry["themes"] and not entry["clusters"]:
            raise DataError(f"{where}: needs at least one theme or cluster", file=path)
        if entry["use"] not in USES:
            raise DataError(f"{where}: use must be one of {USES}", file=path)
        if not re.match(r"^https://[^\s\"'<>]+$", entry["url"]):
            raise DataError(f"{where}: url must be an https:// address", file=path)
        actions.append(
            Action(
                entry["id"],
                entry["title"],
                tuple(entry["themes"]),
                tuple(entry["clusters"]),
                entry["use"],
                entry["rationale"],
                entry["source"],
                entry["url"],
                tuple(entry["owners"]),
            )
        )
    return tuple(actions)


def load_pilots(path: str | Path | None = None) -> dict[str, str]:
    """Pilot towns as code -> name, in file order (pilots.toml)."""
    path = Path(path) if path is not None else PILOTS_PATH
    doc = _read_toml(path)
    pilots = doc.get("pilot")
    if not isinstance(pilots, list) or not pilots:
        raise DataError("at least one [[pilot]] is required", file=path)
    out: dict[str, str] = {}
    for n, raw in enumerate(pilots, start=1):
        entry = _table(
            path, f"[[pilot]] #{n}", raw, {"name": "text", "code": "text", "nation": "text"}
        )
        out[entry["code"]] = entry["name"]
    return out
