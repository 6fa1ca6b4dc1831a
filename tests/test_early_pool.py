"""Workers started before the batch: taken by `run_batch` as its own, else stopped with their
kernels; the pages are those of a batch that started its own workers."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from hopeful.reports import batch, early_pool

FIXTURE = Path(__file__).parent / "fixtures" / "mini_report.ipynb"
TOWNS = [("E35000001", "e35000001-gravesend"), ("W37000003", "w37000003-barry")]


@pytest.fixture(autouse=True)
def _before() -> None:
    """Processes other tests' pools left running are not this test's."""
    _EARLIER[:] = [p.pid for p in psutil.Process().children(recursive=True)]


_EARLIER: list[int] = []


def descendants() -> list[psutil.Process]:
    """Workers and kernels this test started (not multiprocessing's resource tracker)."""
    found = []
    for process in psutil.Process().children(recursive=True):
        if process.pid in _EARLIER:
            continue
        try:
            line = " ".join(process.cmdline())
        except psutil.Error:
            continue
        if "resource_tracker" not in line and process.status() != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def test_started_pool_is_taken_and_renders_the_same_pages(
    mini_processed: Path, tmp_path: Path
) -> None:
    own = batch.run_batch(FIXTURE, TOWNS, mini_processed, tmp_path / "own", jobs=1, progress=False)
    with early_pool.started(FIXTURE, 1, "hopeful", enabled=True):
        assert early_pool._pools, "no pool was started"
        early = batch.run_batch(
            FIXTURE, TOWNS, mini_processed, tmp_path / "early", jobs=1, progress=False
        )
        assert not early_pool._pools, "run_batch did not take the started pool"
    assert (
        [o.status for o in own.outcomes] == [o.status for o in early.outcomes] == ["rendered"] * 2
    )
    for _, slug in TOWNS:
        page = f"{slug}.html"
        assert (tmp_path / "early" / page).read_bytes() == (tmp_path / "own" / page).read_bytes()
    assert not descendants()


def test_pool_nobody_took_is_stopped_with_its_kernels() -> None:
    with early_pool.started(FIXTURE, 2, "hopeful", enabled=True):
        deadline = time.monotonic() + 60
        # Wait until at least one kernel runs (a worker's child), so stopping must reach it.
        while time.monotonic() < deadline and not any(
            "ipykernel" in " ".join(p.cmdline()) for p in descendants()
        ):
            time.sleep(0.1)
        assert any("ipykernel" in " ".join(p.cmdline()) for p in descendants())
    gone = time.monotonic() + 10
    while descendants() and time.monotonic() < gone:
        time.sleep(0.1)
    assert not descendants()


def test_interrupt_before_the_batch_stops_the_workers() -> None:
    with pytest.raises(KeyboardInterrupt), early_pool.started(FIXTURE, 1, "hopeful", enabled=True):
        raise KeyboardInterrupt
    assert not early_pool._pools
    gone = time.monotonic() + 10
    while descendants() and time.monotonic() < gone:
        time.sleep(0.1)
    assert not descendants()


@pytest.mark.parametrize(
    ("force", "cache", "expected"), [(True, True, True), (False, True, False), (False, False, True)]
)
def test_started_only_when_every_town_renders(
    tmp_path: Path, force: bool, cache: bool, expected: bool
) -> None:
    if cache:
        (tmp_path / ".cache.json").write_text("{}")
    assert early_pool.worth_starting(tmp_path, force) is expected
