"""The trend measures file (src/hopeful/data/trend_measures.csv): what each trend is, read alone.

Kept apart from `trends`, which builds the table from every source, so that a report kernel
drawing a town's trends imports only this and `load`, not the indicator and prepare modules.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hopeful import load

__all__ = ["MEASURES_PATH", "measures", "read_measures"]

MEASURES_PATH = Path(__file__).resolve().parent.parent / "data" / "trend_measures.csv"


def read_measures(path: Path) -> pd.DataFrame:
    """A trend measure file: measure, label, axis, area_type, source, note (all filled)."""
    frame = load.read_csv(
        path, required=["measure", "label", "axis", "area_type", "source", "note"]
    )
    for column in frame.columns:
        load.fail_at(frame, column, frame[column].isna(), path, "empty")
    load.fail_at(frame, "area_type", ~frame["area_type"].isin(["town", "local authority"]), path,
                 "expected town or local authority")  # fmt: skip
    return frame


def measures() -> pd.DataFrame:
    """The trend measures (data/trend_measures.csv): label, axis, area type, source, note."""
    return read_measures(MEASURES_PATH)
