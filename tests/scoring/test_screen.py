import numpy as np
import pandas as pd
import pytest

from hopeful.scoring.screen import screen

# Warnings from the code under test are errors; ResourceWarnings are not: the garbage
# collector may finish off an earlier test's sockets or event loops during these tests.
pytestmark = pytest.mark.filterwarnings("error", "ignore::ResourceWarning")

NAN = np.nan


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "full": [1.0, 2.0, 3.0, 4.0],
            "half": [1.0, NAN, NAN, 4.0],  # 50% available
            "most": [1.0, 2.0, NAN, 4.0],  # 75% available
        },
        index=["u1", "u2", "u3", "u4"],
    )


def test_drops_indicators_below_min_share_and_reports_all():
    result = screen(frame(), min_indicator_share=0.65, min_unit_share=0.0)
    assert list(result.data.columns) == ["full", "most"]
    report = result.indicators
    assert report["n_available"].tolist() == [4, 2, 3]
    assert report["share_available"].tolist() == [1.0, 0.5, 0.75]
    assert report["kept"].tolist() == [True, False, True]


def test_threshold_is_inclusive():
    assert "half" in screen(frame(), min_indicator_share=0.5).data.columns


def test_unit_availability_counts_kept_indicators_only():
    # u3 has 1 of the 2 kept indicators (the dropped "half" no longer counts against it).
    result = screen(frame(), min_indicator_share=0.65, min_unit_share=0.6)
    units = result.units
    assert units.loc["u3", "share_available"] == 0.5
    assert units["flagged"].tolist() == [False, False, True, False]
    assert not units["dropped"].any()
    assert list(result.data.index) == ["u1", "u2", "u3", "u4"]


def test_drop_units_removes_flagged_units():
    result = screen(frame(), min_indicator_share=0.65, min_unit_share=0.6, drop_units=True)
    assert list(result.data.index) == ["u1", "u2", "u4"]
    assert result.units.loc["u3", "dropped"]


def test_all_missing_indicator_is_dropped():
    data = frame().assign(empty=NAN)
    result = screen(data, min_indicator_share=0.1)
    assert "empty" not in result.data.columns
    assert result.indicators.loc["empty", "share_available"] == 0.0
