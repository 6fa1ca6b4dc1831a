"""Local-authority, constituency and coastal indicators: methods on synthetic data, then the
real mirror (hand-checked authorities, coverage, the pilot towns, one footing with the UK
deprivation score)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest
from conftest import MIRROR

from hopeful import interim
from hopeful.errors import DataError
from hopeful.indicators import coast, constituency_measures, la_measures, local_context
from hopeful.indicators.catalogue import UNIT_RANGES, catalogue
from hopeful.prepare import constituencies, geography, iod

GRAVESEND = "E35001042"
PORT_TALBOT = "W38000144"
NEW = [*local_context.LA_COLUMNS, *local_context.PCON24_COLUMNS,
       "manufacturing_change_2011_2021", "coastal"]  # fmt: skip
# Expected sign of Spearman's rho with the UK deprivation score, the same in both nations:
# harms and far-right votes go with deprivation, well-being against it.
EXPECTED_SIGN = {
    "drug_death_rate": 1,
    "manufacturing_share_2021": 1,
    "manufacturing_share_2011": 1,
    "reform_share_2024": 1,
    "bnp_share_2010": 1,
    "asylum_dispersal_rate": 1,
    "life_satisfaction": -1,
    "happiness": -1,
}


# --- methods -------------------------------------------------------------------------------


def test_apportion_weights_by_share_and_skips_missing() -> None:
    town_pcon = pd.DataFrame(
        {"town_code": ["T1", "T1", "T2"], "pcon24_code": ["A", "B", "B"],
         "population_share": [0.75, 0.25, 1.0]}
    )  # fmt: skip
    values = pd.DataFrame({"x": [0.2, 0.6], "y": [np.nan, 1.0]}, index=["A", "B"])
    out = constituency_measures.apportion(town_pcon, values)
    assert out.loc["T1", "x"] == pytest.approx(0.75 * 0.2 + 0.25 * 0.6)
    assert out.loc["T1", "y"] == 1.0  # A has no value: B's share re-weighted to 1
    with pytest.raises(DataError, match="without results"):
        constituency_measures.apportion(town_pcon, values.loc[["A"]])


def test_calibration_picks_the_distance_that_agrees_best() -> None:
    distance = pd.Series([0.1, 0.3, 0.5, 2.0, 3.0, 8.0, 0.4])
    flag = pd.Series([1, 1, 1, 0, 0, 0, np.nan])
    rule = coast.calibrate(distance, flag)
    assert rule.threshold_km == 0.5 and rule.kappa == 1.0 and rule.towns == 6
    # 0.1 km and 5.0 km both get 3 of 4 right with kappa 0.5: the smaller distance wins
    noisy = coast.calibrate(pd.Series([0.1, 0.2, 5.0, 6.0]), pd.Series([1, 0, 1, 0]))
    assert (noisy.threshold_km, noisy.accuracy, noisy.kappa) == (0.1, 0.75, 0.5)


def test_kappa_discounts_chance_agreement() -> None:
    observed = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    assert coast._kappa(np.zeros(10, dtype=bool), observed) == 0.0  # 90% agree, kappa 0
    assert coast._kappa(observed, observed) == 1.0


def test_coast_is_the_outer_ring_not_the_land_border(tmp_path: Path) -> None:
    import shapely

    england = shapely.box(0, 0, 10_000, 10_000)
    wales = shapely.box(-10_000, 0, 0, 10_000)  # shares England's west edge
    outlines = pd.DataFrame(
        {"country": ["England", "Wales"], "geometry_wkb": shapely.to_wkb([england, wales])}
    )
    interim.write(outlines, tmp_path, "countries_outline")
    points = pd.DataFrame(
        {"lsoa_code": ["E01000001", "W01000001"], "easting": [1_000.0, -5_000.0],
         "northing": [5_000.0, 5_000.0]}
    )  # fmt: skip
    interim.write(points, tmp_path, "lsoa_centres_latlong")
    lsoa_town = pd.DataFrame({"lsoa11_code": ["E01000001", "W01000001"], "town_code": ["a", "b"]})
    km = coast.coast_distance_km(tmp_path, lsoa_town)
    assert km["a"] == pytest.approx(5.0)  # 1 km from the border, 5 km from the sea
    assert km["b"] == pytest.approx(5.0)


# --- real data -----------------------------------------------------------------------------


def _rda(*parts: str) -> pd.DataFrame:
    return next(iter(pyreadr.read_r(str(MIRROR.joinpath(*parts))).values()))


@pytest.fixture(scope="module")
def la(mirror_interim: Path) -> pd.DataFrame:
    return la_measures.la_measures(mirror_interim).set_index("lad_code")


@pytest.fixture(scope="module")
def towns_table(mirror_interim: Path) -> pd.DataFrame:
    """The new indicators per town, with nation and UK deprivation score, from the mirror."""
    towns = geography.town_universe(mirror_interim)
    lsoa_town = geography.lsoa11_to_town(mirror_interim)
    pop = _rda("humaniverse-demographr", "population19_lsoa11.rda")
    l11 = (
        pd.DataFrame(
            {"lsoa11_code": pop["lsoa11_code"].astype(str), "pop19": pop["total_population"]}
        )  # fmt: skip
        .merge(lsoa_town, on="lsoa11_code")
        .merge(geography.lsoa11_to_lad(mirror_interim), on="lsoa11_code")
    )
    lsoa_pcon, _ = constituencies.lsoa11_to_pcon24(mirror_interim, l11["lsoa11_code"])
    shares = constituencies.town_constituencies(
        lsoa_pcon, l11.rename(columns={"pop19": "population"})
    )
    values = local_context.town_values(mirror_interim, l11, lsoa_town, towns, shares)
    out = pd.DataFrame(values).reindex(towns["town_code"])
    uk = interim.read(mirror_interim, "uk_imd_e")[["lsoa11_code", "uk_imd_score"]]
    scored = l11.merge(uk, on="lsoa11_code")
    out["uk_imd_score"] = iod.weighted_mean(scored, "town_code", "uk_imd_score", "pop19")
    return out.join(towns.set_index("town_code")[["nation", "town_name"]])


def test_hand_checked_authorities(la: pd.DataFrame) -> None:
    raw = pd.read_csv(
        MIRROR / "danlewer-drug-poisoning-deaths" / "drug_poisoning_registrations_by_LA.csv",
        encoding="cp1252",
    ).set_index("code")
    pop = _rda("humaniverse-demographr", "population19_lsoa11.rda")
    lookup = _rda("humaniverse-geographr", "lookup_lsoa11_ltla21.rda")
    in_blackpool = lookup.loc[lookup["ltla21_code"] == "E06000009", "lsoa11_code"]
    blackpool_pop = pop.loc[pop["lsoa11_code"].isin(in_blackpool), "total_population"].sum()
    five_years = raw.loc["E06000009", [str(y) for y in range(2016, 2021)]].sum()
    assert la.loc["E06000009", "drug_death_rate"] == pytest.approx(
        five_years / 5 / blackpool_pop * 1e5
    )
    assert la.loc["E09000025", "pubs_change_2001_2018"] == pytest.approx(45 / 105 - 1)  # Newham
    assert np.isnan(la.loc["E06000060", "furlough_rate_2020"])  # Buckinghamshire
    # North Northamptonshire = four 2019 districts, their rates pooled by eligible jobs
    assert 0.2 < la.loc["E06000061", "furlough_rate_2020"] < 0.42
    # Allerdale takes Cumberland's dispersal rate, as Carlisle and Copeland do
    cumberland = la.loc[["E07000026", "E07000028", "E07000029"], "asylum_dispersal_rate"]
    assert cumberland.nunique() == 1


def test_pay_growth_falls_back_to_the_region_only_for_new_unitaries(mirror_interim) -> None:
    growth, source = la_measures.pay_growth(mirror_interim)
    assert growth.notna().all() and len(growth) == 331
    new_unitaries = {"E06000058", "E06000061", "E06000062", "E07000244", "E07000245"}
    cumbria = {"E07000026", "E07000027", "E07000028", "E07000029", "E07000030", "E07000031"}
    scilly_city = {"E06000053", "E09000001"}  # suppressed in ASHE
    assert set(source[source == "region"].index) == new_unitaries | cumbria | scilly_city


def test_every_new_indicator_covers_both_nations(towns_table: pd.DataFrame) -> None:
    for nation, group in towns_table.groupby("nation"):
        coverage = group[NEW].notna().mean()
        assert (coverage >= 0.95).all(), (nation, coverage[coverage < 0.95].to_dict())


def test_values_lie_in_the_catalogue_units(towns_table: pd.DataFrame) -> None:
    cat = catalogue().set_index("code")
    assert set(NEW) <= set(cat.index)
    for code in NEW:
        low, high = UNIT_RANGES[cat.loc[code, "unit"]]
        values = towns_table[code].dropna()
        assert low is None or values.min() >= low, code
        assert high is None or values.max() <= high, code
    assert set(towns_table["coastal"].unique()) == {0.0, 1.0}


def test_pilot_towns_have_values(towns_table: pd.DataFrame) -> None:
    pilots = towns_table.loc[[PORT_TALBOT, GRAVESEND], NEW]
    assert pilots.notna().all().all()
    assert towns_table.loc[PORT_TALBOT, "coastal"] == 1.0  # on Swansea Bay, derived
    # Port Talbot's steelworks: more manufacturing than most towns of Wales
    welsh = towns_table[towns_table["nation"] == "Wales"]["manufacturing_share_2021"]
    assert towns_table.loc[PORT_TALBOT, "manufacturing_share_2021"] > welsh.median()


def test_welsh_coastal_flag_is_calibrated_on_england(mirror_interim, towns_table) -> None:
    lsoa_town = geography.lsoa11_to_town(mirror_interim)
    _, rule = coast.coastal(mirror_interim, lsoa_town, geography.town_universe(mirror_interim))
    assert rule.towns > 1_000 and rule.kappa > 0.7 and rule.accuracy > 0.9
    assert 0 < rule.threshold_km < 5
    names = towns_table[towns_table["nation"] == "Wales"].set_index("town_name")["coastal"]
    assert names[["Aberystwyth", "Llandudno", "Rhyl", "Barry", "Holyhead"]].eq(1).all()
    assert names[["Merthyr Tydfil", "Wrexham", "Ebbw Vale", "Brecon"]].eq(0).all()


def test_one_footing_with_deprivation(towns_table: pd.DataFrame) -> None:
    """The expected indicators correlate with UK deprivation with the same sign in both nations."""
    for code, sign in EXPECTED_SIGN.items():
        for nation, group in towns_table.groupby("nation"):
            rho = group[code].corr(group["uk_imd_score"], method="spearman")
            assert np.sign(rho) == sign, (code, nation, rho)


def test_parties_that_did_not_stand_are_zero_not_missing(towns_table: pd.DataFrame) -> None:
    never = towns_table["bnp_stood_share"] == 0
    assert never.sum() > 50
    assert (towns_table.loc[never, "bnp_share_2010"] == 0).all()
    absent = towns_table["reform_stood_share"] == 0
    assert absent.sum() > 5 and (towns_table.loc[absent, "reform_share_2024"] == 0).all()
