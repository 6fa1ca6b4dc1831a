"""The attitudes section on a small synthetic towns table: with and without the modelled
Reform UK columns, missing values said in words, text from data escaped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hopeful.prepare.wellbeing import MEASURES
from hopeful.reports import attitudes_view, town_view
from hopeful.reports.town_view import TownView

REFORM_MODELLED = [
    "reform24_share_modelled",
    "reform24_share_modelled_p05",
    "reform24_share_modelled_p95",
]


def _towns() -> pd.DataFrame:
    """Three towns: a typical one, one whose authority has no 2011/12 figure and a name with
    markup, and one in a seat Reform UK did not contest."""
    frame = pd.DataFrame(
        {
            "town_code": ["E34000001", "E34000002", "W37000003"],
            "town_name": ["Alpha", "<b>Beta</b>", "Gamma"],
            "nation": ["England", "England", "Wales"],
            "lad_name": ["Alphashire", "North Beta & Co", "Gamma Vale"],
            "leave_share_la": [0.60, 0.55, 0.50],
            "leave_share_modelled": [0.62, 0.50, np.nan],
            "leave_share_modelled_p05": [0.58, 0.45, np.nan],
            "leave_share_modelled_p95": [0.66, 0.55, np.nan],
            "reform_share_2024": [0.20, 0.15, 0.0],
            "reform_stood_share": [1.0, 1.0, 0.0],
            "reform24_share_modelled": [0.22, 0.14, np.nan],
            "reform24_share_modelled_p05": [0.19, 0.11, np.nan],
            "reform24_share_modelled_p95": [0.25, 0.17, np.nan],
        }
    )
    for m in MEASURES:
        frame[f"{m}_latest"] = [7.5, 7.0, 7.2]
        frame[f"{m}_latest_lo95"] = [7.3, 6.6, 7.0]
        frame[f"{m}_latest_hi95"] = [7.7, 7.4, 7.4]
        frame[f"{m}_latest_year"] = [2022, 2022, 2021]
        frame[f"{m}_change_since_2011"] = [0.40, np.nan, -0.10]
        frame[f"{m}_change_since_2011_lo95"] = [0.10, np.nan, -0.30]
        frame[f"{m}_change_since_2011_hi95"] = [0.70, np.nan, 0.10]
    return frame


def _view(towns: pd.DataFrame, i: int, tmp_path: Path) -> TownView:
    seats = pd.DataFrame(
        {
            "town_code": ["E34000001", "E34000002", "E34000002", "W37000003"],
            "pcon24_code": ["E14000001", "E14000002", "E14000003", "W07000001"],
            "pcon24_name": ["Alpha Seat", "Beta North", "Beta South", "Gamma Seat"],
            "population_share": [1.0, 0.7, 0.3, 1.0],
        }
    )
    seats.to_csv(tmp_path / "town_constituencies.csv", index=False)
    return TownView(town=towns.iloc[i], towns=towns, processed_dir=tmp_path)


def test_measured_and_modelled_rows_with_intervals_and_comparisons(tmp_path: Path) -> None:
    view = _view(_towns(), 0, tmp_path)
    votes = attitudes_view.votes_table(view).set_index("Measure")
    assert len(votes) == 4
    modelled = votes.loc["Reform UK vote share 2024, the town (modelled)"]
    assert modelled["Alpha"] == "22%" and modelled["Interval"] == "19% to 25% (90%)"
    measured = votes.loc["Reform UK vote share 2024 (constituency, measured)"]
    assert measured["Alpha"] == "20.0%" and "Alpha Seat constituency" in measured["What it is"]
    assert measured["All towns"] == "median 15.0%; higher than 67% of 3 towns"
    assert votes.loc["EU referendum Leave share (local authority, measured)", "Interval"] == (
        "none: a count"
    )
    assert "Alphashire" in votes.iloc[0]["What it is"]


def test_without_modelled_reform_the_row_goes_and_the_section_says_so(tmp_path: Path) -> None:
    towns = _towns().drop(columns=REFORM_MODELLED)
    view = _view(towns, 0, tmp_path)
    votes = attitudes_view.votes_table(view)
    assert len(votes) == 3
    assert not votes["Measure"].str.contains("Reform UK.*modelled").any()
    page = town_view.attitudes_html(view)
    assert "No modelled Reform UK estimate" in page
    with_model = town_view.attitudes_html(_view(_towns(), 0, tmp_path))
    assert "No modelled Reform UK estimate" not in with_model


@pytest.mark.parametrize("i", [0, 1, 2])
def test_no_nan_and_text_escaped(tmp_path: Path, i: int) -> None:
    page = town_view.attitudes_html(_view(_towns(), i, tmp_path))
    assert re.search(r"\bnan\b", page, re.IGNORECASE) is None
    assert "<b>Beta</b>" not in page


def test_missing_values_are_said_in_words(tmp_path: Path) -> None:
    beta = _view(_towns(), 1, tmp_path)
    wellbeing = attitudes_view.wellbeing_table(beta)
    assert (wellbeing["Change since 2011/12 (95% interval)"] == "not available").all()
    assert wellbeing["Is the change real?"].str.contains("no 2011/12 estimate").all()
    seats = attitudes_view.votes_table(beta).iloc[2]["What it is"]
    assert "Beta North (70%), Beta South (30%)" in seats
    gamma = attitudes_view.votes_table(_view(_towns(), 2, tmp_path)).set_index("Measure")
    leave = gamma.loc["EU referendum Leave share, the town (modelled)"]
    assert (leave["Gamma"], leave["Interval"]) == ("not available for this town", "not available")
    assert (
        "did not stand"
        in gamma.loc["Reform UK vote share 2024 (constituency, measured)", "What it is"]
    )


def test_wellbeing_verdicts_follow_the_interval(tmp_path: Path) -> None:
    alpha = attitudes_view.wellbeing_table(_view(_towns(), 0, tmp_path))
    assert alpha.loc[0, "Latest"] == "7.50 in 2022/23"
    assert alpha.loc[0, "Change since 2011/12 (95% interval)"] == "+0.40 (+0.10 to +0.70)"
    assert alpha["Is the change real?"].str.startswith("a real rise").all()
    gamma = attitudes_view.wellbeing_table(_view(_towns(), 2, tmp_path))
    assert gamma.loc[0, "Latest"] == "7.20 in 2021/22"
    assert gamma["Is the change real?"].str.startswith("no clear change").all()
    assert gamma.loc[3, "Measure"] == "Anxiety (higher = more anxious)"


def test_overview_tables_count_towns(tmp_path: Path) -> None:
    towns = _towns()
    changes = attitudes_view.wellbeing_change_table(towns).set_index("Measure")
    row = changes.loc["Life satisfaction"]
    assert (row["Real rise"], row["Real fall"], row["No clear change"]) == ("1", "0", "1")
    assert row["No 2011/12 estimate"] == "1"
    summary = attitudes_view.overview_table(towns.drop(columns=REFORM_MODELLED))
    assert not summary["Measure"].str.contains("Reform UK.*modelled").any()
    wales = summary[(summary["Nation"] == "Wales")]
    # Gamma has no modelled Leave share: the row for Wales is left out, not shown as NaN.
    assert "EU referendum Leave share, the town (modelled)" not in set(wales["Measure"])
