"""Atomic file writes: a failure never leaves a half-written file in place of a good one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hopeful.errors import HopefulError

# Errors that can only come from writing, whoever raised them inside an `atomic_path` block.
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


class WriteError(HopefulError, OSError):
    """An output could not be written (disk full, read-only folder); any old file is intact.

    Also an OSError, so existing `except OSError` handlers keep working, and a HopefulError,
    so the command line reports it in one line and exits non-zero.
    """


def _write_error(target: Path, exc: OSError) -> WriteError:
    return WriteError(exc.errno, f"cannot write {target}: {exc.strerror or exc}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs should read like any new file
        try:
            yield tmp
        except WriteError:
            raise
        except OSError as exc:
            if exc.errno in _DISK_ERRNOS:
                raise _write_error(target, exc) from exc
            raise
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _write_error(target, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` all at once: readers see the old file or the new one."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text with LF line endings, atomically."""
    write_bytes(path, text.encode("utf-8"))
