"""Faults during a batch: every town still ends with a manifest row, no good output is lost.

A variant of the fixture notebook gets a `faults` cell that misbehaves for chosen towns: raise,
hang, kill its own kernel (once), kill its worker process (once or always). Write failures
(disk full, read-only folder) are simulated in-process, so they run with a thread executor.
tests/test_batch.py already covers a raising town, a hanging town and SIGINT/SIGTERM to a
script calling run_batch; here the same faults meet the real `hopeful reports` command.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import errno
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import psutil
import pytest

from hopeful import atomic
from hopeful.cli import main
from hopeful.reports import batch
from hopeful.reports import build as reports

from .conftest import FIXTURE, snapshot

SLUGS = {
    "E35000001": "e35000001-gravesend",
    "E35000002": "e35000002-dartford",
    "E35000005": "e35000005-slowby",
    "W37000003": "w37000003-barry",
    "W37000008": "w37000008-penarth",
}
FAULTS_CELL = """import os, signal, time
from pathlib import Path

_fault = {faults!r}.get(town)
_once = Path(processed_dir) / f"fault-done-{{town}}"
if _fault == "raise":
    raise RuntimeError(f"injected failure for {{town}}")
if _fault == "hang":
    while True:
        time.sleep(0.1)
if _fault in ("kill-kernel-once", "kill-worker-once") and not _once.exists():
    _once.touch()
    os.kill(os.getpid() if _fault == "kill-kernel-once" else os.getppid(), signal.SIGKILL)
if _fault == "kill-worker":
    os.kill(os.getppid(), signal.SIGKILL)
"""


def towns(*codes: str) -> list[tuple[str, str]]:
    return [(c, SLUGS[c]) for c in codes]


def manifest(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as handle:
        return {row["town_code"]: row for row in csv.DictReader(handle)}


def fault_notebook(folder: Path, faults: dict[str, str]) -> Path:
    """The fixture notebook with a cell after its imports that acts out `faults` by town."""
    nb = json.loads(FIXTURE.read_text())
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "faults",
        "metadata": {},
        "outputs": [],
        "source": FAULTS_CELL.format(faults=faults),
    }
    nb["cells"].insert(2, cell)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "faulty.ipynb"
    path.write_text(json.dumps(nb))
    return path


@pytest.fixture
def processed(mini_processed: Path, tmp_path: Path) -> Path:
    """The small towns table of this test's own (faults leave files in it), without Hangtown:
    `hopeful reports` renders every town the table lists."""
    folder = tmp_path / "processed"
    folder.mkdir()
    lines = (mini_processed / "towns.csv").read_text().splitlines(keepends=True)
    (folder / "towns.csv").write_text("".join(x for x in lines if ",Hangtown," not in x))
    return folder


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Jupyter runtime folder of this test's own: its kernels can be found by their
    connection files (spawned workers inherit the variable)."""
    folder = Path(tempfile.mkdtemp(prefix="rt-", dir=tmp_path))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(folder))
    return folder


def kernels_of(runtime: Path) -> list[int]:
    return [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if any(str(runtime) in part for part in (p.info["cmdline"] or []))
    ]


