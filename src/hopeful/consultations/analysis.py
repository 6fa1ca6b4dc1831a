"""What people said, what the data say, and where the two agree, theme by theme.

A theme's data signals are the town's domain scores (domain_<name>, 0-100, higher = better),
cluster states (cluster_<ID>) and the indicators it names (direction from the catalogue;
indicators without a direction are only watched). A theme is a data concern when at least
`min_concerns` of its signals are: a single signal in the bottom fifth of towns says little,
two agreeing ones say something, and the rule must flag a minority of towns to be worth
reading (`concern_rates` measures that over every town). Missing columns are reported as
not available: a theme never borrows a signal it does not have.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from hopeful.consultations.config import (
    ThemesConfig,
    indicator_directions,
    indicator_labels,
)
from hopeful.consultations.schema import CORE_SECTORS, KINDS, SECTORS
from hopeful.errors import DataError

CLUSTER_STATES = ("full", "partial", "none", "not_assessed")
STATUSES = ("agree", "data_only", "voice_only", "neither")
SIGNAL_COLUMNS = (
    "theme", "signal", "name", "label", "column", "available", "value", "percentile", "severity",
    "concern", "strength",
)  # fmt: skip


def counts_by_sector_kind(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings by sector (rows) and kind (columns), with totals; the four core sectors always."""
    present = set(findings["sector"])
    sectors = [s for s in SECTORS if s in CORE_SECTORS or s in present]
    table = pd.crosstab(findings["sector"], findings["kind"])
    table = table.reindex(index=sectors, columns=list(KINDS), fill_value=0).astype(int)
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    table.index.name, table.columns.name = "sector", None
    return table


