"""Fixtures shared by the test packages."""

from __future__ import annotations

from pathlib import Path

import pytest

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sources"


@pytest.fixture(scope="session")
def mirror_interim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/interim built from the read-only data mirror, once per test session (about 15 s)."""
    if not MIRROR.is_dir():
        pytest.skip(f"data mirror not found at {MIRROR}")
    from hopeful.prepare import raw_tables

    folder = tmp_path_factory.mktemp("interim")
    raw_tables.write_all(MIRROR, folder)
    return folder
