"""A step's outputs are one set (issue 16, class 3): `prepare` and `score` write into a staging
folder beside data/processed and move the whole set in at the end, provenance.json last, so an
interrupted run (an exception, a full disk) never leaves towns.csv disagreeing with
provenance.json; a staging folder left by a killed run is removed by the next run."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import PROCESSED, ROOT

from hopeful import atomic, clusters, processed, score
from hopeful.scoring import framework as framework_mod

from .conftest import snapshot

STEPS = ROOT / "data" / "interim" / "score"


def _dead_pid() -> int:
    """The id of a process that has exited (a killed run's)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def test_a_failed_set_leaves_the_folder_untouched(tmp_path: Path) -> None:
    target = tmp_path / "processed"
    target.mkdir()
    (target / "towns.csv").write_text("old\n")
    (target / "provenance.json").write_text("{}\n")
    before = snapshot(tmp_path)
    with pytest.raises(atomic.WriteError), atomic.staged_dir(target) as stage:
        atomic.write_text(stage / "towns.csv", "new\n")
        raise atomic.WriteError(errno.ENOSPC, "cannot write towns.parquet: No space left")
    assert snapshot(tmp_path) == before  # no staging folder left either


def test_a_set_is_moved_in_with_provenance_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "processed"
    moved: list[str] = []
    real = os.replace

    def replace(src, dst) -> None:
        moved.append(Path(dst).relative_to(target).as_posix())
        real(src, dst)

    with atomic.staged_dir(target) as stage:
        for name in ("provenance.json", "towns.csv", "models/leave_la.json", "zzz.csv"):
            atomic.write_text(stage / name, name)
        monkeypatch.setattr(atomic.os, "replace", replace)
    assert moved[-1] == "provenance.json" and len(moved) == 4
    assert (target / "models" / "leave_la.json").read_text() == "models/leave_la.json"
    assert [p.name for p in tmp_path.iterdir()] == ["processed"]


def test_a_killed_runs_staging_folder_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "processed"
    stale = tmp_path / f".processed.staging-{_dead_pid()}"
    live = tmp_path / f".processed.staging-{os.getppid()}"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "towns.csv").write_text("half a set\n")
    with atomic.staged_dir(target) as stage:
        atomic.write_text(stage / "towns.csv", "whole\n")
    assert not stale.exists() and live.exists()
    assert (target / "towns.csv").read_text() == "whole\n"


# --- the real publish step -----------------------------------------------------------------


@pytest.fixture
def prepared_copy(tmp_path: Path) -> Path:
    """data/processed as `hopeful prepare` left it: towns.csv without score columns, and a
    provenance.json that vouches for it."""
    if not (STEPS / "published").is_dir():
        pytest.skip("the score steps have not run: run `make data`")
    out = tmp_path / "processed"
    shutil.copytree(PROCESSED, out)
    towns = score.prepared_towns(out)
    processed.write_csv(towns, out / "towns.csv")
    processed.update_provenance(out, ["towns.csv"], {})
    return out


def _publish(folder: Path) -> None:
    fw = framework_mod.load_framework(framework_mod.DEFAULT_PATH)
    score.publish(folder, STEPS, fw, clusters.load_clusters(None), framework_mod.DEFAULT_PATH)


@pytest.mark.real_data("scored")
@pytest.mark.parametrize("failing", ["towns.parquet", "trends.csv", "provenance.json"])
def test_publish_interrupted_by_a_full_disk_changes_nothing(
    prepared_copy: Path, failing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(prepared_copy.parent)
    real = atomic.write_bytes
    real_parquet = processed.write_parquet

    def full(path: Path) -> None:
        with atomic.atomic_path(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    def write_bytes(path, data: bytes) -> None:
        if Path(path).name == failing:
            full(Path(path))
        real(path, data)

    def write_parquet(frame: pd.DataFrame, path: Path) -> None:
        if Path(path).name == failing:
            full(Path(path))
        real_parquet(frame, path)

    monkeypatch.setattr(atomic, "write_bytes", write_bytes)
    monkeypatch.setattr(score, "write_parquet", write_parquet)
    with pytest.raises(atomic.WriteError, match="No space left on device"):
        _publish(prepared_copy)
    assert snapshot(prepared_copy.parent) == before  # towns.csv, provenance and all: byte-for-byte
    processed.verify_outputs(prepared_copy)


@pytest.mark.real_data("scored")
def test_publish_moves_the_whole_set_and_provenance_vouches_for_it(prepared_copy: Path) -> None:
    stale = prepared_copy.parent / f".processed.staging-{_dead_pid()}"
    stale.mkdir()
    (stale / "towns.csv").write_text("left by a killed score\n")
    _publish(prepared_copy)
    assert not stale.exists()
    assert [p.name for p in prepared_copy.parent.iterdir()] == ["processed"]
    assert (prepared_copy / "towns.csv").read_bytes() == (PROCESSED / "towns.csv").read_bytes()
    record = json.loads((prepared_copy / "provenance.json").read_text())["outputs"]
    # Everything reports read is vouched for, the attitude tables and models included.
    for name in ("towns.csv", "cluster_criteria.parquet", "leave_validation.csv",
                 "models/leave_la.json", "score_summary.json", "trends.csv"):  # fmt: skip
        assert record[name] == processed.sha256_file(prepared_copy / name), name
    processed.verify_outputs(prepared_copy)


@pytest.mark.real_data("raw")
def test_prepare_interrupted_by_a_full_disk_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sixth of seven outputs fails: before, five new files sat beside an old record."""
    from hopeful import paths, prepare

    out = tmp_path / "processed"
    shutil.copytree(PROCESSED, out)
    before = snapshot(tmp_path)
    real = prepare.write_parquet

    def write_parquet(frame: pd.DataFrame, path: Path) -> None:
        if Path(path).name == "map_layers.parquet":
            with atomic.atomic_path(path):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(frame, path)

    monkeypatch.setattr(prepare, "write_parquet", write_parquet)
    interim = tmp_path / "interim"
    with pytest.raises(atomic.WriteError, match="No space left on device"):
        prepare.prepare(paths.raw_dir(), interim, out, force=True)
    shutil.rmtree(interim)
    assert snapshot(tmp_path) == before
