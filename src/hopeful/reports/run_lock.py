"""One `hopeful reports` at a time per reports folder (and shard): a kernel-held file lock.

Two runs writing one folder would each save their own view of the cache and the manifest, and
whichever saved last would forget the towns only the other rendered. So a run takes an
exclusive `fcntl.flock` on a lock file in the reports folder and holds it until it ends; a
second run is refused at once, naming the folder and the process holding it. The kernel
releases the lock when the holder's file is closed, so it is released on any exit, `kill -9`
included: a lock file left behind by a dead process blocks nothing (its contents, the old
PID, are only a hint and are overwritten). Shards of one run keep their own cache and
manifest, so each shard has its own lock and shards can run side by side.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from hopeful.errors import HopefulError

__all__ = ["ReportsLocked", "hold", "lock_path"]


class ReportsLocked(HopefulError):
    """Another `hopeful reports` is writing the same reports folder (or the same shard)."""


def lock_path(out_dir: Path, shard: tuple[int, int] | None = None) -> Path:
    """The lock file of a run: one per cache and manifest the run writes."""
    suffix = "" if shard is None else f".shard-{shard[0]}-of-{shard[1]}"
    return Path(out_dir) / f".reports{suffix}.lock"


@contextlib.contextmanager
def hold(out_dir: Path, shard: tuple[int, int] | None = None) -> Iterator[Path]:
    """Hold the run's lock for the `with` block, or raise ReportsLocked at once if it is taken.

    The file descriptor is not inherited by kernels or spawned workers (Python opens files
    non-inheritable), so only this process holds the lock and it dies with this process.
    """
    path = lock_path(out_dir, shard)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            who = f"process {holder}" if holder.isdigit() else "another process"
            what = "reports" if shard is None else f"reports --shard {shard[0]}/{shard[1]}"
            raise ReportsLocked(
                f"{out_dir} is in use by another `hopeful {what}` ({who}, lock {path}); "
                "wait for it to finish, or write to another --out-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
