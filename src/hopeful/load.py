"""Readers that validate on load: every problem names the file, column and (1-based data) row."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from hopeful.errors import DataError

# ONS GSS code prefixes by kind of area, so a code of the wrong kind is caught on load.
CODE_PATTERNS: dict[str, str] = {
    "lsoa": r"^[EW]01\d{6}$",
    "msoa": r"^[EW]02\d{6}$",
    "lad": r"^[EWSN]0[6789]\d{6}$",
    "bua": r"^(E34|W37|K05)\d{6}$",
    "buasd": r"^(E35|W38|K06)\d{6}$",
    "town": r"^(E34|E35|W37|W38|K05|K06)\d{6}$",
    "region": r"^(E12\d{6}|W92000004)$",
}


def _row_label(index_position: int) -> int:
    """Data rows are reported 1-based as in a spreadsheet, counting the header as row 1."""
    return index_position + 2


def read_csv(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    encoding: str = "utf-8",
    lineterminator: str | None = None,
    dtype: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a CSV strictly: missing, empty, undecodable or column-less files are DataErrors."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file is missing (run `hopeful fetch`?)", file=path)
    if path.stat().st_size == 0:
        raise DataError("file is empty", file=path)
    try:
        frame = pd.read_csv(
            path,
            encoding=encoding,
            lineterminator=lineterminator,
            dtype=dict(dtype) if dtype else None,
            keep_default_na=True,
            na_values=["NA", ""],
            low_memory=False,
        )
    except UnicodeDecodeError as exc:
        raise DataError(f"cannot be decoded as {encoding}: {exc.reason}", file=path) from exc
    except pd.errors.ParserError as exc:
        raise DataError(f"malformed CSV: {exc}", file=path) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError("file has no columns", file=path) from exc
    require_columns(frame, required, path)
    return frame


def read_rda(path: str | Path, *, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read the single data frame stored in an R .rda file."""
    import pyreadr

    path = Path(path)
    if not path.is_file():
        raise DataError("file is missing (run `hopeful fetch`?)", file=path)
    if path.stat().st_size == 0:
        raise DataError("file is empty", file=path)
    try:
        result = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own LibrdataError and others
        raise DataError(f"not a readable R data file: {exc}", file=path) from exc
    if len(result) != 1:
        raise DataError(f"expected one data frame, found {len(result)}", file=path)
    frame = next(iter(result.values()))
    require_columns(frame, required, path)
    return frame


def require_columns(frame: pd.DataFrame, required: Iterable[str], path: str | Path) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing required column(s) {missing}; found {list(frame.columns)}",
            file=path,
            column=missing[0],
        )


def check_unique(frame: pd.DataFrame, column: str, path: str | Path) -> None:
    dup = frame[column].duplicated(keep="first")
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(
            f"duplicate value {frame[column].iloc[pos]!r}",
            file=path,
            column=column,
            row=_row_label(pos),
        )


def check_codes(frame: pd.DataFrame, column: str, kind: str, path: str | Path) -> None:
    """Every value must be an ONS code of `kind`: an MSOA code where an LSOA is expected fails."""
    pattern = re.compile(CODE_PATTERNS[kind])
    values = frame[column]
    bad = ~values.astype("string").fillna("").str.match(pattern)
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{values.iloc[pos]!r} is not a {kind.upper()} code",
            file=path,
            column=column,
            row=_row_label(pos),
        )


def check_numeric(
    frame: pd.DataFrame,
    column: str,
    path: str | Path,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    allow_missing: bool = False,
) -> pd.Series:
    """Coerce to numbers, failing on text, missing (unless allowed) or out-of-range values."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    not_numeric = values.isna() & raw.notna()
    if not_numeric.any():
        pos = int(not_numeric.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{raw.iloc[pos]!r} is not a number", file=path, column=column, row=_row_label(pos)
        )
    if not allow_missing and values.isna().any():
        pos = int(values.isna().to_numpy().nonzero()[0][0])
        raise DataError("value is missing", file=path, column=column, row=_row_label(pos))
    if low is not None:
        below = values < low if low_inclusive else values <= low
        if below.any():
            pos = int(below.to_numpy().nonzero()[0][0])
            op = ">=" if low_inclusive else ">"
            raise DataError(
                f"{values.iloc[pos]!r} is out of range (must be {op} {low})",
                file=path,
                column=column,
                row=_row_label(pos),
            )
    if high is not None:
        above = values > high
        if above.any():
            pos = int(above.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{values.iloc[pos]!r} is out of range (must be <= {high})",
                file=path,
                column=column,
                row=_row_label(pos),
            )
    return values
