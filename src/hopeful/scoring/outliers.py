"""Outlier treatment as in COINr's `Treat()`: skew/kurtosis check → winsorise → log.

An indicator fails when |skewness| > `skew_threshold` AND kurtosis > `kurt_threshold`
(COINr defaults 2 and 3.5). A failing indicator is winsorised one extreme at a time, on the
side of its current skew, until it passes or `winmax` points have been changed; if it still
fails, the *original* values are log-transformed instead (COINr's `log_CT`, which shifts by the
minimum so negative values are handled): log(x - min(x) + 0.01 (max(x) - min(x))). Both
treatments are monotone, so units keep their order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["fails_check", "kurtosis", "log_transform", "skewness", "treat_outliers", "winsorise"]


def skewness(values: np.ndarray) -> float:
    """Sample skewness G1 (e1071 type 2, Excel SKEW), as COINr's `skew()`; NaN if undefined."""
    x = values[~np.isnan(values)]
    n = x.size
    if n < 3 or np.ptp(x) == 0:
        return float("nan")
    d = x - x.mean()
    m2 = np.mean(d**2)
    g1 = np.mean(d**3) / m2**1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(values: np.ndarray) -> float:
    """Excess kurtosis G2 (e1071 type 2, Excel KURT), as COINr's `kurt()`; NaN if undefined."""
    x = values[~np.isnan(values)]
    n = x.size
    if n < 4 or np.ptp(x) == 0:
        return float("nan")
    d = x - x.mean()
    g2 = np.mean(d**4) / np.mean(d**2) ** 2 - 3.0
    return float(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)))


def fails_check(values: np.ndarray, skew_threshold: float, kurt_threshold: float) -> bool:
    """True when both thresholds are exceeded; undefined moments (constant, tiny n) pass."""
    return bool(
        abs(skewness(values)) > skew_threshold and kurtosis(values) > kurt_threshold
    )  # NaN comparisons are False


def winsorise(
    values: np.ndarray, winmax: int, skew_threshold: float, kurt_threshold: float
) -> tuple[np.ndarray, int, str]:
    """Winsorise extremes until the check passes; return values, points changed, side(s).

    Each step replaces all points tied at the current extreme with the next value in; a step
    that would take the count of changed points beyond `winmax` is not taken.
    """
    x = values.copy()
    valid = ~np.isnan(x)
    v = x[valid]
    changed = np.zeros(v.size, dtype=bool)
    sides: set[str] = set()
    while fails_check(v, skew_threshold, kurt_threshold):
        high = skewness(v) >= 0
        extreme = v.max() if high else v.min()
        at_extreme = v == extreme
        rest = v[~at_extreme]
        if rest.size == 0 or np.count_nonzero(changed | at_extreme) > winmax:
            break
        v[at_extreme] = rest.max() if high else rest.min()
        changed |= at_extreme
        sides.add("high" if high else "low")
    x[valid] = v
    side = "both" if len(sides) == 2 else next(iter(sides), "")
    return x, int(changed.sum()), side


def log_transform(values: np.ndarray) -> np.ndarray:
    """COINr `log_CT`: log(x - min + 0.01 * range), defined for negative values too."""
    lo, hi = np.nanmin(values), np.nanmax(values)
    return np.log(values - lo + 0.01 * (hi - lo))


def treat_outliers(
    data: pd.DataFrame,
    *,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
    winmax: int = 5,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treat each indicator that fails the check; return treated data and a per-indicator report.

    Report columns: skew, kurtosis (before), treatment (none / winsorised / log), n_winsorised,
    side (high / low / both / ""), skew_after, kurtosis_after, passes_after.
    """
    treated = data.copy()
    rows = []
    for column in data.columns:
        x = data[column].to_numpy(dtype=float)
        row = {"skew": skewness(x), "kurtosis": kurtosis(x), "treatment": "none"}
        row.update(n_winsorised=0, side="")
        out = x
        if fails_check(x, skew_threshold, kurt_threshold):
            out, n, side = winsorise(x, winmax, skew_threshold, kurt_threshold)
            row.update(treatment="winsorised", n_winsorised=n, side=side)
            if fails_check(out, skew_threshold, kurt_threshold):
                out = log_transform(x)
                row.update(treatment="log", n_winsorised=0, side="")
        treated[column] = out
        row.update(
            skew_after=skewness(out),
            kurtosis_after=kurtosis(out),
            passes_after=not fails_check(out, skew_threshold, kurt_threshold),
        )
        rows.append(row)
    report = pd.DataFrame(rows, index=pd.Index(data.columns, name="indicator"))
    return treated, report
