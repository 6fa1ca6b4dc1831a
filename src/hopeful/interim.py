"""data/interim: the tidy, validated raw tables `hopeful prepare` writes, one per dataset id.

Later stages read raw data only through `read`, so each raw file is parsed and validated once.
An error found after that step (a join across two files) names the raw file by `raw_file`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from hopeful import atomic, load, sources
from hopeful.errors import DataError

__all__ = ["path", "raw_file", "read", "require", "write"]


def path(interim_dir: str | Path, dataset_id: str) -> Path:
    """data/interim/<dataset_id>.parquet: one table per registered raw file."""
    return Path(interim_dir) / f"{dataset_id}.parquet"


def raw_file(dataset_id: str) -> Path:
    """The raw file behind a table, as laid out under data/raw (<source folder>/<file>)."""
    ds = sources.dataset(dataset_id)
    return Path(ds.source) / ds.file


def write(frame: pd.DataFrame, interim_dir: str | Path, dataset_id: str) -> Path:
    """Atomically, with the index kept: its labels are the raw file's rows (load.row_number)."""
    target = path(interim_dir, dataset_id)
    with atomic.atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=None, engine="pyarrow", compression="zstd")
    return target


def read(interim_dir: str | Path, dataset_id: str) -> pd.DataFrame:
    """The tidy table of one registered raw file; a clear error if prepare has not written it."""
    target = path(interim_dir, dataset_id)
    if not target.is_file():
        raise DataError(
            f"interim table of dataset {dataset_id} is missing: run `hopeful prepare`",
            file=target,
        )
    return load.read_parquet(target)


def require(interim_dir: str | Path, dataset_ids: Iterable[str]) -> None:
    """Fail before any slow step when a table is missing, naming every missing id."""
    missing = [i for i in dataset_ids if not path(interim_dir, i).is_file()]
    if missing:
        raise DataError(
            f"interim table(s) of dataset(s) {missing} are missing: run `hopeful prepare`",
            file=interim_dir,
        )
