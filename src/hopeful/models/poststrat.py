"""The synthetic post-stratification frame: adults per town by age x sex x ethnicity x tenure.

The mirror gives each small area only one-way Census 2021 distributions, on three bases:
adults 16+ by age band (persons), residents of all ages by ethnicity, and households by
tenure. The frame takes a town's adults as its total and assumes, within each LSOA, that age,
ethnicity and tenure are independent; summing those LSOA products over the town gives a seed
that keeps the between-neighbourhood associations (older, whiter, owner-occupied areas), and
IPF then rakes it to the town's own margins: adults by age; adults split by the ethnic shares
of all residents; adults split by the tenure shares of households (so tenure is "lives in a
household of this tenure" only approximately: household shares stand in for adult shares).
Sex is not in the mirror per small area; every cell is split 50/50.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from hopeful.errors import DataError
from hopeful.models.ipf import ipf
from hopeful.models.poll import levels

__all__ = ["cells", "frame_matrix", "poststrat_frame", "town_margins"]

DIMENSIONS = ("age_band", "ethnicity", "tenure")
CELL_COLUMNS = ("age_band", "sex", "ethnicity", "tenure")
SEX_SHARE = 0.5


def cells() -> pd.DataFrame:
    """Every post-stratification cell, in frame order (age, sex, ethnicity, tenure)."""
    rows = itertools.product(*(levels(c) for c in CELL_COLUMNS))
    return pd.DataFrame(list(rows), columns=list(CELL_COLUMNS))


def town_margins(lsoa_table: pd.DataFrame) -> tuple[pd.Index, np.ndarray, list[np.ndarray]]:
    """Towns (sorted), the LSOA-independence seed (towns, ages, ethnicities, tenures) and the
    three adult margins the frame is raked to."""
    table = lsoa_table.dropna(subset=["town_code"])
    counts = {
        dim: table[[f"{dim}:{lv}" for lv in levels(dim)]].to_numpy(float) for dim in DIMENSIONS
    }
    adults = counts["age_band"].sum(axis=1)
    shares = {}
    for dim, values in counts.items():
        total = values.sum(axis=1, keepdims=True)
        shares[dim] = np.divide(values, total, out=np.zeros_like(values), where=total > 0)
    product = (
        adults[:, None, None, None]
        * shares["age_band"][:, :, None, None]
        * shares["ethnicity"][:, None, :, None]
        * shares["tenure"][:, None, None, :]
    )
    towns = pd.Index(sorted(table["town_code"].astype(str).unique()), name="town_code")
    index = towns.get_indexer(table["town_code"].astype(str))
    seed = np.zeros((len(towns), *product.shape[1:]))
    np.add.at(seed, index, product)
    margins = []
    total = np.zeros(len(towns))
    np.add.at(total, index, adults)
    for dim in DIMENSIONS:
        summed = np.zeros((len(towns), counts[dim].shape[1]))
        np.add.at(summed, index, counts[dim])
        base = summed.sum(axis=1, keepdims=True)
        if (base <= 0).any():
            raise DataError(f"town {towns[int(np.argmin(base))]!r} has no Census {dim} counts")
        margins.append(summed / base * total[:, None])
    return towns, seed, margins


def poststrat_frame(lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """Long frame: town_code, age_band, sex, ethnicity, tenure, n (adults), sorted."""
    towns, seed, margins = town_margins(lsoa_table)
    joint = ipf(seed, margins).table  # (towns, age, ethnicity, tenure)
    with_sex = np.stack([joint * SEX_SHARE] * len(levels("sex")), axis=2)  # age, sex, eth, ten
    grid = cells()
    frame = pd.concat([grid] * len(towns), ignore_index=True)
    frame.insert(0, "town_code", np.repeat(towns.to_numpy(), len(grid)))
    frame["n"] = with_sex.reshape(len(towns), -1).ravel()
    return frame


def frame_matrix(frame: pd.DataFrame) -> tuple[pd.Index, np.ndarray]:
    """(towns, counts (towns, cells)) with cells in `cells()` order."""
    grid = cells()
    key = pd.MultiIndex.from_frame(grid)
    wide = frame.pivot_table(
        index="town_code", columns=list(CELL_COLUMNS), values="n", aggfunc="sum", fill_value=0.0
    ).reindex(columns=key, fill_value=0.0)
    return wide.index.astype(str), wide.to_numpy(float)
