"""The 14 clusters of risk to resilience: which towns are in each, and on what evidence.

The clusters live in a declarative file (data/clusters.toml, schema in docs/clusters.md).
A criterion compares a town's indicator with a threshold computed over towns (the file's
[rule] sets the default statistic: mean, median or a percentile); a cluster's state follows
from how many criteria are met and how many could be assessed, so a town judged on three of
four criteria is never silently "full". Every number behind a state is kept in a long table
so a report can show it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hopeful.config import REQUIRED, Table, check_sections, finite, read_toml
from hopeful.errors import DataError

__all__ = [
    "Cluster",
    "ClusterConfig",
    "ClusterConfigError",
    "Calibration",
    "Criterion",
    "PeerSettings",
    "Rule",
    "criteria_table",
    "effective_statistic",
    "load_clusters",
    "membership",
    "membership_from_criteria",
    "thresholds",
    "validate_against",
    "with_rule",
]

DEFAULT_PATH = Path(__file__).parent / "data" / "clusters.toml"
TOWN = "town_code"
NATION = "nation"
COMPARES = ("above", "below")
STATISTICS = ("mean", "median", "quantile", "value")
DEFAULT_STATISTICS = ("mean", "median", "quantile")
BASES = ("criteria", "assessable")
SCOPES = ("all", "nation")
STATES = ("full", "partial", "none", "not_assessed")
CLUSTER_ID = re.compile(r"^[A-Za-z0-9_]+$")


class ClusterConfigError(DataError):
    """The cluster file is invalid; the message names the cluster and criterion."""


@dataclass(frozen=True)
class Criterion:
    """One criterion of a cluster: an indicator compared above or below a threshold statistic.

    `threshold` None means the [rule]'s default statistic, so one global setting calibrates
    every criterion that does not need its own (the 0/1 coastal flag uses a fixed value).
    """

    label: str
    indicator: str | None
    compare: str
    threshold: str | None = None
    quantile: float | None = None
    value: float | None = None
    scope: str = "all"
    proxy: str = ""
    not_assessed_reason: str = ""


@dataclass(frozen=True)
class Cluster:
    """A risk cluster from clusters.toml: its criteria and where it comes from."""

    id: str
    name: str
    origin: str
    criteria: tuple[Criterion, ...]
    description: str = ""


@dataclass(frozen=True)
class Rule:
    """How met and assessable criteria give a state, and the default threshold statistic.

    basis "criteria" is HOPE not hate's rule: full = every criterion of the cluster met (four
    of four), partial = all but `partial_missing` met; an unassessable criterion counts as not
    met, so a town meeting 3 of 3 assessable criteria is partial, never silently full.
    basis "assessable" judges only the assessable criteria (3 of 3 is full): more lenient.
    `threshold`/`quantile` is the statistic of criteria without their own.
    """

    min_assessable: int = 3
    partial_missing: int = 1
    basis: str = "criteria"
    threshold: str = "mean"
    quantile: float | None = None

    def state(self, met: int, assessable: int, criteria: int) -> str:
        """The state of a cluster with `criteria` criteria for a town with these counts."""
        if assessable < self.min_assessable:
            return "not_assessed"
        needed = criteria if self.basis == "criteria" else assessable
        if met >= needed:
            return "full"
        return "partial" if met >= needed - self.partial_missing else "none"


@dataclass(frozen=True)
class PeerSettings:
    """Which features and how many neighbours define a town's peers."""

    features: tuple[str, ...] = ("population", "share_65plus", "share_white", "uk_imd_score")
    k: int = 10
    better: int = 5
    log: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    categorical: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Calibration:
    """HOPE not hate's average full clusters per town, and the percentiles to compare."""

    target_full_mean: float = 3.17
    quantiles: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6)


