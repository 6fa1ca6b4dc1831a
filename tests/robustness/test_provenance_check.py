"""Processed files are checked against provenance.json before anything is rendered (issue 16,
class 3): a hand-edited or half-written towns.csv is one line naming it and saying to re-run
`hopeful score`, exit 2, nothing rendered; in `hopeful reports`, `hopeful report` and the
notebooks' loading path alike. Checked once per run in the driver (and once per towns.csv
version in a kernel), never per town."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import PROCESSED

from hopeful import processed
from hopeful.cli import main
from hopeful.errors import DataError
from hopeful.reports import file_cache, overview_view, town_view

pytestmark = pytest.mark.real_data("scored")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A whole copy of the scored data/processed, provenance.json included."""
    out = tmp_path / "processed"
    shutil.copytree(PROCESSED, out)
    file_cache.clear()
    return out


def hand_edit(folder: Path) -> None:
    """A plausible edit a validator cannot see: one town's name changed."""
    path = folder / "towns.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Gravesend", "Gravesend Town", 1), encoding="utf-8")


def half_written(folder: Path) -> None:
    """towns.csv cut at a row boundary half-way, as an interrupted copy would leave it."""
    path = folder / "towns.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))


DAMAGE = {"hand-edited": hand_edit, "half-written": half_written}


def test_the_unchanged_folder_verifies(folder: Path) -> None:
    processed.verify_outputs(folder)  # raises if any recorded file differs


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_reports_refuses_a_towns_file_provenance_does_not_vouch_for(
    folder: Path, damage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    DAMAGE[damage](folder)
    out = tmp_path / "reports"
    code = main(["reports", "--processed-dir", str(folder), "--out-dir", str(out), "--towns",
                 "E35001042", "--no-progress"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert str(folder / "towns.csv") in err[0]
    assert "provenance.json" in err[0] and "re-run `hopeful score`" in err[0]
    rendered = [p.name for p in out.rglob("*") if p.name != ".reports.lock"] if out.exists() else []
    assert rendered == []  # the run's lock file at most: nothing rendered


def test_report_refuses_it_too(folder: Path, tmp_path: Path, capsys) -> None:
    hand_edit(folder)
    out = tmp_path / "reports"
    assert main(["report", "Gravesend", "--processed-dir", str(folder), "--out-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert "towns.csv: does not match the sha256 recorded in provenance.json" in err
    assert not out.exists()


def test_another_recorded_file_is_named(folder: Path, tmp_path: Path) -> None:
    path = folder / "cluster_criteria.parquet"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="re-run `hopeful score`") as caught:
        processed.verify_outputs(folder)
    assert caught.value.file == str(path)


def test_a_recorded_file_that_is_gone_is_named(folder: Path) -> None:
    (folder / "index_validity.csv").unlink()
    with pytest.raises(DataError, match="is missing but recorded in provenance.json"):
        processed.verify_outputs(folder)


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_the_notebooks_loading_path_checks_once_per_version(
    folder: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = processed.verify_outputs
    monkeypatch.setattr(processed, "verify_outputs", lambda *a: calls.append(a) or real(*a))
    for _ in range(3):  # a warm kernel rendering three towns hashes once
        town_view.towns_table(folder)
    assert len(calls) == 1
    file_cache.clear()
    DAMAGE[damage](folder)
    with pytest.raises(DataError, match="provenance.json"):
        town_view.load_town(folder, "E35001042")
    with pytest.raises(DataError, match="provenance.json"):
        overview_view.load_towns(folder)
