"""Processed tables are checked when read (issue 16, class 3): a hand-edited or half-written
towns.csv is a DataError naming file, column and row, and the command exits 2 before any
report is written, instead of publishing 750.0 % or failing deep in a notebook."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import PROCESSED

from hopeful import processed
from hopeful.cli import main
from hopeful.errors import DataError

pytestmark = pytest.mark.real_data("scored")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The scored towns.csv and its data dictionary, to be edited."""
    out = tmp_path / "processed"
    out.mkdir()
    for name in ("towns.csv", "data_dictionary.csv"):
        shutil.copy(PROCESSED / name, out / name)
    return out


def edit(folder: Path, row: int, column: str, value: str) -> None:
    """Set one cell as text (row: 0-based data row), as a hand edit in a spreadsheet would."""
    towns = pd.read_csv(folder / "towns.csv", dtype=str, keep_default_na=False)
    towns.loc[row, column] = value
    towns.to_csv(folder / "towns.csv", index=False)


CASES = [
    ("share_65plus", "7.5", "out of range"),  # published as 750.0%
    ("index_score", "-50", "out of range"),
    ("index_rank", "0", "out of range"),
    ("index_rank", "12.5", "not a whole number"),
    ("index_decile", "11", "out of range"),
    ("population", "abc", "is not a number"),
    ("life_satisfaction", "11", "out of range"),
    ("index_rank", "", "no rank"),
]


@pytest.mark.parametrize(("column", "value", "says"), CASES)
def test_out_of_range_or_text_is_refused_with_file_column_and_row(
    folder: Path, column: str, value: str, says: str
) -> None:
    edit(folder, 6, column, value)
    with pytest.raises(DataError, match=says) as caught:
        processed.read_towns(folder)
    assert caught.value.column == column
    assert caught.value.row == 8  # spreadsheet row: header is row 1, data row 6 is row 8
    assert str(folder / "towns.csv") in str(caught.value)


def test_duplicated_town_code_is_named(folder: Path) -> None:
    towns = pd.read_csv(folder / "towns.csv", dtype=str, keep_default_na=False)
    pd.concat([towns, towns.iloc[[3]]]).to_csv(folder / "towns.csv", index=False)
    with pytest.raises(DataError, match="duplicate value") as caught:
        processed.read_towns(folder)
    assert caught.value.column == "town_code"


def test_header_only_towns_file_is_refused(folder: Path) -> None:
    header = (folder / "towns.csv").read_text().splitlines()[0]
    (folder / "towns.csv").write_text(header + "\n")
    with pytest.raises(DataError, match="no towns"):
        processed.read_towns(folder)


def test_unchanged_scored_table_reads(folder: Path) -> None:
    assert len(processed.read_towns(folder)) == len(pd.read_csv(PROCESSED / "towns.csv"))


def test_report_command_refuses_a_bad_table_and_writes_nothing(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(folder, 0, "share_65plus", "7.5")
    out = tmp_path / "reports"
    code = main(["reports", "--processed-dir", str(folder), "--out-dir", str(out), "--towns",
                 "Gravesend", "--no-progress"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "share_65plus" in err and "row 2" in err and "Traceback" not in err
    assert not out.exists() or not any(out.rglob("*.html"))