@dataclass(frozen=True)
class ClusterConfig:
    """clusters.toml read and checked, with its sha256 for provenance."""

    path: Path
    sha256: str
    rule: Rule
    clusters: tuple[Cluster, ...]
    peers: PeerSettings = PeerSettings()
    calibration: Calibration = Calibration()

    @property
    def indicators(self) -> list[str]:
        """Every indicator column the clusters read, in file order, once each."""
        seen = [c.indicator for k in self.clusters for c in k.criteria if c.indicator]
        return list(dict.fromkeys(seen))


# ---------------------------------------------------------------------------- loading


def _entry(path: Path, where: str, table: Any) -> Table:
    return Table(path, where, table, ClusterConfigError)


def _check_quantile(entry: Table, threshold: str | None, quantile: float | None) -> None:
    if (threshold == "quantile") != (quantile is not None):
        raise entry.error("quantile is required with threshold = 'quantile' and only with it")
    if quantile is not None and not 0 < quantile < 1:
        raise entry.error(f"quantile must be strictly between 0 and 1, not {quantile}")


def _criterion(entry: Table) -> Criterion:
    indicator = entry.get("indicator", "str", "").strip() or None
    compare = entry.choice("compare", COMPARES, None if indicator is None else REQUIRED)
    threshold = entry.choice("threshold", STATISTICS, None)
    quantile = entry.get("quantile", "number", None)
    value = entry.get("value", "number", None)
    scope = entry.choice("scope", SCOPES, "all")
    reason = entry.get("not_assessed_reason", "text", "")
    proxy = entry.get("proxy", "text", "")
    entry.finish()
    if indicator is None and not reason:
        raise entry.error("a criterion without an indicator needs a not_assessed_reason")
    if indicator is not None and reason:
        raise entry.error("not_assessed_reason is only for criteria without an indicator")
    _check_quantile(entry, threshold, quantile)
    if (threshold == "value") != (value is not None):
        raise entry.error("value is required with threshold = 'value' and only with it")
    return Criterion(
        label=entry.table["label"],
        indicator=indicator,
        compare=compare or "",
        threshold=threshold,
        quantile=quantile,
        value=value,
        scope=scope,
        proxy=proxy,
        not_assessed_reason=reason,
    )


def _cluster(path: Path, n: int, table: Any, seen: set[str]) -> Cluster:
    entry = _entry(path, f"[[cluster]] #{n}", table)
    cid = entry.get("id", "text")
    entry.where = f"[[cluster]] {cid!r}"
    if not CLUSTER_ID.match(cid):
        raise entry.error("id must be letters, digits or _ (it becomes a column name)")
    if cid in seen:
        raise entry.error("duplicate id")
    name = entry.get("name", "text")
    origin = entry.get("origin", "text")
    description = entry.get("description", "text", "")
    raw = entry.get("criterion", "list", None)
    entry.finish()
    if not isinstance(raw, list) or not raw:
        raise entry.error("needs at least one [[cluster.criterion]]")
    criteria: list[Criterion] = []
    for m, item in enumerate(raw, start=1):
        sub = _entry(path, f"{entry.where} criterion #{m}", item)
        label = sub.get("label", "text")
        sub.where = f"{entry.where} criterion {label!r}"
        if any(c.label == label for c in criteria):
            raise sub.error("duplicate label in this cluster")
        criteria.append(_criterion(sub))
    return Cluster(cid, name, origin, tuple(criteria), description)


def _rule(path: Path, table: Any) -> Rule:
    entry = _entry(path, "[rule]", table)
    rule = Rule(
        entry.get("min_assessable", "int", Rule.min_assessable),
        entry.get("partial_missing", "int", Rule.partial_missing),
        entry.choice("basis", BASES, Rule.basis),
        entry.choice("threshold", DEFAULT_STATISTICS, Rule.threshold),
        entry.get("quantile", "number", None),
    )
    entry.finish()
    if rule.min_assessable < 1:
        raise entry.error("min_assessable must be at least 1")
    if not 0 <= rule.partial_missing < rule.min_assessable:
        raise entry.error("partial_missing must be at least 0 and below min_assessable")
    _check_quantile(entry, rule.threshold, rule.quantile)
    return rule