def wait_until_gone(runtime: Path, seconds: float = 10) -> list[int]:
    """Orphaned kernels notice their parent died within about a second and exit."""
    deadline = time.monotonic() + seconds
    while (left := kernels_of(runtime)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.slow
def test_raising_hanging_and_dying_kernels_leave_the_others_rendered(
    processed: Path, pool: cf.Executor, tmp_path: Path
) -> None:
    faults = {"E35000001": "raise", "E35000002": "hang", "W37000003": "kill-kernel-once"}
    notebook = fault_notebook(tmp_path / "nb", faults)
    out = tmp_path / "reports" / "towns"
    codes = ["E35000001", "E35000002", "W37000003", "W37000008"]
    summary = batch.run_batch(
        notebook, towns(*codes), processed, out, executor=pool, timeout_per_town=1.5,
        retries=1, progress=False,
    )  # fmt: skip
    status = {o.town_code: o.status for o in summary.outcomes}
    assert status == {
        "E35000001": "failed",  # an exception in the notebook is not retried
        "E35000002": "timeout",  # killed after 1.5 s, twice
        "W37000003": "rendered",  # its kernel died once; the retry on a new kernel worked
        "W37000008": "rendered",
    }
    rows = manifest(tmp_path / "reports" / "manifest.csv")
    assert "RuntimeError: injected failure for E35000001" in rows["E35000001"]["error"]
    assert "faulty.ipynb: cell 3 ('import os, signal, time')" in rows["E35000001"]["error"]
    assert "still running after 1.5 s; kernel killed" in rows["E35000002"]["error"]
    assert 3 <= float(rows["E35000002"]["seconds"]) < 20
    assert (processed / "fault-done-W37000003").exists()  # the kernel really was killed
    assert rows["W37000003"]["error"] == rows["W37000008"]["error"] == ""
    assert sorted(p.name for p in out.iterdir()) == [
        ".cache.json",
        "w37000003-barry.html",
        "w37000008-penarth.html",
    ]
    cache = json.loads((out / ".cache.json").read_text())["towns"]
    assert sorted(cache) == ["W37000003", "W37000008"]


@pytest.mark.slow
def test_killed_worker_is_replaced_and_the_batch_finishes(
    processed: Path, runtime: Path, tmp_path: Path
) -> None:
    """E35000001 kills its worker process, with E35000002 queued on the same worker: both are
    lost with the pool. A new pool runs each alone: E35000002 is rendered, E35000001 kills
    its worker again and, with no retries, fails; the last town is rendered."""
    notebook = fault_notebook(tmp_path / "nb", {"E35000001": "kill-worker"})
    out = tmp_path / "reports" / "towns"
    codes = ["E35000001", "E35000002", "W37000003"]
    summary = batch.run_batch(
        notebook, towns(*codes), processed, out, jobs=1, retries=0, progress=False
    )
    status = {o.town_code: o.status for o in summary.outcomes}
    assert status == {"E35000001": "failed", "E35000002": "rendered", "W37000003": "rendered"}
    error = manifest(tmp_path / "reports" / "manifest.csv")["E35000001"]["error"]
    assert error.startswith("its worker process died 1 time(s) while rendering it")
    assert "BrokenProcessPool" in error
    assert sorted(p.name for p in out.glob("*.html")) == [
        "e35000002-dartford.html",
        "w37000003-barry.html",
    ]
    assert sorted(json.loads((out / ".cache.json").read_text())["towns"]) == [
        "E35000002",
        "W37000003",
    ]
    assert wait_until_gone(runtime) == []


def test_a_callers_pool_that_breaks_fails_the_rest_but_writes_the_manifest(
    processed: Path, runtime: Path, tmp_path: Path
) -> None:
    """run_batch cannot replace an executor it was given: the towns it lost fail, named."""
    notebook = fault_notebook(tmp_path / "nb", {"E35000002": "kill-worker"})
    out = tmp_path / "reports" / "towns"
    with batch.make_executor(1) as own:
        summary = batch.run_batch(
            notebook, towns("E35000001", "E35000002", "W37000003"), processed, out,
            executor=own, progress=False,
        )  # fmt: skip
    status = {o.town_code: o.status for o in summary.outcomes}
    assert status == {"E35000001": "rendered", "E35000002": "failed", "W37000003": "failed"}
    rows = manifest(tmp_path / "reports" / "manifest.csv")
    for code in ("E35000002", "W37000003"):
        assert rows[code]["error"].startswith("not rendered: the worker pool broke and was not")
    assert sorted(p.name for p in out.glob("*.html")) == ["e35000001-gravesend.html"]
    assert wait_until_gone(runtime) == []


class OneFakeWorker(cf.Executor):
    """A process pool of one worker, without processes: tasks run in order on a thread; a town
    in `killers` breaks it as a SIGKILLed worker would (it and every queued town fail with
    BrokenProcessPool, later submits raise it)."""

    created = 0

    def __init__(self, killers: set[str]) -> None:
        OneFakeWorker.created += 1
        self.killers, self.broken = killers, False
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def submit(self, fn, task: batch.TownTask) -> cf.Future:  # type: ignore[override]
        if self.broken:
            raise BrokenProcessPool("A child process terminated abruptly")
        future: cf.Future = cf.Future()
        self.queue.put((future, task))
        return future

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            future, task = item
            if not future.set_running_or_notify_cancel():
                continue
            if self.broken or task.town_code in self.killers:
                self.broken = True
                future.set_exception(BrokenProcessPool("A process was terminated abruptly"))
            else:
                future.set_result(batch.TownOutcome(task.town_code, task.slug, "rendered", 0.0))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.queue.put(None)
        if wait:
            self.thread.join()


@pytest.mark.parametrize(
    ("killers", "retries", "expected"),
    [
        ({"T02"}, 1, {"T02": "died 2 time(s)"}),
        ({"T02", "T03"}, 0, {"T02": "died 1 time(s)", "T03": "died 1 time(s)"}),
        (
            {f"T{n:02}" for n in range(10)},  # no worker survives any town
            1,
            {"T00": "died 2", "T01": "died 2", "T02": "died 2"}
            | {f"T{n:02}": "not replaced" for n in range(3, 10)},
        ),
    ],
    ids=["one-killer", "two-killers-in-a-row", "workers-always-die"],
)
def test_pool_recovery_blames_only_the_town_that_dies_alone(
    killers: set[str], retries: int, expected: dict[str, str], processed: Path,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The recovery logic, with a fake pool (timing-proof: towns lost together are never
    blamed; after three culprits in a row run_batch stops replacing the pool)."""
    OneFakeWorker.created = 0
    monkeypatch.setattr(batch, "make_executor", lambda jobs: OneFakeWorker(killers))
    codes = [f"T{n:02}" for n in range(10)]
    summary = batch.run_batch(
        FIXTURE, [(c, c.lower()) for c in codes], processed, tmp_path / "towns", jobs=1,
        retries=retries, progress=False,
    )  # fmt: skip
    errors = {o.town_code: o.error for o in summary.outcomes if o.status == "failed"}
    assert sorted(errors) == sorted(expected)
    for code, part in expected.items():
        assert part in errors[code], errors[code]
    assert summary.counts["rendered"] == len(codes) - len(expected)
    assert OneFakeWorker.created <= 1 + batch.WORKER_DEATHS_IN_A_ROW * (retries + 2)


# --- writes that fail ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def threads() -> Iterator[cf.Executor]:
    """In-process workers (one warm kernel): monkeypatched writes reach the worker's code."""
    with cf.ThreadPoolExecutor(1) as executor:
        yield executor
    batch.shutdown_warm_kernels()


def disk_full_under(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes of files under `folder` stop half-way with ENOSPC, as on a full disk."""
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if folder in self.parents:
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No new file can be created in `folder` (EROFS), as on a read-only mount; tests run as
    root here, for whom permission bits would not stop a write."""
    real = tempfile.mkstemp

    def mkstemp(*args: object, dir: str | Path | None = None, **kwargs: object):
        if dir is not None and Path(dir) == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [(disk_full_under, "No space left on device"), (read_only, "Read-only file system")],
    ids=["disk-full", "read-only"],
)
def test_failed_writes_keep_the_previous_reports(
    fault, reason: str, processed: Path, threads: cf.Executor, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "reports" / "towns"
    codes = ["E35000001", "W37000003"]
    first = batch.run_batch(
        FIXTURE, towns(*codes), processed, out, executor=threads, progress=False
    )
    assert first.counts["rendered"] == 2
    before = snapshot(out)

    fault(out, monkeypatch)
    again = batch.run_batch(
        FIXTURE, towns(*codes), processed, out, executor=threads, force=True, progress=False
    )
    assert [o.status for o in again.outcomes] == ["failed", "failed"]
    for outcome in again.outcomes:
        assert outcome.error.startswith("WriteError: ")
        assert f"cannot write {out / (SLUGS[outcome.town_code] + '.html')}: {reason}" in (
            outcome.error
        )
    assert snapshot(out) == before  # old reports and cache intact, no temporary files left
    assert again.problems == [
        f"cache not saved (the next run re-renders these towns): [Errno "
        f"{errno.ENOSPC if 'space' in reason else errno.EROFS}] cannot write "
        f"{out / '.cache.json'}: {reason}"
    ]
    assert "warning: cache not saved" in again.text()
    rows = manifest(tmp_path / "reports" / "manifest.csv")
    assert {c: r["status"] for c, r in rows.items()} == dict.fromkeys(codes, "failed")
    assert reason in rows["E35000001"]["error"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_really_read_only_folder(processed: Path, threads: cf.Executor, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "towns"
    out.mkdir(parents=True)
    out.chmod(0o555)
    try:
        summary = batch.run_batch(
            FIXTURE, towns("E35000001"), processed, out, executor=threads, progress=False
        )
    finally:
        out.chmod(0o755)
    assert summary.outcomes[0].status == "failed"
    assert "Permission denied" in summary.outcomes[0].error
    assert list(out.iterdir()) == []


def test_one_report_that_cannot_be_written_exits_cleanly(
    processed: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    """`hopeful report` on a full disk: exit 2 with the reason, the previous report kept."""
    out = tmp_path / "reports"
    page = out / "towns" / "e35000001-gravesend.html"
    page.parent.mkdir(parents=True)
    page.write_text("previous good report\n")
    disk_full_under(out, monkeypatch)
    args = ["report", "E35000001", "--processed-dir", str(processed), "--out-dir", str(out)]
    assert main([*args, "--notebook", str(FIXTURE), "--timeout", "60"]) == 2
    stderr = capsys.readouterr().err
    assert f"hopeful report: error: [Errno 28] cannot write {page}: No space left on device" in (
        stderr
    )
    assert snapshot(out) == {"towns/e35000001-gravesend.html": b"previous good report\n"}


# --- a signal to the real command -------------------------------------------------------


@pytest.mark.slow
def test_sigterm_to_hopeful_reports_stops_cleanly_and_a_rerun_resumes(
    processed: Path, runtime: Path, pool: cf.Executor, tmp_path: Path
) -> None:
    """What a scheduler does at a time limit; test_batch.py sends SIGINT and SIGTERM to a
    script calling run_batch, this sends SIGTERM to `hopeful reports` itself."""
    out = tmp_path / "reports"
    command = [
        sys.executable, "-m", "hopeful.cli", "reports", "--processed-dir", str(processed),
        "--out-dir", str(out), "--notebook", str(FIXTURE), "--overview", str(FIXTURE),
        "--jobs", "1", "--no-progress",
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cache = out / "towns" / ".cache.json"
    deadline = time.monotonic() + 90
    while not (cache.is_file() and json.loads(cache.read_text())["towns"]):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)  # E35000005 (1.5 s) is among the towns still to come
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr.decode()
    assert "hopeful reports: interrupted" in stderr.decode()
    assert "Traceback" not in stderr.decode()

    rows = manifest(out / "manifest.csv")
    assert sorted(rows) == sorted(SLUGS)
    done = {c for c, r in rows.items() if r["status"] == "rendered"}
    assert done and {r["status"] for r in rows.values()} == {"rendered", "interrupted"}
    assert set(json.loads(cache.read_text())["towns"]) == done
    assert not (out / "overview.html").exists()  # stopped before the overview and index
    assert wait_until_gone(runtime) == []

    rerun = batch.run_batch(
        FIXTURE, sorted(SLUGS.items()), processed, out / "towns", executor=pool,
        extra_key=reports.config_key(), progress=False,
    )  # fmt: skip
    status = {o.town_code: o.status for o in rerun.outcomes}
    assert {c for c, s in status.items() if s == "cached"} == done
    assert {s for c, s in status.items() if c not in done} == {"rendered"}
