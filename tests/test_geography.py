"""Town universe and LSOA lookups: real-mirror facts plus hand-computed synthetic cases."""

from pathlib import Path

import pandas as pd
import pyreadr
import pytest

from hopeful import sources
from hopeful.errors import DataError
from hopeful.prepare import geography, raw_tables
from hopeful.towns import normalise_name

needs_mirror = pytest.mark.real_data("mirror")


@pytest.fixture(scope="module")
def universe(mirror_interim: Path) -> pd.DataFrame:
    return geography.town_universe(mirror_interim)


@pytest.fixture(scope="module")
def lsoa_town(mirror_interim: Path) -> pd.DataFrame:
    return geography.lsoa11_to_town(mirror_interim)


def _town(universe: pd.DataFrame, code: str) -> pd.Series:
    rows = universe[universe["town_code"] == code]
    assert len(rows) == 1, code
    return rows.iloc[0]


# --- real mirror ---------------------------------------------------------------------------


@needs_mirror
def test_counts_by_nation_and_size(universe):
    counts = universe.groupby(["nation", "size_class"]).size().to_dict()
    assert counts == {
        ("England", "small"): 662,
        ("England", "medium"): 331,
        ("England", "large"): 89,
        ("Wales", "small"): 78,
        ("Wales", "medium"): 16,
        ("Wales", "large"): 2,
    }
    assert len(universe) >= 1150
    assert list(universe["town_code"]) == sorted(universe["town_code"])
    assert universe["town_code"].is_unique
    assert universe["town_name"].map(normalise_name).is_unique


@needs_mirror
def test_pilot_towns(universe):
    port_talbot = _town(universe, "W38000144")
    assert (port_talbot["town_name"], port_talbot["nation"], port_talbot["region"]) == (
        "Port Talbot",
        "Wales",
        "Wales",
    )
    assert (port_talbot["size_class"], port_talbot["lad_code"]) == ("medium", "W06000012")
    assert port_talbot["lad_name"] == "Neath Port Talbot"
    assert port_talbot["population_source"] == geography.SOURCE_ESTIMATED
    # ONS lists Gravesend and Northfleet as two sub-divisions of the Gravesend BUA.
    for code, name, population in [
        ("E35001042", "Gravesend", 55467),
        ("E35000225", "Northfleet", 27628),
    ]:
        town = _town(universe, code)
        assert (town["town_name"], town["nation"], town["region"]) == (
            name,
            "England",
            "South East",
        )
        assert (town["size_class"], town["population"]) == ("medium", population)
        assert (town["lad_code"], town["lad_name"]) == ("E07000109", "Gravesham")


@needs_mirror
def test_size_class_and_population_agree(universe):
    assert universe["population"].between(5000, 224_999).all()
    assert (geography.size_class(universe["population"]) == universe["size_class"]).all()
    english = universe[universe["nation"] == "England"]
    assert (english["population_source"] == geography.SOURCE_ONS).all()
    assert english["income_group"].notna().all() and english["coastal_ons"].notna().all()
    welsh = universe[universe["nation"] == "Wales"]
    assert (welsh["region"] == "Wales").all() and welsh["coastal_ons"].isna().all()
    assert welsh["job_density"].isna().all()


@needs_mirror
def test_welsh_places_follow_the_rule(universe, mirror_interim):
    by_name = universe[universe["nation"] == "Wales"].set_index("town_name")["size_class"]
    assert "Cardiff" not in by_name.index  # Cardiff BUASD is over 225,000: a city
    assert by_name[["Swansea", "Newport"]].tolist() == ["large", "large"]
    medium = ["Wrexham", "Barry", "Bridgend", "Merthyr Tydfil"]
    assert by_name[medium].tolist() == ["medium"] * 4
    cardiff = geography.welsh_units(mirror_interim).set_index("town_code").loc["W38000130"]
    assert cardiff["population"] > 225_000 and pd.isna(cardiff["size_class"])


@needs_mirror
def test_cross_border_chester_is_english(universe):
    chester = _town(universe, "K06000004")
    assert (chester["nation"], chester["region"], chester["size_class"]) == (
        "England",
        "North West",
        "large",
    )
    assert chester["lad_name"] == "Cheshire West and Chester"


@needs_mirror
def test_shared_names_get_their_local_authority(universe):
    names = set(universe["town_name"])
    assert {"Royston (Barnsley)", "Royston (North Hertfordshire)"} <= names
    assert {"Cheadle (Stockport)", "Cheadle (Staffordshire Moorlands)"} <= names
    assert "Royston" not in names


