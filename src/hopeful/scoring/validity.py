"""Validity of the Towns Index: does it relate to outcomes it does not contain, beyond deprivation?

A resilience index earns its name if towns it ranks higher fare better on outcomes it was not
built from, and if that holds once deprivation is held fixed: an index that only re-ranks
deprivation would correlate with well-being exactly as much as deprivation does and lose the
correlation once deprivation is controlled for. For each outcome of data/validity.toml, per
nation and over all towns, this module computes

- Spearman's rho of the index (and of each domain) with the outcome, and of deprivation with
  the outcome;
- the rank partial correlation of the index (and of each domain: which part carries what the
  index adds) with the outcome controlling for deprivation, and of deprivation controlling
  for the index (the partial correlation formula applied to the
  Spearman matrix: the correlation of the ranks' residuals after a linear fit on the control's
  ranks);
- percentile intervals from a bootstrap that resamples local authorities (the clusters the
  outcomes share), seeded, so the same inputs give the same table.

An outcome that is an input of the framework is refused (`check_not_inputs`): the check would
be circular. docs/index.md ("Validity") explains the choices and gives the figures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from hopeful.config import Table, check_sections, read_toml
from hopeful.errors import DataError
from hopeful.scoring.framework import Framework

__all__ = [
    "ALL_TOWNS",
    "DEFAULT_PATH",
    "INDEX",
    "Outcome",
    "ValiditySpec",
    "check_not_inputs",
    "cluster_bootstrap",
    "load_spec",
    "outcome_values",
    "rank_correlations",
    "validity_table",
]

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "validity.toml"
INDEX = "index_score"
NATION = "nation"
ALL_TOWNS = "All towns"
SETTINGS_KEYS = ("control", "cluster", "draws", "seed", "level", "min_towns")
OUTCOME_KEYS = ("code", "name", "column", "baseline", "expected", "require_full")
DECIMALS = 6  # the precision of the processed tables (hopeful.processed.write_csv)


@dataclass(frozen=True)
class Outcome:
    """An outcome the index is validated against: a towns column, or (with `baseline`) the
    residual of `column` regressed on `baseline`; `expected` is the sign a resilience index
    should show; `require_full` keeps only towns where that column equals 1."""

    code: str
    name: str
    column: str
    expected: int
    baseline: str | None = None
    require_full: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """The towns columns the outcome is computed from."""
        return tuple(c for c in (self.column, self.baseline) if c is not None)


@dataclass(frozen=True)
class ValiditySpec:
    """The validity file: the control (deprivation), the bootstrap settings and the outcomes."""

    path: Path
    sha256: str
    control: str
    cluster: str
    draws: int
    seed: int
    level: float
    min_towns: int
    outcomes: tuple[Outcome, ...]


def _outcome(path: Path, n: int, table: object, seen: set[str]) -> Outcome:
    entry = Table(path, f"[[outcome]] {n}", table)
    entry.only(OUTCOME_KEYS)
    code = entry.get("code", "text")
    outcome = Outcome(
        code=code,
        name=entry.get("name", "text"),
        column=entry.get("column", "text", code),
        expected=entry.get("expected", "int"),
        baseline=entry.get("baseline", "text", None),
        require_full=entry.get("require_full", "text", None),
    )
    entry.finish()
    if code in seen:
        raise entry.error(f"outcome {code!r} is listed twice")
    if outcome.expected not in (-1, 1):
        raise entry.error("expected must be 1 or -1")
    return outcome


def load_spec(path: str | Path | None = None) -> ValiditySpec:
    """Read and validate a validity file (default: the package's data/validity.toml)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    doc, raw = read_toml(path, DataError, "validity file")
    check_sections(doc, ("validity", "outcome"), path)
    entry = Table(path, "[validity]", doc.get("validity", {}))
    entry.only(SETTINGS_KEYS)
    kinds = ("text", "text", "int", "int", "number", "int")
    settings = {k: entry.get(k, kind) for k, kind in zip(SETTINGS_KEYS, kinds, strict=True)}
    entry.finish()
    if settings["draws"] < 100:
        raise entry.error("draws must be at least 100 for a percentile interval")
    if not 0 < settings["level"] < 1:
        raise entry.error("level must be strictly between 0 and 1")
    if settings["min_towns"] < 4:
        raise entry.error("min_towns must be at least 4 (a partial correlation needs them)")
    tables = doc.get("outcome")
    if not isinstance(tables, list) or not tables:
        raise DataError("at least one [[outcome]] is required", file=path)
    outcomes: list[Outcome] = []
    for n, table in enumerate(tables, start=1):
        outcomes.append(_outcome(path, n, table, {o.code for o in outcomes}))
    return ValiditySpec(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        outcomes=tuple(outcomes),
        **settings,
    )


def check_not_inputs(spec: ValiditySpec, fw: Framework) -> None:
    """Refuse an outcome built from an input of the framework: validating the index against
    its own ingredients would show agreement by construction."""
    inputs = set(fw.indicator_codes)
    for outcome in spec.outcomes:
        circular = [c for c in (outcome.code, *outcome.sources) if c in inputs]
        if circular:
            raise DataError(
                f"outcome {outcome.code!r} uses {', '.join(map(repr, sorted(set(circular))))}, "
                f"an input of the framework {fw.name!r}: the validity check would be circular",
                file=spec.path,
            )
        if spec.control in (outcome.code, *outcome.sources):
            raise DataError(
                f"outcome {outcome.code!r} is the control {spec.control!r} itself",
                file=spec.path,
            )


def outcome_values(towns: pd.DataFrame, outcome: Outcome) -> pd.Series:
    """The outcome per town (NaN where it does not apply), indexed like `towns`."""
    missing = [c for c in (*outcome.sources, outcome.require_full) if c and c not in towns]
    if missing:
        raise DataError(
            f"outcome {outcome.code!r} needs columns missing from the towns table: "
            + ", ".join(missing),
            file="towns.csv",
        )
    values = towns[outcome.column].astype(float)
    if outcome.baseline is not None:
        base = towns[outcome.baseline].astype(float)
        both = values.notna() & base.notna()
        slope, intercept = np.polyfit(base[both], values[both], 1)
        values = (values - (intercept + slope * base)).where(both)
    if outcome.require_full is not None:
        values = values.where(towns[outcome.require_full] == 1)
    return values.rename(outcome.code)


def rank_correlations(data: np.ndarray) -> np.ndarray:
    """Rank correlations from columns (outcome y, control z, predictors x_1 .. x_k), x_1 the
    index. Rows (k + 1 of them) of (rho, partial): rho(x_i, y) and the rank partial
    correlation of x_i and y given z for each predictor, then rho(z, y) and the partial of
    z and y given x_1. NaN where undefined (a constant column)."""
    r = np.corrcoef(rankdata(data, axis=0), rowvar=False)
    with_y, with_z = r[0], r[1]
    x = np.arange(2, data.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        partial = (with_y[x] - with_z[x] * with_y[1]) / np.sqrt(
            (1 - with_z[x] ** 2) * (1 - with_y[1] ** 2)
        )
        control = (with_y[1] - with_z[2] * with_y[2]) / np.sqrt(
            (1 - with_z[2] ** 2) * (1 - with_y[2] ** 2)
        )
    return np.vstack([np.column_stack([with_y[x], partial]), [with_y[1], control]])


def cluster_bootstrap(
    data: np.ndarray, clusters: np.ndarray, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """`rank_correlations` over `draws` resamples of whole clusters (draws × rows × 2).

    Towns sharing a local authority share its outcome estimate; resampling authorities keeps
    that dependence, where resampling towns would treat one survey figure as many.
    """
    _, inverse = np.unique(clusters, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(inverse.max() + 1)]
    out = np.empty((draws, data.shape[1] - 1, 2))
    for d in range(draws):
        picked = rng.integers(0, len(members), len(members))
        out[d] = rank_correlations(data[np.concatenate([members[k] for k in picked])])
    return out


def _groups(towns: pd.DataFrame, usable: pd.Series, minimum: int) -> list[tuple[str, pd.Series]]:
    """Each nation with enough towns, then all towns unless that is one nation's set again."""
    groups = [
        (str(n), usable & (towns[NATION] == n))
        for n in sorted(towns.loc[usable, NATION].dropna().unique())
    ]
    groups = [(n, g) for n, g in groups if g.sum() >= minimum]
    if len(groups) > 1:
        groups.append((ALL_TOWNS, usable))
    return groups


def validity_table(towns: pd.DataFrame, fw: Framework, spec: ValiditySpec) -> pd.DataFrame:
    """The index, its domains and deprivation against every outcome, per nation and over all.

    `towns` holds `index_score`, the control, the cluster and nation columns and the outcomes'
    sources; the framework's `domain_<code>` columns where present. Rows per outcome and group:
    the index, then each domain, controlled for deprivation; then the control controlled for
    the index. Columns: outcome, outcome_name, nation, predictor, control, towns, clusters
    (local authorities), rho (with rho_low, rho_high), partial (with partial_low,
    partial_high), level (of the intervals), expected_sign. Raises DataError for a circular
    outcome.
    """
    check_not_inputs(spec, fw)
    needed = [INDEX, spec.control, spec.cluster, NATION]
    missing = [c for c in needed if c not in towns]
    if missing:
        raise DataError(f"the towns table lacks {', '.join(missing)}", file="towns.csv")
    predictors = [INDEX, *(f"domain_{d.code}" for d in fw.domains if f"domain_{d.code}" in towns)]
    tail = (1 - spec.level) / 2
    rows = []
    for number, outcome in enumerate(spec.outcomes):
        values = outcome_values(towns, outcome)
        usable = (
            values.notna()
            & towns[[*predictors, spec.control, spec.cluster]].notna().all(axis=1)
            & towns[NATION].notna()
        )
        for group_number, (group, inside) in enumerate(_groups(towns, usable, spec.min_towns)):
            data = np.column_stack(
                [values[inside], towns.loc[inside, [spec.control, *predictors]]]
            ).astype(float)
            # At the precision towns.csv publishes: float noise must not break real ties (the
            # pooled well-being means tie across authorities), and a reader recomputing the
            # table from towns.csv gets the same figures.
            data = np.round(data, DECIMALS)
            clusters = towns.loc[inside, spec.cluster].to_numpy()
            point = rank_correlations(data)
            rng = np.random.default_rng([spec.seed, number, group_number])
            draws = cluster_bootstrap(data, clusters, spec.draws, rng)
            low, high = np.nanquantile(draws, [tail, 1 - tail], axis=0)
            pairs = [(p, spec.control, outcome.expected) for p in predictors]
            pairs.append((spec.control, INDEX, -outcome.expected))
            for i, (predictor, control, sign) in enumerate(pairs):
                rows.append(
                    {
                        "outcome": outcome.code,
                        "outcome_name": outcome.name,
                        NATION: group,
                        "predictor": predictor,
                        "control": control,
                        "towns": int(inside.sum()),
                        "clusters": len(np.unique(clusters)),
                        "rho": point[i, 0],
                        "rho_low": low[i, 0],
                        "rho_high": high[i, 0],
                        "partial": point[i, 1],
                        "partial_low": low[i, 1],
                        "partial_high": high[i, 1],
                        "level": spec.level,
                        "expected_sign": sign,
                    }
                )
    return pd.DataFrame(rows)
