"""Shared fixtures: the small themes/actions/towns files whose answers are computed by hand."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hopeful.consultations.config import load_actions, load_themes
from hopeful.consultations.schema import COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "consultation_example_fictional.csv"


@pytest.fixture(scope="session")
def themes():
    return load_themes(FIXTURES / "themes_small.toml")


@pytest.fixture(scope="session")
def actions(themes):
    return load_actions(themes, FIXTURES / "actions_small.toml")


@pytest.fixture()
def towns() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "towns_small.csv", dtype={"town_code": str})


@pytest.fixture()
def evidence_dir(tmp_path) -> Path:
    """An evidence folder holding only Port Talbot's synthetic evidence."""
    folder = tmp_path / "consultations"
    folder.mkdir()
    shutil.copy(FIXTURES / "W38000144.csv", folder / "W38000144.csv")
    return folder


def row(**overrides: str) -> dict[str, str]:
    """A valid Port Talbot finding, with some fields replaced."""
    base = {
        "town_code": "W38000144",
        "date": "2021-02-01",
        "sector": "housing",
        "role": "housing officer",
        "kind": "friction",
        "theme": "housing",
        "summary": "Rents outpace wages.",
        "source_id": "T-01",
        "consent": "yes",
    }
    return {**base, **overrides}


def write_evidence(path: Path, rows: list[dict[str, str]], comments: tuple[str, ...] = ()) -> Path:
    """Write rows through the csv module, so hostile text is quoted exactly as a tool would."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        for line in comments:
            handle.write(f"# {line}\n")
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
