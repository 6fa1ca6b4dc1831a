"""Shared by every test folder: where the real data are, the `real_data` marker, and the
fixtures several files used to copy (prepared and scored real data, the small towns table).

A test that needs real data says which with `@pytest.mark.real_data("mirror" | "raw" |
"processed" | "scored")` (or a module's `pytestmark`); it is skipped with the command to run
when that data is absent, and `make test-fast` (`-m "not real_data"`) leaves it out. Tests
that request the `mirror`, `prepared` or `scored` fixtures are marked automatically.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT.parent / "shared" / "data" / "sources"
RAW = ROOT / "data" / "raw"
PROCESSED = ROOT / "data" / "processed"

# What each kind of real data is, the file that shows it is there, and how to get it.
REAL_DATA = {
    "mirror": (MIRROR / "ons-lookups", f"data mirror {MIRROR} is absent"),
    "raw": (RAW / "provenance.json", "raw data not fetched: run `make data`"),
    "processed": (PROCESSED / "lsoa.parquet", "processed data absent: run `make data`"),
    "scored": (
        PROCESSED / "cluster_criteria.parquet",
        "processed data not scored: run `make data`",
    ),
}
# Fixtures that read real data: a test requesting one needs that data.
REAL_DATA_FIXTURES = {"mirror": "mirror", "mirror_interim": "mirror", "mirror_indicators": "mirror",
                      "lsoa_table": "mirror", "leave_model": "mirror", "prepared": "raw",
                      "scored": "raw"}  # fmt: skip

# The towns table the fixture notebook (tests/fixtures/mini_report.ipynb) reads: it sleeps
# `sleep_seconds` before drawing, so Hangtown outlasts any timeout and Slowby takes a while.
MINI_TOWNS = """town_code,town_name,population,score,sleep_seconds
E35000001,Gravesend,53045,12.5,0
E35000002,Dartford,46844,18.25,0
E35000004,Hangtown,5000,1.0,60
E35000005,Slowby,7000,3.0,1.5
W37000003,Barry,54673,9.75,0
W37000008,Penarth,27226,11.0,0
"""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_data(kind): needs real data, kind one of "
        + ", ".join(REAL_DATA)
        + "; skipped when absent, left out by `make test-fast`",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests using real-data fixtures, then skip those whose data is absent."""
    for item in items:
        kinds = {REAL_DATA_FIXTURES[f] for f in item.fixturenames if f in REAL_DATA_FIXTURES}
        for kind in sorted(kinds):
            item.add_marker(pytest.mark.real_data(kind))
        for mark in item.iter_markers("real_data"):
            if len(mark.args) != 1 or mark.args[0] not in REAL_DATA:
                raise pytest.UsageError(f"{item.nodeid}: real_data needs one of {list(REAL_DATA)}")
            path, reason = REAL_DATA[mark.args[0]]
            if not path.exists():
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The read-only mirror of every raw source file."""
    return MIRROR


@pytest.fixture(scope="session")
def mirror_interim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/interim built from the read-only data mirror, once per test session (about 15 s)."""
    from hopeful.prepare import raw_tables

    folder = tmp_path_factory.mktemp("interim")
    raw_tables.write_all(MIRROR, folder)
    return folder


@pytest.fixture(scope="session")
def mirror_indicators(mirror_interim: Path) -> pd.DataFrame:
    """The town indicator table built from `mirror_interim` (about a minute), once per session."""
    from hopeful.indicators import build_indicators, lsoa11_measures
    from hopeful.prepare import constituencies, geography

    lsoa_town = geography.lsoa11_to_town(mirror_interim)
    population = lsoa11_measures.population19(mirror_interim)
    people = population[["lsoa11_code"]].assign(population=population["pop19"])
    people = people.merge(lsoa_town, on="lsoa11_code", how="left")
    lsoa_pcon, _counts = constituencies.lsoa11_to_pcon24(mirror_interim, people["lsoa11_code"])
    return build_indicators(
        mirror_interim,
        lsoa_town,
        geography.lsoa11_to_lad(mirror_interim),
        geography.town_universe(mirror_interim),
        constituencies.town_constituencies(lsoa_pcon, people),
    ).set_index("town_code")


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`hopeful prepare` of the fetched raw data into a processed/ folder of this session's
    own, with its interim/ tables beside it (as data/ is laid out)."""
    from hopeful import prepare

    base = tmp_path_factory.mktemp("prepared")
    prepare.prepare(RAW, base / "interim", base / "processed")
    return base / "processed"


@pytest.fixture(scope="session")
def scored(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`hopeful score` on a copy of `prepared` (processed/ and interim/ side by side)."""
    from hopeful import score

    base = tmp_path_factory.mktemp("scored")
    shutil.copytree(prepared.parent, base, dirs_exist_ok=True)
    score.score(base / "interim", base / "processed")
    return base / "processed"


@pytest.fixture(scope="module")
def mini_processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A processed folder holding only the small towns table the fixture notebook reads."""
    folder = tmp_path_factory.mktemp("processed")
    (folder / "towns.csv").write_text(MINI_TOWNS)
    return folder
