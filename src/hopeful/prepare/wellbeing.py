"""How people feel in each town's local authority: ONS personal well-being (Annual Population
Survey) in the latest year with a published estimate, with its 95% interval, and the change
since 2011/12 with the interval of that change.

The estimates are survey means for a whole local authority, not for the town: the town takes
the figures of the authority holding most of its residents (`lad_code`, April 2021). ONS
publishes the whole 2011/12-2022/23 series on April 2021 authorities, re-estimated for the
districts merged before 2021 (Buckinghamshire, Dorset, Bournemouth-Christchurch-Poole, East
and West Suffolk, Somerset West and Taunton have figures back to 2011/12), so no code
history is needed; North and West Northamptonshire (2021) have figures from 2019/20 only,
so their towns have no change since 2011/12. A year ONS judged unreliable (status u) or did
not publish (x) is skipped: "latest" is then an earlier year, named in `<measure>_latest_year`.

The interval of a change assumes the two years' samples are independent (eleven years apart,
the APS draws different households): its standard error is the root sum of squares of the
two published ones, each read from its 95% interval as half-width / 1.96. A change is a real
one at the 95% level when that interval excludes zero.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import interim
from hopeful.errors import DataError

__all__ = ["BASE_YEAR", "MEASURES", "columns", "town_wellbeing"]

MEASURES = ["life_satisfaction", "happiness", "worthwhile", "anxiety"]
BASE_YEAR = 2011  # financial year 2011/12, the first of ONS's local series


def columns(measure: str) -> list[str]:
    """The towns.csv columns this module writes for one measure, in order."""
    return [
        f"{measure}_latest",
        f"{measure}_latest_lo95",
        f"{measure}_latest_hi95",
        f"{measure}_latest_year",
        f"{measure}_change_since_2011",
        f"{measure}_change_since_2011_lo95",
        f"{measure}_change_since_2011_hi95",
    ]


def _one_measure(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Latest published year, its value and interval, and the change since BASE_YEAR, by area."""
    rows = frame[["area_code", "year", measure, f"{measure}_lo95", f"{measure}_hi95"]]
    rows = rows.dropna(subset=[measure]).sort_values(["area_code", "year"])
    latest = rows.groupby("area_code").tail(1).set_index("area_code")
    base = rows[rows["year"] == BASE_YEAR].set_index("area_code").reindex(latest.index)
    half = (latest[f"{measure}_hi95"] - latest[f"{measure}_lo95"]) / 2
    base_half = (base[f"{measure}_hi95"] - base[f"{measure}_lo95"]) / 2
    change = (latest[measure] - base[measure]).where(latest["year"] > BASE_YEAR)
    margin = np.hypot(half, base_half)  # (z * se) of the difference: z * sqrt(se1^2 + se2^2)
    names = columns(measure)
    # Rounded to 0.001: ONS publishes two decimals; more would be noise in towns.csv.
    return pd.DataFrame(
        {
            names[0]: latest[measure],
            names[1]: latest[f"{measure}_lo95"],
            names[2]: latest[f"{measure}_hi95"],
            names[3]: latest["year"].astype("Int64"),
            names[4]: change.round(3),
            names[5]: (change - margin).round(3),
            names[6]: (change + margin).round(3),
        }
    )


def town_wellbeing(interim_dir: Path, towns: pd.DataFrame) -> pd.DataFrame:
    """One row per town of `towns` (town_code, lad_code): the well-being columns of its
    authority. An authority missing from the ONS file is an error (the file covers every
    April 2021 authority of England and Wales)."""
    frame = interim.read(interim_dir, "wellbeing_la")
    by_area = pd.concat([_one_measure(frame, m) for m in MEASURES], axis=1)
    missing = sorted(set(towns["lad_code"]) - set(frame["area_code"]))
    if missing:
        raise DataError(
            f"towns' authorities not in the well-being file: {missing[:5]}",
            file=interim.raw_file("wellbeing_la"),
            column="areacd",
        )
    out = by_area.reindex(towns["lad_code"].to_numpy())
    out.insert(0, "town_code", towns["town_code"].to_numpy())
    return out.reset_index(drop=True)
