"""Iterative proportional fitting: a joint table that keeps a seed's associations but has
given one-way margins (Deming and Stephan 1940), for many areas at once.

The mirror has, per small area, only one-way Census distributions (age, ethnicity, tenure);
raking a seed that carries the associations we believe in to each town's margins gives the
synthetic joint post-stratification frame. IPF preserves the seed's odds ratios, so the seed
decides every interaction the margins cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hopeful.errors import DataError

__all__ = ["IPFResult", "ipf"]

TOLERANCE = 1e-10
MAX_ITERATIONS = 1000


@dataclass(frozen=True)
class IPFResult:
    """Fitted joint table per area, with how many iterations and how close the margins came."""

    table: np.ndarray  # (areas, *dims)
    iterations: int
    max_error: float  # largest absolute margin gap relative to the area's total


def ipf(
    seed: np.ndarray,
    margins: Sequence[np.ndarray],
    *,
    tol: float = TOLERANCE,
    max_iter: int = MAX_ITERATIONS,
) -> IPFResult:
    """Rake `seed` (areas, d1, ..., dk) to `margins` [(areas, d1), ..., (areas, dk)].

    Every area's margins must share one total (relative gap < 1e-6); a category with a
    positive target needs a positive seed somewhere in its slice, or it cannot be reached.
    Raises DataError if the margins are not met within `max_iter` sweeps.
    """
    table = np.array(seed, dtype=float)
    if table.ndim != len(margins) + 1:
        raise DataError(f"seed has {table.ndim - 1} dimensions but {len(margins)} margins")
    if (table < 0).any():
        raise DataError("seed has negative cells")
    targets = [np.asarray(m, dtype=float) for m in margins]
    for axis, target in enumerate(targets, start=1):
        if target.shape != (table.shape[0], table.shape[axis]):
            raise DataError(
                f"margin {axis} has shape {target.shape}, expected "
                f"{(table.shape[0], table.shape[axis])}"
            )
        if (target < 0).any():
            raise DataError(f"margin {axis} has negative counts")
    totals = targets[0].sum(axis=1)
    scale = np.where(totals > 0, totals, 1.0)
    for axis, target in enumerate(targets[1:], start=2):
        if (np.abs(target.sum(axis=1) - totals) / scale > 1e-6).any():
            raise DataError(f"margin {axis} does not share margin 1's total")
    for axis, target in enumerate(targets, start=1):
        reachable = _margin(table, axis) > 0
        if ((target > 0) & ~reachable).any():
            area, level = np.argwhere((target > 0) & ~reachable)[0]
            raise DataError(
                f"area {area}: margin {axis} level {level} has people but an empty seed slice"
            )
    error = np.inf
    for iteration in range(1, max_iter + 1):
        for axis, target in enumerate(targets, start=1):
            current = _margin(table, axis)
            factor = np.divide(target, current, out=np.zeros_like(target), where=current > 0)
            table *= _expand(factor, axis, table.ndim)
        error = max(
            float(np.max(np.abs(_margin(table, axis) - target) / scale[:, None]))
            for axis, target in enumerate(targets, start=1)
        )
        if error < tol:
            return IPFResult(table, iteration, error)
    raise DataError(f"IPF did not converge in {max_iter} sweeps (max relative gap {error:.2e})")


def _margin(table: np.ndarray, axis: int) -> np.ndarray:
    others = tuple(a for a in range(1, table.ndim) if a != axis)
    return table.sum(axis=others)


def _expand(factor: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    shape = [1] * ndim
    shape[0], shape[axis] = factor.shape
    return factor.reshape(shape)
