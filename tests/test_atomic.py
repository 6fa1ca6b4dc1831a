"""Atomic writes: a failure mid-write never replaces a good file or leaves a temp file behind."""

from pathlib import Path

import pytest

from hopeful import atomic


def test_write_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic.write_text(target, "one\n")
    atomic.write_text(target, "two\n")
    assert target.read_text() == "two\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_failure_keeps_the_good_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("good")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half-writ")
        raise RuntimeError("disk on fire")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_new_files_are_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic.write_bytes(target, b"x")
    assert target.stat().st_mode & 0o044 == 0o044