def _column_table(
    entry: Table, key: str, *, allow_inf: bool = False
) -> tuple[tuple[str, float], ...]:
    """column = number >= 0; `inf` only where it means something (categorical: same only)."""
    table = entry.get(key, "table", {})
    for column, number in table.items():
        usable = finite(number) or (allow_inf and number == math.inf)
        if not usable or number < 0:
            wanted = "a number >= 0 (or inf)" if allow_inf else "a finite number >= 0"
            raise entry.error(f"{key}.{column} must be {wanted}")
    return tuple((column, float(number)) for column, number in table.items())


def _peers(path: Path, table: Any) -> PeerSettings:
    entry = _entry(path, "[peers]", table)
    default = PeerSettings()
    features = tuple(entry.get("features", "names", list(default.features)))
    settings = PeerSettings(
        features=features,
        k=entry.get("k", "int", default.k),
        better=entry.get("better", "int", default.better),
        log=tuple(entry.get("log", "names", [])),
        weights=_column_table(entry, "weights"),
        categorical=_column_table(entry, "categorical", allow_inf=True),
    )
    entry.finish()
    if not features or len(set(features)) != len(features):
        raise entry.error("features must be a non-empty list without repeats")
    if settings.k < 1 or settings.better < 1:
        raise entry.error("k and better must be at least 1")
    for key, names in (("log", settings.log), ("weights", [w for w, _ in settings.weights])):
        stray = [name for name in names if name not in features]
        if stray:
            raise entry.error(f"{key} names columns that are not features: {', '.join(stray)}")
    return settings


def _calibration(path: Path, table: Any) -> Calibration:
    entry = _entry(path, "[calibration]", table)
    default = Calibration()
    target = entry.get("target_full_mean", "number", default.target_full_mean)
    quantiles = entry.get("quantiles", "list", list(default.quantiles))
    entry.finish()
    if target <= 0:
        raise entry.error("target_full_mean must be above 0")
    if not all(finite(q) and 0 < q < 1 for q in quantiles) or len(set(quantiles)) < len(quantiles):
        raise entry.error("quantiles must be distinct numbers strictly between 0 and 1")
    return Calibration(target, tuple(float(q) for q in quantiles))


