"""Reads every town report repeats, done once per process while the file stays the same.

A warm kernel renders hundreds of towns from the same `towns.csv` and criteria table; reading
them again for each town was nearly a tenth of a report's cost. An entry is keyed by the file's
path, size, modification time and inode, so a rewritten file (atomic writes replace the inode)
is read again, and only the newest version of each file is kept. Callers get the cached
object itself: they must copy before changing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_entries: dict[tuple[str, Callable[[Path], Any]], tuple[tuple[int, int, int], Any]] = {}


def _stamp(path: str) -> tuple[int, int, int]:
    stat = os.stat(path)
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def cached_read(path: str | Path, reader: Callable[[Path], T]) -> T:
    """`reader(path)`, reused while the file is unchanged (one entry per file and reader)."""
    name = os.path.abspath(path)
    key = (name, reader)
    stamp = _stamp(name)
    entry = _entries.get(key)
    if entry is not None and entry[0] == stamp:
        return entry[1]
    value = reader(Path(name))
    if _stamp(name) == stamp:  # not rewritten while we read it
        _entries[key] = (stamp, value)
    return value


def clear() -> None:
    """Forget every entry (tests; a long-lived process that wants its memory back)."""
    _entries.clear()