@needs_mirror
def test_lsoa_to_town_lookup(universe, lsoa_town):
    assert lsoa_town["lsoa11_code"].is_unique
    assert set(lsoa_town["town_code"]) <= set(universe["town_code"])
    counts = lsoa_town["town_code"].value_counts()
    n_lsoa = universe.set_index("town_code")["n_lsoa"]
    assert (counts.reindex(n_lsoa.index).fillna(0).astype(int) == n_lsoa).all()
    assert universe.loc[universe["n_lsoa"] == 0, "town_code"].tolist() == ["E34004302"]
    assert (lsoa_town["lsoa11_code"].str[0] == "W").sum() == 1042


@needs_mirror
def test_candidates_cover_every_lsoa(mirror_interim):
    cand = geography.lsoa11_to_town_candidates(mirror_interim)
    assert len(cand) == 34_753 and cand["lsoa11_code"].is_unique
    orphans = cand[cand["fit_source"] == "msoa11"]
    assert sorted(orphans["lsoa11_code"]) == ["E01032522", "E01032540", "E01032608", "E01033730"]
    hartlepool = cand.set_index("lsoa11_code").loc["E01032540"]
    assert hartlepool["unit_code"] == "E35001161"
    assert (cand["n_lsoa01_parents"] > 1).sum() == 165
    # a subdivided BUA is never a unit: Swansea BUA's areas go to its sub-divisions
    assert not (cand["unit_code"] == "W37000427").any()
    assert (cand["unit_code"] == "W38000144").sum() == 23


@needs_mirror
def test_lad_lookups(mirror_interim):
    lads = geography.lsoa11_to_lad(mirror_interim)
    assert list(lads.columns) == ["lsoa11_code", "lad_code", "lad_name"]
    assert len(lads) == 34_753 and lads["lad_code"].nunique() == 331
    regions = geography.lad_to_region(mirror_interim).set_index("lad_code")
    assert len(regions) == 331
    assert (regions.loc[regions.index.str.startswith("W"), "region_name"] == "Wales").sum() == 22
    assert regions.loc["E07000109", "region_name"] == "South East"


@needs_mirror
def test_cities_and_calibration(mirror_interim):
    cities = geography.english_cities(mirror_interim)
    assert len(cities) == 18 and (cities["population"] > 225_000).all()
    fit = geography.english_population_fit(mirror_interim)
    assert len(fit) == 1081  # every English town but Cambourne
    assert fit["ratio"].median() == pytest.approx(0.993, abs=0.001)
    assert geography.population_calibration(mirror_interim) == pytest.approx(0.959, abs=0.001)


@needs_mirror
def test_coverage_figures(universe, mirror_interim):
    figures = geography.coverage(mirror_interim)
    assert figures["towns"] == len(universe)
    assert figures["towns_wales_small"] == 78
    assert figures["towns_with_lsoa"] == len(universe) - 1
    assert figures["towns_without_lsoa"] == "Cambourne E34004302"
    assert 0.5 < figures["population_share_in_towns"] < 0.55
    assert figures["welsh_units_over_225000"].startswith("Cardiff W38000130")


# --- synthetic -----------------------------------------------------------------------------


def test_town_unit_prefers_subdivision_and_never_takes_a_subdivided_bua_whole():
    lookups = pd.DataFrame(
        {
            "BUA11CD": ["W37000001", "W37000001", "W37000002", "W37000003"],
            "BUASD11CD": ["W38000001", "W38000002", None, "W38000009"],
        }
    )
    subdivided = geography.subdivided_buas(lookups)
    assert subdivided == {"W37000001", "W37000003"}
    buasd = pd.Series(["W38000001", "W38000002", None, None, None])
    bua = pd.Series(["W37000001", "W37000001", "W37000002", "W37000003", None])
    units = geography.town_unit(buasd, bua, subdivided)
    assert units.tolist()[:3] == ["W38000001", "W38000002", "W37000002"]
    assert units.iloc[3:].isna().all()


def test_size_class_bands():
    population = pd.Series([4999, 5000, 19_999, 20_000, 74_999, 75_000, 224_999, 225_000])
    classes = geography.size_class(population).tolist()
    assert classes[1:7] == ["small", "small", "medium", "medium", "large", "large"]
    assert pd.isna(classes[0]) and pd.isna(classes[7])


def test_estimate_population_divides_by_ratio():
    out = geography.estimate_population(pd.Series([4795, 9590]), 0.959)
    assert out.tolist() == [5000, 10000]


