"""`hopeful prepare`: raw mirror files → data/interim (one validated, tidy table per raw file)
→ LSOA, town and local-authority tables in data/processed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hopeful import __version__, atomic, sources, stamps
from hopeful.errors import DataError
from hopeful.prepare import (
    constituencies,
    districts,
    geography,
    iod,
    lsoa,
    map_layers,
    raw_tables,
    wellbeing,
)
from hopeful.processed import (
    TOWN_ID_COLUMNS,
    data_dictionary,
    update_provenance,
    validate_towns,
    write_csv,
    write_parquet,
)

N_ENGLAND_LSOA = 32_844
N_WALES_LSOA = 1_909


# Outputs `score` rewrites: the stamp only requires them to exist.
SHARED_OUTPUTS = ("towns.csv", "towns.parquet", "data_dictionary.csv", "provenance.json")
OWN_OUTPUTS = (
    "lsoa.parquet",
    "local_authorities.csv",
    "town_constituencies.csv",
    "map_layers.parquet",
)


@dataclass
class PrepareReport:
    """What `prepare` wrote and how many towns and areas its tables cover."""

    outputs: list[Path] = field(default_factory=list)
    coverage: dict = field(default_factory=dict)
    skipped: bool = False


def stamp_path(interim_dir: Path) -> Path:
    """data/interim/prepare.stamp.json, beside the tables prepare writes there."""
    return Path(interim_dir) / "prepare.stamp.json"


def _key(raw_dir: Path, processed_dir: Path) -> dict:
    """Every registered raw file by sha256 (verified before), the fetch record, the code."""
    raw: dict[str, str | Path] = {f"raw/{ds.id}": ds.sha256 for ds in sources.load_registry()}
    if (Path(raw_dir) / "provenance.json").is_file():
        raw["raw/provenance.json"] = Path(raw_dir) / "provenance.json"
    where = {"processed_dir": str(Path(processed_dir).resolve())}
    return stamps.step_key(stamps.code_digest("prepare"), raw, where)


def is_fresh(raw_dir: Path, interim_dir: Path, processed_dir: Path) -> bool:
    """Inputs and code unchanged since the last run, and its outputs still there."""
    shared = all((Path(processed_dir) / n).is_file() for n in SHARED_OUTPUTS)
    return shared and stamps.is_fresh(stamp_path(interim_dir), _key(raw_dir, processed_dir))


def read_sources(raw_dir: Path) -> dict | None:
    """The fetch record of the raw files the pipeline reads (those with a reader) and their
    folders: reports cite what was used, not every file the registry knows."""
    path = Path(raw_dir) / "provenance.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    used = [d for d in record.get("datasets", []) if d["id"] in raw_tables.READERS]
    folders = {d["source"] for d in used}
    return {
        **record,
        "datasets": used,
        "sources": {k: v for k, v in record.get("sources", {}).items() if k in folders},
    }


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


def prepare(
    raw_dir: Path,
    interim_dir: Path,
    processed_dir: Path,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> PrepareReport:
    """Read every raw file once into interim_dir, then build every processed table from those
    tables; nothing is written unless every raw file validates.

    Skipped (report.skipped) when the raw files and the code are unchanged, unless `force`.
    """
    problems = sources.verify(raw_dir)
    if problems:
        raise DataError(
            "raw data are missing or changed; run `hopeful fetch`:\n  " + "\n  ".join(problems),
            file=raw_dir,
        )
    if not force and is_fresh(raw_dir, interim_dir, processed_dir):
        return PrepareReport(skipped=True)
    progress("reading and validating the raw files into data/interim")
    interim_tables = raw_tables.write_all(raw_dir, interim_dir, progress)
    progress("reading LSOA tables")
    table = lsoa.lsoa_table(interim_dir)
    table["uk_imd_rank_n"] = lsoa.uk_area_count(interim_dir)
    progress("building the town universe and lookups")
    universe = geography.town_universe(interim_dir)
    lsoa_town = geography.lsoa11_to_town(interim_dir)
    lsoa_lad = geography.lsoa11_to_lad(interim_dir)
    table = table.merge(lsoa_town, on="lsoa11_code", how="left", validate="one_to_one")
    table = table.merge(lsoa_lad, on="lsoa11_code", how="left", validate="one_to_one")
    universe = geography.assign_town_lads(
        universe, lsoa_town, lsoa_lad, table[["lsoa11_code", "population"]]
    )
    progress("aggregating LSOAs to towns and local authorities")
    towns = town_table(table, universe)
    towns = towns.merge(
        wellbeing.town_wellbeing(interim_dir, towns), on="town_code", validate="one_to_one"
    )
    towns = towns[[*TOWN_ID_COLUMNS, *[c for c in towns.columns if c not in TOWN_ID_COLUMNS]]]
    validate_towns(towns)
    las = local_authority_table(table, districts.lsoa11_to_lad19(interim_dir))
    lsoa_out = table.drop(columns=["uk_imd_rank_n"])
    progress("placing the LSOAs in the July 2024 constituencies")
    lsoa_pcon, point_counts = constituencies.lsoa11_to_pcon24(interim_dir, table["lsoa11_code"])
    town_pcon = constituencies.town_constituencies(
        lsoa_pcon, table[["lsoa11_code", "town_code", "population"]]
    )

    progress("preparing the map layers (land, local authorities, town points)")
    layers = map_layers.map_layers(interim_dir, table[["lsoa11_code", "town_code"]])

    dictionary = data_dictionary(
        {"towns": towns, "local_authorities": las, "town_constituencies": town_pcon}
    )
    processed_dir = Path(processed_dir)
    outputs = {
        "towns.csv": lambda p: write_csv(towns, p),
        "towns.parquet": lambda p: write_parquet(towns, p),
        "lsoa.parquet": lambda p: write_parquet(lsoa_out, p),
        "local_authorities.csv": lambda p: write_csv(las, p),
        "town_constituencies.csv": lambda p: write_csv(town_pcon, p),
        "map_layers.parquet": lambda p: write_parquet(layers, p),
        "data_dictionary.csv": lambda p: write_csv(dictionary, p),
    }
    report = PrepareReport()
    fields = {"package": "hopeful", "version": __version__, "sources": read_sources(raw_dir)}
    # One set: written into a staging folder, moved into place only when all are written.
    with atomic.staged_dir(processed_dir) as stage:
        for name, writer in outputs.items():
            writer(stage / name)
        update_provenance(processed_dir, outputs, fields, fresh=True, stage=stage)
    report.outputs += [processed_dir / n for n in [*outputs, "provenance.json"]]
    stamps.write_stamp(
        stamp_path(interim_dir),
        _key(raw_dir, processed_dir),
        [*interim_tables, *(processed_dir / n for n in OWN_OUTPUTS)],
    )
    report.coverage = {**geography.coverage(interim_dir), **point_counts}
    return report
