"""The EU referendum area model and town estimates: coefficient recovery on synthetic areas, the
logit adjustment reproducing each authority's measured result, determinism and report text."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from hopeful.models import leave
from hopeful.models.area_model import calibrate_offsets, fit_area_model
from hopeful.models.leave import leave_statement

TRUE_PER_SD = {"a": 0.40, "b": -0.25, "c": 0.10}
TRUE_REGION = {"R1": 0.0, "R2": 0.15, "R3": -0.10}


def _synthetic_areas(seed: int = 7, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "a": rng.normal(0.5, 0.2, n),
            "b": rng.uniform(0, 1, n),
            "c": rng.normal(10, 3, n),
            "region": rng.choice(list(TRUE_REGION), n),
            "valid_votes": rng.integers(20_000, 200_000, n),
        }
    )
    eta = 0.2 + frame["region"].map(TRUE_REGION)
    for name, beta in TRUE_PER_SD.items():
        eta = eta + beta * (frame[name] - frame[name].mean()) / frame[name].std(ddof=0)
    frame["leave_share"] = expit(eta + rng.normal(0, 0.05, n))
    return frame


def test_area_model_recovers_known_standardised_coefficients():
    model = fit_area_model(_synthetic_areas(), ["a", "b", "c"], reference_region="R1", seed=1)
    for name, beta in TRUE_PER_SD.items():
        assert model.params[name] == pytest.approx(beta, abs=0.02)
    assert model.params["region[R2]"] == pytest.approx(0.15, abs=0.03)
    assert model.params["region[R3]"] == pytest.approx(-0.10, abs=0.03)
    table = model.standardised
    assert list(table.index) == ["a", "b", "c"]  # strongest first
    assert ((table["ci_low"] < table["estimate"]) & (table["estimate"] < table["ci_high"])).all()
    assert 0.9 < model.cv_r2 < model.r2 < 1
    assert model.residual_sd == pytest.approx(0.05, abs=0.01)
    assert model.vif.between(1, 1.2).all()  # independent predictors


def test_area_model_rejects_shares_outside_zero_one():
    areas = _synthetic_areas(n=50).assign(leave_share=1.0)
    with pytest.raises(Exception, match="strictly between 0 and 1"):
        fit_area_model(areas, ["a"], reference_region="R1", seed=1)


def test_calibrate_offsets_by_hand():
    # One part: the shift is the gap on the logit scale.
    got = calibrate_offsets(np.array([0.3]), np.array([5.0]), np.array([0]), np.array([0.6]))
    assert got[0, 0] == pytest.approx(logit(0.6) - 0.3, abs=1e-12)
    # Two equal parts: the same. Two groups are solved independently.
    got = calibrate_offsets(
        np.array([0.0, 0.0, 1.0]),
        np.array([1.0, 3.0, 2.0]),
        np.array([0, 0, 1]),
        np.array([0.7, 0.2]),
    )
    assert got[0].tolist() == pytest.approx([logit(0.7), logit(0.2) - 1.0], abs=1e-12)


def test_calibrate_offsets_hits_targets_for_every_draw():
    rng = np.random.default_rng(3)
    eta = rng.normal(0, 1.5, size=(50, 9))
    weight = rng.uniform(1, 100, 9)
    group = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    target = np.array([0.35, 0.62, 0.5])
    offsets = calibrate_offsets(eta, weight, group, target)
    shares = expit(eta + offsets[:, group])
    for g in range(3):
        part = group == g
        mean = (shares[:, part] * weight[part]).sum(axis=1) / weight[part].sum()
        np.testing.assert_allclose(mean, target[g], atol=1e-12)


def test_leave_statement_separates_measured_from_modelled():
    town = {
        "town_name": "Port Talbot",
        "leave_share_modelled": 0.5912,
        "leave_share_modelled_p05": 0.531,
        "leave_share_modelled_p95": 0.649,
        "leave_area16_coverage": 1.0,
    }
    area = {"area16_name": "Neath Port Talbot", "leave_share": 0.5664}
    text = leave_statement(town, area)
    measured, modelled = text.split(" Modelled: ")
    assert measured.startswith("Measured: Neath Port Talbot voted 56.6% Leave")
    assert "59%" in modelled and "90% interval 53% to 65%" in modelled
    assert "not a count" in modelled and "spans" not in text
    split = leave_statement({**town, "leave_area16_coverage": 0.8}, area)
    assert "80% of its adults live in Neath Port Talbot" in split
    whole = {**town, "leave_share_modelled_p05": 0.5912, "leave_share_modelled_p95": 0.5912}
    assert "makes up the whole counting area" in leave_statement(whole, area)
    missing = leave_statement({**town, "leave_share_modelled": float("nan")}, area)
    assert "No modelled estimate" in missing and "Modelled:" not in missing


# ---------------------------------------------------------------- real data mirror


def test_real_area_model(leave_model):
    assert leave_model.n == 348
    assert leave_model.r2 > 0.8 and 0.75 < leave_model.cv_r2 < leave_model.r2
    # education: the strongest correlate (degrees against, low skills for Leave)
    assert leave_model.standardised.index[0] == "share_degree"
    assert leave_model.params["share_degree"] < 0 and leave_model.params["low_skills"] > 0
    assert leave_model.areas["cooks_d"].notna().all()


def test_saved_model_is_deterministic(mirror_interim, lsoa_table, leave_model, tmp_path):
    leave.save_model(leave_model, tmp_path / "a.json")
    again = leave.fit_leave_model(mirror_interim, tmp_path / "processed", lsoa_table=lsoa_table)
    saved = (tmp_path / "processed" / "models" / "leave_la.json").read_bytes()
    assert saved == (tmp_path / "a.json").read_bytes()
    data = json.loads(saved)
    assert data["n"] == 348 and set(data["standardised_coefficients"]) == set(again.features)
    assert {"r2", "cv_r2", "coefficients", "features", "method", "vif"} <= set(data)
    assert (
        data["coefficients"]["low_skills"]["ci_low"] < data["coefficients"]["low_skills"]["ci_high"]
    )


def test_town_adjustment_reproduces_every_authority_result(mirror_interim, lsoa_table, leave_model):
    pieces = leave.area_pieces(leave_model, mirror_interim, lsoa_table)
    weighted = (pieces["leave_share_modelled"] * pieces["adults_18plus"]).groupby(
        pieces["area16_code"]
    ).sum() / pieces.groupby("area16_code")["adults_18plus"].sum()
    measured = pieces.groupby("area16_code")["leave_share_area16"].first()
    assert len(measured) == 348
    np.testing.assert_allclose(weighted, measured, atol=1e-12)


def test_town_estimates_one_row_per_town_and_deterministic(mirror_interim, lsoa_table, leave_model):
    first = leave.town_leave_estimates(
        leave_model, mirror_interim, lsoa_table=lsoa_table, n_draws=100
    )
    assert first["town_code"].is_unique and first["town_code"].is_monotonic_increasing
    known = first.dropna(subset=["leave_share_modelled"])
    assert len(known) >= len(first) - 1  # only a town without LSOAs lacks an estimate
    assert (known["leave_share_modelled_p05"] <= known["leave_share_modelled"]).all()
    assert (known["leave_share_modelled"] <= known["leave_share_modelled_p95"]).all()
    # A town that is its whole counting area (Southend-on-Sea, Harlow) is measured: no interval.
    whole = known["leave_share_modelled_p95"] - known["leave_share_modelled_p05"] < 1e-12
    assert set(known.loc[whole, "town_code"]) == {"E35000390", "E35001348"}
    np.testing.assert_allclose(
        known.loc[whole, "leave_share_modelled"], known.loc[whole, "leave_share_area16"], atol=1e-12
    )
    assert "W38000144" in set(known["town_code"])  # Port Talbot
    again = leave.town_leave_estimates(
        leave_model, mirror_interim, lsoa_table=lsoa_table, n_draws=100
    )
    pd.testing.assert_frame_equal(first, again)
    other = leave.town_leave_estimates(
        leave_model, mirror_interim, lsoa_table=lsoa_table, n_draws=100, seed=1
    )
    assert not np.allclose(
        other["leave_share_modelled_p05"], first["leave_share_modelled_p05"], equal_nan=True
    )


def test_counted_seat_votes_reach_the_model_and_split_an_authority(
    mirror_interim, lsoa_table, leave_model
):
    assert leave_model.features == leave.LEAVE_FEATURES
    assert "seat_reform24" in leave_model.features and "seat_reform24" not in lsoa_table
    assert leave_model.params["seat_reform24"] > 0  # Reform UK 2024 where Leave 2016 ran high
    table = leave.with_vote_features(mirror_interim, lsoa_table)
    areas = leave.counting_areas(mirror_interim, table).set_index("area16_code")
    birmingham = table[table["area16_code"] == "E08000025"]
    assert birmingham["pcon24_code"].nunique() >= 10
    expected = np.average(birmingham["seat_reform24"], weights=birmingham["population"])
    assert areas.loc["E08000025", "seat_reform24"] == pytest.approx(expected, rel=1e-12)
    pieces = leave.area_pieces(leave_model, mirror_interim, table)
    parts = pieces.loc[pieces["area16_code"] == "E08000025", "seat_reform24"]
    assert parts.max() - parts.min() > 0.02  # the parts of one authority differ


def test_merged_districts_are_shared_out_better_than_the_authority_result(
    mirror_interim, lsoa_table
):
    from hopeful.models import validation

    table = leave.with_vote_features(mirror_interim, lsoa_table)
    held, within_sd = validation.within_authority(
        leave.counting_areas(mirror_interim, table), table, None,
        features=leave.LEAVE_FEATURES, reference_region=leave.REFERENCE_REGION, seed=leave.SEED,
    )  # fmt: skip
    assert len(held) == 25 and 0.03 < within_sd < 0.2
    modelled = (held["modelled"] - held["leave_share"]).abs().mean()
    assert modelled < 0.8 * (held["baseline"] - held["leave_share"]).abs().mean()
