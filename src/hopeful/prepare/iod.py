"""Summaries of the English Indices of Deprivation for areas bigger than an LSOA.

MHCLG publishes IoD scores and ranks for small areas (LSOAs) and summarises them for local
authorities with the measures of the IoD2019 Technical Report, Appendix N. The same measures
describe any grouping of LSOAs (towns, local authorities, regions), so the functions here take
the grouping column as an argument:

- average score: population-weighted mean of the LSOA scores;
- proportion: share of the group's LSOAs (a count, not people) in the nation's most deprived
  10 per cent;
- extent: population-weighted share of people living in the nation's most deprived 30 per cent,
  with a sliding weight between the 10th and 30th percentile (see `extent_weight`).

The R package IMD (humaniverse/IMD: `calculate_extent`, `calculate_proportion`) implements the
same measures; differences from it are noted where they arise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hopeful.errors import DataError

# Appendix N constants: percentile bands (1 = most deprived 1 per cent of LSOAs nationally).
PROPORTION_MAX_PERCENTILE = 10
EXTENT_FULL_WEIGHT_MAX_PERCENTILE = 10
EXTENT_MAX_PERCENTILE = 30
EXTENT_FIRST_SLIDING_WEIGHT = 0.95  # weight of the 11th percentile
EXTENT_LAST_SLIDING_WEIGHT = 0.05  # weight of the 30th percentile


def rank_to_percentile(rank: pd.Series, n: int) -> pd.Series:
    """National percentile (1 = most deprived 1 per cent) of each rank out of `n` areas.

    Rank r falls in percentile ceil(100 r / n). This is the convention of the published IoD
    deciles: in IoD2019 every one of the 32,844 LSOAs has decile ceil(10 r / 32,844), which
    gives decile 1 exactly 3,284 LSOAs. The R package IMD uses `dplyr::ntile(rank, 100)`
    instead, which puts the first (n mod 100) percentiles one area larger; the two differ
    only for ranks at percentile boundaries. Tied ranks (IoD2019 has 26 tied IMD pairs)
    share a percentile; missing ranks stay missing. Integer arithmetic keeps boundary ranks
    (e.g. r = n / 10) exact.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"number of areas must be a positive integer, got {n!r}")
    values = _numeric(rank, allow_missing=True).to_numpy()
    known = ~np.isnan(values)
    _require(~known | (values == np.floor(values)), rank, "is not a whole-number rank")
    _require(~known | ((values >= 1) & (values <= n)), rank, f"is outside 1..{n}")
    whole = np.where(known, values, 0).astype("int64")
    percentile = pd.arrays.IntegerArray((100 * whole + n - 1) // n, mask=~known)
    return pd.Series(percentile, index=rank.index, name=rank.name)


def extent_weight(percentile: pd.Series) -> pd.Series:
    """Weight of an LSOA's population in the extent measure, by national percentile.

    Appendix N: people in the most deprived 10 per cent count fully (weight 1); from the 11th
    percentile (0.95) the weight falls by (0.95 - 0.05) / 19 per percentile to 0.05 at the
    30th; beyond the 30th it is 0. So w = 0.95 - (p - 11) * 0.9 / 19 for 11 <= p <= 30.
    (Appendix N wording as quoted in humaniverse/IMD `R/extent.R`.) Missing percentiles give
    missing weights.
    """
    values = _numeric(percentile, allow_missing=True)
    known = values.notna()
    _require(~known | (values == np.floor(values)), percentile, "is not a whole-number percentile")
    _require(~known | values.between(1, 100), percentile, "is outside 1..100")
    step = (EXTENT_FIRST_SLIDING_WEIGHT - EXTENT_LAST_SLIDING_WEIGHT) / (
        EXTENT_MAX_PERCENTILE - EXTENT_FULL_WEIGHT_MAX_PERCENTILE - 1
    )
    sliding = EXTENT_FIRST_SLIDING_WEIGHT - (values - EXTENT_FULL_WEIGHT_MAX_PERCENTILE - 1) * step
    weight = np.select(
        [values <= EXTENT_FULL_WEIGHT_MAX_PERCENTILE, values <= EXTENT_MAX_PERCENTILE],
        [1.0, sliding],
        default=0.0,
    )
    return pd.Series(weight, index=percentile.index, name=percentile.name).where(values.notna())


def weighted_mean(lsoa: pd.DataFrame, by: str, value: str, population: str) -> pd.Series:
    """Population-weighted mean of `value` per group (how IoD scores and rates are averaged).

    LSOAs with a missing value are left out of both numerator and denominator; a group whose
    remaining population is zero (or that has no values) gets NaN. Rows with a missing group
    key are dropped. Returns a Series indexed by the sorted group keys, named `value`.
    """
    frame = _grouped_rows(lsoa, by, [value, population])
    weights = _population(frame[population])
    values = _numeric(frame[value], allow_missing=True)
    known = values.notna()
    keys = frame[by]
    numerator = (weights * values).where(known, 0.0).groupby(keys, sort=True, observed=True).sum()
    denominator = weights.where(known, 0.0).groupby(keys, sort=True, observed=True).sum()
    return _ratio(numerator, denominator).rename(value).rename_axis(by)


def aggregate(
    lsoa: pd.DataFrame,
    by: str,
    *,
    score: str,
    rank: str,
    population: str,
    n_areas: int,
    prefix: str,
) -> pd.DataFrame:
    """Appendix N summary of one IoD domain for every group of LSOAs.

    `rank` is the LSOA's national rank (1 = most deprived) out of `n_areas` LSOAs, so groups
    smaller than the nation still use national percentiles. Returns one row per group
    (index: sorted group keys, named `by`) with columns, as fractions of 1:

    - `{prefix}_score`: population-weighted mean score over LSOAs with a score;
    - `{prefix}_proportion`: share of the group's ranked LSOAs in percentiles 1-10;
    - `{prefix}_extent`: population-weighted mean of `extent_weight` over ranked LSOAs;

    plus `{prefix}_n_lsoa` (all LSOAs in the group) and `{prefix}_population` (their total).
    An LSOA with a missing rank is left out of both numerator and denominator of proportion
    and extent (it is unmeasured, not undeprived), and likewise one with a missing score from
    the average score. Zero denominators give NaN: a group with no people has no score or
    extent, but its proportion is still defined by the count of LSOAs. Rows with a missing
    group key are dropped. Population must be present and non-negative; it is the weight of
    the score and extent, so pass the domain's own denominator where MHCLG uses one (File 10
    averages Employment over working-age people, not everyone).
    """
    frame = _grouped_rows(lsoa, by, [score, rank, population])
    weights = _population(frame[population])
    percentile = rank_to_percentile(frame[rank], n_areas)
    ranked = percentile.notna()
    in_top = (percentile <= PROPORTION_MAX_PERCENTILE).fillna(False)
    extent_people = (weights * extent_weight(percentile)).where(ranked, 0.0)
    sums = (
        pd.DataFrame(
            {
                "n_lsoa": 1,
                "population": weights,
                "ranked": ranked.astype("int64"),
                "in_top": in_top.astype("int64"),
                "extent_people": extent_people,
                "ranked_people": weights.where(ranked, 0.0),
            },
            index=frame.index,
        )
        .groupby(frame[by], sort=True, observed=True)
        .sum()
    )
    out = pd.DataFrame(index=sums.index.rename(by))
    out[f"{prefix}_score"] = weighted_mean(frame, by, score, population)
    out[f"{prefix}_proportion"] = _ratio(sums["in_top"], sums["ranked"])
    out[f"{prefix}_extent"] = _ratio(sums["extent_people"], sums["ranked_people"])
    out[f"{prefix}_n_lsoa"] = sums["n_lsoa"].astype("int64")
    out[f"{prefix}_population"] = sums["population"].astype("float64")
    return out


def _grouped_rows(lsoa: pd.DataFrame, by: str, columns: list[str]) -> pd.DataFrame:
    """The rows that belong to a group, with the columns a summary needs."""
    needed = [by, *dict.fromkeys(c for c in columns if c != by)]
    missing = [c for c in needed if c not in lsoa.columns]
    if missing:
        raise DataError(
            f"missing column(s) {missing}; found {list(lsoa.columns)}", column=missing[0]
        )
    return lsoa.loc[lsoa[by].notna(), needed]


def _population(column: pd.Series) -> pd.Series:
    """Population weights: a missing or negative count would silently bias every mean."""
    values = _numeric(column, allow_missing=False)
    _require(values >= 0, column, "is a negative population")
    return values.astype("float64")


def _numeric(column: pd.Series, *, allow_missing: bool) -> pd.Series:
    values = pd.to_numeric(column, errors="coerce").astype("float64")
    _require(values.notna() | column.isna(), column, "is not a number")
    if not allow_missing:
        _require(values.notna(), column, "is missing")
    return values


def _require(ok: pd.Series | np.ndarray, column: pd.Series, problem: str) -> None:
    """Raise a DataError naming the column and the index label of the first failing row."""
    bad = ~np.asarray(ok, dtype=bool)
    if bad.any():
        position = int(bad.nonzero()[0][0])
        value = column.iloc[position]
        shown = value.item() if isinstance(value, np.generic) else value
        raise DataError(f"{shown!r} {problem}", column=column.name, row=str(column.index[position]))


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is zero (an empty or unpeopled group)."""
    return (numerator / denominator.where(denominator != 0)).astype("float64")
