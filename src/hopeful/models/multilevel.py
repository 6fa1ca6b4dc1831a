"""How much of the variation between towns lies between regions, between local authorities
within a region, and between towns within an authority (a three-level random-intercept model).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy.special import logit

from hopeful.errors import DataError

__all__ = ["variance_partition"]

LEVELS = ("region", "local_authority", "town")


def variance_partition(
    towns_df: pd.DataFrame,
    outcome: str,
    *,
    la: str = "leave_area16_code",
    region: str = "leave_region",
    transform_logit: bool = True,
) -> pd.DataFrame:
    """Variance of `outcome` at each level (REML MixedLM), with shares summing to 1.

    Random intercepts for region (groups) and for the local authority within its region
    (a variance component); the residual is the town level. Shares are in the logit scale
    when `transform_logit` (the outcome must then lie in (0, 1)). Towns missing any of the
    three columns are left out; n_units counts the units at each level.
    """
    frame = towns_df[[outcome, la, region]].dropna().copy()
    if frame.empty:
        raise DataError(f"no towns with {outcome!r}, {la!r} and {region!r}", column=outcome)
    y = frame[outcome].astype(float)
    if transform_logit:
        if not ((y > 0) & (y < 1)).all():
            raise DataError(f"{outcome} must lie strictly between 0 and 1", column=outcome)
        y = logit(y)
    frame = pd.DataFrame({"y": y, "la": frame[la].astype(str), "region": frame[region].astype(str)})
    model = smf.mixedlm(
        "y ~ 1", frame, groups="region", re_formula="1", vc_formula={"la": "0 + C(la)"}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # boundary and convergence notes; checked below
        fit = model.fit(reml=True, method=["lbfgs", "powell"])
    variances = np.array([float(fit.cov_re.iloc[0, 0]), float(fit.vcomp[0]), float(fit.scale)])
    if not np.isfinite(variances).all():
        raise DataError("the multilevel model did not converge")
    variances = np.clip(variances, 0.0, None)
    return pd.DataFrame(
        {
            "variance": variances,
            "share": variances / variances.sum(),
            "n_units": [frame["region"].nunique(), frame["la"].nunique(), len(frame)],
        },
        index=pd.Index(LEVELS, name="level"),
    )
