"""Shared real-data inputs for the attitude model tests: built once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def lsoa_table(mirror_interim):
    from hopeful.models.area_features import lsoa_features

    return lsoa_features(mirror_interim)


@pytest.fixture(scope="session")
def leave_model(mirror_interim, lsoa_table):
    from hopeful.models.leave import fit_leave_model

    return fit_leave_model(mirror_interim, lsoa_table=lsoa_table)
