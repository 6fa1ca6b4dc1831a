"""Poll schema validation: each problem is a DataError naming file, column and row."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from hopeful.errors import DataError
from hopeful.models.poll import item_spec, levels, read_poll, schema, validate_poll

TOWNS = ["E34000007", "W38000144"]


def _poll(n_repeat: int = 1) -> pd.DataFrame:
    """Every level of every demographic at least once (a tiny valid poll)."""
    rows = []
    combos = itertools.product(levels("age_band"), levels("sex"))
    ethnicity, tenure = levels("ethnicity"), levels("tenure")
    for i, (age, sex) in enumerate(combos):
        rows.append(
            {
                "respondent_id": f"r{i}",
                "area_code": TOWNS[i % 2],
                "age_band": age,
                "sex": sex,
                "ethnicity": ethnicity[i % len(ethnicity)],
                "tenure": tenure[i % len(tenure)],
                "response": i % 2,
            }
        )
    return pd.DataFrame(rows * n_repeat)


def test_valid_poll_is_cleaned():
    got = validate_poll(_poll())
    assert len(got) == 10 and got["response"].dtype == "int64"
    assert got["weight"].eq(1.0).all()
    assert set(got["age_band"]) == set(levels("age_band"))


def test_csv_round_trip_with_weights(tmp_path):
    path = tmp_path / "poll.csv"
    _poll().assign(weight=2.5).to_csv(path, index=False)
    got = read_poll(path, known_areas=TOWNS)
    assert got["weight"].eq(2.5).all() and got["respondent_id"].iloc[0] == "r0"


def test_missing_column_names_the_file_and_column(tmp_path):
    path = tmp_path / "poll.csv"
    _poll().drop(columns="tenure").to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        read_poll(path)
    assert err.value.column == "tenure" and err.value.file == str(path)


def test_unknown_category_names_column_and_row():
    poll = _poll()
    poll.loc[3, "ethnicity"] = "White British"
    with pytest.raises(DataError, match="unknown category 'White British'") as err:
        validate_poll(poll, source="p.csv")
    assert (err.value.column, err.value.row, err.value.file) == ("ethnicity", 5, "p.csv")


def test_empty_stratum_is_an_error():
    poll = _poll()
    poll = poll[poll["age_band"] != "16-24"]
    with pytest.raises(DataError, match="empty stratum.*age_band = '16-24'"):
        validate_poll(poll)


def test_response_checks():
    poll = _poll()
    poll.loc[2, "response"] = 2
    with pytest.raises(DataError, match="not a binary response") as err:
        validate_poll(poll)
    assert err.value.row == 4
    tribes = schema()["tribes"]
    labelled = _poll().assign(response=[tribes[i % 6] for i in range(10)])
    assert validate_poll(labelled, response="categorical")["response"].iloc[7] == tribes[1]
    labelled.loc[0, "response"] = "Hopeful"
    with pytest.raises(DataError, match="unknown response 'Hopeful'"):
        validate_poll(labelled, response="categorical")
    few = _poll().assign(response=[tribes[i % 5] for i in range(10)])
    with pytest.raises(DataError, match="no respondent answered 'Active Enmity'"):
        validate_poll(few, response="categorical")


def test_ids_and_towns_are_checked():
    poll = _poll()
    poll.loc[4, "respondent_id"] = "r0"
    with pytest.raises(DataError, match="duplicate") as err:
        validate_poll(poll)
    assert err.value.row == 6
    poll = _poll()
    poll.loc[1, "area_code"] = "E01000001"  # an LSOA, not a town
    with pytest.raises(DataError, match="not a TOWN code"):
        validate_poll(poll)
    with pytest.raises(DataError, match="no post-stratification frame") as err:
        validate_poll(_poll(), known_areas=["E34000007"])
    assert err.value.row == 3


def test_respondents_outside_towns_need_a_known_region():
    poll = _poll().assign(region="")
    poll.loc[3, ["area_code", "region"]] = ["", "Wales"]
    got = validate_poll(poll, known_areas=TOWNS)
    assert got["area_code"].isna().sum() == 1 and got.loc[3, "region"] == "Wales"
    poll.loc[5, "area_code"] = ""
    with pytest.raises(DataError, match="needs a region") as err:
        validate_poll(poll)
    assert (err.value.column, err.value.row) == ("area_code", 7)
    poll.loc[5, "region"] = "Mercia"
    with pytest.raises(DataError, match="unknown region 'Mercia'") as err:
        validate_poll(poll)
    assert (err.value.column, err.value.row) == ("region", 7)


FICTIONAL = Path(__file__).parents[1] / "fixtures" / "fictional_poll.csv"


def test_fictional_example_poll_answers_every_schema_item():
    items = schema()["items"]
    assert {item_spec(name)["theme"] for name in items} == {
        "identity",
        "society",
        "economic change",
    }
    for name in items:
        spec = item_spec(name)
        got = read_poll(FICTIONAL, item=name)
        assert len(got) == 400 and got["respondent_id"].str.startswith("fictional-").all()
        assert got["area_code"].isna().sum() == got["region"].notna().sum() > 0
        if spec["response"] == "binary":
            assert set(got["response"]) == {0, 1}
        else:
            assert set(got["response"]) == set(spec["levels"])
    assert item_spec("identity_tribe")["levels"] == schema()["tribes"]
    with pytest.raises(ValueError, match="unknown poll item"):
        item_spec("favourite_colour")


def test_item_column_missing_names_it(tmp_path):
    path = tmp_path / "poll.csv"
    pd.read_csv(FICTIONAL).drop(columns="people_get_on").to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        read_poll(path, item="people_get_on")
    assert err.value.column == "people_get_on"
