"""Readers that validate on load: every problem names the file, column and spreadsheet row."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hopeful.errors import DataError

if TYPE_CHECKING:
    import geopandas as gpd

# ONS GSS code prefixes by kind of area, so a code of the wrong kind is caught on load.
CODE_PATTERNS: dict[str, str] = {
    "oa": r"^[EW]00\d{6}$",
    "lsoa": r"^[EW]01\d{6}$",
    "msoa": r"^[EW]02\d{6}$",
    "lad": r"^[EWSN]0[6789]\d{6}$",
    "bua": r"^(E34|W37|K05)\d{6}$",
    "buasd": r"^(E35|W38|K06)\d{6}$",
    "town": r"^(E34|E35|W37|W38|K05|K06)\d{6}$",
    "region": r"^(E12\d{6}|W92000004)$",
}


# Byte-order marks that say a file is not in the encoding it is read with.
_BOMS = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16", b"\xef\xbb\xbf": "UTF-8 with a BOM"}
_SHOWN_COLUMNS = 12


def row_number(frame: pd.DataFrame | pd.Series, position: int) -> int:
    """The spreadsheet row (header = row 1) of the row at `position`.

    Counted from the index label when it is an integer, so a frame filtered or sorted after
    reading still reports the row of the file; from the position otherwise.
    """
    label = frame.index[position]
    if isinstance(label, int | np.integer) and not isinstance(label, bool):
        return int(label) + 2
    return position + 2


def _shown(value: object) -> object:
    """A numpy scalar as the plain Python value, so messages read `156.9`, not `np.float64(…)`."""
    return value.item() if isinstance(value, np.generic) else value


def _decode(data: bytes, encoding: str, newline: bytes, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        bom = next((name for mark, name in _BOMS.items() if data.startswith(mark)), None)
        hint = f"; it starts with a {bom} byte-order mark" if bom else ""
        raise DataError(
            f"cannot be decoded as {encoding} at byte {exc.start} "
            f"({data[exc.start : exc.start + 1]!r}: {exc.reason}){hint}",
            file=path,
            row=data.count(newline, 0, exc.start) + 1,
        ) from exc


# A quoted field longer than this is a quote left open, not text: no published file has one.
_MAX_RECORD_LINES = 20


def _check_records(text: str, lineterminator: str | None, path: Path) -> None:
    """Same number of fields on every row: pandas silently pads a short (e.g. cut-off) row."""
    if "\x00" in text:
        raise DataError(
            "contains NUL characters (is it UTF-16 or binary?)",
            file=path,
            row=text.count(lineterminator or "\n", 0, text.index("\x00")) + 1,
        )
    if lineterminator == "\r" and "\n" in text:
        raise DataError(
            "has LF (\\n) line endings but is registered as a CR-only (old Mac) file",
            file=path,
            row=text.count("\r", 0, text.index("\n")) + 1,
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width: int | None = None
    end = 0  # the line the last complete record ended on
    while True:
        start = end + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(
                f"malformed CSV: {exc} (a quote opened on row {start} is never closed?)",
                file=path,
                row=start,
            ) from exc
        end = reader.line_num
        if end - start >= _MAX_RECORD_LINES:
            raise DataError(
                f"a quoted field runs from row {start} to row {end}: an unterminated quote?",
                file=path,
                row=start,
            )
        if not record:
            continue
        if width is None:
            width = len(record)
            _check_header(record, path)
            continue
        if len(record) != width:
            cut = end >= text.count(lineterminator or "\n") and not text.endswith(("\n", "\r"))
            spans = (
                f" (a quoted field runs from row {start} to row {end}: an unterminated quote?)"
                if end > start
                else ""
            )
            raise DataError(
                f"has {len(record)} field(s) where the header has {width}"
                + spans
                + (" (the file ends mid-row: truncated?)" if cut and not spans else ""),
                file=path,
                row=start,
            )


def _check_header(header: list[str], path: Path) -> None:
    """Repeated column names: pandas renames them one by one, quadratic in their number.

    Blank names are left alone (published files have several; pandas numbers them linearly).
    """
    seen: set[str] = set()
    repeated = sorted({name for name in header if name and (name in seen or seen.add(name))})
    if repeated:
        shown = ", ".join(repr(name) for name in repeated[:5])
        more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
        raise DataError(f"repeats column name(s) {shown}{more} in its header", file=path, row=1)


def read_csv(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    encoding: str = "utf-8",
    lineterminator: str | None = None,
    dtype: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a CSV strictly: a missing, empty, undecodable, ragged (e.g. cut-off) or column-less
    file is a DataError; the file is decoded and its rows counted before pandas reads it."""
    path = Path(path)
    _check_file(path)
    data = path.read_bytes()
    newline = b"\r" if lineterminator == "\r" else b"\n"
    _check_records(_decode(data, encoding, newline, path), lineterminator, path)
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
    except pd.errors.ParserError as exc:
        raise DataError(f"malformed CSV: {exc}", file=path) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError("file has no columns", file=path) from exc
    require_columns(frame, required, path)
    return frame


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise DataError("file is missing (run `hopeful fetch`?)", file=path)
    if path.stat().st_size == 0:
        raise DataError("file is empty", file=path)


