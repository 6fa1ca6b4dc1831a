"""The declarative framework file: indicators, domains and every pipeline choice, in TOML.

`load_framework` validates everything it can before any data is touched; each error names the
file and the offending entry. The schema is documented in docs/framework.md.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hopeful.config import Table, check_sections, finite, read_toml
from hopeful.errors import DataError
from hopeful.scoring import aggregate, impute, normalise, weights
from hopeful.scoring.aggregate import Hierarchy
from hopeful.scoring.normalise import NormSpec

__all__ = [
    "Aggregation",
    "Domain",
    "Framework",
    "FrameworkError",
    "Imputation",
    "Indicator",
    "Outliers",
    "Screening",
    "Uncertainty",
    "Weighting",
    "check_data",
    "framework_hash",
    "load_framework",
]

# Per-indicator normalisation parameters come from [[indicator]] entries, not the method table.
PER_INDICATOR = {
    "distance_to_target": ("target", "targets"),
    "goalposts": ("goalposts", "goalposts"),
}
STRENGTH_LEVELS = ("domain", "indicator")
# Weighting schemes the Monte Carlo can sample (docs/framework.md): the framework's own
# weights, equal weights within domains and across domains, every indicator weighing the same
# in the index, and PCA-derived weights within domains (with the framework's domain weights).
UNCERTAINTY_WEIGHTINGS = ("framework", "equal_domains", "equal_indicators", "pca")
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "framework.toml"


class FrameworkError(DataError):
    """The framework file is invalid; the message names the entry."""


@dataclass(frozen=True)
class Domain:
    """A domain of the index: its weight and, in a hierarchy, its parent."""

    code: str
    name: str
    weight: float = 1.0
    parent: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Indicator:
    """An indicator of the index: its domain, direction (+1/-1), weight and target.

    `band` = (low, high) makes the indicator enter as its distance outside that band (0 inside):
    for measures such as growth that are neither good nor bad in themselves, only far from a
    moderate range. A banded indicator must have direction -1 (farther is worse).
    """

    code: str
    name: str
    domain: str
    direction: int
    weight: float = 1.0
    unit: str = ""
    source: str = ""
    description: str = ""
    target: float | None = None
    goalposts: tuple[float, float] | None = None
    band: tuple[float, float] | None = None


@dataclass(frozen=True)
class Screening:
    """How much data a unit and an indicator need to take part in the index."""

    min_indicator_share: float = 0.65
    min_unit_share: float = 0.5
    drop_units: bool = False


@dataclass(frozen=True)
class Imputation:
    """How missing values are filled: method and the group it is computed within."""

    method: str = "mean"
    group: str | None = None


@dataclass(frozen=True)
class Outliers:
    """When a skewed indicator is winsorised or log-transformed."""

    enabled: bool = True
    skew_threshold: float = 2.0
    kurt_threshold: float = 3.5
    winmax: int = 5

    def arguments(self) -> dict[str, Any] | None:
        """Keyword arguments for `treat_outliers`, or None when treatment is off."""
        if not self.enabled:
            return None
        return {
            "skew_threshold": self.skew_threshold,
            "kurt_threshold": self.kurt_threshold,
            "winmax": self.winmax,
        }


@dataclass(frozen=True)
class Weighting:
    """The indicator weighting scheme and its parameters, and how domain weights are used.

    `domains`: "nominal" applies the [[domain]] weights as they are; "balanced" applies the
    weights under which each top-level domain's share of the index variance equals its
    nominal weight's share (`weights.balanced_weights`), so the nominal weights state the
    intended importance rather than a coefficient.
    """

    scheme: str = "manual"
    params: Mapping[str, Any] = field(default_factory=dict)
    domains: str = "nominal"


@dataclass(frozen=True)
class Aggregation:
    """How normalised indicators combine into domains and the index."""

    method: str = "arithmetic"
    p: float = 1.0
    offset: float = 1.0
    floor: float = 10.0  # 0-100 scores are lifted onto [floor, 100] before a mean with p < 1


@dataclass(frozen=True)
class Uncertainty:
    """The Monte Carlo over method choices, structure and data noise: draws, seed, what varies."""

    enabled: bool = False
    draws: int = 1000
    seed: int = 0
    weight_spread: float = 0.25
    imputations: tuple[str, ...] = ("mean", "median")
    normalisations: tuple[NormSpec, ...] = (
        NormSpec("minmax"),
        NormSpec("zscore", {"target_mean": 100.0, "target_sd": 10.0}),
        NormSpec("percentile_rank"),
    )
    aggregations: tuple[str, ...] = ("arithmetic", "geometric")
    weightings: tuple[str, ...] = ("framework",)
    leave_out_domain: float = 0.0
    data_noise: bool = False
    noise_realisations: int = 100
    sobol: bool = False
    bootstrap: int = 0
    interval_width_threshold: float | None = None


@dataclass(frozen=True)
class Framework:
    """framework.toml read and checked, with its sha256 for provenance."""

    path: Path
    sha256: str
    name: str
    version: str
    domains: tuple[Domain, ...]
    indicators: tuple[Indicator, ...]
    screening: Screening = Screening()
    imputation: Imputation = Imputation()
    outliers: Outliers = Outliers()
    normalisation: NormSpec = NormSpec("minmax")
    weighting: Weighting = Weighting()
    aggregation: Aggregation = Aggregation()
    ranking_groups: tuple[str, ...] = ()
    strengths_level: str = "domain"
    strengths_k: int = 3
    uncertainty: Uncertainty = Uncertainty()

    @property
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def hierarchy(self) -> Hierarchy:
        return Hierarchy(
            {i.code: i.domain for i in self.indicators},
            {d.code: d.parent for d in self.domains},
        )

    def directions(self) -> pd.Series:
        return pd.Series({i.code: i.direction for i in self.indicators}, dtype=int)

    def indicator_weights(self) -> pd.Series:
        return pd.Series({i.code: i.weight for i in self.indicators}, dtype=float)

    def domain_weights(self) -> pd.Series:
        return pd.Series({d.code: d.weight for d in self.domains}, dtype=float)

    def bands(self) -> dict[str, tuple[float, float]]:
        """The banded indicators and their bands (see hopeful.scoring.bands)."""
        return {i.code: i.band for i in self.indicators if i.band is not None}

    def resolve(self, spec: NormSpec) -> NormSpec:
        """Add the per-indicator targets or goalposts a method needs from [[indicator]] entries."""
        if spec.method not in PER_INDICATOR:
            return spec
        key, param = PER_INDICATOR[spec.method]
        values = {i.code: getattr(i, key) for i in self.indicators}
        return NormSpec(spec.method, {**spec.params, param: values})


def framework_hash(path: str | Path) -> str:
    """sha256 of the framework file's bytes, recorded with every output for provenance."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _fail(path: Path, where: str, message: str) -> FrameworkError:
    return FrameworkError(f"{where}: {message}", file=path)


