"""sha256 of files, read in chunks: cache keys, stamps and provenance hash with these.

Kept apart from `hopeful.processed` (which imports pandas) so that report worker processes,
which only hash pages and templates, start without importing pandas.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["sha256_file", "sha256_files"]

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """sha256 of a file's bytes, read in chunks (raw files can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_files(paths: Iterable[Path], root: Path | None = None) -> str:
    """One digest over files' names (relative to `root`) and bytes, in the order given.

    Files are streamed in chunks, so a large stray file costs time, never its size in memory.
    """
    digest = hashlib.sha256()
    for path in paths:
        name = Path(path).relative_to(root).as_posix() if root else Path(path).name
        digest.update(f"{len(name)}:{name}".encode())
        with Path(path).open("rb") as stream:
            digest.update(f"{os.fstat(stream.fileno()).st_size}:".encode())
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()
