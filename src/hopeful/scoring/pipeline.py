"""The scoring pipeline: screen → impute → treat outliers → normalise → weight → aggregate →
rank → strengths → audit (→ uncertainty), each step as the framework file declares. Banded
indicators (framework `band`) enter as their distance outside the band from the start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hopeful.errors import DataError
from hopeful.scoring import weights as weighting
from hopeful.scoring.aggregate import Hierarchy, aggregate_hierarchy, lift, power
from hopeful.scoring.audit import Audit, audit
from hopeful.scoring.bands import band_distance
from hopeful.scoring.framework import Framework, FrameworkError, check_data, load_framework
from hopeful.scoring.impute import impute
from hopeful.scoring.normalise import normalise
from hopeful.scoring.outliers import treat_outliers
from hopeful.scoring.rank import deciles, group_ranks, rank_scores
from hopeful.scoring.screen import Screening, screen
from hopeful.scoring.strengths import strengths_weaknesses
from hopeful.scoring.uncertainty import Choice, UncertaintyResult, monte_carlo

__all__ = ["ScoreResult", "run", "unit_columns", "weight_rows", "weighting_scheme"]


@dataclass(frozen=True)
class ScoreResult:
    """Every intermediate table of one index run, for audit and the reports."""

    framework: Framework
    screening: Screening
    imputed: pd.DataFrame  # True where a value was imputed
    outliers: pd.DataFrame | None  # per-indicator treatment report, None when treatment is off
    treated: pd.DataFrame  # after imputation and outlier treatment, in original units
    normalised: pd.DataFrame  # higher is better
    # per indicator: domain, weight (within domain), effective_weight (in the index, as
    # applied), nominal_weight (in the index, with the framework's domain weights)
    weights: pd.DataFrame
    # per domain: parent, weight (within parent, as applied: nominal or balanced),
    # effective_weight (in the index, as applied), nominal_weight (in the index, framework)
    domain_weights: pd.DataFrame
    domain_scores: pd.DataFrame
    index: pd.Series
    ranks: pd.Series  # 1 = best
    deciles: pd.Series  # 1 = best tenth
    group_ranks: pd.DataFrame  # one column per ranking group
    strengths: pd.DataFrame
    audit: Audit
    uncertainty: UncertaintyResult | None


def _numeric(indicators: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    if not indicators.index.is_unique:
        dupes = indicators.index[indicators.index.duplicated()].unique()
        raise DataError(f"duplicate unit codes in indicator data: {', '.join(map(str, dupes[:5]))}")
    out = {}
    for code in framework.indicator_codes:
        try:
            out[code] = pd.to_numeric(indicators[code], errors="raise").astype(float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"indicator is not numeric: {exc}", column=code) from exc
    return pd.DataFrame(out, index=indicators.index)


def _group_columns(
    framework: Framework, groups: pd.DataFrame | None, index: pd.Index
) -> pd.DataFrame:
    wanted = list(dict.fromkeys([*framework.ranking_groups, framework.imputation.group]))
    wanted = [g for g in wanted if g is not None]
    have = [] if groups is None else list(groups.columns)
    missing = [g for g in wanted if g not in have]
    if missing:
        raise FrameworkError(
            f"group column(s) {', '.join(map(repr, missing))} named in [imputation]/[ranking] "
            "are not in the groups table",
            file=framework.path,
        )
    return groups[wanted].reindex(index) if wanted else pd.DataFrame(index=index)


def _effective(parents: pd.Series, weights: pd.Series) -> pd.DataFrame:
    """Weights normalised within each parent, and their product down the chain to the index."""
    key = parents.fillna("")
    within = weights / weights.groupby(key).transform("sum")
    effective = {}
    for code in within.index:
        w, parent = within[code], parents[code]
        while pd.notna(parent) and parent in within.index:
            w, parent = w * within[parent], parents[parent]
        effective[code] = w
    return pd.DataFrame({"weight": within, "effective_weight": pd.Series(effective)})


def _indicator_weights(
    framework: Framework, normalised: pd.DataFrame, hierarchy: Hierarchy
) -> pd.Series:
    groups = {c: hierarchy.indicator_domain[c] for c in normalised.columns}
    scheme, params = framework.weighting.scheme, dict(framework.weighting.params)
    if scheme == "equal":
        return weighting.equal_weights(groups)
    if scheme == "pca":
        return weighting.pca_weights(normalised, groups, **params)
    if scheme == "factor":
        return weighting.factor_weights(normalised, groups, **params)
    return weighting.manual_weights(framework.indicator_weights()[list(groups)].to_dict(), groups)


def weighting_scheme(
    name: str,
    framework: Framework,
    normalised: pd.DataFrame,
    hierarchy: Hierarchy,
    framework_weights: pd.Series,
    domain_weights: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series]:
    """(indicator weights within domains, domain weights) of a scheme the Monte Carlo samples.

    `domain_weights` are the domain weights the index applies (the balanced ones under
    [weighting] domains = "balanced"; default the framework's).
    framework: the index's own weights; equal_domains: equal within and across domains;
    equal_indicators: every indicator weighs the same in the index (a domain weighs as many
    indicators as it holds; nested domains as many as they hold below); pca: Handbook PCA
    weights within domains on the nominal normalised data, the index's domain weights.
    """
    groups = {c: hierarchy.indicator_domain[c] for c in normalised.columns}
    domains = framework.domain_weights() if domain_weights is None else domain_weights
    if name == "framework":
        return framework_weights, domains
    if name == "equal_domains":
        return weighting.equal_weights(groups), pd.Series(1.0, index=domains.index)
    if name == "equal_indicators":
        counts = pd.Series(groups).value_counts().reindex(domains.index, fill_value=0)
        for domain in hierarchy.order():  # children first: a parent counts all below it
            parent = hierarchy.domain_parent[domain]
            if parent is not None:
                counts[parent] += counts[domain]
        return weighting.equal_weights(groups), counts.astype(float)
    if name == "pca":
        return weighting.pca_weights(normalised, groups), domains
    raise FrameworkError(f"[uncertainty]: unknown weighting {name!r}", file=framework.path)


def _screened_hierarchy(framework: Framework, kept: pd.DataFrame) -> Hierarchy:
    """The framework's hierarchy over the indicators that survived screening."""
    full = framework.hierarchy()
    hierarchy = Hierarchy(
        {c: full.indicator_domain[c] for c in kept.columns}, dict(full.domain_parent)
    )
    for domain in full.domain_parent:
        if not hierarchy.children(domain) and domain not in hierarchy.indicator_domain.values():
            raise DataError(
                f"screening dropped every indicator of domain {domain!r} "
                f"(min_indicator_share = {framework.screening.min_indicator_share})",
                file=framework.path,
            )
    return hierarchy


def _domain_weights(
    framework: Framework, hierarchy: Hierarchy, domain_scores: pd.DataFrame
) -> pd.Series:
    """The domain weights the index applies: the framework's, or under [weighting]
    domains = "balanced" the top-level weights whose shares of the index variance equal the
    nominal top-level weights' shares (sub-domains keep their nominal weights)."""
    nominal = framework.domain_weights()
    if framework.weighting.domains == "nominal":
        return nominal
    top = [d for d, parent in hierarchy.domain_parent.items() if parent is None]
    try:
        balanced = weighting.balanced_weights(domain_scores[top], nominal[top])
    except ValueError as exc:
        raise FrameworkError(
            f'[weighting] domains = "balanced": {exc}', file=framework.path
        ) from exc
    return pd.concat([balanced, nominal.drop(top)]).reindex(nominal.index)


def _weight_tables(
    framework: Framework, hierarchy: Hierarchy, w_ind: pd.Series, w_dom: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicator and domain weight tables: applied weights, each row's weight in the index
    as applied (`effective_weight`) and with the framework's domain weights (`nominal_weight`)."""
    parents = pd.Series(dict(hierarchy.domain_parent), dtype=object)
    domains = _effective(parents, w_dom).assign(
        parent=parents,
        nominal_weight=_effective(parents, framework.domain_weights())["effective_weight"],
    )
    indicators = pd.DataFrame({"domain": pd.Series(hierarchy.indicator_domain), "weight": w_ind})
    indicators = indicators.loc[list(w_ind.index)]
    for column in ("effective_weight", "nominal_weight"):
        indicators[column] = (
            indicators["weight"] * domains.loc[indicators["domain"], column].to_numpy()
        )
    return indicators, domains[["parent", "weight", "effective_weight", "nominal_weight"]]


def weight_rows(result: ScoreResult) -> pd.DataFrame:
    """Every indicator's and domain's weights in one table (index_weights.csv).

    Columns: level, code, parent (an indicator's domain, a domain's parent, "" at the top),
    weight (within its parent, as applied), effective_weight (in the index, as applied) and
    nominal_weight (in the index with the framework's domain weights).
    """
    columns = ["level", "code", "parent", "weight", "effective_weight", "nominal_weight"]
    indicators = result.weights.rename(columns={"domain": "parent"}).assign(level="indicator")
    domains = result.domain_weights.assign(level="domain", parent=lambda t: t["parent"].fillna(""))
    return pd.concat(
        [t.rename_axis("code").reset_index()[columns] for t in (indicators, domains)],
        ignore_index=True,
    )


def run(
    indicators: pd.DataFrame,
    framework: Framework | str | Path,
    groups: pd.DataFrame | None = None,
    *,
    uncertainty: bool | None = None,
    errors: pd.DataFrame | None = None,
) -> ScoreResult:
    """Score units (rows of `indicators`, indexed by code) as the framework declares.

    `groups` holds per-unit group columns (e.g. size_class, nation) for group imputation and
    within-group ranks. `uncertainty` overrides the framework's [uncertainty] enabled flag.
    `errors` (same rows and columns, standard errors; missing = none) is the data noise the
    Monte Carlo samples when [uncertainty] data_noise is on.
    Units that screening drops (only with drop_units = true) are absent from every output.
    """
    if not isinstance(framework, Framework):
        framework = load_framework(framework)
    check_data(framework, indicators.columns)
    data = band_distance(_numeric(indicators, framework), framework.bands())
    group_frame = _group_columns(framework, groups, data.index)

    cfg = framework.screening
    screened = screen(
        data,
        min_indicator_share=cfg.min_indicator_share,
        min_unit_share=cfg.min_unit_share,
        drop_units=cfg.drop_units,
    )
    kept = screened.data
    hierarchy = _screened_hierarchy(framework, kept)
    group_frame = group_frame.reindex(kept.index)
    impute_groups = group_frame[framework.imputation.group] if framework.imputation.group else None

    filled, imputed = impute(kept, framework.imputation.method, impute_groups)
    outlier_args = framework.outliers.arguments()
    treated, outlier_report = (
        treat_outliers(filled, **outlier_args) if outlier_args is not None else (filled, None)
    )
    spec = framework.resolve(framework.normalisation)
    directions = framework.directions()[list(kept.columns)]
    normalised = normalise(treated, spec.method, directions, **spec.params)

    w_ind = _indicator_weights(framework, normalised, hierarchy)
    agg = framework.aggregation
    values = lift(normalised, agg.floor) if power(agg.method, agg.p) < 1 else normalised
    domain_scores, index = aggregate_hierarchy(
        values, hierarchy, w_ind, framework.domain_weights(), agg.method, p=agg.p, offset=agg.offset
    )
    w_dom = _domain_weights(framework, hierarchy, domain_scores)
    if framework.weighting.domains != "nominal":
        domain_scores, index = aggregate_hierarchy(
            values, hierarchy, w_ind, w_dom, agg.method, p=agg.p, offset=agg.offset
        )
    weight_table, domain_table = _weight_tables(framework, hierarchy, w_ind, w_dom)
    leaves = [d for d in domain_scores.columns if not hierarchy.children(d)]
    by = domain_scores[leaves] if framework.strengths_level == "domain" else normalised

    mc = None
    if framework.uncertainty.enabled if uncertainty is None else uncertainty:
        u = framework.uncertainty
        mc = monte_carlo(
            kept,
            hierarchy,
            directions=directions,
            indicator_weights=w_ind,
            domain_weights=w_dom,
            nominal=Choice(framework.imputation.method, spec, agg.method),
            imputations=u.imputations,
            normalisations=[framework.resolve(s) for s in u.normalisations],
            aggregations=u.aggregations,
            groups=impute_groups,
            outliers=outlier_args,
            p=agg.p,
            offset=agg.offset,
            floor=agg.floor,
            draws=u.draws,
            seed=u.seed,
            weight_spread=u.weight_spread,
            weightings={
                name: weighting_scheme(name, framework, normalised, hierarchy, w_ind, w_dom)
                for name in u.weightings
            },
            leave_out_domain=u.leave_out_domain,
            errors=errors if u.data_noise else None,
            noise_realisations=u.noise_realisations,
            sobol=u.sobol,
            bootstrap=u.bootstrap,
            interval_width_threshold=u.interval_width_threshold,
        )

    return ScoreResult(
        framework=framework,
        screening=screened,
        imputed=imputed,
        outliers=outlier_report,
        treated=treated,
        normalised=normalised,
        weights=weight_table,
        domain_weights=domain_table,
        domain_scores=domain_scores,
        index=index,
        ranks=rank_scores(index),
        deciles=deciles(index),
        group_ranks=pd.DataFrame(
            {g: group_ranks(index, group_frame[g]) for g in framework.ranking_groups},
            index=index.index,
        ),
        strengths=strengths_weaknesses(by, framework.strengths_k),
        audit=audit(normalised, domain_scores, index, hierarchy),
        uncertainty=mc,
    )


def unit_columns(result: ScoreResult) -> pd.DataFrame:
    """One row per unit (sorted by code) with the columns towns.csv carries.

    index_score, index_rank (1 = best), index_rank_p05 / _median / _p95 (missing without
    uncertainty), index_decile (1 = best tenth), index_rank_in_<group> per ranking group,
    domain_<code> per domain, and strength_<i> / weakness_<i> (codes, best / worst first).
    """
    out = pd.DataFrame(
        {"index_score": result.index, "index_rank": result.ranks}, index=result.index.index
    )
    u = result.uncertainty.units if result.uncertainty is not None else None
    for q in ("p05", "median", "p95"):
        out[f"index_rank_{q}"] = (
            u[f"rank_{q}"] if u is not None else pd.array([pd.NA] * len(out), "Int64")
        )
    out["index_decile"] = result.deciles
    for group in result.group_ranks.columns:
        out[f"index_rank_in_{group}"] = result.group_ranks[group]
    for domain in result.domain_scores.columns:
        out[f"domain_{domain}"] = result.domain_scores[domain]
    names = [c for c in result.strengths.columns if not c.endswith("_rank")]
    out[names] = result.strengths[names]
    return out.sort_index()
