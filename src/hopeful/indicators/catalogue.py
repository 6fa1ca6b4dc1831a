"""The indicator catalogue (src/hopeful/data/indicators.csv): one validated row per indicator."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pandas as pd

from hopeful import load

COLUMNS = [
    "code",
    "name",
    "domain",
    "meaning",
    "unit",
    "year",
    "source",
    "geography",
    "direction",
    "proxy",
    "nations",
    "comparability",
    "rationale",
]
REQUIRED_TEXT = ["code", "name", "domain", "meaning", "unit", "year", "source", "comparability"]
GEOGRAPHIES = {
    "town_aggregated",  # LSOA values summed or averaged over the town's best-fit LSOAs
    "msoa_apportioned",  # MSOA values shared out to the town's LSOAs by population
    "inherited_la",  # the town's local authority (or authorities, population-weighted)
    "inherited_constituency",  # constituencies overlapping the town's local authority
    "town_published",  # published by ONS for the town itself
    "ward_apportioned",  # ward values handed to the town's best-fit LSOAs
    "constituency_apportioned",  # 2024 constituencies weighted by the town's population shares
    "town_geometry",  # measured from the town's LSOA points and boundary geometry
}
NATIONS = {"both", "england", "wales"}
# Allowed range of each unit; an indicator outside it is a bug in its recipe, not data.
UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "fraction of 1": (0.0, 1.0),
    "percentile (0-100)": (0.0, 100.0),
    "change in fraction of 1": (-1.0, None),
    "change in percentile points": (-100.0, 100.0),
    "score": (None, None),
    "standardised score": (None, None),
    "km": (0.0, None),
    "rate per 1,000": (0.0, None),
    "ratio": (0.0, None),
    "persons per GP": (0.0, None),
    "flag (1/0)": (0.0, 1.0),
    "rate per 10,000": (0.0, None),
    "rate per 100,000": (0.0, None),
    "score (0-10)": (0.0, 10.0),
    "change in percentage points": (-100.0, 100.0),
}


# Directions: +1 higher is better for resilience, -1 higher is worse, 0 neither (growth and
# change whose meaning depends on context: banded in the index or left to the clusters).
DIRECTIONS = ["1", "+1", "-1", "0"]


def catalogue_path() -> Path:
    """The package's indicators.csv: the catalogue of every indicator built."""
    return Path(str(resources.files("hopeful").joinpath("data/indicators.csv")))


def read_catalogue(path: str | Path) -> pd.DataFrame:
    """Read and validate an indicator catalogue; every problem names the file, column and row."""
    path = Path(path)
    frame = load.read_csv(path, required=COLUMNS, dtype={c: "str" for c in COLUMNS})
    frame = frame[COLUMNS]
    for column in REQUIRED_TEXT:
        load.fail_at(frame, column, frame[column].isna(), path, "value is missing")
    load.fail_at(
        frame, "code", ~frame["code"].str.match(r"^[a-z][a-z0-9_]*$"), path, "not snake_case"
    )
    load.check_unique(frame, "code", path)
    load.fail_at(frame, "unit", ~frame["unit"].isin(UNIT_RANGES), path, "unknown unit")
    load.fail_at(
        frame, "geography", ~frame["geography"].isin(GEOGRAPHIES), path, "unknown geography"
    )
    load.fail_at(frame, "nations", ~frame["nations"].isin(NATIONS), path, "unknown nations value")
    load.fail_at(frame, "direction", ~frame["direction"].isin(DIRECTIONS), path, "not +1, -1 or 0")
    frame["direction"] = frame["direction"].astype("int64")
    frame["proxy"] = frame["proxy"].fillna("")
    frame["rationale"] = frame["rationale"].fillna("")
    return frame.reset_index(drop=True)


def require_rationale(
    frame: pd.DataFrame, codes: Iterable[str], path: str | Path | None = None
) -> None:
    """Every indicator the index uses must say why its direction is right (`rationale`).

    A direction is a claim about resilience; without its argument and source nobody can
    check it. Raises a DataError naming the file, the column and the row of the first gap.
    """
    path = Path(path) if path is not None else catalogue_path()
    wanted = frame["code"].isin(list(codes))
    load.fail_at(
        frame,
        "rationale",
        wanted & (frame["rationale"].str.strip() == ""),
        path,
        "an indicator of the index needs a rationale for its direction",
    )


def catalogue() -> pd.DataFrame:
    """The package's indicator catalogue, in its file order (domain by domain)."""
    return read_catalogue(catalogue_path())
