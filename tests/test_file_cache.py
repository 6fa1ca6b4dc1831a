"""The per-process read cache: reused while a file is unchanged, read again once it changes."""

from pathlib import Path

import pytest

from hopeful.atomic import write_text
from hopeful.reports import file_cache


@pytest.fixture(autouse=True)
def _empty_cache():
    file_cache.clear()
    yield
    file_cache.clear()


class CountingReader:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path) -> str:
        self.calls += 1
        return path.read_text()


def test_unchanged_file_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "towns.csv"
    write_text(path, "a\n1\n")
    reader = CountingReader()
    first = file_cache.cached_read(path, reader)
    assert file_cache.cached_read(path, reader) is first
    assert file_cache.cached_read(str(path), reader) is first  # str or Path, same entry
    assert reader.calls == 1


def test_atomic_rewrite_is_read_again_even_with_the_same_size(tmp_path: Path) -> None:
    path = tmp_path / "towns.csv"
    write_text(path, "a\n1\n")
    reader = CountingReader()
    assert file_cache.cached_read(path, reader) == "a\n1\n"
    write_text(path, "a\n2\n")  # same size; a new inode from the atomic rename
    assert file_cache.cached_read(path, reader) == "a\n2\n"
    assert reader.calls == 2


def test_each_reader_has_its_own_entry(tmp_path: Path) -> None:
    path = tmp_path / "towns.csv"
    write_text(path, "abc")
    assert file_cache.cached_read(path, Path.read_text) == "abc"
    assert file_cache.cached_read(path, Path.read_bytes) == b"abc"


def test_missing_file_raises_and_caches_nothing(tmp_path: Path) -> None:
    reader = CountingReader()
    with pytest.raises(FileNotFoundError):
        file_cache.cached_read(tmp_path / "gone.csv", reader)
    assert reader.calls == 0


def test_each_town_view_gets_its_own_copy_of_the_shared_table(tmp_path: Path) -> None:
    """A notebook changing its town's table must not change what the next town reads."""
    from hopeful.reports import town_view

    write_text(tmp_path / "towns.csv", "town_code,town_name,score\nE34000001,Ayton,1.5\n")
    first = town_view.load_town(tmp_path, "Ayton")
    first.towns.loc[0, "score"] = 99.0
    first.towns["added"] = 1
    second = town_view.load_town(tmp_path, "E34000001")
    assert second.towns["score"].tolist() == [1.5]
    assert "added" not in second.towns.columns
