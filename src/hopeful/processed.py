"""The contract of data/processed/: the one place that reads and writes its tables.

`prepare` and `score` write through here (fixed float precision, atomic writes, provenance);
the CLI, the report views and so the notebooks read through here (one dtype map for
towns.csv). The column dictionary that documents every column and the checks that towns.csv
must pass live here too, so a reader and a writer cannot disagree about a table.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hopeful import atomic, load
from hopeful.errors import DataError
from hopeful.file_hash import sha256_file, sha256_files

__all__ = [
    "TOWNS_DTYPES",
    "TOWN_ID_COLUMNS",
    "column_dictionary",
    "data_dictionary",
    "read_json",
    "read_table",
    "read_town_constituencies",
    "read_towns",
    "sha256_file",
    "sha256_files",
    "check_units",
    "town_units",
    "unit_ranges",
    "update_provenance",
    "validate_towns",
    "verify_outputs",
    "write_csv",
    "write_parquet",
]

# Text columns that look like numbers or could be mistaken for them; everything else is inferred.
TOWNS_DTYPES = dict.fromkeys(["town_code", "town_name", "lad_code", "lad_name"], "str")
LOCAL_AUTHORITIES_DTYPES = {"lad_code": "str"}

TOWN_ID_COLUMNS = [
    "town_code",
    "town_name",
    "nation",
    "region",
    "lad_code",
    "lad_name",
    "size_class",
    "population",
]

PROVENANCE = "provenance.json"


def read_towns(processed_dir: str | Path) -> pd.DataFrame:
    """towns.csv with its dtype map; missing or malformed is a DataError, not a traceback."""
    path = Path(processed_dir) / "towns.csv"
    if not path.is_file():
        raise DataError("towns.csv is missing: run `hopeful prepare` first", file=path)
    # .copy() consolidates the ~150 columns read_csv leaves as separate blocks.
    towns = load.read_csv(path, required=["town_code", "town_name"], dtype=TOWNS_DTYPES).copy()
    if towns.empty:
        raise DataError("has a header but no towns (an interrupted `hopeful prepare`?)", file=path)
    load.check_unique(towns, "town_code", path)
    check_units(towns, town_units(processed_dir), path)
    if {"index_score", "index_rank"} <= set(towns.columns):
        unranked = towns["index_score"].notna() & towns["index_rank"].isna()
        if unranked.any():
            pos = int(unranked.to_numpy().nonzero()[0][0])
            raise DataError(
                "has an index score but no rank (rerun `hopeful score`)",
                file=path,
                column="index_rank",
                row=load.row_number(towns, pos),
            )
    return towns


def unit_ranges() -> pd.DataFrame:
    """What each unit of the data dictionary allows (data/unit_ranges.csv), by unit."""
    text = resources.files("hopeful").joinpath("data/unit_ranges.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text)).set_index("unit")


def town_units(processed_dir: str | Path) -> dict[str, str]:
    """The unit of each towns.csv column: from the data dictionary written with it, else from
    the package's column dictionary (a prepared but unscored folder)."""
    path = Path(processed_dir) / "data_dictionary.csv"
    table = pd.read_csv(path) if path.is_file() else column_dictionary()
    towns = table[table["table"] == "towns"]
    return dict(zip(towns["column"], towns["unit"], strict=True))


def check_units(frame: pd.DataFrame, units: Mapping[str, str], path: str | Path) -> None:
    """Every column whose unit has a range holds numbers in it: a hand-edited 7.5 where a
    fraction belongs, a rank of 0 or text in a count is a DataError naming column and row."""
    ranges = unit_ranges()
    for column, unit in units.items():
        if column not in frame.columns or unit not in ranges.index:
            continue
        rule = ranges.loc[unit]
        low, high = float(rule["low"]), float(rule["high"])  # high NaN: unbounded
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            array = values.to_numpy(dtype=float)
            whole = rule["whole_number"] != "yes" or bool(
                np.all(np.isnan(array) | (array % 1 == 0))
            )
            if (
                not (np.nanmin(array, initial=low) < low or np.nanmax(array, initial=low) > high)
                and whole
            ):
                continue  # the common case, checked in one pass; otherwise name the row below
        values = load.check_numeric(
            frame,
            column,
            path,
            low=low,
            high=None if np.isnan(high) else high,
            allow_missing=True,
        )
        fractional = values.notna() & (values % 1 != 0)
        if rule["whole_number"] == "yes" and fractional.any():
            pos = int(fractional.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{values.iloc[pos]!r} is not a whole number ({unit})",
                file=path,
                column=column,
                row=load.row_number(frame, pos),
            )


def read_local_authorities(processed_dir: str | Path) -> pd.DataFrame:
    """local_authorities.csv as `hopeful prepare` wrote it."""
    path = Path(processed_dir) / "local_authorities.csv"
    return load.read_csv(path, required=["lad_code"], dtype=LOCAL_AUTHORITIES_DTYPES)


def read_town_constituencies(processed_dir: str | Path) -> pd.DataFrame:
    """town_constituencies.csv: each town's population share per July 2024 constituency."""
    path = Path(processed_dir) / "town_constituencies.csv"
    if not path.is_file():
        raise DataError("town_constituencies.csv is missing: run `hopeful prepare`", file=path)
    cols = ["town_code", "pcon24_code", "pcon24_name", "population_share"]
    frame = load.read_csv(path, required=cols, dtype=dict.fromkeys(cols[:3], "str"))
    load.check_numeric(frame, "population_share", path, low=0, high=1)
    return frame[cols]


