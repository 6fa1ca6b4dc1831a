"""Helpers shared by the indicator inputs."""

from __future__ import annotations

import pandas as pd


def deprived_households(dims: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Households and those deprived in >= 1 of the Census's four dimensions (dim0..dim4)."""
    columns = [f"dim{d}" for d in range(5)]
    return pd.DataFrame(
        {prefix: dims[columns].sum(axis=1), f"{prefix}_deprived": dims[columns[1:]].sum(axis=1)}
    )
