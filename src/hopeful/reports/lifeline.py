"""Signals belong to the batch driver; its workers and their kernels die with it.

`timeout`, SLURM and Kubernetes stop a job by sending SIGTERM to every process of its group
(SLURM: of the job step), and a terminal sends Ctrl-C to the foreground group: the workers of
a batch get the signal at the same moment as the driver. If they die of it, the towns in
flight are lost, the pool breaks under the driver while it is stopping, and Python 3.11's pool
can then crash its manager thread (`InvalidStateError`) and hang the driver. So workers ignore
SIGINT and SIGTERM and let the driver decide: it stops submitting, waits for the towns that
run, writes the manifest, and only on a second signal kills its workers. An ignored signal
stays ignored across `exec`, so the kernels a worker starts ignore them too.

The opposite case is a driver that dies without a word (`kill -9`, the out-of-memory killer):
its workers would wait for work forever, and their kernels with them. A worker's lifeline is
the pipe `multiprocessing` keeps from a spawned child to its parent: a thread waits on it, and
when the parent is gone (the pipe reads as closed, on any platform) it kills the worker's
kernels and exits. A kernel's lifeline is ipykernel's own: it polls its parent (the worker,
`JPY_PARENT_PID`) every second and exits when that changes. Linux's `PR_SET_PDEATHSIG` is not
used: it fires when the *thread* that started the child ends, and a pool may start its workers
from any thread of the caller.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable

__all__ = [
    "STOP_SIGNALS",
    "Stop",
    "at_parent_death",
    "die_with_parent",
    "ignore_stop_signals",
    "init_worker",
]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Exit status of a worker whose driver died (the driver is gone, so nobody reads it).
ORPHANED = 70
_at_death: list[Callable[[], None]] = []


class Stop:
    """Requests to stop a batch: the first stops submitting towns and waits for those running;
    the second stops waiting (the driver kills its workers). Safe from a signal handler or any
    thread."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.hurry = threading.Event()

    def request(self) -> None:
        """One more stop request (a signal, or a caller's own reason)."""
        if self.requested.is_set():
            self.hurry.set()
        self.requested.set()


def init_worker() -> None:
    """Pool initializer (`batch.make_executor`): ignore the group's signals, die with the driver.

    It lives in this small module so that a new worker imports little before it runs: a
    signal to the group in the first few tenths of a second of a worker's life still kills
    it (the driver then records its towns as `interrupted`), later ones do not.
    """
    ignore_stop_signals()
    die_with_parent()


def ignore_stop_signals() -> None:
    """In a worker: SIGINT and SIGTERM are the driver's to act on (see the module docstring)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def at_parent_death(action: Callable[[], None]) -> None:
    """Run `action` (quick, any thread: e.g. SIGKILL this worker's kernels) if the parent dies."""
    if action not in _at_death:
        _at_death.append(action)


def die_with_parent() -> threading.Thread | None:
    """In a spawned worker: when the parent process dies, run the `at_parent_death` actions
    and exit at once.

    Returns the watching thread, or None in a process that multiprocessing did not start.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return None

    def watch() -> None:
        parent.join()  # returns when the parent's end of the pipe is closed: it died
        try:
            for action in list(_at_death):
                action()
        finally:
            os._exit(ORPHANED)

    thread = threading.Thread(target=watch, name="hopeful-lifeline", daemon=True)
    thread.start()
    return thread
