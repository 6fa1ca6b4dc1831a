"""Indirect age standardisation of Census 2021 health and disability counts per LSOA 2021.

Bad health and disability rise steeply with age, so crude shares rank retirement towns as
unhealthy. The mirror has no health-by-age table, so the age-specific rates are estimated
from the small areas themselves: across all 35,672 LSOA 2021 of England and Wales, the
share in bad health is regressed (weighted by residents, no intercept) on the shares of
residents in the six Census 2021 age bands, which makes each band's coefficient that band's
rate, plus the LSOA's income-deprivation rate (UK composite IMD, centred) as a control.
Without the control the age rates are confounded with deprivation (areas full of children
or of 35-49-year-olds are poorer) and come out absurd (a negative rate for ages 35-49, 23 %
for children); with it they rise with age. The LSOA's expected count is its age shares times
those rates times its residents; the standardised count is

    observed - expected + national rate x residents,

so a town's ratio of summed standardised counts to residents is its observed share minus
the share its age structure predicts, plus the England and Wales share (indirect
standardisation). Deprivation is not removed: only the age coefficients are used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hopeful import interim
from hopeful.errors import DataError
from hopeful.indicators.lsoa21_measures import AGE_GROUPS

__all__ = ["age_shares", "fit_age_rates", "income_rate21", "standardise"]


def age_shares(interim_dir: Path) -> pd.DataFrame:
    """Share of Census 2021 residents in each of the six age bands, per LSOA 2021."""
    ages = interim.read(interim_dir, "census21_pop").set_index("lsoa21_code")
    ages = ages[list(AGE_GROUPS)].rename(columns=AGE_GROUPS)
    return ages.div(ages.sum(axis=1), axis=0).sort_index()


def income_rate21(interim_dir: Path) -> pd.Series:
    """Income-deprivation rate (UK composite IMD, LSOA 2011) carried to LSOA 2021: the mean
    of the LSOA 2021's 2011 parents (a split child takes its parent's rate)."""
    rates = interim.read(interim_dir, "uk_imd_e").set_index("lsoa11_code")["income_rate"]
    pairs = interim.read(interim_dir, "lookup_lsoa11_lsoa21_ltla22")
    rate = pairs["lsoa11_code"].map(rates)
    if rate.isna().any():
        missing = sorted(pairs.loc[rate.isna(), "lsoa11_code"])[:5]
        raise DataError(f"no income rate for LSOA 2011 {missing}", file="uk_imd_e")
    return rate.groupby(pairs["lsoa21_code"]).mean().rename("income_rate").sort_index()


def fit_age_rates(
    count: pd.Series, total: pd.Series, shares: pd.DataFrame, control: pd.Series
) -> pd.Series:
    """Age-band rates: weighted least squares of count/total on the age shares (no
    intercept) and the centred control, weights = total. Returns one rate per band."""
    design = np.column_stack([shares.to_numpy(), (control - control.mean()).to_numpy()])
    root = np.sqrt(total.to_numpy(dtype="float64"))
    rate = (count / total).to_numpy(dtype="float64")
    coef, *_ = np.linalg.lstsq(design * root[:, None], rate * root, rcond=None)
    return pd.Series(coef[: shares.shape[1]], index=shares.columns, name="rate")


def standardise(
    count: pd.Series, total: pd.Series, shares: pd.DataFrame, control: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Standardised counts (observed - expected + national rate x total) per area, and the
    fitted age-band rates. All four inputs are indexed by the same areas (every LSOA 2021)."""
    index = count.index
    for name, other in (("total", total), ("age shares", shares), ("control", control)):
        if not other.index.equals(index):
            raise DataError(f"{name} and counts are not on the same LSOA 2021 codes")
    rates = fit_age_rates(count, total, shares, control)
    expected = (shares.to_numpy() @ rates.to_numpy()) * total
    national = count.sum() / total.sum()
    return (count - expected + national * total).astype("float64"), rates
