"""Banded indicators: the distance of a value outside a moderate band, 0 inside it.

Some measures are neither good nor bad in themselves: a town's household growth is a risk
when it shrinks (cluster C) and when it grows so fast that services lag (clusters F, G). Such
an indicator enters the index as its distance outside a declared band `[low, high]` (in its
own units), scored with direction -1; the framework file declares the band and the docs
argue for it (docs/index.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["band_distance"]


def band_distance(data: pd.DataFrame, bands: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """Replace each banded column by max(low - x, 0) + max(x - high, 0); others unchanged.

    Missing values stay missing; columns not in `data` are ignored.
    """
    out = data.copy()
    for code, (low, high) in bands.items():
        if code in out.columns:
            x = out[code]
            out[code] = (low - x).clip(lower=0) + (x - high).clip(lower=0)
    return out
