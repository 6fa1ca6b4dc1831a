"""The town indicator table on the real data mirror: coverage, ranges and hand-checked towns."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest
from conftest import MIRROR

from hopeful.indicators import catalogue
from hopeful.indicators.catalogue import UNIT_RANGES
from hopeful.prepare import geography

pytestmark = pytest.mark.real_data("mirror")

GRAVESEND = "E35001042"
PORT_TALBOT = "W38000144"
CHESTER = "K06000004"  # English town with three Welsh LSOAs in its best fit
CAMBOURNE = "E34004302"  # no LSOA centroid falls in it


def _rda(*parts: str) -> pd.DataFrame:
    return next(iter(pyreadr.read_r(str(MIRROR.joinpath(*parts))).values()))


@pytest.fixture(scope="module")
def lookups(mirror_interim: Path) -> dict[str, pd.DataFrame]:
    return {
        "towns": geography.town_universe(mirror_interim),
        "lsoa_town": geography.lsoa11_to_town(mirror_interim),
    }


@pytest.fixture(scope="module")
def table(mirror_indicators: pd.DataFrame) -> pd.DataFrame:
    return mirror_indicators


@pytest.fixture(scope="module")
def population() -> pd.Series:
    frame = _rda("humaniverse-demographr", "population19_lsoa11.rda")
    return frame.set_index("lsoa11_code")["total_population"]


def _town_lsoas(lookups, town: str) -> list[str]:
    frame = lookups["lsoa_town"]
    return sorted(frame.loc[frame["town_code"] == town, "lsoa11_code"])


def test_one_row_per_town_sorted(table, lookups):
    assert len(table) == len(lookups["towns"]) == 1178
    assert list(table.index) == sorted(lookups["towns"]["town_code"])


def test_catalogue_and_table_hold_the_same_indicators(table):
    assert list(table.columns) == list(catalogue()["code"])


def test_values_lie_in_their_units_range(table):
    for row in catalogue().itertuples():
        low, high = UNIT_RANGES[row.unit]
        values = table[row.code].dropna()
        assert len(values) > 0, row.code
        if low is not None:
            assert values.min() >= low, row.code
        if high is not None:
            assert values.max() <= high, row.code


def test_no_town_is_all_missing(table):
    assert table.notna().sum(axis=1).min() > 0
    # the one town without LSOAs still inherits its authority's and ONS's published values
    assert table.loc[CAMBOURNE, "leave_share_la"] > 0
    assert table.loc[CAMBOURNE].notna().sum() >= 7


def test_nation_coverage_follows_the_catalogue(table, lookups):
    nation = lookups["towns"].set_index("town_code")["nation"].reindex(table.index)
    wales = table[nation == "Wales"]
    england = table[nation == "England"]
    for row in catalogue().itertuples():
        if row.nations == "england":
            assert wales[row.code].isna().all(), row.code
            assert england[row.code].notna().mean() > 0.99, row.code
        else:  # Brexit Party stood in under half the seats; HMRC's furlough table has no
            # Buckinghamshire districts (13 English towns)
            floor = {"brexit_party_share_2019": 0.3, "furlough_rate_2020": 0.98}.get(row.code, 0.99)
            assert wales[row.code].notna().mean() > floor, row.code
            assert england[row.code].notna().mean() > floor, row.code


def test_gravesend_private_rented_share_by_hand(table, lookups):
    lsoa11 = _town_lsoas(lookups, GRAVESEND)
    lookup = _rda("humaniverse-geographr", "lookup_lsoa11_lsoa21_ltla22.rda")
    children = lookup[lookup["lsoa11_code"].isin(lsoa11)]
    assert set(children["change_code"]) <= {"U", "S"}  # so its LSOA 2021 are exactly these
    tenure = _rda("humaniverse-demographr", "household_tenure21_lsoa21.rda")
    rows = tenure[tenure["lsoa21_code"].isin(children["lsoa21_code"])]
    renting = rows[rows["tenure"].str.startswith("Private rented")]["n"].sum()
    households = rows.drop_duplicates("lsoa21_code")["total_households"].sum()
    assert table.loc[GRAVESEND, "private_rented_share"] == pytest.approx(renting / households)
    assert 0.15 < renting / households < 0.35


def test_port_talbot_income_deprivation_by_hand(table, lookups, population):
    lsoa11 = _town_lsoas(lookups, PORT_TALBOT)
    wimd = _rda("humaniverse-imd", "imd2019_wales_lsoa11.rda").set_index("lsoa11_code")
    rank = wimd.loc[lsoa11, "Income_rank"]
    percentile = 100 * (len(wimd) - rank + 0.5) / len(wimd)
    weights = population.loc[lsoa11]
    expected = float((percentile * weights).sum() / weights.sum())
    assert table.loc[PORT_TALBOT, "income_deprivation"] == pytest.approx(expected)


def test_chester_percentiles_use_only_its_english_lsoas(table, lookups, population):
    lsoa11 = _town_lsoas(lookups, CHESTER)
    english = [c for c in lsoa11 if c.startswith("E")]
    assert len(english) < len(lsoa11)
    imd = _rda("humaniverse-imd", "imd2019_england_lsoa11.rda").set_index("lsoa11_code")
    percentile = 100 * (len(imd) - imd.loc[english, "IMD_rank"] + 0.5) / len(imd)
    weights = population.loc[english]
    expected = float((percentile * weights).sum() / weights.sum())
    assert table.loc[CHESTER, "imd_score_pctile"] == pytest.approx(expected)


def test_gravesend_inherits_gravesham_referendum_result(table):
    eu = pd.read_csv(MIRROR / "eu-referendum-2016" / "EU-referendum-result-data.csv",
                     lineterminator="\r")  # fmt: skip
    gravesham = eu[eu["Area_Code"] == "E07000109"].iloc[0]
    expected = gravesham["Leave"] / gravesham["Valid_Votes"]
    assert table.loc[GRAVESEND, "leave_share_la"] == pytest.approx(expected)
    assert round(100 * expected, 2) == gravesham["Pct_Leave"]  # 65.38, as published


def test_brexit_party_missing_not_zero_where_it_did_not_stand(table):
    values = table["brexit_party_share_2019"]
    assert values.isna().any()
    assert (values.dropna() > 0).all()


def test_within_nation_percentiles_centre_on_the_nation(table, lookups):
    # Towns are a subset of LSOAs, but on a within-nation percentile both nations' towns must
    # sit in the middle of the scale, not on one side of it as raw WIMD vs IMD scores would.
    nation = lookups["towns"].set_index("town_code")["nation"].reindex(table.index)
    for code in ("imd_score_pctile", "income_deprivation", "health_deprivation"):
        means = table.groupby(nation)[code].mean()
        assert 35 < means["England"] < 65 and 35 < means["Wales"] < 65, code


def test_deprivation_change_is_rank_based(table):
    change = table["imd_pctile_change_2019_2025"].dropna()
    # positions move a little on average; the measure is not a raw score difference
    assert abs(change.median()) < 5
    assert change.abs().max() < 50
    assert np.isfinite(change).all()