def theme_ranking(findings: pd.DataFrame, config: ThemesConfig) -> pd.DataFrame:
    """Themes raised, by conversations raising them, then sectors, then findings.

    Salience counts people, not rows: `share` is the share of conversations (distinct
    source ids) that raised the theme, `breadth` the share of sectors, so one talkative
    informant or an over-sampled sector cannot carry a theme by itself.
    """
    total = findings["source_id"].nunique()
    n_sectors_all = findings["sector"].nunique()
    rows = []
    for theme_id, group in findings.groupby("theme", sort=True):
        kinds = group["kind"].value_counts()
        rows.append(
            {
                "theme": theme_id,
                "label": config.theme(theme_id).label,
                "n_findings": len(group),
                "n_conversations": group["source_id"].nunique(),
                "share": group["source_id"].nunique() / total,
                "n_sectors": group["sector"].nunique(),
                "breadth": group["sector"].nunique() / n_sectors_all,
                **{k: int(kinds.get(k, 0)) for k in KINDS},
                "sectors": ", ".join(s for s in SECTORS if s in set(group["sector"])),
            }
        )
    columns = [
        "theme", "label", "n_findings", "n_conversations", "share", "n_sectors", "breadth",
        *KINDS, "sectors",
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(
        ["n_conversations", "n_sectors", "n_findings", "theme"],
        ascending=[False, False, False, True],
    )
    return table.reset_index(drop=True)


@cache
def domain_labels() -> dict[str, str]:
    """Index domain code -> its name in framework.toml, for readers (never the column name)."""
    from hopeful.scoring.framework import DEFAULT_PATH, load_framework

    return {d.code: d.name for d in load_framework(DEFAULT_PATH).domains}


def percentile_rank(values: pd.Series, value: float) -> float:
    """Mid-rank percentile (0-1): share of towns below, plus half the towns tied with it."""
    values = values.dropna()
    below = float((values < value).sum())
    equal = float((values == value).sum())
    return (below + 0.5 * equal) / len(values)


def _domain_signal(town: pd.Series, towns: pd.DataFrame, column: str, config: ThemesConfig):
    if column not in towns.columns or column not in town.index or pd.isna(town[column]):
        return False, "", float("nan"), float("nan"), False, False
    values = pd.to_numeric(towns[column], errors="coerce")
    bad = (values.isna() & towns[column].notna()) | (values < 0) | (values > 100)
    if bad.any():
        first = str(towns.loc[bad, "town_code"].iloc[0])
        raise DataError("domain scores must be numbers on 0-100", column=column, row=first)
    value = float(town[column])
    pr = percentile_rank(values, value)
    cut = config.data.concern_percentile / 100
    return True, f"{value:.1f}", pr, 1.0 - pr, pr <= cut, pr >= 1.0 - cut


def _indicator_signal(
    town: pd.Series, towns: pd.DataFrame, column: str, direction: int, config: ThemesConfig
):
    """Like a domain, after turning the indicator so that a low percentile is bad."""
    if direction == 0 or column not in towns.columns or pd.isna(town.get(column)):
        return False, "", float("nan"), float("nan"), False, False
    values = pd.to_numeric(towns[column], errors="coerce") * direction
    value = float(town[column])
    pr = percentile_rank(values, value * direction)
    cut = config.data.concern_percentile / 100
    return True, f"{value:.3g}", pr, 1.0 - pr, pr <= cut, pr >= 1.0 - cut


def _cluster_signal(town: pd.Series, column: str, config: ThemesConfig):
    state = town.get(column)
    if state is None or pd.isna(state):
        return False, "", float("nan"), float("nan"), False, False
    if state not in CLUSTER_STATES:
        raise DataError(f"unknown cluster state {state!r}", column=column, row=town["town_code"])
    if state == "not_assessed":
        return False, state, float("nan"), float("nan"), False, False
    severity = {"full": config.data.cluster_full, "partial": config.data.cluster_partial}
    value = severity.get(state, 0.0)
    return True, state, float("nan"), value, value >= config.data.cluster_concern, False


def data_signals(town: pd.Series, towns: pd.DataFrame, config: ThemesConfig) -> pd.DataFrame:
    """One row per theme and signal (domain, cluster, indicator): availability, severity, concern.

    A domain or indicator is a concern when the town's percentile rank (worst = 0) is at most
    concern_percentile and a strength when it is at least 100 - concern_percentile; a cluster
    is a concern when its severity reaches cluster_concern. Severity is 1 - percentile rank
    for a domain or indicator, the configured value for a cluster.
    """
    directions = indicator_directions()
    labels = indicator_labels()
    rows = []
    for theme in config.themes:
        for kind, names in (
            ("domain", theme.domains),
            ("cluster", theme.clusters),
            ("indicator", tuple(i for i in theme.indicators if directions[i] != 0)),
        ):
            for name in names:
                column = name if kind == "indicator" else f"{kind}_{name}"
                if kind == "domain":
                    signal = _domain_signal(town, towns, column, config)
                    label = domain_labels().get(name, name)
                elif kind == "cluster":
                    signal = _cluster_signal(town, column, config)
                    label = config.cluster_names[name]
                else:
                    signal = _indicator_signal(town, towns, column, directions[name], config)
                    label = labels[name]
                values = (theme.id, kind, name, label, column, *signal)
                rows.append(dict(zip(SIGNAL_COLUMNS, values, strict=True)))
    table = pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS))
    return table.astype({"available": bool, "concern": bool, "strength": bool})


def describe_signal(signal: pd.Series) -> str:
    """One signal as the report prints it, in words: the human label, value and standing."""
    if signal["signal"] == "domain":
        return (
            f"{signal['label']} (index domain) = {signal['value']} "
            f"(percentile {signal['percentile']:.0%})"
        )
    if signal["signal"] == "indicator":
        return (
            f"{signal['label']} = {signal['value']} (percentile {signal['percentile']:.0%}, "
            "0% = worst)"
        )
    return f"{signal['label']} (cluster) = {signal['value']}"


