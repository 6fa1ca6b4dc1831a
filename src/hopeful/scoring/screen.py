"""Screening by data availability: indicators too sparse to compare units on are dropped."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Screening", "screen"]


@dataclass(frozen=True)
class Screening:
    """The kept data and why: one report row per indicator and per unit."""

    data: pd.DataFrame
    indicators: pd.DataFrame  # n_available, share_available, kept
    units: pd.DataFrame  # n_available, share_available, flagged, dropped


def _availability(counts: pd.Series, total: int) -> pd.DataFrame:
    share = counts / total if total else counts * 0.0
    return pd.DataFrame({"n_available": counts.astype("int64"), "share_available": share})


def screen(
    data: pd.DataFrame,
    *,
    min_indicator_share: float = 0.65,
    min_unit_share: float = 0.5,
    drop_units: bool = False,
) -> Screening:
    """Drop indicators with too few values; flag (optionally drop) units with too few values.

    Unit availability is judged on the kept indicators only, since the dropped ones no longer
    count against a unit. The thresholds are inclusive: a share equal to the minimum passes.
    """
    indicators = _availability(data.notna().sum(axis=0), len(data))
    indicators["kept"] = indicators["share_available"] >= min_indicator_share
    kept = data.loc[:, indicators["kept"].to_numpy()]

    units = _availability(kept.notna().sum(axis=1), kept.shape[1])
    units["flagged"] = units["share_available"] < min_unit_share
    units["dropped"] = units["flagged"] & drop_units
    if drop_units:
        kept = kept.loc[~units["flagged"].to_numpy()]
    return Screening(data=kept, indicators=indicators, units=units)
