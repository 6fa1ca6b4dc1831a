"""Validation helpers shared by the indicator readers: long tables, ranks and sources."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from hopeful import load
from hopeful.errors import DataError


def source_path(raw_dir: Path, source: tuple[str, str]) -> Path:
    """data/raw/<folder>/<file> (the layout of the mirror)."""
    return Path(raw_dir) / source[0] / source[1]


def fail_at(
    frame: pd.DataFrame, column: str, bad: pd.Series, path: str | Path, message: str
) -> None:
    """DataError at the first row where `bad` is True, counted like hopeful.load (header = 1;
    from the index label, so a frame filtered after reading still names the file's row)."""
    bad = bad.fillna(True).astype(bool).to_numpy()
    if bad.any():
        pos = int(bad.nonzero()[0][0])
        value = frame[column].iloc[pos]
        raise DataError(
            f"{message} (value {value!r})",
            file=path,
            column=column,
            row=load.row_number(frame, pos),
        )


def wide_counts(
    frame: pd.DataFrame,
    path: Path,
    *,
    key: str,
    category: str,
    value: str,
    labels: Mapping[str, str],
) -> pd.DataFrame:
    """A long table (one row per area x category) as one row per area, one column per category.

    Every category label must be known, each area must have each category exactly once, and
    counts must be non-negative numbers: a renamed or missing category would otherwise turn
    into a silent zero. `labels` maps the source label to the output column name.
    """
    fail_at(frame, category, ~frame[category].isin(list(labels)), path, "unknown category")
    fail_at(frame, key, frame.duplicated([key, category]), path, "repeated area and category")
    counts = load.check_numeric(frame, value, path, low=0)
    wide = (
        pd.DataFrame({key: frame[key].astype(str), "cat": frame[category].map(labels), "n": counts})
        .pivot(index=key, columns="cat", values="n")
        .reindex(columns=list(labels.values()))
    )
    incomplete = wide.isna().any(axis=1)
    if incomplete.any():
        area = wide.index[incomplete.to_numpy()][0]
        missing = [c for c in wide.columns if pd.isna(wide.loc[area, c])]
        raise DataError(f"area {area} has no row for {missing}", file=path, column=category)
    return wide.sort_index().rename_axis(None, axis=1).reset_index()


def ranks(frame: pd.DataFrame, columns: Mapping[str, str], path: Path) -> tuple[pd.DataFrame, int]:
    """National ranks (1 = most deprived / most in need) checked to lie in 1..n, n = rows."""
    n = len(frame)
    out = pd.DataFrame(index=frame.index)
    for source, name in columns.items():
        out[name] = load.check_numeric(frame, source, path, low=1, high=n)
    return out, n


def optional_numbers(
    frame: pd.DataFrame, columns: Mapping[str, str], path: Path, *, low: float | None = None
) -> pd.DataFrame:
    """Numeric columns where a missing value is allowed (suppressed or not published)."""
    out = pd.DataFrame(index=frame.index)
    for source, name in columns.items():
        out[name] = load.check_numeric(frame, source, path, low=low, allow_missing=True)
    return out


def coded(frame: pd.DataFrame, column: str, kind: str, path: Path) -> pd.Series:
    """The code column, validated as ONS codes of `kind` and unique."""
    load.check_codes(frame, column, kind, path)
    load.check_unique(frame, column, path)
    return frame[column].astype(str)


def deprived_households(dims: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Households and those deprived in >= 1 of the Census's four dimensions (dim0..dim4)."""
    columns = [f"dim{d}" for d in range(5)]
    return pd.DataFrame(
        {prefix: dims[columns].sum(axis=1), f"{prefix}_deprived": dims[columns[1:]].sum(axis=1)}
    )
