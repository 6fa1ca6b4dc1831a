"""Variance-based (Sobol) sensitivity indices from a Saltelli design, for vector outputs.

Two independent sample matrices A and B (N rows, one column per uncertain dimension) and, per
input i, the matrix A_B^(i): A with input i's columns taken from B. An input may span several
columns (e.g. every weight at once): the indices are then those of the group (Jansen 1999).
With f the model output, V its variance over the rows of A and B, Saltelli et al. (2010,
Table 2) give

    first order  S_i  = mean_j f(B)_j (f(A_B^(i))_j - f(A)_j) / V
    total        ST_i = mean_j (f(A)_j - f(A_B^(i))_j)^2 / 2 / V      (Jansen)

S_i is the share of the output variance that input i explains on its own; ST_i the share it
takes part in, interactions included (1 - ST_i is what is left when input i is fixed). For an
output with several elements (every town's rank) the partial and total variances are summed
over the elements before dividing, so the index is the share of the summed variance of the
ranks (the generalised Sobol index of Gamboa et al. 2014): towns whose rank barely moves add
little to either side. Outputs are centred on their mean over A and B first, which leaves the
estimators' expectations unchanged and makes the first-order estimator far less noisy.

Confidence intervals come from a bootstrap over rows (A, B and every A_B^(i) resampled
together), percentile method.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["mixed", "sobol_indices"]


def mixed(a: np.ndarray, b: np.ndarray, columns: slice | Sequence[int]) -> np.ndarray:
    """A_B^(i): a copy of `a` with `columns` (input i's dimensions) taken from `b`."""
    out = a.copy()
    out[:, columns] = b[:, columns]
    return out


def _as_rows(values: np.ndarray) -> np.ndarray:
    return values[:, None] if values.ndim == 1 else values


def _estimate(
    ab: np.ndarray,
    squares: np.ndarray,
    first: np.ndarray,
    total: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """(inputs, 2) first-order and total indices, each row j of the design taken counts[j] times.

    `ab` is f(A) stacked on f(B), `squares` its row sums of squares; `first` and `total` hold,
    per input and row, the estimators' terms already summed over the outputs. So a bootstrap
    resample costs one matrix-vector product, not a pass over every array.
    """
    n = counts.sum()
    both = np.concatenate([counts, counts])
    mean = both @ ab / (2 * n)
    variance = both @ squares / (2 * n) - np.sum(mean**2)
    if variance <= 0:
        return np.full((len(first), 2), np.nan)
    return np.column_stack([first @ counts, total @ counts]) / n / variance


def sobol_indices(
    fa: np.ndarray,
    fb: np.ndarray,
    fab: Sequence[np.ndarray],
    names: Sequence[str],
    *,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """First-order and total indices per input from f(A), f(B) and f(A_B^(i)).

    Each array is (N,) or (N, outputs); output columns with any NaN (a unit never ranked) are
    left out. With `bootstrap` > 0, adds `<index>_low` / `<index>_high`, the `level`
    percentile interval over that many row resamples (seeded by `seed`).
    """
    if not names or len(fab) != len(names):
        raise ValueError("one A_B matrix per input name is needed, and at least one input")
    fa, fb = _as_rows(np.asarray(fa, float)), _as_rows(np.asarray(fb, float))
    fab = [_as_rows(np.asarray(f, float)) for f in fab]
    if any(f.shape != fa.shape for f in [fb, *fab]):
        raise ValueError("f(A), f(B) and every f(A_B) must have the same shape")
    keep = ~np.isnan(np.concatenate([fa, fb, *fab])).any(axis=0)
    centre = np.concatenate([fa, fb])[:, keep].mean(axis=0)
    fa, fb = fa[:, keep] - centre, fb[:, keep] - centre
    fab = [f[:, keep] - centre for f in fab]
    n = fa.shape[0]
    first = np.stack([np.sum(fb * (f - fa), axis=1) for f in fab])
    total = np.stack([np.sum((fa - f) ** 2, axis=1) / 2 for f in fab])
    ab = np.concatenate([fa, fb])
    squares = np.sum(ab**2, axis=1)
    point = _estimate(ab, squares, first, total, np.ones(n))
    table = pd.DataFrame(
        point, index=pd.Index(list(names), name="input"), columns=["first_order", "total"]
    )
    if bootstrap > 0:
        rng = np.random.default_rng(seed)
        samples = np.stack(
            [
                _estimate(
                    ab, squares, first, total, np.bincount(rng.integers(n, size=n), minlength=n)
                )
                for _ in range(bootstrap)
            ]
        )
        tail = (1 - level) / 2
        low, high = np.nanquantile(samples, [tail, 1 - tail], axis=0)
        for k, column in enumerate(["first_order", "total"]):
            table[f"{column}_low"] = low[:, k]
            table[f"{column}_high"] = high[:, k]
    return table