def test_lad_assignment_largest_share_then_lowest_code():
    universe = pd.DataFrame(
        {
            "town_code": ["W38000001", "W38000002", "W38000003", "W38000004"],
            "lad_code": [None, None, "W06000009", None],
            "lad_name": [None, None, "Kept", None],
        }
    )
    lsoa_town = pd.DataFrame(
        {
            "lsoa11_code": ["W01000001", "W01000002", "W01000003", "W01000004", "W01000005"],
            "town_code": ["W38000001", "W38000001", "W38000002", "W38000002", "W38000002"],
        }
    )
    lsoa_lad = pd.DataFrame(
        {
            "lsoa11_code": lsoa_town["lsoa11_code"],
            "lad_code": ["W06000002", "W06000001", "W06000002", "W06000001", "W06000001"],
            "lad_name": ["B", "A", "B", "A", "A"],
        }
    )
    population = pd.DataFrame(
        {"lsoa11_code": lsoa_town["lsoa11_code"], "population": [1500, 1500, 2500, 1200, 1200]}
    )
    out = geography.assign_town_lads(universe, lsoa_town, lsoa_lad, population)
    # town 1: A 1500 = B 1500, tie -> lowest code A; town 2: B 2500 > A 1200 + 1200 -> B;
    # town 3 has no LSOA and keeps its LA; town 4 has neither
    assert out["lad_code"].tolist()[:3] == ["W06000001", "W06000002", "W06000009"]
    assert out["lad_name"].tolist()[:3] == ["A", "B", "Kept"]
    assert pd.isna(out["lad_code"].iloc[3])


def test_disambiguate_names_uses_local_authority():
    towns = pd.DataFrame(
        {
            "town_name": ["Newport", "newport", "Barry"],
            "lad_name": ["Newport", "Isle of Wight", "Vale of Glamorgan"],
        }
    )
    names = geography.disambiguate_names(towns).tolist()
    assert names == ["Newport (Newport)", "newport (Isle of Wight)", "Barry"]
    clash = towns.assign(lad_name=["Newport", "Newport", "Vale of Glamorgan"])
    with pytest.raises(DataError, match="ambiguous"):
        geography.disambiguate_names(clash)


ENGLISH_TOWNS = "towns_english_education"


def _write_english_list(raw_dir: Path, rows: list[str]) -> None:
    path = sources.raw_path(sources.dataset(ENGLISH_TOWNS), raw_dir)
    path.parent.mkdir(parents=True)
    header = (
        "town_code,town_name,population,size,region,coastal,job_density,income,"
        "education_score,perc_age_18_l3,perc_age_19_full_time_higher_ed"
    )
    path.write_text("\n".join([header, *rows]) + "\n")


def test_english_list_validates_codes_and_sizes(tmp_path):
    city = (
        "E35001166,Birmingham BUASD,1085810,City,West Midlands,Non-coastal,Working,Cities,NA,NA,NA"
    )
    town = (
        "E35001042,Gravesend BUASD,55467,Medium Towns,South East,Non-coastal,Residential,"
        "Mid deprivation towns,-0.5,50.1,30.2"
    )
    blank = "NA,Not BUA,NA,Not BUA,NA,NA,NA,NA,NA,NA,NA"
    _write_english_list(tmp_path / "ok", [town, city, blank])
    raw_tables.write_all(tmp_path / "ok", tmp_path / "interim", ids=[ENGLISH_TOWNS])
    cities = geography.english_cities(tmp_path / "interim")
    assert cities[["town_code", "town_name"]].values.tolist() == [["E35001166", "Birmingham"]]

    _write_english_list(tmp_path / "code", [town, city.replace("E35001166", "E02001166")])
    with pytest.raises(DataError) as err:
        raw_tables.read(tmp_path / "code", ENGLISH_TOWNS)
    assert (err.value.column, err.value.row) == ("town_code", 3)
    assert err.value.file.endswith("english_education.csv")

    _write_english_list(tmp_path / "size", [town.replace("55467", "15467")])
    with pytest.raises(DataError) as err:
        raw_tables.read(tmp_path / "size", ENGLISH_TOWNS)
    assert (err.value.column, err.value.row) == ("size", 2)


def test_lad_lookup_rejects_wrong_code_kind(tmp_path):
    path = sources.raw_path(sources.dataset("lookup_lsoa11_ltla21"), tmp_path)
    path.parent.mkdir()
    frame = pd.DataFrame(
        {
            "lsoa11_code": ["W01000001", "W01000002"],
            "lsoa11_name": ["A 001A", "B 001A"],
            "ltla21_code": ["W06000001", "W02000001"],
            "ltla21_name": ["A", "B"],
        }
    )
    pyreadr.write_rdata(str(path), frame, df_name="lookup")
    with pytest.raises(DataError) as err:
        raw_tables.read(tmp_path, "lookup_lsoa11_ltla21")
    assert (err.value.column, err.value.row) == ("ltla21_code", 3)
