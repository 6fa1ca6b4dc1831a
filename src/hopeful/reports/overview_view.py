"""The national picture: summary tables the overview notebook displays."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import processed
from hopeful.reports.stale import warn_if_stale

__all__ = [
    "audit_domains_table",
    "cluster_counts",
    "clusters_by_group",
    "clusters_intro",
    "deprivation_correlations_table",
    "deprivation_intro",
    "effective_weights_table",
    "leave_fit_table",
    "leave_model",
    "leave_validation_table",
    "leave_variance_table",
    "load_towns",
    "most_deprived",
    "read_processed",
    "robustness_table",
    "sensitivity_intro",
    "sobol_table",
    "universe_counts",
]


def load_towns(processed_dir: str | Path) -> pd.DataFrame:
    """towns.csv through the processed-data contract, after every processed file is checked
    against provenance.json; warns first if the scores are stale."""
    warn_if_stale(processed_dir)
    processed.verify_outputs(processed_dir)
    return processed.read_towns(processed_dir)


def universe_counts(towns: pd.DataFrame) -> pd.DataFrame:
    """Towns by nation and size class, with totals."""
    table = pd.crosstab(towns["nation"], towns["size_class"], margins=True, margins_name="Total")
    cols = [c for c in ["small", "medium", "large", "Total"] if c in table.columns]
    return table[cols].rename_axis(index="Nation", columns=None).reset_index()


def most_deprived(towns: pd.DataFrame, n: int = 10, column: str = "uk_imd_score") -> pd.DataFrame:
    """The n most deprived towns on the UK-comparable score."""
    top = towns.sort_values([column, "town_code"], ascending=[False, True]).head(n)
    return pd.DataFrame(
        {
            "Town": top["town_name"],
            "Local authority": top["lad_name"],
            "Nation": top["nation"],
            "Size": top["size_class"],
            "UK-comparable score": top[column].round(1),
        }
    )


CLUSTER_STATES = ["full", "partial", "none", "not_assessed"]


def cluster_counts(towns: pd.DataFrame) -> pd.DataFrame:
    """How many towns are in each cluster fully, partially, not, or cannot be assessed."""
    from hopeful.clusters import load_clusters

    rows = []
    for c in load_clusters().clusters:
        counts = towns[f"cluster_{c.id}"].value_counts()
        rows.append(
            {"Cluster": f"{c.id} {c.name}", "Origin": c.origin}
            | {s.replace("_", " "): int(counts.get(s, 0)) for s in CLUSTER_STATES}
        )
    return pd.DataFrame(rows)


def sensitivity_intro() -> str:
    """Markdown about the Monte Carlo choices, from the framework file."""
    from hopeful.reports import method_text
    from hopeful.scoring.framework import DEFAULT_PATH, load_framework

    return method_text.sensitivity_intro(load_framework(DEFAULT_PATH))


def clusters_intro() -> str:
    """Markdown about the clusters and the not-assessed rule, from the clusters file."""
    from hopeful.clusters import load_clusters
    from hopeful.reports import method_text

    return method_text.clusters_overview_intro(load_clusters())


def clusters_by_group(towns: pd.DataFrame, group: str) -> pd.DataFrame:
    """Mean number of clusters a town is fully / partially in, by region or size class."""
    table = towns.groupby(group)[["clusters_full", "clusters_partial"]].mean().round(2)
    table["towns"] = towns.groupby(group).size()
    return table.reset_index().rename(
        columns={
            group: GROUP_LABELS.get(group, group),
            "clusters_full": "Clusters fully in (mean)",
            "clusters_partial": "Clusters partly in (mean)",
            "towns": "Towns",
        }
    )


GROUP_LABELS = {"size_class": "Size of town", "region": "Region", "nation": "Nation"}


def audit_domains_table(processed_dir: str | Path) -> pd.DataFrame:
    """The statistical audit of each domain in plain labels; a one-indicator domain has no
    Cronbach's alpha, and says so."""
    from hopeful.reports.town_view import domain_names

    audit = read_processed(processed_dir, "index_audit_domains.csv")
    names = domain_names()
    return pd.DataFrame(
        {
            "Domain": audit["domain"].map(lambda d: names.get(d, d)),
            "Indicators": audit["n_members"],
            "Cronbach's alpha (consistency)": [
                f"{a:.2f}" if pd.notna(a) else "not defined (one indicator)"
                for a in audit["cronbach_alpha"]
            ],
            "Variance on the first principal component": audit["pc1_share"].map(
                lambda v: "not available" if pd.isna(v) else f"{v:.0%}"
            ),
            "Components with eigenvalue above 1": audit["n_eigen_gt1"],
            "Correlation with the index": audit["corr_index"].map(
                lambda v: "not available" if pd.isna(v) else f"{v:.2f}"
            ),
        }
    )