def triangulate(
    findings: pd.DataFrame, signals: pd.DataFrame, config: ThemesConfig
) -> pd.DataFrame:
    """Every theme: what people said (as friction) against the data's concern, and a status.

    agree: raised as friction and a data concern; data_only: a data concern nobody raised
    as friction; voice_only: raised as friction, no data concern (or no data); neither.
    """
    ranking = theme_ranking(findings, config).set_index("theme")
    rows = []
    for theme in config.themes:
        own = signals[signals["theme"] == theme.id]
        usable = own[own["available"]]
        friction = findings[(findings["theme"] == theme.id) & (findings["kind"] == "friction")]
        raised = not friction.empty
        if usable.empty:
            severity = 0.0
        elif config.data.aggregate == "max":
            severity = float(usable["severity"].max())
        else:
            severity = float(usable["severity"].mean())
        concern = int(usable["concern"].sum()) >= config.data.min_concerns
        status = STATUSES[(0 if raised else 1) if concern else (2 if raised else 3)]
        said = ranking.loc[theme.id] if theme.id in ranking.index else None
        rows.append(
            {
                "theme": theme.id,
                "label": theme.label,
                "n_findings": 0 if said is None else int(said["n_findings"]),
                "n_conversations": 0 if said is None else int(said["n_conversations"]),
                "share": 0.0 if said is None else float(said["share"]),
                "n_sectors": 0 if said is None else int(said["n_sectors"]),
                "breadth": 0.0 if said is None else float(said["breadth"]),
                "n_friction": len(friction),
                "raised_friction": raised,
                "data_available": not usable.empty,
                "data_severity": severity,
                "data_concern": concern,
                "status": status,
                "data_evidence": "; ".join(
                    describe_signal(s) for _, s in usable[usable["concern"]].iterrows()
                ),
                "not_available": ", ".join(own.loc[~own["available"], "column"]),
                "friction_sources": ", ".join(sorted(set(friction["source_id"]))),
            }
        )
    return pd.DataFrame(rows)


def _percentiles(values: pd.Series) -> pd.Series:
    """Every town's mid-rank percentile at once (the same as percentile_rank, town by town)."""
    values = pd.to_numeric(values, errors="coerce")
    return (values.rank(method="average") - 0.5) / values.notna().sum()


def concern_rates(towns: pd.DataFrame, config: ThemesConfig) -> pd.DataFrame:
    """Share of all towns in which each theme is a data concern, under the configured rule.

    A signal that flags most towns tells a pilot nothing about itself; the rule is tuned in
    consultation_themes.toml until each theme is a concern in at most about a third of towns.
    """
    cut = config.data.concern_percentile / 100
    directions = indicator_directions()
    severity = {"full": config.data.cluster_full, "partial": config.data.cluster_partial}
    rows = []
    for theme in config.themes:
        flags = []
        for name in theme.domains:
            if f"domain_{name}" in towns.columns:
                flags.append(_percentiles(towns[f"domain_{name}"]) <= cut)
        for name in theme.clusters:
            if f"cluster_{name}" in towns.columns:
                state = towns[f"cluster_{name}"].map(severity).fillna(0.0)
                flags.append(state >= config.data.cluster_concern)
        for name in theme.indicators:
            if name in towns.columns and directions[name] != 0:
                values = pd.to_numeric(towns[name], errors="coerce") * directions[name]
                flags.append(_percentiles(values) <= cut)
        count = pd.concat(flags, axis=1).sum(axis=1) if flags else pd.Series(0, towns.index)
        concern = count >= config.data.min_concerns
        rows.append(
            {
                "theme": theme.id,
                "label": theme.label,
                "n_signals": len(flags),
                "n_towns": len(towns),
                "n_concern": int(concern.sum()),
                "rate": float(concern.mean()) if len(towns) else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def indicators_to_watch(
    town: pd.Series, towns: pd.DataFrame, theme_ids: list[str], config: ThemesConfig
) -> pd.DataFrame:
    """The indicators named by the given themes, with the town's value and standing.

    `worse_than` is the share of towns doing better on the indicator (its catalogue
    direction); indicators without a direction show `share_below` only, since neither way is
    worse. Values missing for the town are left out (e.g. England-only indicators in Wales).
    """
    directions, labels = indicator_directions(), indicator_labels()
    rows = []
    for theme_id in theme_ids:
        for name in config.theme(theme_id).indicators:
            if name not in towns.columns or pd.isna(town.get(name)):
                continue
            values = pd.to_numeric(towns[name], errors="coerce")
            value = float(town[name])
            below = percentile_rank(values, value)
            direction = directions[name]
            rows.append(
                {
                    "theme": theme_id,
                    "indicator": name,
                    "label": labels[name],
                    "value": value,
                    "share_below": below,
                    "direction": direction,
                    "worse_than": (
                        float("nan") if direction == 0 else (1 - below if direction > 0 else below)
                    ),
                }
            )
    columns = ["theme", "indicator", "label", "value", "share_below", "direction", "worse_than"]
    return pd.DataFrame(rows, columns=columns)
