"""Two `hopeful reports` on one folder: the second is refused while the first holds the lock.

The first run is stood in for by a small subprocess that takes the same lock (`run_lock.hold`)
and waits: two full batches would test the kernels' timing, not the lock. A lock file left by
a process killed with SIGKILL must not block anything (the kernel drops a dead process's
flock), and the refused run must leave the first run's cache and manifest byte-for-byte.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from hopeful.cli import main
from hopeful.reports import batch, run_lock

from .conftest import snapshot

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from hopeful.reports import run_lock
    shard = tuple(map(int, sys.argv[2].split("/"))) if len(sys.argv) > 2 else None
    with run_lock.hold(Path(sys.argv[1]), shard):
        print("held", flush=True)
        time.sleep(600)
    """
)


def start_holder(out_dir: Path, shard: str | None = None) -> subprocess.Popen[str]:
    """A process that holds the reports lock of `out_dir` (or of one shard) until killed."""
    args = [sys.executable, "-c", HOLDER, str(out_dir), *([shard] if shard else [])]
    holder = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    """Holder processes started by a test, killed and reaped however the test ends."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait(timeout=30)


def first_run(out_dir: Path) -> None:
    """What a first run leaves: a page, the cache that records it and the manifest."""
    towns = out_dir / "towns"
    towns.mkdir(parents=True)
    (towns / "e35000001-ashford.html").write_text("<p>Ashford</p>\n")
    (towns / ".cache.json").write_text('{"E35000001": {"key": "k", "slug": "e35000001-ashford"}}')
    batch.write_manifest(
        out_dir / "manifest.csv",
        [batch.TownOutcome("E35000001", "e35000001-ashford", "rendered", 1.5)],
    )


def reports(out_dir: Path, tmp_path: Path, *extra: str) -> int:
    """`hopeful reports` on `out_dir` with an empty processed folder (refused before reading it)."""
    processed = tmp_path / "processed"
    processed.mkdir(exist_ok=True)
    args = [
        "reports",
        "--out-dir",
        str(out_dir),
        "--processed-dir",
        str(processed),
        "--no-progress",
    ]
    return main([*args, *extra])


def test_a_second_run_is_refused_at_once_and_the_first_runs_files_are_untouched(
    tmp_path: Path, holders: list[subprocess.Popen[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "reports"
    first_run(out_dir)
    holders.append(start_holder(out_dir))
    before = snapshot(out_dir)
    assert reports(out_dir, tmp_path) == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert str(out_dir) in line and f"process {holders[0].pid}" in line
    assert "in use by another `hopeful reports`" in line
    assert snapshot(out_dir) == before  # cache, manifest, page and the lock's PID as they were


def test_a_lock_left_by_a_killed_process_does_not_block(
    tmp_path: Path, holders: list[subprocess.Popen[str]]
) -> None:
    out_dir = tmp_path / "reports"
    holder = start_holder(out_dir)
    holders.append(holder)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    lock = run_lock.lock_path(out_dir)
    assert (
        lock.read_text() == f"{holder.pid}\n"
    )  # the stale file, with the dead PID, is still there
    with run_lock.hold(out_dir) as path:
        assert path == lock and lock.read_text() == f"{os.getpid()}\n"
    with run_lock.hold(out_dir):  # and released again when the block ends
        pass


def test_the_lock_is_released_when_the_run_fails(tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    with pytest.raises(RuntimeError), run_lock.hold(out_dir):
        raise RuntimeError("a run that fails")
    holder = start_holder(out_dir)  # another process can take it at once
    holder.kill()
    holder.wait(timeout=30)


def test_each_shard_has_its_own_lock(
    tmp_path: Path, holders: list[subprocess.Popen[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "reports"
    holders.append(start_holder(out_dir, "0/2"))
    with run_lock.hold(out_dir, (1, 2)), run_lock.hold(out_dir):
        pass  # the other shard's cache and manifest, and the unsharded ones, are other files
    assert reports(out_dir, tmp_path, "--shard", "0/2") == 2
    err = capsys.readouterr().err
    assert "`hopeful reports --shard 0/2`" in err and f"process {holders[0].pid}" in err