def read_rda(path: str | Path, *, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read the single data frame stored in an R .rda file."""
    import pyreadr

    path = Path(path)
    _check_file(path)
    try:
        result = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own LibrdataError and others
        raise DataError(f"not a readable R data file: {exc}", file=path) from exc
    if len(result) != 1:
        raise DataError(f"expected one data frame, found {len(result)}", file=path)
    frame = next(iter(result.values()))
    require_columns(frame, required, path)
    return frame


def read_parquet(path: str | Path, *, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read an Apache Parquet file; a truncated or non-Parquet file is a DataError."""
    import pyarrow

    path = Path(path)
    _check_file(path)
    try:
        frame = pd.read_parquet(path)
    except (pyarrow.ArrowException, OSError) as exc:
        raise DataError(f"not a readable Parquet file: {exc}", file=path) from exc
    require_columns(frame, required, path)
    return frame


def read_excel(
    path: str | Path, *, sheet: str, header: int = 0, required: Iterable[str] = ()
) -> pd.DataFrame:
    """Read one sheet of an .xls or .xlsx workbook; `header` is the 0-based row of the column
    names (ONS workbooks put titles above them). A missing sheet names the sheets there are."""
    from python_calamine import CalamineError

    path = Path(path)
    _check_file(path)
    try:
        with pd.ExcelFile(path, engine="calamine") as book:
            if sheet not in book.sheet_names:
                raise DataError(f"has no sheet {sheet!r}; sheets: {book.sheet_names}", file=path)
            frame = pd.read_excel(book, sheet_name=sheet, header=header)
    except (CalamineError, OSError, ValueError) as exc:
        raise DataError(f"not a readable Excel workbook: {exc}", file=path) from exc
    require_columns(frame, required, path)
    return frame


def read_json(path: str | Path, *, encoding: str = "utf-8") -> Any:
    """Parse a JSON file; a syntax error names its line."""
    path = Path(path)
    _check_file(path)
    text = _decode(path.read_bytes(), encoding, b"\n", path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", file=path, row=exc.lineno
        ) from exc


def read_geo(path: str | Path, *, required: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """Read a GeoJSON file or a shapefile (its .shx, .dbf and .prj beside the .shp) with its
    coordinate reference system; a file without one (a shapefile missing its .prj) is an error,
    since coordinates in an unknown system cannot be joined to anything."""
    import geopandas
    from pyogrio.errors import DataLayerError, DataSourceError

    path = Path(path)
    _check_file(path)
    try:
        frame = geopandas.read_file(path)
    except (DataSourceError, DataLayerError) as exc:
        raise DataError(f"not a readable geographic file: {exc}", file=path) from exc
    if frame.crs is None:
        raise DataError(
            "has no coordinate reference system (a shapefile's .prj missing?)", file=path
        )
    require_columns(frame, required, path)
    return frame


def require_columns(frame: pd.DataFrame, required: Iterable[str], path: str | Path) -> None:
    """DataError naming the file and what it has when a required column is missing."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing required column(s) {missing}; found {_columns_text(frame)}",
            file=path,
            column=missing[0],
        )


def _columns_text(frame: pd.DataFrame) -> str:
    """The columns found, cut short: a file read with the wrong line ending has thousands."""
    names = [str(c) for c in frame.columns]
    more = len(names) - _SHOWN_COLUMNS
    shown = [repr(n[:40]) for n in names[:_SHOWN_COLUMNS]]
    return "[" + ", ".join(shown) + (f", … and {more} more" if more > 0 else "") + "]"


def fail_at(
    frame: pd.DataFrame, column: str, bad: pd.Series, path: str | Path, message: str
) -> None:
    """DataError at the first row where `bad` is True (or missing), naming the file's row:
    counted from the index label, so a frame filtered after reading still names it."""
    bad = bad.fillna(True).astype(bool).to_numpy()
    if bad.any():
        pos = int(bad.nonzero()[0][0])
        value = frame[column].iloc[pos]
        raise DataError(
            f"{message} (value {value!r})", file=path, column=column, row=row_number(frame, pos)
        )


def check_unique(frame: pd.DataFrame, column: str, path: str | Path) -> None:
    """DataError naming the file, column and first row where `column` repeats a value."""
    dup = frame[column].duplicated(keep="first")
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(
            f"duplicate value {_shown(frame[column].iloc[pos])!r}",
            file=path,
            column=column,
            row=row_number(frame, pos),
        )


def check_codes(frame: pd.DataFrame, column: str, kind: str, path: str | Path) -> None:
    """Every value must be an ONS code of `kind`: an MSOA code where an LSOA is expected fails."""
    pattern = re.compile(CODE_PATTERNS[kind])
    values = frame[column]
    bad = ~values.astype("string").fillna("").str.match(pattern)
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{_shown(values.iloc[pos])!r} is not a {kind.upper()} code",
            file=path,
            column=column,
            row=row_number(frame, pos),
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
            f"{_shown(raw.iloc[pos])!r} is not a number",
            file=path,
            column=column,
            row=row_number(frame, pos),
        )
    if not allow_missing and values.isna().any():
        pos = int(values.isna().to_numpy().nonzero()[0][0])
        raise DataError("value is missing", file=path, column=column, row=row_number(frame, pos))
    if low is not None:
        below = values < low if low_inclusive else values <= low
        if below.any():
            pos = int(below.to_numpy().nonzero()[0][0])
            op = ">=" if low_inclusive else ">"
            raise DataError(
                f"{_shown(values.iloc[pos])!r} is out of range (must be {op} {low})",
                file=path,
                column=column,
                row=row_number(frame, pos),
            )
    if high is not None:
        above = values > high
        if above.any():
            pos = int(above.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{_shown(values.iloc[pos])!r} is out of range (must be <= {high})",
                file=path,
                column=column,
                row=row_number(frame, pos),
            )
    return values
