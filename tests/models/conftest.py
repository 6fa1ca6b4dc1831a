"""Shared real-data inputs for the attitude model tests: built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

MIRROR = Path(__file__).resolve().parents[3] / "shared" / "data" / "sources"


@pytest.fixture(scope="session")
def mirror() -> Path:
    if not MIRROR.is_dir():
        pytest.skip(f"data mirror not found at {MIRROR}")
    return MIRROR


@pytest.fixture(scope="session")
def lsoa_table(mirror):
    from hopeful.models.area_features import lsoa_features

    return lsoa_features(mirror)


@pytest.fixture(scope="session")
def leave_model(mirror, lsoa_table):
    from hopeful.models.leave import fit_leave_model

    return fit_leave_model(mirror, lsoa_table=lsoa_table)
