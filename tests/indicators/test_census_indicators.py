"""Census small-area indicators (issue 12): OA tables summed to LSOA 2021, ethnicity 2011 and
2021, age standardisation and the England/Wales footing, on the real data mirror and on
small synthetic files for the failure paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROCESSED

from hopeful import interim, processed
from hopeful.errors import DataError
from hopeful.indicators import agestd, area_measures, census21_oa
from hopeful.indicators.footing import nation_footing
from hopeful.prepare import raw_tables

GRAVESEND = "E35001042"
PORT_TALBOT = "W38000144"
NEW = [
    "working_class_share",
    "low_qualifications_share",
    "degree_share",
    "bad_health_share_agestd",
    "disability_share_agestd",
    "born_outside_uk_2021",
    "birth_country_concentration",
    "automation_risk_share",
    "white_british_share_2011",
    "nonwhite_growth_2011_2021",
    "non_white_british_growth_la",
]
# Sign of the Spearman correlation with the UK deprivation score that the construct implies:
# disadvantage goes with routine work, low qualifications, poor health, automatable jobs.
EXPECTED_SIGN = {
    "working_class_share": 1,
    "low_qualifications_share": 1,
    "degree_share": -1,
    "bad_health_share_agestd": 1,
    "disability_share_agestd": 1,
    "automation_risk_share": 1,
}


# --- synthetic: readers and sums fail loudly -------------------------------------------------


def _oa_file(tmp_path: Path, rows: dict[str, list]) -> Path:
    path = tmp_path / "ts037.parquet"
    pd.DataFrame(rows).to_parquet(path)
    return path


HEALTH = {
    "OA": ["E00000001", "W00000002"],
    "ts0370001": [10.0, 20.0],
    "ts0370002": [4.0, 5.0],
    "ts0370003": [3.0, 5.0],
    "ts0370004": [1.0, 5.0],
    "ts0370005": [1.0, 3.0],
    "ts0370006": [1.0, 2.0],
}


def test_oa_reader_names_columns_and_checks_totals(tmp_path):
    read = raw_tables.READERS["census21_oa_general_health"]
    got = read(_oa_file(tmp_path, HEALTH))
    assert list(got.columns) == ["oa21_code", "residents", "very_good", "good", "fair", "bad",
                                 "very_bad"]  # fmt: skip
    assert got["residents"].dtype == "int64"
    bad = {**HEALTH, "ts0370005": [1.0, 4.0]}  # second OA: 5 + 5 + 5 + 4 + 2 = 21 != 20
    with pytest.raises(DataError, match="differs from the sum of ts0370002") as caught:
        read(_oa_file(tmp_path, bad))
    assert caught.value.column == "ts0370001"
    assert caught.value.row == 3
    fractional = {**HEALTH, "ts0370004": [1.5, 5.0]}
    with pytest.raises(DataError, match="not a whole number"):
        read(_oa_file(tmp_path, fractional))
    wrong_code = {**HEALTH, "OA": ["E01000001", "W00000002"]}
    with pytest.raises(DataError, match="not a OA code"):
        read(_oa_file(tmp_path, wrong_code))


def test_oa_sums_need_every_oa_in_the_lookup_and_back():
    oa = pd.DataFrame({"oa21_code": ["E00000001", "E00000002", "E00000003"], "n": [1, 2, 4]})
    lookup = pd.DataFrame(
        {"oa21_code": ["E00000003", "E00000001", "E00000002"],
         "lsoa21_code": ["E01000002", "E01000001", "E01000001"]}
    )  # fmt: skip
    got = census21_oa.oa_to_lsoa21(oa, lookup, "census21_oa_general_health")
    assert got["n"].to_dict() == {"E01000001": 3, "E01000002": 4}
    shuffled = census21_oa.oa_to_lsoa21(oa.iloc[::-1], lookup, "census21_oa_general_health")
    pd.testing.assert_frame_equal(shuffled, got)
    with pytest.raises(DataError, match="OA not in the lookup"):
        census21_oa.oa_to_lsoa21(oa, lookup.iloc[:2], "census21_oa_general_health")
    with pytest.raises(DataError, match="OA has no row in ts037.parquet"):
        census21_oa.oa_to_lsoa21(oa.iloc[:2], lookup, "census21_oa_general_health")


def test_relabelled_metadata_column_fails(tmp_path):
    meta = pd.DataFrame(
        {
            "table": "ts037",
            "column": [c["code"] for s in raw_tables.OA_TABLES.values() for c in s["columns"]],
            "label": [c["label"] for s in raw_tables.OA_TABLES.values() for c in s["columns"]],
        }
    )
    interim.write(meta, tmp_path, census21_oa.METADATA)
    census21_oa.check_labels(tmp_path)
    meta.loc[meta["column"] == "ts0630005", "label"] = "Occupation (current): 5. Skilled trades"
    interim.write(meta, tmp_path, census21_oa.METADATA)
    with pytest.raises(DataError, match="ts0630005 is labelled"):
        census21_oa.check_labels(tmp_path)


def test_standardisation_recovers_known_age_rates():
    # Four areas, two age bands with true rates 2 % (young) and 20 % (old), and a control
    # that moves the rate by 0.1 per unit: the fit returns the band rates, and the
    # standardised counts keep the control's effect but not the age structure's.
    shares = pd.DataFrame({"young": [0.9, 0.5, 0.8, 0.4], "old": [0.1, 0.5, 0.2, 0.6]})
    control = pd.Series([0.0, 0.1, 0.2, 0.3])
    total = pd.Series([1000.0, 2000.0, 1500.0, 500.0])
    rate = shares["young"] * 0.02 + shares["old"] * 0.20 + 0.1 * (control - control.mean())
    counts, rates = agestd.standardise(rate * total, total, shares, control)
    assert rates.to_dict() == pytest.approx({"young": 0.02, "old": 0.20})
    national = (rate * total).sum() / total.sum()
    expected = national + 0.1 * (control - control.mean())
    assert (counts / total).to_numpy() == pytest.approx(expected.to_numpy())
    with pytest.raises(DataError, match="not on the same LSOA 2021 codes"):
        agestd.standardise(rate * total, total.iloc[::-1], shares, control)


def test_footing_signs_and_overlap():
    index = [f"E3400000{i}" for i in range(6)]
    values = pd.DataFrame({"up": [1.0, 2, 3, 1, 2, 3], "flip": [1.0, 2, 3, 3, 2, 1]}, index=index)
    nation = pd.Series(["England"] * 3 + ["Wales"] * 3, index=index)
    deprivation = pd.Series([10.0, 20, 30, 10, 20, 30], index=index)
    got = nation_footing(values, nation, deprivation).set_index("indicator")
    assert got.loc["up", "same_sign"] and not got.loc["flip", "same_sign"]
    assert got.loc["up", "rho_england"] == pytest.approx(1.0)
    assert got.loc["flip", "rho_wales"] == pytest.approx(-1.0)
    with pytest.raises(DataError, match="unknown nation"):
        nation_footing(values, nation.replace("Wales", "Scotland"), deprivation)


# --- real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def census(mirror_interim: Path) -> pd.DataFrame:
    return census21_oa.census21_lsoa21(mirror_interim).set_index("lsoa21_code")


@pytest.fixture(scope="module")
def table(mirror_indicators: pd.DataFrame) -> pd.DataFrame:
    return mirror_indicators


def test_oa_sums_match_published_lsoa_totals(mirror_interim, census):
    assert len(census) == 35_672
    # OA sums conserve the OA totals exactly ...
    oa = interim.read(mirror_interim, "census21_oa_general_health")
    assert census["health_residents"].sum() == oa["residents"].sum()
    # ... and differ from the published LSOA totals only by ONS's small-cell perturbation.
    gap = (census["health_residents"] - census["residents"]).abs()
    assert gap.mean() < 5 and gap.max() <= 25
    assert (census["nssec_classified"] <= census["nssec_residents_16plus"]).all()
    assert (census["cob_outside_uk"] <= census["cob_residents"]).all()
    births = census[[f"cob_{g}" for g in raw_tables.OA_TABLES[
        "census21_oa_country_of_birth"]["partition"]]].sum(axis=1)  # fmt: skip
    assert (births == census["cob_outside_uk"]).all()


def test_england_and_wales_shares_match_the_census_bulletins(census):
    # PROVENANCE.md of singleton-census21-oa, checked against the ONS Census 2021 bulletins.
    total = census.sum()
    assert 1 - total["cob_outside_uk"] / total["cob_residents"] == pytest.approx(0.832, abs=5e-4)
    # 5.3 % in PROVENANCE.md is the sum of the rounded bad (4.0 %) and very bad (1.2 %) shares.
    assert total["health_bad"] / total["health_residents"] == pytest.approx(0.053, abs=1e-3)
    assert total["qual_degree"] / total["qual_residents_16plus"] == pytest.approx(0.338, abs=5e-4)
    low = total["qual_low"] / total["qual_residents_16plus"]
    assert 0.182 < low < 0.35  # no qualifications alone is 18.2 %; level 1 adds to it


def test_ethnicity_tables_match_the_published_figures(mirror_interim):
    census11 = interim.read(mirror_interim, "ethnicity11_lsoa11")
    assert census11["persons"].sum() == 56_075_912
    assert census11["white_gypsy_traveller"].sum() == 57_680
    assert census11["white_british"].sum() / census11["persons"].sum() == pytest.approx(
        0.805, abs=5e-4
    )
    census21 = interim.read(mirror_interim, "ethnicity21_ltla21").set_index("ltla21_code")
    assert len(census21) == 331
    share = census21["white_british"].sum() / census21["residents"].sum()
    assert share == pytest.approx(0.744, abs=5e-4)
    newham = 1 - census21.loc["E09000025", "white_british"] / census21.loc["E09000025", "residents"]
    assert newham == pytest.approx(0.852, abs=5e-4)
    change = area_measures.non_white_british_change(mirror_interim).set_index("lad_code")
    assert len(change) == 331
    # Every authority became more diverse between the censuses, none by more than 25 points.
    assert change["non_white_british_growth_la"].between(0, 0.25).all()


def test_age_standardisation_removes_the_age_gradient(mirror_interim, census, table):
    shares = agestd.age_shares(mirror_interim).reindex(census.index)
    control = agestd.income_rate21(mirror_interim).reindex(census.index)
    _, rates = agestd.standardise(census["health_bad"], census["health_residents"], shares, control)
    # Bad health rises with age from early adulthood; the oldest band is the highest.
    assert rates["age_16_24"] < rates["age_50_64"] < rates["age_65plus"]
    assert rates.idxmax() == "age_65plus"

    def partial(column: str) -> float:
        """Correlation with the share 65+ once income deprivation is held constant."""
        frame = table[[column, "share_65plus_2021", "income_deprived_rate"]].dropna()
        x = np.column_stack([np.ones(len(frame)), frame["income_deprived_rate"]])
        resid = [
            frame[c] - x @ np.linalg.lstsq(x, frame[c], rcond=None)[0]
            for c in (column, "share_65plus_2021")
        ]
        return float(np.corrcoef(resid[0], resid[1])[0, 1])

    assert partial("disability_share") > 0.6  # crude: older towns look more disabled
    assert abs(partial("disability_share_agestd")) < 0.3
    assert abs(partial("bad_health_share_agestd")) < 0.3


def test_pilot_towns_have_every_new_indicator(table):
    for town in (GRAVESEND, PORT_TALBOT):
        assert table.loc[town, NEW].notna().all(), town
    # Gravesend's migrant population is far larger than Port Talbot's.
    assert table.loc[GRAVESEND, "born_outside_uk_2021"] > 3 * table.loc[
        PORT_TALBOT, "born_outside_uk_2021"]  # fmt: skip


def test_new_indicators_are_deterministic(mirror_interim, table, census):
    again = census21_oa.census21_lsoa21(mirror_interim).set_index("lsoa21_code")
    pd.testing.assert_frame_equal(again, census)
    assert table[NEW].notna().sum().min() >= 1177


@pytest.mark.real_data("processed")
def test_one_footing_for_england_and_wales(table):
    towns = processed.read_towns(PROCESSED)
    towns = towns.set_index("town_code").reindex(table.index)
    got = nation_footing(table[NEW], towns["nation"], towns["uk_imd_score"]).set_index("indicator")
    for code, sign in EXPECTED_SIGN.items():
        assert np.sign(got.loc[code, "rho_england"]) == sign, code
        assert np.sign(got.loc[code, "rho_wales"]) == sign, code
    assert (got["wales_within_england_range"] >= 0.5).all()