def read_processed(processed_dir: str | Path, name: str) -> pd.DataFrame:
    """A processed CSV by name, for tables the overview shows as they are."""
    return processed.read_table(processed_dir, name)


def robustness_table(processed_dir: str | Path) -> pd.DataFrame:
    """The Monte Carlo summary: how much ranks move when methods, structure and data vary."""
    summary = processed.read_json(processed_dir, "score_summary.json")["uncertainty"]
    labels = {
        "draws": "Monte Carlo draws",
        "median_abs_rank_shift": "Median absolute rank shift against the nominal index",
        "mean_abs_rank_shift": "Mean absolute rank shift",
        "median_interval_width": "Median width of a town's range of ranks (90% of models)",
        "share_narrow_intervals": "Share of towns whose range of ranks is narrower than n/10",
        "units_ranked": "Towns ranked",
    }
    values = [
        f"{summary[k]:,.3g}" if isinstance(summary[k], float) else f"{summary[k]:,}" for k in labels
    ]
    return pd.DataFrame({"Measure": [labels[k] for k in labels], "Value": values})


SOBOL_INPUTS = {
    "weights": "Weights (each moved up or down at random)",
    "weighting": "Weighting scheme",
    "domain left out": "A domain left out",
    "normalisation": "Normalisation method",
    "aggregation": "Aggregation method",
    "imputation": "Imputation method",
    "data noise": "Data noise (small-area standard errors)",
}


def sobol_table(processed_dir: str | Path) -> pd.DataFrame:
    """index_sobol.csv for readers: each sampled input's share of the towns' rank variance.

    Alone = first-order index (what fixing that input alone would remove); with interactions
    = total index (what it takes part in). 95% bootstrap intervals when the file has them.
    """
    sobol = processed.read_table(processed_dir, "index_sobol.csv")

    def cell(row: pd.Series, column: str) -> str:
        text = f"{row[column]:.2f}"
        if f"{column}_low" in row.index:
            text += f" ({row[f'{column}_low']:.2f} to {row[f'{column}_high']:.2f})"
        return text

    rows = [
        {
            "What varies": SOBOL_INPUTS.get(row["input"], row["input"]),
            "Share of rank variance it explains alone": cell(row, "first_order"),
            "Share with its interactions": cell(row, "total"),
        }
        for _, row in sobol.iterrows()
    ]
    return pd.DataFrame(rows)


def leave_model(processed_dir: str | Path) -> dict:
    """The Leave model's fit summary (models/leave_la.json)."""
    return processed.read_json(processed_dir, "models/leave_la.json")


def leave_fit_table(model: dict) -> pd.DataFrame:
    """How well the Leave model fits: areas, R², cross-validated R², method."""
    return pd.DataFrame(
        {
            "Measure": [
                "Counting areas",
                "R² (weighted)",
                "Cross-validated R² (10-fold)",
                "Method",
            ],
            "Value": [model["n"], round(model["r2"], 3), round(model["cv_r2"], 3), model["method"]],
        }
    )


def leave_variance_table(processed_dir: str | Path) -> pd.DataFrame:
    """Where the modelled Leave share varies: between regions, authorities, or towns within them."""
    table = processed.read_table(processed_dir, "models/leave_multilevel.csv")
    return pd.DataFrame(
        {
            "Level": table["level"].str.replace("_", " "),
            "Units": table["n_units"],
            "Share of variance": table["share"].map(lambda v: f"{v:.0%}"),
        }
    )


def leave_validation_table(processed_dir: str | Path) -> pd.DataFrame:
    """The modelled town Leave shares and the authority result beside them, against Hanretty's
    published constituency estimates, for towns that make up at least half of their 2024
    constituency (leave_validation.csv), in plain labels."""
    table = processed.read_table(processed_dir, "leave_validation.csv")
    return pd.DataFrame(
        {
            "Estimate of the town's Leave share": table["estimator"],
            "Towns compared": table["n_towns"],
            "Correlation with Hanretty": table["r"].map(lambda v: f"{v:.3f}"),
            "Mean difference (points)": table["mean_abs_diff_points"].map(lambda v: f"{v:.2f}"),
            "Largest difference (points)": table["max_abs_diff_points"].map(lambda v: f"{v:.1f}"),
        }
    )


