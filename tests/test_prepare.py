"""Processed tables on the real mirror: contract, pilots, MHCLG agreement, determinism."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from hopeful import paths, prepare
from hopeful.errors import DataError
from hopeful.prepare import raw_tables
from hopeful.processed import TOWN_ID_COLUMNS, validate_towns

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "iod2019_lad_summaries_reference.csv"

pytestmark = pytest.mark.real_data("raw")


@pytest.fixture(scope="module")
def towns(prepared: Path) -> pd.DataFrame:
    return pd.read_csv(prepared / "towns.csv", dtype={"town_code": str})


def test_every_reader_writes_its_interim_table(prepared: Path) -> None:
    written = {p.name for p in (prepared.parent / "interim").glob("*.parquet")}
    assert written == {f"{dataset_id}.parquet" for dataset_id in raw_tables.READERS}


def test_every_output_is_written(prepared: Path) -> None:
    names = {p.name for p in prepared.iterdir()}
    assert {
        "towns.csv",
        "towns.parquet",
        "lsoa.parquet",
        "local_authorities.csv",
        "town_constituencies.csv",
        "data_dictionary.csv",
        "provenance.json",
    } <= names
    assert not [n for n in names if n.endswith(".tmp")]


def test_towns_contract(towns: pd.DataFrame) -> None:
    assert list(towns.columns[:8]) == TOWN_ID_COLUMNS
    assert towns["town_code"].is_unique
    assert len(towns) >= 1150
    assert set(towns["nation"]) == {"England", "Wales"}
    assert towns["population"].between(5_000, 225_000).all()
    assert towns["lad_code"].notna().all() and towns["region"].notna().all()
    english = towns[towns["nation"] == "England"]
    welsh = towns[towns["nation"] == "Wales"]
    assert english["imd19_score"].notna().mean() > 0.99 and english["wimd19_score"].isna().all()
    assert welsh["wimd19_score"].notna().mean() > 0.99 and welsh["imd19_score"].isna().all()
    assert towns["uk_imd_score"].notna().mean() > 0.99


@pytest.mark.parametrize(
    "code, name, nation, lad",
    [
        ("W38000144", "Port Talbot", "Wales", "Neath Port Talbot"),
        ("E35001042", "Gravesend", "England", "Gravesham"),
        ("E35000225", "Northfleet", "England", "Gravesham"),
    ],
)
def test_pilot_towns_are_present(
    towns: pd.DataFrame, code: str, name: str, nation: str, lad: str
) -> None:
    row = towns.set_index("town_code").loc[code]
    assert (row["town_name"], row["nation"], row["lad_name"]) == (name, nation, lad)


def test_town_measures_by_hand(prepared: Path, towns: pd.DataFrame) -> None:
    """Gravesend's IMD score and 65+ share recomputed from its LSOA rows."""
    lsoa = pd.read_parquet(prepared / "lsoa.parquet")
    mine = lsoa[lsoa["town_code"] == "E35001042"]
    row = towns.set_index("town_code").loc["E35001042"]
    weights = mine["population"]
    assert row["imd19_score"] == pytest.approx(
        (mine["imd19_score"] * weights).sum() / weights.sum(), abs=1e-6
    )
    assert row["share_65plus"] == pytest.approx(
        mine["population_65plus"].sum() / weights.sum(), abs=1e-6
    )
    in_top10 = (mine["imd19_rank"] <= 3284.4).sum()  # ceil(100 r / 32844) <= 10
    assert row["imd19_proportion"] == pytest.approx(in_top10 / len(mine), abs=1e-6)


def test_local_authorities_match_mhclg_file_10(prepared: Path) -> None:
    """Proportions are count ratios, so they must equal the published IoD2019 values."""
    las = pd.read_csv(prepared / "local_authorities.csv").set_index("lad_code")
    assert (las.index.str.startswith("E")).all() and len(las) == 317
    ref = pd.read_csv(REFERENCE)
    ref = ref[(ref["domain"] == "IMD")].dropna(subset=["proportion_most_deprived_10pct"])
    ours = las["imd19_proportion"].reindex(ref["lad19_code"]).to_numpy()
    assert (abs(ours - ref["proportion_most_deprived_10pct"].to_numpy()) <= 0.5e-4).all()
    assert las["imd19_score"].idxmax() == "E06000009"  # Blackpool, as published
    ranked = las["imd19_score"].rank(ascending=False)
    for code, published in [("E08000011", 2), ("E08000012", 3), ("E06000010", 4), ("E06000002", 5)]:
        assert ranked[code] == published
    for col in ("imd19_income_score", "imd19_employment_score", "imd19_extent", "imd19_proportion"):
        assert las[col].between(0, 1).all()


def test_data_dictionary_covers_every_column(prepared: Path, towns: pd.DataFrame) -> None:
    dictionary = pd.read_csv(prepared / "data_dictionary.csv")
    listed = set(dictionary.loc[dictionary["table"] == "towns", "column"])
    assert listed == set(towns.columns)
    assert dictionary[["meaning", "unit", "source", "year"]].notna().all().all()


def test_prepare_is_deterministic(prepared: Path, tmp_path: Path) -> None:
    prepare.prepare(paths.raw_dir(), tmp_path / "interim", tmp_path)
    for dataset_id in raw_tables.READERS:
        name = f"{dataset_id}.parquet"
        assert filecmp.cmp(
            prepared.parent / "interim" / name, tmp_path / "interim" / name, shallow=False
        ), name
    for name in [
        "towns.csv",
        "towns.parquet",
        "lsoa.parquet",
        "local_authorities.csv",
        "town_constituencies.csv",
        "data_dictionary.csv",
        "provenance.json",
    ]:
        assert filecmp.cmp(prepared / name, tmp_path / name, shallow=False), name


def test_invalid_town_table_is_reported_with_row() -> None:
    bad = pd.DataFrame(
        {c: ["x"] for c in TOWN_ID_COLUMNS}
        | {"town_code": ["E35001042"], "population": [4_000], "size_class": ["small"]}
    )
    with pytest.raises(DataError) as err:
        validate_towns(bad)
    assert (err.value.column, err.value.row) == ("population", 2)