def load_clusters(path: str | Path | None = None) -> ClusterConfig:
    """Read and validate a cluster file (default: the package's data/clusters.toml)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    doc, raw = read_toml(path, ClusterConfigError, "cluster file")
    check_sections(doc, ("rule", "calibration", "cluster", "peers"), path, ClusterConfigError)
    tables = doc.get("cluster")
    if not isinstance(tables, list) or not tables:
        raise ClusterConfigError("at least one [[cluster]] is required", file=path)
    clusters: list[Cluster] = []
    for n, table in enumerate(tables, start=1):
        clusters.append(_cluster(path, n, table, {c.id for c in clusters}))
    return ClusterConfig(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        rule=_rule(path, doc.get("rule", {})),
        clusters=tuple(clusters),
        peers=_peers(path, doc.get("peers", {})),
        calibration=_calibration(path, doc.get("calibration", {})),
    )


def _check_indicators(config: ClusterConfig, present: set[str]) -> None:
    for cluster in config.clusters:
        for c in cluster.criteria:
            if c.indicator is None:
                continue
            where = f"[[cluster]] {cluster.id!r} criterion {c.label!r}"
            if c.indicator not in present:
                raise ClusterConfigError(
                    f"{where}: indicator {c.indicator!r} is not a column of the towns table",
                    file=config.path,
                )
            if c.scope == "nation" and NATION not in present:
                raise ClusterConfigError(
                    f"{where}: scope 'nation' needs a {NATION!r} column in the towns table",
                    file=config.path,
                )


def validate_against(config: ClusterConfig, columns: Iterable[str]) -> None:
    """Every indicator and peer column named in the file must be a column of the towns table."""
    present = set(columns)
    _check_indicators(config, present)
    peers = config.peers
    wanted = [*peers.features, *(name for name, _ in peers.categorical)]
    missing = [name for name in wanted if name not in present]
    if missing:
        raise ClusterConfigError(
            f"[peers]: not column(s) of the towns table: {', '.join(missing)}",
            file=config.path,
        )


# ---------------------------------------------------------------------------- computing


def _values(towns: pd.DataFrame, column: str) -> pd.Series:
    """The indicator as floats; booleans (e.g. coastal) become 1/0, missing stays NaN."""
    series = towns[column]
    try:
        return series.astype("float64")
    except (TypeError, ValueError) as exc:
        raise DataError("cluster indicator is not numeric or boolean", column=column) from exc


def effective_statistic(c: Criterion, rule: Rule) -> tuple[str, float | None]:
    """The criterion's statistic (its own, or the rule's) and the quantile actually taken.

    A quantile q selects the same share of towns whichever way the criterion points: above
    the q-quantile for "above", below the (1 - q)-quantile for "below".
    """
    statistic, quantile = (
        (c.threshold, c.quantile) if c.threshold is not None else (rule.threshold, rule.quantile)
    )
    if statistic == "quantile" and c.compare == "below":
        quantile = 1 - quantile  # type: ignore[operator]
    return statistic, quantile


def with_rule(config: ClusterConfig, **changes: Any) -> ClusterConfig:
    """The same clusters with some [rule] settings changed (for calibration)."""
    return replace(config, rule=replace(config.rule, **changes))


def _statistic(values: pd.Series, c: Criterion, rule: Rule) -> float:
    values = values.dropna()
    statistic, quantile = effective_statistic(c, rule)
    if statistic == "value":
        return float(c.value)  # type: ignore[arg-type]
    if values.empty:
        return math.nan
    if statistic == "mean":
        return float(values.mean())
    if statistic == "median":
        return float(values.median())
    return float(values.quantile(quantile))  # linear interpolation, as pandas


def _groups(towns: pd.DataFrame, scope: str) -> pd.Series:
    if scope == "all":
        return pd.Series("all", index=towns.index, dtype=object)
    return towns[NATION].astype(object)


def _check_towns(towns: pd.DataFrame, config: ClusterConfig) -> None:
    if TOWN not in towns.columns:
        raise DataError(f"the towns table has no {TOWN!r} column", column=TOWN)
    duplicated = towns[TOWN][towns[TOWN].duplicated()]
    if not duplicated.empty:
        raise DataError("duplicate town code", column=TOWN, row=str(duplicated.iloc[0]))
    _check_indicators(config, set(towns.columns))


def _criterion_rows(
    towns: pd.DataFrame, c: Criterion, rule: Rule
) -> tuple[pd.DataFrame, pd.Series]:
    """Per-criterion thresholds by group, and each town's threshold."""
    groups = _groups(towns, c.scope)
    values = _values(towns, c.indicator)  # type: ignore[arg-type]
    rows = []
    for group in sorted(groups.dropna().unique()):
        inside = values[groups == group]
        rows.append(
            {
                "group": group,
                "threshold": _statistic(inside, c, rule),
                "n": int(inside.notna().sum()),
            }
        )
    table = pd.DataFrame(rows, columns=["group", "threshold", "n"])
    per_town = groups.map(dict(zip(table["group"], table["threshold"], strict=True)))
    return table, per_town.astype("float64")


