"""Indicator building blocks on small synthetic frames with hand-computed answers."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest

from hopeful import sources
from hopeful.errors import DataError
from hopeful.indicators import area_measures, build, convert, lsoa11_measures, politics
from hopeful.indicators.aggregate import deprivation_percentile, inherited_mean, ratio_of_sums
from hopeful.indicators.catalogue import (
    catalogue,
    catalogue_path,
    read_catalogue,
    require_rationale,
)
from hopeful.prepare import raw_tables
from hopeful.prepare.raw_tables import wide_counts

T1, T2 = "E34000001", "E34000002"

EU = "eu_referendum2016_results"
HOUSEHOLDS11 = "census11_deprivation_england_wales_lsoa11"
CNI22_WALES = "cni2022_wales_msoa11"


# --- percentiles and sums ------------------------------------------------------------------


def test_deprivation_percentile_mid_rank():
    # n = 4: 100 (4 - r + 0.5) / 4 -> 87.5, 62.5, 37.5, 12.5; mean exactly 50.
    got = deprivation_percentile(pd.Series([1, 2, 3, 4, np.nan]), 4)
    assert got.iloc[:4].tolist() == [87.5, 62.5, 37.5, 12.5]
    assert np.isnan(got.iloc[4])


@pytest.mark.parametrize("bad", [0, 5, 2.5])
def test_deprivation_percentile_rejects_non_ranks(bad):
    with pytest.raises(DataError, match="not a rank in 1..4"):
        deprivation_percentile(pd.Series([1, bad]), 4)


def test_ratio_of_sums_sums_before_dividing_and_skips_unknown_rows():
    frame = pd.DataFrame(
        {
            "town_code": [T1, T1, T1, T2, None],
            "renters": [10, 30, np.nan, 0, 99],
            "households": [100, 300, 500, 0, 1],
        }
    )
    got = ratio_of_sums(frame, "town_code", "renters", "households")
    # T1: (10 + 30) / (100 + 300), the row with unknown renters left out of both sums;
    # T2: 0 / 0 is undefined; the row with no town is ignored.
    assert got[T1] == pytest.approx(0.1)
    assert np.isnan(got[T2])
    assert list(got.index) == [T1, T2]


def test_inherited_mean_weights_split_towns_and_falls_back_to_own_authority():
    lsoa = pd.DataFrame(
        {
            "town_code": [T1, T1, T2],
            "lad_code": ["E07000001", "E07000002", "E07000002"],
            "pop": [300.0, 100.0, 50.0],
        }
    )
    values = pd.DataFrame(
        {"lad_code": ["E07000001", "E07000002", "E07000003"], "leave": [0.6, 0.4, 0.7]}
    )
    fallback = pd.DataFrame(
        {"town_code": [T1, T2, "E34000003"], "lad_code": [None, None, "E07000003"]}
    )
    got = inherited_mean(lsoa, values, area="lad_code", weight="pop", fallback=fallback)
    assert got.loc[T1, "leave"] == pytest.approx((300 * 0.6 + 100 * 0.4) / 400)
    assert got.loc[T2, "leave"] == pytest.approx(0.4)
    assert got.loc["E34000003", "leave"] == pytest.approx(0.7)  # town with no LSOA


# --- LSOA 2021 -> town ---------------------------------------------------------------------


def _split_merge_example():
    """U, S, M and X changes with hand-computed winners (weights = parent pop / children)."""
    lookup = pd.DataFrame(
        [
            ("E01000001", "E01100001"),  # U: A -> A21
            ("E01000002", "E01100002"),  # S: B -> B21a, B21b
            ("E01000002", "E01100003"),
            ("E01000003", "E01100004"),  # M: C (T1, 100) + D (T2, 300) -> T2
            ("E01000004", "E01100004"),
            ("E01000005", "E01100005"),  # M: E (T1, 200) + F (no town, 150) -> T1
            ("E01000006", "E01100005"),
            ("E01000007", "E01100006"),  # M: G (no town, 400) + H (T1, 100) -> no town
            ("E01000008", "E01100006"),
            ("E01000009", "E01100007"),  # X: J (T1, 200) -> J21a, J21b; K (T2, 150) -> J21b
            ("E01000009", "E01100008"),
            ("E01000010", "E01100008"),
            ("E01000011", "E01100009"),  # M tie: L (T2, 100) + M (T1, 100) -> T1 (lower code)
            ("E01000012", "E01100009"),
        ],
        columns=["lsoa11_code", "lsoa21_code"],
    )
    towns = {
        "E01000001": T1, "E01000002": T2, "E01000003": T1, "E01000004": T2,
        "E01000005": T1, "E01000008": T1, "E01000009": T1, "E01000010": T2,
        "E01000011": T2, "E01000012": T1,
    }  # fmt: skip
    lsoa_town = pd.DataFrame({"lsoa11_code": list(towns), "town_code": list(towns.values())})
    pops = [500, 600, 100, 300, 200, 150, 400, 100, 200, 150, 100, 100]
    population = pd.DataFrame(
        {"lsoa11_code": [f"E010000{i:02d}" for i in range(1, 13)], "population": pops}
    )
    expected = {
        "E01100001": T1,
        "E01100002": T2,
        "E01100003": T2,
        "E01100004": T2,
        "E01100005": T1,
        "E01100007": T1,
        "E01100008": T2,  # J gives 200 / 2 = 100 to T1, K gives 150 to T2
        "E01100009": T1,
    }
    return lookup, lsoa_town, population, expected


def test_lsoa21_assignment_handles_splits_merges_and_redraws():
    lookup, lsoa_town, population, expected = _split_merge_example()
    got = convert.assign_lsoa21_to_towns(lookup, lsoa_town, population)
    assert dict(zip(got["lsoa21_code"], got["town_code"], strict=True)) == expected


def test_lsoa21_assignment_is_order_independent():
    lookup, lsoa_town, population, _ = _split_merge_example()
    first = convert.assign_lsoa21_to_towns(lookup, lsoa_town, population)
    shuffled = convert.assign_lsoa21_to_towns(
        lookup.sample(frac=1, random_state=3), lsoa_town.iloc[::-1], population.iloc[::-1]
    )
    pd.testing.assert_frame_equal(first, shuffled)


def test_lsoa21_counts_summed_to_towns_after_assignment():
    # Private renters on the 2021 areas of the example: each LSOA 2021 counts whole in its town.
    lookup, lsoa_town, population, _ = _split_merge_example()
    assigned = convert.assign_lsoa21_to_towns(lookup, lsoa_town, population)
    counts = pd.DataFrame(
        {
            "lsoa21_code": [f"E0110000{i}" for i in range(1, 10)],
            "private_rented": [10, 20, 30, 40, 50, 60, 70, 80, 90],
            "households": [100] * 9,
        }
    )
    frame = assigned.merge(counts, on="lsoa21_code")
    got = ratio_of_sums(frame, "town_code", "private_rented", "households")
    # T1: A21, EF21, J21a, LM21 = 10 + 50 + 70 + 90 of 400; T2: B21a, B21b, CD21, J21b.
    assert got[T1] == pytest.approx(220 / 400)
    assert got[T2] == pytest.approx((20 + 30 + 40 + 80) / 400)


def test_lsoa21_assignment_needs_every_parent_population():
    lookup, lsoa_town, population, _ = _split_merge_example()
    with pytest.raises(DataError, match="E01000012"):
        convert.assign_lsoa21_to_towns(lookup, lsoa_town, population.iloc[:-1])


def test_lsoa21_to_msoa21_by_name():
    lsoa21 = pd.DataFrame(
        {
            "lsoa21_code": ["E01000001", "E01000002", "E01000003"],
            "lsoa21_name": ["Gravesham 003A", "Gravesham 003B", "Gravesham 010A"],
        }
    )
    msoa21 = pd.DataFrame(
        {
            "msoa21_code": ["E02000001", "E02000002"],
            "msoa21_name": ["Gravesham 003", "Gravesham 010"],
        }
    )
    got = convert.lsoa21_to_msoa21(lsoa21, msoa21)
    assert got["msoa21_code"].tolist() == ["E02000001", "E02000001", "E02000002"]
    bad = lsoa21.assign(lsoa21_name=["Gravesham 003A", "Gravesham 003B", "Dartford 001A"])
    lookup = r"lookup_lsoa11_lsoa21_ltla22.rda, column 'lsoa21_name', row 4: no MSOA"
    with pytest.raises(DataError, match=lookup):
        convert.lsoa21_to_msoa21(bad, msoa21)


# --- validation of long tables and the catalogue -------------------------------------------


def _long_tenure():
    return pd.DataFrame(
        {
            "lsoa21_code": ["E01000001", "E01000001", "E01000002", "E01000002"],
            "tenure": ["Owned", "Rented", "Owned", "Rented"],
            "n": [5, 7, 9, 11],
        }
    )


def test_wide_counts_pivots_known_categories():
    got = wide_counts(
        _long_tenure(), Path("t.rda"), key="lsoa21_code", category="tenure", value="n",
        labels={"Owned": "owned", "Rented": "rented"},
    )  # fmt: skip
    assert got.to_dict("list") == {
        "lsoa21_code": ["E01000001", "E01000002"],
        "owned": [5.0, 9.0],
        "rented": [7.0, 11.0],
    }


def test_wide_counts_rejects_unknown_and_missing_categories():
    labels = {"Owned": "owned", "Rented": "rented"}
    renamed = _long_tenure().assign(tenure=["Owned", "Rented", "Owned", "Rented: private"])
    with pytest.raises(DataError, match=r"t.rda, column 'tenure', row 5: unknown category"):
        wide_counts(renamed, Path("t.rda"), key="lsoa21_code", category="tenure", value="n",
                    labels=labels)  # fmt: skip
    with pytest.raises(DataError, match=r"area E01000002 has no row for \['rented'\]"):
        wide_counts(_long_tenure().iloc[:3], Path("t.rda"), key="lsoa21_code",
                    category="tenure", value="n", labels=labels)  # fmt: skip


def test_catalogue_file_is_valid_and_broad():
    cat = catalogue()
    assert len(cat) >= 40
    assert cat["domain"].nunique() >= 7
    assert set(cat["direction"]) == {1, -1, 0}
    assert list(cat.columns)[-1] == "rationale"
    # proxies say what they stand in for; England-only indicators say so
    assert (cat.loc[cat["nations"] == "england", "comparability"].str.contains("England")).all()


def test_catalogue_errors_name_file_column_and_row(tmp_path):
    text = catalogue_path().read_text(encoding="utf-8").splitlines()
    header, first, second = text[0], text[1], text[2]
    bad = tmp_path / "indicators.csv"
    bad.write_text("\n".join([header, first, second.replace("town_aggregated", "by_magic")]))
    with pytest.raises(DataError, match=r"column 'geography', row 3: unknown geography"):
        read_catalogue(bad)
    bad.write_text("\n".join([header, first, first]))
    with pytest.raises(DataError, match=r"column 'code', row 3: duplicate value"):
        read_catalogue(bad)
    bad.write_text("\n".join([header, first, second.replace(",-1,", ",2,", 1)]))
    with pytest.raises(DataError, match=r"column 'direction', row 3: not \+1, -1 or 0"):
        read_catalogue(bad)


def test_index_indicators_need_a_rationale(tmp_path):
    """A direction without its argument fails, naming the file, column and row."""
    text = catalogue_path().read_text(encoding="utf-8").splitlines()
    header, first, second = text[0], text[1], text[2]
    cut = second[: second.rindex(',"')] + ","  # the same row with an empty rationale
    bad = tmp_path / "indicators.csv"
    bad.write_text("\n".join([header, first, cut]), encoding="utf-8")
    frame = read_catalogue(bad)
    code = frame.at[1, "code"]
    require_rationale(frame, [frame.at[0, "code"]], bad)  # only indicators of the index need one
    with pytest.raises(DataError, match=r"column 'rationale', row 3: an indicator of the index"):
        require_rationale(frame, [code], bad)
    require_rationale(catalogue(), list(catalogue()["code"]))  # the real file: every row has one


def test_output_check_against_catalogue():
    cat = pd.DataFrame(
        {
            "code": ["share_x", "pct_e"],
            "unit": ["fraction of 1", "percentile (0-100)"],
            "nations": ["both", "england"],
        }
    )
    towns = pd.DataFrame({"town_code": [T1, "W37000001"], "nation": ["England", "Wales"]})
    good = pd.DataFrame({"town_code": [T1, "W37000001"], "pct_e": [40.0, np.nan],
                         "share_x": [0.2, 0.3]})  # fmt: skip
    got = build.check_against_catalogue(good, cat, towns)
    assert list(got.columns) == ["town_code", "share_x", "pct_e"]
    with pytest.raises(DataError, match="in the catalogue but not built: \\['pct_e'\\]"):
        build.check_against_catalogue(good.drop(columns="pct_e"), cat, towns)
    with pytest.raises(DataError, match=r"column 'share_x', row 3: .*1.5\)? is out of range"):
        build.check_against_catalogue(good.assign(share_x=[0.2, 1.5]), cat, towns)
    with pytest.raises(DataError, match="england-only indicator has a value for W37000001"):
        build.check_against_catalogue(good.assign(pct_e=[40.0, 50.0]), cat, towns)


# --- votes ---------------------------------------------------------------------------------


def _write_cr(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\r".join(lines).encode("cp1252"))


def _stage(raw: Path, dataset_id: str) -> Path:
    """The interim table of one raw file under raw, as `hopeful prepare` writes it."""
    raw_tables.write_all(raw, raw / "interim", ids=[dataset_id])
    return raw / "interim"


def test_eu_referendum_sums_merged_districts(tmp_path):
    vintages = pd.DataFrame(
        {
            "ltla16_code": ["E07000048", "E07000049", "E07000109"],
            "ltla16_name": ["Christchurch", "East Dorset", "Gravesham"],
            "lad_code": ["E06000059", "E06000059", "E07000109"],
        }
    )
    header = "Region,Area_Code,Area,Electorate,VerifiedBallotPapers,Valid_Votes,Leave,Remain"
    rows = [
        "South West,E07000048,Christchurch,100,80,80,50,30",
        "South West,E07000049,East Dorset,300,210,200,100,100",
        "South East,E07000109,Gravesham,10,8,8,6,2",
    ]
    eu = tmp_path / "eu-referendum-2016" / "EU-referendum-result-data.csv"
    _write_cr(eu, [header, *rows])
    got = politics.eu_referendum(_stage(tmp_path, EU), vintages).set_index("lad_code")
    assert got.loc["E06000059", "leave_share_la"] == pytest.approx(150 / 280)
    assert got.loc["E06000059", "eu_turnout_la"] == pytest.approx(290 / 400)
    _write_cr(eu, [header, *rows, "South East,E07000999,Nowhere,1,1,1,1,0"])
    with pytest.raises(DataError, match=r"'Area_Code', row 5: counting area not in the LA code"):
        politics.eu_referendum(_stage(tmp_path, EU), vintages)
    _write_cr(eu, [header, *rows[:2], "South East,E07000109,Gravesham,10,8,8,6,3"])
    with pytest.raises(DataError, match=r"'Valid_Votes', row 4: Leave \+ Remain differ"):
        raw_tables.read(tmp_path, EU)


def test_constituencies_matched_by_code_or_unchanged_name(tmp_path):
    vintages = pd.DataFrame(
        {
            "ltla16_code": ["E08000037", "E07000109"],
            "ltla16_name": ["Gateshead", "Gravesham"],
            "lad_code": ["E08000037", "E07000109"],
        }
    )
    header = "LAD12CD,LAD12CDO,LAD12NM,PCON12CD,PCON12CDO,PCON12NM"
    rows = [
        "E08000020,00CH,Gateshead,E14000710,x,Gateshead",  # recoded in 2013: matched by name
        "E07000109,29UG,Gravesham,E14000727,x,Gravesham",
        "S12000033,00QA,Aberdeen City,S14000001,x,Aberdeen North",  # Scotland: ignored
    ]
    _write_cr(tmp_path / "eu-referendum-2016" / "LAD12_PCON12_UK_LU.csv", [header, *rows])
    got = politics.lad_constituencies(_stage(tmp_path, "lookup_lad12_pcon12"), vintages)
    assert got.to_dict("list") == {
        "lad_code": ["E07000109", "E08000037"],
        "pcon_code": ["E14000727", "E14000710"],
    }


# --- readers validate on load --------------------------------------------------------------


def _write_rda(raw: Path, dataset_id: str, frame: pd.DataFrame) -> None:
    path = sources.raw_path(sources.dataset(dataset_id), raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadr.write_rdata(str(path), frame, df_name="data")


def test_household_reader_sums_dimensions_and_names_bad_rows(tmp_path):
    frame = pd.DataFrame(
        {
            "lsoa11_code": ["E01000001"] * 5 + ["W01000001"] * 5,
            "households_number_deprivation_dimensions": [0.0, 1, 2, 3, 4] * 2,
            "count": [50.0, 30, 15, 4, 1, 10, 10, 10, 10, 10],
        }
    )
    _write_rda(tmp_path, HOUSEHOLDS11, frame)
    got = lsoa11_measures.households2011(_stage(tmp_path, HOUSEHOLDS11))
    assert got.to_dict("list") == {
        "lsoa11_code": ["E01000001", "W01000001"],
        "hh11": [100.0, 50.0],
        "hh11_deprived": [50.0, 40.0],
    }
    _write_rda(tmp_path, HOUSEHOLDS11, frame.assign(count=[50.0] * 6 + [-1.0] * 4))
    with pytest.raises(DataError, match=r"census11_deprivation.*column 'count', row 8"):
        raw_tables.read(tmp_path, HOUSEHOLDS11)
    _write_rda(tmp_path, HOUSEHOLDS11, frame.assign(lsoa11_code="E02000001"))
    with pytest.raises(DataError, match=r"column 'lsoa11_code', row 2: 'E02000001' is not a LSOA"):
        raw_tables.read(tmp_path, HOUSEHOLDS11)


def test_rank_readers_reject_ranks_beyond_the_number_of_areas(tmp_path):
    frame = pd.DataFrame(
        {
            "msoa11_code": ["W02000001", "W02000002"],
            **{rank: [1.0, 2.0] for rank in raw_tables.CNI22_RANKS},
            "Left Behind Area?": [True, False],
        }
    )
    _write_rda(tmp_path, CNI22_WALES, frame)
    got = area_measures.cni2022_wales(_stage(tmp_path, CNI22_WALES))
    assert got["cni_need"].tolist() == [75.0, 25.0]
    assert got["left_behind"].tolist() == [1.0, 0.0]
    bad = frame.assign(**{"Civic Assets rank": [1.0, 3.0]})
    _write_rda(tmp_path, CNI22_WALES, bad)
    with pytest.raises(DataError, match=r"column 'Civic Assets rank', row 3: .*out of range"):
        raw_tables.read(tmp_path, CNI22_WALES)
