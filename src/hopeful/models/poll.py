"""Poll microdata for MRP: the schema (src/hopeful/data/poll_schema.toml) and its validation.

A poll is only usable for post-stratification when every respondent falls in a cell the
Census frame knows, so unknown categories, unknown towns and demographic levels nobody in the
poll belongs to (empty strata, which the model could only guess) are errors naming the file,
column and row (1-based, header = row 1). A respondent who lives in no town has a blank
`area_code` and a `region`: the model learns from them, post-stratification skips them.
Example items on identity, society and economic change are in the schema (`items`); a poll
file may carry one column per item and be read one item at a time.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import load
from hopeful.errors import DataError

__all__ = ["item_spec", "levels", "read_poll", "schema", "validate_poll"]

DEMOGRAPHICS = ("age_band", "sex", "ethnicity", "tenure")
BINARY = "binary"
CATEGORICAL = "categorical"


@cache
def schema() -> dict:
    """The poll schema and the Census categories behind each level."""
    text = resources.files("hopeful").joinpath("data/poll_schema.toml").read_text("utf-8")
    return tomllib.loads(text)


def levels(column: str) -> list[str]:
    """The allowed levels of one demographic column, in frame order."""
    return list(schema()["levels"][column])


def item_spec(name: str) -> dict:
    """One example item of the schema: theme, question, response kind and levels (a
    categorical item without its own levels uses the six tribes)."""
    items = schema()["items"]
    if name not in items:
        raise ValueError(f"unknown poll item {name!r}; the schema has {sorted(items)}")
    spec = dict(items[name])
    if spec["response"] == CATEGORICAL:
        spec.setdefault("levels", schema()["tribes"])
    return spec


def _first_bad(mask: pd.Series) -> int:
    return int(mask.to_numpy().nonzero()[0][0])


def validate_poll(
    frame: pd.DataFrame,
    *,
    source: str | Path = "<poll>",
    response: str = BINARY,
    response_levels: Sequence[str] | None = None,
    known_areas: Iterable[str] | None = None,
    item: str | None = None,
) -> pd.DataFrame:
    """The poll with clean types, or a DataError for the first problem found.

    `response` is 'binary' (0/1) or 'categorical' (labels from `response_levels`, by default
    the six identity tribes; every level needs at least one respondent). `item` names one of
    the schema's items instead: its column is the response, with the item's kind and levels.
    `known_areas` restricts `area_code` to towns that have a post-stratification frame.
    A blank `area_code` (a respondent in no town) needs a `region` from the schema.
    """
    if item is not None:
        spec = item_spec(item)
        response, response_levels = spec["response"], spec.get("levels")
        load.require_columns(frame, [item], source)
        frame = frame.drop(columns="response", errors="ignore").rename(columns={item: "response"})
    load.require_columns(frame, schema()["required"], source)
    if frame.empty:
        raise DataError("poll has no respondents", file=source)
    out = pd.DataFrame(index=frame.index)
    out["respondent_id"] = frame["respondent_id"].astype("string").str.strip()
    load.check_unique(out.reset_index(drop=True), "respondent_id", source)
    area = frame["area_code"].astype("string").str.strip().replace("", pd.NA)
    out["area_code"] = area
    out["region"] = _regions(frame, area, source)
    in_town = out.loc[area.notna(), ["area_code"]].reset_index(drop=True)
    load.check_codes(in_town, "area_code", "town", source)
    if known_areas is not None:
        unknown = area.notna() & ~out["area_code"].isin(set(known_areas))
        if unknown.any():
            pos = _first_bad(unknown)
            raise DataError(
                f"town {out['area_code'].iloc[pos]!r} has no post-stratification frame",
                file=source,
                column="area_code",
                row=pos + 2,
            )
    for column in DEMOGRAPHICS:
        values = frame[column].astype("string").str.strip()
        allowed = levels(column)
        unknown = ~values.isin(allowed)
        if unknown.any():
            pos = _first_bad(unknown)
            raise DataError(
                f"unknown category {values.iloc[pos]!r}; expected one of {allowed}",
                file=source,
                column=column,
                row=pos + 2,
            )
        empty = [level for level in allowed if not (values == level).any()]
        if empty:
            raise DataError(
                f"empty stratum: no respondent has {column} = {empty[0]!r}, so the model could "
                "only guess that group (merge levels or add respondents)",
                file=source,
                column=column,
            )
        out[column] = values
    out["response"] = _response(frame["response"], source, response, response_levels)
    out["weight"] = (
        load.check_numeric(
            frame.reset_index(drop=True), "weight", source, low=0, low_inclusive=False
        ).to_numpy()
        if "weight" in frame.columns
        else 1.0
    )
    return out.reset_index(drop=True)


def _regions(frame: pd.DataFrame, area: pd.Series, source: str | Path) -> pd.Series:
    """The optional region column, checked against the schema; required where no town."""
    if "region" in frame.columns:
        region = frame["region"].astype("string").str.strip().replace("", pd.NA)
    else:
        region = pd.Series(pd.NA, index=frame.index, dtype="string")
    allowed = schema()["regions"]
    unknown = region.notna() & ~region.isin(allowed)
    if unknown.any():
        pos = _first_bad(unknown)
        raise DataError(
            f"unknown region {region.iloc[pos]!r}; expected one of {allowed}",
            file=source,
            column="region",
            row=pos + 2,
        )
    nowhere = area.isna() & region.isna()
    if nowhere.any():
        raise DataError(
            "no town and no region: a respondent outside every town needs a region",
            file=source,
            column="area_code",
            row=_first_bad(nowhere) + 2,
        )
    return region


def _response(
    values: pd.Series, source: str | Path, kind: str, response_levels: Sequence[str] | None
) -> pd.Series:
    text = values.astype("string").str.strip()
    if kind == BINARY:
        bad = ~text.isin(["0", "1", "0.0", "1.0"])
        if bad.any():
            pos = _first_bad(bad)
            raise DataError(
                f"{text.iloc[pos]!r} is not a binary response (0 or 1)",
                file=source,
                column="response",
                row=pos + 2,
            )
        return pd.Series(text.astype(float).astype(np.int64).to_numpy(), index=values.index)
    if kind != CATEGORICAL:
        raise ValueError(f"response must be {BINARY!r} or {CATEGORICAL!r}, got {kind!r}")
    allowed = list(response_levels or schema()["tribes"])
    unknown = ~text.isin(allowed)
    if unknown.any():
        pos = _first_bad(unknown)
        raise DataError(
            f"unknown response {text.iloc[pos]!r}; expected one of {allowed}",
            file=source,
            column="response",
            row=pos + 2,
        )
    empty = [level for level in allowed if not (text == level).any()]
    if empty:
        raise DataError(
            f"empty stratum: no respondent answered {empty[0]!r}", file=source, column="response"
        )
    return text


def read_poll(
    path: str | Path,
    *,
    response: str = BINARY,
    response_levels: Sequence[str] | None = None,
    known_areas: Iterable[str] | None = None,
    item: str | None = None,
) -> pd.DataFrame:
    """Read and validate a poll CSV (see `validate_poll`)."""
    required = [c for c in schema()["required"] if c != "response" or item is None]
    frame = load.read_csv(
        path,
        required=required + ([item] if item else []),
        dtype={"respondent_id": "string", "area_code": "string", "region": "string"},
    )
    return validate_poll(
        frame,
        source=path,
        response=response,
        response_levels=response_levels,
        known_areas=known_areas,
        item=item,
    )
