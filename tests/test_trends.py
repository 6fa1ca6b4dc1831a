"""The trend table `hopeful score` writes (data/processed/trends.csv), on the real mirror."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hopeful.indicators import trends

pytestmark = pytest.mark.real_data("raw")

EXPECTED_PERIODS = {
    "deprivation": ["2019", "2025"],
    "population": ["2011", "2021"],
    "pay": [str(y) for y in range(2008, 2026)],
    "life_satisfaction": [f"{y}/{(y + 1) % 100:02d}" for y in range(2011, 2023)],
    "pubs": [str(y) for y in range(2001, 2019)],
}


@pytest.fixture(scope="module")
def table(scored: Path) -> pd.DataFrame:
    return pd.read_csv(scored / "trends.csv", dtype={"area_code": str, "period": str})


@pytest.fixture(scope="module")
def towns(scored: Path) -> pd.DataFrame:
    return pd.read_csv(scored / "towns.csv", dtype={"town_code": str, "lad_code": str})


def test_columns_and_measures_match_the_measure_file(table: pd.DataFrame) -> None:
    assert list(table.columns) == trends.COLUMNS
    described = trends.measures().set_index("measure")
    assert set(table["measure"]) == set(described.index) == set(EXPECTED_PERIODS)
    types = table.groupby("measure")["area_type"].unique()
    for measure, kinds in types.items():
        assert list(kinds) == [described.at[measure, "area_type"]], measure
    assert table["value"].notna().all()


def test_every_period_is_present(table: pd.DataFrame) -> None:
    for measure, periods in EXPECTED_PERIODS.items():
        rows = table[table["measure"] == measure]
        assert sorted(rows["period"].unique()) == periods, measure
        assert (rows["period"].str[:4].astype(int) == rows["year"]).all(), measure


def test_town_measures_cover_the_towns(table: pd.DataFrame, towns: pd.DataFrame) -> None:
    nation = towns.set_index("town_code")["nation"]
    dep = table[table["measure"] == "deprivation"]
    assert dep["value"].between(0, 100).all()
    in2025 = dep.loc[dep["period"] == "2025", "area_code"].map(nation)
    assert set(in2025) == {"England"}  # no WIMD after 2019 in the mirror
    assert (in2025 == "England").sum() >= (nation == "England").sum() - 1
    pop = table[table["measure"] == "population"].pivot(
        index="area_code", columns="period", values="value"
    )
    assert len(pop) >= len(towns) - 1  # the town with no small area has none
    growth = pop["2021"] / pop["2011"] - 1
    assert growth.median() == pytest.approx(0.06, abs=0.03)  # E&W grew 6.3% (Census 2021)
    assert growth.between(-0.3, 1.5).all()


def test_every_town_authority_has_its_series(table: pd.DataFrame, towns: pd.DataFrame) -> None:
    """Code changes handled: every 2021 authority holding a town has pubs in every year and
    pay from 2022 (2023 unitaries given to their 2021 districts)."""
    authorities = set(towns["lad_code"])
    for measure, first in (("pubs", "2001"), ("pay", "2022"), ("life_satisfaction", "2019/20")):
        rows = table[(table["measure"] == measure) & (table["period"] >= first)]
        counts = rows.groupby("area_code").size()
        assert set(counts.index) <= authorities, measure
        expected = len([p for p in EXPECTED_PERIODS[measure] if p >= first])
        full = counts[counts == expected]
        share = len(full) / len(authorities)
        assert share >= (1.0 if measure == "pubs" else 0.95), (measure, share)
