"""Towns like this one: nearest neighbours on standardised structural indicators.

A reader compares a town with places of similar size, age, diversity and deprivation rather
than with all towns; "peers that do better" are the evidence that a similar place can. The
method (z-scores, mean imputation, category penalties, tie-breaking) is in docs/clusters.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from hopeful.clusters import TOWN, PeerSettings
from hopeful.errors import DataError

__all__ = ["better_peers", "nearest_peers", "peer_codes", "peers_from_settings", "standardise"]

DECIMALS = 10  # distances are rounded so that ties and output bytes do not depend on FP noise
CHUNK_CELLS = 2_000_000  # towns x towns x features held at once


def standardise(
    towns: pd.DataFrame, features: Sequence[str], *, log: Iterable[str] = ()
) -> np.ndarray:
    """z-scores (population SD) per feature; a missing value becomes 0, the mean.

    Log-transformed features must be positive. A constant feature is all zeros, so it
    adds nothing to any distance.
    """
    z = np.empty((len(towns), len(features)))
    logged = set(log)
    for j, name in enumerate(features):
        try:
            x = towns[name].astype("float64").to_numpy()
        except (TypeError, ValueError) as exc:
            raise DataError("peer feature is not numeric or boolean", column=name) from exc
        if name in logged:
            if (x[~np.isnan(x)] <= 0).any():
                raise DataError("log-transformed peer feature has values <= 0", column=name)
            x = np.log(x)
        sd = np.nanstd(x) if (~np.isnan(x)).any() else 0.0
        z[:, j] = 0.0 if sd == 0 else (x - np.nanmean(x)) / sd
    return np.nan_to_num(z, nan=0.0)


def _category_codes(towns: pd.DataFrame, column: str) -> np.ndarray:
    codes, _ = pd.factorize(towns[column].astype(object), sort=True)
    return codes  # missing -> -1, never equal to another town's category


def nearest_peers(
    towns: pd.DataFrame,
    features: Sequence[str],
    k: int = 10,
    *,
    weights: Mapping[str, float] | None = None,
    categorical: Mapping[str, float] | None = None,
    log: Iterable[str] = (),
) -> pd.DataFrame:
    """Each town's k nearest other towns: long table town_code, rank, peer_code, distance.

    distance = sqrt(sum_j w_j (z_ij - z_pj)^2) + sum_c penalty_c * [category differs];
    a penalty of inf keeps peers inside the category. Equal distances are ranked by code.
    """
    if TOWN not in towns.columns:
        raise DataError(f"the towns table has no {TOWN!r} column", column=TOWN)
    if k < 1:
        raise ValueError("k must be at least 1")
    if towns[TOWN].duplicated().any():
        dup = towns[TOWN][towns[TOWN].duplicated()].iloc[0]
        raise DataError("duplicate town code", column=TOWN, row=str(dup))
    missing = [c for c in [*features, *(categorical or {})] if c not in towns.columns]
    if missing:
        raise DataError(f"peer column(s) not in the towns table: {', '.join(missing)}")
    frame = towns.sort_values(TOWN, kind="stable").reset_index(drop=True)
    codes = frame[TOWN].astype(str).to_numpy()
    w = np.array([float((weights or {}).get(f, 1.0)) for f in features])
    if (w < 0).any():
        raise ValueError("peer weights must not be negative")
    z = standardise(frame, features, log=log) * np.sqrt(w)
    cats = [(float(p), _category_codes(frame, c)) for c, p in (categorical or {}).items()]

    n = len(frame)
    chunk = max(1, CHUNK_CELLS // max(1, n * len(features)))
    take = min(k, n - 1)
    rows_town, rows_rank, rows_peer, rows_dist = [], [], [], []
    for start in range(0, n, chunk):
        block = slice(start, min(n, start + chunk))
        dist = np.sqrt(((z[block, None, :] - z[None, :, :]) ** 2).sum(axis=2))
        for penalty, c in cats:
            differs = (c[block, None] != c[None, :]) | (c[block, None] < 0)
            dist = dist + np.where(differs, penalty, 0.0)
        dist = np.round(dist, DECIMALS)
        rows = np.arange(block.start, block.stop)
        dist[rows - block.start, rows] = np.inf
        order = np.argsort(dist, axis=1, kind="stable")[:, :take]  # stable: ties by code
        for i, row in zip(rows, order, strict=True):
            d = dist[i - block.start, row]
            keep = row[np.isfinite(d)]
            rows_town.extend([codes[i]] * len(keep))
            rows_rank.extend(range(1, len(keep) + 1))
            rows_peer.extend(codes[keep])
            rows_dist.extend(d[np.isfinite(d)])
    return pd.DataFrame(
        {
            TOWN: pd.Series(rows_town, dtype=object),
            "rank": pd.Series(rows_rank, dtype="int64"),
            "peer_code": pd.Series(rows_peer, dtype=object),
            "distance": pd.Series(rows_dist, dtype="float64"),
        }
    )


def peer_codes(peers_long: pd.DataFrame) -> pd.DataFrame:
    """One row per town with its peers in rank order, joined by ';' (for towns.csv)."""
    ordered = peers_long.sort_values([TOWN, "rank"], kind="stable")
    joined = ordered.groupby(TOWN, sort=True)["peer_code"].agg(";".join)
    return joined.rename("peer_codes").reset_index()


def better_peers(
    peers_long: pd.DataFrame, scores: pd.Series, n: int = 5, *, higher_is_better: bool = True
) -> pd.DataFrame:
    """For each town, its nearest peers (up to n) whose score is strictly better than its own.

    `scores` is indexed by town code; a town or peer without a score is left out.
    """
    scores = scores.astype("float64")
    table = peers_long.assign(
        score=peers_long[TOWN].map(scores), peer_score=peers_long["peer_code"].map(scores)
    )
    better = (
        table["peer_score"] > table["score"]
        if higher_is_better
        else table["peer_score"] < table["score"]
    )
    table = table[better].sort_values([TOWN, "rank"], kind="stable")
    return table.groupby(TOWN, sort=True).head(n).reset_index(drop=True)


def peers_from_settings(towns: pd.DataFrame, settings: PeerSettings) -> pd.DataFrame:
    """nearest_peers with the features, weights and penalties of clusters.toml's [peers]."""
    return nearest_peers(
        towns,
        list(settings.features),
        settings.k,
        weights=dict(settings.weights),
        categorical=dict(settings.categorical),
        log=settings.log,
    )
