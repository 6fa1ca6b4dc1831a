"""Atomic file writes: a failure never leaves a half-written file in place of a good one."""

from __future__ import annotations

import contextlib
import errno
import filecmp
import os
import shutil
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


STAGING_MARK = ".staging-"
LAST = "provenance.json"  # moved last: a record that matches only once the set is in place


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_staging(target: str | Path) -> list[Path]:
    """Remove the staging folders beside `target` left by a run that was killed.

    A staging folder is named `.<target>.staging-<pid>`; one whose process is gone is stale
    (its set was never moved into place, so nothing reads it). Returns what was removed.
    """
    target = Path(target)
    removed = []
    if not target.parent.is_dir():
        return removed
    for folder in target.parent.glob(f".{target.name}{STAGING_MARK}*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if folder.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _move_into(stage: Path, target: Path) -> None:
    files = sorted(p for p in stage.rglob("*") if p.is_file() and not p.name.endswith(".tmp"))
    files.sort(key=lambda p: p.relative_to(stage).as_posix() == LAST)
    for path in files:
        dest = target / path.relative_to(stage)
        if dest.is_file() and filecmp.cmp(path, dest, shallow=False):
            continue  # the same bytes: keep the old file (its inode, its readers' caches)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
        except OSError as exc:
            raise _write_error(dest, exc) from exc


@contextlib.contextmanager
def staged_dir(target: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder beside the folder `target`; write a step's outputs there.

    When the block succeeds every file in it is renamed into `target` (same relative path;
    one whose bytes are already there is left as it is), `provenance.json` last, so the folder holds the old set or the new one, never a mix with a
    record that vouches for it. When the block fails (an exception, a full disk) the staging
    folder is removed and `target` is untouched. Stale staging folders of killed runs are
    removed first.
    """
    target = Path(target)
    remove_stale_staging(target)
    stage = target.parent / f".{target.name}{STAGING_MARK}{os.getpid()}"
    try:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(stage, exc) from exc
    try:
        yield stage
        _move_into(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