def thresholds(towns: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """One row per criterion and scope group (all towns, or each nation) with its threshold."""
    _check_towns(towns, config)
    parts = []
    for cluster in config.clusters:
        for no, c in enumerate(cluster.criteria, start=1):
            statistic, quantile = effective_statistic(c, config.rule)
            head = {
                "cluster": cluster.id,
                "criterion_no": no,
                "criterion": c.label,
                "indicator": c.indicator or "",
                "compare": c.compare,
                "statistic": statistic,
                "quantile": quantile if quantile is not None else math.nan,
                "scope": c.scope,
            }
            if c.indicator is None:
                parts.append(pd.DataFrame([{**head, "group": "", "threshold": math.nan, "n": 0}]))
                continue
            table, _ = _criterion_rows(towns, c, config.rule)
            parts.append(table.assign(**head))
    columns = [
        "cluster", "criterion_no", "criterion", "indicator", "compare", "statistic",
        "quantile", "scope", "group", "threshold", "n",
    ]  # fmt: skip
    return pd.concat([p[columns] for p in parts], ignore_index=True)


def criteria_table(towns: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """Long table, one row per town × cluster × criterion: value, threshold, met, assessable.

    A criterion is met when the value is strictly above (or below) the threshold; a town
    exactly at the threshold does not meet it. `met` is missing when not assessable.
    """
    _check_towns(towns, config)
    codes = towns[TOWN].astype(str).to_numpy()
    parts = []
    for k, cluster in enumerate(config.clusters):
        for no, c in enumerate(cluster.criteria, start=1):
            if c.indicator is None:
                value = threshold = np.full(len(towns), np.nan)
                reason = np.full(len(towns), c.not_assessed_reason, dtype=object)
            else:
                value = _values(towns, c.indicator).to_numpy()
                threshold = _criterion_rows(towns, c, config.rule)[1].to_numpy()
                reason = np.where(
                    np.isnan(value),
                    "no value for this town",
                    np.where(np.isnan(threshold), "no threshold for this town's group", ""),
                ).astype(object)
            assessable = ~np.isnan(value) & ~np.isnan(threshold)
            with np.errstate(invalid="ignore"):
                met = value > threshold if c.compare == "above" else value < threshold
            parts.append(
                pd.DataFrame(
                    {
                        TOWN: codes,
                        "cluster": cluster.id,
                        "_order": k,
                        "criterion_no": no,
                        "criterion": c.label,
                        "indicator": c.indicator or "",
                        "value": value,
                        "compare": c.compare,
                        "statistic": effective_statistic(c, config.rule)[0],
                        "scope": c.scope,
                        "threshold": threshold,
                        "met": pd.array(np.where(assessable, met, pd.NA), dtype="boolean"),
                        "assessable": assessable,
                        "proxy": c.proxy,
                        "not_assessed_reason": reason,
                    }
                )
            )
    long = pd.concat(parts, ignore_index=True)
    long = long.sort_values([TOWN, "_order", "criterion_no"], kind="stable")
    return long.drop(columns="_order").reset_index(drop=True)


def membership_from_criteria(long: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """Wide table from the long one: per town, each cluster's state with the criteria it met
    and could be assessed on (cluster_<ID>, cluster_<ID>_met, cluster_<ID>_assessed), then
    the counts of full, partial and not-assessed clusters."""
    counts = (
        long.assign(met=long["met"].fillna(False).astype(bool))
        .groupby([TOWN, "cluster"], sort=False)[["met", "assessable"]]
        .sum()
        .astype("int64")
    )
    sizes = {c.id: len(c.criteria) for c in config.clusters}
    counts["state"] = [
        config.rule.state(m, a, sizes[cid])
        for (_, cid), (m, a) in zip(
            counts.index, counts[["met", "assessable"]].to_numpy(), strict=True
        )
    ]
    wide = counts.unstack("cluster").sort_index()
    states = [f"cluster_{c.id}" for c in config.clusters]
    out = pd.DataFrame(index=wide.index)
    for c in config.clusters:
        out[f"cluster_{c.id}"] = wide[("state", c.id)]
        out[f"cluster_{c.id}_met"] = wide[("met", c.id)]
        out[f"cluster_{c.id}_assessed"] = wide[("assessable", c.id)]
    for name in ("full", "partial", "not_assessed"):
        out[f"clusters_{name}"] = (out[states] == name).sum(axis=1)
    return out.reset_index()


def membership(towns: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """Per town: cluster_<ID> in full/partial/none/not_assessed, criteria met and assessed,
    and the counts of states."""
    return membership_from_criteria(criteria_table(towns, config), config)
