"""Readers of the local-authority, constituency and geometry files: real files give the
figures their publishers state, and a defect names the file, column and row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely
from conftest import MIRROR

from hopeful.errors import DataError
from hopeful.prepare import area_readers as readers

EXPLORE = MIRROR / "ons-explore-local-statistics"
GE2024 = MIRROR / "ukge24-census-constituency"


def _read(dataset_id: str, *parts: str) -> pd.DataFrame:
    return readers.READERS[dataset_id](MIRROR.joinpath(*parts))


@pytest.mark.real_data("mirror")
def test_pubs_match_the_ons_totals() -> None:
    pubs = _read("pubs_bars_la", "ons-pubs-bars", "publichousesandbarsbylocalauthority20012018.xls")
    assert len(pubs) == 348 and pubs["lad_code"].is_unique
    assert pubs["pubs_2001"].sum() == 46_545 and pubs["pubs_2018"].sum() == 35_060
    newham = pubs.set_index("lad_name").loc["Newham"]
    assert (newham["pubs_2001"], newham["pubs_2018"]) == (105, 45)


@pytest.mark.real_data("mirror")
def test_drug_deaths_are_the_331_authorities_of_2021() -> None:
    deaths = _read(
        "drug_poisoning_deaths_la21",
        "danlewer-drug-poisoning-deaths",
        "drug_poisoning_registrations_by_LA.csv",
    ).set_index("lad_code")
    assert len(deaths) == 331
    assert deaths["deaths_2020"].sum() == 4_536
    assert deaths.loc["E06000009", ["deaths_2018", "deaths_2019", "deaths_2020"]].tolist() == [
        38,
        42,
        42,
    ]  # Blackpool


@pytest.mark.real_data("mirror")
def test_furlough_rates_and_the_buckinghamshire_gap() -> None:
    frame = _read(
        "lockdown_furlough_asylum_la19", "brc-local-lockdown-furlough", "local authority stats.csv"
    ).set_index("lad19_code")
    assert frame.index.str.match(r"^[EW]").all() and len(frame) == 339
    assert frame.loc["E07000136", "furlough_rate"] == 0.21  # Boston, the lowest
    assert frame["furlough_rate"].max() == 0.42  # South Lakeland
    bucks = ["E07000004", "E07000005", "E07000006", "E07000007"]
    assert frame.loc[bucks, "furlough_rate"].isna().all()
    assert frame["furlough_rate"].notna().sum() == len(frame) - 4


@pytest.mark.real_data("mirror")
def test_asylum_support_england_and_wales_june_2020() -> None:
    frame = _read("asylum_support_la", "humaniverse-asylum-support", "local_authority_support.csv")
    at = frame[(frame["date"] == "2020-06-30") & (frame["support_type"] == "Section 95")]
    assert at["people"].sum() == 40_983
    assert frame["lad_code"].str.match(r"^[EW]").all()
    assert frame["date"].max() == "2024-09-30"


@pytest.mark.real_data("mirror")
def test_pay_and_wellbeing_published_values() -> None:
    pay = readers.weekly_pay(EXPLORE / "gross-median-weekly-pay.csv")
    pay = pay.set_index(["area_code", "year"])["pay"]
    assert pay[("E92000001", 2008)] == 396.1 and pay[("E06000009", 2008)] == 306.8
    wellbeing = readers.wellbeing(EXPLORE / "personal-wellbeing-estimates.csv")
    latest = wellbeing[wellbeing["year"] == 2022].set_index("area_code")
    assert latest.loc["E07000029", "life_satisfaction"] == 8.23  # Copeland, the highest
    assert latest.loc["E07000008", "life_satisfaction"] == 6.46  # Cambridge, the lowest
    assert latest.loc["W92000004", "life_satisfaction"] == 7.40
    # Every published value comes with its 95% limits, which hold it.
    shown = latest.dropna(subset=["life_satisfaction"])
    assert (shown["life_satisfaction_lo95"] <= shown["life_satisfaction"]).all()
    assert (shown["life_satisfaction"] <= shown["life_satisfaction_hi95"]).all()
    values = wellbeing[["anxiety", "anxiety_lo95"]]
    assert (values["anxiety"].isna() == values["anxiety_lo95"].isna()).all()
    assert latest.loc[
        "E07000029", ["life_satisfaction_lo95", "life_satisfaction_hi95"]
    ].tolist() == [
        7.74,
        8.72,
    ]  # Copeland: a wide interval, a small sample


@pytest.mark.real_data("mirror")
def test_constituency_files_hold_every_england_and_wales_seat() -> None:
    votes = readers.ge2024_results(GE2024 / "HoC-GE2024-results-by-constituency.csv")
    census = readers.ge2024_census21(
        GE2024 / "2024-UK-General-Election-Census-Constituency-Summaries-File-v1.1.csv"
    )
    assert len(votes) == len(census) == 575
    assert set(votes["pcon24_code"]) == set(census["pcon24_code"])
    clacton = votes.set_index("pcon24_name").loc["Clacton"]
    assert (clacton["reform_votes"], clacton["valid_votes"]) == (21_225, 45_958)
    assert votes.loc[votes["speaker_seat"], "pcon24_name"].tolist() == ["Chorley"]
    assert (votes["reform_votes"] == 0).sum() == 23
    chorley = votes.set_index("pcon24_name").loc["Chorley"]
    assert chorley[["con_votes", "lab_votes", "ld_votes", "reform_votes"]].sum() == 0
    census = census.merge(votes, on="pcon24_code").set_index("pcon24_name")
    assert census["manufacturing_pct"].idxmax() == "Leicester East"
    assert census.loc["Scunthorpe", "manufacturing_pct"] == 20.0
    bes = _read("bes2015_results_pcon10", "parlitools-constituency", "bes_2015.rda")
    assert len(bes) == 573 and bes["bnp_votes10"].notna().sum() == 325
    share = bes["bnp_votes10"] / bes["total_votes10"]
    assert share.max() == pytest.approx(0.146, abs=0.001)  # Barking
    c11 = _read("census11_pcon10", "parlitools-constituency", "census_11.rda")
    assert len(c11) == 573 and c11["manufacturing_pct"].max() == pytest.approx(22.3, abs=0.05)


@pytest.mark.real_data("mirror")
def test_points_and_boundaries() -> None:
    points = _read("lsoa_centres_latlong", "drkane-geo-lookups", "lsoa_latlong.csv")
    assert len(points) == 36_778  # every LSOA 2011 and 2021 code once
    assert points["easting"].between(80_000, 660_000).all()
    pcon = _read("pcon24_boundaries", "hack25usefuldata", "PCON_JULY_2024_UK_BUC.shp")
    lad = _read(
        "lad21_boundaries",
        "openinfra-lad-boundaries",
        "Local_Authority_Districts_(December_2021)_UK_BUC.geojson",
    )
    countries = _read("countries_outline", "openinfra-lad-boundaries", "countries.geojson")
    assert (len(pcon), len(lad), len(countries)) == (575, 331, 4)
    for table in (pcon, lad, countries):
        shapes = shapely.from_wkb(table["geometry_wkb"].to_numpy())
        assert shapely.is_valid(shapes).all()
    areas = pd.Series(shapely.area(shapely.from_wkb(countries["geometry_wkb"].to_numpy())))
    wales = areas[countries["country"].eq("Wales").to_numpy()].iloc[0] / 1e6
    assert wales == pytest.approx(20_786, rel=0.01)  # km², in British National Grid metres


# --- defects -------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


WELLBEING_HEADER = "areacd,indicator,period,observation,lci_95,uci_95,status\n"


def test_wellbeing_value_missing_without_a_status_names_the_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "wb.csv",
        WELLBEING_HEADER
        + "E06000001,Satisfaction,2022-04-01/P1Y,7.5,7.3,7.7,\n"
        + "E06000002,Satisfaction,2022-04-01/P1Y,,,,\n",
    )
    with pytest.raises(DataError) as err:
        readers.wellbeing(path)
    assert (err.value.file, err.value.column, err.value.row) == (str(path), "status", 3)


def test_wellbeing_score_above_ten_fails(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "wb.csv", WELLBEING_HEADER + "W06000001,Anxiety,2022-04-01/P1Y,11,10.8,11.2,\n"
    )
    with pytest.raises(DataError, match="out of range"):
        readers.wellbeing(path)


def test_wellbeing_value_outside_its_interval_names_the_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "wb.csv",
        WELLBEING_HEADER
        + "E06000001,Anxiety,2022-04-01/P1Y,3.1,2.9,3.3,\n"
        + "E06000002,Anxiety,2022-04-01/P1Y,3.1,3.2,3.4,\n",
    )
    with pytest.raises(DataError, match="outside its confidence interval") as err:
        readers.wellbeing(path)
    assert (err.value.column, err.value.row) == ("lci_95", 3)


def test_wellbeing_interval_missing_with_a_value_fails(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "wb.csv", WELLBEING_HEADER + "E06000001,Happiness,2022-04-01/P1Y,7.1,,7.4,\n"
    )
    with pytest.raises(DataError, match="confidence limit missing"):
        readers.wellbeing(path)


def test_ge2024_votes_not_adding_up_fail(tmp_path: Path) -> None:
    parties = ",".join(readers.GE2024_PARTIES)
    counts = ",".join(["10"] * len(readers.GE2024_PARTIES))
    path = _write(
        tmp_path,
        "ge.csv",
        f"ONS ID,Constituency name,First party,Electorate,Valid votes,{parties}\n"
        f"E14000001,A,Lab,1000,130,{counts}\nE14000002,B,Lab,1000,131,{counts}\n",
    )
    with pytest.raises(DataError, match="do not add up") as err:
        readers.ge2024_results(path)
    assert (err.value.column, err.value.row) == ("Valid votes", 3)


def test_furlough_rate_above_one_fails(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "f.csv",
        "LAD19CD,Furlough count,Furlough rate,Dispersed Accommodation\n"
        "S12000005,100,1.5,\nW06000001,100,1.2,\n",
    )
    with pytest.raises(DataError, match="out of range") as err:
        readers.furlough_asylum_2020(path)
    assert (err.value.column, err.value.row) == ("Furlough rate", 3)  # Scottish row skipped


def test_unknown_accommodation_type_fails(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "a.csv",
        "Date,Support Type,Local Authority,LAD Code,Accommodation Type,People\n"
        "2020-06-30,Section 95,Cardiff,W06000015,Dispersal Accommodation,5\n"
        "2020-06-30,Section 95,Cardiff,W06000015,Boat,5\n",
    )
    with pytest.raises(DataError, match="unknown accommodation type") as err:
        readers.asylum_support(path)
    assert err.value.row == 3
