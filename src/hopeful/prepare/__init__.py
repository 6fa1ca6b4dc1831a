"""`hopeful prepare`: raw mirror files → validated, tidy LSOA, town and local-authority tables."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from hopeful import __version__, atomic, sources
from hopeful.errors import DataError
from hopeful.prepare import districts, geography, iod, lsoa

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

N_ENGLAND_LSOA = 32_844
N_WALES_LSOA = 1_909


@dataclass
class PrepareReport:
    """What `prepare` wrote and how many towns and areas its tables cover."""

    outputs: list[Path] = field(default_factory=list)
    coverage: dict = field(default_factory=dict)


def column_dictionary() -> pd.DataFrame:
    """The declarative column dictionary shipped with the package."""
    text = resources.files("hopeful").joinpath("data/columns.csv").read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text))


def town_table(lsoa_table: pd.DataFrame, universe: pd.DataFrame) -> pd.DataFrame:
    """One row per town: identity, size, age and deprivation aggregated from its LSOAs."""
    towns = universe.copy()
    in_town = lsoa_table.dropna(subset=["town_code"])
    grouped = in_town.groupby("town_code")
    towns = towns.set_index("town_code")
    towns["n_lsoa"] = grouped.size().reindex(towns.index).fillna(0).astype("int64")
    towns["population_2019"] = grouped["population"].sum().reindex(towns.index).astype("Int64")
    towns["share_65plus"] = (
        grouped["population_65plus"].sum() / grouped["population"].sum()
    ).reindex(towns.index)

    # A cross-border town (Chester) gets its own nation's measures from that nation's LSOAs only.
    town_nation = in_town["town_code"].map(towns["nation"])
    england = in_town[(in_town["nation"] == "England") & (town_nation == "England")]
    wales = in_town[(in_town["nation"] == "Wales") & (town_nation == "Wales")]
    imd = iod.aggregate(
        england,
        "town_code",
        score="imd19_score",
        rank="imd19_rank",
        population="population",
        n_areas=N_ENGLAND_LSOA,
        prefix="imd19",
    )
    wimd = iod.aggregate(
        wales,
        "town_code",
        score="wimd19_score",
        rank="wimd19_rank",
        population="population",
        n_areas=N_WALES_LSOA,
        prefix="wimd19",
    )
    keep = ["score", "proportion", "extent"]
    towns = towns.join(imd[[f"imd19_{k}" for k in keep]])
    for rate in ("imd19_income_score", "imd19_employment_score"):
        towns[rate] = iod.weighted_mean(england, "town_code", rate, "population")
    towns = towns.join(wimd[[f"wimd19_{k}" for k in keep]])
    n_uk = int(lsoa_table["uk_imd_rank_n"].iloc[0])
    uk = iod.aggregate(
        in_town,
        "town_code",
        score="uk_imd_score",
        rank="uk_imd_rank",
        population="population",
        n_areas=n_uk,
        prefix="uk_imd",
    )
    towns = towns.join(uk[["uk_imd_score", "uk_imd_proportion"]])
    towns = towns.reset_index()
    return towns.sort_values("town_code").reset_index(drop=True)


def local_authority_table(lsoa_table: pd.DataFrame, lsoa_lad19: pd.DataFrame) -> pd.DataFrame:
    """English 2019 districts summarised the MHCLG way (IoD2019 File 10), with the town functions.

    As in File 10, the employment rate is averaged over working-age people (18-64 here).
    """
    england = lsoa_table[lsoa_table["nation"] == "England"].drop(columns=["lad_code", "lad_name"])
    england = england.merge(lsoa_lad19, on="lsoa11_code", how="left", validate="one_to_one")
    imd = iod.aggregate(
        england,
        "lad_code",
        score="imd19_score",
        rank="imd19_rank",
        population="population",
        n_areas=N_ENGLAND_LSOA,
        prefix="imd19",
    )
    names = england.groupby("lad_code")["lad_name"].first()
    out = pd.DataFrame(
        {
            "lad_code": imd.index,
            "lad_name": names.reindex(imd.index).to_numpy(),
            "n_lsoa": imd["imd19_n_lsoa"].to_numpy(),
            "population_2019": imd["imd19_population"].to_numpy(),
            "imd19_score": imd["imd19_score"].to_numpy(),
            "imd19_proportion": imd["imd19_proportion"].to_numpy(),
            "imd19_extent": imd["imd19_extent"].to_numpy(),
        }
    )
    for rate, weight in (
        ("imd19_income_score", "population"),
        ("imd19_employment_score", "population_18_64"),
    ):
        out[rate] = (
            iod.weighted_mean(england, "lad_code", rate, weight).reindex(out["lad_code"]).to_numpy()
        )
    return out.sort_values("lad_code").reset_index(drop=True)


def validate_towns(towns: pd.DataFrame, path: str = "towns.csv") -> None:
    """The contract of towns.csv: identifiers present, codes unique, values in range."""
    from hopeful import load

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


def data_dictionary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
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


def _round_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed precision so that processed files are byte-identical across platforms and runs."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(6)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Atomic CSV with rounded floats, so outputs are byte-identical run to run."""
    buffer = io.StringIO()
    _round_floats(frame).to_csv(buffer, index=False, lineterminator="\n")
    atomic.write_text(path, buffer.getvalue())


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Atomic zstd parquet with rounded floats, so outputs are byte-identical run to run."""
    with atomic.atomic_path(path) as tmp:
        _round_floats(frame).to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def sha256_file(path: Path) -> str:
    """sha256 hex digest of a file's bytes, for provenance.json."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(
    raw_dir: Path,
    processed_dir: Path,
    progress: Callable[[str], None] = lambda _msg: None,
) -> PrepareReport:
    """Build every processed table; nothing is written unless all of them validate."""
    problems = sources.verify(raw_dir)
    if problems:
        raise DataError(
            "raw data are missing or changed; run `hopeful fetch`:\n  " + "\n  ".join(problems),
            file=raw_dir,
        )
    progress("reading LSOA tables")
    table = lsoa.lsoa_table(raw_dir)
    table["uk_imd_rank_n"] = lsoa.uk_area_count(raw_dir)
    progress("building the town universe and lookups")
    universe = geography.town_universe(raw_dir)
    lsoa_town = geography.lsoa11_to_town(raw_dir)
    lsoa_lad = geography.lsoa11_to_lad(raw_dir)
    table = table.merge(lsoa_town, on="lsoa11_code", how="left", validate="one_to_one")
    table = table.merge(lsoa_lad, on="lsoa11_code", how="left", validate="one_to_one")
    universe = geography.assign_town_lads(
        universe, lsoa_town, lsoa_lad, table[["lsoa11_code", "population"]]
    )
    progress("aggregating LSOAs to towns and local authorities")
    towns = town_table(table, universe)
    towns = towns[[*TOWN_ID_COLUMNS, *[c for c in towns.columns if c not in TOWN_ID_COLUMNS]]]
    validate_towns(towns)
    las = local_authority_table(table, districts.lsoa11_to_lad19(raw_dir))
    lsoa_out = table.drop(columns=["uk_imd_rank_n"])

    dictionary = data_dictionary({"towns": towns, "local_authorities": las})
    processed_dir = Path(processed_dir)
    outputs = {
        "towns.csv": lambda p: write_csv(towns, p),
        "towns.parquet": lambda p: write_parquet(towns, p),
        "lsoa.parquet": lambda p: write_parquet(lsoa_out, p),
        "local_authorities.csv": lambda p: write_csv(las, p),
        "data_dictionary.csv": lambda p: write_csv(dictionary, p),
    }
    report = PrepareReport()
    for name, writer in outputs.items():
        writer(processed_dir / name)
        report.outputs.append(processed_dir / name)
    provenance = {
        "package": "hopeful",
        "version": __version__,
        "sources": json.loads((Path(raw_dir) / "provenance.json").read_text(encoding="utf-8"))
        if (Path(raw_dir) / "provenance.json").is_file()
        else None,
        "outputs": {name: sha256_file(processed_dir / name) for name in sorted(outputs)},
    }
    atomic.write_text(
        processed_dir / "provenance.json", json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    )
    report.outputs.append(processed_dir / "provenance.json")
    report.coverage = geography.coverage(raw_dir)
    return report
