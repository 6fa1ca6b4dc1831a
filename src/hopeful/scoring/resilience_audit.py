"""Does the index measure resilience or deprivation again? Effective weights, deprivation
correlations per nation and double counting.

Three checks of issue 12, computed on every run from the scored tables (never asserted to a
tuned number):

- **effective weights**: each domain's and indicator's share of the index variance,
  w · cov(x, index) / sum over siblings of w · cov(x, index). Under arithmetic aggregation the
  denominator is the index variance, so the shares are exact and sum to 1; under other means
  they are the same first-order decomposition, rescaled to sum to 1. A nominal weight says
  what the framework intends; the effective weight says what the data make of it (OECD/JRC
  Handbook, and Paruolo, Saisana and Saltelli 2013, "Ratings and rankings: voodoo or
  science?").
- **deprivation correlations**: Spearman's rho of the index, each domain and each indicator
  (scored so that higher is better) with the UK-comparable deprivation score, per nation; an
  indicator whose sign differs between the nations does not measure the same thing in both.
- **double counting**: indicator pairs whose |Pearson r| exceeds a threshold, over all towns
  and within each nation.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["deprivation_correlations", "effective_weights", "redundant_pairs"]


def _shares(columns: pd.DataFrame, weights: pd.Series, index: pd.Series) -> pd.Series:
    """w_k cov(x_k, index), normalised to sum to 1 (complete rows only)."""
    frame = columns.assign(__index=index).dropna()
    cov = frame.drop(columns="__index").apply(lambda c: c.cov(frame["__index"]))
    raw = weights.reindex(cov.index).astype(float) * cov
    total = raw.sum()
    return raw / total if total != 0 else raw * np.nan


def effective_weights(
    normalised: pd.DataFrame,
    domain_scores: pd.DataFrame,
    index: pd.Series,
    indicator_weights: pd.DataFrame,
    domain_weights: pd.DataFrame,
) -> pd.DataFrame:
    """Nominal, applied and effective (variance-share) weights of every domain and indicator.

    `indicator_weights` and `domain_weights` are the pipeline's weight tables (columns
    `domain` / `parent`, `weight`, `effective_weight` = weight in the index as applied,
    `nominal_weight` = weight in the index with the framework's domain weights; the two
    differ under balanced domain weights). Domains are compared with their siblings (same
    parent), indicators with all indicators: each level's effective weights sum to 1. Rows:
    level, code, domain (an indicator's domain or a domain's parent, "" at the top),
    nominal_weight, applied_weight, effective_weight.
    """
    rows = []
    parents = domain_weights["parent"].fillna("")
    for parent, members in domain_weights.groupby(parents, sort=False):
        shares = _shares(domain_scores[list(members.index)], members["effective_weight"], index)
        for code in members.index:
            weights = members.loc[code, ["nominal_weight", "effective_weight"]].tolist()
            rows.append(("domain", code, parent, *weights, shares[code]))
    columns = list(indicator_weights.index)
    shares = _shares(normalised[columns], indicator_weights["effective_weight"], index)
    for code in columns:
        rows.append(
            (
                "indicator",
                code,
                indicator_weights.at[code, "domain"],
                indicator_weights.at[code, "nominal_weight"],
                indicator_weights.at[code, "effective_weight"],
                shares[code],
            )
        )
    return pd.DataFrame(
        rows,
        columns=["level", "code", "domain", "nominal_weight", "applied_weight", "effective_weight"],
    )


def deprivation_correlations(
    scores: Mapping[str, pd.DataFrame], deprivation: pd.Series, nation: pd.Series
) -> pd.DataFrame:
    """Spearman's rho of every column with deprivation, per nation, and whether signs agree.

    `scores` maps a kind ("index", "domain", "indicator") to columns oriented so that higher
    is better, indexed by unit; `deprivation` (higher = more deprived) and `nation` are per
    unit. Rows: kind, code, one `rho_<nation>` column per nation (sorted), same_sign.
    """
    nations = sorted(nation.dropna().unique())
    rows = []
    for kind, frame in scores.items():
        for code in frame.columns:
            row: dict[str, object] = {"kind": kind, "code": code}
            for name in nations:
                units = nation.index[nation == name]
                pair = pd.DataFrame(
                    {"x": frame[code].reindex(units), "d": deprivation.reindex(units)}
                ).dropna()
                row[f"rho_{name.lower()}"] = (
                    float(pair["x"].corr(pair["d"], method="spearman")) if len(pair) > 2 else np.nan
                )
            signs = {np.sign(row[f"rho_{n.lower()}"]) for n in nations}
            row["same_sign"] = len(signs) == 1 and not any(np.isnan(s) for s in signs)
            rows.append(row)
    return pd.DataFrame(rows, columns=["kind", "code", *[f"rho_{n.lower()}" for n in nations],
                                       "same_sign"])  # fmt: skip


def redundant_pairs(
    data: pd.DataFrame, groups: pd.Series | None = None, threshold: float = 0.9
) -> pd.DataFrame:
    """Column pairs with |Pearson r| > threshold over all units or within any group.

    Rows: a, b, r_all and one r_<group> per group (sorted), largest |r| first; an empty
    table (same columns) when no pair exceeds the threshold.
    """
    subsets = {"all": data}
    if groups is not None:
        for name in sorted(groups.dropna().unique()):
            subsets[str(name).lower()] = data.loc[groups.reindex(data.index) == name]
    corr = {k: frame.corr() for k, frame in subsets.items()}
    cols = list(data.columns)
    rows = []
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            values = {f"r_{k}": float(c.at[a, b]) for k, c in corr.items()}
            if max((abs(v) for v in values.values() if not np.isnan(v)), default=0.0) > threshold:
                rows.append({"a": a, "b": b, **values})
    out = pd.DataFrame(rows, columns=["a", "b", *[f"r_{k}" for k in corr]])
    if out.empty:
        return out
    strongest = out[[f"r_{k}" for k in corr]].abs().max(axis=1)
    return (
        out.assign(_s=strongest)
        .sort_values(["_s", "a", "b"], ascending=[False, True, True])
        .drop(columns="_s")
        .reset_index(drop=True)
    )
