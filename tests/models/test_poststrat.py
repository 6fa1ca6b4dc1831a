"""The synthetic post-stratification frame and the post-stratification arithmetic, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hopeful.models.mrp import poststratify_cells
from hopeful.models.poll import levels
from hopeful.models.poststrat import cells, frame_matrix, poststrat_frame


def test_poststratify_cells_by_hand():
    counts = np.array([[10.0, 30.0], [5.0, 5.0]])
    probability = np.array([[0.2, 0.6], [0.5, 0.1]])
    # town 1: (10 * 0.2 + 30 * 0.6) / 40 = 20 / 40; town 2: (2.5 + 0.5) / 10.
    assert poststratify_cells(probability, counts).tolist() == pytest.approx([0.5, 0.3])
    draws = np.stack([probability, np.ones_like(probability)])
    np.testing.assert_allclose(poststratify_cells(draws, counts), [[0.5, 0.3], [1, 1]])


def _lsoas() -> pd.DataFrame:
    """Town T1 = one LSOA; town T2 = two LSOAs with opposite profiles; one LSOA in no town."""

    def row(town, ages, eth, ten):
        out = {"town_code": town}
        out.update({f"age_band:{lv}": v for lv, v in zip(levels("age_band"), ages, strict=True)})
        out.update({f"ethnicity:{lv}": v for lv, v in zip(levels("ethnicity"), eth, strict=True)})
        out.update({f"tenure:{lv}": v for lv, v in zip(levels("tenure"), ten, strict=True)})
        return out

    return pd.DataFrame(
        [
            row("T1", [10, 20, 30, 20, 20], [80, 5, 10, 5, 0], [60, 20, 20]),
            row("T2", [40, 30, 10, 10, 10], [50, 10, 30, 10, 0], [20, 50, 30]),
            row("T2", [0, 10, 20, 30, 40], [100, 0, 0, 0, 0], [90, 5, 5]),
            row(None, [5, 5, 5, 5, 5], [1, 1, 1, 1, 1], [1, 1, 1]),
        ]
    )


def test_single_lsoa_town_is_the_product_of_its_margins():
    frame = poststrat_frame(_lsoas())
    t1 = frame[frame["town_code"] == "T1"].set_index(["age_band", "sex", "ethnicity", "tenure"])
    # adults 100; age 35-49 = 30; white = 80 / 100; owner-occupied = 60 / 100; sex half.
    assert t1.loc[("35-49", "female", "white", "owner_occupied"), "n"] == pytest.approx(
        30 * 0.8 * 0.6 * 0.5
    )
    assert t1["n"].sum() == pytest.approx(100)
    assert (t1.loc[(slice(None), slice(None), "other"), "n"] == 0).all()


def test_frame_meets_every_town_margin_and_keeps_lsoa_associations():
    lsoas = _lsoas()
    frame = poststrat_frame(lsoas)
    assert list(frame.columns) == ["town_code", "age_band", "sex", "ethnicity", "tenure", "n"]
    assert set(frame["town_code"]) == {"T1", "T2"} and len(frame) == 2 * len(cells())
    t2 = frame[frame["town_code"] == "T2"]
    by_age = t2.groupby("age_band", sort=False)["n"].sum()
    assert by_age.tolist() == pytest.approx([40, 40, 30, 40, 50])
    adults = 200
    eth = t2.groupby("ethnicity", sort=False)["n"].sum() / adults
    assert eth.tolist() == pytest.approx([150 / 200, 10 / 200, 30 / 200, 10 / 200, 0])
    ten = t2.groupby("tenure", sort=False)["n"].sum() / adults
    assert ten.tolist() == pytest.approx([110 / 200, 55 / 200, 35 / 200])
    assert t2.groupby("sex")["n"].sum().tolist() == pytest.approx([100, 100])
    # The older LSOA is all white: the oldest adults are whiter than the youngest.
    white = t2[t2["ethnicity"] == "white"].groupby("age_band")["n"].sum() / by_age
    assert white["65+"] > white["16-24"]


def test_frame_matrix_orders_cells_like_cells():
    frame = poststrat_frame(_lsoas())
    towns, counts = frame_matrix(frame.sample(frac=1, random_state=1))
    assert list(towns) == ["T1", "T2"] and counts.shape == (2, len(cells()))
    np.testing.assert_allclose(counts[1], frame.loc[frame["town_code"] == "T2", "n"])


def test_real_frame_covers_every_town(lsoa_table):
    frame = poststrat_frame(lsoa_table)
    towns, counts = frame_matrix(frame)
    assert len(towns) == lsoa_table["town_code"].nunique() == 1177
    adults = lsoa_table.groupby("town_code")[[f"age_band:{lv}" for lv in levels("age_band")]].sum()
    np.testing.assert_allclose(counts.sum(axis=1), adults.sum(axis=1).loc[towns], rtol=1e-9)
    assert (counts >= 0).all()
