"""Shared tools: the real data mirror, copies of it with one file changed, folder snapshots."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MIRROR, ROOT

from hopeful.reports import batch

FIXTURE = ROOT / "tests" / "fixtures" / "mini_report.ipynb"
needs_mirror = pytest.mark.real_data("mirror")
needs_processed = pytest.mark.real_data("processed")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden and temporary ones too) with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def mirror_copy(target: Path, replaced: str | None = None) -> Path:
    """`target` laid out like the mirror: symlinks to its files, except `replaced`
    ("<source>/<file>"), which is left out for the caller to write."""
    for path in sorted(MIRROR.glob("*/*")):
        relative = f"{path.parent.name}/{path.name}"
        link = target / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        if relative != replaced:
            link.symlink_to(path)
    return target


@pytest.fixture(scope="session")
def pool() -> Iterator[cf.Executor]:
    """One worker process with one warm kernel, shared by every test here that renders."""
    with batch.make_executor(1) as executor:
        yield executor
