"""Towns' local-authority well-being: latest published year, its interval, change since 2011/12."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import MIRROR

from hopeful import interim
from hopeful.errors import DataError
from hopeful.prepare import area_readers, wellbeing


def _interim(tmp_path: Path, rows: list[tuple]) -> Path:
    """A wellbeing_la table where every measure has the value, limits and year of `rows`."""
    frame = pd.DataFrame(rows, columns=["area_code", "year", "value", "lo95", "hi95"])
    out = frame[["area_code", "year"]].copy()
    for m in wellbeing.MEASURES:
        out[m], out[f"{m}_lo95"], out[f"{m}_hi95"] = frame["value"], frame["lo95"], frame["hi95"]
    interim.write(out, tmp_path, "wellbeing_la")
    return tmp_path


TOWNS = pd.DataFrame({"town_code": ["E34000001", "E34000002"], "lad_code": ["E1", "E2"]})


def test_change_and_its_interval_from_the_two_published_intervals(tmp_path: Path) -> None:
    rows = [
        ("E1", 2011, 7.0, 6.7, 7.3),  # half-width 0.3
        ("E1", 2016, 7.9, 7.8, 8.0),  # a middle year plays no part
        ("E1", 2022, 7.5, 7.1, 7.9),  # half-width 0.4
        ("E2", 2011, 7.0, 6.9, 7.1),
        ("E2", 2021, 7.2, 7.1, 7.3),
        ("E2", 2022, None, None, None),  # suppressed: the latest is 2021/22
    ]
    out = wellbeing.town_wellbeing(_interim(tmp_path, rows), TOWNS).set_index("town_code")
    first = out.loc["E34000001"]
    assert first["anxiety_latest"] == 7.5 and first["anxiety_latest_year"] == 2022
    assert (first["anxiety_latest_lo95"], first["anxiety_latest_hi95"]) == (7.1, 7.9)
    assert first["happiness_change_since_2011"] == pytest.approx(0.5)
    margin = math.hypot(0.3, 0.4)  # 0.5: the 95% half-width of a difference of independents
    assert first["happiness_change_since_2011_lo95"] == pytest.approx(0.5 - margin, abs=1e-3)
    assert first["happiness_change_since_2011_hi95"] == pytest.approx(0.5 + margin, abs=1e-3)
    second = out.loc["E34000002"]
    assert second["worthwhile_latest_year"] == 2021 and second["worthwhile_latest"] == 7.2
    assert second["worthwhile_change_since_2011_lo95"] > 0  # a real rise: interval above zero


def test_no_2011_estimate_leaves_the_change_missing(tmp_path: Path) -> None:
    rows = [("E1", 2019, 7.0, 6.8, 7.2), ("E1", 2022, 7.4, 7.2, 7.6), ("E2", 2011, 7.0, 6.9, 7.1)]
    out = wellbeing.town_wellbeing(_interim(tmp_path, rows), TOWNS).set_index("town_code")
    assert out.loc["E34000001", "life_satisfaction_latest"] == 7.4
    assert pd.isna(out.loc["E34000001", "life_satisfaction_change_since_2011"])
    # An authority whose only year is 2011/12 has no change either (latest = base).
    assert pd.isna(out.loc["E34000002", "life_satisfaction_change_since_2011"])


def test_authority_missing_from_the_file_fails(tmp_path: Path) -> None:
    rows = [("E1", 2011, 7.0, 6.7, 7.3)]
    with pytest.raises(DataError, match="E2"):
        wellbeing.town_wellbeing(_interim(tmp_path, rows), TOWNS)


@pytest.mark.real_data("mirror")
def test_real_series_on_2021_authorities(tmp_path: Path) -> None:
    """ONS's series is on April 2021 authorities back to 2011/12, merged districts included;
    only North and West Northamptonshire start later (2019/20)."""
    path = MIRROR / "ons-explore-local-statistics" / "personal-wellbeing-estimates.csv"
    interim.write(area_readers.wellbeing(path), tmp_path, "wellbeing_la")
    towns = pd.DataFrame(
        {
            "town_code": ["E1", "E2", "E3", "W1"],
            "lad_code": ["E06000060", "E06000061", "E07000109", "W06000012"],
        }
    )  # Buckinghamshire (2020), North Northamptonshire (2021), Gravesham, Neath Port Talbot
    out = wellbeing.town_wellbeing(tmp_path, towns).set_index("town_code")
    assert out["life_satisfaction_latest_year"].tolist() == [2022] * 4
    assert out.loc["E1", "life_satisfaction_change_since_2011"] == pytest.approx(7.63 - 7.49)
    assert pd.isna(out.loc["E2", "life_satisfaction_change_since_2011"])
    assert out.loc["W1", "life_satisfaction_latest"] == 7.35
    lo, hi = out.loc["W1", ["anxiety_change_since_2011_lo95", "anxiety_change_since_2011_hi95"]]
    assert lo < out.loc["W1", "anxiety_change_since_2011"] < hi
