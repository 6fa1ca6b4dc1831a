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

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator

__all__ = ["STOP_SIGNALS", "Stop", "die_with_parent", "ignore_stop_signals", "stop_signals_held"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Exit status of a worker whose driver died (the driver is gone, so nobody reads it).
ORPHANED = 70


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


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM in this thread while it starts worker processes.

    A child starts with its parent's signal mask, so a signal to the group while a new worker
    is still importing (about a second, before its initializer ignores the signal) waits in
    the worker instead of killing it; the driver's own copy is delivered when this ends.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def ignore_stop_signals() -> None:
    """In a worker: SIGINT and SIGTERM are the driver's to act on (see the module docstring).

    Then unblock them: one held since the worker was started is discarded, not delivered.
    """
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def die_with_parent(on_death: Callable[[], None]) -> threading.Thread | None:
    """In a spawned worker: when the parent process dies, call `on_death` and exit at once.

    Returns the watching thread, or None in a process that multiprocessing did not start.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return None

    def watch() -> None:
        parent.join()  # returns when the parent's end of the pipe is closed: it died
        try:
            on_death()
        finally:
            os._exit(ORPHANED)

    thread = threading.Thread(target=watch, name="hopeful-lifeline", daemon=True)
    thread.start()
    return thread
