"""Start the report workers and their kernels while `hopeful reports` is still reading tables.

Before its first town the command spends about a second importing pandas, reading towns.csv
and hashing files, while the workers it then starts spend as long again importing papermill
and nbconvert and starting their kernels. Started first, the workers do that meanwhile:
`batch.run_batch` takes the started pool as its own (replaced if a worker dies, terminated on
a second Ctrl-C) when it needs a pool of that size. A pool nobody took is stopped when the
command ends, its kernels with it. Only worth it when towns will render: the command starts
one with `--force` or when the output folder has no report cache yet.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["start", "started", "stop", "take", "worth_starting"]

_pools: dict[int, cf.ProcessPoolExecutor] = {}


def worth_starting(out_dir: Path, force: bool) -> bool:
    """Every town will render: forced, or no report cache in `out_dir` (a first run)."""
    return force or not any(Path(out_dir).glob(".cache*.json"))


def start(notebook: Path, jobs: int | None, kernel_name: str) -> None:
    """Spawn the pool `run_batch` would (`jobs` workers, default one per CPU) and ask each
    worker to start its kernel for `notebook` now."""
    from hopeful.reports import batch

    workers = jobs or os.cpu_count() or 1
    pool = batch.make_executor(workers)
    for _ in range(workers):
        # One warm-up a worker as a rule (a worker that takes two finds its kernel running);
        # a kernel that cannot start fails here quietly and again, visibly, at the first town.
        pool.submit(batch.warm_up, str(Path(notebook).resolve()), kernel_name)
    _pools[workers] = pool


def take(workers: int) -> cf.ProcessPoolExecutor | None:
    """The started pool of `workers` processes, now the caller's to shut down; else None."""
    return _pools.pop(workers, None)


def stop() -> None:
    """Stop the pools nobody took: SIGTERM makes each worker stop its kernel and exit."""
    while _pools:
        _, pool = _pools.popitem()
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def started(notebook: Path, jobs: int | None, kernel_name: str, *, enabled: bool) -> Iterator[None]:
    """Start a pool for the block (when `enabled`) and stop it at the end unless taken.

    Until `run_batch` installs its own handlers, SIGTERM interrupts the block like Ctrl-C, so
    the started workers and kernels are stopped rather than left behind.
    """
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        start(notebook, jobs, kernel_name)
        yield
    finally:
        try:
            stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