def _plain_names(processed_dir: str | Path) -> dict[str, str]:
    """Readable names for codes: the framework's domains and indicators, else the catalogue's."""
    from hopeful.scoring.framework import DEFAULT_PATH, load_framework

    fw = load_framework(DEFAULT_PATH)
    catalogue = processed.read_table(processed_dir, "indicators.csv")
    names = dict(zip(catalogue["code"], catalogue["name"], strict=True))
    names.update({i.code: i.name for i in fw.indicators})
    names.update({d.code: d.name for d in fw.domains})
    names["index"] = "Towns Index"
    return names


def _rho(value: float) -> str:
    return "" if pd.isna(value) else f"{value:+.2f}"


def deprivation_intro(processed_dir: str | Path) -> str:
    """Markdown: the index's Spearman correlation with UK-comparable deprivation, per nation."""
    record = processed.read_json(processed_dir, "score_summary.json")["beyond_deprivation"]
    rho = record["index_spearman_uk_imd_score"]
    figures = ", ".join(f"{nation.title()} {_rho(value)}" for nation, value in sorted(rho.items()))
    pairs = record["indicator_pairs_abs_r_above_0_9"]
    names = _plain_names(processed_dir)
    doubles = (
        "; ".join(
            f"{names.get(p['a'], p['a'])} and {names.get(p['b'], p['b'])} "
            f"(r {p['r_all']:.2f} over all towns, "
            + ", ".join(
                f"{k.removeprefix('r_').title()} {v:.2f}"
                for k, v in p.items()
                if k.startswith("r_") and k != "r_all"
            )
            + ")"
            for p in pairs
        )
        or "none"
    )
    return (
        f"Spearman's rank correlation of the Towns Index with the UK-comparable deprivation "
        f"score (mySociety), within each nation: **{figures}**. A resilience index that only "
        f"re-ranked deprivation would be close to -1; the aim is a magnitude of at most 0.75. "
        f"Index indicators correlated above 0.9 over all towns or within a nation: {doubles}."
    )


def effective_weights_table(processed_dir: str | Path, level: str = "domain") -> pd.DataFrame:
    """Intended (nominal) weights, the weights the index uses (balanced when framework.toml
    says so, else the nominal ones) and the effective weights (share of the index variance),
    with each row's Spearman correlation with deprivation per nation; `level` is "domain"
    or "indicator"."""
    weights = processed.read_table(processed_dir, "index_effective_weights.csv")
    weights = weights[weights["level"] == level]
    rho = processed.read_table(processed_dir, "index_deprivation_correlations.csv")
    rho = rho[rho["kind"] == level].set_index("code")
    names = _plain_names(processed_dir)
    table = pd.DataFrame({level.title(): weights["code"].map(names)})
    if level == "indicator":
        table["Domain"] = weights["domain"].map(names)
    table["Intended weight"] = weights["nominal_weight"].map(lambda v: f"{v:.3f}")
    table["Weight used in the index"] = weights["applied_weight"].map(lambda v: f"{v:.3f}")
    table["Effective weight (share of index variance)"] = weights["effective_weight"].map(
        lambda v: f"{v:.3f}"
    )
    for column in [c for c in rho.columns if c.startswith("rho_")]:
        nation = column.removeprefix("rho_").title()
        table[f"Correlation with deprivation, {nation}"] = (
            weights["code"].map(rho[column]).map(_rho)
        )
    return table.reset_index(drop=True)


def deprivation_correlations_table(processed_dir: str | Path) -> pd.DataFrame:
    """Every indicator measured in both nations: its Spearman correlation with deprivation in
    each nation (scored so that higher is better), whether the signs agree, and whether the
    index uses it."""
    rho = processed.read_table(processed_dir, "index_deprivation_correlations.csv")
    rho = rho[rho["kind"].isin(["indicator", "candidate"])]
    names = _plain_names(processed_dir)
    table = pd.DataFrame(
        {
            "Indicator": rho["code"].map(names),
            "In the index": rho["kind"].map({"indicator": "yes", "candidate": "no"}),
        }
    )
    for column in [c for c in rho.columns if c.startswith("rho_")]:
        table[f"Correlation with deprivation, {column.removeprefix('rho_').title()}"] = rho[
            column
        ].map(_rho)
    table["Same sign in both nations"] = rho["same_sign"].map({True: "yes", False: "no"})
    return table.reset_index(drop=True)