def _entry(path: Path, where: str, table: Any) -> Table:
    return Table(path, where, table, FrameworkError)


def _choice(entry: Table, key: str, value: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise entry.error(f"unknown {key} {value!r}; expected one of: {', '.join(allowed)}")
    return value


def _keyword_params(fn: Any) -> set[str]:
    return {
        name
        for name, param in inspect.signature(fn).parameters.items()
        if param.kind is inspect.Parameter.KEYWORD_ONLY
    }


def _norm_spec(entry: Table) -> NormSpec:
    method = _choice(entry, "normalisation method", entry.get("method", "text"), normalise.METHODS)
    params = entry.rest()
    allowed = _keyword_params(normalise.METHODS[method]) - {"targets", "goalposts"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise entry.error(f"unknown parameter(s) for {method}: {', '.join(unknown)}")
    for key, value in params.items():
        if not finite(value):
            raise entry.error(f"{key!r} must be a finite number")
    return NormSpec(method, {k: float(v) for k, v in params.items()})


def _domains(path: Path, raw: Any) -> tuple[Domain, ...]:
    if not isinstance(raw, list) or not raw:
        raise FrameworkError("at least one [[domain]] is required", file=path)
    out: dict[str, Domain] = {}
    for n, table in enumerate(raw, start=1):
        entry = _entry(path, f"[[domain]] #{n}", table)
        code = entry.get("code", "text")
        entry.where = f"[[domain]] {code!r}"
        if code in out:
            raise entry.error("duplicate code")
        domain = Domain(
            code=code,
            name=entry.get("name", "text"),
            weight=entry.get("weight", "number", 1.0),
            parent=entry.get("parent", "text", None),
            description=entry.get("description", "text", ""),
        )
        if domain.weight < 0:
            raise entry.error(f"negative weight {domain.weight}")
        entry.finish()
        out[code] = domain
    for domain in out.values():
        where = f"[[domain]] {domain.code!r}"
        if domain.parent is not None and domain.parent not in out:
            raise _fail(path, where, f"parent {domain.parent!r} is not a declared [[domain]]")
        chain = [domain.code]
        while (parent := out[chain[-1]].parent) is not None:
            if parent in chain:
                raise _fail(path, where, f"parent cycle: {' -> '.join([*chain, parent])}")
            chain.append(parent)
    return tuple(out.values())


def _indicators(path: Path, raw: Any, domains: tuple[Domain, ...]) -> tuple[Indicator, ...]:
    if not isinstance(raw, list) or not raw:
        raise FrameworkError("at least one [[indicator]] is required", file=path)
    domain_codes = [d.code for d in domains]
    out: dict[str, Indicator] = {}
    for n, table in enumerate(raw, start=1):
        entry = _entry(path, f"[[indicator]] #{n}", table)
        code = entry.get("code", "text")
        entry.where = f"[[indicator]] {code!r}"
        if code in out:
            raise entry.error("duplicate code")
        if code in domain_codes:
            raise entry.error("code is also a [[domain]] code")
        domain = entry.get("domain", "text")
        if domain not in domain_codes:
            raise entry.error(
                f"domain {domain!r} is not a declared [[domain]] "
                f"(declared: {', '.join(domain_codes)})"
            )
        direction = entry.get("direction", "int")
        if direction not in (1, -1):
            raise entry.error(f"direction must be 1 or -1, not {direction}")
        posts = entry.get("goalposts", "list", None)
        if posts is not None and (
            len(posts) != 2 or not all(finite(v) for v in posts) or not posts[0] < posts[1]
        ):
            raise entry.error("goalposts must be [low, high] numbers with low < high")
        band = entry.get("band", "list", None)
        if band is not None and (
            len(band) != 2 or not all(finite(v) for v in band) or not band[0] <= band[1]
        ):
            raise entry.error("band must be [low, high] numbers with low <= high")
        if band is not None and direction != -1:
            raise entry.error(
                "a banded indicator is a distance from its band: direction must be -1"
            )
        indicator = Indicator(
            code=code,
            name=entry.get("name", "text"),
            domain=domain,
            direction=direction,
            weight=entry.get("weight", "number", 1.0),
            unit=entry.get("unit", "text", ""),
            source=entry.get("source", "text", ""),
            description=entry.get("description", "text", ""),
            target=entry.get("target", "number", None),
            goalposts=(float(posts[0]), float(posts[1])) if posts is not None else None,
            band=(float(band[0]), float(band[1])) if band is not None else None,
        )
        if indicator.weight < 0:
            raise entry.error(f"negative weight {indicator.weight}")
        if indicator.target is not None and indicator.target <= 0:
            raise entry.error("target must be positive")
        entry.finish()
        out[code] = indicator
    return tuple(out.values())


def _check_structure(
    path: Path, domains: tuple[Domain, ...], indicators: tuple[Indicator, ...]
) -> None:
    """Each domain holds indicators or sub-domains (not both, not neither); weights sum > 0."""
    for domain in domains:
        where = f"[[domain]] {domain.code!r}"
        members = [i for i in indicators if i.domain == domain.code]
        kids = [d for d in domains if d.parent == domain.code]
        if members and kids:
            raise _fail(path, where, "holds both indicators and sub-domains (nest the indicators)")
        if not members and not kids:
            raise _fail(path, where, "has no indicators and no sub-domains")
        if sum(m.weight for m in members or kids) <= 0:
            raise _fail(path, where, "the weights of its members sum to zero")
    if sum(d.weight for d in domains if d.parent is None) <= 0:
        raise FrameworkError("the weights of the top-level [[domain]]s sum to zero", file=path)


def _needs_per_indicator(
    path: Path, spec: NormSpec, indicators: tuple[Indicator, ...], where: str
) -> None:
    if spec.method in PER_INDICATOR:
        key = PER_INDICATOR[spec.method][0]
        lacking = [i.code for i in indicators if getattr(i, key) is None]
        if lacking:
            raise FrameworkError(
                f"{where}: {spec.method} needs `{key}` on "
                f"[[indicator]] {', '.join(map(repr, lacking))}",
                file=path,
            )


def _uncertainty(path: Path, raw: Any, imputation: Imputation) -> Uncertainty:
    entry = _entry(path, "[uncertainty]", raw)
    default = Uncertainty()
    imputations = tuple(entry.get("imputations", "list", list(default.imputations)))
    aggregations = tuple(entry.get("aggregations", "list", list(default.aggregations)))
    for name in imputations:
        _choice(entry, "imputation method", name, impute.METHODS)
        if name.startswith("group_") and imputation.group is None:
            raise entry.error(f"imputation {name!r} needs `group` in [imputation]")
    for name in aggregations:
        _choice(entry, "aggregation method", name, aggregate.METHODS)
    weightings = tuple(entry.get("weightings", "list", list(default.weightings)))
    for name in weightings:
        _choice(entry, "weighting", name, UNCERTAINTY_WEIGHTINGS)
    specs = entry.get("normalisation", "list", None)
    normalisations = (
        tuple(
            _norm_spec(_entry(path, f"[[uncertainty.normalisation]] #{n}", t))
            for n, t in enumerate(specs, 1)
        )
        if specs is not None
        else default.normalisations
    )
    out = Uncertainty(
        enabled=entry.get("enabled", "bool", default.enabled),
        draws=entry.get("draws", "int", default.draws),
        seed=entry.get("seed", "int", default.seed),
        weight_spread=entry.get("weight_spread", "number", default.weight_spread),
        imputations=imputations,
        normalisations=normalisations,
        aggregations=aggregations,
        weightings=weightings,
        leave_out_domain=entry.get("leave_out_domain", "number", default.leave_out_domain),
        data_noise=entry.get("data_noise", "bool", default.data_noise),
        noise_realisations=entry.get("noise_realisations", "int", default.noise_realisations),
        sobol=entry.get("sobol", "bool", default.sobol),
        bootstrap=entry.get("bootstrap", "int", default.bootstrap),
        interval_width_threshold=entry.get("interval_width_threshold", "number", None),
    )
    entry.finish()
    if out.draws < 1 or out.noise_realisations < 1:
        raise entry.error("draws and noise_realisations must be at least 1")
    if out.bootstrap < 0:
        raise entry.error("bootstrap must not be negative")
    if not 0 <= out.weight_spread < 1:
        raise entry.error("weight_spread must be in [0, 1)")
    if not 0 <= out.leave_out_domain <= 1:
        raise entry.error("leave_out_domain must be in [0, 1]")
    if not (imputations and normalisations and aggregations and weightings):
        raise entry.error(
            "imputations, normalisation, aggregations and weightings need at least one entry each"
        )
    return out


def _screening(path: Path, raw: Any) -> Screening:
    entry = _entry(path, "[screening]", raw)
    out = Screening(
        entry.get("min_indicator_share", "number", Screening.min_indicator_share),
        entry.get("min_unit_share", "number", Screening.min_unit_share),
        entry.get("drop_units", "bool", Screening.drop_units),
    )
    entry.finish()
    if not (0 <= out.min_indicator_share <= 1 and 0 <= out.min_unit_share <= 1):
        raise entry.error("shares must be between 0 and 1")
    return out


def _imputation(path: Path, raw: Any) -> Imputation:
    entry = _entry(path, "[imputation]", raw)
    method = _choice(
        entry, "imputation method", entry.get("method", "text", "mean"), impute.METHODS
    )
    out = Imputation(method, entry.get("group", "text", None))
    entry.finish()
    if method.startswith("group_") and out.group is None:
        raise entry.error(f"method {method!r} needs `group`")
    return out


def _outliers(path: Path, raw: Any) -> Outliers:
    entry = _entry(path, "[outliers]", raw)
    out = Outliers(
        entry.get("enabled", "bool", Outliers.enabled),
        entry.get("skew_threshold", "number", Outliers.skew_threshold),
        entry.get("kurt_threshold", "number", Outliers.kurt_threshold),
        entry.get("winmax", "int", Outliers.winmax),
    )
    entry.finish()
    if out.winmax < 0:
        raise entry.error("winmax must not be negative")
    return out


def _weighting(path: Path, raw: Any) -> Weighting:
    entry = _entry(path, "[weighting]", raw)
    scheme = _choice(
        entry, "weighting scheme", entry.get("scheme", "text", "manual"), weights.SCHEMES
    )
    domains = entry.choice("domains", weights.DOMAIN_SCHEMES, "nominal")
    derived = {"pca": weights.pca_weights, "factor": weights.factor_weights}
    params = entry.rest()
    allowed = _keyword_params(derived[scheme]) if scheme in derived else set()
    bad = sorted(set(params) - allowed)
    if bad:
        raise entry.error(f"unknown parameter(s) for {scheme}: {', '.join(bad)}")
    for key, value in params.items():
        if not isinstance(value, int | float):  # bool is an int: `rotate = false` passes
            raise entry.error(f"{key!r} must be a number or boolean")
    return Weighting(scheme, params, domains)


def _aggregation(path: Path, raw: Any) -> Aggregation:
    entry = _entry(path, "[aggregation]", raw)
    method = entry.get("method", "text", "arithmetic")
    out = Aggregation(
        _choice(entry, "aggregation method", method, aggregate.METHODS),
        entry.get("p", "number", 1.0),
        entry.get("offset", "number", 1.0),
        entry.get("floor", "number", Aggregation.floor),
    )
    entry.finish()
    if out.offset < 0:
        raise entry.error("offset must not be negative")
    if not 0 <= out.floor < 100:
        raise entry.error("floor must be in [0, 100)")
    return out


def _ranking(path: Path, raw: Any) -> tuple[str, ...]:
    entry = _entry(path, "[ranking]", raw)
    groups = entry.get("groups", "list", [])
    entry.finish()
    if not all(isinstance(g, str) for g in groups):
        raise entry.error("groups must be a list of column names")
    return tuple(groups)


def _strengths(path: Path, raw: Any) -> tuple[str, int]:
    entry = _entry(path, "[strengths]", raw)
    level = _choice(entry, "strengths level", entry.get("level", "text", "domain"), STRENGTH_LEVELS)
    k = entry.get("k", "int", 3)
    entry.finish()
    if k < 1:
        raise entry.error("k must be at least 1")
    return level, k


SECTIONS = (
    "framework", "domain", "indicator", "screening", "imputation", "outliers",
    "normalisation", "weighting", "aggregation", "ranking", "strengths", "uncertainty",
)  # fmt: skip


def load_framework(path: str | Path, data_columns: Iterable[str] | None = None) -> Framework:
    """Read and validate a framework file; with `data_columns`, check the indicators exist."""
    path = Path(path)
    doc, raw = read_toml(path, FrameworkError, "framework file")
    check_sections(doc, SECTIONS, path, FrameworkError)

    head = _entry(path, "[framework]", doc.get("framework", {}))
    name, version = head.get("name", "text"), head.get("version", "text", "")
    head.get("description", "text", "")
    head.finish()
    domains = _domains(path, doc.get("domain"))
    indicators = _indicators(path, doc.get("indicator"), domains)
    _check_structure(path, domains, indicators)

    imputation = _imputation(path, doc.get("imputation", {}))
    normalisation = _norm_spec(
        _entry(path, "[normalisation]", doc.get("normalisation", {"method": "minmax"}))
    )
    _needs_per_indicator(path, normalisation, indicators, "[normalisation]")
    uncertainty = _uncertainty(path, doc.get("uncertainty", {}), imputation)
    for n, spec in enumerate(uncertainty.normalisations, start=1):
        _needs_per_indicator(path, spec, indicators, f"[[uncertainty.normalisation]] #{n}")
    level, k = _strengths(path, doc.get("strengths", {}))
    weighting = _weighting(path, doc.get("weighting", {}))
    aggregation = _aggregation(path, doc.get("aggregation", {}))
    if weighting.domains == "balanced" and aggregation.method != "arithmetic":
        raise FrameworkError(
            '[weighting]: domains = "balanced" matches shares of the index variance, which '
            f"add up only under the arithmetic mean, not {aggregation.method!r} ([aggregation])",
            file=path,
        )

    framework = Framework(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        name=name,
        version=version,
        domains=domains,
        indicators=indicators,
        screening=_screening(path, doc.get("screening", {})),
        imputation=imputation,
        outliers=_outliers(path, doc.get("outliers", {})),
        normalisation=normalisation,
        weighting=weighting,
        aggregation=aggregation,
        ranking_groups=_ranking(path, doc.get("ranking", {})),
        strengths_level=level,
        strengths_k=k,
        uncertainty=uncertainty,
    )
    if data_columns is not None:
        check_data(framework, data_columns)
    return framework


def check_data(framework: Framework, columns: Iterable[str]) -> None:
    """Every framework indicator must be a column of the indicator data."""
    present = set(columns)
    missing = [code for code in framework.indicator_codes if code not in present]
    if missing:
        raise FrameworkError(
            f"[[indicator]] {', '.join(map(repr, missing))}: not a column of the indicator data",
            file=framework.path,
        )