def read_table(processed_dir: str | Path, name: str) -> pd.DataFrame:
    """Any other processed CSV (criteria, peers, audits, model tables), by relative name."""
    return pd.read_csv(Path(processed_dir) / name)


def read_json(processed_dir: str | Path, name: str) -> Any:
    """A processed JSON file (score_summary.json, models/leave_la.json), by relative name."""
    return json.loads((Path(processed_dir) / name).read_text(encoding="utf-8"))


def column_dictionary() -> pd.DataFrame:
    """The declarative column dictionary shipped with the package (data/columns.csv)."""
    text = resources.files("hopeful").joinpath("data/columns.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text))


def data_dictionary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every output column with meaning, unit, source and year; a column without one is an error."""
    columns = column_dictionary()
    rows = []
    for table, frame in tables.items():
        known = columns[columns["table"] == table].set_index("column")
        for col in frame.columns:
            if col not in known.index:
                raise DataError(
                    f"column {col!r} of {table} has no entry in the column dictionary",
                    file="src/hopeful/data/columns.csv",
                    column=col,
                )
            rows.append({"table": table, "column": col, **known.loc[col].to_dict()})
    return pd.DataFrame(rows)


def validate_towns(towns: pd.DataFrame, path: str = "towns.csv") -> None:
    """The contract of towns.csv: identifiers present, codes unique, values in range."""
    load.require_columns(towns, TOWN_ID_COLUMNS, path)
    load.check_unique(towns, "town_code", path)
    load.check_codes(towns, "town_code", "town", path)
    load.check_numeric(towns, "population", path, low=5_000, high=225_000)
    for col in (
        "share_65plus",
        "imd19_proportion",
        "imd19_extent",
        "wimd19_proportion",
        "wimd19_extent",
        "uk_imd_proportion",
        "imd19_income_score",
        "imd19_employment_score",
    ):
        load.check_numeric(towns, col, path, low=0, high=1, allow_missing=True)
    bad = ~towns["size_class"].isin(["small", "medium", "large"])
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"unknown size class {towns['size_class'].iloc[pos]!r}",
            file=path,
            column="size_class",
            row=pos + 2,
        )


def _round_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed precision so that processed files are byte-identical across platforms and runs."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(6)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A processed CSV: floats to 6 decimals, LF line endings, no index, written atomically."""
    buffer = io.StringIO()
    _round_floats(frame).to_csv(buffer, index=False, lineterminator="\n")
    atomic.write_text(path, buffer.getvalue())


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A processed Parquet file (zstd), floats to 6 decimals, written atomically."""
    with atomic.atomic_path(path) as tmp:
        _round_floats(frame).to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def update_provenance(
    processed_dir: Path,
    outputs: Iterable[str],
    fields: Mapping[str, Any],
    *,
    fresh: bool = False,
    stage: Path | None = None,
) -> Path:
    """Record `fields` and the sha256 of every output in provenance.json.

    `fresh` starts a new record (prepare); otherwise the existing one is kept and the output
    hashes are refreshed for its outputs and the new ones (score). With `stage` (a staging
    folder of `atomic.staged_dir`), the record is written there and a file is hashed from
    there when the stage holds it, so it vouches for the set about to be moved in place.
    """
    processed_dir = Path(processed_dir)
    prov = {} if fresh else json.loads((processed_dir / PROVENANCE).read_text(encoding="utf-8"))
    prov.update(fields)
    where = Path(stage) if stage is not None else processed_dir

    def digest(name: str) -> str:
        staged = where / name
        return sha256_file(staged if staged.is_file() else processed_dir / name)

    prov["outputs"] = {n: digest(n) for n in sorted(set(prov.get("outputs", {})) | set(outputs))}
    path = where / PROVENANCE
    atomic.write_text(path, json.dumps(prov, indent=2, sort_keys=True) + "\n")
    return path


def verify_outputs(processed_dir: str | Path, names: Iterable[str] | None = None) -> None:
    """Check processed files against the sha256 provenance.json records for them.

    Reports trust what `prepare` and `score` wrote, so a file edited by hand or left by an
    interrupted run (its hash no longer the recorded one) is a DataError naming it, before
    anything is rendered. `names` limits the check (default: every recorded output); a name
    the record does not list is not checked. A folder without provenance.json (one built by
    hand, as tests do) is not checked.
    """
    processed_dir = Path(processed_dir)
    record_path = processed_dir / PROVENANCE
    if not record_path.is_file():
        return
    try:
        recorded = json.loads(record_path.read_text(encoding="utf-8"))["outputs"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise DataError(
            f"not a readable provenance record ({exc}); re-run `hopeful score`", file=record_path
        ) from exc
    wanted = sorted(recorded) if names is None else sorted(set(names) & set(recorded))
    for name in wanted:
        path = processed_dir / name
        if not path.is_file():
            raise DataError(
                f"is missing but recorded in {PROVENANCE}; re-run `hopeful score`", file=path
            )
        if sha256_file(path) != recorded[name]:
            raise DataError(
                f"does not match the sha256 recorded in {PROVENANCE} (edited by hand, or left "
                "by an interrupted run); re-run `hopeful score`",
                file=path,
            )
