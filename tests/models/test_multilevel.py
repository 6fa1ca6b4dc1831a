"""Variance partition: known region / authority / town variances are recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from hopeful.errors import DataError
from hopeful.models.multilevel import variance_partition

TRUE = {"region": 0.04, "local_authority": 0.09, "town": 0.16}


def _nested(seed: int = 5, regions: int = 20, las: int = 10, towns: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(regions):
        u_region = rng.normal(0, np.sqrt(TRUE["region"]))
        for a in range(las):
            u_la = rng.normal(0, np.sqrt(TRUE["local_authority"]))
            for _ in range(towns):
                eta = 0.3 + u_region + u_la + rng.normal(0, np.sqrt(TRUE["town"]))
                rows.append({"region": f"R{r}", "la": f"R{r}-L{a}", "share": expit(eta)})
    return pd.DataFrame(rows)


def test_recovers_known_variances_on_the_logit_scale():
    got = variance_partition(_nested(), "share", la="la", region="region")
    assert list(got.index) == ["region", "local_authority", "town"]
    assert got["share"].sum() == pytest.approx(1.0)
    assert got["n_units"].tolist() == [20, 200, 1600]
    for level, variance in TRUE.items():
        assert got.loc[level, "variance"] == pytest.approx(variance, rel=0.35)


def test_untransformed_outcome_and_bad_input():
    frame = _nested(regions=6, las=5, towns=6)
    raw = variance_partition(frame, "share", la="la", region="region", transform_logit=False)
    assert raw["variance"].sum() < 0.1  # shares vary far less than their logits
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        variance_partition(frame.assign(share=1.0), "share", la="la", region="region")
